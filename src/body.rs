//! JSON request bodies, read by the extractor but parsed by the handler: a handler checks the
//! caller's rights first, so a refused caller learns nothing about the body's schema (403
//! before 422), whatever order the extractors finish in.

use std::future::Future;
use std::marker::PhantomData;
use std::pin::Pin;

use actix_web::dev::Payload;
use actix_web::http::header;
use actix_web::{FromRequest, HttpRequest, web};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Deserializer};

use crate::error::{ApiError, deserialize_error};

/// How long a request body may take to arrive (`BODY_READ_TIMEOUT`), kept in the app data.
#[derive(Clone, Copy, Debug)]
pub struct BodyReadTimeout(pub std::time::Duration);

/// A JSON body of type `T`: the bytes, checked for media type and size on extraction
/// (415, 413) and read within [`BodyReadTimeout`] (408), parsed with [`JsonBody::parse`] (400
/// malformed, 422 wrong shape).
pub struct JsonBody<T> {
    bytes: web::Bytes,
    shape: PhantomData<T>,
}

impl<T> JsonBody<T> {
    /// SHA-256 of the body's bytes, hex: what tells one request from another under an
    /// `Idempotency-Key`.
    pub fn digest(&self) -> String {
        use sha2::{Digest, Sha256};
        crate::config::encode_hex(&Sha256::digest(&self.bytes))
    }
}

impl<T: DeserializeOwned> JsonBody<T> {
    /// The body as `T`; unknown fields, wrong types and missing fields are 422.
    pub fn parse(self) -> Result<T, ApiError> {
        crate::audit::context::note_body(&self.bytes);
        parse_json(&self.bytes)
    }

    /// [`JsonBody::parse`] on a route with a smaller size limit than the server's: 413 when
    /// the body has more than `max_bytes`.
    pub fn parse_within(self, max_bytes: usize) -> Result<T, ApiError> {
        if self.bytes.len() > max_bytes {
            return Err(ApiError::PayloadTooLarge(format!(
                "The body is larger than {max_bytes} bytes, the limit of this route."
            )));
        }
        self.parse()
    }
}

/// JSON `bytes` as `T` (a body, or a JSON part of a multipart body): malformed JSON is 400;
/// unknown fields, wrong types and missing fields are 422 naming the field.
pub fn parse_json<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, ApiError> {
    let mut deserializer = serde_json::Deserializer::from_slice(bytes);
    let value = serde_path_to_error::deserialize(&mut deserializer)
        .map_err(|error| deserialize_error(error.inner(), &error.path().to_string()))?;
    deserializer
        .end()
        .map_err(|error| deserialize_error(&error, "."))?;
    Ok(value)
}

impl<T: 'static> FromRequest for JsonBody<T> {
    type Error = ApiError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, ApiError>>>>;

    fn from_request(request: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let is_json = request
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|value| value.to_str().ok())
            .and_then(|value| value.parse::<mime::Mime>().ok())
            .is_some_and(|mime| {
                mime.type_() == mime::APPLICATION
                    && (mime.subtype() == mime::JSON || mime.suffix() == Some(mime::JSON))
            });
        if !is_json {
            return Box::pin(std::future::ready(Err(ApiError::UnsupportedMediaType(
                "The body must be JSON, sent with `Content-Type: application/json`.".into(),
            ))));
        }
        let bytes = web::Bytes::from_request(request, payload);
        let timeout = request
            .app_data::<BodyReadTimeout>()
            .map_or(std::time::Duration::from_secs(30), |timeout| timeout.0);
        Box::pin(async move {
            let bytes = actix_web::rt::time::timeout(timeout, bytes)
                .await
                .map_err(|_| {
                    ApiError::RequestTimeout(format!(
                        "The body did not arrive within {} seconds.",
                        timeout.as_secs()
                    ))
                })?;
            let bytes = bytes.map_err(|error| {
                match error.as_error::<actix_web::error::PayloadError>() {
                    Some(actix_web::error::PayloadError::Overflow) => {
                        ApiError::PayloadTooLarge("The body is larger than allowed.".into())
                    }
                    Some(other) => {
                        ApiError::BadRequest(format!("The body could not be read: {other}."))
                    }
                    None => ApiError::BadRequest(format!("The body could not be read: {error}.")),
                }
            })?;
            Ok(Self {
                bytes,
                shape: PhantomData,
            })
        })
    }
}

/// For `#[serde(default, deserialize_with = "crate::body::present")]` on an `Option<Option<T>>`
/// field: a field that is there (even as `null`) is `Some`, so "absent" (keep) and `null`
/// (clear) differ.
pub fn present<'de, D: Deserializer<'de>, T: Deserialize<'de>>(
    d: D,
) -> Result<Option<T>, D::Error> {
    T::deserialize(d).map(Some)
}
