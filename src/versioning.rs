//! Optimistic concurrency: an editable resource's integer `version` is its `ETag` on admin
//! reads, and `If-Match` on writes names the version the client read.

use actix_web::http::header;
use std::future::{Ready, ready};

use actix_web::dev::Payload;
use actix_web::{FromRequest, HttpRequest, HttpResponse};
use serde::Serialize;
use utoipa::openapi::ObjectBuilder;
use utoipa::openapi::path::{Parameter, ParameterBuilder, ParameterIn};

use crate::error::ApiError;

/// The `ETag` of a resource at `version`.
pub fn etag(version: i64) -> String {
    format!("\"{version}\"")
}

/// The version an `If-Match` header names: `None` without the header or with `*`; 412 for a
/// value that names no version of ours (it can't be current).
fn if_match(request: &HttpRequest) -> Result<Option<i64>, Malformed> {
    let Some(value) = request.headers().get(header::IF_MATCH) else {
        return Ok(None);
    };
    let value = value.to_str().map_err(|_| Malformed::Unreadable)?.trim();
    if value == "*" {
        return Ok(None);
    }
    // The quoted ETag, or the bare `version` a client read from the body.
    let version = value
        .strip_prefix('"')
        .and_then(|rest| rest.strip_suffix('"'))
        .unwrap_or(value);
    version
        .parse::<i64>()
        .map(Some)
        .map_err(|_| Malformed::Stale)
}

/// The `If-Match` header, as a handler argument. Extracting it never fails: a handler reads
/// [`IfMatch::version`] after authorising, so a caller without the right gets 401 or 403
/// whatever the header says.
#[derive(Clone, Copy, Debug)]
pub struct IfMatch(Result<Option<i64>, Malformed>);

/// An `If-Match` value that names no version of ours.
#[derive(Clone, Copy, Debug)]
enum Malformed {
    /// Not readable text.
    Unreadable,
    /// Text that is not a version's ETag: it can't be current.
    Stale,
}

impl IfMatch {
    /// The version the header names: `None` without it or with `*`; 400 for unreadable bytes;
    /// 412 for a value that names no version of ours.
    pub fn version(self) -> Result<Option<i64>, ApiError> {
        self.0.map_err(|malformed| match malformed {
            Malformed::Unreadable => ApiError::BadRequest("If-Match is not readable text.".into()),
            Malformed::Stale => ApiError::stale(),
        })
    }
}

impl FromRequest for IfMatch {
    type Error = ApiError;
    type Future = Ready<Result<Self, ApiError>>;

    fn from_request(request: &HttpRequest, _: &mut Payload) -> Self::Future {
        ready(Ok(Self(if_match(request))))
    }
}

impl utoipa::IntoParams for IfMatch {
    fn into_params(_: impl Fn() -> Option<ParameterIn>) -> Vec<Parameter> {
        use utoipa::openapi::{Type, schema::SchemaType};
        vec![optional_header(
            "If-Match",
            "The ETag you read (`\"6\"`), or the bare `version` (`6`); 412 when stale.",
            ObjectBuilder::new().schema_type(SchemaType::from_iter([Type::String, Type::Null])),
        )]
    }
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

/// `201 Created` with `body`, its `Location` and, for a versioned resource, its `ETag`.
pub fn created(location: String, version: Option<i64>, body: impl Serialize) -> HttpResponse {
    let mut response = HttpResponse::Created();
    response.insert_header((header::LOCATION, location));
    if let Some(version) = version {
        response.insert_header((header::ETAG, etag(version)));
    }
    response.json(body)
}

/// The `Idempotency-Key` header of a write, as a handler argument; read it with
/// [`IdempotencyKey::key`] after authorising.
#[derive(Clone, Debug)]
pub struct IdempotencyKey(Option<String>);

impl IdempotencyKey {
    /// The key, 1 to 255 visible ASCII characters; 422 for anything else.
    pub fn key(&self) -> Result<Option<&str>, ApiError> {
        match self.0.as_deref() {
            None => Ok(None),
            Some(key)
                if (1..=255).contains(&key.len()) && key.bytes().all(|b| b.is_ascii_graphic()) =>
            {
                Ok(Some(key))
            }
            Some(_) => Err(ApiError::invalid(
                "Idempotency-Key",
                "must have 1 to 255 visible ASCII characters",
            )),
        }
    }
}

impl FromRequest for IdempotencyKey {
    type Error = ApiError;
    type Future = Ready<Result<Self, ApiError>>;

    fn from_request(request: &HttpRequest, _: &mut Payload) -> Self::Future {
        let key = request
            .headers()
            .get("idempotency-key")
            .map(|value| String::from_utf8_lossy(value.as_bytes()).into_owned());
        ready(Ok(Self(key)))
    }
}

impl utoipa::IntoParams for IdempotencyKey {
    fn into_params(_: impl Fn() -> Option<ParameterIn>) -> Vec<Parameter> {
        vec![optional_header(
            "Idempotency-Key",
            "A key of your choosing (1 to 255 visible ASCII characters): a retry with the same \
             key within a day gets the first answer back and writes nothing; the same key on \
             another request is refused (422).",
            ObjectBuilder::new()
                .schema_type(utoipa::openapi::Type::String)
                .min_length(Some(1))
                .max_length(Some(255)),
        )]
    }
}

/// An optional request header as the OpenAPI document describes it.
fn optional_header(name: &str, description: &str, schema: ObjectBuilder) -> Parameter {
    ParameterBuilder::new()
        .name(name)
        .parameter_in(ParameterIn::Header)
        .description(Some(description))
        .required(utoipa::openapi::Required::False)
        .schema(Some(schema))
        .build()
}

/// The JSON answer of a write sent with an `Idempotency-Key`: the first answer, or the one kept
/// for a retry.
pub fn replayable(status: i32, body: String) -> HttpResponse {
    let status = actix_web::http::StatusCode::from_u16(u16::try_from(status).unwrap_or(200))
        .unwrap_or(actix_web::http::StatusCode::OK);
    HttpResponse::build(status)
        .content_type("application/json")
        .body(body)
}
