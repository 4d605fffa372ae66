//! Customers over HTTP: sellers keep their own records (admins any seller's), checkout records
//! the buyer as a customer of each seller by e-mail, and reads carry the paid order count, the
//! amount spent per currency and the newest order.

use serde_json::{Value, json};
use souk_tests::payments::{address, listed_product, pay, sandbox_gateway};
use souk_tests::{Backend, TestServer, expect_error, json, on_both_backends};

async fn create(server: &TestServer, token: &str, body: Value) -> Value {
    let response = server.post_json("/api/v1/customers", Some(token), &body).await;
    assert_eq!(response.status(), 201, "{}", response.text().await.unwrap_or_default());
    json(response).await["data"]["customer"].clone()
}

async fn total(server: &TestServer, token: &str, query: &str) -> u64 {
    let body = json(server.get(&format!("/api/v1/customers?{query}"), Some(token)).await).await;
    body["data"]["pagination"]["total"].as_u64().unwrap_or_else(|| panic!("{body}"))
}

async fn sellers_keep_their_own_customers(backend: Backend) {
    let server = TestServer::start(backend).await;
    let (_, admin) = server.admin().await;
    let (alice, alice_token) = server.seller("alice").await;
    let (_, bob_token) = server.seller("bob").await;
    let (_, buyer) = server.buyer("amina").await;

    let amina = create(
        &server,
        &alice_token,
        json!({"email": "Amina@Example.com", "name": "Amina Bekele", "city": "Addis Ababa", "country": "et", "subscription_status": "subscribed"}),
    )
    .await;
    assert_eq!(
        (amina["email"].as_str(), amina["country"].as_str(), amina["subscription_status"].as_str()),
        (Some("Amina@Example.com"), Some("ET"), Some("subscribed"))
    );
    assert_eq!((amina["order_count"].as_i64(), amina["amount_spent"].clone()), (Some(0), json!([])));
    assert_eq!(amina["latest_order"], Value::Null);
    assert_eq!(amina["seller_id"], alice.id.to_string());
    let body = expect_error(
        server
            .post_json("/api/v1/customers", Some(&alice_token), &json!({"email": "amina@EXAMPLE.com"}))
            .await,
        409,
        "CONFLICT",
    )
    .await;
    assert!(body["message"].as_str().unwrap().contains("e-mail"), "{body}");
    let bobs = create(&server, &bob_token, json!({"email": "amina@example.com"})).await;
    assert_eq!(bobs["subscription_status"], "not_subscribed", "e-mails are unique per seller only");
    let yonas = create(
        &server,
        &alice_token,
        json!({"email": "yonas@example.com", "name": "Yonas", "country": "KE"}),
    )
    .await;

    for (bad, field) in [
        (json!({"email": "nope"}), "email"),
        (json!({"email": "a@example.com", "country": "Ethiopia"}), "country"),
        (json!({"email": "a@example.com", "phone": "1".repeat(33)}), "phone"),
        (json!({"email": "a@example.com", "subscription_status": "pending"}), "subscription_status"),
        (json!({"name": "No e-mail"}), "email"),
    ] {
        let body = expect_error(
            server.post_json("/api/v1/customers", Some(&alice_token), &bad).await,
            422,
            "VALIDATION_FAILED",
        )
        .await;
        assert!(body["errors"][field].is_array(), "{field}: {body}");
    }
    let body = expect_error(
        server.post_json("/api/v1/customers", Some(&admin), &json!({"email": "c@example.com"})).await,
        422,
        "VALIDATION_FAILED",
    )
    .await;
    assert!(body["errors"]["seller_id"].is_array(), "{body}");
    let by_admin = create(&server, &admin, json!({"email": "c@example.com", "seller_id": alice.id})).await;
    assert_eq!(by_admin["seller_id"], alice.id.to_string());
    expect_error(
        server
            .post_json(
                "/api/v1/customers",
                Some(&bob_token),
                &json!({"email": "d@example.com", "seller_id": alice.id}),
            )
            .await,
        403,
        "FORBIDDEN",
    )
    .await;
    expect_error(
        server.post_json("/api/v1/customers", Some(&buyer), &json!({"email": "d@example.com"})).await,
        403,
        "FORBIDDEN",
    )
    .await;
    expect_error(
        server.post_json("/api/v1/customers", None, &json!({"email": "d@example.com"})).await,
        401,
        "UNAUTHENTICATED",
    )
    .await;

    let path = format!("/api/v1/customers/{}", amina["id"].as_str().unwrap());
    assert_eq!(server.get(&path, Some(&alice_token)).await.status(), 200);
    assert_eq!(server.get(&path, Some(&admin)).await.status(), 200);
    expect_error(server.get(&path, Some(&bob_token)).await, 404, "NOT_FOUND").await;
    expect_error(server.get(&path, Some(&buyer)).await, 403, "FORBIDDEN").await;
    expect_error(server.get(&path, None).await, 401, "UNAUTHENTICATED").await;
    expect_error(server.patch_json(&path, Some(&bob_token), &json!({"name": "x"})).await, 404, "NOT_FOUND")
        .await;

    assert_eq!(total(&server, &alice_token, "").await, 3, "a seller lists its own customers");
    assert_eq!(total(&server, &admin, "").await, 4);
    assert_eq!(total(&server, &admin, &format!("seller_id={}", alice.id)).await, 3);
    assert_eq!(total(&server, &alice_token, "search=ADDIS").await, 1);
    assert_eq!(total(&server, &alice_token, "search=yonas@").await, 1);
    assert_eq!(total(&server, &alice_token, "country=ke").await, 1);
    assert_eq!(total(&server, &alice_token, "subscription_status=subscribed").await, 1);
    let by_email =
        json(server.get("/api/v1/customers?order_by=email&order_direction=asc", Some(&alice_token)).await)
            .await;
    assert_eq!(by_email["data"]["customers"][0]["id"], amina["id"]);
    for bad in ["order_by=amount", "subscription_status=maybe", "page_size=500", "seller_id=x"] {
        expect_error(
            server.get(&format!("/api/v1/customers?{bad}"), Some(&admin)).await,
            422,
            "VALIDATION_FAILED",
        )
        .await;
    }
    expect_error(server.get("/api/v1/customers", Some(&buyer)).await, 403, "FORBIDDEN").await;

    let changed = server
        .patch_json(
            &path,
            Some(&alice_token),
            &json!({"name": null, "phone": "+251911000001", "subscription_status": "not_subscribed"}),
        )
        .await;
    assert_eq!(changed.status(), 200);
    let changed = json(changed).await["data"]["customer"].clone();
    assert_eq!(
        (changed["name"].clone(), changed["phone"].as_str(), changed["subscription_status"].as_str()),
        (Value::Null, Some("+251911000001"), Some("not_subscribed"))
    );
    assert_eq!(changed["city"], "Addis Ababa", "absent fields stay");
    let yonas_path = format!("/api/v1/customers/{}", yonas["id"].as_str().unwrap());
    expect_error(
        server.patch_json(&yonas_path, Some(&alice_token), &json!({"email": "AMINA@example.com"})).await,
        409,
        "CONFLICT",
    )
    .await;
    let body = expect_error(
        server.patch_json(&yonas_path, Some(&admin), &json!({"email": ""})).await,
        422,
        "VALIDATION_FAILED",
    )
    .await;
    assert!(body["errors"]["email"].is_array(), "{body}");
}

async fn checkout_records_buyers_and_reads_aggregate_their_orders(backend: Backend) {
    let server = TestServer::start(backend).await;
    let (_, admin) = server.admin().await;
    let (alice, alice_token) = server.seller("alice").await;
    let (bob, bob_token) = server.seller("bob").await;
    let (amina, buyer) = server.buyer("amina").await;
    sandbox_gateway(&server, &admin, "USD").await;
    let lamp =
        listed_product(&server, &admin, alice.id, json!({"title": "Lamp", "price": "12.50", "quantity": 20}))
            .await;
    let chair =
        listed_product(&server, &admin, bob.id, json!({"title": "Chair", "price": "40", "quantity": 20}))
            .await;
    let kept =
        create(&server, &alice_token, json!({"email": "AMINA@souk.example", "name": "Amina (VIP)"})).await;

    let mut alice_orders = Vec::new();
    for lines in [
        json!([{"product_id": lamp, "quantity": 2}, {"product_id": chair, "quantity": 1}]),
        json!([{"product_id": lamp, "quantity": 1}]),
        json!([{"product_id": lamp, "quantity": 3}]),
    ] {
        let response = server
            .post_json(
                "/api/v1/checkout",
                Some(&buyer),
                &json!({"lines": lines, "shipping_address": address(), "fulfillment": "delivery"}),
            )
            .await;
        assert_eq!(response.status(), 201, "{}", response.text().await.unwrap_or_default());
        let body = json(response).await;
        alice_orders.push(body["data"]["orders"][0].clone());
    }
    assert!(
        alice_orders.iter().all(|o| o["customer_id"] == kept["id"]),
        "checkout finds the record by e-mail, any case"
    );
    pay(&server, &buyer, alice_orders[0]["id"].as_str().unwrap()).await;
    pay(&server, &buyer, alice_orders[1]["id"].as_str().unwrap()).await;

    let read = json(
        server.get(&format!("/api/v1/customers/{}", kept["id"].as_str().unwrap()), Some(&alice_token)).await,
    )
    .await;
    let customer = &read["data"]["customer"];
    assert_eq!(customer["name"], "Amina (VIP)", "checkout never overwrites what the seller keeps");
    assert_eq!(customer["city"], "Addis Ababa", "checkout fills what the record lacks");
    assert_eq!(customer["user_id"], amina.id.to_string());
    assert_eq!(customer["order_count"], 2, "only paid orders count");
    assert_eq!(customer["amount_spent"], json!([{"currency": "USD", "amount": "37.50"}]), "25.00 + 12.50");
    assert_eq!(customer["latest_order"]["id"], alice_orders[2]["id"], "the newest order in any state");
    assert_eq!(customer["latest_order"]["number"], alice_orders[2]["number"]);

    let bobs = json(server.get("/api/v1/customers", Some(&bob_token)).await).await;
    assert_eq!(bobs["data"]["pagination"]["total"], 1, "each seller gets its own record");
    let bobs_customer = &bobs["data"]["customers"][0];
    assert_eq!(
        (bobs_customer["email"].as_str(), bobs_customer["name"].as_str(), bobs_customer["country"].as_str()),
        (Some("amina@souk.example"), Some("Amina Bekele"), Some("ET"))
    );
    assert_eq!(
        (bobs_customer["order_count"].as_i64(), bobs_customer["amount_spent"].clone()),
        (Some(0), json!([]))
    );

    let orders = json(
        server
            .get(&format!("/api/v1/orders?customer_id={}", kept["id"].as_str().unwrap()), Some(&alice_token))
            .await,
    )
    .await;
    assert_eq!(orders["data"]["pagination"]["total"], 3);
    let none = json(
        server
            .get(&format!("/api/v1/orders?customer_id={}", kept["id"].as_str().unwrap()), Some(&bob_token))
            .await,
    )
    .await;
    assert_eq!(none["data"]["pagination"]["total"], 0, "the filter stays inside the caller's orders");
    expect_error(server.get("/api/v1/orders?customer_id=nope", Some(&admin)).await, 422, "VALIDATION_FAILED")
        .await;

    create(&server, &alice_token, json!({"email": "zed@example.com"})).await;
    let ranked = json(
        server.get("/api/v1/customers?order_by=order_count&order_direction=desc", Some(&alice_token)).await,
    )
    .await;
    assert_eq!(ranked["data"]["customers"][0]["id"], kept["id"]);
    assert_eq!(ranked["data"]["customers"][1]["order_count"], 0);
}

on_both_backends!(sellers_keep_their_own_customers, checkout_records_buyers_and_reads_aggregate_their_orders);
