//! Two `souk serve` processes on one PostgreSQL database: 40 concurrent checkouts spread over
//! both at a product with 10 in stock sell exactly 10, and job runs racing on both processes send
//! each webhook delivery exactly once (deliveries are claimed under `FOR UPDATE SKIP LOCKED`).
//! Runs when `SOUK_TEST_POSTGRES_URL` is set.

mod support;

use std::sync::{Arc, Mutex};

use serde_json::{Value, json};
use support::{Server, souk, start_server_with};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

const PASSWORD: &str = "demo password 1";

async fn login(client: &reqwest::Client, base: &str, username: &str) -> String {
    support::login(client, base, username, PASSWORD).await
}

/// Two servers on a fresh, demo-seeded PostgreSQL database; runs `test` with their base URLs
/// and drops the database afterwards, whatever happened.
fn on_two_servers(sandbox: bool, test: impl AsyncFnOnce([String; 2])) {
    let server_url = std::env::var("SOUK_TEST_POSTGRES_URL").expect("SOUK_TEST_POSTGRES_URL is set");
    let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
    let name = format!("souk_test_{}", uuid::Uuid::now_v7().simple());
    let mut url = reqwest::Url::parse(&server_url).unwrap();
    url.set_path(&format!("/{name}"));
    let database_url = url.to_string();
    runtime.block_on(async {
        let admin = sea_orm::Database::connect(&server_url).await.unwrap();
        sea_orm::ConnectionTrait::execute_unprepared(&admin, &format!("CREATE DATABASE \"{name}\""))
            .await
            .unwrap();
    });
    let dir = tempfile::tempdir().unwrap();
    let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        let command = || {
            let mut command = souk(dir.path());
            command
                .env("DATABASE_URL", &database_url)
                .env("SOUK_RATE_LIMITS", "off")
                .env("SOUK_SANDBOX", sandbox.to_string());
            command
        };
        let seeded = command().args(["seed", "--demo", "--password", PASSWORD]).output().unwrap();
        assert!(seeded.status.success(), "{}", String::from_utf8_lossy(&seeded.stderr));
        let servers: [Server; 2] = [start_server_with(command()), start_server_with(command())];
        let bases = [format!("http://{}", servers[0].address), format!("http://{}", servers[1].address)];
        runtime.block_on(test(bases));
        drop(servers);
    }));
    runtime.block_on(async {
        let admin = sea_orm::Database::connect(&server_url).await.unwrap();
        let drop = format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)");
        let _ = sea_orm::ConnectionTrait::execute_unprepared(&admin, &drop).await;
    });
    if let Err(panic) = outcome {
        std::panic::resume_unwind(panic);
    }
}

async fn first_seller(client: &reqwest::Client, base: &str, admin: &str) -> Value {
    let sellers: Value = client
        .get(format!("{base}/api/v1/sellers"))
        .bearer_auth(admin)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    sellers["data"]["sellers"][0]["id"].clone()
}

async fn create_product(client: &reqwest::Client, base: &str, admin: &str, body: Value) -> String {
    let created: Value = client
        .post(format!("{base}/api/v1/products"))
        .bearer_auth(admin)
        .json(&body)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    created["data"]["product"]["id"].as_str().unwrap_or_else(|| panic!("{created}")).to_owned()
}

#[test]
#[cfg_attr(not(souk_postgres), ignore = "SOUK_TEST_POSTGRES_URL is not set")]
fn two_processes_on_one_postgres_database_never_oversell() {
    on_two_servers(false, async |bases| {
        let client = reqwest::Client::new();
        let admin = login(&client, &bases[0], "demo-admin").await;
        let buyer = login(&client, &bases[1], "demo-buyer").await;
        let seller_id = first_seller(&client, &bases[0], &admin).await;
        let body = json!({"title": "Hot item", "price": "5", "quantity": 10, "status": "published", "seller_id": seller_id});
        let product = create_product(&client, &bases[0], &admin, body).await;
        let mut tasks = Vec::new();
        for i in 0..40 {
            let (client, base, buyer, product) =
                (client.clone(), bases[i % 2].clone(), buyer.clone(), product.clone());
            tasks.push(tokio::spawn(async move {
                let body = json!({"lines": [{"product_id": product, "quantity": 1}], "fulfillment": "delivery",
                    "shipping_address": {"name": "A", "phone": "1", "line1": "x", "city": "y", "country": "ET"}});
                client.post(format!("{base}/api/v1/checkout")).bearer_auth(&buyer).json(&body).send().await.unwrap().status().as_u16()
            }));
        }
        let mut statuses = Vec::new();
        for task in tasks {
            statuses.push(task.await.unwrap());
        }
        let read: Value = client
            .get(format!("{}/api/v1/products/{product}", bases[1]))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(statuses.iter().filter(|s| **s == 201).count(), 10, "{statuses:?}");
        assert_eq!(statuses.iter().filter(|s| **s == 409).count(), 30, "{statuses:?}");
        assert_eq!(read["data"]["product"]["available"], 0);
    });
}

/// A loopback receiver that answers 200 and records each request's body.
async fn receiver() -> (String, Arc<Mutex<Vec<Vec<u8>>>>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/hook", listener.local_addr().unwrap());
    let bodies = Arc::new(Mutex::new(Vec::new()));
    let shared = bodies.clone();
    tokio::spawn(async move {
        while let Ok((mut socket, _)) = listener.accept().await {
            let shared = shared.clone();
            tokio::spawn(async move {
                let mut buffer = Vec::new();
                let mut chunk = [0u8; 4096];
                loop {
                    let n = socket.read(&mut chunk).await.unwrap_or(0);
                    if n == 0 {
                        return;
                    }
                    buffer.extend_from_slice(&chunk[..n]);
                    let Some(end) = buffer.windows(4).position(|w| w == b"\r\n\r\n") else { continue };
                    let head = String::from_utf8_lossy(&buffer[..end]).to_lowercase();
                    let length: usize = head
                        .lines()
                        .find_map(|l| {
                            l.strip_prefix("content-length:").map(|v| v.trim().parse().unwrap_or(0))
                        })
                        .unwrap_or(0);
                    if buffer.len() >= end + 4 + length {
                        shared.lock().unwrap().push(buffer[end + 4..end + 4 + length].to_vec());
                        let _ = socket
                            .write_all(b"HTTP/1.1 200 OK\r\ncontent-length: 0\r\nconnection: close\r\n\r\n")
                            .await;
                        return;
                    }
                }
            });
        }
    });
    (url, bodies)
}

#[test]
#[cfg_attr(not(souk_postgres), ignore = "SOUK_TEST_POSTGRES_URL is not set")]
fn two_processes_on_one_postgres_database_send_each_webhook_delivery_once() {
    on_two_servers(true, async |bases| {
        let client = reqwest::Client::new();
        let admin = login(&client, &bases[0], "demo-admin").await;
        let (url, bodies) = receiver().await;
        let subscribed = client
            .post(format!("{}/api/v1/webhooks", bases[0]))
            .bearer_auth(&admin)
            .json(&json!({"url": url, "events": ["product.created"]}))
            .send()
            .await
            .unwrap();
        assert_eq!(subscribed.status(), 201);
        let seller_id = first_seller(&client, &bases[0], &admin).await;
        for i in 0..30 {
            let body = json!({"title": format!("Item {i}"), "price": "5", "quantity": 1, "status": "published", "seller_id": seller_id});
            create_product(&client, &bases[i % 2], &admin, body).await;
        }
        let mut runs = Vec::new();
        for i in 0..6 {
            let (client, base, admin) = (client.clone(), bases[i % 2].clone(), admin.clone());
            runs.push(tokio::spawn(async move {
                client
                    .post(format!("{base}/api/v1/sandbox/jobs/run"))
                    .bearer_auth(&admin)
                    .json(&json!({}))
                    .send()
                    .await
                    .unwrap()
                    .status()
            }));
        }
        for run in runs {
            assert_eq!(run.await.unwrap(), 200);
        }
        let mut ids: Vec<String> = bodies
            .lock()
            .unwrap()
            .iter()
            .map(|body| serde_json::from_slice::<Value>(body).unwrap()["id"].as_str().unwrap().to_owned())
            .collect();
        assert_eq!(ids.len(), 30, "30 product.created deliveries");
        ids.sort();
        ids.dedup();
        assert_eq!(ids.len(), 30, "none sent twice");
    });
}
