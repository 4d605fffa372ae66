//! The `disputes` table.

use sea_orm::entity::prelude::*;

/// A defect claim waiting for, or settled by, an admin.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "disputes")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub order_id: Uuid,
    pub return_id: Option<Uuid>,
    pub buyer_id: Uuid,
    pub seller_id: Uuid,
    pub reason: String,
    pub photo_file_id: Option<Uuid>,
    pub status: String,
    pub outcome: Option<String>,
    pub buyer_amount: Option<i64>,
    pub seller_amount: Option<i64>,
    pub note: Option<String>,
    pub resolved_by: Option<Uuid>,
    pub opened_at: DateTimeUtc,
    pub resolved_at: Option<DateTimeUtc>,
}

/// Relations are enforced by foreign keys in the schema.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
