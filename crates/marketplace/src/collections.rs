//! Collection use cases: the public tree, admin creation, moves, deletion and product membership.

use std::collections::{HashMap, HashSet};

use souk_auth::permission::{require, require_admin};
use souk_catalog::collection::{Metadata, check_fields, check_members, check_metadata, normalize_members};
use souk_catalog::{Collection, CollectionId, CollectionRepository, CollectionTree};
use souk_kernel::{Actor, DomainError};
use souk_storage::collections::undeleted_products;
use souk_storage::{SqlCollections, db_error};
use uuid::Uuid;

use crate::Marketplace;

/// A new collection.
#[derive(Debug, Clone)]
pub struct NewCollection {
    /// Unique URL handle in slug form.
    pub handle: String,
    /// Display title.
    pub title: String,
    /// Storefront data (empty when absent).
    pub metadata: Metadata,
    /// Parent collection's handle; a root when absent.
    pub parent_handle: Option<String>,
}

/// Changes to a collection; `parent_handle: Some(None)` moves it to the root.
#[derive(Debug, Clone, Default)]
pub struct CollectionPatch {
    /// New handle.
    pub handle: Option<String>,
    /// New title.
    pub title: Option<String>,
    /// Replacement metadata (an empty object clears it).
    pub metadata: Option<Metadata>,
    /// New parent by handle.
    pub parent_handle: Option<Option<String>>,
}

/// A collection with its parent's handle, its product count and its sub-collections.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CollectionNode {
    /// The collection.
    pub collection: Collection,
    /// The parent's handle, `None` for a root.
    pub parent_handle: Option<String>,
    /// Products in it the caller can see: every member for admins, listed products for others.
    pub product_count: u64,
    /// Sub-collections by title.
    pub children: Vec<CollectionNode>,
}

/// A collection and its ordered members, after a membership change.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CollectionMembers {
    /// The collection.
    pub collection: CollectionNode,
    /// Member product ids in order.
    pub product_ids: Vec<Uuid>,
}

/// A collection's node with its subtree, built without recursion: each collection appears at most
/// once, so even a corrupt cycle in the stored parents ends (and deep trees cannot overflow the
/// stack).
fn node(
    tree: &CollectionTree,
    counts: &HashMap<CollectionId, u64>,
    collection: &Collection,
) -> CollectionNode {
    struct Frame<'a> {
        collection: &'a Collection,
        pending: std::vec::IntoIter<&'a Collection>,
        built: Vec<CollectionNode>,
    }
    fn frame<'a>(tree: &'a CollectionTree, collection: &'a Collection) -> Frame<'a> {
        Frame { collection, pending: tree.children(Some(collection.id)).into_iter(), built: Vec::new() }
    }
    let mut seen = HashSet::from([collection.id]);
    let mut stack = vec![frame(tree, collection)];
    loop {
        let Some(top) = stack.last_mut() else { unreachable!("the stack holds the root until it is built") };
        if let Some(child) = top.pending.next() {
            if seen.insert(child.id) {
                stack.push(frame(tree, child));
            }
            continue;
        }
        let Some(done) = stack.pop() else { unreachable!("a frame was just seen") };
        let built = CollectionNode {
            collection: done.collection.clone(),
            parent_handle: tree.parent_handle(done.collection.id).map(str::to_owned),
            product_count: counts.get(&done.collection.id).copied().unwrap_or(0),
            children: done.built,
        };
        match stack.last_mut() {
            Some(parent) => parent.built.push(built),
            None => return built,
        }
    }
}

fn not_found() -> DomainError {
    DomainError::NotFound { resource: "collection" }
}

/// Loads the tree and the counts the actor may see.
async fn load<C: sea_orm::ConnectionTrait + Send + Sync>(
    collections: &SqlCollections<'_, C>,
    actor: &Actor,
) -> Result<(CollectionTree, HashMap<CollectionId, u64>), DomainError> {
    let tree = CollectionTree::new(collections.all().await?);
    let counts = collections.product_counts(!actor.is_admin()).await?;
    Ok((tree, counts))
}

/// The node of `handle` in a freshly loaded tree.
async fn node_of<C: sea_orm::ConnectionTrait + Send + Sync>(
    collections: &SqlCollections<'_, C>,
    actor: &Actor,
    handle: &str,
) -> Result<CollectionNode, DomainError> {
    let (tree, counts) = load(collections, actor).await?;
    let collection = tree.by_handle(handle).ok_or_else(not_found)?;
    Ok(node(&tree, &counts, collection))
}

impl Marketplace {
    /// The root collections with their sub-collections (public).
    pub async fn collection_tree(&self, actor: &Actor) -> Result<Vec<CollectionNode>, DomainError> {
        let (tree, counts) = load(&SqlCollections::new(&self.db.conn), actor).await?;
        Ok(tree.children(None).into_iter().map(|root| node(&tree, &counts, root)).collect())
    }

    /// One collection with its sub-collections (public).
    pub async fn get_collection(&self, actor: &Actor, handle: &str) -> Result<CollectionNode, DomainError> {
        node_of(&SqlCollections::new(&self.db.conn), actor, handle).await
    }

    /// Creates a collection (admin).
    pub async fn create_collection(
        &self,
        actor: &Actor,
        input: NewCollection,
    ) -> Result<CollectionNode, DomainError> {
        require_admin(actor)?;
        require(actor, "collection", "create")?;
        check_fields(&input.handle, &input.title)?;
        check_metadata(&input.metadata)?;
        let tx = self.db.begin_write().await.map_err(db_error)?;
        let collections = SqlCollections::new(&tx);
        let tree = CollectionTree::new(collections.all().await?);
        let parent_id = tree.resolve_parent(input.parent_handle.as_deref())?;
        if tree.by_handle(&input.handle).is_some() {
            return Err(DomainError::Conflict(format!("the handle {:?} is taken", input.handle)));
        }
        let now = self.clock().now();
        let collection = Collection {
            id: CollectionId::new(),
            handle: input.handle,
            title: input.title.trim().to_owned(),
            metadata: input.metadata,
            parent_id,
            created_at: now,
            updated_at: now,
        };
        collections.insert(&collection).await?;
        let created = node_of(&collections, actor, &collection.handle).await?;
        tx.commit().await.map_err(db_error)?;
        Ok(created)
    }

    /// Renames, re-handles or moves a collection (admin); a move under itself or a
    /// sub-collection is refused.
    pub async fn update_collection(
        &self,
        actor: &Actor,
        handle: &str,
        patch: CollectionPatch,
    ) -> Result<CollectionNode, DomainError> {
        require_admin(actor)?;
        require(actor, "collection", "update")?;
        let tx = self.db.begin_write().await.map_err(db_error)?;
        let collections = SqlCollections::new(&tx);
        // Locked (PostgreSQL) so two crossing moves cannot both pass the cycle check.
        let tree = CollectionTree::new(collections.all_for_update().await?);
        let mut collection = tree.by_handle(handle).cloned().ok_or_else(not_found)?;
        let new_handle = patch.handle.unwrap_or_else(|| collection.handle.clone());
        let title = patch.title.unwrap_or_else(|| collection.title.clone());
        check_fields(&new_handle, &title)?;
        if let Some(metadata) = &patch.metadata {
            check_metadata(metadata)?;
        }
        if let Some(parent_handle) = patch.parent_handle {
            let parent_id = tree.resolve_parent(parent_handle.as_deref())?;
            tree.check_parent(collection.id, parent_id)?;
            collection.parent_id = parent_id;
        }
        if new_handle != collection.handle && tree.by_handle(&new_handle).is_some() {
            return Err(DomainError::Conflict(format!("the handle {new_handle:?} is taken")));
        }
        collection.handle = new_handle;
        collection.title = title.trim().to_owned();
        if let Some(metadata) = patch.metadata {
            collection.metadata = metadata;
        }
        collection.updated_at = self.clock().now();
        collections.update(&collection).await?;
        let updated = node_of(&collections, actor, &collection.handle).await?;
        tx.commit().await.map_err(db_error)?;
        Ok(updated)
    }

    /// Deletes a collection and its memberships (admin); one with sub-collections is a `Conflict`.
    pub async fn delete_collection(&self, actor: &Actor, handle: &str) -> Result<(), DomainError> {
        require_admin(actor)?;
        require(actor, "collection", "delete")?;
        let tx = self.db.begin_write().await.map_err(db_error)?;
        let collections = SqlCollections::new(&tx);
        let tree = CollectionTree::new(collections.all().await?);
        let id = tree.by_handle(handle).map(|c| c.id).ok_or_else(not_found)?;
        tree.check_deletable(id)?;
        collections.delete(id).await?;
        tx.commit().await.map_err(db_error)
    }

    /// Replaces a collection's products with these, in this order (admin). Duplicates collapse;
    /// ids of missing or deleted products are refused, each named.
    pub async fn set_collection_products(
        &self,
        actor: &Actor,
        handle: &str,
        product_ids: &[Uuid],
    ) -> Result<CollectionMembers, DomainError> {
        require_admin(actor)?;
        require(actor, "collection", "update")?;
        let members = normalize_members(product_ids)?;
        let tx = self.db.begin_write().await.map_err(db_error)?;
        let collections = SqlCollections::new(&tx);
        let collection = collections.find_by_handle(handle).await?.ok_or_else(not_found)?;
        check_members(&members, &undeleted_products(&tx, &members).await?)?;
        collections.set_products(collection.id, &members).await?;
        let product_ids = collections.product_ids(collection.id).await?;
        let collection = node_of(&collections, actor, handle).await?;
        tx.commit().await.map_err(db_error)?;
        Ok(CollectionMembers { collection, product_ids })
    }
}
