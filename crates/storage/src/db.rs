//! Connecting, migrating and opening write transactions on either backend.

use std::time::Duration;

use sea_orm::sqlx::sqlite::{SqliteJournalMode, SqliteSynchronous};
use sea_orm::{
    ConnectOptions, ConnectionTrait, DatabaseConnection, DatabaseTransaction, DbErr, EntityTrait,
    PaginatorTrait, QuerySelect, SqlErr, SqliteTransactionMode, TransactionOptions, TransactionTrait,
};
use souk_kernel::{DomainError, Page, PageRequest};
use souk_migration::{Migrator, MigratorTrait};

/// How long a SQLite writer waits for the lock before giving up.
const SQLITE_BUSY_TIMEOUT: Duration = Duration::from_secs(10);
/// A pooled connection idle this long is pinged before use (one that was busy a moment ago is
/// handed out at once; the pool also pings each connection as it comes back).
const IDLE_BEFORE_PING: Duration = Duration::from_secs(30);

/// The database engine behind a URL.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    /// Embedded SQLite file.
    Sqlite,
    /// PostgreSQL server.
    Postgres,
}

impl Backend {
    /// The backend a `DATABASE_URL` names, if supported.
    pub fn from_url(url: &str) -> Option<Backend> {
        if url.starts_with("sqlite:") {
            Some(Backend::Sqlite)
        } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Some(Backend::Postgres)
        } else {
            None
        }
    }

    /// A short name for logs.
    pub fn name(&self) -> &'static str {
        match self {
            Backend::Sqlite => "sqlite",
            Backend::Postgres => "postgres",
        }
    }
}

/// A connection pool and the backend it talks to.
#[derive(Debug, Clone)]
pub struct Database {
    /// The sea-orm pool.
    pub conn: DatabaseConnection,
    /// Which engine is behind it.
    pub backend: Backend,
}

fn options(url: &str, backend: Backend, max_connections: u32) -> ConnectOptions {
    let mut options = ConnectOptions::new(url.to_owned());
    options
        .max_connections(max_connections)
        .min_connections(1)
        .connect_timeout(Duration::from_secs(10))
        .acquire_timeout(Duration::from_secs(30))
        .test_before_acquire_if_idle_for(IDLE_BEFORE_PING)
        .sqlx_logging(false);
    if backend == Backend::Sqlite {
        options.map_sqlx_sqlite_opts(|opts| {
            opts.create_if_missing(true)
                .journal_mode(SqliteJournalMode::Wal)
                .synchronous(SqliteSynchronous::Normal)
                .busy_timeout(SQLITE_BUSY_TIMEOUT)
                .foreign_keys(true)
        });
    }
    options
}

impl Database {
    /// Opens a pool: on SQLite in WAL mode with a busy timeout and foreign keys on, with more than
    /// one connection so readers never wait for the writer.
    pub async fn connect(url: &str, max_connections: u32) -> Result<Database, DbErr> {
        let backend = Backend::from_url(url)
            .ok_or_else(|| DbErr::Custom(format!("unsupported database URL scheme in {url:?}")))?;
        let conn = sea_orm::Database::connect(options(url, backend, max_connections.max(2))).await?;
        Ok(Database { conn, backend })
    }

    /// Applies pending migrations on a dedicated single connection (so pragma changes made by the
    /// migrator never leak into the pool), returning the names applied.
    pub async fn migrate(url: &str) -> Result<Vec<String>, DbErr> {
        let backend = Backend::from_url(url)
            .ok_or_else(|| DbErr::Custom(format!("unsupported database URL scheme in {url:?}")))?;
        let conn = sea_orm::Database::connect(options(url, backend, 1)).await?;
        let pending: Vec<String> =
            Migrator::get_pending_migrations(&conn).await?.iter().map(|m| m.name().to_owned()).collect();
        Migrator::up(&conn, None).await?;
        conn.close().await?;
        Ok(pending)
    }

    /// Every migration with whether it has been applied.
    pub async fn migration_status(&self) -> Result<Vec<(String, bool)>, DbErr> {
        let applied: Vec<String> =
            Migrator::get_applied_migrations(&self.conn).await?.iter().map(|m| m.name().to_owned()).collect();
        Ok(Migrator::migrations()
            .iter()
            .map(|m| (m.name().to_owned(), applied.iter().any(|name| name == m.name())))
            .collect())
    }

    /// Opens a write transaction. On SQLite it is `BEGIN IMMEDIATE`, taking the write lock up
    /// front so a read-then-write never fails with a stale snapshot.
    pub async fn begin_write(&self) -> Result<DatabaseTransaction, DbErr> {
        let options = TransactionOptions {
            sqlite_transaction_mode: (self.backend == Backend::Sqlite)
                .then_some(SqliteTransactionMode::Immediate),
            ..TransactionOptions::default()
        };
        self.conn.begin_with_options(options).await
    }

    /// Opens a read transaction, so the reads of one request share one pooled connection and one
    /// snapshot: the pool pings each connection as it comes back, so a statement run straight on
    /// the pool costs a round trip more. Worth it from three statements on; end it with `commit`.
    pub async fn begin_read(&self) -> Result<DatabaseTransaction, DbErr> {
        self.conn.begin().await
    }

    /// Checks that the database answers a trivial query.
    pub async fn ping(&self) -> Result<(), DbErr> {
        self.conn.execute_unprepared("SELECT 1").await.map(|_| ())
    }
}

/// Maps a database error to a domain error: unique violations and retryable concurrency
/// failures become `Conflict`, the rest are unexpected (logged, answered `500`).
pub fn db_error(error: DbErr) -> DomainError {
    match error.sql_err() {
        Some(SqlErr::UniqueConstraintViolation(detail)) => {
            DomainError::Conflict(format!("already exists ({})", conflict_subject(&detail)))
        }
        _ if is_retryable(&error) => DomainError::Conflict(
            "a concurrent change to the same rows got in the way; nothing was changed, retry the request"
                .into(),
        ),
        _ => DomainError::unexpected(error),
    }
}

/// PostgreSQL's deadlock and serialization failures (SQLSTATE 40P01, 40001): the transaction was
/// rolled back whole, so the client may simply retry.
fn is_retryable(error: &DbErr) -> bool {
    let text = error.to_string();
    ["40P01", "40001", "deadlock detected", "could not serialize access"]
        .iter()
        .any(|marker| text.contains(marker))
}

/// Names the conflicting column without echoing the driver's full message.
fn conflict_subject(detail: &str) -> &'static str {
    ["email", "username", "sku", "slug", "handle", "code", "number"]
        .into_iter()
        .find(|column| detail.contains(column))
        .unwrap_or("duplicate value")
}

/// Locks the rows a query reads until its transaction ends, on PostgreSQL. SQLite has no row
/// locks; its write transactions (`BEGIN IMMEDIATE`) hold the database lock up front instead.
pub(crate) fn for_update<E: EntityTrait>(
    select: sea_orm::Select<E>,
    conn: &impl ConnectionTrait,
) -> sea_orm::Select<E> {
    if conn.get_database_backend() == sea_orm::DbBackend::Postgres { select.lock_exclusive() } else { select }
}

/// Claims up to `limit` due rows of an outbox-like table (`status = 'pending'` and
/// `next_attempt_at <= now`) for one sender: their `next_attempt_at` moves to `lease_until` and
/// `attempts` grows by one, under `FOR UPDATE SKIP LOCKED` on PostgreSQL so concurrent senders
/// (other processes too) take disjoint rows; returns the claimed ids.
pub(crate) async fn claim_leased(
    conn: &impl ConnectionTrait,
    table: &'static str,
    now: chrono::DateTime<chrono::Utc>,
    lease_until: chrono::DateTime<chrono::Utc>,
    limit: u64,
) -> Result<Vec<uuid::Uuid>, DomainError> {
    let backend = conn.get_database_backend();
    let (lease, due, count, skip) = match backend {
        sea_orm::DbBackend::Postgres => ("$1", "$2", "$3", " FOR UPDATE SKIP LOCKED"),
        _ => ("?1", "?2", "?3", ""),
    };
    let sql = format!(
        "UPDATE {table} SET next_attempt_at = {lease}, attempts = attempts + 1 WHERE id IN \
         (SELECT id FROM {table} WHERE status = 'pending' AND next_attempt_at <= {due} \
         ORDER BY next_attempt_at LIMIT {count}{skip}) RETURNING id"
    );
    let limit = i64::try_from(limit).unwrap_or(i64::MAX);
    let rows = conn
        .query_all_raw(sea_orm::Statement::from_sql_and_values(
            backend,
            sql,
            [lease_until.into(), now.into(), limit.into()],
        ))
        .await
        .map_err(db_error)?;
    rows.iter().map(|row| row.try_get::<uuid::Uuid>("", "id").map_err(db_error)).collect()
}

/// One page of a query: the total count, then the rows of the page, converted.
pub(crate) async fn page_of<E, C, T>(
    conn: &C,
    query: sea_orm::Select<E>,
    page: PageRequest,
    convert: impl Fn(E::Model) -> Result<T, DomainError>,
) -> Result<Page<T>, DomainError>
where
    E: EntityTrait,
    E::Model: Sync,
    C: ConnectionTrait,
{
    let total = query.clone().count(conn).await.map_err(db_error)?;
    let rows =
        query.offset(page.offset()).limit(u64::from(page.per_page())).all(conn).await.map_err(db_error)?;
    let items = rows.into_iter().map(convert).collect::<Result<_, _>>()?;
    Ok(Page { items, total, request: page })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backends_are_recognised_by_scheme() {
        assert_eq!(Backend::from_url("sqlite://data/souk.db?mode=rwc"), Some(Backend::Sqlite));
        assert_eq!(Backend::from_url("postgres://localhost/souk"), Some(Backend::Postgres));
        assert_eq!(Backend::from_url("postgresql://localhost/souk"), Some(Backend::Postgres));
        assert_eq!(Backend::from_url("mysql://localhost/souk"), None);
    }

    #[test]
    fn conflicts_name_the_column() {
        assert_eq!(conflict_subject("UNIQUE constraint failed: users.email"), "email");
        assert_eq!(
            conflict_subject("duplicate key value violates unique constraint \"x\""),
            "duplicate value"
        );
    }
}
