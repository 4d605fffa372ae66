//! The `tracking_events` table.

use sea_orm::entity::prelude::*;

/// A carrier tracking event of an order.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "tracking_events")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub order_id: Uuid,
    pub status: String,
    pub description: String,
    pub location: Option<String>,
    pub occurred_at: DateTimeUtc,
    pub created_at: DateTimeUtc,
}

/// Relations are enforced by foreign keys in the schema.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
