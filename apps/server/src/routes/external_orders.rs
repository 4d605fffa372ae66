//! `POST /orders`: orders made outside Souk, recorded by a seller's integration or an admin.

use actix_web::{HttpResponse, post, web};
use serde::Deserialize;
use souk_kernel::{AmountInput, FieldErrors, UserId};
use souk_marketplace::external_orders::ExternalOrderRequest;
use souk_orders::customer::CustomerInput;
use souk_orders::external::{ExternalLine, ExternalOrderInput};
use souk_orders::order::{Fulfillment, PaymentStatus};
use souk_orders::status::OrderStatus;
use utoipa::ToSchema;
use uuid::Uuid;

use crate::app::AppState;
use crate::http::auth::Caller;
use crate::http::error::{ApiError, ErrorBody};
use crate::http::extractors::JsonBody;
use crate::routes::orders::{AddressDto, FulfillmentDto, OrderDto, OrderResponse};

/// The customer of an external order.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ExternalCustomerDto {
    /// E-mail: finds (ignoring case) or makes the seller's customer record.
    #[schema(example = "amina@example.com", max_length = 254)]
    pub email: String,
    /// Full name, at most 200 characters.
    #[schema(max_length = 200)]
    pub name: Option<String>,
    /// Phone, at most 32 characters.
    #[schema(max_length = 32)]
    pub phone: Option<String>,
    /// Street address, at most 300 characters.
    #[schema(max_length = 300)]
    pub address: Option<String>,
    /// City, at most 100 characters.
    #[schema(max_length = 100)]
    pub city: Option<String>,
    /// Postal code, at most 20 characters.
    #[schema(max_length = 20)]
    pub postal_code: Option<String>,
    /// ISO 3166-1 alpha-2 country.
    #[schema(example = "ET", pattern = "^[A-Za-z]{2}$")]
    pub country: Option<String>,
}

/// A line of an external order, as sold there.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ExternalLineDto {
    /// Title, 1 to 100 characters.
    #[schema(example = "Green tea 250 g", min_length = 1, max_length = 100)]
    pub title: String,
    /// SKU, at most 64 characters.
    #[schema(max_length = 64)]
    pub sku: Option<String>,
    /// Unit price, 0 or more in `currency` (string or number).
    #[schema(value_type = String, example = "4.50")]
    pub unit_price: AmountInput,
    /// Units, 1 to 10000.
    #[schema(minimum = 1, maximum = 10000)]
    pub quantity: i64,
    /// The seller's Souk product, when the line is one (absent: the line's `product_id` reads
    /// `00000000-0000-0000-0000-000000000000`).
    pub product_id: Option<Uuid>,
}

/// An order made elsewhere.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateOrderRequest {
    /// Admins only (required for them): the seller. An integration records for its owner.
    pub seller_id: Option<Uuid>,
    /// Who bought.
    pub customer: ExternalCustomerDto,
    /// Where it goes (the customer's fields when absent).
    pub shipping_address: Option<AddressDto>,
    /// Where to bill.
    pub billing_address: Option<AddressDto>,
    /// `delivery` (default) or `pickup`.
    pub fulfillment: Option<FulfillmentDto>,
    /// ISO 4217 code of every amount.
    #[schema(example = "USD", pattern = "^[A-Z]{3}$")]
    pub currency: String,
    /// 1 to 100 lines.
    #[schema(min_items = 1, max_items = 100)]
    pub lines: Vec<ExternalLineDto>,
    /// The order's status there (`pending` when absent); any order status.
    #[schema(example = "new")]
    pub status: Option<String>,
    /// Its payment status there (`unpaid` when absent): `unpaid`, `paid`, `failed`, `refunded`,
    /// `partially_refunded`.
    #[schema(example = "paid")]
    pub payment_status: Option<String>,
    /// Shipping charged, 0 or more.
    #[schema(value_type = Option<String>)]
    pub shipping: Option<AmountInput>,
    /// Fee charged, 0 or more.
    #[schema(value_type = Option<String>)]
    pub fee: Option<AmountInput>,
    /// Discount given, 0 up to the lines' subtotal.
    #[schema(value_type = Option<String>)]
    pub discount: Option<AmountInput>,
    /// A note, at most 1000 characters.
    #[schema(max_length = 1000)]
    pub note: Option<String>,
}

/// Records an order made outside Souk (an external checkout synced by an integration): the
/// customer becomes (or fills the missing fields of) the seller's customer record by e-mail;
/// lines, amounts, `status` and `payment_status` are taken as given, with totals
/// `subtotal - discount + shipping + fee`. No stock is reserved, no escrow is held and no money
/// moves through Souk (a `paid` order was paid elsewhere); the order never expires, and later
/// status moves have no stock or money effects. An `order.created` event is recorded. Its
/// `source` is `external` and its `buyer_id` is Souk's placeholder account for such orders, so
/// the seller and admins are its only parties. Requires: a seller's integration (an OAuth client
/// with `order:create`) or an admin; sellers signed in directly and buyers get `403`.
/// Permission: `order:create`.
#[utoipa::path(
    tag = "orders",
    params(("Idempotency-Key" = Option<String>, Header, pattern = "^[!-~]{1,255}$", description = "Replays the first response for retries within 24 h")),
    request_body = CreateOrderRequest,
    security(("bearer" = ["order:create"]), ("basic" = ["order:create"])),
    responses(
        (status = 201, description = "The recorded order", body = OrderResponse),
        (status = 400, description = "Malformed JSON", body = ErrorBody),
        (status = 401, description = "Missing or invalid credentials", body = ErrorBody),
        (status = 403, description = "Not a seller's integration or an admin, an integration naming another seller, or the client's scopes lack order:create", body = ErrorBody),
        (status = 409, description = "A request with this Idempotency-Key in flight", body = ErrorBody),
        (status = 413, description = "Body too large", body = ErrorBody),
        (status = 415, description = "Body is not JSON", body = ErrorBody),
        (status = 422, description = "Invalid fields, lines, amounts or statuses, products that are not the seller's, or an admin without seller_id", body = ErrorBody),
        (status = 429, description = "Rate limited", body = ErrorBody),
    )
)]
#[post("/orders")]
pub async fn create_order(
    state: web::Data<AppState>,
    Caller(actor): Caller,
    JsonBody(input): JsonBody<CreateOrderRequest>,
) -> Result<HttpResponse, ApiError> {
    let mut errors = FieldErrors::new();
    let status = input
        .status
        .as_deref()
        .and_then(|s| s.parse::<OrderStatus>().map_err(|message| errors.add("status", message)).ok());
    let payment_status = input.payment_status.as_deref().and_then(|s| {
        s.parse::<PaymentStatus>().map_err(|message| errors.add("payment_status", message)).ok()
    });
    if !errors.is_empty() {
        return Err(ApiError::validation(errors));
    }
    let c = input.customer;
    let request = ExternalOrderRequest {
        seller_id: input.seller_id.map(UserId),
        customer: CustomerInput {
            email: c.email,
            name: c.name,
            phone: c.phone,
            address: c.address,
            city: c.city,
            postal_code: c.postal_code,
            country: c.country,
            subscription_status: None,
        },
        shipping_address: input.shipping_address.map(Into::into),
        billing_address: input.billing_address.map(Into::into),
        fulfillment: input.fulfillment.map(|f| match f {
            FulfillmentDto::Delivery => Fulfillment::Delivery,
            FulfillmentDto::Pickup => Fulfillment::Pickup,
        }),
        order: ExternalOrderInput {
            currency: input.currency,
            lines: input
                .lines
                .into_iter()
                .map(|l| ExternalLine {
                    title: l.title,
                    sku: l.sku,
                    unit_price: l.unit_price,
                    quantity: l.quantity,
                    product_id: l.product_id,
                })
                .collect(),
            status,
            payment_status,
            shipping: input.shipping,
            fee: input.fee,
            discount: input.discount,
        },
        note: input.note,
    };
    let order = state.marketplace.record_external_order(&actor, request).await?;
    Ok(HttpResponse::Created().json(OrderResponse::new(OrderDto::from(order))))
}
