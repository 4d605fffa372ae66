//! Assembling and running the HTTP server.

use std::net::{SocketAddr, TcpListener};
use std::sync::Arc;
use std::time::Duration;

use actix_web::dev::ServerHandle;
use actix_web::middleware::from_fn;
use actix_web::{App, HttpResponse, HttpServer, web};
use souk_auth::{NewUser, TokenKeys};
use souk_marketplace::adapters::files::{FileStore, LocalFileStore, ObjectFileStore};
use souk_marketplace::adapters::mail::{FileMailer, Mailer, SmtpMailer};
use souk_marketplace::adapters::payments::Providers;
use souk_marketplace::users::AdminOutcome;
use souk_marketplace::{Marketplace, Services, Settings};
use souk_storage::Database;
use utoipa_actix_web::{AppExt, scope};
use utoipa_swagger_ui::SwaggerUi;

use crate::config::{Config, FilesLocation};
use crate::http::context::{head_as_get, request_context};
use crate::http::extractors::{form_error, path_error};
use crate::http::fallback::{RouteTable, not_found_or_method_not_allowed};
use crate::http::idempotency::idempotency;
use crate::http::metrics::Metrics;
use crate::http::rate_limit::{RateLimiter, enforce};
use crate::{http, openapi, routes};

/// Connections in the pool: readers never wait for the single SQLite writer.
const POOL_SIZE: u32 = 16;
/// How often the job loop runs due jobs.
const JOB_INTERVAL: Duration = Duration::from_secs(15);
/// How long in-flight requests may take to finish on shutdown.
const SHUTDOWN_GRACE: u64 = 30;

/// Everything handlers share.
#[derive(Debug)]
pub struct AppState {
    /// The use cases.
    pub marketplace: Marketplace,
    /// Request metrics.
    pub metrics: Metrics,
    /// Per-caller limits.
    pub rate_limiter: RateLimiter,
    /// Documented routes, for `405` answers.
    pub routes: RouteTable,
    /// The serialized OpenAPI document.
    pub openapi_json: String,
}

/// Picks ring as the process-wide TLS provider: the S3 client brings aws-lc-rs into the tree
/// beside ring, and rustls refuses to guess between two.
pub fn install_crypto_provider() {
    let _ = rustls::crypto::ring::default_provider().install_default();
}

/// Migrates the database and opens the marketplace with the configured mail and file services.
pub async fn open_marketplace(config: &Config) -> anyhow::Result<Marketplace> {
    install_crypto_provider();
    if config.database_url.starts_with("sqlite:") {
        std::fs::create_dir_all(&config.data_dir)?;
    }
    let applied = Database::migrate(&config.database_url).await?;
    if !applied.is_empty() {
        tracing::info!(migrations = ?applied, "applied migrations");
    }
    let mailer: Arc<dyn Mailer> = match &config.smtp_url {
        Some(url) => Arc::new(SmtpMailer::from_url(url).map_err(|e| anyhow::anyhow!("SOUK_SMTP_URL: {e}"))?),
        None => Arc::new(FileMailer::new(config.data_dir.join("mail"))),
    };
    let files: Arc<dyn FileStore> = match &config.files {
        FilesLocation::Local(folder) => Arc::new(LocalFileStore::new(folder.clone())),
        FilesLocation::S3 { bucket, prefix } => Arc::new(
            ObjectFileStore::s3_from_env(bucket, prefix)
                .map_err(|e| anyhow::anyhow!("SOUK_FILES_URL: {e}"))?,
        ),
    };
    let services = Services {
        tokens: TokenKeys::hs256(config.resolve_jwt_secret()?.as_bytes()),
        mailer,
        files,
        providers: Providers::builtin(),
    };
    let db = Database::connect(&config.database_url, POOL_SIZE).await?;
    Ok(Marketplace::open(
        db,
        Settings {
            sandbox: config.sandbox,
            auto_approve_products: config.auto_approve_products,
            platform_fee_basis_points: config.platform_fee.0,
            release_delay_hours: config.release_delay_hours,
            public_url: config.public_url.clone().unwrap_or_else(|| format!("http://{}", config.bind)),
            webhook_allowed_hosts: config.webhook_allowed_hosts.clone(),
        },
        services,
    )
    .await?)
}

/// Connects, migrates, and creates the bootstrap admin; the state every worker shares.
pub async fn prepare(config: &Config) -> anyhow::Result<web::Data<AppState>> {
    let marketplace = open_marketplace(config).await?;
    if let Some((email, password)) = &config.bootstrap_admin {
        let input = NewUser { email: email.clone(), username: None, password: password.clone() };
        match marketplace.ensure_admin(input).await? {
            AdminOutcome::Created(user) => tracing::info!(email = %user.email, "bootstrap admin created"),
            AdminOutcome::AlreadyExists(_) => tracing::debug!("bootstrap admin already exists"),
        }
    }
    let doc = openapi::document();
    Ok(web::Data::new(AppState {
        marketplace,
        metrics: Metrics::default(),
        rate_limiter: RateLimiter::new(config.rate_limits),
        routes: RouteTable::from_openapi(&doc),
        openapi_json: doc.to_json()?,
    }))
}

async fn docs_redirect() -> HttpResponse {
    HttpResponse::PermanentRedirect().insert_header(("Location", "/docs/")).finish()
}

/// A running server.
#[derive(Debug)]
pub struct RunningServer {
    /// The bound address.
    pub addr: SocketAddr,
    /// Stops the server (gracefully with `stop(true)`).
    pub handle: ServerHandle,
    /// Completes when the server has stopped.
    pub done: tokio::task::JoinHandle<std::io::Result<()>>,
    /// The shared state (for embedding and tests).
    pub state: web::Data<AppState>,
}

/// Binds and starts serving; `handle_signals` makes SIGINT/SIGTERM stop it gracefully.
pub async fn start(config: &Config, handle_signals: bool) -> anyhow::Result<RunningServer> {
    let listener = TcpListener::bind(config.bind)
        .map_err(|e| anyhow::anyhow!("cannot listen on {}: {e}", config.bind))?;
    let addr = listener.local_addr()?;
    let mut config = config.clone();
    config.public_url.get_or_insert_with(|| format!("http://{addr}"));
    let config = &config;
    let state = prepare(config).await?;
    let app_state = state.clone();
    let mut server = HttpServer::new(move || {
        let (app, _) = App::new()
            .into_utoipa_app()
            .app_data(app_state.clone())
            .app_data(web::PathConfig::default().error_handler(path_error))
            .app_data(web::FormConfig::default().limit(4096).error_handler(form_error))
            .service(scope::scope("/api/v1").configure(routes::api))
            .configure(routes::ops)
            .split_for_parts();
        app.service(SwaggerUi::new("/docs/{_:.*}").config(utoipa_swagger_ui::Config::new(["/openapi.json"])))
            .route("/docs", web::get().to(docs_redirect))
            .default_service(web::to(not_found_or_method_not_allowed))
            .wrap(from_fn(idempotency))
            .wrap(from_fn(enforce))
            .wrap(from_fn(http::auth::authenticate))
            .wrap(from_fn(head_as_get))
            .wrap(from_fn(request_context))
    })
    .shutdown_timeout(SHUTDOWN_GRACE)
    .listen(listener)?;
    if !handle_signals {
        server = server.disable_signals();
    }
    let server = server.run();
    let handle = server.handle();
    let jobs = tokio::spawn(job_loop(state.clone()));
    let done = tokio::spawn(async move {
        let result = server.await;
        jobs.abort();
        result
    });
    tracing::info!(
        address = %addr,
        database = state.marketplace.db.backend.name(),
        sandbox = config.sandbox,
        docs = %format!("http://{addr}/docs/"),
        "souk is serving"
    );
    Ok(RunningServer { addr, handle, done, state })
}

/// Runs due jobs on a fixed interval and trims the rate limiter's memory.
async fn job_loop(state: web::Data<AppState>) {
    let mut ticker = tokio::time::interval_at(tokio::time::Instant::now() + JOB_INTERVAL, JOB_INTERVAL);
    ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        ticker.tick().await;
        match state.marketplace.run_due_jobs().await {
            Ok(runs) => {
                for run in runs.iter().filter(|run| run.processed > 0) {
                    tracing::info!(job = run.name, processed = run.processed, "job ran");
                }
            }
            Err(error) => tracing::error!(%error, "job loop failed"),
        }
        state.rate_limiter.forget_idle_callers();
    }
}
