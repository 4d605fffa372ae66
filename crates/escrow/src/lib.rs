//! The escrow domain of Souk: payment gateways, payments, the double-entry ledger, holds,
//! releases, refunds, disputes, balances and payouts.
//!
//! Pure types and rules, free of HTTP and SQL, so other Rust services can link it directly: the
//! ledger's balancing rule, the fee and penalty arithmetic, the payment status a ledger implies,
//! gateway settings, and the `Souk-Signature` scheme callbacks and webhooks are signed with.

pub mod arithmetic;
pub mod dispute;
pub mod gateway;
pub mod hold;
pub mod ledger;
pub mod payment;
pub mod payout;
pub mod signature;

pub use ledger::{AccountKind, AccountRef, Leg, Transfer, TransferKind};
