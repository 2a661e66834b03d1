//! `/api/v1/admin/tags`: tags with every translation, for editors and admins.

use std::collections::BTreeMap;

use actix_web::{HttpRequest, HttpResponse, delete, get, patch, post, web};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::app::AppState;
use crate::articles::read_model;
use crate::auth::actor::Principal;
use crate::auth::roles::Permission;
use crate::body::JsonBody;
use crate::db::{self, DbConnection, Paged};
use crate::error::{ApiError, Problem};
use crate::events::model::Resource;
use crate::events::store as events;
use crate::locales::store as locales;
use crate::openapi::{EditorOnly, InvalidFields, InvalidParameters, StaleIfMatch};
use crate::pagination::{PageMeta, PageQuery};
use crate::slug::assign;
use crate::tags::model::*;
use crate::tags::store;
use crate::translated::{self, LocaleMap, stored_description};
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
            events::announce(conn, Resource::Tag, "created", id)?;
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
            if translations.is_empty() {
                return Err(ApiError::invalid(
                    "translations",
                    "must name at least one locale to set or remove",
                ));
            }
            check_translations(conn, &translations)?;
            write_translations(conn, id, &translations)?;
            read_model::refresh_tag(conn, id)?;
            events::announce(conn, Resource::Tag, "updated", id)?;
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
            let tagged = read_model::tagged(conn, id)?;
            store::delete(conn, id)?;
            read_model::refresh(conn, &tagged)?;
            events::announce(conn, Resource::Tag, "deleted", id)?;
            Ok(())
        })
        .await?;
    Ok(HttpResponse::NoContent().finish())
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
            let description = stored_description(translation.description.as_deref());
            store::put_translation(conn, id, locale, name, &slug, description)?;
            Ok(())
        },
        |conn, locale| Ok(store::delete_translation(conn, id, locale).map(drop)?),
    )
}
