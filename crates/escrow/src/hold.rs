//! Holds: an order's escrow account as its seller and admins see it, with what came in, what
//! went to the seller, what went back to the buyer, and what it holds now.

use souk_kernel::DomainError;

souk_kernel::wire_enum!(
    /// Where an order's escrow stands.
    HoldStatus {
        /// The account still holds money.
        Held = "held",
        /// Empty, and some or all of it went to the seller (a dispute split counts as released).
        Released = "released",
        /// Empty, and all of it went back to the buyer.
        Refunded = "refunded",
    }
);

/// What an order's escrow account moved, in minor units; `held = amount + released + refunded`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct HoldFigures {
    /// Held now (the account's balance).
    pub amount: i64,
    /// Every amount that entered the account.
    pub held: i64,
    /// What left it for the seller (the platform fee and a trial penalty included).
    pub released: i64,
    /// What left it back to the buyer.
    pub refunded: i64,
}

impl HoldFigures {
    /// The status these figures show.
    pub fn status(&self) -> HoldStatus {
        if self.amount > 0 {
            HoldStatus::Held
        } else if self.released > 0 {
            HoldStatus::Released
        } else {
            HoldStatus::Refunded
        }
    }

    /// Refuses figures that do not add up (a ledger that lost or created money).
    pub fn check(&self) -> Result<(), DomainError> {
        if self.amount < 0 || self.held != self.amount + self.released + self.refunded {
            return Err(DomainError::unexpected(
                "an order escrow account's entries do not add up to its balance",
            ));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_hold_is_held_until_empty_then_released_or_refunded() {
        let held = HoldFigures { amount: 500, held: 1000, released: 0, refunded: 500 };
        assert_eq!(held.status(), HoldStatus::Held);
        let split = HoldFigures { amount: 0, held: 1000, released: 600, refunded: 400 };
        assert_eq!(split.status(), HoldStatus::Released);
        let refunded = HoldFigures { amount: 0, held: 1000, released: 0, refunded: 1000 };
        assert_eq!(refunded.status(), HoldStatus::Refunded);
        for figures in [held, split, refunded] {
            assert!(figures.check().is_ok());
        }
    }

    #[test]
    fn figures_that_do_not_add_up_are_refused() {
        assert!(HoldFigures { amount: 1, held: 1000, released: 1000, refunded: 0 }.check().is_err());
        assert!(HoldFigures { amount: -1, held: 0, released: 0, refunded: 1 }.check().is_err());
    }
}
