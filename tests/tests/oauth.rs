//! OAuth clients: creation with scopes, the token endpoint (form, JSON, HTTP Basic), tokens
//! narrowed to scopes, HTTP Basic on API calls, revocation, and who sees which client.

use serde_json::json;
use souk_tests::{Backend, TestServer, expect_error, json, on_both_backends};

async fn approved_seller(server: &TestServer, username: &str) -> String {
    let user = server.create_user(souk_kernel::Role::Seller, username).await;
    server.token_for(user.id, souk_kernel::Role::Seller)
}

async fn create_client(
    server: &TestServer,
    token: &str,
    scopes: serde_json::Value,
) -> (String, String, String) {
    let created = server
        .post_json("/api/v1/oauth/clients", Some(token), &json!({"name": "ERP sync", "scopes": scopes}))
        .await;
    assert_eq!(created.status(), 201);
    let body = json(created).await;
    (
        body["data"]["client"]["id"].as_str().unwrap().to_owned(),
        body["data"]["client"]["client_id"].as_str().unwrap().to_owned(),
        body["data"]["client_secret"].as_str().unwrap().to_owned(),
    )
}

async fn form_token(
    server: &TestServer,
    client_id: &str,
    secret: &str,
    scope: Option<&str>,
) -> reqwest::Response {
    let mut form =
        vec![("grant_type", "client_credentials"), ("client_id", client_id), ("client_secret", secret)];
    if let Some(scope) = scope {
        form.push(("scope", scope));
    }
    server.client.post(server.url("/api/v1/oauth/token")).form(&form).send().await.unwrap()
}

async fn clients_get_scoped_tokens(backend: Backend) {
    let server = TestServer::start(backend).await;
    let seller = approved_seller(&server, "erpseller").await;
    let (_, client_id, secret) = create_client(&server, &seller, json!(["user:view", "product:view"])).await;

    let issued = form_token(&server, &client_id, &secret, None).await;
    assert_eq!(issued.status(), 200);
    assert_eq!(issued.headers()["cache-control"], "no-store");
    let body = json(issued).await;
    assert_eq!(body["token_type"], "Bearer");
    assert_eq!(body["expires_in"], 900);
    assert_eq!(body["scope"], "user:view product:view");
    let token = body["access_token"].as_str().unwrap();
    let me = json(server.get("/api/v1/users/me", Some(token)).await).await;
    assert_eq!(me["data"]["user"]["username"], "erpseller", "a client acts as its owner");

    let narrowed = json(form_token(&server, &client_id, &secret, Some("product:view")).await).await;
    let narrow_token = narrowed["access_token"].as_str().unwrap();
    expect_error(server.get("/api/v1/users/me", Some(narrow_token)).await, 403, "FORBIDDEN").await;

    let basic = server
        .client
        .post(server.url("/api/v1/oauth/token"))
        .basic_auth(&client_id, Some(&secret))
        .json(&json!({"grant_type": "client_credentials"}))
        .send()
        .await
        .unwrap();
    assert_eq!(basic.status(), 200, "credentials by HTTP Basic, body as JSON");

    let api_basic = server
        .client
        .get(server.url("/api/v1/users/me"))
        .basic_auth(&client_id, Some(&secret))
        .send()
        .await
        .unwrap();
    assert_eq!(api_basic.status(), 200, "API calls may authenticate with HTTP Basic");
}

async fn the_token_endpoint_refuses_bad_requests(backend: Backend) {
    let server = TestServer::start(backend).await;
    let seller = approved_seller(&server, "tokenseller").await;
    let (_, client_id, secret) = create_client(&server, &seller, json!(["product:view"])).await;
    expect_error(form_token(&server, &client_id, "wrong", None).await, 401, "UNAUTHENTICATED").await;
    expect_error(form_token(&server, "souk_nobody", &secret, None).await, 401, "UNAUTHENTICATED").await;
    let body = expect_error(
        form_token(&server, &client_id, &secret, Some("product:create")).await,
        422,
        "VALIDATION_FAILED",
    )
    .await;
    assert!(body["errors"]["scope"].is_array());
    let password_grant = server
        .client
        .post(server.url("/api/v1/oauth/token"))
        .form(&[
            ("grant_type", "password"),
            ("client_id", client_id.as_str()),
            ("client_secret", secret.as_str()),
        ])
        .send()
        .await
        .unwrap();
    let body = expect_error(password_grant, 422, "VALIDATION_FAILED").await;
    assert!(body["errors"]["grant_type"].is_array());
    let nothing = server
        .client
        .post(server.url("/api/v1/oauth/token"))
        .form(&[("grant_type", "client_credentials")])
        .send()
        .await
        .unwrap();
    expect_error(nothing, 422, "VALIDATION_FAILED").await;
    let text = server.client.post(server.url("/api/v1/oauth/token")).body("hello").send().await.unwrap();
    expect_error(text, 415, "UNSUPPORTED_MEDIA_TYPE").await;
}

async fn scopes_never_exceed_the_owner(backend: Backend) {
    let server = TestServer::start(backend).await;
    let seller = approved_seller(&server, "greedy").await;
    for scopes in [json!(["dispute:resolve"]), json!(["nothing:view"]), json!([]), json!(["product"])] {
        let body = expect_error(
            server
                .post_json("/api/v1/oauth/clients", Some(&seller), &json!({"name": "x", "scopes": scopes}))
                .await,
            422,
            "VALIDATION_FAILED",
        )
        .await;
        assert!(body["errors"]["scopes"].is_array(), "{body}");
    }
    let buyer = server.buyer_session("wannabe").await;
    expect_error(
        server
            .post_json(
                "/api/v1/oauth/clients",
                buyer["data"]["token"].as_str(),
                &json!({"name": "x", "scopes": ["product:view"]}),
            )
            .await,
        403,
        "FORBIDDEN",
    )
    .await;
    expect_error(
        server
            .post_json("/api/v1/oauth/clients", None, &json!({"name": "x", "scopes": ["product:view"]}))
            .await,
        401,
        "UNAUTHENTICATED",
    )
    .await;
}

async fn revocation_stops_tokens_at_once(backend: Backend) {
    let server = TestServer::start(backend).await;
    let seller = approved_seller(&server, "revoker").await;
    let (id, client_id, secret) = create_client(&server, &seller, json!(["user:view"])).await;
    let token = json(form_token(&server, &client_id, &secret, None).await).await["access_token"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(server.get("/api/v1/users/me", Some(&token)).await.status(), 200);

    let other = approved_seller(&server, "rival").await;
    expect_error(
        server
            .client
            .delete(server.url(&format!("/api/v1/oauth/clients/{id}")))
            .bearer_auth(&other)
            .send()
            .await
            .unwrap(),
        404,
        "NOT_FOUND",
    )
    .await;

    let revoked = server
        .client
        .delete(server.url(&format!("/api/v1/oauth/clients/{id}")))
        .bearer_auth(&seller)
        .send()
        .await
        .unwrap();
    assert_eq!(revoked.status(), 200);
    expect_error(server.get("/api/v1/users/me", Some(&token)).await, 401, "UNAUTHENTICATED").await;
    let basic = server
        .client
        .get(server.url("/api/v1/users/me"))
        .basic_auth(&client_id, Some(&secret))
        .send()
        .await
        .unwrap();
    expect_error(basic, 401, "UNAUTHENTICATED").await;
    expect_error(form_token(&server, &client_id, &secret, None).await, 401, "UNAUTHENTICATED").await;
}

async fn clients_are_listed_for_their_owner_and_admins(backend: Backend) {
    let server = TestServer::start(backend).await;
    let first = approved_seller(&server, "owner1").await;
    let second = approved_seller(&server, "owner2").await;
    create_client(&server, &first, json!(["product:view"])).await;
    create_client(&server, &second, json!(["product:view"])).await;
    let own = json(server.get("/api/v1/oauth/clients", Some(&first)).await).await;
    assert_eq!(own["data"]["pagination"]["total"], 1);
    assert!(
        own["data"]["clients"][0].get("client_secret").is_none()
            && own["data"]["clients"][0].get("secret_hash").is_none()
    );
    let (_, admin) = server.admin().await;
    assert_eq!(
        json(server.get("/api/v1/oauth/clients", Some(&admin)).await).await["data"]["pagination"]["total"],
        2
    );
    let buyer = server.buyer_session("lister").await;
    expect_error(
        server.get("/api/v1/oauth/clients", buyer["data"]["token"].as_str()).await,
        403,
        "FORBIDDEN",
    )
    .await;
}

on_both_backends!(
    clients_get_scoped_tokens,
    the_token_endpoint_refuses_bad_requests,
    scopes_never_exceed_the_owner,
    revocation_stops_tokens_at_once,
    clients_are_listed_for_their_owner_and_admins,
);
