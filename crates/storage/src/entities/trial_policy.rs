//! The `trial_policies` table.

use sea_orm::entity::prelude::*;

/// A product's trial policy; `penalty_value` is minor units (flat) or basis points (percentage).
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "trial_policies")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub product_id: Uuid,
    pub trial_days: i32,
    pub penalty_type: String,
    pub penalty_value: i64,
    pub return_window_hours: i32,
    pub enabled: bool,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

/// Relations are enforced by foreign keys in the schema.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
