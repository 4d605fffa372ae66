//! Payment gateways and payment attempts on sea-orm: gateways with their write-only secrets,
//! attempts found by `tx_ref` (locked on PostgreSQL so concurrent callbacks queue behind the
//! first), and the orders each attempt pays.

use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, Order as SqlOrder, PaginatorTrait,
    QueryFilter, QueryOrder,
};
use souk_escrow::gateway::{Gateway, GatewayStatus};
use souk_escrow::payment::{AttemptStatus, Payment, PaymentId};
use souk_kernel::{Currency, DomainError, Page, PageRequest, UserId};
use uuid::Uuid;

use crate::db::{db_error, for_update, page_of};
use crate::entities::{payment, payment_gateway, payment_order};

fn corrupt(what: &str) -> DomainError {
    DomainError::unexpected(format!("stored {what} holds an unknown value"))
}

fn json_map(text: &str, what: &str) -> Result<serde_json::Map<String, serde_json::Value>, DomainError> {
    serde_json::from_str(text).map_err(|_| corrupt(what))
}

fn to_gateway(row: payment_gateway::Model) -> Result<Gateway, DomainError> {
    Ok(Gateway {
        id: row.id,
        title: row.title,
        provider: row.provider.parse().map_err(|_| corrupt("payment_gateways.provider"))?,
        sandbox: row.sandbox,
        status: row.status.parse().map_err(|_| corrupt("payment_gateways.status"))?,
        currency: Currency::from_code(&row.currency).map_err(|_| corrupt("payment_gateways.currency"))?,
        min_amount: row.min_amount,
        max_amount: row.max_amount,
        settings: json_map(&row.settings, "payment_gateways.settings")?,
        secrets: json_map(&row.secrets, "payment_gateways.secrets")?,
        created_at: row.created_at,
        updated_at: row.updated_at,
    })
}

fn gateway_row(g: &Gateway) -> payment_gateway::ActiveModel {
    payment_gateway::ActiveModel {
        id: Set(g.id),
        title: Set(g.title.clone()),
        provider: Set(g.provider.as_str().to_owned()),
        sandbox: Set(g.sandbox),
        status: Set(g.status.as_str().to_owned()),
        currency: Set(g.currency.code().to_owned()),
        min_amount: Set(g.min_amount),
        max_amount: Set(g.max_amount),
        settings: Set(serde_json::Value::Object(g.settings.clone()).to_string()),
        secrets: Set(serde_json::Value::Object(g.secrets.clone()).to_string()),
        created_at: Set(g.created_at),
        updated_at: Set(g.updated_at),
    }
}

/// Stores a new gateway.
pub async fn insert_gateway(conn: &impl ConnectionTrait, g: &Gateway) -> Result<(), DomainError> {
    payment_gateway::Entity::insert(gateway_row(g)).exec_without_returning(conn).await.map_err(db_error)?;
    Ok(())
}

/// Saves a changed gateway.
pub async fn update_gateway(conn: &impl ConnectionTrait, g: &Gateway) -> Result<(), DomainError> {
    payment_gateway::Entity::update(gateway_row(g)).exec(conn).await.map_err(db_error)?;
    Ok(())
}

/// One gateway.
pub async fn find_gateway(conn: &impl ConnectionTrait, id: Uuid) -> Result<Option<Gateway>, DomainError> {
    payment_gateway::Entity::find_by_id(id).one(conn).await.map_err(db_error)?.map(to_gateway).transpose()
}

/// Gateways, oldest first; `active_in` keeps only active gateways of a currency.
pub async fn list_gateways(
    conn: &impl ConnectionTrait,
    active_in: Option<Currency>,
    page: PageRequest,
) -> Result<Page<Gateway>, DomainError> {
    let mut query = payment_gateway::Entity::find()
        .order_by(payment_gateway::Column::CreatedAt, SqlOrder::Asc)
        .order_by(payment_gateway::Column::Id, SqlOrder::Asc);
    if let Some(currency) = active_in {
        query = query
            .filter(payment_gateway::Column::Status.eq(GatewayStatus::Active.as_str()))
            .filter(payment_gateway::Column::Currency.eq(currency.code()));
    }
    page_of(conn, query, page, to_gateway).await
}

/// Deletes a gateway no payment went through; `false` when payments or payout accounts use it.
pub async fn delete_gateway(conn: &impl ConnectionTrait, id: Uuid) -> Result<bool, DomainError> {
    let used = payment::Entity::find()
        .filter(payment::Column::GatewayId.eq(id))
        .count(conn)
        .await
        .map_err(db_error)?
        + crate::entities::payment_account::Entity::find()
            .filter(crate::entities::payment_account::Column::GatewayId.eq(id))
            .count(conn)
            .await
            .map_err(db_error)?;
    if used > 0 {
        return Ok(false);
    }
    payment_gateway::Entity::delete_by_id(id).exec(conn).await.map_err(db_error)?;
    Ok(true)
}

fn payment_row(p: &Payment) -> payment::ActiveModel {
    payment::ActiveModel {
        id: Set(p.id.as_uuid()),
        tx_ref: Set(p.tx_ref.clone()),
        gateway_id: Set(p.gateway_id),
        buyer_id: Set(p.buyer_id.as_uuid()),
        cart_id: Set(p.cart_id),
        currency: Set(p.currency.code().to_owned()),
        amount: Set(p.amount),
        status: Set(p.status.as_str().to_owned()),
        provider_reference: Set(p.provider_reference.clone()),
        method: Set(p.method.clone()),
        card_brand: Set(p.card_brand.clone()),
        card_last4: Set(p.card_last4.clone()),
        checkout_url: Set(p.checkout_url.clone()),
        paid_at: Set(p.paid_at),
        created_at: Set(p.created_at),
        updated_at: Set(p.updated_at),
    }
}

/// Stores a new attempt with the orders it pays.
pub async fn insert_payment(conn: &impl ConnectionTrait, p: &Payment) -> Result<(), DomainError> {
    payment::Entity::insert(payment_row(p)).exec_without_returning(conn).await.map_err(db_error)?;
    let shares = p.orders.iter().map(|(order_id, amount)| payment_order::ActiveModel {
        payment_id: Set(p.id.as_uuid()),
        order_id: Set(*order_id),
        amount: Set(*amount),
    });
    payment_order::Entity::insert_many(shares).exec_without_returning(conn).await.map_err(db_error)?;
    Ok(())
}

/// Saves an attempt's provider verdict and details.
pub async fn update_payment(conn: &impl ConnectionTrait, p: &Payment) -> Result<(), DomainError> {
    payment::Entity::update_many()
        .col_expr(payment::Column::Status, Expr::value(p.status.as_str()))
        .col_expr(payment::Column::ProviderReference, Expr::value(p.provider_reference.clone()))
        .col_expr(payment::Column::Method, Expr::value(p.method.clone()))
        .col_expr(payment::Column::CardBrand, Expr::value(p.card_brand.clone()))
        .col_expr(payment::Column::CardLast4, Expr::value(p.card_last4.clone()))
        .col_expr(payment::Column::CheckoutUrl, Expr::value(p.checkout_url.clone()))
        .col_expr(payment::Column::PaidAt, Expr::value(p.paid_at))
        .col_expr(payment::Column::UpdatedAt, Expr::value(p.updated_at))
        .filter(payment::Column::Id.eq(p.id.as_uuid()))
        .exec(conn)
        .await
        .map_err(db_error)?;
    Ok(())
}

async fn assemble(conn: &impl ConnectionTrait, row: payment::Model) -> Result<Payment, DomainError> {
    let orders = payment_order::Entity::find()
        .filter(payment_order::Column::PaymentId.eq(row.id))
        .order_by(payment_order::Column::OrderId, SqlOrder::Asc)
        .all(conn)
        .await
        .map_err(db_error)?
        .into_iter()
        .map(|share| (share.order_id, share.amount))
        .collect();
    Ok(Payment {
        id: PaymentId(row.id),
        tx_ref: row.tx_ref,
        gateway_id: row.gateway_id,
        buyer_id: UserId(row.buyer_id),
        cart_id: row.cart_id,
        currency: Currency::from_code(&row.currency).map_err(|_| corrupt("payments.currency"))?,
        amount: row.amount,
        status: row.status.parse::<AttemptStatus>().map_err(|_| corrupt("payments.status"))?,
        provider_reference: row.provider_reference,
        method: row.method,
        card_brand: row.card_brand,
        card_last4: row.card_last4,
        checkout_url: row.checkout_url,
        paid_at: row.paid_at,
        orders,
        created_at: row.created_at,
        updated_at: row.updated_at,
    })
}

/// The attempt with this `tx_ref`; `lock` holds its row on PostgreSQL until the transaction ends.
pub async fn find_payment_by_ref(
    conn: &impl ConnectionTrait,
    tx_ref: &str,
    lock: bool,
) -> Result<Option<Payment>, DomainError> {
    let query = payment::Entity::find().filter(payment::Column::TxRef.eq(tx_ref));
    let query = if lock { for_update(query, conn) } else { query };
    match query.one(conn).await.map_err(db_error)? {
        Some(row) => Ok(Some(assemble(conn, row).await?)),
        None => Ok(None),
    }
}

/// Every attempt that paid or tried to pay an order, newest first.
pub async fn payments_of_order(
    conn: &impl ConnectionTrait,
    order_id: Uuid,
) -> Result<Vec<Payment>, DomainError> {
    let ids: Vec<Uuid> = payment_order::Entity::find()
        .filter(payment_order::Column::OrderId.eq(order_id))
        .all(conn)
        .await
        .map_err(db_error)?
        .into_iter()
        .map(|share| share.payment_id)
        .collect();
    let rows = payment::Entity::find()
        .filter(payment::Column::Id.is_in(ids))
        .order_by(payment::Column::CreatedAt, SqlOrder::Desc)
        .all(conn)
        .await
        .map_err(db_error)?;
    let mut payments = Vec::with_capacity(rows.len());
    for row in rows {
        payments.push(assemble(conn, row).await?);
    }
    Ok(payments)
}
