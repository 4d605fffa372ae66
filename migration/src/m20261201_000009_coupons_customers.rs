//! Coupons and customers: sellers' coupons with their product scope and every redemption (by an
//! order or in store by uid), sellers' customer records, order metafields, and on orders the
//! customer, the coupon code and where the order was made.

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
    Id,
}

#[derive(DeriveIden, Clone, Copy)]
enum Orders {
    Table,
    Id,
    CustomerId,
    CouponCode,
    Source,
    SellerId,
}

#[derive(DeriveIden, Clone, Copy)]
enum Coupons {
    Table,
    Id,
    SellerId,
    Code,
    CodeKey,
    Kind,
    Value,
    Currency,
    StartsAt,
    EndsAt,
    MaxRedemptions,
    PerCustomerLimit,
    MinSubtotal,
    Redemptions,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden, Clone, Copy)]
enum CouponProducts {
    Table,
    CouponId,
    ProductId,
}

#[derive(DeriveIden, Clone, Copy)]
enum CouponRedemptions {
    Table,
    Id,
    CouponId,
    OrderId,
    BuyerId,
    Uid,
    CreatedAt,
}

#[derive(DeriveIden, Clone, Copy)]
enum Customers {
    Table,
    Id,
    SellerId,
    UserId,
    Email,
    EmailKey,
    Name,
    Phone,
    Address,
    City,
    PostalCode,
    Country,
    SubscriptionStatus,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden, Clone, Copy)]
enum OrderMetafields {
    Table,
    Id,
    OrderId,
    Namespace,
    Key,
    Value,
    CreatedAt,
    UpdatedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // SQLite alters one column per statement.
        for column in [
            uuid_null(Orders::CustomerId),
            string_len_null(Orders::CouponCode, 64),
            string_len(Orders::Source, 16).default("checkout").to_owned(),
        ] {
            let mut column = column;
            manager
                .alter_table(Table::alter().table(Orders::Table).add_column(&mut column).to_owned())
                .await?;
        }
        manager
            .create_index(
                Index::create()
                    .name("idx_orders_customer")
                    .table(Orders::Table)
                    .col(Orders::CustomerId)
                    .col(Orders::SellerId)
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(Coupons::Table)
                    .col(uuid(Coupons::Id).primary_key())
                    .col(uuid(Coupons::SellerId))
                    .col(string_len(Coupons::Code, 64))
                    .col(string_len(Coupons::CodeKey, 64))
                    .col(string_len(Coupons::Kind, 16))
                    .col(big_integer(Coupons::Value))
                    .col(string_len_null(Coupons::Currency, 3))
                    .col(timestamp_with_time_zone_null(Coupons::StartsAt))
                    .col(timestamp_with_time_zone_null(Coupons::EndsAt))
                    .col(big_integer_null(Coupons::MaxRedemptions))
                    .col(big_integer_null(Coupons::PerCustomerLimit))
                    .col(big_integer_null(Coupons::MinSubtotal))
                    .col(big_integer(Coupons::Redemptions).default(0))
                    .col(timestamp_with_time_zone(Coupons::CreatedAt))
                    .col(timestamp_with_time_zone(Coupons::UpdatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(Coupons::Table, Coupons::SellerId)
                            .to(Users::Table, Users::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("uq_coupons_seller_code")
                    .table(Coupons::Table)
                    .col(Coupons::SellerId)
                    .col(Coupons::CodeKey)
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_coupons_code")
                    .table(Coupons::Table)
                    .col(Coupons::CodeKey)
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(CouponProducts::Table)
                    .col(uuid(CouponProducts::CouponId))
                    .col(uuid(CouponProducts::ProductId))
                    .primary_key(Index::create().col(CouponProducts::CouponId).col(CouponProducts::ProductId))
                    .foreign_key(
                        ForeignKey::create()
                            .from(CouponProducts::Table, CouponProducts::CouponId)
                            .to(Coupons::Table, Coupons::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(CouponProducts::Table, CouponProducts::ProductId)
                            .to(Products::Table, Products::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(CouponRedemptions::Table)
                    .col(uuid(CouponRedemptions::Id).primary_key())
                    .col(uuid(CouponRedemptions::CouponId))
                    .col(uuid_null(CouponRedemptions::OrderId))
                    .col(uuid_null(CouponRedemptions::BuyerId))
                    .col(string_len_null(CouponRedemptions::Uid, 128))
                    .col(timestamp_with_time_zone(CouponRedemptions::CreatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(CouponRedemptions::Table, CouponRedemptions::CouponId)
                            .to(Coupons::Table, Coupons::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(CouponRedemptions::Table, CouponRedemptions::OrderId)
                            .to(Orders::Table, Orders::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        for (name, columns, unique) in [
            ("uq_coupon_redemptions_uid", vec![CouponRedemptions::CouponId, CouponRedemptions::Uid], true),
            (
                "idx_coupon_redemptions_buyer",
                vec![CouponRedemptions::CouponId, CouponRedemptions::BuyerId],
                false,
            ),
            ("idx_coupon_redemptions_order", vec![CouponRedemptions::OrderId], false),
        ] {
            let mut index = Index::create().name(name).table(CouponRedemptions::Table).to_owned();
            for column in columns {
                index.col(column);
            }
            if unique {
                index.unique();
            }
            manager.create_index(index).await?;
        }

        manager
            .create_table(
                Table::create()
                    .table(Customers::Table)
                    .col(uuid(Customers::Id).primary_key())
                    .col(uuid(Customers::SellerId))
                    .col(uuid_null(Customers::UserId))
                    .col(string_len(Customers::Email, 254))
                    .col(string_len(Customers::EmailKey, 254))
                    .col(string_len_null(Customers::Name, 200))
                    .col(string_len_null(Customers::Phone, 32))
                    .col(string_len_null(Customers::Address, 300))
                    .col(string_len_null(Customers::City, 100))
                    .col(string_len_null(Customers::PostalCode, 20))
                    .col(string_len_null(Customers::Country, 2))
                    .col(string_len(Customers::SubscriptionStatus, 16))
                    .col(timestamp_with_time_zone(Customers::CreatedAt))
                    .col(timestamp_with_time_zone(Customers::UpdatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(Customers::Table, Customers::SellerId)
                            .to(Users::Table, Users::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        for (name, columns, unique) in [
            ("uq_customers_seller_email", vec![Customers::SellerId, Customers::EmailKey], true),
            ("idx_customers_seller_created", vec![Customers::SellerId, Customers::CreatedAt], false),
        ] {
            let mut index = Index::create().name(name).table(Customers::Table).to_owned();
            for column in columns {
                index.col(column);
            }
            if unique {
                index.unique();
            }
            manager.create_index(index).await?;
        }

        manager
            .create_table(
                Table::create()
                    .table(OrderMetafields::Table)
                    .col(uuid(OrderMetafields::Id).primary_key())
                    .col(uuid(OrderMetafields::OrderId))
                    .col(string_len(OrderMetafields::Namespace, 64))
                    .col(string_len(OrderMetafields::Key, 64))
                    .col(text(OrderMetafields::Value))
                    .col(timestamp_with_time_zone(OrderMetafields::CreatedAt))
                    .col(timestamp_with_time_zone(OrderMetafields::UpdatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(OrderMetafields::Table, OrderMetafields::OrderId)
                            .to(Orders::Table, Orders::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("uq_order_metafields_key")
                    .table(OrderMetafields::Table)
                    .col(OrderMetafields::OrderId)
                    .col(OrderMetafields::Namespace)
                    .col(OrderMetafields::Key)
                    .unique()
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            OrderMetafields::Table.into_iden(),
            Customers::Table.into_iden(),
            CouponRedemptions::Table.into_iden(),
            CouponProducts::Table.into_iden(),
            Coupons::Table.into_iden(),
        ] {
            manager.drop_table(Table::drop().table(table).to_owned()).await?;
        }
        manager.drop_index(Index::drop().name("idx_orders_customer").table(Orders::Table).to_owned()).await?;
        for column in [Orders::Source, Orders::CouponCode, Orders::CustomerId] {
            manager.alter_table(Table::alter().table(Orders::Table).drop_column(column).to_owned()).await?;
        }
        Ok(())
    }
}
