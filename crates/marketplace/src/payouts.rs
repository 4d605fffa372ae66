//! Sellers' payment accounts (self or admin) and payouts: the available balance moves to
//! `seller_paid_out` through one ledger transfer, and the provider sends it to the seller's
//! account, both or neither.

use souk_auth::UserRepository;
use souk_auth::permission::require;
use souk_escrow::gateway::{Gateway, GatewayStatus};
use souk_escrow::ledger::{AccountRef, Transfer, TransferKind};
use souk_escrow::payout::{PaymentAccount, Payout, PayoutStatus, TosAcceptance, transfer_key};
use souk_kernel::{
    Actor, AmountInput, Currency, DomainError, FieldErrors, Money, Page, PageRequest, Role, UserId,
};
use souk_storage::payouts::{self, PayoutFilter};
use souk_storage::{SqlUsers, db_error, ledger, payments};
use uuid::Uuid;

use crate::Marketplace;

/// A new payment account.
#[derive(Debug, Clone)]
pub struct PaymentAccountInput {
    /// The gateway payouts go through.
    pub gateway_id: Uuid,
    /// The account at the provider.
    pub external_account_id: String,
    /// Free-form details.
    pub properties: serde_json::Map<String, serde_json::Value>,
    /// The terms-of-service acceptance.
    pub tos_acceptance: Option<TosAcceptance>,
}

/// Changes to a payment account; absent fields stay, `Some(None)` clears the acceptance.
#[derive(Debug, Clone, Default)]
pub struct PaymentAccountPatch {
    /// Another gateway.
    pub gateway_id: Option<Uuid>,
    /// Another external account.
    pub external_account_id: Option<String>,
    /// New details (replace the old ones whole).
    pub properties: Option<serde_json::Map<String, serde_json::Value>>,
    /// A new acceptance, or `None` to clear it.
    pub tos_acceptance: Option<Option<TosAcceptance>>,
}

/// A payout request.
#[derive(Debug, Clone)]
pub struct PayoutRequest {
    /// The seller paid (admins name it; a seller's own id when absent).
    pub seller_id: Option<UserId>,
    /// How much; the whole available balance when absent.
    pub amount: Option<AmountInput>,
    /// The currency of the balance paid out.
    pub currency: String,
    /// The account paid to; the seller's only account on an active gateway of the currency
    /// when absent.
    pub payment_account_id: Option<Uuid>,
}

impl Marketplace {
    /// Checks that the actor may manage `user`'s payment accounts (self or admin, others
    /// `404`), has `payment_method:{action}` (`403`), and that `user` is a seller (`404`).
    async fn account_owner(&self, actor: &Actor, user: UserId, action: &str) -> Result<(), DomainError> {
        let me = actor.user_id().ok_or(DomainError::Unauthenticated)?;
        if !actor.is_admin() && me != user {
            return Err(DomainError::NotFound { resource: "user" });
        }
        require(actor, "payment_method", action)?;
        let found = SqlUsers::new(&self.db.conn).find(user).await?;
        if !found.is_some_and(|u| u.role == Role::Seller) {
            return Err(DomainError::NotFound { resource: "seller" });
        }
        Ok(())
    }

    async fn check_account(
        &self,
        tx: &sea_orm::DatabaseTransaction,
        account: &mut PaymentAccount,
    ) -> Result<(), DomainError> {
        let mut errors = FieldErrors::new();
        account.check(&mut errors);
        if payments::find_gateway(tx, account.gateway_id).await?.is_none() {
            errors.add("gateway_id", "names no payment gateway");
        }
        errors.into_result()?;
        if payouts::find_duplicate(tx, account).await?.is_some() {
            return Err(DomainError::Conflict(
                "the user already has a payment account with this gateway and external_account_id".into(),
            ));
        }
        Ok(())
    }

    /// A user's payment accounts, oldest first (self or admin).
    pub async fn list_payment_accounts(
        &self,
        actor: &Actor,
        user: UserId,
        page: PageRequest,
    ) -> Result<Page<PaymentAccount>, DomainError> {
        self.account_owner(actor, user, "view").await?;
        payouts::list_accounts(&self.db.conn, user, page).await
    }

    /// Adds a payment account for a seller (self or admin); the gateway must exist.
    pub async fn create_payment_account(
        &self,
        actor: &Actor,
        user: UserId,
        input: PaymentAccountInput,
    ) -> Result<PaymentAccount, DomainError> {
        self.account_owner(actor, user, "update").await?;
        let now = self.clock().now();
        let mut account = PaymentAccount {
            id: Uuid::now_v7(),
            user_id: user,
            gateway_id: input.gateway_id,
            external_account_id: input.external_account_id,
            properties: input.properties,
            tos_acceptance: input.tos_acceptance,
            created_at: now,
            updated_at: now,
        };
        let tx = self.db.begin_write().await.map_err(db_error)?;
        self.check_account(&tx, &mut account).await?;
        payouts::insert_account(&tx, &account).await?;
        tx.commit().await.map_err(db_error)?;
        Ok(account)
    }

    /// Changes a payment account (self or admin).
    pub async fn update_payment_account(
        &self,
        actor: &Actor,
        user: UserId,
        id: Uuid,
        patch: PaymentAccountPatch,
    ) -> Result<PaymentAccount, DomainError> {
        self.account_owner(actor, user, "update").await?;
        let tx = self.db.begin_write().await.map_err(db_error)?;
        let mut account = payouts::find_account(&tx, user, id)
            .await?
            .ok_or(DomainError::NotFound { resource: "payment account" })?;
        if let Some(gateway) = patch.gateway_id {
            account.gateway_id = gateway;
        }
        if let Some(external) = patch.external_account_id {
            account.external_account_id = external;
        }
        if let Some(properties) = patch.properties {
            account.properties = properties;
        }
        if let Some(tos) = patch.tos_acceptance {
            account.tos_acceptance = tos;
        }
        self.check_account(&tx, &mut account).await?;
        account.updated_at = self.clock().now();
        payouts::update_account(&tx, &account).await?;
        tx.commit().await.map_err(db_error)?;
        Ok(account)
    }

    /// Deletes a payment account (self or admin); payouts made to it keep its id.
    pub async fn delete_payment_account(
        &self,
        actor: &Actor,
        user: UserId,
        id: Uuid,
    ) -> Result<(), DomainError> {
        self.account_owner(actor, user, "update").await?;
        let tx = self.db.begin_write().await.map_err(db_error)?;
        payouts::find_account(&tx, user, id)
            .await?
            .ok_or(DomainError::NotFound { resource: "payment account" })?;
        payouts::delete_account(&tx, id).await?;
        tx.commit().await.map_err(db_error)
    }

    /// The account and gateway a payout goes to: the named account of the seller, or its only
    /// account on an active gateway of the currency.
    async fn payout_target(
        &self,
        seller: UserId,
        currency: Currency,
        named: Option<Uuid>,
    ) -> Result<(PaymentAccount, Gateway), DomainError> {
        let conn = &self.db.conn;
        let invalid = |message: String| DomainError::invalid("payment_account_id", message);
        let account = match named {
            Some(id) => payouts::find_account(conn, seller, id)
                .await?
                .ok_or_else(|| invalid("names no payment account of the seller".into()))?,
            None => {
                let gateways =
                    payments::list_gateways(conn, Some(currency), PageRequest::new(1, 200)?).await?;
                let ids: Vec<Uuid> = gateways.items.iter().map(|g| g.id).collect();
                let mut accounts = payouts::accounts_on_gateways(conn, seller, &ids).await?;
                match accounts.len() {
                    1 => accounts.remove(0),
                    0 => {
                        return Err(invalid(format!(
                            "is required: the seller has no payment account on an active {currency} gateway \
                             (add one with POST /users/{seller}/payment-accounts)"
                        )));
                    }
                    n => {
                        return Err(invalid(format!(
                            "is required: the seller has {n} payment accounts on active {currency} gateways"
                        )));
                    }
                }
            }
        };
        let gateway = payments::find_gateway(conn, account.gateway_id)
            .await?
            .ok_or_else(|| DomainError::unexpected("a payment account names a missing gateway"))?;
        if gateway.status != GatewayStatus::Active {
            return Err(invalid("pays through an inactive gateway".into()));
        }
        if gateway.currency != currency {
            return Err(invalid(format!("pays through a {} gateway, not {currency}", gateway.currency)));
        }
        Ok((account, gateway))
    }

    /// Pays a seller out (the seller itself, or an admin naming `seller_id`): moves the amount
    /// (the whole available balance when absent) from `seller_available` to `seller_paid_out`
    /// and has the gateway's provider send it, in one transaction that commits only once the
    /// provider accepted. A provider failure (`503`) changes nothing; more than is available is
    /// `422`, nothing available `409`, and concurrent payouts queue on the balance row so the
    /// ledger never goes below zero.
    pub async fn create_payout(&self, actor: &Actor, request: PayoutRequest) -> Result<Payout, DomainError> {
        require(actor, "payout", "create")?;
        let me = actor.user_id().ok_or(DomainError::Unauthenticated)?;
        let mut errors = FieldErrors::new();
        let seller = match (actor.is_admin(), request.seller_id) {
            (true, Some(seller)) => {
                let found = SqlUsers::new(&self.db.conn).find(seller).await?;
                if !found.is_some_and(|u| u.role == Role::Seller) {
                    errors.add("seller_id", "names no seller");
                }
                seller
            }
            (true, None) => {
                errors.add("seller_id", "is required when an admin pays a seller out");
                me
            }
            (false, Some(seller)) if seller != me => {
                return Err(DomainError::Forbidden("a seller pays out only its own balance".into()));
            }
            (false, _) => me,
        };
        let currency = Currency::from_code(request.currency.trim()).ok();
        if currency.is_none() {
            errors.add("currency", "must be an ISO 4217 code such as USD");
        }
        let amount = match (currency, &request.amount) {
            (Some(currency), Some(amount)) => match amount.to_money(currency) {
                Ok(money) if money.minor() > 0 => Some(money.minor()),
                Ok(_) => {
                    errors.add("amount", "must be more than zero");
                    None
                }
                Err(e) => {
                    errors.add("amount", e.to_string());
                    None
                }
            },
            _ => None,
        };
        errors.into_result()?;
        let Some(currency) = currency else { return Err(DomainError::invalid("currency", "is required")) };
        let (account, gateway) = self.payout_target(seller, currency, request.payment_account_id).await?;

        let tx = self.db.begin_write().await.map_err(db_error)?;
        let from = AccountRef::seller_available(seller.as_uuid(), currency);
        let available = ledger::balance(&tx, &from, true).await?;
        let amount = match amount {
            Some(amount) if amount > available => {
                return Err(DomainError::invalid(
                    "amount",
                    format!(
                        "must be at most {}, the seller's available {currency} balance",
                        Money::from_minor(available, currency).amount_string()
                    ),
                ));
            }
            Some(amount) => amount,
            None if available <= 0 => {
                return Err(DomainError::Conflict(format!(
                    "the seller has no available {currency} balance to pay out"
                )));
            }
            None => available,
        };
        let now = self.clock().now();
        let id = Uuid::now_v7();
        let transfer = Transfer::between(
            transfer_key(id),
            TransferKind::Payout,
            from,
            AccountRef::seller_paid_out(seller.as_uuid(), currency),
            amount,
        )?
        .with_memo(format!("payout through {}", gateway.title));
        ledger::post(&tx, &transfer, now).await?;
        let reference = self
            .providers
            .of(&gateway)
            .payout(
                &gateway,
                &account.external_account_id,
                Money::from_minor(amount, currency),
                &id.to_string(),
            )
            .await?;
        let payout = Payout {
            id,
            seller_id: seller,
            payment_account_id: Some(account.id),
            currency,
            amount,
            status: PayoutStatus::Paid,
            provider_reference: Some(reference),
            created_at: now,
        };
        payouts::insert_payout(&tx, &payout).await?;
        if let Err(error) = tx.commit().await {
            tracing::error!(payout = %id, %error, "the provider accepted a payout whose record did not commit");
            return Err(db_error(error));
        }
        Ok(payout)
    }

    /// Payouts, newest first: a seller's own (whatever `seller_id` says), any for admins.
    pub async fn list_payouts(
        &self,
        actor: &Actor,
        mut filter: PayoutFilter,
        page: PageRequest,
    ) -> Result<Page<Payout>, DomainError> {
        require(actor, "payout", "view")?;
        if !actor.is_admin() {
            let me = actor.user_id().ok_or(DomainError::Unauthenticated)?;
            if filter.seller_id.is_some_and(|s| s != me) {
                return Ok(Page { items: Vec::new(), total: 0, request: page });
            }
            filter.seller_id = Some(me);
        }
        payouts::list_payouts(&self.db.conn, &filter, page).await
    }
}
