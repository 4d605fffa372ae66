//! Trial return use cases: the buyer requests a return during the trial, the seller scans its
//! token to confirm it (refund less the trial penalty, the penalty to the seller, in one
//! transaction) or to claim a defect (a dispute freezes the escrow), and a job expires returns
//! nobody scanned, sending the order back to its trial.

use chrono::{DateTime, Utc};
use sea_orm::DatabaseTransaction;
use souk_auth::permission::require;
use souk_escrow::arithmetic::platform_fee;
use souk_escrow::dispute::DisputeStatus;
use souk_escrow::ledger::{AccountRef, Leg, Transfer, TransferKind};
use souk_fulfillment::returns::{
    DefectClaim, NewReturn, Return, ReturnId, ReturnStatus, ScanAction, TrialTerms, expires_at, settle,
};
use souk_kernel::{Actor, Currency, DomainError, Page, PageRequest, Role, UserId};
use souk_orders::order::{Order, OrderId};
use souk_orders::status::{OrderStatus, Party, allowed};
use souk_storage::disputes::{Dispute, insert_dispute};
use souk_storage::orders::{OrderScope, find_order};
use souk_storage::returns::{
    ReturnFilter, due_for_expiry, find_by_token, find_return, insert_return, list_returns, order_currencies,
    returns_of_order, update_return,
};
use souk_storage::{db_error, ledger};
use uuid::Uuid;

use crate::Marketplace;
use crate::escrow::{Mover, context, escrow_account};

/// Bytes of randomness in a return token (hex, so twice as many characters).
const TOKEN_BYTES: usize = 16;

/// A buyer's return request.
#[derive(Debug, Clone)]
pub struct ReturnInput {
    /// The order to return.
    pub order_id: OrderId,
    /// Why, and the defect the buyer reports, if any.
    pub request: NewReturn,
}

/// A return as a caller sees it.
#[derive(Debug, Clone)]
pub struct ReturnView {
    /// The return; its token is blanked for callers who may not see it.
    pub ret: Return,
    /// The order's currency (of the amounts).
    pub currency: Currency,
}

/// A seller's scan of a return token.
#[derive(Debug, Clone)]
pub struct ScanInput {
    /// The token from the buyer's QR code.
    pub token: String,
    /// Confirm or claim a defect.
    pub action: ScanAction,
    /// What is wrong (claims only).
    pub description: Option<String>,
    /// A photo of it (claims only).
    pub photo_file_id: Option<Uuid>,
}

/// What a scan did.
#[derive(Debug, Clone)]
pub struct ScanResult {
    /// The settled return.
    pub ret: ReturnView,
    /// The order's status now (`returned` or `disputed`).
    pub order_status: OrderStatus,
    /// The dispute a defect claim opened.
    pub dispute: Option<Dispute>,
}

/// Which returns and disputes an actor may list: a buyer's own, a seller's of its orders, all
/// for admins.
pub(crate) fn list_scope(actor: &Actor) -> Result<OrderScope, DomainError> {
    let me = actor.user_id().ok_or(DomainError::Unauthenticated)?;
    Ok(match actor.role() {
        Some(Role::Admin) => OrderScope::All,
        Some(Role::Seller) => OrderScope::Seller(me),
        _ => OrderScope::Buyer(me),
    })
}

/// The party an actor is to a return or dispute (buyer, seller, admin), or `None` (answer `404`).
pub(crate) fn party_to(actor: &Actor, buyer: UserId, seller: UserId) -> Option<Party> {
    Party::of(actor, buyer, seller)
}

/// The trial terms and line totals of the order's trial lines.
fn trial_lines(order: &Order) -> Result<Vec<(TrialTerms, i64)>, DomainError> {
    let currency = order.totals.total.currency();
    order
        .lines
        .iter()
        .filter_map(|line| line.trial_policy.as_ref().map(|t| (t, line.line_total.minor())))
        .map(|(snapshot, total)| Ok((TrialTerms::from_snapshot(snapshot, currency)?, total)))
        .collect()
}

/// Checks that `id` names an image file `owner` uploaded (any image for an admin).
pub(crate) async fn check_photo(
    tx: &DatabaseTransaction,
    field: &str,
    id: Uuid,
    actor: &Actor,
) -> Result<(), DomainError> {
    let file = souk_storage::files::find_file(tx, id).await.map_err(db_error)?;
    let owner = actor.user_id().map(|u| u.as_uuid());
    match file {
        None => Err(DomainError::invalid(field, format!("{id} names no file"))),
        Some(file) if !actor.is_admin() && file.owner_id != owner => {
            Err(DomainError::invalid(field, format!("{id} is not a file you uploaded")))
        }
        Some(file) if !file.mime_type.starts_with("image/") => {
            Err(DomainError::invalid(field, format!("{id} is not an image")))
        }
        Some(_) => Ok(()),
    }
}

/// Links a defect photo to the return, so its buyer and seller may read it (`role` says whose).
async fn link_photo(
    tx: &DatabaseTransaction,
    file_id: Uuid,
    ret: &Return,
    role: &str,
    now: DateTime<Utc>,
) -> Result<(), DomainError> {
    let link = souk_storage::files::LinkRecord {
        file_id,
        fileable_type: "return".to_owned(),
        fileable_id: ret.id.as_uuid(),
        role: Some(role.to_owned()),
        position: 0,
        alt: None,
        created_at: now,
    };
    souk_storage::files::insert_link(tx, &link).await
}

/// A view of a return for an actor who is `party` to it: only the buyer and admins see the token
/// (the seller gets it by scanning the buyer's code).
fn view(mut ret: Return, currency: Currency, party: Party) -> ReturnView {
    if party == Party::Seller {
        ret.token = String::new();
    }
    ReturnView { ret, currency }
}

/// Appends a return event (`return.requested`, ...) with the return's snapshot (the token, a
/// secret between buyer and seller, is never in it) and queues the return update e-mail.
async fn record_return(
    tx: &DatabaseTransaction,
    kind: &str,
    ret: &Return,
    currency: Currency,
    now: DateTime<Utc>,
) -> Result<(), DomainError> {
    let money =
        |minor: Option<i64>| minor.map(|m| souk_kernel::Money::from_minor(m, currency).amount_string());
    let data = serde_json::json!({
        "id": ret.id,
        "order_id": ret.order_id,
        "buyer_id": ret.buyer_id,
        "seller_id": ret.seller_id,
        "status": ret.status.as_str(),
        "has_defect": ret.has_defect,
        "currency": currency.code(),
        "refund_amount": money(ret.refund_amount),
        "penalty_amount": money(ret.penalty_amount),
        "requested_at": ret.requested_at,
        "expires_at": ret.expires_at,
        "resolved_at": ret.resolved_at,
    });
    crate::outbox::record(tx, kind, "return", ret.id.as_uuid(), Some(ret.seller_id.as_uuid()), data, now)
        .await?;
    crate::notifications::queue_for_return(tx, ret.id.as_uuid(), ret.status.as_str(), now).await
}

/// Appends a dispute event (`dispute.opened`, `dispute.resolved`) with the dispute's snapshot.
pub(crate) async fn record_dispute(
    tx: &DatabaseTransaction,
    kind: &str,
    dispute: &Dispute,
    currency: Currency,
    now: DateTime<Utc>,
) -> Result<(), DomainError> {
    let money =
        |minor: Option<i64>| minor.map(|m| souk_kernel::Money::from_minor(m, currency).amount_string());
    let data = serde_json::json!({
        "id": dispute.id,
        "order_id": dispute.order_id,
        "return_id": dispute.return_id,
        "buyer_id": dispute.buyer_id,
        "seller_id": dispute.seller_id,
        "status": dispute.status.as_str(),
        "outcome": dispute.outcome.map(|o| o.as_str()),
        "currency": currency.code(),
        "buyer_amount": money(dispute.buyer_amount),
        "seller_amount": money(dispute.seller_amount),
        "opened_at": dispute.opened_at,
        "resolved_at": dispute.resolved_at,
    });
    crate::outbox::record(tx, kind, "dispute", dispute.id, Some(dispute.seller_id.as_uuid()), data, now).await
}

impl Marketplace {
    /// Requests the return of an order during its trial (its buyer): opens a pending return
    /// with a fresh token that expires after the longest return window of the trial lines, and
    /// moves the order to `return_requested`.
    pub async fn request_return(&self, actor: &Actor, input: ReturnInput) -> Result<ReturnView, DomainError> {
        require(actor, "return", "create")?;
        let request = input.request.check()?;
        let user = actor.user_id().ok_or(DomainError::Unauthenticated)?;
        let tx = self.db.begin_write().await.map_err(db_error)?;
        let mut order = find_order(&tx, input.order_id, true)
            .await?
            .ok_or(DomainError::NotFound { resource: "order" })?;
        match Party::of(actor, order.buyer_id, order.seller_id) {
            None => return Err(DomainError::NotFound { resource: "order" }),
            Some(Party::Buyer) => {}
            Some(_) => return Err(DomainError::Forbidden("only the buyer of an order returns it".into())),
        }
        let now = self.clock().now();
        let open = returns_of_order(&tx, order.id.as_uuid()).await?;
        if order.status == OrderStatus::ReturnRequested
            || open.iter().any(|r| r.status == ReturnStatus::Pending)
        {
            return Err(DomainError::Conflict("the order already has an open return".into()));
        }
        let ctx = context(&order, Party::Buyer, now);
        if order.status != OrderStatus::TrialActive || ctx.trial_over {
            let event = if order.status == OrderStatus::TrialActive {
                "request a return: the trial ended"
            } else {
                "request a return: returns are only open during the trial"
            };
            return Err(DomainError::InvalidTransition {
                from: order.status.as_str().to_owned(),
                event: event.into(),
                allowed: allowed(order.status, &ctx).iter().map(|s| s.as_str().to_owned()).collect(),
            });
        }
        if let Some(photo) = request.defect_photo_file_id {
            check_photo(&tx, "defect_photo_file_id", photo, actor).await?;
        }
        let terms: Vec<TrialTerms> = trial_lines(&order)?.into_iter().map(|(t, _)| t).collect();
        let expires = expires_at(&terms, now)
            .ok_or_else(|| DomainError::unexpected("an order in its trial has no trial line"))?;
        let ret = Return {
            id: ReturnId::new(),
            order_id: order.id.as_uuid(),
            buyer_id: order.buyer_id,
            seller_id: order.seller_id,
            token: souk_auth::secret::random_secret(TOKEN_BYTES),
            status: ReturnStatus::Pending,
            reason: request.reason.clone(),
            has_defect: request.has_defect,
            defect_description: request.defect_description,
            defect_photo_file_id: request.defect_photo_file_id,
            refund_amount: None,
            penalty_amount: None,
            requested_at: now,
            expires_at: expires,
            resolved_at: None,
        };
        insert_return(&tx, &ret).await?;
        if let Some(photo) = ret.defect_photo_file_id {
            link_photo(&tx, photo, &ret, "defect_photo", now).await?;
        }
        let mover = Mover { party: Party::Buyer, user: Some(user) };
        let reason = Some(request.reason.unwrap_or_else(|| "return requested".to_owned()));
        self.move_order(&tx, &mut order, OrderStatus::ReturnRequested, mover, reason, now).await?;
        let currency = order.totals.total.currency();
        record_return(&tx, "return.requested", &ret, currency, now).await?;
        tx.commit().await.map_err(db_error)?;
        Ok(ReturnView { ret, currency })
    }

    /// Scans a return token (the order's seller; an admin acts for the seller). `confirm`
    /// refunds the buyer what escrow holds less the trial penalty, releases the penalty to the
    /// seller and moves the order to `returned`; `claim_defect` opens a dispute and moves the
    /// order to `disputed`, freezing the escrow. All in one transaction that holds the return row,
    /// so concurrent scans of one token settle it once.
    pub async fn scan_return(&self, actor: &Actor, input: ScanInput) -> Result<ScanResult, DomainError> {
        require(actor, "return", "confirm")?;
        let user = actor.user_id().ok_or(DomainError::Unauthenticated)?;
        let token = input.token.trim().to_owned();
        if token.is_empty() || token.len() > 64 {
            return Err(DomainError::invalid("token", "must be the 1 to 64 character token of a return"));
        }
        let claim = match input.action {
            ScanAction::Confirm => None,
            ScanAction::ClaimDefect => Some(DefectClaim::check(input.description, input.photo_file_id)?),
        };
        let tx = self.db.begin_write().await.map_err(db_error)?;
        let mut ret =
            find_by_token(&tx, &token, true).await?.ok_or(DomainError::NotFound { resource: "return" })?;
        match Party::of(actor, ret.buyer_id, ret.seller_id) {
            None => return Err(DomainError::NotFound { resource: "return" }),
            Some(Party::Buyer) => {
                return Err(DomainError::Forbidden("only the seller of the order scans its return".into()));
            }
            Some(_) => {}
        }
        let now = self.clock().now();
        ret.check_scannable(now)?;
        let mut order = find_order(&tx, OrderId(ret.order_id), true)
            .await?
            .ok_or_else(|| DomainError::unexpected("a return's order vanished"))?;
        let mover = Mover { party: Party::Seller, user: Some(user) };
        let dispute = match claim {
            None => {
                let escrow = ledger::balance(&tx, &escrow_account(&order), true).await?;
                let (refund, penalty) = settle(&trial_lines(&order)?, escrow);
                let key = format!("return:{}:refund", ret.id);
                self.refund_escrow(
                    &tx,
                    &mut order,
                    Some(refund),
                    "trial return refunded less the penalty",
                    &key,
                    now,
                )
                .await?;
                self.release_penalty(&tx, &order, penalty, &format!("return:{}:penalty", ret.id), now)
                    .await?;
                let reason = Some("the seller confirmed the return".to_owned());
                self.move_order(&tx, &mut order, OrderStatus::Returned, mover, reason, now).await?;
                ret.status = ReturnStatus::Confirmed;
                ret.refund_amount = Some(refund);
                ret.penalty_amount = Some(penalty);
                None
            }
            Some(claim) => {
                check_photo(&tx, "photo_file_id", claim.photo_file_id, actor).await?;
                if ret.defect_photo_file_id != Some(claim.photo_file_id) {
                    link_photo(&tx, claim.photo_file_id, &ret, "claim_photo", now).await?;
                }
                let dispute = Dispute {
                    id: Uuid::now_v7(),
                    order_id: order.id.as_uuid(),
                    return_id: Some(ret.id.as_uuid()),
                    buyer_id: order.buyer_id,
                    seller_id: order.seller_id,
                    reason: claim.description,
                    photo_file_id: Some(claim.photo_file_id),
                    status: DisputeStatus::Open,
                    outcome: None,
                    buyer_amount: None,
                    seller_amount: None,
                    note: None,
                    resolved_by: None,
                    opened_at: now,
                    resolved_at: None,
                };
                insert_dispute(&tx, &dispute).await?;
                record_dispute(&tx, "dispute.opened", &dispute, order.totals.total.currency(), now).await?;
                let reason = Some("the seller claimed a defect".to_owned());
                self.move_order(&tx, &mut order, OrderStatus::Disputed, mover, reason, now).await?;
                ret.status = ReturnStatus::DefectClaimed;
                Some(dispute)
            }
        };
        ret.resolved_at = Some(now);
        update_return(&tx, &ret).await?;
        let kind = format!("return.{}", ret.status);
        record_return(&tx, &kind, &ret, order.totals.total.currency(), now).await?;
        tx.commit().await.map_err(db_error)?;
        let party = Party::of(actor, ret.buyer_id, ret.seller_id).unwrap_or(Party::Seller);
        Ok(ScanResult {
            ret: view(ret, order.totals.total.currency(), party),
            order_status: order.status,
            dispute,
        })
    }

    /// Releases a trial penalty from the order's escrow to the seller, less the platform fee
    /// like every release, as one `penalty` transfer.
    async fn release_penalty(
        &self,
        tx: &DatabaseTransaction,
        order: &Order,
        amount: i64,
        key: &str,
        now: DateTime<Utc>,
    ) -> Result<(), DomainError> {
        if amount <= 0 {
            return Ok(());
        }
        let currency = order.totals.total.currency();
        let fee = platform_fee(amount, self.settings.platform_fee_basis_points);
        let mut legs = vec![Leg { account: escrow_account(order), amount: -amount }];
        if amount > fee {
            legs.push(Leg {
                account: AccountRef::seller_available(order.seller_id.as_uuid(), currency),
                amount: amount - fee,
            });
        }
        if fee > 0 {
            legs.push(Leg { account: AccountRef::platform_revenue(currency), amount: fee });
        }
        let transfer = Transfer {
            key: key.to_owned(),
            kind: TransferKind::Penalty,
            currency,
            order_id: Some(order.id.as_uuid()),
            payment_id: None,
            legs,
            memo: Some("trial penalty released to the seller".to_owned()),
        };
        ledger::post(tx, &transfer, now).await?;
        Ok(())
    }

    /// One return (its buyer, the order's seller, admins; others `404`).
    pub async fn get_return(&self, actor: &Actor, id: ReturnId) -> Result<ReturnView, DomainError> {
        require(actor, "return", "view")?;
        let ret = find_return(&self.db.conn, id, false)
            .await?
            .ok_or(DomainError::NotFound { resource: "return" })?;
        let party = party_to(actor, ret.buyer_id, ret.seller_id)
            .ok_or(DomainError::NotFound { resource: "return" })?;
        let currency = self.currency_of(ret.order_id).await?;
        Ok(view(ret, currency, party))
    }

    /// The latest return of an order (parties to the order, admins); `404` when it has none.
    pub async fn latest_return_of_order(
        &self,
        actor: &Actor,
        order_id: OrderId,
    ) -> Result<ReturnView, DomainError> {
        require(actor, "return", "view")?;
        let order = find_order(&self.db.conn, order_id, false)
            .await?
            .ok_or(DomainError::NotFound { resource: "order" })?;
        let party = Party::of(actor, order.buyer_id, order.seller_id)
            .ok_or(DomainError::NotFound { resource: "order" })?;
        let ret = returns_of_order(&self.db.conn, order.id.as_uuid())
            .await?
            .into_iter()
            .next()
            .ok_or(DomainError::NotFound { resource: "return" })?;
        Ok(view(ret, order.totals.total.currency(), party))
    }

    /// The token of a return, for its QR code (the buyer of it only; everyone else `404`).
    pub async fn return_token(&self, actor: &Actor, id: ReturnId) -> Result<String, DomainError> {
        require(actor, "return", "view")?;
        let ret = find_return(&self.db.conn, id, false)
            .await?
            .ok_or(DomainError::NotFound { resource: "return" })?;
        if actor.user_id() != Some(ret.buyer_id) {
            return Err(DomainError::NotFound { resource: "return" });
        }
        Ok(ret.token)
    }

    /// A page of returns: a buyer's own, a seller's of its orders, all for admins; newest first.
    pub async fn list_returns(
        &self,
        actor: &Actor,
        filter: &ReturnFilter,
        page: PageRequest,
    ) -> Result<Page<ReturnView>, DomainError> {
        require(actor, "return", "view")?;
        let scope = list_scope(actor)?;
        let page = list_returns(&self.db.conn, scope, filter, page).await?;
        let ids: Vec<Uuid> = page.items.iter().map(|r| r.order_id).collect();
        let currencies = order_currencies(&self.db.conn, &ids).await?;
        let mut missing = false;
        let page = page.map(|ret| {
            let currency = currencies.get(&ret.order_id).copied().unwrap_or_else(|| {
                missing = true;
                Currency::USD
            });
            let party = party_to(actor, ret.buyer_id, ret.seller_id).unwrap_or(Party::Seller);
            view(ret, currency, party)
        });
        if missing {
            return Err(DomainError::unexpected("a return's order vanished"));
        }
        Ok(page)
    }

    /// The currency of an order.
    pub(crate) async fn currency_of(&self, order_id: Uuid) -> Result<Currency, DomainError> {
        order_currencies(&self.db.conn, &[order_id])
            .await?
            .remove(&order_id)
            .ok_or_else(|| DomainError::unexpected("an order vanished"))
    }

    /// Expires pending returns whose window closed unscanned, each in its own transaction: the
    /// return becomes `expired` and its order goes back to `trial_active` (the release job then
    /// completes it if the trial is over). Returns how many expired.
    pub async fn expire_returns(&self) -> Result<u64, DomainError> {
        let mut expired = 0;
        loop {
            let now = self.clock().now();
            let due = due_for_expiry(&self.db.conn, now, 100).await?;
            let mut moved = 0;
            for id in &due {
                if self.expire_return(*id).await? {
                    moved += 1;
                }
            }
            expired += moved;
            if due.len() < 100 || moved == 0 {
                return Ok(expired);
            }
        }
    }

    async fn expire_return(&self, id: ReturnId) -> Result<bool, DomainError> {
        let tx = self.db.begin_write().await.map_err(db_error)?;
        let now = self.clock().now();
        let Some(mut ret) = find_return(&tx, id, true).await? else { return Ok(false) };
        if ret.status != ReturnStatus::Pending || !ret.is_expired_at(now) {
            return Ok(false);
        }
        ret.status = ReturnStatus::Expired;
        ret.resolved_at = Some(now);
        update_return(&tx, &ret).await?;
        let mut order = find_order(&tx, OrderId(ret.order_id), true)
            .await?
            .ok_or_else(|| DomainError::unexpected("a return's order vanished"))?;
        if order.status == OrderStatus::ReturnRequested {
            let reason = Some("the return expired unscanned".to_owned());
            self.move_order(&tx, &mut order, OrderStatus::TrialActive, Mover::system(), reason, now).await?;
        }
        record_return(&tx, "return.expired", &ret, order.totals.total.currency(), now).await?;
        tx.commit().await.map_err(db_error)?;
        Ok(true)
    }
}
