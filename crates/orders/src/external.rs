//! Orders made outside Souk (an external checkout synced by an integration): their lines and
//! amounts are taken as given and checked, never priced from the catalog, and they hold no stock
//! and no escrow.

use souk_kernel::{AmountInput, Currency, DomainError, FieldErrors, Money};
use uuid::Uuid;

use crate::checkout::{MAX_LINES, MAX_QUANTITY};
use crate::order::{OrderLine, PaymentStatus, Totals};
use crate::status::OrderStatus;

/// The product id stored on external lines that name no Souk product.
pub const NO_PRODUCT: Uuid = Uuid::nil();

/// One line of an external order, unchecked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExternalLine {
    /// Title as sold.
    pub title: String,
    /// SKU as sold.
    pub sku: Option<String>,
    /// Unit price in the order's currency.
    pub unit_price: AmountInput,
    /// Units.
    pub quantity: i64,
    /// The Souk product, when the line is one (checked to be the seller's by the use case).
    pub product_id: Option<Uuid>,
}

/// The money and lines of an external order, unchecked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExternalOrderInput {
    /// ISO 4217 code of every amount.
    pub currency: String,
    /// 1 to 100 lines.
    pub lines: Vec<ExternalLine>,
    /// Lifecycle state as the external system has it (`pending` when absent).
    pub status: Option<OrderStatus>,
    /// Money state as the external system has it (`unpaid` when absent).
    pub payment_status: Option<PaymentStatus>,
    /// Shipping charged.
    pub shipping: Option<AmountInput>,
    /// Fee charged.
    pub fee: Option<AmountInput>,
    /// Discount given (at most the subtotal).
    pub discount: Option<AmountInput>,
}

/// The checked lines and totals of an external order.
#[derive(Debug, Clone, PartialEq)]
pub struct ExternalOrder {
    /// Lines in request order; none holds stock.
    pub lines: Vec<OrderLine>,
    /// Exact totals: subtotal - discount + shipping + fee.
    pub totals: Totals,
    /// Lifecycle state.
    pub status: OrderStatus,
    /// Money state.
    pub payment_status: PaymentStatus,
}

fn amount(errors: &mut FieldErrors, field: &str, input: Option<&AmountInput>, currency: Currency) -> Money {
    match input.map(|a| a.to_money(currency)) {
        None => Money::zero(currency),
        Some(Ok(money)) if !money.is_negative() => money,
        Some(Ok(_)) => {
            errors.add(field, "must be 0 or more");
            Money::zero(currency)
        }
        Some(Err(e)) => {
            errors.add(field, e.to_string());
            Money::zero(currency)
        }
    }
}

/// Checks an external order: a currency, 1 to 100 lines with a title (1 to 100 characters), an
/// optional SKU (at most 64), a unit price of 0 or more in the currency and 1 to 10000 units;
/// amounts that fit exactly; a discount no larger than the subtotal.
pub fn check_external(input: ExternalOrderInput) -> Result<ExternalOrder, DomainError> {
    let mut errors = FieldErrors::new();
    let currency = match Currency::from_code(input.currency.trim()) {
        Ok(currency) => currency,
        Err(e) => return Err(DomainError::invalid("currency", e.to_string())),
    };
    if input.lines.is_empty() || input.lines.len() > MAX_LINES {
        errors.add("lines", format!("must hold 1 to {MAX_LINES} lines"));
    }
    let mut subtotal = Money::zero(currency);
    let mut lines = Vec::new();
    for (i, line) in input.lines.into_iter().enumerate() {
        let field = format!("lines[{i}]");
        let title = line.title.trim().to_owned();
        if !(1..=100).contains(&title.chars().count()) {
            errors.add(format!("{field}.title"), "must be 1 to 100 characters");
        }
        let sku = line.sku.map(|s| s.trim().to_owned()).filter(|s| !s.is_empty());
        if sku.as_ref().is_some_and(|s| s.chars().count() > 64) {
            errors.add(format!("{field}.sku"), "must be at most 64 characters");
        }
        if !(1..=MAX_QUANTITY).contains(&line.quantity) {
            errors.add(format!("{field}.quantity"), format!("must be 1 to {MAX_QUANTITY}"));
            continue;
        }
        let unit_price =
            amount(&mut errors, &format!("{field}.unit_price"), Some(&line.unit_price), currency);
        let Ok(total) = unit_price.checked_mul(line.quantity) else {
            errors.add(&field, "makes an amount too large for Souk to hold exactly");
            continue;
        };
        match subtotal.checked_add(total) {
            Ok(sum) => subtotal = sum,
            Err(_) => {
                errors.add(&field, "makes an amount too large for Souk to hold exactly");
                continue;
            }
        }
        lines.push(OrderLine {
            id: Uuid::now_v7(),
            product_id: line.product_id.unwrap_or(NO_PRODUCT),
            variant_id: None,
            title,
            variant_title: None,
            sku,
            unit_price,
            quantity: line.quantity,
            add_ons: Vec::new(),
            rental: None,
            line_total: total,
            stock_held: false,
            trial_policy: None,
        });
    }
    let shipping = amount(&mut errors, "shipping", input.shipping.as_ref(), currency);
    let fee = amount(&mut errors, "fee", input.fee.as_ref(), currency);
    let discount = amount(&mut errors, "discount", input.discount.as_ref(), currency);
    if discount.minor() > subtotal.minor() {
        errors.add("discount", "must not exceed the subtotal of the lines");
    }
    errors.into_result()?;
    let total = subtotal
        .checked_sub(discount)
        .and_then(|t| t.checked_add(shipping))
        .and_then(|t| t.checked_add(fee))
        .map_err(|_| DomainError::invalid("lines", "make an amount too large for Souk to hold exactly"))?;
    Ok(ExternalOrder {
        lines,
        totals: Totals { subtotal, discount, shipping, fee, total },
        status: input.status.unwrap_or(OrderStatus::Pending),
        payment_status: input.payment_status.unwrap_or(PaymentStatus::Unpaid),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn line(price: &str, quantity: i64) -> ExternalLine {
        ExternalLine {
            title: "Tea".into(),
            sku: Some("TEA-1".into()),
            unit_price: AmountInput::from(price),
            quantity,
            product_id: None,
        }
    }

    fn input(lines: Vec<ExternalLine>) -> ExternalOrderInput {
        ExternalOrderInput {
            currency: "USD".into(),
            lines,
            status: None,
            payment_status: Some(PaymentStatus::Paid),
            shipping: Some(AmountInput::from("5")),
            fee: None,
            discount: Some(AmountInput::from("1.50")),
        }
    }

    #[test]
    fn external_orders_are_totalled_exactly_and_hold_nothing() {
        let order = check_external(input(vec![line("2.50", 3), line("0", 1)])).unwrap();
        let usd = |minor| Money::from_minor(minor, Currency::USD);
        assert_eq!(order.totals.subtotal, usd(750));
        assert_eq!(order.totals.total, usd(750 - 150 + 500));
        assert!(order.lines.iter().all(|l| !l.stock_held && l.product_id == NO_PRODUCT));
        assert_eq!((order.status, order.payment_status), (OrderStatus::Pending, PaymentStatus::Paid));
    }

    #[test]
    fn bad_lines_and_amounts_are_named() {
        let mut bad =
            input(vec![line("2.505", 1), line("1", 0), ExternalLine { title: " ".into(), ..line("1", 1) }]);
        bad.discount = Some(AmountInput::from("100"));
        let Err(DomainError::Validation(errors)) = check_external(bad) else { panic!("refused") };
        for field in ["lines[0].unit_price", "lines[1].quantity", "lines[2].title", "discount"] {
            assert!(errors.get(field).is_some(), "{field}: {errors:?}");
        }
        assert!(
            check_external(ExternalOrderInput { currency: "usd".into(), ..input(vec![line("1", 1)]) })
                .is_err()
        );
        assert!(check_external(input(Vec::new())).is_err());
    }
}
