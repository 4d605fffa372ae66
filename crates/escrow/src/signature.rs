//! The `Souk-Signature` scheme: `t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<body>")>`.
//! Souk signs outgoing webhooks with it, and the sandbox gateway signs its payment callbacks
//! with it; receivers refuse signatures older than the tolerance (5 minutes) or from the future.

use hmac::{Hmac, Mac};
use sha2::Sha256;

/// How old a signature may be before it is refused, in seconds.
pub const TOLERANCE_SECONDS: i64 = 300;

/// Why a signature was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SignatureError {
    /// The header is missing or not `t=...,v1=...`.
    #[error("the signature header is missing or malformed")]
    Malformed,
    /// The timestamp is outside the tolerance.
    #[error("the signature is too old or from the future")]
    Stale,
    /// No `v1` matches the body.
    #[error("the signature does not match the body")]
    Mismatch,
}

fn mac(secret: &[u8], timestamp: i64, body: &[u8]) -> Hmac<Sha256> {
    let mut mac = Hmac::<Sha256>::new_from_slice(secret).expect("HMAC takes keys of any length");
    mac.update(timestamp.to_string().as_bytes());
    mac.update(b".");
    mac.update(body);
    mac
}

/// The header value for `body` signed at `timestamp` (Unix seconds).
pub fn sign(secret: &[u8], timestamp: i64, body: &[u8]) -> String {
    let digest = mac(secret, timestamp, body).finalize().into_bytes();
    format!("t={timestamp},v1={}", hex::encode(digest))
}

/// Checks a header against `body` at wall-clock `now` (Unix seconds); any of several `v1`
/// values may match, so a sender can rotate secrets. The comparison takes constant time.
pub fn verify(header: &str, secret: &[u8], body: &[u8], now: i64) -> Result<(), SignatureError> {
    let mut timestamp = None;
    let mut candidates = Vec::new();
    for part in header.split(',') {
        match part.trim().split_once('=') {
            Some(("t", t)) => timestamp = Some(t.parse::<i64>().map_err(|_| SignatureError::Malformed)?),
            Some(("v1", v)) => candidates.push(hex::decode(v).map_err(|_| SignatureError::Malformed)?),
            _ => {}
        }
    }
    let timestamp = timestamp.ok_or(SignatureError::Malformed)?;
    if candidates.is_empty() {
        return Err(SignatureError::Malformed);
    }
    if now.abs_diff(timestamp) > TOLERANCE_SECONDS.unsigned_abs() {
        return Err(SignatureError::Stale);
    }
    let expected = mac(secret, timestamp, body);
    if candidates.iter().any(|c| expected.clone().verify_slice(c).is_ok()) {
        Ok(())
    } else {
        Err(SignatureError::Mismatch)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_signature_verifies_within_the_tolerance_only() {
        let header = sign(b"whsec", 1_000_000, b"{\"a\":1}");
        assert!(header.starts_with("t=1000000,v1="));
        assert_eq!(verify(&header, b"whsec", b"{\"a\":1}", 1_000_000), Ok(()));
        assert_eq!(verify(&header, b"whsec", b"{\"a\":1}", 1_000_300), Ok(()));
        assert_eq!(verify(&header, b"whsec", b"{\"a\":1}", 1_000_301), Err(SignatureError::Stale));
        assert_eq!(verify(&header, b"whsec", b"{\"a\":1}", 999_699), Err(SignatureError::Stale));
    }

    #[test]
    fn forged_or_malformed_signatures_are_refused() {
        let header = sign(b"whsec", 10, b"body");
        assert_eq!(verify(&header, b"other", b"body", 10), Err(SignatureError::Mismatch));
        assert_eq!(verify(&header, b"whsec", b"bodx", 10), Err(SignatureError::Mismatch));
        let extreme = format!("t={},v1=00", i64::MIN);
        assert_eq!(verify(&extreme, b"whsec", b"body", 10), Err(SignatureError::Stale), "no overflow");
        for bad in ["", "t=10", "v1=00", "t=x,v1=00", "t=10,v1=zz"] {
            assert_eq!(verify(bad, b"whsec", b"body", 10), Err(SignatureError::Malformed), "{bad}");
        }
        let rotated =
            format!("{},v1={}", sign(b"old", 10, b"body"), &header[header.find("v1=").unwrap() + 3..]);
        assert_eq!(verify(&rotated, b"whsec", b"body", 10), Ok(()));
    }
}
