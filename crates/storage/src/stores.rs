//! Brands, stores, coverage zones, store product lists and their synchronisation reports on
//! sea-orm, and the store each order is fulfilled from (`orders.store_id`).
//!
//! Zones are found by their indexed bounding boxes first; the exact point-in-polygon test runs in
//! Rust on the few candidates.

use std::collections::HashMap;

use sea_orm::sea_query::{Alias, Expr, ExprTrait};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, Order as SqlOrder, QueryFilter, QueryOrder,
    QuerySelect,
};
use souk_fulfillment::stores::{
    Brand, BrandId, ListItem, RejectedRow, SalesChannel, SkuTarget, Store, StoreId, SyncReport,
};
use souk_fulfillment::zones::ZoneShape;
use souk_kernel::{Currency, DomainError, Page, PageRequest, UserId};
use uuid::Uuid;

use crate::db::{db_error, for_update, page_of};
use crate::entities::{brand, order, product, sku, store, store_list_item, store_sync, store_zone};

/// Rows per `IN (...)` list.
const CHUNK: usize = 500;

fn corrupt(what: &str) -> DomainError {
    DomainError::unexpected(format!("stored {what} holds an unknown value"))
}

fn to_brand(row: brand::Model) -> Result<Brand, DomainError> {
    Ok(Brand {
        id: BrandId(row.id),
        seller_id: UserId(row.seller_id),
        name: row.name,
        description: row.description,
        created_at: row.created_at,
        updated_at: row.updated_at,
    })
}

/// Stores a new brand.
pub async fn insert_brand(conn: &impl ConnectionTrait, b: &Brand) -> Result<(), DomainError> {
    let row = brand::ActiveModel {
        id: Set(b.id.as_uuid()),
        seller_id: Set(b.seller_id.as_uuid()),
        name: Set(b.name.clone()),
        description: Set(b.description.clone()),
        created_at: Set(b.created_at),
        updated_at: Set(b.updated_at),
    };
    brand::Entity::insert(row).exec_without_returning(conn).await.map_err(db_error)?;
    Ok(())
}

/// One brand.
pub async fn find_brand(conn: &impl ConnectionTrait, id: BrandId) -> Result<Option<Brand>, DomainError> {
    brand::Entity::find_by_id(id.as_uuid()).one(conn).await.map_err(db_error)?.map(to_brand).transpose()
}

/// Brands, oldest first; `seller` keeps one seller's.
pub async fn list_brands(
    conn: &impl ConnectionTrait,
    seller: Option<UserId>,
    page: PageRequest,
) -> Result<Page<Brand>, DomainError> {
    let mut query = brand::Entity::find()
        .order_by(brand::Column::CreatedAt, SqlOrder::Asc)
        .order_by(brand::Column::Id, SqlOrder::Asc);
    if let Some(seller) = seller {
        query = query.filter(brand::Column::SellerId.eq(seller.as_uuid()));
    }
    page_of(conn, query, page, to_brand).await
}

fn to_store(row: store::Model) -> Result<Store, DomainError> {
    let sales_channels = row
        .sales_channels
        .split(',')
        .filter(|s| !s.is_empty())
        .map(|s| s.parse::<SalesChannel>().map_err(|_| corrupt("stores.sales_channels")))
        .collect::<Result<_, _>>()?;
    Ok(Store {
        id: StoreId(row.id),
        brand_id: BrandId(row.brand_id),
        seller_id: UserId(row.seller_id),
        code: row.code,
        name: row.name,
        city: row.city,
        address: row.address,
        lat: row.lat,
        lng: row.lng,
        sales_channels,
        status: row.status.parse().map_err(|_| corrupt("stores.status"))?,
        created_at: row.created_at,
        updated_at: row.updated_at,
    })
}

fn store_row(s: &Store) -> store::ActiveModel {
    store::ActiveModel {
        id: Set(s.id.as_uuid()),
        brand_id: Set(s.brand_id.as_uuid()),
        seller_id: Set(s.seller_id.as_uuid()),
        code: Set(s.code.clone()),
        code_key: Set(s.code.to_lowercase()),
        name: Set(s.name.clone()),
        city: Set(s.city.clone()),
        address: Set(s.address.clone()),
        lat: Set(s.lat),
        lng: Set(s.lng),
        sales_channels: Set(s.sales_channels.iter().map(|c| c.as_str()).collect::<Vec<_>>().join(",")),
        status: Set(s.status.as_str().to_owned()),
        created_at: Set(s.created_at),
        updated_at: Set(s.updated_at),
    }
}

/// The lower-cased codes a brand's stores use.
pub async fn brand_codes(conn: &impl ConnectionTrait, brand: BrandId) -> Result<Vec<String>, DomainError> {
    store::Entity::find()
        .select_only()
        .column(store::Column::CodeKey)
        .filter(store::Column::BrandId.eq(brand.as_uuid()))
        .into_tuple::<String>()
        .all(conn)
        .await
        .map_err(db_error)
}

/// Stores new stores.
pub async fn insert_stores(conn: &impl ConnectionTrait, stores: &[Store]) -> Result<(), DomainError> {
    for chunk in stores.chunks(CHUNK / 10) {
        store::Entity::insert_many(chunk.iter().map(store_row))
            .exec_without_returning(conn)
            .await
            .map_err(db_error)?;
    }
    Ok(())
}

/// One store; `lock` holds its row on PostgreSQL until the transaction ends.
pub async fn find_store(
    conn: &impl ConnectionTrait,
    id: StoreId,
    lock: bool,
) -> Result<Option<Store>, DomainError> {
    let query = store::Entity::find_by_id(id.as_uuid());
    let query = if lock { for_update(query, conn) } else { query };
    query.one(conn).await.map_err(db_error)?.map(to_store).transpose()
}

/// A brand's stores by code.
pub async fn list_stores(
    conn: &impl ConnectionTrait,
    brand: BrandId,
    page: PageRequest,
) -> Result<Page<Store>, DomainError> {
    let query = store::Entity::find()
        .filter(store::Column::BrandId.eq(brand.as_uuid()))
        .order_by(store::Column::CodeKey, SqlOrder::Asc);
    page_of(conn, query, page, to_store).await
}

/// Saves a store's status.
pub async fn update_store_status(conn: &impl ConnectionTrait, s: &Store) -> Result<(), DomainError> {
    store::Entity::update_many()
        .col_expr(store::Column::Status, Expr::value(s.status.as_str()))
        .col_expr(store::Column::UpdatedAt, Expr::value(s.updated_at))
        .filter(store::Column::Id.eq(s.id.as_uuid()))
        .exec(conn)
        .await
        .map_err(db_error)?;
    Ok(())
}

/// A stored zone.
#[derive(Debug, Clone, PartialEq)]
pub struct StoredZone {
    /// Id.
    pub id: Uuid,
    /// The store.
    pub store_id: StoreId,
    /// Order within the upload, from 0.
    pub position: i32,
    /// The polygon.
    pub shape: ZoneShape,
}

fn to_zone(row: store_zone::Model) -> Result<StoredZone, DomainError> {
    Ok(StoredZone {
        id: row.id,
        store_id: StoreId(row.store_id),
        position: row.position,
        shape: ZoneShape::from_geojson_text(&row.geojson).map_err(|_| corrupt("store_zones.geojson"))?,
    })
}

/// Replaces a store's zones with these polygons; returns them as stored.
pub async fn replace_zones(
    conn: &impl ConnectionTrait,
    store: StoreId,
    shapes: Vec<ZoneShape>,
) -> Result<Vec<StoredZone>, DomainError> {
    store_zone::Entity::delete_many()
        .filter(store_zone::Column::StoreId.eq(store.as_uuid()))
        .exec(conn)
        .await
        .map_err(db_error)?;
    let zones: Vec<StoredZone> = shapes
        .into_iter()
        .enumerate()
        .map(|(position, shape)| StoredZone {
            id: Uuid::now_v7(),
            store_id: store,
            position: i32::try_from(position).unwrap_or(i32::MAX),
            shape,
        })
        .collect();
    insert_zones(conn, &zones).await?;
    Ok(zones)
}

/// Stores zones as they are (bulk set-up; [`replace_zones`] is the use cases' way in).
pub async fn insert_zones(conn: &impl ConnectionTrait, zones: &[StoredZone]) -> Result<(), DomainError> {
    for chunk in zones.chunks(CHUNK / 5) {
        let rows = chunk.iter().map(|z| store_zone::ActiveModel {
            id: Set(z.id),
            store_id: Set(z.store_id.as_uuid()),
            position: Set(z.position),
            geojson: Set(z.shape.to_geojson().to_string()),
            min_lat: Set(z.shape.min_lat),
            max_lat: Set(z.shape.max_lat),
            min_lng: Set(z.shape.min_lng),
            max_lng: Set(z.shape.max_lng),
        });
        store_zone::Entity::insert_many(rows).exec_without_returning(conn).await.map_err(db_error)?;
    }
    Ok(())
}

/// A store's zones in upload order.
pub async fn zones_of(conn: &impl ConnectionTrait, store: StoreId) -> Result<Vec<StoredZone>, DomainError> {
    store_zone::Entity::find()
        .filter(store_zone::Column::StoreId.eq(store.as_uuid()))
        .order_by(store_zone::Column::Position, SqlOrder::Asc)
        .all(conn)
        .await
        .map_err(db_error)?
        .into_iter()
        .map(to_zone)
        .collect()
}

/// Zones whose bounding box holds the point (the indexed pre-filter of a nearest search).
pub async fn zones_around(
    conn: &impl ConnectionTrait,
    lat: f64,
    lng: f64,
) -> Result<Vec<StoredZone>, DomainError> {
    store_zone::Entity::find()
        .filter(store_zone::Column::MinLat.lte(lat))
        .filter(store_zone::Column::MaxLat.gte(lat))
        .filter(store_zone::Column::MinLng.lte(lng))
        .filter(store_zone::Column::MaxLng.gte(lng))
        .all(conn)
        .await
        .map_err(db_error)?
        .into_iter()
        .map(to_zone)
        .collect()
}

/// The active stores among `ids`, of one brand when given.
pub async fn active_stores(
    conn: &impl ConnectionTrait,
    ids: &[StoreId],
    brand: Option<BrandId>,
) -> Result<Vec<Store>, DomainError> {
    let mut stores = Vec::new();
    for chunk in ids.chunks(CHUNK) {
        let mut query = store::Entity::find()
            .filter(store::Column::Id.is_in(chunk.iter().map(|id| id.as_uuid())))
            .filter(store::Column::Status.eq("active"));
        if let Some(brand) = brand {
            query = query.filter(store::Column::BrandId.eq(brand.as_uuid()));
        }
        for row in query.all(conn).await.map_err(db_error)? {
            stores.push(to_store(row)?);
        }
    }
    Ok(stores)
}

/// What each of these SKUs of a seller names (SKUs the seller does not have are absent).
pub async fn seller_skus(
    conn: &impl ConnectionTrait,
    seller: UserId,
    skus: &[String],
) -> Result<HashMap<String, SkuTarget>, DomainError> {
    let mut rows = Vec::new();
    for chunk in skus.chunks(CHUNK) {
        rows.extend(
            sku::Entity::find()
                .filter(sku::Column::SellerId.eq(seller.as_uuid()))
                .filter(sku::Column::Sku.is_in(chunk.iter().cloned()))
                .all(conn)
                .await
                .map_err(db_error)?,
        );
    }
    let mut product_ids: Vec<Uuid> = rows.iter().map(|r| r.product_id).collect();
    product_ids.sort();
    product_ids.dedup();
    let mut currencies = HashMap::new();
    for chunk in product_ids.chunks(CHUNK) {
        let found: Vec<(Uuid, String)> = product::Entity::find()
            .select_only()
            .column(product::Column::Id)
            .column(product::Column::Currency)
            .filter(product::Column::Id.is_in(chunk.iter().copied()))
            .filter(product::Column::DeletedAt.is_null())
            .into_tuple()
            .all(conn)
            .await
            .map_err(db_error)?;
        for (id, code) in found {
            currencies.insert(id, Currency::from_code(&code).map_err(|_| corrupt("products.currency"))?);
        }
    }
    Ok(rows
        .into_iter()
        .filter_map(|row| {
            let currency = *currencies.get(&row.product_id)?;
            Some((row.sku, SkuTarget { product_id: row.product_id, variant_id: row.variant_id, currency }))
        })
        .collect())
}

fn to_item(row: store_list_item::Model) -> Result<ListItem, DomainError> {
    Ok(ListItem {
        store_id: StoreId(row.store_id),
        sku: row.sku,
        list_code: row.list_code,
        product_id: row.product_id,
        variant_id: row.variant_id,
        price: row.price,
        currency: Currency::from_code(&row.currency).map_err(|_| corrupt("store_list_items.currency"))?,
        quantity: row.quantity,
        available: row.available,
        updated_at: row.updated_at,
    })
}

/// A store's entries for these SKUs.
pub async fn list_items(
    conn: &impl ConnectionTrait,
    store: StoreId,
    skus: &[String],
) -> Result<HashMap<String, ListItem>, DomainError> {
    let mut items = HashMap::new();
    for chunk in skus.chunks(CHUNK) {
        let rows = store_list_item::Entity::find()
            .filter(store_list_item::Column::StoreId.eq(store.as_uuid()))
            .filter(store_list_item::Column::Sku.is_in(chunk.iter().cloned()))
            .all(conn)
            .await
            .map_err(db_error)?;
        for row in rows {
            let item = to_item(row)?;
            items.insert(item.sku.clone(), item);
        }
    }
    Ok(items)
}

/// Stores an entry, replacing the store's entry for the same SKU.
pub async fn save_list_item(
    conn: &impl ConnectionTrait,
    item: &ListItem,
    exists: bool,
) -> Result<(), DomainError> {
    let row = store_list_item::ActiveModel {
        store_id: Set(item.store_id.as_uuid()),
        sku: Set(item.sku.clone()),
        list_code: Set(item.list_code.clone()),
        product_id: Set(item.product_id),
        variant_id: Set(item.variant_id),
        price: Set(item.price),
        currency: Set(item.currency.code().to_owned()),
        quantity: Set(item.quantity),
        available: Set(item.available),
        updated_at: Set(item.updated_at),
    };
    if exists {
        store_list_item::Entity::update(row).exec(conn).await.map_err(db_error)?;
    } else {
        store_list_item::Entity::insert(row).exec_without_returning(conn).await.map_err(db_error)?;
    }
    Ok(())
}

/// Takes `quantity` units of a SKU from a store's list if it has that many and sells it;
/// `false` when it does not (nothing changes).
pub async fn take_list_stock(
    conn: &impl ConnectionTrait,
    store: StoreId,
    sku: &str,
    quantity: i64,
) -> Result<bool, DomainError> {
    let result = store_list_item::Entity::update_many()
        .col_expr(
            store_list_item::Column::Quantity,
            Expr::col(store_list_item::Column::Quantity).sub(quantity),
        )
        .filter(store_list_item::Column::StoreId.eq(store.as_uuid()))
        .filter(store_list_item::Column::Sku.eq(sku))
        .filter(store_list_item::Column::Available.eq(true))
        .filter(store_list_item::Column::Quantity.gte(quantity))
        .exec(conn)
        .await
        .map_err(db_error)?;
    Ok(result.rows_affected == 1)
}

/// Gives `quantity` units of a SKU back to a store's list entry, if the store lists it.
pub async fn give_list_stock(
    conn: &impl ConnectionTrait,
    store: StoreId,
    sku: &str,
    quantity: i64,
) -> Result<(), DomainError> {
    store_list_item::Entity::update_many()
        .col_expr(
            store_list_item::Column::Quantity,
            Expr::col(store_list_item::Column::Quantity).add(quantity),
        )
        .filter(store_list_item::Column::StoreId.eq(store.as_uuid()))
        .filter(store_list_item::Column::Sku.eq(sku))
        .exec(conn)
        .await
        .map_err(db_error)?;
    Ok(())
}

/// Records a synchronisation.
pub async fn insert_sync(conn: &impl ConnectionTrait, report: &SyncReport) -> Result<(), DomainError> {
    let count = |n: usize| i32::try_from(n).unwrap_or(i32::MAX);
    let row = store_sync::ActiveModel {
        id: Set(report.id),
        store_id: Set(report.store_id.as_uuid()),
        list_code: Set(report.list_code.clone()),
        received: Set(count(report.received)),
        accepted: Set(count(report.accepted)),
        rejected: Set(count(report.rejected)),
        unchanged: Set(count(report.unchanged)),
        rejected_rows: Set(serde_json::to_string(&report.rejected_rows).map_err(DomainError::unexpected)?),
        created_at: Set(report.created_at),
    };
    store_sync::Entity::insert(row).exec_without_returning(conn).await.map_err(db_error)?;
    Ok(())
}

fn to_sync(row: store_sync::Model) -> Result<SyncReport, DomainError> {
    let count = |n: i32| usize::try_from(n).unwrap_or_default();
    let rejected_rows: Vec<RejectedRow> =
        serde_json::from_str(&row.rejected_rows).map_err(|_| corrupt("store_syncs.rejected_rows"))?;
    Ok(SyncReport {
        id: row.id,
        store_id: StoreId(row.store_id),
        list_code: row.list_code,
        received: count(row.received),
        accepted: count(row.accepted),
        rejected: count(row.rejected),
        unchanged: count(row.unchanged),
        rejected_rows,
        created_at: row.created_at,
    })
}

/// A store's synchronisations, newest first.
pub async fn list_syncs(
    conn: &impl ConnectionTrait,
    store: StoreId,
    page: PageRequest,
) -> Result<Page<SyncReport>, DomainError> {
    let query = store_sync::Entity::find()
        .filter(store_sync::Column::StoreId.eq(store.as_uuid()))
        .order_by(store_sync::Column::CreatedAt, SqlOrder::Desc)
        .order_by(store_sync::Column::Id, SqlOrder::Desc);
    page_of(conn, query, page, to_sync).await
}

/// The store an order is fulfilled from, if one was set.
pub async fn order_store(
    conn: &impl ConnectionTrait,
    order_id: Uuid,
) -> Result<Option<StoreId>, DomainError> {
    let found: Option<Option<Uuid>> = order::Entity::find_by_id(order_id)
        .select_only()
        .column_as(Expr::col(Alias::new("store_id")), "store_id")
        .into_tuple()
        .one(conn)
        .await
        .map_err(db_error)?;
    Ok(found.flatten().map(StoreId))
}

/// Moves an order's fulfilment to a store.
pub async fn set_order_store(
    conn: &impl ConnectionTrait,
    order_id: Uuid,
    store: StoreId,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<(), DomainError> {
    order::Entity::update_many()
        .col_expr(Alias::new("store_id"), Expr::value(store.as_uuid()))
        .col_expr(order::Column::UpdatedAt, Expr::value(now))
        .filter(order::Column::Id.eq(order_id))
        .exec(conn)
        .await
        .map_err(db_error)?;
    Ok(())
}
