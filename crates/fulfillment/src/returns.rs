//! Trial returns: a buyer asks to send a product back during its trial, gets a token (shown as a
//! QR code), and the seller scans it to confirm the return (refund less the trial penalty) or to
//! claim a defect (a dispute for an admin).
//!
//! Rules decided here, where the contract leaves room:
//! - A return is open while `pending`; it ends `confirmed`, `defect_claimed` or `expired`, and
//!   only a pending one may be scanned. An expired token is refused as invalid input (`422`), a
//!   token already scanned as a conflict (`409`).
//! - It expires `return_window_hours` after it was requested (the longest window of the order's
//!   trial lines), on the platform clock.
//! - The penalty of a confirmed return is each trial line's penalty summed (`flat`: the value once
//!   per line; `percentage`: of the line total, rounded down), capped at what escrow holds.
//! - A buyer who reports a defect gives a description and a photo; the report informs the seller,
//!   and the penalty still applies when the seller confirms the return (a seller who disputes the
//!   condition claims a defect instead, and an admin decides).

use chrono::{DateTime, Duration, Utc};
use souk_escrow::arithmetic::{Penalty, percent_to_basis_points, trial_penalty};
use souk_kernel::{Currency, DomainError, FieldErrors, UserId};
use uuid::Uuid;

souk_kernel::typed_id!(
    /// Identifies a return.
    ReturnId
);

souk_kernel::wire_enum!(
    /// Where a return stands.
    ReturnStatus {
        /// Requested; the token waits for the seller's scan.
        Pending = "pending",
        /// The seller scanned and accepted it; the buyer was refunded less the penalty.
        Confirmed = "confirmed",
        /// The seller scanned it and claimed a defect; a dispute is open.
        DefectClaimed = "defect_claimed",
        /// Nobody scanned it within the return window; the order went back to its trial.
        Expired = "expired",
    }
);

souk_kernel::wire_enum!(
    /// What the seller does with a scanned return.
    ScanAction {
        /// Accept the product back.
        Confirm = "confirm",
        /// Refuse it as defective and open a dispute.
        ClaimDefect = "claim_defect",
    }
);

/// Longest reason a buyer gives, in characters.
pub const MAX_REASON: usize = 1000;
/// Longest defect description, in characters.
pub const MAX_DESCRIPTION: usize = 2000;

/// A trial return of one order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Return {
    /// Id.
    pub id: ReturnId,
    /// The order.
    pub order_id: Uuid,
    /// The order's buyer.
    pub buyer_id: UserId,
    /// The order's seller.
    pub seller_id: UserId,
    /// The secret the seller scans (hex).
    pub token: String,
    /// Where it stands.
    pub status: ReturnStatus,
    /// Why the buyer returns it.
    pub reason: Option<String>,
    /// The buyer reports a defect.
    pub has_defect: bool,
    /// The defect the buyer reports.
    pub defect_description: Option<String>,
    /// A photo of the defect the buyer reports (a file id).
    pub defect_photo_file_id: Option<Uuid>,
    /// Refunded to the buyer on confirmation, in minor units.
    pub refund_amount: Option<i64>,
    /// Released to the seller as the trial penalty on confirmation, in minor units.
    pub penalty_amount: Option<i64>,
    /// When the buyer asked.
    pub requested_at: DateTime<Utc>,
    /// When the token stops being accepted.
    pub expires_at: DateTime<Utc>,
    /// When it was scanned or expired.
    pub resolved_at: Option<DateTime<Utc>>,
}

impl Return {
    /// True once the token is past its expiry at `now`.
    pub fn is_expired_at(&self, now: DateTime<Utc>) -> bool {
        now >= self.expires_at
    }

    /// Refuses a scan of a return that is not pending (`409`) or whose token has expired (`422`).
    pub fn check_scannable(&self, now: DateTime<Utc>) -> Result<(), DomainError> {
        match self.status {
            ReturnStatus::Pending if self.is_expired_at(now) => Err(expired(self.expires_at)),
            ReturnStatus::Pending => Ok(()),
            ReturnStatus::Expired => Err(expired(self.expires_at)),
            ReturnStatus::Confirmed | ReturnStatus::DefectClaimed => {
                Err(DomainError::Conflict(format!("the return was already scanned ({})", self.status)))
            }
        }
    }
}

fn expired(at: DateTime<Utc>) -> DomainError {
    DomainError::invalid("token", format!("the return expired at {}", at.to_rfc3339()))
}

/// Trims an optional text, dropping it when blank, and reports it when longer than `max`.
fn optional_text(field: &str, value: Option<String>, max: usize, errors: &mut FieldErrors) -> Option<String> {
    let value = value.map(|v| v.trim().to_owned()).filter(|v| !v.is_empty());
    if value.as_ref().is_some_and(|v| v.chars().count() > max) {
        errors.add(field, format!("must be at most {max} characters"));
    }
    value
}

/// A buyer's request to return an order.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct NewReturn {
    /// Why, up to 1000 characters.
    pub reason: Option<String>,
    /// The buyer reports a defect.
    pub has_defect: bool,
    /// Required with a defect, 1 to 2000 characters.
    pub defect_description: Option<String>,
    /// Required with a defect: an image file the buyer uploaded.
    pub defect_photo_file_id: Option<Uuid>,
}

impl NewReturn {
    /// Trims the texts and checks the defect fields: with `has_defect` a description and a photo
    /// are required; without it neither may be given.
    pub fn check(mut self) -> Result<NewReturn, DomainError> {
        let mut errors = FieldErrors::new();
        self.reason = optional_text("reason", self.reason, MAX_REASON, &mut errors);
        self.defect_description =
            optional_text("defect_description", self.defect_description, MAX_DESCRIPTION, &mut errors);
        if self.has_defect {
            if self.defect_description.is_none() {
                errors.add("defect_description", "is required when has_defect is true");
            }
            if self.defect_photo_file_id.is_none() {
                errors.add("defect_photo_file_id", "is required when has_defect is true");
            }
        } else {
            if self.defect_description.is_some() {
                errors.add("defect_description", "is only given when has_defect is true");
            }
            if self.defect_photo_file_id.is_some() {
                errors.add("defect_photo_file_id", "is only given when has_defect is true");
            }
        }
        errors.into_result()?;
        Ok(self)
    }
}

/// A seller's defect claim at the scan.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DefectClaim {
    /// What is wrong, 1 to 2000 characters.
    pub description: String,
    /// A photo of it: an image file the seller uploaded.
    pub photo_file_id: Uuid,
}

impl DefectClaim {
    /// Checks a claim's inputs: both a description (1 to 2000 characters, trimmed) and a photo.
    pub fn check(
        description: Option<String>,
        photo_file_id: Option<Uuid>,
    ) -> Result<DefectClaim, DomainError> {
        let mut errors = FieldErrors::new();
        let description = description.map(|d| d.trim().to_owned()).unwrap_or_default();
        if description.is_empty() || description.chars().count() > MAX_DESCRIPTION {
            errors.add(
                "description",
                format!("is required for a defect claim, 1 to {MAX_DESCRIPTION} characters"),
            );
        }
        if photo_file_id.is_none() {
            errors.add("photo_file_id", "is required for a defect claim");
        }
        errors.into_result()?;
        Ok(DefectClaim { description, photo_file_id: photo_file_id.unwrap_or_default() })
    }
}

/// The trial terms an order line was sold with, read from its snapshot.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TrialTerms {
    /// Days of trial.
    pub trial_days: i64,
    /// The penalty of a confirmed return.
    pub penalty: Penalty,
    /// Hours a requested return may wait for the seller's scan.
    pub return_window_hours: i64,
}

impl TrialTerms {
    /// Reads a line's `trial_policy` snapshot (`{trial_days, penalty_type, penalty_value,
    /// return_window_hours}`), the flat value in the order's currency.
    pub fn from_snapshot(
        snapshot: &serde_json::Value,
        currency: Currency,
    ) -> Result<TrialTerms, DomainError> {
        let corrupt =
            |what: &str| DomainError::unexpected(format!("an order line's trial snapshot has a bad {what}"));
        let number =
            |key: &str| snapshot.get(key).and_then(serde_json::Value::as_i64).ok_or_else(|| corrupt(key));
        let value = snapshot
            .get("penalty_value")
            .and_then(serde_json::Value::as_str)
            .ok_or_else(|| corrupt("penalty_value"))?;
        let penalty = match snapshot.get("penalty_type").and_then(serde_json::Value::as_str) {
            Some("flat") => {
                Penalty::Flat(currency.parse_amount(value).map_err(|_| corrupt("penalty_value"))?.minor())
            }
            Some("percentage") => {
                Penalty::Percentage(percent_to_basis_points(value).ok_or_else(|| corrupt("penalty_value"))?)
            }
            _ => return Err(corrupt("penalty_type")),
        };
        Ok(TrialTerms {
            trial_days: number("trial_days")?,
            penalty,
            return_window_hours: number("return_window_hours")?.max(0),
        })
    }
}

/// When a return requested at `requested_at` expires: after the longest return window of the
/// order's trial lines; `None` when no line has a trial.
pub fn expires_at(terms: &[TrialTerms], requested_at: DateTime<Utc>) -> Option<DateTime<Utc>> {
    terms.iter().map(|t| t.return_window_hours).max().map(|hours| requested_at + Duration::hours(hours))
}

/// The penalty of a confirmed return: each trial line's `(terms, line total)` penalty summed,
/// capped at `in_escrow`; the buyer gets `in_escrow` less it. Returns `(refund, penalty)`.
pub fn settle(lines: &[(TrialTerms, i64)], in_escrow: i64) -> (i64, i64) {
    let penalties: Vec<(Penalty, i64)> = lines.iter().map(|(t, total)| (t.penalty, *total)).collect();
    let penalty = trial_penalty(&penalties, in_escrow);
    (in_escrow.max(0) - penalty, penalty)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn usd() -> Currency {
        Currency::from_code("USD").unwrap()
    }

    fn at(hour: u32) -> DateTime<Utc> {
        chrono::TimeZone::with_ymd_and_hms(&Utc, 2026, 12, 1, hour, 0, 0).unwrap()
    }

    fn pending() -> Return {
        Return {
            id: ReturnId::new(),
            order_id: Uuid::now_v7(),
            buyer_id: UserId::new(),
            seller_id: UserId::new(),
            token: "ab".repeat(16),
            status: ReturnStatus::Pending,
            reason: None,
            has_defect: false,
            defect_description: None,
            defect_photo_file_id: None,
            refund_amount: None,
            penalty_amount: None,
            requested_at: at(1),
            expires_at: at(5),
            resolved_at: None,
        }
    }

    fn field_of(err: DomainError) -> Vec<String> {
        match err {
            DomainError::Validation(errors) => errors.iter().map(|(f, _)| f.clone()).collect(),
            other => panic!("not a validation error: {other:?}"),
        }
    }

    #[test]
    fn statuses_and_actions_travel_by_their_wire_names() {
        assert_eq!(ReturnStatus::names(), "pending, confirmed, defect_claimed, expired");
        assert_eq!(ScanAction::names(), "confirm, claim_defect");
        assert_eq!("claim_defect".parse::<ScanAction>(), Ok(ScanAction::ClaimDefect));
        assert!("reject".parse::<ScanAction>().is_err());
    }

    #[test]
    fn only_a_pending_return_within_its_window_is_scannable() {
        let open = pending();
        assert!(open.check_scannable(at(4)).is_ok());
        assert_eq!(field_of(open.check_scannable(at(5)).unwrap_err()), ["token"], "expiry is exclusive");
        let expired = Return { status: ReturnStatus::Expired, ..pending() };
        assert_eq!(field_of(expired.check_scannable(at(2)).unwrap_err()), ["token"]);
        for done in [ReturnStatus::Confirmed, ReturnStatus::DefectClaimed] {
            let scanned = Return { status: done, ..pending() };
            assert!(matches!(scanned.check_scannable(at(2)), Err(DomainError::Conflict(_))), "{done}");
            assert!(matches!(scanned.check_scannable(at(9)), Err(DomainError::Conflict(_))), "{done}");
        }
    }

    #[test]
    fn a_defect_report_needs_a_description_and_a_photo() {
        let plain =
            NewReturn { reason: Some("  too small ".into()), ..NewReturn::default() }.check().unwrap();
        assert_eq!(plain.reason.as_deref(), Some("too small"));
        assert_eq!(
            NewReturn { reason: Some(" ".into()), ..NewReturn::default() }.check().unwrap().reason,
            None
        );
        let missing = NewReturn { has_defect: true, ..NewReturn::default() }.check().unwrap_err();
        assert_eq!(field_of(missing), ["defect_description", "defect_photo_file_id"]);
        let stray = NewReturn {
            defect_description: Some("scratched".into()),
            defect_photo_file_id: Some(Uuid::now_v7()),
            ..NewReturn::default()
        };
        assert_eq!(field_of(stray.check().unwrap_err()), ["defect_description", "defect_photo_file_id"]);
        let long = NewReturn { reason: Some("x".repeat(MAX_REASON + 1)), ..NewReturn::default() };
        assert_eq!(field_of(long.check().unwrap_err()), ["reason"]);
        let full = NewReturn {
            has_defect: true,
            defect_description: Some("scratched".into()),
            defect_photo_file_id: Some(Uuid::now_v7()),
            ..NewReturn::default()
        };
        assert!(full.check().is_ok());
    }

    #[test]
    fn a_defect_claim_needs_a_description_of_1_to_2000_characters_and_a_photo() {
        let photo = Some(Uuid::now_v7());
        let claim = DefectClaim::check(Some(" cracked screen ".into()), photo).unwrap();
        assert_eq!(claim.description, "cracked screen");
        assert_eq!(field_of(DefectClaim::check(None, None).unwrap_err()), ["description", "photo_file_id"]);
        assert_eq!(field_of(DefectClaim::check(Some("   ".into()), photo).unwrap_err()), ["description"]);
        let long = "x".repeat(MAX_DESCRIPTION + 1);
        assert_eq!(field_of(DefectClaim::check(Some(long), photo).unwrap_err()), ["description"]);
        assert!(DefectClaim::check(Some("x".repeat(MAX_DESCRIPTION)), photo).is_ok());
        assert_eq!(field_of(DefectClaim::check(Some("dent".into()), None).unwrap_err()), ["photo_file_id"]);
    }

    #[test]
    fn trial_snapshots_read_flat_and_percentage_penalties() {
        let flat = json!({"trial_days": 7, "penalty_type": "flat", "penalty_value": "5.00", "return_window_hours": 48});
        let terms = TrialTerms::from_snapshot(&flat, usd()).unwrap();
        assert_eq!(terms, TrialTerms { trial_days: 7, penalty: Penalty::Flat(500), return_window_hours: 48 });
        let share = json!({"trial_days": 3, "penalty_type": "percentage", "penalty_value": "12.50", "return_window_hours": 24});
        assert_eq!(TrialTerms::from_snapshot(&share, usd()).unwrap().penalty, Penalty::Percentage(1250));
        let yen = json!({"trial_days": 3, "penalty_type": "flat", "penalty_value": "300", "return_window_hours": 24});
        assert_eq!(
            TrialTerms::from_snapshot(&yen, Currency::from_code("JPY").unwrap()).unwrap().penalty,
            Penalty::Flat(300)
        );
        for bad in [
            json!({"trial_days": 3, "penalty_type": "fine", "penalty_value": "1", "return_window_hours": 24}),
            json!({"trial_days": 3, "penalty_type": "percentage", "penalty_value": "101", "return_window_hours": 24}),
            json!({"trial_days": 3, "penalty_type": "flat", "penalty_value": "1.005", "return_window_hours": 24}),
            json!({"penalty_type": "flat", "penalty_value": "1", "return_window_hours": 24}),
            json!({}),
        ] {
            assert!(TrialTerms::from_snapshot(&bad, usd()).is_err(), "{bad}");
        }
    }

    #[test]
    fn a_return_expires_after_the_longest_window_of_the_trial_lines() {
        let terms =
            |hours| TrialTerms { trial_days: 7, penalty: Penalty::Flat(0), return_window_hours: hours };
        assert_eq!(expires_at(&[terms(24), terms(72)], at(1)), Some(at(1) + Duration::hours(72)));
        assert_eq!(expires_at(&[], at(1)), None);
    }

    #[test]
    fn the_buyer_gets_the_escrow_less_the_penalty_and_never_less_than_zero() {
        let flat = TrialTerms { trial_days: 7, penalty: Penalty::Flat(500), return_window_hours: 24 };
        let tenth = TrialTerms { penalty: Penalty::Percentage(1000), ..flat };
        assert_eq!(settle(&[(flat, 2999)], 2999), (2499, 500));
        assert_eq!(settle(&[(tenth, 1999)], 1999), (1800, 199), "199.9 rounds down");
        assert_eq!(settle(&[(flat, 2000), (tenth, 1999)], 3999), (3999 - 699, 699));
        assert_eq!(settle(&[(flat, 300)], 300), (0, 300), "capped at the escrow");
        assert_eq!(settle(&[], 1000), (1000, 0));
    }
}
