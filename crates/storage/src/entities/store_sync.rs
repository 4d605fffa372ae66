//! The `store_syncs` table.

use sea_orm::entity::prelude::*;

/// One synchronisation of a store's list.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "store_syncs")]
pub struct Model {
    /// Id.
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// The store.
    pub store_id: Uuid,
    /// The list sent.
    pub list_code: String,
    /// Rows received.
    pub received: i32,
    /// Rows stored.
    pub accepted: i32,
    /// Rows refused.
    pub rejected: i32,
    /// Rows already as sent.
    pub unchanged: i32,
    /// The refused rows as JSON.
    pub rejected_rows: String,
    /// When it ran.
    pub created_at: DateTimeUtc,
}

/// No relations are navigated.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
