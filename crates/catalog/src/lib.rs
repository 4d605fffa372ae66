//! The catalog domain of Souk: products, variants, options, add-ons, trial policies, rental terms,
//! categories, collections, reviews, landing pages and metafields.
//!
//! Pure types and rules over repository traits, free of HTTP and SQL, so other Rust services can
//! link it directly.

pub mod access;
pub mod audience;
pub mod category;
pub mod collection;
pub mod file;
pub mod landing_page;
pub mod listing;
pub mod product;
pub mod review;
pub mod slug;
pub mod terms;
pub mod variant;

pub use access::ProductAccess;
pub use audience::Audience;
pub use category::{Category, CategoryId, CategoryRepository, CategoryTree};
pub use collection::{Collection, CollectionId, CollectionRepository, CollectionTree};
pub use file::{FileAccess, FileFilter, FileSort, FileableType, LinkRequest, LinkTarget, MimePattern};
pub use landing_page::{CodType, LandingPage, LandingPageId, LandingPageRepository};
pub use listing::{ProductQuery, ProductRepository, ProductScope, ProductSort};
pub use product::{AdminStatus, Condition, Product, ProductId, ProductStatus, Visibility};
pub use review::{RatingSummary, Review, ReviewId, ReviewRepository, ReviewStatus};
pub use terms::{Penalty, PenaltyType, RentalTerms, TrialPolicy};
pub use variant::{AddOn, AddOnId, OptionId, ProductOption, Variant, VariantId};
