//! Locale endpoints.

use actix_web::{HttpRequest, HttpResponse, delete, get, patch, post, web};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::app::AppState;
use crate::articles::read_model;
use crate::auth::actor::Principal;
use crate::auth::roles::Permission;
use crate::body::JsonBody;
use crate::delivery::cached_json;
use crate::domain::{Lines, check_text};
use crate::error::{ApiError, Problem};
use crate::locales::model::{Locale, native_name, normalize_code};
use crate::locales::store;
use crate::openapi::{AdminOnly, InvalidFields, NotModified};
use crate::versioning;

/// Add a locale.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateLocaleRequest {
    /// Code such as `de` or `pt-BR`.
    #[schema(example = "de")]
    pub code: String,
    /// The language's name in itself (default: known names, else the code).
    pub name: Option<String>,
    /// Order in locale switchers (default: last).
    pub position: Option<i32>,
    /// Make it the site default.
    pub is_default: Option<bool>,
}

/// Change a locale.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateLocaleRequest {
    /// New name.
    pub name: Option<String>,
    /// New position.
    pub position: Option<i32>,
    /// `true` makes it the site default (the old default stops being one).
    pub is_default: Option<bool>,
}

/// One locale.
#[derive(Debug, Serialize, ToSchema)]
pub struct LocaleResponse {
    /// The locale.
    pub data: Locale,
}

/// The site's locales.
#[derive(Debug, Serialize, ToSchema)]
pub struct LocaleList {
    /// Every locale, in switcher order.
    pub data: Vec<Locale>,
}

/// List the site's locales.
///
/// Every locale content can be served in, in switcher order; exactly one is the default.
#[utoipa::path(
    tag = "locales",
    responses(
        (status = 200, description = "The locales.", body = LocaleList,
         headers(("ETag" = String, description = "Strong validator of this body."),
                 ("Cache-Control" = String, description = "`public, max-age=<CACHE_MAX_AGE>`"))),
        NotModified,
        (status = 503, description = "The database is unavailable.", body = Problem,
         content_type = "application/problem+json"),
    )
)]
#[get("/locales")]
pub async fn list_locales(
    request: HttpRequest,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let rows = state.db.run(|conn| Ok(store::list(conn)?)).await?;
    let list = LocaleList {
        data: rows.into_iter().map(Locale::from).collect(),
    };
    cached_json(&request, state.settings.http.cache_max_age, &list)
}

/// List the site's locales (for admins).
#[utoipa::path(
    tag = "locales",
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The locales.", body = LocaleList),
        AdminOnly,
    )
)]
#[get("/locales")]
pub async fn admin_list_locales(
    principal: Principal,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    principal.require(Permission::ManageSettings)?;
    let rows = state.db.run(|conn| Ok(store::list(conn)?)).await?;
    Ok(HttpResponse::Ok().json(LocaleList {
        data: rows.into_iter().map(Locale::from).collect(),
    }))
}

/// Add a locale.
#[utoipa::path(
    tag = "locales",
    security(("bearer" = [])),
    request_body = CreateLocaleRequest,
    responses(
        (status = 201, description = "The locale.", body = LocaleResponse,
         headers(("Location" = String, description = "The locale's admin URL."))),
        AdminOnly,
        (status = 409, description = "The locale exists.", body = Problem, content_type = "application/problem+json"),
        InvalidFields,
    )
)]
#[post("/locales")]
pub async fn create_locale(
    principal: Principal,
    state: web::Data<AppState>,
    body: JsonBody<CreateLocaleRequest>,
) -> Result<HttpResponse, ApiError> {
    principal.require(Permission::ManageSettings)?;
    let body = body.parse()?;
    let code = normalize_code(&body.code).ok_or_else(|| {
        ApiError::invalid("code", "must be a locale code such as `de` or `pt-BR`")
    })?;
    let name = check_name(body.name.as_deref())?.unwrap_or_else(|| native_name(&code).to_owned());
    let locale = state
        .db
        .write(move |conn| {
            let position = match body.position {
                Some(position) => position,
                None => store::list(conn)?
                    .iter()
                    .map(|l| l.position + 1)
                    .max()
                    .unwrap_or(0),
            };
            store::insert(conn, &code, &name, position).map_err(|error| {
                match ApiError::from(error) {
                    ApiError::Conflict(_) => {
                        ApiError::Conflict(format!("The locale `{code}` exists."))
                    }
                    other => other,
                }
            })?;
            if body.is_default == Some(true) {
                store::make_default(conn, &code)?;
            }
            read_model::refresh_all(conn)?;
            crate::search::index::authors(conn)?;
            Ok(store::find(conn, &code)?)
        })
        .await?;
    Ok(versioning::created(
        format!("/api/v1/admin/locales/{}", locale.code),
        None,
        LocaleResponse {
            data: locale.into(),
        },
    ))
}

/// Rename, move or make a locale the default.
#[utoipa::path(
    tag = "locales",
    security(("bearer" = [])),
    params(("code" = String, Path, description = "Locale code.")),
    request_body = UpdateLocaleRequest,
    responses(
        (status = 200, description = "The locale.", body = LocaleResponse),
        AdminOnly,
        (status = 404, description = "No such locale.", body = Problem, content_type = "application/problem+json"),
        InvalidFields,
    )
)]
#[patch("/locales/{code}")]
pub async fn update_locale(
    principal: Principal,
    state: web::Data<AppState>,
    code: web::Path<String>,
    body: JsonBody<UpdateLocaleRequest>,
) -> Result<HttpResponse, ApiError> {
    principal.require(Permission::ManageSettings)?;
    let code = code.into_inner();
    let body = body.parse()?;
    let name = check_name(body.name.as_deref())?;
    let locale = state
        .db
        .write(move |conn| {
            let current = store::find(conn, &code)?;
            // `false` on the default locale can't be done directly: another takes its place.
            if body.is_default == Some(false) && current.is_default {
                return Err(ApiError::invalid(
                    "is_default",
                    "make another locale the default instead",
                ));
            }
            store::update(
                conn,
                &code,
                name.as_deref().unwrap_or(&current.name),
                body.position.unwrap_or(current.position),
            )?;
            if body.is_default == Some(true) {
                store::make_default(conn, &code)?;
            }
            read_model::refresh_all(conn)?;
            Ok(store::find(conn, &code)?)
        })
        .await?;
    Ok(HttpResponse::Ok().json(LocaleResponse {
        data: locale.into(),
    }))
}

/// Remove a locale.
///
/// The default locale, and a locale that content is written in, can't be removed (409).
#[utoipa::path(
    tag = "locales",
    security(("bearer" = [])),
    params(("code" = String, Path, description = "Locale code.")),
    responses(
        (status = 204, description = "Removed."),
        AdminOnly,
        (status = 404, description = "No such locale.", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "It is the default, or content uses it.", body = Problem, content_type = "application/problem+json"),
    )
)]
#[delete("/locales/{code}")]
pub async fn delete_locale(
    principal: Principal,
    state: web::Data<AppState>,
    code: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    principal.require(Permission::ManageSettings)?;
    let code = code.into_inner();
    state
        .db
        .write(move |conn| {
            if store::find(conn, &code)?.is_default {
                return Err(ApiError::Conflict(
                    "The default locale can't be removed.".into(),
                ));
            }
            store::delete(conn, &code).map_err(|error| match ApiError::from(error) {
                ApiError::Conflict(_) => ApiError::Conflict(format!(
                    "Content is written in `{code}`; remove those translations first."
                )),
                other => other,
            })?;
            read_model::refresh_all(conn)?;
            crate::search::index::authors(conn)?;
            Ok(())
        })
        .await?;
    Ok(HttpResponse::NoContent().finish())
}

fn check_name(name: Option<&str>) -> Result<Option<String>, ApiError> {
    if let Some(error) = name.and_then(|name| check_text(name, "name", Lines::One, 1, 100)) {
        return Err(error.into());
    }
    Ok(name.map(|name| name.trim().to_owned()))
}
