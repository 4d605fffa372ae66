//! Shipping carriers (public list, admin writes) and shipping rates (public reads; sellers write
//! their own, admins any and platform-wide ones).

use actix_web::{HttpResponse, delete, get, patch, post, web};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use souk_fulfillment::shipping::{Carrier, CarrierStatus, ShippingRate};
use souk_kernel::{AmountInput, Currency, UserId};
use souk_marketplace::shipping::{CarrierInput, CarrierPatch, RateInput, RatePatch};
use souk_storage::shipping::RateFilter;
use utoipa::ToSchema;
use uuid::Uuid;

use crate::app::AppState;
use crate::http::auth::Caller;
use crate::http::error::{ApiError, ErrorBody};
use crate::http::extractors::JsonBody;
use crate::http::query::QueryParams;
use crate::routes::auth::MessageResponse;
use crate::routes::users::double_option;
use crate::{list_envelope, one_envelope};

const TAG: &str = "fulfillment";

/// A shipping carrier.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CarrierDto {
    /// Id.
    pub id: Uuid,
    /// Display name.
    #[schema(example = "DHL Express")]
    pub name: String,
    /// Unique code.
    #[schema(example = "dhl")]
    pub code: String,
    /// `active` or `inactive`.
    #[schema(example = "active")]
    pub status: String,
    /// Tracking page URL with `{tracking_number}` in it.
    #[schema(example = "https://www.dhl.com/track?id={tracking_number}")]
    pub tracking_url_template: Option<String>,
    /// Creation time.
    pub created_at: DateTime<Utc>,
    /// Last change.
    pub updated_at: DateTime<Utc>,
}

impl From<Carrier> for CarrierDto {
    fn from(c: Carrier) -> Self {
        CarrierDto {
            id: c.id,
            name: c.name,
            code: c.code,
            status: c.status.as_str().to_owned(),
            tracking_url_template: c.tracking_url_template,
            created_at: c.created_at,
            updated_at: c.updated_at,
        }
    }
}

one_envelope!(
    /// `{"data": {"shipping_carrier": ...}}`
    CarrierResponse, CarrierData, shipping_carrier: CarrierDto
);
list_envelope!(
    /// `{"data": {"shipping_carriers": [...], "pagination": ...}}`
    CarrierListResponse, CarrierListData, shipping_carriers: CarrierDto
);

/// A new carrier.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateCarrierRequest {
    /// Display name, 1 to 100 characters.
    #[schema(example = "DHL Express", max_length = 100)]
    pub name: String,
    /// Unique code: 1 to 32 letters, digits, `-` or `_` (stored lowercase).
    #[schema(example = "dhl", max_length = 32)]
    pub code: String,
    /// `active` (default) or `inactive`.
    #[schema(value_type = Option<String>, example = "active")]
    pub status: Option<CarrierStatus>,
    /// An http(s) URL holding `{tracking_number}`, at most 500 characters.
    #[schema(example = "https://www.dhl.com/track?id={tracking_number}", max_length = 500)]
    pub tracking_url_template: Option<String>,
}

/// Changes to a carrier; absent fields stay.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PatchCarrierRequest {
    /// Display name.
    #[schema(max_length = 100)]
    pub name: Option<String>,
    /// Unique code.
    #[schema(max_length = 32)]
    pub code: Option<String>,
    /// `active` or `inactive`; inactive carriers leave the public list and deliveries can no
    /// longer name them.
    #[schema(value_type = Option<String>)]
    pub status: Option<CarrierStatus>,
    /// Tracking page URL; `null` removes it.
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<String>, max_length = 500)]
    pub tracking_url_template: Option<Option<String>>,
}

/// Carriers by name: the active ones, or every carrier for an admin asking `include_inactive=true`.
/// Public.
#[utoipa::path(
    tag = TAG,
    params(
        ("include_inactive" = Option<bool>, Query, description = "Admins: inactive carriers too"),
        ("page" = Option<u32>, Query, minimum = 1, description = "Page number"),
        ("page_size" = Option<u32>, Query, minimum = 1, maximum = 200, description = "Items per page"),
    ),
    responses(
        (status = 200, description = "Carriers by name", body = CarrierListResponse),
        (status = 400, description = "Malformed query string", body = ErrorBody),
        (status = 401, description = "`include_inactive` without credentials", body = ErrorBody),
        (status = 403, description = "`include_inactive` by a non-admin", body = ErrorBody),
        (status = 422, description = "Invalid parameters", body = ErrorBody),
        (status = 429, description = "Rate limited", body = ErrorBody),
    )
)]
#[get("/shipping-carriers")]
pub async fn list_carriers(
    state: web::Data<AppState>,
    Caller(actor): Caller,
    query: QueryParams,
) -> Result<web::Json<CarrierListResponse>, ApiError> {
    let mut reader = query.reader();
    let include_inactive = reader.flag("include_inactive").unwrap_or(false);
    let page = reader.page();
    reader.finish()?;
    let carriers = state.marketplace.list_carriers(&actor, include_inactive, page).await?;
    Ok(web::Json(CarrierListResponse::new(carriers.map(CarrierDto::from))))
}

/// Adds a carrier. Admins only.
#[utoipa::path(
    tag = TAG,
    request_body = CreateCarrierRequest,
    security(("bearer" = [])),
    responses(
        (status = 201, description = "The carrier", body = CarrierResponse),
        (status = 400, description = "Malformed JSON", body = ErrorBody),
        (status = 415, description = "Body is not JSON", body = ErrorBody),
        (status = 401, description = "Missing or invalid credentials", body = ErrorBody),
        (status = 403, description = "Not an admin", body = ErrorBody),
        (status = 409, description = "The code is taken", body = ErrorBody),
        (status = 422, description = "Invalid fields", body = ErrorBody),
        (status = 429, description = "Rate limited", body = ErrorBody),
    )
)]
#[post("/shipping-carriers")]
pub async fn create_carrier(
    state: web::Data<AppState>,
    Caller(actor): Caller,
    JsonBody(input): JsonBody<CreateCarrierRequest>,
) -> Result<HttpResponse, ApiError> {
    let input = CarrierInput {
        name: input.name,
        code: input.code,
        status: input.status.unwrap_or(CarrierStatus::Active),
        tracking_url_template: input.tracking_url_template,
    };
    let carrier = state.marketplace.create_carrier(&actor, input).await?;
    Ok(HttpResponse::Created().json(CarrierResponse::new(carrier.into())))
}

/// Changes a carrier. Admins only.
#[utoipa::path(
    tag = TAG,
    params(("id" = Uuid, Path, description = "Carrier id")),
    request_body = PatchCarrierRequest,
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The changed carrier", body = CarrierResponse),
        (status = 400, description = "Malformed JSON", body = ErrorBody),
        (status = 415, description = "Body is not JSON", body = ErrorBody),
        (status = 401, description = "Missing or invalid credentials", body = ErrorBody),
        (status = 403, description = "Not an admin", body = ErrorBody),
        (status = 404, description = "No such carrier", body = ErrorBody),
        (status = 409, description = "The code is taken", body = ErrorBody),
        (status = 422, description = "Invalid fields", body = ErrorBody),
        (status = 429, description = "Rate limited", body = ErrorBody),
    )
)]
#[patch("/shipping-carriers/{id}")]
pub async fn update_carrier(
    state: web::Data<AppState>,
    Caller(actor): Caller,
    id: web::Path<Uuid>,
    JsonBody(input): JsonBody<PatchCarrierRequest>,
) -> Result<web::Json<CarrierResponse>, ApiError> {
    let patch = CarrierPatch {
        name: input.name,
        code: input.code,
        status: input.status,
        tracking_url_template: input.tracking_url_template,
    };
    let carrier = state.marketplace.update_carrier(&actor, id.into_inner(), patch).await?;
    Ok(web::Json(CarrierResponse::new(carrier.into())))
}

/// A shipping rate: `price` for an order's first unit plus `step_price` for each further unit.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct RateDto {
    /// Id.
    pub id: Uuid,
    /// Display title.
    #[schema(example = "Standard")]
    pub title: String,
    /// Charge for the first unit.
    #[schema(example = "6.95")]
    pub price: String,
    /// Charge for each further unit.
    #[schema(example = "1.45")]
    pub step_price: String,
    /// Added automatically to every order of its seller.
    pub always_selected: bool,
    /// ISO 4217 currency of both amounts.
    #[schema(example = "USD")]
    pub currency: String,
    /// The seller whose orders it serves; `null` for a platform-wide rate.
    pub seller_id: Option<Uuid>,
    /// Creation time.
    pub created_at: DateTime<Utc>,
    /// Last change.
    pub updated_at: DateTime<Utc>,
}

impl From<ShippingRate> for RateDto {
    fn from(r: ShippingRate) -> Self {
        RateDto {
            id: r.id,
            price: r.price.amount_string(),
            step_price: r.step_price.amount_string(),
            currency: r.currency().code().to_owned(),
            title: r.title,
            always_selected: r.always_selected,
            seller_id: r.seller_id.map(|s| s.as_uuid()),
            created_at: r.created_at,
            updated_at: r.updated_at,
        }
    }
}

one_envelope!(
    /// `{"data": {"shipping_rate": ...}}`
    RateResponse, RateData, shipping_rate: RateDto
);
list_envelope!(
    /// `{"data": {"shipping_rates": [...], "pagination": ...}}`
    RateListResponse, RateListData, shipping_rates: RateDto
);

/// A new shipping rate.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateRateRequest {
    /// Display title, 1 to 100 characters.
    #[schema(example = "Standard", max_length = 100)]
    pub title: String,
    /// Charge for the first unit, zero or more (string or number, at most the currency's decimals).
    #[schema(value_type = String, example = "6.95")]
    pub price: AmountInput,
    /// Charge for each further unit (default 0).
    #[schema(value_type = Option<String>, example = "1.45")]
    pub step_price: Option<AmountInput>,
    /// Added automatically to every order of the seller (default false); sellers' rates only.
    #[serde(default)]
    pub always_selected: bool,
    /// ISO 4217 currency.
    #[schema(example = "USD")]
    pub currency: String,
    /// The seller: admins name any seller or leave it out for a platform-wide rate; sellers may
    /// leave it out or name themselves.
    #[schema(value_type = Option<Uuid>)]
    pub seller_id: Option<UserId>,
}

/// Changes to a rate; absent fields stay. Currency and seller never change.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PatchRateRequest {
    /// Display title.
    #[schema(max_length = 100)]
    pub title: Option<String>,
    /// Charge for the first unit.
    #[schema(value_type = Option<String>, example = "7.50")]
    pub price: Option<AmountInput>,
    /// Charge for each further unit.
    #[schema(value_type = Option<String>, example = "1.00")]
    pub step_price: Option<AmountInput>,
    /// Added automatically to every order of the seller.
    pub always_selected: Option<bool>,
}

/// Shipping rates, oldest first. Public: buyers read the rates of the sellers they buy from
/// (`seller_id` with `include_platform=true`).
#[utoipa::path(
    tag = TAG,
    params(
        ("seller_id" = Option<Uuid>, Query, description = "Rates of this seller"),
        ("include_platform" = Option<bool>, Query, description = "With `seller_id`: platform-wide rates too"),
        ("platform_only" = Option<bool>, Query, description = "Only platform-wide rates"),
        ("currency" = Option<String>, Query, description = "Only rates in this ISO 4217 currency"),
        ("page" = Option<u32>, Query, minimum = 1, description = "Page number"),
        ("page_size" = Option<u32>, Query, minimum = 1, maximum = 200, description = "Items per page"),
    ),
    responses(
        (status = 200, description = "Rates, oldest first", body = RateListResponse),
        (status = 400, description = "Malformed query string", body = ErrorBody),
        (status = 422, description = "Invalid parameters", body = ErrorBody),
        (status = 429, description = "Rate limited", body = ErrorBody),
    )
)]
#[get("/shipping-rates")]
pub async fn list_rates(
    state: web::Data<AppState>,
    query: QueryParams,
) -> Result<web::Json<RateListResponse>, ApiError> {
    let mut reader = query.reader();
    let seller_id = reader.uuid("seller_id").map(UserId);
    let include_platform = reader.flag("include_platform").unwrap_or(false);
    let platform_only = reader.flag("platform_only").unwrap_or(false);
    let currency = match reader.text("currency", 3) {
        Some(code) => match Currency::from_code(&code) {
            Ok(currency) => Some(currency),
            Err(_) => {
                reader.error("currency", "must be an ISO 4217 code such as USD");
                None
            }
        },
        None => None,
    };
    let page = reader.page();
    reader.finish()?;
    let filter = RateFilter { seller_id, platform_only, include_platform, currency };
    let rates = state.marketplace.list_rates(filter, page).await?;
    Ok(web::Json(RateListResponse::new(rates.map(RateDto::from))))
}

/// One shipping rate. Public.
#[utoipa::path(
    tag = TAG,
    params(("id" = Uuid, Path, description = "Rate id")),
    responses(
        (status = 200, description = "The rate", body = RateResponse),
        (status = 404, description = "No such rate", body = ErrorBody),
        (status = 429, description = "Rate limited", body = ErrorBody),
    )
)]
#[get("/shipping-rates/{id}")]
pub async fn get_rate(
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
) -> Result<web::Json<RateResponse>, ApiError> {
    let rate = state.marketplace.get_rate(id.into_inner()).await?;
    Ok(web::Json(RateResponse::new(rate.into())))
}

/// Adds a shipping rate: sellers their own, admins any seller's or a platform-wide one.
/// Permission: `shipping:create`.
#[utoipa::path(
    tag = TAG,
    request_body = CreateRateRequest,
    security(("bearer" = ["shipping:create"]), ("basic" = ["shipping:create"])),
    responses(
        (status = 201, description = "The rate", body = RateResponse),
        (status = 400, description = "Malformed JSON", body = ErrorBody),
        (status = 415, description = "Body is not JSON", body = ErrorBody),
        (status = 401, description = "Missing or invalid credentials", body = ErrorBody),
        (status = 403, description = "Not a seller or admin, or a seller naming another seller", body = ErrorBody),
        (status = 422, description = "Invalid fields", body = ErrorBody),
        (status = 429, description = "Rate limited", body = ErrorBody),
    )
)]
#[post("/shipping-rates")]
pub async fn create_rate(
    state: web::Data<AppState>,
    Caller(actor): Caller,
    JsonBody(input): JsonBody<CreateRateRequest>,
) -> Result<HttpResponse, ApiError> {
    let input = RateInput {
        title: input.title,
        price: input.price.as_str().to_owned(),
        step_price: input.step_price.map(|s| s.as_str().to_owned()),
        always_selected: input.always_selected,
        currency: input.currency,
        seller_id: input.seller_id,
    };
    let rate = state.marketplace.create_rate(&actor, input).await?;
    Ok(HttpResponse::Created().json(RateResponse::new(rate.into())))
}

/// Changes a shipping rate: its seller or an admin (platform-wide rates: admins). Orders already
/// placed keep their shipping. Permission: `shipping:update`.
#[utoipa::path(
    tag = TAG,
    params(("id" = Uuid, Path, description = "Rate id")),
    request_body = PatchRateRequest,
    security(("bearer" = ["shipping:update"]), ("basic" = ["shipping:update"])),
    responses(
        (status = 200, description = "The changed rate", body = RateResponse),
        (status = 400, description = "Malformed JSON", body = ErrorBody),
        (status = 415, description = "Body is not JSON", body = ErrorBody),
        (status = 401, description = "Missing or invalid credentials", body = ErrorBody),
        (status = 403, description = "Another seller's or a platform-wide rate", body = ErrorBody),
        (status = 404, description = "No such rate", body = ErrorBody),
        (status = 422, description = "Invalid fields", body = ErrorBody),
        (status = 429, description = "Rate limited", body = ErrorBody),
    )
)]
#[patch("/shipping-rates/{id}")]
pub async fn update_rate(
    state: web::Data<AppState>,
    Caller(actor): Caller,
    id: web::Path<Uuid>,
    JsonBody(input): JsonBody<PatchRateRequest>,
) -> Result<web::Json<RateResponse>, ApiError> {
    let patch = RatePatch {
        title: input.title,
        price: input.price.map(|p| p.as_str().to_owned()),
        step_price: input.step_price.map(|p| p.as_str().to_owned()),
        always_selected: input.always_selected,
    };
    let rate = state.marketplace.update_rate(&actor, id.into_inner(), patch).await?;
    Ok(web::Json(RateResponse::new(rate.into())))
}

/// Deletes a shipping rate: its seller or an admin. Orders already placed keep their shipping.
/// Permission: `shipping:delete`.
#[utoipa::path(
    tag = TAG,
    params(("id" = Uuid, Path, description = "Rate id")),
    security(("bearer" = ["shipping:delete"]), ("basic" = ["shipping:delete"])),
    responses(
        (status = 200, description = "Deleted", body = MessageResponse),
        (status = 401, description = "Missing or invalid credentials", body = ErrorBody),
        (status = 403, description = "Another seller's or a platform-wide rate", body = ErrorBody),
        (status = 404, description = "No such rate", body = ErrorBody),
        (status = 429, description = "Rate limited", body = ErrorBody),
    )
)]
#[delete("/shipping-rates/{id}")]
pub async fn delete_rate(
    state: web::Data<AppState>,
    Caller(actor): Caller,
    id: web::Path<Uuid>,
) -> Result<web::Json<MessageResponse>, ApiError> {
    state.marketplace.delete_rate(&actor, id.into_inner()).await?;
    Ok(web::Json(MessageResponse::new("shipping rate deleted")))
}
