//! The fulfillment domain of Souk: shipping carriers and rates, deliveries and tracking, stores and coverage zones, transfers, pickup, store lists and returns.
//!
//! Pure types and rules over repository traits, free of HTTP and SQL, so other Rust services can
//! link it directly. Trial returns are here; the other parts arrive with the fulfillment API.

pub mod delivery;
pub mod returns;
pub mod shipping;
pub mod stores;
pub mod zones;
