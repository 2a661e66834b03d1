//! Public article reads: lists with filters and sorts, one article by id or slug, related
//! articles and the monthly archive. Only published articles whose time has come, in published
//! translations, exist here. A page costs a fixed number of queries whatever its length.

use std::collections::HashMap;
use std::sync::Arc;

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, get, web};
use chrono::{DateTime, Datelike, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::app::AppState;
use crate::articles::model::ArticleSort;
use crate::articles::model::public::{
    Archive, ArchiveMonth, ArticleResponse, ArticleSummary, Reference, RelatedList, SiteData,
};
use crate::articles::read_model;
use crate::articles::store::lists::{self, After, CardRow};
use crate::articles::store::read_model as views;
use crate::authors::store as authors;
use crate::db::DbConnection;
use crate::delivery::cache::SURROGATE_KEY;
use crate::delivery::locale::{LocaleQuery, choose_locale};
use crate::delivery::{cached_body_in, cached_json_in, link_pages};
use crate::error::{ApiError, Problem};
use crate::locales::model::LocaleChoice;
use crate::openapi::{InvalidParameters, NotModified, UnknownLocale};
use crate::pagination::{self, Page};
use crate::reads::flush::READS_TAG;
use crate::reads::model::Window;
use crate::tags::store as tags;

/// A page of articles.
#[derive(Debug, Serialize, ToSchema)]
pub struct ArticleList {
    /// The articles.
    pub data: Vec<ArticleSummary>,
    /// Where this page stands.
    pub meta: ArticleListMeta,
}

/// Where a page of articles stands.
#[derive(Debug, Serialize, ToSchema)]
pub struct ArticleListMeta {
    /// This page, from 1; `null` on a page reached by `cursor`.
    pub page: Option<u32>,
    /// Items per page.
    pub per_page: u32,
    /// Articles in all pages; `null` with `count=false`.
    pub total: Option<i64>,
    /// Number of pages; `null` with `count=false`.
    pub total_pages: Option<i64>,
    /// Pass as `cursor` for the next page (also in the `Link` header); `null` on the last.
    pub next_cursor: Option<String>,
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
    /// Only articles with (or only without) a photo gallery.
    pub has_gallery: Option<bool>,
    /// `-published_at` (default), `published_at`, `title`, `-updated_at`, or `popular` (most
    /// read in `window` first; only articles read in it).
    #[param(value_type = Option<String>)]
    pub sort: Option<ArticleSort>,
    /// With `sort=popular`: `24h` (default), `7d` or `30d` back from now, in whole hours.
    #[param(inline)]
    pub window: Option<Window>,
    /// Page, from 1 to 100000.
    #[param(minimum = 1, maximum = 100000)]
    pub page: Option<u32>,
    /// Items per page, 1 to 100 (default 20).
    #[param(minimum = 1, maximum = 100)]
    pub per_page: Option<u32>,
    /// Where to start: `meta.next_cursor` of the page before (keyset pagination: steady
    /// under new articles and as fast at any depth). Not with `page`.
    #[param(max_length = 1000)]
    pub cursor: Option<String>,
    /// `false` skips counting `meta.total` and `meta.total_pages` (they are `null`).
    pub count: Option<bool>,
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
    let (locale, only) = (choice.requested.clone(), !choice.fallback);
    let cards = state
        .db
        .run(move |conn| {
            let mut cards = Vec::with_capacity(sections.len());
            for (id, _) in &sections {
                cards.push((
                    *id,
                    lists::newest_in(conn, *id, &locale, only, per_section)?,
                ));
            }
            Ok(cards)
        })
        .await?;
    let mut body = String::from("{\"data\":[");
    for (n, (id, rows)) in cards.iter().enumerate() {
        let category = serde_json::to_string(&site.category_reference(*id, &choice))
            .map_err(|error| ApiError::Internal(error.to_string()))?;
        if n > 0 {
            body.push(',');
        }
        body.push_str(&format!("{{\"category\":{category},\"articles\":"));
        body.push_str(&read_model::cards_json(
            rows.iter()
                .map(|(card, counters)| (card.card.as_str(), Some(counters))),
            &site.kinds,
        ));
        body.push('}');
    }
    body.push_str("]}");
    Ok(cached_body_in(
        &request,
        state.settings.http.cache_max_age,
        body.into_bytes(),
        Some(&choice.requested),
    ))
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
    let sort = query.sort.unwrap_or_default();
    let after =
        match &query.cursor {
            Some(_) if query.page.is_some() => {
                return Err(ApiError::invalid("cursor", "can't be given with `page`"));
            }
            Some(cursor) => Some(read_cursor(sort, cursor).ok_or_else(|| {
                ApiError::invalid("cursor", "is not a cursor of this list's sort")
            })?),
            None => None,
        };
    let popular = match (sort, query.window) {
        (ArticleSort::Popular, window) => Some(window.unwrap_or_default().since(crate::db::now())),
        (_, Some(_)) => return Err(ApiError::invalid("window", "goes with `sort=popular`")),
        (_, None) => None,
    };
    if popular.is_some() && query.cursor.is_some() {
        return Err(ApiError::invalid(
            "cursor",
            "is not a cursor of this list's sort",
        ));
    }
    let counting = query.count.unwrap_or(true);
    let choice = choose_locale(&state, &request, query.locale.as_deref(), query.fallback).await?;
    let loader_choice = choice.clone();
    let site = site_data(&state).await?;
    let kinds = site.kinds.clone();
    let (mut rows, total) = state
        .db
        .run(move |conn| {
            let filter = list_filter(conn, &query, &loader_choice, &site)?;
            let offset = if after.is_some() { 0 } else { page.offset() };
            // One more than the page, to know whether there is a next one.
            if let Some(since) = popular {
                let (rows, total) =
                    lists::popular_page(conn, &filter, since, offset, page.limit() + 1)?;
                return Ok((rows, counting.then_some(total)));
            }
            let rows = lists::cards_page(
                conn,
                &filter,
                sort,
                after.as_ref(),
                offset,
                page.limit() + 1,
            )?;
            let total = if counting {
                Some(lists::count(conn, &filter)?)
            } else {
                None
            };
            Ok((rows, total))
        })
        .await?;
    let more = rows.len() > page.limit() as usize;
    rows.truncate(page.limit() as usize);
    let next_cursor = rows
        .last()
        .filter(|_| more && popular.is_none())
        .map(|(last, _)| write_cursor(sort, last));
    let by_page = query_is_paged(&request);
    let meta = ArticleListMeta {
        page: by_page.then_some(page.page),
        per_page: page.per_page,
        total,
        total_pages: total.map(|total| page.meta(total).total_pages),
        next_cursor: next_cursor.clone(),
    };
    let meta_json =
        serde_json::to_string(&meta).map_err(|error| ApiError::Internal(error.to_string()))?;
    let body = format!(
        "{{\"data\":{},\"meta\":{meta_json}}}",
        read_model::cards_json(
            rows.iter()
                .map(|(card, counters)| (card.card.as_str(), Some(counters))),
            &kinds,
        )
    );
    let mut response = cached_body_in(
        &request,
        state.settings.http.cache_max_age,
        body.into_bytes(),
        Some(&choice.requested),
    );
    // Most-read lists go stale as reads are written, besides with every list.
    if popular.is_some() {
        let tags = format!("{} {}", crate::delivery::cache::LISTS_TAG, READS_TAG);
        if let Ok(tags) = header::HeaderValue::from_str(&tags) {
            response.headers_mut().insert(SURROGATE_KEY, tags);
        }
    }
    match (by_page || popular.is_some(), total) {
        (true, Some(total)) => link_pages(&mut response, &request, &page.meta(total)),
        _ => {
            if let Some(cursor) = &next_cursor
                && let Ok(value) = header::HeaderValue::from_str(&format!(
                    "<{}>; rel=\"next\"",
                    pagination::cursor_url(&request, cursor)
                ))
            {
                response.headers_mut().insert(header::LINK, value);
            }
        }
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
    let kinds = state.active_kinds().await?;
    let (view, counters) = state
        .db
        .run(move |conn| read_model::served(conn, &key, &choice)?.ok_or_else(ApiError::not_found))
        .await?;
    let body = format!(
        "{{\"data\":{}}}",
        read_model::with_counters(&view.document, Some(&counters), &kinds)
    );
    let mut response = cached_body_in(
        &request,
        state.settings.http.cache_max_age,
        body.into_bytes(),
        Some(&view.served_locale),
    );
    // Purged with what it shows, not with every list.
    if let Ok(tags) = header::HeaderValue::from_str(&view.surrogate_keys) {
        response.headers_mut().insert(SURROGATE_KEY, tags);
    }
    if asked != view.slug
        && let Ok(value) = header::HeaderValue::from_str(&format!("/api/v1/articles/{}", view.slug))
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
    let kinds = state.active_kinds().await?;
    let any_locale = LocaleChoice {
        fallback: true,
        ..choice.clone()
    };
    let only = !choice.fallback;
    let (ids, cards, counters) = state
        .db
        .run(move |conn| {
            let (view, _) =
                read_model::served(conn, &key, &any_locale)?.ok_or_else(ApiError::not_found)?;
            let ids = read_model::related(conn, &view, only, limit as usize)?;
            let cards = views::cards_of(conn, &ids, &view.locale, only)?;
            let counters = views::counters_of(conn, &ids)?;
            Ok((ids, cards, counters))
        })
        .await?;
    let body = format!(
        "{{\"data\":{}}}",
        read_model::cards_json(
            ids.iter()
                .filter_map(|id| Some((cards.get(id)?.as_str(), counters.get(id)))),
            &kinds,
        )
    );
    Ok(cached_body_in(
        &request,
        state.settings.http.cache_max_age,
        body.into_bytes(),
        Some(&choice.requested),
    ))
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
    let (locale, only) = (choice.requested.clone(), !choice.fallback);
    let in_categories = match &query.category {
        Some(key) => Some(site_data(&state).await?.category_ids(key)?),
        None => None,
    };
    let times = state
        .db
        .run(move |conn| Ok(views::published_times(conn, &locale, only, in_categories)?))
        .await?;
    let mut months: HashMap<(i32, u32), i64> = HashMap::new();
    for time in times {
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
        urls: Arc::clone(&state.settings.urls),
    })
}

/// The list's filters with their keys resolved: 422 for a key that names nothing.
fn list_filter(
    conn: &mut DbConnection,
    query: &ArticleListQuery,
    choice: &LocaleChoice,
    site: &SiteData,
) -> Result<lists::ListFilter, ApiError> {
    let (category, categories) = match &query.category {
        Some(key) => {
            let (id, below) = site.category_and_below(key, "category")?;
            (Some(id), Some(below))
        }
        None => (None, None),
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
    Ok(lists::ListFilter {
        requested_locale: choice.requested.clone(),
        only_requested: !choice.fallback,
        category,
        categories,
        tag,
        author,
        text,
        published_after: query.published_after.map(|t| t.naive_utc()),
        published_before: query.published_before.map(|t| t.naive_utc()),
        featured: query.featured,
        has_gallery: query.has_gallery,
    })
}

/// Whether the list was asked for by `page` (or by nothing), not by `cursor`.
fn query_is_paged(request: &HttpRequest) -> bool {
    !request
        .query_string()
        .split('&')
        .any(|pair| pair.starts_with("cursor="))
}

/// The `cursor` that continues a list in `sort` after `last`.
fn write_cursor(sort: ArticleSort, last: &CardRow) -> String {
    let value = match sort {
        ArticleSort::Title => last.title.clone(),
        ArticleSort::RecentlyUpdated => last.updated_at.format(CURSOR_TIME).to_string(),
        _ => last.published_at.format(CURSOR_TIME).to_string(),
    };
    pagination::Cursor::encode(&[sort_name(sort), &last.article_id.to_string(), &value])
}

/// The keyset position a `cursor` names, if it was made for `sort`.
fn read_cursor(sort: ArticleSort, cursor: &str) -> Option<After> {
    let parts = pagination::Cursor::decode(cursor, 3)?;
    let [name, id, value] = <[String; 3]>::try_from(parts).ok()?;
    if name != sort_name(sort) {
        return None;
    }
    let id: i64 = id.parse().ok()?;
    Some(match sort {
        ArticleSort::Title => After::Title(value, id),
        _ => After::Time(
            chrono::NaiveDateTime::parse_from_str(&value, CURSOR_TIME).ok()?,
            id,
        ),
    })
}

/// Times in cursors, to the microsecond.
const CURSOR_TIME: &str = "%Y-%m-%dT%H:%M:%S%.6f";

fn sort_name(sort: ArticleSort) -> &'static str {
    match sort {
        ArticleSort::NewestFirst => "n",
        ArticleSort::OldestFirst => "o",
        ArticleSort::Title => "t",
        ArticleSort::RecentlyUpdated => "u",
        ArticleSort::Popular => "p",
    }
}
