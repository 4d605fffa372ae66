//! Review use cases: buyers write one review per product, admins moderate, everyone reads what
//! the visibility rules allow.

use souk_auth::permission::require;
use souk_catalog::review::{ReviewFilter, ReviewPatch, ReviewSort, check_images, check_new};
use souk_catalog::{Audience, ProductAccess, Review, ReviewId, ReviewRepository, ReviewStatus};
use souk_kernel::{Actor, DomainError, Page, PageRequest, Role, SortDirection, UserId};
use souk_storage::products::product_access;
use souk_storage::reviews::file_facts;
use souk_storage::{SqlReviews, db_error};
use uuid::Uuid;

use crate::Marketplace;

/// A new review.
#[derive(Debug, Clone)]
pub struct NewReview {
    /// The reviewed product.
    pub product_id: Uuid,
    /// Stars, 1 to 5.
    pub rating: i64,
    /// Text, 1 to 5000 characters.
    pub content: String,
    /// Image files the buyer uploaded, in order.
    pub image_ids: Vec<Uuid>,
}

/// Whether `buyer` has a completed order for `product`, which makes its review a verified
/// purchase.
pub async fn verified_purchase(
    conn: &impl sea_orm::ConnectionTrait,
    buyer: UserId,
    product: Uuid,
) -> Result<bool, DomainError> {
    souk_storage::orders::bought_and_completed(conn, buyer, product).await
}

fn not_found() -> DomainError {
    DomainError::NotFound { resource: "review" }
}

/// A review the actor may see, or `NotFound`; with `lock` its row stays locked until the
/// transaction ends (PostgreSQL), so concurrent changes of it serialize instead of being lost.
async fn visible_review<C: sea_orm::ConnectionTrait + Send + Sync>(
    conn: &C,
    actor: &Actor,
    id: ReviewId,
    lock: bool,
) -> Result<Review, DomainError> {
    let reviews = SqlReviews::new(conn);
    let review = if lock { reviews.find_for_update(id).await? } else { reviews.find(id).await? };
    let review = review.ok_or_else(not_found)?;
    let product = product_access(conn, review.product_id).await?.ok_or_else(not_found)?;
    if review.visible_to(actor, &product) { Ok(review) } else { Err(not_found()) }
}

impl Marketplace {
    /// Writes a review (buyers only): the product must be visible to the buyer, one review per
    /// buyer and product, images must be the buyer's own image files. Starts `pending`.
    pub async fn create_review(&self, actor: &Actor, input: NewReview) -> Result<Review, DomainError> {
        require(actor, "review", "create")?;
        let (Some(author), Some(Role::Buyer)) = (actor.user_id(), actor.role()) else {
            return Err(DomainError::Forbidden("only buyers write reviews".into()));
        };
        let (rating, content, image_ids) = check_new(input.rating, &input.content, &input.image_ids)?;
        let tx = self.db.begin_write().await.map_err(db_error)?;
        let visible =
            product_access(&tx, input.product_id).await?.is_some_and(|p: ProductAccess| p.visible_to(actor));
        if !visible {
            return Err(DomainError::invalid("product_id", "names no product"));
        }
        let reviews = SqlReviews::new(&tx);
        if reviews.exists_for(input.product_id, author).await? {
            return Err(DomainError::Conflict("you have already reviewed this product".into()));
        }
        check_images(&image_ids, &file_facts(&tx, &image_ids).await?, author)?;
        let now = self.clock().now();
        let review = Review {
            id: ReviewId::new(),
            product_id: input.product_id,
            author_id: author,
            rating,
            content,
            status: ReviewStatus::Pending,
            verified_purchase: verified_purchase(&tx, author, input.product_id).await?,
            image_ids,
            created_at: now,
            updated_at: now,
        };
        reviews.insert(&review).await?;
        tx.commit().await.map_err(db_error)?;
        Ok(review)
    }

    /// A page of the reviews the actor may see: published ones of visible products, its own, and
    /// for admins all (public).
    pub async fn list_reviews(
        &self,
        actor: &Actor,
        filter: &ReviewFilter,
        sort: ReviewSort,
        direction: SortDirection,
        page: PageRequest,
    ) -> Result<Page<Review>, DomainError> {
        SqlReviews::new(&self.db.conn).list(Audience::of(actor), filter, sort, direction, page).await
    }

    /// One review the actor may see; any other is `NotFound` (public).
    pub async fn get_review(&self, actor: &Actor, id: ReviewId) -> Result<Review, DomainError> {
        visible_review(&self.db.conn, actor, id, false).await
    }

    /// Moderates (admin: `status`) or edits (author: `rating`, `content`) a review.
    pub async fn update_review(
        &self,
        actor: &Actor,
        id: ReviewId,
        patch: ReviewPatch,
    ) -> Result<Review, DomainError> {
        if actor.role().is_none() {
            return Err(DomainError::Unauthenticated);
        }
        let tx = self.db.begin_write().await.map_err(db_error)?;
        let mut review = visible_review(&tx, actor, id, true).await?;
        require(actor, "review", "update")?;
        review.apply(actor, patch, self.clock().now())?;
        SqlReviews::new(&tx).update(&review).await?;
        tx.commit().await.map_err(db_error)?;
        Ok(review)
    }

    /// Deletes a review and unlinks its images (author, admin).
    pub async fn delete_review(&self, actor: &Actor, id: ReviewId) -> Result<(), DomainError> {
        if actor.role().is_none() {
            return Err(DomainError::Unauthenticated);
        }
        let tx = self.db.begin_write().await.map_err(db_error)?;
        let review = visible_review(&tx, actor, id, true).await?;
        require(actor, "review", "delete")?;
        review.check_delete(actor)?;
        SqlReviews::new(&tx).delete(id).await?;
        tx.commit().await.map_err(db_error)
    }
}
