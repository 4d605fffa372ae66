//! Stored responses of `POST` requests sent with an `Idempotency-Key`.

use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, TryInsertResult,
};

use crate::entities::idempotency_key::{ActiveModel, Column, Entity, Model};

/// A stored idempotency record.
pub type IdempotencyRecord = Model;

/// What claiming a key found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Claim {
    /// The key was free and now belongs to this request.
    Claimed,
    /// The key was already taken; here is its record.
    Taken(IdempotencyRecord),
}

/// The request a key is claimed for.
#[derive(Debug, Clone, Copy)]
pub struct KeyRequest<'a> {
    /// Who sent it (`user:<id>`, `client:<id>` or `ip:<addr>`).
    pub caller: &'a str,
    /// The client's key.
    pub key: &'a str,
    /// Hex SHA-256 of method, path and body.
    pub request_hash: &'a str,
    /// HTTP method.
    pub method: &'a str,
    /// Path and query.
    pub path: &'a str,
}

/// Claims a key for a request, or returns the record already holding it.
pub async fn claim(
    conn: &impl ConnectionTrait,
    request: KeyRequest<'_>,
    now: DateTime<Utc>,
) -> Result<Claim, DbErr> {
    let row = ActiveModel {
        caller: Set(request.caller.to_owned()),
        key: Set(request.key.to_owned()),
        request_hash: Set(request.request_hash.to_owned()),
        method: Set(request.method.to_owned()),
        path: Set(request.path.to_owned()),
        response_status: Set(None),
        response_content_type: Set(None),
        response_body: Set(None),
        created_at: Set(now),
        completed_at: Set(None),
    };
    match Entity::insert(row).on_conflict_do_nothing().exec_without_returning(conn).await? {
        TryInsertResult::Inserted(n) if n > 0 => return Ok(Claim::Claimed),
        _ => {}
    }
    let existing = Entity::find_by_id((request.caller.to_owned(), request.key.to_owned())).one(conn).await?;
    Ok(existing.map_or(Claim::Claimed, Claim::Taken))
}

/// Deletes exactly the record that was seen (same creation time), so two requests taking over a
/// stale key cannot both succeed. Returns whether this caller removed it.
pub async fn remove_record(conn: &impl ConnectionTrait, record: &IdempotencyRecord) -> Result<bool, DbErr> {
    let deleted = Entity::delete_many()
        .filter(Column::Caller.eq(&record.caller))
        .filter(Column::Key.eq(&record.key))
        .filter(Column::CreatedAt.eq(record.created_at))
        .exec(conn)
        .await?;
    Ok(deleted.rows_affected == 1)
}

/// Stores the response of a finished request.
pub async fn complete(
    conn: &impl ConnectionTrait,
    caller: &str,
    key: &str,
    status: u16,
    content_type: Option<String>,
    body: Vec<u8>,
    now: DateTime<Utc>,
) -> Result<(), DbErr> {
    let row = ActiveModel {
        caller: Set(caller.to_owned()),
        key: Set(key.to_owned()),
        response_status: Set(Some(i32::from(status))),
        response_content_type: Set(content_type),
        response_body: Set(Some(body)),
        completed_at: Set(Some(now)),
        ..Default::default()
    };
    Entity::update_many()
        .set(row)
        .filter(Column::Caller.eq(caller))
        .filter(Column::Key.eq(key))
        .exec(conn)
        .await
        .map(|_| ())
}

/// Frees a key whose request did not finish (server error), so the client may retry.
pub async fn abandon(conn: &impl ConnectionTrait, caller: &str, key: &str) -> Result<(), DbErr> {
    Entity::delete_many()
        .filter(Column::Caller.eq(caller))
        .filter(Column::Key.eq(key))
        .filter(Column::ResponseStatus.is_null())
        .exec(conn)
        .await
        .map(|_| ())
}

/// Deletes records created before `cutoff`; returns how many.
pub async fn purge_created_before(conn: &impl ConnectionTrait, cutoff: DateTime<Utc>) -> Result<u64, DbErr> {
    Ok(Entity::delete_many().filter(Column::CreatedAt.lt(cutoff)).exec(conn).await?.rows_affected)
}
