//! Configuration: an optional `souk.toml` in the working directory, overridden by the
//! environment (API.md section 10).

use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::http::rate_limit::RateLimits;

/// The platform fee, in basis points (1/100 of a percent).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct FeeBasisPoints(pub i64);

/// Log output style.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogFormat {
    /// Human-readable lines.
    Pretty,
    /// One JSON object per line.
    Json,
}

/// Where uploaded files are kept, from `SOUK_FILES_URL`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FilesLocation {
    /// A local folder (the default, `<data dir>/files`).
    Local(PathBuf),
    /// An S3-compatible bucket, `s3://bucket/prefix`; credentials, region and endpoint come from
    /// the standard `AWS_*` variables.
    S3 {
        /// The bucket name.
        bucket: String,
        /// The key prefix inside the bucket (may be empty).
        prefix: String,
    },
}

impl FilesLocation {
    /// Parses `SOUK_FILES_URL`: `s3://bucket[/prefix]` or a folder path; other schemes are refused.
    pub fn parse(url: &str) -> anyhow::Result<FilesLocation> {
        if let Some(rest) = url.strip_prefix("s3://") {
            let (bucket, prefix) = rest.split_once('/').unwrap_or((rest, ""));
            let valid_bucket = (3..=63).contains(&bucket.len())
                && bucket
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'.');
            if !valid_bucket {
                anyhow::bail!("SOUK_FILES_URL must name a bucket like s3://souk-files/uploads, got {url:?}");
            }
            return Ok(FilesLocation::S3 {
                bucket: bucket.to_owned(),
                prefix: prefix.trim_matches('/').to_owned(),
            });
        }
        if url.contains("://") {
            anyhow::bail!("SOUK_FILES_URL must be a folder or s3://bucket/prefix, got {url:?}");
        }
        Ok(FilesLocation::Local(PathBuf::from(url)))
    }
}

/// The server's settings, resolved and validated.
#[derive(Debug, Clone)]
pub struct Config {
    /// `SOUK_BIND`: listen address.
    pub bind: SocketAddr,
    /// `DATABASE_URL`: `sqlite://...` or `postgres://...`.
    pub database_url: String,
    /// `SOUK_DATA_DIR`: SQLite file, uploads, mail outbox, generated secrets.
    pub data_dir: PathBuf,
    /// `SOUK_JWT_SECRET`: access-token signing secret.
    pub jwt_secret: String,
    /// `SOUK_ADMIN_EMAIL` and `SOUK_ADMIN_PASSWORD`: bootstrap admin.
    pub bootstrap_admin: Option<(String, String)>,
    /// `SOUK_SANDBOX`: sandbox gateway, test clock and job-runner endpoints.
    pub sandbox: bool,
    /// `SOUK_SMTP_URL`: SMTP server; `None` writes `.eml` files.
    pub smtp_url: Option<String>,
    /// `SOUK_FILES_URL`: local folder or `s3://bucket/prefix`.
    pub files_url: String,
    /// Where files are kept, parsed from `files_url`.
    pub files: FilesLocation,
    /// `SOUK_PLATFORM_FEE_PERCENT`: fee taken on escrow release.
    pub platform_fee: FeeBasisPoints,
    /// `SOUK_AUTO_APPROVE_PRODUCTS`: sellers' new products start `approved` instead of `waiting`.
    pub auto_approve_products: bool,
    /// `SOUK_RELEASE_DELAY_HOURS`: how long after delivery an order without a trial is released.
    pub release_delay_hours: i64,
    /// `SOUK_PUBLIC_URL`: the base URL buyers and providers reach Souk at (no trailing slash);
    /// `http://<bound address>` when unset.
    pub public_url: Option<String>,
    /// `SOUK_WEBHOOK_ALLOWED_HOSTS`: comma-separated hosts webhooks may reach although private.
    pub webhook_allowed_hosts: Vec<String>,
    /// `SOUK_LOG`: tracing filter.
    pub log: String,
    /// `SOUK_LOG_FORMAT`: `pretty` or `json`.
    pub log_format: LogFormat,
    /// `SOUK_RATE_LIMITS`: per-class limits, or off.
    pub rate_limits: RateLimits,
}

/// The raw settings, as written in `souk.toml` (keys are the variable names in lower case,
/// without the `SOUK_` prefix) or the environment.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawConfig {
    bind: Option<String>,
    database_url: Option<String>,
    data_dir: Option<String>,
    jwt_secret: Option<String>,
    admin_email: Option<String>,
    admin_password: Option<String>,
    sandbox: Option<toml::Value>,
    smtp_url: Option<String>,
    files_url: Option<String>,
    platform_fee_percent: Option<toml::Value>,
    auto_approve_products: Option<toml::Value>,
    release_delay_hours: Option<toml::Value>,
    public_url: Option<String>,
    webhook_allowed_hosts: Option<String>,
    log: Option<String>,
    log_format: Option<String>,
    rate_limits: Option<String>,
}

/// Environment variables and the `souk.toml` key each overrides.
const ENV_KEYS: [(&str, &str); 17] = [
    ("SOUK_BIND", "bind"),
    ("DATABASE_URL", "database_url"),
    ("SOUK_DATA_DIR", "data_dir"),
    ("SOUK_JWT_SECRET", "jwt_secret"),
    ("SOUK_ADMIN_EMAIL", "admin_email"),
    ("SOUK_ADMIN_PASSWORD", "admin_password"),
    ("SOUK_SANDBOX", "sandbox"),
    ("SOUK_SMTP_URL", "smtp_url"),
    ("SOUK_FILES_URL", "files_url"),
    ("SOUK_PLATFORM_FEE_PERCENT", "platform_fee_percent"),
    ("SOUK_AUTO_APPROVE_PRODUCTS", "auto_approve_products"),
    ("SOUK_RELEASE_DELAY_HOURS", "release_delay_hours"),
    ("SOUK_PUBLIC_URL", "public_url"),
    ("SOUK_WEBHOOK_ALLOWED_HOSTS", "webhook_allowed_hosts"),
    ("SOUK_LOG", "log"),
    ("SOUK_LOG_FORMAT", "log_format"),
    ("SOUK_RATE_LIMITS", "rate_limits"),
];

/// Hours after delivery before an order without a trial is released, unless configured.
pub const DEFAULT_RELEASE_DELAY_HOURS: i64 = 72;

/// Shortest accepted signing secret, in bytes.
pub const MIN_JWT_SECRET_LEN: usize = 32;

impl Config {
    /// Reads `souk.toml` from the working directory (if present) and the process environment.
    pub fn load() -> anyhow::Result<Config> {
        let file = Path::new("souk.toml");
        let toml = if file.exists() { Some(std::fs::read_to_string(file)?) } else { None };
        Config::from_sources(toml.as_deref(), |name| std::env::var(name).ok())
    }

    /// Resolves settings from a TOML document and an environment lookup (environment wins).
    pub fn from_sources(toml: Option<&str>, env: impl Fn(&str) -> Option<String>) -> anyhow::Result<Config> {
        let mut table = match toml {
            Some(text) => text.parse::<toml::Table>().map_err(|e| anyhow::anyhow!("souk.toml: {e}"))?,
            None => toml::Table::new(),
        };
        for (variable, key) in ENV_KEYS {
            if let Some(value) = env(variable).filter(|v| !v.is_empty()) {
                table.insert(key.to_owned(), toml::Value::String(value));
            }
        }
        let raw: RawConfig = table.try_into().map_err(|e| anyhow::anyhow!("configuration: {e}"))?;
        raw.resolve()
    }
}

fn parse_bool(name: &str, value: &toml::Value) -> anyhow::Result<bool> {
    match value {
        toml::Value::Boolean(b) => Ok(*b),
        toml::Value::String(s) => match s.to_ascii_lowercase().as_str() {
            "1" | "true" | "yes" | "on" => Ok(true),
            "0" | "false" | "no" | "off" => Ok(false),
            _ => anyhow::bail!("{name} must be true or false, got {s:?}"),
        },
        other => anyhow::bail!("{name} must be true or false, got {other}"),
    }
}

/// Parses a percentage with at most two decimals (`"2.5"` is 250 basis points) in 0..=100.
fn parse_fee(value: &toml::Value) -> anyhow::Result<FeeBasisPoints> {
    let text = match value {
        toml::Value::String(s) => s.trim().to_owned(),
        toml::Value::Integer(i) => i.to_string(),
        toml::Value::Float(f) => f.to_string(),
        other => anyhow::bail!("SOUK_PLATFORM_FEE_PERCENT must be a number, got {other}"),
    };
    let (whole, fraction) = text.split_once('.').unwrap_or((&text, ""));
    let fraction = fraction.trim_end_matches('0');
    let valid_digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
    if whole.is_empty() || !valid_digits(whole) || !valid_digits(fraction) || fraction.len() > 2 {
        anyhow::bail!(
            "SOUK_PLATFORM_FEE_PERCENT must be a percentage with at most two decimals, got {text:?}"
        );
    }
    let basis_points = whole.parse::<i64>().ok().and_then(|w| w.checked_mul(100)).unwrap_or(i64::MAX)
        + format!("{fraction:0<2}").parse::<i64>().unwrap_or(0);
    if basis_points > 10_000 {
        anyhow::bail!("SOUK_PLATFORM_FEE_PERCENT must be between 0 and 100, got {text}");
    }
    Ok(FeeBasisPoints(basis_points))
}

impl RawConfig {
    fn resolve(self) -> anyhow::Result<Config> {
        let bind = self.bind.as_deref().unwrap_or("127.0.0.1:8080");
        let bind: SocketAddr = bind
            .parse()
            .map_err(|_| anyhow::anyhow!("SOUK_BIND must be an address like 127.0.0.1:8080, got {bind:?}"))?;
        let data_dir = PathBuf::from(self.data_dir.unwrap_or_else(|| "./data".to_owned()));
        let database_given = self.database_url.is_some();
        let database_url = self
            .database_url
            .unwrap_or_else(|| format!("sqlite://{}?mode=rwc", data_dir.join("souk.db").display()));
        if souk_storage::Backend::from_url(&database_url).is_none() {
            anyhow::bail!("DATABASE_URL must start with sqlite:// or postgres://");
        }
        let sandbox = match &self.sandbox {
            Some(value) => parse_bool("SOUK_SANDBOX", value)?,
            None => !database_given,
        };
        let jwt_secret = match self.jwt_secret {
            Some(secret) if secret.len() < MIN_JWT_SECRET_LEN => {
                anyhow::bail!("SOUK_JWT_SECRET must be at least {MIN_JWT_SECRET_LEN} bytes")
            }
            Some(secret) => secret,
            None if sandbox => String::new(),
            None => anyhow::bail!("SOUK_JWT_SECRET is required when sandbox mode is off"),
        };
        let bootstrap_admin = match (self.admin_email, self.admin_password) {
            (Some(email), Some(password)) => Some((email, password)),
            (None, None) => None,
            _ => anyhow::bail!("SOUK_ADMIN_EMAIL and SOUK_ADMIN_PASSWORD must be set together"),
        };
        let log_format = match self.log_format.as_deref().unwrap_or("pretty") {
            "pretty" => LogFormat::Pretty,
            "json" => LogFormat::Json,
            other => anyhow::bail!("SOUK_LOG_FORMAT must be pretty or json, got {other:?}"),
        };
        let rate_limits = match self.rate_limits.as_deref() {
            Some(text) => text.parse::<RateLimits>().map_err(|e| anyhow::anyhow!("SOUK_RATE_LIMITS: {e}"))?,
            None => RateLimits::default(),
        };
        let files_url = self.files_url.unwrap_or_else(|| data_dir.join("files").display().to_string());
        let files = FilesLocation::parse(&files_url)?;
        let release_delay_hours = match &self.release_delay_hours {
            None => DEFAULT_RELEASE_DELAY_HOURS,
            Some(toml::Value::Integer(hours)) => *hours,
            Some(toml::Value::String(text)) => text
                .trim()
                .parse()
                .map_err(|_| anyhow::anyhow!("SOUK_RELEASE_DELAY_HOURS must be a whole number of hours"))?,
            Some(other) => {
                anyhow::bail!("SOUK_RELEASE_DELAY_HOURS must be a whole number of hours, got {other}")
            }
        };
        if !(0..=8760).contains(&release_delay_hours) {
            anyhow::bail!("SOUK_RELEASE_DELAY_HOURS must be between 0 and 8760");
        }
        let public_url = self.public_url.map(|url| url.trim_end_matches('/').to_owned());
        if public_url.as_ref().is_some_and(|url| !(url.starts_with("http://") || url.starts_with("https://")))
        {
            anyhow::bail!("SOUK_PUBLIC_URL must be an http or https URL");
        }
        let webhook_allowed_hosts = self
            .webhook_allowed_hosts
            .unwrap_or_default()
            .split(',')
            .map(|h| h.trim().to_ascii_lowercase())
            .filter(|h| !h.is_empty())
            .collect();
        Ok(Config {
            webhook_allowed_hosts,
            release_delay_hours,
            public_url,
            bind,
            database_url,
            jwt_secret,
            bootstrap_admin,
            sandbox,
            smtp_url: self.smtp_url,
            files_url,
            files,
            platform_fee: self.platform_fee_percent.as_ref().map(parse_fee).transpose()?.unwrap_or_default(),
            auto_approve_products: match &self.auto_approve_products {
                Some(value) => parse_bool("SOUK_AUTO_APPROVE_PRODUCTS", value)?,
                None => false,
            },
            log: self.log.unwrap_or_else(|| "info".to_owned()),
            log_format,
            rate_limits,
            data_dir,
        })
    }
}

impl Config {
    /// The signing secret: the configured one, or (sandbox mode only) one generated once and
    /// kept in `<data dir>/jwt_secret` so tokens survive restarts.
    pub fn resolve_jwt_secret(&self) -> anyhow::Result<String> {
        if !self.jwt_secret.is_empty() {
            return Ok(self.jwt_secret.clone());
        }
        let path = self.data_dir.join("jwt_secret");
        if let Ok(existing) = std::fs::read_to_string(&path) {
            let existing = existing.trim().to_owned();
            if existing.len() >= MIN_JWT_SECRET_LEN {
                return Ok(existing);
            }
        }
        std::fs::create_dir_all(&self.data_dir)?;
        let secret = hex::encode(rand::random::<[u8; 32]>());
        write_private(&path, &secret)?;
        tracing::info!(path = %path.display(), "generated a development JWT secret");
        Ok(secret)
    }
}

#[cfg(unix)]
fn write_private(path: &Path, contents: &str) -> std::io::Result<()> {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    let mut file =
        std::fs::OpenOptions::new().write(true).create(true).truncate(true).mode(0o600).open(path)?;
    file.write_all(contents.as_bytes())
}

#[cfg(not(unix))]
fn write_private(path: &Path, contents: &str) -> std::io::Result<()> {
    std::fs::write(path, contents)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(toml: Option<&str>, env: &[(&str, &str)]) -> anyhow::Result<Config> {
        Config::from_sources(toml, |name| env.iter().find(|(k, _)| *k == name).map(|(_, v)| v.to_string()))
    }

    #[test]
    fn defaults_are_the_embedded_sandbox() {
        let config = config(None, &[]).unwrap();
        assert_eq!(config.bind.to_string(), "127.0.0.1:8080");
        assert_eq!(config.database_url, "sqlite://./data/souk.db?mode=rwc");
        assert!(config.sandbox);
        assert_eq!(config.files_url, "./data/files");
        assert_eq!(config.files, FilesLocation::Local("./data/files".into()));
        assert_eq!(config.log, "info");
        assert_eq!(config.log_format, LogFormat::Pretty);
        assert_eq!(config.platform_fee, FeeBasisPoints(0));
        assert_eq!(config.rate_limits, RateLimits::default());
    }

    #[test]
    fn environment_overrides_the_file() {
        let toml = "bind = \"0.0.0.0:9000\"\nlog = \"debug\"\nsandbox = true\nplatform_fee_percent = 2.5";
        let config = config(Some(toml), &[("SOUK_LOG", "warn"), ("SOUK_DATA_DIR", "/tmp/souk")]).unwrap();
        assert_eq!(config.bind.to_string(), "0.0.0.0:9000");
        assert_eq!(config.log, "warn");
        assert_eq!(config.platform_fee, FeeBasisPoints(250));
        assert_eq!(config.database_url, "sqlite:///tmp/souk/souk.db?mode=rwc");
    }

    #[test]
    fn postgres_turns_sandbox_off_and_requires_a_secret() {
        let err = config(None, &[("DATABASE_URL", "postgres://localhost/souk")]).unwrap_err();
        assert!(err.to_string().contains("SOUK_JWT_SECRET is required"));
        let secret = "s".repeat(32);
        let config =
            config(None, &[("DATABASE_URL", "postgres://localhost/souk"), ("SOUK_JWT_SECRET", &secret)])
                .unwrap();
        assert!(!config.sandbox);
    }

    #[test]
    fn files_go_to_a_folder_or_a_bucket() {
        let s3 = config(None, &[("SOUK_FILES_URL", "s3://souk-files/uploads/")]).unwrap();
        assert_eq!(s3.files, FilesLocation::S3 { bucket: "souk-files".into(), prefix: "uploads".into() });
        let root = config(None, &[("SOUK_FILES_URL", "s3://souk-files")]).unwrap();
        assert_eq!(root.files, FilesLocation::S3 { bucket: "souk-files".into(), prefix: String::new() });
        for bad in ["s3://", "s3://Bad_Bucket/x", "gs://souk/files", "https://example.com/files"] {
            let err = config(None, &[("SOUK_FILES_URL", bad)]).unwrap_err().to_string();
            assert!(err.contains("SOUK_FILES_URL"), "{bad}: {err}");
        }
    }

    #[test]
    fn bad_values_are_explained() {
        let cases: [(&[(&str, &str)], &str); 7] = [
            (&[("SOUK_BIND", "nowhere")], "SOUK_BIND"),
            (&[("DATABASE_URL", "mysql://x")], "DATABASE_URL"),
            (&[("SOUK_SANDBOX", "maybe")], "SOUK_SANDBOX"),
            (&[("SOUK_JWT_SECRET", "short")], "at least 32"),
            (&[("SOUK_ADMIN_EMAIL", "a@b.co")], "set together"),
            (&[("SOUK_PLATFORM_FEE_PERCENT", "101")], "between 0 and 100"),
            (&[("SOUK_RATE_LIMITS", "user=fast")], "SOUK_RATE_LIMITS"),
        ];
        for (env, expected) in cases {
            let err = config(None, env).unwrap_err().to_string();
            assert!(err.contains(expected), "{err} should mention {expected}");
        }
        assert!(config(Some("unknown_key = 1"), &[]).is_err());
        assert!(config(None, &[("SOUK_PLATFORM_FEE_PERCENT", "2.555")]).is_err());
    }
}
