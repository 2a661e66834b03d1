//! Revisions, shared by articles and pages: the state of a translation before each save,
//! listed and read back for restoring.

use diesel::prelude::*;

use crate::articles::model::{RevisedText, RevisionRow, Subject};
use crate::db::schema::revisions;
use crate::db::{self, DbConnection, MultiBackend};

/// Keeps the state of a translation of `subject` `id` before it is overwritten.
pub fn insert_revision(
    conn: &mut DbConnection,
    subject: Subject,
    id: i64,
    previous: &RevisedText<'_>,
    saved_by: Option<i64>,
) -> QueryResult<()> {
    diesel::insert_into(revisions::table)
        .values((
            revisions::subject.eq(subject.as_str()),
            revisions::subject_id.eq(id),
            revisions::locale.eq(previous.locale),
            revisions::translation_version.eq(previous.version),
            revisions::title.eq(previous.title),
            revisions::slug.eq(previous.slug),
            revisions::summary.eq(previous.summary),
            revisions::body.eq(previous.body),
            revisions::seo_title.eq(previous.seo_title),
            revisions::seo_description.eq(previous.seo_description),
            revisions::status.eq(previous.status),
            revisions::saved_by.eq(saved_by),
            revisions::created_at.eq(db::now()),
        ))
        .execute(conn)
        .map(drop)
}

/// Revisions of `subject` `id` (of one locale when given), newest first.
pub fn list(
    conn: &mut DbConnection,
    subject: Subject,
    id: i64,
    locale: Option<&str>,
) -> QueryResult<Vec<RevisionRow>> {
    let mut query = revisions::table
        .filter(revisions::subject.eq(subject.as_str()))
        .filter(revisions::subject_id.eq(id))
        .select(RevisionRow::as_select())
        .order(revisions::id.desc())
        .into_boxed::<MultiBackend>();
    if let Some(locale) = locale {
        query = query.filter(revisions::locale.eq(locale.to_owned()));
    }
    query.load(conn)
}

/// One revision of `subject` `id`.
pub fn find(
    conn: &mut DbConnection,
    subject: Subject,
    id: i64,
    revision: i64,
) -> QueryResult<RevisionRow> {
    revisions::table
        .filter(revisions::subject.eq(subject.as_str()))
        .filter(revisions::subject_id.eq(id))
        .filter(revisions::id.eq(revision))
        .select(RevisionRow::as_select())
        .first(conn)
}

/// Deletes every revision of `subject` `id`, with it.
pub fn delete_all(conn: &mut DbConnection, subject: Subject, id: i64) -> QueryResult<()> {
    diesel::delete(
        revisions::table
            .filter(revisions::subject.eq(subject.as_str()))
            .filter(revisions::subject_id.eq(id)),
    )
    .execute(conn)
    .map(drop)
}
