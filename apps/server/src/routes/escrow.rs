//! Money held and earned: escrow holds, seller balances, sellers' payment accounts and payouts.

use actix_web::{HttpResponse, delete, get, patch, post, web};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use souk_escrow::hold::HoldStatus;
use souk_escrow::payout::{PaymentAccount, Payout, TosAcceptance};
use souk_kernel::{AmountInput, Currency, Money, UserId};
use souk_marketplace::payouts::{PaymentAccountInput, PaymentAccountPatch, PayoutRequest};
use souk_storage::holds::{Hold, HoldFilter, SellerBalance};
use souk_storage::payouts::PayoutFilter;
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

/// A currency code in the query.
#[derive(Debug, Clone, Copy)]
pub struct CurrencyParam(pub Currency);

impl std::str::FromStr for CurrencyParam {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Currency::from_code(s)
            .map(CurrencyParam)
            .map_err(|_| "must be an ISO 4217 code such as USD".to_owned())
    }
}

fn money(minor: i64, currency: Currency) -> String {
    Money::from_minor(minor, currency).amount_string()
}

/// One order's escrow: what its buyer paid in, what went to the seller or back to the buyer,
/// and what it holds now (`held = amount + released + refunded`).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct HoldDto {
    /// The order's escrow ledger account (`GET /ledger/accounts/{id}/entries`).
    pub id: Uuid,
    /// The order.
    pub order_id: Uuid,
    /// The order's number.
    #[schema(example = "SK-000123")]
    pub order_number: String,
    /// The seller it is released to.
    pub seller_id: Uuid,
    /// The buyer who paid it.
    pub buyer_id: Uuid,
    /// Held now.
    #[schema(example = "44.98")]
    pub amount: String,
    /// ISO 4217 currency of every amount.
    #[schema(example = "USD")]
    pub currency: String,
    /// Everything that entered the escrow.
    pub held: String,
    /// What left it for the seller (the platform fee and a trial penalty included).
    pub released: String,
    /// What left it back to the buyer (a refund taken from the seller's balance after release
    /// is not counted here; `GET /orders/{id}/payment` shows all refunds).
    pub refunded: String,
    /// `held` while it holds money; once empty `released` (some or all went to the seller) or
    /// `refunded` (all of it went back to the buyer).
    #[schema(value_type = String, example = "held")]
    pub status: HoldStatus,
    /// When the order is due for automatic release (the trial's end, or delivery plus the
    /// release delay); `null` before delivery.
    pub release_at: Option<DateTime<Utc>>,
    /// A dispute freezes it: nothing is released or refunded until an admin resolves it.
    pub frozen: bool,
    /// The order's status.
    #[schema(example = "delivered")]
    pub order_status: String,
    /// When money first entered it.
    pub created_at: DateTime<Utc>,
}

impl From<Hold> for HoldDto {
    fn from(h: Hold) -> Self {
        let c = h.currency;
        HoldDto {
            id: h.id,
            order_id: h.order_id,
            order_number: h.order_number,
            seller_id: h.seller_id,
            buyer_id: h.buyer_id,
            amount: money(h.figures.amount, c),
            currency: c.code().to_owned(),
            held: money(h.figures.held, c),
            released: money(h.figures.released, c),
            refunded: money(h.figures.refunded, c),
            status: h.status,
            release_at: h.release_at,
            frozen: h.frozen,
            order_status: h.order_status.as_str().to_owned(),
            created_at: h.created_at,
        }
    }
}

one_envelope!(
    /// `{"data": {"hold": ...}}`
    HoldResponse, HoldData, hold: HoldDto
);
list_envelope!(
    /// `{"data": {"holds": [...], "pagination": ...}}`
    HoldListResponse, HoldListData, holds: HoldDto
);

/// Escrow holds, newest first: one per order whose buyer's money entered escrow, in every state
/// unless `status` narrows it (`status=held` lists what is held now). Sellers see their own
/// orders' holds (their list is always scoped to themselves: another seller's `seller_id` gives
/// an empty page); admins see all. Permission: `escrow:view`.
#[utoipa::path(
    tag = "escrow",
    params(
        ("status" = Option<String>, Query, description = "`held`, `released`, `refunded`; comma separated or repeated"),
        ("seller_id" = Option<Uuid>, Query, description = "Admins: one seller's holds"),
        ("order_id" = Option<Uuid>, Query, description = "One order's hold"),
        ("currency" = Option<String>, Query, description = "ISO 4217 code"),
        ("page" = Option<u32>, Query, minimum = 1, description = "Page number"),
        ("page_size" = Option<u32>, Query, minimum = 1, maximum = 200, description = "Items per page"),
    ),
    security(("bearer" = ["escrow:view"]), ("basic" = ["escrow:view"])),
    responses(
        (status = 200, description = "A page of holds", body = HoldListResponse),
        (status = 400, description = "Malformed query string", body = ErrorBody),
        (status = 401, description = "Missing or invalid credentials", body = ErrorBody),
        (status = 403, description = "Not a seller or admin, or the client's scopes lack escrow:view", body = ErrorBody),
        (status = 422, description = "Invalid filters or page", body = ErrorBody),
        (status = 429, description = "Rate limited", body = ErrorBody),
    )
)]
#[get("/escrow/holds")]
pub async fn list_holds(
    state: web::Data<AppState>,
    Caller(actor): Caller,
    query: QueryParams,
) -> Result<web::Json<HoldListResponse>, ApiError> {
    let mut r = query.reader();
    let filter = HoldFilter {
        seller_id: r.uuid("seller_id"),
        order_id: r.uuid("order_id"),
        statuses: r.many::<HoldStatus>("status"),
        currency: r.parsed::<CurrencyParam>("currency").map(|c| c.0),
    };
    let page = r.page();
    r.finish()?;
    let holds = state.marketplace.list_holds(&actor, filter, page).await?;
    Ok(web::Json(HoldListResponse::new(holds.map(HoldDto::from))))
}

/// One hold by its escrow account id: the order's seller and admins may read it; for everyone
/// else it does not exist (`404`). Permission: `escrow:view`.
#[utoipa::path(
    tag = "escrow",
    params(("id" = Uuid, Path, description = "The order's escrow ledger account id (a hold's `id`)")),
    security(("bearer" = ["escrow:view"]), ("basic" = ["escrow:view"])),
    responses(
        (status = 200, description = "The hold", body = HoldResponse),
        (status = 401, description = "Missing or invalid credentials", body = ErrorBody),
        (status = 403, description = "Not a seller or admin, or the client's scopes lack escrow:view", body = ErrorBody),
        (status = 404, description = "No such hold, or not the caller's", body = ErrorBody),
        (status = 429, description = "Rate limited", body = ErrorBody),
    )
)]
#[get("/escrow/holds/{id}")]
pub async fn get_hold(
    state: web::Data<AppState>,
    Caller(actor): Caller,
    id: web::Path<Uuid>,
) -> Result<web::Json<HoldResponse>, ApiError> {
    let hold = state.marketplace.get_hold(&actor, id.into_inner()).await?;
    Ok(web::Json(HoldResponse::new(hold.into())))
}

/// A seller's money in one currency.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct BalanceDto {
    /// The seller.
    pub seller_id: Uuid,
    /// Held in the escrow of its orders, not yet released.
    #[schema(example = "44.98")]
    pub pending: String,
    /// Released to the seller and not yet paid out (`POST /payouts`).
    #[schema(example = "19.99")]
    pub available: String,
    /// Paid out so far.
    #[schema(example = "100.00")]
    pub paid_out: String,
    /// ISO 4217 currency of every amount.
    #[schema(example = "USD")]
    pub currency: String,
}

one_envelope!(
    /// `{"data": {"balance": ...}}`
    BalanceResponse, BalanceData, balance: BalanceDto
);

/// A seller's balance: `pending` (in the escrow of its orders), `available` (released, ready to
/// pay out) and `paid_out`, in one currency. Without `currency` the answer is in the seller's
/// only currency with ledger activity, in USD when it has none, and `422` (naming the seller's
/// currencies in `errors.currency`) when it has several: ask again with `currency`. The seller
/// itself and admins may read it; for everyone else it does not exist (`404`).
/// Permission: `escrow:view`.
#[utoipa::path(
    tag = "escrow",
    params(
        ("id" = Uuid, Path, description = "Seller (user) id"),
        ("currency" = Option<String>, Query, description = "ISO 4217 code; required when the seller has money in several currencies"),
    ),
    security(("bearer" = ["escrow:view"]), ("basic" = ["escrow:view"])),
    responses(
        (status = 200, description = "The balance", body = BalanceResponse),
        (status = 400, description = "Malformed query string", body = ErrorBody),
        (status = 401, description = "Missing or invalid credentials", body = ErrorBody),
        (status = 403, description = "The caller's role or the client's scopes lack escrow:view", body = ErrorBody),
        (status = 404, description = "No such seller, or not the caller", body = ErrorBody),
        (status = 422, description = "An unknown currency, or none given for a seller with several", body = ErrorBody),
        (status = 429, description = "Rate limited", body = ErrorBody),
    )
)]
#[get("/sellers/{id}/balance")]
pub async fn seller_balance(
    state: web::Data<AppState>,
    Caller(actor): Caller,
    id: web::Path<Uuid>,
    query: QueryParams,
) -> Result<web::Json<BalanceResponse>, ApiError> {
    let mut r = query.reader();
    let currency = r.parsed::<CurrencyParam>("currency").map(|c| c.0);
    r.finish()?;
    let seller = UserId(id.into_inner());
    let balance: SellerBalance = state.marketplace.seller_balance(&actor, seller, currency).await?;
    let c = balance.currency;
    Ok(web::Json(BalanceResponse::new(BalanceDto {
        seller_id: seller.as_uuid(),
        pending: money(balance.pending, c),
        available: money(balance.available, c),
        paid_out: money(balance.paid_out, c),
        currency: c.code().to_owned(),
    })))
}

/// When and from where the seller accepted the provider's terms of service.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TosAcceptanceDto {
    /// When (RFC 3339).
    pub date: DateTime<Utc>,
    /// IPv4 or IPv6 address.
    #[schema(example = "196.188.0.10")]
    pub ip: String,
    /// The browser or client, at most 500 characters.
    #[schema(max_length = 500)]
    pub user_agent: Option<String>,
}

impl From<TosAcceptanceDto> for TosAcceptance {
    fn from(t: TosAcceptanceDto) -> Self {
        TosAcceptance { date: t.date, ip: t.ip, user_agent: t.user_agent }
    }
}

impl From<TosAcceptance> for TosAcceptanceDto {
    fn from(t: TosAcceptance) -> Self {
        TosAcceptanceDto { date: t.date, ip: t.ip, user_agent: t.user_agent }
    }
}

/// A seller's payout account at a provider.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct PaymentAccountDto {
    /// Id.
    pub id: Uuid,
    /// The seller.
    pub user_id: Uuid,
    /// The gateway payouts go through.
    pub gateway_id: Uuid,
    /// The account at the provider (Chapa: `bank_code:account_number`).
    #[schema(example = "044:0123456789")]
    pub external_account_id: String,
    /// Free-form details.
    #[schema(value_type = Object)]
    pub properties: serde_json::Map<String, serde_json::Value>,
    /// The terms-of-service acceptance, if recorded.
    pub tos_acceptance: Option<TosAcceptanceDto>,
    /// Creation time.
    pub created_at: DateTime<Utc>,
    /// Last change.
    pub updated_at: DateTime<Utc>,
}

impl From<PaymentAccount> for PaymentAccountDto {
    fn from(a: PaymentAccount) -> Self {
        PaymentAccountDto {
            id: a.id,
            user_id: a.user_id.as_uuid(),
            gateway_id: a.gateway_id,
            external_account_id: a.external_account_id,
            properties: a.properties,
            tos_acceptance: a.tos_acceptance.map(Into::into),
            created_at: a.created_at,
            updated_at: a.updated_at,
        }
    }
}

one_envelope!(
    /// `{"data": {"payment_account": ...}}`
    PaymentAccountResponse, PaymentAccountData, payment_account: PaymentAccountDto
);
list_envelope!(
    /// `{"data": {"payment_accounts": [...], "pagination": ...}}`
    PaymentAccountListResponse, PaymentAccountListData, payment_accounts: PaymentAccountDto
);

/// A seller's payment accounts, oldest first. The seller itself and admins may read them; for
/// everyone else the user does not exist (`404`), as does a user who is not a seller.
/// Permission: `payment_method:view`.
#[utoipa::path(
    tag = "escrow",
    params(
        ("id" = Uuid, Path, description = "Seller (user) id"),
        ("page" = Option<u32>, Query, minimum = 1, description = "Page number"),
        ("page_size" = Option<u32>, Query, minimum = 1, maximum = 200, description = "Items per page"),
    ),
    security(("bearer" = ["payment_method:view"]), ("basic" = ["payment_method:view"])),
    responses(
        (status = 200, description = "A page of payment accounts", body = PaymentAccountListResponse),
        (status = 400, description = "Malformed query string", body = ErrorBody),
        (status = 401, description = "Missing or invalid credentials", body = ErrorBody),
        (status = 403, description = "The caller's role or the client's scopes lack payment_method:view", body = ErrorBody),
        (status = 404, description = "No such seller, or not the caller", body = ErrorBody),
        (status = 422, description = "Invalid page", body = ErrorBody),
        (status = 429, description = "Rate limited", body = ErrorBody),
    )
)]
#[get("/users/{id}/payment-accounts")]
pub async fn list_payment_accounts(
    state: web::Data<AppState>,
    Caller(actor): Caller,
    id: web::Path<Uuid>,
    query: QueryParams,
) -> Result<web::Json<PaymentAccountListResponse>, ApiError> {
    let page = query.page_only()?;
    let accounts = state.marketplace.list_payment_accounts(&actor, UserId(id.into_inner()), page).await?;
    Ok(web::Json(PaymentAccountListResponse::new(accounts.map(PaymentAccountDto::from))))
}

/// A new payment account.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreatePaymentAccountRequest {
    /// A payment gateway (`GET /payment-gateways`); payouts in its currency go through it.
    pub gateway_id: Uuid,
    /// The account at the provider, 1 to 200 characters (Chapa: `bank_code:account_number`).
    #[schema(example = "044:0123456789", min_length = 1, max_length = 200)]
    pub external_account_id: String,
    /// Free-form details, at most 10000 bytes of JSON.
    #[serde(default)]
    #[schema(value_type = Object)]
    pub properties: serde_json::Map<String, serde_json::Value>,
    /// The terms-of-service acceptance.
    pub tos_acceptance: Option<TosAcceptanceDto>,
}

/// Adds a payout account for a seller (the seller itself or an admin). The gateway must exist
/// (`422`); the same gateway and `external_account_id` twice for one seller is `409`.
/// Permission: `payment_method:update`.
#[utoipa::path(
    tag = "escrow",
    params(
        ("id" = Uuid, Path, description = "Seller (user) id"),
        ("Idempotency-Key" = Option<String>, Header, pattern = "^[!-~]{1,255}$", description = "Replays the first response for retries within 24 h"),
    ),
    request_body = CreatePaymentAccountRequest,
    security(("bearer" = ["payment_method:update"]), ("basic" = ["payment_method:update"])),
    responses(
        (status = 201, description = "Created", body = PaymentAccountResponse),
        (status = 400, description = "Malformed JSON", body = ErrorBody),
        (status = 401, description = "Missing or invalid credentials", body = ErrorBody),
        (status = 403, description = "The caller's role or the client's scopes lack payment_method:update", body = ErrorBody),
        (status = 404, description = "No such seller, or not the caller", body = ErrorBody),
        (status = 409, description = "The seller already has this account, or a request with this Idempotency-Key in flight", body = ErrorBody),
        (status = 413, description = "Body too large", body = ErrorBody),
        (status = 415, description = "Body is not JSON", body = ErrorBody),
        (status = 422, description = "Invalid fields or an unknown gateway", body = ErrorBody),
        (status = 429, description = "Rate limited", body = ErrorBody),
    )
)]
#[post("/users/{id}/payment-accounts")]
pub async fn create_payment_account(
    state: web::Data<AppState>,
    Caller(actor): Caller,
    id: web::Path<Uuid>,
    JsonBody(input): JsonBody<CreatePaymentAccountRequest>,
) -> Result<HttpResponse, ApiError> {
    let input = PaymentAccountInput {
        gateway_id: input.gateway_id,
        external_account_id: input.external_account_id,
        properties: input.properties,
        tos_acceptance: input.tos_acceptance.map(Into::into),
    };
    let account = state.marketplace.create_payment_account(&actor, UserId(id.into_inner()), input).await?;
    Ok(HttpResponse::Created().json(PaymentAccountResponse::new(account.into())))
}

/// Changes to a payment account; absent fields stay.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdatePaymentAccountRequest {
    /// Another payment gateway.
    pub gateway_id: Option<Uuid>,
    /// Another account at the provider, 1 to 200 characters.
    #[schema(min_length = 1, max_length = 200)]
    pub external_account_id: Option<String>,
    /// New details; they replace the old ones whole.
    #[schema(value_type = Option<Object>)]
    pub properties: Option<serde_json::Map<String, serde_json::Value>>,
    /// A new acceptance; `null` clears it.
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<TosAcceptanceDto>)]
    pub tos_acceptance: Option<Option<TosAcceptanceDto>>,
}

/// Changes a seller's payment account (the seller itself or an admin).
/// Permission: `payment_method:update`.
#[utoipa::path(
    tag = "escrow",
    params(
        ("id" = Uuid, Path, description = "Seller (user) id"),
        ("account_id" = Uuid, Path, description = "Payment account id"),
    ),
    request_body = UpdatePaymentAccountRequest,
    security(("bearer" = ["payment_method:update"]), ("basic" = ["payment_method:update"])),
    responses(
        (status = 200, description = "The changed account", body = PaymentAccountResponse),
        (status = 400, description = "Malformed JSON", body = ErrorBody),
        (status = 401, description = "Missing or invalid credentials", body = ErrorBody),
        (status = 403, description = "The caller's role or the client's scopes lack payment_method:update", body = ErrorBody),
        (status = 404, description = "No such seller or account, or not the caller's", body = ErrorBody),
        (status = 409, description = "The seller already has an account with this gateway and external id", body = ErrorBody),
        (status = 413, description = "Body too large", body = ErrorBody),
        (status = 415, description = "Body is not JSON", body = ErrorBody),
        (status = 422, description = "Invalid fields or an unknown gateway", body = ErrorBody),
        (status = 429, description = "Rate limited", body = ErrorBody),
    )
)]
#[patch("/users/{id}/payment-accounts/{account_id}")]
pub async fn update_payment_account(
    state: web::Data<AppState>,
    Caller(actor): Caller,
    path: web::Path<(Uuid, Uuid)>,
    JsonBody(input): JsonBody<UpdatePaymentAccountRequest>,
) -> Result<web::Json<PaymentAccountResponse>, ApiError> {
    let (user, id) = path.into_inner();
    let patch = PaymentAccountPatch {
        gateway_id: input.gateway_id,
        external_account_id: input.external_account_id,
        properties: input.properties,
        tos_acceptance: input.tos_acceptance.map(|t| t.map(Into::into)),
    };
    let account = state.marketplace.update_payment_account(&actor, UserId(user), id, patch).await?;
    Ok(web::Json(PaymentAccountResponse::new(account.into())))
}

/// Deletes a seller's payment account (the seller itself or an admin); payouts made to it keep
/// its id. Permission: `payment_method:update`.
#[utoipa::path(
    tag = "escrow",
    params(
        ("id" = Uuid, Path, description = "Seller (user) id"),
        ("account_id" = Uuid, Path, description = "Payment account id"),
    ),
    security(("bearer" = ["payment_method:update"]), ("basic" = ["payment_method:update"])),
    responses(
        (status = 200, description = "Deleted", body = MessageResponse),
        (status = 401, description = "Missing or invalid credentials", body = ErrorBody),
        (status = 403, description = "The caller's role or the client's scopes lack payment_method:update", body = ErrorBody),
        (status = 404, description = "No such seller or account, or not the caller's", body = ErrorBody),
        (status = 429, description = "Rate limited", body = ErrorBody),
    )
)]
#[delete("/users/{id}/payment-accounts/{account_id}")]
pub async fn delete_payment_account(
    state: web::Data<AppState>,
    Caller(actor): Caller,
    path: web::Path<(Uuid, Uuid)>,
) -> Result<web::Json<MessageResponse>, ApiError> {
    let (user, id) = path.into_inner();
    state.marketplace.delete_payment_account(&actor, UserId(user), id).await?;
    Ok(web::Json(MessageResponse::new("payment account deleted")))
}

/// Money paid out to a seller.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct PayoutDto {
    /// Id; the provider sees it as the transfer's reference.
    pub id: Uuid,
    /// The seller paid.
    pub seller_id: Uuid,
    /// The account paid to (kept after the account is deleted).
    pub payment_account_id: Option<Uuid>,
    /// Amount.
    #[schema(example = "19.99")]
    pub amount: String,
    /// ISO 4217 currency.
    #[schema(example = "USD")]
    pub currency: String,
    /// Always `paid`: a payout is recorded only once the provider accepted it.
    #[schema(example = "paid")]
    pub status: String,
    /// The provider's reference for the transfer.
    pub provider_reference: Option<String>,
    /// The ledger transfer that moved the money (`payout:{id}`).
    #[schema(example = "payout:0192c0de-0000-7000-8000-000000000000")]
    pub transfer_key: String,
    /// When.
    pub created_at: DateTime<Utc>,
}

impl From<Payout> for PayoutDto {
    fn from(p: Payout) -> Self {
        PayoutDto {
            transfer_key: p.transfer_key(),
            id: p.id,
            seller_id: p.seller_id.as_uuid(),
            payment_account_id: p.payment_account_id,
            amount: money(p.amount, p.currency),
            currency: p.currency.code().to_owned(),
            status: p.status.as_str().to_owned(),
            provider_reference: p.provider_reference,
            created_at: p.created_at,
        }
    }
}

one_envelope!(
    /// `{"data": {"payout": ...}}`
    PayoutResponse, PayoutData, payout: PayoutDto
);
list_envelope!(
    /// `{"data": {"payouts": [...], "pagination": ...}}`
    PayoutListResponse, PayoutListData, payouts: PayoutDto
);

/// A payout request.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreatePayoutRequest {
    /// Admins: the seller to pay (required). Sellers pay themselves; another seller's id is `403`.
    pub seller_id: Option<Uuid>,
    /// How much, at most the available balance, in `currency`'s decimals (a string or a number);
    /// the whole available balance when absent.
    #[schema(value_type = Option<String>, example = "19.99")]
    pub amount: Option<AmountInput>,
    /// ISO 4217 code of the balance paid out.
    #[schema(example = "USD", pattern = "^[A-Z]{3}$")]
    pub currency: String,
    /// The seller's payment account on an active gateway of `currency`; when absent, the
    /// seller's only such account (`422` when it has none or several).
    pub payment_account_id: Option<Uuid>,
}

/// Pays a seller's available balance out to its payment account: the amount moves from
/// `seller_available` to `seller_paid_out` in one ledger transfer (key `payout:{id}`) and the
/// gateway's provider sends it, in one transaction committed only after the provider accepted;
/// a provider failure is `503` and changes nothing. More than the available balance is `422`
/// naming it in `errors.amount`; nothing available (no `amount` given) is `409`; concurrent
/// payouts of one balance queue behind each other, so at most what is available leaves.
/// Requires: the seller itself, or an admin naming `seller_id`. Permission: `payout:create`.
#[utoipa::path(
    tag = "escrow",
    params(("Idempotency-Key" = Option<String>, Header, pattern = "^[!-~]{1,255}$", description = "Replays the first response for retries within 24 h")),
    request_body = CreatePayoutRequest,
    security(("bearer" = ["payout:create"]), ("basic" = ["payout:create"])),
    responses(
        (status = 201, description = "Paid out", body = PayoutResponse),
        (status = 400, description = "Malformed JSON", body = ErrorBody),
        (status = 401, description = "Missing or invalid credentials", body = ErrorBody),
        (status = 403, description = "Not a seller or admin, another seller's balance, or the client's scopes lack payout:create", body = ErrorBody),
        (status = 409, description = "Nothing available to pay out, the balance changed under a concurrent payout, or a request with this Idempotency-Key in flight", body = ErrorBody),
        (status = 413, description = "Body too large", body = ErrorBody),
        (status = 415, description = "Body is not JSON", body = ErrorBody),
        (status = 422, description = "Invalid fields, more than the available balance, an unknown seller, or no usable payment account", body = ErrorBody),
        (status = 429, description = "Rate limited", body = ErrorBody),
        (status = 503, description = "The payment provider did not accept the payout; nothing changed, retry later", body = ErrorBody),
    )
)]
#[post("/payouts")]
pub async fn create_payout(
    state: web::Data<AppState>,
    Caller(actor): Caller,
    JsonBody(input): JsonBody<CreatePayoutRequest>,
) -> Result<HttpResponse, ApiError> {
    let request = PayoutRequest {
        seller_id: input.seller_id.map(UserId),
        amount: input.amount,
        currency: input.currency,
        payment_account_id: input.payment_account_id,
    };
    let payout = state.marketplace.create_payout(&actor, request).await?;
    Ok(HttpResponse::Created().json(PayoutResponse::new(payout.into())))
}

/// Payouts, newest first: a seller's own (another seller's `seller_id` gives an empty page),
/// any for admins. Permission: `payout:view`.
#[utoipa::path(
    tag = "escrow",
    params(
        ("seller_id" = Option<Uuid>, Query, description = "Admins: one seller's payouts"),
        ("currency" = Option<String>, Query, description = "ISO 4217 code"),
        ("page" = Option<u32>, Query, minimum = 1, description = "Page number"),
        ("page_size" = Option<u32>, Query, minimum = 1, maximum = 200, description = "Items per page"),
    ),
    security(("bearer" = ["payout:view"]), ("basic" = ["payout:view"])),
    responses(
        (status = 200, description = "A page of payouts", body = PayoutListResponse),
        (status = 400, description = "Malformed query string", body = ErrorBody),
        (status = 401, description = "Missing or invalid credentials", body = ErrorBody),
        (status = 403, description = "Not a seller or admin, or the client's scopes lack payout:view", body = ErrorBody),
        (status = 422, description = "Invalid filters or page", body = ErrorBody),
        (status = 429, description = "Rate limited", body = ErrorBody),
    )
)]
#[get("/payouts")]
pub async fn list_payouts(
    state: web::Data<AppState>,
    Caller(actor): Caller,
    query: QueryParams,
) -> Result<web::Json<PayoutListResponse>, ApiError> {
    let mut r = query.reader();
    let filter = PayoutFilter {
        seller_id: r.uuid("seller_id").map(UserId),
        currency: r.parsed::<CurrencyParam>("currency").map(|c| c.0),
    };
    let page = r.page();
    r.finish()?;
    let payouts = state.marketplace.list_payouts(&actor, filter, page).await?;
    Ok(web::Json(PayoutListResponse::new(payouts.map(PayoutDto::from))))
}
