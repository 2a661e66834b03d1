//! Scheduled transitions of articles: planned on save, claimed when due (by one instance),
//! applied and marked in one transaction.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::articles::model::{ArticleStatus, TransitionRow, TranslationStatus};
use crate::articles::store::visibility::PUBLISHED;
use crate::db::schema::{
    article_translation_times, article_translations, articles, scheduled_transitions,
};
use crate::db::{self, DbConnection};

/// A transition to plan: its action, due time, and the translation's locale (`None`: the
/// whole article).
pub type Planned = (&'static str, NaiveDateTime, Option<String>);

/// Replaces the pending transitions of article `id` with `planned`.
pub fn replace_pending(conn: &mut DbConnection, id: i64, planned: &[Planned]) -> QueryResult<()> {
    diesel::delete(
        scheduled_transitions::table
            .filter(scheduled_transitions::article_id.eq(id))
            .filter(scheduled_transitions::applied_at.is_null()),
    )
    .execute(conn)?;
    let now = db::now();
    for (action, due_at, locale) in planned {
        diesel::insert_into(scheduled_transitions::table)
            .values((
                scheduled_transitions::article_id.eq(id),
                scheduled_transitions::action.eq(*action),
                scheduled_transitions::due_at.eq(*due_at),
                scheduled_transitions::created_at.eq(now),
                scheduled_transitions::locale.eq(locale.as_deref()),
            ))
            .execute(conn)?;
    }
    Ok(())
}

/// Whether a pending transition is due by `now` (one index probe, outside any write).
pub fn any_due(conn: &mut DbConnection, now: NaiveDateTime) -> QueryResult<bool> {
    diesel::select(diesel::dsl::exists(
        scheduled_transitions::table
            .filter(scheduled_transitions::applied_at.is_null())
            .filter(scheduled_transitions::due_at.le(now)),
    ))
    .get_result(conn)
}

/// How many pending transitions were due before `before`.
pub fn overdue_count(conn: &mut DbConnection, before: NaiveDateTime) -> QueryResult<i64> {
    scheduled_transitions::table
        .filter(scheduled_transitions::applied_at.is_null())
        .filter(scheduled_transitions::due_at.lt(before))
        .count()
        .get_result(conn)
}

/// Up to `limit` pending transitions due by `now`, oldest first, locked for this transaction;
/// on PostgreSQL those another instance holds are skipped, so each is claimed once.
pub fn claim_due(
    conn: &mut DbConnection,
    now: NaiveDateTime,
    limit: i64,
) -> QueryResult<Vec<TransitionRow>> {
    let due = scheduled_transitions::table
        .filter(scheduled_transitions::applied_at.is_null())
        .filter(scheduled_transitions::due_at.le(now))
        .order((
            scheduled_transitions::due_at.asc(),
            scheduled_transitions::id.asc(),
        ))
        .limit(limit);
    // The selection is typed per backend, so each arm selects its own.
    match conn {
        DbConnection::Pg(pg) => due
            .select(TransitionRow::as_select())
            .for_update()
            .skip_locked()
            .load(pg),
        // SQLite's write transaction holds the whole database already.
        DbConnection::Sqlite(sqlite) => due.select(TransitionRow::as_select()).load(sqlite),
    }
}

/// Marks these transitions applied at `at`.
pub fn mark_applied(conn: &mut DbConnection, ids: &[i64], at: NaiveDateTime) -> QueryResult<()> {
    diesel::update(scheduled_transitions::table.filter(scheduled_transitions::id.eq_any(ids)))
        .set(scheduled_transitions::applied_at.eq(Some(at)))
        .execute(conn)
        .map(drop)
}

/// Pending transitions, soonest first.
pub fn pending(conn: &mut DbConnection) -> QueryResult<Vec<TransitionRow>> {
    scheduled_transitions::table
        .filter(scheduled_transitions::applied_at.is_null())
        .order((
            scheduled_transitions::due_at.asc(),
            scheduled_transitions::id.asc(),
        ))
        .select(TransitionRow::as_select())
        .load(conn)
}

/// Locks article `id` for the transaction unless a writer holds it (on PostgreSQL; SQLite's
/// write transaction holds everything already); whether it is locked. The scheduler claims
/// transitions before articles, an editor's save takes them the other way round: skipping a
/// held article (its transition waits for the next run) means neither waits on the other.
pub fn try_lock_article(conn: &mut DbConnection, id: i64) -> QueryResult<bool> {
    match conn {
        DbConnection::Pg(pg) => Ok(articles::table
            .filter(articles::id.eq(id))
            .select(articles::id)
            .for_update()
            .skip_locked()
            .first::<i64>(pg)
            .optional()?
            .is_some()),
        DbConnection::Sqlite(_) => Ok(true),
    }
}

/// Archives article `id` if it is published, its time to come down spent; whether it did.
pub fn archive(conn: &mut DbConnection, id: i64) -> QueryResult<bool> {
    let changed = diesel::update(
        articles::table
            .filter(articles::id.eq(id))
            .filter(articles::status.eq(PUBLISHED)),
    )
    .set((
        articles::status.eq(ArticleStatus::Archived.as_str()),
        articles::unpublish_at.eq(None::<NaiveDateTime>),
        articles::version.eq(articles::version + 1),
        articles::updated_at.eq(db::now()),
    ))
    .execute(conn)?;
    Ok(changed == 1)
}

/// The id of article `id`'s translation in `locale`, if it has one.
fn translation_id(conn: &mut DbConnection, id: i64, locale: &str) -> QueryResult<Option<i64>> {
    Ok(super::find_translation(conn, id, locale)?.map(|t| t.id))
}

/// Marks a translation changed by the scheduler: a new version, its change time.
fn touch_translation(conn: &mut DbConnection, translation: i64) -> QueryResult<()> {
    diesel::update(article_translations::table.find(translation))
        .set((
            article_translations::version.eq(article_translations::version + 1),
            article_translations::updated_at.eq(db::now()),
        ))
        .execute(conn)
        .map(drop)
}

/// Shows article `id`'s translation in `locale` if it is held back by a `publish_at` (removed
/// now); whether it did.
pub fn release_translation(conn: &mut DbConnection, id: i64, locale: &str) -> QueryResult<bool> {
    let Some(translation) = translation_id(conn, id, locale)? else {
        return Ok(false);
    };
    let released = diesel::update(
        article_translation_times::table
            .find(translation)
            .filter(article_translation_times::publish_at.is_not_null()),
    )
    .set(article_translation_times::publish_at.eq(None::<NaiveDateTime>))
    .execute(conn)?;
    diesel::delete(
        article_translation_times::table
            .find(translation)
            .filter(article_translation_times::unpublish_at.is_null()),
    )
    .execute(conn)?;
    if released == 1 {
        touch_translation(conn, translation)?;
    }
    Ok(released == 1)
}

/// Takes article `id`'s translation in `locale` back to draft if it has an `unpublish_at`
/// (removed now, with any `publish_at`); whether it did.
pub fn withdraw_translation(conn: &mut DbConnection, id: i64, locale: &str) -> QueryResult<bool> {
    let Some(translation) = translation_id(conn, id, locale)? else {
        return Ok(false);
    };
    let withdrawn = diesel::delete(
        article_translation_times::table
            .find(translation)
            .filter(article_translation_times::unpublish_at.is_not_null()),
    )
    .execute(conn)?;
    if withdrawn == 1 {
        diesel::update(article_translations::table.find(translation))
            .set(article_translations::status.eq(TranslationStatus::Draft.as_str()))
            .execute(conn)?;
        touch_translation(conn, translation)?;
    }
    Ok(withdrawn == 1)
}
