//! The escrow domain of Souk: payment gateways, payments, the double-entry ledger, holds, releases, refunds, disputes, balances and payouts.
//!
//! Pure types and rules over repository traits, free of HTTP and SQL, so other Rust services can
//! link it directly. Its rules arrive with the escrow API; the crate exists now so the workspace
//! and its dependency rule are in place.
