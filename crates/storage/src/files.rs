//! Metadata of stored files (the bytes live in the file store).

use chrono::{DateTime, Utc};
use sea_orm::{ActiveValue::Set, ConnectionTrait, DbErr, EntityTrait};
use uuid::Uuid;

use crate::entities::file::{ActiveModel, Entity, Model};

/// A stored file's metadata.
pub type FileRecord = Model;

/// Records a stored file.
pub async fn insert_file(conn: &impl ConnectionTrait, file: &FileRecord) -> Result<(), DbErr> {
    let row = ActiveModel {
        id: Set(file.id),
        owner_id: Set(file.owner_id),
        name: Set(file.name.clone()),
        mime_type: Set(file.mime_type.clone()),
        size: Set(file.size),
        storage_key: Set(file.storage_key.clone()),
        created_at: Set(file.created_at),
    };
    Entity::insert(row).exec_without_returning(conn).await.map(|_| ())
}

/// Loads a file's metadata.
pub async fn find_file(conn: &impl ConnectionTrait, id: Uuid) -> Result<Option<FileRecord>, DbErr> {
    Entity::find_by_id(id).one(conn).await
}

/// A new record for bytes stored under `storage_key`.
pub fn new_record(
    owner: Option<Uuid>,
    name: &str,
    mime_type: &str,
    size: i64,
    storage_key: String,
    now: DateTime<Utc>,
) -> FileRecord {
    FileRecord {
        id: Uuid::now_v7(),
        owner_id: owner,
        name: name.to_owned(),
        mime_type: mime_type.to_owned(),
        size,
        storage_key,
        created_at: now,
    }
}
