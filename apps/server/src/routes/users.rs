//! Reading user accounts.

use actix_web::{delete, get, patch, post, web};
use chrono::{DateTime, Utc};
use serde::Serialize;
use souk_auth::{User, UserFilter, UserSort, UserStatus};
use souk_kernel::{Role, UserId};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use crate::app::AppState;
use crate::http::auth::Caller;
use crate::http::error::{ApiError, ErrorBody};
use crate::http::query::QueryParams;
use crate::{list_envelope, one_envelope};

/// A role's wire name.
#[derive(Debug, Clone, Copy, Serialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum RoleName {
    /// Platform operator.
    Admin,
    /// Lists products and fulfils orders.
    Seller,
    /// Buys.
    Buyer,
}

impl From<Role> for RoleName {
    fn from(role: Role) -> Self {
        match role {
            Role::Admin => RoleName::Admin,
            Role::Seller => RoleName::Seller,
            Role::Buyer => RoleName::Buyer,
        }
    }
}

/// An account status's wire name.
#[derive(Debug, Clone, Copy, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum UserStatusName {
    /// E-mail not yet verified.
    PendingVerification,
    /// May sign in.
    Active,
    /// Blocked by an admin.
    Suspended,
}

impl From<UserStatus> for UserStatusName {
    fn from(status: UserStatus) -> Self {
        match status {
            UserStatus::PendingVerification => UserStatusName::PendingVerification,
            UserStatus::Active => UserStatusName::Active,
            UserStatus::Suspended => UserStatusName::Suspended,
        }
    }
}

/// A user account as clients see it (never the password hash).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct UserDto {
    /// Account id (UUID v7).
    pub id: Uuid,
    /// E-mail address (lower case).
    #[schema(example = "amina@souk.example")]
    pub email: String,
    /// Unique handle.
    #[schema(example = "amina")]
    pub username: String,
    /// The role.
    pub role: RoleName,
    /// Account state.
    pub status: UserStatusName,
    /// Given name.
    pub first_name: String,
    /// Family name.
    pub last_name: String,
    /// Phone number.
    pub phone: Option<String>,
    /// Whether the e-mail is verified.
    pub email_verified: bool,
    /// When the account was created.
    pub created_at: DateTime<Utc>,
    /// When it last changed.
    pub updated_at: DateTime<Utc>,
}

impl From<User> for UserDto {
    fn from(user: User) -> Self {
        UserDto {
            id: user.id.as_uuid(),
            email: user.email,
            username: user.username,
            role: user.role.into(),
            status: user.status.into(),
            first_name: user.first_name,
            last_name: user.last_name,
            phone: user.phone,
            email_verified: user.email_verified_at.is_some(),
            created_at: user.created_at,
            updated_at: user.updated_at,
        }
    }
}

one_envelope!(
    /// `{"data": {"user": ...}}`
    UserResponse, UserData, user: UserDto
);
list_envelope!(
    /// `{"data": {"users": [...], "pagination": ...}}`
    UserListResponse, UserListData, users: UserDto
);

/// Query parameters of `GET /api/v1/users`.
#[derive(Debug, IntoParams)]
#[into_params(parameter_in = Query)]
#[allow(dead_code)]
pub struct UserListQuery {
    /// Page number, from 1.
    #[param(minimum = 1, default = 1)]
    page: Option<u32>,
    /// Items per page, 1 to 200.
    #[param(minimum = 1, maximum = 200, default = 20)]
    page_size: Option<u32>,
    /// Sort key: `created_at` (default), `updated_at`, `email`, `username`.
    #[param(pattern = "^(created_at|updated_at|email|username)$")]
    order_by: Option<String>,
    /// `ASC` or `DESC` (default), any case.
    #[param(pattern = "^([Aa][Ss][Cc]|[Dd][Ee][Ss][Cc])$")]
    order_direction: Option<String>,
    /// Roles, comma-separated or repeated: `admin`, `seller`, `buyer`.
    role: Option<String>,
    /// Statuses, comma-separated or repeated: `pending_verification`, `active`, `suspended`.
    status: Option<String>,
    /// Case-insensitive text in e-mail, username or name (at most 100 characters).
    search: Option<String>,
    /// Created at or after: RFC 3339, a date or Unix seconds.
    from: Option<String>,
    /// Created at or before (a bare date includes the whole day).
    to: Option<String>,
    /// Updated at or after.
    updated_from: Option<String>,
    /// Updated at or before.
    updated_to: Option<String>,
}

/// Lists user accounts. Requires: admin.
/// Permission: `user:view` (a client needs it among its scopes).
#[utoipa::path(
    tag = "users",
    params(UserListQuery),
    security(("bearer" = ["user:view"]), ("basic" = ["user:view"])),
    responses(
        (status = 200, description = "A page of users", body = UserListResponse),
        (status = 400, description = "Malformed query string", body = ErrorBody),
        (status = 401, description = "Missing or invalid credentials", body = ErrorBody),
        (status = 403, description = "The caller is not an admin", body = ErrorBody),
        (status = 422, description = "A filter, sort or page parameter is invalid", body = ErrorBody),
        (status = 429, description = "Rate limited", body = ErrorBody),
    )
)]
#[get("/users")]
pub async fn list_users(
    state: web::Data<AppState>,
    Caller(actor): Caller,
    query: QueryParams,
) -> Result<web::Json<UserListResponse>, ApiError> {
    let mut reader = query.reader();
    let page = reader.page();
    let (sort, direction) = reader.sort::<UserSort>();
    let (created_from, created_to) = reader.time_range("from", "to");
    let (updated_from, updated_to) = reader.time_range("updated_from", "updated_to");
    let filter = UserFilter {
        roles: reader.many("role"),
        statuses: reader.many("status"),
        search: reader.text("search", 100),
        created_from,
        created_to,
        updated_from,
        updated_to,
    };
    reader.finish()?;
    let users = state.marketplace.list_users(&actor, &filter, sort, direction, page).await?;
    Ok(web::Json(UserListResponse::new(users.map(UserDto::from))))
}

/// The caller's own account. Requires: any signed-in user.
/// Permission: `user:view` (a client needs it among its scopes).
#[utoipa::path(
    tag = "users",
    security(("bearer" = ["user:view"]), ("basic" = ["user:view"])),
    responses(
        (status = 200, description = "The caller", body = UserResponse),
        (status = 401, description = "Missing or invalid credentials", body = ErrorBody),
        (status = 404, description = "The account no longer exists", body = ErrorBody),
        (status = 429, description = "Rate limited", body = ErrorBody),
    )
)]
#[get("/users/me")]
pub async fn current_user(
    state: web::Data<AppState>,
    Caller(actor): Caller,
) -> Result<web::Json<UserResponse>, ApiError> {
    let id = actor.user_id().ok_or_else(|| ApiError::from(souk_kernel::DomainError::Unauthenticated))?;
    let user = state.marketplace.get_user(&actor, id).await?;
    Ok(web::Json(UserResponse::new(user.into())))
}

/// One user account. Requires: the user itself or an admin; anyone else gets `404`.
/// Permission: `user:view` (a client needs it among its scopes).
#[utoipa::path(
    tag = "users",
    params(("id" = Uuid, Path, description = "User id")),
    security(("bearer" = ["user:view"]), ("basic" = ["user:view"])),
    responses(
        (status = 200, description = "The user", body = UserResponse),
        (status = 401, description = "Missing or invalid credentials", body = ErrorBody),
        (status = 404, description = "No such user, or not visible to the caller", body = ErrorBody),
        (status = 429, description = "Rate limited", body = ErrorBody),
    )
)]
#[get("/users/{id}")]
pub async fn get_user(
    state: web::Data<AppState>,
    Caller(actor): Caller,
    id: web::Path<Uuid>,
) -> Result<web::Json<UserResponse>, ApiError> {
    let user = state.marketplace.get_user(&actor, UserId(id.into_inner())).await?;
    Ok(web::Json(UserResponse::new(user.into())))
}

/// Reads a present-but-null field as `Some(None)`, so PATCH can clear it.
pub fn double_option<'de, D, T>(deserializer: D) -> Result<Option<Option<T>>, D::Error>
where
    D: serde::Deserializer<'de>,
    T: serde::Deserialize<'de>,
{
    <Option<T> as serde::Deserialize>::deserialize(deserializer).map(Some)
}

/// Changes to a user; absent fields stay as they are.
#[derive(Debug, Clone, serde::Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateUserRequest {
    /// New username.
    #[schema(pattern = "^[A-Za-z0-9._-]{3,50}$")]
    pub username: Option<String>,
    /// New given name.
    #[schema(min_length = 1, max_length = 100)]
    pub first_name: Option<String>,
    /// New family name.
    #[schema(min_length = 1, max_length = 100)]
    pub last_name: Option<String>,
    /// New phone; `null` clears it.
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<String>)]
    pub phone: Option<Option<String>>,
    /// New role: `admin` or `buyer` (admins only; sellers register as sellers).
    #[schema(pattern = "^(admin|buyer)$")]
    pub role: Option<String>,
    /// New status (admins only).
    #[schema(pattern = "^(pending_verification|active|suspended)$")]
    pub status: Option<String>,
}

/// Changes a user. Requires: the user itself or an admin (others get `404`); `role` and
/// `status` only by admins (`403` otherwise), so nobody raises their own rights.
/// Permission: `user:update` (a client needs it among its scopes).
#[utoipa::path(
    tag = "users",
    params(("id" = Uuid, Path, description = "User id")),
    request_body = UpdateUserRequest,
    security(("bearer" = ["user:update"]), ("basic" = ["user:update"])),
    responses(
        (status = 200, description = "The changed user", body = UserResponse),
        (status = 400, description = "Malformed JSON", body = ErrorBody),
        (status = 401, description = "Missing or invalid credentials", body = ErrorBody),
        (status = 403, description = "Only admins change role or status", body = ErrorBody),
        (status = 404, description = "No such user, or not visible to the caller", body = ErrorBody),
        (status = 409, description = "Username taken", body = ErrorBody),
        (status = 415, description = "Body is not JSON", body = ErrorBody),
        (status = 422, description = "Invalid fields", body = ErrorBody),
        (status = 429, description = "Rate limited", body = ErrorBody),
    )
)]
#[patch("/users/{id}")]
pub async fn update_user(
    state: web::Data<AppState>,
    Caller(actor): Caller,
    id: web::Path<Uuid>,
    crate::http::extractors::JsonBody(input): crate::http::extractors::JsonBody<UpdateUserRequest>,
) -> Result<web::Json<UserResponse>, ApiError> {
    let mut errors = souk_kernel::FieldErrors::new();
    let role = input.role.as_deref().and_then(|r| r.parse::<Role>().map_err(|m| errors.add("role", m)).ok());
    let status = input
        .status
        .as_deref()
        .and_then(|s| s.parse::<UserStatus>().map_err(|m| errors.add("status", m)).ok());
    if !errors.is_empty() {
        return Err(ApiError::validation(errors));
    }
    let patch = souk_auth::UserPatch {
        username: input.username,
        first_name: input.first_name,
        last_name: input.last_name,
        phone: input.phone,
        role,
        status,
    };
    let user = state.marketplace.update_user(&actor, UserId(id.into_inner()), patch).await?;
    Ok(web::Json(UserResponse::new(user.into())))
}

/// Deletes an account with its buyer or seller profile, tokens, clients and metafields.
/// Requires: the user itself or an admin (others get `404`).
/// Permission: `user:delete` (a client needs it among its scopes).
#[utoipa::path(
    tag = "users",
    params(("id" = Uuid, Path, description = "User id")),
    security(("bearer" = ["user:delete"]), ("basic" = ["user:delete"])),
    responses(
        (status = 200, description = "Deleted", body = crate::routes::auth::MessageResponse),
        (status = 401, description = "Missing or invalid credentials", body = ErrorBody),
        (status = 404, description = "No such user, or not visible to the caller", body = ErrorBody),
        (status = 429, description = "Rate limited", body = ErrorBody),
    )
)]
#[delete("/users/{id}")]
pub async fn delete_user(
    state: web::Data<AppState>,
    Caller(actor): Caller,
    id: web::Path<Uuid>,
) -> Result<web::Json<crate::routes::auth::MessageResponse>, ApiError> {
    state.marketplace.delete_user(&actor, UserId(id.into_inner())).await?;
    Ok(web::Json(crate::routes::auth::MessageResponse::new("the account and its profile were deleted")))
}

/// A metafield.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct MetafieldDto {
    /// Id.
    pub id: Uuid,
    /// Namespace.
    pub namespace: String,
    /// Key.
    pub key: String,
    /// Any JSON value.
    pub value: serde_json::Value,
    /// Creation time.
    pub created_at: DateTime<Utc>,
    /// Last change.
    pub updated_at: DateTime<Utc>,
}

impl From<souk_auth::metafield::Metafield> for MetafieldDto {
    fn from(m: souk_auth::metafield::Metafield) -> Self {
        MetafieldDto {
            id: m.id,
            namespace: m.namespace,
            key: m.key,
            value: m.value,
            created_at: m.created_at,
            updated_at: m.updated_at,
        }
    }
}

one_envelope!(
    /// `{"data": {"metafield": ...}}`
    MetafieldResponse, MetafieldData, metafield: MetafieldDto
);

/// `{"data": {"metafields": [...]}}`
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct MetafieldListResponse {
    /// The payload.
    pub data: MetafieldListData,
}

/// The metafields.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct MetafieldListData {
    /// By namespace, then key.
    pub metafields: Vec<MetafieldDto>,
}

/// A metafield write.
#[derive(Debug, Clone, serde::Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MetafieldRequest {
    /// 1 to 64 of `a-z 0-9 _ - .`.
    #[schema(example = "erp", pattern = "^[a-z0-9_.-]{1,64}$")]
    pub namespace: String,
    /// 1 to 64 of `a-z 0-9 _ - .`.
    #[schema(example = "customer_code", pattern = "^[a-z0-9_.-]{1,64}$")]
    pub key: String,
    /// Any JSON value up to 16 KiB.
    pub value: serde_json::Value,
}

/// A user's metafields. Requires: the user itself or an admin.
/// Permission: `user:view` (a client needs it among its scopes).
#[utoipa::path(
    tag = "users",
    params(("id" = Uuid, Path, description = "User id")),
    security(("bearer" = ["user:view"]), ("basic" = ["user:view"])),
    responses(
        (status = 200, description = "The metafields", body = MetafieldListResponse),
        (status = 401, description = "Missing or invalid credentials", body = ErrorBody),
        (status = 404, description = "No such user, or not visible to the caller", body = ErrorBody),
        (status = 429, description = "Rate limited", body = ErrorBody),
    )
)]
#[get("/users/{id}/metafields")]
pub async fn list_metafields(
    state: web::Data<AppState>,
    Caller(actor): Caller,
    id: web::Path<Uuid>,
) -> Result<web::Json<MetafieldListResponse>, ApiError> {
    let metafields = state.marketplace.list_metafields(&actor, UserId(id.into_inner())).await?;
    Ok(web::Json(MetafieldListResponse {
        data: MetafieldListData { metafields: metafields.into_iter().map(MetafieldDto::from).collect() },
    }))
}

/// Inserts or replaces a metafield by namespace and key. Requires: the user itself or an admin.
/// Permission: `user:update` (a client needs it among its scopes).
#[utoipa::path(
    tag = "users",
    params(("Idempotency-Key" = Option<String>, Header, pattern = "^[!-~]{1,255}$", description = "Replays the first response for retries within 24 h"), ("id" = Uuid, Path, description = "User id")),
    request_body = MetafieldRequest,
    security(("bearer" = ["user:update"]), ("basic" = ["user:update"])),
    responses(
        (status = 200, description = "The stored metafield", body = MetafieldResponse),
        (status = 400, description = "Malformed JSON", body = ErrorBody),
        (status = 401, description = "Missing or invalid credentials", body = ErrorBody),
        (status = 404, description = "No such user, or not visible to the caller", body = ErrorBody),
        (status = 415, description = "Body is not JSON", body = ErrorBody),
        (status = 422, description = "Invalid namespace, key or value", body = ErrorBody),
        (status = 409, description = "A request with this Idempotency-Key is still in flight", body = ErrorBody),
        (status = 429, description = "Rate limited", body = ErrorBody),
    )
)]
#[post("/users/{id}/metafields")]
pub async fn put_metafield(
    state: web::Data<AppState>,
    Caller(actor): Caller,
    id: web::Path<Uuid>,
    crate::http::extractors::JsonBody(input): crate::http::extractors::JsonBody<MetafieldRequest>,
) -> Result<web::Json<MetafieldResponse>, ApiError> {
    let stored = state
        .marketplace
        .put_metafield(&actor, UserId(id.into_inner()), &input.namespace, &input.key, input.value)
        .await?;
    Ok(web::Json(MetafieldResponse::new(stored.into())))
}
