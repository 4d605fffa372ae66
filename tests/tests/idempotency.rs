//! `Idempotency-Key` on POST: replay, reuse with another body, in flight, per caller.

use serde_json::json;
use souk_kernel::Role;
use souk_server::http::idempotency::request_hash;
use souk_storage::idempotency::{self, KeyRequest};
use souk_tests::{Backend, TestServer, expect_error, json, on_both_backends};

async fn advance(server: &TestServer, token: &str, key: &str, seconds: i64) -> reqwest::Response {
    server
        .client
        .post(server.url("/api/v1/sandbox/clock"))
        .bearer_auth(token)
        .header("idempotency-key", key)
        .json(&json!({"advance_seconds": seconds}))
        .send()
        .await
        .unwrap()
}

async fn offset(server: &TestServer, token: &str) -> i64 {
    json(server.get("/api/v1/sandbox/clock", Some(token)).await).await["data"]["clock"]["offset_seconds"]
        .as_i64()
        .unwrap()
}

async fn a_retried_request_is_replayed_not_repeated(backend: Backend) {
    let server = TestServer::start(backend).await;
    let (_, token) = server.admin().await;
    let first = advance(&server, &token, "advance-1", 60).await;
    assert_eq!(first.status(), 200);
    assert!(first.headers().get("idempotent-replayed").is_none());
    let first_body = first.text().await.unwrap();

    let retry = advance(&server, &token, "advance-1", 60).await;
    assert_eq!(retry.status(), 200);
    assert_eq!(retry.headers()["idempotent-replayed"], "true");
    assert!(retry.headers()["content-type"].to_str().unwrap().starts_with("application/json"));
    assert_eq!(retry.text().await.unwrap(), first_body, "the same body, byte for byte");
    assert_eq!(offset(&server, &token).await, 60, "the clock moved once");

    assert_eq!(advance(&server, &token, "advance-2", 60).await.status(), 200, "a new key is a new request");
    assert_eq!(offset(&server, &token).await, 120);
}

async fn errors_are_replayed_too(backend: Backend) {
    let server = TestServer::start(backend).await;
    let (_, token) = server.admin().await;
    let first = expect_error(advance(&server, &token, "bad-1", 0).await, 422, "VALIDATION_FAILED").await;
    let replay = advance(&server, &token, "bad-1", 0).await;
    assert_eq!(replay.status(), 422);
    assert_eq!(replay.headers()["idempotent-replayed"], "true");
    assert_eq!(json(replay).await, first, "the first body, including its request id");
}

async fn a_key_reused_with_another_body_is_refused(backend: Backend) {
    let server = TestServer::start(backend).await;
    let (_, token) = server.admin().await;
    assert_eq!(advance(&server, &token, "same-key", 60).await.status(), 200);
    expect_error(advance(&server, &token, "same-key", 61).await, 422, "IDEMPOTENCY_KEY_REUSED").await;
    let other_path = server
        .client
        .post(server.url("/api/v1/sandbox/jobs/run"))
        .bearer_auth(&token)
        .header("idempotency-key", "same-key")
        .send()
        .await
        .unwrap();
    expect_error(other_path, 422, "IDEMPOTENCY_KEY_REUSED").await;
    assert_eq!(offset(&server, &token).await, 60);
}

async fn keys_belong_to_their_caller(backend: Backend) {
    let server = TestServer::start(backend).await;
    let (_, first) = server.admin().await;
    let (_, second) = server.admin().await;
    assert_eq!(advance(&server, &first, "shared", 10).await.status(), 200);
    let other = advance(&server, &second, "shared", 99).await;
    assert_eq!(other.status(), 200, "another caller's key does not collide");
    assert!(other.headers().get("idempotent-replayed").is_none());
    assert_eq!(offset(&server, &first).await, 109);
}

async fn a_key_in_flight_is_a_conflict(backend: Backend) {
    let server = TestServer::start(backend).await;
    let (admin, token) = server.admin().await;
    let body = serde_json::to_vec(&json!({"advance_seconds": 5})).unwrap();
    let hash = request_hash("POST", "/api/v1/sandbox/clock", &body);
    let caller = format!("user:{}", admin.id);
    let claim = KeyRequest {
        caller: &caller,
        key: "busy",
        request_hash: &hash,
        method: "POST",
        path: "/api/v1/sandbox/clock",
    };
    idempotency::claim(&server.db().conn, claim, chrono::Utc::now()).await.unwrap();
    let response = server
        .client
        .post(server.url("/api/v1/sandbox/clock"))
        .bearer_auth(&token)
        .header("idempotency-key", "busy")
        .header("content-type", "application/json")
        .body(body)
        .send()
        .await
        .unwrap();
    expect_error(response, 409, "CONFLICT").await;
    assert_eq!(offset(&server, &token).await, 0, "nothing ran");
}

async fn concurrent_retries_run_once(backend: Backend) {
    let server = TestServer::start(backend).await;
    let (_, token) = server.admin().await;
    let attempts = (0..8).map(|_| advance(&server, &token, "storm", 30));
    let responses = futures_util::future::join_all(attempts).await;
    let statuses: Vec<u16> = responses.iter().map(|r| r.status().as_u16()).collect();
    assert!(statuses.iter().all(|s| *s == 200 || *s == 409), "{statuses:?}");
    assert_eq!(offset(&server, &token).await, 30, "exactly one advance: {statuses:?}");
}

async fn malformed_keys_are_refused(backend: Backend) {
    let server = TestServer::start(backend).await;
    let (_, token) = server.admin().await;
    let body =
        expect_error(advance(&server, &token, &"k".repeat(256), 5).await, 422, "VALIDATION_FAILED").await;
    assert!(body["errors"]["Idempotency-Key"].is_array(), "{body}");
    assert_eq!(offset(&server, &token).await, 0);
}

async fn keys_are_ignored_on_reads(backend: Backend) {
    let server = TestServer::start(backend).await;
    let buyer = server.create_user(Role::Buyer, "reader").await;
    let token = server.token_for(buyer.id, Role::Buyer);
    for _ in 0..2 {
        let response = server
            .client
            .get(server.url("/api/v1/users/me"))
            .bearer_auth(&token)
            .header("idempotency-key", "read-1")
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 200);
        assert!(response.headers().get("idempotent-replayed").is_none());
    }
}

on_both_backends!(
    a_retried_request_is_replayed_not_repeated,
    errors_are_replayed_too,
    a_key_reused_with_another_body_is_refused,
    keys_belong_to_their_caller,
    a_key_in_flight_is_a_conflict,
    concurrent_retries_run_once,
    malformed_keys_are_refused,
    keys_are_ignored_on_reads,
);

mod credentials {
    use serde_json::json;
    use souk_tests::{Backend, TestServer, json, on_both_backends};

    async fn responses_with_credentials_are_never_stored(backend: Backend) {
        let server = TestServer::start(backend).await;
        let session = server.buyer_session("keyholder").await;
        let refresh = session["data"]["refresh_token"].as_str().unwrap().to_owned();
        let response = server
            .client
            .post(server.url("/api/v1/auth/refresh"))
            .header("idempotency-key", "refresh-1")
            .json(&json!({"refresh_token": refresh}))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 200);
        let issued = json(response).await["data"]["refresh_token"].as_str().unwrap().to_owned();
        let stored =
            souk_storage::entities::idempotency_key::Entity::find().all(&server.db().conn).await.unwrap();
        assert!(stored.iter().all(|record| {
            let body =
                String::from_utf8_lossy(record.response_body.as_deref().unwrap_or_default()).into_owned();
            !body.contains(&issued)
        }));
        assert!(stored.is_empty(), "no record for a credential route");
    }

    use sea_orm::EntityTrait;

    on_both_backends!(responses_with_credentials_are_never_stored);
}
