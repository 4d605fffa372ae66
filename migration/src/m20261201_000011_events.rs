//! Events and webhooks: the transactional outbox every state change appends to, webhook
//! subscriptions, and one delivery row per (subscription, event), written in the same
//! transaction as the event so no event is ever lost between the change and its delivery.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

use crate::shared_index::create_index as index;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden, Clone, Copy)]
enum Events {
    Table,
    Id,
    Type,
    ObjectType,
    ObjectId,
    SellerId,
    BuyerId,
    Data,
    CreatedAt,
}

#[derive(DeriveIden, Clone, Copy)]
enum Webhooks {
    Table,
    Id,
    OwnerId,
    OwnerRole,
    Url,
    Events,
    Secret,
    Status,
    Description,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden, Clone, Copy)]
enum WebhookDeliveries {
    Table,
    Id,
    WebhookId,
    EventId,
    Status,
    Attempts,
    NextAttemptAt,
    LastStatusCode,
    LastError,
    DeliveredAt,
    CreatedAt,
    UpdatedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Events::Table)
                    .col(uuid(Events::Id).primary_key())
                    .col(string_len(Events::Type, 64))
                    .col(string_len(Events::ObjectType, 32))
                    .col(uuid(Events::ObjectId))
                    .col(uuid_null(Events::SellerId))
                    .col(uuid_null(Events::BuyerId))
                    .col(text(Events::Data))
                    .col(timestamp_with_time_zone(Events::CreatedAt))
                    .to_owned(),
            )
            .await?;
        index(manager, "idx_events_created", Events::Table, &[Events::CreatedAt, Events::Id], false).await?;
        index(manager, "idx_events_object", Events::Table, &[Events::ObjectId, Events::CreatedAt], false)
            .await?;
        index(manager, "idx_events_seller", Events::Table, &[Events::SellerId, Events::CreatedAt], false)
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(Webhooks::Table)
                    .col(uuid(Webhooks::Id).primary_key())
                    .col(uuid(Webhooks::OwnerId))
                    .col(string_len(Webhooks::OwnerRole, 16))
                    .col(string_len(Webhooks::Url, 2000))
                    .col(text(Webhooks::Events))
                    .col(string_len(Webhooks::Secret, 200))
                    .col(string_len(Webhooks::Status, 16))
                    .col(string_len_null(Webhooks::Description, 500))
                    .col(timestamp_with_time_zone(Webhooks::CreatedAt))
                    .col(timestamp_with_time_zone(Webhooks::UpdatedAt))
                    .to_owned(),
            )
            .await?;
        index(manager, "idx_webhooks_owner", Webhooks::Table, &[Webhooks::OwnerId], false).await?;
        manager
            .create_table(
                Table::create()
                    .table(WebhookDeliveries::Table)
                    .col(uuid(WebhookDeliveries::Id).primary_key())
                    .col(uuid(WebhookDeliveries::WebhookId))
                    .col(uuid(WebhookDeliveries::EventId))
                    .col(string_len(WebhookDeliveries::Status, 16))
                    .col(integer(WebhookDeliveries::Attempts))
                    .col(timestamp_with_time_zone(WebhookDeliveries::NextAttemptAt))
                    .col(integer_null(WebhookDeliveries::LastStatusCode))
                    .col(string_len_null(WebhookDeliveries::LastError, 500))
                    .col(timestamp_with_time_zone_null(WebhookDeliveries::DeliveredAt))
                    .col(timestamp_with_time_zone(WebhookDeliveries::CreatedAt))
                    .col(timestamp_with_time_zone(WebhookDeliveries::UpdatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(WebhookDeliveries::Table, WebhookDeliveries::WebhookId)
                            .to(Webhooks::Table, Webhooks::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(WebhookDeliveries::Table, WebhookDeliveries::EventId)
                            .to(Events::Table, Events::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        index(
            manager,
            "idx_webhook_deliveries_pair",
            WebhookDeliveries::Table,
            &[WebhookDeliveries::WebhookId, WebhookDeliveries::EventId],
            true,
        )
        .await?;
        index(
            manager,
            "idx_webhook_deliveries_due",
            WebhookDeliveries::Table,
            &[WebhookDeliveries::Status, WebhookDeliveries::NextAttemptAt],
            false,
        )
        .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in
            [WebhookDeliveries::Table.into_iden(), Webhooks::Table.into_iden(), Events::Table.into_iden()]
        {
            manager.drop_table(Table::drop().table(table).to_owned()).await?;
        }
        Ok(())
    }
}
