//! sea-orm entities, one module per table.

pub mod idempotency_key;
pub mod platform_clock;
pub mod user;
