//! `GET /api/v1/preview/{token}`: a draft as the delivery API will serve it.

use actix_web::http::header;
use actix_web::{HttpResponse, get, web};
use serde::Serialize;
use utoipa::ToSchema;

use crate::app::AppState;
use crate::articles::model::Subject;
use crate::articles::model::public::ArticleResponse;
use crate::articles::read_model;
use crate::articles::store::read_model as views;
use crate::auth::tokens::hash_token;
use crate::error::{ApiError, Problem};
use crate::locales::model::LocaleChoice;
use crate::pages::routes::public::PageResponse;
use crate::pages::store as pages;
use crate::previews::store;

/// What a preview answers: an article's read or a page's, as the preview's subject is.
#[derive(Debug, Serialize, ToSchema)]
#[serde(untagged)]
pub enum PreviewResponse {
    Article(Box<ArticleResponse>),
    Page(Box<PageResponse>),
}

/// A draft, in exactly the delivery shape of a published article (`ArticleResponse`) or page
/// (`PageResponse`), in the preview's locale, as it stands now.
///
/// Never cached (`Cache-Control: private, no-store`) nor indexed (`X-Robots-Tag: noindex`).
/// An unknown, expired or revoked token, or one whose article or page is gone, is a 404.
#[utoipa::path(
    tag = "previews",
    params(("token" = String, Path, description = "The preview's token.")),
    responses(
        (status = 200, description = "The draft: an article's read or a page's.",
         body = PreviewResponse,
         headers(("Cache-Control" = String, description = "`private, no-store`."),
                 ("Content-Language" = String, description = "The preview's locale."),
                 ("X-Robots-Tag" = String, description = "`noindex`."))),
        (status = 404, description = "No such live preview.", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/preview/{token}")]
pub async fn get_preview(
    state: web::Data<AppState>,
    token: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let token_hash = hash_token(&token.into_inner());
    let locales = state.site_locales().await?;
    let kinds = state.active_kinds().await?;
    let urls = state.settings.urls.clone();
    let (body, locale) = state
        .db
        .run(move |conn| {
            let row = store::live(conn, &token_hash)?.ok_or_else(ApiError::not_found)?;
            let choice = LocaleChoice::strict(&row.locale, &locales);
            let id = row.subject_id;
            let body = match row.subject() {
                Subject::Article => {
                    let document = read_model::preview_document(conn, id, &row.locale)?
                        .ok_or_else(ApiError::not_found)?;
                    let counters = views::counters_of(conn, &[id])?;
                    format!(
                        "{{\"data\":{}}}",
                        read_model::with_counters(&document, counters.get(&id), &kinds)
                    )
                }
                Subject::Page => {
                    // This locale's translation as it stands, the others as the public sees
                    // them.
                    let own = pages::translations_of(conn, &[id])?
                        .into_iter()
                        .filter(|t| t.locale == row.locale || t.published())
                        .collect();
                    let parts = pages::parts(conn, id, own)?;
                    let page = parts
                        .public(&choice, &urls)
                        .ok_or_else(ApiError::not_found)?;
                    serde_json::to_string(&PageResponse { data: page })
                        .map_err(|error| ApiError::Internal(error.to_string()))?
                }
            };
            Ok((body, row.locale))
        })
        .await?;
    Ok(HttpResponse::Ok()
        .insert_header((header::CACHE_CONTROL, "private, no-store"))
        .insert_header((header::CONTENT_LANGUAGE, locale))
        .insert_header(("X-Robots-Tag", "noindex"))
        .content_type("application/json")
        .body(body))
}
