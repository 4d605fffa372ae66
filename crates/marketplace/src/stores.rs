//! Store use cases: brands and their stores (sellers their own, admins any seller's), coverage
//! zones, the public nearest-store search, store product lists synchronised row by row with a
//! report of each run, and moving an order's fulfilment to another store of its seller.

use std::collections::{BTreeMap, HashSet};

use sea_orm::DatabaseTransaction;
use souk_auth::UserRepository;
use souk_auth::permission::require;
use souk_fulfillment::stores::{
    Brand, BrandId, ListItem, MAX_LIST_ROWS, RejectedRow, Store, StoreId, StoreInput, StoreStatus,
    SyncReport, check_brand, check_list_code, check_list_row, check_store_batch, is_unchanged, new_stores,
    row_sku,
};
use souk_fulfillment::zones::{ZoneFormat, distance_meters, parse_zones};
use souk_kernel::{Actor, DomainError, Page, PageRequest, Role, UserId};
use souk_orders::order::OrderId;
use souk_orders::status::Party;
use souk_storage::orders::find_order;
use souk_storage::stores::{self as sql, StoredZone};
use souk_storage::{SqlUsers, db_error};
use uuid::Uuid;

use crate::Marketplace;

/// A store found by a nearest-store search.
#[derive(Debug, Clone)]
pub struct NearbyStore {
    /// The store.
    pub store: Store,
    /// Metres from the searched point to the store.
    pub distance_meters: f64,
}

/// An order's move to another store.
#[derive(Debug, Clone)]
pub struct Transfer {
    /// The order.
    pub order_id: OrderId,
    /// The store it left, if it had one.
    pub from_store_id: Option<StoreId>,
    /// The store that fulfils it now.
    pub to_store_id: StoreId,
    /// Why.
    pub reason: Option<String>,
    /// SKUs whose quantity moved from the new store's list: `(sku, quantity)`.
    pub moved_stock: Vec<(String, i64)>,
    /// When.
    pub transferred_at: chrono::DateTime<chrono::Utc>,
}

fn brand_not_found() -> DomainError {
    DomainError::NotFound { resource: "brand" }
}

fn store_not_found() -> DomainError {
    DomainError::NotFound { resource: "store" }
}

/// True when the actor owns objects of `seller` or is an admin.
fn owns(actor: &Actor, seller: UserId) -> bool {
    actor.is_admin() || actor.user_id() == Some(seller)
}

fn visible_brand(brand: Option<Brand>, actor: &Actor) -> Result<Brand, DomainError> {
    brand.filter(|b| owns(actor, b.seller_id)).ok_or_else(brand_not_found)
}

fn visible_store(store: Option<Store>, actor: &Actor) -> Result<Store, DomainError> {
    store.filter(|s| owns(actor, s.seller_id)).ok_or_else(store_not_found)
}

fn store_snapshot(store: &Store) -> serde_json::Value {
    serde_json::json!({
        "id": store.id,
        "brand_id": store.brand_id,
        "seller_id": store.seller_id,
        "code": store.code,
        "name": store.name,
        "status": store.status.as_str(),
        "updated_at": store.updated_at,
    })
}

async fn record_store(
    tx: &DatabaseTransaction,
    kind: &str,
    store: &Store,
    extra: serde_json::Value,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<(), DomainError> {
    let mut data = store_snapshot(store);
    if let (Some(data), serde_json::Value::Object(extra)) = (data.as_object_mut(), extra) {
        data.extend(extra);
    }
    crate::outbox::record(tx, kind, "store", store.id.as_uuid(), Some(store.seller_id.as_uuid()), data, now)
        .await
}

impl Marketplace {
    /// Creates a brand for the acting seller (admins name `seller_id`).
    pub async fn create_brand(
        &self,
        actor: &Actor,
        seller_id: Option<UserId>,
        name: String,
        description: Option<String>,
    ) -> Result<Brand, DomainError> {
        require(actor, "store", "create")?;
        let me = actor.user_id().ok_or(DomainError::Unauthenticated)?;
        let seller = match (actor.role(), seller_id) {
            (Some(Role::Admin), Some(seller)) => seller,
            (Some(Role::Admin), None) => {
                return Err(DomainError::invalid("seller_id", "is required when an admin creates a brand"));
            }
            (_, Some(seller)) if seller != me => {
                return Err(DomainError::Forbidden("only admins may act for another seller".into()));
            }
            _ => me,
        };
        check_brand(&name, description.as_deref())?;
        let tx = self.db.begin_write().await.map_err(db_error)?;
        if seller != me {
            let user = SqlUsers::new(&tx).find(seller).await?;
            if user.is_none_or(|u| u.role != Role::Seller) {
                return Err(DomainError::invalid("seller_id", "names no seller account"));
            }
        }
        let now = self.clock().now();
        let brand = Brand {
            id: BrandId::new(),
            seller_id: seller,
            name: name.trim().to_owned(),
            description: description.map(|d| d.trim().to_owned()).filter(|d| !d.is_empty()),
            created_at: now,
            updated_at: now,
        };
        sql::insert_brand(&tx, &brand).await?;
        let data = serde_json::json!({"id": brand.id, "seller_id": brand.seller_id, "name": brand.name});
        crate::outbox::record(
            &tx,
            "brand.created",
            "brand",
            brand.id.as_uuid(),
            Some(seller.as_uuid()),
            data,
            now,
        )
        .await?;
        tx.commit().await.map_err(db_error)?;
        Ok(brand)
    }

    /// Brands: a seller's own; every seller's (or one `seller_id`'s) for admins.
    pub async fn list_brands(
        &self,
        actor: &Actor,
        seller_id: Option<UserId>,
        page: PageRequest,
    ) -> Result<Page<Brand>, DomainError> {
        require(actor, "store", "view")?;
        let scope = if actor.is_admin() { seller_id } else { actor.user_id() };
        sql::list_brands(&self.db.conn, scope, page).await
    }

    /// Creates a batch of stores under a brand, all or none; each bad row is reported as
    /// `stores[i].field`.
    pub async fn create_stores(
        &self,
        actor: &Actor,
        brand_id: BrandId,
        rows: Vec<StoreInput>,
    ) -> Result<Vec<Store>, DomainError> {
        require(actor, "store", "create")?;
        let tx = self.db.begin_write().await.map_err(db_error)?;
        let brand = visible_brand(sql::find_brand(&tx, brand_id).await?, actor)?;
        let taken = sql::brand_codes(&tx, brand.id).await?;
        check_store_batch(&rows, &taken)?;
        let now = self.clock().now();
        let stores = new_stores(&brand, rows, now);
        sql::insert_stores(&tx, &stores).await?;
        for store in &stores {
            record_store(&tx, "store.created", store, serde_json::json!({}), now).await?;
        }
        tx.commit().await.map_err(db_error)?;
        Ok(stores)
    }

    /// A brand's stores by code, for its seller or an admin.
    pub async fn list_brand_stores(
        &self,
        actor: &Actor,
        brand_id: BrandId,
        page: PageRequest,
    ) -> Result<Page<Store>, DomainError> {
        require(actor, "store", "view")?;
        let brand = visible_brand(sql::find_brand(&self.db.conn, brand_id).await?, actor)?;
        sql::list_stores(&self.db.conn, brand.id, page).await
    }

    /// One store, for its seller or an admin.
    pub async fn get_store(&self, actor: &Actor, id: StoreId) -> Result<Store, DomainError> {
        require(actor, "store", "view")?;
        visible_store(sql::find_store(&self.db.conn, id, false).await?, actor)
    }

    /// Opens or closes a store.
    pub async fn set_store_status(
        &self,
        actor: &Actor,
        id: StoreId,
        status: StoreStatus,
    ) -> Result<Store, DomainError> {
        require(actor, "store", "update")?;
        let tx = self.db.begin_write().await.map_err(db_error)?;
        let mut store = visible_store(sql::find_store(&tx, id, true).await?, actor)?;
        if store.status == status {
            return Ok(store);
        }
        let previous = store.status;
        let now = self.clock().now();
        store.status = status;
        store.updated_at = now;
        sql::update_store_status(&tx, &store).await?;
        record_store(
            &tx,
            "store.status_changed",
            &store,
            serde_json::json!({"previous_status": previous.as_str()}),
            now,
        )
        .await?;
        tx.commit().await.map_err(db_error)?;
        Ok(store)
    }

    /// Replaces a store's coverage zones with the polygons of an upload; unreadable or invalid
    /// geometry is `422` on `zones` with the reason.
    pub async fn replace_store_zones(
        &self,
        actor: &Actor,
        id: StoreId,
        format: ZoneFormat,
        bytes: Vec<u8>,
    ) -> Result<Vec<StoredZone>, DomainError> {
        require(actor, "store", "update")?;
        let store = visible_store(sql::find_store(&self.db.conn, id, false).await?, actor)?;
        // Reading and checking geometry is CPU work: keep it off the request threads.
        let shapes = tokio::task::spawn_blocking(move || parse_zones(format, &bytes))
            .await
            .map_err(DomainError::unexpected)?
            .map_err(|message| DomainError::invalid("zones", message))?;
        let tx = self.db.begin_write().await.map_err(db_error)?;
        let store = visible_store(sql::find_store(&tx, store.id, true).await?, actor)?;
        let zones = sql::replace_zones(&tx, store.id, shapes).await?;
        let now = self.clock().now();
        record_store(
            &tx,
            "store.zones_replaced",
            &store,
            serde_json::json!({"zones": zones.len(), "format": format.as_str()}),
            now,
        )
        .await?;
        tx.commit().await.map_err(db_error)?;
        Ok(zones)
    }

    /// A store's zones, for its seller or an admin.
    pub async fn store_zones(&self, actor: &Actor, id: StoreId) -> Result<Vec<StoredZone>, DomainError> {
        require(actor, "store", "view")?;
        let store = visible_store(sql::find_store(&self.db.conn, id, false).await?, actor)?;
        sql::zones_of(&self.db.conn, store.id).await
    }

    /// Active stores whose zone covers the point, nearest first (ties by id); anyone may ask.
    pub async fn nearest_stores(
        &self,
        lat: f64,
        lng: f64,
        brand_id: Option<BrandId>,
        page: PageRequest,
    ) -> Result<Page<NearbyStore>, DomainError> {
        let mut errors = souk_kernel::FieldErrors::new();
        if !lat.is_finite() || !(-90.0..=90.0).contains(&lat) {
            errors.add("lat", "must be between -90 and 90");
        }
        if !lng.is_finite() || !(-180.0..=180.0).contains(&lng) {
            errors.add("lng", "must be between -180 and 180");
        }
        errors.into_result()?;
        let candidates = sql::zones_around(&self.db.conn, lat, lng).await?;
        let mut covering: Vec<StoreId> =
            candidates.iter().filter(|z| z.shape.covers(lat, lng)).map(|z| z.store_id).collect();
        covering.sort();
        covering.dedup();
        let stores = sql::active_stores(&self.db.conn, &covering, brand_id).await?;
        let mut found: Vec<NearbyStore> = stores
            .into_iter()
            .map(|store| NearbyStore {
                distance_meters: distance_meters((lat, lng), (store.lat, store.lng)),
                store,
            })
            .collect();
        found.sort_by(|a, b| {
            a.distance_meters.total_cmp(&b.distance_meters).then(a.store.id.cmp(&b.store.id))
        });
        let total = found.len() as u64;
        let items = found.into_iter().skip(page.offset() as usize).take(page.per_page() as usize).collect();
        Ok(Page { items, total, request: page })
    }

    /// Applies a product list to a store row by row: rows naming none of the seller's SKUs or
    /// with a bad price or quantity are refused with a reason, good rows are stored, rows equal to
    /// what the store holds count as unchanged; the run is recorded as a sync report.
    pub async fn sync_store_list(
        &self,
        actor: &Actor,
        id: StoreId,
        list_code: String,
        rows: Vec<serde_json::Value>,
    ) -> Result<SyncReport, DomainError> {
        require(actor, "store", "update")?;
        check_list_code(&list_code)?;
        if rows.len() > MAX_LIST_ROWS {
            return Err(DomainError::invalid("items", format!("must hold at most {MAX_LIST_ROWS} rows")));
        }
        let tx = self.db.begin_write().await.map_err(db_error)?;
        let store = visible_store(sql::find_store(&tx, id, true).await?, actor)?;
        let mut skus: Vec<String> = rows.iter().filter_map(row_sku).collect();
        skus.sort();
        skus.dedup();
        let targets = sql::seller_skus(&tx, store.seller_id, &skus).await?;
        let existing = sql::list_items(&tx, store.id, &skus).await?;
        let now = self.clock().now();
        let mut report = SyncReport {
            id: Uuid::now_v7(),
            store_id: store.id,
            list_code: list_code.clone(),
            received: rows.len(),
            accepted: 0,
            rejected: 0,
            unchanged: 0,
            rejected_rows: Vec::new(),
            created_at: now,
        };
        let mut seen: HashSet<String> = HashSet::new();
        for (index, row) in rows.iter().enumerate() {
            let checked = check_list_row(row, |sku| targets.get(sku).copied()).and_then(|checked| {
                if seen.insert(checked.sku.clone()) {
                    Ok(checked)
                } else {
                    Err(format!("sku {:?} appears more than once in this list", checked.sku))
                }
            });
            let checked = match checked {
                Ok(checked) => checked,
                Err(reason) => {
                    report.rejected_rows.push(RejectedRow { index, sku: row_sku(row), reason });
                    continue;
                }
            };
            let stored = existing.get(&checked.sku);
            if stored.is_some_and(|item| is_unchanged(item, &checked, &list_code)) {
                report.unchanged += 1;
                continue;
            }
            let item = ListItem {
                store_id: store.id,
                sku: checked.sku,
                list_code: list_code.clone(),
                product_id: checked.target.product_id,
                variant_id: checked.target.variant_id,
                price: checked.price,
                currency: checked.target.currency,
                quantity: checked.quantity,
                available: checked.available,
                updated_at: now,
            };
            sql::save_list_item(&tx, &item, stored.is_some()).await?;
            report.accepted += 1;
        }
        report.rejected = report.rejected_rows.len();
        sql::insert_sync(&tx, &report).await?;
        let data = serde_json::json!({
            "list_code": list_code,
            "sync_id": report.id,
            "received": report.received,
            "accepted": report.accepted,
            "rejected": report.rejected,
            "unchanged": report.unchanged,
        });
        record_store(&tx, "store.list_synced", &store, data, now).await?;
        tx.commit().await.map_err(db_error)?;
        Ok(report)
    }

    /// A store's list synchronisations, newest first, for its seller or an admin.
    pub async fn store_sync_reports(
        &self,
        actor: &Actor,
        id: StoreId,
        page: PageRequest,
    ) -> Result<Page<SyncReport>, DomainError> {
        require(actor, "store", "view")?;
        let store = visible_store(sql::find_store(&self.db.conn, id, false).await?, actor)?;
        sql::list_syncs(&self.db.conn, store.id, page).await
    }

    /// Moves an order's fulfilment to another active store of its seller. When the new store
    /// lists the order's SKUs, their quantities come out of its list (`409` when it has too few)
    /// and go back to the old store's list where that store lists them. Final orders are `409`.
    pub async fn transfer_order(
        &self,
        actor: &Actor,
        order_id: OrderId,
        to_store_id: StoreId,
        reason: Option<String>,
    ) -> Result<Transfer, DomainError> {
        require(actor, "order", "update")?;
        let reason = reason.map(|r| r.trim().to_owned()).filter(|r| !r.is_empty());
        if reason.as_ref().is_some_and(|r| r.chars().count() > 500) {
            return Err(DomainError::invalid("reason", "must be at most 500 characters"));
        }
        let tx = self.db.begin_write().await.map_err(db_error)?;
        let order =
            find_order(&tx, order_id, true).await?.ok_or(DomainError::NotFound { resource: "order" })?;
        match Party::of(actor, order.buyer_id, order.seller_id) {
            None => return Err(DomainError::NotFound { resource: "order" }),
            Some(Party::Buyer) => {
                return Err(DomainError::Forbidden(
                    "only the order's seller or an admin moves its fulfilment".into(),
                ));
            }
            Some(_) => {}
        }
        if order.status.is_final() {
            return Err(DomainError::InvalidTransition {
                from: order.status.as_str().to_owned(),
                event: "transfer".into(),
                allowed: Vec::new(),
            });
        }
        let target = sql::find_store(&tx, to_store_id, true)
            .await?
            .filter(|s| s.seller_id == order.seller_id)
            .ok_or_else(|| DomainError::invalid("to_store_id", "names no store of the order's seller"))?;
        if target.status != StoreStatus::Active {
            return Err(DomainError::invalid("to_store_id", "names an inactive store"));
        }
        let from = sql::order_store(&tx, order.id.as_uuid()).await?;
        if from == Some(target.id) {
            return Err(DomainError::invalid("to_store_id", "is already the store fulfilling this order"));
        }
        let mut needed: BTreeMap<String, i64> = BTreeMap::new();
        for line in &order.lines {
            if let Some(sku) = &line.sku {
                *needed.entry(sku.clone()).or_default() += line.quantity;
            }
        }
        let skus: Vec<String> = needed.keys().cloned().collect();
        let listed = sql::list_items(&tx, target.id, &skus).await?;
        let mut moved = Vec::new();
        for (sku, quantity) in &needed {
            if !listed.contains_key(sku) {
                continue;
            }
            if !sql::take_list_stock(&tx, target.id, sku, *quantity).await? {
                return Err(DomainError::Conflict(format!(
                    "store {} does not have {quantity} of SKU {sku} available in its list",
                    target.code
                )));
            }
            if let Some(old) = from {
                sql::give_list_stock(&tx, old, sku, *quantity).await?;
            }
            moved.push((sku.clone(), *quantity));
        }
        let now = self.clock().now();
        sql::set_order_store(&tx, order.id.as_uuid(), target.id, now).await?;
        let data = serde_json::json!({
            "id": order.id,
            "number": order.number,
            "seller_id": order.seller_id,
            "status": order.status.as_str(),
            "from_store_id": from,
            "to_store_id": target.id,
            "reason": reason,
            "moved_stock": moved.iter().map(|(sku, q)| serde_json::json!({"sku": sku, "quantity": q})).collect::<Vec<_>>(),
        });
        crate::outbox::record(
            &tx,
            "order.transferred",
            "order",
            order.id.as_uuid(),
            Some(order.seller_id.as_uuid()),
            data,
            now,
        )
        .await?;
        tx.commit().await.map_err(db_error)?;
        Ok(Transfer {
            order_id: order.id,
            from_store_id: from,
            to_store_id: target.id,
            reason,
            moved_stock: moved,
            transferred_at: now,
        })
    }
}
