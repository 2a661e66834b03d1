//! Making, listing and revoking API keys (admins only; no key can manage keys).

use actix_web::{HttpResponse, delete, get, post, web};

use crate::api_keys::model::*;
use crate::api_keys::store::{self, NewApiKey};
use crate::app::AppState;
use crate::articles::model::stored_time;
use crate::auth::actor::Principal;
use crate::auth::roles::Permission;
use crate::auth::tokens::{hash_token, random_hex};
use crate::body::JsonBody;
use crate::domain::check_fields;
use crate::error::{ApiError, Problem};
use crate::openapi::{AdminOnly, InvalidFields};
use crate::versioning;

/// List API keys (never the keys themselves).
#[utoipa::path(
    tag = "api-keys",
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Every key, newest first.", body = ApiKeyList),
        AdminOnly,
    )
)]
#[get("/api-keys")]
pub async fn list_api_keys(
    principal: Principal,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    principal.require(Permission::ManageSettings)?;
    let rows = state.db.run(|conn| Ok(store::list(conn)?)).await?;
    Ok(HttpResponse::Ok().json(ApiKeyList {
        data: rows.into_iter().map(ApiKey::from).collect(),
    }))
}

/// Make an API key with scopes.
///
/// The key (`nk_` and 64 hex digits) is in this answer only; the server keeps its SHA-256.
/// Send it as `Authorization: Bearer nk_…`: it may call the management routes its scopes
/// name (each route's `api_key` security says which) and the delivery API, within
/// `RATE_LIMIT_API_KEY` requests a minute. It never manages users, locales, site settings,
/// keys or the audit log.
#[utoipa::path(
    tag = "api-keys",
    security(("bearer" = [])),
    request_body = CreateApiKeyRequest,
    responses(
        (status = 201, description = "The key, shown once.", body = CreatedApiKeyResponse),
        AdminOnly,
        InvalidFields,
    )
)]
#[post("/api-keys")]
pub async fn create_api_key(
    principal: Principal,
    state: web::Data<AppState>,
    body: JsonBody<CreateApiKeyRequest>,
) -> Result<HttpResponse, ApiError> {
    principal.require(Permission::ManageSettings)?;
    let body = body.parse()?;
    check_fields(body.errors(chrono::Utc::now()))?;
    let key = format!("{KEY_PREFIX}{}", random_hex(32)?);
    let prefix = key[..KEY_PREFIX.len() + SHOWN_PREFIX].to_owned();
    let key_hash = hash_token(&key);
    let mut scopes: Vec<&str> = body.scopes.iter().map(|s| s.as_str()).collect();
    scopes.sort_unstable();
    scopes.dedup();
    let scopes = scopes.join(",");
    let created_by = principal.user_id();
    let row = state
        .db
        .write(move |conn| {
            Ok(store::insert(
                conn,
                &NewApiKey {
                    name: body.name.trim(),
                    prefix: &prefix,
                    key_hash: &key_hash,
                    scopes: &scopes,
                    created_by,
                    expires_at: body.expires_at.map(stored_time),
                },
            )?)
        })
        .await?;
    Ok(versioning::created(
        format!("/api/v1/admin/api-keys/{}", row.id),
        None,
        CreatedApiKeyResponse {
            data: CreatedApiKey {
                api_key: ApiKey::from(row),
                key,
            },
        },
    ))
}

/// Revoke an API key: it stops working at once.
#[utoipa::path(
    tag = "api-keys",
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "Key id.")),
    responses(
        (status = 204, description = "Revoked."),
        AdminOnly,
        (status = 404, description = "No such key.", body = Problem, content_type = "application/problem+json"),
    )
)]
#[delete("/api-keys/{id}")]
pub async fn delete_api_key(
    principal: Principal,
    state: web::Data<AppState>,
    id: web::Path<i64>,
) -> Result<HttpResponse, ApiError> {
    principal.require(Permission::ManageSettings)?;
    let id = id.into_inner();
    if !state
        .db
        .write(move |conn| Ok(store::delete(conn, id)?))
        .await?
    {
        return Err(ApiError::not_found());
    }
    Ok(HttpResponse::NoContent().finish())
}
