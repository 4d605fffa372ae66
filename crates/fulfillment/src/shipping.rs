//! Shipping carriers and shipping rates, and the exact shipping charge of an order.
//!
//! Rules decided here, where the contract leaves room:
//! - A carrier's `code` is 1 to 32 lowercase letters, digits, `-` or `_`, unique on the platform;
//!   its `tracking_url_template`, when set, is an http(s) URL holding `{tracking_number}`.
//! - A rate charges `price` for the first unit of an order and `step_price` for each further unit:
//!   `price + step_price x (units - 1)`; both are zero or more, in the rate's currency.
//! - An order's shipping is the chosen rate plus every `always_selected` rate of the order's seller
//!   in the order's currency (a chosen rate that is itself always selected counts once). Only
//!   sellers' rates may be always selected: a platform-wide one would charge every order.

use chrono::{DateTime, Utc};
use souk_kernel::{Currency, FieldErrors, Money, MoneyError, UserId};
use uuid::Uuid;

souk_kernel::wire_enum!(
    /// Whether a carrier can be chosen for deliveries.
    CarrierStatus {
        /// Listed publicly and usable on deliveries.
        Active = "active",
        /// Hidden from the public list; deliveries may no longer name it.
        Inactive = "inactive",
    }
);

/// The placeholder a tracking URL template must hold.
pub const TRACKING_PLACEHOLDER: &str = "{tracking_number}";
/// Longest carrier code, in characters.
pub const MAX_CODE: usize = 32;
/// Longest carrier name or rate title, in characters.
pub const MAX_NAME: usize = 100;
/// Longest tracking URL template, in characters.
pub const MAX_TEMPLATE: usize = 500;

/// A shipping carrier deliveries are handed to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Carrier {
    /// Id.
    pub id: Uuid,
    /// Display name.
    pub name: String,
    /// Unique short code (`dhl`).
    pub code: String,
    /// Whether it can be chosen.
    pub status: CarrierStatus,
    /// Tracking page URL with `{tracking_number}` in it.
    pub tracking_url_template: Option<String>,
    /// Creation time.
    pub created_at: DateTime<Utc>,
    /// Last change.
    pub updated_at: DateTime<Utc>,
}

impl Carrier {
    /// Trims the fields and checks them, naming each bad one.
    pub fn check(&mut self, errors: &mut FieldErrors) {
        self.name = self.name.trim().to_owned();
        if self.name.is_empty() || self.name.chars().count() > MAX_NAME {
            errors.add("name", format!("must be 1 to {MAX_NAME} characters"));
        }
        self.code = self.code.trim().to_ascii_lowercase();
        let code_ok = !self.code.is_empty()
            && self.code.len() <= MAX_CODE
            && self
                .code
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'_');
        if !code_ok {
            errors.add("code", format!("must be 1 to {MAX_CODE} letters, digits, '-' or '_'"));
        }
        self.tracking_url_template =
            self.tracking_url_template.take().map(|t| t.trim().to_owned()).filter(|t| !t.is_empty());
        if let Some(template) = &self.tracking_url_template {
            let web = template.starts_with("https://") || template.starts_with("http://");
            if !web || !template.contains(TRACKING_PLACEHOLDER) || template.chars().count() > MAX_TEMPLATE {
                errors.add(
                    "tracking_url_template",
                    format!("must be an http(s) URL of at most {MAX_TEMPLATE} characters holding {TRACKING_PLACEHOLDER}"),
                );
            }
        }
    }

    /// The tracking page of a parcel, when the carrier has a template.
    pub fn tracking_link(&self, tracking_number: &str) -> Option<String> {
        self.tracking_url_template.as_ref().map(|t| t.replace(TRACKING_PLACEHOLDER, &encode(tracking_number)))
    }
}

/// Percent-encodes everything but unreserved URL characters.
fn encode(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for byte in text.bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'_' | b'.' | b'~') {
            out.push(char::from(byte));
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

/// A shipping rate buyers choose at checkout.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ShippingRate {
    /// Id.
    pub id: Uuid,
    /// Display title (`Standard`).
    pub title: String,
    /// Charge for the first unit.
    pub price: Money,
    /// Charge for each further unit.
    pub step_price: Money,
    /// Added to every order of the seller without being chosen.
    pub always_selected: bool,
    /// The seller whose orders it serves; `None` for a platform-wide rate.
    pub seller_id: Option<UserId>,
    /// Creation time.
    pub created_at: DateTime<Utc>,
    /// Last change.
    pub updated_at: DateTime<Utc>,
}

impl ShippingRate {
    /// The rate's currency.
    pub fn currency(&self) -> Currency {
        self.price.currency()
    }

    /// Trims the title and checks the fields, naming each bad one.
    pub fn check(&mut self, errors: &mut FieldErrors) {
        self.title = self.title.trim().to_owned();
        if self.title.is_empty() || self.title.chars().count() > MAX_NAME {
            errors.add("title", format!("must be 1 to {MAX_NAME} characters"));
        }
        if self.price.is_negative() {
            errors.add("price", "must be zero or more");
        }
        if self.step_price.is_negative() {
            errors.add("step_price", "must be zero or more");
        }
        if self.always_selected && self.seller_id.is_none() {
            errors.add("always_selected", "only a seller's rate may be always selected");
        }
    }

    /// `price + step_price x (units - 1)` for an order of `units` (at least one).
    pub fn charge(&self, units: i64) -> Result<Money, MoneyError> {
        self.price.checked_add(self.step_price.checked_mul(units.max(1) - 1)?)
    }

    /// True when the rate may serve an order of `seller` in `currency`.
    pub fn serves(&self, seller: UserId, currency: Currency) -> bool {
        self.seller_id.is_none_or(|s| s == seller) && self.currency() == currency
    }
}

/// The shipping of one order of `seller` in `currency` with `units` units: the chosen rate (when
/// it serves the order) plus each of the seller's always-selected rates in that currency, once each.
pub fn order_shipping(
    seller: UserId,
    currency: Currency,
    units: i64,
    chosen: Option<&ShippingRate>,
    seller_rates: &[ShippingRate],
) -> Result<Money, MoneyError> {
    let mut total = Money::zero(currency);
    if let Some(rate) = chosen.filter(|r| r.serves(seller, currency)) {
        total = total.checked_add(rate.charge(units)?)?;
    }
    for rate in seller_rates.iter().filter(|r| {
        r.always_selected
            && r.seller_id == Some(seller)
            && r.currency() == currency
            && chosen.is_none_or(|c| c.id != r.id)
    }) {
        total = total.checked_add(rate.charge(units)?)?;
    }
    Ok(total)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn usd(minor: i64) -> Money {
        Money::from_minor(minor, Currency::USD)
    }

    fn rate(seller: Option<UserId>, price: i64, step: i64, always: bool) -> ShippingRate {
        let now = Utc::now();
        ShippingRate {
            id: Uuid::now_v7(),
            title: "Standard".into(),
            price: usd(price),
            step_price: usd(step),
            always_selected: always,
            seller_id: seller,
            created_at: now,
            updated_at: now,
        }
    }

    #[test]
    fn a_rate_charges_its_price_once_and_the_step_per_extra_unit() {
        let standard = rate(None, 695, 145, false);
        assert_eq!(standard.charge(1).unwrap(), usd(695));
        assert_eq!(standard.charge(3).unwrap(), usd(695 + 2 * 145));
        assert_eq!(standard.charge(0).unwrap(), usd(695), "an order has at least one unit");
        assert!(rate(None, i64::MAX, 1, false).charge(2).is_err(), "overflow is refused");
    }

    #[test]
    fn an_order_pays_the_chosen_rate_and_its_sellers_always_selected_rates_once() {
        let seller = UserId::new();
        let other = UserId::new();
        let chosen = rate(None, 500, 100, false);
        let insurance = rate(Some(seller), 200, 50, true);
        let foreign = rate(Some(other), 900, 0, true);
        let rates = vec![insurance.clone(), foreign, rate(Some(seller), 300, 0, false)];
        let total = order_shipping(seller, Currency::USD, 4, Some(&chosen), &rates).unwrap();
        assert_eq!(total, usd(500 + 3 * 100 + 200 + 3 * 50));
        let once = order_shipping(seller, Currency::USD, 2, Some(&insurance), &rates).unwrap();
        assert_eq!(once, usd(250), "the chosen always-selected rate counts once");
        let none = order_shipping(other, Currency::USD, 1, None, &[]).unwrap();
        assert_eq!(none, usd(0));
        let etb = Currency::from_code("ETB").unwrap();
        assert_eq!(order_shipping(seller, etb, 1, Some(&chosen), &rates).unwrap(), Money::zero(etb));
    }

    #[test]
    fn carriers_and_rates_are_checked() {
        let now = Utc::now();
        let mut carrier = Carrier {
            id: Uuid::now_v7(),
            name: " DHL ".into(),
            code: "DHL".into(),
            status: CarrierStatus::Active,
            tracking_url_template: Some("https://dhl.example/t/{tracking_number}".into()),
            created_at: now,
            updated_at: now,
        };
        let mut errors = FieldErrors::new();
        carrier.check(&mut errors);
        assert!(errors.is_empty(), "{errors:?}");
        assert_eq!((carrier.name.as_str(), carrier.code.as_str()), ("DHL", "dhl"));
        assert_eq!(carrier.tracking_link("AB 1").as_deref(), Some("https://dhl.example/t/AB%201"));
        carrier.code = "no spaces".into();
        carrier.tracking_url_template = Some("https://dhl.example/t/".into());
        carrier.check(&mut errors);
        assert!(errors.get("code").is_some() && errors.get("tracking_url_template").is_some());
        let mut platform = rate(None, -1, 0, true);
        let mut errors = FieldErrors::new();
        platform.check(&mut errors);
        assert!(errors.get("price").is_some() && errors.get("always_selected").is_some());
    }
}
