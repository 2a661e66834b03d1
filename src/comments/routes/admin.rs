//! Moderation endpoints for editors and admins: the queue, decisions on one comment or many at
//! once, and commenting bans. Every successful write here empties the public response cache.

use actix_web::{HttpRequest, HttpResponse, delete, get, patch, post, web};
use chrono::{DateTime, SubsecRound, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::app::AppState;
use crate::auth::actor::{Actor, Principal};
use crate::auth::roles::Permission;
use crate::auth::store as auth_store;
use crate::body::JsonBody;
use crate::comments::model::*;
use crate::comments::routes::public::{announce, decision_purges};
use crate::comments::store;
use crate::comments::store::moderation::{self, QueueFilter};
use crate::config::IpNetwork;
use crate::db::{self, Paged};
use crate::domain::{FieldError, Lines, is_plain_text};
use crate::error::{ApiError, Problem};
use crate::openapi::{EditorOnly, InvalidParameters, StaleIfMatch};
use crate::pagination::{Page, PageMeta, PageQuery};
use crate::users::store as users_store;
use crate::versioning::{self, IfMatch};

/// A page of the moderation queue.
#[derive(Debug, Serialize, ToSchema)]
pub struct AdminCommentList {
    /// Comments, newest first.
    pub data: Vec<AdminComment>,
    /// Where this page stands.
    pub meta: PageMeta,
}

/// A page of bans.
#[derive(Debug, Serialize, ToSchema)]
pub struct BanList {
    /// Bans, newest first.
    pub data: Vec<Ban>,
    /// Where this page stands.
    pub meta: PageMeta,
}

/// A moderation decision on one comment.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ModerateRequest {
    /// The new status.
    pub status: CommentStatus,
}

/// One moderation decision on many comments, applied to all or none.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct BulkModerateRequest {
    /// 1 to 100 comment ids.
    #[schema(min_items = 1, max_items = 100)]
    pub ids: Vec<i64>,
    /// The new status of each.
    pub status: CommentStatus,
}

/// Ban exactly one of an account, a visitor or a client IP or network from commenting,
/// reporting and reacting.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct BanRequest {
    /// The account to ban.
    pub user_id: Option<i64>,
    /// The visitor to ban.
    pub visitor_id: Option<i64>,
    /// The client IP (`203.0.113.9`) or network (`203.0.113.0/24`) to ban: a banned visitor
    /// can fetch a new token, not a new address.
    #[schema(example = "203.0.113.0/24")]
    pub network: Option<String>,
    /// When the ban ends (RFC 3339, in the future); without it the ban lasts until lifted.
    pub expires_at: Option<DateTime<Utc>>,
    /// Why, up to 1000 characters.
    #[schema(max_length = 1000)]
    pub reason: Option<String>,
}

/// Filters and page of the moderation queue.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct QueueQuery {
    /// Only comments with this status.
    #[param(inline)]
    pub status: Option<CommentStatus>,
    /// Only comments on this article (id).
    pub article: Option<i64>,
    /// `true`: only comments reported since the last decision; `false`: only unreported ones.
    pub reported: Option<bool>,
    /// Page, from 1 to 100000.
    #[param(minimum = 1, maximum = 100000)]
    pub page: Option<u32>,
    /// Items per page, 1 to 100 (default 20).
    #[param(minimum = 1, maximum = 100)]
    pub per_page: Option<u32>,
}

/// The moderation queue: comments, newest first, filtered by status, article and reports.
#[utoipa::path(
    tag = "comments",
    security(("bearer" = [])),
    params(QueueQuery),
    responses(
        (status = 200, description = "A page of comments.", body = AdminCommentList),
        EditorOnly,
        InvalidParameters,
    )
)]
#[get("/comments")]
pub async fn moderation_queue(
    request: HttpRequest,
    principal: Principal,
    state: web::Data<AppState>,
    query: web::Query<QueueQuery>,
) -> Result<HttpResponse, ApiError> {
    principal.require(Permission::ModerateComments)?;
    let page = Page::new(query.page, query.per_page)?;
    let filter = QueueFilter {
        status: query.status,
        article: query.article,
        reported: query.reported,
    };
    let Paged { rows, total } = state
        .db
        .run(move |conn| {
            Ok(moderation::queue(
                conn,
                &filter,
                page.offset(),
                page.limit(),
            )?)
        })
        .await?;
    let meta = page.meta(total);
    Ok(meta.ok(&request).json(AdminCommentList {
        data: rows.iter().map(AdminComment::new).collect(),
        meta,
    }))
}

/// Decide one comment's status. A decision clears its reports.
///
/// `If-Match` is honoured (412 when stale).
#[utoipa::path(
    tag = "comments",
    security(("bearer" = [])),
    params(
        ("id" = i64, Path, description = "Comment id."),
        IfMatch,
    ),
    request_body = ModerateRequest,
    responses(
        (status = 200, description = "The comment.", body = AdminCommentResponse,
         headers(("ETag" = String, description = "Its new version."))),
        EditorOnly,
        (status = 404, description = "No such comment.", body = Problem, content_type = "application/problem+json"),
        StaleIfMatch,
        (status = 422, description = "Invalid status.", body = Problem, content_type = "application/problem+json"),
    )
)]
#[patch("/comments/{id}")]
pub async fn moderate_comment(
    if_match: IfMatch,
    principal: Principal,
    state: web::Data<AppState>,
    id: web::Path<i64>,
    body: JsonBody<ModerateRequest>,
) -> Result<HttpResponse, ApiError> {
    principal.require(Permission::ModerateComments)?;
    let expected = if_match.version()?;
    let status = body.parse()?.status;
    let id = id.into_inner();
    let origin = state.cache.origin().to_owned();
    let row = state
        .db
        .write(move |conn| {
            store::find(conn, id)?;
            if moderation::decide(conn, &[id], expected, status)? == 0 {
                return Err(ApiError::stale());
            }
            let row = store::find(conn, id)?;
            announce(conn, &origin, &decided(&[row.article_id]))?;
            Ok(row)
        })
        .await?;
    state.cache.purge(&decided(&[row.article_id]));
    Ok(versioning::with_etag(
        row.version,
        AdminCommentResponse {
            data: AdminComment::new(&row),
        },
    ))
}

/// Decide the status of up to 100 comments at once, in one transaction: all change, or (when
/// any id is unknown) none.
#[utoipa::path(
    tag = "comments",
    security(("bearer" = [])),
    request_body = BulkModerateRequest,
    responses(
        (status = 200, description = "The comments, in the order named.", body = AdminComments),
        EditorOnly,
        (status = 404, description = "Some ids name no comment; nothing changed.", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "No ids, more than 100, or an invalid status.", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/comments/moderate")]
pub async fn moderate_comments(
    principal: Principal,
    state: web::Data<AppState>,
    body: JsonBody<BulkModerateRequest>,
) -> Result<HttpResponse, ApiError> {
    principal.require(Permission::ModerateComments)?;
    let request = body.parse()?;
    let mut ids = request.ids;
    if ids.is_empty() || ids.len() > MAX_BULK_IDS {
        return Err(ApiError::invalid(
            "ids",
            format!("must name 1 to {MAX_BULK_IDS} comments"),
        ));
    }
    let named = ids.clone();
    ids.sort_unstable();
    ids.dedup();
    let status = request.status;
    let origin = state.cache.origin().to_owned();
    let rows = state
        .db
        .write(move |conn| {
            let found = moderation::existing(conn, &ids)?;
            if found.len() != ids.len() {
                let missing: Vec<String> = ids
                    .iter()
                    .filter(|id| !found.iter().any(|row| row.id == **id))
                    .map(i64::to_string)
                    .collect();
                return Err(ApiError::NotFound(format!(
                    "No comment has the id {}; nothing was changed.",
                    missing.join(", ")
                )));
            }
            moderation::decide(conn, &ids, None, status)?;
            let rows = moderation::existing(conn, &ids)?;
            announce(conn, &origin, &decided(&articles_of(&rows)))?;
            Ok(rows)
        })
        .await?;
    state.cache.purge(&decided(&articles_of(&rows)));
    let mut seen = Vec::new();
    let data = named
        .iter()
        .filter(|id| {
            let first = !seen.contains(*id);
            seen.push(**id);
            first
        })
        .filter_map(|id| rows.iter().find(|row| row.id == *id))
        .map(AdminComment::new)
        .collect();
    Ok(HttpResponse::Ok().json(AdminComments { data }))
}

/// Accounts and visitors banned from commenting, newest first.
#[utoipa::path(
    tag = "comments",
    security(("bearer" = [])),
    params(PageQuery),
    responses(
        (status = 200, description = "A page of bans.", body = BanList),
        EditorOnly,
        InvalidParameters,
    )
)]
#[get("/comment-bans")]
pub async fn list_bans(
    request: HttpRequest,
    principal: Principal,
    state: web::Data<AppState>,
    query: web::Query<PageQuery>,
) -> Result<HttpResponse, ApiError> {
    principal.require(Permission::ModerateComments)?;
    let page = query.page()?;
    let Paged { rows, total } = state
        .db
        .run(move |conn| Ok(moderation::bans(conn, page.offset(), page.limit())?))
        .await?;
    let meta = page.meta(total);
    Ok(meta.ok(&request).json(BanList {
        data: rows.into_iter().map(Ban::from).collect(),
        meta,
    }))
}

/// Ban an account (`user_id`), a visitor (`visitor_id`) or a client IP or network (`network`)
/// from commenting, reporting and reacting, for good or until `expires_at`: those writes are
/// refused with 403 while the ban is in force. What they wrote before stays as moderated.
#[utoipa::path(
    tag = "comments",
    security(("bearer" = [])),
    request_body = BanRequest,
    responses(
        (status = 201, description = "The ban.", body = BanResponse,
         headers(("Location" = String, description = "The ban's URL."))),
        EditorOnly,
        (status = 409, description = "Already banned.", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Not exactly one of `user_id`, `visitor_id` and `network`, an unknown one, a malformed network or an `expires_at` in the past.", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/comment-bans")]
pub async fn create_ban(
    principal: Principal,
    state: web::Data<AppState>,
    body: JsonBody<BanRequest>,
) -> Result<HttpResponse, ApiError> {
    principal.require(Permission::ModerateComments)?;
    let request = body.parse()?;
    let target = match (
        request.user_id,
        request.visitor_id,
        request.network.as_deref(),
    ) {
        (Some(id), None, None) => BanTarget::Actor(Actor::User(id)),
        (None, Some(id), None) => BanTarget::Actor(Actor::Visitor(id)),
        (None, None, Some(network)) => {
            let network = IpNetwork::parse(network).ok_or_else(|| {
                ApiError::invalid("network", "is not an IP address or CIDR network")
            })?;
            // A ban names a network, not a large part of the internet (nor all of it).
            let shortest = if network.is_ipv4() { 16 } else { 32 };
            if network.prefix() < shortest {
                return Err(ApiError::invalid(
                    "network",
                    format!("must be a /{shortest} or narrower"),
                ));
            }
            BanTarget::Network(network.to_cidr())
        }
        _ => {
            return Err(ApiError::Validation {
                detail: "Name exactly one of user_id, visitor_id and network.".into(),
                errors: ["user_id", "visitor_id", "network"]
                    .map(|field| FieldError::new(field, "give exactly one of the three"))
                    .into(),
            });
        }
    };
    let expires_at = request.expires_at.map(|at| at.naive_utc().trunc_subsecs(6));
    if expires_at.is_some_and(|at| at <= db::now()) {
        return Err(ApiError::invalid("expires_at", "must be in the future"));
    }
    let reason = request
        .reason
        .map(|r| r.trim().to_owned())
        .filter(|r| !r.is_empty());
    if reason
        .as_ref()
        .is_some_and(|r| r.chars().count() > MAX_NOTE_CHARS || !is_plain_text(r, Lines::Many))
    {
        return Err(ApiError::invalid(
            "reason",
            format!("must have at most {MAX_NOTE_CHARS} printable characters"),
        ));
    }
    let by = principal.user_id();
    let ban = state
        .db
        .write(move |conn| {
            if let BanTarget::Actor(actor) = target {
                let exists = match actor {
                    Actor::User(id) => users_store::user_exists(conn, id)?,
                    Actor::Visitor(id) => auth_store::visitor_exists(conn, id)?,
                };
                if !exists {
                    return Err(match actor {
                        Actor::User(_) => ApiError::invalid("user_id", "names no account"),
                        Actor::Visitor(_) => ApiError::invalid("visitor_id", "names no visitor"),
                    });
                }
                if let Some(ban) = moderation::ban_of(conn, actor)? {
                    if ban.expires_at.is_none_or(|at| at > db::now()) {
                        return Err(ApiError::Conflict(
                            "This account or visitor is banned already.".into(),
                        ));
                    }
                    // An ended ban makes way for the new one.
                    moderation::unban(conn, ban.id)?;
                }
            }
            if let BanTarget::Network(network) = &target
                && moderation::network_banned(conn, network)?
            {
                return Err(ApiError::Conflict(
                    "A ban on this network is in force already.".into(),
                ));
            }
            Ok(moderation::ban(
                conn,
                &target,
                reason.as_deref(),
                expires_at,
                by,
            )?)
        })
        .await?;
    Ok(versioning::created(
        format!("/api/v1/admin/comment-bans/{}", ban.id),
        None,
        BanResponse {
            data: Ban::from(ban),
        },
    ))
}

/// Lift a ban.
#[utoipa::path(
    tag = "comments",
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "Ban id.")),
    responses(
        (status = 204, description = "Lifted."),
        EditorOnly,
        (status = 404, description = "No such ban.", body = Problem, content_type = "application/problem+json"),
    )
)]
#[delete("/comment-bans/{id}")]
pub async fn delete_ban(
    principal: Principal,
    state: web::Data<AppState>,
    id: web::Path<i64>,
) -> Result<HttpResponse, ApiError> {
    principal.require(Permission::ModerateComments)?;
    let id = id.into_inner();
    let lifted = state
        .db
        .write(move |conn| Ok(moderation::unban(conn, id)?))
        .await?;
    if lifted {
        Ok(HttpResponse::NoContent().finish())
    } else {
        Err(ApiError::not_found())
    }
}

/// What a moderation decision on comments of `articles` makes stale.
fn decided(articles: &[i64]) -> Vec<String> {
    articles
        .iter()
        .flat_map(|id| decision_purges(*id))
        .collect()
}

/// The articles of these comments, each once.
fn articles_of(rows: &[CommentRow]) -> Vec<i64> {
    let mut articles: Vec<i64> = rows.iter().map(|row| row.article_id).collect();
    articles.sort_unstable();
    articles.dedup();
    articles
}
