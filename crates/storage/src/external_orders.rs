//! What orders recorded from outside Souk need from storage: their placeholder buyer account.

use chrono::{DateTime, Utc};
use sea_orm::sea_query::OnConflict;
use sea_orm::{ActiveValue::Set, ConnectionTrait, EntityTrait};
use souk_kernel::DomainError;
use souk_orders::order::EXTERNAL_BUYER;

use crate::db::db_error;
use crate::entities::user;

/// Makes sure the placeholder buyer of external orders exists: a suspended buyer account with an
/// unusable password, so it can never sign in (created once, by the first external order).
pub async fn ensure_external_buyer(
    conn: &impl ConnectionTrait,
    now: DateTime<Utc>,
) -> Result<(), DomainError> {
    let row = user::ActiveModel {
        id: Set(EXTERNAL_BUYER.as_uuid()),
        email: Set("external-orders@souk.invalid".to_owned()),
        username: Set("external-orders".to_owned()),
        password_hash: Set("!".to_owned()),
        role: Set("buyer".to_owned()),
        status: Set("suspended".to_owned()),
        first_name: Set("External".to_owned()),
        last_name: Set("orders".to_owned()),
        phone: Set(None),
        email_verified_at: Set(None),
        created_at: Set(now),
        updated_at: Set(now),
    };
    user::Entity::insert(row)
        .on_conflict(OnConflict::column(user::Column::Id).do_nothing().to_owned())
        .exec_without_returning(conn)
        .await
        .map_err(db_error)
        .map(|_| ())
}

/// Names who recorded an external order in its first history entry (`seller` for an
/// integration, `admin`), instead of the buyer a checkout's entry names.
pub async fn set_creation_party(
    conn: &impl ConnectionTrait,
    order: souk_orders::order::OrderId,
    party: &str,
) -> Result<(), DomainError> {
    use sea_orm::{ColumnTrait, QueryFilter, sea_query::Expr};
    crate::entities::order_event::Entity::update_many()
        .col_expr(crate::entities::order_event::Column::Party, Expr::value(party))
        .filter(crate::entities::order_event::Column::OrderId.eq(order.as_uuid()))
        .filter(crate::entities::order_event::Column::FromStatus.is_null())
        .exec(conn)
        .await
        .map_err(db_error)
        .map(|_| ())
}
