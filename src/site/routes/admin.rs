//! `/api/v1/admin/site`: the site settings, for admins.

use actix_web::{HttpResponse, get, put, web};
use serde::Serialize;
use utoipa::ToSchema;

use crate::app::AppState;
use crate::auth::actor::Principal;
use crate::auth::roles::Permission;
use crate::body::JsonBody;
use crate::error::ApiError;
use crate::locales::store as locales;
use crate::media::store as media;
use crate::openapi::{AdminOnly, InvalidFields, StaleIfMatch};
use crate::site::model::{AdminSite, SiteRequest};
use crate::site::store;
use crate::versioning::{self, IfMatch};

/// The site settings as admins see them.
#[derive(Debug, Serialize, ToSchema)]
pub struct AdminSiteResponse {
    /// The settings.
    pub data: AdminSite,
}

/// Read the site settings, with the texts in every locale.
#[utoipa::path(
    tag = "site",
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The settings.", body = AdminSiteResponse,
         headers(("ETag" = String, description = "Their version, for If-Match on PUT."))),
        AdminOnly,
    )
)]
#[get("/site")]
pub async fn admin_get_site(
    principal: Principal,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    principal.require(Permission::ManageSettings)?;
    let site = state
        .db
        .run(|conn| {
            let (row, translations) = store::find(conn)?;
            Ok(AdminSite::new(row, translations))
        })
        .await?;
    Ok(versioning::with_etag(
        site.version,
        AdminSiteResponse { data: site },
    ))
}

/// Replace the site settings: texts per locale, social links, contact details.
///
/// The body is the whole of them: a locale, link or contact detail left out is removed.
/// `If-Match` is honoured (412 when stale). Every cached public read is purged, on every
/// instance.
#[utoipa::path(
    tag = "site",
    security(("bearer" = [])),
    params(IfMatch),
    request_body = SiteRequest,
    responses(
        (status = 200, description = "The settings.", body = AdminSiteResponse,
         headers(("ETag" = String, description = "Their new version."))),
        AdminOnly,
        StaleIfMatch,
        InvalidFields,
    )
)]
#[put("/site")]
pub async fn replace_site(
    if_match: IfMatch,
    principal: Principal,
    state: web::Data<AppState>,
    body: JsonBody<SiteRequest>,
) -> Result<HttpResponse, ApiError> {
    principal.require(Permission::ManageSettings)?;
    let expected = if_match.version()?;
    let request = body.parse()?;
    let site = state
        .db
        .write(move |conn| {
            let current = store::lock(conn)?;
            versioning::check(expected, current.version)?;
            let request = request.checked(&locales::codes(conn)?)?;
            if let Some(logo) = request.logo_media_id
                && !media::missing(conn, &[logo])?.is_empty()
            {
                return Err(ApiError::invalid("logo_media_id", "names no media item"));
            }
            store::replace(
                conn,
                &request.translation_rows(),
                &request.social,
                &request.contact,
                request.logo_media_id,
            )?;
            let (row, translations) = store::find(conn)?;
            Ok(AdminSite::new(row, translations))
        })
        .await?;
    Ok(versioning::with_etag(
        site.version,
        AdminSiteResponse { data: site },
    ))
}
