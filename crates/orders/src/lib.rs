//! The orders domain of Souk: checkout across sellers, orders and their lines, the order state machine, customers, coupons and export.
//!
//! Pure types and rules over repository traits, free of HTTP and SQL, so other Rust services can
//! link it directly. Its rules arrive with the orders API; the crate exists now so the workspace
//! and its dependency rule are in place.
