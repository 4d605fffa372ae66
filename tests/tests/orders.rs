//! Checkout and orders over HTTP: one order per seller, exact totals, atomic stock reservation
//! (no oversell under 40 concurrent checkouts), rentals, idempotent retries, object-level
//! authorization and status changes.

use std::sync::Arc;

use serde_json::{Value, json};
use souk_tests::{Backend, TestServer, expect_error, json, on_both_backends};

/// A date `days` from today, as the API writes dates.
fn day(days: i64) -> String {
    (chrono::Utc::now().date_naive() + chrono::Duration::days(days)).to_string()
}

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
    let booked = checkout(&server, &first, days(&day(30), &day(32))).await;
    assert_eq!(booked.status(), 201);
    assert_eq!(json(booked).await["data"]["orders"][0]["totals"]["total"], "37.50", "3 days x 12.50");
    let body =
        expect_error(checkout(&server, &second, days(&day(32), &day(34))).await, 409, "CONFLICT").await;
    assert!(body["errors"]["lines[0]"].is_array(), "{body}");
    assert_eq!(checkout(&server, &second, days(&day(33), &day(34))).await.status(), 201);
    expect_error(checkout(&server, &second, days(&day(65), &day(61))).await, 422, "VALIDATION_FAILED").await;
    let lamp = listed(&server, &admin, alice.id, json!({"title": "Lamp", "price": 1, "quantity": 1})).await;
    let body = expect_error(
        checkout(&server, &second, json!([{"product_id": lamp, "quantity": 1, "rental": {"start_date": day(30), "end_date": day(31)}}])).await,
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

async fn crossing_multi_line_checkouts_never_deadlock_into_errors(backend: Backend) {
    let server = TestServer::start(backend).await;
    let (_, admin) = server.admin().await;
    let (alice, _) = server.seller("alice").await;
    let (bob, _) = server.seller("bob").await;
    let first = listed(&server, &admin, alice.id, json!({"title": "First", "price": 1, "quantity": 8})).await;
    let second = listed(&server, &admin, bob.id, json!({"title": "Second", "price": 1, "quantity": 8})).await;
    let mut buyers = Vec::new();
    for i in 0..20 {
        buyers.push(server.buyer(&format!("crossing{i}")).await.1);
    }
    let server = Arc::new(server);
    let mut tasks = Vec::new();
    for (i, token) in buyers.into_iter().enumerate() {
        let (server, a, b) = (server.clone(), first.clone(), second.clone());
        let lines = if i % 2 == 0 {
            json!([{"product_id": a, "quantity": 1}, {"product_id": b, "quantity": 1}])
        } else {
            json!([{"product_id": b, "quantity": 1}, {"product_id": a, "quantity": 1}])
        };
        tasks.push(tokio::spawn(async move { checkout(&server, &token, lines).await.status().as_u16() }));
    }
    let mut statuses = Vec::new();
    for task in tasks {
        statuses.push(task.await.unwrap());
    }
    assert_eq!(statuses.iter().filter(|s| **s == 201).count(), 8, "{statuses:?}");
    assert!(statuses.iter().all(|s| *s == 201 || *s == 409), "{statuses:?}");
    assert_eq!((available(&server, &first).await, available(&server, &second).await), (0, 0));
}

async fn stock_never_drops_below_what_orders_hold(backend: Backend) {
    let server = TestServer::start(backend).await;
    let (_, admin) = server.admin().await;
    let (alice, alice_token) = server.seller("alice").await;
    let (_, buyer) = server.buyer("amina").await;
    let lamp = listed(&server, &admin, alice.id, json!({"title": "Lamp", "price": 1, "quantity": 5})).await;
    assert_eq!(checkout(&server, &buyer, json!([{"product_id": lamp, "quantity": 4}])).await.status(), 201);
    let body = expect_error(
        server
            .patch_json(&format!("/api/v1/products/{lamp}"), Some(&alice_token), &json!({"quantity": 3}))
            .await,
        409,
        "CONFLICT",
    )
    .await;
    assert!(body["errors"]["quantity"].is_array(), "{body}");
    let raised = server
        .patch_json(&format!("/api/v1/products/{lamp}"), Some(&alice_token), &json!({"quantity": 9}))
        .await;
    assert_eq!(raised.status(), 200);
    assert_eq!(available(&server, &lamp).await, 5);
    let tent = listed(
        &server,
        &admin,
        alice.id,
        json!({"title": "Tent", "price": 9, "quantity": 3, "rental": {"daily_rate": 2}}),
    )
    .await;
    let two =
        json!([{"product_id": tent, "quantity": 2, "rental": {"start_date": day(10), "end_date": day(11)}}]);
    let body = expect_error(checkout(&server, &buyer, two).await, 422, "VALIDATION_FAILED").await;
    assert!(body["errors"]["lines[0].quantity"].is_array(), "{body}");
    let past =
        json!([{"product_id": tent, "quantity": 1, "rental": {"start_date": day(-10), "end_date": day(-9)}}]);
    let body = expect_error(checkout(&server, &buyer, past).await, 422, "VALIDATION_FAILED").await;
    assert!(body["errors"]["lines[0].rental"].is_array(), "{body}");
}

async fn history_details_deletion_and_filters(backend: Backend) {
    let server = TestServer::start(backend).await;
    let (_, admin) = server.admin().await;
    let (alice, alice_token) = server.seller("alice").await;
    let (bob, _) = server.seller("bob").await;
    let (_, buyer) = server.buyer("amina").await;
    let lamp = listed(&server, &admin, alice.id, json!({"title": "Lamp", "price": "3", "quantity": 9})).await;
    let chair = listed(&server, &admin, bob.id, json!({"title": "Chair", "price": "40", "quantity": 9,
        "trial_policy": {"trial_days": 3, "penalty_type": "flat", "penalty_value": "1", "return_window_hours": 24}})).await;
    let cart = json(
        checkout(
            &server,
            &buyer,
            json!([{"product_id": lamp, "quantity": 2}, {"product_id": chair, "quantity": 1}]),
        )
        .await,
    )
    .await;
    let orders = cart["data"]["orders"].as_array().unwrap().clone();
    let (lamp_order, chair_order) =
        (orders[0]["id"].as_str().unwrap().to_owned(), orders[1]["id"].as_str().unwrap().to_owned());
    let path = format!("/api/v1/orders/{lamp_order}");

    let changed = server
        .patch_json(&path, Some(&buyer), &json!({"note": "Leave at the door", "is_archived": true,
            "shipping_address": {"name": "Amina", "phone": "+251911000001", "line1": "Kazanchis 3", "city": "Addis Ababa", "country": "ET"}}))
        .await;
    assert_eq!(changed.status(), 200);
    let changed = json(changed).await["data"]["order"].clone();
    assert_eq!(
        (changed["note"].as_str(), changed["is_archived"].as_bool()),
        (Some("Leave at the door"), Some(true))
    );
    assert_eq!(changed["shipping_address"]["line1"], "Kazanchis 3");
    expect_error(
        server.patch_json(&path, Some(&alice_token), &json!({"note": "mine"})).await,
        403,
        "FORBIDDEN",
    )
    .await;
    assert_eq!(
        server.patch_json(&path, Some(&alice_token), &json!({"is_archived": false})).await.status(),
        200
    );
    expect_error(
        server.patch_json(&path, Some(&buyer), &json!({"note": "x".repeat(1001)})).await,
        422,
        "VALIDATION_FAILED",
    )
    .await;

    server
        .post_json(
            &format!("{path}/status"),
            Some(&buyer),
            &json!({"status": "canceled", "reason": "too slow"}),
        )
        .await;
    let events = json(server.get(&format!("{path}/events"), Some(&alice_token)).await).await;
    let events = events["data"]["events"].as_array().unwrap().clone();
    assert_eq!(events.len(), 2);
    assert_eq!(
        (events[0]["from_status"].clone(), events[0]["to_status"].clone()),
        (Value::Null, json!("pending"))
    );
    assert_eq!(
        (events[1]["to_status"].as_str(), events[1]["party"].as_str(), events[1]["reason"].as_str()),
        (Some("canceled"), Some("buyer"), Some("too slow"))
    );
    let (_, stranger) = server.buyer("stranger").await;
    expect_error(server.get(&format!("{path}/events"), Some(&stranger)).await, 404, "NOT_FOUND").await;
    let late = server.patch_json(&path, Some(&buyer), &json!({"shipping_address": {"name": "A", "phone": "1", "line1": "x", "city": "y", "country": "ET"}})).await;
    expect_error(late, 409, "CONFLICT").await;

    let filtered = |query: &'static str| {
        let (server, admin) = (&server, &admin);
        async move {
            json(server.get(&format!("/api/v1/orders?{query}"), Some(admin)).await).await["data"]["pagination"]["total"].as_u64().unwrap()
        }
    };
    assert_eq!(filtered("is_cancelled=true").await, 1);
    assert_eq!(filtered("is_cancelled=false&has_trial=true").await, 1);
    assert_eq!(filtered("payment_status=unpaid&delivery_status=not_shipped").await, 2);
    assert_eq!(filtered("exclude_payment_status=unpaid").await, 0);
    assert_eq!(filtered("search=kazanchis").await, 1);
    assert_eq!(filtered("search=SK-").await, 2);
    let by_product =
        json(server.get(&format!("/api/v1/orders?product_id={chair}"), Some(&admin)).await).await;
    assert_eq!(by_product["data"]["orders"][0]["id"], chair_order.as_str());
    let by_seller =
        json(server.get(&format!("/api/v1/orders?seller_id={}", bob.id), Some(&admin)).await).await;
    assert_eq!(by_seller["data"]["pagination"]["total"], 1);
    let by_total = json(
        server.get("/api/v1/orders?order_by=total&order_direction=asc&fields=id,totals", Some(&admin)).await,
    )
    .await;
    assert_eq!(by_total["data"]["orders"][0]["totals"]["total"], "6.00");
    assert_eq!(by_total["data"]["orders"][0].as_object().unwrap().len(), 2, "only the asked fields");
    let by_quantity = json(server.get("/api/v1/orders?order_by=quantity", Some(&admin)).await).await;
    assert_eq!(by_quantity["data"]["orders"][0]["id"], lamp_order.as_str());
    for bad in
        ["order_by=weight", "payment_status=owed", "buyer_id=nope", "fields=secret", "updated_from=yesterday"]
    {
        expect_error(
            server.get(&format!("/api/v1/orders?{bad}"), Some(&admin)).await,
            422,
            "VALIDATION_FAILED",
        )
        .await;
    }

    let chair_path = format!("/api/v1/orders/{chair_order}");
    expect_error(server.delete(&chair_path, Some(&buyer)).await, 403, "FORBIDDEN").await;
    assert_eq!(available(&server, &chair).await, 8);
    assert_eq!(server.delete(&chair_path, Some(&admin)).await.status(), 200);
    assert_eq!(available(&server, &chair).await, 9, "deleting an unpaid order gives its stock back");
    expect_error(server.get(&chair_path, Some(&admin)).await, 404, "NOT_FOUND").await;
    expect_error(server.delete(&path, Some(&admin)).await, 409, "CONFLICT").await;
}

async fn exports_stream_every_line_across_batches(backend: Backend) {
    let server = TestServer::start(backend).await;
    let (_, admin) = server.admin().await;
    let (alice, alice_token) = server.seller("alice").await;
    let (_, buyer) = server.buyer("amina").await;
    let (_, other) = server.buyer("other").await;
    let pen = listed(
        &server,
        &admin,
        alice.id,
        json!({"title": "Pen, \"fine\"", "price": "1.50", "stock_tracked": false}),
    )
    .await;
    let ink =
        listed(&server, &admin, alice.id, json!({"title": "Ink", "price": "2", "stock_tracked": false}))
            .await;
    for _ in 0..505 {
        let response = checkout(
            &server,
            &buyer,
            json!([{"product_id": pen, "quantity": 1}, {"product_id": ink, "quantity": 2}]),
        )
        .await;
        assert_eq!(response.status(), 201);
    }
    assert_eq!(checkout(&server, &other, json!([{"product_id": pen, "quantity": 1}])).await.status(), 201);
    let response = server.get("/api/v1/orders/export", Some(&buyer)).await;
    assert_eq!(response.status(), 200);
    assert!(response.headers()["content-type"].to_str().unwrap().starts_with("text/csv"));
    let text = response.text().await.unwrap();
    let mut reader = csv::Reader::from_reader(text.as_bytes());
    assert_eq!(reader.headers().unwrap().get(1), Some("number"));
    let rows: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    assert_eq!(rows.len(), 1010, "two lines for each of the buyer's 505 orders, across two batches");
    let numbers: std::collections::HashSet<&str> = rows.iter().map(|r| r.get(1).unwrap()).collect();
    assert_eq!(numbers.len(), 505, "no order twice, none missing");
    assert!(rows.iter().any(|r| r.get(17) == Some("Pen, \"fine\"")), "quotes and commas survive");
    assert!(rows.iter().all(|r| r.get(13) == Some("5.50")));
    let seller = server.get("/api/v1/orders/export?format=ndjson&page_size=1", Some(&alice_token)).await;
    assert_eq!(seller.status(), 200);
    let lines: Vec<Value> =
        seller.text().await.unwrap().lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    assert_eq!(lines.len(), 1011, "the seller exports every order of its products");
    let filtered = server
        .get(
            &format!(
                "/api/v1/orders/export?format=ndjson&product_id={ink}&buyer_id={}",
                uuid::Uuid::now_v7()
            ),
            Some(&admin),
        )
        .await;
    assert_eq!(filtered.text().await.unwrap(), "", "filters apply");
    expect_error(
        server.get("/api/v1/orders/export?format=xlsx", Some(&buyer)).await,
        422,
        "VALIDATION_FAILED",
    )
    .await;
    expect_error(server.get("/api/v1/orders/export", None).await, 401, "UNAUTHENTICATED").await;
}

async fn integration_token(server: &TestServer, owner: &str, scopes: Value) -> String {
    let created = server
        .post_json("/api/v1/oauth/clients", Some(owner), &json!({"name": "Shop sync", "scopes": scopes}))
        .await;
    assert_eq!(created.status(), 201, "{}", created.text().await.unwrap_or_default());
    let body = json(created).await;
    let form = [
        ("grant_type", "client_credentials"),
        ("client_id", body["data"]["client"]["client_id"].as_str().unwrap()),
        ("client_secret", body["data"]["client_secret"].as_str().unwrap()),
    ];
    let issued = server.client.post(server.url("/api/v1/oauth/token")).form(&form).send().await.unwrap();
    json(issued).await["access_token"].as_str().unwrap().to_owned()
}

async fn orders_made_elsewhere_are_recorded_without_stock_or_escrow(backend: Backend) {
    let server = TestServer::start(backend).await;
    let (_, admin) = server.admin().await;
    let (alice, alice_token) = server.seller("alice").await;
    let (bob, _) = server.seller("bob").await;
    let (_, buyer) = server.buyer("amina").await;
    let lamp =
        listed(&server, &admin, alice.id, json!({"title": "Lamp", "price": "10", "quantity": 4})).await;
    let chair =
        listed(&server, &admin, bob.id, json!({"title": "Chair", "price": "40", "quantity": 4})).await;
    let sync =
        integration_token(&server, &alice_token, json!(["order:create", "order:view", "customer:view"]))
            .await;
    let body = |lines: Value| {
        json!({
            "customer": {"email": "Walkin@Example.com", "name": "Walk-in", "city": "Adama", "country": "ET"},
            "currency": "USD", "lines": lines, "status": "new", "payment_status": "paid",
            "shipping": "5", "discount": 1, "note": "synced from the till"
        })
    };
    let lines = json!([{"title": "Tea", "sku": "TEA-1", "unit_price": "4.50", "quantity": 2}, {"title": "Lamp", "unit_price": 10, "quantity": 1, "product_id": lamp}]);
    let response = server.post_json("/api/v1/orders", Some(&sync), &body(lines.clone())).await;
    assert_eq!(response.status(), 201, "{}", response.text().await.unwrap_or_default());
    let order = json(response).await["data"]["order"].clone();
    assert_eq!(
        (order["source"].as_str(), order["status"].as_str(), order["payment_status"].as_str()),
        (Some("external"), Some("new"), Some("paid"))
    );
    assert_eq!(order["seller_id"], alice.id.to_string());
    assert_eq!(
        order["totals"],
        json!({"subtotal": "19.00", "discount": "1.00", "shipping": "5.00", "fee": "0.00", "total": "23.00"})
    );
    assert_eq!(order["lines"][0]["product_id"], uuid::Uuid::nil().to_string());
    assert_eq!(order["lines"][1]["product_id"], lamp.as_str());
    assert_eq!(
        order["shipping_address"]["city"], "Adama",
        "the customer's fields stand in for a missing address"
    );
    assert_eq!(order["expires_at"], Value::Null, "an external order never expires");
    assert!(order["number"].as_str().unwrap().starts_with("SK-"));
    assert_eq!(available(&server, &lamp).await, 4, "no stock is reserved");
    let path = format!("/api/v1/orders/{}", order["id"].as_str().unwrap());
    assert_eq!(server.get(&path, Some(&alice_token)).await.status(), 200);
    assert_eq!(server.get(&path, Some(&admin)).await.status(), 200);
    expect_error(server.get(&path, Some(&buyer)).await, 404, "NOT_FOUND").await;
    let events = json(server.get(&format!("{path}/events"), Some(&alice_token)).await).await;
    assert_eq!(events["data"]["events"][0]["party"], "seller");
    let created = json(
        server
            .get(
                &format!("/api/v1/events?type=order.*&object_id={}", order["id"].as_str().unwrap()),
                Some(&admin),
            )
            .await,
    )
    .await;
    assert_eq!(created["data"]["events"][0]["type"], "order.created", "{created}");
    let customer = json(
        server
            .get(&format!("/api/v1/customers/{}", order["customer_id"].as_str().unwrap()), Some(&sync))
            .await,
    )
    .await;
    assert_eq!(customer["data"]["customer"]["email"], "Walkin@Example.com");
    assert_eq!(customer["data"]["customer"]["user_id"], Value::Null);
    assert_eq!(customer["data"]["customer"]["amount_spent"], json!([{"currency": "USD", "amount": "23.00"}]));

    expect_error(
        server.post_json("/api/v1/orders", Some(&alice_token), &body(lines.clone())).await,
        403,
        "FORBIDDEN",
    )
    .await;
    expect_error(
        server.post_json("/api/v1/orders", Some(&buyer), &body(lines.clone())).await,
        403,
        "FORBIDDEN",
    )
    .await;
    expect_error(
        server.post_json("/api/v1/orders", None, &body(lines.clone())).await,
        401,
        "UNAUTHENTICATED",
    )
    .await;
    let reader = integration_token(&server, &alice_token, json!(["order:view"])).await;
    expect_error(
        server.post_json("/api/v1/orders", Some(&reader), &body(lines.clone())).await,
        403,
        "FORBIDDEN",
    )
    .await;
    let mut for_bob = body(lines.clone());
    for_bob["seller_id"] = json!(bob.id);
    expect_error(server.post_json("/api/v1/orders", Some(&sync), &for_bob).await, 403, "FORBIDDEN").await;
    let refused = expect_error(
        server.post_json("/api/v1/orders", Some(&admin), &body(lines.clone())).await,
        422,
        "VALIDATION_FAILED",
    )
    .await;
    assert!(refused["errors"]["seller_id"].is_array(), "{refused}");
    let mut by_admin =
        body(json!([{"title": "Chair", "unit_price": "40", "quantity": 1, "product_id": chair}]));
    by_admin["seller_id"] = json!(bob.id);
    by_admin["status"] = json!("completed");
    by_admin["discount"] = json!("0");
    let recorded = server.post_json("/api/v1/orders", Some(&admin), &by_admin).await;
    assert_eq!(recorded.status(), 201, "{}", recorded.text().await.unwrap_or_default());
    let recorded = json(recorded).await["data"]["order"].clone();
    assert_eq!(
        (recorded["status"].as_str(), recorded["delivery_status"].as_str()),
        (Some("completed"), Some("delivered"))
    );

    let bad = expect_error(
        server.post_json("/api/v1/orders", Some(&sync), &body(json!([{"title": "Chair", "unit_price": "4.505", "quantity": 0, "product_id": chair}, {"title": "", "unit_price": 1, "quantity": 1}]))).await,
        422,
        "VALIDATION_FAILED",
    )
    .await;
    for field in ["lines[0].quantity", "lines[0].product_id", "lines[1].title"] {
        assert!(bad["errors"][field].is_array(), "{field}: {bad}");
    }
    let mut wrong = body(lines.clone());
    wrong["status"] = json!("teleported");
    wrong["payment_status"] = json!("owed");
    let bad =
        expect_error(server.post_json("/api/v1/orders", Some(&sync), &wrong).await, 422, "VALIDATION_FAILED")
            .await;
    assert!(bad["errors"]["status"].is_array() && bad["errors"]["payment_status"].is_array(), "{bad}");
    let mut wrong = body(lines.clone());
    wrong["customer"]["email"] = json!("nobody");
    wrong["discount"] = json!("100");
    wrong["currency"] = json!("usd");
    let bad =
        expect_error(server.post_json("/api/v1/orders", Some(&sync), &wrong).await, 422, "VALIDATION_FAILED")
            .await;
    assert!(bad["errors"]["currency"].is_array(), "{bad}");
    wrong["currency"] = json!("USD");
    let bad =
        expect_error(server.post_json("/api/v1/orders", Some(&sync), &wrong).await, 422, "VALIDATION_FAILED")
            .await;
    assert!(bad["errors"]["customer.email"].is_array() && bad["errors"]["discount"].is_array(), "{bad}");
    let external = json(server.get("/api/v1/orders", Some(&alice_token)).await).await;
    assert_eq!(external["data"]["pagination"]["total"], 1, "refused requests recorded nothing");
}

async fn parties_keep_metafields_on_an_order(backend: Backend) {
    let server = TestServer::start(backend).await;
    let (_, admin) = server.admin().await;
    let (alice, alice_token) = server.seller("alice").await;
    let (_, other_seller) = server.seller("bob").await;
    let (_, buyer) = server.buyer("amina").await;
    let (_, stranger) = server.buyer("stranger").await;
    let lamp = listed(&server, &admin, alice.id, json!({"title": "Lamp", "price": 3, "quantity": 4})).await;
    let order = json(checkout(&server, &buyer, json!([{"product_id": lamp, "quantity": 1}])).await).await["data"]
        ["orders"][0]
        .clone();
    let path = format!("/api/v1/orders/{}/metafields", order["id"].as_str().unwrap());
    let first = server
        .post_json(&path, Some(&alice_token), &json!({"namespace": "erp", "key": "ref", "value": {"id": 7}}))
        .await;
    assert_eq!(first.status(), 200);
    let first = json(first).await["data"]["metafield"].clone();
    let replaced = server
        .post_json(&path, Some(&admin), &json!({"namespace": "erp", "key": "ref", "value": {"id": 8}}))
        .await;
    let replaced = json(replaced).await["data"]["metafield"].clone();
    assert_eq!((replaced["id"].clone(), replaced["value"].clone()), (first["id"].clone(), json!({"id": 8})));
    assert_eq!(
        server
            .post_json(
                &path,
                Some(&buyer),
                &json!({"namespace": "gift", "key": "message", "value": "Happy birthday"})
            )
            .await
            .status(),
        200
    );
    let listed = json(server.get(&path, Some(&buyer)).await).await;
    let keys: Vec<&str> = listed["data"]["metafields"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["namespace"].as_str().unwrap())
        .collect();
    assert_eq!(keys, ["erp", "gift"], "by namespace, then key");
    for outsider in [&stranger, &other_seller] {
        expect_error(server.get(&path, Some(outsider)).await, 404, "NOT_FOUND").await;
        expect_error(
            server.post_json(&path, Some(outsider), &json!({"namespace": "x", "key": "y", "value": 1})).await,
            404,
            "NOT_FOUND",
        )
        .await;
    }
    expect_error(server.get(&path, None).await, 401, "UNAUTHENTICATED").await;
    let body = expect_error(
        server
            .post_json(&path, Some(&alice_token), &json!({"namespace": "ERP!", "key": "", "value": 1}))
            .await,
        422,
        "VALIDATION_FAILED",
    )
    .await;
    assert!(body["errors"]["namespace"].is_array() && body["errors"]["key"].is_array(), "{body}");
    let missing = format!("/api/v1/orders/{}/metafields", uuid::Uuid::now_v7());
    expect_error(server.get(&missing, Some(&admin)).await, 404, "NOT_FOUND").await;
}

on_both_backends!(
    parties_keep_metafields_on_an_order,
    orders_made_elsewhere_are_recorded_without_stock_or_escrow,
    exports_stream_every_line_across_batches,
    history_details_deletion_and_filters,
    crossing_multi_line_checkouts_never_deadlock_into_errors,
    stock_never_drops_below_what_orders_hold,
    unpaid_orders_expire_on_the_platform_clock_and_release_stock,
    checkout_makes_one_order_per_seller_with_exact_totals,
    a_line_that_cannot_be_served_fails_the_whole_checkout,
    forty_concurrent_checkouts_never_oversell,
    a_retried_checkout_creates_one_set_of_orders,
    rentals_price_days_and_refuse_overlaps,
    only_parties_see_an_order_and_moves_follow_the_state_machine,
);
