//! `POST /api/v1/articles/{key}/views`: a reader read an article.

use actix_web::{HttpRequest, HttpResponse, post, web};

use crate::app::AppState;
use crate::articles::store::delivery::visible_by_key;
use crate::auth::principal::MaybePrincipal;
use crate::db;
use crate::error::{ApiError, Problem};
use crate::reads::model::Reader;

/// Record a read of a published article, for the most-read lists (`sort=popular`).
///
/// No token needed; with one, the account or visitor is the reader, else the client address.
/// A reader counts once per article per hour (later reads answer 204 too, uncounted). Reads
/// are added up in memory and written every `VIEWS_FLUSH_SECONDS`: no write per read, and a
/// crash loses at most that interval's counts.
#[utoipa::path(
    tag = "articles",
    params(("key" = String, Path, description = "Id, or slug in any locale.")),
    responses(
        (status = 204, description = "Counted (or already counted this hour)."),
        (status = 401, description = "A token was sent and is not valid.", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such published article.", body = Problem, content_type = "application/problem+json"),
        (status = 429, description = "Too many reads recorded from this client address.", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/articles/{key}/views")]
pub async fn record_view(
    request: HttpRequest,
    state: web::Data<AppState>,
    caller: MaybePrincipal,
    key: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    state.limits.check_view(&request)?;
    let key = key.into_inner();
    let id = state
        .db
        .run(move |conn| Ok(visible_by_key(conn, &key)?.id))
        .await?;
    let reader = match caller.0 {
        Some(principal) => Reader::Actor(principal.actor),
        None => Reader::Address(state.limits.client_key(&request)),
    };
    if state.reads.record(id, reader, db::now()) {
        state.metrics.read_counted();
    }
    Ok(HttpResponse::NoContent().finish())
}
