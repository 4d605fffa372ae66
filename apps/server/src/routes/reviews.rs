//! Product reviews: buyers write, admins moderate, everyone reads published ones.

use actix_web::{HttpResponse, delete, get, patch, post, web};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use souk_catalog::review::{ReviewFilter, ReviewPatch, ReviewSort};
use souk_catalog::{Review, ReviewId, ReviewStatus};
use souk_marketplace::reviews::NewReview;
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use crate::app::AppState;
use crate::http::auth::Caller;
use crate::http::error::{ApiError, ErrorBody};
use crate::http::extractors::JsonBody;
use crate::http::query::QueryParams;
use crate::routes::auth::MessageResponse;
use crate::{list_envelope, one_envelope};

/// A review's moderation state.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum ReviewStatusName {
    /// Waiting for moderation; seen by its author and admins only.
    Pending,
    /// Withdrawn by moderation; its author can no longer edit it.
    Hidden,
    /// Public.
    Published,
}

impl From<ReviewStatus> for ReviewStatusName {
    fn from(status: ReviewStatus) -> Self {
        match status {
            ReviewStatus::Pending => ReviewStatusName::Pending,
            ReviewStatus::Hidden => ReviewStatusName::Hidden,
            ReviewStatus::Published => ReviewStatusName::Published,
        }
    }
}

impl From<ReviewStatusName> for ReviewStatus {
    fn from(status: ReviewStatusName) -> Self {
        match status {
            ReviewStatusName::Pending => ReviewStatus::Pending,
            ReviewStatusName::Hidden => ReviewStatus::Hidden,
            ReviewStatusName::Published => ReviewStatus::Published,
        }
    }
}

/// An image attached to a review.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ReviewImageDto {
    /// File id.
    pub id: Uuid,
    /// Where to download it.
    #[schema(example = "/api/v1/files/0192c0de-0000-7000-8000-000000000000/content")]
    pub url: String,
}

/// A product review.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ReviewDto {
    /// Id.
    pub id: Uuid,
    /// The reviewed product.
    pub product_id: Uuid,
    /// The buyer who wrote it.
    pub author_id: Uuid,
    /// Stars, 1 to 5.
    #[schema(minimum = 1, maximum = 5)]
    pub rating: u8,
    /// The text.
    pub content: String,
    /// Moderation state.
    pub status: ReviewStatusName,
    /// The author had a completed order for the product when writing it.
    pub verified_purchase: bool,
    /// Attached images in order.
    pub images: Vec<ReviewImageDto>,
    /// Creation time.
    pub created_at: DateTime<Utc>,
    /// Last change.
    pub updated_at: DateTime<Utc>,
}

impl From<Review> for ReviewDto {
    fn from(r: Review) -> Self {
        ReviewDto {
            id: r.id.as_uuid(),
            product_id: r.product_id,
            author_id: r.author_id.as_uuid(),
            rating: r.rating,
            content: r.content,
            status: r.status.into(),
            verified_purchase: r.verified_purchase,
            images: r
                .image_ids
                .into_iter()
                .map(|id| ReviewImageDto { id, url: format!("/api/v1/files/{id}/content") })
                .collect(),
            created_at: r.created_at,
            updated_at: r.updated_at,
        }
    }
}

one_envelope!(
    /// `{"data": {"review": ...}}`
    ReviewResponse, ReviewData, review: ReviewDto
);
list_envelope!(
    /// `{"data": {"reviews": [...], "pagination": ...}}`
    ReviewListResponse, ReviewListData, reviews: ReviewDto
);

/// Query parameters of `GET /api/v1/reviews`.
#[derive(Debug, IntoParams)]
#[into_params(parameter_in = Query)]
#[allow(dead_code)]
pub struct ReviewListQuery {
    /// Page number, from 1.
    #[param(minimum = 1, default = 1)]
    page: Option<u32>,
    /// Items per page, 1 to 200.
    #[param(minimum = 1, maximum = 200, default = 20)]
    page_size: Option<u32>,
    /// Sort key: `created_at` (default) or `rating`.
    #[param(pattern = "^(created_at|rating)$")]
    order_by: Option<String>,
    /// `ASC` or `DESC` (default), any case.
    #[param(pattern = "^([Aa][Ss][Cc]|[Dd][Ee][Ss][Cc])$")]
    order_direction: Option<String>,
    /// Product ids, comma-separated or repeated.
    product_id: Option<String>,
    /// Statuses, comma-separated or repeated: `pending`, `hidden`, `published`. Non-admins only
    /// ever get published reviews plus their own, whatever they ask for.
    status: Option<String>,
    /// Minimum rating, 1 to 5.
    #[param(minimum = 1, maximum = 5)]
    rating: Option<u8>,
}

/// A minimum rating in the query.
struct MinRating(u8);

impl std::str::FromStr for MinRating {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.parse::<u8>() {
            Ok(stars @ 1..=5) => Ok(MinRating(stars)),
            _ => Err("must be an integer from 1 to 5".into()),
        }
    }
}

/// Lists reviews. Public: anonymous callers see published reviews of listed products; a
/// signed-in caller also sees its own reviews in any state; admins see all.
#[utoipa::path(
    tag = "reviews",
    params(ReviewListQuery),
    security((), ("bearer" = []), ("basic" = [])),
    responses(
        (status = 200, description = "A page of reviews", body = ReviewListResponse),
        (status = 400, description = "Malformed query string", body = ErrorBody),
        (status = 401, description = "Credentials were sent but are invalid", body = ErrorBody),
        (status = 422, description = "A filter, sort or page parameter is invalid", body = ErrorBody),
        (status = 429, description = "Rate limited", body = ErrorBody),
    )
)]
#[get("/reviews")]
pub async fn list_reviews(
    state: web::Data<AppState>,
    Caller(actor): Caller,
    query: QueryParams,
) -> Result<web::Json<ReviewListResponse>, ApiError> {
    let mut reader = query.reader();
    let page = reader.page();
    let (sort, direction) = reader.sort::<ReviewSort>();
    let filter = ReviewFilter {
        product_ids: reader.uuids("product_id"),
        statuses: reader.many("status"),
        min_rating: reader.parsed::<MinRating>("rating").map(|r| r.0),
    };
    reader.finish()?;
    let reviews = state.marketplace.list_reviews(&actor, &filter, sort, direction, page).await?;
    Ok(web::Json(ReviewListResponse::new(reviews.map(ReviewDto::from))))
}

/// One review: published ones of visible products for everyone, its own for the author, any for
/// admins; anything else is `404`. Public.
#[utoipa::path(
    tag = "reviews",
    params(("id" = Uuid, Path, description = "Review id")),
    security((), ("bearer" = []), ("basic" = [])),
    responses(
        (status = 200, description = "The review", body = ReviewResponse),
        (status = 401, description = "Credentials were sent but are invalid", body = ErrorBody),
        (status = 404, description = "No such review, or not visible to the caller", body = ErrorBody),
        (status = 429, description = "Rate limited", body = ErrorBody),
    )
)]
#[get("/reviews/{id}")]
pub async fn get_review(
    state: web::Data<AppState>,
    Caller(actor): Caller,
    id: web::Path<Uuid>,
) -> Result<web::Json<ReviewResponse>, ApiError> {
    let review = state.marketplace.get_review(&actor, ReviewId(id.into_inner())).await?;
    Ok(web::Json(ReviewResponse::new(review.into())))
}

/// A new review.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateReviewRequest {
    /// The product; it must be visible to the buyer.
    pub product_id: Uuid,
    /// Stars, 1 to 5.
    #[schema(minimum = 1, maximum = 5, example = 5)]
    pub rating: i64,
    /// Text, 1 to 5000 characters (trimmed).
    #[schema(min_length = 1, max_length = 5000)]
    pub content: String,
    /// Image files the buyer uploaded (`POST /files`), in display order; at most 10, duplicates
    /// collapse.
    #[serde(default)]
    #[schema(max_items = 10)]
    pub image_ids: Vec<Uuid>,
}

/// Writes a review. It starts `pending` until an admin publishes it; `verified_purchase` is true
/// when the buyer has a completed order for the product. One review per buyer and product
/// (`409`). Requires: buyer. Permission: `review:create`.
#[utoipa::path(
    tag = "reviews",
    params(("Idempotency-Key" = Option<String>, Header, pattern = "^[!-~]{1,255}$", description = "Replays the first response for retries within 24 h")),
    request_body = CreateReviewRequest,
    security(("bearer" = ["review:create"]), ("basic" = ["review:create"])),
    responses(
        (status = 201, description = "Created", body = ReviewResponse),
        (status = 400, description = "Malformed JSON", body = ErrorBody),
        (status = 401, description = "Missing or invalid credentials", body = ErrorBody),
        (status = 403, description = "Not a buyer", body = ErrorBody),
        (status = 409, description = "The buyer already reviewed this product, or a request with this Idempotency-Key in flight", body = ErrorBody),
        (status = 413, description = "Body over 1 MiB", body = ErrorBody),
        (status = 415, description = "Body is not JSON", body = ErrorBody),
        (status = 422, description = "Invalid fields, a product the buyer cannot see, or images that are not the buyer's image files", body = ErrorBody),
        (status = 429, description = "Rate limited", body = ErrorBody),
    )
)]
#[post("/reviews")]
pub async fn create_review(
    state: web::Data<AppState>,
    Caller(actor): Caller,
    JsonBody(input): JsonBody<CreateReviewRequest>,
) -> Result<HttpResponse, ApiError> {
    let input = NewReview {
        product_id: input.product_id,
        rating: input.rating,
        content: input.content,
        image_ids: input.image_ids,
    };
    let review = state.marketplace.create_review(&actor, input).await?;
    Ok(HttpResponse::Created().json(ReviewResponse::new(review.into())))
}

/// Changes to a review: admins send `status`; the author sends `rating` and/or `content`.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateReviewRequest {
    /// New moderation state (admins only).
    pub status: Option<ReviewStatusName>,
    /// New stars, 1 to 5 (the author only).
    #[schema(minimum = 1, maximum = 5)]
    pub rating: Option<i64>,
    /// New text, 1 to 5000 characters (the author only).
    #[schema(min_length = 1, max_length = 5000)]
    pub content: Option<String>,
}

/// Moderates or edits a review. Admins set `status` (and nothing else); the author changes
/// `rating` and `content` while the review is not hidden, and an edit of a published review sends
/// it back to `pending`. The author sending `status`, or anyone else who can see the review, is
/// `403`. Permission: `review:update`.
#[utoipa::path(
    tag = "reviews",
    params(("id" = Uuid, Path, description = "Review id")),
    request_body = UpdateReviewRequest,
    security(("bearer" = ["review:update"]), ("basic" = ["review:update"])),
    responses(
        (status = 200, description = "The changed review", body = ReviewResponse),
        (status = 400, description = "Malformed JSON", body = ErrorBody),
        (status = 401, description = "Missing or invalid credentials", body = ErrorBody),
        (status = 403, description = "Not the author or an admin, a field the caller may not set, or a hidden review", body = ErrorBody),
        (status = 404, description = "No such review, or not visible to the caller", body = ErrorBody),
        (status = 413, description = "Body over 1 MiB", body = ErrorBody),
        (status = 415, description = "Body is not JSON", body = ErrorBody),
        (status = 422, description = "Invalid fields", body = ErrorBody),
        (status = 429, description = "Rate limited", body = ErrorBody),
    )
)]
#[patch("/reviews/{id}")]
pub async fn update_review(
    state: web::Data<AppState>,
    Caller(actor): Caller,
    id: web::Path<Uuid>,
    JsonBody(input): JsonBody<UpdateReviewRequest>,
) -> Result<web::Json<ReviewResponse>, ApiError> {
    let patch = ReviewPatch {
        status: input.status.map(ReviewStatus::from),
        rating: input.rating,
        content: input.content,
    };
    let review = state.marketplace.update_review(&actor, ReviewId(id.into_inner()), patch).await?;
    Ok(web::Json(ReviewResponse::new(review.into())))
}

/// Deletes a review and unlinks its images (the files stay with the buyer). Requires: the author
/// or an admin. Permission: `review:delete`.
#[utoipa::path(
    tag = "reviews",
    params(("id" = Uuid, Path, description = "Review id")),
    security(("bearer" = ["review:delete"]), ("basic" = ["review:delete"])),
    responses(
        (status = 200, description = "Deleted", body = MessageResponse),
        (status = 401, description = "Missing or invalid credentials", body = ErrorBody),
        (status = 403, description = "Not the author or an admin", body = ErrorBody),
        (status = 404, description = "No such review, or not visible to the caller", body = ErrorBody),
        (status = 429, description = "Rate limited", body = ErrorBody),
    )
)]
#[delete("/reviews/{id}")]
pub async fn delete_review(
    state: web::Data<AppState>,
    Caller(actor): Caller,
    id: web::Path<Uuid>,
) -> Result<web::Json<MessageResponse>, ApiError> {
    state.marketplace.delete_review(&actor, ReviewId(id.into_inner())).await?;
    Ok(web::Json(MessageResponse::new("review deleted")))
}
