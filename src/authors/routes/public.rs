//! `/api/v1/authors`: bylines with their bio in the negotiated locale; never an account field.

use actix_web::{HttpRequest, HttpResponse, get, web};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::app::AppState;
use crate::authors::model::*;
use crate::authors::store;
use crate::db::{self, Paged};
use crate::delivery::locale::{LocaleQuery, choose_locale};
use crate::delivery::{cached_json_in, link_pages};
use crate::error::{ApiError, Problem};
use crate::locales::model::LocaleChoice;
use crate::media::model::MediaLibrary;
use crate::media::store as media;
use crate::openapi::{InvalidParameters, NotModified, UnknownLocale};
use crate::pagination::{Page, PageMeta};
use crate::urls::SiteUrls;

/// Locale and page parameters of the public author list.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct AuthorsQuery {
    /// Locale of the bios (a site locale); else `Accept-Language`, else the site default.
    pub locale: Option<String>,
    /// `false` leaves out bios in other locales.
    pub fallback: Option<bool>,
    /// Page, from 1 to 100000.
    #[param(minimum = 1, maximum = 100000)]
    pub page: Option<u32>,
    /// Items per page, 1 to 100 (default 20).
    #[param(minimum = 1, maximum = 100)]
    pub per_page: Option<u32>,
}

/// A page of public authors.
#[derive(Debug, Serialize, ToSchema)]
pub struct AuthorList {
    /// Authors by name.
    pub data: Vec<Author>,
    /// Where this page stands.
    pub meta: PageMeta,
}

/// One public author.
#[derive(Debug, Serialize, ToSchema)]
pub struct AuthorResponse {
    /// The author.
    pub data: Author,
}

/// List authors, with bios in the negotiated locale.
#[utoipa::path(
    tag = "authors",
    params(AuthorsQuery),
    responses(
        (status = 200, description = "A page of authors.", body = AuthorList,
         headers(("ETag" = String, description = "Strong validator."))),
        NotModified,
        InvalidParameters,
    )
)]
#[get("/authors")]
pub async fn list_authors(
    request: HttpRequest,
    state: web::Data<AppState>,
    query: web::Query<AuthorsQuery>,
) -> Result<HttpResponse, ApiError> {
    let query = query.into_inner();
    let page = Page::new(query.page, query.per_page)?;
    let (rows, bios, total) = state
        .db
        .run(move |conn| {
            let Paged { rows, total } = store::page(conn, page.offset(), page.limit())?;
            let ids: Vec<i64> = rows.iter().map(|r| r.id).collect();
            let avatars = avatars_of(conn, &rows)?;
            Ok((rows, (store::bios_of(conn, &ids)?, avatars), total))
        })
        .await?;
    let (bios, avatars) = bios;
    let choice = choose_locale(&state, &request, query.locale.as_deref(), query.fallback).await?;
    let grouped = db::group_by(bios, |b| b.author_id);
    let data = rows
        .into_iter()
        .map(|row| {
            let bios = grouped.get(&row.id).map(Vec::as_slice).unwrap_or_default();
            public_author(row, bios, &avatars, &choice, &state.settings.urls)
        })
        .collect();
    let meta = page.meta(total);
    let mut response = cached_json_in(
        &request,
        state.settings.http.cache_max_age,
        &AuthorList {
            data,
            meta: meta.clone(),
        },
        Some(&choice.requested),
    )?;
    link_pages(&mut response, &request, &meta);
    Ok(response)
}

/// One public author, by id or slug.
#[utoipa::path(
    tag = "authors",
    params(("key" = String, Path, description = "Id or slug."), LocaleQuery),
    responses(
        (status = 200, description = "The author.", body = AuthorResponse,
         headers(("ETag" = String, description = "Strong validator."))),
        NotModified,
        (status = 404, description = "No such author.", body = Problem, content_type = "application/problem+json"),
        UnknownLocale,
    )
)]
#[get("/authors/{key}")]
pub async fn get_author(
    request: HttpRequest,
    state: web::Data<AppState>,
    key: web::Path<String>,
    query: web::Query<LocaleQuery>,
) -> Result<HttpResponse, ApiError> {
    let key = key.into_inner();
    let choice = choose_locale(&state, &request, query.locale.as_deref(), query.fallback).await?;
    let (row, bios, avatars) = state
        .db
        .run(move |conn| {
            let id = store::resolve_key(conn, &key)?.ok_or_else(ApiError::not_found)?;
            let row = store::find(conn, id)?;
            let avatars = avatars_of(conn, std::slice::from_ref(&row))?;
            Ok((row, store::bios_of(conn, &[id])?, avatars))
        })
        .await?;
    let author = public_author(row, &bios, &avatars, &choice, &state.settings.urls);
    let locale = author.locale.clone();
    cached_json_in(
        &request,
        state.settings.http.cache_max_age,
        &AuthorResponse { data: author },
        Some(&locale),
    )
}

/// The media library avatars of these authors.
fn avatars_of(
    conn: &mut crate::db::DbConnection,
    rows: &[AuthorRow],
) -> diesel::QueryResult<MediaLibrary> {
    let ids: Vec<i64> = rows.iter().filter_map(|r| r.avatar_media_id).collect();
    Ok(MediaLibrary::new(
        media::by_ids(conn, &ids)?,
        media::translations_of(conn, &ids)?,
    ))
}

fn public_author(
    row: AuthorRow,
    bios: &[AuthorBioRow],
    avatars: &MediaLibrary,
    choice: &LocaleChoice,
    urls: &SiteUrls,
) -> Author {
    let (bio, picked) = match choice.pick_in(bios, |b| &b.locale) {
        Some((bio, picked)) => (Some(bio.bio.clone()), Some(picked)),
        None => (None, None),
    };
    Author {
        links: row.links(),
        id: row.id,
        url: urls.author(&choice.requested, &row.slug, row.id),
        slug: row.slug,
        name: row.name,
        bio,
        locale: picked
            .as_ref()
            .map_or(choice.requested.clone(), |p| p.locale.clone()),
        fallback: picked.is_some_and(|p| p.fallback),
        avatar_url: row.avatar_url,
        avatar: row
            .avatar_media_id
            .and_then(|id| avatars.public(id, choice, urls)),
    }
}
