//! Media rows, requests and responses.

use std::collections::{BTreeMap, HashMap};

use chrono::{DateTime, NaiveDateTime, Utc};
use diesel::{Insertable, Queryable, Selectable};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::domain::{FieldError, Lines, check_text};
use crate::html::PlacedImage;
use crate::locales::model::LocaleChoice;
use crate::media::image::Renditions;
use crate::urls::SiteUrls;

/// Longest credit line.
pub const MAX_CREDIT_CHARS: usize = 300;
/// Longest alt text.
pub const MAX_ALT_CHARS: usize = 1000;
/// Longest caption.
pub const MAX_CAPTION_CHARS: usize = 2000;
/// Longest file name kept.
pub const MAX_FILE_NAME_CHARS: usize = 255;

/// A stored picture.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = crate::db::schema::media)]
pub struct MediaRow {
    pub id: i64,
    /// SHA-256 of the uploaded bytes (hex): where its files are.
    pub sha256: String,
    /// Type of the stored original.
    pub mime: String,
    pub file_name: String,
    /// Size of the stored original.
    pub byte_size: i64,
    pub width: i32,
    pub height: i32,
    pub credit: Option<String>,
    /// JSON [`FocalPoint`].
    pub focal_point: Option<String>,
    /// JSON [`Renditions`].
    pub renditions: String,
    pub search_text: String,
    pub uploaded_by: Option<i64>,
    pub version: i64,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

/// A picture to store.
#[derive(Debug, Insertable)]
#[diesel(table_name = crate::db::schema::media)]
pub struct NewMedia {
    pub sha256: String,
    pub mime: String,
    pub file_name: String,
    pub byte_size: i64,
    pub width: i32,
    pub height: i32,
    pub credit: Option<String>,
    pub focal_point: Option<String>,
    pub renditions: String,
    pub search_text: String,
    pub uploaded_by: Option<i64>,
    pub version: i64,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

/// A picture's texts in one locale.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = crate::db::schema::media_translations)]
pub struct MediaTranslationRow {
    pub media_id: i64,
    pub locale: String,
    pub alt: Option<String>,
    pub caption: Option<String>,
}

impl MediaRow {
    /// What was made from the picture.
    pub fn renditions(&self) -> Renditions {
        serde_json::from_str(&self.renditions).unwrap_or_default()
    }

    /// The focal point, when one is set.
    pub fn focal(&self) -> Option<FocalPoint> {
        self.focal_point
            .as_deref()
            .and_then(|json| serde_json::from_str(json).ok())
    }

    /// The key of the stored original.
    pub fn original_key(&self) -> Option<String> {
        crate::media::image::Format::of_mime(&self.mime)
            .map(|format| crate::media::image::original_key(&self.sha256, format))
    }
}

/// The point of a picture that crops keep in view, as fractions of its width and height from
/// its top left corner.
#[derive(Debug, Clone, Copy, PartialEq, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct FocalPoint {
    /// 0 (left edge) to 1 (right edge).
    #[schema(example = 0.5, minimum = 0.0, maximum = 1.0)]
    pub x: f64,
    /// 0 (top edge) to 1 (bottom edge).
    #[schema(example = 0.3, minimum = 0.0, maximum = 1.0)]
    pub y: f64,
}

/// A picture's alt text and caption in one locale, as written.
#[derive(Debug, Clone, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MediaTranslationInput {
    /// What the picture shows, for readers who can't see it (up to 1000 characters, one line).
    #[schema(example = "Kassym-Jomart Tokayev speaking in Astana")]
    pub alt: Option<String>,
    /// The caption shown under it (up to 2000 characters).
    pub caption: Option<String>,
}

/// What is wrong with a credit line and a focal point.
pub fn credit_and_focus_errors(
    credit: Option<&str>,
    focal: Option<&FocalPoint>,
) -> Vec<FieldError> {
    let mut errors: Vec<FieldError> = credit
        .and_then(|credit| check_text(credit, "credit", Lines::One, 0, MAX_CREDIT_CHARS))
        .into_iter()
        .collect();
    if let Some(point) = focal {
        for (name, value) in [("focal_point.x", point.x), ("focal_point.y", point.y)] {
            if !(0.0..=1.0).contains(&value) {
                errors.push(FieldError::new(name, "must be between 0 and 1"));
            }
        }
    }
    errors
}

impl MediaTranslationInput {
    /// What is wrong with these texts, named `name` (`translations.fr`).
    pub fn errors(&self, name: &str) -> Vec<FieldError> {
        let mut errors = Vec::new();
        if let Some(alt) = &self.alt {
            errors.extend(check_text(
                alt,
                &format!("{name}.alt"),
                Lines::One,
                0,
                MAX_ALT_CHARS,
            ));
        }
        if let Some(caption) = &self.caption {
            errors.extend(check_text(
                caption,
                &format!("{name}.caption"),
                Lines::Many,
                0,
                MAX_CAPTION_CHARS,
            ));
        }
        errors
    }
}

/// The folded text `q` searches: the file name, the credit, and every alt text and caption.
pub fn search_text(row: &MediaRow, translations: &[MediaTranslationRow]) -> String {
    let mut parts: Vec<&str> = vec![&row.file_name];
    parts.extend(row.credit.as_deref());
    for t in translations {
        parts.extend(t.alt.as_deref());
        parts.extend(t.caption.as_deref());
    }
    crate::slug::fold(&parts.join(" "))
}

/// A text as stored: trimmed, `None` when empty.
pub fn stored_text(text: Option<&str>) -> Option<String> {
    text.map(str::trim)
        .filter(|t| !t.is_empty())
        .map(str::to_owned)
}

/// A file name as kept for search: its last path segment, without control characters, cut to
/// [`MAX_FILE_NAME_CHARS`]; `upload` when nothing is left.
pub fn kept_file_name(name: Option<&str>) -> String {
    let name: String = name
        .unwrap_or("")
        .rsplit(['/', '\\'])
        .next()
        .unwrap_or("")
        .chars()
        .filter(|c| !c.is_control())
        .take(MAX_FILE_NAME_CHARS)
        .collect();
    let name = name.trim();
    if name.is_empty() {
        "upload".into()
    } else {
        name.into()
    }
}

/// One file of a picture as delivered.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct PublicVariant {
    pub width: u32,
    pub height: u32,
    /// Where the file is served.
    #[schema(example = "https://api.example/media/3f/3f…/640.webp")]
    pub url: String,
    #[schema(example = "image/webp")]
    pub mime: String,
}

/// A picture as delivered, in the served locale: enough for `<img srcset>` without another
/// request.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct PublicMedia {
    pub id: i64,
    /// The stored original (without metadata).
    pub url: String,
    pub width: u32,
    pub height: u32,
    /// Type of the original.
    pub mime: String,
    /// Size of the original, in bytes.
    pub byte_size: u64,
    /// Alt text in the served locale (or the nearest one that has it).
    pub alt: Option<String>,
    pub caption: Option<String>,
    pub credit: Option<String>,
    /// ThumbHash of the picture (base64), to paint while it loads.
    pub placeholder: String,
    /// Its average colour, `#rrggbb`.
    #[schema(example = "#6b7a8f")]
    pub color: String,
    pub focal_point: Option<FocalPoint>,
    /// WebP files, narrowest first; none is wider than the original.
    pub variants: Vec<PublicVariant>,
}

impl PublicMedia {
    /// `row` as delivered in `choice`'s locale, with file URLs from `urls`.
    pub fn new(
        row: &MediaRow,
        translations: &[MediaTranslationRow],
        choice: &LocaleChoice,
        urls: &SiteUrls,
    ) -> Self {
        let renditions = row.renditions();
        let texts = |pick: fn(&MediaTranslationRow) -> Option<&String>| {
            let with: Vec<&MediaTranslationRow> =
                translations.iter().filter(|t| pick(t).is_some()).collect();
            choice
                .name_in(&with, |t| &t.locale)
                .and_then(|t| pick(t).cloned())
        };
        Self {
            id: row.id,
            url: row
                .original_key()
                .map(|key| urls.media_file(&key))
                .unwrap_or_default(),
            width: row.width as u32,
            height: row.height as u32,
            mime: row.mime.clone(),
            byte_size: row.byte_size.max(0) as u64,
            alt: texts(|t| t.alt.as_ref()),
            caption: texts(|t| t.caption.as_ref()),
            credit: row.credit.clone(),
            placeholder: renditions.placeholder,
            color: renditions.color,
            focal_point: row.focal(),
            variants: renditions
                .variants
                .into_iter()
                .map(|v| PublicVariant {
                    url: urls.media_file(&v.key),
                    width: v.width,
                    height: v.height,
                    mime: v.mime,
                })
                .collect(),
        }
    }
}

/// A picture's texts in one locale, as editors see them.
#[derive(Debug, Serialize, ToSchema)]
pub struct MediaTranslation {
    pub alt: Option<String>,
    pub caption: Option<String>,
}

/// A picture as editors see it.
#[derive(Debug, Serialize, ToSchema)]
pub struct AdminMedia {
    pub id: i64,
    /// Edit version.
    pub version: i64,
    /// The name it was uploaded with.
    pub file_name: String,
    /// Type of the stored original (from its content).
    pub mime: String,
    /// Size of the stored original, in bytes.
    pub byte_size: i64,
    pub width: u32,
    pub height: u32,
    pub url: String,
    pub credit: Option<String>,
    pub focal_point: Option<FocalPoint>,
    pub placeholder: String,
    pub color: String,
    pub variants: Vec<PublicVariant>,
    /// Alt text and caption by locale code.
    pub translations: BTreeMap<String, MediaTranslation>,
    /// The account that uploaded it.
    pub uploaded_by: Option<i64>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl AdminMedia {
    pub fn new(row: MediaRow, translations: Vec<MediaTranslationRow>, urls: &SiteUrls) -> Self {
        let public = PublicMedia::new(
            &row,
            &[],
            &LocaleChoice {
                requested: String::new(),
                default: String::new(),
                order: Vec::new(),
                fallback: true,
            },
            urls,
        );
        Self {
            id: row.id,
            version: row.version,
            file_name: row.file_name,
            mime: row.mime,
            byte_size: row.byte_size,
            width: public.width,
            height: public.height,
            url: public.url,
            credit: row.credit,
            focal_point: public.focal_point,
            placeholder: public.placeholder,
            color: public.color,
            variants: public.variants,
            translations: translations
                .into_iter()
                .map(|t| {
                    (
                        t.locale,
                        MediaTranslation {
                            alt: t.alt,
                            caption: t.caption,
                        },
                    )
                })
                .collect(),
            uploaded_by: row.uploaded_by,
            created_at: row.created_at.and_utc(),
            updated_at: row.updated_at.and_utc(),
        }
    }
}

/// Who may change a picture: editors and admins any, others only their own.
pub fn may_edit(row: &MediaRow, user: i64, edits_any: bool) -> bool {
    edits_any || row.uploaded_by == Some(user)
}

/// Content that uses a picture, as a refused delete names it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct MediaUse {
    /// `article`, `page`, `site` or `author`.
    pub kind: String,
    pub id: i64,
    /// The article's or page's title, or the author's name.
    pub title: String,
    /// How: `cover`, `gallery`, `body` or `avatar`.
    pub role: String,
}

/// The pictures a batch of delivered content shows, with their texts, looked up by id.
#[derive(Default)]
pub struct MediaLibrary {
    rows: HashMap<i64, MediaRow>,
    translations: HashMap<i64, Vec<MediaTranslationRow>>,
}

impl MediaLibrary {
    /// Groups what the store loaded.
    pub fn new(rows: Vec<MediaRow>, translations: Vec<MediaTranslationRow>) -> Self {
        Self {
            rows: rows.into_iter().map(|row| (row.id, row)).collect(),
            translations: crate::db::group_by(translations, |t| t.media_id),
        }
    }

    /// Picture `id` as delivered in `choice`'s locale, if it exists.
    pub fn public(&self, id: i64, choice: &LocaleChoice, urls: &SiteUrls) -> Option<PublicMedia> {
        let row = self.rows.get(&id)?;
        let translations = self.translations.get(&id).map(Vec::as_slice).unwrap_or(&[]);
        Some(PublicMedia::new(row, translations, choice, urls))
    }
}

impl MediaLibrary {
    /// The address of picture `id`'s narrowest variant (its original when it has none).
    pub fn thumbnail_url(&self, id: i64, urls: &SiteUrls) -> Option<String> {
        let row = self.rows.get(&id)?;
        match row.renditions().variants.first() {
            Some(variant) => Some(urls.media_file(&variant.key)),
            None => row.original_key().map(|key| urls.media_file(&key)),
        }
    }
}

impl PublicMedia {
    /// What a body's `<img data-media-id>` of this picture gets.
    pub fn placed(&self) -> PlacedImage {
        PlacedImage {
            src: self.url.clone(),
            srcset: self
                .variants
                .iter()
                .map(|v| (v.url.clone(), v.width))
                .collect(),
            width: self.width,
            height: self.height,
            alt: self.alt.clone(),
        }
    }
}
