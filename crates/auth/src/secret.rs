//! High-entropy secrets (refresh tokens, client secrets, OTP codes) and their stored digests.

use rand::Rng;
use sha2::{Digest, Sha256};

/// A random URL-safe secret of `bytes` bytes of entropy, hex-encoded.
pub fn random_secret(bytes: usize) -> String {
    let mut buffer = vec![0u8; bytes];
    rand::thread_rng().fill(buffer.as_mut_slice());
    hex::encode(buffer)
}

/// The stored form of a secret: hex SHA-256 of a context label and the secret. Secrets here are
/// random with at least 128 bits of entropy (or rate-limited, for OTPs), so a fast digest is safe
/// and keeps per-request checks cheap; passwords use argon2id instead.
pub fn digest(context: &str, secret: &str) -> String {
    let mut hasher = Sha256::new();
    hasher.update(context.as_bytes());
    hasher.update(b":");
    hasher.update(secret.as_bytes());
    hex::encode(hasher.finalize())
}

/// Compares two digests in constant time.
pub fn digests_equal(a: &str, b: &str) -> bool {
    a.len() == b.len() && a.bytes().zip(b.bytes()).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_are_random_and_digests_stable() {
        let a = random_secret(32);
        assert_eq!(a.len(), 64);
        assert_ne!(a, random_secret(32));
        assert_eq!(digest("refresh", &a), digest("refresh", &a));
        assert_ne!(digest("refresh", &a), digest("client", &a), "contexts separate digests");
        assert!(digests_equal(&digest("x", "1"), &digest("x", "1")));
        assert!(!digests_equal(&digest("x", "1"), &digest("x", "2")));
        assert!(!digests_equal("ab", "abc"));
    }
}
