//! Reader endpoints: the reaction kinds, and an article's reactions with the caller's own.

use actix_web::{HttpRequest, HttpResponse, delete, get, put, web};
use serde::Deserialize;
use utoipa::ToSchema;

use crate::app::AppState;
use crate::articles::store::delivery::visible_by_key;
use crate::auth::actor::Principal;
use crate::auth::principal::MaybePrincipal;
use crate::auth::rate_limit::Interaction;
use crate::auth::roles::Permission;
use crate::body::JsonBody;
use crate::comments::store::moderation::is_banned;
use crate::db;
use crate::delivery::locale::{LocaleQuery, choose_locale};
use crate::delivery::{cached_json_in, uncached_json};
use crate::error::{ApiError, Problem};
use crate::idempotency::store as idempotency;
use crate::openapi::{NoToken, NotModified, UnknownLocale};
use crate::reactions::model::*;
use crate::reactions::store;
use crate::versioning::{self, IdempotencyKey};

/// The reaction to set.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReactionRequest {
    /// An active kind's key.
    #[schema(example = "applause")]
    pub kind: String,
}

/// The reaction kinds readers choose from, labelled in the negotiated locale.
#[utoipa::path(
    tag = "reactions",
    params(LocaleQuery),
    responses(
        (status = 200, description = "Active kinds in display order.", body = ReactionKindList,
         headers(("ETag" = String, description = "Strong validator."))),
        NotModified,
        UnknownLocale,
    )
)]
#[get("/reaction-kinds")]
pub async fn list_reaction_kinds(
    request: HttpRequest,
    state: web::Data<AppState>,
    query: web::Query<LocaleQuery>,
) -> Result<HttpResponse, ApiError> {
    let choice = choose_locale(&state, &request, query.locale.as_deref(), None).await?;
    let kinds = state.active_kinds().await?;
    let ids: Vec<i64> = kinds.iter().map(|k| k.id).collect();
    let labels = state
        .db
        .run(move |conn| Ok(store::labels_of(conn, &ids)?))
        .await?;
    let mut labels = db::group_by(labels, |l| l.kind_id);
    let data = kinds
        .iter()
        .map(|kind| {
            let labels = labels.remove(&kind.id).unwrap_or_default();
            let label = choice
                .name_in(&labels, |l| &l.locale)
                .map_or_else(|| kind.kind_key.clone(), |l| l.label.clone());
            ReactionKind {
                key: kind.kind_key.clone(),
                label,
                emoji: kind.emoji.clone(),
                position: kind.position,
            }
        })
        .collect();
    cached_json_in(
        &request,
        state.settings.http.cache_max_age,
        &ReactionKindList { data },
        Some(&choice.requested),
    )
}

/// Reactions to a published article: every active kind's count, exact at the time of the
/// request, and (with a token) the caller's own. Never cached.
#[utoipa::path(
    tag = "reactions",
    params(("key" = String, Path, description = "Article id, or slug in any locale.")),
    responses(
        (status = 200, description = "The counts and `mine`.", body = ReactionsResponse,
         headers(("Cache-Control" = String, description = "`no-store`: never cached."))),
        (status = 401, description = "A token was sent and is not valid.", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such published article.", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/articles/{key}/reactions")]
pub async fn get_reactions(
    principal: MaybePrincipal,
    state: web::Data<AppState>,
    key: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let key = key.into_inner();
    let actor = principal.0.map(|p| p.actor);
    let active = state.active_kinds().await?;
    let data = state
        .db
        .run(move |conn| {
            let article = visible_by_key(conn, &key)?;
            let mine = match actor {
                Some(actor) => store::mine(conn, article.id, actor)?,
                None => None,
            };
            Ok(store::reactions_of(conn, article.id, &active, mine)?)
        })
        .await?;
    Ok(uncached_json(&ReactionsResponse { data }))
}

/// React to a published article, or change your reaction: one per reader or visitor, so a
/// second PUT moves your count from one kind to the other. Idempotent; with an
/// `Idempotency-Key`, a retry also gets the first answer's counts back.
#[utoipa::path(
    tag = "reactions",
    security(("bearer" = [])),
    params(
        ("key" = String, Path, description = "Article id, or slug in any locale."),
        IdempotencyKey,
    ),
    request_body = ReactionRequest,
    responses(
        (status = 200, description = "The counts after the change, and `mine`.", body = ReactionsResponse),
        (status = 400, description = "Malformed JSON.", body = Problem, content_type = "application/problem+json"),
        NoToken,
        (status = 403, description = "The role may not react, or a ban names the caller or its network.", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such published article.", body = Problem, content_type = "application/problem+json"),
        (status = 413, description = "The body is too large.", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "Not JSON.", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Not an active reaction kind, unknown fields, or an `Idempotency-Key` used for another request.", body = Problem, content_type = "application/problem+json"),
        (status = 429, description = "Too many reactions; see `Retry-After`.", body = Problem, content_type = "application/problem+json",
         headers(("Retry-After" = u64, description = "Seconds to wait."))),
    )
)]
#[put("/articles/{key}/reactions/mine")]
pub async fn put_reaction(
    request: HttpRequest,
    idempotency: IdempotencyKey,
    principal: Principal,
    state: web::Data<AppState>,
    key: web::Path<String>,
    body: JsonBody<ReactionRequest>,
) -> Result<HttpResponse, ApiError> {
    principal.require(Permission::React)?;
    let once = idempotency.key()?.map(str::to_owned);
    state
        .limits
        .check_interaction(&request, Interaction::Reaction, principal.actor)?;
    let fingerprint = format!("PUT {} {}", request.path(), body.digest());
    let kind = body
        .parse_within(state.settings.interaction.body_limit)?
        .kind;
    let key = key.into_inner();
    let actor = principal.actor;
    let ip = state.limits.client_ip(&request);
    let active = state.active_kinds().await?;
    let (status, answer) = state
        .db
        .write(move |conn| {
            let who = actor.to_string();
            idempotency::once(conn, &who, once.as_deref(), &fingerprint, |conn| {
                let article = visible_by_key(conn, &key)?;
                if is_banned(conn, actor, ip)? {
                    return Err(ApiError::Forbidden("You are not allowed to react.".into()));
                }
                let kind = active
                    .iter()
                    .find(|k| k.kind_key == kind)
                    .ok_or_else(|| ApiError::invalid("kind", "is not an active reaction kind"))?
                    .id;
                store::set(conn, article.id, actor, kind)?;
                let data = store::reactions_of(conn, article.id, &active, Some(kind))?;
                let answer = serde_json::to_string(&ReactionsResponse { data })
                    .map_err(|error| ApiError::Internal(error.to_string()))?;
                Ok((200, answer))
            })
        })
        .await?;
    Ok(versioning::replayable(status, answer))
}

/// Take back your reaction to a published article. Idempotent.
#[utoipa::path(
    tag = "reactions",
    security(("bearer" = [])),
    params(("key" = String, Path, description = "Article id, or slug in any locale.")),
    responses(
        (status = 200, description = "The counts after the change (`mine` is null).", body = ReactionsResponse),
        NoToken,
        (status = 403, description = "The role may not react.", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such published article.", body = Problem, content_type = "application/problem+json"),
        (status = 429, description = "Too many reactions; see `Retry-After`.", body = Problem, content_type = "application/problem+json",
         headers(("Retry-After" = u64, description = "Seconds to wait."))),
    )
)]
#[delete("/articles/{key}/reactions/mine")]
pub async fn delete_reaction(
    request: HttpRequest,
    principal: Principal,
    state: web::Data<AppState>,
    key: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    principal.require(Permission::React)?;
    state
        .limits
        .check_interaction(&request, Interaction::Reaction, principal.actor)?;
    let key = key.into_inner();
    let actor = principal.actor;
    let active = state.active_kinds().await?;
    let data = state
        .db
        .write(move |conn| {
            let article = visible_by_key(conn, &key)?;
            store::remove(conn, article.id, actor)?;
            Ok(store::reactions_of(conn, article.id, &active, None)?)
        })
        .await?;
    Ok(uncached_json(&ReactionsResponse { data }))
}
