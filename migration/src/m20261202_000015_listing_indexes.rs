//! The public catalog by category, from one covering index: a category page (which includes the
//! category's subtree) counts its products, filters them by price and finds its newest twenty
//! from the index alone, instead of reading every product row of the subtree and sorting them.
//!
//! The plain `idx_products_category` goes: with it beside this index the SQLite planner reads the
//! page through the plain one (and every row); without it, the rare lookups by category outside
//! the public listing (an admin deleting or merging a category, an owner's own drafts in a
//! category) scan the products table instead.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

/// The public listing's scope, exactly as `idx_products_public_created` and the product query
/// write it, so both planners match the partial index.
const PUBLIC_CATEGORY: &str = "CREATE INDEX idx_products_public_category
    ON products (category_id, created_at DESC, id DESC, price, currency)
    WHERE deleted_at IS NULL AND status = 'published' AND admin_status = 'approved'
    AND visibility IN ('both', 'catalog')";

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let conn = manager.get_connection();
        conn.execute_unprepared(PUBLIC_CATEGORY).await?;
        conn.execute_unprepared("DROP INDEX IF EXISTS idx_products_category").await.map(|_| ())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let conn = manager.get_connection();
        conn.execute_unprepared("CREATE INDEX idx_products_category ON products (category_id)").await?;
        conn.execute_unprepared("DROP INDEX IF EXISTS idx_products_public_category").await.map(|_| ())
    }
}
