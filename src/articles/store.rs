//! Article queries.

pub mod admin_list;
pub mod delivery;
pub mod editing;
pub mod lists;
pub mod read_model;
pub mod revisions;
pub mod schedule;
pub mod visibility;

use std::collections::HashMap;

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::articles::model::{
    ArticleLink, ArticleRow, CorrectionRow, GalleryRow, NewCorrection, SlugOwner, Subject,
    TranslationRow, TranslationTimes,
};
use crate::db::schema::{
    article_authors, article_corrections, article_gallery, article_slugs, article_tags,
    article_translation_times, article_translations, articles,
};
use crate::db::{self, DbConnection};
use crate::search::model::Kind;
use crate::slug;

/// The locale-independent fields written on create and update.
#[derive(Debug, Clone, AsChangeset, Insertable)]
#[diesel(table_name = articles, treat_none_as_null = true)]
pub struct ArticleFields {
    pub category_id: i64,
    /// Workflow status name.
    pub status: String,
    /// Publication time.
    pub published_at: Option<NaiveDateTime>,
    /// When it comes down by itself.
    pub unpublish_at: Option<NaiveDateTime>,
    pub featured: bool,
    pub comments_enabled: bool,
    pub source_name: Option<String>,
    pub source_url: Option<String>,
    /// Cover image.
    pub cover_media_id: Option<i64>,
    pub source_locale: String,
}

/// The fields of a translation written on save.
#[derive(Debug, Clone, AsChangeset, Insertable)]
#[diesel(table_name = article_translations, treat_none_as_null = true)]
pub struct TranslationFields {
    pub title: String,
    pub slug: String,
    pub summary: Option<String>,
    /// Sanitised body.
    pub body: String,
    pub seo_title: Option<String>,
    pub seo_description: Option<String>,
    /// Status name.
    pub status: String,
    /// Minutes to read.
    pub reading_time_minutes: i32,
    /// Folded text for search.
    pub search_text: String,
    /// Source translation version saved against.
    pub source_version: Option<i64>,
}

/// One article.
pub fn find(conn: &mut DbConnection, id: i64) -> QueryResult<ArticleRow> {
    articles::table
        .find(id)
        .select(ArticleRow::as_select())
        .first(conn)
}

/// One article, locked against concurrent writers until the transaction ends (on SQLite the
/// immediate transaction holds the write lock already).
pub fn lock(conn: &mut DbConnection, id: i64) -> QueryResult<ArticleRow> {
    // The selection is typed per backend, so each arm builds its own query.
    match conn {
        DbConnection::Pg(pg) => articles::table
            .find(id)
            .select(ArticleRow::as_select())
            .for_update()
            .first(pg),
        DbConnection::Sqlite(sqlite) => articles::table
            .find(id)
            .select(ArticleRow::as_select())
            .first(sqlite),
    }
}

/// Every translation of these articles.
pub fn translations_of(conn: &mut DbConnection, ids: &[i64]) -> QueryResult<Vec<TranslationRow>> {
    article_translations::table
        .filter(article_translations::article_id.eq_any(ids))
        .select(TranslationRow::as_select())
        .order((
            article_translations::article_id.asc(),
            article_translations::locale.asc(),
        ))
        .load(conn)
}

/// The translations of these articles the public may see (published, not held back).
pub fn published_translations_of(
    conn: &mut DbConnection,
    ids: &[i64],
) -> QueryResult<Vec<TranslationRow>> {
    visibility::shown_translations()
        .filter(article_translations::article_id.eq_any(ids))
        .select(TranslationRow::as_select())
        .load(conn)
}

/// The bylines of these articles, in order.
pub fn authors_of(conn: &mut DbConnection, ids: &[i64]) -> QueryResult<Vec<ArticleLink>> {
    article_authors::table
        .filter(article_authors::article_id.eq_any(ids))
        .order((
            article_authors::article_id.asc(),
            article_authors::position.asc(),
        ))
        .select((article_authors::article_id, article_authors::author_id))
        .load(conn)
}

/// The tags of these articles.
pub fn tags_of(conn: &mut DbConnection, ids: &[i64]) -> QueryResult<Vec<ArticleLink>> {
    article_tags::table
        .filter(article_tags::article_id.eq_any(ids))
        .order((article_tags::article_id.asc(), article_tags::tag_id.asc()))
        .select((article_tags::article_id, article_tags::tag_id))
        .load(conn)
}

/// The gallery pictures of these articles, in order.
pub fn gallery_of(conn: &mut DbConnection, ids: &[i64]) -> QueryResult<Vec<GalleryRow>> {
    article_gallery::table
        .filter(article_gallery::article_id.eq_any(ids))
        .order((
            article_gallery::article_id.asc(),
            article_gallery::position.asc(),
        ))
        .select(GalleryRow::as_select())
        .load(conn)
}

/// Replaces an article's gallery with `items` (media id and captions as a JSON object), in
/// order.
pub fn replace_gallery(
    conn: &mut DbConnection,
    id: i64,
    items: &[(i64, String)],
) -> QueryResult<()> {
    diesel::delete(article_gallery::table.filter(article_gallery::article_id.eq(id)))
        .execute(conn)?;
    for (position, (media, captions)) in items.iter().enumerate() {
        diesel::insert_into(article_gallery::table)
            .values((
                article_gallery::article_id.eq(id),
                article_gallery::position.eq(position as i32),
                article_gallery::media_id.eq(*media),
                article_gallery::captions.eq(captions.as_str()),
            ))
            .execute(conn)?;
    }
    Ok(())
}

/// The corrections of these articles, oldest first.
pub fn corrections_of(conn: &mut DbConnection, ids: &[i64]) -> QueryResult<Vec<CorrectionRow>> {
    article_corrections::table
        .filter(article_corrections::article_id.eq_any(ids))
        .order((
            article_corrections::article_id.asc(),
            article_corrections::at.asc(),
        ))
        .select((
            article_corrections::article_id,
            article_corrections::at,
            article_corrections::note,
        ))
        .load(conn)
}

/// Inserts an article; returns its id.
pub fn insert(
    conn: &mut DbConnection,
    fields: &ArticleFields,
    created_by: Option<i64>,
) -> QueryResult<i64> {
    let now = db::now();
    diesel::insert_into(articles::table)
        .values((
            fields,
            articles::created_by.eq(created_by),
            articles::created_at.eq(now),
            articles::updated_at.eq(now),
        ))
        .returning(articles::id)
        .get_result(conn)
}

/// Writes the locale-independent part when still at `version`; `false` when stale.
pub fn update(
    conn: &mut DbConnection,
    id: i64,
    version: i64,
    fields: &ArticleFields,
) -> QueryResult<bool> {
    let updated = diesel::update(
        articles::table
            .filter(articles::id.eq(id))
            .filter(articles::version.eq(version)),
    )
    .set((
        fields,
        articles::version.eq(articles::version + 1),
        articles::updated_at.eq(db::now()),
    ))
    .execute(conn)?;
    Ok(updated == 1)
}

/// Replaces the bylines.
pub fn set_authors(conn: &mut DbConnection, id: i64, author_ids: &[i64]) -> QueryResult<()> {
    diesel::delete(article_authors::table.filter(article_authors::article_id.eq(id)))
        .execute(conn)?;
    for (position, author_id) in author_ids.iter().enumerate() {
        diesel::insert_into(article_authors::table)
            .values((
                article_authors::article_id.eq(id),
                article_authors::author_id.eq(author_id),
                article_authors::position.eq(i32::try_from(position).unwrap_or(i32::MAX)),
            ))
            .execute(conn)?;
    }
    Ok(())
}

/// Replaces the tags.
pub fn set_tags(conn: &mut DbConnection, id: i64, tag_ids: &[i64]) -> QueryResult<()> {
    diesel::delete(article_tags::table.filter(article_tags::article_id.eq(id))).execute(conn)?;
    for tag_id in tag_ids {
        diesel::insert_into(article_tags::table)
            .values((
                article_tags::article_id.eq(id),
                article_tags::tag_id.eq(tag_id),
            ))
            .execute(conn)?;
    }
    Ok(())
}

/// Replaces the corrections.
pub fn set_corrections(
    conn: &mut DbConnection,
    id: i64,
    corrections: &[NewCorrection],
) -> QueryResult<()> {
    diesel::delete(article_corrections::table.filter(article_corrections::article_id.eq(id)))
        .execute(conn)?;
    for NewCorrection { at, note } in corrections {
        diesel::insert_into(article_corrections::table)
            .values((
                article_corrections::article_id.eq(id),
                article_corrections::at.eq(at),
                article_corrections::note.eq(note),
            ))
            .execute(conn)?;
    }
    Ok(())
}

/// Whether `slug` is, or was, the slug of another article than `except` in `locale`.
/// Holds the slug's base until the transaction ends ([`db::lock_name`], one lock for all its
/// suffixes), so of two writers wanting it at once the second sees the first's and takes the
/// next one.
pub fn slug_taken(
    conn: &mut DbConnection,
    locale: &str,
    slug: &str,
    except: i64,
) -> QueryResult<bool> {
    db::lock_name(
        conn,
        &format!("slug:articles:{locale}:{}", slug::base(slug)),
    )?;
    diesel::select(diesel::dsl::exists(
        article_slugs::table
            .filter(article_slugs::locale.eq(locale))
            .filter(article_slugs::slug.eq(slug))
            .filter(article_slugs::article_id.ne(except)),
    ))
    .get_result(conn)
}

/// Records that an article has (had) `slug` in `locale`, so it keeps resolving.
pub fn remember_slug(
    conn: &mut DbConnection,
    article_id: i64,
    locale: &str,
    slug: &str,
) -> QueryResult<()> {
    let known: bool = diesel::select(diesel::dsl::exists(
        article_slugs::table
            .filter(article_slugs::locale.eq(locale))
            .filter(article_slugs::slug.eq(slug)),
    ))
    .get_result(conn)?;
    if !known {
        diesel::insert_into(article_slugs::table)
            .values((
                article_slugs::article_id.eq(article_id),
                article_slugs::locale.eq(locale),
                article_slugs::slug.eq(slug),
                article_slugs::created_at.eq(db::now()),
            ))
            .execute(conn)?;
    }
    Ok(())
}

/// The articles whose slug in some locale is, or was, `slug`, newest first, with that locale.
pub fn by_slug(conn: &mut DbConnection, slug: &str) -> QueryResult<Vec<SlugOwner>> {
    article_slugs::table
        .filter(article_slugs::slug.eq(slug))
        .order(article_slugs::id.desc())
        .select((article_slugs::article_id, article_slugs::locale))
        .load(conn)
}

/// One translation, locked against concurrent writers on PostgreSQL.
pub fn find_translation(
    conn: &mut DbConnection,
    article_id: i64,
    locale: &str,
) -> QueryResult<Option<TranslationRow>> {
    let query = article_translations::table
        .filter(article_translations::article_id.eq(article_id))
        .filter(article_translations::locale.eq(locale));
    // The selection is typed per backend, so each arm selects on its own.
    match conn {
        DbConnection::Pg(pg) => query
            .select(TranslationRow::as_select())
            .for_update()
            .first(pg)
            .optional(),
        DbConnection::Sqlite(sqlite) => query
            .select(TranslationRow::as_select())
            .first(sqlite)
            .optional(),
    }
}

/// Inserts a translation.
pub fn insert_translation(
    conn: &mut DbConnection,
    article_id: i64,
    locale: &str,
    fields: &TranslationFields,
) -> QueryResult<()> {
    let now = db::now();
    diesel::insert_into(article_translations::table)
        .values((
            fields,
            article_translations::article_id.eq(article_id),
            article_translations::locale.eq(locale),
            article_translations::created_at.eq(now),
            article_translations::updated_at.eq(now),
        ))
        .execute(conn)
        .map(drop)
}

/// Writes a translation when still at `version`, bumping it; `false` when stale.
pub fn update_translation(
    conn: &mut DbConnection,
    id: i64,
    version: i64,
    fields: &TranslationFields,
) -> QueryResult<bool> {
    let updated = diesel::update(
        article_translations::table
            .filter(article_translations::id.eq(id))
            .filter(article_translations::version.eq(version)),
    )
    .set((
        fields,
        article_translations::version.eq(article_translations::version + 1),
        article_translations::updated_at.eq(db::now()),
    ))
    .execute(conn)?;
    Ok(updated == 1)
}

/// Deletes one translation.
pub fn delete_translation(conn: &mut DbConnection, id: i64) -> QueryResult<usize> {
    diesel::delete(article_translations::table.find(id)).execute(conn)
}

/// Deletes an article and everything that belongs to it.
pub fn delete(conn: &mut DbConnection, id: i64) -> QueryResult<usize> {
    revisions::delete_all(conn, Subject::Article, id)?;
    crate::previews::store::delete_all(conn, Subject::Article, id)?;
    crate::search::store::remove(conn, Kind::Article, id)?;
    diesel::delete(articles::table.find(id)).execute(conn)
}

/// The times of these translations (by translation id), for those that have any.
pub fn times_of(
    conn: &mut DbConnection,
    translations: &[i64],
) -> QueryResult<HashMap<i64, TranslationTimes>> {
    let rows: Vec<(i64, TranslationTimes)> = article_translation_times::table
        .filter(article_translation_times::translation_id.eq_any(translations))
        .select((
            article_translation_times::translation_id,
            TranslationTimes::as_select(),
        ))
        .load(conn)?;
    Ok(rows.into_iter().collect())
}

/// Sets the times of article `article`'s translation in `locale` (which exists).
pub fn set_times(
    conn: &mut DbConnection,
    article: i64,
    locale: &str,
    times: TranslationTimes,
) -> QueryResult<()> {
    let id = find_translation(conn, article, locale)?
        .ok_or(diesel::result::Error::NotFound)?
        .id;
    diesel::delete(article_translation_times::table.find(id)).execute(conn)?;
    if times != TranslationTimes::default() {
        diesel::insert_into(article_translation_times::table)
            .values((
                article_translation_times::translation_id.eq(id),
                article_translation_times::publish_at.eq(times.publish_at),
                article_translation_times::unpublish_at.eq(times.unpublish_at),
            ))
            .execute(conn)?;
    }
    Ok(())
}

/// Brings `has_published_translation` in line with the translations, after one changed.
pub fn refresh_published_flag(conn: &mut DbConnection, article_id: i64) -> QueryResult<()> {
    let published: bool = diesel::select(diesel::dsl::exists(
        visibility::shown_translations().filter(article_translations::article_id.eq(article_id)),
    ))
    .get_result(conn)?;
    diesel::update(articles::table.find(article_id))
        .set(articles::has_published_translation.eq(published))
        .execute(conn)
        .map(drop)
}

/// How many articles there are.
pub fn count(conn: &mut DbConnection) -> QueryResult<i64> {
    articles::table.count().get_result(conn)
}
