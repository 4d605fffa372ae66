//! Dispute use cases: the parties and admins read disputes; an admin resolves one by dividing
//! the frozen escrow between buyer and seller and finishing the order, in one transaction.

use souk_auth::permission::require;
use souk_escrow::dispute::{DisputeStatus, Outcome, divide};
use souk_kernel::{Actor, AmountInput, Currency, DomainError, Page, PageRequest};
use souk_orders::order::OrderId;
use souk_orders::status::{OrderStatus, Party};
use souk_storage::disputes::{Dispute, DisputeFilter, find_dispute, list_disputes, update_dispute};
use souk_storage::orders::find_order;
use souk_storage::returns::order_currencies;
use souk_storage::{db_error, ledger};
use uuid::Uuid;

use crate::Marketplace;
use crate::escrow::{Mover, escrow_account};
use crate::returns::{list_scope, party_to, record_dispute};

/// Longest resolution note, in characters.
const MAX_NOTE: usize = 2000;

/// A dispute with the currency of its amounts.
#[derive(Debug, Clone)]
pub struct DisputeView {
    /// The dispute.
    pub dispute: Dispute,
    /// The order's currency.
    pub currency: Currency,
}

/// An admin's resolution.
#[derive(Debug, Clone)]
pub struct Resolution {
    /// Who gets the escrow.
    pub outcome: Outcome,
    /// The buyer's share of a split, in the order's currency.
    pub buyer_amount: Option<AmountInput>,
    /// Why, 1 to 2000 characters.
    pub note: String,
}

impl Marketplace {
    /// One dispute (the order's buyer and seller, admins; others `404`).
    pub async fn get_dispute(&self, actor: &Actor, id: Uuid) -> Result<DisputeView, DomainError> {
        require(actor, "dispute", "view")?;
        let dispute = find_dispute(&self.db.conn, id, false)
            .await?
            .ok_or(DomainError::NotFound { resource: "dispute" })?;
        party_to(actor, dispute.buyer_id, dispute.seller_id)
            .ok_or(DomainError::NotFound { resource: "dispute" })?;
        let currency = self.currency_of(dispute.order_id).await?;
        Ok(DisputeView { dispute, currency })
    }

    /// A page of disputes: a buyer's own, a seller's, all for admins; newest first.
    pub async fn list_disputes(
        &self,
        actor: &Actor,
        filter: &DisputeFilter,
        page: PageRequest,
    ) -> Result<Page<DisputeView>, DomainError> {
        require(actor, "dispute", "view")?;
        let scope = list_scope(actor)?;
        let page = list_disputes(&self.db.conn, scope, filter, page).await?;
        let ids: Vec<Uuid> = page.items.iter().map(|d| d.order_id).collect();
        let currencies = order_currencies(&self.db.conn, &ids).await?;
        if page.items.iter().any(|d| !currencies.contains_key(&d.order_id)) {
            return Err(DomainError::unexpected("a dispute's order vanished"));
        }
        Ok(page.map(|dispute| {
            let currency = currencies[&dispute.order_id];
            DisputeView { dispute, currency }
        }))
    }

    /// Resolves an open dispute (an admin who is not party to the order): divides what escrow
    /// holds as the outcome says, refunding the buyer's part and releasing the seller's part less
    /// the platform fee, and moves the order to `returned` (`refund_buyer`) or `completed`
    /// (`release_to_seller`, `split`).
    pub async fn resolve_dispute(
        &self,
        actor: &Actor,
        id: Uuid,
        resolution: Resolution,
    ) -> Result<DisputeView, DomainError> {
        require(actor, "dispute", "resolve")?;
        let user = actor.user_id().ok_or(DomainError::Unauthenticated)?;
        if !actor.is_admin() {
            return Err(DomainError::Forbidden("only an admin resolves a dispute".into()));
        }
        let note = resolution.note.trim().to_owned();
        if note.is_empty() || note.chars().count() > MAX_NOTE {
            return Err(DomainError::invalid("note", format!("must be 1 to {MAX_NOTE} characters")));
        }
        let tx = self.db.begin_write().await.map_err(db_error)?;
        let mut dispute =
            find_dispute(&tx, id, true).await?.ok_or(DomainError::NotFound { resource: "dispute" })?;
        if dispute.status == DisputeStatus::Resolved {
            let outcome = dispute.outcome.map(|o| o.as_str()).unwrap_or("resolved");
            return Err(DomainError::Conflict(format!("the dispute was already resolved ({outcome})")));
        }
        let mut order = find_order(&tx, OrderId(dispute.order_id), true)
            .await?
            .ok_or_else(|| DomainError::unexpected("a dispute's order vanished"))?;
        if Party::of(actor, order.buyer_id, order.seller_id) != Some(Party::Admin) {
            return Err(DomainError::Forbidden(
                "an admin who is party to the order cannot resolve its dispute".into(),
            ));
        }
        let currency = order.totals.total.currency();
        let buyer_amount = resolution
            .buyer_amount
            .map(|a| a.to_money(currency).map(|m| m.minor()))
            .transpose()
            .map_err(|e| DomainError::invalid("buyer_amount", e.to_string()))?;
        let escrow = ledger::balance(&tx, &escrow_account(&order), true).await?;
        let (to_buyer, to_seller) = divide(resolution.outcome, escrow, buyer_amount)?;
        let now = self.clock().now();
        if to_buyer > 0 {
            let key = format!("dispute:{id}:refund");
            self.refund_escrow(&tx, &mut order, Some(to_buyer), "dispute resolved for the buyer", &key, now)
                .await?;
        }
        if to_seller > 0 {
            self.release_amount(&tx, &order, to_seller, &format!("dispute:{id}:release"), now).await?;
        }
        let target = match resolution.outcome {
            Outcome::RefundBuyer => OrderStatus::Returned,
            Outcome::ReleaseToSeller | Outcome::Split => OrderStatus::Completed,
        };
        let mover = Mover { party: Party::Admin, user: Some(user) };
        self.move_order(&tx, &mut order, target, mover, Some(note.clone()), now).await?;
        dispute.status = DisputeStatus::Resolved;
        dispute.outcome = Some(resolution.outcome);
        dispute.buyer_amount = Some(to_buyer);
        dispute.seller_amount = Some(to_seller);
        dispute.note = Some(note);
        dispute.resolved_by = Some(user);
        dispute.resolved_at = Some(now);
        update_dispute(&tx, &dispute).await?;
        record_dispute(&tx, "dispute.resolved", &dispute, currency, now).await?;
        tx.commit().await.map_err(db_error)?;
        Ok(DisputeView { dispute, currency })
    }
}
