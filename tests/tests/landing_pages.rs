//! Landing pages: sellers make them for their own products, slugs are generated and unique,
//! reads follow the product's listing, and only the page's seller or an admin changes it.

use reqwest::Method;
use serde_json::json;
use souk_kernel::Role;
use souk_tests::catalog::{Listing, insert_product, send_json};
use souk_tests::{Backend, TestServer, expect_error, json, on_both_backends};
use uuid::Uuid;

async fn make(server: &TestServer, token: &str, body: serde_json::Value) -> serde_json::Value {
    let response = server.post_json("/api/v1/landing-pages", Some(token), &body).await;
    assert_eq!(response.status(), 201);
    json(response).await["data"]["landing_page"].clone()
}

async fn patch(
    server: &TestServer,
    token: Option<&str>,
    id: &str,
    body: serde_json::Value,
) -> reqwest::Response {
    send_json(server, Method::PATCH, &format!("/api/v1/landing-pages/{id}"), token, Some(&body)).await
}

async fn delete(server: &TestServer, token: Option<&str>, id: &str) -> reqwest::Response {
    send_json(server, Method::DELETE, &format!("/api/v1/landing-pages/{id}"), token, None).await
}

fn slugs(body: &serde_json::Value) -> Vec<String> {
    body["data"]["landing_pages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["slug"].as_str().unwrap().to_owned())
        .collect()
}

async fn sellers_make_pages_for_their_products(backend: Backend) {
    let server = TestServer::start(backend).await;
    let seller = server.create_user(Role::Seller, "pageseller").await;
    let token = server.token_for(seller.id, Role::Seller);
    let rival = server.create_user(Role::Seller, "pagerival").await;
    let rival_token = server.token_for(rival.id, Role::Seller);
    let lamp = insert_product(&server, seller.id, "Lamp", Listing::Listed).await;
    let draft = insert_product(&server, seller.id, "Chair", Listing::Draft).await;
    let gone = insert_product(&server, seller.id, "Gone", Listing::Deleted).await;

    let page =
        make(&server, &token, json!({"title": "The Lamp: Bright!", "product_id": lamp, "cod_type": "popup"}))
            .await;
    assert_eq!(page["slug"], "the-lamp-bright");
    assert_eq!(page["lang"], "en", "the default language");
    assert_eq!(page["cod_type"], "popup");
    assert_eq!(page["owner_id"], json!(seller.id));
    assert!(page["meta_description"].is_null());
    let twin = make(
        &server,
        &token,
        json!({"title": "The lamp bright", "product_id": draft, "cod_type": "checkout"}),
    )
    .await;
    assert_eq!(twin["slug"], "the-lamp-bright-2", "generated slugs count up");
    let full = make(
        &server,
        &token,
        json!({"title": "Lampe", "slug": "lampe", "product_id": lamp, "meta_description": "Une lampe", "lang": "fr-MA", "cod_type": "embedded"}),
    )
    .await;
    assert_eq!((full["slug"].as_str(), full["lang"].as_str()), (Some("lampe"), Some("fr-MA")));
    let taken = json!({"title": "Other", "slug": "lampe", "product_id": lamp, "cod_type": "popup"});
    expect_error(server.post_json("/api/v1/landing-pages", Some(&token), &taken).await, 409, "CONFLICT")
        .await;

    for (body, field) in [
        (json!({"title": "", "product_id": lamp, "cod_type": "popup"}), "title"),
        (json!({"title": "Ok", "slug": "Not A Slug", "product_id": lamp, "cod_type": "popup"}), "slug"),
        (json!({"title": "Ok", "lang": "english", "product_id": lamp, "cod_type": "popup"}), "lang"),
        (json!({"title": "Ok", "product_id": lamp, "cod_type": "fax"}), "cod_type"),
        (json!({"title": "Ok", "product_id": lamp}), "cod_type"),
        (
            json!({"title": "Ok", "meta_description": "m".repeat(501), "product_id": lamp, "cod_type": "popup"}),
            "meta_description",
        ),
        (json!({"title": "Ok", "product_id": Uuid::now_v7(), "cod_type": "popup"}), "product_id"),
        (json!({"title": "Ok", "product_id": gone, "cod_type": "popup"}), "product_id"),
    ] {
        let error = expect_error(
            server.post_json("/api/v1/landing-pages", Some(&token), &body).await,
            422,
            "VALIDATION_FAILED",
        )
        .await;
        assert!(error["errors"][field].is_array(), "{body}: {error}");
    }

    let theirs = json!({"title": "Mine now", "product_id": lamp, "cod_type": "popup"});
    expect_error(
        server.post_json("/api/v1/landing-pages", Some(&rival_token), &theirs).await,
        403,
        "FORBIDDEN",
    )
    .await;
    let hidden = json!({"title": "Mine now", "product_id": draft, "cod_type": "popup"});
    let error = expect_error(
        server.post_json("/api/v1/landing-pages", Some(&rival_token), &hidden).await,
        422,
        "VALIDATION_FAILED",
    )
    .await;
    assert!(error["errors"]["product_id"].is_array(), "a product it cannot see is unknown to it");
    let buyer = server.create_user(Role::Buyer, "pagebuyer").await;
    let buyer_token = server.token_for(buyer.id, Role::Buyer);
    expect_error(
        server.post_json("/api/v1/landing-pages", Some(&buyer_token), &theirs).await,
        403,
        "FORBIDDEN",
    )
    .await;
    expect_error(server.post_json("/api/v1/landing-pages", None, &theirs).await, 401, "UNAUTHENTICATED")
        .await;

    let (_, admin) = server.admin().await;
    let by_admin =
        make(&server, &admin, json!({"title": "Staff pick", "product_id": draft, "cod_type": "checkout"}))
            .await;
    assert_eq!(by_admin["owner_id"], json!(seller.id), "the page belongs to the product's seller");
}

async fn reads_follow_the_product(backend: Backend) {
    let server = TestServer::start(backend).await;
    let seller = server.create_user(Role::Seller, "readpages").await;
    let token = server.token_for(seller.id, Role::Seller);
    let other = server.create_user(Role::Seller, "readother").await;
    let other_token = server.token_for(other.id, Role::Seller);
    let (_, admin) = server.admin().await;
    let lamp = insert_product(&server, seller.id, "Lamp", Listing::Listed).await;
    let draft = insert_product(&server, seller.id, "Chair", Listing::Draft).await;
    make(&server, &token, json!({"title": "Alpha", "product_id": lamp, "cod_type": "popup"})).await;
    make(&server, &token, json!({"title": "Beta", "product_id": lamp, "cod_type": "popup"})).await;
    let hidden =
        make(&server, &token, json!({"title": "Gamma", "product_id": draft, "cod_type": "popup"})).await;
    let hidden_path = format!("/api/v1/landing-pages/{}", hidden["id"].as_str().unwrap());

    let public =
        json(server.get("/api/v1/landing-pages?order_by=title&order_direction=asc", None).await).await;
    assert_eq!(slugs(&public), ["alpha", "beta"], "pages of unlisted products stay hidden");
    assert_eq!(public["data"]["pagination"]["total"], 2);
    let stranger = json(server.get("/api/v1/landing-pages", Some(&other_token)).await).await;
    assert_eq!(stranger["data"]["pagination"]["total"], 2);
    let owner = json(server.get("/api/v1/landing-pages?order_by=title", Some(&token)).await).await;
    assert_eq!(slugs(&owner), ["gamma", "beta", "alpha"], "owners see their own, title descending");
    let everything = json(server.get("/api/v1/landing-pages?page_size=2&page=2", Some(&admin)).await).await;
    assert_eq!((everything["data"]["pagination"]["total"].as_u64(), slugs(&everything).len()), (Some(3), 1));
    let by_product =
        json(server.get(&format!("/api/v1/landing-pages?product_id={draft}"), Some(&admin)).await).await;
    assert_eq!(slugs(&by_product), ["gamma"]);
    let filtered =
        json(server.get(&format!("/api/v1/landing-pages?product_id={draft},{lamp}"), None).await).await;
    assert_eq!(filtered["data"]["pagination"]["total"], 2);

    expect_error(server.get(&hidden_path, None).await, 404, "NOT_FOUND").await;
    expect_error(server.get(&hidden_path, Some(&other_token)).await, 404, "NOT_FOUND").await;
    let read = json(server.get(&hidden_path, Some(&token)).await).await;
    assert_eq!(read["data"]["landing_page"]["slug"], "gamma");
    assert_eq!(server.get(&hidden_path, Some(&admin)).await.status(), 200);
    expect_error(
        server.get(&format!("/api/v1/landing-pages/{}", Uuid::now_v7()), None).await,
        404,
        "NOT_FOUND",
    )
    .await;
    for (query, field) in
        [("order_by=slug", "order_by"), ("product_id=lamp", "product_id"), ("page=0", "page")]
    {
        let error = expect_error(
            server.get(&format!("/api/v1/landing-pages?{query}"), None).await,
            422,
            "VALIDATION_FAILED",
        )
        .await;
        assert!(error["errors"][field].is_array(), "{query}: {error}");
    }
}

async fn only_the_seller_or_an_admin_changes_a_page(backend: Backend) {
    let server = TestServer::start(backend).await;
    let seller = server.create_user(Role::Seller, "ownpages").await;
    let token = server.token_for(seller.id, Role::Seller);
    let rival = server.create_user(Role::Seller, "rivalpages").await;
    let rival_token = server.token_for(rival.id, Role::Seller);
    let (_, admin) = server.admin().await;
    let lamp = insert_product(&server, seller.id, "Lamp", Listing::Listed).await;
    let draft = insert_product(&server, seller.id, "Chair", Listing::Draft).await;
    let rival_product = insert_product(&server, rival.id, "Rival lamp", Listing::Listed).await;
    let listed = make(
        &server,
        &token,
        json!({"title": "Lamp page", "product_id": lamp, "meta_description": "Bright", "cod_type": "popup"}),
    )
    .await;
    let listed_id = listed["id"].as_str().unwrap();
    let unlisted =
        make(&server, &token, json!({"title": "Chair page", "product_id": draft, "cod_type": "popup"})).await;
    let unlisted_id = unlisted["id"].as_str().unwrap();

    expect_error(
        patch(&server, Some(&rival_token), listed_id, json!({"title": "Hijacked"})).await,
        403,
        "FORBIDDEN",
    )
    .await;
    expect_error(delete(&server, Some(&rival_token), listed_id).await, 403, "FORBIDDEN").await;
    expect_error(
        patch(&server, Some(&rival_token), unlisted_id, json!({"title": "Hijacked"})).await,
        404,
        "NOT_FOUND",
    )
    .await;
    expect_error(delete(&server, Some(&rival_token), unlisted_id).await, 404, "NOT_FOUND").await;
    expect_error(patch(&server, None, listed_id, json!({"title": "Anyone"})).await, 401, "UNAUTHENTICATED")
        .await;
    expect_error(delete(&server, None, listed_id).await, 401, "UNAUTHENTICATED").await;
    let buyer = server.create_user(Role::Buyer, "pagesbuyer").await;
    let buyer_token = server.token_for(buyer.id, Role::Buyer);
    expect_error(
        patch(&server, Some(&buyer_token), listed_id, json!({"title": "Mine"})).await,
        403,
        "FORBIDDEN",
    )
    .await;

    let changed = patch(
        &server,
        Some(&token),
        listed_id,
        json!({"title": "Lamp, brighter", "slug": "brighter-lamp", "meta_description": null, "lang": "ar", "cod_type": "embedded"}),
    )
    .await;
    assert_eq!(changed.status(), 200);
    let changed = json(changed).await["data"]["landing_page"].clone();
    assert_eq!(changed["title"], "Lamp, brighter");
    assert_eq!(changed["slug"], "brighter-lamp");
    assert!(changed["meta_description"].is_null(), "null clears it");
    assert_eq!((changed["lang"].as_str(), changed["cod_type"].as_str()), (Some("ar"), Some("embedded")));
    expect_error(
        patch(&server, Some(&token), unlisted_id, json!({"slug": "brighter-lamp"})).await,
        409,
        "CONFLICT",
    )
    .await;
    let error = expect_error(
        patch(&server, Some(&token), unlisted_id, json!({"lang": "12"})).await,
        422,
        "VALIDATION_FAILED",
    )
    .await;
    assert!(error["errors"]["lang"].is_array());
    expect_error(
        patch(&server, Some(&token), unlisted_id, json!({"product_id": rival_product})).await,
        403,
        "FORBIDDEN",
    )
    .await;
    let moved = json(patch(&server, Some(&token), unlisted_id, json!({"product_id": lamp})).await).await;
    assert_eq!(moved["data"]["landing_page"]["product_id"], json!(lamp));
    assert_eq!(
        server.get(&format!("/api/v1/landing-pages/{unlisted_id}"), None).await.status(),
        200,
        "now on a listed product"
    );

    let by_admin =
        json(patch(&server, Some(&admin), listed_id, json!({"title": "Edited by staff"})).await).await;
    assert_eq!(by_admin["data"]["landing_page"]["owner_id"], json!(seller.id));
    assert_eq!(delete(&server, Some(&token), unlisted_id).await.status(), 200);
    assert_eq!(delete(&server, Some(&admin), listed_id).await.status(), 200);
    expect_error(
        server.get(&format!("/api/v1/landing-pages/{listed_id}"), Some(&admin)).await,
        404,
        "NOT_FOUND",
    )
    .await;
    expect_error(delete(&server, Some(&admin), listed_id).await, 404, "NOT_FOUND").await;
}

async fn pages_follow_their_product_to_a_new_seller(backend: Backend) {
    use souk_tests::catalog::set_seller;
    let server = TestServer::start(backend).await;
    let (old, old_token) = server.seller("oldowner").await;
    let (new, new_token) = server.seller("newowner").await;
    let draft = insert_product(&server, old.id, "Chair", Listing::Draft).await;
    let page =
        make(&server, &old_token, json!({"title": "Chair", "product_id": draft, "cod_type": "popup"})).await;
    let id = page["id"].as_str().unwrap().to_owned();
    set_seller(&server, draft, new.id).await;

    let read = server.get(&format!("/api/v1/landing-pages/{id}"), Some(&new_token)).await;
    assert_eq!(read.status(), 200, "the product's new seller sees the page of its draft");
    assert_eq!(json(read).await["data"]["landing_page"]["owner_id"], json!(new.id));
    let mine = json(server.get("/api/v1/landing-pages", Some(&new_token)).await).await;
    assert_eq!(slugs(&mine), vec!["chair".to_owned()]);
    let theirs = json(server.get("/api/v1/landing-pages", Some(&old_token)).await).await;
    assert!(slugs(&theirs).is_empty(), "the old seller lost the page: {theirs}");
    expect_error(
        server.get(&format!("/api/v1/landing-pages/{id}"), Some(&old_token)).await,
        404,
        "NOT_FOUND",
    )
    .await;
    expect_error(patch(&server, Some(&old_token), &id, json!({"title": "Mine"})).await, 404, "NOT_FOUND")
        .await;
    expect_error(delete(&server, Some(&old_token), &id).await, 404, "NOT_FOUND").await;

    let changed = patch(&server, Some(&new_token), &id, json!({"title": "Their chair"})).await;
    assert_eq!(changed.status(), 200);
    assert_eq!(json(changed).await["data"]["landing_page"]["owner_id"], json!(new.id));
    let row = <souk_storage::entities::landing_page::Entity as sea_orm::EntityTrait>::find_by_id(
        id.parse::<Uuid>().unwrap(),
    )
    .one(&server.db().conn)
    .await
    .unwrap()
    .unwrap();
    assert_eq!(row.owner_id, new.id.as_uuid(), "a write stores the current seller");
    assert_eq!(delete(&server, Some(&new_token), &id).await.status(), 200);
}

async fn concurrent_changes_are_not_lost(backend: Backend) {
    let server = TestServer::start(backend).await;
    let (seller, token) = server.seller("raceowner").await;
    let lamp = insert_product(&server, seller.id, "Lamp", Listing::Listed).await;
    for round in 0..12 {
        let page = make(
            &server,
            &token,
            json!({"title": format!("Lamp {round}"), "product_id": lamp, "cod_type": "popup"}),
        )
        .await;
        let id = page["id"].as_str().unwrap();
        let title = format!("Brighter lamp {round}");
        let (first, second) = tokio::join!(
            patch(&server, Some(&token), id, json!({"title": title})),
            patch(&server, Some(&token), id, json!({"lang": "fr", "cod_type": "embedded"})),
        );
        assert_eq!((first.status().as_u16(), second.status().as_u16()), (200, 200), "round {round}");
        let stored = json(server.get(&format!("/api/v1/landing-pages/{id}"), None).await).await;
        let stored = &stored["data"]["landing_page"];
        assert_eq!(
            (stored["title"].as_str(), stored["lang"].as_str(), stored["cod_type"].as_str()),
            (Some(title.as_str()), Some("fr"), Some("embedded")),
            "round {round}: both changes stay"
        );
    }
}

on_both_backends!(
    pages_follow_their_product_to_a_new_seller,
    concurrent_changes_are_not_lost,
    sellers_make_pages_for_their_products,
    reads_follow_the_product,
    only_the_seller_or_an_admin_changes_a_page,
);
