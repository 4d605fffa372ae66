//! The database ceiling: for each scenario, the SQL statements the server runs for one request
//! of it, replayed straight through the sqlx driver (no sea-orm query building, no HTTP) on a pool
//! configured like the server's. Every replay is a transcription of the code path it mirrors, in
//! its order and with its round trips, tables, conditions, joins, orders, pages and transaction:
//!
//! - product lists: `Marketplace::list_products` (`SqlCategories::all`), `SqlProducts::list` (the
//!   count, the deferred join's id page, the rows of those ids, `load_children`'s seven child
//!   queries) and `rating_summary`, over the selection of `product_query::select` (the public
//!   scope as literal SQL, the category and price filters, newest first; with a search the
//!   PostgreSQL `search_vector @@ to_tsquery` match ranked by `ts_rank`, or the SQLite FTS5
//!   `search_hits` join ranked by `bm25`);
//! - product read: `Marketplace::get_product` (`SqlProducts::find`, `load_children`, then
//!   `view_of`: the category tree and `rating_summary`);
//! - seller orders: `authenticate_bearer` (`SqlUsers::find` of the token's account), then
//!   `souk_storage::orders::list_orders` (count, page, `with_lines`);
//! - checkout: `authenticate_bearer`, then `Marketplace::checkout` in `begin_write` (`BEGIN
//!   IMMEDIATE` on SQLite): `SqlProducts::find` with `load_children`, `always_selected_rates`,
//!   `reserve_product`, `next_order_number`, `checkout_customer` (`SqlUsers::find`,
//!   `upsert_checkout_customer`), `insert_order` (order, line, history entry) and
//!   `outbox::record_order` (`events::append`: the event and the active webhooks), then `COMMIT`.
//!
//! Values are bound with the types sea-orm binds (UUIDs as 16-byte blobs on SQLite, timestamps
//! as `DateTime<Utc>`, limits as `i64`), so the same indexes and plans are used.

use std::borrow::Cow;
use std::fmt::Write as _;
use std::sync::Arc;

use anyhow::Context;
use chrono::{DateTime, NaiveDate, TimeDelta, Utc};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use sea_orm::sqlx::postgres::PgRow;
use sea_orm::sqlx::sqlite::SqliteRow;
use sea_orm::sqlx::{
    self, AssertSqlSafe, Decode, Encode, PgConnection, PgPool, Postgres, Row as _, SqlSafeStr, SqlStr,
    Sqlite, SqliteConnection, SqlitePool, Type,
};
use souk_catalog::ReviewStatus;
use souk_catalog::listing::search_words;
use souk_kernel::{Currency, Money, PageRequest};
use souk_orders::customer::{email_key, from_checkout};
use souk_orders::order::{Address, DeliveryStatus, Fulfillment, OrderSource, PaymentStatus, order_number};
use souk_orders::status::OrderStatus;
use souk_storage::Backend;
use uuid::Uuid;

use crate::load::{Call, Step};
use crate::seed::Seeded;

/// Connections of the pool, as the server opens them.
const POOL_SIZE: u32 = 16;
/// The filtered list's price bounds, in major units.
const MIN_PRICE: i64 = 50;
/// See [`MIN_PRICE`].
const MAX_PRICE: i64 = 150;
/// Units every checkout buys.
const QUANTITY: i64 = 1;
/// Hours an unpaid order holds its stock (`UNPAID_ORDER_HOURS`).
const UNPAID_ORDER_HOURS: i64 = 24;
/// `rating_summary` reads reviews in chunks of this many products.
const RATING_CHUNK: usize = 500;

/// The columns of `products`, as sea-orm selects the entity.
macro_rules! product_columns {
    () => {
        concat!(
            r#""products"."id", "products"."seller_id", "products"."title", "products"."slug", "#,
            r#""products"."description", "products"."page_title", "products"."meta_description", "#,
            r#""products"."category_id", "products"."condition", "products"."status", "#,
            r#""products"."visibility", "products"."admin_status", "products"."admin_status_reason", "#,
            r#""products"."is_digital", "products"."requires_shipping", "products"."currency", "#,
            r#""products"."price", "products"."compare_price", "products"."sku", "#,
            r#""products"."quantity", "products"."reserved", "products"."stock_tracked", "#,
            r#""products"."allow_order_when_oos", "products"."min_qty", "products"."weight_grams", "#,
            r#""products"."location", "products"."city", "products"."state", "products"."country", "#,
            r#""products"."lat", "products"."lng", "products"."external_id", "products"."on_homepage", "#,
            r#""products"."deleted_at", "products"."created_at", "products"."updated_at""#,
        )
    };
}

/// The columns of `orders`, as sea-orm selects the entity.
macro_rules! order_columns {
    () => {
        concat!(
            r#""orders"."id", "orders"."number", "orders"."cart_id", "orders"."buyer_id", "#,
            r#""orders"."seller_id", "orders"."customer_id", "orders"."coupon_code", "#,
            r#""orders"."source", "orders"."status", "orders"."payment_status", "#,
            r#""orders"."delivery_status", "orders"."currency", "orders"."subtotal", "#,
            r#""orders"."discount", "orders"."shipping", "orders"."fee", "orders"."total", "#,
            r#""orders"."fulfillment", "orders"."shipping_address", "orders"."billing_address", "#,
            r#""orders"."note", "orders"."is_archived", "orders"."trial_ends_at", "#,
            r#""orders"."release_at", "orders"."expires_at", "orders"."created_at", "#,
            r#""orders"."updated_at""#,
        )
    };
}

/// The columns of `customers`, as sea-orm selects the entity.
macro_rules! customer_columns {
    () => {
        concat!(
            r#""customers"."id", "customers"."seller_id", "customers"."user_id", "customers"."email", "#,
            r#""customers"."email_key", "customers"."name", "customers"."phone", "#,
            r#""customers"."address", "customers"."city", "customers"."postal_code", "#,
            r#""customers"."country", "customers"."subscription_status", "customers"."created_at", "#,
            r#""customers"."updated_at""#,
        )
    };
}

/// [`product_columns!`] for statements assembled at run time.
const PRODUCT_COLUMNS: &str = product_columns!();

/// `listed(false)` of `product_query`: the public catalog scope, literal so partial indexes match.
const LISTED_CATALOG: &str = concat!(
    "products.deleted_at IS NULL AND products.status = 'published' AND products.admin_status = 'approved' ",
    "AND products.visibility IN ('both', 'catalog')",
);
/// `listed(true)`: the public scope of a search.
const LISTED_SEARCH: &str = concat!(
    "products.deleted_at IS NULL AND products.status = 'published' AND products.admin_status = 'approved' ",
    "AND products.visibility IN ('both', 'search')",
);
/// `ProductSort::CreatedAt`, descending, then the id.
const NEWEST_FIRST: &str = r#""products"."created_at" DESC, "products"."id" DESC"#;
/// `join_sqlite_hits`: the FTS5 hits with their weighted `bm25`, joined once.
const SQLITE_HITS: &str = concat!(
    r#"INNER JOIN (SELECT "r"."product_id", bm25(products_fts, 10.0, 1.0, 5.0) AS "rank" "#,
    r#"FROM "product_search_rows" AS "r" INNER JOIN "products_fts" ON "products_fts"."rowid" = "r"."rowid" "#,
    r#"WHERE products_fts MATCH ?) AS "search_hits" ON "search_hits"."product_id" = "products"."id""#,
);
/// `ProductSort::Relevance` on SQLite: best `bm25` first.
const SQLITE_RELEVANCE: &str = r#"search_hits.rank ASC, "products"."created_at" DESC, "products"."id" DESC"#;
/// `postgres_match`: the weighted `tsvector` matches every word as a prefix.
const POSTGRES_MATCH: &str = "products.search_vector @@ to_tsquery('english', ?)";
/// `ProductSort::Relevance` on PostgreSQL: best `ts_rank` first.
const POSTGRES_RELEVANCE: &str = concat!(
    "ts_rank(products.search_vector, to_tsquery('english', ?)) DESC, ",
    r#""products"."created_at" DESC, "products"."id" DESC"#,
);

/// `SqlCategories::all`.
const CATEGORIES: &str = concat!(
    r#"SELECT "categories"."id", "categories"."name", "categories"."slug", "categories"."parent_id", "#,
    r#""categories"."created_at", "categories"."updated_at" FROM "categories""#,
);
/// `SqlProducts::find`: one product by id.
const PRODUCT_BY_ID: &str =
    concat!("SELECT ", product_columns!(), r#" FROM "products" WHERE "products"."id" = ? LIMIT ?"#);
/// `SqlProducts::list`: the rows of a page's ids.
const PRODUCTS_BY_IDS: &str =
    concat!("SELECT ", product_columns!(), r#" FROM "products" WHERE "products"."id" IN (?*)"#);
/// The same for an empty page: sea-query renders `IN ()` as `1 = 2`, both sides bound.
const PRODUCTS_BY_NO_IDS: &str = concat!("SELECT ", product_columns!(), r#" FROM "products" WHERE ? = ?"#);
/// `load_children`: options.
const OPTIONS: &str = concat!(
    r#"SELECT "product_options"."id", "product_options"."product_id", "product_options"."name", "#,
    r#""product_options"."option_values", "product_options"."position" FROM "product_options" "#,
    r#"WHERE "product_options"."product_id" IN (?*) ORDER BY "product_options"."position" ASC"#,
);
/// `load_children`: variants.
const VARIANTS: &str = concat!(
    r#"SELECT "variants"."id", "variants"."product_id", "variants"."title", "variants"."sku", "#,
    r#""variants"."price", "variants"."compare_price", "variants"."quantity", "#,
    r#""variants"."reserved", "variants"."weight_grams", "variants"."option_values", "#,
    r#""variants"."image_file_id", "variants"."position", "variants"."created_at", "#,
    r#""variants"."updated_at" FROM "variants" "#,
    r#"WHERE "variants"."product_id" IN (?*) ORDER BY "variants"."position" ASC"#,
);
/// `load_children`: add-ons.
const ADD_ONS: &str = concat!(
    r#"SELECT "add_ons"."id", "add_ons"."product_id", "add_ons"."title", "add_ons"."description", "#,
    r#""add_ons"."price", "add_ons"."position", "add_ons"."created_at", "add_ons"."updated_at" "#,
    r#"FROM "add_ons" WHERE "add_ons"."product_id" IN (?*) ORDER BY "add_ons"."position" ASC"#,
);
/// `load_children`: properties.
const PROPERTIES: &str = concat!(
    r#"SELECT "product_properties"."id", "product_properties"."product_id", "#,
    r#""product_properties"."name", "product_properties"."value", "#,
    r#""product_properties"."position" FROM "product_properties" "#,
    r#"WHERE "product_properties"."product_id" IN (?*) ORDER BY "product_properties"."position" ASC"#,
);
/// `load_children`: gallery images (`fileable_type`, ids, `role`).
const IMAGES: &str = concat!(
    r#"SELECT "file_links"."file_id", "file_links"."fileable_type", "file_links"."fileable_id", "#,
    r#""file_links"."role", "file_links"."position", "file_links"."alt", "#,
    r#""file_links"."created_at" FROM "file_links" WHERE "file_links"."fileable_type" = ? "#,
    r#"AND "file_links"."fileable_id" IN (?*) AND "file_links"."role" = ? "#,
    r#"ORDER BY "file_links"."position" ASC"#,
);
/// `load_children`: trial policies.
const TRIALS: &str = concat!(
    r#"SELECT "trial_policies"."product_id", "trial_policies"."trial_days", "#,
    r#""trial_policies"."penalty_type", "trial_policies"."penalty_value", "#,
    r#""trial_policies"."return_window_hours", "trial_policies"."enabled", "#,
    r#""trial_policies"."created_at", "trial_policies"."updated_at" FROM "trial_policies" "#,
    r#"WHERE "trial_policies"."product_id" IN (?*)"#,
);
/// `load_children`: rental terms.
const RENTALS: &str = concat!(
    r#"SELECT "rental_terms"."product_id", "rental_terms"."daily_rate", "#,
    r#""rental_terms"."late_fee_per_day", "rental_terms"."deposit", "#,
    r#""rental_terms"."available", "rental_terms"."created_at", "rental_terms"."updated_at" "#,
    r#"FROM "rental_terms" WHERE "rental_terms"."product_id" IN (?*)"#,
);
/// `rating_summary`: count and sum of the published reviews of each product.
const RATINGS: &str = concat!(
    r#"SELECT "reviews"."product_id", COUNT("reviews"."id") AS "reviews", "#,
    r#"SUM("reviews"."rating") AS "stars" FROM "reviews" WHERE "reviews"."status" = ? "#,
    r#"AND "reviews"."product_id" IN (?*) GROUP BY "reviews"."product_id""#,
);
/// `SqlUsers::find`.
const USER_BY_ID: &str = concat!(
    r#"SELECT "users"."id", "users"."email", "users"."username", "users"."password_hash", "#,
    r#""users"."role", "users"."status", "users"."first_name", "users"."last_name", "#,
    r#""users"."phone", "users"."email_verified_at", "users"."created_at", "users"."updated_at" "#,
    r#"FROM "users" WHERE "users"."id" = ? LIMIT ?"#,
);
/// `list_orders`: the count of a seller's orders.
const ORDERS_COUNT: &str = concat!(
    "SELECT COUNT(*) AS num_items FROM (SELECT ",
    order_columns!(),
    r#" FROM "orders" WHERE "orders"."seller_id" = ?) AS "sub_query""#,
);
/// `list_orders`: a page of a seller's orders, newest first.
const ORDERS_PAGE: &str = concat!(
    "SELECT ",
    order_columns!(),
    r#" FROM "orders" WHERE "orders"."seller_id" = ? "#,
    r#"ORDER BY "orders"."created_at" DESC, "orders"."id" DESC LIMIT ? OFFSET ?"#,
);
/// `with_lines`: the lines of a page of orders.
const ORDER_LINES: &str = concat!(
    r#"SELECT "order_lines"."id", "order_lines"."order_id", "order_lines"."position", "#,
    r#""order_lines"."product_id", "order_lines"."variant_id", "order_lines"."title", "#,
    r#""order_lines"."variant_title", "order_lines"."sku", "order_lines"."unit_price", "#,
    r#""order_lines"."quantity", "order_lines"."add_ons", "order_lines"."rental_start", "#,
    r#""order_lines"."rental_end", "order_lines"."line_total", "order_lines"."stock_held", "#,
    r#""order_lines"."trial_policy" FROM "order_lines" "#,
    r#"WHERE "order_lines"."order_id" IN (?*) ORDER BY "order_lines"."position" ASC"#,
);
/// `always_selected_rates`: the sellers' rates every delivered order pays.
const ALWAYS_SELECTED_RATES: &str = concat!(
    r#"SELECT "shipping_rates"."id", "shipping_rates"."title", "shipping_rates"."currency", "#,
    r#""shipping_rates"."price", "shipping_rates"."step_price", "#,
    r#""shipping_rates"."always_selected", "shipping_rates"."seller_id", "#,
    r#""shipping_rates"."created_at", "shipping_rates"."updated_at" FROM "shipping_rates" "#,
    r#"WHERE "shipping_rates"."always_selected" = ? AND "shipping_rates"."seller_id" IN (?*) "#,
    r#"ORDER BY "shipping_rates"."created_at" ASC"#,
);
/// `reserve_product`: holds units if that many are available.
const RESERVE_PRODUCT: &str = concat!(
    r#"UPDATE "products" SET "reserved" = "reserved" + ? "#,
    r#"WHERE "products"."id" = ? AND "quantity" - "reserved" >= ?"#,
);
/// `next_order_number`.
const NEXT_ORDER_NUMBER: &str = "UPDATE counters SET value = value + 1 WHERE name = 'order' RETURNING value";
/// `upsert_checkout_customer`: the record, unless the seller has one with that e-mail.
const INSERT_CUSTOMER: &str = concat!(
    r#"INSERT INTO "customers" ("id", "seller_id", "user_id", "email", "email_key", "name", "phone", "#,
    r#""address", "city", "postal_code", "country", "subscription_status", "created_at", "updated_at") "#,
    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ",
    r#"ON CONFLICT ("seller_id", "email_key") DO NOTHING"#,
);
/// `upsert_checkout_customer`: the seller's record of that e-mail (SQLite).
const CUSTOMER_BY_EMAIL: &str = concat!(
    "SELECT ",
    customer_columns!(),
    r#" FROM "customers" WHERE "customers"."seller_id" = ? AND "customers"."email_key" = ? LIMIT ?"#,
);
/// The same, locked for the transaction (`for_update` on PostgreSQL).
const CUSTOMER_BY_EMAIL_FOR_UPDATE: &str = concat!(
    "SELECT ",
    customer_columns!(),
    r#" FROM "customers" WHERE "customers"."seller_id" = ? AND "customers"."email_key" = ? LIMIT ?"#,
    " FOR UPDATE",
);
/// `insert_order`: the order.
const INSERT_ORDER: &str = concat!(
    r#"INSERT INTO "orders" ("id", "number", "cart_id", "buyer_id", "seller_id", "customer_id", "#,
    r#""coupon_code", "source", "status", "payment_status", "delivery_status", "currency", "#,
    r#""subtotal", "discount", "shipping", "fee", "total", "fulfillment", "shipping_address", "#,
    r#""billing_address", "note", "is_archived", "trial_ends_at", "release_at", "expires_at", "#,
    r#""created_at", "updated_at") "#,
    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
);
/// `insert_order`: its line.
const INSERT_ORDER_LINE: &str = concat!(
    r#"INSERT INTO "order_lines" ("id", "order_id", "position", "product_id", "variant_id", "title", "#,
    r#""variant_title", "sku", "unit_price", "quantity", "add_ons", "rental_start", "rental_end", "#,
    r#""line_total", "stock_held", "trial_policy") "#,
    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
);
/// `record_event`: the order's first history entry.
const INSERT_ORDER_EVENT: &str = concat!(
    r#"INSERT INTO "order_events" ("id", "order_id", "from_status", "to_status", "actor_id", "party", "#,
    r#""reason", "created_at") VALUES (?, ?, ?, ?, ?, ?, ?, ?)"#,
);
/// `events::append`: the outbox event.
const INSERT_EVENT: &str = concat!(
    r#"INSERT INTO "events" ("id", "type", "object_type", "object_id", "seller_id", "buyer_id", "#,
    r#""data", "created_at") VALUES (?, ?, ?, ?, ?, ?, ?, ?)"#,
);
/// `events::append`: the active subscriptions the event may fan out to.
const ACTIVE_WEBHOOKS: &str = concat!(
    r#"SELECT "webhooks"."id", "webhooks"."owner_id", "webhooks"."owner_role", "webhooks"."url", "#,
    r#""webhooks"."events", "webhooks"."secret", "webhooks"."status", "#,
    r#""webhooks"."description", "webhooks"."created_at", "webhooks"."updated_at" "#,
    r#"FROM "webhooks" WHERE "webhooks"."status" = ?"#,
);

/// The SQL of one scenario's request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Query {
    /// `GET /api/v1/products?page=N` (page size 20, public caller).
    ProductPage {
        /// The 1-based page.
        page: u32,
    },
    /// `GET /api/v1/products?category_id=<random root>&min_price=50&max_price=150`.
    ProductsFiltered,
    /// `GET /api/v1/products?search=<Seeded::search_word>`.
    ProductSearch,
    /// `GET /api/v1/products/{random product id}`.
    ProductRead,
    /// `GET /api/v1/orders` as the worker's seller (default page, default order).
    SellerOrders,
    /// `POST /api/v1/checkout` of 1 unit of a random product (`hot`: always the hot product).
    Checkout {
        /// Whether every call buys [`Seeded::hot_product`].
        hot: bool,
    },
}

/// A pool straight on the driver, configured like the server's (same pragmas on SQLite).
#[derive(Debug)]
pub struct Driver {
    pool: Pool,
}

/// The driver's pool of either backend.
#[derive(Debug)]
enum Pool {
    Sqlite(SqlitePool),
    Postgres(PgPool),
}

impl Driver {
    /// Connects to `url` (sqlite://... or postgres://...).
    pub async fn connect(url: &str) -> anyhow::Result<Arc<Driver>> {
        let db = souk_storage::Database::connect(url, POOL_SIZE).await?;
        let pool = match db.backend {
            Backend::Sqlite => Pool::Sqlite(db.conn.get_sqlite_connection_pool().clone()),
            Backend::Postgres => Pool::Postgres(db.conn.get_postgres_connection_pool().clone()),
        };
        Ok(Arc::new(Driver { pool }))
    }

    /// Statements on the pool, one connection each (as sea-orm runs them outside transactions).
    fn pool(&self) -> On<'_> {
        match &self.pool {
            Pool::Sqlite(pool) => On::SqlitePool(pool),
            Pool::Postgres(pool) => On::PostgresPool(pool),
        }
    }

    /// `Database::begin_read`: a plain `BEGIN` on either backend.
    async fn begin_read(&self) -> sqlx::Result<Tx> {
        Ok(match &self.pool {
            Pool::Sqlite(pool) => Tx::Sqlite(pool.begin().await?),
            Pool::Postgres(pool) => Tx::Postgres(pool.begin().await?),
        })
    }

    /// The placeholder style of the pool's backend.
    fn dialect(&self) -> Dialect {
        match self.pool {
            Pool::Sqlite(_) => Dialect::Sqlite,
            Pool::Postgres(_) => Dialect::Postgres,
        }
    }

    /// `Database::begin_write`: `BEGIN IMMEDIATE` on SQLite, `BEGIN` on PostgreSQL.
    async fn begin(&self) -> sqlx::Result<Tx> {
        Ok(match &self.pool {
            Pool::Sqlite(pool) => Tx::Sqlite(pool.begin_with("BEGIN IMMEDIATE").await?),
            Pool::Postgres(pool) => Tx::Postgres(pool.begin().await?),
        })
    }
}

/// The placeholder style of a backend.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Dialect {
    Sqlite,
    Postgres,
}

impl Dialect {
    /// `template` ready to run: each `?` a placeholder (`$n` on PostgreSQL) and each `?*` as many
    /// as the next list in `args` holds.
    fn sql(self, template: Cow<'static, str>, args: &[Arg]) -> SqlStr {
        let lists: Vec<usize> = args.iter().filter_map(Arg::list_len).collect();
        if self == Dialect::Sqlite && lists.is_empty() {
            return AssertSqlSafe(template).into_sql_str();
        }
        AssertSqlSafe(self.render(&template, &lists)).into_sql_str()
    }

    /// `template` with its placeholders written out, lists at the lengths of `lists`.
    fn render(self, template: &str, lists: &[usize]) -> String {
        let mut sql = String::with_capacity(template.len() + 64);
        let mut lists = lists.iter().copied();
        let mut number = 0;
        let mut chars = template.chars().peekable();
        while let Some(c) = chars.next() {
            if c != '?' {
                sql.push(c);
                continue;
            }
            let count = if chars.next_if_eq(&'*').is_some() { lists.next().unwrap_or(0) } else { 1 };
            for i in 0..count {
                if i > 0 {
                    sql.push_str(", ");
                }
                number += 1;
                match self {
                    Dialect::Sqlite => sql.push('?'),
                    Dialect::Postgres => {
                        let _ = write!(sql, "${number}");
                    }
                }
            }
        }
        sql
    }
}

/// A bound value, of the type sea-orm binds for its column.
#[derive(Debug, Clone)]
enum Arg {
    Id(Uuid),
    NoId,
    Ids(Vec<Uuid>),
    Int(i64),
    Small(i32),
    Flag(bool),
    Word(&'static str),
    Words(Vec<&'static str>),
    Text(String),
    MaybeText(Option<String>),
    At(DateTime<Utc>),
    NoAt,
    NoDate,
}

impl Arg {
    /// How many placeholders a list stands for (`None` for a single value).
    fn list_len(&self) -> Option<usize> {
        match self {
            Arg::Ids(ids) => Some(ids.len()),
            Arg::Words(words) => Some(words.len()),
            _ => None,
        }
    }
}

/// Binds `args` in order, lists value by value.
fn bind<DB>(
    query: sqlx::query::Query<'static, DB, DB::Arguments>,
    args: Vec<Arg>,
) -> sqlx::query::Query<'static, DB, DB::Arguments>
where
    DB: sqlx::Database,
    Uuid: Encode<'static, DB> + Type<DB>,
    i64: Encode<'static, DB> + Type<DB>,
    i32: Encode<'static, DB> + Type<DB>,
    bool: Encode<'static, DB> + Type<DB>,
    &'static str: Encode<'static, DB> + Type<DB>,
    String: Encode<'static, DB> + Type<DB>,
    DateTime<Utc>: Encode<'static, DB> + Type<DB>,
    Option<Uuid>: Encode<'static, DB> + Type<DB>,
    Option<String>: Encode<'static, DB> + Type<DB>,
    Option<DateTime<Utc>>: Encode<'static, DB> + Type<DB>,
    Option<NaiveDate>: Encode<'static, DB> + Type<DB>,
{
    args.into_iter().fold(query, |query, arg| match arg {
        Arg::Id(id) => query.bind(id),
        Arg::NoId => query.bind(None::<Uuid>),
        Arg::Ids(ids) => ids.into_iter().fold(query, |query, id| query.bind(id)),
        Arg::Int(value) => query.bind(value),
        Arg::Small(value) => query.bind(value),
        Arg::Flag(value) => query.bind(value),
        Arg::Word(word) => query.bind(word),
        Arg::Words(words) => words.into_iter().fold(query, |query, word| query.bind(word)),
        Arg::Text(text) => query.bind(text),
        Arg::MaybeText(text) => query.bind(text),
        Arg::At(at) => query.bind(at),
        Arg::NoAt => query.bind(None::<DateTime<Utc>>),
        Arg::NoDate => query.bind(None::<NaiveDate>),
    })
}

/// A row of either backend.
enum Row {
    Sqlite(SqliteRow),
    Postgres(PgRow),
}

impl From<SqliteRow> for Row {
    fn from(row: SqliteRow) -> Row {
        Row::Sqlite(row)
    }
}

impl From<PgRow> for Row {
    fn from(row: PgRow) -> Row {
        Row::Postgres(row)
    }
}

impl Row {
    /// The value of `column`, decoded as sea-orm decodes it.
    fn get<T>(&self, column: &str) -> sqlx::Result<T>
    where
        T: for<'r> Decode<'r, Sqlite> + Type<Sqlite> + for<'r> Decode<'r, Postgres> + Type<Postgres>,
    {
        match self {
            Row::Sqlite(row) => row.try_get(column),
            Row::Postgres(row) => row.try_get(column),
        }
    }
}

/// Where statements run: the pool or an open transaction's connection.
enum On<'a> {
    SqlitePool(&'a SqlitePool),
    PostgresPool(&'a PgPool),
    SqliteTx(&'a mut SqliteConnection),
    PostgresTx(&'a mut PgConnection),
}

/// Evaluates `$body` with `$executor` bound to the executor behind `$on`, once per backend.
macro_rules! dispatch {
    ($on:expr, $executor:ident => $body:expr) => {
        match $on {
            On::SqlitePool(pool) => {
                let $executor = *pool;
                $body
            }
            On::PostgresPool(pool) => {
                let $executor = *pool;
                $body
            }
            On::SqliteTx(conn) => {
                let $executor = &mut **conn;
                $body
            }
            On::PostgresTx(conn) => {
                let $executor = &mut **conn;
                $body
            }
        }
    };
}

impl On<'_> {
    /// The placeholder style of the backend behind.
    fn dialect(&self) -> Dialect {
        match self {
            On::SqlitePool(_) | On::SqliteTx(_) => Dialect::Sqlite,
            On::PostgresPool(_) | On::PostgresTx(_) => Dialect::Postgres,
        }
    }

    /// Every row of a statement.
    async fn all(&mut self, sql: impl Into<Cow<'static, str>>, args: Vec<Arg>) -> sqlx::Result<Vec<Row>> {
        let sql = self.dialect().sql(sql.into(), &args);
        dispatch!(self, executor => {
            let rows = bind(sqlx::query(sql), args).fetch_all(executor).await?;
            Ok(rows.into_iter().map(Row::from).collect())
        })
    }

    /// The first row of a statement, if it has one.
    async fn optional(
        &mut self,
        sql: impl Into<Cow<'static, str>>,
        args: Vec<Arg>,
    ) -> sqlx::Result<Option<Row>> {
        let sql = self.dialect().sql(sql.into(), &args);
        dispatch!(self, executor => {
            Ok(bind(sqlx::query(sql), args).fetch_optional(executor).await?.map(Row::from))
        })
    }

    /// The row of a statement that always returns one.
    async fn one(&mut self, sql: impl Into<Cow<'static, str>>, args: Vec<Arg>) -> sqlx::Result<Row> {
        let sql = self.dialect().sql(sql.into(), &args);
        dispatch!(self, executor => {
            Ok(Row::from(bind(sqlx::query(sql), args).fetch_one(executor).await?))
        })
    }

    /// Runs a statement, returning how many rows it changed.
    async fn execute(&mut self, sql: impl Into<Cow<'static, str>>, args: Vec<Arg>) -> sqlx::Result<u64> {
        let sql = self.dialect().sql(sql.into(), &args);
        dispatch!(self, executor => {
            Ok(bind(sqlx::query(sql), args).execute(executor).await?.rows_affected())
        })
    }
}

/// An open transaction (rolled back when dropped uncommitted).
enum Tx {
    Sqlite(sqlx::Transaction<'static, Sqlite>),
    Postgres(sqlx::Transaction<'static, Postgres>),
}

impl Tx {
    /// Statements inside the transaction.
    fn on(&mut self) -> On<'_> {
        match self {
            Tx::Sqlite(tx) => On::SqliteTx(tx),
            Tx::Postgres(tx) => On::PostgresTx(tx),
        }
    }

    /// `COMMIT`.
    async fn commit(self) -> sqlx::Result<()> {
        match self {
            Tx::Sqlite(tx) => tx.commit().await,
            Tx::Postgres(tx) => tx.commit().await,
        }
    }
}

/// The `id` column of every row.
fn ids_of(rows: &[Row]) -> sqlx::Result<Vec<Uuid>> {
    rows.iter().map(|row| row.get("id")).collect()
}

/// `LIMIT` and `OFFSET` of a page, bound as sea-query binds them.
fn window(page: PageRequest) -> [Arg; 2] {
    let offset = i64::try_from(page.offset()).unwrap_or(i64::MAX);
    [Arg::Int(i64::from(page.per_page())), Arg::Int(offset)]
}

/// `SqlUsers::find`: an account by id (`authenticate_bearer` reads the bearer's on every request).
async fn find_user(on: &mut On<'_>, user: Uuid) -> anyhow::Result<Row> {
    on.optional(USER_BY_ID, vec![Arg::Id(user), Arg::Int(1)]).await?.context("the account does not exist")
}

/// `load_children`: the seven child tables of the products, none for no products.
async fn load_children(on: &mut On<'_>, ids: &[Uuid]) -> anyhow::Result<()> {
    if ids.is_empty() {
        return Ok(());
    }
    let list = || Arg::Ids(ids.to_vec());
    let children = [
        (OPTIONS, vec![list()]),
        (VARIANTS, vec![list()]),
        (ADD_ONS, vec![list()]),
        (PROPERTIES, vec![list()]),
        (IMAGES, vec![Arg::Word("product"), list(), Arg::Word("image")]),
        (TRIALS, vec![list()]),
        (RENTALS, vec![list()]),
    ];
    for (sql, args) in children {
        on.all(sql, args).await?;
    }
    Ok(())
}

/// `rating_summary`: the published reviews of the products, none for no products.
async fn rating_summary(on: &mut On<'_>, ids: &[Uuid]) -> anyhow::Result<()> {
    for chunk in ids.chunks(RATING_CHUNK) {
        let args = vec![Arg::Word(ReviewStatus::Published.as_str()), Arg::Ids(chunk.to_vec())];
        on.all(RATINGS, args).await?;
    }
    Ok(())
}

/// The `FROM ... WHERE ...` and order of one product list (`product_query::select`).
#[derive(Debug)]
struct Listing {
    /// `FROM` and `WHERE` of the selection.
    selection: String,
    /// Values of `selection`.
    args: Vec<Arg>,
    /// `ORDER BY` keys.
    order: &'static str,
    /// Values of `order`.
    order_args: Vec<Arg>,
    /// The page asked for.
    page: PageRequest,
}

impl Listing {
    /// The public catalog, newest first, at `page`.
    fn page(page: u32) -> anyhow::Result<Listing> {
        Ok(Listing {
            selection: format!(r#"FROM "products" WHERE {LISTED_CATALOG}"#),
            args: Vec::new(),
            order: NEWEST_FIRST,
            order_args: Vec::new(),
            page: PageRequest::new(i64::from(page), i64::from(souk_kernel::page::DEFAULT_PAGE_SIZE))?,
        })
    }

    /// The public catalog in a category subtree (sorted, as `list_products` sorts it) and within
    /// the price bounds, newest first.
    fn filtered(tree: &[Uuid]) -> Listing {
        let mut categories = tree.to_vec();
        categories.sort();
        categories.dedup();
        let mut args = vec![Arg::Ids(categories)];
        let min = price_bound(MIN_PRICE, true, &mut args);
        let max = price_bound(MAX_PRICE, false, &mut args);
        Listing {
            selection: format!(
                concat!(r#"FROM "products" WHERE {} AND "products"."category_id" IN (?*) "#, "AND {} AND {}"),
                LISTED_CATALOG, min, max
            ),
            args,
            order: NEWEST_FIRST,
            order_args: Vec::new(),
            page: PageRequest::default(),
        }
    }

    /// The public search scope matching every word of `text` as a prefix, best first.
    fn search(dialect: Dialect, text: &str) -> anyhow::Result<Listing> {
        let words = search_words(text).map_err(anyhow::Error::msg)?;
        Ok(match dialect {
            Dialect::Sqlite => Listing {
                selection: format!(r#"FROM "products" {SQLITE_HITS} WHERE {LISTED_SEARCH}"#),
                args: vec![Arg::Text(fts5_query(&words))],
                order: SQLITE_RELEVANCE,
                order_args: Vec::new(),
                page: PageRequest::default(),
            },
            Dialect::Postgres => Listing {
                selection: format!(r#"FROM "products" WHERE {LISTED_SEARCH} AND {POSTGRES_MATCH}"#),
                args: vec![Arg::Text(tsquery(&words))],
                order: POSTGRES_RELEVANCE,
                order_args: vec![Arg::Text(tsquery(&words))],
                page: PageRequest::default(),
            },
        })
    }

    /// `PaginatorTrait::count` of the selection.
    fn count_sql(&self) -> String {
        let selection = &self.selection;
        format!(r#"SELECT COUNT(*) AS num_items FROM (SELECT {PRODUCT_COLUMNS} {selection}) AS "sub_query""#)
    }

    /// The ordered id page of the deferred join.
    fn page_sql(&self) -> String {
        format!(r#"SELECT "products"."id" {} ORDER BY {} LIMIT ? OFFSET ?"#, self.selection, self.order)
    }

    /// Values of [`Listing::page_sql`]: the selection's, the order's, `LIMIT` and `OFFSET`.
    fn page_args(&self) -> Vec<Arg> {
        let mut args = self.args.clone();
        args.extend(self.order_args.iter().cloned());
        args.extend(window(self.page));
        args
    }
}

/// `word:*` terms joined by `&` for `to_tsquery`.
fn tsquery(words: &[String]) -> String {
    words.iter().map(|w| format!("{w}:*")).collect::<Vec<_>>().join(" & ")
}

/// `"word"*` terms for FTS5 `MATCH`.
fn fts5_query(words: &[String]) -> String {
    words.iter().map(|w| format!("\"{w}\"*")).collect::<Vec<_>>().join(" ")
}

/// `price_bound`: `major` units compared in each product's own minor units (exponents 0, 3 and 4
/// by their codes, every other currency at 2), pushing its values onto `args`.
fn price_bound(major: i64, at_least: bool, args: &mut Vec<Arg>) -> String {
    let compare = if at_least { ">=" } else { "<=" };
    let mut others = Vec::new();
    let mut terms = Vec::new();
    for exponent in [0u8, 3, 4] {
        let codes: Vec<&'static str> = Currency::codes_with_exponent(exponent).collect();
        others.extend(codes.iter().copied());
        args.push(Arg::Words(codes));
        args.push(Arg::Int(minor_units(major, exponent)));
        terms.push(format!(r#"("products"."currency" IN (?*) AND "products"."price" {compare} ?)"#));
    }
    args.push(Arg::Words(others));
    args.push(Arg::Int(minor_units(major, 2)));
    terms.push(format!(r#"("products"."currency" NOT IN (?*) AND "products"."price" {compare} ?)"#));
    format!("({})", terms.join(" OR "))
}

/// Whole `major` units in minor units of `exponent` decimals (`threshold`, exact for integers).
fn minor_units(major: i64, exponent: u8) -> i64 {
    major * 10i64.pow(u32::from(exponent))
}

/// `GET /products`: `list_products` with `SqlProducts::list` and the views' ratings.
async fn product_list(driver: &Driver, listing: Listing) -> anyhow::Result<()> {
    let mut tx = driver.begin_read().await?;
    let mut on = tx.on();
    on.all(CATEGORIES, Vec::new()).await?;
    on.one(listing.count_sql(), listing.args.clone()).await?.get::<i64>("num_items")?;
    let ids = ids_of(&on.all(listing.page_sql(), listing.page_args()).await?)?;
    if ids.is_empty() {
        on.all(PRODUCTS_BY_NO_IDS, vec![Arg::Small(1), Arg::Small(2)]).await?;
    } else {
        on.all(PRODUCTS_BY_IDS, vec![Arg::Ids(ids.clone())]).await?;
    }
    load_children(&mut on, &ids).await?;
    rating_summary(&mut on, &ids).await?;
    Ok(tx.commit().await?)
}

/// `GET /products/{id}`: `get_product`.
async fn product_read(driver: &Driver, id: Uuid) -> anyhow::Result<()> {
    let mut tx = driver.begin_read().await?;
    let mut on = tx.on();
    on.optional(PRODUCT_BY_ID, vec![Arg::Id(id), Arg::Int(1)]).await?.context("no such product")?;
    load_children(&mut on, &[id]).await?;
    on.all(CATEGORIES, Vec::new()).await?;
    rating_summary(&mut on, &[id]).await?;
    Ok(tx.commit().await?)
}

/// `GET /orders` as a seller: the bearer's account, then `list_orders` on the first page.
async fn seller_orders(driver: &Driver, seller: Uuid) -> anyhow::Result<()> {
    find_user(&mut driver.pool(), seller).await?;
    let mut tx = driver.begin_read().await?;
    let mut on = tx.on();
    on.one(ORDERS_COUNT, vec![Arg::Id(seller)]).await?.get::<i64>("num_items")?;
    let mut args = vec![Arg::Id(seller)];
    args.extend(window(PageRequest::default()));
    let ids = ids_of(&on.all(ORDERS_PAGE, args).await?)?;
    if !ids.is_empty() {
        on.all(ORDER_LINES, vec![Arg::Ids(ids)]).await?;
    }
    Ok(tx.commit().await?)
}

/// The shipping address every checkout sends, with its stored JSON.
#[derive(Debug)]
struct Shipping {
    address: Address,
    json: String,
}

impl Shipping {
    /// The address of the checkout scenario's body, as `Address::check` leaves it.
    fn bench() -> Shipping {
        let address = crate::seed::address();
        let json = serde_json::to_string(&address).unwrap_or_else(|_| "{}".to_owned());
        Shipping { address, json }
    }
}

/// What checkout reads off the product row to price and hold its line.
#[derive(Debug)]
struct Sold {
    id: Uuid,
    seller: Uuid,
    title: String,
    sku: Option<String>,
    /// Unit price in minor units.
    price: i64,
    currency: String,
    tracks_stock: bool,
}

impl Sold {
    /// `SqlProducts::find` of the line's product, with `load_children`.
    async fn find(on: &mut On<'_>, id: Uuid) -> anyhow::Result<Sold> {
        let row =
            on.optional(PRODUCT_BY_ID, vec![Arg::Id(id), Arg::Int(1)]).await?.context("no such product")?;
        load_children(on, &[id]).await?;
        Ok(Sold {
            id,
            seller: row.get("seller_id")?,
            title: row.get("title")?,
            sku: row.get("sku")?,
            price: row.get("price")?,
            currency: row.get("currency")?,
            tracks_stock: row.get::<bool>("stock_tracked")? && !row.get::<bool>("allow_order_when_oos")?,
        })
    }
}

/// The order one checkout makes, as `insert_order` stores it.
#[derive(Debug)]
struct Placed {
    id: Uuid,
    number: String,
    cart: Uuid,
    buyer: Uuid,
    customer: Uuid,
    line: Uuid,
    sold: Sold,
    now: DateTime<Utc>,
}

impl Placed {
    /// The line's total (`price_checkout`: no add-ons, no shipping rate, no discount, no fee).
    fn total(&self) -> i64 {
        self.sold.price * QUANTITY
    }

    /// Values of [`INSERT_ORDER`]: a `pending`, unpaid delivery awaiting payment for a day.
    fn order_args(&self, shipping: &Shipping) -> Vec<Arg> {
        let total = self.total();
        vec![
            Arg::Id(self.id),
            Arg::Text(self.number.clone()),
            Arg::Id(self.cart),
            Arg::Id(self.buyer),
            Arg::Id(self.sold.seller),
            Arg::Id(self.customer),
            Arg::MaybeText(None),
            Arg::Word(OrderSource::Checkout.as_str()),
            Arg::Word(OrderStatus::Pending.as_str()),
            Arg::Word(PaymentStatus::Unpaid.as_str()),
            Arg::Word(DeliveryStatus::NotShipped.as_str()),
            Arg::Text(self.sold.currency.clone()),
            Arg::Int(total),
            Arg::Int(0),
            Arg::Int(0),
            Arg::Int(0),
            Arg::Int(total),
            Arg::Word(Fulfillment::Delivery.as_str()),
            Arg::Text(shipping.json.clone()),
            Arg::MaybeText(None),
            Arg::MaybeText(None),
            Arg::Flag(false),
            Arg::NoAt,
            Arg::NoAt,
            Arg::At(self.now + TimeDelta::hours(UNPAID_ORDER_HOURS)),
            Arg::At(self.now),
            Arg::At(self.now),
        ]
    }

    /// Values of [`INSERT_ORDER_LINE`]: the product's title, SKU and price, stock held.
    fn line_args(&self) -> Vec<Arg> {
        vec![
            Arg::Id(self.line),
            Arg::Id(self.id),
            Arg::Small(0),
            Arg::Id(self.sold.id),
            Arg::NoId,
            Arg::Text(self.sold.title.clone()),
            Arg::MaybeText(None),
            Arg::MaybeText(self.sold.sku.clone()),
            Arg::Int(self.sold.price),
            Arg::Int(QUANTITY),
            Arg::Word("[]"),
            Arg::NoDate,
            Arg::NoDate,
            Arg::Int(self.total()),
            Arg::Flag(self.sold.tracks_stock),
            Arg::MaybeText(None),
        ]
    }

    /// Values of [`INSERT_ORDER_EVENT`]: created `pending` by the buyer.
    fn history_args(&self) -> Vec<Arg> {
        vec![
            Arg::Id(Uuid::now_v7()),
            Arg::Id(self.id),
            Arg::MaybeText(None),
            Arg::Word(OrderStatus::Pending.as_str()),
            Arg::Id(self.buyer),
            Arg::Word("buyer"),
            Arg::MaybeText(None),
            Arg::At(self.now),
        ]
    }

    /// `events::append` of `order.created` with `order_snapshot`.
    fn event_args(&self) -> anyhow::Result<Vec<Arg>> {
        let currency = Currency::from_code(&self.sold.currency)?;
        let snapshot = serde_json::json!({
            "id": self.id,
            "number": self.number,
            "cart_id": self.cart,
            "buyer_id": self.buyer,
            "seller_id": self.sold.seller,
            "status": OrderStatus::Pending.as_str(),
            "previous_status": None::<&str>,
            "payment_status": PaymentStatus::Unpaid.as_str(),
            "delivery_status": DeliveryStatus::NotShipped.as_str(),
            "total": Money::from_minor(self.total(), currency).amount_string(),
            "currency": currency.code(),
            "trial_ends_at": None::<DateTime<Utc>>,
            "updated_at": self.now,
        });
        Ok(vec![
            Arg::Id(Uuid::now_v7()),
            Arg::Word("order.created"),
            Arg::Word("order"),
            Arg::Id(self.id),
            Arg::Id(self.sold.seller),
            Arg::Id(self.buyer),
            Arg::Text(snapshot.to_string()),
            Arg::At(self.now),
        ])
    }
}

/// `checkout_customer`: the buyer's e-mail, then `upsert_checkout_customer` (insert unless the
/// seller has the e-mail, then read the record back, locked on PostgreSQL).
async fn checkout_customer(
    on: &mut On<'_>,
    seller: Uuid,
    buyer: Uuid,
    shipping: &Shipping,
    now: DateTime<Utc>,
) -> anyhow::Result<Uuid> {
    let email: String = find_user(on, buyer).await?.get("email")?;
    let fields = from_checkout(&email, &shipping.address);
    let key = email_key(&fields.email);
    let insert = vec![
        Arg::Id(Uuid::now_v7()),
        Arg::Id(seller),
        Arg::Id(buyer),
        Arg::Text(fields.email),
        Arg::Text(key.clone()),
        Arg::MaybeText(fields.name),
        Arg::MaybeText(fields.phone),
        Arg::MaybeText(fields.address),
        Arg::MaybeText(fields.city),
        Arg::MaybeText(fields.postal_code),
        Arg::MaybeText(fields.country),
        Arg::Word(fields.subscription_status.as_str()),
        Arg::At(now),
        Arg::At(now),
    ];
    on.execute(INSERT_CUSTOMER, insert).await?;
    let select = match on.dialect() {
        Dialect::Sqlite => CUSTOMER_BY_EMAIL,
        Dialect::Postgres => CUSTOMER_BY_EMAIL_FOR_UPDATE,
    };
    let row = on.optional(select, vec![Arg::Id(seller), Arg::Text(key), Arg::Int(1)]).await?;
    Ok(row.context("a customer vanished after its upsert")?.get("id")?)
}

/// The statements of `Marketplace::checkout` inside its transaction, for one line of `product`.
async fn place_order(on: &mut On<'_>, buyer: Uuid, product: Uuid, shipping: &Shipping) -> anyhow::Result<()> {
    let sold = Sold::find(on, product).await?;
    on.all(ALWAYS_SELECTED_RATES, vec![Arg::Flag(true), Arg::Ids(vec![sold.seller])]).await?;
    if sold.tracks_stock {
        let args = vec![Arg::Int(QUANTITY), Arg::Id(product), Arg::Int(QUANTITY)];
        let held = on.execute(RESERVE_PRODUCT, args).await?;
        anyhow::ensure!(held == 1, "fewer than {QUANTITY} units are available");
    }
    let number = on.one(NEXT_ORDER_NUMBER, Vec::new()).await?.get::<i64>("value")?;
    let now = Utc::now();
    let customer = checkout_customer(on, sold.seller, buyer, shipping, now).await?;
    let order = Placed {
        id: Uuid::now_v7(),
        number: order_number(number),
        cart: Uuid::now_v7(),
        buyer,
        customer,
        line: Uuid::now_v7(),
        sold,
        now,
    };
    on.execute(INSERT_ORDER, order.order_args(shipping)).await?;
    on.execute(INSERT_ORDER_LINE, order.line_args()).await?;
    on.execute(INSERT_ORDER_EVENT, order.history_args()).await?;
    on.execute(INSERT_EVENT, order.event_args()?).await?;
    on.all(ACTIVE_WEBHOOKS, vec![Arg::Word("active")]).await?;
    Ok(())
}

/// `POST /checkout`: the bearer's account, then the checkout's write transaction.
async fn checkout(driver: &Driver, buyer: Uuid, product: Uuid, shipping: &Shipping) -> anyhow::Result<()> {
    find_user(&mut driver.pool(), buyer).await?;
    let mut tx = driver.begin().await?;
    place_order(&mut tx.on(), buyer, product, shipping).await?;
    tx.commit().await?;
    Ok(())
}

/// What every call of one caller shares.
#[derive(Debug)]
struct Replay {
    driver: Arc<Driver>,
    seeded: Arc<Seeded>,
    query: Query,
    shipping: Shipping,
}

impl Replay {
    /// One request's statements, with the random picks of the HTTP scenario.
    async fn run(&self, worker: usize, iteration: u64) -> anyhow::Result<()> {
        let mut rng = StdRng::seed_from_u64(((worker as u64) << 40) ^ iteration);
        let seeded = &self.seeded;
        let driver = &self.driver;
        match self.query {
            Query::ProductPage { page } => product_list(driver, Listing::page(page)?).await,
            Query::ProductsFiltered => {
                let tree = pick(&seeded.category_trees, &mut rng)?;
                product_list(driver, Listing::filtered(tree)).await
            }
            Query::ProductSearch => {
                product_list(driver, Listing::search(driver.dialect(), seeded.search_word)?).await
            }
            Query::ProductRead => product_read(driver, *pick(&seeded.products, &mut rng)?).await,
            Query::SellerOrders => seller_orders(driver, account(&seeded.sellers, worker)?).await,
            Query::Checkout { hot } => {
                let product = if hot { seeded.hot_product } else { *pick(&seeded.products, &mut rng)? };
                checkout(driver, account(&seeded.buyers, worker)?, product, &self.shipping).await
            }
        }
    }
}

/// A random item, drawn as the HTTP scenario draws it.
fn pick<'a, T>(items: &'a [T], rng: &mut StdRng) -> anyhow::Result<&'a T> {
    anyhow::ensure!(!items.is_empty(), "nothing seeded to pick from");
    Ok(&items[rng.gen_range(0..items.len())])
}

/// The user id of the signed-in account `worker` acts as.
fn account(accounts: &[(String, Uuid)], worker: usize) -> anyhow::Result<Uuid> {
    accounts.get(worker).map(|(_, id)| *id).context("no signed-in account for this worker")
}

/// The load generator's call replaying `query` once per call.
pub fn caller(driver: &Arc<Driver>, query: Query, seeded: &Arc<Seeded>) -> Call {
    let replay = Arc::new(Replay {
        driver: driver.clone(),
        seeded: seeded.clone(),
        query,
        shipping: Shipping::bench(),
    });
    Arc::new(move |worker, iteration| {
        let replay = replay.clone();
        Box::pin(async move {
            match replay.run(worker, iteration).await {
                Ok(()) => Step::Ok,
                Err(_) => Step::Error,
            }
        })
    })
}
