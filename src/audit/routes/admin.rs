//! `GET /api/v1/admin/audit`: who did what, for admins.

use actix_web::{HttpRequest, HttpResponse, get, web};

use crate::app::AppState;
use crate::articles::model::stored_time;
use crate::audit::model::{AuditEntry, AuditQuery};
use crate::audit::store::{self, Filter};
use crate::auth::actor::Principal;
use crate::auth::roles::Permission;
use crate::error::ApiError;
use crate::openapi::{AdminOnly, InvalidParameters};
use crate::pagination::{Page, PageMeta};
use serde::Serialize;
use utoipa::ToSchema;

#[derive(Debug, Serialize, ToSchema)]
pub struct AuditList {
    /// Newest first.
    pub data: Vec<AuditEntry>,
    pub meta: PageMeta,
}

/// The audit log, newest first: every management write with its actor (account or API key),
/// action, resource and id, request id, time and the fields it set.
#[utoipa::path(
    tag = "audit",
    security(("bearer" = [])),
    params(AuditQuery),
    responses(
        (status = 200, description = "A page of entries.", body = AuditList),
        AdminOnly,
        InvalidParameters,
    )
)]
#[get("/audit")]
pub async fn list_audit(
    request: HttpRequest,
    principal: Principal,
    state: web::Data<AppState>,
    query: web::Query<AuditQuery>,
) -> Result<HttpResponse, ApiError> {
    principal.require(Permission::ManageSettings)?;
    let query = query.into_inner();
    let page = Page::new(query.page, query.per_page)?;
    if let Some(actor) = &query.actor {
        let valid = actor
            .strip_prefix("user:")
            .or_else(|| actor.strip_prefix("api_key:"))
            .is_some_and(|id| {
                id.len() <= 18 && id.bytes().all(|b| b.is_ascii_digit()) && !id.is_empty()
            });
        if !valid {
            return Err(ApiError::invalid(
                "actor",
                "must be `user:{id}` or `api_key:{id}`",
            ));
        }
    }
    let filter = Filter {
        actor: query.actor,
        resource: query.resource,
        resource_id: query.id,
        since: query.since.map(stored_time),
        until: query.until.map(stored_time),
    };
    let (offset, limit) = (page.offset(), page.limit());
    let paged = state
        .db
        .run(move |conn| Ok(store::page(conn, &filter, offset, limit)?))
        .await?;
    let meta = page.meta(paged.total);
    let data = paged.rows.into_iter().map(AuditEntry::from).collect();
    Ok(meta.ok(&request).json(AuditList { data, meta }))
}
