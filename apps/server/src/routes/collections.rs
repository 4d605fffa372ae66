//! Collections: the public tree of curated product sets, admin writes and membership.

use actix_web::{HttpResponse, delete, get, patch, post, put, web};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use souk_catalog::collection::Metadata;
use souk_marketplace::collections::{CollectionMembers, CollectionNode, CollectionPatch, NewCollection};
use utoipa::ToSchema;
use uuid::Uuid;

use crate::app::AppState;
use crate::http::auth::Caller;
use crate::http::error::{ApiError, ErrorBody};
use crate::http::extractors::JsonBody;
use crate::one_envelope;
use crate::routes::auth::MessageResponse;
use crate::routes::users::double_option;

/// A collection with its sub-collections.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CollectionDto {
    /// Id.
    pub id: Uuid,
    /// Unique URL handle.
    #[schema(example = "summer-sale")]
    pub handle: String,
    /// Display title.
    #[schema(example = "Summer sale")]
    pub title: String,
    /// Storefront data: any JSON object (`{}` when none was set).
    #[schema(value_type = Object)]
    pub metadata: Metadata,
    /// The parent's handle, `null` for a root.
    pub parent_handle: Option<String>,
    /// Products in the collection the caller can see: every member for admins, listed
    /// (published, approved, visible, undeleted) products for everyone else.
    pub product_count: u64,
    /// Sub-collections by title.
    #[schema(no_recursion)]
    pub children: Vec<CollectionDto>,
    /// Creation time.
    pub created_at: DateTime<Utc>,
    /// Last change.
    pub updated_at: DateTime<Utc>,
}

impl From<CollectionNode> for CollectionDto {
    fn from(node: CollectionNode) -> Self {
        CollectionDto {
            id: node.collection.id.as_uuid(),
            handle: node.collection.handle,
            title: node.collection.title,
            metadata: node.collection.metadata,
            parent_handle: node.parent_handle,
            product_count: node.product_count,
            children: node.children.into_iter().map(CollectionDto::from).collect(),
            created_at: node.collection.created_at,
            updated_at: node.collection.updated_at,
        }
    }
}

one_envelope!(
    /// `{"data": {"collection": ...}}`
    CollectionResponse, CollectionData, collection: CollectionDto
);

/// `{"data": {"collections": [root collections with their sub-collections]}}`
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CollectionTreeResponse {
    /// The payload.
    pub data: CollectionTreeData,
}

/// The roots, each with its subtree (the tree is not paginated).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CollectionTreeData {
    /// Root collections by title.
    pub collections: Vec<CollectionDto>,
}

/// `{"data": {"collection": ..., "product_ids": [...]}}`
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CollectionMembersResponse {
    /// The payload.
    pub data: CollectionMembersData,
}

/// A collection and its members after a membership change.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CollectionMembersData {
    /// The collection.
    pub collection: CollectionDto,
    /// Member product ids in their order.
    pub product_ids: Vec<Uuid>,
}

impl From<CollectionMembers> for CollectionMembersResponse {
    fn from(members: CollectionMembers) -> Self {
        CollectionMembersResponse {
            data: CollectionMembersData {
                collection: members.collection.into(),
                product_ids: members.product_ids,
            },
        }
    }
}

/// The tree of collections and sub-collections, roots and siblings by title. Public; admins'
/// product counts include unlisted members.
#[utoipa::path(
    tag = "collections",
    security((), ("bearer" = []), ("basic" = [])),
    responses(
        (status = 200, description = "The tree", body = CollectionTreeResponse),
        (status = 401, description = "Credentials were sent but are invalid", body = ErrorBody),
        (status = 429, description = "Rate limited", body = ErrorBody),
    )
)]
#[get("/collections")]
pub async fn list_collections(
    state: web::Data<AppState>,
    Caller(actor): Caller,
) -> Result<web::Json<CollectionTreeResponse>, ApiError> {
    let roots = state.marketplace.collection_tree(&actor).await?;
    let collections = roots.into_iter().map(CollectionDto::from).collect();
    Ok(web::Json(CollectionTreeResponse { data: CollectionTreeData { collections } }))
}

/// One collection with its sub-collections. Public.
#[utoipa::path(
    tag = "collections",
    params(("handle" = String, Path, description = "Collection handle")),
    security((), ("bearer" = []), ("basic" = [])),
    responses(
        (status = 200, description = "The collection", body = CollectionResponse),
        (status = 401, description = "Credentials were sent but are invalid", body = ErrorBody),
        (status = 404, description = "No collection has this handle", body = ErrorBody),
        (status = 429, description = "Rate limited", body = ErrorBody),
    )
)]
#[get("/collections/{handle}")]
pub async fn get_collection(
    state: web::Data<AppState>,
    Caller(actor): Caller,
    handle: web::Path<String>,
) -> Result<web::Json<CollectionResponse>, ApiError> {
    let collection = state.marketplace.get_collection(&actor, &handle).await?;
    Ok(web::Json(CollectionResponse::new(collection.into())))
}

/// A new collection.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateCollectionRequest {
    /// Unique URL handle in slug form.
    #[schema(example = "summer-sale", pattern = "^[a-z0-9]+(-[a-z0-9]+)*$", max_length = 120)]
    pub handle: String,
    /// Display title, 1 to 200 characters.
    #[schema(example = "Summer sale", min_length = 1, max_length = 200)]
    pub title: String,
    /// Storefront data: any JSON object, at most 16 KiB as JSON.
    #[schema(value_type = Option<Object>)]
    pub metadata: Option<Metadata>,
    /// The parent collection's handle; a root when absent.
    pub parent_handle: Option<String>,
}

/// Creates a collection at the root or under a parent (any depth). Requires: admin.
/// Permission: `collection:create`.
#[utoipa::path(
    tag = "collections",
    params(("Idempotency-Key" = Option<String>, Header, pattern = "^[!-~]{1,255}$", description = "Replays the first response for retries within 24 h")),
    request_body = CreateCollectionRequest,
    security(("bearer" = ["collection:create"]), ("basic" = ["collection:create"])),
    responses(
        (status = 201, description = "Created", body = CollectionResponse),
        (status = 400, description = "Malformed JSON", body = ErrorBody),
        (status = 401, description = "Missing or invalid credentials", body = ErrorBody),
        (status = 403, description = "Not an admin", body = ErrorBody),
        (status = 409, description = "Handle taken, or a request with this Idempotency-Key in flight", body = ErrorBody),
        (status = 413, description = "Body over 1 MiB", body = ErrorBody),
        (status = 415, description = "Body is not JSON", body = ErrorBody),
        (status = 422, description = "Invalid fields, metadata not an object, or unknown parent", body = ErrorBody),
        (status = 429, description = "Rate limited", body = ErrorBody),
    )
)]
#[post("/collections")]
pub async fn create_collection(
    state: web::Data<AppState>,
    Caller(actor): Caller,
    JsonBody(input): JsonBody<CreateCollectionRequest>,
) -> Result<HttpResponse, ApiError> {
    let input = NewCollection {
        handle: input.handle,
        title: input.title,
        metadata: input.metadata.unwrap_or_default(),
        parent_handle: input.parent_handle,
    };
    let collection = state.marketplace.create_collection(&actor, input).await?;
    Ok(HttpResponse::Created().json(CollectionResponse::new(collection.into())))
}

/// Changes to a collection; absent fields stay as they are.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateCollectionRequest {
    /// New handle.
    #[schema(pattern = "^[a-z0-9]+(-[a-z0-9]+)*$", max_length = 120)]
    pub handle: Option<String>,
    /// New title.
    #[schema(min_length = 1, max_length = 200)]
    pub title: Option<String>,
    /// Replacement metadata (the whole object); `null` clears it.
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<Object>)]
    pub metadata: Option<Option<Metadata>>,
    /// New parent's handle; `null` moves the collection to the root.
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<String>)]
    pub parent_handle: Option<Option<String>>,
}

/// Renames, re-handles or moves a collection with its sub-collections; moving it under itself
/// or a sub-collection is `422`. Requires: admin. Permission: `collection:update`.
#[utoipa::path(
    tag = "collections",
    params(("handle" = String, Path, description = "Collection handle")),
    request_body = UpdateCollectionRequest,
    security(("bearer" = ["collection:update"]), ("basic" = ["collection:update"])),
    responses(
        (status = 200, description = "The changed collection", body = CollectionResponse),
        (status = 400, description = "Malformed JSON", body = ErrorBody),
        (status = 401, description = "Missing or invalid credentials", body = ErrorBody),
        (status = 403, description = "Not an admin", body = ErrorBody),
        (status = 404, description = "No collection has this handle", body = ErrorBody),
        (status = 409, description = "Handle taken", body = ErrorBody),
        (status = 413, description = "Body over 1 MiB", body = ErrorBody),
        (status = 415, description = "Body is not JSON", body = ErrorBody),
        (status = 422, description = "Invalid fields, unknown parent, or a cycle", body = ErrorBody),
        (status = 429, description = "Rate limited", body = ErrorBody),
    )
)]
#[patch("/collections/{handle}")]
pub async fn update_collection(
    state: web::Data<AppState>,
    Caller(actor): Caller,
    handle: web::Path<String>,
    JsonBody(input): JsonBody<UpdateCollectionRequest>,
) -> Result<web::Json<CollectionResponse>, ApiError> {
    let patch = CollectionPatch {
        handle: input.handle,
        title: input.title,
        metadata: input.metadata.map(Option::unwrap_or_default),
        parent_handle: input.parent_handle,
    };
    let collection = state.marketplace.update_collection(&actor, &handle, patch).await?;
    Ok(web::Json(CollectionResponse::new(collection.into())))
}

/// Deletes a collection and its product memberships (the products stay). One with
/// sub-collections is `409`: move or delete them first. Requires: admin.
/// Permission: `collection:delete`.
#[utoipa::path(
    tag = "collections",
    params(("handle" = String, Path, description = "Collection handle")),
    security(("bearer" = ["collection:delete"]), ("basic" = ["collection:delete"])),
    responses(
        (status = 200, description = "Deleted", body = MessageResponse),
        (status = 401, description = "Missing or invalid credentials", body = ErrorBody),
        (status = 403, description = "Not an admin", body = ErrorBody),
        (status = 404, description = "No collection has this handle", body = ErrorBody),
        (status = 409, description = "It has sub-collections", body = ErrorBody),
        (status = 429, description = "Rate limited", body = ErrorBody),
    )
)]
#[delete("/collections/{handle}")]
pub async fn delete_collection(
    state: web::Data<AppState>,
    Caller(actor): Caller,
    handle: web::Path<String>,
) -> Result<web::Json<MessageResponse>, ApiError> {
    state.marketplace.delete_collection(&actor, &handle).await?;
    Ok(web::Json(MessageResponse::new("collection deleted")))
}

/// The complete, ordered membership of a collection.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SetCollectionProductsRequest {
    /// Product ids in display order; duplicates collapse to their first place; at most 1000
    /// distinct products; `[]` empties the collection.
    pub product_ids: Vec<Uuid>,
}

/// Replaces the products of a collection with these, in this order. Any product that exists and
/// is not deleted may be a member (drafts included; public reads show only listed ones). Unknown
/// or deleted ids are `422`, each named under `product_ids`. Requires: admin.
/// Permission: `collection:update`.
#[utoipa::path(
    tag = "collections",
    params(("handle" = String, Path, description = "Collection handle")),
    request_body = SetCollectionProductsRequest,
    security(("bearer" = ["collection:update"]), ("basic" = ["collection:update"])),
    responses(
        (status = 200, description = "The collection and its members in order", body = CollectionMembersResponse),
        (status = 400, description = "Malformed JSON", body = ErrorBody),
        (status = 401, description = "Missing or invalid credentials", body = ErrorBody),
        (status = 403, description = "Not an admin", body = ErrorBody),
        (status = 404, description = "No collection has this handle", body = ErrorBody),
        (status = 413, description = "Body over 1 MiB", body = ErrorBody),
        (status = 415, description = "Body is not JSON", body = ErrorBody),
        (status = 422, description = "Unknown or deleted products, or too many", body = ErrorBody),
        (status = 429, description = "Rate limited", body = ErrorBody),
    )
)]
#[put("/collections/{handle}/products")]
pub async fn set_collection_products(
    state: web::Data<AppState>,
    Caller(actor): Caller,
    handle: web::Path<String>,
    JsonBody(input): JsonBody<SetCollectionProductsRequest>,
) -> Result<web::Json<CollectionMembersResponse>, ApiError> {
    let members = state.marketplace.set_collection_products(&actor, &handle, &input.product_ids).await?;
    Ok(web::Json(members.into()))
}
