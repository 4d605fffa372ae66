//! Orders: one per seller of a checkout (grouped by `cart_id`), their lines as snapshots, their
//! history, a counter for human order numbers, and reserved stock on products and variants.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden, Clone, Copy)]
enum Users {
    Table,
    Id,
}

#[derive(DeriveIden, Clone, Copy)]
enum Products {
    Table,
    Reserved,
}

#[derive(DeriveIden, Clone, Copy)]
enum Variants {
    Table,
    Reserved,
}

#[derive(DeriveIden, Clone, Copy)]
enum Counters {
    Table,
    Name,
    Value,
}

#[derive(DeriveIden, Clone, Copy)]
enum Orders {
    Table,
    Id,
    Number,
    CartId,
    BuyerId,
    SellerId,
    Status,
    PaymentStatus,
    DeliveryStatus,
    Currency,
    Subtotal,
    Discount,
    Shipping,
    Fee,
    Total,
    Fulfillment,
    ShippingAddress,
    BillingAddress,
    Note,
    IsArchived,
    TrialEndsAt,
    ExpiresAt,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden, Clone, Copy)]
enum OrderLines {
    Table,
    Id,
    OrderId,
    Position,
    ProductId,
    VariantId,
    Title,
    VariantTitle,
    Sku,
    UnitPrice,
    Quantity,
    AddOns,
    RentalStart,
    RentalEnd,
    LineTotal,
    StockHeld,
    TrialPolicy,
}

#[derive(DeriveIden, Clone, Copy)]
enum OrderEvents {
    Table,
    Id,
    OrderId,
    FromStatus,
    ToStatus,
    ActorId,
    Party,
    Reason,
    CreatedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(Products::Table)
                    .add_column(big_integer(Products::Reserved).default(0))
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(Variants::Table)
                    .add_column(big_integer(Variants::Reserved).default(0))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(Counters::Table)
                    .col(string_len(Counters::Name, 32).primary_key())
                    .col(big_integer(Counters::Value))
                    .to_owned(),
            )
            .await?;
        manager
            .exec_stmt(
                Query::insert()
                    .into_table(Counters::Table)
                    .columns([Counters::Name, Counters::Value])
                    .values_panic(["order".into(), 0.into()])
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(Orders::Table)
                    .col(uuid(Orders::Id).primary_key())
                    .col(string_len_uniq(Orders::Number, 32))
                    .col(uuid(Orders::CartId))
                    .col(uuid(Orders::BuyerId))
                    .col(uuid(Orders::SellerId))
                    .col(string_len(Orders::Status, 32))
                    .col(string_len(Orders::PaymentStatus, 32))
                    .col(string_len(Orders::DeliveryStatus, 32))
                    .col(string_len(Orders::Currency, 3))
                    .col(big_integer(Orders::Subtotal))
                    .col(big_integer(Orders::Discount))
                    .col(big_integer(Orders::Shipping))
                    .col(big_integer(Orders::Fee))
                    .col(big_integer(Orders::Total))
                    .col(string_len(Orders::Fulfillment, 16))
                    .col(text(Orders::ShippingAddress))
                    .col(text_null(Orders::BillingAddress))
                    .col(string_len_null(Orders::Note, 1000))
                    .col(boolean(Orders::IsArchived))
                    .col(timestamp_with_time_zone_null(Orders::TrialEndsAt))
                    .col(timestamp_with_time_zone_null(Orders::ExpiresAt))
                    .col(timestamp_with_time_zone(Orders::CreatedAt))
                    .col(timestamp_with_time_zone(Orders::UpdatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(Orders::Table, Orders::BuyerId)
                            .to(Users::Table, Users::Id)
                            .on_delete(ForeignKeyAction::Restrict),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(Orders::Table, Orders::SellerId)
                            .to(Users::Table, Users::Id)
                            .on_delete(ForeignKeyAction::Restrict),
                    )
                    .to_owned(),
            )
            .await?;
        for (name, columns) in [
            ("idx_orders_buyer", vec![Orders::BuyerId, Orders::CreatedAt]),
            ("idx_orders_seller", vec![Orders::SellerId, Orders::CreatedAt]),
            ("idx_orders_cart", vec![Orders::CartId]),
            ("idx_orders_created", vec![Orders::CreatedAt, Orders::Id]),
            ("idx_orders_status_expiry", vec![Orders::Status, Orders::ExpiresAt]),
        ] {
            let mut index = Index::create().name(name).table(Orders::Table).to_owned();
            for column in columns {
                index.col(column);
            }
            manager.create_index(index).await?;
        }
        manager
            .create_table(
                Table::create()
                    .table(OrderLines::Table)
                    .col(uuid(OrderLines::Id).primary_key())
                    .col(uuid(OrderLines::OrderId))
                    .col(integer(OrderLines::Position))
                    .col(uuid(OrderLines::ProductId))
                    .col(uuid_null(OrderLines::VariantId))
                    .col(string_len(OrderLines::Title, 100))
                    .col(string_len_null(OrderLines::VariantTitle, 200))
                    .col(string_len_null(OrderLines::Sku, 64))
                    .col(big_integer(OrderLines::UnitPrice))
                    .col(big_integer(OrderLines::Quantity))
                    .col(text(OrderLines::AddOns))
                    .col(date_null(OrderLines::RentalStart))
                    .col(date_null(OrderLines::RentalEnd))
                    .col(big_integer(OrderLines::LineTotal))
                    .col(boolean(OrderLines::StockHeld))
                    .col(text_null(OrderLines::TrialPolicy))
                    .foreign_key(
                        ForeignKey::create()
                            .from(OrderLines::Table, OrderLines::OrderId)
                            .to(Orders::Table, Orders::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        for (name, columns) in [
            ("idx_order_lines_order", vec![OrderLines::OrderId]),
            ("idx_order_lines_product", vec![OrderLines::ProductId]),
        ] {
            let mut index = Index::create().name(name).table(OrderLines::Table).to_owned();
            for column in columns {
                index.col(column);
            }
            manager.create_index(index).await?;
        }
        manager
            .create_table(
                Table::create()
                    .table(OrderEvents::Table)
                    .col(uuid(OrderEvents::Id).primary_key())
                    .col(uuid(OrderEvents::OrderId))
                    .col(string_len_null(OrderEvents::FromStatus, 32))
                    .col(string_len(OrderEvents::ToStatus, 32))
                    .col(uuid_null(OrderEvents::ActorId))
                    .col(string_len(OrderEvents::Party, 16))
                    .col(string_len_null(OrderEvents::Reason, 500))
                    .col(timestamp_with_time_zone(OrderEvents::CreatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(OrderEvents::Table, OrderEvents::OrderId)
                            .to(Orders::Table, Orders::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_order_events_order")
                    .table(OrderEvents::Table)
                    .col(OrderEvents::OrderId)
                    .col(OrderEvents::CreatedAt)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            OrderEvents::Table.into_iden(),
            OrderLines::Table.into_iden(),
            Orders::Table.into_iden(),
            Counters::Table.into_iden(),
        ] {
            manager.drop_table(Table::drop().table(table).to_owned()).await?;
        }
        manager
            .alter_table(Table::alter().table(Variants::Table).drop_column(Variants::Reserved).to_owned())
            .await?;
        manager
            .alter_table(Table::alter().table(Products::Table).drop_column(Products::Reserved).to_owned())
            .await
    }
}
