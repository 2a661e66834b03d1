//! Tag endpoints: management under `/admin/tags`, delivery under `/tags`.

use std::collections::{BTreeMap, HashMap};

use actix_web::{HttpRequest, HttpResponse, delete, get, patch, post, web};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::app::AppState;
use crate::auth::actor::Principal;
use crate::auth::roles::Permission;
use crate::body::JsonBody;
use crate::db::{self, DbConnection, Paged};
use crate::delivery::locale::choose_locale;
use crate::delivery::{cached_json_in, link_pages};
use crate::error::{ApiError, Problem};
use crate::locales::model::LocaleChoice;
use crate::locales::store as locales;
use crate::openapi::{
    EditorOnly, InvalidFields, InvalidParameters, NotModified, StaleIfMatch, UnknownLocale,
};
use crate::pagination::{Page, PageMeta, PageQuery};
use crate::slug::assign;
use crate::tags::model::*;
use crate::tags::store;
use crate::translated::{self, LocaleMap};
use crate::versioning::{self, IfMatch};

/// Create a tag, or replace the translations it names.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TagRequest {
    /// Translations by locale code. On update, a locale set to `null` is removed and locales
    /// not named are kept.
    #[schema(value_type = BTreeMap<String, TagTranslationInput>,
             example = json!({"tr": {"name": "Kazakistan"}, "fr": {"name": "Kazakhstan"}}))]
    pub translations: BTreeMap<String, Option<TagTranslationInput>>,
}

/// Locale and page parameters of the public tag list.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct TagsQuery {
    /// Locale to serve (a site locale); else `Accept-Language`, else the site default.
    pub locale: Option<String>,
    /// `false` lists only tags translated in the locale.
    pub fallback: Option<bool>,
    /// Page, from 1.
    #[param(minimum = 1)]
    pub page: Option<u32>,
    /// Items per page, 1 to 100 (default 20).
    #[param(minimum = 1, maximum = 100)]
    pub per_page: Option<u32>,
}

/// A page of tags as editors see them.
#[derive(Debug, Serialize, ToSchema)]
pub struct AdminTagList {
    /// Tags, oldest first.
    pub data: Vec<AdminTag>,
    /// Where this page stands.
    pub meta: PageMeta,
}

/// One tag as editors see it.
#[derive(Debug, Serialize, ToSchema)]
pub struct AdminTagResponse {
    /// The tag.
    pub data: AdminTag,
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

/// List tags with every translation.
#[utoipa::path(
    tag = "tags",
    security(("bearer" = [])),
    params(PageQuery),
    responses(
        (status = 200, description = "A page of tags.", body = AdminTagList),
        EditorOnly,
        InvalidParameters,
    )
)]
#[get("/tags")]
pub async fn admin_list_tags(
    request: HttpRequest,
    principal: Principal,
    state: web::Data<AppState>,
    query: web::Query<PageQuery>,
) -> Result<HttpResponse, ApiError> {
    principal.require(Permission::ManageTaxonomy)?;
    let page = query.page()?;
    let (rows, translations, total) = state
        .db
        .run(move |conn| {
            let Paged { rows, total } = store::page(conn, None, page.offset(), page.limit())?;
            let ids: Vec<i64> = rows.iter().map(|r| r.id).collect();
            Ok((rows, store::translations_of(conn, &ids)?, total))
        })
        .await?;
    let mut grouped = db::group_by(translations, |t| t.tag_id);
    let data = rows
        .into_iter()
        .map(|row| {
            let translations = grouped.remove(&row.id).unwrap_or_default();
            AdminTag::new(row, translations)
        })
        .collect();
    let meta = page.meta(total);
    Ok(meta.ok(&request).json(AdminTagList { data, meta }))
}

/// Create a tag.
#[utoipa::path(
    tag = "tags",
    security(("bearer" = [])),
    request_body = TagRequest,
    responses(
        (status = 201, description = "The tag.", body = AdminTagResponse,
         headers(("Location" = String, description = "The tag's admin URL."),
                 ("ETag" = String, description = "Its version."))),
        EditorOnly,
        (status = 409, description = "A given slug is taken in its locale.", body = Problem, content_type = "application/problem+json"),
        InvalidFields,
    )
)]
#[post("/tags")]
pub async fn create_tag(
    principal: Principal,
    state: web::Data<AppState>,
    body: JsonBody<TagRequest>,
) -> Result<HttpResponse, ApiError> {
    principal.require(Permission::ManageTaxonomy)?;
    let translations = body.parse()?.translations;
    if translations.values().all(Option::is_none) {
        return Err(ApiError::invalid(
            "translations",
            "must name at least one locale",
        ));
    }
    let tag = state
        .db
        .write(move |conn| {
            check_translations(conn, &translations)?;
            let id = store::insert(conn)?;
            write_translations(conn, id, &translations)?;
            Ok(store::find_admin(conn, id)?)
        })
        .await?;
    Ok(versioning::created(
        format!("/api/v1/admin/tags/{}", tag.id),
        Some(tag.version),
        AdminTagResponse { data: tag },
    ))
}

/// Read a tag with every translation.
#[utoipa::path(
    tag = "tags",
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "Tag id.")),
    responses(
        (status = 200, description = "The tag.", body = AdminTagResponse,
         headers(("ETag" = String, description = "Its version, for If-Match."))),
        EditorOnly,
        (status = 404, description = "No such tag.", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/tags/{id}")]
pub async fn admin_get_tag(
    principal: Principal,
    state: web::Data<AppState>,
    id: web::Path<i64>,
) -> Result<HttpResponse, ApiError> {
    principal.require(Permission::ManageTaxonomy)?;
    let id = id.into_inner();
    let tag = state
        .db
        .run(move |conn| Ok(store::find_admin(conn, id)?))
        .await?;
    Ok(versioning::with_etag(
        tag.version,
        AdminTagResponse { data: tag },
    ))
}

/// Retranslate a tag: the locales named are created, replaced or (with `null`) removed.
///
/// `If-Match` is honoured (412 when stale).
#[utoipa::path(
    tag = "tags",
    security(("bearer" = [])),
    params(
        ("id" = i64, Path, description = "Tag id."),
        IfMatch,
    ),
    request_body = TagRequest,
    responses(
        (status = 200, description = "The tag.", body = AdminTagResponse),
        EditorOnly,
        (status = 404, description = "No such tag.", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "A given slug is taken in its locale.", body = Problem, content_type = "application/problem+json"),
        StaleIfMatch,
        InvalidFields,
    )
)]
#[patch("/tags/{id}")]
pub async fn update_tag(
    if_match: IfMatch,
    principal: Principal,
    state: web::Data<AppState>,
    id: web::Path<i64>,
    body: JsonBody<TagRequest>,
) -> Result<HttpResponse, ApiError> {
    principal.require(Permission::ManageTaxonomy)?;
    let expected = if_match.version()?;
    let id = id.into_inner();
    let translations = body.parse()?.translations;
    let tag = state
        .db
        .write(move |conn| {
            let current = store::find(conn, id)?;
            if !store::touch(conn, id, expected.unwrap_or(current.version))? {
                return Err(ApiError::stale());
            }
            check_translations(conn, &translations)?;
            write_translations(conn, id, &translations)?;
            let tag = store::find_admin(conn, id)?;
            if tag.translations.is_empty() {
                return Err(ApiError::invalid(
                    "translations",
                    "can't remove every locale",
                ));
            }
            Ok(tag)
        })
        .await?;
    Ok(versioning::with_etag(
        tag.version,
        AdminTagResponse { data: tag },
    ))
}

/// Delete a tag; articles that had it keep their other tags.
#[utoipa::path(
    tag = "tags",
    security(("bearer" = [])),
    params(
        ("id" = i64, Path, description = "Tag id."),
        IfMatch,
    ),
    responses(
        (status = 204, description = "Deleted."),
        EditorOnly,
        (status = 404, description = "No such tag.", body = Problem, content_type = "application/problem+json"),
        StaleIfMatch,
    )
)]
#[delete("/tags/{id}")]
pub async fn delete_tag(
    if_match: IfMatch,
    principal: Principal,
    state: web::Data<AppState>,
    id: web::Path<i64>,
) -> Result<HttpResponse, ApiError> {
    principal.require(Permission::ManageTaxonomy)?;
    let expected = if_match.version()?;
    let id = id.into_inner();
    state
        .db
        .write(move |conn| {
            let current = store::find(conn, id)?;
            versioning::check(expected, current.version)?;
            store::delete(conn, id)?;
            Ok(())
        })
        .await?;
    Ok(HttpResponse::NoContent().finish())
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
    let only = choice.only().map(str::to_owned);
    let (rows, translations, counts, total) = state
        .db
        .run(move |conn| {
            let Paged { rows, total } =
                store::page(conn, only.as_deref(), page.offset(), page.limit())?;
            let ids: Vec<i64> = rows.iter().map(|r| r.id).collect();
            let translations = store::translations_of(conn, &ids)?;
            let counts = store::article_counts(conn, &ids, only.as_deref())?;
            Ok((rows, translations, counts, total))
        })
        .await?;
    let grouped = db::group_by(translations, |t| t.tag_id);
    let data = rows
        .iter()
        .filter_map(|row| public_tag(row.id, grouped.get(&row.id)?, &counts, &choice))
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
    let only = choice.only().map(str::to_owned);
    let (id, translations, counts) = state
        .db
        .run(move |conn| {
            let id = store::resolve_key(conn, &key)?.ok_or_else(ApiError::not_found)?;
            Ok((
                id,
                store::translations_of(conn, &[id])?,
                store::article_counts(conn, &[id], only.as_deref())?,
            ))
        })
        .await?;
    let tag = public_tag(id, &translations, &counts, &choice).ok_or_else(ApiError::not_found)?;
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
) -> Option<Tag> {
    let (translation, picked) = choice.pick_in(translations, |t| &t.locale)?;
    Some(Tag {
        id,
        slug: translation.slug.clone(),
        name: translation.name.clone(),
        locale: picked.locale,
        fallback: picked.fallback,
        article_count: counts.get(&id).copied().unwrap_or(0),
    })
}

/// Checks a body's translations against the site's locales.
fn check_translations(
    conn: &mut DbConnection,
    translations: &LocaleMap<TagTranslationInput>,
) -> Result<(), ApiError> {
    let site = locales::codes(conn)?;
    let errors = translated::errors(
        &site,
        "translations",
        translations,
        TagTranslationInput::errors,
    );
    if errors.is_empty() {
        Ok(())
    } else {
        Err(ApiError::invalid_translations(errors))
    }
}

/// Writes a body's translations, assigning slugs.
fn write_translations(
    conn: &mut DbConnection,
    id: i64,
    translations: &LocaleMap<TagTranslationInput>,
) -> Result<(), ApiError> {
    translated::write(
        conn,
        translations,
        |conn, locale, translation| {
            let name = translation.name.trim();
            let slug = assign(translation.slug.as_deref(), name, locale, |candidate| {
                store::slug_taken(conn, locale, candidate, Some(id))
            })?;
            store::put_translation(conn, id, locale, name, &slug)?;
            Ok(())
        },
        |conn, locale| Ok(store::delete_translation(conn, id, locale).map(drop)?),
    )
}
