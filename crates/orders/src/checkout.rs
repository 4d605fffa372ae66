//! Checkout pricing: lines priced from the catalog become one draft order per seller, with exact
//! line totals and order totals; nothing here touches stock or storage.

use souk_kernel::{DomainError, FieldErrors, Money, MoneyError, UserId};
use uuid::Uuid;

use crate::order::{ChosenAddOn, OrderLine, RentalPeriod, Totals};

/// Most lines in one checkout.
pub const MAX_LINES: usize = 100;
/// Most units of one line.
pub const MAX_QUANTITY: i64 = 10_000;
/// Longest rental, in days.
pub const MAX_RENTAL_DAYS: i64 = 366;

/// A requested line with its catalog facts, gathered by the checkout use case.
#[derive(Debug, Clone)]
pub struct PricedLine {
    /// The product's seller.
    pub seller_id: UserId,
    /// The product.
    pub product_id: Uuid,
    /// The variant, if any.
    pub variant_id: Option<Uuid>,
    /// Product title now.
    pub title: String,
    /// Variant title now.
    pub variant_title: Option<String>,
    /// SKU now.
    pub sku: Option<String>,
    /// Unit price now (for rentals: the daily rate).
    pub unit_price: Money,
    /// Units.
    pub quantity: i64,
    /// Chosen add-ons with their prices now.
    pub add_ons: Vec<(Uuid, String, Money)>,
    /// Rental period, for rental lines.
    pub rental: Option<RentalPeriod>,
    /// The trial terms now, as JSON.
    pub trial_policy: Option<serde_json::Value>,
    /// Whether the product's stock is counted and must be reserved.
    pub tracks_stock: bool,
}

/// One seller's share of a checkout before it is stored.
#[derive(Debug, Clone, PartialEq)]
pub struct DraftOrder {
    /// The seller.
    pub seller_id: UserId,
    /// Lines in request order.
    pub lines: Vec<OrderLine>,
    /// Exact totals.
    pub totals: Totals,
}

fn overflow(errors: &mut FieldErrors, field: &str) {
    errors.add(field, "makes an amount too large for Souk to hold exactly");
}

/// `unit x quantity (x days)` plus each add-on per unit.
fn line_total(line: &PricedLine) -> Result<Money, MoneyError> {
    let days = line.rental.map_or(1, |r| r.days());
    let mut total = line.unit_price.checked_mul(line.quantity)?.checked_mul(days)?;
    for (_, _, price) in &line.add_ons {
        total = total.checked_add(price.checked_mul(line.quantity)?)?;
    }
    Ok(total)
}

/// Checks quantities and rental periods, then groups the lines by seller (in order of first
/// appearance) and prices them. A seller's lines must share one currency.
pub fn price_checkout(lines: Vec<PricedLine>) -> Result<Vec<DraftOrder>, DomainError> {
    let mut errors = FieldErrors::new();
    if lines.is_empty() || lines.len() > MAX_LINES {
        errors.add("lines", format!("must hold 1 to {MAX_LINES} lines"));
    }
    let mut drafts: Vec<DraftOrder> = Vec::new();
    for (i, line) in lines.into_iter().enumerate() {
        let field = format!("lines[{i}]");
        if !(1..=MAX_QUANTITY).contains(&line.quantity) {
            errors.add(format!("{field}.quantity"), format!("must be 1 to {MAX_QUANTITY}"));
            continue;
        }
        if let Some(rental) = line.rental
            && !(1..=MAX_RENTAL_DAYS).contains(&rental.days())
        {
            errors.add(
                format!("{field}.rental"),
                format!("must end on or after its start, at most {MAX_RENTAL_DAYS} days"),
            );
            continue;
        }
        let Ok(total) = line_total(&line) else {
            overflow(&mut errors, &field);
            continue;
        };
        let currency = line.unit_price.currency();
        let index = match drafts.iter().position(|d| d.seller_id == line.seller_id) {
            Some(index) => index,
            None => {
                let zero = Money::zero(currency);
                let totals =
                    Totals { subtotal: zero, discount: zero, shipping: zero, fee: zero, total: zero };
                drafts.push(DraftOrder { seller_id: line.seller_id, lines: Vec::new(), totals });
                drafts.len() - 1
            }
        };
        let draft = &mut drafts[index];
        if draft.totals.subtotal.currency() != currency {
            errors.add(
                format!("{field}.product_id"),
                format!(
                    "is priced in {currency}, but this seller's other lines are in {}; check out separately",
                    draft.totals.subtotal.currency()
                ),
            );
            continue;
        }
        match draft.totals.subtotal.checked_add(total) {
            Ok(subtotal) => {
                draft.totals.subtotal = subtotal;
                draft.totals.total = subtotal;
            }
            Err(_) => {
                overflow(&mut errors, &field);
                continue;
            }
        }
        draft.lines.push(OrderLine {
            id: Uuid::now_v7(),
            product_id: line.product_id,
            variant_id: line.variant_id,
            title: line.title,
            variant_title: line.variant_title,
            sku: line.sku,
            unit_price: line.unit_price,
            quantity: line.quantity,
            add_ons: line
                .add_ons
                .into_iter()
                .map(|(id, title, price)| ChosenAddOn { id, title, price: price.minor() })
                .collect(),
            rental: line.rental,
            line_total: total,
            stock_held: line.tracks_stock && line.rental.is_none(),
            trial_policy: line.trial_policy,
        });
    }
    errors.into_result()?;
    Ok(drafts)
}

/// Takes a coupon discount off a draft's totals: the discount is capped at the subtotal and the
/// total becomes `subtotal - discount + shipping + fee`.
pub fn apply_discount(totals: &mut Totals, discount: Money) -> Result<(), MoneyError> {
    let capped =
        Money::from_minor(discount.minor().clamp(0, totals.subtotal.minor()), totals.subtotal.currency());
    totals.discount = capped;
    totals.total =
        totals.subtotal.checked_sub(capped)?.checked_add(totals.shipping)?.checked_add(totals.fee)?;
    Ok(())
}

/// Sets a draft's shipping and recomputes its total as `subtotal - discount + shipping + fee`.
pub fn apply_shipping(totals: &mut Totals, shipping: Money) -> Result<(), MoneyError> {
    totals.shipping = shipping;
    totals.total =
        totals.subtotal.checked_sub(totals.discount)?.checked_add(shipping)?.checked_add(totals.fee)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use chrono::NaiveDate;
    use souk_kernel::Currency;

    use super::*;

    fn usd(minor: i64) -> Money {
        Money::from_minor(minor, Currency::USD)
    }

    fn line(seller: UserId, price: Money, quantity: i64) -> PricedLine {
        PricedLine {
            seller_id: seller,
            product_id: Uuid::now_v7(),
            variant_id: None,
            title: "Lamp".into(),
            variant_title: None,
            sku: None,
            unit_price: price,
            quantity,
            add_ons: Vec::new(),
            rental: None,
            trial_policy: None,
            tracks_stock: true,
        }
    }

    #[test]
    fn lines_group_by_seller_with_exact_totals() {
        let (a, b) = (UserId::new(), UserId::new());
        let mut wrapped = line(a, usd(1_999), 2);
        wrapped.add_ons.push((Uuid::now_v7(), "Gift wrap".into(), usd(250)));
        let drafts = price_checkout(vec![wrapped, line(b, usd(500), 1), line(a, usd(1), 3)]).unwrap();
        assert_eq!(drafts.len(), 2);
        assert_eq!(drafts[0].seller_id, a);
        assert_eq!(drafts[0].lines[0].line_total, usd(2 * 1_999 + 2 * 250), "add-ons are priced per unit");
        assert_eq!(drafts[0].totals.subtotal, usd(4_498 + 3));
        assert_eq!(drafts[0].totals.total, drafts[0].totals.subtotal);
        assert_eq!(drafts[1].totals.total, usd(500));
    }

    #[test]
    fn a_discount_lowers_the_total_and_never_passes_the_subtotal() {
        let mut drafts = price_checkout(vec![line(UserId::new(), usd(1_000), 2)]).unwrap();
        let totals = &mut drafts[0].totals;
        apply_discount(totals, usd(250)).unwrap();
        assert_eq!((totals.discount, totals.total), (usd(250), usd(1_750)));
        apply_discount(totals, usd(5_000)).unwrap();
        assert_eq!((totals.discount, totals.total), (usd(2_000), usd(0)));
    }

    #[test]
    fn shipping_adds_to_the_total_and_a_later_discount_keeps_it() {
        let mut drafts = price_checkout(vec![line(UserId::new(), usd(1_000), 3)]).unwrap();
        let totals = &mut drafts[0].totals;
        apply_shipping(totals, usd(695 + 2 * 145)).unwrap();
        assert_eq!((totals.shipping, totals.total), (usd(985), usd(3_985)));
        apply_discount(totals, usd(500)).unwrap();
        assert_eq!(totals.total, usd(3_000 - 500 + 985), "the discount never touches shipping");
        assert!(apply_shipping(totals, usd(i64::MAX)).is_err());
    }

    #[test]
    fn rentals_price_days_times_the_daily_rate() {
        let day = |d: u32| NaiveDate::from_ymd_opt(2026, 12, d).unwrap();
        let mut rental = line(UserId::new(), usd(2_500), 1);
        rental.rental = Some(RentalPeriod { start: day(1), end: day(3) });
        assert_eq!(price_checkout(vec![rental.clone()]).unwrap()[0].totals.total, usd(7_500));
        rental.rental = Some(RentalPeriod { start: day(3), end: day(1) });
        assert!(price_checkout(vec![rental]).is_err());
    }

    #[test]
    fn bad_lines_are_named() {
        let seller = UserId::new();
        let euro = Money::from_minor(100, Currency::from_code("EUR").unwrap());
        let Err(DomainError::Validation(errors)) = price_checkout(vec![
            line(seller, usd(100), 0),
            line(seller, usd(100), 1),
            line(seller, euro, 1),
            line(seller, usd(i64::MAX), 2),
        ]) else {
            panic!("expected field errors");
        };
        assert!(errors.get("lines[0].quantity").is_some());
        assert!(errors.get("lines[2].product_id").is_some(), "one seller's lines share a currency");
        assert!(errors.get("lines[3]").is_some(), "overflow is refused");
        assert!(price_checkout(Vec::new()).is_err());
    }
}
