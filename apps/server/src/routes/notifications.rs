//! Notifications: send an order or return e-mail now.

use actix_web::{post, web};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use souk_marketplace::notifications::NotificationKind;
use souk_storage::notifications::Notification;
use utoipa::ToSchema;
use uuid::Uuid;

use crate::app::AppState;
use crate::http::auth::Caller;
use crate::http::error::{ApiError, ErrorBody};
use crate::http::extractors::JsonBody;
use crate::one_envelope;

/// Which e-mail to send about which object.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NotificationRequest {
    /// `new_order_customer` (to the buyer), `new_order_supplier` (to the seller),
    /// `order_status` (to the buyer), `return_update` (to both; `object_id` is a return).
    #[serde(rename = "type")]
    #[schema(value_type = String, example = "order_status")]
    pub kind: NotificationKind,
    /// The order, or the return for `return_update`.
    pub object_id: Uuid,
}

/// A sent notification.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct NotificationDto {
    /// Id.
    pub id: Uuid,
    /// Which e-mail.
    #[serde(rename = "type")]
    pub kind: String,
    /// The order or return.
    pub object_id: Uuid,
    /// `sent`.
    pub status: String,
    /// Who got it.
    pub recipients: Vec<String>,
    /// When.
    pub sent_at: Option<DateTime<Utc>>,
}

impl From<Notification> for NotificationDto {
    fn from(n: Notification) -> Self {
        NotificationDto {
            id: n.id,
            kind: n.kind,
            object_id: n.object_id,
            status: n.status,
            recipients: n.recipients,
            sent_at: n.sent_at,
        }
    }
}

one_envelope!(
    /// `{"data": {"notification": ...}}`
    NotificationResponse, NotificationData, notification: NotificationDto
);

#[utoipa::path(
    tag = "events",
    params(("Idempotency-Key" = Option<String>, Header, pattern = "^[!-~]{1,255}$", description = "Replays the first response for retries within 24 h")),
    request_body = NotificationRequest,
    security(("bearer" = ["order:update"]), ("basic" = ["order:update"])),
    responses(
        (status = 200, description = "Sent now, rendered from its template (the same e-mails state changes send automatically)", body = NotificationResponse),
        (status = 400, description = "Malformed JSON", body = ErrorBody),
        (status = 415, description = "Body is not JSON", body = ErrorBody),
        (status = 401, description = "Missing or invalid credentials", body = ErrorBody),
        (status = 403, description = "Buyers, or scopes without order:update", body = ErrorBody),
        (status = 404, description = "No such order or return of the caller", body = ErrorBody),
        (status = 422, description = "Unknown type", body = ErrorBody),
        (status = 429, description = "Rate limited", body = ErrorBody),
        (status = 503, description = "The mail server refused it; it stays queued and is retried", body = ErrorBody),
    )
)]
#[post("/notifications")]
pub async fn send_notification(
    state: web::Data<AppState>,
    Caller(actor): Caller,
    JsonBody(input): JsonBody<NotificationRequest>,
) -> Result<web::Json<NotificationResponse>, ApiError> {
    let sent = state.marketplace.send_notification(&actor, input.kind, input.object_id).await?;
    Ok(web::Json(NotificationResponse::new(sent.into())))
}
