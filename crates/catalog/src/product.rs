//! Products: the aggregate (options, variants, add-ons, properties, images, trial policy, rental
//! terms), its field rules, and how a partial input is applied to it.

use chrono::{DateTime, Utc};
use souk_kernel::{AmountInput, Currency, DomainError, FieldErrors, Money, UserId, wire_enum};
use uuid::Uuid;

use crate::category::CategoryId;
use crate::slug::{is_slug, slugify};
use crate::terms::{RentalTerms, TrialPolicy};
use crate::variant::{AddOn, ProductOption, Variant};

souk_kernel::typed_id!(
    /// Identifies a product.
    ProductId
);

wire_enum!(
    /// The physical state of the goods.
    Condition { New = "new", Used = "used", Refurbished = "refurbished" }
);

wire_enum!(
    /// The seller's publishing state.
    ProductStatus { Draft = "draft", Published = "published", Archived = "archived" }
);

wire_enum!(
    /// Where a published product shows: listings (`catalog`), search results (`search`), both, or
    /// neither (`none`: only its owner and admins see it).
    Visibility { Both = "both", Catalog = "catalog", Search = "search", None = "none" }
);

wire_enum!(
    /// The platform's moderation state; only admins change it.
    AdminStatus { Waiting = "waiting", Approved = "approved", Rejected = "rejected", Blocked = "blocked" }
);

/// Longest description kept, in characters.
pub const MAX_DESCRIPTION: usize = 20_000;
/// Most options per product.
pub const MAX_OPTIONS: usize = 5;
/// Most variants per product.
pub const MAX_VARIANTS: usize = 250;
/// Most properties per product.
pub const MAX_PROPERTIES: usize = 100;
/// Most images per product.
pub const MAX_IMAGES: usize = 50;

/// A name/value fact shown on the product page (`Material: oak`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Property {
    /// Name, 1 to 100 characters.
    pub name: String,
    /// Value, 1 to 500 characters.
    pub value: String,
}

/// An image of the product gallery: a stored file, in gallery order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProductImage {
    /// The stored file.
    pub file_id: Uuid,
    /// Alternative text.
    pub alt: Option<String>,
}

/// Where the goods are.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Location {
    /// Free-form place (warehouse, shop).
    pub location: Option<String>,
    /// City.
    pub city: Option<String>,
    /// State or region.
    pub state: Option<String>,
    /// ISO 3166-1 alpha-2 country code.
    pub country: Option<String>,
    /// Latitude, -90 to 90.
    pub lat: Option<f64>,
    /// Longitude, -180 to 180.
    pub lng: Option<f64>,
}

/// A product with everything that belongs to it.
#[derive(Debug, Clone, PartialEq)]
pub struct Product {
    /// Id.
    pub id: ProductId,
    /// The selling account.
    pub seller_id: UserId,
    /// Title, 3 to 100 characters.
    pub title: String,
    /// Unique URL slug.
    pub slug: String,
    /// Long description.
    pub description: Option<String>,
    /// HTML title for search engines.
    pub page_title: Option<String>,
    /// Meta description for search engines.
    pub meta_description: Option<String>,
    /// Category.
    pub category_id: Option<CategoryId>,
    /// Condition of the goods.
    pub condition: Condition,
    /// Publishing state.
    pub status: ProductStatus,
    /// Where it shows.
    pub visibility: Visibility,
    /// Moderation state.
    pub admin_status: AdminStatus,
    /// Why moderation decided as it did.
    pub admin_status_reason: Option<String>,
    /// Delivered as a download.
    pub is_digital: bool,
    /// Needs a shipping address and rate.
    pub requires_shipping: bool,
    /// Price of one unit (carries the product's currency).
    pub price: Money,
    /// The higher "was" price shown struck through.
    pub compare_price: Option<Money>,
    /// Stock keeping unit, unique per seller.
    pub sku: Option<String>,
    /// Units on hand (of a product without variants).
    pub quantity: i64,
    /// Units held by open orders; only checkout and order changes move it, never a product save.
    pub reserved: i64,
    /// Whether stock is counted at all.
    pub stock_tracked: bool,
    /// Whether buyers may order when out of stock.
    pub allow_order_when_oos: bool,
    /// Least units per order line.
    pub min_qty: i32,
    /// Shipping weight in grams.
    pub weight_grams: Option<i64>,
    /// Where the goods are.
    pub location: Location,
    /// The id in the seller's own system.
    pub external_id: Option<String>,
    /// Featured on the home page.
    pub on_homepage: bool,
    /// Options that span the variants (`Size`, `Colour`).
    pub options: Vec<ProductOption>,
    /// Purchasable variants.
    pub variants: Vec<Variant>,
    /// Extras chosen per order line.
    pub add_ons: Vec<AddOn>,
    /// Name/value facts.
    pub properties: Vec<Property>,
    /// Gallery images in order.
    pub images: Vec<ProductImage>,
    /// Try-before-you-buy terms.
    pub trial_policy: Option<TrialPolicy>,
    /// Rental terms.
    pub rental: Option<RentalTerms>,
    /// Soft deletion time.
    pub deleted_at: Option<DateTime<Utc>>,
    /// Creation time.
    pub created_at: DateTime<Utc>,
    /// Last change.
    pub updated_at: DateTime<Utc>,
}

impl Product {
    /// The product's currency.
    pub fn currency(&self) -> Currency {
        self.price.currency()
    }

    /// What access checks need to know.
    pub fn access(&self) -> crate::ProductAccess {
        crate::ProductAccess {
            seller_id: self.seller_id,
            listed: self.status == ProductStatus::Published
                && self.admin_status == AdminStatus::Approved
                && self.visibility != Visibility::None,
            deleted: self.deleted_at.is_some(),
        }
    }

    /// Refuses stock below what open orders hold: `available` never goes negative.
    pub fn check_reservations_covered(&self) -> Result<(), DomainError> {
        let mut errors = FieldErrors::new();
        if self.quantity < self.reserved {
            errors.add("quantity", format!("must be at least {}, the units open orders hold", self.reserved));
        }
        for (i, variant) in self.variants.iter().enumerate() {
            if variant.quantity < variant.reserved {
                errors.add(
                    format!("variants[{i}].quantity"),
                    format!("must be at least {}, the units open orders hold", variant.reserved),
                );
            }
        }
        if errors.is_empty() {
            return Ok(());
        }
        Err(DomainError::ConflictIn {
            message: "stock cannot drop below what open orders hold".into(),
            errors,
        })
    }

    /// Every SKU the product claims (its own and its variants').
    pub fn skus(&self) -> Vec<(&str, Option<Uuid>)> {
        self.sku
            .iter()
            .map(|sku| (sku.as_str(), None))
            .chain(
                self.variants.iter().filter_map(|v| v.sku.as_deref().map(|sku| (sku, Some(v.id.as_uuid())))),
            )
            .collect()
    }
}

/// A field given or not; for nullable fields `Some(None)` clears it.
pub type Patch<T> = Option<T>;

/// The scalar fields of a create or update request, each optional (a create requires `title`
/// and `price`); amounts are exact text until the currency is known.
#[derive(Debug, Clone, Default)]
pub struct ProductInput {
    /// Title.
    pub title: Patch<String>,
    /// Slug; generated from the title on create when absent.
    pub slug: Patch<String>,
    /// Description.
    pub description: Patch<Option<String>>,
    /// HTML title.
    pub page_title: Patch<Option<String>>,
    /// Meta description.
    pub meta_description: Patch<Option<String>>,
    /// Category.
    pub category_id: Patch<Option<CategoryId>>,
    /// Condition.
    pub condition: Patch<Condition>,
    /// Publishing state.
    pub status: Patch<ProductStatus>,
    /// Visibility.
    pub visibility: Patch<Visibility>,
    /// Download instead of shipment.
    pub is_digital: Patch<bool>,
    /// Needs shipping.
    pub requires_shipping: Patch<bool>,
    /// ISO 4217 code; fixed once the product exists.
    pub currency: Patch<String>,
    /// Price, greater than zero.
    pub price: Patch<AmountInput>,
    /// Compare-at price.
    pub compare_price: Patch<Option<AmountInput>>,
    /// SKU.
    pub sku: Patch<Option<String>>,
    /// Units on hand.
    pub quantity: Patch<i64>,
    /// Stock counted.
    pub stock_tracked: Patch<bool>,
    /// Orders allowed when out of stock.
    pub allow_order_when_oos: Patch<bool>,
    /// Least units per line.
    pub min_qty: Patch<i32>,
    /// Weight in kilograms, up to three decimals.
    pub weight: Patch<Option<AmountInput>>,
    /// Free-form place.
    pub location: Patch<Option<String>>,
    /// City.
    pub city: Patch<Option<String>>,
    /// State.
    pub state: Patch<Option<String>>,
    /// Country code.
    pub country: Patch<Option<String>>,
    /// Latitude.
    pub lat: Patch<Option<f64>>,
    /// Longitude.
    pub lng: Patch<Option<f64>>,
    /// Id in the seller's system.
    pub external_id: Patch<Option<String>>,
    /// Featured.
    pub on_homepage: Patch<bool>,
    /// Name/value facts; replaces the list when given.
    pub properties: Patch<Vec<Property>>,
}

/// Checks a text length in characters, recording an error against `field`.
pub fn check_len(errors: &mut FieldErrors, field: &str, text: &str, min: usize, max: usize) {
    let count = text.chars().count();
    if count < min || count > max {
        if min <= 1 {
            errors.add(field, format!("must be 1 to {max} characters"));
        } else {
            errors.add(field, format!("must be {min} to {max} characters"));
        }
    }
}

fn optional_text(errors: &mut FieldErrors, field: &str, value: Option<String>, max: usize) -> Option<String> {
    let value = value.map(|v| v.trim().to_owned()).filter(|v| !v.is_empty())?;
    check_len(errors, field, &value, 1, max);
    Some(value)
}

/// Parses an amount that must be greater than zero.
pub fn positive_amount(
    errors: &mut FieldErrors,
    field: &str,
    input: &AmountInput,
    currency: Currency,
) -> Option<Money> {
    amount_at_least(errors, field, input, currency, 1)
}

/// Parses an amount that must not be negative.
pub fn non_negative_amount(
    errors: &mut FieldErrors,
    field: &str,
    input: &AmountInput,
    currency: Currency,
) -> Option<Money> {
    amount_at_least(errors, field, input, currency, 0)
}

fn amount_at_least(
    errors: &mut FieldErrors,
    field: &str,
    input: &AmountInput,
    currency: Currency,
    least_minor: i64,
) -> Option<Money> {
    match input.to_money(currency) {
        Ok(money) if money.minor() >= least_minor => Some(money),
        Ok(_) if least_minor > 0 => {
            errors.add(field, "must be greater than zero");
            None
        }
        Ok(_) => {
            errors.add(field, "must not be negative");
            None
        }
        Err(error) => {
            errors.add(field, error.to_string());
            None
        }
    }
}

/// Kilograms with up to three decimals as whole grams.
pub fn weight_grams(errors: &mut FieldErrors, field: &str, input: &AmountInput) -> Option<i64> {
    match parse_fixed(input.as_str(), 3) {
        Some(grams) if grams >= 0 => Some(grams),
        Some(_) => {
            errors.add(field, "must not be negative");
            None
        }
        None => {
            errors.add(field, "must be kilograms with at most 3 decimals, such as \"1.250\"");
            None
        }
    }
}

/// An exact decimal with at most `decimals` places as an integer of that scale (`"1.25"` at 3
/// is `1250`); `None` when malformed, too precise or too large.
pub fn parse_fixed(text: &str, decimals: u32) -> Option<i64> {
    let (negative, unsigned) = text.strip_prefix('-').map_or((false, text), |rest| (true, rest));
    let (whole, fraction) = unsigned.split_once('.').unwrap_or((unsigned, ""));
    let digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
    let fraction = fraction.trim_end_matches('0');
    if whole.is_empty() || !digits(whole) || !digits(fraction) || fraction.len() > decimals as usize {
        return None;
    }
    let scaled =
        whole.parse::<i64>().ok()?.checked_mul(10i64.pow(decimals))?.checked_add(
            format!("{fraction:0<width$}", width = decimals as usize).parse::<i64>().unwrap_or(0),
        )?;
    Some(if negative { -scaled } else { scaled })
}

/// Grams as the kilogram string shown on the wire (`1250` is `"1.250"`).
pub fn weight_kilograms(grams: i64) -> String {
    format!("{}.{:03}", grams / 1000, grams % 1000)
}

/// True for a SKU of 1 to 64 letters, digits and `-_./`.
pub fn is_sku(sku: &str) -> bool {
    (1..=64).contains(&sku.len())
        && sku.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'/'))
}

/// A product before its first save: the seller, the currency and defaults for everything else.
pub fn blank(seller_id: UserId, currency: Currency, now: DateTime<Utc>) -> Product {
    Product {
        id: ProductId::new(),
        seller_id,
        title: String::new(),
        slug: String::new(),
        description: None,
        page_title: None,
        meta_description: None,
        category_id: None,
        condition: Condition::New,
        status: ProductStatus::Draft,
        visibility: Visibility::Both,
        admin_status: AdminStatus::Waiting,
        admin_status_reason: None,
        is_digital: false,
        requires_shipping: true,
        price: Money::zero(currency),
        compare_price: None,
        sku: None,
        quantity: 0,
        reserved: 0,
        stock_tracked: true,
        allow_order_when_oos: false,
        min_qty: 1,
        weight_grams: None,
        location: Location::default(),
        external_id: None,
        on_homepage: false,
        options: Vec::new(),
        variants: Vec::new(),
        add_ons: Vec::new(),
        properties: Vec::new(),
        images: Vec::new(),
        trial_policy: None,
        rental: None,
        deleted_at: None,
        created_at: now,
        updated_at: now,
    }
}

/// The currency of a create request (`USD` when absent).
pub fn input_currency(input: &ProductInput) -> Result<Currency, DomainError> {
    match &input.currency {
        None => Ok(Currency::USD),
        Some(code) => Currency::from_code(code).map_err(|e| DomainError::invalid("currency", e.to_string())),
    }
}

/// Applies the scalar fields of `input` to `product`, gathering every field error. A create must
/// give `title` and `price`; the currency never changes after creation. Returns the slug base to
/// make unique when the slug must be (re)generated or was given explicitly: `(base, explicit)`.
pub fn apply_input(
    product: &mut Product,
    input: ProductInput,
    creating: bool,
    errors: &mut FieldErrors,
) -> Option<(String, bool)> {
    let currency = product.currency();
    if let Some(code) = &input.currency
        && !creating
        && code != currency.code()
    {
        errors.add("currency", "cannot change once the product exists; create a new product instead");
    }
    apply_location(product, &input, errors);
    if creating && input.title.is_none() {
        errors.add("title", "is required");
    }
    if creating && input.price.is_none() {
        errors.add("price", "is required");
    }
    if let Some(title) = input.title {
        let title = title.trim().to_owned();
        check_len(errors, "title", &title, 3, 100);
        product.title = title;
    }
    let slug = match input.slug {
        Some(slug) if !is_slug(&slug) => {
            errors.add("slug", "must be lower-case letters, digits and single dashes (at most 120)");
            None
        }
        Some(slug) => Some((slug, true)),
        None if creating => Some((slugify(&product.title, "product"), false)),
        None => None,
    };
    if let Some(description) = input.description {
        product.description = optional_text(errors, "description", description, MAX_DESCRIPTION);
    }
    if let Some(page_title) = input.page_title {
        product.page_title = optional_text(errors, "page_title", page_title, 200);
    }
    if let Some(meta) = input.meta_description {
        product.meta_description = optional_text(errors, "meta_description", meta, 500);
    }
    if let Some(category) = input.category_id {
        product.category_id = category;
    }
    if let Some(condition) = input.condition {
        product.condition = condition;
    }
    if let Some(status) = input.status {
        product.status = status;
    }
    if let Some(visibility) = input.visibility {
        product.visibility = visibility;
    }
    if let Some(digital) = input.is_digital {
        product.is_digital = digital;
        if digital && input.requires_shipping.is_none() {
            product.requires_shipping = false;
        }
    }
    if let Some(shipping) = input.requires_shipping {
        product.requires_shipping = shipping;
    }
    if let Some(price) = &input.price
        && let Some(price) = positive_amount(errors, "price", price, currency)
    {
        product.price = price;
    }
    if let Some(compare) = input.compare_price {
        product.compare_price = compare.and_then(|c| positive_amount(errors, "compare_price", &c, currency));
    }
    if let Some(sku) = input.sku {
        let sku = sku.map(|s| s.trim().to_owned()).filter(|s| !s.is_empty());
        if let Some(sku) = &sku
            && !is_sku(sku)
        {
            errors.add("sku", "must be 1 to 64 letters, digits or -_./");
        }
        product.sku = sku;
    }
    if let Some(quantity) = input.quantity {
        if quantity < 0 {
            errors.add("quantity", "must not be negative");
        }
        product.quantity = quantity;
    }
    if let Some(tracked) = input.stock_tracked {
        product.stock_tracked = tracked;
    }
    if let Some(allow) = input.allow_order_when_oos {
        product.allow_order_when_oos = allow;
    }
    if let Some(min_qty) = input.min_qty {
        if !(1..=10_000).contains(&min_qty) {
            errors.add("min_qty", "must be 1 to 10000");
        }
        product.min_qty = min_qty;
    }
    if let Some(weight) = input.weight {
        product.weight_grams = weight.and_then(|w| weight_grams(errors, "weight", &w));
    }
    if let Some(external) = input.external_id {
        product.external_id = optional_text(errors, "external_id", external, 100);
    }
    if let Some(featured) = input.on_homepage {
        product.on_homepage = featured;
    }
    if let Some(properties) = input.properties {
        product.properties = check_properties(errors, properties);
    }
    slug
}

fn apply_location(product: &mut Product, input: &ProductInput, errors: &mut FieldErrors) {
    let place = &mut product.location;
    if let Some(location) = &input.location {
        place.location = optional_text(errors, "location", location.clone(), 200);
    }
    if let Some(city) = &input.city {
        place.city = optional_text(errors, "city", city.clone(), 100);
    }
    if let Some(state) = &input.state {
        place.state = optional_text(errors, "state", state.clone(), 100);
    }
    if let Some(country) = &input.country {
        let country = country.as_ref().map(|c| c.trim().to_ascii_uppercase()).filter(|c| !c.is_empty());
        if country.as_ref().is_some_and(|c| c.len() != 2 || !c.bytes().all(|b| b.is_ascii_uppercase())) {
            errors.add("country", "must be an ISO 3166-1 alpha-2 code such as ET");
        }
        place.country = country;
    }
    if let Some(lat) = input.lat {
        if lat.is_some_and(|l| !(-90.0..=90.0).contains(&l)) {
            errors.add("lat", "must be between -90 and 90");
        }
        place.lat = lat;
    }
    if let Some(lng) = input.lng {
        if lng.is_some_and(|l| !(-180.0..=180.0).contains(&l)) {
            errors.add("lng", "must be between -180 and 180");
        }
        place.lng = lng;
    }
    if place.lat.is_some() != place.lng.is_some() {
        errors.add("lat", "lat and lng go together: give both or neither");
    }
}

fn check_properties(errors: &mut FieldErrors, properties: Vec<Property>) -> Vec<Property> {
    if properties.len() > MAX_PROPERTIES {
        errors.add("properties", format!("at most {MAX_PROPERTIES} properties"));
    }
    properties
        .into_iter()
        .enumerate()
        .map(|(i, p)| {
            let property = Property { name: p.name.trim().to_owned(), value: p.value.trim().to_owned() };
            check_len(errors, &format!("properties[{i}].name"), &property.name, 1, 100);
            check_len(errors, &format!("properties[{i}].value"), &property.value, 1, 500);
            property
        })
        .collect()
}

/// Checks gallery images: at most [`MAX_IMAGES`], no file twice, alt text at most 300 characters.
pub fn check_images(errors: &mut FieldErrors, images: &[ProductImage]) {
    if images.len() > MAX_IMAGES {
        errors.add("images", format!("at most {MAX_IMAGES} images"));
    }
    for (i, image) in images.iter().enumerate() {
        if images[..i].iter().any(|earlier| earlier.file_id == image.file_id) {
            errors.add(format!("images[{i}]"), "appears twice");
        }
        if let Some(alt) = &image.alt {
            check_len(errors, &format!("images[{i}].alt"), alt, 1, 300);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn input(title: &str, price: &str) -> ProductInput {
        ProductInput { title: Some(title.into()), price: Some(price.into()), ..ProductInput::default() }
    }

    fn created(input: ProductInput) -> Result<(Product, Option<(String, bool)>), FieldErrors> {
        let mut product = blank(UserId::new(), input_currency(&input).unwrap(), Utc::now());
        let mut errors = FieldErrors::new();
        let slug = apply_input(&mut product, input, true, &mut errors);
        if errors.is_empty() { Ok((product, slug)) } else { Err(errors) }
    }

    #[test]
    fn a_create_needs_a_title_and_a_positive_price_and_derives_the_slug() {
        let (product, slug) = created(input("Oak Table", "149.90")).unwrap();
        assert_eq!(product.price.minor(), 14_990);
        assert_eq!(slug, Some(("oak-table".to_owned(), false)));
        let errors = created(ProductInput::default()).unwrap_err();
        assert!(errors.get("title").is_some() && errors.get("price").is_some());
        let errors = created(input("ab", "0")).unwrap_err();
        assert_eq!(errors.get("title").unwrap(), ["must be 3 to 100 characters"]);
        assert_eq!(errors.get("price").unwrap(), ["must be greater than zero"]);
        let errors = created(input("Lamp", "1.999")).unwrap_err();
        assert!(errors.get("price").unwrap()[0].contains("at most 2 decimal places"));
    }

    #[test]
    fn field_rules_name_each_field() {
        let bad = ProductInput {
            sku: Some(Some("has space".into())),
            quantity: Some(-1),
            min_qty: Some(0),
            country: Some(Some("Ethiopia".into())),
            lat: Some(Some(91.0)),
            weight: Some(Some("1.2345".into())),
            slug: Some("Not A Slug".into()),
            ..input("Lamp", "10")
        };
        let errors = created(bad).unwrap_err();
        for field in ["sku", "quantity", "min_qty", "country", "lat", "weight", "slug"] {
            assert!(errors.get(field).is_some(), "{field}: {errors:?}");
        }
    }

    #[test]
    fn the_currency_is_fixed_after_creation_and_digital_goods_skip_shipping() {
        let (mut product, _) =
            created(ProductInput { is_digital: Some(true), ..input("E-book", "5") }).unwrap();
        assert!(!product.requires_shipping);
        let mut errors = FieldErrors::new();
        let change = ProductInput { currency: Some("EUR".into()), ..ProductInput::default() };
        apply_input(&mut product, change, false, &mut errors);
        assert!(errors.get("currency").is_some());
    }

    #[test]
    fn weights_are_exact_grams() {
        let mut errors = FieldErrors::new();
        assert_eq!(weight_grams(&mut errors, "weight", &"1.25".into()), Some(1250));
        assert_eq!(weight_kilograms(1250), "1.250");
        assert_eq!(weight_kilograms(5), "0.005");
        assert_eq!(parse_fixed("2", 3), Some(2000));
        assert_eq!(parse_fixed("0.0010", 3), Some(1));
        assert_eq!(parse_fixed("1.", 3), Some(1000));
        assert_eq!(parse_fixed("1.0001", 3), None);
        assert_eq!(parse_fixed("x", 3), None);
        assert!(errors.is_empty());
    }

    #[test]
    fn visibility_rules_follow_status_moderation_and_deletion() {
        let (mut product, _) = created(input("Lamp", "10")).unwrap();
        assert!(!product.access().listed, "drafts awaiting moderation are not listed");
        product.status = ProductStatus::Published;
        product.admin_status = AdminStatus::Approved;
        assert!(product.access().listed);
        product.visibility = Visibility::None;
        assert!(!product.access().listed);
    }
}
