//! Public article reads: lists with filters and sorts, one article by id or slug, related
//! articles and the monthly archive. Only published articles whose time has come, in published
//! translations, exist here. A page costs a fixed number of queries whatever its length.

use std::collections::HashMap;

use actix_web::{HttpRequest, HttpResponse, get, web};
use chrono::{DateTime, Datelike, Utc};
use diesel::prelude::*;
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};

use crate::app::AppState;
use crate::articles::model::ArticleRow;
use crate::articles::public::{
    Archive, ArchiveMonth, ArticleList, ArticleResponse, RelatedList, SiteData, detail, summaries,
};
use crate::articles::store;
use crate::articles::visibility::{PUBLISHED, visible};
use crate::db::schema::{article_authors, article_tags, article_translations, articles};
use crate::db::{DbConnection, MultiBackend};
use crate::delivery::locale::{LocaleChoice, LocaleQuery};
use crate::delivery::{cached_json_in, link_pages};
use crate::error::{ApiError, Problem};
use crate::pagination::Page;
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
    #[param(minimum = 1)]
    pub page: Option<u32>,
    /// Items per page, 1 to 100 (default 20).
    #[param(minimum = 1, maximum = 100)]
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
    let choice =
        LocaleChoice::for_request(&state, &request, query.locale.as_deref(), query.fallback)
            .await?;
    let loader_choice = choice.clone();
    let site = SiteData::load(&state).await?;
    let (data, total) = state
        .db
        .run(move |conn| {
            let filter = ListFilter::resolve(conn, &query, &site)?;
            let (rows, total) = page_of(
                conn,
                &filter,
                &loader_choice,
                query.sort.unwrap_or_default(),
                page,
            )?;
            Ok((summaries(conn, &rows, &loader_choice, &site)?, total))
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
    link_pages(&mut response, &request, &meta);
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
    let choice =
        LocaleChoice::for_request(&state, &request, query.locale.as_deref(), query.fallback)
            .await?;
    let loader_choice = choice.clone();
    let site = SiteData::load(&state).await?;
    let detail = state
        .db
        .run(move |conn| {
            let row = visible_by_key(conn, &key)?;
            detail(conn, row, &loader_choice, &site)?.ok_or_else(ApiError::not_found)
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
    let choice =
        LocaleChoice::for_request(&state, &request, query.locale.as_deref(), query.fallback)
            .await?;
    let loader_choice = choice.clone();
    let site = SiteData::load(&state).await?;
    let data = state
        .db
        .run(move |conn| {
            let row = visible_by_key(conn, &key)?;
            let rows = related(conn, &row, &loader_choice, limit as usize)?;
            summaries(conn, &rows, &loader_choice, &site)
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
    let choice =
        LocaleChoice::for_request(&state, &request, query.locale.as_deref(), query.fallback)
            .await?;
    let only = (!choice.fallback).then(|| choice.requested.clone());
    let in_categories = match &query.category {
        Some(key) => Some(SiteData::load(&state).await?.category_ids(key)?),
        None => None,
    };
    let times: Vec<Option<chrono::NaiveDateTime>> = state
        .db
        .run(move |conn| {
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
    fn resolve(
        conn: &mut DbConnection,
        query: &ArticleListQuery,
        site: &SiteData,
    ) -> Result<Self, ApiError> {
        let categories = match &query.category {
            Some(key) => Some(site.category_ids(key)?),
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
        .map(|q| format!("%{}%", crate::db::escape_like(q)));
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

/// The visible article an id or slug (current or old, any locale) names; 404 otherwise (a key
/// with control characters, which no slug has, included).
pub(crate) fn visible_by_key(conn: &mut DbConnection, key: &str) -> Result<ArticleRow, ApiError> {
    let id = match key.parse::<i64>() {
        Ok(id) => Some(id),
        Err(_) if key.chars().any(char::is_control) => None,
        Err(_) => store::by_slug(conn, key)?,
    }
    .ok_or_else(ApiError::not_found)?;
    visible_by_id(conn, id)
}

/// The visible article with this id; 404 otherwise.
pub(crate) fn visible_by_id(conn: &mut DbConnection, id: i64) -> Result<ArticleRow, ApiError> {
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
