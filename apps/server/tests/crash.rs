//! A crash under load: buyers check out and pay through the sandbox's signed callbacks while
//! the server is killed with SIGKILL; after a restart on the same database every order that was
//! answered `201` exists, every payment that was answered `200` holds its order's money, stock
//! equals what the surviving orders reserve, the ledger balances, and the outbox holds an event
//! for every surviving order and payment. Runs on SQLite, and on PostgreSQL when
//! `SOUK_TEST_POSTGRES_URL` is set.

mod support;

use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde_json::{Value, json};
use support::{souk, start_server_with};

const PASSWORD: &str = "demo password 1";
const STOCK: i64 = 100_000;

async fn login(client: &reqwest::Client, base: &str, username: &str) -> String {
    support::login(client, base, username, PASSWORD).await
}

async fn get(client: &reqwest::Client, url: String, token: &str) -> Value {
    client.get(url).bearer_auth(token).send().await.unwrap().json().await.unwrap()
}

/// What the load saw acknowledged before the kill.
#[derive(Debug, Default)]
struct Acknowledged {
    created: Vec<String>,
    paid: Vec<String>,
}

/// One buyer's loop: check out one unit, start a payment, press Pay; record what was acknowledged.
async fn buyer_loop(
    client: reqwest::Client,
    base: String,
    token: String,
    product: String,
    seen: Arc<Mutex<Acknowledged>>,
) {
    let body = json!({"lines": [{"product_id": product, "quantity": 1}], "fulfillment": "delivery",
        "shipping_address": {"name": "A", "phone": "1", "line1": "x", "city": "y", "country": "ET"}});
    loop {
        let Ok(response) =
            client.post(format!("{base}/api/v1/checkout")).bearer_auth(&token).json(&body).send().await
        else {
            return;
        };
        if response.status() != 201 {
            continue;
        }
        let Ok(created) = response.json::<Value>().await else { return };
        let order = created["data"]["orders"][0]["id"].as_str().unwrap().to_owned();
        seen.lock().unwrap().created.push(order.clone());
        let Ok(started) = client
            .post(format!("{base}/api/v1/payments/initiate"))
            .bearer_auth(&token)
            .json(&json!({"order_id": order}))
            .send()
            .await
        else {
            return;
        };
        let Ok(started) = started.json::<Value>().await else { return };
        let Some(tx_ref) = started["data"]["tx_ref"].as_str() else { continue };
        let Ok(paid) = client
            .post(format!("{base}/api/v1/sandbox/checkout/{tx_ref}"))
            .form(&[("outcome", "pay")])
            .send()
            .await
        else {
            return;
        };
        if paid.status() == 200 {
            seen.lock().unwrap().paid.push(order);
        }
    }
}

fn crash_and_recover(database_url: Option<&str>) {
    let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let command = || {
        let mut command = souk(dir.path());
        command.env("SOUK_RATE_LIMITS", "off").env("SOUK_SANDBOX", "true");
        if let Some(url) = database_url {
            command.env("DATABASE_URL", url);
        }
        command
    };
    let seeded = command().args(["seed", "--demo", "--password", PASSWORD]).output().unwrap();
    assert!(seeded.status.success(), "{}", String::from_utf8_lossy(&seeded.stderr));
    let mut server = start_server_with(command());
    let base = format!("http://{}", server.address);
    let client = reqwest::Client::builder().timeout(Duration::from_secs(10)).build().unwrap();
    let seen = Arc::new(Mutex::new(Acknowledged::default()));
    let product = runtime.block_on(async {
        let admin = login(&client, &base, "demo-admin").await;
        let buyer = login(&client, &base, "demo-buyer").await;
        let sellers = get(&client, format!("{base}/api/v1/sellers"), &admin).await;
        let seller_id = sellers["data"]["sellers"][0]["id"].clone();
        let created: Value = client
            .post(format!("{base}/api/v1/products"))
            .bearer_auth(&admin)
            .json(&json!({"title": "Crash lamp", "price": "5", "quantity": STOCK, "status": "published", "seller_id": seller_id}))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let product = created["data"]["product"]["id"].as_str().unwrap_or_else(|| panic!("{created}")).to_owned();
        for _ in 0..6 {
            tokio::spawn(buyer_loop(client.clone(), base.clone(), buyer.clone(), product.clone(), seen.clone()));
        }
        tokio::time::sleep(Duration::from_millis(2500)).await;
        product
    });
    server.child.kill().expect("SIGKILL");
    server.child.wait().unwrap();
    drop(server);
    let acknowledged = std::mem::take(&mut *seen.lock().unwrap());
    assert!(acknowledged.paid.len() >= 3, "the load paid some orders before the kill: {acknowledged:?}");

    let server = start_server_with(command());
    let base = format!("http://{}", server.address);
    runtime.block_on(async {
        let admin = login(&client, &base, "demo-admin").await;
        let buyer = login(&client, &base, "demo-buyer").await;
        for order in &acknowledged.created {
            let read = get(&client, format!("{base}/api/v1/orders/{order}"), &buyer).await;
            assert_eq!(read["data"]["order"]["id"], order.as_str(), "an acknowledged order survives: {read}");
        }
        for order in &acknowledged.paid {
            let read = get(&client, format!("{base}/api/v1/orders/{order}/payment"), &buyer).await;
            assert_eq!(read["data"]["payment"]["held"], "5.00", "an acknowledged payment is held: {read}");
        }
        let orders =
            get(&client, format!("{base}/api/v1/orders?product_id={product}&page_size=1"), &admin).await;
        let total = orders["data"]["pagination"]["total"].as_i64().unwrap();
        assert!(total >= acknowledged.created.len() as i64);
        let read: Value = client
            .get(format!("{base}/api/v1/products/{product}"))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(
            read["data"]["product"]["available"].as_i64().unwrap(),
            STOCK - total,
            "stock reserved by exactly the surviving orders"
        );
        let ledger = get(&client, format!("{base}/api/v1/ledger/accounts?page_size=1"), &admin).await;
        for sum in ledger["data"]["sums"].as_array().unwrap() {
            assert!(
                sum["sum"].as_str().unwrap().trim_start_matches(['0', '.']).is_empty(),
                "the ledger balances: {sum}"
            );
        }
        let created_events =
            get(&client, format!("{base}/api/v1/events?type=order.created&page_size=1"), &admin).await;
        assert_eq!(
            created_events["data"]["pagination"]["total"].as_i64().unwrap(),
            total,
            "one order.created per order"
        );
        let paid =
            get(&client, format!("{base}/api/v1/orders?product_id={product}&status=new&page_size=1"), &admin)
                .await;
        let paid_events =
            get(&client, format!("{base}/api/v1/events?type=order.paid&page_size=1"), &admin).await;
        assert_eq!(
            paid_events["data"]["pagination"]["total"], paid["data"]["pagination"]["total"],
            "one order.paid per paid order"
        );
        let held = get(&client, format!("{base}/api/v1/events?type=escrow.held&page_size=1"), &admin).await;
        assert_eq!(
            held["data"]["pagination"]["total"], paid["data"]["pagination"]["total"],
            "one escrow.held per paid order"
        );
    });
    drop(server);
}

#[test]
fn a_killed_server_loses_nothing_it_acknowledged_on_sqlite() {
    crash_and_recover(None);
}

#[test]
#[cfg_attr(not(souk_postgres), ignore = "SOUK_TEST_POSTGRES_URL is not set")]
fn a_killed_server_loses_nothing_it_acknowledged_on_postgres() {
    let server_url = std::env::var("SOUK_TEST_POSTGRES_URL").expect("SOUK_TEST_POSTGRES_URL is set");
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    let name = format!("souk_test_{}", uuid::Uuid::now_v7().simple());
    let mut url = reqwest::Url::parse(&server_url).unwrap();
    url.set_path(&format!("/{name}"));
    runtime.block_on(async {
        let admin = sea_orm::Database::connect(&server_url).await.unwrap();
        sea_orm::ConnectionTrait::execute_unprepared(&admin, &format!("CREATE DATABASE \"{name}\""))
            .await
            .unwrap();
    });
    let result = std::panic::catch_unwind(|| crash_and_recover(Some(url.as_str())));
    runtime.block_on(async {
        let admin = sea_orm::Database::connect(&server_url).await.unwrap();
        let drop = format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)");
        let _ = sea_orm::ConnectionTrait::execute_unprepared(&admin, &drop).await;
    });
    if let Err(panic) = result {
        std::panic::resume_unwind(panic);
    }
}
