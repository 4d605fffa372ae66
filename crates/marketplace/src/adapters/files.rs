//! File storage behind a trait (a local folder here; other stores plug in), and content
//! sniffing: the bytes, not the name, decide a file's type.

use std::path::PathBuf;

use async_trait::async_trait;
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
        let safe = !key.is_empty()
            && key.split('/').all(|part| !part.is_empty() && part != "." && part != "..")
            && key.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'/' | b'-' | b'_' | b'.'));
        if !safe {
            return Err(DomainError::unexpected(format!("unsafe storage key {key:?}")));
        }
        Ok(self.root.join(key))
    }
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

/// The type of a file by its first bytes: the images Souk accepts, PDF, or nothing known.
pub fn sniff(bytes: &[u8]) -> Option<&'static str> {
    if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
        Some("image/jpeg")
    } else if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
        Some("image/png")
    } else if bytes.starts_with(b"GIF87a") || bytes.starts_with(b"GIF89a") {
        Some("image/gif")
    } else if bytes.len() >= 12 && &bytes[..4] == b"RIFF" && &bytes[8..12] == b"WEBP" {
        Some("image/webp")
    } else if bytes.starts_with(b"%PDF-") {
        Some("application/pdf")
    } else {
        None
    }
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
