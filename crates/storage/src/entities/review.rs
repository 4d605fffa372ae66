//! The `reviews` table.

use sea_orm::entity::prelude::*;

/// One review row (its images live in `file_links` with `fileable_type = 'review'`).
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "reviews")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub product_id: Uuid,
    pub author_id: Uuid,
    pub rating: i32,
    #[sea_orm(column_type = "Text")]
    pub content: String,
    pub status: String,
    pub verified_purchase: bool,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

/// Relations are enforced by foreign keys in the schema.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
