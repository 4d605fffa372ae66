//! Seller and buyer profiles, and seller approval.

use actix_web::{get, patch, post, web};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use souk_auth::User;
use souk_auth::profile::{ApprovalStatus, BuyerProfile, SellerProfile};
use souk_kernel::UserId;
use souk_marketplace::profiles::{BuyerPatch, SellerPatch};
use utoipa::ToSchema;
use uuid::Uuid;

use crate::app::AppState;
use crate::http::auth::Caller;
use crate::http::error::{ApiError, ErrorBody};
use crate::http::extractors::JsonBody;
use crate::http::query::QueryParams;
use crate::routes::users::{UserDto, double_option};
use crate::{list_envelope, one_envelope};

/// A seller's approval state.
#[derive(Debug, Clone, Copy, Serialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum ApprovalName {
    /// Awaiting review; may not sign in.
    Pending,
    /// May sign in and sell.
    Approved,
    /// Refused.
    Rejected,
}

impl From<ApprovalStatus> for ApprovalName {
    fn from(a: ApprovalStatus) -> Self {
        match a {
            ApprovalStatus::Pending => ApprovalName::Pending,
            ApprovalStatus::Approved => ApprovalName::Approved,
            ApprovalStatus::Rejected => ApprovalName::Rejected,
        }
    }
}

/// A seller profile with its account.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct SellerDto {
    /// The seller's user id.
    pub id: Uuid,
    /// Shop name.
    pub store_name: Option<String>,
    /// Business address.
    pub address: String,
    /// Approval state.
    pub approval_status: ApprovalName,
    /// Whether the seller is approved.
    pub approved: bool,
    /// When approval last changed.
    pub reviewed_at: Option<DateTime<Utc>>,
    /// The stored licence file.
    pub license_file_id: Option<Uuid>,
    /// The stored profile picture.
    pub profile_pic_file_id: Option<Uuid>,
    /// The account.
    pub user: UserDto,
}

impl From<(User, SellerProfile)> for SellerDto {
    fn from((user, s): (User, SellerProfile)) -> Self {
        SellerDto {
            id: s.user_id.as_uuid(),
            store_name: s.store_name,
            address: s.address,
            approval_status: s.approval.into(),
            approved: s.approval == ApprovalStatus::Approved,
            reviewed_at: s.reviewed_at,
            license_file_id: s.license_file_id,
            profile_pic_file_id: s.profile_pic_file_id,
            user: user.into(),
        }
    }
}

/// A buyer profile with its account.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct BuyerDto {
    /// The buyer's user id.
    pub id: Uuid,
    /// Default shipping address.
    pub address: Option<String>,
    /// The account.
    pub user: UserDto,
}

impl From<(User, BuyerProfile)> for BuyerDto {
    fn from((user, b): (User, BuyerProfile)) -> Self {
        BuyerDto { id: b.user_id.as_uuid(), address: b.address, user: user.into() }
    }
}

one_envelope!(
    /// `{"data": {"seller": ...}}`
    SellerResponse, SellerData, seller: SellerDto
);
one_envelope!(
    /// `{"data": {"buyer": ...}}`
    BuyerResponse, BuyerData, buyer: BuyerDto
);
list_envelope!(
    /// `{"data": {"sellers": [...], "pagination": ...}}`
    SellerListResponse, SellerListData, sellers: SellerDto
);
list_envelope!(
    /// `{"data": {"buyers": [...], "pagination": ...}}`
    BuyerListResponse, BuyerListData, buyers: BuyerDto
);

/// Sellers, oldest first, optionally by approval (`approval_status=pending,approved`). Requires: admin.
/// Permission: `user:view` (a client needs it among its scopes).
#[utoipa::path(
    tag = "profiles",
    params(
        ("page" = Option<u32>, Query, minimum = 1, description = "Page number"),
        ("page_size" = Option<u32>, Query, minimum = 1, maximum = 200, description = "Items per page"),
        ("approval_status" = Option<String>, Query, description = "`pending`, `approved`, `rejected`; comma-separated or repeated"),
    ),
    security(("bearer" = ["user:view"]), ("basic" = ["user:view"])),
    responses(
        (status = 200, description = "A page of sellers", body = SellerListResponse),
        (status = 400, description = "Malformed query string", body = ErrorBody),
        (status = 401, description = "Missing or invalid credentials", body = ErrorBody),
        (status = 403, description = "Not an admin", body = ErrorBody),
        (status = 422, description = "Invalid parameters", body = ErrorBody),
        (status = 429, description = "Rate limited", body = ErrorBody),
    )
)]
#[get("/sellers")]
pub async fn list_sellers(
    state: web::Data<AppState>,
    Caller(actor): Caller,
    query: QueryParams,
) -> Result<web::Json<SellerListResponse>, ApiError> {
    let mut reader = query.reader();
    let page = reader.page();
    let approval: Vec<ApprovalStatus> = reader.many("approval_status");
    reader.finish()?;
    let sellers = state.marketplace.list_sellers(&actor, &approval, page).await?;
    Ok(web::Json(SellerListResponse::new(sellers.map(SellerDto::from))))
}

/// Buyers, oldest first. Requires: admin.
/// Permission: `user:view` (a client needs it among its scopes).
#[utoipa::path(
    tag = "profiles",
    params(
        ("page" = Option<u32>, Query, minimum = 1, description = "Page number"),
        ("page_size" = Option<u32>, Query, minimum = 1, maximum = 200, description = "Items per page"),
    ),
    security(("bearer" = ["user:view"]), ("basic" = ["user:view"])),
    responses(
        (status = 200, description = "A page of buyers", body = BuyerListResponse),
        (status = 400, description = "Malformed query string", body = ErrorBody),
        (status = 401, description = "Missing or invalid credentials", body = ErrorBody),
        (status = 403, description = "Not an admin", body = ErrorBody),
        (status = 422, description = "Invalid parameters", body = ErrorBody),
        (status = 429, description = "Rate limited", body = ErrorBody),
    )
)]
#[get("/buyers")]
pub async fn list_buyers(
    state: web::Data<AppState>,
    Caller(actor): Caller,
    query: QueryParams,
) -> Result<web::Json<BuyerListResponse>, ApiError> {
    let page = query.page_only()?;
    let buyers = state.marketplace.list_buyers(&actor, page).await?;
    Ok(web::Json(BuyerListResponse::new(buyers.map(BuyerDto::from))))
}

/// A seller's profile. Requires: any signed-in caller.
/// Permission: `user:view` (a client needs it among its scopes).
#[utoipa::path(
    tag = "profiles",
    params(("id" = Uuid, Path, description = "The seller's user id")),
    security(("bearer" = ["user:view"]), ("basic" = ["user:view"])),
    responses(
        (status = 200, description = "The seller", body = SellerResponse),
        (status = 401, description = "Missing or invalid credentials", body = ErrorBody),
        (status = 404, description = "No such seller", body = ErrorBody),
        (status = 429, description = "Rate limited", body = ErrorBody),
    )
)]
#[get("/sellers/{id}")]
pub async fn get_seller(
    state: web::Data<AppState>,
    Caller(actor): Caller,
    id: web::Path<Uuid>,
) -> Result<web::Json<SellerResponse>, ApiError> {
    let seller = state.marketplace.get_seller(&actor, UserId(id.into_inner())).await?;
    Ok(web::Json(SellerResponse::new(seller.into())))
}

/// A buyer's profile. Requires: the buyer itself or an admin (others get `404`).
/// Permission: `user:view` (a client needs it among its scopes).
#[utoipa::path(
    tag = "profiles",
    params(("id" = Uuid, Path, description = "The buyer's user id")),
    security(("bearer" = ["user:view"]), ("basic" = ["user:view"])),
    responses(
        (status = 200, description = "The buyer", body = BuyerResponse),
        (status = 401, description = "Missing or invalid credentials", body = ErrorBody),
        (status = 404, description = "No such buyer, or not visible to the caller", body = ErrorBody),
        (status = 429, description = "Rate limited", body = ErrorBody),
    )
)]
#[get("/buyers/{id}")]
pub async fn get_buyer(
    state: web::Data<AppState>,
    Caller(actor): Caller,
    id: web::Path<Uuid>,
) -> Result<web::Json<BuyerResponse>, ApiError> {
    let buyer = state.marketplace.get_buyer(&actor, UserId(id.into_inner())).await?;
    Ok(web::Json(BuyerResponse::new(buyer.into())))
}

/// Changes to a seller profile.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateSellerRequest {
    /// New shop name; `null` clears it.
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<String>)]
    pub store_name: Option<Option<String>>,
    /// New business address.
    pub address: Option<String>,
    /// Approve (`true`) or reject (`false`); admins only.
    pub approved: Option<bool>,
}

/// Changes a seller profile. Requires: the seller itself or an admin; `approved` only by admins.
/// Permission: `user:update` (a client needs it among its scopes).
#[utoipa::path(
    tag = "profiles",
    params(("id" = Uuid, Path, description = "The seller's user id")),
    request_body = UpdateSellerRequest,
    security(("bearer" = ["user:update"]), ("basic" = ["user:update"])),
    responses(
        (status = 200, description = "The changed seller", body = SellerResponse),
        (status = 400, description = "Malformed JSON", body = ErrorBody),
        (status = 401, description = "Missing or invalid credentials", body = ErrorBody),
        (status = 403, description = "Not this seller or an admin; or `approved` by a non-admin", body = ErrorBody),
        (status = 404, description = "No such seller", body = ErrorBody),
        (status = 415, description = "Body is not JSON", body = ErrorBody),
        (status = 422, description = "Invalid fields", body = ErrorBody),
        (status = 429, description = "Rate limited", body = ErrorBody),
    )
)]
#[patch("/sellers/{id}")]
pub async fn update_seller(
    state: web::Data<AppState>,
    Caller(actor): Caller,
    id: web::Path<Uuid>,
    JsonBody(input): JsonBody<UpdateSellerRequest>,
) -> Result<web::Json<SellerResponse>, ApiError> {
    let patch =
        SellerPatch { store_name: input.store_name, address: input.address, approved: input.approved };
    let seller = state.marketplace.update_seller(&actor, UserId(id.into_inner()), patch).await?;
    Ok(web::Json(SellerResponse::new(seller.into())))
}

/// Changes to a buyer profile.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateBuyerRequest {
    /// New default shipping address; `null` clears it.
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<String>)]
    pub address: Option<Option<String>>,
}

/// Changes a buyer profile. Requires: the buyer itself or an admin (others get `404`).
/// Permission: `user:update` (a client needs it among its scopes).
#[utoipa::path(
    tag = "profiles",
    params(("id" = Uuid, Path, description = "The buyer's user id")),
    request_body = UpdateBuyerRequest,
    security(("bearer" = ["user:update"]), ("basic" = ["user:update"])),
    responses(
        (status = 200, description = "The changed buyer", body = BuyerResponse),
        (status = 400, description = "Malformed JSON", body = ErrorBody),
        (status = 401, description = "Missing or invalid credentials", body = ErrorBody),
        (status = 404, description = "No such buyer, or not visible to the caller", body = ErrorBody),
        (status = 415, description = "Body is not JSON", body = ErrorBody),
        (status = 422, description = "Invalid fields", body = ErrorBody),
        (status = 429, description = "Rate limited", body = ErrorBody),
    )
)]
#[patch("/buyers/{id}")]
pub async fn update_buyer(
    state: web::Data<AppState>,
    Caller(actor): Caller,
    id: web::Path<Uuid>,
    JsonBody(input): JsonBody<UpdateBuyerRequest>,
) -> Result<web::Json<BuyerResponse>, ApiError> {
    let buyer = state
        .marketplace
        .update_buyer(&actor, UserId(id.into_inner()), BuyerPatch { address: input.address })
        .await?;
    Ok(web::Json(BuyerResponse::new(buyer.into())))
}

/// Approves a pending seller (`pending -> approved`); the seller can then sign in. Requires: admin.
/// Permission: `user:update` (a client needs it among its scopes).
#[utoipa::path(
    tag = "profiles",
    params(("Idempotency-Key" = Option<String>, Header, pattern = "^[!-~]{1,255}$", description = "Replays the first response for retries within 24 h"), ("id" = Uuid, Path, description = "The seller's user id")),
    security(("bearer" = ["user:update"]), ("basic" = ["user:update"])),
    responses(
        (status = 200, description = "Approved", body = SellerResponse),
        (status = 401, description = "Missing or invalid credentials", body = ErrorBody),
        (status = 403, description = "Not an admin", body = ErrorBody),
        (status = 404, description = "No such seller", body = ErrorBody),
        (status = 409, description = "`INVALID_TRANSITION`: the seller is not pending", body = ErrorBody),
        (status = 422, description = "Malformed Idempotency-Key, or one reused with another request", body = ErrorBody),
        (status = 429, description = "Rate limited", body = ErrorBody),
    )
)]
#[post("/admin/sellers/{id}/approve")]
pub async fn approve_seller(
    state: web::Data<AppState>,
    Caller(actor): Caller,
    id: web::Path<Uuid>,
) -> Result<web::Json<SellerResponse>, ApiError> {
    let seller =
        state.marketplace.review_seller(&actor, UserId(id.into_inner()), ApprovalStatus::Approved).await?;
    Ok(web::Json(SellerResponse::new(seller.into())))
}

/// Rejects a pending seller (`pending -> rejected`). Requires: admin.
/// Permission: `user:update` (a client needs it among its scopes).
#[utoipa::path(
    tag = "profiles",
    params(("Idempotency-Key" = Option<String>, Header, pattern = "^[!-~]{1,255}$", description = "Replays the first response for retries within 24 h"), ("id" = Uuid, Path, description = "The seller's user id")),
    security(("bearer" = ["user:update"]), ("basic" = ["user:update"])),
    responses(
        (status = 200, description = "Rejected", body = SellerResponse),
        (status = 401, description = "Missing or invalid credentials", body = ErrorBody),
        (status = 403, description = "Not an admin", body = ErrorBody),
        (status = 404, description = "No such seller", body = ErrorBody),
        (status = 409, description = "`INVALID_TRANSITION`: the seller is not pending", body = ErrorBody),
        (status = 422, description = "Malformed Idempotency-Key, or one reused with another request", body = ErrorBody),
        (status = 429, description = "Rate limited", body = ErrorBody),
    )
)]
#[post("/admin/sellers/{id}/reject")]
pub async fn reject_seller(
    state: web::Data<AppState>,
    Caller(actor): Caller,
    id: web::Path<Uuid>,
) -> Result<web::Json<SellerResponse>, ApiError> {
    let seller =
        state.marketplace.review_seller(&actor, UserId(id.into_inner()), ApprovalStatus::Rejected).await?;
    Ok(web::Json(SellerResponse::new(seller.into())))
}
