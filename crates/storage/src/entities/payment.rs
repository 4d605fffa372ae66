//! The `payments` table.

use sea_orm::entity::prelude::*;

/// One attempt to collect a buyer's money.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "payments")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub tx_ref: String,
    pub gateway_id: Uuid,
    pub buyer_id: Uuid,
    pub cart_id: Option<Uuid>,
    pub currency: String,
    pub amount: i64,
    pub status: String,
    pub provider_reference: Option<String>,
    pub method: Option<String>,
    pub card_brand: Option<String>,
    pub card_last4: Option<String>,
    pub checkout_url: Option<String>,
    pub paid_at: Option<DateTimeUtc>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

/// Relations are enforced by foreign keys in the schema.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
