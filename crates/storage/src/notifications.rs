//! Queued notifications on sea-orm: queued in a use case's transaction, claimed by the sender
//! (`FOR UPDATE SKIP LOCKED` on PostgreSQL), and marked sent or failed.

use chrono::{DateTime, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::{ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};
use souk_kernel::DomainError;
use uuid::Uuid;

use crate::db::{claim_leased, db_error};
use crate::entities::notification;

/// A queued or sent notification.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Notification {
    /// Id.
    pub id: Uuid,
    /// `new_order_customer`, `new_order_supplier`, `order_status`, `return_update`.
    pub kind: String,
    /// The order or return it is about.
    pub object_id: Uuid,
    /// The object's status when the notification was queued (what the e-mail reports).
    pub object_status: Option<String>,
    /// `pending`, `sent` or `failed`.
    pub status: String,
    /// Attempts made.
    pub attempts: i32,
    /// Who got it, once sent.
    pub recipients: Vec<String>,
    /// Why the last attempt failed.
    pub last_error: Option<String>,
    /// When it was queued.
    pub created_at: DateTime<Utc>,
    /// When it was sent.
    pub sent_at: Option<DateTime<Utc>>,
}

fn to_notification(row: notification::Model) -> Notification {
    Notification {
        id: row.id,
        kind: row.kind,
        object_id: row.object_id,
        object_status: row.object_status,
        status: row.status,
        attempts: row.attempts,
        recipients: row.recipients.and_then(|r| serde_json::from_str(&r).ok()).unwrap_or_default(),
        last_error: row.last_error,
        created_at: row.created_at,
        sent_at: row.sent_at,
    }
}

/// Queues a notification in the caller's transaction, due at `due` (later than `now` when the
/// caller sends it at once itself, so the job does not send it too).
pub async fn queue(
    conn: &impl ConnectionTrait,
    kind: &str,
    object_id: Uuid,
    object_status: Option<&str>,
    now: DateTime<Utc>,
    due: DateTime<Utc>,
) -> Result<Uuid, DomainError> {
    let id = Uuid::now_v7();
    let row = notification::ActiveModel {
        id: Set(id),
        kind: Set(kind.to_owned()),
        object_id: Set(object_id),
        object_status: Set(object_status.map(str::to_owned)),
        status: Set("pending".to_owned()),
        attempts: Set(0),
        next_attempt_at: Set(due),
        recipients: Set(None),
        last_error: Set(None),
        created_at: Set(now),
        sent_at: Set(None),
    };
    notification::Entity::insert(row).exec_without_returning(conn).await.map_err(db_error)?;
    Ok(id)
}

/// Claims up to `limit` due notifications for one sender: each one's `next_attempt_at` moves
/// to `lease_until` and its attempt is counted, so no other sender takes it while this one
/// sends outside any transaction (`FOR UPDATE SKIP LOCKED` on PostgreSQL).
pub async fn claim_due(
    conn: &impl ConnectionTrait,
    now: DateTime<Utc>,
    lease_until: DateTime<Utc>,
    limit: u64,
) -> Result<Vec<Notification>, DomainError> {
    let ids = claim_leased(conn, "notifications", now, lease_until, limit).await?;
    let mut claimed = Vec::with_capacity(ids.len());
    for id in ids {
        if let Some(notification) = find(conn, id).await? {
            claimed.push(notification);
        }
    }
    Ok(claimed)
}

/// Records an attempt: `sent` with its recipients, `pending` again at `next_attempt_at`, or
/// `failed` with the error.
pub async fn record(
    conn: &impl ConnectionTrait,
    id: Uuid,
    status: &str,
    recipients: &[String],
    error: Option<String>,
    next_attempt_at: DateTime<Utc>,
    now: DateTime<Utc>,
) -> Result<(), DomainError> {
    let sent = (status == "sent").then_some(now);
    notification::Entity::update_many()
        .col_expr(notification::Column::Status, Expr::value(status))
        .col_expr(notification::Column::NextAttemptAt, Expr::value(next_attempt_at))
        .col_expr(notification::Column::Recipients, Expr::value(serde_json::to_string(recipients).ok()))
        .col_expr(notification::Column::LastError, Expr::value(error))
        .col_expr(notification::Column::SentAt, Expr::value(sent))
        .filter(notification::Column::Id.eq(id))
        .exec(conn)
        .await
        .map_err(db_error)?;
    Ok(())
}

/// One notification.
pub async fn find(conn: &impl ConnectionTrait, id: Uuid) -> Result<Option<Notification>, DomainError> {
    Ok(notification::Entity::find_by_id(id).one(conn).await.map_err(db_error)?.map(to_notification))
}
