//! OAuth clients: integrations that act as their owner, narrowed to scopes. The secret is shown
//! once and stored as a digest.

use chrono::{DateTime, Utc};
use souk_kernel::{Actor, DomainError, FieldErrors, Role, UserId};
use uuid::Uuid;

use crate::permission::check_scopes;
use crate::secret::{digest, digests_equal, random_secret};

/// A registered client.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OAuthClient {
    /// Row id (used in the API's paths).
    pub id: Uuid,
    /// The public client id (`souk_...`).
    pub client_id: String,
    /// Digest of the secret.
    pub secret_hash: String,
    /// A label.
    pub name: String,
    /// The user it acts as.
    pub owner: UserId,
    /// The owner's role when the client was made.
    pub owner_role: Role,
    /// Granted scopes.
    pub scopes: Vec<String>,
    /// Set when revoked; its tokens stop working at once.
    pub revoked_at: Option<DateTime<Utc>>,
    /// Creation time.
    pub created_at: DateTime<Utc>,
}

fn secret_digest(client_id: &str, secret: &str) -> String {
    digest(&format!("client:{client_id}"), secret)
}

impl OAuthClient {
    /// True when `secret` is this client's secret.
    pub fn secret_matches(&self, secret: &str) -> bool {
        digests_equal(&secret_digest(&self.client_id, secret), &self.secret_hash)
    }

    /// True unless revoked.
    pub fn is_active(&self) -> bool {
        self.revoked_at.is_none()
    }

    /// Who the client's requests act as.
    pub fn actor(&self) -> Actor {
        Actor::Client {
            client_id: self.client_id.clone(),
            owner: self.owner,
            role: self.owner_role,
            scopes: self.scopes.clone(),
        }
    }
}

/// Creates a client for an admin or seller; returns it with its one-time plain secret.
pub fn new_client(
    actor: &Actor,
    name: &str,
    scopes: &[String],
    now: DateTime<Utc>,
) -> Result<(OAuthClient, String), DomainError> {
    let (owner, role) = match actor {
        Actor::User { id, role: role @ (Role::Admin | Role::Seller) } => (*id, *role),
        Actor::Anonymous => return Err(DomainError::Unauthenticated),
        _ => {
            return Err(DomainError::Forbidden(
                "only admins and sellers (signed in) may create clients".into(),
            ));
        }
    };
    let name = name.trim();
    let mut errors = FieldErrors::new();
    if name.is_empty() || name.chars().count() > 100 {
        errors.add("name", "must be 1 to 100 characters");
    }
    let granted = match check_scopes(scopes, role) {
        Ok(granted) => granted,
        Err(DomainError::Validation(scope_errors)) => {
            errors.extend(scope_errors);
            Vec::new()
        }
        Err(other) => return Err(other),
    };
    errors.into_result()?;
    let client_id = format!("souk_{}", random_secret(12));
    let secret = random_secret(32);
    let client = OAuthClient {
        id: Uuid::now_v7(),
        secret_hash: secret_digest(&client_id, &secret),
        client_id,
        name: name.to_owned(),
        owner,
        owner_role: role,
        scopes: granted,
        revoked_at: None,
        created_at: now,
    };
    Ok((client, secret))
}

/// Scopes a token request may ask for: a subset of the client's, or all of them when absent.
pub fn token_scopes(client: &OAuthClient, requested: Option<&str>) -> Result<Vec<String>, DomainError> {
    let Some(requested) = requested.map(str::trim).filter(|r| !r.is_empty()) else {
        return Ok(client.scopes.clone());
    };
    let mut granted = Vec::new();
    for scope in requested.split_whitespace() {
        if !client.scopes.iter().any(|own| own == scope) {
            return Err(DomainError::invalid("scope", format!("{scope:?} is not granted to this client")));
        }
        granted.push(scope.to_owned());
    }
    Ok(granted)
}

/// The owner or an admin may see a client; anyone else gets `NotFound`.
pub fn view_client(actor: &Actor, client: Option<OAuthClient>) -> Result<OAuthClient, DomainError> {
    let Some(user) = actor.user_id() else { return Err(DomainError::Unauthenticated) };
    match client {
        Some(client) if actor.is_admin() || client.owner == user => Ok(client),
        _ => Err(DomainError::NotFound { resource: "client" }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn seller() -> Actor {
        Actor::User { id: UserId::new(), role: Role::Seller }
    }

    #[test]
    fn clients_get_a_one_time_secret_and_checked_scopes() {
        let (client, secret) =
            new_client(&seller(), "ERP sync", &["product:view".into()], Utc::now()).unwrap();
        assert!(client.client_id.starts_with("souk_"));
        assert!(client.secret_matches(&secret));
        assert!(!client.secret_matches("guess"));
        assert!(!client.secret_hash.contains(&secret));
        assert!(matches!(client.actor(), Actor::Client { role: Role::Seller, .. }));
    }

    #[test]
    fn buyers_and_bad_input_are_refused() {
        let buyer = Actor::User { id: UserId::new(), role: Role::Buyer };
        assert!(matches!(
            new_client(&buyer, "x", &["product:view".into()], Utc::now()),
            Err(DomainError::Forbidden(_))
        ));
        let Err(DomainError::Validation(errors)) =
            new_client(&seller(), " ", &["dispute:resolve".into()], Utc::now())
        else {
            panic!("validation expected")
        };
        assert!(errors.get("name").is_some() && errors.get("scopes").is_some());
    }

    #[test]
    fn token_scopes_narrow_but_never_widen() {
        let scopes = vec!["product:view".to_owned(), "order:view".to_owned()];
        let (client, _) = new_client(&seller(), "x", &scopes, Utc::now()).unwrap();
        assert_eq!(token_scopes(&client, None).unwrap(), scopes);
        assert_eq!(token_scopes(&client, Some("order:view")).unwrap(), ["order:view"]);
        assert!(token_scopes(&client, Some("product:create")).is_err());
    }
}
