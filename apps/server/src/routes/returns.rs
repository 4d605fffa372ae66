//! Trial returns: the buyer requests one and shows its QR code, the seller scans the code to
//! confirm the return or claim a defect, and the parties read them.

use std::io::Write;

use actix_multipart::Multipart;
use actix_web::{HttpRequest, HttpResponse, get, post, web};
use chrono::{DateTime, Utc};
use futures_util::StreamExt;
use qrcode::{Color, EcLevel, QrCode};
use serde::{Deserialize, Serialize};
use souk_fulfillment::returns::{NewReturn, ReturnId, ReturnStatus, ScanAction};
use souk_kernel::{DomainError, FieldErrors, Money, UserId};
use souk_marketplace::files::NewFile;
use souk_marketplace::returns::{ReturnInput, ReturnView, ScanInput, ScanResult};
use souk_orders::order::OrderId;
use souk_storage::returns::ReturnFilter;
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use crate::app::AppState;
use crate::http::auth::Caller;
use crate::http::error::{ApiError, ErrorBody, ErrorCode};
use crate::http::extractors::{JsonBody, is_multipart, json_error, json_from_payload};
use crate::http::query::QueryParams;
use crate::list_envelope;
use crate::routes::disputes::DisputeDto;

/// Where a return stands.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ReturnStatusName {
    /// Requested; the token waits for the seller's scan.
    Pending,
    /// Scanned and accepted; the buyer was refunded less the trial penalty.
    Confirmed,
    /// Scanned with a defect claim; a dispute is open.
    DefectClaimed,
    /// Not scanned within the return window; the order went back to its trial.
    Expired,
}

impl From<ReturnStatus> for ReturnStatusName {
    fn from(status: ReturnStatus) -> Self {
        match status {
            ReturnStatus::Pending => ReturnStatusName::Pending,
            ReturnStatus::Confirmed => ReturnStatusName::Confirmed,
            ReturnStatus::DefectClaimed => ReturnStatusName::DefectClaimed,
            ReturnStatus::Expired => ReturnStatusName::Expired,
        }
    }
}

/// A trial return. Amounts are decimal strings in `currency`.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ReturnDto {
    /// Id.
    pub id: Uuid,
    /// The returned order.
    pub order_id: Uuid,
    /// The order's buyer.
    pub buyer_id: Uuid,
    /// The order's seller.
    pub seller_id: Uuid,
    /// The secret the seller scans (32 hex characters), shown to the buyer and admins; `null` for
    /// the seller, who reads it from the buyer's QR code.
    #[schema(example = "9f2c4e1ab37d40c8a1e5b6d7c8f90a1b", pattern = "^[0-9a-f]{32}$")]
    pub token: Option<String>,
    /// Where it stands.
    pub status: ReturnStatusName,
    /// Why the buyer returns it.
    pub reason: Option<String>,
    /// The buyer reports a defect.
    pub has_defect: bool,
    /// The defect the buyer reports.
    pub defect_description: Option<String>,
    /// A photo of the defect the buyer reports (a file id).
    pub defect_photo_file_id: Option<Uuid>,
    /// The order's currency.
    #[schema(example = "USD")]
    pub currency: String,
    /// Refunded to the buyer when confirmed: what escrow held less the penalty.
    #[schema(example = "26.99")]
    pub refund_amount: Option<String>,
    /// The trial penalty released to the seller when confirmed.
    #[schema(example = "3.00")]
    pub penalty_amount: Option<String>,
    /// When the buyer asked (platform clock).
    pub requested_at: DateTime<Utc>,
    /// When the token stops being accepted: the longest return window of the order's trial lines
    /// after `requested_at`.
    pub expires_at: DateTime<Utc>,
    /// When it was scanned or expired.
    pub resolved_at: Option<DateTime<Utc>>,
    /// The QR code of the token as PNG (buyer only).
    #[schema(example = "/api/v1/returns/0192c0de-0000-7000-8000-000000000000/qr.png")]
    pub qr_png_url: String,
    /// The QR code of the token as SVG (buyer only).
    #[schema(example = "/api/v1/returns/0192c0de-0000-7000-8000-000000000000/qr.svg")]
    pub qr_svg_url: String,
}

impl From<ReturnView> for ReturnDto {
    fn from(view: ReturnView) -> Self {
        let ReturnView { ret, currency } = view;
        let money = |minor: i64| Money::from_minor(minor, currency).amount_string();
        let id = ret.id.as_uuid();
        ReturnDto {
            id,
            order_id: ret.order_id,
            buyer_id: ret.buyer_id.as_uuid(),
            seller_id: ret.seller_id.as_uuid(),
            token: Some(ret.token).filter(|t| !t.is_empty()),
            status: ret.status.into(),
            reason: ret.reason,
            has_defect: ret.has_defect,
            defect_description: ret.defect_description,
            defect_photo_file_id: ret.defect_photo_file_id,
            currency: currency.code().to_owned(),
            refund_amount: ret.refund_amount.map(money),
            penalty_amount: ret.penalty_amount.map(money),
            requested_at: ret.requested_at,
            expires_at: ret.expires_at,
            resolved_at: ret.resolved_at,
            qr_png_url: format!("/api/v1/returns/{id}/qr.png"),
            qr_svg_url: format!("/api/v1/returns/{id}/qr.svg"),
        }
    }
}

/// `{"data": {"return": ...}}`
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ReturnResponse {
    /// The payload.
    pub data: ReturnData,
}

/// The `data` object of a return response.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ReturnData {
    /// The return.
    #[serde(rename = "return")]
    pub ret: ReturnDto,
}

impl ReturnResponse {
    fn new(ret: ReturnDto) -> Self {
        ReturnResponse { data: ReturnData { ret } }
    }
}

list_envelope!(
    /// `{"data": {"returns": [...], "pagination": ...}}`
    ReturnListResponse, ReturnListData, returns: ReturnDto
);

/// A return request.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateReturnRequest {
    /// The order, in `trial_active` with its trial running.
    pub order_id: Uuid,
    /// Why, up to 1000 characters (trimmed; blank is none).
    #[schema(max_length = 1000)]
    pub reason: Option<String>,
    /// The buyer reports a defect (default `false`); then `defect_description` and
    /// `defect_photo_file_id` are required, and without it neither may be given.
    #[serde(default)]
    pub has_defect: bool,
    /// What is wrong, 1 to 2000 characters.
    #[schema(max_length = 2000)]
    pub defect_description: Option<String>,
    /// A photo of it: an image the buyer uploaded with `POST /files`.
    pub defect_photo_file_id: Option<Uuid>,
}

/// Requests the return of an order during its trial. Opens a `pending` return whose token (shown
/// as a QR code at `qr_png_url`/`qr_svg_url`) the seller scans; it expires after the longest
/// `return_window_hours` of the order's trial lines (platform clock), and the order moves to
/// `return_requested`. One open return per order. An unscanned return expires: the order goes
/// back to `trial_active` and completes when the trial ends. Requires: the order's buyer.
/// Permission: `return:create`.
#[utoipa::path(
    tag = "returns",
    params(("Idempotency-Key" = Option<String>, Header, pattern = "^[!-~]{1,255}$", description = "Replays the first response for retries within 24 h")),
    request_body = CreateReturnRequest,
    security(("bearer" = ["return:create"]), ("basic" = ["return:create"])),
    responses(
        (status = 201, description = "The pending return with its token", body = ReturnResponse),
        (status = 400, description = "Malformed JSON", body = ErrorBody),
        (status = 401, description = "Missing or invalid credentials", body = ErrorBody),
        (status = 403, description = "The seller or an admin, not the buyer, of the order; or the client's scopes lack return:create", body = ErrorBody),
        (status = 404, description = "No such order, or the caller is not party to it", body = ErrorBody),
        (status = 409, description = "The order is not in a running trial (INVALID_TRANSITION), already has an open return (CONFLICT), or a request with this Idempotency-Key is in flight", body = ErrorBody),
        (status = 413, description = "Body over 1 MiB", body = ErrorBody),
        (status = 415, description = "Body is not JSON", body = ErrorBody),
        (status = 422, description = "Invalid fields, or a defect photo that is not an image the buyer uploaded", body = ErrorBody),
        (status = 429, description = "Rate limited", body = ErrorBody),
    )
)]
#[post("/returns")]
pub async fn create_return(
    state: web::Data<AppState>,
    Caller(actor): Caller,
    JsonBody(input): JsonBody<CreateReturnRequest>,
) -> Result<HttpResponse, ApiError> {
    let input = ReturnInput {
        order_id: OrderId(input.order_id),
        request: NewReturn {
            reason: input.reason,
            has_defect: input.has_defect,
            defect_description: input.defect_description,
            defect_photo_file_id: input.defect_photo_file_id,
        },
    };
    let ret = state.marketplace.request_return(&actor, input).await?;
    Ok(HttpResponse::Created().json(ReturnResponse::new(ret.into())))
}

/// What the seller does with a scanned return.
#[derive(Debug, Clone, Copy, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ScanActionName {
    /// Accept the product back: refund the buyer less the trial penalty.
    Confirm,
    /// Refuse it as defective: open a dispute for an admin.
    ClaimDefect,
}

/// A scan of a return's QR code.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ScanRequest {
    /// The token from the buyer's QR code.
    #[schema(example = "9f2c4e1ab37d40c8a1e5b6d7c8f90a1b", max_length = 64)]
    pub token: String,
    /// `confirm` or `claim_defect`.
    pub action: ScanActionName,
    /// Required for `claim_defect`: what is wrong, 1 to 2000 characters.
    #[schema(max_length = 2000)]
    pub description: Option<String>,
    /// Required for `claim_defect`: a photo of it, an image the caller uploaded with `POST /files`.
    pub photo_file_id: Option<Uuid>,
}

/// A scan as a `multipart/form-data` form: the text fields of [`ScanRequest`] plus an optional
/// `photo` file for a defect claim (instead of `photo_file_id`).
#[derive(Debug, ToSchema)]
#[allow(dead_code)]
pub struct ScanForm {
    /// The token from the buyer's QR code.
    token: String,
    /// `confirm` or `claim_defect`.
    action: ScanActionName,
    /// Required for `claim_defect`: what is wrong, 1 to 2000 characters.
    description: Option<String>,
    /// A photo of the defect (jpeg, png, webp or gif, at most 5 MiB), stored as the caller's file.
    #[schema(value_type = Option<String>, format = Binary)]
    photo: Option<Vec<u8>>,
    /// An already uploaded photo instead of `photo`.
    photo_file_id: Option<Uuid>,
}

/// Largest text part of a scan form.
const FORM_TEXT_LIMIT: usize = 16 * 1024;
/// Largest photo part of a scan form (the image limit).
const FORM_PHOTO_LIMIT: usize = 5 * 1024 * 1024;

/// Reads a scan form: its text fields as a [`ScanRequest`] and the `photo` part, if any.
async fn read_scan_form(mut form: Multipart) -> Result<(ScanRequest, Option<(String, Vec<u8>)>), ApiError> {
    let mut text = serde_json::Map::new();
    let mut photo = None;
    while let Some(field) = form.next().await {
        let mut field = field
            .map_err(|e| ApiError::new(ErrorCode::BadRequest, format!("malformed multipart body: {e}")))?;
        let name = field.name().unwrap_or_default().to_owned();
        let file_name = field.content_disposition().and_then(|d| d.get_filename()).map(str::to_owned);
        let is_photo = name == "photo";
        let limit = if is_photo { FORM_PHOTO_LIMIT } else { FORM_TEXT_LIMIT };
        let mut bytes = Vec::new();
        while let Some(chunk) = field.next().await {
            let chunk = chunk.map_err(|e| {
                ApiError::new(ErrorCode::BadRequest, format!("malformed multipart body: {e}"))
            })?;
            if bytes.len() + chunk.len() > limit {
                return Err(ApiError::new(
                    ErrorCode::PayloadTooLarge,
                    format!("the {name} part is too large"),
                ));
            }
            bytes.extend_from_slice(&chunk);
        }
        if is_photo {
            photo = Some((file_name.unwrap_or_else(|| "photo".to_owned()), bytes));
        } else {
            let value = String::from_utf8(bytes)
                .map_err(|_| ApiError::validation(FieldErrors::single(&name, "must be UTF-8 text")))?;
            text.insert(name, serde_json::Value::String(value));
        }
    }
    let request = serde_path_to_error::deserialize(serde_json::Value::Object(text)).map_err(json_error)?;
    Ok((request, photo))
}

/// What a scan did.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ScanResponse {
    /// The payload.
    pub data: ScanData,
}

/// The `data` object of a scan response.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ScanData {
    /// The return, now `confirmed` or `defect_claimed`.
    #[serde(rename = "return")]
    pub ret: ReturnDto,
    /// The order's status now: `returned` or `disputed`.
    #[schema(example = "returned")]
    pub order_status: String,
    /// The dispute a defect claim opened; `null` for a confirmation.
    pub dispute: Option<DisputeDto>,
}

impl From<ScanResult> for ScanResponse {
    fn from(result: ScanResult) -> Self {
        let currency = result.ret.currency;
        ScanResponse {
            data: ScanData {
                ret: result.ret.into(),
                order_status: result.order_status.as_str().to_owned(),
                dispute: result.dispute.map(|dispute| DisputeDto::from_parts(dispute, currency)),
            },
        }
    }
}

/// Scans a return token: JSON, or `multipart/form-data` whose optional `photo` file is stored as
/// the caller's upload and used as the claim's photo. `confirm` refunds the buyer what escrow holds less the trial
/// penalty (`flat`: the value once per trial line; `percentage`: of the line total, rounded down;
/// capped at the escrow), releases the penalty to the seller (less the platform fee), and moves the
/// order to `returned`, its stock back on sale. `claim_defect` needs `description` and
/// `photo_file_id`, opens a dispute and moves the order to `disputed`: its escrow stays frozen
/// until an admin resolves the dispute. Concurrent scans of one token settle it once; the others
/// answer `409`. Requires: the order's seller (an admin may scan for the seller). Permission:
/// `return:confirm`.
#[utoipa::path(
    tag = "returns",
    params(("Idempotency-Key" = Option<String>, Header, pattern = "^[!-~]{1,255}$", description = "Replays the first response for retries within 24 h")),
    request_body(content(
        (ScanRequest = "application/json"),
        (ScanForm = "multipart/form-data"),
    )),
    security(("bearer" = ["return:confirm"]), ("basic" = ["return:confirm"])),
    responses(
        (status = 200, description = "The settled return, the order's status and any dispute opened", body = ScanResponse),
        (status = 400, description = "Malformed JSON", body = ErrorBody),
        (status = 401, description = "Missing or invalid credentials", body = ErrorBody),
        (status = 403, description = "The buyer scanning its own return, or the client's scopes lack return:confirm", body = ErrorBody),
        (status = 404, description = "No return has this token, or the caller is not party to its order", body = ErrorBody),
        (status = 409, description = "The return was already scanned, or a request with this Idempotency-Key is in flight", body = ErrorBody),
        (status = 413, description = "JSON body over 1 MiB or photo over 5 MiB", body = ErrorBody),
        (status = 415, description = "Body is neither JSON nor multipart", body = ErrorBody),
        (status = 422, description = "The token expired (platform clock past `expires_at`), or a defect claim lacks a valid description or photo (both `photo` and `photo_file_id`, a photo with `confirm`, or a file that is not an image)", body = ErrorBody),
        (status = 429, description = "Rate limited", body = ErrorBody),
    )
)]
#[post("/returns/scan")]
pub async fn scan_return(
    req: HttpRequest,
    payload: web::Payload,
    state: web::Data<AppState>,
    Caller(actor): Caller,
) -> Result<web::Json<ScanResponse>, ApiError> {
    let (mut input, photo) = if is_multipart(&req) {
        read_scan_form(Multipart::new(req.headers(), payload)).await?
    } else {
        (json_from_payload::<ScanRequest>(&req, payload).await?, None)
    };
    if let Some((name, bytes)) = photo {
        if input.photo_file_id.is_some() {
            return Err(DomainError::invalid("photo", "give either photo or photo_file_id, not both").into());
        }
        if !matches!(input.action, ScanActionName::ClaimDefect) {
            return Err(DomainError::invalid("photo", "is only sent with claim_defect").into());
        }
        let stored =
            state.marketplace.upload_file(&actor, NewFile { name, bytes, ..NewFile::default() }).await?;
        input.photo_file_id = Some(stored.file.id);
    }
    let input = ScanInput {
        token: input.token,
        action: match input.action {
            ScanActionName::Confirm => ScanAction::Confirm,
            ScanActionName::ClaimDefect => ScanAction::ClaimDefect,
        },
        description: input.description,
        photo_file_id: input.photo_file_id,
    };
    let result = state.marketplace.scan_return(&actor, input).await?;
    Ok(web::Json(result.into()))
}

/// Query parameters of `GET /api/v1/returns`.
#[derive(Debug, IntoParams)]
#[into_params(parameter_in = Query)]
#[allow(dead_code)]
pub struct ReturnListQuery {
    /// Page number, from 1.
    #[param(minimum = 1, default = 1)]
    page: Option<u32>,
    /// Items per page, 1 to 200.
    #[param(minimum = 1, maximum = 200, default = 20)]
    page_size: Option<u32>,
    /// Statuses, comma separated or repeated: `pending`, `confirmed`, `defect_claimed`, `expired`.
    status: Option<String>,
    /// Buyer ids, comma separated or repeated.
    buyer_id: Option<String>,
    /// Seller ids, comma separated or repeated.
    seller_id: Option<String>,
    /// Only the returns of this order.
    order_id: Option<Uuid>,
}

/// Lists returns, newest first: a buyer's own, a seller's of its orders, all for admins (the
/// filters narrow that scope, never widen it). Permission: `return:view`.
#[utoipa::path(
    tag = "returns",
    params(ReturnListQuery),
    security(("bearer" = ["return:view"]), ("basic" = ["return:view"])),
    responses(
        (status = 200, description = "A page of returns", body = ReturnListResponse),
        (status = 400, description = "Malformed query string", body = ErrorBody),
        (status = 401, description = "Missing or invalid credentials", body = ErrorBody),
        (status = 403, description = "The client's scopes lack return:view", body = ErrorBody),
        (status = 422, description = "A filter or page parameter is invalid", body = ErrorBody),
        (status = 429, description = "Rate limited", body = ErrorBody),
    )
)]
#[get("/returns")]
pub async fn list_returns(
    state: web::Data<AppState>,
    Caller(actor): Caller,
    query: QueryParams,
) -> Result<web::Json<ReturnListResponse>, ApiError> {
    let mut reader = query.reader();
    let page = reader.page();
    let filter = ReturnFilter {
        statuses: reader.many("status"),
        buyer_ids: reader.uuids("buyer_id").into_iter().map(UserId).collect(),
        seller_ids: reader.uuids("seller_id").into_iter().map(UserId).collect(),
        order_id: reader.uuid("order_id"),
    };
    reader.finish()?;
    let returns = state.marketplace.list_returns(&actor, &filter, page).await?;
    Ok(web::Json(ReturnListResponse::new(returns.map(ReturnDto::from))))
}

/// The latest return of an order (earlier, expired ones are in `GET /returns?order_id=`).
/// Requires: party to the order, or admin. Permission: `return:view`.
#[utoipa::path(
    tag = "returns",
    params(("order_id" = Uuid, Path, description = "Order id")),
    security(("bearer" = ["return:view"]), ("basic" = ["return:view"])),
    responses(
        (status = 200, description = "The order's latest return", body = ReturnResponse),
        (status = 401, description = "Missing or invalid credentials", body = ErrorBody),
        (status = 403, description = "The client's scopes lack return:view", body = ErrorBody),
        (status = 404, description = "No such order, the caller is not party to it, or it has no return", body = ErrorBody),
        (status = 429, description = "Rate limited", body = ErrorBody),
    )
)]
#[get("/returns/order/{order_id}")]
pub async fn return_of_order(
    state: web::Data<AppState>,
    Caller(actor): Caller,
    order_id: web::Path<Uuid>,
) -> Result<web::Json<ReturnResponse>, ApiError> {
    let ret = state.marketplace.latest_return_of_order(&actor, OrderId(order_id.into_inner())).await?;
    Ok(web::Json(ReturnResponse::new(ret.into())))
}

/// One return. Requires: its buyer, the order's seller, or admin. Permission: `return:view`.
#[utoipa::path(
    tag = "returns",
    params(("id" = Uuid, Path, description = "Return id")),
    security(("bearer" = ["return:view"]), ("basic" = ["return:view"])),
    responses(
        (status = 200, description = "The return", body = ReturnResponse),
        (status = 401, description = "Missing or invalid credentials", body = ErrorBody),
        (status = 403, description = "The client's scopes lack return:view", body = ErrorBody),
        (status = 404, description = "No such return, or the caller is not party to it", body = ErrorBody),
        (status = 429, description = "Rate limited", body = ErrorBody),
    )
)]
#[get("/returns/{id}")]
pub async fn get_return(
    state: web::Data<AppState>,
    Caller(actor): Caller,
    id: web::Path<Uuid>,
) -> Result<web::Json<ReturnResponse>, ApiError> {
    let ret = state.marketplace.get_return(&actor, ReturnId(id.into_inner())).await?;
    Ok(web::Json(ReturnResponse::new(ret.into())))
}

/// Image bytes in an OpenAPI schema.
#[derive(Debug, ToSchema)]
#[schema(value_type = String, format = Binary)]
pub struct QrImage(#[allow(dead_code)] Vec<u8>);

/// Modules of quiet zone around the code, as the QR standard asks.
const QUIET_ZONE: usize = 4;
/// Pixels per module of the PNG.
const PNG_SCALE: usize = 8;

/// The QR code of a token.
fn qr_code(token: &str) -> Result<QrCode, ApiError> {
    QrCode::with_error_correction_level(token.as_bytes(), EcLevel::M)
        .map_err(|e| ApiError::from(DomainError::unexpected(format!("QR encoding failed: {e}"))))
}

/// Appends one PNG chunk: length, type, data, CRC of type and data.
fn png_chunk(out: &mut Vec<u8>, kind: &[u8; 4], data: &[u8]) {
    out.extend_from_slice(&u32::try_from(data.len()).unwrap_or(u32::MAX).to_be_bytes());
    out.extend_from_slice(kind);
    out.extend_from_slice(data);
    let mut crc = crc32fast::Hasher::new();
    crc.update(kind);
    crc.update(data);
    out.extend_from_slice(&crc.finalize().to_be_bytes());
}

/// Renders a QR code as an 8-bit greyscale PNG: black modules on white with a quiet zone.
fn qr_png(code: &QrCode) -> Result<Vec<u8>, std::io::Error> {
    let width = code.width();
    let colors = code.to_colors();
    let side = (width + 2 * QUIET_ZONE) * PNG_SCALE;
    let mut raw = Vec::with_capacity((side + 1) * side);
    for y in 0..side {
        raw.push(0); // filter type: none
        let row = (y / PNG_SCALE).checked_sub(QUIET_ZONE).filter(|r| *r < width);
        for x in 0..side {
            let column = (x / PNG_SCALE).checked_sub(QUIET_ZONE).filter(|c| *c < width);
            let dark = matches!((row, column), (Some(r), Some(c)) if colors[r * width + c] == Color::Dark);
            raw.push(if dark { 0 } else { 255 });
        }
    }
    let mut encoder = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::default());
    encoder.write_all(&raw)?;
    let compressed = encoder.finish()?;
    let side = u32::try_from(side).unwrap_or(u32::MAX).to_be_bytes();
    let mut header = Vec::with_capacity(13);
    header.extend_from_slice(&side);
    header.extend_from_slice(&side);
    header.extend_from_slice(&[8, 0, 0, 0, 0]); // 8-bit greyscale, deflate, no filter set, no interlace
    let mut png = b"\x89PNG\r\n\x1a\n".to_vec();
    png_chunk(&mut png, b"IHDR", &header);
    png_chunk(&mut png, b"IDAT", &compressed);
    png_chunk(&mut png, b"IEND", &[]);
    Ok(png)
}

/// The QR code of a return's token as a PNG image, for the buyer to show the seller. Requires:
/// the buyer of the return (everyone else, the seller too, gets `404`). Permission: `return:view`.
#[utoipa::path(
    tag = "returns",
    params(("id" = Uuid, Path, description = "Return id")),
    security(("bearer" = ["return:view"]), ("basic" = ["return:view"])),
    responses(
        (status = 200, description = "The QR code", content((QrImage = "image/png"))),
        (status = 401, description = "Missing or invalid credentials", body = ErrorBody),
        (status = 403, description = "The client's scopes lack return:view", body = ErrorBody),
        (status = 404, description = "No such return, or the caller is not its buyer", body = ErrorBody),
        (status = 429, description = "Rate limited", body = ErrorBody),
    )
)]
#[get("/returns/{id}/qr.png")]
pub async fn return_qr_png(
    state: web::Data<AppState>,
    Caller(actor): Caller,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    let token = state.marketplace.return_token(&actor, ReturnId(id.into_inner())).await?;
    let png = qr_png(&qr_code(&token)?)
        .map_err(|e| ApiError::from(DomainError::unexpected(format!("PNG encoding failed: {e}"))))?;
    Ok(HttpResponse::Ok()
        .content_type("image/png")
        .insert_header(("Cache-Control", "private, no-store"))
        .body(png))
}

/// The QR code of a return's token as an SVG image. Requires: the buyer of the return (everyone
/// else gets `404`). Permission: `return:view`.
#[utoipa::path(
    tag = "returns",
    params(("id" = Uuid, Path, description = "Return id")),
    security(("bearer" = ["return:view"]), ("basic" = ["return:view"])),
    responses(
        (status = 200, description = "The QR code", content((String = "image/svg+xml"))),
        (status = 401, description = "Missing or invalid credentials", body = ErrorBody),
        (status = 403, description = "The client's scopes lack return:view", body = ErrorBody),
        (status = 404, description = "No such return, or the caller is not its buyer", body = ErrorBody),
        (status = 429, description = "Rate limited", body = ErrorBody),
    )
)]
#[get("/returns/{id}/qr.svg")]
pub async fn return_qr_svg(
    state: web::Data<AppState>,
    Caller(actor): Caller,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    let token = state.marketplace.return_token(&actor, ReturnId(id.into_inner())).await?;
    let svg = qr_code(&token)?
        .render::<qrcode::render::svg::Color<'_>>()
        .min_dimensions(256, 256)
        .quiet_zone(true)
        .build();
    Ok(HttpResponse::Ok()
        .content_type("image/svg+xml")
        .insert_header(("Cache-Control", "private, no-store"))
        .body(svg))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_png_is_a_greyscale_image_of_the_code_with_a_quiet_zone() {
        let code = qr_code("9f2c4e1ab37d40c8a1e5b6d7c8f90a1b").unwrap();
        let png = qr_png(&code).unwrap();
        assert_eq!(&png[..8], b"\x89PNG\r\n\x1a\n");
        assert_eq!(&png[12..16], b"IHDR");
        let side = u32::from_be_bytes(png[16..20].try_into().unwrap()) as usize;
        assert_eq!(side, (code.width() + 2 * QUIET_ZONE) * PNG_SCALE);
        assert_eq!(&png[png.len() - 8..png.len() - 4], b"IEND");
    }
}
