//! The editorial writes of articles that combine several statements with rules: references
//! checked, translations saved with slugs, sanitising, revisions and outdated translations, and
//! the editor view loaded in batches. Handlers call these inside a write transaction.

use diesel::prelude::*;

use crate::articles::model::*;
use crate::articles::store::{self, TranslationFields, revisions};
use crate::auth::actor::Principal;
use crate::authors::store as authors;
use crate::categories::store as categories;
use crate::db::{self, DbConnection};
use crate::domain::{DomainError, FieldError, check_fields};
use crate::search::model::Kind;
use crate::search::store as search;
use crate::slug;
use crate::tags::store as tags;

/// Checks the category, bylines and tags an article refers to.
pub fn check_references(
    conn: &mut DbConnection,
    category_id: i64,
    author_ids: &[i64],
    tag_ids: &[i64],
) -> Result<(), DomainError> {
    let mut errors = Vec::new();
    if categories::find(conn, category_id).optional()?.is_none() {
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
    if authors::count_existing(conn, &seen)? != seen.len() as i64 {
        errors.push(FieldError::new(
            "author_ids",
            "names an author that does not exist",
        ));
    }
    let mut tag_set = tag_ids.to_vec();
    tag_set.sort_unstable();
    tag_set.dedup();
    if tags::count_existing(conn, &tag_set)? != tag_set.len() as i64 {
        errors.push(FieldError::new(
            "tag_ids",
            "names a tag that does not exist",
        ));
    }
    check_fields(errors)
}

/// Saves one translation of `article`: a new version when it exists (its previous state kept
/// as a revision), else a new translation. With `expected`, the save happens only when the
/// translation is at that version (stale otherwise). Explicit slugs must be free in the locale
/// (a conflict); generated ones get a suffix; every slug keeps resolving after a rename.
pub fn save_translation(
    conn: &mut DbConnection,
    article: &ArticleRow,
    locale: &str,
    prepared: &PreparedTranslation,
    saved_by: Option<i64>,
    expected: Option<i64>,
) -> Result<(), DomainError> {
    let input = &prepared.input;
    check_body_media(conn, &prepared.body, &format!("translations.{locale}.body"))?;
    let current = store::find_translation(conn, article.id, locale)?;
    let keep_slug = article.status() == ArticleStatus::Published
        && current
            .as_ref()
            .is_some_and(|c| TranslationStatus::parse(&c.status) == TranslationStatus::Published);
    let PlannedText {
        title,
        slug,
        status,
    } = plan_text(
        current.as_ref().map(TranslationRow::revised).as_ref(),
        expected,
        input,
        locale,
        keep_slug,
        |candidate| store::slug_taken(conn, locale, candidate, article.id),
    )?;
    let summary = trimmed(&input.summary);
    let source_version = if locale == article.source_locale {
        None
    } else {
        store::find_translation(conn, article.id, &article.source_locale)?
            .map(|source| source.version)
    };
    let fields = TranslationFields {
        search_text: prepared.search_text.clone(),
        reading_time_minutes: prepared.reading_time_minutes,
        title,
        slug: slug.clone(),
        summary,
        body: prepared.body.clone(),
        seo_title: trimmed(&input.seo_title),
        seo_description: trimmed(&input.seo_description),
        status: status.as_str().to_owned(),
        source_version,
    };
    let times = TranslationTimes {
        // A time already come publishes now.
        publish_at: input
            .publish_at
            .map(stored_time)
            .filter(|at| *at > db::now()),
        unpublish_at: input.unpublish_at.map(stored_time),
    };
    match current {
        Some(current) => {
            revisions::insert_revision(
                conn,
                Subject::Article,
                article.id,
                &current.revised(),
                saved_by,
            )?;
            if !store::update_translation(conn, current.id, current.version, &fields)? {
                return Err(DomainError::Stale);
            }
        }
        None => store::insert_translation(conn, article.id, locale, &fields)?,
    }
    store::set_times(conn, article.id, locale, times)?;
    store::remember_slug(conn, article.id, locale, &slug)?;
    store::refresh_published_flag(conn, article.id)?;
    search::put(
        conn,
        &prepared.search_entry(Kind::Article, article.id, locale, &slug),
    )?;
    Ok(())
}

/// What a save of one translation (of an article or a page) writes besides its text.
#[derive(Debug)]
pub struct PlannedText {
    /// Trimmed.
    pub title: String,
    pub slug: String,
    pub status: TranslationStatus,
}

/// Plans the save of `input` over `current` (the translation as stored, if any): refused as
/// stale when it is not at `expected`. An unchanged title keeps its slug, and so does a
/// translation whose URL must not move (`keep_slug`: a published translation of a published
/// article or page) unless the client names a new one; else the slug is the one given, which
/// must be free (`taken` says whether a candidate is another's), or one made from the title.
/// The status is the one given, else the current one, else published.
pub fn plan_text(
    current: Option<&RevisedText<'_>>,
    expected: Option<i64>,
    input: &TranslationInput,
    locale: &str,
    keep_slug: bool,
    taken: impl FnMut(&str) -> QueryResult<bool>,
) -> Result<PlannedText, DomainError> {
    match (current, expected) {
        (None, Some(_)) => return Err(DomainError::Stale),
        (Some(current), Some(version)) if current.version != version => {
            return Err(DomainError::Stale);
        }
        _ => {}
    }
    let title = input.title.trim().to_owned();
    let slug = match (&input.slug, current) {
        (None, Some(current)) if current.title == title || keep_slug => current.slug.to_owned(),
        (explicit, _) => slug::assign(explicit.as_deref(), &title, locale, taken)?,
    };
    let status = input
        .status
        .or_else(|| current.map(|c| TranslationStatus::parse(c.status)))
        .unwrap_or(TranslationStatus::Published);
    Ok(PlannedText {
        title,
        slug,
        status,
    })
}

/// The editor view of one article.
pub fn load_admin(conn: &mut DbConnection, id: i64) -> QueryResult<AdminArticle> {
    let row = store::find(conn, id)?;
    load_admin_many(conn, vec![row])?
        .pop()
        .ok_or(diesel::result::Error::NotFound)
}

/// The editor view of these articles, in their order: the same few queries whatever their number.
pub fn load_admin_many(
    conn: &mut DbConnection,
    rows: Vec<ArticleRow>,
) -> QueryResult<Vec<AdminArticle>> {
    let ids: Vec<i64> = rows.iter().map(|r| r.id).collect();
    let translations = store::translations_of(conn, &ids)?;
    let times = store::times_of(conn, &translations.iter().map(|t| t.id).collect::<Vec<_>>())?;
    let with_times: Vec<(TranslationRow, TranslationTimes)> = translations
        .into_iter()
        .map(|t| {
            let times = times.get(&t.id).copied().unwrap_or_default();
            (t, times)
        })
        .collect();
    let mut translations = db::group_by(with_times, |(t, _)| t.article_id);
    let mut authors = db::group_by(store::authors_of(conn, &ids)?, |a| a.article_id);
    let mut tags = db::group_by(store::tags_of(conn, &ids)?, |t| t.article_id);
    let mut corrections = db::group_by(store::corrections_of(conn, &ids)?, |c| c.article_id);
    let mut gallery = db::group_by(store::gallery_of(conn, &ids)?, |g| g.article_id);
    let now = db::now();
    Ok(rows
        .into_iter()
        .map(|row| {
            let id = row.id;
            AdminArticle::new(
                row,
                translations.remove(&id).unwrap_or_default(),
                authors
                    .remove(&id)
                    .unwrap_or_default()
                    .into_iter()
                    .map(|a| a.id)
                    .collect(),
                tags.remove(&id)
                    .unwrap_or_default()
                    .into_iter()
                    .map(|t| t.id)
                    .collect(),
                corrections
                    .remove(&id)
                    .unwrap_or_default()
                    .into_iter()
                    .map(|c| Correction {
                        at: c.at.and_utc(),
                        note: c.note,
                    })
                    .collect(),
                gallery
                    .remove(&id)
                    .unwrap_or_default()
                    .iter()
                    .map(GalleryItemInput::of_row)
                    .collect(),
                now,
            )
        })
        .collect())
}

/// An article the principal may edit, locked for the write, with the principal's rights.
pub struct Editable {
    pub row: ArticleRow,
    pub rights: Rights,
}

/// The article, when the principal may edit it; not found otherwise, so others' work stays
/// unseen.
pub fn editable(
    conn: &mut DbConnection,
    principal: &Principal,
    id: i64,
) -> Result<Editable, DomainError> {
    let row = store::lock(conn, id)?;
    let rights = Rights::of(principal, row.created_by, row.status());
    if rights.edit {
        Ok(Editable { row, rights })
    } else {
        Err(DomainError::NotFound)
    }
}

/// Refused when a gallery breaks a rule or names a picture that is not in the media library.
pub fn check_gallery(
    conn: &mut DbConnection,
    site: &[String],
    gallery: &[GalleryItemInput],
) -> Result<(), DomainError> {
    let mut errors = gallery_errors(site, gallery);
    let ids: Vec<i64> = gallery.iter().map(|item| item.media_id).collect();
    let missing = crate::media::store::missing(conn, &ids)?;
    for (n, item) in gallery.iter().enumerate() {
        if missing.contains(&item.media_id) {
            errors.push(FieldError::new(
                format!("gallery[{n}].media_id"),
                "names no media item",
            ));
        }
    }
    check_fields(errors)
}

/// Refused when a body places pictures (`<img data-media-id>`) that are not in the media
/// library; `field` names the body.
pub fn check_body_media(
    conn: &mut DbConnection,
    body: &str,
    field: &str,
) -> Result<(), DomainError> {
    let missing = crate::media::store::missing(conn, &crate::html::media_ids(body))?;
    match missing.first() {
        Some(id) => Err(FieldError::new(
            field,
            format!("places a picture that is not in the media library: data-media-id=\"{id}\""),
        )
        .into()),
        None => Ok(()),
    }
}

/// Refused when the principal sets what its role may not (see [`Rights::check_fields`]), or
/// names a cover image that is not in the media library.
pub fn check_set_fields(
    conn: &mut DbConnection,
    principal: &Principal,
    rights: &Rights,
    set: &SetFields<'_>,
    cover_media_id: Option<i64>,
) -> Result<(), DomainError> {
    let own_authors = match set.author_ids {
        Some(_) if !rights.byline_anyone => authors::ids_of_user(conn, principal.user_id())?,
        _ => Vec::new(),
    };
    rights.check_fields(set, &own_authors)?;
    if let Some(cover) = cover_media_id
        && !crate::media::store::missing(conn, &[cover])?.is_empty()
    {
        return Err(FieldError::new("cover_media_id", "names no media item").into());
    }
    Ok(())
}
