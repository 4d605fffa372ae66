//! Fee and penalty arithmetic on integer minor units.
//!
//! Rounding: both the platform fee and a percentage trial penalty round DOWN to the minor unit,
//! so neither the platform nor a seller ever takes more than the stated percentage; the remainder
//! stays with the seller (fee) or goes back to the buyer (penalty). A penalty never exceeds what
//! is left in escrow, so a refund is never negative.

/// `basis_points`/10000 of `amount`, rounded down (both non-negative).
pub fn percentage_down(amount: i64, basis_points: i64) -> i64 {
    let product = i128::from(amount.max(0)) * i128::from(basis_points.max(0));
    i64::try_from(product / 10_000).unwrap_or(i64::MAX)
}

/// Parses a percentage such as `2.5` into basis points (0 to 100 with at most two decimals).
pub fn percent_to_basis_points(percent: &str) -> Option<i64> {
    let text = percent.trim();
    let (whole, fraction) = text.split_once('.').unwrap_or((text, ""));
    if whole.is_empty() || fraction.len() > 2 || !whole.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    if !fraction.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let whole: i64 = whole.parse().ok()?;
    let fraction: i64 = format!("{fraction:0<2}").parse().ok()?;
    let bps = whole.checked_mul(100)?.checked_add(fraction)?;
    (bps <= 10_000).then_some(bps)
}

/// The platform's fee on a release of `amount`.
pub fn platform_fee(amount: i64, fee_basis_points: i64) -> i64 {
    percentage_down(amount, fee_basis_points)
}

/// How a trial penalty is computed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Penalty {
    /// A fixed amount in minor units.
    Flat(i64),
    /// Basis points of the line total.
    Percentage(i64),
}

impl Penalty {
    /// The penalty on a line of `line_total`.
    pub fn on(&self, line_total: i64) -> i64 {
        match *self {
            Penalty::Flat(amount) => amount.max(0),
            Penalty::Percentage(bps) => percentage_down(line_total, bps),
        }
    }
}

/// The penalty of a trial return: each trial line's penalty summed, capped at what is in escrow.
pub fn trial_penalty(lines: &[(Penalty, i64)], in_escrow: i64) -> i64 {
    let total: i64 = lines.iter().map(|(p, line_total)| p.on(*line_total)).fold(0, i64::saturating_add);
    total.min(in_escrow.max(0))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fees_round_down_to_the_minor_unit() {
        assert_eq!(platform_fee(1999, 250), 49); // 49.975 -> 49
        assert_eq!(platform_fee(10_000, 250), 250);
        assert_eq!(platform_fee(1, 9_999), 0);
        assert_eq!(platform_fee(1999, 0), 0);
        assert_eq!(platform_fee(i64::MAX, 10_000), i64::MAX);
    }

    #[test]
    fn percentages_parse_to_basis_points() {
        assert_eq!(percent_to_basis_points("2.5"), Some(250));
        assert_eq!(percent_to_basis_points("0"), Some(0));
        assert_eq!(percent_to_basis_points("100"), Some(10_000));
        assert_eq!(percent_to_basis_points("12.34"), Some(1234));
        for bad in ["100.01", "1.234", "-1", "", "abc", "1.x", ".5"] {
            assert_eq!(percent_to_basis_points(bad), None, "{bad}");
        }
    }

    #[test]
    fn penalties_are_flat_or_a_rounded_down_share_and_never_exceed_escrow() {
        assert_eq!(Penalty::Flat(500).on(10_000), 500);
        assert_eq!(Penalty::Percentage(1_000).on(1999), 199); // 199.9 -> 199
        let lines = [(Penalty::Flat(500), 1000), (Penalty::Percentage(5_000), 1001)];
        assert_eq!(trial_penalty(&lines, 10_000), 500 + 500);
        assert_eq!(trial_penalty(&lines, 700), 700);
        assert_eq!(trial_penalty(&[], 700), 0);
    }
}
