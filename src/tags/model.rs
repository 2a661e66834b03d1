//! Tag rows, requests and responses.

use std::collections::BTreeMap;

use chrono::{DateTime, NaiveDateTime, Utc};
use diesel::{Queryable, Selectable};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::domain::FieldError;
use crate::translated::{description_errors, name_and_slug_errors};

/// Longest tag name.
pub const MAX_NAME_CHARS: usize = 100;

/// A stored tag.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = crate::db::schema::tags)]
pub struct TagRow {
    pub id: i64,
    /// Edit version.
    pub version: i64,
    /// Creation time.
    pub created_at: NaiveDateTime,
    /// Last change.
    pub updated_at: NaiveDateTime,
}

/// A stored tag translation.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = crate::db::schema::tag_translations)]
pub struct TagTranslationRow {
    pub tag_id: i64,
    /// Locale code.
    pub locale: String,
    pub name: String,
    /// Slug, unique per locale.
    pub slug: String,
    pub description: Option<String>,
}

/// A tag's name and slug in one locale, as written.
#[derive(Debug, Clone, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TagTranslationInput {
    /// Name, 1 to 100 characters.
    #[schema(example = "Kazakistan")]
    pub name: String,
    /// Slug; generated from the name (transliterated) when absent.
    pub slug: Option<String>,
    /// What the tag's page says about it, up to 2000 characters.
    pub description: Option<String>,
}

impl TagTranslationInput {
    /// What is wrong with this translation, named `name` (`translations.fr`).
    pub fn errors(&self, name: &str) -> Vec<FieldError> {
        let mut errors =
            name_and_slug_errors(&self.name, self.slug.as_deref(), name, MAX_NAME_CHARS);
        errors.extend(description_errors(self.description.as_deref(), name));
        errors
    }
}

/// A tag translation as editors see it.
#[derive(Debug, Serialize, ToSchema)]
pub struct TagTranslation {
    pub name: String,
    pub slug: String,
    pub description: Option<String>,
}

/// A tag as editors see it.
#[derive(Debug, Serialize, ToSchema)]
pub struct AdminTag {
    pub id: i64,
    /// Edit version.
    pub version: i64,
    /// Translations by locale code.
    pub translations: BTreeMap<String, TagTranslation>,
    /// Creation time (UTC).
    pub created_at: DateTime<Utc>,
    /// Last change (UTC).
    pub updated_at: DateTime<Utc>,
}

impl AdminTag {
    /// The editor view of a row and its translations.
    pub fn new(row: TagRow, translations: Vec<TagTranslationRow>) -> Self {
        Self {
            id: row.id,
            version: row.version,
            translations: translations
                .into_iter()
                .map(|t| {
                    (
                        t.locale,
                        TagTranslation {
                            name: t.name,
                            slug: t.slug,
                            description: t.description,
                        },
                    )
                })
                .collect(),
            created_at: row.created_at.and_utc(),
            updated_at: row.updated_at.and_utc(),
        }
    }
}

/// A tag as the delivery API shows it.
#[derive(Debug, Serialize, ToSchema)]
pub struct Tag {
    pub id: i64,
    /// Slug in `locale`.
    pub slug: String,
    /// Canonical URL on the front-end in `locale` (`SITE_URL` and `URL_TAG`).
    pub url: String,
    /// Name in `locale`.
    pub name: String,
    /// Description in `locale`.
    pub description: Option<String>,
    /// The locale served.
    pub locale: String,
    /// Whether `locale` is not the requested one.
    pub fallback: bool,
    /// Published articles with this tag.
    pub article_count: i64,
    /// Every translation, for hreflang alternates and a language switcher.
    pub translations: Vec<TagAlternate>,
}

/// A tag's slug and name in one locale.
#[derive(Debug, Serialize, ToSchema)]
pub struct TagAlternate {
    /// Locale code.
    pub locale: String,
    /// Slug in that locale.
    pub slug: String,
    /// Canonical URL on the front-end in that locale.
    pub url: String,
    /// Name in that locale.
    pub name: String,
}
