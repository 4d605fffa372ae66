//! Prometheus metrics: request counts and latency by route and status, and the database pool.

use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{Histogram, exponential_buckets};
use prometheus_client::registry::Registry;
use souk_storage::{Backend, Database};

/// Labels of the request metrics.
#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct RequestLabels {
    /// HTTP method.
    pub method: String,
    /// The route pattern (`/api/v1/users/{id}`), or `unmatched`, so ids never explode cardinality.
    pub route: String,
    /// Response status code.
    pub status: u16,
}

/// Labels of the pool gauge.
#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
struct PoolLabels {
    state: &'static str,
}

fn latency_histogram() -> Histogram {
    Histogram::new(exponential_buckets(0.0005, 2.0, 16))
}

/// The process's metrics registry.
#[derive(Debug)]
pub struct Metrics {
    registry: Registry,
    requests: Family<RequestLabels, Counter>,
    latency: Family<RequestLabels, Histogram, fn() -> Histogram>,
    pool: Family<PoolLabels, Gauge>,
}

impl Default for Metrics {
    fn default() -> Self {
        let mut registry = Registry::with_prefix("souk");
        let requests = Family::<RequestLabels, Counter>::default();
        let latency =
            Family::<RequestLabels, Histogram, fn() -> Histogram>::new_with_constructor(latency_histogram);
        let pool = Family::<PoolLabels, Gauge>::default();
        registry.register("http_requests", "HTTP requests served", requests.clone());
        registry.register("http_request_duration_seconds", "HTTP request latency", latency.clone());
        registry.register("db_pool_connections", "Database pool connections by state", pool.clone());
        Metrics { registry, requests, latency, pool }
    }
}

impl Metrics {
    /// Records one finished request.
    pub fn observe(&self, labels: RequestLabels, seconds: f64) {
        self.requests.get_or_create(&labels).inc();
        self.latency.get_or_create(&labels).observe(seconds);
    }

    /// The text exposition, with the pool gauges read now.
    pub fn render(&self, db: &Database) -> String {
        let (size, idle) = match db.backend {
            Backend::Sqlite => {
                let pool = db.conn.get_sqlite_connection_pool();
                (pool.size(), pool.num_idle())
            }
            Backend::Postgres => {
                let pool = db.conn.get_postgres_connection_pool();
                (pool.size(), pool.num_idle())
            }
        };
        self.pool.get_or_create(&PoolLabels { state: "idle" }).set(i64::try_from(idle).unwrap_or(i64::MAX));
        self.pool.get_or_create(&PoolLabels { state: "in_use" }).set(i64::from(size) - idle as i64);
        let mut text = String::new();
        if prometheus_client::encoding::text::encode(&mut text, &self.registry).is_err() {
            tracing::error!("metrics encoding failed");
        }
        text
    }
}
