//! Money where it stands, over HTTP: escrow holds from payment to release, seller balances,
//! sellers' payment accounts, payouts (exactly one of five concurrent full payouts succeeds, a
//! failing provider changes nothing) and the admin's ledger, whose sums stay zero; every read
//! and write checked against callers who may not see it.

use std::sync::Arc;

use serde_json::{Value, json};
use souk_tests::payments::{assert_ledger_balances, move_to, paid_order, sandbox_gateway};
use souk_tests::{Backend, TestServer, expect_error, json, on_both_backends};

/// A paid order of `seller` moved to `completed`, which releases its escrow; returns its id.
async fn released_order(
    server: &TestServer,
    admin: &str,
    seller: &souk_auth::User,
    seller_token: &str,
    buyer: &str,
    price: &str,
) -> String {
    let id = paid_order(
        server,
        admin,
        seller.id,
        buyer,
        json!({"title": "Desk lamp", "price": price, "quantity": 5}),
    )
    .await;
    for status in ["accepted", "shipped", "delivered"] {
        move_to(server, seller_token, &id, status).await;
    }
    move_to(server, buyer, &id, "completed").await;
    id
}

async fn get_json(server: &TestServer, path: &str, token: &str) -> Value {
    let response = server.get(path, Some(token)).await;
    assert_eq!(response.status(), 200, "{path}: {}", response.text().await.unwrap_or_default());
    json(response).await
}

async fn balance(server: &TestServer, seller: souk_kernel::UserId, token: &str) -> Value {
    get_json(server, &format!("/api/v1/sellers/{seller}/balance"), token).await["data"]["balance"].clone()
}

/// A payment account of `seller` on `gateway`; returns its id.
async fn payment_account(
    server: &TestServer,
    token: &str,
    seller: souk_kernel::UserId,
    gateway: &str,
    external: &str,
) -> String {
    let response = server
        .post_json(
            &format!("/api/v1/users/{seller}/payment-accounts"),
            Some(token),
            &json!({"gateway_id": gateway, "external_account_id": external}),
        )
        .await;
    assert_eq!(response.status(), 201, "{}", response.text().await.unwrap_or_default());
    json(response).await["data"]["payment_account"]["id"].as_str().unwrap().to_owned()
}

async fn holds_follow_an_order_from_payment_to_release(backend: Backend) {
    let server = TestServer::start(backend).await;
    let (_, admin) = server.admin().await;
    let (alice, alice_token) = server.seller("alice").await;
    let (_, bob_token) = server.seller("bob").await;
    let (amina, buyer) = server.buyer("amina").await;
    sandbox_gateway(&server, &admin, "USD").await;
    let order = paid_order(
        &server,
        &admin,
        alice.id,
        &buyer,
        json!({"title": "Lamp", "price": "19.99", "quantity": 3}),
    )
    .await;

    let list = get_json(&server, "/api/v1/escrow/holds", &alice_token).await;
    assert_eq!(list["data"]["pagination"]["total"], 1, "{list}");
    let hold = list["data"]["holds"][0].clone();
    assert_eq!(hold["order_id"], order);
    assert!(hold["order_number"].as_str().unwrap().starts_with("SK-"));
    assert_eq!(hold["seller_id"], alice.id.to_string());
    assert_eq!(hold["buyer_id"], amina.id.to_string());
    assert_eq!((hold["amount"].as_str(), hold["held"].as_str()), (Some("19.99"), Some("19.99")));
    assert_eq!((hold["released"].as_str(), hold["refunded"].as_str()), (Some("0.00"), Some("0.00")));
    assert_eq!((hold["status"].as_str(), hold["order_status"].as_str()), (Some("held"), Some("new")));
    assert_eq!((hold["currency"].as_str(), hold["frozen"].as_bool()), (Some("USD"), Some(false)));
    assert!(hold["release_at"].is_null(), "no release date before delivery");
    let id = hold["id"].as_str().unwrap().to_owned();

    let path = format!("/api/v1/escrow/holds/{id}");
    assert_eq!(get_json(&server, &path, &alice_token).await["data"]["hold"]["order_id"], order);
    assert_eq!(get_json(&server, &path, &admin).await["data"]["hold"]["id"], id);
    expect_error(server.get(&path, Some(&bob_token)).await, 404, "NOT_FOUND").await;
    expect_error(server.get(&path, Some(&buyer)).await, 403, "FORBIDDEN").await;
    expect_error(server.get(&path, None).await, 401, "UNAUTHENTICATED").await;
    let missing = format!("/api/v1/escrow/holds/{}", uuid::Uuid::now_v7());
    expect_error(server.get(&missing, Some(&admin)).await, 404, "NOT_FOUND").await;

    let bobs = get_json(&server, "/api/v1/escrow/holds", &bob_token).await;
    assert_eq!(bobs["data"]["pagination"]["total"], 0, "another seller sees none of alice's holds");
    let peeking =
        get_json(&server, &format!("/api/v1/escrow/holds?seller_id={}", alice.id), &bob_token).await;
    assert_eq!(peeking["data"]["pagination"]["total"], 0, "a seller's list is always its own");
    expect_error(server.get("/api/v1/escrow/holds", Some(&buyer)).await, 403, "FORBIDDEN").await;
    expect_error(server.get("/api/v1/escrow/holds", None).await, 401, "UNAUTHENTICATED").await;
    let by_seller =
        get_json(&server, &format!("/api/v1/escrow/holds?seller_id={}&status=held", alice.id), &admin).await;
    assert_eq!(by_seller["data"]["pagination"]["total"], 1);
    let by_order = get_json(&server, &format!("/api/v1/escrow/holds?order_id={order}"), &admin).await;
    assert_eq!(by_order["data"]["holds"][0]["id"], id);
    let released = get_json(&server, "/api/v1/escrow/holds?status=released,refunded", &admin).await;
    assert_eq!(released["data"]["pagination"]["total"], 0);
    let body = expect_error(
        server.get("/api/v1/escrow/holds?status=gone&page_size=0", Some(&admin)).await,
        422,
        "VALIDATION_FAILED",
    )
    .await;
    assert!(body["errors"]["status"].is_array() && body["errors"]["page_size"].is_array(), "{body}");

    let pending = balance(&server, alice.id, &alice_token).await;
    assert_eq!(
        pending,
        json!({"seller_id": alice.id, "pending": "19.99", "available": "0.00", "paid_out": "0.00", "currency": "USD"})
    );

    for status in ["accepted", "shipped", "delivered"] {
        move_to(&server, &alice_token, &order, status).await;
    }
    let delivered = get_json(&server, &path, &alice_token).await["data"]["hold"].clone();
    assert_eq!(delivered["status"], "held");
    assert!(delivered["release_at"].is_string(), "delivery sets the release date: {delivered}");
    move_to(&server, &buyer, &order, "completed").await;

    let done = get_json(&server, &path, &alice_token).await["data"]["hold"].clone();
    assert_eq!(
        (done["status"].as_str(), done["amount"].as_str()),
        (Some("released"), Some("0.00")),
        "{done}"
    );
    assert_eq!((done["held"].as_str(), done["released"].as_str()), (Some("19.99"), Some("19.99")));
    assert_eq!(done["order_status"], "completed");
    let released = get_json(&server, "/api/v1/escrow/holds?status=released", &alice_token).await;
    assert_eq!(released["data"]["holds"][0]["id"], id);
    let held = get_json(&server, "/api/v1/escrow/holds?status=held", &alice_token).await;
    assert_eq!(held["data"]["pagination"]["total"], 0);
    let after = balance(&server, alice.id, &admin).await;
    assert_eq!((after["pending"].as_str(), after["available"].as_str()), (Some("0.00"), Some("19.99")));
    assert_ledger_balances(&server).await;
    server.stop().await;
}

async fn balances_are_for_the_seller_and_admins_in_one_currency(backend: Backend) {
    let server = TestServer::start(backend).await;
    let (_, admin) = server.admin().await;
    let (alice, alice_token) = server.seller("alice").await;
    let (bob, bob_token) = server.seller("bob").await;
    let (amina, buyer) = server.buyer("amina").await;

    let fresh = balance(&server, bob.id, &bob_token).await;
    assert_eq!(
        fresh,
        json!({"seller_id": bob.id, "pending": "0.00", "available": "0.00", "paid_out": "0.00", "currency": "USD"})
    );
    let path = format!("/api/v1/sellers/{}/balance", alice.id);
    expect_error(server.get(&path, Some(&bob_token)).await, 404, "NOT_FOUND").await;
    expect_error(server.get(&path, Some(&buyer)).await, 404, "NOT_FOUND").await;
    expect_error(server.get(&path, None).await, 401, "UNAUTHENTICATED").await;
    let buyers = format!("/api/v1/sellers/{}/balance", amina.id);
    expect_error(server.get(&buyers, Some(&admin)).await, 404, "NOT_FOUND").await;
    expect_error(server.get(&buyers, Some(&buyer)).await, 403, "FORBIDDEN").await;
    let nobody = format!("/api/v1/sellers/{}/balance", uuid::Uuid::now_v7());
    expect_error(server.get(&nobody, Some(&admin)).await, 404, "NOT_FOUND").await;
    expect_error(server.get(&format!("{path}?currency=usd"), Some(&admin)).await, 422, "VALIDATION_FAILED")
        .await;

    sandbox_gateway(&server, &admin, "USD").await;
    sandbox_gateway(&server, &admin, "EUR").await;
    paid_order(&server, &admin, alice.id, &buyer, json!({"title": "Lamp", "price": "10.00", "quantity": 3}))
        .await;
    assert_eq!(
        balance(&server, alice.id, &alice_token).await["currency"],
        "USD",
        "the only currency with activity"
    );
    paid_order(
        &server,
        &admin,
        alice.id,
        &buyer,
        json!({"title": "Vase", "price": "7.50", "currency": "EUR", "quantity": 3}),
    )
    .await;
    let body = expect_error(server.get(&path, Some(&alice_token)).await, 422, "VALIDATION_FAILED").await;
    let message = body["errors"]["currency"][0].as_str().unwrap();
    assert!(message.contains("EUR") && message.contains("USD"), "{message}");
    let eur =
        get_json(&server, &format!("{path}?currency=EUR"), &alice_token).await["data"]["balance"].clone();
    assert_eq!((eur["pending"].as_str(), eur["currency"].as_str()), (Some("7.50"), Some("EUR")));
    let usd = get_json(&server, &format!("{path}?currency=USD"), &admin).await["data"]["balance"].clone();
    assert_eq!(usd["pending"], "10.00");
    let jpy = get_json(&server, &format!("{path}?currency=JPY"), &admin).await["data"]["balance"].clone();
    assert_eq!((jpy["pending"].as_str(), jpy["available"].as_str()), (Some("0"), Some("0")));
    assert_ledger_balances(&server).await;
    server.stop().await;
}

async fn payment_accounts_belong_to_their_seller(backend: Backend) {
    let server = TestServer::start(backend).await;
    let (_, admin) = server.admin().await;
    let (alice, alice_token) = server.seller("alice").await;
    let (bob, bob_token) = server.seller("bob").await;
    let (amina, buyer) = server.buyer("amina").await;
    let (gateway, _) = sandbox_gateway(&server, &admin, "USD").await;
    let accounts = format!("/api/v1/users/{}/payment-accounts", alice.id);

    let created = server
        .post_json(
            &accounts,
            Some(&alice_token),
            &json!({"gateway_id": gateway, "external_account_id": " 044:0123456789 ", "properties": {"bank": "CBE"},
                    "tos_acceptance": {"date": "2026-11-30T10:00:00Z", "ip": "196.188.0.10", "user_agent": "Firefox"}}),
        )
        .await;
    assert_eq!(created.status(), 201, "{}", created.text().await.unwrap());
    let account = json(created).await["data"]["payment_account"].clone();
    assert_eq!(account["external_account_id"], "044:0123456789");
    assert_eq!(
        (account["user_id"].as_str(), account["gateway_id"].as_str()),
        (Some(alice.id.to_string().as_str()), Some(gateway.as_str()))
    );
    assert_eq!(account["properties"], json!({"bank": "CBE"}));
    assert_eq!(
        account["tos_acceptance"],
        json!({"date": "2026-11-30T10:00:00Z", "ip": "196.188.0.10", "user_agent": "Firefox"})
    );
    let id = account["id"].as_str().unwrap().to_owned();

    let mine = get_json(&server, &accounts, &alice_token).await;
    assert_eq!(mine["data"]["pagination"]["total"], 1);
    assert_eq!(mine["data"]["payment_accounts"][0]["id"], id);
    assert_eq!(get_json(&server, &accounts, &admin).await["data"]["payment_accounts"][0]["id"], id);
    expect_error(server.get(&accounts, Some(&bob_token)).await, 404, "NOT_FOUND").await;
    expect_error(server.get(&accounts, Some(&buyer)).await, 404, "NOT_FOUND").await;
    expect_error(server.get(&accounts, None).await, 401, "UNAUTHENTICATED").await;
    let own_as_buyer = format!("/api/v1/users/{}/payment-accounts", amina.id);
    expect_error(server.get(&own_as_buyer, Some(&buyer)).await, 403, "FORBIDDEN").await;
    expect_error(server.get(&own_as_buyer, Some(&admin)).await, 404, "NOT_FOUND").await;
    let new = json!({"gateway_id": gateway, "external_account_id": "x"});
    expect_error(server.post_json(&accounts, Some(&bob_token), &new).await, 404, "NOT_FOUND").await;

    let invalid = server
        .post_json(
            &accounts,
            Some(&alice_token),
            &json!({"gateway_id": uuid::Uuid::now_v7(), "external_account_id": " ", "tos_acceptance": {"date": "2026-11-30T10:00:00Z", "ip": "here"}}),
        )
        .await;
    let body = expect_error(invalid, 422, "VALIDATION_FAILED").await;
    for field in ["gateway_id", "external_account_id", "tos_acceptance.ip"] {
        assert!(body["errors"][field].is_array(), "{field}: {body}");
    }
    let unknown_field = json!({"gateway_id": gateway, "external_account_id": "y", "iban": "x"});
    expect_error(
        server.post_json(&accounts, Some(&alice_token), &unknown_field).await,
        422,
        "VALIDATION_FAILED",
    )
    .await;
    let duplicate = json!({"gateway_id": gateway, "external_account_id": "044:0123456789"});
    expect_error(server.post_json(&accounts, Some(&admin), &duplicate).await, 409, "CONFLICT").await;

    let one = format!("{accounts}/{id}");
    let changed = server
        .patch_json(
            &one,
            Some(&alice_token),
            &json!({"external_account_id": "044:999", "tos_acceptance": null, "properties": {}}),
        )
        .await;
    assert_eq!(changed.status(), 200, "{}", changed.text().await.unwrap());
    let changed = json(changed).await["data"]["payment_account"].clone();
    assert_eq!(
        (changed["external_account_id"].as_str(), changed["properties"].clone()),
        (Some("044:999"), json!({}))
    );
    assert!(changed["tos_acceptance"].is_null());
    let unchanged = server.patch_json(&one, Some(&admin), &json!({"properties": {"holder": "Alice"}})).await;
    assert_eq!(json(unchanged).await["data"]["payment_account"]["external_account_id"], "044:999");
    expect_error(
        server.patch_json(&one, Some(&bob_token), &json!({"properties": {}})).await,
        404,
        "NOT_FOUND",
    )
    .await;
    let bad_gateway = json!({"gateway_id": uuid::Uuid::now_v7()});
    expect_error(server.patch_json(&one, Some(&alice_token), &bad_gateway).await, 422, "VALIDATION_FAILED")
        .await;
    let via_bob = format!("/api/v1/users/{}/payment-accounts/{id}", bob.id);
    expect_error(
        server.patch_json(&via_bob, Some(&admin), &json!({"properties": {}})).await,
        404,
        "NOT_FOUND",
    )
    .await;
    expect_error(server.delete(&via_bob, Some(&admin)).await, 404, "NOT_FOUND").await;
    expect_error(server.delete(&one, Some(&bob_token)).await, 404, "NOT_FOUND").await;

    let deleted = server.delete(&one, Some(&alice_token)).await;
    assert_eq!(deleted.status(), 200);
    assert_eq!(get_json(&server, &accounts, &alice_token).await["data"]["pagination"]["total"], 0);
    expect_error(server.delete(&one, Some(&alice_token)).await, 404, "NOT_FOUND").await;
    server.stop().await;
}

async fn payouts_move_the_available_balance_to_the_seller(backend: Backend) {
    let server = TestServer::start(backend).await;
    let (_, admin) = server.admin().await;
    let (alice, alice_token) = server.seller("alice").await;
    let (bob, bob_token) = server.seller("bob").await;
    let (_, buyer) = server.buyer("amina").await;
    let (gateway, _) = sandbox_gateway(&server, &admin, "USD").await;
    released_order(&server, &admin, &alice, &alice_token, &buyer, "19.99").await;

    let usd = json!({"currency": "USD"});
    let body = expect_error(
        server.post_json("/api/v1/payouts", Some(&alice_token), &usd).await,
        422,
        "VALIDATION_FAILED",
    )
    .await;
    assert!(body["errors"]["payment_account_id"].is_array(), "no payment account yet: {body}");
    let account = payment_account(&server, &alice_token, alice.id, &gateway, "044:0123456789").await;

    let too_much = json!({"currency": "USD", "amount": "25.00"});
    let body = expect_error(
        server.post_json("/api/v1/payouts", Some(&alice_token), &too_much).await,
        422,
        "VALIDATION_FAILED",
    )
    .await;
    assert!(
        body["errors"]["amount"][0].as_str().unwrap().contains("19.99"),
        "names the available amount: {body}"
    );
    for (bad, field) in [
        (json!({"currency": "USD", "amount": "1.234"}), "amount"),
        (json!({"currency": "USD", "amount": 0}), "amount"),
        (json!({"currency": "usd"}), "currency"),
        (json!({"currency": "USD", "payment_account_id": uuid::Uuid::now_v7()}), "payment_account_id"),
    ] {
        let body = expect_error(
            server.post_json("/api/v1/payouts", Some(&alice_token), &bad).await,
            422,
            "VALIDATION_FAILED",
        )
        .await;
        assert!(body["errors"][field].is_array(), "{field}: {body}");
    }
    expect_error(server.post_json("/api/v1/payouts", Some(&buyer), &usd).await, 403, "FORBIDDEN").await;
    expect_error(server.post_json("/api/v1/payouts", None, &usd).await, 401, "UNAUTHENTICATED").await;
    let for_alice = json!({"currency": "USD", "seller_id": alice.id});
    expect_error(server.post_json("/api/v1/payouts", Some(&bob_token), &for_alice).await, 403, "FORBIDDEN")
        .await;
    let body =
        expect_error(server.post_json("/api/v1/payouts", Some(&admin), &usd).await, 422, "VALIDATION_FAILED")
            .await;
    assert!(body["errors"]["seller_id"].is_array(), "{body}");
    let not_a_seller = json!({"currency": "USD", "seller_id": uuid::Uuid::now_v7()});
    expect_error(
        server.post_json("/api/v1/payouts", Some(&admin), &not_a_seller).await,
        422,
        "VALIDATION_FAILED",
    )
    .await;
    let bobs_account = payment_account(&server, &bob_token, bob.id, &gateway, "bob-1").await;
    let nothing = json!({"currency": "USD", "payment_account_id": bobs_account});
    expect_error(server.post_json("/api/v1/payouts", Some(&bob_token), &nothing).await, 409, "CONFLICT")
        .await;
    let someone_elses = json!({"currency": "USD", "payment_account_id": bobs_account});
    let body = expect_error(
        server.post_json("/api/v1/payouts", Some(&alice_token), &someone_elses).await,
        422,
        "VALIDATION_FAILED",
    )
    .await;
    assert!(body["errors"]["payment_account_id"].is_array(), "{body}");

    let part = server
        .post_json("/api/v1/payouts", Some(&alice_token), &json!({"currency": "USD", "amount": 5}))
        .await;
    assert_eq!(part.status(), 201, "{}", part.text().await.unwrap());
    let first = json(part).await["data"]["payout"].clone();
    let first_id = first["id"].as_str().unwrap();
    assert_eq!((first["amount"].as_str(), first["currency"].as_str()), (Some("5.00"), Some("USD")));
    assert_eq!(
        (first["status"].as_str(), first["payment_account_id"].as_str()),
        (Some("paid"), Some(account.as_str()))
    );
    assert_eq!(first["transfer_key"], format!("payout:{first_id}"));
    assert_eq!(first["provider_reference"], format!("sandbox-payout-{first_id}"));
    let after = balance(&server, alice.id, &alice_token).await;
    assert_eq!((after["available"].as_str(), after["paid_out"].as_str()), (Some("14.99"), Some("5.00")));

    let rest = server.post_json("/api/v1/payouts", Some(&admin), &for_alice).await;
    assert_eq!(rest.status(), 201, "{}", rest.text().await.unwrap());
    assert_eq!(json(rest).await["data"]["payout"]["amount"], "14.99", "absent amount pays out everything");
    let empty =
        expect_error(server.post_json("/api/v1/payouts", Some(&alice_token), &usd).await, 409, "CONFLICT")
            .await;
    assert!(empty["message"].as_str().unwrap().contains("no available"), "{empty}");
    let after = balance(&server, alice.id, &alice_token).await;
    assert_eq!((after["available"].as_str(), after["paid_out"].as_str()), (Some("0.00"), Some("19.99")));

    let mine = get_json(&server, "/api/v1/payouts", &alice_token).await;
    assert_eq!(mine["data"]["pagination"]["total"], 2);
    assert_eq!(mine["data"]["payouts"][1]["id"], first_id, "newest first");
    assert_eq!(get_json(&server, "/api/v1/payouts", &bob_token).await["data"]["pagination"]["total"], 0);
    let peeking = get_json(&server, &format!("/api/v1/payouts?seller_id={}", alice.id), &bob_token).await;
    assert_eq!(peeking["data"]["pagination"]["total"], 0);
    let all =
        get_json(&server, &format!("/api/v1/payouts?seller_id={}&currency=USD", alice.id), &admin).await;
    assert_eq!(all["data"]["pagination"]["total"], 2);
    let eur = get_json(&server, "/api/v1/payouts?currency=EUR", &admin).await;
    assert_eq!(eur["data"]["pagination"]["total"], 0);
    expect_error(server.get("/api/v1/payouts", Some(&buyer)).await, 403, "FORBIDDEN").await;
    expect_error(
        server.get("/api/v1/payouts?currency=dollars", Some(&admin)).await,
        422,
        "VALIDATION_FAILED",
    )
    .await;

    let paid_out = get_json(
        &server,
        &format!("/api/v1/ledger/accounts?kind=seller_paid_out&seller_id={}", alice.id),
        &admin,
    )
    .await;
    let paid_account = &paid_out["data"]["accounts"][0];
    assert_eq!(
        (paid_account["balance"].as_str(), paid_out["data"]["pagination"]["total"].as_u64()),
        (Some("19.99"), Some(1))
    );
    let entries = get_json(
        &server,
        &format!("/api/v1/ledger/accounts/{}/entries", paid_account["id"].as_str().unwrap()),
        &admin,
    )
    .await;
    let entries = entries["data"]["entries"].as_array().unwrap().clone();
    assert_eq!(entries.len(), 2);
    assert!(entries.iter().all(|e| e["kind"] == "payout"), "{entries:?}");
    assert_eq!(entries[1]["transfer_key"], format!("payout:{first_id}"));
    assert_ledger_balances(&server).await;
    server.stop().await;
}

async fn five_concurrent_full_payouts_pay_once(backend: Backend) {
    let server = Arc::new(TestServer::start(backend).await);
    let (_, admin) = server.admin().await;
    let (alice, alice_token) = server.seller("alice").await;
    let (_, buyer) = server.buyer("amina").await;
    let (gateway, _) = sandbox_gateway(&server, &admin, "USD").await;
    released_order(&server, &admin, &alice, &alice_token, &buyer, "19.99").await;
    payment_account(&server, &alice_token, alice.id, &gateway, "044:0123456789").await;

    let mut tasks = Vec::new();
    for i in 0..5 {
        let server = server.clone();
        let token = alice_token.clone();
        let body = if i % 2 == 0 {
            json!({"currency": "USD", "amount": "19.99"})
        } else {
            json!({"currency": "USD"})
        };
        tasks.push(tokio::spawn(async move {
            server.post_json("/api/v1/payouts", Some(&token), &body).await.status().as_u16()
        }));
    }
    let mut statuses = Vec::new();
    for task in tasks {
        statuses.push(task.await.unwrap());
    }
    assert_eq!(statuses.iter().filter(|s| **s == 201).count(), 1, "{statuses:?}");
    assert!(statuses.iter().all(|s| [201, 409, 422].contains(s)), "{statuses:?}");
    let after = balance(&server, alice.id, &alice_token).await;
    assert_eq!((after["available"].as_str(), after["paid_out"].as_str()), (Some("0.00"), Some("19.99")));
    assert_eq!(get_json(&server, "/api/v1/payouts", &alice_token).await["data"]["pagination"]["total"], 1);
    assert_ledger_balances(&server).await;
}

async fn a_provider_that_refuses_a_payout_changes_nothing(backend: Backend) {
    let server = TestServer::start(backend).await;
    let (_, admin) = server.admin().await;
    let (alice, alice_token) = server.seller("alice").await;
    let (_, buyer) = server.buyer("amina").await;
    sandbox_gateway(&server, &admin, "USD").await;
    released_order(&server, &admin, &alice, &alice_token, &buyer, "19.99").await;
    let unreachable = server
        .post_json(
            "/api/v1/payment-gateways",
            Some(&admin),
            &json!({"title": "Chapa", "provider": "chapa", "sandbox": true, "currency": "USD",
                    "settings": {"base_url": "http://127.0.0.1:9"}, "secrets": {"secret_key": "CHASECK_TEST-x"}}),
        )
        .await;
    assert_eq!(unreachable.status(), 201, "{}", unreachable.text().await.unwrap());
    let chapa = json(unreachable).await["data"]["payment_gateway"]["id"].as_str().unwrap().to_owned();
    payment_account(&server, &alice_token, alice.id, &chapa, "044:0123456789").await;

    let refused = server.post_json("/api/v1/payouts", Some(&alice_token), &json!({"currency": "USD"})).await;
    expect_error(refused, 503, "UNAVAILABLE").await;
    let after = balance(&server, alice.id, &alice_token).await;
    assert_eq!((after["available"].as_str(), after["paid_out"].as_str()), (Some("19.99"), Some("0.00")));
    assert_eq!(get_json(&server, "/api/v1/payouts", &admin).await["data"]["pagination"]["total"], 0);
    let paid_out = get_json(&server, "/api/v1/ledger/accounts?kind=seller_paid_out", &admin).await;
    assert_eq!(paid_out["data"]["pagination"]["total"], 0, "no payout account was opened: {paid_out}");
    assert_ledger_balances(&server).await;
    server.stop().await;
}

async fn the_ledger_is_for_admins_and_sums_to_zero(backend: Backend) {
    let server = TestServer::start(backend).await;
    let (_, admin) = server.admin().await;
    let (alice, alice_token) = server.seller("alice").await;
    let (amina, buyer) = server.buyer("amina").await;
    sandbox_gateway(&server, &admin, "USD").await;
    let order = paid_order(
        &server,
        &admin,
        alice.id,
        &buyer,
        json!({"title": "Lamp", "price": "19.99", "quantity": 3}),
    )
    .await;

    let all = get_json(&server, "/api/v1/ledger/accounts", &admin).await;
    assert_eq!(all["data"]["pagination"]["total"], 2, "{all}");
    assert_eq!(all["data"]["sums"], json!([{"currency": "USD", "sum": "0.00"}]));
    let accounts = all["data"]["accounts"].as_array().unwrap();
    let funding = accounts.iter().find(|a| a["kind"] == "buyer_funding").unwrap();
    assert_eq!(
        (funding["balance"].as_str(), funding["owner_id"].as_str()),
        (Some("-19.99"), Some(amina.id.to_string().as_str()))
    );
    let escrow = accounts.iter().find(|a| a["kind"] == "order_escrow").unwrap().clone();
    assert_eq!(
        (escrow["balance"].as_str(), escrow["owner_id"].as_str()),
        (Some("19.99"), Some(order.as_str()))
    );
    assert_eq!(escrow["seller_id"], alice.id.to_string());

    let filtered = get_json(&server, "/api/v1/ledger/accounts?kind=order_escrow&kind=refunds", &admin).await;
    assert_eq!(filtered["data"]["pagination"]["total"], 1);
    assert_eq!(filtered["data"]["sums"], all["data"]["sums"], "sums cover the whole ledger");
    let by_owner = get_json(&server, &format!("/api/v1/ledger/accounts?owner_id={order}"), &admin).await;
    assert_eq!(by_owner["data"]["accounts"][0]["id"], escrow["id"]);
    let by_seller =
        get_json(&server, &format!("/api/v1/ledger/accounts?seller_id={}&currency=USD", alice.id), &admin)
            .await;
    assert_eq!(by_seller["data"]["pagination"]["total"], 1);
    let eur = get_json(&server, "/api/v1/ledger/accounts?currency=EUR", &admin).await;
    assert_eq!(eur["data"]["pagination"]["total"], 0);
    let body = expect_error(
        server.get("/api/v1/ledger/accounts?kind=cash&owner_id=x", Some(&admin)).await,
        422,
        "VALIDATION_FAILED",
    )
    .await;
    assert!(body["errors"]["kind"].is_array() && body["errors"]["owner_id"].is_array(), "{body}");
    expect_error(server.get("/api/v1/ledger/accounts", Some(&alice_token)).await, 403, "FORBIDDEN").await;
    expect_error(server.get("/api/v1/ledger/accounts", Some(&buyer)).await, 403, "FORBIDDEN").await;
    expect_error(server.get("/api/v1/ledger/accounts", None).await, 401, "UNAUTHENTICATED").await;

    for status in ["accepted", "shipped", "delivered"] {
        move_to(&server, &alice_token, &order, status).await;
    }
    move_to(&server, &admin, &order, "completed").await;
    let entries_path = format!("/api/v1/ledger/accounts/{}/entries", escrow["id"].as_str().unwrap());
    let entries = get_json(&server, &entries_path, &admin).await;
    assert_eq!(entries["data"]["account"]["balance"], "0.00");
    assert_eq!(entries["data"]["pagination"]["total"], 2);
    let newest = &entries["data"]["entries"][0];
    assert_eq!(
        (newest["kind"].as_str(), newest["amount"].as_str()),
        (Some("release"), Some("-19.99")),
        "newest first"
    );
    assert_eq!(newest["order_id"], order);
    let oldest = &entries["data"]["entries"][1];
    assert_eq!((oldest["kind"].as_str(), oldest["amount"].as_str()), (Some("hold"), Some("19.99")));
    assert!(oldest["transfer_key"].as_str().unwrap().starts_with("hold:"));
    let second = get_json(&server, &format!("{entries_path}?page=2&page_size=1"), &admin).await;
    assert_eq!(second["data"]["entries"][0]["id"], oldest["id"]);
    expect_error(
        server.get(&format!("{entries_path}?page_size=500"), Some(&admin)).await,
        422,
        "VALIDATION_FAILED",
    )
    .await;
    expect_error(server.get(&entries_path, Some(&alice_token)).await, 403, "FORBIDDEN").await;
    expect_error(server.get(&entries_path, None).await, 401, "UNAUTHENTICATED").await;
    let missing = format!("/api/v1/ledger/accounts/{}/entries", uuid::Uuid::now_v7());
    expect_error(server.get(&missing, Some(&admin)).await, 404, "NOT_FOUND").await;

    let after = get_json(&server, "/api/v1/ledger/accounts?kind=seller_available", &admin).await;
    assert_eq!(after["data"]["accounts"][0]["balance"], "19.99");
    assert_eq!(after["data"]["sums"], json!([{"currency": "USD", "sum": "0.00"}]));
    assert_ledger_balances(&server).await;
    server.stop().await;
}

async fn hold(server: &TestServer, token: &str, order: &str) -> Value {
    let list = get_json(server, &format!("/api/v1/escrow/holds?order_id={order}"), token).await;
    assert_eq!(list["data"]["pagination"]["total"], 1, "{list}");
    list["data"]["holds"][0].clone()
}

fn figures(hold: &Value) -> [&str; 5] {
    ["status", "amount", "held", "released", "refunded"].map(|key| hold[key].as_str().unwrap())
}

async fn refunds_fees_and_disputes_show_in_holds(backend: Backend) {
    let options = souk_tests::Options {
        env: [("SOUK_PLATFORM_FEE_PERCENT".to_owned(), "10".to_owned())].into(),
        ..souk_tests::Options::default()
    };
    let server = TestServer::start_with(backend, options).await;
    let (_, admin) = server.admin().await;
    let (alice, alice_token) = server.seller("alice").await;
    let (_, buyer) = server.buyer("amina").await;
    sandbox_gateway(&server, &admin, "USD").await;

    let refunded_in_part = paid_order(
        &server,
        &admin,
        alice.id,
        &buyer,
        json!({"title": "Lamp", "price": "20.00", "quantity": 3}),
    )
    .await;
    let refund = server
        .post_json(
            &format!("/api/v1/orders/{refunded_in_part}/refunds"),
            Some(&alice_token),
            &json!({"amount": "5.00"}),
        )
        .await;
    assert_eq!(refund.status(), 201, "{}", refund.text().await.unwrap());
    assert_eq!(
        figures(&hold(&server, &alice_token, &refunded_in_part).await),
        ["held", "15.00", "20.00", "0.00", "5.00"]
    );
    for status in ["accepted", "shipped", "delivered"] {
        move_to(&server, &alice_token, &refunded_in_part, status).await;
    }
    move_to(&server, &buyer, &refunded_in_part, "completed").await;
    assert_eq!(
        figures(&hold(&server, &alice_token, &refunded_in_part).await),
        ["released", "0.00", "20.00", "15.00", "5.00"],
        "the released amount includes the platform fee"
    );
    let after = balance(&server, alice.id, &alice_token).await;
    assert_eq!(after["available"], "13.50", "15.00 less the 10% fee");
    let revenue = get_json(&server, "/api/v1/ledger/accounts?kind=platform_revenue", &admin).await;
    assert_eq!(revenue["data"]["accounts"][0]["balance"], "1.50");

    let canceled = paid_order(
        &server,
        &admin,
        alice.id,
        &buyer,
        json!({"title": "Vase", "price": "10.00", "quantity": 3}),
    )
    .await;
    move_to(&server, &buyer, &canceled, "canceled").await;
    assert_eq!(
        figures(&hold(&server, &alice_token, &canceled).await),
        ["refunded", "0.00", "10.00", "0.00", "10.00"]
    );

    let trial =
        json!({"trial_days": 7, "penalty_type": "flat", "penalty_value": "3", "return_window_hours": 48});
    let disputed = paid_order(
        &server,
        &admin,
        alice.id,
        &buyer,
        json!({"title": "Chair", "price": "29.99", "quantity": 5, "trial_policy": trial}),
    )
    .await;
    for status in ["accepted", "shipped", "delivered"] {
        move_to(&server, &alice_token, &disputed, status).await;
    }
    let returned = server.post_json("/api/v1/returns", Some(&buyer), &json!({"order_id": disputed})).await;
    assert_eq!(returned.status(), 201, "{}", returned.text().await.unwrap());
    let token = json(returned).await["data"]["return"]["token"].clone();
    let photo = server.stored_image(alice.id).await;
    let claim = json!({"token": token, "action": "claim_defect", "description": "cracked leg", "photo_file_id": photo});
    let scanned = server.post_json("/api/v1/returns/scan", Some(&alice_token), &claim).await;
    assert_eq!(scanned.status(), 200, "{}", scanned.text().await.unwrap());
    let dispute = json(scanned).await["data"]["dispute"]["id"].as_str().unwrap().to_owned();
    let frozen = hold(&server, &alice_token, &disputed).await;
    assert_eq!((frozen["frozen"].as_bool(), frozen["order_status"].as_str()), (Some(true), Some("disputed")));
    assert_eq!(figures(&frozen), ["held", "29.99", "29.99", "0.00", "0.00"]);
    assert!(frozen["release_at"].is_string(), "the trial's end: {frozen}");

    let split =
        json!({"outcome": "split", "buyer_amount": "10.50", "note": "the chair works; one leg is cracked"});
    let resolved =
        server.post_json(&format!("/api/v1/disputes/{dispute}/resolve"), Some(&admin), &split).await;
    assert_eq!(resolved.status(), 200, "{}", resolved.text().await.unwrap());
    let settled = hold(&server, &admin, &disputed).await;
    assert_eq!(settled["frozen"], false);
    assert_eq!(
        figures(&settled),
        ["released", "0.00", "29.99", "19.49", "10.50"],
        "a split counts as released"
    );

    let ids = |body: &Value| -> Vec<String> {
        body["data"]["holds"]
            .as_array()
            .unwrap()
            .iter()
            .map(|h| h["order_id"].as_str().unwrap().to_owned())
            .collect()
    };
    let released = get_json(&server, "/api/v1/escrow/holds?status=released", &alice_token).await;
    assert_eq!(ids(&released), [disputed.as_str(), refunded_in_part.as_str()], "newest first");
    let refunded = get_json(&server, "/api/v1/escrow/holds?status=refunded", &admin).await;
    assert_eq!(ids(&refunded), [canceled.as_str()]);
    let either = get_json(&server, "/api/v1/escrow/holds?status=held&status=refunded", &alice_token).await;
    assert_eq!(ids(&either), [canceled.as_str()]);
    let paged = get_json(&server, "/api/v1/escrow/holds?page=2&page_size=2", &alice_token).await;
    assert_eq!(
        (paged["data"]["pagination"]["total"].as_u64(), paged["data"]["pagination"]["last_page"].as_u64()),
        (Some(3), Some(2))
    );
    assert_eq!(ids(&paged), [refunded_in_part.as_str()]);
    assert_ledger_balances(&server).await;
    server.stop().await;
}

on_both_backends!(
    holds_follow_an_order_from_payment_to_release,
    balances_are_for_the_seller_and_admins_in_one_currency,
    payment_accounts_belong_to_their_seller,
    payouts_move_the_available_balance_to_the_seller,
    five_concurrent_full_payouts_pay_once,
    a_provider_that_refuses_a_payout_changes_nothing,
    the_ledger_is_for_admins_and_sums_to_zero,
    refunds_fees_and_disputes_show_in_holds,
);
