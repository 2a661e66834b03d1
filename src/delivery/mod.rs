//! What every public read shares: strong ETags, `Cache-Control`, `304 Not Modified`, and
//! locale negotiation.

pub mod cache;
pub mod coherence;
pub mod compression;
pub mod locale;
pub mod memo;
pub mod schedule;

use actix_web::http::header::{self, HeaderValue};
use actix_web::{HttpRequest, HttpResponse};
use serde::Serialize;
use sha2::{Digest, Sha256};

use crate::error::ApiError;
use crate::pagination::PageMeta;

/// Serialises `value` and answers with a strong `ETag` (a hash of the exact bytes sent) and
/// `Cache-Control: public, max-age=<max_age>`, or with `304 Not Modified` when the client's
/// `If-None-Match` already names that ETag.
pub fn cached_json<T: Serialize>(
    request: &HttpRequest,
    max_age: u32,
    value: &T,
) -> Result<HttpResponse, ApiError> {
    cached_json_in(request, max_age, value, None)
}

/// [`cached_json`] for a response in `locale`: adds `Content-Language` and
/// `Vary: Accept-Language`.
pub fn cached_json_in<T: Serialize>(
    request: &HttpRequest,
    max_age: u32,
    value: &T,
    locale: Option<&str>,
) -> Result<HttpResponse, ApiError> {
    let body = serde_json::to_vec(value).map_err(|error| ApiError::Internal(error.to_string()))?;
    Ok(cached_body_in(request, max_age, body, locale))
}

/// [`cached_json_in`] for a body that is JSON already (spliced from the read model).
pub fn cached_body_in(
    request: &HttpRequest,
    max_age: u32,
    body: Vec<u8>,
    locale: Option<&str>,
) -> HttpResponse {
    cached_bytes(request, max_age, body, locale, "application/json")
}

/// A public read of `body` in `content_type`: strong `ETag` (304 on a match),
/// `Cache-Control: public, max-age`, and, in a `locale`, `Content-Language`.
pub fn cached_bytes(
    request: &HttpRequest,
    max_age: u32,
    body: Vec<u8>,
    locale: Option<&str>,
    content_type: &str,
) -> HttpResponse {
    let cache_control = format!("public, max-age={max_age}");
    etagged(request, body, locale, content_type, &cache_control)
}

/// A read of `body` with a strong `ETag` (304 on a match) and the given `Cache-Control`.
pub fn etagged(
    request: &HttpRequest,
    body: Vec<u8>,
    locale: Option<&str>,
    content_type: &str,
    cache_control: &str,
) -> HttpResponse {
    let etag = format!(
        "\"{}\"",
        crate::config::encode_hex(&Sha256::digest(&body)[..16])
    );
    let not_modified = if_none_match(request.headers(), &etag);
    let mut response = if not_modified {
        HttpResponse::NotModified()
    } else {
        HttpResponse::Ok()
    };
    response
        .insert_header((header::ETAG, etag))
        .insert_header((header::CACHE_CONTROL, cache_control.to_owned()));
    if let Some(locale) = locale {
        response
            .insert_header((header::CONTENT_LANGUAGE, locale.to_owned()))
            .insert_header((header::VARY, "Accept-Language"));
    }
    if not_modified {
        return response.finish();
    }
    response.content_type(content_type.to_owned()).body(body)
}

/// Adds the `Link` header (`next`, `prev`) of a list page to a public response.
pub fn link_pages(response: &mut HttpResponse, request: &HttpRequest, meta: &PageMeta) {
    if let Some(link) = meta.link_header(request)
        && let Ok(value) = HeaderValue::from_str(&link)
    {
        response.headers_mut().insert(header::LINK, value);
    }
}

/// A public read that must always be exact (it depends on the caller or changes with every
/// write): `Cache-Control: no-store`, so neither the response cache nor a CDN keeps it.
pub fn uncached_json<T: Serialize>(value: &T) -> HttpResponse {
    HttpResponse::Ok()
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .json(value)
}

/// Whether a read may be answered 304 (RFC 9110, 13.2.2): its `If-None-Match` names `etag`;
/// or, when it sends none, its `If-Modified-Since` is at or after `last_modified`.
pub fn not_modified(headers: &header::HeaderMap, etag: &str, last_modified: Option<&str>) -> bool {
    if headers.contains_key(header::IF_NONE_MATCH) {
        return if_none_match(headers, etag);
    }
    unchanged_since(headers, last_modified)
}

/// Whether the request's `If-Modified-Since` is at or after `last_modified` (both HTTP dates).
pub fn unchanged_since(headers: &header::HeaderMap, last_modified: Option<&str>) -> bool {
    let since = headers
        .get(header::IF_MODIFIED_SINCE)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| chrono::DateTime::parse_from_rfc2822(value).ok());
    let modified = last_modified.and_then(|value| chrono::DateTime::parse_from_rfc2822(value).ok());
    matches!((since, modified), (Some(since), Some(modified)) if modified <= since)
}

/// Whether the request's `If-None-Match` matches `etag` (weak comparison, as RFC 9110 asks).
pub fn if_none_match(headers: &header::HeaderMap, etag: &str) -> bool {
    headers
        .get_all(header::IF_NONE_MATCH)
        .filter_map(|value: &HeaderValue| value.to_str().ok())
        .flat_map(|value| value.split(','))
        .map(|candidate| candidate.trim())
        .any(|candidate| candidate == "*" || candidate.trim_start_matches("W/") == etag)
}
