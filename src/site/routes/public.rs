//! `GET /api/v1/site`: the site settings in one locale, for every page's frame.

use actix_web::{HttpRequest, HttpResponse, get, web};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::app::AppState;
use crate::delivery::cached_json_in;
use crate::delivery::locale::choose_locale;
use crate::error::ApiError;
use crate::media::model::MediaLibrary;
use crate::media::store as media;
use crate::openapi::{NotModified, UnknownLocale};
use crate::site::model::PublicSite;
use crate::site::store;

/// The locale of the site settings.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct SiteQuery {
    /// Locale to serve (a site locale); else `Accept-Language`, else the site default. The texts
    /// always show, in the first locale of the fallback chain that has them.
    pub locale: Option<String>,
}

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
    params(SiteQuery),
    responses(
        (status = 200, description = "The settings.", body = SiteResponse,
         headers(("ETag" = String, description = "Strong validator."),
                 ("Content-Language" = String, description = "The requested locale."))),
        NotModified,
        UnknownLocale,
    )
)]
#[get("/site")]
pub async fn get_site(
    request: HttpRequest,
    state: web::Data<AppState>,
    query: web::Query<SiteQuery>,
) -> Result<HttpResponse, ApiError> {
    let query = query.into_inner();
    let choice = choose_locale(&state, &request, query.locale.as_deref(), None).await?;
    let locales = state.site_locales().await?;
    let (row, translations, logo) = state
        .db
        .run(|conn| {
            let (row, translations) = store::find(conn)?;
            let logo: Vec<i64> = row.logo_media_id.into_iter().collect();
            let logo = MediaLibrary::new(
                media::by_ids(conn, &logo)?,
                media::translations_of(conn, &logo)?,
            );
            Ok((row, translations, logo))
        })
        .await?;
    let logo = row
        .logo_media_id
        .and_then(|id| logo.public(id, &choice, &state.settings.urls));
    let site = PublicSite::new(
        &row,
        &translations,
        &locales,
        &choice,
        logo,
        &state.settings.feeds.api_url,
    );
    cached_json_in(
        &request,
        state.settings.http.cache_max_age,
        &SiteResponse { data: site },
        Some(&choice.requested),
    )
}
