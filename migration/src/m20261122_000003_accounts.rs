//! Account data beyond the user row: profiles, e-mail codes, refresh tokens, OAuth clients,
//! metafields and stored files. Everything a user owns is deleted with it (`ON DELETE CASCADE`).

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Users {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Files {
    Table,
    Id,
    OwnerId,
    Name,
    MimeType,
    Size,
    StorageKey,
    CreatedAt,
}

#[derive(DeriveIden)]
enum Sellers {
    Table,
    UserId,
    StoreName,
    Address,
    LicenseFileId,
    ProfilePicFileId,
    Approval,
    ReviewedAt,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum Buyers {
    Table,
    UserId,
    Address,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum EmailOtps {
    Table,
    UserId,
    CodeHash,
    ExpiresAt,
    Attempts,
    CreatedAt,
}

#[derive(DeriveIden)]
enum RefreshTokens {
    Table,
    Id,
    UserId,
    FamilyId,
    TokenHash,
    ExpiresAt,
    RotatedAt,
    RevokedAt,
    CreatedAt,
}

#[derive(DeriveIden)]
enum OauthClients {
    Table,
    Id,
    ClientId,
    SecretHash,
    Name,
    OwnerId,
    OwnerRole,
    Scopes,
    RevokedAt,
    CreatedAt,
}

#[derive(DeriveIden)]
enum UserMetafields {
    Table,
    Id,
    UserId,
    Namespace,
    Key,
    Value,
    CreatedAt,
    UpdatedAt,
}

fn owned_by_user(
    table: impl IntoIden + 'static,
    column: impl IntoIden + 'static,
) -> ForeignKeyCreateStatement {
    ForeignKey::create()
        .from(table, column)
        .to(Users::Table, Users::Id)
        .on_delete(ForeignKeyAction::Cascade)
        .to_owned()
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Files::Table)
                    .col(uuid(Files::Id).primary_key())
                    .col(uuid_null(Files::OwnerId))
                    .col(string_len(Files::Name, 255))
                    .col(string_len(Files::MimeType, 127))
                    .col(big_integer(Files::Size))
                    .col(string_len_uniq(Files::StorageKey, 512))
                    .col(timestamp_with_time_zone(Files::CreatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(Files::Table, Files::OwnerId)
                            .to(Users::Table, Users::Id)
                            .on_delete(ForeignKeyAction::SetNull),
                    )
                    .to_owned(),
            )
            .await?;
        let file_link = |column: Sellers| {
            ForeignKey::create()
                .from(Sellers::Table, column)
                .to(Files::Table, Files::Id)
                .on_delete(ForeignKeyAction::SetNull)
                .to_owned()
        };
        manager
            .create_table(
                Table::create()
                    .table(Sellers::Table)
                    .col(uuid(Sellers::UserId).primary_key())
                    .col(string_len_null(Sellers::StoreName, 100))
                    .col(string_len(Sellers::Address, 300))
                    .col(uuid_null(Sellers::LicenseFileId))
                    .col(uuid_null(Sellers::ProfilePicFileId))
                    .col(string_len(Sellers::Approval, 16))
                    .col(timestamp_with_time_zone_null(Sellers::ReviewedAt))
                    .col(timestamp_with_time_zone(Sellers::CreatedAt))
                    .col(timestamp_with_time_zone(Sellers::UpdatedAt))
                    .foreign_key(&mut owned_by_user(Sellers::Table, Sellers::UserId))
                    .foreign_key(&mut file_link(Sellers::LicenseFileId))
                    .foreign_key(&mut file_link(Sellers::ProfilePicFileId))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(Buyers::Table)
                    .col(uuid(Buyers::UserId).primary_key())
                    .col(string_len_null(Buyers::Address, 300))
                    .col(timestamp_with_time_zone(Buyers::CreatedAt))
                    .col(timestamp_with_time_zone(Buyers::UpdatedAt))
                    .foreign_key(&mut owned_by_user(Buyers::Table, Buyers::UserId))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(EmailOtps::Table)
                    .col(uuid(EmailOtps::UserId).primary_key())
                    .col(string_len(EmailOtps::CodeHash, 64))
                    .col(timestamp_with_time_zone(EmailOtps::ExpiresAt))
                    .col(integer(EmailOtps::Attempts))
                    .col(timestamp_with_time_zone(EmailOtps::CreatedAt))
                    .foreign_key(&mut owned_by_user(EmailOtps::Table, EmailOtps::UserId))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(RefreshTokens::Table)
                    .col(uuid(RefreshTokens::Id).primary_key())
                    .col(uuid(RefreshTokens::UserId))
                    .col(uuid(RefreshTokens::FamilyId))
                    .col(string_len_uniq(RefreshTokens::TokenHash, 64))
                    .col(timestamp_with_time_zone(RefreshTokens::ExpiresAt))
                    .col(timestamp_with_time_zone_null(RefreshTokens::RotatedAt))
                    .col(timestamp_with_time_zone_null(RefreshTokens::RevokedAt))
                    .col(timestamp_with_time_zone(RefreshTokens::CreatedAt))
                    .foreign_key(&mut owned_by_user(RefreshTokens::Table, RefreshTokens::UserId))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_refresh_tokens_family")
                    .table(RefreshTokens::Table)
                    .col(RefreshTokens::FamilyId)
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(OauthClients::Table)
                    .col(uuid(OauthClients::Id).primary_key())
                    .col(string_len_uniq(OauthClients::ClientId, 64))
                    .col(string_len(OauthClients::SecretHash, 64))
                    .col(string_len(OauthClients::Name, 100))
                    .col(uuid(OauthClients::OwnerId))
                    .col(string_len(OauthClients::OwnerRole, 16))
                    .col(text(OauthClients::Scopes))
                    .col(timestamp_with_time_zone_null(OauthClients::RevokedAt))
                    .col(timestamp_with_time_zone(OauthClients::CreatedAt))
                    .foreign_key(&mut owned_by_user(OauthClients::Table, OauthClients::OwnerId))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_oauth_clients_owner")
                    .table(OauthClients::Table)
                    .col(OauthClients::OwnerId)
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(UserMetafields::Table)
                    .col(uuid(UserMetafields::Id).primary_key())
                    .col(uuid(UserMetafields::UserId))
                    .col(string_len(UserMetafields::Namespace, 64))
                    .col(string_len(UserMetafields::Key, 64))
                    .col(text(UserMetafields::Value))
                    .col(timestamp_with_time_zone(UserMetafields::CreatedAt))
                    .col(timestamp_with_time_zone(UserMetafields::UpdatedAt))
                    .foreign_key(&mut owned_by_user(UserMetafields::Table, UserMetafields::UserId))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("uq_user_metafields_key")
                    .table(UserMetafields::Table)
                    .col(UserMetafields::UserId)
                    .col(UserMetafields::Namespace)
                    .col(UserMetafields::Key)
                    .unique()
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            UserMetafields::Table.into_iden(),
            OauthClients::Table.into_iden(),
            RefreshTokens::Table.into_iden(),
            EmailOtps::Table.into_iden(),
            Buyers::Table.into_iden(),
            Sellers::Table.into_iden(),
            Files::Table.into_iden(),
        ] {
            manager.drop_table(Table::drop().table(table).to_owned()).await?;
        }
        Ok(())
    }
}
