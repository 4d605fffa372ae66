//! The error kinds every domain shares; the server maps each kind to one HTTP status and code.

use std::collections::BTreeMap;

use serde::Serialize;

/// Messages per input field, in a stable order (`{"page": ["must be at least 1"]}`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[serde(transparent)]
pub struct FieldErrors(BTreeMap<String, Vec<String>>);

impl FieldErrors {
    /// No errors yet.
    pub fn new() -> Self {
        Self::default()
    }

    /// Records one message against a field.
    pub fn add(&mut self, field: impl Into<String>, message: impl Into<String>) {
        self.0.entry(field.into()).or_default().push(message.into());
    }

    /// A single-field error set.
    pub fn single(field: impl Into<String>, message: impl Into<String>) -> Self {
        let mut errors = Self::new();
        errors.add(field, message);
        errors
    }

    /// True when no field is at fault.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Merges another set into this one.
    pub fn extend(&mut self, other: FieldErrors) {
        for (field, messages) in other.0 {
            self.0.entry(field).or_default().extend(messages);
        }
    }

    /// `Ok(())` when empty, else the validation error; ends a validation pass.
    pub fn into_result(self) -> Result<(), DomainError> {
        if self.is_empty() { Ok(()) } else { Err(DomainError::Validation(self)) }
    }

    /// The messages recorded for one field.
    pub fn get(&self, field: &str) -> Option<&[String]> {
        self.0.get(field).map(Vec::as_slice)
    }

    /// Iterates fields and their messages.
    pub fn iter(&self) -> impl Iterator<Item = (&String, &Vec<String>)> {
        self.0.iter()
    }
}

/// An unexpected failure (database down, bug): logged in full, shown to clients only as `INTERNAL`.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct UnexpectedError(Box<dyn std::error::Error + Send + Sync>);

impl UnexpectedError {
    /// Wraps any error as unexpected.
    pub fn new(error: impl Into<Box<dyn std::error::Error + Send + Sync>>) -> Self {
        Self(error.into())
    }
}

/// The outcome kinds of a failed use case, shared by every domain.
#[derive(Debug, thiserror::Error)]
pub enum DomainError {
    /// The caller presented no valid credentials where they are required.
    #[error("authentication required")]
    Unauthenticated,
    /// The object does not exist, or the caller may not see it (the two are indistinguishable).
    #[error("{resource} not found")]
    NotFound {
        /// The kind of object, e.g. `user`.
        resource: &'static str,
    },
    /// The caller may see the object but not do this to it.
    #[error("{0}")]
    Forbidden(String),
    /// Refused for a reason the client can act on, with its own code (`EMAIL_NOT_VERIFIED`,
    /// `SELLER_NOT_APPROVED`); answered `403`.
    #[error("{message}")]
    Refused {
        /// The machine-readable code.
        code: &'static str,
        /// What to do about it.
        message: String,
    },
    /// Too many attempts (wrong codes); answered `429` until the client starts over.
    #[error("{0}")]
    TooManyAttempts(String),
    /// The input is larger than its limit (an upload over its size cap); answered `413`.
    #[error("{0}")]
    TooLarge(String),
    /// The change conflicts with stored state (duplicate, stale, in flight).
    #[error("{0}")]
    Conflict(String),
    /// The change conflicts with stored state in the named inputs (lines out of stock, dates
    /// already booked); answered `409` with the field errors.
    #[error("{message}")]
    ConflictIn {
        /// What conflicts.
        message: String,
        /// The inputs at fault.
        errors: FieldErrors,
    },
    /// An outside service (a payment provider) did not answer; answered `503`, safe to retry.
    #[error("{0}")]
    Unavailable(String),
    /// A state machine refused the event.
    #[error("cannot {event} from {from}")]
    InvalidTransition {
        /// The current state.
        from: String,
        /// The refused event.
        event: String,
        /// The events allowed from `from` for this caller.
        allowed: Vec<String>,
    },
    /// Input broke a rule; each field says why.
    #[error("validation failed")]
    Validation(FieldErrors),
    /// Anything else; never shown to clients.
    #[error(transparent)]
    Unexpected(#[from] UnexpectedError),
}

impl DomainError {
    /// A one-field validation failure.
    pub fn invalid(field: impl Into<String>, message: impl Into<String>) -> Self {
        DomainError::Validation(FieldErrors::single(field, message))
    }

    /// Wraps an unexpected failure.
    pub fn unexpected(error: impl Into<Box<dyn std::error::Error + Send + Sync>>) -> Self {
        DomainError::Unexpected(UnexpectedError::new(error))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn field_errors_collect_per_field_and_serialize_as_a_map() {
        let mut errors = FieldErrors::new();
        errors.add("page", "must be at least 1");
        errors.add("page", "must be an integer");
        errors.extend(FieldErrors::single("order_by", "unknown"));
        let json = serde_json::to_value(&errors).unwrap();
        assert_eq!(
            json,
            serde_json::json!({"order_by": ["unknown"], "page": ["must be at least 1", "must be an integer"]})
        );
        assert!(matches!(errors.into_result(), Err(DomainError::Validation(_))));
        assert!(FieldErrors::new().into_result().is_ok());
    }
}
