//! Revisions: the state of a translation before each save, listed and read back for restoring.

use diesel::prelude::*;

use crate::articles::model::{RevisionRow, TranslationRow};
use crate::db::schema::article_revisions;
use crate::db::{self, DbConnection, MultiBackend};

/// Keeps the state of a translation before it is overwritten.
pub fn insert_revision(
    conn: &mut DbConnection,
    previous: &TranslationRow,
    saved_by: Option<i64>,
) -> QueryResult<()> {
    diesel::insert_into(article_revisions::table)
        .values((
            article_revisions::article_id.eq(previous.article_id),
            article_revisions::locale.eq(&previous.locale),
            article_revisions::translation_version.eq(previous.version),
            article_revisions::title.eq(&previous.title),
            article_revisions::slug.eq(&previous.slug),
            article_revisions::summary.eq(&previous.summary),
            article_revisions::body.eq(&previous.body),
            article_revisions::seo_title.eq(&previous.seo_title),
            article_revisions::seo_description.eq(&previous.seo_description),
            article_revisions::status.eq(&previous.status),
            article_revisions::saved_by.eq(saved_by),
            article_revisions::created_at.eq(db::now()),
        ))
        .execute(conn)
        .map(drop)
}

/// Revisions of an article (of one locale when given), newest first.
pub fn list(
    conn: &mut DbConnection,
    article_id: i64,
    locale: Option<&str>,
) -> QueryResult<Vec<RevisionRow>> {
    let mut query = article_revisions::table
        .filter(article_revisions::article_id.eq(article_id))
        .select(RevisionRow::as_select())
        .order(article_revisions::id.desc())
        .into_boxed::<MultiBackend>();
    if let Some(locale) = locale {
        query = query.filter(article_revisions::locale.eq(locale.to_owned()));
    }
    query.load(conn)
}

/// One revision of an article.
pub fn find(conn: &mut DbConnection, article_id: i64, id: i64) -> QueryResult<RevisionRow> {
    article_revisions::table
        .filter(article_revisions::article_id.eq(article_id))
        .filter(article_revisions::id.eq(id))
        .select(RevisionRow::as_select())
        .first(conn)
}
