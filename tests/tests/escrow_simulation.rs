//! A simulation of the escrow: thousands of random operations (checkout, pay, failed, duplicate
//! and concurrent callbacks, accept, decline, cancel, ship, deliver, confirm, complete, partial
//! refunds, returns confirmed or claimed defective, dispute resolutions, payouts, the clock moving
//! trials and release delays along) from a fixed seed, with the ledger's
//! invariants checked after every step: each currency sums to zero, no account but the buyers'
//! funding goes negative, no order refunds more than it held, and a final order's escrow is empty.
//! Failed operations are expected (the operations are random); server errors never are.

use std::collections::HashMap;

use sea_orm::{ConnectionTrait, Statement};
use serde_json::{Value, json};
use souk_tests::payments::{listed_product, sandbox_gateway, send_callback};
use souk_tests::{Backend, Options, TestServer, on_both_backends};

/// A small deterministic generator (SplitMix64), so a failing run can be replayed.
struct Dice(u64);

impl Dice {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

#[derive(Debug, Clone)]
struct Sim {
    id: String,
    tx_ref: Option<String>,
    return_token: Option<String>,
    dispute: Option<String>,
}

/// The `n` a counting query answers.
async fn count_rows(server: &TestServer, sql: &str) -> i64 {
    let conn = &server.db().conn;
    conn.query_one_raw(Statement::from_string(conn.get_database_backend(), sql))
        .await
        .unwrap()
        .unwrap()
        .try_get::<i64>("", "n")
        .unwrap()
}

/// The invariants, each one SQL query over the whole ledger.
const CHECKS: [(&str, &str); 6] = [
    (
        "a currency's balances do not sum to zero",
        "SELECT COUNT(*) AS n FROM (SELECT currency FROM ledger_accounts GROUP BY currency HAVING SUM(balance) <> 0) x",
    ),
    (
        "an account other than a buyer's funding went negative",
        "SELECT COUNT(*) AS n FROM ledger_accounts WHERE kind <> 'buyer_funding' AND balance < 0",
    ),
    (
        "a cached balance differs from the sum of its entries",
        "SELECT COUNT(*) AS n FROM ledger_accounts a WHERE a.balance <> \
         (SELECT COALESCE(SUM(e.amount), 0) FROM ledger_entries e WHERE e.account_id = a.id)",
    ),
    (
        "an order refunded more than it held",
        "SELECT COUNT(*) AS n FROM (SELECT order_id, \
         SUM(CASE WHEN kind = 'refund' THEN amount ELSE 0 END) AS refunded, \
         SUM(CASE WHEN kind = 'hold' THEN amount ELSE 0 END) AS held \
         FROM ledger_transfers WHERE order_id IS NOT NULL GROUP BY order_id) x WHERE refunded > held",
    ),
    (
        "an order released to its seller more than it held (paid twice)",
        "SELECT COUNT(*) AS n FROM (SELECT order_id, \
         SUM(CASE WHEN kind IN ('release', 'penalty') THEN amount ELSE 0 END) AS released, \
         SUM(CASE WHEN kind = 'hold' THEN amount ELSE 0 END) AS held \
         FROM ledger_transfers WHERE order_id IS NOT NULL GROUP BY order_id) x WHERE released > held",
    ),
    (
        "a final order keeps money in escrow",
        "SELECT COUNT(*) AS n FROM ledger_accounts a JOIN orders o ON o.id = a.owner_id \
         WHERE a.kind = 'order_escrow' AND a.balance <> 0 \
         AND o.status IN ('completed', 'canceled', 'declined', 'returned')",
    ),
];

async fn check_invariants(server: &TestServer, step: usize, op: &str) {
    for (what, sql) in CHECKS {
        assert_eq!(count_rows(server, sql).await, 0, "step {step} ({op}): {what}");
    }
}

/// The status and JSON body of an answer, which must not be a server error.
async fn answer(response: reqwest::Response, step: usize, op: &str) -> (u16, Value) {
    let status = response.status().as_u16();
    let text = response.text().await.unwrap_or_default();
    assert!(status < 500, "step {step} ({op}) answered {status}: {text}");
    (status, serde_json::from_str(&text).unwrap_or(Value::Null))
}

async fn random_operations_keep_the_ledger_balanced(backend: Backend) {
    let steps: usize =
        std::env::var("SOUK_SIMULATION_STEPS").ok().and_then(|s| s.parse().ok()).unwrap_or(3000);
    let options = Options {
        env: HashMap::from([("SOUK_PLATFORM_FEE_PERCENT".into(), "3.33".into())]),
        ..Options::default()
    };
    let server = TestServer::start_with(backend, options).await;
    let (_, admin) = server.admin().await;
    let (sam, sam_token) = server.seller("sam").await;
    let (zed, zed_token) = server.seller("zed").await;
    let (_, amina) = server.buyer("amina").await;
    let (_, bo) = server.buyer("bo").await;
    let buyers = [amina, bo];
    let (gateway, secret) = sandbox_gateway(&server, &admin, "USD").await;
    let trial = json!({"trial_days": 3, "penalty_type": "percentage", "penalty_value": "12.5", "return_window_hours": 24});
    let products = [
        (listed_product(&server, &admin, sam.id, json!({"title": "Lamp", "price": "19.99", "quantity": 100000})).await, sam_token.clone()),
        (listed_product(&server, &admin, zed.id, json!({"title": "Chair", "price": "7.33", "quantity": 100000, "trial_policy": trial})).await, zed_token.clone()),
        (listed_product(&server, &admin, sam.id, json!({"title": "Tent", "price": "120", "quantity": 100000, "trial_policy": {"trial_days": 1, "penalty_type": "flat", "penalty_value": "5", "return_window_hours": 2}})).await, sam_token.clone()),
    ];
    let photos = [
        server.stored_image(sam.id).await,
        server.stored_image(zed.id).await,
        server.stored_image(sam.id).await,
    ];
    let seller_tokens = [sam_token.clone(), zed_token.clone()];
    for (seller, token) in [(sam.id, &sam_token), (zed.id, &zed_token)] {
        let body =
            json!({"gateway_id": gateway, "external_account_id": format!("acct-{seller}"), "properties": {}});
        let response =
            server.post_json(&format!("/api/v1/users/{seller}/payment-accounts"), Some(token), &body).await;
        assert_eq!(response.status(), 201, "{}", response.text().await.unwrap_or_default());
    }
    let seed = std::env::var("SOUK_SIMULATION_SEED").ok().and_then(|s| s.parse().ok()).unwrap_or(0x5EED_u64);
    let mut dice = Dice(seed);
    let mut orders: Vec<Sim> = Vec::new();
    let mut owners: HashMap<String, (usize, usize)> = HashMap::new();
    for step in 0..steps {
        let choice = if orders.len() < 3 { 0 } else { dice.below(20) };
        let pick = if orders.is_empty() { 0 } else { dice.below(orders.len()) };
        let op;
        match choice {
            0 => {
                op = "checkout";
                let (b, p) = (dice.below(2), dice.below(products.len()));
                let quantity = 1 + dice.below(3) as i64;
                let response = server
                    .post_json(
                        "/api/v1/checkout",
                        Some(&buyers[b]),
                        &json!({"lines": [{"product_id": products[p].0, "quantity": quantity}], "shipping_address": souk_tests::payments::address(), "fulfillment": "delivery"}),
                    )
                    .await;
                let (status, body) = answer(response, step, op).await;
                assert_eq!(status, 201, "step {step}: stock is plentiful, checkout succeeds: {body}");
                let id = body["data"]["orders"][0]["id"].as_str().unwrap().to_owned();
                owners.insert(id.clone(), (b, p));
                orders.push(Sim { id, tx_ref: None, return_token: None, dispute: None });
            }
            1 | 2 => {
                op = "pay or fail";
                let sim = &mut orders[pick];
                let (b, _) = owners[&sim.id];
                let response = server
                    .post_json("/api/v1/payments/initiate", Some(&buyers[b]), &json!({"order_id": sim.id}))
                    .await;
                let (status, body) = answer(response, step, op).await;
                if status == 200 {
                    let tx_ref = body["data"]["tx_ref"].as_str().unwrap().to_owned();
                    let outcome = if dice.below(5) == 0 { "fail" } else { "pay" };
                    answer(souk_tests::payments::press(&server, &tx_ref, outcome).await, step, op).await;
                    sim.tx_ref = Some(tx_ref);
                }
            }
            3 => {
                op = "duplicate callback";
                if let Some(tx_ref) = orders[pick].tx_ref.clone() {
                    let body = json!({"event": "charge.success", "tx_ref": tx_ref, "status": "success", "amount": "0.01", "currency": "USD"});
                    let response =
                        send_callback(&server, &gateway, &secret, chrono::Utc::now().timestamp(), &body)
                            .await;
                    answer(response, step, op).await;
                }
            }
            4..=11 => {
                let (b, p) = owners[&orders[pick].id];
                let seller = &products[p].1;
                let (token, status) = match choice {
                    4 => (seller, "accepted"),
                    5 => (seller, "declined"),
                    6 => (&buyers[b], "canceled"),
                    7 => (seller, "shipped"),
                    8 => (seller, "delivered"),
                    9 => (&buyers[b], "customer_confirmed"),
                    10 => (&buyers[b], "completed"),
                    _ => (&admin, "completed"),
                };
                op = status;
                let response = server
                    .post_json(
                        &format!("/api/v1/orders/{}/status", orders[pick].id),
                        Some(token),
                        &json!({"status": status}),
                    )
                    .await;
                answer(response, step, op).await;
            }
            12 => {
                op = "partial refund";
                let (_, p) = owners[&orders[pick].id];
                let cents = 1 + dice.below(800);
                let amount = format!("{}.{:02}", cents / 100, cents % 100);
                let response = server
                    .post_json(
                        &format!("/api/v1/orders/{}/refunds", orders[pick].id),
                        Some(&products[p].1),
                        &json!({"amount": amount}),
                    )
                    .await;
                answer(response, step, op).await;
            }
            14 => {
                op = "return";
                let (b, _) = owners[&orders[pick].id];
                let body = json!({"order_id": orders[pick].id, "reason": "changed my mind"});
                let response = server.post_json("/api/v1/returns", Some(&buyers[b]), &body).await;
                let (status, body) = answer(response, step, op).await;
                if status == 201 {
                    orders[pick].return_token = body["data"]["return"]["token"].as_str().map(str::to_owned);
                }
            }
            15 | 16 => {
                op = if choice == 15 { "scan confirm" } else { "scan claim defect" };
                let (_, p) = owners[&orders[pick].id];
                if let Some(token) = orders[pick].return_token.clone() {
                    let body = if choice == 15 {
                        json!({"token": token, "action": "confirm"})
                    } else {
                        json!({"token": token, "action": "claim_defect", "description": "scratched legs", "photo_file_id": photos[p]})
                    };
                    let response =
                        server.post_json("/api/v1/returns/scan", Some(&products[p].1), &body).await;
                    let (status, body) = answer(response, step, op).await;
                    if status == 200 {
                        orders[pick].dispute = body["data"]["dispute"]["id"].as_str().map(str::to_owned);
                    }
                }
            }
            17 => {
                op = "resolve dispute";
                if let Some(dispute) = orders[pick].dispute.clone() {
                    let body = match dice.below(3) {
                        0 => json!({"outcome": "refund_buyer", "note": "defect confirmed"}),
                        1 => json!({"outcome": "release_to_seller", "note": "no defect"}),
                        _ => {
                            let cents = 1 + dice.below(3000);
                            json!({"outcome": "split", "buyer_amount": format!("{}.{:02}", cents / 100, cents % 100), "note": "shared"})
                        }
                    };
                    let response = server
                        .post_json(&format!("/api/v1/disputes/{dispute}/resolve"), Some(&admin), &body)
                        .await;
                    answer(response, step, op).await;
                }
            }
            18 => {
                op = "payout";
                let seller = dice.below(2);
                let cents = 1 + dice.below(5000);
                let body = if dice.below(2) == 0 {
                    json!({"currency": "USD"})
                } else {
                    json!({"currency": "USD", "amount": format!("{}.{:02}", cents / 100, cents % 100)})
                };
                let response = server.post_json("/api/v1/payouts", Some(&seller_tokens[seller]), &body).await;
                answer(response, step, op).await;
            }
            19 => {
                op = "concurrent callbacks";
                if let Some(tx_ref) = orders[pick].tx_ref.clone() {
                    let body = json!({"event": "charge.success", "tx_ref": tx_ref, "status": "success", "amount": "0.01", "currency": "USD"});
                    let now = chrono::Utc::now().timestamp();
                    let (a, b, c) = tokio::join!(
                        send_callback(&server, &gateway, &secret, now, &body),
                        send_callback(&server, &gateway, &secret, now, &body),
                        send_callback(&server, &gateway, &secret, now, &body),
                    );
                    for response in [a, b, c] {
                        answer(response, step, op).await;
                    }
                }
            }
            _ => {
                op = "clock";
                let seconds = 3600 * (1 + dice.below(12) as i64);
                let response = server
                    .post_json("/api/v1/sandbox/clock", Some(&admin), &json!({"advance_seconds": seconds}))
                    .await;
                answer(response, step, op).await;
            }
        }
        check_invariants(&server, step, op).await;
    }
    for (what, sql) in [
        (
            "completed orders",
            "SELECT COUNT(*) AS n FROM orders WHERE status = 'completed' AND payment_status <> 'unpaid'",
        ),
        (
            "refunded cancellations",
            "SELECT COUNT(*) AS n FROM orders WHERE status = 'canceled' AND payment_status = 'refunded'",
        ),
        ("declined orders", "SELECT COUNT(*) AS n FROM orders WHERE status = 'declined'"),
        ("trials", "SELECT COUNT(*) AS n FROM orders WHERE trial_ends_at IS NOT NULL"),
        (
            "partial refunds",
            "SELECT COUNT(*) AS n FROM ledger_transfers WHERE kind = 'refund' AND key LIKE '%:manual:%'",
        ),
        (
            "fees",
            "SELECT COUNT(*) AS n FROM ledger_entries e JOIN ledger_accounts a ON a.id = e.account_id WHERE a.kind = 'platform_revenue'",
        ),
    ] {
        assert!(count_rows(&server, sql).await > 0, "the simulation never produced {what}");
    }
    server.stop().await;
}

on_both_backends!(random_operations_keep_the_ledger_balanced);
