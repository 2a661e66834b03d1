//! `/api/v1/admin/categories`: the category tree with every translation, for editors and admins.

use std::collections::BTreeMap;

use actix_web::{HttpResponse, delete, get, patch, post, web};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::app::AppState;
use crate::articles::read_model;
use crate::auth::actor::Principal;
use crate::auth::roles::Permission;
use crate::body::JsonBody;
use crate::categories::model::*;
use crate::categories::store;
use crate::db::{self, DbConnection};
use crate::error::{ApiError, Problem};
use crate::events::model::Resource;
use crate::events::store as events;
use crate::locales::store as locales;
use crate::openapi::{EditorOnly, InvalidFields, StaleIfMatch};
use crate::slug::assign;
use crate::translated::{self, LocaleMap, stored_description};
use crate::versioning::{self, IfMatch};

/// Create a category.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateCategoryRequest {
    /// Parent category; absent for a root category.
    pub parent_id: Option<i64>,
    /// Order among siblings (default 0).
    pub position: Option<i32>,
    /// Translations by locale code; at least one.
    #[schema(example = json!({"tr": {"name": "Orta Asya"}, "fr": {"name": "Asie Centrale"}}))]
    pub translations: BTreeMap<String, CategoryTranslationInput>,
}

/// Change a category. Translations given are created or replaced; a locale set to `null` is
/// removed; locales not named are kept.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateCategoryRequest {
    /// New parent; `null` moves the category to the root.
    #[serde(default, deserialize_with = "crate::body::present")]
    #[schema(value_type = Option<i64>)]
    pub parent_id: Option<Option<i64>>,
    /// New order among siblings.
    pub position: Option<i32>,
    /// Translations to create, replace (object) or remove (`null`).
    #[schema(value_type = Option<BTreeMap<String, CategoryTranslationInput>>)]
    pub translations: Option<BTreeMap<String, Option<CategoryTranslationInput>>>,
}

/// Every category, as editors see them.
#[derive(Debug, Serialize, ToSchema)]
pub struct AdminCategoryList {
    /// Categories in tree order (parents before children).
    pub data: Vec<AdminCategory>,
}

/// One category, as editors see it.
#[derive(Debug, Serialize, ToSchema)]
pub struct AdminCategoryResponse {
    /// The category.
    pub data: AdminCategory,
}

/// List every category with every translation.
#[utoipa::path(
    tag = "categories",
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Every category.", body = AdminCategoryList),
        EditorOnly,
    )
)]
#[get("/categories")]
pub async fn admin_list_categories(
    principal: Principal,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    principal.require(Permission::ManageTaxonomy)?;
    let AllCategories { rows, translations } =
        state.db.run(|conn| Ok(store::load_all(conn)?)).await?;
    let mut by_category = db::group_by(translations, |t| t.category_id);
    let data = tree_order(&rows)
        .into_iter()
        .map(|row| {
            let translations = by_category.remove(&row.id).unwrap_or_default();
            AdminCategory::new(row, translations)
        })
        .collect();
    Ok(HttpResponse::Ok().json(AdminCategoryList { data }))
}

/// Create a category.
#[utoipa::path(
    tag = "categories",
    security(("bearer" = [])),
    request_body = CreateCategoryRequest,
    responses(
        (status = 201, description = "The category.", body = AdminCategoryResponse,
         headers(("Location" = String, description = "The category's admin URL."),
                 ("ETag" = String, description = "Its version."))),
        EditorOnly,
        (status = 409, description = "A given slug is taken in its locale.", body = Problem, content_type = "application/problem+json"),
        InvalidFields,
    )
)]
#[post("/categories")]
pub async fn create_category(
    principal: Principal,
    state: web::Data<AppState>,
    body: JsonBody<CreateCategoryRequest>,
) -> Result<HttpResponse, ApiError> {
    principal.require(Permission::ManageTaxonomy)?;
    let body = body.parse()?;
    if body.translations.is_empty() {
        return Err(ApiError::invalid(
            "translations",
            "must name at least one locale",
        ));
    }
    let translations: BTreeMap<String, Option<CategoryTranslationInput>> = body
        .translations
        .into_iter()
        .map(|(l, t)| (l, Some(t)))
        .collect();
    let category = state
        .db
        .write(move |conn| {
            check_translations(conn, &translations)?;
            if let Some(parent) = body.parent_id {
                store::ensure_parent(conn, parent)?;
            }
            let id = store::insert(conn, body.parent_id, body.position.unwrap_or(0))?;
            write_translations(conn, id, &translations)?;
            events::announce(conn, Resource::Category, "created", id)?;
            Ok(store::find_admin(conn, id)?)
        })
        .await?;
    Ok(versioning::created(
        format!("/api/v1/admin/categories/{}", category.id),
        Some(category.version),
        AdminCategoryResponse { data: category },
    ))
}

/// Read a category with every translation.
#[utoipa::path(
    tag = "categories",
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "Category id.")),
    responses(
        (status = 200, description = "The category.", body = AdminCategoryResponse,
         headers(("ETag" = String, description = "Its version, for If-Match."))),
        EditorOnly,
        (status = 404, description = "No such category.", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/categories/{id}")]
pub async fn admin_get_category(
    principal: Principal,
    state: web::Data<AppState>,
    id: web::Path<i64>,
) -> Result<HttpResponse, ApiError> {
    principal.require(Permission::ManageTaxonomy)?;
    let id = id.into_inner();
    let category = state
        .db
        .run(move |conn| Ok(store::find_admin(conn, id)?))
        .await?;
    Ok(versioning::with_etag(
        category.version,
        AdminCategoryResponse { data: category },
    ))
}

/// Move, reorder or retranslate a category.
///
/// `If-Match` is honoured (412 when stale). A category can't become its own descendant (422).
#[utoipa::path(
    tag = "categories",
    security(("bearer" = [])),
    params(
        ("id" = i64, Path, description = "Category id."),
        IfMatch,
    ),
    request_body = UpdateCategoryRequest,
    responses(
        (status = 200, description = "The category.", body = AdminCategoryResponse),
        EditorOnly,
        (status = 404, description = "No such category.", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "A given slug is taken in its locale.", body = Problem, content_type = "application/problem+json"),
        StaleIfMatch,
        InvalidFields,
    )
)]
#[patch("/categories/{id}")]
pub async fn update_category(
    if_match: IfMatch,
    principal: Principal,
    state: web::Data<AppState>,
    id: web::Path<i64>,
    body: JsonBody<UpdateCategoryRequest>,
) -> Result<HttpResponse, ApiError> {
    principal.require(Permission::ManageTaxonomy)?;
    let expected = if_match.version()?;
    let id = id.into_inner();
    let body = body.parse()?;
    let category = state
        .db
        .write(move |conn| {
            if body.parent_id.is_some() {
                // The cycle check and the move must see the same tree.
                store::lock_tree(conn)?;
            }
            let current = store::find(conn, id)?;
            let version = expected.unwrap_or(current.version);
            let parent_id = body.parent_id.unwrap_or(current.parent_id);
            if let Some(parent) = parent_id {
                store::ensure_parent(conn, parent)?;
                if store::ancestors(conn, parent)?.contains(&id) {
                    return Err(ApiError::invalid(
                        "parent_id",
                        "can't be the category itself or one of its descendants",
                    ));
                }
            }
            let position = body.position.unwrap_or(current.position);
            if !store::update(conn, id, version, parent_id, position)? {
                return Err(ApiError::stale());
            }
            if let Some(translations) = &body.translations {
                check_translations(conn, translations)?;
                write_translations(conn, id, translations)?;
            }
            read_model::refresh_category(conn, id)?;
            events::announce(conn, Resource::Category, "updated", id)?;
            let category = store::find_admin(conn, id)?;
            if category.translations.is_empty() {
                return Err(ApiError::invalid(
                    "translations",
                    "can't remove every locale",
                ));
            }
            Ok(category)
        })
        .await?;
    Ok(versioning::with_etag(
        category.version,
        AdminCategoryResponse { data: category },
    ))
}

/// Delete an empty category.
///
/// A category with sub-categories or articles can't be deleted (409).
#[utoipa::path(
    tag = "categories",
    security(("bearer" = [])),
    params(
        ("id" = i64, Path, description = "Category id."),
        IfMatch,
    ),
    responses(
        (status = 204, description = "Deleted."),
        EditorOnly,
        (status = 404, description = "No such category.", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "It has sub-categories or articles.", body = Problem, content_type = "application/problem+json"),
        StaleIfMatch,
    )
)]
#[delete("/categories/{id}")]
pub async fn delete_category(
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
            let store::Dependents { children, articles } = store::dependents(conn, id)?;
            if children > 0 || articles > 0 {
                return Err(ApiError::Conflict(format!(
                    "The category has {children} sub-categories and {articles} articles; \
                     move them first."
                )));
            }
            store::delete(conn, id)?;
            events::announce(conn, Resource::Category, "deleted", id)?;
            Ok(())
        })
        .await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Rows with every parent before its children, siblings by position.
fn tree_order(rows: &[CategoryRow]) -> Vec<CategoryRow> {
    fn visit(rows: &[CategoryRow], parent: Option<i64>, out: &mut Vec<CategoryRow>) {
        for row in rows.iter().filter(|r| r.parent_id == parent) {
            if out.iter().all(|seen| seen.id != row.id) {
                out.push(row.clone());
                visit(rows, Some(row.id), out);
            }
        }
    }
    let mut out = Vec::with_capacity(rows.len());
    visit(rows, None, &mut out);
    out
}

/// Checks a body's translations against the site's locales.
fn check_translations(
    conn: &mut DbConnection,
    translations: &LocaleMap<CategoryTranslationInput>,
) -> Result<(), ApiError> {
    let site = locales::codes(conn)?;
    let errors = translated::errors(
        &site,
        "translations",
        translations,
        CategoryTranslationInput::errors,
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
    translations: &LocaleMap<CategoryTranslationInput>,
) -> Result<(), ApiError> {
    translated::write(
        conn,
        translations,
        |conn, locale, translation| {
            let slug = assign(
                translation.slug.as_deref(),
                &translation.name,
                locale,
                |candidate| store::slug_taken(conn, locale, candidate, Some(id)),
            )?;
            store::put_translation(
                conn,
                id,
                locale,
                translation.name.trim(),
                &slug,
                stored_description(translation.description.as_deref()),
            )?;
            Ok(())
        },
        |conn, locale| Ok(store::delete_translation(conn, id, locale).map(drop)?),
    )
}
