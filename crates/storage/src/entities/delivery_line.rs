//! The `delivery_lines` table.

use sea_orm::entity::prelude::*;

/// Units of one order line in a delivery.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "delivery_lines")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub delivery_id: Uuid,
    #[sea_orm(primary_key, auto_increment = false)]
    pub line_id: Uuid,
    pub quantity: i64,
}

/// Relations are enforced by foreign keys in the schema.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
