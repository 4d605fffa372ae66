//! The catalog domain of Souk: products, variants, options, add-ons, trial policies, rental terms,
//! categories, collections, reviews, landing pages and metafields.
//!
//! Pure types and rules over repository traits, free of HTTP and SQL, so other Rust services can
//! link it directly.

pub mod access;
pub mod category;
pub mod file;
pub mod slug;

pub use access::ProductAccess;
pub use category::{Category, CategoryId, CategoryRepository, CategoryTree};
pub use file::{FileAccess, FileFilter, FileSort, FileableType, LinkRequest, LinkTarget, MimePattern};
