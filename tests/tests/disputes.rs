//! Disputes over HTTP: a seller's defect claim freezes the order's escrow; an admin resolves it
//! for the buyer, the seller or as an exact split, the order ends `returned` or `completed`, the
//! escrow ends at zero and the ledger balances; only the parties and admins see it.

use std::sync::Arc;

use serde_json::{Value, json};
use souk_escrow::ledger::AccountRef;
use souk_kernel::{Currency, UserId};
use souk_tests::payments::{assert_ledger_balances, move_to, paid_order, sandbox_gateway};
use souk_tests::{Backend, TestServer, expect_error, json, on_both_backends};
use uuid::Uuid;

/// A scenario: its parties, the disputed order and the dispute.
struct Disputed {
    admin: String,
    seller: UserId,
    seller_token: String,
    buyer: UserId,
    buyer_token: String,
    order: String,
    dispute: String,
}

/// A paid trial order of 29.99, returned and scanned with a defect claim: `disputed`.
async fn disputed(server: &TestServer) -> Disputed {
    let (_, admin) = server.admin().await;
    let (seller, seller_token) = server.seller("sam").await;
    let (buyer, buyer_token) = server.buyer("amina").await;
    sandbox_gateway(server, &admin, "USD").await;
    let trial =
        json!({"trial_days": 7, "penalty_type": "flat", "penalty_value": "3", "return_window_hours": 48});
    let product = json!({"title": "Lamp", "price": "29.99", "quantity": 5, "trial_policy": trial});
    let order = paid_order(server, &admin, seller.id, &buyer_token, product).await;
    for status in ["accepted", "shipped", "delivered"] {
        move_to(server, &seller_token, &order, status).await;
    }
    let response = server.post_json("/api/v1/returns", Some(&buyer_token), &json!({"order_id": order})).await;
    assert_eq!(response.status(), 201, "{}", response.text().await.unwrap_or_default());
    let token = json(response).await["data"]["return"]["token"].clone();
    let photo = server.stored_image(seller.id).await;
    let claim = json!({"token": token, "action": "claim_defect", "description": "cracked base", "photo_file_id": photo});
    let response = server.post_json("/api/v1/returns/scan", Some(&seller_token), &claim).await;
    assert_eq!(response.status(), 200, "{}", response.text().await.unwrap_or_default());
    let dispute = json(response).await["data"]["dispute"]["id"].as_str().unwrap().to_owned();
    Disputed { admin, seller: seller.id, seller_token, buyer: buyer.id, buyer_token, order, dispute }
}

async fn resolve(server: &TestServer, token: &str, dispute: &str, body: Value) -> reqwest::Response {
    server.post_json(&format!("/api/v1/disputes/{dispute}/resolve"), Some(token), &body).await
}

async fn order_status(server: &TestServer, d: &Disputed) -> Value {
    json(server.get(&format!("/api/v1/orders/{}", d.order), Some(&d.buyer_token)).await).await["data"]["order"]
        ["status"]
        .clone()
}

fn usd() -> Currency {
    Currency::from_code("USD").unwrap()
}

/// `(escrow, refunded to the buyer, seller's available balance)` in minor units.
async fn money(server: &TestServer, d: &Disputed) -> (i64, i64, i64) {
    let order = Uuid::parse_str(&d.order).unwrap();
    let conn = &server.db().conn;
    let balance =
        |account| async move { souk_storage::ledger::balance(conn, &account, false).await.unwrap() };
    (
        balance(AccountRef::order_escrow(order, d.seller.as_uuid(), usd())).await,
        balance(AccountRef::refunds(d.buyer.as_uuid(), usd())).await,
        balance(AccountRef::seller_available(d.seller.as_uuid(), usd())).await,
    )
}

async fn parties_read_disputes_and_an_admin_refunds_the_buyer(backend: Backend) {
    let server = TestServer::start(backend).await;
    let d = disputed(&server).await;
    let path = format!("/api/v1/disputes/{}", d.dispute);
    for token in [&d.buyer_token, &d.seller_token, &d.admin] {
        let response = server.get(&path, Some(token)).await;
        assert_eq!(response.status(), 200);
        let dispute = json(response).await["data"]["dispute"].clone();
        assert_eq!(dispute["status"], "open");
        assert_eq!(dispute["order_id"], d.order.as_str());
        assert_eq!(dispute["reason"], "cracked base");
        assert!(dispute["photo"].as_str().unwrap().ends_with("/content"));
        let listed = json(server.get("/api/v1/disputes?status=open", Some(token)).await).await;
        assert_eq!(listed["data"]["pagination"]["total"], 1);
        assert_eq!(listed["data"]["disputes"][0]["id"], d.dispute.as_str());
    }
    let (_, stranger) = server.buyer("omar").await;
    let (_, rival) = server.seller("rita").await;
    for outsider in [&stranger, &rival] {
        expect_error(server.get(&path, Some(outsider)).await, 404, "NOT_FOUND").await;
        let listed = json(server.get("/api/v1/disputes", Some(outsider)).await).await;
        assert_eq!(listed["data"]["pagination"]["total"], 0);
    }
    let missing = format!("/api/v1/disputes/{}", Uuid::now_v7());
    expect_error(server.get(&missing, Some(&d.admin)).await, 404, "NOT_FOUND").await;
    let resolved = json(server.get("/api/v1/disputes?status=resolved", Some(&d.admin)).await).await;
    assert_eq!(resolved["data"]["pagination"]["total"], 0);
    expect_error(
        server.get("/api/v1/disputes?status=closed", Some(&d.admin)).await,
        422,
        "VALIDATION_FAILED",
    )
    .await;

    let refund = json!({"outcome": "refund_buyer", "note": "the photo shows damage in transit"});
    for party in [&d.seller_token, &d.buyer_token] {
        expect_error(resolve(&server, party, &d.dispute, refund.clone()).await, 403, "FORBIDDEN").await;
    }
    let with_amount = json!({"outcome": "refund_buyer", "buyer_amount": "5", "note": "x"});
    expect_error(resolve(&server, &d.admin, &d.dispute, with_amount).await, 422, "VALIDATION_FAILED").await;
    let no_note = json!({"outcome": "refund_buyer", "note": "  "});
    expect_error(resolve(&server, &d.admin, &d.dispute, no_note).await, 422, "VALIDATION_FAILED").await;
    let unknown = Uuid::now_v7().to_string();
    expect_error(resolve(&server, &d.admin, &unknown, refund.clone()).await, 404, "NOT_FOUND").await;

    let response = resolve(&server, &d.admin, &d.dispute, refund.clone()).await;
    assert_eq!(response.status(), 200, "{}", response.text().await.unwrap_or_default());
    let dispute = json(response).await["data"]["dispute"].clone();
    assert_eq!(dispute["status"], "resolved");
    let resolution = &dispute["resolution"];
    assert_eq!(resolution["outcome"], "refund_buyer");
    assert_eq!(resolution["buyer_amount"], "29.99");
    assert_eq!(resolution["seller_amount"], "0.00");
    assert_eq!(resolution["note"], "the photo shows damage in transit");
    assert!(resolution["resolved_by"].is_string() && resolution["resolved_at"].is_string());
    assert_eq!(order_status(&server, &d).await, "returned");
    assert_eq!(money(&server, &d).await, (0, 2999, 0), "everything back to the buyer, no penalty");
    let again = expect_error(resolve(&server, &d.admin, &d.dispute, refund).await, 409, "CONFLICT").await;
    assert!(again["message"].as_str().unwrap().contains("already resolved"), "{again}");
    let events = json(server.get("/api/v1/events?type=dispute.*", Some(&d.admin)).await).await;
    let kinds: Vec<&str> =
        events["data"]["events"].as_array().unwrap().iter().map(|e| e["type"].as_str().unwrap()).collect();
    assert!(kinds.contains(&"dispute.opened") && kinds.contains(&"dispute.resolved"), "{kinds:?}");
    let seen = json(server.get(&path, Some(&d.buyer_token)).await).await;
    assert_eq!(seen["data"]["dispute"]["resolution"]["outcome"], "refund_buyer");
    assert_ledger_balances(&server).await;
    server.stop().await;
}

async fn releasing_to_the_seller_completes_the_order(backend: Backend) {
    let server = TestServer::start(backend).await;
    let d = disputed(&server).await;
    let release = json!({"outcome": "release_to_seller", "note": "damage caused by the buyer"});
    let response = resolve(&server, &d.admin, &d.dispute, release).await;
    assert_eq!(response.status(), 200, "{}", response.text().await.unwrap_or_default());
    let resolution = json(response).await["data"]["dispute"]["resolution"].clone();
    assert_eq!(
        (resolution["buyer_amount"].clone(), resolution["seller_amount"].clone()),
        (json!("0.00"), json!("29.99"))
    );
    assert_eq!(order_status(&server, &d).await, "completed");
    assert_eq!(money(&server, &d).await, (0, 0, 2999));
    assert_ledger_balances(&server).await;
    server.stop().await;
}

async fn a_split_divides_the_escrow_exactly(backend: Backend) {
    let server = Arc::new(TestServer::start(backend).await);
    let d = disputed(&server).await;
    for bad in
        [json!(null), json!("0"), json!("29.99"), json!("30"), json!("-1"), json!("10.005"), json!("ten")]
    {
        let body = json!({"outcome": "split", "buyer_amount": bad, "note": "half each"});
        let err =
            expect_error(resolve(&server, &d.admin, &d.dispute, body).await, 422, "VALIDATION_FAILED").await;
        assert!(err["errors"]["buyer_amount"].is_array(), "{bad}: {err}");
    }
    assert_eq!(money(&server, &d).await, (2999, 0, 0), "refused resolutions move nothing");
    let split =
        json!({"outcome": "split", "buyer_amount": 10.5, "note": "the lamp works; the shade is bent"});
    let mut attempts = Vec::new();
    for _ in 0..4 {
        let server = Arc::clone(&server);
        let (admin, dispute, body) = (d.admin.clone(), d.dispute.clone(), split.clone());
        attempts.push(tokio::spawn(async move {
            let response = resolve(&server, &admin, &dispute, body).await;
            let status = response.status().as_u16();
            (status, json(response).await)
        }));
    }
    let mut resolved = Vec::new();
    let mut statuses = Vec::new();
    for attempt in attempts {
        let (status, body) = attempt.await.unwrap();
        statuses.push(status);
        if status == 200 {
            resolved.push(body);
        }
    }
    statuses.sort_unstable();
    assert_eq!(statuses, [200, 409, 409, 409], "one resolution under concurrent attempts");
    let resolution = &resolved[0]["data"]["dispute"]["resolution"];
    assert_eq!(resolution["outcome"], "split");
    assert_eq!(resolution["buyer_amount"], "10.50");
    assert_eq!(resolution["seller_amount"], "19.49");
    assert_eq!(order_status(&server, &d).await, "completed");
    assert_eq!(money(&server, &d).await, (0, 1050, 1949));
    let path = format!("/api/v1/orders/{}/events", d.order);
    let events = json(server.get(&path, Some(&d.seller_token)).await).await;
    let last = events["data"]["events"].as_array().unwrap().last().unwrap().clone();
    assert_eq!((last["to_status"].clone(), last["party"].clone()), (json!("completed"), json!("admin")));
    assert_eq!(last["reason"], "the lamp works; the shade is bent");
    assert_ledger_balances(&server).await;
}

async fn a_refund_racing_a_release_settles_the_escrow_once(backend: Backend) {
    let server = Arc::new(TestServer::start(backend).await);
    let d = disputed(&server).await;
    let mut attempts = Vec::new();
    for round in 0..6 {
        let server = Arc::clone(&server);
        let (admin, dispute) = (d.admin.clone(), d.dispute.clone());
        let body = if round % 2 == 0 {
            json!({"outcome": "refund_buyer", "note": "defect confirmed"})
        } else {
            json!({"outcome": "release_to_seller", "note": "no defect"})
        };
        attempts.push(tokio::spawn(async move {
            let response = resolve(&server, &admin, &dispute, body).await;
            let status = response.status().as_u16();
            (status, json(response).await)
        }));
    }
    let mut winners = Vec::new();
    for attempt in attempts {
        let (status, body) = attempt.await.unwrap();
        assert!(status == 200 || status == 409, "{status}: {body}");
        if status == 200 {
            winners.push(body["data"]["dispute"]["resolution"]["outcome"].as_str().unwrap().to_owned());
        }
    }
    assert_eq!(winners.len(), 1, "exactly one of the refund and the release wins: {winners:?}");
    let (escrow, refunded, released) = money(&server, &d).await;
    match winners[0].as_str() {
        "refund_buyer" => {
            assert_eq!((escrow, refunded, released), (0, 2999, 0));
            assert_eq!(order_status(&server, &d).await, "returned");
        }
        _ => {
            assert_eq!((escrow, refunded, released), (0, 0, 2999));
            assert_eq!(order_status(&server, &d).await, "completed");
        }
    }
    assert_ledger_balances(&server).await;
    Arc::try_unwrap(server).unwrap().stop().await;
}

on_both_backends!(
    a_refund_racing_a_release_settles_the_escrow_once,
    parties_read_disputes_and_an_admin_refunds_the_buyer,
    releasing_to_the_seller_completes_the_order,
    a_split_divides_the_escrow_exactly,
);
