//! The database a run uses and the release server process it measures.

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use sea_orm::ConnectionTrait;

/// The signing secret of the measured server.
const SECRET: &str = "bench-secret-0123456789abcdef0123456789abcdef";

/// A fresh database for one run.
#[derive(Debug)]
pub struct Database {
    /// Its URL.
    pub url: String,
    /// The server URL and the database name, when it was created on PostgreSQL.
    created: Option<(String, String)>,
}

impl Database {
    /// A new SQLite file in `dir`.
    pub fn sqlite(dir: &Path) -> Database {
        Database { url: format!("sqlite://{}?mode=rwc", dir.join("bench.db").display()), created: None }
    }

    /// A new database on the PostgreSQL server at `server_url`.
    pub async fn fresh_postgres(server_url: &str) -> anyhow::Result<Database> {
        let name = format!("souk_bench_{}", uuid::Uuid::now_v7().simple());
        let admin = sea_orm::Database::connect(server_url).await.context("connecting to PostgreSQL")?;
        admin.execute_unprepared(&format!("CREATE DATABASE \"{name}\"")).await?;
        admin.close().await?;
        let mut url = reqwest::Url::parse(server_url)?;
        url.set_path(&format!("/{name}"));
        Ok(Database { url: url.to_string(), created: Some((server_url.to_owned(), name)) })
    }

    /// `sqlite` or `postgres`.
    pub fn backend(&self) -> &'static str {
        if self.created.is_some() { "postgres" } else { "sqlite" }
    }

    /// Drops the database this run created on PostgreSQL.
    pub async fn drop_if_postgres(&self) {
        if let Some((server_url, name)) = &self.created
            && let Ok(admin) = sea_orm::Database::connect(server_url).await
        {
            let _ =
                admin.execute_unprepared(&format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)")).await;
            let _ = admin.close().await;
        }
    }
}

/// The release server serving the seeded database; killed when dropped.
#[derive(Debug)]
pub struct Served {
    child: Child,
    /// `http://host:port`.
    pub base: String,
}

impl Served {
    /// Starts `binary serve` on `database_url` with rate limits off and waits until it serves.
    pub async fn start(binary: &Path, database_url: &str, data_dir: &Path) -> anyhow::Result<Served> {
        if !binary.exists() {
            bail!(
                "{} does not exist: build it with `cargo build --release -p souk-server`",
                binary.display()
            );
        }
        let mut child = Command::new(binary)
            .arg("serve")
            .current_dir(data_dir)
            .env("DATABASE_URL", database_url)
            .env("SOUK_DATA_DIR", data_dir)
            .env("SOUK_JWT_SECRET", SECRET)
            .env("SOUK_BIND", "127.0.0.1:0")
            .env("SOUK_RATE_LIMITS", "off")
            .env("SOUK_SANDBOX", "true")
            .env("SOUK_LOG", "warn,souk_server::app=info")
            .env("SOUK_LOG_FORMAT", "json")
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .with_context(|| format!("starting {}", binary.display()))?;
        let stderr = child.stderr.take().context("server stderr")?;
        let (sender, receiver) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let mut announced = false;
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                let entry: serde_json::Value = serde_json::from_str(&line).unwrap_or_default();
                if !announced && entry["fields"]["message"] == "souk is serving" {
                    announced = true;
                    let _ = sender.send(entry["fields"]["address"].as_str().unwrap_or_default().to_owned());
                } else if entry["level"] == "ERROR" || entry["level"] == "WARN" {
                    eprintln!("server: {line}");
                }
            }
        });
        let deadline = Instant::now() + Duration::from_secs(120);
        let address = loop {
            if let Ok(address) = receiver.recv_timeout(Duration::from_millis(200)) {
                break address;
            }
            if let Some(status) = child.try_wait()? {
                bail!("the server exited during start-up: {status}");
            }
            if Instant::now() > deadline {
                let _ = child.kill();
                bail!("the server did not start within two minutes");
            }
        };
        Ok(Served { child, base: format!("http://{address}") })
    }

    /// The process id (for attaching a profiler).
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Resets the kernel's peak resident set of the process, so the next reading covers one run;
    /// false where the kernel refuses (the reading would then cover the whole process life).
    pub fn reset_peak_rss(&self) -> bool {
        std::fs::write(format!("/proc/{}/clear_refs", self.pid()), "5").is_ok()
    }

    /// The peak resident set in KiB since the last reset (`VmHWM`), where the kernel reports it.
    pub fn peak_rss_kib(&self) -> Option<u64> {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.pid())).ok()?;
        status
            .lines()
            .find_map(|line| line.strip_prefix("VmHWM:"))
            .and_then(|value| value.trim().trim_end_matches("kB").trim().parse().ok())
    }

    /// Stops the server.
    pub fn stop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for Served {
    fn drop(&mut self) {
        self.stop();
    }
}
