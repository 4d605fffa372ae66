//! [`UserRepository`] on sea-orm.

use async_trait::async_trait;
use sea_orm::sea_query::{Expr, ExprTrait, Func, LikeExpr};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, Condition, ConnectionTrait, EntityTrait, Order, QueryFilter, QueryOrder,
};
use souk_auth::{User, UserFilter, UserRepository, UserSort, UserStatus};
use souk_kernel::{DomainError, Page, PageRequest, Role, SortDirection, UserId};

use crate::db::{db_error, page_of};
use crate::entities::user::{ActiveModel, Column, Entity, Model};

/// Users stored through any connection or transaction.
#[derive(Debug)]
pub struct SqlUsers<'c, C> {
    conn: &'c C,
}

impl<'c, C: ConnectionTrait> SqlUsers<'c, C> {
    /// Users on this connection.
    pub fn new(conn: &'c C) -> Self {
        Self { conn }
    }
}

fn corrupt(column: &str, value: &str) -> DomainError {
    DomainError::unexpected(format!("users.{column} holds an unknown value {value:?}"))
}

fn to_domain(row: Model) -> Result<User, DomainError> {
    Ok(User {
        id: UserId(row.id),
        role: row.role.parse::<Role>().map_err(|_| corrupt("role", &row.role))?,
        status: row.status.parse::<UserStatus>().map_err(|_| corrupt("status", &row.status))?,
        email: row.email,
        username: row.username,
        password_hash: row.password_hash,
        first_name: row.first_name,
        last_name: row.last_name,
        phone: row.phone,
        email_verified_at: row.email_verified_at,
        created_at: row.created_at,
        updated_at: row.updated_at,
    })
}

fn to_row(user: &User) -> ActiveModel {
    ActiveModel {
        id: Set(user.id.as_uuid()),
        email: Set(user.email.clone()),
        username: Set(user.username.clone()),
        password_hash: Set(user.password_hash.clone()),
        role: Set(user.role.as_str().to_owned()),
        status: Set(user.status.as_str().to_owned()),
        first_name: Set(user.first_name.clone()),
        last_name: Set(user.last_name.clone()),
        phone: Set(user.phone.clone()),
        email_verified_at: Set(user.email_verified_at),
        created_at: Set(user.created_at),
        updated_at: Set(user.updated_at),
    }
}

/// `%text%` with the LIKE wildcards of the user's text escaped.
fn contains_pattern(text: &str) -> LikeExpr {
    let escaped = text.to_lowercase().replace('\\', "\\\\").replace('%', "\\%").replace('_', "\\_");
    LikeExpr::new(format!("%{escaped}%")).escape('\\')
}

fn filter_condition(filter: &UserFilter) -> Condition {
    let mut condition = Condition::all();
    if !filter.roles.is_empty() {
        condition = condition.add(Column::Role.is_in(filter.roles.iter().map(Role::as_str)));
    }
    if !filter.statuses.is_empty() {
        condition = condition.add(Column::Status.is_in(filter.statuses.iter().map(UserStatus::as_str)));
    }
    if let Some(search) = filter.search.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        let any_column = [Column::Email, Column::Username, Column::FirstName, Column::LastName]
            .into_iter()
            .fold(Condition::any(), |any, column| {
                any.add(Expr::expr(Func::lower(Expr::col(column))).like(contains_pattern(search)))
            });
        condition = condition.add(any_column);
    }
    let bounds = [
        (Column::CreatedAt, filter.created_from, filter.created_to),
        (Column::UpdatedAt, filter.updated_from, filter.updated_to),
    ];
    for (column, from, to) in bounds {
        if let Some(from) = from {
            condition = condition.add(column.gte(from));
        }
        if let Some(to) = to {
            condition = condition.add(column.lte(to));
        }
    }
    condition
}

#[async_trait]
impl<C: ConnectionTrait + Send + Sync> UserRepository for SqlUsers<'_, C> {
    async fn insert(&self, user: &User) -> Result<(), DomainError> {
        Entity::insert(to_row(user)).exec_without_returning(self.conn).await.map_err(db_error)?;
        Ok(())
    }

    async fn update(&self, user: &User) -> Result<(), DomainError> {
        Entity::update(to_row(user)).exec(self.conn).await.map_err(db_error)?;
        Ok(())
    }

    async fn delete(&self, id: UserId) -> Result<(), DomainError> {
        Entity::delete_by_id(id.as_uuid()).exec(self.conn).await.map_err(db_error)?;
        Ok(())
    }

    async fn find(&self, id: UserId) -> Result<Option<User>, DomainError> {
        Entity::find_by_id(id.as_uuid()).one(self.conn).await.map_err(db_error)?.map(to_domain).transpose()
    }

    async fn find_many(&self, ids: &[UserId]) -> Result<Vec<User>, DomainError> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        Entity::find()
            .filter(Column::Id.is_in(ids.iter().map(UserId::as_uuid)))
            .all(self.conn)
            .await
            .map_err(db_error)?
            .into_iter()
            .map(to_domain)
            .collect()
    }

    async fn find_by_login(&self, login: &str) -> Result<Option<User>, DomainError> {
        let login = login.trim();
        Entity::find()
            .filter(
                Condition::any().add(Column::Email.eq(login.to_lowercase())).add(Column::Username.eq(login)),
            )
            .one(self.conn)
            .await
            .map_err(db_error)?
            .map(to_domain)
            .transpose()
    }

    async fn list(
        &self,
        filter: &UserFilter,
        sort: UserSort,
        direction: SortDirection,
        page: PageRequest,
    ) -> Result<Page<User>, DomainError> {
        let column = match sort {
            UserSort::CreatedAt => Column::CreatedAt,
            UserSort::UpdatedAt => Column::UpdatedAt,
            UserSort::Email => Column::Email,
            UserSort::Username => Column::Username,
        };
        let order = match direction {
            SortDirection::Asc => Order::Asc,
            SortDirection::Desc => Order::Desc,
        };
        let query = Entity::find()
            .filter(filter_condition(filter))
            .order_by(column, order.clone())
            .order_by(Column::Id, order);
        page_of(self.conn, query, page, to_domain).await
    }
}
