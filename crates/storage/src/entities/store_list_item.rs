//! The `store_list_items` table.

use sea_orm::entity::prelude::*;

/// A SKU's price, quantity and availability at one store.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "store_list_items")]
pub struct Model {
    /// The store.
    #[sea_orm(primary_key, auto_increment = false)]
    pub store_id: Uuid,
    /// The seller's SKU.
    #[sea_orm(primary_key, auto_increment = false)]
    pub sku: String,
    /// The list that last set it.
    pub list_code: String,
    /// The product.
    pub product_id: Uuid,
    /// The variant.
    pub variant_id: Option<Uuid>,
    /// Price in minor units.
    pub price: i64,
    /// Currency code.
    pub currency: String,
    /// Units at the store.
    pub quantity: i64,
    /// Sold now.
    pub available: bool,
    /// Last change.
    pub updated_at: DateTimeUtc,
}

/// No relations are navigated.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
