//! Payouts: a seller's accounts at payment providers, and the money moved from its available
//! balance to one of them.

use std::net::IpAddr;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use souk_kernel::{Currency, FieldErrors, UserId};
use uuid::Uuid;

/// The longest `external_account_id`.
pub const MAX_EXTERNAL_ACCOUNT_ID: usize = 200;
/// The largest `properties` object, in bytes of JSON.
pub const MAX_PROPERTIES_BYTES: usize = 10_000;
/// The longest `tos_acceptance.user_agent`.
pub const MAX_USER_AGENT: usize = 500;

/// When and from where the seller accepted the provider's terms of service.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TosAcceptance {
    /// When.
    pub date: DateTime<Utc>,
    /// From which IP address (v4 or v6).
    pub ip: String,
    /// With which browser or client.
    pub user_agent: Option<String>,
}

/// A seller's payout account at a provider, reached through one of the platform's gateways.
#[derive(Debug, Clone, PartialEq)]
pub struct PaymentAccount {
    /// Id.
    pub id: Uuid,
    /// The seller it pays.
    pub user_id: UserId,
    /// The gateway payouts go through.
    pub gateway_id: Uuid,
    /// The account at the provider (for Chapa `bank_code:account_number`).
    pub external_account_id: String,
    /// Free-form details (bank name, holder name, ...).
    pub properties: serde_json::Map<String, serde_json::Value>,
    /// The terms-of-service acceptance, if recorded.
    pub tos_acceptance: Option<TosAcceptance>,
    /// Creation time.
    pub created_at: DateTime<Utc>,
    /// Last change.
    pub updated_at: DateTime<Utc>,
}

impl PaymentAccount {
    /// Trims the texts and records what is wrong with the account's fields.
    pub fn check(&mut self, errors: &mut FieldErrors) {
        self.external_account_id = self.external_account_id.trim().to_owned();
        let length = self.external_account_id.chars().count();
        if length == 0 || length > MAX_EXTERNAL_ACCOUNT_ID {
            errors.add("external_account_id", format!("must be 1 to {MAX_EXTERNAL_ACCOUNT_ID} characters"));
        }
        if serde_json::Value::Object(self.properties.clone()).to_string().len() > MAX_PROPERTIES_BYTES {
            errors.add("properties", format!("must be at most {MAX_PROPERTIES_BYTES} bytes of JSON"));
        }
        if let Some(tos) = &mut self.tos_acceptance {
            tos.ip = tos.ip.trim().to_owned();
            if tos.ip.parse::<IpAddr>().is_err() {
                errors.add("tos_acceptance.ip", "must be an IPv4 or IPv6 address");
            }
            tos.user_agent = tos.user_agent.take().map(|a| a.trim().to_owned()).filter(|a| !a.is_empty());
            if tos.user_agent.as_ref().is_some_and(|a| a.chars().count() > MAX_USER_AGENT) {
                errors
                    .add("tos_acceptance.user_agent", format!("must be at most {MAX_USER_AGENT} characters"));
            }
        }
    }
}

souk_kernel::wire_enum!(
    /// Where a payout stands. Souk records a payout only once the provider accepted it, so every
    /// stored payout is `paid`.
    PayoutStatus {
        /// The provider accepted the transfer.
        Paid = "paid",
    }
);

/// Money moved from a seller's available balance to its account at a provider.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Payout {
    /// Id; the ledger transfer's key is `payout:{id}` and the provider sees it as the reference.
    pub id: Uuid,
    /// The seller paid.
    pub seller_id: UserId,
    /// The account paid to (kept after the account is deleted).
    pub payment_account_id: Option<Uuid>,
    /// Currency.
    pub currency: Currency,
    /// Amount in minor units.
    pub amount: i64,
    /// Status.
    pub status: PayoutStatus,
    /// The provider's reference for the transfer.
    pub provider_reference: Option<String>,
    /// When.
    pub created_at: DateTime<Utc>,
}

impl Payout {
    /// The key of the ledger transfer that moved its money.
    pub fn transfer_key(&self) -> String {
        transfer_key(self.id)
    }
}

/// The ledger transfer key of payout `id`.
pub fn transfer_key(id: Uuid) -> String {
    format!("payout:{id}")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn account() -> PaymentAccount {
        PaymentAccount {
            id: Uuid::now_v7(),
            user_id: UserId::new(),
            gateway_id: Uuid::now_v7(),
            external_account_id: "  044:0123456789 ".into(),
            properties: serde_json::Map::new(),
            tos_acceptance: Some(TosAcceptance {
                date: Utc::now(),
                ip: " 2001:db8::1 ".into(),
                user_agent: Some("  ".into()),
            }),
            created_at: Utc::now(),
            updated_at: Utc::now(),
        }
    }

    #[test]
    fn a_valid_account_is_trimmed() {
        let mut a = account();
        let mut errors = FieldErrors::new();
        a.check(&mut errors);
        assert!(errors.is_empty(), "{errors:?}");
        assert_eq!(a.external_account_id, "044:0123456789");
        let tos = a.tos_acceptance.unwrap();
        assert_eq!(tos.ip, "2001:db8::1");
        assert_eq!(tos.user_agent, None);
    }

    #[test]
    fn bad_fields_are_named() {
        let mut a = account();
        a.external_account_id = " ".into();
        a.properties.insert("blob".into(), "x".repeat(MAX_PROPERTIES_BYTES).into());
        a.tos_acceptance.as_mut().unwrap().ip = "localhost".into();
        a.tos_acceptance.as_mut().unwrap().user_agent = Some("a".repeat(MAX_USER_AGENT + 1));
        let mut errors = FieldErrors::new();
        a.check(&mut errors);
        for field in ["external_account_id", "properties", "tos_acceptance.ip", "tos_acceptance.user_agent"] {
            assert!(errors.get(field).is_some(), "{field}: {errors:?}");
        }
    }

    #[test]
    fn a_payout_transfer_key_names_the_payout() {
        let id = Uuid::now_v7();
        assert_eq!(transfer_key(id), format!("payout:{id}"));
    }
}
