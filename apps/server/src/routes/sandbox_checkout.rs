//! The sandbox gateway's hosted checkout page (sandbox mode only): shows what is being paid and
//! sends the signed callback when Pay or Fail is pressed.

use actix_web::{HttpResponse, get, post, web};
use serde::Deserialize;
use souk_kernel::Money;
use utoipa::ToSchema;

use crate::app::AppState;
use crate::http::error::{ApiError, ErrorBody};
use crate::routes::payments::PaymentStatusResponse;

fn escape(text: &str) -> String {
    text.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}

#[utoipa::path(
    tag = "sandbox",
    params(("tx_ref" = String, Path, description = "The payment's reference")),
    responses(
        (status = 200, description = "An HTML page with Pay and Fail buttons", content_type = "text/html", body = String),
        (status = 404, description = "Not in sandbox mode, or no sandbox payment with this reference", body = ErrorBody),
        (status = 429, description = "Rate limited", body = ErrorBody),
    )
)]
#[get("/sandbox/checkout/{tx_ref}")]
pub async fn checkout_page(
    state: web::Data<AppState>,
    tx_ref: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let checkout = state.marketplace.sandbox_checkout(&tx_ref).await?;
    let payment = &checkout.payment;
    let amount = Money::from_minor(payment.amount, payment.currency);
    let reference = escape(&payment.tx_ref);
    let page = format!(
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>Souk sandbox checkout</title>\
<style>body{{font-family:system-ui,sans-serif;max-width:28rem;margin:4rem auto;padding:0 1rem}}\
button{{font-size:1.1rem;padding:.6rem 1.4rem;margin-right:.6rem}}</style></head><body>\
<h1>Sandbox checkout</h1><p>{gateway}</p><p><strong>{amount} {currency}</strong> for payment <code>{reference}</code> \
({status}).</p><p>No money moves: this page stands in for a payment provider.</p>\
<form method=\"post\" action=\"/api/v1/sandbox/checkout/{reference}\">\
<button name=\"outcome\" value=\"pay\">Pay</button><button name=\"outcome\" value=\"fail\">Fail</button></form></body></html>",
        gateway = escape(&checkout.gateway.title),
        amount = amount.amount_string(),
        currency = payment.currency.code(),
        status = payment.status,
    );
    Ok(HttpResponse::Ok().content_type("text/html; charset=utf-8").body(page))
}

/// The button pressed on the sandbox checkout page.
#[derive(Debug, Clone, Deserialize, ToSchema)]
pub struct SandboxOutcome {
    /// `pay` or `fail`.
    #[schema(example = "pay")]
    pub outcome: String,
}

#[utoipa::path(
    tag = "sandbox",
    params(("tx_ref" = String, Path, description = "The payment's reference")),
    request_body(content = SandboxOutcome, content_type = "application/x-www-form-urlencoded"),
    responses(
        (status = 200, description = "The signed callback was sent through the gateway's webhook path; the payment as it now stands", body = PaymentStatusResponse),
        (status = 404, description = "Not in sandbox mode, or no sandbox payment with this reference", body = ErrorBody),
        (status = 413, description = "Form too large", body = ErrorBody),
        (status = 415, description = "Body is not a form", body = ErrorBody),
        (status = 422, description = "outcome is not pay or fail", body = ErrorBody),
        (status = 429, description = "Rate limited", body = ErrorBody),
    )
)]
#[post("/sandbox/checkout/{tx_ref}")]
pub async fn complete_checkout(
    state: web::Data<AppState>,
    tx_ref: web::Path<String>,
    form: web::Form<SandboxOutcome>,
) -> Result<web::Json<PaymentStatusResponse>, ApiError> {
    let pay = match form.outcome.as_str() {
        "pay" => true,
        "fail" => false,
        _ => return Err(souk_kernel::DomainError::invalid("outcome", "must be pay or fail").into()),
    };
    let report = state.marketplace.sandbox_complete(&tx_ref, pay).await?;
    Ok(web::Json(report.into()))
}
