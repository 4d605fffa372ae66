//! The `souk` binary as a process: the committed OpenAPI document, migrations, admin creation,
//! demo seeding, JSON logs with request ids, and graceful shutdown on SIGTERM.

mod support;

use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use std::time::{Duration, Instant};
use support::{SECRET, souk, start_server};

fn committed_openapi() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../openapi/openapi.json")
}

#[test]
fn the_committed_openapi_document_matches_the_code() {
    let dir = tempfile::tempdir().unwrap();
    let output = souk(dir.path()).arg("openapi").output().unwrap();
    assert!(output.status.success());
    let generated = String::from_utf8(output.stdout).unwrap();
    let committed = std::fs::read_to_string(committed_openapi()).unwrap_or_default();
    assert!(
        generated == committed,
        "openapi/openapi.json is out of date: run `cargo run -p souk-server -- openapi > openapi/openapi.json`"
    );
    let doc: serde_json::Value = serde_json::from_str(&generated).unwrap();
    assert_eq!(doc["openapi"], "3.1.0");
}

#[test]
fn migrate_applies_once_and_reports_status() {
    let dir = tempfile::tempdir().unwrap();
    let first = souk(dir.path()).arg("migrate").output().unwrap();
    assert!(first.status.success(), "{}", String::from_utf8_lossy(&first.stderr));
    let second = souk(dir.path()).arg("migrate").output().unwrap();
    assert_eq!(String::from_utf8_lossy(&second.stdout).trim(), "applied 0 migration(s)");
    let status = souk(dir.path()).args(["migrate", "--status"]).output().unwrap();
    let listing = String::from_utf8_lossy(&status.stdout);
    let migrations = listing.lines().count();
    assert!(migrations > 0, "{listing}");
    assert_eq!(
        String::from_utf8_lossy(&first.stdout).trim(),
        format!("applied {migrations} migration(s)"),
        "a fresh database applies every migration"
    );
    assert!(listing.lines().all(|line| line.starts_with("applied m2026")), "{listing}");
    assert!(dir.path().join("souk.db").exists(), "the default database lives in the data directory");
}

fn admin_create(dir: &Path, email: &str, password: &str) -> std::process::Output {
    let mut child = souk(dir)
        .args(["admin", "create", "--email", email, "--password-stdin"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(format!("{password}\n").as_bytes()).unwrap();
    child.wait_with_output().unwrap()
}

#[test]
fn admin_create_reads_the_password_from_stdin() {
    let dir = tempfile::tempdir().unwrap();
    let created = admin_create(dir.path(), "ops@souk.example", "a long admin password");
    assert!(created.status.success(), "{}", String::from_utf8_lossy(&created.stderr));
    assert!(String::from_utf8_lossy(&created.stdout).starts_with("created admin ops@souk.example"));

    let duplicate = admin_create(dir.path(), "ops@souk.example", "a long admin password");
    assert!(!duplicate.status.success());
    assert!(String::from_utf8_lossy(&duplicate.stderr).contains("already exists"));

    let weak = admin_create(dir.path(), "root@souk.example", "short");
    assert!(!weak.status.success());
    assert!(
        String::from_utf8_lossy(&weak.stderr).contains("password:"),
        "{}",
        String::from_utf8_lossy(&weak.stderr)
    );

    let no_flag = souk(dir.path()).args(["admin", "create", "--email", "x@souk.example"]).output().unwrap();
    assert!(!no_flag.status.success(), "the password never comes from the command line");
}

#[test]
fn seed_demo_creates_the_demo_marketplace_once() {
    let dir = tempfile::tempdir().unwrap();
    let seed =
        || souk(dir.path()).args(["seed", "--demo", "--password", "demo password 1"]).output().unwrap();
    let first = seed();
    assert!(first.status.success(), "{}", String::from_utf8_lossy(&first.stderr));
    let first = String::from_utf8_lossy(&first.stdout).into_owned();
    assert!(first.starts_with("Demo data created."), "{first}");
    assert!(
        first.contains("categories: 9 (9 new), products: 12 (12 new), collections: 2, published reviews: 2"),
        "{first}"
    );
    for account in ["demo-admin", "demo-seller-1@souk.example", "demo-seller-2", "demo-buyer"] {
        assert!(first.contains(account), "{account}: {first}");
    }
    assert_eq!(first.matches("password: demo password 1  [created]").count(), 4, "{first}");
    assert!(first.contains("curl -s -X POST http://127.0.0.1:0/api/v1/auth/login"), "{first}");
    let gateway_line =
        |out: &str| out.lines().find(|l| l.contains("sandbox payment gateway (USD)")).map(str::to_owned);
    assert!(gateway_line(&first).is_some(), "sandbox mode seeds a gateway to pay through: {first}");

    let second = seed();
    assert!(second.status.success(), "{}", String::from_utf8_lossy(&second.stderr));
    let second = String::from_utf8_lossy(&second.stdout).into_owned();
    assert!(second.starts_with("Demo data already exists; nothing was duplicated."), "{second}");
    assert!(
        second.contains("categories: 9 (0 new), products: 12 (0 new), collections: 2, published reviews: 2"),
        "{second}"
    );
    assert_eq!(
        second.matches("password: demo password 1  [exists]").count(),
        4,
        "the matching password is shown again: {second}"
    );
    assert_eq!(gateway_line(&second), gateway_line(&first), "the gateway is created once");

    let random = souk(dir.path()).args(["seed", "--demo"]).output().unwrap();
    let random = String::from_utf8_lossy(&random.stdout).into_owned();
    assert_eq!(random.matches("(unchanged since it was created)  [exists]").count(), 4, "{random}");
}

#[test]
fn bad_configuration_stops_with_a_message() {
    let dir = tempfile::tempdir().unwrap();
    let output = souk(dir.path()).env("SOUK_BIND", "nowhere").arg("migrate").output().unwrap();
    assert!(!output.status.success());
    assert!(String::from_utf8_lossy(&output.stderr).contains("SOUK_BIND"));
}

fn admin_token(dir: &Path) -> String {
    let created = admin_create(dir, "ops@souk.example", "a long admin password");
    assert!(created.status.success(), "{}", String::from_utf8_lossy(&created.stderr));
    let stdout = String::from_utf8_lossy(&created.stdout).into_owned();
    let id = stdout
        .trim()
        .rsplit('(')
        .next()
        .unwrap()
        .trim_end_matches(')')
        .parse::<souk_kernel::UserId>()
        .unwrap();
    let claims = souk_auth::AccessClaims::for_user(
        id,
        souk_kernel::Role::Admin,
        chrono::Utc::now(),
        chrono::Duration::minutes(5),
    );
    souk_auth::TokenKeys::hs256(SECRET.as_bytes()).sign(&claims)
}

/// Reads one keep-alive response (head and `Content-Length` body), leaving the connection open.
fn read_one_response(stream: &mut TcpStream) -> String {
    let mut received = Vec::new();
    let mut byte = [0_u8; 1];
    while !received.ends_with(b"\r\n\r\n") {
        stream.read_exact(&mut byte).unwrap();
        received.push(byte[0]);
    }
    let head = String::from_utf8_lossy(&received).into_owned();
    let length = head
        .lines()
        .find_map(|line| {
            line.to_ascii_lowercase().strip_prefix("content-length:").map(|v| v.trim().to_owned())
        })
        .map_or(0, |value| value.parse::<usize>().unwrap());
    let mut body = vec![0_u8; length];
    stream.read_exact(&mut body).unwrap();
    head + &String::from_utf8_lossy(&body)
}

#[test]
fn sigterm_lets_in_flight_requests_finish_and_logs_carry_request_ids() {
    let dir = tempfile::tempdir().unwrap();
    let token = admin_token(dir.path());
    let mut server = start_server(dir.path());
    let mut stream = TcpStream::connect(&server.address).unwrap();
    stream.set_read_timeout(Some(Duration::from_secs(30))).unwrap();
    let probe = format!("GET /health HTTP/1.1\r\nHost: {}\r\n\r\n", server.address);
    stream.write_all(probe.as_bytes()).unwrap();
    let probed = read_one_response(&mut stream);
    assert!(probed.starts_with("HTTP/1.1 200"), "a worker holds the connection before SIGTERM: {probed}");
    let body = br#"{"advance_seconds": 60}"#;
    let head = format!(
        "POST /api/v1/sandbox/clock HTTP/1.1\r\nHost: {}\r\nAuthorization: Bearer {}\r\nX-Request-Id: in-flight-1\r\n\
Content-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        server.address,
        token,
        body.len()
    );
    stream.write_all(head.as_bytes()).unwrap();
    stream.write_all(&body[..5]).unwrap();
    std::thread::sleep(Duration::from_millis(300));

    let killed = Command::new("kill").args(["-TERM", &server.child.id().to_string()]).status().unwrap();
    assert!(killed.success());
    std::thread::sleep(Duration::from_millis(500));
    stream.write_all(&body[5..]).unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).unwrap();
    assert!(response.starts_with("HTTP/1.1 200"), "the in-flight request finished: {response}");
    assert!(response.contains("\"offset_seconds\":60"), "{response}");

    let deadline = Instant::now() + Duration::from_secs(40);
    let status = loop {
        if let Some(status) = server.child.try_wait().unwrap() {
            break status;
        }
        assert!(Instant::now() < deadline, "the server stops after SIGTERM");
        std::thread::sleep(Duration::from_millis(100));
    };
    assert!(status.success(), "{status:?}");
    let lines: Vec<String> = server.logs.try_iter().collect();
    let request_lines: Vec<&String> =
        lines.iter().filter(|line| line.contains("\"request_id\":\"in-flight-1\"")).collect();
    assert!(!request_lines.is_empty(), "the request's log lines carry its id: {lines:#?}");
    assert!(request_lines.iter().any(|line| line.contains("request completed")), "{request_lines:#?}");
}
