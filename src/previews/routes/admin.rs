//! Making, listing and revoking draft previews: of an article by those who may edit it (its
//! writer, editors and admins), of a page by editors and admins.

use actix_web::{HttpResponse, delete, get, post, web};
use serde::Serialize;
use utoipa::ToSchema;

use crate::app::AppState;
use crate::articles::model::Subject;
use crate::articles::store::{self as articles, editing::editable};
use crate::auth::actor::Principal;
use crate::auth::roles::Permission;
use crate::auth::tokens::{hash_token, random_hex};
use crate::body::JsonBody;
use crate::db::{self, DbConnection};
use crate::error::{ApiError, Problem};
use crate::openapi::{InvalidFields, NoToken};
use crate::pages::store as pages;
use crate::previews::model::*;
use crate::previews::store;

/// A preview just made.
#[derive(Debug, Serialize, ToSchema)]
pub struct CreatedPreviewResponse {
    pub data: CreatedPreview,
}

/// The previews of an article or page.
#[derive(Debug, Serialize, ToSchema)]
pub struct PreviewList {
    /// Newest first, expired ones included until they are pruned.
    pub data: Vec<Preview>,
}

/// Make a preview of one translation of an article, draft or not.
///
/// The token goes in `GET /api/v1/preview/{token}`; it is shown only in this answer and
/// stored hashed. It shows the translation as it stands at each read, so a save shows on
/// reload.
#[utoipa::path(
    tag = "previews",
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "Article id.")),
    request_body = CreatePreviewRequest,
    responses(
        (status = 201, description = "The preview, with its token.", body = CreatedPreviewResponse),
        NoToken,
        (status = 403, description = "Not a contributor or above.", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such article, or not yours.", body = Problem, content_type = "application/problem+json"),
        InvalidFields,
    )
)]
#[post("/articles/{id}/previews")]
pub async fn create_article_preview(
    principal: Principal,
    state: web::Data<AppState>,
    id: web::Path<i64>,
    body: JsonBody<CreatePreviewRequest>,
) -> Result<HttpResponse, ApiError> {
    principal.require(Permission::WriteOwnArticles)?;
    create(state, principal, Subject::Article, id.into_inner(), body).await
}

/// Make a preview of one translation of a page, draft or not (see the article's).
#[utoipa::path(
    tag = "previews",
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "Page id.")),
    request_body = CreatePreviewRequest,
    responses(
        (status = 201, description = "The preview, with its token.", body = CreatedPreviewResponse),
        NoToken,
        (status = 403, description = "Not an editor or admin.", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such page.", body = Problem, content_type = "application/problem+json"),
        InvalidFields,
    )
)]
#[post("/pages/{id}/previews")]
pub async fn create_page_preview(
    principal: Principal,
    state: web::Data<AppState>,
    id: web::Path<i64>,
    body: JsonBody<CreatePreviewRequest>,
) -> Result<HttpResponse, ApiError> {
    principal.require(Permission::ManagePages)?;
    create(state, principal, Subject::Page, id.into_inner(), body).await
}

/// List an article's previews (without their tokens).
#[utoipa::path(
    tag = "previews",
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "Article id.")),
    responses(
        (status = 200, description = "Its previews.", body = PreviewList),
        NoToken,
        (status = 403, description = "Not a contributor or above.", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such article, or not yours.", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/articles/{id}/previews")]
pub async fn list_article_previews(
    principal: Principal,
    state: web::Data<AppState>,
    id: web::Path<i64>,
) -> Result<HttpResponse, ApiError> {
    principal.require(Permission::WriteOwnArticles)?;
    list(state, principal, Subject::Article, id.into_inner()).await
}

/// List a page's previews (without their tokens).
#[utoipa::path(
    tag = "previews",
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "Page id.")),
    responses(
        (status = 200, description = "Its previews.", body = PreviewList),
        NoToken,
        (status = 403, description = "Not an editor or admin.", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such page.", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/pages/{id}/previews")]
pub async fn list_page_previews(
    principal: Principal,
    state: web::Data<AppState>,
    id: web::Path<i64>,
) -> Result<HttpResponse, ApiError> {
    principal.require(Permission::ManagePages)?;
    list(state, principal, Subject::Page, id.into_inner()).await
}

/// Revoke a preview: its token stops working at once.
#[utoipa::path(
    tag = "previews",
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "Preview id.")),
    responses(
        (status = 204, description = "Revoked."),
        NoToken,
        (status = 403, description = "Not a contributor or above.", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such preview, or not of yours.", body = Problem, content_type = "application/problem+json"),
    )
)]
#[delete("/previews/{id}")]
pub async fn revoke_preview(
    principal: Principal,
    state: web::Data<AppState>,
    id: web::Path<i64>,
) -> Result<HttpResponse, ApiError> {
    principal.require(Permission::WriteOwnArticles)?;
    let id = id.into_inner();
    state
        .db
        .write(move |conn| {
            let row = store::find(conn, id)?;
            check_subject(conn, &principal, row.subject(), row.subject_id)?;
            Ok(store::delete(conn, id)?)
        })
        .await?;
    Ok(HttpResponse::NoContent().finish())
}

async fn create(
    state: web::Data<AppState>,
    principal: Principal,
    subject: Subject,
    id: i64,
    body: JsonBody<CreatePreviewRequest>,
) -> Result<HttpResponse, ApiError> {
    let body = body.parse()?;
    let token = format!("pv_{}", random_hex(32)?);
    let token_hash = hash_token(&token);
    let user = principal.user_id();
    let row = state
        .db
        .write(move |conn| {
            check_subject(conn, &principal, subject, id)?;
            let life = body.life()?;
            let translated = match subject {
                Subject::Article => articles::find_translation(conn, id, &body.locale)?.is_some(),
                Subject::Page => pages::find_translation(conn, id, &body.locale)?.is_some(),
            };
            if !translated {
                return Err(ApiError::invalid(
                    "locale",
                    format!("names no translation of this {}", subject.as_str()),
                ));
            }
            let expires_at = db::now() + life;
            Ok(store::insert(
                conn,
                &token_hash,
                subject,
                id,
                &body.locale,
                user,
                expires_at,
            )?)
        })
        .await?;
    let url = state.settings.urls.preview(&token);
    Ok(HttpResponse::Created().json(CreatedPreviewResponse {
        data: CreatedPreview {
            preview: row.into(),
            token,
            url,
        },
    }))
}

async fn list(
    state: web::Data<AppState>,
    principal: Principal,
    subject: Subject,
    id: i64,
) -> Result<HttpResponse, ApiError> {
    let rows = state
        .db
        .run(move |conn| {
            check_subject(conn, &principal, subject, id)?;
            Ok(store::of(conn, subject, id)?)
        })
        .await?;
    Ok(HttpResponse::Ok().json(PreviewList {
        data: rows.into_iter().map(Preview::from).collect(),
    }))
}

/// Not found unless the principal may edit `subject` `id`: an article it may edit (its own,
/// or any for editors), a page for editors and admins.
fn check_subject(
    conn: &mut DbConnection,
    principal: &Principal,
    subject: Subject,
    id: i64,
) -> Result<(), ApiError> {
    match subject {
        Subject::Article => editable(conn, principal, id).map(drop).map_err(Into::into),
        Subject::Page if principal.allows(Permission::ManagePages) => {
            pages::find(conn, id).map(drop).map_err(Into::into)
        }
        Subject::Page => Err(ApiError::not_found()),
    }
}
