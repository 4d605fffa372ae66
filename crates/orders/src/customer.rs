//! Customers of sellers: one record per seller and e-mail (matched without regard to case), kept
//! by the seller or made at checkout from the buyer's shipping address, with what the customer
//! has spent.
//!
//! `order_count` and `amount_spent` count the customer's paid orders with the seller
//! (`payment_status` `paid` or `partially_refunded`, or `status` `completed`), at their order
//! totals (not net of refunds), one sum per currency; `latest_order` is the newest order in any
//! state.

use chrono::{DateTime, Utc};
use souk_kernel::{DomainError, FieldErrors, Money, UserId, wire_enum};
use uuid::Uuid;

use crate::order::Address;

souk_kernel::typed_id!(
    /// Identifies a customer record.
    CustomerId
);

wire_enum!(
    /// Whether the customer agreed to the seller's marketing mail.
    SubscriptionStatus { Subscribed = "subscribed", NotSubscribed = "not_subscribed" }
);

/// The checked contact fields of a customer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CustomerFields {
    /// E-mail as given (trimmed).
    pub email: String,
    /// Full name.
    pub name: Option<String>,
    /// Phone.
    pub phone: Option<String>,
    /// Street address.
    pub address: Option<String>,
    /// City.
    pub city: Option<String>,
    /// Postal code.
    pub postal_code: Option<String>,
    /// ISO 3166-1 alpha-2 country.
    pub country: Option<String>,
    /// Marketing consent.
    pub subscription_status: SubscriptionStatus,
}

/// A seller's customer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Customer {
    /// Id.
    pub id: CustomerId,
    /// The seller whose customer it is.
    pub seller_id: UserId,
    /// The Souk account that bought as this customer, if any.
    pub user_id: Option<UserId>,
    /// Contact fields.
    pub fields: CustomerFields,
    /// Creation time.
    pub created_at: DateTime<Utc>,
    /// Last change.
    pub updated_at: DateTime<Utc>,
}

/// The newest order of a customer, in short.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LatestOrder {
    /// Order id.
    pub id: Uuid,
    /// Human number.
    pub number: String,
    /// When it was made.
    pub created_at: DateTime<Utc>,
}

/// What a customer has bought from the seller.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CustomerStats {
    /// Paid orders.
    pub order_count: i64,
    /// Totals of the paid orders, one sum per currency (by currency code).
    pub amount_spent: Vec<Money>,
    /// The newest order in any state.
    pub latest_order: Option<LatestOrder>,
}

/// The fields of a customer write, unchecked.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CustomerInput {
    /// E-mail (required).
    pub email: String,
    /// Full name.
    pub name: Option<String>,
    /// Phone.
    pub phone: Option<String>,
    /// Street address.
    pub address: Option<String>,
    /// City.
    pub city: Option<String>,
    /// Postal code.
    pub postal_code: Option<String>,
    /// Country code.
    pub country: Option<String>,
    /// Marketing consent (`not_subscribed` when absent).
    pub subscription_status: Option<SubscriptionStatus>,
}

/// Changes to a customer; absent fields stay, `Some(None)` clears.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CustomerPatch {
    /// New e-mail.
    pub email: Option<String>,
    /// New name.
    pub name: Option<Option<String>>,
    /// New phone.
    pub phone: Option<Option<String>>,
    /// New street address.
    pub address: Option<Option<String>>,
    /// New city.
    pub city: Option<Option<String>>,
    /// New postal code.
    pub postal_code: Option<Option<String>>,
    /// New country.
    pub country: Option<Option<String>>,
    /// New consent.
    pub subscription_status: Option<SubscriptionStatus>,
}

/// The matching key of an e-mail: unique per seller, without regard to case.
pub fn email_key(email: &str) -> String {
    email.trim().to_lowercase()
}

fn plausible_email(email: &str) -> bool {
    email.split_once('@').is_some_and(|(local, domain)| {
        !local.is_empty()
            && domain.contains('.')
            && !domain.starts_with('.')
            && !domain.ends_with('.')
            && !domain.contains('@')
            && !email.chars().any(|c| c.is_whitespace() || c.is_control())
            && email.len() <= 254
    })
}

fn optional(errors: &mut FieldErrors, field: &str, value: Option<String>, max: usize) -> Option<String> {
    let value = value.map(|v| v.trim().to_owned()).filter(|v| !v.is_empty());
    if value.as_ref().is_some_and(|v| v.chars().count() > max) {
        errors.add(field, format!("must be at most {max} characters"));
    }
    value
}

/// Checks a customer write: a plausible e-mail, text fields within their lengths, a two-letter
/// country code.
pub fn check_customer(input: CustomerInput) -> Result<CustomerFields, DomainError> {
    let mut errors = FieldErrors::new();
    let email = input.email.trim().to_owned();
    if !plausible_email(&email) {
        errors.add("email", "must be a valid e-mail address");
    }
    let name = optional(&mut errors, "name", input.name, 200);
    let phone = optional(&mut errors, "phone", input.phone, 32);
    let address = optional(&mut errors, "address", input.address, 300);
    let city = optional(&mut errors, "city", input.city, 100);
    let postal_code = optional(&mut errors, "postal_code", input.postal_code, 20);
    let country = input.country.map(|c| c.trim().to_ascii_uppercase()).filter(|c| !c.is_empty());
    if country.as_ref().is_some_and(|c| c.len() != 2 || !c.bytes().all(|b| b.is_ascii_uppercase())) {
        errors.add("country", "must be an ISO 3166-1 alpha-2 code such as ET");
    }
    errors.into_result()?;
    Ok(CustomerFields {
        email,
        name,
        phone,
        address,
        city,
        postal_code,
        country,
        subscription_status: input.subscription_status.unwrap_or(SubscriptionStatus::NotSubscribed),
    })
}

impl Customer {
    /// The customer's fields as a write would state them, for merging a patch.
    pub fn to_input(&self) -> CustomerInput {
        let f = self.fields.clone();
        CustomerInput {
            email: f.email,
            name: f.name,
            phone: f.phone,
            address: f.address,
            city: f.city,
            postal_code: f.postal_code,
            country: f.country,
            subscription_status: Some(f.subscription_status),
        }
    }
}

impl CustomerPatch {
    /// The write that results from applying the patch to `input`.
    pub fn apply(self, mut input: CustomerInput) -> CustomerInput {
        if let Some(email) = self.email {
            input.email = email;
        }
        for (target, value) in [
            (&mut input.name, self.name),
            (&mut input.phone, self.phone),
            (&mut input.address, self.address),
            (&mut input.city, self.city),
            (&mut input.postal_code, self.postal_code),
            (&mut input.country, self.country),
        ] {
            if let Some(value) = value {
                *target = value;
            }
        }
        if let Some(status) = self.subscription_status {
            input.subscription_status = Some(status);
        }
        input
    }
}

/// The customer record checkout makes for a buyer: the buyer's e-mail, with name, phone and
/// address from the shipping address.
pub fn from_checkout(email: &str, shipping: &Address) -> CustomerFields {
    let street = match &shipping.line2 {
        Some(line2) => format!("{}, {line2}", shipping.line1),
        None => shipping.line1.clone(),
    };
    CustomerFields {
        email: email.trim().to_owned(),
        name: Some(shipping.name.clone()),
        phone: Some(shipping.phone.clone()),
        address: Some(street.chars().take(300).collect()),
        city: Some(shipping.city.clone()),
        postal_code: shipping.postal_code.clone(),
        country: Some(shipping.country.clone()),
        subscription_status: SubscriptionStatus::NotSubscribed,
    }
}

/// Fills the fields a customer record lacks from a newer one (checkout never overwrites what
/// the seller keeps); true when anything changed.
pub fn fill_missing(fields: &mut CustomerFields, newer: &CustomerFields) -> bool {
    let mut changed = false;
    for (target, value) in [
        (&mut fields.name, &newer.name),
        (&mut fields.phone, &newer.phone),
        (&mut fields.address, &newer.address),
        (&mut fields.city, &newer.city),
        (&mut fields.postal_code, &newer.postal_code),
        (&mut fields.country, &newer.country),
    ] {
        if target.is_none() && value.is_some() {
            target.clone_from(value);
            changed = true;
        }
    }
    changed
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn customers_are_checked_and_trimmed() {
        let fields = check_customer(CustomerInput {
            email: " Amina@Example.com ".into(),
            name: Some("  ".into()),
            country: Some("et".into()),
            ..CustomerInput::default()
        })
        .unwrap();
        assert_eq!(
            (fields.email.as_str(), fields.name.clone(), fields.country.as_deref()),
            ("Amina@Example.com", None, Some("ET"))
        );
        assert_eq!(fields.subscription_status, SubscriptionStatus::NotSubscribed);
        assert_eq!(email_key(" Amina@Example.com "), "amina@example.com");
        let Err(DomainError::Validation(errors)) = check_customer(CustomerInput {
            email: "not-an-email".into(),
            phone: Some("1".repeat(33)),
            country: Some("Ethiopia".into()),
            ..CustomerInput::default()
        }) else {
            panic!("refused");
        };
        for field in ["email", "phone", "country"] {
            assert!(errors.get(field).is_some(), "{field}");
        }
    }

    #[test]
    fn patches_merge_and_checkout_fills_only_what_is_missing() {
        let address = Address {
            name: "Amina".into(),
            phone: "+251911000000".into(),
            line1: "Bole Road 1".into(),
            line2: Some("Flat 3".into()),
            city: "Addis Ababa".into(),
            state: None,
            postal_code: None,
            country: "ET".into(),
            lat: None,
            lng: None,
        };
        let from_order = from_checkout("amina@example.com", &address);
        assert_eq!(from_order.address.as_deref(), Some("Bole Road 1, Flat 3"));
        let mut kept = check_customer(CustomerInput {
            email: "amina@example.com".into(),
            name: Some("Amina B.".into()),
            ..CustomerInput::default()
        })
        .unwrap();
        assert!(fill_missing(&mut kept, &from_order));
        assert_eq!((kept.name.as_deref(), kept.city.as_deref()), (Some("Amina B."), Some("Addis Ababa")));
        assert!(!fill_missing(&mut kept, &from_order), "nothing left to fill");
        let now = Utc::now();
        let customer = Customer {
            id: CustomerId::new(),
            seller_id: UserId::new(),
            user_id: None,
            fields: kept,
            created_at: now,
            updated_at: now,
        };
        let patch = CustomerPatch {
            name: Some(None),
            subscription_status: Some(SubscriptionStatus::Subscribed),
            ..CustomerPatch::default()
        };
        let fields = check_customer(patch.apply(customer.to_input())).unwrap();
        assert_eq!((fields.name, fields.subscription_status), (None, SubscriptionStatus::Subscribed));
    }
}
