//! `/api/v1/admin/authors`: bylines with every bio, for editors and admins.

use std::collections::BTreeMap;

use actix_web::{HttpRequest, HttpResponse, delete, get, patch, post, web};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::app::AppState;
use crate::articles::read_model;
use crate::auth::actor::Principal;
use crate::auth::roles::Permission;
use crate::authors::model::*;
use crate::authors::store::{self, AuthorFields};
use crate::body::JsonBody;
use crate::db::{self, DbConnection, Paged};
use crate::domain::{FieldError, Lines, check_fields, check_text};
use crate::error::{ApiError, Problem};
use crate::events::model::Resource;
use crate::events::store as events;
use crate::locales::store as locales;
use crate::media::store as media;
use crate::openapi::{EditorOnly, InvalidFields, InvalidParameters, StaleIfMatch};
use crate::pagination::{PageMeta, PageQuery};
use crate::slug::{assign, check_slug};
use crate::translated::{self, LocaleMap};
use crate::versioning::{self, IfMatch};

/// Create an author.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateAuthorRequest {
    /// Byline, 1 to 200 characters.
    #[schema(example = "Ayana Birbayeva")]
    pub name: String,
    /// Slug; generated from the name when absent.
    pub slug: Option<String>,
    /// Account this byline belongs to.
    pub user_id: Option<i64>,
    /// Avatar image URL (http or https), for a picture outside the media library.
    pub avatar_url: Option<String>,
    /// Avatar from the media library.
    pub avatar_media_id: Option<i64>,
    /// Links (up to 20).
    #[schema(max_items = 20)]
    pub links: Option<Vec<AuthorLink>>,
    /// Bio by locale code.
    #[schema(example = json!({"fr": "Journaliste à Astana."}))]
    pub bio: Option<BTreeMap<String, String>>,
}

/// Change an author. Fields left out are kept; `user_id` and `avatar_url` may be `null`; a bio
/// locale set to `null` is removed.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateAuthorRequest {
    /// New byline.
    pub name: Option<String>,
    /// New slug.
    pub slug: Option<String>,
    /// New account link, or `null`.
    #[serde(default, deserialize_with = "crate::body::present")]
    #[schema(value_type = Option<i64>)]
    pub user_id: Option<Option<i64>>,
    /// New avatar URL, or `null`.
    #[serde(default, deserialize_with = "crate::body::present")]
    #[schema(value_type = Option<String>)]
    pub avatar_url: Option<Option<String>>,
    /// New avatar from the media library, or `null`.
    #[serde(default, deserialize_with = "crate::body::present")]
    #[schema(value_type = Option<i64>)]
    pub avatar_media_id: Option<Option<i64>>,
    /// New links (up to 20, replacing the old ones).
    #[schema(max_items = 20)]
    pub links: Option<Vec<AuthorLink>>,
    /// Bios to create, replace or (with `null`) remove.
    #[schema(value_type = Option<BTreeMap<String, String>>)]
    pub bio: Option<BTreeMap<String, Option<String>>>,
}

/// A page of authors as editors see them.
#[derive(Debug, Serialize, ToSchema)]
pub struct AdminAuthorList {
    /// Authors by name.
    pub data: Vec<AdminAuthor>,
    /// Where this page stands.
    pub meta: PageMeta,
}

/// One author as editors see it.
#[derive(Debug, Serialize, ToSchema)]
pub struct AdminAuthorResponse {
    /// The author.
    pub data: AdminAuthor,
}

/// List authors.
#[utoipa::path(
    tag = "authors",
    security(("bearer" = [])),
    params(PageQuery),
    responses(
        (status = 200, description = "A page of authors.", body = AdminAuthorList),
        EditorOnly,
        InvalidParameters,
    )
)]
#[get("/authors")]
pub async fn admin_list_authors(
    request: HttpRequest,
    principal: Principal,
    state: web::Data<AppState>,
    query: web::Query<PageQuery>,
) -> Result<HttpResponse, ApiError> {
    principal.require(Permission::ManageTaxonomy)?;
    let page = query.page()?;
    let (rows, bios, total) = state
        .db
        .run(move |conn| {
            let Paged { rows, total } = store::page(conn, page.offset(), page.limit())?;
            let ids: Vec<i64> = rows.iter().map(|r| r.id).collect();
            Ok((rows, store::bios_of(conn, &ids)?, total))
        })
        .await?;
    let mut grouped = db::group_by(bios, |b| b.author_id);
    let data = rows
        .into_iter()
        .map(|row| {
            let bios = grouped.remove(&row.id).unwrap_or_default();
            AdminAuthor::new(row, bios)
        })
        .collect();
    let meta = page.meta(total);
    Ok(meta.ok(&request).json(AdminAuthorList { data, meta }))
}

/// Create an author.
#[utoipa::path(
    tag = "authors",
    security(("bearer" = [])),
    request_body = CreateAuthorRequest,
    responses(
        (status = 201, description = "The author.", body = AdminAuthorResponse,
         headers(("Location" = String, description = "The author's admin URL."),
                 ("ETag" = String, description = "Its version."))),
        EditorOnly,
        (status = 409, description = "The slug is taken.", body = Problem, content_type = "application/problem+json"),
        InvalidFields,
    )
)]
#[post("/authors")]
pub async fn create_author(
    principal: Principal,
    state: web::Data<AppState>,
    body: JsonBody<CreateAuthorRequest>,
) -> Result<HttpResponse, ApiError> {
    principal.require(Permission::ManageTaxonomy)?;
    let body = body.parse()?;
    let author = state
        .db
        .write(move |conn| {
            let bios: BTreeMap<String, Option<String>> = body
                .bio
                .clone()
                .unwrap_or_default()
                .into_iter()
                .map(|(locale, bio)| (locale, Some(bio)))
                .collect();
            let links = body.links.clone().unwrap_or_default();
            check(
                conn,
                Some(&body.name),
                body.slug.as_deref(),
                body.user_id,
                body.avatar_url.as_deref(),
                &links,
                &bios,
            )?;
            let name = body.name.trim().to_owned();
            let slug = assign(body.slug.as_deref(), &name, "authors", |candidate| {
                store::slug_taken(conn, candidate, None)
            })?;
            let avatar_media_id = checked_avatar(conn, body.avatar_media_id)?;
            let id = store::insert(
                conn,
                &AuthorFields {
                    name,
                    slug,
                    user_id: body.user_id,
                    avatar_url: body.avatar_url.clone(),
                    links: links_json(&links)?,
                    avatar_media_id,
                },
            )?;
            write_bios(conn, id, &bios)?;
            store::index(conn, id)?;
            events::announce(conn, Resource::Author, "created", id)?;
            Ok(store::find_admin(conn, id)?)
        })
        .await?;
    Ok(versioning::created(
        format!("/api/v1/admin/authors/{}", author.id),
        Some(author.version),
        AdminAuthorResponse { data: author },
    ))
}

/// Read an author.
#[utoipa::path(
    tag = "authors",
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "Author id.")),
    responses(
        (status = 200, description = "The author.", body = AdminAuthorResponse,
         headers(("ETag" = String, description = "Its version, for If-Match."))),
        EditorOnly,
        (status = 404, description = "No such author.", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/authors/{id}")]
pub async fn admin_get_author(
    principal: Principal,
    state: web::Data<AppState>,
    id: web::Path<i64>,
) -> Result<HttpResponse, ApiError> {
    principal.require(Permission::ManageTaxonomy)?;
    let id = id.into_inner();
    let author = state
        .db
        .run(move |conn| Ok(store::find_admin(conn, id)?))
        .await?;
    Ok(versioning::with_etag(
        author.version,
        AdminAuthorResponse { data: author },
    ))
}

/// Change an author.
///
/// `If-Match` is honoured (412 when stale).
#[utoipa::path(
    tag = "authors",
    security(("bearer" = [])),
    params(
        ("id" = i64, Path, description = "Author id."),
        IfMatch,
    ),
    request_body = UpdateAuthorRequest,
    responses(
        (status = 200, description = "The author.", body = AdminAuthorResponse),
        EditorOnly,
        (status = 404, description = "No such author.", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The slug is taken.", body = Problem, content_type = "application/problem+json"),
        StaleIfMatch,
        InvalidFields,
    )
)]
#[patch("/authors/{id}")]
pub async fn update_author(
    if_match: IfMatch,
    principal: Principal,
    state: web::Data<AppState>,
    id: web::Path<i64>,
    body: JsonBody<UpdateAuthorRequest>,
) -> Result<HttpResponse, ApiError> {
    principal.require(Permission::ManageTaxonomy)?;
    let expected = if_match.version()?;
    let id = id.into_inner();
    let body = body.parse()?;
    let author = state
        .db
        .write(move |conn| {
            let current = store::find(conn, id)?;
            let bios = body.bio.clone().unwrap_or_default();
            let links = body.links.clone().unwrap_or_else(|| current.links());
            let user_id = body.user_id.unwrap_or(current.user_id);
            let avatar_url = body
                .avatar_url
                .clone()
                .unwrap_or(current.avatar_url.clone());
            check(
                conn,
                body.name.as_deref(),
                body.slug.as_deref(),
                user_id,
                avatar_url.as_deref(),
                &links,
                &bios,
            )?;
            let name = body
                .name
                .as_deref()
                .map_or(current.name.clone(), |n| n.trim().to_owned());
            let slug = match body.slug.as_deref() {
                Some(slug) if slug != current.slug => {
                    assign(Some(slug), &name, "authors", |candidate| {
                        store::slug_taken(conn, candidate, Some(id))
                    })?
                }
                _ => current.slug.clone(),
            };
            let avatar_media_id = checked_avatar(
                conn,
                body.avatar_media_id.unwrap_or(current.avatar_media_id),
            )?;
            let fields = AuthorFields {
                name,
                slug,
                user_id,
                avatar_url,
                links: links_json(&links)?,
                avatar_media_id,
            };
            if !store::update(conn, id, expected.unwrap_or(current.version), &fields)? {
                return Err(ApiError::stale());
            }
            write_bios(conn, id, &bios)?;
            store::index(conn, id)?;
            read_model::refresh_author(conn, id)?;
            events::announce(conn, Resource::Author, "updated", id)?;
            Ok(store::find_admin(conn, id)?)
        })
        .await?;
    Ok(versioning::with_etag(
        author.version,
        AdminAuthorResponse { data: author },
    ))
}

/// Delete an author.
///
/// An author with bylined articles can't be deleted (409).
#[utoipa::path(
    tag = "authors",
    security(("bearer" = [])),
    params(
        ("id" = i64, Path, description = "Author id."),
        IfMatch,
    ),
    responses(
        (status = 204, description = "Deleted."),
        EditorOnly,
        (status = 404, description = "No such author.", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Articles carry the byline.", body = Problem, content_type = "application/problem+json"),
        StaleIfMatch,
    )
)]
#[delete("/authors/{id}")]
pub async fn delete_author(
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
            store::delete(conn, id).map_err(|error| match ApiError::from(error) {
                ApiError::Conflict(_) => ApiError::Conflict(
                    "Articles carry this byline; remove it from them first.".into(),
                ),
                other => other,
            })?;
            events::announce(conn, Resource::Author, "deleted", id)?;
            Ok(())
        })
        .await?;
    Ok(HttpResponse::NoContent().finish())
}

fn links_json(links: &[AuthorLink]) -> Result<String, ApiError> {
    serde_json::to_string(links).map_err(|error| ApiError::Internal(error.to_string()))
}

/// Validates every written author field.
fn check(
    conn: &mut DbConnection,
    name: Option<&str>,
    slug: Option<&str>,
    user_id: Option<i64>,
    avatar_url: Option<&str>,
    links: &[AuthorLink],
    bios: &LocaleMap<String>,
) -> Result<(), ApiError> {
    let mut errors = Vec::new();
    if let Some(name) = name {
        errors.extend(check_text(name, "name", Lines::One, 1, MAX_NAME_CHARS));
    }
    if let Some(slug) = slug
        && let Err(error) = check_slug(slug, "slug")
    {
        errors.push(error);
    }
    if let Some(url) = avatar_url
        && let Err(error) = check_url(url, "avatar_url")
    {
        errors.push(error);
    }
    if links.len() > MAX_LINKS {
        errors.push(FieldError::new(
            "links",
            format!("must have at most {MAX_LINKS} entries"),
        ));
    }
    for (index, link) in links.iter().enumerate() {
        errors.extend(check_text(
            &link.label,
            &format!("links.{index}.label"),
            Lines::One,
            1,
            100,
        ));
        if let Err(error) = check_url(&link.url, &format!("links.{index}.url")) {
            errors.push(error);
        }
    }
    let site = locales::codes(conn)?;
    errors.extend(translated::errors(&site, "bio", bios, |bio, name| {
        check_text(bio, name, Lines::Many, 0, MAX_BIO_CHARS)
            .into_iter()
            .collect()
    }));
    if let Some(user) = user_id
        && !crate::users::store::user_exists(conn, user)?
    {
        errors.push(FieldError::new("user_id", "names no account"));
    }
    Ok(check_fields(errors)?)
}

fn write_bios(conn: &mut DbConnection, id: i64, bios: &LocaleMap<String>) -> Result<(), ApiError> {
    translated::write(
        conn,
        bios,
        |conn, locale, bio| {
            let bio = Some(bio.trim()).filter(|b| !b.is_empty());
            Ok(store::put_bio(conn, id, locale, bio)?)
        },
        |conn, locale| Ok(store::put_bio(conn, id, locale, None)?),
    )
}

/// `avatar` when it names a picture of the media library (422 otherwise).
fn checked_avatar(conn: &mut DbConnection, avatar: Option<i64>) -> Result<Option<i64>, ApiError> {
    if let Some(id) = avatar
        && !media::missing(conn, &[id])?.is_empty()
    {
        return Err(ApiError::invalid("avatar_media_id", "names no media item"));
    }
    Ok(avatar)
}
