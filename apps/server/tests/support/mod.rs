//! Running the `souk` binary as a process in tests: a command with a clean environment, and a
//! served process whose JSON logs are read for its address.
#![allow(dead_code, reason = "each test binary uses its own part of the support module")]

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// The signing secret of every test process.
pub const SECRET: &str = "cli-test-secret-0123456789abcdef0123456789";

/// The binary with a clean environment, its data in `data_dir`.
pub fn souk(data_dir: &Path) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_souk"));
    command
        .current_dir(data_dir)
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("SOUK_DATA_DIR", data_dir)
        .env("SOUK_JWT_SECRET", SECRET)
        .env("SOUK_BIND", "127.0.0.1:0")
        .env("SOUK_LOG", "info");
    command
}

/// A served process, killed and reaped when dropped.
pub struct Server {
    /// The process.
    pub child: Child,
    /// `host:port` it serves on.
    pub address: String,
    /// Its log lines, as they arrive.
    pub logs: std::sync::mpsc::Receiver<String>,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Starts `souk serve` in `dir` and waits until it serves.
pub fn start_server(dir: &Path) -> Server {
    start_server_with(souk(dir))
}

/// Starts `souk serve` from a prepared command and waits until it serves.
#[allow(clippy::zombie_processes, reason = "the child is owned by `Server`, whose drop kills and reaps it")]
pub fn start_server_with(mut command: Command) -> Server {
    let mut child = command
        .arg("serve")
        .env("SOUK_LOG_FORMAT", "json")
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let stderr = child.stderr.take().unwrap();
    let (sender, logs) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            if sender.send(line).is_err() {
                break;
            }
        }
    });
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let line =
            logs.recv_timeout(deadline.saturating_duration_since(Instant::now())).expect("server starts");
        let entry: serde_json::Value =
            serde_json::from_str(&line).unwrap_or_else(|_| panic!("JSON log line: {line}"));
        if entry["fields"]["message"] == "souk is serving" {
            let address = entry["fields"]["address"].as_str().unwrap().to_owned();
            return Server { child, address, logs };
        }
    }
}

/// Signs in through the API and returns the access token.
pub async fn login(client: &reqwest::Client, base: &str, username: &str, password: &str) -> String {
    let response = client
        .post(format!("{base}/api/v1/auth/login"))
        .json(&serde_json::json!({"username": username, "password": password}))
        .send()
        .await
        .unwrap();
    let body: serde_json::Value = response.json().await.unwrap();
    body["data"]["token"].as_str().unwrap_or_else(|| panic!("login of {username}: {body}")).to_owned()
}
