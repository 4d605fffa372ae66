//! Delivery use cases: splitting an order's lines into deliveries, moving them (which drives the
//! order to `shipped` and `delivered`), carrier tracking events, and pickup hand-over.
//!
//! Rules decided here, where the contract leaves room:
//! - Deliveries belong to `delivery` orders that are `new`, `accepted` or `shipped`; a delivery
//!   may leave (`shipped`/`delivered`) only once the seller accepted the order (`409` before).
//! - The first delivery that leaves moves an `accepted` order to `shipped`; when the deliveries
//!   cover every unit and all non-cancelled ones are delivered, the order moves to `delivered`
//!   (which opens its trial), both as the caller's party to the order.
//! - A tracking event `delivered` on a `shipped` order is the carrier confirming delivery: the
//!   shipped deliveries become delivered and the order moves to `delivered` as the system.
//! - A pickup order handed over moves `accepted -> shipped -> delivered` (or `shipped ->
//!   delivered`) as the caller's party, so its trial and release clock start at the hand-over.

use chrono::{DateTime, Utc};
use sea_orm::DatabaseTransaction;
use souk_auth::permission::require;
use souk_fulfillment::delivery::{
    Delivery, DeliveryLine, DeliveryStatus, TrackingEvent, TrackingStatus, check_tracking_number, progress,
    split_lines,
};
use souk_fulfillment::shipping::{Carrier, CarrierStatus};
use souk_fulfillment::stores::{SalesChannel, Store, StoreId, StoreStatus};
use souk_kernel::{Actor, DomainError, FieldErrors};
use souk_orders::checkout::PricedLine;
use souk_orders::order::{Fulfillment, Order, OrderId, OrderLine};
use souk_orders::status::{OrderStatus, Party};
use souk_storage::db_error;
use souk_storage::orders::find_order;
use souk_storage::shipping as store;
use uuid::Uuid;

use crate::Marketplace;
use crate::escrow::Mover;
use crate::orders::OrderView;

/// A new delivery of an order.
#[derive(Debug, Clone, Default)]
pub struct DeliveryInput {
    /// Units per line; empty takes every unit not yet in a delivery.
    pub lines: Vec<DeliveryLine>,
    /// The carrier.
    pub shipping_carrier_id: Option<Uuid>,
    /// The carrier's tracking number (needs a carrier).
    pub tracking_number: Option<String>,
}

/// Changes to a delivery; absent fields stay, an empty tracking number clears it.
#[derive(Debug, Clone, Default)]
pub struct DeliveryPatch {
    /// The new status.
    pub status: Option<DeliveryStatus>,
    /// The carrier's tracking number.
    pub tracking_number: Option<String>,
    /// The carrier.
    pub shipping_carrier_id: Option<Uuid>,
}

/// A tracking event as a carrier or seller reports it.
#[derive(Debug, Clone)]
pub struct TrackingInput {
    /// What happened.
    pub status: TrackingStatus,
    /// The carrier's words.
    pub description: String,
    /// Where.
    pub location: Option<String>,
    /// When.
    pub occurred_at: DateTime<Utc>,
}

/// A delivery line with the order line's snapshot.
#[derive(Debug, Clone)]
pub struct DeliveryLineView {
    /// The order line.
    pub line: OrderLine,
    /// Units in this delivery.
    pub quantity: i64,
}

/// A delivery as parties read it.
#[derive(Debug, Clone)]
pub struct DeliveryView {
    /// The delivery.
    pub delivery: Delivery,
    /// Its carrier.
    pub carrier: Option<Carrier>,
    /// Its lines.
    pub lines: Vec<DeliveryLineView>,
    /// The carrier's tracking page for it.
    pub tracking_link: Option<String>,
}

/// Order statuses that take new deliveries and delivery changes.
const OPEN: [OrderStatus; 3] = [OrderStatus::New, OrderStatus::Accepted, OrderStatus::Shipped];

/// Order statuses that take no tracking events: unpaid, not yet accepted or called off.
const UNTRACKED: [OrderStatus; 5] = [
    OrderStatus::Pending,
    OrderStatus::Failed,
    OrderStatus::New,
    OrderStatus::Canceled,
    OrderStatus::Declined,
];

fn order_units(order: &Order) -> Vec<(Uuid, i64)> {
    order.lines.iter().map(|l| (l.id, l.quantity)).collect()
}

/// The party of a caller who changes the order's fulfilment: its seller or an admin (`404` for
/// strangers, `403` for the buyer).
fn fulfiller(actor: &Actor, order: &Order) -> Result<Party, DomainError> {
    match Party::of(actor, order.buyer_id, order.seller_id) {
        None => Err(DomainError::NotFound { resource: "order" }),
        Some(Party::Buyer) => {
            Err(DomainError::Forbidden("only the seller or an admin fulfils the order".into()))
        }
        Some(party) => Ok(party),
    }
}

fn delivery_event(d: &Delivery, order: &Order) -> serde_json::Value {
    serde_json::json!({
        "id": d.id,
        "order_id": d.order_id,
        "order_number": order.number,
        "status": d.status.as_str(),
        "shipping_carrier_id": d.shipping_carrier_id,
        "tracking_number": d.tracking_number,
        "lines": d.lines.iter().map(|l| serde_json::json!({"line_id": l.line_id, "quantity": l.quantity})).collect::<Vec<_>>(),
        "updated_at": d.updated_at,
    })
}

async fn record_delivery(
    tx: &DatabaseTransaction,
    kind: &str,
    d: &Delivery,
    order: &Order,
    now: DateTime<Utc>,
) -> Result<(), DomainError> {
    crate::outbox::record(
        tx,
        kind,
        "delivery",
        d.id,
        Some(order.seller_id.as_uuid()),
        delivery_event(d, order),
        now,
    )
    .await
}

/// An active carrier a delivery may name, or a field error.
async fn usable_carrier(
    conn: &impl sea_orm::ConnectionTrait,
    id: Uuid,
    errors: &mut FieldErrors,
) -> Result<Option<Carrier>, DomainError> {
    let carrier = store::find_carrier(conn, id).await?.filter(|c| c.status == CarrierStatus::Active);
    if carrier.is_none() {
        errors.add("shipping_carrier_id", "names no active shipping carrier");
    }
    Ok(carrier)
}

/// Sets a delivery's status, stamping when it left and arrived.
fn set_status(d: &mut Delivery, to: DeliveryStatus, now: DateTime<Utc>) {
    if to.has_left() && d.shipped_at.is_none() {
        d.shipped_at = Some(now);
    }
    if to == DeliveryStatus::Delivered {
        d.delivered_at = Some(now);
    }
    d.status = to;
    d.updated_at = now;
}

impl Marketplace {
    /// The open pickup store a checkout names, checked against its fulfilment, shipping rate and
    /// lines: a pickup order names an active store with the `pickup` channel whose seller sells
    /// every line, and is not shipped; a delivery names no store.
    pub(crate) async fn checkout_pickup(
        &self,
        tx: &DatabaseTransaction,
        fulfillment: Fulfillment,
        store_id: Option<Uuid>,
        shipping_rate_id: Option<Uuid>,
        lines: &[(usize, PricedLine)],
        errors: &mut FieldErrors,
    ) -> Result<Option<Store>, DomainError> {
        if fulfillment == Fulfillment::Delivery {
            if store_id.is_some() {
                errors.add("pickup_store_id", "is only for pickup orders");
            }
            return Ok(None);
        }
        if shipping_rate_id.is_some() {
            errors.add("shipping_rate_id", "pickup orders are collected at the store, not shipped");
        }
        let Some(id) = store_id else {
            errors.add("pickup_store_id", "is required for a pickup order");
            return Ok(None);
        };
        let store = souk_storage::stores::find_store(tx, StoreId(id), false)
            .await?
            .filter(|s| s.status == StoreStatus::Active && s.sales_channels.contains(&SalesChannel::Pickup));
        let Some(store) = store else {
            errors.add("pickup_store_id", "names no open store with the pickup channel");
            return Ok(None);
        };
        for (i, line) in lines {
            if line.seller_id != store.seller_id {
                errors.add(
                    format!("lines[{i}].product_id"),
                    "is not sold by the pickup store's seller; check it out separately",
                );
            }
        }
        Ok(Some(store))
    }

    async fn view(
        &self,
        conn: &impl sea_orm::ConnectionTrait,
        order: &Order,
        d: Delivery,
    ) -> Result<DeliveryView, DomainError> {
        let carrier = match d.shipping_carrier_id {
            Some(id) => store::find_carrier(conn, id).await?,
            None => None,
        };
        let lines = d
            .lines
            .iter()
            .filter_map(|l| {
                order
                    .lines
                    .iter()
                    .find(|o| o.id == l.line_id)
                    .map(|line| DeliveryLineView { line: line.clone(), quantity: l.quantity })
            })
            .collect();
        let tracking_link =
            carrier.as_ref().zip(d.tracking_number.as_deref()).and_then(|(c, n)| c.tracking_link(n));
        Ok(DeliveryView { delivery: d, carrier, lines, tracking_link })
    }

    /// An order's deliveries, oldest first, for a party to it or an admin.
    pub async fn order_deliveries(
        &self,
        actor: &Actor,
        id: OrderId,
    ) -> Result<Vec<DeliveryView>, DomainError> {
        require(actor, "order", "view")?;
        let order =
            find_order(&self.db.conn, id, false).await?.ok_or(DomainError::NotFound { resource: "order" })?;
        Party::of(actor, order.buyer_id, order.seller_id)
            .ok_or(DomainError::NotFound { resource: "order" })?;
        let mut views = Vec::new();
        for d in store::order_deliveries(&self.db.conn, id.as_uuid(), false).await? {
            views.push(self.view(&self.db.conn, &order, d).await?);
        }
        Ok(views)
    }

    /// Splits units of an order's lines into a new `unfulfilled` delivery (its seller or an admin).
    pub async fn create_delivery(
        &self,
        actor: &Actor,
        id: OrderId,
        input: DeliveryInput,
    ) -> Result<DeliveryView, DomainError> {
        require(actor, "order", "update")?;
        let tx = self.db.begin_write().await.map_err(db_error)?;
        let order = find_order(&tx, id, true).await?.ok_or(DomainError::NotFound { resource: "order" })?;
        fulfiller(actor, &order)?;
        if order.fulfillment != Fulfillment::Delivery {
            return Err(DomainError::Conflict(
                "a pickup order is handed over at the store, not delivered".into(),
            ));
        }
        if !OPEN.contains(&order.status) {
            return Err(DomainError::Conflict(format!(
                "deliveries belong to new, accepted or shipped orders; this one is {}",
                order.status
            )));
        }
        let mut errors = FieldErrors::new();
        let tracking_number = check_tracking_number(input.tracking_number, &mut errors);
        if let Some(carrier) = input.shipping_carrier_id {
            usable_carrier(&tx, carrier, &mut errors).await?;
        } else if tracking_number.is_some() {
            errors.add("shipping_carrier_id", "is required with a tracking number");
        }
        errors.into_result()?;
        let existing = store::order_deliveries(&tx, id.as_uuid(), true).await?;
        let lines = split_lines(&order_units(&order), &existing, &input.lines)?;
        let now = self.clock().now();
        let delivery = Delivery {
            id: Uuid::now_v7(),
            order_id: id.as_uuid(),
            seller_id: order.seller_id,
            status: DeliveryStatus::Unfulfilled,
            shipping_carrier_id: input.shipping_carrier_id,
            tracking_number,
            lines,
            shipped_at: None,
            delivered_at: None,
            created_at: now,
            updated_at: now,
        };
        store::insert_delivery(&tx, &delivery).await?;
        record_delivery(&tx, "delivery.created", &delivery, &order, now).await?;
        let view = self.view(&tx, &order, delivery).await?;
        tx.commit().await.map_err(db_error)?;
        Ok(view)
    }

    /// Changes a delivery's status and tracking details and drives the order: `shipped` when the
    /// first delivery leaves, `delivered` when every unit has arrived (its seller, an admin, or the
    /// seller's integration with `order:update`).
    pub async fn update_delivery(
        &self,
        actor: &Actor,
        delivery_id: Uuid,
        patch: DeliveryPatch,
    ) -> Result<DeliveryView, DomainError> {
        require(actor, "order", "update")?;
        let tx = self.db.begin_write().await.map_err(db_error)?;
        let found = store::find_delivery(&tx, delivery_id)
            .await?
            .ok_or(DomainError::NotFound { resource: "delivery" })?;
        let mut order = find_order(&tx, OrderId(found.order_id), true)
            .await?
            .ok_or(DomainError::NotFound { resource: "delivery" })?;
        let party = match fulfiller(actor, &order) {
            Err(DomainError::NotFound { .. }) => return Err(DomainError::NotFound { resource: "delivery" }),
            other => other?,
        };
        let mut deliveries = store::order_deliveries(&tx, found.order_id, true).await?;
        let index = deliveries
            .iter()
            .position(|d| d.id == delivery_id)
            .ok_or(DomainError::NotFound { resource: "delivery" })?;
        let mut delivery = deliveries[index].clone();
        let mut errors = FieldErrors::new();
        if let Some(number) = patch.tracking_number {
            delivery.tracking_number = check_tracking_number(Some(number), &mut errors);
        }
        if let Some(carrier) = patch.shipping_carrier_id
            && Some(carrier) != delivery.shipping_carrier_id
        {
            usable_carrier(&tx, carrier, &mut errors).await?;
            delivery.shipping_carrier_id = Some(carrier);
        }
        if delivery.tracking_number.is_some() && delivery.shipping_carrier_id.is_none() {
            errors.add("shipping_carrier_id", "is required with a tracking number");
        }
        errors.into_result()?;
        let to = match patch.status {
            Some(to) => delivery.status.move_to(to)?,
            None => delivery.status,
        };
        if to != delivery.status && !OPEN.contains(&order.status) {
            return Err(DomainError::Conflict(format!(
                "deliveries of a {} order no longer change status",
                order.status
            )));
        }
        if to.has_left() && order.status == OrderStatus::New {
            return Err(DomainError::Conflict("the seller accepts the order before its goods leave".into()));
        }
        let now = self.clock().now();
        set_status(&mut delivery, to, now);
        delivery.updated_at = now;
        store::update_delivery(&tx, &delivery).await?;
        record_delivery(&tx, "delivery.updated", &delivery, &order, now).await?;
        deliveries[index] = delivery.clone();
        let mover = Mover { party, user: actor.user_id() };
        self.follow_deliveries(&tx, &mut order, &deliveries, mover, now).await?;
        let view = self.view(&tx, &order, delivery).await?;
        tx.commit().await.map_err(db_error)?;
        Ok(view)
    }

    /// Moves the order as its deliveries say: `accepted -> shipped` once one left, `shipped ->
    /// delivered` once every unit arrived.
    async fn follow_deliveries(
        &self,
        tx: &DatabaseTransaction,
        order: &mut Order,
        deliveries: &[Delivery],
        mover: Mover,
        now: DateTime<Utc>,
    ) -> Result<(), DomainError> {
        let progress = progress(&order_units(order), deliveries);
        if progress.any_left && order.status == OrderStatus::Accepted {
            let reason = Some("a delivery was shipped".to_owned());
            self.move_order(tx, order, OrderStatus::Shipped, mover, reason, now).await?;
        }
        if progress.all_delivered && order.status == OrderStatus::Shipped {
            let reason = Some("every delivery arrived".to_owned());
            self.move_order(tx, order, OrderStatus::Delivered, mover, reason, now).await?;
        }
        Ok(())
    }

    /// Records a carrier tracking event of an order (its seller, the seller's integration, or an
    /// admin); `delivered` on a shipped order confirms its delivery as the carrier.
    pub async fn record_tracking(
        &self,
        actor: &Actor,
        id: OrderId,
        input: TrackingInput,
    ) -> Result<TrackingEvent, DomainError> {
        require(actor, "order", "update")?;
        let tx = self.db.begin_write().await.map_err(db_error)?;
        let mut order =
            find_order(&tx, id, true).await?.ok_or(DomainError::NotFound { resource: "order" })?;
        fulfiller(actor, &order)?;
        let now = self.clock().now();
        let mut event = TrackingEvent {
            id: Uuid::now_v7(),
            order_id: id.as_uuid(),
            status: input.status,
            description: input.description,
            location: input.location,
            occurred_at: input.occurred_at,
            created_at: now,
        };
        let mut errors = FieldErrors::new();
        event.check(now, &mut errors);
        errors.into_result()?;
        if UNTRACKED.contains(&order.status) {
            return Err(DomainError::Conflict(format!(
                "a {} order has nothing with a carrier to track",
                order.status
            )));
        }
        store::insert_tracking(&tx, &event).await?;
        let data = serde_json::json!({
            "id": event.id,
            "order_id": event.order_id,
            "status": event.status.as_str(),
            "description": event.description,
            "location": event.location,
            "occurred_at": event.occurred_at,
        });
        crate::outbox::record(
            &tx,
            "tracking.recorded",
            "order",
            id.as_uuid(),
            Some(order.seller_id.as_uuid()),
            data,
            now,
        )
        .await?;
        if event.status == TrackingStatus::Delivered && order.status == OrderStatus::Shipped {
            for mut delivery in store::order_deliveries(&tx, id.as_uuid(), true).await? {
                if delivery.status == DeliveryStatus::Shipped {
                    set_status(&mut delivery, DeliveryStatus::Delivered, now);
                    store::update_delivery(&tx, &delivery).await?;
                    record_delivery(&tx, "delivery.updated", &delivery, &order, now).await?;
                }
            }
            let reason = Some(format!("the carrier confirmed delivery: {}", event.description));
            self.move_order(&tx, &mut order, OrderStatus::Delivered, Mover::system(), reason, now).await?;
        }
        tx.commit().await.map_err(db_error)?;
        Ok(event)
    }

    /// An order's tracking events in the order they happened, for a party to it or an admin.
    pub async fn order_tracking(
        &self,
        actor: &Actor,
        id: OrderId,
    ) -> Result<Vec<TrackingEvent>, DomainError> {
        require(actor, "order", "view")?;
        let order =
            find_order(&self.db.conn, id, false).await?.ok_or(DomainError::NotFound { resource: "order" })?;
        Party::of(actor, order.buyer_id, order.seller_id)
            .ok_or(DomainError::NotFound { resource: "order" })?;
        store::order_tracking(&self.db.conn, id.as_uuid()).await
    }

    /// Marks a pickup order handed to its customer: `accepted` or `shipped` moves to `delivered`
    /// (through `shipped`), opening its trial (its seller, the seller's integration, or an admin).
    pub async fn pickup_dispatched(&self, actor: &Actor, id: OrderId) -> Result<OrderView, DomainError> {
        require(actor, "order", "update")?;
        let tx = self.db.begin_write().await.map_err(db_error)?;
        let mut order =
            find_order(&tx, id, true).await?.ok_or(DomainError::NotFound { resource: "order" })?;
        let party = fulfiller(actor, &order)?;
        if order.fulfillment != Fulfillment::Pickup {
            return Err(DomainError::Conflict("only pickup orders are handed over at a store".into()));
        }
        let now = self.clock().now();
        let mover = Mover { party, user: actor.user_id() };
        let reason = || Some("handed to the customer at the store".to_owned());
        if order.status == OrderStatus::Accepted {
            self.move_order(&tx, &mut order, OrderStatus::Shipped, mover, reason(), now).await?;
        }
        self.move_order(&tx, &mut order, OrderStatus::Delivered, mover, reason(), now).await?;
        tx.commit().await.map_err(db_error)?;
        self.get_order(actor, id).await
    }
}
