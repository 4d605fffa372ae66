//! Liveness, readiness, metrics and the OpenAPI document.

use actix_web::http::header::ContentType;
use actix_web::{HttpResponse, get, web};
use serde::Serialize;
use utoipa::ToSchema;

use crate::app::AppState;
use crate::http::error::{ApiError, ErrorBody, ErrorCode};
use crate::one_envelope;

/// Liveness of the process.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Health {
    /// Always `ok` while the process serves requests.
    #[schema(example = "ok")]
    pub status: String,
    /// The server version.
    #[schema(example = "0.1.0")]
    pub version: String,
}

/// Readiness: whether requests can be served (the database answers).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Readiness {
    /// `ready`.
    #[schema(example = "ready")]
    pub status: String,
    /// The database backend that answered (`sqlite` or `postgres`).
    #[schema(example = "sqlite")]
    pub database: String,
}

one_envelope!(
    /// `{"data": {"health": ...}}`
    HealthResponse, HealthData, health: Health
);
one_envelope!(
    /// `{"data": {"readiness": ...}}`
    ReadinessResponse, ReadinessData, readiness: Readiness
);

/// Liveness probe.
#[utoipa::path(
    tag = "operations",
    responses((status = 200, description = "The process is alive", body = HealthResponse))
)]
#[get("/health")]
pub async fn health() -> web::Json<HealthResponse> {
    web::Json(HealthResponse::new(Health { status: "ok".into(), version: env!("CARGO_PKG_VERSION").into() }))
}

/// Readiness probe: checks that the database answers.
#[utoipa::path(
    tag = "operations",
    responses(
        (status = 200, description = "Ready to serve", body = ReadinessResponse),
        (status = 503, description = "The database does not answer", body = ErrorBody),
    )
)]
#[get("/ready")]
pub async fn ready(state: web::Data<AppState>) -> Result<web::Json<ReadinessResponse>, ApiError> {
    let db = &state.marketplace.db;
    match db.ping().await {
        Ok(()) => Ok(web::Json(ReadinessResponse::new(Readiness {
            status: "ready".into(),
            database: db.backend.name().into(),
        }))),
        Err(error) => {
            tracing::warn!(%error, "readiness check failed");
            Err(ApiError::new(ErrorCode::Unavailable, "the database is unavailable"))
        }
    }
}

/// Prometheus metrics: `souk_http_requests_total` and `souk_http_request_duration_seconds` by
/// method, route and status, and `souk_db_pool_connections` by state.
#[utoipa::path(
    tag = "operations",
    responses((status = 200, description = "OpenMetrics text", content_type = "application/openmetrics-text", body = String))
)]
#[get("/metrics")]
pub async fn metrics(state: web::Data<AppState>) -> HttpResponse {
    HttpResponse::Ok()
        .content_type("application/openmetrics-text; version=1.0.0; charset=utf-8")
        .body(state.metrics.render(&state.marketplace.db))
}

/// This OpenAPI 3.1 document; Swagger UI at `/docs/` renders it.
#[utoipa::path(
    tag = "operations",
    responses((status = 200, description = "The OpenAPI document", body = Object))
)]
#[get("/openapi.json")]
pub async fn openapi_json(state: web::Data<AppState>) -> HttpResponse {
    HttpResponse::Ok().insert_header(ContentType::json()).body(state.openapi_json.clone())
}
