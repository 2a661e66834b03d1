//! Public article reads: lists with filters and sorts, one article by id or slug, related
//! articles and the monthly archive. Only published articles whose time has come, in published
//! translations, exist here. A page costs a fixed number of queries whatever its length.

use std::collections::HashMap;

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, get, web};
use chrono::{DateTime, Datelike, Utc};
use diesel::prelude::*;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::articles::model::{ArticleRow, TranslationRow};
use crate::articles::store;
use crate::articles::visibility::{PUBLISHED, visible};
use crate::categories::model::CategoryLink;
use crate::categories::store as categories;
use crate::db::schema::{
    article_authors, article_tags, article_translations, articles, authors, category_translations,
    tag_translations,
};
use crate::db::{DbConnection, MultiBackend};
use crate::delivery::cached_json_in;
use crate::delivery::locale::{LocaleChoice, LocaleQuery};
use crate::error::{ApiError, Problem};
use crate::locales::store as locales;
use crate::pagination::{Page, PageMeta};
use crate::startup::AppState;
use crate::tags::store as tags;

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
}

/// Filters, sort and page of the public article list.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ArticleListQuery {
    /// Locale to serve (a site locale); else `Accept-Language`, else the site default.
    pub locale: Option<String>,
    /// `false` lists only articles published in the locale.
    pub fallback: Option<bool>,
    /// Category id or slug; includes its sub-categories.
    pub category: Option<String>,
    /// Tag id or slug.
    pub tag: Option<String>,
    /// Author id or slug.
    pub author: Option<String>,
    /// Text in the title, summary or body (accent- and case-insensitive, Turkish aware).
    pub q: Option<String>,
    /// Only published at or after this time (RFC 3339).
    pub published_after: Option<DateTime<Utc>>,
    /// Only published at or before this time (RFC 3339).
    pub published_before: Option<DateTime<Utc>>,
    /// Only featured (or only not featured) articles.
    pub featured: Option<bool>,
    /// `-published_at` (default), `published_at`, `title` or `-updated_at`.
    #[param(value_type = Option<String>)]
    pub sort: Option<ArticleSort>,
    /// Page, from 1.
    pub page: Option<u32>,
    /// Items per page, 1 to 100 (default 20).
    pub per_page: Option<u32>,
}

/// Parameters of related articles.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct RelatedQuery {
    /// Locale to serve.
    pub locale: Option<String>,
    /// `false` keeps to the locale.
    pub fallback: Option<bool>,
    /// How many, 1 to 20 (default 5).
    pub limit: Option<u32>,
}

/// Parameters of the archive.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ArchiveQuery {
    /// Locale counted.
    pub locale: Option<String>,
    /// `false` counts only articles published in the locale.
    pub fallback: Option<bool>,
    /// Category id or slug; includes its sub-categories.
    pub category: Option<String>,
}

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

/// List published articles.
#[utoipa::path(
    tag = "articles",
    params(ArticleListQuery),
    responses(
        (status = 200, description = "A page of articles.", body = ArticleList,
         headers(("ETag" = String, description = "Strong validator."),
                 ("Link" = String, description = "`next` and `prev` pages."),
                 ("Content-Language" = String, description = "The requested locale."))),
        (status = 304, description = "`If-None-Match` names the current ETag."),
        (status = 422, description = "Invalid parameters.", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/articles")]
pub async fn list_articles(
    request: HttpRequest,
    state: web::Data<AppState>,
    query: web::Query<ArticleListQuery>,
) -> Result<HttpResponse, ApiError> {
    let query = query.into_inner();
    let page = Page::new(query.page, query.per_page)?;
    let locale_rows = state.db.run(|conn| Ok(locales::list(conn)?)).await?;
    let choice = LocaleChoice::negotiate(
        &request,
        &locale_rows,
        query.locale.as_deref(),
        query.fallback,
    )?;
    let loader_choice = choice.clone();
    let (data, total) = state
        .db
        .run(move |conn| {
            let filter = ListFilter::resolve(conn, &query)?;
            let (rows, total) = page_of(
                conn,
                &filter,
                &loader_choice,
                query.sort.unwrap_or_default(),
                page,
            )?;
            Ok((summaries(conn, &rows, &loader_choice)?, total))
        })
        .await?;
    let meta = page.meta(total);
    let body = ArticleList {
        data,
        meta: meta.clone(),
    };
    let mut response = cached_json_in(
        &request,
        state.settings.http.cache_max_age,
        &body,
        Some(&choice.requested),
    )?;
    if let Some(link) = meta.link_header(&request)
        && let Ok(value) = header::HeaderValue::from_str(&link)
    {
        response.headers_mut().insert(header::LINK, value);
    }
    Ok(response)
}

/// One published article, by id or by slug (current or old) in any locale.
///
/// Served in the negotiated locale, or in the fallback chain's next locale (`fallback: true`);
/// `fallback=false` answers 404 instead.
#[utoipa::path(
    tag = "articles",
    params(("key" = String, Path, description = "Id, or slug in any locale."), LocaleQuery),
    responses(
        (status = 200, description = "The article.", body = ArticleResponse,
         headers(("ETag" = String, description = "Strong validator."),
                 ("Content-Language" = String, description = "The served locale."))),
        (status = 304, description = "`If-None-Match` names the current ETag."),
        (status = 404, description = "No such published article (in the locale, with `fallback=false`).", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Unknown locale.", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/articles/{key}")]
pub async fn get_article(
    request: HttpRequest,
    state: web::Data<AppState>,
    key: web::Path<String>,
    query: web::Query<LocaleQuery>,
) -> Result<HttpResponse, ApiError> {
    let key = key.into_inner();
    let locale_rows = state.db.run(|conn| Ok(locales::list(conn)?)).await?;
    let choice = LocaleChoice::negotiate(
        &request,
        &locale_rows,
        query.locale.as_deref(),
        query.fallback,
    )?;
    let loader_choice = choice.clone();
    let detail = state
        .db
        .run(move |conn| {
            let row = visible_by_key(conn, &key)?;
            detail(conn, row, &loader_choice)?.ok_or_else(ApiError::not_found)
        })
        .await?;
    let locale = detail.summary.locale.clone();
    cached_json_in(
        &request,
        state.settings.http.cache_max_age,
        &ArticleResponse { data: detail },
        Some(&locale),
    )
}

/// Articles related to one: the same category and shared tags, most shared tags first.
#[utoipa::path(
    tag = "articles",
    params(("key" = String, Path, description = "Id, or slug in any locale."), RelatedQuery),
    responses(
        (status = 200, description = "Related articles.", body = RelatedList,
         headers(("ETag" = String, description = "Strong validator."))),
        (status = 304, description = "`If-None-Match` names the current ETag."),
        (status = 404, description = "No such published article.", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid parameters.", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/articles/{key}/related")]
pub async fn related_articles(
    request: HttpRequest,
    state: web::Data<AppState>,
    key: web::Path<String>,
    query: web::Query<RelatedQuery>,
) -> Result<HttpResponse, ApiError> {
    let key = key.into_inner();
    let query = query.into_inner();
    let limit = query.limit.unwrap_or(5);
    if !(1..=20).contains(&limit) {
        return Err(ApiError::invalid("limit", "must be from 1 to 20"));
    }
    let locale_rows = state.db.run(|conn| Ok(locales::list(conn)?)).await?;
    let choice = LocaleChoice::negotiate(
        &request,
        &locale_rows,
        query.locale.as_deref(),
        query.fallback,
    )?;
    let loader_choice = choice.clone();
    let data = state
        .db
        .run(move |conn| {
            let row = visible_by_key(conn, &key)?;
            let rows = related(conn, &row, &loader_choice, limit as usize)?;
            summaries(conn, &rows, &loader_choice)
        })
        .await?;
    cached_json_in(
        &request,
        state.settings.http.cache_max_age,
        &RelatedList { data },
        Some(&choice.requested),
    )
}

/// Published articles per month.
#[utoipa::path(
    tag = "articles",
    params(ArchiveQuery),
    responses(
        (status = 200, description = "Months with articles.", body = Archive,
         headers(("ETag" = String, description = "Strong validator."))),
        (status = 304, description = "`If-None-Match` names the current ETag."),
        (status = 422, description = "Invalid parameters.", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/archive")]
pub async fn archive(
    request: HttpRequest,
    state: web::Data<AppState>,
    query: web::Query<ArchiveQuery>,
) -> Result<HttpResponse, ApiError> {
    let query = query.into_inner();
    let locale_rows = state.db.run(|conn| Ok(locales::list(conn)?)).await?;
    let choice = LocaleChoice::negotiate(
        &request,
        &locale_rows,
        query.locale.as_deref(),
        query.fallback,
    )?;
    let only = (!choice.fallback).then(|| choice.requested.clone());
    let category = query.category.clone();
    let times: Vec<Option<chrono::NaiveDateTime>> = state
        .db
        .run(move |conn| {
            let in_categories = match &category {
                Some(key) => Some(category_ids(conn, key)?),
                None => None,
            };
            let mut query = visible(only.as_deref())
                .select(articles::published_at)
                .into_boxed::<MultiBackend>();
            if let Some(ids) = in_categories {
                query = query.filter(articles::category_id.eq_any(ids));
            }
            Ok(query.load(conn)?)
        })
        .await?;
    let mut months: HashMap<(i32, u32), i64> = HashMap::new();
    for time in times.into_iter().flatten() {
        *months.entry((time.year(), time.month())).or_default() += 1;
    }
    let mut data: Vec<ArchiveMonth> = months
        .into_iter()
        .map(|((year, month), count)| ArchiveMonth { year, month, count })
        .collect();
    data.sort_by_key(|m| std::cmp::Reverse((m.year, m.month)));
    cached_json_in(
        &request,
        state.settings.http.cache_max_age,
        &Archive { data },
        Some(&choice.requested),
    )
}

/// The list's filters, with keys resolved to ids.
struct ListFilter {
    categories: Option<Vec<i64>>,
    tag: Option<i64>,
    author: Option<i64>,
    query: Option<String>,
    published_after: Option<chrono::NaiveDateTime>,
    published_before: Option<chrono::NaiveDateTime>,
    featured: Option<bool>,
}

impl ListFilter {
    fn resolve(conn: &mut DbConnection, query: &ArticleListQuery) -> Result<Self, ApiError> {
        let categories = match &query.category {
            Some(key) => Some(category_ids(conn, key)?),
            None => None,
        };
        let tag = match &query.tag {
            Some(key) => Some(
                tags::resolve_key(conn, key)?
                    .ok_or_else(|| ApiError::invalid("tag", "names no tag"))?,
            ),
            None => None,
        };
        let author = match &query.author {
            Some(key) => Some(
                crate::authors::store::resolve_key(conn, key)?
                    .ok_or_else(|| ApiError::invalid("author", "names no author"))?,
            ),
            None => None,
        };
        let text = query
            .q
            .as_deref()
            .map(|q| crate::slug::fold(q.trim()))
            .filter(|q| !q.is_empty());
        if text.as_ref().is_some_and(|q| q.len() > 200) {
            return Err(ApiError::invalid("q", "must have at most 200 characters"));
        }
        Ok(Self {
            categories,
            tag,
            author,
            query: text,
            published_after: query.published_after.map(|t| t.naive_utc()),
            published_before: query.published_before.map(|t| t.naive_utc()),
            featured: query.featured,
        })
    }
}

/// The category a key names and all below it; 422 when it names none.
fn category_ids(conn: &mut DbConnection, key: &str) -> Result<Vec<i64>, ApiError> {
    let id = categories::resolve_key(conn, key)?
        .ok_or_else(|| ApiError::invalid("category", "names no category"))?;
    Ok(categories::with_descendants(conn, id)?)
}

/// One page of visible articles matching `filter`, and the total: two queries.
fn page_of(
    conn: &mut DbConnection,
    filter: &ListFilter,
    choice: &LocaleChoice,
    sort: ArticleSort,
    page: Page,
) -> Result<(Vec<ArticleRow>, i64), ApiError> {
    let only = (!choice.fallback).then_some(choice.requested.as_str());
    let pattern = filter
        .query
        .as_ref()
        .map(|q| format!("%{}%", crate::users::store::escape_like(q)));
    // The filters, on any query over `articles` (joined for sorting by title, or not).
    macro_rules! filtered {
        ($base:expr) => {{
            let mut query = $base.into_boxed::<MultiBackend>();
            if let Some(ids) = &filter.categories {
                query = query.filter(articles::category_id.eq_any(ids.clone()));
            }
            if let Some(tag) = filter.tag {
                query = query.filter(
                    articles::id.eq_any(
                        article_tags::table
                            .filter(article_tags::tag_id.eq(tag))
                            .select(article_tags::article_id),
                    ),
                );
            }
            if let Some(author) = filter.author {
                query = query.filter(
                    articles::id.eq_any(
                        article_authors::table
                            .filter(article_authors::author_id.eq(author))
                            .select(article_authors::article_id),
                    ),
                );
            }
            if let Some(pattern) = &pattern {
                query = query.filter(
                    articles::id.eq_any(
                        article_translations::table
                            .filter(article_translations::status.eq(PUBLISHED))
                            .filter(
                                article_translations::locale.like(only.unwrap_or("%").to_owned()),
                            )
                            .filter(
                                article_translations::search_text
                                    .like(pattern.clone())
                                    .escape('\\'),
                            )
                            .select(article_translations::article_id),
                    ),
                );
            }
            if let Some(after) = filter.published_after {
                query = query.filter(articles::published_at.ge(after));
            }
            if let Some(before) = filter.published_before {
                query = query.filter(articles::published_at.le(before));
            }
            if let Some(featured) = filter.featured {
                query = query.filter(articles::featured.eq(featured));
            }
            query
        }};
    }
    let total: i64 = filtered!(visible(only)).count().get_result(conn)?;
    let rows = match sort {
        ArticleSort::Title => {
            // Sorting by title joins the requested locale's translation; other sorts need not.
            let sort_translation = diesel::alias!(article_translations as sort_translation);
            filtered!(
                visible(only).left_join(
                    sort_translation.on(sort_translation
                        .field(article_translations::article_id)
                        .eq(articles::id)
                        .and(
                            sort_translation
                                .field(article_translations::locale)
                                .eq(choice.requested.clone())
                        )
                        .and(
                            sort_translation
                                .field(article_translations::status)
                                .eq(PUBLISHED)
                        )),
                )
            )
            .order((
                sort_translation.field(article_translations::title).asc(),
                articles::id.asc(),
            ))
            .select(ArticleRow::as_select())
            .offset(page.offset())
            .limit(page.limit())
            .load(conn)?
        }
        other => {
            let query = filtered!(visible(only));
            let ordered = match other {
                ArticleSort::OldestFirst => {
                    query.order((articles::published_at.asc(), articles::id.asc()))
                }
                ArticleSort::RecentlyUpdated => {
                    query.order((articles::updated_at.desc(), articles::id.desc()))
                }
                _ => query.order((articles::published_at.desc(), articles::id.desc())),
            };
            ordered
                .select(ArticleRow::as_select())
                .offset(page.offset())
                .limit(page.limit())
                .load(conn)?
        }
    };
    Ok((rows, total))
}

/// A visible article by id or slug (current or old, any locale); 404 otherwise.
fn visible_by_key(conn: &mut DbConnection, key: &str) -> Result<ArticleRow, ApiError> {
    let id = match key.parse::<i64>() {
        Ok(id) => Some(id),
        Err(_) => store::by_slug(conn, key)?,
    }
    .ok_or_else(ApiError::not_found)?;
    visible(None)
        .filter(articles::id.eq(id))
        .select(ArticleRow::as_select())
        .first(conn)
        .optional()?
        .ok_or_else(ApiError::not_found)
}

/// Visible articles sharing the category or tags of `article`, most related first.
fn related(
    conn: &mut DbConnection,
    article: &ArticleRow,
    choice: &LocaleChoice,
    limit: usize,
) -> Result<Vec<ArticleRow>, ApiError> {
    let own_tags: Vec<i64> = store::tags_of(conn, &[article.id])?
        .into_iter()
        .map(|(_, t)| t)
        .collect();
    let only = (!choice.fallback).then_some(choice.requested.as_str());
    let candidates: Vec<ArticleRow> = visible(only)
        .filter(articles::id.ne(article.id))
        .filter(
            articles::category_id
                .eq(article.category_id)
                .or(articles::id.eq_any(
                    article_tags::table
                        .filter(article_tags::tag_id.eq_any(own_tags.clone()))
                        .select(article_tags::article_id),
                )),
        )
        .select(ArticleRow::as_select())
        .order((articles::published_at.desc(), articles::id.desc()))
        .limit(200)
        .load(conn)?;
    let ids: Vec<i64> = candidates.iter().map(|c| c.id).collect();
    let mut shared: HashMap<i64, usize> = HashMap::new();
    for (id, tag) in store::tags_of(conn, &ids)? {
        if own_tags.contains(&tag) {
            *shared.entry(id).or_default() += 1;
        }
    }
    let mut scored: Vec<(usize, ArticleRow)> = candidates
        .into_iter()
        .map(|row| {
            let score = 2 * shared.get(&row.id).copied().unwrap_or(0)
                + usize::from(row.category_id == article.category_id);
            (score, row)
        })
        .collect();
    // A stable sort keeps the newest first among equals.
    scored.sort_by_key(|(score, _)| std::cmp::Reverse(*score));
    Ok(scored.into_iter().take(limit).map(|(_, row)| row).collect())
}

/// Everything summaries show about `rows`, loaded in four queries whatever their number.
struct Related {
    translations: HashMap<i64, Vec<TranslationRow>>,
    authors: HashMap<i64, Vec<Reference>>,
    tags: HashMap<i64, Vec<(i64, String, String, String)>>,
    categories: HashMap<i64, Vec<(String, String, String)>>,
}

impl Related {
    fn load(conn: &mut DbConnection, rows: &[ArticleRow]) -> Result<Self, ApiError> {
        let ids: Vec<i64> = rows.iter().map(|r| r.id).collect();
        let mut translations: HashMap<i64, Vec<TranslationRow>> = HashMap::new();
        for translation in store::published_translations_of(conn, &ids)? {
            translations
                .entry(translation.article_id)
                .or_default()
                .push(translation);
        }
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
        let category_rows: Vec<(i64, String, String, String)> = category_translations::table
            .filter(category_translations::category_id.eq_any(&category_ids))
            .select((
                category_translations::category_id,
                category_translations::locale,
                category_translations::slug,
                category_translations::name,
            ))
            .load(conn)?;
        for (category, locale, slug, name) in category_rows {
            categories
                .entry(category)
                .or_default()
                .push((locale, slug, name));
        }
        Ok(Self {
            translations,
            authors,
            tags,
            categories,
        })
    }

    fn summary(
        &self,
        row: &ArticleRow,
        choice: &LocaleChoice,
    ) -> Option<(ArticleSummary, &TranslationRow)> {
        let translations = self.translations.get(&row.id)?;
        let picked = choice.pick(|locale| translations.iter().any(|t| t.locale == locale))?;
        let translation = translations.iter().find(|t| t.locale == picked.locale)?;
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
        };
        Some((summary, translation))
    }
}

/// Summaries of `rows`, in their order, in the negotiated locale.
fn summaries(
    conn: &mut DbConnection,
    rows: &[ArticleRow],
    choice: &LocaleChoice,
) -> Result<Vec<ArticleSummary>, ApiError> {
    let related = Related::load(conn, rows)?;
    Ok(rows
        .iter()
        .filter_map(|row| related.summary(row, choice).map(|(summary, _)| summary))
        .collect())
}

/// The full article in the negotiated locale; `None` when it has no translation to serve.
fn detail(
    conn: &mut DbConnection,
    row: ArticleRow,
    choice: &LocaleChoice,
) -> Result<Option<ArticleDetail>, ApiError> {
    let related = Related::load(conn, std::slice::from_ref(&row))?;
    let Some((mut summary, translation)) = related.summary(&row, choice) else {
        return Ok(None);
    };
    let (all, names) = categories::load_all(conn)?;
    let parents: HashMap<i64, Option<i64>> = all.iter().map(|c| (c.id, c.parent_id)).collect();
    let mut chain = vec![row.category_id];
    while let Some(Some(parent)) = chain.last().and_then(|id| parents.get(id)) {
        if chain.contains(parent) {
            break;
        }
        chain.push(*parent);
    }
    let path = chain
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
