//! Payments over HTTP: gateways, the sandbox's hosted checkout, signed callbacks (forged, stale,
//! replayed and concurrent ones change nothing), escrow holds, refunds and release on
//! completion, with the ledger balanced after every step.

use std::sync::Arc;

use serde_json::{Value, json};
use souk_tests::payments::{
    assert_ledger_balances, checkout_one, initiate, listed_product, move_to, pay, press, sandbox_gateway,
    send_callback,
};
use souk_tests::{Backend, Options, TestServer, expect_error, json, on_both_backends};

fn now() -> i64 {
    chrono::Utc::now().timestamp()
}

async fn order(server: &TestServer, token: &str, id: &str) -> Value {
    json(server.get(&format!("/api/v1/orders/{id}"), Some(token)).await).await["data"]["order"].clone()
}

async fn order_payment(server: &TestServer, token: &str, id: &str) -> Value {
    let response = server.get(&format!("/api/v1/orders/{id}/payment"), Some(token)).await;
    assert_eq!(response.status(), 200);
    json(response).await["data"]["payment"].clone()
}

async fn gateways_are_admin_only_and_hide_their_secrets(backend: Backend) {
    let server = TestServer::start(backend).await;
    let (_, admin) = server.admin().await;
    let (_, seller) = server.seller("sam").await;
    let body = json!({"title": "Sandbox", "provider": "sandbox", "currency": "USD", "min_transaction_size": "1", "max_transaction_size": 500});
    expect_error(server.post_json("/api/v1/payment-gateways", Some(&seller), &body).await, 403, "FORBIDDEN")
        .await;
    expect_error(server.post_json("/api/v1/payment-gateways", None, &body).await, 401, "UNAUTHENTICATED")
        .await;
    let created = server.post_json("/api/v1/payment-gateways", Some(&admin), &body).await;
    assert_eq!(created.status(), 201);
    let created = json(created).await["data"]["payment_gateway"].clone();
    assert!(created["webhook_secret"].as_str().unwrap().starts_with("whsec_"));
    assert_eq!(created["min_transaction_size"], "1.00");
    assert_eq!(created["max_transaction_size"], "500.00");
    let id = created["id"].as_str().unwrap();
    let read = json(server.get(&format!("/api/v1/payment-gateways/{id}"), Some(&admin)).await).await;
    let read = &read["data"]["payment_gateway"];
    assert!(read.get("webhook_secret").is_none(), "secrets are write-only: {read}");
    assert_eq!(read["secrets_set"], json!(["webhook_secret"]));
    let bad = json!({"title": "", "provider": "chapa", "currency": "XYZ"});
    let errors = expect_error(
        server.post_json("/api/v1/payment-gateways", Some(&admin), &bad).await,
        422,
        "VALIDATION_FAILED",
    )
    .await;
    assert!(errors["errors"]["currency"].is_array(), "{errors}");
    let chapa = json!({"title": "Chapa", "provider": "chapa", "currency": "ETB"});
    let errors = expect_error(
        server.post_json("/api/v1/payment-gateways", Some(&admin), &chapa).await,
        422,
        "VALIDATION_FAILED",
    )
    .await;
    assert!(errors["errors"]["secrets.secret_key"].is_array(), "{errors}");
    let patched = server
        .patch_json(
            &format!("/api/v1/payment-gateways/{id}"),
            Some(&admin),
            &json!({"status": "inactive", "max_transaction_size": null}),
        )
        .await;
    assert_eq!(patched.status(), 200);
    let patched = json(patched).await["data"]["payment_gateway"].clone();
    assert_eq!(
        (patched["status"].as_str(), patched["max_transaction_size"].is_null()),
        (Some("inactive"), true)
    );
    let list = json(server.get("/api/v1/payment-gateways", Some(&admin)).await).await;
    assert_eq!(list["data"]["pagination"]["total"], 1);
    assert_eq!(server.delete(&format!("/api/v1/payment-gateways/{id}"), Some(&admin)).await.status(), 200);
    expect_error(server.get(&format!("/api/v1/payment-gateways/{id}"), Some(&admin)).await, 404, "NOT_FOUND")
        .await;
    server.stop().await;
}

async fn a_sandbox_payment_holds_the_money_and_completion_releases_it(backend: Backend) {
    let options =
        Options { env: [("SOUK_PLATFORM_FEE_PERCENT".into(), "2.5".into())].into(), ..Options::default() };
    let server = TestServer::start_with(backend, options).await;
    let (_, admin) = server.admin().await;
    let (seller, seller_token) = server.seller("sam").await;
    let (_, buyer) = server.buyer("amina").await;
    let (_, other_buyer) = server.buyer("bo").await;
    sandbox_gateway(&server, &admin, "USD").await;
    let product =
        listed_product(&server, &admin, seller.id, json!({"title": "Lamp", "price": "19.99", "quantity": 3}))
            .await;
    let placed = checkout_one(&server, &buyer, &product, 1).await;
    let id = placed["id"].as_str().unwrap();
    expect_error(
        server.post_json("/api/v1/payments/initiate", Some(&other_buyer), &json!({"order_id": id})).await,
        404,
        "NOT_FOUND",
    )
    .await;
    expect_error(
        server.post_json("/api/v1/payments/initiate", Some(&buyer), &json!({})).await,
        422,
        "VALIDATION_FAILED",
    )
    .await;
    let started = initiate(&server, &buyer, id).await;
    let tx_ref = started["tx_ref"].as_str().unwrap();
    let checkout_url = started["checkout_url"].as_str().unwrap();
    assert!(checkout_url.starts_with(&server.base), "{checkout_url}");
    let page = server.client.get(checkout_url).send().await.unwrap();
    assert_eq!(page.status(), 200);
    assert!(page.text().await.unwrap().contains("19.99 USD"));
    let paid = press(&server, tx_ref, "pay").await;
    assert_eq!(paid.status(), 200);
    let paid = json(paid).await;
    assert_eq!(paid["data"]["payment"]["status"], "held_in_escrow");
    assert_eq!(paid["data"]["order"]["status"], "new");
    let status =
        json(server.get(&format!("/api/v1/payments/status?tx_ref={tx_ref}"), Some(&seller_token)).await)
            .await;
    assert_eq!(status["data"]["payment"]["amount"], "19.99");
    expect_error(
        server.get(&format!("/api/v1/payments/status?tx_ref={tx_ref}"), Some(&other_buyer)).await,
        404,
        "NOT_FOUND",
    )
    .await;
    let money = order_payment(&server, &buyer, id).await;
    assert_eq!((money["held"].as_str(), money["in_escrow"].as_str()), (Some("19.99"), Some("19.99")));
    assert_eq!(money["method"], "sandbox");
    let read = order(&server, &buyer, id).await;
    assert_eq!(
        (read["escrow"]["held"].as_str(), read["escrow"]["frozen"].as_bool()),
        (Some("19.99"), Some(false))
    );
    expect_error(
        server.get(&format!("/api/v1/orders/{id}/payment"), Some(&other_buyer)).await,
        404,
        "NOT_FOUND",
    )
    .await;
    assert_ledger_balances(&server).await;
    move_to(&server, &seller_token, id, "accepted").await;
    move_to(&server, &seller_token, id, "shipped").await;
    let delivered = move_to(&server, &seller_token, id, "delivered").await;
    assert!(delivered["allowed_transitions"].as_array().unwrap().is_empty(), "{delivered}");
    let completed = move_to(&server, &buyer, id, "completed").await;
    assert_eq!(completed["status"], "completed");
    let money = order_payment(&server, &admin, id).await;
    assert_eq!((money["released"].as_str(), money["in_escrow"].as_str()), (Some("19.99"), Some("0.00")));
    assert_eq!(money["status"], "released_to_seller");
    let fee: i64 = 1999 * 250 / 10_000;
    let sums = souk_storage::ledger::list_accounts(
        &server.db().conn,
        &souk_storage::ledger::AccountFilter::default(),
        souk_kernel::PageRequest::new(1, 50).unwrap(),
    )
    .await
    .unwrap();
    let balance_of = |kind: &str| {
        sums.items.iter().filter(|a| a.account.kind.as_str() == kind).map(|a| a.balance).sum::<i64>()
    };
    assert_eq!(balance_of("platform_revenue"), fee);
    assert_eq!(balance_of("seller_available"), 1999 - fee);
    assert_eq!(balance_of("buyer_funding"), -1999);
    assert_eq!(balance_of("order_escrow"), 0);
    let product_now = json(server.get(&format!("/api/v1/products/{product}"), None).await).await;
    assert_eq!(product_now["data"]["product"]["quantity"], 2, "completion turns the reservation into a sale");
    assert_ledger_balances(&server).await;
    server.stop().await;
}

async fn forged_stale_and_replayed_callbacks_change_nothing(backend: Backend) {
    let server = TestServer::start(backend).await;
    let (_, admin) = server.admin().await;
    let (seller, _) = server.seller("sam").await;
    let (_, buyer) = server.buyer("amina").await;
    let (gateway, secret) = sandbox_gateway(&server, &admin, "USD").await;
    let product =
        listed_product(&server, &admin, seller.id, json!({"title": "Lamp", "price": "10", "quantity": 3}))
            .await;
    let placed = checkout_one(&server, &buyer, &product, 1).await;
    let id = placed["id"].as_str().unwrap();
    let tx_ref = initiate(&server, &buyer, id).await["tx_ref"].as_str().unwrap().to_owned();
    let body = json!({"event": "charge.success", "tx_ref": tx_ref, "status": "success", "amount": "10.00", "currency": "USD"});
    expect_error(
        send_callback(&server, &gateway, "whsec_forged", now(), &body).await,
        401,
        "UNAUTHENTICATED",
    )
    .await;
    expect_error(send_callback(&server, &gateway, &secret, now() - 301, &body).await, 401, "UNAUTHENTICATED")
        .await;
    let unsigned = server
        .client
        .post(server.url(&format!("/api/v1/payments/webhook/{gateway}")))
        .json(&body)
        .send()
        .await
        .unwrap();
    expect_error(unsigned, 401, "UNAUTHENTICATED").await;
    let cheaper = json!({"event": "charge.success", "tx_ref": tx_ref, "status": "success", "amount": "1.00", "currency": "USD"});
    expect_error(send_callback(&server, &gateway, &secret, now(), &cheaper).await, 422, "VALIDATION_FAILED")
        .await;
    assert_eq!(order(&server, &buyer, id).await["status"], "pending");
    let response = send_callback(&server, &gateway, &secret, now(), &body).await;
    assert_eq!(response.status(), 200);
    let replay = send_callback(&server, &gateway, &secret, now(), &body).await;
    assert_eq!(replay.status(), 200);
    let failed = json!({"event": "charge.failed", "tx_ref": tx_ref, "status": "failed", "amount": "10.00", "currency": "USD"});
    assert_eq!(send_callback(&server, &gateway, &secret, now(), &failed).await.status(), 200);
    assert_eq!(order(&server, &buyer, id).await["status"], "new");
    assert_eq!(order_payment(&server, &buyer, id).await["held"], "10.00", "one hold, however many callbacks");
    let unknown = json!({"event": "charge.success", "tx_ref": "souk_unknown", "status": "success", "amount": "10.00", "currency": "USD"});
    expect_error(send_callback(&server, &gateway, &secret, now(), &unknown).await, 404, "NOT_FOUND").await;
    assert_ledger_balances(&server).await;
    server.stop().await;
}

async fn ten_identical_callbacks_at_once_make_one_hold(backend: Backend) {
    let server = Arc::new(TestServer::start(backend).await);
    let (_, admin) = server.admin().await;
    let (seller, _) = server.seller("sam").await;
    let (_, buyer) = server.buyer("amina").await;
    let (gateway, secret) = sandbox_gateway(&server, &admin, "USD").await;
    let product =
        listed_product(&server, &admin, seller.id, json!({"title": "Lamp", "price": "10", "quantity": 3}))
            .await;
    let placed = checkout_one(&server, &buyer, &product, 1).await;
    let id = placed["id"].as_str().unwrap().to_owned();
    let tx_ref = initiate(&server, &buyer, &id).await["tx_ref"].as_str().unwrap().to_owned();
    let body = json!({"event": "charge.success", "tx_ref": tx_ref, "status": "success", "amount": "10.00", "currency": "USD"});
    let mut tasks = Vec::new();
    for _ in 0..10 {
        let (server, gateway, secret, body) = (server.clone(), gateway.clone(), secret.clone(), body.clone());
        tasks.push(tokio::spawn(async move {
            send_callback(&server, &gateway, &secret, now(), &body).await.status().as_u16()
        }));
    }
    for task in tasks {
        assert_eq!(task.await.unwrap(), 200);
    }
    assert_eq!(order_payment(&server, &buyer, &id).await["held"], "10.00");
    assert_ledger_balances(&server).await;
    Arc::try_unwrap(server).unwrap().stop().await;
}

async fn refunds_never_exceed_what_was_paid_and_cancel_refunds_the_rest(backend: Backend) {
    let server = TestServer::start(backend).await;
    let (_, admin) = server.admin().await;
    let (seller, seller_token) = server.seller("sam").await;
    let (_, other_seller) = server.seller("zed").await;
    let (_, buyer) = server.buyer("amina").await;
    sandbox_gateway(&server, &admin, "USD").await;
    let product =
        listed_product(&server, &admin, seller.id, json!({"title": "Lamp", "price": "10", "quantity": 3}))
            .await;
    let placed = checkout_one(&server, &buyer, &product, 2).await;
    let id = placed["id"].as_str().unwrap();
    pay(&server, &buyer, id).await;
    let path = format!("/api/v1/orders/{id}/refunds");
    expect_error(server.post_json(&path, Some(&buyer), &json!({"amount": "1"})).await, 403, "FORBIDDEN")
        .await;
    expect_error(
        server.post_json(&path, Some(&other_seller), &json!({"amount": "1"})).await,
        404,
        "NOT_FOUND",
    )
    .await;
    expect_error(
        server.post_json(&path, Some(&seller_token), &json!({"amount": "20.01"})).await,
        422,
        "VALIDATION_FAILED",
    )
    .await;
    expect_error(
        server.post_json(&path, Some(&seller_token), &json!({"amount": "0"})).await,
        422,
        "VALIDATION_FAILED",
    )
    .await;
    expect_error(
        server.post_json(&path, Some(&seller_token), &json!({"amount": "1.001"})).await,
        422,
        "VALIDATION_FAILED",
    )
    .await;
    let refund =
        server.post_json(&path, Some(&seller_token), &json!({"amount": "4.50", "reason": "scratched"})).await;
    assert_eq!(refund.status(), 201);
    let refund = json(refund).await["data"]["refund"].clone();
    assert_eq!((refund["amount"].as_str(), refund["source"].as_str()), (Some("4.50"), Some("escrow")));
    assert_eq!(refund["payment_status"], "partially_refunded");
    let canceled = move_to(&server, &buyer, id, "canceled").await;
    assert_eq!(canceled["payment_status"], "refunded");
    let money = order_payment(&server, &buyer, id).await;
    assert_eq!((money["refunded"].as_str(), money["in_escrow"].as_str()), (Some("20.00"), Some("0.00")));
    assert_eq!(money["status"], "refunded");
    expect_error(server.post_json(&path, Some(&seller_token), &json!({})).await, 409, "CONFLICT").await;
    let count = |query: &'static str| {
        let (server, buyer) = (&server, &buyer);
        async move {
            let list = json(server.get(&format!("/api/v1/orders?{query}"), Some(buyer)).await).await;
            list["data"]["pagination"]["total"].as_i64().unwrap()
        }
    };
    assert_eq!(count("refund_status=full").await, 1);
    assert_eq!(count("refund_status=none,partial").await, 0);
    assert_eq!(count("exclude_refund_status=full").await, 0);
    assert_eq!(count("return_status=pending").await, 0);
    assert_eq!(count("exclude_return_status=pending").await, 1);
    expect_error(
        server.get("/api/v1/orders?refund_status=some", Some(&buyer)).await,
        422,
        "VALIDATION_FAILED",
    )
    .await;
    let product_now = json(server.get(&format!("/api/v1/products/{product}"), None).await).await;
    assert_eq!(product_now["data"]["product"]["available"], 3, "cancel gives the stock back");
    assert_ledger_balances(&server).await;
    server.stop().await;
}

async fn release_waits_for_the_trial_and_refund_after_release_comes_from_the_seller(backend: Backend) {
    let server = TestServer::start(backend).await;
    let (_, admin) = server.admin().await;
    let (seller, seller_token) = server.seller("sam").await;
    let (_, buyer) = server.buyer("amina").await;
    sandbox_gateway(&server, &admin, "USD").await;
    let trial =
        json!({"trial_days": 7, "penalty_type": "flat", "penalty_value": "1", "return_window_hours": 24});
    let product = listed_product(
        &server,
        &admin,
        seller.id,
        json!({"title": "Chair", "price": "50", "quantity": 2, "trial_policy": trial}),
    )
    .await;
    let placed = checkout_one(&server, &buyer, &product, 1).await;
    let id = placed["id"].as_str().unwrap();
    pay(&server, &buyer, id).await;
    move_to(&server, &seller_token, id, "accepted").await;
    move_to(&server, &seller_token, id, "shipped").await;
    let delivered = move_to(&server, &seller_token, id, "delivered").await;
    assert_eq!(delivered["status"], "trial_active", "delivery opens the trial");
    assert!(delivered["trial_ends_at"].is_string());
    let jobs = server.post_json("/api/v1/sandbox/jobs/run", Some(&admin), &json!({})).await;
    assert_eq!(jobs.status(), 200);
    assert_eq!(order(&server, &buyer, id).await["status"], "trial_active");
    let advanced = server
        .post_json("/api/v1/sandbox/clock", Some(&admin), &json!({"advance_seconds": 8 * 86_400}))
        .await;
    assert_eq!(advanced.status(), 200);
    assert_eq!(
        order(&server, &buyer, id).await["status"],
        "completed",
        "the trial's end releases the escrow"
    );
    let money = order_payment(&server, &seller_token, id).await;
    assert_eq!(money["released"], "50.00");
    let refund = server
        .post_json(&format!("/api/v1/orders/{id}/refunds"), Some(&admin), &json!({"amount": "5"}))
        .await;
    assert_eq!(refund.status(), 201);
    assert_eq!(json(refund).await["data"]["refund"]["source"], "seller_balance");
    assert_ledger_balances(&server).await;
    server.stop().await;
}

async fn a_failed_payment_can_be_retried(backend: Backend) {
    let server = TestServer::start(backend).await;
    let (_, admin) = server.admin().await;
    let (seller, _) = server.seller("sam").await;
    let (_, buyer) = server.buyer("amina").await;
    sandbox_gateway(&server, &admin, "USD").await;
    let product =
        listed_product(&server, &admin, seller.id, json!({"title": "Lamp", "price": "10", "quantity": 3}))
            .await;
    let placed = checkout_one(&server, &buyer, &product, 1).await;
    let id = placed["id"].as_str().unwrap();
    let tx_ref = initiate(&server, &buyer, id).await["tx_ref"].as_str().unwrap().to_owned();
    let failed = json(press(&server, &tx_ref, "fail").await).await;
    assert_eq!(failed["data"]["payment"]["status"], "failed");
    assert_eq!(order(&server, &buyer, id).await["status"], "failed");
    let retry = pay(&server, &buyer, id).await;
    assert_ne!(retry, tx_ref);
    assert_eq!(order(&server, &buyer, id).await["status"], "new");
    expect_error(press(&server, &retry, "maybe").await, 422, "VALIDATION_FAILED").await;
    server.stop().await;
}

async fn a_failed_attempt_leaves_a_parallel_one_to_pay(backend: Backend) {
    let server = TestServer::start(backend).await;
    let (_, admin) = server.admin().await;
    let (seller, _) = server.seller("sam").await;
    let (_, buyer) = server.buyer("amina").await;
    sandbox_gateway(&server, &admin, "USD").await;
    let product =
        listed_product(&server, &admin, seller.id, json!({"title": "Lamp", "price": "10", "quantity": 3}))
            .await;
    let placed = checkout_one(&server, &buyer, &product, 1).await;
    let id = placed["id"].as_str().unwrap();
    let first = initiate(&server, &buyer, id).await["tx_ref"].as_str().unwrap().to_owned();
    let second = initiate(&server, &buyer, id).await["tx_ref"].as_str().unwrap().to_owned();
    assert_eq!(press(&server, &first, "fail").await.status(), 200);
    assert_eq!(order(&server, &buyer, id).await["status"], "pending", "another attempt is still open");
    assert_eq!(press(&server, &second, "pay").await.status(), 200);
    let read = order(&server, &buyer, id).await;
    assert_eq!((read["status"].as_str(), read["payment_status"].as_str()), (Some("new"), Some("paid")));
    assert_ledger_balances(&server).await;
    server.stop().await;
}

async fn sandbox_checkout_is_gone_outside_sandbox_mode(backend: Backend) {
    let server = TestServer::start_with(backend, Options { sandbox: false, ..Options::default() }).await;
    let (_, admin) = server.admin().await;
    let body = json!({"title": "Sandbox", "provider": "sandbox", "currency": "USD"});
    let errors = expect_error(
        server.post_json("/api/v1/payment-gateways", Some(&admin), &body).await,
        422,
        "VALIDATION_FAILED",
    )
    .await;
    assert!(errors["errors"]["provider"].is_array());
    expect_error(server.get("/api/v1/sandbox/checkout/souk_x", None).await, 404, "NOT_FOUND").await;
    server.stop().await;
}

on_both_backends!(
    gateways_are_admin_only_and_hide_their_secrets,
    a_sandbox_payment_holds_the_money_and_completion_releases_it,
    forged_stale_and_replayed_callbacks_change_nothing,
    ten_identical_callbacks_at_once_make_one_hold,
    refunds_never_exceed_what_was_paid_and_cancel_refunds_the_rest,
    release_waits_for_the_trial_and_refund_after_release_comes_from_the_seller,
    a_failed_payment_can_be_retried,
    a_failed_attempt_leaves_a_parallel_one_to_pay,
    sandbox_checkout_is_gone_outside_sandbox_mode,
);
