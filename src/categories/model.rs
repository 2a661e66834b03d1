//! Category rows, requests and responses.

use std::collections::{BTreeMap, HashMap};

use chrono::{DateTime, NaiveDateTime, Utc};
use diesel::{Queryable, Selectable};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::domain::FieldError;
use crate::translated::{description_errors, name_and_slug_errors};

/// Longest category name.
pub const MAX_NAME_CHARS: usize = 200;

/// A stored category.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = crate::db::schema::categories)]
pub struct CategoryRow {
    pub id: i64,
    /// Parent, `None` at the root.
    pub parent_id: Option<i64>,
    /// Order among siblings.
    pub position: i32,
    /// Edit version.
    pub version: i64,
    /// Creation time.
    pub created_at: NaiveDateTime,
    /// Last change.
    pub updated_at: NaiveDateTime,
}

/// The parent of every category, by id.
pub fn parent_map(
    pairs: impl IntoIterator<Item = (i64, Option<i64>)>,
) -> HashMap<i64, Option<i64>> {
    pairs.into_iter().collect()
}

/// The category `key` names in the loaded tree: an id, or a slug in any locale (the oldest
/// category, when slugs in two locales are equal).
pub fn resolve_in(
    rows: &[CategoryRow],
    names: &[CategoryTranslationRow],
    key: &str,
) -> Option<i64> {
    match key.parse::<i64>() {
        Ok(id) => rows.iter().any(|row| row.id == id).then_some(id),
        Err(_) => names
            .iter()
            .filter(|name| name.slug == key)
            .map(|name| name.category_id)
            .min(),
    }
}

/// `id` and every category below it, from the loaded tree.
pub fn with_descendants(rows: &[CategoryRow], id: i64) -> Vec<i64> {
    let mut found = vec![id];
    let mut index = 0;
    while index < found.len() {
        let parent = found[index];
        for row in rows.iter().filter(|row| row.parent_id == Some(parent)) {
            if !found.contains(&row.id) {
                found.push(row.id);
            }
        }
        index += 1;
    }
    found
}

/// The ids from `id` up to its root, `id` first; a cycle in stored data ends the walk.
pub fn path_to_root(parents: &HashMap<i64, Option<i64>>, id: i64) -> Vec<i64> {
    let mut chain = vec![id];
    while let Some(Some(parent)) = chain.last().and_then(|last| parents.get(last)) {
        if chain.contains(parent) {
            break;
        }
        chain.push(*parent);
    }
    chain
}

/// A stored category translation.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = crate::db::schema::category_translations)]
pub struct CategoryTranslationRow {
    pub category_id: i64,
    /// Locale code.
    pub locale: String,
    pub name: String,
    /// Slug, unique per locale.
    pub slug: String,
    pub description: Option<String>,
}

/// A category's name, slug and description in one locale, as written.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CategoryTranslationInput {
    /// Name, 1 to 200 characters.
    #[schema(example = "Orta Asya")]
    pub name: String,
    /// Slug; generated from the name (transliterated) when absent.
    #[schema(example = "orta-asya")]
    pub slug: Option<String>,
    /// Description, up to 2000 characters.
    pub description: Option<String>,
}

impl CategoryTranslationInput {
    /// What is wrong with this translation, named `name` (`translations.fr`).
    pub fn errors(&self, name: &str) -> Vec<FieldError> {
        let mut errors =
            name_and_slug_errors(&self.name, self.slug.as_deref(), name, MAX_NAME_CHARS);
        errors.extend(description_errors(self.description.as_deref(), name));
        errors
    }
}

/// A category translation as editors see it.
#[derive(Debug, Serialize, ToSchema)]
pub struct CategoryTranslation {
    pub name: String,
    pub slug: String,
    pub description: Option<String>,
}

/// A category as editors see it: every translation, the version for `If-Match`.
#[derive(Debug, Serialize, ToSchema)]
pub struct AdminCategory {
    pub id: i64,
    /// Parent, `null` at the root.
    pub parent_id: Option<i64>,
    /// Order among siblings.
    pub position: i32,
    /// Edit version.
    pub version: i64,
    /// Translations by locale code.
    pub translations: BTreeMap<String, CategoryTranslation>,
    /// Creation time (UTC).
    pub created_at: DateTime<Utc>,
    /// Last change (UTC).
    pub updated_at: DateTime<Utc>,
}

impl AdminCategory {
    /// Builds the editor view from a row and its translations.
    pub fn new(row: CategoryRow, translations: Vec<CategoryTranslationRow>) -> Self {
        Self {
            id: row.id,
            parent_id: row.parent_id,
            position: row.position,
            version: row.version,
            translations: translations
                .into_iter()
                .map(|t| {
                    (
                        t.locale,
                        CategoryTranslation {
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

/// A category in the public tree.
#[derive(Debug, Serialize, ToSchema)]
pub struct CategoryNode {
    pub id: i64,
    /// Slug in `locale`.
    pub slug: String,
    /// Canonical URL on the front-end in `locale` (`SITE_URL` and `URL_CATEGORY`).
    pub url: String,
    /// Name in `locale`.
    pub name: String,
    /// Description in `locale`.
    pub description: Option<String>,
    /// The locale the names are in.
    pub locale: String,
    /// Whether `locale` is not the requested one.
    pub fallback: bool,
    /// Published articles in this category and its descendants.
    pub article_count: i64,
    /// Sub-categories, in order.
    #[schema(no_recursion)]
    pub children: Vec<CategoryNode>,
}

/// One step of a breadcrumb or a link to a category.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CategoryLink {
    pub id: i64,
    /// Slug in the served locale.
    pub slug: String,
    /// Name in the served locale.
    pub name: String,
    /// Canonical URL on the front-end in the requested locale (`SITE_URL` and `URL_CATEGORY`).
    pub url: String,
}

/// A category's slug and name in one locale, for hreflang alternates.
#[derive(Debug, Serialize, ToSchema)]
pub struct CategoryAlternate {
    /// Locale code.
    pub locale: String,
    /// Slug in that locale.
    pub slug: String,
    /// Canonical URL on the front-end in that locale.
    pub url: String,
    /// Name in that locale.
    pub name: String,
}

/// A category as the delivery API shows it.
#[derive(Debug, Serialize, ToSchema)]
pub struct CategoryDetail {
    pub id: i64,
    /// Slug in `locale`.
    pub slug: String,
    /// Canonical URL on the front-end in `locale` (`SITE_URL` and `URL_CATEGORY`).
    pub url: String,
    /// Name in `locale`.
    pub name: String,
    /// Description in `locale`.
    pub description: Option<String>,
    /// The locale served.
    pub locale: String,
    /// The locale asked for.
    pub requested_locale: String,
    /// Whether `locale` is not the requested one.
    pub fallback: bool,
    /// Published articles in this category and its descendants.
    pub article_count: i64,
    /// Breadcrumb from the root down to this category (included).
    pub path: Vec<CategoryLink>,
    /// Sub-categories, in order.
    pub children: Vec<CategoryLink>,
    /// Every translation, for hreflang alternates.
    pub translations: Vec<CategoryAlternate>,
}

/// Every category in tree-sibling order and every category name.
#[derive(Debug, Clone)]
pub struct AllCategories {
    /// Ordered by position, then id.
    pub rows: Vec<CategoryRow>,
    pub translations: Vec<CategoryTranslationRow>,
}
