//! Shared value types of Souk: ids, money, pages, actors, time and error kinds.
//!
//! Every domain crate builds on these so that the same concepts mean the same thing everywhere.

pub mod actor;
pub mod clock;
pub mod error;
pub mod id;
pub mod metafield;
pub mod money;
pub mod page;
pub mod wire;

pub use actor::{Actor, Role};
pub use clock::{Clock, ManualClock, SystemClock};
pub use error::{DomainError, FieldErrors, UnexpectedError};
pub use id::UserId;
pub use money::{AmountInput, Currency, Money, MoneyError};
pub use page::{Page, PageRequest, SortDirection};
