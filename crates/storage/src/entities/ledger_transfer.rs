//! The `ledger_transfers` table.

use sea_orm::entity::prelude::*;

/// A balanced money movement, unique by key.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "ledger_transfers")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub key: String,
    pub kind: String,
    pub order_id: Option<Uuid>,
    pub payment_id: Option<Uuid>,
    pub currency: String,
    pub amount: i64,
    pub memo: Option<String>,
    pub created_at: DateTimeUtc,
}

/// Relations are enforced by foreign keys in the schema.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
