//! Two `souk serve` processes on one PostgreSQL database: 40 concurrent checkouts spread over
//! both at a product with 10 in stock sell exactly 10. Runs when `SOUK_TEST_POSTGRES_URL` is set.

mod support;

use serde_json::{Value, json};
use support::{souk, start_server_with};

const PASSWORD: &str = "demo password 1";

async fn login(client: &reqwest::Client, base: &str, username: &str) -> String {
    support::login(client, base, username, PASSWORD).await
}

#[test]
#[cfg_attr(not(souk_postgres), ignore = "SOUK_TEST_POSTGRES_URL is not set")]
fn two_processes_on_one_postgres_database_never_oversell() {
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
    let seeded = souk(dir.path())
        .env("DATABASE_URL", &database_url)
        .args(["seed", "--demo", "--password", PASSWORD])
        .output()
        .unwrap();
    assert!(seeded.status.success(), "{}", String::from_utf8_lossy(&seeded.stderr));
    let serve = || {
        let mut command = souk(dir.path());
        command.env("DATABASE_URL", &database_url).env("SOUK_RATE_LIMITS", "off");
        start_server_with(command)
    };
    let (first, second) = (serve(), serve());
    let bases = [format!("http://{}", first.address), format!("http://{}", second.address)];
    let outcome = runtime.block_on(async {
        let client = reqwest::Client::new();
        let admin = login(&client, &bases[0], "demo-admin").await;
        let buyer = login(&client, &bases[1], "demo-buyer").await;
        let sellers: Value = client
            .get(format!("{}/api/v1/sellers", bases[0]))
            .bearer_auth(&admin)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let seller_id = sellers["data"]["sellers"][0]["id"].clone();
        let created: Value = client
            .post(format!("{}/api/v1/products", bases[0]))
            .bearer_auth(&admin)
            .json(&json!({"title": "Hot item", "price": "5", "quantity": 10, "status": "published", "seller_id": seller_id}))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let product = created["data"]["product"]["id"].as_str().unwrap_or_else(|| panic!("{created}")).to_owned();
        let mut tasks = Vec::new();
        for i in 0..40 {
            let (client, base, buyer, product) = (client.clone(), bases[i % 2].clone(), buyer.clone(), product.clone());
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
        let read: Value =
            client.get(format!("{}/api/v1/products/{product}", bases[1])).send().await.unwrap().json().await.unwrap();
        (statuses, read["data"]["product"]["available"].clone())
    });
    drop((first, second));
    runtime.block_on(async {
        let admin = sea_orm::Database::connect(&server_url).await.unwrap();
        let drop = format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)");
        let _ = sea_orm::ConnectionTrait::execute_unprepared(&admin, &drop).await;
    });
    let (statuses, available) = outcome;
    assert_eq!(statuses.iter().filter(|s| **s == 201).count(), 10, "{statuses:?}");
    assert_eq!(statuses.iter().filter(|s| **s == 409).count(), 30, "{statuses:?}");
    assert_eq!(available, 0);
}
