//! The `shipping_rates` table.

use sea_orm::entity::prelude::*;

/// A shipping rate; money in minor units of `currency`.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "shipping_rates")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub title: String,
    pub currency: String,
    pub price: i64,
    pub step_price: i64,
    pub always_selected: bool,
    pub seller_id: Option<Uuid>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

/// Relations are enforced by foreign keys in the schema.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
