//! Try-before-you-buy trial policies and rental terms, with their validation rules.

use chrono::{DateTime, Utc};
use souk_kernel::{AmountInput, Currency, DomainError, FieldErrors, Money, wire_enum};

use crate::product::{non_negative_amount, parse_fixed, positive_amount};

wire_enum!(
    /// How the penalty for returning a tried product is computed.
    PenaltyType { Flat = "flat", Percentage = "percentage" }
);

/// The charge kept from the refund when a tried product comes back.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Penalty {
    /// A fixed amount in the product's currency.
    Flat(Money),
    /// A share of the price in basis points (`1050` is 10.5 %).
    Percentage(i64),
}

impl Penalty {
    /// The wire type.
    pub fn kind(&self) -> PenaltyType {
        match self {
            Penalty::Flat(_) => PenaltyType::Flat,
            Penalty::Percentage(_) => PenaltyType::Percentage,
        }
    }

    /// The wire value: an amount (`"5.00"`) or a percentage with two decimals (`"10.50"`).
    pub fn value_string(&self) -> String {
        match self {
            Penalty::Flat(money) => money.amount_string(),
            Penalty::Percentage(bp) => format!("{}.{:02}", bp / 100, bp % 100),
        }
    }

    /// The stored integer: minor units (flat) or basis points (percentage).
    pub fn stored_value(&self) -> i64 {
        match self {
            Penalty::Flat(money) => money.minor(),
            Penalty::Percentage(bp) => *bp,
        }
    }
}

/// A product's trial terms: how long the buyer may try it, and what returning it costs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TrialPolicy {
    /// Trial length in days after delivery, 1 to 365.
    pub trial_days: i32,
    /// The penalty kept on return.
    pub penalty: Penalty,
    /// Hours the buyer has to hand the product back once a return is opened, 1 to 8760.
    pub return_window_hours: i32,
    /// False once the seller disabled it (`DELETE`); a later `POST` enables it again.
    pub enabled: bool,
    /// Creation time.
    pub created_at: DateTime<Utc>,
    /// Last change.
    pub updated_at: DateTime<Utc>,
}

/// Trial fields of a request; a create needs all four.
#[derive(Debug, Clone, Default)]
pub struct TrialPolicyInput {
    /// Days.
    pub trial_days: Option<i32>,
    /// Flat or percentage.
    pub penalty_type: Option<PenaltyType>,
    /// Amount or percentage.
    pub penalty_value: Option<AmountInput>,
    /// Hours.
    pub return_window_hours: Option<i32>,
}

/// Builds or updates a trial policy; `existing` is `None` on create. Percentages are 0 to 100
/// with at most two decimals; flat penalties are amounts of at least zero.
pub fn apply_trial_policy(
    existing: Option<&TrialPolicy>,
    input: TrialPolicyInput,
    currency: Currency,
    now: DateTime<Utc>,
) -> Result<TrialPolicy, DomainError> {
    let mut errors = FieldErrors::new();
    if existing.is_none() {
        for (field, given) in [
            ("trial_days", input.trial_days.is_some()),
            ("penalty_type", input.penalty_type.is_some()),
            ("penalty_value", input.penalty_value.is_some()),
            ("return_window_hours", input.return_window_hours.is_some()),
        ] {
            if !given {
                errors.add(field, "is required");
            }
        }
    }
    let trial_days = input.trial_days.or(existing.map(|p| p.trial_days)).unwrap_or(0);
    if input.trial_days.is_some() && !(1..=365).contains(&trial_days) {
        errors.add("trial_days", "must be 1 to 365");
    }
    let hours = input.return_window_hours.or(existing.map(|p| p.return_window_hours)).unwrap_or(0);
    if input.return_window_hours.is_some() && !(1..=8760).contains(&hours) {
        errors.add("return_window_hours", "must be 1 to 8760 (a year)");
    }
    let kind = input.penalty_type.or(existing.map(|p| p.penalty.kind())).unwrap_or(PenaltyType::Flat);
    let penalty = match (&input.penalty_value, existing) {
        (Some(value), _) => penalty_from(&mut errors, kind, value, currency),
        (None, Some(policy)) if policy.penalty.kind() == kind => Some(policy.penalty),
        (None, Some(_)) => {
            errors.add("penalty_value", "is required when penalty_type changes");
            None
        }
        (None, None) => None,
    };
    errors.into_result()?;
    Ok(TrialPolicy {
        trial_days,
        penalty: penalty.unwrap_or(Penalty::Flat(Money::zero(currency))),
        return_window_hours: hours,
        enabled: true,
        created_at: existing.map_or(now, |p| p.created_at),
        updated_at: now,
    })
}

fn penalty_from(
    errors: &mut FieldErrors,
    kind: PenaltyType,
    value: &AmountInput,
    currency: Currency,
) -> Option<Penalty> {
    match kind {
        PenaltyType::Flat => non_negative_amount(errors, "penalty_value", value, currency).map(Penalty::Flat),
        PenaltyType::Percentage => match parse_fixed(value.as_str(), 2) {
            Some(bp) if (0..=10_000).contains(&bp) => Some(Penalty::Percentage(bp)),
            _ => {
                errors.add("penalty_value", "must be a percentage from 0 to 100 with at most 2 decimals");
                None
            }
        },
    }
}

/// The stored form back into a penalty.
pub fn penalty_from_stored(kind: PenaltyType, value: i64, currency: Currency) -> Penalty {
    match kind {
        PenaltyType::Flat => Penalty::Flat(Money::from_minor(value, currency)),
        PenaltyType::Percentage => Penalty::Percentage(value),
    }
}

/// A product's rental terms, in the product's currency.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RentalTerms {
    /// Price per day, greater than zero.
    pub daily_rate: Money,
    /// Charged per day late, zero or more.
    pub late_fee_per_day: Money,
    /// Held while rented, zero or more.
    pub deposit: Money,
    /// Open for new rentals.
    pub available: bool,
    /// Creation time.
    pub created_at: DateTime<Utc>,
    /// Last change.
    pub updated_at: DateTime<Utc>,
}

/// Rental fields of a `PUT` (the whole terms: `daily_rate` required, fees default to zero,
/// `available` to true).
#[derive(Debug, Clone, Default)]
pub struct RentalInput {
    /// Per day.
    pub daily_rate: Option<AmountInput>,
    /// Per late day.
    pub late_fee_per_day: Option<AmountInput>,
    /// Deposit.
    pub deposit: Option<AmountInput>,
    /// Open for rentals.
    pub available: Option<bool>,
}

/// Builds rental terms from a `PUT`, keeping the creation time of the terms it replaces.
pub fn rental_terms(
    existing: Option<&RentalTerms>,
    input: RentalInput,
    currency: Currency,
    now: DateTime<Utc>,
) -> Result<RentalTerms, DomainError> {
    let mut errors = FieldErrors::new();
    let zero = Money::zero(currency);
    let daily_rate = match &input.daily_rate {
        Some(rate) => positive_amount(&mut errors, "daily_rate", rate, currency),
        None => {
            errors.add("daily_rate", "is required");
            None
        }
    };
    let late_fee = input
        .late_fee_per_day
        .as_ref()
        .map_or(Some(zero), |fee| non_negative_amount(&mut errors, "late_fee_per_day", fee, currency));
    let deposit = input
        .deposit
        .as_ref()
        .map_or(Some(zero), |deposit| non_negative_amount(&mut errors, "deposit", deposit, currency));
    errors.into_result()?;
    Ok(RentalTerms {
        daily_rate: daily_rate.unwrap_or(zero),
        late_fee_per_day: late_fee.unwrap_or(zero),
        deposit: deposit.unwrap_or(zero),
        available: input.available.unwrap_or(true),
        created_at: existing.map_or(now, |r| r.created_at),
        updated_at: now,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn full(kind: PenaltyType, value: &str) -> TrialPolicyInput {
        TrialPolicyInput {
            trial_days: Some(7),
            penalty_type: Some(kind),
            penalty_value: Some(value.into()),
            return_window_hours: Some(48),
        }
    }

    fn field_of(result: Result<TrialPolicy, DomainError>) -> Vec<String> {
        match result {
            Err(DomainError::Validation(errors)) => errors.iter().map(|(f, _)| f.clone()).collect(),
            other => panic!("expected field errors, got {other:?}"),
        }
    }

    #[test]
    fn trial_policies_validate_days_hours_and_penalties() {
        let now = Utc::now();
        let policy =
            apply_trial_policy(None, full(PenaltyType::Percentage, "12.5"), Currency::USD, now).unwrap();
        assert_eq!(policy.penalty, Penalty::Percentage(1_250));
        assert_eq!(policy.penalty.value_string(), "12.50");
        let flat = apply_trial_policy(None, full(PenaltyType::Flat, "5"), Currency::USD, now).unwrap();
        assert_eq!(flat.penalty.value_string(), "5.00");
        assert_eq!(
            field_of(apply_trial_policy(None, full(PenaltyType::Percentage, "100.01"), Currency::USD, now)),
            ["penalty_value"]
        );
        assert_eq!(
            field_of(apply_trial_policy(None, full(PenaltyType::Flat, "-1"), Currency::USD, now)),
            ["penalty_value"]
        );
        let zero_days = TrialPolicyInput {
            trial_days: Some(0),
            return_window_hours: Some(0),
            ..full(PenaltyType::Flat, "1")
        };
        assert_eq!(
            field_of(apply_trial_policy(None, zero_days, Currency::USD, now)),
            ["return_window_hours", "trial_days"]
        );
        assert_eq!(
            field_of(apply_trial_policy(None, TrialPolicyInput::default(), Currency::USD, now)).len(),
            4
        );
    }

    #[test]
    fn trial_updates_keep_what_is_not_given_but_a_new_type_needs_a_value() {
        let now = Utc::now();
        let policy = apply_trial_policy(None, full(PenaltyType::Flat, "5"), Currency::USD, now).unwrap();
        let longer = TrialPolicyInput { trial_days: Some(14), ..TrialPolicyInput::default() };
        let updated = apply_trial_policy(Some(&policy), longer, Currency::USD, now).unwrap();
        assert_eq!(
            (updated.trial_days, updated.penalty, updated.return_window_hours),
            (14, policy.penalty, 48)
        );
        let retyped =
            TrialPolicyInput { penalty_type: Some(PenaltyType::Percentage), ..TrialPolicyInput::default() };
        assert_eq!(
            field_of(apply_trial_policy(Some(&policy), retyped, Currency::USD, now)),
            ["penalty_value"]
        );
    }

    #[test]
    fn rentals_need_a_positive_daily_rate_and_default_their_fees() {
        let now = Utc::now();
        let terms = rental_terms(
            None,
            RentalInput { daily_rate: Some("25".into()), ..RentalInput::default() },
            Currency::USD,
            now,
        )
        .unwrap();
        assert_eq!((terms.daily_rate.minor(), terms.deposit.minor(), terms.available), (2_500, 0, true));
        assert!(rental_terms(None, RentalInput::default(), Currency::USD, now).is_err());
        let bad = RentalInput {
            daily_rate: Some("0".into()),
            deposit: Some("-5".into()),
            ..RentalInput::default()
        };
        assert!(rental_terms(None, bad, Currency::USD, now).is_err());
    }
}
