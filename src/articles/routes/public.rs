//! Public article reads: lists with filters and sorts, one article by id or slug, related
//! articles and the monthly archive. Only published articles whose time has come, in published
//! translations, exist here. A page costs a fixed number of queries whatever its length.

use std::collections::HashMap;

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, get, web};
use chrono::{DateTime, Datelike, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::app::AppState;
use crate::articles::model::public::{
    Archive, ArchiveMonth, ArticleResponse, ArticleSummary, PublicCorrection, Reference, Related,
    RelatedList, SiteData, SummaryRows,
};
use crate::articles::model::{ArticleRow, ArticleSort};
use crate::articles::store::{self, delivery};
use crate::authors::store as authors;
use crate::comments::store as comments;
use crate::db::{DbConnection, Paged};
use crate::delivery::cache::{SURROGATE_KEY, article_read_tags};
use crate::delivery::locale::{LocaleQuery, choose_locale};
use crate::delivery::{cached_json_in, link_pages};
use crate::error::{ApiError, Problem};
use crate::locales::model::LocaleChoice;
use crate::openapi::{InvalidParameters, NotModified, UnknownLocale};
use crate::pagination::{Page, PageMeta};
use crate::reactions::store as reactions;
use crate::tags::store as tags;

/// A page of articles.
#[derive(Debug, Serialize, ToSchema)]
pub struct ArticleList {
    /// The articles.
    pub data: Vec<ArticleSummary>,
    /// Where this page stands.
    pub meta: PageMeta,
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
    /// Page, from 1 to 100000.
    #[param(minimum = 1, maximum = 100000)]
    pub page: Option<u32>,
    /// Items per page, 1 to 100 (default 20).
    #[param(minimum = 1, maximum = 100)]
    pub per_page: Option<u32>,
}

/// Most sections one call may ask for.
const MAX_SECTIONS: usize = 12;

/// The categories of a front page and how many articles each shows.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct SectionsQuery {
    /// Category ids or slugs, comma-separated, 1 to 12; each section includes its
    /// sub-categories, in the order given.
    #[param(example = "orta-asya,saglik,ekonomi")]
    pub categories: String,
    /// Articles per section, 1 to 20 (default 4).
    #[param(minimum = 1, maximum = 20)]
    pub per_section: Option<u32>,
    /// Locale to serve (a site locale); else `Accept-Language`, else the site default.
    pub locale: Option<String>,
    /// `false` shows only articles published in the locale.
    pub fallback: Option<bool>,
}

/// One category's newest articles.
#[derive(Debug, Serialize, ToSchema)]
pub struct Section {
    /// The category, named in the served locale.
    pub category: Reference,
    /// Its newest published articles (sub-categories included), newest first.
    pub articles: Vec<ArticleSummary>,
}

/// A front page's sections.
#[derive(Debug, Serialize, ToSchema)]
pub struct SectionList {
    /// One section per requested category, in the order asked.
    pub data: Vec<Section>,
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
    #[param(minimum = 1, maximum = 20)]
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

/// The newest articles of several categories in one call, as a front page shows them: one
/// section per category, in the order asked. Cached like every public read.
#[utoipa::path(
    tag = "articles",
    params(SectionsQuery),
    responses(
        (status = 200, description = "The sections.", body = SectionList,
         headers(("ETag" = String, description = "Strong validator."),
                 ("Content-Language" = String, description = "The requested locale."))),
        NotModified,
        InvalidParameters,
    )
)]
#[get("/articles/sections")]
pub async fn article_sections(
    request: HttpRequest,
    state: web::Data<AppState>,
    query: web::Query<SectionsQuery>,
) -> Result<HttpResponse, ApiError> {
    let query = query.into_inner();
    let per_section = match query.per_section {
        None => 4,
        Some(n @ 1..=20) => i64::from(n),
        Some(_) => return Err(ApiError::invalid("per_section", "must be 1 to 20")),
    };
    let keys: Vec<&str> = query.categories.split(',').map(str::trim).collect();
    if keys.iter().any(|key| key.is_empty()) || keys.len() > MAX_SECTIONS {
        return Err(ApiError::invalid(
            "categories",
            format!("must name 1 to {MAX_SECTIONS} categories, comma-separated"),
        ));
    }
    let choice = choose_locale(&state, &request, query.locale.as_deref(), query.fallback).await?;
    let site = site_data(&state).await?;
    let mut sections = Vec::with_capacity(keys.len());
    for key in keys {
        sections.push(site.category_and_below(key, "categories")?);
    }
    let loader_choice = choice.clone();
    let data = state
        .db
        .run(move |conn| {
            let only = loader_choice.only();
            let mut rows_by_section = Vec::with_capacity(sections.len());
            for (id, below) in &sections {
                let rows = delivery::newest_in(conn, below, only, per_section)?;
                rows_by_section.push((*id, rows));
            }
            let all: Vec<ArticleRow> = rows_by_section
                .iter()
                .flat_map(|(_, rows)| rows.iter().cloned())
                .collect();
            let related = load_related(conn, &all, &site)?;
            Ok(rows_by_section
                .into_iter()
                .map(|(id, rows)| Section {
                    category: site.category_reference(id, &loader_choice),
                    articles: related.summaries(&rows, &loader_choice),
                })
                .collect())
        })
        .await?;
    cached_json_in(
        &request,
        state.settings.http.cache_max_age,
        &SectionList { data },
        Some(&choice.requested),
    )
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
        NotModified,
        InvalidParameters,
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
    let choice = choose_locale(&state, &request, query.locale.as_deref(), query.fallback).await?;
    let loader_choice = choice.clone();
    let site = site_data(&state).await?;
    let (data, total) = state
        .db
        .run(move |conn| {
            let filter = list_filter(conn, &query, &loader_choice, &site)?;
            let sort = query.sort.unwrap_or_default();
            let Paged { rows, total } =
                delivery::page(conn, &filter, sort, page.offset(), page.limit())?;
            let related = load_related(conn, &rows, &site)?;
            Ok((related.summaries(&rows, &loader_choice), total))
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
                 ("Content-Language" = String, description = "The served locale."),
                 ("Content-Location" = String, description = "The canonical path, when the key was an id, an old slug or another locale's slug."))),
        NotModified,
        (status = 404, description = "No such published article (in the locale, with `fallback=false`).", body = Problem, content_type = "application/problem+json"),
        UnknownLocale,
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
    let asked = key.clone();
    let choice = choose_locale(&state, &request, query.locale.as_deref(), query.fallback).await?;
    let loader_choice = choice.clone();
    let site = site_data(&state).await?;
    let detail = state
        .db
        .run(move |conn| {
            let row = delivery::visible_by_key(conn, &key)?;
            let related = load_related(conn, std::slice::from_ref(&row), &site)?;
            let corrections = store::corrections_of(conn, &[row.id])?
                .into_iter()
                .map(|c| PublicCorrection {
                    at: c.at.and_utc(),
                    note: c.note,
                })
                .collect();
            related
                .detail(row, &loader_choice, &site, corrections)
                .ok_or_else(ApiError::not_found)
        })
        .await?;
    let locale = detail.summary.locale.clone();
    let summary = &detail.summary;
    let tags = article_read_tags(
        summary.id,
        summary
            .category
            .path
            .iter()
            .flatten()
            .map(|c| c.id)
            .chain([summary.category.id]),
        summary.tags.iter().map(|t| t.id),
        summary.authors.iter().map(|a| a.id),
    );
    let canonical = (asked != detail.canonical_slug)
        .then(|| format!("/api/v1/articles/{}", detail.canonical_slug));
    let mut response = cached_json_in(
        &request,
        state.settings.http.cache_max_age,
        &ArticleResponse { data: detail },
        Some(&locale),
    )?;
    // Purged with what it shows, not with every list.
    if let Ok(tags) = header::HeaderValue::from_str(&tags) {
        response.headers_mut().insert(SURROGATE_KEY, tags);
    }
    if let Some(canonical) = canonical
        && let Ok(value) = header::HeaderValue::from_str(&canonical)
    {
        response
            .headers_mut()
            .insert(header::CONTENT_LOCATION, value);
    }
    Ok(response)
}

/// Articles related to one: the same category and shared tags, most shared tags first.
#[utoipa::path(
    tag = "articles",
    params(("key" = String, Path, description = "Id, or slug in any locale."), RelatedQuery),
    responses(
        (status = 200, description = "Related articles.", body = RelatedList,
         headers(("ETag" = String, description = "Strong validator."))),
        NotModified,
        (status = 404, description = "No such published article.", body = Problem, content_type = "application/problem+json"),
        InvalidParameters,
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
    let choice = choose_locale(&state, &request, query.locale.as_deref(), query.fallback).await?;
    let loader_choice = choice.clone();
    let site = site_data(&state).await?;
    let data = state
        .db
        .run(move |conn| {
            let row = delivery::visible_by_key(conn, &key)?;
            let only = loader_choice.only();
            let rows = delivery::related(conn, &row, only, limit as usize)?;
            let related = load_related(conn, &rows, &site)?;
            Ok(related.summaries(&rows, &loader_choice))
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
        NotModified,
        InvalidParameters,
    )
)]
#[get("/archive")]
pub async fn archive(
    request: HttpRequest,
    state: web::Data<AppState>,
    query: web::Query<ArchiveQuery>,
) -> Result<HttpResponse, ApiError> {
    let query = query.into_inner();
    let choice = choose_locale(&state, &request, query.locale.as_deref(), query.fallback).await?;
    let only = choice.only().map(str::to_owned);
    let in_categories = match &query.category {
        Some(key) => Some(site_data(&state).await?.category_ids(key)?),
        None => None,
    };
    let times = state
        .db
        .run(move |conn| {
            Ok(delivery::published_times(
                conn,
                only.as_deref(),
                in_categories,
            )?)
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

/// What article reads take from memory rather than the database: the active reaction kinds
/// and the category tree with its names (both emptied by admin writes).
async fn site_data(state: &AppState) -> Result<SiteData, ApiError> {
    Ok(SiteData {
        kinds: state.active_kinds().await?,
        categories: state.category_tree().await?,
    })
}

/// Everything the summaries of `rows` show, in five queries whatever their number.
fn load_related(
    conn: &mut DbConnection,
    rows: &[ArticleRow],
    site: &SiteData,
) -> Result<Related, ApiError> {
    let ids: Vec<i64> = rows.iter().map(|r| r.id).collect();
    let loaded = SummaryRows {
        translations: store::published_translations_of(conn, &ids)?,
        bylines: delivery::bylines_of(conn, &ids)?,
        tags: delivery::tag_names_of(conn, &ids)?,
        reactions: reactions::tallies(conn, &site.kinds, &ids)?,
        comments: comments::public_counts(conn, &ids)?,
    };
    Ok(Related::new(rows, site, loaded))
}

/// The list's filters with their keys resolved: 422 for a key that names nothing.
fn list_filter(
    conn: &mut DbConnection,
    query: &ArticleListQuery,
    choice: &LocaleChoice,
    site: &SiteData,
) -> Result<delivery::ListFilter, ApiError> {
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
            authors::resolve_key(conn, key)?
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
    Ok(delivery::ListFilter {
        requested_locale: choice.requested.clone(),
        only_locale: choice.only().map(str::to_owned),
        categories,
        tag,
        author,
        text,
        published_after: query.published_after.map(|t| t.naive_utc()),
        published_before: query.published_before.map(|t| t.naive_utc()),
        featured: query.featured,
    })
}
