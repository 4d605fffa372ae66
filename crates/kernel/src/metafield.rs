//! Metafields: small JSON values an integration attaches to an account or a product, keyed by
//! namespace and key.

use crate::{DomainError, FieldErrors};
use chrono::{DateTime, Utc};
use uuid::Uuid;

/// Largest metafield value, serialized.
pub const MAX_VALUE_BYTES: usize = 16 * 1024;

/// One metafield.
#[derive(Debug, Clone, PartialEq)]
pub struct Metafield {
    /// Row id.
    pub id: Uuid,
    /// The object it belongs to (an account or a product).
    pub owner_id: Uuid,
    /// Groups keys (e.g. an integration's name).
    pub namespace: String,
    /// The key within the namespace.
    pub key: String,
    /// Any JSON value.
    pub value: serde_json::Value,
    /// Creation time.
    pub created_at: DateTime<Utc>,
    /// Last change.
    pub updated_at: DateTime<Utc>,
}

fn check_name(errors: &mut FieldErrors, field: &str, value: &str) {
    let valid = (1..=64).contains(&value.len())
        && value
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || matches!(b, b'_' | b'-' | b'.'));
    if !valid {
        errors.add(field, "must be 1 to 64 lower-case letters, digits, '_', '-' or '.'");
    }
}

/// Validates a metafield write and builds the row (the id and creation time are kept on update).
pub fn new_metafield(
    owner_id: Uuid,
    namespace: &str,
    key: &str,
    value: serde_json::Value,
    now: DateTime<Utc>,
) -> Result<Metafield, DomainError> {
    let mut errors = FieldErrors::new();
    check_name(&mut errors, "namespace", namespace);
    check_name(&mut errors, "key", key);
    if serde_json::to_vec(&value).map_or(true, |bytes| bytes.len() > MAX_VALUE_BYTES) {
        errors.add("value", format!("must serialize to at most {MAX_VALUE_BYTES} bytes"));
    }
    errors.into_result()?;
    Ok(Metafield {
        id: Uuid::now_v7(),
        owner_id,
        namespace: namespace.to_owned(),
        key: key.to_owned(),
        value,
        created_at: now,
        updated_at: now,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_sizes_are_checked() {
        let user = Uuid::now_v7();
        assert!(
            new_metafield(user, "erp", "customer_code", serde_json::json!({"code": 7}), Utc::now()).is_ok()
        );
        let Err(DomainError::Validation(errors)) =
            new_metafield(user, "ERP!", "", serde_json::json!("x".repeat(MAX_VALUE_BYTES)), Utc::now())
        else {
            panic!("validation expected")
        };
        for field in ["namespace", "key", "value"] {
            assert!(errors.get(field).is_some(), "{field}");
        }
    }
}
