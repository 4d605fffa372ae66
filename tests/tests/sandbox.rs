//! The sandbox clock and job runner.

use sea_orm::EntityTrait;
use serde_json::json;
use souk_kernel::Role;
use souk_storage::idempotency::{self, KeyRequest};
use souk_tests::{Backend, Options, TestServer, expect_error, json, on_both_backends};

async fn the_clock_moves_forward_and_runs_jobs(backend: Backend) {
    let server = TestServer::start(backend).await;
    let (_, token) = server.admin().await;
    let before = json(server.get("/api/v1/sandbox/clock", Some(&token)).await).await;
    assert_eq!(before["data"]["clock"]["offset_seconds"], 0);
    assert!(before["data"].get("jobs").is_none());

    let two_weeks = 14 * 24 * 3600;
    let moved = json(
        server.post_json("/api/v1/sandbox/clock", Some(&token), &json!({"advance_seconds": two_weeks})).await,
    )
    .await;
    assert_eq!(moved["data"]["clock"]["offset_seconds"], two_weeks);
    let now = chrono::DateTime::parse_from_rfc3339(moved["data"]["clock"]["now"].as_str().unwrap()).unwrap();
    let ahead = now.with_timezone(&chrono::Utc) - chrono::Utc::now();
    assert!(ahead > chrono::Duration::days(13) && ahead < chrono::Duration::days(15), "{ahead}");
    assert_eq!(moved["data"]["jobs"][0]["name"], "purge_expired_idempotency_keys");
}

async fn clock_input_is_validated(backend: Backend) {
    let server = TestServer::start(backend).await;
    let (_, token) = server.admin().await;
    for bad in [
        json!({"advance_seconds": 0}),
        json!({"advance_seconds": -5}),
        json!({"advance_seconds": 400_000_000}),
        json!({"advance_seconds": 1.5}),
        json!({"advance_seconds": null}),
    ] {
        let body = expect_error(
            server.post_json("/api/v1/sandbox/clock", Some(&token), &bad).await,
            422,
            "VALIDATION_FAILED",
        )
        .await;
        assert!(body["errors"]["advance_seconds"].is_array(), "{bad}: {body}");
    }
}

async fn only_admins_use_the_sandbox(backend: Backend) {
    let server = TestServer::start(backend).await;
    let seller = server.create_user(Role::Seller, "seller").await;
    let token = server.token_for(seller.id, Role::Seller);
    let advance = json!({"advance_seconds": 60});
    expect_error(server.post_json("/api/v1/sandbox/clock", Some(&token), &advance).await, 403, "FORBIDDEN")
        .await;
    expect_error(server.post_json("/api/v1/sandbox/clock", None, &advance).await, 401, "UNAUTHENTICATED")
        .await;
    expect_error(server.get("/api/v1/sandbox/clock", Some(&token)).await, 403, "FORBIDDEN").await;
    expect_error(
        server.post_json("/api/v1/sandbox/jobs/run", Some(&token), &json!({})).await,
        403,
        "FORBIDDEN",
    )
    .await;
    expect_error(
        server.post_json("/api/v1/sandbox/jobs/run", None, &json!({})).await,
        401,
        "UNAUTHENTICATED",
    )
    .await;
}

async fn the_sandbox_is_absent_outside_sandbox_mode(backend: Backend) {
    let server = TestServer::start_with(backend, Options { sandbox: false, ..Options::default() }).await;
    let (_, token) = server.admin().await;
    expect_error(
        server.post_json("/api/v1/sandbox/clock", Some(&token), &json!({"advance_seconds": 60})).await,
        404,
        "NOT_FOUND",
    )
    .await;
    expect_error(server.get("/api/v1/sandbox/clock", Some(&token)).await, 404, "NOT_FOUND").await;
    expect_error(
        server.post_json("/api/v1/sandbox/jobs/run", Some(&token), &json!({})).await,
        404,
        "NOT_FOUND",
    )
    .await;
}

async fn jobs_purge_expired_idempotency_keys(backend: Backend) {
    let server = TestServer::start(backend).await;
    let (_, token) = server.admin().await;
    let stale =
        KeyRequest { caller: "ip:10.0.0.1", key: "old", request_hash: "h", method: "POST", path: "/x" };
    idempotency::claim(&server.db().conn, stale, chrono::Utc::now() - chrono::Duration::hours(25))
        .await
        .unwrap();
    let fresh = KeyRequest { key: "new", ..stale };
    idempotency::claim(&server.db().conn, fresh, chrono::Utc::now()).await.unwrap();

    let runs = json(server.post_json("/api/v1/sandbox/jobs/run", Some(&token), &json!({})).await).await;
    assert_eq!(runs["data"]["jobs"][0]["name"], "purge_expired_idempotency_keys");
    let again = json(server.post_json("/api/v1/sandbox/jobs/run", Some(&token), &json!({})).await).await;
    assert_eq!(again["data"]["jobs"][0]["processed"], 0);
    let remaining =
        souk_storage::entities::idempotency_key::Entity::find().all(&server.db().conn).await.unwrap();
    let keys: Vec<&str> = remaining.iter().map(|record| record.key.as_str()).collect();
    assert_eq!(keys, ["new"], "the expired record is gone, the fresh one kept");
}

async fn concurrent_clock_moves_all_count(backend: Backend) {
    let server = TestServer::start(backend).await;
    let (_, token) = server.admin().await;
    let one_second = json!({"advance_seconds": 1});
    let moves = (0..20).map(|_| server.post_json("/api/v1/sandbox/clock", Some(&token), &one_second));
    let statuses: Vec<u16> =
        futures_util::future::join_all(moves).await.iter().map(|r| r.status().as_u16()).collect();
    assert!(statuses.iter().all(|s| *s == 200), "{statuses:?}");
    let clock = json(server.get("/api/v1/sandbox/clock", Some(&token)).await).await;
    assert_eq!(clock["data"]["clock"]["offset_seconds"], 20, "no lost update under concurrent writers");
}

on_both_backends!(
    the_clock_moves_forward_and_runs_jobs,
    clock_input_is_validated,
    only_admins_use_the_sandbox,
    the_sandbox_is_absent_outside_sandbox_mode,
    jobs_purge_expired_idempotency_keys,
    concurrent_clock_moves_all_count,
);
