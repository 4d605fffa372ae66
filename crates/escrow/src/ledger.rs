//! The double-entry ledger: every money movement of Souk is a transfer whose legs sum to zero,
//! posted under an idempotency key so a retried provider callback or job posts it once.
//!
//! Sign convention: a leg's amount is added to its account's balance. `buyer_funding` is the one
//! account that goes negative (it stands for money that came in from outside through a payment
//! provider); every other account must stay at zero or above, and storage refuses a transfer that
//! would take one below zero. The sum of all balances of a currency is therefore always zero.

use souk_kernel::{Currency, DomainError};
use uuid::Uuid;

souk_kernel::wire_enum!(
    /// What an account holds money for.
    AccountKind {
        /// Money a buyer paid in through a provider (negative: owed back to the outside world).
        BuyerFunding = "buyer_funding",
        /// One order's escrow: the buyer's payment until it is released or refunded.
        OrderEscrow = "order_escrow",
        /// A seller's earned money, ready to be paid out.
        SellerAvailable = "seller_available",
        /// What a seller has been paid out.
        SellerPaidOut = "seller_paid_out",
        /// The platform's fees.
        PlatformRevenue = "platform_revenue",
        /// What was paid back to buyers.
        Refunds = "refunds",
    }
);

impl AccountKind {
    /// True when the balance may go below zero; only money from outside (`buyer_funding`) does.
    pub fn may_go_negative(&self) -> bool {
        *self == AccountKind::BuyerFunding
    }
}

/// The owner id of accounts that belong to the platform, not to a user or order.
pub const PLATFORM_OWNER: Uuid = Uuid::nil();

/// Names one account: its kind, whose it is and its currency (one account per triple).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct AccountRef {
    /// What it holds.
    pub kind: AccountKind,
    /// The buyer, order or seller it belongs to ([`PLATFORM_OWNER`] for platform accounts).
    pub owner: Uuid,
    /// The seller an order's escrow will be released to, so a seller's pending balance is one
    /// query; set for `order_escrow`, `seller_available` and `seller_paid_out`.
    pub seller: Option<Uuid>,
    /// Its currency.
    pub currency: Currency,
}

impl AccountRef {
    /// The buyer's funding account in a currency.
    pub fn buyer_funding(buyer: Uuid, currency: Currency) -> Self {
        Self { kind: AccountKind::BuyerFunding, owner: buyer, seller: None, currency }
    }

    /// An order's escrow, released to `seller`.
    pub fn order_escrow(order: Uuid, seller: Uuid, currency: Currency) -> Self {
        Self { kind: AccountKind::OrderEscrow, owner: order, seller: Some(seller), currency }
    }

    /// A seller's available balance.
    pub fn seller_available(seller: Uuid, currency: Currency) -> Self {
        Self { kind: AccountKind::SellerAvailable, owner: seller, seller: Some(seller), currency }
    }

    /// What a seller has been paid out.
    pub fn seller_paid_out(seller: Uuid, currency: Currency) -> Self {
        Self { kind: AccountKind::SellerPaidOut, owner: seller, seller: Some(seller), currency }
    }

    /// The platform's fee revenue.
    pub fn platform_revenue(currency: Currency) -> Self {
        Self { kind: AccountKind::PlatformRevenue, owner: PLATFORM_OWNER, seller: None, currency }
    }

    /// Refunds paid back to a buyer.
    pub fn refunds(buyer: Uuid, currency: Currency) -> Self {
        Self { kind: AccountKind::Refunds, owner: buyer, seller: None, currency }
    }
}

souk_kernel::wire_enum!(
    /// Why money moved.
    TransferKind {
        /// A captured payment enters an order's escrow.
        Hold = "hold",
        /// Escrow goes to the seller (less the fee).
        Release = "release",
        /// The platform fee taken on release.
        Fee = "fee",
        /// Money goes back to the buyer.
        Refund = "refund",
        /// The trial penalty goes to the seller when a trial return is confirmed.
        Penalty = "penalty",
        /// A seller's available balance is paid out.
        Payout = "payout",
    }
);

/// One side of a transfer: an amount added to an account's balance.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Leg {
    /// The account.
    pub account: AccountRef,
    /// Added to its balance (negative takes money out).
    pub amount: i64,
}

/// A balanced movement of money, posted at most once per `key`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Transfer {
    /// Idempotency key: a second transfer with the same key is not posted.
    pub key: String,
    /// Why.
    pub kind: TransferKind,
    /// The currency of every leg.
    pub currency: Currency,
    /// The order it belongs to, if any.
    pub order_id: Option<Uuid>,
    /// The payment it belongs to, if any.
    pub payment_id: Option<Uuid>,
    /// The legs; they sum to zero.
    pub legs: Vec<Leg>,
    /// A note for the ledger reader.
    pub memo: Option<String>,
}

impl Transfer {
    /// Moves `amount` (> 0) from one account to another.
    pub fn between(
        key: impl Into<String>,
        kind: TransferKind,
        from: AccountRef,
        to: AccountRef,
        amount: i64,
    ) -> Result<Transfer, DomainError> {
        let transfer = Transfer {
            key: key.into(),
            kind,
            currency: from.currency,
            order_id: None,
            payment_id: None,
            legs: vec![Leg { account: from, amount: -amount }, Leg { account: to, amount }],
            memo: None,
        };
        transfer.check()?;
        Ok(transfer)
    }

    /// The same transfer about an order.
    pub fn for_order(mut self, order_id: Uuid) -> Transfer {
        self.order_id = Some(order_id);
        self
    }

    /// The same transfer about a payment.
    pub fn for_payment(mut self, payment_id: Uuid) -> Transfer {
        self.payment_id = Some(payment_id);
        self
    }

    /// The same transfer with a note.
    pub fn with_memo(mut self, memo: impl Into<String>) -> Transfer {
        self.memo = Some(memo.into());
        self
    }

    /// The money moved: the sum of the positive legs.
    pub fn amount(&self) -> i64 {
        self.legs.iter().map(|l| l.amount).filter(|a| *a > 0).sum()
    }

    /// Refuses a transfer that would create or destroy money: legs must be non-zero, in the
    /// transfer's currency, on distinct accounts, and sum to zero.
    pub fn check(&self) -> Result<(), DomainError> {
        if self.key.is_empty() || self.key.len() > 200 {
            return Err(DomainError::unexpected("a ledger transfer needs a key of 1 to 200 characters"));
        }
        if self.legs.len() < 2 {
            return Err(DomainError::unexpected("a ledger transfer needs at least two legs"));
        }
        let mut sum: i128 = 0;
        for (i, leg) in self.legs.iter().enumerate() {
            if leg.amount == 0 {
                return Err(DomainError::unexpected("a ledger leg moves no money"));
            }
            if leg.account.currency != self.currency {
                return Err(DomainError::unexpected("a ledger transfer mixes currencies"));
            }
            if self.legs[..i].iter().any(|other| other.account == leg.account) {
                return Err(DomainError::unexpected("a ledger transfer names one account twice"));
            }
            sum += i128::from(leg.amount);
        }
        if sum != 0 {
            return Err(DomainError::unexpected("a ledger transfer does not balance"));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn usd() -> Currency {
        Currency::from_code("USD").unwrap()
    }

    #[test]
    fn a_transfer_between_two_accounts_balances() {
        let buyer = Uuid::now_v7();
        let order = Uuid::now_v7();
        let seller = Uuid::now_v7();
        let t = Transfer::between(
            "hold:1",
            TransferKind::Hold,
            AccountRef::buyer_funding(buyer, usd()),
            AccountRef::order_escrow(order, seller, usd()),
            1999,
        )
        .unwrap()
        .for_order(order);
        assert_eq!(t.amount(), 1999);
        assert_eq!(t.legs.iter().map(|l| l.amount).sum::<i64>(), 0);
        assert_eq!(t.order_id, Some(order));
    }

    #[test]
    fn unbalanced_zero_mixed_or_self_transfers_are_refused() {
        let a = AccountRef::platform_revenue(usd());
        let b = AccountRef::refunds(Uuid::now_v7(), usd());
        assert!(Transfer::between("k", TransferKind::Refund, a, b, 0).is_err());
        assert!(Transfer::between("k", TransferKind::Refund, a, a, 5).is_err());
        let eur = AccountRef::platform_revenue(Currency::from_code("EUR").unwrap());
        assert!(Transfer::between("k", TransferKind::Refund, a, eur, 5).is_err());
        let mut t = Transfer::between("k", TransferKind::Refund, a, b, 5).unwrap();
        t.legs[1].amount = 6;
        assert!(t.check().is_err());
        assert!(Transfer::between("", TransferKind::Refund, a, b, 5).is_err());
    }

    #[test]
    fn only_buyer_funding_may_go_negative() {
        for kind in AccountKind::ALL {
            assert_eq!(kind.may_go_negative(), *kind == AccountKind::BuyerFunding, "{kind}");
        }
    }
}
