//! The one schema of Souk, for SQLite and PostgreSQL alike.
//!
//! Conventions: ids are UUID v7 (`uuid` on PostgreSQL, 16-byte blobs on SQLite), money is integer
//! minor units beside a currency code, timestamps are UTC with time zone.

pub use sea_orm_migration::prelude::*;

mod shared_index;

mod m20261122_000001_platform;
mod m20261122_000002_users;
mod m20261122_000003_accounts;
mod m20261122_000004_categories;
mod m20261201_000005_catalog;
mod m20261201_000006_catalog_content;
mod m20261201_000007_orders;
mod m20261201_000008_escrow;
mod m20261201_000009_coupons_customers;
mod m20261201_000011_events;
mod m20261201_000012_notifications;
mod m20261201_000013_shipping;
mod m20261201_000014_stores;
mod m20261202_000015_listing_indexes;

/// Applies Souk's migrations in order.
#[derive(Debug)]
pub struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(m20261122_000001_platform::Migration),
            Box::new(m20261122_000002_users::Migration),
            Box::new(m20261122_000003_accounts::Migration),
            Box::new(m20261122_000004_categories::Migration),
            Box::new(m20261201_000005_catalog::Migration),
            Box::new(m20261201_000006_catalog_content::Migration),
            Box::new(m20261201_000007_orders::Migration),
            Box::new(m20261201_000008_escrow::Migration),
            Box::new(m20261201_000009_coupons_customers::Migration),
            Box::new(m20261201_000011_events::Migration),
            Box::new(m20261201_000012_notifications::Migration),
            Box::new(m20261201_000013_shipping::Migration),
            Box::new(m20261201_000014_stores::Migration),
            Box::new(m20261202_000015_listing_indexes::Migration),
        ]
    }
}
