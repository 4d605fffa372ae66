//! Persistence of accounts beyond the user row: profiles, codes, tokens, clients, metafields.
//! Implemented by the storage crate on any connection or transaction.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use souk_kernel::{DomainError, Page, PageRequest, UserId};
use uuid::Uuid;

use crate::client::OAuthClient;
use crate::metafield::Metafield;
use crate::otp::EmailOtp;
use crate::profile::{ApprovalStatus, BuyerProfile, SellerProfile};
use crate::refresh::RefreshToken;

/// Buyer and seller profiles.
#[async_trait]
pub trait ProfileRepository: Send + Sync {
    /// Stores a new seller profile.
    async fn insert_seller(&self, seller: &SellerProfile) -> Result<(), DomainError>;
    /// Replaces a seller profile.
    async fn update_seller(&self, seller: &SellerProfile) -> Result<(), DomainError>;
    /// Loads a seller profile.
    async fn find_seller(&self, user: UserId) -> Result<Option<SellerProfile>, DomainError>;
    /// A page of sellers, optionally of some approval states, oldest first.
    async fn list_sellers(
        &self,
        approval: &[ApprovalStatus],
        page: PageRequest,
    ) -> Result<Page<SellerProfile>, DomainError>;
    /// Stores a new buyer profile.
    async fn insert_buyer(&self, buyer: &BuyerProfile) -> Result<(), DomainError>;
    /// Replaces a buyer profile.
    async fn update_buyer(&self, buyer: &BuyerProfile) -> Result<(), DomainError>;
    /// Loads a buyer profile.
    async fn find_buyer(&self, user: UserId) -> Result<Option<BuyerProfile>, DomainError>;
    /// A page of buyers, oldest first.
    async fn list_buyers(&self, page: PageRequest) -> Result<Page<BuyerProfile>, DomainError>;
}

/// Verification codes and refresh tokens.
#[async_trait]
pub trait CredentialRepository: Send + Sync {
    /// Stores the account's code, replacing any earlier one.
    async fn put_otp(&self, otp: &EmailOtp) -> Result<(), DomainError>;
    /// The account's pending code.
    async fn find_otp(&self, user: UserId) -> Result<Option<EmailOtp>, DomainError>;
    /// Counts one wrong try.
    async fn count_otp_attempt(&self, user: UserId) -> Result<(), DomainError>;
    /// Removes the account's code.
    async fn delete_otp(&self, user: UserId) -> Result<(), DomainError>;
    /// Stores a refresh token.
    async fn insert_refresh(&self, token: &RefreshToken) -> Result<(), DomainError>;
    /// Finds a refresh token by digest.
    async fn find_refresh(&self, token_hash: &str) -> Result<Option<RefreshToken>, DomainError>;
    /// Marks a token rotated unless it already was; false when another request won the race.
    async fn mark_rotated(&self, id: Uuid, at: DateTime<Utc>) -> Result<bool, DomainError>;
    /// Revokes every live token of a family.
    async fn revoke_family(&self, family: Uuid, at: DateTime<Utc>) -> Result<(), DomainError>;
}

/// OAuth clients.
#[async_trait]
pub trait ClientRepository: Send + Sync {
    /// Stores a new client.
    async fn insert_client(&self, client: &OAuthClient) -> Result<(), DomainError>;
    /// Loads a client by row id.
    async fn find_client(&self, id: Uuid) -> Result<Option<OAuthClient>, DomainError>;
    /// Loads a client by its public client id.
    async fn find_client_by_client_id(&self, client_id: &str) -> Result<Option<OAuthClient>, DomainError>;
    /// A page of clients, all or one owner's, newest first.
    async fn list_clients(
        &self,
        owner: Option<UserId>,
        page: PageRequest,
    ) -> Result<Page<OAuthClient>, DomainError>;
    /// Marks a client revoked.
    async fn revoke_client(&self, id: Uuid, at: DateTime<Utc>) -> Result<(), DomainError>;
}

/// Metafields of users.
#[async_trait]
pub trait MetafieldRepository: Send + Sync {
    /// Inserts or replaces by (user, namespace, key); returns the stored row.
    async fn upsert_metafield(&self, metafield: &Metafield) -> Result<Metafield, DomainError>;
    /// Every metafield of a user, by namespace and key.
    async fn list_metafields(&self, user: UserId) -> Result<Vec<Metafield>, DomainError>;
}
