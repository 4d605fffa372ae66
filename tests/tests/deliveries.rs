//! Deliveries over HTTP: an order's lines split into deliveries that never hold more units than
//! the order, delivery statuses driving the order to `shipped`, `delivered` and a trial, carrier
//! tracking confirming delivery, pickup checkout at a store and its hand-over, and nothing visible to other buyers or sellers.

use serde_json::{Value, json};
use souk_tests::payments::{address, listed_product, move_to, pay, sandbox_gateway};
use souk_tests::{Backend, TestServer, expect_error, json, on_both_backends};

struct Parties {
    admin: String,
    seller: souk_kernel::UserId,
    seller_token: String,
    buyer_token: String,
    other_seller: String,
    other_buyer: String,
}

async fn parties(server: &TestServer) -> Parties {
    let (_, admin) = server.admin().await;
    let (seller, seller_token) = server.seller("sam").await;
    let (_, buyer_token) = server.buyer("amina").await;
    let (_, other_seller) = server.seller("bo").await;
    let (_, other_buyer) = server.buyer("cy").await;
    sandbox_gateway(server, &admin, "USD").await;
    Parties { admin, seller: seller.id, seller_token, buyer_token, other_seller, other_buyer }
}

/// A paid order of `lines` (`(product body, quantity)`) from the seller; returns the order.
async fn paid(server: &TestServer, p: &Parties, lines: &[(Value, i64)]) -> Value {
    let mut requested = Vec::new();
    for (product, quantity) in lines {
        let id = listed_product(server, &p.admin, p.seller, product.clone()).await;
        requested.push(json!({"product_id": id, "quantity": quantity}));
    }
    let body = json!({"lines": requested, "shipping_address": address(), "fulfillment": "delivery"});
    let response = server.post_json("/api/v1/checkout", Some(&p.buyer_token), &body).await;
    assert_eq!(response.status(), 201, "{}", response.text().await.unwrap_or_default());
    let order = json(response).await["data"]["orders"][0].clone();
    pay(server, &p.buyer_token, order["id"].as_str().unwrap()).await;
    order
}

async fn order(server: &TestServer, token: &str, id: &str) -> Value {
    json(server.get(&format!("/api/v1/orders/{id}"), Some(token)).await).await["data"]["order"].clone()
}

async fn carrier(server: &TestServer, admin: &str) -> String {
    let body = json!({"name": "DHL", "code": "dhl", "tracking_url_template": "https://dhl.example/t/{tracking_number}"});
    let response = server.post_json("/api/v1/shipping-carriers", Some(admin), &body).await;
    assert_eq!(response.status(), 201);
    json(response).await["data"]["shipping_carrier"]["id"].as_str().unwrap().to_owned()
}

async fn new_delivery(server: &TestServer, token: &str, order_id: &str, body: Value) -> reqwest::Response {
    server.post_json(&format!("/api/v1/orders/{order_id}/deliveries"), Some(token), &body).await
}

async fn delivery(server: &TestServer, token: &str, order_id: &str, body: Value) -> Value {
    let response = new_delivery(server, token, order_id, body).await;
    assert_eq!(response.status(), 201, "{}", response.text().await.unwrap_or_default());
    json(response).await["data"]["delivery"].clone()
}

async fn put(server: &TestServer, token: &str, delivery_id: &Value, body: Value) -> reqwest::Response {
    server
        .put_json(&format!("/api/v1/deliveries/{}", delivery_id.as_str().unwrap()), Some(token), &body)
        .await
}

async fn put_ok(server: &TestServer, token: &str, delivery_id: &Value, body: Value) -> Value {
    let response = put(server, token, delivery_id, body).await;
    assert_eq!(response.status(), 200, "{}", response.text().await.unwrap_or_default());
    json(response).await["data"]["delivery"].clone()
}

async fn event_types(server: &TestServer, admin: &str, object: &Value) -> Vec<String> {
    let path = format!("/api/v1/events?type=delivery.*&object_id={}", object.as_str().unwrap());
    let events = json(server.get(&path, Some(admin)).await).await;
    events["data"]["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["type"].as_str().unwrap().to_owned())
        .collect()
}

async fn split_deliveries_drive_a_trial_order_to_trial_active(backend: Backend) {
    let server = TestServer::start(backend).await;
    let p = parties(&server).await;
    let dhl = carrier(&server, &p.admin).await;
    let trial =
        json!({"trial_days": 7, "penalty_type": "flat", "penalty_value": "2", "return_window_hours": 48});
    let placed = paid(
        &server,
        &p,
        &[
            (json!({"title": "Lamp", "price": "20.00", "quantity": 5, "trial_policy": trial}), 3),
            (json!({"title": "Shade", "price": "5.00", "quantity": 5}), 1),
        ],
    )
    .await;
    let id = placed["id"].as_str().unwrap();
    let lamp = placed["lines"][0]["id"].clone();
    let shade = placed["lines"][1]["id"].clone();

    let first =
        delivery(&server, &p.seller_token, id, json!({"lines": [{"line_id": lamp, "quantity": 2}]})).await;
    assert_eq!(
        (first["status"].as_str(), first["lines"][0]["quantity"].as_i64()),
        (Some("unfulfilled"), Some(2))
    );
    assert_eq!(first["lines"][0]["title"], "Lamp");
    let early = put(&server, &p.seller_token, &first["id"], json!({"status": "shipped"})).await;
    expect_error(early, 409, "CONFLICT").await;
    move_to(&server, &p.seller_token, id, "accepted").await;

    let over =
        new_delivery(&server, &p.seller_token, id, json!({"lines": [{"line_id": lamp, "quantity": 2}]}))
            .await;
    let body = expect_error(over, 422, "VALIDATION_FAILED").await;
    assert!(body["errors"]["lines[0].quantity"][0].as_str().unwrap().contains("at most 1"), "{body}");
    let stranger_line = json!({"lines": [{"line_id": uuid::Uuid::now_v7(), "quantity": 1}]});
    let body = expect_error(
        new_delivery(&server, &p.seller_token, id, stranger_line).await,
        422,
        "VALIDATION_FAILED",
    )
    .await;
    assert!(body["errors"]["lines[0].line_id"].is_array(), "{body}");
    let untracked = json!({"tracking_number": "AB1"});
    let body =
        expect_error(new_delivery(&server, &p.seller_token, id, untracked).await, 422, "VALIDATION_FAILED")
            .await;
    assert!(body["errors"]["shipping_carrier_id"].is_array(), "{body}");
    let rest =
        delivery(&server, &p.admin, id, json!({"shipping_carrier_id": dhl, "tracking_number": "ZZ 9"})).await;
    assert_eq!(rest["lines"].as_array().unwrap().len(), 2, "the remaining lamp and the shade");
    assert_eq!(
        (rest["lines"][0]["line_id"].clone(), rest["lines"][0]["quantity"].clone()),
        (lamp.clone(), json!(1))
    );
    assert_eq!(
        (rest["lines"][1]["line_id"].clone(), rest["lines"][1]["quantity"].clone()),
        (shade.clone(), json!(1))
    );
    assert_eq!(rest["tracking_link"], "https://dhl.example/t/ZZ%209");
    assert_eq!(rest["shipping_carrier"]["code"], "dhl");
    expect_error(new_delivery(&server, &p.seller_token, id, json!({})).await, 409, "CONFLICT").await;

    let bare = put(&server, &p.seller_token, &first["id"], json!({"tracking_number": "AB1"})).await;
    expect_error(bare, 422, "VALIDATION_FAILED").await;
    let bad_carrier = json!({"shipping_carrier_id": uuid::Uuid::now_v7()});
    expect_error(put(&server, &p.seller_token, &first["id"], bad_carrier).await, 422, "VALIDATION_FAILED")
        .await;
    let shipped = put_ok(
        &server,
        &p.seller_token,
        &first["id"],
        json!({"status": "shipped", "tracking_number": "AB1", "shipping_carrier_id": dhl}),
    )
    .await;
    assert_eq!(
        (shipped["status"].as_str(), shipped["tracking_number"].as_str()),
        (Some("shipped"), Some("AB1"))
    );
    assert!(shipped["shipped_at"].is_string());
    let now = order(&server, &p.buyer_token, id).await;
    assert_eq!((now["status"].as_str(), now["delivery_status"].as_str()), (Some("shipped"), Some("shipped")));
    let back = put(&server, &p.seller_token, &first["id"], json!({"status": "fulfilled"})).await;
    let body = expect_error(back, 409, "INVALID_TRANSITION").await;
    assert!(body.to_string().contains("delivered"), "the allowed statuses are named: {body}");

    put_ok(&server, &p.seller_token, &first["id"], json!({"status": "delivered"})).await;
    assert_eq!(
        order(&server, &p.buyer_token, id).await["status"],
        "shipped",
        "one delivery is still on its way"
    );
    let done = put_ok(&server, &p.seller_token, &rest["id"], json!({"status": "delivered"})).await;
    assert!(done["delivered_at"].is_string());
    let now = order(&server, &p.buyer_token, id).await;
    assert_eq!(
        (now["status"].as_str(), now["delivery_status"].as_str()),
        (Some("trial_active"), Some("delivered"))
    );
    assert!(now["trial_ends_at"].is_string(), "{now}");
    let closed = put(&server, &p.seller_token, &rest["id"], json!({"status": "cancelled"})).await;
    expect_error(closed, 409, "INVALID_TRANSITION").await;

    let listed =
        json(server.get(&format!("/api/v1/orders/{id}/deliveries"), Some(&p.buyer_token)).await).await;
    let statuses: Vec<&str> = listed["data"]["deliveries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["status"].as_str().unwrap())
        .collect();
    assert_eq!(statuses, ["delivered", "delivered"]);
    let read = order(&server, &p.buyer_token, id).await;
    assert_eq!(
        read["deliveries"].as_array().unwrap().len(),
        2,
        "the order read carries its deliveries: {read}"
    );
    assert_eq!(read["deliveries"][1]["tracking_number"], "ZZ 9");
    let newest_first = ["delivery.updated", "delivery.updated", "delivery.created"];
    assert_eq!(event_types(&server, &p.admin, &first["id"]).await, newest_first);
    let history = json(server.get(&format!("/api/v1/orders/{id}/events"), Some(&p.seller_token)).await).await;
    let moves: Vec<(String, String)> = history["data"]["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| (e["to_status"].as_str().unwrap().to_owned(), e["party"].as_str().unwrap().to_owned()))
        .collect();
    assert!(
        moves.contains(&("shipped".into(), "seller".into()))
            && moves.contains(&("delivered".into(), "seller".into())),
        "{moves:?}"
    );
    server.stop().await;
}

async fn nobody_else_sees_or_changes_deliveries(backend: Backend) {
    let server = TestServer::start(backend).await;
    let p = parties(&server).await;
    let placed = paid(&server, &p, &[(json!({"title": "Lamp", "price": "20.00", "quantity": 5}), 2)]).await;
    let id = placed["id"].as_str().unwrap();
    let d = delivery(&server, &p.seller_token, id, json!({})).await;
    let path = format!("/api/v1/orders/{id}/deliveries");
    expect_error(server.get(&path, None).await, 401, "UNAUTHENTICATED").await;
    expect_error(server.get(&path, Some(&p.other_buyer)).await, 404, "NOT_FOUND").await;
    expect_error(server.get(&path, Some(&p.other_seller)).await, 404, "NOT_FOUND").await;
    assert_eq!(server.get(&path, Some(&p.admin)).await.status(), 200);
    expect_error(new_delivery(&server, &p.buyer_token, id, json!({})).await, 403, "FORBIDDEN").await;
    expect_error(new_delivery(&server, &p.other_seller, id, json!({})).await, 404, "NOT_FOUND").await;
    expect_error(new_delivery(&server, &p.other_buyer, id, json!({})).await, 404, "NOT_FOUND").await;
    let missing = format!("/api/v1/orders/{}/deliveries", uuid::Uuid::now_v7());
    expect_error(server.post_json(&missing, Some(&p.seller_token), &json!({})).await, 404, "NOT_FOUND").await;
    let cancel = json!({"status": "cancelled"});
    expect_error(put(&server, &p.buyer_token, &d["id"], cancel.clone()).await, 403, "FORBIDDEN").await;
    expect_error(put(&server, &p.other_seller, &d["id"], cancel.clone()).await, 404, "NOT_FOUND").await;
    expect_error(put(&server, &p.other_buyer, &d["id"], cancel.clone()).await, 404, "NOT_FOUND").await;
    expect_error(
        put(&server, &p.seller_token, &json!(uuid::Uuid::now_v7()), cancel.clone()).await,
        404,
        "NOT_FOUND",
    )
    .await;
    let unknown = put(&server, &p.seller_token, &d["id"], json!({"status": "lost"})).await;
    assert_eq!(unknown.status(), 422);
    let unauthenticated =
        server.put_json(&format!("/api/v1/deliveries/{}", d["id"].as_str().unwrap()), None, &cancel).await;
    expect_error(unauthenticated, 401, "UNAUTHENTICATED").await;
    server.stop().await;
}

async fn concurrent_splits_never_put_a_unit_in_two_deliveries(backend: Backend) {
    let server = TestServer::start(backend).await;
    let p = parties(&server).await;
    let placed = paid(&server, &p, &[(json!({"title": "Lamp", "price": "20.00", "quantity": 9}), 3)]).await;
    let id = placed["id"].as_str().unwrap();
    let line = placed["lines"][0]["id"].clone();
    let body = json!({"lines": [{"line_id": line, "quantity": 2}]});
    let attempts = (0..6).map(|_| new_delivery(&server, &p.seller_token, id, body.clone()));
    let statuses: Vec<u16> =
        futures_util::future::join_all(attempts).await.iter().map(|r| r.status().as_u16()).collect();
    assert_eq!(
        statuses.iter().filter(|s| **s == 201).count(),
        1,
        "only one split of 2 of 3 units fits: {statuses:?}"
    );
    assert!(statuses.iter().all(|s| [201, 409, 422].contains(s)), "{statuses:?}");
    let listed =
        json(server.get(&format!("/api/v1/orders/{id}/deliveries"), Some(&p.seller_token)).await).await;
    let units: i64 = listed["data"]["deliveries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["lines"][0]["quantity"].as_i64().unwrap())
        .sum();
    assert_eq!(units, 2);
    server.stop().await;
}

async fn integration_token(server: &TestServer, owner: &str, scopes: Value) -> String {
    let created = server
        .post_json("/api/v1/oauth/clients", Some(owner), &json!({"name": "Warehouse", "scopes": scopes}))
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

async fn cancelled_deliveries_free_their_units_and_integrations_move_them(backend: Backend) {
    let server = TestServer::start(backend).await;
    let p = parties(&server).await;
    let placed = paid(&server, &p, &[(json!({"title": "Lamp", "price": "20.00", "quantity": 5}), 2)]).await;
    let id = placed["id"].as_str().unwrap();
    move_to(&server, &p.seller_token, id, "accepted").await;
    let lost = delivery(&server, &p.seller_token, id, json!({})).await;
    put_ok(&server, &p.seller_token, &lost["id"], json!({"status": "cancelled"})).await;
    let again = delivery(&server, &p.seller_token, id, json!({})).await;
    assert_eq!(again["lines"][0]["quantity"], 2, "a cancelled delivery's units are free again");
    let reader = integration_token(&server, &p.seller_token, json!(["order:view"])).await;
    expect_error(put(&server, &reader, &again["id"], json!({"status": "shipped"})).await, 403, "FORBIDDEN")
        .await;
    let warehouse = integration_token(&server, &p.seller_token, json!(["order:update", "order:view"])).await;
    put_ok(&server, &warehouse, &again["id"], json!({"status": "fulfilled"})).await;
    assert_eq!(order(&server, &p.buyer_token, id).await["status"], "accepted", "packed is not shipped");
    put_ok(&server, &warehouse, &again["id"], json!({"status": "shipped"})).await;
    assert_eq!(order(&server, &p.buyer_token, id).await["status"], "shipped");
    put_ok(&server, &warehouse, &again["id"], json!({"status": "delivered"})).await;
    let now = order(&server, &p.buyer_token, id).await;
    assert_eq!(
        (now["status"].as_str(), now["delivery_status"].as_str()),
        (Some("delivered"), Some("delivered"))
    );
    assert!(now["trial_ends_at"].is_null(), "no trial");
    let listed = json(server.get(&format!("/api/v1/orders/{id}/deliveries"), Some(&warehouse)).await).await;
    assert_eq!(listed["data"]["deliveries"].as_array().unwrap().len(), 2);
    expect_error(new_delivery(&server, &p.seller_token, id, json!({})).await, 409, "CONFLICT").await;
    server.stop().await;
}

async fn tracking(server: &TestServer, token: &str, id: &str, body: Value) -> reqwest::Response {
    server.post_json(&format!("/api/v1/orders/{id}/tracking"), Some(token), &body).await
}

async fn tracking_is_recorded_and_the_carrier_confirms_delivery(backend: Backend) {
    let server = TestServer::start(backend).await;
    let p = parties(&server).await;
    let trial =
        json!({"trial_days": 3, "penalty_type": "flat", "penalty_value": "1", "return_window_hours": 24});
    let placed = paid(
        &server,
        &p,
        &[(json!({"title": "Lamp", "price": "20.00", "quantity": 5, "trial_policy": trial}), 1)],
    )
    .await;
    let id = placed["id"].as_str().unwrap();
    let at = chrono::Utc::now().to_rfc3339();
    let moving = json!({"status": "in_transit", "description": "Left the hub", "location": "Addis Ababa", "occurred_at": at});
    expect_error(tracking(&server, &p.seller_token, id, moving.clone()).await, 409, "CONFLICT").await;
    move_to(&server, &p.seller_token, id, "accepted").await;
    expect_error(tracking(&server, &p.buyer_token, id, moving.clone()).await, 403, "FORBIDDEN").await;
    expect_error(tracking(&server, &p.other_seller, id, moving.clone()).await, 404, "NOT_FOUND").await;
    let anonymous = server.post_json(&format!("/api/v1/orders/{id}/tracking"), None, &moving).await;
    expect_error(anonymous, 401, "UNAUTHENTICATED").await;
    let empty = json!({"status": "in_transit", "description": " ", "occurred_at": at});
    let body =
        expect_error(tracking(&server, &p.seller_token, id, empty).await, 422, "VALIDATION_FAILED").await;
    assert!(body["errors"]["description"].is_array(), "{body}");
    let future = json!({"status": "in_transit", "description": "x", "occurred_at": (chrono::Utc::now() + chrono::Duration::days(3)).to_rfc3339()});
    expect_error(tracking(&server, &p.seller_token, id, future).await, 422, "VALIDATION_FAILED").await;
    assert_eq!(
        tracking(
            &server,
            &p.seller_token,
            id,
            json!({"status": "teleported", "description": "x", "occurred_at": at})
        )
        .await
        .status(),
        422
    );

    let parcel = delivery(&server, &p.seller_token, id, json!({})).await;
    put_ok(&server, &p.seller_token, &parcel["id"], json!({"status": "shipped"})).await;
    let recorded = tracking(&server, &p.seller_token, id, moving).await;
    assert_eq!(recorded.status(), 201);
    let recorded = json(recorded).await["data"]["tracking_event"].clone();
    assert_eq!(
        (recorded["status"].as_str(), recorded["location"].as_str()),
        (Some("in_transit"), Some("Addis Ababa"))
    );
    let warehouse = integration_token(&server, &p.seller_token, json!(["order:update"])).await;
    let arrived = json!({"status": "delivered", "description": "Signed by Amina", "occurred_at": chrono::Utc::now().to_rfc3339()});
    assert_eq!(tracking(&server, &warehouse, id, arrived).await.status(), 201);

    let now = order(&server, &p.buyer_token, id).await;
    assert_eq!(
        now["status"], "trial_active",
        "the carrier's confirmation delivered the order and opened its trial"
    );
    let listed =
        json(server.get(&format!("/api/v1/orders/{id}/deliveries"), Some(&p.buyer_token)).await).await;
    assert_eq!(listed["data"]["deliveries"][0]["status"], "delivered");
    let history = json(server.get(&format!("/api/v1/orders/{id}/events"), Some(&p.buyer_token)).await).await;
    let delivered = history["data"]["events"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["to_status"] == "delivered")
        .unwrap()
        .clone();
    assert_eq!(delivered["party"], "system");
    let path = format!("/api/v1/orders/{id}/tracking");
    let events = json(server.get(&path, Some(&p.buyer_token)).await).await;
    let statuses: Vec<&str> = events["data"]["tracking_events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["status"].as_str().unwrap())
        .collect();
    assert_eq!(statuses, ["in_transit", "delivered"]);
    assert_eq!(server.get(&path, Some(&p.admin)).await.status(), 200);
    expect_error(server.get(&path, Some(&p.other_buyer)).await, 404, "NOT_FOUND").await;
    expect_error(server.get(&path, Some(&p.other_seller)).await, 404, "NOT_FOUND").await;
    expect_error(server.get(&path, None).await, 401, "UNAUTHENTICATED").await;
    server.stop().await;
}

/// An active store of the seller with the given sales channels; returns its id.
async fn store(server: &TestServer, token: &str, code: &str, channels: Value) -> String {
    let brand =
        server.post_json("/api/v1/brands", Some(token), &json!({"name": format!("Brand {code}")})).await;
    assert_eq!(brand.status(), 201, "{}", brand.text().await.unwrap_or_default());
    let brand_id = json(brand).await["data"]["brand"]["id"].clone();
    let row = json!({"code": code, "name": "Bole", "city": "Addis Ababa", "address": "Bole Road 1", "lat": 9.0, "lng": 38.7, "sales_channels": channels});
    let created = server
        .post_json("/api/v1/stores", Some(token), &json!({"brand_id": brand_id, "stores": [row]}))
        .await;
    assert_eq!(created.status(), 201, "{}", created.text().await.unwrap_or_default());
    json(created).await["data"]["stores"][0]["id"].as_str().unwrap().to_owned()
}

async fn pickup_checkout(server: &TestServer, buyer: &str, lines: Value, extra: Value) -> reqwest::Response {
    let mut body = json!({"lines": lines, "shipping_address": address(), "fulfillment": "pickup"});
    for (key, value) in extra.as_object().unwrap() {
        body[key] = value.clone();
    }
    server.post_json("/api/v1/checkout", Some(buyer), &body).await
}

async fn pickup_orders_are_checked_out_at_a_store_and_handed_over_once(backend: Backend) {
    let server = TestServer::start(backend).await;
    let p = parties(&server).await;
    let delivered =
        paid(&server, &p, &[(json!({"title": "Lamp", "price": "20.00", "quantity": 5}), 1)]).await;
    let delivered_id = delivered["id"].as_str().unwrap();
    let dispatch = |token: String, id: String| {
        let server = &server;
        async move {
            server
                .post_json(&format!("/api/v1/orders/{id}/pickup/dispatched"), Some(&token), &json!({}))
                .await
        }
    };
    move_to(&server, &p.seller_token, delivered_id, "accepted").await;
    expect_error(dispatch(p.seller_token.clone(), delivered_id.into()).await, 409, "CONFLICT").await;

    let bole = store(&server, &p.seller_token, "BOLE", json!(["delivery", "pickup"])).await;
    let depot = store(&server, &p.seller_token, "DEPOT", json!(["delivery"])).await;
    let theirs = store(&server, &p.other_seller, "THEIRS", json!(["pickup"])).await;
    let trial =
        json!({"trial_days": 5, "penalty_type": "flat", "penalty_value": "1", "return_window_hours": 24});
    let chair = listed_product(
        &server,
        &p.admin,
        p.seller,
        json!({"title": "Chair", "price": "50.00", "quantity": 5, "trial_policy": trial}),
    )
    .await;
    let sams = json!({"title": "Standard", "price": "4", "currency": "USD", "always_selected": true});
    let response = server.post_json("/api/v1/shipping-rates", Some(&p.seller_token), &sams).await;
    assert_eq!(response.status(), 201);
    let rate_id = json(response).await["data"]["shipping_rate"]["id"].clone();
    let lines = json!([{"product_id": chair, "quantity": 1}]);
    let refusals = [
        (json!({}), "pickup_store_id"),
        (json!({"pickup_store_id": depot}), "pickup_store_id"),
        (json!({"pickup_store_id": uuid::Uuid::now_v7()}), "pickup_store_id"),
        (json!({"pickup_store_id": theirs}), "lines[0].product_id"),
        (json!({"pickup_store_id": bole, "shipping_rate_id": rate_id}), "shipping_rate_id"),
    ];
    for (extra, field) in refusals {
        let body = expect_error(
            pickup_checkout(&server, &p.buyer_token, lines.clone(), extra).await,
            422,
            "VALIDATION_FAILED",
        )
        .await;
        assert!(body["errors"][field].is_array(), "{field}: {body}");
    }
    let delivery_with_store = json!({"lines": lines, "shipping_address": address(), "fulfillment": "delivery", "pickup_store_id": bole});
    let refused = server.post_json("/api/v1/checkout", Some(&p.buyer_token), &delivery_with_store).await;
    expect_error(refused, 422, "VALIDATION_FAILED").await;

    let placed = pickup_checkout(&server, &p.buyer_token, lines, json!({"pickup_store_id": bole})).await;
    assert_eq!(placed.status(), 201, "{}", placed.text().await.unwrap_or_default());
    let placed = json(placed).await["data"]["orders"][0].clone();
    assert_eq!(
        (placed["fulfillment"].as_str(), placed["totals"]["shipping"].as_str()),
        (Some("pickup"), Some("0.00")),
        "pickup is never shipped"
    );
    assert_eq!(placed["totals"]["total"], "50.00");
    let id = placed["id"].as_str().unwrap().to_owned();
    pay(&server, &p.buyer_token, &id).await;
    expect_error(new_delivery(&server, &p.seller_token, &id, json!({})).await, 409, "CONFLICT").await;
    expect_error(dispatch(p.seller_token.clone(), id.clone()).await, 409, "INVALID_TRANSITION").await;
    move_to(&server, &p.seller_token, &id, "accepted").await;
    expect_error(dispatch(p.buyer_token.clone(), id.clone()).await, 403, "FORBIDDEN").await;
    expect_error(dispatch(p.other_seller.clone(), id.clone()).await, 404, "NOT_FOUND").await;
    let till = integration_token(&server, &p.seller_token, json!(["order:update", "order:view"])).await;
    let handed = dispatch(till, id.clone()).await;
    assert_eq!(handed.status(), 200, "{}", handed.text().await.unwrap_or_default());
    let handed = json(handed).await["data"]["order"].clone();
    assert_eq!(
        (handed["status"].as_str(), handed["delivery_status"].as_str()),
        (Some("trial_active"), Some("delivered"))
    );
    expect_error(dispatch(p.seller_token.clone(), id.clone()).await, 409, "INVALID_TRANSITION").await;
    let history = json(server.get(&format!("/api/v1/orders/{id}/events"), Some(&p.seller_token)).await).await;
    let to: Vec<&str> = history["data"]["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["to_status"].as_str().unwrap())
        .collect();
    assert_eq!(to, ["pending", "new", "accepted", "shipped", "delivered", "trial_active"]);
    server.stop().await;
}

on_both_backends!(
    split_deliveries_drive_a_trial_order_to_trial_active,
    nobody_else_sees_or_changes_deliveries,
    concurrent_splits_never_put_a_unit_in_two_deliveries,
    cancelled_deliveries_free_their_units_and_integrations_move_them,
    tracking_is_recorded_and_the_carrier_confirms_delivery,
    pickup_orders_are_checked_out_at_a_store_and_handed_over_once,
);
