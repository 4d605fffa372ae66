//! Disputes: a seller's defect claim at a return scan freezes the order's escrow until an admin
//! resolves it; the parties read it.

use actix_web::{get, post, web};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use souk_escrow::dispute::{DisputeStatus, Outcome};
use souk_kernel::{AmountInput, Currency, Money, UserId};
use souk_marketplace::disputes::{DisputeView, Resolution};
use souk_storage::disputes::{Dispute, DisputeFilter};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use crate::app::AppState;
use crate::http::auth::Caller;
use crate::http::error::{ApiError, ErrorBody};
use crate::http::extractors::JsonBody;
use crate::http::query::QueryParams;
use crate::{list_envelope, one_envelope};

/// Whether a dispute still waits for an admin.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum DisputeStatusName {
    /// Waiting for an admin; the order's escrow is frozen.
    Open,
    /// Decided; the escrow was divided.
    Resolved,
}

impl From<DisputeStatus> for DisputeStatusName {
    fn from(status: DisputeStatus) -> Self {
        match status {
            DisputeStatus::Open => DisputeStatusName::Open,
            DisputeStatus::Resolved => DisputeStatusName::Resolved,
        }
    }
}

/// How an admin resolves a dispute.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum OutcomeName {
    /// Everything in escrow goes back to the buyer; the order becomes `returned`.
    RefundBuyer,
    /// Everything in escrow goes to the seller (less the platform fee); the order becomes `completed`.
    ReleaseToSeller,
    /// The buyer gets `buyer_amount`, the seller the rest (less the fee); the order becomes `completed`.
    Split,
}

impl From<Outcome> for OutcomeName {
    fn from(outcome: Outcome) -> Self {
        match outcome {
            Outcome::RefundBuyer => OutcomeName::RefundBuyer,
            Outcome::ReleaseToSeller => OutcomeName::ReleaseToSeller,
            Outcome::Split => OutcomeName::Split,
        }
    }
}

impl From<OutcomeName> for Outcome {
    fn from(outcome: OutcomeName) -> Self {
        match outcome {
            OutcomeName::RefundBuyer => Outcome::RefundBuyer,
            OutcomeName::ReleaseToSeller => Outcome::ReleaseToSeller,
            OutcomeName::Split => Outcome::Split,
        }
    }
}

/// How a dispute was resolved.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ResolutionDto {
    /// The outcome.
    pub outcome: OutcomeName,
    /// Refunded to the buyer.
    #[schema(example = "10.00")]
    pub buyer_amount: String,
    /// Released to the seller, before the platform fee.
    #[schema(example = "19.99")]
    pub seller_amount: String,
    /// The admin's note.
    pub note: Option<String>,
    /// The admin who resolved it.
    pub resolved_by: Option<Uuid>,
    /// When.
    pub resolved_at: Option<DateTime<Utc>>,
}

/// A dispute over a returned order. Amounts are decimal strings in `currency`.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct DisputeDto {
    /// Id.
    pub id: Uuid,
    /// The disputed order.
    pub order_id: Uuid,
    /// The return whose scan opened it.
    pub return_id: Option<Uuid>,
    /// The order's buyer.
    pub buyer_id: Uuid,
    /// The order's seller.
    pub seller_id: Uuid,
    /// The seller's description of the defect.
    pub reason: String,
    /// The photo of the defect (a file id).
    pub photo_file_id: Option<Uuid>,
    /// Where to download the photo.
    pub photo: Option<String>,
    /// Open or resolved.
    pub status: DisputeStatusName,
    /// The order's currency.
    #[schema(example = "USD")]
    pub currency: String,
    /// How it was resolved; `null` while open.
    pub resolution: Option<ResolutionDto>,
    /// When the seller opened it.
    pub opened_at: DateTime<Utc>,
}

impl DisputeDto {
    /// A dispute with amounts in `currency`.
    pub fn from_parts(d: Dispute, currency: Currency) -> Self {
        let money = |minor: Option<i64>| Money::from_minor(minor.unwrap_or(0), currency).amount_string();
        DisputeDto {
            id: d.id,
            order_id: d.order_id,
            return_id: d.return_id,
            buyer_id: d.buyer_id.as_uuid(),
            seller_id: d.seller_id.as_uuid(),
            reason: d.reason,
            photo_file_id: d.photo_file_id,
            photo: d.photo_file_id.map(|id| format!("/api/v1/files/{id}/content")),
            status: d.status.into(),
            currency: currency.code().to_owned(),
            resolution: d.outcome.map(|outcome| ResolutionDto {
                outcome: outcome.into(),
                buyer_amount: money(d.buyer_amount),
                seller_amount: money(d.seller_amount),
                note: d.note,
                resolved_by: d.resolved_by.map(|u| u.as_uuid()),
                resolved_at: d.resolved_at,
            }),
            opened_at: d.opened_at,
        }
    }
}

impl From<DisputeView> for DisputeDto {
    fn from(view: DisputeView) -> Self {
        DisputeDto::from_parts(view.dispute, view.currency)
    }
}

one_envelope!(
    /// `{"data": {"dispute": ...}}`
    DisputeResponse, DisputeData, dispute: DisputeDto
);
list_envelope!(
    /// `{"data": {"disputes": [...], "pagination": ...}}`
    DisputeListResponse, DisputeListData, disputes: DisputeDto
);

/// Query parameters of `GET /api/v1/disputes`.
#[derive(Debug, IntoParams)]
#[into_params(parameter_in = Query)]
#[allow(dead_code)]
pub struct DisputeListQuery {
    /// Page number, from 1.
    #[param(minimum = 1, default = 1)]
    page: Option<u32>,
    /// Items per page, 1 to 200.
    #[param(minimum = 1, maximum = 200, default = 20)]
    page_size: Option<u32>,
    /// Statuses, comma separated or repeated: `open`, `resolved`.
    status: Option<String>,
    /// Only the disputes of this order.
    order_id: Option<Uuid>,
    /// Buyer ids, comma separated or repeated.
    buyer_id: Option<String>,
    /// Seller ids, comma separated or repeated.
    seller_id: Option<String>,
}

/// Lists disputes, newest first: a buyer's own, a seller's, all for admins (filters narrow that
/// scope). Permission: `dispute:view`.
#[utoipa::path(
    tag = "disputes",
    params(DisputeListQuery),
    security(("bearer" = ["dispute:view"]), ("basic" = ["dispute:view"])),
    responses(
        (status = 200, description = "A page of disputes", body = DisputeListResponse),
        (status = 400, description = "Malformed query string", body = ErrorBody),
        (status = 401, description = "Missing or invalid credentials", body = ErrorBody),
        (status = 403, description = "The client's scopes lack dispute:view", body = ErrorBody),
        (status = 422, description = "A filter or page parameter is invalid", body = ErrorBody),
        (status = 429, description = "Rate limited", body = ErrorBody),
    )
)]
#[get("/disputes")]
pub async fn list_disputes(
    state: web::Data<AppState>,
    Caller(actor): Caller,
    query: QueryParams,
) -> Result<web::Json<DisputeListResponse>, ApiError> {
    let mut reader = query.reader();
    let page = reader.page();
    let filter = DisputeFilter {
        statuses: reader.many("status"),
        order_id: reader.uuid("order_id"),
        buyer_ids: reader.uuids("buyer_id").into_iter().map(UserId).collect(),
        seller_ids: reader.uuids("seller_id").into_iter().map(UserId).collect(),
    };
    reader.finish()?;
    let disputes = state.marketplace.list_disputes(&actor, &filter, page).await?;
    Ok(web::Json(DisputeListResponse::new(disputes.map(DisputeDto::from))))
}

/// One dispute. Requires: the order's buyer or seller, or admin. Permission: `dispute:view`.
#[utoipa::path(
    tag = "disputes",
    params(("id" = Uuid, Path, description = "Dispute id")),
    security(("bearer" = ["dispute:view"]), ("basic" = ["dispute:view"])),
    responses(
        (status = 200, description = "The dispute", body = DisputeResponse),
        (status = 401, description = "Missing or invalid credentials", body = ErrorBody),
        (status = 403, description = "The client's scopes lack dispute:view", body = ErrorBody),
        (status = 404, description = "No such dispute, or the caller is not party to it", body = ErrorBody),
        (status = 429, description = "Rate limited", body = ErrorBody),
    )
)]
#[get("/disputes/{id}")]
pub async fn get_dispute(
    state: web::Data<AppState>,
    Caller(actor): Caller,
    id: web::Path<Uuid>,
) -> Result<web::Json<DisputeResponse>, ApiError> {
    let dispute = state.marketplace.get_dispute(&actor, id.into_inner()).await?;
    Ok(web::Json(DisputeResponse::new(dispute.into())))
}

/// An admin's resolution of a dispute.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ResolveRequest {
    /// Who gets the escrow.
    pub outcome: OutcomeName,
    /// Only for `split`: the buyer's share, more than zero and less than what escrow holds, in the
    /// order's currency (a string or a number); the seller gets the rest.
    #[schema(value_type = Option<String>, example = "10.00")]
    pub buyer_amount: Option<AmountInput>,
    /// Why, 1 to 2000 characters; recorded in the order's history.
    #[schema(min_length = 1, max_length = 2000)]
    pub note: String,
}

/// Resolves an open dispute: divides what the order's escrow holds as the outcome says (the
/// buyer's part refunded, the seller's part released less the platform fee) and moves the order
/// to `returned` (`refund_buyer`) or `completed` (`release_to_seller`, `split`), in one
/// transaction. Requires: an admin who is not party to the order. Permission: `dispute:resolve`.
#[utoipa::path(
    tag = "disputes",
    params(
        ("id" = Uuid, Path, description = "Dispute id"),
        ("Idempotency-Key" = Option<String>, Header, pattern = "^[!-~]{1,255}$", description = "Replays the first response for retries within 24 h"),
    ),
    request_body = ResolveRequest,
    security(("bearer" = ["dispute:resolve"]), ("basic" = ["dispute:resolve"])),
    responses(
        (status = 200, description = "The resolved dispute", body = DisputeResponse),
        (status = 400, description = "Malformed JSON", body = ErrorBody),
        (status = 401, description = "Missing or invalid credentials", body = ErrorBody),
        (status = 403, description = "Not an admin, an admin who is party to the order, or the client's scopes lack dispute:resolve", body = ErrorBody),
        (status = 404, description = "No such dispute, or the caller is not party to it", body = ErrorBody),
        (status = 409, description = "The dispute was already resolved, or a request with this Idempotency-Key is in flight", body = ErrorBody),
        (status = 413, description = "Body over 1 MiB", body = ErrorBody),
        (status = 415, description = "Body is not JSON", body = ErrorBody),
        (status = 422, description = "Invalid note, or a buyer_amount missing for a split, given for another outcome, or not strictly between zero and the escrow", body = ErrorBody),
        (status = 429, description = "Rate limited", body = ErrorBody),
    )
)]
#[post("/disputes/{id}/resolve")]
pub async fn resolve_dispute(
    state: web::Data<AppState>,
    Caller(actor): Caller,
    id: web::Path<Uuid>,
    JsonBody(input): JsonBody<ResolveRequest>,
) -> Result<web::Json<DisputeResponse>, ApiError> {
    let resolution =
        Resolution { outcome: input.outcome.into(), buyer_amount: input.buyer_amount, note: input.note };
    let dispute = state.marketplace.resolve_dispute(&actor, id.into_inner(), resolution).await?;
    Ok(web::Json(DisputeResponse::new(dispute.into())))
}
