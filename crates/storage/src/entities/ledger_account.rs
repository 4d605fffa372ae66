//! The `ledger_accounts` table.

use sea_orm::entity::prelude::*;

/// A ledger account with its cached balance.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "ledger_accounts")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub kind: String,
    pub owner_id: Uuid,
    pub seller_id: Option<Uuid>,
    pub currency: String,
    pub balance: i64,
    pub created_at: DateTimeUtc,
}

/// Relations are enforced by foreign keys in the schema.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
