//! Loading many rows at once (benchmark and import seeding): multi-row `INSERT`s sized to stay
//! under both backends' bound-parameter limits.

use sea_orm::{ActiveModelTrait, ConnectionTrait, EntityTrait, Iterable};
use souk_kernel::DomainError;

use crate::db_error;

/// Bound parameters per statement: below SQLite's 32,766 and PostgreSQL's 65,535.
const MAX_PARAMETERS: usize = 30_000;

/// Inserts `rows` of one entity in as few statements as the parameter limit allows; every row
/// must set the same columns.
pub async fn insert_rows<A>(conn: &impl ConnectionTrait, rows: Vec<A>) -> Result<(), DomainError>
where
    A: ActiveModelTrait + Send,
{
    let columns = <A::Entity as EntityTrait>::Column::iter().count().max(1);
    let per_statement = (MAX_PARAMETERS / columns).max(1);
    let mut rows = rows.into_iter().peekable();
    while rows.peek().is_some() {
        let chunk: Vec<A> = rows.by_ref().take(per_statement).collect();
        <A::Entity as EntityTrait>::insert_many(chunk)
            .exec_without_returning(conn)
            .await
            .map_err(db_error)?;
    }
    Ok(())
}

/// Moves a named counter (such as the order number) past what a bulk load used.
pub async fn advance_counter(conn: &impl ConnectionTrait, name: &str, value: i64) -> Result<(), DomainError> {
    use sea_orm::{ColumnTrait, QueryFilter, sea_query::Expr};

    use crate::entities::counter;
    counter::Entity::update_many()
        .col_expr(counter::Column::Value, Expr::value(value))
        .filter(counter::Column::Name.eq(name))
        .filter(counter::Column::Value.lt(value))
        .exec(conn)
        .await
        .map_err(db_error)?;
    Ok(())
}

/// After a bulk load on PostgreSQL, vacuums (setting the visibility map, so counts can be
/// index-only scans) and refreshes the planner's statistics at once, as autovacuum would later.
/// SQLite keeps no statistics unless asked, so it is left as a server running Souk finds it.
pub async fn refresh_statistics(conn: &impl ConnectionTrait) -> Result<(), DomainError> {
    if conn.get_database_backend() == sea_orm::DatabaseBackend::Postgres {
        conn.execute_unprepared("VACUUM ANALYZE").await.map_err(db_error)?;
    }
    Ok(())
}
