//! Events and webhooks: the outbox's reads and the subscriptions that receive it, with their
//! delivery logs.

use actix_web::{HttpResponse, delete, get, patch, post, web};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use souk_marketplace::webhooks::{WebhookInput, WebhookPatch};
use souk_storage::events::{Event, EventFilter};
use souk_storage::webhooks::{Delivery, Webhook};
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

/// A state change of a Souk object.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct EventDto {
    /// Id.
    pub id: Uuid,
    /// `order.created`, `order.accepted`, `payment.succeeded`, `escrow.held`, `escrow.released`, `product.updated`, ...
    #[serde(rename = "type")]
    #[schema(example = "order.accepted")]
    pub kind: String,
    /// `order`, `payment`, `product`, `user`, `seller`, ...
    pub object_type: String,
    /// The object.
    pub object_id: Uuid,
    /// A snapshot of the object after the change.
    #[schema(value_type = Object)]
    pub data: serde_json::Value,
    /// When.
    pub created_at: DateTime<Utc>,
}

impl From<Event> for EventDto {
    fn from(e: Event) -> Self {
        EventDto {
            id: e.id,
            kind: e.kind,
            object_type: e.object_type,
            object_id: e.object_id,
            data: e.data,
            created_at: e.created_at,
        }
    }
}

one_envelope!(
    /// `{"data": {"event": ...}}`
    EventResponse, EventData, event: EventDto
);
list_envelope!(
    /// `{"data": {"events": [...], "pagination": ...}}`
    EventListResponse, EventListData, events: EventDto
);

#[utoipa::path(
    tag = "events",
    params(
        ("type" = Option<String>, Query, description = "Types, comma separated or repeated; `order.*` matches a domain, `*` everything"),
        ("object_id" = Option<Uuid>, Query, description = "Only events about this object"),
        ("from" = Option<String>, Query, description = "Created at or after (RFC 3339, date or Unix seconds)"),
        ("to" = Option<String>, Query, description = "Created at or before (a bare date includes the day)"),
        ("page" = Option<u32>, Query, minimum = 1, description = "Page number"),
        ("page_size" = Option<u32>, Query, minimum = 1, maximum = 200, description = "Items per page"),
    ),
    security(("bearer" = ["event:view"]), ("basic" = ["event:view"])),
    responses(
        (status = 200, description = "Events, newest first: all for admins, those of their own objects for sellers", body = EventListResponse),
        (status = 401, description = "Missing or invalid credentials", body = ErrorBody),
        (status = 403, description = "Buyers, or scopes without event:view", body = ErrorBody),
        (status = 422, description = "Invalid filters or paging", body = ErrorBody),
        (status = 429, description = "Rate limited", body = ErrorBody),
    )
)]
#[get("/events")]
pub async fn list_events(
    state: web::Data<AppState>,
    Caller(actor): Caller,
    query: QueryParams,
) -> Result<web::Json<EventListResponse>, ApiError> {
    let mut reader = query.reader();
    let page = reader.page();
    let (from, to) = reader.time_range("from", "to");
    let types: Vec<String> = query.values("type").into_iter().map(str::to_owned).collect();
    if types.iter().any(|t| t.len() > 64) {
        reader.error("type", "each type is at most 64 characters");
    }
    let filter = EventFilter { types, object_id: reader.uuid("object_id"), from, to, seller_id: None };
    reader.finish()?;
    let events = state.marketplace.list_events(&actor, filter, page).await?;
    Ok(web::Json(EventListResponse::new(events.map(EventDto::from))))
}

#[utoipa::path(
    tag = "events",
    params(("id" = Uuid, Path, description = "Event id")),
    security(("bearer" = ["event:view"]), ("basic" = ["event:view"])),
    responses(
        (status = 200, description = "The event", body = EventResponse),
        (status = 401, description = "Missing or invalid credentials", body = ErrorBody),
        (status = 403, description = "Buyers, or scopes without event:view", body = ErrorBody),
        (status = 404, description = "No such event, or not about the caller's objects", body = ErrorBody),
        (status = 429, description = "Rate limited", body = ErrorBody),
    )
)]
#[get("/events/{id}")]
pub async fn get_event(
    state: web::Data<AppState>,
    Caller(actor): Caller,
    id: web::Path<Uuid>,
) -> Result<web::Json<EventResponse>, ApiError> {
    let event = state.marketplace.get_event(&actor, id.into_inner()).await?;
    Ok(web::Json(EventResponse::new(event.into())))
}

/// A webhook subscription; the secret appears only in the answer that created it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct WebhookDto {
    /// Id.
    pub id: Uuid,
    /// Where events are posted.
    pub url: String,
    /// Type patterns it receives.
    pub events: Vec<String>,
    /// `active` or `disabled`.
    pub status: String,
    /// A note.
    pub description: Option<String>,
    /// The owner (the user, or the owner of the integration client, that subscribed).
    pub owner_id: Uuid,
    /// The signing secret: only when just created.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub secret: Option<String>,
    /// Creation time.
    pub created_at: DateTime<Utc>,
    /// Last change.
    pub updated_at: DateTime<Utc>,
}

impl From<Webhook> for WebhookDto {
    fn from(w: Webhook) -> Self {
        WebhookDto {
            id: w.id,
            url: w.url,
            events: w.events,
            status: w.status,
            description: w.description,
            owner_id: w.owner_id,
            secret: None,
            created_at: w.created_at,
            updated_at: w.updated_at,
        }
    }
}

one_envelope!(
    /// `{"data": {"webhook": ...}}`
    WebhookResponse, WebhookData, webhook: WebhookDto
);
list_envelope!(
    /// `{"data": {"webhooks": [...], "pagination": ...}}`
    WebhookListResponse, WebhookListData, webhooks: WebhookDto
);

/// A new subscription.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateWebhookRequest {
    /// An http or https URL; private addresses are refused unless allowed by
    /// `SOUK_WEBHOOK_ALLOWED_HOSTS` (loopback is allowed in sandbox mode).
    #[schema(example = "https://hooks.example.com/souk", max_length = 2000)]
    pub url: String,
    /// 1 to 50 types (`order.created`), domain wildcards (`order.*`) or `*`.
    #[schema(example = json!(["order.*", "escrow.released"]))]
    pub events: Vec<String>,
    /// The signing secret, 16 to 200 characters; generated and shown once when absent.
    pub secret: Option<String>,
    /// A note, at most 500 characters.
    #[schema(max_length = 500)]
    pub description: Option<String>,
}

/// Changes to a subscription.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PatchWebhookRequest {
    /// Where events are posted.
    pub url: Option<String>,
    /// Type patterns.
    pub events: Option<Vec<String>>,
    /// `active` or `disabled` (disabled subscriptions receive nothing new).
    #[schema(example = "disabled")]
    pub status: Option<String>,
    /// A note; `null` clears it.
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<String>)]
    pub description: Option<Option<String>>,
}

#[utoipa::path(
    tag = "events",
    params(("Idempotency-Key" = Option<String>, Header, pattern = "^[!-~]{1,255}$", description = "Replays the first response for retries within 24 h")),
    request_body = CreateWebhookRequest,
    security(("bearer" = ["webhook:create"]), ("basic" = ["webhook:create"])),
    responses(
        (status = 201, description = "Subscribed; `secret` is shown this once", body = WebhookResponse),
        (status = 400, description = "Malformed JSON", body = ErrorBody),
        (status = 415, description = "Body is not JSON", body = ErrorBody),
        (status = 401, description = "Missing or invalid credentials", body = ErrorBody),
        (status = 403, description = "Buyers, or scopes without webhook:create", body = ErrorBody),
        (status = 422, description = "Invalid URL, patterns or secret", body = ErrorBody),
        (status = 429, description = "Rate limited", body = ErrorBody),
    )
)]
#[post("/webhooks")]
pub async fn create_webhook(
    state: web::Data<AppState>,
    Caller(actor): Caller,
    JsonBody(input): JsonBody<CreateWebhookRequest>,
) -> Result<HttpResponse, ApiError> {
    let input = WebhookInput {
        url: input.url,
        events: input.events,
        secret: input.secret,
        description: input.description,
    };
    let webhook = state.marketplace.create_webhook(&actor, input).await?;
    let secret = webhook.secret.clone();
    let mut dto = WebhookDto::from(webhook);
    dto.secret = Some(secret);
    Ok(HttpResponse::Created().json(WebhookResponse::new(dto)))
}

#[utoipa::path(
    tag = "events",
    params(
        ("page" = Option<u32>, Query, minimum = 1, description = "Page number"),
        ("page_size" = Option<u32>, Query, minimum = 1, maximum = 200, description = "Items per page"),
    ),
    security(("bearer" = ["webhook:view"]), ("basic" = ["webhook:view"])),
    responses(
        (status = 200, description = "The caller's subscriptions (all for admins)", body = WebhookListResponse),
        (status = 401, description = "Missing or invalid credentials", body = ErrorBody),
        (status = 403, description = "Buyers, or scopes without webhook:view", body = ErrorBody),
        (status = 422, description = "Invalid paging", body = ErrorBody),
        (status = 429, description = "Rate limited", body = ErrorBody),
    )
)]
#[get("/webhooks")]
pub async fn list_webhooks(
    state: web::Data<AppState>,
    Caller(actor): Caller,
    query: QueryParams,
) -> Result<web::Json<WebhookListResponse>, ApiError> {
    let page = query.page_only()?;
    let webhooks = state.marketplace.list_webhooks(&actor, page).await?;
    Ok(web::Json(WebhookListResponse::new(webhooks.map(WebhookDto::from))))
}

#[utoipa::path(
    tag = "events",
    params(("id" = Uuid, Path, description = "Webhook id")),
    security(("bearer" = ["webhook:view"]), ("basic" = ["webhook:view"])),
    responses(
        (status = 200, description = "The subscription", body = WebhookResponse),
        (status = 401, description = "Missing or invalid credentials", body = ErrorBody),
        (status = 403, description = "Buyers, or scopes without webhook:view", body = ErrorBody),
        (status = 404, description = "No such subscription of the caller", body = ErrorBody),
        (status = 429, description = "Rate limited", body = ErrorBody),
    )
)]
#[get("/webhooks/{id}")]
pub async fn get_webhook(
    state: web::Data<AppState>,
    Caller(actor): Caller,
    id: web::Path<Uuid>,
) -> Result<web::Json<WebhookResponse>, ApiError> {
    let webhook = state.marketplace.get_webhook(&actor, id.into_inner()).await?;
    Ok(web::Json(WebhookResponse::new(webhook.into())))
}

#[utoipa::path(
    tag = "events",
    params(("id" = Uuid, Path, description = "Webhook id")),
    request_body = PatchWebhookRequest,
    security(("bearer" = ["webhook:update"]), ("basic" = ["webhook:update"])),
    responses(
        (status = 200, description = "The changed subscription", body = WebhookResponse),
        (status = 400, description = "Malformed JSON", body = ErrorBody),
        (status = 415, description = "Body is not JSON", body = ErrorBody),
        (status = 401, description = "Missing or invalid credentials", body = ErrorBody),
        (status = 403, description = "Buyers, or scopes without webhook:update", body = ErrorBody),
        (status = 404, description = "No such subscription of the caller", body = ErrorBody),
        (status = 422, description = "Invalid fields", body = ErrorBody),
        (status = 429, description = "Rate limited", body = ErrorBody),
    )
)]
#[patch("/webhooks/{id}")]
pub async fn update_webhook(
    state: web::Data<AppState>,
    Caller(actor): Caller,
    id: web::Path<Uuid>,
    JsonBody(input): JsonBody<PatchWebhookRequest>,
) -> Result<web::Json<WebhookResponse>, ApiError> {
    let patch = WebhookPatch {
        url: input.url,
        events: input.events,
        status: input.status,
        description: input.description,
    };
    let webhook = state.marketplace.update_webhook(&actor, id.into_inner(), patch).await?;
    Ok(web::Json(WebhookResponse::new(webhook.into())))
}

#[utoipa::path(
    tag = "events",
    params(("id" = Uuid, Path, description = "Webhook id")),
    security(("bearer" = ["webhook:delete"]), ("basic" = ["webhook:delete"])),
    responses(
        (status = 200, description = "Deleted with its delivery log", body = MessageResponse),
        (status = 401, description = "Missing or invalid credentials", body = ErrorBody),
        (status = 403, description = "Buyers, or scopes without webhook:delete", body = ErrorBody),
        (status = 404, description = "No such subscription of the caller", body = ErrorBody),
        (status = 429, description = "Rate limited", body = ErrorBody),
    )
)]
#[delete("/webhooks/{id}")]
pub async fn delete_webhook(
    state: web::Data<AppState>,
    Caller(actor): Caller,
    id: web::Path<Uuid>,
) -> Result<web::Json<MessageResponse>, ApiError> {
    state.marketplace.delete_webhook(&actor, id.into_inner()).await?;
    Ok(web::Json(MessageResponse::new("webhook deleted")))
}

/// One event owed to a subscription.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct DeliveryDto {
    /// Id.
    pub id: Uuid,
    /// The event.
    pub event_id: Uuid,
    /// `pending`, `succeeded` or `failed` (retries stopped after 24 hours).
    pub status: String,
    /// Attempts made.
    pub attempts: i32,
    /// When the next attempt is due (pending only).
    pub next_attempt_at: Option<DateTime<Utc>>,
    /// The receiver's last HTTP status.
    pub last_status_code: Option<i32>,
    /// Why the last attempt failed, when the receiver could not be reached.
    pub last_error: Option<String>,
    /// When a 2xx arrived.
    pub delivered_at: Option<DateTime<Utc>>,
    /// Creation time.
    pub created_at: DateTime<Utc>,
}

impl From<Delivery> for DeliveryDto {
    fn from(d: Delivery) -> Self {
        DeliveryDto {
            id: d.id,
            event_id: d.event_id,
            next_attempt_at: (d.status == "pending").then_some(d.next_attempt_at),
            status: d.status,
            attempts: d.attempts,
            last_status_code: d.last_status_code,
            last_error: d.last_error,
            delivered_at: d.delivered_at,
            created_at: d.created_at,
        }
    }
}

one_envelope!(
    /// `{"data": {"delivery": ...}}`
    DeliveryResponse, DeliveryData, delivery: DeliveryDto
);
list_envelope!(
    /// `{"data": {"deliveries": [...], "pagination": ...}}`
    DeliveryListResponse, DeliveryListData, deliveries: DeliveryDto
);

#[utoipa::path(
    tag = "events",
    params(
        ("id" = Uuid, Path, description = "Webhook id"),
        ("page" = Option<u32>, Query, minimum = 1, description = "Page number"),
        ("page_size" = Option<u32>, Query, minimum = 1, maximum = 200, description = "Items per page"),
    ),
    security(("bearer" = ["webhook:view"]), ("basic" = ["webhook:view"])),
    responses(
        (status = 200, description = "The delivery log, newest first", body = DeliveryListResponse),
        (status = 401, description = "Missing or invalid credentials", body = ErrorBody),
        (status = 403, description = "Buyers, or scopes without webhook:view", body = ErrorBody),
        (status = 404, description = "No such subscription of the caller", body = ErrorBody),
        (status = 422, description = "Invalid paging", body = ErrorBody),
        (status = 429, description = "Rate limited", body = ErrorBody),
    )
)]
#[get("/webhooks/{id}/deliveries")]
pub async fn list_webhook_deliveries(
    state: web::Data<AppState>,
    Caller(actor): Caller,
    id: web::Path<Uuid>,
    query: QueryParams,
) -> Result<web::Json<DeliveryListResponse>, ApiError> {
    let page = query.page_only()?;
    let deliveries = state.marketplace.webhook_deliveries(&actor, id.into_inner(), page).await?;
    Ok(web::Json(DeliveryListResponse::new(deliveries.map(DeliveryDto::from))))
}

#[utoipa::path(
    tag = "events",
    params(
        ("id" = Uuid, Path, description = "Webhook id"),
        ("delivery_id" = Uuid, Path, description = "Delivery id"),
    ),
    security(("bearer" = ["webhook:update"]), ("basic" = ["webhook:update"])),
    responses(
        (status = 200, description = "Scheduled now; the job loop (or `POST /sandbox/jobs/run`) sends it, even if it was delivered before", body = DeliveryResponse),
        (status = 401, description = "Missing or invalid credentials", body = ErrorBody),
        (status = 403, description = "Buyers, or scopes without webhook:view", body = ErrorBody),
        (status = 404, description = "No such subscription of the caller or delivery of it", body = ErrorBody),
        (status = 429, description = "Rate limited", body = ErrorBody),
    )
)]
#[post("/webhooks/{id}/deliveries/{delivery_id}/retry")]
pub async fn retry_webhook_delivery(
    state: web::Data<AppState>,
    Caller(actor): Caller,
    path: web::Path<(Uuid, Uuid)>,
) -> Result<web::Json<DeliveryResponse>, ApiError> {
    let (id, delivery_id) = path.into_inner();
    let delivery = state.marketplace.retry_delivery(&actor, id, delivery_id).await?;
    Ok(web::Json(DeliveryResponse::new(delivery.into())))
}
