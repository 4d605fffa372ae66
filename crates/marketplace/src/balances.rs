//! Reading money where it stands: escrow holds (a seller's own, all for admins), a seller's
//! pending, available and paid-out balance, and the ledger's accounts and entries (admins).

use souk_auth::UserRepository;
use souk_auth::permission::{require, require_admin};
use souk_kernel::{Actor, Currency, DomainError, FieldErrors, Page, PageRequest, Role, UserId};
use souk_storage::SqlUsers;
use souk_storage::holds::{self, Hold, HoldFilter, SellerBalance};
use souk_storage::ledger::{self, Account, AccountFilter, Entry};
use uuid::Uuid;

use crate::Marketplace;

/// The ledger's accounts with the per-currency sums of every balance (each zero).
#[derive(Debug, Clone)]
pub struct LedgerAccounts {
    /// The page of accounts.
    pub accounts: Page<Account>,
    /// Every currency's sum of balances across the whole ledger, not only this page.
    pub sums: Vec<(String, i64)>,
}

impl Marketplace {
    /// Holds visible to the actor, newest first: a seller's own (its list is always scoped to
    /// itself, whatever `seller_id` says), every hold for admins.
    pub async fn list_holds(
        &self,
        actor: &Actor,
        mut filter: HoldFilter,
        page: PageRequest,
    ) -> Result<Page<Hold>, DomainError> {
        require(actor, "escrow", "view")?;
        if !actor.is_admin() {
            let me = actor.user_id().ok_or(DomainError::Unauthenticated)?.as_uuid();
            if filter.seller_id.is_some_and(|s| s != me) {
                return Ok(Page { items: Vec::new(), total: 0, request: page });
            }
            filter.seller_id = Some(me);
        }
        holds::list_holds(&self.db.conn, &filter, page).await
    }

    /// One hold by its escrow account id, for its seller or an admin.
    pub async fn get_hold(&self, actor: &Actor, id: Uuid) -> Result<Hold, DomainError> {
        require(actor, "escrow", "view")?;
        let hold =
            holds::find_hold(&self.db.conn, id).await?.ok_or(DomainError::NotFound { resource: "hold" })?;
        let me = actor.user_id().ok_or(DomainError::Unauthenticated)?.as_uuid();
        if !actor.is_admin() && hold.seller_id != me {
            return Err(DomainError::NotFound { resource: "hold" });
        }
        Ok(hold)
    }

    /// A seller's balance in `currency`, for that seller or an admin (everyone else: `404`).
    /// Without a currency: the seller's only currency with ledger activity, USD when it has
    /// none, and `422` naming its currencies when it has several.
    pub async fn seller_balance(
        &self,
        actor: &Actor,
        seller: UserId,
        currency: Option<Currency>,
    ) -> Result<SellerBalance, DomainError> {
        let me = actor.user_id().ok_or(DomainError::Unauthenticated)?;
        if !actor.is_admin() && me != seller {
            return Err(DomainError::NotFound { resource: "seller" });
        }
        require(actor, "escrow", "view")?;
        let user = SqlUsers::new(&self.db.conn).find(seller).await?;
        if !user.is_some_and(|u| u.role == Role::Seller) {
            return Err(DomainError::NotFound { resource: "seller" });
        }
        let currency = match currency {
            Some(currency) => currency,
            None => {
                let currencies = holds::seller_currencies(&self.db.conn, seller.as_uuid()).await?;
                match currencies.as_slice() {
                    [] => Currency::USD,
                    [only] => *only,
                    several => {
                        let codes: Vec<&str> = several.iter().map(Currency::code).collect();
                        return Err(DomainError::Validation(FieldErrors::single(
                            "currency",
                            format!("is required: the seller has money in {}", codes.join(", ")),
                        )));
                    }
                }
            }
        };
        holds::seller_balance(&self.db.conn, seller.as_uuid(), currency).await
    }

    /// A page of ledger accounts, oldest first, with the ledger's per-currency sums (admins).
    pub async fn ledger_accounts(
        &self,
        actor: &Actor,
        filter: AccountFilter,
        page: PageRequest,
    ) -> Result<LedgerAccounts, DomainError> {
        require_admin(actor)?;
        let accounts = ledger::list_accounts(&self.db.conn, &filter, page).await?;
        let sums = ledger::sums_by_currency(&self.db.conn).await?;
        Ok(LedgerAccounts { accounts, sums })
    }

    /// A page of one account's entries, newest first (admins).
    pub async fn ledger_entries(
        &self,
        actor: &Actor,
        id: Uuid,
        page: PageRequest,
    ) -> Result<(Account, Page<Entry>), DomainError> {
        require_admin(actor)?;
        let account = ledger::find_account(&self.db.conn, id)
            .await?
            .ok_or(DomainError::NotFound { resource: "ledger account" })?;
        let entries = ledger::account_entries(&self.db.conn, id, page).await?;
        Ok((account, entries))
    }
}
