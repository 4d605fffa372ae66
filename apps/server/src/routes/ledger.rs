//! The double-entry ledger for admins: accounts with their balances and the per-currency sums
//! that prove no money was created or lost, and each account's entries.

use actix_web::{get, web};
use chrono::{DateTime, Utc};
use serde::Serialize;
use souk_escrow::ledger::{AccountKind, TransferKind};
use souk_kernel::{Currency, Money};
use souk_storage::ledger::{Account, AccountFilter, Entry};
use utoipa::ToSchema;
use uuid::Uuid;

use crate::app::AppState;
use crate::http::auth::Caller;
use crate::http::envelope::PaginationDto;
use crate::http::error::{ApiError, ErrorBody};
use crate::http::query::QueryParams;
use crate::routes::escrow::CurrencyParam;

/// A ledger account.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct LedgerAccountDto {
    /// Id.
    pub id: Uuid,
    /// `buyer_funding`, `order_escrow`, `seller_available`, `seller_paid_out`,
    /// `platform_revenue` or `refunds`.
    #[schema(value_type = String, example = "order_escrow")]
    pub kind: AccountKind,
    /// Whose: the buyer (`buyer_funding`, `refunds`), the order (`order_escrow`), the seller
    /// (`seller_available`, `seller_paid_out`), or the nil UUID for the platform.
    pub owner_id: Uuid,
    /// The seller it belongs or is released to (`order_escrow`, `seller_*`).
    pub seller_id: Option<Uuid>,
    /// The balance: only `buyer_funding` goes below zero (money that came in from outside).
    #[schema(example = "44.98")]
    pub balance: String,
    /// ISO 4217 currency.
    #[schema(example = "USD")]
    pub currency: String,
    /// When it was opened (its first entry).
    pub created_at: DateTime<Utc>,
}

impl From<Account> for LedgerAccountDto {
    fn from(a: Account) -> Self {
        LedgerAccountDto {
            id: a.id,
            kind: a.account.kind,
            owner_id: a.account.owner,
            seller_id: a.account.seller,
            balance: Money::from_minor(a.balance, a.account.currency).amount_string(),
            currency: a.account.currency.code().to_owned(),
            created_at: a.created_at,
        }
    }
}

/// The sum of every account's balance in one currency.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CurrencySumDto {
    /// ISO 4217 currency.
    #[schema(example = "USD")]
    pub currency: String,
    /// Always zero: every transfer's legs sum to zero.
    #[schema(example = "0.00")]
    pub sum: String,
}

fn currency_sum((code, sum): (String, i64)) -> CurrencySumDto {
    let sum = match Currency::from_code(&code) {
        Ok(currency) => Money::from_minor(sum, currency).amount_string(),
        Err(_) => sum.to_string(),
    };
    CurrencySumDto { currency: code, sum }
}

/// `{"data": {"accounts": [...], "pagination": ..., "sums": [...]}}`
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct LedgerAccountListResponse {
    /// The payload.
    pub data: LedgerAccountListData,
}

/// A page of accounts and the ledger's sums.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct LedgerAccountListData {
    /// This page's accounts.
    pub accounts: Vec<LedgerAccountDto>,
    /// Where this page sits in the whole list.
    pub pagination: PaginationDto,
    /// Per currency, the sum of every balance in the whole ledger (not only this page or
    /// filter); each is zero.
    pub sums: Vec<CurrencySumDto>,
}

/// Ledger accounts, oldest first, with the per-currency sums of the whole ledger (each zero:
/// money is never created or lost). Requires: admin.
#[utoipa::path(
    tag = "ledger",
    params(
        ("kind" = Option<String>, Query, description = "Account kinds, comma separated or repeated: `buyer_funding`, `order_escrow`, `seller_available`, `seller_paid_out`, `platform_revenue`, `refunds`"),
        ("owner_id" = Option<Uuid>, Query, description = "Accounts of this buyer, order or seller"),
        ("seller_id" = Option<Uuid>, Query, description = "Accounts belonging or released to this seller"),
        ("currency" = Option<String>, Query, description = "ISO 4217 code"),
        ("page" = Option<u32>, Query, minimum = 1, description = "Page number"),
        ("page_size" = Option<u32>, Query, minimum = 1, maximum = 200, description = "Items per page"),
    ),
    security(("bearer" = []), ("basic" = [])),
    responses(
        (status = 200, description = "A page of accounts and the sums", body = LedgerAccountListResponse),
        (status = 400, description = "Malformed query string", body = ErrorBody),
        (status = 401, description = "Missing or invalid credentials", body = ErrorBody),
        (status = 403, description = "Not an admin", body = ErrorBody),
        (status = 422, description = "Invalid filters or page", body = ErrorBody),
        (status = 429, description = "Rate limited", body = ErrorBody),
    )
)]
#[get("/ledger/accounts")]
pub async fn list_ledger_accounts(
    state: web::Data<AppState>,
    Caller(actor): Caller,
    query: QueryParams,
) -> Result<web::Json<LedgerAccountListResponse>, ApiError> {
    let mut r = query.reader();
    let filter = AccountFilter {
        kinds: r.many::<AccountKind>("kind"),
        owner_id: r.uuid("owner_id"),
        seller_id: r.uuid("seller_id"),
        currency: r.parsed::<CurrencyParam>("currency").map(|c| c.0),
    };
    let page = r.page();
    r.finish()?;
    let ledger = state.marketplace.ledger_accounts(&actor, filter, page).await?;
    let pagination = ledger.accounts.pagination().into();
    Ok(web::Json(LedgerAccountListResponse {
        data: LedgerAccountListData {
            accounts: ledger.accounts.items.into_iter().map(Into::into).collect(),
            pagination,
            sums: ledger.sums.into_iter().map(currency_sum).collect(),
        },
    }))
}

/// One leg of a transfer on an account.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct LedgerEntryDto {
    /// Id.
    pub id: Uuid,
    /// The transfer it belongs to.
    pub transfer_id: Uuid,
    /// The transfer's idempotency key (`hold:...`, `release:...`, `refund:...`, `payout:...`).
    pub transfer_key: String,
    /// Why the money moved: `hold`, `release`, `fee`, `refund`, `penalty` or `payout`.
    #[schema(value_type = String, example = "hold")]
    pub kind: TransferKind,
    /// The order, if any.
    pub order_id: Option<Uuid>,
    /// Added to the account's balance (negative takes money out).
    #[schema(example = "-44.98")]
    pub amount: String,
    /// ISO 4217 currency.
    #[schema(example = "USD")]
    pub currency: String,
    /// The transfer's note.
    pub memo: Option<String>,
    /// When.
    pub created_at: DateTime<Utc>,
}

impl From<Entry> for LedgerEntryDto {
    fn from(e: Entry) -> Self {
        LedgerEntryDto {
            id: e.id,
            transfer_id: e.transfer_id,
            transfer_key: e.transfer_key,
            kind: e.kind,
            order_id: e.order_id,
            amount: Money::from_minor(e.amount, e.currency).amount_string(),
            currency: e.currency.code().to_owned(),
            memo: e.memo,
            created_at: e.created_at,
        }
    }
}

/// `{"data": {"account": ..., "entries": [...], "pagination": ...}}`
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct LedgerEntryListResponse {
    /// The payload.
    pub data: LedgerEntryListData,
}

/// An account and a page of its entries.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct LedgerEntryListData {
    /// The account.
    pub account: LedgerAccountDto,
    /// This page's entries, newest first.
    pub entries: Vec<LedgerEntryDto>,
    /// Where this page sits in the whole list.
    pub pagination: PaginationDto,
}

/// An account's entries, newest first; they add up to its balance. Requires: admin.
#[utoipa::path(
    tag = "ledger",
    params(
        ("id" = Uuid, Path, description = "Ledger account id"),
        ("page" = Option<u32>, Query, minimum = 1, description = "Page number"),
        ("page_size" = Option<u32>, Query, minimum = 1, maximum = 200, description = "Items per page"),
    ),
    security(("bearer" = []), ("basic" = [])),
    responses(
        (status = 200, description = "The account and a page of its entries", body = LedgerEntryListResponse),
        (status = 400, description = "Malformed query string", body = ErrorBody),
        (status = 401, description = "Missing or invalid credentials", body = ErrorBody),
        (status = 403, description = "Not an admin", body = ErrorBody),
        (status = 404, description = "No such account", body = ErrorBody),
        (status = 422, description = "Invalid page", body = ErrorBody),
        (status = 429, description = "Rate limited", body = ErrorBody),
    )
)]
#[get("/ledger/accounts/{id}/entries")]
pub async fn list_ledger_entries(
    state: web::Data<AppState>,
    Caller(actor): Caller,
    id: web::Path<Uuid>,
    query: QueryParams,
) -> Result<web::Json<LedgerEntryListResponse>, ApiError> {
    let page = query.page_only()?;
    let (account, entries) = state.marketplace.ledger_entries(&actor, id.into_inner(), page).await?;
    let pagination = entries.pagination().into();
    Ok(web::Json(LedgerEntryListResponse {
        data: LedgerEntryListData {
            account: account.into(),
            entries: entries.items.into_iter().map(Into::into).collect(),
            pagination,
        },
    }))
}
