//! Order metafields: small JSON values by namespace and key on an order.

use actix_web::{get, post, web};
use souk_orders::order::OrderId;
use uuid::Uuid;

use crate::app::AppState;
use crate::http::auth::Caller;
use crate::http::error::{ApiError, ErrorBody};
use crate::http::extractors::JsonBody;
use crate::routes::users::{
    MetafieldDto, MetafieldListData, MetafieldListResponse, MetafieldRequest, MetafieldResponse,
};

/// An order's metafields by namespace, then key. Requires: the buyer, the seller or an admin
/// (everyone else gets `404`). Permission: `order:view`.
#[utoipa::path(
    tag = "orders",
    params(("id" = Uuid, Path, description = "Order id")),
    security(("bearer" = ["order:view"]), ("basic" = ["order:view"])),
    responses(
        (status = 200, description = "The metafields", body = MetafieldListResponse),
        (status = 401, description = "Missing or invalid credentials", body = ErrorBody),
        (status = 403, description = "The client's scopes lack order:view", body = ErrorBody),
        (status = 404, description = "No such order, or the caller is not party to it", body = ErrorBody),
        (status = 429, description = "Rate limited", body = ErrorBody),
    )
)]
#[get("/orders/{id}/metafields")]
pub async fn list_order_metafields(
    state: web::Data<AppState>,
    Caller(actor): Caller,
    id: web::Path<Uuid>,
) -> Result<web::Json<MetafieldListResponse>, ApiError> {
    let metafields = state.marketplace.list_order_metafields(&actor, OrderId(id.into_inner())).await?;
    Ok(web::Json(MetafieldListResponse {
        data: MetafieldListData { metafields: metafields.into_iter().map(MetafieldDto::from).collect() },
    }))
}

/// Inserts or replaces an order metafield by namespace and key (`value` is any JSON up to
/// 16 KiB; an external system's order reference, say). Requires: the buyer, the seller or an
/// admin (everyone else gets `404`). Permission: `order:update`.
#[utoipa::path(
    tag = "orders",
    params(
        ("id" = Uuid, Path, description = "Order id"),
        ("Idempotency-Key" = Option<String>, Header, pattern = "^[!-~]{1,255}$", description = "Replays the first response for retries within 24 h"),
    ),
    request_body = MetafieldRequest,
    security(("bearer" = ["order:update"]), ("basic" = ["order:update"])),
    responses(
        (status = 200, description = "The stored metafield", body = MetafieldResponse),
        (status = 400, description = "Malformed JSON", body = ErrorBody),
        (status = 401, description = "Missing or invalid credentials", body = ErrorBody),
        (status = 403, description = "The client's scopes lack order:update", body = ErrorBody),
        (status = 404, description = "No such order, or the caller is not party to it", body = ErrorBody),
        (status = 409, description = "A request with this Idempotency-Key in flight", body = ErrorBody),
        (status = 413, description = "Body too large", body = ErrorBody),
        (status = 415, description = "Body is not JSON", body = ErrorBody),
        (status = 422, description = "Invalid namespace, key or value", body = ErrorBody),
        (status = 429, description = "Rate limited", body = ErrorBody),
    )
)]
#[post("/orders/{id}/metafields")]
pub async fn put_order_metafield(
    state: web::Data<AppState>,
    Caller(actor): Caller,
    id: web::Path<Uuid>,
    JsonBody(input): JsonBody<MetafieldRequest>,
) -> Result<web::Json<MetafieldResponse>, ApiError> {
    let metafield = state
        .marketplace
        .put_order_metafield(&actor, OrderId(id.into_inner()), &input.namespace, &input.key, input.value)
        .await?;
    Ok(web::Json(MetafieldResponse::new(metafield.into())))
}
