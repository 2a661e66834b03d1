//! Delivery of media: a picture's public description (`GET /api/v1/media/{id}`) and its files
//! (`GET /media/{key}`).

use actix_web::http::header::{self, ContentEncoding, HeaderValue};
use actix_web::{HttpRequest, HttpResponse, get, web};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::app::AppState;
use crate::delivery::cache::{LISTS_TAG, SURROGATE_KEY};
use crate::delivery::locale::choose_locale;
use crate::delivery::{cached_json_in, if_none_match};
use crate::error::{ApiError, Problem};
use crate::media::image::Format;
use crate::media::model::PublicMedia;
use crate::media::store;
use crate::openapi::{NotModified, UnknownLocale};

/// How long clients and CDNs keep a media file: its address changes with its content.
const IMMUTABLE: &str = "public, max-age=31536000, immutable";

/// The locale of a picture's description.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct MediaReadQuery {
    /// Locale of the alt text and caption (a site locale); else `Accept-Language`, else the
    /// site default. Texts fall back along the locale chain.
    pub locale: Option<String>,
}

/// A picture as delivered.
#[derive(Debug, Serialize, ToSchema)]
pub struct MediaResponse {
    pub data: PublicMedia,
}

/// A picture that published content shows: its files (original and WebP variants, enough for
/// `srcset`), size, placeholder, colour, focal point, credit, and alt text and caption in the
/// negotiated locale. Pictures no published content uses are 404.
#[utoipa::path(
    tag = "media",
    params(("id" = i64, Path, description = "Picture id."), MediaReadQuery),
    responses(
        (status = 200, description = "The picture.", body = MediaResponse,
         headers(("ETag" = String, description = "Strong validator."),
                 ("Content-Language" = String, description = "The requested locale."))),
        NotModified,
        (status = 404, description = "No such picture, or none that published content shows.", body = Problem, content_type = "application/problem+json"),
        UnknownLocale,
    )
)]
#[get("/media/{id}")]
pub async fn get_public_media(
    request: HttpRequest,
    state: web::Data<AppState>,
    id: web::Path<i64>,
    query: web::Query<MediaReadQuery>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    let choice = choose_locale(&state, &request, query.locale.as_deref(), None).await?;
    let (row, translations) = state
        .db
        .run(move |conn| {
            if store::public_uses(conn, id)?.is_empty() {
                return Err(ApiError::not_found());
            }
            let row = store::find(conn, id)?;
            Ok((row, store::translations_of(conn, &[id])?))
        })
        .await?;
    let media = PublicMedia::new(&row, &translations, &choice, &state.settings.urls);
    let mut response = cached_json_in(
        &request,
        state.settings.http.cache_max_age,
        &MediaResponse { data: media },
        Some(&choice.requested),
    )?;
    // Purged when the picture changes, and when what uses it comes or goes.
    if let Ok(tag) = HeaderValue::from_str(&format!("media:{id} {LISTS_TAG}")) {
        response.headers_mut().insert(SURROGATE_KEY, tag);
    }
    Ok(response)
}

/// A stored media file: an original (without metadata) or a WebP variant, at the address the
/// JSON gives. Immutable (its address changes with its content), with a strong `ETag` and
/// single `Range` requests (206, or 416 beyond the end). With `MEDIA_PUBLIC_URL` set, a
/// redirect there (301).
#[utoipa::path(
    tag = "media",
    params(("key" = String, Path, description = "The file's key, such as `3f/3f…/640.webp`.")),
    responses(
        (status = 200, description = "The file.",
         content((String = "image/webp"), (String = "image/jpeg"), (String = "image/png"), (String = "image/gif")),
         headers(("ETag" = String, description = "Strong validator."),
                 ("Cache-Control" = String, description = "`public, max-age=31536000, immutable`."),
                 ("Accept-Ranges" = String, description = "`bytes`."))),
        (status = 206, description = "The requested range of the file.",
         headers(("Content-Range" = String, description = "The range sent, of the whole size."))),
        (status = 301, description = "The file is served from `MEDIA_PUBLIC_URL`.",
         headers(("Location" = String, description = "Its address there."))),
        NotModified,
        (status = 404, description = "No such file.", body = Problem, content_type = "application/problem+json"),
        (status = 416, description = "The range starts past the end.", body = Problem, content_type = "application/problem+json",
         headers(("Content-Range" = String, description = "`bytes */{size}`."))),
    )
)]
#[get("/media/{key:.*}")]
pub async fn media_file(
    request: HttpRequest,
    state: web::Data<AppState>,
    key: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let key = key.into_inner();
    let Some(mime) = file_type(&key) else {
        return Err(ApiError::not_found());
    };
    if let Some(base) = &state.settings.media.public_url {
        return Ok(HttpResponse::MovedPermanently()
            .insert_header((header::LOCATION, format!("{base}/{key}")))
            .insert_header((header::CACHE_CONTROL, IMMUTABLE))
            .finish());
    }
    let etag = format!("\"{}\"", key.replace('/', "-"));
    if if_none_match(request.headers(), &etag) {
        return Ok(HttpResponse::NotModified()
            .insert_header((header::ETAG, etag))
            .insert_header((header::CACHE_CONTROL, IMMUTABLE))
            .finish());
    }
    let failed = |e: crate::media::storage::Error| ApiError::StorageUnavailable(e.to_string());
    let range = match request
        .headers()
        .get(header::RANGE)
        .and_then(|v| v.to_str().ok())
    {
        Some(value) if !if_range_differs(&request, &etag) => {
            let Some(size) = state.media.size(&key).await.map_err(failed)? else {
                return Err(ApiError::not_found());
            };
            match byte_range(value, size) {
                Ranged::Whole => None,
                Ranged::Part(range) => Some(range),
                Ranged::Unsatisfiable => return Err(ApiError::RangeNotSatisfiable(size)),
            }
        }
        _ => None,
    };
    let partial = range.is_some();
    let Some(stored) = state.media.get(&key, range).await.map_err(failed)? else {
        return Err(ApiError::not_found());
    };
    let mut response = if partial {
        HttpResponse::PartialContent()
    } else {
        HttpResponse::Ok()
    };
    response
        .insert_header((header::CONTENT_TYPE, mime))
        .insert_header((header::ETAG, etag))
        .insert_header((header::CACHE_CONTROL, IMMUTABLE))
        .insert_header((header::ACCEPT_RANGES, "bytes"))
        // Pictures are compressed already, and ranges are of the stored bytes.
        .insert_header(ContentEncoding::Identity);
    if partial {
        response.insert_header((
            header::CONTENT_RANGE,
            format!(
                "bytes {}-{}/{}",
                stored.range.start,
                stored.range.end.saturating_sub(1),
                stored.size
            ),
        ));
    }
    let length = stored.range.end - stored.range.start;
    Ok(response.no_chunking(length).streaming(stored.body))
}

/// The media type of a file key as uploads write them (`ab/ab…64 hex…/original.jpg` or
/// `…/640.webp`); `None` for any other path.
fn file_type(key: &str) -> Option<&'static str> {
    let mut parts = key.split('/');
    let (prefix, sha, file) = (parts.next()?, parts.next()?, parts.next()?);
    let hex = |s: &str| {
        s.bytes()
            .all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase())
    };
    if parts.next().is_some()
        || prefix.len() != 2
        || sha.len() != 64
        || !hex(sha)
        || !sha.starts_with(prefix)
    {
        return None;
    }
    let (stem, extension) = file.split_once('.')?;
    if stem == "original" {
        return [Format::Jpeg, Format::Png, Format::WebP, Format::Gif]
            .into_iter()
            .find(|f| f.extension() == extension)
            .map(Format::mime);
    }
    (extension == "webp" && !stem.is_empty() && stem.bytes().all(|b| b.is_ascii_digit()))
        .then_some("image/webp")
}

/// Whether an `If-Range` names another version than `etag` (then the whole file is sent).
fn if_range_differs(request: &HttpRequest, etag: &str) -> bool {
    request
        .headers()
        .get(header::IF_RANGE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|value| value.trim() != etag)
}

/// What a `Range` header asks of a file of `size` bytes.
#[derive(Debug, PartialEq, Eq)]
enum Ranged {
    /// Nothing usable (another unit, several ranges, a malformed one): the whole file.
    Whole,
    /// These bytes.
    Part(std::ops::Range<u64>),
    /// A range starting past the end.
    Unsatisfiable,
}

fn byte_range(value: &str, size: u64) -> Ranged {
    let Some(spec) = value.trim().strip_prefix("bytes=") else {
        return Ranged::Whole;
    };
    if spec.contains(',') {
        return Ranged::Whole;
    }
    let Some((start, end)) = spec.trim().split_once('-') else {
        return Ranged::Whole;
    };
    let (start, end) = (start.trim(), end.trim());
    if start.is_empty() {
        // The last `end` bytes.
        return match end.parse::<u64>() {
            Ok(0) => Ranged::Unsatisfiable,
            Ok(n) if size > 0 => Ranged::Part(size.saturating_sub(n)..size),
            Ok(_) => Ranged::Unsatisfiable,
            Err(_) => Ranged::Whole,
        };
    }
    let Ok(start) = start.parse::<u64>() else {
        return Ranged::Whole;
    };
    if start >= size {
        return Ranged::Unsatisfiable;
    }
    let end = if end.is_empty() {
        size - 1
    } else {
        match end.parse::<u64>() {
            Ok(end) if end >= start => end.min(size - 1),
            _ => return Ranged::Whole,
        }
    };
    Ranged::Part(start..end + 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges_as_rfc_9110_reads_them() {
        assert_eq!(byte_range("bytes=0-9", 100), Ranged::Part(0..10));
        assert_eq!(byte_range("bytes=90-", 100), Ranged::Part(90..100));
        assert_eq!(byte_range("bytes=-10", 100), Ranged::Part(90..100));
        assert_eq!(byte_range("bytes=50-500", 100), Ranged::Part(50..100));
        assert_eq!(byte_range("bytes=100-", 100), Ranged::Unsatisfiable);
        assert_eq!(byte_range("bytes=0-1,5-6", 100), Ranged::Whole);
        assert_eq!(byte_range("items=0-1", 100), Ranged::Whole);
    }

    #[test]
    fn only_stored_file_keys_are_served() {
        let sha = "ab".to_owned() + &"0".repeat(62);
        assert_eq!(file_type(&format!("ab/{sha}/640.webp")), Some("image/webp"));
        assert_eq!(
            file_type(&format!("ab/{sha}/original.png")),
            Some("image/png")
        );
        assert_eq!(file_type(&format!("ab/{sha}/../x.webp")), None);
        assert_eq!(file_type(&format!("cd/{sha}/640.webp")), None);
        assert_eq!(file_type("ab/x/640.webp"), None);
    }
}
