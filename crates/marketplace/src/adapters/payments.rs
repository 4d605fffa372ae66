//! Payment providers behind one trait: start a charge, authenticate and read a provider's
//! callback, verify a transaction with the provider, and pay a seller out. The built-in sandbox
//! provider needs no network; Chapa talks to its HTTP API.

use std::fmt::Debug;
use std::sync::Arc;

use async_trait::async_trait;
use souk_escrow::gateway::{Gateway, Provider};
use souk_escrow::signature;
use souk_kernel::{DomainError, Money};

/// What a provider needs to start a charge.
#[derive(Debug, Clone)]
pub struct ChargeRequest {
    /// Souk's reference for the attempt.
    pub tx_ref: String,
    /// What to collect.
    pub amount: Money,
    /// The buyer's e-mail.
    pub email: String,
    /// The buyer's name.
    pub name: String,
    /// Where the provider sends its callback.
    pub callback_url: String,
    /// Where the provider sends the buyer afterwards.
    pub return_url: String,
    /// Souk's public base URL (the sandbox's hosted checkout page lives there).
    pub public_url: String,
}

/// A started charge.
#[derive(Debug, Clone)]
pub struct Charge {
    /// Where the buyer pays.
    pub checkout_url: String,
    /// The provider's reference, when it gives one at once.
    pub provider_reference: Option<String>,
}

/// An authenticated callback: which attempt it is about and what it claims.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Callback {
    /// Souk's reference of the attempt.
    pub tx_ref: String,
    /// The callback says the charge succeeded.
    pub success: bool,
    /// The amount it names, as sent.
    pub amount: Option<String>,
    /// The currency it names.
    pub currency: Option<String>,
}

/// What the provider confirms about a transaction; the only facts the use case acts on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verified {
    /// The charge succeeded.
    pub success: bool,
    /// The amount collected, as a decimal string.
    pub amount: Option<String>,
    /// Its currency.
    pub currency: Option<String>,
    /// The provider's own reference.
    pub provider_reference: Option<String>,
    /// How the buyer paid.
    pub method: Option<String>,
    /// Card brand, when known.
    pub card_brand: Option<String>,
    /// Last four card digits, when known.
    pub card_last4: Option<String>,
}

/// One payment provider.
#[async_trait]
pub trait PaymentProvider: Debug + Send + Sync {
    /// Starts a charge and returns where the buyer pays.
    async fn initialize(&self, gateway: &Gateway, request: &ChargeRequest) -> Result<Charge, DomainError>;

    /// Authenticates a callback (its signature, at wall-clock `now` in Unix seconds) and reads
    /// it; `headers` have lower-case names. A forged or stale callback is `401`.
    fn read_callback(
        &self,
        gateway: &Gateway,
        headers: &[(String, String)],
        body: &[u8],
        now: i64,
    ) -> Result<Callback, DomainError>;

    /// Asks the provider what really happened to the transaction.
    async fn verify(&self, gateway: &Gateway, callback: &Callback) -> Result<Verified, DomainError>;

    /// Sends `amount` to a seller's account at the provider; returns the provider's reference.
    async fn payout(
        &self,
        gateway: &Gateway,
        external_account_id: &str,
        amount: Money,
        reference: &str,
    ) -> Result<String, DomainError>;
}

/// The providers Souk knows, by name.
#[derive(Debug, Clone)]
pub struct Providers {
    /// The built-in sandbox.
    pub sandbox: Arc<dyn PaymentProvider>,
    /// Chapa.
    pub chapa: Arc<dyn PaymentProvider>,
}

impl Providers {
    /// The sandbox and the Chapa client.
    pub fn builtin() -> Providers {
        Providers {
            sandbox: Arc::new(SandboxProvider),
            chapa: Arc::new(super::chapa::ChapaProvider::default()),
        }
    }

    /// The provider behind a gateway.
    pub fn of(&self, gateway: &Gateway) -> &dyn PaymentProvider {
        match gateway.provider {
            Provider::Sandbox => self.sandbox.as_ref(),
            Provider::Chapa => self.chapa.as_ref(),
        }
    }
}

/// The header sandbox callbacks (and Souk's own webhooks) carry their signature in.
pub const SIGNATURE_HEADER: &str = "souk-signature";

/// Souk's sandbox: the hosted checkout page at `/api/v1/sandbox/checkout/{tx_ref}` sends a
/// callback signed with the gateway's `webhook_secret`. The signed callback is the sandbox's own
/// record of the charge, so verification re-reads it; the use case still checks the amount and
/// currency against the payment.
#[derive(Debug, Default)]
pub struct SandboxProvider;

/// The JSON body of a sandbox callback.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct SandboxCallback {
    /// `charge.success` or `charge.failed`.
    pub event: String,
    /// Souk's reference.
    pub tx_ref: String,
    /// `success` or `failed`.
    pub status: String,
    /// The amount, as a decimal string.
    pub amount: String,
    /// The currency.
    pub currency: String,
}

fn unsigned(message: impl Into<String>) -> DomainError {
    DomainError::Refused { code: "UNAUTHENTICATED", message: message.into() }
}

#[async_trait]
impl PaymentProvider for SandboxProvider {
    async fn initialize(&self, _gateway: &Gateway, request: &ChargeRequest) -> Result<Charge, DomainError> {
        Ok(Charge {
            checkout_url: format!("{}/api/v1/sandbox/checkout/{}", request.public_url, request.tx_ref),
            provider_reference: Some(format!("sandbox-{}", request.tx_ref)),
        })
    }

    fn read_callback(
        &self,
        gateway: &Gateway,
        headers: &[(String, String)],
        body: &[u8],
        now: i64,
    ) -> Result<Callback, DomainError> {
        let secret = gateway
            .secret("webhook_secret")
            .ok_or_else(|| DomainError::unexpected("a sandbox gateway has no webhook secret"))?;
        let header = headers
            .iter()
            .find(|(name, _)| name == SIGNATURE_HEADER)
            .map(|(_, value)| value.as_str())
            .ok_or_else(|| unsigned("the callback carries no Souk-Signature header"))?;
        signature::verify(header, secret.as_bytes(), body, now).map_err(|e| unsigned(e.to_string()))?;
        let parsed: SandboxCallback = serde_json::from_slice(body)
            .map_err(|e| DomainError::invalid("body", format!("is not a sandbox charge event: {e}")))?;
        let success = match (parsed.event.as_str(), parsed.status.as_str()) {
            ("charge.success", "success") => true,
            ("charge.failed", "failed") => false,
            _ => {
                return Err(DomainError::invalid(
                    "event",
                    "must be charge.success with status success, or charge.failed with status failed",
                ));
            }
        };
        Ok(Callback {
            tx_ref: parsed.tx_ref,
            success,
            amount: Some(parsed.amount),
            currency: Some(parsed.currency),
        })
    }

    async fn verify(&self, _gateway: &Gateway, callback: &Callback) -> Result<Verified, DomainError> {
        Ok(Verified {
            success: callback.success,
            amount: callback.amount.clone(),
            currency: callback.currency.clone(),
            provider_reference: Some(format!("sandbox-{}", callback.tx_ref)),
            method: Some("sandbox".into()),
            card_brand: None,
            card_last4: None,
        })
    }

    async fn payout(
        &self,
        _gateway: &Gateway,
        _external_account_id: &str,
        _amount: Money,
        reference: &str,
    ) -> Result<String, DomainError> {
        Ok(format!("sandbox-payout-{reference}"))
    }
}
