//! The category tree.

use actix_web::{HttpResponse, delete, get, patch, post, web};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use souk_catalog::{CategoryId, CategoryTree};
use souk_marketplace::categories::{CategoryPatch, NewCategory, PlacedCategory};
use utoipa::ToSchema;
use uuid::Uuid;

use crate::app::AppState;
use crate::http::auth::Caller;
use crate::http::error::{ApiError, ErrorBody};
use crate::http::extractors::JsonBody;
use crate::http::query::QueryParams;
use crate::routes::auth::MessageResponse;
use crate::routes::users::double_option;
use crate::{list_envelope, one_envelope};

/// A category with its place in the tree.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CategoryDto {
    /// Id.
    pub id: Uuid,
    /// Display name.
    #[schema(example = "Phones")]
    pub name: String,
    /// Unique URL slug.
    #[schema(example = "phones")]
    pub slug: String,
    /// Parent, `null` for a root.
    pub parent_id: Option<Uuid>,
    /// Depth from the root (roots are 0).
    pub depth: usize,
    /// Slugs from the root, joined by `/`.
    #[schema(example = "electronics/phones")]
    pub path: String,
    /// Creation time.
    pub created_at: DateTime<Utc>,
    /// Last change.
    pub updated_at: DateTime<Utc>,
}

impl From<PlacedCategory> for CategoryDto {
    fn from(p: PlacedCategory) -> Self {
        CategoryDto {
            id: p.category.id.as_uuid(),
            name: p.category.name,
            slug: p.category.slug,
            parent_id: p.category.parent_id.map(|id| id.as_uuid()),
            depth: p.depth,
            path: p.path,
            created_at: p.category.created_at,
            updated_at: p.category.updated_at,
        }
    }
}

/// A node of the category tree.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CategoryNode {
    /// Id.
    pub id: Uuid,
    /// Display name.
    pub name: String,
    /// Unique URL slug.
    pub slug: String,
    /// Subcategories, by name.
    #[schema(no_recursion)]
    pub children: Vec<CategoryNode>,
}

fn nodes(tree: &CategoryTree, parent: Option<CategoryId>) -> Vec<CategoryNode> {
    tree.children(parent)
        .into_iter()
        .map(|c| CategoryNode {
            id: c.id.as_uuid(),
            name: c.name.clone(),
            slug: c.slug.clone(),
            children: nodes(tree, Some(c.id)),
        })
        .collect()
}

one_envelope!(
    /// `{"data": {"category": ...}}`
    CategoryResponse, CategoryData, category: CategoryDto
);
list_envelope!(
    /// `{"data": {"categories": [...], "pagination": ...}}` (flat)
    CategoryListResponse, CategoryListData, categories: CategoryDto
);

/// `{"data": {"categories": [tree nodes]}}`
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CategoryTreeResponse {
    /// The payload.
    pub data: CategoryTreeData,
}

/// The roots, each with its subtree (no `pagination`, which tells it from the flat list).
#[derive(Debug, Clone, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CategoryTreeData {
    /// Root categories by name.
    pub categories: Vec<CategoryNode>,
}

/// The tree or the flat list.
#[derive(Debug, Serialize, ToSchema)]
#[serde(untagged)]
pub enum CategoriesResponse {
    /// Default: the nested tree.
    Tree(CategoryTreeResponse),
    /// `flat=true`: a paginated list in depth-first order.
    Flat(CategoryListResponse),
}

/// The category tree; `flat=true` gives a paginated depth-first list with `parent_id`, `depth`
/// and `path` instead. Public.
#[utoipa::path(
    tag = "categories",
    params(
        ("flat" = Option<bool>, Query, description = "A flat, paginated list instead of the tree"),
        ("page" = Option<u32>, Query, minimum = 1, description = "Page number (flat only)"),
        ("page_size" = Option<u32>, Query, minimum = 1, maximum = 200, description = "Items per page (flat only)"),
    ),
    responses(
        (status = 200, description = "The tree, or a page of the flat list", body = CategoriesResponse),
        (status = 400, description = "Malformed query string", body = ErrorBody),
        (status = 422, description = "Invalid parameters", body = ErrorBody),
        (status = 429, description = "Rate limited", body = ErrorBody),
    )
)]
#[get("/categories")]
pub async fn list_categories(
    state: web::Data<AppState>,
    query: QueryParams,
) -> Result<web::Json<CategoriesResponse>, ApiError> {
    let mut reader = query.reader();
    let flat = reader.flag("flat").unwrap_or(false);
    let page = reader.page();
    reader.finish()?;
    if flat {
        let page = state.marketplace.category_page(page).await?;
        return Ok(web::Json(CategoriesResponse::Flat(CategoryListResponse::new(
            page.map(CategoryDto::from),
        ))));
    }
    let tree = state.marketplace.category_tree().await?;
    let categories = nodes(&tree, None);
    Ok(web::Json(CategoriesResponse::Tree(CategoryTreeResponse { data: CategoryTreeData { categories } })))
}

/// One category. Public.
#[utoipa::path(
    tag = "categories",
    params(("id" = Uuid, Path, description = "Category id")),
    responses(
        (status = 200, description = "The category", body = CategoryResponse),
        (status = 404, description = "No such category", body = ErrorBody),
        (status = 429, description = "Rate limited", body = ErrorBody),
    )
)]
#[get("/categories/{id}")]
pub async fn get_category(
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
) -> Result<web::Json<CategoryResponse>, ApiError> {
    let category = state.marketplace.get_category(CategoryId(id.into_inner())).await?;
    Ok(web::Json(CategoryResponse::new(category.into())))
}

/// A new category.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateCategoryRequest {
    /// Display name, 1 to 100 characters.
    #[schema(example = "Phones", min_length = 1, max_length = 100)]
    pub name: String,
    /// URL slug; generated from the name (and made unique) when absent.
    #[schema(pattern = "^[a-z0-9]+(-[a-z0-9]+)*$", max_length = 120)]
    pub slug: Option<String>,
    /// Parent; a root when absent.
    pub parent_id: Option<Uuid>,
}

/// Creates a category under any parent (unlimited depth). Requires: admin.
/// Permission: `category:create`.
#[utoipa::path(
    tag = "categories",
    params(("Idempotency-Key" = Option<String>, Header, pattern = "^[!-~]{1,255}$", description = "Replays the first response for retries within 24 h")),
    request_body = CreateCategoryRequest,
    security(("bearer" = ["category:create"]), ("basic" = ["category:create"])),
    responses(
        (status = 201, description = "Created", body = CategoryResponse),
        (status = 400, description = "Malformed JSON", body = ErrorBody),
        (status = 401, description = "Missing or invalid credentials", body = ErrorBody),
        (status = 403, description = "Not an admin", body = ErrorBody),
        (status = 409, description = "Slug taken, or a request with this Idempotency-Key in flight", body = ErrorBody),
        (status = 415, description = "Body is not JSON", body = ErrorBody),
        (status = 422, description = "Invalid fields or unknown parent", body = ErrorBody),
        (status = 429, description = "Rate limited", body = ErrorBody),
    )
)]
#[post("/categories")]
pub async fn create_category(
    state: web::Data<AppState>,
    Caller(actor): Caller,
    JsonBody(input): JsonBody<CreateCategoryRequest>,
) -> Result<HttpResponse, ApiError> {
    let input =
        NewCategory { name: input.name, slug: input.slug, parent_id: input.parent_id.map(CategoryId) };
    let category = state.marketplace.create_category(&actor, input).await?;
    Ok(HttpResponse::Created().json(CategoryResponse::new(category.into())))
}

/// Changes to a category.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateCategoryRequest {
    /// New name.
    #[schema(min_length = 1, max_length = 100)]
    pub name: Option<String>,
    /// New slug.
    #[schema(pattern = "^[a-z0-9]+(-[a-z0-9]+)*$", max_length = 120)]
    pub slug: Option<String>,
    /// New parent; `null` moves the category to the root.
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<Uuid>)]
    pub parent_id: Option<Option<Uuid>>,
}

/// Renames or moves a category with its subtree; moving it under itself or a descendant is
/// `422`. Requires: admin. Permission: `category:update`.
#[utoipa::path(
    tag = "categories",
    params(("id" = Uuid, Path, description = "Category id")),
    request_body = UpdateCategoryRequest,
    security(("bearer" = ["category:update"]), ("basic" = ["category:update"])),
    responses(
        (status = 200, description = "The changed category", body = CategoryResponse),
        (status = 400, description = "Malformed JSON", body = ErrorBody),
        (status = 401, description = "Missing or invalid credentials", body = ErrorBody),
        (status = 403, description = "Not an admin", body = ErrorBody),
        (status = 404, description = "No such category", body = ErrorBody),
        (status = 409, description = "Slug taken", body = ErrorBody),
        (status = 415, description = "Body is not JSON", body = ErrorBody),
        (status = 422, description = "Invalid fields, unknown parent, or a cycle", body = ErrorBody),
        (status = 429, description = "Rate limited", body = ErrorBody),
    )
)]
#[patch("/categories/{id}")]
pub async fn update_category(
    state: web::Data<AppState>,
    Caller(actor): Caller,
    id: web::Path<Uuid>,
    JsonBody(input): JsonBody<UpdateCategoryRequest>,
) -> Result<web::Json<CategoryResponse>, ApiError> {
    let patch = CategoryPatch {
        name: input.name,
        slug: input.slug,
        parent_id: input.parent_id.map(|p| p.map(CategoryId)),
    };
    let category = state.marketplace.update_category(&actor, CategoryId(id.into_inner()), patch).await?;
    Ok(web::Json(CategoryResponse::new(category.into())))
}

/// Deletes a category. One with subcategories is `409` unless `reassign_to` names a category
/// outside it, which adopts them. Requires: admin. Permission: `category:delete`.
#[utoipa::path(
    tag = "categories",
    params(
        ("id" = Uuid, Path, description = "Category id"),
        ("reassign_to" = Option<Uuid>, Query, description = "The category that adopts the subcategories"),
    ),
    security(("bearer" = ["category:delete"]), ("basic" = ["category:delete"])),
    responses(
        (status = 200, description = "Deleted", body = MessageResponse),
        (status = 400, description = "Malformed query string", body = ErrorBody),
        (status = 401, description = "Missing or invalid credentials", body = ErrorBody),
        (status = 403, description = "Not an admin", body = ErrorBody),
        (status = 404, description = "No such category", body = ErrorBody),
        (status = 409, description = "It has subcategories and no reassign_to", body = ErrorBody),
        (status = 422, description = "reassign_to is unknown or inside the deleted category", body = ErrorBody),
        (status = 429, description = "Rate limited", body = ErrorBody),
    )
)]
#[delete("/categories/{id}")]
pub async fn delete_category(
    state: web::Data<AppState>,
    Caller(actor): Caller,
    id: web::Path<Uuid>,
    query: QueryParams,
) -> Result<web::Json<MessageResponse>, ApiError> {
    let mut reader = query.reader();
    let heir = reader.parsed::<HeirId>("reassign_to").map(|h| h.0);
    reader.finish()?;
    state.marketplace.delete_category(&actor, CategoryId(id.into_inner()), heir).await?;
    Ok(web::Json(MessageResponse::new("category deleted")))
}

/// A category id in the query.
struct HeirId(CategoryId);

impl std::str::FromStr for HeirId {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        s.parse::<CategoryId>().map(HeirId).map_err(|_| "must be a category id (UUID)".to_owned())
    }
}
