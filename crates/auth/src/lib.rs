//! Accounts and access rules: users and profiles, registration, e-mail codes, passwords, access
//! and refresh tokens, OAuth clients, the permission catalogue, metafields.
//!
//! Pure rules and types; persistence is behind the repository traits, implemented in
//! `souk-storage`.

pub mod client;
pub mod metafield;
pub mod otp;
pub mod password;
pub mod permission;
pub mod profile;
pub mod refresh;
pub mod repository;
pub mod secret;
pub mod token;
pub mod user;

pub use password::{PasswordHasher, check_password_policy};
pub use token::{AccessClaims, TokenError, TokenKeys};
pub use user::{
    NewUser, User, UserFilter, UserPatch, UserRepository, UserSort, UserStatus, new_admin, patch_user,
    view_user,
};
