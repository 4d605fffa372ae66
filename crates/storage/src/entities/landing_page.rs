//! The `landing_pages` table.

use sea_orm::entity::prelude::*;

/// One landing page row.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "landing_pages")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub owner_id: Uuid,
    pub product_id: Uuid,
    pub title: String,
    #[sea_orm(unique)]
    pub slug: String,
    pub meta_description: Option<String>,
    pub lang: String,
    pub cod_type: String,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

/// Relations are enforced by foreign keys in the schema.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
