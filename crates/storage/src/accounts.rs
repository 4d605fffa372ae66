//! Account repositories of `souk-auth` on sea-orm: profiles, codes, tokens, clients, metafields.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use sea_orm::sea_query::{Expr, ExprTrait, OnConflict};
use sea_orm::{ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder};
use souk_auth::client::OAuthClient;
use souk_auth::metafield::Metafield;
use souk_auth::otp::EmailOtp;
use souk_auth::profile::{ApprovalStatus, BuyerProfile, SellerProfile};
use souk_auth::refresh::RefreshToken;
use souk_auth::repository::{ClientRepository, CredentialRepository, MetafieldRepository, ProfileRepository};
use souk_kernel::{DomainError, Page, PageRequest, Role, UserId};
use uuid::Uuid;

use crate::db::{db_error, page_of};
use crate::entities::{buyer, email_otp, oauth_client, refresh_token, seller, user_metafield};

/// Account data stored through any connection or transaction.
#[derive(Debug)]
pub struct SqlAccounts<'c, C> {
    conn: &'c C,
}

impl<'c, C: ConnectionTrait> SqlAccounts<'c, C> {
    /// Account data on this connection.
    pub fn new(conn: &'c C) -> Self {
        Self { conn }
    }
}

fn corrupt(what: &str) -> DomainError {
    DomainError::unexpected(format!("stored {what} holds an unknown value"))
}

fn seller_row(s: &SellerProfile) -> seller::ActiveModel {
    seller::ActiveModel {
        user_id: Set(s.user_id.as_uuid()),
        store_name: Set(s.store_name.clone()),
        address: Set(s.address.clone()),
        license_file_id: Set(s.license_file_id),
        profile_pic_file_id: Set(s.profile_pic_file_id),
        approval: Set(s.approval.as_str().to_owned()),
        reviewed_at: Set(s.reviewed_at),
        created_at: Set(s.created_at),
        updated_at: Set(s.updated_at),
    }
}

fn seller_domain(row: seller::Model) -> Result<SellerProfile, DomainError> {
    Ok(SellerProfile {
        user_id: UserId(row.user_id),
        store_name: row.store_name,
        address: row.address,
        license_file_id: row.license_file_id,
        profile_pic_file_id: row.profile_pic_file_id,
        approval: row.approval.parse().map_err(|_| corrupt("sellers.approval"))?,
        reviewed_at: row.reviewed_at,
        created_at: row.created_at,
        updated_at: row.updated_at,
    })
}

fn buyer_row(b: &BuyerProfile) -> buyer::ActiveModel {
    buyer::ActiveModel {
        user_id: Set(b.user_id.as_uuid()),
        address: Set(b.address.clone()),
        created_at: Set(b.created_at),
        updated_at: Set(b.updated_at),
    }
}

fn buyer_domain(row: buyer::Model) -> BuyerProfile {
    BuyerProfile {
        user_id: UserId(row.user_id),
        address: row.address,
        created_at: row.created_at,
        updated_at: row.updated_at,
    }
}

fn refresh_domain(row: refresh_token::Model) -> RefreshToken {
    RefreshToken {
        id: row.id,
        user_id: UserId(row.user_id),
        family_id: row.family_id,
        token_hash: row.token_hash,
        expires_at: row.expires_at,
        rotated_at: row.rotated_at,
        revoked_at: row.revoked_at,
        created_at: row.created_at,
    }
}

fn client_domain(row: oauth_client::Model) -> Result<OAuthClient, DomainError> {
    Ok(OAuthClient {
        id: row.id,
        client_id: row.client_id,
        secret_hash: row.secret_hash,
        name: row.name,
        owner: UserId(row.owner_id),
        owner_role: row.owner_role.parse::<Role>().map_err(|_| corrupt("oauth_clients.owner_role"))?,
        scopes: row.scopes.split_whitespace().map(str::to_owned).collect(),
        revoked_at: row.revoked_at,
        created_at: row.created_at,
    })
}

fn metafield_domain(row: user_metafield::Model) -> Result<Metafield, DomainError> {
    Ok(Metafield {
        id: row.id,
        owner_id: row.user_id,
        namespace: row.namespace,
        key: row.key,
        value: serde_json::from_str(&row.value).map_err(|_| corrupt("user_metafields.value"))?,
        created_at: row.created_at,
        updated_at: row.updated_at,
    })
}

#[async_trait]
impl<C: ConnectionTrait + Send + Sync> ProfileRepository for SqlAccounts<'_, C> {
    async fn insert_seller(&self, s: &SellerProfile) -> Result<(), DomainError> {
        seller::Entity::insert(seller_row(s))
            .exec_without_returning(self.conn)
            .await
            .map_err(db_error)
            .map(|_| ())
    }

    async fn update_seller(&self, s: &SellerProfile) -> Result<(), DomainError> {
        seller::Entity::update(seller_row(s)).exec(self.conn).await.map_err(db_error).map(|_| ())
    }

    async fn find_seller(&self, user: UserId) -> Result<Option<SellerProfile>, DomainError> {
        seller::Entity::find_by_id(user.as_uuid())
            .one(self.conn)
            .await
            .map_err(db_error)?
            .map(seller_domain)
            .transpose()
    }

    async fn list_sellers(
        &self,
        approval: &[ApprovalStatus],
        page: PageRequest,
    ) -> Result<Page<SellerProfile>, DomainError> {
        let mut query = seller::Entity::find()
            .order_by_asc(seller::Column::CreatedAt)
            .order_by_asc(seller::Column::UserId);
        if !approval.is_empty() {
            query = query.filter(seller::Column::Approval.is_in(approval.iter().map(ApprovalStatus::as_str)));
        }
        page_of(self.conn, query, page, seller_domain).await
    }

    async fn insert_buyer(&self, b: &BuyerProfile) -> Result<(), DomainError> {
        buyer::Entity::insert(buyer_row(b))
            .exec_without_returning(self.conn)
            .await
            .map_err(db_error)
            .map(|_| ())
    }

    async fn update_buyer(&self, b: &BuyerProfile) -> Result<(), DomainError> {
        buyer::Entity::update(buyer_row(b)).exec(self.conn).await.map_err(db_error).map(|_| ())
    }

    async fn find_buyer(&self, user: UserId) -> Result<Option<BuyerProfile>, DomainError> {
        Ok(buyer::Entity::find_by_id(user.as_uuid())
            .one(self.conn)
            .await
            .map_err(db_error)?
            .map(buyer_domain))
    }

    async fn list_buyers(&self, page: PageRequest) -> Result<Page<BuyerProfile>, DomainError> {
        let query =
            buyer::Entity::find().order_by_asc(buyer::Column::CreatedAt).order_by_asc(buyer::Column::UserId);
        page_of(self.conn, query, page, |row| Ok(buyer_domain(row))).await
    }
}

#[async_trait]
impl<C: ConnectionTrait + Send + Sync> CredentialRepository for SqlAccounts<'_, C> {
    async fn put_otp(&self, otp: &EmailOtp) -> Result<(), DomainError> {
        let row = email_otp::ActiveModel {
            user_id: Set(otp.user_id.as_uuid()),
            code_hash: Set(otp.code_hash.clone()),
            expires_at: Set(otp.expires_at),
            attempts: Set(otp.attempts),
            created_at: Set(otp.created_at),
        };
        let replace = OnConflict::column(email_otp::Column::UserId)
            .update_columns([
                email_otp::Column::CodeHash,
                email_otp::Column::ExpiresAt,
                email_otp::Column::Attempts,
                email_otp::Column::CreatedAt,
            ])
            .to_owned();
        email_otp::Entity::insert(row)
            .on_conflict(replace)
            .exec_without_returning(self.conn)
            .await
            .map_err(db_error)?;
        Ok(())
    }

    async fn find_otp(&self, user: UserId) -> Result<Option<EmailOtp>, DomainError> {
        let row = email_otp::Entity::find_by_id(user.as_uuid()).one(self.conn).await.map_err(db_error)?;
        Ok(row.map(|r| EmailOtp {
            user_id: UserId(r.user_id),
            code_hash: r.code_hash,
            expires_at: r.expires_at,
            attempts: r.attempts,
            created_at: r.created_at,
        }))
    }

    async fn count_otp_attempt(&self, user: UserId) -> Result<(), DomainError> {
        email_otp::Entity::update_many()
            .col_expr(email_otp::Column::Attempts, Expr::col(email_otp::Column::Attempts).add(1))
            .filter(email_otp::Column::UserId.eq(user.as_uuid()))
            .exec(self.conn)
            .await
            .map_err(db_error)
            .map(|_| ())
    }

    async fn delete_otp(&self, user: UserId) -> Result<(), DomainError> {
        email_otp::Entity::delete_by_id(user.as_uuid()).exec(self.conn).await.map_err(db_error).map(|_| ())
    }

    async fn insert_refresh(&self, t: &RefreshToken) -> Result<(), DomainError> {
        let row = refresh_token::ActiveModel {
            id: Set(t.id),
            user_id: Set(t.user_id.as_uuid()),
            family_id: Set(t.family_id),
            token_hash: Set(t.token_hash.clone()),
            expires_at: Set(t.expires_at),
            rotated_at: Set(t.rotated_at),
            revoked_at: Set(t.revoked_at),
            created_at: Set(t.created_at),
        };
        refresh_token::Entity::insert(row)
            .exec_without_returning(self.conn)
            .await
            .map_err(db_error)
            .map(|_| ())
    }

    async fn find_refresh(&self, token_hash: &str) -> Result<Option<RefreshToken>, DomainError> {
        let row = refresh_token::Entity::find()
            .filter(refresh_token::Column::TokenHash.eq(token_hash))
            .one(self.conn)
            .await
            .map_err(db_error)?;
        Ok(row.map(refresh_domain))
    }

    async fn mark_rotated(&self, id: Uuid, at: DateTime<Utc>) -> Result<bool, DomainError> {
        let result = refresh_token::Entity::update_many()
            .col_expr(refresh_token::Column::RotatedAt, Expr::value(at))
            .filter(refresh_token::Column::Id.eq(id))
            .filter(refresh_token::Column::RotatedAt.is_null())
            .filter(refresh_token::Column::RevokedAt.is_null())
            .exec(self.conn)
            .await
            .map_err(db_error)?;
        Ok(result.rows_affected == 1)
    }

    async fn revoke_family(&self, family: Uuid, at: DateTime<Utc>) -> Result<(), DomainError> {
        refresh_token::Entity::update_many()
            .col_expr(refresh_token::Column::RevokedAt, Expr::value(at))
            .filter(refresh_token::Column::FamilyId.eq(family))
            .filter(refresh_token::Column::RevokedAt.is_null())
            .exec(self.conn)
            .await
            .map_err(db_error)
            .map(|_| ())
    }
}

#[async_trait]
impl<C: ConnectionTrait + Send + Sync> ClientRepository for SqlAccounts<'_, C> {
    async fn insert_client(&self, c: &OAuthClient) -> Result<(), DomainError> {
        let row = oauth_client::ActiveModel {
            id: Set(c.id),
            client_id: Set(c.client_id.clone()),
            secret_hash: Set(c.secret_hash.clone()),
            name: Set(c.name.clone()),
            owner_id: Set(c.owner.as_uuid()),
            owner_role: Set(c.owner_role.as_str().to_owned()),
            scopes: Set(c.scopes.join(" ")),
            revoked_at: Set(c.revoked_at),
            created_at: Set(c.created_at),
        };
        oauth_client::Entity::insert(row)
            .exec_without_returning(self.conn)
            .await
            .map_err(db_error)
            .map(|_| ())
    }

    async fn find_client(&self, id: Uuid) -> Result<Option<OAuthClient>, DomainError> {
        oauth_client::Entity::find_by_id(id)
            .one(self.conn)
            .await
            .map_err(db_error)?
            .map(client_domain)
            .transpose()
    }

    async fn find_client_by_client_id(&self, client_id: &str) -> Result<Option<OAuthClient>, DomainError> {
        oauth_client::Entity::find()
            .filter(oauth_client::Column::ClientId.eq(client_id))
            .one(self.conn)
            .await
            .map_err(db_error)?
            .map(client_domain)
            .transpose()
    }

    async fn list_clients(
        &self,
        owner: Option<UserId>,
        page: PageRequest,
    ) -> Result<Page<OAuthClient>, DomainError> {
        let mut query = oauth_client::Entity::find()
            .order_by_desc(oauth_client::Column::CreatedAt)
            .order_by_desc(oauth_client::Column::Id);
        if let Some(owner) = owner {
            query = query.filter(oauth_client::Column::OwnerId.eq(owner.as_uuid()));
        }
        page_of(self.conn, query, page, client_domain).await
    }

    async fn revoke_client(&self, id: Uuid, at: DateTime<Utc>) -> Result<(), DomainError> {
        oauth_client::Entity::update_many()
            .col_expr(oauth_client::Column::RevokedAt, Expr::value(at))
            .filter(oauth_client::Column::Id.eq(id))
            .filter(oauth_client::Column::RevokedAt.is_null())
            .exec(self.conn)
            .await
            .map_err(db_error)
            .map(|_| ())
    }
}

#[async_trait]
impl<C: ConnectionTrait + Send + Sync> MetafieldRepository for SqlAccounts<'_, C> {
    async fn upsert_metafield(&self, m: &Metafield) -> Result<Metafield, DomainError> {
        let value = serde_json::to_string(&m.value).map_err(DomainError::unexpected)?;
        let row = user_metafield::ActiveModel {
            id: Set(m.id),
            user_id: Set(m.owner_id),
            namespace: Set(m.namespace.clone()),
            key: Set(m.key.clone()),
            value: Set(value),
            created_at: Set(m.created_at),
            updated_at: Set(m.updated_at),
        };
        let replace = OnConflict::columns([
            user_metafield::Column::UserId,
            user_metafield::Column::Namespace,
            user_metafield::Column::Key,
        ])
        .update_columns([user_metafield::Column::Value, user_metafield::Column::UpdatedAt])
        .to_owned();
        user_metafield::Entity::insert(row)
            .on_conflict(replace)
            .exec_without_returning(self.conn)
            .await
            .map_err(db_error)?;
        let stored = user_metafield::Entity::find()
            .filter(user_metafield::Column::UserId.eq(m.owner_id))
            .filter(user_metafield::Column::Namespace.eq(&m.namespace))
            .filter(user_metafield::Column::Key.eq(&m.key))
            .one(self.conn)
            .await
            .map_err(db_error)?
            .ok_or_else(|| DomainError::unexpected("metafield vanished after upsert"))?;
        metafield_domain(stored)
    }

    async fn list_metafields(&self, user: UserId) -> Result<Vec<Metafield>, DomainError> {
        user_metafield::Entity::find()
            .filter(user_metafield::Column::UserId.eq(user.as_uuid()))
            .order_by_asc(user_metafield::Column::Namespace)
            .order_by_asc(user_metafield::Column::Key)
            .all(self.conn)
            .await
            .map_err(db_error)?
            .into_iter()
            .map(metafield_domain)
            .collect()
    }
}
