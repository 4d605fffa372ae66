//! Collections: curated, ordered sets of products arranged in a tree of sub-collections, named by
//! a URL handle. The rules here are the tree's (no cycles, unknown parents, deletion of parents)
//! and the fields' (handle in slug form, title length, metadata size, membership lists).

use std::collections::{HashMap, HashSet};

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use souk_kernel::{DomainError, FieldErrors};
use uuid::Uuid;

use crate::slug::is_slug;

souk_kernel::typed_id!(
    /// Identifies a collection.
    CollectionId
);

/// Free-form data a storefront keeps on a collection (banner, colours, ...): any JSON object.
pub type Metadata = serde_json::Map<String, serde_json::Value>;

/// Longest title kept.
pub const MAX_TITLE_LEN: usize = 200;
/// Largest metadata object, serialized, so one collection cannot bloat every tree read.
pub const MAX_METADATA_BYTES: usize = 16 * 1024;
/// Most products one membership list may hold, so a replace stays one bounded transaction.
pub const MAX_MEMBERS: usize = 1000;

/// A collection.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Collection {
    /// Id.
    pub id: CollectionId,
    /// Unique URL handle (slug form).
    pub handle: String,
    /// Display title.
    pub title: String,
    /// Storefront data; empty when none was set.
    pub metadata: Metadata,
    /// The parent; `None` for a root.
    pub parent_id: Option<CollectionId>,
    /// Creation time.
    pub created_at: DateTime<Utc>,
    /// Last change.
    pub updated_at: DateTime<Utc>,
}

/// Persistence of collections and their product memberships.
#[async_trait]
pub trait CollectionRepository: Send + Sync {
    /// Every collection (trees are small enough to load whole).
    async fn all(&self) -> Result<Vec<Collection>, DomainError>;
    /// Every collection, each row locked until the transaction ends, so a move checks the tree
    /// no concurrent move is changing (two crossing moves cannot both pass the cycle check).
    async fn all_for_update(&self) -> Result<Vec<Collection>, DomainError>;
    /// One collection by handle.
    async fn find_by_handle(&self, handle: &str) -> Result<Option<Collection>, DomainError>;
    /// Stores a new collection; a taken handle is a `Conflict`.
    async fn insert(&self, collection: &Collection) -> Result<(), DomainError>;
    /// Replaces a collection; a taken handle is a `Conflict`.
    async fn update(&self, collection: &Collection) -> Result<(), DomainError>;
    /// Deletes a collection without sub-collections, with its memberships.
    async fn delete(&self, id: CollectionId) -> Result<(), DomainError>;
    /// Members per collection; `listed_only` counts only products the public can see.
    async fn product_counts(&self, listed_only: bool) -> Result<HashMap<CollectionId, u64>, DomainError>;
    /// The member product ids of a collection, in their order.
    async fn product_ids(&self, id: CollectionId) -> Result<Vec<Uuid>, DomainError>;
    /// Replaces the membership of a collection with these products, in this order.
    async fn set_products(&self, id: CollectionId, product_ids: &[Uuid]) -> Result<(), DomainError>;
}

/// Checks a handle (slug form, at most 120) and a title (1 to 200 characters).
pub fn check_fields(handle: &str, title: &str) -> Result<(), DomainError> {
    let mut errors = FieldErrors::new();
    if !is_slug(handle) {
        errors.add("handle", "must be lower-case letters, digits and single dashes (at most 120)");
    }
    if !(1..=MAX_TITLE_LEN).contains(&title.trim().chars().count()) {
        errors.add("title", format!("must be 1 to {MAX_TITLE_LEN} characters"));
    }
    errors.into_result()
}

/// Refuses metadata larger than [`MAX_METADATA_BYTES`] once serialized.
pub fn check_metadata(metadata: &Metadata) -> Result<(), DomainError> {
    let size = serde_json::to_string(metadata).map(|text| text.len()).unwrap_or(usize::MAX);
    if size > MAX_METADATA_BYTES {
        return Err(DomainError::invalid(
            "metadata",
            format!("must be at most {MAX_METADATA_BYTES} bytes as JSON"),
        ));
    }
    Ok(())
}

/// The membership list a client asked for: duplicates collapse to their first place; more than
/// [`MAX_MEMBERS`] distinct products is refused.
pub fn normalize_members(product_ids: &[Uuid]) -> Result<Vec<Uuid>, DomainError> {
    let mut seen = HashSet::new();
    let members: Vec<Uuid> = product_ids.iter().copied().filter(|id| seen.insert(*id)).collect();
    if members.len() > MAX_MEMBERS {
        return Err(DomainError::invalid("product_ids", format!("must hold at most {MAX_MEMBERS} products")));
    }
    Ok(members)
}

/// Refuses members that name no (undeleted) product, naming each of them.
pub fn check_members(members: &[Uuid], existing: &HashSet<Uuid>) -> Result<(), DomainError> {
    let mut errors = FieldErrors::new();
    for id in members.iter().filter(|id| !existing.contains(id)) {
        errors.add("product_ids", format!("{id} names no product"));
    }
    errors.into_result()
}

/// The tree view of all collections: parents, children and cycle checks.
#[derive(Debug, Clone)]
pub struct CollectionTree {
    by_id: HashMap<CollectionId, Collection>,
}

impl CollectionTree {
    /// The tree of these collections.
    pub fn new(collections: Vec<Collection>) -> CollectionTree {
        CollectionTree { by_id: collections.into_iter().map(|c| (c.id, c)).collect() }
    }

    /// One collection by id.
    pub fn get(&self, id: CollectionId) -> Option<&Collection> {
        self.by_id.get(&id)
    }

    /// One collection by handle.
    pub fn by_handle(&self, handle: &str) -> Option<&Collection> {
        self.by_id.values().find(|c| c.handle == handle)
    }

    /// The chain from `id` up to its root, `id` first (stops on a corrupt loop).
    pub fn ancestors(&self, id: CollectionId) -> Vec<&Collection> {
        let mut chain = Vec::new();
        let mut current = self.by_id.get(&id);
        while let Some(collection) = current {
            if chain.len() > self.by_id.len() {
                break;
            }
            chain.push(collection);
            current = collection.parent_id.and_then(|parent| self.by_id.get(&parent));
        }
        chain
    }

    /// The direct children of a collection (or the roots), by title, then handle.
    pub fn children(&self, parent: Option<CollectionId>) -> Vec<&Collection> {
        let mut children: Vec<&Collection> = self.by_id.values().filter(|c| c.parent_id == parent).collect();
        children.sort_by(|a, b| {
            a.title.to_lowercase().cmp(&b.title.to_lowercase()).then_with(|| a.handle.cmp(&b.handle))
        });
        children
    }

    /// The handle of a collection's parent, if it has one.
    pub fn parent_handle(&self, id: CollectionId) -> Option<&str> {
        let parent = self.by_id.get(&id)?.parent_id?;
        self.by_id.get(&parent).map(|p| p.handle.as_str())
    }

    /// The parent a `parent_handle` names: `None` stays a root; an unknown handle is refused.
    pub fn resolve_parent(&self, parent_handle: Option<&str>) -> Result<Option<CollectionId>, DomainError> {
        let Some(handle) = parent_handle else { return Ok(None) };
        self.by_handle(handle)
            .map(|parent| Some(parent.id))
            .ok_or_else(|| DomainError::invalid("parent_handle", "names no collection"))
    }

    /// Refuses a parent that would make a cycle: the collection itself or one below it.
    pub fn check_parent(&self, id: CollectionId, parent: Option<CollectionId>) -> Result<(), DomainError> {
        let Some(parent) = parent else { return Ok(()) };
        if self.ancestors(parent).iter().any(|ancestor| ancestor.id == id) {
            return Err(DomainError::invalid(
                "parent_handle",
                "would make a cycle: it is the collection itself or below it",
            ));
        }
        Ok(())
    }

    /// Refuses to delete a collection that still has sub-collections.
    pub fn check_deletable(&self, id: CollectionId) -> Result<(), DomainError> {
        let children = self.children(Some(id)).len();
        if children > 0 {
            return Err(DomainError::Conflict(format!(
                "the collection has {children} sub-collections; move or delete them first"
            )));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn collection(handle: &str, parent: Option<CollectionId>) -> Collection {
        let now = Utc::now();
        Collection {
            id: CollectionId::new(),
            handle: handle.into(),
            title: handle.to_uppercase(),
            metadata: Metadata::new(),
            parent_id: parent,
            created_at: now,
            updated_at: now,
        }
    }

    fn sample() -> (CollectionTree, [CollectionId; 4]) {
        let summer = collection("summer", None);
        let beach = collection("beach", Some(summer.id));
        let towels = collection("towels", Some(beach.id));
        let winter = collection("winter", None);
        let ids = [summer.id, beach.id, towels.id, winter.id];
        (CollectionTree::new(vec![towels, winter, beach, summer]), ids)
    }

    #[test]
    fn children_parents_and_handles() {
        let (tree, [summer, beach, towels, winter]) = sample();
        let roots: Vec<&str> = tree.children(None).iter().map(|c| c.handle.as_str()).collect();
        assert_eq!(roots, ["summer", "winter"]);
        assert_eq!(tree.children(Some(summer))[0].id, beach);
        assert_eq!(tree.parent_handle(towels), Some("beach"));
        assert_eq!(tree.parent_handle(winter), None);
        assert_eq!(tree.by_handle("towels").map(|c| c.id), Some(towels));
        assert_eq!(tree.ancestors(towels).len(), 3);
    }

    #[test]
    fn cycles_and_unknown_parents_are_refused() {
        let (tree, [summer, beach, towels, winter]) = sample();
        assert!(tree.check_parent(summer, Some(towels)).is_err(), "under its own grandchild");
        assert!(tree.check_parent(beach, Some(beach)).is_err(), "under itself");
        assert!(tree.check_parent(beach, Some(winter)).is_ok());
        assert!(tree.check_parent(towels, None).is_ok(), "to the root");
        assert_eq!(tree.resolve_parent(Some("winter")).unwrap(), Some(winter));
        assert_eq!(tree.resolve_parent(None).unwrap(), None);
        let Err(DomainError::Validation(errors)) = tree.resolve_parent(Some("spring")) else {
            panic!("an unknown parent is a validation error")
        };
        assert!(errors.get("parent_handle").is_some());
    }

    #[test]
    fn parents_cannot_be_deleted() {
        let (tree, [summer, _, towels, _]) = sample();
        assert!(matches!(tree.check_deletable(summer), Err(DomainError::Conflict(_))));
        assert!(tree.check_deletable(towels).is_ok());
    }

    #[test]
    fn fields_and_metadata_are_checked() {
        assert!(check_fields("summer-sale", "Summer sale").is_ok());
        let Err(DomainError::Validation(errors)) = check_fields("Summer Sale", " ") else {
            panic!("bad handle and title")
        };
        assert!(errors.get("handle").is_some() && errors.get("title").is_some());
        assert!(check_fields("ok", &"t".repeat(201)).is_err());
        let mut metadata = Metadata::new();
        metadata.insert("banner".into(), serde_json::json!({"color": "#fff"}));
        assert!(check_metadata(&metadata).is_ok());
        metadata.insert("blob".into(), serde_json::Value::String("x".repeat(MAX_METADATA_BYTES)));
        assert!(check_metadata(&metadata).is_err());
    }

    #[test]
    fn members_collapse_duplicates_and_name_unknown_ids() {
        let [a, b, c] = [Uuid::now_v7(), Uuid::now_v7(), Uuid::now_v7()];
        assert_eq!(normalize_members(&[b, a, b, c, a]).unwrap(), [b, a, c]);
        let too_many: Vec<Uuid> = (0..=MAX_MEMBERS).map(|_| Uuid::now_v7()).collect();
        assert!(normalize_members(&too_many).is_err());
        let existing = HashSet::from([a, b]);
        assert!(check_members(&[a, b], &existing).is_ok());
        let Err(DomainError::Validation(errors)) = check_members(&[a, c], &existing) else {
            panic!("unknown member")
        };
        assert_eq!(errors.get("product_ids").unwrap(), [format!("{c} names no product")]);
    }
}
