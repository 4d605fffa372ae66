//! [`CategoryRepository`] on sea-orm.

use async_trait::async_trait;
use sea_orm::sea_query::Expr;
use sea_orm::{ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter};
use souk_catalog::{Category, CategoryId, CategoryRepository};
use souk_kernel::DomainError;

use crate::db::db_error;
use crate::entities::category::{ActiveModel, Column, Entity, Model};

/// Categories stored through any connection or transaction.
#[derive(Debug)]
pub struct SqlCategories<'c, C> {
    conn: &'c C,
}

impl<'c, C: ConnectionTrait> SqlCategories<'c, C> {
    /// Categories on this connection.
    pub fn new(conn: &'c C) -> Self {
        Self { conn }
    }
}

fn to_domain(row: Model) -> Category {
    Category {
        id: CategoryId(row.id),
        name: row.name,
        slug: row.slug,
        parent_id: row.parent_id.map(CategoryId),
        created_at: row.created_at,
        updated_at: row.updated_at,
    }
}

fn to_row(c: &Category) -> ActiveModel {
    ActiveModel {
        id: Set(c.id.as_uuid()),
        name: Set(c.name.clone()),
        slug: Set(c.slug.clone()),
        parent_id: Set(c.parent_id.map(|p| p.as_uuid())),
        created_at: Set(c.created_at),
        updated_at: Set(c.updated_at),
    }
}

#[async_trait]
impl<C: ConnectionTrait + Send + Sync> CategoryRepository for SqlCategories<'_, C> {
    async fn all(&self) -> Result<Vec<Category>, DomainError> {
        Ok(Entity::find().all(self.conn).await.map_err(db_error)?.into_iter().map(to_domain).collect())
    }

    async fn find(&self, id: CategoryId) -> Result<Option<Category>, DomainError> {
        Ok(Entity::find_by_id(id.as_uuid()).one(self.conn).await.map_err(db_error)?.map(to_domain))
    }

    async fn slug_taken(&self, slug: &str, except: Option<CategoryId>) -> Result<bool, DomainError> {
        let mut query = Entity::find().filter(Column::Slug.eq(slug));
        if let Some(except) = except {
            query = query.filter(Column::Id.ne(except.as_uuid()));
        }
        Ok(query.count(self.conn).await.map_err(db_error)? > 0)
    }

    async fn insert(&self, c: &Category) -> Result<(), DomainError> {
        Entity::insert(to_row(c)).exec_without_returning(self.conn).await.map_err(db_error).map(|_| ())
    }

    async fn update(&self, c: &Category) -> Result<(), DomainError> {
        Entity::update(to_row(c)).exec(self.conn).await.map_err(db_error).map(|_| ())
    }

    async fn reparent_children(&self, from: CategoryId, to: Option<CategoryId>) -> Result<(), DomainError> {
        Entity::update_many()
            .col_expr(Column::ParentId, Expr::value(to.map(|t| t.as_uuid())))
            .filter(Column::ParentId.eq(from.as_uuid()))
            .exec(self.conn)
            .await
            .map_err(db_error)
            .map(|_| ())
    }

    async fn delete(&self, id: CategoryId) -> Result<(), DomainError> {
        Entity::delete_by_id(id.as_uuid()).exec(self.conn).await.map_err(db_error).map(|_| ())
    }
}
