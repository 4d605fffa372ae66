//! Events and webhooks: event reads (admins all, sellers their objects'), subscriptions, and the
//! delivery job that sends each pending delivery at least once, signed with `Souk-Signature`,
//! retrying with exponential backoff for 24 hours.

use std::net::IpAddr;
use std::time::Duration as StdDuration;

use chrono::{Duration, Utc};
use souk_auth::permission::require;
use souk_escrow::signature;
use souk_kernel::{Actor, DomainError, FieldErrors, Page, PageRequest, Role};
use souk_storage::db_error;
use souk_storage::events::{Event, EventFilter, find_event, list_events};
use souk_storage::webhooks::{
    Claimed, Delivery, Webhook, claim_due, delete_webhook, find_delivery, find_webhook, insert_webhook,
    list_deliveries, list_webhooks, record_attempt, schedule_retry, update_webhook,
};
use uuid::Uuid;

use crate::Marketplace;

/// How long Souk keeps retrying a delivery.
pub const RETRY_FOR: Duration = Duration::hours(24);
/// How long a claimed delivery is reserved for its sender: longer than a whole batch can take
/// (`CLAIM_BATCH` x (`SEND_TIMEOUT` + `RESOLVE_TIMEOUT`)), so no other sender takes it meanwhile.
pub const CLAIM_LEASE: Duration = Duration::seconds(180);
/// Deliveries one sender claims at a time.
pub const CLAIM_BATCH: u64 = 5;
/// How long one attempt may take.
pub const SEND_TIMEOUT: StdDuration = StdDuration::from_secs(10);
/// How long resolving a receiver's host may take.
pub const RESOLVE_TIMEOUT: StdDuration = StdDuration::from_secs(5);

/// The wait before attempt `attempts + 1`: 30 s doubling each time, at most one hour.
pub fn backoff(attempts: i32) -> Duration {
    let exponent = u32::try_from(attempts.clamp(1, 8) - 1).unwrap_or(0);
    Duration::seconds((30_i64 << exponent).min(3600))
}

/// Whether an address is one a webhook may not reach unless allowed: loopback, private,
/// link-local, unspecified, multicast or documentation ranges.
pub fn is_private(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => {
            v4.is_loopback()
                || v4.is_private()
                || v4.is_link_local()
                || v4.is_unspecified()
                || v4.is_broadcast()
                || v4.is_multicast()
                || v4.is_documentation()
                || v4.octets()[0] == 0
                || v4.octets()[0] >= 240
                || v4.octets()[0] == 100 && (v4.octets()[1] & 0xC0) == 64
                || v4.octets()[0] == 198 && (v4.octets()[1] & 0xFE) == 18
                || v4.octets()[..3] == [192, 0, 0]
        }
        IpAddr::V6(v6) => {
            v6.is_loopback()
                || v6.is_unspecified()
                || v6.is_multicast()
                || (v6.segments()[0] & 0xfe00) == 0xfc00
                || (v6.segments()[0] & 0xffc0) == 0xfe80
                || (v6.segments()[0] & 0xffc0) == 0xfec0
                || v6.to_ipv4_mapped().is_some_and(|v4| is_private(IpAddr::V4(v4)))
                || (v6.segments()[..6] == [0x64, 0xff9b, 0, 0, 0, 0]
                    && is_private(IpAddr::V4(std::net::Ipv4Addr::new(
                        (v6.segments()[6] >> 8) as u8,
                        v6.segments()[6] as u8,
                        (v6.segments()[7] >> 8) as u8,
                        v6.segments()[7] as u8,
                    ))))
        }
    }
}

/// Refuses a webhook URL Souk will not call: not http(s), credentials in it, or a private
/// address (a literal, `localhost`, or what the host resolves to at send time) that is neither
/// in the allow list nor loopback in sandbox mode.
pub fn check_url(url: &str, sandbox: bool, allowed_hosts: &[String]) -> Result<reqwest::Url, String> {
    let parsed = reqwest::Url::parse(url).map_err(|e| format!("is not a URL: {e}"))?;
    if !matches!(parsed.scheme(), "http" | "https") {
        return Err("must be an http or https URL".into());
    }
    if !parsed.username().is_empty() || parsed.password().is_some() {
        return Err("must not carry credentials; receivers check the Souk-Signature header".into());
    }
    let host = parsed.host_str().ok_or("must name a host")?.trim_matches(['[', ']']).to_ascii_lowercase();
    if allowed_hosts.iter().any(|h| h.eq_ignore_ascii_case(&host)) {
        return Ok(parsed);
    }
    let literal = host.parse::<IpAddr>().ok();
    let loopback = host == "localhost" || literal.is_some_and(|ip| ip.is_loopback());
    if loopback && sandbox {
        return Ok(parsed);
    }
    if loopback || literal.is_some_and(is_private) {
        return Err(
            "points at a private address; add the host to SOUK_WEBHOOK_ALLOWED_HOSTS to allow it".into()
        );
    }
    Ok(parsed)
}

/// Checks subscription patterns: `*`, `<domain>.*` or an exact type, 1 to 50 of them.
fn check_patterns(events: &[String], errors: &mut FieldErrors) {
    if events.is_empty() || events.len() > 50 {
        errors.add("events", "must list 1 to 50 event types such as order.created or order.*");
    }
    for (i, pattern) in events.iter().enumerate() {
        let body = pattern.strip_suffix(".*").unwrap_or(pattern);
        let ok = pattern == "*"
            || (!body.is_empty()
                && body.len() <= 64
                && body.split('.').all(|part| {
                    !part.is_empty() && part.bytes().all(|b| b.is_ascii_lowercase() || b == b'_')
                }));
        if !ok {
            errors.add(
                format!("events[{i}]"),
                "must be *, a type such as order.accepted, or a wildcard such as order.*",
            );
        }
    }
}

/// A new subscription.
#[derive(Debug, Clone)]
pub struct WebhookInput {
    /// Where to post events.
    pub url: String,
    /// Type patterns.
    pub events: Vec<String>,
    /// The signing secret; generated when absent.
    pub secret: Option<String>,
    /// A note.
    pub description: Option<String>,
}

/// Changes to a subscription.
#[derive(Debug, Clone, Default)]
pub struct WebhookPatch {
    /// Where to post events.
    pub url: Option<String>,
    /// Type patterns.
    pub events: Option<Vec<String>>,
    /// `active` or `disabled`.
    pub status: Option<String>,
    /// A note (`Some(None)` clears).
    pub description: Option<Option<String>>,
}

/// Who may hold webhooks and see events: admins, sellers, and integrations owned by them.
fn subscriber(actor: &Actor, action: &str) -> Result<(Uuid, Role), DomainError> {
    let user = actor.user_id().ok_or(DomainError::Unauthenticated)?;
    let role = actor.role().ok_or(DomainError::Unauthenticated)?;
    if role == Role::Buyer {
        return Err(DomainError::Forbidden(
            "webhooks and events are for admins, sellers and their integrations".into(),
        ));
    }
    require(actor, "webhook", action)?;
    Ok((user.as_uuid(), role))
}

impl Marketplace {
    /// A page of events: everything for admins, a seller's own objects' events for sellers.
    pub async fn list_events(
        &self,
        actor: &Actor,
        mut filter: EventFilter,
        page: PageRequest,
    ) -> Result<Page<Event>, DomainError> {
        let (me, role) = event_reader(actor)?;
        if role != Role::Admin {
            filter.seller_id = Some(me);
        }
        list_events(&self.db.conn, &filter, page).await
    }

    /// One event the caller may see.
    pub async fn get_event(&self, actor: &Actor, id: Uuid) -> Result<Event, DomainError> {
        let (me, role) = event_reader(actor)?;
        find_event(&self.db.conn, id)
            .await?
            .filter(|e| souk_storage::events::visible_to(role, me, e.seller_id))
            .ok_or(DomainError::NotFound { resource: "event" })
    }

    /// Subscribes to events; the secret is generated when absent and shown only in this answer.
    pub async fn create_webhook(&self, actor: &Actor, input: WebhookInput) -> Result<Webhook, DomainError> {
        let (owner, role) = subscriber(actor, "create")?;
        let mut errors = FieldErrors::new();
        if let Err(message) =
            check_url(input.url.trim(), self.settings.sandbox, &self.settings.webhook_allowed_hosts)
        {
            errors.add("url", message);
        }
        if input.url.len() > 2000 {
            errors.add("url", "must be at most 2000 characters");
        }
        check_patterns(&input.events, &mut errors);
        if input.secret.as_ref().is_some_and(|s| s.len() < 16 || s.len() > 200) {
            errors.add("secret", "must be 16 to 200 characters");
        }
        let description = input.description.map(|d| d.trim().to_owned()).filter(|d| !d.is_empty());
        if description.as_ref().is_some_and(|d| d.chars().count() > 500) {
            errors.add("description", "must be at most 500 characters");
        }
        errors.into_result()?;
        let now = self.clock().now();
        let mut events = input.events;
        events.dedup();
        let webhook = Webhook {
            id: Uuid::now_v7(),
            owner_id: owner,
            owner_role: role,
            url: input.url.trim().to_owned(),
            events,
            secret: input.secret.unwrap_or_else(|| format!("whsec_{}", souk_auth::secret::random_secret(24))),
            status: "active".into(),
            description,
            created_at: now,
            updated_at: now,
        };
        let tx = self.db.begin_write().await.map_err(db_error)?;
        insert_webhook(&tx, &webhook).await?;
        tx.commit().await.map_err(db_error)?;
        Ok(webhook)
    }

    /// Subscriptions: a user's own, or all for admins.
    pub async fn list_webhooks(
        &self,
        actor: &Actor,
        page: PageRequest,
    ) -> Result<Page<Webhook>, DomainError> {
        let (me, role) = subscriber(actor, "view")?;
        list_webhooks(&self.db.conn, (role != Role::Admin).then_some(me), page).await
    }

    /// One subscription of the caller (admins: any).
    pub async fn get_webhook(&self, actor: &Actor, id: Uuid) -> Result<Webhook, DomainError> {
        let (me, role) = subscriber(actor, "view")?;
        find_webhook(&self.db.conn, id)
            .await?
            .filter(|w| role == Role::Admin || w.owner_id == me)
            .ok_or(DomainError::NotFound { resource: "webhook" })
    }

    /// Changes a subscription.
    pub async fn update_webhook(
        &self,
        actor: &Actor,
        id: Uuid,
        patch: WebhookPatch,
    ) -> Result<Webhook, DomainError> {
        let (me, role) = subscriber(actor, "update")?;
        let tx = self.db.begin_write().await.map_err(db_error)?;
        let mut webhook = find_webhook(&tx, id)
            .await?
            .filter(|w| role == Role::Admin || w.owner_id == me)
            .ok_or(DomainError::NotFound { resource: "webhook" })?;
        let mut errors = FieldErrors::new();
        if let Some(url) = patch.url {
            if let Err(message) =
                check_url(url.trim(), self.settings.sandbox, &self.settings.webhook_allowed_hosts)
            {
                errors.add("url", message);
            }
            webhook.url = url.trim().to_owned();
        }
        if let Some(events) = patch.events {
            check_patterns(&events, &mut errors);
            webhook.events = events;
        }
        if let Some(status) = patch.status {
            if !matches!(status.as_str(), "active" | "disabled") {
                errors.add("status", "must be active or disabled");
            }
            webhook.status = status;
        }
        if let Some(description) = patch.description {
            webhook.description = description.map(|d| d.trim().to_owned()).filter(|d| !d.is_empty());
        }
        errors.into_result()?;
        webhook.updated_at = self.clock().now();
        update_webhook(&tx, &webhook).await?;
        tx.commit().await.map_err(db_error)?;
        Ok(webhook)
    }

    /// Removes a subscription and its delivery log.
    pub async fn delete_webhook(&self, actor: &Actor, id: Uuid) -> Result<(), DomainError> {
        let (me, role) = subscriber(actor, "delete")?;
        let tx = self.db.begin_write().await.map_err(db_error)?;
        find_webhook(&tx, id)
            .await?
            .filter(|w| role == Role::Admin || w.owner_id == me)
            .ok_or(DomainError::NotFound { resource: "webhook" })?;
        delete_webhook(&tx, id).await?;
        tx.commit().await.map_err(db_error)
    }

    /// A subscription's delivery log.
    pub async fn webhook_deliveries(
        &self,
        actor: &Actor,
        id: Uuid,
        page: PageRequest,
    ) -> Result<Page<Delivery>, DomainError> {
        self.get_webhook(actor, id).await?;
        list_deliveries(&self.db.conn, id, page).await
    }

    /// Schedules a delivery again now; the job loop (or `POST /sandbox/jobs/run`) sends it.
    pub async fn retry_delivery(
        &self,
        actor: &Actor,
        id: Uuid,
        delivery_id: Uuid,
    ) -> Result<Delivery, DomainError> {
        self.get_webhook(actor, id).await?;
        let tx = self.db.begin_write().await.map_err(db_error)?;
        find_delivery(&tx, delivery_id)
            .await?
            .filter(|d| d.webhook_id == id)
            .ok_or(DomainError::NotFound { resource: "webhook delivery" })?;
        schedule_retry(&tx, delivery_id, self.clock().now()).await?;
        let delivery = find_delivery(&tx, delivery_id)
            .await?
            .ok_or(DomainError::NotFound { resource: "webhook delivery" })?;
        tx.commit().await.map_err(db_error)?;
        Ok(delivery)
    }

    /// Sends due deliveries in batches until none is due; returns how many attempts it made.
    pub async fn deliver_webhooks(&self) -> Result<u64, DomainError> {
        let mut attempts = 0;
        loop {
            let now = self.clock().now();
            let tx = self.db.begin_write().await.map_err(db_error)?;
            let batch = claim_due(&tx, now, now + CLAIM_LEASE, CLAIM_BATCH).await?;
            tx.commit().await.map_err(db_error)?;
            if batch.is_empty() {
                return Ok(attempts);
            }
            for claimed in batch {
                self.send(claimed).await?;
                attempts += 1;
            }
        }
    }

    async fn send(&self, claimed: Claimed) -> Result<(), DomainError> {
        let Claimed { delivery, webhook, event } = claimed;
        let body = serde_json::to_vec(&event_body(&event)).map_err(DomainError::unexpected)?;
        let outcome = if webhook.status == "active" {
            self.post_signed(&webhook, &delivery, &body).await
        } else {
            let tx = self.db.begin_write().await.map_err(db_error)?;
            let now = self.clock().now();
            let error = Some("the webhook is disabled".to_owned());
            record_attempt(&tx, delivery.id, delivery.next_attempt_at, "failed", None, error, now, now)
                .await?;
            return tx.commit().await.map_err(db_error);
        };
        let now = self.clock().now();
        let (status, code, error, next) = match outcome {
            Ok(code) if (200..300).contains(&code) => ("succeeded", Some(code), None, now),
            failure => {
                let (code, error) = match failure {
                    Ok(code) => (Some(code), Some(format!("the receiver answered {code}"))),
                    Err(message) => (None, Some(message)),
                };
                let next = now + backoff(delivery.attempts);
                let status = if next > delivery.created_at + RETRY_FOR { "failed" } else { "pending" };
                (status, code, error, next)
            }
        };
        let tx = self.db.begin_write().await.map_err(db_error)?;
        record_attempt(&tx, delivery.id, delivery.next_attempt_at, status, code, error, next, now).await?;
        tx.commit().await.map_err(db_error)
    }

    async fn post_signed(&self, webhook: &Webhook, delivery: &Delivery, body: &[u8]) -> Result<i32, String> {
        let url = check_url(&webhook.url, self.settings.sandbox, &self.settings.webhook_allowed_hosts)?;
        let host = url.host_str().unwrap_or_default().trim_matches(['[', ']']).to_owned();
        let allowed = self.settings.webhook_allowed_hosts.iter().any(|h| h.eq_ignore_ascii_case(&host));
        let mut client = self.webhook_client.clone();
        if !allowed && host.parse::<IpAddr>().is_err() && host != "localhost" {
            let port = url.port_or_known_default().unwrap_or(443);
            let addresses: Vec<std::net::SocketAddr> =
                tokio::time::timeout(RESOLVE_TIMEOUT, tokio::net::lookup_host((host.as_str(), port)))
                    .await
                    .map_err(|_| "the host did not resolve in time".to_owned())?
                    .map_err(|e| format!("the host does not resolve: {e}"))?
                    .collect();
            if addresses.is_empty() || addresses.iter().any(|a| is_private(a.ip())) {
                return Err("the host resolves to a private address".into());
            }
            // Connect to the address just checked, not to whatever a second lookup answers.
            client = reqwest::Client::builder()
                .timeout(SEND_TIMEOUT)
                .redirect(reqwest::redirect::Policy::none())
                .resolve_to_addrs(&host, &addresses)
                .build()
                .map_err(|e| format!("the receiver's client could not be built: {e}"))?;
        }
        let header = signature::sign(webhook.secret.as_bytes(), Utc::now().timestamp(), body);
        let response = client
            .post(url)
            .header("content-type", "application/json")
            .header("souk-signature", header)
            .header("souk-event-id", delivery.event_id.to_string())
            .header("souk-delivery-id", delivery.id.to_string())
            .body(body.to_vec())
            .send()
            .await
            .map_err(|e| format!("the receiver could not be reached: {e}"))?;
        Ok(i32::from(response.status().as_u16()))
    }
}

fn event_reader(actor: &Actor) -> Result<(Uuid, Role), DomainError> {
    let user = actor.user_id().ok_or(DomainError::Unauthenticated)?;
    let role = actor.role().ok_or(DomainError::Unauthenticated)?;
    if role == Role::Buyer {
        return Err(DomainError::Forbidden("events are for admins, sellers and their integrations".into()));
    }
    require(actor, "event", "view")?;
    Ok((user.as_uuid(), role))
}

/// The JSON body a webhook receives: the event as `GET /events/{id}` shows it.
pub fn event_body(event: &Event) -> serde_json::Value {
    serde_json::json!({
        "id": event.id,
        "type": event.kind,
        "object_type": event.object_type,
        "object_id": event.object_id,
        "data": event.data,
        "created_at": event.created_at,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_from_thirty_seconds_up_to_an_hour() {
        assert_eq!(backoff(1), Duration::seconds(30));
        assert_eq!(backoff(2), Duration::seconds(60));
        assert_eq!(backoff(5), Duration::seconds(480));
        assert_eq!(backoff(8), Duration::seconds(3600));
        assert_eq!(backoff(30), Duration::seconds(3600));
    }

    #[test]
    fn private_and_odd_urls_are_refused_unless_allowed() {
        let none: &[String] = &[];
        assert!(check_url("https://hooks.example.com/souk", false, none).is_ok());
        assert!(check_url("ftp://hooks.example.com", false, none).is_err());
        assert!(check_url("https://user:pw@hooks.example.com", false, none).is_err());
        for private in [
            "http://127.0.0.1:9000/h",
            "http://localhost/h",
            "http://10.0.0.5/h",
            "http://192.168.1.2/h",
            "http://169.254.169.254/latest",
            "http://[::1]/h",
            "http://[fd00::1]/h",
            "http://100.64.0.1/h",
        ] {
            assert!(check_url(private, false, none).is_err(), "{private}");
        }
        assert!(check_url("http://127.0.0.1:9000/h", true, none).is_ok(), "loopback in sandbox mode");
        assert!(check_url("http://10.0.0.5/h", true, none).is_err(), "only loopback in sandbox mode");
        assert!(check_url("http://10.0.0.5/h", false, &["10.0.0.5".to_owned()]).is_ok());
    }

    #[test]
    fn patterns_are_types_or_domain_wildcards() {
        let mut errors = FieldErrors::new();
        check_patterns(&["order.created".into(), "escrow.*".into(), "*".into()], &mut errors);
        assert!(errors.is_empty(), "{errors:?}");
        check_patterns(&["Order.Created".into(), "order..x".into(), "".into()], &mut errors);
        assert_eq!(errors.get("events[0]").map(|e| e.len()), Some(1));
        let mut empty = FieldErrors::new();
        check_patterns(&[], &mut empty);
        assert!(empty.get("events").is_some());
    }
}
