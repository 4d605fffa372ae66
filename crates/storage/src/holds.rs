//! Holds and seller balances, read from the ledger: each order's escrow account with what
//! entered and left it, joined with its order, and a seller's pending, available and paid-out
//! money in one currency.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use sea_orm::sea_query::{Condition, Expr, ExprTrait, Query};
use sea_orm::{
    ColumnTrait, ConnectionTrait, EntityTrait, Order as SqlOrder, QueryFilter, QueryOrder, QuerySelect,
};
use souk_escrow::hold::{HoldFigures, HoldStatus};
use souk_escrow::ledger::{AccountKind, TransferKind};
use souk_kernel::{Currency, DomainError, Page, PageRequest};
use souk_orders::status::OrderStatus;
use uuid::Uuid;

use crate::db::{db_error, page_of};
use crate::entities::{ledger_account, ledger_entry, ledger_transfer, order};

/// One order's escrow as its seller and admins see it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Hold {
    /// The order's escrow ledger account.
    pub id: Uuid,
    /// The order.
    pub order_id: Uuid,
    /// The order's human number.
    pub order_number: String,
    /// The seller it is released to.
    pub seller_id: Uuid,
    /// The buyer who paid it.
    pub buyer_id: Uuid,
    /// Currency.
    pub currency: Currency,
    /// What entered and left it.
    pub figures: HoldFigures,
    /// Where it stands.
    pub status: HoldStatus,
    /// When the order is due for automatic release.
    pub release_at: Option<DateTime<Utc>>,
    /// The order's status.
    pub order_status: OrderStatus,
    /// True while a dispute freezes it.
    pub frozen: bool,
    /// When money first entered it.
    pub created_at: DateTime<Utc>,
}

/// Filters of the hold list.
#[derive(Debug, Clone, Default)]
pub struct HoldFilter {
    /// Only holds released to this seller.
    pub seller_id: Option<Uuid>,
    /// Only this order's hold.
    pub order_id: Option<Uuid>,
    /// Only holds in these states (all when empty).
    pub statuses: Vec<HoldStatus>,
    /// Only this currency.
    pub currency: Option<Currency>,
}

/// The transfer kinds that move escrow money to the seller.
const RELEASING: [TransferKind; 3] = [TransferKind::Release, TransferKind::Fee, TransferKind::Penalty];

fn corrupt(what: &str) -> DomainError {
    DomainError::unexpected(format!("stored {what} holds an unknown value"))
}

/// Ids of escrow accounts some of whose money went to the seller.
fn released_accounts() -> sea_orm::sea_query::SelectStatement {
    Query::select()
        .column((ledger_entry::Entity, ledger_entry::Column::AccountId))
        .from(ledger_entry::Entity)
        .inner_join(
            ledger_transfer::Entity,
            Expr::col((ledger_transfer::Entity, ledger_transfer::Column::Id))
                .equals((ledger_entry::Entity, ledger_entry::Column::TransferId)),
        )
        .and_where(ledger_transfer::Column::Kind.is_in(RELEASING.iter().map(|k| k.as_str())))
        .and_where(ledger_entry::Column::Amount.lt(0))
        .to_owned()
}

fn status_condition(statuses: &[HoldStatus]) -> Condition {
    statuses.iter().fold(Condition::any(), |any, status| match status {
        HoldStatus::Held => any.add(ledger_account::Column::Balance.gt(0)),
        HoldStatus::Released => any.add(
            Condition::all()
                .add(ledger_account::Column::Balance.eq(0))
                .add(ledger_account::Column::Id.in_subquery(released_accounts())),
        ),
        HoldStatus::Refunded => any.add(
            Condition::all()
                .add(ledger_account::Column::Balance.eq(0))
                .add(ledger_account::Column::Id.not_in_subquery(released_accounts())),
        ),
    })
}

/// Joins escrow accounts with their entries and orders.
async fn assemble(
    conn: &impl ConnectionTrait,
    accounts: Vec<ledger_account::Model>,
) -> Result<Vec<Hold>, DomainError> {
    if accounts.is_empty() {
        return Ok(Vec::new());
    }
    let account_ids: Vec<Uuid> = accounts.iter().map(|a| a.id).collect();
    let entries = ledger_entry::Entity::find()
        .filter(ledger_entry::Column::AccountId.is_in(account_ids))
        .all(conn)
        .await
        .map_err(db_error)?;
    let transfer_ids: Vec<Uuid> = entries.iter().map(|e| e.transfer_id).collect();
    let kinds: HashMap<Uuid, TransferKind> = ledger_transfer::Entity::find()
        .select_only()
        .column(ledger_transfer::Column::Id)
        .column(ledger_transfer::Column::Kind)
        .filter(ledger_transfer::Column::Id.is_in(transfer_ids))
        .into_tuple::<(Uuid, String)>()
        .all(conn)
        .await
        .map_err(db_error)?
        .into_iter()
        .map(|(id, kind)| kind.parse().map(|k| (id, k)).map_err(|_| corrupt("ledger_transfers.kind")))
        .collect::<Result<_, _>>()?;
    let order_ids: Vec<Uuid> = accounts.iter().map(|a| a.owner_id).collect();
    let orders: HashMap<Uuid, order::Model> = order::Entity::find()
        .filter(order::Column::Id.is_in(order_ids))
        .all(conn)
        .await
        .map_err(db_error)?
        .into_iter()
        .map(|o| (o.id, o))
        .collect();
    let mut holds = Vec::with_capacity(accounts.len());
    for account in accounts {
        let mut figures = HoldFigures { amount: account.balance, ..HoldFigures::default() };
        for entry in entries.iter().filter(|e| e.account_id == account.id) {
            let kind = kinds.get(&entry.transfer_id).ok_or_else(|| corrupt("ledger_entries.transfer_id"))?;
            if entry.amount > 0 {
                figures.held += entry.amount;
            } else if RELEASING.contains(kind) {
                figures.released -= entry.amount;
            } else {
                figures.refunded -= entry.amount;
            }
        }
        figures.check()?;
        let order = orders.get(&account.owner_id).ok_or_else(|| corrupt("ledger_accounts.owner_id"))?;
        let order_status: OrderStatus = order.status.parse().map_err(|_| corrupt("orders.status"))?;
        holds.push(Hold {
            id: account.id,
            order_id: order.id,
            order_number: order.number.clone(),
            seller_id: account.seller_id.unwrap_or(order.seller_id),
            buyer_id: order.buyer_id,
            currency: Currency::from_code(&account.currency)
                .map_err(|_| corrupt("ledger_accounts.currency"))?,
            status: figures.status(),
            figures,
            release_at: order.release_at,
            order_status,
            frozen: order_status == OrderStatus::Disputed,
            created_at: account.created_at,
        });
    }
    Ok(holds)
}

/// A page of holds, newest first.
pub async fn list_holds(
    conn: &impl ConnectionTrait,
    filter: &HoldFilter,
    page: PageRequest,
) -> Result<Page<Hold>, DomainError> {
    let mut query = ledger_account::Entity::find()
        .filter(ledger_account::Column::Kind.eq(AccountKind::OrderEscrow.as_str()));
    if let Some(seller) = filter.seller_id {
        query = query.filter(ledger_account::Column::SellerId.eq(seller));
    }
    if let Some(order) = filter.order_id {
        query = query.filter(ledger_account::Column::OwnerId.eq(order));
    }
    if let Some(currency) = filter.currency {
        query = query.filter(ledger_account::Column::Currency.eq(currency.code()));
    }
    if !filter.statuses.is_empty() {
        query = query.filter(status_condition(&filter.statuses));
    }
    let query = query
        .order_by(ledger_account::Column::CreatedAt, SqlOrder::Desc)
        .order_by(ledger_account::Column::Id, SqlOrder::Desc);
    let Page { items, total, request } = page_of(conn, query, page, Ok).await?;
    Ok(Page { items: assemble(conn, items).await?, total, request })
}

/// One hold by its escrow account id (`None` for any other account).
pub async fn find_hold(conn: &impl ConnectionTrait, id: Uuid) -> Result<Option<Hold>, DomainError> {
    let account = ledger_account::Entity::find_by_id(id)
        .filter(ledger_account::Column::Kind.eq(AccountKind::OrderEscrow.as_str()))
        .one(conn)
        .await
        .map_err(db_error)?;
    Ok(assemble(conn, account.into_iter().collect()).await?.into_iter().next())
}

/// A seller's money in one currency, in minor units.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SellerBalance {
    /// Currency.
    pub currency: Currency,
    /// Held in the escrow of its orders.
    pub pending: i64,
    /// Released and not yet paid out.
    pub available: i64,
    /// Paid out so far.
    pub paid_out: i64,
}

/// A seller's pending, available and paid-out money in `currency` (zero where nothing moved).
pub async fn seller_balance(
    conn: &impl ConnectionTrait,
    seller: Uuid,
    currency: Currency,
) -> Result<SellerBalance, DomainError> {
    let sums: Vec<(String, i64)> = ledger_account::Entity::find()
        .select_only()
        .column(ledger_account::Column::Kind)
        .column_as(Expr::cust("CAST(SUM(balance) AS BIGINT)"), "total")
        .filter(ledger_account::Column::SellerId.eq(seller))
        .filter(ledger_account::Column::Currency.eq(currency.code()))
        .group_by(ledger_account::Column::Kind)
        .into_tuple()
        .all(conn)
        .await
        .map_err(db_error)?;
    let mut balance = SellerBalance { currency, pending: 0, available: 0, paid_out: 0 };
    for (kind, total) in sums {
        match kind.parse::<AccountKind>().map_err(|_| corrupt("ledger_accounts.kind"))? {
            AccountKind::OrderEscrow => balance.pending += total,
            AccountKind::SellerAvailable => balance.available += total,
            AccountKind::SellerPaidOut => balance.paid_out += total,
            _ => {}
        }
    }
    Ok(balance)
}

/// The currencies a seller's ledger accounts hold, sorted.
pub async fn seller_currencies(
    conn: &impl ConnectionTrait,
    seller: Uuid,
) -> Result<Vec<Currency>, DomainError> {
    let codes: Vec<String> = ledger_account::Entity::find()
        .select_only()
        .column(ledger_account::Column::Currency)
        .distinct()
        .filter(ledger_account::Column::SellerId.eq(seller))
        .order_by(ledger_account::Column::Currency, SqlOrder::Asc)
        .into_tuple()
        .all(conn)
        .await
        .map_err(db_error)?;
    codes.iter().map(|c| Currency::from_code(c).map_err(|_| corrupt("ledger_accounts.currency"))).collect()
}
