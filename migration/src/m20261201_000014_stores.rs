//! Stores: sellers' brands, the stores under them with their sales channels, coverage zones as
//! GeoJSON polygons with indexed bounding boxes, per-store product lists with their
//! synchronisation reports, and the store that fulfils each order.

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
enum Orders {
    Table,
    StoreId,
    SellerId,
}

#[derive(DeriveIden, Clone, Copy)]
enum Brands {
    Table,
    Id,
    SellerId,
    Name,
    Description,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden, Clone, Copy)]
enum Stores {
    Table,
    Id,
    BrandId,
    SellerId,
    Code,
    CodeKey,
    Name,
    City,
    Address,
    Lat,
    Lng,
    SalesChannels,
    Status,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden, Clone, Copy)]
enum StoreZones {
    Table,
    Id,
    StoreId,
    Position,
    Geojson,
    MinLat,
    MaxLat,
    MinLng,
    MaxLng,
}

#[derive(DeriveIden, Clone, Copy)]
enum StoreListItems {
    Table,
    StoreId,
    Sku,
    ListCode,
    ProductId,
    VariantId,
    Price,
    Currency,
    Quantity,
    Available,
    UpdatedAt,
}

#[derive(DeriveIden, Clone, Copy)]
enum StoreSyncs {
    Table,
    Id,
    StoreId,
    ListCode,
    Received,
    Accepted,
    Rejected,
    Unchanged,
    RejectedRows,
    CreatedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Brands::Table)
                    .col(uuid(Brands::Id).primary_key())
                    .col(uuid(Brands::SellerId))
                    .col(string_len(Brands::Name, 200))
                    .col(text_null(Brands::Description))
                    .col(timestamp_with_time_zone(Brands::CreatedAt))
                    .col(timestamp_with_time_zone(Brands::UpdatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(Brands::Table, Brands::SellerId)
                            .to(Users::Table, Users::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_brands_seller")
                    .table(Brands::Table)
                    .col(Brands::SellerId)
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(Stores::Table)
                    .col(uuid(Stores::Id).primary_key())
                    .col(uuid(Stores::BrandId))
                    .col(uuid(Stores::SellerId))
                    .col(string_len(Stores::Code, 64))
                    .col(string_len(Stores::CodeKey, 64))
                    .col(string_len(Stores::Name, 200))
                    .col(string_len(Stores::City, 200))
                    .col(string_len(Stores::Address, 500))
                    .col(double(Stores::Lat))
                    .col(double(Stores::Lng))
                    .col(string_len(Stores::SalesChannels, 200))
                    .col(string_len(Stores::Status, 16))
                    .col(timestamp_with_time_zone(Stores::CreatedAt))
                    .col(timestamp_with_time_zone(Stores::UpdatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(Stores::Table, Stores::BrandId)
                            .to(Brands::Table, Brands::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        for (name, columns, unique) in [
            ("uq_stores_brand_code", vec![Stores::BrandId, Stores::CodeKey], true),
            ("idx_stores_seller", vec![Stores::SellerId], false),
        ] {
            let mut index = Index::create();
            index.name(name).table(Stores::Table);
            for column in columns {
                index.col(column);
            }
            if unique {
                index.unique();
            }
            manager.create_index(index.to_owned()).await?;
        }
        manager
            .create_table(
                Table::create()
                    .table(StoreZones::Table)
                    .col(uuid(StoreZones::Id).primary_key())
                    .col(uuid(StoreZones::StoreId))
                    .col(integer(StoreZones::Position))
                    .col(text(StoreZones::Geojson))
                    .col(double(StoreZones::MinLat))
                    .col(double(StoreZones::MaxLat))
                    .col(double(StoreZones::MinLng))
                    .col(double(StoreZones::MaxLng))
                    .foreign_key(
                        ForeignKey::create()
                            .from(StoreZones::Table, StoreZones::StoreId)
                            .to(Stores::Table, Stores::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        for (name, columns) in [
            ("idx_store_zones_store", vec![StoreZones::StoreId]),
            (
                "idx_store_zones_bbox",
                vec![StoreZones::MinLat, StoreZones::MaxLat, StoreZones::MinLng, StoreZones::MaxLng],
            ),
        ] {
            let mut index = Index::create();
            index.name(name).table(StoreZones::Table);
            for column in columns {
                index.col(column);
            }
            manager.create_index(index.to_owned()).await?;
        }
        manager
            .create_table(
                Table::create()
                    .table(StoreListItems::Table)
                    .col(uuid(StoreListItems::StoreId))
                    .col(string_len(StoreListItems::Sku, 100))
                    .col(string_len(StoreListItems::ListCode, 64))
                    .col(uuid(StoreListItems::ProductId))
                    .col(uuid_null(StoreListItems::VariantId))
                    .col(big_integer(StoreListItems::Price))
                    .col(string_len(StoreListItems::Currency, 3))
                    .col(big_integer(StoreListItems::Quantity))
                    .col(boolean(StoreListItems::Available))
                    .col(timestamp_with_time_zone(StoreListItems::UpdatedAt))
                    .primary_key(Index::create().col(StoreListItems::StoreId).col(StoreListItems::Sku))
                    .foreign_key(
                        ForeignKey::create()
                            .from(StoreListItems::Table, StoreListItems::StoreId)
                            .to(Stores::Table, Stores::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(StoreSyncs::Table)
                    .col(uuid(StoreSyncs::Id).primary_key())
                    .col(uuid(StoreSyncs::StoreId))
                    .col(string_len(StoreSyncs::ListCode, 64))
                    .col(integer(StoreSyncs::Received))
                    .col(integer(StoreSyncs::Accepted))
                    .col(integer(StoreSyncs::Rejected))
                    .col(integer(StoreSyncs::Unchanged))
                    .col(text(StoreSyncs::RejectedRows))
                    .col(timestamp_with_time_zone(StoreSyncs::CreatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(StoreSyncs::Table, StoreSyncs::StoreId)
                            .to(Stores::Table, Stores::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_store_syncs_store")
                    .table(StoreSyncs::Table)
                    .col(StoreSyncs::StoreId)
                    .col(StoreSyncs::CreatedAt)
                    .to_owned(),
            )
            .await?;
        let mut column = uuid_null(Orders::StoreId);
        manager.alter_table(Table::alter().table(Orders::Table).add_column(&mut column).to_owned()).await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_orders_store")
                    .table(Orders::Table)
                    .col(Orders::StoreId)
                    .col(Orders::SellerId)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.drop_index(Index::drop().name("idx_orders_store").table(Orders::Table).to_owned()).await?;
        manager
            .alter_table(Table::alter().table(Orders::Table).drop_column(Orders::StoreId).to_owned())
            .await?;
        for table in [
            StoreSyncs::Table.into_iden(),
            StoreListItems::Table.into_iden(),
            StoreZones::Table.into_iden(),
            Stores::Table.into_iden(),
            Brands::Table.into_iden(),
        ] {
            manager.drop_table(Table::drop().table(table).to_owned()).await?;
        }
        Ok(())
    }
}
