//! The fulfillment domain of Souk: shipping carriers and rates, deliveries and tracking, stores and coverage zones, transfers, pickup, store lists and returns.
//!
//! Pure types and rules over repository traits, free of HTTP and SQL, so other Rust services can
//! link it directly. Its rules arrive with the fulfillment API; the crate exists now so the workspace
//! and its dependency rule are in place.
