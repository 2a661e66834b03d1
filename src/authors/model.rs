//! Author rows, requests and responses.

use std::collections::BTreeMap;

use chrono::{DateTime, NaiveDateTime, Utc};
use diesel::{Queryable, Selectable};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::domain::FieldError;
use crate::media::model::PublicMedia;

/// Longest author name.
pub const MAX_NAME_CHARS: usize = 200;
/// Longest bio.
pub const MAX_BIO_CHARS: usize = 5000;
/// Most links per author.
pub const MAX_LINKS: usize = 20;
/// Longest URL.
pub const MAX_URL_CHARS: usize = 2000;

/// A stored author.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = crate::db::schema::authors)]
pub struct AuthorRow {
    pub id: i64,
    /// Byline.
    pub name: String,
    pub slug: String,
    /// Linked account.
    pub user_id: Option<i64>,
    pub avatar_url: Option<String>,
    /// JSON array of links.
    pub links: String,
    /// Avatar from the media library.
    pub avatar_media_id: Option<i64>,
    /// Edit version.
    pub version: i64,
    /// Creation time.
    pub created_at: NaiveDateTime,
    /// Last change.
    pub updated_at: NaiveDateTime,
}

impl AuthorRow {
    /// The links, as stored.
    pub fn links(&self) -> Vec<AuthorLink> {
        serde_json::from_str(&self.links).unwrap_or_default()
    }
}

/// A stored bio.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = crate::db::schema::author_bios)]
pub struct AuthorBioRow {
    pub author_id: i64,
    /// Locale code.
    pub locale: String,
    /// Bio text.
    pub bio: String,
}

/// A link on an author's page.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct AuthorLink {
    /// Label, 1 to 100 characters.
    #[schema(example = "X")]
    pub label: String,
    /// An http(s) URL.
    #[schema(example = "https://x.com/newsroom")]
    pub url: String,
}

/// An author as editors see it.
#[derive(Debug, Serialize, ToSchema)]
pub struct AdminAuthor {
    pub id: i64,
    /// Byline.
    pub name: String,
    pub slug: String,
    /// Linked account.
    pub user_id: Option<i64>,
    pub avatar_url: Option<String>,
    /// Avatar from the media library.
    pub avatar_media_id: Option<i64>,
    pub links: Vec<AuthorLink>,
    /// Bio by locale code.
    pub bio: BTreeMap<String, String>,
    /// Edit version.
    pub version: i64,
    /// Creation time (UTC).
    pub created_at: DateTime<Utc>,
    /// Last change (UTC).
    pub updated_at: DateTime<Utc>,
}

impl AdminAuthor {
    /// The editor view of a row and its bios.
    pub fn new(row: AuthorRow, bios: Vec<AuthorBioRow>) -> Self {
        Self {
            links: row.links(),
            id: row.id,
            name: row.name,
            slug: row.slug,
            user_id: row.user_id,
            avatar_url: row.avatar_url,
            avatar_media_id: row.avatar_media_id,
            bio: bios.into_iter().map(|b| (b.locale, b.bio)).collect(),
            version: row.version,
            created_at: row.created_at.and_utc(),
            updated_at: row.updated_at.and_utc(),
        }
    }
}

/// An author as the delivery API shows it: no account fields.
#[derive(Debug, Serialize, ToSchema)]
pub struct Author {
    pub id: i64,
    pub slug: String,
    /// Canonical URL on the front-end in the requested locale (`SITE_URL` and `URL_AUTHOR`).
    pub url: String,
    /// Byline.
    pub name: String,
    /// Bio in `locale`, if the author has one in the fallback chain.
    pub bio: Option<String>,
    /// The locale of `bio` (the requested one when there is no bio).
    pub locale: String,
    /// Whether `bio` is in another locale than the requested one.
    pub fallback: bool,
    /// An outside picture's address, when the avatar is not in the media library.
    pub avatar_url: Option<String>,
    /// The avatar from the media library, in the requested locale.
    pub avatar: Option<PublicMedia>,
    pub links: Vec<AuthorLink>,
}

/// Checks an http(s) URL.
pub fn check_url(url: &str, field: &str) -> Result<(), FieldError> {
    let lower = url.trim().to_ascii_lowercase();
    let ok = (lower.starts_with("https://") || lower.starts_with("http://"))
        && url.len() <= MAX_URL_CHARS
        && lower.len() > "https://".len()
        && !url.chars().any(|c| c.is_whitespace() || c.is_control());
    if ok {
        Ok(())
    } else {
        Err(FieldError::new(field, "must be an http or https URL"))
    }
}
