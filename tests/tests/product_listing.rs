//! Product lists over HTTP: every filter of `GET /products` (full-text search with ranking,
//! prefixes and stemming, visibility, multi-value filters, categories with descendants,
//! collections, exact price bounds per currency), sorting, pagination, sparse fields, the scope
//! of sellers and admins, `GET /rentals` and `GET /collections/{handle}/products`.

use std::collections::HashMap;

use serde_json::{Value, json};
use souk_tests::{Backend, TestServer, expect_error, json, on_both_backends};

/// The catalogue every listing test reads.
struct Catalog {
    server: TestServer,
    admin: String,
    alice: String,
    alice_id: String,
    bob_id: String,
    bob: String,
    ids: HashMap<&'static str, String>,
    categories: HashMap<&'static str, String>,
}

async fn category(server: &TestServer, admin: &str, name: &str, parent: Option<&str>) -> String {
    let response = server
        .post_json("/api/v1/categories", Some(admin), &json!({"name": name, "parent_id": parent}))
        .await;
    assert_eq!(response.status(), 201, "{}", response.text().await.unwrap_or_default());
    json(response).await["data"]["category"]["id"].as_str().unwrap().to_owned()
}

async fn product(server: &TestServer, token: &str, body: Value) -> String {
    let mut full = json!({"status": "published", "currency": "USD", "quantity": 5, "condition": "new"});
    for (key, value) in body.as_object().unwrap() {
        full[key] = value.clone();
    }
    let response = server.post_json("/api/v1/products", Some(token), &full).await;
    assert_eq!(response.status(), 201, "{}", response.text().await.unwrap_or_default());
    json(response).await["data"]["product"]["id"].as_str().unwrap().to_owned()
}

async fn catalog(backend: Backend) -> Catalog {
    let server = TestServer::start(backend).await;
    let (_, admin) = server.admin().await;
    let (alice_user, alice) = server.seller("alice").await;
    let (bob_user, bob) = server.seller("bob").await;
    let (a, b) = (alice_user.id.to_string(), bob_user.id.to_string());
    let furniture = category(&server, &admin, "Furniture", None).await;
    let tables = category(&server, &admin, "Tables", Some(&furniture)).await;
    let dining = category(&server, &admin, "Dining", Some(&tables)).await;
    let electronics = category(&server, &admin, "Electronics", None).await;
    let mut ids = HashMap::new();
    let specs: Vec<(&'static str, Value)> = vec![
        (
            "Oaken Dining Table",
            json!({"seller_id": a, "category_id": dining, "price": "150", "on_homepage": true,
                   "description": "Seats six.",
                   "trial_policy": {"trial_days": 7, "penalty_type": "flat", "penalty_value": "5", "return_window_hours": 48}}),
        ),
        (
            "Walnut Chair",
            json!({"seller_id": a, "category_id": furniture, "price": "80", "condition": "used",
                   "description": "Pairs with any oak table.", "rental": {"daily_rate": "4"}}),
        ),
        (
            "Kettle",
            json!({"seller_id": b, "category_id": electronics, "price": 11, "currency": "JPY", "condition": "refurbished"}),
        ),
        (
            "Lamp",
            json!({"seller_id": b, "category_id": electronics, "price": "10.50", "visibility": "catalog"}),
        ),
        ("Hidden Gem", json!({"seller_id": b, "price": "20", "visibility": "search"})),
        ("Secret Item", json!({"seller_id": a, "price": "30", "visibility": "none"})),
        ("Sold Out Sofa", json!({"seller_id": a, "category_id": tables, "price": "500", "quantity": 0})),
        (
            "Ebook Guide",
            json!({"seller_id": b, "price": "5", "currency": "EUR", "is_digital": true, "requires_shipping": false}),
        ),
        (
            "Camera",
            json!({"seller_id": b, "category_id": electronics, "price": "40",
                   "rental": {"daily_rate": "9", "available": false}}),
        ),
        ("Draft Desk", json!({"seller_id": a, "price": "60", "status": "draft"})),
        ("Gone Vase", json!({"seller_id": a, "price": "15"})),
    ];
    for (title, mut body) in specs {
        body["title"] = json!(title);
        ids.insert(title, product(&server, &admin, body).await);
    }
    // A seller's own product waits for moderation and stays a draft.
    ids.insert(
        "Bob Draft",
        product(&server, &bob, json!({"title": "Bob Draft", "price": "1", "status": "draft"})).await,
    );
    let gone = format!("/api/v1/products/{}", ids["Gone Vase"]);
    assert_eq!(server.delete(&gone, Some(&admin)).await.status(), 200);
    let blocked = server
        .post_json(
            &format!("/api/v1/products/{}/moderation", ids["Secret Item"]),
            Some(&admin),
            &json!({"admin_status": "blocked"}),
        )
        .await;
    assert_eq!(blocked.status(), 200);

    let created = server
        .post_json("/api/v1/collections", Some(&admin), &json!({"handle": "summer", "title": "Summer"}))
        .await;
    assert_eq!(created.status(), 201, "{}", created.text().await.unwrap_or_default());
    let members =
        json!({"product_ids": [ids["Camera"], ids["Oaken Dining Table"], ids["Secret Item"], ids["Kettle"]]});
    let set = server.put_json("/api/v1/collections/summer/products", Some(&admin), &members).await;
    assert_eq!(set.status(), 200, "{}", set.text().await.unwrap_or_default());

    let categories = HashMap::from([
        ("furniture", furniture),
        ("tables", tables),
        ("dining", dining),
        ("electronics", electronics),
    ]);
    Catalog { server, admin, alice, alice_id: a, bob_id: b, bob, ids, categories }
}

impl Catalog {
    async fn body(&self, path: &str, token: Option<&str>) -> Value {
        let response = self.server.get(path, token).await;
        assert_eq!(response.status(), 200, "{path}: {}", response.text().await.unwrap_or_default());
        json(response).await
    }

    /// The titles of a list, in order.
    async fn titles(&self, query: &str, token: Option<&str>) -> Vec<String> {
        let body = self.body(&format!("/api/v1/products?page_size=200&{query}"), token).await;
        titles_of(&body)
    }

    /// The titles of a list, sorted.
    async fn set(&self, query: &str, token: Option<&str>) -> Vec<String> {
        let mut titles = self.titles(query, token).await;
        titles.sort();
        titles
    }

    async fn invalid(&self, query: &str, token: Option<&str>, field: &str) {
        let response = self.server.get(&format!("/api/v1/products?{query}"), token).await;
        let body = expect_error(response, 422, "VALIDATION_FAILED").await;
        assert!(body["errors"][field].is_array(), "{query}: {body}");
    }
}

fn titles_of(body: &Value) -> Vec<String> {
    body["data"]["products"]
        .as_array()
        .unwrap_or_else(|| panic!("no products in {body}"))
        .iter()
        .map(|p| p["title"].as_str().unwrap().to_owned())
        .collect()
}

fn sorted(titles: &[&str]) -> Vec<String> {
    let mut titles: Vec<String> = titles.iter().map(|t| (*t).to_owned()).collect();
    titles.sort();
    titles
}

const PUBLIC: [&str; 7] =
    ["Camera", "Ebook Guide", "Kettle", "Lamp", "Oaken Dining Table", "Sold Out Sofa", "Walnut Chair"];

async fn search_is_ranked_prefixed_stemmed_and_respects_visibility(backend: Backend) {
    let c = catalog(backend).await;
    assert_eq!(c.set("", None).await, sorted(&PUBLIC), "the public sees listed products only");
    assert_eq!(
        c.titles("search=oak", None).await,
        ["Oaken Dining Table", "Walnut Chair"],
        "a prefix finds Oaken; a title match ranks above a description match"
    );
    assert_eq!(
        c.titles("search=tables", None).await,
        ["Oaken Dining Table", "Walnut Chair"],
        "stemming: tables finds table"
    );
    assert_eq!(c.titles("search=oak%20dining", None).await, ["Oaken Dining Table"], "every word must match");
    assert_eq!(c.titles("search=gem", None).await, ["Hidden Gem"], "search-only products show in search");
    assert!(c.titles("search=lamp", None).await.is_empty(), "catalog-only products stay out of search");
    assert!(c.titles("search=secret", None).await.is_empty());
    assert!(c.titles("search=secret", Some(&c.bob)).await.is_empty(), "hidden from other sellers");
    assert_eq!(c.titles("search=secret", Some(&c.admin)).await, ["Secret Item"]);
    assert_eq!(
        c.titles("search=oak&order_by=title&order_direction=desc", None).await,
        ["Walnut Chair", "Oaken Dining Table"],
        "order_by overrides relevance"
    );
    c.invalid("search=a", None, "search").await;
    c.invalid("search=%20x%20", None, "search").await;
    c.server.stop().await;
}

async fn every_filter_narrows_the_list(backend: Backend) {
    let c = catalog(backend).await;
    let admin = Some(c.admin.as_str());
    assert_eq!(c.titles("title=Lamp", None).await, ["Lamp"]);
    assert!(c.titles("title=lamp", None).await.is_empty(), "title is exact");
    assert_eq!(c.set("status=draft", admin).await, sorted(&["Bob Draft", "Draft Desk"]));
    assert_eq!(c.set("status=draft,archived", admin).await, sorted(&["Bob Draft", "Draft Desk"]));
    assert_eq!(c.set("status=draft&status=published", admin).await.len(), 11);
    assert_eq!(c.set("admin_status=waiting", admin).await, ["Bob Draft"]);
    assert_eq!(c.set("admin_status=waiting,blocked", admin).await, sorted(&["Bob Draft", "Secret Item"]));
    assert_eq!(
        c.set("admin_status=waiting&admin_status=blocked", admin).await,
        sorted(&["Bob Draft", "Secret Item"])
    );
    assert_eq!(c.set("visibility=catalog,search", admin).await, sorted(&["Hidden Gem", "Lamp"]));
    assert_eq!(c.set("visibility=none", admin).await, ["Secret Item"]);
    assert!(c.set("visibility=none", None).await.is_empty(), "never for the public");
    assert!(c.set("visibility=search", None).await.is_empty(), "search-only products need a search");
    assert_eq!(c.set("condition=used", None).await, ["Walnut Chair"]);
    assert_eq!(c.set("condition=used,refurbished", None).await, sorted(&["Kettle", "Walnut Chair"]));
    assert_eq!(
        c.set("condition=used&condition=refurbished", None).await,
        sorted(&["Kettle", "Walnut Chair"])
    );
    assert_eq!(c.set("is_digital=true", None).await, ["Ebook Guide"]);
    assert_eq!(c.set("is_digital=false", None).await.len(), 6);
    assert_eq!(c.set("out_of_stock=true", None).await, ["Sold Out Sofa"]);
    assert_eq!(c.set("out_of_stock=false", None).await.len(), 6);

    let cat = |name: &str| c.categories[name].clone();
    assert_eq!(
        c.set(&format!("category_id={}", cat("furniture")), None).await,
        sorted(&["Oaken Dining Table", "Sold Out Sofa", "Walnut Chair"]),
        "a category includes its descendants"
    );
    assert_eq!(
        c.set(&format!("category_id={}", cat("tables")), None).await,
        sorted(&["Oaken Dining Table", "Sold Out Sofa"])
    );
    assert_eq!(
        c.set(&format!("category_id={},{}", cat("dining"), cat("electronics")), None).await,
        sorted(&["Camera", "Kettle", "Lamp", "Oaken Dining Table"])
    );
    assert_eq!(
        c.set(&format!("category_id={}&category_id={}", cat("dining"), cat("tables")), None).await,
        sorted(&["Oaken Dining Table", "Sold Out Sofa"]),
        "overlapping categories list a product once"
    );

    assert_eq!(c.titles("collection=summer", None).await, ["Camera", "Oaken Dining Table", "Kettle"]);
    assert_eq!(
        c.titles("collection=summer", admin).await,
        ["Camera", "Oaken Dining Table", "Secret Item", "Kettle"],
        "the curated order is the default"
    );
    assert_eq!(
        c.titles("collection=summer&order_by=title&order_direction=asc", None).await,
        ["Camera", "Kettle", "Oaken Dining Table"]
    );
    expect_error(c.server.get("/api/v1/products?collection=winter", None).await, 404, "NOT_FOUND").await;

    assert_eq!(
        c.set(&format!("seller_id={}", c.alice_id), None).await,
        sorted(&["Oaken Dining Table", "Sold Out Sofa", "Walnut Chair"])
    );
    assert_eq!(c.set(&format!("seller_id={},{}", c.alice_id, c.bob_id), None).await, sorted(&PUBLIC));
    assert_eq!(c.set(&format!("seller_id={}&seller_id={}", c.alice_id, c.bob_id), None).await.len(), 7);
    assert_eq!(c.set("currency=JPY", None).await, ["Kettle"]);
    assert_eq!(c.set("currency=EUR,JPY", None).await, sorted(&["Ebook Guide", "Kettle"]));

    assert_eq!(
        c.set("min_price=10.5", None).await,
        sorted(&["Camera", "Kettle", "Lamp", "Oaken Dining Table", "Sold Out Sofa", "Walnut Chair"]),
        "11 JPY is at least 10.5; 10.50 USD is too"
    );
    assert_eq!(
        c.set("max_price=10.5", None).await,
        sorted(&["Ebook Guide", "Lamp"]),
        "11 JPY is more than 10.5"
    );
    assert_eq!(c.set("min_price=10.51&max_price=11", None).await, ["Kettle"]);
    assert_eq!(c.set("min_price=10.5&max_price=10.5", None).await, ["Lamp"]);
    assert_eq!(c.set("min_price=11.0001", None).await.len(), 4, "no JPY price lies in 11..12");
    assert_eq!(c.set("on_homepage=true", None).await, ["Oaken Dining Table"]);
    assert_eq!(c.set("on_homepage=false", None).await.len(), 6);
    assert_eq!(c.set("rentable=true", None).await, ["Walnut Chair"], "unavailable rentals do not count");
    assert_eq!(c.set("rentable=false", None).await.len(), 6);
    assert_eq!(c.set("has_trial=true", None).await, ["Oaken Dining Table"]);
    assert_eq!(c.set("has_trial=0", None).await.len(), 6);
    assert_eq!(
        c.set("rentable=false&has_trial=false&currency=USD&condition=new", None).await,
        sorted(&["Camera", "Lamp", "Sold Out Sofa"])
    );

    assert_eq!(c.set("", admin).await.len(), 11, "admins see every undeleted product");
    let with_deleted = c.set("include_deleted=true", admin).await;
    assert_eq!(with_deleted.len(), 12);
    assert!(with_deleted.contains(&"Gone Vase".to_owned()));
    expect_error(
        c.server.get("/api/v1/products?include_deleted=true", Some(&c.alice)).await,
        403,
        "FORBIDDEN",
    )
    .await;
    expect_error(c.server.get("/api/v1/products?include_deleted=true", None).await, 403, "FORBIDDEN").await;
    assert_eq!(c.set("include_deleted=false", None).await.len(), 7);
    c.server.stop().await;
}

async fn sellers_see_their_own_drafts_and_nobody_else_s(backend: Backend) {
    let c = catalog(backend).await;
    let mine = c.set("", Some(&c.alice)).await;
    let mut expected: Vec<&str> = PUBLIC.to_vec();
    expected.extend(["Draft Desk", "Secret Item"]);
    assert_eq!(mine, sorted(&expected), "own drafts and hidden products, not bob's draft");
    assert_eq!(c.set("status=draft", Some(&c.alice)).await, ["Draft Desk"]);
    assert_eq!(c.set("status=draft", Some(&c.bob)).await, ["Bob Draft"]);
    assert!(c.set("status=draft", None).await.is_empty());
    assert_eq!(
        c.set(&format!("seller_id={}&status=draft", c.alice_id), Some(&c.bob)).await,
        Vec::<String>::new()
    );
    let (_, buyer) = c.server.buyer("carol").await;
    assert_eq!(c.set("", Some(&buyer)).await, sorted(&PUBLIC));
    let draft = format!("/api/v1/products/{}", c.ids["Bob Draft"]);
    expect_error(c.server.get(&draft, Some(&c.alice)).await, 404, "NOT_FOUND").await;
    c.server.stop().await;
}

async fn lists_sort_both_ways_and_paginate(backend: Backend) {
    let c = catalog(backend).await;
    let by_title =
        ["Camera", "Ebook Guide", "Kettle", "Lamp", "Oaken Dining Table", "Sold Out Sofa", "Walnut Chair"];
    assert_eq!(c.titles("order_by=title&order_direction=ASC", None).await, by_title);
    let mut reversed = by_title.to_vec();
    reversed.reverse();
    assert_eq!(c.titles("order_by=title&order_direction=desc", None).await, reversed);
    assert_eq!(c.titles("order_by=title", None).await, reversed, "DESC is the default direction");

    let usd = ["Lamp", "Camera", "Walnut Chair", "Oaken Dining Table", "Sold Out Sofa"];
    assert_eq!(c.titles("currency=USD&order_by=price&order_direction=asc", None).await, usd);
    let mut usd_desc = usd.to_vec();
    usd_desc.reverse();
    assert_eq!(c.titles("currency=USD&order_by=price&order_direction=Desc", None).await, usd_desc);

    let created =
        ["Oaken Dining Table", "Walnut Chair", "Kettle", "Lamp", "Sold Out Sofa", "Ebook Guide", "Camera"];
    assert_eq!(c.titles("order_by=created_at&order_direction=asc", None).await, created);
    let mut newest = created.to_vec();
    newest.reverse();
    assert_eq!(c.titles("order_by=created_at&order_direction=desc", None).await, newest);
    assert_eq!(c.titles("", None).await, newest, "newest first by default");

    let furniture = format!("category_id={}", c.categories["furniture"]);
    assert_eq!(
        c.titles(&format!("{furniture}&order_by=category&order_direction=asc"), None).await,
        ["Oaken Dining Table", "Walnut Chair", "Sold Out Sofa"],
        "Dining, Furniture, Tables"
    );
    assert_eq!(
        c.titles(&format!("{furniture}&order_by=category&order_direction=desc"), None).await,
        ["Sold Out Sofa", "Walnut Chair", "Oaken Dining Table"]
    );

    let first = c.body("/api/v1/products?page_size=3&order_by=title&order_direction=asc", None).await;
    assert_eq!(
        first["data"]["pagination"],
        json!({"total": 7, "per_page": 3, "current_page": 1, "last_page": 3})
    );
    assert_eq!(titles_of(&first), by_title[..3]);
    let last = c.body("/api/v1/products?page_size=3&page=3&order_by=title&order_direction=asc", None).await;
    assert_eq!(last["data"]["pagination"]["current_page"], 3);
    assert_eq!(titles_of(&last), ["Walnut Chair"]);
    let beyond = c.body("/api/v1/products?page_size=3&page=9", None).await;
    assert_eq!(beyond["data"]["pagination"]["total"], 7);
    assert!(titles_of(&beyond).is_empty());
    let default = c.body("/api/v1/products", None).await;
    assert_eq!(default["data"]["pagination"]["per_page"], 20);
    assert_eq!(default["data"]["pagination"]["last_page"], 1);

    let sparse = c.body("/api/v1/products?fields=id,title", None).await;
    for product in sparse["data"]["products"].as_array().unwrap() {
        let keys: Vec<&String> = product.as_object().unwrap().keys().collect();
        assert_eq!(keys, ["id", "title"]);
    }
    assert_eq!(sparse["data"]["pagination"]["total"], 7, "the envelope stays whole");
    let only_price = c.body("/api/v1/products?fields=price&currency=JPY", None).await;
    assert_eq!(only_price["data"]["products"][0], json!({"id": c.ids["Kettle"], "price": "11"}));
    c.server.stop().await;
}

async fn bad_query_values_are_422_with_field_names(backend: Backend) {
    let c = catalog(backend).await;
    c.invalid("order_by=popularity", None, "order_by").await;
    c.invalid("order_direction=sideways", None, "order_direction").await;
    c.invalid("page=0", None, "page").await;
    c.invalid("page_size=0", None, "page_size").await;
    c.invalid("page_size=201", None, "page_size").await;
    c.invalid("page=abc", None, "page").await;
    c.invalid("status=live", Some(&c.admin), "status").await;
    c.invalid("status=draft,live", Some(&c.admin), "status").await;
    c.invalid("admin_status=maybe", None, "admin_status").await;
    c.invalid("visibility=everywhere", None, "visibility").await;
    c.invalid("condition=broken", None, "condition").await;
    c.invalid("is_digital=yes", None, "is_digital").await;
    c.invalid("out_of_stock=2", None, "out_of_stock").await;
    c.invalid("on_homepage=maybe", None, "on_homepage").await;
    c.invalid("rentable=x", None, "rentable").await;
    c.invalid("has_trial=x", None, "has_trial").await;
    c.invalid("include_deleted=x", Some(&c.admin), "include_deleted").await;
    c.invalid("category_id=furniture", None, "category_id").await;
    c.invalid("seller_id=42", None, "seller_id").await;
    c.invalid("currency=XYZ", None, "currency").await;
    c.invalid("min_price=abc", None, "min_price").await;
    c.invalid("max_price=-1", None, "max_price").await;
    c.invalid("min_price=1.00001", None, "min_price").await;
    c.invalid("fields=id,secret", None, "fields").await;
    let body = expect_error(
        c.server.get("/api/v1/products?order_by=nope&is_digital=nope&page=0", None).await,
        422,
        "VALIDATION_FAILED",
    )
    .await;
    for field in ["order_by", "is_digital", "page"] {
        assert!(body["errors"][field].is_array(), "every bad value is named: {body}");
    }
    c.server.stop().await;
}

async fn rentals_and_collection_listings(backend: Backend) {
    let c = catalog(backend).await;
    let rentals = c.body("/api/v1/rentals", None).await;
    assert_eq!(titles_of(&rentals), ["Walnut Chair"]);
    assert_eq!(rentals["data"]["products"][0]["rental"]["daily_rate"], "4.00");
    assert_eq!(rentals["data"]["pagination"]["total"], 1);
    let camera = format!("/api/v1/products/{}/rental", c.ids["Camera"]);
    let opened =
        c.server.put_json(&camera, Some(&c.bob), &json!({"daily_rate": "9", "available": true})).await;
    assert_eq!(opened.status(), 200);
    assert_eq!(
        titles_of(&c.body("/api/v1/rentals?order_by=title&order_direction=asc", None).await),
        ["Camera", "Walnut Chair"]
    );
    assert_eq!(titles_of(&c.body("/api/v1/rentals?condition=used", None).await), ["Walnut Chair"]);
    assert_eq!(
        titles_of(&c.body(&format!("/api/v1/rentals?seller_id={}", c.bob_id), None).await),
        ["Camera"]
    );
    let bad = c.server.get("/api/v1/rentals?order_by=rate", None).await;
    expect_error(bad, 422, "VALIDATION_FAILED").await;

    let listed = c.body("/api/v1/collections/summer/products", None).await;
    assert_eq!(titles_of(&listed), ["Camera", "Oaken Dining Table", "Kettle"], "curated order");
    assert_eq!(listed["data"]["pagination"]["total"], 3);
    let admin = c.body("/api/v1/collections/summer/products", Some(&c.admin)).await;
    assert_eq!(titles_of(&admin), ["Camera", "Oaken Dining Table", "Secret Item", "Kettle"]);
    let paged = c.body("/api/v1/collections/summer/products?page_size=2&page=2", None).await;
    assert_eq!(titles_of(&paged), ["Kettle"]);
    assert_eq!(paged["data"]["pagination"]["last_page"], 2);
    let filtered = c
        .body("/api/v1/collections/summer/products?currency=USD&order_by=price&order_direction=desc", None)
        .await;
    assert_eq!(titles_of(&filtered), ["Oaken Dining Table", "Camera"]);
    let sparse = c.body("/api/v1/collections/summer/products?fields=title", None).await;
    let keys: Vec<&String> = sparse["data"]["products"][0].as_object().unwrap().keys().collect();
    assert_eq!(keys, ["id", "title"]);
    expect_error(c.server.get("/api/v1/collections/winter/products", None).await, 404, "NOT_FOUND").await;
    expect_error(
        c.server.get("/api/v1/collections/summer/products?order_by=nope", None).await,
        422,
        "VALIDATION_FAILED",
    )
    .await;
    c.server.stop().await;
}

async fn the_search_index_follows_every_write(backend: Backend) {
    let server = TestServer::start(backend).await;
    let (_, seller) = server.seller("searchshop").await;
    let id = product(
        &server,
        &seller,
        json!({"title": "Copper kettle", "slug": "item-one", "price": "30", "description": "Boils fast"}),
    )
    .await;
    let hits = |text: &'static str| {
        let server = &server;
        async move {
            let body = json(server.get(&format!("/api/v1/products?search={text}"), None).await).await;
            body["data"]["pagination"]["total"].as_u64().unwrap()
        }
    };
    assert_eq!(hits("copper").await, 0, "moderation has not approved it yet");
    let (_, admin) = server.admin().await;
    let moderation = format!("/api/v1/products/{id}/moderation");
    server.post_json(&moderation, Some(&admin), &json!({"admin_status": "approved"})).await;
    assert_eq!(hits("copper").await, 1);
    assert_eq!(hits("boils").await, 1, "descriptions are searched");
    let path = format!("/api/v1/products/{id}");
    let renamed =
        server.patch_json(&path, Some(&seller), &json!({"title": "Brass teapot", "description": null})).await;
    assert_eq!(renamed.status(), 200);
    assert_eq!(hits("copper").await, 0, "the old title is gone from the index");
    assert_eq!(hits("boils").await, 0, "the cleared description is gone from the index");
    assert_eq!(hits("teapot").await, 1);
    assert_eq!(hits("brass+teapot").await, 1);
    assert_eq!(hits("item").await, 1, "slugs are searched");
    server.delete(&path, Some(&seller)).await;
    assert_eq!(hits("teapot").await, 0, "deleted products are not found");
}

on_both_backends!(
    the_search_index_follows_every_write,
    search_is_ranked_prefixed_stemmed_and_respects_visibility,
    every_filter_narrows_the_list,
    sellers_see_their_own_drafts_and_nobody_else_s,
    lists_sort_both_ways_and_paginate,
    bad_query_values_are_422_with_field_names,
    rentals_and_collection_listings,
);
