//! Trial returns on sea-orm: one row per return, read by id, by token or by order, locked for the
//! scan that settles it, and listed within the caller's scope.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, Condition, ConnectionTrait, EntityTrait, Order as SqlOrder, QueryFilter,
    QueryOrder, QuerySelect,
};
use souk_fulfillment::returns::{Return, ReturnId, ReturnStatus};
use souk_kernel::{Currency, DomainError, Page, PageRequest, UserId};
use uuid::Uuid;

use crate::db::{db_error, for_update, page_of};
use crate::entities::{order, return_request};
use crate::orders::OrderScope;

fn corrupt(what: &str) -> DomainError {
    DomainError::unexpected(format!("stored {what} holds an unknown value"))
}

fn to_return(row: return_request::Model) -> Result<Return, DomainError> {
    Ok(Return {
        id: ReturnId(row.id),
        order_id: row.order_id,
        buyer_id: UserId(row.buyer_id),
        seller_id: UserId(row.seller_id),
        token: row.token,
        status: row.status.parse().map_err(|_| corrupt("returns.status"))?,
        reason: row.reason,
        has_defect: row.has_defect,
        defect_description: row.defect_description,
        defect_photo_file_id: row.defect_photo_file_id,
        refund_amount: row.refund_amount,
        penalty_amount: row.penalty_amount,
        requested_at: row.requested_at,
        expires_at: row.expires_at,
        resolved_at: row.resolved_at,
    })
}

fn to_row(r: &Return) -> return_request::ActiveModel {
    return_request::ActiveModel {
        id: Set(r.id.as_uuid()),
        order_id: Set(r.order_id),
        buyer_id: Set(r.buyer_id.as_uuid()),
        seller_id: Set(r.seller_id.as_uuid()),
        token: Set(r.token.clone()),
        status: Set(r.status.as_str().to_owned()),
        reason: Set(r.reason.clone()),
        has_defect: Set(r.has_defect),
        defect_description: Set(r.defect_description.clone()),
        defect_photo_file_id: Set(r.defect_photo_file_id),
        refund_amount: Set(r.refund_amount),
        penalty_amount: Set(r.penalty_amount),
        requested_at: Set(r.requested_at),
        expires_at: Set(r.expires_at),
        resolved_at: Set(r.resolved_at),
    }
}

/// Records a new return.
pub async fn insert_return(conn: &impl ConnectionTrait, r: &Return) -> Result<(), DomainError> {
    return_request::Entity::insert(to_row(r)).exec_without_returning(conn).await.map_err(db_error)?;
    Ok(())
}

/// Saves a return's status, amounts and resolution time.
pub async fn update_return(conn: &impl ConnectionTrait, r: &Return) -> Result<(), DomainError> {
    return_request::Entity::update(to_row(r)).exec(conn).await.map_err(db_error)?;
    Ok(())
}

/// One return by id; `lock` holds the row for the transaction on PostgreSQL.
pub async fn find_return(
    conn: &impl ConnectionTrait,
    id: ReturnId,
    lock: bool,
) -> Result<Option<Return>, DomainError> {
    let query = return_request::Entity::find_by_id(id.as_uuid());
    let query = if lock { for_update(query, conn) } else { query };
    query.one(conn).await.map_err(db_error)?.map(to_return).transpose()
}

/// The return a token belongs to; `lock` holds the row for the transaction on PostgreSQL, so
/// concurrent scans of one token settle it once.
pub async fn find_by_token(
    conn: &impl ConnectionTrait,
    token: &str,
    lock: bool,
) -> Result<Option<Return>, DomainError> {
    let query = return_request::Entity::find().filter(return_request::Column::Token.eq(token));
    let query = if lock { for_update(query, conn) } else { query };
    query.one(conn).await.map_err(db_error)?.map(to_return).transpose()
}

/// Every return of an order, newest first.
pub async fn returns_of_order(
    conn: &impl ConnectionTrait,
    order_id: Uuid,
) -> Result<Vec<Return>, DomainError> {
    return_request::Entity::find()
        .filter(return_request::Column::OrderId.eq(order_id))
        .order_by(return_request::Column::RequestedAt, SqlOrder::Desc)
        .order_by(return_request::Column::Id, SqlOrder::Desc)
        .all(conn)
        .await
        .map_err(db_error)?
        .into_iter()
        .map(to_return)
        .collect()
}

/// Filters of the return list.
#[derive(Debug, Clone, Default)]
pub struct ReturnFilter {
    /// Any of these statuses.
    pub statuses: Vec<ReturnStatus>,
    /// Of any of these buyers.
    pub buyer_ids: Vec<UserId>,
    /// Of any of these sellers.
    pub seller_ids: Vec<UserId>,
    /// Of one order.
    pub order_id: Option<Uuid>,
}

/// A page of returns in the scope, newest first.
pub async fn list_returns(
    conn: &impl ConnectionTrait,
    scope: OrderScope,
    filter: &ReturnFilter,
    page: PageRequest,
) -> Result<Page<Return>, DomainError> {
    use return_request::Column;
    let mut all = Condition::all();
    match scope {
        OrderScope::Buyer(id) => all = all.add(Column::BuyerId.eq(id.as_uuid())),
        OrderScope::Seller(id) => all = all.add(Column::SellerId.eq(id.as_uuid())),
        OrderScope::All => {}
    }
    if !filter.statuses.is_empty() {
        all = all.add(Column::Status.is_in(filter.statuses.iter().map(|s| s.as_str())));
    }
    if !filter.buyer_ids.is_empty() {
        all = all.add(Column::BuyerId.is_in(filter.buyer_ids.iter().map(|u| u.as_uuid())));
    }
    if !filter.seller_ids.is_empty() {
        all = all.add(Column::SellerId.is_in(filter.seller_ids.iter().map(|u| u.as_uuid())));
    }
    if let Some(order_id) = filter.order_id {
        all = all.add(Column::OrderId.eq(order_id));
    }
    let query = return_request::Entity::find()
        .filter(all)
        .order_by(Column::RequestedAt, SqlOrder::Desc)
        .order_by(Column::Id, SqlOrder::Desc);
    page_of(conn, query, page, to_return).await
}

/// Pending returns whose window has closed at `now`, oldest expiry first.
pub async fn due_for_expiry(
    conn: &impl ConnectionTrait,
    now: DateTime<Utc>,
    limit: u64,
) -> Result<Vec<ReturnId>, DomainError> {
    let ids: Vec<Uuid> = return_request::Entity::find()
        .select_only()
        .column(return_request::Column::Id)
        .filter(return_request::Column::Status.eq(ReturnStatus::Pending.as_str()))
        .filter(return_request::Column::ExpiresAt.lte(now))
        .order_by_asc(return_request::Column::ExpiresAt)
        .limit(limit)
        .into_tuple()
        .all(conn)
        .await
        .map_err(db_error)?;
    Ok(ids.into_iter().map(ReturnId).collect())
}

/// The currency of each of these orders (amounts of returns and disputes are in it).
pub async fn order_currencies(
    conn: &impl ConnectionTrait,
    order_ids: &[Uuid],
) -> Result<HashMap<Uuid, Currency>, DomainError> {
    if order_ids.is_empty() {
        return Ok(HashMap::new());
    }
    let rows: Vec<(Uuid, String)> = order::Entity::find()
        .select_only()
        .column(order::Column::Id)
        .column(order::Column::Currency)
        .filter(order::Column::Id.is_in(order_ids.iter().copied()))
        .into_tuple()
        .all(conn)
        .await
        .map_err(db_error)?;
    rows.into_iter()
        .map(|(id, code)| Ok((id, Currency::from_code(&code).map_err(|_| corrupt("orders.currency"))?)))
        .collect()
}
