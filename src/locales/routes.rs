//! Locale endpoints.

use actix_web::{HttpRequest, HttpResponse, get, web};
use serde::Serialize;
use utoipa::ToSchema;

use crate::delivery::cached_json;
use crate::error::{ApiError, Problem};
use crate::locales::model::Locale;
use crate::locales::store;
use crate::startup::AppState;

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
        (status = 304, description = "`If-None-Match` names the current ETag."),
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
