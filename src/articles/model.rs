//! Article rows, the editorial workflow's rules, requests and responses; the public shapes are
//! in [`public`].

pub mod public;

use std::collections::{BTreeMap, HashMap};

use chrono::{DateTime, NaiveDateTime, SubsecRound, Utc};
use diesel::{Queryable, Selectable};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::auth::actor::Principal;
use crate::auth::roles::Permission;
use crate::authors::model::check_url;
use crate::domain::{DomainError, FieldError, Lines, check_fields, check_text};
use crate::html::{self, Removal, Sanitized, Sanitizer};
use crate::search::model::{Entry, IndexedText, Kind};
use crate::slug::{self, check_slug};

/// Longest title.
pub const MAX_TITLE_CHARS: usize = 300;
/// Longest summary.
pub const MAX_SUMMARY_CHARS: usize = 2000;
/// Longest body, in bytes of HTML.
pub const MAX_BODY_BYTES: usize = 512 * 1024;
/// Longest SEO title.
pub const MAX_SEO_TITLE_CHARS: usize = 200;
/// Longest SEO description.
pub const MAX_SEO_DESCRIPTION_CHARS: usize = 500;

/// Where an article is in the editorial workflow.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ArticleStatus {
    /// Being written.
    Draft,
    /// Submitted for review.
    InReview,
    /// Published; scheduled while `published_at` is in the future.
    Published,
    /// Taken down; kept for the record.
    Archived,
}

impl ArticleStatus {
    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Draft => "draft",
            Self::InReview => "in_review",
            Self::Published => "published",
            Self::Archived => "archived",
        }
    }

    /// Parses a stored name.
    pub fn parse(name: &str) -> Self {
        match name {
            "in_review" => Self::InReview,
            "published" => Self::Published,
            "archived" => Self::Archived,
            _ => Self::Draft,
        }
    }
}

/// Whether one translation is ready to be shown.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum TranslationStatus {
    /// Not shown, whatever the article's status.
    Draft,
    /// Shown when the article is published.
    Published,
}

impl TranslationStatus {
    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Draft => "draft",
            Self::Published => "published",
        }
    }

    /// Parses a stored name.
    pub fn parse(name: &str) -> Self {
        if name == "published" {
            Self::Published
        } else {
            Self::Draft
        }
    }
}

/// What the principal may do with one article, by the role table and ownership.
pub struct Rights {
    /// May read and edit it.
    pub edit: bool,
    /// May give it any status (else only draft or in_review) and a publication time.
    pub publish: bool,
    /// May feature it on the front page (those who may publish it).
    pub feature: bool,
    /// May byline anyone (editors and admins); others byline only their own author identity.
    pub byline_anyone: bool,
}

/// What a create or an update sets that the role table may withhold.
#[derive(Debug, Default)]
pub struct SetFields<'a> {
    /// A publication time is given.
    pub published_at: bool,
    /// A time to come down is given.
    pub unpublish_at: bool,
    /// A translation's own publication times are given.
    pub translation_times: bool,
    /// The featured flag is set to something other than it was.
    pub featured: bool,
    /// The bylines are set to these authors (when they change).
    pub author_ids: Option<&'a [i64]>,
}

impl Rights {
    /// The rights of `principal` over an article created by `created_by` in `status`.
    pub fn of(principal: &Principal, created_by: Option<i64>, status: ArticleStatus) -> Self {
        let own = created_by.is_some() && created_by == principal.user_id();
        let any = principal.allows(Permission::EditAnyArticle);
        let publish_any = principal.allows(Permission::PublishAnyArticle);
        let write_own = own && principal.allows(Permission::WriteOwnArticles);
        let publish_own = own && principal.allows(Permission::PublishOwnArticles);
        // Contributors write drafts; once an article is out of their hands they can't edit it.
        let contributor_locked = !publish_own
            && !any
            && matches!(status, ArticleStatus::Published | ArticleStatus::Archived);
        Self {
            edit: any || (write_own && !contributor_locked),
            publish: publish_any || publish_own,
            feature: publish_any || publish_own,
            byline_anyone: any,
        }
    }

    /// Refused (naming the field) when `set` holds what the principal may not set: a
    /// publication time without the right to publish, the featured flag, or bylines other than
    /// `own_authors` (the principal's own author identities) without the right to byline
    /// anyone. The same table holds on create and on update.
    pub fn check_fields(
        &self,
        set: &SetFields<'_>,
        own_authors: &[i64],
    ) -> Result<(), DomainError> {
        let refuse = |field: &str| {
            Err(DomainError::Forbidden(format!(
                "Your role may not set `{field}` here."
            )))
        };
        if set.published_at && !self.publish {
            return refuse("published_at");
        }
        if set.unpublish_at && !self.publish {
            return refuse("unpublish_at");
        }
        if set.translation_times && !self.publish {
            return refuse("publish_at` or `unpublish_at` of a translation");
        }
        if set.featured && !self.feature {
            return refuse("featured");
        }
        if let Some(ids) = set.author_ids
            && !self.byline_anyone
            && !ids.iter().all(|id| own_authors.contains(id))
        {
            return Err(DomainError::Forbidden(
                "Your role may byline only your own author identity (`author_ids`).".into(),
            ));
        }
        Ok(())
    }

    /// Refused unless `status` is one the principal may set.
    pub fn check_status(&self, status: ArticleStatus) -> Result<(), DomainError> {
        if self.publish || matches!(status, ArticleStatus::Draft | ArticleStatus::InReview) {
            Ok(())
        } else {
            Err(DomainError::Forbidden(
                "Your role may only save drafts and submit them for review.".into(),
            ))
        }
    }
}

/// Orders of the article list.
#[derive(Clone, Copy, Debug, Default, Deserialize, ToSchema)]
pub enum ArticleSort {
    /// Newest first (the default).
    #[default]
    #[serde(rename = "-published_at")]
    NewestFirst,
    /// Oldest first.
    #[serde(rename = "published_at")]
    OldestFirst,
    /// By title in the requested locale.
    #[serde(rename = "title")]
    Title,
    /// Most recently updated first.
    #[serde(rename = "-updated_at")]
    RecentlyUpdated,
    /// Most read in `window` first (articles not read in it are not listed); pages by `page`,
    /// not `cursor`.
    #[serde(rename = "popular")]
    Popular,
}

/// An article's link to one of its authors or tags.
#[derive(Debug, Queryable)]
pub struct ArticleLink {
    pub article_id: i64,
    /// The author's or tag's id.
    pub id: i64,
}

/// An article that has, or had, a slug in one locale.
#[derive(Debug, Queryable)]
pub struct SlugOwner {
    pub article_id: i64,
    pub locale: String,
}

/// A stored correction of an article.
#[derive(Debug, Queryable)]
pub struct CorrectionRow {
    pub article_id: i64,
    pub at: NaiveDateTime,
    pub note: String,
}

/// A correction to store.
#[derive(Debug)]
pub struct NewCorrection {
    pub at: NaiveDateTime,
    /// Trimmed.
    pub note: String,
}

/// A byline of an article, in byline order.
#[derive(Debug, Queryable)]
pub struct Byline {
    pub article_id: i64,
    pub author_id: i64,
    pub slug: String,
    pub name: String,
    pub avatar_url: Option<String>,
    /// Avatar from the media library (preferred to `avatar_url`).
    pub avatar_media_id: Option<i64>,
    /// The locale of `bio`: a byline comes once per bio the author has.
    pub bio_locale: Option<String>,
    pub bio: Option<String>,
}

/// A tag of an article with its name in one locale.
#[derive(Debug, Queryable)]
pub struct TagName {
    pub article_id: i64,
    pub tag_id: i64,
    pub locale: String,
    pub slug: String,
    pub name: String,
}

/// One picture of an article's gallery, as stored.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = crate::db::schema::article_gallery)]
pub struct GalleryRow {
    pub article_id: i64,
    pub position: i32,
    pub media_id: i64,
    /// Captions by locale, a JSON object.
    pub captions: String,
}

/// A stored article (the locale-independent part).
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = crate::db::schema::articles)]
pub struct ArticleRow {
    pub id: i64,
    pub category_id: i64,
    /// Workflow status name.
    pub status: String,
    /// Publication time.
    pub published_at: Option<NaiveDateTime>,
    /// When it comes down by itself (archived).
    pub unpublish_at: Option<NaiveDateTime>,
    /// Featured on the front page.
    pub featured: bool,
    /// Whether readers may comment.
    pub comments_enabled: bool,
    pub source_name: Option<String>,
    pub source_url: Option<String>,
    /// Cover image.
    pub cover_media_id: Option<i64>,
    /// Locale the article is written in first.
    pub source_locale: String,
    /// The account that created it.
    pub created_by: Option<i64>,
    /// Edit version.
    pub version: i64,
    /// Creation time.
    pub created_at: NaiveDateTime,
    /// Last change.
    pub updated_at: NaiveDateTime,
}

impl ArticleRow {
    /// The workflow status.
    pub fn status(&self) -> ArticleStatus {
        ArticleStatus::parse(&self.status)
    }
}

/// A stored translation.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = crate::db::schema::article_translations)]
pub struct TranslationRow {
    pub id: i64,
    pub article_id: i64,
    /// Locale code.
    pub locale: String,
    pub title: String,
    /// Slug, unique per locale.
    pub slug: String,
    pub summary: Option<String>,
    /// Sanitised HTML body.
    pub body: String,
    pub seo_title: Option<String>,
    pub seo_description: Option<String>,
    /// Translation status name.
    pub status: String,
    /// Minutes to read.
    pub reading_time_minutes: i32,
    /// Version of the source-locale translation this one was saved against.
    pub source_version: Option<i64>,
    /// Edit version.
    pub version: i64,
    /// Creation time.
    pub created_at: NaiveDateTime,
    /// Last change.
    pub updated_at: NaiveDateTime,
}

/// A translation's own publication times.
#[derive(Debug, Clone, Copy, Default, PartialEq, Queryable, Selectable)]
#[diesel(table_name = crate::db::schema::article_translation_times)]
pub struct TranslationTimes {
    /// Held back until then (removed by the scheduler when it comes).
    pub publish_at: Option<NaiveDateTime>,
    /// Back to draft then.
    pub unpublish_at: Option<NaiveDateTime>,
}

/// A scheduled transition of an article.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = crate::db::schema::scheduled_transitions)]
pub struct TransitionRow {
    pub id: i64,
    pub article_id: i64,
    /// `publish` or `unpublish`.
    pub action: String,
    pub due_at: NaiveDateTime,
    pub applied_at: Option<NaiveDateTime>,
    pub created_at: NaiveDateTime,
    /// The translation it applies to; `None` for the whole article.
    pub locale: Option<String>,
}

/// A scheduled transition as editors see it.
#[derive(Debug, Serialize, ToSchema)]
pub struct Transition {
    pub id: i64,
    pub article_id: i64,
    /// The translation it applies to; `null` for the whole article.
    pub locale: Option<String>,
    /// Of the article: `publish` (its `published_at`) or `unpublish` (its `unpublish_at`:
    /// archived then). Of a translation: `publish` (its `publish_at`: shown then) or
    /// `unpublish` (its `unpublish_at`: back to draft then).
    pub action: String,
    /// When it is due (UTC).
    pub due_at: DateTime<Utc>,
}

impl From<TransitionRow> for Transition {
    fn from(row: TransitionRow) -> Self {
        Self {
            id: row.id,
            article_id: row.article_id,
            locale: row.locale,
            action: row.action,
            due_at: row.due_at.and_utc(),
        }
    }
}

/// Whose translations a revision keeps: revisions are shared by articles and pages.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Subject {
    Article,
    Page,
}

impl Subject {
    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Article => "article",
            Self::Page => "page",
        }
    }
}

/// The text of a translation as a revision keeps it.
#[derive(Debug)]
pub struct RevisedText<'a> {
    pub locale: &'a str,
    /// The translation's version.
    pub version: i64,
    pub title: &'a str,
    pub slug: &'a str,
    pub summary: Option<&'a str>,
    pub body: &'a str,
    pub seo_title: Option<&'a str>,
    pub seo_description: Option<&'a str>,
    /// Translation status name.
    pub status: &'a str,
}

impl TranslationRow {
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
}

/// A stored revision: the state of a translation of an article or a page before a save.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = crate::db::schema::revisions)]
pub struct RevisionRow {
    pub id: i64,
    /// Locale code.
    pub locale: String,
    /// The translation version this revision was.
    pub translation_version: i64,
    pub title: String,
    pub slug: String,
    pub summary: Option<String>,
    pub body: String,
    pub seo_title: Option<String>,
    pub seo_description: Option<String>,
    /// Translation status name.
    pub status: String,
    /// The account whose save replaced it.
    pub saved_by: Option<i64>,
    /// When it was replaced.
    pub created_at: NaiveDateTime,
}

impl RevisionRow {
    /// The revision's text as a translation to save again (its slug explicit).
    pub fn into_input(self) -> TranslationInput {
        TranslationInput {
            title: self.title,
            slug: Some(self.slug),
            summary: self.summary,
            body: self.body,
            seo_title: self.seo_title,
            seo_description: self.seo_description,
            status: Some(TranslationStatus::parse(&self.status)),
            publish_at: None,
            unpublish_at: None,
        }
    }
}

/// One translation, as written by an editor.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TranslationInput {
    /// Title, 1 to 300 characters.
    #[schema(example = "Tokayev Outlines Foreign Policy, Reform Agenda for 2026 in Interview")]
    pub title: String,
    /// Slug; when absent, generated from the title (transliterated), except that a published
    /// translation of a published article keeps its slug whatever the title: its URL moves only
    /// to a slug given here (the old one keeps resolving).
    pub slug: Option<String>,
    /// Summary, up to 2000 characters.
    pub summary: Option<String>,
    /// Body in HTML; sanitised on write (no scripts, styles, event handlers or unsafe URLs).
    #[schema(example = "<p>ASTANA – In the second half of 2025…</p>")]
    pub body: String,
    /// Title for search engines.
    pub seo_title: Option<String>,
    /// Description for search engines.
    pub seo_description: Option<String>,
    /// `published` (default) shows it once the article is published; `draft` keeps it hidden.
    pub status: Option<TranslationStatus>,
    /// A published translation is held back until this time (UTC), then shows by itself
    /// (within a second); a time already past publishes it now. Only for those who may
    /// publish the article; left out, the translation has none.
    pub publish_at: Option<DateTime<Utc>>,
    /// The translation goes back to draft by itself at this time (UTC), which must be in the
    /// future and after `publish_at`. Only for those who may publish the article; left out,
    /// the translation has none.
    pub unpublish_at: Option<DateTime<Utc>>,
}

/// Most pictures in a gallery.
pub const MAX_GALLERY_ITEMS: usize = 100;

/// One picture of an article's gallery, as written and as editors see it.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct GalleryItemInput {
    /// A picture of the media library.
    pub media_id: i64,
    /// Its caption in this gallery, by locale (up to 2000 characters each); where a locale has
    /// none, the picture's own caption shows.
    #[serde(default)]
    #[schema(example = json!({"tr": "Astana'da resmi tören", "fr": "Cérémonie officielle à Astana"}))]
    pub captions: BTreeMap<String, String>,
}

/// What is wrong with a gallery (its pictures' existence aside): too many pictures, captions
/// in locales the site doesn't have or too long.
pub fn gallery_errors(site: &[String], gallery: &[GalleryItemInput]) -> Vec<FieldError> {
    let mut errors = Vec::new();
    if gallery.len() > MAX_GALLERY_ITEMS {
        errors.push(FieldError::new(
            "gallery",
            format!("holds at most {MAX_GALLERY_ITEMS} pictures"),
        ));
    }
    for (n, item) in gallery.iter().enumerate() {
        for (locale, caption) in &item.captions {
            let name = format!("gallery[{n}].captions.{locale}");
            if !site.contains(locale) {
                errors.push(FieldError::new(
                    name,
                    format!("is not a site locale ({})", site.join(", ")),
                ));
            } else if let Some(error) = check_text(caption, &name, Lines::Many, 0, 2000) {
                errors.push(error);
            }
        }
    }
    errors
}

impl GalleryItemInput {
    /// The item as stored: its picture and its captions (trimmed, empty ones dropped) as JSON.
    pub fn stored(&self) -> (i64, String) {
        let captions: BTreeMap<&str, &str> = self
            .captions
            .iter()
            .map(|(locale, caption)| (locale.as_str(), caption.trim()))
            .filter(|(_, caption)| !caption.is_empty())
            .collect();
        (
            self.media_id,
            serde_json::to_string(&captions).unwrap_or_else(|_| "{}".into()),
        )
    }

    /// A stored item as editors see it.
    pub fn of_row(row: &GalleryRow) -> Self {
        Self {
            media_id: row.media_id,
            captions: serde_json::from_str(&row.captions).unwrap_or_default(),
        }
    }
}

/// A correction published with an article.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CorrectionInput {
    /// When it was made (default: now).
    pub at: Option<DateTime<Utc>>,
    /// What was corrected.
    pub note: String,
}

/// One translation as editors see it.
#[derive(Debug, Serialize, ToSchema)]
pub struct AdminTranslation {
    pub title: String,
    pub slug: String,
    pub summary: Option<String>,
    /// Sanitised HTML body.
    pub body: String,
    pub seo_title: Option<String>,
    pub seo_description: Option<String>,
    /// Translation status.
    pub status: TranslationStatus,
    /// Minutes to read.
    pub reading_time_minutes: i32,
    /// Whether the source-locale translation changed after this one was last saved.
    pub translation_outdated: bool,
    /// Edit version; send it in `If-Match` when saving this translation.
    pub version: i64,
    /// Last change (UTC).
    pub updated_at: DateTime<Utc>,
    /// Held back until then (UTC), if set: not shown before.
    pub publish_at: Option<DateTime<Utc>>,
    /// When it goes back to draft by itself (UTC), if set.
    pub unpublish_at: Option<DateTime<Utc>>,
}

/// An article as editors see it.
#[derive(Debug, Serialize, ToSchema)]
pub struct AdminArticle {
    pub id: i64,
    /// Workflow status.
    pub status: ArticleStatus,
    /// Whether it is published with a future `published_at`.
    pub scheduled: bool,
    /// Publication time (UTC).
    pub published_at: Option<DateTime<Utc>>,
    /// When it comes down by itself (archived), if set (UTC).
    pub unpublish_at: Option<DateTime<Utc>>,
    pub category_id: i64,
    /// Bylines, in order.
    pub author_ids: Vec<i64>,
    /// Tags.
    pub tag_ids: Vec<i64>,
    /// Featured on the front page.
    pub featured: bool,
    /// Whether readers may comment.
    pub comments_enabled: bool,
    pub source_name: Option<String>,
    pub source_url: Option<String>,
    /// Cover image.
    pub cover_media_id: Option<i64>,
    /// Photo gallery, in order.
    pub gallery: Vec<GalleryItemInput>,
    /// The locale written first.
    pub source_locale: String,
    /// The account that created it.
    pub created_by: Option<i64>,
    /// Edit version of the locale-independent part; send it in `If-Match` on PATCH.
    pub version: i64,
    pub corrections: Vec<Correction>,
    /// Translations by locale code.
    pub translations: BTreeMap<String, AdminTranslation>,
    /// Creation time (UTC).
    pub created_at: DateTime<Utc>,
    /// Last change (UTC).
    pub updated_at: DateTime<Utc>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Correction {
    /// When it was made (UTC).
    pub at: DateTime<Utc>,
    /// What was corrected.
    pub note: String,
}

/// A revision in a list.
#[derive(Debug, Serialize, ToSchema)]
pub struct RevisionSummary {
    /// Revision id.
    pub id: i64,
    pub locale: String,
    /// The translation version it was.
    pub translation_version: i64,
    pub title: String,
    /// The account whose save replaced it.
    pub saved_by: Option<i64>,
    /// When it was replaced (UTC).
    pub created_at: DateTime<Utc>,
}

/// A whole revision.
#[derive(Debug, Serialize, ToSchema)]
pub struct Revision {
    /// Revision id.
    pub id: i64,
    pub locale: String,
    /// The translation version it was.
    pub translation_version: i64,
    pub title: String,
    pub slug: String,
    pub summary: Option<String>,
    pub body: String,
    pub seo_title: Option<String>,
    pub seo_description: Option<String>,
    /// Translation status.
    pub status: TranslationStatus,
    /// The account whose save replaced it.
    pub saved_by: Option<i64>,
    /// When it was replaced (UTC).
    pub created_at: DateTime<Utc>,
}

impl From<RevisionRow> for RevisionSummary {
    fn from(row: RevisionRow) -> Self {
        Self {
            id: row.id,
            locale: row.locale,
            translation_version: row.translation_version,
            title: row.title,
            saved_by: row.saved_by,
            created_at: row.created_at.and_utc(),
        }
    }
}

impl From<RevisionRow> for Revision {
    fn from(row: RevisionRow) -> Self {
        Self {
            id: row.id,
            locale: row.locale,
            translation_version: row.translation_version,
            title: row.title,
            slug: row.slug,
            summary: row.summary,
            body: row.body,
            seo_title: row.seo_title,
            seo_description: row.seo_description,
            status: TranslationStatus::parse(&row.status),
            saved_by: row.saved_by,
            created_at: row.created_at.and_utc(),
        }
    }
}

/// A stored UTC time from an API one, truncated to microseconds like every stored time.
pub fn stored_time(time: DateTime<Utc>) -> chrono::NaiveDateTime {
    time.naive_utc().trunc_subsecs(6)
}

/// Checks source fields and corrections.
pub fn check_details(
    source_name: Option<&str>,
    source_url: Option<&str>,
    corrections: &[CorrectionInput],
) -> Result<(), DomainError> {
    let mut errors = Vec::new();
    if let Some(name) = source_name
        && let Some(error) = check_text(name, "source_name", Lines::One, 0, usize::MAX)
    {
        errors.push(error);
    }
    if source_name.is_some_and(|n| n.chars().count() > 200) {
        errors.push(FieldError::new(
            "source_name",
            "must have at most 200 characters",
        ));
    }
    if let Some(url) = source_url
        && let Err(error) = check_url(url, "source_url")
    {
        errors.push(error);
    }
    for (index, correction) in corrections.iter().enumerate() {
        errors.extend(check_text(
            &correction.note,
            &format!("corrections.{index}.note"),
            Lines::Many,
            0,
            usize::MAX,
        ));
        let length = correction.note.trim().chars().count();
        if length == 0 || length > 2000 {
            errors.push(FieldError::new(
                format!("corrections.{index}.note"),
                "must have 1 to 2000 characters",
            ));
        }
    }
    check_fields(errors)
}

/// Checks one translation's fields; `prefix` names it in errors (`translations.fr`).
pub fn check_translation(
    site: &[String],
    locale: &str,
    input: &TranslationInput,
    prefix: &str,
) -> Result<(), DomainError> {
    let mut errors = Vec::new();
    let field = |name: &str| format!("{prefix}.{name}");
    if !site.iter().any(|code| code == locale) {
        errors.push(FieldError::new(
            prefix,
            format!("is not a site locale ({})", site.join(", ")),
        ));
    }
    // Characters first; the lengths are checked below.
    for (name, text, lines) in [
        ("title", Some(&input.title), Lines::One),
        ("summary", input.summary.as_ref(), Lines::Many),
        ("seo_title", input.seo_title.as_ref(), Lines::One),
        (
            "seo_description",
            input.seo_description.as_ref(),
            Lines::Many,
        ),
    ] {
        if let Some(text) = text {
            errors.extend(check_text(text, &field(name), lines, 0, usize::MAX));
        }
    }
    if let Some(until) = input.unpublish_at {
        if until <= Utc::now() {
            errors.push(FieldError::new(
                field("unpublish_at"),
                "must be in the future",
            ));
        } else if input.publish_at.is_some_and(|from| until <= from) {
            errors.push(FieldError::new(
                field("unpublish_at"),
                "must be after publish_at",
            ));
        }
    }
    let title = input.title.trim().chars().count();
    if title == 0 || title > MAX_TITLE_CHARS {
        errors.push(FieldError::new(
            field("title"),
            format!("must have 1 to {MAX_TITLE_CHARS} characters"),
        ));
    }
    if let Some(slug) = &input.slug
        && let Err(error) = check_slug(slug, &field("slug"))
    {
        errors.push(error);
    }
    let too_long =
        |text: &Option<String>, max: usize| text.as_ref().is_some_and(|t| t.chars().count() > max);
    if too_long(&input.summary, MAX_SUMMARY_CHARS) {
        errors.push(FieldError::new(
            field("summary"),
            format!("must have at most {MAX_SUMMARY_CHARS} characters"),
        ));
    }
    if too_long(&input.seo_title, MAX_SEO_TITLE_CHARS) {
        errors.push(FieldError::new(
            field("seo_title"),
            format!("must have at most {MAX_SEO_TITLE_CHARS} characters"),
        ));
    }
    if too_long(&input.seo_description, MAX_SEO_DESCRIPTION_CHARS) {
        errors.push(FieldError::new(
            field("seo_description"),
            format!("must have at most {MAX_SEO_DESCRIPTION_CHARS} characters"),
        ));
    }
    if input.body.len() > MAX_BODY_BYTES {
        errors.push(FieldError::new(
            field("body"),
            format!("must have at most {MAX_BODY_BYTES} bytes"),
        ));
    }
    check_fields(errors)
}

/// A translation with its body sanitised and measured: the CPU work of a save, done before the
/// save's transaction starts so no body holds a write lock while it is parsed.
#[derive(Debug)]
pub struct PreparedTranslation {
    pub input: TranslationInput,
    /// The sanitised HTML to store.
    pub body: String,
    /// What sanitising removed from the body as sent.
    pub removed: Vec<Removal>,
    /// Title, summary and the body's text, folded for the lists' substring filter (see
    /// `slug::fold`).
    pub search_text: String,
    /// The body's text, for search snippets.
    pub body_text: String,
    /// The terms the search index holds, analysed in the translation's language.
    pub indexed: IndexedText,
    pub reading_time_minutes: i32,
}

impl PreparedTranslation {
    /// Refuses a body nested too deep or with too many elements (named `field`, e.g.
    /// `translations.fr.body`), then sanitises it; time linear in the body's size.
    pub fn new(
        locale: &str,
        input: TranslationInput,
        field: &str,
        sanitizer: &Sanitizer,
    ) -> Result<Self, FieldError> {
        if let Some(message) = html::shape_error(&input.body) {
            return Err(FieldError::new(field, message));
        }
        let Sanitized { html, removed } = sanitizer.sanitize(&input.body);
        Ok(Self::measured(locale, input, html, removed))
    }

    /// A translation whose body was sanitised when it was stored (a revision being restored).
    pub fn stored(locale: &str, input: TranslationInput) -> Self {
        let body = input.body.clone();
        Self::measured(locale, input, body, Vec::new())
    }

    fn measured(
        locale: &str,
        input: TranslationInput,
        body: String,
        removed: Vec<Removal>,
    ) -> Self {
        let summary = trimmed(&input.summary);
        let title = input.title.trim();
        let body_text = html::plain_text(&body);
        let search_text = slug::fold(&format!(
            "{title} {} {body_text}",
            summary.as_deref().unwrap_or(""),
        ));
        Self {
            reading_time_minutes: html::reading_time_minutes(&body),
            indexed: IndexedText::new(locale, title, summary.as_deref(), &body_text),
            search_text,
            body_text,
            body,
            removed,
            input,
        }
    }

    /// The search entry of this translation of `kind` `subject`, saved with `slug`.
    pub fn search_entry(&self, kind: Kind, subject: i64, locale: &str, slug: &str) -> Entry {
        Entry {
            kind,
            subject_id: subject,
            locale: locale.to_owned(),
            slug: slug.to_owned(),
            title: self.input.title.trim().to_owned(),
            summary: trimmed(&self.input.summary),
            content: self.body_text.clone(),
            text: self.indexed.clone(),
        }
    }
}

/// The text trimmed, `None` when nothing is left.
pub fn trimmed(text: &Option<String>) -> Option<String> {
    text.as_deref()
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .map(str::to_owned)
}

impl AdminArticle {
    /// The editor view of `row` with what belongs to it; `now` tells scheduled from published.
    pub fn new(
        row: ArticleRow,
        translations: Vec<(TranslationRow, TranslationTimes)>,
        author_ids: Vec<i64>,
        tag_ids: Vec<i64>,
        corrections: Vec<Correction>,
        gallery: Vec<GalleryItemInput>,
        now: chrono::NaiveDateTime,
    ) -> AdminArticle {
        let source_version: HashMap<&str, i64> = translations
            .iter()
            .map(|(t, _)| (t.locale.as_str(), t.version))
            .collect();
        let source = source_version.get(row.source_locale.as_str()).copied();
        let translations: BTreeMap<String, AdminTranslation> = translations
            .iter()
            .map(|(t, times)| {
                let outdated = t.locale != row.source_locale
                    && source
                        .is_some_and(|source| t.source_version.is_none_or(|seen| seen < source));
                (
                    t.locale.clone(),
                    AdminTranslation {
                        title: t.title.clone(),
                        slug: t.slug.clone(),
                        summary: t.summary.clone(),
                        body: t.body.clone(),
                        seo_title: t.seo_title.clone(),
                        seo_description: t.seo_description.clone(),
                        status: TranslationStatus::parse(&t.status),
                        reading_time_minutes: t.reading_time_minutes,
                        translation_outdated: outdated,
                        version: t.version,
                        updated_at: t.updated_at.and_utc(),
                        publish_at: times.publish_at.map(|at| at.and_utc()),
                        unpublish_at: times.unpublish_at.map(|at| at.and_utc()),
                    },
                )
            })
            .collect();
        AdminArticle {
            id: row.id,
            status: row.status(),
            scheduled: row.status() == ArticleStatus::Published
                && row.published_at.is_some_and(|at| at > now),
            published_at: row.published_at.map(|at| at.and_utc()),
            unpublish_at: row.unpublish_at.map(|at| at.and_utc()),
            category_id: row.category_id,
            author_ids,
            tag_ids,
            featured: row.featured,
            comments_enabled: row.comments_enabled,
            source_name: row.source_name,
            source_url: row.source_url,
            cover_media_id: row.cover_media_id,
            gallery,
            source_locale: row.source_locale,
            created_by: row.created_by,
            version: row.version,
            corrections,
            translations,
            created_at: row.created_at.and_utc(),
            updated_at: row.updated_at.and_utc(),
        }
    }
}
