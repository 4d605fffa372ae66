//! File storage behind a trait (a local folder by default, any S3-compatible bucket through
//! `object_store`), and content sniffing: the bytes, not the name, decide a file's type.

use std::path::PathBuf;
use std::sync::Arc;

use async_trait::async_trait;
use object_store::path::Path as ObjectPath;
use object_store::{ObjectStore, ObjectStoreExt, PutPayload};
use souk_kernel::DomainError;

/// Largest image accepted.
pub const MAX_IMAGE_BYTES: usize = 5 * 1024 * 1024;
/// Largest other file accepted.
pub const MAX_FILE_BYTES: usize = 50 * 1024 * 1024;

/// Stores and returns bytes by key.
#[async_trait]
pub trait FileStore: Send + Sync + std::fmt::Debug {
    /// Stores bytes under a key.
    async fn put(&self, key: &str, bytes: &[u8]) -> Result<(), DomainError>;
    /// Reads the bytes of a key.
    async fn get(&self, key: &str) -> Result<Option<Vec<u8>>, DomainError>;
    /// Removes a key (absent keys are fine).
    async fn delete(&self, key: &str) -> Result<(), DomainError>;
}

/// Files in a local directory.
#[derive(Debug, Clone)]
pub struct LocalFileStore {
    root: PathBuf,
}

impl LocalFileStore {
    /// A store rooted at `root` (created on first write).
    pub fn new(root: PathBuf) -> LocalFileStore {
        LocalFileStore { root }
    }

    fn path(&self, key: &str) -> Result<PathBuf, DomainError> {
        check_key(key)?;
        Ok(self.root.join(key))
    }
}

/// Refuses keys that could escape the store's root or need escaping anywhere.
fn check_key(key: &str) -> Result<(), DomainError> {
    let safe = !key.is_empty()
        && key.split('/').all(|part| !part.is_empty() && part != "." && part != "..")
        && key.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'/' | b'-' | b'_' | b'.'));
    if safe { Ok(()) } else { Err(DomainError::unexpected(format!("unsafe storage key {key:?}"))) }
}

#[async_trait]
impl FileStore for LocalFileStore {
    async fn put(&self, key: &str, bytes: &[u8]) -> Result<(), DomainError> {
        let path = self.path(key)?;
        if let Some(parent) = path.parent() {
            tokio::fs::create_dir_all(parent).await.map_err(DomainError::unexpected)?;
        }
        tokio::fs::write(path, bytes).await.map_err(DomainError::unexpected)
    }

    async fn get(&self, key: &str) -> Result<Option<Vec<u8>>, DomainError> {
        match tokio::fs::read(self.path(key)?).await {
            Ok(bytes) => Ok(Some(bytes)),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(DomainError::unexpected(e)),
        }
    }

    async fn delete(&self, key: &str) -> Result<(), DomainError> {
        match tokio::fs::remove_file(self.path(key)?).await {
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(DomainError::unexpected(e)),
            _ => Ok(()),
        }
    }
}

/// Files kept in an object store: an S3-compatible bucket in production, memory in tests.
#[derive(Debug, Clone)]
pub struct ObjectFileStore {
    store: Arc<dyn ObjectStore>,
    prefix: String,
}

impl ObjectFileStore {
    /// A store writing under `prefix` (no leading or trailing `/`; empty for the bucket root).
    pub fn new(store: Arc<dyn ObjectStore>, prefix: &str) -> ObjectFileStore {
        ObjectFileStore { store, prefix: prefix.trim_matches('/').to_owned() }
    }

    /// The bucket and prefix of `s3://bucket/prefix`, with credentials, region and endpoint
    /// from the standard `AWS_*` variables (`AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY`,
    /// `AWS_REGION`, `AWS_ENDPOINT`, `AWS_ALLOW_HTTP`, ...).
    pub fn s3_from_env(bucket: &str, prefix: &str) -> Result<ObjectFileStore, DomainError> {
        let store = object_store::aws::AmazonS3Builder::from_env()
            .with_bucket_name(bucket)
            .build()
            .map_err(DomainError::unexpected)?;
        Ok(ObjectFileStore::new(Arc::new(store), prefix))
    }

    fn path(&self, key: &str) -> Result<ObjectPath, DomainError> {
        check_key(key)?;
        let full = if self.prefix.is_empty() { key.to_owned() } else { format!("{}/{key}", self.prefix) };
        ObjectPath::parse(full).map_err(DomainError::unexpected)
    }
}

#[async_trait]
impl FileStore for ObjectFileStore {
    async fn put(&self, key: &str, bytes: &[u8]) -> Result<(), DomainError> {
        let path = self.path(key)?;
        let payload = PutPayload::from(bytes::Bytes::copy_from_slice(bytes));
        self.store.put(&path, payload).await.map(|_| ()).map_err(DomainError::unexpected)
    }

    async fn get(&self, key: &str) -> Result<Option<Vec<u8>>, DomainError> {
        let path = self.path(key)?;
        match self.store.get(&path).await {
            Ok(found) => Ok(Some(found.bytes().await.map_err(DomainError::unexpected)?.to_vec())),
            Err(object_store::Error::NotFound { .. }) => Ok(None),
            Err(e) => Err(DomainError::unexpected(e)),
        }
    }

    async fn delete(&self, key: &str) -> Result<(), DomainError> {
        let path = self.path(key)?;
        match self.store.delete(&path).await {
            Ok(()) | Err(object_store::Error::NotFound { .. }) => Ok(()),
            Err(e) => Err(DomainError::unexpected(e)),
        }
    }
}

/// The image types Souk accepts (5 MiB each).
pub const IMAGE_TYPES: &[&str] = &["image/jpeg", "image/png", "image/webp", "image/gif"];

/// The other types Souk accepts (50 MiB each), all recognisable by their first bytes:
/// documents, e-books and archives for digital goods and licences, audio and video for
/// previews. Types without a signature (plain text, CSV, SVG, HTML) and executables are refused.
pub const OTHER_TYPES: &[&str] = &[
    "application/pdf",
    "application/epub+zip",
    "application/zip",
    "application/gzip",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    "application/vnd.oasis.opendocument.text",
    "application/vnd.oasis.opendocument.spreadsheet",
    "application/vnd.oasis.opendocument.presentation",
    "audio/mpeg",
    "audio/ogg",
    "audio/x-wav",
    "audio/x-flac",
    "audio/m4a",
    "video/mp4",
    "video/webm",
    "video/quicktime",
];

fn sniff_image(bytes: &[u8]) -> Option<&'static str> {
    if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
        Some("image/jpeg")
    } else if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
        Some("image/png")
    } else if bytes.starts_with(b"GIF87a") || bytes.starts_with(b"GIF89a") {
        Some("image/gif")
    } else if bytes.len() >= 12 && &bytes[..4] == b"RIFF" && &bytes[8..12] == b"WEBP" {
        Some("image/webp")
    } else {
        None
    }
}

/// The type of a file by its bytes, when it is one Souk accepts ([`IMAGE_TYPES`] and
/// [`OTHER_TYPES`]); `None` for anything else, whatever the file is called.
pub fn sniff(bytes: &[u8]) -> Option<&'static str> {
    if let Some(image) = sniff_image(bytes) {
        return Some(image);
    }
    if bytes.starts_with(b"%PDF-") {
        return Some("application/pdf");
    }
    let found = infer::get(bytes)?.mime_type();
    OTHER_TYPES.iter().copied().find(|accepted| *accepted == found)
}

/// The size limit for a file that starts with `head`: images are capped lower. Lets a reader
/// refuse an oversize upload while it streams, before the whole body has arrived.
pub fn size_limit(head: &[u8]) -> usize {
    if sniff_image(head).is_some() { MAX_IMAGE_BYTES } else { MAX_FILE_BYTES }
}

/// True for the image types Souk accepts.
pub fn is_image(mime: &str) -> bool {
    mime.starts_with("image/")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn types_come_from_the_bytes() {
        assert_eq!(sniff(b"\x89PNG\r\n\x1a\n...."), Some("image/png"));
        assert_eq!(sniff(&[0xFF, 0xD8, 0xFF, 0xE0]), Some("image/jpeg"));
        assert_eq!(sniff(b"RIFF\0\0\0\0WEBPVP8 "), Some("image/webp"));
        assert_eq!(sniff(b"%PDF-1.7"), Some("application/pdf"));
        assert_eq!(sniff(b"MZ\x90\0 an executable named photo.png"), None);
        assert_eq!(sniff(b"ID3\x03\0\0\0\0\0\0"), Some("audio/mpeg"));
        assert_eq!(sniff(b"\0\0\0\x18ftypmp42\0\0\0\0mp42isom"), Some("video/mp4"));
        assert_eq!(sniff(b"PK\x03\x04\x14\0\0\0\0\0"), Some("application/zip"));
        assert_eq!(sniff(b"<svg onload=alert(1)>"), None);
        assert_eq!(sniff(b"plain text"), None);
        assert_eq!(sniff(b"\x7fELF\x02\x01\x01\0"), None, "executables are refused");
    }

    #[test]
    fn images_get_the_lower_limit() {
        assert_eq!(size_limit(b"\x89PNG\r\n\x1a\n"), MAX_IMAGE_BYTES);
        assert_eq!(size_limit(b"%PDF-1.7"), MAX_FILE_BYTES);
        assert_eq!(size_limit(b""), MAX_FILE_BYTES);
    }

    #[tokio::test]
    async fn the_object_store_round_trips_under_its_prefix() {
        let memory = Arc::new(object_store::memory::InMemory::new());
        let store = ObjectFileStore::new(memory.clone(), "/souk/uploads/");
        store.put("files/a", b"%PDF-1.7").await.unwrap();
        assert_eq!(store.get("files/a").await.unwrap().unwrap(), b"%PDF-1.7");
        let raw = memory.get(&ObjectPath::from("souk/uploads/files/a")).await.unwrap();
        assert_eq!(raw.bytes().await.unwrap().as_ref(), b"%PDF-1.7", "keys live under the prefix");
        store.delete("files/a").await.unwrap();
        assert_eq!(store.get("files/a").await.unwrap(), None);
        store.delete("files/a").await.unwrap();
        assert!(store.put("../escape", b"x").await.is_err());
        let bare = ObjectFileStore::new(memory.clone(), "");
        bare.put("files/b", b"x").await.unwrap();
        assert!(memory.get(&ObjectPath::from("files/b")).await.is_ok());
    }

    #[tokio::test]
    async fn the_local_store_round_trips_and_refuses_escapes() {
        let dir = tempfile::tempdir().unwrap();
        let store = LocalFileStore::new(dir.path().to_path_buf());
        store.put("users/a/licence.pdf", b"%PDF-1.7").await.unwrap();
        assert_eq!(store.get("users/a/licence.pdf").await.unwrap().unwrap(), b"%PDF-1.7");
        store.delete("users/a/licence.pdf").await.unwrap();
        assert_eq!(store.get("users/a/licence.pdf").await.unwrap(), None);
        assert!(store.put("../escape", b"x").await.is_err());
    }
}
