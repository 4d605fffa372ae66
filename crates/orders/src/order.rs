//! Orders and their lines: what a buyer bought from one seller, as snapshots that stay true when
//! the catalog changes, with exact totals.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use souk_kernel::{FieldErrors, Money, UserId, wire_enum};
use uuid::Uuid;

use crate::status::OrderStatus;

souk_kernel::typed_id!(
    /// Identifies an order.
    OrderId
);

wire_enum!(
    /// Where the money of an order stands.
    PaymentStatus { Unpaid = "unpaid", Paid = "paid", Failed = "failed", Refunded = "refunded", PartiallyRefunded = "partially_refunded" }
);

wire_enum!(
    /// How much of an order's payment went back to the buyer (a filter over `payment_status`).
    RefundStatus {
        /// Nothing refunded.
        None = "none",
        /// Part of it refunded.
        Partial = "partial",
        /// All of it refunded.
        Full = "full",
    }
);

wire_enum!(
    /// Where the goods of an order stand.
    DeliveryStatus { NotShipped = "not_shipped", Shipped = "shipped", Delivered = "delivered" }
);

wire_enum!(
    /// Where an order was made: a Souk checkout, or outside Souk and recorded by an integration.
    OrderSource { Checkout = "checkout", External = "external" }
);

/// The placeholder buyer of orders made outside Souk: a suspended account (created with the first
/// such order) that can never sign in, so no caller is ever the buyer party of an external order.
pub const EXTERNAL_BUYER: UserId = UserId(Uuid::from_u128(0x0000_0000_0000_7000_8000_0000_0000_e0b1));

wire_enum!(
    /// How the buyer gets the goods.
    Fulfillment { Delivery = "delivery", Pickup = "pickup" }
);

/// A postal address, as the buyer gave it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Address {
    /// Recipient.
    pub name: String,
    /// Phone to call on delivery.
    pub phone: String,
    /// Street and number.
    pub line1: String,
    /// More of the address.
    pub line2: Option<String>,
    /// City.
    pub city: String,
    /// State or region.
    pub state: Option<String>,
    /// Postal code.
    pub postal_code: Option<String>,
    /// ISO 3166-1 alpha-2 country.
    pub country: String,
    /// Latitude.
    pub lat: Option<f64>,
    /// Longitude.
    pub lng: Option<f64>,
}

impl Address {
    /// Checks every field, naming it under `prefix` (`shipping_address.city`).
    pub fn check(&mut self, prefix: &str, errors: &mut FieldErrors) {
        let mut required = |field: &str, value: &mut String, max: usize| {
            *value = value.trim().to_owned();
            if value.is_empty() || value.chars().count() > max {
                errors.add(format!("{prefix}.{field}"), format!("must be 1 to {max} characters"));
            }
        };
        required("name", &mut self.name, 200);
        required("phone", &mut self.phone, 32);
        required("line1", &mut self.line1, 300);
        required("city", &mut self.city, 100);
        for (field, value, max) in [
            ("line2", &mut self.line2, 300),
            ("state", &mut self.state, 100),
            ("postal_code", &mut self.postal_code, 20),
        ] {
            *value = value.take().map(|v| v.trim().to_owned()).filter(|v| !v.is_empty());
            if value.as_ref().is_some_and(|v| v.chars().count() > max) {
                errors.add(format!("{prefix}.{field}"), format!("must be at most {max} characters"));
            }
        }
        self.country = self.country.trim().to_ascii_uppercase();
        if self.country.len() != 2 || !self.country.bytes().all(|b| b.is_ascii_uppercase()) {
            errors.add(format!("{prefix}.country"), "must be an ISO 3166-1 alpha-2 code such as ET");
        }
        if self.lat.is_some_and(|l| !(-90.0..=90.0).contains(&l)) {
            errors.add(format!("{prefix}.lat"), "must be between -90 and 90");
        }
        if self.lng.is_some_and(|l| !(-180.0..=180.0).contains(&l)) {
            errors.add(format!("{prefix}.lng"), "must be between -180 and 180");
        }
    }
}

/// An add-on chosen for a line, as sold.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChosenAddOn {
    /// The add-on.
    pub id: Uuid,
    /// Its title when sold.
    pub title: String,
    /// Its price per line when sold, in minor units of the order's currency.
    pub price: i64,
}

/// The rental period of a line: whole days from `start` to `end`, both included.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RentalPeriod {
    /// First day.
    pub start: NaiveDate,
    /// Last day.
    pub end: NaiveDate,
}

impl RentalPeriod {
    /// Days rented, counting both ends.
    pub fn days(&self) -> i64 {
        (self.end - self.start).num_days() + 1
    }

    /// True when the two periods share a day.
    pub fn overlaps(&self, other: &RentalPeriod) -> bool {
        self.start <= other.end && other.start <= self.end
    }
}

/// One line of an order: a snapshot of what was sold.
#[derive(Debug, Clone, PartialEq)]
pub struct OrderLine {
    /// Id.
    pub id: Uuid,
    /// The product.
    pub product_id: Uuid,
    /// The variant, if one was chosen.
    pub variant_id: Option<Uuid>,
    /// Product title when sold.
    pub title: String,
    /// Variant title when sold.
    pub variant_title: Option<String>,
    /// SKU when sold.
    pub sku: Option<String>,
    /// Unit price when sold (for rentals: the daily rate).
    pub unit_price: Money,
    /// Units (for rentals: units rented).
    pub quantity: i64,
    /// Add-ons chosen for the line.
    pub add_ons: Vec<ChosenAddOn>,
    /// The rental period, for rental lines.
    pub rental: Option<RentalPeriod>,
    /// `unit_price x quantity` (x days for rentals) plus the add-ons.
    pub line_total: Money,
    /// Whether checkout reserved stock for the line (tracked stock, not a rental), so exactly
    /// what was held is given back.
    pub stock_held: bool,
    /// The trial terms the line was sold with, as JSON.
    pub trial_policy: Option<serde_json::Value>,
}

/// Money of an order, all in its currency.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Totals {
    /// Sum of the line totals.
    pub subtotal: Money,
    /// Coupon discount.
    pub discount: Money,
    /// Shipping.
    pub shipping: Money,
    /// Platform or payment fee charged to the buyer.
    pub fee: Money,
    /// What the buyer pays: subtotal - discount + shipping + fee.
    pub total: Money,
}

/// An order: what one buyer bought from one seller in one checkout.
#[derive(Debug, Clone, PartialEq)]
pub struct Order {
    /// Id.
    pub id: OrderId,
    /// Human number (`SK-000123`).
    pub number: String,
    /// The checkout it came from (shared by the orders of one checkout).
    pub cart_id: Uuid,
    /// The buyer.
    pub buyer_id: UserId,
    /// The seller.
    pub seller_id: UserId,
    /// The seller's customer record of the buyer.
    pub customer_id: Option<Uuid>,
    /// The coupon code that discounted the order, as the seller wrote it.
    pub coupon_code: Option<String>,
    /// A Souk checkout or an order recorded from outside.
    pub source: OrderSource,
    /// Lifecycle state.
    pub status: OrderStatus,
    /// Money state.
    pub payment_status: PaymentStatus,
    /// Goods state.
    pub delivery_status: DeliveryStatus,
    /// Lines in the buyer's order.
    pub lines: Vec<OrderLine>,
    /// Totals.
    pub totals: Totals,
    /// Delivery or pickup.
    pub fulfillment: Fulfillment,
    /// Where to deliver.
    pub shipping_address: Address,
    /// Where to bill.
    pub billing_address: Option<Address>,
    /// The buyer's note to the seller.
    pub note: Option<String>,
    /// Hidden from default lists.
    pub is_archived: bool,
    /// When the trial ends (once delivered with a trial).
    pub trial_ends_at: Option<DateTime<Utc>>,
    /// When the escrow becomes due for automatic release (the trial's end, or the release delay
    /// after delivery when there is no trial).
    pub release_at: Option<DateTime<Utc>>,
    /// When an unpaid order expires and releases its stock.
    pub expires_at: Option<DateTime<Utc>>,
    /// Creation time.
    pub created_at: DateTime<Utc>,
    /// Last change.
    pub updated_at: DateTime<Utc>,
}

impl Order {
    /// True when any line was sold with a trial policy.
    pub fn has_trial(&self) -> bool {
        self.lines.iter().any(|l| l.trial_policy.is_some())
    }

    /// Units across all lines.
    pub fn quantity(&self) -> i64 {
        self.lines.iter().map(|l| l.quantity).sum()
    }
}

/// The human number of the `n`th order (`SK-000123`).
pub fn order_number(n: i64) -> String {
    format!("SK-{n:06}")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn address() -> Address {
        Address {
            name: " Amina ".into(),
            phone: "+251911000000".into(),
            line1: "Bole Road 1".into(),
            line2: Some("  ".into()),
            city: "Addis Ababa".into(),
            state: None,
            postal_code: None,
            country: "et".into(),
            lat: None,
            lng: None,
        }
    }

    #[test]
    fn addresses_are_trimmed_and_checked() {
        let mut ok = address();
        let mut errors = FieldErrors::new();
        ok.check("shipping_address", &mut errors);
        assert!(errors.is_empty(), "{errors:?}");
        assert_eq!((ok.name.as_str(), ok.country.as_str(), ok.line2.clone()), ("Amina", "ET", None));
        let mut bad =
            Address { city: String::new(), country: "Ethiopia".into(), lat: Some(91.0), ..address() };
        bad.check("shipping_address", &mut errors);
        for field in ["shipping_address.city", "shipping_address.country", "shipping_address.lat"] {
            assert!(errors.get(field).is_some(), "{field}");
        }
    }

    #[test]
    fn rental_periods_count_both_ends_and_overlap_on_a_shared_day() {
        let day = |d: u32| NaiveDate::from_ymd_opt(2026, 12, d).unwrap();
        let first = RentalPeriod { start: day(1), end: day(3) };
        assert_eq!(first.days(), 3);
        assert!(first.overlaps(&RentalPeriod { start: day(3), end: day(5) }));
        assert!(!first.overlaps(&RentalPeriod { start: day(4), end: day(5) }));
        assert_eq!(order_number(123), "SK-000123");
    }
}
