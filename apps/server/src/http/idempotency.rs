//! Middleware for `Idempotency-Key` on `POST` (API.md section 1).

use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::StatusCode;
use actix_web::http::header::{self, HeaderName, HeaderValue};
use actix_web::middleware::Next;
use actix_web::{HttpMessage, HttpResponse, ResponseError, web};
use sha2::{Digest, Sha256};
use souk_marketplace::idempotency::KeyDecision;
use souk_storage::idempotency::KeyRequest;

use crate::app::AppState;
use crate::http::auth::Credentials;
use crate::http::error::{ApiError, ErrorCode};
use crate::http::extractors::read_body;
use crate::http::rate_limit::peer_ip;

/// The request header naming the key.
pub const IDEMPOTENCY_KEY: HeaderName = HeaderName::from_static("idempotency-key");
/// The response header marking a replay.
pub const IDEMPOTENT_REPLAYED: HeaderName = HeaderName::from_static("idempotent-replayed");
/// Routes whose responses carry credentials (tokens, client secrets). Souk never persists
/// credentials, so on these routes the key is accepted but nothing is stored or replayed.
pub const CREDENTIAL_ROUTES: [&str; 5] = [
    "/api/v1/auth/login",
    "/api/v1/auth/verify-email",
    "/api/v1/auth/refresh",
    "/api/v1/oauth/token",
    "/api/v1/oauth/clients",
];

/// Largest body an idempotent request may carry (uploads included).
const BODY_LIMIT: usize = 64 * 1024 * 1024;

/// The fingerprint of a request: a key reused with a different fingerprint is refused.
pub fn request_hash(method: &str, path: &str, body: &[u8]) -> String {
    let mut hasher = Sha256::new();
    hasher.update(method.as_bytes());
    hasher.update(b"\n");
    hasher.update(path.as_bytes());
    hasher.update(b"\n");
    hasher.update(body);
    hex::encode(hasher.finalize())
}

fn replay(status: u16, content_type: Option<String>, body: Vec<u8>) -> HttpResponse {
    let mut response = HttpResponse::build(StatusCode::from_u16(status).unwrap_or(StatusCode::OK));
    if let Some(content_type) = content_type {
        response.insert_header((header::CONTENT_TYPE, content_type));
    }
    response.insert_header((IDEMPOTENT_REPLAYED, HeaderValue::from_static("true")));
    response.body(body)
}

fn boxed(req: ServiceRequest, response: HttpResponse) -> ServiceResponse<BoxBody> {
    req.into_response(response.map_into_boxed_body())
}

/// Middleware: claims the key, replays a stored response, or refuses a reused or in-flight key.
pub async fn idempotency(
    mut req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    let key = req.headers().get(&IDEMPOTENCY_KEY).map(|v| v.to_str().unwrap_or("\u{0}").to_owned());
    let state = req.app_data::<web::Data<AppState>>().cloned();
    let (Some(key), Some(state)) = (key, state) else {
        return Ok(next.call(req).await?.map_into_boxed_body());
    };
    if req.method() != actix_web::http::Method::POST || CREDENTIAL_ROUTES.contains(&req.path()) {
        return Ok(next.call(req).await?.map_into_boxed_body());
    }
    let caller = req
        .extensions()
        .get::<Credentials>()
        .and_then(|c| c.actor.caller_key())
        .unwrap_or_else(|| format!("ip:{}", peer_ip(&req)));
    let mut payload = req.take_payload();
    let body = match read_body(&mut payload, BODY_LIMIT).await {
        Ok(body) => body.freeze(),
        Err(error) => return Ok(boxed(req, error.error_response())),
    };
    let path = req.uri().path_and_query().map_or_else(|| req.path().to_owned(), |pq| pq.as_str().to_owned());
    let method = req.method().to_string();
    let hash = request_hash(&method, &path, &body);
    let claim = KeyRequest { caller: &caller, key: &key, request_hash: &hash, method: &method, path: &path };
    let decision = match state.marketplace.claim_idempotency_key(claim).await {
        Ok(decision) => decision,
        Err(error) => return Ok(boxed(req, ApiError::from(error).error_response())),
    };
    match decision {
        KeyDecision::Proceed => {}
        KeyDecision::Replay { status, content_type, body } => {
            return Ok(boxed(req, replay(status, content_type, body)));
        }
        KeyDecision::InFlight => {
            let error = ApiError::new(
                ErrorCode::Conflict,
                "a request with this Idempotency-Key is still in progress",
            );
            return Ok(boxed(req, error.error_response()));
        }
        KeyDecision::Mismatch => {
            let error = ApiError::new(
                ErrorCode::IdempotencyKeyReused,
                "this Idempotency-Key was used for a different request; use a new key",
            );
            return Ok(boxed(req, error.error_response()));
        }
    }
    req.set_payload(actix_web::dev::Payload::from(body));
    let response = match next.call(req).await {
        Ok(response) => response.map_into_boxed_body(),
        Err(error) => {
            if let Err(e) = state.marketplace.release_idempotency_key(&caller, &key).await {
                tracing::error!(error = %e, "could not release an idempotency key");
            }
            return Err(error);
        }
    };
    let status = response.status();
    if status.is_server_error() {
        if let Err(e) = state.marketplace.release_idempotency_key(&caller, &key).await {
            tracing::error!(error = %e, "could not release an idempotency key");
        }
        return Ok(response);
    }
    let (request, response) = response.into_parts();
    let (head, body) = response.into_parts();
    let bytes = match actix_web::body::to_bytes(body).await {
        Ok(bytes) => bytes,
        Err(_) => {
            let _ = state.marketplace.release_idempotency_key(&caller, &key).await;
            let error =
                ApiError::new(ErrorCode::Internal, "internal error; quote the request id when reporting it");
            return Ok(ServiceResponse::new(request, error.error_response()));
        }
    };
    let content_type =
        head.headers().get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).map(str::to_owned);
    if let Err(e) = state
        .marketplace
        .store_idempotent_response(&caller, &key, status.as_u16(), content_type, bytes.to_vec())
        .await
    {
        tracing::error!(error = %e, "could not store an idempotent response");
    }
    Ok(ServiceResponse::new(request, head.set_body(bytes).map_into_boxed_body()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hashes_cover_method_path_and_body() {
        let base = request_hash("POST", "/api/v1/x", b"{}");
        assert_eq!(base.len(), 64);
        assert_eq!(base, request_hash("POST", "/api/v1/x", b"{}"));
        assert_ne!(base, request_hash("POST", "/api/v1/y", b"{}"));
        assert_ne!(base, request_hash("POST", "/api/v1/x", b"{ }"));
    }
}
