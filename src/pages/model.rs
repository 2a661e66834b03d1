//! Page rows, the rules of their keys and hierarchy, and pages as editors and readers see them.
//! A page's translations are written like an article's ([`TranslationInput`], without the
//! translation's own publication times), sanitised the same way, and keep their revisions in
//! the same place.

use std::collections::{BTreeMap, HashMap};

use chrono::{DateTime, NaiveDateTime, Utc};
use diesel::{Queryable, Selectable};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::articles::model::{RevisedText, TranslationInput, TranslationStatus};
use crate::categories::model::path_to_root;
use crate::domain::FieldError;
use crate::html::{media_ids, place_media};
use crate::locales::model::LocaleChoice;
use crate::media::model::MediaLibrary;
use crate::urls::SiteUrls;

/// One translation of a page, as written by an editor. A page is published as a whole: its
/// translations have no publication times of their own.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PageTranslationInput {
    /// Title, 1 to 300 characters.
    #[schema(example = "Imprint")]
    pub title: String,
    /// Slug; when absent, generated from the title (transliterated), except that a published
    /// translation of a published page keeps its slug whatever the title: its URL moves only
    /// to a slug given here (the old one keeps resolving).
    pub slug: Option<String>,
    /// Summary, up to 2000 characters.
    pub summary: Option<String>,
    /// Body in HTML; sanitised on write (no scripts, styles, event handlers or unsafe URLs).
    #[schema(example = "<p>Publisher: AEPI ASBL</p>")]
    pub body: String,
    /// Title for search engines.
    pub seo_title: Option<String>,
    /// Description for search engines.
    pub seo_description: Option<String>,
    /// `published` (default) shows it once the page is published; `draft` keeps it hidden.
    pub status: Option<TranslationStatus>,
}

impl From<PageTranslationInput> for TranslationInput {
    fn from(page: PageTranslationInput) -> Self {
        TranslationInput {
            title: page.title,
            slug: page.slug,
            summary: page.summary,
            body: page.body,
            seo_title: page.seo_title,
            seo_description: page.seo_description,
            status: page.status,
            publish_at: None,
            unpublish_at: None,
        }
    }
}

/// Longest page key.
pub const MAX_KEY_CHARS: usize = 64;
/// Deepest hierarchy: a page, its sub-pages and theirs.
pub const MAX_DEPTH: usize = 3;

/// Where a page is in its workflow.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum PageStatus {
    /// Not shown.
    Draft,
    /// Shown in its published translations.
    Published,
    /// Taken down; kept for the record.
    Archived,
}

impl PageStatus {
    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Draft => "draft",
            Self::Published => "published",
            Self::Archived => "archived",
        }
    }

    /// Parses a stored name.
    pub fn parse(name: &str) -> Self {
        match name {
            "published" => Self::Published,
            "archived" => Self::Archived,
            _ => Self::Draft,
        }
    }
}

/// A stored page (the locale-independent part).
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = crate::db::schema::pages)]
pub struct PageRow {
    pub id: i64,
    /// The name templates look it up by (`imprint`).
    pub key: Option<String>,
    pub parent_id: Option<i64>,
    /// Order among its siblings.
    pub position: i32,
    /// Workflow status name.
    pub status: String,
    /// When it was first published.
    pub published_at: Option<NaiveDateTime>,
    /// The locale it is written in first.
    pub source_locale: String,
    /// The account that created it.
    pub created_by: Option<i64>,
    /// Edit version.
    pub version: i64,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

impl PageRow {
    /// The workflow status.
    pub fn status(&self) -> PageStatus {
        PageStatus::parse(&self.status)
    }
}

/// A stored translation of a page.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = crate::db::schema::page_translations)]
pub struct PageTranslationRow {
    pub id: i64,
    pub page_id: i64,
    pub locale: String,
    pub title: String,
    /// Slug, unique among pages per locale.
    pub slug: String,
    pub summary: Option<String>,
    /// Sanitised HTML body.
    pub body: String,
    pub seo_title: Option<String>,
    pub seo_description: Option<String>,
    /// Translation status name.
    pub status: String,
    /// Edit version.
    pub version: i64,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

impl PageTranslationRow {
    /// The text a revision keeps of this translation.
    pub fn revised(&self) -> RevisedText<'_> {
        RevisedText {
            locale: &self.locale,
            version: self.version,
            title: &self.title,
            slug: &self.slug,
            summary: self.summary.as_deref(),
            body: &self.body,
            seo_title: self.seo_title.as_deref(),
            seo_description: self.seo_description.as_deref(),
            status: &self.status,
        }
    }

    /// Whether readers may see it (when its page is published).
    pub fn published(&self) -> bool {
        TranslationStatus::parse(&self.status) == TranslationStatus::Published
    }
}

/// The translated fields of a page translation as stored.
#[derive(Debug, Clone)]
pub struct PageTextFields {
    pub title: String,
    pub slug: String,
    pub summary: Option<String>,
    /// Sanitised HTML.
    pub body: String,
    pub seo_title: Option<String>,
    pub seo_description: Option<String>,
    /// Translation status name.
    pub status: String,
}

/// The locale-independent fields written on create and update.
#[derive(Debug, Clone)]
pub struct PageFields {
    pub key: Option<String>,
    pub parent_id: Option<i64>,
    pub position: i32,
    pub status: String,
    pub published_at: Option<NaiveDateTime>,
    pub source_locale: String,
}

/// What is wrong with a page key named `field`: 1 to 64 lowercase ASCII letters, digits and
/// hyphens, starting with a letter (so a key is never taken for an id).
pub fn key_error(key: &str, field: &str) -> Option<FieldError> {
    let valid = key.len() <= MAX_KEY_CHARS
        && key.starts_with(|c: char| c.is_ascii_lowercase())
        && key
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
        && !key.ends_with('-')
        && !key.contains("--");
    (!valid).then(|| {
        FieldError::new(
            field,
            format!(
                "must be 1 to {MAX_KEY_CHARS} lowercase letters, digits and single hyphens, \
                 starting with a letter"
            ),
        )
    })
}

/// What is wrong with making `parent` the parent of page `id` (`None` for a new page), given
/// every page's parent: a page can't be its own ancestor, and the hierarchy is at most
/// [`MAX_DEPTH`] levels deep, counting the levels below page `id`.
pub fn parent_error(
    parents: &HashMap<i64, Option<i64>>,
    id: Option<i64>,
    parent: i64,
) -> Option<FieldError> {
    let above = path_to_root(parents, parent);
    if id.is_some_and(|id| above.contains(&id)) {
        return Some(FieldError::new(
            "parent_id",
            "must not be the page itself or one of its sub-pages",
        ));
    }
    let below = id.map_or(1, |id| levels_from(parents, id));
    (above.len() + below > MAX_DEPTH).then(|| {
        FieldError::new(
            "parent_id",
            format!("would make the hierarchy deeper than {MAX_DEPTH} levels"),
        )
    })
}

/// Levels of page `id` and the pages below it: 1 for a page without sub-pages.
fn levels_from(parents: &HashMap<i64, Option<i64>>, id: i64) -> usize {
    let mut depth = 1;
    let mut level = vec![id];
    // Bounded, so stored data with a cycle can't loop.
    while depth <= parents.len() {
        level = parents
            .iter()
            .filter(|(_, parent)| parent.is_some_and(|p| level.contains(&p)))
            .map(|(child, _)| *child)
            .collect();
        if level.is_empty() {
            break;
        }
        depth += 1;
    }
    depth
}

/// One translation of a page as editors see it.
#[derive(Debug, Serialize, ToSchema)]
pub struct AdminPageTranslation {
    pub title: String,
    pub slug: String,
    pub summary: Option<String>,
    /// Sanitised HTML body.
    pub body: String,
    pub seo_title: Option<String>,
    pub seo_description: Option<String>,
    /// Translation status.
    pub status: TranslationStatus,
    /// Edit version; send it in `If-Match` when saving this translation.
    pub version: i64,
    /// Last change (UTC).
    pub updated_at: DateTime<Utc>,
}

/// A page as editors see it.
#[derive(Debug, Serialize, ToSchema)]
pub struct AdminPage {
    pub id: i64,
    /// The name templates look it up by.
    pub key: Option<String>,
    /// The page above it, if any.
    pub parent_id: Option<i64>,
    /// Order among its siblings (ascending).
    pub position: i32,
    /// Workflow status.
    pub status: PageStatus,
    /// When it was first published (UTC).
    pub published_at: Option<DateTime<Utc>>,
    /// The locale it is written in first.
    pub source_locale: String,
    /// The account that created it.
    pub created_by: Option<i64>,
    /// Edit version; send it in `If-Match` when changing or deleting the page.
    pub version: i64,
    /// Translations by locale code.
    pub translations: BTreeMap<String, AdminPageTranslation>,
    /// Creation time (UTC).
    pub created_at: DateTime<Utc>,
    /// Last change of the page itself (UTC).
    pub updated_at: DateTime<Utc>,
}

impl AdminPage {
    /// A page and its translations as editors see them.
    pub fn new(row: PageRow, translations: Vec<PageTranslationRow>) -> Self {
        Self {
            id: row.id,
            status: row.status(),
            key: row.key,
            parent_id: row.parent_id,
            position: row.position,
            published_at: row.published_at.map(|at| at.and_utc()),
            source_locale: row.source_locale,
            created_by: row.created_by,
            version: row.version,
            translations: translations
                .into_iter()
                .map(|t| {
                    (
                        t.locale.clone(),
                        AdminPageTranslation {
                            status: TranslationStatus::parse(&t.status),
                            title: t.title,
                            slug: t.slug,
                            summary: t.summary,
                            body: t.body,
                            seo_title: t.seo_title,
                            seo_description: t.seo_description,
                            version: t.version,
                            updated_at: t.updated_at.and_utc(),
                        },
                    )
                })
                .collect(),
            created_at: row.created_at.and_utc(),
            updated_at: row.updated_at.and_utc(),
        }
    }
}

/// A page's translation in another locale, for hreflang alternates and language switchers.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct PageAlternate {
    pub locale: String,
    pub slug: String,
    pub title: String,
    /// Its canonical URL.
    pub url: String,
}

/// Another page linked from this one (its parent, its children), in the served locale.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct PageLink {
    pub id: i64,
    pub key: Option<String>,
    pub slug: String,
    pub title: String,
    /// Its canonical URL.
    pub url: String,
}

/// A page in a list, in the served locale.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct PageSummary {
    pub id: i64,
    /// The name templates look it up by.
    pub key: Option<String>,
    /// The page above it, when that is published.
    pub parent_id: Option<i64>,
    /// Order among its siblings.
    pub position: i32,
    /// Slug in the served locale.
    pub slug: String,
    pub title: String,
    pub summary: Option<String>,
    /// The locale served.
    pub locale: String,
    /// The locale asked for.
    pub requested_locale: String,
    /// Whether the served locale is not the one asked for.
    pub fallback: bool,
    /// Canonical URL in the served locale.
    pub url: String,
    /// Every published translation (the served one included), for hreflang.
    pub translations: Vec<PageAlternate>,
    /// First publication (UTC).
    pub published_at: Option<DateTime<Utc>>,
    /// Last change of the page or the served translation (UTC).
    pub updated_at: DateTime<Utc>,
}

/// A whole page, in the served locale.
#[derive(Debug, Serialize, ToSchema)]
pub struct PublicPage {
    #[serde(flatten)]
    pub summary: PageSummary,
    /// Sanitised HTML; pictures of the media library carry `src`, `srcset`, size and `alt`.
    pub body: String,
    pub seo_title: Option<String>,
    pub seo_description: Option<String>,
    /// The page above it, when it is visible.
    pub parent: Option<PageLink>,
    /// Its visible sub-pages, in order.
    pub children: Vec<PageLink>,
}

impl PageSummary {
    /// Page `row` in `choice`'s locale, from its published `translations`, with the translation
    /// served; `None` when none may be served there.
    pub fn new<'a>(
        row: &PageRow,
        translations: &'a [PageTranslationRow],
        choice: &LocaleChoice,
        urls: &SiteUrls,
    ) -> Option<(Self, &'a PageTranslationRow)> {
        let (translation, picked) = choice.pick_in(translations, |t| &t.locale)?;
        let key = row.key.as_deref();
        // In the switcher's order of the site's locales.
        let mut alternates: Vec<&PageTranslationRow> = translations.iter().collect();
        alternates.sort_by_key(|t| choice.order.iter().position(|code| *code == t.locale));
        let summary = Self {
            id: row.id,
            key: row.key.clone(),
            parent_id: row.parent_id,
            position: row.position,
            slug: translation.slug.clone(),
            title: translation.title.clone(),
            summary: translation.summary.clone(),
            url: urls.page(&picked.locale, &translation.slug, row.id, key),
            locale: picked.locale,
            requested_locale: choice.requested.clone(),
            fallback: picked.fallback,
            translations: alternates
                .into_iter()
                .map(|t| PageAlternate {
                    locale: t.locale.clone(),
                    slug: t.slug.clone(),
                    title: t.title.clone(),
                    url: urls.page(&t.locale, &t.slug, row.id, key),
                })
                .collect(),
            published_at: row.published_at.map(|at| at.and_utc()),
            updated_at: row.updated_at.max(translation.updated_at).and_utc(),
        };
        Some((summary, translation))
    }
}

impl PageSummary {
    /// Leaves `parent_id` out unless the parent is among `shown` (published pages): a draft's
    /// id is not the public's business.
    pub fn hide_parent_unless(&mut self, shown: &[i64]) {
        if self
            .parent_id
            .is_some_and(|parent| !shown.contains(&parent))
        {
            self.parent_id = None;
        }
    }
}

impl PageLink {
    /// Page `row` as a link in `choice`'s locale, from its published `translations`.
    pub fn new(
        row: &PageRow,
        translations: &[PageTranslationRow],
        choice: &LocaleChoice,
        urls: &SiteUrls,
    ) -> Option<Self> {
        let (translation, picked) = choice.pick_in(translations, |t| &t.locale)?;
        Some(Self {
            id: row.id,
            key: row.key.clone(),
            slug: translation.slug.clone(),
            title: translation.title.clone(),
            url: urls.page(
                &picked.locale,
                &translation.slug,
                row.id,
                row.key.as_deref(),
            ),
        })
    }
}

/// What a delivered page is made of: the page, the translations it may be served in, its
/// published parent and sub-pages with their published translations, and the pictures its
/// body places.
pub struct PageParts {
    pub row: PageRow,
    /// The translations it may be served in.
    pub own: Vec<PageTranslationRow>,
    /// Its published parent and sub-pages.
    pub related: Vec<PageRow>,
    /// Their published translations, by page.
    pub translations: HashMap<i64, Vec<PageTranslationRow>>,
    pub library: MediaLibrary,
}

impl PageParts {
    /// The page in `choice`'s locale, if it has a translation to serve there.
    pub fn public(&self, choice: &LocaleChoice, urls: &SiteUrls) -> Option<PublicPage> {
        let row = &self.row;
        let (mut summary, translation) = PageSummary::new(row, &self.own, choice, urls)?;
        let shown: Vec<i64> = self.related.iter().map(|p| p.id).collect();
        summary.hide_parent_unless(&shown);
        let link =
            |page: &PageRow| PageLink::new(page, self.translations.get(&page.id)?, choice, urls);
        let body = place_media(&translation.body, |id| {
            self.library.public(id, choice, urls).map(|m| m.placed())
        });
        Some(PublicPage {
            body,
            seo_title: translation.seo_title.clone(),
            seo_description: translation.seo_description.clone(),
            parent: self
                .related
                .iter()
                .find(|p| Some(p.id) == row.parent_id)
                .and_then(link),
            children: self
                .related
                .iter()
                .filter(|p| p.parent_id == Some(row.id))
                .filter_map(link)
                .collect(),
            summary,
        })
    }

    /// The cache tags of a read of the page: the pages it links, the pictures it shows.
    pub fn tags(&self) -> Vec<String> {
        let mut pictures: Vec<i64> = self.own.iter().flat_map(|t| media_ids(&t.body)).collect();
        pictures.sort_unstable();
        pictures.dedup();
        self.related
            .iter()
            .map(|p| p.id)
            .chain([self.row.id])
            .map(|id| format!("page:{id}"))
            .chain(pictures.into_iter().map(|id| format!("media:{id}")))
            .collect()
    }
}
