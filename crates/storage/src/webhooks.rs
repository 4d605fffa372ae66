//! Webhook subscriptions and their deliveries on sea-orm, and the claim that hands due
//! deliveries to one sender at a time: a lease pushed into `next_attempt_at` under
//! `FOR UPDATE SKIP LOCKED` on PostgreSQL, so several server processes never send one delivery
//! at once; SQLite serialises writers and needs no skip.

use chrono::{DateTime, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, Order as SqlOrder, QueryFilter, QueryOrder,
};
use souk_kernel::{DomainError, Page, PageRequest, Role};
use uuid::Uuid;

use crate::db::{claim_leased, db_error, page_of};
use crate::entities::{webhook, webhook_delivery};
use crate::events::{Event, find_event};

/// A webhook subscription.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Webhook {
    /// Id.
    pub id: Uuid,
    /// The user (or the owner of the integration client) that subscribed.
    pub owner_id: Uuid,
    /// Its role, which decides which events it may receive.
    pub owner_role: Role,
    /// Where events are posted.
    pub url: String,
    /// Type patterns (`order.*`).
    pub events: Vec<String>,
    /// The signing secret.
    pub secret: String,
    /// `active` or `disabled`.
    pub status: String,
    /// A note.
    pub description: Option<String>,
    /// Creation time.
    pub created_at: DateTime<Utc>,
    /// Last change.
    pub updated_at: DateTime<Utc>,
}

/// One event owed to one subscription.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Delivery {
    /// Id.
    pub id: Uuid,
    /// The subscription.
    pub webhook_id: Uuid,
    /// The event.
    pub event_id: Uuid,
    /// `pending`, `succeeded` or `failed` (gave up after 24 hours).
    pub status: String,
    /// Attempts made.
    pub attempts: i32,
    /// When the next attempt is due (or the current attempt's lease ends).
    pub next_attempt_at: DateTime<Utc>,
    /// The receiver's last HTTP status.
    pub last_status_code: Option<i32>,
    /// The last failure, when the receiver could not be reached.
    pub last_error: Option<String>,
    /// When a 2xx arrived.
    pub delivered_at: Option<DateTime<Utc>>,
    /// Creation time (the event's).
    pub created_at: DateTime<Utc>,
    /// Last change.
    pub updated_at: DateTime<Utc>,
}

fn to_webhook(row: webhook::Model) -> Result<Webhook, DomainError> {
    Ok(Webhook {
        id: row.id,
        owner_id: row.owner_id,
        owner_role: row.owner_role.parse().map_err(DomainError::unexpected)?,
        url: row.url,
        events: serde_json::from_str(&row.events).map_err(DomainError::unexpected)?,
        secret: row.secret,
        status: row.status,
        description: row.description,
        created_at: row.created_at,
        updated_at: row.updated_at,
    })
}

fn to_delivery(row: webhook_delivery::Model) -> Result<Delivery, DomainError> {
    Ok(Delivery {
        id: row.id,
        webhook_id: row.webhook_id,
        event_id: row.event_id,
        status: row.status,
        attempts: row.attempts,
        next_attempt_at: row.next_attempt_at,
        last_status_code: row.last_status_code,
        last_error: row.last_error,
        delivered_at: row.delivered_at,
        created_at: row.created_at,
        updated_at: row.updated_at,
    })
}

fn webhook_row(w: &Webhook) -> webhook::ActiveModel {
    webhook::ActiveModel {
        id: Set(w.id),
        owner_id: Set(w.owner_id),
        owner_role: Set(w.owner_role.as_str().to_owned()),
        url: Set(w.url.clone()),
        events: Set(serde_json::to_string(&w.events).unwrap_or_else(|_| "[]".into())),
        secret: Set(w.secret.clone()),
        status: Set(w.status.clone()),
        description: Set(w.description.clone()),
        created_at: Set(w.created_at),
        updated_at: Set(w.updated_at),
    }
}

/// Stores a new subscription.
pub async fn insert_webhook(conn: &impl ConnectionTrait, w: &Webhook) -> Result<(), DomainError> {
    webhook::Entity::insert(webhook_row(w)).exec_without_returning(conn).await.map_err(db_error)?;
    Ok(())
}

/// Saves a changed subscription.
pub async fn update_webhook(conn: &impl ConnectionTrait, w: &Webhook) -> Result<(), DomainError> {
    webhook::Entity::update(webhook_row(w)).exec(conn).await.map_err(db_error)?;
    Ok(())
}

/// Deletes a subscription and its delivery log.
pub async fn delete_webhook(conn: &impl ConnectionTrait, id: Uuid) -> Result<(), DomainError> {
    webhook_delivery::Entity::delete_many()
        .filter(webhook_delivery::Column::WebhookId.eq(id))
        .exec(conn)
        .await
        .map_err(db_error)?;
    webhook::Entity::delete_by_id(id).exec(conn).await.map_err(db_error)?;
    Ok(())
}

/// One subscription.
pub async fn find_webhook(conn: &impl ConnectionTrait, id: Uuid) -> Result<Option<Webhook>, DomainError> {
    webhook::Entity::find_by_id(id).one(conn).await.map_err(db_error)?.map(to_webhook).transpose()
}

/// Subscriptions, oldest first; `owner` keeps one user's.
pub async fn list_webhooks(
    conn: &impl ConnectionTrait,
    owner: Option<Uuid>,
    page: PageRequest,
) -> Result<Page<Webhook>, DomainError> {
    let mut query = webhook::Entity::find()
        .order_by(webhook::Column::CreatedAt, SqlOrder::Asc)
        .order_by(webhook::Column::Id, SqlOrder::Asc);
    if let Some(owner) = owner {
        query = query.filter(webhook::Column::OwnerId.eq(owner));
    }
    page_of(conn, query, page, to_webhook).await
}

/// A subscription's deliveries, newest first.
pub async fn list_deliveries(
    conn: &impl ConnectionTrait,
    webhook_id: Uuid,
    page: PageRequest,
) -> Result<Page<Delivery>, DomainError> {
    let query = webhook_delivery::Entity::find()
        .filter(webhook_delivery::Column::WebhookId.eq(webhook_id))
        .order_by(webhook_delivery::Column::CreatedAt, SqlOrder::Desc)
        .order_by(webhook_delivery::Column::Id, SqlOrder::Desc);
    page_of(conn, query, page, to_delivery).await
}

/// One delivery.
pub async fn find_delivery(conn: &impl ConnectionTrait, id: Uuid) -> Result<Option<Delivery>, DomainError> {
    webhook_delivery::Entity::find_by_id(id).one(conn).await.map_err(db_error)?.map(to_delivery).transpose()
}

/// Schedules a delivery again at `now` (a manual retry; a delivered one is sent once more).
pub async fn schedule_retry(
    conn: &impl ConnectionTrait,
    id: Uuid,
    now: DateTime<Utc>,
) -> Result<(), DomainError> {
    webhook_delivery::Entity::update_many()
        .col_expr(webhook_delivery::Column::Status, Expr::value("pending"))
        .col_expr(webhook_delivery::Column::NextAttemptAt, Expr::value(now))
        .col_expr(webhook_delivery::Column::UpdatedAt, Expr::value(now))
        .filter(webhook_delivery::Column::Id.eq(id))
        .exec(conn)
        .await
        .map_err(db_error)?;
    Ok(())
}

/// A claimed delivery with what sending it needs.
#[derive(Debug, Clone)]
pub struct Claimed {
    /// The delivery (attempts already counted).
    pub delivery: Delivery,
    /// Its subscription.
    pub webhook: Webhook,
    /// Its event.
    pub event: Event,
}

/// Claims up to `limit` due deliveries for one sender: each claimed row's `next_attempt_at`
/// moves to `lease_until` and its attempt is counted, so no other sender picks it up while this
/// one sends; a sender that dies leaves the row to be claimed again when the lease ends.
pub async fn claim_due(
    conn: &impl ConnectionTrait,
    now: DateTime<Utc>,
    lease_until: DateTime<Utc>,
    limit: u64,
) -> Result<Vec<Claimed>, DomainError> {
    let ids = claim_leased(conn, "webhook_deliveries", now, lease_until, limit).await?;
    let mut claimed = Vec::with_capacity(ids.len());
    for id in ids {
        let Some(delivery) = find_delivery(conn, id).await? else { continue };
        let Some(webhook) = find_webhook(conn, delivery.webhook_id).await? else { continue };
        let Some(event) = find_event(conn, delivery.event_id).await? else { continue };
        claimed.push(Claimed { delivery, webhook, event });
    }
    Ok(claimed)
}

/// Records an attempt's outcome: `succeeded`, or `pending` again at `next_attempt_at`, or
/// `failed` when the sender gave up; only while the sender still holds its lease (`leased_until`,
/// the `next_attempt_at` its claim set), so a sender whose lease ran out never overwrites a newer
/// attempt's outcome.
#[allow(clippy::too_many_arguments, reason = "one column per argument of the attempt's outcome")]
pub async fn record_attempt(
    conn: &impl ConnectionTrait,
    id: Uuid,
    leased_until: DateTime<Utc>,
    status: &str,
    status_code: Option<i32>,
    error: Option<String>,
    next_attempt_at: DateTime<Utc>,
    now: DateTime<Utc>,
) -> Result<(), DomainError> {
    let delivered = (status == "succeeded").then_some(now);
    webhook_delivery::Entity::update_many()
        .col_expr(webhook_delivery::Column::Status, Expr::value(status))
        .col_expr(webhook_delivery::Column::LastStatusCode, Expr::value(status_code))
        .col_expr(webhook_delivery::Column::LastError, Expr::value(error))
        .col_expr(webhook_delivery::Column::NextAttemptAt, Expr::value(next_attempt_at))
        .col_expr(webhook_delivery::Column::DeliveredAt, Expr::value(delivered))
        .col_expr(webhook_delivery::Column::UpdatedAt, Expr::value(now))
        .filter(webhook_delivery::Column::Id.eq(id))
        .filter(webhook_delivery::Column::NextAttemptAt.eq(leased_until))
        .exec(conn)
        .await
        .map_err(db_error)?;
    Ok(())
}
