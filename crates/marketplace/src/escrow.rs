//! Escrow use cases: moving an order through the state machine with every effect applied in the
//! same transaction (stock, ledger transfers, the trial clock, the release date), refunds, and the
//! job that releases escrow when a trial or the release delay ends.

use chrono::{DateTime, Duration, Utc};
use sea_orm::DatabaseTransaction;
use souk_escrow::arithmetic::platform_fee;
use souk_escrow::ledger::{AccountRef, Leg, Transfer, TransferKind};
use souk_kernel::{Actor, DomainError, UserId};
use souk_orders::order::{Order, PaymentStatus};
use souk_orders::status::{Effect, OrderStatus, Party, Transition, TransitionContext, transition};
use souk_storage::orders::{commit_stock, record_event, release_stock, update_order_status};
use souk_storage::{db_error, ledger};
use uuid::Uuid;

use crate::Marketplace;

/// The facts of an order for a party's transitions at `now`.
pub(crate) fn context(order: &Order, party: Party, now: DateTime<Utc>) -> TransitionContext {
    TransitionContext {
        party,
        has_trial: order.has_trial(),
        trial_over: order.trial_ends_at.is_some_and(|end| end <= now),
        paid: matches!(order.payment_status, PaymentStatus::Paid | PaymentStatus::PartiallyRefunded),
    }
}

/// The order's escrow account.
pub(crate) fn escrow_account(order: &Order) -> AccountRef {
    AccountRef::order_escrow(order.id.as_uuid(), order.seller_id.as_uuid(), order.totals.total.currency())
}

/// Who moved an order, for its history.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Mover {
    /// The party the rules saw.
    pub party: Party,
    /// The user, when a person moved it.
    pub user: Option<UserId>,
}

impl Mover {
    /// The system (jobs, callbacks, automatic moves).
    pub fn system() -> Mover {
        Mover { party: Party::System, user: None }
    }
}

/// The longest trial of the order's lines, in days.
fn trial_days(order: &Order) -> i64 {
    order
        .lines
        .iter()
        .filter_map(|l| l.trial_policy.as_ref())
        .filter_map(|t| t.get("trial_days").and_then(|d| d.as_i64()))
        .max()
        .unwrap_or(0)
}

impl Marketplace {
    /// Moves an order to `to` as `mover` and applies the transition's effects: stock, the
    /// refund or release of what is in escrow, the trial clock; `RefundLessPenalty`,
    /// `FreezeEscrow` and `SettleDispute` are the return and dispute use cases' own work, done by
    /// them in the same transaction. Reaching delivered/service/confirmation opens the trial when
    /// the order has one, or sets the release date when it has none.
    pub(crate) async fn move_order(
        &self,
        tx: &DatabaseTransaction,
        order: &mut Order,
        to: OrderStatus,
        mover: Mover,
        reason: Option<String>,
        now: DateTime<Utc>,
    ) -> Result<Transition, DomainError> {
        let step = transition(order.status, to, &context(order, mover.party, now))?;
        for effect in &step.effects {
            match effect {
                Effect::ReleaseStock => {
                    for line in order.lines.iter().filter(|l| l.stock_held) {
                        release_stock(tx, line.product_id, line.variant_id, line.quantity).await?;
                    }
                    if matches!(order.payment_status, PaymentStatus::Unpaid | PaymentStatus::Failed) {
                        souk_storage::coupons::release_order_redemptions(tx, order.id).await?;
                    }
                }
                Effect::CommitStock => {
                    for line in order.lines.iter().filter(|l| l.stock_held) {
                        commit_stock(tx, line.product_id, line.variant_id, line.quantity).await?;
                    }
                }
                Effect::RefundFull => {
                    self.refund_escrow(
                        tx,
                        order,
                        None,
                        "full refund",
                        &format!("refund:{}:{}", order.id, to),
                        now,
                    )
                    .await?;
                }
                Effect::ReleaseEscrow => self.release_escrow(tx, order, now).await?,
                Effect::StartTrialClock => {
                    let ends = now + Duration::days(trial_days(order));
                    order.trial_ends_at = Some(ends);
                    order.release_at = Some(ends);
                }
                Effect::HoldEscrow
                | Effect::RefundLessPenalty
                | Effect::FreezeEscrow
                | Effect::SettleDispute => {}
            }
        }
        order.status = step.to;
        order.updated_at = now;
        if matches!(to, OrderStatus::Shipped) {
            order.delivery_status = souk_orders::order::DeliveryStatus::Shipped;
        }
        if matches!(to, OrderStatus::Delivered) {
            order.delivery_status = souk_orders::order::DeliveryStatus::Delivered;
        }
        let awaiting_release = matches!(
            to,
            OrderStatus::Delivered | OrderStatus::ServiceProvided | OrderStatus::CustomerConfirmed
        );
        if awaiting_release && !order.has_trial() && order.release_at.is_none() {
            order.release_at = Some(now + Duration::hours(self.settings.release_delay_hours));
        }
        update_order_status(tx, order).await?;
        record_event(tx, order.id, Some(step.from), step.to, mover.user, mover.party.as_str(), reason, now)
            .await?;
        crate::outbox::record_order(
            tx,
            crate::outbox::order_event_type(step.to),
            order,
            Some(step.from),
            now,
        )
        .await?;
        crate::notifications::queue_for_order(tx, order, step.to, now).await?;
        if awaiting_release && order.has_trial() {
            Box::pin(self.move_order(tx, order, OrderStatus::TrialActive, Mover::system(), None, now))
                .await?;
        }
        Ok(step)
    }

    /// Refunds `amount` (all that is in escrow when `None`) from the order's escrow to the
    /// buyer under `key`; returns what moved. Updates the order's payment status.
    pub(crate) async fn refund_escrow(
        &self,
        tx: &DatabaseTransaction,
        order: &mut Order,
        amount: Option<i64>,
        memo: &str,
        key: &str,
        now: DateTime<Utc>,
    ) -> Result<i64, DomainError> {
        let escrow = escrow_account(order);
        let held = ledger::balance(tx, &escrow, true).await?;
        let amount = amount.unwrap_or(held);
        if amount <= 0 {
            return Ok(0);
        }
        let currency = order.totals.total.currency();
        let transfer = Transfer::between(
            key,
            TransferKind::Refund,
            escrow,
            AccountRef::refunds(order.buyer_id.as_uuid(), currency),
            amount,
        )?
        .for_order(order.id.as_uuid())
        .with_memo(memo);
        ledger::post(tx, &transfer, now).await?;
        order.payment_status = self.refunded_status(tx, order).await?;
        Ok(amount)
    }

    /// The payment status after a refund: `refunded` once refunds reach what was held.
    pub(crate) async fn refunded_status(
        &self,
        tx: &DatabaseTransaction,
        order: &Order,
    ) -> Result<PaymentStatus, DomainError> {
        let trail = ledger::order_trail(tx, &[order.id.as_uuid()]).await?;
        Ok(if trail.refunded >= trail.held {
            PaymentStatus::Refunded
        } else {
            PaymentStatus::PartiallyRefunded
        })
    }

    /// Releases everything in the order's escrow to the seller less the platform fee, in one
    /// transfer of two or three legs.
    pub(crate) async fn release_escrow(
        &self,
        tx: &DatabaseTransaction,
        order: &Order,
        now: DateTime<Utc>,
    ) -> Result<(), DomainError> {
        let escrow = escrow_account(order);
        let held = ledger::balance(tx, &escrow, true).await?;
        self.release_amount(tx, order, held, &format!("release:{}", order.id), now).await
    }

    /// Releases `amount` of the order's escrow to the seller less the platform fee.
    pub(crate) async fn release_amount(
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
        let mut legs = vec![
            Leg { account: escrow_account(order), amount: -amount },
            Leg {
                account: AccountRef::seller_available(order.seller_id.as_uuid(), currency),
                amount: amount - fee,
            },
        ];
        if fee > 0 {
            legs.push(Leg { account: AccountRef::platform_revenue(currency), amount: fee });
        }
        legs.retain(|l| l.amount != 0);
        let transfer = Transfer {
            key: key.to_owned(),
            kind: TransferKind::Release,
            currency,
            order_id: Some(order.id.as_uuid()),
            payment_id: None,
            legs,
            memo: Some(if fee > 0 {
                format!("released less a platform fee of {}", souk_kernel::Money::from_minor(fee, currency))
            } else {
                "released to the seller".to_owned()
            }),
        };
        ledger::post(tx, &transfer, now).await?;
        Ok(())
    }
}

/// A refund request on an order.
#[derive(Debug, Clone, Default)]
pub struct RefundRequest {
    /// How much, in the order's currency; the lines' totals, or everything refundable, when absent.
    pub amount: Option<souk_kernel::AmountInput>,
    /// Refund these lines' totals (when no amount is given).
    pub lines: Vec<Uuid>,
    /// Why.
    pub reason: Option<String>,
}

/// A refund made.
#[derive(Debug, Clone)]
pub struct Refund {
    /// The ledger transfer.
    pub transfer_key: String,
    /// The order.
    pub order_id: Uuid,
    /// What moved, in minor units.
    pub amount: souk_kernel::Money,
    /// From escrow or, after release, from the seller's balance.
    pub source: &'static str,
    /// The order's payment status now.
    pub payment_status: PaymentStatus,
    /// When.
    pub created_at: DateTime<Utc>,
}

impl Marketplace {
    /// Refunds part or all of a paid order (seller of it, admin): from escrow while it holds the
    /// money, from the seller's available balance once released; never more than was paid less
    /// what was already refunded. Leaves the order's status alone (a full refund does not cancel).
    pub async fn refund_order(
        &self,
        actor: &Actor,
        id: souk_orders::order::OrderId,
        request: RefundRequest,
    ) -> Result<Refund, DomainError> {
        souk_auth::permission::require(actor, "payment", "refund")?;
        let reason = request.reason.map(|r| r.trim().to_owned()).filter(|r| !r.is_empty());
        if reason.as_ref().is_some_and(|r| r.chars().count() > 500) {
            return Err(DomainError::invalid("reason", "must be at most 500 characters"));
        }
        let tx = self.db.begin_write().await.map_err(db_error)?;
        let mut order = souk_storage::orders::find_order(&tx, id, true)
            .await?
            .ok_or(DomainError::NotFound { resource: "order" })?;
        let party = Party::of(actor, order.buyer_id, order.seller_id)
            .ok_or(DomainError::NotFound { resource: "order" })?;
        if party == Party::Buyer {
            return Err(DomainError::Forbidden("only the seller or an admin refunds an order".into()));
        }
        if order.status == OrderStatus::Disputed {
            return Err(DomainError::Conflict("the order's escrow is frozen by a dispute".into()));
        }
        let trail = ledger::order_trail(&tx, &[order.id.as_uuid()]).await?;
        let refundable = trail.held - trail.refunded;
        if refundable <= 0 {
            return Err(DomainError::Conflict("nothing paid for this order is left to refund".into()));
        }
        let currency = order.totals.total.currency();
        let amount = match (&request.amount, request.lines.is_empty()) {
            (Some(text), _) => {
                text.to_money(currency).map_err(|e| DomainError::invalid("amount", e.to_string()))?.minor()
            }
            (None, false) => {
                let mut sum: i64 = 0;
                for (i, id) in request.lines.iter().enumerate() {
                    if request.lines[..i].contains(id) {
                        return Err(DomainError::invalid(format!("lines[{i}]"), "names a line twice"));
                    }
                    match order.lines.iter().find(|l| l.id == *id) {
                        Some(line) => sum = sum.saturating_add(line.line_total.minor()),
                        None => {
                            return Err(DomainError::invalid(
                                format!("lines[{i}]"),
                                "names no line of this order",
                            ));
                        }
                    }
                }
                sum
            }
            (None, true) => refundable,
        };
        if amount <= 0 {
            return Err(DomainError::invalid("amount", "must be more than zero"));
        }
        if amount > refundable {
            return Err(DomainError::invalid(
                "amount",
                format!(
                    "must be at most {}: what was paid less what was refunded",
                    souk_kernel::Money::from_minor(refundable, currency)
                ),
            ));
        }
        let now = self.clock().now();
        let key = format!("refund:{}:manual:{}", order.id, Uuid::now_v7());
        let memo = reason.clone().unwrap_or_else(|| "refund".to_owned());
        let escrow = ledger::balance(&tx, &escrow_account(&order), true).await?;
        let source = if escrow >= amount {
            self.refund_escrow(&tx, &mut order, Some(amount), &memo, &key, now).await?;
            "escrow"
        } else {
            let mut legs = Vec::new();
            if escrow > 0 {
                legs.push(Leg { account: escrow_account(&order), amount: -escrow });
            }
            legs.push(Leg {
                account: AccountRef::seller_available(order.seller_id.as_uuid(), currency),
                amount: -(amount - escrow),
            });
            legs.push(Leg { account: AccountRef::refunds(order.buyer_id.as_uuid(), currency), amount });
            let transfer = Transfer {
                key: key.clone(),
                kind: TransferKind::Refund,
                currency,
                order_id: Some(order.id.as_uuid()),
                payment_id: None,
                legs,
                memo: Some(memo),
            };
            ledger::post(&tx, &transfer, now).await?;
            order.payment_status = self.refunded_status(&tx, &order).await?;
            "seller_balance"
        };
        order.updated_at = now;
        update_order_status(&tx, &order).await?;
        tx.commit().await.map_err(db_error)?;
        Ok(Refund {
            transfer_key: key,
            order_id: order.id.as_uuid(),
            amount: souk_kernel::Money::from_minor(amount, currency),
            source,
            payment_status: order.payment_status,
            created_at: now,
        })
    }

    /// Completes orders whose trial or release delay is over and releases their escrow, each
    /// in its own transaction; returns how many it completed.
    pub async fn release_due_orders(&self) -> Result<u64, DomainError> {
        let mut released = 0;
        loop {
            let now = self.clock().now();
            let due = souk_storage::orders::due_for_release(&self.db.conn, now, 100).await?;
            let mut moved = 0;
            for id in &due {
                if self.complete_due_order(*id).await? {
                    moved += 1;
                }
            }
            released += moved;
            if due.len() < 100 || moved == 0 {
                return Ok(released);
            }
        }
    }

    async fn complete_due_order(&self, id: souk_orders::order::OrderId) -> Result<bool, DomainError> {
        let tx = self.db.begin_write().await.map_err(db_error)?;
        let now = self.clock().now();
        let Some(mut order) = souk_storage::orders::find_order(&tx, id, true).await? else {
            return Ok(false);
        };
        if order.release_at.is_none_or(|at| at > now) {
            return Ok(false);
        }
        let reason = if order.status == OrderStatus::TrialActive {
            "the trial ended"
        } else {
            "the release delay ended"
        };
        match self
            .move_order(&tx, &mut order, OrderStatus::Completed, Mover::system(), Some(reason.into()), now)
            .await
        {
            Ok(_) => {}
            Err(DomainError::InvalidTransition { .. }) => return Ok(false),
            Err(other) => return Err(other),
        }
        tx.commit().await.map_err(db_error)?;
        Ok(true)
    }
}

impl Marketplace {
    /// One order with what its escrow holds and moved, for a party to it or an admin.
    pub async fn get_order_with_escrow(
        &self,
        actor: &Actor,
        id: souk_orders::order::OrderId,
    ) -> Result<(crate::orders::OrderView, souk_escrow::payment::MoneyTrail), DomainError> {
        let view = self.get_order(actor, id).await?;
        let trail = ledger::order_trail(&self.db.conn, &[view.order.id.as_uuid()]).await?;
        Ok((view, trail))
    }
}
