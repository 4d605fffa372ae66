//! Metadata of stored files and their links to other objects (the bytes live in the file
//! store), plus the ownership facts a link checks against.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use sea_orm::sea_query::{Alias, Expr, ExprTrait, Func, LikeExpr, Query};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, Condition, ConnectionTrait, DbErr, EntityTrait, Order, PaginatorTrait,
    QueryFilter, QueryOrder, QuerySelect,
};
use souk_catalog::file::{IMAGE_ROLE, LinkReach};
use souk_catalog::{
    FileAccess, FileFilter, FileSort, FileableType, LinkTarget, MimePattern, ProductAccess, ReviewStatus,
};
use souk_kernel::{Actor, DomainError, Page, PageRequest, SortDirection, UserId};
use uuid::Uuid;

use crate::db::{db_error, page_of};
use crate::entities::file::{ActiveModel, Column, Entity, Model};
use crate::entities::{file_link, landing_page, return_request, review, user, variant};
use crate::products::product_access;

/// A stored file's metadata.
pub type FileRecord = Model;
/// One link of a file to an object.
pub type LinkRecord = file_link::Model;

/// Records a stored file.
pub async fn insert_file(conn: &impl ConnectionTrait, file: &FileRecord) -> Result<(), DbErr> {
    let row = ActiveModel {
        id: Set(file.id),
        owner_id: Set(file.owner_id),
        name: Set(file.name.clone()),
        mime_type: Set(file.mime_type.clone()),
        size: Set(file.size),
        storage_key: Set(file.storage_key.clone()),
        created_at: Set(file.created_at),
    };
    Entity::insert(row).exec_without_returning(conn).await.map(|_| ())
}

/// Loads a file's metadata.
pub async fn find_file(conn: &impl ConnectionTrait, id: Uuid) -> Result<Option<FileRecord>, DbErr> {
    Entity::find_by_id(id).one(conn).await
}

/// A new record for bytes stored under `storage_key`.
pub fn new_record(
    owner: Option<Uuid>,
    name: &str,
    mime_type: &str,
    size: i64,
    storage_key: String,
    now: DateTime<Utc>,
) -> FileRecord {
    FileRecord {
        id: Uuid::now_v7(),
        owner_id: owner,
        name: name.to_owned(),
        mime_type: mime_type.to_owned(),
        size,
        storage_key,
        created_at: now,
    }
}

/// The access facts of products, each read once per call.
#[derive(Debug, Default)]
struct Products(HashMap<Uuid, Option<ProductAccess>>);

impl Products {
    async fn get(
        &mut self,
        conn: &impl ConnectionTrait,
        id: Uuid,
    ) -> Result<Option<ProductAccess>, DomainError> {
        if let Some(known) = self.0.get(&id) {
            return Ok(*known);
        }
        let access = product_access(conn, id).await?;
        self.0.insert(id, access);
        Ok(access)
    }
}

/// The product a variant belongs to, if the variant exists.
async fn product_of_variant(conn: &impl ConnectionTrait, id: Uuid) -> Result<Option<Uuid>, DomainError> {
    variant::Entity::find_by_id(id)
        .select_only()
        .column(variant::Column::ProductId)
        .into_tuple()
        .one(conn)
        .await
        .map_err(db_error)
}

/// The product a landing page sells, if the page exists.
async fn product_of_page(conn: &impl ConnectionTrait, id: Uuid) -> Result<Option<Uuid>, DomainError> {
    landing_page::Entity::find_by_id(id)
        .select_only()
        .column(landing_page::Column::ProductId)
        .into_tuple()
        .one(conn)
        .await
        .map_err(db_error)
}

async fn reach_of(
    conn: &impl ConnectionTrait,
    products: &mut Products,
    link: &LinkRecord,
) -> Result<LinkReach, DomainError> {
    let product = |access: Option<ProductAccess>| access.map_or(LinkReach::Missing, LinkReach::Product);
    let id = link.fileable_id;
    Ok(match link.fileable_type.parse::<FileableType>() {
        Ok(FileableType::Product) => product(products.get(conn, id).await?),
        Ok(FileableType::Variant) => match product_of_variant(conn, id).await? {
            Some(product_id) => product(products.get(conn, product_id).await?),
            None => LinkReach::Missing,
        },
        Ok(FileableType::Review) => {
            let row: Option<(Uuid, Uuid, String)> = review::Entity::find_by_id(id)
                .select_only()
                .column(review::Column::ProductId)
                .column(review::Column::AuthorId)
                .column(review::Column::Status)
                .into_tuple()
                .one(conn)
                .await
                .map_err(db_error)?;
            match row {
                Some((product_id, author, status)) => LinkReach::Review {
                    author: UserId(author),
                    published: status == ReviewStatus::Published.as_str(),
                    product: products.get(conn, product_id).await?,
                },
                None => LinkReach::Missing,
            }
        }
        Ok(FileableType::LandingPage) => match product_of_page(conn, id).await? {
            Some(product_id) => LinkReach::LandingPage(products.get(conn, product_id).await?),
            None => LinkReach::Missing,
        },
        Ok(FileableType::User) => LinkReach::User(UserId(id)),
        Ok(FileableType::Return) => {
            let row: Option<(Uuid, Uuid)> = return_request::Entity::find_by_id(id)
                .select_only()
                .column(return_request::Column::BuyerId)
                .column(return_request::Column::SellerId)
                .into_tuple()
                .one(conn)
                .await
                .map_err(db_error)?;
            row.map_or(LinkReach::Missing, |(buyer, seller)| LinkReach::Return {
                buyer: UserId(buyer),
                seller: UserId(seller),
            })
        }
        Err(_) => LinkReach::Missing,
    })
}

/// The links among these that the actor may see (their object is visible to it), in order.
pub async fn visible_links(
    conn: &impl ConnectionTrait,
    actor: &Actor,
    links: Vec<LinkRecord>,
) -> Result<Vec<LinkRecord>, DomainError> {
    if actor.is_admin() {
        return Ok(links);
    }
    let mut products = Products::default();
    let mut visible = Vec::with_capacity(links.len());
    for link in links {
        if reach_of(conn, &mut products, &link).await?.visible_to(actor) {
            visible.push(link);
        }
    }
    Ok(visible)
}

/// A file with the facts its access checks need for this actor and the links the actor may see,
/// or `None` when it does not exist. The file is public to the actor when a link publishes it
/// (media of a product the actor sees, directly or through a variant; a photo of a review the
/// actor sees) or when it is the image of a variant of a product the actor sees.
pub async fn file_with_access(
    conn: &impl ConnectionTrait,
    id: Uuid,
    actor: &Actor,
) -> Result<Option<(FileRecord, FileAccess, Vec<LinkRecord>)>, DomainError> {
    let Some(file) = find_file(conn, id).await.map_err(db_error)? else { return Ok(None) };
    let mut products = Products::default();
    let mut public = false;
    let mut visible = Vec::new();
    for link in links_of(conn, &[id]).await? {
        let reach = reach_of(conn, &mut products, &link).await?;
        public |= reach.publishes_to(actor);
        if reach.visible_to(actor) {
            visible.push(link);
        }
    }
    if !public {
        let owners: Vec<Uuid> = variant::Entity::find()
            .select_only()
            .column(variant::Column::ProductId)
            .filter(variant::Column::ImageFileId.eq(id))
            .into_tuple()
            .all(conn)
            .await
            .map_err(db_error)?;
        for product_id in owners {
            if products.get(conn, product_id).await?.is_some_and(|p| p.visible_to(actor)) {
                public = true;
                break;
            }
        }
    }
    let access = FileAccess { owner_id: file.owner_id.map(UserId), public };
    Ok(Some((file, access, visible)))
}

/// How many gallery images (links with role `image`) a product has. On PostgreSQL the product
/// row is locked first, so concurrent gallery links count each other; SQLite write
/// transactions are exclusive already.
pub async fn gallery_size(conn: &impl ConnectionTrait, product_id: Uuid) -> Result<u64, DomainError> {
    crate::products::lock_product(conn, product_id).await?;
    file_link::Entity::find()
        .filter(file_link::Column::FileableType.eq(FileableType::Product.as_str()))
        .filter(file_link::Column::FileableId.eq(product_id))
        .filter(file_link::Column::Role.eq(IMAGE_ROLE))
        .count(conn)
        .await
        .map_err(db_error)
}

/// Records a link (a second link of the same file to the same object is a `Conflict`).
pub async fn insert_link(conn: &impl ConnectionTrait, link: &LinkRecord) -> Result<(), DomainError> {
    let row = file_link::ActiveModel {
        file_id: Set(link.file_id),
        fileable_type: Set(link.fileable_type.clone()),
        fileable_id: Set(link.fileable_id),
        role: Set(link.role.clone()),
        position: Set(link.position),
        alt: Set(link.alt.clone()),
        created_at: Set(link.created_at),
    };
    file_link::Entity::insert(row).exec_without_returning(conn).await.map_err(db_error).map(|_| ())
}

/// The position after the last file linked to an object (0 for the first).
pub async fn next_position(
    conn: &impl ConnectionTrait,
    fileable_type: FileableType,
    fileable_id: Uuid,
) -> Result<i32, DomainError> {
    let last: Option<Option<i32>> = file_link::Entity::find()
        .select_only()
        .column_as(file_link::Column::Position.max(), "last")
        .filter(file_link::Column::FileableType.eq(fileable_type.as_str()))
        .filter(file_link::Column::FileableId.eq(fileable_id))
        .into_tuple()
        .one(conn)
        .await
        .map_err(db_error)?;
    Ok(last.flatten().map_or(0, |last| last.saturating_add(1)))
}

/// Every link of these files, oldest first.
pub async fn links_of(
    conn: &impl ConnectionTrait,
    file_ids: &[Uuid],
) -> Result<Vec<LinkRecord>, DomainError> {
    if file_ids.is_empty() {
        return Ok(Vec::new());
    }
    file_link::Entity::find()
        .filter(file_link::Column::FileId.is_in(file_ids.iter().copied()))
        .order_by_asc(file_link::Column::CreatedAt)
        .order_by_asc(file_link::Column::FileableType)
        .order_by_asc(file_link::Column::FileableId)
        .all(conn)
        .await
        .map_err(db_error)
}

/// Deletes a file's row (its links go with it; variant images are cleared); false when absent.
pub async fn delete_file(conn: &impl ConnectionTrait, id: Uuid) -> Result<bool, DomainError> {
    let result = Entity::delete_by_id(id).exec(conn).await.map_err(db_error)?;
    Ok(result.rows_affected > 0)
}

/// Removes one link; false when there was none.
pub async fn delete_link(
    conn: &impl ConnectionTrait,
    file_id: Uuid,
    fileable_type: FileableType,
    fileable_id: Uuid,
) -> Result<bool, DomainError> {
    let result = file_link::Entity::delete_many()
        .filter(file_link::Column::FileId.eq(file_id))
        .filter(file_link::Column::FileableType.eq(fileable_type.as_str()))
        .filter(file_link::Column::FileableId.eq(fileable_id))
        .exec(conn)
        .await
        .map_err(db_error)?;
    Ok(result.rows_affected > 0)
}

/// `type/%` with the LIKE wildcards of the type escaped.
fn family_pattern(kind: &str) -> LikeExpr {
    let escaped = kind.replace('\\', "\\\\").replace('%', "\\%").replace('_', "\\_");
    LikeExpr::new(format!("{escaped}/%")).escape('\\')
}

fn filter_condition(filter: &FileFilter) -> Condition {
    let mut condition = Condition::all();
    if let Some(owner) = filter.owner_id {
        condition = condition.add(Column::OwnerId.eq(owner.as_uuid()));
    }
    if !filter.fileable_types.is_empty() || filter.fileable_id.is_some() {
        let mut linked = Query::select();
        linked.column(file_link::Column::FileId).from(file_link::Entity);
        if !filter.fileable_types.is_empty() {
            linked.and_where(
                file_link::Column::FileableType.is_in(filter.fileable_types.iter().map(|t| t.as_str())),
            );
        }
        if let Some(id) = filter.fileable_id {
            linked.and_where(file_link::Column::FileableId.eq(id));
        }
        condition = condition.add(Column::Id.in_subquery(linked.to_owned()));
    }
    if !filter.mime_types.is_empty() {
        let any = filter.mime_types.iter().fold(Condition::any(), |any, pattern| match pattern {
            MimePattern::Exact(mime) => any.add(Column::MimeType.eq(mime.as_str())),
            MimePattern::AnyOf(kind) => {
                any.add(Expr::expr(Func::lower(Expr::col(Column::MimeType))).like(family_pattern(kind)))
            }
        });
        condition = condition.add(any);
    }
    if let Some(from) = filter.from {
        condition = condition.add(Column::CreatedAt.gte(from));
    }
    if let Some(to) = filter.to {
        condition = condition.add(Column::CreatedAt.lte(to));
    }
    condition
}

/// A page of files matching a filter.
pub async fn list_files(
    conn: &impl ConnectionTrait,
    filter: &FileFilter,
    sort: FileSort,
    direction: SortDirection,
    page: PageRequest,
) -> Result<Page<FileRecord>, DomainError> {
    let column = match sort {
        FileSort::CreatedAt => Column::CreatedAt,
        FileSort::Size => Column::Size,
        FileSort::Name => Column::Name,
    };
    let order = match direction {
        SortDirection::Asc => Order::Asc,
        SortDirection::Desc => Order::Desc,
    };
    let query = Entity::find()
        .filter(filter_condition(filter))
        .order_by(column, order.clone())
        .order_by(Column::Id, order);
    page_of(conn, query, page, Ok).await
}

/// The account in `column` of the row `id` of `table` (tables whose entities live elsewhere).
async fn owner_column(
    conn: &impl ConnectionTrait,
    table: &str,
    column: &str,
    id: Uuid,
) -> Result<Option<Uuid>, DomainError> {
    let statement = Query::select()
        .column(Alias::new(column))
        .from(Alias::new(table))
        .and_where(Expr::col(Alias::new("id")).eq(id))
        .to_owned();
    let row = conn.query_one(&statement).await.map_err(db_error)?;
    row.map(|row| row.try_get::<Uuid>("", column).map_err(db_error)).transpose()
}

/// What a link to `fileable_type`/`fileable_id` would attach to.
pub async fn link_target(
    conn: &impl ConnectionTrait,
    fileable_type: FileableType,
    fileable_id: Uuid,
) -> Result<LinkTarget, DomainError> {
    let owned = |owner: Option<Uuid>| owner.map_or(LinkTarget::Missing, |o| LinkTarget::OwnedBy(UserId(o)));
    let product =
        |access: Option<souk_catalog::ProductAccess>| access.map_or(LinkTarget::Missing, LinkTarget::Product);
    Ok(match fileable_type {
        FileableType::Product => product(product_access(conn, fileable_id).await?),
        FileableType::Variant => match product_of_variant(conn, fileable_id).await? {
            Some(product_id) => product(product_access(conn, product_id).await?),
            None => LinkTarget::Missing,
        },
        FileableType::User => {
            let id: Option<Uuid> = user::Entity::find_by_id(fileable_id)
                .select_only()
                .column(user::Column::Id)
                .into_tuple()
                .one(conn)
                .await
                .map_err(db_error)?;
            owned(id)
        }
        // A page belongs to its product's current seller.
        FileableType::LandingPage => match product_of_page(conn, fileable_id).await? {
            Some(product_id) => owned(product_access(conn, product_id).await?.map(|p| p.seller_id.as_uuid())),
            None => LinkTarget::Missing,
        },
        FileableType::Review => owned(owner_column(conn, "reviews", "author_id", fileable_id).await?),
        FileableType::Return => LinkTarget::Missing,
    })
}
