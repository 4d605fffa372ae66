//! Reviews: buyers write one per visible product with their own images, admins moderate, reads
//! follow status and authorship, authors and admins delete, and published ratings sum up.

use reqwest::Method;
use serde_json::json;
use souk_kernel::Role;
use souk_tests::catalog::{Listing, insert_file, insert_product, send_json};
use souk_tests::{Backend, TestServer, expect_error, json, on_both_backends};
use uuid::Uuid;

async fn write(server: &TestServer, token: &str, body: serde_json::Value) -> serde_json::Value {
    let response = server.post_json("/api/v1/reviews", Some(token), &body).await;
    assert_eq!(response.status(), 201);
    json(response).await["data"]["review"].clone()
}

async fn patch(
    server: &TestServer,
    token: Option<&str>,
    id: &str,
    body: serde_json::Value,
) -> reqwest::Response {
    send_json(server, Method::PATCH, &format!("/api/v1/reviews/{id}"), token, Some(&body)).await
}

async fn delete(server: &TestServer, token: Option<&str>, id: &str) -> reqwest::Response {
    send_json(server, Method::DELETE, &format!("/api/v1/reviews/{id}"), token, None).await
}

fn ids(body: &serde_json::Value) -> Vec<String> {
    body["data"]["reviews"].as_array().unwrap().iter().map(|r| r["id"].as_str().unwrap().to_owned()).collect()
}

async fn buyers_review_visible_products_once(backend: Backend) {
    let server = TestServer::start(backend).await;
    let seller = server.create_user(Role::Seller, "revseller").await;
    let listed = insert_product(&server, seller.id, "Lamp", Listing::Listed).await;
    let draft = insert_product(&server, seller.id, "Chair", Listing::Draft).await;
    let deleted = insert_product(&server, seller.id, "Gone", Listing::Deleted).await;
    let buyer = server.create_user(Role::Buyer, "revbuyer").await;
    let token = server.token_for(buyer.id, Role::Buyer);
    let other = server.create_user(Role::Buyer, "revother").await;
    let photo = insert_file(&server, buyer.id, "image/png").await;
    let second = insert_file(&server, buyer.id, "image/webp").await;
    let theirs = insert_file(&server, other.id, "image/png").await;
    let manual = insert_file(&server, buyer.id, "application/pdf").await;

    for (body, field) in [
        (json!({"product_id": listed, "rating": 6, "content": "Bright"}), "rating"),
        (json!({"product_id": listed, "rating": 0, "content": "Bright"}), "rating"),
        (json!({"product_id": listed, "rating": 4, "content": "   "}), "content"),
        (json!({"product_id": listed, "rating": 4, "content": "x".repeat(5001)}), "content"),
        (json!({"product_id": listed, "rating": 4.5, "content": "Bright"}), "rating"),
        (json!({"product_id": draft, "rating": 4, "content": "Bright"}), "product_id"),
        (json!({"product_id": deleted, "rating": 4, "content": "Bright"}), "product_id"),
        (json!({"product_id": Uuid::now_v7(), "rating": 4, "content": "Bright"}), "product_id"),
        (json!({"product_id": listed, "rating": 4, "content": "Bright", "image_ids": [theirs]}), "image_ids"),
        (json!({"product_id": listed, "rating": 4, "content": "Bright", "image_ids": [manual]}), "image_ids"),
        (
            json!({"product_id": listed, "rating": 4, "content": "Bright", "image_ids": [Uuid::now_v7()]}),
            "image_ids",
        ),
        (json!({"rating": 4, "content": "Bright"}), "product_id"),
    ] {
        let error = expect_error(
            server.post_json("/api/v1/reviews", Some(&token), &body).await,
            422,
            "VALIDATION_FAILED",
        )
        .await;
        assert!(error["errors"][field].is_array(), "{body}: {error}");
    }

    let review = write(
        &server,
        &token,
        json!({"product_id": listed, "rating": 5, "content": "  Lights the whole room  ", "image_ids": [second, photo, second]}),
    )
    .await;
    assert_eq!(review["status"], "pending");
    assert_eq!(review["verified_purchase"], false, "no completed orders exist yet");
    assert_eq!(review["content"], "Lights the whole room");
    assert_eq!(review["author_id"], json!(buyer.id));
    assert_eq!(review["rating"], 5);
    let images = review["images"].as_array().unwrap();
    assert_eq!(images.len(), 2, "duplicates collapse");
    assert_eq!(images[0]["id"], json!(second));
    assert_eq!(images[0]["url"], format!("/api/v1/files/{second}/content"));
    assert_eq!(images[1]["id"], json!(photo));
    let links = <souk_storage::entities::file_link::Entity as sea_orm::EntityTrait>::find()
        .all(&server.db().conn)
        .await
        .unwrap();
    assert!(links.iter().all(|l| l.fileable_type == "review" && l.role.as_deref() == Some("image")));
    assert_eq!(links.len(), 2);

    let again = json!({"product_id": listed, "rating": 1, "content": "Changed my mind"});
    expect_error(server.post_json("/api/v1/reviews", Some(&token), &again).await, 409, "CONFLICT").await;

    let seller_token = server.token_for(seller.id, Role::Seller);
    let (_, admin) = server.admin().await;
    let body = json!({"product_id": listed, "rating": 5, "content": "My own lamp"});
    expect_error(server.post_json("/api/v1/reviews", Some(&seller_token), &body).await, 403, "FORBIDDEN")
        .await;
    expect_error(server.post_json("/api/v1/reviews", Some(&admin), &body).await, 403, "FORBIDDEN").await;
    expect_error(server.post_json("/api/v1/reviews", None, &body).await, 401, "UNAUTHENTICATED").await;
}

async fn reads_follow_status_and_authorship(backend: Backend) {
    let server = TestServer::start(backend).await;
    let seller = server.create_user(Role::Seller, "readseller").await;
    let lamp = insert_product(&server, seller.id, "Lamp", Listing::Listed).await;
    let chair = insert_product(&server, seller.id, "Chair", Listing::Listed).await;
    let author = server.create_user(Role::Buyer, "readauthor").await;
    let author_token = server.token_for(author.id, Role::Buyer);
    let reader = server.create_user(Role::Buyer, "readreader").await;
    let reader_token = server.token_for(reader.id, Role::Buyer);
    let (_, admin) = server.admin().await;

    let pending =
        write(&server, &author_token, json!({"product_id": lamp, "rating": 2, "content": "Flickers"})).await;
    let pending_id = pending["id"].as_str().unwrap();
    let path = format!("/api/v1/reviews/{pending_id}");
    expect_error(server.get(&path, Some(&reader_token)).await, 404, "NOT_FOUND").await;
    expect_error(server.get(&path, None).await, 404, "NOT_FOUND").await;
    assert_eq!(server.get(&path, Some(&author_token)).await.status(), 200);
    assert_eq!(server.get(&path, Some(&admin)).await.status(), 200);
    let anonymous = json(server.get("/api/v1/reviews?status=pending,hidden", None).await).await;
    assert_eq!(anonymous["data"]["pagination"]["total"], 0, "asking for others' pending ones gets nothing");
    let own = json(server.get("/api/v1/reviews?status=pending", Some(&author_token)).await).await;
    assert_eq!(ids(&own), [pending_id]);
    expect_error(
        patch(&server, Some(&reader_token), pending_id, json!({"rating": 5})).await,
        404,
        "NOT_FOUND",
    )
    .await;

    let published = patch(&server, Some(&admin), pending_id, json!({"status": "published"})).await;
    assert_eq!(published.status(), 200);
    assert_eq!(json(published).await["data"]["review"]["status"], "published");
    assert_eq!(server.get(&path, None).await.status(), 200);
    let second =
        write(&server, &reader_token, json!({"product_id": lamp, "rating": 5, "content": "Bright"})).await;
    let second_id = second["id"].as_str().unwrap();
    patch(&server, Some(&admin), second_id, json!({"status": "published"})).await;
    let third =
        write(&server, &reader_token, json!({"product_id": chair, "rating": 4, "content": "Comfy"})).await;
    let third_id = third["id"].as_str().unwrap();

    let public = json(server.get("/api/v1/reviews?order_by=rating&order_direction=asc", None).await).await;
    assert_eq!(ids(&public), [pending_id, second_id], "published only, by rating");
    let by_product =
        json(server.get(&format!("/api/v1/reviews?product_id={chair}"), Some(&reader_token)).await).await;
    assert_eq!(ids(&by_product), [third_id], "its own pending review");
    let high = json(server.get("/api/v1/reviews?rating=4", Some(&admin)).await).await;
    assert_eq!(high["data"]["pagination"]["total"], 2);
    let everything =
        json(server.get("/api/v1/reviews?page_size=1&order_by=created_at", Some(&admin)).await).await;
    assert_eq!(ids(&everything), [third_id], "newest first");
    assert_eq!(everything["data"]["pagination"]["last_page"], 3);
    for (query, field) in [
        ("status=gone", "status"),
        ("rating=9", "rating"),
        ("rating=0", "rating"),
        ("order_by=author", "order_by"),
        ("product_id=nope", "product_id"),
        ("page_size=500", "page_size"),
    ] {
        let error = expect_error(
            server.get(&format!("/api/v1/reviews?{query}"), None).await,
            422,
            "VALIDATION_FAILED",
        )
        .await;
        assert!(error["errors"][field].is_array(), "{query}: {error}");
    }

    let summary = souk_storage::reviews::rating_summary(&server.db().conn, &[lamp, chair]).await.unwrap();
    assert_eq!(summary.get(&lamp).map(|s| (s.count, s.average)), Some((2, 3.5)));
    assert!(!summary.contains_key(&chair), "pending reviews do not count");

    expect_error(
        patch(&server, Some(&author_token), pending_id, json!({"status": "published"})).await,
        403,
        "FORBIDDEN",
    )
    .await;
    expect_error(
        patch(&server, Some(&reader_token), pending_id, json!({"rating": 1})).await,
        403,
        "FORBIDDEN",
    )
    .await;
    expect_error(
        patch(&server, Some(&admin), pending_id, json!({"content": "Better"})).await,
        403,
        "FORBIDDEN",
    )
    .await;
    expect_error(patch(&server, None, pending_id, json!({"rating": 1})).await, 401, "UNAUTHENTICATED").await;
    expect_error(
        patch(&server, Some(&author_token), pending_id, json!({"rating": 7})).await,
        422,
        "VALIDATION_FAILED",
    )
    .await;
    expect_error(
        patch(&server, Some(&admin), pending_id, json!({"status": "gone"})).await,
        422,
        "VALIDATION_FAILED",
    )
    .await;
    let edited =
        patch(&server, Some(&author_token), pending_id, json!({"rating": 3, "content": "Flickers less"}))
            .await;
    assert_eq!(edited.status(), 200);
    let edited = json(edited).await["data"]["review"].clone();
    assert_eq!(
        (edited["rating"].as_u64(), edited["status"].as_str()),
        (Some(3), Some("pending")),
        "edits are re-moderated"
    );
    expect_error(server.get(&path, None).await, 404, "NOT_FOUND").await;

    patch(&server, Some(&admin), pending_id, json!({"status": "hidden"})).await;
    expect_error(
        patch(&server, Some(&author_token), pending_id, json!({"content": "Please"})).await,
        403,
        "FORBIDDEN",
    )
    .await;
    let hidden = json(server.get(&path, Some(&author_token)).await).await;
    assert_eq!(hidden["data"]["review"]["status"], "hidden", "the author still sees it");
    expect_error(server.get(&format!("/api/v1/reviews/{}", Uuid::now_v7()), None).await, 404, "NOT_FOUND")
        .await;
}

async fn authors_and_admins_delete(backend: Backend) {
    let server = TestServer::start(backend).await;
    let seller = server.create_user(Role::Seller, "delseller").await;
    let seller_token = server.token_for(seller.id, Role::Seller);
    let lamp = insert_product(&server, seller.id, "Lamp", Listing::Listed).await;
    let author = server.create_user(Role::Buyer, "delauthor").await;
    let author_token = server.token_for(author.id, Role::Buyer);
    let other = server.create_user(Role::Buyer, "delother").await;
    let other_token = server.token_for(other.id, Role::Buyer);
    let (_, admin) = server.admin().await;
    let photo = insert_file(&server, author.id, "image/jpeg").await;

    let review = write(
        &server,
        &author_token,
        json!({"product_id": lamp, "rating": 4, "content": "Nice", "image_ids": [photo]}),
    )
    .await;
    let id = review["id"].as_str().unwrap();
    expect_error(delete(&server, Some(&other_token), id).await, 404, "NOT_FOUND").await;
    patch(&server, Some(&admin), id, json!({"status": "published"})).await;
    expect_error(delete(&server, Some(&other_token), id).await, 403, "FORBIDDEN").await;
    expect_error(delete(&server, Some(&seller_token), id).await, 403, "FORBIDDEN").await;
    expect_error(delete(&server, None, id).await, 401, "UNAUTHENTICATED").await;
    assert_eq!(delete(&server, Some(&author_token), id).await.status(), 200);
    expect_error(server.get(&format!("/api/v1/reviews/{id}"), Some(&admin)).await, 404, "NOT_FOUND").await;
    let links = <souk_storage::entities::file_link::Entity as sea_orm::EntityTrait>::find()
        .all(&server.db().conn)
        .await
        .unwrap();
    assert!(links.is_empty(), "its image links went with it");
    assert!(
        souk_storage::files::find_file(&server.db().conn, photo).await.unwrap().is_some(),
        "the file stays"
    );

    let again =
        write(&server, &author_token, json!({"product_id": lamp, "rating": 2, "content": "Second try"}))
            .await;
    let again_id = again["id"].as_str().unwrap();
    assert_eq!(delete(&server, Some(&admin), again_id).await.status(), 200);
    expect_error(delete(&server, Some(&admin), again_id).await, 404, "NOT_FOUND").await;
}

async fn concurrent_changes_are_not_lost(backend: Backend) {
    let server = TestServer::start(backend).await;
    let seller = server.create_user(Role::Seller, "raceseller").await;
    let (_, admin) = server.admin().await;
    for round in 0..12 {
        let product = insert_product(&server, seller.id, &format!("Lamp {round}"), Listing::Listed).await;
        let author = server.create_user(Role::Buyer, &format!("racer{round}")).await;
        let token = server.token_for(author.id, Role::Buyer);
        let review =
            write(&server, &token, json!({"product_id": product, "rating": 2, "content": "First take"}))
                .await;
        let id = review["id"].as_str().unwrap();
        let edit = format!("Second take {round}");
        let (hide, change) = tokio::join!(
            patch(&server, Some(&admin), id, json!({"status": "hidden"})),
            patch(&server, Some(&token), id, json!({"content": edit, "rating": 4})),
        );
        assert_eq!(hide.status(), 200, "round {round}");
        let edited = change.status().as_u16();
        let stored = json(server.get(&format!("/api/v1/reviews/{id}"), Some(&admin)).await).await;
        let stored = &stored["data"]["review"];
        assert_eq!(stored["status"], "hidden", "round {round}: the moderation stays: {stored}");
        match edited {
            200 => assert_eq!(stored["content"], edit.as_str(), "round {round}: the edit stays: {stored}"),
            403 => assert_eq!(stored["content"], "First take", "round {round}: {stored}"),
            other => panic!("round {round}: unexpected {other}"),
        }
    }
}

on_both_backends!(
    concurrent_changes_are_not_lost,
    buyers_review_visible_products_once,
    reads_follow_status_and_authorship,
    authors_and_admins_delete
);
