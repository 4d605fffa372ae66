//! The `products` table.

use sea_orm::entity::prelude::*;

/// One product row (the product's own fields; children live in their tables).
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "products")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub seller_id: Uuid,
    pub title: String,
    #[sea_orm(unique)]
    pub slug: String,
    pub description: Option<String>,
    pub page_title: Option<String>,
    pub meta_description: Option<String>,
    pub category_id: Option<Uuid>,
    pub condition: String,
    pub status: String,
    pub visibility: String,
    pub admin_status: String,
    pub admin_status_reason: Option<String>,
    pub is_digital: bool,
    pub requires_shipping: bool,
    pub currency: String,
    pub price: i64,
    pub compare_price: Option<i64>,
    pub sku: Option<String>,
    pub quantity: i64,
    pub reserved: i64,
    pub stock_tracked: bool,
    pub allow_order_when_oos: bool,
    pub min_qty: i32,
    pub weight_grams: Option<i64>,
    pub location: Option<String>,
    pub city: Option<String>,
    pub state: Option<String>,
    pub country: Option<String>,
    pub lat: Option<f64>,
    pub lng: Option<f64>,
    pub external_id: Option<String>,
    pub on_homepage: bool,
    pub deleted_at: Option<DateTimeUtc>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

/// Relations are enforced by foreign keys in the schema.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
