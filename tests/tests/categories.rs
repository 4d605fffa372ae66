//! The category tree: creation at any depth, slugs, moves without cycles, deletion rules, reads.

use serde_json::json;
use souk_kernel::Role;
use souk_tests::{Backend, TestServer, expect_error, json, on_both_backends};

async fn create(server: &TestServer, token: &str, body: serde_json::Value) -> serde_json::Value {
    let response = server.post_json("/api/v1/categories", Some(token), &body).await;
    assert_eq!(response.status(), 201);
    json(response).await["data"]["category"].clone()
}

async fn patch(server: &TestServer, token: &str, id: &str, body: serde_json::Value) -> reqwest::Response {
    server
        .client
        .patch(server.url(&format!("/api/v1/categories/{id}")))
        .bearer_auth(token)
        .json(&body)
        .send()
        .await
        .unwrap()
}

async fn trees_of_any_depth_with_unique_slugs(backend: Backend) {
    let server = TestServer::start(backend).await;
    let (_, admin) = server.admin().await;
    let electronics = create(&server, &admin, json!({"name": "Electronics"})).await;
    let phones =
        create(&server, &admin, json!({"name": "Phones & Tablets", "parent_id": electronics["id"]})).await;
    let android = create(&server, &admin, json!({"name": "Android", "parent_id": phones["id"]})).await;
    let twin = create(&server, &admin, json!({"name": "Android"})).await;
    assert_eq!(phones["slug"], "phones-tablets");
    assert_eq!(android["depth"], 2);
    assert_eq!(android["path"], "electronics/phones-tablets/android");
    assert_eq!(twin["slug"], "android-2", "generated slugs count up");
    expect_error(
        server
            .post_json("/api/v1/categories", Some(&admin), &json!({"name": "Other", "slug": "android"}))
            .await,
        409,
        "CONFLICT",
    )
    .await;

    let tree = json(server.get("/api/v1/categories", None).await).await;
    let roots = tree["data"]["categories"].as_array().unwrap();
    assert_eq!(
        roots.iter().map(|r| r["name"].as_str().unwrap()).collect::<Vec<_>>(),
        ["Android", "Electronics"]
    );
    assert_eq!(roots[1]["children"][0]["children"][0]["name"], "Android");

    let flat = json(server.get("/api/v1/categories?flat=true&page_size=2&page=2", None).await).await;
    assert_eq!(flat["data"]["pagination"]["total"], 4);
    assert_eq!(flat["data"]["categories"][0]["name"], "Phones & Tablets", "depth-first order");
    assert_eq!(flat["data"]["categories"][0]["parent_id"], electronics["id"]);

    let one =
        json(server.get(&format!("/api/v1/categories/{}", android["id"].as_str().unwrap()), None).await)
            .await;
    assert_eq!(one["data"]["category"]["path"], "electronics/phones-tablets/android");
    expect_error(
        server.get(&format!("/api/v1/categories/{}", uuid::Uuid::now_v7()), None).await,
        404,
        "NOT_FOUND",
    )
    .await;
    expect_error(server.get("/api/v1/categories?flat=maybe", None).await, 422, "VALIDATION_FAILED").await;
}

async fn moves_never_make_cycles(backend: Backend) {
    let server = TestServer::start(backend).await;
    let (_, admin) = server.admin().await;
    let top = create(&server, &admin, json!({"name": "Top"})).await;
    let middle = create(&server, &admin, json!({"name": "Middle", "parent_id": top["id"]})).await;
    let bottom = create(&server, &admin, json!({"name": "Bottom", "parent_id": middle["id"]})).await;
    let top_id = top["id"].as_str().unwrap();
    for parent in [bottom["id"].clone(), top["id"].clone()] {
        let body = expect_error(
            patch(&server, &admin, top_id, json!({"parent_id": parent})).await,
            422,
            "VALIDATION_FAILED",
        )
        .await;
        assert!(body["errors"]["parent_id"].is_array(), "{body}");
    }
    let unknown = patch(&server, &admin, top_id, json!({"parent_id": uuid::Uuid::now_v7()})).await;
    expect_error(unknown, 422, "VALIDATION_FAILED").await;

    let moved = json(
        patch(
            &server,
            &admin,
            middle["id"].as_str().unwrap(),
            json!({"parent_id": null, "name": "Middle Root"}),
        )
        .await,
    )
    .await;
    assert_eq!(moved["data"]["category"]["depth"], 0);
    assert!(moved["data"]["category"]["parent_id"].is_null());
    let bottom_now =
        json(server.get(&format!("/api/v1/categories/{}", bottom["id"].as_str().unwrap()), None).await).await;
    assert_eq!(bottom_now["data"]["category"]["path"], "middle/bottom", "the subtree moved along");
    expect_error(
        patch(&server, &admin, top_id, json!({"slug": "Not A Slug"})).await,
        422,
        "VALIDATION_FAILED",
    )
    .await;
    expect_error(patch(&server, &admin, top_id, json!({"slug": "middle"})).await, 409, "CONFLICT").await;
}

async fn deleting_a_parent_needs_an_heir(backend: Backend) {
    let server = TestServer::start(backend).await;
    let (_, admin) = server.admin().await;
    let parent = create(&server, &admin, json!({"name": "Parent"})).await;
    let child = create(&server, &admin, json!({"name": "Child", "parent_id": parent["id"]})).await;
    let heir = create(&server, &admin, json!({"name": "Heir"})).await;
    let parent_id = parent["id"].as_str().unwrap();
    let delete = |query: String| {
        let server = &server;
        let admin = &admin;
        async move {
            server
                .client
                .delete(server.url(&format!("/api/v1/categories/{parent_id}{query}")))
                .bearer_auth(admin)
                .send()
                .await
                .unwrap()
        }
    };
    expect_error(delete(String::new()).await, 409, "CONFLICT").await;
    expect_error(
        delete(format!("?reassign_to={}", child["id"].as_str().unwrap())).await,
        422,
        "VALIDATION_FAILED",
    )
    .await;
    expect_error(delete("?reassign_to=nope".into()).await, 422, "VALIDATION_FAILED").await;
    assert_eq!(delete(format!("?reassign_to={}", heir["id"].as_str().unwrap())).await.status(), 200);
    let adopted =
        json(server.get(&format!("/api/v1/categories/{}", child["id"].as_str().unwrap()), None).await).await;
    assert_eq!(adopted["data"]["category"]["parent_id"], heir["id"]);
    expect_error(delete(String::new()).await, 404, "NOT_FOUND").await;
}

async fn only_admins_change_the_tree(backend: Backend) {
    let server = TestServer::start(backend).await;
    let seller = server.create_user(Role::Seller, "treeseller").await;
    let token = server.token_for(seller.id, Role::Seller);
    expect_error(
        server.post_json("/api/v1/categories", Some(&token), &json!({"name": "Mine"})).await,
        403,
        "FORBIDDEN",
    )
    .await;
    expect_error(
        server.post_json("/api/v1/categories", None, &json!({"name": "Mine"})).await,
        401,
        "UNAUTHENTICATED",
    )
    .await;
    let (_, admin) = server.admin().await;
    let category = create(&server, &admin, json!({"name": "Shared"})).await;
    let id = category["id"].as_str().unwrap();
    expect_error(patch(&server, &token, id, json!({"name": "Taken over"})).await, 403, "FORBIDDEN").await;
    let delete = server
        .client
        .delete(server.url(&format!("/api/v1/categories/{id}")))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    expect_error(delete, 403, "FORBIDDEN").await;
    let body = expect_error(
        server.post_json("/api/v1/categories", Some(&admin), &json!({"name": ""})).await,
        422,
        "VALIDATION_FAILED",
    )
    .await;
    assert!(body["errors"]["name"].is_array());
}

on_both_backends!(
    trees_of_any_depth_with_unique_slugs,
    moves_never_make_cycles,
    deleting_a_parent_needs_an_heir,
    only_admins_change_the_tree,
);
