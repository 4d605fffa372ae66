//! Catalog content rules the first catalog schema left to the application: one review per buyer
//! and product (a unique index, so a race between two submissions cannot slip past the check),
//! and the indexes that collection trees, review authors and landing-page lists filter on.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Reviews {
    Table,
    ProductId,
    AuthorId,
}

#[derive(DeriveIden)]
enum Collections {
    Table,
    ParentId,
}

#[derive(DeriveIden)]
enum LandingPages {
    Table,
    ProductId,
    OwnerId,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_index(
                Index::create()
                    .name("idx_reviews_product_author")
                    .table(Reviews::Table)
                    .col(Reviews::ProductId)
                    .col(Reviews::AuthorId)
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_reviews_author")
                    .table(Reviews::Table)
                    .col(Reviews::AuthorId)
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_collections_parent")
                    .table(Collections::Table)
                    .col(Collections::ParentId)
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_landing_pages_product")
                    .table(LandingPages::Table)
                    .col(LandingPages::ProductId)
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_landing_pages_owner")
                    .table(LandingPages::Table)
                    .col(LandingPages::OwnerId)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for (name, table) in [
            ("idx_landing_pages_owner", LandingPages::Table.into_iden()),
            ("idx_landing_pages_product", LandingPages::Table.into_iden()),
            ("idx_collections_parent", Collections::Table.into_iden()),
            ("idx_reviews_author", Reviews::Table.into_iden()),
            ("idx_reviews_product_author", Reviews::Table.into_iden()),
        ] {
            manager.drop_index(Index::drop().name(name).table(table).to_owned()).await?;
        }
        Ok(())
    }
}
