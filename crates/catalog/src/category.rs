//! The category tree: unlimited depth, no cycles, moves and deletion rules.

use std::collections::HashMap;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use souk_kernel::{DomainError, FieldErrors};

use crate::slug::{is_slug, slugify};

souk_kernel::typed_id!(
    /// Identifies a category.
    CategoryId
);

/// A category.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Category {
    /// Id.
    pub id: CategoryId,
    /// Display name.
    pub name: String,
    /// Unique URL slug.
    pub slug: String,
    /// The parent; `None` for a root.
    pub parent_id: Option<CategoryId>,
    /// Creation time.
    pub created_at: DateTime<Utc>,
    /// Last change.
    pub updated_at: DateTime<Utc>,
}

/// Persistence of categories.
#[async_trait]
pub trait CategoryRepository: Send + Sync {
    /// Every category (trees are small enough to load whole).
    async fn all(&self) -> Result<Vec<Category>, DomainError>;
    /// One category.
    async fn find(&self, id: CategoryId) -> Result<Option<Category>, DomainError>;
    /// Whether a slug is used by a category other than `except`.
    async fn slug_taken(&self, slug: &str, except: Option<CategoryId>) -> Result<bool, DomainError>;
    /// Stores a new category.
    async fn insert(&self, category: &Category) -> Result<(), DomainError>;
    /// Replaces a category.
    async fn update(&self, category: &Category) -> Result<(), DomainError>;
    /// Moves every child of `from` under `to`.
    async fn reparent_children(&self, from: CategoryId, to: Option<CategoryId>) -> Result<(), DomainError>;
    /// Deletes a category without children.
    async fn delete(&self, id: CategoryId) -> Result<(), DomainError>;
}

/// Checks a name (1 to 100 characters) and an optional explicit slug; returns the slug base.
pub fn check_fields(name: &str, slug: Option<&str>) -> Result<String, DomainError> {
    let mut errors = FieldErrors::new();
    if !(1..=100).contains(&name.trim().chars().count()) {
        errors.add("name", "must be 1 to 100 characters");
    }
    if let Some(slug) = slug
        && !is_slug(slug)
    {
        errors.add("slug", "must be lower-case letters, digits and single dashes (at most 120)");
    }
    errors.into_result()?;
    Ok(slug.map_or_else(|| slugify(name, "category"), str::to_owned))
}

/// The tree view of all categories: parents, depths and slug paths.
#[derive(Debug, Clone)]
pub struct CategoryTree {
    by_id: HashMap<CategoryId, Category>,
}

impl CategoryTree {
    /// The tree of these categories.
    pub fn new(categories: Vec<Category>) -> CategoryTree {
        CategoryTree { by_id: categories.into_iter().map(|c| (c.id, c)).collect() }
    }

    /// The chain from `id` up to its root, `id` first (stops on a corrupt loop).
    pub fn ancestors(&self, id: CategoryId) -> Vec<&Category> {
        let mut chain = Vec::new();
        let mut current = self.by_id.get(&id);
        while let Some(category) = current {
            if chain.len() > self.by_id.len() {
                break;
            }
            chain.push(category);
            current = category.parent_id.and_then(|parent| self.by_id.get(&parent));
        }
        chain
    }

    /// Depth from the root (roots are 0).
    pub fn depth(&self, id: CategoryId) -> usize {
        self.ancestors(id).len().saturating_sub(1)
    }

    /// Slugs from the root down, joined by `/`.
    pub fn path(&self, id: CategoryId) -> String {
        let mut slugs: Vec<&str> = self.ancestors(id).iter().map(|c| c.slug.as_str()).collect();
        slugs.reverse();
        slugs.join("/")
    }

    /// `id` and every category below it.
    pub fn subtree(&self, id: CategoryId) -> Vec<CategoryId> {
        let mut found = vec![id];
        let mut index = 0;
        while index < found.len() {
            let parent = found[index];
            let mut children: Vec<CategoryId> =
                self.by_id.values().filter(|c| c.parent_id == Some(parent)).map(|c| c.id).collect();
            children.sort();
            found.extend(children);
            index += 1;
        }
        found
    }

    /// The direct children of a category (or the roots), by name.
    pub fn children(&self, parent: Option<CategoryId>) -> Vec<&Category> {
        let mut children: Vec<&Category> = self.by_id.values().filter(|c| c.parent_id == parent).collect();
        children.sort_by(|a, b| a.name.to_lowercase().cmp(&b.name.to_lowercase()).then(a.id.cmp(&b.id)));
        children
    }

    /// Every category in depth-first order (parents before children, siblings by name).
    pub fn depth_first(&self) -> Vec<&Category> {
        let mut ordered = Vec::with_capacity(self.by_id.len());
        let mut stack: Vec<&Category> = self.children(None).into_iter().rev().collect();
        while let Some(category) = stack.pop() {
            ordered.push(category);
            stack.extend(self.children(Some(category.id)).into_iter().rev());
        }
        ordered
    }

    /// Refuses a parent that does not exist or would make a cycle (itself or a descendant).
    pub fn check_parent(
        &self,
        id: Option<CategoryId>,
        parent: Option<CategoryId>,
    ) -> Result<(), DomainError> {
        let Some(parent) = parent else { return Ok(()) };
        if !self.by_id.contains_key(&parent) {
            return Err(DomainError::invalid("parent_id", "names no category"));
        }
        if let Some(id) = id
            && self.ancestors(parent).iter().any(|ancestor| ancestor.id == id)
        {
            return Err(DomainError::invalid(
                "parent_id",
                "would make a cycle: it is the category itself or below it",
            ));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn category(name: &str, parent: Option<CategoryId>) -> Category {
        let now = Utc::now();
        Category {
            id: CategoryId::new(),
            name: name.into(),
            slug: slugify(name, "c"),
            parent_id: parent,
            created_at: now,
            updated_at: now,
        }
    }

    fn sample() -> (CategoryTree, [CategoryId; 4]) {
        let electronics = category("Electronics", None);
        let phones = category("Phones", Some(electronics.id));
        let android = category("Android", Some(phones.id));
        let garden = category("Garden", None);
        let ids = [electronics.id, phones.id, android.id, garden.id];
        (CategoryTree::new(vec![android, garden, phones, electronics]), ids)
    }

    #[test]
    fn depths_paths_and_subtrees() {
        let (tree, [electronics, phones, android, garden]) = sample();
        assert_eq!(tree.depth(electronics), 0);
        assert_eq!(tree.depth(android), 2);
        assert_eq!(tree.path(android), "electronics/phones/android");
        assert_eq!(tree.subtree(electronics), vec![electronics, phones, android]);
        assert_eq!(tree.subtree(garden), vec![garden]);
        let names: Vec<&str> = tree.depth_first().iter().map(|c| c.name.as_str()).collect();
        assert_eq!(names, ["Electronics", "Phones", "Android", "Garden"]);
    }

    #[test]
    fn cycles_and_unknown_parents_are_refused() {
        let (tree, [electronics, phones, android, garden]) = sample();
        assert!(tree.check_parent(Some(electronics), Some(android)).is_err(), "under its own grandchild");
        assert!(tree.check_parent(Some(phones), Some(phones)).is_err(), "under itself");
        assert!(tree.check_parent(Some(phones), Some(garden)).is_ok());
        assert!(tree.check_parent(Some(android), None).is_ok(), "to the root");
        assert!(tree.check_parent(None, Some(CategoryId::new())).is_err(), "unknown parent");
    }

    #[test]
    fn fields_are_checked_and_slugs_derived() {
        assert_eq!(check_fields("Home & Garden", None).unwrap(), "home-garden");
        assert_eq!(check_fields("Home", Some("house")).unwrap(), "house");
        assert!(check_fields("", Some("Not A Slug")).is_err());
    }
}
