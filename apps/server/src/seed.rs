//! `souk seed --demo`: a small, believable marketplace to click through, created only through the
//! marketplace use cases so every domain rule holds. Running it again finds what exists (by
//! username, slug and handle) and creates only what is missing.

use std::collections::HashMap;

use anyhow::{Context, bail};
use rand::Rng;
use rand::distributions::Alphanumeric;
use souk_auth::profile::{ApprovalStatus, Registration};
use souk_auth::{NewUser, User};
use souk_catalog::product::ProductInput;
use souk_catalog::review::ReviewPatch;
use souk_catalog::terms::{RentalInput, TrialPolicyInput};
use souk_catalog::variant::{AddOnInput, OptionInput, VariantInput};
use souk_catalog::{
    AdminStatus, CategoryId, Condition, PenaltyType, ProductId, ProductQuery, ProductStatus, ReviewStatus,
};
use souk_kernel::{Actor, AmountInput, DomainError, PageRequest, Role, UserId};
use souk_marketplace::accounts::Upload;
use souk_marketplace::categories::NewCategory;
use souk_marketplace::collections::NewCollection;
use souk_marketplace::products::ProductRequest;
use souk_marketplace::reviews::NewReview;
use souk_marketplace::users::{AccountOutcome, AdminOutcome};
use souk_marketplace::{Marketplace, products::ProductView};
use uuid::Uuid;

use crate::config::Config;

/// Username of the admin the demo creates when no bootstrap admin is configured.
pub const DEMO_ADMIN: &str = "demo-admin";
/// Usernames of the two demo sellers.
pub const DEMO_SELLERS: [&str; 2] = ["demo-seller-1", "demo-seller-2"];
/// Username of the demo buyer.
pub const DEMO_BUYER: &str = "demo-buyer";

/// A 1x1 PNG: the sellers' profile pictures (registration requires one).
const PIXEL_PNG: &[u8] = &[
    0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0x00, 0x00, 0x00, 0x0D, 0x49, 0x48, 0x44, 0x52, 0x00,
    0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x01, 0x08, 0x06, 0x00, 0x00, 0x00, 0x1F, 0x15, 0xC4, 0x89, 0x00,
    0x00, 0x00, 0x0A, 0x49, 0x44, 0x41, 0x54, 0x78, 0x9C, 0x63, 0x00, 0x01, 0x00, 0x00, 0x05, 0x00, 0x01,
    0x0D, 0x0A, 0x2D, 0xB4, 0x00, 0x00, 0x00, 0x00, 0x49, 0x45, 0x4E, 0x44, 0xAE, 0x42, 0x60, 0x82,
];
/// A stand-in business licence (sellers must upload one).
const LICENCE_PDF: &[u8] = b"%PDF-1.4\n% Souk demo seller licence\n%%EOF\n";

/// A demo account and how to sign in with it.
#[derive(Debug, Clone)]
pub struct DemoAccount {
    /// `admin`, `seller` or `buyer`.
    pub role: Role,
    /// Sign-in handle.
    pub username: String,
    /// E-mail address (also a sign-in handle).
    pub email: String,
    /// The password when this run knows it: just set, or the `--password` that still matches.
    pub password: Option<String>,
    /// Where the password comes from when this run does not print it.
    pub password_note: &'static str,
    /// Created by this run (false: it existed already).
    pub created: bool,
}

/// What a seeding run found and did, for the printed summary.
#[derive(Debug, Clone)]
pub struct DemoReport {
    /// The admin, both sellers and the buyer.
    pub accounts: Vec<DemoAccount>,
    /// Demo categories in the database.
    pub categories: usize,
    /// Categories this run created.
    pub categories_created: usize,
    /// Products of the demo sellers in the database.
    pub products: u64,
    /// Products this run created.
    pub products_created: usize,
    /// Demo collections in the database.
    pub collections: usize,
    /// Published reviews by the demo buyer.
    pub reviews: u64,
    /// The sandbox payment gateway buyers pay through (sandbox mode only).
    pub gateway: Option<Uuid>,
}

impl DemoReport {
    /// True when the run found everything in place and created nothing.
    pub fn already_seeded(&self) -> bool {
        self.accounts.iter().all(|a| !a.created) && self.categories_created == 0 && self.products_created == 0
    }
}

/// A random password that passes the password policy.
fn generate_password() -> String {
    rand::thread_rng().sample_iter(&Alphanumeric).take(20).map(char::from).collect()
}

fn amount(text: &str) -> AmountInput {
    AmountInput::from(text)
}

fn admin_actor(user: &User) -> Actor {
    Actor::User { id: user.id, role: Role::Admin }
}

/// The fixed set of demo data; everything below reads from these tables.
const CATEGORIES: &[(&str, &str, Option<&str>)] = &[
    ("home", "Home", None),
    ("furniture", "Furniture", Some("home")),
    ("tables", "Tables", Some("furniture")),
    ("chairs", "Chairs", Some("furniture")),
    ("lighting", "Lighting", Some("home")),
    ("electronics", "Electronics", None),
    ("audio", "Audio", Some("electronics")),
    ("outdoor", "Outdoor", None),
    ("camping", "Camping", Some("outdoor")),
];

struct SellerSpec {
    username: &'static str,
    first_name: &'static str,
    last_name: &'static str,
    store_name: &'static str,
    address: &'static str,
}

const SELLERS: [SellerSpec; 2] = [
    SellerSpec {
        username: DEMO_SELLERS[0],
        first_name: "Amina",
        last_name: "Haddad",
        store_name: "Oak & Ember Home",
        address: "12 Cedar Lane, Portland, OR",
    },
    SellerSpec {
        username: DEMO_SELLERS[1],
        first_name: "Jonas",
        last_name: "Lindqvist",
        store_name: "Trailhead Audio & Outdoor",
        address: "48 Ridge Road, Boulder, CO",
    },
];

type Trial = (i32, PenaltyType, &'static str, i32);
type Rental = (&'static str, &'static str, &'static str);
/// An option's name and its values, each with the variant's price and stock.
type DemoOption = (&'static str, &'static [(&'static str, &'static str, i64)]);

struct ProductSpec {
    seller: usize,
    slug: &'static str,
    title: &'static str,
    category: &'static str,
    price: &'static str,
    quantity: i64,
    condition: Condition,
    description: &'static str,
    on_homepage: bool,
    /// One option: its name and values; variants are one per value with these prices.
    option: Option<DemoOption>,
    add_ons: &'static [(&'static str, &'static str)],
    trial: Option<Trial>,
    rental: Option<Rental>,
}

const PRODUCT: ProductSpec = ProductSpec {
    seller: 0,
    slug: "",
    title: "",
    category: "",
    price: "",
    quantity: 10,
    condition: Condition::New,
    description: "",
    on_homepage: false,
    option: None,
    add_ons: &[],
    trial: None,
    rental: None,
};

const PRODUCTS: &[ProductSpec] = &[
    ProductSpec {
        slug: "oak-dining-table",
        title: "Oak Dining Table",
        category: "tables",
        price: "649.00",
        description: "Solid white oak with a hard-wax oil finish. Seats four, or six with the long top.",
        on_homepage: true,
        option: Some(("Size", &[("4 seats", "649.00", 3), ("6 seats", "849.00", 2)])),
        add_ons: &[("Assembly service", "49.00"), ("Felt floor protectors", "12.50")],
        trial: Some((30, PenaltyType::Percentage, "10.00", 72)),
        ..PRODUCT
    },
    ProductSpec {
        slug: "walnut-side-table",
        title: "Walnut Side Table",
        category: "tables",
        price: "189.00",
        quantity: 12,
        description: "A round side table in American walnut with a lower shelf.",
        ..PRODUCT
    },
    ProductSpec {
        slug: "folding-bistro-table",
        title: "Folding Bistro Table",
        category: "tables",
        price: "89.00",
        quantity: 20,
        description: "Powder-coated steel, folds flat. Rent a few for a garden party.",
        rental: Some(("8.00", "4.00", "40.00")),
        ..PRODUCT
    },
    ProductSpec {
        slug: "ash-dining-chair",
        title: "Ash Dining Chair",
        category: "chairs",
        price: "129.00",
        description: "Steam-bent ash with a woven paper-cord seat.",
        option: Some(("Colour", &[("Natural", "129.00", 16), ("Black", "139.00", 8)])),
        add_ons: &[("Seat cushion", "19.00")],
        ..PRODUCT
    },
    ProductSpec {
        slug: "lounge-armchair",
        title: "Lounge Armchair",
        category: "chairs",
        price: "499.00",
        quantity: 3,
        condition: Condition::Refurbished,
        description: "A 1960s lounge chair, reupholstered in wool bouclé. Try it at home first.",
        trial: Some((14, PenaltyType::Flat, "25.00", 48)),
        ..PRODUCT
    },
    ProductSpec {
        slug: "brass-floor-lamp",
        title: "Brass Floor Lamp",
        category: "lighting",
        price: "219.00",
        quantity: 7,
        description: "Brushed brass with a linen shade and a dimmer on the cord.",
        on_homepage: true,
        add_ons: &[("Smart LED bulb", "15.00")],
        ..PRODUCT
    },
    ProductSpec {
        slug: "paper-pendant-light",
        title: "Paper Pendant Light",
        category: "lighting",
        price: "79.00",
        description: "Hand-folded rice paper pendant with a fabric cord.",
        option: Some(("Diameter", &[("40 cm", "79.00", 10), ("60 cm", "99.00", 6)])),
        ..PRODUCT
    },
    ProductSpec {
        seller: 1,
        slug: "studio-headphones",
        title: "Studio Headphones",
        category: "audio",
        price: "199.00",
        description: "Closed-back headphones with a flat response and a detachable cable.",
        on_homepage: true,
        option: Some(("Colour", &[("Black", "199.00", 14), ("Silver", "209.00", 6)])),
        add_ons: &[("Hard travel case", "29.00")],
        trial: Some((30, PenaltyType::Percentage, "5.00", 168)),
        ..PRODUCT
    },
    ProductSpec {
        seller: 1,
        slug: "bookshelf-speakers",
        title: "Bookshelf Speakers",
        category: "audio",
        price: "349.00",
        quantity: 5,
        description: "A pair of powered two-way speakers with Bluetooth and a phono input.",
        rental: Some(("12.00", "6.00", "150.00")),
        ..PRODUCT
    },
    ProductSpec {
        seller: 1,
        slug: "portable-turntable",
        title: "Portable Turntable",
        category: "audio",
        price: "159.00",
        quantity: 4,
        condition: Condition::Refurbished,
        description: "A suitcase turntable with a new stylus and belt, serviced and tested.",
        ..PRODUCT
    },
    ProductSpec {
        seller: 1,
        slug: "two-person-tent",
        title: "Two-Person Tent",
        category: "camping",
        price: "279.00",
        quantity: 6,
        description: "A freestanding three-season tent, 1.9 kg, pitches in five minutes.",
        on_homepage: true,
        add_ons: &[("Footprint groundsheet", "35.00")],
        rental: Some(("15.00", "10.00", "100.00")),
        ..PRODUCT
    },
    ProductSpec {
        seller: 1,
        slug: "down-sleeping-bag",
        title: "Down Sleeping Bag",
        category: "camping",
        price: "229.00",
        description: "800-fill down, comfortable to -5 °C, packs to the size of a loaf.",
        option: Some(("Length", &[("Regular", "229.00", 9), ("Long", "249.00", 5)])),
        trial: Some((21, PenaltyType::Flat, "20.00", 72)),
        ..PRODUCT
    },
];

const COLLECTIONS: &[(&str, &str, &[&str])] = &[
    (
        "demo-featured",
        "Featured",
        &["oak-dining-table", "brass-floor-lamp", "studio-headphones", "two-person-tent"],
    ),
    (
        "demo-weekend-rentals",
        "Rent for the weekend",
        &["folding-bistro-table", "bookshelf-speakers", "two-person-tent"],
    ),
];

const REVIEWS: &[(&str, i64, &str)] = &[
    ("oak-dining-table", 5, "Beautiful grain and rock solid. Assembly took ten minutes with the service."),
    ("studio-headphones", 4, "Clear and honest sound; the clamp is firm for the first week."),
];

/// Seeds the demo marketplace and reports what is there. `password` is used for every demo
/// account this run creates; otherwise each gets its own random one.
pub async fn seed_demo(
    marketplace: &Marketplace,
    config: &Config,
    password: Option<String>,
) -> anyhow::Result<DemoReport> {
    let new_password = || password.clone().unwrap_or_else(generate_password);
    let known = |user: &User| password.clone().filter(|p| marketplace.hasher.verify(p, &user.password_hash));
    let mut accounts = Vec::new();

    let (admin, admin_account) = match &config.bootstrap_admin {
        Some((email, bootstrap_password)) => {
            let input =
                NewUser { email: email.clone(), username: None, password: bootstrap_password.clone() };
            let (user, created) = match marketplace.ensure_admin(input).await? {
                AdminOutcome::Created(user) => (user, true),
                AdminOutcome::AlreadyExists(user) => (user, false),
            };
            let account = DemoAccount {
                role: Role::Admin,
                username: user.username.clone(),
                email: user.email.clone(),
                password: None,
                password_note: "the SOUK_ADMIN_PASSWORD value",
                created,
            };
            (user, account)
        }
        None => {
            let chosen = new_password();
            let input = NewUser {
                email: format!("{DEMO_ADMIN}@souk.example"),
                username: Some(DEMO_ADMIN.into()),
                password: chosen.clone(),
            };
            let (user, password, created) = match marketplace.ensure_admin(input).await {
                Ok(AdminOutcome::Created(user)) => (user, Some(chosen), true),
                Ok(AdminOutcome::AlreadyExists(user)) => {
                    let password = known(&user);
                    (user, password, false)
                }
                Err(error) => return Err(error).context("creating the demo admin"),
            };
            let account = DemoAccount {
                role: Role::Admin,
                username: user.username.clone(),
                email: user.email.clone(),
                password,
                password_note: "unchanged since it was created",
                created,
            };
            (user, account)
        }
    };
    if admin.role != Role::Admin {
        bail!("the account {} exists but is not an admin", admin.email);
    }
    accounts.push(admin_account);
    let admin = admin_actor(&admin);

    let mut sellers = Vec::new();
    for spec in &SELLERS {
        let registration = Registration {
            role: "seller".into(),
            email: format!("{}@souk.example", spec.username),
            username: spec.username.into(),
            password: new_password(),
            first_name: spec.first_name.into(),
            last_name: spec.last_name.into(),
            store_name: Some(spec.store_name.into()),
            address: Some(spec.address.into()),
            ..Registration::default()
        };
        let uploads = vec![
            Upload { field: "license".into(), name: "licence.pdf".into(), bytes: LICENCE_PDF.to_vec() },
            Upload { field: "profile_pic".into(), name: "shop.png".into(), bytes: PIXEL_PNG.to_vec() },
        ];
        let (user, account) = provision(marketplace, &admin, registration, uploads, &known).await?;
        if user.role != Role::Seller {
            bail!("the account {} exists but is not a seller", user.username);
        }
        let (_, profile) = marketplace.get_seller(&admin, user.id).await?;
        if profile.approval != ApprovalStatus::Approved {
            bail!("the seller {} exists but is not approved", user.username);
        }
        accounts.push(account);
        sellers.push(user);
    }

    let registration = Registration {
        role: "buyer".into(),
        email: format!("{DEMO_BUYER}@souk.example"),
        username: DEMO_BUYER.into(),
        password: new_password(),
        first_name: "Lena".into(),
        last_name: "Okafor".into(),
        address: Some("7 Harbour Street, Seattle, WA".into()),
        ..Registration::default()
    };
    let (buyer, account) = provision(marketplace, &admin, registration, Vec::new(), &known).await?;
    if buyer.role != Role::Buyer {
        bail!("the account {} exists but is not a buyer", buyer.username);
    }
    accounts.push(account);

    let (categories, categories_created) = seed_categories(marketplace, &admin).await?;
    let seller_ids: Vec<UserId> = sellers.iter().map(|s| s.id).collect();
    let (products, products_created) = seed_products(marketplace, &admin, &sellers, &categories).await?;
    for (handle, title, members) in COLLECTIONS {
        match marketplace.get_collection(&admin, handle).await {
            Ok(_) => {}
            Err(DomainError::NotFound { .. }) => {
                let input = NewCollection {
                    handle: (*handle).into(),
                    title: (*title).into(),
                    metadata: Default::default(),
                    parent_handle: None,
                };
                marketplace.create_collection(&admin, input).await?;
            }
            Err(other) => return Err(other.into()),
        }
        let ids: Vec<Uuid> =
            members.iter().filter_map(|slug| products.get(*slug)).map(|id| id.as_uuid()).collect();
        marketplace.set_collection_products(&admin, handle, &ids).await?;
    }
    let gateway =
        if marketplace.settings.sandbox { Some(demo_gateway(marketplace, &admin).await?) } else { None };
    let buyer_actor = Actor::User { id: buyer.id, role: Role::Buyer };
    for (slug, rating, content) in REVIEWS {
        let Some(product) = products.get(*slug) else { continue };
        let input = NewReview {
            product_id: product.as_uuid(),
            rating: *rating,
            content: (*content).into(),
            image_ids: vec![],
        };
        match marketplace.create_review(&buyer_actor, input).await {
            Ok(review) => {
                let publish = ReviewPatch { status: Some(ReviewStatus::Published), ..ReviewPatch::default() };
                marketplace.update_review(&admin, review.id, publish).await?;
            }
            Err(DomainError::Conflict(_)) => {}
            Err(other) => return Err(other.into()),
        }
    }

    let query = ProductQuery { seller_ids, ..ProductQuery::default() };
    let page = PageRequest::new(1, 1)?;
    let products_total = marketplace.list_products(&admin, query, false, page).await?.total;
    let filter = souk_catalog::review::ReviewFilter {
        product_ids: products.values().map(|id| id.as_uuid()).collect(),
        statuses: vec![ReviewStatus::Published],
        min_rating: None,
    };
    let reviews =
        marketplace.list_reviews(&admin, &filter, Default::default(), Default::default(), page).await?.total;
    Ok(DemoReport {
        accounts,
        categories: categories.len(),
        categories_created,
        products: products_total,
        products_created,
        collections: COLLECTIONS.len(),
        reviews,
        gateway,
    })
}

/// The active USD sandbox gateway, created the first time.
async fn demo_gateway(marketplace: &Marketplace, admin: &Actor) -> anyhow::Result<Uuid> {
    let existing = marketplace.list_gateways(admin, PageRequest::new(1, 200)?).await?;
    let usd = existing.items.into_iter().find(|g| {
        g.provider == souk_escrow::gateway::Provider::Sandbox
            && g.status == souk_escrow::gateway::GatewayStatus::Active
            && g.currency.code() == "USD"
    });
    if let Some(gateway) = usd {
        return Ok(gateway.id);
    }
    let input = souk_marketplace::payments::GatewayInput {
        title: "Sandbox (USD)".into(),
        provider: souk_escrow::gateway::Provider::Sandbox,
        sandbox: true,
        status: souk_escrow::gateway::GatewayStatus::Active,
        currency: "USD".into(),
        min_transaction_size: None,
        max_transaction_size: None,
        settings: Default::default(),
        secrets: Default::default(),
    };
    Ok(marketplace.create_gateway(admin, input).await?.gateway.id)
}

/// Creates a verified (and for sellers approved) account unless its username or e-mail exists.
async fn provision(
    marketplace: &Marketplace,
    admin: &Actor,
    registration: Registration,
    uploads: Vec<Upload>,
    known: &impl Fn(&User) -> Option<String>,
) -> anyhow::Result<(User, DemoAccount)> {
    let chosen = registration.password.clone();
    let username = registration.username.clone();
    let outcome = marketplace
        .provision_account(admin, registration, uploads)
        .await
        .with_context(|| format!("creating the demo account {username}"))?;
    let (user, password, created) = match outcome {
        AccountOutcome::Created(user) => (user, Some(chosen), true),
        AccountOutcome::AlreadyExists(user) => {
            let password = known(&user);
            (user, password, false)
        }
    };
    let account = DemoAccount {
        role: user.role,
        username: user.username.clone(),
        email: user.email.clone(),
        password,
        password_note: "unchanged since it was created",
        created,
    };
    Ok((user, account))
}

/// The demo category tree by slug, creating the missing categories; returns how many it created.
async fn seed_categories(
    marketplace: &Marketplace,
    admin: &Actor,
) -> anyhow::Result<(HashMap<&'static str, CategoryId>, usize)> {
    let tree = marketplace.category_tree().await?;
    let existing: HashMap<String, CategoryId> =
        tree.depth_first().into_iter().map(|c| (c.slug.clone(), c.id)).collect();
    let mut ids = HashMap::new();
    let mut created = 0;
    for (slug, name, parent) in CATEGORIES {
        let id = match existing.get(*slug) {
            Some(id) => *id,
            None => {
                let input = NewCategory {
                    name: (*name).into(),
                    slug: Some((*slug).into()),
                    parent_id: parent.and_then(|p| ids.get(p).copied()),
                };
                created += 1;
                marketplace.create_category(admin, input).await?.category.id
            }
        };
        ids.insert(*slug, id);
    }
    Ok((ids, created))
}

/// The demo products by slug, creating the missing ones as their sellers and approving them as
/// the admin; returns how many it created.
async fn seed_products(
    marketplace: &Marketplace,
    admin: &Actor,
    sellers: &[User],
    categories: &HashMap<&'static str, CategoryId>,
) -> anyhow::Result<(HashMap<&'static str, ProductId>, usize)> {
    let query =
        ProductQuery { seller_ids: sellers.iter().map(|s| s.id).collect(), ..ProductQuery::default() };
    let listed = marketplace.list_products(admin, query, false, PageRequest::new(1, 200)?).await?;
    let existing: HashMap<String, ProductId> =
        listed.items.into_iter().map(|view| (view.product.slug, view.product.id)).collect();
    let mut ids = HashMap::new();
    let mut created = 0;
    for spec in PRODUCTS {
        if let Some(id) = existing.get(spec.slug) {
            ids.insert(spec.slug, *id);
            continue;
        }
        let seller = &sellers[spec.seller];
        let actor = Actor::User { id: seller.id, role: Role::Seller };
        let view = create_product(marketplace, &actor, spec, categories)
            .await
            .with_context(|| format!("creating the demo product {}", spec.slug))?;
        let id = view.product.id;
        if view.product.admin_status != AdminStatus::Approved {
            marketplace.moderate_product(admin, id, AdminStatus::Approved, None).await?;
        }
        for (title, price) in spec.add_ons {
            let input =
                AddOnInput { title: Some((*title).into()), price: Some(amount(price)), description: None };
            marketplace.create_add_on(&actor, id, input).await?;
        }
        created += 1;
        ids.insert(spec.slug, id);
    }
    Ok((ids, created))
}

async fn create_product(
    marketplace: &Marketplace,
    seller: &Actor,
    spec: &ProductSpec,
    categories: &HashMap<&'static str, CategoryId>,
) -> Result<ProductView, DomainError> {
    let (options, variants) = match spec.option {
        Some((name, values)) => (
            vec![OptionInput {
                id: None,
                name: Some(name.into()),
                values: Some(values.iter().map(|(value, _, _)| (*value).into()).collect()),
            }],
            values
                .iter()
                .map(|(value, price, quantity)| VariantInput {
                    price: Some(amount(price)),
                    quantity: Some(*quantity),
                    values: Some(vec![(*value).into()]),
                    ..VariantInput::default()
                })
                .collect(),
        ),
        None => (Vec::new(), Vec::new()),
    };
    let request = ProductRequest {
        fields: ProductInput {
            title: Some(spec.title.into()),
            slug: Some(spec.slug.into()),
            description: Some(Some(spec.description.into())),
            category_id: Some(categories.get(spec.category).copied()),
            condition: Some(spec.condition),
            status: Some(ProductStatus::Published),
            currency: Some("USD".into()),
            price: Some(amount(spec.price)),
            quantity: Some(spec.quantity),
            on_homepage: Some(spec.on_homepage),
            ..ProductInput::default()
        },
        options,
        variants,
        trial_policy: spec.trial.map(|(days, penalty_type, value, hours)| {
            Some(TrialPolicyInput {
                trial_days: Some(days),
                penalty_type: Some(penalty_type),
                penalty_value: Some(amount(value)),
                return_window_hours: Some(hours),
            })
        }),
        rental: spec.rental.map(|(daily, late, deposit)| {
            Some(RentalInput {
                daily_rate: Some(amount(daily)),
                late_fee_per_day: Some(amount(late)),
                deposit: Some(amount(deposit)),
                available: Some(true),
            })
        }),
        ..ProductRequest::default()
    };
    marketplace.create_product(seller, request, Vec::new()).await
}

/// The summary `souk seed --demo` prints: counts, credentials and a few requests to try.
pub fn render(report: &DemoReport, config: &Config) -> String {
    use std::fmt::Write;
    let mut out = String::new();
    if report.already_seeded() {
        out.push_str("Demo data already exists; nothing was duplicated.\n");
    } else {
        out.push_str("Demo data created.\n");
    }
    let _ = writeln!(
        out,
        "  categories: {} ({} new), products: {} ({} new), collections: {}, published reviews: {}",
        report.categories,
        report.categories_created,
        report.products,
        report.products_created,
        report.collections,
        report.reviews
    );
    if let Some(gateway) = report.gateway {
        let _ = writeln!(out, "  sandbox payment gateway (USD): {gateway}");
    }
    out.push_str("\nAccounts (sign in with the username or the e-mail):\n");
    for account in &report.accounts {
        let state = if account.created { "created" } else { "exists" };
        let password = match &account.password {
            Some(password) => password.clone(),
            None => format!("({})", account.password_note),
        };
        let _ = writeln!(
            out,
            "  {:<7} {:<14} {:<28} password: {password}  [{state}]",
            account.role.to_string(),
            account.username,
            account.email
        );
    }
    let ip =
        if config.bind.ip().is_unspecified() { "127.0.0.1".to_owned() } else { config.bind.ip().to_string() };
    let base = format!("http://{ip}:{}/api/v1", config.bind.port());
    let buyer = report.accounts.iter().find(|a| a.role == Role::Buyer);
    let buyer_login = buyer.map_or(DEMO_BUYER.to_owned(), |b| b.username.clone());
    let buyer_password = buyer.and_then(|b| b.password.clone()).unwrap_or_else(|| "<password>".into());
    let _ = write!(
        out,
        "\nTry it (start the server with `souk serve`):\n  \
         curl -s '{base}/products?collection=demo-featured'\n  \
         ACCESS_TOKEN=$(curl -s -X POST {base}/auth/login -H 'Content-Type: application/json' \\\n    \
         -d '{{\"username\": \"{buyer_login}\", \"password\": \"{buyer_password}\"}}' | jq -r .data.token)\n  \
         curl -s {base}/users/me -H \"Authorization: Bearer $ACCESS_TOKEN\"\n"
    );
    out
}
