//! Landing-page use cases: sellers (and admins for them) make sales pages for their products;
//! everyone reads the pages of listed products.

use souk_auth::permission::require;
use souk_catalog::landing_page::{
    DEFAULT_LANG, LandingPageSort, PageFields, check_fields, check_product, slug_from_title,
};
use souk_catalog::slug::unique_slug;
use souk_catalog::{Audience, CodType, LandingPage, LandingPageId, LandingPageRepository};
use souk_kernel::{Actor, DomainError, Page, PageRequest, SortDirection};
use souk_storage::products::product_access;
use souk_storage::{SqlLandingPages, db_error};
use uuid::Uuid;

use crate::Marketplace;

/// A new landing page.
#[derive(Debug, Clone)]
pub struct NewLandingPage {
    /// Headline.
    pub title: String,
    /// Explicit slug; generated from the title (and made unique) when absent.
    pub slug: Option<String>,
    /// The product it sells.
    pub product_id: Uuid,
    /// Search-engine description.
    pub meta_description: Option<String>,
    /// Language tag; `en` when absent.
    pub lang: Option<String>,
    /// Order form kind.
    pub cod_type: CodType,
}

/// Changes to a landing page; `meta_description: Some(None)` clears it.
#[derive(Debug, Clone, Default)]
pub struct LandingPagePatch {
    /// New headline.
    pub title: Option<String>,
    /// New slug.
    pub slug: Option<String>,
    /// Another product of the same actor.
    pub product_id: Option<Uuid>,
    /// New or cleared meta description.
    pub meta_description: Option<Option<String>>,
    /// New language tag.
    pub lang: Option<String>,
    /// New order form kind.
    pub cod_type: Option<CodType>,
}

fn not_found() -> DomainError {
    DomainError::NotFound { resource: "landing page" }
}

/// Blank descriptions are no description.
fn meta(text: Option<String>) -> Option<String> {
    text.map(|t| t.trim().to_owned()).filter(|t| !t.is_empty())
}

/// A page the actor may see, or `NotFound`. The page belongs to its product's current seller.
/// With `lock` its row stays locked until the transaction ends (PostgreSQL), so concurrent
/// changes of it serialize instead of being lost.
async fn visible_page<C: sea_orm::ConnectionTrait + Send + Sync>(
    conn: &C,
    actor: &Actor,
    id: LandingPageId,
    lock: bool,
) -> Result<LandingPage, DomainError> {
    let pages = SqlLandingPages::new(conn);
    let page = if lock { pages.find_for_update(id).await? } else { pages.find(id).await? };
    let mut page = page.ok_or_else(not_found)?;
    let product = product_access(conn, page.product_id).await?.ok_or_else(not_found)?;
    page.owner_id = product.seller_id;
    if page.visible_to(actor, &product) { Ok(page) } else { Err(not_found()) }
}

/// An explicit slug must be free (`Conflict`); a generated one counts up until it is.
async fn free_slug<C: sea_orm::ConnectionTrait + Send + Sync>(
    pages: &SqlLandingPages<'_, C>,
    base: &str,
    explicit: bool,
    except: Option<LandingPageId>,
) -> Result<String, DomainError> {
    let taken = pages.slugs_like(base, except).await?;
    if explicit {
        if taken.contains(base) {
            return Err(DomainError::Conflict(format!("the slug {base:?} is taken")));
        }
        return Ok(base.to_owned());
    }
    Ok(unique_slug(base, |candidate| taken.contains(candidate)))
}

impl Marketplace {
    /// Creates a landing page for a product the actor sells (or any product, for admins); the
    /// page belongs to the product's seller.
    pub async fn create_landing_page(
        &self,
        actor: &Actor,
        input: NewLandingPage,
    ) -> Result<LandingPage, DomainError> {
        require(actor, "landing_page", "create")?;
        let lang = input.lang.unwrap_or_else(|| DEFAULT_LANG.to_owned());
        check_fields(&PageFields {
            title: Some(&input.title),
            slug: input.slug.as_deref(),
            meta_description: input.meta_description.as_deref(),
            lang: Some(&lang),
        })?;
        let tx = self.db.begin_write().await.map_err(db_error)?;
        let owner_id = check_product(actor, product_access(&tx, input.product_id).await?.as_ref())?;
        let pages = SqlLandingPages::new(&tx);
        let base = input.slug.clone().unwrap_or_else(|| slug_from_title(&input.title));
        let slug = free_slug(&pages, &base, input.slug.is_some(), None).await?;
        let now = self.clock().now();
        let page = LandingPage {
            id: LandingPageId::new(),
            owner_id,
            product_id: input.product_id,
            title: input.title.trim().to_owned(),
            slug,
            meta_description: meta(input.meta_description),
            lang,
            cod_type: input.cod_type,
            created_at: now,
            updated_at: now,
        };
        pages.insert(&page).await?;
        tx.commit().await.map_err(db_error)?;
        Ok(page)
    }

    /// A page of the landing pages the actor may see: those of listed products, its own, and for
    /// admins all (public).
    pub async fn list_landing_pages(
        &self,
        actor: &Actor,
        product_ids: &[Uuid],
        sort: LandingPageSort,
        direction: SortDirection,
        page: PageRequest,
    ) -> Result<Page<LandingPage>, DomainError> {
        SqlLandingPages::new(&self.db.conn)
            .list(Audience::of(actor), product_ids, sort, direction, page)
            .await
    }

    /// One landing page the actor may see; any other is `NotFound` (public).
    pub async fn get_landing_page(
        &self,
        actor: &Actor,
        id: LandingPageId,
    ) -> Result<LandingPage, DomainError> {
        visible_page(&self.db.conn, actor, id, false).await
    }

    /// Changes a landing page (its product's current seller, admin); the stored owner follows the
    /// product's seller.
    pub async fn update_landing_page(
        &self,
        actor: &Actor,
        id: LandingPageId,
        patch: LandingPagePatch,
    ) -> Result<LandingPage, DomainError> {
        if actor.role().is_none() {
            return Err(DomainError::Unauthenticated);
        }
        let tx = self.db.begin_write().await.map_err(db_error)?;
        let mut page = visible_page(&tx, actor, id, true).await?;
        require(actor, "landing_page", "update")?;
        page.check_write(actor)?;
        let meta_description = patch.meta_description.map(meta);
        check_fields(&PageFields {
            title: patch.title.as_deref(),
            slug: patch.slug.as_deref(),
            meta_description: meta_description.as_ref().and_then(Option::as_deref),
            lang: patch.lang.as_deref(),
        })?;
        if let Some(product_id) = patch.product_id
            && product_id != page.product_id
        {
            page.owner_id = check_product(actor, product_access(&tx, product_id).await?.as_ref())?;
            page.product_id = product_id;
        }
        let pages = SqlLandingPages::new(&tx);
        if let Some(slug) = patch.slug
            && slug != page.slug
        {
            page.slug = free_slug(&pages, &slug, true, Some(id)).await?;
        }
        if let Some(title) = patch.title {
            page.title = title.trim().to_owned();
        }
        if let Some(meta_description) = meta_description {
            page.meta_description = meta_description;
        }
        if let Some(lang) = patch.lang {
            page.lang = lang;
        }
        if let Some(cod_type) = patch.cod_type {
            page.cod_type = cod_type;
        }
        page.updated_at = self.clock().now();
        pages.update(&page).await?;
        tx.commit().await.map_err(db_error)?;
        Ok(page)
    }

    /// Deletes a landing page (its product's current seller, admin).
    pub async fn delete_landing_page(&self, actor: &Actor, id: LandingPageId) -> Result<(), DomainError> {
        if actor.role().is_none() {
            return Err(DomainError::Unauthenticated);
        }
        let tx = self.db.begin_write().await.map_err(db_error)?;
        let page = visible_page(&tx, actor, id, true).await?;
        require(actor, "landing_page", "delete")?;
        page.check_write(actor)?;
        SqlLandingPages::new(&tx).delete(id).await?;
        tx.commit().await.map_err(db_error)
    }
}
