//! The `deliveries` table.

use sea_orm::entity::prelude::*;

/// A delivery of an order's lines.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "deliveries")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub order_id: Uuid,
    pub seller_id: Uuid,
    pub status: String,
    pub shipping_carrier_id: Option<Uuid>,
    pub tracking_number: Option<String>,
    pub shipped_at: Option<DateTimeUtc>,
    pub delivered_at: Option<DateTimeUtc>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

/// Relations are enforced by foreign keys in the schema.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
