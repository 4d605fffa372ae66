//! Files: uploads judged by content with size caps, links checked against their targets,
//! private and storefront visibility, list filters, download headers, unlink and delete.

use chrono::Utc;
use sea_orm::sea_query::{Alias, Query};
use sea_orm::{ActiveValue::Set, ConnectionTrait, EntityTrait, QueryFilter};
use serde_json::Value;
use souk_kernel::{Role, UserId};
use souk_storage::entities::{product, variant};
use souk_tests::{Backend, TestServer, expect_error, json, on_both_backends};
use uuid::Uuid;

const MIB: usize = 1024 * 1024;

fn png(size: usize) -> Vec<u8> {
    let mut bytes = b"\x89PNG\r\n\x1a\n".to_vec();
    bytes.resize(size.max(16), 7);
    bytes
}

fn gif() -> Vec<u8> {
    b"GIF89a\x01\0\x01\0\x80\0\0\xff\xff\xff".to_vec()
}

fn pdf(size: usize) -> Vec<u8> {
    let mut bytes = b"%PDF-1.7\n".to_vec();
    bytes.resize(size.max(16), b' ');
    bytes
}

async fn upload(
    server: &TestServer,
    token: Option<&str>,
    name: &str,
    bytes: Vec<u8>,
    fields: &[(&str, String)],
) -> reqwest::Response {
    let mut form = reqwest::multipart::Form::new();
    for (key, value) in fields {
        form = form.text(key.to_string(), value.clone());
    }
    form = form.part("file", reqwest::multipart::Part::bytes(bytes).file_name(name.to_owned()));
    let mut request = server.client.post(server.url("/api/v1/files")).multipart(form);
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    request.send().await.expect("request sent")
}

async fn uploaded(
    server: &TestServer,
    token: &str,
    name: &str,
    bytes: Vec<u8>,
    fields: &[(&str, String)],
) -> Value {
    let response = upload(server, Some(token), name, bytes, fields).await;
    assert_eq!(response.status(), 201, "{}", response.text().await.unwrap_or_default());
    json(response).await["data"]["file"].clone()
}

async fn delete(server: &TestServer, token: Option<&str>, path: &str) -> reqwest::Response {
    let mut request = server.client.delete(server.url(path));
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    request.send().await.expect("request sent")
}

async fn user(server: &TestServer, role: Role, name: &str) -> (UserId, String) {
    let user = server.create_user(role, name).await;
    (user.id, server.token_for(user.id, role))
}

/// Stores a product directly (the products API is built elsewhere): approved and published when
/// `listed`, a draft otherwise.
async fn product_of(server: &TestServer, seller: UserId, listed: bool) -> Uuid {
    let id = Uuid::now_v7();
    let now = Utc::now();
    let row = product::ActiveModel {
        id: Set(id),
        seller_id: Set(seller.as_uuid()),
        title: Set("Brass lamp".into()),
        slug: Set(format!("brass-lamp-{}", id.simple())),
        description: Set(None),
        page_title: Set(None),
        meta_description: Set(None),
        category_id: Set(None),
        condition: Set("new".into()),
        status: Set(if listed { "published" } else { "draft" }.into()),
        visibility: Set("visible".into()),
        admin_status: Set("approved".into()),
        admin_status_reason: Set(None),
        is_digital: Set(false),
        requires_shipping: Set(true),
        currency: Set("USD".into()),
        price: Set(2999),
        compare_price: Set(None),
        sku: Set(None),
        quantity: Set(5),
        reserved: Set(0),
        stock_tracked: Set(true),
        allow_order_when_oos: Set(false),
        min_qty: Set(1),
        weight_grams: Set(None),
        location: Set(None),
        city: Set(None),
        state: Set(None),
        country: Set(None),
        lat: Set(None),
        lng: Set(None),
        external_id: Set(None),
        on_homepage: Set(false),
        deleted_at: Set(None),
        created_at: Set(now),
        updated_at: Set(now),
    };
    product::Entity::insert(row).exec_without_returning(&server.db().conn).await.expect("insert product");
    id
}

async fn variant_of(server: &TestServer, product_id: Uuid, image: Option<Uuid>) -> Uuid {
    let id = Uuid::now_v7();
    let now = Utc::now();
    let row = variant::ActiveModel {
        id: Set(id),
        product_id: Set(product_id),
        title: Set("Large".into()),
        sku: Set(None),
        price: Set(3999),
        compare_price: Set(None),
        quantity: Set(2),
        reserved: Set(0),
        weight_grams: Set(None),
        option_values: Set("[\"Large\"]".into()),
        image_file_id: Set(image),
        position: Set(0),
        created_at: Set(now),
        updated_at: Set(now),
    };
    variant::Entity::insert(row).exec_without_returning(&server.db().conn).await.expect("insert variant");
    id
}

/// Stores a review row directly (the reviews API is built elsewhere).
async fn review_by(server: &TestServer, product_id: Uuid, author: UserId) -> Uuid {
    let id = Uuid::now_v7();
    let now = Utc::now();
    let statement = Query::insert()
        .into_table(Alias::new("reviews"))
        .columns(
            [
                "id",
                "product_id",
                "author_id",
                "rating",
                "content",
                "status",
                "verified_purchase",
                "created_at",
                "updated_at",
            ]
            .map(Alias::new),
        )
        .values_panic([
            id.into(),
            product_id.into(),
            author.as_uuid().into(),
            5.into(),
            "Lovely lamp".into(),
            "approved".into(),
            true.into(),
            now.into(),
            now.into(),
        ])
        .to_owned();
    server.db().conn.execute(&statement).await.expect("insert review");
    id
}

fn field_error(body: &Value, field: &str) -> String {
    body["errors"][field][0].as_str().unwrap_or_else(|| panic!("no error on {field}: {body}")).to_owned()
}

async fn admin_total(server: &TestServer, admin: &str) -> u64 {
    json(server.get("/api/v1/files", Some(admin)).await).await["data"]["pagination"]["total"]
        .as_u64()
        .unwrap()
}

fn stored_blobs(server: &TestServer) -> usize {
    std::fs::read_dir(server.data_dir().join("files").join("files")).map(|d| d.count()).unwrap_or(0)
}

async fn upload_read_download_and_list(backend: Backend) {
    let server = TestServer::start(backend).await;
    let (_, admin) = server.admin().await;
    let (_, owner) = user(&server, Role::Buyer, "fileowner").await;
    let (_, other) = user(&server, Role::Buyer, "nosyother").await;
    let bytes = png(2048);
    let file = uploaded(&server, &owner, "../holiday \"snap\".png", bytes.clone(), &[]).await;
    let id = file["id"].as_str().unwrap().to_owned();
    assert_eq!(file["name"], "holiday snap.png", "paths and quotes are stripped");
    assert_eq!(file["size"], 2048);
    assert_eq!(file["mime_type"], "image/png");
    assert_eq!(file["url"], format!("/api/v1/files/{id}/content"));
    assert!(file["alt"].is_null() && file["thumbnail"].is_null(), "{file}");
    assert_eq!(file["links"], serde_json::json!([]));

    let read = json(server.get(&format!("/api/v1/files/{id}"), Some(&owner)).await).await;
    assert_eq!(read["data"]["file"]["id"], id.as_str());
    assert_eq!(
        json(server.get(&format!("/api/v1/files/{id}"), Some(&admin)).await).await["data"]["file"]["id"],
        id.as_str()
    );
    expect_error(server.get(&format!("/api/v1/files/{id}"), Some(&other)).await, 404, "NOT_FOUND").await;
    expect_error(server.get(&format!("/api/v1/files/{id}"), None).await, 404, "NOT_FOUND").await;
    expect_error(server.get(&format!("/api/v1/files/{id}/content"), Some(&other)).await, 404, "NOT_FOUND")
        .await;
    expect_error(server.get("/api/v1/files/not-an-id", Some(&owner)).await, 404, "NOT_FOUND").await;

    let content = server.get(&format!("/api/v1/files/{id}/content"), Some(&owner)).await;
    assert_eq!(content.status(), 200);
    let header =
        |name: &str| content.headers().get(name).and_then(|v| v.to_str().ok()).unwrap_or("").to_owned();
    assert_eq!(header("content-type"), "image/png");
    assert_eq!(header("content-length"), "2048");
    assert_eq!(header("x-content-type-options"), "nosniff");
    assert_eq!(
        header("content-disposition"),
        "inline; filename=\"holiday snap.png\"; filename*=UTF-8''holiday%20snap.png"
    );
    assert_eq!(content.bytes().await.unwrap().as_ref(), bytes.as_slice());

    let mine = json(server.get("/api/v1/files", Some(&owner)).await).await;
    assert_eq!(mine["data"]["pagination"]["total"], 1);
    assert_eq!(mine["data"]["files"][0]["id"], id.as_str());
    let theirs = json(server.get("/api/v1/files", Some(&other)).await).await;
    assert_eq!(theirs["data"]["pagination"]["total"], 0, "callers see only their own files");
    assert_eq!(admin_total(&server, &admin).await, 1);
    expect_error(server.get("/api/v1/files", None).await, 401, "UNAUTHENTICATED").await;
}

async fn types_come_from_the_bytes_and_sizes_are_capped(backend: Backend) {
    let server = TestServer::start(backend).await;
    let (_, admin) = server.admin().await;
    let (_, seller) = user(&server, Role::Seller, "bigfiles").await;

    let body = expect_error(
        upload(&server, Some(&seller), "photo.png", b"MZ\x90\0 really an executable".to_vec(), &[]).await,
        422,
        "VALIDATION_FAILED",
    )
    .await;
    assert!(field_error(&body, "file").contains("content"), "{body}");
    expect_error(
        upload(&server, Some(&seller), "notes.txt", b"plain words".to_vec(), &[]).await,
        422,
        "VALIDATION_FAILED",
    )
    .await;

    let body = expect_error(
        upload(&server, Some(&seller), "huge.png", png(5 * MIB + 1), &[]).await,
        413,
        "PAYLOAD_TOO_LARGE",
    )
    .await;
    assert!(body["message"].as_str().unwrap().contains("5 MiB"), "{body}");
    let body = expect_error(
        upload(&server, Some(&seller), "huge.pdf", pdf(50 * MIB + 1), &[]).await,
        413,
        "PAYLOAD_TOO_LARGE",
    )
    .await;
    assert!(body["message"].as_str().unwrap().contains("50 MiB"), "{body}");

    let manual = uploaded(&server, &seller, "manual.png", pdf(6 * MIB), &[]).await;
    assert_eq!(manual["mime_type"], "application/pdf", "the bytes decide, not the .png name");
    assert_eq!(manual["size"], 6 * MIB);
    let content = server.get(manual["url"].as_str().unwrap(), Some(&seller)).await;
    let disposition = content.headers()["content-disposition"].to_str().unwrap().to_owned();
    assert!(disposition.starts_with("attachment;"), "{disposition}");
    let mut mp3 = b"ID3\x03\0\0\0\0\0\0".to_vec();
    mp3.resize(4096, 0);
    assert_eq!(uploaded(&server, &seller, "preview.mp3", mp3, &[]).await["mime_type"], "audio/mpeg");

    let form = reqwest::multipart::Form::new().text("alt", "no file here");
    let response = server
        .client
        .post(server.url("/api/v1/files"))
        .bearer_auth(&seller)
        .multipart(form)
        .send()
        .await
        .unwrap();
    let body = expect_error(response, 422, "VALIDATION_FAILED").await;
    assert_eq!(field_error(&body, "file"), "is required");
    expect_error(
        server.post_json("/api/v1/files", Some(&seller), &serde_json::json!({"file": "x"})).await,
        415,
        "UNSUPPORTED_MEDIA_TYPE",
    )
    .await;
    expect_error(upload(&server, None, "a.png", png(64), &[]).await, 401, "UNAUTHENTICATED").await;

    assert_eq!(admin_total(&server, &admin).await, 2, "refused uploads store no row");
    assert_eq!(stored_blobs(&server), 2, "refused uploads store no bytes");
}

async fn links_check_their_target(backend: Backend) {
    let server = TestServer::start(backend).await;
    let (_, admin) = server.admin().await;
    let (seller_id, seller) = user(&server, Role::Seller, "lampseller").await;
    let (_, other) = user(&server, Role::Seller, "rivalseller").await;
    let (buyer_id, buyer) = user(&server, Role::Buyer, "lampbuyer").await;
    let listed = product_of(&server, seller_id, true).await;
    let draft = product_of(&server, seller_id, false).await;
    let large = variant_of(&server, listed, None).await;
    let link =
        |kind: &str, id: Uuid| vec![("fileable_type", kind.to_owned()), ("fileable_id", id.to_string())];

    let mut fields = link("product", listed);
    fields.extend([
        ("role", "gallery".to_owned()),
        ("order", "2".to_owned()),
        ("alt", "A brass lamp".to_owned()),
    ]);
    let file = uploaded(&server, &seller, "lamp.png", png(256), &fields).await;
    assert_eq!(file["alt"], "A brass lamp");
    let placed = &file["links"][0];
    assert_eq!(
        (placed["fileable_type"].as_str(), placed["role"].as_str(), placed["order"].as_i64()),
        (Some("product"), Some("gallery"), Some(2))
    );
    assert_eq!(placed["fileable_id"], listed.to_string());
    let next = uploaded(&server, &seller, "lamp2.png", png(256), &link("product", listed)).await;
    assert_eq!(next["links"][0]["order"], 3, "without order a file goes after the last one");
    assert!(next["alt"].is_null());
    uploaded(&server, &seller, "draft.png", png(256), &link("product", draft)).await;
    uploaded(&server, &admin, "admin.png", png(256), &link("product", draft)).await;
    uploaded(&server, &seller, "large.png", png(256), &link("variant", large)).await;
    uploaded(&server, &buyer, "me.png", png(256), &link("user", buyer_id.as_uuid())).await;
    let review = review_by(&server, listed, buyer_id).await;
    uploaded(&server, &buyer, "review.png", png(256), &link("review", review)).await;
    let successes = 7;

    expect_error(
        upload(&server, Some(&other), "x.png", png(256), &link("product", listed)).await,
        403,
        "FORBIDDEN",
    )
    .await;
    expect_error(
        upload(&server, Some(&other), "x.png", png(256), &link("variant", large)).await,
        403,
        "FORBIDDEN",
    )
    .await;
    expect_error(
        upload(&server, Some(&other), "x.png", png(256), &link("review", review)).await,
        403,
        "FORBIDDEN",
    )
    .await;
    for (token, kind, id) in [
        (&other, "product", draft),
        (&seller, "product", Uuid::now_v7()),
        (&seller, "variant", Uuid::now_v7()),
        (&other, "user", seller_id.as_uuid()),
        (&admin, "user", Uuid::now_v7()),
        (&buyer, "review", Uuid::now_v7()),
        (&seller, "landing_page", Uuid::now_v7()),
    ] {
        let body = expect_error(
            upload(&server, Some(token), "x.png", png(256), &link(kind, id)).await,
            422,
            "VALIDATION_FAILED",
        )
        .await;
        assert!(field_error(&body, "fileable_id").contains(kind), "{kind}: {body}");
    }
    let body = expect_error(
        upload(&server, Some(&buyer), "x.png", png(256), &link("return", Uuid::now_v7())).await,
        422,
        "VALIDATION_FAILED",
    )
    .await;
    assert!(
        field_error(&body, "fileable_type").contains("linked to a return by the return request"),
        "{body}"
    );
    let body = expect_error(
        upload(&server, Some(&buyer), "x.png", png(256), &link("planet", Uuid::now_v7())).await,
        422,
        "VALIDATION_FAILED",
    )
    .await;
    assert!(field_error(&body, "fileable_type").contains("must be one of"), "{body}");
    let body = expect_error(
        upload(
            &server,
            Some(&buyer),
            "x.png",
            png(256),
            &[("fileable_type", "user".to_owned()), ("order", "-3".to_owned())],
        )
        .await,
        422,
        "VALIDATION_FAILED",
    )
    .await;
    assert!(body["errors"]["fileable_id"].is_array() && body["errors"]["order"].is_array(), "{body}");

    assert_eq!(admin_total(&server, &admin).await, successes, "a refused link stores no row");
    assert_eq!(stored_blobs(&server), successes as usize, "a refused link stores no bytes");
}

async fn storefront_media_is_public_and_changes_stay_with_the_owner(backend: Backend) {
    let server = TestServer::start(backend).await;
    let (seller_id, seller) = user(&server, Role::Seller, "mediaseller").await;
    let (_, other) = user(&server, Role::Buyer, "mediabuyer").await;
    let listed = product_of(&server, seller_id, true).await;
    let fields = [("fileable_type", "product".to_owned()), ("fileable_id", listed.to_string())];
    let media = uploaded(&server, &seller, "lamp.png", png(512), &fields).await;
    let media_id = media["id"].as_str().unwrap();
    let private = uploaded(&server, &seller, "licence.pdf", pdf(512), &[]).await;
    let private_id = private["id"].as_str().unwrap();

    assert_eq!(server.get(&format!("/api/v1/files/{media_id}"), None).await.status(), 200);
    let content = server.get(&format!("/api/v1/files/{media_id}/content"), None).await;
    assert_eq!(content.status(), 200, "storefront media downloads without credentials");
    assert_eq!(content.bytes().await.unwrap().len(), 512);
    assert_eq!(server.get(&format!("/api/v1/files/{media_id}"), Some(&other)).await.status(), 200);

    expect_error(delete(&server, None, &format!("/api/v1/files/{media_id}")).await, 401, "UNAUTHENTICATED")
        .await;
    expect_error(delete(&server, Some(&other), &format!("/api/v1/files/{media_id}")).await, 403, "FORBIDDEN")
        .await;
    let unlink = format!("/api/v1/files/{media_id}/links/product/{listed}");
    expect_error(delete(&server, Some(&other), &unlink).await, 403, "FORBIDDEN").await;
    expect_error(
        delete(&server, Some(&other), &format!("/api/v1/files/{private_id}")).await,
        404,
        "NOT_FOUND",
    )
    .await;
    expect_error(
        delete(&server, Some(&other), &format!("/api/v1/files/{private_id}/links/user/{seller_id}")).await,
        404,
        "NOT_FOUND",
    )
    .await;
    assert_eq!(
        server.get(&format!("/api/v1/files/{private_id}"), Some(&seller)).await.status(),
        200,
        "still there"
    );
}

async fn lists_filter_by_type_link_and_time(backend: Backend) {
    let server = TestServer::start(backend).await;
    let (seller_id, seller) = user(&server, Role::Seller, "filterseller").await;
    let listed = product_of(&server, seller_id, true).await;
    let linked = [("fileable_type", "product".to_owned()), ("fileable_id", listed.to_string())];
    let lamp = uploaded(&server, &seller, "lamp.png", png(100), &linked).await;
    uploaded(&server, &seller, "spin.gif", gif(), &[]).await;
    uploaded(&server, &seller, "manual.pdf", pdf(100), &[]).await;
    let list = |query: &str| {
        let server = &server;
        let seller = &seller;
        let path = format!("/api/v1/files?{query}");
        async move { server.get(&path, Some(seller)).await }
    };
    let total = |body: Value| body["data"]["pagination"]["total"].as_u64().unwrap();

    assert_eq!(total(json(list("mime_type=image/*").await).await), 2, "wildcards match every image");
    assert_eq!(total(json(list("mime_type=application/pdf").await).await), 1);
    assert_eq!(total(json(list("mime_type=image/png,application/pdf").await).await), 2);
    assert_eq!(total(json(list("mime_type=image/gif&mime_type=application/pdf").await).await), 2);
    assert_eq!(total(json(list("mime_type=video/*").await).await), 0);
    let by_product = json(list(&format!("fileable_type=product&fileable_id={listed}")).await).await;
    assert_eq!(total(by_product.clone()), 1);
    assert_eq!(by_product["data"]["files"][0]["id"], lamp["id"]);
    assert_eq!(total(json(list("fileable_type=user").await).await), 0);
    assert_eq!(total(json(list(&format!("fileable_id={}", Uuid::now_v7())).await).await), 0);

    let today = Utc::now().format("%Y-%m-%d").to_string();
    assert_eq!(
        total(json(list(&format!("from={today}&to={today}")).await).await),
        3,
        "a bare date is the whole day"
    );
    assert_eq!(total(json(list("to=2020-01-01").await).await), 0);
    let future = Utc::now().timestamp() + 3600;
    assert_eq!(total(json(list(&format!("from={future}")).await).await), 0);
    let page = json(list("page_size=2&order_by=size&order_direction=asc").await).await;
    assert_eq!(page["data"]["files"].as_array().unwrap().len(), 2);
    assert_eq!(page["data"]["files"][0]["mime_type"], "image/gif", "the smallest first");
    assert_eq!(page["data"]["pagination"]["last_page"], 2);

    for bad in [
        "mime_type=image",
        "fileable_type=planet",
        "fileable_id=nope",
        "from=soon",
        "from=2026-02-01&to=2026-01-01",
        "order_by=colour",
    ] {
        expect_error(list(bad).await, 422, "VALIDATION_FAILED").await;
    }
}

async fn unlink_keeps_the_file_and_delete_removes_it_everywhere(backend: Backend) {
    let server = TestServer::start(backend).await;
    let (_, admin) = server.admin().await;
    let (seller_id, seller) = user(&server, Role::Seller, "tidyseller").await;
    let listed = product_of(&server, seller_id, true).await;
    let fields = [("fileable_type", "product".to_owned()), ("fileable_id", listed.to_string())];
    let file = uploaded(&server, &seller, "lamp.png", png(300), &fields).await;
    let id: Uuid = file["id"].as_str().unwrap().parse().unwrap();
    let large = variant_of(&server, listed, Some(id)).await;
    let on_variant = [("fileable_type", "variant".to_owned()), ("fileable_id", large.to_string())];
    let second = uploaded(&server, &seller, "large.png", png(300), &on_variant).await;

    let unlink = format!("/api/v1/files/{id}/links/product/{listed}");
    let response = delete(&server, Some(&seller), &unlink).await;
    assert_eq!(response.status(), 200);
    assert_eq!(json(response).await["data"]["message"], "file unlinked");
    expect_error(delete(&server, Some(&seller), &unlink).await, 404, "NOT_FOUND").await;
    expect_error(
        delete(&server, Some(&seller), &format!("/api/v1/files/{id}/links/planet/{listed}")).await,
        404,
        "NOT_FOUND",
    )
    .await;
    let read = json(server.get(&format!("/api/v1/files/{id}"), Some(&seller)).await).await;
    assert_eq!(read["data"]["file"]["links"], serde_json::json!([]), "the file stays, unlinked");
    assert_eq!(
        server.get(&format!("/api/v1/files/{id}"), None).await.status(),
        200,
        "still public: it is the image of a variant of a listed product"
    );

    let response = delete(&server, Some(&seller), &format!("/api/v1/files/{id}")).await;
    assert_eq!(response.status(), 200);
    expect_error(server.get(&format!("/api/v1/files/{id}"), Some(&seller)).await, 404, "NOT_FOUND").await;
    expect_error(delete(&server, Some(&seller), &format!("/api/v1/files/{id}")).await, 404, "NOT_FOUND")
        .await;
    let variant = variant::Entity::find_by_id(large).one(&server.db().conn).await.unwrap().unwrap();
    assert_eq!(variant.image_file_id, None, "variants lose a deleted image");
    assert!(
        !server.data_dir().join("files").join("files").join(id.to_string()).exists(),
        "the bytes are gone"
    );

    let second_id = second["id"].as_str().unwrap();
    let response = delete(&server, Some(&admin), &format!("/api/v1/files/{second_id}")).await;
    assert_eq!(response.status(), 200, "admins delete any file");
    let links = souk_storage::entities::file_link::Entity::find().all(&server.db().conn).await.unwrap();
    assert!(links.is_empty(), "links go with their file: {links:?}");
    assert_eq!(admin_total(&server, &admin).await, 0);
}

async fn status(server: &TestServer, path: &str, token: Option<&str>) -> u16 {
    server.get(path, token).await.status().as_u16()
}

async fn media_follows_what_the_caller_may_see(backend: Backend) {
    use souk_tests::catalog::set_states;
    let server = TestServer::start(backend).await;
    let (_, admin) = server.admin().await;
    let (seller_id, seller) = user(&server, Role::Seller, "visseller").await;
    let (buyer_id, buyer) = user(&server, Role::Buyer, "visbuyer").await;
    let listed = product_of(&server, seller_id, true).await;
    let draft = product_of(&server, seller_id, false).await;
    let on = |kind: &str, id: Uuid| {
        vec![
            ("fileable_type", kind.to_owned()),
            ("fileable_id", id.to_string()),
            ("role", "image".to_owned()),
        ]
    };
    let read = |id: &str| format!("/api/v1/files/{id}");
    let bytes = |id: &str| format!("/api/v1/files/{id}/content");

    let hidden = uploaded(&server, &seller, "draft.png", png(64), &on("product", draft)).await;
    let hidden = hidden["id"].as_str().unwrap().to_owned();
    for path in [read(&hidden), bytes(&hidden)] {
        assert_eq!(status(&server, &path, None).await, 404, "a draft's image is not public: {path}");
        assert_eq!(status(&server, &path, Some(&buyer)).await, 404, "{path}");
        assert_eq!(status(&server, &path, Some(&seller)).await, 200, "{path}");
        assert_eq!(status(&server, &path, Some(&admin)).await, 200, "{path}");
    }
    let draft_variant = variant_of(&server, draft, None).await;
    let on_variant = uploaded(&server, &seller, "v.png", png(64), &on("variant", draft_variant)).await;
    assert_eq!(status(&server, &read(on_variant["id"].as_str().unwrap()), None).await, 404);

    let shown = uploaded(&server, &seller, "listed.png", png(64), &on("product", listed)).await;
    let shown = shown["id"].as_str().unwrap().to_owned();
    assert_eq!(status(&server, &bytes(&shown), None).await, 200);
    for (state, admin_state) in [("draft", "approved"), ("published", "rejected"), ("published", "blocked")] {
        set_states(&server, listed, state, admin_state).await;
        assert_eq!(status(&server, &bytes(&shown), None).await, 404, "{state}/{admin_state}");
        assert_eq!(status(&server, &read(&shown), Some(&buyer)).await, 404, "{state}/{admin_state}");
    }
    set_states(&server, listed, "published", "approved").await;
    let gone = product_of(&server, seller_id, true).await;
    let on_gone = uploaded(&server, &seller, "gone.png", png(64), &on("product", gone)).await;
    let on_gone = on_gone["id"].as_str().unwrap().to_owned();
    product::Entity::update_many()
        .col_expr(product::Column::DeletedAt, sea_orm::sea_query::Expr::value(Utc::now()))
        .filter(<product::Column as sea_orm::ColumnTrait>::eq(&product::Column::Id, gone))
        .exec(&server.db().conn)
        .await
        .unwrap();
    assert_eq!(status(&server, &bytes(&on_gone), None).await, 404, "a deleted product's image is gone");

    // A variant's image is public while the variant's product is.
    let plain = uploaded(&server, &seller, "plain.png", png(64), &[]).await;
    let plain: Uuid = plain["id"].as_str().unwrap().parse().unwrap();
    variant_of(&server, listed, Some(plain)).await;
    assert_eq!(status(&server, &bytes(&plain.to_string()), None).await, 200, "a variant image");
    let hidden_plain = uploaded(&server, &seller, "plain2.png", png(64), &[]).await;
    let hidden_plain: Uuid = hidden_plain["id"].as_str().unwrap().parse().unwrap();
    variant_of(&server, draft, Some(hidden_plain)).await;
    assert_eq!(status(&server, &bytes(&hidden_plain.to_string()), None).await, 404);

    // Review photos follow the review.
    let review = review_by(&server, listed, buyer_id).await;
    let photo = uploaded(
        &server,
        &buyer,
        "review.png",
        png(64),
        &[("fileable_type", "review".to_owned()), ("fileable_id", review.to_string())],
    )
    .await;
    let photo = photo["id"].as_str().unwrap().to_owned();
    assert_eq!(status(&server, &read(&photo), None).await, 404, "an unpublished review's photo");
    assert_eq!(status(&server, &read(&photo), Some(&buyer)).await, 200, "the author's own");
    let publish =
        Query::update().table(Alias::new("reviews")).value(Alias::new("status"), "published").to_owned();
    server.db().conn.execute(&publish).await.unwrap();
    assert_eq!(status(&server, &bytes(&photo), None).await, 200, "a published review's photo");

    // Only the links the caller may see are listed.
    let both = uploaded(&server, &seller, "both.png", png(64), &on("product", listed)).await;
    let both_id = both["id"].as_str().unwrap().to_owned();
    let link = souk_storage::files::LinkRecord {
        file_id: both_id.parse().unwrap(),
        fileable_type: "product".into(),
        fileable_id: draft,
        role: Some("image".into()),
        position: 0,
        alt: None,
        created_at: Utc::now(),
    };
    souk_storage::files::insert_link(&server.db().conn, &link).await.unwrap();
    let links = |body: Value| -> Vec<String> {
        body["data"]["file"]["links"]
            .as_array()
            .unwrap()
            .iter()
            .map(|l| l["fileable_id"].as_str().unwrap().to_owned())
            .collect()
    };
    assert_eq!(links(json(server.get(&read(&both_id), None).await).await), vec![listed.to_string()]);
    assert_eq!(links(json(server.get(&read(&both_id), Some(&buyer)).await).await), vec![listed.to_string()]);
    assert_eq!(links(json(server.get(&read(&both_id), Some(&admin)).await).await).len(), 2);
    assert_eq!(links(json(server.get(&read(&both_id), Some(&seller)).await).await).len(), 2);
}

async fn gallery_links_need_images_and_room(backend: Backend) {
    let server = TestServer::start(backend).await;
    let (seller_id, seller) = user(&server, Role::Seller, "galleryseller").await;
    let listed = product_of(&server, seller_id, true).await;
    let large = variant_of(&server, listed, None).await;
    let on = |kind: &str, id: Uuid, role: &str| {
        vec![("fileable_type", kind.to_owned()), ("fileable_id", id.to_string()), ("role", role.to_owned())]
    };
    for (kind, id) in [("product", listed), ("variant", large)] {
        let body = expect_error(
            upload(&server, Some(&seller), "manual.pdf", pdf(64), &on(kind, id, "image")).await,
            422,
            "VALIDATION_FAILED",
        )
        .await;
        assert!(body["errors"]["role"].is_array() && body["errors"]["file"].is_array(), "{kind}: {body}");
    }
    uploaded(&server, &seller, "manual.pdf", pdf(64), &on("product", listed, "file")).await;
    for position in 0..50 {
        let file = souk_tests::catalog::insert_file(&server, seller_id, "image/png").await;
        let link = souk_storage::files::LinkRecord {
            file_id: file,
            fileable_type: "product".into(),
            fileable_id: listed,
            role: Some("image".into()),
            position: position + 10,
            alt: None,
            created_at: Utc::now(),
        };
        souk_storage::files::insert_link(&server.db().conn, &link).await.unwrap();
    }
    let body = expect_error(
        upload(&server, Some(&seller), "one-more.png", png(64), &on("product", listed, "image")).await,
        422,
        "VALIDATION_FAILED",
    )
    .await;
    assert!(field_error(&body, "role").contains("50"), "{body}");
    uploaded(&server, &seller, "variant.png", png(64), &on("variant", large, "image")).await;
    uploaded(&server, &seller, "extra.png", png(64), &on("product", listed, "thumbnail")).await;
    let gallery = souk_storage::entities::file_link::Entity::find()
        .all(&server.db().conn)
        .await
        .unwrap()
        .into_iter()
        .filter(|l| l.fileable_id == listed && l.role.as_deref() == Some("image"))
        .count();
    assert_eq!(gallery, 50, "the gallery stays at its limit");
}

on_both_backends!(
    media_follows_what_the_caller_may_see,
    gallery_links_need_images_and_room,
    upload_read_download_and_list,
    types_come_from_the_bytes_and_sizes_are_capped,
    links_check_their_target,
    storefront_media_is_public_and_changes_stay_with_the_owner,
    lists_filter_by_type_link_and_time,
    unlink_keeps_the_file_and_delete_removes_it_everywhere,
);
