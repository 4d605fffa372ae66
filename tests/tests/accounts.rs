//! Section 2 of the contract: registration, e-mail codes, sessions, users, profiles, approval,
//! metafields and the permission catalogue.

use serde_json::json;
use souk_kernel::Role;
use souk_tests::{Backend, Options, TestServer, expect_error, json, latest_otp, on_both_backends};

const PASSWORD: &str = "correct horse battery";

fn buyer_form(username: &str) -> serde_json::Value {
    json!({
        "role": "buyer", "email": format!("{username}@souk.example"), "username": username,
        "password": PASSWORD, "first_name": "Selam", "last_name": "Haile"
    })
}

async fn login(server: &TestServer, username: &str, password: &str) -> reqwest::Response {
    server.post_json("/api/v1/auth/login", None, &json!({"username": username, "password": password})).await
}

async fn a_buyer_registers_verifies_and_signs_in(backend: Backend) {
    let server = TestServer::start(backend).await;
    let created = server.post_json("/api/v1/auth/register", None, &buyer_form("selam")).await;
    assert_eq!(created.status(), 201);
    let user = json(created).await["data"]["user"].clone();
    assert_eq!(user["status"], "pending_verification");
    assert_eq!(user["role"], "buyer");
    assert_eq!(user["email_verified"], false);
    assert!(user.get("password").is_none() && user.get("password_hash").is_none());

    expect_error(login(&server, "selam", PASSWORD).await, 403, "EMAIL_NOT_VERIFIED").await;

    let code = latest_otp(server.data_dir(), "selam@souk.example");
    let verified = json(
        server
            .post_json(
                "/api/v1/auth/verify-email",
                None,
                &json!({"email": "selam@souk.example", "otp": code}),
            )
            .await,
    )
    .await;
    assert_eq!(verified["data"]["user"]["status"], "active");
    assert_eq!(verified["data"]["token_type"], "Bearer");
    let token = verified["data"]["token"].as_str().unwrap();
    let me = json(server.get("/api/v1/users/me", Some(token)).await).await;
    assert_eq!(me["data"]["user"]["username"], "selam");

    for login_name in ["selam", "SELAM@souk.example"] {
        let session = json(login(&server, login_name, PASSWORD).await).await;
        assert_eq!(session["data"]["expires_in"], 900);
        assert_eq!(session["data"]["user"]["email"], "selam@souk.example");
        assert!(session["data"]["refresh_token"].as_str().is_some());
    }

    let wrong = expect_error(login(&server, "selam", "not the password").await, 401, "UNAUTHENTICATED").await;
    let unknown =
        expect_error(login(&server, "nobody", "not the password").await, 401, "UNAUTHENTICATED").await;
    assert_eq!(wrong["message"], unknown["message"], "unknown users and wrong passwords look the same");

    expect_error(
        server
            .post_json(
                "/api/v1/auth/verify-email",
                None,
                &json!({"email": "selam@souk.example", "otp": "000000"}),
            )
            .await,
        409,
        "CONFLICT",
    )
    .await;
    let again = json(
        server.post_json("/api/v1/auth/otp/resend", None, &json!({"email": "selam@souk.example"})).await,
    )
    .await;
    assert_eq!(again["data"]["message"], "this e-mail address is already verified");
}

async fn registration_refuses_bad_and_duplicate_input(backend: Backend) {
    let server = TestServer::start(backend).await;
    assert_eq!(server.post_json("/api/v1/auth/register", None, &buyer_form("dawit")).await.status(), 201);
    let mut same_email = buyer_form("dawit2");
    same_email["email"] = json!("DAWIT@souk.example");
    expect_error(server.post_json("/api/v1/auth/register", None, &same_email).await, 409, "CONFLICT").await;
    let mut same_username = buyer_form("dawit");
    same_username["email"] = json!("other@souk.example");
    expect_error(server.post_json("/api/v1/auth/register", None, &same_username).await, 409, "CONFLICT")
        .await;

    let mut admin = buyer_form("sneaky");
    admin["role"] = json!("admin");
    let body =
        expect_error(server.post_json("/api/v1/auth/register", None, &admin).await, 422, "VALIDATION_FAILED")
            .await;
    assert!(body["errors"]["role"].is_array());

    let mut weak = buyer_form("weakling");
    weak["password"] = json!("weakling");
    let body =
        expect_error(server.post_json("/api/v1/auth/register", None, &weak).await, 422, "VALIDATION_FAILED")
            .await;
    assert!(body["errors"]["password"].is_array(), "{body}");

    let mut extra = buyer_form("extra");
    extra["approved"] = json!(true);
    expect_error(server.post_json("/api/v1/auth/register", None, &extra).await, 422, "VALIDATION_FAILED")
        .await;

    let seller = json!({"role": "seller", "email": "s@souk.example", "username": "shop", "password": PASSWORD, "first_name": "A", "last_name": "B"});
    let body = expect_error(
        server.post_json("/api/v1/auth/register", None, &seller).await,
        422,
        "VALIDATION_FAILED",
    )
    .await;
    for field in ["address", "license", "profile_pic"] {
        assert!(body["errors"][field].is_array(), "{field}: {body}");
    }
    let text =
        server.client.post(server.url("/api/v1/auth/register")).body("role=buyer").send().await.unwrap();
    expect_error(text, 415, "UNSUPPORTED_MEDIA_TYPE").await;
}

async fn wrong_codes_lock_after_five_tries(backend: Backend) {
    let server = TestServer::start(backend).await;
    server.post_json("/api/v1/auth/register", None, &buyer_form("brute")).await;
    let code = latest_otp(server.data_dir(), "brute@souk.example");
    let wrong = if code == "111111" { "222222" } else { "111111" };
    let verify = |otp: String| {
        let server = &server;
        async move {
            server
                .post_json(
                    "/api/v1/auth/verify-email",
                    None,
                    &json!({"email": "brute@souk.example", "otp": otp}),
                )
                .await
        }
    };
    for remaining in (0..5).rev() {
        let body = expect_error(verify(wrong.to_owned()).await, 422, "VALIDATION_FAILED").await;
        assert_eq!(body["errors"]["otp"][0], format!("is not correct; {remaining} tries left"));
    }
    expect_error(verify(code.clone()).await, 429, "RATE_LIMITED").await;

    assert_eq!(
        server
            .post_json("/api/v1/auth/otp/resend", None, &json!({"email": "brute@souk.example"}))
            .await
            .status(),
        200
    );
    let fresh = latest_otp(server.data_dir(), "brute@souk.example");
    if fresh != code {
        expect_error(verify(code).await, 422, "VALIDATION_FAILED").await;
    }
    assert_eq!(verify(fresh).await.status(), 200, "a new code unlocks verification");
    expect_error(
        server.post_json("/api/v1/auth/otp/resend", None, &json!({"email": "ghost@souk.example"})).await,
        404,
        "NOT_FOUND",
    )
    .await;
}

fn png() -> Vec<u8> {
    let mut bytes = b"\x89PNG\r\n\x1a\n".to_vec();
    bytes.extend_from_slice(&[0u8; 64]);
    bytes
}

fn seller_form(username: &str, license: Vec<u8>) -> reqwest::multipart::Form {
    reqwest::multipart::Form::new()
        .text("role", "seller")
        .text("email", format!("{username}@souk.example"))
        .text("username", username.to_owned())
        .text("password", PASSWORD)
        .text("first_name", "Meron")
        .text("last_name", "Alemu")
        .text("store_name", "Meron's Lamps")
        .text("address", "Piassa 4, Addis Ababa")
        .part("license", reqwest::multipart::Part::bytes(license).file_name("license.png"))
        .part("profile_pic", reqwest::multipart::Part::bytes(png()).file_name("me.png"))
}

async fn sellers_register_by_form_and_wait_for_approval(backend: Backend) {
    let server = TestServer::start(backend).await;
    let disguised = b"MZ this is not an image".to_vec();
    let refused = server
        .client
        .post(server.url("/api/v1/auth/register"))
        .multipart(seller_form("meron", disguised))
        .send()
        .await
        .unwrap();
    let body = expect_error(refused, 422, "VALIDATION_FAILED").await;
    assert!(body["errors"]["license"].is_array(), "{body}");
    assert!(
        !server.data_dir().join("files").exists()
            || std::fs::read_dir(server.data_dir().join("files/users")).map_or(0, |d| d.count()) == 0
    );

    let created = server
        .client
        .post(server.url("/api/v1/auth/register"))
        .multipart(seller_form("meron", b"%PDF-1.7 licence".to_vec()))
        .send()
        .await
        .unwrap();
    assert_eq!(created.status(), 201, "nothing of the refused attempt was kept");
    let seller_id = json(created).await["data"]["user"]["id"].as_str().unwrap().to_owned();

    let code = latest_otp(server.data_dir(), "meron@souk.example");
    let verified = json(
        server
            .post_json(
                "/api/v1/auth/verify-email",
                None,
                &json!({"email": "meron@souk.example", "otp": code}),
            )
            .await,
    )
    .await;
    assert!(verified["data"]["token"].is_null(), "no token before approval: {verified}");
    expect_error(login(&server, "meron", PASSWORD).await, 403, "SELLER_NOT_APPROVED").await;

    let (_, admin) = server.admin().await;
    let pending = json(server.get("/api/v1/sellers?approval_status=pending", Some(&admin)).await).await;
    assert_eq!(pending["data"]["sellers"][0]["id"], seller_id);
    assert_eq!(pending["data"]["sellers"][0]["store_name"], "Meron's Lamps");
    assert!(pending["data"]["sellers"][0]["license_file_id"].as_str().is_some());

    let approved = json(
        server
            .post_json(&format!("/api/v1/admin/sellers/{seller_id}/approve"), Some(&admin), &json!({}))
            .await,
    )
    .await;
    assert_eq!(approved["data"]["seller"]["approval_status"], "approved");
    let body = expect_error(
        server
            .post_json(&format!("/api/v1/admin/sellers/{seller_id}/reject"), Some(&admin), &json!({}))
            .await,
        409,
        "INVALID_TRANSITION",
    )
    .await;
    assert!(body["message"].as_str().unwrap().contains("approved"));
    let session = json(login(&server, "meron", PASSWORD).await).await;
    let token = session["data"]["token"].as_str().unwrap();

    let buyer = server.buyer_session("curious").await;
    let buyer_token = buyer["data"]["token"].as_str().unwrap();
    assert_eq!(server.get(&format!("/api/v1/sellers/{seller_id}"), Some(buyer_token)).await.status(), 200);
    expect_error(server.get(&format!("/api/v1/sellers/{seller_id}"), None).await, 401, "UNAUTHENTICATED")
        .await;
    expect_error(
        server
            .post_json(&format!("/api/v1/admin/sellers/{seller_id}/approve"), Some(buyer_token), &json!({}))
            .await,
        403,
        "FORBIDDEN",
    )
    .await;

    let self_approval = server
        .client
        .patch(server.url(&format!("/api/v1/sellers/{seller_id}")))
        .bearer_auth(token)
        .json(&json!({"approved": false}))
        .send()
        .await
        .unwrap();
    expect_error(self_approval, 403, "FORBIDDEN").await;
    let renamed = server
        .client
        .patch(server.url(&format!("/api/v1/sellers/{seller_id}")))
        .bearer_auth(token)
        .json(&json!({"store_name": "Meron Light"}))
        .send()
        .await
        .unwrap();
    assert_eq!(json(renamed).await["data"]["seller"]["store_name"], "Meron Light");
    let foreign = server
        .client
        .patch(server.url(&format!("/api/v1/sellers/{seller_id}")))
        .bearer_auth(buyer_token)
        .json(&json!({"store_name": "Mine"}))
        .send()
        .await
        .unwrap();
    expect_error(foreign, 403, "FORBIDDEN").await;
    expect_error(server.get("/api/v1/sellers", Some(buyer_token)).await, 403, "FORBIDDEN").await;
}

async fn refresh_tokens_rotate_and_reuse_revokes_the_family(backend: Backend) {
    let server = TestServer::start(backend).await;
    let first = server.buyer_session("rotor").await;
    let refresh = |token: String| {
        let server = &server;
        async move { server.post_json("/api/v1/auth/refresh", None, &json!({"refresh_token": token})).await }
    };
    let original = first["data"]["refresh_token"].as_str().unwrap().to_owned();
    let second = json(refresh(original.clone()).await).await;
    let rotated = second["data"]["refresh_token"].as_str().unwrap().to_owned();
    assert_ne!(rotated, original);
    assert!(second["data"]["token"].as_str().is_some());

    expect_error(refresh(original).await, 401, "UNAUTHENTICATED").await;
    expect_error(refresh(rotated).await, 401, "UNAUTHENTICATED").await;
    expect_error(refresh("made-up".into()).await, 401, "UNAUTHENTICATED").await;

    let session = json(login(&server, "rotor", PASSWORD).await).await;
    let token = session["data"]["token"].as_str().unwrap();
    let current = session["data"]["refresh_token"].as_str().unwrap().to_owned();
    let other = server.buyer_session("bystander").await;
    let foreign = server
        .post_json(
            "/api/v1/auth/logout",
            Some(other["data"]["token"].as_str().unwrap()),
            &json!({"refresh_token": current}),
        )
        .await;
    expect_error(foreign, 404, "NOT_FOUND").await;
    assert_eq!(
        server
            .post_json("/api/v1/auth/logout", Some(token), &json!({"refresh_token": current}))
            .await
            .status(),
        200
    );
    expect_error(refresh(current.clone()).await, 401, "UNAUTHENTICATED").await;
    expect_error(
        server.post_json("/api/v1/auth/logout", None, &json!({"refresh_token": current})).await,
        401,
        "UNAUTHENTICATED",
    )
    .await;
}

async fn nobody_raises_their_own_rights(backend: Backend) {
    let server = TestServer::start(backend).await;
    let session = server.buyer_session("climber").await;
    let token = session["data"]["token"].as_str().unwrap();
    let id = session["data"]["user"]["id"].as_str().unwrap();
    let patch = |token: &str, body: serde_json::Value, target: &str| {
        server
            .client
            .patch(server.url(&format!("/api/v1/users/{target}")))
            .bearer_auth(token.to_owned())
            .json(&body)
            .send()
    };
    expect_error(patch(token, json!({"role": "admin"}), id).await.unwrap(), 403, "FORBIDDEN").await;
    expect_error(
        patch(token, json!({"status": "active", "first_name": "X"}), id).await.unwrap(),
        403,
        "FORBIDDEN",
    )
    .await;
    let me = json(server.get("/api/v1/users/me", Some(token)).await).await;
    assert_eq!(me["data"]["user"]["role"], "buyer", "role unchanged");
    assert_eq!(me["data"]["user"]["first_name"], "Test", "nothing half-applied");

    let renamed =
        json(patch(token, json!({"first_name": "Climber", "phone": "+251 911 123456"}), id).await.unwrap())
            .await;
    assert_eq!(renamed["data"]["user"]["first_name"], "Climber");
    let cleared = json(patch(token, json!({"phone": null}), id).await.unwrap()).await;
    assert!(cleared["data"]["user"]["phone"].is_null());
    let body =
        expect_error(patch(token, json!({"phone": "call me"}), id).await.unwrap(), 422, "VALIDATION_FAILED")
            .await;
    assert!(body["errors"]["phone"].is_array());

    let other = server.buyer_session("neighbour").await;
    let other_id = other["data"]["user"]["id"].as_str().unwrap();
    expect_error(patch(token, json!({"first_name": "Pwned"}), other_id).await.unwrap(), 404, "NOT_FOUND")
        .await;
    expect_error(server.get(&format!("/api/v1/buyers/{other_id}"), Some(token)).await, 404, "NOT_FOUND")
        .await;
    assert_eq!(server.get(&format!("/api/v1/buyers/{id}"), Some(token)).await.status(), 200);

    let (_, admin) = server.admin().await;
    let other_token = other["data"]["token"].as_str().unwrap();
    assert_eq!(server.get("/api/v1/users/me", Some(other_token)).await.status(), 200);
    let suspended = json(patch(&admin, json!({"status": "suspended"}), other_id).await.unwrap()).await;
    assert_eq!(suspended["data"]["user"]["status"], "suspended");
    expect_error(login(&server, "neighbour", PASSWORD).await, 403, "FORBIDDEN").await;
    expect_error(server.get("/api/v1/users/me", Some(other_token)).await, 401, "UNAUTHENTICATED").await;

    let (second_admin, second_token) = server.admin().await;
    assert_eq!(server.get("/api/v1/buyers", Some(&second_token)).await.status(), 200);
    patch(&admin, json!({"role": "buyer"}), &second_admin.id.to_string()).await.unwrap();
    expect_error(server.get("/api/v1/buyers", Some(&second_token)).await, 403, "FORBIDDEN").await;
    let buyers = json(server.get("/api/v1/buyers", Some(&admin)).await).await;
    assert_eq!(buyers["data"]["pagination"]["total"], 3, "two buyers and the demoted admin");
    expect_error(server.get("/api/v1/buyers", Some(token)).await, 403, "FORBIDDEN").await;
}

async fn accounts_can_be_deleted_by_themselves_or_admins(backend: Backend) {
    let server = TestServer::start(backend).await;
    let session = server.buyer_session("leaver").await;
    let token = session["data"]["token"].as_str().unwrap();
    let id = session["data"]["user"]["id"].as_str().unwrap();
    let other = server.buyer_session("stayer").await;
    let other_id = other["data"]["user"]["id"].as_str().unwrap();
    expect_error(
        server
            .client
            .delete(server.url(&format!("/api/v1/users/{other_id}")))
            .bearer_auth(token)
            .send()
            .await
            .unwrap(),
        404,
        "NOT_FOUND",
    )
    .await;
    let deleted = server
        .client
        .delete(server.url(&format!("/api/v1/users/{id}")))
        .bearer_auth(token)
        .send()
        .await
        .unwrap();
    assert_eq!(deleted.status(), 200);
    expect_error(server.get("/api/v1/users/me", Some(token)).await, 401, "UNAUTHENTICATED").await;
    expect_error(login(&server, "leaver", PASSWORD).await, 401, "UNAUTHENTICATED").await;
    let refresh = server
        .post_json("/api/v1/auth/refresh", None, &json!({"refresh_token": session["data"]["refresh_token"]}))
        .await;
    expect_error(refresh, 401, "UNAUTHENTICATED").await;
    let (_, admin) = server.admin().await;
    assert_eq!(
        server
            .client
            .delete(server.url(&format!("/api/v1/users/{other_id}")))
            .bearer_auth(&admin)
            .send()
            .await
            .unwrap()
            .status(),
        200
    );
}

async fn metafields_upsert_by_namespace_and_key(backend: Backend) {
    let server = TestServer::start(backend).await;
    let session = server.buyer_session("tagged").await;
    let token = session["data"]["token"].as_str().unwrap();
    let id = session["data"]["user"]["id"].as_str().unwrap();
    let path = format!("/api/v1/users/{id}/metafields");
    let first = json(
        server
            .post_json(&path, Some(token), &json!({"namespace": "erp", "key": "code", "value": {"n": 1}}))
            .await,
    )
    .await;
    let second = json(
        server
            .post_json(&path, Some(token), &json!({"namespace": "erp", "key": "code", "value": [1, 2]}))
            .await,
    )
    .await;
    assert_eq!(first["data"]["metafield"]["id"], second["data"]["metafield"]["id"], "same key, same row");
    server.post_json(&path, Some(token), &json!({"namespace": "crm", "key": "tier", "value": "gold"})).await;
    let listed = json(server.get(&path, Some(token)).await).await;
    assert_eq!(listed["data"]["metafields"].as_array().unwrap().len(), 2);
    assert_eq!(listed["data"]["metafields"][1]["value"], json!([1, 2]));
    let body = expect_error(
        server.post_json(&path, Some(token), &json!({"namespace": "Bad NS", "key": "", "value": 1})).await,
        422,
        "VALIDATION_FAILED",
    )
    .await;
    assert!(body["errors"]["namespace"].is_array() && body["errors"]["key"].is_array());
    let other = server.buyer_session("snoop").await;
    expect_error(server.get(&path, other["data"]["token"].as_str()).await, 404, "NOT_FOUND").await;
}

async fn the_permission_catalogue_is_public(backend: Backend) {
    let server = TestServer::start(backend).await;
    let body = json(server.get("/api/v1/permissions", None).await).await;
    assert_eq!(body["data"]["permissions"]["product"], json!(["view", "create", "update", "delete"]));
    for subject in [
        "payment",
        "escrow",
        "dispute",
        "webhook",
        "event",
        "store",
        "category",
        "collection",
        "coupon",
        "return",
    ] {
        assert!(body["data"]["permissions"][subject].is_array(), "{subject}");
    }
    assert!(body["data"]["roles"]["buyer"].as_array().unwrap().contains(&json!("order:create")));
}

async fn auth_endpoints_have_a_stricter_limit(backend: Backend) {
    let options = Options { rate_limits: "auth=3/m".into(), ..Options::default() };
    let server = TestServer::start_with(backend, options).await;
    for _ in 0..3 {
        expect_error(login(&server, "target", "guess").await, 401, "UNAUTHENTICATED").await;
    }
    let refused = login(&server, "target", "guess").await;
    assert!(refused.headers().get("retry-after").is_some());
    expect_error(refused, 429, "RATE_LIMITED").await;
    expect_error(login(&server, "someone-else", "guess").await, 401, "UNAUTHENTICATED").await;
}

async fn the_bootstrap_admin_can_sign_in(backend: Backend) {
    let mut options = Options::default();
    options.env.insert("SOUK_ADMIN_EMAIL".into(), "root@souk.example".into());
    options.env.insert("SOUK_ADMIN_PASSWORD".into(), "bootstrap password 1".into());
    let server = TestServer::start_with(backend, options).await;
    let session = json(login(&server, "root@souk.example", "bootstrap password 1").await).await;
    assert_eq!(session["data"]["user"]["role"], "admin");
    let token = session["data"]["token"].as_str().unwrap();
    assert_eq!(server.get("/api/v1/users", Some(token)).await.status(), 200);
    let _ = Role::Admin;
}

on_both_backends!(
    a_buyer_registers_verifies_and_signs_in,
    registration_refuses_bad_and_duplicate_input,
    wrong_codes_lock_after_five_tries,
    sellers_register_by_form_and_wait_for_approval,
    refresh_tokens_rotate_and_reuse_revokes_the_family,
    nobody_raises_their_own_rights,
    accounts_can_be_deleted_by_themselves_or_admins,
    metafields_upsert_by_namespace_and_key,
    the_permission_catalogue_is_public,
    auth_endpoints_have_a_stricter_limit,
    the_bootstrap_admin_can_sign_in,
);
