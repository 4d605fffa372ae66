//! Deliveries of an order (split, status, tracking details), carrier tracking events, and the
//! hand-over of pickup orders; each drives the order's status.

use actix_web::{HttpResponse, get, post, put, web};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use souk_fulfillment::delivery::{DeliveryLine, DeliveryStatus, TrackingEvent, TrackingStatus};
use souk_marketplace::deliveries::{DeliveryInput, DeliveryPatch, DeliveryView, TrackingInput};
use souk_orders::order::OrderId;
use utoipa::ToSchema;
use uuid::Uuid;

use crate::app::AppState;
use crate::http::auth::Caller;
use crate::http::error::{ApiError, ErrorBody};
use crate::http::extractors::JsonBody;
use crate::one_envelope;
use crate::routes::orders::OrderResponse;

const TAG: &str = "fulfillment";

/// The carrier of a delivery.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct DeliveryCarrierDto {
    /// Id.
    pub id: Uuid,
    /// Display name.
    pub name: String,
    /// Code.
    pub code: String,
    /// `active` or `inactive`.
    pub status: String,
}

/// Units of one order line in a delivery.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct DeliveryLineDto {
    /// The order line.
    pub line_id: Uuid,
    /// The product.
    pub product_id: Uuid,
    /// The variant.
    pub variant_id: Option<Uuid>,
    /// Product title when sold.
    pub title: String,
    /// Variant title when sold.
    pub variant_title: Option<String>,
    /// SKU when sold.
    pub sku: Option<String>,
    /// Units in this delivery.
    pub quantity: i64,
}

/// A delivery: a parcel of some of an order's units.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct DeliveryDto {
    /// Id.
    pub id: Uuid,
    /// The order.
    pub order_id: Uuid,
    /// `unfulfilled`, `fulfilled`, `shipped`, `delivered` or `cancelled`.
    #[schema(example = "shipped")]
    pub status: String,
    /// The carrier's tracking number.
    pub tracking_number: Option<String>,
    /// The carrier's tracking page for this parcel.
    pub tracking_link: Option<String>,
    /// The carrier.
    pub shipping_carrier: Option<DeliveryCarrierDto>,
    /// Its lines.
    pub lines: Vec<DeliveryLineDto>,
    /// When it left.
    pub shipped_at: Option<DateTime<Utc>>,
    /// When it arrived.
    pub delivered_at: Option<DateTime<Utc>>,
    /// Creation time.
    pub created_at: DateTime<Utc>,
    /// Last change.
    pub updated_at: DateTime<Utc>,
}

impl From<DeliveryView> for DeliveryDto {
    fn from(v: DeliveryView) -> Self {
        let d = v.delivery;
        DeliveryDto {
            id: d.id,
            order_id: d.order_id,
            status: d.status.as_str().to_owned(),
            tracking_number: d.tracking_number,
            tracking_link: v.tracking_link,
            shipping_carrier: v.carrier.map(|c| DeliveryCarrierDto {
                id: c.id,
                name: c.name,
                code: c.code,
                status: c.status.as_str().to_owned(),
            }),
            lines: v
                .lines
                .into_iter()
                .map(|l| DeliveryLineDto {
                    line_id: l.line.id,
                    product_id: l.line.product_id,
                    variant_id: l.line.variant_id,
                    title: l.line.title,
                    variant_title: l.line.variant_title,
                    sku: l.line.sku,
                    quantity: l.quantity,
                })
                .collect(),
            shipped_at: d.shipped_at,
            delivered_at: d.delivered_at,
            created_at: d.created_at,
            updated_at: d.updated_at,
        }
    }
}

one_envelope!(
    /// `{"data": {"delivery": ...}}`
    DeliveryResponse, DeliveryData, delivery: DeliveryDto
);

/// `{"data": {"deliveries": [...]}}`
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct DeliveryListResponse {
    /// The payload.
    pub data: DeliveryListData,
}

/// An order's deliveries.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct DeliveryListData {
    /// Oldest first.
    pub deliveries: Vec<DeliveryDto>,
}

/// Units of a line to put in the delivery.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DeliveryLineRequest {
    /// A line of the order.
    pub line_id: Uuid,
    /// Units, at least 1 and at most those not yet in another (non-cancelled) delivery.
    #[schema(minimum = 1, example = 1)]
    pub quantity: i64,
}

/// A new delivery.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateDeliveryRequest {
    /// Units per line; absent or empty takes every unit not yet in a delivery.
    #[serde(default)]
    #[schema(max_items = 100)]
    pub lines: Vec<DeliveryLineRequest>,
    /// An active carrier (required with a tracking number).
    pub shipping_carrier_id: Option<Uuid>,
    /// The carrier's tracking number, at most 100 characters.
    #[schema(max_length = 100)]
    pub tracking_number: Option<String>,
}

/// Changes to a delivery; absent fields stay.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateDeliveryRequest {
    /// `unfulfilled`, `fulfilled`, `shipped`, `delivered` or `cancelled`; forward only, and any
    /// delivery not yet delivered may be cancelled.
    #[schema(value_type = Option<String>, example = "shipped")]
    pub status: Option<DeliveryStatus>,
    /// The carrier's tracking number (an empty string removes it); needs a carrier.
    #[schema(max_length = 100)]
    pub tracking_number: Option<String>,
    /// An active carrier.
    pub shipping_carrier_id: Option<Uuid>,
}

/// The deliveries of an order, oldest first, each with its lines. The buyer, the seller and
/// admins may read them. Permission: `order:view`.
#[utoipa::path(
    tag = TAG,
    params(("id" = Uuid, Path, description = "Order id")),
    security(("bearer" = ["order:view"]), ("basic" = ["order:view"])),
    responses(
        (status = 200, description = "The deliveries", body = DeliveryListResponse),
        (status = 401, description = "Missing or invalid credentials", body = ErrorBody),
        (status = 403, description = "The client's scopes lack order:view", body = ErrorBody),
        (status = 404, description = "No such order, or the caller is not party to it", body = ErrorBody),
        (status = 429, description = "Rate limited", body = ErrorBody),
    )
)]
#[get("/orders/{id}/deliveries")]
pub async fn list_deliveries(
    state: web::Data<AppState>,
    Caller(actor): Caller,
    id: web::Path<Uuid>,
) -> Result<web::Json<DeliveryListResponse>, ApiError> {
    let views = state.marketplace.order_deliveries(&actor, OrderId(id.into_inner())).await?;
    let deliveries = views.into_iter().map(DeliveryDto::from).collect();
    Ok(web::Json(DeliveryListResponse { data: DeliveryListData { deliveries } }))
}

/// Splits units of a `delivery` order's lines into a new `unfulfilled` delivery. The order must
/// be `new`, `accepted` or `shipped`; a line's units across non-cancelled deliveries never exceed
/// its quantity. The seller or an admin (`order:update`); `delivery.created` is recorded.
#[utoipa::path(
    tag = TAG,
    params(("id" = Uuid, Path, description = "Order id")),
    request_body = CreateDeliveryRequest,
    security(("bearer" = ["order:update"]), ("basic" = ["order:update"])),
    responses(
        (status = 201, description = "The delivery", body = DeliveryResponse),
        (status = 400, description = "Malformed JSON", body = ErrorBody),
        (status = 415, description = "Body is not JSON", body = ErrorBody),
        (status = 401, description = "Missing or invalid credentials", body = ErrorBody),
        (status = 403, description = "The buyer, or the client's scopes lack order:update", body = ErrorBody),
        (status = 404, description = "No such order, or the caller is not party to it", body = ErrorBody),
        (status = 409, description = "A pickup order, an order not new/accepted/shipped, or every unit already in a delivery", body = ErrorBody),
        (status = 422, description = "Invalid lines or quantities, an unknown or inactive carrier, a tracking number without a carrier", body = ErrorBody),
        (status = 429, description = "Rate limited", body = ErrorBody),
    )
)]
#[post("/orders/{id}/deliveries")]
pub async fn create_delivery(
    state: web::Data<AppState>,
    Caller(actor): Caller,
    id: web::Path<Uuid>,
    JsonBody(input): JsonBody<CreateDeliveryRequest>,
) -> Result<HttpResponse, ApiError> {
    let input = DeliveryInput {
        lines: input
            .lines
            .iter()
            .map(|l| DeliveryLine { line_id: l.line_id, quantity: l.quantity })
            .collect(),
        shipping_carrier_id: input.shipping_carrier_id,
        tracking_number: input.tracking_number,
    };
    let view = state.marketplace.create_delivery(&actor, OrderId(id.into_inner()), input).await?;
    Ok(HttpResponse::Created().json(DeliveryResponse::new(view.into())))
}

/// Changes a delivery's status and tracking details, and drives its order: the first delivery
/// `shipped` (or `delivered`) moves an `accepted` order to `shipped`; once the deliveries hold
/// every unit and each non-cancelled one is `delivered`, the order moves to `delivered` (opening
/// its trial). Goods leave only after the seller accepted the order. The seller, an admin, or the
/// seller's integration (`order:update`); `delivery.updated` is recorded.
#[utoipa::path(
    tag = TAG,
    params(("id" = Uuid, Path, description = "Delivery id")),
    request_body = UpdateDeliveryRequest,
    security(("bearer" = ["order:update"]), ("basic" = ["order:update"])),
    responses(
        (status = 200, description = "The changed delivery", body = DeliveryResponse),
        (status = 400, description = "Malformed JSON", body = ErrorBody),
        (status = 415, description = "Body is not JSON", body = ErrorBody),
        (status = 401, description = "Missing or invalid credentials", body = ErrorBody),
        (status = 403, description = "The buyer, or the client's scopes lack order:update", body = ErrorBody),
        (status = 404, description = "No such delivery, or the caller is not party to its order", body = ErrorBody),
        (status = 409, description = "`INVALID_TRANSITION` backwards or out of a final status (allowed ones in `errors`); `CONFLICT` when the order is not accepted yet or no longer open", body = ErrorBody),
        (status = 422, description = "A tracking number without a carrier, an unknown or inactive carrier", body = ErrorBody),
        (status = 429, description = "Rate limited", body = ErrorBody),
    )
)]
#[put("/deliveries/{id}")]
pub async fn update_delivery(
    state: web::Data<AppState>,
    Caller(actor): Caller,
    id: web::Path<Uuid>,
    JsonBody(input): JsonBody<UpdateDeliveryRequest>,
) -> Result<web::Json<DeliveryResponse>, ApiError> {
    let patch = DeliveryPatch {
        status: input.status,
        tracking_number: input.tracking_number,
        shipping_carrier_id: input.shipping_carrier_id,
    };
    let view = state.marketplace.update_delivery(&actor, id.into_inner(), patch).await?;
    Ok(web::Json(DeliveryResponse::new(view.into())))
}

/// A carrier tracking event of an order.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct TrackingEventDto {
    /// Id.
    pub id: Uuid,
    /// The order.
    pub order_id: Uuid,
    /// `info_received`, `in_transit`, `out_for_delivery`, `failed_attempt`, `delivered`,
    /// `exception` or `returned_to_sender`.
    #[schema(example = "in_transit")]
    pub status: String,
    /// The carrier's words.
    pub description: String,
    /// Where it happened.
    pub location: Option<String>,
    /// When it happened.
    pub occurred_at: DateTime<Utc>,
    /// When Souk recorded it.
    pub created_at: DateTime<Utc>,
}

impl From<TrackingEvent> for TrackingEventDto {
    fn from(t: TrackingEvent) -> Self {
        TrackingEventDto {
            id: t.id,
            order_id: t.order_id,
            status: t.status.as_str().to_owned(),
            description: t.description,
            location: t.location,
            occurred_at: t.occurred_at,
            created_at: t.created_at,
        }
    }
}

one_envelope!(
    /// `{"data": {"tracking_event": ...}}`
    TrackingEventResponse, TrackingEventData, tracking_event: TrackingEventDto
);

/// `{"data": {"tracking_events": [...]}}`
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct TrackingListResponse {
    /// The payload.
    pub data: TrackingListData,
}

/// An order's tracking events.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct TrackingListData {
    /// In the order they happened.
    pub tracking_events: Vec<TrackingEventDto>,
}

/// A tracking event to record.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TrackingRequest {
    /// `info_received`, `in_transit`, `out_for_delivery`, `failed_attempt`, `delivered`,
    /// `exception` or `returned_to_sender`.
    #[schema(value_type = String, example = "in_transit")]
    pub status: TrackingStatus,
    /// The carrier's words, 1 to 500 characters.
    #[schema(example = "Arrived at the Addis Ababa hub", max_length = 500)]
    pub description: String,
    /// Where it happened, at most 200 characters.
    #[schema(example = "Addis Ababa", max_length = 200)]
    pub location: Option<String>,
    /// When it happened (RFC 3339); not in the future.
    pub occurred_at: DateTime<Utc>,
}

/// Records a carrier tracking event of an order that is accepted or later (not cancelled or
/// declined). `delivered` on a `shipped` order is the carrier confirming delivery: its shipped
/// deliveries become delivered and the order moves to `delivered` as the system (opening its
/// trial). The seller, the seller's integration or an admin (`order:update`);
/// `tracking.recorded` is recorded.
#[utoipa::path(
    tag = TAG,
    params(("id" = Uuid, Path, description = "Order id")),
    request_body = TrackingRequest,
    security(("bearer" = ["order:update"]), ("basic" = ["order:update"])),
    responses(
        (status = 201, description = "The recorded event", body = TrackingEventResponse),
        (status = 400, description = "Malformed JSON or an unknown status", body = ErrorBody),
        (status = 415, description = "Body is not JSON", body = ErrorBody),
        (status = 401, description = "Missing or invalid credentials", body = ErrorBody),
        (status = 403, description = "The buyer, or the client's scopes lack order:update", body = ErrorBody),
        (status = 404, description = "No such order, or the caller is not party to it", body = ErrorBody),
        (status = 409, description = "The order is unpaid, not accepted yet, cancelled or declined", body = ErrorBody),
        (status = 422, description = "Invalid fields", body = ErrorBody),
        (status = 429, description = "Rate limited", body = ErrorBody),
    )
)]
#[post("/orders/{id}/tracking")]
pub async fn record_tracking(
    state: web::Data<AppState>,
    Caller(actor): Caller,
    id: web::Path<Uuid>,
    JsonBody(input): JsonBody<TrackingRequest>,
) -> Result<HttpResponse, ApiError> {
    let input = TrackingInput {
        status: input.status,
        description: input.description,
        location: input.location,
        occurred_at: input.occurred_at,
    };
    let event = state.marketplace.record_tracking(&actor, OrderId(id.into_inner()), input).await?;
    Ok(HttpResponse::Created().json(TrackingEventResponse::new(event.into())))
}

/// An order's tracking events in the order they happened. The buyer, the seller and admins may
/// read them. Permission: `order:view`.
#[utoipa::path(
    tag = TAG,
    params(("id" = Uuid, Path, description = "Order id")),
    security(("bearer" = ["order:view"]), ("basic" = ["order:view"])),
    responses(
        (status = 200, description = "The events", body = TrackingListResponse),
        (status = 401, description = "Missing or invalid credentials", body = ErrorBody),
        (status = 403, description = "The client's scopes lack order:view", body = ErrorBody),
        (status = 404, description = "No such order, or the caller is not party to it", body = ErrorBody),
        (status = 429, description = "Rate limited", body = ErrorBody),
    )
)]
#[get("/orders/{id}/tracking")]
pub async fn list_tracking(
    state: web::Data<AppState>,
    Caller(actor): Caller,
    id: web::Path<Uuid>,
) -> Result<web::Json<TrackingListResponse>, ApiError> {
    let events = state.marketplace.order_tracking(&actor, OrderId(id.into_inner())).await?;
    let tracking_events = events.into_iter().map(TrackingEventDto::from).collect();
    Ok(web::Json(TrackingListResponse { data: TrackingListData { tracking_events } }))
}

/// Marks a pickup order handed to its customer at the store: an `accepted` order moves through
/// `shipped` to `delivered`, a `shipped` one to `delivered`, opening its trial or release clock.
/// Only `fulfillment = pickup` orders. The seller, the seller's integration or an admin
/// (`order:update`).
#[utoipa::path(
    tag = TAG,
    params(("id" = Uuid, Path, description = "Order id")),
    security(("bearer" = ["order:update"]), ("basic" = ["order:update"])),
    responses(
        (status = 200, description = "The order, now delivered", body = OrderResponse),
        (status = 401, description = "Missing or invalid credentials", body = ErrorBody),
        (status = 403, description = "The buyer, or the client's scopes lack order:update", body = ErrorBody),
        (status = 404, description = "No such order, or the caller is not party to it", body = ErrorBody),
        (status = 409, description = "`CONFLICT` for a delivery order; `INVALID_TRANSITION` when the order is not accepted or shipped", body = ErrorBody),
        (status = 429, description = "Rate limited", body = ErrorBody),
    )
)]
#[post("/orders/{id}/pickup/dispatched")]
pub async fn pickup_dispatched(
    state: web::Data<AppState>,
    Caller(actor): Caller,
    id: web::Path<Uuid>,
) -> Result<web::Json<OrderResponse>, ApiError> {
    let order = state.marketplace.pickup_dispatched(&actor, OrderId(id.into_inner())).await?;
    Ok(web::Json(OrderResponse::new(order.into())))
}
