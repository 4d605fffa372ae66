//! Checkout and orders: one order per seller under a `cart_id`, reads for the parties to an
//! order, and status changes through the order state machine.

use actix_web::{HttpResponse, delete, get, patch, post, web};
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use souk_catalog::{AddOnId, ProductId, VariantId};
use souk_kernel::UserId;
use souk_marketplace::orders::{Checkout, CheckoutLine, CheckoutRequest, OrderPatch, OrderView};
use souk_orders::order::{Address, Fulfillment, OrderId, RentalPeriod};
use souk_orders::status::OrderStatus;
use souk_storage::orders::{OrderEvent, OrderFilter, OrderSort};
use utoipa::ToSchema;
use uuid::Uuid;

use crate::app::AppState;
use crate::http::auth::Caller;
use crate::http::error::{ApiError, ErrorBody};
use crate::http::extractors::JsonBody;
use crate::http::query::QueryParams;
use crate::routes::auth::MessageResponse;
use crate::routes::products::sparse;
use crate::routes::users::double_option;
use crate::{list_envelope, one_envelope};

/// A postal address.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AddressDto {
    /// Recipient, 1 to 200 characters.
    #[schema(example = "Amina Bekele", max_length = 200)]
    pub name: String,
    /// Phone, 1 to 32 characters.
    #[schema(example = "+251911000000", max_length = 32)]
    pub phone: String,
    /// Street and number.
    #[schema(example = "Bole Road 12", max_length = 300)]
    pub line1: String,
    /// More of the address.
    #[schema(max_length = 300)]
    pub line2: Option<String>,
    /// City.
    #[schema(example = "Addis Ababa", max_length = 100)]
    pub city: String,
    /// State or region.
    #[schema(max_length = 100)]
    pub state: Option<String>,
    /// Postal code.
    #[schema(max_length = 20)]
    pub postal_code: Option<String>,
    /// ISO 3166-1 alpha-2 country.
    #[schema(example = "ET")]
    pub country: String,
    /// Latitude.
    #[schema(minimum = -90, maximum = 90)]
    pub lat: Option<f64>,
    /// Longitude.
    #[schema(minimum = -180, maximum = 180)]
    pub lng: Option<f64>,
}

impl From<AddressDto> for Address {
    fn from(a: AddressDto) -> Self {
        Address {
            name: a.name,
            phone: a.phone,
            line1: a.line1,
            line2: a.line2,
            city: a.city,
            state: a.state,
            postal_code: a.postal_code,
            country: a.country,
            lat: a.lat,
            lng: a.lng,
        }
    }
}

impl From<Address> for AddressDto {
    fn from(a: Address) -> Self {
        AddressDto {
            name: a.name,
            phone: a.phone,
            line1: a.line1,
            line2: a.line2,
            city: a.city,
            state: a.state,
            postal_code: a.postal_code,
            country: a.country,
            lat: a.lat,
            lng: a.lng,
        }
    }
}

/// Rental days of a line, both included.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RentalDatesDto {
    /// First day.
    pub start_date: NaiveDate,
    /// Last day (on or after the first, at most 366 days).
    pub end_date: NaiveDate,
}

/// One line of a checkout.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CheckoutLineDto {
    /// A published, approved product.
    pub product_id: Uuid,
    /// Required when the product has variants.
    pub variant_id: Option<Uuid>,
    /// Units, at least the product's `min_qty`, at most 10000.
    #[schema(minimum = 1, maximum = 10000)]
    pub quantity: i64,
    /// Add-ons of the product, each priced per unit.
    #[serde(default)]
    pub add_on_ids: Vec<Uuid>,
    /// Rental days, for products with available rental terms (priced days x daily rate).
    pub rental: Option<RentalDatesDto>,
}

/// `delivery` or `pickup`.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum FulfillmentDto {
    /// Shipped to the address.
    Delivery,
    /// Collected at a store.
    Pickup,
}

/// A checkout.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CheckoutRequestDto {
    /// 1 to 100 lines, from any number of sellers.
    #[schema(min_items = 1, max_items = 100)]
    pub lines: Vec<CheckoutLineDto>,
    /// Where to deliver.
    pub shipping_address: AddressDto,
    /// Where to bill (the shipping address when absent).
    pub billing_address: Option<AddressDto>,
    /// `delivery` or `pickup` (collected at `pickup_store_id`; never charged shipping).
    pub fulfillment: FulfillmentDto,
    /// A shipping rate (`GET /shipping-rates`): each order of its seller (or, platform-wide, each
    /// order in its currency) pays `price + step_price x (units - 1)` in `totals.shipping`, plus
    /// the seller's `always_selected` rates, which apply without a choice; `422` when it serves
    /// none of the orders.
    pub shipping_rate_id: Option<Uuid>,
    /// The store a `pickup` order is collected at: an active store with the `pickup` channel
    /// whose seller sells every line (`422` otherwise, and on a `delivery` checkout).
    pub pickup_store_id: Option<Uuid>,
    /// A coupon code, any case: it discounts the order of the seller whose coupon it is (each
    /// seller in the checkout with a coupon of that code). `422` on `coupon_code` when no seller
    /// of the checkout has it, or it is not yet valid, expired, used up (overall or by this
    /// buyer), in another currency, below its minimum subtotal or for none of the lines.
    pub coupon_code: Option<String>,
    /// A note to the sellers, at most 1000 characters.
    #[schema(max_length = 1000)]
    pub note: Option<String>,
}

/// An add-on as sold on a line.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct OrderAddOnDto {
    /// The add-on.
    pub id: Uuid,
    /// Title when sold.
    pub title: String,
    /// Price per unit when sold.
    pub price: String,
}

/// A line as sold.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct OrderLineDto {
    /// Id.
    pub id: Uuid,
    /// The product.
    pub product_id: Uuid,
    /// The variant.
    pub variant_id: Option<Uuid>,
    /// Product title when sold.
    pub title: String,
    /// Variant title when sold.
    pub variant_title: Option<String>,
    /// SKU when sold.
    pub sku: Option<String>,
    /// Unit price when sold (rentals: the daily rate).
    pub unit_price: String,
    /// Units.
    pub quantity: i64,
    /// Add-ons.
    pub add_ons: Vec<OrderAddOnDto>,
    /// Rental days.
    pub rental: Option<RentalDatesDto>,
    /// Unit price x quantity (x days) plus add-ons x quantity.
    pub line_total: String,
    /// The trial terms the line was sold with.
    #[schema(value_type = Option<Object>)]
    pub trial_policy: Option<serde_json::Value>,
}

/// The money of an order.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct TotalsDto {
    /// Sum of the lines.
    pub subtotal: String,
    /// Coupon discount.
    pub discount: String,
    /// Shipping.
    pub shipping: String,
    /// Fee charged to the buyer.
    pub fee: String,
    /// What the buyer pays.
    pub total: String,
}

/// An order.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct OrderDto {
    /// Id.
    pub id: Uuid,
    /// Human number.
    #[schema(example = "SK-000123")]
    pub number: String,
    /// The checkout it came from.
    pub cart_id: Uuid,
    /// The buyer.
    pub buyer_id: Uuid,
    /// The seller.
    pub seller_id: Uuid,
    /// The seller's customer record of the buyer (`GET /customers/{id}`).
    pub customer_id: Option<Uuid>,
    /// The coupon code that discounted the order (`totals.discount`).
    pub coupon_code: Option<String>,
    /// `checkout` (made in Souk) or `external` (recorded by `POST /orders`).
    pub source: String,
    /// Lifecycle state.
    #[schema(example = "pending")]
    pub status: String,
    /// `unpaid`, `paid`, `failed`, `refunded`, `partially_refunded`.
    pub payment_status: String,
    /// `not_shipped`, `shipped`, `delivered`.
    pub delivery_status: String,
    /// ISO 4217 currency of every amount.
    pub currency: String,
    /// Totals.
    pub totals: TotalsDto,
    /// Lines.
    pub lines: Vec<OrderLineDto>,
    /// `delivery` or `pickup`.
    pub fulfillment: String,
    /// Where to deliver.
    pub shipping_address: AddressDto,
    /// Where to bill.
    pub billing_address: Option<AddressDto>,
    /// The buyer's note.
    pub note: Option<String>,
    /// Hidden from default lists.
    pub is_archived: bool,
    /// When the trial ends.
    pub trial_ends_at: Option<DateTime<Utc>>,
    /// When an unpaid order expires and releases its stock.
    pub expires_at: Option<DateTime<Utc>>,
    /// When the escrow is due for automatic release (the trial's end, or the release delay
    /// after delivery).
    pub release_at: Option<DateTime<Utc>>,
    /// What the order's escrow held and moved (single-order reads only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub escrow: Option<EscrowSummaryDto>,
    /// The order's deliveries, oldest first, each with its lines (single-order reads only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub deliveries: Option<Vec<crate::routes::deliveries::DeliveryDto>>,
    /// The statuses the caller may move the order to now.
    pub allowed_transitions: Vec<String>,
    /// Creation time.
    pub created_at: DateTime<Utc>,
    /// Last change.
    pub updated_at: DateTime<Utc>,
}

/// Every top-level field of an order, for `fields=`.
pub const ORDER_FIELDS: &[&str] = &[
    "id",
    "number",
    "cart_id",
    "buyer_id",
    "seller_id",
    "customer_id",
    "coupon_code",
    "source",
    "status",
    "payment_status",
    "delivery_status",
    "currency",
    "totals",
    "lines",
    "fulfillment",
    "shipping_address",
    "billing_address",
    "note",
    "is_archived",
    "trial_ends_at",
    "expires_at",
    "release_at",
    "allowed_transitions",
    "created_at",
    "updated_at",
];

impl From<OrderView> for OrderDto {
    fn from(view: OrderView) -> Self {
        let o = view.order;
        let currency = o.totals.total.currency();
        let money = |minor: i64| souk_kernel::Money::from_minor(minor, currency).amount_string();
        OrderDto {
            id: o.id.as_uuid(),
            number: o.number,
            cart_id: o.cart_id,
            buyer_id: o.buyer_id.as_uuid(),
            seller_id: o.seller_id.as_uuid(),
            customer_id: o.customer_id,
            coupon_code: o.coupon_code,
            source: o.source.as_str().to_owned(),
            status: o.status.as_str().to_owned(),
            payment_status: o.payment_status.as_str().to_owned(),
            delivery_status: o.delivery_status.as_str().to_owned(),
            currency: currency.code().to_owned(),
            totals: TotalsDto {
                subtotal: o.totals.subtotal.amount_string(),
                discount: o.totals.discount.amount_string(),
                shipping: o.totals.shipping.amount_string(),
                fee: o.totals.fee.amount_string(),
                total: o.totals.total.amount_string(),
            },
            lines: o
                .lines
                .into_iter()
                .map(|l| OrderLineDto {
                    id: l.id,
                    product_id: l.product_id,
                    variant_id: l.variant_id,
                    title: l.title,
                    variant_title: l.variant_title,
                    sku: l.sku,
                    unit_price: l.unit_price.amount_string(),
                    quantity: l.quantity,
                    add_ons: l
                        .add_ons
                        .into_iter()
                        .map(|a| OrderAddOnDto { id: a.id, title: a.title, price: money(a.price) })
                        .collect(),
                    rental: l.rental.map(|r| RentalDatesDto { start_date: r.start, end_date: r.end }),
                    line_total: l.line_total.amount_string(),
                    trial_policy: l.trial_policy,
                })
                .collect(),
            fulfillment: o.fulfillment.as_str().to_owned(),
            shipping_address: o.shipping_address.into(),
            billing_address: o.billing_address.map(Into::into),
            note: o.note,
            is_archived: o.is_archived,
            trial_ends_at: o.trial_ends_at,
            expires_at: o.expires_at,
            release_at: o.release_at,
            escrow: None,
            deliveries: None,
            allowed_transitions: view.allowed_transitions.iter().map(|s| s.as_str().to_owned()).collect(),
            created_at: o.created_at,
            updated_at: o.updated_at,
        }
    }
}

one_envelope!(
    /// `{"data": {"order": ...}}`
    OrderResponse, OrderData, order: OrderDto
);
list_envelope!(
    /// `{"data": {"orders": [...], "pagination": ...}}`
    OrderListResponse, OrderListData, orders: OrderDto
);

/// `{"data": {"cart_id": ..., "orders": [...]}}`
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CheckoutResponse {
    /// The payload.
    pub data: CheckoutData,
}

/// The orders of one checkout.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CheckoutData {
    /// Shared by the orders.
    pub cart_id: Uuid,
    /// One `pending` order per seller, awaiting payment.
    pub orders: Vec<OrderDto>,
}

/// Checks out lines from any number of sellers: one `pending` order per seller under one
/// `cart_id`, titles and prices snapshotted, stock reserved for every line or for none (`409`
/// naming each line that cannot be served in `errors`), rental days priced at the daily rate and
/// refused when already booked. Unpaid orders expire after 24 hours and release their stock. A
/// retry with the same `Idempotency-Key` replays the first answer and creates nothing new.
/// Requires: buyer. Permission: `order:create`.
#[utoipa::path(
    tag = "orders",
    params(("Idempotency-Key" = Option<String>, Header, pattern = "^[!-~]{1,255}$", description = "Replays the first response for retries within 24 h")),
    request_body = CheckoutRequestDto,
    security(("bearer" = ["order:create"]), ("basic" = ["order:create"])),
    responses(
        (status = 201, description = "The orders, awaiting payment", body = CheckoutResponse),
        (status = 400, description = "Malformed JSON", body = ErrorBody),
        (status = 401, description = "Missing or invalid credentials", body = ErrorBody),
        (status = 403, description = "Not a buyer", body = ErrorBody),
        (status = 409, description = "Lines out of stock or dates booked (named in errors), or a request with this Idempotency-Key in flight", body = ErrorBody),
        (status = 413, description = "Body too large", body = ErrorBody),
        (status = 415, description = "Body is not JSON", body = ErrorBody),
        (status = 422, description = "Invalid fields, lines or addresses", body = ErrorBody),
        (status = 429, description = "Rate limited", body = ErrorBody),
    )
)]
#[post("/checkout")]
pub async fn checkout(
    state: web::Data<AppState>,
    Caller(actor): Caller,
    JsonBody(input): JsonBody<CheckoutRequestDto>,
) -> Result<HttpResponse, ApiError> {
    let request = CheckoutRequest {
        lines: input
            .lines
            .into_iter()
            .map(|l| CheckoutLine {
                product_id: ProductId(l.product_id),
                variant_id: l.variant_id.map(VariantId),
                quantity: l.quantity,
                add_on_ids: l.add_on_ids.into_iter().map(AddOnId).collect(),
                rental: l.rental.map(|r| RentalPeriod { start: r.start_date, end: r.end_date }),
            })
            .collect(),
        shipping_address: input.shipping_address.into(),
        billing_address: input.billing_address.map(Into::into),
        fulfillment: match input.fulfillment {
            FulfillmentDto::Delivery => Fulfillment::Delivery,
            FulfillmentDto::Pickup => Fulfillment::Pickup,
        },
        shipping_rate_id: input.shipping_rate_id,
        pickup_store_id: input.pickup_store_id,
        coupon_code: input.coupon_code,
        note: input.note,
    };
    let Checkout { cart_id, orders } = state.marketplace.checkout(&actor, request).await?;
    let orders = orders.into_iter().map(OrderDto::from).collect();
    Ok(HttpResponse::Created().json(CheckoutResponse { data: CheckoutData { cart_id, orders } }))
}

/// A wire-named value in a query.
struct Named<T>(T);

impl<T: std::str::FromStr<Err = String>> std::str::FromStr for Named<T> {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        s.parse().map(Named)
    }
}

/// An `order_by` value.
struct SortValue(OrderSort);

impl std::str::FromStr for SortValue {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "created_at" => Ok(SortValue(OrderSort::CreatedAt)),
            "total" => Ok(SortValue(OrderSort::Total)),
            "quantity" => Ok(SortValue(OrderSort::Quantity)),
            "status" => Ok(SortValue(OrderSort::Status)),
            _ => Err("must be one of: total, quantity, created_at, status".into()),
        }
    }
}

fn many<T: std::str::FromStr<Err = String>>(
    reader: &mut crate::http::query::QueryReader<'_>,
    key: &str,
) -> Vec<T> {
    reader.many::<Named<T>>(key).into_iter().map(|n| n.0).collect()
}

/// The filters shared by the order list and the export.
pub(crate) fn order_filter(r: &mut crate::http::query::QueryReader<'_>) -> OrderFilter {
    let (from, to) = r.time_range("from", "to");
    let (updated_from, updated_to) = r.time_range("updated_from", "updated_to");
    OrderFilter {
        statuses: many(r, "status"),
        exclude_statuses: many(r, "exclude_status"),
        payment_statuses: many(r, "payment_status"),
        exclude_payment_statuses: many(r, "exclude_payment_status"),
        delivery_statuses: many(r, "delivery_status"),
        exclude_delivery_statuses: many(r, "exclude_delivery_status"),
        return_statuses: many(r, "return_status"),
        exclude_return_statuses: many(r, "exclude_return_status"),
        refund_statuses: many(r, "refund_status"),
        exclude_refund_statuses: many(r, "exclude_refund_status"),
        buyer_ids: r.uuids("buyer_id").into_iter().map(UserId).collect(),
        seller_ids: r.uuids("seller_id").into_iter().map(UserId).collect(),
        customer_ids: r.uuids("customer_id"),
        product_ids: r.uuids("product_id"),
        cart_id: r.uuid("cart_id"),
        number: r.text("number", 32),
        search: r.text("search", 200),
        is_cancelled: r.flag("is_cancelled"),
        has_trial: r.flag("has_trial"),
        from,
        to,
        updated_from,
        updated_to,
        is_archived: r.flag("is_archived"),
        sort: r.parsed::<SortValue>("order_by").map(|s| s.0).unwrap_or_default(),
        direction: r.parsed("order_direction").unwrap_or_default(),
    }
}

/// Orders the caller is party to: a buyer's own, a seller's of its products, all for admins.
/// Multi-value filters take comma-separated or repeated values; each `exclude_*` leaves out the
/// named values; `search` matches the number and the shipping address (name, phone, street,
/// city). `fields` returns only the named top-level fields. Permission: `order:view`.
#[utoipa::path(
    tag = "orders",
    params(
        ("status" = Option<String>, Query, description = "Statuses, comma separated or repeated"),
        ("exclude_status" = Option<String>, Query, description = "Statuses to leave out"),
        ("payment_status" = Option<String>, Query, description = "`unpaid`, `paid`, `failed`, `refunded`, `partially_refunded`"),
        ("exclude_payment_status" = Option<String>, Query, description = "Payment states to leave out"),
        ("delivery_status" = Option<String>, Query, description = "`not_shipped`, `shipped`, `delivered`"),
        ("exclude_delivery_status" = Option<String>, Query, description = "Delivery states to leave out"),
        ("return_status" = Option<String>, Query, description = "Orders with a return in any of these states: `pending`, `confirmed`, `defect_claimed`, `expired`"),
        ("exclude_return_status" = Option<String>, Query, description = "Orders with no return in any of these states"),
        ("refund_status" = Option<String>, Query, description = "`none`, `partial` or `full`: how much of the payment went back to the buyer"),
        ("exclude_refund_status" = Option<String>, Query, description = "Refund states to leave out"),
        ("buyer_id" = Option<String>, Query, description = "Buyer ids"),
        ("seller_id" = Option<String>, Query, description = "Seller ids"),
        ("customer_id" = Option<String>, Query, description = "Customer ids (`GET /customers`), comma separated or repeated"),
        ("product_id" = Option<String>, Query, description = "Orders holding a line of any of these products"),
        ("cart_id" = Option<Uuid>, Query, description = "One checkout's orders"),
        ("number" = Option<String>, Query, description = "Order number"),
        ("search" = Option<String>, Query, description = "Text in the number or the shipping address"),
        ("is_cancelled" = Option<bool>, Query, description = "Canceled orders, or the others"),
        ("is_archived" = Option<bool>, Query, description = "Archived orders, or the others"),
        ("has_trial" = Option<bool>, Query, description = "Orders with a line sold with a trial, or the others"),
        ("from" = Option<String>, Query, description = "Created at or after (RFC 3339, date or Unix seconds)"),
        ("to" = Option<String>, Query, description = "Created at or before (a bare date includes the day)"),
        ("updated_from" = Option<String>, Query, description = "Changed at or after"),
        ("updated_to" = Option<String>, Query, description = "Changed at or before"),
        ("order_by" = Option<String>, Query, description = "`total`, `quantity`, `created_at` (default), `status`"),
        ("order_direction" = Option<String>, Query, description = "`ASC` or `DESC` (default)"),
        ("fields" = Option<String>, Query, description = "Comma-separated top-level fields to return (`id` always)"),
        ("page" = Option<u32>, Query, minimum = 1, description = "Page number"),
        ("page_size" = Option<u32>, Query, minimum = 1, maximum = 200, description = "Items per page"),
    ),
    security(("bearer" = ["order:view"]), ("basic" = ["order:view"])),
    responses(
        (status = 200, description = "A page of orders", body = OrderListResponse),
        (status = 400, description = "Malformed query string", body = ErrorBody),
        (status = 401, description = "Missing or invalid credentials", body = ErrorBody),
        (status = 403, description = "The client's scopes lack order:view", body = ErrorBody),
        (status = 422, description = "Invalid filters, sort, fields or page", body = ErrorBody),
        (status = 429, description = "Rate limited", body = ErrorBody),
    )
)]
#[get("/orders")]
pub async fn list_orders(
    state: web::Data<AppState>,
    Caller(actor): Caller,
    query: QueryParams,
) -> Result<HttpResponse, ApiError> {
    let mut r = query.reader();
    let filter = order_filter(&mut r);
    let page = r.page();
    let fields = r.fields(ORDER_FIELDS);
    r.finish()?;
    let orders = state.marketplace.list_orders(&actor, filter, page).await?;
    Ok(sparse(&OrderListResponse::new(orders.map(OrderDto::from)), "orders", fields))
}

/// One order with its lines, totals, addresses, escrow, deliveries and the statuses the caller
/// may move it to. The buyer, the seller and admins may read it; for everyone else it does not
/// exist (`404`).
/// Permission: `order:view`.
#[utoipa::path(
    tag = "orders",
    params(("id" = Uuid, Path, description = "Order id")),
    security(("bearer" = ["order:view"]), ("basic" = ["order:view"])),
    responses(
        (status = 200, description = "The order", body = OrderResponse),
        (status = 401, description = "Missing or invalid credentials", body = ErrorBody),
        (status = 403, description = "The client's scopes lack order:view", body = ErrorBody),
        (status = 404, description = "No such order, or the caller is not party to it", body = ErrorBody),
        (status = 429, description = "Rate limited", body = ErrorBody),
    )
)]
#[get("/orders/{id}")]
pub async fn get_order(
    state: web::Data<AppState>,
    Caller(actor): Caller,
    id: web::Path<Uuid>,
) -> Result<web::Json<OrderResponse>, ApiError> {
    let id = OrderId(id.into_inner());
    let (order, trail) = state.marketplace.get_order_with_escrow(&actor, id).await?;
    let deliveries = state.marketplace.order_deliveries(&actor, id).await?;
    let currency = order.order.totals.total.currency();
    let frozen = order.order.status == OrderStatus::Disputed;
    let mut dto = OrderDto::from(order);
    dto.escrow = Some(EscrowSummaryDto::new(&trail, currency, frozen));
    dto.deliveries = Some(deliveries.into_iter().map(Into::into).collect());
    Ok(web::Json(OrderResponse::new(dto)))
}

/// What an order's escrow held and moved, in the order's currency.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct EscrowSummaryDto {
    /// Captured from the buyer into escrow.
    #[schema(example = "29.99")]
    pub held: String,
    /// Still in escrow.
    pub in_escrow: String,
    /// Released to the seller (platform fee and trial penalty included).
    pub released: String,
    /// Paid back to the buyer.
    pub refunded: String,
    /// A dispute freezes the escrow until an admin resolves it.
    pub frozen: bool,
}

impl EscrowSummaryDto {
    fn new(trail: &souk_escrow::payment::MoneyTrail, currency: souk_kernel::Currency, frozen: bool) -> Self {
        let show = |minor: i64| souk_kernel::Money::from_minor(minor, currency).amount_string();
        EscrowSummaryDto {
            held: show(trail.held),
            in_escrow: show(trail.in_escrow),
            released: show(trail.released),
            refunded: show(trail.refunded),
            frozen,
        }
    }
}

/// A requested status change.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct StatusChangeRequest {
    /// The status to move to (one of the order's `allowed_transitions`).
    #[schema(example = "canceled")]
    pub status: String,
    /// Why, at most 500 characters (kept in the order's history).
    #[schema(max_length = 500)]
    pub reason: Option<String>,
}

/// Moves an order through the state machine as the caller's party to it (buyer, seller or
/// admin). A move the caller may not make now is `409 INVALID_TRANSITION` with the allowed
/// statuses in `errors.allowed_transitions`; cancelling an unpaid order releases its stock.
/// Moves that need payments or escrow (holding, refunding, releasing money, committing stock,
/// starting the trial clock) answer `409` until those arrive; `return_requested`, `returned`
/// and `disputed` are reached through returns and disputes only. Admins may also mark a
/// shipped order delivered (the contract names seller, tracking and buyer; an admin correcting
/// a carrier's silence is allowed on purpose).
/// Permission: `order:update`.
#[utoipa::path(
    tag = "orders",
    params(
        ("id" = Uuid, Path, description = "Order id"),
        ("Idempotency-Key" = Option<String>, Header, pattern = "^[!-~]{1,255}$", description = "Replays the first response for retries within 24 h"),
    ),
    request_body = StatusChangeRequest,
    security(("bearer" = ["order:update"]), ("basic" = ["order:update"])),
    responses(
        (status = 200, description = "The order in its new status", body = OrderResponse),
        (status = 400, description = "Malformed JSON", body = ErrorBody),
        (status = 401, description = "Missing or invalid credentials", body = ErrorBody),
        (status = 403, description = "The client's scopes lack order:update", body = ErrorBody),
        (status = 404, description = "No such order, or the caller is not party to it", body = ErrorBody),
        (status = 409, description = "Not allowed from the current status (INVALID_TRANSITION); a move reached only through returns, disputes or payments (CONFLICT); or a request with this Idempotency-Key in flight", body = ErrorBody),
        (status = 413, description = "Body too large", body = ErrorBody),
        (status = 415, description = "Body is not JSON", body = ErrorBody),
        (status = 422, description = "Unknown status or invalid reason", body = ErrorBody),
        (status = 429, description = "Rate limited", body = ErrorBody),
    )
)]
#[post("/orders/{id}/status")]
pub async fn change_order_status(
    state: web::Data<AppState>,
    Caller(actor): Caller,
    id: web::Path<Uuid>,
    JsonBody(input): JsonBody<StatusChangeRequest>,
) -> Result<web::Json<OrderResponse>, ApiError> {
    let to: OrderStatus = input.status.parse().map_err(|message: String| {
        ApiError::validation(souk_kernel::FieldErrors::single("status", message))
    })?;
    let order =
        state.marketplace.change_order_status(&actor, OrderId(id.into_inner()), to, input.reason).await?;
    Ok(web::Json(OrderResponse::new(order.into())))
}

/// An entry of an order's history.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct OrderEventDto {
    /// Id.
    pub id: Uuid,
    /// The status before (`null` for the order's creation).
    pub from_status: Option<String>,
    /// The status after.
    pub to_status: String,
    /// The acting user, when a user acted.
    pub actor_id: Option<Uuid>,
    /// As which party: `buyer`, `seller`, `admin` or `system`.
    pub party: String,
    /// Why, when given.
    pub reason: Option<String>,
    /// When.
    pub created_at: DateTime<Utc>,
}

impl From<OrderEvent> for OrderEventDto {
    fn from(e: OrderEvent) -> Self {
        OrderEventDto {
            id: e.id,
            from_status: e.from,
            to_status: e.to,
            actor_id: e.actor_id,
            party: e.party,
            reason: e.reason,
            created_at: e.created_at,
        }
    }
}

/// `{"data": {"events": [...]}}`
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct OrderEventsResponse {
    /// The payload.
    pub data: OrderEventsData,
}

/// An order's history.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct OrderEventsData {
    /// Oldest first.
    pub events: Vec<OrderEventDto>,
}

/// The order's history: its creation and every status move, with who moved it and why. The
/// buyer, the seller and admins may read it. Permission: `order:view`.
#[utoipa::path(
    tag = "orders",
    params(("id" = Uuid, Path, description = "Order id")),
    security(("bearer" = ["order:view"]), ("basic" = ["order:view"])),
    responses(
        (status = 200, description = "The history", body = OrderEventsResponse),
        (status = 401, description = "Missing or invalid credentials", body = ErrorBody),
        (status = 403, description = "The client's scopes lack order:view", body = ErrorBody),
        (status = 404, description = "No such order, or the caller is not party to it", body = ErrorBody),
        (status = 429, description = "Rate limited", body = ErrorBody),
    )
)]
#[get("/orders/{id}/events")]
pub async fn order_events(
    state: web::Data<AppState>,
    Caller(actor): Caller,
    id: web::Path<Uuid>,
) -> Result<web::Json<OrderEventsResponse>, ApiError> {
    let events = state.marketplace.order_events(&actor, OrderId(id.into_inner())).await?;
    Ok(web::Json(OrderEventsResponse {
        data: OrderEventsData { events: events.into_iter().map(Into::into).collect() },
    }))
}

/// Changes to an order; absent fields stay, `null` clears.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct OrderUpdateRequest {
    /// Hide from or show in default lists (any party).
    pub is_archived: Option<bool>,
    /// The buyer's note, at most 1000 characters (buyer or admin).
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<String>, max_length = 1000)]
    pub note: Option<Option<String>>,
    /// Where to deliver (buyer or admin, only while the order awaits payment).
    pub shipping_address: Option<AddressDto>,
    /// Where to bill (buyer or admin, only while the order awaits payment).
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<AddressDto>)]
    pub billing_address: Option<Option<AddressDto>>,
}

/// Changes an order's details: any party archives it; the buyer or an admin changes the note
/// and, while the order awaits payment (`pending`, `failed`), the addresses (`409` after).
/// Permission: `order:update`.
#[utoipa::path(
    tag = "orders",
    params(("id" = Uuid, Path, description = "Order id")),
    request_body = OrderUpdateRequest,
    security(("bearer" = ["order:update"]), ("basic" = ["order:update"])),
    responses(
        (status = 200, description = "The changed order", body = OrderResponse),
        (status = 400, description = "Malformed JSON", body = ErrorBody),
        (status = 401, description = "Missing or invalid credentials", body = ErrorBody),
        (status = 403, description = "A seller changing the note or addresses, or the client's scopes lack order:update", body = ErrorBody),
        (status = 404, description = "No such order, or the caller is not party to it", body = ErrorBody),
        (status = 409, description = "Addresses of an order no longer awaiting payment", body = ErrorBody),
        (status = 413, description = "Body too large", body = ErrorBody),
        (status = 415, description = "Body is not JSON", body = ErrorBody),
        (status = 422, description = "Invalid fields", body = ErrorBody),
        (status = 429, description = "Rate limited", body = ErrorBody),
    )
)]
#[patch("/orders/{id}")]
pub async fn update_order(
    state: web::Data<AppState>,
    Caller(actor): Caller,
    id: web::Path<Uuid>,
    JsonBody(input): JsonBody<OrderUpdateRequest>,
) -> Result<web::Json<OrderResponse>, ApiError> {
    let patch = OrderPatch {
        is_archived: input.is_archived,
        note: input.note,
        shipping_address: input.shipping_address.map(Into::into),
        billing_address: input.billing_address.map(|a| a.map(Into::into)),
    };
    let order = state.marketplace.update_order(&actor, OrderId(id.into_inner()), patch).await?;
    Ok(web::Json(OrderResponse::new(order.into())))
}

/// Deletes an unpaid `pending` or `failed` order with its history and gives its stock back;
/// other orders are `409`. Requires: admin. Permission: `order:delete`.
#[utoipa::path(
    tag = "orders",
    params(("id" = Uuid, Path, description = "Order id")),
    security(("bearer" = ["order:delete"]), ("basic" = ["order:delete"])),
    responses(
        (status = 200, description = "Deleted", body = MessageResponse),
        (status = 401, description = "Missing or invalid credentials", body = ErrorBody),
        (status = 403, description = "Not an admin", body = ErrorBody),
        (status = 404, description = "No such order", body = ErrorBody),
        (status = 409, description = "The order is paid or past payment", body = ErrorBody),
        (status = 429, description = "Rate limited", body = ErrorBody),
    )
)]
#[delete("/orders/{id}")]
pub async fn delete_order(
    state: web::Data<AppState>,
    Caller(actor): Caller,
    id: web::Path<Uuid>,
) -> Result<web::Json<MessageResponse>, ApiError> {
    state.marketplace.delete_order(&actor, OrderId(id.into_inner())).await?;
    Ok(web::Json(MessageResponse::new("order deleted")))
}
