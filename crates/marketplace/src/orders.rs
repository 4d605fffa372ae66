//! Order use cases: checkout across sellers with atomic stock reservation, order reads under
//! object-level authorization, and status changes through the order state machine.

use chrono::Duration;
use sea_orm::{ConnectionTrait, DatabaseTransaction};
use souk_auth::permission::require;
use souk_catalog::{AddOnId, Product, ProductId, ProductRepository, VariantId};
use souk_kernel::{Actor, DomainError, FieldErrors, Page, PageRequest, Role};
use souk_orders::checkout::{PricedLine, price_checkout};
use souk_orders::order::{
    Address, DeliveryStatus, Fulfillment, Order, OrderId, OrderSource, PaymentStatus, RentalPeriod,
    order_number,
};
use souk_orders::status::{Effect, OrderStatus, Party, allowed, transition};
use souk_storage::orders::{
    ExportCursor, OrderEvent, OrderFilter, OrderScope, delete_order, due_unpaid_orders, export_orders,
    find_order, insert_order, list_orders, next_order_number, order_events, record_event, release_stock,
    rental_overlaps, reserve_product, reserve_variant, update_order_details, update_order_status,
};
use souk_storage::products::lock_product;
use souk_storage::{SqlProducts, db_error};
use uuid::Uuid;

use crate::Marketplace;
use crate::coupons::record_checkout_redemption;
use crate::escrow::{Mover, context};

/// Hours an unpaid order holds its stock before it expires.
pub const UNPAID_ORDER_HOURS: i64 = 24;

/// One line of a checkout request.
#[derive(Debug, Clone)]
pub struct CheckoutLine {
    /// The product.
    pub product_id: ProductId,
    /// The variant; required when the product has variants.
    pub variant_id: Option<VariantId>,
    /// Units.
    pub quantity: i64,
    /// Add-ons of the product.
    pub add_on_ids: Vec<AddOnId>,
    /// Rental days, for products with rental terms.
    pub rental: Option<RentalPeriod>,
}

/// A checkout request.
#[derive(Debug, Clone)]
pub struct CheckoutRequest {
    /// What to buy.
    pub lines: Vec<CheckoutLine>,
    /// Where to deliver.
    pub shipping_address: Address,
    /// Where to bill.
    pub billing_address: Option<Address>,
    /// Delivery or pickup.
    pub fulfillment: Fulfillment,
    /// A shipping rate.
    pub shipping_rate_id: Option<Uuid>,
    /// A pickup store.
    pub pickup_store_id: Option<Uuid>,
    /// A coupon code.
    pub coupon_code: Option<String>,
    /// A note to the sellers.
    pub note: Option<String>,
}

/// The orders one checkout made.
#[derive(Debug, Clone)]
pub struct Checkout {
    /// Shared by the orders.
    pub cart_id: Uuid,
    /// One order per seller, as the buyer sees it.
    pub orders: Vec<OrderView>,
}

/// Changes to an order's details; absent fields stay, `Some(None)` clears.
#[derive(Debug, Clone, Default)]
pub struct OrderPatch {
    /// Hide from or show in default lists.
    pub is_archived: Option<bool>,
    /// The buyer's note.
    pub note: Option<Option<String>>,
    /// Where to deliver (only while unpaid).
    pub shipping_address: Option<Address>,
    /// Where to bill (only while unpaid).
    pub billing_address: Option<Option<Address>>,
}

/// An order with what its reader may do with it.
#[derive(Debug, Clone)]
pub struct OrderView {
    /// The order.
    pub order: Order,
    /// The statuses the reader may move it to now.
    pub allowed_transitions: Vec<OrderStatus>,
}

/// Statuses only the returns and disputes use cases reach, never a plain status change.
const DRIVEN_ELSEWHERE: [OrderStatus; 3] =
    [OrderStatus::ReturnRequested, OrderStatus::Returned, OrderStatus::Disputed];

/// The statuses a party may request through a status change now.
fn movable(order: &Order, party: Party, now: chrono::DateTime<chrono::Utc>) -> Vec<OrderStatus> {
    allowed(order.status, &context(order, party, now))
        .into_iter()
        .filter(|s| !DRIVEN_ELSEWHERE.contains(s))
        .collect()
}

/// The trial terms a line is sold with, as stored on the line.
fn trial_snapshot(product: &Product) -> Option<serde_json::Value> {
    product.trial_policy.as_ref().filter(|t| t.enabled).map(|t| {
        serde_json::json!({
            "trial_days": t.trial_days,
            "penalty_type": t.penalty.kind().as_str(),
            "penalty_value": t.penalty.value_string(),
            "return_window_hours": t.return_window_hours,
        })
    })
}

/// Whether checkout must hold stock for the product.
fn tracks_stock(product: &Product) -> bool {
    product.stock_tracked && !product.allow_order_when_oos
}

impl Marketplace {
    /// Prices a checkout line from the catalog, checking that the product is for sale and the
    /// variant, add-ons and rental period belong to it.
    fn price_line(
        field: &str,
        line: &CheckoutLine,
        product: &Product,
        errors: &mut FieldErrors,
    ) -> Option<PricedLine> {
        let access = product.access();
        if !access.listed || access.deleted {
            errors.add(format!("{field}.product_id"), "names no product for sale");
            return None;
        }
        if line.quantity < i64::from(product.min_qty) {
            errors.add(
                format!("{field}.quantity"),
                format!("must be at least {} for this product", product.min_qty),
            );
        }
        let variant = match (line.variant_id, product.variants.is_empty()) {
            (Some(id), _) => match product.variants.iter().find(|v| v.id == id) {
                Some(variant) => Some(variant),
                None => {
                    errors.add(format!("{field}.variant_id"), "names no variant of this product");
                    return None;
                }
            },
            (None, false) => {
                errors.add(format!("{field}.variant_id"), "is required: the product has variants");
                return None;
            }
            (None, true) => None,
        };
        let mut add_ons = Vec::new();
        for (j, id) in line.add_on_ids.iter().enumerate() {
            match product.add_ons.iter().find(|a| a.id == *id) {
                Some(a) if !add_ons.iter().any(|(chosen, _, _)| *chosen == a.id.as_uuid()) => {
                    add_ons.push((a.id.as_uuid(), a.title.clone(), a.price));
                }
                Some(_) => errors.add(format!("{field}.add_on_ids[{j}]"), "appears twice"),
                None => errors.add(format!("{field}.add_on_ids[{j}]"), "names no add-on of this product"),
            }
        }
        if line.rental.is_some() && line.quantity != 1 {
            errors
                .add(format!("{field}.quantity"), "must be 1 for a rental: one item is rented for the days");
        }
        let unit_price = match (&line.rental, &product.rental) {
            (Some(_), Some(terms)) if terms.available => terms.daily_rate,
            (Some(_), _) => {
                errors.add(format!("{field}.rental"), "the product is not for rent");
                return None;
            }
            (None, _) => variant.map_or(product.price, |v| v.price),
        };
        Some(PricedLine {
            seller_id: product.seller_id,
            product_id: product.id.as_uuid(),
            variant_id: variant.map(|v| v.id.as_uuid()),
            title: product.title.clone(),
            variant_title: variant.map(|v| v.title.clone()),
            sku: variant.and_then(|v| v.sku.clone()).or_else(|| product.sku.clone()),
            unit_price,
            quantity: line.quantity,
            add_ons,
            rental: line.rental,
            trial_policy: trial_snapshot(product),
            tracks_stock: tracks_stock(product),
        })
    }

    /// Checks out: one `pending` order per seller under one `cart_id`, prices and titles
    /// snapshotted, stock reserved for every line or for none (`409` naming the lines that
    /// cannot be served), rental periods booked without overlap. Buyers only.
    pub async fn checkout(
        &self,
        actor: &Actor,
        mut request: CheckoutRequest,
    ) -> Result<Checkout, DomainError> {
        if actor.role() != Some(Role::Buyer) {
            return match actor {
                Actor::Anonymous => Err(DomainError::Unauthenticated),
                _ => Err(DomainError::Forbidden("only buyers check out".into())),
            };
        }
        require(actor, "order", "create")?;
        let buyer = actor.user_id().ok_or(DomainError::Unauthenticated)?;
        let mut errors = FieldErrors::new();
        request.shipping_address.check("shipping_address", &mut errors);
        if let Some(billing) = request.billing_address.as_mut() {
            billing.check("billing_address", &mut errors);
        }
        let coupon_code = request.coupon_code.take().map(|c| c.trim().to_owned()).filter(|c| !c.is_empty());
        if coupon_code.as_ref().is_some_and(|c| c.chars().count() > souk_orders::coupon::MAX_CODE_LEN) {
            errors.add("coupon_code", "names no coupon");
        }
        if request.lines.is_empty() || request.lines.len() > souk_orders::checkout::MAX_LINES {
            return Err(DomainError::invalid(
                "lines",
                format!("must hold 1 to {} lines", souk_orders::checkout::MAX_LINES),
            ));
        }
        let today = self.clock().now().date_naive();
        for (i, line) in request.lines.iter().enumerate() {
            if let Some(period) = line.rental
                && (period.start < today
                    || period.end > today + Duration::days(2 * souk_orders::checkout::MAX_RENTAL_DAYS))
            {
                errors
                    .add(format!("lines[{i}].rental"), "must start today or later and end within two years");
            }
        }
        let note = request.note.take().map(|n| n.trim().to_owned()).filter(|n| !n.is_empty());
        if note.as_ref().is_some_and(|n| n.chars().count() > 1000) {
            errors.add("note", "must be at most 1000 characters");
        }
        let tx = self.db.begin_write().await.map_err(db_error)?;
        let products = SqlProducts::new(&tx);
        let mut priced = Vec::new();
        let mut loaded: Vec<Product> = Vec::new();
        for (i, line) in request.lines.iter().enumerate() {
            let field = format!("lines[{i}]");
            let product = match loaded.iter().find(|p| p.id == line.product_id) {
                Some(product) => product.clone(),
                None => match products.find(line.product_id).await? {
                    Some(product) => {
                        loaded.push(product.clone());
                        product
                    }
                    None => {
                        errors.add(format!("{field}.product_id"), "names no product for sale");
                        continue;
                    }
                },
            };
            if let Some(line) = Self::price_line(&field, line, &product, &mut errors) {
                priced.push((i, line));
            }
        }
        let coupons = match &coupon_code {
            Some(code) => self.checkout_coupons(&tx, code, &priced, &mut errors).await?,
            None => Vec::new(),
        };
        let rate = self.checkout_rate(&tx, request.shipping_rate_id, &mut errors).await?;
        let pickup = self
            .checkout_pickup(
                &tx,
                request.fulfillment,
                request.pickup_store_id,
                request.shipping_rate_id,
                &priced,
                &mut errors,
            )
            .await?;
        errors.into_result()?;
        let mut drafts = price_checkout(priced.iter().map(|(_, line)| line.clone()).collect())?;
        self.add_checkout_shipping(&tx, rate.as_ref(), request.fulfillment, &mut drafts).await?;
        self.hold_stock_and_dates(&tx, &priced).await?;
        let applied = self.redeem_checkout_coupons(&tx, &coupons, &mut drafts, buyer).await?;
        let now = self.clock().now();
        let cart_id = Uuid::now_v7();
        let mut orders = Vec::new();
        for draft in drafts {
            let number = order_number(next_order_number(&tx).await?);
            let customer =
                self.checkout_customer(&tx, draft.seller_id, buyer, &request.shipping_address).await?;
            let order = Order {
                id: OrderId::new(),
                number,
                cart_id,
                buyer_id: buyer,
                seller_id: draft.seller_id,
                customer_id: Some(customer.as_uuid()),
                coupon_code: applied.iter().find(|a| a.seller_id == draft.seller_id).map(|a| a.code.clone()),
                source: OrderSource::Checkout,
                status: OrderStatus::Pending,
                payment_status: PaymentStatus::Unpaid,
                delivery_status: DeliveryStatus::NotShipped,
                lines: draft.lines,
                totals: draft.totals,
                fulfillment: request.fulfillment,
                shipping_address: request.shipping_address.clone(),
                billing_address: request.billing_address.clone(),
                note: note.clone(),
                is_archived: false,
                trial_ends_at: None,
                release_at: None,
                expires_at: Some(now + Duration::hours(UNPAID_ORDER_HOURS)),
                created_at: now,
                updated_at: now,
            };
            insert_order(&tx, &order, Some(buyer)).await?;
            if let Some(store) = &pickup {
                souk_storage::stores::set_order_store(&tx, order.id.as_uuid(), store.id, now).await?;
            }
            crate::outbox::record_order(&tx, "order.created".into(), &order, None, now).await?;
            if let Some(coupon) = applied.iter().find(|a| a.seller_id == order.seller_id) {
                record_checkout_redemption(&tx, coupon, order.id, buyer, now).await?;
            }
            let allowed_transitions = movable(&order, Party::Buyer, now);
            orders.push(OrderView { order, allowed_transitions });
        }
        tx.commit().await.map_err(db_error)?;
        Ok(Checkout { cart_id, orders })
    }

    /// Reserves stock for every tracked line and books every rental period, or fails naming each
    /// line that cannot be served (the transaction then undoes the reservations already made).
    async fn hold_stock_and_dates(
        &self,
        tx: &DatabaseTransaction,
        lines: &[(usize, PricedLine)],
    ) -> Result<(), DomainError> {
        let mut unavailable = FieldErrors::new();
        // Rows are locked in one global order (product, then variant) so two checkouts of the
        // same products can never wait on each other in a cycle.
        let mut ordered: Vec<(usize, &(usize, PricedLine))> = lines.iter().enumerate().collect();
        ordered.sort_by_key(|(_, (_, line))| (line.product_id, line.variant_id));
        for (position, (i, line)) in ordered {
            let field = format!("lines[{i}]");
            if let Some(period) = line.rental {
                lock_product(tx, line.product_id).await?;
                let twice = lines[..position].iter().any(|(_, other)| {
                    other.product_id == line.product_id && other.rental.is_some_and(|r| r.overlaps(&period))
                });
                if twice || rental_overlaps(tx, line.product_id, period).await? {
                    unavailable.add(&field, "the product is already rented on some of these days");
                }
                continue;
            }
            if !line.tracks_stock {
                continue;
            }
            let held = match line.variant_id {
                Some(variant) => reserve_variant(tx, variant, line.quantity).await?,
                None => reserve_product(tx, line.product_id, line.quantity).await?,
            };
            if !held {
                unavailable.add(&field, format!("fewer than {} units are available", line.quantity));
            }
        }
        if unavailable.is_empty() {
            return Ok(());
        }
        Err(DomainError::ConflictIn {
            message: "some lines cannot be served; nothing was reserved".into(),
            errors: unavailable,
        })
    }

    /// One order for a party to it or an admin (`404` for everyone else).
    pub async fn get_order(&self, actor: &Actor, id: OrderId) -> Result<OrderView, DomainError> {
        require(actor, "order", "view")?;
        let order =
            find_order(&self.db.conn, id, false).await?.ok_or(DomainError::NotFound { resource: "order" })?;
        let party = Party::of(actor, order.buyer_id, order.seller_id)
            .ok_or(DomainError::NotFound { resource: "order" })?;
        let allowed_transitions = movable(&order, party, self.clock().now());
        Ok(OrderView { order, allowed_transitions })
    }

    /// A page of orders: a buyer's own, a seller's of its products, or all for admins.
    pub async fn list_orders(
        &self,
        actor: &Actor,
        filter: OrderFilter,
        page: PageRequest,
    ) -> Result<Page<OrderView>, DomainError> {
        require(actor, "order", "view")?;
        let scope = order_scope(actor)?;
        let now = self.clock().now();
        let tx = self.db.begin_read().await.map_err(db_error)?;
        let page = list_orders(&tx, scope, &filter, page).await?;
        tx.commit().await.map_err(db_error)?;
        Ok(page.map(|order| {
            let allowed_transitions = Party::of(actor, order.buyer_id, order.seller_id)
                .map(|party| movable(&order, party, now))
                .unwrap_or_default();
            OrderView { order, allowed_transitions }
        }))
    }

    /// Moves an order through the state machine as the caller's party to it, applying every
    /// effect of the transition (stock, refund, release, trial clock) in the same transaction.
    pub async fn change_order_status(
        &self,
        actor: &Actor,
        id: OrderId,
        to: OrderStatus,
        reason: Option<String>,
    ) -> Result<OrderView, DomainError> {
        require(actor, "order", "update")?;
        let reason = reason.map(|r| r.trim().to_owned()).filter(|r| !r.is_empty());
        if reason.as_ref().is_some_and(|r| r.chars().count() > 500) {
            return Err(DomainError::invalid("reason", "must be at most 500 characters"));
        }
        let tx = self.db.begin_write().await.map_err(db_error)?;
        let mut order =
            find_order(&tx, id, true).await?.ok_or(DomainError::NotFound { resource: "order" })?;
        let party = Party::of(actor, order.buyer_id, order.seller_id)
            .ok_or(DomainError::NotFound { resource: "order" })?;
        let now = self.clock().now();
        if DRIVEN_ELSEWHERE.contains(&to) {
            transition(order.status, to, &context(&order, party, now))?;
            return Err(DomainError::Conflict(format!(
                "an order moves to {to} through its return or dispute, not through a status change"
            )));
        }
        self.move_order(&tx, &mut order, to, Mover { party, user: actor.user_id() }, reason, now).await?;
        tx.commit().await.map_err(db_error)?;
        let allowed_transitions = movable(&order, party, now);
        Ok(OrderView { order, allowed_transitions })
    }
}

impl Marketplace {
    /// Cancels unpaid orders whose hold has run out on the platform clock and releases their
    /// stock, each in its own transaction; returns how many it cancelled.
    pub async fn expire_unpaid_orders(&self) -> Result<u64, DomainError> {
        let mut expired = 0;
        loop {
            let now = self.clock().now();
            let due = due_unpaid_orders(&self.db.conn, now, 100).await?;
            if due.is_empty() {
                return Ok(expired);
            }
            let mut cancelled = 0;
            for id in &due {
                if self.expire_order(*id).await? {
                    cancelled += 1;
                }
            }
            expired += cancelled;
            if due.len() < 100 || cancelled == 0 {
                return Ok(expired);
            }
        }
    }

    /// Cancels one order if it is still unpaid and due (another process may have been first).
    async fn expire_order(&self, id: OrderId) -> Result<bool, DomainError> {
        let tx = self.db.begin_write().await.map_err(db_error)?;
        let now = self.clock().now();
        let Some(mut order) = find_order(&tx, id, true).await? else { return Ok(false) };
        let due = order.expires_at.is_some_and(|at| at <= now);
        let Ok(step) = transition(order.status, OrderStatus::Canceled, &context(&order, Party::System, now))
        else {
            return Ok(false);
        };
        if !due || step.effects.iter().any(Effect::moves_money) {
            return Ok(false);
        }
        release_order_stock(&tx, &order).await?;
        order.status = step.to;
        order.updated_at = now;
        update_order_status(&tx, &order).await?;
        let reason = format!("unpaid for {UNPAID_ORDER_HOURS} hours");
        crate::outbox::record_order(&tx, "order.canceled".into(), &order, Some(step.from), now).await?;
        record_event(
            &tx,
            order.id,
            Some(step.from),
            step.to,
            None,
            Party::System.as_str(),
            Some(reason),
            now,
        )
        .await?;
        tx.commit().await.map_err(db_error)?;
        Ok(true)
    }
}

impl Marketplace {
    /// An order's history for a party to it or an admin.
    pub async fn order_events(&self, actor: &Actor, id: OrderId) -> Result<Vec<OrderEvent>, DomainError> {
        require(actor, "order", "view")?;
        let order =
            find_order(&self.db.conn, id, false).await?.ok_or(DomainError::NotFound { resource: "order" })?;
        Party::of(actor, order.buyer_id, order.seller_id)
            .ok_or(DomainError::NotFound { resource: "order" })?;
        order_events(&self.db.conn, id).await
    }

    /// Changes an order's details: any party archives it; the buyer or an admin changes the note
    /// and, while the order awaits payment, the addresses.
    pub async fn update_order(
        &self,
        actor: &Actor,
        id: OrderId,
        mut patch: OrderPatch,
    ) -> Result<OrderView, DomainError> {
        require(actor, "order", "update")?;
        let tx = self.db.begin_write().await.map_err(db_error)?;
        let mut order =
            find_order(&tx, id, true).await?.ok_or(DomainError::NotFound { resource: "order" })?;
        let party = Party::of(actor, order.buyer_id, order.seller_id)
            .ok_or(DomainError::NotFound { resource: "order" })?;
        let touches_buyer_fields =
            patch.note.is_some() || patch.shipping_address.is_some() || patch.billing_address.is_some();
        if touches_buyer_fields && party == Party::Seller {
            return Err(DomainError::Forbidden(
                "only the buyer or an admin changes the note and addresses".into(),
            ));
        }
        let unpaid = matches!(order.status, OrderStatus::Pending | OrderStatus::Failed);
        if (patch.shipping_address.is_some() || patch.billing_address.is_some()) && !unpaid {
            return Err(DomainError::Conflict("addresses change only while the order awaits payment".into()));
        }
        let mut errors = FieldErrors::new();
        if let Some(address) = patch.shipping_address.as_mut() {
            address.check("shipping_address", &mut errors);
        }
        if let Some(Some(address)) = patch.billing_address.as_mut() {
            address.check("billing_address", &mut errors);
        }
        if let Some(note) = patch.note.take() {
            let note = note.map(|n| n.trim().to_owned()).filter(|n| !n.is_empty());
            if note.as_ref().is_some_and(|n| n.chars().count() > 1000) {
                errors.add("note", "must be at most 1000 characters");
            }
            order.note = note;
        }
        errors.into_result()?;
        if let Some(archived) = patch.is_archived {
            order.is_archived = archived;
        }
        if let Some(address) = patch.shipping_address {
            order.shipping_address = address;
        }
        if let Some(address) = patch.billing_address {
            order.billing_address = address;
        }
        let now = self.clock().now();
        order.updated_at = now;
        update_order_details(&tx, &order).await?;
        tx.commit().await.map_err(db_error)?;
        let allowed_transitions = movable(&order, party, now);
        Ok(OrderView { order, allowed_transitions })
    }

    /// Deletes an unpaid order and gives its stock back (admin).
    pub async fn delete_order(&self, actor: &Actor, id: OrderId) -> Result<(), DomainError> {
        souk_auth::permission::require_admin(actor)?;
        require(actor, "order", "delete")?;
        let tx = self.db.begin_write().await.map_err(db_error)?;
        let order = find_order(&tx, id, true).await?.ok_or(DomainError::NotFound { resource: "order" })?;
        let unpaid = matches!(order.status, OrderStatus::Pending | OrderStatus::Failed)
            && order.payment_status != PaymentStatus::Paid;
        if !unpaid {
            return Err(DomainError::Conflict(format!(
                "only unpaid pending or failed orders are deleted; this one is {}",
                order.status
            )));
        }
        release_order_stock(&tx, &order).await?;
        delete_order(&tx, id).await?;
        tx.commit().await.map_err(db_error)
    }
}

/// Which orders an actor may list: a buyer's own, a seller's of its products, all for admins.
fn order_scope(actor: &Actor) -> Result<OrderScope, DomainError> {
    let me = actor.user_id().ok_or(DomainError::Unauthenticated)?;
    Ok(match actor.role() {
        Some(Role::Admin) => OrderScope::All,
        Some(Role::Seller) => OrderScope::Seller(me),
        _ => OrderScope::Buyer(me),
    })
}

impl Marketplace {
    /// The next batch of an order export (the same orders `list_orders` would show, newest
    /// first after the cursor).
    pub async fn export_orders(
        &self,
        actor: &Actor,
        filter: &OrderFilter,
        after: Option<ExportCursor>,
        limit: u64,
    ) -> Result<Vec<Order>, DomainError> {
        require(actor, "order", "export")?;
        export_orders(&self.db.conn, order_scope(actor)?, filter, after, limit).await
    }
}

/// Gives back exactly the stock the order's checkout reserved (untracked products and rental
/// lines hold none), and the coupon use of an order that was never paid.
async fn release_order_stock(conn: &impl ConnectionTrait, order: &Order) -> Result<(), DomainError> {
    for line in order.lines.iter().filter(|l| l.stock_held) {
        release_stock(conn, line.product_id, line.variant_id, line.quantity).await?;
    }
    if matches!(order.payment_status, PaymentStatus::Unpaid | PaymentStatus::Failed) {
        souk_storage::coupons::release_order_redemptions(conn, order.id).await?;
    }
    Ok(())
}
