//! Category use cases: the tree, creation, moves and deletion (admin writes, public reads).

use std::collections::HashSet;

use souk_auth::permission::{require, require_admin};
use souk_catalog::category::check_fields;
use souk_catalog::slug::unique_slug;
use souk_catalog::{Category, CategoryId, CategoryRepository, CategoryTree, ProductRepository};
use souk_kernel::{Actor, DomainError, Page, PageRequest};
use souk_storage::{SqlCategories, SqlProducts, db_error};

use crate::Marketplace;

/// A new category.
#[derive(Debug, Clone)]
pub struct NewCategory {
    /// Display name.
    pub name: String,
    /// Explicit slug; generated from the name when absent.
    pub slug: Option<String>,
    /// Parent; a root when absent.
    pub parent_id: Option<CategoryId>,
}

/// Changes to a category; `parent_id: Some(None)` moves it to the root.
#[derive(Debug, Clone, Default)]
pub struct CategoryPatch {
    /// New name.
    pub name: Option<String>,
    /// New slug.
    pub slug: Option<String>,
    /// New parent.
    pub parent_id: Option<Option<CategoryId>>,
}

/// A category with its place in the tree.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlacedCategory {
    /// The category.
    pub category: Category,
    /// Depth from the root (roots are 0).
    pub depth: usize,
    /// Slugs from the root, joined by `/`.
    pub path: String,
}

fn place(tree: &CategoryTree, category: Category) -> PlacedCategory {
    PlacedCategory { depth: tree.depth(category.id), path: tree.path(category.id), category }
}

impl Marketplace {
    /// The whole tree (public).
    pub async fn category_tree(&self) -> Result<CategoryTree, DomainError> {
        Ok(CategoryTree::new(SqlCategories::new(&self.db.conn).all().await?))
    }

    /// A page of every category in depth-first order, with depths and paths (public).
    pub async fn category_page(&self, page: PageRequest) -> Result<Page<PlacedCategory>, DomainError> {
        let tree = self.category_tree().await?;
        let ordered = tree.depth_first();
        let total = ordered.len() as u64;
        let items = ordered
            .into_iter()
            .skip(usize::try_from(page.offset()).unwrap_or(usize::MAX))
            .take(page.per_page() as usize)
            .map(|category| place(&tree, category.clone()))
            .collect();
        Ok(Page { items, total, request: page })
    }

    /// One category with its depth and path (public).
    pub async fn get_category(&self, id: CategoryId) -> Result<PlacedCategory, DomainError> {
        let tree = self.category_tree().await?;
        let category = tree
            .ancestors(id)
            .first()
            .map(|c| (*c).clone())
            .ok_or(DomainError::NotFound { resource: "category" })?;
        Ok(place(&tree, category))
    }

    /// Creates a category (admin).
    pub async fn create_category(
        &self,
        actor: &Actor,
        input: NewCategory,
    ) -> Result<PlacedCategory, DomainError> {
        require_admin(actor)?;
        require(actor, "category", "create")?;
        let base = check_fields(&input.name, input.slug.as_deref())?;
        let tx = self.db.begin_write().await.map_err(db_error)?;
        let categories = SqlCategories::new(&tx);
        CategoryTree::new(categories.all().await?).check_parent(None, input.parent_id)?;
        let slug = self.free_slug(&categories, &base, input.slug.is_some(), None).await?;
        let now = self.clock().now();
        let category = Category {
            id: CategoryId::new(),
            name: input.name.trim().to_owned(),
            slug,
            parent_id: input.parent_id,
            created_at: now,
            updated_at: now,
        };
        categories.insert(&category).await?;
        let placed = place(&CategoryTree::new(categories.all().await?), category);
        tx.commit().await.map_err(db_error)?;
        Ok(placed)
    }

    /// An explicit slug must be free (`Conflict`); a generated one counts up until it is.
    async fn free_slug<C: sea_orm::ConnectionTrait + Send + Sync>(
        &self,
        categories: &SqlCategories<'_, C>,
        base: &str,
        explicit: bool,
        except: Option<CategoryId>,
    ) -> Result<String, DomainError> {
        if explicit {
            if categories.slug_taken(base, except).await? {
                return Err(DomainError::Conflict(format!("the slug {base:?} is taken")));
            }
            return Ok(base.to_owned());
        }
        let taken: HashSet<String> =
            categories.all().await?.into_iter().filter(|c| Some(c.id) != except).map(|c| c.slug).collect();
        Ok(unique_slug(base, |candidate| taken.contains(candidate)))
    }

    /// Renames or moves a category (admin); a move under itself or a descendant is refused.
    pub async fn update_category(
        &self,
        actor: &Actor,
        id: CategoryId,
        patch: CategoryPatch,
    ) -> Result<PlacedCategory, DomainError> {
        require_admin(actor)?;
        require(actor, "category", "update")?;
        let tx = self.db.begin_write().await.map_err(db_error)?;
        let categories = SqlCategories::new(&tx);
        let mut category =
            categories.find(id).await?.ok_or(DomainError::NotFound { resource: "category" })?;
        let name = patch.name.clone().unwrap_or_else(|| category.name.clone());
        let base = check_fields(&name, patch.slug.as_deref())?;
        let tree = CategoryTree::new(categories.all().await?);
        if let Some(parent) = patch.parent_id {
            tree.check_parent(Some(id), parent)?;
            category.parent_id = parent;
        }
        if patch.slug.is_some() {
            category.slug = self.free_slug(&categories, &base, true, Some(id)).await?;
        }
        category.name = name.trim().to_owned();
        category.updated_at = self.clock().now();
        categories.update(&category).await?;
        let placed = place(&CategoryTree::new(categories.all().await?), category);
        tx.commit().await.map_err(db_error)?;
        Ok(placed)
    }

    /// Deletes a category (admin). One with children or products is a `Conflict` unless
    /// `reassign_to` names a category outside it, which adopts both.
    pub async fn delete_category(
        &self,
        actor: &Actor,
        id: CategoryId,
        reassign_to: Option<CategoryId>,
    ) -> Result<(), DomainError> {
        require_admin(actor)?;
        require(actor, "category", "delete")?;
        let tx = self.db.begin_write().await.map_err(db_error)?;
        let categories = SqlCategories::new(&tx);
        let tree = CategoryTree::new(categories.all().await?);
        if categories.find(id).await?.is_none() {
            return Err(DomainError::NotFound { resource: "category" });
        }
        let children = tree.children(Some(id)).len();
        let products = SqlProducts::new(&tx);
        let in_use = products.category_in_use(id).await?;
        if children > 0 || in_use {
            let Some(heir) = reassign_to else {
                return Err(DomainError::Conflict(format!(
                    "the category has {children} subcategories{}; pass reassign_to to move them first",
                    if in_use { " and products" } else { "" }
                )));
            };
            if tree.subtree(id).contains(&heir) {
                return Err(DomainError::invalid("reassign_to", "must be outside the deleted category"));
            }
            tree.check_parent(None, Some(heir))
                .map_err(|_| DomainError::invalid("reassign_to", "names no category"))?;
            categories.reparent_children(id, Some(heir)).await?;
            products.recategorize(id, heir).await?;
        }
        categories.delete(id).await?;
        tx.commit().await.map_err(db_error)
    }
}
