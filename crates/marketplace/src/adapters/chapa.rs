//! Chapa (chapa.co) behind [`PaymentProvider`]: initialize a hosted checkout, verify a
//! transaction by `tx_ref`, authenticate webhooks by their HMAC-SHA256 signature, and send
//! transfers for payouts. The API base URL is the gateway's `settings.base_url` (default
//! `https://api.chapa.co`), so tests run against a local stub server.

use std::time::Duration;

use async_trait::async_trait;
use hmac::{Hmac, Mac};
use serde::Deserialize;
use sha2::Sha256;
use souk_escrow::gateway::Gateway;
use souk_kernel::{DomainError, Money};

use super::payments::{Callback, Charge, ChargeRequest, PaymentProvider, Verified};

/// Chapa's production API.
pub const DEFAULT_BASE_URL: &str = "https://api.chapa.co";

/// The Chapa client.
#[derive(Debug, Clone)]
pub struct ChapaProvider {
    http: reqwest::Client,
}

impl Default for ChapaProvider {
    fn default() -> Self {
        let http = reqwest::Client::builder()
            .timeout(Duration::from_secs(15))
            .build()
            .expect("a TLS-capable HTTP client builds");
        Self { http }
    }
}

#[derive(Debug, Deserialize)]
struct Envelope<T> {
    status: String,
    #[serde(default)]
    message: serde_json::Value,
    data: Option<T>,
}

#[derive(Debug, Deserialize)]
struct HostedLink {
    checkout_url: String,
}

#[derive(Debug, Deserialize)]
struct Transaction {
    status: Option<String>,
    amount: Option<serde_json::Value>,
    currency: Option<String>,
    reference: Option<String>,
    method: Option<String>,
}

#[derive(Debug, Deserialize)]
struct WebhookBody {
    tx_ref: String,
    status: Option<String>,
    amount: Option<serde_json::Value>,
    currency: Option<String>,
}

fn unavailable(what: &str, detail: impl std::fmt::Display) -> DomainError {
    tracing::warn!(%detail, "chapa {what} failed");
    DomainError::Unavailable(format!("the payment provider could not {what}; try again shortly"))
}

fn amount_text(value: &serde_json::Value) -> Option<String> {
    match value {
        serde_json::Value::String(s) => Some(s.clone()),
        serde_json::Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

impl ChapaProvider {
    fn base(gateway: &Gateway) -> String {
        gateway.setting("base_url").unwrap_or(DEFAULT_BASE_URL).trim_end_matches('/').to_owned()
    }

    fn key(gateway: &Gateway) -> Result<&str, DomainError> {
        gateway
            .secret("secret_key")
            .ok_or_else(|| DomainError::unexpected("a chapa gateway has no secret_key"))
    }

    async fn call<T: for<'de> Deserialize<'de>>(
        &self,
        what: &str,
        request: reqwest::RequestBuilder,
    ) -> Result<T, DomainError> {
        let response = request.send().await.map_err(|e| unavailable(what, e))?;
        let status = response.status();
        let body: Envelope<T> = response.json().await.map_err(|e| unavailable(what, e))?;
        if !status.is_success() || body.status != "success" {
            return Err(unavailable(what, format!("{status}: {}", body.message)));
        }
        body.data.ok_or_else(|| unavailable(what, "the answer has no data"))
    }
}

#[async_trait]
impl PaymentProvider for ChapaProvider {
    async fn initialize(&self, gateway: &Gateway, request: &ChargeRequest) -> Result<Charge, DomainError> {
        let (first_name, last_name) = request.name.split_once(' ').unwrap_or((request.name.as_str(), ""));
        let body = serde_json::json!({
            "amount": request.amount.amount_string(),
            "currency": request.amount.currency().code(),
            "email": request.email,
            "first_name": first_name,
            "last_name": last_name,
            "tx_ref": request.tx_ref,
            "callback_url": request.callback_url,
            "return_url": request.return_url,
        });
        let url = format!("{}/v1/transaction/initialize", Self::base(gateway));
        let link: HostedLink = self
            .call("start the payment", self.http.post(url).bearer_auth(Self::key(gateway)?).json(&body))
            .await?;
        Ok(Charge { checkout_url: link.checkout_url, provider_reference: None })
    }

    fn read_callback(
        &self,
        gateway: &Gateway,
        headers: &[(String, String)],
        body: &[u8],
        _now: i64,
    ) -> Result<Callback, DomainError> {
        let secret = gateway
            .secret("webhook_secret")
            .ok_or_else(|| DomainError::unexpected("a chapa gateway has no webhook secret"))?;
        let signed = headers
            .iter()
            .filter(|(name, _)| name == "x-chapa-signature" || name == "chapa-signature")
            .any(|(_, value)| {
                let Ok(given) = hex::decode(value.trim()) else { return false };
                let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).expect("HMAC takes any key");
                mac.update(body);
                mac.verify_slice(&given).is_ok()
            });
        if !signed {
            return Err(DomainError::Refused {
                code: "UNAUTHENTICATED",
                message: "the callback carries no valid Chapa signature".into(),
            });
        }
        let parsed: WebhookBody = serde_json::from_slice(body)
            .map_err(|e| DomainError::invalid("body", format!("is not a Chapa event: {e}")))?;
        Ok(Callback {
            tx_ref: parsed.tx_ref,
            success: parsed.status.as_deref() == Some("success"),
            amount: parsed.amount.as_ref().and_then(amount_text),
            currency: parsed.currency,
        })
    }

    async fn verify(&self, gateway: &Gateway, callback: &Callback) -> Result<Verified, DomainError> {
        let url = format!("{}/v1/transaction/verify/{}", Self::base(gateway), callback.tx_ref);
        let tx: Transaction =
            self.call("verify the payment", self.http.get(url).bearer_auth(Self::key(gateway)?)).await?;
        let success = match tx.status.as_deref() {
            Some("success") => true,
            Some("failed" | "cancelled" | "canceled") => false,
            other => {
                return Err(DomainError::Unavailable(format!(
                    "the payment provider reports the transaction as {}; the callback changes nothing yet",
                    other.unwrap_or("unknown")
                )));
            }
        };
        Ok(Verified {
            success,
            amount: tx.amount.as_ref().and_then(amount_text),
            currency: tx.currency,
            provider_reference: tx.reference,
            method: tx.method,
            card_brand: None,
            card_last4: None,
        })
    }

    async fn payout(
        &self,
        gateway: &Gateway,
        external_account_id: &str,
        amount: Money,
        reference: &str,
    ) -> Result<String, DomainError> {
        let (bank_code, account_number) =
            external_account_id.split_once(':').unwrap_or(("", external_account_id));
        let body = serde_json::json!({
            "account_number": account_number,
            "bank_code": bank_code,
            "amount": amount.amount_string(),
            "currency": amount.currency().code(),
            "reference": reference,
        });
        let url = format!("{}/v1/transfers", Self::base(gateway));
        let _: serde_json::Value = self
            .call("send the payout", self.http.post(url).bearer_auth(Self::key(gateway)?).json(&body))
            .await?;
        Ok(reference.to_owned())
    }
}
