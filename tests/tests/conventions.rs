//! The conventions of API.md section 1 and the operational endpoints of section 9.

use reqwest::header::CONTENT_TYPE;
use serde_json::json;
use souk_tests::{Backend, TestServer, expect_error, json, on_both_backends};

async fn health_and_readiness(backend: Backend) {
    let server = TestServer::start(backend).await;
    let health = server.get("/health", None).await;
    assert_eq!(health.status(), 200);
    assert_eq!(json(health).await["data"]["health"]["status"], "ok");

    let ready = json(server.get("/ready", None).await).await;
    let expected = match backend {
        Backend::Sqlite => "sqlite",
        Backend::Postgres => "postgres",
    };
    assert_eq!(ready["data"]["readiness"], json!({"status": "ready", "database": expected}));

    server.db().conn.close_by_ref().await.unwrap();
    expect_error(server.get("/ready", None).await, 503, "UNAVAILABLE").await;
}

async fn metrics_count_requests_by_route_and_status(backend: Backend) {
    let server = TestServer::start(backend).await;
    server.get("/health", None).await;
    server.get("/api/v1/users/0190a0a0-0000-7000-8000-000000000000", None).await;
    server.get("/no/such/path", None).await;
    let response = server.get("/metrics", None).await;
    assert_eq!(response.status(), 200);
    assert!(response.headers()[CONTENT_TYPE].to_str().unwrap().starts_with("application/openmetrics-text"));
    let text = response.text().await.unwrap();
    assert!(
        text.contains(r#"souk_http_requests_total{method="GET",route="/health",status="200"} 1"#),
        "{text}"
    );
    assert!(text.contains(r#"route="/api/v1/users/{id}",status="401""#), "ids never become labels: {text}");
    assert!(text.contains(r#"route="unmatched",status="404""#), "{text}");
    assert!(text.contains("souk_http_request_duration_seconds_bucket"), "{text}");
    assert!(text.contains("souk_db_pool_connections"), "{text}");
}

async fn openapi_document_and_swagger_ui(backend: Backend) {
    let server = TestServer::start(backend).await;
    let doc = json(server.get("/openapi.json", None).await).await;
    assert_eq!(doc["openapi"], "3.1.0");
    assert_eq!(doc["info"]["title"], "Souk");
    assert_eq!(doc["servers"][0]["url"], "/");
    assert_eq!(doc["components"]["securitySchemes"]["bearer"]["scheme"], "bearer");
    assert_eq!(doc["components"]["securitySchemes"]["basic"]["scheme"], "basic");
    for path in ["/health", "/ready", "/metrics", "/openapi.json", "/api/v1/users", "/api/v1/sandbox/clock"] {
        assert!(doc["paths"].get(path).is_some(), "{path} is documented");
    }
    assert_eq!(doc, json(server.get("/openapi.json", None).await).await, "stable");

    let redirect = server.get("/docs", None).await;
    assert_eq!(redirect.status(), 308);
    assert_eq!(redirect.headers()["location"], "/docs/");
    let page = server.get("/docs/", None).await;
    assert_eq!(page.status(), 200);
    assert!(page.text().await.unwrap().contains("swagger-ui"));
    let initializer = server.get("/docs/swagger-initializer.js", None).await.text().await.unwrap();
    assert!(initializer.contains("/openapi.json"), "Swagger UI loads Souk's document: {initializer}");
    assert_eq!(server.get("/docs/swagger-ui-bundle.js", None).await.status(), 200, "served offline");
}

async fn unknown_paths_and_wrong_methods(backend: Backend) {
    let server = TestServer::start(backend).await;
    expect_error(server.get("/api/v1/nothing-here", None).await, 404, "NOT_FOUND").await;
    expect_error(server.get("/", None).await, 404, "NOT_FOUND").await;

    let response = server.client.delete(server.url("/health")).send().await.unwrap();
    assert_eq!(response.headers()["allow"], "GET");
    expect_error(response, 405, "METHOD_NOT_ALLOWED").await;

    let response = server.client.put(server.url("/api/v1/sandbox/clock")).send().await.unwrap();
    assert_eq!(response.headers()["allow"], "GET, POST");
    expect_error(response, 405, "METHOD_NOT_ALLOWED").await;

    let response = server
        .client
        .put(server.url("/api/v1/users/0190a0a0-0000-7000-8000-000000000000"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.headers()["allow"], "GET, PATCH, DELETE");
    expect_error(response, 405, "METHOD_NOT_ALLOWED").await;
}

async fn head_is_answered_like_get_without_a_body(backend: Backend) {
    let server = TestServer::start(backend).await;
    let response = server.client.head(server.url("/health")).send().await.unwrap();
    assert_eq!(response.status(), 200);
    assert!(response.headers().get("x-request-id").is_some());
    assert!(response.bytes().await.unwrap().is_empty());
    assert_eq!(server.client.head(server.url("/nowhere")).send().await.unwrap().status(), 404);
}

async fn request_ids_are_echoed_or_generated(backend: Backend) {
    let server = TestServer::start(backend).await;
    let response = server
        .client
        .get(server.url("/health"))
        .header("x-request-id", "trace-abc-123")
        .send()
        .await
        .unwrap();
    assert_eq!(response.headers()["x-request-id"], "trace-abc-123");

    let generated = server.get("/health", None).await;
    let id = generated.headers()["x-request-id"].to_str().unwrap().to_owned();
    assert!(uuid::Uuid::parse_str(&id).is_ok(), "{id}");

    let unusable = "x".repeat(300);
    let response =
        server.client.get(server.url("/health")).header("x-request-id", &unusable).send().await.unwrap();
    assert_ne!(response.headers()["x-request-id"], unusable.as_str(), "overlong ids are replaced");

    let response =
        server.client.get(server.url("/nope")).header("x-request-id", "err-42").send().await.unwrap();
    assert_eq!(expect_error(response, 404, "NOT_FOUND").await["request_id"], "err-42");
}

async fn malformed_bodies_get_the_envelope(backend: Backend) {
    let server = TestServer::start(backend).await;
    let (_, token) = server.admin().await;
    let post = |body: &'static str, content_type: &'static str| {
        server
            .client
            .post(server.url("/api/v1/sandbox/clock"))
            .bearer_auth(&token)
            .header(CONTENT_TYPE, content_type)
            .body(body)
            .send()
    };
    let body =
        expect_error(post("{\"advance_seconds\": ", "application/json").await.unwrap(), 400, "BAD_REQUEST")
            .await;
    assert!(body["message"].as_str().unwrap().contains("malformed JSON"), "{body}");
    expect_error(post("{} trailing", "application/json").await.unwrap(), 400, "BAD_REQUEST").await;
    expect_error(
        post("advance_seconds=5", "application/x-www-form-urlencoded").await.unwrap(),
        415,
        "UNSUPPORTED_MEDIA_TYPE",
    )
    .await;
    expect_error(
        post("{\"advance_seconds\": 5}", "text/plain").await.unwrap(),
        415,
        "UNSUPPORTED_MEDIA_TYPE",
    )
    .await;

    let body = expect_error(
        post("{\"advance_seconds\": \"soon\"}", "application/json").await.unwrap(),
        422,
        "VALIDATION_FAILED",
    )
    .await;
    assert!(body["errors"]["advance_seconds"][0].as_str().is_some(), "{body}");
    let body = expect_error(post("{}", "application/json").await.unwrap(), 422, "VALIDATION_FAILED").await;
    assert!(body["errors"]["advance_seconds"].is_array(), "{body}");
    let body = expect_error(
        post("{\"advance_seconds\": 5, \"extra\": 1}", "application/json").await.unwrap(),
        422,
        "VALIDATION_FAILED",
    )
    .await;
    assert!(body["errors"].is_object(), "{body}");

    let huge = format!("{{\"advance_seconds\": 5, \"padding\": \"{}\"}}", "x".repeat(1024 * 1024 + 10));
    let response = server
        .client
        .post(server.url("/api/v1/sandbox/clock"))
        .bearer_auth(&token)
        .header(CONTENT_TYPE, "application/json")
        .body(huge)
        .send()
        .await
        .unwrap();
    expect_error(response, 413, "PAYLOAD_TOO_LARGE").await;
}

async fn malformed_query_strings_are_bad_requests(backend: Backend) {
    let server = TestServer::start(backend).await;
    let (_, token) = server.admin().await;
    let body =
        expect_error(server.get("/api/v1/users?search=%ZZ", Some(&token)).await, 400, "BAD_REQUEST").await;
    assert!(body["message"].as_str().unwrap().contains("query"), "{body}");
    expect_error(server.get("/api/v1/users?search=%FF", Some(&token)).await, 400, "BAD_REQUEST").await;
}

async fn credentials_are_checked(backend: Backend) {
    let server = TestServer::start(backend).await;
    let (admin, token) = server.admin().await;
    assert_eq!(server.get("/api/v1/users", Some(&token)).await.status(), 200);

    let response = server.get("/api/v1/users", None).await;
    assert!(response.headers().get("www-authenticate").is_some());
    expect_error(response, 401, "UNAUTHENTICATED").await;

    let expired = server.tokens.sign(&souk_auth::AccessClaims::for_user(
        admin.id,
        souk_kernel::Role::Admin,
        chrono::Utc::now() - chrono::Duration::hours(1),
        chrono::Duration::minutes(15),
    ));
    let foreign = souk_auth::TokenKeys::hs256(b"some-other-secret-that-is-long-enough").sign(
        &souk_auth::AccessClaims::for_user(
            admin.id,
            souk_kernel::Role::Admin,
            chrono::Utc::now(),
            chrono::Duration::minutes(15),
        ),
    );
    let payload = token.split('.').nth(1).unwrap();
    let unsigned = format!("eyJhbGciOiJub25lIiwidHlwIjoiSldUIn0.{payload}.");
    let mut tampered = token.clone();
    tampered.pop();
    tampered.push(if token.ends_with('A') { 'B' } else { 'A' });
    for bad in [expired, foreign, unsigned, tampered, "garbage".to_owned()] {
        expect_error(server.get("/api/v1/users", Some(&bad)).await, 401, "UNAUTHENTICATED").await;
    }
    let response = server
        .client
        .get(server.url("/api/v1/users"))
        .basic_auth("nobody", Some("secret"))
        .send()
        .await
        .unwrap();
    expect_error(response, 401, "UNAUTHENTICATED").await;
    let response = server
        .client
        .get(server.url("/api/v1/users"))
        .header("authorization", "Digest abc")
        .send()
        .await
        .unwrap();
    expect_error(response, 401, "UNAUTHENTICATED").await;
}

async fn unexpected_errors_are_internal_without_details(backend: Backend) {
    let server = TestServer::start(backend).await;
    let (_, token) = server.admin().await;
    sea_orm::ConnectionTrait::execute_unprepared(&server.db().conn, "ALTER TABLE users RENAME TO users_gone")
        .await
        .unwrap();
    let body = expect_error(server.get("/api/v1/users", Some(&token)).await, 500, "INTERNAL").await;
    let message = body["message"].as_str().unwrap();
    assert!(
        !message.contains("users") && !message.to_lowercase().contains("table"),
        "no internals leak: {message}"
    );
    assert!(body["request_id"].as_str().is_some());
}

on_both_backends!(
    health_and_readiness,
    metrics_count_requests_by_route_and_status,
    openapi_document_and_swagger_ui,
    unknown_paths_and_wrong_methods,
    request_ids_are_echoed_or_generated,
    head_is_answered_like_get_without_a_body,
    malformed_bodies_get_the_envelope,
    malformed_query_strings_are_bad_requests,
    credentials_are_checked,
    unexpected_errors_are_internal_without_details,
);
