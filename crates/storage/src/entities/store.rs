//! The `stores` table.

use sea_orm::entity::prelude::*;

/// A store of a brand.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "stores")]
pub struct Model {
    /// Id.
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// The brand.
    pub brand_id: Uuid,
    /// The brand's seller.
    pub seller_id: Uuid,
    /// Code as given.
    pub code: String,
    /// Code lower-cased, unique per brand.
    pub code_key: String,
    /// Name.
    pub name: String,
    /// City.
    pub city: String,
    /// Street address.
    pub address: String,
    /// Latitude.
    pub lat: f64,
    /// Longitude.
    pub lng: f64,
    /// Sales channels, comma separated.
    pub sales_channels: String,
    /// `active` or `inactive`.
    pub status: String,
    /// Creation time.
    pub created_at: DateTimeUtc,
    /// Last change.
    pub updated_at: DateTimeUtc,
}

/// No relations are navigated.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
