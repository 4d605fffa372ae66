//! Order metafields on sea-orm: small JSON values integrations attach to an order, one per
//! namespace and key.

use sea_orm::sea_query::OnConflict;
use sea_orm::{ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder};
use souk_kernel::DomainError;
use souk_kernel::metafield::Metafield;
use souk_orders::order::OrderId;

use crate::db::db_error;
use crate::entities::order_metafield::{ActiveModel, Column, Entity, Model};

fn to_domain(row: Model) -> Result<Metafield, DomainError> {
    Ok(Metafield {
        id: row.id,
        owner_id: row.order_id,
        namespace: row.namespace,
        key: row.key,
        value: serde_json::from_str(&row.value)
            .map_err(|_| DomainError::unexpected("stored order_metafields.value is not JSON"))?,
        created_at: row.created_at,
        updated_at: row.updated_at,
    })
}

/// An order's metafields by namespace, then key.
pub async fn order_metafields(
    conn: &impl ConnectionTrait,
    order: OrderId,
) -> Result<Vec<Metafield>, DomainError> {
    Entity::find()
        .filter(Column::OrderId.eq(order.as_uuid()))
        .order_by_asc(Column::Namespace)
        .order_by_asc(Column::Key)
        .all(conn)
        .await
        .map_err(db_error)?
        .into_iter()
        .map(to_domain)
        .collect()
}

/// Inserts or replaces an order metafield by namespace and key (the first write's id and
/// creation time stay); returns it as stored.
pub async fn upsert_order_metafield(
    conn: &impl ConnectionTrait,
    m: &Metafield,
) -> Result<Metafield, DomainError> {
    let row = ActiveModel {
        id: Set(m.id),
        order_id: Set(m.owner_id),
        namespace: Set(m.namespace.clone()),
        key: Set(m.key.clone()),
        value: Set(m.value.to_string()),
        created_at: Set(m.created_at),
        updated_at: Set(m.updated_at),
    };
    let conflict = OnConflict::columns([Column::OrderId, Column::Namespace, Column::Key])
        .update_columns([Column::Value, Column::UpdatedAt])
        .to_owned();
    Entity::insert(row).on_conflict(conflict).exec_without_returning(conn).await.map_err(db_error)?;
    let stored = Entity::find()
        .filter(Column::OrderId.eq(m.owner_id))
        .filter(Column::Namespace.eq(&m.namespace))
        .filter(Column::Key.eq(&m.key))
        .one(conn)
        .await
        .map_err(db_error)?
        .ok_or_else(|| DomainError::unexpected("an order metafield vanished after its upsert"))?;
    to_domain(stored)
}
