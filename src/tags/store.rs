//! Tag queries.

use diesel::prelude::*;

use crate::db::schema::{tag_translations, tags};
use crate::db::{self, DbConnection, Paged};
use crate::search::model::{Entry, Kind};
use crate::search::store as search;
use crate::slug;
use crate::tags::model::{AdminTag, TagRow, TagTranslationRow};

/// One tag and its translations.
pub fn find(conn: &mut DbConnection, id: i64) -> QueryResult<TagRow> {
    tags::table.find(id).select(TagRow::as_select()).first(conn)
}

/// One tag with every translation, as editors see it.
pub fn find_admin(conn: &mut DbConnection, id: i64) -> QueryResult<AdminTag> {
    let row = find(conn, id)?;
    Ok(AdminTag::new(row, translations_of(conn, &[id])?))
}

/// The translations of these tags.
pub fn translations_of(
    conn: &mut DbConnection,
    ids: &[i64],
) -> QueryResult<Vec<TagTranslationRow>> {
    tag_translations::table
        .filter(tag_translations::tag_id.eq_any(ids))
        .select(TagTranslationRow::as_select())
        .order((
            tag_translations::tag_id.asc(),
            tag_translations::locale.asc(),
        ))
        .load(conn)
}

/// One page of tags (by id), only those translated in `locale` when given, and the total.
pub fn page(
    conn: &mut DbConnection,
    locale: Option<&str>,
    offset: i64,
    limit: i64,
) -> QueryResult<Paged<TagRow>> {
    // `%` matches every locale; codes hold no LIKE wildcards.
    let translated = || {
        tag_translations::table
            .filter(tag_translations::locale.like(locale.unwrap_or("%")))
            .select(tag_translations::tag_id)
    };
    let total = tags::table
        .filter(tags::id.eq_any(translated()))
        .count()
        .get_result(conn)?;
    let rows = tags::table
        .filter(tags::id.eq_any(translated()))
        .select(TagRow::as_select())
        .order(tags::id.asc())
        .offset(offset)
        .limit(limit)
        .load(conn)?;
    Ok(Paged { rows, total })
}

/// The tag a key names: a numeric id, or a slug in any locale.
pub fn resolve_key(conn: &mut DbConnection, key: &str) -> QueryResult<Option<i64>> {
    if let Ok(id) = key.parse::<i64>() {
        return tags::table.find(id).select(tags::id).first(conn).optional();
    }
    tag_translations::table
        .filter(tag_translations::slug.eq(key))
        .select(tag_translations::tag_id)
        .order(tag_translations::tag_id.asc())
        .first(conn)
        .optional()
}

/// Whether `slug` is used in `locale` by a tag other than `except`.
/// Holds the slug's base until the transaction ends ([`db::lock_name`], one lock for all its
/// suffixes), so of two writers wanting it at once the second sees the first's and takes the
/// next one.
pub fn slug_taken(
    conn: &mut DbConnection,
    locale: &str,
    slug: &str,
    except: Option<i64>,
) -> QueryResult<bool> {
    db::lock_name(conn, &format!("slug:tags:{locale}:{}", slug::base(slug)))?;
    diesel::select(diesel::dsl::exists(
        tag_translations::table
            .filter(tag_translations::locale.eq(locale))
            .filter(tag_translations::slug.eq(slug))
            .filter(tag_translations::tag_id.ne(except.unwrap_or(-1))),
    ))
    .get_result(conn)
}

/// Inserts a tag; returns its id.
pub fn insert(conn: &mut DbConnection) -> QueryResult<i64> {
    let now = db::now();
    diesel::insert_into(tags::table)
        .values((tags::created_at.eq(now), tags::updated_at.eq(now)))
        .returning(tags::id)
        .get_result(conn)
}

/// Bumps a tag's version when it is still at `version`; `false` otherwise.
pub fn touch(conn: &mut DbConnection, id: i64, version: i64) -> QueryResult<bool> {
    let updated = diesel::update(
        tags::table
            .filter(tags::id.eq(id))
            .filter(tags::version.eq(version)),
    )
    .set((
        tags::version.eq(tags::version + 1),
        tags::updated_at.eq(db::now()),
    ))
    .execute(conn)?;
    Ok(updated == 1)
}

/// Creates or replaces one translation.
pub fn put_translation(
    conn: &mut DbConnection,
    tag_id: i64,
    locale: &str,
    name: &str,
    slug: &str,
    description: Option<&str>,
) -> QueryResult<()> {
    let updated = diesel::update(
        tag_translations::table
            .filter(tag_translations::tag_id.eq(tag_id))
            .filter(tag_translations::locale.eq(locale)),
    )
    .set((
        tag_translations::name.eq(name),
        tag_translations::slug.eq(slug),
        tag_translations::description.eq(description),
    ))
    .execute(conn)?;
    if updated == 0 {
        diesel::insert_into(tag_translations::table)
            .values((
                tag_translations::tag_id.eq(tag_id),
                tag_translations::locale.eq(locale),
                tag_translations::name.eq(name),
                tag_translations::slug.eq(slug),
                tag_translations::description.eq(description),
            ))
            .execute(conn)?;
    }
    search::put(
        conn,
        &Entry::named(Kind::Tag, tag_id, locale, slug, name, description),
    )
}

/// Removes one translation.
pub fn delete_translation(
    conn: &mut DbConnection,
    tag_id: i64,
    locale: &str,
) -> QueryResult<usize> {
    search::remove_locale(conn, Kind::Tag, tag_id, locale)?;
    diesel::delete(
        tag_translations::table
            .filter(tag_translations::tag_id.eq(tag_id))
            .filter(tag_translations::locale.eq(locale)),
    )
    .execute(conn)
}

/// Deletes a tag (it leaves the articles that had it).
pub fn delete(conn: &mut DbConnection, id: i64) -> QueryResult<usize> {
    search::remove(conn, Kind::Tag, id)?;
    diesel::delete(tags::table.find(id)).execute(conn)
}

/// Every tag id, ascending.
pub fn ids(conn: &mut DbConnection) -> QueryResult<Vec<i64>> {
    tags::table.select(tags::id).order(tags::id).load(conn)
}

/// How many of `ids` (distinct) name a tag.
pub fn count_existing(conn: &mut DbConnection, ids: &[i64]) -> QueryResult<i64> {
    tags::table
        .filter(tags::id.eq_any(ids))
        .count()
        .get_result(conn)
}
