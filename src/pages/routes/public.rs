//! `/api/v1/pages`: published pages in the negotiated locale, as articles are served: the same
//! locale choice and fallback, `translations` with their URLs for hreflang, ETags and the
//! response cache.

use actix_web::http::header::HeaderValue;
use actix_web::{HttpRequest, HttpResponse, get, web};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::app::AppState;
use crate::db::{self, Paged};
use crate::delivery::cache::{LISTS_TAG, SURROGATE_KEY};
use crate::delivery::locale::{LocaleQuery, choose_locale};
use crate::delivery::{cached_json_in, link_pages};
use crate::error::{ApiError, Problem};
use crate::openapi::{InvalidParameters, NotModified, UnknownLocale};
use crate::pages::model::*;
use crate::pages::store;
use crate::pagination::{Page, PageMeta};

/// Locale, parent and page of the public page list.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct PagesQuery {
    /// Locale to serve (a site locale); else `Accept-Language`, else the site default.
    pub locale: Option<String>,
    /// `false` lists only pages published in the locale.
    pub fallback: Option<bool>,
    /// Only the sub-pages of this page (id, key or slug).
    pub parent: Option<String>,
    /// Page, from 1 to 100000.
    #[param(minimum = 1, maximum = 100000)]
    pub page: Option<u32>,
    /// Items per page, 1 to 100 (default 20).
    #[param(minimum = 1, maximum = 100)]
    pub per_page: Option<u32>,
}

/// A page of public pages.
#[derive(Debug, Serialize, ToSchema)]
pub struct PageList {
    /// Pages, in their order (position, then creation).
    pub data: Vec<PageSummary>,
    /// Where this page stands.
    pub meta: PageMeta,
}

/// One public page.
#[derive(Debug, Serialize, ToSchema)]
pub struct PageResponse {
    /// The page.
    pub data: PublicPage,
}

/// List published pages in the negotiated locale.
#[utoipa::path(
    tag = "pages",
    params(PagesQuery),
    responses(
        (status = 200, description = "A page of pages.", body = PageList,
         headers(("ETag" = String, description = "Strong validator."),
                 ("Link" = String, description = "`next` and `prev` pages."),
                 ("Content-Language" = String, description = "The requested locale."))),
        NotModified,
        (status = 404, description = "`parent` names no published page.", body = Problem, content_type = "application/problem+json"),
        InvalidParameters,
    )
)]
#[get("/pages")]
pub async fn list_pages(
    request: HttpRequest,
    state: web::Data<AppState>,
    query: web::Query<PagesQuery>,
) -> Result<HttpResponse, ApiError> {
    let query = query.into_inner();
    let page = Page::new(query.page, query.per_page)?;
    let choice = choose_locale(&state, &request, query.locale.as_deref(), query.fallback).await?;
    let (locale, only) = (choice.requested.clone(), choice.only().map(str::to_owned));
    let parent = query.parent;
    let (rows, translations, shown_parents, total) = state
        .db
        .run(move |conn| {
            let parent = match parent {
                Some(key) => {
                    Some(store::resolve_key(conn, &key, &locale)?.ok_or_else(ApiError::not_found)?)
                }
                None => None,
            };
            let Paged { rows, total } =
                store::published_page(conn, parent, only.as_deref(), page.offset(), page.limit())?;
            let ids: Vec<i64> = rows.iter().map(|r| r.id).collect();
            let parents: Vec<i64> = rows.iter().filter_map(|r| r.parent_id).collect();
            let shown_parents: Vec<i64> = store::by_ids(conn, &parents)?
                .into_iter()
                .filter(|p| p.status() == PageStatus::Published)
                .map(|p| p.id)
                .collect();
            let translations = store::published_translations_of(conn, &ids)?;
            Ok((rows, translations, shown_parents, total))
        })
        .await?;
    let translations = db::group_by(translations, |t| t.page_id);
    let urls = &state.settings.urls;
    let data = rows
        .iter()
        .filter_map(|row| {
            let (mut summary, _) =
                PageSummary::new(row, translations.get(&row.id)?, &choice, urls)?;
            summary.hide_parent_unless(&shown_parents);
            Some(summary)
        })
        .collect();
    let meta = page.meta(total);
    let mut response = cached_json_in(
        &request,
        state.settings.http.cache_max_age,
        &PageList {
            data,
            meta: meta.clone(),
        },
        Some(&choice.requested),
    )?;
    link_pages(&mut response, &request, &meta);
    Ok(response)
}

/// One published page, by key (`imprint`), id, or slug in any locale, with its parent and
/// sub-pages as links.
#[utoipa::path(
    tag = "pages",
    params(("key" = String, Path, description = "Key, id, or slug in any locale."), LocaleQuery),
    responses(
        (status = 200, description = "The page.", body = PageResponse,
         headers(("ETag" = String, description = "Strong validator."),
                 ("Content-Language" = String, description = "The served locale."))),
        NotModified,
        (status = 404, description = "No such published page, or none in the locale with `fallback=false`.", body = Problem, content_type = "application/problem+json"),
        UnknownLocale,
    )
)]
#[get("/pages/{key}")]
pub async fn get_page(
    request: HttpRequest,
    state: web::Data<AppState>,
    key: web::Path<String>,
    query: web::Query<LocaleQuery>,
) -> Result<HttpResponse, ApiError> {
    let key = key.into_inner();
    let choice = choose_locale(&state, &request, query.locale.as_deref(), query.fallback).await?;
    let locale = choice.requested.clone();
    let parts = state
        .db
        .run(move |conn| {
            let id = store::resolve_key(conn, &key, &locale)?.ok_or_else(ApiError::not_found)?;
            let own = store::published_translations_of(conn, &[id])?;
            Ok(store::parts(conn, id, own)?)
        })
        .await?;
    let page = parts
        .public(&choice, &state.settings.urls)
        .ok_or_else(ApiError::not_found)?;
    let shown: Vec<String> = parts
        .tags()
        .into_iter()
        .chain([LISTS_TAG.to_owned()])
        .collect();
    let served = page.summary.locale.clone();
    let mut response = cached_json_in(
        &request,
        state.settings.http.cache_max_age,
        &PageResponse { data: page },
        Some(&served),
    )?;
    // Purged with the pages it links and the pictures it shows, and when pages come or go.
    if let Ok(tags) = HeaderValue::from_str(&shown.join(" ")) {
        response.headers_mut().insert(SURROGATE_KEY, tags);
    }
    Ok(response)
}
