//! Collections: the public tree with metadata and product counts, admin writes, moves without
//! cycles, deletion rules, and ordered product membership.

use reqwest::Method;
use serde_json::json;
use souk_kernel::Role;
use souk_tests::catalog::{Listing, insert_product, send_json};
use souk_tests::{Backend, TestServer, expect_error, json, on_both_backends};

async fn create(server: &TestServer, token: &str, body: serde_json::Value) -> serde_json::Value {
    let response = server.post_json("/api/v1/collections", Some(token), &body).await;
    assert_eq!(response.status(), 201);
    json(response).await["data"]["collection"].clone()
}

async fn patch(server: &TestServer, token: &str, handle: &str, body: serde_json::Value) -> reqwest::Response {
    send_json(server, Method::PATCH, &format!("/api/v1/collections/{handle}"), Some(token), Some(&body)).await
}

async fn put_products(
    server: &TestServer,
    token: &str,
    handle: &str,
    ids: serde_json::Value,
) -> reqwest::Response {
    let body = json!({ "product_ids": ids });
    send_json(
        server,
        Method::PUT,
        &format!("/api/v1/collections/{handle}/products"),
        Some(token),
        Some(&body),
    )
    .await
}

async fn delete(server: &TestServer, token: Option<&str>, handle: &str) -> reqwest::Response {
    send_json(server, Method::DELETE, &format!("/api/v1/collections/{handle}"), token, None).await
}

async fn trees_carry_metadata_and_counts(backend: Backend) {
    let server = TestServer::start(backend).await;
    let (_, admin) = server.admin().await;
    let summer = create(
        &server,
        &admin,
        json!({"handle": "summer", "title": "Summer", "metadata": {"banner": {"color": "red"}, "rank": 1}}),
    )
    .await;
    assert_eq!(summer["metadata"], json!({"banner": {"color": "red"}, "rank": 1}));
    assert!(summer["parent_handle"].is_null());
    let beach =
        create(&server, &admin, json!({"handle": "beach", "title": "Beach", "parent_handle": "summer"}))
            .await;
    assert_eq!(beach["parent_handle"], "summer");
    assert_eq!(beach["metadata"], json!({}), "metadata is always an object");
    create(&server, &admin, json!({"handle": "towels", "title": "Towels", "parent_handle": "beach"})).await;
    create(&server, &admin, json!({"handle": "autumn", "title": "Autumn"})).await;

    let tree = json(server.get("/api/v1/collections", None).await).await;
    let roots = tree["data"]["collections"].as_array().unwrap();
    let handles: Vec<&str> = roots.iter().map(|r| r["handle"].as_str().unwrap()).collect();
    assert_eq!(handles, ["autumn", "summer"], "roots by title");
    assert_eq!(roots[1]["children"][0]["handle"], "beach");
    assert_eq!(roots[1]["children"][0]["children"][0]["handle"], "towels");
    assert_eq!(roots[1]["metadata"]["banner"]["color"], "red");
    assert!(tree["data"].get("pagination").is_none());

    let one = json(server.get("/api/v1/collections/beach", None).await).await;
    assert_eq!(one["data"]["collection"]["children"][0]["handle"], "towels");
    expect_error(server.get("/api/v1/collections/nothing", None).await, 404, "NOT_FOUND").await;

    let seller = server.create_user(Role::Seller, "collseller").await;
    let listed = insert_product(&server, seller.id, "Lamp", Listing::Listed).await;
    let draft = insert_product(&server, seller.id, "Chair", Listing::Draft).await;
    let deleted = insert_product(&server, seller.id, "Gone", Listing::Deleted).await;
    let set = put_products(&server, &admin, "beach", json!([draft, listed, draft])).await;
    assert_eq!(set.status(), 200);
    let set = json(set).await;
    assert_eq!(set["data"]["product_ids"], json!([draft, listed]), "order kept, duplicates collapsed");
    assert_eq!(set["data"]["collection"]["product_count"], 2, "admins count every member");
    let public = json(server.get("/api/v1/collections/beach", None).await).await;
    assert_eq!(public["data"]["collection"]["product_count"], 1, "the public counts listed products");
    let admin_view = json(server.get("/api/v1/collections", Some(&admin)).await).await;
    assert_eq!(admin_view["data"]["collections"][1]["children"][0]["product_count"], 2);
    let members =
        souk_storage::collections::collection_product_ids(&server.db().conn, "beach").await.unwrap();
    assert_eq!(members, Some(vec![draft, listed]));

    let unknown = uuid::Uuid::now_v7();
    let body = expect_error(
        put_products(&server, &admin, "beach", json!([listed, unknown, deleted])).await,
        422,
        "VALIDATION_FAILED",
    )
    .await;
    let messages = body["errors"]["product_ids"].as_array().unwrap();
    assert_eq!(messages.len(), 2, "{body}");
    assert!(
        messages[0].as_str().unwrap().contains(&unknown.to_string())
            || messages[1].as_str().unwrap().contains(&unknown.to_string())
    );
    assert!(body["errors"]["product_ids"].to_string().contains(&deleted.to_string()));
    let unchanged = json(server.get("/api/v1/collections/beach", Some(&admin)).await).await;
    assert_eq!(unchanged["data"]["collection"]["product_count"], 2, "a refused replace changes nothing");
    expect_error(put_products(&server, &admin, "nothing", json!([listed])).await, 404, "NOT_FOUND").await;
    expect_error(
        put_products(&server, &admin, "beach", json!(["not-a-uuid"])).await,
        422,
        "VALIDATION_FAILED",
    )
    .await;
    let emptied = json(put_products(&server, &admin, "beach", json!([])).await).await;
    assert_eq!(emptied["data"]["product_ids"], json!([]));
}

async fn fields_are_validated(backend: Backend) {
    let server = TestServer::start(backend).await;
    let (_, admin) = server.admin().await;
    create(&server, &admin, json!({"handle": "summer", "title": "Summer"})).await;
    expect_error(
        server
            .post_json("/api/v1/collections", Some(&admin), &json!({"handle": "summer", "title": "Again"}))
            .await,
        409,
        "CONFLICT",
    )
    .await;
    for (body, field) in [
        (json!({"handle": "Not A Handle", "title": "Bad"}), "handle"),
        (json!({"handle": "ok", "title": ""}), "title"),
        (json!({"handle": "ok", "title": "Ok", "metadata": [1, 2]}), "metadata"),
        (json!({"handle": "ok", "title": "Ok", "metadata": "text"}), "metadata"),
        (json!({"handle": "ok", "title": "Ok", "parent_handle": "winter"}), "parent_handle"),
        (json!({"title": "Ok"}), "handle"),
        (json!({"handle": "ok", "title": "Ok", "colour": "red"}), "colour"),
    ] {
        let response = server.post_json("/api/v1/collections", Some(&admin), &body).await;
        let error = expect_error(response, 422, "VALIDATION_FAILED").await;
        assert!(error["errors"][field].is_array(), "{body}: {error}");
    }
    let big = json!({"handle": "big", "title": "Big", "metadata": {"blob": "x".repeat(20_000)}});
    expect_error(server.post_json("/api/v1/collections", Some(&admin), &big).await, 422, "VALIDATION_FAILED")
        .await;
}

async fn moves_never_make_cycles_and_parents_stay(backend: Backend) {
    let server = TestServer::start(backend).await;
    let (_, admin) = server.admin().await;
    create(&server, &admin, json!({"handle": "top", "title": "Top"})).await;
    create(&server, &admin, json!({"handle": "middle", "title": "Middle", "parent_handle": "top"})).await;
    create(&server, &admin, json!({"handle": "bottom", "title": "Bottom", "parent_handle": "middle"})).await;
    for parent in ["bottom", "top"] {
        let body = expect_error(
            patch(&server, &admin, "top", json!({"parent_handle": parent})).await,
            422,
            "VALIDATION_FAILED",
        )
        .await;
        assert!(body["errors"]["parent_handle"].is_array(), "{body}");
    }
    expect_error(
        patch(&server, &admin, "top", json!({"parent_handle": "nowhere"})).await,
        422,
        "VALIDATION_FAILED",
    )
    .await;
    expect_error(patch(&server, &admin, "top", json!({"handle": "middle"})).await, 409, "CONFLICT").await;
    expect_error(patch(&server, &admin, "top", json!({"handle": "Top!"})).await, 422, "VALIDATION_FAILED")
        .await;
    expect_error(patch(&server, &admin, "nothing", json!({"title": "X"})).await, 404, "NOT_FOUND").await;

    let moved = patch(
        &server,
        &admin,
        "middle",
        json!({"parent_handle": null, "handle": "mid", "title": "Mid", "metadata": {"hero": true}}),
    )
    .await;
    assert_eq!(moved.status(), 200);
    let moved = json(moved).await["data"]["collection"].clone();
    assert!(moved["parent_handle"].is_null());
    assert_eq!((moved["handle"].as_str(), moved["metadata"]["hero"].as_bool()), (Some("mid"), Some(true)));
    assert_eq!(moved["children"][0]["handle"], "bottom", "the subtree moved along");
    let bottom = json(server.get("/api/v1/collections/bottom", None).await).await;
    assert_eq!(bottom["data"]["collection"]["parent_handle"], "mid");
    let cleared = json(patch(&server, &admin, "mid", json!({"metadata": null})).await).await;
    assert_eq!(cleared["data"]["collection"]["metadata"], json!({}));

    let seller = server.create_user(Role::Seller, "moveseller").await;
    let product = insert_product(&server, seller.id, "Lamp", Listing::Listed).await;
    assert_eq!(put_products(&server, &admin, "bottom", json!([product])).await.status(), 200);
    expect_error(delete(&server, Some(&admin), "mid").await, 409, "CONFLICT").await;
    assert_eq!(delete(&server, Some(&admin), "bottom").await.status(), 200);
    let members =
        souk_storage::collections::collection_product_ids(&server.db().conn, "bottom").await.unwrap();
    assert_eq!(members, None, "the collection is gone");
    let rows = <souk_storage::entities::collection_product::Entity as sea_orm::EntityTrait>::find()
        .all(&server.db().conn)
        .await
        .unwrap();
    assert!(rows.is_empty(), "memberships went with it");
    assert_eq!(delete(&server, Some(&admin), "mid").await.status(), 200, "no sub-collections left");
    expect_error(delete(&server, Some(&admin), "mid").await, 404, "NOT_FOUND").await;
    expect_error(server.get("/api/v1/collections/bottom", None).await, 404, "NOT_FOUND").await;
}

async fn only_admins_change_collections(backend: Backend) {
    let server = TestServer::start(backend).await;
    let (_, admin) = server.admin().await;
    create(&server, &admin, json!({"handle": "shared", "title": "Shared"})).await;
    let seller = server.create_user(Role::Seller, "collwriter").await;
    let buyer = server.create_user(Role::Buyer, "collbuyer").await;
    for token in [server.token_for(seller.id, Role::Seller), server.token_for(buyer.id, Role::Buyer)] {
        let body = json!({"handle": "mine", "title": "Mine"});
        expect_error(server.post_json("/api/v1/collections", Some(&token), &body).await, 403, "FORBIDDEN")
            .await;
        expect_error(patch(&server, &token, "shared", json!({"title": "Taken"})).await, 403, "FORBIDDEN")
            .await;
        expect_error(put_products(&server, &token, "shared", json!([])).await, 403, "FORBIDDEN").await;
        expect_error(delete(&server, Some(&token), "shared").await, 403, "FORBIDDEN").await;
    }
    let body = json!({"handle": "mine", "title": "Mine"});
    expect_error(server.post_json("/api/v1/collections", None, &body).await, 401, "UNAUTHENTICATED").await;
    expect_error(delete(&server, None, "shared").await, 401, "UNAUTHENTICATED").await;
    expect_error(server.get("/api/v1/collections", Some("not-a-token")).await, 401, "UNAUTHENTICATED").await;
    let tree = json(server.get("/api/v1/collections", None).await).await;
    assert_eq!(tree["data"]["collections"][0]["title"], "Shared", "nothing changed");
}

async fn a_corrupt_cycle_cannot_overflow_the_tree(backend: Backend) {
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, sea_query::Expr};
    use souk_storage::entities::collection;
    let server = TestServer::start(backend).await;
    let (_, admin) = server.admin().await;
    let a = create(&server, &admin, json!({"handle": "loop-a", "title": "A"})).await;
    let b =
        create(&server, &admin, json!({"handle": "loop-b", "title": "B", "parent_handle": "loop-a"})).await;
    create(&server, &admin, json!({"handle": "root", "title": "Root"})).await;
    let a_id: uuid::Uuid = a["id"].as_str().unwrap().parse().unwrap();
    let b_id: uuid::Uuid = b["id"].as_str().unwrap().parse().unwrap();
    collection::Entity::update_many()
        .col_expr(collection::Column::ParentId, Expr::value(b_id))
        .filter(collection::Column::Id.eq(a_id))
        .exec(&server.db().conn)
        .await
        .unwrap();
    let tree = server.get("/api/v1/collections", None).await;
    assert_eq!(tree.status(), 200);
    assert_eq!(json(tree).await["data"]["collections"][0]["handle"], "root");
    let one = server.get("/api/v1/collections/loop-a", None).await;
    assert_eq!(one.status(), 200, "a corrupt cycle still answers");
    let one = json(one).await;
    assert_eq!(one["data"]["collection"]["children"][0]["handle"], "loop-b");
    assert_eq!(
        one["data"]["collection"]["children"][0]["children"],
        json!([]),
        "each collection appears once"
    );
}

async fn crossing_moves_cannot_make_a_cycle(backend: Backend) {
    let server = TestServer::start(backend).await;
    let (_, admin) = server.admin().await;
    for round in 0..12 {
        let (x, y) = (format!("x{round}"), format!("y{round}"));
        create(&server, &admin, json!({"handle": x, "title": "X"})).await;
        create(&server, &admin, json!({"handle": y, "title": "Y"})).await;
        let (first, second) = tokio::join!(
            patch(&server, &admin, &x, json!({"parent_handle": y})),
            patch(&server, &admin, &y, json!({"parent_handle": x})),
        );
        let statuses = [first.status().as_u16(), second.status().as_u16()];
        assert!(statuses.contains(&200) && statuses.contains(&422), "round {round}: {statuses:?}");
    }
    let tree = json(server.get("/api/v1/collections", None).await).await;
    assert_eq!(tree["data"]["collections"].as_array().unwrap().len(), 12, "every pair kept a root");
}

on_both_backends!(
    a_corrupt_cycle_cannot_overflow_the_tree,
    crossing_moves_cannot_make_a_cycle,
    trees_carry_metadata_and_counts,
    fields_are_validated,
    moves_never_make_cycles_and_parents_stay,
    only_admins_change_collections,
);
