//! Events and webhooks over HTTP: every state change lands in the outbox (sellers see their
//! own objects' events only), subscriptions are validated, and deliveries are signed, retried
//! with backoff until a 2xx, logged, retried by hand, and never sent twice concurrently.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use serde_json::{Value, json};
use souk_tests::payments::{checkout_one, listed_product, move_to, pay, sandbox_gateway};
use souk_tests::{Backend, TestServer, expect_error, json, on_both_backends};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// What a test receiver got: each request's headers and body.
#[derive(Debug, Default)]
struct Received {
    requests: Vec<(HashMap<String, String>, Vec<u8>)>,
    fail_first: usize,
}

/// A tiny HTTP receiver on a free loopback port that answers 500 to its first `fail_first`
/// requests and 200 afterwards.
async fn receiver(fail_first: usize) -> (String, Arc<Mutex<Received>>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/hook", listener.local_addr().unwrap());
    let state = Arc::new(Mutex::new(Received { fail_first, ..Received::default() }));
    let shared = state.clone();
    tokio::spawn(async move {
        loop {
            let Ok((mut socket, _)) = listener.accept().await else { return };
            let shared = shared.clone();
            tokio::spawn(async move {
                let mut buffer = Vec::new();
                let mut chunk = [0u8; 4096];
                let (head_end, length) = loop {
                    let n = socket.read(&mut chunk).await.unwrap_or(0);
                    if n == 0 {
                        return;
                    }
                    buffer.extend_from_slice(&chunk[..n]);
                    if let Some(end) = buffer.windows(4).position(|w| w == b"\r\n\r\n") {
                        let head = String::from_utf8_lossy(&buffer[..end]).to_lowercase();
                        let length = head
                            .lines()
                            .find_map(|l| {
                                l.strip_prefix("content-length:").map(|v| v.trim().parse().unwrap_or(0))
                            })
                            .unwrap_or(0usize);
                        break (end + 4, length);
                    }
                };
                while buffer.len() < head_end + length {
                    let n = socket.read(&mut chunk).await.unwrap_or(0);
                    if n == 0 {
                        break;
                    }
                    buffer.extend_from_slice(&chunk[..n]);
                }
                let head = String::from_utf8_lossy(&buffer[..head_end]).into_owned();
                let headers = head
                    .lines()
                    .skip(1)
                    .filter_map(|l| l.split_once(':'))
                    .map(|(k, v)| (k.trim().to_ascii_lowercase(), v.trim().to_owned()))
                    .collect();
                let body = buffer[head_end..].to_vec();
                let status = {
                    let mut state = shared.lock().unwrap();
                    state.requests.push((headers, body));
                    if state.requests.len() <= state.fail_first { 500 } else { 200 }
                };
                let reply = format!("HTTP/1.1 {status} X\r\ncontent-length: 0\r\nconnection: close\r\n\r\n");
                let _ = socket.write_all(reply.as_bytes()).await;
            });
        }
    });
    (url, state)
}

async fn run_jobs(server: &TestServer, admin: &str) {
    let response = server.post_json("/api/v1/sandbox/jobs/run", Some(admin), &json!({})).await;
    assert_eq!(response.status(), 200);
}

async fn advance(server: &TestServer, admin: &str, seconds: i64) {
    let response =
        server.post_json("/api/v1/sandbox/clock", Some(admin), &json!({"advance_seconds": seconds})).await;
    assert_eq!(response.status(), 200);
}

fn types(events: &Value) -> Vec<String> {
    events["data"]["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["type"].as_str().unwrap().to_owned())
        .collect()
}

async fn state_changes_land_in_the_outbox_and_sellers_see_their_own(backend: Backend) {
    let server = TestServer::start(backend).await;
    let (_, admin) = server.admin().await;
    let (sam, sam_token) = server.seller("sam").await;
    let (_, zed_token) = server.seller("zed").await;
    let (_, buyer) = server.buyer("amina").await;
    sandbox_gateway(&server, &admin, "USD").await;
    let product =
        listed_product(&server, &admin, sam.id, json!({"title": "Lamp", "price": "10", "quantity": 3})).await;
    let order = checkout_one(&server, &buyer, &product, 1).await;
    let id = order["id"].as_str().unwrap();
    pay(&server, &buyer, id).await;
    move_to(&server, &sam_token, id, "accepted").await;
    let all = json(server.get("/api/v1/events?page_size=100", Some(&admin)).await).await;
    let seen = types(&all);
    for expected in [
        "product.created",
        "order.created",
        "payment.succeeded",
        "escrow.held",
        "order.paid",
        "order.accepted",
    ] {
        assert!(seen.contains(&expected.to_owned()), "{expected} missing from {seen:?}");
    }
    let orders =
        json(server.get(&format!("/api/v1/events?type=order.*&object_id={id}"), Some(&sam_token)).await)
            .await;
    assert_eq!(types(&orders), ["order.accepted", "order.paid", "order.created"], "newest first");
    let accepted = &orders["data"]["events"][0];
    assert_eq!(accepted["data"]["previous_status"], "new");
    assert_eq!(accepted["data"]["number"], order["number"]);
    let theirs = json(server.get("/api/v1/events", Some(&zed_token)).await).await;
    assert!(
        theirs["data"]["events"].as_array().unwrap().iter().all(|e| e["type"] == "user.created"),
        "another seller sees nothing of sam's: {theirs}"
    );
    let event_id = accepted["id"].as_str().unwrap();
    assert_eq!(server.get(&format!("/api/v1/events/{event_id}"), Some(&sam_token)).await.status(), 200);
    expect_error(server.get(&format!("/api/v1/events/{event_id}"), Some(&zed_token)).await, 404, "NOT_FOUND")
        .await;
    expect_error(server.get("/api/v1/events", Some(&buyer)).await, 403, "FORBIDDEN").await;
    expect_error(server.get("/api/v1/events", None).await, 401, "UNAUTHENTICATED").await;
    expect_error(server.get("/api/v1/events?from=yesterday", Some(&admin)).await, 422, "VALIDATION_FAILED")
        .await;
    server.stop().await;
}

async fn subscriptions_are_validated_and_owned(backend: Backend) {
    let server = TestServer::start(backend).await;
    let (_, sam) = server.seller("sam").await;
    let (_, zed) = server.seller("zed").await;
    let (_, buyer) = server.buyer("amina").await;
    let ok = json!({"url": "http://127.0.0.1:9/hook", "events": ["order.*"]});
    expect_error(server.post_json("/api/v1/webhooks", Some(&buyer), &ok).await, 403, "FORBIDDEN").await;
    for (url, events) in [
        ("ftp://example.com/hook", json!(["order.*"])),
        ("http://10.1.2.3/hook", json!(["order.*"])),
        ("http://169.254.169.254/latest", json!(["order.*"])),
        ("https://hooks.example.com/souk", json!([])),
        ("https://hooks.example.com/souk", json!(["Order Created"])),
    ] {
        let body = json!({"url": url, "events": events});
        expect_error(server.post_json("/api/v1/webhooks", Some(&sam), &body).await, 422, "VALIDATION_FAILED")
            .await;
    }
    let created = server.post_json("/api/v1/webhooks", Some(&sam), &ok).await;
    assert_eq!(created.status(), 201);
    let created = json(created).await["data"]["webhook"].clone();
    assert!(created["secret"].as_str().unwrap().starts_with("whsec_"), "shown once: {created}");
    let id = created["id"].as_str().unwrap();
    let read = json(server.get(&format!("/api/v1/webhooks/{id}"), Some(&sam)).await).await;
    assert!(read["data"]["webhook"].get("secret").is_none());
    expect_error(server.get(&format!("/api/v1/webhooks/{id}"), Some(&zed)).await, 404, "NOT_FOUND").await;
    expect_error(server.delete(&format!("/api/v1/webhooks/{id}"), Some(&zed)).await, 404, "NOT_FOUND").await;
    let patched = server
        .patch_json(&format!("/api/v1/webhooks/{id}"), Some(&sam), &json!({"status": "disabled"}))
        .await;
    assert_eq!(json(patched).await["data"]["webhook"]["status"], "disabled");
    let bad =
        server.patch_json(&format!("/api/v1/webhooks/{id}"), Some(&sam), &json!({"status": "paused"})).await;
    expect_error(bad, 422, "VALIDATION_FAILED").await;
    let list = json(server.get("/api/v1/webhooks", Some(&zed)).await).await;
    assert_eq!(list["data"]["pagination"]["total"], 0);
    assert_eq!(server.delete(&format!("/api/v1/webhooks/{id}"), Some(&sam)).await.status(), 200);
    server.stop().await;
}

async fn a_receiver_that_fails_twice_gets_the_event_once_more_signed(backend: Backend) {
    let server = TestServer::start(backend).await;
    let (_, admin) = server.admin().await;
    let (sam, sam_token) = server.seller("sam").await;
    let (url, received) = receiver(2).await;
    let created = server
        .post_json("/api/v1/webhooks", Some(&sam_token), &json!({"url": url, "events": ["product.created"]}))
        .await;
    assert_eq!(created.status(), 201);
    let created = json(created).await["data"]["webhook"].clone();
    let (id, secret) =
        (created["id"].as_str().unwrap().to_owned(), created["secret"].as_str().unwrap().to_owned());
    listed_product(&server, &admin, sam.id, json!({"title": "Lamp", "price": "10", "quantity": 3})).await;
    run_jobs(&server, &admin).await;
    assert_eq!(received.lock().unwrap().requests.len(), 1);
    let log = json(server.get(&format!("/api/v1/webhooks/{id}/deliveries"), Some(&sam_token)).await).await;
    let delivery = log["data"]["deliveries"][0].clone();
    assert_eq!((delivery["status"].as_str(), delivery["attempts"].as_i64()), (Some("pending"), Some(1)));
    assert_eq!(delivery["last_status_code"], 500);
    run_jobs(&server, &admin).await;
    assert_eq!(received.lock().unwrap().requests.len(), 1, "the retry waits for its backoff");
    advance(&server, &admin, 31).await;
    assert_eq!(received.lock().unwrap().requests.len(), 2);
    advance(&server, &admin, 61).await;
    assert_eq!(received.lock().unwrap().requests.len(), 3);
    advance(&server, &admin, 3600).await;
    assert_eq!(received.lock().unwrap().requests.len(), 3, "a delivered event is not sent again");
    let log = json(server.get(&format!("/api/v1/webhooks/{id}/deliveries"), Some(&sam_token)).await).await;
    let delivery = log["data"]["deliveries"][0].clone();
    assert_eq!((delivery["status"].as_str(), delivery["attempts"].as_i64()), (Some("succeeded"), Some(3)));
    {
        let state = received.lock().unwrap();
        for (headers, body) in &state.requests {
            let header = &headers["souk-signature"];
            let now = chrono::Utc::now().timestamp();
            assert_eq!(
                souk_escrow::signature::verify(header, secret.as_bytes(), body, now),
                Ok(()),
                "{header}"
            );
            let event: Value = serde_json::from_slice(body).unwrap();
            assert_eq!(event["type"], "product.created");
            assert_eq!(headers["souk-event-id"], event["id"].as_str().unwrap());
        }
    }
    let delivery_id = delivery["id"].as_str().unwrap();
    let retried = server
        .post_json(
            &format!("/api/v1/webhooks/{id}/deliveries/{delivery_id}/retry"),
            Some(&sam_token),
            &json!({}),
        )
        .await;
    assert_eq!(retried.status(), 200);
    run_jobs(&server, &admin).await;
    assert_eq!(received.lock().unwrap().requests.len(), 4, "a manual retry sends it again");
    let (_, zed) = server.seller("zed").await;
    let foreign = server
        .post_json(&format!("/api/v1/webhooks/{id}/deliveries/{delivery_id}/retry"), Some(&zed), &json!({}))
        .await;
    expect_error(foreign, 404, "NOT_FOUND").await;
    server.stop().await;
}

async fn concurrent_job_runs_send_each_event_once(backend: Backend) {
    let server = Arc::new(TestServer::start(backend).await);
    let (_, admin) = server.admin().await;
    let (sam, _) = server.seller("sam").await;
    let (url, received) = receiver(0).await;
    let created = server
        .post_json("/api/v1/webhooks", Some(&admin), &json!({"url": url, "events": ["product.*"]}))
        .await;
    assert_eq!(created.status(), 201);
    for i in 0..12 {
        listed_product(
            &server,
            &admin,
            sam.id,
            json!({"title": format!("Lamp {i}"), "price": "10", "quantity": 3}),
        )
        .await;
    }
    let mut runs = Vec::new();
    for _ in 0..4 {
        let (server, admin) = (server.clone(), admin.clone());
        runs.push(tokio::spawn(async move { run_jobs(&server, &admin).await }));
    }
    for run in runs {
        run.await.unwrap();
    }
    let mut ids: Vec<String> = received
        .lock()
        .unwrap()
        .requests
        .iter()
        .map(|(_, body)| serde_json::from_slice::<Value>(body).unwrap()["id"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(ids.len(), 12, "each of the 12 events once");
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), 12, "no event was sent twice");
    Arc::try_unwrap(server).unwrap().stop().await;
}

on_both_backends!(
    state_changes_land_in_the_outbox_and_sellers_see_their_own,
    subscriptions_are_validated_and_owned,
    a_receiver_that_fails_twice_gets_the_event_once_more_signed,
    concurrent_job_runs_send_each_event_once,
);
