//! The catalog: products with options, variants, add-ons, properties, trial policies and rental
//! terms; seller-unique SKUs; file links; product metafields; collections, reviews and landing
//! pages; and full-text search (a generated `tsvector` with a GIN index on PostgreSQL, FTS5 kept
//! by triggers on SQLite, both inside the writing transaction).

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;
use sea_orm_migration::sea_orm::{ConnectionTrait, DatabaseBackend};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden, Clone, Copy)]
enum Users {
    Table,
    Id,
}

#[derive(DeriveIden, Clone, Copy)]
enum Categories {
    Table,
    Id,
}

#[derive(DeriveIden, Clone, Copy)]
enum Files {
    Table,
    Id,
}

#[derive(DeriveIden, Clone, Copy)]
enum Products {
    Table,
    Id,
    SellerId,
    Title,
    Slug,
    Description,
    PageTitle,
    MetaDescription,
    CategoryId,
    Condition,
    Status,
    Visibility,
    AdminStatus,
    AdminStatusReason,
    IsDigital,
    RequiresShipping,
    Currency,
    Price,
    ComparePrice,
    Sku,
    Quantity,
    StockTracked,
    AllowOrderWhenOos,
    MinQty,
    WeightGrams,
    Location,
    City,
    State,
    Country,
    Lat,
    Lng,
    ExternalId,
    OnHomepage,
    DeletedAt,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden, Clone, Copy)]
enum ProductOptions {
    Table,
    Id,
    ProductId,
    Name,
    OptionValues,
    Position,
}

#[derive(DeriveIden, Clone, Copy)]
enum Variants {
    Table,
    Id,
    ProductId,
    Title,
    Sku,
    Price,
    ComparePrice,
    Quantity,
    WeightGrams,
    OptionValues,
    ImageFileId,
    Position,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden, Clone, Copy)]
enum AddOns {
    Table,
    Id,
    ProductId,
    Title,
    Description,
    Price,
    Position,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden, Clone, Copy)]
enum ProductProperties {
    Table,
    Id,
    ProductId,
    Name,
    Value,
    Position,
}

#[derive(DeriveIden, Clone, Copy)]
enum TrialPolicies {
    Table,
    ProductId,
    TrialDays,
    PenaltyType,
    PenaltyValue,
    ReturnWindowHours,
    Enabled,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden, Clone, Copy)]
enum RentalTerms {
    Table,
    ProductId,
    DailyRate,
    LateFeePerDay,
    Deposit,
    Available,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden, Clone, Copy)]
enum Skus {
    Table,
    SellerId,
    Sku,
    ProductId,
    VariantId,
}

#[derive(DeriveIden, Clone, Copy)]
enum FileLinks {
    Table,
    FileId,
    FileableType,
    FileableId,
    Role,
    Position,
    Alt,
    CreatedAt,
}

#[derive(DeriveIden, Clone, Copy)]
enum ProductMetafields {
    Table,
    Id,
    ProductId,
    Namespace,
    Key,
    Value,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden, Clone, Copy)]
enum Collections {
    Table,
    Id,
    Handle,
    Title,
    Metadata,
    ParentId,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden, Clone, Copy)]
enum CollectionProducts {
    Table,
    CollectionId,
    ProductId,
    Position,
}

#[derive(DeriveIden, Clone, Copy)]
enum Reviews {
    Table,
    Id,
    ProductId,
    AuthorId,
    Rating,
    Content,
    Status,
    VerifiedPurchase,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden, Clone, Copy)]
enum LandingPages {
    Table,
    Id,
    OwnerId,
    ProductId,
    Title,
    Slug,
    MetaDescription,
    Lang,
    CodType,
    CreatedAt,
    UpdatedAt,
}

fn cascade(
    from: impl IntoIden,
    column: impl IntoIden,
    to: impl IntoIden,
    to_column: impl IntoIden,
) -> ForeignKeyCreateStatement {
    ForeignKey::create().from(from, column).to(to, to_column).on_delete(ForeignKeyAction::Cascade).to_owned()
}

fn index(name: &str, table: impl IntoIden, columns: Vec<DynIden>) -> IndexCreateStatement {
    let mut statement = Index::create().name(name).table(table).to_owned();
    for column in columns {
        statement.col(column);
    }
    statement
}

/// SQLite's search index: an FTS5 table keyed by a stable integer per product (rowids of tables
/// without an integer key may change on `VACUUM`), kept by triggers.
const SQLITE_SEARCH: &[&str] = &[
    "CREATE TABLE product_search_rows (rowid INTEGER PRIMARY KEY, product_id BLOB NOT NULL UNIQUE)",
    "CREATE VIRTUAL TABLE products_fts USING fts5(title, description, slug, tokenize = 'porter unicode61')",
    "CREATE TRIGGER products_fts_insert AFTER INSERT ON products BEGIN
        INSERT INTO product_search_rows (product_id) VALUES (new.id);
        INSERT INTO products_fts (rowid, title, description, slug)
            VALUES ((SELECT rowid FROM product_search_rows WHERE product_id = new.id),
                    new.title, coalesce(new.description, ''), new.slug);
     END",
    "CREATE TRIGGER products_fts_update AFTER UPDATE OF title, description, slug ON products BEGIN
        DELETE FROM products_fts WHERE rowid = (SELECT rowid FROM product_search_rows WHERE product_id = old.id);
        INSERT INTO products_fts (rowid, title, description, slug)
            VALUES ((SELECT rowid FROM product_search_rows WHERE product_id = new.id),
                    new.title, coalesce(new.description, ''), new.slug);
     END",
    "CREATE TRIGGER products_fts_delete AFTER DELETE ON products BEGIN
        DELETE FROM products_fts WHERE rowid = (SELECT rowid FROM product_search_rows WHERE product_id = old.id);
        DELETE FROM product_search_rows WHERE product_id = old.id;
     END",
];

/// PostgreSQL's search index: a generated, weighted `tsvector` (title over slug over description)
/// with a GIN index.
const POSTGRES_SEARCH: &[&str] = &[
    "ALTER TABLE products ADD COLUMN search_vector tsvector GENERATED ALWAYS AS (
        setweight(to_tsvector('english', coalesce(title, '')), 'A') ||
        setweight(to_tsvector('english', replace(coalesce(slug, ''), '-', ' ')), 'B') ||
        setweight(to_tsvector('english', coalesce(description, '')), 'C')) STORED",
    "CREATE INDEX idx_products_search ON products USING GIN (search_vector)",
];

/// Partial indexes of the public listing (published, approved, listed in the catalog, not
/// deleted) by the two common orders; the count of a public page is an index-only scan.
const PUBLIC_LISTING: &[&str] = &[
    "CREATE INDEX idx_products_public_created ON products (created_at DESC, id DESC)
        WHERE deleted_at IS NULL AND status = 'published' AND admin_status = 'approved'
        AND visibility IN ('both', 'catalog')",
    "CREATE INDEX idx_products_public_price ON products (price, id)
        WHERE deleted_at IS NULL AND status = 'published' AND admin_status = 'approved'
        AND visibility IN ('both', 'catalog')",
];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Products::Table)
                    .col(uuid(Products::Id).primary_key())
                    .col(uuid(Products::SellerId))
                    .col(string_len(Products::Title, 100))
                    .col(string_len_uniq(Products::Slug, 120))
                    .col(text_null(Products::Description))
                    .col(string_len_null(Products::PageTitle, 200))
                    .col(string_len_null(Products::MetaDescription, 500))
                    .col(uuid_null(Products::CategoryId))
                    .col(string_len(Products::Condition, 16))
                    .col(string_len(Products::Status, 16))
                    .col(string_len(Products::Visibility, 16))
                    .col(string_len(Products::AdminStatus, 16))
                    .col(string_len_null(Products::AdminStatusReason, 500))
                    .col(boolean(Products::IsDigital))
                    .col(boolean(Products::RequiresShipping))
                    .col(string_len(Products::Currency, 3))
                    .col(big_integer(Products::Price))
                    .col(big_integer_null(Products::ComparePrice))
                    .col(string_len_null(Products::Sku, 64))
                    .col(big_integer(Products::Quantity))
                    .col(boolean(Products::StockTracked))
                    .col(boolean(Products::AllowOrderWhenOos))
                    .col(integer(Products::MinQty))
                    .col(big_integer_null(Products::WeightGrams))
                    .col(string_len_null(Products::Location, 200))
                    .col(string_len_null(Products::City, 100))
                    .col(string_len_null(Products::State, 100))
                    .col(string_len_null(Products::Country, 2))
                    .col(double_null(Products::Lat))
                    .col(double_null(Products::Lng))
                    .col(string_len_null(Products::ExternalId, 100))
                    .col(boolean(Products::OnHomepage))
                    .col(timestamp_with_time_zone_null(Products::DeletedAt))
                    .col(timestamp_with_time_zone(Products::CreatedAt))
                    .col(timestamp_with_time_zone(Products::UpdatedAt))
                    .foreign_key(&mut cascade(Products::Table, Products::SellerId, Users::Table, Users::Id))
                    .foreign_key(
                        ForeignKey::create()
                            .from(Products::Table, Products::CategoryId)
                            .to(Categories::Table, Categories::Id)
                            .on_delete(ForeignKeyAction::Restrict),
                    )
                    .to_owned(),
            )
            .await?;
        for (name, columns) in [
            ("idx_products_seller", vec![Products::SellerId.into_iden(), Products::CreatedAt.into_iden()]),
            ("idx_products_category", vec![Products::CategoryId.into_iden()]),
            ("idx_products_created", vec![Products::CreatedAt.into_iden(), Products::Id.into_iden()]),
            ("idx_products_price", vec![Products::Price.into_iden()]),
            ("idx_products_title", vec![Products::Title.into_iden()]),
        ] {
            manager.create_index(index(name, Products::Table, columns)).await?;
        }

        manager
            .create_table(
                Table::create()
                    .table(ProductOptions::Table)
                    .col(uuid(ProductOptions::Id).primary_key())
                    .col(uuid(ProductOptions::ProductId))
                    .col(string_len(ProductOptions::Name, 100))
                    .col(text(ProductOptions::OptionValues))
                    .col(integer(ProductOptions::Position))
                    .foreign_key(&mut cascade(
                        ProductOptions::Table,
                        ProductOptions::ProductId,
                        Products::Table,
                        Products::Id,
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index(
                "idx_product_options_product",
                ProductOptions::Table,
                vec![ProductOptions::ProductId.into_iden()],
            ))
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(Variants::Table)
                    .col(uuid(Variants::Id).primary_key())
                    .col(uuid(Variants::ProductId))
                    .col(string_len(Variants::Title, 200))
                    .col(string_len_null(Variants::Sku, 64))
                    .col(big_integer(Variants::Price))
                    .col(big_integer_null(Variants::ComparePrice))
                    .col(big_integer(Variants::Quantity))
                    .col(big_integer_null(Variants::WeightGrams))
                    .col(text(Variants::OptionValues))
                    .col(uuid_null(Variants::ImageFileId))
                    .col(integer(Variants::Position))
                    .col(timestamp_with_time_zone(Variants::CreatedAt))
                    .col(timestamp_with_time_zone(Variants::UpdatedAt))
                    .foreign_key(&mut cascade(
                        Variants::Table,
                        Variants::ProductId,
                        Products::Table,
                        Products::Id,
                    ))
                    .foreign_key(
                        ForeignKey::create()
                            .from(Variants::Table, Variants::ImageFileId)
                            .to(Files::Table, Files::Id)
                            .on_delete(ForeignKeyAction::SetNull),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index(
                "idx_variants_product",
                Variants::Table,
                vec![Variants::ProductId.into_iden()],
            ))
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(AddOns::Table)
                    .col(uuid(AddOns::Id).primary_key())
                    .col(uuid(AddOns::ProductId))
                    .col(string_len(AddOns::Title, 100))
                    .col(text_null(AddOns::Description))
                    .col(big_integer(AddOns::Price))
                    .col(integer(AddOns::Position))
                    .col(timestamp_with_time_zone(AddOns::CreatedAt))
                    .col(timestamp_with_time_zone(AddOns::UpdatedAt))
                    .foreign_key(&mut cascade(
                        AddOns::Table,
                        AddOns::ProductId,
                        Products::Table,
                        Products::Id,
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index("idx_add_ons_product", AddOns::Table, vec![AddOns::ProductId.into_iden()]))
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(ProductProperties::Table)
                    .col(uuid(ProductProperties::Id).primary_key())
                    .col(uuid(ProductProperties::ProductId))
                    .col(string_len(ProductProperties::Name, 100))
                    .col(string_len(ProductProperties::Value, 500))
                    .col(integer(ProductProperties::Position))
                    .foreign_key(&mut cascade(
                        ProductProperties::Table,
                        ProductProperties::ProductId,
                        Products::Table,
                        Products::Id,
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index(
                "idx_product_properties_product",
                ProductProperties::Table,
                vec![ProductProperties::ProductId.into_iden()],
            ))
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(TrialPolicies::Table)
                    .col(uuid(TrialPolicies::ProductId).primary_key())
                    .col(integer(TrialPolicies::TrialDays))
                    .col(string_len(TrialPolicies::PenaltyType, 16))
                    .col(big_integer(TrialPolicies::PenaltyValue))
                    .col(integer(TrialPolicies::ReturnWindowHours))
                    .col(boolean(TrialPolicies::Enabled))
                    .col(timestamp_with_time_zone(TrialPolicies::CreatedAt))
                    .col(timestamp_with_time_zone(TrialPolicies::UpdatedAt))
                    .foreign_key(&mut cascade(
                        TrialPolicies::Table,
                        TrialPolicies::ProductId,
                        Products::Table,
                        Products::Id,
                    ))
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(RentalTerms::Table)
                    .col(uuid(RentalTerms::ProductId).primary_key())
                    .col(big_integer(RentalTerms::DailyRate))
                    .col(big_integer(RentalTerms::LateFeePerDay))
                    .col(big_integer(RentalTerms::Deposit))
                    .col(boolean(RentalTerms::Available))
                    .col(timestamp_with_time_zone(RentalTerms::CreatedAt))
                    .col(timestamp_with_time_zone(RentalTerms::UpdatedAt))
                    .foreign_key(&mut cascade(
                        RentalTerms::Table,
                        RentalTerms::ProductId,
                        Products::Table,
                        Products::Id,
                    ))
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(Skus::Table)
                    .col(uuid(Skus::SellerId))
                    .col(string_len(Skus::Sku, 64))
                    .col(uuid(Skus::ProductId))
                    .col(uuid_null(Skus::VariantId))
                    .primary_key(Index::create().col(Skus::SellerId).col(Skus::Sku))
                    .foreign_key(&mut cascade(Skus::Table, Skus::ProductId, Products::Table, Products::Id))
                    .foreign_key(&mut cascade(Skus::Table, Skus::VariantId, Variants::Table, Variants::Id))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index("idx_skus_product", Skus::Table, vec![Skus::ProductId.into_iden()]))
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(FileLinks::Table)
                    .col(uuid(FileLinks::FileId))
                    .col(string_len(FileLinks::FileableType, 32))
                    .col(uuid(FileLinks::FileableId))
                    .col(string_len_null(FileLinks::Role, 32))
                    .col(integer(FileLinks::Position))
                    .col(string_len_null(FileLinks::Alt, 300))
                    .col(timestamp_with_time_zone(FileLinks::CreatedAt))
                    .primary_key(
                        Index::create()
                            .col(FileLinks::FileId)
                            .col(FileLinks::FileableType)
                            .col(FileLinks::FileableId),
                    )
                    .foreign_key(&mut cascade(FileLinks::Table, FileLinks::FileId, Files::Table, Files::Id))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index(
                "idx_file_links_fileable",
                FileLinks::Table,
                vec![FileLinks::FileableType.into_iden(), FileLinks::FileableId.into_iden()],
            ))
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(ProductMetafields::Table)
                    .col(uuid(ProductMetafields::Id).primary_key())
                    .col(uuid(ProductMetafields::ProductId))
                    .col(string_len(ProductMetafields::Namespace, 64))
                    .col(string_len(ProductMetafields::Key, 64))
                    .col(text(ProductMetafields::Value))
                    .col(timestamp_with_time_zone(ProductMetafields::CreatedAt))
                    .col(timestamp_with_time_zone(ProductMetafields::UpdatedAt))
                    .foreign_key(&mut cascade(
                        ProductMetafields::Table,
                        ProductMetafields::ProductId,
                        Products::Table,
                        Products::Id,
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                index(
                    "idx_product_metafields_key",
                    ProductMetafields::Table,
                    vec![
                        ProductMetafields::ProductId.into_iden(),
                        ProductMetafields::Namespace.into_iden(),
                        ProductMetafields::Key.into_iden(),
                    ],
                )
                .unique()
                .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(Collections::Table)
                    .col(uuid(Collections::Id).primary_key())
                    .col(string_len_uniq(Collections::Handle, 120))
                    .col(string_len(Collections::Title, 200))
                    .col(text_null(Collections::Metadata))
                    .col(uuid_null(Collections::ParentId))
                    .col(timestamp_with_time_zone(Collections::CreatedAt))
                    .col(timestamp_with_time_zone(Collections::UpdatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(Collections::Table, Collections::ParentId)
                            .to(Collections::Table, Collections::Id)
                            .on_delete(ForeignKeyAction::Restrict),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(CollectionProducts::Table)
                    .col(uuid(CollectionProducts::CollectionId))
                    .col(uuid(CollectionProducts::ProductId))
                    .col(integer(CollectionProducts::Position))
                    .primary_key(
                        Index::create()
                            .col(CollectionProducts::CollectionId)
                            .col(CollectionProducts::ProductId),
                    )
                    .foreign_key(&mut cascade(
                        CollectionProducts::Table,
                        CollectionProducts::CollectionId,
                        Collections::Table,
                        Collections::Id,
                    ))
                    .foreign_key(&mut cascade(
                        CollectionProducts::Table,
                        CollectionProducts::ProductId,
                        Products::Table,
                        Products::Id,
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index(
                "idx_collection_products_product",
                CollectionProducts::Table,
                vec![CollectionProducts::ProductId.into_iden()],
            ))
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(Reviews::Table)
                    .col(uuid(Reviews::Id).primary_key())
                    .col(uuid(Reviews::ProductId))
                    .col(uuid(Reviews::AuthorId))
                    .col(integer(Reviews::Rating))
                    .col(text(Reviews::Content))
                    .col(string_len(Reviews::Status, 16))
                    .col(boolean(Reviews::VerifiedPurchase))
                    .col(timestamp_with_time_zone(Reviews::CreatedAt))
                    .col(timestamp_with_time_zone(Reviews::UpdatedAt))
                    .foreign_key(&mut cascade(
                        Reviews::Table,
                        Reviews::ProductId,
                        Products::Table,
                        Products::Id,
                    ))
                    .foreign_key(&mut cascade(Reviews::Table, Reviews::AuthorId, Users::Table, Users::Id))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index(
                "idx_reviews_product",
                Reviews::Table,
                vec![Reviews::ProductId.into_iden(), Reviews::Status.into_iden()],
            ))
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(LandingPages::Table)
                    .col(uuid(LandingPages::Id).primary_key())
                    .col(uuid(LandingPages::OwnerId))
                    .col(uuid(LandingPages::ProductId))
                    .col(string_len(LandingPages::Title, 200))
                    .col(string_len_uniq(LandingPages::Slug, 120))
                    .col(string_len_null(LandingPages::MetaDescription, 500))
                    .col(string_len(LandingPages::Lang, 16))
                    .col(string_len(LandingPages::CodType, 16))
                    .col(timestamp_with_time_zone(LandingPages::CreatedAt))
                    .col(timestamp_with_time_zone(LandingPages::UpdatedAt))
                    .foreign_key(&mut cascade(
                        LandingPages::Table,
                        LandingPages::OwnerId,
                        Users::Table,
                        Users::Id,
                    ))
                    .foreign_key(&mut cascade(
                        LandingPages::Table,
                        LandingPages::ProductId,
                        Products::Table,
                        Products::Id,
                    ))
                    .to_owned(),
            )
            .await?;

        let search = match manager.get_database_backend() {
            DatabaseBackend::Postgres => POSTGRES_SEARCH,
            _ => SQLITE_SEARCH,
        };
        for statement in search.iter().chain(PUBLIC_LISTING) {
            manager.get_connection().execute_unprepared(statement).await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        if manager.get_database_backend() == DatabaseBackend::Sqlite {
            for statement in [
                "DROP TRIGGER IF EXISTS products_fts_insert",
                "DROP TRIGGER IF EXISTS products_fts_update",
                "DROP TRIGGER IF EXISTS products_fts_delete",
                "DROP TABLE IF EXISTS products_fts",
                "DROP TABLE IF EXISTS product_search_rows",
            ] {
                manager.get_connection().execute_unprepared(statement).await?;
            }
        }
        for table in [
            LandingPages::Table.into_iden(),
            Reviews::Table.into_iden(),
            CollectionProducts::Table.into_iden(),
            Collections::Table.into_iden(),
            ProductMetafields::Table.into_iden(),
            FileLinks::Table.into_iden(),
            Skus::Table.into_iden(),
            RentalTerms::Table.into_iden(),
            TrialPolicies::Table.into_iden(),
            ProductProperties::Table.into_iden(),
            AddOns::Table.into_iden(),
            Variants::Table.into_iden(),
            ProductOptions::Table.into_iden(),
            Products::Table.into_iden(),
        ] {
            manager.drop_table(Table::drop().table(table).to_owned()).await?;
        }
        Ok(())
    }
}
