//! The OpenAPI document, generated from the handlers' annotations.

use actix_web::App;
use utoipa::openapi::security::{Http, HttpAuthScheme, SecurityScheme};
use utoipa::openapi::{OpenApi as OpenApiDoc, Server};
use utoipa::{Modify, OpenApi};
use utoipa_actix_web::{AppExt, scope};

use crate::routes;

/// The document's fixed parts: metadata, tags, security schemes.
#[derive(OpenApi)]
#[openapi(
    info(
        title = "Souk",
        description = "Souk is a multi-vendor marketplace API: sellers list products, buyers check out across \
sellers, and payments are held in escrow through a try-before-you-buy trial before they are released to \
the seller or refunded.\n\n\
Conventions (every endpoint): JSON in and out; success bodies are `{\"data\": {...}}`, lists add \
`pagination`; errors are `{\"code\", \"message\", \"errors\"?, \"request_id\"}`. Money is a decimal string \
beside an ISO 4217 `currency`. Every `POST` accepts `Idempotency-Key` (24 h replay with \
`Idempotent-Replayed: true`). Responses carry `X-Request-Id` and `RateLimit-Limit`, `RateLimit-Remaining`, \
`RateLimit-Reset`; `429` adds `Retry-After`. Time filters accept RFC 3339, a date (a bare `to` date \
includes that whole day) or Unix seconds. A resource the caller may not see answers `404`.",
        license(name = "Apache-2.0", identifier = "Apache-2.0")
    ),
    tags(
        (name = "operations", description = "Health, readiness, metrics and this document"),
        (name = "auth", description = "Sign-up, e-mail verification and sessions"),
        (name = "oauth", description = "OAuth clients, client-credential tokens and the permission catalogue"),
        (name = "users", description = "User accounts and their metafields"),
        (name = "profiles", description = "Seller and buyer profiles, seller approval"),
        (name = "categories", description = "The category tree"),
        (name = "products", description = "Products with options, variants, add-ons, trial policies and rental terms"),
        (name = "orders", description = "Checkout across sellers, orders and their state machine"),
        (name = "payments", description = "Payment gateways, payments held in escrow, provider callbacks and refunds"),
        (name = "coupons", description = "Sellers' coupons, applied at checkout or redeemed in store"),
        (name = "customers", description = "Sellers' customers with what each has spent"),
        (name = "escrow", description = "Escrow holds, seller balances, sellers' payment accounts and payouts"),
        (name = "ledger", description = "The double-entry ledger: accounts, entries and the per-currency sums that stay zero"),
        (name = "files", description = "Uploads, downloads and links of files to products, variants, landing pages, reviews and users"),
        (name = "collections", description = "Curated, ordered product sets in a tree of sub-collections"),
        (name = "fulfillment", description = "Shipping carriers and rates, deliveries of orders, carrier tracking and pickup hand-over"),
        (name = "returns", description = "Trial returns: request, QR code, the seller's scan (confirm or claim a defect)"),
        (name = "disputes", description = "Defect claims that freeze an order's escrow until an admin divides it"),
        (name = "reviews", description = "Product reviews by buyers, moderated by admins"),
        (name = "landing-pages", description = "Single-product sales pages of sellers"),
        (name = "events", description = "The event outbox and signed webhook subscriptions with their delivery logs"),
        (name = "sandbox", description = "Test clock and job runner (sandbox mode only)"),
    ),
    modifiers(&Security)
)]
struct ApiDoc;

struct Security;

impl Modify for Security {
    fn modify(&self, openapi: &mut OpenApiDoc) {
        let components = openapi.components.get_or_insert_with(Default::default);
        let mut bearer = Http::new(HttpAuthScheme::Bearer);
        bearer.bearer_format = Some("JWT".into());
        bearer.description =
            Some("Access token from login, e-mail verification or `POST /oauth/token`".into());
        components.add_security_scheme("bearer", SecurityScheme::Http(bearer));
        let mut basic = Http::new(HttpAuthScheme::Basic);
        basic.description = Some("OAuth client credentials: `client_id:client_secret`".into());
        components.add_security_scheme("basic", SecurityScheme::Http(basic));
    }
}

/// The complete document, as served at `/openapi.json` and printed by `souk openapi`.
pub fn document() -> OpenApiDoc {
    let (_, mut doc) = App::new()
        .into_utoipa_app()
        .openapi(ApiDoc::openapi())
        .service(scope::scope("/api/v1").configure(routes::api))
        .configure(routes::ops)
        .split_for_parts();
    doc.info.version = env!("CARGO_PKG_VERSION").to_owned();
    doc.servers = Some(vec![Server::new("/")]);
    doc
}

/// The document as pretty JSON with a trailing newline (the committed file's exact form).
pub fn document_json() -> String {
    let mut text = document().to_pretty_json().expect("the OpenAPI document serializes");
    text.push('\n');
    text
}
