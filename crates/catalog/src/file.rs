//! Stored files and what they attach to: the objects a file can be linked to, the fields of a
//! link, type patterns for filters, and who may see, link, change or remove a file.
//!
//! Most attachments are catalog media (product and variant images, review photos, landing page
//! assets), so the rules live here beside the product visibility rules they build on.

use chrono::{DateTime, Utc};
use souk_kernel::{Actor, DomainError, FieldErrors, UserId};
use uuid::Uuid;

use crate::ProductAccess;

/// Longest `alt` text of a link (the column's width).
pub const MAX_ALT_CHARS: usize = 300;
/// Longest `role` of a link.
pub const MAX_ROLE_CHARS: usize = 32;
/// Largest `order` (position) of a link.
pub const MAX_POSITION: i32 = 100_000;

/// The kinds of object a file can be linked to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum FileableType {
    /// A product's media.
    Product,
    /// A variant's media.
    Variant,
    /// A landing page's assets.
    LandingPage,
    /// A review's photos.
    Review,
    /// A return's evidence (accepted by the contract; returns are not stored yet).
    Return,
    /// A user's own files (licences, pictures).
    User,
}

impl FileableType {
    /// Every type, in the order the contract lists them.
    pub const ALL: [FileableType; 6] = [
        FileableType::Product,
        FileableType::Variant,
        FileableType::LandingPage,
        FileableType::Review,
        FileableType::Return,
        FileableType::User,
    ];

    /// The wire and column name.
    pub fn as_str(&self) -> &'static str {
        match self {
            FileableType::Product => "product",
            FileableType::Variant => "variant",
            FileableType::LandingPage => "landing_page",
            FileableType::Review => "review",
            FileableType::Return => "return",
            FileableType::User => "user",
        }
    }
}

impl std::fmt::Display for FileableType {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl std::str::FromStr for FileableType {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        FileableType::ALL
            .into_iter()
            .find(|t| t.as_str() == s)
            .ok_or_else(|| format!("must be one of: {}", FileableType::ALL.map(|t| t.as_str()).join(", ")))
    }
}

/// A request to link a file to an object, validated.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LinkRequest {
    /// The kind of object.
    pub fileable_type: FileableType,
    /// The object.
    pub fileable_id: Uuid,
    /// What the file is to the object (`image` for a product's gallery, `thumbnail`,
    /// `licence`, ...).
    pub role: Option<String>,
    /// Position among the object's files; appended at the end when absent.
    pub position: Option<i32>,
    /// Alternative text for the file in this place.
    pub alt: Option<String>,
}

/// The raw link fields of an upload form.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LinkFields {
    /// `fileable_type`.
    pub fileable_type: Option<String>,
    /// `fileable_id`.
    pub fileable_id: Option<String>,
    /// `role`.
    pub role: Option<String>,
    /// `order`.
    pub order: Option<String>,
    /// `alt`.
    pub alt: Option<String>,
}

fn is_role(text: &str) -> bool {
    (1..=MAX_ROLE_CHARS).contains(&text.len())
        && text.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_' || b == b'-')
}

impl LinkFields {
    /// Validates the fields into a link (or none when no `fileable_type` is given), naming
    /// every field at fault. `return` is refused: a return's photos are linked by the return
    /// request and the seller's scan, never by an upload.
    pub fn parse(self) -> Result<Option<LinkRequest>, DomainError> {
        let mut errors = FieldErrors::new();
        let blank = |v: Option<String>| v.map(|v| v.trim().to_owned()).filter(|v| !v.is_empty());
        let (kind, id, role, order) =
            (blank(self.fileable_type), blank(self.fileable_id), blank(self.role), blank(self.order));
        let alt = self.alt.map(|a| a.trim().to_owned()).filter(|a| !a.is_empty());
        let fileable_type = kind.as_deref().and_then(|k| match k.parse::<FileableType>() {
            Ok(FileableType::Return) => {
                errors.add(
                    "fileable_type",
                    "a file is linked to a return by the return request or its scan (defect_photo_file_id, photo_file_id), not here",
                );
                None
            }
            Ok(t) => Some(t),
            Err(message) => {
                errors.add("fileable_type", message);
                None
            }
        });
        let fileable_id = id.as_deref().and_then(|i| {
            i.parse::<Uuid>().map_err(|_| errors.add("fileable_id", "must be an id (UUID)")).ok()
        });
        match (&kind, &id) {
            (Some(_), None) => errors.add("fileable_id", "is required with fileable_type"),
            (None, Some(_)) => errors.add("fileable_type", "is required with fileable_id"),
            _ => {}
        }
        if kind.is_none() {
            for (field, given) in
                [("role", role.is_some()), ("order", order.is_some()), ("alt", alt.is_some())]
            {
                if given {
                    errors.add(field, "is only allowed with fileable_type and fileable_id");
                }
            }
        }
        if let Some(role) = &role
            && !is_role(role)
        {
            errors
                .add("role", format!("must be 1 to {MAX_ROLE_CHARS} lower-case letters, digits, `_` or `-`"));
        }
        let position = order.as_deref().and_then(|o| match o.parse::<i32>() {
            Ok(n) if (0..=MAX_POSITION).contains(&n) => Some(n),
            _ => {
                errors.add("order", format!("must be an integer from 0 to {MAX_POSITION}"));
                None
            }
        });
        if let Some(alt) = &alt
            && alt.chars().count() > MAX_ALT_CHARS
        {
            errors.add("alt", format!("must be at most {MAX_ALT_CHARS} characters"));
        }
        errors.into_result()?;
        Ok(fileable_type.zip(fileable_id).map(|(fileable_type, fileable_id)| LinkRequest {
            fileable_type,
            fileable_id,
            role,
            position,
            alt,
        }))
    }
}

/// What is known about the object a link would attach to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LinkTarget {
    /// No such object.
    Missing,
    /// A product, or the product a variant belongs to.
    Product(ProductAccess),
    /// A landing page, review or user, with the account that owns it.
    OwnedBy(UserId),
}

/// May the actor attach files to this object? Products and variants follow product rules (an
/// invisible one is as missing: `422`; visible but not writable: `403`); users only themselves
/// (others are not visible: `422`); landing pages and reviews their owner (others: `403`);
/// admins everything that exists.
pub fn check_link_target(
    actor: &Actor,
    fileable_type: FileableType,
    target: LinkTarget,
) -> Result<(), DomainError> {
    let missing = || DomainError::invalid("fileable_id", format!("names no {fileable_type} you can see"));
    match target {
        LinkTarget::Missing => Err(missing()),
        LinkTarget::Product(access) if !access.visible_to(actor) => Err(missing()),
        LinkTarget::Product(access) if !access.writable_by(actor) => {
            Err(DomainError::Forbidden(format!("only the seller may add files to this {fileable_type}")))
        }
        LinkTarget::Product(_) => Ok(()),
        LinkTarget::OwnedBy(owner) if actor.is_admin() || actor.user_id() == Some(owner) => Ok(()),
        LinkTarget::OwnedBy(_) if fileable_type == FileableType::User => Err(missing()),
        LinkTarget::OwnedBy(_) => {
            Err(DomainError::Forbidden(format!("only the owner may add files to this {fileable_type}")))
        }
    }
}

/// The link role of product gallery images (what the product use cases read as the gallery).
pub const IMAGE_ROLE: &str = "image";

/// Checks a link with role `image` on a product or variant: the file must be an image, and a
/// product's gallery takes at most [`crate::product::MAX_IMAGES`] images (`gallery` counts the
/// product's current gallery links). Other links pass.
pub fn check_image_link(
    fileable_type: FileableType,
    role: Option<&str>,
    mime_type: &str,
    gallery: u64,
) -> Result<(), DomainError> {
    if role != Some(IMAGE_ROLE) || !matches!(fileable_type, FileableType::Product | FileableType::Variant) {
        return Ok(());
    }
    let mut errors = FieldErrors::new();
    if !mime_type.starts_with("image/") {
        errors.add("file", format!("must be an image to be linked with role `{IMAGE_ROLE}`"));
        errors.add("role", format!("`{IMAGE_ROLE}` needs an image file (JPEG, PNG, WebP or GIF)"));
    }
    let max = crate::product::MAX_IMAGES as u64;
    if fileable_type == FileableType::Product && gallery >= max {
        errors.add("role", format!("the product already has {max} gallery images, the most it may have"));
    }
    errors.into_result()
}

/// What is known about the object one link of a file points at, for read checks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LinkReach {
    /// A product, or the product of a linked variant (or of a variant using the file as its image).
    Product(ProductAccess),
    /// A review: its author, whether it is published, and its product (`None` when gone).
    Review {
        /// The author.
        author: UserId,
        /// Published by moderation.
        published: bool,
        /// The reviewed product.
        product: Option<ProductAccess>,
    },
    /// A landing page: its product (whose seller owns the page), `None` when gone.
    LandingPage(Option<ProductAccess>),
    /// A user.
    User(UserId),
    /// A trial return: seen by its buyer and the order's seller.
    Return {
        /// The order's buyer.
        buyer: UserId,
        /// The order's seller.
        seller: UserId,
    },
    /// Nothing the link could point at (a gone object, or a kind that is not stored).
    Missing,
}

impl LinkReach {
    /// May the actor see the linked object (and so the link)? Admins see everything.
    pub fn visible_to(&self, actor: &Actor) -> bool {
        if actor.is_admin() {
            return true;
        }
        match self {
            LinkReach::Product(product) => product.visible_to(actor),
            LinkReach::Review { author, published, product } => {
                actor.user_id() == Some(*author)
                    || (*published && product.is_some_and(|p| p.visible_to(actor)))
            }
            LinkReach::LandingPage(product) => {
                product.is_some_and(|p| p.owned_by(actor) || (p.listed && !p.deleted))
            }
            LinkReach::User(user) => actor.user_id() == Some(*user),
            LinkReach::Return { buyer, seller } => {
                actor.user_id().is_some_and(|me| me == *buyer || me == *seller)
            }
            LinkReach::Missing => false,
        }
    }

    /// Does this link make the file readable by the actor? Media of a product the actor sees,
    /// photos of a review the actor sees, and defect photos of a return to its buyer and seller;
    /// other links never publish a file.
    pub fn publishes_to(&self, actor: &Actor) -> bool {
        matches!(self, LinkReach::Product(_) | LinkReach::Review { .. } | LinkReach::Return { .. })
            && self.visible_to(actor)
    }
}

/// What access checks need to know about a stored file, for one caller.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FileAccess {
    /// The uploader (`None` once the account is gone).
    pub owner_id: Option<UserId>,
    /// Readable by the caller through a link: media of a product it may see (directly, through
    /// a variant, or as a variant's image), or a photo of a review it may see.
    pub public: bool,
}

impl FileAccess {
    /// The owner and admins see a file; others only through a link that publishes it to them.
    pub fn visible_to(&self, actor: &Actor) -> bool {
        self.public || self.changeable_by(actor)
    }

    /// Only the owner and admins delete or unlink a file.
    pub fn changeable_by(&self, actor: &Actor) -> bool {
        actor.is_admin() || (self.owner_id.is_some() && actor.user_id() == self.owner_id)
    }
}

/// A media type, or a whole family of them (`image/*`), to filter by.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MimePattern {
    /// Exactly this type (`image/png`).
    Exact(String),
    /// Every subtype of this type (`image` for `image/*`).
    AnyOf(String),
}

fn is_token(text: &str) -> bool {
    !text.is_empty()
        && text.len() <= 100
        && text.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b"+-._".contains(&b))
}

impl std::str::FromStr for MimePattern {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let lower = s.trim().to_ascii_lowercase();
        match lower.split_once('/') {
            Some((kind, "*")) if is_token(kind) => Ok(MimePattern::AnyOf(kind.to_owned())),
            Some((kind, sub)) if is_token(kind) && is_token(sub) => Ok(MimePattern::Exact(lower)),
            _ => Err("must be a media type like image/png or a family like image/*".to_owned()),
        }
    }
}

impl MimePattern {
    /// True when `mime` is this type or in this family.
    pub fn matches(&self, mime: &str) -> bool {
        match self {
            MimePattern::Exact(exact) => mime.eq_ignore_ascii_case(exact),
            MimePattern::AnyOf(kind) => {
                mime.split_once('/').is_some_and(|(k, _)| k.eq_ignore_ascii_case(kind))
            }
        }
    }
}

/// How a file list is ordered.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum FileSort {
    /// Upload time (default).
    #[default]
    CreatedAt,
    /// Size in bytes.
    Size,
    /// File name.
    Name,
}

impl std::str::FromStr for FileSort {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "created_at" => Ok(FileSort::CreatedAt),
            "size" => Ok(FileSort::Size),
            "name" => Ok(FileSort::Name),
            _ => Err("must be one of: created_at, size, name".to_owned()),
        }
    }
}

/// Which files a list shows.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FileFilter {
    /// Only this uploader's files (set for everyone but admins).
    pub owner_id: Option<UserId>,
    /// Only files linked to objects of these kinds.
    pub fileable_types: Vec<FileableType>,
    /// Only files linked to this object.
    pub fileable_id: Option<Uuid>,
    /// Only these types or families (any of them).
    pub mime_types: Vec<MimePattern>,
    /// Uploaded at or after.
    pub from: Option<DateTime<Utc>>,
    /// Uploaded at or before.
    pub to: Option<DateTime<Utc>>,
}

impl FileFilter {
    /// Narrows a requested filter to what the actor may list: admins every file, others their own.
    pub fn scoped_to(mut self, actor: &Actor) -> Result<FileFilter, DomainError> {
        if !actor.is_admin() {
            self.owner_id = Some(actor.user_id().ok_or(DomainError::Unauthenticated)?);
        }
        Ok(self)
    }
}

/// A file name safe to show and to put in a `Content-Disposition` header: no path, no control
/// or quoting characters, at most 255 characters; `file` when nothing is left.
pub fn safe_file_name(name: &str) -> String {
    let base = name.rsplit(['/', '\\']).next().unwrap_or_default();
    let cleaned: String =
        base.chars().filter(|c| !c.is_control() && !matches!(c, '"' | '\\' | ';')).take(255).collect();
    let cleaned = cleaned.trim().trim_start_matches('.').trim().to_owned();
    if cleaned.is_empty() { "file".to_owned() } else { cleaned }
}

#[cfg(test)]
mod tests {
    use souk_kernel::Role;

    use super::*;

    fn fields(kind: &str, id: &str) -> LinkFields {
        LinkFields { fileable_type: Some(kind.into()), fileable_id: Some(id.into()), ..LinkFields::default() }
    }

    #[test]
    fn link_fields_are_validated_together() {
        assert_eq!(LinkFields::default().parse().unwrap(), None);
        let id = Uuid::now_v7();
        let link = LinkFields {
            role: Some("image".into()),
            order: Some("3".into()),
            alt: Some(" Red lamp ".into()),
            ..fields("product", &id.to_string())
        }
        .parse()
        .unwrap()
        .unwrap();
        assert_eq!(link.fileable_type, FileableType::Product);
        assert_eq!((link.position, link.alt.as_deref()), (Some(3), Some("Red lamp")));

        let refused = |f: LinkFields, field: &str| match f.parse() {
            Err(DomainError::Validation(errors)) => assert!(errors.get(field).is_some(), "{errors:?}"),
            other => panic!("expected a validation error on {field}, got {other:?}"),
        };
        refused(fields("return", &id.to_string()), "fileable_type");
        refused(fields("planet", &id.to_string()), "fileable_type");
        refused(fields("product", "nope"), "fileable_id");
        refused(LinkFields { fileable_type: Some("user".into()), ..LinkFields::default() }, "fileable_id");
        refused(LinkFields { fileable_id: Some(id.to_string()), ..LinkFields::default() }, "fileable_type");
        refused(LinkFields { alt: Some("orphan".into()), ..LinkFields::default() }, "alt");
        refused(LinkFields { role: Some("Bad Role".into()), ..fields("user", &id.to_string()) }, "role");
        refused(LinkFields { order: Some("-1".into()), ..fields("user", &id.to_string()) }, "order");
        refused(LinkFields { alt: Some("x".repeat(301)), ..fields("user", &id.to_string()) }, "alt");
    }

    #[test]
    fn link_targets_follow_ownership() {
        let seller = UserId::new();
        let owner = Actor::User { id: seller, role: Role::Seller };
        let other = Actor::User { id: UserId::new(), role: Role::Seller };
        let admin = Actor::User { id: UserId::new(), role: Role::Admin };
        let listed = ProductAccess { seller_id: seller, listed: true, deleted: false };
        let draft = ProductAccess { listed: false, ..listed };
        let product = FileableType::Product;
        assert!(check_link_target(&owner, product, LinkTarget::Product(draft)).is_ok());
        assert!(check_link_target(&admin, product, LinkTarget::Product(draft)).is_ok());
        assert!(matches!(
            check_link_target(&other, product, LinkTarget::Product(draft)),
            Err(DomainError::Validation(_))
        ));
        assert!(matches!(
            check_link_target(&other, product, LinkTarget::Product(listed)),
            Err(DomainError::Forbidden(_))
        ));
        assert!(matches!(
            check_link_target(&admin, product, LinkTarget::Missing),
            Err(DomainError::Validation(_))
        ));
        let user = FileableType::User;
        assert!(check_link_target(&owner, user, LinkTarget::OwnedBy(seller)).is_ok());
        assert!(matches!(
            check_link_target(&other, user, LinkTarget::OwnedBy(seller)),
            Err(DomainError::Validation(_))
        ));
        let review = FileableType::Review;
        assert!(matches!(
            check_link_target(&other, review, LinkTarget::OwnedBy(seller)),
            Err(DomainError::Forbidden(_))
        ));
        assert!(check_link_target(&admin, review, LinkTarget::OwnedBy(seller)).is_ok());
    }

    #[test]
    fn files_are_private_unless_storefront_media() {
        let uploader = UserId::new();
        let owner = Actor::User { id: uploader, role: Role::Buyer };
        let other = Actor::User { id: UserId::new(), role: Role::Buyer };
        let admin = Actor::User { id: UserId::new(), role: Role::Admin };
        let private = FileAccess { owner_id: Some(uploader), public: false };
        assert!(private.visible_to(&owner) && private.changeable_by(&owner));
        assert!(!private.visible_to(&other) && !private.visible_to(&Actor::Anonymous));
        assert!(private.visible_to(&admin) && private.changeable_by(&admin));
        let media = FileAccess { public: true, ..private };
        assert!(media.visible_to(&Actor::Anonymous) && !media.changeable_by(&other));
        let orphan = FileAccess { owner_id: None, public: false };
        assert!(!orphan.visible_to(&Actor::Anonymous) && orphan.visible_to(&admin));
    }

    #[test]
    fn links_publish_files_only_through_visible_objects() {
        let seller = UserId::new();
        let owner = Actor::User { id: seller, role: Role::Seller };
        let buyer_id = UserId::new();
        let buyer = Actor::User { id: buyer_id, role: Role::Buyer };
        let admin = Actor::User { id: UserId::new(), role: Role::Admin };
        let listed = ProductAccess { seller_id: seller, listed: true, deleted: false };
        let draft = ProductAccess { listed: false, ..listed };
        let deleted = ProductAccess { deleted: true, ..listed };
        assert!(LinkReach::Product(listed).publishes_to(&Actor::Anonymous));
        for hidden in [draft, deleted] {
            assert!(!LinkReach::Product(hidden).publishes_to(&Actor::Anonymous));
            assert!(!LinkReach::Product(hidden).publishes_to(&buyer));
            assert!(LinkReach::Product(hidden).publishes_to(&admin));
        }
        assert!(LinkReach::Product(draft).publishes_to(&owner), "sellers see their drafts' media");
        let review = LinkReach::Review { author: buyer_id, published: true, product: Some(listed) };
        assert!(review.publishes_to(&Actor::Anonymous));
        let pending = LinkReach::Review { author: buyer_id, published: false, product: Some(listed) };
        assert!(!pending.publishes_to(&Actor::Anonymous) && pending.publishes_to(&buyer));
        let of_draft = LinkReach::Review { author: buyer_id, published: true, product: Some(draft) };
        assert!(!of_draft.publishes_to(&Actor::Anonymous));
        let page = LinkReach::LandingPage(Some(listed));
        assert!(page.visible_to(&Actor::Anonymous) && !page.publishes_to(&Actor::Anonymous));
        assert!(LinkReach::LandingPage(Some(draft)).visible_to(&owner));
        assert!(!LinkReach::LandingPage(Some(draft)).visible_to(&buyer));
        assert!(
            LinkReach::User(buyer_id).visible_to(&buyer) && !LinkReach::User(buyer_id).visible_to(&owner)
        );
        assert!(!LinkReach::Missing.visible_to(&owner) && LinkReach::Missing.visible_to(&admin));
        let ret = LinkReach::Return { buyer: buyer_id, seller };
        assert!(ret.publishes_to(&buyer) && ret.publishes_to(&owner) && ret.publishes_to(&admin));
        let stranger = Actor::User { id: UserId::new(), role: Role::Buyer };
        assert!(!ret.publishes_to(&stranger) && !ret.publishes_to(&Actor::Anonymous));
    }

    #[test]
    fn gallery_links_need_images_and_room() {
        let (product, variant) = (FileableType::Product, FileableType::Variant);
        assert!(check_image_link(product, Some("image"), "image/png", 49).is_ok());
        assert!(check_image_link(product, Some("file"), "application/pdf", 50).is_ok());
        assert!(check_image_link(product, None, "application/pdf", 50).is_ok());
        assert!(check_image_link(FileableType::User, Some("image"), "application/pdf", 50).is_ok());
        assert!(check_image_link(variant, Some("image"), "image/png", 50).is_ok());
        let refused = |result: Result<(), DomainError>, fields: &[&str]| match result {
            Err(DomainError::Validation(errors)) => {
                for field in fields {
                    assert!(errors.get(field).is_some(), "{field}: {errors:?}");
                }
            }
            other => panic!("expected a validation error, got {other:?}"),
        };
        refused(check_image_link(product, Some("image"), "application/pdf", 0), &["file", "role"]);
        refused(check_image_link(variant, Some("image"), "application/pdf", 0), &["file", "role"]);
        refused(check_image_link(product, Some("image"), "image/png", 50), &["role"]);
    }

    #[test]
    fn mime_patterns_match_types_and_families() {
        let family: MimePattern = "image/*".parse().unwrap();
        assert!(family.matches("image/png") && family.matches("image/webp"));
        assert!(!family.matches("application/pdf"));
        let exact: MimePattern = "Application/PDF".parse().unwrap();
        assert!(exact.matches("application/pdf") && !exact.matches("application/zip"));
        for bad in ["image", "*/*", "image/", "/png", "image/png;x=1"] {
            assert!(bad.parse::<MimePattern>().is_err(), "{bad}");
        }
    }

    #[test]
    fn file_names_are_made_safe() {
        assert_eq!(safe_file_name("../../etc/passwd"), "passwd");
        assert_eq!(safe_file_name("C:\\photos\\lamp \"red\".png"), "lamp red.png");
        assert_eq!(safe_file_name("a\r\nb.pdf"), "ab.pdf");
        assert_eq!(safe_file_name(".."), "file");
        assert_eq!(safe_file_name(""), "file");
        assert_eq!(safe_file_name(&"x".repeat(400)).len(), 255);
    }

    #[test]
    fn lists_are_scoped_to_the_caller() {
        let id = UserId::new();
        let buyer = Actor::User { id, role: Role::Buyer };
        assert_eq!(FileFilter::default().scoped_to(&buyer).unwrap().owner_id, Some(id));
        let admin = Actor::User { id, role: Role::Admin };
        assert_eq!(FileFilter::default().scoped_to(&admin).unwrap().owner_id, None);
        assert!(FileFilter::default().scoped_to(&Actor::Anonymous).is_err());
    }
}
