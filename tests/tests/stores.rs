//! Brands, stores, zones, nearest stores, store lists and order transfers over HTTP on SQLite and
//! PostgreSQL: all-or-nothing batches with per-row errors, polygons with holes in GeoJSON, KML
//! and CSV, the nearest store among 10,000 zones, row-by-row list synchronisation that a re-send
//! leaves unchanged, and stock moving with a transferred order; other sellers see nothing.

use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use serde_json::{Value, json};
use souk_fulfillment::stores::StoreId;
use souk_fulfillment::zones::ZoneShape;
use souk_storage::entities::order;
use souk_storage::stores::{StoredZone, insert_zones, list_items};
use souk_tests::payments::{checkout_one, listed_product};
use souk_tests::{Backend, TestServer, expect_error, json, on_both_backends};

const KML_FIXTURE: &str = include_str!("../fixtures/bole-zone.kml");

/// A square with a square hole around (9.05, 38.75): ring 9.00..9.10 x 38.70..38.80, hole
/// 9.04..9.06 x 38.74..38.76.
fn square_with_hole() -> Value {
    json!({"type": "Feature", "properties": {"name": "Bole"}, "geometry": {"type": "Polygon", "coordinates": [
        [[38.70, 9.00], [38.80, 9.00], [38.80, 9.10], [38.70, 9.10], [38.70, 9.00]],
        [[38.74, 9.04], [38.76, 9.04], [38.76, 9.06], [38.74, 9.06], [38.74, 9.04]]
    ]}})
}

fn store_row(code: &str, lat: f64, lng: f64) -> Value {
    json!({"code": code, "name": format!("Store {code}"), "city": "Addis Ababa", "address": "Bole Road 1",
           "lat": lat, "lng": lng, "sales_channels": ["delivery", "pickup"]})
}

async fn brand(server: &TestServer, token: &str, name: &str) -> String {
    let response = server.post_json("/api/v1/brands", Some(token), &json!({"name": name})).await;
    assert_eq!(response.status(), 201, "{}", response.text().await.unwrap_or_default());
    json(response).await["data"]["brand"]["id"].as_str().unwrap().to_owned()
}

async fn stores(server: &TestServer, token: &str, brand_id: &str, rows: Vec<Value>) -> Vec<String> {
    let response =
        server.post_json("/api/v1/stores", Some(token), &json!({"brand_id": brand_id, "stores": rows})).await;
    assert_eq!(response.status(), 201, "{}", response.text().await.unwrap_or_default());
    json(response).await["data"]["stores"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["id"].as_str().unwrap().to_owned())
        .collect()
}

async fn put_zones(
    server: &TestServer,
    token: &str,
    store: &str,
    content_type: &str,
    body: Vec<u8>,
) -> reqwest::Response {
    server
        .client
        .put(server.url(&format!("/api/v1/stores/{store}/zones")))
        .bearer_auth(token)
        .header("content-type", content_type)
        .body(body)
        .send()
        .await
        .unwrap()
}

async fn nearest(server: &TestServer, query: &str) -> Vec<Value> {
    let response = server.get(&format!("/api/v1/stores/nearest?{query}"), None).await;
    assert_eq!(response.status(), 200, "{}", response.text().await.unwrap_or_default());
    json(response).await["data"]["stores"].as_array().unwrap().clone()
}

fn ids(found: &[Value]) -> Vec<String> {
    found.iter().map(|s| s["id"].as_str().unwrap().to_owned()).collect()
}

async fn brands_and_store_batches_are_all_or_nothing(backend: Backend) {
    let server = TestServer::start(backend).await;
    let (_, admin) = server.admin().await;
    let (seller, token) = server.seller("sam").await;
    let (_, other) = server.seller("olga").await;
    let (_, buyer) = server.buyer("amina").await;
    let body = json!({"name": "Souk Fresh"});
    expect_error(server.post_json("/api/v1/brands", None, &body).await, 401, "UNAUTHENTICATED").await;
    expect_error(server.post_json("/api/v1/brands", Some(&buyer), &body).await, 403, "FORBIDDEN").await;
    let errors =
        expect_error(server.post_json("/api/v1/brands", Some(&admin), &body).await, 422, "VALIDATION_FAILED")
            .await;
    assert!(errors["errors"]["seller_id"].is_array(), "{errors}");
    expect_error(
        server.post_json("/api/v1/brands", Some(&token), &json!({"name": " "})).await,
        422,
        "VALIDATION_FAILED",
    )
    .await;
    let brand_id = brand(&server, &token, "Souk Fresh").await;
    let by_admin = server
        .post_json("/api/v1/brands", Some(&admin), &json!({"name": "Souk Express", "seller_id": seller.id}))
        .await;
    assert_eq!(by_admin.status(), 201);
    let other_brand = brand(&server, &other, "Olga's").await;
    let mine = json(server.get("/api/v1/brands", Some(&token)).await).await;
    assert_eq!(mine["data"]["pagination"]["total"], 2, "{mine}");
    let all = json(server.get("/api/v1/brands", Some(&admin)).await).await;
    assert_eq!(all["data"]["pagination"]["total"], 3);

    let created = stores(
        &server,
        &token,
        &brand_id,
        vec![store_row("BOLE-1", 9.0, 38.7), store_row("CMC-2", 9.02, 38.85)],
    )
    .await;
    assert_eq!(created.len(), 2);
    let bad = json!({"brand_id": brand_id, "stores": [
        store_row("NEW-3", 9.0, 38.7),
        store_row("bole-1", 9.0, 38.7),
        store_row("NEW-4", 95.0, 38.7),
        store_row("NEW-3", 9.0, 38.7),
        {"code": "NEW-5", "name": "x", "city": "y", "address": "z", "lat": 1, "lng": 1, "sales_channels": []},
    ]});
    let errors =
        expect_error(server.post_json("/api/v1/stores", Some(&token), &bad).await, 422, "VALIDATION_FAILED")
            .await;
    for field in ["stores[1].code", "stores[2].lat", "stores[3].code", "stores[4].sales_channels"] {
        assert!(errors["errors"][field].is_array(), "{field}: {errors}");
    }
    assert!(errors["errors"].get("stores[0].code").is_none(), "{errors}");
    let listed = json(server.get(&format!("/api/v1/brands/{brand_id}/stores"), Some(&token)).await).await;
    assert_eq!(listed["data"]["pagination"]["total"], 2, "a refused batch stores nothing");
    assert_eq!(listed["data"]["stores"][0]["code"], "BOLE-1");
    assert_eq!(listed["data"]["stores"][0]["sales_channels"], json!(["delivery", "pickup"]));
    let unknown_channel = json!({"brand_id": brand_id, "stores": [{"code": "X", "name": "x", "city": "y", "address": "z", "lat": 1, "lng": 1, "sales_channels": ["drone"]}]});
    expect_error(
        server.post_json("/api/v1/stores", Some(&token), &unknown_channel).await,
        422,
        "VALIDATION_FAILED",
    )
    .await;

    // Other sellers see none of it; buyers may not manage stores.
    let into_other = json!({"brand_id": other_brand, "stores": [store_row("Z-1", 9.0, 38.7)]});
    expect_error(server.post_json("/api/v1/stores", Some(&token), &into_other).await, 404, "NOT_FOUND").await;
    expect_error(
        server.get(&format!("/api/v1/brands/{brand_id}/stores"), Some(&other)).await,
        404,
        "NOT_FOUND",
    )
    .await;
    let store = &created[0];
    expect_error(server.get(&format!("/api/v1/stores/{store}"), Some(&other)).await, 404, "NOT_FOUND").await;
    expect_error(server.get(&format!("/api/v1/stores/{store}"), Some(&buyer)).await, 403, "FORBIDDEN").await;
    expect_error(server.get(&format!("/api/v1/stores/{store}"), None).await, 401, "UNAUTHENTICATED").await;
    let inactive = json!({"status": "inactive"});
    let path = format!("/api/v1/stores/{store}/status");
    expect_error(server.put_json(&path, Some(&other), &inactive).await, 404, "NOT_FOUND").await;
    expect_error(
        server.put_json(&path, Some(&token), &json!({"status": "closed"})).await,
        422,
        "VALIDATION_FAILED",
    )
    .await;
    let changed = server.put_json(&path, Some(&token), &inactive).await;
    assert_eq!(changed.status(), 200);
    assert_eq!(json(changed).await["data"]["store"]["status"], "inactive");
    let by_admin = json(server.put_json(&path, Some(&admin), &json!({"status": "active"})).await).await;
    assert_eq!(by_admin["data"]["store"]["status"], "active");
    let read = json(server.get(&format!("/api/v1/stores/{store}"), Some(&admin)).await).await;
    assert_eq!(
        (read["data"]["store"]["code"].as_str(), read["data"]["store"]["lat"].as_f64()),
        (Some("BOLE-1"), Some(9.0))
    );
    server.stop().await;
}

async fn zones_cover_their_area_but_not_their_holes(backend: Backend) {
    let server = TestServer::start(backend).await;
    let (_, token) = server.seller("sam").await;
    let (_, other) = server.seller("olga").await;
    let brand_id = brand(&server, &token, "Souk Fresh").await;
    let store = stores(&server, &token, &brand_id, vec![store_row("BOLE-1", 9.01, 38.71)]).await.remove(0);
    let geojson = serde_json::to_vec(&square_with_hole()).unwrap();
    expect_error(
        put_zones(&server, &other, &store, "application/geo+json", geojson.clone()).await,
        404,
        "NOT_FOUND",
    )
    .await;
    let uploaded = put_zones(&server, &token, &store, "application/geo+json", geojson).await;
    assert_eq!(uploaded.status(), 200, "{}", uploaded.text().await.unwrap_or_default());
    let uploaded = json(uploaded).await;
    let zone = &uploaded["data"]["zones"][0];
    assert_eq!(zone["geometry"]["coordinates"].as_array().unwrap().len(), 2, "the hole is kept: {zone}");
    assert_eq!((zone["min_lat"].as_f64(), zone["max_lng"].as_f64()), (Some(9.0), Some(38.8)));

    let covered = nearest(&server, "lat=9.02&lng=38.72").await;
    assert_eq!(ids(&covered), std::slice::from_ref(&store));
    assert!(covered[0]["distance_meters"].as_f64().unwrap() > 0.0);
    assert!(nearest(&server, "lat=9.05&lng=38.75").await.is_empty(), "a point in the hole is not covered");
    assert!(nearest(&server, "lat=9.2&lng=38.75").await.is_empty());

    // Invalid geometry is refused with the reason, and the old zones stay.
    for (content_type, body, reason) in [
        ("application/json", json!({"type": "Point", "coordinates": [38.7, 9.0]}).to_string(), "not an area"),
        (
            "application/json",
            json!({"type": "Polygon", "coordinates": [[[1, 1], [2, 2], [3, 3], [1, 1]]]}).to_string(),
            "no area",
        ),
        (
            "application/json",
            json!({"type": "Polygon", "coordinates": [[[38.7, 9.0], [38.8, 9.0], [38.8, 9.1], [38.7, 9.0]], [[40.0, 10.0], [40.1, 10.0], [40.1, 10.1], [40.0, 10.0]]]}).to_string(),
            "hole 1 is not inside",
        ),
        (
            "application/json",
            json!({"type": "Polygon", "coordinates": [[[0, 0], [2, 2], [2, 0], [0, 2], [0, 0]]]}).to_string(),
            "self-intersection",
        ),
        ("text/csv", "9.0,38.7\nnorth,east\n".to_owned(), "line 2"),
        ("application/vnd.google-earth.kml+xml", "<kml><Document></Document></kml>".to_owned(), "no polygon"),
        ("application/vnd.google-earth.kmz", "not a zip".to_owned(), "zip"),
    ] {
        let errors =
            expect_error(put_zones(&server, &token, &store, content_type, body.into_bytes()).await, 422, "VALIDATION_FAILED")
                .await;
        let message = errors["errors"]["zones"][0].as_str().unwrap_or_default();
        assert!(message.contains(reason), "{content_type}: {errors}");
    }
    expect_error(
        put_zones(&server, &token, &store, "image/png", vec![1, 2, 3]).await,
        415,
        "UNSUPPORTED_MEDIA_TYPE",
    )
    .await;
    assert_eq!(nearest(&server, "lat=9.02&lng=38.72").await.len(), 1);

    // The KML fixture, raw and as a multipart file, holds the same square with its hole.
    let kml =
        put_zones(&server, &token, &store, "application/vnd.google-earth.kml+xml", KML_FIXTURE.into()).await;
    assert_eq!(kml.status(), 200, "{}", kml.text().await.unwrap_or_default());
    assert_eq!(nearest(&server, "lat=9.02&lng=38.72").await.len(), 1);
    assert!(nearest(&server, "lat=9.05&lng=38.75").await.is_empty());
    let form = reqwest::multipart::Form::new().part(
        "file",
        reqwest::multipart::Part::bytes(KML_FIXTURE.as_bytes().to_vec()).file_name("bole-zone.kml"),
    );
    let uploaded = server
        .client
        .put(server.url(&format!("/api/v1/stores/{store}/zones")))
        .bearer_auth(&token)
        .multipart(form)
        .send()
        .await
        .unwrap();
    assert_eq!(uploaded.status(), 200, "{}", uploaded.text().await.unwrap_or_default());
    assert_eq!(
        json(uploaded).await["data"]["zones"][0]["geometry"]["coordinates"].as_array().unwrap().len(),
        2
    );

    // KMZ: the same KML zipped, raw and as a multipart file known by its name.
    let mut archive = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    archive.start_file("doc.kml", zip::write::SimpleFileOptions::default()).unwrap();
    std::io::Write::write_all(&mut archive, KML_FIXTURE.as_bytes()).unwrap();
    let kmz = archive.finish().unwrap().into_inner();
    let raw = put_zones(&server, &token, &store, "application/vnd.google-earth.kmz", kmz.clone()).await;
    assert_eq!(raw.status(), 200, "{}", raw.text().await.unwrap_or_default());
    let form = reqwest::multipart::Form::new()
        .part("file", reqwest::multipart::Part::bytes(kmz).file_name("zones.kmz"));
    let uploaded = server
        .client
        .put(server.url(&format!("/api/v1/stores/{store}/zones")))
        .bearer_auth(&token)
        .multipart(form)
        .send()
        .await
        .unwrap();
    assert_eq!(uploaded.status(), 200, "{}", uploaded.text().await.unwrap_or_default());
    assert!(nearest(&server, "lat=9.05&lng=38.75").await.is_empty());
    assert_eq!(nearest(&server, "lat=9.02&lng=38.72").await.len(), 1);
    let form = reqwest::multipart::Form::new()
        .part("file", reqwest::multipart::Part::bytes(b"x".to_vec()).file_name("zones.pdf"));
    let unnamed = server
        .client
        .put(server.url(&format!("/api/v1/stores/{store}/zones")))
        .bearer_auth(&token)
        .multipart(form)
        .send()
        .await
        .unwrap();
    expect_error(unnamed, 422, "VALIDATION_FAILED").await;

    // CSV replaces the zones: two rings (outer, then a hole inside it), then a second polygon.
    let csv = "lat,lng\n9.00,38.70\n9.00,38.80\n9.10,38.80\n9.10,38.70\n\n9.04,38.74\n9.04,38.76\n9.06,38.76\n9.06,38.74\n\n10.0,40.0\n10.0,40.1\n10.1,40.1\n10.1,40.0\n";
    let uploaded = json(put_zones(&server, &token, &store, "text/csv", csv.into()).await).await;
    assert_eq!(uploaded["data"]["zones"].as_array().unwrap().len(), 2, "{uploaded}");
    assert!(nearest(&server, "lat=9.05&lng=38.75").await.is_empty());
    assert_eq!(nearest(&server, "lat=10.05&lng=40.05").await.len(), 1);
    let read = json(server.get(&format!("/api/v1/stores/{store}/zones"), Some(&token)).await).await;
    assert_eq!(read["data"]["zones"].as_array().unwrap().len(), 2);
    let replaced = put_zones(
        &server,
        &token,
        &store,
        "application/json",
        json!({"type": "Polygon", "coordinates": [[[40.0, 10.0], [40.1, 10.0], [40.1, 10.1], [40.0, 10.0]]]})
            .to_string()
            .into(),
    )
    .await;
    assert_eq!(replaced.status(), 200);
    assert!(nearest(&server, "lat=9.02&lng=38.72").await.is_empty(), "the upload replaced the old zones");
    server.stop().await;
}

async fn nearest_stores_come_nearest_first(backend: Backend) {
    let server = TestServer::start(backend).await;
    let (_, token) = server.seller("sam").await;
    let (_, other) = server.seller("olga").await;
    let brand_id = brand(&server, &token, "Souk Fresh").await;
    let other_brand = brand(&server, &other, "Olga's").await;
    // The customer is at (9.05, 38.72); stores at growing distances, all covering the point.
    let mine = stores(
        &server,
        &token,
        &brand_id,
        vec![store_row("FAR", 9.09, 38.79), store_row("NEAR", 9.051, 38.721), store_row("MID", 9.03, 38.74)],
    )
    .await;
    let theirs = stores(&server, &other, &other_brand, vec![store_row("OLGA", 9.06, 38.72)]).await;
    let zone = serde_json::to_vec(&square_with_hole()).unwrap();
    for store in &mine {
        assert_eq!(
            put_zones(&server, &token, store, "application/geo+json", zone.clone()).await.status(),
            200
        );
    }
    assert_eq!(put_zones(&server, &other, &theirs[0], "application/geo+json", zone).await.status(), 200);

    let found = nearest(&server, "lat=9.05&lng=38.72").await;
    assert_eq!(ids(&found), [mine[1].clone(), theirs[0].clone(), mine[2].clone(), mine[0].clone()]);
    let distances: Vec<f64> = found.iter().map(|s| s["distance_meters"].as_f64().unwrap()).collect();
    assert!(distances.windows(2).all(|w| w[0] <= w[1]), "{distances:?}");
    assert!((distances[1] - 1111.9).abs() < 5.0, "0.01 degree of latitude is about 1112 m: {distances:?}");
    let only_mine = nearest(&server, &format!("lat=9.05&lng=38.72&brand_id={brand_id}")).await;
    assert_eq!(ids(&only_mine), [mine[1].clone(), mine[2].clone(), mine[0].clone()]);
    let closed = server
        .put_json(&format!("/api/v1/stores/{}/status", mine[1]), Some(&token), &json!({"status": "inactive"}))
        .await;
    assert_eq!(closed.status(), 200);
    let open = nearest(&server, &format!("lat=9.05&lng=38.72&brand_id={brand_id}")).await;
    assert_eq!(ids(&open), [mine[2].clone(), mine[0].clone()], "inactive stores are not offered");
    let paged =
        json(server.get("/api/v1/stores/nearest?lat=9.05&lng=38.72&page_size=1&page=2", None).await).await;
    assert_eq!(paged["data"]["pagination"]["total"], 3);
    assert_eq!(paged["data"]["stores"][0]["id"], json!(mine[2]));
    for query in ["lng=38.72", "lat=91&lng=38.72", "lat=north&lng=1", "lat=1&lng=1&brand_id=nope"] {
        expect_error(
            server.get(&format!("/api/v1/stores/nearest?{query}"), None).await,
            422,
            "VALIDATION_FAILED",
        )
        .await;
    }
    server.stop().await;
}

/// 10,000 small square zones in a 100 x 100 grid, spread over 100 stores; each search must find
/// exactly the store of the cell it falls in (and nothing in the gaps between cells).
async fn ten_thousand_zones_find_the_covering_store(backend: Backend) {
    let server = TestServer::start(backend).await;
    let (_, token) = server.seller("sam").await;
    let brand_id = brand(&server, &token, "Grid").await;
    let rows = (0..100).map(|i| store_row(&format!("G-{i}"), 10.0 + f64::from(i) * 0.01, 20.0)).collect();
    let store_ids = stores(&server, &token, &brand_id, rows).await;
    let cell = |k: usize| -> (f64, f64) { (10.0 + (k / 100) as f64 * 0.01, 20.0 + (k % 100) as f64 * 0.01) };
    let zones: Vec<StoredZone> = (0..10_000)
        .map(|k| {
            let (lat, lng) = cell(k);
            let (top, right) = (lat + 0.008, lng + 0.008);
            let text = json!({"type": "Polygon", "coordinates": [[[lng, lat], [right, lat], [right, top], [lng, top], [lng, lat]]]})
                .to_string();
            StoredZone {
                id: uuid::Uuid::now_v7(),
                store_id: StoreId(store_ids[k % 100].parse().unwrap()),
                position: (k / 100) as i32,
                shape: ZoneShape::from_geojson_text(&text).unwrap(),
            }
        })
        .collect();
    insert_zones(&server.db().conn, &zones).await.expect("insert zones");
    for k in [0usize, 1, 99, 100, 4321, 5050, 7777, 9898, 9999] {
        let (lat, lng) = cell(k);
        let found = nearest(&server, &format!("lat={}&lng={}", lat + 0.004, lng + 0.004)).await;
        assert_eq!(ids(&found), [store_ids[k % 100].clone()], "cell {k}");
        let gap = nearest(&server, &format!("lat={}&lng={}", lat + 0.009, lng + 0.004)).await;
        assert!(gap.is_empty(), "the gap above cell {k} is covered by {gap:?}");
    }
    assert!(nearest(&server, "lat=5&lng=5").await.is_empty());
    server.stop().await;
}

async fn integration_token(server: &TestServer, owner: &str, scopes: Value) -> String {
    let created = server
        .post_json("/api/v1/oauth/clients", Some(owner), &json!({"name": "ERP", "scopes": scopes}))
        .await;
    assert_eq!(created.status(), 201, "{}", created.text().await.unwrap_or_default());
    let body = json(created).await;
    let client_id = body["data"]["client"]["client_id"].as_str().unwrap().to_owned();
    let secret = body["data"]["client_secret"].as_str().unwrap().to_owned();
    let form = [("grant_type", "client_credentials"), ("client_id", &client_id), ("client_secret", &secret)];
    let issued = server.client.post(server.url("/api/v1/oauth/token")).form(&form).send().await.unwrap();
    assert_eq!(issued.status(), 200);
    json(issued).await["access_token"].as_str().unwrap().to_owned()
}

async fn store_lists_sync_row_by_row_and_resending_changes_nothing(backend: Backend) {
    let server = TestServer::start(backend).await;
    let (_, admin) = server.admin().await;
    let (seller, token) = server.seller("sam").await;
    let (olga, other) = server.seller("olga").await;
    let (_, buyer) = server.buyer("amina").await;
    listed_product(
        &server,
        &admin,
        seller.id,
        json!({"title": "Lamp", "price": "19.99", "quantity": 3, "sku": "LAMP",
               "options": [{"name": "Colour", "values": ["Red"]}],
               "variants": [{"values": ["Red"], "sku": "LAMP-RED", "quantity": 2}]}),
    )
    .await;
    listed_product(
        &server,
        &admin,
        olga.id,
        json!({"title": "Chair", "price": "5", "quantity": 1, "sku": "CHAIR"}),
    )
    .await;
    let brand_id = brand(&server, &token, "Souk Fresh").await;
    let store = stores(&server, &token, &brand_id, vec![store_row("BOLE-1", 9.0, 38.7)]).await.remove(0);
    let path = format!("/api/v1/stores/{store}/lists/main");
    let list = json!({"items": [
        {"sku": "LAMP", "price": "18.50", "quantity": 4, "available": true},
        {"sku": "LAMP-RED", "price": 17, "quantity": 0},
        {"sku": "CHAIR", "price": "5", "quantity": 1},
        {"sku": "LAMP", "price": "1", "quantity": 1},
        {"sku": "GHOST", "price": "1", "quantity": 1},
        {"sku": "LAMP-RED", "price": "1.999", "quantity": 1},
        {"price": "1", "quantity": 1},
        {"sku": "LAMP", "price": "1", "quantity": -2},
    ]});
    // Only the owner (or an integration with store:update) writes lists.
    expect_error(server.put_json(&path, Some(&other), &list).await, 404, "NOT_FOUND").await;
    expect_error(server.put_json(&path, Some(&buyer), &list).await, 403, "FORBIDDEN").await;
    expect_error(server.put_json(&path, None, &list).await, 401, "UNAUTHENTICATED").await;
    let viewer = integration_token(&server, &token, json!(["store:view"])).await;
    expect_error(server.put_json(&path, Some(&viewer), &list).await, 403, "FORBIDDEN").await;
    expect_error(
        server.put_json(&format!("/api/v1/stores/{store}/lists/bad%20code"), Some(&token), &list).await,
        422,
        "VALIDATION_FAILED",
    )
    .await;

    let first = server.put_json(&path, Some(&token), &list).await;
    assert_eq!(first.status(), 200, "{}", first.text().await.unwrap_or_default());
    let first = json(first).await["data"]["sync_report"].clone();
    assert_eq!((first["received"].as_u64(), first["accepted"].as_u64()), (Some(8), Some(2)), "{first}");
    assert_eq!((first["rejected"].as_u64(), first["unchanged"].as_u64()), (Some(6), Some(0)));
    let rejected: Vec<(u64, Option<&str>)> = first["rejected_rows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| (r["index"].as_u64().unwrap(), r["sku"].as_str()))
        .collect();
    assert_eq!(
        rejected,
        [
            (2, Some("CHAIR")),
            (3, Some("LAMP")),
            (4, Some("GHOST")),
            (5, Some("LAMP-RED")),
            (6, None),
            (7, Some("LAMP"))
        ]
    );
    let reasons: Vec<&str> =
        first["rejected_rows"].as_array().unwrap().iter().map(|r| r["reason"].as_str().unwrap()).collect();
    assert!(reasons[0].contains("not one of the seller's"), "another seller's SKU: {reasons:?}");
    assert!(reasons[1].contains("more than once"), "{reasons:?}");
    assert!(reasons[3].contains("price"), "{reasons:?}");
    assert!(reasons[5].contains("negative"), "{reasons:?}");
    let conn = &server.db().conn;
    let stored =
        list_items(conn, StoreId(store.parse().unwrap()), &["LAMP".into(), "LAMP-RED".into()]).await.unwrap();
    assert_eq!((stored["LAMP"].price, stored["LAMP"].quantity, stored["LAMP"].available), (1850, 4, true));
    assert_eq!((stored["LAMP-RED"].price, stored["LAMP-RED"].available), (1700, false));
    assert!(stored["LAMP-RED"].variant_id.is_some());

    let again = json(server.put_json(&path, Some(&token), &list).await).await["data"]["sync_report"].clone();
    assert_eq!(
        (again["accepted"].as_u64(), again["unchanged"].as_u64(), again["rejected"].as_u64()),
        (Some(0), Some(2), Some(6))
    );
    let after = list_items(conn, StoreId(store.parse().unwrap()), &["LAMP".into()]).await.unwrap();
    assert_eq!(after["LAMP"].updated_at, stored["LAMP"].updated_at, "a re-send changes nothing");

    let integration = integration_token(&server, &token, json!(["store:update"])).await;
    let edit = json!({"items": [{"sku": "LAMP", "price": "18.50", "quantity": 9, "available": true}, {"sku": "LAMP-RED", "price": 17, "quantity": 0}]});
    let third = server.put_json(&path, Some(&integration), &edit).await;
    assert_eq!(third.status(), 200);
    let third = json(third).await["data"]["sync_report"].clone();
    assert_eq!(
        (third["accepted"].as_u64(), third["unchanged"].as_u64(), third["rejected"].as_u64()),
        (Some(1), Some(1), Some(0))
    );

    let report_path = format!("/api/v1/stores/{store}/sync-report");
    expect_error(server.get(&report_path, Some(&other)).await, 404, "NOT_FOUND").await;
    let reports = json(server.get(&report_path, Some(&token)).await).await;
    assert_eq!(reports["data"]["pagination"]["total"], 3, "{reports}");
    let newest = &reports["data"]["sync_reports"][0];
    assert_eq!((newest["id"].clone(), newest["accepted"].as_u64()), (third["id"].clone(), Some(1)));
    let oldest = &reports["data"]["sync_reports"][2];
    assert_eq!(oldest["rejected_rows"].as_array().unwrap().len(), 6);
    assert_eq!(oldest["rejected_rows"][2]["sku"], "GHOST");
    let by_admin = json(server.get(&report_path, Some(&admin)).await).await;
    assert_eq!(by_admin["data"]["pagination"]["total"], 3);
    server.stop().await;
}

async fn list_quantity(server: &TestServer, store: &str, sku: &str) -> Option<i64> {
    let items =
        list_items(&server.db().conn, StoreId(store.parse().unwrap()), &[sku.to_owned()]).await.unwrap();
    items.get(sku).map(|item| item.quantity)
}

async fn orders_move_to_another_store_of_their_seller_with_their_stock(backend: Backend) {
    let server = TestServer::start(backend).await;
    let (_, admin) = server.admin().await;
    let (seller, token) = server.seller("sam").await;
    let (_, other) = server.seller("olga").await;
    let (_, buyer) = server.buyer("amina").await;
    let product = listed_product(
        &server,
        &admin,
        seller.id,
        json!({"title": "Lamp", "price": "19.99", "quantity": 5, "sku": "LAMP"}),
    )
    .await;
    let brand_id = brand(&server, &token, "Souk Fresh").await;
    let ours = stores(
        &server,
        &token,
        &brand_id,
        vec![store_row("A", 9.0, 38.7), store_row("B", 9.1, 38.8), store_row("C", 9.2, 38.9)],
    )
    .await;
    let (a, b, c) = (&ours[0], &ours[1], &ours[2]);
    let other_brand = brand(&server, &other, "Olga's").await;
    let theirs = stores(&server, &other, &other_brand, vec![store_row("O", 9.0, 38.7)]).await.remove(0);
    for (store, quantity) in [(a, 1), (b, 10)] {
        let list = json!({"items": [{"sku": "LAMP", "price": "19.99", "quantity": quantity}]});
        let response =
            server.put_json(&format!("/api/v1/stores/{store}/lists/main"), Some(&token), &list).await;
        assert_eq!(response.status(), 200);
    }
    let placed = checkout_one(&server, &buyer, &product, 2).await;
    let order_id = placed["id"].as_str().unwrap().to_owned();
    let path = format!("/api/v1/orders/{order_id}/transfer");

    expect_error(
        server.put_json(&path, Some(&other), &json!({"to_store_id": theirs})).await,
        404,
        "NOT_FOUND",
    )
    .await;
    expect_error(server.put_json(&path, Some(&buyer), &json!({"to_store_id": b})).await, 403, "FORBIDDEN")
        .await;
    expect_error(server.put_json(&path, None, &json!({"to_store_id": b})).await, 401, "UNAUTHENTICATED")
        .await;
    let errors = expect_error(
        server.put_json(&path, Some(&token), &json!({"to_store_id": theirs})).await,
        422,
        "VALIDATION_FAILED",
    )
    .await;
    assert!(errors["errors"]["to_store_id"].is_array(), "{errors}");
    let closed = server
        .put_json(&format!("/api/v1/stores/{c}/status"), Some(&token), &json!({"status": "inactive"}))
        .await;
    assert_eq!(closed.status(), 200);
    expect_error(
        server.put_json(&path, Some(&token), &json!({"to_store_id": c})).await,
        422,
        "VALIDATION_FAILED",
    )
    .await;

    let moved = server
        .put_json(&path, Some(&token), &json!({"to_store_id": b, "reason": "closer to the buyer"}))
        .await;
    assert_eq!(moved.status(), 200, "{}", moved.text().await.unwrap_or_default());
    let moved = json(moved).await["data"]["transfer"].clone();
    assert_eq!(moved["from_store_id"], Value::Null);
    assert_eq!(moved["to_store_id"], json!(b));
    assert_eq!(moved["moved_stock"], json!([{"sku": "LAMP", "quantity": 2}]));
    assert_eq!(list_quantity(&server, b, "LAMP").await, Some(8));
    expect_error(
        server.put_json(&path, Some(&token), &json!({"to_store_id": b})).await,
        422,
        "VALIDATION_FAILED",
    )
    .await;

    // Store A lists one lamp: too few for the order, so nothing moves.
    expect_error(server.put_json(&path, Some(&token), &json!({"to_store_id": a})).await, 409, "CONFLICT")
        .await;
    assert_eq!(
        (list_quantity(&server, a, "LAMP").await, list_quantity(&server, b, "LAMP").await),
        (Some(1), Some(8))
    );
    let restock = json!({"items": [{"sku": "LAMP", "price": "19.99", "quantity": 5}]});
    assert_eq!(
        server.put_json(&format!("/api/v1/stores/{a}/lists/main"), Some(&token), &restock).await.status(),
        200
    );
    let back = json(server.put_json(&path, Some(&admin), &json!({"to_store_id": a})).await).await;
    assert_eq!(back["data"]["transfer"]["from_store_id"], json!(b));
    assert_eq!(
        (list_quantity(&server, a, "LAMP").await, list_quantity(&server, b, "LAMP").await),
        (Some(3), Some(10))
    );

    let events = json(
        server
            .get(&format!("/api/v1/events?type=order.transferred&object_id={order_id}"), Some(&admin))
            .await,
    )
    .await;
    assert_eq!(events["data"]["pagination"]["total"], 2, "{events}");
    let data = &events["data"]["events"][0]["data"];
    assert!(data["to_store_id"].is_string() && data.get("from_store_id").is_some(), "{data}");

    // Final orders stay where they are.
    order::Entity::update_many()
        .col_expr(order::Column::Status, Expr::value("canceled"))
        .filter(order::Column::Id.eq(uuid::Uuid::parse_str(&order_id).unwrap()))
        .exec(&server.db().conn)
        .await
        .unwrap();
    expect_error(
        server.put_json(&path, Some(&token), &json!({"to_store_id": b})).await,
        409,
        "INVALID_TRANSITION",
    )
    .await;
    server.stop().await;
}

on_both_backends!(
    brands_and_store_batches_are_all_or_nothing,
    zones_cover_their_area_but_not_their_holes,
    nearest_stores_come_nearest_first,
    ten_thousand_zones_find_the_covering_store,
    store_lists_sync_row_by_row_and_resending_changes_nothing,
    orders_move_to_another_store_of_their_seller_with_their_stock,
);
