//! `Idempotency-Key` on `POST`: the first response is stored per caller and key for 24 hours and
//! replayed for retries with the same body.

use chrono::{DateTime, Duration, Utc};
use souk_kernel::DomainError;
use souk_storage::db_error;
use souk_storage::idempotency::{self, Claim, IdempotencyRecord, KeyRequest};

use crate::Marketplace;
use crate::jobs::IDEMPOTENCY_RETENTION;

/// A request still unfinished after this long is presumed lost (process crash) and its key freed.
pub const IN_FLIGHT_TIMEOUT: Duration = Duration::minutes(5);

/// Longest accepted key.
pub const MAX_KEY_LEN: usize = 255;

/// What to do with a request that carries an idempotency key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KeyDecision {
    /// First use of the key: handle the request, then store its response.
    Proceed,
    /// A finished request with the same body: send its response again.
    Replay {
        /// The stored status code.
        status: u16,
        /// The stored content type.
        content_type: Option<String>,
        /// The stored body.
        body: Vec<u8>,
    },
    /// The same key is being handled right now.
    InFlight,
    /// The key was used for a different request.
    Mismatch,
}

/// How a taken key relates to a new request.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Verdict {
    Decided(KeyDecision),
    TakeOver,
}

fn judge(record: &IdempotencyRecord, request_hash: &str, now: DateTime<Utc>) -> Verdict {
    let age = now - record.created_at;
    if age >= IDEMPOTENCY_RETENTION {
        return Verdict::TakeOver;
    }
    if record.request_hash != request_hash {
        return Verdict::Decided(KeyDecision::Mismatch);
    }
    match (record.response_status, &record.response_body) {
        (Some(status), Some(body)) => Verdict::Decided(KeyDecision::Replay {
            status: u16::try_from(status).unwrap_or(500),
            content_type: record.response_content_type.clone(),
            body: body.clone(),
        }),
        _ if age >= IN_FLIGHT_TIMEOUT => Verdict::TakeOver,
        _ => Verdict::Decided(KeyDecision::InFlight),
    }
}

/// Checks the key a client sent: 1 to 255 visible ASCII characters.
pub fn check_key(key: &str) -> Result<(), DomainError> {
    if key.is_empty() || key.len() > MAX_KEY_LEN || !key.bytes().all(|b| b.is_ascii_graphic()) {
        return Err(DomainError::invalid(
            "Idempotency-Key",
            format!("must be 1 to {MAX_KEY_LEN} visible ASCII characters"),
        ));
    }
    Ok(())
}

impl Marketplace {
    /// Claims the key for this request or says how to answer it instead.
    pub async fn claim_idempotency_key(&self, request: KeyRequest<'_>) -> Result<KeyDecision, DomainError> {
        check_key(request.key)?;
        for _ in 0..2 {
            let now = Utc::now();
            match idempotency::claim(&self.db.conn, request, now).await.map_err(db_error)? {
                Claim::Claimed => return Ok(KeyDecision::Proceed),
                Claim::Taken(record) => match judge(&record, request.request_hash, now) {
                    Verdict::Decided(decision) => return Ok(decision),
                    Verdict::TakeOver => {
                        idempotency::remove_record(&self.db.conn, &record).await.map_err(db_error)?;
                    }
                },
            }
        }
        Ok(KeyDecision::InFlight)
    }

    /// Stores the finished response for replay.
    pub async fn store_idempotent_response(
        &self,
        caller: &str,
        key: &str,
        status: u16,
        content_type: Option<String>,
        body: Vec<u8>,
    ) -> Result<(), DomainError> {
        idempotency::complete(&self.db.conn, caller, key, status, content_type, body, Utc::now())
            .await
            .map_err(db_error)
    }

    /// Frees the key of a request that failed unexpectedly, so a retry can run.
    pub async fn release_idempotency_key(&self, caller: &str, key: &str) -> Result<(), DomainError> {
        idempotency::abandon(&self.db.conn, caller, key).await.map_err(db_error)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(hash: &str, age: Duration, finished: bool) -> IdempotencyRecord {
        IdempotencyRecord {
            caller: "user:1".into(),
            key: "k".into(),
            request_hash: hash.into(),
            method: "POST".into(),
            path: "/api/v1/x".into(),
            response_status: finished.then_some(201),
            response_content_type: finished.then(|| "application/json".into()),
            response_body: finished.then(|| b"{}".to_vec()),
            created_at: Utc::now() - age,
            completed_at: None,
        }
    }

    #[test]
    fn finished_requests_replay_with_the_same_body() {
        let verdict = judge(&record("h", Duration::minutes(1), true), "h", Utc::now());
        let Verdict::Decided(KeyDecision::Replay { status, body, .. }) = verdict else {
            panic!("{verdict:?}")
        };
        assert_eq!((status, body), (201, b"{}".to_vec()));
    }

    #[test]
    fn a_different_body_is_a_mismatch_even_in_flight() {
        for finished in [true, false] {
            let verdict = judge(&record("h", Duration::seconds(1), finished), "other", Utc::now());
            assert_eq!(verdict, Verdict::Decided(KeyDecision::Mismatch));
        }
    }

    #[test]
    fn unfinished_requests_are_in_flight_until_presumed_lost() {
        let now = Utc::now();
        assert_eq!(
            judge(&record("h", Duration::seconds(3), false), "h", now),
            Verdict::Decided(KeyDecision::InFlight)
        );
        assert_eq!(judge(&record("h", Duration::minutes(6), false), "h", now), Verdict::TakeOver);
    }

    #[test]
    fn keys_expire_after_a_day() {
        let now = Utc::now();
        assert_eq!(judge(&record("h", Duration::hours(25), true), "other", now), Verdict::TakeOver);
    }

    #[test]
    fn keys_must_be_visible_ascii() {
        assert!(check_key("order-2026-11-22-0001").is_ok());
        assert!(check_key("").is_err());
        assert!(check_key("has space").is_err());
        assert!(check_key(&"k".repeat(256)).is_err());
        assert!(check_key("ключ").is_err());
    }
}
