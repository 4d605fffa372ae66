//! Products on sea-orm: the aggregate with its children, listing with filters and full-text
//! search, and the access facts other catalog objects check against.

use std::collections::HashMap;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use sea_orm::sea_query::{Expr, OnConflict};
use sea_orm::{
    ActiveValue::{NotSet, Set},
    ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder, QuerySelect,
};
use souk_catalog::product::{Location, ProductImage, Property};
use souk_catalog::terms::penalty_from_stored;
use souk_catalog::{
    AddOn, AddOnId, CategoryId, OptionId, Product, ProductAccess, ProductId, ProductOption, ProductQuery,
    ProductRepository, RentalTerms, TrialPolicy, Variant, VariantId,
};
use souk_kernel::metafield::Metafield;
use souk_kernel::{Currency, DomainError, Money, Page, PageRequest, UserId};
use uuid::Uuid;

use crate::db::{db_error, for_update};
use crate::entities::{
    add_on, collection, file_link, product, product_metafield, product_option, product_property,
    rental_terms, sku, trial_policy, variant,
};
use crate::product_query;

/// The `fileable_type` of product gallery links.
const PRODUCT: &str = "product";
/// The link role of gallery images.
const IMAGE: &str = "image";

/// Products stored through any connection or transaction.
#[derive(Debug)]
pub struct SqlProducts<'c, C> {
    conn: &'c C,
}

impl<'c, C: ConnectionTrait> SqlProducts<'c, C> {
    /// Products on this connection.
    pub fn new(conn: &'c C) -> Self {
        Self { conn }
    }
}

/// The columns access checks read: seller, status, admin status, visibility, deletion time.
type AccessColumns = (Uuid, String, String, String, Option<DateTime<Utc>>);

/// The owner and visibility of a product, or `None` when it does not exist.
pub async fn product_access(
    conn: &impl ConnectionTrait,
    id: Uuid,
) -> Result<Option<ProductAccess>, DomainError> {
    let row: Option<AccessColumns> = product::Entity::find_by_id(id)
        .select_only()
        .column(product::Column::SellerId)
        .column(product::Column::Status)
        .column(product::Column::AdminStatus)
        .column(product::Column::Visibility)
        .column(product::Column::DeletedAt)
        .into_tuple()
        .one(conn)
        .await
        .map_err(db_error)?;
    Ok(row.map(|(seller, status, admin_status, visibility, deleted_at)| ProductAccess {
        seller_id: UserId(seller),
        listed: status == "published" && admin_status == "approved" && visibility != "none",
        deleted: deleted_at.is_some(),
    }))
}

/// Locks a product row for the rest of the transaction on PostgreSQL, so checks that read other
/// tables about the product (rental days, gallery size) run one transaction at a time.
pub async fn lock_product(conn: &impl ConnectionTrait, id: Uuid) -> Result<(), DomainError> {
    let query = for_update(product::Entity::find_by_id(id).select_only().column(product::Column::Id), conn);
    let _: Option<Uuid> = query.into_tuple().one(conn).await.map_err(db_error)?;
    Ok(())
}

/// Links a stored file to a product with the role `file` (downloads, manuals), in order.
pub async fn link_product_file(
    conn: &impl ConnectionTrait,
    product: ProductId,
    file: Uuid,
    position: usize,
    now: DateTime<Utc>,
) -> Result<(), DomainError> {
    let row = file_link::ActiveModel {
        file_id: Set(file),
        fileable_type: Set(PRODUCT.to_owned()),
        fileable_id: Set(product.as_uuid()),
        role: Set(Some("file".to_owned())),
        position: Set(i32::try_from(position).unwrap_or(i32::MAX)),
        alt: Set(None),
        created_at: Set(now),
    };
    file_link::Entity::insert(row).exec_without_returning(conn).await.map_err(db_error).map(|_| ())
}

fn corrupt(what: &str) -> DomainError {
    DomainError::unexpected(format!("stored {what} holds an unknown value"))
}

fn values_json(values: &[String]) -> String {
    serde_json::Value::from(values.to_vec()).to_string()
}

fn values_of(text: &str, what: &str) -> Result<Vec<String>, DomainError> {
    serde_json::from_str(text).map_err(|_| corrupt(what))
}

fn product_row(p: &Product) -> product::ActiveModel {
    product::ActiveModel {
        id: Set(p.id.as_uuid()),
        seller_id: Set(p.seller_id.as_uuid()),
        title: Set(p.title.clone()),
        slug: Set(p.slug.clone()),
        description: Set(p.description.clone()),
        page_title: Set(p.page_title.clone()),
        meta_description: Set(p.meta_description.clone()),
        category_id: Set(p.category_id.map(|c| c.as_uuid())),
        condition: Set(p.condition.as_str().to_owned()),
        status: Set(p.status.as_str().to_owned()),
        visibility: Set(p.visibility.as_str().to_owned()),
        admin_status: Set(p.admin_status.as_str().to_owned()),
        admin_status_reason: Set(p.admin_status_reason.clone()),
        is_digital: Set(p.is_digital),
        requires_shipping: Set(p.requires_shipping),
        currency: Set(p.currency().code().to_owned()),
        price: Set(p.price.minor()),
        compare_price: Set(p.compare_price.map(|m| m.minor())),
        sku: Set(p.sku.clone()),
        quantity: Set(p.quantity),
        reserved: NotSet,
        stock_tracked: Set(p.stock_tracked),
        allow_order_when_oos: Set(p.allow_order_when_oos),
        min_qty: Set(p.min_qty),
        weight_grams: Set(p.weight_grams),
        location: Set(p.location.location.clone()),
        city: Set(p.location.city.clone()),
        state: Set(p.location.state.clone()),
        country: Set(p.location.country.clone()),
        lat: Set(p.location.lat),
        lng: Set(p.location.lng),
        external_id: Set(p.external_id.clone()),
        on_homepage: Set(p.on_homepage),
        deleted_at: Set(p.deleted_at),
        created_at: Set(p.created_at),
        updated_at: Set(p.updated_at),
    }
}

/// The rows that belong to a set of products, grouped by product.
#[derive(Default)]
struct Children {
    options: HashMap<Uuid, Vec<ProductOption>>,
    variants: HashMap<Uuid, Vec<variant::Model>>,
    add_ons: HashMap<Uuid, Vec<add_on::Model>>,
    properties: HashMap<Uuid, Vec<Property>>,
    images: HashMap<Uuid, Vec<ProductImage>>,
    trials: HashMap<Uuid, trial_policy::Model>,
    rentals: HashMap<Uuid, rental_terms::Model>,
}

async fn load_children(conn: &impl ConnectionTrait, ids: &[Uuid]) -> Result<Children, DomainError> {
    let mut children = Children::default();
    if ids.is_empty() {
        return Ok(children);
    }
    let ids = ids.to_vec();
    for row in product_option::Entity::find()
        .filter(product_option::Column::ProductId.is_in(ids.clone()))
        .order_by_asc(product_option::Column::Position)
        .all(conn)
        .await
        .map_err(db_error)?
    {
        let option = ProductOption {
            id: OptionId(row.id),
            name: row.name,
            values: values_of(&row.option_values, "product_options.option_values")?,
        };
        children.options.entry(row.product_id).or_default().push(option);
    }
    for row in variant::Entity::find()
        .filter(variant::Column::ProductId.is_in(ids.clone()))
        .order_by_asc(variant::Column::Position)
        .all(conn)
        .await
        .map_err(db_error)?
    {
        children.variants.entry(row.product_id).or_default().push(row);
    }
    for row in add_on::Entity::find()
        .filter(add_on::Column::ProductId.is_in(ids.clone()))
        .order_by_asc(add_on::Column::Position)
        .all(conn)
        .await
        .map_err(db_error)?
    {
        children.add_ons.entry(row.product_id).or_default().push(row);
    }
    for row in product_property::Entity::find()
        .filter(product_property::Column::ProductId.is_in(ids.clone()))
        .order_by_asc(product_property::Column::Position)
        .all(conn)
        .await
        .map_err(db_error)?
    {
        children
            .properties
            .entry(row.product_id)
            .or_default()
            .push(Property { name: row.name, value: row.value });
    }
    for row in file_link::Entity::find()
        .filter(file_link::Column::FileableType.eq(PRODUCT))
        .filter(file_link::Column::FileableId.is_in(ids.clone()))
        .filter(file_link::Column::Role.eq(IMAGE))
        .order_by_asc(file_link::Column::Position)
        .all(conn)
        .await
        .map_err(db_error)?
    {
        children
            .images
            .entry(row.fileable_id)
            .or_default()
            .push(ProductImage { file_id: row.file_id, alt: row.alt });
    }
    for row in trial_policy::Entity::find()
        .filter(trial_policy::Column::ProductId.is_in(ids.clone()))
        .all(conn)
        .await
        .map_err(db_error)?
    {
        children.trials.insert(row.product_id, row);
    }
    for row in rental_terms::Entity::find()
        .filter(rental_terms::Column::ProductId.is_in(ids))
        .all(conn)
        .await
        .map_err(db_error)?
    {
        children.rentals.insert(row.product_id, row);
    }
    Ok(children)
}

fn assemble(row: product::Model, children: &mut Children) -> Result<Product, DomainError> {
    let currency = Currency::from_code(&row.currency).map_err(|_| corrupt("products.currency"))?;
    let money = |minor: i64| Money::from_minor(minor, currency);
    let id = row.id;
    let variants = children
        .variants
        .remove(&id)
        .unwrap_or_default()
        .into_iter()
        .map(|v| {
            Ok(Variant {
                id: VariantId(v.id),
                product_id: ProductId(v.product_id),
                title: v.title,
                sku: v.sku,
                price: money(v.price),
                compare_price: v.compare_price.map(money),
                quantity: v.quantity,
                reserved: v.reserved,
                weight_grams: v.weight_grams,
                values: values_of(&v.option_values, "variants.option_values")?,
                image: v.image_file_id,
                created_at: v.created_at,
                updated_at: v.updated_at,
            })
        })
        .collect::<Result<Vec<_>, DomainError>>()?;
    let add_ons = children
        .add_ons
        .remove(&id)
        .unwrap_or_default()
        .into_iter()
        .map(|a| AddOn {
            id: AddOnId(a.id),
            product_id: ProductId(a.product_id),
            title: a.title,
            description: a.description,
            price: money(a.price),
            created_at: a.created_at,
            updated_at: a.updated_at,
        })
        .collect();
    let trial_policy = match children.trials.remove(&id) {
        Some(t) => Some(TrialPolicy {
            trial_days: t.trial_days,
            penalty: penalty_from_stored(
                t.penalty_type.parse().map_err(|_| corrupt("trial_policies.penalty_type"))?,
                t.penalty_value,
                currency,
            ),
            return_window_hours: t.return_window_hours,
            enabled: t.enabled,
            created_at: t.created_at,
            updated_at: t.updated_at,
        }),
        None => None,
    };
    let rental = children.rentals.remove(&id).map(|r| RentalTerms {
        daily_rate: money(r.daily_rate),
        late_fee_per_day: money(r.late_fee_per_day),
        deposit: money(r.deposit),
        available: r.available,
        created_at: r.created_at,
        updated_at: r.updated_at,
    });
    Ok(Product {
        id: ProductId(id),
        seller_id: UserId(row.seller_id),
        title: row.title,
        slug: row.slug,
        description: row.description,
        page_title: row.page_title,
        meta_description: row.meta_description,
        category_id: row.category_id.map(CategoryId),
        condition: row.condition.parse().map_err(|_| corrupt("products.condition"))?,
        status: row.status.parse().map_err(|_| corrupt("products.status"))?,
        visibility: row.visibility.parse().map_err(|_| corrupt("products.visibility"))?,
        admin_status: row.admin_status.parse().map_err(|_| corrupt("products.admin_status"))?,
        admin_status_reason: row.admin_status_reason,
        is_digital: row.is_digital,
        requires_shipping: row.requires_shipping,
        price: money(row.price),
        compare_price: row.compare_price.map(money),
        sku: row.sku,
        quantity: row.quantity,
        reserved: row.reserved,
        stock_tracked: row.stock_tracked,
        allow_order_when_oos: row.allow_order_when_oos,
        min_qty: row.min_qty,
        weight_grams: row.weight_grams,
        location: Location {
            location: row.location,
            city: row.city,
            state: row.state,
            country: row.country,
            lat: row.lat,
            lng: row.lng,
        },
        external_id: row.external_id,
        on_homepage: row.on_homepage,
        options: children.options.remove(&id).unwrap_or_default(),
        variants,
        add_ons,
        properties: children.properties.remove(&id).unwrap_or_default(),
        images: children.images.remove(&id).unwrap_or_default(),
        trial_policy,
        rental,
        deleted_at: row.deleted_at,
        created_at: row.created_at,
        updated_at: row.updated_at,
    })
}

fn position(index: usize) -> i32 {
    i32::try_from(index).unwrap_or(i32::MAX)
}

fn variant_row(v: &Variant, index: usize) -> variant::ActiveModel {
    variant::ActiveModel {
        id: Set(v.id.as_uuid()),
        product_id: Set(v.product_id.as_uuid()),
        title: Set(v.title.clone()),
        sku: Set(v.sku.clone()),
        price: Set(v.price.minor()),
        compare_price: Set(v.compare_price.map(|m| m.minor())),
        quantity: Set(v.quantity),
        reserved: NotSet,
        weight_grams: Set(v.weight_grams),
        option_values: Set(values_json(&v.values)),
        image_file_id: Set(v.image),
        position: Set(position(index)),
        created_at: Set(v.created_at),
        updated_at: Set(v.updated_at),
    }
}

fn add_on_row(a: &AddOn, index: usize) -> add_on::ActiveModel {
    add_on::ActiveModel {
        id: Set(a.id.as_uuid()),
        product_id: Set(a.product_id.as_uuid()),
        title: Set(a.title.clone()),
        description: Set(a.description.clone()),
        price: Set(a.price.minor()),
        position: Set(position(index)),
        created_at: Set(a.created_at),
        updated_at: Set(a.updated_at),
    }
}

impl<C: ConnectionTrait> SqlProducts<'_, C> {
    /// Writes every child table of a product; on update the old children go first, except
    /// variants and add-ons, which keep their rows (ids stay stable for order snapshots).
    async fn save_children(&self, p: &Product, existing: bool) -> Result<(), DomainError> {
        let conn = self.conn;
        let id = p.id.as_uuid();
        if existing {
            sku::Entity::delete_many()
                .filter(sku::Column::ProductId.eq(id))
                .exec(conn)
                .await
                .map_err(db_error)?;
            product_option::Entity::delete_many()
                .filter(product_option::Column::ProductId.eq(id))
                .exec(conn)
                .await
                .map_err(db_error)?;
            product_property::Entity::delete_many()
                .filter(product_property::Column::ProductId.eq(id))
                .exec(conn)
                .await
                .map_err(db_error)?;
            file_link::Entity::delete_many()
                .filter(file_link::Column::FileableType.eq(PRODUCT))
                .filter(file_link::Column::FileableId.eq(id))
                .filter(file_link::Column::Role.eq(IMAGE))
                .exec(conn)
                .await
                .map_err(db_error)?;
            trial_policy::Entity::delete_by_id(id).exec(conn).await.map_err(db_error)?;
            rental_terms::Entity::delete_by_id(id).exec(conn).await.map_err(db_error)?;
        }
        self.save_variants(p, existing).await?;
        self.save_add_ons(p, existing).await?;
        let options: Vec<product_option::ActiveModel> = p
            .options
            .iter()
            .enumerate()
            .map(|(i, o)| product_option::ActiveModel {
                id: Set(o.id.as_uuid()),
                product_id: Set(id),
                name: Set(o.name.clone()),
                option_values: Set(values_json(&o.values)),
                position: Set(position(i)),
            })
            .collect();
        if !options.is_empty() {
            product_option::Entity::insert_many(options)
                .exec_without_returning(conn)
                .await
                .map_err(db_error)?;
        }
        let properties: Vec<product_property::ActiveModel> = p
            .properties
            .iter()
            .enumerate()
            .map(|(i, prop)| product_property::ActiveModel {
                id: Set(Uuid::now_v7()),
                product_id: Set(id),
                name: Set(prop.name.clone()),
                value: Set(prop.value.clone()),
                position: Set(position(i)),
            })
            .collect();
        if !properties.is_empty() {
            product_property::Entity::insert_many(properties)
                .exec_without_returning(conn)
                .await
                .map_err(db_error)?;
        }
        let images: Vec<file_link::ActiveModel> = p
            .images
            .iter()
            .enumerate()
            .map(|(i, image)| file_link::ActiveModel {
                file_id: Set(image.file_id),
                fileable_type: Set(PRODUCT.to_owned()),
                fileable_id: Set(id),
                role: Set(Some(IMAGE.to_owned())),
                position: Set(position(i)),
                alt: Set(image.alt.clone()),
                created_at: Set(p.updated_at),
            })
            .collect();
        if !images.is_empty() {
            file_link::Entity::insert_many(images)
                .on_conflict(
                    OnConflict::columns([
                        file_link::Column::FileId,
                        file_link::Column::FileableType,
                        file_link::Column::FileableId,
                    ])
                    .update_columns([
                        file_link::Column::Role,
                        file_link::Column::Position,
                        file_link::Column::Alt,
                    ])
                    .to_owned(),
                )
                .exec_without_returning(conn)
                .await
                .map_err(db_error)?;
        }
        if let Some(t) = &p.trial_policy {
            let row = trial_policy::ActiveModel {
                product_id: Set(id),
                trial_days: Set(t.trial_days),
                penalty_type: Set(t.penalty.kind().as_str().to_owned()),
                penalty_value: Set(t.penalty.stored_value()),
                return_window_hours: Set(t.return_window_hours),
                enabled: Set(t.enabled),
                created_at: Set(t.created_at),
                updated_at: Set(t.updated_at),
            };
            trial_policy::Entity::insert(row).exec_without_returning(conn).await.map_err(db_error)?;
        }
        if let Some(r) = &p.rental {
            let row = rental_terms::ActiveModel {
                product_id: Set(id),
                daily_rate: Set(r.daily_rate.minor()),
                late_fee_per_day: Set(r.late_fee_per_day.minor()),
                deposit: Set(r.deposit.minor()),
                available: Set(r.available),
                created_at: Set(r.created_at),
                updated_at: Set(r.updated_at),
            };
            rental_terms::Entity::insert(row).exec_without_returning(conn).await.map_err(db_error)?;
        }
        let skus: Vec<sku::ActiveModel> = p
            .skus()
            .into_iter()
            .map(|(code, variant)| sku::ActiveModel {
                seller_id: Set(p.seller_id.as_uuid()),
                sku: Set(code.to_owned()),
                product_id: Set(id),
                variant_id: Set(variant),
            })
            .collect();
        if !skus.is_empty() {
            sku::Entity::insert_many(skus).exec_without_returning(conn).await.map_err(db_error)?;
        }
        Ok(())
    }

    async fn save_variants(&self, p: &Product, existing: bool) -> Result<(), DomainError> {
        let id = p.id.as_uuid();
        let stored: Vec<Uuid> = if existing {
            variant::Entity::find()
                .select_only()
                .column(variant::Column::Id)
                .filter(variant::Column::ProductId.eq(id))
                .into_tuple()
                .all(self.conn)
                .await
                .map_err(db_error)?
        } else {
            Vec::new()
        };
        let kept: Vec<Uuid> = p.variants.iter().map(|v| v.id.as_uuid()).collect();
        let gone: Vec<Uuid> = stored.iter().filter(|s| !kept.contains(s)).copied().collect();
        if !gone.is_empty() {
            variant::Entity::delete_many()
                .filter(variant::Column::Id.is_in(gone))
                .exec(self.conn)
                .await
                .map_err(db_error)?;
        }
        for (i, v) in p.variants.iter().enumerate() {
            if stored.contains(&v.id.as_uuid()) {
                variant::Entity::update(variant_row(v, i)).exec(self.conn).await.map_err(db_error)?;
            } else {
                variant::Entity::insert(variant_row(v, i))
                    .exec_without_returning(self.conn)
                    .await
                    .map_err(db_error)?;
            }
        }
        Ok(())
    }

    async fn save_add_ons(&self, p: &Product, existing: bool) -> Result<(), DomainError> {
        let id = p.id.as_uuid();
        let stored: Vec<Uuid> = if existing {
            add_on::Entity::find()
                .select_only()
                .column(add_on::Column::Id)
                .filter(add_on::Column::ProductId.eq(id))
                .into_tuple()
                .all(self.conn)
                .await
                .map_err(db_error)?
        } else {
            Vec::new()
        };
        let kept: Vec<Uuid> = p.add_ons.iter().map(|a| a.id.as_uuid()).collect();
        let gone: Vec<Uuid> = stored.iter().filter(|s| !kept.contains(s)).copied().collect();
        if !gone.is_empty() {
            add_on::Entity::delete_many()
                .filter(add_on::Column::Id.is_in(gone))
                .exec(self.conn)
                .await
                .map_err(db_error)?;
        }
        for (i, a) in p.add_ons.iter().enumerate() {
            if stored.contains(&a.id.as_uuid()) {
                add_on::Entity::update(add_on_row(a, i)).exec(self.conn).await.map_err(db_error)?;
            } else {
                add_on::Entity::insert(add_on_row(a, i))
                    .exec_without_returning(self.conn)
                    .await
                    .map_err(db_error)?;
            }
        }
        Ok(())
    }
}

fn metafield_domain(row: product_metafield::Model) -> Result<Metafield, DomainError> {
    Ok(Metafield {
        id: row.id,
        owner_id: row.product_id,
        namespace: row.namespace,
        key: row.key,
        value: serde_json::from_str(&row.value).map_err(|_| corrupt("product_metafields.value"))?,
        created_at: row.created_at,
        updated_at: row.updated_at,
    })
}

#[async_trait]
impl<C: ConnectionTrait + Send + Sync> ProductRepository for SqlProducts<'_, C> {
    async fn find(&self, id: ProductId) -> Result<Option<Product>, DomainError> {
        let Some(row) = product::Entity::find_by_id(id.as_uuid()).one(self.conn).await.map_err(db_error)?
        else {
            return Ok(None);
        };
        let mut children = load_children(self.conn, &[row.id]).await?;
        assemble(row, &mut children).map(Some)
    }

    async fn find_for_update(&self, id: ProductId) -> Result<Option<Product>, DomainError> {
        let query = for_update(product::Entity::find_by_id(id.as_uuid()), self.conn);
        let Some(row) = query.one(self.conn).await.map_err(db_error)? else {
            return Ok(None);
        };
        let mut children = load_children(self.conn, &[row.id]).await?;
        assemble(row, &mut children).map(Some)
    }

    async fn list(&self, query: &ProductQuery, page: PageRequest) -> Result<Page<Product>, DomainError> {
        let select = product_query::select(self.conn.get_database_backend(), query);
        let total = select.clone().count(self.conn).await.map_err(db_error)?;
        // A deferred join: the page's ids come from the (index-only) ordered scan, then only those
        // rows are read, so deep pages skip index entries instead of whole rows.
        let ids: Vec<Uuid> = select
            .select_only()
            .column(product::Column::Id)
            .offset(page.offset())
            .limit(u64::from(page.per_page()))
            .into_tuple()
            .all(self.conn)
            .await
            .map_err(db_error)?;
        let mut rows: HashMap<Uuid, product::Model> = product::Entity::find()
            .filter(product::Column::Id.is_in(ids.clone()))
            .all(self.conn)
            .await
            .map_err(db_error)?
            .into_iter()
            .map(|row| (row.id, row))
            .collect();
        let mut children = load_children(self.conn, &ids).await?;
        let items = ids
            .iter()
            .filter_map(|id| rows.remove(id))
            .map(|row| assemble(row, &mut children))
            .collect::<Result<_, _>>()?;
        Ok(Page { items, total, request: page })
    }

    async fn product_of_variant(&self, id: VariantId) -> Result<Option<ProductId>, DomainError> {
        let owner: Option<Uuid> = variant::Entity::find_by_id(id.as_uuid())
            .select_only()
            .column(variant::Column::ProductId)
            .into_tuple()
            .one(self.conn)
            .await
            .map_err(db_error)?;
        Ok(owner.map(ProductId))
    }

    async fn product_of_add_on(&self, id: AddOnId) -> Result<Option<ProductId>, DomainError> {
        let owner: Option<Uuid> = add_on::Entity::find_by_id(id.as_uuid())
            .select_only()
            .column(add_on::Column::ProductId)
            .into_tuple()
            .one(self.conn)
            .await
            .map_err(db_error)?;
        Ok(owner.map(ProductId))
    }

    async fn collection_exists(&self, handle: &str) -> Result<bool, DomainError> {
        let found = collection::Entity::find()
            .filter(collection::Column::Handle.eq(handle))
            .count(self.conn)
            .await
            .map_err(db_error)?;
        Ok(found > 0)
    }

    async fn slug_taken(&self, slug: &str, except: Option<ProductId>) -> Result<bool, DomainError> {
        let mut query = product::Entity::find().filter(product::Column::Slug.eq(slug));
        if let Some(except) = except {
            query = query.filter(product::Column::Id.ne(except.as_uuid()));
        }
        Ok(query.count(self.conn).await.map_err(db_error)? > 0)
    }

    async fn insert(&self, p: &Product) -> Result<(), DomainError> {
        product::Entity::insert(product_row(p)).exec_without_returning(self.conn).await.map_err(db_error)?;
        self.save_children(p, false).await
    }

    async fn update(&self, p: &Product) -> Result<(), DomainError> {
        product::Entity::update(product_row(p)).exec(self.conn).await.map_err(db_error)?;
        self.save_children(p, true).await
    }

    async fn category_in_use(&self, category: CategoryId) -> Result<bool, DomainError> {
        let count = product::Entity::find()
            .filter(product::Column::CategoryId.eq(category.as_uuid()))
            .count(self.conn)
            .await
            .map_err(db_error)?;
        Ok(count > 0)
    }

    async fn recategorize(&self, from: CategoryId, to: CategoryId) -> Result<(), DomainError> {
        product::Entity::update_many()
            .col_expr(product::Column::CategoryId, Expr::value(to.as_uuid()))
            .filter(product::Column::CategoryId.eq(from.as_uuid()))
            .exec(self.conn)
            .await
            .map_err(db_error)
            .map(|_| ())
    }

    async fn metafields(&self, product: ProductId) -> Result<Vec<Metafield>, DomainError> {
        product_metafield::Entity::find()
            .filter(product_metafield::Column::ProductId.eq(product.as_uuid()))
            .order_by_asc(product_metafield::Column::Namespace)
            .order_by_asc(product_metafield::Column::Key)
            .all(self.conn)
            .await
            .map_err(db_error)?
            .into_iter()
            .map(metafield_domain)
            .collect()
    }

    async fn upsert_metafield(&self, m: &Metafield) -> Result<Metafield, DomainError> {
        let row = product_metafield::ActiveModel {
            id: Set(m.id),
            product_id: Set(m.owner_id),
            namespace: Set(m.namespace.clone()),
            key: Set(m.key.clone()),
            value: Set(m.value.to_string()),
            created_at: Set(m.created_at),
            updated_at: Set(m.updated_at),
        };
        let conflict = OnConflict::columns([
            product_metafield::Column::ProductId,
            product_metafield::Column::Namespace,
            product_metafield::Column::Key,
        ])
        .update_columns([product_metafield::Column::Value, product_metafield::Column::UpdatedAt])
        .to_owned();
        product_metafield::Entity::insert(row)
            .on_conflict(conflict)
            .exec_without_returning(self.conn)
            .await
            .map_err(db_error)?;
        let stored = product_metafield::Entity::find()
            .filter(product_metafield::Column::ProductId.eq(m.owner_id))
            .filter(product_metafield::Column::Namespace.eq(&m.namespace))
            .filter(product_metafield::Column::Key.eq(&m.key))
            .one(self.conn)
            .await
            .map_err(db_error)?
            .ok_or_else(|| DomainError::unexpected("a product metafield vanished after its upsert"))?;
        metafield_domain(stored)
    }
}
