//! The harness of Souk's black-box tests: starts the real server on a free port with a fresh
//! database (SQLite always; PostgreSQL when `SOUK_TEST_POSTGRES_URL` is set, one database per
//! server, dropped afterwards) and offers an HTTP client and a few set-up helpers.

use std::collections::HashMap;

use chrono::Utc;
use souk_auth::{AccessClaims, TokenKeys, User, UserRepository, UserStatus};
use souk_kernel::{Role, UserId};
use souk_server::{Config, RunningServer};
use souk_storage::{Database, SqlUsers};

pub use souk_server;

pub mod catalog;
pub mod payments;

/// The signing secret every test server uses.
pub const TEST_JWT_SECRET: &str = "souk-test-secret-0123456789abcdef0123456789";

/// Which database a test runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    /// A SQLite file in a temporary directory.
    Sqlite,
    /// A fresh database on the server named by `SOUK_TEST_POSTGRES_URL`.
    Postgres,
}

/// The PostgreSQL server for tests, if configured.
pub fn postgres_url() -> Option<String> {
    std::env::var("SOUK_TEST_POSTGRES_URL").ok().filter(|url| !url.is_empty())
}

/// Declares `sqlite` and `postgres` test modules that run each named `async fn(Backend)`.
#[macro_export]
macro_rules! on_both_backends {
    ($($name:ident),* $(,)?) => {
        mod sqlite {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    super::$name($crate::Backend::Sqlite).await
                }
            )*
        }
        mod postgres {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                #[cfg_attr(not(souk_postgres), ignore = "SOUK_TEST_POSTGRES_URL is not set")]
                async fn $name() {
                    super::$name($crate::Backend::Postgres).await
                }
            )*
        }
    };
}

/// A PostgreSQL database created for one test and dropped afterwards.
#[derive(Debug)]
struct TempPostgres {
    server_url: String,
    name: String,
}

impl TempPostgres {
    async fn create(server_url: &str) -> (TempPostgres, String) {
        let name = format!("souk_test_{}", uuid::Uuid::now_v7().simple());
        let admin = sea_orm::Database::connect(server_url).await.expect("connect to SOUK_TEST_POSTGRES_URL");
        sea_orm::ConnectionTrait::execute_unprepared(&admin, &format!("CREATE DATABASE \"{name}\""))
            .await
            .expect("create the test database");
        admin.close().await.ok();
        let mut url = reqwest::Url::parse(server_url).expect("SOUK_TEST_POSTGRES_URL is a URL");
        url.set_path(&format!("/{name}"));
        (TempPostgres { server_url: server_url.to_owned(), name }, url.to_string())
    }

    fn drop_blocking(&self) {
        let server_url = self.server_url.clone();
        let name = self.name.clone();
        let dropper = std::thread::spawn(move || {
            let runtime =
                tokio::runtime::Builder::new_current_thread().enable_all().build().expect("runtime");
            runtime.block_on(async {
                if let Ok(admin) = sea_orm::Database::connect(&server_url).await {
                    let sql = format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)");
                    let _ = sea_orm::ConnectionTrait::execute_unprepared(&admin, &sql).await;
                    admin.close().await.ok();
                }
            });
        });
        let _ = dropper.join();
    }
}

/// A fresh, empty database and the URL to reach it.
#[derive(Debug)]
pub struct TestDatabase {
    /// `DATABASE_URL` for the server.
    pub url: String,
    /// The data directory (SQLite file, secrets, mail).
    pub dir: tempfile::TempDir,
    postgres: Option<TempPostgres>,
}

impl TestDatabase {
    /// Creates a fresh database on the backend.
    pub async fn create(backend: Backend) -> TestDatabase {
        let dir = tempfile::tempdir().expect("temporary directory");
        match backend {
            Backend::Sqlite => {
                let url = format!("sqlite://{}?mode=rwc", dir.path().join("souk.db").display());
                TestDatabase { url, dir, postgres: None }
            }
            Backend::Postgres => {
                let server = postgres_url().expect("SOUK_TEST_POSTGRES_URL must be set for PostgreSQL tests");
                let (postgres, url) = TempPostgres::create(&server).await;
                TestDatabase { url, dir, postgres: Some(postgres) }
            }
        }
    }
}

impl Drop for TestDatabase {
    fn drop(&mut self) {
        if let Some(postgres) = &self.postgres {
            postgres.drop_blocking();
        }
    }
}

/// Settings a test may change.
#[derive(Debug, Clone)]
pub struct Options {
    /// `SOUK_RATE_LIMITS` (generous by default so tests do not trip over each other).
    pub rate_limits: String,
    /// `SOUK_SANDBOX`.
    pub sandbox: bool,
    /// Further variables.
    pub env: HashMap<String, String>,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            rate_limits: "anonymous=100000/m,user=100000/m,client=100000/m,auth=100000/m".into(),
            sandbox: true,
            env: HashMap::new(),
        }
    }
}

/// A running Souk server with its own database.
#[derive(Debug)]
pub struct TestServer {
    /// `http://127.0.0.1:<port>`.
    pub base: String,
    /// A client without default headers.
    pub client: reqwest::Client,
    /// The running server.
    pub running: RunningServer,
    /// Keys that sign tokens the server accepts.
    pub tokens: TokenKeys,
    /// The database (dropped after the server).
    pub database: TestDatabase,
}

impl TestServer {
    /// A server with default test settings.
    pub async fn start(backend: Backend) -> TestServer {
        TestServer::start_with(backend, Options::default()).await
    }

    /// A server with the given settings.
    pub async fn start_with(backend: Backend, options: Options) -> TestServer {
        let database = TestDatabase::create(backend).await;
        let mut env: HashMap<String, String> = HashMap::from([
            ("SOUK_BIND".into(), "127.0.0.1:0".into()),
            ("DATABASE_URL".into(), database.url.clone()),
            ("SOUK_DATA_DIR".into(), database.dir.path().display().to_string()),
            ("SOUK_JWT_SECRET".into(), TEST_JWT_SECRET.into()),
            ("SOUK_SANDBOX".into(), options.sandbox.to_string()),
            ("SOUK_RATE_LIMITS".into(), options.rate_limits.clone()),
            ("SOUK_LOG".into(), "warn".into()),
        ]);
        env.extend(options.env);
        let config = Config::from_sources(None, |name| env.get(name).cloned()).expect("test configuration");
        let running = souk_server::start(&config, false).await.expect("server starts");
        TestServer {
            base: format!("http://{}", running.addr),
            client: reqwest::Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .build()
                .expect("client"),
            running,
            tokens: TokenKeys::hs256(TEST_JWT_SECRET.as_bytes()),
            database,
        }
    }

    /// The absolute URL of a path.
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// The server's database pool (for set-up and invariant checks).
    pub fn db(&self) -> &Database {
        &self.running.state.marketplace.db
    }

    /// A valid access token for a user id and role.
    pub fn token_for(&self, id: UserId, role: Role) -> String {
        self.tokens.sign(&AccessClaims::for_user(id, role, Utc::now(), chrono::Duration::minutes(15)))
    }

    /// Stores a user directly (registration arrives with the accounts API) and returns it.
    pub async fn create_user(&self, role: Role, username: &str) -> User {
        let now = self.running.state.marketplace.clock().now();
        let user = User {
            id: UserId::new(),
            email: format!("{username}@souk.example"),
            username: username.to_owned(),
            password_hash: "$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaA".into(),
            role,
            status: UserStatus::Active,
            first_name: username.to_owned(),
            last_name: "Tester".into(),
            phone: None,
            email_verified_at: Some(now),
            created_at: now,
            updated_at: now,
        };
        SqlUsers::new(&self.db().conn).insert(&user).await.expect("insert user");
        user
    }

    /// A stored admin and a token for it.
    pub async fn admin(&self) -> (User, String) {
        let user = self
            .create_user(Role::Admin, &format!("admin{}", &uuid::Uuid::now_v7().simple().to_string()[20..]))
            .await;
        let token = self.token_for(user.id, Role::Admin);
        (user, token)
    }

    /// A stored seller with a profile in the given approval state, and a token for it.
    pub async fn seller_with(
        &self,
        username: &str,
        approval: souk_auth::profile::ApprovalStatus,
    ) -> (User, String) {
        use souk_auth::repository::ProfileRepository;
        let user = self.create_user(Role::Seller, username).await;
        let now = self.running.state.marketplace.clock().now();
        let profile = souk_auth::profile::SellerProfile {
            user_id: user.id,
            store_name: Some(format!("{username}'s shop")),
            address: "1 Market Street".into(),
            license_file_id: None,
            profile_pic_file_id: None,
            approval,
            reviewed_at: Some(now),
            created_at: now,
            updated_at: now,
        };
        souk_storage::SqlAccounts::new(&self.db().conn).insert_seller(&profile).await.expect("insert seller");
        let token = self.token_for(user.id, Role::Seller);
        (user, token)
    }

    /// A stored, approved seller and a token for it.
    pub async fn seller(&self, username: &str) -> (User, String) {
        self.seller_with(username, souk_auth::profile::ApprovalStatus::Approved).await
    }

    /// A stored buyer and a token for it.
    pub async fn buyer(&self, username: &str) -> (User, String) {
        let user = self.create_user(Role::Buyer, username).await;
        let token = self.token_for(user.id, Role::Buyer);
        (user, token)
    }

    /// Stores a small PNG owned by `owner` (metadata and bytes) and returns its file id.
    pub async fn stored_image(&self, owner: UserId) -> uuid::Uuid {
        let now = self.running.state.marketplace.clock().now();
        let id = uuid::Uuid::now_v7();
        let key = format!("tests/{id}");
        let mut record = souk_storage::files::new_record(
            Some(owner.as_uuid()),
            "pixel.png",
            "image/png",
            PNG.len() as i64,
            key.clone(),
            now,
        );
        record.id = id;
        souk_storage::files::insert_file(&self.db().conn, &record).await.expect("insert file");
        self.running.state.marketplace.files.put(&key, PNG).await.expect("store bytes");
        id
    }

    /// Sends a JSON PATCH with a bearer token.
    pub async fn patch_json(
        &self,
        path: &str,
        token: Option<&str>,
        body: &serde_json::Value,
    ) -> reqwest::Response {
        let mut request = self.client.patch(self.url(path)).json(body);
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        request.send().await.expect("request sent")
    }

    /// Sends a JSON PUT with a bearer token.
    pub async fn put_json(
        &self,
        path: &str,
        token: Option<&str>,
        body: &serde_json::Value,
    ) -> reqwest::Response {
        let mut request = self.client.put(self.url(path)).json(body);
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        request.send().await.expect("request sent")
    }

    /// Sends a DELETE with a bearer token.
    pub async fn delete(&self, path: &str, token: Option<&str>) -> reqwest::Response {
        let mut request = self.client.delete(self.url(path));
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        request.send().await.expect("request sent")
    }

    /// Sends a GET with an optional bearer token.
    pub async fn get(&self, path: &str, token: Option<&str>) -> reqwest::Response {
        let mut request = self.client.get(self.url(path));
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        request.send().await.expect("request sent")
    }

    /// Sends a JSON POST with an optional bearer token.
    pub async fn post_json(
        &self,
        path: &str,
        token: Option<&str>,
        body: &serde_json::Value,
    ) -> reqwest::Response {
        let mut request = self.client.post(self.url(path)).json(body);
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        request.send().await.expect("request sent")
    }

    /// The data directory (mail outbox, files).
    pub fn data_dir(&self) -> &std::path::Path {
        self.database.dir.path()
    }

    /// Registers a buyer by JSON, verifies its e-mail with the mailed code, and returns the
    /// session body (`data.token`, `data.refresh_token`, `data.user`).
    pub async fn buyer_session(&self, username: &str) -> serde_json::Value {
        let email = format!("{username}@souk.example");
        let registered = self
            .post_json(
                "/api/v1/auth/register",
                None,
                &serde_json::json!({
                    "role": "buyer", "email": email, "username": username, "password": "correct horse battery",
                    "first_name": "Test", "last_name": "Buyer"
                }),
            )
            .await;
        assert_eq!(registered.status(), 201, "{}", registered.text().await.unwrap_or_default());
        let code = latest_otp(self.data_dir(), &email);
        let verified = self
            .post_json("/api/v1/auth/verify-email", None, &serde_json::json!({"email": email, "otp": code}))
            .await;
        assert_eq!(verified.status(), 200);
        json(verified).await
    }

    /// Stops the server gracefully, then drops the database.
    pub async fn stop(self) {
        self.running.handle.stop(true).await;
    }
}

impl Drop for TestServer {
    fn drop(&mut self) {
        let handle = self.running.handle.clone();
        drop(handle.stop(false));
    }
}

/// The smallest bytes Souk sniffs as a PNG image.
pub const PNG: &[u8] = b"\x89PNG\r\n\x1a\n0000000000000000";

/// The verification code in the newest `.eml` sent to `email` (the file mailer's outbox).
pub fn latest_otp(data_dir: &std::path::Path, email: &str) -> String {
    let mut messages: Vec<(std::time::SystemTime, String)> = std::fs::read_dir(data_dir.join("mail"))
        .map(|entries| {
            entries
                .filter_map(Result::ok)
                .filter_map(|entry| {
                    let text = std::fs::read_to_string(entry.path()).ok()?;
                    let modified = entry.metadata().ok()?.modified().ok()?;
                    text.contains(&format!("To: {email}"))
                        .then_some((modified, entry.file_name().to_string_lossy().into_owned() + &text))
                })
                .collect()
        })
        .unwrap_or_default();
    messages.sort();
    let text = &messages.last().unwrap_or_else(|| panic!("no mail to {email}")).1;
    otp_in(text).unwrap_or_else(|| panic!("no code in {text}"))
}

/// The first six-digit code after "code is" in a message.
pub fn otp_in(text: &str) -> Option<String> {
    let rest = &text[text.find("code is ")? + 8..];
    let code: String = rest.chars().take(6).collect();
    (code.len() == 6 && code.chars().all(|c| c.is_ascii_digit())).then_some(code)
}

/// Reads a response as JSON, panicking with the body when it is not.
pub async fn json(response: reqwest::Response) -> serde_json::Value {
    let text = response.text().await.expect("body");
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("not JSON ({e}): {text}"))
}

/// Asserts the error envelope: status, code, and a request id.
pub async fn expect_error(response: reqwest::Response, status: u16, code: &str) -> serde_json::Value {
    assert_eq!(response.status().as_u16(), status, "status of {}", response.url());
    let content_type =
        response.headers().get("content-type").and_then(|v| v.to_str().ok()).unwrap_or("").to_owned();
    assert!(content_type.starts_with("application/json"), "content type {content_type}");
    let request_id = response.headers().get("x-request-id").and_then(|v| v.to_str().ok()).map(str::to_owned);
    let body = json(response).await;
    assert_eq!(body["code"], code, "{body}");
    assert!(body["message"].as_str().is_some_and(|m| !m.is_empty()), "{body}");
    assert_eq!(body["request_id"].as_str(), request_id.as_deref(), "{body}");
    body
}
