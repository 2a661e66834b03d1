//! A response cache for public reads: a hit answers without touching the database. Any
//! successful write under `/api/v1/admin` empties it (and the site settings kept in memory) on this
//! instance at once, and readers' comment writes empty its comment threads; other instances serve what they cached for at most `CACHE_MAX_AGE`
//! seconds, as a CDN in front would.
//!
//! Only anonymous `GET`s of the delivery API are cached, keyed by path, query and
//! `Accept-Language`; responses keep their strong `ETag`, so `If-None-Match` still gets 304.
//! A cached body is kept compressed in each coding clients asked for (see `compression`).

use std::sync::Arc;
use std::time::Duration;

use actix_web::HttpResponse;
use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{self, HeaderMap, HeaderName, HeaderValue};
use actix_web::http::{Method, StatusCode};
use actix_web::middleware::Next;

use super::compression::{self, Encoded};

/// Says whether a public read came from the cache.
const X_CACHE: HeaderName = HeaderName::from_static("x-cache");

/// Headers kept with a cached body.
const KEPT: [HeaderName; 7] = [
    header::CONTENT_TYPE,
    header::ETAG,
    header::CACHE_CONTROL,
    header::CONTENT_LANGUAGE,
    header::CONTENT_LOCATION,
    header::VARY,
    header::LINK,
];

/// A cached public response.
struct Cached {
    headers: Vec<(HeaderName, HeaderValue)>,
    etag: String,
    body: Encoded,
}

/// The cache of public reads.
pub struct ResponseCache {
    entries: Option<moka::sync::Cache<String, Arc<Cached>>>,
}

impl ResponseCache {
    /// A cache of at most `max_bytes` of bodies, each kept at most `ttl`; `max_bytes` 0 turns
    /// it off.
    pub fn new(max_bytes: u64, ttl: Duration) -> Self {
        let entries = (max_bytes > 0).then(|| {
            moka::sync::Cache::builder()
                .max_capacity(max_bytes)
                .weigher(|key: &String, value: &Arc<Cached>| {
                    u32::try_from(key.len() + value.body.weight() + 256).unwrap_or(u32::MAX)
                })
                .time_to_live(ttl.max(Duration::from_secs(1)))
                .support_invalidation_closures()
                .build()
        });
        Self { entries }
    }

    /// Forgets every cached response (after a write).
    pub fn invalidate(&self) {
        if let Some(entries) = &self.entries {
            entries.invalidate_all();
        }
    }

    /// Forgets the cached comment threads and reply pages (after a reader's comment, delete or
    /// report changed what the public sees). Article reads keep their copy: their
    /// `comment_count`, like `reaction_counts`, is as fresh as the cache's time to live.
    pub fn invalidate_comments(&self) {
        if let Some(entries) = &self.entries
            && let Err(error) = entries.invalidate_entries_if(|key, _| {
                key.split('?')
                    .next()
                    .is_some_and(|path| path.ends_with("/comments") || path.ends_with("/replies"))
            })
        {
            tracing::warn!(%error, "could not select comment entries; emptying the cache");
            entries.invalidate_all();
        }
    }
}

/// The cache key of a request, when it is a cacheable public read.
fn key_of(request: &ServiceRequest) -> Option<String> {
    let path = request.path();
    let public = path.starts_with("/api/v1/")
        && !path.starts_with("/api/v1/admin")
        && !path.starts_with("/api/v1/auth");
    if request.method() != Method::GET
        || !public
        || request.headers().contains_key(header::AUTHORIZATION)
    {
        return None;
    }
    let language = request
        .headers()
        .get(header::ACCEPT_LANGUAGE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    Some(format!("{}?{}\n{language}", path, request.query_string()))
}

impl ResponseCache {
    /// Serves public reads from the cache and fills it on a miss; after a successful admin
    /// write empties it and calls `after_write`.
    pub async fn serve(
        &self,
        request: ServiceRequest,
        next: Next<impl MessageBody + 'static>,
        after_write: impl FnOnce(),
    ) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
        let is_write = !matches!(
            *request.method(),
            Method::GET | Method::HEAD | Method::OPTIONS
        ) && request.path().starts_with("/api/v1/admin");
        let Some(entries) = self.entries.clone() else {
            let response = next.call(request).await?;
            if is_write && response.status().is_success() {
                after_write();
            }
            return Ok(response.map_into_boxed_body());
        };
        let key = key_of(&request);
        let coding = compression::negotiate(&request);

        if let Some(key) = &key
            && let Some(cached) = entries.get(key)
        {
            let not_modified = super::if_none_match(request.headers(), &cached.etag);
            let mut response = if not_modified {
                HttpResponse::NotModified()
            } else {
                HttpResponse::Ok()
            };
            for (name, value) in &cached.headers {
                response.insert_header((name.clone(), value.clone()));
            }
            response.insert_header((X_CACHE, "HIT"));
            let mut response = if not_modified {
                response.finish()
            } else {
                response.body(cached.body.get(coding))
            };
            mark_coding(response.headers_mut(), coding, !not_modified);
            return Ok(request.into_response(response));
        }

        let response = next.call(request).await?;
        if is_write && response.status().is_success() {
            self.invalidate();
            after_write();
        }
        let Some(key) = key.filter(|_| response.status() == StatusCode::OK) else {
            return Ok(response.map_into_boxed_body());
        };
        let Some(etag) = response
            .headers()
            .get(header::ETAG)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned)
        else {
            return Ok(response.map_into_boxed_body());
        };
        let (request, response) = response.into_parts();
        let (head, body) = response.into_parts();
        let body = actix_web::body::to_bytes(body)
            .await
            .map_err(|_| actix_web::error::ErrorInternalServerError("response body"))?;
        let headers = kept(head.headers());
        let cached = Arc::new(Cached {
            headers,
            etag,
            body: Encoded::new(body),
        });
        entries.insert(key, cached.clone());
        let mut response = head.set_body(BoxBody::new(cached.body.get(coding)));
        response
            .headers_mut()
            .insert(X_CACHE, HeaderValue::from_static("MISS"));
        mark_coding(response.headers_mut(), coding, true);
        Ok(ServiceResponse::new(request, response))
    }
}

/// Says which coding a cached body was sent in (`with_body`), and that the answer varies with
/// `Accept-Encoding` besides what the handler named.
fn mark_coding(headers: &mut HeaderMap, coding: header::ContentEncoding, with_body: bool) {
    if with_body && coding != header::ContentEncoding::Identity {
        headers.insert(header::CONTENT_ENCODING, coding.to_header_value());
    }
    let vary = match headers.get(header::VARY).and_then(|v| v.to_str().ok()) {
        Some(vary) if !vary.is_empty() => format!("{vary}, Accept-Encoding"),
        _ => "Accept-Encoding".to_owned(),
    };
    if let Ok(vary) = HeaderValue::from_str(&vary) {
        headers.insert(header::VARY, vary);
    }
}

/// The headers a cached body keeps.
fn kept(headers: &HeaderMap) -> Vec<(HeaderName, HeaderValue)> {
    KEPT.iter()
        .filter_map(|name| headers.get(name).map(|value| (name.clone(), value.clone())))
        .collect()
}
