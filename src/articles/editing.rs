//! The editorial rules of writing articles: validation, slugs, sanitising, revisions and
//! outdated translations. Handlers in `admin` call these inside a write transaction.

use std::collections::{BTreeMap, HashMap};

use chrono::{DateTime, SubsecRound, Utc};
use diesel::prelude::*;

use crate::articles::model::*;
use crate::articles::store::{self, TranslationFields};
use crate::authors::model::check_url;
use crate::db::DbConnection;
use crate::db::schema::{authors, categories, tags};
use crate::domain::FieldError;
use crate::error::ApiError;
use crate::html;
use crate::locales::store as locales;
use crate::slug::{self, check_slug};

/// A stored UTC time from an API one, truncated to microseconds like every stored time.
pub fn stored_time(time: DateTime<Utc>) -> chrono::NaiveDateTime {
    time.naive_utc().trunc_subsecs(6)
}

/// The site's locale codes in order.
pub fn site_locales(conn: &mut DbConnection) -> Result<Vec<String>, ApiError> {
    Ok(locales::list(conn)?.into_iter().map(|l| l.code).collect())
}

/// Checks the category, bylines and tags an article refers to.
pub fn check_references(
    conn: &mut DbConnection,
    category_id: i64,
    author_ids: &[i64],
    tag_ids: &[i64],
) -> Result<(), ApiError> {
    let mut errors = Vec::new();
    let category: Option<i64> = categories::table
        .find(category_id)
        .select(categories::id)
        .first(conn)
        .optional()?;
    if category.is_none() {
        errors.push(FieldError::new("category_id", "names no category"));
    }
    if author_ids.is_empty() {
        errors.push(FieldError::new(
            "author_ids",
            "must name at least one author",
        ));
    }
    let mut seen = author_ids.to_vec();
    seen.sort_unstable();
    seen.dedup();
    if seen.len() != author_ids.len() {
        errors.push(FieldError::new("author_ids", "must not repeat an author"));
    }
    let found: Vec<i64> = authors::table
        .filter(authors::id.eq_any(&seen))
        .select(authors::id)
        .load(conn)?;
    if found.len() != seen.len() {
        errors.push(FieldError::new(
            "author_ids",
            "names an author that does not exist",
        ));
    }
    let mut tag_set = tag_ids.to_vec();
    tag_set.sort_unstable();
    tag_set.dedup();
    let found: Vec<i64> = tags::table
        .filter(tags::id.eq_any(&tag_set))
        .select(tags::id)
        .load(conn)?;
    if found.len() != tag_set.len() {
        errors.push(FieldError::new(
            "tag_ids",
            "names a tag that does not exist",
        ));
    }
    ApiError::check_fields(errors)
}

/// Checks source fields and corrections.
pub fn check_details(
    source_name: Option<&str>,
    source_url: Option<&str>,
    corrections: &[CorrectionInput],
) -> Result<(), ApiError> {
    let mut errors = Vec::new();
    if source_name.is_some_and(|n| n.chars().count() > 200) {
        errors.push(FieldError::new(
            "source_name",
            "must have at most 200 characters",
        ));
    }
    if let Some(url) = source_url
        && let Err(error) = check_url(url, "source_url")
    {
        errors.push(error);
    }
    for (index, correction) in corrections.iter().enumerate() {
        let length = correction.note.trim().chars().count();
        if length == 0 || length > 2000 {
            errors.push(FieldError::new(
                format!("corrections.{index}.note"),
                "must have 1 to 2000 characters",
            ));
        }
    }
    ApiError::check_fields(errors)
}

/// Checks one translation's fields; `prefix` names it in errors (`translations.fr`).
pub fn check_translation(
    site: &[String],
    locale: &str,
    input: &TranslationInput,
    prefix: &str,
) -> Result<(), ApiError> {
    let mut errors = Vec::new();
    let field = |name: &str| format!("{prefix}.{name}");
    if !site.iter().any(|code| code == locale) {
        errors.push(FieldError::new(
            prefix,
            format!("is not a site locale ({})", site.join(", ")),
        ));
    }
    let title = input.title.trim().chars().count();
    if title == 0 || title > MAX_TITLE_CHARS {
        errors.push(FieldError::new(
            field("title"),
            format!("must have 1 to {MAX_TITLE_CHARS} characters"),
        ));
    }
    if let Some(slug) = &input.slug
        && let Err(error) = check_slug(slug, &field("slug"))
    {
        errors.push(error);
    }
    let too_long =
        |text: &Option<String>, max: usize| text.as_ref().is_some_and(|t| t.chars().count() > max);
    if too_long(&input.summary, MAX_SUMMARY_CHARS) {
        errors.push(FieldError::new(
            field("summary"),
            format!("must have at most {MAX_SUMMARY_CHARS} characters"),
        ));
    }
    if too_long(&input.seo_title, MAX_SEO_TITLE_CHARS) {
        errors.push(FieldError::new(
            field("seo_title"),
            format!("must have at most {MAX_SEO_TITLE_CHARS} characters"),
        ));
    }
    if too_long(&input.seo_description, MAX_SEO_DESCRIPTION_CHARS) {
        errors.push(FieldError::new(
            field("seo_description"),
            format!("must have at most {MAX_SEO_DESCRIPTION_CHARS} characters"),
        ));
    }
    if input.body.len() > MAX_BODY_BYTES {
        errors.push(FieldError::new(
            field("body"),
            format!("must have at most {MAX_BODY_BYTES} bytes"),
        ));
    }
    ApiError::check_fields(errors)
}

/// Saves one translation of `article`: a new version when it exists (its previous state kept
/// as a revision), else a new translation. With `expected`, the save happens only when the
/// translation is at that version (412 otherwise). Explicit slugs must be free in the locale
/// (409); generated ones get a suffix; every slug keeps resolving after a rename.
pub fn save_translation(
    conn: &mut DbConnection,
    article: &ArticleRow,
    locale: &str,
    input: &TranslationInput,
    saved_by: Option<i64>,
    expected: Option<i64>,
) -> Result<(), ApiError> {
    let current = store::find_translation(conn, article.id, locale)?;
    match (&current, expected) {
        (None, Some(_)) => return Err(ApiError::stale()),
        (Some(current), Some(version)) if current.version != version => {
            return Err(ApiError::stale());
        }
        _ => {}
    }
    let title = input.title.trim().to_owned();
    let slug = match (&input.slug, &current) {
        (Some(explicit), _) => {
            if store::slug_taken(conn, locale, explicit, article.id)? {
                return Err(ApiError::Conflict(format!(
                    "The slug `{explicit}` is taken in `{locale}`."
                )));
            }
            explicit.clone()
        }
        (None, Some(current)) if current.title == title => current.slug.clone(),
        (None, _) => slug::first_free(&slug::slugify(&title), |candidate| {
            store::slug_taken(conn, locale, candidate, article.id)
        })?,
    };
    let body = html::sanitize(&input.body);
    let summary = trimmed(&input.summary);
    let source_version = if locale == article.source_locale {
        None
    } else {
        store::find_translation(conn, article.id, &article.source_locale)?
            .map(|source| source.version)
    };
    let status = input
        .status
        .or_else(|| {
            current
                .as_ref()
                .map(|c| TranslationStatus::parse(&c.status))
        })
        .unwrap_or(TranslationStatus::Published);
    let fields = TranslationFields {
        search_text: slug::fold(&format!(
            "{title} {} {}",
            summary.as_deref().unwrap_or(""),
            html::text_of(&body)
        )),
        reading_time_minutes: html::reading_time_minutes(&body),
        title,
        slug: slug.clone(),
        summary,
        body,
        seo_title: trimmed(&input.seo_title),
        seo_description: trimmed(&input.seo_description),
        status: status.as_str().to_owned(),
        source_version,
    };
    match current {
        Some(current) => {
            store::insert_revision(conn, &current, saved_by)?;
            if !store::update_translation(conn, current.id, current.version, &fields)? {
                return Err(ApiError::stale());
            }
        }
        None => store::insert_translation(conn, article.id, locale, &fields)?,
    }
    store::remember_slug(conn, article.id, locale, &slug)?;
    store::refresh_published_flag(conn, article.id)?;
    Ok(())
}

fn trimmed(text: &Option<String>) -> Option<String> {
    text.as_deref()
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .map(str::to_owned)
}

/// The editor view of one article.
pub fn load_admin(conn: &mut DbConnection, id: i64) -> Result<AdminArticle, ApiError> {
    let row = store::find(conn, id)?;
    load_admin_many(conn, vec![row])?
        .pop()
        .ok_or_else(ApiError::not_found)
}

/// The editor view of these articles, in their order: four queries whatever their number.
pub fn load_admin_many(
    conn: &mut DbConnection,
    rows: Vec<ArticleRow>,
) -> Result<Vec<AdminArticle>, ApiError> {
    let ids: Vec<i64> = rows.iter().map(|r| r.id).collect();
    let mut translations =
        crate::db::group_by(store::translations_of(conn, &ids)?, |t| t.article_id);
    let mut authors = crate::db::group_by(store::authors_of(conn, &ids)?, |(article, _)| *article);
    let mut tags = crate::db::group_by(store::tags_of(conn, &ids)?, |(article, _)| *article);
    let mut corrections =
        crate::db::group_by(store::corrections_of(conn, &ids)?, |(article, ..)| *article);
    let now = crate::db::now();
    Ok(rows
        .into_iter()
        .map(|row| {
            let id = row.id;
            admin_view(
                row,
                translations.remove(&id).unwrap_or_default(),
                authors
                    .remove(&id)
                    .unwrap_or_default()
                    .into_iter()
                    .map(|(_, a)| a)
                    .collect(),
                tags.remove(&id)
                    .unwrap_or_default()
                    .into_iter()
                    .map(|(_, t)| t)
                    .collect(),
                corrections
                    .remove(&id)
                    .unwrap_or_default()
                    .into_iter()
                    .map(|(_, at, note)| Correction {
                        at: at.and_utc(),
                        note,
                    })
                    .collect(),
                now,
            )
        })
        .collect())
}

fn admin_view(
    row: ArticleRow,
    translations: Vec<TranslationRow>,
    author_ids: Vec<i64>,
    tag_ids: Vec<i64>,
    corrections: Vec<Correction>,
    now: chrono::NaiveDateTime,
) -> AdminArticle {
    let source_version: HashMap<&str, i64> = translations
        .iter()
        .map(|t| (t.locale.as_str(), t.version))
        .collect();
    let source = source_version.get(row.source_locale.as_str()).copied();
    let translations: BTreeMap<String, AdminTranslation> = translations
        .iter()
        .map(|t| {
            let outdated = t.locale != row.source_locale
                && source.is_some_and(|source| t.source_version.is_none_or(|seen| seen < source));
            (
                t.locale.clone(),
                AdminTranslation {
                    title: t.title.clone(),
                    slug: t.slug.clone(),
                    summary: t.summary.clone(),
                    body: t.body.clone(),
                    seo_title: t.seo_title.clone(),
                    seo_description: t.seo_description.clone(),
                    status: TranslationStatus::parse(&t.status),
                    reading_time_minutes: t.reading_time_minutes,
                    translation_outdated: outdated,
                    version: t.version,
                    updated_at: t.updated_at.and_utc(),
                },
            )
        })
        .collect();
    AdminArticle {
        id: row.id,
        status: row.status(),
        scheduled: row.status() == ArticleStatus::Published
            && row.published_at.is_some_and(|at| at > now),
        published_at: row.published_at.map(|at| at.and_utc()),
        category_id: row.category_id,
        author_ids,
        tag_ids,
        featured: row.featured,
        comments_enabled: row.comments_enabled,
        source_name: row.source_name,
        source_url: row.source_url,
        cover_media_id: row.cover_media_id,
        source_locale: row.source_locale,
        created_by: row.created_by,
        version: row.version,
        corrections,
        translations,
        created_at: row.created_at.and_utc(),
        updated_at: row.updated_at.and_utc(),
    }
}
