//! A synthetic marketplace written through the storage layer in bulk: a two-level category tree,
//! sellers with their products, buyers, a year of completed orders, a pool of unpaid orders with
//! started sandbox payments for the webhook scenario, and a pool of paid orders (their money held
//! in escrow by balanced ledger transfers) for the order-transition scenario.

use std::fmt;
use std::time::{Duration, Instant};

use chrono::{TimeDelta, Utc};
use rand::rngs::StdRng;
use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};
use sea_orm::ActiveValue::Set;
use sea_orm::TransactionTrait;
use souk_auth::PasswordHasher;
use souk_auth::profile::ApprovalStatus;
use souk_catalog::{AdminStatus, Condition, ProductStatus, Visibility};
use souk_escrow::gateway::{Gateway, GatewayStatus, Provider};
use souk_escrow::ledger::{AccountRef, Transfer, TransferKind};
use souk_escrow::payment::{AttemptStatus, Payment, PaymentId};
use souk_kernel::{Currency, Money, Role, UserId};
use souk_orders::order::{
    Address, DeliveryStatus, Fulfillment, Order, OrderId, OrderLine, OrderSource, PaymentStatus, Totals,
    order_number,
};
use souk_orders::status::OrderStatus;
use souk_storage::entities::{buyer, category, product, seller, user};
use souk_storage::{Database, bulk};
use uuid::Uuid;

/// The password of every seeded account.
pub const PASSWORD: &str = "bench password 1";
/// Accounts the load signs in as (one per connection at the highest concurrency).
pub const SIGNED_IN: usize = 32;
/// Stock of every product: checkouts never run out during a run.
const STOCK: i64 = 10_000_000;

const ADJECTIVES: [&str; 16] = [
    "rustic", "modern", "vintage", "compact", "sturdy", "elegant", "handmade", "classic", "portable",
    "bright", "quiet", "slim", "heavy", "soft", "bold", "minimal",
];
const MATERIALS: [&str; 12] = [
    "oak", "walnut", "steel", "brass", "linen", "wool", "leather", "ceramic", "glass", "bamboo", "cotton",
    "clay",
];
const NOUNS: [&str; 25] = [
    "lamp", "table", "chair", "kettle", "basket", "mirror", "rug", "vase", "bench", "shelf", "clock",
    "jacket", "bag", "bowl", "mug", "stool", "desk", "blanket", "pillow", "tray", "candle", "frame",
    "teapot", "scarf", "wallet",
];

/// How big the seeded marketplace is.
#[derive(Debug, Clone)]
pub struct Scale {
    /// Products.
    pub products: usize,
    /// Sellers.
    pub sellers: usize,
    /// Buyers.
    pub buyers: usize,
    /// Completed orders.
    pub completed_orders: usize,
    /// Unpaid orders with a started payment.
    pub unpaid_orders: usize,
    /// Paid orders awaiting the seller (`new`).
    pub paid_orders: usize,
    /// Root categories (each with `children_per_root` subcategories).
    pub root_categories: usize,
    /// Subcategories of each root.
    pub children_per_root: usize,
}

impl Scale {
    /// The marketplace at 100,000 products, scaled linearly for smaller runs.
    pub fn for_products(products: usize) -> Scale {
        let ratio = |n: usize| (n * products / 100_000).max(SIGNED_IN);
        Scale {
            products,
            sellers: ratio(200),
            buyers: ratio(10_000),
            completed_orders: ratio(20_000),
            unpaid_orders: ratio(15_000),
            paid_orders: ratio(15_000),
            root_categories: 12,
            children_per_root: 8,
        }
    }
}

impl fmt::Display for Scale {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} products, {} sellers, {} buyers, {} orders ({} completed, {} paid and new, {} awaiting payment), {} categories",
            self.products,
            self.sellers,
            self.buyers,
            self.completed_orders + self.paid_orders + self.unpaid_orders,
            self.completed_orders,
            self.paid_orders,
            self.unpaid_orders,
            self.root_categories * (1 + self.children_per_root)
        )
    }
}

/// An unpaid order whose sandbox payment the webhook scenario completes.
#[derive(Debug, Clone)]
pub struct UnpaidOrder {
    /// The order.
    pub order_id: Uuid,
    /// Index of its seller among the signed-in sellers.
    pub seller: usize,
    /// The payment's reference.
    pub tx_ref: String,
    /// The amount, as the callback states it.
    pub amount: String,
}

/// What the scenarios need to know about the seeded data.
#[derive(Debug)]
pub struct Seeded {
    /// How long seeding took.
    pub elapsed: Duration,
    /// Every product id.
    pub products: Vec<Uuid>,
    /// The product every hot checkout buys.
    pub hot_product: Uuid,
    /// Root category ids.
    pub root_categories: Vec<Uuid>,
    /// Ids of all categories under each root, the root first.
    pub category_trees: Vec<Vec<Uuid>>,
    /// Usernames of the sellers the load signs in as.
    pub sellers: Vec<(String, Uuid)>,
    /// Usernames of the buyers the load signs in as.
    pub buyers: Vec<(String, Uuid)>,
    /// The sandbox gateway's id.
    pub gateway_id: Uuid,
    /// Its webhook secret.
    pub webhook_secret: String,
    /// Unpaid orders in a random order.
    pub unpaid: Vec<UnpaidOrder>,
    /// Paid `new` orders with the index of their seller among the signed-in sellers.
    pub paid: Vec<(Uuid, usize)>,
    /// A word of many product titles.
    pub search_word: &'static str,
}

/// Seeds `url` (migrated here) with a marketplace of `scale`.
pub async fn seed(url: &str, scale: &Scale) -> anyhow::Result<Seeded> {
    let started = Instant::now();
    Database::migrate(url).await?;
    let db = Database::connect(url, 2).await?;
    let mut rng = StdRng::seed_from_u64(7);
    let now = Utc::now();
    let hash = PasswordHasher::default().hash(PASSWORD);
    let txn = db.conn.begin().await?;

    let mut categories = Vec::new();
    let mut trees = Vec::new();
    let mut leaves = Vec::new();
    for r in 0..scale.root_categories {
        let root = Uuid::now_v7();
        categories.push(category_row(root, format!("Department {r}"), None, now));
        let mut tree = vec![root];
        for c in 0..scale.children_per_root {
            let id = Uuid::now_v7();
            categories.push(category_row(id, format!("Aisle {r}.{c}"), Some(root), now));
            tree.push(id);
            leaves.push(id);
        }
        trees.push(tree);
    }
    bulk::insert_rows(&txn, categories).await?;

    let sellers: Vec<(String, Uuid)> =
        (0..scale.sellers).map(|i| (format!("bench-seller-{i:04}"), Uuid::now_v7())).collect();
    let buyers: Vec<(String, Uuid)> =
        (0..scale.buyers).map(|i| (format!("bench-buyer-{i:05}"), Uuid::now_v7())).collect();
    let users = sellers
        .iter()
        .map(|s| (s, Role::Seller))
        .chain(buyers.iter().map(|b| (b, Role::Buyer)))
        .map(|((name, id), role)| user_row(*id, name, role, &hash, now))
        .collect();
    bulk::insert_rows(&txn, users).await?;
    bulk::insert_rows(&txn, sellers.iter().map(|(name, id)| seller_row(*id, name, now)).collect()).await?;
    bulk::insert_rows(
        &txn,
        buyers
            .iter()
            .map(|(_, id)| buyer::ActiveModel {
                user_id: Set(*id),
                address: Set(Some("Bole Road 12, Addis Ababa".into())),
                created_at: Set(now),
                updated_at: Set(now),
            })
            .collect(),
    )
    .await?;

    let mut products: Vec<product::Model> = (0..scale.products)
        .map(|i| {
            let seller = sellers[i % sellers.len()].1;
            let title = format!(
                "{} {} {}",
                ADJECTIVES.choose(&mut rng).unwrap_or(&"plain"),
                MATERIALS.choose(&mut rng).unwrap_or(&"wood"),
                NOUNS.choose(&mut rng).unwrap_or(&"thing")
            );
            let created_at = now - TimeDelta::seconds(rng.gen_range(0..365 * 86_400));
            product_model(
                seller,
                title,
                i,
                *leaves.choose(&mut rng).unwrap_or(&leaves[0]),
                &mut rng,
                created_at,
            )
        })
        .collect();

    let gateway = sandbox_gateway(now);
    let webhook_secret = gateway.secret("webhook_secret").unwrap_or_default().to_owned();
    souk_storage::payments::insert_gateway(&txn, &gateway).await?;

    let address = address();
    let mut unpaid = Vec::with_capacity(scale.unpaid_orders);
    let mut paid = Vec::with_capacity(scale.paid_orders);
    let mut orders = Vec::with_capacity(scale.completed_orders + scale.paid_orders + scale.unpaid_orders);
    for n in 0..scale.completed_orders + scale.paid_orders + scale.unpaid_orders {
        let stage = if n < scale.completed_orders {
            Stage::Completed
        } else if n < scale.completed_orders + scale.paid_orders {
            Stage::Paid
        } else {
            Stage::Unpaid
        };
        let completed = stage == Stage::Completed;
        // Open orders belong to the signed-in sellers, so the transition scenario can accept them.
        let seller_index =
            if completed { rng.gen_range(0..sellers.len()) } else { rng.gen_range(0..SIGNED_IN) };
        let product_index = seller_index + sellers.len() * rng.gen_range(0..products.len() / sellers.len());
        let product = &mut products[product_index];
        let quantity = rng.gen_range(1..=3);
        if !completed {
            product.reserved += quantity;
        } else {
            product.quantity -= quantity;
        }
        let buyer = buyers[rng.gen_range(0..buyers.len())].1;
        let created_at = if completed {
            now - TimeDelta::seconds(rng.gen_range(86_400..365 * 86_400))
        } else {
            now - TimeDelta::seconds(rng.gen_range(0..20 * 3600))
        };
        let order = order(n + 1, product, quantity, buyer, stage, &address, created_at);
        if !completed {
            let tx_ref = format!("bench-{}", order.id.as_uuid().simple());
            let payment = payment(&order, &tx_ref, gateway.id, stage);
            if stage == Stage::Paid {
                paid.push((payment, (order.id.as_uuid(), seller_index)));
            } else {
                let amount = order.totals.total.amount_string();
                unpaid.push((
                    payment,
                    UnpaidOrder { order_id: order.id.as_uuid(), seller: seller_index, tx_ref, amount },
                ));
            }
        }
        orders.push(order);
    }
    let product_ids: Vec<Uuid> = products.iter().map(|p| p.id).collect();
    bulk::insert_rows(&txn, products.into_iter().map(product::ActiveModel::from).collect()).await?;
    for order in &orders {
        souk_storage::orders::insert_order(&txn, order, Some(order.buyer_id)).await?;
    }
    for (payment, _) in &unpaid {
        souk_storage::payments::insert_payment(&txn, payment).await?;
    }
    let by_id: std::collections::HashMap<Uuid, &Order> = orders.iter().map(|o| (o.id.as_uuid(), o)).collect();
    for (payment, (order_id, _)) in &paid {
        souk_storage::payments::insert_payment(&txn, payment).await?;
        if let Some(order) = by_id.get(order_id) {
            souk_storage::ledger::post(&txn, &hold(payment, order)?, now).await?;
        }
    }
    bulk::advance_counter(&txn, "order", orders.len() as i64).await?;
    txn.commit().await?;
    bulk::refresh_statistics(&db.conn).await?;
    db.conn.close().await?;

    let mut unpaid: Vec<UnpaidOrder> = unpaid.into_iter().map(|(_, order)| order).collect();
    unpaid.shuffle(&mut rng);
    let paid = paid.into_iter().map(|(_, order)| order).collect();
    Ok(Seeded {
        paid,
        elapsed: started.elapsed(),
        hot_product: product_ids[0],
        products: product_ids,
        root_categories: trees.iter().map(|t| t[0]).collect(),
        category_trees: trees,
        sellers: sellers.into_iter().take(SIGNED_IN).collect(),
        buyers: buyers.into_iter().take(SIGNED_IN).collect(),
        gateway_id: gateway.id,
        webhook_secret,
        unpaid,
        search_word: "lamp",
    })
}

/// The delivery address of every seeded order and every checkout the load sends.
pub fn address() -> Address {
    Address {
        name: "Amina Bekele".into(),
        phone: "+251911000000".into(),
        line1: "Bole Road 12".into(),
        line2: None,
        city: "Addis Ababa".into(),
        state: None,
        postal_code: None,
        country: "ET".into(),
        lat: None,
        lng: None,
    }
}

/// Where a seeded order stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Stage {
    /// Delivered and released long ago.
    Completed,
    /// Paid, its money held in escrow, awaiting the seller.
    Paid,
    /// Awaiting payment, with a started sandbox payment.
    Unpaid,
}

/// The transfer that holds a paid order's money in its escrow account, as the payment webhook
/// posts it.
fn hold(payment: &Payment, order: &Order) -> anyhow::Result<Transfer> {
    let currency = order.totals.total.currency();
    Ok(Transfer::between(
        format!("hold:{}:{}", payment.id, order.id),
        TransferKind::Hold,
        AccountRef::buyer_funding(payment.buyer_id.as_uuid(), currency),
        AccountRef::order_escrow(order.id.as_uuid(), order.seller_id.as_uuid(), currency),
        payment.amount,
    )?
    .for_order(order.id.as_uuid())
    .for_payment(payment.id.as_uuid())
    .with_memo(format!("payment {}", payment.tx_ref)))
}

fn category_row(
    id: Uuid,
    name: String,
    parent: Option<Uuid>,
    now: chrono::DateTime<Utc>,
) -> category::ActiveModel {
    let slug = name.to_lowercase().replace([' ', '.'], "-");
    category::ActiveModel {
        id: Set(id),
        name: Set(name),
        slug: Set(slug),
        parent_id: Set(parent),
        created_at: Set(now),
        updated_at: Set(now),
    }
}

fn user_row(
    id: Uuid,
    username: &str,
    role: Role,
    hash: &str,
    now: chrono::DateTime<Utc>,
) -> user::ActiveModel {
    user::ActiveModel {
        id: Set(id),
        email: Set(format!("{username}@bench.souk.test")),
        username: Set(username.to_owned()),
        password_hash: Set(hash.to_owned()),
        role: Set(role.as_str().to_owned()),
        status: Set(souk_auth::UserStatus::Active.as_str().to_owned()),
        first_name: Set("Bench".into()),
        last_name: Set(username.to_owned()),
        phone: Set(None),
        email_verified_at: Set(Some(now)),
        created_at: Set(now),
        updated_at: Set(now),
    }
}

fn seller_row(id: Uuid, username: &str, now: chrono::DateTime<Utc>) -> seller::ActiveModel {
    seller::ActiveModel {
        user_id: Set(id),
        store_name: Set(Some(format!("{username} store"))),
        address: Set("Bole Road 12, Addis Ababa".into()),
        license_file_id: Set(None),
        profile_pic_file_id: Set(None),
        approval: Set(ApprovalStatus::Approved.as_str().to_owned()),
        reviewed_at: Set(Some(now)),
        created_at: Set(now),
        updated_at: Set(now),
    }
}

fn product_model(
    seller: Uuid,
    title: String,
    index: usize,
    category: Uuid,
    rng: &mut StdRng,
    created_at: chrono::DateTime<Utc>,
) -> product::Model {
    product::Model {
        id: Uuid::now_v7(),
        seller_id: seller,
        slug: format!("{}-{index}", title.replace(' ', "-")),
        description: Some(format!("A {title} from a bench seller, made to last and easy to care for.")),
        title,
        page_title: None,
        meta_description: None,
        category_id: Some(category),
        condition: Condition::New.as_str().to_owned(),
        status: ProductStatus::Published.as_str().to_owned(),
        visibility: Visibility::Both.as_str().to_owned(),
        admin_status: AdminStatus::Approved.as_str().to_owned(),
        admin_status_reason: None,
        is_digital: false,
        requires_shipping: true,
        currency: Currency::USD.code().to_owned(),
        price: rng.gen_range(100..50_000),
        compare_price: None,
        sku: Some(format!("SKU-{index:06}")),
        quantity: STOCK,
        reserved: 0,
        stock_tracked: true,
        allow_order_when_oos: false,
        min_qty: 1,
        weight_grams: Some(500),
        location: None,
        city: Some("Addis Ababa".into()),
        state: None,
        country: Some("ET".into()),
        lat: None,
        lng: None,
        external_id: None,
        on_homepage: index.is_multiple_of(50),
        deleted_at: None,
        created_at,
        updated_at: created_at,
    }
}

fn sandbox_gateway(now: chrono::DateTime<Utc>) -> Gateway {
    let mut secrets = serde_json::Map::new();
    secrets.insert("webhook_secret".into(), format!("whsec_bench_{}", Uuid::now_v7().simple()).into());
    Gateway {
        id: Uuid::now_v7(),
        title: "Bench sandbox".into(),
        provider: Provider::Sandbox,
        sandbox: true,
        status: GatewayStatus::Active,
        currency: Currency::USD,
        min_amount: None,
        max_amount: None,
        settings: serde_json::Map::new(),
        secrets,
        created_at: now,
        updated_at: now,
    }
}

fn order(
    number: usize,
    product: &product::Model,
    quantity: i64,
    buyer: Uuid,
    stage: Stage,
    address: &Address,
    created_at: chrono::DateTime<Utc>,
) -> Order {
    let completed = stage == Stage::Completed;
    let money = |minor: i64| Money::from_minor(minor, Currency::USD);
    let total = money(product.price * quantity);
    Order {
        id: OrderId(Uuid::now_v7()),
        number: order_number(number as i64),
        cart_id: Uuid::now_v7(),
        buyer_id: UserId(buyer),
        seller_id: UserId(product.seller_id),
        customer_id: None,
        coupon_code: None,
        source: OrderSource::Checkout,
        status: match stage {
            Stage::Completed => OrderStatus::Completed,
            Stage::Paid => OrderStatus::New,
            Stage::Unpaid => OrderStatus::Pending,
        },
        payment_status: if stage == Stage::Unpaid { PaymentStatus::Unpaid } else { PaymentStatus::Paid },
        delivery_status: if completed { DeliveryStatus::Delivered } else { DeliveryStatus::NotShipped },
        lines: vec![OrderLine {
            id: Uuid::now_v7(),
            product_id: product.id,
            variant_id: None,
            title: product.title.clone(),
            variant_title: None,
            sku: product.sku.clone(),
            unit_price: money(product.price),
            quantity,
            add_ons: Vec::new(),
            rental: None,
            line_total: total,
            stock_held: !completed,
            trial_policy: None,
        }],
        totals: Totals { subtotal: total, discount: money(0), shipping: money(0), fee: money(0), total },
        fulfillment: Fulfillment::Delivery,
        shipping_address: address.clone(),
        billing_address: None,
        note: None,
        is_archived: false,
        trial_ends_at: None,
        release_at: None,
        expires_at: (stage == Stage::Unpaid).then(|| created_at + TimeDelta::hours(24)),
        created_at,
        updated_at: created_at,
    }
}

fn payment(order: &Order, tx_ref: &str, gateway: Uuid, stage: Stage) -> Payment {
    let paid = stage == Stage::Paid;
    Payment {
        id: PaymentId(Uuid::now_v7()),
        tx_ref: tx_ref.to_owned(),
        gateway_id: gateway,
        buyer_id: order.buyer_id,
        cart_id: Some(order.cart_id),
        currency: Currency::USD,
        amount: order.totals.total.minor(),
        status: if paid { AttemptStatus::Succeeded } else { AttemptStatus::Pending },
        provider_reference: Some(format!("sandbox-{tx_ref}")),
        method: paid.then(|| "sandbox".to_owned()),
        card_brand: None,
        card_last4: None,
        checkout_url: None,
        paid_at: paid.then_some(order.created_at),
        orders: vec![(order.id.as_uuid(), order.totals.total.minor())],
        created_at: order.created_at,
        updated_at: order.created_at,
    }
}
