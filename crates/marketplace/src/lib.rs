//! Souk's use cases: each opens one transaction, calls the domain rules, and commits all or
//! nothing. The HTTP server and the CLI call only this crate.

pub mod accounts;
pub mod adapters;
pub mod balances;
pub mod categories;
pub mod clock;
pub mod collections;
pub mod coupons;
pub mod customers;
pub mod deliveries;
pub mod disputes;
pub mod escrow;
pub mod external_orders;
pub mod files;
pub mod idempotency;
pub mod jobs;
pub mod landing_pages;
pub mod notifications;
pub mod order_metafields;
pub mod orders;
pub mod outbox;
pub mod payments;
pub mod payouts;
pub mod product_parts;
pub mod products;
pub mod profiles;
pub mod returns;
pub mod reviews;
pub mod shipping;
pub mod stores;
pub mod users;
pub mod webhooks;

use std::sync::Arc;

use souk_auth::{PasswordHasher, TokenKeys};
use souk_kernel::{Clock, SystemClock};
use souk_storage::Database;

pub use jobs::JobRun;

use crate::adapters::files::FileStore;
use crate::adapters::mail::Mailer;
use crate::adapters::payments::Providers;

/// The outside services a marketplace talks to.
#[derive(Debug, Clone)]
pub struct Services {
    /// Access-token signing keys.
    pub tokens: TokenKeys,
    /// Outgoing e-mail.
    pub mailer: Arc<dyn Mailer>,
    /// Uploaded files.
    pub files: Arc<dyn FileStore>,
    /// Payment providers.
    pub providers: Providers,
}

/// Settings the use cases need from configuration.
#[derive(Debug, Clone, Default)]
pub struct Settings {
    /// Sandbox mode: test clock and job-runner endpoints are available.
    pub sandbox: bool,
    /// Sellers' new products skip moderation (`admin_status` starts `approved`).
    pub auto_approve_products: bool,
    /// The platform's fee on escrow release, in basis points of the released amount.
    pub platform_fee_basis_points: i64,
    /// How long after delivery (or service) an order without a trial is released automatically.
    pub release_delay_hours: i64,
    /// The base URL buyers and providers reach Souk at (hosted sandbox checkout, callbacks).
    pub public_url: String,
    /// Hosts webhooks may reach even though they are private addresses.
    pub webhook_allowed_hosts: Vec<String>,
}

/// Everything a use case needs: the database, platform time and shared services.
#[derive(Debug, Clone)]
pub struct Marketplace {
    /// The connection pool.
    pub db: Database,
    /// Platform time (system clock plus the sandbox offset).
    pub clock: Arc<SystemClock>,
    /// Password hashing.
    pub hasher: PasswordHasher,
    /// Behaviour switches from configuration.
    pub settings: Settings,
    /// Access-token signing keys.
    pub tokens: TokenKeys,
    /// Outgoing e-mail.
    pub mailer: Arc<dyn Mailer>,
    /// Uploaded files.
    pub files: Arc<dyn FileStore>,
    /// Payment providers by name.
    pub providers: Providers,
    /// The HTTP client webhook deliveries go out through.
    pub webhook_client: reqwest::Client,
}

impl Marketplace {
    /// A marketplace over an open (migrated) database; loads the persisted sandbox clock offset.
    pub async fn open(
        db: Database,
        settings: Settings,
        services: Services,
    ) -> Result<Marketplace, souk_kernel::DomainError> {
        let marketplace = Marketplace {
            db,
            clock: Arc::new(SystemClock::default()),
            hasher: PasswordHasher::default(),
            settings,
            tokens: services.tokens,
            mailer: services.mailer,
            files: services.files,
            providers: services.providers,
            webhook_client: reqwest::Client::builder()
                .timeout(webhooks::SEND_TIMEOUT)
                .redirect(reqwest::redirect::Policy::none())
                .build()
                .map_err(souk_kernel::DomainError::unexpected)?,
        };
        marketplace.sync_clock().await?;
        Ok(marketplace)
    }

    /// The platform clock as a trait object for domain rules.
    pub fn clock(&self) -> &dyn Clock {
        self.clock.as_ref()
    }
}
