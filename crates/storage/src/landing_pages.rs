//! [`LandingPageRepository`] on sea-orm.

use std::collections::{HashMap, HashSet};

use async_trait::async_trait;
use sea_orm::sea_query::{Condition, Query};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, Order, QueryFilter, QueryOrder, QuerySelect,
};
use souk_catalog::landing_page::LandingPageSort;
use souk_catalog::{Audience, CodType, LandingPage, LandingPageId, LandingPageRepository};
use souk_kernel::{DomainError, Page, PageRequest, SortDirection, UserId};
use uuid::Uuid;

use crate::audience::visible_products;
use crate::db::{db_error, for_update, page_of};
use crate::entities::landing_page::{ActiveModel, Column, Entity, Model};
use crate::entities::product;

/// Landing pages stored through any connection or transaction.
#[derive(Debug)]
pub struct SqlLandingPages<'c, C> {
    conn: &'c C,
}

impl<'c, C: ConnectionTrait> SqlLandingPages<'c, C> {
    /// Landing pages on this connection.
    pub fn new(conn: &'c C) -> Self {
        Self { conn }
    }
}

fn to_domain(row: Model) -> Result<LandingPage, DomainError> {
    Ok(LandingPage {
        id: LandingPageId(row.id),
        owner_id: UserId(row.owner_id),
        product_id: row.product_id,
        title: row.title,
        slug: row.slug,
        meta_description: row.meta_description,
        lang: row.lang,
        cod_type: row.cod_type.parse::<CodType>().map_err(DomainError::unexpected)?,
        created_at: row.created_at,
        updated_at: row.updated_at,
    })
}

fn to_row(p: &LandingPage) -> ActiveModel {
    ActiveModel {
        id: Set(p.id.as_uuid()),
        owner_id: Set(p.owner_id.as_uuid()),
        product_id: Set(p.product_id),
        title: Set(p.title.clone()),
        slug: Set(p.slug.clone()),
        meta_description: Set(p.meta_description.clone()),
        lang: Set(p.lang.clone()),
        cod_type: Set(p.cod_type.as_str().to_owned()),
        created_at: Set(p.created_at),
        updated_at: Set(p.updated_at),
    }
}

/// Pages of listed products, and for a signed-in member those of products it sells now.
fn audience_condition(audience: Audience) -> Condition {
    match audience {
        Audience::Everything => Condition::all(),
        Audience::Member { user } => {
            let mut visible = Condition::any().add(Column::ProductId.in_subquery(visible_products(None)));
            if let Some(user) = user {
                let sold = Query::select()
                    .column(product::Column::Id)
                    .from(product::Entity)
                    .and_where(product::Column::SellerId.eq(user.as_uuid()))
                    .to_owned();
                visible = visible.add(Column::ProductId.in_subquery(sold));
            }
            visible
        }
    }
}

/// Sets each page's owner to its product's current seller (the stored `owner_id` may predate a
/// move of the product to another seller).
async fn with_current_owners(
    conn: &impl ConnectionTrait,
    mut pages: Vec<LandingPage>,
) -> Result<Vec<LandingPage>, DomainError> {
    let ids: HashSet<Uuid> = pages.iter().map(|p| p.product_id).collect();
    if ids.is_empty() {
        return Ok(pages);
    }
    let rows: Vec<(Uuid, Uuid)> = product::Entity::find()
        .select_only()
        .column(product::Column::Id)
        .column(product::Column::SellerId)
        .filter(product::Column::Id.is_in(ids))
        .into_tuple()
        .all(conn)
        .await
        .map_err(db_error)?;
    let sellers: HashMap<Uuid, Uuid> = rows.into_iter().collect();
    for page in &mut pages {
        if let Some(seller) = sellers.get(&page.product_id) {
            page.owner_id = UserId(*seller);
        }
    }
    Ok(pages)
}

impl<C: ConnectionTrait> SqlLandingPages<'_, C> {
    async fn load(&self, id: LandingPageId, lock: bool) -> Result<Option<LandingPage>, DomainError> {
        let query = Entity::find_by_id(id.as_uuid());
        let query = if lock { for_update(query, self.conn) } else { query };
        let Some(row) = query.one(self.conn).await.map_err(db_error)? else { return Ok(None) };
        Ok(with_current_owners(self.conn, vec![to_domain(row)?]).await?.pop())
    }
}

#[async_trait]
impl<C: ConnectionTrait + Send + Sync> LandingPageRepository for SqlLandingPages<'_, C> {
    async fn find(&self, id: LandingPageId) -> Result<Option<LandingPage>, DomainError> {
        self.load(id, false).await
    }

    async fn find_for_update(&self, id: LandingPageId) -> Result<Option<LandingPage>, DomainError> {
        self.load(id, true).await
    }

    async fn slugs_like(
        &self,
        base: &str,
        except: Option<LandingPageId>,
    ) -> Result<HashSet<String>, DomainError> {
        let mut query = Entity::find()
            .select_only()
            .column(Column::Slug)
            .filter(Condition::any().add(Column::Slug.eq(base)).add(Column::Slug.like(format!("{base}-%"))));
        if let Some(except) = except {
            query = query.filter(Column::Id.ne(except.as_uuid()));
        }
        let slugs: Vec<String> = query.into_tuple().all(self.conn).await.map_err(db_error)?;
        Ok(slugs.into_iter().collect())
    }

    async fn insert(&self, page: &LandingPage) -> Result<(), DomainError> {
        Entity::insert(to_row(page)).exec_without_returning(self.conn).await.map_err(db_error).map(|_| ())
    }

    async fn update(&self, page: &LandingPage) -> Result<(), DomainError> {
        Entity::update(to_row(page)).exec(self.conn).await.map_err(db_error).map(|_| ())
    }

    async fn delete(&self, id: LandingPageId) -> Result<(), DomainError> {
        Entity::delete_by_id(id.as_uuid()).exec(self.conn).await.map_err(db_error).map(|_| ())
    }

    async fn list(
        &self,
        audience: Audience,
        product_ids: &[Uuid],
        sort: LandingPageSort,
        direction: SortDirection,
        page: PageRequest,
    ) -> Result<Page<LandingPage>, DomainError> {
        let column = match sort {
            LandingPageSort::CreatedAt => Column::CreatedAt,
            LandingPageSort::Title => Column::Title,
        };
        let order = match direction {
            SortDirection::Asc => Order::Asc,
            SortDirection::Desc => Order::Desc,
        };
        let mut query = Entity::find().filter(audience_condition(audience));
        if !product_ids.is_empty() {
            query = query.filter(Column::ProductId.is_in(product_ids.iter().copied()));
        }
        let query = query.order_by(column, order.clone()).order_by(Column::Id, order);
        let mut pages = page_of(self.conn, query, page, to_domain).await?;
        pages.items = with_current_owners(self.conn, std::mem::take(&mut pages.items)).await?;
        Ok(pages)
    }
}
