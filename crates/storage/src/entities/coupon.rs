//! The `coupons` table.

use sea_orm::entity::prelude::*;

/// One seller's coupon; `value` is basis points (percentage) or minor units (fixed).
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "coupons")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub seller_id: Uuid,
    pub code: String,
    pub code_key: String,
    pub kind: String,
    pub value: i64,
    pub currency: Option<String>,
    pub starts_at: Option<DateTimeUtc>,
    pub ends_at: Option<DateTimeUtc>,
    pub max_redemptions: Option<i64>,
    pub per_customer_limit: Option<i64>,
    pub min_subtotal: Option<i64>,
    pub redemptions: i64,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

/// Relations are enforced by foreign keys in the schema.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
