//! The outbox on sea-orm: events appended in the writing transaction, each fanned out at once
//! to a delivery row per matching webhook subscription (so a committed change always has its
//! deliveries), and the event reads.

use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, Condition, ConnectionTrait, EntityTrait, Order as SqlOrder, QueryFilter,
    QueryOrder,
};
use souk_kernel::{DomainError, Page, PageRequest, Role};
use uuid::Uuid;

use crate::db::{db_error, page_of};
use crate::entities::{event, webhook, webhook_delivery};

/// An event to append.
#[derive(Debug, Clone, PartialEq)]
pub struct NewEvent {
    /// `order.accepted`, `escrow.released`, ...
    pub kind: String,
    /// `order`, `payment`, `product`, `user`, ...
    pub object_type: &'static str,
    /// The object.
    pub object_id: Uuid,
    /// The seller whose object it is (sellers see and subscribe to their own objects' events).
    pub seller_id: Option<Uuid>,
    /// The buyer it concerns.
    pub buyer_id: Option<Uuid>,
    /// A snapshot of the object after the change.
    pub data: serde_json::Value,
}

/// A stored event.
#[derive(Debug, Clone, PartialEq)]
pub struct Event {
    /// Id.
    pub id: Uuid,
    /// Type.
    pub kind: String,
    /// Object type.
    pub object_type: String,
    /// Object id.
    pub object_id: Uuid,
    /// The object's seller.
    pub seller_id: Option<Uuid>,
    /// The buyer it concerns.
    pub buyer_id: Option<Uuid>,
    /// Snapshot.
    pub data: serde_json::Value,
    /// When.
    pub created_at: DateTime<Utc>,
}

fn to_event(row: event::Model) -> Result<Event, DomainError> {
    Ok(Event {
        id: row.id,
        kind: row.r#type,
        object_type: row.object_type,
        object_id: row.object_id,
        seller_id: row.seller_id,
        buyer_id: row.buyer_id,
        data: serde_json::from_str(&row.data).map_err(DomainError::unexpected)?,
        created_at: row.created_at,
    })
}

/// True when a subscription pattern (`*`, `order.*`, `order.accepted`) covers an event type.
pub fn type_matches(pattern: &str, kind: &str) -> bool {
    match pattern.strip_suffix(".*") {
        _ if pattern == "*" => true,
        Some(prefix) => kind.strip_prefix(prefix).is_some_and(|rest| rest.starts_with('.')),
        None => pattern == kind,
    }
}

/// Whether a subscriber may receive an event: admins everything, sellers their own objects'.
pub fn visible_to(role: Role, owner: Uuid, seller_id: Option<Uuid>) -> bool {
    match role {
        Role::Admin => true,
        Role::Seller => seller_id == Some(owner),
        Role::Buyer => false,
    }
}

/// Appends an event and schedules its delivery to every active subscription that matches it,
/// in the caller's transaction; returns the event's id.
pub async fn append(
    conn: &impl ConnectionTrait,
    new: NewEvent,
    now: DateTime<Utc>,
) -> Result<Uuid, DomainError> {
    let id = Uuid::now_v7();
    let row = event::ActiveModel {
        id: Set(id),
        r#type: Set(new.kind.clone()),
        object_type: Set(new.object_type.to_owned()),
        object_id: Set(new.object_id),
        seller_id: Set(new.seller_id),
        buyer_id: Set(new.buyer_id),
        data: Set(new.data.to_string()),
        created_at: Set(now),
    };
    event::Entity::insert(row).exec_without_returning(conn).await.map_err(db_error)?;
    let subscriptions = webhook::Entity::find()
        .filter(webhook::Column::Status.eq("active"))
        .all(conn)
        .await
        .map_err(db_error)?;
    let deliveries: Vec<webhook_delivery::ActiveModel> = subscriptions
        .into_iter()
        .filter(|w| {
            let role = w.owner_role.parse::<Role>().unwrap_or(Role::Buyer);
            let patterns: Vec<String> = serde_json::from_str(&w.events).unwrap_or_default();
            visible_to(role, w.owner_id, new.seller_id) && patterns.iter().any(|p| type_matches(p, &new.kind))
        })
        .map(|w| webhook_delivery::ActiveModel {
            id: Set(Uuid::now_v7()),
            webhook_id: Set(w.id),
            event_id: Set(id),
            status: Set("pending".to_owned()),
            attempts: Set(0),
            next_attempt_at: Set(now),
            last_status_code: Set(None),
            last_error: Set(None),
            delivered_at: Set(None),
            created_at: Set(now),
            updated_at: Set(now),
        })
        .collect();
    if !deliveries.is_empty() {
        webhook_delivery::Entity::insert_many(deliveries)
            .exec_without_returning(conn)
            .await
            .map_err(db_error)?;
    }
    Ok(id)
}

/// Filters of the event list.
#[derive(Debug, Clone, Default)]
pub struct EventFilter {
    /// Type patterns (`order.*` wildcards); any matches.
    pub types: Vec<String>,
    /// Only events about this object.
    pub object_id: Option<Uuid>,
    /// Created at or after.
    pub from: Option<DateTime<Utc>>,
    /// Created at or before.
    pub to: Option<DateTime<Utc>>,
    /// Only this seller's objects (set for sellers).
    pub seller_id: Option<Uuid>,
}

fn filtered(filter: &EventFilter) -> sea_orm::Select<event::Entity> {
    let mut query = event::Entity::find();
    if !filter.types.is_empty() {
        let mut any = Condition::any();
        for pattern in &filter.types {
            any = match pattern.strip_suffix(".*") {
                _ if pattern == "*" => any.add(event::Column::Type.is_not_null()),
                Some(prefix) => any.add(event::Column::Type.starts_with(format!("{prefix}."))),
                None => any.add(event::Column::Type.eq(pattern.clone())),
            };
        }
        query = query.filter(any);
    }
    if let Some(object) = filter.object_id {
        query = query.filter(event::Column::ObjectId.eq(object));
    }
    if let Some(from) = filter.from {
        query = query.filter(event::Column::CreatedAt.gte(from));
    }
    if let Some(to) = filter.to {
        query = query.filter(event::Column::CreatedAt.lte(to));
    }
    if let Some(seller) = filter.seller_id {
        query = query.filter(event::Column::SellerId.eq(seller));
    }
    query
}

/// A page of events, newest first.
pub async fn list_events(
    conn: &impl ConnectionTrait,
    filter: &EventFilter,
    page: PageRequest,
) -> Result<Page<Event>, DomainError> {
    let query = filtered(filter)
        .order_by(event::Column::CreatedAt, SqlOrder::Desc)
        .order_by(event::Column::Id, SqlOrder::Desc);
    page_of(conn, query, page, to_event).await
}

/// One event.
pub async fn find_event(conn: &impl ConnectionTrait, id: Uuid) -> Result<Option<Event>, DomainError> {
    event::Entity::find_by_id(id).one(conn).await.map_err(db_error)?.map(to_event).transpose()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn patterns_match_exact_types_and_whole_segments() {
        assert!(type_matches("*", "order.accepted"));
        assert!(type_matches("order.*", "order.accepted"));
        assert!(type_matches("order.accepted", "order.accepted"));
        assert!(!type_matches("order.*", "orders.accepted"));
        assert!(!type_matches("order.*", "order"));
        assert!(!type_matches("order.accepted", "order.accepted_late"));
        assert!(type_matches("escrow.*", "escrow.released"));
    }

    #[test]
    fn sellers_see_only_their_objects_and_buyers_none() {
        let me = Uuid::now_v7();
        assert!(visible_to(Role::Admin, me, None));
        assert!(visible_to(Role::Seller, me, Some(me)));
        assert!(!visible_to(Role::Seller, me, Some(Uuid::now_v7())));
        assert!(!visible_to(Role::Seller, me, None));
        assert!(!visible_to(Role::Buyer, me, Some(me)));
    }
}
