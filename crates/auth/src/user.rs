//! User accounts: the stored shape, who may see one, and how admins are created.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use souk_kernel::{Actor, Clock, DomainError, FieldErrors, Page, PageRequest, Role, SortDirection, UserId};

use crate::password::{PasswordHasher, check_password_policy};

/// Where an account stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum UserStatus {
    /// Registered, e-mail not yet verified.
    PendingVerification,
    /// May sign in.
    Active,
    /// Blocked by an admin.
    Suspended,
}

impl UserStatus {
    /// Every status, in documentation order.
    pub const ALL: [UserStatus; 3] =
        [UserStatus::PendingVerification, UserStatus::Active, UserStatus::Suspended];

    /// The wire and storage name.
    pub fn as_str(&self) -> &'static str {
        match self {
            UserStatus::PendingVerification => "pending_verification",
            UserStatus::Active => "active",
            UserStatus::Suspended => "suspended",
        }
    }
}

impl std::str::FromStr for UserStatus {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        UserStatus::ALL
            .into_iter()
            .find(|status| status.as_str() == s)
            .ok_or_else(|| format!("must be one of: {}", UserStatus::ALL.map(|s| s.as_str()).join(", ")))
    }
}

/// A user account as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct User {
    /// The account id.
    pub id: UserId,
    /// Lower-cased e-mail, unique.
    pub email: String,
    /// Unique handle, also accepted at login.
    pub username: String,
    /// Argon2id PHC string.
    pub password_hash: String,
    /// The role, which decides the permission set.
    pub role: Role,
    /// Account state.
    pub status: UserStatus,
    /// Given name.
    pub first_name: String,
    /// Family name.
    pub last_name: String,
    /// Optional phone number.
    pub phone: Option<String>,
    /// When the e-mail was verified.
    pub email_verified_at: Option<DateTime<Utc>>,
    /// Creation time.
    pub created_at: DateTime<Utc>,
    /// Last change.
    pub updated_at: DateTime<Utc>,
}

/// The input for creating an admin account.
#[derive(Debug, Clone)]
pub struct NewUser {
    /// E-mail address.
    pub email: String,
    /// Username; the e-mail's local part when absent.
    pub username: Option<String>,
    /// Plain-text password, hashed before storage.
    pub password: String,
}

/// Filters of the user list (`GET /users`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct UserFilter {
    /// Any of these roles (all when empty).
    pub roles: Vec<Role>,
    /// Any of these statuses (all when empty).
    pub statuses: Vec<UserStatus>,
    /// Case-insensitive substring of e-mail, username or name.
    pub search: Option<String>,
    /// Created at or after.
    pub created_from: Option<DateTime<Utc>>,
    /// Created at or before.
    pub created_to: Option<DateTime<Utc>>,
    /// Updated at or after.
    pub updated_from: Option<DateTime<Utc>>,
    /// Updated at or before.
    pub updated_to: Option<DateTime<Utc>>,
}

/// Sort keys of the user list.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum UserSort {
    /// Creation time (the default).
    #[default]
    CreatedAt,
    /// Last change.
    UpdatedAt,
    /// E-mail address.
    Email,
    /// Username.
    Username,
}

impl UserSort {
    /// The `order_by` names clients may use.
    pub const NAMES: [&'static str; 4] = ["created_at", "updated_at", "email", "username"];
}

impl std::str::FromStr for UserSort {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "created_at" => Ok(UserSort::CreatedAt),
            "updated_at" => Ok(UserSort::UpdatedAt),
            "email" => Ok(UserSort::Email),
            "username" => Ok(UserSort::Username),
            _ => Err(format!("must be one of: {}", UserSort::NAMES.join(", "))),
        }
    }
}

/// Persistence of users; implemented by the storage crate on any connection or transaction.
#[async_trait]
pub trait UserRepository: Send + Sync {
    /// Stores a new user; a taken e-mail or username is a `Conflict`.
    async fn insert(&self, user: &User) -> Result<(), DomainError>;
    /// Replaces a stored user; a taken username is a `Conflict`.
    async fn update(&self, user: &User) -> Result<(), DomainError>;
    /// Deletes a user and everything that belongs only to it (profiles, codes, tokens, clients,
    /// metafields).
    async fn delete(&self, id: UserId) -> Result<(), DomainError>;
    /// Loads a user by id.
    async fn find(&self, id: UserId) -> Result<Option<User>, DomainError>;
    /// Loads several users at once (missing ids are skipped).
    async fn find_many(&self, ids: &[UserId]) -> Result<Vec<User>, DomainError>;
    /// Loads a user by e-mail (case-insensitive) or username.
    async fn find_by_login(&self, login: &str) -> Result<Option<User>, DomainError>;
    /// One page of users matching the filter.
    async fn list(
        &self,
        filter: &UserFilter,
        sort: UserSort,
        direction: SortDirection,
        page: PageRequest,
    ) -> Result<Page<User>, DomainError>;
}

/// A message when `email` is not a plausible address.
pub fn check_email(email: &str) -> Option<&'static str> {
    let valid = email.split_once('@').is_some_and(|(local, domain)| {
        !local.is_empty()
            && domain.contains('.')
            && !domain.starts_with('.')
            && !domain.ends_with('.')
            && !email.chars().any(|c| c.is_whitespace() || c.is_control())
            && !domain.contains('@')
            && email.len() <= 254
    });
    (!valid).then_some("must be a valid e-mail address")
}

/// A message when `username` breaks the handle rule.
pub fn check_username(username: &str) -> Option<&'static str> {
    let valid = (3..=50).contains(&username.chars().count())
        && username.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.'));
    (!valid).then_some("must be 3 to 50 letters, digits, '.', '-' or '_'")
}

/// Builds a verified, active admin account from validated input.
pub fn new_admin(input: NewUser, hasher: &PasswordHasher, clock: &dyn Clock) -> Result<User, DomainError> {
    let email = input.email.trim().to_lowercase();
    let mut errors = FieldErrors::new();
    if let Some(message) = check_email(&email) {
        errors.add("email", message);
    }
    let username = input.username.unwrap_or_else(|| email.split('@').next().unwrap_or_default().to_owned());
    if let Some(message) = check_username(&username) {
        errors.add("username", message);
    }
    errors.extend(check_password_policy(&input.password, &email, &username));
    errors.into_result()?;
    let now = clock.now();
    Ok(User {
        id: UserId::new(),
        email,
        username,
        password_hash: hasher.hash(&input.password),
        role: Role::Admin,
        status: UserStatus::Active,
        first_name: String::new(),
        last_name: String::new(),
        phone: None,
        email_verified_at: Some(now),
        created_at: now,
        updated_at: now,
    })
}

/// Returns the user when the actor may see it: itself or an admin; anyone else gets `NotFound`.
pub fn view_user(actor: &Actor, user: Option<User>) -> Result<User, DomainError> {
    let Some(user_id) = actor.user_id() else { return Err(DomainError::Unauthenticated) };
    match user {
        Some(user) if actor.is_admin() || user.id == user_id => Ok(user),
        _ => Err(DomainError::NotFound { resource: "user" }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use souk_kernel::ManualClock;

    fn admin(email: &str, username: Option<&str>, password: &str) -> Result<User, DomainError> {
        let clock = ManualClock::at(Utc::now());
        let input =
            NewUser { email: email.into(), username: username.map(Into::into), password: password.into() };
        new_admin(input, &PasswordHasher::default(), &clock)
    }

    #[test]
    fn admins_are_active_verified_and_hashed() {
        let user = admin(" Ops@Souk.Example ", None, "a long admin password").unwrap();
        assert_eq!(user.email, "ops@souk.example");
        assert_eq!(user.username, "ops");
        assert_eq!(user.role, Role::Admin);
        assert_eq!(user.status, UserStatus::Active);
        assert!(user.email_verified_at.is_some());
        assert!(PasswordHasher::default().verify("a long admin password", &user.password_hash));
    }

    #[test]
    fn bad_admin_input_names_every_field() {
        let Err(DomainError::Validation(errors)) = admin("not-an-email", Some("x"), "short") else {
            panic!("expected validation errors")
        };
        assert!(errors.get("email").is_some());
        assert!(errors.get("username").is_some());
        assert!(errors.get("password").is_some());
    }

    #[test]
    fn users_are_visible_to_themselves_and_admins_only() {
        let user = admin("a@souk.example", Some("alice"), "password-123").unwrap();
        let me = Actor::User { id: user.id, role: Role::Buyer };
        let other = Actor::User { id: UserId::new(), role: Role::Seller };
        let root = Actor::User { id: UserId::new(), role: Role::Admin };
        assert!(view_user(&me, Some(user.clone())).is_ok());
        assert!(view_user(&root, Some(user.clone())).is_ok());
        assert!(matches!(view_user(&other, Some(user.clone())), Err(DomainError::NotFound { .. })));
        assert!(matches!(view_user(&root, None), Err(DomainError::NotFound { .. })));
        assert!(matches!(view_user(&Actor::Anonymous, Some(user)), Err(DomainError::Unauthenticated)));
    }

    #[test]
    fn statuses_and_sorts_parse() {
        assert_eq!("active".parse::<UserStatus>().unwrap(), UserStatus::Active);
        assert!("gone".parse::<UserStatus>().is_err());
        assert_eq!("email".parse::<UserSort>().unwrap(), UserSort::Email);
        assert!("password".parse::<UserSort>().is_err());
    }
}

/// Changes to a user; `None` leaves a field as it is.
#[derive(Debug, Clone, Default)]
pub struct UserPatch {
    /// New handle.
    pub username: Option<String>,
    /// New given name.
    pub first_name: Option<String>,
    /// New family name.
    pub last_name: Option<String>,
    /// New phone (`Some(None)` clears it).
    pub phone: Option<Option<String>>,
    /// New role (admins only).
    pub role: Option<Role>,
    /// New status (admins only).
    pub status: Option<UserStatus>,
}

/// Applies a patch the actor may make: itself or (admins) anyone; only admins change role or
/// status, so nobody raises their own rights.
pub fn patch_user(
    actor: &Actor,
    user: Option<User>,
    patch: UserPatch,
    clock: &dyn Clock,
) -> Result<User, DomainError> {
    let mut user = view_user(actor, user)?;
    if (patch.role.is_some() || patch.status.is_some()) && !actor.is_admin() {
        return Err(DomainError::Forbidden("only admins may change a role or status".into()));
    }
    if actor.is_admin()
        && actor.user_id() == Some(user.id)
        && patch.role.is_some_and(|role| role != Role::Admin)
    {
        return Err(DomainError::Forbidden("an admin cannot demote itself; ask another admin".into()));
    }
    let mut errors = FieldErrors::new();
    if let Some(username) = &patch.username
        && let Some(message) = check_username(username.trim())
    {
        errors.add("username", message);
    }
    for (field, value) in [("first_name", &patch.first_name), ("last_name", &patch.last_name)] {
        if value.as_ref().is_some_and(|v| !(1..=100).contains(&v.trim().chars().count())) {
            errors.add(field, "must be 1 to 100 characters");
        }
    }
    crate::profile::check_phone(&mut errors, patch.phone.as_ref().and_then(|p| p.as_deref()));
    errors.into_result()?;
    if let Some(username) = patch.username {
        user.username = username.trim().to_owned();
    }
    if let Some(first_name) = patch.first_name {
        user.first_name = first_name.trim().to_owned();
    }
    if let Some(last_name) = patch.last_name {
        user.last_name = last_name.trim().to_owned();
    }
    if let Some(phone) = patch.phone {
        user.phone = phone.map(|p| p.trim().to_owned());
    }
    if let Some(role) = patch.role {
        user.role = role;
    }
    if let Some(status) = patch.status {
        user.status = status;
    }
    user.updated_at = clock.now();
    Ok(user)
}

#[cfg(test)]
mod patch_tests {
    use super::*;
    use souk_kernel::ManualClock;

    fn buyer() -> User {
        let clock = ManualClock::at(Utc::now());
        let mut user = new_admin(
            NewUser {
                email: "b@souk.example".into(),
                username: Some("buyer1".into()),
                password: "password-123".into(),
            },
            &PasswordHasher::default(),
            &clock,
        )
        .unwrap();
        user.role = Role::Buyer;
        user
    }

    #[test]
    fn users_change_their_own_profile_but_never_their_role() {
        let user = buyer();
        let me = Actor::User { id: user.id, role: Role::Buyer };
        let clock = ManualClock::at(Utc::now());
        let patched = patch_user(
            &me,
            Some(user.clone()),
            UserPatch { first_name: Some("Abebe".into()), phone: Some(None), ..UserPatch::default() },
            &clock,
        )
        .unwrap();
        assert_eq!(patched.first_name, "Abebe");
        let escalation = UserPatch { role: Some(Role::Admin), ..UserPatch::default() };
        assert!(matches!(
            patch_user(&me, Some(user.clone()), escalation, &clock),
            Err(DomainError::Forbidden(_))
        ));
        let other = Actor::User { id: UserId::new(), role: Role::Seller };
        assert!(matches!(
            patch_user(&other, Some(user.clone()), UserPatch::default(), &clock),
            Err(DomainError::NotFound { .. })
        ));
        let admin = Actor::User { id: UserId::new(), role: Role::Admin };
        let promoted = patch_user(
            &admin,
            Some(user),
            UserPatch { role: Some(Role::Seller), ..UserPatch::default() },
            &clock,
        )
        .unwrap();
        assert_eq!(promoted.role, Role::Seller);
    }
}
