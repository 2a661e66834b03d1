//! The middleware every request passes through, and the fallback for unmatched requests.

use std::sync::Arc;
use std::time::Instant;

use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{self, HeaderName, HeaderValue};
use actix_web::http::{Method, StatusCode};
use actix_web::middleware::Next;
use actix_web::{HttpMessage, HttpRequest, HttpResponse, ResponseError, web};
use tracing::Instrument;

use crate::app::AppState;
use crate::audit;
use crate::audit::context::{AUDIT, AuditContext};
use crate::auth::rate_limit::RateLimitState;
use crate::delivery::cache;
use crate::error::{ApiError, PROBLEM_JSON, problem_for_status};
use crate::locales::model::LocaleChoice;
use crate::operations::metrics::method_label;

/// The request id header, kept from the request when valid, generated otherwise.
pub const REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

/// Narrows a CORS preflight's `Access-Control-Allow-Methods` to the methods the route has
/// (`OPTIONS` is never routed, so the CORS layer alone would list every method the API uses).
pub async fn preflight_methods(
    request: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    let preflight = request.method() == Method::OPTIONS
        && request
            .headers()
            .contains_key(header::ACCESS_CONTROL_REQUEST_METHOD);
    let methods = preflight
        .then(|| {
            let state = request.app_data::<web::Data<AppState>>()?;
            let methods = state.routes.methods_for(cache::routed_path(&request))?;
            HeaderValue::from_str(&methods.join(", ")).ok()
        })
        .flatten();
    let mut response = next.call(request).await?.map_into_boxed_body();
    if let Some(methods) = methods
        && response
            .headers()
            .contains_key(header::ACCESS_CONTROL_ALLOW_METHODS)
    {
        response
            .headers_mut()
            .insert(header::ACCESS_CONTROL_ALLOW_METHODS, methods);
    }
    Ok(response)
}

/// Headers every answer carries: `X-Content-Type-Options: nosniff` and `Referrer-Policy:
/// no-referrer`; a `Content-Security-Policy` that runs nothing for JSON and lets the docs page
/// run only its own files; `Cache-Control: no-store` on account and management answers that
/// set no caching of their own; `Strict-Transport-Security` when `HSTS=true`.
pub async fn security_headers(
    request: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    let hsts = request
        .app_data::<web::Data<AppState>>()
        .is_some_and(|state| state.settings.http.hsts);
    let path = cache::routed_path(&request).to_owned();
    let mut response = next.call(request).await?.map_into_boxed_body();
    let told = response
        .request()
        .extensions()
        .get::<RateLimitState>()
        .copied();
    let headers = response.headers_mut();
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    headers.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    let policy = if path.starts_with("/docs") {
        "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; \
         frame-ancestors 'none'"
    } else {
        "default-src 'none'; frame-ancestors 'none'"
    };
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(policy),
    );
    let private = path.starts_with("/api/v1/admin") || path.starts_with("/api/v1/auth");
    if private && !headers.contains_key(header::CACHE_CONTROL) {
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    if let Some(told) = told {
        for (name, number) in [
            ("ratelimit-limit", u64::from(told.limit)),
            ("ratelimit-remaining", u64::from(told.remaining)),
            ("ratelimit-reset", told.reset),
        ] {
            headers.insert(HeaderName::from_static(name), HeaderValue::from(number));
        }
    }
    if hsts {
        headers.insert(
            header::STRICT_TRANSPORT_SECURITY,
            HeaderValue::from_static("max-age=31536000; includeSubDomains"),
        );
    }
    Ok(response)
}

/// Answers `HEAD` on every `GET` route (RFC 9110): the request is routed, authorised, cached
/// and answered as the `GET` it mirrors. The HTTP layer remembers the method the client sent:
/// it writes the `GET`'s headers, `Content-Length` included, and leaves the body out.
pub async fn head_as_get(
    mut request: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    if request.method() == Method::HEAD {
        request.head_mut().method = Method::GET;
    }
    Ok(next.call(request).await?.map_into_boxed_body())
}

/// Gives the request an id, logs it with its outcome in a span carrying that id, counts it in
/// the metrics, and turns any error response the framework made without a problem body into
/// RFC 9457 `application/problem+json`.
pub async fn observe(
    request: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    let started = Instant::now();
    let request_id = request
        .headers()
        .get(&REQUEST_ID)
        .and_then(|value| value.to_str().ok())
        .filter(|value| is_valid_request_id(value))
        .map_or_else(new_request_id, str::to_owned);
    // A client may send any token as a method: the log keeps the standard ones by name.
    let method = method_label(request.method().as_str());
    let span = tracing::info_span!("request", request_id = %request_id);
    let path = logged_path(request.path());
    let state = request.app_data::<web::Data<AppState>>().cloned();
    request
        .extensions_mut()
        .insert(RequestId(request_id.clone()));

    let response = match next.call(request).instrument(span.clone()).await {
        Ok(response) => response.map_into_boxed_body(),
        Err(error) => {
            span.in_scope(
                || tracing::error!(%method, %path, %error, "request failed without a response"),
            );
            return Err(error);
        }
    };
    let mut response = ensure_problem_body(response);
    if let Ok(value) = HeaderValue::from_str(&request_id) {
        response.headers_mut().insert(REQUEST_ID, value);
    }

    let status = response.status().as_u16();
    let cache_hit = response
        .headers()
        .get("x-cache")
        .is_some_and(|value| value.as_bytes() == b"HIT");
    let route = match response.request().match_pattern() {
        Some(pattern) => pattern,
        // A cache hit is answered before routing.
        None if cache_hit => "cache-hit".to_owned(),
        None => "unmatched".to_owned(),
    };
    let seconds = started.elapsed().as_secs_f64();
    if let Some(state) = state {
        state.metrics.observe(method, &route, status, seconds);
    }
    span.in_scope(|| {
        tracing::info!(
            %method,
            %path,
            %route,
            status,
            latency_ms = seconds * 1000.0,
            "request"
        );
    });
    Ok(response)
}

/// Replaces a framework-made error body (plain text or empty) with a problem document.
fn ensure_problem_body(response: ServiceResponse<BoxBody>) -> ServiceResponse<BoxBody> {
    let status = response.status();
    let is_problem = response
        .headers()
        .get(header::CONTENT_TYPE)
        .is_some_and(|value| value.as_bytes().starts_with(PROBLEM_JSON.as_bytes()));
    if !(status.is_client_error() || status.is_server_error()) || is_problem {
        return response;
    }
    let problem = problem_for_status(status, response.response().error());
    let (request, old) = response.into_parts();
    let mut new = problem.error_response();
    // Keep headers the framework set for a reason (e.g. `Allow`).
    for (name, value) in old.headers() {
        if name != header::CONTENT_TYPE && name != header::CONTENT_LENGTH {
            new.headers_mut().insert(name.clone(), value.clone());
        }
    }
    ServiceResponse::new(request, new)
}

/// Request ids from clients are kept when short and plain.
fn is_valid_request_id(value: &str) -> bool {
    (1..=128).contains(&value.len())
        && value
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b':'))
}

/// A random UUID-shaped (version 4) request id.
fn new_request_id() -> String {
    let mut bytes = [0u8; 16];
    if getrandom::fill(&mut bytes).is_err() {
        // No randomness: ids stay unique within the process.
        static COUNTER: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
        let n = COUNTER.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        bytes[..8].copy_from_slice(&n.to_be_bytes());
    }
    bytes[6] = (bytes[6] & 0x0f) | 0x40;
    bytes[8] = (bytes[8] & 0x3f) | 0x80;
    let hex = crate::config::encode_hex(&bytes);
    format!(
        "{}-{}-{}-{}-{}",
        &hex[0..8],
        &hex[8..12],
        &hex[12..16],
        &hex[16..20],
        &hex[20..32]
    )
}

/// Serves public reads from the response cache, one entry per served locale; after an admin
/// write purges what it made stale (everything, site settings in memory included, unless it
/// wrote one article).
pub async fn cache_public_reads(
    request: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    let Some(state) = request.app_data::<web::Data<AppState>>().cloned() else {
        return Ok(next.call(request).await?.map_into_boxed_body());
    };
    let locale = if cache::cacheable(&request) {
        served_locale(&state, &request).await
    } else {
        None
    };
    state
        .cache
        .serve(request, next, locale, || state.forget_settings())
        .await
}

/// The locale a public read is served in, as far as the request decides it: nothing more
/// when `?locale=` names it (it is in the key already), else the site locale
/// `Accept-Language` negotiates. `None` when the site's locales can't be read.
async fn served_locale(state: &AppState, request: &ServiceRequest) -> Option<String> {
    let explicit = request
        .query_string()
        .split('&')
        .any(|pair| pair.split('=').next() == Some("locale"));
    if explicit {
        return Some(String::new());
    }
    let locales = state.site_locales().await.ok()?;
    let accept_language = request
        .headers()
        .get(header::ACCEPT_LANGUAGE)
        .and_then(|value| value.to_str().ok());
    LocaleChoice::negotiate(accept_language, &locales, None, None)
        .ok()
        .map(|choice| choice.requested)
}

/// Answers a path whose parameters don't parse (`/comments/abc`): 405 with `Allow` when a
/// route of that literal path takes other methods (`PATCH /admin/comments/moderate`), 404
/// otherwise.
pub fn path_error(_: actix_web::error::PathError, request: &HttpRequest) -> actix_web::Error {
    let allow = request
        .app_data::<web::Data<AppState>>()
        .and_then(|state| state.routes.methods_for(request.match_info().as_str()))
        .filter(|methods| !methods.iter().any(|m| m == request.method().as_str()));
    match allow {
        Some(methods) => ApiError::MethodNotAllowed {
            allow: methods.to_vec(),
        }
        .into(),
        None => ApiError::not_found().into(),
    }
}

/// Answers requests no route took: 405 with `Allow` when the path exists under other methods,
/// 404 otherwise.
pub async fn fallback(request: HttpRequest, state: web::Data<AppState>) -> HttpResponse {
    let error = match state.routes.methods_for(request.match_info().as_str()) {
        Some(methods) => ApiError::MethodNotAllowed {
            allow: methods.to_vec(),
        },
        None => ApiError::NotFound(format!("No route matches {}.", request.path())),
    };
    error.error_response()
}

/// The path as logs keep it: a draft preview's token is a secret, so it is left out.
fn logged_path(path: &str) -> String {
    match path.strip_prefix("/api/v1/preview/") {
        Some(_) => "/api/v1/preview/…".to_owned(),
        None => path.to_owned(),
    }
}

/// The id the request is logged under (set by [`observe`]).
#[derive(Clone, Debug)]
pub struct RequestId(pub String);

/// Runs management writes inside an [`AuditContext`]; after a creation (201), names the
/// resource it made (from `Location`) in the entry.
pub async fn audit_writes(
    request: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    let writes = !matches!(
        *request.method(),
        Method::GET | Method::HEAD | Method::OPTIONS
    );
    let pattern = request.match_pattern().unwrap_or_default();
    let Some(route) = pattern.strip_prefix("/api/v1/admin/").filter(|_| writes) else {
        return Ok(next.call(request).await?.map_into_boxed_body());
    };
    let resource = route.split('/').next().unwrap_or_default().to_owned();
    // The first path parameter names the resource written.
    let resource_id = pattern
        .split('/')
        .zip(request.path().split('/'))
        .find(|(part, _)| part.starts_with('{'))
        .map(|(_, value)| value.to_owned());
    let request_id = request
        .extensions()
        .get::<RequestId>()
        .map(|id| id.0.clone())
        .unwrap_or_default();
    let context = Arc::new(AuditContext::new(
        format!("{} {pattern}", request.method()),
        resource,
        resource_id,
        request_id,
    ));
    let state = request.app_data::<web::Data<AppState>>().cloned();
    let response = AUDIT
        .scope(Arc::clone(&context), next.call(request))
        .await?
        .map_into_boxed_body();
    if let (Some(entry), Some(state), StatusCode::CREATED) =
        (context.unnamed_entry(), state, response.status())
        && let Some(made) = response
            .headers()
            .get(header::LOCATION)
            .and_then(|value| value.to_str().ok())
            .and_then(|location| location.rsplit('/').next())
            .map(str::to_owned)
    {
        let named = state
            .db
            .run(move |conn| Ok(audit::store::set_resource_id(conn, entry, &made)?))
            .await;
        if let Err(error) = named {
            tracing::warn!(%error, entry, "could not name the resource of an audit entry");
        }
    }
    Ok(response)
}
