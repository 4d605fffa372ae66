//! Disputes: a seller's defect claim on a returned product freezes the order's escrow until an
//! admin decides who gets it.

use souk_kernel::DomainError;

souk_kernel::wire_enum!(
    /// Whether a dispute still waits for an admin.
    DisputeStatus { Open = "open", Resolved = "resolved" }
);

souk_kernel::wire_enum!(
    /// How an admin resolved a dispute.
    Outcome {
        /// Everything in escrow goes back to the buyer; the order is `returned`.
        RefundBuyer = "refund_buyer",
        /// Everything in escrow goes to the seller (less the platform fee); the order is `completed`.
        ReleaseToSeller = "release_to_seller",
        /// The buyer gets `buyer_amount`, the seller the rest (less the fee); the order is `completed`.
        Split = "split",
    }
);

/// How the escrow of a disputed order is divided: `(to buyer, to seller)`, both in minor units.
pub fn divide(
    outcome: Outcome,
    in_escrow: i64,
    buyer_amount: Option<i64>,
) -> Result<(i64, i64), DomainError> {
    match (outcome, buyer_amount) {
        (Outcome::RefundBuyer, None) => Ok((in_escrow, 0)),
        (Outcome::ReleaseToSeller, None) => Ok((0, in_escrow)),
        (Outcome::Split, Some(buyer)) if buyer > 0 && buyer < in_escrow => Ok((buyer, in_escrow - buyer)),
        (Outcome::Split, Some(_)) => Err(DomainError::invalid(
            "buyer_amount",
            "must be more than zero and less than what the escrow holds; use refund_buyer or release_to_seller for all of it",
        )),
        (Outcome::Split, None) => Err(DomainError::invalid("buyer_amount", "is required for a split")),
        (_, Some(_)) => Err(DomainError::invalid("buyer_amount", "is only given for a split")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn resolutions_divide_exactly_what_is_in_escrow() {
        assert_eq!(divide(Outcome::RefundBuyer, 1000, None).unwrap(), (1000, 0));
        assert_eq!(divide(Outcome::ReleaseToSeller, 1000, None).unwrap(), (0, 1000));
        assert_eq!(divide(Outcome::Split, 1000, Some(333)).unwrap(), (333, 667));
        for bad in [Some(0), Some(1000), Some(-1), None] {
            assert!(divide(Outcome::Split, 1000, bad).is_err(), "{bad:?}");
        }
        assert!(divide(Outcome::RefundBuyer, 1000, Some(5)).is_err());
    }
}
