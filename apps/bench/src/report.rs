//! One row per scenario and concurrency, the ceilings beside it, and the results files.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use serde::Serialize;

use crate::ceiling::{self, Driver};
use crate::load::{self, Outcome, Plan};
use crate::scenarios::{self, Fixtures, Kind, Scenario};
use crate::seed::{Scale, Seeded};
use crate::server::Served;

/// Throughput and latency of one run.
#[derive(Debug, Clone, Serialize)]
pub struct Figures {
    /// Successful requests per second.
    pub per_second: f64,
    /// Median latency, ms.
    pub p50_ms: f64,
    /// 99th percentile latency, ms.
    pub p99_ms: f64,
    /// Failed requests.
    pub errors: u64,
    /// Whether the scenario's pool of objects ran out before the window ended.
    pub exhausted: bool,
}

impl From<&Outcome> for Figures {
    fn from(outcome: &Outcome) -> Figures {
        Figures {
            per_second: outcome.per_second(),
            p50_ms: outcome.percentile_ms(50),
            p99_ms: outcome.percentile_ms(99),
            errors: outcome.errors,
            exhausted: outcome.exhausted,
        }
    }
}

/// One scenario at one concurrency.
#[derive(Debug, Clone, Serialize)]
pub struct Row {
    /// Scenario name.
    pub scenario: &'static str,
    /// Connections.
    pub connections: usize,
    /// Souk, measured over HTTP.
    pub souk: Figures,
    /// The server's peak resident set during the run, MiB.
    pub peak_rss_mib: Option<f64>,
    /// The scenario's SQL straight through the driver.
    pub database_ceiling: Option<Figures>,
    /// `souk / HTTP ceiling` throughput (the static JSON route at the same concurrency).
    pub of_http_ceiling: Option<f64>,
    /// `souk / database ceiling` throughput.
    pub of_database_ceiling: Option<f64>,
}

impl Row {
    /// The row as a progress line.
    pub fn line(&self) -> String {
        let db = self.database_ceiling.as_ref().map(|d| {
            format!(", db ceiling {:.0}/s p50 {:.2} ms errors {}", d.per_second, d.p50_ms, d.errors)
        });
        format!(
            "{:<16} c={:<3} {:>8.0}/s p50 {:.2} ms p99 {:.2} ms errors {}{}",
            self.scenario,
            self.connections,
            self.souk.per_second,
            self.souk.p50_ms,
            self.souk.p99_ms,
            self.souk.errors,
            db.unwrap_or_default()
        )
    }
}

/// Measures `scenario` over HTTP and, when it has one, its database ceiling.
pub async fn measure(
    scenario: &Scenario,
    connections: usize,
    plan: &Plan,
    served: &Served,
    fixtures: &Arc<Fixtures>,
    driver: &Arc<Driver>,
    seeded: &Arc<Seeded>,
) -> Row {
    let reset = served.reset_peak_rss();
    let souk = load::drive(connections, plan.duration, scenarios::caller(fixtures, scenario)).await;
    let peak_rss_mib = served.peak_rss_kib().filter(|_| reset).map(|kib| kib as f64 / 1024.0);
    let database_ceiling = match scenario.ceiling() {
        Some(query) => {
            let outcome =
                load::drive(connections, plan.duration, ceiling::caller(driver, query, seeded)).await;
            Some(Figures::from(&outcome))
        }
        None => None,
    };
    let of_database_ceiling =
        database_ceiling.as_ref().and_then(|db| ratio(souk.per_second(), db.per_second));
    Row {
        scenario: scenario.name,
        connections,
        souk: Figures::from(&souk),
        peak_rss_mib,
        database_ceiling,
        of_http_ceiling: None,
        of_database_ceiling,
    }
}

fn ratio(souk: f64, ceiling: f64) -> Option<f64> {
    (ceiling > 0.0).then(|| souk / ceiling)
}

/// A whole run.
#[derive(Debug, Serialize)]
pub struct Report {
    /// Git revision of the measured tree.
    pub git_revision: String,
    /// Logical cores of the machine.
    pub cores: usize,
    /// `sqlite` or `postgres`.
    pub database: &'static str,
    /// What was seeded.
    pub seeded: String,
    /// Seeding time, s.
    pub seed_seconds: f64,
    /// Measured window per run, s.
    pub seconds_per_run: u64,
    /// When the run ended (RFC 3339).
    pub finished_at: String,
    /// Every row.
    pub rows: Vec<Row>,
}

fn git_revision() -> String {
    std::process::Command::new("git")
        .args(["describe", "--always", "--dirty"])
        .output()
        .ok()
        .filter(|o| o.status.success())
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_owned())
        .unwrap_or_else(|| "unknown".into())
}

impl Report {
    /// Collects the rows and fills in the ratios to the HTTP ceiling.
    pub fn new(
        database: &'static str,
        scale: &Scale,
        seed: Duration,
        seconds: u64,
        mut rows: Vec<Row>,
    ) -> Report {
        let static_rows: Vec<(usize, f64)> = rows
            .iter()
            .filter(|r| scenarios::all().iter().any(|s| s.name == r.scenario && s.kind == Kind::StaticJson))
            .map(|r| (r.connections, r.souk.per_second))
            .collect();
        for row in &mut rows {
            row.of_http_ceiling = static_rows
                .iter()
                .find(|(connections, _)| *connections == row.connections)
                .and_then(|(_, ceiling)| ratio(row.souk.per_second, *ceiling));
        }
        Report {
            git_revision: git_revision(),
            cores: std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1),
            database,
            seeded: scale.to_string(),
            seed_seconds: seed.as_secs_f64(),
            seconds_per_run: seconds,
            finished_at: chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
            rows,
        }
    }

    /// The table as Markdown.
    pub fn markdown(&self) -> String {
        let mut out = format!(
            "# Souk benchmark: {} at {}\n\n{} cores, {} s per run after a warm-up, finished {}.\nSeeded {} in {:.1} s.\n\n",
            self.database,
            self.git_revision,
            self.cores,
            self.seconds_per_run,
            self.finished_at,
            self.seeded,
            self.seed_seconds
        );
        out.push_str("| scenario | conns | req/s | p50 ms | p99 ms | errors | peak RSS MiB | souk / HTTP ceiling | DB ceiling req/s | DB ceiling p50 ms | DB ceiling errors | souk / DB ceiling |\n");
        out.push_str("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n");
        let fixed = |value: Option<f64>, digits: usize| {
            value.map(|v| format!("{v:.digits$}")).unwrap_or_else(|| "-".into())
        };
        for row in &self.rows {
            let exhausted = if row.souk.exhausted { " (pool used up)" } else { "" };
            out.push_str(&format!(
                "| {}{} | {} | {:.0} | {:.2} | {:.2} | {} | {} | {} | {} | {} | {} | {} |\n",
                row.scenario,
                exhausted,
                row.connections,
                row.souk.per_second,
                row.souk.p50_ms,
                row.souk.p99_ms,
                row.souk.errors,
                fixed(row.peak_rss_mib, 1),
                fixed(row.of_http_ceiling, 3),
                fixed(row.database_ceiling.as_ref().map(|d| d.per_second), 0),
                fixed(row.database_ceiling.as_ref().map(|d| d.p50_ms), 2),
                row.database_ceiling.as_ref().map(|d| d.errors.to_string()).unwrap_or_else(|| "-".into()),
                fixed(row.of_database_ceiling, 3),
            ));
        }
        out
    }

    /// Writes `<date>T<hhmm>-<revision>-<database>.md` and `.json` into `dir`; returns the Markdown
    /// path.
    pub fn write(&self, dir: &Path) -> anyhow::Result<PathBuf> {
        std::fs::create_dir_all(dir)?;
        let minute: String = self.finished_at[..16].chars().filter(|c| *c != ':').collect();
        let stem = format!("{minute}-{}-{}", self.git_revision, self.database);
        let markdown = dir.join(format!("{stem}.md"));
        std::fs::write(&markdown, self.markdown())?;
        std::fs::write(dir.join(format!("{stem}.json")), serde_json::to_string_pretty(self)? + "\n")?;
        Ok(markdown)
    }
}
