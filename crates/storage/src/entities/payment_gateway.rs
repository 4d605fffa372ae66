//! The `payment_gateways` table.

use sea_orm::entity::prelude::*;

/// A payment gateway (secrets as JSON, never shown).
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "payment_gateways")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub title: String,
    pub provider: String,
    pub sandbox: bool,
    pub status: String,
    pub currency: String,
    pub min_amount: Option<i64>,
    pub max_amount: Option<i64>,
    pub settings: String,
    pub secrets: String,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

/// Relations are enforced by foreign keys in the schema.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
