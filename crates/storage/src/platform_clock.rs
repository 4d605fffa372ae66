//! The persisted sandbox clock offset, shared by every server process on one database.

use chrono::{DateTime, Utc};
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{ActiveValue::Set, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter};

use crate::entities::platform_clock::{ActiveModel, Column, Entity};

const ROW: i32 = 1;

/// The stored offset in milliseconds (0 when time was never moved).
pub async fn load_offset_ms(conn: &impl ConnectionTrait) -> Result<i64, DbErr> {
    Ok(Entity::find_by_id(ROW).one(conn).await?.map_or(0, |row| row.offset_ms))
}

/// Moves platform time forward atomically and returns the new offset.
pub async fn advance(conn: &impl ConnectionTrait, by_ms: i64, now: DateTime<Utc>) -> Result<i64, DbErr> {
    let updated = Entity::update_many()
        .col_expr(Column::OffsetMs, Expr::col(Column::OffsetMs).add(by_ms))
        .col_expr(Column::UpdatedAt, Expr::value(now))
        .filter(Column::Id.eq(ROW))
        .exec(conn)
        .await?;
    if updated.rows_affected == 0 {
        let row = ActiveModel { id: Set(ROW), offset_ms: Set(by_ms), updated_at: Set(now) };
        Entity::insert(row).exec_without_returning(conn).await?;
    }
    load_offset_ms(conn).await
}
