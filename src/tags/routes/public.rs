//! `/api/v1/tags`: tags in the negotiated locale.

use std::collections::HashMap;

use actix_web::{HttpRequest, HttpResponse, get, web};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::app::AppState;
use crate::articles::store::lists;
use crate::db::{self, Paged};
use crate::delivery::locale::choose_locale;
use crate::delivery::{cached_json_in, link_pages};
use crate::error::{ApiError, Problem};
use crate::locales::model::LocaleChoice;
use crate::openapi::{InvalidParameters, NotModified, UnknownLocale};
use crate::pagination::{Page, PageMeta};
use crate::tags::model::*;
use crate::tags::store;
use crate::urls::SiteUrls;

/// Locale and page parameters of the public tag list.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct TagsQuery {
    /// Locale to serve (a site locale); else `Accept-Language`, else the site default.
    pub locale: Option<String>,
    /// `false` lists only tags translated in the locale.
    pub fallback: Option<bool>,
    /// Page, from 1 to 100000.
    #[param(minimum = 1, maximum = 100000)]
    pub page: Option<u32>,
    /// Items per page, 1 to 100 (default 20).
    #[param(minimum = 1, maximum = 100)]
    pub per_page: Option<u32>,
}

/// A page of public tags.
#[derive(Debug, Serialize, ToSchema)]
pub struct TagList {
    /// Tags, oldest first.
    pub data: Vec<Tag>,
    /// Where this page stands.
    pub meta: PageMeta,
}

/// One public tag.
#[derive(Debug, Serialize, ToSchema)]
pub struct TagResponse {
    /// The tag.
    pub data: Tag,
}

/// List tags in the negotiated locale, with their published article counts.
#[utoipa::path(
    tag = "tags",
    params(TagsQuery),
    responses(
        (status = 200, description = "A page of tags.", body = TagList,
         headers(("ETag" = String, description = "Strong validator."),
                 ("Link" = String, description = "`next` and `prev` pages."))),
        NotModified,
        InvalidParameters,
    )
)]
#[get("/tags")]
pub async fn list_tags(
    request: HttpRequest,
    state: web::Data<AppState>,
    query: web::Query<TagsQuery>,
) -> Result<HttpResponse, ApiError> {
    let query = query.into_inner();
    let page = Page::new(query.page, query.per_page)?;
    let choice = choose_locale(&state, &request, query.locale.as_deref(), query.fallback).await?;
    let (locale, only) = (choice.requested.clone(), !choice.fallback);
    let (rows, translations, counts, total) = state
        .db
        .run(move |conn| {
            let Paged { rows, total } = store::page(
                conn,
                only.then_some(locale.as_str()),
                page.offset(),
                page.limit(),
            )?;
            let ids: Vec<i64> = rows.iter().map(|r| r.id).collect();
            let translations = store::translations_of(conn, &ids)?;
            let counts = lists::tag_totals(conn, &ids, &locale, only)?;
            Ok((rows, translations, counts, total))
        })
        .await?;
    let grouped = db::group_by(translations, |t| t.tag_id);
    let data = rows
        .iter()
        .filter_map(|row| {
            public_tag(
                row.id,
                grouped.get(&row.id)?,
                &counts,
                &choice,
                &state.settings.urls,
            )
        })
        .collect();
    let meta = page.meta(total);
    let mut response = cached_json_in(
        &request,
        state.settings.http.cache_max_age,
        &TagList {
            data,
            meta: meta.clone(),
        },
        Some(&choice.requested),
    )?;
    link_pages(&mut response, &request, &meta);
    Ok(response)
}

/// One public tag, by id or by slug in any locale.
#[utoipa::path(
    tag = "tags",
    params(("key" = String, Path, description = "Id, or slug in any locale."), crate::delivery::locale::LocaleQuery),
    responses(
        (status = 200, description = "The tag.", body = TagResponse,
         headers(("ETag" = String, description = "Strong validator."))),
        NotModified,
        (status = 404, description = "No such tag, or none in the locale with `fallback=false`.", body = Problem, content_type = "application/problem+json"),
        UnknownLocale,
    )
)]
#[get("/tags/{key}")]
pub async fn get_tag(
    request: HttpRequest,
    state: web::Data<AppState>,
    key: web::Path<String>,
    query: web::Query<crate::delivery::locale::LocaleQuery>,
) -> Result<HttpResponse, ApiError> {
    let key = key.into_inner();
    let choice = choose_locale(&state, &request, query.locale.as_deref(), query.fallback).await?;
    let (locale, only) = (choice.requested.clone(), !choice.fallback);
    let (id, translations, counts) = state
        .db
        .run(move |conn| {
            let id = store::resolve_key(conn, &key)?.ok_or_else(ApiError::not_found)?;
            Ok((
                id,
                store::translations_of(conn, &[id])?,
                lists::tag_totals(conn, &[id], &locale, only)?,
            ))
        })
        .await?;
    let tag = public_tag(id, &translations, &counts, &choice, &state.settings.urls)
        .ok_or_else(ApiError::not_found)?;
    let locale = tag.locale.clone();
    cached_json_in(
        &request,
        state.settings.http.cache_max_age,
        &TagResponse { data: tag },
        Some(&locale),
    )
}

fn public_tag(
    id: i64,
    translations: &[TagTranslationRow],
    counts: &HashMap<i64, i64>,
    choice: &LocaleChoice,
    urls: &SiteUrls,
) -> Option<Tag> {
    let (translation, picked) = choice.pick_in(translations, |t| &t.locale)?;
    Some(Tag {
        id,
        slug: translation.slug.clone(),
        url: urls.tag(&picked.locale, &translation.slug, id),
        name: translation.name.clone(),
        description: translation.description.clone(),
        locale: picked.locale,
        fallback: picked.fallback,
        article_count: counts.get(&id).copied().unwrap_or(0),
        translations: translations
            .iter()
            .map(|t| TagAlternate {
                locale: t.locale.clone(),
                slug: t.slug.clone(),
                url: urls.tag(&t.locale, &t.slug, id),
                name: t.name.clone(),
            })
            .collect(),
    })
}
