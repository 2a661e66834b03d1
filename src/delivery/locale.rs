//! The locale parameters of public reads, and the locale choice made from them and the
//! request (see `locales::model::LocaleChoice` for the negotiation and the fallback chain).

use actix_web::HttpRequest;
use actix_web::http::header;
use serde::Deserialize;
use utoipa::IntoParams;

use crate::app::AppState;
use crate::error::ApiError;
use crate::locales::model::LocaleChoice;

/// Locale parameters of public reads.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct LocaleQuery {
    /// Locale to serve (a site locale); else `Accept-Language`, else the site default.
    pub locale: Option<String>,
    /// `false` turns a missing translation into 404 instead of serving another locale.
    pub fallback: Option<bool>,
}

/// [`LocaleChoice::negotiate`] among the site's locales (kept in memory) from the request's
/// `Accept-Language`: the one way a public read picks its locale.
pub async fn choose_locale(
    state: &AppState,
    request: &HttpRequest,
    explicit: Option<&str>,
    fallback: Option<bool>,
) -> Result<LocaleChoice, ApiError> {
    let locales = state.site_locales().await?;
    let accept_language = request
        .headers()
        .get(header::ACCEPT_LANGUAGE)
        .and_then(|value| value.to_str().ok());
    Ok(LocaleChoice::negotiate(
        accept_language,
        &locales,
        explicit,
        fallback,
    )?)
}
