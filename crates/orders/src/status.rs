//! The order state machine (API.md section 4) as a pure function: who may move an order where,
//! given a few facts, and what each move obliges the stock, payment and escrow use cases to do.
//!
//! Decisions where the table leaves room, each enforced below and pinned by the tests:
//! - `paid` guards the unpaid states: `pending -> new` needs a captured payment and
//!   `pending -> failed` needs none; `pending|failed -> canceled` is refused once money is
//!   captured, so a payment always reaches `new` first and its cancel refunds it (money never sits in
//!   the escrow of an order that no refund step will visit).
//! - The trial clock starts when the order enters `trial_active` (the automatic move the delivery
//!   use case makes right after `delivered`, `service_provided` or `customer_confirmed`); keeping the
//!   effect on one transition means every route starts it once and no clock runs outside the trial.
//! - Completion of an order with a trial: the system completes it only from `trial_active` once the
//!   trial is over (it must open the trial first, never skip it); the buyer's confirmation may
//!   complete it from `delivered`/`service_provided`/`customer_confirmed`, waiving the trial the
//!   trial exists to protect; once `trial_active`, every party (admin too) waits for the trial to end,
//!   as the table's "(trial over)" says. Without a trial the system completes after its release delay
//!   (the job decides when) and the buyer or an admin at any time.
//! - Money effects (hold, refund, freeze, settle, release) are emitted only for `paid` orders: an
//!   order recorded from an external checkout or paid on delivery has no escrow to move.
//! - `trial_active -> *` reads only `trial_over`, not `has_trial`: being in the trial is the fact.
//! - `return_requested -> trial_active` is the system's alone: a return nobody scanned within its
//!   window expires and the order goes back to its trial with the clock it had (no effects); the
//!   release job completes it once the trial is over.

use souk_kernel::{Actor, DomainError, UserId, wire_enum};

wire_enum!(
    /// Where an order is in its one lifecycle; payment and delivery have their own status fields.
    OrderStatus {
        /// Checked out, awaiting payment; stock is reserved.
        Pending = "pending",
        /// The payment failed; the buyer may retry.
        Failed = "failed",
        /// Paid and held in escrow; awaiting the seller.
        New = "new",
        /// The seller committed to fulfil.
        Accepted = "accepted",
        /// The seller refused; refunded.
        Declined = "declined",
        /// Handed to the carrier.
        Shipped = "shipped",
        /// A service (no shipment) was performed.
        ServiceProvided = "service_provided",
        /// The goods reached the buyer.
        Delivered = "delivered",
        /// The buyer confirmed receipt.
        CustomerConfirmed = "customer_confirmed",
        /// The buyer is trying the product and may still return it.
        TrialActive = "trial_active",
        /// The buyer asked to return the product during the trial.
        ReturnRequested = "return_requested",
        /// The product came back; refunded less the trial penalty.
        Returned = "returned",
        /// The seller claims a defect on the returned product; escrow is frozen until an admin resolves.
        Disputed = "disputed",
        /// Done; escrow released to the seller.
        Completed = "completed",
        /// Called off before fulfilment.
        Canceled = "canceled",
    }
);

impl OrderStatus {
    /// True when nothing can move the order any more (`completed`, `canceled`, `declined`, `returned`).
    pub fn is_final(&self) -> bool {
        matches!(
            self,
            OrderStatus::Completed | OrderStatus::Canceled | OrderStatus::Declined | OrderStatus::Returned
        )
    }
}

wire_enum!(
    /// Who requests a transition; rights follow the party to this order, not the account's role.
    Party {
        /// The order's buyer.
        Buyer = "buyer",
        /// The seller whose products the order holds.
        Seller = "seller",
        /// A platform admin who is not a party to the order.
        Admin = "admin",
        /// Payment webhooks, jobs (expiry, trial end, release delay), automatic moves and carrier
        /// tracking; never derived from a caller, only set by those use cases.
        System = "system",
    }
);

impl Party {
    /// The party the actor is to this order, or `None` when unrelated (answer `404`, as for any
    /// order the caller may not see). Being party to the order comes before the admin role, so an
    /// admin who bought something acts as its buyer and never moderates their own order; a user who
    /// is both buyer and seller (self-purchase) counts as the buyer, the weaker side over escrow.
    pub fn of(actor: &Actor, buyer_id: UserId, seller_id: UserId) -> Option<Party> {
        let user = actor.user_id()?;
        if user == buyer_id {
            Some(Party::Buyer)
        } else if user == seller_id {
            Some(Party::Seller)
        } else if actor.is_admin() {
            Some(Party::Admin)
        } else {
            None
        }
    }
}

/// The facts besides the two statuses that decide whether a transition is legal.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TransitionContext {
    /// Who asks.
    pub party: Party,
    /// The order's product has an enabled trial policy (snapshotted at checkout).
    pub has_trial: bool,
    /// The trial period has ended (`now >= trial_ends_at`); only read in `trial_active`.
    pub trial_over: bool,
    /// A payment for the order has been captured (held in escrow); decides the unpaid moves and
    /// whether money effects apply.
    pub paid: bool,
}

impl TransitionContext {
    /// A context for `party` with every fact false (no trial, unpaid); set the rest as needed.
    pub fn new(party: Party) -> Self {
        Self { party, has_trial: false, trial_over: false, paid: false }
    }
}

wire_enum!(
    /// What a transition obliges other use cases to do, in the order to do it.
    Effect {
        /// Record the captured payment as held in the order's escrow.
        HoldEscrow = "hold_escrow",
        /// Give the reserved stock back to `available`.
        ReleaseStock = "release_stock",
        /// Turn the reservation into a sale (`on_hand` decreases).
        CommitStock = "commit_stock",
        /// Refund the buyer everything paid, from escrow.
        RefundFull = "refund_full",
        /// Refund the buyer less the trial penalty; the penalty is released to the seller.
        RefundLessPenalty = "refund_less_penalty",
        /// Set `trial_ends_at` from the trial policy, starting the trial clock.
        StartTrialClock = "start_trial_clock",
        /// Freeze the escrow until the dispute is resolved.
        FreezeEscrow = "freeze_escrow",
        /// Move the frozen escrow as the admin's resolution says (buyer, seller or split).
        SettleDispute = "settle_dispute",
        /// Release the escrow to the seller less the platform fee.
        ReleaseEscrow = "release_escrow",
    }
);

impl Effect {
    /// True when the effect moves money, which only a paid order has.
    pub fn moves_money(&self) -> bool {
        !matches!(self, Effect::ReleaseStock | Effect::CommitStock | Effect::StartTrialClock)
    }
}

/// A legal transition and what it obliges.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Transition {
    /// The status the order had.
    pub from: OrderStatus,
    /// The status the order now has.
    pub to: OrderStatus,
    /// What the use case must do with stock, escrow and the trial, in order.
    pub effects: Vec<Effect>,
}

/// Moves an order from `from` to the requested `to`, or refuses with the targets `ctx` allows now.
pub fn transition(
    from: OrderStatus,
    to: OrderStatus,
    ctx: &TransitionContext,
) -> Result<Transition, DomainError> {
    if !permits(from, to, ctx) {
        return Err(DomainError::InvalidTransition {
            from: from.as_str().to_owned(),
            event: format!("move to {to}"),
            allowed: allowed(from, ctx).iter().map(|s| s.as_str().to_owned()).collect(),
        });
    }
    Ok(Transition { from, to, effects: effects(from, to, ctx.paid) })
}

/// Every target `ctx` may request from `from` now, in declaration order (`allowed_transitions`).
pub fn allowed(from: OrderStatus, ctx: &TransitionContext) -> Vec<OrderStatus> {
    OrderStatus::ALL.iter().copied().filter(|&to| permits(from, to, ctx)).collect()
}

/// The transition table; final states and same-status requests match no arm.
fn permits(from: OrderStatus, to: OrderStatus, ctx: &TransitionContext) -> bool {
    use OrderStatus::*;
    use Party::{Admin, Buyer, Seller, System};
    let party = ctx.party;
    match (from, to) {
        (Pending, New) => party == System && ctx.paid,
        (Pending, Failed) => party == System && !ctx.paid,
        (Pending | Failed, Canceled) => matches!(party, Buyer | Admin | System) && !ctx.paid,
        (Failed, Pending) => party == Buyer,
        (New, Accepted | Declined) => matches!(party, Seller | Admin),
        (New, Canceled) => matches!(party, Buyer | Seller | Admin),
        (Accepted, Shipped | ServiceProvided | Canceled) => matches!(party, Seller | Admin),
        (Shipped, Delivered) => matches!(party, Buyer | Seller | Admin | System),
        (Delivered | ServiceProvided | CustomerConfirmed, TrialActive) => party == System && ctx.has_trial,
        (Delivered | ServiceProvided, CustomerConfirmed) => party == Buyer,
        (Delivered | ServiceProvided | CustomerConfirmed, Completed) => match party {
            System => !ctx.has_trial,
            Buyer | Admin => true,
            Seller => false,
        },
        (TrialActive, ReturnRequested) => party == Buyer && !ctx.trial_over,
        (TrialActive, Completed) => matches!(party, Buyer | Admin | System) && ctx.trial_over,
        (ReturnRequested, Returned | Disputed) => party == Seller,
        (ReturnRequested, TrialActive) => party == System,
        (Disputed, Returned | Completed) => party == Admin,
        _ => false,
    }
}

/// What a legal transition obliges; money effects only for paid orders.
fn effects(from: OrderStatus, to: OrderStatus, paid: bool) -> Vec<Effect> {
    use Effect::*;
    use OrderStatus as S;
    let mut effects = match (from, to) {
        (S::Pending, S::New) => vec![HoldEscrow],
        (S::Pending | S::Failed, S::Canceled) => vec![ReleaseStock],
        (_, S::Canceled | S::Declined) => vec![ReleaseStock, RefundFull],
        (S::ReturnRequested, S::TrialActive) => Vec::new(),
        (_, S::TrialActive) => vec![StartTrialClock],
        (_, S::Disputed) => vec![FreezeEscrow],
        (S::Disputed, S::Returned) => vec![ReleaseStock, SettleDispute],
        (S::Disputed, S::Completed) => vec![CommitStock, SettleDispute],
        (_, S::Returned) => vec![ReleaseStock, RefundLessPenalty],
        (_, S::Completed) => vec![CommitStock, ReleaseEscrow],
        _ => Vec::new(),
    };
    if !paid {
        effects.retain(|effect| !effect.moves_money());
    }
    effects
}

#[cfg(test)]
mod tests {
    use super::OrderStatus::*;
    use super::Party::{Admin, Buyer, Seller, System};
    use super::*;
    use souk_kernel::Role;

    const PARTIES: [Party; 4] = [Buyer, Seller, Admin, System];

    /// A fact a row of the table needs, besides the party.
    #[derive(Debug, Clone, Copy)]
    enum Needs {
        Nothing,
        Paid,
        Unpaid,
        Trial,
        NoTrial,
        TrialRunning,
        TrialOver,
    }

    impl Needs {
        fn holds(self, ctx: &TransitionContext) -> bool {
            match self {
                Needs::Nothing => true,
                Needs::Paid => ctx.paid,
                Needs::Unpaid => !ctx.paid,
                Needs::Trial => ctx.has_trial,
                Needs::NoTrial => !ctx.has_trial,
                Needs::TrialRunning => !ctx.trial_over,
                Needs::TrialOver => ctx.trial_over,
            }
        }
    }

    /// One row: from any of these, to any of these, by any of these parties, when the fact holds.
    type Row = (&'static [OrderStatus], &'static [OrderStatus], &'static [Party], Needs);

    /// API.md section 4, transcribed: (from, to, who, needs). Anything not listed is illegal.
    const TABLE: &[Row] = &[
        (&[Pending], &[New], &[System], Needs::Paid),
        (&[Pending], &[Failed], &[System], Needs::Unpaid),
        (&[Pending, Failed], &[Canceled], &[Buyer, Admin, System], Needs::Unpaid),
        (&[Failed], &[Pending], &[Buyer], Needs::Nothing),
        (&[New], &[Accepted], &[Seller, Admin], Needs::Nothing),
        (&[New], &[Declined], &[Seller, Admin], Needs::Nothing),
        (&[Accepted], &[Shipped, ServiceProvided], &[Seller, Admin], Needs::Nothing),
        (&[Shipped], &[Delivered], &[Seller, System, Buyer, Admin], Needs::Nothing),
        (&[Delivered, ServiceProvided, CustomerConfirmed], &[TrialActive], &[System], Needs::Trial),
        (&[Delivered, ServiceProvided], &[CustomerConfirmed], &[Buyer], Needs::Nothing),
        (&[TrialActive], &[ReturnRequested], &[Buyer], Needs::TrialRunning),
        (&[ReturnRequested], &[Returned], &[Seller], Needs::Nothing),
        (&[ReturnRequested], &[Disputed], &[Seller], Needs::Nothing),
        (&[ReturnRequested], &[TrialActive], &[System], Needs::Nothing),
        (&[Disputed], &[Returned, Completed], &[Admin], Needs::Nothing),
        (&[Delivered, CustomerConfirmed, ServiceProvided], &[Completed], &[System], Needs::NoTrial),
        (&[Delivered, CustomerConfirmed, ServiceProvided], &[Completed], &[Buyer, Admin], Needs::Nothing),
        (&[TrialActive], &[Completed], &[System, Buyer, Admin], Needs::TrialOver),
        (&[New], &[Canceled], &[Buyer, Seller, Admin], Needs::Nothing),
        (&[Accepted], &[Canceled], &[Seller, Admin], Needs::Nothing),
    ];

    fn expected(from: OrderStatus, to: OrderStatus, ctx: &TransitionContext) -> bool {
        TABLE.iter().any(|(froms, tos, who, needs)| {
            froms.contains(&from) && tos.contains(&to) && who.contains(&ctx.party) && needs.holds(ctx)
        })
    }

    /// Every context: 4 parties x has_trial x trial_over x paid.
    fn contexts() -> Vec<TransitionContext> {
        let mut all = Vec::new();
        for party in PARTIES {
            for has_trial in [false, true] {
                for trial_over in [false, true] {
                    for paid in [false, true] {
                        all.push(TransitionContext { party, has_trial, trial_over, paid });
                    }
                }
            }
        }
        all
    }

    fn ctx(party: Party) -> TransitionContext {
        TransitionContext { paid: true, ..TransitionContext::new(party) }
    }

    fn ok(from: OrderStatus, to: OrderStatus, ctx: TransitionContext) -> Vec<Effect> {
        match transition(from, to, &ctx) {
            Ok(done) => {
                assert_eq!((done.from, done.to), (from, to));
                done.effects
            }
            Err(err) => panic!("{from} -> {to} for {ctx:?} refused: {err:?}"),
        }
    }

    fn refused(from: OrderStatus, to: OrderStatus, ctx: TransitionContext) {
        assert!(transition(from, to, &ctx).is_err(), "{from} -> {to} for {ctx:?} was allowed");
    }

    /// Asserts exactly `who` may move `from -> to` in contexts built by `with`.
    fn only(from: OrderStatus, to: OrderStatus, who: &[Party], with: impl Fn(Party) -> TransitionContext) {
        for party in PARTIES {
            let legal = transition(from, to, &with(party)).is_ok();
            assert_eq!(legal, who.contains(&party), "{from} -> {to} by {party}");
        }
    }

    #[test]
    fn every_combination_matches_the_transcribed_table() {
        let mut checked = 0;
        let mut legal = 0;
        for from in OrderStatus::ALL.iter().copied() {
            for to in OrderStatus::ALL.iter().copied() {
                for ctx in contexts() {
                    let want = expected(from, to, &ctx);
                    let got = transition(from, to, &ctx);
                    assert_eq!(got.is_ok(), want, "{from} -> {to} for {ctx:?}: {got:?}");
                    if let Ok(done) = got {
                        assert_eq!(done.to, to);
                        legal += 1;
                    }
                    checked += 1;
                }
            }
        }
        assert_eq!(checked, 15 * 15 * 4 * 2 * 2 * 2);
        assert_eq!(legal, 320, "the number of legal (from, to, context) combinations changed");
    }

    #[test]
    fn every_refusal_lists_exactly_what_is_allowed() {
        for from in OrderStatus::ALL.iter().copied() {
            for ctx in contexts() {
                let allowed_now = allowed(from, &ctx);
                let names: Vec<String> = allowed_now.iter().map(|s| s.as_str().to_owned()).collect();
                for to in OrderStatus::ALL.iter().copied() {
                    assert_eq!(allowed_now.contains(&to), transition(from, to, &ctx).is_ok());
                    match transition(from, to, &ctx) {
                        Err(DomainError::InvalidTransition { from: f, event, allowed }) => {
                            assert_eq!(f, from.as_str());
                            assert_eq!(event, format!("move to {}", to.as_str()));
                            assert_eq!(allowed, names);
                        }
                        Err(other) => panic!("unexpected error {other:?}"),
                        Ok(_) => {}
                    }
                }
            }
        }
    }

    #[test]
    fn the_refusal_reads_as_a_sentence() {
        let err = transition(New, Shipped, &ctx(Seller)).unwrap_err();
        assert_eq!(err.to_string(), "cannot move to shipped from new");
    }

    #[test]
    fn final_states_allow_nothing() {
        let finals: Vec<OrderStatus> =
            OrderStatus::ALL.iter().copied().filter(OrderStatus::is_final).collect();
        assert_eq!(finals, [Declined, Returned, Completed, Canceled]);
        for from in finals {
            for ctx in contexts() {
                assert!(allowed(from, &ctx).is_empty(), "{from} allows moves for {ctx:?}");
            }
        }
        for from in OrderStatus::ALL.iter().copied().filter(|s| !s.is_final()) {
            assert!(contexts().iter().any(|ctx| !allowed(from, ctx).is_empty()), "{from} is a dead end");
        }
    }

    #[test]
    fn staying_put_is_not_a_transition() {
        for status in OrderStatus::ALL.iter().copied() {
            for ctx in contexts() {
                assert!(transition(status, status, &ctx).is_err(), "{status} -> {status}");
            }
        }
    }

    #[test]
    fn payment_webhook_moves_pending_to_new_or_failed() {
        only(Pending, New, &[System], ctx);
        assert_eq!(ok(Pending, New, ctx(System)), [Effect::HoldEscrow]);
        refused(Pending, New, TransitionContext::new(System));
        let unpaid = TransitionContext::new;
        only(Pending, Failed, &[System], unpaid);
        assert!(ok(Pending, Failed, unpaid(System)).is_empty());
        refused(Pending, Failed, ctx(System));
    }

    #[test]
    fn unpaid_orders_cancel_by_buyer_admin_or_expiry_and_release_stock() {
        for from in [Pending, Failed] {
            only(from, Canceled, &[Buyer, Admin, System], TransitionContext::new);
            assert_eq!(ok(from, Canceled, TransitionContext::new(Buyer)), [Effect::ReleaseStock]);
            refused(from, Canceled, ctx(Buyer));
        }
    }

    #[test]
    fn the_buyer_retries_a_failed_payment() {
        only(Failed, Pending, &[Buyer], TransitionContext::new);
        only(Failed, Pending, &[Buyer], ctx);
        assert!(ok(Failed, Pending, TransitionContext::new(Buyer)).is_empty());
    }

    #[test]
    fn the_seller_or_an_admin_accepts_or_declines_a_new_order() {
        only(New, Accepted, &[Seller, Admin], ctx);
        assert!(ok(New, Accepted, ctx(Seller)).is_empty());
        only(New, Declined, &[Seller, Admin], ctx);
        assert_eq!(ok(New, Declined, ctx(Admin)), [Effect::ReleaseStock, Effect::RefundFull]);
    }

    #[test]
    fn the_seller_or_an_admin_ships_or_provides_the_service() {
        for to in [Shipped, ServiceProvided] {
            only(Accepted, to, &[Seller, Admin], ctx);
            assert!(ok(Accepted, to, ctx(Seller)).is_empty());
        }
        refused(New, Shipped, ctx(Seller));
    }

    #[test]
    fn anyone_but_an_unrelated_caller_records_delivery() {
        only(Shipped, Delivered, &[Buyer, Seller, Admin, System], ctx);
        let with_trial = TransitionContext { has_trial: true, ..ctx(System) };
        assert!(ok(Shipped, Delivered, with_trial).is_empty(), "the clock starts in trial_active");
    }

    #[test]
    fn the_system_opens_the_trial_only_when_one_applies() {
        for from in [Delivered, ServiceProvided, CustomerConfirmed] {
            only(from, TrialActive, &[System], |party| TransitionContext { has_trial: true, ..ctx(party) });
            only(from, TrialActive, &[], ctx);
            let trial = TransitionContext { has_trial: true, ..ctx(System) };
            assert_eq!(ok(from, TrialActive, trial), [Effect::StartTrialClock]);
        }
        refused(Shipped, TrialActive, TransitionContext { has_trial: true, ..ctx(System) });
    }

    #[test]
    fn the_buyer_confirms_receipt() {
        for from in [Delivered, ServiceProvided] {
            only(from, CustomerConfirmed, &[Buyer], ctx);
            assert!(
                ok(from, CustomerConfirmed, TransitionContext { has_trial: true, ..ctx(Buyer) }).is_empty()
            );
        }
        refused(Shipped, CustomerConfirmed, ctx(Buyer));
    }

    #[test]
    fn the_buyer_requests_a_return_only_within_the_trial() {
        let running = |party| TransitionContext { has_trial: true, ..ctx(party) };
        only(TrialActive, ReturnRequested, &[Buyer], running);
        assert!(ok(TrialActive, ReturnRequested, running(Buyer)).is_empty());
        refused(TrialActive, ReturnRequested, TransitionContext { trial_over: true, ..running(Buyer) });
        refused(Delivered, ReturnRequested, running(Buyer));
    }

    #[test]
    fn the_seller_confirms_the_return_or_claims_a_defect() {
        only(ReturnRequested, Returned, &[Seller], ctx);
        assert_eq!(
            ok(ReturnRequested, Returned, ctx(Seller)),
            [Effect::ReleaseStock, Effect::RefundLessPenalty]
        );
        only(ReturnRequested, Disputed, &[Seller], ctx);
        assert_eq!(ok(ReturnRequested, Disputed, ctx(Seller)), [Effect::FreezeEscrow]);
    }

    #[test]
    fn an_unscanned_return_expires_back_into_the_trial_without_effects() {
        only(ReturnRequested, TrialActive, &[System], ctx);
        let trial = |party| TransitionContext { has_trial: true, ..ctx(party) };
        only(ReturnRequested, TrialActive, &[System], trial);
        assert!(ok(ReturnRequested, TrialActive, trial(System)).is_empty(), "the trial clock keeps running");
        let over = TransitionContext { trial_over: true, ..trial(System) };
        assert!(ok(ReturnRequested, TrialActive, over).is_empty());
        assert_eq!(allowed(ReturnRequested, &ctx(System)), [TrialActive]);
    }

    #[test]
    fn an_admin_resolves_a_dispute() {
        only(Disputed, Returned, &[Admin], ctx);
        assert_eq!(ok(Disputed, Returned, ctx(Admin)), [Effect::ReleaseStock, Effect::SettleDispute]);
        only(Disputed, Completed, &[Admin], ctx);
        assert_eq!(ok(Disputed, Completed, ctx(Admin)), [Effect::CommitStock, Effect::SettleDispute]);
    }

    #[test]
    fn completion_without_a_trial_by_the_system_buyer_or_admin() {
        for from in [Delivered, CustomerConfirmed, ServiceProvided] {
            only(from, Completed, &[Buyer, Admin, System], ctx);
            assert_eq!(ok(from, Completed, ctx(System)), [Effect::CommitStock, Effect::ReleaseEscrow]);
        }
    }

    #[test]
    fn with_a_trial_the_system_completes_only_after_it_and_the_buyer_may_waive_it() {
        let trial = |party| TransitionContext { has_trial: true, ..ctx(party) };
        for from in [Delivered, CustomerConfirmed, ServiceProvided] {
            only(from, Completed, &[Buyer, Admin], trial);
            assert_eq!(allowed(from, &trial(System)), [TrialActive]);
        }
        only(TrialActive, Completed, &[], trial);
        let over = |party| TransitionContext { trial_over: true, ..trial(party) };
        only(TrialActive, Completed, &[Buyer, Admin, System], over);
        assert_eq!(ok(TrialActive, Completed, over(System)), [Effect::CommitStock, Effect::ReleaseEscrow]);
    }

    #[test]
    fn paid_orders_cancel_before_fulfilment_with_a_full_refund() {
        only(New, Canceled, &[Buyer, Seller, Admin], ctx);
        assert_eq!(ok(New, Canceled, ctx(Buyer)), [Effect::ReleaseStock, Effect::RefundFull]);
        only(Accepted, Canceled, &[Seller, Admin], ctx);
        assert_eq!(ok(Accepted, Canceled, ctx(Seller)), [Effect::ReleaseStock, Effect::RefundFull]);
        for from in [Shipped, ServiceProvided, Delivered, TrialActive, ReturnRequested, Disputed] {
            for ctx in contexts() {
                refused(from, Canceled, ctx);
            }
        }
    }

    #[test]
    fn unpaid_orders_move_stock_but_no_money() {
        let unpaid = TransitionContext::new;
        assert_eq!(ok(New, Canceled, unpaid(Seller)), [Effect::ReleaseStock]);
        assert_eq!(ok(New, Declined, unpaid(Seller)), [Effect::ReleaseStock]);
        assert_eq!(ok(Delivered, Completed, unpaid(System)), [Effect::CommitStock]);
        assert_eq!(ok(ReturnRequested, Returned, unpaid(Seller)), [Effect::ReleaseStock]);
        assert!(ok(ReturnRequested, Disputed, unpaid(Seller)).is_empty());
        assert_eq!(ok(Disputed, Completed, unpaid(Admin)), [Effect::CommitStock]);
        let trial = TransitionContext { has_trial: true, ..unpaid(System) };
        assert_eq!(ok(Delivered, TrialActive, trial), [Effect::StartTrialClock]);
    }

    #[test]
    fn allowed_lists_what_each_party_may_request_now() {
        assert_eq!(allowed(Pending, &TransitionContext::new(Buyer)), [Canceled]);
        assert_eq!(allowed(Pending, &TransitionContext::new(System)), [Failed, Canceled]);
        assert_eq!(allowed(Pending, &ctx(System)), [New]);
        assert!(allowed(Pending, &TransitionContext::new(Seller)).is_empty());
        assert_eq!(allowed(Failed, &TransitionContext::new(Buyer)), [Pending, Canceled]);
        assert_eq!(allowed(New, &ctx(Seller)), [Accepted, Declined, Canceled]);
        assert_eq!(allowed(New, &ctx(Buyer)), [Canceled]);
        assert_eq!(allowed(Accepted, &ctx(Admin)), [Shipped, ServiceProvided, Canceled]);
        assert!(allowed(Accepted, &ctx(Buyer)).is_empty());
        assert_eq!(allowed(Shipped, &ctx(Buyer)), [Delivered]);
        assert_eq!(allowed(Delivered, &ctx(Buyer)), [CustomerConfirmed, Completed]);
        assert!(allowed(Delivered, &ctx(Seller)).is_empty());
        let trial = TransitionContext { has_trial: true, ..ctx(Buyer) };
        assert_eq!(allowed(TrialActive, &trial), [ReturnRequested]);
        assert_eq!(allowed(TrialActive, &TransitionContext { trial_over: true, ..trial }), [Completed]);
        assert_eq!(allowed(ReturnRequested, &ctx(Seller)), [Returned, Disputed]);
        assert!(allowed(ReturnRequested, &ctx(Admin)).is_empty());
        assert_eq!(allowed(Disputed, &ctx(Admin)), [Returned, Completed]);
    }

    #[test]
    fn statuses_travel_by_their_wire_names() {
        let names = OrderStatus::ALL.iter().map(OrderStatus::as_str).collect::<Vec<_>>().join(",");
        assert_eq!(
            names,
            "pending,failed,new,accepted,declined,shipped,service_provided,delivered,customer_confirmed,\
             trial_active,return_requested,returned,disputed,completed,canceled"
        );
        for status in OrderStatus::ALL.iter().copied() {
            assert_eq!(status.as_str().parse::<OrderStatus>(), Ok(status));
        }
        assert!("cancelled".parse::<OrderStatus>().is_err());
        assert_eq!(Party::System.to_string(), "system");
        assert_eq!(Effect::ReleaseEscrow.as_str(), "release_escrow");
    }

    #[test]
    fn the_acting_user_maps_to_a_party_of_the_order() {
        let (buyer, seller, other) = (UserId::new(), UserId::new(), UserId::new());
        let user = |id, role| Actor::User { id, role };
        assert_eq!(Party::of(&user(buyer, Role::Buyer), buyer, seller), Some(Buyer));
        assert_eq!(Party::of(&user(seller, Role::Seller), buyer, seller), Some(Seller));
        assert_eq!(Party::of(&user(other, Role::Admin), buyer, seller), Some(Admin));
        assert_eq!(Party::of(&user(other, Role::Buyer), buyer, seller), None);
        assert_eq!(Party::of(&user(other, Role::Seller), buyer, seller), None);
        assert_eq!(Party::of(&Actor::Anonymous, buyer, seller), None);
        assert_eq!(Party::of(&user(buyer, Role::Admin), buyer, seller), Some(Buyer), "party before role");
        assert_eq!(Party::of(&user(buyer, Role::Seller), buyer, buyer), Some(Buyer), "self-purchase");
        let client =
            Actor::Client { client_id: "erp".into(), owner: seller, role: Role::Seller, scopes: vec![] };
        assert_eq!(Party::of(&client, buyer, seller), Some(Seller));
    }
}
