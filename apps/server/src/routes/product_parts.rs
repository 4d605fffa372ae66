//! The parts of a product: variants, add-ons, trial policy, rental terms and metafields. Reads
//! follow the product's visibility (`404` when it is not visible); writes need the product's
//! seller or an admin (`403` for others who can see it).

use actix_web::{HttpResponse, delete, get, patch, post, put, web};
use serde::Serialize;
use souk_catalog::{AddOnId, ProductId, VariantId};
use utoipa::ToSchema;
use uuid::Uuid;

use crate::app::AppState;
use crate::http::auth::Caller;
use crate::http::error::{ApiError, ErrorBody};
use crate::http::extractors::JsonBody;
use crate::http::query::QueryParams;
use crate::routes::auth::MessageResponse;
use crate::routes::product_dto::{
    AddOnDto, AddOnWrite, RentalDto, RentalWrite, TrialPolicyDto, TrialPolicyWrite, VariantDto, VariantWrite,
};
use crate::routes::users::{
    MetafieldDto, MetafieldListData, MetafieldListResponse, MetafieldRequest, MetafieldResponse,
};
use crate::{list_envelope, one_envelope};

one_envelope!(
    /// `{"data": {"variant": ...}}`
    VariantResponse, VariantData, variant: VariantDto
);
list_envelope!(
    /// `{"data": {"variants": [...], "pagination": ...}}`
    VariantListResponse, VariantListData, variants: VariantDto
);
one_envelope!(
    /// `{"data": {"add_on": ...}}`
    AddOnResponse, AddOnData, add_on: AddOnDto
);
list_envelope!(
    /// `{"data": {"add_ons": [...], "pagination": ...}}`
    AddOnListResponse, AddOnListData, add_ons: AddOnDto
);
one_envelope!(
    /// `{"data": {"trial_policy": ...}}`
    TrialPolicyResponse, TrialPolicyData, trial_policy: TrialPolicyDto
);
one_envelope!(
    /// `{"data": {"rental": ...}}`
    RentalResponse, RentalData, rental: RentalDto
);

/// `{"data": {"count": 3}}`
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CountResponse {
    /// The payload.
    pub data: CountData,
}

/// A count.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CountData {
    /// How many there are.
    pub count: u64,
}

fn count(n: u64) -> web::Json<CountResponse> {
    web::Json(CountResponse { data: CountData { count: n } })
}

/// A page of a product's variants in their order. Public when the product is visible.
#[utoipa::path(
    tag = "products",
    params(
        ("id" = Uuid, Path, description = "Product id"),
        ("page" = Option<u32>, Query, minimum = 1, description = "Page number"),
        ("page_size" = Option<u32>, Query, minimum = 1, maximum = 200, description = "Items per page"),
    ),
    responses(
        (status = 200, description = "A page of variants", body = VariantListResponse),
        (status = 400, description = "Malformed query string", body = ErrorBody),
        (status = 401, description = "Invalid credentials", body = ErrorBody),
        (status = 404, description = "No such product, or not visible to the caller", body = ErrorBody),
        (status = 422, description = "Invalid page", body = ErrorBody),
        (status = 429, description = "Rate limited", body = ErrorBody),
    )
)]
#[get("/products/{id}/variants")]
pub async fn list_variants(
    state: web::Data<AppState>,
    Caller(actor): Caller,
    id: web::Path<Uuid>,
    query: QueryParams,
) -> Result<web::Json<VariantListResponse>, ApiError> {
    let page = query.page_only()?;
    let variants = state.marketplace.list_variants(&actor, ProductId(id.into_inner()), page).await?;
    Ok(web::Json(VariantListResponse::new(variants.map(VariantDto::from))))
}

/// How many variants a product has. Public when the product is visible.
#[utoipa::path(
    tag = "products",
    params(("id" = Uuid, Path, description = "Product id")),
    responses(
        (status = 200, description = "The count", body = CountResponse),
        (status = 401, description = "Invalid credentials", body = ErrorBody),
        (status = 404, description = "No such product, or not visible to the caller", body = ErrorBody),
        (status = 429, description = "Rate limited", body = ErrorBody),
    )
)]
#[get("/products/{id}/variants/count")]
pub async fn count_variants(
    state: web::Data<AppState>,
    Caller(actor): Caller,
    id: web::Path<Uuid>,
) -> Result<web::Json<CountResponse>, ApiError> {
    Ok(count(state.marketplace.count_variants(&actor, ProductId(id.into_inner())).await?))
}

/// Adds a variant: one value per product option (each allowed, the combination new), price
/// defaulting to the product's, SKU unique per seller. Requires: the product's seller or an
/// admin. Permission: `product:update`.
#[utoipa::path(
    tag = "products",
    params(
        ("id" = Uuid, Path, description = "Product id"),
        ("Idempotency-Key" = Option<String>, Header, pattern = "^[!-~]{1,255}$", description = "Replays the first response for retries within 24 h"),
    ),
    request_body = VariantWrite,
    security(("bearer" = ["product:update"]), ("basic" = ["product:update"])),
    responses(
        (status = 201, description = "Created", body = VariantResponse),
        (status = 400, description = "Malformed JSON", body = ErrorBody),
        (status = 401, description = "Missing or invalid credentials", body = ErrorBody),
        (status = 403, description = "Not the product's seller or an admin", body = ErrorBody),
        (status = 404, description = "No such product, or not visible to the caller", body = ErrorBody),
        (status = 409, description = "SKU taken, or a request with this Idempotency-Key in flight", body = ErrorBody),
        (status = 413, description = "Body too large", body = ErrorBody),
        (status = 415, description = "Body is not JSON", body = ErrorBody),
        (status = 422, description = "Invalid fields (an `id` in the body is refused)", body = ErrorBody),
        (status = 429, description = "Rate limited", body = ErrorBody),
    )
)]
#[post("/products/{id}/variants")]
pub async fn create_variant(
    state: web::Data<AppState>,
    Caller(actor): Caller,
    id: web::Path<Uuid>,
    JsonBody(input): JsonBody<VariantWrite>,
) -> Result<HttpResponse, ApiError> {
    let variant = state.marketplace.create_variant(&actor, ProductId(id.into_inner()), input.into()).await?;
    Ok(HttpResponse::Created().json(VariantResponse::new(variant.into())))
}

/// One variant. Public when its product is visible.
#[utoipa::path(
    tag = "products",
    params(("id" = Uuid, Path, description = "Variant id")),
    responses(
        (status = 200, description = "The variant", body = VariantResponse),
        (status = 401, description = "Invalid credentials", body = ErrorBody),
        (status = 404, description = "No such variant, or its product is not visible", body = ErrorBody),
        (status = 429, description = "Rate limited", body = ErrorBody),
    )
)]
#[get("/variants/{id}")]
pub async fn get_variant(
    state: web::Data<AppState>,
    Caller(actor): Caller,
    id: web::Path<Uuid>,
) -> Result<web::Json<VariantResponse>, ApiError> {
    let variant = state.marketplace.get_variant(&actor, VariantId(id.into_inner())).await?;
    Ok(web::Json(VariantResponse::new(variant.into())))
}

/// Changes a variant; absent fields stay. Requires: the product's seller or an admin.
/// Permission: `product:update`.
#[utoipa::path(
    tag = "products",
    params(("id" = Uuid, Path, description = "Variant id")),
    request_body = VariantWrite,
    security(("bearer" = ["product:update"]), ("basic" = ["product:update"])),
    responses(
        (status = 200, description = "The changed variant", body = VariantResponse),
        (status = 400, description = "Malformed JSON", body = ErrorBody),
        (status = 401, description = "Missing or invalid credentials", body = ErrorBody),
        (status = 403, description = "Not the product's seller or an admin", body = ErrorBody),
        (status = 404, description = "No such variant, or its product is not visible", body = ErrorBody),
        (status = 409, description = "SKU taken", body = ErrorBody),
        (status = 413, description = "Body too large", body = ErrorBody),
        (status = 415, description = "Body is not JSON", body = ErrorBody),
        (status = 422, description = "Invalid fields", body = ErrorBody),
        (status = 429, description = "Rate limited", body = ErrorBody),
    )
)]
#[patch("/variants/{id}")]
pub async fn update_variant(
    state: web::Data<AppState>,
    Caller(actor): Caller,
    id: web::Path<Uuid>,
    JsonBody(input): JsonBody<VariantWrite>,
) -> Result<web::Json<VariantResponse>, ApiError> {
    let variant = state.marketplace.update_variant(&actor, VariantId(id.into_inner()), input.into()).await?;
    Ok(web::Json(VariantResponse::new(variant.into())))
}

/// Removes a variant (orders keep their snapshots). Requires: the product's seller or an admin.
/// Permission: `product:update`.
#[utoipa::path(
    tag = "products",
    params(("id" = Uuid, Path, description = "Variant id")),
    security(("bearer" = ["product:update"]), ("basic" = ["product:update"])),
    responses(
        (status = 200, description = "Deleted", body = MessageResponse),
        (status = 401, description = "Missing or invalid credentials", body = ErrorBody),
        (status = 403, description = "Not the product's seller or an admin", body = ErrorBody),
        (status = 404, description = "No such variant, or its product is not visible", body = ErrorBody),
        (status = 429, description = "Rate limited", body = ErrorBody),
    )
)]
#[delete("/variants/{id}")]
pub async fn delete_variant(
    state: web::Data<AppState>,
    Caller(actor): Caller,
    id: web::Path<Uuid>,
) -> Result<web::Json<MessageResponse>, ApiError> {
    state.marketplace.delete_variant(&actor, VariantId(id.into_inner())).await?;
    Ok(web::Json(MessageResponse::new("variant deleted")))
}

/// A page of a product's add-ons. Public when the product is visible.
#[utoipa::path(
    tag = "products",
    params(
        ("id" = Uuid, Path, description = "Product id"),
        ("page" = Option<u32>, Query, minimum = 1, description = "Page number"),
        ("page_size" = Option<u32>, Query, minimum = 1, maximum = 200, description = "Items per page"),
    ),
    responses(
        (status = 200, description = "A page of add-ons", body = AddOnListResponse),
        (status = 400, description = "Malformed query string", body = ErrorBody),
        (status = 401, description = "Invalid credentials", body = ErrorBody),
        (status = 404, description = "No such product, or not visible to the caller", body = ErrorBody),
        (status = 422, description = "Invalid page", body = ErrorBody),
        (status = 429, description = "Rate limited", body = ErrorBody),
    )
)]
#[get("/products/{id}/add-ons")]
pub async fn list_add_ons(
    state: web::Data<AppState>,
    Caller(actor): Caller,
    id: web::Path<Uuid>,
    query: QueryParams,
) -> Result<web::Json<AddOnListResponse>, ApiError> {
    let page = query.page_only()?;
    let add_ons = state.marketplace.list_add_ons(&actor, ProductId(id.into_inner()), page).await?;
    Ok(web::Json(AddOnListResponse::new(add_ons.map(AddOnDto::from))))
}

/// How many add-ons a product has. Public when the product is visible.
#[utoipa::path(
    tag = "products",
    params(("id" = Uuid, Path, description = "Product id")),
    responses(
        (status = 200, description = "The count", body = CountResponse),
        (status = 401, description = "Invalid credentials", body = ErrorBody),
        (status = 404, description = "No such product, or not visible to the caller", body = ErrorBody),
        (status = 429, description = "Rate limited", body = ErrorBody),
    )
)]
#[get("/products/{id}/add-ons/count")]
pub async fn count_add_ons(
    state: web::Data<AppState>,
    Caller(actor): Caller,
    id: web::Path<Uuid>,
) -> Result<web::Json<CountResponse>, ApiError> {
    Ok(count(state.marketplace.count_add_ons(&actor, ProductId(id.into_inner())).await?))
}

/// Adds an add-on (warranty, gift wrap, installation) buyers may choose per order line, priced
/// in the product's currency. Requires: the product's seller or an admin. Permission:
/// `product:update`.
#[utoipa::path(
    tag = "products",
    params(
        ("id" = Uuid, Path, description = "Product id"),
        ("Idempotency-Key" = Option<String>, Header, pattern = "^[!-~]{1,255}$", description = "Replays the first response for retries within 24 h"),
    ),
    request_body = AddOnWrite,
    security(("bearer" = ["product:update"]), ("basic" = ["product:update"])),
    responses(
        (status = 201, description = "Created", body = AddOnResponse),
        (status = 400, description = "Malformed JSON", body = ErrorBody),
        (status = 401, description = "Missing or invalid credentials", body = ErrorBody),
        (status = 403, description = "Not the product's seller or an admin", body = ErrorBody),
        (status = 404, description = "No such product, or not visible to the caller", body = ErrorBody),
        (status = 409, description = "The product has 100 add-ons, or a request with this Idempotency-Key in flight", body = ErrorBody),
        (status = 413, description = "Body too large", body = ErrorBody),
        (status = 415, description = "Body is not JSON", body = ErrorBody),
        (status = 422, description = "Invalid fields", body = ErrorBody),
        (status = 429, description = "Rate limited", body = ErrorBody),
    )
)]
#[post("/products/{id}/add-ons")]
pub async fn create_add_on(
    state: web::Data<AppState>,
    Caller(actor): Caller,
    id: web::Path<Uuid>,
    JsonBody(input): JsonBody<AddOnWrite>,
) -> Result<HttpResponse, ApiError> {
    let add_on = state.marketplace.create_add_on(&actor, ProductId(id.into_inner()), input.into()).await?;
    Ok(HttpResponse::Created().json(AddOnResponse::new(add_on.into())))
}

/// One add-on. Public when its product is visible.
#[utoipa::path(
    tag = "products",
    params(("id" = Uuid, Path, description = "Add-on id")),
    responses(
        (status = 200, description = "The add-on", body = AddOnResponse),
        (status = 401, description = "Invalid credentials", body = ErrorBody),
        (status = 404, description = "No such add-on, or its product is not visible", body = ErrorBody),
        (status = 429, description = "Rate limited", body = ErrorBody),
    )
)]
#[get("/add-ons/{id}")]
pub async fn get_add_on(
    state: web::Data<AppState>,
    Caller(actor): Caller,
    id: web::Path<Uuid>,
) -> Result<web::Json<AddOnResponse>, ApiError> {
    let add_on = state.marketplace.get_add_on(&actor, AddOnId(id.into_inner())).await?;
    Ok(web::Json(AddOnResponse::new(add_on.into())))
}

/// Changes an add-on; absent fields stay. Requires: the product's seller or an admin.
/// Permission: `product:update`.
#[utoipa::path(
    tag = "products",
    params(("id" = Uuid, Path, description = "Add-on id")),
    request_body = AddOnWrite,
    security(("bearer" = ["product:update"]), ("basic" = ["product:update"])),
    responses(
        (status = 200, description = "The changed add-on", body = AddOnResponse),
        (status = 400, description = "Malformed JSON", body = ErrorBody),
        (status = 401, description = "Missing or invalid credentials", body = ErrorBody),
        (status = 403, description = "Not the product's seller or an admin", body = ErrorBody),
        (status = 404, description = "No such add-on, or its product is not visible", body = ErrorBody),
        (status = 413, description = "Body too large", body = ErrorBody),
        (status = 415, description = "Body is not JSON", body = ErrorBody),
        (status = 422, description = "Invalid fields", body = ErrorBody),
        (status = 429, description = "Rate limited", body = ErrorBody),
    )
)]
#[patch("/add-ons/{id}")]
pub async fn update_add_on(
    state: web::Data<AppState>,
    Caller(actor): Caller,
    id: web::Path<Uuid>,
    JsonBody(input): JsonBody<AddOnWrite>,
) -> Result<web::Json<AddOnResponse>, ApiError> {
    let add_on = state.marketplace.update_add_on(&actor, AddOnId(id.into_inner()), input.into()).await?;
    Ok(web::Json(AddOnResponse::new(add_on.into())))
}

/// Removes an add-on. Requires: the product's seller or an admin. Permission: `product:update`.
#[utoipa::path(
    tag = "products",
    params(("id" = Uuid, Path, description = "Add-on id")),
    security(("bearer" = ["product:update"]), ("basic" = ["product:update"])),
    responses(
        (status = 200, description = "Deleted", body = MessageResponse),
        (status = 401, description = "Missing or invalid credentials", body = ErrorBody),
        (status = 403, description = "Not the product's seller or an admin", body = ErrorBody),
        (status = 404, description = "No such add-on, or its product is not visible", body = ErrorBody),
        (status = 429, description = "Rate limited", body = ErrorBody),
    )
)]
#[delete("/add-ons/{id}")]
pub async fn delete_add_on(
    state: web::Data<AppState>,
    Caller(actor): Caller,
    id: web::Path<Uuid>,
) -> Result<web::Json<MessageResponse>, ApiError> {
    state.marketplace.delete_add_on(&actor, AddOnId(id.into_inner())).await?;
    Ok(web::Json(MessageResponse::new("add-on deleted")))
}

/// A product's trial policy (`404` when it has none enabled). Public when the product is visible.
#[utoipa::path(
    tag = "products",
    params(("id" = Uuid, Path, description = "Product id")),
    responses(
        (status = 200, description = "The trial policy", body = TrialPolicyResponse),
        (status = 401, description = "Invalid credentials", body = ErrorBody),
        (status = 404, description = "No such product, not visible, or no trial policy", body = ErrorBody),
        (status = 429, description = "Rate limited", body = ErrorBody),
    )
)]
#[get("/products/{id}/trial-policy")]
pub async fn get_trial_policy(
    state: web::Data<AppState>,
    Caller(actor): Caller,
    id: web::Path<Uuid>,
) -> Result<web::Json<TrialPolicyResponse>, ApiError> {
    let policy = state.marketplace.get_trial_policy(&actor, ProductId(id.into_inner())).await?;
    Ok(web::Json(TrialPolicyResponse::new(policy.into())))
}

/// Sets up the product's trial policy (every field required); one per product, so a second
/// `POST` while one is enabled is `409` (after `DELETE` disabled it, `POST` sets a new one).
/// Percentage penalties are 0 to 100 with two decimals; flat ones are amounts in the product's
/// currency. Requires: the product's seller or an admin. Permission: `product:update`.
#[utoipa::path(
    tag = "products",
    params(
        ("id" = Uuid, Path, description = "Product id"),
        ("Idempotency-Key" = Option<String>, Header, pattern = "^[!-~]{1,255}$", description = "Replays the first response for retries within 24 h"),
    ),
    request_body = TrialPolicyWrite,
    security(("bearer" = ["product:update"]), ("basic" = ["product:update"])),
    responses(
        (status = 201, description = "Created", body = TrialPolicyResponse),
        (status = 400, description = "Malformed JSON", body = ErrorBody),
        (status = 401, description = "Missing or invalid credentials", body = ErrorBody),
        (status = 403, description = "Not the product's seller or an admin", body = ErrorBody),
        (status = 404, description = "No such product, or not visible to the caller", body = ErrorBody),
        (status = 409, description = "A trial policy is already enabled, or a request with this Idempotency-Key in flight", body = ErrorBody),
        (status = 413, description = "Body too large", body = ErrorBody),
        (status = 415, description = "Body is not JSON", body = ErrorBody),
        (status = 422, description = "Invalid fields", body = ErrorBody),
        (status = 429, description = "Rate limited", body = ErrorBody),
    )
)]
#[post("/products/{id}/trial-policy")]
pub async fn create_trial_policy(
    state: web::Data<AppState>,
    Caller(actor): Caller,
    id: web::Path<Uuid>,
    JsonBody(input): JsonBody<TrialPolicyWrite>,
) -> Result<HttpResponse, ApiError> {
    let policy =
        state.marketplace.create_trial_policy(&actor, ProductId(id.into_inner()), input.into()).await?;
    Ok(HttpResponse::Created().json(TrialPolicyResponse::new(policy.into())))
}

/// Changes the enabled trial policy; absent fields stay (a new `penalty_type` needs a
/// `penalty_value`). Requires: the product's seller or an admin. Permission: `product:update`.
#[utoipa::path(
    tag = "products",
    params(("id" = Uuid, Path, description = "Product id")),
    request_body = TrialPolicyWrite,
    security(("bearer" = ["product:update"]), ("basic" = ["product:update"])),
    responses(
        (status = 200, description = "The changed policy", body = TrialPolicyResponse),
        (status = 400, description = "Malformed JSON", body = ErrorBody),
        (status = 401, description = "Missing or invalid credentials", body = ErrorBody),
        (status = 403, description = "Not the product's seller or an admin", body = ErrorBody),
        (status = 404, description = "No such product, not visible, or no trial policy", body = ErrorBody),
        (status = 413, description = "Body too large", body = ErrorBody),
        (status = 415, description = "Body is not JSON", body = ErrorBody),
        (status = 422, description = "Invalid fields", body = ErrorBody),
        (status = 429, description = "Rate limited", body = ErrorBody),
    )
)]
#[patch("/products/{id}/trial-policy")]
pub async fn update_trial_policy(
    state: web::Data<AppState>,
    Caller(actor): Caller,
    id: web::Path<Uuid>,
    JsonBody(input): JsonBody<TrialPolicyWrite>,
) -> Result<web::Json<TrialPolicyResponse>, ApiError> {
    let policy =
        state.marketplace.update_trial_policy(&actor, ProductId(id.into_inner()), input.into()).await?;
    Ok(web::Json(TrialPolicyResponse::new(policy.into())))
}

/// Disables the trial policy: new orders get no trial; orders already placed keep the terms they
/// were sold with. Requires: the product's seller or an admin. Permission: `product:update`.
#[utoipa::path(
    tag = "products",
    params(("id" = Uuid, Path, description = "Product id")),
    security(("bearer" = ["product:update"]), ("basic" = ["product:update"])),
    responses(
        (status = 200, description = "Disabled", body = MessageResponse),
        (status = 401, description = "Missing or invalid credentials", body = ErrorBody),
        (status = 403, description = "Not the product's seller or an admin", body = ErrorBody),
        (status = 404, description = "No such product, not visible, or no trial policy", body = ErrorBody),
        (status = 429, description = "Rate limited", body = ErrorBody),
    )
)]
#[delete("/products/{id}/trial-policy")]
pub async fn disable_trial_policy(
    state: web::Data<AppState>,
    Caller(actor): Caller,
    id: web::Path<Uuid>,
) -> Result<web::Json<MessageResponse>, ApiError> {
    state.marketplace.disable_trial_policy(&actor, ProductId(id.into_inner())).await?;
    Ok(web::Json(MessageResponse::new("trial policy disabled")))
}

/// A product's rental terms (`404` when it is not rentable). Public when the product is visible.
#[utoipa::path(
    tag = "products",
    params(("id" = Uuid, Path, description = "Product id")),
    responses(
        (status = 200, description = "The rental terms", body = RentalResponse),
        (status = 401, description = "Invalid credentials", body = ErrorBody),
        (status = 404, description = "No such product, not visible, or no rental terms", body = ErrorBody),
        (status = 429, description = "Rate limited", body = ErrorBody),
    )
)]
#[get("/products/{id}/rental")]
pub async fn get_rental(
    state: web::Data<AppState>,
    Caller(actor): Caller,
    id: web::Path<Uuid>,
) -> Result<web::Json<RentalResponse>, ApiError> {
    let terms = state.marketplace.get_rental(&actor, ProductId(id.into_inner())).await?;
    Ok(web::Json(RentalResponse::new(terms.into())))
}

/// Sets the whole rental terms (`daily_rate` required; fees default to zero, `available` to
/// true): `201` when new, `200` when replaced. Requires: the product's seller or an admin.
/// Permission: `product:update`.
#[utoipa::path(
    tag = "products",
    params(("id" = Uuid, Path, description = "Product id")),
    request_body = RentalWrite,
    security(("bearer" = ["product:update"]), ("basic" = ["product:update"])),
    responses(
        (status = 200, description = "Replaced", body = RentalResponse),
        (status = 201, description = "Created", body = RentalResponse),
        (status = 400, description = "Malformed JSON", body = ErrorBody),
        (status = 401, description = "Missing or invalid credentials", body = ErrorBody),
        (status = 403, description = "Not the product's seller or an admin", body = ErrorBody),
        (status = 404, description = "No such product, or not visible to the caller", body = ErrorBody),
        (status = 413, description = "Body too large", body = ErrorBody),
        (status = 415, description = "Body is not JSON", body = ErrorBody),
        (status = 422, description = "Invalid fields", body = ErrorBody),
        (status = 429, description = "Rate limited", body = ErrorBody),
    )
)]
#[put("/products/{id}/rental")]
pub async fn put_rental(
    state: web::Data<AppState>,
    Caller(actor): Caller,
    id: web::Path<Uuid>,
    JsonBody(input): JsonBody<RentalWrite>,
) -> Result<HttpResponse, ApiError> {
    let (terms, created) =
        state.marketplace.put_rental(&actor, ProductId(id.into_inner()), input.into()).await?;
    let body = RentalResponse::new(terms.into());
    Ok(if created { HttpResponse::Created().json(body) } else { HttpResponse::Ok().json(body) })
}

/// Removes the rental terms. Requires: the product's seller or an admin. Permission:
/// `product:update`.
#[utoipa::path(
    tag = "products",
    params(("id" = Uuid, Path, description = "Product id")),
    security(("bearer" = ["product:update"]), ("basic" = ["product:update"])),
    responses(
        (status = 200, description = "Removed", body = MessageResponse),
        (status = 401, description = "Missing or invalid credentials", body = ErrorBody),
        (status = 403, description = "Not the product's seller or an admin", body = ErrorBody),
        (status = 404, description = "No such product, not visible, or no rental terms", body = ErrorBody),
        (status = 429, description = "Rate limited", body = ErrorBody),
    )
)]
#[delete("/products/{id}/rental")]
pub async fn delete_rental(
    state: web::Data<AppState>,
    Caller(actor): Caller,
    id: web::Path<Uuid>,
) -> Result<web::Json<MessageResponse>, ApiError> {
    state.marketplace.delete_rental(&actor, ProductId(id.into_inner())).await?;
    Ok(web::Json(MessageResponse::new("rental terms removed")))
}

/// A product's metafields by namespace and key. Requires: the product's seller or an admin.
/// Permission: `product:update`.
#[utoipa::path(
    tag = "products",
    params(("id" = Uuid, Path, description = "Product id")),
    security(("bearer" = ["product:update"]), ("basic" = ["product:update"])),
    responses(
        (status = 200, description = "The metafields", body = MetafieldListResponse),
        (status = 401, description = "Missing or invalid credentials", body = ErrorBody),
        (status = 403, description = "Not the product's seller or an admin", body = ErrorBody),
        (status = 404, description = "No such product, or not visible to the caller", body = ErrorBody),
        (status = 429, description = "Rate limited", body = ErrorBody),
    )
)]
#[get("/products/{id}/metafields")]
pub async fn list_product_metafields(
    state: web::Data<AppState>,
    Caller(actor): Caller,
    id: web::Path<Uuid>,
) -> Result<web::Json<MetafieldListResponse>, ApiError> {
    let metafields = state.marketplace.list_product_metafields(&actor, ProductId(id.into_inner())).await?;
    Ok(web::Json(MetafieldListResponse {
        data: MetafieldListData { metafields: metafields.into_iter().map(MetafieldDto::from).collect() },
    }))
}

/// Inserts or replaces a product metafield by namespace and key (`value` is any JSON up to
/// 16 KiB). Requires: the product's seller or an admin. Permission: `product:update`.
#[utoipa::path(
    tag = "products",
    params(
        ("id" = Uuid, Path, description = "Product id"),
        ("Idempotency-Key" = Option<String>, Header, pattern = "^[!-~]{1,255}$", description = "Replays the first response for retries within 24 h"),
    ),
    request_body = MetafieldRequest,
    security(("bearer" = ["product:update"]), ("basic" = ["product:update"])),
    responses(
        (status = 200, description = "The stored metafield", body = MetafieldResponse),
        (status = 400, description = "Malformed JSON", body = ErrorBody),
        (status = 401, description = "Missing or invalid credentials", body = ErrorBody),
        (status = 403, description = "Not the product's seller or an admin", body = ErrorBody),
        (status = 404, description = "No such product, or not visible to the caller", body = ErrorBody),
        (status = 409, description = "A request with this Idempotency-Key in flight", body = ErrorBody),
        (status = 413, description = "Body too large", body = ErrorBody),
        (status = 415, description = "Body is not JSON", body = ErrorBody),
        (status = 422, description = "Invalid namespace, key or value", body = ErrorBody),
        (status = 429, description = "Rate limited", body = ErrorBody),
    )
)]
#[post("/products/{id}/metafields")]
pub async fn put_product_metafield(
    state: web::Data<AppState>,
    Caller(actor): Caller,
    id: web::Path<Uuid>,
    JsonBody(input): JsonBody<MetafieldRequest>,
) -> Result<web::Json<MetafieldResponse>, ApiError> {
    let metafield = state
        .marketplace
        .put_product_metafield(&actor, ProductId(id.into_inner()), &input.namespace, &input.key, input.value)
        .await?;
    Ok(web::Json(MetafieldResponse::new(metafield.into())))
}
