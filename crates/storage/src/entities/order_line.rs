//! The `order_lines` table.

use sea_orm::entity::prelude::*;

/// One order line snapshot; add-ons and the trial policy are JSON text.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "order_lines")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub order_id: Uuid,
    pub position: i32,
    pub product_id: Uuid,
    pub variant_id: Option<Uuid>,
    pub title: String,
    pub variant_title: Option<String>,
    pub sku: Option<String>,
    pub unit_price: i64,
    pub quantity: i64,
    pub add_ons: String,
    pub rental_start: Option<Date>,
    pub rental_end: Option<Date>,
    pub line_total: i64,
    pub stock_held: bool,
    pub trial_policy: Option<String>,
}

/// Relations are enforced by foreign keys in the schema.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
