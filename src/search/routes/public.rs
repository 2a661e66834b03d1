//! `/api/v1/search`: full-text search of what the public may see, ranked by relevance, and
//! `/api/v1/search/suggest`: titles while typing. Both are cached like lists (any content
//! write purges them).

use std::sync::Arc;

use actix_web::{HttpRequest, HttpResponse, get, web};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::app::AppState;
use crate::articles::store::read_model::Section;
use crate::categories::model::resolve_in;
use crate::db::{self, Paged};
use crate::delivery::locale::choose_locale;
use crate::delivery::{cached_json_in, link_pages};
use crate::error::ApiError;
use crate::openapi::{InvalidParameters, NotModified};
use crate::pagination::{Page, PageMeta};
use crate::search::model::{Analyser, Kind, Prefix, Query, SearchHit, Suggestion, snippet};
use crate::search::store::{self, Search};
use crate::urls::SiteUrls;

/// The longest query, in characters.
const MAX_QUERY_CHARS: usize = 200;

/// Suggestions at most.
const SUGGESTIONS: i64 = 8;

/// What to search, where, and which page.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct SearchQuery {
    /// What to look for, 1 to 200 characters: words (all required; found in any form of
    /// the word, accents and case aside), `"a phrase"`, `-excluded`, `or` between
    /// alternatives.
    #[param(min_length = 1, max_length = 200, pattern = r"\S")]
    pub q: String,
    /// Locale whose texts to search (a site locale); else `Accept-Language`, else the site
    /// default.
    pub locale: Option<String>,
    /// What to find, comma-separated: `articles`, `pages`, `tags`, `authors` (default all).
    #[serde(rename = "type")]
    #[param(
        rename = "type",
        pattern = "^(articles|pages|tags|authors)(,(articles|pages|tags|authors))*$"
    )]
    pub kinds: Option<String>,
    /// Only articles in this category or below it (id or slug in any locale).
    pub category: Option<String>,
    /// Page, from 1 to 100000.
    #[param(minimum = 1, maximum = 100000)]
    pub page: Option<u32>,
    /// Items per page, 1 to 100 (default 20).
    #[param(minimum = 1, maximum = 100)]
    pub per_page: Option<u32>,
}

/// A page of search results.
#[derive(Debug, Serialize, ToSchema)]
pub struct SearchResults {
    /// Results, most relevant first.
    pub data: Vec<SearchHit>,
    /// Where this page stands; `total` counts every result.
    pub meta: PageMeta,
}

/// What was typed so far.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct SuggestQuery {
    /// The words typed, 1 to 200 characters; each matches the start of a word of a title.
    #[param(min_length = 1, max_length = 200, pattern = r"\S")]
    pub q: String,
    /// Locale of the titles (a site locale); else `Accept-Language`, else the site default.
    pub locale: Option<String>,
}

/// Titles to offer.
#[derive(Debug, Serialize, ToSchema)]
pub struct Suggestions {
    /// At most 8: tags and authors first, then the newest articles and pages.
    pub data: Vec<Suggestion>,
}

/// The query text checked (422 when blank or too long), trimmed.
fn checked_text(q: &str) -> Result<&str, ApiError> {
    if q.chars().count() > MAX_QUERY_CHARS {
        return Err(ApiError::invalid(
            "q",
            format!("must have at most {MAX_QUERY_CHARS} characters"),
        ));
    }
    let q = q.trim();
    if q.is_empty() {
        return Err(ApiError::invalid("q", "must not be blank"));
    }
    Ok(q)
}

/// The kinds a `type` filter names: 422 for an unknown one.
fn kinds_of(filter: Option<&str>) -> Result<Vec<Kind>, ApiError> {
    let Some(filter) = filter else {
        return Ok(Kind::ALL.to_vec());
    };
    let mut kinds = Vec::new();
    for name in filter.split(',') {
        let kind = Kind::from_plural(name).ok_or_else(|| {
            ApiError::invalid(
                "type",
                format!("`{name}` is not one of articles, pages, tags, authors"),
            )
        })?;
        if !kinds.contains(&kind) {
            kinds.push(kind);
        }
    }
    Ok(kinds)
}

/// The canonical URL of a found entry.
fn url_of(
    urls: &SiteUrls,
    kind: Kind,
    locale: &str,
    slug: &str,
    id: i64,
    card: Option<&str>,
    page_key: Option<&str>,
) -> Option<String> {
    #[derive(Deserialize)]
    struct Card {
        url: String,
    }
    match kind {
        Kind::Article => card
            .and_then(|card| serde_json::from_str::<Card>(card).ok())
            .map(|card| card.url),
        Kind::Page => Some(urls.page(locale, slug, id, page_key)),
        Kind::Tag => Some(urls.tag(locale, slug, id)),
        Kind::Author => Some(urls.author(locale, slug, id)),
    }
}

/// Search articles, pages, tags and authors in one locale, most relevant first.
///
/// Words are matched in any form their language gives them ("seçimlerde" finds "seçimler",
/// "élection" finds "élections"), without regard to accents or case ("reforme" finds
/// "réforme", "DIŞ POLİTİKA" finds "dış politika"). The title weighs most, then the summary,
/// then the body. Only what the public may see is found: a draft never, an article only in
/// the locales it is published in.
#[utoipa::path(
    tag = "search",
    params(SearchQuery),
    responses(
        (status = 200, description = "A page of results.", body = SearchResults,
         headers(("ETag" = String, description = "Strong validator."),
                 ("Link" = String, description = "`next` and `prev` pages."),
                 ("Content-Language" = String, description = "The locale searched."))),
        NotModified,
        InvalidParameters,
    )
)]
#[get("/search")]
pub async fn search(
    request: HttpRequest,
    state: web::Data<AppState>,
    query: web::Query<SearchQuery>,
) -> Result<HttpResponse, ApiError> {
    let query = query.into_inner();
    let page = Page::new(query.page, query.per_page)?;
    let text = checked_text(&query.q)?.to_owned();
    let kinds = kinds_of(query.kinds.as_deref())?;
    let choice = choose_locale(&state, &request, query.locale.as_deref(), None).await?;
    let section = match &query.category {
        Some(key) => {
            let tree = state.category_tree().await?;
            let id = resolve_in(&tree.rows, &tree.translations, key).ok_or_else(|| {
                ApiError::invalid("category", format!("names no category: `{key}`"))
            })?;
            Some(Section::Category(id).columns())
        }
        None => None,
    };
    // A category holds articles only.
    let kinds: Vec<Kind> = match section {
        Some(_) => kinds.into_iter().filter(|k| *k == Kind::Article).collect(),
        None => kinds,
    };
    let locale = choice.requested.clone();
    let parsed = Query::parse(&text, &Analyser::for_locale(&locale));
    let (data, total) = if parsed.is_empty() || kinds.is_empty() {
        (Vec::new(), 0)
    } else {
        let urls = Arc::clone(&state.settings.urls);
        state
            .db
            .run(move |conn| {
                let Paged { rows, total } = store::search(
                    conn,
                    &Search {
                        locale: &locale,
                        query: &parsed,
                        kinds: &kinds,
                        section,
                        now: db::now(),
                        offset: page.offset(),
                        limit: page.limit(),
                    },
                )?;
                // Snippets stem the texts found: built here, off the server's threads.
                let analyser = Analyser::for_locale(&locale);
                let found = parsed.found_terms();
                let data: Vec<SearchHit> = rows
                    .into_iter()
                    .filter_map(|hit| {
                        let kind = Kind::from_stored(&hit.kind)?;
                        let text = if hit.content.trim().is_empty() {
                            hit.summary.as_deref().unwrap_or_default()
                        } else {
                            &hit.content
                        };
                        Some(SearchHit {
                            kind,
                            id: hit.subject_id,
                            url: url_of(
                                &urls,
                                kind,
                                &locale,
                                &hit.slug,
                                hit.subject_id,
                                hit.card.as_deref(),
                                hit.page_key.as_deref(),
                            ),
                            snippet: snippet(text, &found, &analyser),
                            locale: locale.clone(),
                            slug: hit.slug,
                            title: hit.title,
                            published_at: hit.published_at.map(|t| t.and_utc()),
                        })
                    })
                    .collect();
                Ok((data, total))
            })
            .await?
    };
    let meta = page.meta(total);
    let mut response = cached_json_in(
        &request,
        state.settings.http.cache_max_age,
        &SearchResults {
            data,
            meta: meta.clone(),
        },
        Some(&choice.requested),
    )?;
    link_pages(&mut response, &request, &meta);
    Ok(response)
}

/// Up to 8 titles whose words start with the words typed, for as-you-type suggestions.
///
/// Every word typed must begin a word of the title (`dış pol` offers "Dış politika…"),
/// accents and case aside. Only what the public may see is offered.
#[utoipa::path(
    tag = "search",
    params(SuggestQuery),
    responses(
        (status = 200, description = "The suggestions.", body = Suggestions,
         headers(("ETag" = String, description = "Strong validator."),
                 ("Content-Language" = String, description = "The locale searched."))),
        NotModified,
        InvalidParameters,
    )
)]
#[get("/search/suggest")]
pub async fn suggest(
    request: HttpRequest,
    state: web::Data<AppState>,
    query: web::Query<SuggestQuery>,
) -> Result<HttpResponse, ApiError> {
    let query = query.into_inner();
    let prefix = Prefix::parse(checked_text(&query.q)?);
    let choice = choose_locale(&state, &request, query.locale.as_deref(), None).await?;
    let locale = choice.requested.clone();
    let rows = if prefix.words.is_empty() {
        Vec::new()
    } else {
        let locale = locale.clone();
        state
            .db
            .run(move |conn| {
                Ok(store::suggest(
                    conn,
                    &locale,
                    &prefix,
                    db::now(),
                    SUGGESTIONS,
                )?)
            })
            .await?
    };
    let urls = &state.settings.urls;
    let data = rows
        .into_iter()
        .filter_map(|row| {
            let kind = Kind::from_stored(&row.kind)?;
            Some(Suggestion {
                kind,
                id: row.subject_id,
                url: url_of(
                    urls,
                    kind,
                    &locale,
                    &row.slug,
                    row.subject_id,
                    row.card.as_deref(),
                    row.page_key.as_deref(),
                ),
                title: row.title,
                slug: row.slug,
            })
        })
        .collect();
    cached_json_in(
        &request,
        state.settings.http.cache_max_age,
        &Suggestions { data },
        Some(&choice.requested),
    )
}
