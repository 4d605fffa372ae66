//! The permission catalogue (`subject:action`), what each role may do, and how an OAuth client's
//! scopes narrow its owner's rights.

use souk_kernel::{Actor, DomainError, FieldErrors, Role};

/// Every subject and its actions: the seeds' list plus Souk's own subjects.
pub const CATALOGUE: &[(&str, &[&str])] = &[
    ("product", &["view", "create", "update", "delete"]),
    ("order", &["view", "create", "update", "delete", "export"]),
    ("customer", &["view", "create", "update", "delete"]),
    ("review", &["view", "create", "update", "delete"]),
    ("landing_page", &["view", "create", "update", "delete", "publish"]),
    ("shipping", &["view", "create", "update", "delete"]),
    ("setting", &["view", "update"]),
    ("payment_method", &["view", "update"]),
    ("analytic", &["view"]),
    ("domain", &["view", "create", "update", "delete"]),
    ("bundle", &["view", "create", "update", "delete"]),
    ("policy", &["view", "create", "update", "delete"]),
    ("plan", &["switch"]),
    ("invoice", &["view", "pay"]),
    ("file", &["browse", "upload", "delete"]),
    ("app", &["install", "uninstall", "boot"]),
    ("user", &["view", "update", "delete"]),
    ("payment", &["view", "create", "refund"]),
    ("escrow", &["view", "release", "refund"]),
    ("payout", &["view", "create"]),
    ("dispute", &["view", "create", "resolve"]),
    ("webhook", &["view", "create", "update", "delete"]),
    ("event", &["view"]),
    ("store", &["view", "create", "update", "delete"]),
    ("category", &["view", "create", "update", "delete"]),
    ("collection", &["view", "create", "update", "delete"]),
    ("coupon", &["view", "create", "update", "delete", "redeem"]),
    ("return", &["view", "create", "confirm"]),
];

/// What a seller may do (on its own objects; object-level checks still apply).
const SELLER: &[&str] = &[
    "product:*",
    "order:view",
    "order:create",
    "order:update",
    "order:export",
    "customer:view",
    "customer:create",
    "customer:update",
    "review:view",
    "review:update",
    "landing_page:*",
    "shipping:*",
    "setting:*",
    "payment_method:*",
    "analytic:*",
    "domain:*",
    "bundle:*",
    "policy:*",
    "plan:*",
    "invoice:*",
    "file:*",
    "app:*",
    "user:view",
    "user:update",
    "user:delete",
    "payment:view",
    "payment:refund",
    "escrow:view",
    "payout:*",
    "dispute:view",
    "dispute:create",
    "webhook:*",
    "event:view",
    "store:*",
    "category:view",
    "collection:*",
    "coupon:*",
    "return:view",
    "return:confirm",
];

/// What a buyer may do (on its own objects).
const BUYER: &[&str] = &[
    "product:view",
    "order:view",
    "order:create",
    "order:update",
    "order:export",
    "review:view",
    "review:create",
    "review:update",
    "review:delete",
    "landing_page:view",
    "shipping:view",
    "file:browse",
    "file:upload",
    "file:delete",
    "user:view",
    "user:update",
    "user:delete",
    "payment:view",
    "payment:create",
    "dispute:view",
    "dispute:create",
    "category:view",
    "collection:view",
    "coupon:redeem",
    "return:view",
    "return:create",
];

/// True when `subject:action` is in the catalogue.
pub fn is_known(subject: &str, action: &str) -> bool {
    CATALOGUE.iter().any(|(s, actions)| *s == subject && actions.contains(&action))
}

fn pattern_matches(pattern: &str, subject: &str, action: &str) -> bool {
    match pattern.split_once(':') {
        Some((s, "*")) => s == subject,
        Some((s, a)) => s == subject && a == action,
        None => false,
    }
}

/// Whether a role's permission set includes `subject:action` (the documented role table).
pub fn role_allows(role: Role, subject: &str, action: &str) -> bool {
    match role {
        Role::Admin => is_known(subject, action),
        Role::Seller => SELLER.iter().any(|p| pattern_matches(p, subject, action)),
        Role::Buyer => BUYER.iter().any(|p| pattern_matches(p, subject, action)),
    }
}

/// Every `subject:action` a role holds, in catalogue order.
pub fn role_permissions(role: Role) -> Vec<String> {
    CATALOGUE
        .iter()
        .flat_map(|(subject, actions)| actions.iter().map(move |action| (*subject, *action)))
        .filter(|(subject, action)| role_allows(role, subject, action))
        .map(|(subject, action)| format!("{subject}:{action}"))
        .collect()
}

/// Checks that the actor may perform `subject:action`: anonymous callers are `Unauthenticated`;
/// a role without it, or a client whose scopes lack it, is `Forbidden`.
pub fn require(actor: &Actor, subject: &str, action: &str) -> Result<(), DomainError> {
    let Some(role) = actor.role() else { return Err(DomainError::Unauthenticated) };
    if !role_allows(role, subject, action) {
        return Err(DomainError::Forbidden(format!("the {role} role may not {action} {subject}")));
    }
    if let Actor::Client { scopes, .. } = actor
        && !scopes.iter().any(|scope| pattern_matches(scope, subject, action))
    {
        return Err(DomainError::Forbidden(format!("the client's scopes do not include {subject}:{action}")));
    }
    Ok(())
}

/// Admins only: `Unauthenticated` for anonymous callers, `Forbidden` for everyone else.
pub fn require_admin(actor: &Actor) -> Result<(), DomainError> {
    match actor {
        Actor::Anonymous => Err(DomainError::Unauthenticated),
        actor if actor.is_admin() => Ok(()),
        _ => Err(DomainError::Forbidden("only admins may do this".into())),
    }
}

/// Validates requested scopes (`subject:action` or `subject:*`) against the catalogue and the
/// owner's role: a client can never hold more than its owner.
pub fn check_scopes(scopes: &[String], owner_role: Role) -> Result<Vec<String>, DomainError> {
    let mut errors = FieldErrors::new();
    let mut granted = Vec::new();
    if scopes.is_empty() {
        errors.add("scopes", "must name at least one subject:action");
    }
    for scope in scopes {
        let Some((subject, action)) = scope.split_once(':') else {
            errors.add("scopes", format!("{scope:?} must look like product:view"));
            continue;
        };
        let known = if action == "*" {
            CATALOGUE.iter().any(|(s, _)| *s == subject)
        } else {
            is_known(subject, action)
        };
        if !known {
            errors.add("scopes", format!("{scope:?} is not in the permission catalogue (GET /permissions)"));
            continue;
        }
        let covered = CATALOGUE
            .iter()
            .filter(|(s, _)| *s == subject)
            .flat_map(|(s, actions)| actions.iter().map(move |a| (*s, *a)))
            .filter(|(_, a)| action == "*" || *a == action)
            .all(|(s, a)| role_allows(owner_role, s, a));
        if !covered {
            errors.add("scopes", format!("{scope:?} exceeds what the {owner_role} role may do"));
            continue;
        }
        if !granted.contains(scope) {
            granted.push(scope.clone());
        }
    }
    errors.into_result()?;
    Ok(granted)
}

#[cfg(test)]
mod tests {
    use super::*;
    use souk_kernel::UserId;

    fn client(role: Role, scopes: &[&str]) -> Actor {
        Actor::Client {
            client_id: "c".into(),
            owner: UserId::new(),
            role,
            scopes: scopes.iter().map(|s| s.to_string()).collect(),
        }
    }

    #[test]
    fn the_catalogue_holds_the_seeds_and_souks_subjects() {
        for subject in [
            "product",
            "order",
            "app",
            "payment",
            "escrow",
            "dispute",
            "webhook",
            "event",
            "store",
            "category",
            "collection",
            "coupon",
            "return",
        ] {
            assert!(CATALOGUE.iter().any(|(s, _)| *s == subject), "{subject}");
        }
        assert!(is_known("order", "export"));
        assert!(!is_known("order", "fly"));
    }

    #[test]
    fn roles_map_to_permission_sets() {
        assert!(role_allows(Role::Admin, "dispute", "resolve"));
        assert!(role_allows(Role::Seller, "product", "delete"));
        assert!(!role_allows(Role::Seller, "dispute", "resolve"));
        assert!(role_allows(Role::Buyer, "order", "create"));
        assert!(!role_allows(Role::Buyer, "product", "create"));
        let admin = role_permissions(Role::Admin);
        assert_eq!(admin.len(), CATALOGUE.iter().map(|(_, a)| a.len()).sum::<usize>());
        assert!(role_permissions(Role::Buyer).iter().all(|p| admin.contains(p)));
    }

    #[test]
    fn clients_are_narrowed_to_their_scopes() {
        let reader = client(Role::Seller, &["product:view", "order:*"]);
        assert!(require(&reader, "product", "view").is_ok());
        assert!(require(&reader, "order", "export").is_ok());
        assert!(matches!(require(&reader, "product", "create"), Err(DomainError::Forbidden(_))));
        let overreaching = client(Role::Buyer, &["product:*"]);
        assert!(matches!(require(&overreaching, "product", "create"), Err(DomainError::Forbidden(_))));
        assert!(matches!(require(&Actor::Anonymous, "product", "view"), Err(DomainError::Unauthenticated)));
    }

    #[test]
    fn requested_scopes_are_checked_against_catalogue_and_owner() {
        let ok = check_scopes(&["product:*".into(), "order:view".into(), "product:*".into()], Role::Seller);
        assert_eq!(ok.unwrap(), ["product:*", "order:view"]);
        assert!(check_scopes(&["order:*".into()], Role::Seller).is_err(), "sellers do not delete orders");
        for bad in ["product", "product:fly", "nothing:*", "dispute:resolve"] {
            assert!(check_scopes(&[bad.to_owned()], Role::Seller).is_err(), "{bad}");
        }
        assert!(check_scopes(&["order:*".into()], Role::Buyer).is_err(), "buyers cannot export orders");
        assert!(check_scopes(&[], Role::Admin).is_err());
    }
}
