//! Customers: sellers' records of the people who buy from them, with what each has spent.

use actix_web::{HttpResponse, get, patch, post, web};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use souk_kernel::UserId;
use souk_marketplace::customers::CustomerView;
use souk_orders::customer::{CustomerId, CustomerInput, CustomerPatch, SubscriptionStatus};
use souk_storage::customers::{CustomerFilter, CustomerSort};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use crate::app::AppState;
use crate::http::auth::Caller;
use crate::http::error::{ApiError, ErrorBody};
use crate::http::extractors::JsonBody;
use crate::http::query::QueryParams;
use crate::routes::users::double_option;
use crate::{list_envelope, one_envelope};

/// Marketing consent.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum SubscriptionStatusName {
    /// Agreed to the seller's marketing mail.
    Subscribed,
    /// Did not (the default).
    NotSubscribed,
}

impl From<SubscriptionStatusName> for SubscriptionStatus {
    fn from(s: SubscriptionStatusName) -> Self {
        match s {
            SubscriptionStatusName::Subscribed => SubscriptionStatus::Subscribed,
            SubscriptionStatusName::NotSubscribed => SubscriptionStatus::NotSubscribed,
        }
    }
}

impl From<SubscriptionStatus> for SubscriptionStatusName {
    fn from(s: SubscriptionStatus) -> Self {
        match s {
            SubscriptionStatus::Subscribed => SubscriptionStatusName::Subscribed,
            SubscriptionStatus::NotSubscribed => SubscriptionStatusName::NotSubscribed,
        }
    }
}

/// An amount in one currency.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct AmountDto {
    /// ISO 4217 code.
    #[schema(example = "USD")]
    pub currency: String,
    /// Exact decimal.
    #[schema(example = "89.97")]
    pub amount: String,
}

/// The newest order of a customer.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct LatestOrderDto {
    /// Order id.
    pub id: Uuid,
    /// Human number.
    #[schema(example = "SK-000123")]
    pub number: String,
    /// When it was made.
    pub created_at: DateTime<Utc>,
}

/// A seller's customer.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CustomerDto {
    /// Id.
    pub id: Uuid,
    /// The seller whose customer it is.
    pub seller_id: Uuid,
    /// The Souk account that bought as this customer (set by checkout).
    pub user_id: Option<Uuid>,
    /// E-mail, unique per seller ignoring case.
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
    pub subscription_status: SubscriptionStatusName,
    /// Paid orders with the seller (`payment_status` `paid` or `partially_refunded`, or `status`
    /// `completed`).
    pub order_count: i64,
    /// The totals of those orders (not net of refunds), one entry per currency, by currency code.
    pub amount_spent: Vec<AmountDto>,
    /// The newest order in any state, or `null`.
    pub latest_order: Option<LatestOrderDto>,
    /// Creation time.
    pub created_at: DateTime<Utc>,
    /// Last change.
    pub updated_at: DateTime<Utc>,
}

impl From<CustomerView> for CustomerDto {
    fn from(view: CustomerView) -> Self {
        let c = view.customer;
        let f = c.fields;
        CustomerDto {
            id: c.id.as_uuid(),
            seller_id: c.seller_id.as_uuid(),
            user_id: c.user_id.map(|u| u.as_uuid()),
            email: f.email,
            name: f.name,
            phone: f.phone,
            address: f.address,
            city: f.city,
            postal_code: f.postal_code,
            country: f.country,
            subscription_status: f.subscription_status.into(),
            order_count: view.stats.order_count,
            amount_spent: view
                .stats
                .amount_spent
                .iter()
                .map(|m| AmountDto { currency: m.currency().code().to_owned(), amount: m.amount_string() })
                .collect(),
            latest_order: view.stats.latest_order.map(|o| LatestOrderDto {
                id: o.id,
                number: o.number,
                created_at: o.created_at,
            }),
            created_at: c.created_at,
            updated_at: c.updated_at,
        }
    }
}

one_envelope!(
    /// `{"data": {"customer": ...}}`
    CustomerResponse, CustomerData, customer: CustomerDto
);
list_envelope!(
    /// `{"data": {"customers": [...], "pagination": ...}}`
    CustomerListResponse, CustomerListData, customers: CustomerDto
);

/// Query parameters of `GET /api/v1/customers`.
#[derive(Debug, IntoParams)]
#[into_params(parameter_in = Query)]
#[allow(dead_code)]
pub struct CustomerListQuery {
    /// Page number, from 1.
    #[param(minimum = 1, default = 1)]
    page: Option<u32>,
    /// Items per page, 1 to 200.
    #[param(minimum = 1, maximum = 200, default = 20)]
    page_size: Option<u32>,
    /// `created_at` (default), `name`, `email`, `city`, `postal_code`, `subscription_status` or
    /// `order_count`.
    #[param(pattern = "^(created_at|name|email|city|postal_code|subscription_status|order_count)$")]
    order_by: Option<String>,
    /// `ASC` or `DESC` (default), any case.
    #[param(pattern = "^([Aa][Ss][Cc]|[Dd][Ee][Ss][Cc])$")]
    order_direction: Option<String>,
    /// Text in the name, e-mail, phone, address, city or postal code (any case).
    search: Option<String>,
    /// ISO 3166-1 alpha-2 country.
    country: Option<String>,
    /// `subscribed` or `not_subscribed`.
    subscription_status: Option<String>,
    /// Seller ids, comma-separated or repeated (admins; a seller only ever sees its own).
    seller_id: Option<String>,
}

/// The seller's customers, or every seller's for admins, each with `order_count`,
/// `amount_spent` (per currency) and `latest_order` computed from its orders. Permission:
/// `customer:view`.
#[utoipa::path(
    tag = "customers",
    params(CustomerListQuery),
    security(("bearer" = ["customer:view"]), ("basic" = ["customer:view"])),
    responses(
        (status = 200, description = "A page of customers", body = CustomerListResponse),
        (status = 400, description = "Malformed query string", body = ErrorBody),
        (status = 401, description = "Missing or invalid credentials", body = ErrorBody),
        (status = 403, description = "Not a seller or admin, or the client's scopes lack customer:view", body = ErrorBody),
        (status = 422, description = "Invalid filters, sort or page", body = ErrorBody),
        (status = 429, description = "Rate limited", body = ErrorBody),
    )
)]
#[get("/customers")]
pub async fn list_customers(
    state: web::Data<AppState>,
    Caller(actor): Caller,
    query: QueryParams,
) -> Result<web::Json<CustomerListResponse>, ApiError> {
    let mut r = query.reader();
    let page = r.page();
    let (sort, direction) = r.sort::<CustomerSort>();
    let filter = CustomerFilter {
        seller_ids: r.uuids("seller_id").into_iter().map(UserId).collect(),
        search: r.text("search", 200),
        country: r.text("country", 2),
        subscription_status: r.parsed::<SubscriptionStatus>("subscription_status"),
        sort,
        direction,
    };
    r.finish()?;
    let customers = state.marketplace.list_customers(&actor, filter, page).await?;
    Ok(web::Json(CustomerListResponse::new(customers.map(CustomerDto::from))))
}

/// One customer with its aggregates. Its seller and admins see it; for everyone else it does not
/// exist (`404`). Permission: `customer:view`.
#[utoipa::path(
    tag = "customers",
    params(("id" = Uuid, Path, description = "Customer id")),
    security(("bearer" = ["customer:view"]), ("basic" = ["customer:view"])),
    responses(
        (status = 200, description = "The customer", body = CustomerResponse),
        (status = 401, description = "Missing or invalid credentials", body = ErrorBody),
        (status = 403, description = "The role or the client's scopes lack customer:view", body = ErrorBody),
        (status = 404, description = "No such customer, or another seller's", body = ErrorBody),
        (status = 429, description = "Rate limited", body = ErrorBody),
    )
)]
#[get("/customers/{id}")]
pub async fn get_customer(
    state: web::Data<AppState>,
    Caller(actor): Caller,
    id: web::Path<Uuid>,
) -> Result<web::Json<CustomerResponse>, ApiError> {
    let customer = state.marketplace.get_customer(&actor, CustomerId(id.into_inner())).await?;
    Ok(web::Json(CustomerResponse::new(customer.into())))
}

/// A new customer.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateCustomerRequest {
    /// Admins only (sellers get `403` for another seller): the seller; required when an admin
    /// creates.
    pub seller_id: Option<Uuid>,
    /// E-mail, unique per seller ignoring case (`409`).
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
    /// Marketing consent (`not_subscribed` when absent).
    pub subscription_status: Option<SubscriptionStatusName>,
}

/// Records a customer for the seller (admins for any seller, naming `seller_id`). Checkout also
/// records buyers as customers of each seller they buy from, by e-mail. Requires: seller or
/// admin. Permission: `customer:create`.
#[utoipa::path(
    tag = "customers",
    params(("Idempotency-Key" = Option<String>, Header, pattern = "^[!-~]{1,255}$", description = "Replays the first response for retries within 24 h")),
    request_body = CreateCustomerRequest,
    security(("bearer" = ["customer:create"]), ("basic" = ["customer:create"])),
    responses(
        (status = 201, description = "Created", body = CustomerResponse),
        (status = 400, description = "Malformed JSON", body = ErrorBody),
        (status = 401, description = "Missing or invalid credentials", body = ErrorBody),
        (status = 403, description = "Not a seller or admin, a seller naming another seller, or the client's scopes lack customer:create", body = ErrorBody),
        (status = 409, description = "The seller already has a customer with this e-mail, or a request with this Idempotency-Key in flight", body = ErrorBody),
        (status = 413, description = "Body too large", body = ErrorBody),
        (status = 415, description = "Body is not JSON", body = ErrorBody),
        (status = 422, description = "Invalid fields, or an admin without seller_id", body = ErrorBody),
        (status = 429, description = "Rate limited", body = ErrorBody),
    )
)]
#[post("/customers")]
pub async fn create_customer(
    state: web::Data<AppState>,
    Caller(actor): Caller,
    JsonBody(input): JsonBody<CreateCustomerRequest>,
) -> Result<HttpResponse, ApiError> {
    let seller_id = input.seller_id.map(UserId);
    let input = CustomerInput {
        email: input.email,
        name: input.name,
        phone: input.phone,
        address: input.address,
        city: input.city,
        postal_code: input.postal_code,
        country: input.country,
        subscription_status: input.subscription_status.map(Into::into),
    };
    let customer = state.marketplace.create_customer(&actor, seller_id, input).await?;
    Ok(HttpResponse::Created().json(CustomerResponse::new(customer.into())))
}

/// Changes to a customer; absent fields stay, `null` clears.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateCustomerRequest {
    /// New e-mail (unique per seller ignoring case).
    #[schema(max_length = 254)]
    pub email: Option<String>,
    /// New name.
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<String>, max_length = 200)]
    pub name: Option<Option<String>>,
    /// New phone.
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<String>, max_length = 32)]
    pub phone: Option<Option<String>>,
    /// New street address.
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<String>, max_length = 300)]
    pub address: Option<Option<String>>,
    /// New city.
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<String>, max_length = 100)]
    pub city: Option<Option<String>>,
    /// New postal code.
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<String>, max_length = 20)]
    pub postal_code: Option<Option<String>>,
    /// New country.
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<String>, pattern = "^[A-Za-z]{2}$")]
    pub country: Option<Option<String>>,
    /// New consent.
    pub subscription_status: Option<SubscriptionStatusName>,
}

/// Changes a customer's fields. Requires: its seller or an admin. Permission: `customer:update`.
#[utoipa::path(
    tag = "customers",
    params(("id" = Uuid, Path, description = "Customer id")),
    request_body = UpdateCustomerRequest,
    security(("bearer" = ["customer:update"]), ("basic" = ["customer:update"])),
    responses(
        (status = 200, description = "The changed customer", body = CustomerResponse),
        (status = 400, description = "Malformed JSON", body = ErrorBody),
        (status = 401, description = "Missing or invalid credentials", body = ErrorBody),
        (status = 403, description = "The client's scopes lack customer:update", body = ErrorBody),
        (status = 404, description = "No such customer, or another seller's", body = ErrorBody),
        (status = 409, description = "Another of the seller's customers has this e-mail", body = ErrorBody),
        (status = 413, description = "Body too large", body = ErrorBody),
        (status = 415, description = "Body is not JSON", body = ErrorBody),
        (status = 422, description = "Invalid fields", body = ErrorBody),
        (status = 429, description = "Rate limited", body = ErrorBody),
    )
)]
#[patch("/customers/{id}")]
pub async fn update_customer(
    state: web::Data<AppState>,
    Caller(actor): Caller,
    id: web::Path<Uuid>,
    JsonBody(input): JsonBody<UpdateCustomerRequest>,
) -> Result<web::Json<CustomerResponse>, ApiError> {
    let patch = CustomerPatch {
        email: input.email,
        name: input.name,
        phone: input.phone,
        address: input.address,
        city: input.city,
        postal_code: input.postal_code,
        country: input.country,
        subscription_status: input.subscription_status.map(Into::into),
    };
    let customer = state.marketplace.update_customer(&actor, CustomerId(id.into_inner()), patch).await?;
    Ok(web::Json(CustomerResponse::new(customer.into())))
}
