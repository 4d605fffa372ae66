//! sea-orm entities, one module per table.

pub mod buyer;
pub mod category;
pub mod email_otp;
pub mod file;
pub mod idempotency_key;
pub mod oauth_client;
pub mod platform_clock;
pub mod refresh_token;
pub mod seller;
pub mod user;
pub mod user_metafield;
