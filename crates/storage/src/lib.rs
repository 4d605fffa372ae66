//! Persistence of Souk on sea-orm: one code path for SQLite and PostgreSQL.
//!
//! Repositories are generic over [`sea_orm::ConnectionTrait`], so the same code runs on a pooled
//! connection or inside a use case's transaction.

pub mod accounts;
pub mod audience;
pub mod bulk;
pub mod categories;
pub mod collections;
pub mod coupons;
pub mod customers;
pub mod db;
pub mod disputes;
pub mod entities;
pub mod events;
pub mod external_orders;
pub mod files;
pub mod holds;
pub mod idempotency;
pub mod landing_pages;
pub mod ledger;
pub mod notifications;
pub mod order_metafields;
pub mod orders;
pub mod payments;
pub mod payouts;
pub mod platform_clock;
mod product_query;
pub mod products;
pub mod returns;
pub mod reviews;
pub mod shipping;
pub mod stores;
pub mod users;
pub mod webhooks;

pub use accounts::SqlAccounts;
pub use categories::SqlCategories;
pub use collections::SqlCollections;
pub use db::{Backend, Database, db_error};
pub use landing_pages::SqlLandingPages;
pub use products::SqlProducts;
pub use reviews::SqlReviews;
pub use users::SqlUsers;
