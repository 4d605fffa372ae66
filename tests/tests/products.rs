//! Products over HTTP: creation by approved sellers and admins, visibility, moderation, partial
//! updates with variant merging, soft deletion, validation and authorization.

use serde_json::{Value, json};
use souk_auth::profile::ApprovalStatus;
use souk_tests::{Backend, TestServer, expect_error, json, on_both_backends};

async fn create(server: &TestServer, token: &str, body: Value) -> Value {
    let response = server.post_json("/api/v1/products", Some(token), &body).await;
    assert_eq!(response.status(), 201, "{}", response.text().await.unwrap_or_default());
    json(response).await["data"]["product"].clone()
}

fn table() -> Value {
    json!({
        "title": "Oak Dining Table",
        "description": "Solid oak, seats six.",
        "price": "149.90",
        "compare_price": 199,
        "currency": "USD",
        "sku": "OAK-TABLE",
        "quantity": 3,
        "weight": "32.5",
        "condition": "new",
        "country": "et",
        "lat": 9.03, "lng": 38.74,
        "options": [{"name": "Finish", "values": ["Natural", "Dark"]}],
        "variants": [
            {"values": ["Natural"], "sku": "OAK-NAT", "quantity": 2},
            {"values": ["Dark"], "price": "159.90", "quantity": 0}
        ],
        "properties": [{"name": "Material", "value": "Oak"}],
        "trial_policy": {"trial_days": 7, "penalty_type": "percentage", "penalty_value": "10", "return_window_hours": 48},
        "rental": {"daily_rate": "12.5", "deposit": 100}
    })
}

async fn sellers_create_products_that_wait_for_moderation(backend: Backend) {
    let server = TestServer::start(backend).await;
    let (seller, token) = server.seller("oakshop").await;
    let (_, other) = server.seller("othershop").await;
    let (_, admin) = server.admin().await;
    let product = create(&server, &token, table()).await;
    assert_eq!(product["seller_id"], seller.id.to_string());
    assert_eq!(product["slug"], "oak-dining-table");
    assert_eq!(product["price"], "149.90");
    assert_eq!(product["compare_price"], "199.00");
    assert_eq!(product["weight"], "32.500");
    assert_eq!(product["country"], "ET");
    assert_eq!(product["admin_status"], "waiting");
    assert_eq!(product["status"], "draft");
    assert_eq!(product["in_stock"], true);
    assert_eq!(product["variants"][0]["title"], "Natural");
    assert_eq!(product["variants"][1]["price"], "159.90");
    assert_eq!(product["variants"][0]["price"], "149.90", "variants default to the product price");
    assert_eq!(product["trial_policy"]["penalty_value"], "10.00");
    assert_eq!(product["rental"]["daily_rate"], "12.50");
    assert_eq!(product["rental"]["late_fee_per_day"], "0.00");
    assert_eq!(product["properties"][0]["value"], "Oak");
    assert_eq!(product["rating"]["count"], 0);
    let path = format!("/api/v1/products/{}", product["id"].as_str().unwrap());

    expect_error(server.get(&path, None).await, 404, "NOT_FOUND").await;
    expect_error(server.get(&path, Some(&other)).await, 404, "NOT_FOUND").await;
    assert_eq!(server.get(&path, Some(&token)).await.status(), 200, "owners see their drafts");

    let published = server.patch_json(&path, Some(&token), &json!({"status": "published"})).await;
    assert_eq!(published.status(), 200);
    expect_error(server.get(&path, None).await, 404, "NOT_FOUND").await;
    let moderated = server
        .post_json(
            &format!("{path}/moderation"),
            Some(&admin),
            &json!({"admin_status": "approved", "reason": "ok"}),
        )
        .await;
    assert_eq!(moderated.status(), 200);
    let public = json(server.get(&path, None).await).await;
    assert_eq!(public["data"]["product"]["admin_status"], "approved");
    assert_eq!(public["data"]["product"]["admin_status_reason"], "ok");
    expect_error(
        server
            .post_json(&format!("{path}/moderation"), Some(&token), &json!({"admin_status": "approved"}))
            .await,
        403,
        "FORBIDDEN",
    )
    .await;

    let sparse = json(server.get(&format!("{path}?fields=title,price"), None).await).await;
    let keys: Vec<&String> = sparse["data"]["product"].as_object().unwrap().keys().collect();
    assert_eq!(keys, ["id", "price", "title"]);
    expect_error(server.get(&format!("{path}?fields=secret"), None).await, 422, "VALIDATION_FAILED").await;

    let hidden = server.patch_json(&path, Some(&token), &json!({"visibility": "none"})).await;
    assert_eq!(hidden.status(), 200);
    expect_error(server.get(&path, None).await, 404, "NOT_FOUND").await;
    server.patch_json(&path, Some(&token), &json!({"visibility": "both"})).await;

    let deleted = server.delete(&path, Some(&token)).await;
    assert_eq!(deleted.status(), 200);
    expect_error(server.get(&path, None).await, 404, "NOT_FOUND").await;
    expect_error(server.get(&path, Some(&token)).await, 404, "NOT_FOUND").await;
    expect_error(server.delete(&path, Some(&token)).await, 404, "NOT_FOUND").await;
    let seen = json(server.get(&path, Some(&admin)).await).await;
    assert!(seen["data"]["product"]["deleted_at"].is_string());
    let listed = json(server.get("/api/v1/products?include_deleted=true", Some(&admin)).await).await;
    assert_eq!(listed["data"]["pagination"]["total"], 1);
    let listed = json(server.get("/api/v1/products", Some(&admin)).await).await;
    assert_eq!(listed["data"]["pagination"]["total"], 0);
    expect_error(server.get("/api/v1/products?include_deleted=true", Some(&token)).await, 403, "FORBIDDEN")
        .await;
    let again = create(&server, &token, table()).await;
    assert_eq!(again["slug"], "oak-dining-table-2", "slugs stay unique; the deleted product's SKUs are free");
}

async fn updates_merge_variants_and_keep_what_is_omitted(backend: Backend) {
    let server = TestServer::start(backend).await;
    let (_, token) = server.seller("oakshop").await;
    let product = create(&server, &token, table()).await;
    let path = format!("/api/v1/products/{}", product["id"].as_str().unwrap());
    let natural = product["variants"][0]["id"].clone();
    let finish = product["options"][0]["id"].clone();
    let response = server
        .patch_json(
            &path,
            Some(&token),
            &json!({
                "options": [{"id": finish, "values": ["Natural", "Dark", "White"]}],
                "variants": [{"id": natural, "price": "139"}, {"values": ["White"], "quantity": 5}],
                "description": null,
                "trial_policy": null
            }),
        )
        .await;
    assert_eq!(response.status(), 200, "{}", response.text().await.unwrap());
    let changed = json(server.get(&path, Some(&token)).await).await["data"]["product"].clone();
    let variants = changed["variants"].as_array().unwrap();
    assert_eq!(variants.len(), 3, "the omitted Dark variant stays");
    assert_eq!(variants[0]["price"], "139.00");
    assert_eq!(variants[0]["sku"], "OAK-NAT");
    assert_eq!(variants[2]["title"], "White");
    assert_eq!(changed["description"], Value::Null);
    assert_eq!(changed["trial_policy"], Value::Null);
    assert_eq!(changed["title"], "Oak Dining Table", "omitted fields stay");

    let unknown = server
        .patch_json(&path, Some(&token), &json!({"variants": [{"id": uuid::Uuid::now_v7(), "price": "1"}]}))
        .await;
    let body = expect_error(unknown, 422, "VALIDATION_FAILED").await;
    assert!(body["errors"]["variants[0].id"].is_array(), "{body}");
    let bad_values =
        server.patch_json(&path, Some(&token), &json!({"variants": [{"values": ["Purple"]}]})).await;
    let body = expect_error(bad_values, 422, "VALIDATION_FAILED").await;
    assert!(body["errors"]["variants[3].values"].is_array(), "{body}");
    let currency = server.patch_json(&path, Some(&token), &json!({"currency": "EUR"})).await;
    expect_error(currency, 422, "VALIDATION_FAILED").await;
    let after = json(server.get(&path, Some(&token)).await).await["data"]["product"].clone();
    assert_eq!(after, changed, "refused changes store nothing");
}

async fn bad_input_is_refused_field_by_field(backend: Backend) {
    let server = TestServer::start(backend).await;
    let (_, token) = server.seller("oakshop").await;
    let body = expect_error(
        server.post_json("/api/v1/products", Some(&token), &json!({})).await,
        422,
        "VALIDATION_FAILED",
    )
    .await;
    assert!(body["errors"]["title"].is_array() && body["errors"]["price"].is_array(), "{body}");
    let body = expect_error(
        server
            .post_json(
                "/api/v1/products",
                Some(&token),
                &json!({"title": "ab", "price": "1.999", "currency": "usd", "quantity": -1, "min_qty": 0,
                        "lat": 95, "category_id": uuid::Uuid::now_v7(), "sku": "has space"}),
            )
            .await,
        422,
        "VALIDATION_FAILED",
    )
    .await;
    assert!(body["errors"]["currency"].is_array(), "{body}");
    let body = expect_error(
        server
            .post_json(
                "/api/v1/products",
                Some(&token),
                &json!({"title": "ab", "price": "1.999", "quantity": -1, "min_qty": 0, "lat": 95, "lng": 1,
                        "category_id": uuid::Uuid::now_v7(), "sku": "has space",
                        "trial_policy": {"trial_days": 0}, "rental": {"daily_rate": 0},
                        "images": [{"file_id": uuid::Uuid::now_v7()}]}),
            )
            .await,
        422,
        "VALIDATION_FAILED",
    )
    .await;
    for field in [
        "title",
        "price",
        "quantity",
        "min_qty",
        "lat",
        "category_id",
        "sku",
        "trial_policy.trial_days",
        "trial_policy.penalty_type",
        "rental.daily_rate",
        "images[0]",
    ] {
        assert!(body["errors"][field].is_array(), "{field}: {body}");
    }
    let body = expect_error(
        server
            .post_json(
                "/api/v1/products",
                Some(&token),
                &json!({"title": "Lamp", "price": 10, "colour": "red"}),
            )
            .await,
        422,
        "VALIDATION_FAILED",
    )
    .await;
    assert!(body["message"].as_str().is_some(), "unknown fields are refused: {body}");
    expect_error(
        server
            .post_json("/api/v1/products", Some(&token), &json!({"title": "Lamp", "price": {"amount": 1}}))
            .await,
        422,
        "VALIDATION_FAILED",
    )
    .await;

    create(&server, &token, json!({"title": "Lamp", "price": 10, "sku": "LAMP-1", "slug": "lamp"})).await;
    expect_error(
        server
            .post_json(
                "/api/v1/products",
                Some(&token),
                &json!({"title": "Lamp", "price": 10, "slug": "lamp"}),
            )
            .await,
        409,
        "CONFLICT",
    )
    .await;
    expect_error(
        server
            .post_json(
                "/api/v1/products",
                Some(&token),
                &json!({"title": "Other lamp", "price": 10, "sku": "LAMP-1"}),
            )
            .await,
        409,
        "CONFLICT",
    )
    .await;
    expect_error(
        server
            .post_json(
                "/api/v1/products",
                Some(&token),
                &json!({"title": "Other lamp", "price": 10, "options": [{"name": "Size", "values": ["S"]}],
                        "variants": [{"values": ["S"], "sku": "LAMP-1"}]}),
            )
            .await,
        409,
        "CONFLICT",
    )
    .await;
    let (_, rival) = server.seller("rival").await;
    create(&server, &rival, json!({"title": "Rival lamp", "price": 10, "sku": "LAMP-1"})).await;
    let listed = json(server.get("/api/v1/products", Some(&token)).await).await;
    assert_eq!(listed["data"]["pagination"]["total"], 1, "refused creations stored nothing");
}

async fn only_approved_sellers_and_admins_create(backend: Backend) {
    let server = TestServer::start(backend).await;
    let (_, pending) = server.seller_with("pending", ApprovalStatus::Pending).await;
    let (_, buyer) = server.buyer("buyer").await;
    let (seller, seller_token) = server.seller("shop").await;
    let (_, admin) = server.admin().await;
    let lamp = json!({"title": "Lamp", "price": 10});
    let body = expect_error(
        server.post_json("/api/v1/products", Some(&pending), &lamp).await,
        403,
        "SELLER_NOT_APPROVED",
    )
    .await;
    assert!(body["message"].as_str().unwrap().contains("approved"));
    expect_error(server.post_json("/api/v1/products", Some(&buyer), &lamp).await, 403, "FORBIDDEN").await;
    expect_error(server.post_json("/api/v1/products", None, &lamp).await, 401, "UNAUTHENTICATED").await;
    let own_seller = json!({"title": "Lamp", "price": 10, "seller_id": seller.id});
    expect_error(
        server.post_json("/api/v1/products", Some(&seller_token), &own_seller).await,
        403,
        "FORBIDDEN",
    )
    .await;
    let approved = json!({"title": "Lamp", "price": 10, "admin_status": "approved"});
    expect_error(
        server.post_json("/api/v1/products", Some(&seller_token), &approved).await,
        403,
        "FORBIDDEN",
    )
    .await;
    expect_error(server.post_json("/api/v1/products", Some(&admin), &lamp).await, 422, "VALIDATION_FAILED")
        .await;
    let by_admin = create(&server, &admin, own_seller).await;
    assert_eq!(by_admin["admin_status"], "approved");
    assert_eq!(by_admin["seller_id"], seller.id.to_string());

    let path = format!("/api/v1/products/{}", by_admin["id"].as_str().unwrap());
    let published = server.patch_json(&path, Some(&seller_token), &json!({"status": "published"})).await;
    assert_eq!(published.status(), 200);
    let (_, other) = server.seller("other").await;
    expect_error(
        server.patch_json(&path, Some(&other), &json!({"title": "Mine now"})).await,
        403,
        "FORBIDDEN",
    )
    .await;
    expect_error(server.delete(&path, Some(&other)).await, 403, "FORBIDDEN").await;
    expect_error(
        server.patch_json(&path, Some(&seller_token), &json!({"admin_status": "approved"})).await,
        403,
        "FORBIDDEN",
    )
    .await;
    expect_error(
        server.patch_json(&path, Some(&seller_token), &json!({"seller_id": seller.id})).await,
        403,
        "FORBIDDEN",
    )
    .await;
    let unchanged = json(server.get(&path, None).await).await;
    assert_eq!(unchanged["data"]["product"]["title"], "Lamp");
    expect_error(
        server
            .patch_json(&format!("/api/v1/products/{}", uuid::Uuid::now_v7()), Some(&admin), &json!({}))
            .await,
        404,
        "NOT_FOUND",
    )
    .await;
}

async fn images_must_be_the_sellers_own(backend: Backend) {
    let server = TestServer::start(backend).await;
    let (seller, token) = server.seller("shop").await;
    let (other, _) = server.seller("other").await;
    let mine = server.stored_image(seller.id).await;
    let theirs = server.stored_image(other.id).await;
    let body = expect_error(
        server
            .post_json(
                "/api/v1/products",
                Some(&token),
                &json!({"title": "Lamp", "price": 10, "images": [{"file_id": theirs}]}),
            )
            .await,
        422,
        "VALIDATION_FAILED",
    )
    .await;
    assert!(body["errors"]["images[0]"].is_array(), "{body}");
    let product = create(
        &server,
        &token,
        json!({"title": "Lamp", "price": 10, "images": [{"file_id": mine, "alt": "The lamp"}],
               "options": [{"name": "Size", "values": ["S"]}], "variants": [{"values": ["S"], "image": mine}]}),
    )
    .await;
    assert_eq!(product["images"][0]["file_id"], mine.to_string());
    assert_eq!(product["images"][0]["url"], format!("/api/v1/files/{mine}/content"));
    assert_eq!(product["images"][0]["alt"], "The lamp");
    assert_eq!(product["variants"][0]["image"], mine.to_string());
}

async fn multipart_creation_stores_the_files_with_the_product(backend: Backend) {
    let server = TestServer::start(backend).await;
    let (_, token) = server.seller("shop").await;
    let form = reqwest::multipart::Form::new()
        .text("metadata", json!({"title": "Desk lamp", "price": "25"}).to_string())
        .part("images[]", reqwest::multipart::Part::bytes(souk_tests::PNG.to_vec()).file_name("lamp.png"))
        .part(
            "files[]",
            reqwest::multipart::Part::bytes(b"%PDF-1.7 manual".to_vec()).file_name("manual.pdf"),
        );
    let response = server
        .client
        .post(server.url("/api/v1/products"))
        .bearer_auth(&token)
        .multipart(form)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 201);
    let product = json(response).await["data"]["product"].clone();
    assert_eq!(product["images"].as_array().unwrap().len(), 1);

    let files_before =
        std::fs::read_dir(server.data_dir().join("files/products")).map(|d| d.count()).unwrap_or(0);
    assert_eq!(files_before, 2, "the image and the manual are stored");
    let wrong = reqwest::multipart::Form::new()
        .text("metadata", json!({"title": "Desk lamp", "price": "25"}).to_string())
        .part(
            "images[]",
            reqwest::multipart::Part::bytes(b"%PDF-1.7 not an image".to_vec()).file_name("photo.png"),
        );
    let response = server
        .client
        .post(server.url("/api/v1/products"))
        .bearer_auth(&token)
        .multipart(wrong)
        .send()
        .await
        .unwrap();
    let body = expect_error(response, 422, "VALIDATION_FAILED").await;
    assert!(body["errors"]["images[0]"].is_array(), "{body}");
    let refused = reqwest::multipart::Form::new()
        .text("metadata", json!({"title": "x", "price": "25"}).to_string())
        .part("images[]", reqwest::multipart::Part::bytes(souk_tests::PNG.to_vec()).file_name("lamp.png"));
    let response = server
        .client
        .post(server.url("/api/v1/products"))
        .bearer_auth(&token)
        .multipart(refused)
        .send()
        .await
        .unwrap();
    expect_error(response, 422, "VALIDATION_FAILED").await;
    let files_after =
        std::fs::read_dir(server.data_dir().join("files/products")).map(|d| d.count()).unwrap_or(0);
    assert_eq!(files_after, files_before, "refused products leave no stored bytes");
    let missing = reqwest::multipart::Form::new()
        .part("images[]", reqwest::multipart::Part::bytes(souk_tests::PNG.to_vec()));
    let response = server
        .client
        .post(server.url("/api/v1/products"))
        .bearer_auth(&token)
        .multipart(missing)
        .send()
        .await
        .unwrap();
    expect_error(response, 422, "VALIDATION_FAILED").await;
}

async fn categories_with_products_are_deleted_only_with_an_heir(backend: Backend) {
    let server = TestServer::start(backend).await;
    let (_, token) = server.seller("shop").await;
    let (_, admin) = server.admin().await;
    let lamps =
        json(server.post_json("/api/v1/categories", Some(&admin), &json!({"name": "Lamps"})).await).await;
    let lights =
        json(server.post_json("/api/v1/categories", Some(&admin), &json!({"name": "Lights"})).await).await;
    let lamps_id = lamps["data"]["category"]["id"].as_str().unwrap().to_owned();
    let lights_id = lights["data"]["category"]["id"].as_str().unwrap().to_owned();
    let product =
        create(&server, &token, json!({"title": "Lamp", "price": 10, "category_id": lamps_id})).await;
    assert_eq!(product["category"]["path"], "lamps");
    expect_error(
        server.delete(&format!("/api/v1/categories/{lamps_id}"), Some(&admin)).await,
        409,
        "CONFLICT",
    )
    .await;
    let moved =
        server.delete(&format!("/api/v1/categories/{lamps_id}?reassign_to={lights_id}"), Some(&admin)).await;
    assert_eq!(moved.status(), 200);
    let read = json(
        server.get(&format!("/api/v1/products/{}", product["id"].as_str().unwrap()), Some(&token)).await,
    )
    .await;
    assert_eq!(read["data"]["product"]["category_id"], lights_id);
}

async fn concurrent_changes_to_one_product_all_land(backend: Backend) {
    let server = TestServer::start(backend).await;
    let (_, token) = server.seller("busyshop").await;
    let sizes: Vec<String> = (0..10).map(|i| format!("S{i}")).collect();
    let product = create(
        &server,
        &token,
        json!({"title": "Busy tee", "price": 10, "options": [{"name": "Size", "values": sizes}]}),
    )
    .await;
    let id = product["id"].as_str().unwrap().to_owned();
    let server = std::sync::Arc::new(server);
    let mut tasks = Vec::new();
    for i in 0..10 {
        let (server, token, id) = (server.clone(), token.clone(), id.clone());
        tasks.push(tokio::spawn(async move {
            let body = json!({"variants": [{"values": [format!("S{i}")], "sku": format!("TEE-{i}")}]});
            server.patch_json(&format!("/api/v1/products/{id}"), Some(&token), &body).await.status().as_u16()
        }));
    }
    for task in tasks {
        assert_eq!(task.await.unwrap(), 200);
    }
    let count = json(server.get(&format!("/api/v1/products/{id}/variants/count"), Some(&token)).await).await;
    assert_eq!(count["data"]["count"], 10, "no concurrent change was lost");
}

async fn stored_images_are_not_checked_again_on_later_changes(backend: Backend) {
    let server = TestServer::start(backend).await;
    let (admin_user, admin) = server.admin().await;
    let (seller, token) = server.seller("firstshop").await;
    let (heir, _) = server.seller("heirshop").await;
    let by_admin = server.stored_image(admin_user.id).await;
    let sellers = server.stored_image(seller.id).await;
    let product = create(
        &server,
        &admin,
        json!({"title": "Admin-built lamp", "price": 10, "seller_id": seller.id, "images": [{"file_id": by_admin}, {"file_id": sellers}]}),
    )
    .await;
    let path = format!("/api/v1/products/{}", product["id"].as_str().unwrap());
    let priced = server.patch_json(&path, Some(&token), &json!({"price": "12"})).await;
    assert_eq!(priced.status(), 200, "the seller may change a product whose gallery an admin uploaded");
    let moved = server.patch_json(&path, Some(&admin), &json!({"seller_id": heir.id})).await;
    assert_eq!(moved.status(), 200, "an admin may hand a product with images to another seller");
    let values: Vec<String> = (0..5).map(|i| format!("{i}{}", "x".repeat(99))).collect();
    let options: Vec<_> =
        (0..5).map(|i| json!({"name": format!("Option {i}"), "values": [values[i]]})).collect();
    let long = server
        .post_json("/api/v1/products", Some(&token), &json!({"title": "Long options", "price": 1, "options": options, "variants": [{"values": values}]}))
        .await;
    assert_eq!(long.status(), 201, "derived variant titles fit their column");
    let title = json(long).await["data"]["product"]["variants"][0]["title"].as_str().unwrap().chars().count();
    assert!(title <= 200, "{title}");
}

async fn only_sellers_and_admins_may_send_a_product_form(backend: Backend) {
    let server = TestServer::start(backend).await;
    let (_, buyer) = server.buyer("formbuyer").await;
    let form = || {
        reqwest::multipart::Form::new()
            .text("metadata", json!({"title": "Desk lamp", "price": "25"}).to_string())
            .part("images[]", reqwest::multipart::Part::bytes(souk_tests::PNG.to_vec()).file_name("lamp.png"))
    };
    let anonymous =
        server.client.post(server.url("/api/v1/products")).multipart(form()).send().await.unwrap();
    expect_error(anonymous, 401, "UNAUTHENTICATED").await;
    let by_buyer = server
        .client
        .post(server.url("/api/v1/products"))
        .bearer_auth(&buyer)
        .multipart(form())
        .send()
        .await
        .unwrap();
    expect_error(by_buyer, 403, "FORBIDDEN").await;
    let (_, seller) = server.seller("formshop").await;
    let mut crowded =
        reqwest::multipart::Form::new().text("metadata", json!({"title": "Many", "price": "1"}).to_string());
    for _ in 0..11 {
        crowded =
            crowded.part("files[]", reqwest::multipart::Part::bytes(b"%PDF-1.7".to_vec()).file_name("a.pdf"));
    }
    let response = server
        .client
        .post(server.url("/api/v1/products"))
        .bearer_auth(&seller)
        .multipart(crowded)
        .send()
        .await
        .unwrap();
    expect_error(response, 422, "VALIDATION_FAILED").await;
    let big = reqwest::multipart::Form::new()
        .text("metadata", json!({"title": "Huge", "price": "1"}).to_string())
        .part(
            "images[]",
            reqwest::multipart::Part::bytes([souk_tests::PNG, &vec![0u8; 5 * 1024 * 1024]].concat()),
        );
    let response = server
        .client
        .post(server.url("/api/v1/products"))
        .bearer_auth(&seller)
        .multipart(big)
        .send()
        .await
        .unwrap();
    expect_error(response, 413, "PAYLOAD_TOO_LARGE").await;
}

on_both_backends!(
    stored_images_are_not_checked_again_on_later_changes,
    only_sellers_and_admins_may_send_a_product_form,
    concurrent_changes_to_one_product_all_land,
    sellers_create_products_that_wait_for_moderation,
    updates_merge_variants_and_keep_what_is_omitted,
    bad_input_is_refused_field_by_field,
    only_approved_sellers_and_admins_create,
    images_must_be_the_sellers_own,
    multipart_creation_stores_the_files_with_the_product,
    categories_with_products_are_deleted_only_with_an_heir,
);
