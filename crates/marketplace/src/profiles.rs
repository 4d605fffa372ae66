//! Reading and changing users, buyer and seller profiles, seller approval, and metafields.

use souk_auth::metafield::{Metafield, new_metafield};
use souk_auth::permission::{require, require_admin};
use souk_auth::profile::{ApprovalStatus, BuyerProfile, SellerProfile, review_seller};
use souk_auth::repository::{MetafieldRepository, ProfileRepository};
use souk_auth::{User, UserPatch, UserRepository, patch_user, view_user};
use souk_kernel::{Actor, DomainError, FieldErrors, Page, PageRequest, Role, UserId};
use souk_storage::{SqlAccounts, SqlUsers, db_error};

use crate::Marketplace;

/// Changes to a seller profile.
#[derive(Debug, Clone, Default)]
pub struct SellerPatch {
    /// New shop name (`Some(None)` clears it).
    pub store_name: Option<Option<String>>,
    /// New address.
    pub address: Option<String>,
    /// Approval (admins only).
    pub approved: Option<bool>,
}

/// Changes to a buyer profile.
#[derive(Debug, Clone, Default)]
pub struct BuyerPatch {
    /// New default address (`Some(None)` clears it).
    pub address: Option<Option<String>>,
}

fn check_length(errors: &mut FieldErrors, field: &str, value: Option<&str>, max: usize) {
    if value.is_some_and(|v| !(1..=max).contains(&v.trim().chars().count())) {
        errors.add(field, format!("must be 1 to {max} characters"));
    }
}

impl Marketplace {
    /// Changes a user (itself or, for admins, anyone); only admins change role or status.
    pub async fn update_user(
        &self,
        actor: &Actor,
        id: UserId,
        patch: UserPatch,
    ) -> Result<User, DomainError> {
        require(actor, "user", "update")?;
        let tx = self.db.begin_write().await.map_err(db_error)?;
        let users = SqlUsers::new(&tx);
        let before = users.find(id).await?;
        let role_before = before.as_ref().map(|u| u.role);
        let user = patch_user(actor, before, patch, self.clock())?;
        if role_before != Some(user.role) && user.role == Role::Seller {
            return Err(DomainError::invalid(
                "role",
                "sellers need a seller profile; they register as sellers",
            ));
        }
        users.update(&user).await?;
        let accounts = SqlAccounts::new(&tx);
        if user.role == Role::Buyer && accounts.find_buyer(user.id).await?.is_none() {
            let now = self.clock().now();
            accounts
                .insert_buyer(&BuyerProfile {
                    user_id: user.id,
                    address: None,
                    created_at: now,
                    updated_at: now,
                })
                .await?;
        }
        tx.commit().await.map_err(db_error)?;
        Ok(user)
    }

    /// Deletes an account with its profile, tokens, clients and metafields (itself or an admin).
    pub async fn delete_user(&self, actor: &Actor, id: UserId) -> Result<(), DomainError> {
        require(actor, "user", "delete")?;
        let tx = self.db.begin_write().await.map_err(db_error)?;
        let users = SqlUsers::new(&tx);
        let user = view_user(actor, users.find(id).await?)?;
        users.delete(user.id).await?;
        tx.commit().await.map_err(db_error)?;
        tracing::info!(user_id = %id, "account deleted");
        Ok(())
    }

    async fn seller_with_user(&self, id: UserId) -> Result<Option<(User, SellerProfile)>, DomainError> {
        let Some(seller) = SqlAccounts::new(&self.db.conn).find_seller(id).await? else { return Ok(None) };
        let user = SqlUsers::new(&self.db.conn).find(id).await?;
        Ok(user.map(|user| (user, seller)))
    }

    /// A page of sellers with their accounts (admins).
    pub async fn list_sellers(
        &self,
        actor: &Actor,
        approval: &[ApprovalStatus],
        page: PageRequest,
    ) -> Result<Page<(User, SellerProfile)>, DomainError> {
        require_admin(actor)?;
        require(actor, "user", "view")?;
        let sellers = SqlAccounts::new(&self.db.conn).list_sellers(approval, page).await?;
        self.attach_users(sellers, |s| s.user_id).await
    }

    /// A page of buyers with their accounts (admins).
    pub async fn list_buyers(
        &self,
        actor: &Actor,
        page: PageRequest,
    ) -> Result<Page<(User, BuyerProfile)>, DomainError> {
        require_admin(actor)?;
        require(actor, "user", "view")?;
        let buyers = SqlAccounts::new(&self.db.conn).list_buyers(page).await?;
        self.attach_users(buyers, |b| b.user_id).await
    }

    /// Pairs each profile of a page with its account, in one query.
    async fn attach_users<T>(
        &self,
        page: Page<T>,
        id_of: impl Fn(&T) -> UserId,
    ) -> Result<Page<(User, T)>, DomainError> {
        let ids: Vec<UserId> = page.items.iter().map(&id_of).collect();
        let mut users: std::collections::HashMap<UserId, User> =
            SqlUsers::new(&self.db.conn).find_many(&ids).await?.into_iter().map(|u| (u.id, u)).collect();
        let items = page
            .items
            .into_iter()
            .map(|profile| {
                let user = users
                    .remove(&id_of(&profile))
                    .ok_or_else(|| DomainError::unexpected("profile without user"))?;
                Ok((user, profile))
            })
            .collect::<Result<_, DomainError>>()?;
        Ok(Page { items, total: page.total, request: page.request })
    }

    /// A seller's public profile (any signed-in caller).
    pub async fn get_seller(&self, actor: &Actor, id: UserId) -> Result<(User, SellerProfile), DomainError> {
        require(actor, "user", "view")?;
        self.seller_with_user(id).await?.ok_or(DomainError::NotFound { resource: "seller" })
    }

    /// A buyer's profile (the buyer itself or an admin).
    pub async fn get_buyer(&self, actor: &Actor, id: UserId) -> Result<(User, BuyerProfile), DomainError> {
        require(actor, "user", "view")?;
        let user = view_user(actor, SqlUsers::new(&self.db.conn).find(id).await?).map_err(|e| {
            if matches!(e, DomainError::NotFound { .. }) {
                DomainError::NotFound { resource: "buyer" }
            } else {
                e
            }
        })?;
        let buyer = SqlAccounts::new(&self.db.conn)
            .find_buyer(id)
            .await?
            .ok_or(DomainError::NotFound { resource: "buyer" })?;
        Ok((user, buyer))
    }

    /// Changes a seller profile (the seller itself or an admin; approval only by admins).
    pub async fn update_seller(
        &self,
        actor: &Actor,
        id: UserId,
        patch: SellerPatch,
    ) -> Result<(User, SellerProfile), DomainError> {
        require(actor, "user", "update")?;
        let (user, mut seller) =
            self.seller_with_user(id).await?.ok_or(DomainError::NotFound { resource: "seller" })?;
        view_user(actor, Some(user.clone())).map_err(|e| match e {
            DomainError::NotFound { .. } => {
                DomainError::Forbidden("only the seller itself or an admin may change this profile".into())
            }
            other => other,
        })?;
        if patch.approved.is_some() && !actor.is_admin() {
            return Err(DomainError::Forbidden("only admins may change a seller's approval".into()));
        }
        let mut errors = FieldErrors::new();
        check_length(&mut errors, "store_name", patch.store_name.as_ref().and_then(|s| s.as_deref()), 100);
        check_length(&mut errors, "address", patch.address.as_deref(), 300);
        errors.into_result()?;
        let now = self.clock().now();
        if let Some(store_name) = patch.store_name {
            seller.store_name = store_name.map(|s| s.trim().to_owned());
        }
        if let Some(address) = patch.address {
            seller.address = address.trim().to_owned();
        }
        if let Some(approved) = patch.approved {
            seller.approval = if approved { ApprovalStatus::Approved } else { ApprovalStatus::Rejected };
            seller.reviewed_at = Some(now);
        }
        seller.updated_at = now;
        let tx = self.db.begin_write().await.map_err(db_error)?;
        SqlAccounts::new(&tx).update_seller(&seller).await?;
        tx.commit().await.map_err(db_error)?;
        Ok((user, seller))
    }

    /// Changes a buyer profile (the buyer itself or an admin).
    pub async fn update_buyer(
        &self,
        actor: &Actor,
        id: UserId,
        patch: BuyerPatch,
    ) -> Result<(User, BuyerProfile), DomainError> {
        require(actor, "user", "update")?;
        let (user, mut buyer) = self.get_buyer(actor, id).await?;
        let mut errors = FieldErrors::new();
        check_length(&mut errors, "address", patch.address.as_ref().and_then(|a| a.as_deref()), 300);
        errors.into_result()?;
        if let Some(address) = patch.address {
            buyer.address = address.map(|a| a.trim().to_owned());
        }
        buyer.updated_at = self.clock().now();
        let tx = self.db.begin_write().await.map_err(db_error)?;
        SqlAccounts::new(&tx).update_buyer(&buyer).await?;
        tx.commit().await.map_err(db_error)?;
        Ok((user, buyer))
    }

    /// Approves or rejects a pending seller (admins).
    pub async fn review_seller(
        &self,
        actor: &Actor,
        id: UserId,
        decision: ApprovalStatus,
    ) -> Result<(User, SellerProfile), DomainError> {
        require(actor, "user", "update")?;
        require_admin(actor)?;
        let (user, seller) =
            self.seller_with_user(id).await?.ok_or(DomainError::NotFound { resource: "seller" })?;
        let seller = review_seller(actor, seller, decision, self.clock().now())?;
        let tx = self.db.begin_write().await.map_err(db_error)?;
        SqlAccounts::new(&tx).update_seller(&seller).await?;
        tx.commit().await.map_err(db_error)?;
        tracing::info!(seller = %id, approval = seller.approval.as_str(), "seller reviewed");
        Ok((user, seller))
    }

    /// A user's metafields (itself or an admin).
    pub async fn list_metafields(&self, actor: &Actor, id: UserId) -> Result<Vec<Metafield>, DomainError> {
        require(actor, "user", "view")?;
        let user = view_user(actor, SqlUsers::new(&self.db.conn).find(id).await?)?;
        SqlAccounts::new(&self.db.conn).list_metafields(user.id).await
    }

    /// Inserts or replaces a metafield by namespace and key (the user itself or an admin).
    pub async fn put_metafield(
        &self,
        actor: &Actor,
        id: UserId,
        namespace: &str,
        key: &str,
        value: serde_json::Value,
    ) -> Result<Metafield, DomainError> {
        require(actor, "user", "update")?;
        let tx = self.db.begin_write().await.map_err(db_error)?;
        let user = view_user(actor, SqlUsers::new(&tx).find(id).await?)?;
        let metafield = new_metafield(user.id.as_uuid(), namespace, key, value, self.clock().now())?;
        let stored = SqlAccounts::new(&tx).upsert_metafield(&metafield).await?;
        tx.commit().await.map_err(db_error)?;
        Ok(stored)
    }
}
