//! The SQL of product listing: scope, filters, full-text search (PostgreSQL `tsvector`, SQLite
//! FTS5) and ordering, as sea-query conditions on the `products` table.

use sea_orm::sea_query::{Alias, Expr, ExprTrait, JoinType, Query};
use sea_orm::{
    ColumnTrait, Condition, DatabaseBackend, EntityTrait, Order, QueryFilter, QueryOrder, QueryTrait, Select,
};
use souk_catalog::listing::PriceBound;
use souk_catalog::product::parse_fixed;
use souk_catalog::{ProductQuery, ProductScope, ProductSort};
use souk_kernel::{Currency, SortDirection};

use crate::entities::product::{Column, Entity};

/// The public listing condition as literal SQL (constants only), so both databases can match it
/// against the partial indexes of the public listing at plan time; bound parameters would hide it.
fn listed(search: bool) -> Condition {
    let shown = if search { "'both', 'search'" } else { "'both', 'catalog'" };
    Condition::all().add(Expr::cust(format!(
        "products.deleted_at IS NULL AND products.status = 'published' AND products.admin_status = 'approved' \
         AND products.visibility IN ({shown})"
    )))
}

fn scope(scope: ProductScope, search: bool) -> Condition {
    match scope {
        ProductScope::Public => listed(search),
        ProductScope::PublicAndOwn(seller) => Condition::any().add(listed(search)).add(
            Condition::all().add(Column::SellerId.eq(seller.as_uuid())).add(Column::DeletedAt.is_null()),
        ),
        ProductScope::Admin { include_deleted: false } => Condition::all().add(Column::DeletedAt.is_null()),
        ProductScope::Admin { include_deleted: true } => Condition::all(),
    }
}

/// `word:*` terms joined by `&` for `to_tsquery` (words hold only letters and digits).
fn tsquery(words: &[String]) -> String {
    words.iter().map(|w| format!("{w}:*")).collect::<Vec<_>>().join(" & ")
}

/// `"word"*` terms for FTS5 `MATCH` (implicitly all required).
fn fts5_query(words: &[String]) -> String {
    words.iter().map(|w| format!("\"{w}\"*")).collect::<Vec<_>>().join(" ")
}

/// PostgreSQL: the weighted `tsvector` matches every word as a prefix.
fn postgres_match(words: &[String]) -> Expr {
    Expr::cust_with_values("products.search_vector @@ to_tsquery('english', $1)", [tsquery(words)])
}

/// PostgreSQL: `ts_rank` of the weighted vector, best first.
fn postgres_rank(words: &[String]) -> Expr {
    Expr::cust_with_values("ts_rank(products.search_vector, to_tsquery('english', $1))", [tsquery(words)])
}

/// SQLite: joins the FTS5 hits once (product id and weighted `bm25`, lower is better) as
/// `search_hits`; a per-row rank lookup would run the full-text query once per product.
fn join_sqlite_hits(select: &mut Select<Entity>, words: &[String]) {
    let hits = Query::select()
        .column((Alias::new("r"), Alias::new("product_id")))
        .expr_as(Expr::cust("bm25(products_fts, 10.0, 1.0, 5.0)"), Alias::new("rank"))
        .from_as(Alias::new("product_search_rows"), Alias::new("r"))
        .inner_join(
            Alias::new("products_fts"),
            Expr::col((Alias::new("products_fts"), Alias::new("rowid")))
                .equals((Alias::new("r"), Alias::new("rowid"))),
        )
        .and_where(Expr::cust_with_values("products_fts MATCH ?", [fts5_query(words)]))
        .to_owned();
    QueryTrait::query(select).join_subquery(
        JoinType::InnerJoin,
        hits,
        Alias::new("search_hits"),
        Expr::col((Alias::new("search_hits"), Alias::new("product_id"))).equals((Entity, Column::Id)),
    );
}

/// `ten_thousandths` of a unit in minor units of `exponent` decimals, rounded towards the inside
/// of the range (a minimum rounds up, a maximum down).
fn threshold(ten_thousandths: i64, exponent: u8, at_least: bool) -> i64 {
    let divisor = 10i64.pow(u32::from(4 - exponent));
    let floor = ten_thousandths.div_euclid(divisor);
    if at_least && ten_thousandths.rem_euclid(divisor) != 0 { floor + 1 } else { floor }
}

/// A price bound applied in each product's own minor units, exact for every currency exponent.
fn price_bound(bound: &PriceBound, at_least: bool) -> Condition {
    let Some(ten_thousandths) = parse_fixed(&bound.0, 4) else { return Condition::all() };
    let compare = |exponent: u8| {
        let limit = threshold(ten_thousandths, exponent, at_least);
        if at_least { Column::Price.gte(limit) } else { Column::Price.lte(limit) }
    };
    let mut any = Condition::any();
    let mut others: Vec<&str> = Vec::new();
    for exponent in [0, 3, 4] {
        let codes: Vec<&str> = Currency::codes_with_exponent(exponent).collect();
        others.extend(codes.iter().copied());
        any = any.add(Condition::all().add(Column::Currency.is_in(codes)).add(compare(exponent)));
    }
    any.add(Condition::all().add(Column::Currency.is_not_in(others)).add(compare(2)))
}

fn exists(sql: &str) -> Expr {
    Expr::cust(format!("EXISTS ({sql})"))
}

fn flag(condition: Expr, wanted: bool) -> Expr {
    if wanted { condition } else { condition.not() }
}

fn in_collection(backend: DatabaseBackend, handle: &str) -> Expr {
    let sql = "EXISTS (SELECT 1 FROM collection_products cp JOIN collections c ON c.id = cp.collection_id \
               WHERE cp.product_id = products.id AND c.handle = ";
    match backend {
        DatabaseBackend::Postgres => Expr::cust_with_values(format!("{sql}$1)"), [handle.to_owned()]),
        _ => Expr::cust_with_values(format!("{sql}?)"), [handle.to_owned()]),
    }
}

fn collection_position(backend: DatabaseBackend, handle: &str) -> Expr {
    let sql = "(SELECT cp.position FROM collection_products cp JOIN collections c ON c.id = cp.collection_id \
               WHERE cp.product_id = products.id AND c.handle = ";
    match backend {
        DatabaseBackend::Postgres => Expr::cust_with_values(format!("{sql}$1)"), [handle.to_owned()]),
        _ => Expr::cust_with_values(format!("{sql}?)"), [handle.to_owned()]),
    }
}

/// The filtered, scoped and ordered selection of a query.
pub(crate) fn select(backend: DatabaseBackend, query: &ProductQuery) -> Select<Entity> {
    let searching = !query.search.is_empty();
    let mut all = Condition::all().add(scope(query.scope.unwrap_or(ProductScope::Public), searching));
    if searching && backend == DatabaseBackend::Postgres {
        all = all.add(postgres_match(&query.search));
    }
    if let Some(title) = &query.title {
        all = all.add(Column::Title.eq(title.clone()));
    }
    if !query.statuses.is_empty() {
        all = all.add(Column::Status.is_in(query.statuses.iter().map(|s| s.as_str())));
    }
    if !query.admin_statuses.is_empty() {
        all = all.add(Column::AdminStatus.is_in(query.admin_statuses.iter().map(|s| s.as_str())));
    }
    if !query.visibilities.is_empty() {
        all = all.add(Column::Visibility.is_in(query.visibilities.iter().map(|s| s.as_str())));
    }
    if !query.conditions.is_empty() {
        all = all.add(Column::Condition.is_in(query.conditions.iter().map(|s| s.as_str())));
    }
    if let Some(digital) = query.is_digital {
        all = all.add(Column::IsDigital.eq(digital));
    }
    if let Some(out) = query.out_of_stock {
        let out_of_stock =
            Condition::all().add(Column::StockTracked.eq(true)).add(Column::Quantity.lte(0)).add(
                exists("SELECT 1 FROM variants v WHERE v.product_id = products.id AND v.quantity > 0").not(),
            );
        all = all.add(if out { out_of_stock } else { out_of_stock.not() });
    }
    if !query.category_ids.is_empty() {
        all = all.add(Column::CategoryId.is_in(query.category_ids.iter().map(|c| c.as_uuid())));
    }
    if let Some(handle) = &query.collection {
        all = all.add(in_collection(backend, handle));
    }
    if !query.seller_ids.is_empty() {
        all = all.add(Column::SellerId.is_in(query.seller_ids.iter().map(|s| s.as_uuid())));
    }
    if !query.currencies.is_empty() {
        all = all.add(Column::Currency.is_in(query.currencies.clone()));
    }
    if let Some(min) = &query.min_price {
        all = all.add(price_bound(min, true));
    }
    if let Some(max) = &query.max_price {
        all = all.add(price_bound(max, false));
    }
    if let Some(featured) = query.on_homepage {
        all = all.add(Column::OnHomepage.eq(featured));
    }
    if let Some(rentable) = query.rentable {
        all = all.add(flag(
            exists("SELECT 1 FROM rental_terms rt WHERE rt.product_id = products.id AND rt.available = TRUE"),
            rentable,
        ));
    }
    if let Some(trial) = query.has_trial {
        all = all.add(flag(
            exists("SELECT 1 FROM trial_policies tp WHERE tp.product_id = products.id AND tp.enabled = TRUE"),
            trial,
        ));
    }
    let mut select = Entity::find().filter(all);
    if searching && backend != DatabaseBackend::Postgres {
        join_sqlite_hits(&mut select, &query.search);
    }
    order(select, backend, query)
}

fn order(select: Select<Entity>, backend: DatabaseBackend, query: &ProductQuery) -> Select<Entity> {
    let direction = match query.direction {
        SortDirection::Asc => Order::Asc,
        SortDirection::Desc => Order::Desc,
    };
    let sort = query.sort.unwrap_or(if !query.search.is_empty() {
        ProductSort::Relevance
    } else if query.collection.is_some() {
        ProductSort::Position
    } else {
        ProductSort::CreatedAt
    });
    let select = match sort {
        ProductSort::CreatedAt => select.order_by(Column::CreatedAt, direction.clone()),
        ProductSort::Title => select.order_by(Expr::cust("lower(products.title)"), direction.clone()),
        ProductSort::Price => select.order_by(Column::Price, direction.clone()),
        ProductSort::Category => select.order_by(
            Expr::cust(
                "COALESCE((SELECT lower(c.name) FROM categories c WHERE c.id = products.category_id), '')",
            ),
            direction.clone(),
        ),
        ProductSort::Relevance if !query.search.is_empty() => {
            let select = match backend {
                DatabaseBackend::Postgres => select.order_by(postgres_rank(&query.search), Order::Desc),
                _ => select.order_by(Expr::cust("search_hits.rank"), Order::Asc),
            };
            select.order_by(Column::CreatedAt, Order::Desc)
        }
        ProductSort::Position if query.collection.is_some() => {
            let handle = query.collection.as_deref().unwrap_or_default();
            select.order_by(collection_position(backend, handle), Order::Asc)
        }
        ProductSort::Relevance | ProductSort::Position => select.order_by(Column::CreatedAt, Order::Desc),
    };
    select.order_by(Column::Id, direction)
}

#[cfg(test)]
mod tests {
    use sea_orm::QueryTrait;

    use super::*;

    #[test]
    fn search_terms_become_prefix_queries() {
        let words = vec!["oak".to_owned(), "tab".to_owned()];
        assert_eq!(tsquery(&words), "oak:* & tab:*");
        assert_eq!(fts5_query(&words), "\"oak\"* \"tab\"*");
    }

    #[test]
    fn price_bounds_compare_in_each_currency_s_minor_units() {
        let query = ProductQuery { min_price: Some(PriceBound("10.5".into())), ..ProductQuery::default() };
        let sql = select(DatabaseBackend::Sqlite, &query).build(DatabaseBackend::Sqlite).to_string();
        assert!(sql.contains("\"price\" >= 1050"), "{sql}");
        assert!(sql.contains("\"price\" >= 11"), "JPY rounds a minimum up: {sql}");
        assert!(sql.contains("\"price\" >= 10500"), "KWD: {sql}");
    }
}
