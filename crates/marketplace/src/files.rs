//! File use cases: upload (with an optional link to the object the file belongs to), list,
//! read, download, delete and unlink. Any signed-in user uploads; a file is private to its
//! uploader and admins, except to callers who may see a product it is media of (linked to the
//! product or one of its variants, or a variant's image) or a review it is a photo of.

use std::collections::HashMap;

use souk_auth::permission::require;
use souk_catalog::file::{LinkFields, check_image_link, check_link_target, safe_file_name};
use souk_catalog::{FileFilter, FileSort, FileableType};
use souk_kernel::{Actor, DomainError, FieldErrors, Page, PageRequest, SortDirection};
use souk_storage::db_error;
use souk_storage::files::{
    FileRecord, LinkRecord, delete_file, delete_link, file_with_access, gallery_size, insert_file,
    insert_link, link_target, links_of, list_files, new_record, next_position, visible_links,
};
use uuid::Uuid;

use crate::Marketplace;
use crate::adapters::files::{MAX_FILE_BYTES, MAX_IMAGE_BYTES, is_image, sniff};

/// An uploaded file and where to link it.
#[derive(Debug, Clone, Default)]
pub struct NewFile {
    /// The client's file name (shown and offered on download, never trusted for the type).
    pub name: String,
    /// The bytes.
    pub bytes: Vec<u8>,
    /// The optional link fields of the form.
    pub link: LinkFields,
}

/// A file with every place it is linked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredFile {
    /// The metadata.
    pub file: FileRecord,
    /// Its links, oldest first (the link made on upload, if any, comes first).
    pub links: Vec<LinkRecord>,
}

/// A file's metadata and bytes, for download.
#[derive(Debug, Clone)]
pub struct FileContent {
    /// The metadata (type, name, size).
    pub file: FileRecord,
    /// The bytes.
    pub bytes: Vec<u8>,
}

/// Checks the bytes: an accepted type judged by content (`422` on `file`), within its size limit
/// (`413`). Returns the sniffed type.
pub fn check_content(bytes: &[u8]) -> Result<&'static str, DomainError> {
    if bytes.is_empty() {
        return Err(DomainError::invalid("file", "must not be empty"));
    }
    let mime = sniff(bytes).ok_or_else(|| {
        DomainError::invalid(
            "file",
            "must be a JPEG, PNG, WebP or GIF image, a PDF, or another accepted document, archive, \
             audio or video type (judged by its content, not its name)",
        )
    })?;
    let limit = if is_image(mime) { MAX_IMAGE_BYTES } else { MAX_FILE_BYTES };
    if bytes.len() > limit {
        let kind = if is_image(mime) { "an image" } else { "a file" };
        return Err(DomainError::TooLarge(format!("{kind} may be at most {} MiB", limit / (1024 * 1024))));
    }
    Ok(mime)
}

fn not_found() -> DomainError {
    DomainError::NotFound { resource: "file" }
}

impl Marketplace {
    /// Refuses a caller who may not upload before its body is read.
    pub fn authorize_upload(&self, actor: &Actor) -> Result<(), DomainError> {
        require(actor, "file", "upload")
    }

    /// Stores a file for the caller and, when asked, links it in the same transaction. Nothing is
    /// stored (no row, no bytes) when the content, the link fields or the target are refused.
    pub async fn upload_file(&self, actor: &Actor, input: NewFile) -> Result<StoredFile, DomainError> {
        require(actor, "file", "upload")?;
        let owner = actor.user_id().ok_or(DomainError::Unauthenticated)?;
        let mut errors = FieldErrors::new();
        let link = match input.link.parse() {
            Ok(link) => link,
            Err(DomainError::Validation(more)) => {
                errors.extend(more);
                None
            }
            Err(other) => return Err(other),
        };
        let mime = match check_content(&input.bytes) {
            Ok(mime) => Some(mime),
            Err(DomainError::Validation(more)) => {
                errors.extend(more);
                None
            }
            Err(other) => return Err(other),
        };
        errors.into_result()?;
        let mime = mime.ok_or_else(|| DomainError::invalid("file", "is required"))?;
        if let Some(link) = &link {
            let target = link_target(&self.db.conn, link.fileable_type, link.fileable_id).await?;
            check_link_target(actor, link.fileable_type, target)?;
            check_image_link(link.fileable_type, link.role.as_deref(), mime, 0)?;
        }
        let now = self.clock().now();
        let id = Uuid::now_v7();
        let mut file = new_record(
            Some(owner.as_uuid()),
            &safe_file_name(&input.name),
            mime,
            input.bytes.len() as i64,
            format!("files/{id}"),
            now,
        );
        file.id = id;
        self.files.put(&file.storage_key, &input.bytes).await?;
        let recorded = async {
            let tx = self.db.begin_write().await.map_err(db_error)?;
            insert_file(&tx, &file).await.map_err(db_error)?;
            let mut links = Vec::new();
            if let Some(link) = link {
                if link.fileable_type == FileableType::Product {
                    let gallery = gallery_size(&tx, link.fileable_id).await?;
                    check_image_link(link.fileable_type, link.role.as_deref(), mime, gallery)?;
                }
                let position = match link.position {
                    Some(position) => position,
                    None => next_position(&tx, link.fileable_type, link.fileable_id).await?,
                };
                let record = LinkRecord {
                    file_id: id,
                    fileable_type: link.fileable_type.as_str().to_owned(),
                    fileable_id: link.fileable_id,
                    role: link.role,
                    position,
                    alt: link.alt,
                    created_at: now,
                };
                insert_link(&tx, &record).await?;
                links.push(record);
            }
            tx.commit().await.map_err(db_error)?;
            Ok::<_, DomainError>(links)
        }
        .await;
        match recorded {
            Ok(links) => {
                tracing::info!(file_id = %id, mime, size = file.size, "file uploaded");
                Ok(StoredFile { file, links })
            }
            Err(error) => {
                if let Err(cleanup) = self.files.delete(&file.storage_key).await {
                    tracing::error!(error = %cleanup, key = %file.storage_key, "could not remove orphaned bytes");
                }
                Err(error)
            }
        }
    }

    /// A page of files: the caller's own, or every file for admins.
    pub async fn list_files(
        &self,
        actor: &Actor,
        filter: FileFilter,
        sort: FileSort,
        direction: SortDirection,
        page: PageRequest,
    ) -> Result<Page<StoredFile>, DomainError> {
        require(actor, "file", "browse")?;
        let filter = filter.scoped_to(actor)?;
        let files = list_files(&self.db.conn, &filter, sort, direction, page).await?;
        let ids: Vec<Uuid> = files.items.iter().map(|f| f.id).collect();
        let mut links: HashMap<Uuid, Vec<LinkRecord>> = HashMap::new();
        for link in visible_links(&self.db.conn, actor, links_of(&self.db.conn, &ids).await?).await? {
            links.entry(link.file_id).or_default().push(link);
        }
        Ok(files.map(|file| StoredFile { links: links.remove(&file.id).unwrap_or_default(), file }))
    }

    /// Loads a file the actor may see, with the links it may see: its own, any for admins, and
    /// media of products and photos of reviews the actor may see.
    async fn visible_file(
        &self,
        actor: &Actor,
        id: Uuid,
    ) -> Result<(FileRecord, Vec<LinkRecord>), DomainError> {
        let (file, access, links) =
            file_with_access(&self.db.conn, id, actor).await?.ok_or_else(not_found)?;
        if !access.visible_to(actor) {
            return Err(not_found());
        }
        if !access.public {
            require(actor, "file", "browse")?;
        }
        Ok((file, links))
    }

    /// One file with the links the actor may see.
    pub async fn get_file(&self, actor: &Actor, id: Uuid) -> Result<StoredFile, DomainError> {
        let (file, links) = self.visible_file(actor, id).await?;
        Ok(StoredFile { file, links })
    }

    /// A file's bytes.
    pub async fn file_content(&self, actor: &Actor, id: Uuid) -> Result<FileContent, DomainError> {
        let (file, _) = self.visible_file(actor, id).await?;
        let bytes = self.files.get(&file.storage_key).await?.ok_or_else(|| {
            DomainError::unexpected(format!("the bytes of file {id} are missing from the store"))
        })?;
        Ok(FileContent { file, bytes })
    }

    /// A file the actor may change: `404` when it may not see it, `403` when it only may see it.
    async fn changeable_file(&self, actor: &Actor, id: Uuid) -> Result<FileRecord, DomainError> {
        require(actor, "file", "delete")?;
        let (file, access, _) = file_with_access(&self.db.conn, id, actor).await?.ok_or_else(not_found)?;
        if !access.visible_to(actor) {
            return Err(not_found());
        }
        if !access.changeable_by(actor) {
            return Err(DomainError::Forbidden("only the uploader or an admin may change this file".into()));
        }
        Ok(file)
    }

    /// Deletes a file everywhere: the row and its links in one transaction (variant images
    /// pointing at it are cleared), then the bytes.
    pub async fn delete_file(&self, actor: &Actor, id: Uuid) -> Result<(), DomainError> {
        let file = self.changeable_file(actor, id).await?;
        let tx = self.db.begin_write().await.map_err(db_error)?;
        if !delete_file(&tx, id).await? {
            return Err(not_found());
        }
        tx.commit().await.map_err(db_error)?;
        if let Err(error) = self.files.delete(&file.storage_key).await {
            tracing::error!(%error, key = %file.storage_key, "file row deleted but its bytes remain");
        }
        tracing::info!(file_id = %id, "file deleted");
        Ok(())
    }

    /// Removes one link of a file, keeping the file.
    pub async fn unlink_file(
        &self,
        actor: &Actor,
        id: Uuid,
        fileable_type: FileableType,
        fileable_id: Uuid,
    ) -> Result<(), DomainError> {
        self.changeable_file(actor, id).await?;
        let tx = self.db.begin_write().await.map_err(db_error)?;
        if !delete_link(&tx, id, fileable_type, fileable_id).await? {
            return Err(DomainError::NotFound { resource: "file link" });
        }
        tx.commit().await.map_err(db_error)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn content_decides_type_and_limit() {
        assert_eq!(check_content(b"\x89PNG\r\n\x1a\n....").unwrap(), "image/png");
        assert!(matches!(check_content(b""), Err(DomainError::Validation(_))));
        assert!(matches!(check_content(b"just text named photo.png"), Err(DomainError::Validation(_))));
        let mut big_image = b"\x89PNG\r\n\x1a\n".to_vec();
        big_image.resize(MAX_IMAGE_BYTES + 1, 0);
        assert!(matches!(check_content(&big_image), Err(DomainError::TooLarge(_))));
        let mut pdf = b"%PDF-1.7\n".to_vec();
        pdf.resize(MAX_IMAGE_BYTES + 1, b' ');
        assert_eq!(check_content(&pdf).unwrap(), "application/pdf", "documents may exceed the image limit");
        pdf.resize(MAX_FILE_BYTES + 1, b' ');
        assert!(matches!(check_content(&pdf), Err(DomainError::TooLarge(_))));
    }
}
