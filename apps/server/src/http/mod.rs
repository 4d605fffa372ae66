//! The conventions of API.md section 1, implemented once for every endpoint.

pub mod auth;
pub mod context;
pub mod envelope;
pub mod error;
pub mod extractors;
pub mod fallback;
pub mod idempotency;
pub mod metrics;
pub mod query;
pub mod rate_limit;
