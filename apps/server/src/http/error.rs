//! The error envelope: every failure, from any layer, answers
//! `{"code", "message", "errors"?, "request_id"}` with the status its code implies.

use actix_web::http::StatusCode;
use actix_web::http::header::{self, HeaderValue};
use actix_web::{HttpResponse, ResponseError};
use serde::Serialize;
use souk_kernel::{DomainError, FieldErrors};
use utoipa::ToSchema;

tokio::task_local! {
    /// The id of the request being served, for error bodies and logs.
    pub static REQUEST_ID: String;
}

/// The current request's id, when called while serving a request.
pub fn current_request_id() -> Option<String> {
    REQUEST_ID.try_with(Clone::clone).ok()
}

/// Machine-readable error codes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum ErrorCode {
    /// 400: malformed JSON or query string.
    BadRequest,
    /// 401: missing, invalid or expired credentials.
    Unauthenticated,
    /// 403: the caller may see the resource but not do this.
    Forbidden,
    /// 403: the e-mail address is not verified yet.
    EmailNotVerified,
    /// 403: the seller account awaits approval.
    SellerNotApproved,
    /// 404: no such resource, or the caller may not see it.
    NotFound,
    /// 405: the path exists but not with this method.
    MethodNotAllowed,
    /// 409: duplicate, stale, or a request with the same idempotency key in flight.
    Conflict,
    /// 409: the state machine refused the event.
    InvalidTransition,
    /// 413: body larger than the limit.
    PayloadTooLarge,
    /// 415: body of an unsupported content type.
    UnsupportedMediaType,
    /// 422: input broke a rule; `errors` names the fields.
    ValidationFailed,
    /// 422: an idempotency key was reused with a different request.
    IdempotencyKeyReused,
    /// 429: over the rate limit; see `Retry-After`.
    RateLimited,
    /// 500: unexpected failure; quote the request id.
    Internal,
    /// 503: a dependency (the database) is unavailable.
    Unavailable,
}

impl ErrorCode {
    /// The HTTP status of the code.
    pub fn status(self) -> StatusCode {
        match self {
            ErrorCode::BadRequest => StatusCode::BAD_REQUEST,
            ErrorCode::Unauthenticated => StatusCode::UNAUTHORIZED,
            ErrorCode::Forbidden | ErrorCode::EmailNotVerified | ErrorCode::SellerNotApproved => {
                StatusCode::FORBIDDEN
            }
            ErrorCode::NotFound => StatusCode::NOT_FOUND,
            ErrorCode::MethodNotAllowed => StatusCode::METHOD_NOT_ALLOWED,
            ErrorCode::Conflict | ErrorCode::InvalidTransition => StatusCode::CONFLICT,
            ErrorCode::PayloadTooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            ErrorCode::UnsupportedMediaType => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            ErrorCode::ValidationFailed | ErrorCode::IdempotencyKeyReused => StatusCode::UNPROCESSABLE_ENTITY,
            ErrorCode::RateLimited => StatusCode::TOO_MANY_REQUESTS,
            ErrorCode::Internal => StatusCode::INTERNAL_SERVER_ERROR,
            ErrorCode::Unavailable => StatusCode::SERVICE_UNAVAILABLE,
        }
    }

    /// The code that best describes a bare status (for errors raised outside Souk's handlers).
    pub fn for_status(status: StatusCode) -> ErrorCode {
        match status.as_u16() {
            401 => ErrorCode::Unauthenticated,
            403 => ErrorCode::Forbidden,
            404 => ErrorCode::NotFound,
            405 => ErrorCode::MethodNotAllowed,
            409 => ErrorCode::Conflict,
            413 => ErrorCode::PayloadTooLarge,
            415 => ErrorCode::UnsupportedMediaType,
            422 => ErrorCode::ValidationFailed,
            429 => ErrorCode::RateLimited,
            503 => ErrorCode::Unavailable,
            400..=499 => ErrorCode::BadRequest,
            _ => ErrorCode::Internal,
        }
    }
}

/// The body of every error response.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ErrorBody {
    /// Machine-readable code.
    pub code: ErrorCode,
    /// Human-readable explanation.
    #[schema(example = "validation failed")]
    pub message: String,
    /// Messages per input field, only when fields are at fault.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<std::collections::BTreeMap<String, Vec<String>>>)]
    pub errors: Option<FieldErrors>,
    /// The request's `X-Request-Id`, to quote when reporting a problem.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub request_id: Option<String>,
}

/// An error on its way to becoming an envelope.
#[derive(Debug, Clone)]
pub struct ApiError {
    /// The code (and so the status).
    pub code: ErrorCode,
    /// The message shown to the client.
    pub message: String,
    /// Field errors, if any.
    pub errors: Option<FieldErrors>,
    /// Extra response headers (`Retry-After`, `Allow`, ...).
    pub headers: Vec<(header::HeaderName, HeaderValue)>,
    /// The request id, when known at creation (otherwise read from the serving task).
    pub request_id: Option<String>,
}

impl ApiError {
    /// An error with a code and message.
    pub fn new(code: ErrorCode, message: impl Into<String>) -> ApiError {
        ApiError { code, message: message.into(), errors: None, headers: Vec::new(), request_id: None }
    }

    /// A `422` naming the fields at fault.
    pub fn validation(errors: FieldErrors) -> ApiError {
        ApiError { errors: Some(errors), ..ApiError::new(ErrorCode::ValidationFailed, "validation failed") }
    }

    /// Adds a response header.
    pub fn with_header(mut self, name: header::HeaderName, value: HeaderValue) -> ApiError {
        self.headers.push((name, value));
        self
    }

    /// The envelope body.
    pub fn body(&self) -> ErrorBody {
        ErrorBody {
            code: self.code,
            message: self.message.clone(),
            errors: self.errors.clone(),
            request_id: self.request_id.clone().or_else(current_request_id),
        }
    }
}

impl std::fmt::Display for ApiError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:?}: {}", self.code, self.message)
    }
}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        self.code.status()
    }

    fn error_response(&self) -> HttpResponse {
        let mut response = HttpResponse::build(self.status_code());
        for (name, value) in &self.headers {
            response.insert_header((name.clone(), value.clone()));
        }
        if self.code == ErrorCode::Unauthenticated {
            response.insert_header((
                header::WWW_AUTHENTICATE,
                HeaderValue::from_static("Bearer, Basic realm=\"souk\""),
            ));
        }
        response.json(self.body())
    }
}

impl From<DomainError> for ApiError {
    fn from(error: DomainError) -> ApiError {
        match error {
            DomainError::Unauthenticated => {
                ApiError::new(ErrorCode::Unauthenticated, "authentication required")
            }
            DomainError::NotFound { resource } => {
                ApiError::new(ErrorCode::NotFound, format!("{resource} not found"))
            }
            DomainError::Forbidden(message) => ApiError::new(ErrorCode::Forbidden, message),
            DomainError::Conflict(message) => ApiError::new(ErrorCode::Conflict, message),
            DomainError::ConflictIn { message, errors } => {
                ApiError { errors: Some(errors), ..ApiError::new(ErrorCode::Conflict, message) }
            }
            DomainError::Refused { code, message } => {
                let code = match code {
                    "EMAIL_NOT_VERIFIED" => ErrorCode::EmailNotVerified,
                    "SELLER_NOT_APPROVED" => ErrorCode::SellerNotApproved,
                    "UNAUTHENTICATED" => ErrorCode::Unauthenticated,
                    _ => ErrorCode::Forbidden,
                };
                ApiError::new(code, message)
            }
            DomainError::TooManyAttempts(message) => ApiError::new(ErrorCode::RateLimited, message),
            DomainError::TooLarge(message) => ApiError::new(ErrorCode::PayloadTooLarge, message),
            DomainError::Unavailable(message) => ApiError::new(ErrorCode::Unavailable, message),
            DomainError::InvalidTransition { from, event, allowed } => {
                let mut errors = FieldErrors::new();
                for event in allowed {
                    errors.add("allowed_transitions", event);
                }
                ApiError {
                    errors: Some(errors),
                    ..ApiError::new(ErrorCode::InvalidTransition, format!("cannot {event} from {from}"))
                }
            }
            DomainError::Validation(errors) => ApiError::validation(errors),
            DomainError::Unexpected(cause) => {
                tracing::error!(error = %cause, "unexpected error");
                ApiError::new(ErrorCode::Internal, "internal error; quote the request id when reporting it")
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_code_has_its_status() {
        for code in
            [ErrorCode::BadRequest, ErrorCode::ValidationFailed, ErrorCode::RateLimited, ErrorCode::Internal]
        {
            assert_eq!(ErrorCode::for_status(code.status()), code);
        }
        assert_eq!(ErrorCode::IdempotencyKeyReused.status(), StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(ErrorCode::for_status(StatusCode::IM_A_TEAPOT), ErrorCode::BadRequest);
    }

    #[test]
    fn unexpected_errors_do_not_leak() {
        let api: ApiError = DomainError::unexpected("connection refused to 10.0.0.5").into();
        assert_eq!(api.code, ErrorCode::Internal);
        assert!(!api.message.contains("10.0.0.5"));
    }

    #[test]
    fn envelope_omits_absent_parts() {
        let body = serde_json::to_value(ApiError::new(ErrorCode::NotFound, "user not found").body()).unwrap();
        assert_eq!(body, serde_json::json!({"code": "NOT_FOUND", "message": "user not found"}));
    }
}
