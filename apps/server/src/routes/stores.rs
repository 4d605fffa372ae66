//! Brands, stores and store lists: sellers' storefront identities, their physical stores with
//! sales channels and coverage zones, the public nearest-store search, per-store product lists
//! with synchronisation reports, and moving an order's fulfilment to another store.

use actix_multipart::Multipart;
use actix_web::http::header;
use actix_web::{HttpMessage, HttpRequest, HttpResponse, get, post, put, web};
use chrono::{DateTime, Utc};
use futures_util::StreamExt;
use serde::{Deserialize, Serialize};
use souk_fulfillment::stores::{
    Brand, BrandId, RejectedRow, SalesChannel, Store, StoreId, StoreInput, StoreStatus, SyncReport,
};
use souk_fulfillment::zones::ZoneFormat;
use souk_kernel::{DomainError, UserId};
use souk_marketplace::stores::{NearbyStore, Transfer};
use souk_orders::order::OrderId;
use souk_storage::stores::StoredZone;
use utoipa::ToSchema;
use uuid::Uuid;

use crate::app::AppState;
use crate::http::auth::Caller;
use crate::http::error::{ApiError, ErrorBody, ErrorCode};
use crate::http::extractors::{JsonBody, is_multipart};
use crate::http::query::QueryParams;
use crate::{list_envelope, one_envelope};

const TAG: &str = "fulfillment";

/// A seller's storefront identity; stores belong to a brand.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct BrandDto {
    /// Id.
    pub id: Uuid,
    /// The seller it belongs to.
    pub seller_id: Uuid,
    /// Name shown to customers.
    #[schema(example = "Souk Fresh")]
    pub name: String,
    /// Short description.
    pub description: Option<String>,
    /// Creation time.
    pub created_at: DateTime<Utc>,
    /// Last change.
    pub updated_at: DateTime<Utc>,
}

impl From<Brand> for BrandDto {
    fn from(b: Brand) -> Self {
        BrandDto {
            id: b.id.as_uuid(),
            seller_id: b.seller_id.as_uuid(),
            name: b.name,
            description: b.description,
            created_at: b.created_at,
            updated_at: b.updated_at,
        }
    }
}

one_envelope!(
    /// `{"data": {"brand": ...}}`
    BrandResponse, BrandData, brand: BrandDto
);
list_envelope!(
    /// `{"data": {"brands": [...], "pagination": ...}}`
    BrandListResponse, BrandListData, brands: BrandDto
);

/// A new brand.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateBrandRequest {
    /// Admins only (sellers get `403` for another seller): the seller; required when an admin
    /// creates.
    pub seller_id: Option<Uuid>,
    /// Name, 1 to 200 characters.
    #[schema(example = "Souk Fresh", max_length = 200)]
    pub name: String,
    /// Description, at most 2000 characters.
    #[schema(max_length = 2000)]
    pub description: Option<String>,
}

/// Creates a brand for the calling seller (admins name `seller_id`). Permission: `store:create`.
#[utoipa::path(
    tag = TAG,
    params(("Idempotency-Key" = Option<String>, Header, pattern = "^[!-~]{1,255}$", description = "Replays the first response for retries within 24 h")),
    request_body = CreateBrandRequest,
    security(("bearer" = ["store:create"]), ("basic" = ["store:create"])),
    responses(
        (status = 201, description = "Created", body = BrandResponse),
        (status = 400, description = "Malformed JSON", body = ErrorBody),
        (status = 401, description = "Missing or invalid credentials", body = ErrorBody),
        (status = 403, description = "Not a seller or admin, a seller naming another seller, or the client's scopes lack store:create", body = ErrorBody),
        (status = 409, description = "A request with this Idempotency-Key is in flight", body = ErrorBody),
        (status = 413, description = "Body too large", body = ErrorBody),
        (status = 415, description = "Body is not JSON", body = ErrorBody),
        (status = 422, description = "Invalid fields, or an admin without a seller's seller_id", body = ErrorBody),
        (status = 429, description = "Rate limited", body = ErrorBody),
    )
)]
#[post("/brands")]
pub async fn create_brand(
    state: web::Data<AppState>,
    Caller(actor): Caller,
    JsonBody(input): JsonBody<CreateBrandRequest>,
) -> Result<HttpResponse, ApiError> {
    let brand = state
        .marketplace
        .create_brand(&actor, input.seller_id.map(UserId), input.name, input.description)
        .await?;
    Ok(HttpResponse::Created().json(BrandResponse::new(brand.into())))
}

/// Brands, oldest first: a seller's own; every seller's for admins, who may filter by
/// `seller_id`. Permission: `store:view`.
#[utoipa::path(
    tag = TAG,
    params(
        ("seller_id" = Option<Uuid>, Query, description = "Admins: one seller's brands"),
        ("page" = Option<u32>, Query, minimum = 1, description = "Page number"),
        ("page_size" = Option<u32>, Query, minimum = 1, maximum = 200, description = "Items per page"),
    ),
    security(("bearer" = ["store:view"]), ("basic" = ["store:view"])),
    responses(
        (status = 200, description = "A page of brands", body = BrandListResponse),
        (status = 400, description = "Malformed query string", body = ErrorBody),
        (status = 401, description = "Missing or invalid credentials", body = ErrorBody),
        (status = 403, description = "Not a seller or admin, or the client's scopes lack store:view", body = ErrorBody),
        (status = 422, description = "Invalid filter or page", body = ErrorBody),
        (status = 429, description = "Rate limited", body = ErrorBody),
    )
)]
#[get("/brands")]
pub async fn list_brands(
    state: web::Data<AppState>,
    Caller(actor): Caller,
    query: QueryParams,
) -> Result<web::Json<BrandListResponse>, ApiError> {
    let mut r = query.reader();
    let page = r.page();
    let seller = r.uuid("seller_id").map(UserId);
    r.finish()?;
    let brands = state.marketplace.list_brands(&actor, seller, page).await?;
    Ok(web::Json(BrandListResponse::new(brands.map(BrandDto::from))))
}

/// A physical store of a brand.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct StoreDto {
    /// Id.
    pub id: Uuid,
    /// Its brand.
    pub brand_id: Uuid,
    /// The brand's seller.
    pub seller_id: Uuid,
    /// The seller's code, unique within the brand (ignoring case).
    #[schema(example = "BOLE-01")]
    pub code: String,
    /// Name.
    #[schema(example = "Bole")]
    pub name: String,
    /// City.
    #[schema(example = "Addis Ababa")]
    pub city: String,
    /// Street address.
    pub address: String,
    /// Latitude (WGS 84).
    #[schema(example = 8.995)]
    pub lat: f64,
    /// Longitude (WGS 84).
    #[schema(example = 38.789)]
    pub lng: f64,
    /// How it sells: `delivery`, `pickup`, `express`, `in_store`.
    #[schema(example = json!(["delivery", "pickup"]))]
    pub sales_channels: Vec<String>,
    /// `active` or `inactive`.
    #[schema(example = "active")]
    pub status: String,
    /// Creation time.
    pub created_at: DateTime<Utc>,
    /// Last change.
    pub updated_at: DateTime<Utc>,
}

impl From<Store> for StoreDto {
    fn from(s: Store) -> Self {
        StoreDto {
            id: s.id.as_uuid(),
            brand_id: s.brand_id.as_uuid(),
            seller_id: s.seller_id.as_uuid(),
            code: s.code,
            name: s.name,
            city: s.city,
            address: s.address,
            lat: s.lat,
            lng: s.lng,
            sales_channels: s.sales_channels.iter().map(|c| c.as_str().to_owned()).collect(),
            status: s.status.as_str().to_owned(),
            created_at: s.created_at,
            updated_at: s.updated_at,
        }
    }
}

one_envelope!(
    /// `{"data": {"store": ...}}`
    StoreResponse, StoreData, store: StoreDto
);
list_envelope!(
    /// `{"data": {"stores": [...], "pagination": ...}}`
    StoreListResponse, StoreListData, stores: StoreDto
);

/// The stores a batch created.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct StoresCreatedResponse {
    /// The payload.
    pub data: StoresCreatedData,
}

/// The `data` object of a batch creation.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct StoresCreatedData {
    /// The new stores, in the order sent.
    pub stores: Vec<StoreDto>,
}

/// One store of a batch.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewStoreRequest {
    /// Code: 1 to 64 letters, digits, `-`, `_` or `.`, unique within the brand ignoring case.
    #[schema(example = "BOLE-01", max_length = 64)]
    pub code: String,
    /// Name, 1 to 200 characters.
    #[schema(example = "Bole", max_length = 200)]
    pub name: String,
    /// City, 1 to 200 characters.
    #[schema(example = "Addis Ababa", max_length = 200)]
    pub city: String,
    /// Street address, 1 to 500 characters.
    #[schema(example = "Bole Road 12", max_length = 500)]
    pub address: String,
    /// Latitude, -90 to 90.
    #[schema(example = 8.995, minimum = -90, maximum = 90)]
    pub lat: f64,
    /// Longitude, -180 to 180.
    #[schema(example = 38.789, minimum = -180, maximum = 180)]
    pub lng: f64,
    /// At least one of `delivery`, `pickup`, `express`, `in_store`.
    #[schema(value_type = Vec<String>, example = json!(["delivery", "pickup"]))]
    pub sales_channels: Vec<SalesChannel>,
    /// `active` (default) or `inactive`.
    #[schema(value_type = Option<String>, example = "active")]
    pub status: Option<StoreStatus>,
}

/// A batch of new stores under one brand.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateStoresRequest {
    /// The brand (the caller's own; any for admins).
    pub brand_id: Uuid,
    /// 1 to 500 stores.
    #[schema(min_items = 1, max_items = 500)]
    pub stores: Vec<NewStoreRequest>,
}

/// Creates a batch of stores under a brand, all or none: every bad row is reported as a field
/// error `stores[i].field` (a code already used in the brand or twice in the batch included) and
/// nothing is stored. Another seller's brand is `404`. Permission: `store:create`.
#[utoipa::path(
    tag = TAG,
    params(("Idempotency-Key" = Option<String>, Header, pattern = "^[!-~]{1,255}$", description = "Replays the first response for retries within 24 h")),
    request_body = CreateStoresRequest,
    security(("bearer" = ["store:create"]), ("basic" = ["store:create"])),
    responses(
        (status = 201, description = "The stores created", body = StoresCreatedResponse),
        (status = 400, description = "Malformed JSON", body = ErrorBody),
        (status = 401, description = "Missing or invalid credentials", body = ErrorBody),
        (status = 403, description = "Not a seller or admin, or the client's scopes lack store:create", body = ErrorBody),
        (status = 404, description = "No such brand, or another seller's", body = ErrorBody),
        (status = 409, description = "A concurrent batch took a code, or a request with this Idempotency-Key is in flight", body = ErrorBody),
        (status = 413, description = "Body too large", body = ErrorBody),
        (status = 415, description = "Body is not JSON", body = ErrorBody),
        (status = 422, description = "Invalid rows, each as `stores[i].field`", body = ErrorBody),
        (status = 429, description = "Rate limited", body = ErrorBody),
    )
)]
#[post("/stores")]
pub async fn create_stores(
    state: web::Data<AppState>,
    Caller(actor): Caller,
    JsonBody(input): JsonBody<CreateStoresRequest>,
) -> Result<HttpResponse, ApiError> {
    let rows = input
        .stores
        .into_iter()
        .map(|s| StoreInput {
            code: s.code,
            name: s.name,
            city: s.city,
            address: s.address,
            lat: s.lat,
            lng: s.lng,
            sales_channels: s.sales_channels,
            status: s.status,
        })
        .collect();
    let stores = state.marketplace.create_stores(&actor, BrandId(input.brand_id), rows).await?;
    let stores = stores.into_iter().map(StoreDto::from).collect();
    Ok(HttpResponse::Created().json(StoresCreatedResponse { data: StoresCreatedData { stores } }))
}

/// A brand's stores by code, for its seller or an admin (`404` for everyone else). Permission:
/// `store:view`.
#[utoipa::path(
    tag = TAG,
    params(
        ("id" = Uuid, Path, description = "Brand id"),
        ("page" = Option<u32>, Query, minimum = 1, description = "Page number"),
        ("page_size" = Option<u32>, Query, minimum = 1, maximum = 200, description = "Items per page"),
    ),
    security(("bearer" = ["store:view"]), ("basic" = ["store:view"])),
    responses(
        (status = 200, description = "A page of the brand's stores", body = StoreListResponse),
        (status = 401, description = "Missing or invalid credentials", body = ErrorBody),
        (status = 403, description = "Not a seller or admin, or the client's scopes lack store:view", body = ErrorBody),
        (status = 404, description = "No such brand, or another seller's", body = ErrorBody),
        (status = 422, description = "Invalid page", body = ErrorBody),
        (status = 429, description = "Rate limited", body = ErrorBody),
    )
)]
#[get("/brands/{id}/stores")]
pub async fn list_brand_stores(
    state: web::Data<AppState>,
    Caller(actor): Caller,
    id: web::Path<Uuid>,
    query: QueryParams,
) -> Result<web::Json<StoreListResponse>, ApiError> {
    let page = query.page_only()?;
    let stores = state.marketplace.list_brand_stores(&actor, BrandId(id.into_inner()), page).await?;
    Ok(web::Json(StoreListResponse::new(stores.map(StoreDto::from))))
}

/// A store found near a point.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct NearbyStoreDto {
    /// The store.
    #[serde(flatten)]
    pub store: StoreDto,
    /// Great-circle (haversine) distance in metres from the searched point to the store.
    #[schema(example = 1240.5)]
    pub distance_meters: f64,
}

impl From<NearbyStore> for NearbyStoreDto {
    fn from(n: NearbyStore) -> Self {
        NearbyStoreDto { store: n.store.into(), distance_meters: (n.distance_meters * 10.0).round() / 10.0 }
    }
}

list_envelope!(
    /// `{"data": {"stores": [...], "pagination": ...}}`
    NearbyStoreListResponse, NearbyStoreListData, stores: NearbyStoreDto
);

/// The active stores whose coverage zone holds the point (on a zone's border counts, in a hole
/// does not), nearest first by the distance from the point to the store. Anyone may ask.
#[utoipa::path(
    tag = TAG,
    params(
        ("lat" = f64, Query, minimum = -90, maximum = 90, description = "Latitude of the customer"),
        ("lng" = f64, Query, minimum = -180, maximum = 180, description = "Longitude of the customer"),
        ("brand_id" = Option<Uuid>, Query, description = "Only this brand's stores"),
        ("page" = Option<u32>, Query, minimum = 1, description = "Page number"),
        ("page_size" = Option<u32>, Query, minimum = 1, maximum = 200, description = "Items per page"),
    ),
    responses(
        (status = 200, description = "Covering stores, nearest first", body = NearbyStoreListResponse),
        (status = 400, description = "Malformed query string", body = ErrorBody),
        (status = 422, description = "Missing or out-of-range lat/lng, or an invalid brand_id or page", body = ErrorBody),
        (status = 429, description = "Rate limited", body = ErrorBody),
    )
)]
#[get("/stores/nearest")]
pub async fn nearest_stores(
    state: web::Data<AppState>,
    query: QueryParams,
) -> Result<web::Json<NearbyStoreListResponse>, ApiError> {
    let mut r = query.reader();
    let page = r.page();
    let lat = r.parsed::<Coordinate>("lat").map(|v| v.0);
    let lng = r.parsed::<Coordinate>("lng").map(|v| v.0);
    let brand = r.uuid("brand_id").map(BrandId);
    if lat.is_none() && query.get("lat").is_none() {
        r.error("lat", "is required");
    }
    if lng.is_none() && query.get("lng").is_none() {
        r.error("lng", "is required");
    }
    r.finish()?;
    let (Some(lat), Some(lng)) = (lat, lng) else {
        return Err(DomainError::invalid("lat", "is required").into());
    };
    let found = state.marketplace.nearest_stores(lat, lng, brand, page).await?;
    Ok(web::Json(NearbyStoreListResponse::new(found.map(NearbyStoreDto::from))))
}

/// A decimal coordinate from the query string.
struct Coordinate(f64);

impl std::str::FromStr for Coordinate {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        s.trim()
            .parse::<f64>()
            .ok()
            .filter(|v| v.is_finite())
            .map(Coordinate)
            .ok_or_else(|| "must be a decimal number".into())
    }
}

/// One store, for its seller or an admin (`404` for everyone else). Permission: `store:view`.
#[utoipa::path(
    tag = TAG,
    params(("id" = Uuid, Path, description = "Store id")),
    security(("bearer" = ["store:view"]), ("basic" = ["store:view"])),
    responses(
        (status = 200, description = "The store", body = StoreResponse),
        (status = 401, description = "Missing or invalid credentials", body = ErrorBody),
        (status = 403, description = "Not a seller or admin, or the client's scopes lack store:view", body = ErrorBody),
        (status = 404, description = "No such store, or another seller's", body = ErrorBody),
        (status = 429, description = "Rate limited", body = ErrorBody),
    )
)]
#[get("/stores/{id}")]
pub async fn get_store(
    state: web::Data<AppState>,
    Caller(actor): Caller,
    id: web::Path<Uuid>,
) -> Result<web::Json<StoreResponse>, ApiError> {
    let store = state.marketplace.get_store(&actor, StoreId(id.into_inner())).await?;
    Ok(web::Json(StoreResponse::new(store.into())))
}

/// A store's new status.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct StoreStatusRequest {
    /// `active` or `inactive`.
    #[schema(value_type = String, example = "inactive")]
    pub status: StoreStatus,
}

/// Opens (`active`) or closes (`inactive`) a store; inactive stores are not found by nearest-store
/// searches and receive no transfers. Setting the current status changes nothing. Permission:
/// `store:update`.
#[utoipa::path(
    tag = TAG,
    params(("id" = Uuid, Path, description = "Store id")),
    request_body = StoreStatusRequest,
    security(("bearer" = ["store:update"]), ("basic" = ["store:update"])),
    responses(
        (status = 200, description = "The store", body = StoreResponse),
        (status = 400, description = "Malformed JSON", body = ErrorBody),
        (status = 401, description = "Missing or invalid credentials", body = ErrorBody),
        (status = 403, description = "Not a seller or admin, or the client's scopes lack store:update", body = ErrorBody),
        (status = 404, description = "No such store, or another seller's", body = ErrorBody),
        (status = 413, description = "Body too large", body = ErrorBody),
        (status = 415, description = "Body is not JSON", body = ErrorBody),
        (status = 422, description = "Unknown status", body = ErrorBody),
        (status = 429, description = "Rate limited", body = ErrorBody),
    )
)]
#[put("/stores/{id}/status")]
pub async fn set_store_status(
    state: web::Data<AppState>,
    Caller(actor): Caller,
    id: web::Path<Uuid>,
    JsonBody(input): JsonBody<StoreStatusRequest>,
) -> Result<web::Json<StoreResponse>, ApiError> {
    let store = state.marketplace.set_store_status(&actor, StoreId(id.into_inner()), input.status).await?;
    Ok(web::Json(StoreResponse::new(store.into())))
}

/// One coverage polygon of a store.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ZoneDto {
    /// Id.
    pub id: Uuid,
    /// Position in the upload, from 0.
    pub position: i32,
    /// The polygon as a GeoJSON `Polygon` (`[lng, lat]` positions; rings after the first are
    /// holes).
    #[schema(value_type = Object)]
    pub geometry: serde_json::Value,
    /// Southern edge of the bounding box.
    pub min_lat: f64,
    /// Northern edge.
    pub max_lat: f64,
    /// Western edge.
    pub min_lng: f64,
    /// Eastern edge.
    pub max_lng: f64,
}

impl From<StoredZone> for ZoneDto {
    fn from(z: StoredZone) -> Self {
        ZoneDto {
            id: z.id,
            position: z.position,
            geometry: z.shape.to_geojson(),
            min_lat: z.shape.min_lat,
            max_lat: z.shape.max_lat,
            min_lng: z.shape.min_lng,
            max_lng: z.shape.max_lng,
        }
    }
}

/// A store's zones.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ZonesResponse {
    /// The payload.
    pub data: ZonesData,
}

/// The `data` object of a zones response.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ZonesData {
    /// The store.
    pub store_id: Uuid,
    /// Its polygons in upload order.
    pub zones: Vec<ZoneDto>,
}

fn zones_response(store: Uuid, zones: Vec<StoredZone>) -> ZonesResponse {
    ZonesResponse {
        data: ZonesData { store_id: store, zones: zones.into_iter().map(ZoneDto::from).collect() },
    }
}

/// A zones upload as a form.
#[derive(Debug, ToSchema)]
#[allow(dead_code)]
pub struct ZonesForm {
    /// The file: `.geojson`/`.json`, `.kml`, `.kmz` or `.csv` (known by its part's content type,
    /// else by its name).
    #[schema(value_type = String, format = Binary)]
    file: Vec<u8>,
}

/// Largest zones upload.
const ZONES_LIMIT: usize = 10 * 1024 * 1024;

fn too_large() -> ApiError {
    ApiError::new(ErrorCode::PayloadTooLarge, format!("a zones upload must be at most {ZONES_LIMIT} bytes"))
}

fn unsupported() -> ApiError {
    ApiError::new(
        ErrorCode::UnsupportedMediaType,
        "send GeoJSON (application/json, application/geo+json), KML (application/vnd.google-earth.kml+xml), \
         KMZ (application/vnd.google-earth.kmz), CSV (text/csv) or a multipart form with a file part",
    )
}

async fn read_zones_form(mut form: Multipart) -> Result<(ZoneFormat, Vec<u8>), ApiError> {
    while let Some(field) = form.next().await {
        let mut field = field
            .map_err(|e| ApiError::new(ErrorCode::BadRequest, format!("malformed multipart body: {e}")))?;
        let file_name = field.content_disposition().and_then(|d| d.get_filename()).map(str::to_owned);
        if field.name() != Some("file") && file_name.is_none() {
            continue;
        }
        let by_type = field.content_type().and_then(|m| ZoneFormat::from_media_type(m.essence_str()));
        let by_name = file_name.as_deref().and_then(ZoneFormat::from_file_name);
        let mut bytes = Vec::new();
        while let Some(chunk) = field.next().await {
            let chunk = chunk.map_err(|e| {
                ApiError::new(ErrorCode::BadRequest, format!("malformed multipart body: {e}"))
            })?;
            if bytes.len() + chunk.len() > ZONES_LIMIT {
                return Err(too_large());
            }
            bytes.extend_from_slice(&chunk);
        }
        let format = by_name.or(by_type).ok_or_else(|| {
            ApiError::from(DomainError::invalid(
                "file",
                "name the file .geojson, .kml, .kmz or .csv, or give its part a matching content type",
            ))
        })?;
        return Ok((format, bytes));
    }
    Err(DomainError::invalid("file", "is required: a part named file holding the zones").into())
}

/// Replaces a store's coverage zones. The body is GeoJSON (a Polygon, MultiPolygon, Feature or
/// FeatureCollection; `[lng, lat]` positions), KML or KMZ (Polygon and MultiGeometry placemarks),
/// or CSV (`lat,lng` rows, an optional `lat,lng` header, a blank line between rings; a ring inside
/// the previous polygon is its hole) — sent raw with its content type or as a multipart form's
/// `file` part. Rings are closed when open; each needs three distinct points and an area, rings
/// may not cross themselves or each other, holes must lie inside their outer ring; at most 1000
/// polygons of 2000 points each and 20000 points in all. A point in a hole is not covered.
/// Permission: `store:update`.
#[utoipa::path(
    tag = TAG,
    params(("id" = Uuid, Path, description = "Store id")),
    request_body(content(
        (Object = "application/geo+json"),
        (Object = "application/json"),
        (String = "application/vnd.google-earth.kml+xml"),
        (Vec<u8> = "application/vnd.google-earth.kmz"),
        (String = "text/csv"),
        (ZonesForm = "multipart/form-data"),
    )),
    security(("bearer" = ["store:update"]), ("basic" = ["store:update"])),
    responses(
        (status = 200, description = "The store's zones now", body = ZonesResponse),
        (status = 400, description = "Malformed multipart body", body = ErrorBody),
        (status = 401, description = "Missing or invalid credentials", body = ErrorBody),
        (status = 403, description = "Not a seller or admin, or the client's scopes lack store:update", body = ErrorBody),
        (status = 404, description = "No such store, or another seller's", body = ErrorBody),
        (status = 413, description = "Upload over 10 MiB", body = ErrorBody),
        (status = 415, description = "Unsupported content type", body = ErrorBody),
        (status = 422, description = "Unreadable file or invalid geometry; `errors.zones` says why", body = ErrorBody),
        (status = 429, description = "Rate limited", body = ErrorBody),
    )
)]
#[put("/stores/{id}/zones")]
pub async fn put_store_zones(
    req: HttpRequest,
    payload: web::Payload,
    state: web::Data<AppState>,
    Caller(actor): Caller,
    id: web::Path<Uuid>,
) -> Result<web::Json<ZonesResponse>, ApiError> {
    let id = id.into_inner();
    let (format, bytes) = if is_multipart(&req) {
        read_zones_form(Multipart::new(req.headers(), payload)).await?
    } else {
        let format = req
            .mime_type()
            .ok()
            .flatten()
            .and_then(|m| ZoneFormat::from_media_type(m.essence_str()))
            .ok_or_else(unsupported)?;
        let declared = req
            .headers()
            .get(header::CONTENT_LENGTH)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.parse::<usize>().ok());
        if declared.is_some_and(|length| length > ZONES_LIMIT) {
            return Err(too_large());
        }
        let mut payload = payload.into_inner();
        let mut bytes = Vec::new();
        while let Some(chunk) = payload.next().await {
            let chunk = chunk
                .map_err(|e| ApiError::new(ErrorCode::BadRequest, format!("could not read the body: {e}")))?;
            if bytes.len() + chunk.len() > ZONES_LIMIT {
                return Err(too_large());
            }
            bytes.extend_from_slice(&chunk);
        }
        (format, bytes)
    };
    let zones = state.marketplace.replace_store_zones(&actor, StoreId(id), format, bytes).await?;
    Ok(web::Json(zones_response(id, zones)))
}

/// A store's coverage zones, for its seller or an admin. Permission: `store:view`.
#[utoipa::path(
    tag = TAG,
    params(("id" = Uuid, Path, description = "Store id")),
    security(("bearer" = ["store:view"]), ("basic" = ["store:view"])),
    responses(
        (status = 200, description = "The store's zones", body = ZonesResponse),
        (status = 401, description = "Missing or invalid credentials", body = ErrorBody),
        (status = 403, description = "Not a seller or admin, or the client's scopes lack store:view", body = ErrorBody),
        (status = 404, description = "No such store, or another seller's", body = ErrorBody),
        (status = 429, description = "Rate limited", body = ErrorBody),
    )
)]
#[get("/stores/{id}/zones")]
pub async fn get_store_zones(
    state: web::Data<AppState>,
    Caller(actor): Caller,
    id: web::Path<Uuid>,
) -> Result<web::Json<ZonesResponse>, ApiError> {
    let id = id.into_inner();
    let zones = state.marketplace.store_zones(&actor, StoreId(id)).await?;
    Ok(web::Json(zones_response(id, zones)))
}

/// One row of a store list (documentation; rows are checked one by one, so a bad row is reported
/// in the sync report instead of failing the request).
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[allow(dead_code)]
pub struct ListRowRequest {
    /// One of the seller's product or variant SKUs.
    #[schema(example = "LAMP-RED")]
    sku: String,
    /// The store's price in the product's currency, a decimal string or number, `>= 0`.
    #[schema(value_type = String, example = "12.50")]
    price: serde_json::Value,
    /// Units at the store, a whole number `>= 0`.
    #[schema(example = 4, minimum = 0)]
    quantity: i64,
    /// Whether the store sells it now (default: `quantity > 0`).
    available: Option<bool>,
}

/// A store list.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct StoreListRequest {
    /// At most 5000 rows.
    #[schema(value_type = Vec<ListRowRequest>, max_items = 5000)]
    pub items: Vec<serde_json::Value>,
}

/// A refused row.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct RejectedRowDto {
    /// Position in `items`, from 0.
    pub index: usize,
    /// The SKU it named, if any.
    pub sku: Option<String>,
    /// Why it was refused.
    #[schema(example = "sku \"X-1\" is not one of the seller's product or variant SKUs")]
    pub reason: String,
}

impl From<RejectedRow> for RejectedRowDto {
    fn from(r: RejectedRow) -> Self {
        RejectedRowDto { index: r.index, sku: r.sku, reason: r.reason }
    }
}

/// One synchronisation of a store list.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct SyncReportDto {
    /// Id.
    pub id: Uuid,
    /// The store.
    pub store_id: Uuid,
    /// The list sent.
    #[schema(example = "main")]
    pub list_code: String,
    /// Rows received.
    pub received: usize,
    /// Rows stored (new or changed).
    pub accepted: usize,
    /// Rows refused.
    pub rejected: usize,
    /// Rows equal to what the store already held.
    pub unchanged: usize,
    /// Each refused row with its reason.
    pub rejected_rows: Vec<RejectedRowDto>,
    /// When it ran.
    pub created_at: DateTime<Utc>,
}

impl From<SyncReport> for SyncReportDto {
    fn from(r: SyncReport) -> Self {
        SyncReportDto {
            id: r.id,
            store_id: r.store_id.as_uuid(),
            list_code: r.list_code,
            received: r.received,
            accepted: r.accepted,
            rejected: r.rejected,
            unchanged: r.unchanged,
            rejected_rows: r.rejected_rows.into_iter().map(RejectedRowDto::from).collect(),
            created_at: r.created_at,
        }
    }
}

one_envelope!(
    /// `{"data": {"sync_report": ...}}`
    SyncReportResponse, SyncReportData, sync_report: SyncReportDto
);
list_envelope!(
    /// `{"data": {"sync_reports": [...], "pagination": ...}}`
    SyncReportListResponse, SyncReportListData, sync_reports: SyncReportDto
);

/// Registers or edits a store's product list, row by row: a row whose SKU is none of the seller's
/// product or variant SKUs, whose price is not a valid non-negative amount of the product's
/// currency, whose quantity is not a whole number `>= 0`, or whose SKU appeared earlier in the
/// list is refused with its reason; good rows set the store's price, quantity and availability of
/// the SKU (one entry per SKU and store; the list that last sent it holds it; SKUs absent from the
/// list keep their entries). Rows equal to what the store holds count as `unchanged`, so re-sending
/// a list changes nothing. Every run is recorded as a sync report. Permission: `store:update`.
#[utoipa::path(
    tag = TAG,
    params(
        ("id" = Uuid, Path, description = "Store id"),
        ("list_code" = String, Path, pattern = "^[A-Za-z0-9_-]{1,64}$", description = "The list's code"),
    ),
    request_body = StoreListRequest,
    security(("bearer" = ["store:update"]), ("basic" = ["store:update"])),
    responses(
        (status = 200, description = "The run's report", body = SyncReportResponse),
        (status = 400, description = "Malformed JSON", body = ErrorBody),
        (status = 401, description = "Missing or invalid credentials", body = ErrorBody),
        (status = 403, description = "Not a seller or admin, or the client's scopes lack store:update", body = ErrorBody),
        (status = 404, description = "No such store, or another seller's", body = ErrorBody),
        (status = 413, description = "Body too large", body = ErrorBody),
        (status = 415, description = "Body is not JSON", body = ErrorBody),
        (status = 422, description = "Invalid list code, or more than 5000 rows", body = ErrorBody),
        (status = 429, description = "Rate limited", body = ErrorBody),
    )
)]
#[put("/stores/{id}/lists/{list_code}")]
pub async fn put_store_list(
    state: web::Data<AppState>,
    Caller(actor): Caller,
    path: web::Path<(Uuid, String)>,
    JsonBody(input): JsonBody<StoreListRequest>,
) -> Result<web::Json<SyncReportResponse>, ApiError> {
    let (id, list_code) = path.into_inner();
    let report = state.marketplace.sync_store_list(&actor, StoreId(id), list_code, input.items).await?;
    Ok(web::Json(SyncReportResponse::new(report.into())))
}

/// A store's last list synchronisations, newest first, each with its counts and refused rows.
/// Permission: `store:view`.
#[utoipa::path(
    tag = TAG,
    params(
        ("id" = Uuid, Path, description = "Store id"),
        ("page" = Option<u32>, Query, minimum = 1, description = "Page number"),
        ("page_size" = Option<u32>, Query, minimum = 1, maximum = 200, description = "Items per page"),
    ),
    security(("bearer" = ["store:view"]), ("basic" = ["store:view"])),
    responses(
        (status = 200, description = "A page of sync reports", body = SyncReportListResponse),
        (status = 401, description = "Missing or invalid credentials", body = ErrorBody),
        (status = 403, description = "Not a seller or admin, or the client's scopes lack store:view", body = ErrorBody),
        (status = 404, description = "No such store, or another seller's", body = ErrorBody),
        (status = 422, description = "Invalid page", body = ErrorBody),
        (status = 429, description = "Rate limited", body = ErrorBody),
    )
)]
#[get("/stores/{id}/sync-report")]
pub async fn store_sync_report(
    state: web::Data<AppState>,
    Caller(actor): Caller,
    id: web::Path<Uuid>,
    query: QueryParams,
) -> Result<web::Json<SyncReportListResponse>, ApiError> {
    let page = query.page_only()?;
    let reports = state.marketplace.store_sync_reports(&actor, StoreId(id.into_inner()), page).await?;
    Ok(web::Json(SyncReportListResponse::new(reports.map(SyncReportDto::from))))
}

/// Where an order's fulfilment moves.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TransferRequest {
    /// An active store of the order's seller.
    pub to_store_id: Uuid,
    /// Why, at most 500 characters.
    #[schema(max_length = 500)]
    pub reason: Option<String>,
}

/// Stock that moved with a transfer.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct MovedStockDto {
    /// The SKU.
    pub sku: String,
    /// Units taken from the new store's list (and given back to the old store's, if it lists it).
    pub quantity: i64,
}

/// An order's move to another store.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct TransferDto {
    /// The order.
    pub order_id: Uuid,
    /// The store it left; `null` when none was set.
    pub from_store_id: Option<Uuid>,
    /// The store that fulfils it now.
    pub to_store_id: Uuid,
    /// Why.
    pub reason: Option<String>,
    /// Stock that moved between the stores' lists.
    pub moved_stock: Vec<MovedStockDto>,
    /// When.
    pub transferred_at: DateTime<Utc>,
}

impl From<Transfer> for TransferDto {
    fn from(t: Transfer) -> Self {
        TransferDto {
            order_id: t.order_id.as_uuid(),
            from_store_id: t.from_store_id.map(|s| s.as_uuid()),
            to_store_id: t.to_store_id.as_uuid(),
            reason: t.reason,
            moved_stock: t
                .moved_stock
                .into_iter()
                .map(|(sku, quantity)| MovedStockDto { sku, quantity })
                .collect(),
            transferred_at: t.transferred_at,
        }
    }
}

one_envelope!(
    /// `{"data": {"transfer": ...}}`
    TransferResponse, TransferData, transfer: TransferDto
);

/// Moves an order's fulfilment to another active store of its seller. When the new store's list
/// holds the order's SKUs, their quantities come out of it (`409` when it has too few, or the SKU
/// is not available there) and go back to the old store's list where that store lists them; SKUs
/// the new store does not list move without stock. Records `order.transferred`. Requires the
/// order's seller or an admin (its buyer gets `403`, anyone else `404`). Permission:
/// `order:update`.
#[utoipa::path(
    tag = TAG,
    params(("id" = Uuid, Path, description = "Order id")),
    request_body = TransferRequest,
    security(("bearer" = ["order:update"]), ("basic" = ["order:update"])),
    responses(
        (status = 200, description = "The transfer", body = TransferResponse),
        (status = 400, description = "Malformed JSON", body = ErrorBody),
        (status = 401, description = "Missing or invalid credentials", body = ErrorBody),
        (status = 403, description = "The order's buyer, or the client's scopes lack order:update", body = ErrorBody),
        (status = 404, description = "No such order, or not the caller's", body = ErrorBody),
        (status = 409, description = "The order is final (`INVALID_TRANSITION`), or the new store has too little of a SKU (`CONFLICT`)", body = ErrorBody),
        (status = 413, description = "Body too large", body = ErrorBody),
        (status = 415, description = "Body is not JSON", body = ErrorBody),
        (status = 422, description = "to_store_id names no store of the order's seller, an inactive store or the current one", body = ErrorBody),
        (status = 429, description = "Rate limited", body = ErrorBody),
    )
)]
#[put("/orders/{id}/transfer")]
pub async fn transfer_order(
    state: web::Data<AppState>,
    Caller(actor): Caller,
    id: web::Path<Uuid>,
    JsonBody(input): JsonBody<TransferRequest>,
) -> Result<web::Json<TransferResponse>, ApiError> {
    let transfer = state
        .marketplace
        .transfer_order(&actor, OrderId(id.into_inner()), StoreId(input.to_store_id), input.reason)
        .await?;
    Ok(web::Json(TransferResponse::new(transfer.into())))
}
