//! Options, variants and add-ons: their rules, and the merge of a partial list into the stored
//! one (entries with an `id` update, entries without create, omitted ones stay).

use chrono::{DateTime, Utc};
use souk_kernel::{AmountInput, Currency, DomainError, FieldErrors, Money};
use uuid::Uuid;

use crate::product::{
    MAX_OPTIONS, MAX_VARIANTS, Patch, ProductId, check_len, is_sku, non_negative_amount, positive_amount,
    weight_grams,
};

souk_kernel::typed_id!(
    /// Identifies a product option.
    OptionId
);
souk_kernel::typed_id!(
    /// Identifies a variant.
    VariantId
);
souk_kernel::typed_id!(
    /// Identifies an add-on.
    AddOnId
);

/// An option the variants differ by (`Size` with `S`, `M`, `L`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProductOption {
    /// Id.
    pub id: OptionId,
    /// Name, unique within the product.
    pub name: String,
    /// Allowed values in display order.
    pub values: Vec<String>,
}

/// A purchasable combination of option values with its own price, SKU and stock.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Variant {
    /// Id.
    pub id: VariantId,
    /// The product.
    pub product_id: ProductId,
    /// Display title (`Red / XL`).
    pub title: String,
    /// SKU, unique per seller.
    pub sku: Option<String>,
    /// Unit price.
    pub price: Money,
    /// Compare-at price.
    pub compare_price: Option<Money>,
    /// Units on hand.
    pub quantity: i64,
    /// Units held by open orders; only checkout and order changes move it.
    pub reserved: i64,
    /// Weight in grams.
    pub weight_grams: Option<i64>,
    /// One value per product option, in option order.
    pub values: Vec<String>,
    /// An image file.
    pub image: Option<Uuid>,
    /// Creation time.
    pub created_at: DateTime<Utc>,
    /// Last change.
    pub updated_at: DateTime<Utc>,
}

/// An extra a buyer may choose per order line (warranty, gift wrap, installation).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AddOn {
    /// Id.
    pub id: AddOnId,
    /// The product.
    pub product_id: ProductId,
    /// Title.
    pub title: String,
    /// What it is.
    pub description: Option<String>,
    /// Price per line, zero or more.
    pub price: Money,
    /// Creation time.
    pub created_at: DateTime<Utc>,
    /// Last change.
    pub updated_at: DateTime<Utc>,
}

/// An option in a request: with `id` it updates that option.
#[derive(Debug, Clone, Default)]
pub struct OptionInput {
    /// The option to update.
    pub id: Option<OptionId>,
    /// Name.
    pub name: Option<String>,
    /// Values.
    pub values: Option<Vec<String>>,
}

/// A variant in a request: with `id` it updates that variant, without it creates one.
#[derive(Debug, Clone, Default)]
pub struct VariantInput {
    /// The variant to update.
    pub id: Option<VariantId>,
    /// Title; derived from the values when absent.
    pub title: Patch<String>,
    /// SKU.
    pub sku: Patch<Option<String>>,
    /// Price; the product's price when absent on create.
    pub price: Patch<AmountInput>,
    /// Compare-at price.
    pub compare_price: Patch<Option<AmountInput>>,
    /// Units on hand.
    pub quantity: Patch<i64>,
    /// Weight in kilograms.
    pub weight: Patch<Option<AmountInput>>,
    /// One value per option.
    pub values: Patch<Vec<String>>,
    /// Image file.
    pub image: Patch<Option<Uuid>>,
}

/// An add-on in a request.
#[derive(Debug, Clone, Default)]
pub struct AddOnInput {
    /// Title, 1 to 100 characters.
    pub title: Patch<String>,
    /// Price, zero or more.
    pub price: Patch<AmountInput>,
    /// Description, at most 2000 characters.
    pub description: Patch<Option<String>>,
}

fn clean_values(values: Vec<String>) -> Vec<String> {
    values.into_iter().map(|v| v.trim().to_owned()).collect()
}

/// Merges option inputs into the product's options.
pub fn merge_options(
    existing: &[ProductOption],
    inputs: Vec<OptionInput>,
    errors: &mut FieldErrors,
) -> Vec<ProductOption> {
    let mut options = existing.to_vec();
    for (i, input) in inputs.into_iter().enumerate() {
        let field = format!("options[{i}]");
        let index = match input.id {
            Some(id) => match options.iter().position(|o| o.id == id) {
                Some(index) => index,
                None => {
                    errors.add(format!("{field}.id"), "names no option of this product");
                    continue;
                }
            },
            None => {
                if input.name.is_none() || input.values.is_none() {
                    errors.add(&field, "a new option needs a name and values");
                    continue;
                }
                options.push(ProductOption { id: OptionId::new(), name: String::new(), values: Vec::new() });
                options.len() - 1
            }
        };
        let option = &mut options[index];
        if let Some(name) = input.name {
            option.name = name.trim().to_owned();
        }
        if let Some(values) = input.values {
            option.values = clean_values(values);
        }
        check_len(errors, &format!("{field}.name"), &option.name, 1, 100);
        if option.values.is_empty() || option.values.len() > 100 {
            errors.add(format!("{field}.values"), "must have 1 to 100 values");
        }
        for (j, value) in option.values.iter().enumerate() {
            check_len(errors, &format!("{field}.values[{j}]"), value, 1, 100);
            if option.values[..j].contains(value) {
                errors.add(format!("{field}.values[{j}]"), "appears twice");
            }
        }
    }
    if options.len() > MAX_OPTIONS {
        errors.add("options", format!("at most {MAX_OPTIONS} options"));
    }
    for (i, option) in options.iter().enumerate() {
        if options[..i].iter().any(|o| o.name.eq_ignore_ascii_case(&option.name)) {
            errors.add("options", format!("the option name {:?} appears twice", option.name));
        }
    }
    options
}

/// What a variant merge needs from the product.
#[derive(Debug, Clone, Copy)]
pub struct VariantContext<'a> {
    /// The product.
    pub product_id: ProductId,
    /// The product's currency.
    pub currency: Currency,
    /// The price new variants default to.
    pub default_price: Money,
    /// The product's options (after their own merge).
    pub options: &'a [ProductOption],
    /// Now.
    pub now: DateTime<Utc>,
}

/// Merges variant inputs into the stored variants, then checks every variant against the options:
/// one value per option, each allowed, and no combination twice.
pub fn merge_variants(
    existing: &[Variant],
    inputs: Vec<VariantInput>,
    context: VariantContext<'_>,
    errors: &mut FieldErrors,
) -> Vec<Variant> {
    let mut variants = existing.to_vec();
    for (i, input) in inputs.into_iter().enumerate() {
        let field = format!("variants[{i}]");
        let index = match input.id {
            Some(id) => match variants.iter().position(|v| v.id == id) {
                Some(index) => index,
                None => {
                    errors.add(format!("{field}.id"), "names no variant of this product");
                    continue;
                }
            },
            None => {
                variants.push(Variant {
                    id: VariantId::new(),
                    product_id: context.product_id,
                    title: String::new(),
                    sku: None,
                    price: context.default_price,
                    compare_price: None,
                    quantity: 0,
                    reserved: 0,
                    weight_grams: None,
                    values: Vec::new(),
                    image: None,
                    created_at: context.now,
                    updated_at: context.now,
                });
                variants.len() - 1
            }
        };
        apply_variant(&mut variants[index], input, &field, context, errors);
    }
    if variants.len() > MAX_VARIANTS {
        errors.add("variants", format!("at most {MAX_VARIANTS} variants"));
    }
    check_variants(&variants, context.options, errors);
    variants
}

fn apply_variant(
    variant: &mut Variant,
    input: VariantInput,
    field: &str,
    context: VariantContext<'_>,
    errors: &mut FieldErrors,
) {
    variant.updated_at = context.now;
    if let Some(values) = input.values {
        variant.values = clean_values(values);
    }
    match input.title {
        Some(title) => {
            variant.title = title.trim().to_owned();
            check_len(errors, &format!("{field}.title"), &variant.title, 1, 200);
        }
        None if variant.title.is_empty() => {
            let derived =
                if variant.values.is_empty() { "Default".to_owned() } else { variant.values.join(" / ") };
            variant.title = derived.chars().take(200).collect::<String>().trim_end().to_owned();
        }
        None => {}
    }
    if let Some(sku) = input.sku {
        let sku = sku.map(|s| s.trim().to_owned()).filter(|s| !s.is_empty());
        if sku.as_deref().is_some_and(|s| !is_sku(s)) {
            errors.add(format!("{field}.sku"), "must be 1 to 64 letters, digits or -_./");
        }
        variant.sku = sku;
    }
    if let Some(price) = &input.price
        && let Some(price) = positive_amount(errors, &format!("{field}.price"), price, context.currency)
    {
        variant.price = price;
    }
    if let Some(compare) = input.compare_price {
        variant.compare_price = compare
            .and_then(|c| positive_amount(errors, &format!("{field}.compare_price"), &c, context.currency));
    }
    if let Some(quantity) = input.quantity {
        if quantity < 0 {
            errors.add(format!("{field}.quantity"), "must not be negative");
        }
        variant.quantity = quantity;
    }
    if let Some(weight) = input.weight {
        variant.weight_grams = weight.and_then(|w| weight_grams(errors, &format!("{field}.weight"), &w));
    }
    if let Some(image) = input.image {
        variant.image = image;
    }
}

/// Every variant has one allowed value per option, and no two share a combination or a SKU.
pub fn check_variants(variants: &[Variant], options: &[ProductOption], errors: &mut FieldErrors) {
    for (i, variant) in variants.iter().enumerate() {
        let field = format!("variants[{i}].values");
        if variant.values.len() != options.len() {
            errors.add(&field, format!("must give one value for each of the {} options", options.len()));
            continue;
        }
        for (value, option) in variant.values.iter().zip(options) {
            if !option.values.contains(value) {
                errors.add(&field, format!("{value:?} is not a value of the option {:?}", option.name));
            }
        }
        if !options.is_empty() && variants[..i].iter().any(|v| v.values == variant.values) {
            errors.add(&field, "another variant has the same values");
        }
        if let Some(sku) = &variant.sku
            && variants[..i].iter().any(|v| v.sku.as_ref() == Some(sku))
        {
            errors.add(format!("variants[{i}].sku"), "another variant has the same SKU");
        }
    }
}

/// Applies an add-on input (a create needs `title` and `price`).
pub fn apply_add_on(add_on: &mut AddOn, input: AddOnInput, creating: bool) -> Result<(), DomainError> {
    let mut errors = FieldErrors::new();
    if creating && input.title.is_none() {
        errors.add("title", "is required");
    }
    if creating && input.price.is_none() {
        errors.add("price", "is required");
    }
    if let Some(title) = input.title {
        add_on.title = title.trim().to_owned();
        check_len(&mut errors, "title", &add_on.title, 1, 100);
    }
    if let Some(price) = &input.price
        && let Some(price) = non_negative_amount(&mut errors, "price", price, add_on.price.currency())
    {
        add_on.price = price;
    }
    if let Some(description) = input.description {
        add_on.description = description.map(|d| d.trim().to_owned()).filter(|d| !d.is_empty());
        if let Some(description) = &add_on.description {
            check_len(&mut errors, "description", description, 1, 2000);
        }
    }
    errors.into_result()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn option(name: &str, values: &[&str]) -> ProductOption {
        ProductOption {
            id: OptionId::new(),
            name: name.into(),
            values: values.iter().map(|v| v.to_string()).collect(),
        }
    }

    fn context(options: &[ProductOption]) -> VariantContext<'_> {
        VariantContext {
            product_id: ProductId::new(),
            currency: Currency::USD,
            default_price: Money::from_minor(1_000, Currency::USD),
            options,
            now: Utc::now(),
        }
    }

    fn new_variant(values: &[&str]) -> VariantInput {
        VariantInput {
            values: Some(values.iter().map(|v| v.to_string()).collect()),
            ..VariantInput::default()
        }
    }

    #[test]
    fn variants_with_ids_update_without_ids_create_and_omitted_ones_stay() {
        let options = [option("Size", &["S", "M", "L"])];
        let mut errors = FieldErrors::new();
        let first = merge_variants(
            &[],
            vec![new_variant(&["S"]), new_variant(&["M"])],
            context(&options),
            &mut errors,
        );
        assert!(errors.is_empty(), "{errors:?}");
        assert_eq!(first[0].title, "S");
        assert_eq!(first[0].price.minor(), 1_000, "new variants default to the product price");
        let update =
            VariantInput { id: Some(first[1].id), price: Some("12.50".into()), ..VariantInput::default() };
        let merged =
            merge_variants(&first, vec![update, new_variant(&["L"])], context(&options), &mut errors);
        assert!(errors.is_empty(), "{errors:?}");
        assert_eq!(merged.len(), 3, "S was omitted and stays");
        assert_eq!(merged[0], first[0]);
        assert_eq!(merged[1].price.minor(), 1_250);
        assert_eq!(merged[2].values, ["L"]);
    }

    #[test]
    fn variants_must_match_the_options() {
        let options = [option("Size", &["S", "M"]), option("Colour", &["Red"])];
        let mut errors = FieldErrors::new();
        let unknown = VariantInput { id: Some(VariantId::new()), ..VariantInput::default() };
        merge_variants(
            &[],
            vec![
                new_variant(&["S", "Red"]),
                new_variant(&["S", "Red"]),
                new_variant(&["XL", "Red"]),
                new_variant(&["S"]),
                unknown,
            ],
            context(&options),
            &mut errors,
        );
        assert_eq!(errors.get("variants[1].values").unwrap(), ["another variant has the same values"]);
        assert!(errors.get("variants[2].values").unwrap()[0].contains("not a value"));
        assert!(errors.get("variants[3].values").unwrap()[0].contains("one value for each"));
        assert!(errors.get("variants[4].id").is_some());
    }

    #[test]
    fn options_merge_by_id_and_refuse_duplicates() {
        let size = option("Size", &["S"]);
        let mut errors = FieldErrors::new();
        let rename =
            OptionInput { id: Some(size.id), values: Some(vec!["S".into(), "M".into()]), name: None };
        let merged = merge_options(std::slice::from_ref(&size), vec![rename], &mut errors);
        assert!(errors.is_empty());
        assert_eq!(merged[0].values, ["S", "M"]);
        let twice =
            OptionInput { id: None, name: Some("size".into()), values: Some(vec!["x".into(), "x".into()]) };
        merge_options(&merged, vec![twice, OptionInput::default()], &mut errors);
        assert!(errors.get("options").is_some(), "case-insensitive duplicate name");
        assert!(errors.get("options[0].values[1]").is_some());
        assert!(errors.get("options[1]").is_some());
    }

    #[test]
    fn add_ons_need_a_title_and_a_non_negative_price() {
        let now = Utc::now();
        let mut add_on = AddOn {
            id: AddOnId::new(),
            product_id: ProductId::new(),
            title: String::new(),
            description: None,
            price: Money::zero(Currency::USD),
            created_at: now,
            updated_at: now,
        };
        assert!(apply_add_on(&mut add_on, AddOnInput::default(), true).is_err());
        let gift_wrap =
            AddOnInput { title: Some("Gift wrap".into()), price: Some("0".into()), description: None };
        assert!(apply_add_on(&mut add_on, gift_wrap, true).is_ok());
        let negative = AddOnInput { price: Some("-1".into()), ..AddOnInput::default() };
        assert!(apply_add_on(&mut add_on, negative, false).is_err());
    }
}
