//! Outbox events of Souk's objects: the snapshot each event carries, appended by the use case
//! in the transaction of the change it reports.

use chrono::{DateTime, Utc};
use sea_orm::ConnectionTrait;
use souk_kernel::DomainError;
use souk_orders::order::Order;
use souk_orders::status::OrderStatus;
use souk_storage::events::{NewEvent, append};

/// The event type of an order reaching `status` (`order.paid` for `new`).
pub fn order_event_type(status: OrderStatus) -> String {
    match status {
        OrderStatus::New => "order.paid".to_owned(),
        other => format!("order.{other}"),
    }
}

/// What an order event carries.
pub fn order_snapshot(order: &Order, from: Option<OrderStatus>) -> serde_json::Value {
    serde_json::json!({
        "id": order.id,
        "number": order.number,
        "cart_id": order.cart_id,
        "buyer_id": order.buyer_id,
        "seller_id": order.seller_id,
        "status": order.status.as_str(),
        "previous_status": from.map(|s| s.as_str()),
        "payment_status": order.payment_status.as_str(),
        "delivery_status": order.delivery_status.as_str(),
        "total": order.totals.total.amount_string(),
        "currency": order.totals.total.currency().code(),
        "trial_ends_at": order.trial_ends_at,
        "updated_at": order.updated_at,
    })
}

/// Appends an order event (`kind`) with the order's snapshot.
pub async fn record_order(
    conn: &impl ConnectionTrait,
    kind: String,
    order: &Order,
    from: Option<OrderStatus>,
    now: DateTime<Utc>,
) -> Result<(), DomainError> {
    let event = NewEvent {
        kind,
        object_type: "order",
        object_id: order.id.as_uuid(),
        seller_id: Some(order.seller_id.as_uuid()),
        buyer_id: Some(order.buyer_id.as_uuid()),
        data: order_snapshot(order, from),
    };
    append(conn, event, now).await.map(|_| ())
}

/// Appends an event about any object.
pub async fn record(
    conn: &impl ConnectionTrait,
    kind: &str,
    object_type: &'static str,
    object_id: uuid::Uuid,
    seller_id: Option<uuid::Uuid>,
    data: serde_json::Value,
    now: DateTime<Utc>,
) -> Result<(), DomainError> {
    let event = NewEvent { kind: kind.to_owned(), object_type, object_id, seller_id, buyer_id: None, data };
    append(conn, event, now).await.map(|_| ())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn order_events_are_named_after_the_status_reached() {
        assert_eq!(order_event_type(OrderStatus::New), "order.paid");
        assert_eq!(order_event_type(OrderStatus::Accepted), "order.accepted");
        assert_eq!(order_event_type(OrderStatus::TrialActive), "order.trial_active");
    }
}
