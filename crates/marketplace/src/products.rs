//! Product use cases: listing and reading under the visibility rules, creation by approved
//! sellers and admins, partial updates with variant merging, soft deletion and moderation.

use std::collections::HashMap;

use sea_orm::ConnectionTrait;
use souk_auth::UserRepository;
use souk_auth::permission::{require, require_admin};
use souk_auth::profile::ApprovalStatus;
use souk_auth::repository::ProfileRepository;
use souk_catalog::product::{ProductImage, ProductInput, apply_input, blank, check_images, input_currency};
use souk_catalog::slug::unique_slug;
use souk_catalog::terms::{RentalInput, TrialPolicyInput, apply_trial_policy, rental_terms};
use souk_catalog::variant::{OptionInput, VariantContext, VariantInput, merge_options, merge_variants};
use souk_catalog::{
    AdminStatus, CategoryRepository, CategoryTree, Product, ProductId, ProductQuery, ProductRepository,
    ProductScope, RatingSummary,
};
use souk_kernel::{Actor, DomainError, FieldErrors, Page, PageRequest, Role, UserId};
use souk_storage::files::{FileRecord, find_file, insert_file, new_record};
use souk_storage::products::link_product_file;
use souk_storage::reviews::rating_summary;
use souk_storage::{SqlAccounts, SqlCategories, SqlProducts, SqlUsers, db_error};
use uuid::Uuid;

use crate::Marketplace;
use crate::accounts::Upload;

/// A product with what readers see beside it.
#[derive(Debug, Clone)]
pub struct ProductView {
    /// The product.
    pub product: Product,
    /// Its category with name and path.
    pub category: Option<CategorySummary>,
    /// Its published reviews.
    pub rating: RatingSummary,
}

/// The category a product is in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CategorySummary {
    /// Id.
    pub id: Uuid,
    /// Name.
    pub name: String,
    /// Slug.
    pub slug: String,
    /// Slugs from the root, joined by `/`.
    pub path: String,
}

/// A create or update request: the scalar fields plus the parts with their own rules.
#[derive(Debug, Clone, Default)]
pub struct ProductRequest {
    /// Scalar fields.
    pub fields: ProductInput,
    /// The selling account (admins only).
    pub seller_id: Option<UserId>,
    /// Moderation state (admins only).
    pub admin_status: Option<AdminStatus>,
    /// Options to create or update.
    pub options: Vec<OptionInput>,
    /// Variants to create or update.
    pub variants: Vec<VariantInput>,
    /// The gallery, replacing the old one when given.
    pub images: Option<Vec<ProductImage>>,
    /// Trial terms to set (`Some(None)` removes them).
    pub trial_policy: Option<Option<TrialPolicyInput>>,
    /// Rental terms to set (`Some(None)` removes them).
    pub rental: Option<Option<RentalInput>>,
}

/// `NotFound` for a product the actor may not see.
pub(crate) fn visible(product: Option<Product>, actor: &Actor) -> Result<Product, DomainError> {
    product.filter(|p| p.access().visible_to(actor)).ok_or(DomainError::NotFound { resource: "product" })
}

/// The product if the actor may change it: `NotFound` when it cannot see it, `Forbidden` when it
/// can see but not change it.
pub(crate) fn writable(product: Option<Product>, actor: &Actor) -> Result<Product, DomainError> {
    let product = visible(product, actor)?;
    if !product.access().writable_by(actor) {
        return Err(DomainError::Forbidden("only the product's seller or an admin may change it".into()));
    }
    Ok(product)
}

impl Marketplace {
    /// Products under the visibility rules with the query's filters; category filters include
    /// every descendant category.
    pub async fn list_products(
        &self,
        actor: &Actor,
        mut query: ProductQuery,
        include_deleted: bool,
        page: PageRequest,
    ) -> Result<Page<ProductView>, DomainError> {
        query.scope = Some(ProductScope::of(actor, include_deleted)?);
        let tx = self.db.begin_read().await.map_err(db_error)?;
        let conn = &tx;
        let tree = CategoryTree::new(SqlCategories::new(conn).all().await?);
        if !query.category_ids.is_empty() {
            let mut ids: Vec<_> = query.category_ids.iter().flat_map(|c| tree.subtree(*c)).collect();
            ids.sort();
            ids.dedup();
            query.category_ids = ids;
        }
        let products = SqlProducts::new(conn);
        if let Some(handle) = &query.collection
            && !products.collection_exists(handle).await?
        {
            return Err(DomainError::NotFound { resource: "collection" });
        }
        let page = products.list(&query, page).await?;
        let views = self.views(conn, &tree, page).await?;
        tx.commit().await.map_err(db_error)?;
        Ok(views)
    }

    async fn views<C: ConnectionTrait + Send + Sync>(
        &self,
        conn: &C,
        tree: &CategoryTree,
        page: Page<Product>,
    ) -> Result<Page<ProductView>, DomainError> {
        let ids: Vec<Uuid> = page.items.iter().map(|p| p.id.as_uuid()).collect();
        let ratings = rating_summary(conn, &ids).await?;
        Ok(page.map(|product| view(tree, &ratings, product)))
    }

    async fn view_of<C: ConnectionTrait + Send + Sync>(
        &self,
        conn: &C,
        product: Product,
    ) -> Result<ProductView, DomainError> {
        let tree = CategoryTree::new(SqlCategories::new(conn).all().await?);
        let ratings = rating_summary(conn, &[product.id.as_uuid()]).await?;
        Ok(view(&tree, &ratings, product))
    }

    /// One product as the actor may see it.
    pub async fn get_product(&self, actor: &Actor, id: ProductId) -> Result<ProductView, DomainError> {
        let tx = self.db.begin_read().await.map_err(db_error)?;
        let product = visible(SqlProducts::new(&tx).find(id).await?, actor)?;
        let view = self.view_of(&tx, product).await?;
        tx.commit().await.map_err(db_error)?;
        Ok(view)
    }

    /// Refuses callers who may never create products, before a large body is read.
    pub fn authorize_product_create(&self, actor: &Actor) -> Result<(), DomainError> {
        require(actor, "product", "create")?;
        match actor.role() {
            Some(Role::Seller | Role::Admin) => Ok(()),
            _ => Err(DomainError::Forbidden("only sellers and admins create products".into())),
        }
    }

    /// Creates a product: approved sellers for themselves (starting `waiting` for moderation
    /// unless auto-approval is on), admins for any seller (`seller_id`, approved at once).
    /// Uploads named `images[..]` join the gallery; others are linked as the product's files. All
    /// or nothing: a refused product leaves no file row and no stored bytes.
    pub async fn create_product(
        &self,
        actor: &Actor,
        request: ProductRequest,
        uploads: Vec<Upload>,
    ) -> Result<ProductView, DomainError> {
        require(actor, "product", "create")?;
        let now = self.clock().now();
        let mut errors = FieldErrors::new();
        let mut pending: Vec<(FileRecord, Vec<u8>, bool)> = Vec::new();
        for upload in uploads {
            let image = upload.field.starts_with("images");
            match self.check_upload(&upload, image) {
                Ok(mime) => {
                    let id = Uuid::now_v7();
                    let size = i64::try_from(upload.bytes.len()).unwrap_or(i64::MAX);
                    let mut record =
                        new_record(None, &upload.name, mime, size, format!("products/{id}"), now);
                    record.id = id;
                    pending.push((record, upload.bytes, image));
                }
                Err(DomainError::Validation(more)) => errors.extend(more),
                Err(other) => return Err(other),
            }
        }
        errors.into_result()?;
        // The bytes go to the store before the write transaction opens, so a slow store never
        // holds the database's write lock; they are removed again if the product is refused.
        if let Err(error) = self.put_all(&pending).await {
            self.remove_all(&pending).await;
            return Err(error);
        }
        let created = self.create_with_files(actor, request, &mut pending, now).await;
        if created.is_err() {
            self.remove_all(&pending).await;
        }
        created
    }

    async fn create_with_files(
        &self,
        actor: &Actor,
        mut request: ProductRequest,
        pending: &mut [(FileRecord, Vec<u8>, bool)],
        now: chrono::DateTime<chrono::Utc>,
    ) -> Result<ProductView, DomainError> {
        let tx = self.db.begin_write().await.map_err(db_error)?;
        let seller_id = self.selling_account(&tx, actor, request.seller_id).await?;
        for (record, _, image) in pending.iter_mut() {
            record.owner_id = Some(seller_id.as_uuid());
            insert_file(&tx, record).await.map_err(db_error)?;
            if *image {
                request
                    .images
                    .get_or_insert_with(Vec::new)
                    .push(ProductImage { file_id: record.id, alt: None });
            }
        }
        let currency = input_currency(&request.fields)?;
        let mut product = blank(seller_id, currency, now);
        product.admin_status = if actor.is_admin() || self.settings.auto_approve_products {
            AdminStatus::Approved
        } else {
            AdminStatus::Waiting
        };
        let slug = self.apply_request(&tx, actor, &mut product, request, true).await?;
        product.slug = self.free_product_slug(&tx, slug, None).await?;
        let products = SqlProducts::new(&tx);
        products.insert(&product).await?;
        let downloads = pending.iter().filter(|(_, _, image)| !image).map(|(record, _, _)| record.id);
        for (position, file) in downloads.enumerate() {
            link_product_file(&tx, product.id, file, position, now).await?;
        }
        record_product(&tx, "product.created", &product, now).await?;
        let view = self.view_of(&tx, product).await?;
        tx.commit().await.map_err(db_error)?;
        Ok(view)
    }

    /// Removes the bytes of files whose rows were never committed.
    async fn remove_all(&self, files: &[(FileRecord, Vec<u8>, bool)]) {
        for (record, _, _) in files {
            let _ = self.files.delete(&record.storage_key).await;
        }
    }

    /// Stores the bytes of new files; the caller removes them again if anything fails.
    async fn put_all(&self, files: &[(FileRecord, Vec<u8>, bool)]) -> Result<(), DomainError> {
        for (record, bytes, _) in files {
            self.files.put(&record.storage_key, bytes).await?;
        }
        Ok(())
    }

    /// Changes a product (owner or admin): given fields change, options and variants with an id
    /// update, without one are created, omitted ones stay.
    pub async fn update_product(
        &self,
        actor: &Actor,
        id: ProductId,
        request: ProductRequest,
    ) -> Result<ProductView, DomainError> {
        require(actor, "product", "update")?;
        let tx = self.db.begin_write().await.map_err(db_error)?;
        let products = SqlProducts::new(&tx);
        let mut product = writable(products.find_for_update(id).await?, actor)?;
        if let Some(seller) = request.seller_id {
            if !actor.is_admin() {
                return Err(DomainError::Forbidden("only admins may change a product's seller".into()));
            }
            product.seller_id = self.selling_account(&tx, actor, Some(seller)).await?;
        }
        let slug = self.apply_request(&tx, actor, &mut product, request, false).await?;
        product.check_reservations_covered()?;
        if slug.is_some() {
            product.slug = self.free_product_slug(&tx, slug, Some(id)).await?;
        }
        product.updated_at = self.clock().now();
        products.update(&product).await?;
        record_product(&tx, "product.updated", &product, product.updated_at).await?;
        let view = self.view_of(&tx, product).await?;
        tx.commit().await.map_err(db_error)?;
        Ok(view)
    }

    /// Applies a request to a product, checking every rule and gathering all field errors.
    async fn apply_request<C: ConnectionTrait + Send + Sync>(
        &self,
        conn: &C,
        actor: &Actor,
        product: &mut Product,
        request: ProductRequest,
        creating: bool,
    ) -> Result<Option<(String, bool)>, DomainError> {
        if let Some(status) = request.admin_status {
            if !actor.is_admin() {
                return Err(DomainError::Forbidden("only admins set admin_status".into()));
            }
            product.admin_status = status;
        }
        let now = self.clock().now();
        let mut errors = FieldErrors::new();
        let stored_images: Vec<Uuid> = product
            .images
            .iter()
            .map(|i| i.file_id)
            .chain(product.variants.iter().filter_map(|v| v.image))
            .collect();
        let slug = apply_input(product, request.fields, creating, &mut errors);
        if let Some(category) = product.category_id
            && SqlCategories::new(conn).find(category).await?.is_none()
        {
            errors.add("category_id", "names no category");
        }
        product.options = merge_options(&product.options, request.options, &mut errors);
        let context = VariantContext {
            product_id: product.id,
            currency: product.currency(),
            default_price: product.price,
            options: &product.options,
            now,
        };
        product.variants = merge_variants(&product.variants, request.variants, context, &mut errors);
        if let Some(images) = request.images {
            check_images(&mut errors, &images);
            product.images = images;
        }
        let images: Vec<(String, Uuid)> = product
            .images
            .iter()
            .enumerate()
            .map(|(i, image)| (format!("images[{i}]"), image.file_id))
            .chain(
                product
                    .variants
                    .iter()
                    .enumerate()
                    .filter_map(|(i, v)| v.image.map(|f| (format!("variants[{i}].image"), f))),
            )
            .collect();
        for (field, file) in images.into_iter().filter(|(_, file)| !stored_images.contains(file)) {
            self.check_image_file(conn, actor, product.seller_id, &field, file, &mut errors).await?;
        }
        let currency = product.currency();
        match request.trial_policy {
            Some(Some(input)) => match apply_trial_policy(
                product.trial_policy.as_ref().filter(|t| t.enabled),
                input,
                currency,
                now,
            ) {
                Ok(policy) => product.trial_policy = Some(policy),
                Err(DomainError::Validation(more)) => errors.extend(prefixed("trial_policy", more)),
                Err(other) => return Err(other),
            },
            Some(None) => product.trial_policy = None,
            None => {}
        }
        match request.rental {
            Some(Some(input)) => match rental_terms(product.rental.as_ref(), input, currency, now) {
                Ok(terms) => product.rental = Some(terms),
                Err(DomainError::Validation(more)) => errors.extend(prefixed("rental", more)),
                Err(other) => return Err(other),
            },
            Some(None) => product.rental = None,
            None => {}
        }
        errors.into_result()?;
        Ok(slug)
    }

    /// Gallery and variant images must be stored images uploaded by the seller or the acting admin.
    pub(crate) async fn check_image_file<C: ConnectionTrait + Send + Sync>(
        &self,
        conn: &C,
        actor: &Actor,
        seller: UserId,
        field: &str,
        file: Uuid,
        errors: &mut FieldErrors,
    ) -> Result<(), DomainError> {
        let stored = find_file(conn, file).await.map_err(db_error)?;
        let uploader_ok = |owner: Option<Uuid>| {
            owner == Some(seller.as_uuid())
                || (actor.is_admin() && owner == actor.user_id().map(|u| u.as_uuid()))
        };
        match stored {
            None => errors.add(field, "names no stored file"),
            Some(f) if !uploader_ok(f.owner_id) => {
                errors.add(field, "names a file the seller did not upload")
            }
            Some(f) if !f.mime_type.starts_with("image/") => errors.add(field, "must be an image file"),
            Some(_) => {}
        }
        Ok(())
    }

    /// The seller a product is created for: the acting approved seller, or for admins the named
    /// seller account.
    async fn selling_account<C: ConnectionTrait + Send + Sync>(
        &self,
        conn: &C,
        actor: &Actor,
        requested: Option<UserId>,
    ) -> Result<UserId, DomainError> {
        let Some(me) = actor.user_id() else { return Err(DomainError::Unauthenticated) };
        let seller = match (actor.role(), requested) {
            (Some(Role::Admin), Some(seller)) => seller,
            (Some(Role::Admin), None) => {
                return Err(DomainError::invalid("seller_id", "is required when an admin creates a product"));
            }
            (_, Some(_)) => return Err(DomainError::Forbidden("only admins may set seller_id".into())),
            (Some(Role::Seller), None) => me,
            _ => return Err(DomainError::Forbidden("only sellers and admins create products".into())),
        };
        let user = SqlUsers::new(conn).find(seller).await?;
        if user.as_ref().is_none_or(|u| u.role != Role::Seller) {
            return Err(DomainError::invalid("seller_id", "names no seller account"));
        }
        let profile = SqlAccounts::new(conn).find_seller(seller).await?;
        if profile.is_none_or(|p| p.approval != ApprovalStatus::Approved) {
            return Err(DomainError::Refused {
                code: "SELLER_NOT_APPROVED",
                message: "the seller must be approved by an admin before listing products".into(),
            });
        }
        Ok(seller)
    }

    /// An explicit slug must be free (`Conflict`); a generated one counts up until it is.
    async fn free_product_slug<C: ConnectionTrait + Send + Sync>(
        &self,
        conn: &C,
        slug: Option<(String, bool)>,
        except: Option<ProductId>,
    ) -> Result<String, DomainError> {
        let products = SqlProducts::new(conn);
        let (base, explicit) = slug.unwrap_or_else(|| ("product".to_owned(), false));
        if explicit {
            if products.slug_taken(&base, except).await? {
                return Err(DomainError::Conflict(format!("the slug {base:?} is taken")));
            }
            return Ok(base);
        }
        let mut taken = Vec::new();
        loop {
            let candidate = unique_slug(&base, |s| taken.iter().any(|t: &String| t == s));
            if !products.slug_taken(&candidate, except).await? {
                return Ok(candidate);
            }
            taken.push(candidate);
        }
    }

    /// Soft-deletes a product (owner or admin): hidden from everyone but admins, its SKUs freed.
    pub async fn delete_product(&self, actor: &Actor, id: ProductId) -> Result<(), DomainError> {
        require(actor, "product", "delete")?;
        let tx = self.db.begin_write().await.map_err(db_error)?;
        let products = SqlProducts::new(&tx);
        let mut product = writable(products.find_for_update(id).await?, actor)?;
        if product.deleted_at.is_some() {
            return Err(DomainError::NotFound { resource: "product" });
        }
        let now = self.clock().now();
        product.deleted_at = Some(now);
        product.updated_at = now;
        product.sku = None;
        for variant in &mut product.variants {
            variant.sku = None;
        }
        products.update(&product).await?;
        record_product(&tx, "product.deleted", &product, now).await?;
        tx.commit().await.map_err(db_error)
    }

    /// Sets a product's moderation state (admin), with an optional reason.
    pub async fn moderate_product(
        &self,
        actor: &Actor,
        id: ProductId,
        status: AdminStatus,
        reason: Option<String>,
    ) -> Result<ProductView, DomainError> {
        require_admin(actor)?;
        require(actor, "product", "update")?;
        let reason = reason.map(|r| r.trim().to_owned()).filter(|r| !r.is_empty());
        if reason.as_ref().is_some_and(|r| r.chars().count() > 500) {
            return Err(DomainError::invalid("reason", "must be at most 500 characters"));
        }
        let tx = self.db.begin_write().await.map_err(db_error)?;
        let products = SqlProducts::new(&tx);
        let mut product =
            products.find_for_update(id).await?.ok_or(DomainError::NotFound { resource: "product" })?;
        product.admin_status = status;
        product.admin_status_reason = reason;
        product.updated_at = self.clock().now();
        products.update(&product).await?;
        record_product(&tx, "product.moderated", &product, product.updated_at).await?;
        let view = self.view_of(&tx, product).await?;
        tx.commit().await.map_err(db_error)?;
        Ok(view)
    }
}

/// Field errors of a nested object, named `prefix.field`.
pub(crate) fn prefixed(prefix: &str, errors: FieldErrors) -> FieldErrors {
    let mut named = FieldErrors::new();
    for (field, messages) in errors.iter() {
        for message in messages {
            named.add(format!("{prefix}.{field}"), message.clone());
        }
    }
    named
}

fn view(tree: &CategoryTree, ratings: &HashMap<Uuid, RatingSummary>, product: Product) -> ProductView {
    let category = product.category_id.and_then(|id| {
        tree.ancestors(id).first().map(|c| CategorySummary {
            id: c.id.as_uuid(),
            name: c.name.clone(),
            slug: c.slug.clone(),
            path: tree.path(c.id),
        })
    });
    let rating =
        ratings.get(&product.id.as_uuid()).copied().unwrap_or(RatingSummary { count: 0, average: 0.0 });
    ProductView { product, category, rating }
}

/// Appends a product event with the fields a subscriber acts on.
async fn record_product(
    tx: &sea_orm::DatabaseTransaction,
    kind: &str,
    product: &Product,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<(), DomainError> {
    let data = serde_json::json!({
        "id": product.id,
        "seller_id": product.seller_id,
        "title": product.title,
        "slug": product.slug,
        "sku": product.sku,
        "price": product.price.amount_string(),
        "currency": product.price.currency().code(),
        "status": product.status.as_str(),
        "admin_status": product.admin_status.as_str(),
        "deleted_at": product.deleted_at,
        "updated_at": product.updated_at,
    });
    crate::outbox::record(
        tx,
        kind,
        "product",
        product.id.as_uuid(),
        Some(product.seller_id.as_uuid()),
        data,
        now,
    )
    .await
}
