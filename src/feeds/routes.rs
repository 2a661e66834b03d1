//! `GET /feeds/{locale}/rss.xml`, `/atom.xml` and `/feed.json`.

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, get, web};
use serde::Deserialize;
use utoipa::IntoParams;

use crate::app::AppState;
use crate::articles::model::ArticleSort;
use crate::articles::store::lists::{self, ListFilter};
use crate::articles::store::read_model as views;
use crate::authors::store as authors;
use crate::categories::model::{resolve_in, with_descendants};
use crate::delivery::{cached_bytes, unchanged_since};
use crate::error::{ApiError, Problem};
use crate::feeds::model::{Feed, FeedItem, Format};
use crate::locales::model::{LocaleChoice, normalize_code};
use crate::openapi::{InvalidParameters, NotModified};
use crate::site::model::PublicSite;
use crate::site::store as site;
use crate::tags::store as tags;

/// What a feed may be narrowed to.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct FeedQuery {
    /// Only this category (id, or slug in any locale) and those below it.
    pub category: Option<String>,
    /// Only articles with this tag (id, or slug in any locale).
    pub tag: Option<String>,
    /// Only articles bylined to this author (id or slug).
    pub author: Option<String>,
}

/// The feed of `locale` as `query` narrows it: the newest `FEED_ITEMS` articles published in
/// that locale (never by a fallback). 404 for a locale, category, tag or author that isn't one.
async fn load(
    request: &HttpRequest,
    state: &AppState,
    locale: &str,
    query: FeedQuery,
) -> Result<Feed, ApiError> {
    let locales = state.site_locales().await?;
    let locale = normalize_code(locale)
        .filter(|code| locales.iter().any(|l| l.code == *code))
        .ok_or_else(ApiError::not_found)?;
    let (category, categories) = match &query.category {
        Some(key) => {
            let tree = state.category_tree().await?;
            let id =
                resolve_in(&tree.rows, &tree.translations, key).ok_or_else(ApiError::not_found)?;
            (Some(id), Some(with_descendants(&tree.rows, id)))
        }
        None => (None, None),
    };
    let settings = state.settings.feeds.clone();
    let requested = locale.clone();

    let (cards, bodies, settings_row, scope) = state
        .db
        .run(move |conn| {
            let resolve = |found: Option<i64>| found.ok_or_else(ApiError::not_found);
            let tag = match &query.tag {
                Some(key) => Some(resolve(tags::resolve_key(conn, key)?)?),
                None => None,
            };
            let author = match &query.author {
                Some(key) => Some(resolve(authors::resolve_key(conn, key)?)?),
                None => None,
            };
            let scope = [("category", category), ("tag", tag), ("author", author)]
                .into_iter()
                .filter_map(|(kind, id)| Some(format!("{kind}:{}", id?)))
                .collect::<Vec<_>>()
                .join(":");
            let filter = ListFilter {
                requested_locale: requested.clone(),
                only_requested: true,
                category,
                categories,
                tag,
                author,
                ..ListFilter::default()
            };
            let cards = lists::cards_page(
                conn,
                &filter,
                ArticleSort::NewestFirst,
                None,
                0,
                settings.items,
            )?;
            let bodies = if settings.full_content {
                let ids: Vec<i64> = cards.iter().map(|(card, _)| card.article_id).collect();
                views::documents_of(conn, &ids, &requested)?
            } else {
                Default::default()
            };
            Ok((cards, bodies, site::find(conn)?, scope))
        })
        .await?;
    let items = cards
        .into_iter()
        .filter_map(|(card, _)| {
            let mut item = FeedItem::from_card(&card.card)?;
            item.body = bodies.get(&card.article_id).and_then(|d| body_of(d));
            Some(item)
        })
        .collect();
    let choice = LocaleChoice::serving(&locale, &locales);
    let (row, translations) = settings_row;
    let frame = PublicSite::new(
        &row,
        &translations,
        &locales,
        &choice,
        None,
        &settings.api_url,
    );
    let home = state.settings.urls.site.clone();
    // The feed's own address from settings, never from the request's headers: the answer is
    // cached and shared, and a client's `Host` or `X-Forwarded-Host` must not end up in it.
    let query = request.query_string();
    let self_url = format!(
        "{}{}{}{query}",
        state.settings.feeds.api_url,
        request.path(),
        if query.is_empty() { "" } else { "?" },
    );
    let host = home
        .split_once("://")
        .map_or(home.as_str(), |(_, rest)| rest)
        .split(['/', ':'])
        .next()
        .unwrap_or_default();
    Ok(Feed {
        title: frame.name.unwrap_or_else(|| home.clone()),
        description: frame.description,
        self_url,
        id_prefix: format!("tag:{host},2026:"),
        scope,
        home,
        locale,
        items,
    })
}

/// The body in a stored article document.
fn body_of(document: &str) -> Option<String> {
    #[derive(Deserialize)]
    struct Body {
        body: String,
    }
    serde_json::from_str::<Body>(document).ok().map(|d| d.body)
}

/// The feed of `locale` as `query` narrows it, written in `format` as a cached public read,
/// with `Last-Modified` the feed's newest change.
async fn serve(
    request: &HttpRequest,
    state: &AppState,
    locale: &str,
    query: FeedQuery,
    format: Format,
) -> Result<HttpResponse, ApiError> {
    let feed = load(request, state, locale, query).await?;
    // The locale is in the path: the answer doesn't vary with `Accept-Language`.
    let mut response = cached_bytes(
        request,
        state.settings.http.cache_max_age,
        format.write(&feed).into_bytes(),
        None,
        format.content_type(),
    );
    let modified = feed
        .updated()
        .format("%a, %d %b %Y %H:%M:%S GMT")
        .to_string();
    // Without `If-None-Match` (answered above), `If-Modified-Since` decides.
    if response.status() == actix_web::http::StatusCode::OK
        && !request.headers().contains_key(header::IF_NONE_MATCH)
        && unchanged_since(request.headers(), Some(&modified))
    {
        let mut unchanged = HttpResponse::NotModified();
        for name in [header::ETAG, header::CACHE_CONTROL] {
            if let Some(value) = response.headers().get(&name) {
                unchanged.insert_header((name.clone(), value.clone()));
            }
        }
        response = unchanged.finish();
    }
    for (name, value) in [
        (header::LAST_MODIFIED, modified.as_str()),
        (header::CONTENT_LANGUAGE, feed.locale.as_str()),
    ] {
        if let Ok(value) = header::HeaderValue::from_str(value) {
            response.headers_mut().insert(name, value);
        }
    }
    Ok(response)
}

/// The newest articles of a locale as RSS 2.0.
///
/// Items are published in that locale (no fallback), newest first, `FEED_ITEMS` at most,
/// with the summary (and the whole body with `FEED_FULL_CONTENT=true`).
#[utoipa::path(
    tag = "feeds",
    params(("locale" = String, Path, description = "A site locale."), FeedQuery),
    responses(
        (status = 200, description = "The feed.", body = String, content_type = "application/rss+xml",
         headers(("ETag" = String, description = "Strong validator."),
                 ("Last-Modified" = String, description = "The newest item's change."))),
        NotModified,
        (status = 404, description = "No such locale, category, tag or author.", body = Problem, content_type = "application/problem+json"),
        InvalidParameters,
    )
)]
#[get("/feeds/{locale}/rss.xml")]
pub async fn rss_feed(
    request: HttpRequest,
    state: web::Data<AppState>,
    locale: web::Path<String>,
    query: web::Query<FeedQuery>,
) -> Result<HttpResponse, ApiError> {
    serve(&request, &state, &locale, query.into_inner(), Format::Rss).await
}

/// The newest articles of a locale as Atom 1.0.
///
/// The same items as the RSS feed.
#[utoipa::path(
    tag = "feeds",
    params(("locale" = String, Path, description = "A site locale."), FeedQuery),
    responses(
        (status = 200, description = "The feed.", body = String, content_type = "application/atom+xml",
         headers(("ETag" = String, description = "Strong validator."),
                 ("Last-Modified" = String, description = "The newest item's change."))),
        NotModified,
        (status = 404, description = "No such locale, category, tag or author.", body = Problem, content_type = "application/problem+json"),
        InvalidParameters,
    )
)]
#[get("/feeds/{locale}/atom.xml")]
pub async fn atom_feed(
    request: HttpRequest,
    state: web::Data<AppState>,
    locale: web::Path<String>,
    query: web::Query<FeedQuery>,
) -> Result<HttpResponse, ApiError> {
    serve(&request, &state, &locale, query.into_inner(), Format::Atom).await
}

/// The newest articles of a locale as JSON Feed 1.1.
///
/// The same items as the RSS feed.
#[utoipa::path(
    tag = "feeds",
    params(("locale" = String, Path, description = "A site locale."), FeedQuery),
    responses(
        (status = 200, description = "The feed: a JSON Feed 1.1 document.", body = Object, content_type = "application/feed+json",
         headers(("ETag" = String, description = "Strong validator."),
                 ("Last-Modified" = String, description = "The newest item's change."))),
        NotModified,
        (status = 404, description = "No such locale, category, tag or author.", body = Problem, content_type = "application/problem+json"),
        InvalidParameters,
    )
)]
#[get("/feeds/{locale}/feed.json")]
pub async fn json_feed(
    request: HttpRequest,
    state: web::Data<AppState>,
    locale: web::Path<String>,
    query: web::Query<FeedQuery>,
) -> Result<HttpResponse, ApiError> {
    serve(&request, &state, &locale, query.into_inner(), Format::Json).await
}
