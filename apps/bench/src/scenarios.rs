//! The measured scenarios: what each sends, as whom, and what answer counts as success.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, RwLock};
use std::time::{Duration, Instant};

use anyhow::Context;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use reqwest::{Client, StatusCode};
use serde_json::json;
use uuid::Uuid;

use crate::ceiling::Query;
use crate::load::{Call, Step};
use crate::seed::{self, Seeded, UnpaidOrder};

/// One scenario.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Scenario {
    /// Name in the table.
    pub name: &'static str,
    /// What it does.
    pub kind: Kind,
}

/// What a scenario sends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// `GET /health`: static JSON through the whole stack (the HTTP ceiling).
    StaticJson,
    /// `GET /products?page=N`.
    ListPage(u32),
    /// `GET /products?category_id=<root>&min_price=50&max_price=150`.
    ListFiltered,
    /// `GET /products?search=<word>`.
    Search,
    /// `GET /products/{id}`.
    ProductRead,
    /// `GET /orders` as a seller.
    SellerOrders,
    /// `POST /checkout` of one unit of a random product.
    Checkout,
    /// `POST /checkout` of one unit of the same product on every connection.
    HotCheckout,
    /// `POST /payments/webhook/{gateway}`: a signed sandbox `charge.success` for an unpaid order.
    PaymentWebhook,
    /// `POST /orders/{id}/status` to `accepted` by the seller, on seeded paid orders and those the
    /// webhook paid.
    AcceptOrder,
}

/// Every scenario in the order they run (the webhook pays the orders the transition accepts).
pub fn all() -> Vec<Scenario> {
    use Kind::*;
    [
        ("static-json", StaticJson),
        ("list-page-1", ListPage(1)),
        ("list-page-500", ListPage(500)),
        ("list-filtered", ListFiltered),
        ("search", Search),
        ("product-read", ProductRead),
        ("seller-orders", SellerOrders),
        ("checkout", Checkout),
        ("checkout-hot", HotCheckout),
        ("payment-webhook", PaymentWebhook),
        ("order-accept", AcceptOrder),
    ]
    .into_iter()
    .map(|(name, kind)| Scenario { name, kind })
    .collect()
}

impl Scenario {
    /// The database ceiling's query for this scenario, when it has one.
    pub fn ceiling(&self) -> Option<Query> {
        Some(match self.kind {
            Kind::ListPage(page) => Query::ProductPage { page },
            Kind::ListFiltered => Query::ProductsFiltered,
            Kind::Search => Query::ProductSearch,
            Kind::ProductRead => Query::ProductRead,
            Kind::SellerOrders => Query::SellerOrders,
            Kind::Checkout => Query::Checkout { hot: false },
            Kind::HotCheckout => Query::Checkout { hot: true },
            Kind::StaticJson | Kind::PaymentWebhook | Kind::AcceptOrder => return None,
        })
    }
}

/// Signed-in accounts, one connection per worker, and the pools the write scenarios consume.
#[derive(Debug)]
pub struct Fixtures {
    base: String,
    clients: Vec<Client>,
    usernames: Vec<(String, String)>,
    tokens: RwLock<Tokens>,
    products: Arc<Vec<Uuid>>,
    hot_product: Uuid,
    roots: Vec<Uuid>,
    search_word: &'static str,
    gateway: Uuid,
    secret: String,
    unpaid: Vec<UnpaidOrder>,
    next_unpaid: AtomicUsize,
    paid: Mutex<Vec<(Uuid, usize)>>,
}

/// Access tokens of the signed-in buyers and sellers, by worker.
#[derive(Debug, Default)]
struct Tokens {
    buyers: Vec<String>,
    sellers: Vec<String>,
    signed_in_at: Option<Instant>,
}

/// Access tokens live 15 minutes; the accounts sign in again when theirs are this old.
const TOKEN_REFRESH: Duration = Duration::from_secs(10 * 60);

/// A client holding one keep-alive connection.
fn one_connection_client() -> reqwest::Result<Client> {
    Client::builder().pool_max_idle_per_host(1).tcp_nodelay(true).timeout(Duration::from_secs(30)).build()
}

async fn login(client: &Client, base: &str, username: &str) -> anyhow::Result<String> {
    let body: serde_json::Value = client
        .post(format!("{base}/api/v1/auth/login"))
        .json(&json!({"username": username, "password": seed::PASSWORD}))
        .send()
        .await?
        .json()
        .await?;
    body["data"]["token"].as_str().map(str::to_owned).with_context(|| format!("login of {username}: {body}"))
}

impl Fixtures {
    /// Signs in the sellers and buyers the load acts as.
    pub async fn prepare(base: &str, seeded: &Seeded) -> anyhow::Result<Arc<Fixtures>> {
        let clients = (0..seed::SIGNED_IN).map(|_| one_connection_client()).collect::<Result<Vec<_>, _>>()?;
        let usernames =
            seeded.buyers.iter().zip(&seeded.sellers).map(|(b, s)| (b.0.clone(), s.0.clone())).collect();
        let fixtures = Arc::new(Fixtures {
            base: base.to_owned(),
            clients,
            usernames,
            tokens: RwLock::new(Tokens::default()),
            products: Arc::new(seeded.products.clone()),
            hot_product: seeded.hot_product,
            roots: seeded.root_categories.clone(),
            search_word: seeded.search_word,
            gateway: seeded.gateway_id,
            secret: seeded.webhook_secret.clone(),
            unpaid: seeded.unpaid.clone(),
            next_unpaid: AtomicUsize::new(0),
            paid: Mutex::new(seeded.paid.clone()),
        });
        fixtures.refresh_tokens().await?;
        Ok(fixtures)
    }

    /// Signs every account in again when the tokens are near their expiry (or missing).
    pub async fn refresh_tokens(&self) -> anyhow::Result<()> {
        let fresh = self
            .tokens
            .read()
            .ok()
            .and_then(|t| t.signed_in_at)
            .is_some_and(|at| at.elapsed() < TOKEN_REFRESH);
        if fresh {
            return Ok(());
        }
        let mut tokens = Tokens { signed_in_at: Some(Instant::now()), ..Tokens::default() };
        for (client, (buyer, seller)) in self.clients.iter().zip(&self.usernames) {
            tokens.buyers.push(login(client, &self.base, buyer).await?);
            tokens.sellers.push(login(client, &self.base, seller).await?);
        }
        if let Ok(mut current) = self.tokens.write() {
            *current = tokens;
        }
        Ok(())
    }

    fn buyer(&self, worker: usize) -> String {
        self.tokens.read().ok().and_then(|t| t.buyers.get(worker).cloned()).unwrap_or_default()
    }

    fn seller(&self, worker: usize) -> String {
        self.tokens.read().ok().and_then(|t| t.sellers.get(worker).cloned()).unwrap_or_default()
    }

    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }
}

async fn expect(request: reqwest::RequestBuilder, status: StatusCode) -> Step {
    match request.send().await {
        Ok(response) => {
            let ok = response.status() == status;
            // Read the whole body: a client that drops it measures less than the server sends.
            match response.bytes().await {
                Ok(_) if ok => Step::Ok,
                _ => Step::Error,
            }
        }
        Err(_) => Step::Error,
    }
}

fn checkout_body(product: Uuid) -> serde_json::Value {
    json!({
        "lines": [{"product_id": product, "quantity": 1}],
        "fulfillment": "delivery",
        "shipping_address": seed::address()
    })
}

/// One call of `scenario` by `worker`.
async fn call(fx: Arc<Fixtures>, kind: Kind, worker: usize, iteration: u64) -> Step {
    let client = &fx.clients[worker];
    let mut rng = StdRng::seed_from_u64(((worker as u64) << 40) ^ iteration);
    match kind {
        Kind::StaticJson => expect(client.get(fx.url("/health")), StatusCode::OK).await,
        Kind::ListPage(page) => {
            expect(client.get(fx.url(&format!("/api/v1/products?page={page}"))), StatusCode::OK).await
        }
        Kind::ListFiltered => {
            let root = fx.roots[rng.gen_range(0..fx.roots.len())];
            let path = format!("/api/v1/products?category_id={root}&min_price=50&max_price=150");
            expect(client.get(fx.url(&path)), StatusCode::OK).await
        }
        Kind::Search => {
            let path = format!("/api/v1/products?search={}", fx.search_word);
            expect(client.get(fx.url(&path)), StatusCode::OK).await
        }
        Kind::ProductRead => {
            let id = fx.products[rng.gen_range(0..fx.products.len())];
            expect(client.get(fx.url(&format!("/api/v1/products/{id}"))), StatusCode::OK).await
        }
        Kind::SellerOrders => {
            expect(client.get(fx.url("/api/v1/orders")).bearer_auth(fx.seller(worker)), StatusCode::OK).await
        }
        Kind::Checkout | Kind::HotCheckout => {
            let product = if kind == Kind::HotCheckout {
                fx.hot_product
            } else {
                fx.products[rng.gen_range(0..fx.products.len())]
            };
            let request = client
                .post(fx.url("/api/v1/checkout"))
                .bearer_auth(fx.buyer(worker))
                .json(&checkout_body(product));
            expect(request, StatusCode::CREATED).await
        }
        Kind::PaymentWebhook => {
            let Some(order) = fx.unpaid.get(fx.next_unpaid.fetch_add(1, Ordering::Relaxed)) else {
                return Step::Exhausted;
            };
            let body = serde_json::to_vec(&json!({"event": "charge.success", "tx_ref": order.tx_ref,
                "status": "success", "amount": order.amount, "currency": "USD"}))
            .unwrap_or_default();
            let signature =
                souk_escrow::signature::sign(fx.secret.as_bytes(), chrono::Utc::now().timestamp(), &body);
            let request = client
                .post(fx.url(&format!("/api/v1/payments/webhook/{}", fx.gateway)))
                .header("content-type", "application/json")
                .header("Souk-Signature", signature)
                .body(body);
            let step = expect(request, StatusCode::OK).await;
            if step == Step::Ok
                && let Ok(mut paid) = fx.paid.lock()
            {
                paid.push((order.order_id, order.seller));
            }
            step
        }
        Kind::AcceptOrder => {
            let next = fx.paid.lock().ok().and_then(|mut paid| paid.pop());
            let Some((order, seller)) = next else { return Step::Exhausted };
            let request = client
                .post(fx.url(&format!("/api/v1/orders/{order}/status")))
                .bearer_auth(fx.seller(seller))
                .json(&json!({"status": "accepted"}));
            expect(request, StatusCode::OK).await
        }
    }
}

/// The load generator's call for `scenario`.
pub fn caller(fixtures: &Arc<Fixtures>, scenario: &Scenario) -> Call {
    let fixtures = fixtures.clone();
    let kind = scenario.kind;
    Arc::new(move |worker, iteration| Box::pin(call(fixtures.clone(), kind, worker, iteration)))
}
