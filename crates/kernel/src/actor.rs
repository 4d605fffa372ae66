//! Who is acting: the subject behind a request, its role and, for integrations, its scopes.

use serde::{Deserialize, Serialize};

use crate::UserId;

/// The three kinds of account; a role decides the default permission set.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    /// Runs the platform: sees and moderates everything.
    Admin,
    /// Lists products and fulfils orders.
    Seller,
    /// Buys products.
    Buyer,
}

impl Role {
    /// Every role, in a stable order for documentation and validation messages.
    pub const ALL: [Role; 3] = [Role::Admin, Role::Seller, Role::Buyer];

    /// The wire name of the role.
    pub fn as_str(&self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::Seller => "seller",
            Role::Buyer => "buyer",
        }
    }
}

impl std::fmt::Display for Role {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl std::str::FromStr for Role {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Role::ALL
            .into_iter()
            .find(|role| role.as_str() == s)
            .ok_or_else(|| format!("must be one of: {}", Role::ALL.map(|r| r.as_str()).join(", ")))
    }
}

/// The caller of a use case, resolved once per request from its credentials.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Actor {
    /// No credentials were presented.
    Anonymous,
    /// A signed-in user acting with the full rights of its role.
    User {
        /// The account.
        id: UserId,
        /// The account's role when the token was issued.
        role: Role,
    },
    /// An OAuth client acting as its owner, narrowed to its scopes.
    Client {
        /// The public client id.
        client_id: String,
        /// The user that owns the client.
        owner: UserId,
        /// The owner's role.
        role: Role,
        /// Granted `subject:action` scopes.
        scopes: Vec<String>,
    },
}

impl Actor {
    /// The acting account, if any (for a client: its owner).
    pub fn user_id(&self) -> Option<UserId> {
        match self {
            Actor::Anonymous => None,
            Actor::User { id, .. } => Some(*id),
            Actor::Client { owner, .. } => Some(*owner),
        }
    }

    /// The role the actor acts with, if authenticated.
    pub fn role(&self) -> Option<Role> {
        match self {
            Actor::Anonymous => None,
            Actor::User { role, .. } | Actor::Client { role, .. } => Some(*role),
        }
    }

    /// True for an admin user or a client owned by an admin.
    pub fn is_admin(&self) -> bool {
        self.role() == Some(Role::Admin)
    }

    /// A stable key for per-caller bookkeeping (rate limits, idempotency keys).
    pub fn caller_key(&self) -> Option<String> {
        match self {
            Actor::Anonymous => None,
            Actor::User { id, .. } => Some(format!("user:{id}")),
            Actor::Client { client_id, .. } => Some(format!("client:{client_id}")),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roles_parse_and_print() {
        for role in Role::ALL {
            assert_eq!(role.as_str().parse::<Role>().unwrap(), role);
        }
        let err = "root".parse::<Role>().unwrap_err();
        assert_eq!(err, "must be one of: admin, seller, buyer");
    }

    #[test]
    fn caller_keys_distinguish_users_and_clients() {
        let id = UserId::new();
        let user = Actor::User { id, role: Role::Seller };
        let client = Actor::Client { client_id: "abc".into(), owner: id, role: Role::Seller, scopes: vec![] };
        assert_eq!(user.caller_key(), Some(format!("user:{id}")));
        assert_eq!(client.caller_key(), Some("client:abc".into()));
        assert_eq!(client.user_id(), Some(id));
        assert_eq!(Actor::Anonymous.caller_key(), None);
        assert!(!user.is_admin());
    }
}
