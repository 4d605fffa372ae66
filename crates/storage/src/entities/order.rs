//! The `orders` table.

use sea_orm::entity::prelude::*;

/// One order row; addresses are JSON text.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "orders")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub number: String,
    pub cart_id: Uuid,
    pub buyer_id: Uuid,
    pub seller_id: Uuid,
    pub customer_id: Option<Uuid>,
    pub coupon_code: Option<String>,
    pub source: String,
    pub status: String,
    pub payment_status: String,
    pub delivery_status: String,
    pub currency: String,
    pub subtotal: i64,
    pub discount: i64,
    pub shipping: i64,
    pub fee: i64,
    pub total: i64,
    pub fulfillment: String,
    pub shipping_address: String,
    pub billing_address: Option<String>,
    pub note: Option<String>,
    pub is_archived: bool,
    pub trial_ends_at: Option<DateTimeUtc>,
    pub release_at: Option<DateTimeUtc>,
    pub expires_at: Option<DateTimeUtc>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

/// Relations are enforced by foreign keys in the schema.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
