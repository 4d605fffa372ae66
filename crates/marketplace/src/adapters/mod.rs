//! Adapters to the outside world: e-mail and file storage.

pub mod files;
pub mod mail;
