//! Account metafields: the kernel's metafield rules, owned by a user id.

pub use souk_kernel::metafield::{MAX_VALUE_BYTES, Metafield, new_metafield};
