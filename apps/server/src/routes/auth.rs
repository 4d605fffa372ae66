//! Sign-up, e-mail verification and sessions.

use actix_multipart::Multipart;
use actix_web::{HttpRequest, HttpResponse, post, web};
use futures_util::StreamExt;
use serde::{Deserialize, Serialize};
use souk_auth::profile::Registration;
use souk_kernel::FieldErrors;
use souk_marketplace::accounts::{Session, Upload};
use utoipa::ToSchema;
use uuid::Uuid;

use crate::app::AppState;
use crate::http::auth::Caller;
use crate::http::error::{ApiError, ErrorBody, ErrorCode};
use crate::http::extractors::{JsonBody, is_multipart, json_error, json_from_payload};
use crate::http::rate_limit::check_auth_limit;
use crate::routes::users::{UserDto, UserResponse};

/// Sign-up as JSON (sellers name stored files by id) or as the fields of a multipart form.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RegisterRequest {
    /// `buyer` or `seller`.
    #[schema(example = "buyer", pattern = "^(buyer|seller)$")]
    pub role: String,
    /// E-mail address; the code is sent here.
    #[schema(example = "amina@souk.example", format = "email", max_length = 254)]
    pub email: String,
    /// 3 to 50 letters, digits, `.`, `-`, `_`.
    #[schema(example = "amina", pattern = "^[A-Za-z0-9._-]{3,50}$")]
    pub username: String,
    /// 8 to 128 characters, not the e-mail or username.
    #[schema(example = "a long secret phrase", min_length = 8, max_length = 128)]
    pub password: String,
    /// Given name.
    #[schema(example = "Amina", min_length = 1, max_length = 100)]
    pub first_name: String,
    /// Family name.
    #[schema(example = "Bekele", min_length = 1, max_length = 100)]
    pub last_name: String,
    /// Phone number: 6 to 15 digits, optionally starting with `+`, spaces and dashes allowed.
    #[schema(example = "+251 911 000000", pattern = "^\\+?[0-9 -]{6,24}$")]
    pub phone: Option<String>,
    /// Sellers: shop name.
    #[schema(min_length = 1, max_length = 100)]
    pub store_name: Option<String>,
    /// Sellers (required): business address; buyers: default shipping address.
    #[schema(min_length = 1, max_length = 300)]
    pub address: Option<String>,
    /// Sellers (required in JSON): id of the stored licence file.
    pub license_file_id: Option<Uuid>,
    /// Sellers (required in JSON): id of the stored profile picture.
    pub profile_pic_file_id: Option<Uuid>,
}

impl From<RegisterRequest> for Registration {
    fn from(r: RegisterRequest) -> Self {
        Registration {
            role: r.role,
            email: r.email,
            username: r.username,
            password: r.password,
            first_name: r.first_name,
            last_name: r.last_name,
            phone: r.phone,
            store_name: r.store_name,
            address: r.address,
            license_file_id: r.license_file_id,
            profile_pic_file_id: r.profile_pic_file_id,
        }
    }
}

/// The multipart form of sign-up: the JSON fields as text parts, plus files.
#[derive(Debug, ToSchema)]
#[allow(dead_code)]
pub struct RegisterForm {
    /// `buyer` or `seller`.
    role: String,
    /// E-mail address.
    email: String,
    /// Username.
    username: String,
    /// Password.
    password: String,
    /// Given name.
    first_name: String,
    /// Family name.
    last_name: String,
    /// Phone number.
    phone: Option<String>,
    /// Sellers: shop name.
    store_name: Option<String>,
    /// Sellers: business address.
    address: Option<String>,
    /// Sellers: business licence (image or PDF, checked by content; 5 MiB images, 50 MiB PDF).
    #[schema(value_type = Option<String>, format = Binary, content_media_type = "application/octet-stream")]
    license: Option<Vec<u8>>,
    /// Sellers: profile picture (JPEG, PNG, WebP or GIF, at most 5 MiB).
    #[schema(value_type = Option<String>, format = Binary, content_media_type = "application/octet-stream")]
    profile_pic: Option<Vec<u8>>,
}

const FORM_TEXT_LIMIT: usize = 4096;
const FORM_FILE_LIMIT: usize = 50 * 1024 * 1024;

async fn read_form(mut form: Multipart) -> Result<(RegisterRequest, Vec<Upload>), ApiError> {
    let mut text = serde_json::Map::new();
    let mut uploads = Vec::new();
    while let Some(field) = form.next().await {
        let mut field = field
            .map_err(|e| ApiError::new(ErrorCode::BadRequest, format!("malformed multipart body: {e}")))?;
        let name = field.name().unwrap_or_default().to_owned();
        let file_name = field.content_disposition().and_then(|d| d.get_filename()).map(str::to_owned);
        let is_file = matches!(name.as_str(), "license" | "profile_pic");
        let limit = if is_file { FORM_FILE_LIMIT } else { FORM_TEXT_LIMIT };
        let mut bytes = Vec::new();
        while let Some(chunk) = field.next().await {
            let chunk = chunk.map_err(|e| {
                ApiError::new(ErrorCode::BadRequest, format!("malformed multipart body: {e}"))
            })?;
            if bytes.len() + chunk.len() > limit {
                return Err(ApiError::new(
                    ErrorCode::PayloadTooLarge,
                    format!("the {name} part is too large"),
                ));
            }
            bytes.extend_from_slice(&chunk);
        }
        if is_file {
            uploads.push(Upload {
                field: name.clone(),
                name: file_name.unwrap_or_else(|| name.clone()),
                bytes,
            });
        } else {
            let value = String::from_utf8(bytes)
                .map_err(|_| ApiError::validation(FieldErrors::single(&name, "must be UTF-8 text")))?;
            text.insert(name, serde_json::Value::String(value));
        }
    }
    let request = serde_path_to_error::deserialize(serde_json::Value::Object(text)).map_err(json_error)?;
    Ok((request, uploads))
}

/// Creates an unverified buyer or seller account and e-mails a 6-digit code (valid 10 minutes).
/// JSON, or `multipart/form-data` with the files `license` and `profile_pic` (sellers). Sellers
/// also need an admin's approval before they can sign in. Public; limited per IP and e-mail like
/// the other code-sending endpoints.
#[utoipa::path(
    params(("Idempotency-Key" = Option<String>, Header, pattern = "^[!-~]{1,255}$", description = "Replays the first response for retries within 24 h")),
    tag = "auth",
    request_body(content(
        (RegisterRequest = "application/json"),
        (RegisterForm = "multipart/form-data"),
    )),
    responses(
        (status = 201, description = "Account created; a code was e-mailed", body = UserResponse),
        (status = 400, description = "Malformed body", body = ErrorBody),
        (status = 409, description = "E-mail or username taken", body = ErrorBody),
        (status = 413, description = "Body or file too large", body = ErrorBody),
        (status = 415, description = "Neither JSON nor multipart", body = ErrorBody),
        (status = 422, description = "Invalid fields or files", body = ErrorBody),
        (status = 429, description = "Rate limited", body = ErrorBody),
    )
)]
#[post("/auth/register")]
pub async fn register(
    req: HttpRequest,
    payload: web::Payload,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let is_multipart = is_multipart(&req);
    let (input, uploads) = if is_multipart {
        read_form(Multipart::new(req.headers(), payload)).await?
    } else {
        (json_from_payload::<RegisterRequest>(&req, payload).await?, Vec::new())
    };
    check_auth_limit(&req, &state, &input.email)?;
    let user = state.marketplace.register(input.into(), uploads).await?;
    Ok(HttpResponse::Created().json(UserResponse::new(user.into())))
}

/// An e-mail address.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct EmailRequest {
    /// The account's e-mail address.
    #[schema(example = "amina@souk.example")]
    pub email: String,
}

/// A human-readable outcome.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct MessageResponse {
    /// The payload.
    pub data: MessageData,
}

/// The message.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct MessageData {
    /// What happened.
    pub message: String,
}

impl MessageResponse {
    /// Wraps a message.
    pub fn new(message: impl Into<String>) -> Self {
        MessageResponse { data: MessageData { message: message.into() } }
    }
}

/// Sends a new verification code; the previous one stops working. Public; limited per IP and
/// account.
#[utoipa::path(
    params(("Idempotency-Key" = Option<String>, Header, pattern = "^[!-~]{1,255}$", description = "Replays the first response for retries within 24 h")),
    tag = "auth",
    request_body = EmailRequest,
    responses(
        (status = 200, description = "A code was sent, or the address is already verified", body = MessageResponse),
        (status = 400, description = "Malformed JSON", body = ErrorBody),
        (status = 404, description = "No account with this e-mail", body = ErrorBody),
        (status = 415, description = "Body is not JSON", body = ErrorBody),
        (status = 422, description = "Invalid fields", body = ErrorBody),
        (status = 409, description = "A request with this Idempotency-Key is still in flight", body = ErrorBody),
        (status = 429, description = "Rate limited", body = ErrorBody),
    )
)]
#[post("/auth/otp/resend")]
pub async fn resend_otp(
    req: HttpRequest,
    state: web::Data<AppState>,
    JsonBody(input): JsonBody<EmailRequest>,
) -> Result<web::Json<MessageResponse>, ApiError> {
    check_auth_limit(&req, &state, &input.email)?;
    let message = if state.marketplace.resend_otp(&input.email).await? {
        "a new code was sent; it is valid for 10 minutes"
    } else {
        "this e-mail address is already verified"
    };
    Ok(web::Json(MessageResponse::new(message)))
}

/// An e-mail address and its code.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct VerifyRequest {
    /// The account's e-mail address.
    #[schema(example = "amina@souk.example")]
    pub email: String,
    /// The 6-digit code from the e-mail.
    #[schema(example = "123456", pattern = "^[0-9]{6}$")]
    pub otp: String,
}

/// Tokens and the signed-in user.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct SessionData {
    /// JWT access token (`Authorization: Bearer ...`); absent for a seller awaiting approval.
    pub token: Option<String>,
    /// Opaque refresh token for `POST /auth/refresh`; absent with `token`.
    pub refresh_token: Option<String>,
    /// Always `Bearer`.
    pub token_type: String,
    /// Access-token lifetime in seconds.
    pub expires_in: i64,
    /// The user.
    pub user: UserDto,
}

/// `{"data": {"token", "refresh_token", "token_type", "expires_in", "user"}}`
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct SessionResponse {
    /// The payload.
    pub data: SessionData,
}

fn session_response(user: souk_auth::User, session: Option<Session>) -> SessionResponse {
    let expires_in = session.as_ref().map_or(0, |s| s.expires_in);
    let (token, refresh_token) =
        session.map_or((None, None), |s| (Some(s.access_token), Some(s.refresh_token)));
    SessionResponse {
        data: SessionData {
            token,
            refresh_token,
            token_type: "Bearer".into(),
            expires_in,
            user: user.into(),
        },
    }
}

/// Verifies the e-mail address with its code (valid 10 minutes; after 5 wrong tries `429` until
/// a new code is requested) and signs the user in. Public; limited per IP and account.
#[utoipa::path(
    params(("Idempotency-Key" = Option<String>, Header, pattern = "^[!-~]{1,255}$", description = "Accepted but not stored: this response carries credentials, which Souk never persists; a retry runs again")),
    tag = "auth",
    request_body = VerifyRequest,
    responses(
        (status = 200, description = "Verified; tokens unless a seller awaits approval", body = SessionResponse),
        (status = 400, description = "Malformed JSON", body = ErrorBody),
        (status = 404, description = "No account with this e-mail", body = ErrorBody),
        (status = 409, description = "Already verified", body = ErrorBody),
        (status = 415, description = "Body is not JSON", body = ErrorBody),
        (status = 422, description = "Wrong, expired or missing code", body = ErrorBody),
        (status = 429, description = "Too many wrong codes, or rate limited", body = ErrorBody),
    )
)]
#[post("/auth/verify-email")]
pub async fn verify_email(
    req: HttpRequest,
    state: web::Data<AppState>,
    JsonBody(input): JsonBody<VerifyRequest>,
) -> Result<web::Json<SessionResponse>, ApiError> {
    check_auth_limit(&req, &state, &input.email)?;
    let verified = state.marketplace.verify_email(&input.email, &input.otp).await?;
    Ok(web::Json(session_response(verified.user, verified.session)))
}

/// Credentials.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LoginRequest {
    /// Username or e-mail address.
    #[schema(example = "amina")]
    pub username: String,
    /// Password.
    #[schema(example = "a long secret phrase")]
    pub password: String,
}

/// Signs in by username or e-mail. Unknown users and wrong passwords get the same `401`.
/// Public; limited per IP and account.
#[utoipa::path(
    params(("Idempotency-Key" = Option<String>, Header, pattern = "^[!-~]{1,255}$", description = "Accepted but not stored: this response carries credentials, which Souk never persists; a retry runs again")),
    tag = "auth",
    request_body = LoginRequest,
    responses(
        (status = 200, description = "Signed in", body = SessionResponse),
        (status = 400, description = "Malformed JSON", body = ErrorBody),
        (status = 401, description = "Unknown user or wrong password", body = ErrorBody),
        (status = 403, description = "`EMAIL_NOT_VERIFIED`, `SELLER_NOT_APPROVED`, or suspended", body = ErrorBody),
        (status = 415, description = "Body is not JSON", body = ErrorBody),
        (status = 422, description = "Invalid fields", body = ErrorBody),
        (status = 429, description = "Rate limited", body = ErrorBody),
    )
)]
#[post("/auth/login")]
pub async fn login(
    req: HttpRequest,
    state: web::Data<AppState>,
    JsonBody(input): JsonBody<LoginRequest>,
) -> Result<web::Json<SessionResponse>, ApiError> {
    check_auth_limit(&req, &state, &input.username)?;
    let (user, session) = state.marketplace.login(&input.username, &input.password).await.map_err(|e| {
        let mut error = ApiError::from(e);
        if error.code == ErrorCode::Unauthenticated {
            error.message = "invalid username or password".into();
        }
        error
    })?;
    Ok(web::Json(session_response(user, Some(session))))
}

/// A refresh token.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RefreshRequest {
    /// The refresh token from sign-in or the last refresh.
    pub refresh_token: String,
}

/// Exchanges a refresh token for new tokens; the old refresh token stops working. Presenting a
/// rotated token again revokes every token of its sign-in. Public.
#[utoipa::path(
    params(("Idempotency-Key" = Option<String>, Header, pattern = "^[!-~]{1,255}$", description = "Accepted but not stored: this response carries credentials, which Souk never persists; a retry runs again")),
    tag = "auth",
    request_body = RefreshRequest,
    responses(
        (status = 200, description = "New tokens", body = SessionResponse),
        (status = 400, description = "Malformed JSON", body = ErrorBody),
        (status = 401, description = "Unknown, expired, revoked or reused refresh token", body = ErrorBody),
        (status = 415, description = "Body is not JSON", body = ErrorBody),
        (status = 422, description = "Invalid fields", body = ErrorBody),
        (status = 429, description = "Rate limited", body = ErrorBody),
    )
)]
#[post("/auth/refresh")]
pub async fn refresh(
    req: HttpRequest,
    state: web::Data<AppState>,
    JsonBody(input): JsonBody<RefreshRequest>,
) -> Result<web::Json<SessionResponse>, ApiError> {
    check_auth_limit(&req, &state, "refresh")?;
    let (user, session) = state.marketplace.refresh(&input.refresh_token).await?;
    Ok(web::Json(session_response(user, Some(session))))
}

/// Signs out: revokes the given refresh token and every token descended from the same sign-in.
/// Requires: a signed-in user.
#[utoipa::path(
    params(("Idempotency-Key" = Option<String>, Header, pattern = "^[!-~]{1,255}$", description = "Replays the first response for retries within 24 h")),
    tag = "auth",
    request_body = RefreshRequest,
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Signed out", body = MessageResponse),
        (status = 400, description = "Malformed JSON", body = ErrorBody),
        (status = 401, description = "Missing or invalid credentials", body = ErrorBody),
        (status = 404, description = "Not a refresh token of the caller", body = ErrorBody),
        (status = 415, description = "Body is not JSON", body = ErrorBody),
        (status = 422, description = "Invalid fields", body = ErrorBody),
        (status = 409, description = "A request with this Idempotency-Key is still in flight", body = ErrorBody),
        (status = 429, description = "Rate limited", body = ErrorBody),
    )
)]
#[post("/auth/logout")]
pub async fn logout(
    state: web::Data<AppState>,
    Caller(actor): Caller,
    JsonBody(input): JsonBody<RefreshRequest>,
) -> Result<web::Json<MessageResponse>, ApiError> {
    state.marketplace.logout(&actor, &input.refresh_token).await?;
    Ok(web::Json(MessageResponse::new("signed out")))
}
