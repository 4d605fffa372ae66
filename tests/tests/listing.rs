//! Pagination, sorting, multi-value and time filters, and object-level authorization, on the
//! user list and reads.

use souk_kernel::Role;
use souk_tests::{Backend, TestServer, expect_error, json, on_both_backends};

async fn seeded(backend: Backend) -> (TestServer, String) {
    let server = TestServer::start(backend).await;
    let (_, token) = server.admin().await;
    for (index, role) in
        [Role::Seller, Role::Buyer, Role::Buyer, Role::Seller, Role::Buyer].into_iter().enumerate()
    {
        server.create_user(role, &format!("member{index}")).await;
    }
    (server, token)
}

fn usernames(body: &serde_json::Value) -> Vec<String> {
    body["data"]["users"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["username"].as_str().unwrap().to_owned())
        .collect()
}

async fn pages_carry_their_position(backend: Backend) {
    let (server, token) = seeded(backend).await;
    let body = json(
        server
            .get("/api/v1/users?page_size=2&page=2&order_by=username&order_direction=asc", Some(&token))
            .await,
    )
    .await;
    assert_eq!(
        body["data"]["pagination"],
        serde_json::json!({"total": 6, "per_page": 2, "current_page": 2, "last_page": 3})
    );
    assert_eq!(usernames(&body), ["member1", "member2"], "admin… sorts first");

    let beyond = json(server.get("/api/v1/users?page=9", Some(&token)).await).await;
    assert_eq!(beyond["data"]["users"], serde_json::json!([]));
    assert_eq!(beyond["data"]["pagination"]["last_page"], 1);

    let defaults = json(server.get("/api/v1/users", Some(&token)).await).await;
    assert_eq!(defaults["data"]["pagination"]["per_page"], 20);
    assert_eq!(defaults["data"]["pagination"]["current_page"], 1);
    let user = &defaults["data"]["users"][0];
    assert!(user.get("password_hash").is_none(), "hashes never leave: {user}");
    assert_eq!(user["email_verified"], true);
}

async fn page_parameters_out_of_range_are_422(backend: Backend) {
    let (server, token) = seeded(backend).await;
    for (query, field) in [
        ("page=0", "page"),
        ("page=-1", "page"),
        ("page=abc", "page"),
        ("page_size=0", "page_size"),
        ("page_size=201", "page_size"),
        ("order_by=password_hash", "order_by"),
        ("order_direction=sideways", "order_direction"),
        ("role=root", "role"),
        ("status=gone", "status"),
        ("from=yesterday", "from"),
        ("from=2026-02-01&to=2026-01-01", "to"),
    ] {
        let body = expect_error(
            server.get(&format!("/api/v1/users?{query}"), Some(&token)).await,
            422,
            "VALIDATION_FAILED",
        )
        .await;
        assert!(body["errors"][field].is_array(), "{query}: {body}");
    }
    assert_eq!(server.get("/api/v1/users?page_size=200", Some(&token)).await.status(), 200);
}

async fn sorting_in_both_directions(backend: Backend) {
    let (server, token) = seeded(backend).await;
    let ascending = usernames(
        &json(server.get("/api/v1/users?order_by=username&order_direction=ASC", Some(&token)).await).await,
    );
    let mut sorted = ascending.clone();
    sorted.sort();
    assert_eq!(ascending, sorted);
    let descending = usernames(
        &json(server.get("/api/v1/users?order_by=username&order_direction=desc", Some(&token)).await).await,
    );
    assert_eq!(descending, ascending.iter().rev().cloned().collect::<Vec<_>>());
    let newest_first = usernames(&json(server.get("/api/v1/users", Some(&token)).await).await);
    assert_eq!(newest_first[0], "member4", "default: created_at DESC");
}

async fn multi_value_filters_and_search(backend: Backend) {
    let (server, token) = seeded(backend).await;
    let total = |body: serde_json::Value| body["data"]["pagination"]["total"].as_u64().unwrap();
    assert_eq!(total(json(server.get("/api/v1/users?role=buyer", Some(&token)).await).await), 3);
    assert_eq!(total(json(server.get("/api/v1/users?role=buyer,seller", Some(&token)).await).await), 5);
    assert_eq!(total(json(server.get("/api/v1/users?role=buyer&role=admin", Some(&token)).await).await), 4);
    assert_eq!(
        total(json(server.get("/api/v1/users?status=active&role=seller", Some(&token)).await).await),
        2
    );
    assert_eq!(total(json(server.get("/api/v1/users?status=suspended", Some(&token)).await).await), 0);
    let found = json(server.get("/api/v1/users?search=MEMBER3", Some(&token)).await).await;
    assert_eq!(usernames(&found), ["member3"], "search is case-insensitive");
    assert_eq!(
        total(json(server.get("/api/v1/users?search=%25", Some(&token)).await).await),
        0,
        "wildcards are literal"
    );
    assert_eq!(total(json(server.get("/api/v1/users?search=_", Some(&token)).await).await), 0);
}

async fn time_filters_accept_three_forms(backend: Backend) {
    let (server, token) = seeded(backend).await;
    let total = |body: serde_json::Value| body["data"]["pagination"]["total"].as_u64().unwrap();
    let today = chrono::Utc::now().date_naive().to_string();
    let tomorrow = (chrono::Utc::now() + chrono::Duration::days(1)).date_naive().to_string();
    let hour_ago = (chrono::Utc::now() - chrono::Duration::hours(1)).timestamp();
    let rfc_future = (chrono::Utc::now() + chrono::Duration::hours(1)).to_rfc3339();
    let query = |q: String| {
        let server = &server;
        let token = &token;
        async move { total(json(server.get(&format!("/api/v1/users?{q}"), Some(token)).await).await) }
    };
    assert_eq!(query(format!("from={today}&to={today}")).await, 6, "a bare `to` date includes the whole day");
    assert_eq!(query(format!("from={tomorrow}")).await, 0);
    assert_eq!(query(format!("from={hour_ago}")).await, 6);
    assert_eq!(query(format!("to={hour_ago}")).await, 0);
    assert_eq!(query(format!("from={}", rfc_future.replace('+', "%2B"))).await, 0);
    assert_eq!(query(format!("updated_from={today}")).await, 6);
}

async fn only_admins_list_users(backend: Backend) {
    let (server, _) = seeded(backend).await;
    let buyer = server.create_user(Role::Buyer, "shopper").await;
    let token = server.token_for(buyer.id, Role::Buyer);
    expect_error(server.get("/api/v1/users", Some(&token)).await, 403, "FORBIDDEN").await;
    expect_error(server.get("/api/v1/users", None).await, 401, "UNAUTHENTICATED").await;
}

async fn users_see_themselves_and_nobody_else(backend: Backend) {
    let (server, admin_token) = seeded(backend).await;
    let alice = server.create_user(Role::Buyer, "alice").await;
    let bob = server.create_user(Role::Seller, "bob").await;
    let alice_token = server.token_for(alice.id, Role::Buyer);

    let me = json(server.get("/api/v1/users/me", Some(&alice_token)).await).await;
    assert_eq!(me["data"]["user"]["id"], alice.id.to_string());
    assert_eq!(me["data"]["user"]["role"], "buyer");
    let own = json(server.get(&format!("/api/v1/users/{}", alice.id), Some(&alice_token)).await).await;
    assert_eq!(own["data"]["user"]["email"], "alice@souk.example");

    let other = server.get(&format!("/api/v1/users/{}", bob.id), Some(&alice_token)).await;
    let missing = server.get(&format!("/api/v1/users/{}", uuid::Uuid::now_v7()), Some(&alice_token)).await;
    let other = expect_error(other, 404, "NOT_FOUND").await;
    let missing = expect_error(missing, 404, "NOT_FOUND").await;
    assert_eq!(
        other["message"], missing["message"],
        "another user's account looks exactly like a missing one"
    );

    let seen_by_admin =
        json(server.get(&format!("/api/v1/users/{}", bob.id), Some(&admin_token)).await).await;
    assert_eq!(seen_by_admin["data"]["user"]["username"], "bob");
    expect_error(server.get("/api/v1/users/not-a-uuid", Some(&admin_token)).await, 404, "NOT_FOUND").await;
    expect_error(server.get("/api/v1/users/me", None).await, 401, "UNAUTHENTICATED").await;

    let ghost = server.token_for(souk_kernel::UserId::new(), Role::Buyer);
    expect_error(server.get("/api/v1/users/me", Some(&ghost)).await, 401, "UNAUTHENTICATED").await;
}

on_both_backends!(
    pages_carry_their_position,
    page_parameters_out_of_range_are_422,
    sorting_in_both_directions,
    multi_value_filters_and_search,
    time_filters_accept_three_forms,
    only_admins_list_users,
    users_see_themselves_and_nobody_else,
);
