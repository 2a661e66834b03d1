//! `/api/v1/admin/pages`: static pages written, translated, published and restored by editors
//! and admins. Translations are checked, sanitised and revised as articles' are.

use std::collections::BTreeMap;

use actix_web::{HttpRequest, HttpResponse, delete, get, patch, post, put, web};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::app::AppState;
use crate::articles::model::{
    PreparedTranslation, RevisionSummary, Subject, TranslationInput, check_translation,
};
use crate::articles::routes::admin::{
    RevisionList, RevisionResponse, RevisionsQuery, prepare, sanitizer_report,
};
use crate::articles::store::revisions;
use crate::auth::actor::Principal;
use crate::auth::roles::Permission;
use crate::body::JsonBody;
use crate::categories::model::parent_map;
use crate::db::{self, DbConnection, Paged};
use crate::domain::{DomainError, FieldError, check_fields};
use crate::error::{ApiError, Problem};
use crate::html::Removal;
use crate::locales::store as locales;
use crate::openapi::{InvalidFields, InvalidParameters, NoToken, StaleIfMatch};
use crate::pages::model::*;
use crate::pages::store;
use crate::pagination::{Page, PageMeta};
use crate::versioning::{self, IfMatch};

/// Create a page with one or more translations.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreatePageRequest {
    /// The name templates look it up by (`imprint`, `privacy`): 1 to 64 lowercase letters,
    /// digits and hyphens, starting with a letter; unique.
    #[schema(example = "imprint")]
    pub key: Option<String>,
    /// The page above it (at most three levels).
    pub parent_id: Option<i64>,
    /// Order among its siblings, 0 to 10000 (default 0).
    #[schema(minimum = 0, maximum = 10000)]
    pub position: Option<i32>,
    /// Workflow status (default `draft`).
    pub status: Option<PageStatus>,
    /// The locale it is written in first. Default: the site default if given, else the first
    /// given.
    pub source_locale: Option<String>,
    /// Translations by locale code; at least one.
    pub translations: BTreeMap<String, PageTranslationInput>,
}

/// Change the locale-independent part of a page. Fields left out are kept.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdatePageRequest {
    /// The key, or `null` to remove it.
    #[serde(default, deserialize_with = "crate::body::present")]
    #[schema(value_type = Option<String>)]
    pub key: Option<Option<String>>,
    /// The page above it, or `null` for a top-level page.
    #[serde(default, deserialize_with = "crate::body::present")]
    #[schema(value_type = Option<i64>)]
    pub parent_id: Option<Option<i64>>,
    /// Order among its siblings, 0 to 10000.
    #[schema(minimum = 0, maximum = 10000)]
    pub position: Option<i32>,
    /// Workflow status.
    pub status: Option<PageStatus>,
    /// The locale it is written in first; it must have a translation.
    pub source_locale: Option<String>,
}

/// Filters and page of the admin page list.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct AdminPagesQuery {
    /// Only this workflow status.
    pub status: Option<PageStatus>,
    /// Only pages with a translation in this locale.
    pub locale: Option<String>,
    /// Page, from 1 to 100000.
    #[param(minimum = 1, maximum = 100000)]
    pub page: Option<u32>,
    /// Items per page, 1 to 100 (default 20).
    #[param(minimum = 1, maximum = 100)]
    pub per_page: Option<u32>,
}

/// A page of pages as editors see them.
#[derive(Debug, Serialize, ToSchema)]
pub struct AdminPageList {
    /// Pages, most recently changed first.
    pub data: Vec<AdminPage>,
    /// Where this page stands.
    pub meta: PageMeta,
}

/// One page as editors see it.
#[derive(Debug, Serialize, ToSchema)]
pub struct AdminPageResponse {
    /// The page.
    pub data: AdminPage,
    /// On the answer to a save that sent bodies: per locale, what the sanitiser removed from
    /// the body as sent; an empty list when nothing was.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sanitizer_report: Option<BTreeMap<String, Vec<Removal>>>,
}

/// List pages, in every status.
#[utoipa::path(
    tag = "pages",
    security(("bearer" = [])),
    params(AdminPagesQuery),
    responses(
        (status = 200, description = "A page of pages.", body = AdminPageList),
        NoToken,
        (status = 403, description = "Not an editor or admin.", body = Problem, content_type = "application/problem+json"),
        InvalidParameters,
    )
)]
#[get("/pages")]
pub async fn admin_list_pages(
    request: HttpRequest,
    principal: Principal,
    state: web::Data<AppState>,
    query: web::Query<AdminPagesQuery>,
) -> Result<HttpResponse, ApiError> {
    principal.require(Permission::ManagePages)?;
    let query = query.into_inner();
    let page = Page::new(query.page, query.per_page)?;
    let status = query.status.map(PageStatus::as_str);
    let locale = query.locale;
    let (data, total) = state
        .db
        .run(move |conn| {
            let Paged { rows, total } =
                store::admin_page(conn, status, locale.as_deref(), page.offset(), page.limit())?;
            Ok((store::load_admin_many(conn, rows)?, total))
        })
        .await?;
    let meta = page.meta(total);
    Ok(meta.ok(&request).json(AdminPageList { data, meta }))
}

/// Create a page with its first translations.
#[utoipa::path(
    tag = "pages",
    security(("bearer" = [])),
    request_body = CreatePageRequest,
    responses(
        (status = 201, description = "The page.", body = AdminPageResponse,
         headers(("Location" = String, description = "The page's admin URL."),
                 ("ETag" = String, description = "Its version."))),
        NoToken,
        (status = 403, description = "Not an editor or admin.", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The key, or a given slug in its locale, is taken.", body = Problem, content_type = "application/problem+json"),
        InvalidFields,
    )
)]
#[post("/pages")]
pub async fn create_page(
    principal: Principal,
    state: web::Data<AppState>,
    body: JsonBody<CreatePageRequest>,
) -> Result<HttpResponse, ApiError> {
    principal.require(Permission::ManagePages)?;
    let mut body = body.parse()?;
    if body.translations.is_empty() {
        return Err(ApiError::invalid(
            "translations",
            "must name at least one locale",
        ));
    }
    check_own_fields(body.key.as_deref(), body.position)?;
    let translations = prepare(
        &state,
        std::mem::take(&mut body.translations)
            .into_iter()
            .map(|(locale, input)| {
                let field = format!("translations.{locale}.body");
                (locale, TranslationInput::from(input), field)
            }),
    )
    .await?;
    let report = sanitizer_report(&translations);
    let user = principal.user_id();
    let page = state
        .db
        .write(move |conn| {
            let site = locales::codes(conn)?;
            for (locale, translation) in &translations {
                check_translation(
                    &site,
                    locale,
                    &translation.input,
                    &format!("translations.{locale}"),
                )?;
            }
            check_place(conn, None, body.key.as_deref(), body.parent_id)?;
            let source_locale = match &body.source_locale {
                Some(locale) if translations.contains_key(locale) => locale.clone(),
                Some(_) => {
                    return Err(ApiError::invalid(
                        "source_locale",
                        "must be one of the given translations",
                    ));
                }
                None => site
                    .iter()
                    .find(|code| translations.contains_key(*code))
                    .cloned()
                    .unwrap_or_default(),
            };
            let status = body.status.unwrap_or(PageStatus::Draft);
            let fields = PageFields {
                key: body.key.clone(),
                parent_id: body.parent_id,
                position: body.position.unwrap_or(0),
                status: status.as_str().to_owned(),
                published_at: (status == PageStatus::Published).then(db::now),
                source_locale: source_locale.clone(),
            };
            let id = store::insert(conn, &fields, user)?;
            let row = store::find(conn, id)?;
            for (locale, translation) in &translations {
                store::save_translation(conn, &row, locale, translation, user, None)?;
            }
            store::announce(conn, id, &[], false)?;
            Ok(store::load_admin(conn, id)?)
        })
        .await?;
    Ok(versioning::created(
        format!("/api/v1/admin/pages/{}", page.id),
        Some(page.version),
        AdminPageResponse {
            data: page,
            sanitizer_report: Some(report),
        },
    ))
}

/// Read a page with every translation.
#[utoipa::path(
    tag = "pages",
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "Page id.")),
    responses(
        (status = 200, description = "The page.", body = AdminPageResponse,
         headers(("ETag" = String, description = "Its version, for If-Match on PATCH and DELETE."))),
        NoToken,
        (status = 403, description = "Not an editor or admin.", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such page.", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/pages/{id}")]
pub async fn admin_get_page(
    principal: Principal,
    state: web::Data<AppState>,
    id: web::Path<i64>,
) -> Result<HttpResponse, ApiError> {
    principal.require(Permission::ManagePages)?;
    let id = id.into_inner();
    let page = state
        .db
        .run(move |conn| Ok(store::load_admin(conn, id)?))
        .await?;
    Ok(with_etag(page.version, page))
}

/// Change the locale-independent part: key, parent, position, status, source locale.
///
/// `If-Match` is honoured (412 when stale). The first publication sets `published_at`.
#[utoipa::path(
    tag = "pages",
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "Page id."), IfMatch),
    request_body = UpdatePageRequest,
    responses(
        (status = 200, description = "The page.", body = AdminPageResponse,
         headers(("ETag" = String, description = "Its new version."))),
        NoToken,
        (status = 403, description = "Not an editor or admin.", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such page.", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The key is taken.", body = Problem, content_type = "application/problem+json"),
        StaleIfMatch,
        InvalidFields,
    )
)]
#[patch("/pages/{id}")]
pub async fn update_page(
    if_match: IfMatch,
    principal: Principal,
    state: web::Data<AppState>,
    id: web::Path<i64>,
    body: JsonBody<UpdatePageRequest>,
) -> Result<HttpResponse, ApiError> {
    principal.require(Permission::ManagePages)?;
    let expected = if_match.version()?;
    let id = id.into_inner();
    let body = body.parse()?;
    check_own_fields(body.key.as_ref().and_then(Option::as_deref), body.position)?;
    let page = state
        .db
        .write(move |conn| {
            let current = store::lock(conn, id)?;
            versioning::check(expected, current.version)?;
            let before = store::visible_locales(conn, id)?;
            let key = body.key.clone().unwrap_or(current.key.clone());
            let parent_id = body.parent_id.unwrap_or(current.parent_id);
            check_place(
                conn,
                Some(id),
                key.as_deref()
                    .filter(|k| Some(*k) != current.key.as_deref()),
                parent_id.filter(|p| Some(*p) != current.parent_id),
            )?;
            let source_locale = body
                .source_locale
                .clone()
                .unwrap_or(current.source_locale.clone());
            if store::find_translation(conn, id, &source_locale)?.is_none() {
                return Err(ApiError::invalid(
                    "source_locale",
                    "must be a locale the page is translated in",
                ));
            }
            let status = body.status.unwrap_or(current.status());
            let fields = PageFields {
                key,
                parent_id,
                position: body.position.unwrap_or(current.position),
                status: status.as_str().to_owned(),
                published_at: current
                    .published_at
                    .or_else(|| (status == PageStatus::Published).then(db::now)),
                source_locale,
            };
            if !store::update(conn, id, current.version, &fields)? {
                return Err(ApiError::stale());
            }
            store::announce(conn, id, &before, false)?;
            Ok(store::load_admin(conn, id)?)
        })
        .await?;
    Ok(with_etag(page.version, page))
}

/// Delete a page with its translations and revisions; one with sub-pages can't go (409).
#[utoipa::path(
    tag = "pages",
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "Page id."), IfMatch),
    responses(
        (status = 204, description = "Deleted."),
        NoToken,
        (status = 403, description = "Not an editor or admin.", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such page.", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "It has sub-pages; move or delete them first.", body = Problem, content_type = "application/problem+json"),
        StaleIfMatch,
    )
)]
#[delete("/pages/{id}")]
pub async fn delete_page(
    if_match: IfMatch,
    principal: Principal,
    state: web::Data<AppState>,
    id: web::Path<i64>,
) -> Result<HttpResponse, ApiError> {
    principal.require(Permission::ManagePages)?;
    let expected = if_match.version()?;
    let id = id.into_inner();
    state
        .db
        .write(move |conn| {
            let current = store::lock(conn, id)?;
            versioning::check(expected, current.version)?;
            if store::has_children(conn, id)? {
                return Err(ApiError::Conflict(
                    "The page has sub-pages; move or delete them first.".into(),
                ));
            }
            let before = store::visible_locales(conn, id)?;
            store::announce(conn, id, &before, true)?;
            Ok(store::delete(conn, id)?)
        })
        .await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Create or replace one translation.
///
/// `If-Match` names the translation's version (412 when stale; a new translation has none).
/// The previous text is kept as a revision. The response's `ETag` is the translation's new
/// version.
#[utoipa::path(
    tag = "pages",
    security(("bearer" = [])),
    params(
        ("id" = i64, Path, description = "Page id."),
        ("locale" = String, Path, description = "Locale code."),
        ("If-Match" = Option<String>, Header, description = "The translation's version you read; 412 when stale."),
    ),
    request_body = PageTranslationInput,
    responses(
        (status = 200, description = "The page.", body = AdminPageResponse,
         headers(("ETag" = String, description = "The translation's new version."))),
        NoToken,
        (status = 403, description = "Not an editor or admin.", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such page.", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The slug is taken by another page in the locale.", body = Problem, content_type = "application/problem+json"),
        StaleIfMatch,
        InvalidFields,
    )
)]
#[put("/pages/{id}/translations/{locale}")]
pub async fn put_page_translation(
    if_match: IfMatch,
    principal: Principal,
    state: web::Data<AppState>,
    path: web::Path<(i64, String)>,
    body: JsonBody<PageTranslationInput>,
) -> Result<HttpResponse, ApiError> {
    principal.require(Permission::ManagePages)?;
    let expected = if_match.version()?;
    let (id, locale) = path.into_inner();
    let input = TranslationInput::from(body.parse()?);
    state
        .db
        .run(move |conn| Ok(store::find(conn, id).map(drop)?))
        .await?;
    let prepared = prepare(&state, [(locale.clone(), input, "body".to_owned())]).await?;
    let report = sanitizer_report(&prepared);
    let prepared = prepared
        .into_values()
        .next()
        .expect("the one translation prepared");
    let user = principal.user_id();
    let (page, version) = state
        .db
        .write(move |conn| {
            let row = store::lock(conn, id)?;
            let site = locales::codes(conn)?;
            check_translation(&site, &locale, &prepared.input, "body")?;
            let before = store::visible_locales(conn, id)?;
            store::save_translation(conn, &row, &locale, &prepared, user, expected)?;
            store::announce(conn, id, &before, false)?;
            translation_saved(conn, id, &locale)
        })
        .await?;
    Ok(versioning::with_etag(
        version,
        AdminPageResponse {
            data: page,
            sanitizer_report: Some(report),
        },
    ))
}

/// Delete one translation; not the source locale's (409).
#[utoipa::path(
    tag = "pages",
    security(("bearer" = [])),
    params(
        ("id" = i64, Path, description = "Page id."),
        ("locale" = String, Path, description = "Locale code."),
        ("If-Match" = Option<String>, Header, description = "The translation's version you read; 412 when stale."),
    ),
    responses(
        (status = 204, description = "Deleted."),
        NoToken,
        (status = 403, description = "Not an editor or admin.", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such page or translation.", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "It is the source translation.", body = Problem, content_type = "application/problem+json"),
        StaleIfMatch,
    )
)]
#[delete("/pages/{id}/translations/{locale}")]
pub async fn delete_page_translation(
    if_match: IfMatch,
    principal: Principal,
    state: web::Data<AppState>,
    path: web::Path<(i64, String)>,
) -> Result<HttpResponse, ApiError> {
    principal.require(Permission::ManagePages)?;
    let expected = if_match.version()?;
    let (id, locale) = path.into_inner();
    state
        .db
        .write(move |conn| {
            let row = store::lock(conn, id)?;
            let translation =
                store::find_translation(conn, id, &locale)?.ok_or_else(ApiError::not_found)?;
            versioning::check(expected, translation.version)?;
            if row.source_locale == locale {
                return Err(ApiError::Conflict(
                    "This is the source translation; choose another source_locale first.".into(),
                ));
            }
            let before = store::visible_locales(conn, id)?;
            store::delete_translation(conn, translation.id)?;
            store::announce(conn, id, &before, false)?;
            crate::previews::store::delete_of_translation(conn, Subject::Page, id, &locale)?;
            crate::search::store::remove_locale(
                conn,
                crate::search::model::Kind::Page,
                id,
                &locale,
            )?;
            Ok(())
        })
        .await?;
    Ok(HttpResponse::NoContent().finish())
}

/// List a page's revisions.
#[utoipa::path(
    tag = "pages",
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "Page id."), RevisionsQuery),
    responses(
        (status = 200, description = "Revisions, newest first.", body = RevisionList),
        NoToken,
        (status = 403, description = "Not an editor or admin.", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such page.", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/pages/{id}/revisions")]
pub async fn list_page_revisions(
    principal: Principal,
    state: web::Data<AppState>,
    id: web::Path<i64>,
    query: web::Query<RevisionsQuery>,
) -> Result<HttpResponse, ApiError> {
    principal.require(Permission::ManagePages)?;
    let id = id.into_inner();
    let locale = query.into_inner().locale;
    let rows = state
        .db
        .run(move |conn| {
            store::find(conn, id)?;
            Ok(revisions::list(conn, Subject::Page, id, locale.as_deref())?)
        })
        .await?;
    let data = rows.into_iter().map(RevisionSummary::from).collect();
    Ok(HttpResponse::Ok().json(RevisionList { data }))
}

/// Read one revision of a page.
#[utoipa::path(
    tag = "pages",
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "Page id."), ("rev" = i64, Path, description = "Revision id.")),
    responses(
        (status = 200, description = "The revision.", body = RevisionResponse),
        NoToken,
        (status = 403, description = "Not an editor or admin.", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such page or revision.", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/pages/{id}/revisions/{rev}")]
pub async fn get_page_revision(
    principal: Principal,
    state: web::Data<AppState>,
    path: web::Path<(i64, i64)>,
) -> Result<HttpResponse, ApiError> {
    principal.require(Permission::ManagePages)?;
    let (id, rev) = path.into_inner();
    let row = state
        .db
        .run(move |conn| Ok(revisions::find(conn, Subject::Page, id, rev)?))
        .await?;
    Ok(HttpResponse::Ok().json(RevisionResponse { data: row.into() }))
}

/// Restore a revision: its text becomes a new version of the translation (the current text is
/// kept as a revision in turn).
#[utoipa::path(
    tag = "pages",
    security(("bearer" = [])),
    params(
        ("id" = i64, Path, description = "Page id."),
        ("rev" = i64, Path, description = "Revision id."),
        ("If-Match" = Option<String>, Header, description = "The translation's version you read; 412 when stale."),
    ),
    responses(
        (status = 200, description = "The page.", body = AdminPageResponse,
         headers(("ETag" = String, description = "The translation's new version."))),
        NoToken,
        (status = 403, description = "Not an editor or admin.", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such page or revision.", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Its slug is now another page's.", body = Problem, content_type = "application/problem+json"),
        StaleIfMatch,
    )
)]
#[post("/pages/{id}/revisions/{rev}/restore")]
pub async fn restore_page_revision(
    if_match: IfMatch,
    principal: Principal,
    state: web::Data<AppState>,
    path: web::Path<(i64, i64)>,
) -> Result<HttpResponse, ApiError> {
    principal.require(Permission::ManagePages)?;
    let expected = if_match.version()?;
    let (id, rev) = path.into_inner();
    let user = principal.user_id();
    let (page, version) = state
        .db
        .write(move |conn| {
            let row = store::lock(conn, id)?;
            let revision = revisions::find(conn, Subject::Page, id, rev)?;
            let locale = revision.locale.clone();
            let prepared = PreparedTranslation::stored(&locale, revision.into_input());
            let before = store::visible_locales(conn, id)?;
            store::save_translation(conn, &row, &locale, &prepared, user, expected)?;
            store::announce(conn, id, &before, false)?;
            translation_saved(conn, id, &locale)
        })
        .await?;
    Ok(with_etag(version, page))
}

/// Refused when a key or position breaks its rule (before any transaction).
fn check_own_fields(key: Option<&str>, position: Option<i32>) -> Result<(), DomainError> {
    let mut errors: Vec<FieldError> = key
        .and_then(|key| key_error(key, "key"))
        .into_iter()
        .collect();
    if position.is_some_and(|p| !(0..=10_000).contains(&p)) {
        errors.push(FieldError::new("position", "must be 0 to 10000"));
    }
    check_fields(errors)
}

/// Refused when a new `key` is another page's (409), or a new `parent` does not exist, is page
/// `id` itself or below it, or would make the hierarchy too deep (422).
fn check_place(
    conn: &mut DbConnection,
    id: Option<i64>,
    key: Option<&str>,
    parent: Option<i64>,
) -> Result<(), ApiError> {
    if let Some(key) = key
        && store::key_taken(conn, key, id)?
    {
        return Err(ApiError::Conflict(format!(
            "The key `{key}` is another page's."
        )));
    }
    let Some(parent) = parent else {
        return Ok(());
    };
    let parents = parent_map(store::lock_hierarchy(conn)?);
    if !parents.contains_key(&parent) {
        return Err(ApiError::invalid("parent_id", "names no page"));
    }
    match parent_error(&parents, id, parent) {
        Some(error) => Err(DomainError::from(error).into()),
        None => Ok(()),
    }
}

/// The editor view of a page after one of its translations was saved, with that
/// translation's version.
fn translation_saved(
    conn: &mut DbConnection,
    id: i64,
    locale: &str,
) -> Result<(AdminPage, i64), ApiError> {
    let page = store::load_admin(conn, id)?;
    let version = page.translations.get(locale).map_or(1, |t| t.version);
    Ok((page, version))
}

fn with_etag(version: i64, page: AdminPage) -> HttpResponse {
    versioning::with_etag(
        version,
        AdminPageResponse {
            data: page,
            sanitizer_report: None,
        },
    )
}
