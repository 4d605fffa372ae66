//! [`ReviewRepository`] on sea-orm: reviews with their image links, the visibility predicate of
//! the list, the file facts image checks need, and rating summaries for product reads.

use std::collections::HashMap;

use async_trait::async_trait;
use sea_orm::sea_query::{Condition, Expr, Func};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, Order, PaginatorTrait, QueryFilter,
    QueryOrder, QuerySelect,
};
use souk_catalog::review::{FileFacts, ReviewFilter, ReviewSort, summarize};
use souk_catalog::{Audience, RatingSummary, Review, ReviewId, ReviewRepository, ReviewStatus};
use souk_kernel::{DomainError, Page, PageRequest, SortDirection, UserId};
use uuid::Uuid;

use crate::audience::visible_products;
use crate::db::{db_error, for_update, page_of};
use crate::entities::review::{ActiveModel, Column, Entity, Model};
use crate::entities::{file, file_link};

/// The `fileable_type` of review images in `file_links`.
pub const FILEABLE_TYPE: &str = "review";
/// The `role` of review images in `file_links`.
pub const IMAGE_ROLE: &str = "image";

/// Reviews stored through any connection or transaction.
#[derive(Debug)]
pub struct SqlReviews<'c, C> {
    conn: &'c C,
}

impl<'c, C: ConnectionTrait> SqlReviews<'c, C> {
    /// Reviews on this connection.
    pub fn new(conn: &'c C) -> Self {
        Self { conn }
    }
}

fn to_domain(row: Model) -> Result<Review, DomainError> {
    Ok(Review {
        id: ReviewId(row.id),
        product_id: row.product_id,
        author_id: UserId(row.author_id),
        rating: u8::try_from(row.rating).map_err(DomainError::unexpected)?,
        content: row.content,
        status: row.status.parse::<ReviewStatus>().map_err(DomainError::unexpected)?,
        verified_purchase: row.verified_purchase,
        image_ids: Vec::new(),
        created_at: row.created_at,
        updated_at: row.updated_at,
    })
}

fn to_row(r: &Review) -> ActiveModel {
    ActiveModel {
        id: Set(r.id.as_uuid()),
        product_id: Set(r.product_id),
        author_id: Set(r.author_id.as_uuid()),
        rating: Set(i32::from(r.rating)),
        content: Set(r.content.clone()),
        status: Set(r.status.as_str().to_owned()),
        verified_purchase: Set(r.verified_purchase),
        created_at: Set(r.created_at),
        updated_at: Set(r.updated_at),
    }
}

/// The image ids of each of these reviews, in order.
async fn images_of(
    conn: &impl ConnectionTrait,
    ids: &[Uuid],
) -> Result<HashMap<Uuid, Vec<Uuid>>, DomainError> {
    if ids.is_empty() {
        return Ok(HashMap::new());
    }
    let rows: Vec<(Uuid, Uuid)> = file_link::Entity::find()
        .select_only()
        .column(file_link::Column::FileableId)
        .column(file_link::Column::FileId)
        .filter(file_link::Column::FileableType.eq(FILEABLE_TYPE))
        .filter(file_link::Column::FileableId.is_in(ids.iter().copied()))
        .order_by_asc(file_link::Column::Position)
        .into_tuple()
        .all(conn)
        .await
        .map_err(db_error)?;
    let mut images: HashMap<Uuid, Vec<Uuid>> = HashMap::new();
    for (review, file) in rows {
        images.entry(review).or_default().push(file);
    }
    Ok(images)
}

fn audience_condition(audience: Audience) -> Condition {
    match audience {
        Audience::Everything => Condition::all(),
        Audience::Member { user } => {
            let public = Condition::all()
                .add(Column::Status.eq(ReviewStatus::Published.as_str()))
                .add(Column::ProductId.in_subquery(visible_products(user)));
            let mut visible = Condition::any().add(public);
            if let Some(user) = user {
                visible = visible.add(Column::AuthorId.eq(user.as_uuid()));
            }
            visible
        }
    }
}

fn filter_condition(filter: &ReviewFilter) -> Condition {
    let mut condition = Condition::all();
    if !filter.product_ids.is_empty() {
        condition = condition.add(Column::ProductId.is_in(filter.product_ids.iter().copied()));
    }
    if !filter.statuses.is_empty() {
        condition = condition.add(Column::Status.is_in(filter.statuses.iter().map(ReviewStatus::as_str)));
    }
    if let Some(min) = filter.min_rating {
        condition = condition.add(Column::Rating.gte(i32::from(min)));
    }
    condition
}

impl<C: ConnectionTrait> SqlReviews<'_, C> {
    async fn load(&self, id: ReviewId, lock: bool) -> Result<Option<Review>, DomainError> {
        let query = Entity::find_by_id(id.as_uuid());
        let query = if lock { for_update(query, self.conn) } else { query };
        let Some(row) = query.one(self.conn).await.map_err(db_error)? else {
            return Ok(None);
        };
        let mut review = to_domain(row)?;
        review.image_ids = images_of(self.conn, &[review.id.as_uuid()])
            .await?
            .remove(&review.id.as_uuid())
            .unwrap_or_default();
        Ok(Some(review))
    }
}

#[async_trait]
impl<C: ConnectionTrait + Send + Sync> ReviewRepository for SqlReviews<'_, C> {
    async fn find(&self, id: ReviewId) -> Result<Option<Review>, DomainError> {
        self.load(id, false).await
    }

    async fn find_for_update(&self, id: ReviewId) -> Result<Option<Review>, DomainError> {
        self.load(id, true).await
    }

    async fn exists_for(&self, product_id: Uuid, author_id: UserId) -> Result<bool, DomainError> {
        let count = Entity::find()
            .filter(Column::ProductId.eq(product_id))
            .filter(Column::AuthorId.eq(author_id.as_uuid()))
            .count(self.conn)
            .await
            .map_err(db_error)?;
        Ok(count > 0)
    }

    async fn insert(&self, review: &Review) -> Result<(), DomainError> {
        Entity::insert(to_row(review)).exec_without_returning(self.conn).await.map_err(
            |error| match db_error(error) {
                DomainError::Conflict(_) => {
                    DomainError::Conflict("you have already reviewed this product".into())
                }
                other => other,
            },
        )?;
        if review.image_ids.is_empty() {
            return Ok(());
        }
        let links = review.image_ids.iter().enumerate().map(|(position, file_id)| file_link::ActiveModel {
            file_id: Set(*file_id),
            fileable_type: Set(FILEABLE_TYPE.to_owned()),
            fileable_id: Set(review.id.as_uuid()),
            role: Set(Some(IMAGE_ROLE.to_owned())),
            position: Set(i32::try_from(position).unwrap_or(i32::MAX)),
            alt: Set(None),
            created_at: Set(review.created_at),
        });
        file_link::Entity::insert_many(links)
            .exec_without_returning(self.conn)
            .await
            .map_err(db_error)
            .map(|_| ())
    }

    async fn update(&self, review: &Review) -> Result<(), DomainError> {
        Entity::update(to_row(review)).exec(self.conn).await.map_err(db_error).map(|_| ())
    }

    async fn delete(&self, id: ReviewId) -> Result<(), DomainError> {
        file_link::Entity::delete_many()
            .filter(file_link::Column::FileableType.eq(FILEABLE_TYPE))
            .filter(file_link::Column::FileableId.eq(id.as_uuid()))
            .exec(self.conn)
            .await
            .map_err(db_error)?;
        Entity::delete_by_id(id.as_uuid()).exec(self.conn).await.map_err(db_error).map(|_| ())
    }

    async fn list(
        &self,
        audience: Audience,
        filter: &ReviewFilter,
        sort: ReviewSort,
        direction: SortDirection,
        page: PageRequest,
    ) -> Result<Page<Review>, DomainError> {
        let column = match sort {
            ReviewSort::CreatedAt => Column::CreatedAt,
            ReviewSort::Rating => Column::Rating,
        };
        let order = match direction {
            SortDirection::Asc => Order::Asc,
            SortDirection::Desc => Order::Desc,
        };
        let query = Entity::find()
            .filter(audience_condition(audience))
            .filter(filter_condition(filter))
            .order_by(column, order.clone())
            .order_by(Column::Id, order);
        let mut reviews = page_of(self.conn, query, page, to_domain).await?;
        let ids: Vec<Uuid> = reviews.items.iter().map(|r| r.id.as_uuid()).collect();
        let mut images = images_of(self.conn, &ids).await?;
        for review in &mut reviews.items {
            review.image_ids = images.remove(&review.id.as_uuid()).unwrap_or_default();
        }
        Ok(reviews)
    }
}

/// Owner and content type of each of these files that exists.
pub async fn file_facts(
    conn: &impl ConnectionTrait,
    ids: &[Uuid],
) -> Result<HashMap<Uuid, FileFacts>, DomainError> {
    if ids.is_empty() {
        return Ok(HashMap::new());
    }
    let rows: Vec<(Uuid, Option<Uuid>, String)> = file::Entity::find()
        .select_only()
        .column(file::Column::Id)
        .column(file::Column::OwnerId)
        .column(file::Column::MimeType)
        .filter(file::Column::Id.is_in(ids.iter().copied()))
        .into_tuple()
        .all(conn)
        .await
        .map_err(db_error)?;
    Ok(rows
        .into_iter()
        .map(|(id, owner, mime_type)| (id, FileFacts { owner_id: owner.map(UserId), mime_type }))
        .collect())
}

/// Count and mean rating of the published reviews of each product that has any, for product
/// reads (products without published reviews are absent from the map).
pub async fn rating_summary(
    conn: &impl ConnectionTrait,
    product_ids: &[Uuid],
) -> Result<HashMap<Uuid, RatingSummary>, DomainError> {
    if product_ids.is_empty() {
        return Ok(HashMap::new());
    }
    let mut summaries = HashMap::new();
    for chunk in product_ids.chunks(500) {
        let rows: Vec<(Uuid, i64, i64)> = Entity::find()
            .select_only()
            .column(Column::ProductId)
            .column_as(Expr::from(Func::count(Expr::col(Column::Id))), "reviews")
            .column_as(Expr::from(Func::sum(Expr::col(Column::Rating))), "stars")
            .filter(Column::Status.eq(ReviewStatus::Published.as_str()))
            .filter(Column::ProductId.is_in(chunk.iter().copied()))
            .group_by(Column::ProductId)
            .into_tuple()
            .all(conn)
            .await
            .map_err(db_error)?;
        for (product, count, sum) in rows {
            summaries.insert(product, summarize(u64::try_from(count).unwrap_or(0), sum));
        }
    }
    Ok(summaries)
}
