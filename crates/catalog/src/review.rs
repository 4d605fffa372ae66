//! Product reviews by buyers: one per buyer and product, moderated (`pending` until an admin
//! publishes it), with images the buyer uploaded. The rules of who sees and who changes what.

use std::collections::{HashMap, HashSet};

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use souk_kernel::{Actor, DomainError, FieldErrors, Page, PageRequest, SortDirection, UserId};
use uuid::Uuid;

use crate::access::ProductAccess;
use crate::audience::Audience;

souk_kernel::typed_id!(
    /// Identifies a review.
    ReviewId
);

souk_kernel::wire_enum!(
    /// Where a review stands in moderation.
    ReviewStatus {
        /// Waiting for an admin; seen only by its author and admins.
        Pending = "pending",
        /// Withdrawn by moderation; its author can no longer edit it.
        Hidden = "hidden",
        /// Public.
        Published = "published",
    }
);

/// Longest review text, in characters.
pub const MAX_CONTENT_LEN: usize = 5000;
/// Most images on one review.
pub const MAX_IMAGES: usize = 10;

/// A review.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Review {
    /// Id.
    pub id: ReviewId,
    /// The reviewed product.
    pub product_id: Uuid,
    /// The buyer who wrote it.
    pub author_id: UserId,
    /// Stars, 1 to 5.
    pub rating: u8,
    /// The text.
    pub content: String,
    /// Moderation state.
    pub status: ReviewStatus,
    /// The author had a completed order for the product when writing it.
    pub verified_purchase: bool,
    /// Attached image files, in order.
    pub image_ids: Vec<Uuid>,
    /// Creation time.
    pub created_at: DateTime<Utc>,
    /// Last change.
    pub updated_at: DateTime<Utc>,
}

/// Published reviews of one product, summed up for product pages.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RatingSummary {
    /// Number of published reviews.
    pub count: u64,
    /// Their mean rating (0 when there are none).
    pub average: f64,
}

/// Filters of the review list.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ReviewFilter {
    /// Only reviews of these products (any when empty).
    pub product_ids: Vec<Uuid>,
    /// Only these statuses (any the caller may see when empty).
    pub statuses: Vec<ReviewStatus>,
    /// Only ratings at or above this.
    pub min_rating: Option<u8>,
}

/// Sort keys of the review list.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ReviewSort {
    /// Creation time (the default).
    #[default]
    CreatedAt,
    /// Stars.
    Rating,
}

impl ReviewSort {
    /// The `order_by` names clients may use.
    pub const NAMES: [&'static str; 2] = ["created_at", "rating"];
}

impl std::str::FromStr for ReviewSort {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "created_at" => Ok(ReviewSort::CreatedAt),
            "rating" => Ok(ReviewSort::Rating),
            _ => Err(format!("must be one of: {}", ReviewSort::NAMES.join(", "))),
        }
    }
}

/// What review checks need to know about an uploaded file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileFacts {
    /// The uploader.
    pub owner_id: Option<UserId>,
    /// The sniffed content type.
    pub mime_type: String,
}

/// Persistence of reviews and their image links.
#[async_trait]
pub trait ReviewRepository: Send + Sync {
    /// One review with its images.
    async fn find(&self, id: ReviewId) -> Result<Option<Review>, DomainError>;
    /// One review with its images, its row locked until the transaction ends, for a
    /// read-modify-write (concurrent changes wait instead of being lost).
    async fn find_for_update(&self, id: ReviewId) -> Result<Option<Review>, DomainError>;
    /// Whether the buyer already reviewed the product.
    async fn exists_for(&self, product_id: Uuid, author_id: UserId) -> Result<bool, DomainError>;
    /// Stores a new review and links its images; a second review of the same product by the same
    /// buyer is a `Conflict`.
    async fn insert(&self, review: &Review) -> Result<(), DomainError>;
    /// Replaces a review's rating, content, status and time of change.
    async fn update(&self, review: &Review) -> Result<(), DomainError>;
    /// Deletes a review and unlinks its images (the files stay with their owner).
    async fn delete(&self, id: ReviewId) -> Result<(), DomainError>;
    /// One page of the reviews the audience may see that match the filter.
    async fn list(
        &self,
        audience: Audience,
        filter: &ReviewFilter,
        sort: ReviewSort,
        direction: SortDirection,
        page: PageRequest,
    ) -> Result<Page<Review>, DomainError>;
}

/// Checks a rating (1 to 5) into `errors`, returning it when valid.
fn check_rating(rating: i64, errors: &mut FieldErrors) -> Option<u8> {
    match u8::try_from(rating) {
        Ok(stars @ 1..=5) => Some(stars),
        _ => {
            errors.add("rating", "must be an integer from 1 to 5");
            None
        }
    }
}

/// Checks review text (1 to 5000 characters after trimming) into `errors`, returning it trimmed.
fn check_content(content: &str, errors: &mut FieldErrors) -> String {
    let trimmed = content.trim();
    if !(1..=MAX_CONTENT_LEN).contains(&trimmed.chars().count()) {
        errors.add("content", format!("must be 1 to {MAX_CONTENT_LEN} characters"));
    }
    trimmed.to_owned()
}

/// The checked fields of a new review: rating, trimmed content, and image ids without duplicates.
pub fn check_new(
    rating: i64,
    content: &str,
    image_ids: &[Uuid],
) -> Result<(u8, String, Vec<Uuid>), DomainError> {
    let mut errors = FieldErrors::new();
    let stars = check_rating(rating, &mut errors);
    let content = check_content(content, &mut errors);
    let mut seen = HashSet::new();
    let images: Vec<Uuid> = image_ids.iter().copied().filter(|id| seen.insert(*id)).collect();
    if images.len() > MAX_IMAGES {
        errors.add("image_ids", format!("must hold at most {MAX_IMAGES} images"));
    }
    errors.into_result()?;
    Ok((stars.unwrap_or(1), content, images))
}

/// Refuses image ids that are not image files uploaded by the author, naming each.
pub fn check_images(
    image_ids: &[Uuid],
    files: &HashMap<Uuid, FileFacts>,
    author: UserId,
) -> Result<(), DomainError> {
    let mut errors = FieldErrors::new();
    for id in image_ids {
        match files.get(id) {
            None => errors.add("image_ids", format!("{id} names no file")),
            Some(file) if file.owner_id != Some(author) => {
                errors.add("image_ids", format!("{id} is not a file you uploaded"))
            }
            Some(file) if !file.mime_type.starts_with("image/") => {
                errors.add("image_ids", format!("{id} is not an image"))
            }
            Some(_) => {}
        }
    }
    errors.into_result()
}

/// Changes to a review: admins set `status`; the author sets `rating` and `content`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ReviewPatch {
    /// New moderation state (admins only).
    pub status: Option<ReviewStatus>,
    /// New rating (the author only).
    pub rating: Option<i64>,
    /// New text (the author only).
    pub content: Option<String>,
}

impl Review {
    /// True when the actor wrote this review.
    pub fn written_by(&self, actor: &Actor) -> bool {
        actor.user_id() == Some(self.author_id)
    }

    /// Admins see every review, authors their own; everyone else published reviews of products
    /// visible to them.
    pub fn visible_to(&self, actor: &Actor, product: &ProductAccess) -> bool {
        actor.is_admin()
            || self.written_by(actor)
            || (self.status == ReviewStatus::Published && product.visible_to(actor))
    }

    /// Authors and admins delete reviews.
    pub fn check_delete(&self, actor: &Actor) -> Result<(), DomainError> {
        if actor.is_admin() || self.written_by(actor) {
            Ok(())
        } else {
            Err(DomainError::Forbidden("only the author or an admin may delete this review".into()))
        }
    }

    /// Applies a change for the actor. Admins moderate (`status` only); the author edits rating
    /// and content while the review is not hidden, and an edit of a published review sends it
    /// back to `pending` for moderation. Anyone else is `Forbidden`.
    pub fn apply(
        &mut self,
        actor: &Actor,
        patch: ReviewPatch,
        now: DateTime<Utc>,
    ) -> Result<(), DomainError> {
        let edits = patch.rating.is_some() || patch.content.is_some();
        if actor.is_admin() && !self.written_by(actor) {
            if edits {
                return Err(DomainError::Forbidden(
                    "admins moderate a review's status; its rating and content belong to the author".into(),
                ));
            }
        } else if self.written_by(actor) {
            if patch.status.is_some() {
                return Err(DomainError::Forbidden("only admins change a review's status".into()));
            }
            if edits && self.status == ReviewStatus::Hidden {
                return Err(DomainError::Forbidden(
                    "the review is hidden by moderation and cannot be edited".into(),
                ));
            }
        } else {
            return Err(DomainError::Forbidden("only the author or an admin may change this review".into()));
        }
        let mut errors = FieldErrors::new();
        let rating = patch.rating.and_then(|rating| check_rating(rating, &mut errors));
        let content = patch.content.as_deref().map(|content| check_content(content, &mut errors));
        errors.into_result()?;
        if let Some(status) = patch.status {
            self.status = status;
        }
        let changed =
            rating.is_some_and(|r| r != self.rating) || content.as_ref().is_some_and(|c| *c != self.content);
        if let Some(rating) = rating {
            self.rating = rating;
        }
        if let Some(content) = content {
            self.content = content;
        }
        if changed && self.status == ReviewStatus::Published {
            self.status = ReviewStatus::Pending;
        }
        self.updated_at = now;
        Ok(())
    }
}

/// Sums up published ratings: `(count, sum of stars)` per product becomes count and mean.
pub fn summarize(count: u64, sum: i64) -> RatingSummary {
    let average = if count == 0 { 0.0 } else { sum as f64 / count as f64 };
    RatingSummary { count, average }
}

#[cfg(test)]
mod tests {
    use souk_kernel::Role;

    use super::*;

    fn review(author: UserId, status: ReviewStatus) -> Review {
        let now = Utc::now();
        Review {
            id: ReviewId::new(),
            product_id: Uuid::now_v7(),
            author_id: author,
            rating: 4,
            content: "Sturdy".into(),
            status,
            verified_purchase: false,
            image_ids: vec![],
            created_at: now,
            updated_at: now,
        }
    }

    fn actors() -> (Actor, Actor, Actor) {
        let author = Actor::User { id: UserId::new(), role: Role::Buyer };
        let other = Actor::User { id: UserId::new(), role: Role::Buyer };
        let admin = Actor::User { id: UserId::new(), role: Role::Admin };
        (author, other, admin)
    }

    #[test]
    fn new_reviews_are_checked() {
        let image = Uuid::now_v7();
        assert_eq!(check_new(5, "  Great  ", &[image, image]).unwrap(), (5, "Great".into(), vec![image]));
        let Err(DomainError::Validation(errors)) = check_new(6, " ", &[]) else { panic!("invalid") };
        assert!(errors.get("rating").is_some() && errors.get("content").is_some());
        assert!(check_new(0, "ok", &[]).is_err());
        assert!(check_new(3, &"x".repeat(MAX_CONTENT_LEN + 1), &[]).is_err());
        let many: Vec<Uuid> = (0..=MAX_IMAGES).map(|_| Uuid::now_v7()).collect();
        assert!(check_new(3, "ok", &many).is_err());
    }

    #[test]
    fn images_must_be_the_authors_image_files() {
        let author = UserId::new();
        let [mine, theirs, pdf, missing] = [Uuid::now_v7(), Uuid::now_v7(), Uuid::now_v7(), Uuid::now_v7()];
        let files = HashMap::from([
            (mine, FileFacts { owner_id: Some(author), mime_type: "image/png".into() }),
            (theirs, FileFacts { owner_id: Some(UserId::new()), mime_type: "image/png".into() }),
            (pdf, FileFacts { owner_id: Some(author), mime_type: "application/pdf".into() }),
        ]);
        assert!(check_images(&[mine], &files, author).is_ok());
        let Err(DomainError::Validation(errors)) =
            check_images(&[mine, theirs, pdf, missing], &files, author)
        else {
            panic!("invalid images")
        };
        assert_eq!(errors.get("image_ids").unwrap().len(), 3);
    }

    #[test]
    fn visibility_follows_status_and_authorship() {
        let (author, other, admin) = actors();
        let listed = ProductAccess { seller_id: UserId::new(), listed: true, deleted: false };
        let pending = review(author.user_id().unwrap(), ReviewStatus::Pending);
        assert!(pending.visible_to(&author, &listed) && pending.visible_to(&admin, &listed));
        assert!(!pending.visible_to(&other, &listed) && !pending.visible_to(&Actor::Anonymous, &listed));
        let published = Review { status: ReviewStatus::Published, ..pending };
        assert!(published.visible_to(&Actor::Anonymous, &listed));
        let gone = ProductAccess { deleted: true, ..listed };
        assert!(!published.visible_to(&other, &gone), "reviews of hidden products are hidden");
    }

    #[test]
    fn admins_moderate_and_authors_edit() {
        let (author, other, admin) = actors();
        let now = Utc::now();
        let mut r = review(author.user_id().unwrap(), ReviewStatus::Pending);
        let publish = ReviewPatch { status: Some(ReviewStatus::Published), ..Default::default() };
        assert!(matches!(r.apply(&author, publish.clone(), now), Err(DomainError::Forbidden(_))));
        assert!(matches!(r.apply(&other, publish.clone(), now), Err(DomainError::Forbidden(_))));
        r.apply(&admin, publish, now).unwrap();
        assert_eq!(r.status, ReviewStatus::Published);
        let rewrite = ReviewPatch { content: Some("Edited".into()), ..Default::default() };
        assert!(matches!(r.apply(&admin, rewrite.clone(), now), Err(DomainError::Forbidden(_))));
        r.apply(&author, rewrite, now).unwrap();
        assert_eq!(
            (r.content.as_str(), r.status),
            ("Edited", ReviewStatus::Pending),
            "edits go back to moderation"
        );
        let bad = ReviewPatch { rating: Some(9), ..Default::default() };
        assert!(matches!(r.apply(&author, bad, now), Err(DomainError::Validation(_))));
        r.status = ReviewStatus::Hidden;
        let edit = ReviewPatch { rating: Some(2), ..Default::default() };
        assert!(matches!(r.apply(&author, edit, now), Err(DomainError::Forbidden(_))), "hidden is frozen");
        assert!(r.check_delete(&author).is_ok() && r.check_delete(&admin).is_ok());
        assert!(r.check_delete(&other).is_err());
    }

    #[test]
    fn summaries_average_the_stars() {
        assert_eq!(summarize(4, 14), RatingSummary { count: 4, average: 3.5 });
        assert_eq!(summarize(0, 0).average, 0.0);
    }
}
