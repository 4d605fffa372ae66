//! Product queries (who sees what, filters, full-text search, sorting) and the repository that
//! answers them.

use async_trait::async_trait;
use souk_kernel::metafield::Metafield;
use souk_kernel::{Actor, DomainError, Page, PageRequest, Role, SortDirection, UserId};

use crate::category::CategoryId;
use crate::product::{AdminStatus, Condition, Product, ProductId, ProductStatus, Visibility};

/// Whose products a query may return.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProductScope {
    /// Published, approved, not hidden, not deleted.
    Public,
    /// The public ones plus every undeleted product of this seller (buyers own no products, so
    /// they read the public scope, which the public listing indexes serve).
    PublicAndOwn(UserId),
    /// Everything undeleted, or everything at all.
    Admin {
        /// Soft-deleted products too.
        include_deleted: bool,
    },
}

impl ProductScope {
    /// The scope of an actor; only admins may ask for deleted products.
    pub fn of(actor: &Actor, include_deleted: bool) -> Result<ProductScope, DomainError> {
        if actor.is_admin() {
            return Ok(ProductScope::Admin { include_deleted });
        }
        if include_deleted {
            return Err(DomainError::Forbidden("only admins list deleted products".into()));
        }
        Ok(match (actor.role(), actor.user_id()) {
            (Some(Role::Seller), Some(seller)) => ProductScope::PublicAndOwn(seller),
            _ => ProductScope::Public,
        })
    }
}

/// How a product list is ordered.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ProductSort {
    /// Newest first unless the direction says otherwise.
    #[default]
    CreatedAt,
    /// By title.
    Title,
    /// By unit price (minor units).
    Price,
    /// By category name.
    Category,
    /// By search rank (the default with `search`).
    Relevance,
    /// By the curated order of the `collection` (the default with `collection`).
    Position,
}

impl std::str::FromStr for ProductSort {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "created_at" => Ok(ProductSort::CreatedAt),
            "title" => Ok(ProductSort::Title),
            "price" => Ok(ProductSort::Price),
            "category" => Ok(ProductSort::Category),
            "relevance" => Ok(ProductSort::Relevance),
            "position" => Ok(ProductSort::Position),
            _ => Err("must be one of: title, price, created_at, category, relevance, position".into()),
        }
    }
}

/// A price bound as exact decimal text, compared in each product's own currency.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PriceBound(pub String);

/// A validated product query.
#[derive(Debug, Clone, Default)]
pub struct ProductQuery {
    /// Who is asking (set by the use case).
    pub scope: Option<ProductScope>,
    /// Words to find in title, description and slug (every word, as a prefix).
    pub search: Vec<String>,
    /// Exact title.
    pub title: Option<String>,
    /// Any of these statuses.
    pub statuses: Vec<ProductStatus>,
    /// Any of these moderation states.
    pub admin_statuses: Vec<AdminStatus>,
    /// Any of these visibilities.
    pub visibilities: Vec<Visibility>,
    /// Any of these conditions.
    pub conditions: Vec<Condition>,
    /// Digital or not.
    pub is_digital: Option<bool>,
    /// Out of stock (tracked, none on hand and no variant in stock) or not.
    pub out_of_stock: Option<bool>,
    /// In any of these categories; the use case adds their descendants.
    pub category_ids: Vec<CategoryId>,
    /// In the collection with this handle.
    pub collection: Option<String>,
    /// Sold by any of these sellers.
    pub seller_ids: Vec<UserId>,
    /// In any of these currencies.
    pub currencies: Vec<String>,
    /// Price at least.
    pub min_price: Option<PriceBound>,
    /// Price at most.
    pub max_price: Option<PriceBound>,
    /// Featured or not.
    pub on_homepage: Option<bool>,
    /// Has available rental terms, or not.
    pub rentable: Option<bool>,
    /// Has an enabled trial policy, or not.
    pub has_trial: Option<bool>,
    /// Sort key; `None` picks relevance with search, position with a collection, else creation.
    pub sort: Option<ProductSort>,
    /// Sort direction (`DESC` by default; relevance is always best first).
    pub direction: SortDirection,
}

/// Splits a search text into words: letters and digits, lower-cased, at most eight; the text
/// must have at least two characters and one word.
pub fn search_words(text: &str) -> Result<Vec<String>, String> {
    if text.trim().chars().count() < 2 {
        return Err("must be at least 2 characters".into());
    }
    let words: Vec<String> = text
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(|w| w.to_lowercase().chars().take(50).collect())
        .take(8)
        .collect();
    if words.is_empty() { Err("must contain letters or digits".into()) } else { Ok(words) }
}

/// Persistence of products.
#[async_trait]
pub trait ProductRepository: Send + Sync {
    /// One product with everything that belongs to it, deleted or not.
    async fn find(&self, id: ProductId) -> Result<Option<Product>, DomainError>;
    /// One product for a change inside a write transaction: the row stays locked until the
    /// transaction ends, so concurrent changes apply one after the other instead of losing one.
    async fn find_for_update(&self, id: ProductId) -> Result<Option<Product>, DomainError>;
    /// A page of products matching a query.
    async fn list(&self, query: &ProductQuery, page: PageRequest) -> Result<Page<Product>, DomainError>;
    /// The product a variant belongs to.
    async fn product_of_variant(&self, variant: crate::VariantId) -> Result<Option<ProductId>, DomainError>;
    /// The product an add-on belongs to.
    async fn product_of_add_on(&self, add_on: crate::AddOnId) -> Result<Option<ProductId>, DomainError>;
    /// Whether a collection with this handle exists.
    async fn collection_exists(&self, handle: &str) -> Result<bool, DomainError>;
    /// Whether a slug is used by a product other than `except`.
    async fn slug_taken(&self, slug: &str, except: Option<ProductId>) -> Result<bool, DomainError>;
    /// Stores a new product with its children.
    async fn insert(&self, product: &Product) -> Result<(), DomainError>;
    /// Saves a changed product with its children (variants and add-ons not in it are removed).
    async fn update(&self, product: &Product) -> Result<(), DomainError>;
    /// Whether a category has products (deleted ones included).
    async fn category_in_use(&self, category: CategoryId) -> Result<bool, DomainError>;
    /// Moves every product of one category to another.
    async fn recategorize(&self, from: CategoryId, to: CategoryId) -> Result<(), DomainError>;
    /// The metafields of a product.
    async fn metafields(&self, product: ProductId) -> Result<Vec<Metafield>, DomainError>;
    /// Inserts or replaces a metafield by namespace and key; returns the stored row.
    async fn upsert_metafield(&self, metafield: &Metafield) -> Result<Metafield, DomainError>;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn search_text_becomes_words() {
        assert_eq!(search_words("Oak  table, 2-seat!").unwrap(), ["oak", "table", "2", "seat"]);
        assert!(search_words("a").is_err());
        assert!(search_words("!!").is_err());
    }

    #[test]
    fn scopes_follow_the_actor() {
        let seller = UserId::new();
        assert_eq!(ProductScope::of(&Actor::Anonymous, false).unwrap(), ProductScope::Public);
        let owner = Actor::User { id: seller, role: Role::Seller };
        assert_eq!(ProductScope::of(&owner, false).unwrap(), ProductScope::PublicAndOwn(seller));
        assert!(ProductScope::of(&owner, true).is_err(), "only admins see deleted products");
        let buyer = Actor::User { id: UserId::new(), role: Role::Buyer };
        assert_eq!(ProductScope::of(&buyer, false).unwrap(), ProductScope::Public);
        let admin = Actor::User { id: UserId::new(), role: Role::Admin };
        assert_eq!(ProductScope::of(&admin, true).unwrap(), ProductScope::Admin { include_deleted: true });
    }
}
