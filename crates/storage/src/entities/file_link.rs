//! The `file_links` table.

use sea_orm::entity::prelude::*;

/// A file attached to an object (`product`, `variant`, `review`, ...).
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "file_links")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub file_id: Uuid,
    #[sea_orm(primary_key, auto_increment = false)]
    pub fileable_type: String,
    #[sea_orm(primary_key, auto_increment = false)]
    pub fileable_id: Uuid,
    pub role: Option<String>,
    pub position: i32,
    pub alt: Option<String>,
    pub created_at: DateTimeUtc,
}

/// Relations are enforced by foreign keys in the schema.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
