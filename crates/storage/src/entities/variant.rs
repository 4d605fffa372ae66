//! The `variants` table.

use sea_orm::entity::prelude::*;

/// One variant row; `option_values` is a JSON array of strings, one per option.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "variants")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub product_id: Uuid,
    pub title: String,
    pub sku: Option<String>,
    pub price: i64,
    pub compare_price: Option<i64>,
    pub quantity: i64,
    pub reserved: i64,
    pub weight_grams: Option<i64>,
    pub option_values: String,
    pub image_file_id: Option<Uuid>,
    pub position: i32,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

/// Relations are enforced by foreign keys in the schema.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
