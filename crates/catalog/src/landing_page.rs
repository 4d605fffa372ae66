//! Landing pages: a seller's single-product sales page with its own slug, language and the kind of
//! cash-on-delivery order form it embeds. Who sees and changes them, and their field rules.

use std::collections::HashSet;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use souk_kernel::{Actor, DomainError, FieldErrors, Page, PageRequest, SortDirection, UserId};
use uuid::Uuid;

use crate::access::ProductAccess;
use crate::audience::Audience;
use crate::slug::{is_slug, slugify};

souk_kernel::typed_id!(
    /// Identifies a landing page.
    LandingPageId
);

souk_kernel::wire_enum!(
    /// How the page takes a cash-on-delivery order.
    CodType {
        /// Sends the buyer to the regular checkout.
        Checkout = "checkout",
        /// Opens the order form in a pop-up.
        Popup = "popup",
        /// Shows the order form inside the page.
        Embedded = "embedded",
    }
);

/// Longest title kept.
pub const MAX_TITLE_LEN: usize = 200;
/// Longest meta description kept (the column's width).
pub const MAX_META_DESCRIPTION_LEN: usize = 500;
/// Longest language tag kept (the column's width).
pub const MAX_LANG_LEN: usize = 16;
/// The language when the client names none.
pub const DEFAULT_LANG: &str = "en";

/// A landing page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LandingPage {
    /// Id.
    pub id: LandingPageId,
    /// The seller it belongs to: always the product's current seller (repositories read it from
    /// the product, so a product moved to another seller takes its pages along).
    pub owner_id: UserId,
    /// The product it sells.
    pub product_id: Uuid,
    /// Headline.
    pub title: String,
    /// Unique URL slug.
    pub slug: String,
    /// Search-engine description.
    pub meta_description: Option<String>,
    /// Language tag (BCP 47 style, e.g. `en`, `ar-MA`).
    pub lang: String,
    /// Order form kind.
    pub cod_type: CodType,
    /// Creation time.
    pub created_at: DateTime<Utc>,
    /// Last change.
    pub updated_at: DateTime<Utc>,
}

/// Sort keys of the landing-page list.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum LandingPageSort {
    /// Creation time (the default).
    #[default]
    CreatedAt,
    /// Title.
    Title,
}

impl LandingPageSort {
    /// The `order_by` names clients may use.
    pub const NAMES: [&'static str; 2] = ["created_at", "title"];
}

impl std::str::FromStr for LandingPageSort {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "created_at" => Ok(LandingPageSort::CreatedAt),
            "title" => Ok(LandingPageSort::Title),
            _ => Err(format!("must be one of: {}", LandingPageSort::NAMES.join(", "))),
        }
    }
}

/// Persistence of landing pages.
#[async_trait]
pub trait LandingPageRepository: Send + Sync {
    /// One landing page, owned by its product's current seller.
    async fn find(&self, id: LandingPageId) -> Result<Option<LandingPage>, DomainError>;
    /// One landing page like [`LandingPageRepository::find`], its row locked until the
    /// transaction ends, for a read-modify-write (concurrent changes wait instead of being lost).
    async fn find_for_update(&self, id: LandingPageId) -> Result<Option<LandingPage>, DomainError>;
    /// Slugs in use that equal `base` or start with `base-`, except the page `except`.
    async fn slugs_like(
        &self,
        base: &str,
        except: Option<LandingPageId>,
    ) -> Result<HashSet<String>, DomainError>;
    /// Stores a new page; a taken slug is a `Conflict`.
    async fn insert(&self, page: &LandingPage) -> Result<(), DomainError>;
    /// Replaces a page; a taken slug is a `Conflict`.
    async fn update(&self, page: &LandingPage) -> Result<(), DomainError>;
    /// Deletes a page.
    async fn delete(&self, id: LandingPageId) -> Result<(), DomainError>;
    /// One page of the landing pages the audience may see (members see those of listed products
    /// and those of products they sell now), optionally of some products only.
    async fn list(
        &self,
        audience: Audience,
        product_ids: &[Uuid],
        sort: LandingPageSort,
        direction: SortDirection,
        page: PageRequest,
    ) -> Result<Page<LandingPage>, DomainError>;
}

/// True for a BCP 47 style tag: a 2 to 3 letter language, then subtags of 1 to 8 letters or
/// digits, joined by dashes (`en`, `ar-MA`, `zh-Hant-TW`), at most 16 characters.
pub fn is_language_tag(tag: &str) -> bool {
    let mut parts = tag.split('-');
    let language_ok = parts.next().is_some_and(|language| {
        (2..=3).contains(&language.len()) && language.bytes().all(|b| b.is_ascii_alphabetic())
    });
    language_ok
        && tag.len() <= MAX_LANG_LEN
        && parts.all(|part| (1..=8).contains(&part.len()) && part.bytes().all(|b| b.is_ascii_alphanumeric()))
}

/// The text fields of a page as stored; `None` leaves a field as it is.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PageFields<'a> {
    /// Headline, 1 to 200 characters.
    pub title: Option<&'a str>,
    /// Explicit slug.
    pub slug: Option<&'a str>,
    /// Meta description, at most 500 characters.
    pub meta_description: Option<&'a str>,
    /// Language tag.
    pub lang: Option<&'a str>,
}

/// Checks the fields a client sent, naming each one at fault.
pub fn check_fields(fields: &PageFields<'_>) -> Result<(), DomainError> {
    let mut errors = FieldErrors::new();
    if let Some(title) = fields.title
        && !(1..=MAX_TITLE_LEN).contains(&title.trim().chars().count())
    {
        errors.add("title", format!("must be 1 to {MAX_TITLE_LEN} characters"));
    }
    if let Some(slug) = fields.slug
        && !is_slug(slug)
    {
        errors.add("slug", "must be lower-case letters, digits and single dashes (at most 120)");
    }
    if let Some(meta) = fields.meta_description
        && meta.chars().count() > MAX_META_DESCRIPTION_LEN
    {
        errors.add("meta_description", format!("must be at most {MAX_META_DESCRIPTION_LEN} characters"));
    }
    if let Some(lang) = fields.lang
        && !is_language_tag(lang)
    {
        errors.add("lang", "must be a language tag such as en, fr or ar-MA");
    }
    errors.into_result()
}

/// The slug base of a page without an explicit slug.
pub fn slug_from_title(title: &str) -> String {
    slugify(title, "page")
}

impl LandingPage {
    /// True when the actor owns the page (directly or through its OAuth client).
    pub fn owned_by(&self, actor: &Actor) -> bool {
        actor.user_id() == Some(self.owner_id)
    }

    /// Admins and owners see their pages; everyone else only pages of listed, undeleted products.
    pub fn visible_to(&self, actor: &Actor, product: &ProductAccess) -> bool {
        actor.is_admin() || self.owned_by(actor) || (product.listed && !product.deleted)
    }

    /// Owners and admins change and delete pages.
    pub fn check_write(&self, actor: &Actor) -> Result<(), DomainError> {
        if actor.is_admin() || self.owned_by(actor) {
            Ok(())
        } else {
            Err(DomainError::Forbidden("only the page's seller or an admin may change it".into()))
        }
    }
}

/// A page may be made for a product the actor can change (its seller, or an admin); a product the
/// actor cannot see at all is unknown to it (`422` on `product_id`).
pub fn check_product(actor: &Actor, product: Option<&ProductAccess>) -> Result<UserId, DomainError> {
    let Some(product) = product.filter(|p| p.visible_to(actor)) else {
        return Err(DomainError::invalid("product_id", "names no product"));
    };
    if !product.writable_by(actor) {
        return Err(DomainError::Forbidden(
            "landing pages are made by the product's seller or an admin".into(),
        ));
    }
    Ok(product.seller_id)
}

#[cfg(test)]
mod tests {
    use souk_kernel::Role;

    use super::*;

    #[test]
    fn language_tags() {
        for good in ["en", "fr", "ar-MA", "zh-Hant-TW", "es-419"] {
            assert!(is_language_tag(good), "{good}");
        }
        for bad in ["", "e", "english", "en_US", "en-", "-en", "en-toolongsubtag", "12", "ar-MA-xxxxxxxxx"] {
            assert!(!is_language_tag(bad), "{bad}");
        }
    }

    #[test]
    fn fields_are_checked() {
        assert!(
            check_fields(&PageFields { title: Some("Summer lamp"), lang: Some("en"), ..Default::default() })
                .is_ok()
        );
        let long = "m".repeat(MAX_META_DESCRIPTION_LEN + 1);
        let bad = PageFields {
            title: Some(""),
            slug: Some("Bad Slug"),
            meta_description: Some(&long),
            lang: Some("x"),
        };
        let Err(DomainError::Validation(errors)) = check_fields(&bad) else { panic!("invalid") };
        for field in ["title", "slug", "meta_description", "lang"] {
            assert!(errors.get(field).is_some(), "{field}");
        }
        assert_eq!(slug_from_title("Summer Lamp!"), "summer-lamp");
        assert_eq!(slug_from_title("!!!"), "page");
    }

    #[test]
    fn owners_and_admins_write_others_read_listed_pages() {
        let seller = UserId::new();
        let owner = Actor::User { id: seller, role: Role::Seller };
        let other = Actor::User { id: UserId::new(), role: Role::Seller };
        let admin = Actor::User { id: UserId::new(), role: Role::Admin };
        let draft = ProductAccess { seller_id: seller, listed: false, deleted: false };
        let now = Utc::now();
        let page = LandingPage {
            id: LandingPageId::new(),
            owner_id: seller,
            product_id: Uuid::now_v7(),
            title: "Lamp".into(),
            slug: "lamp".into(),
            meta_description: None,
            lang: "en".into(),
            cod_type: CodType::Popup,
            created_at: now,
            updated_at: now,
        };
        assert!(page.visible_to(&owner, &draft) && page.visible_to(&admin, &draft));
        assert!(!page.visible_to(&other, &draft) && !page.visible_to(&Actor::Anonymous, &draft));
        let listed = ProductAccess { listed: true, ..draft };
        assert!(page.visible_to(&Actor::Anonymous, &listed));
        assert!(page.check_write(&owner).is_ok() && page.check_write(&admin).is_ok());
        assert!(matches!(page.check_write(&other), Err(DomainError::Forbidden(_))));

        assert_eq!(check_product(&owner, Some(&draft)).unwrap(), seller);
        assert_eq!(check_product(&admin, Some(&draft)).unwrap(), seller, "admins make pages for the seller");
        assert!(matches!(check_product(&other, Some(&draft)), Err(DomainError::Validation(_))));
        assert!(matches!(check_product(&other, Some(&listed)), Err(DomainError::Forbidden(_))));
        assert!(matches!(check_product(&owner, None), Err(DomainError::Validation(_))));
    }
}
