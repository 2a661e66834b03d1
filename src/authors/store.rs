//! Author queries.

use diesel::prelude::*;

use crate::authors::model::{AdminAuthor, AuthorBioRow, AuthorRow};
use crate::db::schema::{author_bios, authors};
use crate::db::{self, DbConnection, Paged};
use crate::locales::store as locales;
use crate::search::model::{Entry, Kind};
use crate::search::store as search;
use crate::slug;

/// One author and their bios.
pub fn find(conn: &mut DbConnection, id: i64) -> QueryResult<AuthorRow> {
    authors::table
        .find(id)
        .select(AuthorRow::as_select())
        .first(conn)
}

/// One author with every bio, as editors see it.
pub fn find_admin(conn: &mut DbConnection, id: i64) -> QueryResult<AdminAuthor> {
    let row = find(conn, id)?;
    Ok(AdminAuthor::new(row, bios_of(conn, &[id])?))
}

/// The bios of these authors.
pub fn bios_of(conn: &mut DbConnection, ids: &[i64]) -> QueryResult<Vec<AuthorBioRow>> {
    author_bios::table
        .filter(author_bios::author_id.eq_any(ids))
        .select(AuthorBioRow::as_select())
        .order((author_bios::author_id.asc(), author_bios::locale.asc()))
        .load(conn)
}

/// One page of authors by name, and the total.
pub fn page(conn: &mut DbConnection, offset: i64, limit: i64) -> QueryResult<Paged<AuthorRow>> {
    let total = authors::table.count().get_result(conn)?;
    let rows = authors::table
        .select(AuthorRow::as_select())
        .order((authors::name.asc(), authors::id.asc()))
        .offset(offset)
        .limit(limit)
        .load(conn)?;
    Ok(Paged { rows, total })
}

/// The author a key names: a numeric id or the slug.
pub fn resolve_key(conn: &mut DbConnection, key: &str) -> QueryResult<Option<i64>> {
    let query = authors::table.select(authors::id);
    match key.parse::<i64>() {
        Ok(id) => query.filter(authors::id.eq(id)).first(conn).optional(),
        Err(_) => query.filter(authors::slug.eq(key)).first(conn).optional(),
    }
}

/// Whether `slug` belongs to an author other than `except`.
/// Holds the slug's base until the transaction ends ([`db::lock_name`], one lock for all its
/// suffixes), so of two writers wanting it at once the second sees the first's and takes the
/// next one.
pub fn slug_taken(conn: &mut DbConnection, slug: &str, except: Option<i64>) -> QueryResult<bool> {
    db::lock_name(conn, &format!("slug:authors:{}", slug::base(slug)))?;
    diesel::select(diesel::dsl::exists(
        authors::table
            .filter(authors::slug.eq(slug))
            .filter(authors::id.ne(except.unwrap_or(-1))),
    ))
    .get_result(conn)
}

/// The fields of an author row that are written.
#[derive(Debug, AsChangeset, Insertable)]
#[diesel(table_name = authors, treat_none_as_null = true)]
pub struct AuthorFields {
    /// Byline.
    pub name: String,
    pub slug: String,
    /// Linked account.
    pub user_id: Option<i64>,
    pub avatar_url: Option<String>,
    /// JSON array of links.
    pub links: String,
    pub avatar_media_id: Option<i64>,
}

/// Inserts an author; returns the id.
pub fn insert(conn: &mut DbConnection, fields: &AuthorFields) -> QueryResult<i64> {
    let now = db::now();
    diesel::insert_into(authors::table)
        .values((
            fields,
            authors::created_at.eq(now),
            authors::updated_at.eq(now),
        ))
        .returning(authors::id)
        .get_result(conn)
}

/// Writes an author when still at `version`, bumping it; `false` when stale.
pub fn update(
    conn: &mut DbConnection,
    id: i64,
    version: i64,
    fields: &AuthorFields,
) -> QueryResult<bool> {
    let updated = diesel::update(
        authors::table
            .filter(authors::id.eq(id))
            .filter(authors::version.eq(version)),
    )
    .set((
        fields,
        authors::version.eq(authors::version + 1),
        authors::updated_at.eq(db::now()),
    ))
    .execute(conn)?;
    Ok(updated == 1)
}

/// Creates, replaces or (with `None`) removes one bio.
pub fn put_bio(
    conn: &mut DbConnection,
    author_id: i64,
    locale: &str,
    bio: Option<&str>,
) -> QueryResult<()> {
    let target = author_bios::table
        .filter(author_bios::author_id.eq(author_id))
        .filter(author_bios::locale.eq(locale));
    match bio {
        None => diesel::delete(target).execute(conn).map(drop),
        Some(bio) => {
            if diesel::update(target)
                .set(author_bios::bio.eq(bio))
                .execute(conn)?
                == 0
            {
                diesel::insert_into(author_bios::table)
                    .values((
                        author_bios::author_id.eq(author_id),
                        author_bios::locale.eq(locale),
                        author_bios::bio.eq(bio),
                    ))
                    .execute(conn)?;
            }
            Ok(())
        }
    }
}

/// Writes an author's search entries, one per site locale: the name, and the bio in that
/// locale. After every write of the author or its bios, and when a locale is added.
pub fn index(conn: &mut DbConnection, id: i64) -> QueryResult<()> {
    let author = find(conn, id)?;
    let bios = bios_of(conn, &[id])?;
    let entries: Vec<Entry> = locales::codes(conn)?
        .iter()
        .map(|locale| {
            let bio = bios
                .iter()
                .find(|b| &b.locale == locale)
                .map(|b| b.bio.as_str());
            Entry::named(Kind::Author, id, locale, &author.slug, &author.name, bio)
        })
        .collect();
    search::replace(conn, Kind::Author, id, &entries)
}

/// Deletes an author (refused by the database while articles carry the byline).
pub fn delete(conn: &mut DbConnection, id: i64) -> QueryResult<usize> {
    let deleted = diesel::delete(authors::table.find(id)).execute(conn)?;
    search::remove(conn, Kind::Author, id)?;
    Ok(deleted)
}

/// Every author id, ascending.
pub fn ids(conn: &mut DbConnection) -> QueryResult<Vec<i64>> {
    authors::table
        .select(authors::id)
        .order(authors::id)
        .load(conn)
}

/// How many of `ids` (distinct) name an author.
pub fn count_existing(conn: &mut DbConnection, ids: &[i64]) -> QueryResult<i64> {
    authors::table
        .filter(authors::id.eq_any(ids))
        .count()
        .get_result(conn)
}

/// The author identities linked to an account.
pub fn ids_of_user(conn: &mut DbConnection, user_id: Option<i64>) -> QueryResult<Vec<i64>> {
    let Some(user_id) = user_id else {
        return Ok(Vec::new());
    };
    authors::table
        .filter(authors::user_id.eq(user_id))
        .select(authors::id)
        .load(conn)
}
