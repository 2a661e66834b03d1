//! `GET /api/v1/changes`: the change feed apps sync with.

use actix_web::{HttpRequest, HttpResponse, get, web};
use serde::Serialize;
use utoipa::ToSchema;

use crate::app::AppState;
use crate::delivery::etagged;
use crate::error::{ApiError, Problem};
use crate::events::model::{Change, ChangesQuery, Resource};
use crate::events::store;
use crate::locales::model::LocaleChoice;

/// Changes per call when `limit` is not given.
const DEFAULT_LIMIT: i64 = 100;
/// Most changes per call.
const MAX_LIMIT: i64 = 1000;

/// A page of the change feed.
#[derive(Debug, Serialize, ToSchema)]
pub struct ChangesResponse {
    pub data: Vec<Change>,
    pub meta: ChangesMeta,
}

/// Where to continue.
#[derive(Debug, Serialize, ToSchema)]
pub struct ChangesMeta {
    /// Pass as `since` to get what comes after this page (also when it is empty: poll with it).
    pub next_cursor: String,
    /// Whether more changes are waiting now.
    pub has_more: bool,
}

/// What became visible, changed or stopped being visible, in commit order: articles and pages
/// per site locale, categories, tags, authors and media.
///
/// A client syncs by reading from the start (no `since`), applying each entry (`upsert`: fetch
/// the resource in that locale; `delete`: forget it, a tombstone with `deleted: true`), and
/// calling again with `meta.next_cursor`. Entries are exact (written with the change, in its
/// transaction) and never reordered; a resource changed twice appears twice. Answers carry an
/// `ETag`, so a poll with `If-None-Match` gets `304` while nothing changed.
#[utoipa::path(
    tag = "changes",
    params(ChangesQuery),
    responses(
        (status = 200, description = "The changes after `since`.", body = ChangesResponse,
         headers(("ETag" = String, description = "Strong validator of the body."),
                 ("Cache-Control" = String, description = "`no-cache`: revalidate every time."))),
        (status = 304, description = "Nothing changed since the `ETag` sent in `If-None-Match`."),
        (status = 400, description = "Unknown query parameter.", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "A malformed cursor, an unknown type or locale, or a `limit` out of range.", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/changes")]
pub async fn list_changes(
    state: web::Data<AppState>,
    request: HttpRequest,
    query: web::Query<ChangesQuery>,
) -> Result<HttpResponse, ApiError> {
    let query = query.into_inner();
    let since = match query.since.as_deref() {
        None | Some("") => 0,
        Some(cursor) => cursor
            .parse::<i64>()
            .ok()
            .filter(|since| *since >= 0)
            .ok_or_else(|| ApiError::invalid("since", "Not a cursor of this feed."))?,
    };
    let limit = query.limit.unwrap_or(DEFAULT_LIMIT);
    if !(1..=MAX_LIMIT).contains(&limit) {
        return Err(ApiError::invalid(
            "limit",
            format!("Must be from 1 to {MAX_LIMIT}."),
        ));
    }
    let resources: Vec<&'static str> = match query.types.as_deref() {
        None | Some("") => Resource::FEED.iter().map(|r| r.as_str()).collect(),
        Some(types) => types
            .split(',')
            .map(|name| {
                Resource::parse(name).map(Resource::as_str).ok_or_else(|| {
                    ApiError::invalid(
                        "types",
                        format!(
                            "`{}` is not one of articles, pages, categories, tags, authors, media.",
                            name.trim()
                        ),
                    )
                })
            })
            .collect::<Result<_, _>>()?,
    };
    let locale = match query.locale.as_deref() {
        Some(explicit) => {
            let locales = state.site_locales().await?;
            Some(LocaleChoice::negotiate(None, &locales, Some(explicit), None)?.requested)
        }
        None => None,
    };
    // Up to the newest event now: every smaller id is committed already (events commit in id
    // order), so a page that ends early can move the cursor to it, past what the filters skip.
    let (head, rows) = state
        .db
        .run(move |conn| {
            let head = store::head(conn)?;
            let rows = store::changes(conn, since, head, locale.as_deref(), &resources, limit + 1)?;
            Ok((head, rows))
        })
        .await?;
    let has_more = rows.len() as i64 > limit;
    let data: Vec<Change> = rows
        .into_iter()
        .take(limit as usize)
        .map(Change::from)
        .collect();
    let next = match data.last() {
        Some(last) if has_more => last.version,
        _ => head.max(since),
    };
    let body = ChangesResponse {
        data,
        meta: ChangesMeta {
            next_cursor: next.to_string(),
            has_more,
        },
    };
    let body = serde_json::to_vec(&body).map_err(|error| ApiError::Internal(error.to_string()))?;
    Ok(etagged(
        &request,
        body,
        None,
        "application/json",
        "no-cache",
    ))
}
