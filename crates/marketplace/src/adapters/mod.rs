//! Adapters to the outside world: e-mail, file storage and payment providers.

pub mod chapa;
pub mod files;
pub mod mail;
pub mod payments;
