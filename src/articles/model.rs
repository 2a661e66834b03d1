//! Article rows, the editorial workflow's rules, requests and responses.

use std::collections::BTreeMap;

use chrono::{DateTime, NaiveDateTime, Utc};
use diesel::prelude::*;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::auth::actor::Principal;
use crate::auth::roles::Permission;
use crate::db::schema::{article_revisions, article_translations, articles};
use crate::domain::DomainError;

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
    /// May give it any status (else only draft or in_review).
    pub publish: bool,
}

impl Rights {
    /// The rights of `principal` over an article created by `created_by` in `status`.
    pub fn of(principal: &Principal, created_by: Option<i64>, status: ArticleStatus) -> Self {
        let own = created_by.is_some() && created_by == principal.user_id();
        let any = principal.role.allows(Permission::EditAnyArticle);
        let publish_any = principal.role.allows(Permission::PublishAnyArticle);
        let write_own = own && principal.role.allows(Permission::WriteOwnArticles);
        let publish_own = own && principal.role.allows(Permission::PublishOwnArticles);
        // Contributors write drafts; once an article is out of their hands they can't edit it.
        let contributor_locked = !publish_own
            && !any
            && matches!(status, ArticleStatus::Published | ArticleStatus::Archived);
        Self {
            edit: any || (write_own && !contributor_locked),
            publish: publish_any || publish_own,
        }
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

/// A stored article (the locale-independent part).
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = articles)]
pub struct ArticleRow {
    /// Id.
    pub id: i64,
    /// Category.
    pub category_id: i64,
    /// Workflow status name.
    pub status: String,
    /// Publication time.
    pub published_at: Option<NaiveDateTime>,
    /// Featured on the front page.
    pub featured: bool,
    /// Whether readers may comment.
    pub comments_enabled: bool,
    /// Source name.
    pub source_name: Option<String>,
    /// Source URL.
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
#[diesel(table_name = article_translations)]
pub struct TranslationRow {
    /// Id.
    pub id: i64,
    /// The article.
    pub article_id: i64,
    /// Locale code.
    pub locale: String,
    /// Title.
    pub title: String,
    /// Slug, unique per locale.
    pub slug: String,
    /// Summary.
    pub summary: Option<String>,
    /// Sanitised HTML body.
    pub body: String,
    /// SEO title.
    pub seo_title: Option<String>,
    /// SEO description.
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

/// A stored revision: the state of a translation before a save.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = article_revisions)]
pub struct RevisionRow {
    /// Id.
    pub id: i64,
    /// The article.
    pub article_id: i64,
    /// Locale code.
    pub locale: String,
    /// The translation version this revision was.
    pub translation_version: i64,
    /// Title.
    pub title: String,
    /// Slug.
    pub slug: String,
    /// Summary.
    pub summary: Option<String>,
    /// Body.
    pub body: String,
    /// SEO title.
    pub seo_title: Option<String>,
    /// SEO description.
    pub seo_description: Option<String>,
    /// Translation status name.
    pub status: String,
    /// The account whose save replaced it.
    pub saved_by: Option<i64>,
    /// When it was replaced.
    pub created_at: NaiveDateTime,
}

/// One translation, as written by an editor.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TranslationInput {
    /// Title, 1 to 300 characters.
    #[schema(example = "Tokayev Outlines Foreign Policy, Reform Agenda for 2026 in Interview")]
    pub title: String,
    /// Slug; generated from the title (transliterated) when absent.
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

/// Create an article with one or more translations.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateArticleRequest {
    /// Category.
    pub category_id: i64,
    /// Bylines, in order (at least one).
    pub author_ids: Vec<i64>,
    /// Tags.
    pub tag_ids: Option<Vec<i64>>,
    /// Workflow status (default `draft`); contributors may set `draft` or `in_review` only.
    pub status: Option<ArticleStatus>,
    /// Publication time; a future one schedules the article. Defaults to now on publishing.
    pub published_at: Option<DateTime<Utc>>,
    /// Featured on the front page.
    pub featured: Option<bool>,
    /// Whether readers may comment (default true).
    pub comments_enabled: Option<bool>,
    /// Source name, e.g. a news agency.
    pub source_name: Option<String>,
    /// Source URL.
    pub source_url: Option<String>,
    /// Cover image (media id).
    pub cover_media_id: Option<i64>,
    /// The locale the article is written in first; other translations are marked outdated
    /// when it changes after them. Default: the site default if given, else the first given.
    pub source_locale: Option<String>,
    /// Corrections.
    pub corrections: Option<Vec<CorrectionInput>>,
    /// Translations by locale code; at least one.
    pub translations: BTreeMap<String, TranslationInput>,
}

/// Change the locale-independent part of an article. Fields left out are kept.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateArticleRequest {
    /// Category.
    pub category_id: Option<i64>,
    /// Bylines, in order (replacing the old ones).
    pub author_ids: Option<Vec<i64>>,
    /// Tags (replacing the old ones).
    pub tag_ids: Option<Vec<i64>>,
    /// Workflow status.
    pub status: Option<ArticleStatus>,
    /// Publication time, or `null`.
    #[serde(default, deserialize_with = "crate::body::present")]
    #[schema(value_type = Option<DateTime<Utc>>)]
    pub published_at: Option<Option<DateTime<Utc>>>,
    /// Featured on the front page.
    pub featured: Option<bool>,
    /// Whether readers may comment.
    pub comments_enabled: Option<bool>,
    /// Source name, or `null`.
    #[serde(default, deserialize_with = "crate::body::present")]
    #[schema(value_type = Option<String>)]
    pub source_name: Option<Option<String>>,
    /// Source URL, or `null`.
    #[serde(default, deserialize_with = "crate::body::present")]
    #[schema(value_type = Option<String>)]
    pub source_url: Option<Option<String>>,
    /// Cover image, or `null`.
    #[serde(default, deserialize_with = "crate::body::present")]
    #[schema(value_type = Option<i64>)]
    pub cover_media_id: Option<Option<i64>>,
    /// The source locale.
    pub source_locale: Option<String>,
    /// Corrections (replacing the old ones).
    pub corrections: Option<Vec<CorrectionInput>>,
}

/// One translation as editors see it.
#[derive(Debug, Serialize, ToSchema)]
pub struct AdminTranslation {
    /// Title.
    pub title: String,
    /// Slug.
    pub slug: String,
    /// Summary.
    pub summary: Option<String>,
    /// Sanitised HTML body.
    pub body: String,
    /// SEO title.
    pub seo_title: Option<String>,
    /// SEO description.
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
}

/// An article as editors see it.
#[derive(Debug, Serialize, ToSchema)]
pub struct AdminArticle {
    /// Id.
    pub id: i64,
    /// Workflow status.
    pub status: ArticleStatus,
    /// Whether it is published with a future `published_at`.
    pub scheduled: bool,
    /// Publication time (UTC).
    pub published_at: Option<DateTime<Utc>>,
    /// Category.
    pub category_id: i64,
    /// Bylines, in order.
    pub author_ids: Vec<i64>,
    /// Tags.
    pub tag_ids: Vec<i64>,
    /// Featured on the front page.
    pub featured: bool,
    /// Whether readers may comment.
    pub comments_enabled: bool,
    /// Source name.
    pub source_name: Option<String>,
    /// Source URL.
    pub source_url: Option<String>,
    /// Cover image.
    pub cover_media_id: Option<i64>,
    /// The locale written first.
    pub source_locale: String,
    /// The account that created it.
    pub created_by: Option<i64>,
    /// Edit version of the locale-independent part; send it in `If-Match` on PATCH.
    pub version: i64,
    /// Corrections.
    pub corrections: Vec<Correction>,
    /// Translations by locale code.
    pub translations: BTreeMap<String, AdminTranslation>,
    /// Creation time (UTC).
    pub created_at: DateTime<Utc>,
    /// Last change (UTC).
    pub updated_at: DateTime<Utc>,
}

/// A correction.
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
    /// Locale.
    pub locale: String,
    /// The translation version it was.
    pub translation_version: i64,
    /// Its title.
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
    /// Locale.
    pub locale: String,
    /// The translation version it was.
    pub translation_version: i64,
    /// Title.
    pub title: String,
    /// Slug.
    pub slug: String,
    /// Summary.
    pub summary: Option<String>,
    /// Body.
    pub body: String,
    /// SEO title.
    pub seo_title: Option<String>,
    /// SEO description.
    pub seo_description: Option<String>,
    /// Translation status.
    pub status: TranslationStatus,
    /// The account whose save replaced it.
    pub saved_by: Option<i64>,
    /// When it was replaced (UTC).
    pub created_at: DateTime<Utc>,
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
