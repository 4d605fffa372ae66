//! The catalog domain of Souk: products, variants, options, add-ons, trial policies, rental terms,
//! categories, collections, reviews, landing pages and metafields.
//!
//! Pure types and rules over repository traits, free of HTTP and SQL, so other Rust services can
//! link it directly.

pub mod access;
pub mod category;
pub mod file;
pub mod listing;
pub mod product;
pub mod slug;
pub mod terms;
pub mod variant;

pub use access::ProductAccess;
pub use category::{Category, CategoryId, CategoryRepository, CategoryTree};
pub use file::{FileAccess, FileFilter, FileSort, FileableType, LinkRequest, LinkTarget, MimePattern};
pub use listing::{ProductQuery, ProductRepository, ProductScope, ProductSort};
pub use product::{AdminStatus, Condition, Product, ProductId, ProductStatus, Visibility};
pub use terms::{Penalty, PenaltyType, RentalTerms, TrialPolicy};
pub use variant::{AddOn, AddOnId, OptionId, ProductOption, Variant, VariantId};
