//! Argon2id password hashing (OWASP parameters) and the password policy.

use argon2::password_hash::rand_core::OsRng;
use argon2::password_hash::{PasswordHash, PasswordHasher as _, PasswordVerifier as _, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};
use souk_kernel::FieldErrors;

/// Shortest accepted password.
pub const MIN_PASSWORD_LEN: usize = 8;
/// Longest accepted password (bounds hashing cost).
pub const MAX_PASSWORD_LEN: usize = 128;

/// Hashes and verifies passwords with argon2id, m=19 MiB, t=2, p=1 (the OWASP recommendation).
#[derive(Debug, Clone)]
pub struct PasswordHasher {
    argon2: Argon2<'static>,
}

impl Default for PasswordHasher {
    fn default() -> Self {
        let params = Params::new(19 * 1024, 2, 1, None).expect("static argon2 parameters are valid");
        Self { argon2: Argon2::new(Algorithm::Argon2id, Version::V0x13, params) }
    }
}

impl PasswordHasher {
    /// A PHC string (`$argon2id$v=19$...`) with a fresh random salt.
    pub fn hash(&self, password: &str) -> String {
        let salt = SaltString::generate(&mut OsRng);
        self.argon2
            .hash_password(password.as_bytes(), &salt)
            .expect("argon2 hashing with valid parameters cannot fail")
            .to_string()
    }

    /// True when `password` matches `phc`; a malformed stored hash never matches.
    pub fn verify(&self, password: &str, phc: &str) -> bool {
        PasswordHash::new(phc)
            .is_ok_and(|hash| self.argon2.verify_password(password.as_bytes(), &hash).is_ok())
    }
}

/// Checks the password policy: length 8..=128 characters, not equal to the e-mail or username.
pub fn check_password_policy(password: &str, email: &str, username: &str) -> FieldErrors {
    let mut errors = FieldErrors::new();
    let length = password.chars().count();
    if !(MIN_PASSWORD_LEN..=MAX_PASSWORD_LEN).contains(&length) {
        errors
            .add("password", format!("must be between {MIN_PASSWORD_LEN} and {MAX_PASSWORD_LEN} characters"));
    }
    let lowered = password.to_lowercase();
    if lowered == email.to_lowercase() || lowered == username.to_lowercase() {
        errors.add("password", "must not be the same as the e-mail or username");
    }
    errors
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hashes_verify_and_are_salted() {
        let hasher = PasswordHasher::default();
        let a = hasher.hash("correct horse");
        let b = hasher.hash("correct horse");
        assert!(a.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"));
        assert_ne!(a, b);
        assert!(hasher.verify("correct horse", &a));
        assert!(!hasher.verify("wrong horse", &a));
        assert!(!hasher.verify("correct horse", "not a hash"));
    }

    #[test]
    fn policy_checks_length_and_identity() {
        assert!(check_password_policy("s3cure-enough", "a@b.co", "amina").is_empty());
        assert_eq!(
            check_password_policy("short", "a@b.co", "amina").get("password").unwrap(),
            ["must be between 8 and 128 characters"]
        );
        assert!(!check_password_policy(&"x".repeat(129), "a@b.co", "amina").is_empty());
        assert!(!check_password_policy("Amina@Example.com", "amina@example.com", "amina").is_empty());
        assert!(!check_password_policy("amina-the-seller", "a@b.co", "AMINA-THE-SELLER").is_empty());
    }
}
