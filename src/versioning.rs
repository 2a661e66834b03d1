//! Optimistic concurrency: an editable resource's integer `version` is its `ETag` on admin
//! reads, and `If-Match` on writes names the version the client read.

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse};
use serde::Serialize;

use crate::error::ApiError;

/// The `ETag` of a resource at `version`.
pub fn etag(version: i64) -> String {
    format!("\"{version}\"")
}

/// The version an `If-Match` header names: `None` without the header or with `*`; 412 for a
/// value that names no version of ours (it can't be current).
pub fn if_match(request: &HttpRequest) -> Result<Option<i64>, ApiError> {
    let Some(value) = request.headers().get(header::IF_MATCH) else {
        return Ok(None);
    };
    let value = value
        .to_str()
        .map_err(|_| ApiError::BadRequest("If-Match is not readable text.".into()))?
        .trim();
    if value == "*" {
        return Ok(None);
    }
    value
        .strip_prefix('"')
        .and_then(|rest| rest.strip_suffix('"'))
        .and_then(|inner| inner.parse::<i64>().ok())
        .map(Some)
        .ok_or_else(ApiError::stale)
}

/// 412 unless the version a client read (`expected`, from `If-Match`) is the current one.
pub fn check(expected: Option<i64>, current: i64) -> Result<(), ApiError> {
    match expected {
        Some(version) if version != current => Err(ApiError::stale()),
        _ => Ok(()),
    }
}

/// `200 OK` with `body` and the `ETag` of `version`.
pub fn with_etag(version: i64, body: impl Serialize) -> HttpResponse {
    HttpResponse::Ok()
        .insert_header((header::ETAG, etag(version)))
        .json(body)
}
