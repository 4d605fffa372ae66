//! Chapa end to end against a local stub of its API: a gateway whose `settings.base_url` is the
//! stub, a hosted checkout started with the secret key, webhooks authenticated by
//! `x-chapa-signature` (hex HMAC-SHA256 of the body with the webhook secret) and confirmed by
//! verifying the transaction, and a payout sent as a Chapa transfer. A forged signature and a
//! verification naming another amount change nothing.

use std::collections::HashMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::{Arc, Mutex};

use hmac::{Hmac, Mac};
use serde_json::{Value, json};
use sha2::Sha256;
use souk_tests::payments::{assert_ledger_balances, checkout_one, ledger_sums, listed_product, move_to};
use souk_tests::{Backend, TestServer, expect_error, json, on_both_backends};

const SECRET_KEY: &str = "CHASECK_TEST-souk0123456789";
const WEBHOOK_SECRET: &str = "chapa-webhook-secret";

/// What the stub saw and how it answers.
#[derive(Debug, Default)]
struct StubState {
    /// Bodies of `POST /v1/transaction/initialize`, by `tx_ref`.
    initialized: HashMap<String, Value>,
    /// `GET /v1/transaction/verify/{tx_ref}` calls.
    verifications: usize,
    /// An amount verification reports instead of the one initialized, by `tx_ref`.
    verify_amount: HashMap<String, String>,
    /// Bodies of `POST /v1/transfers`.
    transfers: Vec<Value>,
}

/// A minimal HTTP/1.1 server speaking the three Chapa endpoints Souk calls.
struct ChapaStub {
    url: String,
    state: Arc<Mutex<StubState>>,
}

impl ChapaStub {
    fn start() -> ChapaStub {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind the stub");
        let url = format!("http://{}", listener.local_addr().unwrap());
        let state = Arc::new(Mutex::new(StubState::default()));
        let shared = state.clone();
        std::thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                let state = shared.clone();
                std::thread::spawn(move || handle(stream, &state));
            }
        });
        ChapaStub { url, state }
    }
}

fn handle(stream: TcpStream, state: &Mutex<StubState>) {
    let mut reader = BufReader::new(stream.try_clone().expect("clone the stream"));
    let mut request_line = String::new();
    if reader.read_line(&mut request_line).is_err() {
        return;
    }
    let mut headers = HashMap::new();
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line).is_err() || line.trim().is_empty() {
            break;
        }
        if let Some((name, value)) = line.split_once(':') {
            headers.insert(name.trim().to_ascii_lowercase(), value.trim().to_owned());
        }
    }
    let length: usize = headers.get("content-length").and_then(|l| l.parse().ok()).unwrap_or(0);
    let mut body = vec![0; length];
    if reader.read_exact(&mut body).is_err() {
        return;
    }
    let mut parts = request_line.split_whitespace();
    let (method, path) = (parts.next().unwrap_or(""), parts.next().unwrap_or(""));
    let (status, answer) =
        if headers.get("authorization").map(String::as_str) != Some(&format!("Bearer {SECRET_KEY}")) {
            (401, json!({"status": "failed", "message": "Invalid API Key", "data": null}))
        } else {
            route(method, path, &body, &mut state.lock().unwrap())
        };
    let text = answer.to_string();
    let reason = if status == 200 { "OK" } else { "Error" };
    let response = format!(
        "HTTP/1.1 {status} {reason}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{text}",
        text.len()
    );
    let mut stream = stream;
    let _ = stream.write_all(response.as_bytes());
}

fn route(method: &str, path: &str, body: &[u8], state: &mut StubState) -> (u16, Value) {
    let body: Value = serde_json::from_slice(body).unwrap_or(Value::Null);
    match (method, path) {
        ("POST", "/v1/transaction/initialize") => {
            let tx_ref = body["tx_ref"].as_str().unwrap_or_default().to_owned();
            state.initialized.insert(tx_ref.clone(), body);
            let url = format!("https://checkout.chapa.co/checkout/payment/{tx_ref}");
            (200, json!({"status": "success", "message": "Hosted Link", "data": {"checkout_url": url}}))
        }
        ("GET", path) if path.starts_with("/v1/transaction/verify/") => {
            state.verifications += 1;
            let tx_ref = &path["/v1/transaction/verify/".len()..];
            let Some(started) = state.initialized.get(tx_ref) else {
                return (
                    404,
                    json!({"status": "failed", "message": "Invalid transaction or Transaction not found", "data": null}),
                );
            };
            let amount = state
                .verify_amount
                .get(tx_ref)
                .cloned()
                .unwrap_or_else(|| started["amount"].as_str().unwrap().to_owned());
            let amount: Value = serde_json::from_str(&amount).unwrap();
            let data = json!({"status": "success", "amount": amount, "currency": started["currency"], "tx_ref": tx_ref,
                              "reference": format!("APx{}", &tx_ref[tx_ref.len() - 6..]), "method": "telebirr"});
            (200, json!({"status": "success", "message": "Payment details", "data": data}))
        }
        ("POST", "/v1/transfers") => {
            state.transfers.push(body);
            (200, json!({"status": "success", "message": "Transfer Queued Successfully", "data": "queued"}))
        }
        _ => (404, json!({"status": "failed", "message": "not found", "data": null})),
    }
}

fn chapa_signature(secret: &str, body: &[u8]) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).unwrap();
    mac.update(body);
    hex::encode(mac.finalize().into_bytes())
}

async fn webhook(
    server: &TestServer,
    gateway: &str,
    body: &Value,
    signature: Option<String>,
) -> reqwest::Response {
    let bytes = serde_json::to_vec(body).unwrap();
    let mut request = server
        .client
        .post(server.url(&format!("/api/v1/payments/webhook/{gateway}")))
        .header("content-type", "application/json");
    if let Some(signature) = signature {
        request = request.header("x-chapa-signature", signature);
    }
    request.body(bytes).send().await.expect("request")
}

async fn order_status(server: &TestServer, token: &str, order: &str) -> String {
    json(server.get(&format!("/api/v1/orders/{order}"), Some(token)).await).await["data"]["order"]["status"]
        .as_str()
        .unwrap()
        .to_owned()
}

async fn chapa_payments_are_signed_verified_held_and_paid_out(backend: Backend) {
    let stub = ChapaStub::start();
    let server = TestServer::start(backend).await;
    let (_, admin) = server.admin().await;
    let (seller, seller_token) = server.seller("alice").await;
    let (_, buyer) = server.buyer("amina").await;

    let created = server
        .post_json(
            "/api/v1/payment-gateways",
            Some(&admin),
            &json!({"title": "Chapa", "provider": "chapa", "sandbox": true, "currency": "ETB",
                    "settings": {"base_url": stub.url}, "secrets": {"secret_key": SECRET_KEY, "webhook_secret": WEBHOOK_SECRET}}),
        )
        .await;
    assert_eq!(created.status(), 201, "{}", created.text().await.unwrap());
    let gateway = json(created).await["data"]["payment_gateway"].clone();
    assert!(gateway["webhook_secret"].is_null(), "a given secret is never echoed: {gateway}");
    let gateway = gateway["id"].as_str().unwrap().to_owned();

    let product = listed_product(
        &server,
        &admin,
        seller.id,
        json!({"title": "Jebena", "price": "150.00", "currency": "ETB", "quantity": 4}),
    )
    .await;
    let order = checkout_one(&server, &buyer, &product, 1).await["id"].as_str().unwrap().to_owned();
    let started = server
        .post_json(
            "/api/v1/payments/initiate",
            Some(&buyer),
            &json!({"order_id": order, "gateway_id": gateway}),
        )
        .await;
    assert_eq!(started.status(), 200, "{}", started.text().await.unwrap());
    let started = json(started).await["data"].clone();
    let tx_ref = started["tx_ref"].as_str().unwrap().to_owned();
    assert_eq!(started["checkout_url"], format!("https://checkout.chapa.co/checkout/payment/{tx_ref}"));
    let sent = stub
        .state
        .lock()
        .unwrap()
        .initialized
        .get(&tx_ref)
        .cloned()
        .expect("the stub was asked to initialize");
    assert_eq!((sent["amount"].as_str(), sent["currency"].as_str()), (Some("150.00"), Some("ETB")));
    assert!(
        sent["callback_url"].as_str().unwrap().ends_with(&format!("/api/v1/payments/webhook/{gateway}")),
        "{sent}"
    );

    let event = json!({"event": "charge.success", "tx_ref": tx_ref, "status": "success", "amount": "150.00", "currency": "ETB"});
    let bytes = serde_json::to_vec(&event).unwrap();
    let forged = webhook(&server, &gateway, &event, Some(chapa_signature("not-the-secret", &bytes))).await;
    expect_error(forged, 401, "UNAUTHENTICATED").await;
    expect_error(webhook(&server, &gateway, &event, None).await, 401, "UNAUTHENTICATED").await;
    expect_error(webhook(&server, &gateway, &event, Some("zz".into())).await, 401, "UNAUTHENTICATED").await;
    assert_eq!(
        stub.state.lock().unwrap().verifications,
        0,
        "a forged callback is refused before the provider is asked"
    );
    assert_eq!(order_status(&server, &buyer, &order).await, "pending");
    assert!(ledger_sums(&server).await.is_empty(), "no money moved");

    stub.state.lock().unwrap().verify_amount.insert(tx_ref.clone(), "1.00".into());
    let signature = chapa_signature(WEBHOOK_SECRET, &bytes);
    let mismatch = webhook(&server, &gateway, &event, Some(signature.clone())).await;
    expect_error(mismatch, 422, "VALIDATION_FAILED").await;
    assert_eq!(stub.state.lock().unwrap().verifications, 1);
    assert_eq!(
        order_status(&server, &buyer, &order).await,
        "pending",
        "the provider's word decides, not the callback's"
    );
    assert!(ledger_sums(&server).await.is_empty());
    let holds = json(server.get("/api/v1/escrow/holds", Some(&seller_token)).await).await;
    assert_eq!(holds["data"]["pagination"]["total"], 0);

    stub.state.lock().unwrap().verify_amount.clear();
    let paid = webhook(&server, &gateway, &event, Some(signature.clone())).await;
    assert_eq!(paid.status(), 200, "{}", paid.text().await.unwrap());
    let report = json(paid).await["data"].clone();
    assert_eq!(report["payment"]["status"], "held_in_escrow", "{report}");
    assert_eq!(order_status(&server, &buyer, &order).await, "new");
    let holds = json(server.get("/api/v1/escrow/holds?status=held", Some(&seller_token)).await).await;
    let hold = &holds["data"]["holds"][0];
    assert_eq!(
        (hold["order_id"].as_str(), hold["amount"].as_str()),
        (Some(order.as_str()), Some("150.00")),
        "{holds}"
    );
    assert_eq!(hold["currency"], "ETB");

    let again = webhook(&server, &gateway, &event, Some(signature)).await;
    assert_eq!(again.status(), 200, "a repeated callback answers the current state");
    let holds = json(server.get("/api/v1/escrow/holds", Some(&seller_token)).await).await;
    assert_eq!(
        (holds["data"]["pagination"]["total"].as_u64(), holds["data"]["holds"][0]["held"].as_str()),
        (Some(1), Some("150.00"))
    );
    assert_eq!(stub.state.lock().unwrap().verifications, 2, "a handled tx_ref is not verified again");

    for status in ["accepted", "shipped", "delivered"] {
        move_to(&server, &seller_token, &order, status).await;
    }
    move_to(&server, &buyer, &order, "completed").await;
    let account = server
        .post_json(
            &format!("/api/v1/users/{}/payment-accounts", seller.id),
            Some(&seller_token),
            &json!({"gateway_id": gateway, "external_account_id": "044:0123456789", "properties": {"bank": "CBE"}}),
        )
        .await;
    assert_eq!(account.status(), 201, "{}", account.text().await.unwrap());
    let payout = server.post_json("/api/v1/payouts", Some(&seller_token), &json!({"currency": "ETB"})).await;
    assert_eq!(payout.status(), 201, "{}", payout.text().await.unwrap());
    let payout = json(payout).await["data"]["payout"].clone();
    let payout_id = payout["id"].as_str().unwrap();
    assert_eq!(
        (payout["amount"].as_str(), payout["provider_reference"].as_str()),
        (Some("150.00"), Some(payout_id))
    );
    let transfers = stub.state.lock().unwrap().transfers.clone();
    assert_eq!(transfers.len(), 1);
    assert_eq!(
        transfers[0],
        json!({"account_number": "0123456789", "bank_code": "044", "amount": "150.00", "currency": "ETB", "reference": payout_id})
    );
    let balance =
        json(server.get(&format!("/api/v1/sellers/{}/balance", seller.id), Some(&seller_token)).await).await;
    assert_eq!(
        balance["data"]["balance"],
        json!({"seller_id": seller.id, "pending": "0.00", "available": "0.00", "paid_out": "150.00", "currency": "ETB"})
    );
    assert_ledger_balances(&server).await;
    server.stop().await;
}

on_both_backends!(chapa_payments_are_signed_verified_held_and_paid_out);
