//! The outermost middleware: request id, tracing span, access log, metrics, and the guarantee that
//! every error leaves as a JSON envelope.

use std::time::Instant;

use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{self, HeaderName, HeaderValue};
use actix_web::middleware::Next;
use actix_web::{HttpResponse, web};
use tracing::Instrument;

use crate::app::AppState;
use crate::http::error::{ApiError, ErrorCode, REQUEST_ID};
use crate::http::metrics::RequestLabels;

/// The request id header, echoed or generated.
pub const REQUEST_ID_HEADER: HeaderName = HeaderName::from_static("x-request-id");

/// A client-sent id is kept when it is 1 to 128 visible ASCII characters; otherwise a new one is made.
fn request_id_of(req: &ServiceRequest) -> String {
    req.headers()
        .get(&REQUEST_ID_HEADER)
        .and_then(|v| v.to_str().ok())
        .filter(|v| !v.is_empty() && v.len() <= 128 && v.bytes().all(|b| b.is_ascii_graphic()))
        .map_or_else(|| uuid::Uuid::now_v7().to_string(), str::to_owned)
}

fn default_message(code: ErrorCode) -> &'static str {
    match code {
        ErrorCode::NotFound => "no such resource",
        ErrorCode::MethodNotAllowed => "method not allowed on this resource",
        ErrorCode::PayloadTooLarge => "request body too large",
        ErrorCode::UnsupportedMediaType => "unsupported content type",
        ErrorCode::Internal => "internal error; quote the request id when reporting it",
        ErrorCode::Unauthenticated => "authentication required",
        _ => "bad request",
    }
}

fn is_json(response: &HttpResponse<BoxBody>) -> bool {
    response
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/json") || v.starts_with("application/problem+json"))
}

/// Rewrites a non-JSON error response (from actix itself or a library) into the envelope,
/// keeping its status and headers such as `Allow` and `Retry-After`.
fn ensure_envelope(response: ServiceResponse<BoxBody>) -> ServiceResponse<BoxBody> {
    let status = response.status();
    if status.as_u16() < 400 || is_json(response.response()) {
        return response;
    }
    let (request, original) = response.into_parts();
    let code = ErrorCode::for_status(status);
    let mut replacement = ApiError::new(code, default_message(code)).body();
    if code == ErrorCode::BadRequest
        && let Some(error) = original.error()
    {
        replacement.message = error.to_string();
    }
    let mut rebuilt = HttpResponse::build(status).json(replacement);
    for (name, value) in original.headers() {
        if name != header::CONTENT_TYPE && name != header::CONTENT_LENGTH {
            rebuilt.headers_mut().append(name.clone(), value.clone());
        }
    }
    ServiceResponse::new(request, rebuilt)
}

/// Middleware: wraps the whole request in its id and span, logs and measures it.
pub async fn request_context(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    let request_id = request_id_of(&req);
    let span =
        tracing::info_span!("request", request_id = %request_id, method = %req.method(), path = %req.path());
    let state = req.app_data::<web::Data<AppState>>().cloned();
    let started = Instant::now();
    let header_value =
        HeaderValue::from_str(&request_id).unwrap_or_else(|_| HeaderValue::from_static("invalid"));
    let request_id_for_errors = request_id.clone();
    let work = async move {
        let response = match next.call(req).await {
            Ok(response) => response.map_into_boxed_body(),
            Err(error) => return Err(escaped_error(error, &request_id_for_errors)),
        };
        let mut response = ensure_envelope(response);
        response.headers_mut().insert(REQUEST_ID_HEADER, header_value);
        let elapsed = started.elapsed();
        let status = response.status().as_u16();
        let route = response.request().match_pattern().unwrap_or_else(|| "unmatched".to_owned());
        if status >= 500 {
            tracing::error!(status, elapsed_ms = elapsed.as_secs_f64() * 1e3, route = %route, "request failed");
        } else {
            tracing::info!(status, elapsed_ms = elapsed.as_secs_f64() * 1e3, route = %route, "request completed");
        }
        if let Some(state) = state {
            let method = response.request().method().to_string();
            state.metrics.observe(RequestLabels { method, route, status }, elapsed.as_secs_f64());
        }
        Ok(response)
    };
    REQUEST_ID.scope(request_id, work.instrument(span)).await
}

/// An error that escaped every handler, turned into the envelope (the server renders it).
fn escaped_error(error: actix_web::Error, request_id: &str) -> actix_web::Error {
    let status = error.as_response_error().status_code();
    let mut api = error.as_error::<ApiError>().cloned().unwrap_or_else(|| {
        let code = ErrorCode::for_status(status);
        ApiError::new(code, default_message(code))
    });
    if status.is_server_error() {
        tracing::error!(%error, "request failed");
    }
    api.request_id = Some(request_id.to_owned());
    if let Ok(value) = HeaderValue::from_str(request_id) {
        api.headers.push((REQUEST_ID_HEADER, value));
    }
    api.into()
}

/// Middleware: `HEAD` is answered like `GET` without the body (probes and `curl -I`).
pub async fn head_as_get(
    mut req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    if req.method() != actix_web::http::Method::HEAD {
        return Ok(next.call(req).await?.map_into_boxed_body());
    }
    req.head_mut().method = actix_web::http::Method::GET;
    let response = next.call(req).await?;
    Ok(response.map_body(|_, _| BoxBody::new(())))
}
