//! The persisted sandbox clock offset, shared by every server process on one database.

use chrono::{DateTime, Utc};
use sea_orm::sea_query::{Expr, ExprTrait, OnConflict};
use sea_orm::{ActiveValue::Set, ConnectionTrait, DbErr, EntityTrait};

use crate::entities::platform_clock::{ActiveModel, Column, Entity};

const ROW: i32 = 1;

/// The stored offset in milliseconds (0 when time was never moved).
pub async fn load_offset_ms(conn: &impl ConnectionTrait) -> Result<i64, DbErr> {
    Ok(Entity::find_by_id(ROW).one(conn).await?.map_or(0, |row| row.offset_ms))
}

/// Moves platform time forward atomically and returns the new offset: one upsert, so concurrent
/// first moves on a database that never moved its clock cannot both insert and lose one.
pub async fn advance(conn: &impl ConnectionTrait, by_ms: i64, now: DateTime<Utc>) -> Result<i64, DbErr> {
    let row = ActiveModel { id: Set(ROW), offset_ms: Set(by_ms), updated_at: Set(now) };
    let on_conflict = OnConflict::column(Column::Id)
        .value(Column::OffsetMs, Expr::col((Entity, Column::OffsetMs)).add(by_ms))
        .value(Column::UpdatedAt, Expr::value(now))
        .to_owned();
    Entity::insert(row).on_conflict(on_conflict).exec_without_returning(conn).await?;
    load_offset_ms(conn).await
}
