//! Managing webhook endpoints, their delivery log, sending again and pinging (admins, or an
//! API key with `webhooks:manage`).

use actix_web::{HttpRequest, HttpResponse, delete, get, patch, post, web};

use crate::app::AppState;
use crate::auth::actor::Principal;
use crate::auth::roles::Permission;
use crate::body::JsonBody;
use crate::db;
use crate::domain::check_fields;
use crate::error::{ApiError, Problem};
use crate::openapi::{InvalidFields, InvalidParameters};
use crate::pagination::{Page, PageMeta};
use crate::versioning;
use crate::webhooks::guard;
use crate::webhooks::model::*;
use crate::webhooks::sender::{self, Sender};
use crate::webhooks::store::{self, NewWebhook, WebhookChanges};
use serde::Serialize;
use utoipa::ToSchema;

#[derive(Debug, Serialize, ToSchema)]
pub struct DeliveryList {
    pub data: Vec<Delivery>,
    pub meta: PageMeta,
}

/// 401 and 403 of every webhook route.
#[derive(utoipa::IntoResponses)]
pub enum WebhookAdmins {
    #[response(
        status = 401,
        description = "No valid token or API key.",
        content_type = "application/problem+json"
    )]
    NoToken(Problem),
    #[response(
        status = 403,
        description = "Not an admin, nor an API key with `webhooks:manage`.",
        content_type = "application/problem+json"
    )]
    NotAllowed(Problem),
}

/// Refused unless `url` is well-formed and its host a public address (or private ones are
/// allowed).
async fn check_url(state: &AppState, url: &str) -> Result<(), ApiError> {
    if let Some(error) = url_error(url) {
        return Err(error.into());
    }
    let parsed = reqwest::Url::parse(url).map_err(|_| ApiError::invalid("url", "not a URL"))?;
    let host = parsed.host_str().unwrap_or_default();
    let port = parsed.port_or_known_default().unwrap_or(443);
    let allow = state.settings.integrations.webhook_allow_private;
    match guard::refusal(host, port, allow).await {
        Some(refusal) => Err(ApiError::invalid("url", refusal)),
        None => Ok(()),
    }
}

/// List webhook endpoints.
#[utoipa::path(
    tag = "webhooks",
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Every endpoint, oldest first.", body = WebhookList),
        WebhookAdmins,
    )
)]
#[get("/webhooks")]
pub async fn list_webhooks(
    principal: Principal,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    principal.require(Permission::ManageWebhooks)?;
    let rows = state.db.run(|conn| Ok(store::list(conn)?)).await?;
    Ok(HttpResponse::Ok().json(WebhookList {
        data: rows.into_iter().map(Webhook::from).collect(),
    }))
}

/// Register an endpoint for events.
///
/// Each event it subscribes to is posted to `url` as JSON `{type, timestamp, data}` with the
/// Standard Webhooks headers `webhook-id` (the same for every attempt: drop repeats),
/// `webhook-timestamp` and `webhook-signature` (`v1,` and the base64 HMAC-SHA256 of
/// `{id}.{timestamp}.{body}` under the secret's bytes after `whsec_`). A 2xx answer within
/// `WEBHOOK_TIMEOUT` counts as delivered; redirects are not followed; anything else is retried
/// with backoff for about a day. Events of one resource reach an endpoint in order.
///
/// Events: `article.published`, `article.updated`, `article.unpublished`, `article.deleted`
/// (one per site locale, with the article's delivery `document` and its `surrogate_keys`),
/// the same for `page.` (one per locale, with `id` and `locale`), `category.`, `tag.` and
/// `author.` `created`, `updated`,
/// `deleted`, `comment.created`, `comment.approved`, `media.created`, `media.updated`,
/// `media.deleted`; `*` for all.
#[utoipa::path(
    tag = "webhooks",
    security(("bearer" = [])),
    request_body = CreateWebhookRequest,
    responses(
        (status = 201, description = "The endpoint, with its signing secret (shown only now).", body = CreatedWebhookResponse),
        WebhookAdmins,
        InvalidFields,
    )
)]
#[post("/webhooks")]
pub async fn create_webhook(
    principal: Principal,
    state: web::Data<AppState>,
    body: JsonBody<CreateWebhookRequest>,
) -> Result<HttpResponse, ApiError> {
    principal.require(Permission::ManageWebhooks)?;
    let body = body.parse()?;
    let description = body.description.unwrap_or_default();
    check_fields(
        [
            url_error(&body.url),
            events_error(&body.events),
            description_error(&description),
        ]
        .into_iter()
        .flatten()
        .collect(),
    )?;
    check_url(&state, &body.url).await?;
    let secret = sender::new_secret()?;
    let created_by = principal.user_id();
    let kept = secret.clone();
    let row = state
        .db
        .write(move |conn| {
            Ok(store::insert(
                conn,
                &NewWebhook {
                    url: &body.url,
                    events: &body.events,
                    secret: &kept,
                    active: body.active.unwrap_or(true),
                    description: &description,
                    created_by,
                },
            )?)
        })
        .await?;
    Ok(versioning::created(
        format!("/api/v1/admin/webhooks/{}", row.id),
        None,
        CreatedWebhookResponse {
            data: CreatedWebhook {
                webhook: Webhook::from(row),
                secret,
            },
        },
    ))
}

/// Read an endpoint.
#[utoipa::path(
    tag = "webhooks",
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "Endpoint id.")),
    responses(
        (status = 200, description = "The endpoint.", body = WebhookResponse),
        WebhookAdmins,
        (status = 404, description = "No such endpoint.", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/webhooks/{id}")]
pub async fn get_webhook(
    principal: Principal,
    state: web::Data<AppState>,
    id: web::Path<i64>,
) -> Result<HttpResponse, ApiError> {
    principal.require(Permission::ManageWebhooks)?;
    let id = id.into_inner();
    let row = state.db.run(move |conn| Ok(store::find(conn, id)?)).await?;
    Ok(HttpResponse::Ok().json(WebhookResponse {
        data: Webhook::from(row),
    }))
}

/// Change an endpoint: its URL, events, description, or whether it is on. Turning on one the
/// server turned off clears why.
#[utoipa::path(
    tag = "webhooks",
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "Endpoint id.")),
    request_body = UpdateWebhookRequest,
    responses(
        (status = 200, description = "The endpoint.", body = WebhookResponse),
        WebhookAdmins,
        (status = 404, description = "No such endpoint.", body = Problem, content_type = "application/problem+json"),
        InvalidFields,
    )
)]
#[patch("/webhooks/{id}")]
pub async fn update_webhook(
    principal: Principal,
    state: web::Data<AppState>,
    id: web::Path<i64>,
    body: JsonBody<UpdateWebhookRequest>,
) -> Result<HttpResponse, ApiError> {
    principal.require(Permission::ManageWebhooks)?;
    let id = id.into_inner();
    let body = body.parse()?;
    check_fields(
        [
            body.url.as_deref().and_then(url_error),
            body.events.as_deref().and_then(events_error),
            body.description.as_deref().and_then(description_error),
        ]
        .into_iter()
        .flatten()
        .collect(),
    )?;
    if let Some(url) = &body.url {
        check_url(&state, url).await?;
    }
    let row = state
        .db
        .write(move |conn| {
            store::find(conn, id)?;
            let turned_on = body.active == Some(true);
            let changes = WebhookChanges {
                url: body.url,
                events: body.events.map(|events| events.join(",")),
                description: body.description,
                active: body.active,
                failing_since: turned_on.then_some(None),
                disabled_reason: turned_on.then_some(None),
                updated_at: Some(db::now()),
            };
            store::update(conn, id, &changes)?;
            Ok(store::find(conn, id)?)
        })
        .await?;
    Ok(HttpResponse::Ok().json(WebhookResponse {
        data: Webhook::from(row),
    }))
}

/// Delete an endpoint with its delivery log; nothing more is sent to it.
#[utoipa::path(
    tag = "webhooks",
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "Endpoint id.")),
    responses(
        (status = 204, description = "Deleted."),
        WebhookAdmins,
        (status = 404, description = "No such endpoint.", body = Problem, content_type = "application/problem+json"),
    )
)]
#[delete("/webhooks/{id}")]
pub async fn delete_webhook(
    principal: Principal,
    state: web::Data<AppState>,
    id: web::Path<i64>,
) -> Result<HttpResponse, ApiError> {
    principal.require(Permission::ManageWebhooks)?;
    let id = id.into_inner();
    let deleted = state
        .db
        .write(move |conn| Ok(store::delete(conn, id)?))
        .await?;
    if !deleted {
        return Err(ApiError::not_found());
    }
    Ok(HttpResponse::NoContent().finish())
}

/// An endpoint's delivery log, newest first: each delivery with its attempts (time, status
/// code, duration, error, the first 1 KB of the answer).
#[utoipa::path(
    tag = "webhooks",
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "Endpoint id."), DeliveryQuery),
    responses(
        (status = 200, description = "A page of deliveries.", body = DeliveryList),
        WebhookAdmins,
        (status = 404, description = "No such endpoint.", body = Problem, content_type = "application/problem+json"),
        InvalidParameters,
    )
)]
#[get("/webhooks/{id}/deliveries")]
pub async fn list_deliveries(
    request: HttpRequest,
    principal: Principal,
    state: web::Data<AppState>,
    id: web::Path<i64>,
    query: web::Query<DeliveryQuery>,
) -> Result<HttpResponse, ApiError> {
    principal.require(Permission::ManageWebhooks)?;
    let id = id.into_inner();
    let query = query.into_inner();
    let page = Page::new(query.page, query.per_page)?;
    let (offset, limit) = (page.offset(), page.limit());
    let (paged, attempts) = state
        .db
        .run(move |conn| {
            store::find(conn, id)?;
            let status = query.status.map(DeliveryStatus::as_str);
            let paged = store::deliveries(conn, id, status, offset, limit)?;
            let ids: Vec<i64> = paged.rows.iter().map(|row| row.id).collect();
            let attempts = store::attempts_of(conn, &ids)?;
            Ok((paged, attempts))
        })
        .await?;
    let mut attempts = db::group_by(attempts, |a| a.delivery_id);
    let meta = page.meta(paged.total);
    let data = paged
        .rows
        .into_iter()
        .map(|row| {
            let tried = attempts.remove(&row.id).unwrap_or_default();
            Delivery::new(row, tried)
        })
        .collect();
    Ok(meta.ok(&request).json(DeliveryList { data, meta }))
}

/// Send a delivery again (delivered or given up): queued now with the same `webhook-id`, and
/// retried as usual while the event is within the retry window (`WEBHOOK_RETRY_FOR`).
#[utoipa::path(
    tag = "webhooks",
    security(("bearer" = [])),
    params(
        ("id" = i64, Path, description = "Endpoint id."),
        ("delivery_id" = i64, Path, description = "Delivery id."),
    ),
    responses(
        (status = 202, description = "Queued; the log shows the attempt.", body = DeliveryResponse),
        WebhookAdmins,
        (status = 404, description = "No such endpoint or delivery.", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "It is pending already.", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/webhooks/{id}/deliveries/{delivery_id}/retry")]
pub async fn retry_delivery(
    principal: Principal,
    state: web::Data<AppState>,
    path: web::Path<(i64, i64)>,
) -> Result<HttpResponse, ApiError> {
    principal.require(Permission::ManageWebhooks)?;
    let (id, delivery) = path.into_inner();
    let (row, attempts) = state
        .db
        .write(move |conn| {
            store::find_delivery(conn, id, delivery)?;
            if !store::send_again(conn, delivery)? {
                return Err(ApiError::Conflict(
                    "The delivery is pending already.".into(),
                ));
            }
            Ok(store::delivery_with_attempts(conn, id, delivery)?)
        })
        .await?;
    Ok(HttpResponse::Accepted().json(DeliveryResponse {
        data: Delivery::new(row, attempts),
    }))
}

/// Send a `ping` event to an endpoint now and answer with what came of that attempt (whether
/// or not the endpoint is active).
#[utoipa::path(
    tag = "webhooks",
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "Endpoint id.")),
    responses(
        (status = 200, description = "The ping's delivery, with its one attempt.", body = DeliveryResponse),
        WebhookAdmins,
        (status = 404, description = "No such endpoint.", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/webhooks/{id}/ping")]
pub async fn ping_webhook(
    principal: Principal,
    state: web::Data<AppState>,
    id: web::Path<i64>,
) -> Result<HttpResponse, ApiError> {
    principal.require(Permission::ManageWebhooks)?;
    let id = id.into_inner();
    let lease = state.settings.integrations.webhook_timeout * 2;
    let (endpoint, delivery) = state
        .db
        .write(move |conn| {
            let endpoint = store::find(conn, id)?;
            let payload = serde_json::json!({
                "type": crate::events::model::PING,
                "timestamp": chrono::Utc::now(),
                "data": { "webhook_id": id },
            })
            .to_string();
            let delivery = store::insert_ping(conn, id, &payload, lease)?;
            Ok((endpoint, delivery))
        })
        .await?;
    let sender = Sender::new(&state.settings.integrations)?;
    let delivery_id = delivery.id;
    sender::attempt(&state, &sender, endpoint, delivery, false).await?;
    let (row, attempts) = state
        .db
        .run(move |conn| Ok(store::delivery_with_attempts(conn, id, delivery_id)?))
        .await?;
    Ok(HttpResponse::Ok().json(DeliveryResponse {
        data: Delivery::new(row, attempts),
    }))
}
