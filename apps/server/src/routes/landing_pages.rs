//! Landing pages: single-product sales pages of sellers, read publicly.

use actix_web::{HttpResponse, delete, get, patch, post, web};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use souk_catalog::landing_page::LandingPageSort;
use souk_catalog::{CodType, LandingPage, LandingPageId};
use souk_marketplace::landing_pages::{LandingPagePatch, NewLandingPage};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use crate::app::AppState;
use crate::http::auth::Caller;
use crate::http::error::{ApiError, ErrorBody};
use crate::http::extractors::JsonBody;
use crate::http::query::QueryParams;
use crate::routes::auth::MessageResponse;
use crate::routes::users::double_option;
use crate::{list_envelope, one_envelope};

/// How the page takes a cash-on-delivery order.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum CodTypeName {
    /// Sends the buyer to the regular checkout.
    Checkout,
    /// Opens the order form in a pop-up.
    Popup,
    /// Shows the order form inside the page.
    Embedded,
}

impl From<CodType> for CodTypeName {
    fn from(kind: CodType) -> Self {
        match kind {
            CodType::Checkout => CodTypeName::Checkout,
            CodType::Popup => CodTypeName::Popup,
            CodType::Embedded => CodTypeName::Embedded,
        }
    }
}

impl From<CodTypeName> for CodType {
    fn from(kind: CodTypeName) -> Self {
        match kind {
            CodTypeName::Checkout => CodType::Checkout,
            CodTypeName::Popup => CodType::Popup,
            CodTypeName::Embedded => CodType::Embedded,
        }
    }
}

/// A landing page.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct LandingPageDto {
    /// Id.
    pub id: Uuid,
    /// The seller it belongs to (the product's seller).
    pub owner_id: Uuid,
    /// The product it sells.
    pub product_id: Uuid,
    /// Headline.
    #[schema(example = "The lamp that lights a whole room")]
    pub title: String,
    /// Unique URL slug.
    #[schema(example = "the-lamp-that-lights-a-whole-room")]
    pub slug: String,
    /// Search-engine description.
    pub meta_description: Option<String>,
    /// Language tag.
    #[schema(example = "en")]
    pub lang: String,
    /// Order form kind.
    pub cod_type: CodTypeName,
    /// Creation time.
    pub created_at: DateTime<Utc>,
    /// Last change.
    pub updated_at: DateTime<Utc>,
}

impl From<LandingPage> for LandingPageDto {
    fn from(p: LandingPage) -> Self {
        LandingPageDto {
            id: p.id.as_uuid(),
            owner_id: p.owner_id.as_uuid(),
            product_id: p.product_id,
            title: p.title,
            slug: p.slug,
            meta_description: p.meta_description,
            lang: p.lang,
            cod_type: p.cod_type.into(),
            created_at: p.created_at,
            updated_at: p.updated_at,
        }
    }
}

one_envelope!(
    /// `{"data": {"landing_page": ...}}`
    LandingPageResponse, LandingPageData, landing_page: LandingPageDto
);
list_envelope!(
    /// `{"data": {"landing_pages": [...], "pagination": ...}}`
    LandingPageListResponse, LandingPageListData, landing_pages: LandingPageDto
);

/// Query parameters of `GET /api/v1/landing-pages`.
#[derive(Debug, IntoParams)]
#[into_params(parameter_in = Query)]
#[allow(dead_code)]
pub struct LandingPageListQuery {
    /// Page number, from 1.
    #[param(minimum = 1, default = 1)]
    page: Option<u32>,
    /// Items per page, 1 to 200.
    #[param(minimum = 1, maximum = 200, default = 20)]
    page_size: Option<u32>,
    /// Sort key: `created_at` (default) or `title`.
    #[param(pattern = "^(created_at|title)$")]
    order_by: Option<String>,
    /// `ASC` or `DESC` (default), any case.
    #[param(pattern = "^([Aa][Ss][Cc]|[Dd][Ee][Ss][Cc])$")]
    order_direction: Option<String>,
    /// Product ids, comma-separated or repeated.
    product_id: Option<String>,
}

/// Lists landing pages. Public: pages of listed products; sellers also see their own, admins all.
#[utoipa::path(
    tag = "landing-pages",
    params(LandingPageListQuery),
    security((), ("bearer" = []), ("basic" = [])),
    responses(
        (status = 200, description = "A page of landing pages", body = LandingPageListResponse),
        (status = 400, description = "Malformed query string", body = ErrorBody),
        (status = 401, description = "Credentials were sent but are invalid", body = ErrorBody),
        (status = 422, description = "A filter, sort or page parameter is invalid", body = ErrorBody),
        (status = 429, description = "Rate limited", body = ErrorBody),
    )
)]
#[get("/landing-pages")]
pub async fn list_landing_pages(
    state: web::Data<AppState>,
    Caller(actor): Caller,
    query: QueryParams,
) -> Result<web::Json<LandingPageListResponse>, ApiError> {
    let mut reader = query.reader();
    let page = reader.page();
    let (sort, direction) = reader.sort::<LandingPageSort>();
    let product_ids: Vec<Uuid> = reader.uuids("product_id");
    reader.finish()?;
    let pages = state.marketplace.list_landing_pages(&actor, &product_ids, sort, direction, page).await?;
    Ok(web::Json(LandingPageListResponse::new(pages.map(LandingPageDto::from))))
}

/// One landing page, visible as in the list; anything else is `404`. Public.
#[utoipa::path(
    tag = "landing-pages",
    params(("id" = Uuid, Path, description = "Landing page id")),
    security((), ("bearer" = []), ("basic" = [])),
    responses(
        (status = 200, description = "The landing page", body = LandingPageResponse),
        (status = 401, description = "Credentials were sent but are invalid", body = ErrorBody),
        (status = 404, description = "No such landing page, or not visible to the caller", body = ErrorBody),
        (status = 429, description = "Rate limited", body = ErrorBody),
    )
)]
#[get("/landing-pages/{id}")]
pub async fn get_landing_page(
    state: web::Data<AppState>,
    Caller(actor): Caller,
    id: web::Path<Uuid>,
) -> Result<web::Json<LandingPageResponse>, ApiError> {
    let page = state.marketplace.get_landing_page(&actor, LandingPageId(id.into_inner())).await?;
    Ok(web::Json(LandingPageResponse::new(page.into())))
}

/// A new landing page.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateLandingPageRequest {
    /// Headline, 1 to 200 characters.
    #[schema(min_length = 1, max_length = 200)]
    pub title: String,
    /// URL slug; generated from the title (and made unique) when absent.
    #[schema(pattern = "^[a-z0-9]+(-[a-z0-9]+)*$", max_length = 120)]
    pub slug: Option<String>,
    /// The product it sells: one the caller sells (any, for admins).
    pub product_id: Uuid,
    /// Search-engine description, at most 500 characters.
    #[schema(max_length = 500)]
    pub meta_description: Option<String>,
    /// Language tag (BCP 47 style: `en`, `fr`, `ar-MA`); `en` when absent.
    #[schema(pattern = "^[A-Za-z]{2,3}(-[A-Za-z0-9]{1,8})*$", max_length = 16, example = "en")]
    pub lang: Option<String>,
    /// Order form kind.
    pub cod_type: CodTypeName,
}

/// Creates a landing page for a product. The page belongs to the product's seller, also when an
/// admin makes it. A product the caller cannot see is `422`; another seller's product is `403`.
/// Requires: seller (own products), admin. Permission: `landing_page:create`.
#[utoipa::path(
    tag = "landing-pages",
    params(("Idempotency-Key" = Option<String>, Header, pattern = "^[!-~]{1,255}$", description = "Replays the first response for retries within 24 h")),
    request_body = CreateLandingPageRequest,
    security(("bearer" = ["landing_page:create"]), ("basic" = ["landing_page:create"])),
    responses(
        (status = 201, description = "Created", body = LandingPageResponse),
        (status = 400, description = "Malformed JSON", body = ErrorBody),
        (status = 401, description = "Missing or invalid credentials", body = ErrorBody),
        (status = 403, description = "Not a seller or admin, or another seller's product", body = ErrorBody),
        (status = 409, description = "Slug taken, or a request with this Idempotency-Key in flight", body = ErrorBody),
        (status = 413, description = "Body over 1 MiB", body = ErrorBody),
        (status = 415, description = "Body is not JSON", body = ErrorBody),
        (status = 422, description = "Invalid fields or unknown product", body = ErrorBody),
        (status = 429, description = "Rate limited", body = ErrorBody),
    )
)]
#[post("/landing-pages")]
pub async fn create_landing_page(
    state: web::Data<AppState>,
    Caller(actor): Caller,
    JsonBody(input): JsonBody<CreateLandingPageRequest>,
) -> Result<HttpResponse, ApiError> {
    let input = NewLandingPage {
        title: input.title,
        slug: input.slug,
        product_id: input.product_id,
        meta_description: input.meta_description,
        lang: input.lang,
        cod_type: input.cod_type.into(),
    };
    let page = state.marketplace.create_landing_page(&actor, input).await?;
    Ok(HttpResponse::Created().json(LandingPageResponse::new(page.into())))
}

/// Changes to a landing page; absent fields stay as they are.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateLandingPageRequest {
    /// New headline.
    #[schema(min_length = 1, max_length = 200)]
    pub title: Option<String>,
    /// New slug.
    #[schema(pattern = "^[a-z0-9]+(-[a-z0-9]+)*$", max_length = 120)]
    pub slug: Option<String>,
    /// Another product the caller sells (any, for admins); the page follows its seller.
    pub product_id: Option<Uuid>,
    /// New meta description; `null` clears it.
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<String>, max_length = 500)]
    pub meta_description: Option<Option<String>>,
    /// New language tag.
    #[schema(pattern = "^[A-Za-z]{2,3}(-[A-Za-z0-9]{1,8})*$", max_length = 16)]
    pub lang: Option<String>,
    /// New order form kind.
    pub cod_type: Option<CodTypeName>,
}

/// Changes a landing page. Requires: its seller or an admin; others who can see it get `403`,
/// others `404`. Permission: `landing_page:update`.
#[utoipa::path(
    tag = "landing-pages",
    params(("id" = Uuid, Path, description = "Landing page id")),
    request_body = UpdateLandingPageRequest,
    security(("bearer" = ["landing_page:update"]), ("basic" = ["landing_page:update"])),
    responses(
        (status = 200, description = "The changed landing page", body = LandingPageResponse),
        (status = 400, description = "Malformed JSON", body = ErrorBody),
        (status = 401, description = "Missing or invalid credentials", body = ErrorBody),
        (status = 403, description = "Not the current seller of the page's product, or an admin", body = ErrorBody),
        (status = 404, description = "No such landing page, or not visible to the caller", body = ErrorBody),
        (status = 409, description = "Slug taken", body = ErrorBody),
        (status = 413, description = "Body over 1 MiB", body = ErrorBody),
        (status = 415, description = "Body is not JSON", body = ErrorBody),
        (status = 422, description = "Invalid fields or unknown product", body = ErrorBody),
        (status = 429, description = "Rate limited", body = ErrorBody),
    )
)]
#[patch("/landing-pages/{id}")]
pub async fn update_landing_page(
    state: web::Data<AppState>,
    Caller(actor): Caller,
    id: web::Path<Uuid>,
    JsonBody(input): JsonBody<UpdateLandingPageRequest>,
) -> Result<web::Json<LandingPageResponse>, ApiError> {
    let patch = LandingPagePatch {
        title: input.title,
        slug: input.slug,
        product_id: input.product_id,
        meta_description: input.meta_description,
        lang: input.lang,
        cod_type: input.cod_type.map(CodType::from),
    };
    let page = state.marketplace.update_landing_page(&actor, LandingPageId(id.into_inner()), patch).await?;
    Ok(web::Json(LandingPageResponse::new(page.into())))
}

/// Deletes a landing page. Requires: its seller or an admin; others who can see it get `403`,
/// others `404`. Permission: `landing_page:delete`.
#[utoipa::path(
    tag = "landing-pages",
    params(("id" = Uuid, Path, description = "Landing page id")),
    security(("bearer" = ["landing_page:delete"]), ("basic" = ["landing_page:delete"])),
    responses(
        (status = 200, description = "Deleted", body = MessageResponse),
        (status = 401, description = "Missing or invalid credentials", body = ErrorBody),
        (status = 403, description = "Not the current seller of the page's product, or an admin", body = ErrorBody),
        (status = 404, description = "No such landing page, or not visible to the caller", body = ErrorBody),
        (status = 429, description = "Rate limited", body = ErrorBody),
    )
)]
#[delete("/landing-pages/{id}")]
pub async fn delete_landing_page(
    state: web::Data<AppState>,
    Caller(actor): Caller,
    id: web::Path<Uuid>,
) -> Result<web::Json<MessageResponse>, ApiError> {
    state.marketplace.delete_landing_page(&actor, LandingPageId(id.into_inner())).await?;
    Ok(web::Json(MessageResponse::new("landing page deleted")))
}
