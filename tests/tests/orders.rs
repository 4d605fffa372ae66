//! Checkout and orders over HTTP: one order per seller, exact totals, atomic stock reservation
//! (no oversell under 40 concurrent checkouts), rentals, idempotent retries, object-level
//! authorization and status changes.

use std::sync::Arc;

use serde_json::{Value, json};
use souk_tests::{Backend, TestServer, expect_error, json, on_both_backends};

fn address() -> Value {
    json!({"name": "Amina Bekele", "phone": "+251911000000", "line1": "Bole Road 12", "city": "Addis Ababa", "country": "ET"})
}

/// A published product of a seller, approved by an admin; returns its id.
async fn listed(server: &TestServer, admin: &str, seller_id: souk_kernel::UserId, body: Value) -> String {
    let mut full = json!({"status": "published", "seller_id": seller_id});
    for (key, value) in body.as_object().unwrap() {
        full[key] = value.clone();
    }
    let response = server.post_json("/api/v1/products", Some(admin), &full).await;
    assert_eq!(response.status(), 201, "{}", response.text().await.unwrap_or_default());
    json(response).await["data"]["product"]["id"].as_str().unwrap().to_owned()
}

async fn checkout(server: &TestServer, token: &str, lines: Value) -> reqwest::Response {
    server
        .post_json(
            "/api/v1/checkout",
            Some(token),
            &json!({"lines": lines, "shipping_address": address(), "fulfillment": "delivery"}),
        )
        .await
}

async fn available(server: &TestServer, product: &str) -> i64 {
    json(server.get(&format!("/api/v1/products/{product}"), None).await).await["data"]["product"]["available"]
        .as_i64()
        .unwrap()
}

async fn checkout_makes_one_order_per_seller_with_exact_totals(backend: Backend) {
    let server = TestServer::start(backend).await;
    let (_, admin) = server.admin().await;
    let (alice, _) = server.seller("alice").await;
    let (bob, bob_token) = server.seller("bob").await;
    let (_, buyer) = server.buyer("amina").await;
    let lamp =
        listed(&server, &admin, alice.id, json!({"title": "Desk lamp", "price": "19.99", "quantity": 5}))
            .await;
    let wrap = json(
        server
            .post_json(
                &format!("/api/v1/products/{lamp}/add-ons"),
                Some(&admin),
                &json!({"title": "Gift wrap", "price": "2.50"}),
            )
            .await,
    )
    .await["data"]["add_on"]["id"]
        .clone();
    let tee = listed(
        &server,
        &admin,
        bob.id,
        json!({"title": "Tee", "price": "10", "options": [{"name": "Size", "values": ["S", "M"]}],
               "variants": [{"values": ["S"], "quantity": 1}, {"values": ["M"], "price": "12", "quantity": 3}],
               "trial_policy": {"trial_days": 7, "penalty_type": "flat", "penalty_value": "1", "return_window_hours": 24}}),
    )
    .await;
    let medium =
        json(server.get(&format!("/api/v1/products/{tee}"), None).await).await["data"]["product"]["variants"]
            [1]["id"]
            .clone();
    let response = checkout(
        &server,
        &buyer,
        json!([{"product_id": lamp, "quantity": 2, "add_on_ids": [wrap]}, {"product_id": tee, "variant_id": medium, "quantity": 2}]),
    )
    .await;
    assert_eq!(response.status(), 201, "{}", response.text().await.unwrap());
    let body = json(response).await["data"].clone();
    let orders = body["orders"].as_array().unwrap();
    assert_eq!(orders.len(), 2);
    assert!(orders.iter().all(|o| o["cart_id"] == body["cart_id"] && o["status"] == "pending"));
    assert_eq!(orders[0]["seller_id"], alice.id.to_string());
    assert_eq!(orders[0]["totals"]["total"], "44.98", "2 x 19.99 + 2 x 2.50");
    assert_eq!(orders[0]["lines"][0]["add_ons"][0]["title"], "Gift wrap");
    assert_eq!(orders[1]["totals"]["subtotal"], "24.00");
    assert_eq!(orders[1]["lines"][0]["variant_title"], "M");
    assert_eq!(orders[1]["lines"][0]["trial_policy"]["trial_days"], 7);
    assert!(orders[0]["number"].as_str().unwrap().starts_with("SK-"));
    assert_ne!(orders[0]["number"], orders[1]["number"]);
    assert_eq!(orders[0]["allowed_transitions"], json!(["canceled"]));
    assert_eq!(available(&server, &lamp).await, 3, "stock is reserved");

    let price_change = server
        .patch_json(
            &format!("/api/v1/products/{lamp}"),
            Some(&admin),
            &json!({"price": "99", "title": "Renamed"}),
        )
        .await;
    assert_eq!(price_change.status(), 200);
    let id = orders[0]["id"].as_str().unwrap();
    let read = json(server.get(&format!("/api/v1/orders/{id}"), Some(&buyer)).await).await;
    assert_eq!(read["data"]["order"]["lines"][0]["title"], "Desk lamp", "lines are snapshots");
    assert_eq!(read["data"]["order"]["lines"][0]["unit_price"], "19.99");

    let bobs = json(server.get("/api/v1/orders", Some(&bob_token)).await).await;
    assert_eq!(bobs["data"]["pagination"]["total"], 1, "sellers see only orders of their products");
    assert_eq!(bobs["data"]["orders"][0]["seller_id"], bob.id.to_string());
    let mine = json(
        server
            .get(&format!("/api/v1/orders?cart_id={}", body["cart_id"].as_str().unwrap()), Some(&buyer))
            .await,
    )
    .await;
    assert_eq!(mine["data"]["pagination"]["total"], 2);
}

async fn a_line_that_cannot_be_served_fails_the_whole_checkout(backend: Backend) {
    let server = TestServer::start(backend).await;
    let (_, admin) = server.admin().await;
    let (alice, _) = server.seller("alice").await;
    let (_, buyer) = server.buyer("amina").await;
    let plenty =
        listed(&server, &admin, alice.id, json!({"title": "Plenty", "price": 1, "quantity": 50})).await;
    let scarce =
        listed(&server, &admin, alice.id, json!({"title": "Scarce", "price": 1, "quantity": 1})).await;
    let untracked = listed(
        &server,
        &admin,
        alice.id,
        json!({"title": "Made to order", "price": 1, "stock_tracked": false}),
    )
    .await;
    let body = expect_error(
        checkout(
            &server,
            &buyer,
            json!([{"product_id": plenty, "quantity": 5}, {"product_id": scarce, "quantity": 2}]),
        )
        .await,
        409,
        "CONFLICT",
    )
    .await;
    assert!(body["errors"]["lines[1]"].is_array(), "{body}");
    assert!(body["errors"].get("lines[0]").is_none(), "{body}");
    assert_eq!(available(&server, &plenty).await, 50, "nothing was reserved");
    let ok = checkout(&server, &buyer, json!([{"product_id": untracked, "quantity": 500}])).await;
    assert_eq!(ok.status(), 201, "untracked stock never runs out");

    let tee = listed(&server, &admin, alice.id, json!({"title": "Tee", "price": 1, "options": [{"name": "Size", "values": ["S"]}], "variants": [{"values": ["S"], "quantity": 1}]})).await;
    let body = expect_error(
        checkout(&server, &buyer, json!([{"product_id": tee, "quantity": 1}])).await,
        422,
        "VALIDATION_FAILED",
    )
    .await;
    assert!(body["errors"]["lines[0].variant_id"].is_array(), "{body}");
    let body = expect_error(checkout(&server, &buyer, json!([{"product_id": uuid::Uuid::now_v7(), "quantity": 1}, {"product_id": plenty, "quantity": 0}])).await, 422, "VALIDATION_FAILED").await;
    assert!(
        body["errors"]["lines[0].product_id"].is_array() && body["errors"]["lines[1].quantity"].is_array(),
        "{body}"
    );
    let draft = server
        .post_json(
            "/api/v1/products",
            Some(&admin),
            &json!({"title": "Draft", "price": 1, "seller_id": alice.id}),
        )
        .await;
    let draft = json(draft).await["data"]["product"]["id"].as_str().unwrap().to_owned();
    let body = expect_error(
        checkout(&server, &buyer, json!([{"product_id": draft, "quantity": 1}])).await,
        422,
        "VALIDATION_FAILED",
    )
    .await;
    assert!(body["errors"]["lines[0].product_id"].is_array(), "drafts are not for sale: {body}");
    let bad_address = server
        .post_json("/api/v1/checkout", Some(&buyer), &json!({"lines": [{"product_id": plenty, "quantity": 1}], "shipping_address": {"name": "", "phone": "1", "line1": "x", "city": "y", "country": "Ethiopia"}, "fulfillment": "delivery", "coupon_code": "NOPE"}))
        .await;
    let body = expect_error(bad_address, 422, "VALIDATION_FAILED").await;
    for field in ["shipping_address.name", "shipping_address.country", "coupon_code"] {
        assert!(body["errors"][field].is_array(), "{field}: {body}");
    }
    let (_, seller_token) = server.seller("bob").await;
    expect_error(
        checkout(&server, &seller_token, json!([{"product_id": plenty, "quantity": 1}])).await,
        403,
        "FORBIDDEN",
    )
    .await;
    let anonymous = server
        .post_json(
            "/api/v1/checkout",
            None,
            &json!({"lines": [], "shipping_address": address(), "fulfillment": "delivery"}),
        )
        .await;
    expect_error(anonymous, 401, "UNAUTHENTICATED").await;
}

async fn forty_concurrent_checkouts_never_oversell(backend: Backend) {
    let server = TestServer::start(backend).await;
    let (_, admin) = server.admin().await;
    let (alice, _) = server.seller("alice").await;
    let hot =
        listed(&server, &admin, alice.id, json!({"title": "Hot item", "price": "5", "quantity": 10})).await;
    let mut buyers = Vec::new();
    for i in 0..40 {
        buyers.push(server.buyer(&format!("buyer{i}")).await.1);
    }
    let server = Arc::new(server);
    let mut tasks = Vec::new();
    for token in buyers {
        let (server, hot) = (server.clone(), hot.clone());
        tasks.push(tokio::spawn(async move {
            checkout(&server, &token, json!([{"product_id": hot, "quantity": 1}])).await.status().as_u16()
        }));
    }
    let mut statuses = Vec::new();
    for task in tasks {
        statuses.push(task.await.unwrap());
    }
    assert_eq!(statuses.iter().filter(|s| **s == 201).count(), 10, "{statuses:?}");
    assert_eq!(statuses.iter().filter(|s| **s == 409).count(), 30, "{statuses:?}");
    assert_eq!(available(&server, &hot).await, 0);
    let all = json(server.get("/api/v1/orders?page_size=100", Some(&admin)).await).await;
    assert_eq!(all["data"]["pagination"]["total"], 10);
}

async fn a_retried_checkout_creates_one_set_of_orders(backend: Backend) {
    let server = TestServer::start(backend).await;
    let (_, admin) = server.admin().await;
    let (alice, _) = server.seller("alice").await;
    let (_, buyer) = server.buyer("amina").await;
    let lamp = listed(&server, &admin, alice.id, json!({"title": "Lamp", "price": 3, "quantity": 5})).await;
    let body = json!({"lines": [{"product_id": lamp, "quantity": 2}], "shipping_address": address(), "fulfillment": "delivery"});
    let mut answers = Vec::new();
    for _ in 0..2 {
        let response = server
            .client
            .post(server.url("/api/v1/checkout"))
            .bearer_auth(&buyer)
            .header("Idempotency-Key", "checkout-1")
            .json(&body)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 201);
        answers.push(json(response).await);
    }
    assert_eq!(answers[0], answers[1], "the retry replays the first answer");
    let orders = json(server.get("/api/v1/orders", Some(&buyer)).await).await;
    assert_eq!(orders["data"]["pagination"]["total"], 1);
    assert_eq!(available(&server, &lamp).await, 3);
}

async fn rentals_price_days_and_refuse_overlaps(backend: Backend) {
    let server = TestServer::start(backend).await;
    let (_, admin) = server.admin().await;
    let (alice, _) = server.seller("alice").await;
    let (_, first) = server.buyer("first").await;
    let (_, second) = server.buyer("second").await;
    let tent = listed(
        &server,
        &admin,
        alice.id,
        json!({"title": "Tent", "price": 200, "quantity": 1, "rental": {"daily_rate": "12.50"}}),
    )
    .await;
    let days = |start: &str, end: &str| json!([{"product_id": tent, "quantity": 1, "rental": {"start_date": start, "end_date": end}}]);
    let booked = checkout(&server, &first, days("2027-01-01", "2027-01-03")).await;
    assert_eq!(booked.status(), 201);
    assert_eq!(json(booked).await["data"]["orders"][0]["totals"]["total"], "37.50", "3 days x 12.50");
    let body =
        expect_error(checkout(&server, &second, days("2027-01-03", "2027-01-05")).await, 409, "CONFLICT")
            .await;
    assert!(body["errors"]["lines[0]"].is_array(), "{body}");
    assert_eq!(checkout(&server, &second, days("2027-01-04", "2027-01-05")).await.status(), 201);
    expect_error(
        checkout(&server, &second, days("2027-02-05", "2027-02-01")).await,
        422,
        "VALIDATION_FAILED",
    )
    .await;
    let lamp = listed(&server, &admin, alice.id, json!({"title": "Lamp", "price": 1, "quantity": 1})).await;
    let body = expect_error(
        checkout(&server, &second, json!([{"product_id": lamp, "quantity": 1, "rental": {"start_date": "2027-01-01", "end_date": "2027-01-02"}}])).await,
        422,
        "VALIDATION_FAILED",
    )
    .await;
    assert!(body["errors"]["lines[0].rental"].is_array(), "{body}");
}

async fn only_parties_see_an_order_and_moves_follow_the_state_machine(backend: Backend) {
    let server = TestServer::start(backend).await;
    let (_, admin) = server.admin().await;
    let (alice, alice_token) = server.seller("alice").await;
    let (_, other_seller) = server.seller("bob").await;
    let (_, buyer) = server.buyer("amina").await;
    let (_, stranger) = server.buyer("stranger").await;
    let lamp = listed(&server, &admin, alice.id, json!({"title": "Lamp", "price": 3, "quantity": 4})).await;
    let order = json(checkout(&server, &buyer, json!([{"product_id": lamp, "quantity": 3}])).await).await["data"]["orders"][0].clone();
    let path = format!("/api/v1/orders/{}", order["id"].as_str().unwrap());
    expect_error(server.get(&path, Some(&stranger)).await, 404, "NOT_FOUND").await;
    expect_error(server.get(&path, Some(&other_seller)).await, 404, "NOT_FOUND").await;
    expect_error(server.get(&path, None).await, 401, "UNAUTHENTICATED").await;
    let seen_by_seller = json(server.get(&path, Some(&alice_token)).await).await;
    assert_eq!(
        seen_by_seller["data"]["order"]["allowed_transitions"],
        json!([]),
        "a seller cannot move an unpaid order"
    );
    assert_eq!(server.get(&path, Some(&admin)).await.status(), 200);
    let theirs = json(server.get("/api/v1/orders", Some(&stranger)).await).await;
    assert_eq!(theirs["data"]["pagination"]["total"], 0);
    expect_error(
        server.post_json(&format!("{path}/status"), Some(&stranger), &json!({"status": "canceled"})).await,
        404,
        "NOT_FOUND",
    )
    .await;

    let body = expect_error(
        server.post_json(&format!("{path}/status"), Some(&alice_token), &json!({"status": "accepted"})).await,
        409,
        "INVALID_TRANSITION",
    )
    .await;
    assert_eq!(body["errors"]["allowed_transitions"], Value::Null, "the seller may do nothing now: {body}");
    let body = expect_error(
        server.post_json(&format!("{path}/status"), Some(&buyer), &json!({"status": "shipped"})).await,
        409,
        "INVALID_TRANSITION",
    )
    .await;
    assert_eq!(body["errors"]["allowed_transitions"], json!(["canceled"]), "{body}");
    expect_error(
        server.post_json(&format!("{path}/status"), Some(&buyer), &json!({"status": "flying"})).await,
        422,
        "VALIDATION_FAILED",
    )
    .await;
    assert_eq!(available(&server, &lamp).await, 1);
    let canceled = server
        .post_json(
            &format!("{path}/status"),
            Some(&buyer),
            &json!({"status": "canceled", "reason": "changed my mind"}),
        )
        .await;
    assert_eq!(canceled.status(), 200);
    let canceled = json(canceled).await;
    assert_eq!(canceled["data"]["order"]["status"], "canceled");
    assert_eq!(canceled["data"]["order"]["allowed_transitions"], json!([]));
    assert_eq!(available(&server, &lamp).await, 4, "cancelling releases the stock");
    expect_error(
        server.post_json(&format!("{path}/status"), Some(&admin), &json!({"status": "pending"})).await,
        409,
        "INVALID_TRANSITION",
    )
    .await;
    assert_eq!(available(&server, &lamp).await, 4, "a refused move releases nothing twice");
    let by_status = json(server.get("/api/v1/orders?status=canceled", Some(&buyer)).await).await;
    assert_eq!(by_status["data"]["pagination"]["total"], 1);
    let excluded = json(server.get("/api/v1/orders?exclude_status=canceled", Some(&buyer)).await).await;
    assert_eq!(excluded["data"]["pagination"]["total"], 0);
    expect_error(server.get("/api/v1/orders?status=lost", Some(&buyer)).await, 422, "VALIDATION_FAILED")
        .await;
}

async fn unpaid_orders_expire_on_the_platform_clock_and_release_stock(backend: Backend) {
    let server = TestServer::start(backend).await;
    let (_, admin) = server.admin().await;
    let (alice, _) = server.seller("alice").await;
    let (_, buyer) = server.buyer("amina").await;
    let lamp = listed(&server, &admin, alice.id, json!({"title": "Lamp", "price": 3, "quantity": 4})).await;
    let order = json(checkout(&server, &buyer, json!([{"product_id": lamp, "quantity": 3}])).await).await["data"]["orders"][0].clone();
    let path = format!("/api/v1/orders/{}", order["id"].as_str().unwrap());
    let early = json(server.post_json("/api/v1/sandbox/jobs/run", Some(&admin), &json!({})).await).await;
    assert_eq!(early["data"]["jobs"][1], json!({"name": "expire_unpaid_orders", "processed": 0}), "{early}");
    let moved = json(
        server.post_json("/api/v1/sandbox/clock", Some(&admin), &json!({"advance_seconds": 25 * 3600})).await,
    )
    .await;
    assert_eq!(
        moved["data"]["jobs"][1],
        json!({"name": "expire_unpaid_orders", "processed": 1}),
        "moving the clock runs the jobs: {moved}"
    );
    let read = json(server.get(&path, Some(&buyer)).await).await;
    assert_eq!(read["data"]["order"]["status"], "canceled");
    assert_eq!(available(&server, &lamp).await, 4, "the stock is back");
    let again = json(server.post_json("/api/v1/sandbox/jobs/run", Some(&admin), &json!({})).await).await;
    assert_eq!(again["data"]["jobs"][1]["processed"], 0, "an expired order is cancelled once");
}

on_both_backends!(
    unpaid_orders_expire_on_the_platform_clock_and_release_stock,
    checkout_makes_one_order_per_seller_with_exact_totals,
    a_line_that_cannot_be_served_fails_the_whole_checkout,
    forty_concurrent_checkouts_never_oversell,
    a_retried_checkout_creates_one_set_of_orders,
    rentals_price_days_and_refuse_overlaps,
    only_parties_see_an_order_and_moves_follow_the_state_machine,
);
