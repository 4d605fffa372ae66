//! Order export: the orders of `GET /orders` as a streamed CSV or NDJSON download, one row per
//! order line, read in keyset batches so memory stays constant.

use actix_web::{HttpResponse, get, web};
use uuid::Uuid;

use crate::app::AppState;
use crate::http::auth::Caller;
use crate::http::error::{ApiError, ErrorBody};
use crate::http::query::QueryParams;
use crate::routes::orders::order_filter;

/// Export formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum ExportFormat {
    Csv,
    Ndjson,
}

impl std::str::FromStr for ExportFormat {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "csv" => Ok(ExportFormat::Csv),
            "ndjson" => Ok(ExportFormat::Ndjson),
            _ => Err("must be csv or ndjson".into()),
        }
    }
}

/// Orders per database batch of an export.
const EXPORT_BATCH: u64 = 500;

/// The columns of an export row (one row per order line).
const EXPORT_COLUMNS: [&str; 22] = [
    "order_id",
    "number",
    "cart_id",
    "created_at",
    "status",
    "payment_status",
    "delivery_status",
    "buyer_id",
    "seller_id",
    "currency",
    "subtotal",
    "discount",
    "shipping",
    "total",
    "line_id",
    "product_id",
    "variant_id",
    "title",
    "variant_title",
    "sku",
    "quantity",
    "line_total",
];

fn export_rows(orders: &[souk_orders::Order]) -> Vec<[String; 22]> {
    let text = |v: Option<Uuid>| v.map(|u| u.to_string()).unwrap_or_default();
    orders
        .iter()
        .flat_map(|o| {
            o.lines.iter().map(move |l| {
                [
                    o.id.to_string(),
                    o.number.clone(),
                    o.cart_id.to_string(),
                    o.created_at.to_rfc3339_opts(chrono::SecondsFormat::Micros, true),
                    o.status.to_string(),
                    o.payment_status.to_string(),
                    o.delivery_status.to_string(),
                    o.buyer_id.to_string(),
                    o.seller_id.to_string(),
                    o.totals.total.currency().code().to_owned(),
                    o.totals.subtotal.amount_string(),
                    o.totals.discount.amount_string(),
                    o.totals.shipping.amount_string(),
                    o.totals.total.amount_string(),
                    l.id.to_string(),
                    l.product_id.to_string(),
                    text(l.variant_id),
                    l.title.clone(),
                    l.variant_title.clone().unwrap_or_default(),
                    l.sku.clone().unwrap_or_default(),
                    l.quantity.to_string(),
                    l.line_total.amount_string(),
                ]
            })
        })
        .collect()
}

/// One chunk of the export body; a failure mid-stream can only end the stream (the status line
/// is already sent), and is logged.
fn encode(format: ExportFormat, rows: &[[String; 22]], header: bool) -> Result<bytes::Bytes, std::io::Error> {
    let failed = |e: &dyn std::fmt::Display| std::io::Error::other(e.to_string());
    match format {
        ExportFormat::Csv => {
            let mut writer = csv::Writer::from_writer(Vec::new());
            if header {
                writer.write_record(EXPORT_COLUMNS).map_err(|e| failed(&e))?;
            }
            for row in rows {
                writer.write_record(row).map_err(|e| failed(&e))?;
            }
            writer.into_inner().map(bytes::Bytes::from).map_err(|e| failed(&e))
        }
        ExportFormat::Ndjson => {
            let mut out = Vec::new();
            for row in rows {
                let object: serde_json::Map<String, serde_json::Value> = EXPORT_COLUMNS
                    .iter()
                    .zip(row.iter())
                    .map(|(k, v)| ((*k).to_owned(), serde_json::Value::String(v.clone())))
                    .collect();
                serde_json::to_writer(&mut out, &object).map_err(|e| failed(&e))?;
                out.push(b'\n');
            }
            Ok(bytes::Bytes::from(out))
        }
    }
}

/// Streams the orders `GET /orders` would list, with the same filters, as `text/csv` (default,
/// with a header row) or `application/x-ndjson` (`format=ndjson`): one row per order line, newest
/// first, amounts as decimal strings. The export reads the database in batches of 500 orders by
/// keyset, so memory stays constant however many orders there are. `order_by`, `page` and
/// `fields` do not apply. Permission: `order:export`.
#[utoipa::path(
    tag = "orders",
    params(
        ("format" = Option<String>, Query, description = "`csv` (default) or `ndjson`"),
        ("status" = Option<String>, Query, description = "As `GET /orders`; every filter of the list applies"),
    ),
    security(("bearer" = ["order:export"]), ("basic" = ["order:export"])),
    responses(
        (status = 200, description = "The rows", content_type = "text/csv", body = String),
        (status = 400, description = "Malformed query string", body = ErrorBody),
        (status = 401, description = "Missing or invalid credentials", body = ErrorBody),
        (status = 403, description = "The caller may not export orders", body = ErrorBody),
        (status = 422, description = "Invalid filters or format", body = ErrorBody),
        (status = 429, description = "Rate limited", body = ErrorBody),
    )
)]
#[get("/orders/export")]
pub async fn export_orders(
    state: web::Data<AppState>,
    Caller(actor): Caller,
    query: QueryParams,
) -> Result<HttpResponse, ApiError> {
    let mut r = query.reader();
    let format = r.parsed::<ExportFormat>("format").unwrap_or(ExportFormat::Csv);
    let filter = order_filter(&mut r);
    r.finish()?;
    let first = state.marketplace.export_orders(&actor, &filter, None, EXPORT_BATCH).await?;
    let marketplace = state.marketplace.clone();
    let start = (Some(first), None::<souk_storage::orders::ExportCursor>, true, false);
    let body = futures_util::stream::unfold(start, move |(batch, cursor, header, done)| {
        let (marketplace, actor, filter) = (marketplace.clone(), actor.clone(), filter.clone());
        async move {
            if done {
                return None;
            }
            let orders = match batch {
                Some(orders) => orders,
                None => match marketplace.export_orders(&actor, &filter, cursor, EXPORT_BATCH).await {
                    Ok(orders) => orders,
                    Err(error) => {
                        tracing::error!(%error, "order export stopped");
                        return Some((
                            Err(std::io::Error::other(error.to_string())),
                            (None, cursor, false, true),
                        ));
                    }
                },
            };
            let last = orders.last().map(|o| (o.created_at, o.id.as_uuid()));
            let finished = (orders.len() as u64) < EXPORT_BATCH;
            let chunk = encode(format, &export_rows(&orders), header);
            Some((chunk, (None, last.or(cursor), false, finished)))
        }
    });
    let (content_type, name) = match format {
        ExportFormat::Csv => ("text/csv; charset=utf-8", "orders.csv"),
        ExportFormat::Ndjson => ("application/x-ndjson", "orders.ndjson"),
    };
    Ok(HttpResponse::Ok()
        .content_type(content_type)
        .insert_header(("Content-Disposition", format!("attachment; filename=\"{name}\"")))
        .streaming(body))
}
