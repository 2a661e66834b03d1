//! The public shape of articles (summaries, full articles, lists) and how it is assembled for a
//! page of rows in a fixed number of queries, in the negotiated locale.

use std::collections::HashMap;
use std::sync::Arc;

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use serde::Serialize;
use utoipa::ToSchema;

use crate::app::AppState;
use crate::articles::model::{ArticleRow, TranslationRow};
use crate::articles::store;
use crate::categories::model::{
    AllCategories, CategoryLink, parent_map, path_to_root, resolve_in, with_descendants,
};
use crate::comments::store as comments;
use crate::db::schema::{article_authors, article_tags, authors, tag_translations};
use crate::db::{self, DbConnection};
use crate::delivery::locale::LocaleChoice;
use crate::error::ApiError;
use crate::pagination::PageMeta;
use crate::reactions::model::{KindRow, ReactionCounts};
use crate::reactions::store as reactions;

/// A category, author or tag named by an article.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Reference {
    /// Id.
    pub id: i64,
    /// Slug in the served locale.
    pub slug: String,
    /// Name in the served locale.
    pub name: String,
}

/// An article's category; `path` is the breadcrumb from the root (on single articles).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ArticleCategory {
    /// Id.
    pub id: i64,
    /// Slug in the served locale.
    pub slug: String,
    /// Name in the served locale.
    pub name: String,
    /// Breadcrumb from the root down to this category.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub path: Option<Vec<CategoryLink>>,
}

/// An article's title and slug in one locale, for hreflang alternates.
#[derive(Debug, Serialize, ToSchema)]
pub struct Alternate {
    /// Locale code.
    pub locale: String,
    /// Slug in that locale.
    pub slug: String,
    /// Title in that locale.
    pub title: String,
}

/// The cover image of an article.
#[derive(Debug, Serialize, ToSchema)]
pub struct Cover {
    /// Media id.
    pub media_id: i64,
}

/// An article in a list.
#[derive(Debug, Serialize, ToSchema)]
pub struct ArticleSummary {
    /// Id.
    pub id: i64,
    /// The locale served.
    pub locale: String,
    /// The locale asked for.
    pub requested_locale: String,
    /// Whether `locale` is not the requested one.
    pub fallback: bool,
    /// Slug in `locale`.
    pub slug: String,
    /// Title.
    pub title: String,
    /// Summary.
    pub summary: Option<String>,
    /// Publication time (UTC).
    pub published_at: Option<DateTime<Utc>>,
    /// Last change of this translation (UTC).
    pub updated_at: DateTime<Utc>,
    /// Category.
    pub category: ArticleCategory,
    /// Bylines, in order.
    pub authors: Vec<Reference>,
    /// Tags.
    pub tags: Vec<Reference>,
    /// Cover image.
    pub cover: Option<Cover>,
    /// Featured on the front page.
    pub featured: bool,
    /// Minutes to read.
    pub reading_time_minutes: i32,
    /// Every published translation, for hreflang alternates.
    pub translations: Vec<Alternate>,
    /// Count of every active reaction kind, by key. On cached reads it may be up to
    /// `CACHE_MAX_AGE` seconds old; `GET /articles/{key}/reactions` is always exact.
    #[schema(example = json!({"love": 3, "applause": 1, "funny": 0, "amazing": 0, "sad": 0, "angry": 0}))]
    pub reaction_counts: ReactionCounts,
    /// Public comments (approved, not deleted). On cached reads it may be up to
    /// `CACHE_MAX_AGE` seconds old; `GET /articles/{key}/comments` is current.
    pub comment_count: i64,
}

/// Where an article comes from.
#[derive(Debug, Serialize, ToSchema)]
pub struct Source {
    /// Source name.
    pub name: Option<String>,
    /// Source URL.
    pub url: Option<String>,
}

/// A published correction.
#[derive(Debug, Serialize, ToSchema)]
pub struct PublicCorrection {
    /// When (UTC).
    pub at: DateTime<Utc>,
    /// What was corrected.
    pub note: String,
}

/// One article.
#[derive(Debug, Serialize, ToSchema)]
pub struct ArticleDetail {
    /// Everything a list shows.
    #[serde(flatten)]
    pub summary: ArticleSummary,
    /// Sanitised HTML body.
    pub body: String,
    /// Title for search engines.
    pub seo_title: Option<String>,
    /// Description for search engines.
    pub seo_description: Option<String>,
    /// Where it comes from.
    pub source: Source,
    /// Corrections, oldest first.
    pub corrections: Vec<PublicCorrection>,
    /// Whether readers may comment.
    pub comments_enabled: bool,
}

/// A page of articles.
#[derive(Debug, Serialize, ToSchema)]
pub struct ArticleList {
    /// The articles.
    pub data: Vec<ArticleSummary>,
    /// Where this page stands.
    pub meta: PageMeta,
}

/// Related articles.
#[derive(Debug, Serialize, ToSchema)]
pub struct RelatedList {
    /// Most related first.
    pub data: Vec<ArticleSummary>,
}

/// One article.
#[derive(Debug, Serialize, ToSchema)]
pub struct ArticleResponse {
    /// The article.
    pub data: ArticleDetail,
}

/// Published articles in one month.
#[derive(Debug, Serialize, ToSchema)]
pub struct ArchiveMonth {
    /// Year.
    pub year: i32,
    /// Month, 1 to 12.
    pub month: u32,
    /// Articles published that month.
    pub count: i64,
}

/// The archive.
#[derive(Debug, Serialize, ToSchema)]
pub struct Archive {
    /// Months with articles, newest first.
    pub data: Vec<ArchiveMonth>,
}

/// What article reads take from memory rather than the database: the active reaction kinds
/// and the category tree with its names (both emptied by admin writes).
pub(crate) struct SiteData {
    kinds: Arc<Vec<KindRow>>,
    categories: Arc<AllCategories>,
}

impl SiteData {
    /// The site data, from memory when fresh.
    pub(crate) async fn load(state: &AppState) -> Result<Self, ApiError> {
        Ok(Self {
            kinds: state.active_kinds().await?,
            categories: state.category_tree().await?,
        })
    }

    /// The category a list's `category` key names and all below it; 422 when it names none.
    pub(crate) fn category_ids(&self, key: &str) -> Result<Vec<i64>, ApiError> {
        let AllCategories { rows, translations } = &*self.categories;
        let id = resolve_in(rows, translations, key)
            .ok_or_else(|| ApiError::invalid("category", "names no category"))?;
        Ok(with_descendants(rows, id))
    }
}

/// Everything summaries show about `rows`, loaded in five queries whatever their number.
pub(crate) struct Related {
    translations: HashMap<i64, Vec<TranslationRow>>,
    authors: HashMap<i64, Vec<Reference>>,
    tags: HashMap<i64, Vec<(i64, String, String, String)>>,
    categories: HashMap<i64, Vec<(String, String, String)>>,
    reactions: HashMap<i64, ReactionCounts>,
    comments: HashMap<i64, i64>,
}

impl Related {
    fn load(
        conn: &mut DbConnection,
        rows: &[ArticleRow],
        site: &SiteData,
    ) -> Result<Self, ApiError> {
        let ids: Vec<i64> = rows.iter().map(|r| r.id).collect();
        let translations = db::group_by(store::published_translations_of(conn, &ids)?, |t| {
            t.article_id
        });
        let mut authors: HashMap<i64, Vec<Reference>> = HashMap::new();
        let bylines: Vec<(i64, i64, String, String)> = article_authors::table
            .inner_join(authors::table)
            .filter(article_authors::article_id.eq_any(&ids))
            .order((
                article_authors::article_id.asc(),
                article_authors::position.asc(),
            ))
            .select((
                article_authors::article_id,
                authors::id,
                authors::slug,
                authors::name,
            ))
            .load(conn)?;
        for (article, id, slug, name) in bylines {
            authors
                .entry(article)
                .or_default()
                .push(Reference { id, slug, name });
        }
        let mut tags: HashMap<i64, Vec<(i64, String, String, String)>> = HashMap::new();
        let tag_rows: Vec<(i64, i64, String, String, String)> = article_tags::table
            .inner_join(
                tag_translations::table.on(tag_translations::tag_id.eq(article_tags::tag_id)),
            )
            .filter(article_tags::article_id.eq_any(&ids))
            .order((article_tags::article_id.asc(), article_tags::tag_id.asc()))
            .select((
                article_tags::article_id,
                article_tags::tag_id,
                tag_translations::locale,
                tag_translations::slug,
                tag_translations::name,
            ))
            .load(conn)?;
        for (article, tag, locale, slug, name) in tag_rows {
            tags.entry(article)
                .or_default()
                .push((tag, locale, slug, name));
        }
        let category_ids: Vec<i64> = rows.iter().map(|r| r.category_id).collect();
        let mut categories: HashMap<i64, Vec<(String, String, String)>> = HashMap::new();
        for name in site
            .categories
            .translations
            .iter()
            .filter(|n| category_ids.contains(&n.category_id))
        {
            categories.entry(name.category_id).or_default().push((
                name.locale.clone(),
                name.slug.clone(),
                name.name.clone(),
            ));
        }
        Ok(Self {
            translations,
            authors,
            tags,
            categories,
            reactions: reactions::tallies(conn, &site.kinds, &ids)?,
            comments: comments::public_counts(conn, &ids)?,
        })
    }

    fn summary(
        &self,
        row: &ArticleRow,
        choice: &LocaleChoice,
    ) -> Option<(ArticleSummary, &TranslationRow)> {
        let translations = self.translations.get(&row.id)?;
        let (translation, picked) = choice.pick_in(translations, |t| &t.locale)?;
        let in_locale = |locales: &[&str]| {
            choice
                .pick(|locale| locales.contains(&locale))
                .map(|p| p.locale)
        };
        let category = self.categories.get(&row.category_id).and_then(|names| {
            let available: Vec<&str> = names.iter().map(|(l, _, _)| l.as_str()).collect();
            let locale =
                in_locale(&available).or_else(|| available.first().map(|l| (*l).to_owned()))?;
            names.iter().find(|(l, _, _)| *l == locale)
        });
        let mut tags: Vec<Reference> = Vec::new();
        if let Some(all) = self.tags.get(&row.id) {
            let mut ids: Vec<i64> = all.iter().map(|(id, ..)| *id).collect();
            ids.dedup();
            for id in ids {
                let names: Vec<&(i64, String, String, String)> =
                    all.iter().filter(|t| t.0 == id).collect();
                let available: Vec<&str> = names.iter().map(|t| t.1.as_str()).collect();
                let locale =
                    in_locale(&available).or_else(|| available.first().map(|l| (*l).to_owned()));
                if let Some(tag) = locale.and_then(|locale| names.iter().find(|t| t.1 == locale)) {
                    tags.push(Reference {
                        id,
                        slug: tag.2.clone(),
                        name: tag.3.clone(),
                    });
                }
            }
        }
        let mut alternates: Vec<Alternate> = translations
            .iter()
            .map(|t| Alternate {
                locale: t.locale.clone(),
                slug: t.slug.clone(),
                title: t.title.clone(),
            })
            .collect();
        alternates.sort_by_key(|a| choice.order.iter().position(|l| *l == a.locale));
        let summary = ArticleSummary {
            id: row.id,
            locale: picked.locale.clone(),
            requested_locale: choice.requested.clone(),
            fallback: picked.fallback,
            slug: translation.slug.clone(),
            title: translation.title.clone(),
            summary: translation.summary.clone(),
            published_at: row.published_at.map(|t| t.and_utc()),
            updated_at: translation.updated_at.and_utc(),
            category: ArticleCategory {
                id: row.category_id,
                slug: category.map(|c| c.1.clone()).unwrap_or_default(),
                name: category.map(|c| c.2.clone()).unwrap_or_default(),
                path: None,
            },
            authors: self.authors.get(&row.id).cloned().unwrap_or_default(),
            tags,
            cover: row.cover_media_id.map(|media_id| Cover { media_id }),
            featured: row.featured,
            reading_time_minutes: translation.reading_time_minutes,
            translations: alternates,
            reaction_counts: self.reactions.get(&row.id).cloned().unwrap_or_default(),
            comment_count: self.comments.get(&row.id).copied().unwrap_or(0),
        };
        Some((summary, translation))
    }
}

/// Summaries of `rows`, in their order, in the negotiated locale.
pub(crate) fn summaries(
    conn: &mut DbConnection,
    rows: &[ArticleRow],
    choice: &LocaleChoice,
    site: &SiteData,
) -> Result<Vec<ArticleSummary>, ApiError> {
    let related = Related::load(conn, rows, site)?;
    Ok(rows
        .iter()
        .filter_map(|row| related.summary(row, choice).map(|(summary, _)| summary))
        .collect())
}

/// The full article in the negotiated locale; `None` when it has no translation to serve.
pub(crate) fn detail(
    conn: &mut DbConnection,
    row: ArticleRow,
    choice: &LocaleChoice,
    site: &SiteData,
) -> Result<Option<ArticleDetail>, ApiError> {
    let related = Related::load(conn, std::slice::from_ref(&row), site)?;
    let Some((mut summary, translation)) = related.summary(&row, choice) else {
        return Ok(None);
    };
    let AllCategories {
        rows: all,
        translations: names,
    } = &*site.categories;
    let parents = parent_map(all.iter().map(|c| (c.id, c.parent_id)));
    let path = path_to_root(&parents, row.category_id)
        .iter()
        .rev()
        .filter_map(|id| {
            let available: Vec<&str> = names
                .iter()
                .filter(|n| n.category_id == *id)
                .map(|n| n.locale.as_str())
                .collect();
            let picked = choice
                .pick(|l| available.contains(&l))
                .map(|p| p.locale)
                .or_else(|| available.first().map(|l| (*l).to_owned()))?;
            let name = names
                .iter()
                .find(|n| n.category_id == *id && n.locale == picked)?;
            Some(CategoryLink {
                id: *id,
                slug: name.slug.clone(),
                name: name.name.clone(),
            })
        })
        .collect();
    summary.category.path = Some(path);
    let corrections = store::corrections_of(conn, &[row.id])?
        .into_iter()
        .map(|(_, at, note)| PublicCorrection {
            at: at.and_utc(),
            note,
        })
        .collect();
    Ok(Some(ArticleDetail {
        body: translation.body.clone(),
        seo_title: translation.seo_title.clone(),
        seo_description: translation.seo_description.clone(),
        summary,
        source: Source {
            name: row.source_name,
            url: row.source_url,
        },
        corrections,
        comments_enabled: row.comments_enabled,
    }))
}
