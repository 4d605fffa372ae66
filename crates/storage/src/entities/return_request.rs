//! The `returns` table.

use sea_orm::entity::prelude::*;

/// A buyer's trial return.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "returns")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub order_id: Uuid,
    pub buyer_id: Uuid,
    pub seller_id: Uuid,
    pub token: String,
    pub status: String,
    pub reason: Option<String>,
    pub has_defect: bool,
    pub defect_description: Option<String>,
    pub defect_photo_file_id: Option<Uuid>,
    pub refund_amount: Option<i64>,
    pub penalty_amount: Option<i64>,
    pub requested_at: DateTimeUtc,
    pub expires_at: DateTimeUtc,
    pub resolved_at: Option<DateTimeUtc>,
}

/// Relations are enforced by foreign keys in the schema.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
