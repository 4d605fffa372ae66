//! The `payouts` table.

use sea_orm::entity::prelude::*;

/// Money paid out to a seller.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "payouts")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub seller_id: Uuid,
    pub payment_account_id: Option<Uuid>,
    pub currency: String,
    pub amount: i64,
    pub status: String,
    pub provider_reference: Option<String>,
    pub created_at: DateTimeUtc,
}

/// Relations are enforced by foreign keys in the schema.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
