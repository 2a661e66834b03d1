//! `/api/v1/admin/menus`: named menus for editors and admins.

use actix_web::{HttpResponse, delete, get, post, put, web};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::app::AppState;
use crate::auth::actor::Principal;
use crate::auth::roles::Permission;
use crate::body::JsonBody;
use crate::db::DbConnection;
use crate::domain::{DomainError, FieldError};
use crate::error::{ApiError, Problem};
use crate::locales::store as locales;
use crate::menus::model::*;
use crate::menus::store;
use crate::openapi::{EditorOnly, InvalidFields, StaleIfMatch};
use crate::versioning::{self, IfMatch};

/// A new menu.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateMenuRequest {
    /// Its name, as templates look it up (`header`, `footer`…): lower-case letters, digits
    /// and hyphens.
    #[schema(example = "header")]
    pub name: String,
    /// Its items, in order.
    #[schema(max_items = 200)]
    pub items: Vec<MenuItemInput>,
}

/// A menu's new item tree.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReplaceMenuRequest {
    /// Its items, in order (replacing the old ones).
    #[schema(max_items = 200)]
    pub items: Vec<MenuItemInput>,
}

/// Every menu.
#[derive(Debug, Serialize, ToSchema)]
pub struct AdminMenuList {
    pub data: Vec<AdminMenu>,
}

/// One menu.
#[derive(Debug, Serialize, ToSchema)]
pub struct AdminMenuResponse {
    pub data: AdminMenu,
}

/// List every menu.
#[utoipa::path(
    tag = "menus",
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Every menu, by name.", body = AdminMenuList),
        EditorOnly,
    )
)]
#[get("/menus")]
pub async fn list_menus(
    principal: Principal,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    principal.require(Permission::ManageTaxonomy)?;
    let rows = state.db.run(|conn| Ok(store::list(conn)?)).await?;
    Ok(HttpResponse::Ok().json(AdminMenuList {
        data: rows.into_iter().map(AdminMenu::new).collect(),
    }))
}

/// Create a menu.
#[utoipa::path(
    tag = "menus",
    security(("bearer" = [])),
    request_body = CreateMenuRequest,
    responses(
        (status = 201, description = "The menu.", body = AdminMenuResponse,
         headers(("Location" = String, description = "The menu's admin URL."),
                 ("ETag" = String, description = "Its version."))),
        EditorOnly,
        (status = 409, description = "A menu has that name.", body = Problem, content_type = "application/problem+json"),
        InvalidFields,
    )
)]
#[post("/menus")]
pub async fn create_menu(
    principal: Principal,
    state: web::Data<AppState>,
    body: JsonBody<CreateMenuRequest>,
) -> Result<HttpResponse, ApiError> {
    principal.require(Permission::ManageTaxonomy)?;
    let body = body.parse()?;
    let menu = state
        .db
        .write(move |conn| {
            let mut errors = name_errors(&body.name);
            errors.extend(checked_items(conn, &body.items)?);
            if !errors.is_empty() {
                return Err(DomainError::Invalid(errors).into());
            }
            if store::find(conn, &body.name)?.is_some() {
                return Err(ApiError::Conflict(format!(
                    "A menu is called `{}` already.",
                    body.name
                )));
            }
            store::insert(conn, &body.name, &items_json(&body.items))?;
            store::find(conn, &body.name)?.ok_or_else(ApiError::not_found)
        })
        .await?;
    let menu = AdminMenu::new(menu);
    Ok(versioning::created(
        format!("/api/v1/admin/menus/{}", menu.name),
        Some(menu.version),
        AdminMenuResponse { data: menu },
    ))
}

/// Read a menu as stored.
#[utoipa::path(
    tag = "menus",
    security(("bearer" = [])),
    params(("name" = String, Path, description = "Menu name.")),
    responses(
        (status = 200, description = "The menu.", body = AdminMenuResponse,
         headers(("ETag" = String, description = "Its version, for If-Match."))),
        EditorOnly,
        (status = 404, description = "No such menu.", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/menus/{name}")]
pub async fn admin_get_menu(
    principal: Principal,
    state: web::Data<AppState>,
    name: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    principal.require(Permission::ManageTaxonomy)?;
    let name = name.into_inner();
    let row = state
        .db
        .run(move |conn| store::find(conn, &name)?.ok_or_else(ApiError::not_found))
        .await?;
    let menu = AdminMenu::new(row);
    Ok(versioning::with_etag(
        menu.version,
        AdminMenuResponse { data: menu },
    ))
}

/// Replace a menu's item tree. `If-Match` is honoured (412 when stale).
#[utoipa::path(
    tag = "menus",
    security(("bearer" = [])),
    params(("name" = String, Path, description = "Menu name."), IfMatch),
    request_body = ReplaceMenuRequest,
    responses(
        (status = 200, description = "The menu.", body = AdminMenuResponse),
        EditorOnly,
        (status = 404, description = "No such menu.", body = Problem, content_type = "application/problem+json"),
        StaleIfMatch,
        InvalidFields,
    )
)]
#[put("/menus/{name}")]
pub async fn replace_menu(
    if_match: IfMatch,
    principal: Principal,
    state: web::Data<AppState>,
    name: web::Path<String>,
    body: JsonBody<ReplaceMenuRequest>,
) -> Result<HttpResponse, ApiError> {
    principal.require(Permission::ManageTaxonomy)?;
    let expected = if_match.version()?;
    let name = name.into_inner();
    let body = body.parse()?;
    let row = state
        .db
        .write(move |conn| {
            let current = store::find(conn, &name)?.ok_or_else(ApiError::not_found)?;
            versioning::check(expected, current.version)?;
            let errors = checked_items(conn, &body.items)?;
            if !errors.is_empty() {
                return Err(DomainError::Invalid(errors).into());
            }
            if !store::replace(conn, current.id, current.version, &items_json(&body.items))? {
                return Err(ApiError::stale());
            }
            store::find(conn, &name)?.ok_or_else(ApiError::not_found)
        })
        .await?;
    let menu = AdminMenu::new(row);
    Ok(versioning::with_etag(
        menu.version,
        AdminMenuResponse { data: menu },
    ))
}

/// Delete a menu. `If-Match` is honoured.
#[utoipa::path(
    tag = "menus",
    security(("bearer" = [])),
    params(("name" = String, Path, description = "Menu name."), IfMatch),
    responses(
        (status = 204, description = "Deleted."),
        EditorOnly,
        (status = 404, description = "No such menu.", body = Problem, content_type = "application/problem+json"),
        StaleIfMatch,
    )
)]
#[delete("/menus/{name}")]
pub async fn delete_menu(
    if_match: IfMatch,
    principal: Principal,
    state: web::Data<AppState>,
    name: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    principal.require(Permission::ManageTaxonomy)?;
    let expected = if_match.version()?;
    let name = name.into_inner();
    state
        .db
        .write(move |conn| {
            let current = store::find(conn, &name)?.ok_or_else(ApiError::not_found)?;
            versioning::check(expected, current.version)?;
            store::delete(conn, current.id)?;
            Ok(())
        })
        .await?;
    Ok(HttpResponse::NoContent().finish())
}

/// What is wrong with an item tree, its targets' existence included.
fn checked_items(
    conn: &mut DbConnection,
    items: &[MenuItemInput],
) -> Result<Vec<FieldError>, ApiError> {
    let mut errors = items_errors(&locales::codes(conn)?, items);
    let named = targets(items);
    // One lookup per kind of target, whatever the number of items.
    let mut kinds: Vec<TargetKind> = named.iter().map(|(kind, _, _)| *kind).collect();
    kinds.sort_unstable();
    kinds.dedup();
    for kind in kinds
        .into_iter()
        .filter(|kind| *kind != TargetKind::External)
    {
        let ids: Vec<i64> = named
            .iter()
            .filter(|(k, _, _)| *k == kind)
            .map(|(_, id, _)| *id)
            .collect();
        let missing = store::missing(conn, kind, &ids)?;
        let what = match kind {
            TargetKind::Category => "category",
            TargetKind::Page => "page",
            TargetKind::Article => "article",
            TargetKind::Tag => "tag",
            _ => "author",
        };
        for (_, _, field) in named
            .iter()
            .filter(|(k, id, _)| *k == kind && missing.contains(id))
        {
            errors.push(FieldError::new(field.clone(), format!("names no {what}")));
        }
    }
    Ok(errors)
}

/// An item tree as stored.
fn items_json(items: &[MenuItemInput]) -> String {
    serde_json::to_string(items).unwrap_or_else(|_| "[]".into())
}
