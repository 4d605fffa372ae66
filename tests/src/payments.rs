//! Payment helpers: a sandbox gateway, a product checked out and paid through the sandbox's
//! hosted checkout, signed callbacks, and the ledger's per-currency sums.

use serde_json::{Value, json};
use souk_kernel::UserId;

use crate::{TestServer, json};

/// A delivery address checkouts use.
pub fn address() -> Value {
    json!({"name": "Amina Bekele", "phone": "+251911000000", "line1": "Bole Road 12", "city": "Addis Ababa", "country": "ET"})
}

/// Creates an active sandbox gateway in `currency`; returns its id and generated webhook secret.
pub async fn sandbox_gateway(server: &TestServer, admin: &str, currency: &str) -> (String, String) {
    let response = server
        .post_json(
            "/api/v1/payment-gateways",
            Some(admin),
            &json!({"title": "Sandbox", "provider": "sandbox", "sandbox": true, "currency": currency}),
        )
        .await;
    assert_eq!(response.status(), 201, "{}", response.text().await.unwrap_or_default());
    let body = json(response).await;
    let gateway = &body["data"]["payment_gateway"];
    (gateway["id"].as_str().unwrap().to_owned(), gateway["webhook_secret"].as_str().unwrap().to_owned())
}

/// A published, approved product of `seller`, created by an admin; `body` adds fields.
pub async fn listed_product(server: &TestServer, admin: &str, seller: UserId, body: Value) -> String {
    let mut full = json!({"status": "published", "seller_id": seller});
    for (key, value) in body.as_object().unwrap() {
        full[key] = value.clone();
    }
    let response = server.post_json("/api/v1/products", Some(admin), &full).await;
    assert_eq!(response.status(), 201, "{}", response.text().await.unwrap_or_default());
    json(response).await["data"]["product"]["id"].as_str().unwrap().to_owned()
}

/// Checks out `quantity` of one product; returns the order.
pub async fn checkout_one(server: &TestServer, buyer: &str, product: &str, quantity: i64) -> Value {
    let response = server
        .post_json(
            "/api/v1/checkout",
            Some(buyer),
            &json!({"lines": [{"product_id": product, "quantity": quantity}], "shipping_address": address(), "fulfillment": "delivery"}),
        )
        .await;
    assert_eq!(response.status(), 201, "{}", response.text().await.unwrap_or_default());
    json(response).await["data"]["orders"][0].clone()
}

/// Starts a payment for an order; returns the `data` of the answer.
pub async fn initiate(server: &TestServer, buyer: &str, order_id: &str) -> Value {
    let response =
        server.post_json("/api/v1/payments/initiate", Some(buyer), &json!({"order_id": order_id})).await;
    assert_eq!(response.status(), 200, "{}", response.text().await.unwrap_or_default());
    json(response).await["data"].clone()
}

/// Presses Pay (or Fail) on the sandbox's hosted checkout page of a payment.
pub async fn press(server: &TestServer, tx_ref: &str, outcome: &str) -> reqwest::Response {
    server
        .client
        .post(server.url(&format!("/api/v1/sandbox/checkout/{tx_ref}")))
        .form(&[("outcome", outcome)])
        .send()
        .await
        .expect("request")
}

/// Pays an order through the sandbox; returns the payment's `tx_ref`.
pub async fn pay(server: &TestServer, buyer: &str, order_id: &str) -> String {
    let tx_ref = initiate(server, buyer, order_id).await["tx_ref"].as_str().unwrap().to_owned();
    let response = press(server, &tx_ref, "pay").await;
    assert_eq!(response.status(), 200, "{}", response.text().await.unwrap_or_default());
    tx_ref
}

/// A product listed, checked out and paid: returns the order id (status `new`, money held).
pub async fn paid_order(
    server: &TestServer,
    admin: &str,
    seller: UserId,
    buyer: &str,
    product: Value,
) -> String {
    let product = listed_product(server, admin, seller, product).await;
    let order = checkout_one(server, buyer, &product, 1).await;
    let id = order["id"].as_str().unwrap().to_owned();
    pay(server, buyer, &id).await;
    id
}

/// The `Souk-Signature` header of `body` signed at `timestamp`.
pub fn sign(secret: &str, timestamp: i64, body: &[u8]) -> String {
    souk_escrow::signature::sign(secret.as_bytes(), timestamp, body)
}

/// Posts a sandbox callback signed with `secret` at `timestamp`.
pub async fn send_callback(
    server: &TestServer,
    gateway: &str,
    secret: &str,
    timestamp: i64,
    body: &Value,
) -> reqwest::Response {
    let bytes = serde_json::to_vec(body).unwrap();
    server
        .client
        .post(server.url(&format!("/api/v1/payments/webhook/{gateway}")))
        .header("content-type", "application/json")
        .header("Souk-Signature", sign(secret, timestamp, &bytes))
        .body(bytes)
        .send()
        .await
        .expect("request")
}

/// The sum of all ledger balances per currency (each must be zero).
pub async fn ledger_sums(server: &TestServer) -> Vec<(String, i64)> {
    souk_storage::ledger::sums_by_currency(&server.db().conn).await.expect("ledger sums")
}

/// Asserts every currency of the ledger sums to zero.
pub async fn assert_ledger_balances(server: &TestServer) {
    for (currency, sum) in ledger_sums(server).await {
        assert_eq!(sum, 0, "the {currency} ledger does not balance");
    }
}

/// Moves an order to `status` as the holder of `token`, asserting success; returns the order.
pub async fn move_to(server: &TestServer, token: &str, order_id: &str, status: &str) -> Value {
    let response = server
        .post_json(&format!("/api/v1/orders/{order_id}/status"), Some(token), &json!({"status": status}))
        .await;
    assert_eq!(response.status(), 200, "to {status}: {}", response.text().await.unwrap_or_default());
    json(response).await["data"]["order"].clone()
}
