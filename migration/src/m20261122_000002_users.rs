//! User accounts.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Users {
    Table,
    Id,
    Email,
    Username,
    PasswordHash,
    Role,
    Status,
    FirstName,
    LastName,
    Phone,
    EmailVerifiedAt,
    CreatedAt,
    UpdatedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Users::Table)
                    .col(uuid(Users::Id).primary_key())
                    .col(string_len_uniq(Users::Email, 254))
                    .col(string_len_uniq(Users::Username, 50))
                    .col(string_len(Users::PasswordHash, 255))
                    .col(string_len(Users::Role, 16))
                    .col(string_len(Users::Status, 32))
                    .col(string_len(Users::FirstName, 100))
                    .col(string_len(Users::LastName, 100))
                    .col(string_len_null(Users::Phone, 32))
                    .col(timestamp_with_time_zone_null(Users::EmailVerifiedAt))
                    .col(timestamp_with_time_zone(Users::CreatedAt))
                    .col(timestamp_with_time_zone(Users::UpdatedAt))
                    .to_owned(),
            )
            .await?;
        for (name, column) in [
            ("idx_users_role", Users::Role),
            ("idx_users_created_at", Users::CreatedAt),
            ("idx_users_status", Users::Status),
        ] {
            manager
                .create_index(Index::create().name(name).table(Users::Table).col(column).to_owned())
                .await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.drop_table(Table::drop().table(Users::Table).to_owned()).await
    }
}
