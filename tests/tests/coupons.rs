//! Coupons over HTTP: sellers write them for their own products, checkout discounts the matching
//! seller's order (rounded down, capped, scoped, windowed, limited), ten racing checkouts never
//! exceed the limit, and in-store redemption counts once per uid.

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

async fn checkout(server: &TestServer, token: &str, lines: Value, code: Option<&str>) -> reqwest::Response {
    let mut body = json!({"lines": lines, "shipping_address": address(), "fulfillment": "delivery"});
    if let Some(code) = code {
        body["coupon_code"] = json!(code);
    }
    server.post_json("/api/v1/checkout", Some(token), &body).await
}

async fn create(server: &TestServer, token: &str, body: Value) -> Value {
    let response = server.post_json("/api/v1/coupons", Some(token), &body).await;
    assert_eq!(response.status(), 201, "{}", response.text().await.unwrap_or_default());
    json(response).await["data"]["coupon"].clone()
}

async fn redemptions(server: &TestServer, token: &str, id: &Value) -> i64 {
    let path = format!("/api/v1/coupons/{}", id.as_str().unwrap());
    json(server.get(&path, Some(token)).await).await["data"]["coupon"]["redemptions"].as_i64().unwrap()
}

async fn sellers_write_coupons_for_their_own_products(backend: Backend) {
    let server = TestServer::start(backend).await;
    let (_, admin) = server.admin().await;
    let (alice, alice_token) = server.seller("alice").await;
    let (bob, bob_token) = server.seller("bob").await;
    let (_, buyer) = server.buyer("amina").await;
    let lamp =
        listed(&server, &admin, alice.id, json!({"title": "Lamp", "price": "9.99", "quantity": 5})).await;
    let chair =
        listed(&server, &admin, bob.id, json!({"title": "Chair", "price": "40", "quantity": 5})).await;

    let spring = create(
        &server,
        &alice_token,
        json!({"code": "Spring10", "kind": "percentage", "value": 12.5, "max_redemptions": 5, "product_ids": [lamp]}),
    )
    .await;
    assert_eq!(
        (spring["value"].as_str(), spring["kind"].as_str(), spring["seller_id"].as_str()),
        (Some("12.50"), Some("percentage"), Some(alice.id.to_string().as_str()))
    );
    assert_eq!(
        (spring["redemptions"].as_i64(), spring["remaining_redemptions"].as_i64()),
        (Some(0), Some(5))
    );
    assert_eq!(spring["product_ids"], json!([lamp]));
    let body = expect_error(
        server
            .post_json(
                "/api/v1/coupons",
                Some(&alice_token),
                &json!({"code": "SPRING10", "kind": "fixed", "value": "1", "currency": "USD"}),
            )
            .await,
        409,
        "CONFLICT",
    )
    .await;
    assert!(body["message"].as_str().unwrap().contains("code"), "{body}");
    let bobs = create(
        &server,
        &bob_token,
        json!({"code": "spring10", "kind": "fixed", "value": "5", "currency": "USD"}),
    )
    .await;
    assert_eq!(bobs["value"], "5.00", "codes are unique per seller only");

    for (bad, field) in [
        (json!({"code": "A", "kind": "percentage", "value": 0}), "value"),
        (json!({"code": "A", "kind": "percentage", "value": "100.01"}), "value"),
        (json!({"code": "A", "kind": "percentage", "value": "12.345"}), "value"),
        (json!({"code": "A", "kind": "fixed", "value": "5"}), "currency"),
        (json!({"code": "A", "kind": "fixed", "value": "5.001", "currency": "USD"}), "value"),
        (json!({"code": "not valid!", "kind": "percentage", "value": 5}), "code"),
        (json!({"code": "A", "kind": "percentage", "value": 5, "max_redemptions": 0}), "max_redemptions"),
        (
            json!({"code": "A", "kind": "percentage", "value": 5, "starts_at": "2030-01-02T00:00:00Z", "ends_at": "2030-01-01T00:00:00Z"}),
            "ends_at",
        ),
        (json!({"code": "A", "kind": "percentage", "value": 5, "product_ids": [chair]}), "product_ids"),
        (json!({"code": "A", "kind": "bogus", "value": 5}), "kind"),
    ] {
        let body = expect_error(
            server.post_json("/api/v1/coupons", Some(&alice_token), &bad).await,
            422,
            "VALIDATION_FAILED",
        )
        .await;
        assert!(body["errors"][field].is_array(), "{field}: {body}");
    }
    let body = expect_error(
        server
            .post_json(
                "/api/v1/coupons",
                Some(&admin),
                &json!({"code": "ADMIN", "kind": "percentage", "value": 5}),
            )
            .await,
        422,
        "VALIDATION_FAILED",
    )
    .await;
    assert!(body["errors"]["seller_id"].is_array(), "{body}");
    let by_admin = create(
        &server,
        &admin,
        json!({"code": "ADMIN", "kind": "percentage", "value": 5, "seller_id": alice.id}),
    )
    .await;
    assert_eq!(by_admin["seller_id"], alice.id.to_string());
    expect_error(
        server
            .post_json(
                "/api/v1/coupons",
                Some(&bob_token),
                &json!({"code": "X", "kind": "percentage", "value": 5, "seller_id": alice.id}),
            )
            .await,
        403,
        "FORBIDDEN",
    )
    .await;
    expect_error(
        server
            .post_json(
                "/api/v1/coupons",
                Some(&buyer),
                &json!({"code": "X", "kind": "percentage", "value": 5}),
            )
            .await,
        403,
        "FORBIDDEN",
    )
    .await;
    expect_error(
        server
            .post_json("/api/v1/coupons", None, &json!({"code": "X", "kind": "percentage", "value": 5}))
            .await,
        401,
        "UNAUTHENTICATED",
    )
    .await;

    let path = format!("/api/v1/coupons/{}", spring["id"].as_str().unwrap());
    assert_eq!(server.get(&path, Some(&alice_token)).await.status(), 200);
    assert_eq!(server.get(&path, Some(&admin)).await.status(), 200);
    expect_error(server.get(&path, Some(&bob_token)).await, 404, "NOT_FOUND").await;
    expect_error(server.get(&path, Some(&buyer)).await, 403, "FORBIDDEN").await;
    expect_error(server.get(&path, None).await, 401, "UNAUTHENTICATED").await;
    expect_error(server.patch_json(&path, Some(&bob_token), &json!({"value": 1})).await, 404, "NOT_FOUND")
        .await;
    expect_error(server.delete(&path, Some(&bob_token)).await, 404, "NOT_FOUND").await;

    let mine = json(server.get("/api/v1/coupons", Some(&alice_token)).await).await;
    assert_eq!(mine["data"]["pagination"]["total"], 2, "a seller lists its own coupons");
    let all = json(server.get("/api/v1/coupons?order_by=code&order_direction=asc", Some(&admin)).await).await;
    assert_eq!(all["data"]["pagination"]["total"], 3);
    assert_eq!(all["data"]["coupons"][0]["code"], "ADMIN");
    let bobs_only =
        json(server.get(&format!("/api/v1/coupons?seller_id={}", bob.id), Some(&admin)).await).await;
    assert_eq!(bobs_only["data"]["pagination"]["total"], 1);
    let fixed = json(server.get("/api/v1/coupons?kind=fixed&active=true", Some(&admin)).await).await;
    assert_eq!(fixed["data"]["pagination"]["total"], 1);
    let search = json(server.get("/api/v1/coupons?search=PRING", Some(&alice_token)).await).await;
    assert_eq!(search["data"]["pagination"]["total"], 1);
    for bad in ["order_by=value", "kind=free", "active=maybe", "page=0"] {
        expect_error(
            server.get(&format!("/api/v1/coupons?{bad}"), Some(&admin)).await,
            422,
            "VALIDATION_FAILED",
        )
        .await;
    }
    expect_error(server.get("/api/v1/coupons", Some(&buyer)).await, 403, "FORBIDDEN").await;

    let changed = server
        .patch_json(&path, Some(&alice_token), &json!({"kind": "fixed", "value": "2", "currency": "USD", "max_redemptions": null, "product_ids": []}))
        .await;
    assert_eq!(changed.status(), 200);
    let changed = json(changed).await["data"]["coupon"].clone();
    assert_eq!((changed["kind"].as_str(), changed["value"].as_str()), (Some("fixed"), Some("2.00")));
    assert_eq!(
        (changed["max_redemptions"].clone(), changed["product_ids"].clone()),
        (Value::Null, json!([]))
    );
    let body = expect_error(
        server.patch_json(&path, Some(&alice_token), &json!({"kind": "percentage"})).await,
        422,
        "VALIDATION_FAILED",
    )
    .await;
    assert!(body["errors"]["value"].is_array(), "{body}");
    expect_error(
        server.patch_json(&path, Some(&alice_token), &json!({"code": "admin"})).await,
        409,
        "CONFLICT",
    )
    .await;
    assert_eq!(server.delete(&path, Some(&alice_token)).await.status(), 200);
    expect_error(server.get(&path, Some(&alice_token)).await, 404, "NOT_FOUND").await;
}

async fn checkout_discounts_the_coupons_sellers_order(backend: Backend) {
    let server = TestServer::start(backend).await;
    let (_, admin) = server.admin().await;
    let (alice, alice_token) = server.seller("alice").await;
    let (bob, _) = server.seller("bob").await;
    let (_, buyer) = server.buyer("amina").await;
    let (_, other_buyer) = server.buyer("other").await;
    let lamp =
        listed(&server, &admin, alice.id, json!({"title": "Lamp", "price": "9.99", "quantity": 50})).await;
    let shade =
        listed(&server, &admin, alice.id, json!({"title": "Shade", "price": "20", "quantity": 50})).await;
    let chair =
        listed(&server, &admin, bob.id, json!({"title": "Chair", "price": "40", "quantity": 50})).await;
    let coupon = create(
        &server,
        &alice_token,
        json!({"code": "LAMP125", "kind": "percentage", "value": "12.5", "per_customer_limit": 1, "product_ids": [lamp]}),
    )
    .await;

    let lines = json!([{"product_id": lamp, "quantity": 1}, {"product_id": shade, "quantity": 1}, {"product_id": chair, "quantity": 1}]);
    let response = checkout(&server, &buyer, lines.clone(), Some("lamp125")).await;
    assert_eq!(response.status(), 201, "{}", response.text().await.unwrap());
    let orders = json(response).await["data"]["orders"].as_array().unwrap().clone();
    let alices = &orders[0];
    assert_eq!(alices["seller_id"], alice.id.to_string());
    assert_eq!(alices["totals"]["subtotal"], "29.99");
    assert_eq!(alices["totals"]["discount"], "1.24", "12.5 % of the lamp's 9.99 is 1.24875, rounded down");
    assert_eq!(alices["totals"]["total"], "28.75");
    assert_eq!(alices["coupon_code"], "LAMP125");
    assert_eq!(
        (orders[1]["totals"]["discount"].as_str(), orders[1]["coupon_code"].clone()),
        (Some("0.00"), Value::Null)
    );
    assert_eq!(redemptions(&server, &alice_token, &coupon["id"]).await, 1);

    let body = expect_error(
        checkout(&server, &buyer, lines.clone(), Some("LAMP125")).await,
        422,
        "VALIDATION_FAILED",
    )
    .await;
    assert!(body["errors"]["coupon_code"][0].as_str().unwrap().contains("this customer"), "{body}");
    let body =
        expect_error(checkout(&server, &buyer, lines.clone(), Some("NOPE")).await, 422, "VALIDATION_FAILED")
            .await;
    assert!(body["errors"]["coupon_code"].is_array(), "{body}");
    let body = expect_error(
        checkout(&server, &other_buyer, json!([{"product_id": shade, "quantity": 1}]), Some("LAMP125")).await,
        422,
        "VALIDATION_FAILED",
    )
    .await;
    assert!(body["errors"]["coupon_code"][0].as_str().unwrap().contains("none of the products"), "{body}");
    let body = expect_error(
        checkout(&server, &other_buyer, json!([{"product_id": chair, "quantity": 1}]), Some("LAMP125")).await,
        422,
        "VALIDATION_FAILED",
    )
    .await;
    assert!(body["errors"]["coupon_code"].is_array(), "another seller's code names nothing here: {body}");
    assert_eq!(redemptions(&server, &alice_token, &coupon["id"]).await, 1, "refused checkouts count nothing");

    let fixed = create(
        &server,
        &alice_token,
        json!({"code": "TEN", "kind": "fixed", "value": "10", "currency": "USD", "min_subtotal": "15"}),
    )
    .await;
    let small = expect_error(
        checkout(&server, &other_buyer, json!([{"product_id": lamp, "quantity": 1}]), Some("ten")).await,
        422,
        "VALIDATION_FAILED",
    )
    .await;
    assert!(small["errors"]["coupon_code"][0].as_str().unwrap().contains("at least 15.00"), "{small}");
    let capped = json(
        checkout(&server, &other_buyer, json!([{"product_id": lamp, "quantity": 2}]), Some("TEN")).await,
    )
    .await;
    assert_eq!(capped["data"]["orders"][0]["totals"]["total"], "9.98", "19.98 - 10.00");

    let order = capped["data"]["orders"][0]["id"].as_str().unwrap().to_owned();
    assert_eq!(redemptions(&server, &alice_token, &fixed["id"]).await, 1);
    assert_eq!(server.delete(&format!("/api/v1/orders/{order}"), Some(&admin)).await.status(), 200);
    assert_eq!(
        redemptions(&server, &alice_token, &fixed["id"]).await,
        0,
        "an unpaid order deleted by an admin gives its use back"
    );

    let later = create(
        &server,
        &alice_token,
        json!({"code": "LATER", "kind": "percentage", "value": 50, "starts_at": (chrono::Utc::now() + chrono::Duration::days(2)).to_rfc3339()}),
    )
    .await;
    let body = expect_error(
        checkout(&server, &other_buyer, json!([{"product_id": shade, "quantity": 1}]), Some("LATER")).await,
        422,
        "VALIDATION_FAILED",
    )
    .await;
    assert!(body["errors"]["coupon_code"][0].as_str().unwrap().contains("not valid before"), "{body}");
    let short = create(
        &server,
        &alice_token,
        json!({"code": "TODAY", "kind": "percentage", "value": 50, "ends_at": (chrono::Utc::now() + chrono::Duration::hours(1)).to_rfc3339()}),
    )
    .await;
    assert_eq!(redemptions(&server, &alice_token, &coupon["id"]).await, 1);
    let moved =
        server.post_json("/api/v1/sandbox/clock", Some(&admin), &json!({"advance_seconds": 3 * 86400})).await;
    assert_eq!(moved.status(), 200);
    assert_eq!(
        redemptions(&server, &alice_token, &coupon["id"]).await,
        0,
        "an unpaid order that expires gives its use back"
    );
    let body = expect_error(
        checkout(&server, &other_buyer, json!([{"product_id": shade, "quantity": 1}]), Some("TODAY")).await,
        422,
        "VALIDATION_FAILED",
    )
    .await;
    assert!(body["errors"]["coupon_code"][0].as_str().unwrap().contains("expired"), "{body}");
    let started = json(
        checkout(&server, &other_buyer, json!([{"product_id": shade, "quantity": 1}]), Some("later")).await,
    )
    .await;
    assert_eq!(
        started["data"]["orders"][0]["totals"]["total"], "10.00",
        "the window opened on the platform clock"
    );
    assert_eq!(redemptions(&server, &alice_token, &short["id"]).await, 0);
    assert_eq!(redemptions(&server, &alice_token, &later["id"]).await, 1);
}

async fn ten_checkouts_race_for_three_uses(backend: Backend) {
    let server = TestServer::start(backend).await;
    let (_, admin) = server.admin().await;
    let (alice, alice_token) = server.seller("alice").await;
    let lamp =
        listed(&server, &admin, alice.id, json!({"title": "Lamp", "price": "10", "quantity": 100})).await;
    let coupon = create(
        &server,
        &alice_token,
        json!({"code": "FIRST3", "kind": "fixed", "value": "4", "currency": "USD", "max_redemptions": 3}),
    )
    .await;
    let mut buyers = Vec::new();
    for i in 0..10 {
        buyers.push(server.buyer(&format!("racer{i}")).await.1);
    }
    let server = Arc::new(server);
    let mut tasks = Vec::new();
    for token in buyers {
        let (server, lamp) = (server.clone(), lamp.clone());
        tasks.push(tokio::spawn(async move {
            let response =
                checkout(&server, &token, json!([{"product_id": lamp, "quantity": 1}]), Some("first3")).await;
            let status = response.status().as_u16();
            (status, json(response).await)
        }));
    }
    let mut results = Vec::new();
    for task in tasks {
        results.push(task.await.unwrap());
    }
    let won: Vec<&Value> = results.iter().filter(|(s, _)| *s == 201).map(|(_, b)| b).collect();
    assert_eq!(won.len(), 3, "{results:?}");
    assert!(won.iter().all(|b| b["data"]["orders"][0]["totals"]["total"] == "6.00"), "{won:?}");
    for (status, body) in results.iter().filter(|(s, _)| *s != 201) {
        assert_eq!(*status, 422, "{body}");
        assert!(body["errors"]["coupon_code"][0].as_str().unwrap().contains("used up"), "{body}");
    }
    assert_eq!(redemptions(&server, &alice_token, &coupon["id"]).await, 3);
    let all = json(server.get("/api/v1/orders", Some(&admin)).await).await;
    assert_eq!(all["data"]["pagination"]["total"], 3);
}

async fn integration_token(server: &TestServer, owner: &str, scopes: Value) -> String {
    let created = server
        .post_json("/api/v1/oauth/clients", Some(owner), &json!({"name": "Till", "scopes": scopes}))
        .await;
    assert_eq!(created.status(), 201);
    let body = json(created).await;
    let form = [
        ("grant_type", "client_credentials"),
        ("client_id", body["data"]["client"]["client_id"].as_str().unwrap()),
        ("client_secret", body["data"]["client_secret"].as_str().unwrap()),
    ];
    let issued = server.client.post(server.url("/api/v1/oauth/token")).form(&form).send().await.unwrap();
    json(issued).await["access_token"].as_str().unwrap().to_owned()
}

async fn in_store_coupons_redeem_once_per_uid(backend: Backend) {
    let server = TestServer::start(backend).await;
    let (_, admin) = server.admin().await;
    let (alice, alice_token) = server.seller("alice").await;
    let (_, bob_token) = server.seller("bob").await;
    let (_, buyer) = server.buyer("amina").await;
    let coupon = create(
        &server,
        &alice_token,
        json!({"code": "STORE", "kind": "percentage", "value": 10, "max_redemptions": 2}),
    )
    .await;
    let redeem = |token: String, body: Value| {
        let server = &server;
        async move { server.post_json("/api/v1/coupons/redeem", Some(&token), &body).await }
    };
    let till = integration_token(&server, &alice_token, json!(["coupon:redeem"])).await;
    let first = redeem(till.clone(), json!({"uid": "card-1", "code": "store"})).await;
    assert_eq!(first.status(), 201);
    let first = json(first).await["data"]["redemption"].clone();
    assert_eq!((first["uid"].as_str(), first["code"].as_str()), (Some("card-1"), Some("STORE")));
    assert_eq!((first["redemptions"].as_i64(), first["remaining_redemptions"].as_i64()), (Some(1), Some(1)));
    expect_error(
        redeem(alice_token.clone(), json!({"uid": "card-1", "code": "STORE"})).await,
        409,
        "CONFLICT",
    )
    .await;
    expect_error(
        redeem(bob_token.clone(), json!({"uid": "card-9", "code": "STORE"})).await,
        404,
        "NOT_FOUND",
    )
    .await;
    expect_error(
        redeem(alice_token.clone(), json!({"uid": "card-9", "code": "NOPE"})).await,
        404,
        "NOT_FOUND",
    )
    .await;
    expect_error(redeem(buyer.clone(), json!({"uid": "card-9", "code": "STORE"})).await, 403, "FORBIDDEN")
        .await;
    let body = expect_error(
        redeem(alice_token.clone(), json!({"uid": " ", "code": "STORE"})).await,
        422,
        "VALIDATION_FAILED",
    )
    .await;
    assert!(body["errors"]["uid"].is_array(), "{body}");
    let body = expect_error(
        redeem(admin.clone(), json!({"uid": "card-2", "code": "STORE"})).await,
        422,
        "VALIDATION_FAILED",
    )
    .await;
    assert!(body["errors"]["seller_id"].is_array(), "{body}");
    let second =
        redeem(admin.clone(), json!({"uid": "card-2", "code": "STORE", "seller_id": alice.id})).await;
    assert_eq!(second.status(), 201);
    let body = expect_error(
        redeem(alice_token.clone(), json!({"uid": "card-3", "code": "STORE"})).await,
        409,
        "CONFLICT",
    )
    .await;
    assert!(body["message"].as_str().unwrap().contains("used up"), "{body}");
    assert_eq!(redemptions(&server, &alice_token, &coupon["id"]).await, 2);
    let reader = integration_token(&server, &alice_token, json!(["coupon:view"])).await;
    expect_error(redeem(reader, json!({"uid": "card-4", "code": "STORE"})).await, 403, "FORBIDDEN").await;
    let anonymous =
        server.post_json("/api/v1/coupons/redeem", None, &json!({"uid": "x", "code": "STORE"})).await;
    expect_error(anonymous, 401, "UNAUTHENTICATED").await;
}

async fn a_canceled_unpaid_order_gives_its_use_back(backend: Backend) {
    let server = TestServer::start(backend).await;
    let (_, admin) = server.admin().await;
    let (alice, alice_token) = server.seller("alice").await;
    let (_, buyer) = server.buyer("amina").await;
    let lamp =
        listed(&server, &admin, alice.id, json!({"title": "Lamp", "price": "10", "quantity": 10})).await;
    let coupon = create(
        &server,
        &alice_token,
        json!({"code": "ONCE", "kind": "fixed", "value": "1", "currency": "USD", "max_redemptions": 1}),
    )
    .await;
    let lines = json!([{"product_id": lamp, "quantity": 1}]);
    let first = checkout(&server, &buyer, lines.clone(), Some("ONCE")).await;
    assert_eq!(first.status(), 201);
    let order = json(first).await["data"]["orders"][0]["id"].as_str().unwrap().to_owned();
    expect_error(checkout(&server, &buyer, lines.clone(), Some("ONCE")).await, 422, "VALIDATION_FAILED")
        .await;
    let canceled = server
        .post_json(&format!("/api/v1/orders/{order}/status"), Some(&buyer), &json!({"status": "canceled"}))
        .await;
    assert_eq!(canceled.status(), 200);
    assert_eq!(redemptions(&server, &alice_token, &coupon["id"]).await, 0);
    assert_eq!(checkout(&server, &buyer, lines, Some("ONCE")).await.status(), 201, "the use is back");
    server.stop().await;
}

on_both_backends!(
    a_canceled_unpaid_order_gives_its_use_back,
    sellers_write_coupons_for_their_own_products,
    checkout_discounts_the_coupons_sellers_order,
    ten_checkouts_race_for_three_uses,
    in_store_coupons_redeem_once_per_uid,
);
