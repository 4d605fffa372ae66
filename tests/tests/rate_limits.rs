//! Rate limits: headers on every response, `429` with `Retry-After`, per-caller keys, `off`.

use souk_kernel::Role;
use souk_tests::{Backend, Options, TestServer, expect_error, on_both_backends};

fn header(response: &reqwest::Response, name: &str) -> Option<u64> {
    response.headers().get(name).map(|v| v.to_str().unwrap().parse().unwrap())
}

async fn callers_get_headers_then_429(backend: Backend) {
    let options = Options { rate_limits: "anonymous=3/m,user=5/m".into(), ..Options::default() };
    let server = TestServer::start_with(backend, options).await;
    let mut remaining = Vec::new();
    for _ in 0..3 {
        let response = server.get("/api/v1/users", None).await;
        assert_eq!(header(&response, "ratelimit-limit"), Some(3));
        assert!(header(&response, "ratelimit-reset").is_some());
        remaining.push(header(&response, "ratelimit-remaining").unwrap());
    }
    assert_eq!(remaining, [2, 1, 0]);
    let refused = server.get("/api/v1/users", None).await;
    let retry_after = header(&refused, "retry-after").expect("Retry-After");
    assert!((1..=20).contains(&retry_after), "{retry_after}");
    assert_eq!(header(&refused, "ratelimit-remaining"), Some(0));
    expect_error(refused, 429, "RATE_LIMITED").await;

    let user = server.create_user(Role::Buyer, "limited").await;
    let token = server.token_for(user.id, Role::Buyer);
    let response = server.get("/api/v1/users/me", Some(&token)).await;
    assert_eq!(response.status(), 200, "a signed-in user has its own allowance");
    assert_eq!(header(&response, "ratelimit-limit"), Some(5));

    let probe = server.get("/health", None).await;
    assert_eq!(probe.status(), 200, "probes are never limited");
    assert!(probe.headers().get("ratelimit-limit").is_none());
}

async fn limits_can_be_turned_off(backend: Backend) {
    let options = Options { rate_limits: "off".into(), ..Options::default() };
    let server = TestServer::start_with(backend, options).await;
    for _ in 0..5 {
        let response = server.get("/api/v1/nothing", None).await;
        assert_eq!(response.status(), 404);
        assert!(response.headers().get("ratelimit-limit").is_none());
    }
}

on_both_backends!(callers_get_headers_then_429, limits_can_be_turned_off);
