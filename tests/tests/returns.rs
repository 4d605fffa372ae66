//! Trial returns over HTTP: a buyer returns a paid, delivered order during its trial; the seller's
//! scan refunds it less the exact flat or percentage penalty (the penalty to the seller, the ledger
//! balanced, escrow emptied) or claims a defect; tokens expire on the platform clock and the order
//! goes back to its trial; one refund under ten concurrent scans; other buyers and sellers see
//! nothing.

use std::sync::Arc;

use serde_json::{Value, json};
use souk_escrow::ledger::AccountRef;
use souk_kernel::{Currency, UserId};
use souk_tests::payments::{assert_ledger_balances, move_to, paid_order, sandbox_gateway};
use souk_tests::{Backend, TestServer, expect_error, json, on_both_backends};
use uuid::Uuid;

/// The parties of a scenario and their tokens.
struct Parties {
    admin: String,
    seller: UserId,
    seller_token: String,
    buyer: UserId,
    buyer_token: String,
}

async fn parties(server: &TestServer) -> Parties {
    let (_, admin) = server.admin().await;
    let (seller, seller_token) = server.seller("sam").await;
    let (buyer, buyer_token) = server.buyer("amina").await;
    sandbox_gateway(server, &admin, "USD").await;
    Parties { admin, seller: seller.id, seller_token, buyer: buyer.id, buyer_token }
}

fn policy(penalty_type: &str, value: &str, window_hours: i64) -> Value {
    json!({"trial_days": 7, "penalty_type": penalty_type, "penalty_value": value, "return_window_hours": window_hours})
}

/// A paid order of one unit at `price` with a trial, accepted, shipped and delivered: `trial_active`.
async fn trial_order(server: &TestServer, p: &Parties, price: &str, trial: Value) -> String {
    let product = json!({"title": "Lamp", "price": price, "quantity": 5, "trial_policy": trial});
    let id = paid_order(server, &p.admin, p.seller, &p.buyer_token, product).await;
    move_to(server, &p.seller_token, &id, "accepted").await;
    move_to(server, &p.seller_token, &id, "shipped").await;
    let delivered = move_to(server, &p.seller_token, &id, "delivered").await;
    assert_eq!(delivered["status"], "trial_active");
    id
}

async fn request_return(server: &TestServer, token: &str, body: Value) -> reqwest::Response {
    server.post_json("/api/v1/returns", Some(token), &body).await
}

/// Requests a plain return and returns it.
async fn returned(server: &TestServer, p: &Parties, order: &str) -> Value {
    let response =
        request_return(server, &p.buyer_token, json!({"order_id": order, "reason": "too bright"})).await;
    assert_eq!(response.status(), 201, "{}", response.text().await.unwrap_or_default());
    json(response).await["data"]["return"].clone()
}

async fn scan(server: &TestServer, token: &str, body: Value) -> reqwest::Response {
    server.post_json("/api/v1/returns/scan", Some(token), &body).await
}

async fn order(server: &TestServer, token: &str, id: &str) -> Value {
    json(server.get(&format!("/api/v1/orders/{id}"), Some(token)).await).await["data"]["order"].clone()
}

async fn advance(server: &TestServer, admin: &str, seconds: i64) {
    let response =
        server.post_json("/api/v1/sandbox/clock", Some(admin), &json!({"advance_seconds": seconds})).await;
    assert_eq!(response.status(), 200, "{}", response.text().await.unwrap_or_default());
}

fn usd() -> Currency {
    Currency::from_code("USD").unwrap()
}

async fn balance(server: &TestServer, account: AccountRef) -> i64 {
    souk_storage::ledger::balance(&server.db().conn, &account, false).await.unwrap()
}

/// `(escrow, refunded to the buyer, seller's available balance)` in minor units.
async fn money(server: &TestServer, p: &Parties, order: &str) -> (i64, i64, i64) {
    let order = Uuid::parse_str(order).unwrap();
    (
        balance(server, AccountRef::order_escrow(order, p.seller.as_uuid(), usd())).await,
        balance(server, AccountRef::refunds(p.buyer.as_uuid(), usd())).await,
        balance(server, AccountRef::seller_available(p.seller.as_uuid(), usd())).await,
    )
}

async fn available(server: &TestServer, order: &Value) -> i64 {
    let product = order["lines"][0]["product_id"].as_str().unwrap();
    json(server.get(&format!("/api/v1/products/{product}"), None).await).await["data"]["product"]["available"]
        .as_i64()
        .unwrap()
}

async fn a_confirmed_return_refunds_less_a_flat_penalty_and_pays_the_penalty_to_the_seller(backend: Backend) {
    let server = TestServer::start(backend).await;
    let p = parties(&server).await;
    let id = trial_order(&server, &p, "29.99", policy("flat", "3", 48)).await;
    assert_eq!(available(&server, &order(&server, &p.buyer_token, &id).await).await, 4);

    let ret = returned(&server, &p, &id).await;
    assert_eq!(ret["status"], "pending");
    assert_eq!(ret["order_id"], id.as_str());
    assert_eq!(ret["reason"], "too bright");
    assert_eq!(ret["has_defect"], false);
    let token = ret["token"].as_str().unwrap().to_owned();
    assert!(token.len() >= 32 && token.bytes().all(|b| b.is_ascii_hexdigit()), "{token}");
    let requested: chrono::DateTime<chrono::Utc> = ret["requested_at"].as_str().unwrap().parse().unwrap();
    let expires: chrono::DateTime<chrono::Utc> = ret["expires_at"].as_str().unwrap().parse().unwrap();
    assert_eq!(expires - requested, chrono::Duration::hours(48), "the return window of the trial line");
    assert_eq!(order(&server, &p.buyer_token, &id).await["status"], "return_requested");
    let return_id = ret["id"].as_str().unwrap().to_owned();
    let filtered =
        json(server.get("/api/v1/orders?return_status=pending", Some(&p.seller_token)).await).await;
    assert_eq!(filtered["data"]["orders"][0]["id"], id.as_str(), "orders filter by their returns' status");

    let seen = json(server.get(&format!("/api/v1/returns/order/{id}"), Some(&p.seller_token)).await).await;
    assert_eq!(seen["data"]["return"]["id"], return_id.as_str());
    assert!(seen["data"]["return"]["token"].is_null(), "the seller reads the token from the buyer's code");
    let mine = json(server.get(&format!("/api/v1/returns/{return_id}"), Some(&p.buyer_token)).await).await;
    assert_eq!(mine["data"]["return"]["token"], token.as_str());

    let png = server.get(&format!("/api/v1/returns/{return_id}/qr.png"), Some(&p.buyer_token)).await;
    assert_eq!(png.status(), 200);
    assert_eq!(png.headers()["content-type"], "image/png");
    assert_eq!(&png.bytes().await.unwrap()[..8], b"\x89PNG\r\n\x1a\n");
    let svg = server.get(&format!("/api/v1/returns/{return_id}/qr.svg"), Some(&p.buyer_token)).await;
    assert_eq!(svg.status(), 200);
    assert_eq!(svg.headers()["content-type"], "image/svg+xml");
    assert!(svg.text().await.unwrap().contains("<svg"));
    for format in ["png", "svg"] {
        let path = format!("/api/v1/returns/{return_id}/qr.{format}");
        expect_error(server.get(&path, Some(&p.seller_token)).await, 404, "NOT_FOUND").await;
        expect_error(server.get(&path, Some(&p.admin)).await, 404, "NOT_FOUND").await;
    }

    let (_, stranger) = server.buyer("omar").await;
    let (_, rival) = server.seller("rita").await;
    for outsider in [&stranger, &rival] {
        let path = format!("/api/v1/returns/{return_id}");
        expect_error(server.get(&path, Some(outsider)).await, 404, "NOT_FOUND").await;
        let path = format!("/api/v1/returns/order/{id}");
        expect_error(server.get(&path, Some(outsider)).await, 404, "NOT_FOUND").await;
        let listed = json(server.get("/api/v1/returns", Some(outsider)).await).await;
        assert_eq!(listed["data"]["pagination"]["total"], 0);
    }
    let confirm = json!({"token": token, "action": "confirm"});
    expect_error(scan(&server, &rival, confirm.clone()).await, 404, "NOT_FOUND").await;
    expect_error(scan(&server, &p.buyer_token, confirm.clone()).await, 403, "FORBIDDEN").await;
    expect_error(
        scan(&server, &p.seller_token, json!({"token": "0".repeat(32), "action": "confirm"})).await,
        404,
        "NOT_FOUND",
    )
    .await;

    let response = scan(&server, &p.seller_token, confirm.clone()).await;
    assert_eq!(response.status(), 200, "{}", response.text().await.unwrap_or_default());
    let body = json(response).await;
    let settled = &body["data"]["return"];
    assert_eq!(settled["status"], "confirmed");
    assert_eq!(settled["refund_amount"], "26.99");
    assert_eq!(settled["penalty_amount"], "3.00");
    assert_eq!(settled["currency"], "USD");
    assert!(settled["resolved_at"].is_string());
    assert_eq!(body["data"]["order_status"], "returned");
    assert!(body["data"]["dispute"].is_null());

    let after = order(&server, &p.buyer_token, &id).await;
    assert_eq!(after["status"], "returned");
    assert_eq!(after["payment_status"], "partially_refunded");
    assert_eq!(available(&server, &after).await, 5, "the returned unit is on sale again");
    assert_eq!(
        money(&server, &p, &id).await,
        (0, 2699, 300),
        "escrow emptied: refund less penalty, penalty to seller"
    );
    assert_ledger_balances(&server).await;

    let again = expect_error(scan(&server, &p.seller_token, confirm).await, 409, "CONFLICT").await;
    assert!(again["message"].as_str().unwrap().contains("already scanned"), "{again}");
    assert_eq!(money(&server, &p, &id).await, (0, 2699, 300));

    let events =
        json(server.get("/api/v1/events?type=return.*&order_direction=ASC", Some(&p.seller_token)).await)
            .await;
    let events = events["data"]["events"].as_array().unwrap().clone();
    let kinds: Vec<&str> = events.iter().map(|e| e["type"].as_str().unwrap()).collect();
    assert_eq!(kinds.len(), 2, "{kinds:?}");
    assert!(kinds.contains(&"return.requested") && kinds.contains(&"return.confirmed"), "{kinds:?}");
    for event in &events {
        assert_eq!(event["object_id"], return_id.as_str());
        assert!(!event["data"].to_string().contains(&token), "the token never travels in events");
    }
    let listed = json(server.get("/api/v1/returns?status=confirmed", Some(&p.seller_token)).await).await;
    assert_eq!(listed["data"]["pagination"]["total"], 1);
    assert_eq!(listed["data"]["returns"][0]["id"], return_id.as_str());
    let listed = json(server.get("/api/v1/returns?status=pending", Some(&p.buyer_token)).await).await;
    assert_eq!(listed["data"]["pagination"]["total"], 0);
    let all = json(server.get(&format!("/api/v1/returns?buyer_id={}", p.buyer), Some(&p.admin)).await).await;
    assert_eq!(all["data"]["pagination"]["total"], 1);
    expect_error(server.get("/api/v1/returns?status=lost", Some(&p.admin)).await, 422, "VALIDATION_FAILED")
        .await;
    server.stop().await;
}

async fn a_percentage_penalty_is_a_rounded_down_share_of_the_line_total(backend: Backend) {
    let server = TestServer::start(backend).await;
    let p = parties(&server).await;
    let id = trial_order(&server, &p, "19.99", policy("percentage", "12.5", 24)).await;
    let token = returned(&server, &p, &id).await["token"].as_str().unwrap().to_owned();
    let response = scan(&server, &p.seller_token, json!({"token": token, "action": "confirm"})).await;
    assert_eq!(response.status(), 200, "{}", response.text().await.unwrap_or_default());
    let settled = json(response).await["data"]["return"].clone();
    assert_eq!(settled["penalty_amount"], "2.49", "12.5 % of 19.99 is 2.49875, rounded down");
    assert_eq!(settled["refund_amount"], "17.50");
    assert_eq!(money(&server, &p, &id).await, (0, 1750, 249));
    assert_ledger_balances(&server).await;
    server.stop().await;
}

async fn the_platform_fee_is_taken_on_the_penalty_like_on_every_release(backend: Backend) {
    let mut options = souk_tests::Options::default();
    options.env.insert("SOUK_PLATFORM_FEE_PERCENT".into(), "2.5".into());
    let server = TestServer::start_with(backend, options).await;
    let p = parties(&server).await;
    let id = trial_order(&server, &p, "29.99", policy("flat", "3", 48)).await;
    let token = returned(&server, &p, &id).await["token"].as_str().unwrap().to_owned();
    let response = scan(&server, &p.seller_token, json!({"token": token, "action": "confirm"})).await;
    assert_eq!(response.status(), 200, "{}", response.text().await.unwrap_or_default());
    let settled = json(response).await["data"]["return"].clone();
    assert_eq!(
        (settled["refund_amount"].clone(), settled["penalty_amount"].clone()),
        (json!("26.99"), json!("3.00"))
    );
    assert_eq!(money(&server, &p, &id).await, (0, 2699, 293), "2.5 % of 3.00 is 0.075, rounded down to 0.07");
    assert_eq!(balance(&server, AccountRef::platform_revenue(usd())).await, 7);
    assert_ledger_balances(&server).await;
    server.stop().await;
}

async fn returns_open_only_during_the_trial_and_expire_back_into_it(backend: Backend) {
    let server = TestServer::start(backend).await;
    let p = parties(&server).await;
    let product =
        json!({"title": "Lamp", "price": "29.99", "quantity": 5, "trial_policy": policy("flat", "3", 48)});
    let id = paid_order(&server, &p.admin, p.seller, &p.buyer_token, product).await;
    let early = request_return(&server, &p.buyer_token, json!({"order_id": id})).await;
    let early = expect_error(early, 409, "INVALID_TRANSITION").await;
    assert!(early["message"].as_str().unwrap().contains("only open during the trial"), "{early}");
    move_to(&server, &p.seller_token, &id, "accepted").await;
    move_to(&server, &p.seller_token, &id, "shipped").await;
    move_to(&server, &p.seller_token, &id, "delivered").await;

    let (_, stranger) = server.buyer("omar").await;
    expect_error(request_return(&server, &stranger, json!({"order_id": id})).await, 404, "NOT_FOUND").await;
    let missing = json!({"order_id": Uuid::now_v7()});
    expect_error(request_return(&server, &p.buyer_token, missing).await, 404, "NOT_FOUND").await;
    expect_error(request_return(&server, &p.seller_token, json!({"order_id": id})).await, 403, "FORBIDDEN")
        .await;
    let defect = request_return(&server, &p.buyer_token, json!({"order_id": id, "has_defect": true})).await;
    let defect = expect_error(defect, 422, "VALIDATION_FAILED").await;
    assert!(
        defect["errors"]["defect_description"].is_array()
            && defect["errors"]["defect_photo_file_id"].is_array()
    );
    let other_photo = server.stored_image(p.seller).await;
    let body = json!({"order_id": id, "has_defect": true, "defect_description": "flickers", "defect_photo_file_id": other_photo});
    let defect =
        expect_error(request_return(&server, &p.buyer_token, body).await, 422, "VALIDATION_FAILED").await;
    assert!(defect["errors"]["defect_photo_file_id"].is_array(), "{defect}");

    let photo = server.stored_image(p.buyer).await;
    let body = json!({"order_id": id, "has_defect": true, "defect_description": " flickers ", "defect_photo_file_id": photo});
    let response = request_return(&server, &p.buyer_token, body).await;
    assert_eq!(response.status(), 201, "{}", response.text().await.unwrap_or_default());
    let first = json(response).await["data"]["return"].clone();
    assert_eq!(
        (first["has_defect"].clone(), first["defect_description"].clone()),
        (json!(true), json!("flickers"))
    );
    let seen = format!("/api/v1/files/{photo}/content");
    assert_eq!(
        server.get(&seen, Some(&p.seller_token)).await.status(),
        200,
        "the seller sees the buyer's photo"
    );
    expect_error(server.get(&seen, Some(&stranger)).await, 404, "NOT_FOUND").await;
    let twice = request_return(&server, &p.buyer_token, json!({"order_id": id})).await;
    expect_error(twice, 409, "CONFLICT").await;

    advance(&server, &p.admin, 49 * 3600).await;
    let path = format!("/api/v1/returns/{}", first["id"].as_str().unwrap());
    let expired = json(server.get(&path, Some(&p.buyer_token)).await).await["data"]["return"].clone();
    assert_eq!(expired["status"], "expired");
    assert_eq!(order(&server, &p.buyer_token, &id).await["status"], "trial_active", "back into the trial");
    let late = scan(&server, &p.seller_token, json!({"token": first["token"], "action": "confirm"})).await;
    let late = expect_error(late, 422, "VALIDATION_FAILED").await;
    assert!(late["errors"]["token"].is_array(), "{late}");

    let second = returned(&server, &p, &id).await;
    assert_ne!(second["token"], first["token"]);
    advance(&server, &p.admin, 47 * 3600).await;
    let close =
        scan(&server, &p.seller_token, json!({"token": second["token"], "action": "claim_defect"})).await;
    expect_error(close, 422, "VALIDATION_FAILED").await;
    advance(&server, &p.admin, 2 * 3600).await;
    let late = scan(&server, &p.seller_token, json!({"token": second["token"], "action": "confirm"})).await;
    expect_error(late, 422, "VALIDATION_FAILED").await;
    let listed =
        json(server.get(&format!("/api/v1/returns?order_id={id}"), Some(&p.buyer_token)).await).await;
    assert_eq!(listed["data"]["pagination"]["total"], 2);
    assert_eq!(listed["data"]["returns"][0]["status"], "expired");

    advance(&server, &p.admin, 4 * 86_400).await;
    let done = order(&server, &p.buyer_token, &id).await;
    assert_eq!(done["status"], "completed", "the trial ended and the release job completed it");
    let after = request_return(&server, &p.buyer_token, json!({"order_id": id})).await;
    expect_error(after, 409, "INVALID_TRANSITION").await;
    assert_eq!(money(&server, &p, &id).await, (0, 0, 2999));
    assert_ledger_balances(&server).await;
    server.stop().await;
}

async fn a_defect_claim_needs_a_description_and_a_photo_and_freezes_the_escrow(backend: Backend) {
    let server = TestServer::start(backend).await;
    let p = parties(&server).await;
    let id = trial_order(&server, &p, "29.99", policy("flat", "3", 48)).await;
    let token = returned(&server, &p, &id).await["token"].as_str().unwrap().to_owned();
    let claim = |body: Value| {
        let mut full = json!({"token": token, "action": "claim_defect"});
        for (key, value) in body.as_object().unwrap() {
            full[key] = value.clone();
        }
        full
    };
    let bare =
        expect_error(scan(&server, &p.seller_token, claim(json!({}))).await, 422, "VALIDATION_FAILED").await;
    assert!(bare["errors"]["description"].is_array() && bare["errors"]["photo_file_id"].is_array(), "{bare}");
    let photo = server.stored_image(p.seller).await;
    let long = claim(json!({"description": "x".repeat(2001), "photo_file_id": photo}));
    let long = expect_error(scan(&server, &p.seller_token, long).await, 422, "VALIDATION_FAILED").await;
    assert!(long["errors"]["description"].is_array());
    let nowhere = claim(json!({"description": "cracked", "photo_file_id": Uuid::now_v7()}));
    let nowhere = expect_error(scan(&server, &p.seller_token, nowhere).await, 422, "VALIDATION_FAILED").await;
    assert!(nowhere["errors"]["photo_file_id"].is_array());
    let buyers =
        claim(json!({"description": "cracked", "photo_file_id": server.stored_image(p.buyer).await}));
    expect_error(scan(&server, &p.seller_token, buyers).await, 422, "VALIDATION_FAILED").await;
    let bad_action = json!({"token": token, "action": "reject"});
    expect_error(scan(&server, &p.seller_token, bad_action).await, 422, "VALIDATION_FAILED").await;
    assert_eq!(order(&server, &p.buyer_token, &id).await["status"], "return_requested", "nothing changed");

    let valid = claim(json!({"description": "  cracked base ", "photo_file_id": photo}));
    let response = scan(&server, &p.seller_token, valid.clone()).await;
    assert_eq!(response.status(), 200, "{}", response.text().await.unwrap_or_default());
    let body = json(response).await;
    assert_eq!(body["data"]["return"]["status"], "defect_claimed");
    assert_eq!(body["data"]["order_status"], "disputed");
    let dispute = &body["data"]["dispute"];
    assert_eq!(dispute["status"], "open");
    assert_eq!(dispute["reason"], "cracked base");
    assert_eq!(dispute["photo_file_id"], photo.to_string());
    assert_eq!(dispute["order_id"], id.as_str());
    assert!(dispute["resolution"].is_null());
    expect_error(scan(&server, &p.seller_token, valid).await, 409, "CONFLICT").await;

    let seen = format!("/api/v1/files/{photo}/content");
    assert_eq!(
        server.get(&seen, Some(&p.buyer_token)).await.status(),
        200,
        "the buyer sees the claim's photo"
    );
    let (_, stranger) = server.buyer("omar").await;
    expect_error(server.get(&seen, Some(&stranger)).await, 404, "NOT_FOUND").await;
    assert_eq!(order(&server, &p.buyer_token, &id).await["status"], "disputed");
    let refund = server.post_json(&format!("/api/v1/orders/{id}/refunds"), Some(&p.admin), &json!({})).await;
    expect_error(refund, 409, "CONFLICT").await;
    advance(&server, &p.admin, 30 * 86_400).await;
    assert_eq!(
        order(&server, &p.buyer_token, &id).await["status"],
        "disputed",
        "no job releases a frozen escrow"
    );
    assert_eq!(money(&server, &p, &id).await, (2999, 0, 0));
    assert_ledger_balances(&server).await;
    server.stop().await;
}

async fn scan_form(
    server: &TestServer,
    token: &str,
    fields: &[(&str, &str)],
    photo: Option<Vec<u8>>,
) -> reqwest::Response {
    let mut form = reqwest::multipart::Form::new();
    for (key, value) in fields {
        form = form.text(key.to_string(), value.to_string());
    }
    if let Some(bytes) = photo {
        form = form.part("photo", reqwest::multipart::Part::bytes(bytes).file_name("crack.png"));
    }
    let request = server.client.post(server.url("/api/v1/returns/scan")).bearer_auth(token).multipart(form);
    request.send().await.expect("request sent")
}

async fn a_defect_claim_may_carry_its_photo_in_a_form(backend: Backend) {
    let server = TestServer::start(backend).await;
    let p = parties(&server).await;
    let id = trial_order(&server, &p, "29.99", policy("flat", "3", 48)).await;
    let token = returned(&server, &p, &id).await["token"].as_str().unwrap().to_owned();
    let png = souk_tests::PNG.to_vec();
    let fields = [("token", token.as_str()), ("action", "confirm")];
    let confirm = scan_form(&server, &p.seller_token, &fields, Some(png.clone())).await;
    let confirm = expect_error(confirm, 422, "VALIDATION_FAILED").await;
    assert!(confirm["errors"]["photo"].is_array(), "{confirm}");
    let fields = [("token", token.as_str()), ("action", "claim_defect"), ("description", "cracked")];
    let not_image =
        scan_form(&server, &p.seller_token, &fields, Some(b"plain text, not a picture".to_vec())).await;
    expect_error(not_image, 422, "VALIDATION_FAILED").await;
    let fields = [("token", token.as_str()), ("action", "claim_defect"), ("description", "cracked shade")];
    let response = scan_form(&server, &p.seller_token, &fields, Some(png)).await;
    assert_eq!(response.status(), 200, "{}", response.text().await.unwrap_or_default());
    let body = json(response).await;
    assert_eq!(body["data"]["order_status"], "disputed");
    let photo = body["data"]["dispute"]["photo_file_id"].as_str().unwrap().to_owned();
    let file = server.get(&format!("/api/v1/files/{photo}"), Some(&p.seller_token)).await;
    assert_eq!(file.status(), 200, "the photo is the seller's upload");
    assert_eq!(json(file).await["data"]["file"]["mime_type"], "image/png");
    assert_ledger_balances(&server).await;
    server.stop().await;
}

async fn ten_concurrent_confirmations_of_one_token_refund_once(backend: Backend) {
    let server = Arc::new(TestServer::start(backend).await);
    let p = parties(&server).await;
    let id = trial_order(&server, &p, "29.99", policy("flat", "3", 48)).await;
    let token = returned(&server, &p, &id).await["token"].as_str().unwrap().to_owned();
    let mut scans = Vec::new();
    for _ in 0..10 {
        let server = Arc::clone(&server);
        let seller = p.seller_token.clone();
        let body = json!({"token": token, "action": "confirm"});
        scans.push(tokio::spawn(async move { scan(&server, &seller, body).await.status().as_u16() }));
    }
    let mut statuses = Vec::new();
    for scan in scans {
        statuses.push(scan.await.unwrap());
    }
    statuses.sort_unstable();
    assert_eq!(statuses, [200, 409, 409, 409, 409, 409, 409, 409, 409, 409], "{statuses:?}");
    assert_eq!(money(&server, &p, &id).await, (0, 2699, 300), "one refund, one penalty");
    let trail =
        souk_storage::ledger::order_trail(&server.db().conn, &[Uuid::parse_str(&id).unwrap()]).await.unwrap();
    assert_eq!((trail.held, trail.refunded, trail.released, trail.in_escrow), (2999, 2699, 300, 0));
    assert_ledger_balances(&server).await;
}

on_both_backends!(
    a_confirmed_return_refunds_less_a_flat_penalty_and_pays_the_penalty_to_the_seller,
    a_percentage_penalty_is_a_rounded_down_share_of_the_line_total,
    the_platform_fee_is_taken_on_the_penalty_like_on_every_release,
    returns_open_only_during_the_trial_and_expire_back_into_it,
    a_defect_claim_needs_a_description_and_a_photo_and_freezes_the_escrow,
    a_defect_claim_may_carry_its_photo_in_a_form,
    ten_concurrent_confirmations_of_one_token_refund_once,
);
