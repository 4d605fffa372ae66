//! Catalog set-up helpers: products and uploaded files stored directly, for tests of objects that
//! hang off products before the product and file APIs exist on this branch.

use chrono::Utc;
use sea_orm::{ActiveValue::Set, EntityTrait};
use souk_kernel::UserId;
use souk_storage::entities::product;
use uuid::Uuid;

use crate::TestServer;

/// How a stored product shows to the public.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Listing {
    /// Published, approved, visible everywhere.
    Listed,
    /// A draft only its seller and admins see.
    Draft,
    /// Listed once, then soft-deleted.
    Deleted,
}

/// Stores a product of `seller` and returns its id.
pub async fn insert_product(server: &TestServer, seller: UserId, title: &str, listing: Listing) -> Uuid {
    let now = Utc::now();
    let id = Uuid::now_v7();
    let status = if listing == Listing::Draft { "draft" } else { "published" };
    let row = product::ActiveModel {
        id: Set(id),
        seller_id: Set(seller.as_uuid()),
        title: Set(title.to_owned()),
        slug: Set(format!("{}-{}", title.to_lowercase().replace(' ', "-"), id.simple())),
        description: Set(None),
        page_title: Set(None),
        meta_description: Set(None),
        category_id: Set(None),
        condition: Set("new".into()),
        status: Set(status.into()),
        visibility: Set("both".into()),
        admin_status: Set("approved".into()),
        admin_status_reason: Set(None),
        is_digital: Set(false),
        requires_shipping: Set(true),
        currency: Set("USD".into()),
        price: Set(1999),
        compare_price: Set(None),
        sku: Set(None),
        quantity: Set(10),
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
        deleted_at: Set((listing == Listing::Deleted).then_some(now)),
        created_at: Set(now),
        updated_at: Set(now),
    };
    product::Entity::insert(row).exec_without_returning(&server.db().conn).await.expect("insert product");
    id
}

/// Stores the metadata of an uploaded file of `owner` and returns its id.
pub async fn insert_file(server: &TestServer, owner: UserId, mime_type: &str) -> Uuid {
    let id = Uuid::now_v7();
    let record = souk_storage::files::new_record(
        Some(owner.as_uuid()),
        "upload",
        mime_type,
        1024,
        format!("test/{id}"),
        Utc::now(),
    );
    souk_storage::files::insert_file(&server.db().conn, &record).await.expect("insert file");
    record.id
}

/// Sends a JSON request with any method and an optional bearer token.
pub async fn send_json(
    server: &TestServer,
    method: reqwest::Method,
    path: &str,
    token: Option<&str>,
    body: Option<&serde_json::Value>,
) -> reqwest::Response {
    let mut request = server.client.request(method, server.url(path));
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    if let Some(body) = body {
        request = request.json(body);
    }
    request.send().await.expect("request sent")
}

/// Moves a stored product to another seller (what an admin reassignment does).
pub async fn set_seller(server: &TestServer, product_id: Uuid, seller: UserId) {
    use sea_orm::{ColumnTrait, QueryFilter, sea_query::Expr};
    product::Entity::update_many()
        .col_expr(product::Column::SellerId, Expr::value(seller.as_uuid()))
        .filter(product::Column::Id.eq(product_id))
        .exec(&server.db().conn)
        .await
        .expect("reassign product");
}

/// Changes how a stored product shows to the public: `status` (`draft`, `published`) and
/// `admin_status` (`approved`, `rejected`, `blocked`, ...).
pub async fn set_states(server: &TestServer, product_id: Uuid, status: &str, admin_status: &str) {
    use sea_orm::{ColumnTrait, QueryFilter, sea_query::Expr};
    product::Entity::update_many()
        .col_expr(product::Column::Status, Expr::value(status))
        .col_expr(product::Column::AdminStatus, Expr::value(admin_status))
        .filter(product::Column::Id.eq(product_id))
        .exec(&server.db().conn)
        .await
        .expect("change product states");
}
