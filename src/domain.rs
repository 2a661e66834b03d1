//! What the lower layers (stores and domain rules) refuse, before HTTP gives it a status.
//!
//! Stores answer `QueryResult`, or [`DomainError`] when a rule needs the database (a slug that
//! is taken, a reference that names nothing); models answer [`FieldError`] or [`DomainError`].
//! `ApiError` converts both at the edge, so nothing below the handlers knows HTTP.

use serde::Serialize;
use utoipa::ToSchema;

/// One invalid input field.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct FieldError {
    /// The field's name (dotted path for nested fields), or `body`/`query` when unknown.
    #[schema(example = "email")]
    pub field: String,
    /// What is wrong with it.
    #[schema(example = "must not be empty")]
    pub message: String,
}

impl FieldError {
    pub fn new(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            field: field.into(),
            message: message.into(),
        }
    }
}

/// A refusal of a rule or a store.
#[derive(Debug, thiserror::Error)]
pub enum DomainError {
    /// Input fields that break a rule (422), found by checking a whole body.
    #[error("some fields are not valid")]
    Invalid(Vec<FieldError>),
    /// One input field that breaks a rule (422).
    #[error("{} {}", .0.field, .0.message)]
    Field(FieldError),
    /// The write conflicts with existing data, e.g. a taken slug (409).
    #[error("{0}")]
    Conflict(String),
    /// The caller's role or ownership does not allow it (403).
    #[error("{0}")]
    Forbidden(String),
    /// The resource does not exist or is not visible (404).
    #[error("not found")]
    NotFound,
    /// The version the caller read is no longer current (412).
    #[error("stale version")]
    Stale,
    /// The database failed.
    #[error(transparent)]
    Database(#[from] diesel::result::Error),
}

impl From<FieldError> for DomainError {
    fn from(error: FieldError) -> Self {
        Self::Field(error)
    }
}

impl DomainError {
    /// A unique violation of `error` as a conflict saying `detail`; other errors as they are.
    pub fn conflict_on_unique(
        error: diesel::result::Error,
        detail: impl FnOnce() -> String,
    ) -> Self {
        use diesel::result::{DatabaseErrorKind, Error};
        match error {
            Error::DatabaseError(DatabaseErrorKind::UniqueViolation, _) => Self::Conflict(detail()),
            other => Self::Database(other),
        }
    }
}

/// `Invalid` naming every field in `errors`, or `Ok` when there are none.
pub fn check_fields(errors: Vec<FieldError>) -> Result<(), DomainError> {
    if errors.is_empty() {
        Ok(())
    } else {
        Err(DomainError::Invalid(errors))
    }
}
