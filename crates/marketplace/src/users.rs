//! Account use cases of the foundation: creating admins and reading users.

use souk_auth::{NewUser, User, UserFilter, UserRepository, UserSort, new_admin, view_user};
use souk_kernel::{Actor, DomainError, Page, PageRequest, SortDirection, UserId};
use souk_storage::{SqlUsers, db_error};

use crate::Marketplace;

/// The outcome of ensuring the bootstrap admin exists.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AdminOutcome {
    /// A new admin account was stored.
    Created(User),
    /// An account with that e-mail already existed; nothing changed.
    AlreadyExists(User),
}

/// The outcome of provisioning a buyer or seller account, so callers such as demo seeding can
/// be run again without duplicating accounts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AccountOutcome {
    /// A new, verified account was stored.
    Created(User),
    /// An account with that e-mail or username already existed; nothing changed.
    AlreadyExists(User),
}

impl Marketplace {
    /// Creates an admin account; a taken e-mail or username is a `Conflict`.
    pub async fn create_admin(&self, input: NewUser) -> Result<User, DomainError> {
        let user = new_admin(input, &self.hasher, self.clock())?;
        let tx = self.db.begin_write().await.map_err(db_error)?;
        SqlUsers::new(&tx).insert(&user).await?;
        tx.commit().await.map_err(db_error)?;
        tracing::info!(user_id = %user.id, email = %user.email, "admin account created");
        Ok(user)
    }

    /// Creates the admin unless an account with that e-mail exists (start-up bootstrap).
    pub async fn ensure_admin(&self, input: NewUser) -> Result<AdminOutcome, DomainError> {
        let existing = SqlUsers::new(&self.db.conn).find_by_login(&input.email.trim().to_lowercase()).await?;
        match existing {
            Some(user) => Ok(AdminOutcome::AlreadyExists(user)),
            None => match self.create_admin(input.clone()).await {
                Ok(user) => Ok(AdminOutcome::Created(user)),
                Err(DomainError::Conflict(_)) => {
                    let user = SqlUsers::new(&self.db.conn)
                        .find_by_login(&input.email.trim().to_lowercase())
                        .await?;
                    user.map(AdminOutcome::AlreadyExists).ok_or_else(|| {
                        DomainError::Conflict("the admin username is taken by another account".into())
                    })
                }
                Err(other) => Err(other),
            },
        }
    }

    /// One user, if the actor may see it (itself or an admin).
    pub async fn get_user(&self, actor: &Actor, id: UserId) -> Result<User, DomainError> {
        souk_auth::permission::require(actor, "user", "view")?;
        view_user(actor, SqlUsers::new(&self.db.conn).find(id).await?)
    }

    /// A page of users; admins only.
    pub async fn list_users(
        &self,
        actor: &Actor,
        filter: &UserFilter,
        sort: UserSort,
        direction: SortDirection,
        page: PageRequest,
    ) -> Result<Page<User>, DomainError> {
        require_admin(actor)?;
        souk_auth::permission::require(actor, "user", "view")?;
        SqlUsers::new(&self.db.conn).list(filter, sort, direction, page).await
    }
}

pub use souk_auth::permission::require_admin;
