//! HTTP routes: each handler extracts input, calls one use case, and wraps the result.

pub mod ops;
pub mod sandbox;
pub mod users;

use utoipa_actix_web::service_config::ServiceConfig;

/// Routes under `/api/v1`.
pub fn api(cfg: &mut ServiceConfig) {
    cfg.service(users::list_users)
        .service(users::current_user)
        .service(users::get_user)
        .service(sandbox::read_clock)
        .service(sandbox::advance_clock)
        .service(sandbox::run_jobs);
}

/// Operational routes at the root.
pub fn ops(cfg: &mut ServiceConfig) {
    cfg.service(ops::health).service(ops::ready).service(ops::metrics).service(ops::openapi_json);
}
