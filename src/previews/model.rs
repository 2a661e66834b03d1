//! Preview rows, the request that makes one, and previews as editors see them.

use chrono::{DateTime, Duration, NaiveDateTime, Utc};
use diesel::{Queryable, Selectable};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::articles::model::Subject;
use crate::domain::FieldError;

/// Longest life of a preview, in seconds (30 days).
pub const MAX_EXPIRES_IN: i64 = 30 * 24 * 3600;
/// Shortest life, in seconds.
pub const MIN_EXPIRES_IN: i64 = 60;
/// Life of a preview when none is asked, in seconds (7 days).
pub const DEFAULT_EXPIRES_IN: i64 = 7 * 24 * 3600;

/// A stored preview.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = crate::db::schema::previews)]
pub struct PreviewRow {
    pub id: i64,
    /// `article` or `page`.
    pub subject: String,
    pub subject_id: i64,
    pub locale: String,
    pub created_by: Option<i64>,
    pub expires_at: NaiveDateTime,
    pub created_at: NaiveDateTime,
}

impl PreviewRow {
    /// What it shows.
    pub fn subject(&self) -> Subject {
        if self.subject == Subject::Page.as_str() {
            Subject::Page
        } else {
            Subject::Article
        }
    }
}

/// A preview to make.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreatePreviewRequest {
    /// The translation to show (one the article or page has, draft or not).
    pub locale: String,
    /// Seconds until it stops working: 60 to 2592000 (30 days); default 604800 (7 days).
    #[schema(minimum = 60, maximum = 2592000)]
    pub expires_in: Option<i64>,
}

impl CreatePreviewRequest {
    /// The life asked for, when it is allowed.
    pub fn life(&self) -> Result<Duration, FieldError> {
        match self.expires_in.unwrap_or(DEFAULT_EXPIRES_IN) {
            seconds @ MIN_EXPIRES_IN..=MAX_EXPIRES_IN => Ok(Duration::seconds(seconds)),
            _ => Err(FieldError::new(
                "expires_in",
                format!("must be {MIN_EXPIRES_IN} to {MAX_EXPIRES_IN} seconds"),
            )),
        }
    }
}

/// A preview as editors see it (its token is shown once, when it is made).
#[derive(Debug, Serialize, ToSchema)]
pub struct Preview {
    pub id: i64,
    /// `article` or `page`.
    pub subject: String,
    /// The article's or page's id.
    pub subject_id: i64,
    pub locale: String,
    /// Who made it.
    pub created_by: Option<i64>,
    /// When it stops working (UTC).
    pub expires_at: DateTime<Utc>,
    pub created_at: DateTime<Utc>,
}

impl From<PreviewRow> for Preview {
    fn from(row: PreviewRow) -> Self {
        Self {
            id: row.id,
            subject: row.subject,
            subject_id: row.subject_id,
            locale: row.locale,
            created_by: row.created_by,
            expires_at: row.expires_at.and_utc(),
            created_at: row.created_at.and_utc(),
        }
    }
}

/// A preview just made, with its token.
#[derive(Debug, Serialize, ToSchema)]
pub struct CreatedPreview {
    #[serde(flatten)]
    pub preview: Preview,
    /// The secret that shows the draft: `GET /api/v1/preview/{token}`. Shown only now.
    pub token: String,
    /// Where the front-end shows it (`SITE_URL` and `URL_PREVIEW`).
    pub url: String,
}
