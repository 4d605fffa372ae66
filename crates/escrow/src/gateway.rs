//! Payment gateways: a provider account the platform collects money through, with limits on
//! what one transaction may be, public settings and write-only secrets.

use chrono::{DateTime, Utc};
use souk_kernel::{Currency, DomainError, Money};
use uuid::Uuid;

souk_kernel::wire_enum!(
    /// Which provider a gateway talks to.
    Provider {
        /// Souk's built-in sandbox: a hosted checkout page with Pay and Fail buttons.
        Sandbox = "sandbox",
        /// Chapa (chapa.co).
        Chapa = "chapa",
    }
);

souk_kernel::wire_enum!(
    /// Whether buyers may pay through a gateway.
    GatewayStatus { Active = "active", Inactive = "inactive" }
);

impl Provider {
    /// The secrets a gateway of this provider keeps (never shown after they are set).
    pub fn secret_names(&self) -> &'static [&'static str] {
        match self {
            Provider::Sandbox => &["webhook_secret"],
            Provider::Chapa => &["secret_key", "webhook_secret"],
        }
    }

    /// The secrets a gateway of this provider cannot work without (`webhook_secret` of the
    /// sandbox is generated when absent).
    pub fn required_secrets(&self) -> &'static [&'static str] {
        match self {
            Provider::Sandbox => &[],
            Provider::Chapa => &["secret_key"],
        }
    }
}

/// A payment gateway.
#[derive(Debug, Clone, PartialEq)]
pub struct Gateway {
    /// Id.
    pub id: Uuid,
    /// Name shown to admins and buyers.
    pub title: String,
    /// The provider.
    pub provider: Provider,
    /// Test mode at the provider.
    pub sandbox: bool,
    /// Whether it takes payments.
    pub status: GatewayStatus,
    /// The one currency it collects.
    pub currency: Currency,
    /// Smallest transaction, in minor units.
    pub min_amount: Option<i64>,
    /// Largest transaction, in minor units.
    pub max_amount: Option<i64>,
    /// Public settings (`base_url` for chapa, ...).
    pub settings: serde_json::Map<String, serde_json::Value>,
    /// Secrets by name; never serialised to clients.
    pub secrets: serde_json::Map<String, serde_json::Value>,
    /// Creation time.
    pub created_at: DateTime<Utc>,
    /// Last change.
    pub updated_at: DateTime<Utc>,
}

impl Gateway {
    /// A secret's value, if set.
    pub fn secret(&self, name: &str) -> Option<&str> {
        self.secrets.get(name).and_then(|v| v.as_str())
    }

    /// A public setting's text value, if set.
    pub fn setting(&self, name: &str) -> Option<&str> {
        self.settings.get(name).and_then(|v| v.as_str())
    }

    /// The names of the secrets that are set, for clients (values stay hidden).
    pub fn secrets_set(&self) -> Vec<String> {
        self.secrets.keys().cloned().collect()
    }

    /// Refuses an amount the gateway does not take: wrong currency or outside its limits.
    pub fn check_amount(&self, amount: Money) -> Result<(), DomainError> {
        if amount.currency() != self.currency {
            return Err(DomainError::invalid(
                "gateway_id",
                format!("the gateway collects {}, the order is in {}", self.currency, amount.currency()),
            ));
        }
        let show = |minor: i64| Money::from_minor(minor, self.currency).amount_string();
        if let Some(min) = self.min_amount.filter(|min| amount.minor() < *min) {
            return Err(DomainError::invalid(
                "order_id",
                format!("{} is below the gateway's minimum of {}", amount.amount_string(), show(min)),
            ));
        }
        if let Some(max) = self.max_amount.filter(|max| amount.minor() > *max) {
            return Err(DomainError::invalid(
                "order_id",
                format!("{} is above the gateway's maximum of {}", amount.amount_string(), show(max)),
            ));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn amounts_outside_the_limits_or_currency_are_refused() {
        let usd = Currency::from_code("USD").unwrap();
        let gateway = Gateway {
            id: Uuid::now_v7(),
            title: "Sandbox".into(),
            provider: Provider::Sandbox,
            sandbox: true,
            status: GatewayStatus::Active,
            currency: usd,
            min_amount: Some(100),
            max_amount: Some(10_000),
            settings: Default::default(),
            secrets: Default::default(),
            created_at: Utc::now(),
            updated_at: Utc::now(),
        };
        assert!(gateway.check_amount(Money::from_minor(100, usd)).is_ok());
        assert!(gateway.check_amount(Money::from_minor(10_000, usd)).is_ok());
        assert!(gateway.check_amount(Money::from_minor(99, usd)).is_err());
        assert!(gateway.check_amount(Money::from_minor(10_001, usd)).is_err());
        let eur = Currency::from_code("EUR").unwrap();
        assert!(gateway.check_amount(Money::from_minor(500, eur)).is_err());
    }
}
