//! Preview queries.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::articles::model::Subject;
use crate::db::schema::previews;
use crate::db::{self, DbConnection};
use crate::previews::model::PreviewRow;

/// Stores a preview of `subject` `id` in `locale` under `token_hash` (forgetting previews
/// long expired); the row.
pub fn insert(
    conn: &mut DbConnection,
    token_hash: &str,
    subject: Subject,
    id: i64,
    locale: &str,
    created_by: Option<i64>,
    expires_at: NaiveDateTime,
) -> QueryResult<PreviewRow> {
    prune_expired(conn)?;
    let row_id: i64 = diesel::insert_into(previews::table)
        .values((
            previews::token_hash.eq(token_hash),
            previews::subject.eq(subject.as_str()),
            previews::subject_id.eq(id),
            previews::locale.eq(locale),
            previews::created_by.eq(created_by),
            previews::expires_at.eq(expires_at),
            previews::created_at.eq(db::now()),
        ))
        .returning(previews::id)
        .get_result(conn)?;
    find(conn, row_id)
}

/// One preview.
pub fn find(conn: &mut DbConnection, id: i64) -> QueryResult<PreviewRow> {
    previews::table
        .find(id)
        .select(PreviewRow::as_select())
        .first(conn)
}

/// The preview a token's hash names, while it has not expired.
pub fn live(conn: &mut DbConnection, token_hash: &str) -> QueryResult<Option<PreviewRow>> {
    previews::table
        .filter(previews::token_hash.eq(token_hash))
        .filter(previews::expires_at.gt(db::now()))
        .select(PreviewRow::as_select())
        .first(conn)
        .optional()
}

/// The previews of `subject` `id`, newest first (expired ones too, until they are pruned).
pub fn of(conn: &mut DbConnection, subject: Subject, id: i64) -> QueryResult<Vec<PreviewRow>> {
    previews::table
        .filter(previews::subject.eq(subject.as_str()))
        .filter(previews::subject_id.eq(id))
        .select(PreviewRow::as_select())
        .order(previews::id.desc())
        .load(conn)
}

/// Revokes one preview.
pub fn delete(conn: &mut DbConnection, id: i64) -> QueryResult<()> {
    diesel::delete(previews::table.find(id))
        .execute(conn)
        .map(drop)
}

/// Revokes every preview of `subject` `id` (it is being deleted).
pub fn delete_all(conn: &mut DbConnection, subject: Subject, id: i64) -> QueryResult<()> {
    diesel::delete(
        previews::table
            .filter(previews::subject.eq(subject.as_str()))
            .filter(previews::subject_id.eq(id)),
    )
    .execute(conn)
    .map(drop)
}

/// Revokes the previews of `subject` `id` in `locale` (its translation is being deleted).
pub fn delete_of_translation(
    conn: &mut DbConnection,
    subject: Subject,
    id: i64,
    locale: &str,
) -> QueryResult<()> {
    diesel::delete(
        previews::table
            .filter(previews::subject.eq(subject.as_str()))
            .filter(previews::subject_id.eq(id))
            .filter(previews::locale.eq(locale)),
    )
    .execute(conn)
    .map(drop)
}

/// Forgets previews that expired a day ago.
fn prune_expired(conn: &mut DbConnection) -> QueryResult<()> {
    diesel::delete(
        previews::table.filter(previews::expires_at.lt(db::now() - chrono::Duration::days(1))),
    )
    .execute(conn)
    .map(drop)
}
