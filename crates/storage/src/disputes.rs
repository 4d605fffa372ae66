//! Disputes on sea-orm: a seller's defect claim on a returned product, locked while an admin
//! resolves it, and listed within the caller's scope.

use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, Condition, ConnectionTrait, EntityTrait, Order as SqlOrder, QueryFilter,
    QueryOrder,
};
use souk_escrow::dispute::{DisputeStatus, Outcome};
use souk_kernel::{DomainError, Page, PageRequest, UserId};
use uuid::Uuid;

use crate::db::{db_error, for_update, page_of};
use crate::entities::dispute;
use crate::orders::OrderScope;

/// A stored dispute.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Dispute {
    /// Id.
    pub id: Uuid,
    /// The disputed order.
    pub order_id: Uuid,
    /// The return whose scan opened it.
    pub return_id: Option<Uuid>,
    /// The order's buyer.
    pub buyer_id: UserId,
    /// The order's seller.
    pub seller_id: UserId,
    /// The seller's description of the defect.
    pub reason: String,
    /// A photo of the defect (a file id).
    pub photo_file_id: Option<Uuid>,
    /// Open or resolved.
    pub status: DisputeStatus,
    /// How an admin resolved it.
    pub outcome: Option<Outcome>,
    /// Refunded to the buyer by the resolution, in minor units.
    pub buyer_amount: Option<i64>,
    /// Released to the seller (before the platform fee) by the resolution, in minor units.
    pub seller_amount: Option<i64>,
    /// The admin's note.
    pub note: Option<String>,
    /// The admin who resolved it.
    pub resolved_by: Option<UserId>,
    /// When it was opened.
    pub opened_at: DateTime<Utc>,
    /// When it was resolved.
    pub resolved_at: Option<DateTime<Utc>>,
}

fn corrupt(what: &str) -> DomainError {
    DomainError::unexpected(format!("stored {what} holds an unknown value"))
}

fn to_dispute(row: dispute::Model) -> Result<Dispute, DomainError> {
    Ok(Dispute {
        id: row.id,
        order_id: row.order_id,
        return_id: row.return_id,
        buyer_id: UserId(row.buyer_id),
        seller_id: UserId(row.seller_id),
        reason: row.reason,
        photo_file_id: row.photo_file_id,
        status: row.status.parse().map_err(|_| corrupt("disputes.status"))?,
        outcome: row.outcome.map(|o| o.parse().map_err(|_| corrupt("disputes.outcome"))).transpose()?,
        buyer_amount: row.buyer_amount,
        seller_amount: row.seller_amount,
        note: row.note,
        resolved_by: row.resolved_by.map(UserId),
        opened_at: row.opened_at,
        resolved_at: row.resolved_at,
    })
}

fn to_row(d: &Dispute) -> dispute::ActiveModel {
    dispute::ActiveModel {
        id: Set(d.id),
        order_id: Set(d.order_id),
        return_id: Set(d.return_id),
        buyer_id: Set(d.buyer_id.as_uuid()),
        seller_id: Set(d.seller_id.as_uuid()),
        reason: Set(d.reason.clone()),
        photo_file_id: Set(d.photo_file_id),
        status: Set(d.status.as_str().to_owned()),
        outcome: Set(d.outcome.map(|o| o.as_str().to_owned())),
        buyer_amount: Set(d.buyer_amount),
        seller_amount: Set(d.seller_amount),
        note: Set(d.note.clone()),
        resolved_by: Set(d.resolved_by.map(|u| u.as_uuid())),
        opened_at: Set(d.opened_at),
        resolved_at: Set(d.resolved_at),
    }
}

/// Records a new dispute.
pub async fn insert_dispute(conn: &impl ConnectionTrait, d: &Dispute) -> Result<(), DomainError> {
    dispute::Entity::insert(to_row(d)).exec_without_returning(conn).await.map_err(db_error)?;
    Ok(())
}

/// Saves a dispute's resolution.
pub async fn update_dispute(conn: &impl ConnectionTrait, d: &Dispute) -> Result<(), DomainError> {
    dispute::Entity::update(to_row(d)).exec(conn).await.map_err(db_error)?;
    Ok(())
}

/// One dispute; `lock` holds the row for the transaction on PostgreSQL, so two resolutions of one
/// dispute settle it once.
pub async fn find_dispute(
    conn: &impl ConnectionTrait,
    id: Uuid,
    lock: bool,
) -> Result<Option<Dispute>, DomainError> {
    let query = dispute::Entity::find_by_id(id);
    let query = if lock { for_update(query, conn) } else { query };
    query.one(conn).await.map_err(db_error)?.map(to_dispute).transpose()
}

/// Filters of the dispute list.
#[derive(Debug, Clone, Default)]
pub struct DisputeFilter {
    /// Any of these statuses.
    pub statuses: Vec<DisputeStatus>,
    /// Of one order.
    pub order_id: Option<Uuid>,
    /// Of any of these buyers.
    pub buyer_ids: Vec<UserId>,
    /// Of any of these sellers.
    pub seller_ids: Vec<UserId>,
}

/// A page of disputes in the scope, newest first.
pub async fn list_disputes(
    conn: &impl ConnectionTrait,
    scope: OrderScope,
    filter: &DisputeFilter,
    page: PageRequest,
) -> Result<Page<Dispute>, DomainError> {
    use dispute::Column;
    let mut all = Condition::all();
    match scope {
        OrderScope::Buyer(id) => all = all.add(Column::BuyerId.eq(id.as_uuid())),
        OrderScope::Seller(id) => all = all.add(Column::SellerId.eq(id.as_uuid())),
        OrderScope::All => {}
    }
    if !filter.statuses.is_empty() {
        all = all.add(Column::Status.is_in(filter.statuses.iter().map(|s| s.as_str())));
    }
    if let Some(order_id) = filter.order_id {
        all = all.add(Column::OrderId.eq(order_id));
    }
    if !filter.buyer_ids.is_empty() {
        all = all.add(Column::BuyerId.is_in(filter.buyer_ids.iter().map(|u| u.as_uuid())));
    }
    if !filter.seller_ids.is_empty() {
        all = all.add(Column::SellerId.is_in(filter.seller_ids.iter().map(|u| u.as_uuid())));
    }
    let query = dispute::Entity::find()
        .filter(all)
        .order_by(Column::OpenedAt, SqlOrder::Desc)
        .order_by(Column::Id, SqlOrder::Desc);
    page_of(conn, query, page, to_dispute).await
}
