//! Platform bookkeeping: stored idempotent responses and the sandbox clock offset.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum IdempotencyKeys {
    Table,
    Caller,
    Key,
    RequestHash,
    Method,
    Path,
    ResponseStatus,
    ResponseContentType,
    ResponseBody,
    CreatedAt,
    CompletedAt,
}

#[derive(DeriveIden)]
enum PlatformClock {
    Table,
    Id,
    OffsetMs,
    UpdatedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(IdempotencyKeys::Table)
                    .col(string_len(IdempotencyKeys::Caller, 200))
                    .col(string_len(IdempotencyKeys::Key, 255))
                    .col(string_len(IdempotencyKeys::RequestHash, 64))
                    .col(string_len(IdempotencyKeys::Method, 10))
                    .col(string_len(IdempotencyKeys::Path, 2048))
                    .col(integer_null(IdempotencyKeys::ResponseStatus))
                    .col(string_len_null(IdempotencyKeys::ResponseContentType, 255))
                    .col(blob_null(IdempotencyKeys::ResponseBody))
                    .col(timestamp_with_time_zone(IdempotencyKeys::CreatedAt))
                    .col(timestamp_with_time_zone_null(IdempotencyKeys::CompletedAt))
                    .primary_key(Index::create().col(IdempotencyKeys::Caller).col(IdempotencyKeys::Key))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_idempotency_keys_created_at")
                    .table(IdempotencyKeys::Table)
                    .col(IdempotencyKeys::CreatedAt)
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(PlatformClock::Table)
                    .col(integer(PlatformClock::Id).primary_key())
                    .col(big_integer(PlatformClock::OffsetMs))
                    .col(timestamp_with_time_zone(PlatformClock::UpdatedAt))
                    .to_owned(),
            )
            .await?;
        let epoch = chrono::DateTime::<chrono::Utc>::UNIX_EPOCH;
        manager
            .exec_stmt(
                Query::insert()
                    .into_table(PlatformClock::Table)
                    .columns([PlatformClock::Id, PlatformClock::OffsetMs, PlatformClock::UpdatedAt])
                    .values_panic([1.into(), 0i64.into(), epoch.into()])
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.drop_table(Table::drop().table(PlatformClock::Table).to_owned()).await?;
        manager.drop_table(Table::drop().table(IdempotencyKeys::Table).to_owned()).await
    }
}
