//! sea-orm entities, one module per table.

pub mod add_on;
pub mod buyer;
pub mod category;
pub mod collection;
pub mod collection_product;
pub mod email_otp;
pub mod file;
pub mod file_link;
pub mod idempotency_key;
pub mod landing_page;
pub mod oauth_client;
pub mod platform_clock;
pub mod product;
pub mod product_metafield;
pub mod product_option;
pub mod product_property;
pub mod refresh_token;
pub mod rental_terms;
pub mod review;
pub mod seller;
pub mod sku;
pub mod trial_policy;
pub mod user;
pub mod user_metafield;
pub mod variant;
