//! Sandbox operations: the test clock and the job runner (admin, sandbox mode only).

use actix_web::{get, post, web};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use souk_marketplace::JobRun;
use souk_marketplace::clock::ClockState;
use utoipa::ToSchema;

use crate::app::AppState;
use crate::http::auth::Caller;
use crate::http::error::{ApiError, ErrorBody};
use crate::http::extractors::JsonBody;

/// Platform time.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ClockDto {
    /// The platform's current time (wall clock plus offset).
    pub now: DateTime<Utc>,
    /// How far platform time is ahead of the wall clock, in seconds.
    pub offset_seconds: i64,
}

impl From<ClockState> for ClockDto {
    fn from(state: ClockState) -> Self {
        ClockDto { now: state.now, offset_seconds: state.offset_seconds }
    }
}

/// What one background job did.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct JobRunDto {
    /// The job's name.
    #[schema(example = "purge_expired_idempotency_keys")]
    pub name: String,
    /// Items it handled.
    pub processed: u64,
}

impl From<JobRun> for JobRunDto {
    fn from(run: JobRun) -> Self {
        JobRunDto { name: run.name.to_owned(), processed: run.processed }
    }
}

/// `{"data": {"clock": ...}}`
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ClockResponse {
    /// The payload.
    pub data: ClockData,
}

/// The clock, and the jobs run after it moved.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ClockData {
    /// Platform time now.
    pub clock: ClockDto,
    /// Jobs run because time moved (absent on reads).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub jobs: Option<Vec<JobRunDto>>,
}

/// `{"data": {"jobs": [...]}}`
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct JobsResponse {
    /// The payload.
    pub data: JobsData,
}

/// The jobs that ran.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct JobsData {
    /// One entry per job, in run order.
    pub jobs: Vec<JobRunDto>,
}

/// Moves platform time forward.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AdvanceClock {
    /// Seconds to add to platform time, 1 to 316,224,000 (ten years).
    #[schema(minimum = 1, maximum = 316_224_000, example = 1_209_600)]
    pub advance_seconds: i64,
}

/// Current platform time. Requires: admin, sandbox mode (otherwise `404`).
#[utoipa::path(
    tag = "sandbox",
    security(("bearer" = []), ("basic" = [])),
    responses(
        (status = 200, description = "Platform time", body = ClockResponse),
        (status = 401, description = "Missing or invalid credentials", body = ErrorBody),
        (status = 403, description = "The caller is not an admin", body = ErrorBody),
        (status = 404, description = "Sandbox mode is off", body = ErrorBody),
        (status = 429, description = "Rate limited", body = ErrorBody),
    )
)]
#[get("/sandbox/clock")]
pub async fn read_clock(
    state: web::Data<AppState>,
    Caller(actor): Caller,
) -> Result<web::Json<ClockResponse>, ApiError> {
    state.marketplace.require_sandbox_admin(&actor)?;
    let now = state.marketplace.clock_state().into();
    Ok(web::Json(ClockResponse { data: ClockData { clock: now, jobs: None } }))
}

/// Moves platform time forward (like a payment provider's test clock), then runs the jobs that
/// became due. Trials, holds and expiries follow platform time; token expiry and webhook
/// signatures keep wall-clock time. Requires: admin, sandbox mode (otherwise `404`).
#[utoipa::path(
    tag = "sandbox",
    request_body = AdvanceClock,
    params(("Idempotency-Key" = Option<String>, Header, pattern = "^[!-~]{1,255}$", description = "Replays the first response for retries")),
    security(("bearer" = []), ("basic" = [])),
    responses(
        (status = 200, description = "Time moved; the jobs that ran", body = ClockResponse),
        (status = 400, description = "Malformed JSON", body = ErrorBody),
        (status = 401, description = "Missing or invalid credentials", body = ErrorBody),
        (status = 403, description = "The caller is not an admin", body = ErrorBody),
        (status = 404, description = "Sandbox mode is off", body = ErrorBody),
        (status = 409, description = "A request with this Idempotency-Key is in flight", body = ErrorBody),
        (status = 413, description = "Body larger than 1 MiB", body = ErrorBody),
        (status = 415, description = "Body is not JSON", body = ErrorBody),
        (status = 422, description = "Invalid `advance_seconds`, or Idempotency-Key reused with another body", body = ErrorBody),
        (status = 429, description = "Rate limited", body = ErrorBody),
    )
)]
#[post("/sandbox/clock")]
pub async fn advance_clock(
    state: web::Data<AppState>,
    Caller(actor): Caller,
    JsonBody(input): JsonBody<AdvanceClock>,
) -> Result<web::Json<ClockResponse>, ApiError> {
    let (now, jobs) = state.marketplace.advance_clock(&actor, input.advance_seconds).await?;
    let jobs = jobs.into_iter().map(JobRunDto::from).collect();
    Ok(web::Json(ClockResponse { data: ClockData { clock: now.into(), jobs: Some(jobs) } }))
}

/// Runs every background job now (trial expiry, escrow release, return expiry, unpaid-order
/// expiry and webhook delivery, as those domains arrive). Requires: admin, sandbox mode.
#[utoipa::path(
    tag = "sandbox",
    params(("Idempotency-Key" = Option<String>, Header, pattern = "^[!-~]{1,255}$", description = "Replays the first response for retries")),
    security(("bearer" = []), ("basic" = [])),
    responses(
        (status = 200, description = "The jobs that ran", body = JobsResponse),
        (status = 401, description = "Missing or invalid credentials", body = ErrorBody),
        (status = 403, description = "The caller is not an admin", body = ErrorBody),
        (status = 404, description = "Sandbox mode is off", body = ErrorBody),
        (status = 409, description = "A request with this Idempotency-Key is in flight", body = ErrorBody),
        (status = 422, description = "Idempotency-Key reused with another request", body = ErrorBody),
        (status = 429, description = "Rate limited", body = ErrorBody),
    )
)]
#[post("/sandbox/jobs/run")]
pub async fn run_jobs(
    state: web::Data<AppState>,
    Caller(actor): Caller,
) -> Result<web::Json<JobsResponse>, ApiError> {
    let jobs = state.marketplace.run_jobs_now(&actor).await?;
    Ok(web::Json(JobsResponse { data: JobsData { jobs: jobs.into_iter().map(JobRunDto::from).collect() } }))
}
