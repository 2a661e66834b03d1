//! `GET /api/v1/site`: the site settings in one locale, for every page's frame.

use actix_web::{HttpRequest, HttpResponse, get, web};
use serde::Serialize;
use utoipa::ToSchema;

use crate::app::AppState;
use crate::delivery::cached_json_in;
use crate::delivery::locale::{LocaleQuery, choose_locale};
use crate::error::{ApiError, Problem};
use crate::openapi::{NotModified, UnknownLocale};
use crate::site::model::PublicSite;
use crate::site::store;

/// The site settings in one locale.
#[derive(Debug, Serialize, ToSchema)]
pub struct SiteResponse {
    /// The settings.
    pub data: PublicSite,
}

/// What every page's frame needs, in one call.
///
/// The site's name, description and copyright line in the negotiated locale (falling back
/// like category names), its locales with the default, social links and contact details.
/// Cached like every public read.
#[utoipa::path(
    tag = "site",
    params(LocaleQuery),
    responses(
        (status = 200, description = "The settings.", body = SiteResponse,
         headers(("ETag" = String, description = "Strong validator."),
                 ("Content-Language" = String, description = "The requested locale."))),
        NotModified,
        UnknownLocale,
        (status = 503, description = "The database is unavailable.", body = Problem,
         content_type = "application/problem+json"),
    )
)]
#[get("/site")]
pub async fn get_site(
    request: HttpRequest,
    state: web::Data<AppState>,
    query: web::Query<LocaleQuery>,
) -> Result<HttpResponse, ApiError> {
    let query = query.into_inner();
    let choice = choose_locale(&state, &request, query.locale.as_deref(), query.fallback).await?;
    let locales = state.site_locales().await?;
    let (row, translations) = state.db.run(|conn| Ok(store::find(conn)?)).await?;
    let site = PublicSite::new(&row, &translations, &locales, &choice);
    cached_json_in(
        &request,
        state.settings.http.cache_max_age,
        &SiteResponse { data: site },
        Some(&choice.requested),
    )
}
