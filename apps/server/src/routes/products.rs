//! Products: listing with filters and full-text search, reads, creation (JSON or multipart),
//! partial updates, soft deletion and moderation; rentable products; collection listings.

use actix_multipart::Multipart;
use actix_web::{HttpRequest, HttpResponse, delete, get, patch, post, web};
use futures_util::StreamExt;
use serde::{Deserialize, Serialize};
use souk_catalog::listing::{PriceBound, search_words};
use souk_catalog::product::parse_fixed;
use souk_catalog::{AdminStatus, CategoryId, Condition, ProductId, ProductQuery, ProductStatus, Visibility};
use souk_kernel::{FieldErrors, UserId};
use souk_marketplace::accounts::Upload;
use souk_marketplace::products::ProductRequest;
use utoipa::ToSchema;
use uuid::Uuid;

use crate::app::AppState;
use crate::http::auth::Caller;
use crate::http::error::{ApiError, ErrorBody, ErrorCode};
use crate::http::extractors::{JsonBody, is_multipart, json_error, json_from_payload};
use crate::http::query::{FieldSelection, QueryParams, QueryReader};
use crate::routes::auth::MessageResponse;
use crate::routes::product_dto::{AdminStatusDto, PRODUCT_FIELDS, ProductDto, ProductWrite};
use crate::{list_envelope, one_envelope};

one_envelope!(
    /// `{"data": {"product": ...}}`
    ProductResponse, ProductData, product: ProductDto
);
list_envelope!(
    /// `{"data": {"products": [...], "pagination": ...}}`
    ProductListResponse, ProductListData, products: ProductDto
);

/// An ISO 4217 code.
struct CurrencyCode(String);

impl std::str::FromStr for CurrencyCode {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        souk_kernel::Currency::from_code(s)
            .map(|c| CurrencyCode(c.code().to_owned()))
            .map_err(|e| e.to_string())
    }
}

/// A decimal price bound.
struct Price(String);

impl std::str::FromStr for Price {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match parse_fixed(s, 4) {
            Some(v) if v >= 0 => Ok(Price(s.to_owned())),
            _ => Err("must be a decimal amount of at least zero with at most 4 decimals".into()),
        }
    }
}

/// Reads the filters shared by `/products`, `/rentals` and collection listings.
fn product_query(reader: &mut QueryReader<'_>) -> (ProductQuery, bool) {
    let mut query = ProductQuery::default();
    if let Some(text) = reader.text("search", 200) {
        match search_words(&text) {
            Ok(words) => query.search = words,
            Err(message) => reader.error("search", message),
        }
    }
    query.title = reader.text("title", 100);
    query.statuses = reader.many::<ProductStatus>("status");
    query.admin_statuses = reader.many::<AdminStatus>("admin_status");
    query.visibilities = reader.many::<Visibility>("visibility");
    query.conditions = reader.many::<Condition>("condition");
    query.is_digital = reader.flag("is_digital");
    query.out_of_stock = reader.flag("out_of_stock");
    query.category_ids = reader.uuids("category_id").into_iter().map(CategoryId).collect();
    query.collection = reader.text("collection", 120);
    query.seller_ids = reader.uuids("seller_id").into_iter().map(UserId).collect();
    query.currencies = reader.many::<CurrencyCode>("currency").into_iter().map(|c| c.0).collect();
    query.min_price = reader.parsed::<Price>("min_price").map(|p| PriceBound(p.0));
    query.max_price = reader.parsed::<Price>("max_price").map(|p| PriceBound(p.0));
    query.on_homepage = reader.flag("on_homepage");
    query.rentable = reader.flag("rentable");
    query.has_trial = reader.flag("has_trial");
    query.sort = reader.parsed("order_by");
    query.direction = reader.parsed("order_direction").unwrap_or_default();
    let include_deleted = reader.flag("include_deleted").unwrap_or(false);
    (query, include_deleted)
}

/// Serializes a response, keeping only the `fields` asked for in each item under `data.<key>`.
/// Without a selection the body is written straight out: the detour through a JSON tree costs
/// a list about as much CPU as its database reads.
pub fn sparse<T: Serialize>(body: &T, key: &str, fields: Option<FieldSelection>) -> HttpResponse {
    let Some(fields) = fields else { return HttpResponse::Ok().json(body) };
    let mut value = serde_json::to_value(body).unwrap_or_default();
    if let Some(data) = value.get_mut("data").and_then(|d| d.get_mut(key)) {
        *data = match data.take() {
            serde_json::Value::Array(items) => items.into_iter().map(|i| fields.apply(i)).collect(),
            one => fields.apply(one),
        };
    }
    HttpResponse::Ok().json(value)
}

async fn list_with(
    state: &AppState,
    actor: &souk_kernel::Actor,
    query: &QueryParams,
    adjust: impl FnOnce(&mut ProductQuery),
) -> Result<HttpResponse, ApiError> {
    let mut reader = query.reader();
    let (mut filters, include_deleted) = product_query(&mut reader);
    let page = reader.page();
    let fields = reader.fields(PRODUCT_FIELDS);
    reader.finish()?;
    adjust(&mut filters);
    let products = state.marketplace.list_products(actor, filters, include_deleted, page).await?;
    Ok(sparse(&ProductListResponse::new(products.map(ProductDto::from)), "products", fields))
}

/// Lists products. The public sees published, approved products that are not hidden; a seller
/// also sees all its own; admins see everything (deleted ones with `include_deleted=true`).
/// `search` is ranked full-text search over title, slug and description (every word, as a
/// prefix, English stemming) and orders by relevance unless `order_by` says otherwise; without
/// `search`, `visibility=search` products are left out of public lists, and with it
/// `visibility=catalog` ones. Category filters include every descendant category. Price bounds
/// compare in each product's own currency. `fields` returns only the named top-level fields
/// (`id` always). Public.
#[utoipa::path(
    tag = "products",
    params(ProductListParams),
    responses(
        (status = 200, description = "A page of products", body = ProductListResponse),
        (status = 400, description = "Malformed query string", body = ErrorBody),
        (status = 401, description = "Invalid credentials", body = ErrorBody),
        (status = 403, description = "include_deleted by a non-admin", body = ErrorBody),
        (status = 404, description = "No collection with that handle", body = ErrorBody),
        (status = 422, description = "Invalid filter, sort, page or fields", body = ErrorBody),
        (status = 429, description = "Rate limited", body = ErrorBody),
    )
)]
#[get("/products")]
pub async fn list_products(
    state: web::Data<AppState>,
    Caller(actor): Caller,
    query: QueryParams,
) -> Result<HttpResponse, ApiError> {
    list_with(&state, &actor, &query, |_| {}).await
}

/// Rentable products (available rental terms), with every filter of `GET /products`. Public.
#[utoipa::path(
    tag = "products",
    params(ProductListParams),
    responses(
        (status = 200, description = "A page of rentable products", body = ProductListResponse),
        (status = 400, description = "Malformed query string", body = ErrorBody),
        (status = 401, description = "Invalid credentials", body = ErrorBody),
        (status = 403, description = "include_deleted by a non-admin", body = ErrorBody),
        (status = 404, description = "No collection with that handle", body = ErrorBody),
        (status = 422, description = "Invalid filter, sort, page or fields", body = ErrorBody),
        (status = 429, description = "Rate limited", body = ErrorBody),
    )
)]
#[get("/rentals")]
pub async fn list_rentals(
    state: web::Data<AppState>,
    Caller(actor): Caller,
    query: QueryParams,
) -> Result<HttpResponse, ApiError> {
    list_with(&state, &actor, &query, |q| q.rentable = Some(true)).await
}

/// The products of a collection in their curated order (unless `order_by` says otherwise), with
/// every filter of `GET /products` and the same visibility rules. Public.
#[utoipa::path(
    tag = "collections",
    params(("handle" = String, Path, description = "Collection handle"), ProductListParams),
    responses(
        (status = 200, description = "A page of the collection's products", body = ProductListResponse),
        (status = 400, description = "Malformed query string", body = ErrorBody),
        (status = 401, description = "Invalid credentials", body = ErrorBody),
        (status = 403, description = "include_deleted by a non-admin", body = ErrorBody),
        (status = 404, description = "No such collection", body = ErrorBody),
        (status = 422, description = "Invalid filter, sort, page or fields", body = ErrorBody),
        (status = 429, description = "Rate limited", body = ErrorBody),
    )
)]
#[get("/collections/{handle}/products")]
pub async fn list_collection_products(
    state: web::Data<AppState>,
    Caller(actor): Caller,
    handle: web::Path<String>,
    query: QueryParams,
) -> Result<HttpResponse, ApiError> {
    let handle = handle.into_inner();
    list_with(&state, &actor, &query, |q| q.collection = Some(handle)).await
}

/// The query parameters of product lists.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[allow(dead_code)]
pub struct ProductListParams {
    /// Full-text search over title, slug and description; at least 2 characters.
    #[param(min_length = 2, max_length = 200)]
    search: Option<String>,
    /// Exact title.
    title: Option<String>,
    /// `draft`, `published`, `archived` (comma separated or repeated).
    status: Option<String>,
    /// `waiting`, `approved`, `rejected`, `blocked`.
    admin_status: Option<String>,
    /// `both`, `catalog`, `search`, `none`.
    visibility: Option<String>,
    /// `new`, `used`, `refurbished`.
    condition: Option<String>,
    /// Digital products only (`true`) or none (`false`).
    is_digital: Option<bool>,
    /// Out of stock (tracked, none on hand and no variant in stock) or in stock.
    out_of_stock: Option<bool>,
    /// Category ids (comma separated or repeated); each includes its descendants.
    category_id: Option<String>,
    /// Collection handle.
    collection: Option<String>,
    /// Seller ids (comma separated or repeated).
    seller_id: Option<String>,
    /// ISO 4217 codes (comma separated or repeated).
    currency: Option<String>,
    /// Least price, a decimal compared in each product's currency.
    #[param(example = "10.00")]
    min_price: Option<String>,
    /// Greatest price.
    max_price: Option<String>,
    /// Featured products.
    on_homepage: Option<bool>,
    /// With available rental terms.
    rentable: Option<bool>,
    /// With an enabled trial policy.
    has_trial: Option<bool>,
    /// Admins only: soft-deleted products too.
    include_deleted: Option<bool>,
    /// `title`, `price`, `created_at` (default), `category`, `relevance` (default with search),
    /// `position` (default with a collection).
    order_by: Option<String>,
    /// `ASC` or `DESC` (default; any case).
    order_direction: Option<String>,
    /// Page number from 1.
    #[param(minimum = 1)]
    page: Option<u32>,
    /// Items per page, 1 to 200 (default 20).
    #[param(minimum = 1, maximum = 200)]
    page_size: Option<u32>,
    /// Comma-separated top-level fields to return (`id` always comes).
    fields: Option<String>,
}

/// One product with options, variants, add-ons, properties, images, category, trial policy,
/// rental terms and rating summary, under the visibility rules of the list (others: `404`).
/// `fields` returns only the named top-level fields. Public.
#[utoipa::path(
    tag = "products",
    params(
        ("id" = Uuid, Path, description = "Product id"),
        ("fields" = Option<String>, Query, description = "Comma-separated top-level fields to return"),
    ),
    responses(
        (status = 200, description = "The product", body = ProductResponse),
        (status = 400, description = "Malformed query string", body = ErrorBody),
        (status = 401, description = "Invalid credentials", body = ErrorBody),
        (status = 404, description = "No such product, or not visible to the caller", body = ErrorBody),
        (status = 422, description = "Unknown field in fields", body = ErrorBody),
        (status = 429, description = "Rate limited", body = ErrorBody),
    )
)]
#[get("/products/{id}")]
pub async fn get_product(
    state: web::Data<AppState>,
    Caller(actor): Caller,
    id: web::Path<Uuid>,
    query: QueryParams,
) -> Result<HttpResponse, ApiError> {
    let mut reader = query.reader();
    let fields = reader.fields(PRODUCT_FIELDS);
    reader.finish()?;
    let product = state.marketplace.get_product(&actor, ProductId(id.into_inner())).await?;
    Ok(sparse(&ProductResponse::new(product.into()), "product", fields))
}

/// The multipart form of product creation.
#[derive(Debug, ToSchema)]
#[allow(dead_code)]
pub struct ProductForm {
    /// The product as JSON (the body of the JSON form).
    #[schema(value_type = ProductWrite, content_media_type = "application/json")]
    metadata: String,
    /// Up to 50 gallery images (JPEG, PNG, WebP or GIF by content, at most 5 MiB each), appended
    /// after the `images` of `metadata`; the part may also be named `images`.
    #[schema(rename = "images[]", value_type = Vec<String>, format = Binary, content_media_type = "application/octet-stream")]
    images: Vec<Vec<u8>>,
    /// Up to 10 other files (images or PDFs by content, at most 50 MiB each; the whole form at
    /// most 200 MiB), linked to the product with the role `file`; the part may also be named
    /// `files`.
    #[schema(rename = "files[]", value_type = Vec<String>, format = Binary, content_media_type = "application/octet-stream")]
    files: Vec<Vec<u8>>,
}

const METADATA_LIMIT: usize = 1024 * 1024;
/// Largest gallery image part (the image limit, applied while the part streams in).
const IMAGE_PART_LIMIT: usize = 5 * 1024 * 1024;
/// Largest other file part.
const FILE_PART_LIMIT: usize = 50 * 1024 * 1024;
/// Most image parts in one form.
const MAX_IMAGE_PARTS: usize = 50;
/// Most file parts in one form.
const MAX_FILE_PARTS: usize = 10;
/// Largest whole form.
const FORM_LIMIT: usize = 200 * 1024 * 1024;

async fn read_product_form(mut form: Multipart) -> Result<(ProductWrite, Vec<Upload>), ApiError> {
    let malformed = |e: &dyn std::fmt::Display| {
        ApiError::new(ErrorCode::BadRequest, format!("malformed multipart body: {e}"))
    };
    let mut metadata: Option<ProductWrite> = None;
    let mut uploads = Vec::new();
    let mut total = 0usize;
    while let Some(field) = form.next().await {
        let mut field = field.map_err(|e| malformed(&e))?;
        let name = field.name().unwrap_or_default().to_owned();
        let kind = match name.as_str() {
            "metadata" => "metadata",
            "images" | "images[]" => "images",
            "files" | "files[]" => "files",
            other => {
                return Err(ApiError::validation(FieldErrors::single(
                    other,
                    "unknown part; send metadata, images[] and files[]",
                )));
            }
        };
        let file_name = field.content_disposition().and_then(|d| d.get_filename()).map(str::to_owned);
        let (limit, most) = match kind {
            "metadata" => (METADATA_LIMIT, 1),
            "images" => (IMAGE_PART_LIMIT, MAX_IMAGE_PARTS),
            _ => (FILE_PART_LIMIT, MAX_FILE_PARTS),
        };
        let seen = if kind == "metadata" {
            usize::from(metadata.is_some())
        } else {
            uploads.iter().filter(|u: &&Upload| u.field.starts_with(kind)).count()
        };
        if seen >= most {
            return Err(ApiError::validation(FieldErrors::single(
                kind,
                format!("at most {most} such parts"),
            )));
        }
        let mut bytes = Vec::new();
        while let Some(chunk) = field.next().await {
            let chunk = chunk.map_err(|e| malformed(&e))?;
            total += chunk.len();
            if bytes.len() + chunk.len() > limit || total > FORM_LIMIT {
                return Err(ApiError::new(
                    ErrorCode::PayloadTooLarge,
                    format!("the {name} part is too large"),
                ));
            }
            bytes.extend_from_slice(&chunk);
        }
        if kind == "metadata" {
            let mut deserializer = serde_json::Deserializer::from_slice(&bytes);
            metadata = Some(serde_path_to_error::deserialize(&mut deserializer).map_err(json_error)?);
        } else {
            let index = uploads.iter().filter(|u: &&Upload| u.field.starts_with(kind)).count();
            uploads.push(Upload {
                field: format!("{kind}[{index}]"),
                name: file_name.unwrap_or_else(|| kind.to_owned()),
                bytes,
            });
        }
    }
    let metadata =
        metadata.ok_or_else(|| ApiError::validation(FieldErrors::single("metadata", "is required")))?;
    Ok((metadata, uploads))
}

/// Creates a product. Approved sellers create their own (`admin_status` starts `waiting` unless
/// auto-approval is configured); admins create for any approved seller with `seller_id` (starts
/// `approved`). JSON, or `multipart/form-data` with a `metadata` JSON part plus `images[]` and
/// `files[]` parts stored as the seller's files. All or nothing: a refused product stores no file.
/// Requires: seller (approved) or admin. Permission: `product:create`.
#[utoipa::path(
    tag = "products",
    params(("Idempotency-Key" = Option<String>, Header, pattern = "^[!-~]{1,255}$", description = "Replays the first response for retries within 24 h")),
    request_body(content(
        (ProductWrite = "application/json"),
        (ProductForm = "multipart/form-data"),
    )),
    security(("bearer" = ["product:create"]), ("basic" = ["product:create"])),
    responses(
        (status = 201, description = "Created", body = ProductResponse),
        (status = 400, description = "Malformed body", body = ErrorBody),
        (status = 401, description = "Missing or invalid credentials", body = ErrorBody),
        (status = 403, description = "Not a seller or admin, seller not approved (`SELLER_NOT_APPROVED`), or a seller setting seller_id/admin_status", body = ErrorBody),
        (status = 409, description = "Slug or SKU taken, or a request with this Idempotency-Key in flight", body = ErrorBody),
        (status = 413, description = "Body or file too large", body = ErrorBody),
        (status = 415, description = "Neither JSON nor multipart", body = ErrorBody),
        (status = 422, description = "Invalid fields or files", body = ErrorBody),
        (status = 429, description = "Rate limited", body = ErrorBody),
    )
)]
#[post("/products")]
pub async fn create_product(
    req: HttpRequest,
    payload: web::Payload,
    state: web::Data<AppState>,
    Caller(actor): Caller,
) -> Result<HttpResponse, ApiError> {
    state.marketplace.authorize_product_create(&actor)?;
    let (input, uploads) = if is_multipart(&req) {
        read_product_form(Multipart::new(req.headers(), payload)).await?
    } else {
        (json_from_payload::<ProductWrite>(&req, payload).await?, Vec::new())
    };
    let product = state.marketplace.create_product(&actor, ProductRequest::from(input), uploads).await?;
    Ok(HttpResponse::Created().json(ProductResponse::new(product.into())))
}

/// Changes a product: absent fields stay, `null` clears; options and variants with an `id`
/// update, without one are created, omitted ones stay; `images` and `properties` replace their
/// lists. The currency never changes. Requires: the product's seller or an admin (others who can
/// see it get `403`); `seller_id` and `admin_status` only by admins. Permission: `product:update`.
#[utoipa::path(
    tag = "products",
    params(("id" = Uuid, Path, description = "Product id")),
    request_body = ProductWrite,
    security(("bearer" = ["product:update"]), ("basic" = ["product:update"])),
    responses(
        (status = 200, description = "The changed product", body = ProductResponse),
        (status = 400, description = "Malformed JSON", body = ErrorBody),
        (status = 401, description = "Missing or invalid credentials", body = ErrorBody),
        (status = 403, description = "Not the product's seller or an admin, or a seller setting seller_id/admin_status", body = ErrorBody),
        (status = 404, description = "No such product, or not visible to the caller", body = ErrorBody),
        (status = 409, description = "Slug or SKU taken", body = ErrorBody),
        (status = 413, description = "Body too large", body = ErrorBody),
        (status = 415, description = "Body is not JSON", body = ErrorBody),
        (status = 422, description = "Invalid fields", body = ErrorBody),
        (status = 429, description = "Rate limited", body = ErrorBody),
    )
)]
#[patch("/products/{id}")]
pub async fn update_product(
    state: web::Data<AppState>,
    Caller(actor): Caller,
    id: web::Path<Uuid>,
    JsonBody(input): JsonBody<ProductWrite>,
) -> Result<web::Json<ProductResponse>, ApiError> {
    let product = state.marketplace.update_product(&actor, ProductId(id.into_inner()), input.into()).await?;
    Ok(web::Json(ProductResponse::new(product.into())))
}

/// Soft-deletes a product: hidden from everyone but admins (`include_deleted=true`), its SKUs
/// free for reuse; orders keep their snapshots. Requires: the product's seller or an admin.
/// Permission: `product:delete`.
#[utoipa::path(
    tag = "products",
    params(("id" = Uuid, Path, description = "Product id")),
    security(("bearer" = ["product:delete"]), ("basic" = ["product:delete"])),
    responses(
        (status = 200, description = "Deleted", body = MessageResponse),
        (status = 401, description = "Missing or invalid credentials", body = ErrorBody),
        (status = 403, description = "Not the product's seller or an admin", body = ErrorBody),
        (status = 404, description = "No such product, already deleted, or not visible to the caller", body = ErrorBody),
        (status = 429, description = "Rate limited", body = ErrorBody),
    )
)]
#[delete("/products/{id}")]
pub async fn delete_product(
    state: web::Data<AppState>,
    Caller(actor): Caller,
    id: web::Path<Uuid>,
) -> Result<web::Json<MessageResponse>, ApiError> {
    state.marketplace.delete_product(&actor, ProductId(id.into_inner())).await?;
    Ok(web::Json(MessageResponse::new("product deleted")))
}

/// A moderation decision.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ModerationRequest {
    /// The new moderation state.
    pub admin_status: AdminStatusDto,
    /// Why, at most 500 characters (shown to the seller).
    #[schema(max_length = 500)]
    pub reason: Option<String>,
}

/// Sets a product's moderation state (`waiting`, `approved`, `rejected`, `blocked`); only
/// approved products are listed publicly. Requires: admin. Permission: `product:update`.
#[utoipa::path(
    tag = "products",
    params(
        ("id" = Uuid, Path, description = "Product id"),
        ("Idempotency-Key" = Option<String>, Header, pattern = "^[!-~]{1,255}$", description = "Replays the first response for retries within 24 h"),
    ),
    request_body = ModerationRequest,
    security(("bearer" = ["product:update"]), ("basic" = ["product:update"])),
    responses(
        (status = 200, description = "The moderated product", body = ProductResponse),
        (status = 400, description = "Malformed JSON", body = ErrorBody),
        (status = 401, description = "Missing or invalid credentials", body = ErrorBody),
        (status = 403, description = "Not an admin", body = ErrorBody),
        (status = 404, description = "No such product", body = ErrorBody),
        (status = 409, description = "A request with this Idempotency-Key in flight", body = ErrorBody),
        (status = 413, description = "Body too large", body = ErrorBody),
        (status = 415, description = "Body is not JSON", body = ErrorBody),
        (status = 422, description = "Invalid fields", body = ErrorBody),
        (status = 429, description = "Rate limited", body = ErrorBody),
    )
)]
#[post("/products/{id}/moderation")]
pub async fn moderate_product(
    state: web::Data<AppState>,
    Caller(actor): Caller,
    id: web::Path<Uuid>,
    JsonBody(input): JsonBody<ModerationRequest>,
) -> Result<web::Json<ProductResponse>, ApiError> {
    let product = state
        .marketplace
        .moderate_product(&actor, ProductId(id.into_inner()), input.admin_status.into(), input.reason)
        .await?;
    Ok(web::Json(ProductResponse::new(product.into())))
}
