//! The parts of a product over HTTP: variants, add-ons, the trial policy, rental terms and
//! product metafields, with their validation, conflicts and authorization.

use serde_json::{Value, json};
use souk_tests::{Backend, TestServer, expect_error, json, on_both_backends};

/// A published, approved product of `seller` created by the admin, and its id.
async fn product(server: &TestServer, admin: &str, seller: &str, body: Value) -> String {
    let mut full = json!({"seller_id": seller, "status": "published", "price": "10", "currency": "USD"});
    for (key, value) in body.as_object().unwrap() {
        full[key] = value.clone();
    }
    let response = server.post_json("/api/v1/products", Some(admin), &full).await;
    assert_eq!(response.status(), 201, "{}", response.text().await.unwrap_or_default());
    json(response).await["data"]["product"]["id"].as_str().unwrap().to_owned()
}

fn tee() -> Value {
    json!({
        "title": "Linen Tee",
        "options": [{"name": "Size", "values": ["S", "M", "L"]}, {"name": "Colour", "values": ["Red", "Blue"]}],
        "variants": [
            {"values": ["S", "Red"], "sku": "TEE-S-RED", "quantity": 1},
            {"values": ["M", "Red"], "sku": "TEE-M-RED", "quantity": 2}
        ]
    })
}

async fn data(response: reqwest::Response, status: u16) -> Value {
    assert_eq!(response.status().as_u16(), status, "{}", response.url());
    json(response).await["data"].clone()
}

async fn invalid(response: reqwest::Response, fields: &[&str]) {
    let body = expect_error(response, 422, "VALIDATION_FAILED").await;
    let mut named: Vec<&String> = body["errors"].as_object().unwrap().keys().collect();
    named.sort();
    assert_eq!(named, fields, "{body}");
}

/// The set-up shared by the tests: an admin, two sellers, a public product of the first and a
/// draft of the first.
struct Setup {
    server: TestServer,
    admin: String,
    owner: String,
    other: String,
    public: String,
    draft: String,
}

async fn setup(backend: Backend) -> Setup {
    let server = TestServer::start(backend).await;
    let (_, admin) = server.admin().await;
    let (seller, owner) = server.seller("weaver").await;
    let (_, other) = server.seller("rival").await;
    let seller = seller.id.to_string();
    let public = product(&server, &admin, &seller, tee()).await;
    let draft = product(&server, &admin, &seller, json!({"title": "Secret Tee", "status": "draft"})).await;
    Setup { server, admin, owner, other, public, draft }
}

async fn variants_list_create_change_and_delete(backend: Backend) {
    let Setup { server, admin, owner, other, public, draft } = setup(backend).await;
    let base = format!("/api/v1/products/{public}/variants");
    let page = data(server.get(&format!("{base}?page_size=1"), None).await, 200).await;
    assert_eq!(page["variants"].as_array().unwrap().len(), 1);
    assert_eq!(page["variants"][0]["sku"], "TEE-S-RED");
    assert_eq!(page["pagination"], json!({"total": 2, "per_page": 1, "current_page": 1, "last_page": 2}));
    let second = data(server.get(&format!("{base}?page_size=1&page=2"), None).await, 200).await;
    assert_eq!(second["variants"][0]["sku"], "TEE-M-RED");
    expect_error(server.get(&format!("{base}?page_size=0"), None).await, 422, "VALIDATION_FAILED").await;
    assert_eq!(data(server.get(&format!("{base}/count"), None).await, 200).await["count"], 2);

    let created = server
        .post_json(
            &base,
            Some(&owner),
            &json!({"values": ["L", "Blue"], "sku": "TEE-L-BLUE", "price": "12.5", "quantity": 3, "weight": "0.2"}),
        )
        .await;
    let variant = data(created, 201).await["variant"].clone();
    assert_eq!(variant["title"], "L / Blue");
    assert_eq!(variant["price"], "12.50");
    assert_eq!(variant["weight"], "0.200");
    assert_eq!(variant["quantity"], 3);
    assert_eq!(variant["product_id"], public);
    let id = variant["id"].as_str().unwrap().to_owned();
    let defaulted =
        data(server.post_json(&base, Some(&admin), &json!({"values": ["S", "Blue"]})).await, 201).await;
    assert_eq!(defaulted["variant"]["price"], "10.00", "the price defaults to the product's");
    assert_eq!(data(server.get(&format!("{base}/count"), None).await, 200).await["count"], 4);

    invalid(server.post_json(&base, Some(&owner), &json!({"values": ["XL", "Red"]})).await, &["values"])
        .await;
    invalid(server.post_json(&base, Some(&owner), &json!({"values": ["S"]})).await, &["values"]).await;
    invalid(server.post_json(&base, Some(&owner), &json!({"values": ["M", "Red"]})).await, &["values"]).await;
    invalid(
        server
            .post_json(&base, Some(&owner), &json!({"values": ["M", "Blue"], "price": "0", "quantity": -1}))
            .await,
        &["price", "quantity"],
    )
    .await;
    invalid(
        server.post_json(&base, Some(&owner), &json!({"id": id, "values": ["M", "Blue"]})).await,
        &["id"],
    )
    .await;
    expect_error(
        server.post_json(&base, Some(&owner), &json!({"values": ["M", "Blue"], "sku": "TEE-L-BLUE"})).await,
        409,
        "CONFLICT",
    )
    .await;
    expect_error(
        server.post_json(&base, Some(&owner), &json!({"values": ["M", "Blue"], "price": "1.001"})).await,
        422,
        "VALIDATION_FAILED",
    )
    .await;

    let path = format!("/api/v1/variants/{id}");
    let got = data(server.get(&path, None).await, 200).await;
    assert_eq!(got["variant"]["sku"], "TEE-L-BLUE");
    let changed =
        data(server.patch_json(&path, Some(&owner), &json!({"price": 14, "sku": null})).await, 200).await;
    assert_eq!(changed["variant"]["price"], "14.00");
    assert_eq!(changed["variant"]["sku"], Value::Null);
    assert_eq!(changed["variant"]["quantity"], 3, "absent fields stay");
    expect_error(server.patch_json(&path, Some(&owner), &json!({"sku": "TEE-S-RED"})).await, 409, "CONFLICT")
        .await;
    invalid(server.patch_json(&path, Some(&owner), &json!({"values": ["S", "Red"]})).await, &["values"])
        .await;
    invalid(server.patch_json(&path, Some(&owner), &json!({"price": "-1"})).await, &["price"]).await;

    expect_error(
        server.post_json(&base, Some(&other), &json!({"values": ["M", "Blue"]})).await,
        403,
        "FORBIDDEN",
    )
    .await;
    expect_error(server.patch_json(&path, Some(&other), &json!({"price": 1})).await, 403, "FORBIDDEN").await;
    expect_error(server.delete(&path, Some(&other)).await, 403, "FORBIDDEN").await;
    expect_error(
        server.post_json(&base, None, &json!({"values": ["M", "Blue"]})).await,
        401,
        "UNAUTHENTICATED",
    )
    .await;
    expect_error(server.patch_json(&path, None, &json!({"price": 1})).await, 401, "UNAUTHENTICATED").await;
    expect_error(server.delete(&path, None).await, 401, "UNAUTHENTICATED").await;

    let hidden = format!("/api/v1/products/{draft}/variants");
    expect_error(server.get(&hidden, None).await, 404, "NOT_FOUND").await;
    expect_error(server.get(&hidden, Some(&other)).await, 404, "NOT_FOUND").await;
    expect_error(server.get(&format!("{hidden}/count"), None).await, 404, "NOT_FOUND").await;
    expect_error(server.post_json(&hidden, Some(&other), &json!({})).await, 404, "NOT_FOUND").await;
    assert_eq!(data(server.get(&hidden, Some(&owner)).await, 200).await["pagination"]["total"], 0);
    let unknown = format!("/api/v1/products/{}/variants", uuid::Uuid::now_v7());
    expect_error(server.get(&unknown, None).await, 404, "NOT_FOUND").await;
    expect_error(
        server.get(&format!("/api/v1/variants/{}", uuid::Uuid::now_v7()), None).await,
        404,
        "NOT_FOUND",
    )
    .await;

    assert_eq!(server.delete(&path, Some(&owner)).await.status(), 200);
    expect_error(server.get(&path, None).await, 404, "NOT_FOUND").await;
    expect_error(server.delete(&path, Some(&owner)).await, 404, "NOT_FOUND").await;
    assert_eq!(data(server.get(&format!("{base}/count"), None).await, 200).await["count"], 3);
    let reused =
        server.post_json(&base, Some(&owner), &json!({"values": ["L", "Blue"], "sku": "TEE-L-BLUE"})).await;
    assert_eq!(reused.status(), 201, "a deleted variant frees its values and SKU");
    server.stop().await;
}

async fn skus_are_unique_per_seller(backend: Backend) {
    let Setup { server, admin, owner, other, public, .. } = setup(backend).await;
    let product_of = |token: &str| {
        let token = token.to_owned();
        let server = &server;
        async move {
            let response = server
                .post_json(
                    "/api/v1/products",
                    Some(&token),
                    &json!({"title": "Plain Mug", "price": "3", "options": [{"name": "Size", "values": ["One"]}]}),
                )
                .await;
            assert_eq!(response.status(), 201);
            json(response).await["data"]["product"]["id"].as_str().unwrap().to_owned()
        }
    };
    let mine = product_of(&owner).await;
    let theirs = product_of(&other).await;
    let taken = server
        .post_json(
            &format!("/api/v1/products/{mine}/variants"),
            Some(&owner),
            &json!({"values": ["One"], "sku": "TEE-S-RED"}),
        )
        .await;
    expect_error(taken, 409, "CONFLICT").await;
    let free = server
        .post_json(
            &format!("/api/v1/products/{theirs}/variants"),
            Some(&other),
            &json!({"values": ["One"], "sku": "TEE-S-RED"}),
        )
        .await;
    assert_eq!(free.status(), 201, "another seller may use the same SKU");
    let count =
        data(server.get(&format!("/api/v1/products/{public}/variants/count"), Some(&admin)).await, 200).await;
    assert_eq!(count["count"], 2);
    server.stop().await;
}

async fn add_ons_list_create_change_and_delete(backend: Backend) {
    let Setup { server, admin, owner, other, public, draft } = setup(backend).await;
    let base = format!("/api/v1/products/{public}/add-ons");
    let empty = data(server.get(&base, None).await, 200).await;
    assert_eq!(empty["add_ons"], json!([]));
    assert_eq!(empty["pagination"]["total"], 0);
    let wrap = data(
        server
            .post_json(
                &base,
                Some(&owner),
                &json!({"title": "Gift wrap", "price": "2.5", "description": "Paper"}),
            )
            .await,
        201,
    )
    .await["add_on"]
        .clone();
    assert_eq!(wrap["title"], "Gift wrap");
    assert_eq!(wrap["price"], "2.50");
    assert_eq!(wrap["description"], "Paper");
    assert_eq!(wrap["product_id"], public);
    let warranty =
        data(server.post_json(&base, Some(&admin), &json!({"title": "Warranty", "price": 0})).await, 201)
            .await;
    assert_eq!(warranty["add_on"]["price"], "0.00");
    assert_eq!(data(server.get(&format!("{base}/count"), None).await, 200).await["count"], 2);
    let page = data(server.get(&format!("{base}?page_size=1&page=2"), None).await, 200).await;
    assert_eq!(page["add_ons"][0]["title"], "Warranty");
    assert_eq!(page["pagination"]["last_page"], 2);

    invalid(server.post_json(&base, Some(&owner), &json!({"price": "1"})).await, &["title"]).await;
    invalid(server.post_json(&base, Some(&owner), &json!({"title": "Bad", "price": "-1"})).await, &["price"])
        .await;
    invalid(
        server.post_json(&base, Some(&owner), &json!({"title": "Bad", "price": "1.234"})).await,
        &["price"],
    )
    .await;

    let path = format!("/api/v1/add-ons/{}", wrap["id"].as_str().unwrap());
    assert_eq!(data(server.get(&path, None).await, 200).await["add_on"]["title"], "Gift wrap");
    let changed =
        data(server.patch_json(&path, Some(&owner), &json!({"price": "3", "description": null})).await, 200)
            .await;
    assert_eq!(changed["add_on"]["price"], "3.00");
    assert_eq!(changed["add_on"]["description"], Value::Null);
    assert_eq!(changed["add_on"]["title"], "Gift wrap", "absent fields stay");
    invalid(server.patch_json(&path, Some(&owner), &json!({"title": ""})).await, &["title"]).await;

    expect_error(
        server.post_json(&base, Some(&other), &json!({"title": "X", "price": 1})).await,
        403,
        "FORBIDDEN",
    )
    .await;
    expect_error(server.patch_json(&path, Some(&other), &json!({"price": 1})).await, 403, "FORBIDDEN").await;
    expect_error(server.delete(&path, Some(&other)).await, 403, "FORBIDDEN").await;
    expect_error(
        server.post_json(&base, None, &json!({"title": "X", "price": 1})).await,
        401,
        "UNAUTHENTICATED",
    )
    .await;
    expect_error(server.patch_json(&path, None, &json!({"price": 1})).await, 401, "UNAUTHENTICATED").await;
    expect_error(server.delete(&path, None).await, 401, "UNAUTHENTICATED").await;
    let hidden = format!("/api/v1/products/{draft}/add-ons");
    expect_error(server.get(&hidden, None).await, 404, "NOT_FOUND").await;
    expect_error(server.get(&format!("{hidden}/count"), Some(&other)).await, 404, "NOT_FOUND").await;
    expect_error(
        server.post_json(&hidden, Some(&other), &json!({"title": "X", "price": 1})).await,
        404,
        "NOT_FOUND",
    )
    .await;
    let secret =
        data(server.post_json(&hidden, Some(&owner), &json!({"title": "Box", "price": 1})).await, 201).await;
    let secret_path = format!("/api/v1/add-ons/{}", secret["add_on"]["id"].as_str().unwrap());
    expect_error(server.get(&secret_path, None).await, 404, "NOT_FOUND").await;
    expect_error(server.patch_json(&secret_path, Some(&other), &json!({"price": 2})).await, 404, "NOT_FOUND")
        .await;
    assert_eq!(server.get(&secret_path, Some(&owner)).await.status(), 200);

    assert_eq!(server.delete(&path, Some(&owner)).await.status(), 200);
    expect_error(server.get(&path, None).await, 404, "NOT_FOUND").await;
    expect_error(server.delete(&path, Some(&admin)).await, 404, "NOT_FOUND").await;
    assert_eq!(data(server.get(&format!("{base}/count"), None).await, 200).await["count"], 1);
    let product = data(server.get(&format!("/api/v1/products/{public}"), None).await, 200).await;
    assert_eq!(product["product"]["add_ons"][0]["title"], "Warranty");
    server.stop().await;
}

fn policy() -> Value {
    json!({"trial_days": 7, "penalty_type": "percentage", "penalty_value": "12.5", "return_window_hours": 48})
}

async fn trial_policies_are_one_per_product(backend: Backend) {
    let Setup { server, admin, owner, other, public, draft } = setup(backend).await;
    let path = format!("/api/v1/products/{public}/trial-policy");
    expect_error(server.get(&path, None).await, 404, "NOT_FOUND").await;
    expect_error(server.patch_json(&path, Some(&owner), &json!({"trial_days": 3})).await, 404, "NOT_FOUND")
        .await;
    expect_error(server.delete(&path, Some(&owner)).await, 404, "NOT_FOUND").await;

    invalid(
        server.post_json(&path, Some(&owner), &json!({})).await,
        &["penalty_type", "penalty_value", "return_window_hours", "trial_days"],
    )
    .await;
    let mut zero_days = policy();
    zero_days["trial_days"] = json!(0);
    invalid(server.post_json(&path, Some(&owner), &zero_days).await, &["trial_days"]).await;
    let mut too_much = policy();
    too_much["penalty_value"] = json!(101);
    invalid(server.post_json(&path, Some(&owner), &too_much).await, &["penalty_value"]).await;
    let negative =
        json!({"trial_days": 7, "penalty_type": "flat", "penalty_value": "-1", "return_window_hours": 48});
    invalid(server.post_json(&path, Some(&owner), &negative).await, &["penalty_value"]).await;
    let mut no_window = policy();
    no_window["return_window_hours"] = json!(0);
    invalid(server.post_json(&path, Some(&owner), &no_window).await, &["return_window_hours"]).await;
    let unknown_type =
        json!({"trial_days": 7, "penalty_type": "half", "penalty_value": "1", "return_window_hours": 1});
    expect_error(server.post_json(&path, Some(&owner), &unknown_type).await, 422, "VALIDATION_FAILED").await;
    expect_error(server.get(&path, None).await, 404, "NOT_FOUND").await;

    expect_error(server.post_json(&path, None, &policy()).await, 401, "UNAUTHENTICATED").await;
    expect_error(server.post_json(&path, Some(&other), &policy()).await, 403, "FORBIDDEN").await;
    let created = data(server.post_json(&path, Some(&owner), &policy()).await, 201).await;
    assert_eq!(created["trial_policy"]["trial_days"], 7);
    assert_eq!(created["trial_policy"]["penalty_type"], "percentage");
    assert_eq!(created["trial_policy"]["penalty_value"], "12.50");
    assert_eq!(created["trial_policy"]["return_window_hours"], 48);
    expect_error(server.post_json(&path, Some(&owner), &policy()).await, 409, "CONFLICT").await;
    expect_error(server.post_json(&path, Some(&admin), &policy()).await, 409, "CONFLICT").await;

    let changed = data(server.patch_json(&path, Some(&owner), &json!({"trial_days": 14})).await, 200).await;
    assert_eq!(changed["trial_policy"]["trial_days"], 14);
    assert_eq!(changed["trial_policy"]["penalty_value"], "12.50", "absent fields stay");
    invalid(
        server.patch_json(&path, Some(&owner), &json!({"penalty_type": "flat"})).await,
        &["penalty_value"],
    )
    .await;
    invalid(
        server.patch_json(&path, Some(&owner), &json!({"penalty_value": "100.5"})).await,
        &["penalty_value"],
    )
    .await;
    invalid(server.patch_json(&path, Some(&owner), &json!({"trial_days": 0})).await, &["trial_days"]).await;
    let flat = data(
        server.patch_json(&path, Some(&admin), &json!({"penalty_type": "flat", "penalty_value": 4})).await,
        200,
    )
    .await;
    assert_eq!(flat["trial_policy"]["penalty_value"], "4.00");
    expect_error(server.patch_json(&path, Some(&other), &json!({"trial_days": 1})).await, 403, "FORBIDDEN")
        .await;
    let public_read = data(server.get(&path, None).await, 200).await;
    assert_eq!(public_read["trial_policy"]["trial_days"], 14);
    assert_eq!(public_read["trial_policy"]["penalty_type"], "flat");
    let listed = data(server.get("/api/v1/products?has_trial=true", None).await, 200).await;
    assert_eq!(listed["pagination"]["total"], 1);

    expect_error(server.delete(&path, Some(&other)).await, 403, "FORBIDDEN").await;
    expect_error(server.delete(&path, None).await, 401, "UNAUTHENTICATED").await;
    assert_eq!(server.delete(&path, Some(&owner)).await.status(), 200);
    expect_error(server.get(&path, None).await, 404, "NOT_FOUND").await;
    expect_error(server.get(&path, Some(&owner)).await, 404, "NOT_FOUND").await;
    expect_error(server.delete(&path, Some(&owner)).await, 404, "NOT_FOUND").await;
    let product = data(server.get(&format!("/api/v1/products/{public}"), None).await, 200).await;
    assert_eq!(product["product"]["trial_policy"], Value::Null, "a disabled policy is not shown");
    let listed = data(server.get("/api/v1/products?has_trial=true", None).await, 200).await;
    assert_eq!(listed["pagination"]["total"], 0);
    let again = data(server.post_json(&path, Some(&owner), &policy()).await, 201).await;
    assert_eq!(again["trial_policy"]["trial_days"], 7, "a new policy, not the old one");
    assert_eq!(data(server.get(&path, None).await, 200).await["trial_policy"]["penalty_type"], "percentage");

    let hidden = format!("/api/v1/products/{draft}/trial-policy");
    expect_error(server.get(&hidden, None).await, 404, "NOT_FOUND").await;
    expect_error(server.post_json(&hidden, Some(&other), &policy()).await, 404, "NOT_FOUND").await;
    assert_eq!(server.post_json(&hidden, Some(&owner), &policy()).await.status(), 201);
    expect_error(server.get(&hidden, None).await, 404, "NOT_FOUND").await;
    assert_eq!(server.get(&hidden, Some(&owner)).await.status(), 200);
    server.stop().await;
}

async fn rental_terms_are_put_whole(backend: Backend) {
    let Setup { server, admin, owner, other, public, draft } = setup(backend).await;
    let path = format!("/api/v1/products/{public}/rental");
    expect_error(server.get(&path, None).await, 404, "NOT_FOUND").await;
    expect_error(server.delete(&path, Some(&owner)).await, 404, "NOT_FOUND").await;
    invalid(server.put_json(&path, Some(&owner), &json!({})).await, &["daily_rate"]).await;
    invalid(server.put_json(&path, Some(&owner), &json!({"daily_rate": 0})).await, &["daily_rate"]).await;
    invalid(
        server
            .put_json(
                &path,
                Some(&owner),
                &json!({"daily_rate": "5", "late_fee_per_day": "-1", "deposit": "-2"}),
            )
            .await,
        &["deposit", "late_fee_per_day"],
    )
    .await;
    invalid(server.put_json(&path, Some(&owner), &json!({"daily_rate": "5.001"})).await, &["daily_rate"])
        .await;
    expect_error(server.put_json(&path, None, &json!({"daily_rate": 5})).await, 401, "UNAUTHENTICATED").await;
    expect_error(server.put_json(&path, Some(&other), &json!({"daily_rate": 5})).await, 403, "FORBIDDEN")
        .await;

    let body = json!({"daily_rate": "25", "late_fee_per_day": 5, "deposit": "100", "available": true});
    let created = data(server.put_json(&path, Some(&owner), &body).await, 201).await;
    assert_eq!(created["rental"]["daily_rate"], "25.00");
    assert_eq!(created["rental"]["late_fee_per_day"], "5.00");
    assert_eq!(created["rental"]["deposit"], "100.00");
    assert_eq!(created["rental"]["available"], true);
    let replaced = data(server.put_json(&path, Some(&admin), &json!({"daily_rate": "30"})).await, 200).await;
    assert_eq!(replaced["rental"]["daily_rate"], "30.00");
    assert_eq!(replaced["rental"]["late_fee_per_day"], "0.00", "PUT replaces the whole terms");
    assert_eq!(replaced["rental"]["deposit"], "0.00");
    assert_eq!(replaced["rental"]["created_at"], created["rental"]["created_at"]);
    let got = data(server.get(&path, None).await, 200).await;
    assert_eq!(got["rental"]["daily_rate"], "30.00");
    let rentals = data(server.get("/api/v1/rentals", None).await, 200).await;
    assert_eq!(rentals["pagination"]["total"], 1);
    let closed = data(
        server.put_json(&path, Some(&owner), &json!({"daily_rate": "30", "available": false})).await,
        200,
    )
    .await;
    assert_eq!(closed["rental"]["available"], false);
    assert_eq!(data(server.get("/api/v1/rentals", None).await, 200).await["pagination"]["total"], 0);
    assert_eq!(data(server.get(&path, None).await, 200).await["rental"]["available"], false);

    expect_error(server.delete(&path, Some(&other)).await, 403, "FORBIDDEN").await;
    expect_error(server.delete(&path, None).await, 401, "UNAUTHENTICATED").await;
    assert_eq!(server.delete(&path, Some(&owner)).await.status(), 200);
    expect_error(server.get(&path, None).await, 404, "NOT_FOUND").await;
    expect_error(server.delete(&path, Some(&owner)).await, 404, "NOT_FOUND").await;
    let product = data(server.get(&format!("/api/v1/products/{public}"), None).await, 200).await;
    assert_eq!(product["product"]["rental"], Value::Null);
    assert_eq!(server.put_json(&path, Some(&owner), &json!({"daily_rate": 1})).await.status(), 201);

    let hidden = format!("/api/v1/products/{draft}/rental");
    expect_error(server.put_json(&hidden, Some(&other), &json!({"daily_rate": 1})).await, 404, "NOT_FOUND")
        .await;
    assert_eq!(server.put_json(&hidden, Some(&owner), &json!({"daily_rate": 1})).await.status(), 201);
    expect_error(server.get(&hidden, None).await, 404, "NOT_FOUND").await;
    assert_eq!(server.get(&hidden, Some(&owner)).await.status(), 200);
    server.stop().await;
}

async fn product_metafields_belong_to_the_owner_and_admins(backend: Backend) {
    let Setup { server, admin, owner, other, public, draft } = setup(backend).await;
    let path = format!("/api/v1/products/{public}/metafields");
    assert_eq!(data(server.get(&path, Some(&owner)).await, 200).await["metafields"], json!([]));
    let stored = data(
        server
            .post_json(&path, Some(&owner), &json!({"namespace": "erp", "key": "code", "value": {"n": 1}}))
            .await,
        200,
    )
    .await;
    assert_eq!(stored["metafield"]["namespace"], "erp");
    assert_eq!(stored["metafield"]["value"], json!({"n": 1}));
    let replaced = data(
        server
            .post_json(&path, Some(&admin), &json!({"namespace": "erp", "key": "code", "value": "X-1"}))
            .await,
        200,
    )
    .await;
    assert_eq!(replaced["metafield"]["id"], stored["metafield"]["id"], "upsert by namespace and key");
    assert_eq!(replaced["metafield"]["value"], "X-1");
    let other_key = json!({"namespace": "seo", "key": "tags", "value": ["linen", "tee"]});
    assert_eq!(server.post_json(&path, Some(&owner), &other_key).await.status(), 200);
    let listed = data(server.get(&path, Some(&admin)).await, 200).await;
    assert_eq!(listed["metafields"].as_array().unwrap().len(), 2);
    let by_owner = data(server.get(&path, Some(&owner)).await, 200).await;
    assert_eq!(by_owner, listed);

    invalid(
        server
            .post_json(&path, Some(&owner), &json!({"namespace": "Bad Space", "key": "k", "value": 1}))
            .await,
        &["namespace"],
    )
    .await;
    invalid(
        server.post_json(&path, Some(&owner), &json!({"namespace": "ok", "key": "", "value": 1})).await,
        &["key"],
    )
    .await;

    expect_error(server.get(&path, Some(&other)).await, 403, "FORBIDDEN").await;
    expect_error(server.post_json(&path, Some(&other), &other_key).await, 403, "FORBIDDEN").await;
    let (_, buyer) = server.buyer("shopper").await;
    expect_error(server.get(&path, Some(&buyer)).await, 403, "FORBIDDEN").await;
    expect_error(server.post_json(&path, Some(&buyer), &other_key).await, 403, "FORBIDDEN").await;
    expect_error(server.get(&path, None).await, 401, "UNAUTHENTICATED").await;
    expect_error(server.post_json(&path, None, &other_key).await, 401, "UNAUTHENTICATED").await;

    let hidden = format!("/api/v1/products/{draft}/metafields");
    expect_error(server.get(&hidden, Some(&other)).await, 404, "NOT_FOUND").await;
    expect_error(server.post_json(&hidden, Some(&other), &other_key).await, 404, "NOT_FOUND").await;
    assert_eq!(server.post_json(&hidden, Some(&owner), &other_key).await.status(), 200);
    assert_eq!(
        data(server.get(&hidden, Some(&admin)).await, 200).await["metafields"].as_array().unwrap().len(),
        1
    );
    let unknown = format!("/api/v1/products/{}/metafields", uuid::Uuid::now_v7());
    expect_error(server.get(&unknown, Some(&owner)).await, 404, "NOT_FOUND").await;
    expect_error(server.post_json(&unknown, Some(&admin), &other_key).await, 404, "NOT_FOUND").await;
    server.stop().await;
}

on_both_backends!(
    variants_list_create_change_and_delete,
    skus_are_unique_per_seller,
    add_ons_list_create_change_and_delete,
    trial_policies_are_one_per_product,
    rental_terms_are_put_whole,
    product_metafields_belong_to_the_owner_and_admins,
);
