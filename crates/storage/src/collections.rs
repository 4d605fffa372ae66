//! [`CollectionRepository`] on sea-orm, and the membership reads product listings filter on.

use std::collections::{HashMap, HashSet};

use async_trait::async_trait;
use sea_orm::sea_query::{Expr, Func};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect,
};
use souk_catalog::collection::Metadata;
use souk_catalog::{Collection, CollectionId, CollectionRepository};
use souk_kernel::DomainError;
use uuid::Uuid;

use crate::audience::visible_products;
use crate::db::{db_error, for_update};
use crate::entities::collection::{ActiveModel, Column, Entity, Model};
use crate::entities::{collection_product, product};

/// Collections stored through any connection or transaction.
#[derive(Debug)]
pub struct SqlCollections<'c, C> {
    conn: &'c C,
}

impl<'c, C: ConnectionTrait> SqlCollections<'c, C> {
    /// Collections on this connection.
    pub fn new(conn: &'c C) -> Self {
        Self { conn }
    }
}

fn to_domain(row: Model) -> Result<Collection, DomainError> {
    let metadata = match row.metadata.as_deref() {
        None => Metadata::new(),
        Some(text) => serde_json::from_str(text).map_err(DomainError::unexpected)?,
    };
    Ok(Collection {
        id: CollectionId(row.id),
        handle: row.handle,
        title: row.title,
        metadata,
        parent_id: row.parent_id.map(CollectionId),
        created_at: row.created_at,
        updated_at: row.updated_at,
    })
}

fn to_row(c: &Collection) -> Result<ActiveModel, DomainError> {
    let metadata = if c.metadata.is_empty() {
        None
    } else {
        Some(serde_json::to_string(&c.metadata).map_err(DomainError::unexpected)?)
    };
    Ok(ActiveModel {
        id: Set(c.id.as_uuid()),
        handle: Set(c.handle.clone()),
        title: Set(c.title.clone()),
        metadata: Set(metadata),
        parent_id: Set(c.parent_id.map(|p| p.as_uuid())),
        created_at: Set(c.created_at),
        updated_at: Set(c.updated_at),
    })
}

#[async_trait]
impl<C: ConnectionTrait + Send + Sync> CollectionRepository for SqlCollections<'_, C> {
    async fn all(&self) -> Result<Vec<Collection>, DomainError> {
        Entity::find().all(self.conn).await.map_err(db_error)?.into_iter().map(to_domain).collect()
    }

    async fn all_for_update(&self) -> Result<Vec<Collection>, DomainError> {
        let query = for_update(Entity::find().order_by_asc(Column::Id), self.conn);
        query.all(self.conn).await.map_err(db_error)?.into_iter().map(to_domain).collect()
    }

    async fn find_by_handle(&self, handle: &str) -> Result<Option<Collection>, DomainError> {
        Entity::find()
            .filter(Column::Handle.eq(handle))
            .one(self.conn)
            .await
            .map_err(db_error)?
            .map(to_domain)
            .transpose()
    }

    async fn insert(&self, c: &Collection) -> Result<(), DomainError> {
        Entity::insert(to_row(c)?).exec_without_returning(self.conn).await.map_err(db_error).map(|_| ())
    }

    async fn update(&self, c: &Collection) -> Result<(), DomainError> {
        Entity::update(to_row(c)?).exec(self.conn).await.map_err(db_error).map(|_| ())
    }

    async fn delete(&self, id: CollectionId) -> Result<(), DomainError> {
        collection_product::Entity::delete_many()
            .filter(collection_product::Column::CollectionId.eq(id.as_uuid()))
            .exec(self.conn)
            .await
            .map_err(db_error)?;
        Entity::delete_by_id(id.as_uuid()).exec(self.conn).await.map_err(db_error).map(|_| ())
    }

    async fn product_counts(&self, listed_only: bool) -> Result<HashMap<CollectionId, u64>, DomainError> {
        let mut query = collection_product::Entity::find()
            .select_only()
            .column(collection_product::Column::CollectionId)
            .column_as(Expr::from(Func::count(Expr::col(collection_product::Column::ProductId))), "members")
            .group_by(collection_product::Column::CollectionId);
        if listed_only {
            query = query.filter(collection_product::Column::ProductId.in_subquery(visible_products(None)));
        }
        let rows: Vec<(Uuid, i64)> = query.into_tuple().all(self.conn).await.map_err(db_error)?;
        Ok(rows.into_iter().map(|(id, n)| (CollectionId(id), u64::try_from(n).unwrap_or(0))).collect())
    }

    async fn product_ids(&self, id: CollectionId) -> Result<Vec<Uuid>, DomainError> {
        member_ids(self.conn, id.as_uuid()).await
    }

    async fn set_products(&self, id: CollectionId, product_ids: &[Uuid]) -> Result<(), DomainError> {
        collection_product::Entity::delete_many()
            .filter(collection_product::Column::CollectionId.eq(id.as_uuid()))
            .exec(self.conn)
            .await
            .map_err(db_error)?;
        if product_ids.is_empty() {
            return Ok(());
        }
        let rows =
            product_ids.iter().enumerate().map(|(position, product_id)| collection_product::ActiveModel {
                collection_id: Set(id.as_uuid()),
                product_id: Set(*product_id),
                position: Set(i32::try_from(position).unwrap_or(i32::MAX)),
            });
        collection_product::Entity::insert_many(rows)
            .exec_without_returning(self.conn)
            .await
            .map_err(db_error)
            .map(|_| ())
    }
}

async fn member_ids(conn: &impl ConnectionTrait, collection_id: Uuid) -> Result<Vec<Uuid>, DomainError> {
    collection_product::Entity::find()
        .select_only()
        .column(collection_product::Column::ProductId)
        .filter(collection_product::Column::CollectionId.eq(collection_id))
        .order_by_asc(collection_product::Column::Position)
        .into_tuple()
        .all(conn)
        .await
        .map_err(db_error)
}

/// The member product ids of the collection with this handle, in their order, or `None` when no
/// collection has it: what the product listing's `collection` filter and
/// `GET /collections/{handle}/products` read (they apply product visibility themselves).
pub async fn collection_product_ids(
    conn: &impl ConnectionTrait,
    handle: &str,
) -> Result<Option<Vec<Uuid>>, DomainError> {
    let id: Option<Uuid> = Entity::find()
        .select_only()
        .column(Column::Id)
        .filter(Column::Handle.eq(handle))
        .into_tuple()
        .one(conn)
        .await
        .map_err(db_error)?;
    match id {
        Some(id) => member_ids(conn, id).await.map(Some),
        None => Ok(None),
    }
}

/// Which of these ids name products that exist and are not deleted.
pub async fn undeleted_products(
    conn: &impl ConnectionTrait,
    ids: &[Uuid],
) -> Result<HashSet<Uuid>, DomainError> {
    if ids.is_empty() {
        return Ok(HashSet::new());
    }
    let mut found = HashSet::new();
    for chunk in ids.chunks(500) {
        let rows: Vec<Uuid> = product::Entity::find()
            .select_only()
            .column(product::Column::Id)
            .filter(product::Column::Id.is_in(chunk.iter().copied()))
            .filter(product::Column::DeletedAt.is_null())
            .into_tuple()
            .all(conn)
            .await
            .map_err(db_error)?;
        found.extend(rows);
    }
    Ok(found)
}
