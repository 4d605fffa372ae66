//! Brands, stores and store product lists: a seller's storefront identities, the physical stores
//! under each with their sales channels, and the per-store price, quantity and availability of
//! the seller's SKUs synchronised row by row.
//!
//! Rules decided here, where the contract leaves room:
//! - A store code is unique within its brand (ignoring case); a batch is created whole or not at
//!   all, each bad row reported as `stores[i].field`.
//! - A SKU has one entry per store: the list that last sent it holds it. Lists only add and edit
//!   rows; a SKU missing from a later list keeps its entry.
//! - A list row is accepted when its SKU is one of the seller's product or variant SKUs, its price
//!   is a valid amount of that product's currency (zero allowed) and its quantity an integer
//!   `>= 0`; a row equal to what the store already holds is counted `unchanged`.

use chrono::{DateTime, Utc};
use souk_kernel::{Currency, DomainError, FieldErrors, UserId};
use uuid::Uuid;

souk_kernel::typed_id!(
    /// Identifies a brand.
    BrandId
);

souk_kernel::typed_id!(
    /// Identifies a store.
    StoreId
);

souk_kernel::wire_enum!(
    /// Whether a store takes orders.
    StoreStatus {
        /// Open: found by nearest-store searches, may receive transfers.
        Active = "active",
        /// Closed for now.
        Inactive = "inactive",
    }
);

souk_kernel::wire_enum!(
    /// How a store serves its customers.
    SalesChannel {
        /// Delivered to the customer's address.
        Delivery = "delivery",
        /// Collected by the customer at the store.
        Pickup = "pickup",
        /// Fast delivery from the store.
        Express = "express",
        /// Sold over the counter.
        InStore = "in_store",
    }
);

/// Longest brand or store name, in characters.
pub const MAX_NAME: usize = 200;
/// Longest brand description, in characters.
pub const MAX_DESCRIPTION: usize = 2000;
/// Longest store code, in characters.
pub const MAX_CODE: usize = 64;
/// Most stores one batch may create.
pub const MAX_BATCH: usize = 500;
/// Most rows one product list may carry.
pub const MAX_LIST_ROWS: usize = 5000;

/// A seller's storefront identity; stores belong to a brand.
#[derive(Debug, Clone, PartialEq)]
pub struct Brand {
    /// Id.
    pub id: BrandId,
    /// The seller it belongs to.
    pub seller_id: UserId,
    /// Name shown to customers.
    pub name: String,
    /// Short description.
    pub description: Option<String>,
    /// Creation time.
    pub created_at: DateTime<Utc>,
    /// Last change.
    pub updated_at: DateTime<Utc>,
}

/// A physical store of a brand.
#[derive(Debug, Clone, PartialEq)]
pub struct Store {
    /// Id.
    pub id: StoreId,
    /// Its brand.
    pub brand_id: BrandId,
    /// The brand's seller.
    pub seller_id: UserId,
    /// The seller's code for it, unique within the brand.
    pub code: String,
    /// Name.
    pub name: String,
    /// City.
    pub city: String,
    /// Street address.
    pub address: String,
    /// Latitude of the store.
    pub lat: f64,
    /// Longitude of the store.
    pub lng: f64,
    /// How it sells.
    pub sales_channels: Vec<SalesChannel>,
    /// Open or closed.
    pub status: StoreStatus,
    /// Creation time.
    pub created_at: DateTime<Utc>,
    /// Last change.
    pub updated_at: DateTime<Utc>,
}

/// A store of a batch, as sent.
#[derive(Debug, Clone, Default)]
pub struct StoreInput {
    /// Code, unique within the brand.
    pub code: String,
    /// Name.
    pub name: String,
    /// City.
    pub city: String,
    /// Street address.
    pub address: String,
    /// Latitude.
    pub lat: f64,
    /// Longitude.
    pub lng: f64,
    /// Sales channels; at least one.
    pub sales_channels: Vec<SalesChannel>,
    /// `active` unless given.
    pub status: Option<StoreStatus>,
}

fn check_text(errors: &mut FieldErrors, field: String, value: &str, max: usize) {
    let trimmed = value.trim();
    if trimmed.is_empty() || trimmed.chars().count() > max {
        errors.add(field, format!("must be 1 to {max} characters"));
    }
}

/// Checks a brand's name and description.
pub fn check_brand(name: &str, description: Option<&str>) -> Result<(), DomainError> {
    let mut errors = FieldErrors::new();
    check_text(&mut errors, "name".into(), name, MAX_NAME);
    if description.is_some_and(|d| d.chars().count() > MAX_DESCRIPTION) {
        errors.add("description", format!("must be at most {MAX_DESCRIPTION} characters"));
    }
    errors.into_result()
}

/// Checks a batch of new stores against each other and against the codes the brand already
/// uses (lower-cased); every fault is reported as `stores[i].field`.
pub fn check_store_batch(rows: &[StoreInput], taken_codes: &[String]) -> Result<(), DomainError> {
    let mut errors = FieldErrors::new();
    if rows.is_empty() || rows.len() > MAX_BATCH {
        errors.add("stores", format!("must hold 1 to {MAX_BATCH} stores"));
    }
    let mut seen: Vec<String> = Vec::new();
    for (index, row) in rows.iter().enumerate() {
        let field = |name: &str| format!("stores[{index}].{name}");
        let code = row.code.trim();
        if code.is_empty()
            || code.chars().count() > MAX_CODE
            || !code.chars().all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c))
        {
            errors.add(field("code"), format!("must be 1 to {MAX_CODE} letters, digits, '-', '_' or '.'"));
        } else {
            let key = code.to_lowercase();
            if taken_codes.contains(&key) {
                errors.add(field("code"), "is already used by a store of this brand");
            } else if seen.contains(&key) {
                errors.add(field("code"), "appears twice in this batch");
            }
            seen.push(key);
        }
        check_text(&mut errors, field("name"), &row.name, MAX_NAME);
        check_text(&mut errors, field("city"), &row.city, MAX_NAME);
        check_text(&mut errors, field("address"), &row.address, 500);
        if !row.lat.is_finite() || !(-90.0..=90.0).contains(&row.lat) {
            errors.add(field("lat"), "must be between -90 and 90");
        }
        if !row.lng.is_finite() || !(-180.0..=180.0).contains(&row.lng) {
            errors.add(field("lng"), "must be between -180 and 180");
        }
        if row.sales_channels.is_empty() {
            errors.add(
                field("sales_channels"),
                format!("must name at least one of: {}", SalesChannel::names()),
            );
        }
    }
    errors.into_result()
}

/// Builds the stores of a checked batch.
pub fn new_stores(brand: &Brand, rows: Vec<StoreInput>, now: DateTime<Utc>) -> Vec<Store> {
    rows.into_iter()
        .map(|row| {
            let mut channels = row.sales_channels;
            channels.sort();
            channels.dedup();
            Store {
                id: StoreId::new(),
                brand_id: brand.id,
                seller_id: brand.seller_id,
                code: row.code.trim().to_owned(),
                name: row.name.trim().to_owned(),
                city: row.city.trim().to_owned(),
                address: row.address.trim().to_owned(),
                lat: row.lat,
                lng: row.lng,
                sales_channels: channels,
                status: row.status.unwrap_or(StoreStatus::Active),
                created_at: now,
                updated_at: now,
            }
        })
        .collect()
}

/// One SKU's entry in a store's list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ListItem {
    /// The store.
    pub store_id: StoreId,
    /// The seller's SKU.
    pub sku: String,
    /// The list that last set it.
    pub list_code: String,
    /// The product the SKU names.
    pub product_id: Uuid,
    /// The variant, when the SKU is a variant's.
    pub variant_id: Option<Uuid>,
    /// The store's price in minor units.
    pub price: i64,
    /// The price's currency (the product's).
    pub currency: Currency,
    /// Units on hand at the store.
    pub quantity: i64,
    /// Whether the store sells it now.
    pub available: bool,
    /// Last change.
    pub updated_at: DateTime<Utc>,
}

/// What a SKU of the seller is: its product, variant and currency.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SkuTarget {
    /// The product.
    pub product_id: Uuid,
    /// The variant, if the SKU is a variant's.
    pub variant_id: Option<Uuid>,
    /// The product's currency.
    pub currency: Currency,
}

/// A list row as it arrived (any JSON), before it is checked.
#[derive(Debug, Clone)]
pub struct RawListRow {
    /// Position in the list, from 0.
    pub index: usize,
    /// The row's JSON.
    pub value: serde_json::Value,
}

/// A refused row of a synchronisation.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct RejectedRow {
    /// Position in the list, from 0.
    pub index: usize,
    /// The SKU it named, if any.
    pub sku: Option<String>,
    /// Why it was refused.
    pub reason: String,
}

/// A checked row, ready to compare with what the store holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckedRow {
    /// The SKU.
    pub sku: String,
    /// What it names.
    pub target: SkuTarget,
    /// Price in minor units.
    pub price: i64,
    /// Units.
    pub quantity: i64,
    /// Sold now.
    pub available: bool,
}

/// The SKU a row names, if it names one as text.
pub fn row_sku(row: &serde_json::Value) -> Option<String> {
    row.get("sku").and_then(|s| s.as_str()).map(|s| s.trim().to_owned()).filter(|s| !s.is_empty())
}

/// Checks one list row against the seller's SKUs (`lookup` finds a SKU).
pub fn check_list_row(
    row: &serde_json::Value,
    lookup: impl Fn(&str) -> Option<SkuTarget>,
) -> Result<CheckedRow, String> {
    let object = row.as_object().ok_or("the row is not an object")?;
    if let Some(unknown) =
        object.keys().find(|k| !["sku", "price", "quantity", "available"].contains(&k.as_str()))
    {
        return Err(format!("unknown field {unknown:?}"));
    }
    let sku = row_sku(row).ok_or("sku is required and must be a string")?;
    let target = lookup(&sku)
        .ok_or_else(|| format!("sku {sku:?} is not one of the seller's product or variant SKUs"))?;
    let price_text = match object.get("price") {
        Some(serde_json::Value::String(s)) => s.trim().to_owned(),
        Some(serde_json::Value::Number(n)) => n.to_string(),
        _ => return Err("price is required as a decimal string or number".into()),
    };
    let price = target.currency.parse_amount(&price_text).map_err(|e| format!("price {e}"))?;
    if price.minor() < 0 {
        return Err("price must not be negative".into());
    }
    let quantity = match object.get("quantity") {
        Some(serde_json::Value::Number(n)) => n.as_i64().ok_or("quantity must be a whole number")?,
        _ => return Err("quantity is required as a whole number".into()),
    };
    if quantity < 0 {
        return Err("quantity must not be negative".into());
    }
    let available = match object.get("available") {
        None => quantity > 0,
        Some(serde_json::Value::Bool(b)) => *b,
        Some(_) => return Err("available must be true or false".into()),
    };
    Ok(CheckedRow { sku, target, price: price.minor(), quantity, available })
}

/// Checks a list code (1 to 64 letters, digits, `-`, `_`).
pub fn check_list_code(code: &str) -> Result<(), DomainError> {
    if code.is_empty()
        || code.len() > 64
        || !code.chars().all(|c| c.is_ascii_alphanumeric() || "-_".contains(c))
    {
        return Err(DomainError::invalid("list_code", "must be 1 to 64 letters, digits, '-' or '_'"));
    }
    Ok(())
}

/// True when a checked row says what the store already holds under the same list.
pub fn is_unchanged(existing: &ListItem, row: &CheckedRow, list_code: &str) -> bool {
    existing.list_code == list_code
        && existing.price == row.price
        && existing.quantity == row.quantity
        && existing.available == row.available
        && existing.currency == row.target.currency
        && existing.product_id == row.target.product_id
        && existing.variant_id == row.target.variant_id
}

/// The record of one list synchronisation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SyncReport {
    /// Id.
    pub id: Uuid,
    /// The store.
    pub store_id: StoreId,
    /// The list sent.
    pub list_code: String,
    /// Rows received.
    pub received: usize,
    /// Rows stored (new or changed).
    pub accepted: usize,
    /// Rows refused.
    pub rejected: usize,
    /// Rows equal to what the store held.
    pub unchanged: usize,
    /// Each refused row.
    pub rejected_rows: Vec<RejectedRow>,
    /// When it ran.
    pub created_at: DateTime<Utc>,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(code: &str) -> StoreInput {
        StoreInput {
            code: code.into(),
            name: "Bole".into(),
            city: "Addis Ababa".into(),
            address: "Bole Road 1".into(),
            lat: 9.0,
            lng: 38.7,
            sales_channels: vec![SalesChannel::Delivery],
            status: None,
        }
    }

    #[test]
    fn a_batch_reports_each_bad_row_by_index() {
        let mut bad = row("B-2");
        bad.lat = 91.0;
        bad.sales_channels.clear();
        let rows = vec![row("A-1"), bad, row("a-1"), row("taken"), row("sp ace")];
        let Err(DomainError::Validation(errors)) = check_store_batch(&rows, &["taken".into()]) else {
            panic!("expected field errors")
        };
        let fields: Vec<&String> = errors.iter().map(|(f, _)| f).collect();
        assert_eq!(
            fields,
            [
                "stores[1].lat",
                "stores[1].sales_channels",
                "stores[2].code",
                "stores[3].code",
                "stores[4].code"
            ]
        );
        assert!(check_store_batch(&[row("A-1"), row("A-2")], &[]).is_ok());
        assert!(check_store_batch(&[], &[]).is_err());
    }

    #[test]
    fn list_rows_are_checked_one_by_one() {
        let usd = Currency::from_code("USD").unwrap();
        let target = SkuTarget { product_id: Uuid::now_v7(), variant_id: None, currency: usd };
        let lookup = |sku: &str| (sku == "LAMP").then_some(target);
        let ok = check_list_row(&serde_json::json!({"sku": "LAMP", "price": "12.50", "quantity": 3}), lookup)
            .unwrap();
        assert_eq!((ok.price, ok.quantity, ok.available), (1250, 3, true));
        for (value, reason) in [
            (serde_json::json!({"sku": "NOPE", "price": "1", "quantity": 1}), "not one of the seller's"),
            (serde_json::json!({"sku": "LAMP", "price": "1.234", "quantity": 1}), "price"),
            (serde_json::json!({"sku": "LAMP", "price": "-1", "quantity": 1}), "negative"),
            (
                serde_json::json!({"sku": "LAMP", "price": "1", "quantity": -1}),
                "quantity must not be negative",
            ),
            (serde_json::json!({"sku": "LAMP", "price": "1", "quantity": 1.5}), "whole number"),
            (serde_json::json!({"price": "1", "quantity": 1}), "sku is required"),
            (
                serde_json::json!({"sku": "LAMP", "price": "1", "quantity": 1, "colour": "red"}),
                "unknown field",
            ),
            (serde_json::json!("LAMP"), "not an object"),
        ] {
            let error = check_list_row(&value, lookup).unwrap_err();
            assert!(error.contains(reason), "{value}: {error}");
        }
    }

    #[test]
    fn a_row_equal_to_the_stored_entry_is_unchanged() {
        let usd = Currency::from_code("USD").unwrap();
        let target = SkuTarget { product_id: Uuid::now_v7(), variant_id: None, currency: usd };
        let row = CheckedRow { sku: "LAMP".into(), target, price: 100, quantity: 2, available: true };
        let mut stored = ListItem {
            store_id: StoreId::new(),
            sku: "LAMP".into(),
            list_code: "main".into(),
            product_id: target.product_id,
            variant_id: None,
            price: 100,
            currency: usd,
            quantity: 2,
            available: true,
            updated_at: Utc::now(),
        };
        assert!(is_unchanged(&stored, &row, "main"));
        assert!(!is_unchanged(&stored, &row, "other"));
        stored.quantity = 1;
        assert!(!is_unchanged(&stored, &row, "main"));
    }

    #[test]
    fn list_codes_are_short_slugs() {
        assert!(check_list_code("main-2026").is_ok());
        assert!(check_list_code("").is_err());
        assert!(check_list_code("a b").is_err());
    }
}
