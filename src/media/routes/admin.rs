//! `/api/v1/admin/media`: the media library for the newsroom. Contributors and up upload;
//! authors and contributors change and delete only their own pictures, editors and admins any.

use std::io::{BufReader, Write};

use actix_multipart::Multipart;
use actix_web::{HttpRequest, HttpResponse, delete, get, http::header, patch, post, web};
use futures_util::StreamExt;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use utoipa::{IntoParams, ToSchema};

use crate::app::AppState;
use crate::articles::read_model;
use crate::auth::actor::Principal;
use crate::auth::roles::Permission;
use crate::body::{JsonBody, parse_json};
use crate::db::{self, DbConnection, Paged};
use crate::domain::DomainError;
use crate::error::{ApiError, Problem};
use crate::events::model::Resource;
use crate::events::store as events;
use crate::locales::store as locales;
use crate::media::image::{self, Format, Refused};
use crate::media::library;
use crate::media::model::*;
use crate::media::store::{self, Filter};
use crate::openapi::{InvalidFields, InvalidParameters, NoToken, StaleIfMatch};
use crate::pagination::{Page, PageMeta};
use crate::slug::fold;
use crate::translated::{self, LocaleMap};
use crate::versioning::{self, IfMatch};

/// Largest `meta` part of an upload.
const MAX_META_BYTES: usize = 64 << 10;

/// A picture's credit, focal point and texts: the `meta` part of an upload, or the body of a
/// change (fields left out are kept; `credit` and `focal_point` may be `null`).
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MediaMeta {
    /// Credit line, such as `Fotoğraf: AA` (up to 300 characters).
    #[serde(default, deserialize_with = "crate::body::present")]
    #[schema(value_type = Option<String>, example = "Fotoğraf: AA")]
    pub credit: Option<Option<String>>,
    /// Where crops should center.
    #[serde(default, deserialize_with = "crate::body::present")]
    #[schema(value_type = Option<FocalPoint>)]
    pub focal_point: Option<Option<FocalPoint>>,
    /// Alt text and caption by locale; a locale set to `null` is removed, others are kept.
    #[serde(default)]
    #[schema(value_type = std::collections::BTreeMap<String, MediaTranslationInput>,
             example = json!({"tr": {"alt": "Tokayev Astana'da konuşuyor", "caption": "Tokayev"}}))]
    pub translations: LocaleMap<MediaTranslationInput>,
}

/// An upload: the picture and, optionally, its description.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)]
pub struct MediaUpload {
    /// The picture: JPEG, PNG, WebP or GIF, told by its content (not its name or type).
    #[schema(value_type = String, format = Binary)]
    file: Vec<u8>,
    /// Its credit, focal point and texts, as JSON.
    meta: Option<MediaMeta>,
}

/// A type of stored original.
#[derive(Debug, Clone, Copy, Deserialize, ToSchema)]
pub enum MediaType {
    #[serde(rename = "image/jpeg")]
    #[schema(rename = "image/jpeg")]
    Jpeg,
    #[serde(rename = "image/png")]
    #[schema(rename = "image/png")]
    Png,
    #[serde(rename = "image/webp")]
    #[schema(rename = "image/webp")]
    WebP,
    #[serde(rename = "image/gif")]
    #[schema(rename = "image/gif")]
    Gif,
}

impl MediaType {
    fn format(self) -> Format {
        match self {
            Self::Jpeg => Format::Jpeg,
            Self::Png => Format::Png,
            Self::WebP => Format::WebP,
            Self::Gif => Format::Gif,
        }
    }
}

/// Filters and page of the library.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct MediaQuery {
    /// Only pictures whose file name, credit, alt text or caption contains this (accent- and
    /// case-insensitive).
    pub q: Option<String>,
    /// Only pictures of this type.
    #[param(inline)]
    pub mime: Option<MediaType>,
    /// Only pictures uploaded by this account.
    pub uploaded_by: Option<i64>,
    /// Page, from 1 to 100000.
    #[param(minimum = 1, maximum = 100000)]
    pub page: Option<u32>,
    /// Items per page, 1 to 100 (default 20).
    #[param(minimum = 1, maximum = 100)]
    pub per_page: Option<u32>,
}

/// A page of the library.
#[derive(Debug, Serialize, ToSchema)]
pub struct AdminMediaList {
    /// Pictures, newest first.
    pub data: Vec<AdminMedia>,
    pub meta: PageMeta,
}

/// One picture as editors see it.
#[derive(Debug, Serialize, ToSchema)]
pub struct AdminMediaResponse {
    pub data: AdminMedia,
}

/// Browse the media library (every picture, whoever uploaded it).
#[utoipa::path(
    tag = "media",
    security(("bearer" = [])),
    params(MediaQuery),
    responses(
        (status = 200, description = "A page of pictures.", body = AdminMediaList),
        NoToken,
        (status = 403, description = "Not a contributor, author, editor or admin.", body = Problem, content_type = "application/problem+json"),
        InvalidParameters,
    )
)]
#[get("/media")]
pub async fn list_media(
    request: HttpRequest,
    principal: Principal,
    state: web::Data<AppState>,
    query: web::Query<MediaQuery>,
) -> Result<HttpResponse, ApiError> {
    principal.require(Permission::UploadMedia)?;
    let query = query.into_inner();
    let page = Page::new(query.page, query.per_page)?;
    let filter = Filter {
        query: query
            .q
            .as_deref()
            .map(fold)
            .filter(|q| !q.trim().is_empty()),
        mime: query.mime.map(|m| m.format().mime().to_owned()),
        uploaded_by: query.uploaded_by,
    };
    let (rows, translations, total) = state
        .db
        .run(move |conn| {
            let Paged { rows, total } = store::page(conn, &filter, page.offset(), page.limit())?;
            let ids: Vec<i64> = rows.iter().map(|r| r.id).collect();
            Ok((rows, store::translations_of(conn, &ids)?, total))
        })
        .await?;
    let mut grouped = db::group_by(translations, |t| t.media_id);
    let urls = &state.settings.urls;
    let data = rows
        .into_iter()
        .map(|row| {
            let translations = grouped.remove(&row.id).unwrap_or_default();
            AdminMedia::new(row, translations, urls)
        })
        .collect();
    let meta = page.meta(total);
    Ok(meta.ok(&request).json(AdminMediaList { data, meta }))
}

/// Upload a picture.
///
/// `multipart/form-data` with a `file` part and an optional `meta` part (JSON). The body is
/// streamed to disk while its SHA-256 is computed, never held whole in memory. The type comes
/// from the content: JPEG, PNG, WebP or GIF (415 otherwise: SVG, AVIF, anything else). The
/// picture is decoded within `MEDIA_MAX_PIXELS` (422 beyond), turned upright and stored
/// without any metadata (EXIF, GPS positions, XMP, IPTC), with WebP variants 320, 640, 1024,
/// 1600 and 2400 pixels wide (never wider than the original), a ThumbHash placeholder and its
/// average colour. The same bytes uploaded twice share their stored files.
#[utoipa::path(
    tag = "media",
    security(("bearer" = [])),
    request_body(content = MediaUpload, content_type = "multipart/form-data"),
    responses(
        (status = 201, description = "The picture.", body = AdminMediaResponse,
         headers(("Location" = String, description = "The picture's admin URL."),
                 ("ETag" = String, description = "Its version."))),
        NoToken,
        (status = 403, description = "Not a contributor, author, editor or admin.", body = Problem, content_type = "application/problem+json"),
        (status = 413, description = "The file is larger than `MEDIA_MAX_BYTES`; nothing is kept.", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "Not multipart/form-data, or the file is not a JPEG, PNG, WebP or GIF picture.", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "No `file` part, an unknown part, invalid `meta`, a picture with too many pixels or that does not decode.", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/media")]
pub async fn upload_media(
    request: HttpRequest,
    principal: Principal,
    state: web::Data<AppState>,
    payload: web::Payload,
) -> Result<HttpResponse, ApiError> {
    principal.require(Permission::UploadMedia)?;
    let is_multipart = request
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<mime::Mime>().ok())
        .is_some_and(|m| m.type_() == mime::MULTIPART && m.subtype() == mime::FORM_DATA);
    if !is_multipart {
        return Err(ApiError::UnsupportedMediaType(
            "An upload is `multipart/form-data` with a `file` part and an optional `meta` part."
                .into(),
        ));
    }
    let received = receive(&request, payload, &state.settings.media).await?;
    let meta = match &received.meta {
        Some(bytes) => parse_meta(bytes)?,
        None => MediaMeta::default(),
    };
    let site = state.site_locales().await?;
    let codes: Vec<String> = site.iter().map(|l| l.code.clone()).collect();
    check_meta(&codes, &meta)?;
    let format = Format::sniff(&received.head).map_err(refused)?;
    let sha256 = received.sha256.clone();
    let max_pixels = state.settings.media.max_pixels;
    let file = received.file;
    let processed = state
        .media_workers
        .run(move || {
            let reader =
                BufReader::new(file.reopen().map_err(|e| Refused::Picture(e.to_string()))?);
            let processed = image::process_upload(reader, format, &sha256, max_pixels);
            drop(file);
            processed
        })
        .await?
        .map_err(refused)?;
    library::store_files(&state.media, &received.sha256, &processed)
        .await
        .map_err(|e| ApiError::StorageUnavailable(e.to_string()))?;
    let new = library::new_row(
        &received.sha256,
        &processed,
        received.file_name.as_deref(),
        meta.credit.clone().flatten().as_deref(),
        meta.focal_point
            .flatten()
            .map(|p| serde_json::to_string(&p).unwrap_or_default()),
        principal.user_id(),
    );
    let translations = meta.translations;
    let media = state
        .db
        .write(move |conn| {
            let id = store::insert(conn, &new)?;
            events::announce(conn, Resource::Media, "created", id)?;
            write_translations(conn, id, &translations)?;
            Ok(loaded(conn, id)?)
        })
        .await?;
    // A delete of another picture with the same files may have removed them between the check
    // above and this commit: they are written again.
    library::store_files(&state.media, &media.0.sha256, &processed)
        .await
        .map_err(|e| ApiError::StorageUnavailable(e.to_string()))?;
    let admin = AdminMedia::new(media.0, media.1, &state.settings.urls);
    Ok(versioning::created(
        format!("/api/v1/admin/media/{}", admin.id),
        Some(admin.version),
        AdminMediaResponse { data: admin },
    ))
}

/// Read a picture with every translation.
#[utoipa::path(
    tag = "media",
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "Picture id.")),
    responses(
        (status = 200, description = "The picture.", body = AdminMediaResponse,
         headers(("ETag" = String, description = "Its version, for If-Match."))),
        NoToken,
        (status = 403, description = "Not a contributor, author, editor or admin.", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such picture.", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/media/{id}")]
pub async fn get_media(
    principal: Principal,
    state: web::Data<AppState>,
    id: web::Path<i64>,
) -> Result<HttpResponse, ApiError> {
    principal.require(Permission::UploadMedia)?;
    let id = id.into_inner();
    let (row, translations) = state.db.run(move |conn| Ok(loaded(conn, id)?)).await?;
    let media = AdminMedia::new(row, translations, &state.settings.urls);
    Ok(versioning::with_etag(
        media.version,
        AdminMediaResponse { data: media },
    ))
}

/// Change a picture's credit, focal point or texts.
///
/// Authors and contributors change only their own pictures (others' are 404). Articles
/// showing the picture are served with the new texts at once. `If-Match` is honoured.
#[utoipa::path(
    tag = "media",
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "Picture id."), IfMatch),
    request_body = MediaMeta,
    responses(
        (status = 200, description = "The picture.", body = AdminMediaResponse),
        NoToken,
        (status = 403, description = "Not a contributor, author, editor or admin.", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such picture (or another's, for authors and contributors).", body = Problem, content_type = "application/problem+json"),
        StaleIfMatch,
        InvalidFields,
    )
)]
#[patch("/media/{id}")]
pub async fn update_media(
    if_match: IfMatch,
    principal: Principal,
    state: web::Data<AppState>,
    id: web::Path<i64>,
    body: JsonBody<MediaMeta>,
) -> Result<HttpResponse, ApiError> {
    principal.require(Permission::UploadMedia)?;
    let expected = if_match.version()?;
    let id = id.into_inner();
    let meta = body.parse()?;
    let user = principal.user_id().unwrap_or_default();
    let edits_any = principal.allows(Permission::EditAnyMedia);
    let (row, translations) = state
        .db
        .write(move |conn| {
            let current = editable(conn, id, user, edits_any)?;
            versioning::check(expected, current.version)?;
            check_meta(&locales::codes(conn)?, &meta)?;
            let credit = match &meta.credit {
                Some(credit) => stored_text(credit.as_deref()),
                None => current.credit.clone(),
            };
            let focal = match meta.focal_point {
                Some(point) => point.map(|p| serde_json::to_string(&p).unwrap_or_default()),
                None => current.focal_point.clone(),
            };
            write_texts(conn, id, &meta.translations)?;
            let (mut row, translations) = loaded(conn, id)?;
            row.credit = credit.clone();
            store::update(
                conn,
                id,
                credit.as_deref(),
                focal.as_deref(),
                &search_text(&row, &translations),
            )?;
            read_model::refresh_media(conn, id)?;
            events::announce(conn, Resource::Media, "updated", id)?;
            Ok(loaded(conn, id)?)
        })
        .await?;
    Ok(HttpResponse::Ok().json(AdminMediaResponse {
        data: AdminMedia::new(row, translations, &state.settings.urls),
    }))
}

/// Delete a picture.
///
/// Refused (409, naming them) while published content uses it: a published article's cover,
/// gallery or body, or an author's avatar. Unpublished articles that used it as cover or in
/// their gallery stop using it. Its files go once no other picture shares them. Authors and
/// contributors delete only their own pictures. `If-Match` is honoured.
#[utoipa::path(
    tag = "media",
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "Picture id."), IfMatch),
    responses(
        (status = 204, description = "Deleted."),
        NoToken,
        (status = 403, description = "Not a contributor, author, editor or admin.", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such picture (or another's, for authors and contributors).", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Published content uses it.", body = Problem, content_type = "application/problem+json"),
        StaleIfMatch,
    )
)]
#[delete("/media/{id}")]
pub async fn delete_media(
    if_match: IfMatch,
    principal: Principal,
    state: web::Data<AppState>,
    id: web::Path<i64>,
) -> Result<HttpResponse, ApiError> {
    principal.require(Permission::UploadMedia)?;
    let expected = if_match.version()?;
    let id = id.into_inner();
    let user = principal.user_id().unwrap_or_default();
    let edits_any = principal.allows(Permission::EditAnyMedia);
    let (sha256, shared) = state
        .db
        .write(move |conn| {
            let current = editable(conn, id, user, edits_any)?;
            versioning::check(expected, current.version)?;
            let uses = store::public_uses(conn, id)?;
            if !uses.is_empty() {
                let named: Vec<String> = uses
                    .iter()
                    .map(|u| format!("{} {} “{}” ({})", u.kind, u.id, u.title, u.role))
                    .collect();
                return Err(ApiError::Conflict(format!(
                    "Published content uses this picture: {}.",
                    named.join("; ")
                )));
            }
            let drafts: Vec<i64> = store::articles_using(conn, id, false)?
                .into_iter()
                .map(|(article, _)| article)
                .collect();
            store::release(conn, id)?;
            store::delete(conn, id)?;
            read_model::refresh(conn, &drafts)?;
            events::announce(conn, Resource::Media, "deleted", id)?;
            Ok((
                current.sha256.clone(),
                store::sha_in_use(conn, &current.sha256)?,
            ))
        })
        .await?;
    if !shared {
        // After the commit: a failure here leaves files that `cms media gc` removes.
        if let Err(error) = state.media.delete_folder(&image::folder(&sha256)).await {
            tracing::warn!(%error, "the files of a deleted picture could not be removed");
        }
    }
    Ok(HttpResponse::NoContent().finish())
}

/// What an upload's body held.
struct Received {
    /// The `file` part, on disk (removed when dropped).
    file: tempfile::NamedTempFile,
    /// Its first bytes, for the type.
    head: Vec<u8>,
    sha256: String,
    file_name: Option<String>,
    meta: Option<Vec<u8>>,
}

/// Reads a multipart body: the `file` part streamed to a temporary file while it is hashed and
/// counted, the `meta` part into memory. Past `MEDIA_MAX_BYTES` the rest is read and dropped
/// (so the client hears the 413) and nothing is kept.
async fn receive(
    request: &HttpRequest,
    payload: web::Payload,
    settings: &crate::config::MediaSettings,
) -> Result<Received, ApiError> {
    let mut multipart = Multipart::new(request.headers(), payload);
    let mut file: Option<(tempfile::NamedTempFile, Vec<u8>, String, Option<String>)> = None;
    let mut meta = None;
    let mut too_large = false;
    let unreadable = |e: actix_multipart::MultipartError| {
        ApiError::BadRequest(format!("The multipart body could not be read: {e}."))
    };
    let disk = |e: std::io::Error| {
        ApiError::StorageUnavailable(format!("the upload could not be kept: {e}"))
    };
    while let Some(field) = multipart.next().await {
        let mut field = field.map_err(unreadable)?;
        let name = field.name().unwrap_or("").to_owned();
        match name.as_str() {
            "file" if file.is_none() => {
                std::fs::create_dir_all(&settings.temp_dir).map_err(disk)?;
                let mut temp = tempfile::Builder::new()
                    .prefix("upload-")
                    .tempfile_in(&settings.temp_dir)
                    .map_err(disk)?;
                let file_name = field
                    .content_disposition()
                    .and_then(|d| d.get_filename())
                    .map(str::to_owned);
                let mut hasher = Sha256::new();
                let mut head = Vec::new();
                let mut size: u64 = 0;
                while let Some(chunk) = field.next().await {
                    let chunk = chunk.map_err(unreadable)?;
                    size += chunk.len() as u64;
                    if too_large {
                        // Read on (so the client hears the 413) only so far.
                        if size > settings.max_bytes.saturating_mul(4) {
                            return Err(too_large_error(settings.max_bytes));
                        }
                        continue;
                    }
                    if size > settings.max_bytes {
                        too_large = true;
                        continue;
                    }
                    if head.len() < 64 {
                        head.extend_from_slice(&chunk[..chunk.len().min(64 - head.len())]);
                    }
                    hasher.update(&chunk);
                    temp.write_all(&chunk).map_err(disk)?;
                }
                if too_large {
                    // The temporary file goes here, before the rest of the body is read.
                    drop(temp);
                    continue;
                }
                temp.flush().map_err(disk)?;
                let sha = crate::config::encode_hex(&hasher.finalize());
                file = Some((temp, head, sha, file_name));
            }
            "meta" if meta.is_none() => {
                let mut bytes = Vec::new();
                while let Some(chunk) = field.next().await {
                    let chunk = chunk.map_err(unreadable)?;
                    if bytes.len() + chunk.len() > MAX_META_BYTES {
                        return Err(ApiError::PayloadTooLarge(format!(
                            "The `meta` part is larger than {MAX_META_BYTES} bytes."
                        )));
                    }
                    bytes.extend_from_slice(&chunk);
                }
                meta = Some(bytes);
            }
            _ => {
                return Err(ApiError::invalid(
                    name.clone(),
                    "is not a part of an upload: send one `file` and at most one `meta`",
                ));
            }
        }
    }
    if too_large {
        return Err(too_large_error(settings.max_bytes));
    }
    let Some((file, head, sha256, file_name)) = file else {
        return Err(ApiError::invalid(
            "file",
            "is required: the picture to upload",
        ));
    };
    Ok(Received {
        file,
        head,
        sha256,
        file_name,
        meta,
    })
}

/// The answer to a file over `MEDIA_MAX_BYTES`.
fn too_large_error(max_bytes: u64) -> ApiError {
    ApiError::PayloadTooLarge(format!(
        "The file is larger than {max_bytes} bytes (MEDIA_MAX_BYTES)."
    ))
}

/// The `meta` part: a JSON object (or `null`, as if absent).
fn parse_meta(bytes: &[u8]) -> Result<MediaMeta, ApiError> {
    match parse_json::<serde_json::Value>(bytes)? {
        serde_json::Value::Null => Ok(MediaMeta::default()),
        serde_json::Value::Object(_) => parse_json(bytes),
        _ => Err(ApiError::invalid("meta", "must be a JSON object")),
    }
}

/// A refusal of the picture as an answer.
fn refused(refusal: Refused) -> ApiError {
    match refusal {
        Refused::Type(message) => ApiError::UnsupportedMediaType(format!("{message}.")),
        Refused::Picture(message) => ApiError::invalid("file", message),
    }
}

/// Checks a description against the site's locales.
fn check_meta(site: &[String], meta: &MediaMeta) -> Result<(), ApiError> {
    let mut errors = credit_and_focus_errors(
        meta.credit.as_ref().and_then(|c| c.as_deref()),
        meta.focal_point.as_ref().and_then(|p| p.as_ref()),
    );
    errors.extend(translated::errors(
        site,
        "translations",
        &meta.translations,
        MediaTranslationInput::errors,
    ));
    if errors.is_empty() {
        Ok(())
    } else {
        Err(ApiError::from(DomainError::Invalid(errors)))
    }
}

/// Writes a new picture's translations and its search text.
fn write_translations(
    conn: &mut DbConnection,
    id: i64,
    translations: &LocaleMap<MediaTranslationInput>,
) -> Result<(), ApiError> {
    write_texts(conn, id, translations)?;
    let (row, translations) = loaded(conn, id)?;
    store::set_search_text(conn, id, &search_text(&row, &translations))?;
    Ok(())
}

/// Writes a description's translations (the caller writes the search text).
fn write_texts(
    conn: &mut DbConnection,
    id: i64,
    translations: &LocaleMap<MediaTranslationInput>,
) -> Result<(), ApiError> {
    translated::write(
        conn,
        translations,
        |conn, locale, texts| {
            store::put_translation(
                conn,
                id,
                locale,
                stored_text(texts.alt.as_deref()).as_deref(),
                stored_text(texts.caption.as_deref()).as_deref(),
            )
        },
        |conn, locale| store::remove_translation(conn, id, locale),
    )?;
    Ok(())
}

/// A picture with its texts.
fn loaded(
    conn: &mut DbConnection,
    id: i64,
) -> diesel::QueryResult<(MediaRow, Vec<MediaTranslationRow>)> {
    let row = store::find(conn, id)?;
    let translations = store::translations_of(conn, &[id])?;
    Ok((row, translations))
}

/// The picture `id` when `user` may change it; 404 otherwise, as for a missing one.
fn editable(
    conn: &mut DbConnection,
    id: i64,
    user: i64,
    edits_any: bool,
) -> Result<MediaRow, ApiError> {
    let row = store::find(conn, id)?;
    if may_edit(&row, user, edits_any) {
        Ok(row)
    } else {
        Err(ApiError::from(DomainError::NotFound))
    }
}
