//! Sitemap queries: the read model's views published in their own locale, in id order, and
//! the names of categories, tags and authors.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::schema::{article_views, authors, tag_translations};
use crate::db::{self, DbConnection};

/// The views of articles published in `locale` itself (not served there by fallback), now.
fn own_views(locale: &str) -> Views<'_> {
    article_views::table
        .filter(article_views::locale.eq(locale))
        .filter(article_views::served_locale.eq(locale))
        .filter(article_views::published_at.le(db::now()))
        .into_boxed()
}

type Views<'a> = article_views::BoxedQuery<'a, db::MultiBackend>;

/// How many articles are published in `locale` itself.
pub fn own_count(conn: &mut DbConnection, locale: &str) -> QueryResult<i64> {
    own_views(locale).count().get_result(conn)
}

/// The newest change among them.
pub fn own_newest(conn: &mut DbConnection, locale: &str) -> QueryResult<Option<NaiveDateTime>> {
    own_views(locale)
        .select(diesel::dsl::max(article_views::updated_at))
        .first(conn)
}

/// The id before the `offset`-th of them (by id), where a file starting there begins; `None`
/// past the end.
pub fn own_start(conn: &mut DbConnection, locale: &str, offset: i64) -> QueryResult<Option<i64>> {
    if offset == 0 {
        return Ok(Some(0));
    }
    own_views(locale)
        .select(article_views::article_id)
        .order(article_views::article_id.asc())
        .offset(offset - 1)
        .first(conn)
        .optional()
}

/// Up to `limit` of them after id `after`, by id: (id, card).
pub fn own_after(
    conn: &mut DbConnection,
    locale: &str,
    after: i64,
    limit: i64,
) -> QueryResult<Vec<(i64, String)>> {
    own_views(locale)
        .filter(article_views::article_id.gt(after))
        .select((article_views::article_id, article_views::card))
        .order(article_views::article_id.asc())
        .limit(limit)
        .load(conn)
}

/// Articles published since `since` in each locale they are written in: (locale, title,
/// publication time, card), newest first.
pub fn published_since(
    conn: &mut DbConnection,
    since: NaiveDateTime,
    limit: i64,
) -> QueryResult<Vec<(String, String, NaiveDateTime, String)>> {
    article_views::table
        .filter(article_views::served_locale.eq(article_views::locale))
        .filter(article_views::published_at.ge(since))
        .filter(article_views::published_at.le(db::now()))
        .select((
            article_views::locale,
            article_views::title,
            article_views::published_at,
            article_views::card,
        ))
        .order((
            article_views::published_at.desc(),
            article_views::article_id.desc(),
        ))
        .limit(limit)
        .load(conn)
}

/// Every tag's slug in each locale: (id, locale, slug).
pub fn tag_slugs(conn: &mut DbConnection) -> QueryResult<Vec<(i64, String, String)>> {
    tag_translations::table
        .select((
            tag_translations::tag_id,
            tag_translations::locale,
            tag_translations::slug,
        ))
        .order((
            tag_translations::tag_id.asc(),
            tag_translations::locale.asc(),
        ))
        .load(conn)
}

/// Every author's id and slug.
pub fn author_slugs(conn: &mut DbConnection) -> QueryResult<Vec<(i64, String)>> {
    authors::table
        .select((authors::id, authors::slug))
        .order(authors::id.asc())
        .load(conn)
}
