//! Sellers' payment accounts and their payouts on sea-orm.

use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, Order as SqlOrder, QueryFilter, QueryOrder,
};
use souk_escrow::payout::{PaymentAccount, Payout, TosAcceptance};
use souk_kernel::{Currency, DomainError, Page, PageRequest, UserId};
use uuid::Uuid;

use crate::db::{db_error, page_of};
use crate::entities::{payment_account, payout};

fn corrupt(what: &str) -> DomainError {
    DomainError::unexpected(format!("stored {what} holds an unknown value"))
}

fn to_account(row: payment_account::Model) -> Result<PaymentAccount, DomainError> {
    let properties =
        serde_json::from_str(&row.properties).map_err(|_| corrupt("payment_accounts.properties"))?;
    let tos_acceptance = row
        .tos_acceptance
        .as_deref()
        .map(serde_json::from_str::<TosAcceptance>)
        .transpose()
        .map_err(|_| corrupt("payment_accounts.tos_acceptance"))?;
    Ok(PaymentAccount {
        id: row.id,
        user_id: UserId(row.user_id),
        gateway_id: row.gateway_id,
        external_account_id: row.external_account_id,
        properties,
        tos_acceptance,
        created_at: row.created_at,
        updated_at: row.updated_at,
    })
}

fn account_row(a: &PaymentAccount) -> Result<payment_account::ActiveModel, DomainError> {
    let tos =
        a.tos_acceptance.as_ref().map(serde_json::to_string).transpose().map_err(DomainError::unexpected)?;
    Ok(payment_account::ActiveModel {
        id: Set(a.id),
        user_id: Set(a.user_id.as_uuid()),
        gateway_id: Set(a.gateway_id),
        external_account_id: Set(a.external_account_id.clone()),
        properties: Set(serde_json::Value::Object(a.properties.clone()).to_string()),
        tos_acceptance: Set(tos),
        created_at: Set(a.created_at),
        updated_at: Set(a.updated_at),
    })
}

/// Stores a new payment account.
pub async fn insert_account(conn: &impl ConnectionTrait, a: &PaymentAccount) -> Result<(), DomainError> {
    payment_account::Entity::insert(account_row(a)?).exec_without_returning(conn).await.map_err(db_error)?;
    Ok(())
}

/// Saves a changed payment account.
pub async fn update_account(conn: &impl ConnectionTrait, a: &PaymentAccount) -> Result<(), DomainError> {
    payment_account::Entity::update(account_row(a)?).exec(conn).await.map_err(db_error)?;
    Ok(())
}

/// Deletes a payment account (its payouts keep its id).
pub async fn delete_account(conn: &impl ConnectionTrait, id: Uuid) -> Result<(), DomainError> {
    payment_account::Entity::delete_by_id(id).exec(conn).await.map_err(db_error)?;
    Ok(())
}

/// One payment account of a user.
pub async fn find_account(
    conn: &impl ConnectionTrait,
    user: UserId,
    id: Uuid,
) -> Result<Option<PaymentAccount>, DomainError> {
    payment_account::Entity::find_by_id(id)
        .filter(payment_account::Column::UserId.eq(user.as_uuid()))
        .one(conn)
        .await
        .map_err(db_error)?
        .map(to_account)
        .transpose()
}

/// The user's account with this gateway and external id, if any (to refuse duplicates).
pub async fn find_duplicate(
    conn: &impl ConnectionTrait,
    a: &PaymentAccount,
) -> Result<Option<PaymentAccount>, DomainError> {
    payment_account::Entity::find()
        .filter(payment_account::Column::UserId.eq(a.user_id.as_uuid()))
        .filter(payment_account::Column::GatewayId.eq(a.gateway_id))
        .filter(payment_account::Column::ExternalAccountId.eq(a.external_account_id.as_str()))
        .filter(payment_account::Column::Id.ne(a.id))
        .one(conn)
        .await
        .map_err(db_error)?
        .map(to_account)
        .transpose()
}

/// A page of a user's payment accounts, oldest first.
pub async fn list_accounts(
    conn: &impl ConnectionTrait,
    user: UserId,
    page: PageRequest,
) -> Result<Page<PaymentAccount>, DomainError> {
    let query = payment_account::Entity::find()
        .filter(payment_account::Column::UserId.eq(user.as_uuid()))
        .order_by(payment_account::Column::CreatedAt, SqlOrder::Asc)
        .order_by(payment_account::Column::Id, SqlOrder::Asc);
    page_of(conn, query, page, to_account).await
}

/// Every payment account of a user whose gateway is one of `gateways`, oldest first.
pub async fn accounts_on_gateways(
    conn: &impl ConnectionTrait,
    user: UserId,
    gateways: &[Uuid],
) -> Result<Vec<PaymentAccount>, DomainError> {
    payment_account::Entity::find()
        .filter(payment_account::Column::UserId.eq(user.as_uuid()))
        .filter(payment_account::Column::GatewayId.is_in(gateways.iter().copied()))
        .order_by(payment_account::Column::CreatedAt, SqlOrder::Asc)
        .order_by(payment_account::Column::Id, SqlOrder::Asc)
        .all(conn)
        .await
        .map_err(db_error)?
        .into_iter()
        .map(to_account)
        .collect()
}

fn to_payout(row: payout::Model) -> Result<Payout, DomainError> {
    Ok(Payout {
        id: row.id,
        seller_id: UserId(row.seller_id),
        payment_account_id: row.payment_account_id,
        currency: Currency::from_code(&row.currency).map_err(|_| corrupt("payouts.currency"))?,
        amount: row.amount,
        status: row.status.parse().map_err(|_| corrupt("payouts.status"))?,
        provider_reference: row.provider_reference,
        created_at: row.created_at,
    })
}

/// Stores a payout.
pub async fn insert_payout(conn: &impl ConnectionTrait, p: &Payout) -> Result<(), DomainError> {
    let row = payout::ActiveModel {
        id: Set(p.id),
        seller_id: Set(p.seller_id.as_uuid()),
        payment_account_id: Set(p.payment_account_id),
        currency: Set(p.currency.code().to_owned()),
        amount: Set(p.amount),
        status: Set(p.status.as_str().to_owned()),
        provider_reference: Set(p.provider_reference.clone()),
        created_at: Set(p.created_at),
    };
    payout::Entity::insert(row).exec_without_returning(conn).await.map_err(db_error)?;
    Ok(())
}

/// Filters of the payout list.
#[derive(Debug, Clone, Default)]
pub struct PayoutFilter {
    /// Only this seller's payouts.
    pub seller_id: Option<UserId>,
    /// Only this currency.
    pub currency: Option<Currency>,
}

/// A page of payouts, newest first.
pub async fn list_payouts(
    conn: &impl ConnectionTrait,
    filter: &PayoutFilter,
    page: PageRequest,
) -> Result<Page<Payout>, DomainError> {
    let mut query = payout::Entity::find();
    if let Some(seller) = filter.seller_id {
        query = query.filter(payout::Column::SellerId.eq(seller.as_uuid()));
    }
    if let Some(currency) = filter.currency {
        query = query.filter(payout::Column::Currency.eq(currency.code()));
    }
    let query = query
        .order_by(payout::Column::CreatedAt, SqlOrder::Desc)
        .order_by(payout::Column::Id, SqlOrder::Desc);
    page_of(conn, query, page, to_payout).await
}
