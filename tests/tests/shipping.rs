//! Shipping over HTTP: carriers (public list of active ones, admin writes, unique codes), shipping
//! rates (public reads, sellers' own writes, platform-wide ones by admins) and checkout charging
//! the chosen rate plus the seller's always-selected rates, with exact totals.

use serde_json::{Value, json};
use souk_tests::payments::{address, listed_product, pay, sandbox_gateway};
use souk_tests::{Backend, TestServer, expect_error, json, on_both_backends};

async fn created(response: reqwest::Response, key: &str) -> Value {
    assert_eq!(response.status(), 201, "{}", response.text().await.unwrap_or_default());
    json(response).await["data"][key].clone()
}

async fn rate(server: &TestServer, token: &str, body: Value) -> Value {
    created(server.post_json("/api/v1/shipping-rates", Some(token), &body).await, "shipping_rate").await
}

async fn checkout(server: &TestServer, buyer: &str, lines: Value, rate: Option<&Value>) -> reqwest::Response {
    let mut body = json!({"lines": lines, "shipping_address": address(), "fulfillment": "delivery"});
    if let Some(rate) = rate {
        body["shipping_rate_id"] = rate["id"].clone();
    }
    server.post_json("/api/v1/checkout", Some(buyer), &body).await
}

async fn carriers_are_public_when_active_and_written_by_admins(backend: Backend) {
    let server = TestServer::start(backend).await;
    let (_, admin) = server.admin().await;
    let (_, seller) = server.seller("sam").await;
    let body = json!({"name": " DHL Express ", "code": "DHL", "tracking_url_template": "https://dhl.example/track?id={tracking_number}"});
    expect_error(server.post_json("/api/v1/shipping-carriers", None, &body).await, 401, "UNAUTHENTICATED")
        .await;
    expect_error(server.post_json("/api/v1/shipping-carriers", Some(&seller), &body).await, 403, "FORBIDDEN")
        .await;
    let dhl =
        created(server.post_json("/api/v1/shipping-carriers", Some(&admin), &body).await, "shipping_carrier")
            .await;
    assert_eq!(
        (dhl["name"].as_str(), dhl["code"].as_str(), dhl["status"].as_str()),
        (Some("DHL Express"), Some("dhl"), Some("active"))
    );
    let again = json!({"name": "Other", "code": "dhl"});
    expect_error(server.post_json("/api/v1/shipping-carriers", Some(&admin), &again).await, 409, "CONFLICT")
        .await;
    let bad = json!({"name": "", "code": "no spaces", "tracking_url_template": "https://x.example/track"});
    let errors = expect_error(
        server.post_json("/api/v1/shipping-carriers", Some(&admin), &bad).await,
        422,
        "VALIDATION_FAILED",
    )
    .await;
    for field in ["name", "code", "tracking_url_template"] {
        assert!(errors["errors"][field].is_array(), "{field}: {errors}");
    }
    let ems = created(
        server
            .post_json("/api/v1/shipping-carriers", Some(&admin), &json!({"name": "EMS", "code": "ems"}))
            .await,
        "shipping_carrier",
    )
    .await;
    let public = json(server.get("/api/v1/shipping-carriers", None).await).await;
    assert_eq!(public["data"]["pagination"]["total"], 2);
    assert_eq!(public["data"]["shipping_carriers"][0]["code"], "dhl", "by name");
    let path = format!("/api/v1/shipping-carriers/{}", ems["id"].as_str().unwrap());
    expect_error(
        server.patch_json(&path, Some(&seller), &json!({"status": "inactive"})).await,
        403,
        "FORBIDDEN",
    )
    .await;
    let patched =
        server.patch_json(&path, Some(&admin), &json!({"status": "inactive", "name": "EMS Post"})).await;
    assert_eq!(patched.status(), 200);
    let patched = json(patched).await["data"]["shipping_carrier"].clone();
    assert_eq!((patched["status"].as_str(), patched["name"].as_str()), (Some("inactive"), Some("EMS Post")));
    expect_error(server.patch_json(&path, Some(&admin), &json!({"code": "dhl"})).await, 409, "CONFLICT")
        .await;
    let public = json(server.get("/api/v1/shipping-carriers", None).await).await;
    assert_eq!(public["data"]["pagination"]["total"], 1, "inactive carriers leave the public list");
    expect_error(
        server.get("/api/v1/shipping-carriers?include_inactive=true", None).await,
        401,
        "UNAUTHENTICATED",
    )
    .await;
    expect_error(
        server.get("/api/v1/shipping-carriers?include_inactive=true", Some(&seller)).await,
        403,
        "FORBIDDEN",
    )
    .await;
    let all = json(server.get("/api/v1/shipping-carriers?include_inactive=true", Some(&admin)).await).await;
    assert_eq!(all["data"]["pagination"]["total"], 2);
    let missing = format!("/api/v1/shipping-carriers/{}", uuid::Uuid::now_v7());
    expect_error(server.patch_json(&missing, Some(&admin), &json!({"name": "x"})).await, 404, "NOT_FOUND")
        .await;
    server.stop().await;
}

async fn rates_are_public_and_written_by_their_seller_or_admins(backend: Backend) {
    let server = TestServer::start(backend).await;
    let (_, admin) = server.admin().await;
    let (sam, sam_token) = server.seller("sam").await;
    let (bo, bo_token) = server.seller("bo").await;
    let (_, buyer) = server.buyer("amina").await;
    let body = json!({"title": "Standard", "price": "6.95", "step_price": 1.45, "currency": "USD"});
    expect_error(server.post_json("/api/v1/shipping-rates", None, &body).await, 401, "UNAUTHENTICATED").await;
    expect_error(server.post_json("/api/v1/shipping-rates", Some(&buyer), &body).await, 403, "FORBIDDEN")
        .await;
    let mut theirs = body.clone();
    theirs["seller_id"] = json!(bo.id);
    expect_error(
        server.post_json("/api/v1/shipping-rates", Some(&sam_token), &theirs).await,
        403,
        "FORBIDDEN",
    )
    .await;
    let standard = rate(&server, &sam_token, body.clone()).await;
    assert_eq!(
        (standard["price"].as_str(), standard["step_price"].as_str(), standard["currency"].as_str()),
        (Some("6.95"), Some("1.45"), Some("USD"))
    );
    assert_eq!(
        (standard["seller_id"].clone(), standard["always_selected"].clone()),
        (json!(sam.id), json!(false))
    );
    let platform = rate(&server, &admin, json!({"title": "Flat", "price": "5", "currency": "USD"})).await;
    assert!(platform["seller_id"].is_null());
    assert_eq!(platform["step_price"], "0.00");
    let for_bo =
        rate(&server, &admin, json!({"title": "Bo's", "price": "1", "currency": "USD", "seller_id": bo.id}))
            .await;
    assert_eq!(for_bo["seller_id"], json!(bo.id));
    let bad = json!({"title": "", "price": "6.955", "step_price": "-1", "currency": "USD"});
    let errors = expect_error(
        server.post_json("/api/v1/shipping-rates", Some(&sam_token), &bad).await,
        422,
        "VALIDATION_FAILED",
    )
    .await;
    for field in ["title", "price", "step_price"] {
        assert!(errors["errors"][field].is_array(), "{field}: {errors}");
    }
    let always_platform =
        json!({"title": "Insurance", "price": "1", "currency": "USD", "always_selected": true});
    let errors = expect_error(
        server.post_json("/api/v1/shipping-rates", Some(&admin), &always_platform).await,
        422,
        "VALIDATION_FAILED",
    )
    .await;
    assert!(errors["errors"]["always_selected"].is_array(), "{errors}");
    let buyer_as_seller =
        json!({"title": "x", "price": "1", "currency": "USD", "seller_id": sam.id, "always_selected": false});
    rate(&server, &admin, buyer_as_seller).await;
    let (amina, _) = server.buyer("amina2").await;
    let not_seller = json!({"title": "x", "price": "1", "currency": "USD", "seller_id": amina.id});
    expect_error(
        server.post_json("/api/v1/shipping-rates", Some(&admin), &not_seller).await,
        422,
        "VALIDATION_FAILED",
    )
    .await;
    let currency = json!({"title": "x", "price": "1", "currency": "XYZ"});
    expect_error(
        server.post_json("/api/v1/shipping-rates", Some(&sam_token), &currency).await,
        422,
        "VALIDATION_FAILED",
    )
    .await;

    let all = json(server.get("/api/v1/shipping-rates", None).await).await;
    assert_eq!(all["data"]["pagination"]["total"], 4);
    let sams = json(server.get(&format!("/api/v1/shipping-rates?seller_id={}", sam.id), None).await).await;
    assert_eq!(sams["data"]["pagination"]["total"], 2);
    let choosable = json(
        server.get(&format!("/api/v1/shipping-rates?seller_id={}&include_platform=true", sam.id), None).await,
    )
    .await;
    assert_eq!(choosable["data"]["pagination"]["total"], 3);
    let platform_only = json(server.get("/api/v1/shipping-rates?platform_only=true", None).await).await;
    assert_eq!(platform_only["data"]["shipping_rates"][0]["id"], platform["id"]);
    expect_error(server.get("/api/v1/shipping-rates?currency=dollars", None).await, 422, "VALIDATION_FAILED")
        .await;
    let path = format!("/api/v1/shipping-rates/{}", standard["id"].as_str().unwrap());
    let read = json(server.get(&path, None).await).await;
    assert_eq!(read["data"]["shipping_rate"]["title"], "Standard");

    expect_error(server.patch_json(&path, None, &json!({"price": "7"})).await, 401, "UNAUTHENTICATED").await;
    expect_error(server.patch_json(&path, Some(&bo_token), &json!({"price": "7"})).await, 403, "FORBIDDEN")
        .await;
    expect_error(server.delete(&path, Some(&bo_token)).await, 403, "FORBIDDEN").await;
    let platform_path = format!("/api/v1/shipping-rates/{}", platform["id"].as_str().unwrap());
    expect_error(
        server.patch_json(&platform_path, Some(&sam_token), &json!({"price": "7"})).await,
        403,
        "FORBIDDEN",
    )
    .await;
    expect_error(
        server.patch_json(&path, Some(&sam_token), &json!({"price": "7.001"})).await,
        422,
        "VALIDATION_FAILED",
    )
    .await;
    expect_error(
        server.patch_json(&path, Some(&sam_token), &json!({"currency": "EUR"})).await,
        422,
        "VALIDATION_FAILED",
    )
    .await;
    let patched =
        server.patch_json(&path, Some(&sam_token), &json!({"price": 7.5, "always_selected": true})).await;
    assert_eq!(patched.status(), 200);
    let patched = json(patched).await["data"]["shipping_rate"].clone();
    assert_eq!((patched["price"].as_str(), patched["always_selected"].as_bool()), (Some("7.50"), Some(true)));
    let by_admin = server.patch_json(&path, Some(&admin), &json!({"title": "Express"})).await;
    assert_eq!(by_admin.status(), 200);
    assert_eq!(server.delete(&path, Some(&sam_token)).await.status(), 200);
    expect_error(server.get(&path, None).await, 404, "NOT_FOUND").await;
    expect_error(server.delete(&path, Some(&sam_token)).await, 404, "NOT_FOUND").await;
    assert_eq!(server.delete(&platform_path, Some(&admin)).await.status(), 200);
    server.stop().await;
}

async fn checkout_charges_the_chosen_rate_and_always_selected_rates_exactly(backend: Backend) {
    let server = TestServer::start(backend).await;
    let (_, admin) = server.admin().await;
    let (sam, sam_token) = server.seller("sam").await;
    let (bo, _) = server.seller("bo").await;
    let (_, cy_token) = server.seller("cy").await;
    let (_, buyer) = server.buyer("amina").await;
    sandbox_gateway(&server, &admin, "USD").await;
    let lamp =
        listed_product(&server, &admin, sam.id, json!({"title": "Lamp", "price": "10.00", "quantity": 20}))
            .await;
    let mug =
        listed_product(&server, &admin, bo.id, json!({"title": "Mug", "price": "3.50", "quantity": 20}))
            .await;
    let standard = rate(
        &server,
        &sam_token,
        json!({"title": "Standard", "price": "6.95", "step_price": "1.45", "currency": "USD"}),
    )
    .await;
    rate(&server, &sam_token, json!({"title": "Insurance", "price": "0.50", "step_price": "0.25", "currency": "USD", "always_selected": true}))
        .await;
    rate(
        &server,
        &sam_token,
        json!({"title": "Birr insurance", "price": "9", "currency": "ETB", "always_selected": true}),
    )
    .await;
    let platform = rate(&server, &admin, json!({"title": "Flat", "price": "5.00", "currency": "USD"})).await;

    let placed =
        checkout(&server, &buyer, json!([{"product_id": lamp, "quantity": 3}]), Some(&standard)).await;
    assert_eq!(placed.status(), 201, "{}", placed.text().await.unwrap_or_default());
    let order = json(placed).await["data"]["orders"][0].clone();
    let totals = &order["totals"];
    assert_eq!(totals["subtotal"], "30.00");
    assert_eq!(totals["shipping"], "10.85", "6.95 + 2 x 1.45, plus the always-selected 0.50 + 2 x 0.25");
    assert_eq!(totals["total"], "40.85");
    let id = order["id"].as_str().unwrap();
    pay(&server, &buyer, id).await;
    let payment = json(server.get(&format!("/api/v1/orders/{id}/payment"), Some(&buyer)).await).await;
    assert_eq!(payment["data"]["payment"]["held"], "40.85", "escrow holds the shipping too: {payment}");

    let without = checkout(&server, &buyer, json!([{"product_id": lamp, "quantity": 1}]), None).await;
    let without = json(without).await["data"]["orders"][0]["totals"].clone();
    assert_eq!(
        (without["shipping"].as_str(), without["total"].as_str()),
        (Some("0.50"), Some("10.50")),
        "always selected without a choice"
    );

    let two = checkout(
        &server,
        &buyer,
        json!([{"product_id": lamp, "quantity": 2}, {"product_id": mug, "quantity": 4}]),
        Some(&platform),
    )
    .await;
    assert_eq!(two.status(), 201);
    let orders = json(two).await["data"]["orders"].clone();
    assert_eq!(orders[0]["totals"]["shipping"], "5.75", "platform 5.00 plus sam's 0.50 + 0.25");
    assert_eq!(orders[0]["totals"]["total"], "25.75");
    assert_eq!(orders[1]["totals"]["shipping"], "5.00");
    assert_eq!(orders[1]["totals"]["total"], "19.00");
    let sams_rate_for_two = checkout(
        &server,
        &buyer,
        json!([{"product_id": lamp, "quantity": 1}, {"product_id": mug, "quantity": 1}]),
        Some(&standard),
    )
    .await;
    let orders = json(sams_rate_for_two).await["data"]["orders"].clone();
    assert_eq!(
        (orders[0]["totals"]["shipping"].as_str(), orders[1]["totals"]["shipping"].as_str()),
        (Some("7.45"), Some("0.00"))
    );

    let cys = rate(&server, &cy_token, json!({"title": "Cy", "price": "1", "currency": "USD"})).await;
    let euro = rate(&server, &admin, json!({"title": "Euro", "price": "1", "currency": "EUR"})).await;
    let missing = json!({"id": uuid::Uuid::now_v7()});
    for wrong in [&cys, &euro, &missing] {
        let refused =
            checkout(&server, &buyer, json!([{"product_id": lamp, "quantity": 1}]), Some(wrong)).await;
        let body = expect_error(refused, 422, "VALIDATION_FAILED").await;
        assert!(body["errors"]["shipping_rate_id"].is_array(), "{body}");
    }
    let product = json(server.get(&format!("/api/v1/products/{lamp}"), Some(&admin)).await).await;
    let reserved = 3 + 1 + 2 + 1;
    assert_eq!(product["data"]["product"]["available"], 20 - reserved, "refused checkouts reserve nothing");
    server.stop().await;
}

on_both_backends!(
    carriers_are_public_when_active_and_written_by_admins,
    rates_are_public_and_written_by_their_seller_or_admins,
    checkout_charges_the_chosen_rate_and_always_selected_rates_exactly,
);
