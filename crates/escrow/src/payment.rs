//! Payments: one attempt to collect the buyer's money for one order or every order of a cart,
//! and the status a buyer sees, derived from what the ledger moved rather than stored beside it.

use chrono::{DateTime, Utc};
use souk_kernel::{Currency, UserId};
use uuid::Uuid;

souk_kernel::typed_id!(
    /// Identifies a payment attempt.
    PaymentId
);

souk_kernel::wire_enum!(
    /// Where a payment attempt stands with its provider.
    AttemptStatus {
        /// Initiated; the provider has not called back.
        Pending = "pending",
        /// The provider captured the money.
        Succeeded = "succeeded",
        /// The provider reported a failure.
        Failed = "failed",
    }
);

souk_kernel::wire_enum!(
    /// Where the buyer's money stands (`GET /payments/status`).
    PaymentStatus {
        /// Awaiting the provider.
        Pending = "pending",
        /// Captured and held in escrow.
        HeldInEscrow = "held_in_escrow",
        /// Released to the seller.
        ReleasedToSeller = "released_to_seller",
        /// Paid back in full.
        Refunded = "refunded",
        /// Paid back in part.
        PartiallyRefunded = "partially_refunded",
        /// The provider reported a failure.
        Failed = "failed",
    }
);

/// What the ledger moved for a payment's orders, in minor units.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct MoneyTrail {
    /// Captured into escrow.
    pub held: i64,
    /// Released to the seller (fee included).
    pub released: i64,
    /// Paid back to the buyer (from escrow, or from the seller's balance after release).
    pub refunded: i64,
    /// Still in the orders' escrow accounts.
    pub in_escrow: i64,
}

/// The buyer-facing status of an attempt given what the ledger moved: refunds win over
/// releases (a refund after release is still a refund), and money still in escrow is held.
pub fn payment_status(attempt: AttemptStatus, trail: &MoneyTrail) -> PaymentStatus {
    match attempt {
        AttemptStatus::Pending => PaymentStatus::Pending,
        AttemptStatus::Failed => PaymentStatus::Failed,
        AttemptStatus::Succeeded if trail.held > 0 && trail.refunded >= trail.held => PaymentStatus::Refunded,
        AttemptStatus::Succeeded if trail.refunded > 0 => PaymentStatus::PartiallyRefunded,
        AttemptStatus::Succeeded if trail.in_escrow > 0 => PaymentStatus::HeldInEscrow,
        AttemptStatus::Succeeded if trail.released > 0 => PaymentStatus::ReleasedToSeller,
        AttemptStatus::Succeeded => PaymentStatus::HeldInEscrow,
    }
}

/// A payment attempt.
#[derive(Debug, Clone, PartialEq)]
pub struct Payment {
    /// Id.
    pub id: PaymentId,
    /// The reference the provider knows it by.
    pub tx_ref: String,
    /// The gateway it goes through.
    pub gateway_id: Uuid,
    /// Who pays.
    pub buyer_id: UserId,
    /// The cart, when it pays every order of one.
    pub cart_id: Option<Uuid>,
    /// The currency.
    pub currency: Currency,
    /// The amount to collect, in minor units.
    pub amount: i64,
    /// The provider's verdict.
    pub status: AttemptStatus,
    /// The provider's own reference.
    pub provider_reference: Option<String>,
    /// How the buyer paid (`card`, `mobile_money`, ...), when the provider says.
    pub method: Option<String>,
    /// Card brand, when known.
    pub card_brand: Option<String>,
    /// Last four card digits, when known.
    pub card_last4: Option<String>,
    /// Where the buyer pays.
    pub checkout_url: Option<String>,
    /// When the money was captured.
    pub paid_at: Option<DateTime<Utc>>,
    /// The orders it pays and how much of it each receives.
    pub orders: Vec<(Uuid, i64)>,
    /// Creation time.
    pub created_at: DateTime<Utc>,
    /// Last change.
    pub updated_at: DateTime<Utc>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_status_follows_the_money() {
        use AttemptStatus::*;
        let trail = |held, released, refunded| MoneyTrail {
            held,
            released,
            refunded,
            in_escrow: held - released - refunded,
        };
        assert_eq!(payment_status(Pending, &trail(0, 0, 0)), PaymentStatus::Pending);
        assert_eq!(payment_status(Failed, &trail(0, 0, 0)), PaymentStatus::Failed);
        assert_eq!(payment_status(Succeeded, &trail(100, 0, 0)), PaymentStatus::HeldInEscrow);
        assert_eq!(payment_status(Succeeded, &trail(100, 100, 0)), PaymentStatus::ReleasedToSeller);
        assert_eq!(payment_status(Succeeded, &trail(100, 0, 100)), PaymentStatus::Refunded);
        assert_eq!(payment_status(Succeeded, &trail(100, 60, 40)), PaymentStatus::PartiallyRefunded);
        assert_eq!(payment_status(Succeeded, &trail(100, 0, 40)), PaymentStatus::PartiallyRefunded);
    }
}
