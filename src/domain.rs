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

/// Whether `c` may stand in plain text: not a control character (line breaks and tabs aside)
/// and not one of the bidirectional embedding, override and isolate controls (U+202A–U+202E,
/// U+2066–U+2069), which make text display otherwise than it reads.
pub fn is_plain_text_char(c: char) -> bool {
    let control = c.is_control() && !matches!(c, '\n' | '\r' | '\t');
    let bidi = matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}');
    !control && !bidi
}

/// Whether `text` is plain text that `lines` allows: [`is_plain_text_char`] throughout, and no
/// line break or tab where it must stay on one line.
pub fn is_plain_text(text: &str, lines: Lines) -> bool {
    let breaks = lines == Lines::One && text.contains(['\n', '\r', '\t']);
    !breaks && text.chars().all(is_plain_text_char)
}

/// Whether plain text may run over several lines (a summary, a bio) or not (a title, a name).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Lines {
    One,
    Many,
}

/// What is wrong with plain text named `field` of `min` to `max` characters (after trimming):
/// its length, control characters (line breaks and tabs are allowed in [`Lines::Many`]), or
/// bidirectional overrides.
pub fn check_text(
    text: &str,
    field: &str,
    lines: Lines,
    min: usize,
    max: usize,
) -> Option<FieldError> {
    if !is_plain_text(text, lines) {
        let allowed = match lines {
            Lines::One => "",
            Lines::Many => " other than line breaks and tabs",
        };
        return Some(FieldError::new(
            field,
            format!("must not contain control characters{allowed} or bidirectional overrides"),
        ));
    }
    let length = text.trim().chars().count();
    (length < min || length > max).then(|| {
        let message = if min == 0 {
            format!("must have at most {max} characters")
        } else {
            format!("must have {min} to {max} characters")
        };
        FieldError::new(field, message)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_text_refuses_controls_and_bidi_overrides() {
        let one = |text: &str| check_text(text, "title", Lines::One, 1, 10).is_none();
        let many = |text: &str| check_text(text, "summary", Lines::Many, 0, 10).is_none();
        assert!(one("Sağlık"));
        assert!(!one("a\u{0}b"));
        assert!(!one("a\nb"), "a title is one line");
        assert!(many("a\nb\tc"));
        assert!(!many("a\u{1b}b"));
        for bidi in ['\u{202A}', '\u{202E}', '\u{2066}', '\u{2069}'] {
            assert!(!many(&format!("a{bidi}b")), "{bidi:?}");
        }
        assert!(!one("   "), "empty after trimming");
        assert!(!one("elevenchars"));
    }
}
