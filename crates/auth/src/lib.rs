//! Accounts and access rules: users, password hashing and policy, access tokens.
//!
//! Pure rules and types; persistence is behind [`UserRepository`], implemented in `souk-storage`.

pub mod password;
pub mod permission;
pub mod token;
pub mod user;

pub use password::{PasswordHasher, check_password_policy};
pub use token::{AccessClaims, TokenError, TokenKeys};
pub use user::{NewUser, User, UserFilter, UserRepository, UserSort, UserStatus, new_admin, view_user};
