//! The wire shapes of products and their parts: responses with decimal-string money, and the
//! write requests (absent fields stay as they are; `null` clears a nullable field).

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use souk_catalog::product::{ProductImage, ProductInput, Property, weight_kilograms};
use souk_catalog::terms::{RentalInput, TrialPolicyInput};
use souk_catalog::variant::{AddOnInput, OptionInput, VariantInput};
use souk_catalog::{
    AddOn, AdminStatus, CategoryId, Condition, OptionId, PenaltyType, ProductStatus, RentalTerms,
    TrialPolicy, Variant, VariantId, Visibility,
};
use souk_kernel::{AmountInput, Money};
use souk_marketplace::products::{CategorySummary, ProductRequest, ProductView};
use utoipa::ToSchema;
use uuid::Uuid;

use crate::routes::users::double_option;

/// The download URL of a stored file.
pub fn file_url(id: Uuid) -> String {
    format!("/api/v1/files/{id}/content")
}

fn amount(money: Money) -> String {
    money.amount_string()
}

/// A product option.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct OptionDto {
    /// Id (send it back to update the option).
    pub id: Uuid,
    /// Name, unique within the product.
    #[schema(example = "Size")]
    pub name: String,
    /// Allowed values in display order.
    #[schema(example = json!(["S", "M", "L"]))]
    pub values: Vec<String>,
}

/// A purchasable variant.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct VariantDto {
    /// Id.
    pub id: Uuid,
    /// The product.
    pub product_id: Uuid,
    /// Display title, derived from the values unless set.
    #[schema(example = "M")]
    pub title: String,
    /// SKU, unique per seller.
    pub sku: Option<String>,
    /// Unit price (decimal string in the product's currency).
    #[schema(example = "29.99")]
    pub price: String,
    /// Compare-at price.
    pub compare_price: Option<String>,
    /// Units on hand.
    pub quantity: i64,
    /// Units on hand that no open order holds.
    pub available: i64,
    /// Weight in kilograms (decimal string, three decimals).
    #[schema(example = "0.250")]
    pub weight: Option<String>,
    /// One value per product option, in option order.
    #[schema(example = json!(["M"]))]
    pub values: Vec<String>,
    /// Image file id.
    pub image: Option<Uuid>,
    /// Image download URL.
    pub image_url: Option<String>,
    /// Creation time.
    pub created_at: DateTime<Utc>,
    /// Last change.
    pub updated_at: DateTime<Utc>,
}

impl From<Variant> for VariantDto {
    fn from(v: Variant) -> Self {
        VariantDto {
            id: v.id.as_uuid(),
            product_id: v.product_id.as_uuid(),
            title: v.title,
            sku: v.sku,
            price: amount(v.price),
            compare_price: v.compare_price.map(amount),
            quantity: v.quantity,
            available: (v.quantity - v.reserved).max(0),
            weight: v.weight_grams.map(weight_kilograms),
            values: v.values,
            image_url: v.image.map(file_url),
            image: v.image,
            created_at: v.created_at,
            updated_at: v.updated_at,
        }
    }
}

/// An extra chosen per order line.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct AddOnDto {
    /// Id.
    pub id: Uuid,
    /// The product.
    pub product_id: Uuid,
    /// Title.
    #[schema(example = "Gift wrap")]
    pub title: String,
    /// What it is.
    pub description: Option<String>,
    /// Price per line (decimal string in the product's currency).
    #[schema(example = "4.50")]
    pub price: String,
    /// Creation time.
    pub created_at: DateTime<Utc>,
    /// Last change.
    pub updated_at: DateTime<Utc>,
}

impl From<AddOn> for AddOnDto {
    fn from(a: AddOn) -> Self {
        AddOnDto {
            id: a.id.as_uuid(),
            product_id: a.product_id.as_uuid(),
            title: a.title,
            description: a.description,
            price: amount(a.price),
            created_at: a.created_at,
            updated_at: a.updated_at,
        }
    }
}

/// Try-before-you-buy terms.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct TrialPolicyDto {
    /// Days the buyer may try the product after delivery.
    #[schema(example = 7)]
    pub trial_days: i32,
    /// `flat` (an amount) or `percentage` (of the price).
    pub penalty_type: PenaltyTypeDto,
    /// The penalty kept on return: an amount in the product's currency, or a percentage with two
    /// decimals.
    #[schema(example = "10.00")]
    pub penalty_value: String,
    /// Hours the buyer has to hand the product back once a return is opened.
    #[schema(example = 48)]
    pub return_window_hours: i32,
    /// Creation time.
    pub created_at: DateTime<Utc>,
    /// Last change.
    pub updated_at: DateTime<Utc>,
}

impl From<TrialPolicy> for TrialPolicyDto {
    fn from(t: TrialPolicy) -> Self {
        TrialPolicyDto {
            trial_days: t.trial_days,
            penalty_type: t.penalty.kind().into(),
            penalty_value: t.penalty.value_string(),
            return_window_hours: t.return_window_hours,
            created_at: t.created_at,
            updated_at: t.updated_at,
        }
    }
}

/// Rental terms, in the product's currency.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct RentalDto {
    /// Price per day.
    #[schema(example = "25.00")]
    pub daily_rate: String,
    /// Charged per day late.
    pub late_fee_per_day: String,
    /// Held while rented.
    pub deposit: String,
    /// Open for new rentals.
    pub available: bool,
    /// Creation time.
    pub created_at: DateTime<Utc>,
    /// Last change.
    pub updated_at: DateTime<Utc>,
}

impl From<RentalTerms> for RentalDto {
    fn from(r: RentalTerms) -> Self {
        RentalDto {
            daily_rate: amount(r.daily_rate),
            late_fee_per_day: amount(r.late_fee_per_day),
            deposit: amount(r.deposit),
            available: r.available,
            created_at: r.created_at,
            updated_at: r.updated_at,
        }
    }
}

/// A gallery image.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ImageDto {
    /// The stored file.
    pub file_id: Uuid,
    /// Download URL.
    pub url: String,
    /// Alternative text.
    pub alt: Option<String>,
    /// Place in the gallery, from 0.
    pub position: usize,
}

/// A name/value fact.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PropertyDto {
    /// Name, 1 to 100 characters.
    #[schema(example = "Material", min_length = 1, max_length = 100)]
    pub name: String,
    /// Value, 1 to 500 characters.
    #[schema(example = "Oak", min_length = 1, max_length = 500)]
    pub value: String,
}

/// The category a product is in.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ProductCategoryDto {
    /// Id.
    pub id: Uuid,
    /// Name.
    pub name: String,
    /// Slug.
    pub slug: String,
    /// Slugs from the root, joined by `/`.
    pub path: String,
}

impl From<CategorySummary> for ProductCategoryDto {
    fn from(c: CategorySummary) -> Self {
        ProductCategoryDto { id: c.id, name: c.name, slug: c.slug, path: c.path }
    }
}

/// Published reviews in brief.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct RatingDto {
    /// Published reviews.
    pub count: u64,
    /// Mean rating from 1 to 5, `null` without reviews.
    pub average: Option<f64>,
}

macro_rules! wire_schema {
    ($(#[$meta:meta])* $dto:ident from $domain:ty { $($variant:ident = $wire:literal),+ }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, Serialize, Deserialize, ToSchema)]
        pub enum $dto {
            $(#[serde(rename = $wire)] $variant),+
        }

        impl From<$domain> for $dto {
            fn from(value: $domain) -> Self {
                match value {
                    $(<$domain>::$variant => $dto::$variant),+
                }
            }
        }

        impl From<$dto> for $domain {
            fn from(value: $dto) -> Self {
                match value {
                    $($dto::$variant => <$domain>::$variant),+
                }
            }
        }
    };
}

wire_schema!(
    /// The physical state of the goods.
    ConditionDto from Condition { New = "new", Used = "used", Refurbished = "refurbished" }
);
wire_schema!(
    /// The seller's publishing state.
    ProductStatusDto from ProductStatus { Draft = "draft", Published = "published", Archived = "archived" }
);
wire_schema!(
    /// Where a published product shows: listings (`catalog`), search results (`search`), both, or
    /// neither (`none`: only its seller and admins see it).
    VisibilityDto from Visibility { Both = "both", Catalog = "catalog", Search = "search", None = "none" }
);
wire_schema!(
    /// The platform's moderation state.
    AdminStatusDto from AdminStatus { Waiting = "waiting", Approved = "approved", Rejected = "rejected", Blocked = "blocked" }
);
wire_schema!(
    /// How the return penalty is computed.
    PenaltyTypeDto from PenaltyType { Flat = "flat", Percentage = "percentage" }
);

/// A product with everything that belongs to it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ProductDto {
    /// Id.
    pub id: Uuid,
    /// The selling account.
    pub seller_id: Uuid,
    /// Title.
    #[schema(example = "Oak dining table")]
    pub title: String,
    /// Unique URL slug.
    #[schema(example = "oak-dining-table")]
    pub slug: String,
    /// Long description.
    pub description: Option<String>,
    /// HTML title for search engines.
    pub page_title: Option<String>,
    /// Meta description for search engines.
    pub meta_description: Option<String>,
    /// Category id.
    pub category_id: Option<Uuid>,
    /// Category with its path.
    pub category: Option<ProductCategoryDto>,
    /// Condition.
    pub condition: ConditionDto,
    /// Publishing state.
    pub status: ProductStatusDto,
    /// Where it shows.
    pub visibility: VisibilityDto,
    /// Moderation state.
    pub admin_status: AdminStatusDto,
    /// Why moderation decided as it did.
    pub admin_status_reason: Option<String>,
    /// Delivered as a download.
    pub is_digital: bool,
    /// Needs a shipping address and rate.
    pub requires_shipping: bool,
    /// ISO 4217 currency of every amount of the product.
    #[schema(example = "USD")]
    pub currency: String,
    /// Unit price (decimal string).
    #[schema(example = "149.90")]
    pub price: String,
    /// Compare-at ("was") price.
    pub compare_price: Option<String>,
    /// SKU, unique per seller.
    pub sku: Option<String>,
    /// Units on hand (products without variants).
    pub quantity: i64,
    /// Units on hand that no open order holds: what checkout can still sell.
    pub available: i64,
    /// Whether stock is counted.
    pub stock_tracked: bool,
    /// Whether buyers may order when out of stock.
    pub allow_order_when_oos: bool,
    /// Whether it can be bought now: stock untracked, on hand, a variant on hand, or orders
    /// allowed when out of stock.
    pub in_stock: bool,
    /// Least units per order line.
    pub min_qty: i32,
    /// Weight in kilograms (decimal string, three decimals).
    pub weight: Option<String>,
    /// Free-form place.
    pub location: Option<String>,
    /// City.
    pub city: Option<String>,
    /// State or region.
    pub state: Option<String>,
    /// ISO 3166-1 alpha-2 country.
    pub country: Option<String>,
    /// Latitude.
    pub lat: Option<f64>,
    /// Longitude.
    pub lng: Option<f64>,
    /// Id in the seller's own system.
    pub external_id: Option<String>,
    /// Featured on the home page.
    pub on_homepage: bool,
    /// Options the variants differ by.
    pub options: Vec<OptionDto>,
    /// Variants.
    pub variants: Vec<VariantDto>,
    /// Add-ons.
    pub add_ons: Vec<AddOnDto>,
    /// Name/value facts.
    pub properties: Vec<PropertyDto>,
    /// Gallery in order.
    pub images: Vec<ImageDto>,
    /// Trial terms, `null` when none is enabled.
    pub trial_policy: Option<TrialPolicyDto>,
    /// Rental terms, `null` when not rentable.
    pub rental: Option<RentalDto>,
    /// Published reviews in brief.
    pub rating: RatingDto,
    /// Soft deletion time (admins only ever see deleted products).
    pub deleted_at: Option<DateTime<Utc>>,
    /// Creation time.
    pub created_at: DateTime<Utc>,
    /// Last change.
    pub updated_at: DateTime<Utc>,
}

/// Every top-level field of a product, for `fields=`.
pub const PRODUCT_FIELDS: &[&str] = &[
    "id",
    "seller_id",
    "title",
    "slug",
    "description",
    "page_title",
    "meta_description",
    "category_id",
    "category",
    "condition",
    "status",
    "visibility",
    "admin_status",
    "admin_status_reason",
    "is_digital",
    "requires_shipping",
    "currency",
    "price",
    "compare_price",
    "sku",
    "quantity",
    "available",
    "stock_tracked",
    "allow_order_when_oos",
    "in_stock",
    "min_qty",
    "weight",
    "location",
    "city",
    "state",
    "country",
    "lat",
    "lng",
    "external_id",
    "on_homepage",
    "options",
    "variants",
    "add_ons",
    "properties",
    "images",
    "trial_policy",
    "rental",
    "rating",
    "deleted_at",
    "created_at",
    "updated_at",
];

impl From<ProductView> for ProductDto {
    fn from(view: ProductView) -> Self {
        let p = view.product;
        let in_stock = !p.stock_tracked
            || p.allow_order_when_oos
            || p.quantity > p.reserved
            || p.variants.iter().any(|v| v.quantity > v.reserved);
        ProductDto {
            id: p.id.as_uuid(),
            seller_id: p.seller_id.as_uuid(),
            currency: p.currency().code().to_owned(),
            title: p.title,
            slug: p.slug,
            description: p.description,
            page_title: p.page_title,
            meta_description: p.meta_description,
            category_id: p.category_id.map(|c| c.as_uuid()),
            category: view.category.map(Into::into),
            condition: p.condition.into(),
            status: p.status.into(),
            visibility: p.visibility.into(),
            admin_status: p.admin_status.into(),
            admin_status_reason: p.admin_status_reason,
            is_digital: p.is_digital,
            requires_shipping: p.requires_shipping,
            price: amount(p.price),
            compare_price: p.compare_price.map(amount),
            sku: p.sku,
            quantity: p.quantity,
            available: (p.quantity - p.reserved).max(0),
            stock_tracked: p.stock_tracked,
            allow_order_when_oos: p.allow_order_when_oos,
            in_stock,
            min_qty: p.min_qty,
            weight: p.weight_grams.map(weight_kilograms),
            location: p.location.location,
            city: p.location.city,
            state: p.location.state,
            country: p.location.country,
            lat: p.location.lat,
            lng: p.location.lng,
            external_id: p.external_id,
            on_homepage: p.on_homepage,
            options: p
                .options
                .into_iter()
                .map(|o| OptionDto { id: o.id.as_uuid(), name: o.name, values: o.values })
                .collect(),
            variants: p.variants.into_iter().map(Into::into).collect(),
            add_ons: p.add_ons.into_iter().map(Into::into).collect(),
            properties: p
                .properties
                .into_iter()
                .map(|p| PropertyDto { name: p.name, value: p.value })
                .collect(),
            images: p
                .images
                .into_iter()
                .enumerate()
                .map(|(position, i)| ImageDto {
                    url: file_url(i.file_id),
                    file_id: i.file_id,
                    alt: i.alt,
                    position,
                })
                .collect(),
            trial_policy: p.trial_policy.filter(|t| t.enabled).map(Into::into),
            rental: p.rental.map(Into::into),
            rating: RatingDto {
                count: view.rating.count,
                average: (view.rating.count > 0).then_some(view.rating.average),
            },
            deleted_at: p.deleted_at,
            created_at: p.created_at,
            updated_at: p.updated_at,
        }
    }
}

/// An option to create (no `id`) or update.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct OptionWrite {
    /// The option to update; absent creates one (then `name` and `values` are required).
    pub id: Option<Uuid>,
    /// Name, 1 to 100 characters, unique within the product (any case).
    #[schema(example = "Size", min_length = 1, max_length = 100)]
    pub name: Option<String>,
    /// 1 to 100 distinct values.
    #[schema(example = json!(["S", "M", "L"]), min_items = 1, max_items = 100)]
    pub values: Option<Vec<String>>,
}

/// A variant to create (no `id`) or update; absent fields stay as they are.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct VariantWrite {
    /// The variant to update (inside a product request); absent creates one.
    pub id: Option<Uuid>,
    /// Display title; derived from the values when absent.
    #[schema(min_length = 1, max_length = 200)]
    pub title: Option<String>,
    /// SKU: 1 to 64 letters, digits or `-_./`, unique among the seller's products and variants.
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<String>, pattern = "^[A-Za-z0-9._/-]{1,64}$")]
    pub sku: Option<Option<String>>,
    /// Unit price greater than zero (string or number; the product's price when absent on create).
    #[schema(value_type = Option<String>, example = "29.99")]
    pub price: Option<AmountInput>,
    /// Compare-at price.
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<String>)]
    pub compare_price: Option<Option<AmountInput>>,
    /// Units on hand, zero or more.
    #[schema(minimum = 0)]
    pub quantity: Option<i64>,
    /// Weight in kilograms with at most three decimals.
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<String>, example = "0.250")]
    pub weight: Option<Option<AmountInput>>,
    /// One value per product option, in option order.
    pub values: Option<Vec<String>>,
    /// An image file uploaded by the seller.
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<Uuid>)]
    pub image: Option<Option<Uuid>>,
}

impl From<VariantWrite> for VariantInput {
    fn from(v: VariantWrite) -> Self {
        VariantInput {
            id: v.id.map(VariantId),
            title: v.title,
            sku: v.sku,
            price: v.price,
            compare_price: v.compare_price,
            quantity: v.quantity,
            weight: v.weight,
            values: v.values,
            image: v.image,
        }
    }
}

/// A gallery image by file id.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ImageWrite {
    /// An image file uploaded by the seller (`POST /files`).
    pub file_id: Uuid,
    /// Alternative text, at most 300 characters.
    #[schema(max_length = 300)]
    pub alt: Option<String>,
}

/// Trial terms; a `POST` needs every field, a `PATCH` only what changes.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TrialPolicyWrite {
    /// Days the buyer may try the product after delivery, 1 to 365.
    #[schema(minimum = 1, maximum = 365, example = 7)]
    pub trial_days: Option<i32>,
    /// `flat` or `percentage`.
    pub penalty_type: Option<PenaltyTypeDto>,
    /// Flat: an amount of at least zero in the product's currency. Percentage: 0 to 100 with at
    /// most two decimals. A string or a number.
    #[schema(value_type = Option<String>, example = "10")]
    pub penalty_value: Option<AmountInput>,
    /// Hours to hand the product back once a return is opened, 1 to 8760.
    #[schema(minimum = 1, maximum = 8760, example = 48)]
    pub return_window_hours: Option<i32>,
}

impl From<TrialPolicyWrite> for TrialPolicyInput {
    fn from(t: TrialPolicyWrite) -> Self {
        TrialPolicyInput {
            trial_days: t.trial_days,
            penalty_type: t.penalty_type.map(Into::into),
            penalty_value: t.penalty_value,
            return_window_hours: t.return_window_hours,
        }
    }
}

/// Rental terms (the whole terms: fees default to zero, `available` to true).
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RentalWrite {
    /// Price per day, greater than zero (string or number).
    #[schema(value_type = String, example = "25.00")]
    pub daily_rate: Option<AmountInput>,
    /// Charged per day late, zero or more.
    #[schema(value_type = Option<String>)]
    pub late_fee_per_day: Option<AmountInput>,
    /// Held while rented, zero or more.
    #[schema(value_type = Option<String>)]
    pub deposit: Option<AmountInput>,
    /// Open for new rentals.
    pub available: Option<bool>,
}

impl From<RentalWrite> for RentalInput {
    fn from(r: RentalWrite) -> Self {
        RentalInput {
            daily_rate: r.daily_rate,
            late_fee_per_day: r.late_fee_per_day,
            deposit: r.deposit,
            available: r.available,
        }
    }
}

/// An add-on; a `POST` needs `title` and `price`.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AddOnWrite {
    /// Title, 1 to 100 characters.
    #[schema(example = "Two-year warranty", min_length = 1, max_length = 100)]
    pub title: Option<String>,
    /// Price per line, zero or more (string or number).
    #[schema(value_type = Option<String>, example = "19.00")]
    pub price: Option<AmountInput>,
    /// What it is, at most 2000 characters.
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<String>, max_length = 2000)]
    pub description: Option<Option<String>>,
}

impl From<AddOnWrite> for AddOnInput {
    fn from(a: AddOnWrite) -> Self {
        AddOnInput { title: a.title, price: a.price, description: a.description }
    }
}

/// A product to create (`title` and `price` required) or the changes to one (absent fields stay,
/// `null` clears). Options and variants with an `id` update, without one are created, and omitted
/// ones stay; `images` and `properties` replace the lists when given.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ProductWrite {
    /// Title, 3 to 100 characters (required on create).
    #[schema(example = "Oak dining table", min_length = 3, max_length = 100)]
    pub title: Option<String>,
    /// URL slug; generated from the title (and made unique) when absent. An explicit slug that is
    /// taken is `409`.
    #[schema(pattern = "^[a-z0-9]+(-[a-z0-9]+)*$", max_length = 120)]
    pub slug: Option<String>,
    /// Long description, at most 20000 characters.
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<String>, max_length = 20000)]
    pub description: Option<Option<String>>,
    /// HTML title, at most 200 characters.
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<String>, max_length = 200)]
    pub page_title: Option<Option<String>>,
    /// Meta description, at most 500 characters.
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<String>, max_length = 500)]
    pub meta_description: Option<Option<String>>,
    /// Category id.
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<Uuid>)]
    pub category_id: Option<Option<Uuid>>,
    /// `new` (default), `used` or `refurbished`.
    pub condition: Option<ConditionDto>,
    /// `draft` (default), `published` or `archived`.
    pub status: Option<ProductStatusDto>,
    /// `both` (default), `catalog`, `search` or `none`.
    pub visibility: Option<VisibilityDto>,
    /// Admins only (sellers get `403`): the moderation state. Sellers' new products start
    /// `waiting` unless auto-approval is configured; admins' start `approved`.
    pub admin_status: Option<AdminStatusDto>,
    /// Admins only (sellers get `403`): the selling account; required when an admin creates.
    pub seller_id: Option<Uuid>,
    /// Delivered as a download (then `requires_shipping` defaults to false).
    pub is_digital: Option<bool>,
    /// Needs a shipping address and rate (default true).
    pub requires_shipping: Option<bool>,
    /// ISO 4217 code (default `USD`); fixed once the product exists.
    #[schema(example = "USD", pattern = "^[A-Z]{3}$")]
    pub currency: Option<String>,
    /// Unit price greater than zero, with at most the currency's decimals (string or number;
    /// required on create).
    #[schema(value_type = Option<String>, example = "149.90")]
    pub price: Option<AmountInput>,
    /// Compare-at ("was") price greater than zero.
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<String>)]
    pub compare_price: Option<Option<AmountInput>>,
    /// SKU: 1 to 64 letters, digits or `-_./`, unique among the seller's products and variants.
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<String>, pattern = "^[A-Za-z0-9._/-]{1,64}$")]
    pub sku: Option<Option<String>>,
    /// Units on hand, zero or more (default 0).
    #[schema(minimum = 0)]
    pub quantity: Option<i64>,
    /// Whether stock is counted (default true).
    pub stock_tracked: Option<bool>,
    /// Whether buyers may order when out of stock (default false).
    pub allow_order_when_oos: Option<bool>,
    /// Least units per order line, 1 to 10000 (default 1).
    #[schema(minimum = 1, maximum = 10000)]
    pub min_qty: Option<i32>,
    /// Weight in kilograms with at most three decimals.
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<String>, example = "12.5")]
    pub weight: Option<Option<AmountInput>>,
    /// Free-form place, at most 200 characters.
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<String>, max_length = 200)]
    pub location: Option<Option<String>>,
    /// City, at most 100 characters.
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<String>, max_length = 100)]
    pub city: Option<Option<String>>,
    /// State, at most 100 characters.
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<String>, max_length = 100)]
    pub state: Option<Option<String>>,
    /// ISO 3166-1 alpha-2 country code.
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<String>, example = "ET")]
    pub country: Option<Option<String>>,
    /// Latitude, -90 to 90 (with `lng`).
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<f64>, minimum = -90, maximum = 90)]
    pub lat: Option<Option<f64>>,
    /// Longitude, -180 to 180 (with `lat`).
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<f64>, minimum = -180, maximum = 180)]
    pub lng: Option<Option<f64>>,
    /// Id in the seller's own system, at most 100 characters.
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<String>, max_length = 100)]
    pub external_id: Option<Option<String>>,
    /// Featured on the home page.
    pub on_homepage: Option<bool>,
    /// At most 5 options.
    pub options: Option<Vec<OptionWrite>>,
    /// At most 250 variants.
    pub variants: Option<Vec<VariantWrite>>,
    /// At most 100 properties; replaces the list.
    pub properties: Option<Vec<PropertyDto>>,
    /// At most 50 gallery images in order; replaces the gallery.
    pub images: Option<Vec<ImageWrite>>,
    /// Trial terms (every field on first set); `null` removes them.
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<TrialPolicyWrite>)]
    pub trial_policy: Option<Option<TrialPolicyWrite>>,
    /// Rental terms; `null` removes them.
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<RentalWrite>)]
    pub rental: Option<Option<RentalWrite>>,
}

impl From<ProductWrite> for ProductRequest {
    fn from(w: ProductWrite) -> Self {
        let fields = ProductInput {
            title: w.title,
            slug: w.slug,
            description: w.description,
            page_title: w.page_title,
            meta_description: w.meta_description,
            category_id: w.category_id.map(|c| c.map(CategoryId)),
            condition: w.condition.map(Into::into),
            status: w.status.map(Into::into),
            visibility: w.visibility.map(Into::into),
            is_digital: w.is_digital,
            requires_shipping: w.requires_shipping,
            currency: w.currency,
            price: w.price,
            compare_price: w.compare_price,
            sku: w.sku,
            quantity: w.quantity,
            stock_tracked: w.stock_tracked,
            allow_order_when_oos: w.allow_order_when_oos,
            min_qty: w.min_qty,
            weight: w.weight,
            location: w.location,
            city: w.city,
            state: w.state,
            country: w.country,
            lat: w.lat,
            lng: w.lng,
            external_id: w.external_id,
            on_homepage: w.on_homepage,
            properties: w
                .properties
                .map(|list| list.into_iter().map(|p| Property { name: p.name, value: p.value }).collect()),
        };
        ProductRequest {
            fields,
            seller_id: w.seller_id.map(souk_kernel::UserId),
            admin_status: w.admin_status.map(Into::into),
            options: w
                .options
                .unwrap_or_default()
                .into_iter()
                .map(|o| OptionInput { id: o.id.map(OptionId), name: o.name, values: o.values })
                .collect(),
            variants: w.variants.unwrap_or_default().into_iter().map(Into::into).collect(),
            images: w.images.map(|list| {
                list.into_iter().map(|i| ProductImage { file_id: i.file_id, alt: i.alt }).collect()
            }),
            trial_policy: w.trial_policy.map(|t| t.map(Into::into)),
            rental: w.rental.map(|r| r.map(Into::into)),
        }
    }
}
