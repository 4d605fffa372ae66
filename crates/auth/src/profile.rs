//! Buyer and seller profiles, registration, seller approval, and the login rules.

use chrono::{DateTime, Utc};
use souk_kernel::{Actor, DomainError, FieldErrors, Role, UserId};
use uuid::Uuid;

use crate::password::{PasswordHasher, check_password_policy};
use crate::user::{User, UserStatus, check_email, check_username};

/// A seller's approval by an admin.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ApprovalStatus {
    /// Waiting for review; may not sign in.
    Pending,
    /// May sign in and sell.
    Approved,
    /// Refused.
    Rejected,
}

impl ApprovalStatus {
    /// The wire and storage name.
    pub fn as_str(&self) -> &'static str {
        match self {
            ApprovalStatus::Pending => "pending",
            ApprovalStatus::Approved => "approved",
            ApprovalStatus::Rejected => "rejected",
        }
    }
}

impl std::str::FromStr for ApprovalStatus {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "pending" => Ok(ApprovalStatus::Pending),
            "approved" => Ok(ApprovalStatus::Approved),
            "rejected" => Ok(ApprovalStatus::Rejected),
            _ => Err("must be one of: pending, approved, rejected".into()),
        }
    }
}

/// A seller's profile.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SellerProfile {
    /// The seller's account.
    pub user_id: UserId,
    /// Shop name shown to buyers.
    pub store_name: Option<String>,
    /// Business address.
    pub address: String,
    /// The uploaded business licence.
    pub license_file_id: Option<Uuid>,
    /// The uploaded profile picture.
    pub profile_pic_file_id: Option<Uuid>,
    /// Admin approval.
    pub approval: ApprovalStatus,
    /// When approval last changed.
    pub reviewed_at: Option<DateTime<Utc>>,
    /// Creation time.
    pub created_at: DateTime<Utc>,
    /// Last change.
    pub updated_at: DateTime<Utc>,
}

/// A buyer's profile.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BuyerProfile {
    /// The buyer's account.
    pub user_id: UserId,
    /// Default shipping address.
    pub address: Option<String>,
    /// Creation time.
    pub created_at: DateTime<Utc>,
    /// Last change.
    pub updated_at: DateTime<Utc>,
}

/// Sign-up input.
#[derive(Debug, Clone, Default)]
pub struct Registration {
    /// `buyer` or `seller`.
    pub role: String,
    /// E-mail address.
    pub email: String,
    /// Unique handle.
    pub username: String,
    /// Plain password.
    pub password: String,
    /// Given name.
    pub first_name: String,
    /// Family name.
    pub last_name: String,
    /// Optional phone.
    pub phone: Option<String>,
    /// Sellers: shop name.
    pub store_name: Option<String>,
    /// Sellers: address (required); buyers: default shipping address.
    pub address: Option<String>,
    /// Sellers: the licence file.
    pub license_file_id: Option<Uuid>,
    /// Sellers: the profile picture file.
    pub profile_pic_file_id: Option<Uuid>,
}

/// A new account with its profile.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewAccount {
    /// The user, unverified.
    pub user: User,
    /// For sellers.
    pub seller: Option<SellerProfile>,
    /// For buyers.
    pub buyer: Option<BuyerProfile>,
}

fn check_text(errors: &mut FieldErrors, field: &str, value: &str, min: usize, max: usize) {
    let length = value.trim().chars().count();
    if length < min || length > max {
        errors.add(field, format!("must be {min} to {max} characters"));
    }
}

/// Checks an optional phone number: digits with an optional leading `+`, spaces or dashes.
pub fn check_phone(errors: &mut FieldErrors, phone: Option<&str>) {
    if let Some(phone) = phone {
        let digits = phone.chars().filter(char::is_ascii_digit).count();
        let valid = (6..=15).contains(&digits)
            && phone
                .chars()
                .enumerate()
                .all(|(i, c)| c.is_ascii_digit() || c == ' ' || c == '-' || (c == '+' && i == 0));
        if !valid {
            errors.add("phone", "must be a phone number of 6 to 15 digits, optionally starting with +");
        }
    }
}

/// Validates a registration and builds the unverified account.
pub fn register(
    input: Registration,
    hasher: &PasswordHasher,
    now: DateTime<Utc>,
) -> Result<NewAccount, DomainError> {
    let mut errors = FieldErrors::new();
    let role = match input.role.as_str() {
        "buyer" => Some(Role::Buyer),
        "seller" => Some(Role::Seller),
        _ => {
            errors.add("role", "must be buyer or seller");
            None
        }
    };
    let email = input.email.trim().to_lowercase();
    if let Some(message) = check_email(&email) {
        errors.add("email", message);
    }
    let username = input.username.trim().to_owned();
    if let Some(message) = check_username(&username) {
        errors.add("username", message);
    }
    errors.extend(check_password_policy(&input.password, &email, &username));
    check_text(&mut errors, "first_name", &input.first_name, 1, 100);
    check_text(&mut errors, "last_name", &input.last_name, 1, 100);
    check_phone(&mut errors, input.phone.as_deref());
    if let Some(address) = &input.address {
        check_text(&mut errors, "address", address, 1, 300);
    }
    if let Some(store_name) = &input.store_name {
        check_text(&mut errors, "store_name", store_name, 1, 100);
    }
    if role == Some(Role::Seller) {
        if input.address.is_none() {
            errors.add("address", "is required for sellers");
        }
        if input.license_file_id.is_none() {
            errors.add("license", "is required for sellers");
        }
        if input.profile_pic_file_id.is_none() {
            errors.add("profile_pic", "is required for sellers");
        }
    }
    errors.into_result()?;
    let role = role.unwrap_or(Role::Buyer);
    let user = User {
        id: UserId::new(),
        email,
        username,
        password_hash: hasher.hash(&input.password),
        role,
        status: UserStatus::PendingVerification,
        first_name: input.first_name.trim().to_owned(),
        last_name: input.last_name.trim().to_owned(),
        phone: input.phone.map(|p| p.trim().to_owned()),
        email_verified_at: None,
        created_at: now,
        updated_at: now,
    };
    let address = input.address.map(|a| a.trim().to_owned());
    let (seller, buyer) = match role {
        Role::Seller => (
            Some(SellerProfile {
                user_id: user.id,
                store_name: input.store_name.map(|s| s.trim().to_owned()),
                address: address.unwrap_or_default(),
                license_file_id: input.license_file_id,
                profile_pic_file_id: input.profile_pic_file_id,
                approval: ApprovalStatus::Pending,
                reviewed_at: None,
                created_at: now,
                updated_at: now,
            }),
            None,
        ),
        _ => (None, Some(BuyerProfile { user_id: user.id, address, created_at: now, updated_at: now })),
    };
    Ok(NewAccount { user, seller, buyer })
}

/// Why a login was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LoginRefusal {
    /// Unknown user or wrong password (indistinguishable).
    BadCredentials,
    /// The e-mail is not verified yet.
    EmailNotVerified,
    /// The seller is not approved (pending or rejected).
    SellerNotApproved,
    /// Suspended by an admin.
    Suspended,
}

/// A valid PHC string of a password nobody has, so unknown users cost one hash like known ones.
const DECOY_HASH: &str =
    "$argon2id$v=19$m=19456,t=2,p=1$c291ay1kZWNveS1zYWx0$3N1Sz4BKDmRWgSBFtZ8tjB0cX4XU3vKAvq6iSIE2JNU";

/// The login rules. The password is always hashed, also for unknown users, so both refusals take
/// the same time.
pub fn check_login(
    user: Option<&User>,
    seller: Option<&SellerProfile>,
    password: &str,
    hasher: &PasswordHasher,
) -> Result<(), LoginRefusal> {
    let hash = user.map_or(DECOY_HASH, |u| u.password_hash.as_str());
    let matches = hasher.verify(password, hash);
    let Some(user) = user.filter(|_| matches) else { return Err(LoginRefusal::BadCredentials) };
    if user.status == UserStatus::Suspended {
        return Err(LoginRefusal::Suspended);
    }
    if user.email_verified_at.is_none() {
        return Err(LoginRefusal::EmailNotVerified);
    }
    if user.role == Role::Seller && seller.is_none_or(|s| s.approval != ApprovalStatus::Approved) {
        return Err(LoginRefusal::SellerNotApproved);
    }
    Ok(())
}

/// Moves a seller's approval (admin only): `pending -> approved | rejected`.
pub fn review_seller(
    actor: &Actor,
    mut seller: SellerProfile,
    decision: ApprovalStatus,
    now: DateTime<Utc>,
) -> Result<SellerProfile, DomainError> {
    crate::permission::require_admin(actor)?;
    if seller.approval != ApprovalStatus::Pending || decision == ApprovalStatus::Pending {
        let event = if decision == ApprovalStatus::Approved { "approve" } else { "reject" };
        return Err(DomainError::InvalidTransition {
            from: seller.approval.as_str().to_owned(),
            event: event.to_owned(),
            allowed: if seller.approval == ApprovalStatus::Pending {
                vec!["approve".into(), "reject".into()]
            } else {
                Vec::new()
            },
        });
    }
    seller.approval = decision;
    seller.reviewed_at = Some(now);
    seller.updated_at = now;
    Ok(seller)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn input(role: &str) -> Registration {
        Registration {
            role: role.into(),
            email: "Hana@Souk.Example".into(),
            username: "hana".into(),
            password: "a good password".into(),
            first_name: "Hana".into(),
            last_name: "Tesfaye".into(),
            phone: Some("+251 911 000000".into()),
            address: Some("Bole Road 1, Addis Ababa".into()),
            license_file_id: Some(Uuid::now_v7()),
            profile_pic_file_id: Some(Uuid::now_v7()),
            ..Registration::default()
        }
    }

    #[test]
    fn buyers_and_sellers_register_unverified() {
        let hasher = PasswordHasher::default();
        let buyer = register(input("buyer"), &hasher, Utc::now()).unwrap();
        assert_eq!(buyer.user.email, "hana@souk.example");
        assert_eq!(buyer.user.status, UserStatus::PendingVerification);
        assert!(buyer.buyer.is_some() && buyer.seller.is_none());
        let seller = register(input("seller"), &hasher, Utc::now()).unwrap();
        assert_eq!(seller.seller.unwrap().approval, ApprovalStatus::Pending);
    }

    #[test]
    fn registration_names_every_bad_field() {
        let bad =
            Registration { role: "admin".into(), phone: Some("call me".into()), ..Registration::default() };
        let Err(DomainError::Validation(errors)) = register(bad, &PasswordHasher::default(), Utc::now())
        else {
            panic!("validation expected")
        };
        for field in ["role", "email", "username", "password", "first_name", "last_name", "phone"] {
            assert!(errors.get(field).is_some(), "{field}: {errors:?}");
        }
        let seller = Registration {
            address: None,
            license_file_id: None,
            profile_pic_file_id: None,
            ..input("seller")
        };
        let Err(DomainError::Validation(errors)) = register(seller, &PasswordHasher::default(), Utc::now())
        else {
            panic!("validation expected")
        };
        for field in ["address", "license", "profile_pic"] {
            assert!(errors.get(field).is_some(), "{field}");
        }
    }

    #[test]
    fn login_rules_in_order() {
        let hasher = PasswordHasher::default();
        let mut account = register(input("seller"), &hasher, Utc::now()).unwrap();
        let seller = account.seller.clone();
        assert_eq!(check_login(None, None, "a good password", &hasher), Err(LoginRefusal::BadCredentials));
        assert_eq!(
            check_login(Some(&account.user), seller.as_ref(), "wrong", &hasher),
            Err(LoginRefusal::BadCredentials)
        );
        assert_eq!(
            check_login(Some(&account.user), seller.as_ref(), "a good password", &hasher),
            Err(LoginRefusal::EmailNotVerified)
        );
        account.user.email_verified_at = Some(Utc::now());
        assert_eq!(
            check_login(Some(&account.user), seller.as_ref(), "a good password", &hasher),
            Err(LoginRefusal::SellerNotApproved)
        );
        let approved = SellerProfile { approval: ApprovalStatus::Approved, ..seller.unwrap() };
        assert_eq!(check_login(Some(&account.user), Some(&approved), "a good password", &hasher), Ok(()));
        account.user.status = UserStatus::Suspended;
        assert_eq!(
            check_login(Some(&account.user), Some(&approved), "a good password", &hasher),
            Err(LoginRefusal::Suspended)
        );
    }

    #[test]
    fn the_decoy_hash_is_a_valid_argon2id_hash() {
        assert!(argon2::password_hash::PasswordHash::new(DECOY_HASH).is_ok());
    }

    #[test]
    fn only_pending_sellers_are_reviewed_and_only_by_admins() {
        let account = register(input("seller"), &PasswordHasher::default(), Utc::now()).unwrap();
        let admin = Actor::User { id: UserId::new(), role: Role::Admin };
        let seller_actor = Actor::User { id: account.user.id, role: Role::Seller };
        let pending = account.seller.unwrap();
        assert!(matches!(
            review_seller(&seller_actor, pending.clone(), ApprovalStatus::Approved, Utc::now()),
            Err(DomainError::Forbidden(_))
        ));
        let approved = review_seller(&admin, pending, ApprovalStatus::Approved, Utc::now()).unwrap();
        assert_eq!(approved.approval, ApprovalStatus::Approved);
        assert!(matches!(
            review_seller(&admin, approved, ApprovalStatus::Rejected, Utc::now()),
            Err(DomainError::InvalidTransition { .. })
        ));
    }
}
