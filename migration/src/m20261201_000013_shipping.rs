//! Shipping: carriers, shipping rates (a seller's or platform-wide), the deliveries an order's
//! lines are split into, and carrier tracking events of orders.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden, Clone, Copy)]
enum ShippingCarriers {
    Table,
    Id,
    Name,
    Code,
    Status,
    TrackingUrlTemplate,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden, Clone, Copy)]
enum ShippingRates {
    Table,
    Id,
    Title,
    Currency,
    Price,
    StepPrice,
    AlwaysSelected,
    SellerId,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden, Clone, Copy)]
enum Deliveries {
    Table,
    Id,
    OrderId,
    SellerId,
    Status,
    ShippingCarrierId,
    TrackingNumber,
    ShippedAt,
    DeliveredAt,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden, Clone, Copy)]
enum DeliveryLines {
    Table,
    DeliveryId,
    LineId,
    Quantity,
}

#[derive(DeriveIden, Clone, Copy)]
enum TrackingEvents {
    Table,
    Id,
    OrderId,
    Status,
    Description,
    Location,
    OccurredAt,
    CreatedAt,
}

#[derive(DeriveIden, Clone, Copy)]
enum Orders {
    Table,
    Id,
}

#[derive(DeriveIden, Clone, Copy)]
enum OrderLines {
    Table,
    Id,
}

#[derive(DeriveIden, Clone, Copy)]
enum Users {
    Table,
    Id,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(ShippingCarriers::Table)
                    .col(uuid(ShippingCarriers::Id).primary_key())
                    .col(string_len(ShippingCarriers::Name, 100))
                    .col(string_len(ShippingCarriers::Code, 32).unique_key())
                    .col(string_len(ShippingCarriers::Status, 16))
                    .col(string_len_null(ShippingCarriers::TrackingUrlTemplate, 500))
                    .col(timestamp_with_time_zone(ShippingCarriers::CreatedAt))
                    .col(timestamp_with_time_zone(ShippingCarriers::UpdatedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(ShippingRates::Table)
                    .col(uuid(ShippingRates::Id).primary_key())
                    .col(string_len(ShippingRates::Title, 100))
                    .col(string_len(ShippingRates::Currency, 3))
                    .col(big_integer(ShippingRates::Price))
                    .col(big_integer(ShippingRates::StepPrice))
                    .col(boolean(ShippingRates::AlwaysSelected))
                    .col(uuid_null(ShippingRates::SellerId))
                    .col(timestamp_with_time_zone(ShippingRates::CreatedAt))
                    .col(timestamp_with_time_zone(ShippingRates::UpdatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(ShippingRates::Table, ShippingRates::SellerId)
                            .to(Users::Table, Users::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_shipping_rates_seller")
                    .table(ShippingRates::Table)
                    .col(ShippingRates::SellerId)
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(Deliveries::Table)
                    .col(uuid(Deliveries::Id).primary_key())
                    .col(uuid(Deliveries::OrderId))
                    .col(uuid(Deliveries::SellerId))
                    .col(string_len(Deliveries::Status, 16))
                    .col(uuid_null(Deliveries::ShippingCarrierId))
                    .col(string_len_null(Deliveries::TrackingNumber, 100))
                    .col(timestamp_with_time_zone_null(Deliveries::ShippedAt))
                    .col(timestamp_with_time_zone_null(Deliveries::DeliveredAt))
                    .col(timestamp_with_time_zone(Deliveries::CreatedAt))
                    .col(timestamp_with_time_zone(Deliveries::UpdatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(Deliveries::Table, Deliveries::OrderId)
                            .to(Orders::Table, Orders::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(Deliveries::Table, Deliveries::ShippingCarrierId)
                            .to(ShippingCarriers::Table, ShippingCarriers::Id),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_deliveries_order")
                    .table(Deliveries::Table)
                    .col(Deliveries::OrderId)
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(DeliveryLines::Table)
                    .col(uuid(DeliveryLines::DeliveryId))
                    .col(uuid(DeliveryLines::LineId))
                    .col(big_integer(DeliveryLines::Quantity))
                    .primary_key(Index::create().col(DeliveryLines::DeliveryId).col(DeliveryLines::LineId))
                    .foreign_key(
                        ForeignKey::create()
                            .from(DeliveryLines::Table, DeliveryLines::DeliveryId)
                            .to(Deliveries::Table, Deliveries::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(DeliveryLines::Table, DeliveryLines::LineId)
                            .to(OrderLines::Table, OrderLines::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(TrackingEvents::Table)
                    .col(uuid(TrackingEvents::Id).primary_key())
                    .col(uuid(TrackingEvents::OrderId))
                    .col(string_len(TrackingEvents::Status, 32))
                    .col(string_len(TrackingEvents::Description, 500))
                    .col(string_len_null(TrackingEvents::Location, 200))
                    .col(timestamp_with_time_zone(TrackingEvents::OccurredAt))
                    .col(timestamp_with_time_zone(TrackingEvents::CreatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(TrackingEvents::Table, TrackingEvents::OrderId)
                            .to(Orders::Table, Orders::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_tracking_events_order")
                    .table(TrackingEvents::Table)
                    .col(TrackingEvents::OrderId)
                    .col(TrackingEvents::OccurredAt)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            TrackingEvents::Table.into_iden(),
            DeliveryLines::Table.into_iden(),
            Deliveries::Table.into_iden(),
            ShippingRates::Table.into_iden(),
            ShippingCarriers::Table.into_iden(),
        ] {
            manager.drop_table(Table::drop().table(table).to_owned()).await?;
        }
        Ok(())
    }
}
