//! Payments: gateways (admin), starting a payment, the provider callback, payment reads and
//! refunds.

use actix_web::{HttpRequest, HttpResponse, delete, get, patch, post, web};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use souk_escrow::gateway::{Gateway, GatewayStatus, Provider};
use souk_escrow::payment::{MoneyTrail, Payment, PaymentStatus};
use souk_kernel::{AmountInput, Money};
use souk_marketplace::escrow::{Refund, RefundRequest};
use souk_marketplace::payments::{
    CreatedGateway, GatewayInput, GatewayPatch, InitiateRequest, Initiated, OrderPayment, PaymentReport,
};
use souk_orders::order::{Order, OrderId};
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

/// A payment gateway; secrets are never shown, only which are set.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct GatewayDto {
    /// Id.
    pub id: Uuid,
    /// Name.
    pub title: String,
    /// `sandbox` or `chapa`.
    #[schema(value_type = String, example = "sandbox")]
    pub provider: Provider,
    /// Test mode at the provider.
    pub sandbox: bool,
    /// `active` or `inactive`.
    #[schema(value_type = String, example = "active")]
    pub status: GatewayStatus,
    /// The one currency it collects.
    #[schema(example = "USD")]
    pub currency: String,
    /// Smallest transaction.
    #[schema(example = "1.00")]
    pub min_transaction_size: Option<String>,
    /// Largest transaction.
    #[schema(example = "10000.00")]
    pub max_transaction_size: Option<String>,
    /// Public settings (`base_url` for chapa).
    #[schema(value_type = Object)]
    pub settings: serde_json::Map<String, serde_json::Value>,
    /// Names of the secrets that are set.
    pub secrets_set: Vec<String>,
    /// The generated webhook secret: present only in the response that created it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub webhook_secret: Option<String>,
    /// Creation time.
    pub created_at: DateTime<Utc>,
    /// Last change.
    pub updated_at: DateTime<Utc>,
}

impl From<Gateway> for GatewayDto {
    fn from(g: Gateway) -> Self {
        let show = |minor: Option<i64>| minor.map(|m| Money::from_minor(m, g.currency).amount_string());
        GatewayDto {
            id: g.id,
            secrets_set: g.secrets_set(),
            min_transaction_size: show(g.min_amount),
            max_transaction_size: show(g.max_amount),
            title: g.title,
            provider: g.provider,
            sandbox: g.sandbox,
            status: g.status,
            currency: g.currency.code().to_owned(),
            settings: g.settings,
            webhook_secret: None,
            created_at: g.created_at,
            updated_at: g.updated_at,
        }
    }
}

one_envelope!(
    /// `{"data": {"payment_gateway": ...}}`
    GatewayResponse, GatewayData, payment_gateway: GatewayDto
);
list_envelope!(
    /// `{"data": {"payment_gateways": [...], "pagination": ...}}`
    GatewayListResponse, GatewayListData, payment_gateways: GatewayDto
);

/// A new gateway.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateGatewayRequest {
    /// Name, 1 to 100 characters.
    #[schema(example = "Sandbox", max_length = 100)]
    pub title: String,
    /// `sandbox` (only in sandbox mode) or `chapa`.
    #[schema(value_type = String, example = "sandbox")]
    pub provider: Provider,
    /// Test mode at the provider (default false).
    #[serde(default)]
    pub sandbox: bool,
    /// `active` (default) or `inactive`.
    #[schema(value_type = Option<String>, example = "active")]
    pub status: Option<GatewayStatus>,
    /// ISO 4217 currency it collects.
    #[schema(example = "USD")]
    pub currency: String,
    /// Smallest transaction (string or number).
    #[schema(value_type = Option<String>, example = "1.00")]
    pub min_transaction_size: Option<AmountInput>,
    /// Largest transaction.
    #[schema(value_type = Option<String>, example = "10000")]
    pub max_transaction_size: Option<AmountInput>,
    /// Public settings; `base_url` (http or https) points a chapa gateway at another API host.
    #[schema(value_type = Option<Object>)]
    pub settings: Option<serde_json::Map<String, serde_json::Value>>,
    /// Write-only secrets: `webhook_secret` (both; generated and shown once when absent) and
    /// `secret_key` (chapa, required).
    #[schema(value_type = Option<Object>)]
    pub secrets: Option<serde_json::Map<String, serde_json::Value>>,
}

/// Changes to a gateway; the provider and currency never change.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PatchGatewayRequest {
    /// Name.
    #[schema(max_length = 100)]
    pub title: Option<String>,
    /// Test mode.
    pub sandbox: Option<bool>,
    /// `active` or `inactive`.
    #[schema(value_type = Option<String>)]
    pub status: Option<GatewayStatus>,
    /// Smallest transaction; `null` removes the limit.
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<String>)]
    pub min_transaction_size: Option<Option<AmountInput>>,
    /// Largest transaction; `null` removes the limit.
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<String>)]
    pub max_transaction_size: Option<Option<AmountInput>>,
    /// Settings merged key by key (`null` removes a key).
    #[schema(value_type = Option<Object>)]
    pub settings: Option<serde_json::Map<String, serde_json::Value>>,
    /// Secrets merged key by key (`null` removes a key; `webhook_secret` cannot be removed).
    #[schema(value_type = Option<Object>)]
    pub secrets: Option<serde_json::Map<String, serde_json::Value>>,
}

const GATEWAY_TAG: &str = "payments";

#[utoipa::path(
    tag = GATEWAY_TAG,
    request_body = CreateGatewayRequest,
    security(("bearer" = [])),
    responses(
        (status = 201, description = "The gateway; `webhook_secret` appears once when it was generated", body = GatewayResponse),
        (status = 400, description = "Malformed JSON", body = ErrorBody),
        (status = 415, description = "Body is not JSON", body = ErrorBody),
        (status = 401, description = "Missing or invalid credentials", body = ErrorBody),
        (status = 403, description = "Not an admin", body = ErrorBody),
        (status = 422, description = "Invalid fields", body = ErrorBody),
        (status = 429, description = "Rate limited", body = ErrorBody),
    )
)]
#[post("/payment-gateways")]
pub async fn create_gateway(
    state: web::Data<AppState>,
    Caller(actor): Caller,
    JsonBody(input): JsonBody<CreateGatewayRequest>,
) -> Result<HttpResponse, ApiError> {
    let input = GatewayInput {
        title: input.title,
        provider: input.provider,
        sandbox: input.sandbox,
        status: input.status.unwrap_or(GatewayStatus::Active),
        currency: input.currency,
        min_transaction_size: input.min_transaction_size.map(|a| a.as_str().to_owned()),
        max_transaction_size: input.max_transaction_size.map(|a| a.as_str().to_owned()),
        settings: input.settings.unwrap_or_default(),
        secrets: input.secrets.unwrap_or_default(),
    };
    let CreatedGateway { gateway, generated_webhook_secret } =
        state.marketplace.create_gateway(&actor, input).await?;
    let mut dto = GatewayDto::from(gateway);
    dto.webhook_secret = generated_webhook_secret;
    Ok(HttpResponse::Created().json(GatewayResponse::new(dto)))
}

#[utoipa::path(
    tag = GATEWAY_TAG,
    params(
        ("page" = Option<u32>, Query, minimum = 1, description = "Page number"),
        ("page_size" = Option<u32>, Query, minimum = 1, maximum = 200, description = "Items per page"),
    ),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Gateways, oldest first", body = GatewayListResponse),
        (status = 401, description = "Missing or invalid credentials", body = ErrorBody),
        (status = 403, description = "Not an admin", body = ErrorBody),
        (status = 422, description = "Invalid paging", body = ErrorBody),
        (status = 429, description = "Rate limited", body = ErrorBody),
    )
)]
#[get("/payment-gateways")]
pub async fn list_gateways(
    state: web::Data<AppState>,
    Caller(actor): Caller,
    query: QueryParams,
) -> Result<web::Json<GatewayListResponse>, ApiError> {
    let page = query.page_only()?;
    let gateways = state.marketplace.list_gateways(&actor, page).await?;
    Ok(web::Json(GatewayListResponse::new(gateways.map(GatewayDto::from))))
}

#[utoipa::path(
    tag = GATEWAY_TAG,
    params(("id" = Uuid, Path, description = "Gateway id")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The gateway", body = GatewayResponse),
        (status = 401, description = "Missing or invalid credentials", body = ErrorBody),
        (status = 403, description = "Not an admin", body = ErrorBody),
        (status = 404, description = "No such gateway", body = ErrorBody),
        (status = 429, description = "Rate limited", body = ErrorBody),
    )
)]
#[get("/payment-gateways/{id}")]
pub async fn get_gateway(
    state: web::Data<AppState>,
    Caller(actor): Caller,
    id: web::Path<Uuid>,
) -> Result<web::Json<GatewayResponse>, ApiError> {
    let gateway = state.marketplace.get_gateway(&actor, id.into_inner()).await?;
    Ok(web::Json(GatewayResponse::new(gateway.into())))
}

#[utoipa::path(
    tag = GATEWAY_TAG,
    params(("id" = Uuid, Path, description = "Gateway id")),
    request_body = PatchGatewayRequest,
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The changed gateway", body = GatewayResponse),
        (status = 400, description = "Malformed JSON", body = ErrorBody),
        (status = 415, description = "Body is not JSON", body = ErrorBody),
        (status = 401, description = "Missing or invalid credentials", body = ErrorBody),
        (status = 403, description = "Not an admin", body = ErrorBody),
        (status = 404, description = "No such gateway", body = ErrorBody),
        (status = 422, description = "Invalid fields", body = ErrorBody),
        (status = 429, description = "Rate limited", body = ErrorBody),
    )
)]
#[patch("/payment-gateways/{id}")]
pub async fn update_gateway(
    state: web::Data<AppState>,
    Caller(actor): Caller,
    id: web::Path<Uuid>,
    JsonBody(input): JsonBody<PatchGatewayRequest>,
) -> Result<web::Json<GatewayResponse>, ApiError> {
    let text = |a: Option<Option<AmountInput>>| a.map(|inner| inner.map(|v| v.as_str().to_owned()));
    let patch = GatewayPatch {
        title: input.title,
        sandbox: input.sandbox,
        status: input.status,
        min_transaction_size: text(input.min_transaction_size),
        max_transaction_size: text(input.max_transaction_size),
        settings: input.settings,
        secrets: input.secrets,
    };
    let gateway = state.marketplace.update_gateway(&actor, id.into_inner(), patch).await?;
    Ok(web::Json(GatewayResponse::new(gateway.into())))
}

#[utoipa::path(
    tag = GATEWAY_TAG,
    params(("id" = Uuid, Path, description = "Gateway id")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Deleted", body = MessageResponse),
        (status = 401, description = "Missing or invalid credentials", body = ErrorBody),
        (status = 403, description = "Not an admin", body = ErrorBody),
        (status = 404, description = "No such gateway", body = ErrorBody),
        (status = 409, description = "Payments or payout accounts use it; deactivate it instead", body = ErrorBody),
        (status = 429, description = "Rate limited", body = ErrorBody),
    )
)]
#[delete("/payment-gateways/{id}")]
pub async fn delete_gateway(
    state: web::Data<AppState>,
    Caller(actor): Caller,
    id: web::Path<Uuid>,
) -> Result<web::Json<MessageResponse>, ApiError> {
    state.marketplace.delete_gateway(&actor, id.into_inner()).await?;
    Ok(web::Json(MessageResponse::new("payment gateway deleted")))
}

/// A payment attempt.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct PaymentDto {
    /// Souk's reference.
    pub tx_ref: String,
    /// `pending`, `held_in_escrow`, `released_to_seller`, `refunded`, `partially_refunded`, `failed`.
    #[schema(value_type = String, example = "held_in_escrow")]
    pub status: PaymentStatus,
    /// What it collects.
    #[schema(example = "29.99")]
    pub amount: String,
    /// Currency.
    #[schema(example = "USD")]
    pub currency: String,
    /// When the money was captured.
    pub paid_at: Option<DateTime<Utc>>,
    /// The gateway.
    pub gateway_id: Uuid,
    /// The provider's reference.
    pub provider_reference: Option<String>,
    /// How the buyer paid, when known.
    pub method: Option<String>,
    /// Card brand, when known.
    pub card_brand: Option<String>,
    /// Last four card digits, when known.
    pub card_last4: Option<String>,
    /// Where the buyer pays.
    pub checkout_url: Option<String>,
    /// The orders it pays.
    pub order_ids: Vec<Uuid>,
    /// Creation time.
    pub created_at: DateTime<Utc>,
}

fn payment_dto(payment: &Payment, status: PaymentStatus) -> PaymentDto {
    PaymentDto {
        tx_ref: payment.tx_ref.clone(),
        status,
        amount: Money::from_minor(payment.amount, payment.currency).amount_string(),
        currency: payment.currency.code().to_owned(),
        paid_at: payment.paid_at,
        gateway_id: payment.gateway_id,
        provider_reference: payment.provider_reference.clone(),
        method: payment.method.clone(),
        card_brand: payment.card_brand.clone(),
        card_last4: payment.card_last4.clone(),
        checkout_url: payment.checkout_url.clone(),
        order_ids: payment.orders.iter().map(|(id, _)| *id).collect(),
        created_at: payment.created_at,
    }
}

/// What to pay: exactly one of `order_id` and `cart_id`.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct InitiatePaymentRequest {
    /// One order.
    pub order_id: Option<Uuid>,
    /// Every pending or failed order of a checkout (one currency).
    pub cart_id: Option<Uuid>,
    /// The gateway; the first active gateway of the orders' currency when absent.
    pub gateway_id: Option<Uuid>,
}

/// A started payment.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct InitiatedDto {
    /// Where the buyer pays (the sandbox's hosted page, or the provider's).
    pub checkout_url: String,
    /// Souk's reference; `GET /payments/status?tx_ref=` follows it.
    pub tx_ref: String,
    /// Some order of the payment has a trial.
    pub has_trial: bool,
    /// The attempt.
    pub payment: PaymentDto,
}

/// `{"data": {...}}` of a started payment.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct InitiatedResponse {
    /// The payload.
    pub data: InitiatedDto,
}

#[utoipa::path(
    tag = GATEWAY_TAG,
    params(("Idempotency-Key" = Option<String>, Header, pattern = "^[!-~]{1,255}$", description = "Replays the first response for retries within 24 h")),
    request_body = InitiatePaymentRequest,
    security(("bearer" = ["payment:create"]), ("basic" = ["payment:create"])),
    responses(
        (status = 200, description = "Where to pay", body = InitiatedResponse),
        (status = 400, description = "Malformed JSON", body = ErrorBody),
        (status = 415, description = "Body is not JSON", body = ErrorBody),
        (status = 401, description = "Missing or invalid credentials", body = ErrorBody),
        (status = 403, description = "Not allowed to pay", body = ErrorBody),
        (status = 404, description = "No such order or cart of the caller", body = ErrorBody),
        (status = 409, description = "The order is not awaiting payment", body = ErrorBody),
        (status = 422, description = "Neither or both of order_id and cart_id, no usable gateway, or an amount outside its limits", body = ErrorBody),
        (status = 429, description = "Rate limited", body = ErrorBody),
        (status = 503, description = "The payment provider did not answer; nothing changed", body = ErrorBody),
    )
)]
#[post("/payments/initiate")]
pub async fn initiate_payment(
    state: web::Data<AppState>,
    Caller(actor): Caller,
    JsonBody(input): JsonBody<InitiatePaymentRequest>,
) -> Result<web::Json<InitiatedResponse>, ApiError> {
    let request = InitiateRequest {
        order_id: input.order_id.map(OrderId),
        cart_id: input.cart_id,
        gateway_id: input.gateway_id,
    };
    let Initiated { checkout_url, tx_ref, has_trial, payment } =
        state.marketplace.initiate_payment(&actor, request).await?;
    let payment = payment_dto(&payment, PaymentStatus::Pending);
    Ok(web::Json(InitiatedResponse { data: InitiatedDto { checkout_url, tx_ref, has_trial, payment } }))
}

/// An order as a payment reader sees it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct PaidOrderDto {
    /// Id.
    pub id: Uuid,
    /// Human number.
    pub number: String,
    /// Lifecycle status.
    #[schema(example = "new")]
    pub status: String,
    /// When the trial ends, once running.
    pub trial_ends_at: Option<DateTime<Utc>>,
    /// A line was sold with a trial.
    pub has_trial: bool,
    /// The order's total.
    pub total: String,
}

impl From<&Order> for PaidOrderDto {
    fn from(o: &Order) -> Self {
        PaidOrderDto {
            id: o.id.as_uuid(),
            number: o.number.clone(),
            status: o.status.as_str().to_owned(),
            trial_ends_at: o.trial_ends_at,
            has_trial: o.has_trial(),
            total: o.totals.total.amount_string(),
        }
    }
}

/// A payment and its orders.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct PaymentStatusData {
    /// The attempt.
    pub payment: PaymentDto,
    /// The first (often only) order it pays.
    pub order: Option<PaidOrderDto>,
    /// Every order it pays.
    pub orders: Vec<PaidOrderDto>,
}

/// `{"data": {"payment": ..., "order": ..., "orders": [...]}}`
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct PaymentStatusResponse {
    /// The payload.
    pub data: PaymentStatusData,
}

impl From<PaymentReport> for PaymentStatusResponse {
    fn from(report: PaymentReport) -> Self {
        let orders: Vec<PaidOrderDto> = report.orders.iter().map(PaidOrderDto::from).collect();
        PaymentStatusResponse {
            data: PaymentStatusData {
                payment: payment_dto(&report.payment, report.status),
                order: orders.first().cloned(),
                orders,
            },
        }
    }
}

#[utoipa::path(
    tag = GATEWAY_TAG,
    params(("gateway_id" = Uuid, Path, description = "The gateway the callback is for")),
    request_body(content = Object, description = "The provider's event: for `sandbox` `{event, tx_ref, status, amount, currency}` signed with `Souk-Signature: t=<unix>,v1=<hex HMAC-SHA256(webhook_secret, \"<t>.<body>\")>` (5 minute tolerance); for `chapa` its event signed with `x-chapa-signature`"),
    responses(
        (status = 200, description = "Handled (or already handled: repeated callbacks change nothing)", body = PaymentStatusResponse),
        (status = 401, description = "Missing, forged or stale signature; nothing changed", body = ErrorBody),
        (status = 404, description = "No such gateway, or no payment with this tx_ref at it", body = ErrorBody),
        (status = 422, description = "The body is not an event, or the provider confirmed a different amount; nothing changed", body = ErrorBody),
        (status = 429, description = "Rate limited", body = ErrorBody),
        (status = 503, description = "The provider could not confirm the transaction; retry", body = ErrorBody),
    )
)]
#[post("/payments/webhook/{gateway_id}")]
pub async fn payment_webhook(
    state: web::Data<AppState>,
    request: HttpRequest,
    gateway_id: web::Path<Uuid>,
    body: web::Bytes,
) -> Result<web::Json<PaymentStatusResponse>, ApiError> {
    let headers: Vec<(String, String)> = request
        .headers()
        .iter()
        .filter_map(|(name, value)| {
            Some((name.as_str().to_ascii_lowercase(), value.to_str().ok()?.to_owned()))
        })
        .collect();
    let report = state.marketplace.payment_callback(gateway_id.into_inner(), &headers, &body).await?;
    Ok(web::Json(report.into()))
}

#[utoipa::path(
    tag = GATEWAY_TAG,
    params(("tx_ref" = String, Query, description = "Souk's payment reference")),
    security(("bearer" = ["payment:view"]), ("basic" = ["payment:view"])),
    responses(
        (status = 200, description = "The payment, its status derived from the ledger, and its orders", body = PaymentStatusResponse),
        (status = 401, description = "Missing or invalid credentials", body = ErrorBody),
        (status = 403, description = "The client's scopes lack payment:view", body = ErrorBody),
        (status = 404, description = "No such payment, or not the caller's", body = ErrorBody),
        (status = 422, description = "tx_ref missing", body = ErrorBody),
        (status = 429, description = "Rate limited", body = ErrorBody),
    )
)]
#[get("/payments/status")]
pub async fn payment_status(
    state: web::Data<AppState>,
    Caller(actor): Caller,
    query: QueryParams,
) -> Result<web::Json<PaymentStatusResponse>, ApiError> {
    let mut reader = query.reader();
    let tx_ref = reader.text("tx_ref", 64);
    reader.finish()?;
    let Some(tx_ref) = tx_ref else {
        return Err(souk_kernel::DomainError::invalid("tx_ref", "is required").into());
    };
    let report = state.marketplace.payment_status(&actor, &tx_ref).await?;
    Ok(web::Json(report.into()))
}

/// Money of one order.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct OrderPaymentDto {
    /// The order.
    pub order_id: Uuid,
    /// `pending`, `held_in_escrow`, `released_to_seller`, `refunded`, `partially_refunded`, `failed`.
    #[schema(value_type = String)]
    pub status: PaymentStatus,
    /// Currency.
    pub currency: String,
    /// The order's total.
    pub total: String,
    /// Captured into escrow.
    pub held: String,
    /// Still in escrow.
    pub in_escrow: String,
    /// Released to the seller (fee and trial penalty included).
    pub released: String,
    /// Paid back to the buyer.
    pub refunded: String,
    /// How the buyer paid (latest successful attempt), when known.
    pub method: Option<String>,
    /// The provider's reference of that attempt.
    pub provider_reference: Option<String>,
    /// Card brand, when known.
    pub card_brand: Option<String>,
    /// Last four card digits, when known.
    pub card_last4: Option<String>,
    /// Every attempt, newest first.
    pub attempts: Vec<PaymentDto>,
}

one_envelope!(
    /// `{"data": {"payment": ...}}`
    OrderPaymentResponse, OrderPaymentData, payment: OrderPaymentDto
);

impl From<OrderPayment> for OrderPaymentDto {
    fn from(p: OrderPayment) -> Self {
        let currency = p.order.totals.total.currency();
        let show = |minor: i64| Money::from_minor(minor, currency).amount_string();
        let trail: MoneyTrail = p.trail;
        let paid = p.attempts.iter().find(|a| a.paid_at.is_some());
        let status = p.status;
        OrderPaymentDto {
            order_id: p.order.id.as_uuid(),
            status,
            currency: currency.code().to_owned(),
            total: p.order.totals.total.amount_string(),
            held: show(trail.held),
            in_escrow: show(trail.in_escrow),
            released: show(trail.released),
            refunded: show(trail.refunded),
            method: paid.and_then(|a| a.method.clone()),
            provider_reference: paid.and_then(|a| a.provider_reference.clone()),
            card_brand: paid.and_then(|a| a.card_brand.clone()),
            card_last4: paid.and_then(|a| a.card_last4.clone()),
            attempts: p
                .attempts
                .iter()
                .map(|a| {
                    payment_dto(a, souk_escrow::payment::payment_status(a.status, &MoneyTrail::default()))
                })
                .collect(),
        }
    }
}

#[utoipa::path(
    tag = GATEWAY_TAG,
    params(("id" = Uuid, Path, description = "Order id")),
    security(("bearer" = ["payment:view"]), ("basic" = ["payment:view"])),
    responses(
        (status = 200, description = "The order's money: held, in escrow, released, refunded, and every attempt", body = OrderPaymentResponse),
        (status = 401, description = "Missing or invalid credentials", body = ErrorBody),
        (status = 403, description = "The client's scopes lack payment:view", body = ErrorBody),
        (status = 404, description = "No such order, or the caller is not party to it", body = ErrorBody),
        (status = 429, description = "Rate limited", body = ErrorBody),
    )
)]
#[get("/orders/{id}/payment")]
pub async fn order_payment(
    state: web::Data<AppState>,
    Caller(actor): Caller,
    id: web::Path<Uuid>,
) -> Result<web::Json<OrderPaymentResponse>, ApiError> {
    let payment = state.marketplace.order_payment(&actor, OrderId(id.into_inner())).await?;
    Ok(web::Json(OrderPaymentResponse::new(payment.into())))
}

/// A refund request; everything refundable when neither `amount` nor `lines` is given.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RefundRequestDto {
    /// How much (string or number, in the order's currency).
    #[schema(value_type = Option<String>, example = "5.00")]
    pub amount: Option<AmountInput>,
    /// Refund these lines' totals (ignored when `amount` is given).
    #[serde(default)]
    pub lines: Vec<Uuid>,
    /// Why, at most 500 characters.
    #[schema(max_length = 500)]
    pub reason: Option<String>,
}

/// A refund made.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct RefundDto {
    /// The ledger transfer's key.
    pub id: String,
    /// The order.
    pub order_id: Uuid,
    /// What moved.
    pub amount: String,
    /// Currency.
    pub currency: String,
    /// `escrow`, or `seller_balance` once the escrow was released.
    pub source: String,
    /// The order's payment status now.
    #[schema(example = "partially_refunded")]
    pub payment_status: String,
    /// When.
    pub created_at: DateTime<Utc>,
}

impl From<Refund> for RefundDto {
    fn from(r: Refund) -> Self {
        RefundDto {
            id: r.transfer_key,
            order_id: r.order_id,
            amount: r.amount.amount_string(),
            currency: r.amount.currency().code().to_owned(),
            source: r.source.to_owned(),
            payment_status: r.payment_status.as_str().to_owned(),
            created_at: r.created_at,
        }
    }
}

one_envelope!(
    /// `{"data": {"refund": ...}}`
    RefundResponse, RefundData, refund: RefundDto
);

#[utoipa::path(
    tag = GATEWAY_TAG,
    params(
        ("id" = Uuid, Path, description = "Order id"),
        ("Idempotency-Key" = Option<String>, Header, pattern = "^[!-~]{1,255}$", description = "Replays the first response for retries within 24 h"),
    ),
    request_body = RefundRequestDto,
    security(("bearer" = ["payment:refund"]), ("basic" = ["payment:refund"])),
    responses(
        (status = 201, description = "Refunded from escrow, or from the seller's balance once released; the order's status does not change", body = RefundResponse),
        (status = 400, description = "Malformed JSON", body = ErrorBody),
        (status = 415, description = "Body is not JSON", body = ErrorBody),
        (status = 401, description = "Missing or invalid credentials", body = ErrorBody),
        (status = 403, description = "The buyer, or scopes without payment:refund", body = ErrorBody),
        (status = 404, description = "No such order, or the caller is not party to it", body = ErrorBody),
        (status = 409, description = "Nothing left to refund, the escrow is frozen by a dispute, or the seller's balance is short", body = ErrorBody),
        (status = 422, description = "Amount not above zero, above what is refundable, or unknown lines", body = ErrorBody),
        (status = 429, description = "Rate limited", body = ErrorBody),
    )
)]
#[post("/orders/{id}/refunds")]
pub async fn refund_order(
    state: web::Data<AppState>,
    Caller(actor): Caller,
    id: web::Path<Uuid>,
    JsonBody(input): JsonBody<RefundRequestDto>,
) -> Result<HttpResponse, ApiError> {
    let request = RefundRequest { amount: input.amount, lines: input.lines, reason: input.reason };
    let refund = state.marketplace.refund_order(&actor, OrderId(id.into_inner()), request).await?;
    Ok(HttpResponse::Created().json(RefundResponse::new(refund.into())))
}
