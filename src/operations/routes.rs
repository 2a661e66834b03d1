//! Health, readiness, metrics and the OpenAPI document.

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, get, web};
use diesel::r2d2::R2D2Connection;
use serde::Serialize;
use utoipa::ToSchema;

use crate::app::AppState;
use crate::error::{ApiError, Problem};
use crate::operations::metrics::CONTENT_TYPE as METRICS_CONTENT_TYPE;

/// Health of the process or of its dependencies.
#[derive(Debug, Serialize, ToSchema)]
pub struct HealthStatus {
    /// `ok` when healthy.
    #[schema(example = "ok")]
    pub status: String,
}

impl HealthStatus {
    fn ok() -> Self {
        Self {
            status: "ok".into(),
        }
    }
}

/// Liveness: the process is up and answering.
///
/// Touches nothing else, so a slow database never gets the process restarted.
#[utoipa::path(
    tag = "operations",
    responses((status = 200, description = "The process is up.", body = HealthStatus))
)]
#[get("/healthz")]
pub async fn healthz() -> HttpResponse {
    HttpResponse::Ok()
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .json(HealthStatus::ok())
}

/// Readiness: the database answers a query.
///
/// 503 while the database is unreachable, 200 again as soon as it is back, with no restart.
#[utoipa::path(
    tag = "operations",
    responses(
        (status = 200, description = "The database answers.", body = HealthStatus),
        (status = 503, description = "The database is unreachable.", body = Problem,
         content_type = "application/problem+json",
         headers(("Retry-After" = u32, description = "Seconds to wait before retrying."))),
    )
)]
#[get("/readyz")]
pub async fn readyz(state: web::Data<AppState>) -> Result<HttpResponse, ApiError> {
    state
        .db
        .run(|conn| {
            conn.ping()
                .map_err(|error| ApiError::Unavailable(error.to_string()))
        })
        .await?;
    Ok(HttpResponse::Ok()
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .json(HealthStatus::ok()))
}

/// Prometheus metrics in the text exposition format 0.0.4.
///
/// `http_requests_total{method,route,status}`, `http_request_duration_seconds{method,route}`
/// (histogram), the database pool's `db_pool_connections`, `db_pool_idle_connections` and
/// `db_pool_max_connections`, and `db_queries_total`, the SQL statements run. With
/// `METRICS_TOKEN` set, only `Authorization: Bearer <METRICS_TOKEN>` gets them (401 otherwise).
#[utoipa::path(
    tag = "operations",
    responses(
        (status = 200, description = "The metrics.", body = String,
         content_type = "text/plain; version=0.0.4; charset=utf-8"),
        (status = 401, description = "`METRICS_TOKEN` is set and the request does not carry it.", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/metrics")]
pub async fn prometheus_metrics(
    request: HttpRequest,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    if let Some(token) = &state.settings.http.metrics_token {
        let given = request
            .headers()
            .get(header::AUTHORIZATION)
            .and_then(|value| value.to_str().ok())
            .and_then(|value| value.strip_prefix("Bearer "));
        // Compared in constant time, so the answer's timing says nothing of the token.
        let matches = given.is_some_and(|given| {
            given.len() == token.len()
                && given
                    .bytes()
                    .zip(token.bytes())
                    .fold(0u8, |diff, (a, b)| diff | (a ^ b))
                    == 0
        });
        if !matches {
            return Err(ApiError::Unauthorized);
        }
    }
    Ok(HttpResponse::Ok()
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .content_type(METRICS_CONTENT_TYPE)
        .body(
            state
                .metrics
                .render(state.db.pool(), state.db.query_count()),
        ))
}

/// This OpenAPI 3.1 document.
///
/// The same document `cms openapi` prints and `openapi/openapi.json` holds.
#[utoipa::path(
    tag = "operations",
    responses((status = 200, description = "The OpenAPI document.", body = Object))
)]
#[get("/openapi.json")]
pub async fn openapi_json(state: web::Data<AppState>) -> HttpResponse {
    HttpResponse::Ok()
        .content_type("application/json")
        .body(state.openapi_json.clone())
}
