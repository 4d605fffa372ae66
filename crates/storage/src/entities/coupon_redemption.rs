//! The `coupon_redemptions` table.

use sea_orm::entity::prelude::*;

/// One use of a coupon: by an order (with its buyer) or in store (with the customer's uid).
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "coupon_redemptions")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub coupon_id: Uuid,
    pub order_id: Option<Uuid>,
    pub buyer_id: Option<Uuid>,
    pub uid: Option<String>,
    pub created_at: DateTimeUtc,
}

/// Relations are enforced by foreign keys in the schema.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
