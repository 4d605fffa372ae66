//! Coupons: sellers' discount codes for their own products, applied at checkout, and in-store
//! redemption by customer uid.

use actix_web::{HttpResponse, delete, get, patch, post, web};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use souk_kernel::{AmountInput, UserId};
use souk_orders::coupon::{Coupon, CouponId, CouponInput, CouponKind, CouponPatch};
use souk_storage::coupons::{CouponFilter, CouponSort, Redemption};
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

/// How a coupon discounts.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum CouponKindName {
    /// `value` percent (above 0, at most 100, 2 decimals) of the eligible lines, rounded down.
    Percentage,
    /// `value` off the eligible lines, in `currency`, never more than they cost.
    Fixed,
}

impl From<CouponKindName> for CouponKind {
    fn from(kind: CouponKindName) -> Self {
        match kind {
            CouponKindName::Percentage => CouponKind::Percentage,
            CouponKindName::Fixed => CouponKind::Fixed,
        }
    }
}

impl From<CouponKind> for CouponKindName {
    fn from(kind: CouponKind) -> Self {
        match kind {
            CouponKind::Percentage => CouponKindName::Percentage,
            CouponKind::Fixed => CouponKindName::Fixed,
        }
    }
}

/// A seller's coupon.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CouponDto {
    /// Id.
    pub id: Uuid,
    /// The seller whose orders it discounts.
    pub seller_id: Uuid,
    /// The code as written; buyers may type it in any case.
    #[schema(example = "SPRING10")]
    pub code: String,
    /// `percentage` or `fixed`.
    pub kind: CouponKindName,
    /// Percent (`"12.50"`) or amount in `currency` (`"5.00"`).
    #[schema(example = "12.50")]
    pub value: String,
    /// The only currency of orders it applies to (set for fixed coupons and minimums).
    pub currency: Option<String>,
    /// Usable from (inclusive).
    pub starts_at: Option<DateTime<Utc>>,
    /// Usable until (exclusive).
    pub ends_at: Option<DateTime<Utc>>,
    /// Uses allowed across all customers.
    pub max_redemptions: Option<i64>,
    /// Uses allowed per customer.
    pub per_customer_limit: Option<i64>,
    /// The seller's order subtotal must reach this.
    pub min_subtotal: Option<String>,
    /// Only lines of these products are discounted (every line when empty).
    pub product_ids: Vec<Uuid>,
    /// Uses so far (orders awaiting payment, paid orders and in-store redemptions).
    pub redemptions: i64,
    /// Uses left, when limited.
    pub remaining_redemptions: Option<i64>,
    /// Creation time.
    pub created_at: DateTime<Utc>,
    /// Last change.
    pub updated_at: DateTime<Utc>,
}

impl From<Coupon> for CouponDto {
    fn from(c: Coupon) -> Self {
        let t = c.terms;
        CouponDto {
            id: c.id.as_uuid(),
            seller_id: c.seller_id.as_uuid(),
            code: t.code,
            kind: t.discount.kind().into(),
            value: t.discount.value_string(),
            currency: t.currency.map(|c| c.code().to_owned()),
            starts_at: t.starts_at,
            ends_at: t.ends_at,
            max_redemptions: t.max_redemptions,
            per_customer_limit: t.per_customer_limit,
            min_subtotal: t.min_subtotal.map(|m| m.amount_string()),
            product_ids: t.product_ids,
            redemptions: c.redemptions,
            remaining_redemptions: t.max_redemptions.map(|max| (max - c.redemptions).max(0)),
            created_at: c.created_at,
            updated_at: c.updated_at,
        }
    }
}

one_envelope!(
    /// `{"data": {"coupon": ...}}`
    CouponResponse, CouponData, coupon: CouponDto
);
list_envelope!(
    /// `{"data": {"coupons": [...], "pagination": ...}}`
    CouponListResponse, CouponListData, coupons: CouponDto
);

/// A new coupon.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateCouponRequest {
    /// Admins only (sellers get `403` for another seller): the seller; required when an admin
    /// creates.
    pub seller_id: Option<Uuid>,
    /// 1 to 64 letters, digits, `-` or `_`; unique per seller ignoring case (`409`).
    #[schema(example = "SPRING10", pattern = "^[A-Za-z0-9_-]{1,64}$")]
    pub code: String,
    /// `percentage` or `fixed`.
    pub kind: CouponKindName,
    /// Percentage: above 0 and at most 100 with at most 2 decimals. Fixed: above 0 with at most
    /// the currency's decimals. A string or a number.
    #[schema(value_type = String, example = "12.5")]
    pub value: AmountInput,
    /// ISO 4217 code; required for `fixed` and with `min_subtotal`; when set, the coupon applies
    /// only to orders in this currency.
    #[schema(example = "USD", pattern = "^[A-Z]{3}$")]
    pub currency: Option<String>,
    /// Usable from (inclusive), on the platform clock.
    pub starts_at: Option<DateTime<Utc>>,
    /// Usable until (exclusive); after `starts_at`.
    pub ends_at: Option<DateTime<Utc>>,
    /// Uses across all customers, at least 1 (unlimited when absent).
    #[schema(minimum = 1, maximum = 1000000000)]
    pub max_redemptions: Option<i64>,
    /// Uses per customer, at least 1 (unlimited when absent).
    #[schema(minimum = 1, maximum = 1000000000)]
    pub per_customer_limit: Option<i64>,
    /// The seller's order subtotal (all its lines) must reach this; in `currency`.
    #[schema(value_type = Option<String>, example = "20.00")]
    pub min_subtotal: Option<AmountInput>,
    /// Only lines of these products (the seller's own) are discounted; at most 100; every line
    /// when empty.
    #[serde(default)]
    #[schema(max_items = 100)]
    pub product_ids: Vec<Uuid>,
}

/// Changes to a coupon; absent fields stay, `null` clears.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateCouponRequest {
    /// New code (unique per seller ignoring case).
    #[schema(pattern = "^[A-Za-z0-9_-]{1,64}$")]
    pub code: Option<String>,
    /// New kind; `value` is then required.
    pub kind: Option<CouponKindName>,
    /// New value.
    #[schema(value_type = Option<String>)]
    pub value: Option<AmountInput>,
    /// New currency.
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<String>, pattern = "^[A-Z]{3}$")]
    pub currency: Option<Option<String>>,
    /// New start.
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<DateTime<Utc>>)]
    pub starts_at: Option<Option<DateTime<Utc>>>,
    /// New end.
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<DateTime<Utc>>)]
    pub ends_at: Option<Option<DateTime<Utc>>>,
    /// New overall limit (lowering it below the uses so far stops further uses).
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<i64>, minimum = 1)]
    pub max_redemptions: Option<Option<i64>>,
    /// New per-customer limit.
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<i64>, minimum = 1)]
    pub per_customer_limit: Option<Option<i64>>,
    /// New minimum subtotal.
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<String>)]
    pub min_subtotal: Option<Option<AmountInput>>,
    /// New product scope (`[]`: every product).
    #[schema(max_items = 100)]
    pub product_ids: Option<Vec<Uuid>>,
}

/// Query parameters of `GET /api/v1/coupons`.
#[derive(Debug, IntoParams)]
#[into_params(parameter_in = Query)]
#[allow(dead_code)]
pub struct CouponListQuery {
    /// Page number, from 1.
    #[param(minimum = 1, default = 1)]
    page: Option<u32>,
    /// Items per page, 1 to 200.
    #[param(minimum = 1, maximum = 200, default = 20)]
    page_size: Option<u32>,
    /// `created_at` (default), `code`, `redemptions` or `ends_at`.
    #[param(pattern = "^(created_at|code|redemptions|ends_at)$")]
    order_by: Option<String>,
    /// `ASC` or `DESC` (default), any case.
    #[param(pattern = "^([Aa][Ss][Cc]|[Dd][Ee][Ss][Cc])$")]
    order_direction: Option<String>,
    /// Seller ids, comma-separated or repeated (admins; a seller only ever sees its own).
    seller_id: Option<String>,
    /// `percentage` or `fixed`.
    kind: Option<String>,
    /// Text in the code, any case.
    search: Option<String>,
    /// `true`: usable now on the platform clock (inside the window, uses left); `false`: the
    /// others.
    active: Option<bool>,
}

/// The seller's coupons, or every coupon for admins. Permission: `coupon:view`.
#[utoipa::path(
    tag = "coupons",
    params(CouponListQuery),
    security(("bearer" = ["coupon:view"]), ("basic" = ["coupon:view"])),
    responses(
        (status = 200, description = "A page of coupons", body = CouponListResponse),
        (status = 400, description = "Malformed query string", body = ErrorBody),
        (status = 401, description = "Missing or invalid credentials", body = ErrorBody),
        (status = 403, description = "Not a seller or admin, or the client's scopes lack coupon:view", body = ErrorBody),
        (status = 422, description = "Invalid filters, sort or page", body = ErrorBody),
        (status = 429, description = "Rate limited", body = ErrorBody),
    )
)]
#[get("/coupons")]
pub async fn list_coupons(
    state: web::Data<AppState>,
    Caller(actor): Caller,
    query: QueryParams,
) -> Result<web::Json<CouponListResponse>, ApiError> {
    let mut r = query.reader();
    let page = r.page();
    let (sort, direction) = r.sort::<CouponSort>();
    let filter = CouponFilter {
        seller_ids: r.uuids("seller_id").into_iter().map(UserId).collect(),
        kind: r.parsed::<CouponKind>("kind"),
        search: r.text("search", 64),
        active_at: r.flag("active").map(|active| (state.marketplace.clock().now(), active)),
        sort,
        direction,
    };
    r.finish()?;
    let coupons = state.marketplace.list_coupons(&actor, filter, page).await?;
    Ok(web::Json(CouponListResponse::new(coupons.map(CouponDto::from))))
}

/// One coupon. Its seller and admins see it; for everyone else it does not exist (`404`).
/// Permission: `coupon:view`.
#[utoipa::path(
    tag = "coupons",
    params(("id" = Uuid, Path, description = "Coupon id")),
    security(("bearer" = ["coupon:view"]), ("basic" = ["coupon:view"])),
    responses(
        (status = 200, description = "The coupon", body = CouponResponse),
        (status = 401, description = "Missing or invalid credentials", body = ErrorBody),
        (status = 403, description = "The role or the client's scopes lack coupon:view", body = ErrorBody),
        (status = 404, description = "No such coupon, or another seller's", body = ErrorBody),
        (status = 429, description = "Rate limited", body = ErrorBody),
    )
)]
#[get("/coupons/{id}")]
pub async fn get_coupon(
    state: web::Data<AppState>,
    Caller(actor): Caller,
    id: web::Path<Uuid>,
) -> Result<web::Json<CouponResponse>, ApiError> {
    let coupon = state.marketplace.get_coupon(&actor, CouponId(id.into_inner())).await?;
    Ok(web::Json(CouponResponse::new(coupon.into())))
}

/// Creates a coupon for the seller's own products (admins for any seller, naming `seller_id`).
/// At checkout, `coupon_code` (any case) discounts the order of the coupon's seller: a
/// percentage of the eligible lines' total (the lines of `product_ids`, or every line), ROUNDED
/// DOWN to the currency's minor unit; a fixed amount never exceeds the eligible total. It is
/// usable from `starts_at` until `ends_at` on the platform clock, while uses are left
/// (`max_redemptions`, and `per_customer_limit` per buyer), and when the seller's order subtotal
/// reaches `min_subtotal`. A use is counted when the order is created; if that order expires
/// unpaid (after 24 h) or an admin deletes it unpaid, the use is given back; an order canceled
/// through a status change gives its use back too. Permission: `coupon:create`.
#[utoipa::path(
    tag = "coupons",
    params(("Idempotency-Key" = Option<String>, Header, pattern = "^[!-~]{1,255}$", description = "Replays the first response for retries within 24 h")),
    request_body = CreateCouponRequest,
    security(("bearer" = ["coupon:create"]), ("basic" = ["coupon:create"])),
    responses(
        (status = 201, description = "Created", body = CouponResponse),
        (status = 400, description = "Malformed JSON", body = ErrorBody),
        (status = 401, description = "Missing or invalid credentials", body = ErrorBody),
        (status = 403, description = "Not a seller or admin, a seller naming another seller, or the client's scopes lack coupon:create", body = ErrorBody),
        (status = 409, description = "The seller already has a coupon with this code, or a request with this Idempotency-Key in flight", body = ErrorBody),
        (status = 413, description = "Body too large", body = ErrorBody),
        (status = 415, description = "Body is not JSON", body = ErrorBody),
        (status = 422, description = "Invalid fields, or products that are not the seller's", body = ErrorBody),
        (status = 429, description = "Rate limited", body = ErrorBody),
    )
)]
#[post("/coupons")]
pub async fn create_coupon(
    state: web::Data<AppState>,
    Caller(actor): Caller,
    JsonBody(input): JsonBody<CreateCouponRequest>,
) -> Result<HttpResponse, ApiError> {
    let seller_id = input.seller_id.map(UserId);
    let input = CouponInput {
        code: input.code,
        kind: input.kind.into(),
        value: input.value,
        currency: input.currency,
        starts_at: input.starts_at,
        ends_at: input.ends_at,
        max_redemptions: input.max_redemptions,
        per_customer_limit: input.per_customer_limit,
        min_subtotal: input.min_subtotal,
        product_ids: input.product_ids,
    };
    let coupon = state.marketplace.create_coupon(&actor, seller_id, input).await?;
    Ok(HttpResponse::Created().json(CouponResponse::new(coupon.into())))
}

/// Changes a coupon; the resulting terms are checked as on creation. Uses already counted stay.
/// Requires: its seller or an admin. Permission: `coupon:update`.
#[utoipa::path(
    tag = "coupons",
    params(("id" = Uuid, Path, description = "Coupon id")),
    request_body = UpdateCouponRequest,
    security(("bearer" = ["coupon:update"]), ("basic" = ["coupon:update"])),
    responses(
        (status = 200, description = "The changed coupon", body = CouponResponse),
        (status = 400, description = "Malformed JSON", body = ErrorBody),
        (status = 401, description = "Missing or invalid credentials", body = ErrorBody),
        (status = 403, description = "The client's scopes lack coupon:update", body = ErrorBody),
        (status = 404, description = "No such coupon, or another seller's", body = ErrorBody),
        (status = 409, description = "The new code is taken by another of the seller's coupons", body = ErrorBody),
        (status = 413, description = "Body too large", body = ErrorBody),
        (status = 415, description = "Body is not JSON", body = ErrorBody),
        (status = 422, description = "Invalid fields", body = ErrorBody),
        (status = 429, description = "Rate limited", body = ErrorBody),
    )
)]
#[patch("/coupons/{id}")]
pub async fn update_coupon(
    state: web::Data<AppState>,
    Caller(actor): Caller,
    id: web::Path<Uuid>,
    JsonBody(input): JsonBody<UpdateCouponRequest>,
) -> Result<web::Json<CouponResponse>, ApiError> {
    let patch = CouponPatch {
        code: input.code,
        kind: input.kind.map(Into::into),
        value: input.value,
        currency: input.currency,
        starts_at: input.starts_at,
        ends_at: input.ends_at,
        max_redemptions: input.max_redemptions,
        per_customer_limit: input.per_customer_limit,
        min_subtotal: input.min_subtotal,
        product_ids: input.product_ids,
    };
    let coupon = state.marketplace.update_coupon(&actor, CouponId(id.into_inner()), patch).await?;
    Ok(web::Json(CouponResponse::new(coupon.into())))
}

/// Deletes a coupon and its redemption history; orders keep the code they were discounted with.
/// Requires: its seller or an admin. Permission: `coupon:delete`.
#[utoipa::path(
    tag = "coupons",
    params(("id" = Uuid, Path, description = "Coupon id")),
    security(("bearer" = ["coupon:delete"]), ("basic" = ["coupon:delete"])),
    responses(
        (status = 200, description = "Deleted", body = MessageResponse),
        (status = 401, description = "Missing or invalid credentials", body = ErrorBody),
        (status = 403, description = "The client's scopes lack coupon:delete", body = ErrorBody),
        (status = 404, description = "No such coupon, or another seller's", body = ErrorBody),
        (status = 429, description = "Rate limited", body = ErrorBody),
    )
)]
#[delete("/coupons/{id}")]
pub async fn delete_coupon(
    state: web::Data<AppState>,
    Caller(actor): Caller,
    id: web::Path<Uuid>,
) -> Result<web::Json<MessageResponse>, ApiError> {
    state.marketplace.delete_coupon(&actor, CouponId(id.into_inner())).await?;
    Ok(web::Json(MessageResponse::new("coupon deleted")))
}

/// An in-store redemption.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RedeemCouponRequest {
    /// The customer's unique identifier at the store (loyalty card, phone, ...), 1 to 128
    /// characters.
    #[schema(example = "card-0042", min_length = 1, max_length = 128)]
    pub uid: String,
    /// The coupon's code, any case.
    #[schema(example = "SPRING10")]
    pub code: String,
    /// Admins only: the seller whose coupon it is (required for admins).
    pub seller_id: Option<Uuid>,
}

/// A recorded in-store redemption.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct RedemptionDto {
    /// Id.
    pub id: Uuid,
    /// The coupon.
    pub coupon_id: Uuid,
    /// Its code as written.
    pub code: String,
    /// The customer's uid.
    pub uid: String,
    /// Uses of the coupon so far, this one included.
    pub redemptions: i64,
    /// Uses left, when limited.
    pub remaining_redemptions: Option<i64>,
    /// When.
    pub redeemed_at: DateTime<Utc>,
}

one_envelope!(
    /// `{"data": {"redemption": ...}}`
    RedemptionResponse, RedemptionData, redemption: RedemptionDto
);

fn redemption_dto(coupon: Coupon, r: Redemption) -> RedemptionDto {
    RedemptionDto {
        id: r.id,
        coupon_id: coupon.id.as_uuid(),
        code: coupon.terms.code,
        uid: r.uid.unwrap_or_default(),
        redemptions: coupon.redemptions,
        remaining_redemptions: coupon.terms.max_redemptions.map(|max| (max - coupon.redemptions).max(0)),
        redeemed_at: r.created_at,
    }
}

/// Redeems a local (in-store) coupon of the calling seller, or of its integration's owner, for a
/// customer uid: once per uid and coupon. The coupon's window and `max_redemptions` apply;
/// `per_customer_limit` and `min_subtotal` belong to checkout and do not. Buyers may not redeem
/// (`403`). Permission: `coupon:redeem`.
#[utoipa::path(
    tag = "coupons",
    params(("Idempotency-Key" = Option<String>, Header, pattern = "^[!-~]{1,255}$", description = "Replays the first response for retries within 24 h")),
    request_body = RedeemCouponRequest,
    security(("bearer" = ["coupon:redeem"]), ("basic" = ["coupon:redeem"])),
    responses(
        (status = 201, description = "Redeemed", body = RedemptionResponse),
        (status = 400, description = "Malformed JSON", body = ErrorBody),
        (status = 401, description = "Missing or invalid credentials", body = ErrorBody),
        (status = 403, description = "Not a seller, its integration or an admin, or the client's scopes lack coupon:redeem", body = ErrorBody),
        (status = 404, description = "The seller has no coupon with this code", body = ErrorBody),
        (status = 409, description = "Already redeemed for this uid, used up, not yet valid or expired; or a request with this Idempotency-Key in flight", body = ErrorBody),
        (status = 413, description = "Body too large", body = ErrorBody),
        (status = 415, description = "Body is not JSON", body = ErrorBody),
        (status = 422, description = "Invalid uid or code, or an admin without seller_id", body = ErrorBody),
        (status = 429, description = "Rate limited", body = ErrorBody),
    )
)]
#[post("/coupons/redeem")]
pub async fn redeem_coupon(
    state: web::Data<AppState>,
    Caller(actor): Caller,
    JsonBody(input): JsonBody<RedeemCouponRequest>,
) -> Result<HttpResponse, ApiError> {
    let (coupon, redemption) =
        state.marketplace.redeem_coupon(&actor, input.seller_id.map(UserId), &input.uid, &input.code).await?;
    Ok(HttpResponse::Created().json(RedemptionResponse::new(redemption_dto(coupon, redemption))))
}
