//! OAuth clients, the client-credentials token endpoint, and the permission catalogue.

use std::collections::BTreeMap;

use actix_web::http::header;
use actix_web::{HttpMessage, HttpRequest, HttpResponse, delete, get, post, web};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use souk_auth::client::OAuthClient;
use souk_auth::permission::CATALOGUE;
use souk_kernel::FieldErrors;
use utoipa::ToSchema;
use uuid::Uuid;

use crate::app::AppState;
use crate::http::auth::{Caller, basic_credentials};
use crate::http::error::{ApiError, ErrorBody, ErrorCode};
use crate::http::extractors::{JSON_LIMIT, JsonBody, read_body};
use crate::http::query::QueryParams;
use crate::http::rate_limit::check_auth_limit;
use crate::list_envelope;

/// An OAuth client (never its secret).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ClientDto {
    /// Id used in this API's paths.
    pub id: Uuid,
    /// Public client id for `POST /oauth/token` and HTTP Basic.
    #[schema(example = "souk_3f9a0c1d2e4b5a6978695a4b")]
    pub client_id: String,
    /// Label.
    pub name: String,
    /// The user the client acts as.
    pub owner_id: Uuid,
    /// Granted `subject:action` scopes.
    pub scopes: Vec<String>,
    /// Whether the client was revoked.
    pub revoked: bool,
    /// Creation time.
    pub created_at: DateTime<Utc>,
}

impl From<OAuthClient> for ClientDto {
    fn from(c: OAuthClient) -> Self {
        ClientDto {
            id: c.id,
            revoked: !c.is_active(),
            client_id: c.client_id,
            name: c.name,
            owner_id: c.owner.as_uuid(),
            scopes: c.scopes,
            created_at: c.created_at,
        }
    }
}

list_envelope!(
    /// `{"data": {"clients": [...], "pagination": ...}}`
    ClientListResponse, ClientListData, clients: ClientDto
);

/// A new client.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateClientRequest {
    /// Label, 1 to 100 characters.
    #[schema(example = "ERP sync", min_length = 1, max_length = 100)]
    pub name: String,
    /// `subject:action` or `subject:*` scopes from `GET /permissions`, within the owner's rights.
    #[schema(example = json!(["product:view", "order:view"]), min_items = 1)]
    pub scopes: Vec<String>,
}

/// The created client and its secret.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CreatedClientData {
    /// The client.
    pub client: ClientDto,
    /// The secret, shown this once only (stored as a digest).
    pub client_secret: String,
}

/// `{"data": {"client": ..., "client_secret": ...}}`
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CreatedClientResponse {
    /// The payload.
    pub data: CreatedClientData,
}

/// Creates an OAuth client acting as the caller, narrowed to the scopes. Requires: admin or seller.
#[utoipa::path(
    params(("Idempotency-Key" = Option<String>, Header, pattern = "^[!-~]{1,255}$", description = "Accepted but not stored: this response carries credentials, which Souk never persists; a retry runs again")),
    tag = "oauth",
    request_body = CreateClientRequest,
    security(("bearer" = [])),
    responses(
        (status = 201, description = "Created; the secret is shown once", body = CreatedClientResponse),
        (status = 400, description = "Malformed JSON", body = ErrorBody),
        (status = 401, description = "Missing or invalid credentials", body = ErrorBody),
        (status = 403, description = "Buyers and integrations may not create clients", body = ErrorBody),
        (status = 415, description = "Body is not JSON", body = ErrorBody),
        (status = 422, description = "Invalid name or scopes", body = ErrorBody),
        (status = 429, description = "Rate limited", body = ErrorBody),
    )
)]
#[post("/oauth/clients")]
pub async fn create_client(
    state: web::Data<AppState>,
    Caller(actor): Caller,
    JsonBody(input): JsonBody<CreateClientRequest>,
) -> Result<HttpResponse, ApiError> {
    let (client, client_secret) = state.marketplace.create_client(&actor, &input.name, &input.scopes).await?;
    Ok(HttpResponse::Created()
        .json(CreatedClientResponse { data: CreatedClientData { client: client.into(), client_secret } }))
}

/// The caller's clients (admins: all clients), newest first. Requires: admin or seller.
#[utoipa::path(
    tag = "oauth",
    params(
        ("page" = Option<u32>, Query, minimum = 1, description = "Page number"),
        ("page_size" = Option<u32>, Query, minimum = 1, maximum = 200, description = "Items per page"),
    ),
    security(("bearer" = []), ("basic" = [])),
    responses(
        (status = 200, description = "A page of clients", body = ClientListResponse),
        (status = 400, description = "Malformed query string", body = ErrorBody),
        (status = 401, description = "Missing or invalid credentials", body = ErrorBody),
        (status = 403, description = "Buyers have no clients", body = ErrorBody),
        (status = 422, description = "Invalid page parameters", body = ErrorBody),
        (status = 429, description = "Rate limited", body = ErrorBody),
    )
)]
#[get("/oauth/clients")]
pub async fn list_clients(
    state: web::Data<AppState>,
    Caller(actor): Caller,
    query: QueryParams,
) -> Result<web::Json<ClientListResponse>, ApiError> {
    let page = query.page_only()?;
    let clients = state.marketplace.list_clients(&actor, page).await?;
    Ok(web::Json(ClientListResponse::new(clients.map(ClientDto::from))))
}

/// Revokes a client; tokens issued to it stop working at once. Requires: its owner or an admin.
#[utoipa::path(
    tag = "oauth",
    params(("id" = Uuid, Path, description = "Client id (`id`, not `client_id`)")),
    security(("bearer" = []), ("basic" = [])),
    responses(
        (status = 200, description = "Revoked", body = crate::routes::auth::MessageResponse),
        (status = 401, description = "Missing or invalid credentials", body = ErrorBody),
        (status = 404, description = "No such client, or not the caller's", body = ErrorBody),
        (status = 429, description = "Rate limited", body = ErrorBody),
    )
)]
#[delete("/oauth/clients/{id}")]
pub async fn revoke_client(
    state: web::Data<AppState>,
    Caller(actor): Caller,
    id: web::Path<Uuid>,
) -> Result<web::Json<crate::routes::auth::MessageResponse>, ApiError> {
    state.marketplace.revoke_client(&actor, id.into_inner()).await?;
    Ok(web::Json(crate::routes::auth::MessageResponse::new("client revoked")))
}

/// A client-credentials token request (form or JSON; credentials may come by HTTP Basic).
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
pub struct TokenRequest {
    /// Must be `client_credentials`.
    #[schema(example = "client_credentials")]
    pub grant_type: Option<String>,
    /// The client id (or use HTTP Basic).
    pub client_id: Option<String>,
    /// The client secret (or use HTTP Basic).
    pub client_secret: Option<String>,
    /// Space-separated subset of the client's scopes (default: all of them).
    pub scope: Option<String>,
}

/// An OAuth 2.0 token response (RFC 6749 section 5.1, not wrapped in `data`, so standard OAuth
/// client libraries read it).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct TokenResponse {
    /// A JWT acting as the client's owner, narrowed to `scope`.
    pub access_token: String,
    /// Always `Bearer`.
    pub token_type: String,
    /// Lifetime in seconds.
    pub expires_in: i64,
    /// Granted scopes, space separated.
    pub scope: String,
}

async fn token_request(
    req: &HttpRequest,
    payload: &mut actix_web::dev::Payload,
) -> Result<TokenRequest, ApiError> {
    let mime = req.mime_type().ok().flatten();
    let form =
        mime.as_ref().is_some_and(|m| m.type_() == "application" && m.subtype() == "x-www-form-urlencoded");
    if form {
        let body = read_body(payload, JSON_LIMIT).await?;
        let text = std::str::from_utf8(&body)
            .map_err(|_| ApiError::new(ErrorCode::BadRequest, "the form is not UTF-8"))?;
        let params = QueryParams::parse(text)?;
        let field = |name: &str| params.get(name).map(str::to_owned);
        return Ok(TokenRequest {
            grant_type: field("grant_type"),
            client_id: field("client_id"),
            client_secret: field("client_secret"),
            scope: field("scope"),
        });
    }
    let JsonBody(request) =
        <JsonBody<TokenRequest> as actix_web::FromRequest>::from_request(req, payload).await?;
    Ok(request)
}

/// `grant_type=client_credentials`: a token for an OAuth client, as a form
/// (`application/x-www-form-urlencoded`) or JSON, with the credentials in the body or in HTTP
/// Basic. Public; limited per IP and client.
#[utoipa::path(
    params(("Idempotency-Key" = Option<String>, Header, pattern = "^[!-~]{1,255}$", description = "Accepted but not stored: this response carries credentials, which Souk never persists; a retry runs again")),
    tag = "oauth",
    request_body(content(
        (TokenRequest = "application/x-www-form-urlencoded"),
        (TokenRequest = "application/json"),
    )),
    responses(
        (status = 200, description = "A token", body = TokenResponse),
        (status = 400, description = "Malformed body", body = ErrorBody),
        (status = 401, description = "Unknown or revoked client, or wrong secret", body = ErrorBody),
        (status = 415, description = "Neither a form nor JSON", body = ErrorBody),
        (status = 422, description = "Unsupported grant type, missing credentials, or a scope beyond the client's", body = ErrorBody),
        (status = 429, description = "Rate limited", body = ErrorBody),
    )
)]
#[post("/oauth/token")]
pub async fn token(
    req: HttpRequest,
    payload: web::Payload,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let mut payload = payload.into_inner();
    let request = token_request(&req, &mut payload).await?;
    let basic = req
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Basic ").or_else(|| v.strip_prefix("basic ")))
        .and_then(basic_credentials);
    let mut errors = FieldErrors::new();
    if request.grant_type.as_deref() != Some("client_credentials") {
        errors.add("grant_type", "must be client_credentials");
    }
    let credentials = basic.or_else(|| request.client_id.clone().zip(request.client_secret.clone()));
    if credentials.is_none() {
        errors.add("client_id", "client_id and client_secret are required (in the body or by HTTP Basic)");
    }
    if !errors.is_empty() {
        return Err(ApiError::validation(errors));
    }
    let (client_id, secret) = credentials.unwrap_or_default();
    check_auth_limit(&req, &state, &client_id)?;
    let issued =
        state.marketplace.client_token(&client_id, &secret, request.scope.as_deref()).await.map_err(|e| {
            let mut error = ApiError::from(e);
            if error.code == ErrorCode::Unauthenticated {
                error.message = "unknown or revoked client, or wrong secret".into();
            }
            error
        })?;
    Ok(HttpResponse::Ok().insert_header((header::CACHE_CONTROL, "no-store")).json(TokenResponse {
        access_token: issued.access_token,
        token_type: "Bearer".into(),
        expires_in: issued.expires_in,
        scope: issued.scope,
    }))
}

/// `{"data": {"permissions": {"product": ["view", ...], ...}}}`
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct PermissionsResponse {
    /// The payload.
    pub data: PermissionsData,
}

/// The catalogue.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct PermissionsData {
    /// Every subject with its actions.
    pub permissions: BTreeMap<String, Vec<String>>,
    /// What each role holds (`subject:action`); a client holds its owner's rights narrowed to its scopes.
    pub roles: BTreeMap<String, Vec<String>>,
}

/// Every permission subject and action, and the permission set of each role. Public.
#[utoipa::path(
    tag = "oauth",
    responses(
        (status = 200, description = "The catalogue", body = PermissionsResponse),
        (status = 429, description = "Rate limited", body = ErrorBody),
    )
)]
#[get("/permissions")]
pub async fn permissions() -> web::Json<PermissionsResponse> {
    let permissions = CATALOGUE
        .iter()
        .map(|(subject, actions)| ((*subject).to_owned(), actions.iter().map(|a| (*a).to_owned()).collect()))
        .collect();
    let roles = souk_kernel::Role::ALL
        .into_iter()
        .map(|role| (role.as_str().to_owned(), souk_auth::permission::role_permissions(role)))
        .collect();
    web::Json(PermissionsResponse { data: PermissionsData { permissions, roles } })
}
