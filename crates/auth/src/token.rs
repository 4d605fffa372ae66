//! Signed access tokens (JWT, HS256). Only the configured algorithm is accepted, so `alg: none`
//! and algorithm-confusion tokens are refused.

use chrono::{DateTime, Duration, Utc};
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation, decode, encode};
use serde::{Deserialize, Serialize};
use souk_kernel::{Actor, Role, UserId};
use uuid::Uuid;

/// How long an access token lives unless configured otherwise.
pub const ACCESS_TOKEN_TTL: Duration = Duration::minutes(15);

/// The claims of a Souk access token.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccessClaims {
    /// The user id.
    pub sub: String,
    /// The user's role.
    pub role: Role,
    /// Space-separated `subject:action` scopes; empty means the full rights of the role.
    #[serde(default)]
    pub scope: String,
    /// Expiry, Unix seconds.
    pub exp: i64,
    /// Issue time, Unix seconds.
    pub iat: i64,
    /// Unique token id, for revocation.
    pub jti: String,
    /// The OAuth client the token was issued to, when it acts for an integration.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub client_id: Option<String>,
}

impl AccessClaims {
    /// Claims for a user acting with its role, valid for `ttl` from `now`.
    pub fn for_user(user: UserId, role: Role, now: DateTime<Utc>, ttl: Duration) -> Self {
        Self {
            sub: user.to_string(),
            role,
            scope: String::new(),
            exp: (now + ttl).timestamp(),
            iat: now.timestamp(),
            jti: Uuid::now_v7().to_string(),
            client_id: None,
        }
    }

    /// The actor these claims authenticate.
    pub fn actor(&self) -> Result<Actor, TokenError> {
        let id: UserId = self.sub.parse().map_err(|_| TokenError::Invalid)?;
        Ok(match &self.client_id {
            None => Actor::User { id, role: self.role },
            Some(client_id) => Actor::Client {
                client_id: client_id.clone(),
                owner: id,
                role: self.role,
                scopes: self.scope.split_whitespace().map(str::to_owned).collect(),
            },
        })
    }
}

/// Why a token was refused; every kind answers the same `401` to the client.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TokenError {
    /// The token has expired.
    #[error("token expired")]
    Expired,
    /// Bad signature, algorithm, format or claims.
    #[error("token invalid")]
    Invalid,
}

/// Signing and verification keys for access tokens.
#[derive(Clone)]
pub struct TokenKeys {
    encoding: EncodingKey,
    decoding: DecodingKey,
    validation: Validation,
}

impl std::fmt::Debug for TokenKeys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TokenKeys").field("algorithm", &"HS256").finish_non_exhaustive()
    }
}

impl TokenKeys {
    /// HS256 keys from a shared secret.
    pub fn hs256(secret: &[u8]) -> Self {
        let mut validation = Validation::new(Algorithm::HS256);
        validation.leeway = 0;
        validation.set_required_spec_claims(&["exp", "sub", "iat"]);
        Self {
            encoding: EncodingKey::from_secret(secret),
            decoding: DecodingKey::from_secret(secret),
            validation,
        }
    }

    /// Signs claims into a compact JWT.
    pub fn sign(&self, claims: &AccessClaims) -> String {
        encode(&Header::new(Algorithm::HS256), claims, &self.encoding)
            .expect("HS256 signing of serializable claims cannot fail")
    }

    /// Verifies signature, algorithm and expiry, returning the claims.
    pub fn verify(&self, token: &str) -> Result<AccessClaims, TokenError> {
        decode::<AccessClaims>(token, &self.decoding, &self.validation).map(|data| data.claims).map_err(|e| {
            match e.kind() {
                jsonwebtoken::errors::ErrorKind::ExpiredSignature => TokenError::Expired,
                _ => TokenError::Invalid,
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn keys() -> TokenKeys {
        TokenKeys::hs256(b"a-test-secret-of-enough-length-123456")
    }

    fn claims(ttl: Duration) -> AccessClaims {
        AccessClaims::for_user(UserId::new(), Role::Seller, Utc::now(), ttl)
    }

    #[test]
    fn signed_tokens_verify_into_actors() {
        let claims = claims(ACCESS_TOKEN_TTL);
        let verified = keys().verify(&keys().sign(&claims)).unwrap();
        assert_eq!(verified, claims);
        assert!(matches!(verified.actor().unwrap(), Actor::User { role: Role::Seller, .. }));
    }

    #[test]
    fn expired_tokens_are_refused() {
        let token = keys().sign(&claims(Duration::minutes(-1)));
        assert_eq!(keys().verify(&token), Err(TokenError::Expired));
    }

    #[test]
    fn other_secrets_and_unsigned_tokens_are_refused() {
        let token = keys().sign(&claims(ACCESS_TOKEN_TTL));
        assert_eq!(TokenKeys::hs256(b"another-secret").verify(&token), Err(TokenError::Invalid));
        let payload = token.split('.').nth(1).unwrap();
        let unsigned = format!("eyJhbGciOiJub25lIiwidHlwIjoiSldUIn0.{payload}.");
        assert_eq!(keys().verify(&unsigned), Err(TokenError::Invalid));
        assert_eq!(keys().verify("garbage"), Err(TokenError::Invalid));
    }

    #[test]
    fn other_algorithms_are_refused_even_with_the_right_secret() {
        let secret = b"a-test-secret-of-enough-length-123456";
        for algorithm in [Algorithm::HS384, Algorithm::HS512] {
            let token =
                encode(&Header::new(algorithm), &claims(ACCESS_TOKEN_TTL), &EncodingKey::from_secret(secret))
                    .unwrap();
            assert_eq!(keys().verify(&token), Err(TokenError::Invalid), "{algorithm:?}");
        }
    }

    #[test]
    fn client_tokens_carry_scopes() {
        let mut claims = claims(ACCESS_TOKEN_TTL);
        claims.client_id = Some("cl_1".into());
        claims.scope = "product:view order:view".into();
        let Actor::Client { scopes, client_id, .. } = claims.actor().unwrap() else {
            panic!("client expected")
        };
        assert_eq!(client_id, "cl_1");
        assert_eq!(scopes, ["product:view", "order:view"]);
    }
}
