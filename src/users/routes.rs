//! `/api/v1/admin/users`: account management, for admins.

use actix_web::{HttpRequest, HttpResponse, delete, get, patch, post, web};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::app::AppState;
use crate::auth::actor::Principal;
use crate::auth::roles::{Permission, Role};
use crate::body::JsonBody;
use crate::db::Paged;
use crate::domain::FieldError;
use crate::error::{ApiError, Problem};
use crate::openapi::{AdminOnly, InvalidFields, InvalidParameters, StaleIfMatch};
use crate::pagination::{Page, PageMeta};
use crate::users::model::{
    User, UserRow, UserStatus, check_password, normalize_display_name, normalize_email,
};
use crate::users::store::{self, UserChanges, UserFilter};
use crate::versioning::{self, IfMatch};

/// Filters and page of the account list.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ListUsersQuery {
    /// Only this role.
    pub role: Option<Role>,
    /// Only this status.
    pub status: Option<UserStatus>,
    /// Email or display name contains this text.
    pub q: Option<String>,
    /// Page, from 1 to 100000.
    #[param(minimum = 1, maximum = 100000)]
    pub page: Option<u32>,
    /// Items per page, 1 to 100 (default 20).
    #[param(minimum = 1, maximum = 100)]
    pub per_page: Option<u32>,
}

/// A page of accounts.
#[derive(Debug, Serialize, ToSchema)]
pub struct UserList {
    /// The accounts, newest first.
    pub data: Vec<User>,
    /// Where this page stands.
    pub meta: PageMeta,
}

/// One account.
#[derive(Debug, Serialize, ToSchema)]
pub struct UserResponse {
    /// The account.
    pub data: User,
}

/// Create an account with any role.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateUserRequest {
    /// Email address; trimmed and lower-cased.
    pub email: String,
    /// 8 to 1024 characters.
    pub password: String,
    /// 1 to 100 characters.
    pub display_name: String,
    /// Any account role (not `visitor`).
    pub role: Role,
}

/// Change an account. Disabling it or changing its role ends its sessions at once.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateUserRequest {
    /// New role (not `visitor`).
    pub role: Option<Role>,
    /// New status.
    pub status: Option<UserStatus>,
    /// New display name.
    pub display_name: Option<String>,
}

/// List accounts.
#[utoipa::path(
    tag = "users",
    security(("bearer" = [])),
    params(ListUsersQuery),
    responses(
        (status = 200, description = "A page of accounts.", body = UserList,
         headers(("Link" = String, description = "`next` and `prev` pages."))),
        AdminOnly,
        InvalidParameters,
    )
)]
#[get("/users")]
pub async fn list_users(
    request: HttpRequest,
    principal: Principal,
    state: web::Data<AppState>,
    query: web::Query<ListUsersQuery>,
) -> Result<HttpResponse, ApiError> {
    principal.require(Permission::ManageUsers)?;
    let query = query.into_inner();
    let page = Page::new(query.page, query.per_page)?;
    let filter = UserFilter {
        role: query.role,
        status: query.status,
        query: query
            .q
            .map(|q| q.trim().to_lowercase())
            .filter(|q| !q.is_empty()),
    };
    let Paged { rows, total } = state
        .db
        .run(move |conn| Ok(store::list(conn, &filter, page.offset(), page.limit())?))
        .await?;
    let meta = page.meta(total);
    Ok(meta.ok(&request).json(UserList {
        data: rows.into_iter().map(User::from).collect(),
        meta,
    }))
}

/// Create an account.
#[utoipa::path(
    tag = "users",
    security(("bearer" = [])),
    request_body = CreateUserRequest,
    responses(
        (status = 201, description = "The account.", body = UserResponse,
         headers(("Location" = String, description = "The account's URL."),
                 ("ETag" = String, description = "The account's version."))),
        AdminOnly,
        (status = 409, description = "The email has an account.", body = Problem, content_type = "application/problem+json"),
        InvalidFields,
    )
)]
#[post("/users")]
pub async fn create_user(
    principal: Principal,
    state: web::Data<AppState>,
    body: JsonBody<CreateUserRequest>,
) -> Result<HttpResponse, ApiError> {
    principal.require(Permission::ManageUsers)?;
    let body = body.parse()?;
    let mut errors = Vec::new();
    let email = normalize_email(&body.email)
        .map_err(|e| errors.push(e))
        .ok();
    let name = normalize_display_name(&body.display_name)
        .map_err(|e| errors.push(e))
        .ok();
    let _ = check_password(&body.password, "password").map_err(|e| errors.push(e));
    if !body.role.is_account_role() {
        errors.push(FieldError::new(
            "role",
            "must be an account role, not visitor",
        ));
    }
    let (Some(email), Some(name), true) = (email, name, errors.is_empty()) else {
        return Err(ApiError::Validation {
            detail: "Some fields are not valid.".into(),
            errors,
        });
    };
    let hash = state.passwords.hash(body.password).await?;
    let role = body.role;
    let user = state
        .db
        .write(move |conn| Ok(store::create_account(conn, &email, &name, role, &hash)?))
        .await?;
    Ok(versioning::created(
        format!("/api/v1/admin/users/{}", user.id),
        Some(user.version),
        UserResponse { data: user.into() },
    ))
}

/// Read an account.
#[utoipa::path(
    tag = "users",
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "Account id.")),
    responses(
        (status = 200, description = "The account.", body = UserResponse,
         headers(("ETag" = String, description = "The account's version, for If-Match."))),
        AdminOnly,
        (status = 404, description = "No such account.", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/users/{id}")]
pub async fn get_user(
    principal: Principal,
    state: web::Data<AppState>,
    id: web::Path<i64>,
) -> Result<HttpResponse, ApiError> {
    principal.require(Permission::ManageUsers)?;
    let id = id.into_inner();
    let user = state.db.run(move |conn| Ok(store::find(conn, id)?)).await?;
    Ok(with_etag(user))
}

/// Change an account's role, status or display name.
///
/// Disabling or changing the role ends the account's sessions at once. The last active admin
/// can be neither disabled nor demoted (409). `If-Match` is honoured (412 when stale).
#[utoipa::path(
    tag = "users",
    security(("bearer" = [])),
    params(
        ("id" = i64, Path, description = "Account id."),
        IfMatch,
    ),
    request_body = UpdateUserRequest,
    responses(
        (status = 200, description = "The updated account.", body = UserResponse),
        AdminOnly,
        (status = 404, description = "No such account.", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "It is the last active admin.", body = Problem, content_type = "application/problem+json"),
        StaleIfMatch,
        InvalidFields,
    )
)]
#[patch("/users/{id}")]
pub async fn update_user(
    if_match: IfMatch,
    principal: Principal,
    state: web::Data<AppState>,
    id: web::Path<i64>,
    body: JsonBody<UpdateUserRequest>,
) -> Result<HttpResponse, ApiError> {
    principal.require(Permission::ManageUsers)?;
    let expected = if_match.version()?;
    let id = id.into_inner();
    let body = body.parse()?;
    if body.role.is_some_and(|role| !role.is_account_role()) {
        return Err(ApiError::invalid(
            "role",
            "must be an account role, not visitor",
        ));
    }
    let display_name = body
        .display_name
        .as_deref()
        .map(normalize_display_name)
        .transpose()?;
    let user = state
        .db
        .write(move |conn| {
            let current = store::find(conn, id)?;
            versioning::check(expected, current.version)?;
            let role_changes = body.role.is_some_and(|role| role != current.role());
            let disables = body.status == Some(UserStatus::Disabled) && current.is_active();
            let stays_admin = body.role.is_none_or(|role| role == Role::Admin)
                && body.status != Some(UserStatus::Disabled);
            if current.role() == Role::Admin && current.is_active() && !stays_admin {
                store::ensure_not_last_admin(conn, id)?;
            }
            let changes = UserChanges {
                display_name,
                role: body.role.map(|role| role.as_str().to_owned()),
                status: body.status.map(|status| status.as_str().to_owned()),
                password_hash: None,
            };
            store::update(
                conn,
                id,
                Some(current.version),
                &changes,
                role_changes || disables,
            )?
            .ok_or_else(ApiError::stale)
        })
        .await?;
    Ok(with_etag(user))
}

/// Delete an account.
///
/// The last active admin can't be deleted (409). `If-Match` is honoured (412 when stale).
#[utoipa::path(
    tag = "users",
    security(("bearer" = [])),
    params(
        ("id" = i64, Path, description = "Account id."),
        IfMatch,
    ),
    responses(
        (status = 204, description = "Deleted."),
        AdminOnly,
        (status = 404, description = "No such account.", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "It is the last active admin.", body = Problem, content_type = "application/problem+json"),
        StaleIfMatch,
    )
)]
#[delete("/users/{id}")]
pub async fn delete_user(
    if_match: IfMatch,
    principal: Principal,
    state: web::Data<AppState>,
    id: web::Path<i64>,
) -> Result<HttpResponse, ApiError> {
    principal.require(Permission::ManageUsers)?;
    let expected = if_match.version()?;
    let id = id.into_inner();
    state
        .db
        .write(move |conn| {
            let current = store::find(conn, id)?;
            versioning::check(expected, current.version)?;
            if current.role() == Role::Admin && current.is_active() {
                store::ensure_not_last_admin(conn, id)?;
            }
            store::delete(conn, id)?;
            Ok(())
        })
        .await?;
    Ok(HttpResponse::NoContent().finish())
}

/// 409 when `id` is the only active admin; locks the admins until the transaction ends, so
/// two admins can't demote each other at once.
fn with_etag(user: UserRow) -> HttpResponse {
    versioning::with_etag(user.version, UserResponse { data: user.into() })
}
