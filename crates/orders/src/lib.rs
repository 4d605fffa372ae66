//! The orders domain of Souk: checkout across sellers, orders and their lines, the order state
//! machine, customers, coupons and export.
//!
//! Pure types and rules over repository traits, free of HTTP and SQL, so other Rust services can
//! link it directly.

pub mod checkout;
pub mod coupon;
pub mod customer;
pub mod external;
pub mod order;
pub mod status;

pub use order::{Address, Order, OrderId, OrderLine};
pub use status::{Effect, OrderStatus, Party, Transition, TransitionContext, allowed, transition};
