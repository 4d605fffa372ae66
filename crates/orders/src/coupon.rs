//! Coupons of sellers: their terms (percentage or fixed, date window, limits, minimum subtotal,
//! product scope), checked once when written, and the exact discount they give an order.
//!
//! Percentages are basis points (`12.5` % is `1250`); a percentage discount rounds DOWN to the
//! minor unit, so the buyer never gets more than the stated share. A discount never exceeds the
//! subtotal of the lines it applies to.

use chrono::{DateTime, Utc};
use souk_kernel::{AmountInput, Currency, DomainError, FieldErrors, Money, UserId, wire_enum};
use uuid::Uuid;

use crate::order::OrderLine;

souk_kernel::typed_id!(
    /// Identifies a coupon.
    CouponId
);

wire_enum!(
    /// How a coupon discounts.
    CouponKind {
        /// A share of the eligible subtotal.
        Percentage = "percentage",
        /// A fixed amount off the eligible subtotal.
        Fixed = "fixed",
    }
);

/// Longest coupon code, in characters.
pub const MAX_CODE_LEN: usize = 64;
/// Most products one coupon may be scoped to.
pub const MAX_PRODUCTS: usize = 100;
/// Largest redemption limit accepted.
pub const MAX_LIMIT: i64 = 1_000_000_000;

/// What a coupon takes off.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Discount {
    /// Basis points of the eligible subtotal, 1 to 10000.
    Percentage(i64),
    /// An amount off, in the coupon's currency.
    Fixed(Money),
}

impl Discount {
    /// The kind of discount.
    pub fn kind(&self) -> CouponKind {
        match self {
            Discount::Percentage(_) => CouponKind::Percentage,
            Discount::Fixed(_) => CouponKind::Fixed,
        }
    }

    /// The value as shown on the wire: `"12.50"` (percent) or the amount (`"5.00"`).
    pub fn value_string(&self) -> String {
        match self {
            Discount::Percentage(bp) => format!("{}.{:02}", bp / 100, bp % 100),
            Discount::Fixed(money) => money.amount_string(),
        }
    }

    /// The stored integer: basis points or minor units.
    pub fn stored_value(&self) -> i64 {
        match self {
            Discount::Percentage(bp) => *bp,
            Discount::Fixed(money) => money.minor(),
        }
    }
}

/// The checked terms of a coupon.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CouponTerms {
    /// The code as the seller wrote it (matched without regard to case).
    pub code: String,
    /// What it takes off.
    pub discount: Discount,
    /// The only currency of orders it applies to (always set for fixed coupons and minimums).
    pub currency: Option<Currency>,
    /// Usable from (inclusive).
    pub starts_at: Option<DateTime<Utc>>,
    /// Usable until (exclusive).
    pub ends_at: Option<DateTime<Utc>>,
    /// Uses across all customers.
    pub max_redemptions: Option<i64>,
    /// Uses per customer.
    pub per_customer_limit: Option<i64>,
    /// The seller's order subtotal must reach this.
    pub min_subtotal: Option<Money>,
    /// Only lines of these products are discounted (all lines when empty).
    pub product_ids: Vec<Uuid>,
}

/// A seller's coupon.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Coupon {
    /// Id.
    pub id: CouponId,
    /// The seller whose orders it discounts.
    pub seller_id: UserId,
    /// Its terms.
    pub terms: CouponTerms,
    /// Uses so far (orders and in-store redemptions).
    pub redemptions: i64,
    /// Creation time.
    pub created_at: DateTime<Utc>,
    /// Last change.
    pub updated_at: DateTime<Utc>,
}

/// The fields of a coupon write, unchecked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CouponInput {
    /// The code.
    pub code: String,
    /// Percentage or fixed.
    pub kind: CouponKind,
    /// Percent (up to 2 decimals) or amount.
    pub value: AmountInput,
    /// ISO 4217 code.
    pub currency: Option<String>,
    /// Usable from.
    pub starts_at: Option<DateTime<Utc>>,
    /// Usable until.
    pub ends_at: Option<DateTime<Utc>>,
    /// Uses across all customers.
    pub max_redemptions: Option<i64>,
    /// Uses per customer.
    pub per_customer_limit: Option<i64>,
    /// Minimum order subtotal.
    pub min_subtotal: Option<AmountInput>,
    /// Product scope.
    pub product_ids: Vec<Uuid>,
}

/// Changes to a coupon; absent fields stay, `Some(None)` clears.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CouponPatch {
    /// New code.
    pub code: Option<String>,
    /// New kind (then `value` is required).
    pub kind: Option<CouponKind>,
    /// New value.
    pub value: Option<AmountInput>,
    /// New currency.
    pub currency: Option<Option<String>>,
    /// New start.
    pub starts_at: Option<Option<DateTime<Utc>>>,
    /// New end.
    pub ends_at: Option<Option<DateTime<Utc>>>,
    /// New overall limit.
    pub max_redemptions: Option<Option<i64>>,
    /// New per-customer limit.
    pub per_customer_limit: Option<Option<i64>>,
    /// New minimum subtotal.
    pub min_subtotal: Option<Option<AmountInput>>,
    /// New product scope (empty: every product).
    pub product_ids: Option<Vec<Uuid>>,
}

impl Coupon {
    /// The coupon's terms as a write would state them, for merging a patch.
    pub fn to_input(&self) -> CouponInput {
        let t = &self.terms;
        CouponInput {
            code: t.code.clone(),
            kind: t.discount.kind(),
            value: AmountInput::from(t.discount.value_string().as_str()),
            currency: t.currency.map(|c| c.code().to_owned()),
            starts_at: t.starts_at,
            ends_at: t.ends_at,
            max_redemptions: t.max_redemptions,
            per_customer_limit: t.per_customer_limit,
            min_subtotal: t.min_subtotal.map(|m| AmountInput::from(m.amount_string().as_str())),
            product_ids: t.product_ids.clone(),
        }
    }
}

impl CouponPatch {
    /// The write that results from applying the patch to `input`; a new kind needs a new value.
    pub fn apply(self, mut input: CouponInput) -> Result<CouponInput, DomainError> {
        if self.kind.is_some_and(|k| k != input.kind) && self.value.is_none() {
            return Err(DomainError::invalid("value", "is required when the kind changes"));
        }
        if let Some(code) = self.code {
            input.code = code;
        }
        if let Some(kind) = self.kind {
            input.kind = kind;
        }
        if let Some(value) = self.value {
            input.value = value;
        }
        if let Some(currency) = self.currency {
            input.currency = currency;
        }
        if let Some(at) = self.starts_at {
            input.starts_at = at;
        }
        if let Some(at) = self.ends_at {
            input.ends_at = at;
        }
        if let Some(limit) = self.max_redemptions {
            input.max_redemptions = limit;
        }
        if let Some(limit) = self.per_customer_limit {
            input.per_customer_limit = limit;
        }
        if let Some(min) = self.min_subtotal {
            input.min_subtotal = min;
        }
        if let Some(ids) = self.product_ids {
            input.product_ids = ids;
        }
        Ok(input)
    }
}

/// The matching key of a code: codes are unique per seller and matched without regard to case.
pub fn code_key(code: &str) -> String {
    code.trim().to_lowercase()
}

/// Parses a non-negative decimal with at most `decimals` places into a scaled integer.
fn parse_scaled(text: &str, decimals: u32) -> Option<i64> {
    let (whole, fraction) = text.split_once('.').unwrap_or((text, ""));
    let digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
    let fraction = fraction.trim_end_matches('0');
    if whole.is_empty() || !digits(whole) || !digits(fraction) || fraction.len() > decimals as usize {
        return None;
    }
    let padded = format!("{fraction:0<width$}", width = decimals as usize);
    whole.parse::<i64>().ok()?.checked_mul(10i64.pow(decimals))?.checked_add(padded.parse().unwrap_or(0))
}

fn check_limit(errors: &mut FieldErrors, field: &str, limit: Option<i64>) {
    if limit.is_some_and(|n| !(1..=MAX_LIMIT).contains(&n)) {
        errors.add(field, format!("must be 1 to {MAX_LIMIT}"));
    }
}

/// Checks a coupon write: a code of 1 to 64 letters, digits, `-` or `_`; a percentage above 0
/// and at most 100 with at most 2 decimals; a fixed amount above 0 in a required currency; a
/// minimum subtotal (which needs the currency); a start before the end; limits of at least 1.
pub fn check_coupon(input: CouponInput) -> Result<CouponTerms, DomainError> {
    let mut errors = FieldErrors::new();
    let code = input.code.trim().to_owned();
    let valid_code = (1..=MAX_CODE_LEN).contains(&code.chars().count())
        && code.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
    if !valid_code {
        errors.add("code", format!("must be 1 to {MAX_CODE_LEN} letters, digits, '-' or '_'"));
    }
    let currency = match input.currency.as_deref().map(str::trim) {
        None | Some("") => None,
        Some(code) => match Currency::from_code(code) {
            Ok(currency) => Some(currency),
            Err(e) => {
                errors.add("currency", e.to_string());
                None
            }
        },
    };
    let currency_given = input.currency.as_deref().is_some_and(|c| !c.trim().is_empty());
    let discount = match input.kind {
        CouponKind::Percentage => match parse_scaled(input.value.as_str(), 2) {
            Some(bp) if (1..=10_000).contains(&bp) => Some(Discount::Percentage(bp)),
            _ => {
                errors.add("value", "must be a percentage above 0 and at most 100, with at most 2 decimals");
                None
            }
        },
        CouponKind::Fixed => match currency {
            None => {
                if !currency_given {
                    errors.add("currency", "is required for a fixed coupon");
                }
                None
            }
            Some(currency) => match input.value.to_money(currency) {
                Ok(money) if money.minor() > 0 => Some(Discount::Fixed(money)),
                Ok(_) => {
                    errors.add("value", "must be above 0");
                    None
                }
                Err(e) => {
                    errors.add("value", e.to_string());
                    None
                }
            },
        },
    };
    let min_subtotal = match (&input.min_subtotal, currency) {
        (None, _) => None,
        (Some(_), None) => {
            if !currency_given {
                errors.add("currency", "is required with min_subtotal");
            }
            None
        }
        (Some(min), Some(currency)) => match min.to_money(currency) {
            Ok(money) if !money.is_negative() => Some(money),
            Ok(_) => {
                errors.add("min_subtotal", "must be 0 or more");
                None
            }
            Err(e) => {
                errors.add("min_subtotal", e.to_string());
                None
            }
        },
    };
    if let (Some(start), Some(end)) = (input.starts_at, input.ends_at)
        && start >= end
    {
        errors.add("ends_at", "must be after starts_at");
    }
    check_limit(&mut errors, "max_redemptions", input.max_redemptions);
    check_limit(&mut errors, "per_customer_limit", input.per_customer_limit);
    let mut product_ids: Vec<Uuid> = Vec::new();
    for id in input.product_ids {
        if !product_ids.contains(&id) {
            product_ids.push(id);
        }
    }
    if product_ids.len() > MAX_PRODUCTS {
        errors.add("product_ids", format!("must name at most {MAX_PRODUCTS} products"));
    }
    errors.into_result()?;
    let Some(discount) = discount else {
        return Err(DomainError::invalid("value", "is required"));
    };
    Ok(CouponTerms {
        code,
        discount,
        currency,
        starts_at: input.starts_at,
        ends_at: input.ends_at,
        max_redemptions: input.max_redemptions,
        per_customer_limit: input.per_customer_limit,
        min_subtotal,
        product_ids,
    })
}

/// Why a coupon cannot be used now; each message reads well after "the coupon".
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Refusal {
    /// Before its start.
    #[error("is not valid before {0}")]
    NotStarted(DateTime<Utc>),
    /// At or after its end.
    #[error("expired at {0}")]
    Expired(DateTime<Utc>),
    /// Every allowed use is taken.
    #[error("has been used up")]
    UsedUp,
    /// This customer has used it as often as allowed.
    #[error("has already been used {0} time(s) by this customer, its limit")]
    CustomerLimit(i64),
    /// The order is in another currency.
    #[error("applies only to orders in {0}")]
    Currency(Currency),
    /// No line of the order is one of its products.
    #[error("applies to none of the products in this order")]
    NoEligibleLines,
    /// The seller's order subtotal is below the minimum.
    #[error("needs an order subtotal of at least {0}")]
    BelowMinimum(Money),
}

/// Whether the coupon may be used at `now`: inside its date window (the end is exclusive) and
/// not used up.
pub fn check_usable(coupon: &Coupon, now: DateTime<Utc>) -> Result<(), Refusal> {
    let t = &coupon.terms;
    if let Some(start) = t.starts_at
        && now < start
    {
        return Err(Refusal::NotStarted(start));
    }
    if let Some(end) = t.ends_at
        && now >= end
    {
        return Err(Refusal::Expired(end));
    }
    if t.max_redemptions.is_some_and(|max| coupon.redemptions >= max) {
        return Err(Refusal::UsedUp);
    }
    Ok(())
}

/// The discount the coupon gives one seller's order of `lines` at `now`, when the customer has
/// used it `used_by_customer` times before. Only lines of the coupon's products count (all
/// lines when it names none); the minimum applies to the order's whole subtotal. A percentage
/// rounds down to the minor unit; no discount exceeds the eligible subtotal.
pub fn discount_for(
    coupon: &Coupon,
    lines: &[OrderLine],
    subtotal: Money,
    now: DateTime<Utc>,
    used_by_customer: i64,
) -> Result<Money, Refusal> {
    check_usable(coupon, now)?;
    let t = &coupon.terms;
    if t.per_customer_limit.is_some_and(|limit| used_by_customer >= limit) {
        return Err(Refusal::CustomerLimit(used_by_customer));
    }
    let currency = subtotal.currency();
    if let Some(only) = t.currency
        && only != currency
    {
        return Err(Refusal::Currency(only));
    }
    if let Some(min) = t.min_subtotal
        && subtotal.minor() < min.minor()
    {
        return Err(Refusal::BelowMinimum(min));
    }
    let eligible: i64 = lines
        .iter()
        .filter(|l| t.product_ids.is_empty() || t.product_ids.contains(&l.product_id))
        .map(|l| l.line_total.minor())
        .fold(0i64, i64::saturating_add);
    let any_eligible =
        lines.iter().any(|l| t.product_ids.is_empty() || t.product_ids.contains(&l.product_id));
    if !any_eligible {
        return Err(Refusal::NoEligibleLines);
    }
    let minor = match t.discount {
        Discount::Percentage(bp) => {
            let share = i128::from(eligible) * i128::from(bp) / 10_000;
            i64::try_from(share).unwrap_or(eligible)
        }
        Discount::Fixed(amount) => amount.minor(),
    };
    Ok(Money::from_minor(minor.clamp(0, eligible.max(0)), currency))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn usd(minor: i64) -> Money {
        Money::from_minor(minor, Currency::USD)
    }

    fn input(kind: CouponKind, value: &str) -> CouponInput {
        CouponInput {
            code: "SAVE10".into(),
            kind,
            value: AmountInput::from(value),
            currency: None,
            starts_at: None,
            ends_at: None,
            max_redemptions: None,
            per_customer_limit: None,
            min_subtotal: None,
            product_ids: Vec::new(),
        }
    }

    fn coupon(terms: CouponTerms) -> Coupon {
        let now = Utc::now();
        Coupon {
            id: CouponId::new(),
            seller_id: UserId::new(),
            terms,
            redemptions: 0,
            created_at: now,
            updated_at: now,
        }
    }

    fn line(product: Uuid, total: i64) -> OrderLine {
        OrderLine {
            id: Uuid::now_v7(),
            product_id: product,
            variant_id: None,
            title: "Lamp".into(),
            variant_title: None,
            sku: None,
            unit_price: usd(total),
            quantity: 1,
            add_ons: Vec::new(),
            rental: None,
            line_total: usd(total),
            stock_held: true,
            trial_policy: None,
        }
    }

    #[test]
    fn percentages_are_basis_points_above_zero_up_to_one_hundred() {
        let terms = check_coupon(input(CouponKind::Percentage, "12.5")).unwrap();
        assert_eq!(terms.discount, Discount::Percentage(1250));
        assert_eq!(terms.discount.value_string(), "12.50");
        assert!(check_coupon(input(CouponKind::Percentage, "100")).is_ok());
        for bad in ["0", "100.01", "12.345", "-5", "ten"] {
            let Err(DomainError::Validation(errors)) = check_coupon(input(CouponKind::Percentage, bad))
            else {
                panic!("{bad} should be refused");
            };
            assert!(errors.get("value").is_some(), "{bad}");
        }
    }

    #[test]
    fn fixed_coupons_and_minimums_need_a_currency() {
        let Err(DomainError::Validation(errors)) = check_coupon(input(CouponKind::Fixed, "5")) else {
            panic!("a fixed coupon without currency");
        };
        assert!(errors.get("currency").is_some());
        let mut fixed = input(CouponKind::Fixed, "5.001");
        fixed.currency = Some("USD".into());
        assert!(check_coupon(fixed.clone()).is_err(), "more decimals than USD has");
        fixed.value = AmountInput::from("5");
        assert_eq!(check_coupon(fixed).unwrap().discount, Discount::Fixed(usd(500)));
        let mut minimum = input(CouponKind::Percentage, "10");
        minimum.min_subtotal = Some(AmountInput::from("20"));
        let Err(DomainError::Validation(errors)) = check_coupon(minimum) else { panic!("no currency") };
        assert!(errors.get("currency").is_some());
    }

    #[test]
    fn codes_windows_limits_and_scope_are_checked() {
        let mut bad = input(CouponKind::Percentage, "10");
        bad.code = "no spaces!".into();
        bad.starts_at = Some(Utc::now());
        bad.ends_at = bad.starts_at;
        bad.max_redemptions = Some(0);
        bad.per_customer_limit = Some(-1);
        let Err(DomainError::Validation(errors)) = check_coupon(bad) else { panic!("refused") };
        for field in ["code", "ends_at", "max_redemptions", "per_customer_limit"] {
            assert!(errors.get(field).is_some(), "{field}");
        }
        let mut twice = input(CouponKind::Percentage, "10");
        let id = Uuid::now_v7();
        twice.product_ids = vec![id, id];
        assert_eq!(check_coupon(twice).unwrap().product_ids, vec![id], "duplicates collapse");
        assert_eq!(code_key(" Save10 "), "save10");
    }

    #[test]
    fn percentage_discounts_round_down_to_the_minor_unit() {
        let c = coupon(check_coupon(input(CouponKind::Percentage, "12.5")).unwrap());
        let now = Utc::now();
        // 12.5 % of 9.99 is 1.24875: the buyer gets 1.24, never 1.25.
        assert_eq!(discount_for(&c, &[line(Uuid::now_v7(), 999)], usd(999), now, 0), Ok(usd(124)));
        let third = coupon(check_coupon(input(CouponKind::Percentage, "33.33")).unwrap());
        assert_eq!(discount_for(&third, &[line(Uuid::now_v7(), 1)], usd(1), now, 0), Ok(usd(0)));
        let all = coupon(check_coupon(input(CouponKind::Percentage, "100")).unwrap());
        assert_eq!(discount_for(&all, &[line(Uuid::now_v7(), 4_321)], usd(4_321), now, 0), Ok(usd(4_321)));
    }

    #[test]
    fn fixed_discounts_never_exceed_the_eligible_subtotal() {
        let mut fixed = input(CouponKind::Fixed, "50");
        fixed.currency = Some("USD".into());
        let c = coupon(check_coupon(fixed.clone()).unwrap());
        let now = Utc::now();
        assert_eq!(discount_for(&c, &[line(Uuid::now_v7(), 1_999)], usd(1_999), now, 0), Ok(usd(1_999)));
        let scoped_product = Uuid::now_v7();
        fixed.product_ids = vec![scoped_product];
        let scoped = coupon(check_coupon(fixed).unwrap());
        let lines = [line(Uuid::now_v7(), 10_000), line(scoped_product, 700)];
        assert_eq!(
            discount_for(&scoped, &lines, usd(10_700), now, 0),
            Ok(usd(700)),
            "only scoped lines count"
        );
        assert_eq!(discount_for(&scoped, &lines[..1], usd(10_000), now, 0), Err(Refusal::NoEligibleLines));
        let euro = Currency::from_code("EUR").unwrap();
        assert_eq!(
            discount_for(&c, &[line(Uuid::now_v7(), 100)], Money::from_minor(100, euro), now, 0),
            Err(Refusal::Currency(Currency::USD))
        );
    }

    #[test]
    fn windows_minimums_and_limits_refuse_with_reasons() {
        let now = Utc::now();
        let hour = chrono::Duration::hours(1);
        let mut terms = input(CouponKind::Percentage, "10");
        terms.currency = Some("USD".into());
        terms.min_subtotal = Some(AmountInput::from("20"));
        terms.starts_at = Some(now - hour);
        terms.ends_at = Some(now + hour);
        terms.max_redemptions = Some(3);
        terms.per_customer_limit = Some(1);
        let mut c = coupon(check_coupon(terms).unwrap());
        let lines = [line(Uuid::now_v7(), 2_000)];
        assert_eq!(discount_for(&c, &lines, usd(2_000), now, 0), Ok(usd(200)));
        assert_eq!(discount_for(&c, &lines[..], usd(1_999), now, 0), Err(Refusal::BelowMinimum(usd(2_000))));
        assert_eq!(discount_for(&c, &lines, usd(2_000), now, 1), Err(Refusal::CustomerLimit(1)));
        assert!(matches!(
            discount_for(&c, &lines, usd(2_000), now - hour * 2, 0),
            Err(Refusal::NotStarted(_))
        ));
        assert!(matches!(discount_for(&c, &lines, usd(2_000), now + hour, 0), Err(Refusal::Expired(_))));
        c.redemptions = 3;
        assert_eq!(check_usable(&c, now), Err(Refusal::UsedUp));
    }

    #[test]
    fn patches_merge_over_the_stored_terms() {
        let c = coupon(check_coupon(input(CouponKind::Percentage, "10")).unwrap());
        let patch = CouponPatch { kind: Some(CouponKind::Fixed), ..CouponPatch::default() };
        assert!(patch.apply(c.to_input()).is_err(), "a new kind needs a value");
        let patch = CouponPatch {
            kind: Some(CouponKind::Fixed),
            value: Some(AmountInput::from("3")),
            currency: Some(Some("USD".into())),
            max_redemptions: Some(Some(5)),
            ..CouponPatch::default()
        };
        let terms = check_coupon(patch.apply(c.to_input()).unwrap()).unwrap();
        assert_eq!((terms.discount, terms.max_redemptions), (Discount::Fixed(usd(300)), Some(5)));
        assert_eq!(check_coupon(c.to_input()).unwrap(), c.terms, "stored terms round-trip");
    }
}
