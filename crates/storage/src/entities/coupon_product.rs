//! The `coupon_products` table.

use sea_orm::entity::prelude::*;

/// A product a coupon is scoped to.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "coupon_products")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub coupon_id: Uuid,
    #[sea_orm(primary_key, auto_increment = false)]
    pub product_id: Uuid,
}

/// Relations are enforced by foreign keys in the schema.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
