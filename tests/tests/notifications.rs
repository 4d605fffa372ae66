//! Notifications over HTTP: a paid order mails its buyer and seller, status changes mail the
//! buyer (sent by the job loop from what the change queued), and `POST /notifications` sends one
//! now for admins and the order's seller.

use serde_json::json;
use souk_tests::payments::{checkout_one, listed_product, move_to, pay, sandbox_gateway};
use souk_tests::{Backend, TestServer, expect_error, json, on_both_backends};

/// Every message in the file mailer's outbox to `email`, as text.
fn mail_to(server: &TestServer, email: &str) -> Vec<String> {
    std::fs::read_dir(server.data_dir().join("mail"))
        .map(|entries| {
            entries
                .filter_map(Result::ok)
                .filter_map(|entry| std::fs::read_to_string(entry.path()).ok())
                .filter(|text| text.contains(&format!("To: {email}")))
                .collect()
        })
        .unwrap_or_default()
}

async fn run_jobs(server: &TestServer, admin: &str) {
    let response = server.post_json("/api/v1/sandbox/jobs/run", Some(admin), &json!({})).await;
    assert_eq!(response.status(), 200);
}

async fn orders_mail_their_buyer_and_seller(backend: Backend) {
    let server = TestServer::start(backend).await;
    let (_, admin) = server.admin().await;
    let (sam, sam_token) = server.seller("sam").await;
    let (_, zed_token) = server.seller("zed").await;
    let (_, buyer) = server.buyer("amina").await;
    sandbox_gateway(&server, &admin, "USD").await;
    let product = listed_product(
        &server,
        &admin,
        sam.id,
        json!({"title": "Desk Lamp", "price": "19.99", "quantity": 3}),
    )
    .await;
    let order = checkout_one(&server, &buyer, &product, 2).await;
    let (id, number) = (order["id"].as_str().unwrap(), order["number"].as_str().unwrap());
    pay(&server, &buyer, id).await;
    run_jobs(&server, &admin).await;
    let to_buyer = mail_to(&server, "amina@souk.example");
    assert!(
        to_buyer
            .iter()
            .any(|m| m.contains(&format!("Your order {number} is confirmed")) && m.contains("2 x Desk Lamp")),
        "{to_buyer:?}"
    );
    let to_seller = mail_to(&server, "sam@souk.example");
    assert!(
        to_seller.iter().any(|m| m.contains(&format!("New order {number}")) && m.contains("39.98 USD")),
        "{to_seller:?}"
    );
    move_to(&server, &sam_token, id, "accepted").await;
    run_jobs(&server, &admin).await;
    let to_buyer = mail_to(&server, "amina@souk.example");
    assert!(to_buyer.iter().any(|m| m.contains(&format!("Order {number}: accepted"))), "{to_buyer:?}");
    run_jobs(&server, &admin).await;
    assert_eq!(mail_to(&server, "amina@souk.example").len(), to_buyer.len(), "each mail is sent once");

    let body = json!({"type": "order_status", "object_id": id});
    let sent = server.post_json("/api/v1/notifications", Some(&sam_token), &body).await;
    assert_eq!(sent.status(), 200);
    let sent = json(sent).await["data"]["notification"].clone();
    assert_eq!(sent["status"], "sent");
    assert_eq!(sent["recipients"], json!(["amina@souk.example"]));
    expect_error(server.post_json("/api/v1/notifications", Some(&zed_token), &body).await, 404, "NOT_FOUND")
        .await;
    expect_error(server.post_json("/api/v1/notifications", Some(&buyer), &body).await, 403, "FORBIDDEN")
        .await;
    let unknown = json!({"type": "order_status", "object_id": uuid::Uuid::now_v7()});
    expect_error(server.post_json("/api/v1/notifications", Some(&admin), &unknown).await, 404, "NOT_FOUND")
        .await;
    let bad = json!({"type": "birthday", "object_id": id});
    let response = server.post_json("/api/v1/notifications", Some(&admin), &bad).await;
    assert_eq!(response.status(), 422);
    let supplier = json!({"type": "new_order_supplier", "object_id": id});
    let sent = server.post_json("/api/v1/notifications", Some(&admin), &supplier).await;
    assert_eq!(json(sent).await["data"]["notification"]["recipients"], json!(["sam@souk.example"]));
    server.stop().await;
}

async fn returns_mail_both_parties(backend: Backend) {
    let server = TestServer::start(backend).await;
    let (_, admin) = server.admin().await;
    let (sam, sam_token) = server.seller("sam").await;
    let (_, buyer) = server.buyer("amina").await;
    sandbox_gateway(&server, &admin, "USD").await;
    let trial =
        json!({"trial_days": 7, "penalty_type": "flat", "penalty_value": "2", "return_window_hours": 48});
    let product = listed_product(
        &server,
        &admin,
        sam.id,
        json!({"title": "Chair", "price": "40", "quantity": 3, "trial_policy": trial}),
    )
    .await;
    let order = checkout_one(&server, &buyer, &product, 1).await;
    let (id, number) = (order["id"].as_str().unwrap(), order["number"].as_str().unwrap());
    pay(&server, &buyer, id).await;
    for status in ["accepted", "shipped", "delivered"] {
        move_to(&server, &sam_token, id, status).await;
    }
    let response = server
        .post_json("/api/v1/returns", Some(&buyer), &json!({"order_id": id, "reason": "too small"}))
        .await;
    assert_eq!(response.status(), 201, "{}", response.text().await.unwrap_or_default());
    run_jobs(&server, &admin).await;
    let subject = format!("Return for order {number}: pending");
    assert!(mail_to(&server, "amina@souk.example").iter().any(|m| m.contains(&subject)));
    assert!(mail_to(&server, "sam@souk.example").iter().any(|m| m.contains(&subject)));
    let trial_mail = mail_to(&server, "amina@souk.example");
    assert!(
        trial_mail
            .iter()
            .any(|m| m.contains(&format!("Order {number}: trial active"))
                && m.contains("Your trial runs until")),
        "{trial_mail:?}"
    );
    server.stop().await;
}

on_both_backends!(orders_mail_their_buyer_and_seller, returns_mail_both_parties);
