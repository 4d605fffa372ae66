//! Orders on sea-orm: storing an order with its lines and history, reading them back, order
//! numbers, and the conditional updates that reserve and release stock.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, Condition, ConnectionTrait, DbBackend, EntityTrait, Order as SqlOrder,
    PaginatorTrait, QueryFilter, QueryOrder, QuerySelect, QueryTrait, Statement,
};
use souk_kernel::{Currency, DomainError, Money, Page, PageRequest, SortDirection, UserId};
use souk_orders::order::{
    Address, ChosenAddOn, DeliveryStatus, Order, OrderId, OrderLine, PaymentStatus, RentalPeriod, Totals,
};
use souk_orders::status::OrderStatus;
use uuid::Uuid;

use crate::db::{db_error, for_update};
use crate::entities::{order, order_event, order_line, product, variant};

fn corrupt(what: &str) -> DomainError {
    DomainError::unexpected(format!("stored {what} holds an unknown value"))
}

/// The next order number, counted in the database so concurrent checkouts never share one.
pub async fn next_order_number(conn: &impl ConnectionTrait) -> Result<i64, DomainError> {
    let backend = conn.get_database_backend();
    let sql = "UPDATE counters SET value = value + 1 WHERE name = 'order' RETURNING value";
    let row = conn
        .query_one_raw(Statement::from_string(backend, sql))
        .await
        .map_err(db_error)?
        .ok_or_else(|| DomainError::unexpected("the order counter is missing"))?;
    row.try_get::<i64>("", "value").map_err(db_error)
}

/// Holds `quantity` units of a product if that many are available; false when they are not.
pub async fn reserve_product(
    conn: &impl ConnectionTrait,
    id: Uuid,
    quantity: i64,
) -> Result<bool, DomainError> {
    let result = product::Entity::update_many()
        .col_expr(product::Column::Reserved, Expr::col(product::Column::Reserved).add(quantity))
        .filter(product::Column::Id.eq(id))
        .filter(Expr::col(product::Column::Quantity).sub(Expr::col(product::Column::Reserved)).gte(quantity))
        .exec(conn)
        .await
        .map_err(db_error)?;
    Ok(result.rows_affected == 1)
}

/// Holds `quantity` units of a variant if that many are available; false when they are not.
pub async fn reserve_variant(
    conn: &impl ConnectionTrait,
    id: Uuid,
    quantity: i64,
) -> Result<bool, DomainError> {
    let result = variant::Entity::update_many()
        .col_expr(variant::Column::Reserved, Expr::col(variant::Column::Reserved).add(quantity))
        .filter(variant::Column::Id.eq(id))
        .filter(Expr::col(variant::Column::Quantity).sub(Expr::col(variant::Column::Reserved)).gte(quantity))
        .exec(conn)
        .await
        .map_err(db_error)?;
    Ok(result.rows_affected == 1)
}

/// Takes `quantity` held units off a product's or variant's reservation, and off its stock too
/// when they were `sold`; a conditional update, so neither ever goes below zero.
async fn take_held<E: EntityTrait>(
    conn: &impl ConnectionTrait,
    [id_column, reserved, on_hand]: [E::Column; 3],
    id: Uuid,
    quantity: i64,
    sold: bool,
) -> Result<(), DomainError> {
    let mut update = E::update_many()
        .col_expr(reserved, Expr::col(reserved).sub(quantity))
        .filter(id_column.eq(id))
        .filter(reserved.gte(quantity));
    if sold {
        update = update.col_expr(on_hand, Expr::col(on_hand).sub(quantity)).filter(on_hand.gte(quantity));
    }
    update.exec(conn).await.map_err(db_error)?;
    Ok(())
}

/// Takes held units off the variant when the line has one, else off the product.
async fn settle_held(
    conn: &impl ConnectionTrait,
    product_id: Uuid,
    variant_id: Option<Uuid>,
    quantity: i64,
    sold: bool,
) -> Result<(), DomainError> {
    match variant_id {
        Some(variant) => {
            let columns = [variant::Column::Id, variant::Column::Reserved, variant::Column::Quantity];
            take_held::<variant::Entity>(conn, columns, variant, quantity, sold).await
        }
        None => {
            let columns = [product::Column::Id, product::Column::Reserved, product::Column::Quantity];
            take_held::<product::Entity>(conn, columns, product_id, quantity, sold).await
        }
    }
}

/// Gives back units held by an order (never below zero).
pub async fn release_stock(
    conn: &impl ConnectionTrait,
    product_id: Uuid,
    variant_id: Option<Uuid>,
    quantity: i64,
) -> Result<(), DomainError> {
    settle_held(conn, product_id, variant_id, quantity, false).await
}

/// Turns units held by an order into a sale: on hand and reserved both fall by `quantity`
/// (neither below zero, by the same conditional update).
pub async fn commit_stock(
    conn: &impl ConnectionTrait,
    product_id: Uuid,
    variant_id: Option<Uuid>,
    quantity: i64,
) -> Result<(), DomainError> {
    settle_held(conn, product_id, variant_id, quantity, true).await
}

/// Whether an open order already rents the product on a day of the period.
pub async fn rental_overlaps(
    conn: &impl ConnectionTrait,
    product: Uuid,
    period: RentalPeriod,
) -> Result<bool, DomainError> {
    let closed = ["canceled", "declined", "returned", "completed"];
    let open_orders = order::Entity::find()
        .select_only()
        .column(order::Column::Id)
        .filter(order::Column::Status.is_not_in(closed))
        .into_query();
    let count = order_line::Entity::find()
        .filter(order_line::Column::ProductId.eq(product))
        .filter(order_line::Column::RentalStart.lte(period.end))
        .filter(order_line::Column::RentalEnd.gte(period.start))
        .filter(order_line::Column::OrderId.in_subquery(open_orders))
        .count(conn)
        .await
        .map_err(db_error)?;
    Ok(count > 0)
}

fn address_json(address: &Address) -> String {
    serde_json::to_string(address).unwrap_or_else(|_| "{}".to_owned())
}

/// Stores a new order with its lines and its first history entry.
pub async fn insert_order(
    conn: &impl ConnectionTrait,
    o: &Order,
    actor: Option<UserId>,
) -> Result<(), DomainError> {
    let row = order::ActiveModel {
        id: Set(o.id.as_uuid()),
        number: Set(o.number.clone()),
        cart_id: Set(o.cart_id),
        buyer_id: Set(o.buyer_id.as_uuid()),
        seller_id: Set(o.seller_id.as_uuid()),
        customer_id: Set(o.customer_id),
        coupon_code: Set(o.coupon_code.clone()),
        source: Set(o.source.as_str().to_owned()),
        status: Set(o.status.as_str().to_owned()),
        payment_status: Set(o.payment_status.as_str().to_owned()),
        delivery_status: Set(o.delivery_status.as_str().to_owned()),
        currency: Set(o.totals.total.currency().code().to_owned()),
        subtotal: Set(o.totals.subtotal.minor()),
        discount: Set(o.totals.discount.minor()),
        shipping: Set(o.totals.shipping.minor()),
        fee: Set(o.totals.fee.minor()),
        total: Set(o.totals.total.minor()),
        fulfillment: Set(o.fulfillment.as_str().to_owned()),
        shipping_address: Set(address_json(&o.shipping_address)),
        billing_address: Set(o.billing_address.as_ref().map(address_json)),
        note: Set(o.note.clone()),
        is_archived: Set(o.is_archived),
        trial_ends_at: Set(o.trial_ends_at),
        release_at: Set(o.release_at),
        expires_at: Set(o.expires_at),
        created_at: Set(o.created_at),
        updated_at: Set(o.updated_at),
    };
    order::Entity::insert(row).exec_without_returning(conn).await.map_err(db_error)?;
    let lines: Vec<order_line::ActiveModel> = o
        .lines
        .iter()
        .enumerate()
        .map(|(i, l)| order_line::ActiveModel {
            id: Set(l.id),
            order_id: Set(o.id.as_uuid()),
            position: Set(i32::try_from(i).unwrap_or(i32::MAX)),
            product_id: Set(l.product_id),
            variant_id: Set(l.variant_id),
            title: Set(l.title.clone()),
            variant_title: Set(l.variant_title.clone()),
            sku: Set(l.sku.clone()),
            unit_price: Set(l.unit_price.minor()),
            quantity: Set(l.quantity),
            add_ons: Set(serde_json::to_string(&l.add_ons).unwrap_or_else(|_| "[]".to_owned())),
            rental_start: Set(l.rental.map(|r| r.start)),
            rental_end: Set(l.rental.map(|r| r.end)),
            line_total: Set(l.line_total.minor()),
            stock_held: Set(l.stock_held),
            trial_policy: Set(l.trial_policy.as_ref().map(|t| t.to_string())),
        })
        .collect();
    order_line::Entity::insert_many(lines).exec_without_returning(conn).await.map_err(db_error)?;
    record_event(conn, o.id, None, o.status, actor, "buyer", None, o.created_at).await
}

/// Appends one entry to an order's history.
#[allow(clippy::too_many_arguments)]
pub async fn record_event(
    conn: &impl ConnectionTrait,
    order: OrderId,
    from: Option<OrderStatus>,
    to: OrderStatus,
    actor: Option<UserId>,
    party: &str,
    reason: Option<String>,
    at: DateTime<Utc>,
) -> Result<(), DomainError> {
    let row = order_event::ActiveModel {
        id: Set(Uuid::now_v7()),
        order_id: Set(order.as_uuid()),
        from_status: Set(from.map(|s| s.as_str().to_owned())),
        to_status: Set(to.as_str().to_owned()),
        actor_id: Set(actor.map(|a| a.as_uuid())),
        party: Set(party.to_owned()),
        reason: Set(reason),
        created_at: Set(at),
    };
    order_event::Entity::insert(row).exec_without_returning(conn).await.map_err(db_error).map(|_| ())
}

/// Saves an order's status fields.
pub async fn update_order_status(conn: &impl ConnectionTrait, o: &Order) -> Result<(), DomainError> {
    order::Entity::update_many()
        .col_expr(order::Column::Status, Expr::value(o.status.as_str()))
        .col_expr(order::Column::PaymentStatus, Expr::value(o.payment_status.as_str()))
        .col_expr(order::Column::DeliveryStatus, Expr::value(o.delivery_status.as_str()))
        .col_expr(order::Column::TrialEndsAt, Expr::value(o.trial_ends_at))
        .col_expr(order::Column::ReleaseAt, Expr::value(o.release_at))
        .col_expr(order::Column::ExpiresAt, Expr::value(o.expires_at))
        .col_expr(order::Column::UpdatedAt, Expr::value(o.updated_at))
        .filter(order::Column::Id.eq(o.id.as_uuid()))
        .exec(conn)
        .await
        .map_err(db_error)
        .map(|_| ())
}

fn assemble(row: order::Model, lines: Vec<order_line::Model>) -> Result<Order, DomainError> {
    let currency = Currency::from_code(&row.currency).map_err(|_| corrupt("orders.currency"))?;
    let money = |minor: i64| Money::from_minor(minor, currency);
    let address =
        |text: &str| serde_json::from_str::<Address>(text).map_err(|_| corrupt("orders.shipping_address"));
    let lines = lines
        .into_iter()
        .map(|l| {
            let rental = match (l.rental_start, l.rental_end) {
                (Some(start), Some(end)) => Some(RentalPeriod { start, end }),
                _ => None,
            };
            Ok(OrderLine {
                id: l.id,
                product_id: l.product_id,
                variant_id: l.variant_id,
                title: l.title,
                variant_title: l.variant_title,
                sku: l.sku,
                unit_price: money(l.unit_price),
                quantity: l.quantity,
                add_ons: serde_json::from_str::<Vec<ChosenAddOn>>(&l.add_ons)
                    .map_err(|_| corrupt("order_lines.add_ons"))?,
                rental,
                line_total: money(l.line_total),
                stock_held: l.stock_held,
                trial_policy: l.trial_policy.as_deref().and_then(|t| serde_json::from_str(t).ok()),
            })
        })
        .collect::<Result<Vec<_>, DomainError>>()?;
    Ok(Order {
        id: OrderId(row.id),
        number: row.number,
        cart_id: row.cart_id,
        buyer_id: UserId(row.buyer_id),
        seller_id: UserId(row.seller_id),
        customer_id: row.customer_id,
        coupon_code: row.coupon_code,
        source: row.source.parse().map_err(|_| corrupt("orders.source"))?,
        status: row.status.parse().map_err(|_| corrupt("orders.status"))?,
        payment_status: row.payment_status.parse().map_err(|_| corrupt("orders.payment_status"))?,
        delivery_status: row.delivery_status.parse().map_err(|_| corrupt("orders.delivery_status"))?,
        lines,
        totals: Totals {
            subtotal: money(row.subtotal),
            discount: money(row.discount),
            shipping: money(row.shipping),
            fee: money(row.fee),
            total: money(row.total),
        },
        fulfillment: row.fulfillment.parse().map_err(|_| corrupt("orders.fulfillment"))?,
        shipping_address: address(&row.shipping_address)?,
        billing_address: row.billing_address.as_deref().map(address).transpose()?,
        note: row.note,
        is_archived: row.is_archived,
        trial_ends_at: row.trial_ends_at,
        release_at: row.release_at,
        expires_at: row.expires_at,
        created_at: row.created_at,
        updated_at: row.updated_at,
    })
}

async fn with_lines(conn: &impl ConnectionTrait, rows: Vec<order::Model>) -> Result<Vec<Order>, DomainError> {
    if rows.is_empty() {
        return Ok(Vec::new());
    }
    let ids: Vec<Uuid> = rows.iter().map(|r| r.id).collect();
    let mut lines: HashMap<Uuid, Vec<order_line::Model>> = HashMap::new();
    for line in order_line::Entity::find()
        .filter(order_line::Column::OrderId.is_in(ids))
        .order_by_asc(order_line::Column::Position)
        .all(conn)
        .await
        .map_err(db_error)?
    {
        lines.entry(line.order_id).or_default().push(line);
    }
    rows.into_iter()
        .map(|row| {
            let own = lines.remove(&row.id).unwrap_or_default();
            assemble(row, own)
        })
        .collect()
}

/// One order with its lines; `lock` holds the row for the transaction on PostgreSQL.
pub async fn find_order(
    conn: &impl ConnectionTrait,
    id: OrderId,
    lock: bool,
) -> Result<Option<Order>, DomainError> {
    let query = order::Entity::find_by_id(id.as_uuid());
    let query = if lock { for_update(query, conn) } else { query };
    let rows: Vec<order::Model> = query.one(conn).await.map_err(db_error)?.into_iter().collect();
    Ok(with_lines(conn, rows).await?.pop())
}

/// Who may list which orders.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OrderScope {
    /// A buyer's own orders.
    Buyer(UserId),
    /// Orders of a seller's products.
    Seller(UserId),
    /// Every order.
    All,
}

/// How an order list is ordered.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum OrderSort {
    /// Newest first unless the direction says otherwise.
    #[default]
    CreatedAt,
    /// By total (minor units).
    Total,
    /// By units across the lines.
    Quantity,
    /// By status name.
    Status,
}

/// Filters of the order list.
#[derive(Debug, Clone, Default)]
pub struct OrderFilter {
    /// Any of these statuses.
    pub statuses: Vec<OrderStatus>,
    /// None of these statuses.
    pub exclude_statuses: Vec<OrderStatus>,
    /// Any of these payment states.
    pub payment_statuses: Vec<PaymentStatus>,
    /// None of these payment states.
    pub exclude_payment_statuses: Vec<PaymentStatus>,
    /// Any of these delivery states.
    pub delivery_statuses: Vec<DeliveryStatus>,
    /// None of these delivery states.
    pub exclude_delivery_statuses: Vec<DeliveryStatus>,
    /// With a return in any of these states.
    pub return_statuses: Vec<souk_fulfillment::returns::ReturnStatus>,
    /// With no return in any of these states.
    pub exclude_return_statuses: Vec<souk_fulfillment::returns::ReturnStatus>,
    /// Refunded none, part or all of the payment (any of these).
    pub refund_statuses: Vec<souk_orders::order::RefundStatus>,
    /// Refunded in none of these ways.
    pub exclude_refund_statuses: Vec<souk_orders::order::RefundStatus>,
    /// Bought by any of these buyers.
    pub buyer_ids: Vec<UserId>,
    /// Sold by any of these sellers.
    pub seller_ids: Vec<UserId>,
    /// Bought as any of these customers (of the order's seller).
    pub customer_ids: Vec<Uuid>,
    /// Holding a line of any of these products.
    pub product_ids: Vec<Uuid>,
    /// One checkout's orders.
    pub cart_id: Option<Uuid>,
    /// The order number.
    pub number: Option<String>,
    /// Text in the number or the shipping address (name, phone, street, city).
    pub search: Option<String>,
    /// Canceled orders or the others.
    pub is_cancelled: Option<bool>,
    /// Orders with a trial line or the others.
    pub has_trial: Option<bool>,
    /// Created at or after.
    pub from: Option<DateTime<Utc>>,
    /// Created at or before.
    pub to: Option<DateTime<Utc>>,
    /// Changed at or after.
    pub updated_from: Option<DateTime<Utc>>,
    /// Changed at or before.
    pub updated_to: Option<DateTime<Utc>>,
    /// Archived or not.
    pub is_archived: Option<bool>,
    /// Sort key.
    pub sort: OrderSort,
    /// Sort direction.
    pub direction: SortDirection,
}

fn names<T: Copy>(values: &[T], name: impl Fn(T) -> &'static str) -> Vec<&'static str> {
    values.iter().map(|v| name(*v)).collect()
}

fn with_line(condition: &str) -> Expr {
    Expr::cust(format!("EXISTS (SELECT 1 FROM order_lines l WHERE l.order_id = orders.id AND {condition})"))
}

/// The payment states a refund state stands for.
fn refund_condition(status: souk_orders::order::RefundStatus) -> Condition {
    use souk_orders::order::RefundStatus;
    let refunded = [PaymentStatus::Refunded.as_str(), PaymentStatus::PartiallyRefunded.as_str()];
    match status {
        RefundStatus::Full => {
            Condition::all().add(order::Column::PaymentStatus.eq(PaymentStatus::Refunded.as_str()))
        }
        RefundStatus::Partial => {
            Condition::all().add(order::Column::PaymentStatus.eq(PaymentStatus::PartiallyRefunded.as_str()))
        }
        RefundStatus::None => Condition::all().add(order::Column::PaymentStatus.is_not_in(refunded)),
    }
}

/// The condition of an order list: the scope and every filter.
fn order_condition(backend: DbBackend, scope: OrderScope, filter: &OrderFilter) -> Condition {
    let mut all = Condition::all();
    all = match scope {
        OrderScope::Buyer(buyer) => all.add(order::Column::BuyerId.eq(buyer.as_uuid())),
        OrderScope::Seller(seller) => all.add(order::Column::SellerId.eq(seller.as_uuid())),
        OrderScope::All => all,
    };
    let f = filter;
    for (column, include, exclude) in [
        (
            order::Column::Status,
            names(&f.statuses, |s| s.as_str()),
            names(&f.exclude_statuses, |s| s.as_str()),
        ),
        (
            order::Column::PaymentStatus,
            names(&f.payment_statuses, |s| s.as_str()),
            names(&f.exclude_payment_statuses, |s| s.as_str()),
        ),
        (
            order::Column::DeliveryStatus,
            names(&f.delivery_statuses, |s| s.as_str()),
            names(&f.exclude_delivery_statuses, |s| s.as_str()),
        ),
    ] {
        if !include.is_empty() {
            all = all.add(column.is_in(include));
        }
        if !exclude.is_empty() {
            all = all.add(column.is_not_in(exclude));
        }
    }
    for (statuses, include) in [(&f.return_statuses, true), (&f.exclude_return_statuses, false)] {
        if statuses.is_empty() {
            continue;
        }
        let returns = crate::entities::return_request::Entity::find()
            .select_only()
            .column(crate::entities::return_request::Column::OrderId)
            .filter(crate::entities::return_request::Column::Status.is_in(names(statuses, |s| s.as_str())))
            .into_query();
        all = all.add(if include {
            order::Column::Id.in_subquery(returns)
        } else {
            order::Column::Id.not_in_subquery(returns)
        });
    }
    for (statuses, include) in [(&f.refund_statuses, true), (&f.exclude_refund_statuses, false)] {
        if statuses.is_empty() {
            continue;
        }
        let mut any = Condition::any();
        for status in statuses.iter() {
            any = any.add(refund_condition(*status));
        }
        all = all.add(if include { any } else { any.not() });
    }
    if !f.buyer_ids.is_empty() {
        all = all.add(order::Column::BuyerId.is_in(f.buyer_ids.iter().map(|b| b.as_uuid())));
    }
    if !f.seller_ids.is_empty() {
        all = all.add(order::Column::SellerId.is_in(f.seller_ids.iter().map(|b| b.as_uuid())));
    }
    if !f.customer_ids.is_empty() {
        all = all.add(order::Column::CustomerId.is_in(f.customer_ids.clone()));
    }
    if !f.product_ids.is_empty() {
        let products = order_line::Entity::find()
            .select_only()
            .column(order_line::Column::OrderId)
            .filter(order_line::Column::ProductId.is_in(f.product_ids.clone()))
            .into_query();
        all = all.add(order::Column::Id.in_subquery(products));
    }
    if let Some(cart) = f.cart_id {
        all = all.add(order::Column::CartId.eq(cart));
    }
    if let Some(number) = &f.number {
        all = all.add(order::Column::Number.eq(number.clone()));
    }
    if let Some(text) = &f.search {
        let pattern = format!(
            "%{}%",
            text.to_lowercase().replace('\\', "\\\\").replace('%', "\\%").replace('_', "\\_")
        );
        let like = match backend {
            DbBackend::Postgres => {
                "(lower(orders.number) LIKE $1 ESCAPE '\\' OR lower(orders.shipping_address) LIKE $1 ESCAPE '\\')"
            }
            _ => {
                "(lower(orders.number) LIKE ? ESCAPE '\\' OR lower(orders.shipping_address) LIKE ? ESCAPE '\\')"
            }
        };
        let values: Vec<sea_orm::Value> = match backend {
            DbBackend::Postgres => vec![pattern.into()],
            _ => vec![pattern.clone().into(), pattern.into()],
        };
        all = all.add(Expr::cust_with_values(like, values));
    }
    if let Some(cancelled) = f.is_cancelled {
        let canceled = order::Column::Status.eq(OrderStatus::Canceled.as_str());
        all = all.add(if cancelled { canceled } else { canceled.not() });
    }
    if let Some(trial) = f.has_trial {
        let trial_line = with_line("l.trial_policy IS NOT NULL");
        all = all.add(if trial { trial_line } else { trial_line.not() });
    }
    for (column, bound, at_least) in [
        (order::Column::CreatedAt, f.from, true),
        (order::Column::CreatedAt, f.to, false),
        (order::Column::UpdatedAt, f.updated_from, true),
        (order::Column::UpdatedAt, f.updated_to, false),
    ] {
        if let Some(at) = bound {
            all = all.add(if at_least { column.gte(at) } else { column.lte(at) });
        }
    }
    if let Some(archived) = f.is_archived {
        all = all.add(order::Column::IsArchived.eq(archived));
    }
    all
}

/// A page of orders in the scope, filtered and ordered.
pub async fn list_orders(
    conn: &impl ConnectionTrait,
    scope: OrderScope,
    filter: &OrderFilter,
    page: PageRequest,
) -> Result<Page<Order>, DomainError> {
    let f = filter;
    let all = order_condition(conn.get_database_backend(), scope, filter);
    let direction = match f.direction {
        SortDirection::Asc => SqlOrder::Asc,
        SortDirection::Desc => SqlOrder::Desc,
    };
    let select = order::Entity::find().filter(all);
    let select = match f.sort {
        OrderSort::CreatedAt => select.order_by(order::Column::CreatedAt, direction.clone()),
        OrderSort::Total => select.order_by(order::Column::Total, direction.clone()),
        OrderSort::Status => select.order_by(order::Column::Status, direction.clone()),
        OrderSort::Quantity => select.order_by(
            Expr::cust(
                "(SELECT COALESCE(SUM(l.quantity), 0) FROM order_lines l WHERE l.order_id = orders.id)",
            ),
            direction.clone(),
        ),
    };
    let select = select.order_by(order::Column::Id, direction);
    let total = select.clone().count(conn).await.map_err(db_error)?;
    let rows =
        select.offset(page.offset()).limit(u64::from(page.per_page())).all(conn).await.map_err(db_error)?;
    Ok(Page { items: with_lines(conn, rows).await?, total, request: page })
}

/// Where an export stopped: the creation time and id of the last order sent.
pub type ExportCursor = (DateTime<Utc>, Uuid);

/// The next orders of an export, newest first after `after`: keyset pagination, so every batch
/// costs the same however deep the export is.
pub async fn export_orders(
    conn: &impl ConnectionTrait,
    scope: OrderScope,
    filter: &OrderFilter,
    after: Option<ExportCursor>,
    limit: u64,
) -> Result<Vec<Order>, DomainError> {
    let mut all = order_condition(conn.get_database_backend(), scope, filter);
    if let Some((created_at, id)) = after {
        all = all.add(Condition::any().add(order::Column::CreatedAt.lt(created_at)).add(
            Condition::all().add(order::Column::CreatedAt.eq(created_at)).add(order::Column::Id.lt(id)),
        ));
    }
    let rows = order::Entity::find()
        .filter(all)
        .order_by_desc(order::Column::CreatedAt)
        .order_by_desc(order::Column::Id)
        .limit(limit)
        .all(conn)
        .await
        .map_err(db_error)?;
    with_lines(conn, rows).await
}

/// Unpaid orders whose hold on stock has run out at `now`, oldest first.
pub async fn due_unpaid_orders(
    conn: &impl ConnectionTrait,
    now: DateTime<Utc>,
    limit: u64,
) -> Result<Vec<OrderId>, DomainError> {
    let ids: Vec<Uuid> = order::Entity::find()
        .select_only()
        .column(order::Column::Id)
        .filter(order::Column::Status.is_in([OrderStatus::Pending.as_str(), OrderStatus::Failed.as_str()]))
        .filter(order::Column::PaymentStatus.ne(PaymentStatus::Paid.as_str()))
        .filter(order::Column::ExpiresAt.lte(now))
        .order_by_asc(order::Column::ExpiresAt)
        .limit(limit)
        .into_tuple()
        .all(conn)
        .await
        .map_err(db_error)?;
    Ok(ids.into_iter().map(OrderId).collect())
}

/// Orders whose trial or release delay has ended at `now`, soonest first.
pub async fn due_for_release(
    conn: &impl ConnectionTrait,
    now: DateTime<Utc>,
    limit: u64,
) -> Result<Vec<OrderId>, DomainError> {
    let waiting = [
        OrderStatus::Delivered,
        OrderStatus::ServiceProvided,
        OrderStatus::CustomerConfirmed,
        OrderStatus::TrialActive,
    ];
    let ids: Vec<Uuid> = order::Entity::find()
        .select_only()
        .column(order::Column::Id)
        .filter(order::Column::Status.is_in(waiting.iter().map(|s| s.as_str())))
        .filter(order::Column::ReleaseAt.lte(now))
        .order_by_asc(order::Column::ReleaseAt)
        .limit(limit)
        .into_tuple()
        .all(conn)
        .await
        .map_err(db_error)?;
    Ok(ids.into_iter().map(OrderId).collect())
}

/// One entry of an order's history.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrderEvent {
    /// Id.
    pub id: Uuid,
    /// The status before (`None` for the order's creation).
    pub from: Option<String>,
    /// The status after.
    pub to: String,
    /// Who acted, when a user did.
    pub actor_id: Option<Uuid>,
    /// As which party (`buyer`, `seller`, `admin`, `system`).
    pub party: String,
    /// Why, when given.
    pub reason: Option<String>,
    /// When.
    pub created_at: DateTime<Utc>,
}

/// An order's history, oldest first.
pub async fn order_events(conn: &impl ConnectionTrait, id: OrderId) -> Result<Vec<OrderEvent>, DomainError> {
    Ok(order_event::Entity::find()
        .filter(order_event::Column::OrderId.eq(id.as_uuid()))
        .order_by_asc(order_event::Column::CreatedAt)
        .order_by_asc(order_event::Column::Id)
        .all(conn)
        .await
        .map_err(db_error)?
        .into_iter()
        .map(|e| OrderEvent {
            id: e.id,
            from: e.from_status,
            to: e.to_status,
            actor_id: e.actor_id,
            party: e.party,
            reason: e.reason,
            created_at: e.created_at,
        })
        .collect())
}

/// Saves the fields a party may change: archiving, the note and the addresses.
pub async fn update_order_details(conn: &impl ConnectionTrait, o: &Order) -> Result<(), DomainError> {
    order::Entity::update_many()
        .col_expr(order::Column::IsArchived, Expr::value(o.is_archived))
        .col_expr(order::Column::Note, Expr::value(o.note.clone()))
        .col_expr(order::Column::ShippingAddress, Expr::value(address_json(&o.shipping_address)))
        .col_expr(order::Column::BillingAddress, Expr::value(o.billing_address.as_ref().map(address_json)))
        .col_expr(order::Column::UpdatedAt, Expr::value(o.updated_at))
        .filter(order::Column::Id.eq(o.id.as_uuid()))
        .exec(conn)
        .await
        .map_err(db_error)
        .map(|_| ())
}

/// Deletes an order with its lines and history.
pub async fn delete_order(conn: &impl ConnectionTrait, id: OrderId) -> Result<(), DomainError> {
    order::Entity::delete_by_id(id.as_uuid()).exec(conn).await.map_err(db_error).map(|_| ())
}

/// Whether the buyer has a completed order holding the product (a verified purchase).
pub async fn bought_and_completed(
    conn: &impl ConnectionTrait,
    buyer: UserId,
    product: Uuid,
) -> Result<bool, DomainError> {
    let lines = order_line::Entity::find()
        .select_only()
        .column(order_line::Column::OrderId)
        .filter(order_line::Column::ProductId.eq(product))
        .into_query();
    let count = order::Entity::find()
        .filter(order::Column::BuyerId.eq(buyer.as_uuid()))
        .filter(order::Column::Status.eq(OrderStatus::Completed.as_str()))
        .filter(order::Column::Id.in_subquery(lines))
        .count(conn)
        .await
        .map_err(db_error)?;
    Ok(count > 0)
}
