//! The ledger on sea-orm: accounts with balances cached in the same transaction as their
//! entries, transfers posted once per key, and the conditional update that keeps every account
//! but `buyer_funding` at zero or above, on both backends and under concurrent writers.

use chrono::{DateTime, Utc};
use sea_orm::sea_query::{Expr, ExprTrait, OnConflict};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, Order as SqlOrder, QueryFilter, QueryOrder,
    QuerySelect,
};
use souk_escrow::ledger::{AccountKind, AccountRef, Transfer, TransferKind};
use souk_escrow::payment::MoneyTrail;
use souk_kernel::{Currency, DomainError, Page, PageRequest};
use uuid::Uuid;

use crate::db::{db_error, for_update, page_of};
use crate::entities::{ledger_account, ledger_entry, ledger_transfer};

/// A stored account as the ledger reader sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Account {
    /// Id.
    pub id: Uuid,
    /// Kind, owner and currency.
    pub account: AccountRef,
    /// Balance in minor units.
    pub balance: i64,
    /// Creation time.
    pub created_at: DateTime<Utc>,
}

/// One stored leg.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    /// Id.
    pub id: Uuid,
    /// The transfer it belongs to.
    pub transfer_id: Uuid,
    /// The transfer's key.
    pub transfer_key: String,
    /// Why the money moved.
    pub kind: TransferKind,
    /// The order, if any.
    pub order_id: Option<Uuid>,
    /// Added to the balance.
    pub amount: i64,
    /// The currency.
    pub currency: Currency,
    /// The transfer's note.
    pub memo: Option<String>,
    /// When.
    pub created_at: DateTime<Utc>,
}

fn corrupt(what: &str) -> DomainError {
    DomainError::unexpected(format!("stored {what} holds an unknown value"))
}

fn to_account(row: ledger_account::Model) -> Result<Account, DomainError> {
    Ok(Account {
        id: row.id,
        account: AccountRef {
            kind: row.kind.parse().map_err(|_| corrupt("ledger_accounts.kind"))?,
            owner: row.owner_id,
            seller: row.seller_id,
            currency: Currency::from_code(&row.currency).map_err(|_| corrupt("ledger_accounts.currency"))?,
        },
        balance: row.balance,
        created_at: row.created_at,
    })
}

fn find_account_query(account: &AccountRef) -> sea_orm::Select<ledger_account::Entity> {
    ledger_account::Entity::find()
        .filter(ledger_account::Column::Kind.eq(account.kind.as_str()))
        .filter(ledger_account::Column::OwnerId.eq(account.owner))
        .filter(ledger_account::Column::Currency.eq(account.currency.code()))
}

/// The id of an account, opening it at zero the first time it is named.
pub async fn account_id(
    conn: &impl ConnectionTrait,
    account: &AccountRef,
    now: DateTime<Utc>,
) -> Result<Uuid, DomainError> {
    if let Some(row) = find_account_query(account).one(conn).await.map_err(db_error)? {
        return Ok(row.id);
    }
    let row = ledger_account::ActiveModel {
        id: Set(Uuid::now_v7()),
        kind: Set(account.kind.as_str().to_owned()),
        owner_id: Set(account.owner),
        seller_id: Set(account.seller),
        currency: Set(account.currency.code().to_owned()),
        balance: Set(0),
        created_at: Set(now),
    };
    ledger_account::Entity::insert(row)
        .on_conflict(
            OnConflict::columns([
                ledger_account::Column::Kind,
                ledger_account::Column::OwnerId,
                ledger_account::Column::Currency,
            ])
            .do_nothing()
            .to_owned(),
        )
        .exec_without_returning(conn)
        .await
        .map_err(db_error)?;
    find_account_query(account)
        .one(conn)
        .await
        .map_err(db_error)?
        .map(|row| row.id)
        .ok_or_else(|| DomainError::unexpected("a ledger account vanished after it was opened"))
}

/// Posts a transfer: `Ok(true)` when posted, `Ok(false)` when a transfer with its key was
/// already posted (nothing changes). A leg that would take a non-negative account below zero
/// fails the call with `409`; the caller's transaction then undoes the legs already applied.
pub async fn post(
    conn: &impl ConnectionTrait,
    transfer: &Transfer,
    now: DateTime<Utc>,
) -> Result<bool, DomainError> {
    transfer.check()?;
    let transfer_id = Uuid::now_v7();
    let row = ledger_transfer::ActiveModel {
        id: Set(transfer_id),
        key: Set(transfer.key.clone()),
        kind: Set(transfer.kind.as_str().to_owned()),
        order_id: Set(transfer.order_id),
        payment_id: Set(transfer.payment_id),
        currency: Set(transfer.currency.code().to_owned()),
        amount: Set(transfer.amount()),
        memo: Set(transfer.memo.clone()),
        created_at: Set(now),
    };
    let inserted = ledger_transfer::Entity::insert(row)
        .on_conflict(OnConflict::column(ledger_transfer::Column::Key).do_nothing().to_owned())
        .exec_without_returning(conn)
        .await
        .map_err(db_error)?;
    if inserted == 0 {
        return Ok(false);
    }
    for leg in &transfer.legs {
        let id = account_id(conn, &leg.account, now).await?;
        let mut update = ledger_account::Entity::update_many()
            .col_expr(
                ledger_account::Column::Balance,
                Expr::col(ledger_account::Column::Balance).add(leg.amount),
            )
            .filter(ledger_account::Column::Id.eq(id));
        if leg.amount < 0 && !leg.account.kind.may_go_negative() {
            update = update.filter(Expr::col(ledger_account::Column::Balance).gte(-leg.amount));
        }
        let changed = update.exec(conn).await.map_err(db_error)?.rows_affected;
        if changed != 1 {
            return Err(DomainError::Conflict(format!(
                "the {} account holds less than {} ({}); nothing was moved",
                leg.account.kind,
                souk_kernel::Money::from_minor(-leg.amount, transfer.currency).amount_string(),
                transfer.kind
            )));
        }
        let entry = ledger_entry::ActiveModel {
            id: Set(Uuid::now_v7()),
            transfer_id: Set(transfer_id),
            account_id: Set(id),
            amount: Set(leg.amount),
            created_at: Set(now),
        };
        ledger_entry::Entity::insert(entry).exec_without_returning(conn).await.map_err(db_error)?;
    }
    crate::events::append(conn, transfer_event(transfer, transfer_id), now).await?;
    Ok(true)
}

/// The outbox event of a posted transfer (`escrow.held`, `escrow.released`, `payout.paid`, ...),
/// about its order when it has one, else about the seller it pays.
fn transfer_event(transfer: &Transfer, transfer_id: Uuid) -> crate::events::NewEvent {
    let kind = match transfer.kind {
        TransferKind::Hold => "escrow.held",
        TransferKind::Release => "escrow.released",
        TransferKind::Fee => "escrow.fee_taken",
        TransferKind::Refund => "escrow.refunded",
        TransferKind::Penalty => "escrow.penalty_released",
        TransferKind::Payout => "payout.paid",
    };
    let seller = transfer.legs.iter().find_map(|l| l.account.seller);
    let buyer = transfer
        .legs
        .iter()
        .find(|l| matches!(l.account.kind, AccountKind::BuyerFunding | AccountKind::Refunds))
        .map(|l| l.account.owner);
    let (object_type, object_id) = match transfer.order_id {
        Some(order) => ("order", order),
        None => ("seller", seller.unwrap_or(transfer_id)),
    };
    crate::events::NewEvent {
        kind: kind.to_owned(),
        object_type,
        object_id,
        seller_id: seller,
        buyer_id: buyer,
        data: serde_json::json!({
            "transfer_id": transfer_id,
            "key": transfer.key,
            "kind": transfer.kind.as_str(),
            "order_id": transfer.order_id,
            "payment_id": transfer.payment_id,
            "amount": souk_kernel::Money::from_minor(transfer.amount(), transfer.currency).amount_string(),
            "currency": transfer.currency.code(),
            "memo": transfer.memo,
        }),
    }
}

/// An account's balance (zero when it was never opened); `lock` holds the row on PostgreSQL
/// until the transaction ends, so a balance read to decide a transfer stays true.
pub async fn balance(
    conn: &impl ConnectionTrait,
    account: &AccountRef,
    lock: bool,
) -> Result<i64, DomainError> {
    let query = find_account_query(account);
    let query = if lock { for_update(query, conn) } else { query };
    Ok(query.one(conn).await.map_err(db_error)?.map_or(0, |row| row.balance))
}

/// One account by id.
pub async fn find_account(conn: &impl ConnectionTrait, id: Uuid) -> Result<Option<Account>, DomainError> {
    ledger_account::Entity::find_by_id(id).one(conn).await.map_err(db_error)?.map(to_account).transpose()
}

/// Filters of the account list.
#[derive(Debug, Clone, Default)]
pub struct AccountFilter {
    /// Only these kinds.
    pub kinds: Vec<AccountKind>,
    /// Only accounts of this owner (buyer, order or seller).
    pub owner_id: Option<Uuid>,
    /// Only accounts released to this seller.
    pub seller_id: Option<Uuid>,
    /// Only this currency.
    pub currency: Option<Currency>,
}

/// A page of accounts, oldest first.
pub async fn list_accounts(
    conn: &impl ConnectionTrait,
    filter: &AccountFilter,
    page: PageRequest,
) -> Result<Page<Account>, DomainError> {
    let mut query = ledger_account::Entity::find();
    if !filter.kinds.is_empty() {
        query = query.filter(ledger_account::Column::Kind.is_in(filter.kinds.iter().map(|k| k.as_str())));
    }
    if let Some(owner) = filter.owner_id {
        query = query.filter(ledger_account::Column::OwnerId.eq(owner));
    }
    if let Some(seller) = filter.seller_id {
        query = query.filter(ledger_account::Column::SellerId.eq(seller));
    }
    if let Some(currency) = filter.currency {
        query = query.filter(ledger_account::Column::Currency.eq(currency.code()));
    }
    let query = query
        .order_by(ledger_account::Column::CreatedAt, SqlOrder::Asc)
        .order_by(ledger_account::Column::Id, SqlOrder::Asc);
    page_of(conn, query, page, to_account).await
}

/// A page of an account's entries, newest first.
pub async fn account_entries(
    conn: &impl ConnectionTrait,
    account_id: Uuid,
    page: PageRequest,
) -> Result<Page<Entry>, DomainError> {
    let query = ledger_entry::Entity::find()
        .filter(ledger_entry::Column::AccountId.eq(account_id))
        .order_by(ledger_entry::Column::Id, SqlOrder::Desc);
    let entries = page_of(conn, query, page, Ok).await?;
    let ids: Vec<Uuid> = entries.items.iter().map(|e| e.transfer_id).collect();
    let transfers = ledger_transfer::Entity::find()
        .filter(ledger_transfer::Column::Id.is_in(ids))
        .all(conn)
        .await
        .map_err(db_error)?;
    let Page { items, total, request } = entries;
    let items = items
        .into_iter()
        .map(|entry| {
            let transfer = transfers
                .iter()
                .find(|t| t.id == entry.transfer_id)
                .ok_or_else(|| corrupt("ledger_entries.transfer_id"))?;
            Ok(Entry {
                id: entry.id,
                transfer_id: transfer.id,
                transfer_key: transfer.key.clone(),
                kind: transfer.kind.parse().map_err(|_| corrupt("ledger_transfers.kind"))?,
                order_id: transfer.order_id,
                amount: entry.amount,
                currency: Currency::from_code(&transfer.currency)
                    .map_err(|_| corrupt("ledger_transfers.currency"))?,
                memo: transfer.memo.clone(),
                created_at: entry.created_at,
            })
        })
        .collect::<Result<Vec<_>, DomainError>>()?;
    Ok(Page { items, total, request })
}

/// What the ledger moved for a set of orders: holds, releases (fee and penalty included) and
/// refunds by transfer kind, and what their escrow accounts still hold.
pub async fn order_trail(conn: &impl ConnectionTrait, order_ids: &[Uuid]) -> Result<MoneyTrail, DomainError> {
    let mut trail = MoneyTrail::default();
    if order_ids.is_empty() {
        return Ok(trail);
    }
    let rows: Vec<(String, i64)> = ledger_transfer::Entity::find()
        .select_only()
        .column(ledger_transfer::Column::Kind)
        .column(ledger_transfer::Column::Amount)
        .filter(ledger_transfer::Column::OrderId.is_in(order_ids.iter().copied()))
        .into_tuple()
        .all(conn)
        .await
        .map_err(db_error)?;
    for (kind, amount) in rows {
        match kind.parse::<TransferKind>().map_err(|_| corrupt("ledger_transfers.kind"))? {
            TransferKind::Hold => trail.held += amount,
            TransferKind::Release | TransferKind::Fee | TransferKind::Penalty => trail.released += amount,
            TransferKind::Refund => trail.refunded += amount,
            TransferKind::Payout => {}
        }
    }
    let escrow: Vec<i64> = ledger_account::Entity::find()
        .select_only()
        .column(ledger_account::Column::Balance)
        .filter(ledger_account::Column::Kind.eq(AccountKind::OrderEscrow.as_str()))
        .filter(ledger_account::Column::OwnerId.is_in(order_ids.iter().copied()))
        .into_tuple()
        .all(conn)
        .await
        .map_err(db_error)?;
    trail.in_escrow = escrow.into_iter().sum();
    Ok(trail)
}

/// The sum of every balance per currency: zero for each, always (checked by tests and the
/// ledger endpoint).
pub async fn sums_by_currency(conn: &impl ConnectionTrait) -> Result<Vec<(String, i64)>, DomainError> {
    let rows: Vec<(String, i64)> = ledger_account::Entity::find()
        .select_only()
        .column(ledger_account::Column::Currency)
        .column(ledger_account::Column::Balance)
        .into_tuple()
        .all(conn)
        .await
        .map_err(db_error)?;
    let mut sums: Vec<(String, i64)> = Vec::new();
    for (currency, balance) in rows {
        match sums.iter_mut().find(|(c, _)| *c == currency) {
            Some((_, sum)) => *sum += balance,
            None => sums.push((currency, balance)),
        }
    }
    sums.sort();
    Ok(sums)
}
