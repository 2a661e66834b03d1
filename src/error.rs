//! The one error type of the API, rendered as RFC 9457 `application/problem+json`.
//!
//! Every failure a client can see goes through [`ApiError`]: handler errors, extractor errors
//! (malformed JSON, wrong types, unknown fields, oversized bodies, wrong media type, bad query
//! strings; see `body` for JSON bodies) and the framework's own responses (unknown route, wrong method), which the request
//! middleware rewrites with [`problem_for_status`]. Server-side failures answer with an opaque
//! body; their cause chain goes to the log, never to the client.

use actix_web::http::{StatusCode, header};
use actix_web::{HttpRequest, HttpResponse, ResponseError, error as actix_error};
use serde::Serialize;
use utoipa::ToSchema;

use crate::domain::{DomainError, FieldError};

/// Media type of every error body.
pub const PROBLEM_JSON: &str = "application/problem+json";

/// Seconds a client should wait before retrying after a 503.
const RETRY_AFTER_UNAVAILABLE: u32 = 1;

/// An RFC 9457 problem document.
#[derive(Debug, Serialize, ToSchema)]
pub struct Problem {
    /// A URI reference naming the kind of problem, stable across releases (`/problems/<code>`).
    #[serde(rename = "type")]
    #[schema(example = "/problems/validation-failed")]
    pub kind: String,
    /// Short, human-readable summary of the kind of problem.
    #[schema(example = "Validation failed")]
    pub title: String,
    /// The HTTP status code.
    #[schema(example = 422)]
    pub status: u16,
    /// Human-readable explanation of this occurrence.
    #[schema(example = "The request body is not valid.")]
    pub detail: String,
    /// Field-level errors, when the problem is about specific input fields.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<FieldError>,
}

/// Everything that can go wrong in a request, as the client sees it.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// 400: the request could not be parsed (malformed JSON, broken body).
    #[error("{0}")]
    BadRequest(String),
    /// 401: no token, or one that is invalid.
    #[error("authentication required")]
    Unauthorized,
    /// 401: wrong email or password (every cause gets this same answer).
    #[error("The email or password is not correct.")]
    InvalidCredentials,
    /// 401: the refresh token is unknown, expired, revoked or spent.
    #[error("The refresh token is not valid; sign in again.")]
    InvalidRefreshToken,
    /// 403: the principal is known but not allowed.
    #[error("{0}")]
    Forbidden(String),
    /// 404: no such resource (or not visible to the caller).
    #[error("{0}")]
    NotFound(String),
    /// 405: the route exists but not with this method.
    #[error("method not allowed")]
    MethodNotAllowed {
        /// Methods the route does accept, for the `Allow` header.
        allow: Vec<String>,
    },
    /// 406: `Accept-Encoding` accepts none of the codings the server offers.
    #[error("{0}")]
    NotAcceptable(String),
    /// 408: the request body did not arrive in time.
    #[error("{0}")]
    RequestTimeout(String),
    /// 409: the write conflicts with existing data.
    #[error("{0}")]
    Conflict(String),
    /// 412: `If-Match` names a version that is no longer current.
    #[error("{0}")]
    PreconditionFailed(String),
    /// 413: the body is larger than allowed.
    #[error("{0}")]
    PayloadTooLarge(String),
    /// 415: the body has the wrong media type.
    #[error("{0}")]
    UnsupportedMediaType(String),
    /// 416: a `Range` starts past the end of a file of this many bytes.
    #[error("The range starts past the end of the file ({0} bytes).")]
    RangeNotSatisfiable(u64),
    /// 422: well-formed input that is not valid.
    #[error("{detail}")]
    Validation {
        /// Summary of what is wrong.
        detail: String,
        /// Field-level errors.
        errors: Vec<FieldError>,
    },
    /// 429: too many requests; retry after the given seconds.
    #[error("too many requests")]
    TooManyRequests {
        /// Seconds until the client may try again.
        retry_after: u64,
    },
    /// 503: the database is unreachable or every connection is busy.
    #[error("service unavailable: {0}")]
    Unavailable(String),
    /// 503: the media storage failed.
    #[error("media storage unavailable: {0}")]
    StorageUnavailable(String),
    /// 500: a bug or an unexpected failure; the cause is logged, never shown.
    #[error("internal error: {0}")]
    Internal(String),
}

impl ApiError {
    /// A 422 about one field.
    pub fn invalid(field: impl Into<String>, message: impl Into<String>) -> Self {
        FieldError::new(field, message).into()
    }

    /// 422 for the invalid translations `errors` of a body (never empty).
    pub fn invalid_translations(errors: Vec<FieldError>) -> Self {
        Self::Validation {
            detail: "Some translations are not valid.".into(),
            errors,
        }
    }

    /// The 412 for an `If-Match` that is not the current version.
    pub fn stale() -> Self {
        Self::PreconditionFailed(
            "The resource changed since you read it (If-Match is stale); read it again.".into(),
        )
    }

    /// A 404 with the standard detail.
    pub fn not_found() -> Self {
        Self::NotFound("The requested resource does not exist.".into())
    }

    /// The stable machine-readable code of this error (the last segment of `type`).
    pub fn code(&self) -> &'static str {
        match self {
            Self::BadRequest(_) => "bad-request",
            Self::Unauthorized => "unauthorized",
            Self::InvalidCredentials => "invalid-credentials",
            Self::InvalidRefreshToken => "invalid-refresh-token",
            Self::Forbidden(_) => "forbidden",
            Self::NotFound(_) => "not-found",
            Self::MethodNotAllowed { .. } => "method-not-allowed",
            Self::NotAcceptable(_) => "not-acceptable",
            Self::RequestTimeout(_) => "request-timeout",
            Self::Conflict(_) => "conflict",
            Self::PreconditionFailed(_) => "precondition-failed",
            Self::PayloadTooLarge(_) => "payload-too-large",
            Self::UnsupportedMediaType(_) => "unsupported-media-type",
            Self::RangeNotSatisfiable(_) => "range-not-satisfiable",
            Self::Validation { .. } => "validation-failed",
            Self::TooManyRequests { .. } => "too-many-requests",
            Self::Unavailable(_) | Self::StorageUnavailable(_) => "service-unavailable",
            Self::Internal(_) => "internal-error",
        }
    }

    /// The problem document sent to the client; 5xx details are deliberately generic.
    pub fn problem(&self) -> Problem {
        let status = self.status_code();
        let detail = match self {
            Self::Unauthorized => "A valid bearer token is required.".to_owned(),
            Self::MethodNotAllowed { allow } => {
                format!("This route accepts only: {}.", allow.join(", "))
            }
            Self::TooManyRequests { retry_after } => {
                format!("Too many requests; retry in {retry_after} seconds.")
            }
            Self::Unavailable(_) => {
                "The database is unavailable right now; retry shortly.".to_owned()
            }
            Self::StorageUnavailable(_) => {
                "The media storage is unavailable right now; retry shortly.".to_owned()
            }
            Self::Internal(_) => "The server failed to handle the request.".to_owned(),
            other => other.to_string(),
        };
        let errors = match self {
            Self::Validation { errors, .. } => errors.clone(),
            _ => Vec::new(),
        };
        Problem {
            kind: format!("/problems/{}", self.code()),
            title: status.canonical_reason().unwrap_or("Error").to_owned(),
            status: status.as_u16(),
            detail,
            errors,
        }
    }
}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        match self {
            Self::BadRequest(_) => StatusCode::BAD_REQUEST,
            Self::Unauthorized | Self::InvalidCredentials | Self::InvalidRefreshToken => {
                StatusCode::UNAUTHORIZED
            }
            Self::Forbidden(_) => StatusCode::FORBIDDEN,
            Self::NotFound(_) => StatusCode::NOT_FOUND,
            Self::MethodNotAllowed { .. } => StatusCode::METHOD_NOT_ALLOWED,
            Self::NotAcceptable(_) => StatusCode::NOT_ACCEPTABLE,
            Self::RequestTimeout(_) => StatusCode::REQUEST_TIMEOUT,
            Self::Conflict(_) => StatusCode::CONFLICT,
            Self::PreconditionFailed(_) => StatusCode::PRECONDITION_FAILED,
            Self::PayloadTooLarge(_) => StatusCode::PAYLOAD_TOO_LARGE,
            Self::UnsupportedMediaType(_) => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            Self::RangeNotSatisfiable(_) => StatusCode::RANGE_NOT_SATISFIABLE,
            Self::Validation { .. } => StatusCode::UNPROCESSABLE_ENTITY,
            Self::TooManyRequests { .. } => StatusCode::TOO_MANY_REQUESTS,
            Self::Unavailable(_) | Self::StorageUnavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
            Self::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn error_response(&self) -> HttpResponse {
        match self {
            Self::Unavailable(cause) => tracing::warn!(%cause, "database unavailable"),
            Self::StorageUnavailable(cause) => tracing::warn!(%cause, "media storage failed"),
            Self::Internal(cause) => tracing::error!(%cause, "request failed"),
            _ => {}
        }
        let mut response = HttpResponse::build(self.status_code());
        response.content_type(PROBLEM_JSON);
        match self {
            Self::Unauthorized => {
                response
                    .insert_header((header::WWW_AUTHENTICATE, r#"Bearer error="invalid_token""#));
            }
            Self::MethodNotAllowed { allow } => {
                response.insert_header((header::ALLOW, allow.join(", ")));
            }
            Self::TooManyRequests { retry_after } => {
                response.insert_header((header::RETRY_AFTER, retry_after.to_string()));
            }
            Self::Unavailable(_) | Self::StorageUnavailable(_) => {
                response.insert_header((header::RETRY_AFTER, RETRY_AFTER_UNAVAILABLE.to_string()));
            }
            Self::RangeNotSatisfiable(size) => {
                response.insert_header((header::CONTENT_RANGE, format!("bytes */{size}")));
            }
            _ => {}
        }
        response.json(self.problem())
    }
}

/// The problem for a framework-made error response that carries no problem body of its own.
pub fn problem_for_status(status: StatusCode, cause: Option<&actix_web::Error>) -> ApiError {
    let detail = cause
        .map(ToString::to_string)
        .filter(|text| !text.is_empty())
        .unwrap_or_else(|| status.canonical_reason().unwrap_or("Error").to_owned());
    match status {
        StatusCode::BAD_REQUEST => ApiError::BadRequest(detail),
        StatusCode::UNAUTHORIZED => ApiError::Unauthorized,
        StatusCode::FORBIDDEN => ApiError::Forbidden(detail),
        StatusCode::NOT_FOUND => ApiError::not_found(),
        StatusCode::METHOD_NOT_ALLOWED => ApiError::MethodNotAllowed { allow: Vec::new() },
        StatusCode::NOT_ACCEPTABLE => ApiError::NotAcceptable(
            "Accept-Encoding accepts none of the codings offered: br, zstd, gzip, deflate, \
             identity."
                .into(),
        ),
        StatusCode::REQUEST_TIMEOUT => ApiError::RequestTimeout(detail),
        StatusCode::CONFLICT => ApiError::Conflict(detail),
        StatusCode::PRECONDITION_FAILED => ApiError::PreconditionFailed(detail),
        StatusCode::PAYLOAD_TOO_LARGE => ApiError::PayloadTooLarge(detail),
        StatusCode::UNSUPPORTED_MEDIA_TYPE => ApiError::UnsupportedMediaType(detail),
        StatusCode::UNPROCESSABLE_ENTITY => ApiError::Validation {
            detail,
            errors: Vec::new(),
        },
        StatusCode::SERVICE_UNAVAILABLE => ApiError::Unavailable(detail),
        status if status.is_client_error() => ApiError::BadRequest(detail),
        _ => ApiError::Internal(detail),
    }
}

impl From<FieldError> for ApiError {
    fn from(error: FieldError) -> Self {
        Self::Validation {
            detail: format!("{} {}", error.field, error.message),
            errors: vec![error],
        }
    }
}

impl From<DomainError> for ApiError {
    fn from(error: DomainError) -> Self {
        match error {
            DomainError::Invalid(errors) => Self::Validation {
                detail: "Some fields are not valid.".into(),
                errors,
            },
            DomainError::Field(error) => error.into(),
            DomainError::Conflict(detail) => Self::Conflict(detail),
            DomainError::Forbidden(detail) => Self::Forbidden(detail),
            DomainError::NotFound => Self::not_found(),
            DomainError::Stale => Self::stale(),
            DomainError::Database(error) => error.into(),
        }
    }
}

impl From<diesel::result::Error> for ApiError {
    fn from(error: diesel::result::Error) -> Self {
        use diesel::result::{DatabaseErrorKind, Error};
        match error {
            Error::NotFound => Self::not_found(),
            Error::DatabaseError(DatabaseErrorKind::UniqueViolation, _) => {
                Self::Conflict("A resource with these unique values already exists.".into())
            }
            Error::DatabaseError(DatabaseErrorKind::ForeignKeyViolation, _) => {
                Self::Conflict("The write refers to, or is referred to by, other resources.".into())
            }
            // SQLite reports a foreign key failure without diesel classifying it.
            Error::DatabaseError(_, ref info)
                if info.message().contains("FOREIGN KEY constraint failed") =>
            {
                Self::Conflict("The write refers to, or is referred to by, other resources.".into())
            }
            // PostgreSQL refuses NUL in text; input that carries one is the client's mistake.
            Error::DatabaseError(_, ref info)
                if info.message().contains("invalid byte sequence") =>
            {
                Self::BadRequest("The request contains a character that can't be stored.".into())
            }
            Error::DatabaseError(DatabaseErrorKind::ClosedConnection, info) => {
                Self::Unavailable(info.message().to_owned())
            }
            Error::DatabaseError(_, ref info) if is_unavailable_message(info.message()) => {
                Self::Unavailable(info.message().to_owned())
            }
            Error::BrokenTransactionManager => Self::Unavailable(error.to_string()),
            other => Self::Internal(other.to_string()),
        }
    }
}

/// Whether a database error message means the server went away or is busy, not a bug.
fn is_unavailable_message(message: &str) -> bool {
    const MARKERS: [&str; 8] = [
        "database is locked",
        "deadlock detected",
        "terminating connection",
        "server closed the connection",
        "connection to server",
        "no connection to the server",
        "the database system is",
        "could not receive data",
    ];
    let message = message.to_ascii_lowercase();
    MARKERS.iter().any(|marker| message.contains(marker))
}

impl From<r2d2::Error> for ApiError {
    fn from(error: r2d2::Error) -> Self {
        Self::Unavailable(error.to_string())
    }
}

impl From<actix_web::error::BlockingError> for ApiError {
    fn from(error: actix_web::error::BlockingError) -> Self {
        Self::Unavailable(error.to_string())
    }
}

/// Maps a serde_json failure at `path` (dotted, `.` for the whole body) to 400 (not JSON) or
/// 422 (JSON of the wrong shape, naming the field).
pub fn deserialize_error(error: &serde_json::Error, path: &str) -> ApiError {
    use serde_json::error::Category;
    match error.classify() {
        Category::Data => {
            let message = strip_position(&error.to_string());
            let parent = (path != ".").then_some(path);
            let field = match (field_of(&message), parent) {
                (Some(field), Some(parent))
                    if parent != field && !parent.ends_with(&format!(".{field}")) =>
                {
                    format!("{parent}.{field}")
                }
                (Some(_), Some(parent)) => parent.to_owned(),
                (Some(field), None) => field,
                (None, Some(parent)) => parent.to_owned(),
                (None, None) => "body".into(),
            };
            ApiError::Validation {
                detail: format!("The request body is not valid: {message}."),
                errors: vec![FieldError::new(field, message)],
            }
        }
        Category::Syntax | Category::Eof | Category::Io => ApiError::BadRequest(format!(
            "The body is not well-formed JSON: {}.",
            strip_position(&error.to_string())
        )),
    }
}

/// Error handler for query strings: 422 with the offending parameter.
pub fn query_error(error: actix_error::QueryPayloadError, _: &HttpRequest) -> actix_web::Error {
    let message = match &error {
        actix_error::QueryPayloadError::Deserialize(inner) => inner.to_string(),
        other => other.to_string(),
    };
    let field = field_of(&message).unwrap_or_else(|| "query".into());
    ApiError::Validation {
        detail: format!("The query string is not valid: {message}."),
        errors: vec![FieldError::new(field, message)],
    }
    .into()
}

/// Drops serde_json's " at line 1 column 7" suffix, which means nothing to an API client.
fn strip_position(message: &str) -> String {
    match message.rfind(" at line ") {
        Some(index) => message[..index].to_owned(),
        None => message.to_owned(),
    }
}

/// Extracts the field name from serde messages such as "unknown field `role`, expected …"
/// or "missing field `email`".
fn field_of(message: &str) -> Option<String> {
    let start = message.find('`')? + 1;
    let length = message[start..].find('`')?;
    let candidate = &message[start..start + length];
    let is_field_message =
        message.starts_with("unknown field") || message.starts_with("missing field");
    is_field_message.then(|| candidate.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn json_error(body: &str) -> serde_json::Error {
        #[derive(serde::Deserialize, Debug)]
        #[serde(deny_unknown_fields)]
        #[expect(dead_code, reason = "only deserialised")]
        struct Body {
            email: String,
        }
        serde_json::from_str::<Body>(body).unwrap_err()
    }

    #[test]
    fn json_errors_name_their_field() {
        let error = deserialize_error(&json_error(r#"{"email": "a", "role": "admin"}"#), ".");
        let problem = error.problem();
        assert_eq!(problem.status, 422);
        assert_eq!(problem.errors[0].field, "role");
        let error = deserialize_error(&json_error("{}"), ".");
        assert_eq!(error.problem().errors[0].field, "email");
        // A wrong type deep in a body names the path it was found at.
        let error = deserialize_error(&json_error(r#"{"email": 5}"#), "email");
        assert_eq!(error.problem().errors[0].field, "email");
        let error = deserialize_error(&json_error("{"), ".");
        assert_eq!(error.problem().status, 400);
        assert!(!error.problem().detail.contains("line"), "no position");
    }

    #[test]
    fn domain_errors_become_their_status() {
        let status = |error: DomainError| ApiError::from(error).problem().status;
        assert_eq!(status(DomainError::Invalid(vec![])), 422);
        assert_eq!(status(DomainError::Conflict("taken".into())), 409);
        assert_eq!(status(DomainError::Forbidden("no".into())), 403);
        assert_eq!(status(DomainError::NotFound), 404);
        assert_eq!(status(DomainError::Stale), 412);
        assert_eq!(status(diesel::result::Error::NotFound.into()), 404);
        let one = ApiError::from(DomainError::from(FieldError::new("name", "is empty")));
        assert_eq!(one.problem().detail, "name is empty");
        let checked = ApiError::from(DomainError::Invalid(vec![FieldError::new("name", "x")]));
        assert_eq!(checked.problem().detail, "Some fields are not valid.");
    }

    #[test]
    fn server_failures_say_nothing_of_their_cause() {
        let problem = ApiError::Internal("SELECT secret FROM users".into()).problem();
        assert_eq!(problem.status, 500);
        assert!(!problem.detail.contains("SELECT"));
        let problem = ApiError::Unavailable("connection refused".into()).problem();
        assert_eq!(problem.status, 503);
        assert_eq!(problem.kind, "/problems/service-unavailable");
    }
}
