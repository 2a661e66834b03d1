//! Scheduled publishing and unpublishing: a save plans an article's transitions (its future
//! `published_at`, its `unpublish_at`); the scheduler inside `cms serve` applies the due ones,
//! each exactly once whatever the number of instances, and at start whatever came due while
//! none ran.

use chrono::NaiveDateTime;
use diesel::QueryResult;

use crate::articles::model::ArticleStatus;
use crate::articles::read_model;
use crate::articles::store::{self, schedule};
use crate::db::{self, DbConnection};

/// A publication at `published_at`.
pub const PUBLISH: &str = "publish";
/// Coming down (archived) at `unpublish_at`.
pub const UNPUBLISH: &str = "unpublish";

/// Transitions applied per run at most (the rest wait for the next run, a moment later).
const PER_RUN: i64 = 100;

/// Replaces article `id`'s pending transitions with what its row says now: a published
/// article with a future `published_at` is published then, and one with `unpublish_at`
/// comes down then.
pub fn plan(conn: &mut DbConnection, id: i64) -> QueryResult<()> {
    let row = store::find(conn, id)?;
    let mut planned = Vec::new();
    if row.status() == ArticleStatus::Published {
        if let Some(at) = row.published_at.filter(|at| *at > db::now()) {
            planned.push((PUBLISH, at));
        }
        if let Some(at) = row.unpublish_at {
            planned.push((UNPUBLISH, at));
        }
    }
    schedule::replace_pending(conn, id, &planned)
}

/// Applies the transitions due by `now` (claimed, so another instance applies none of
/// them) and marks them applied, in the caller's transaction; the articles they changed.
pub fn apply_due(conn: &mut DbConnection, now: NaiveDateTime) -> QueryResult<Vec<i64>> {
    let due = schedule::claim_due(conn, now, PER_RUN)?;
    let mut changed = Vec::new();
    let mut applied = Vec::new();
    for transition in &due {
        let id = transition.article_id;
        // An article an editor is saving now waits for the next run.
        if !schedule::try_lock_article(conn, id)? {
            continue;
        }
        // A publication needs no change of state (its time gates it); it is recorded, and
        // its article's reads are purged.
        if transition.action == UNPUBLISH && schedule::archive(conn, id)? {
            read_model::refresh(conn, &[id])?;
        }
        changed.push(id);
        applied.push(transition.id);
    }
    schedule::mark_applied(conn, &applied, now)?;
    changed.sort_unstable();
    changed.dedup();
    Ok(changed)
}
