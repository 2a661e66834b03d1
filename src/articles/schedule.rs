//! Scheduled publishing and unpublishing: a save plans an article's transitions (its future
//! `published_at`, its `unpublish_at`, and each translation's `publish_at` and
//! `unpublish_at`); the scheduler inside `cms serve` applies the due ones, each exactly once
//! whatever the number of instances, and at start whatever came due while none ran.

use chrono::NaiveDateTime;
use diesel::QueryResult;

use crate::articles::model::ArticleStatus;
use crate::articles::read_model;
use crate::articles::store;
use crate::articles::store::schedule::{self, Planned};
use crate::db::{self, DbConnection};

/// A publication at `published_at`.
pub const PUBLISH: &str = "publish";
/// Coming down (archived) at `unpublish_at`.
pub const UNPUBLISH: &str = "unpublish";

/// Transitions applied per run at most (the rest wait for the next run, a moment later).
const PER_RUN: i64 = 100;

/// Replaces article `id`'s pending transitions with what its rows say now: a published
/// article with a future `published_at` is published then, and one with `unpublish_at`
/// comes down then; a translation held back until `publish_at` shows then, and one with
/// `unpublish_at` goes back to draft then.
pub fn plan(conn: &mut DbConnection, id: i64) -> QueryResult<()> {
    let row = store::find(conn, id)?;
    let mut planned: Vec<Planned> = Vec::new();
    if row.status() == ArticleStatus::Published {
        if let Some(at) = row.published_at.filter(|at| *at > db::now()) {
            planned.push((PUBLISH, at, None));
        }
        if let Some(at) = row.unpublish_at {
            planned.push((UNPUBLISH, at, None));
        }
    }
    let translations = store::translations_of(conn, &[id])?;
    let times = store::times_of(conn, &translations.iter().map(|t| t.id).collect::<Vec<_>>())?;
    for translation in translations {
        let Some(times) = times.get(&translation.id) else {
            continue;
        };
        if let Some(at) = times.publish_at {
            planned.push((PUBLISH, at, Some(translation.locale.clone())));
        }
        if let Some(at) = times.unpublish_at {
            planned.push((UNPUBLISH, at, Some(translation.locale)));
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
        let changed_state = match (&transition.locale, transition.action.as_str()) {
            // An article's publication needs no change of state (its time gates it); it is
            // recorded, and its article's reads are purged.
            (None, UNPUBLISH) => schedule::archive(conn, id)?,
            (None, _) => {
                read_model::announce_published(conn, id)?;
                false
            }
            (Some(locale), UNPUBLISH) => schedule::withdraw_translation(conn, id, locale)?,
            (Some(locale), _) => schedule::release_translation(conn, id, locale)?,
        };
        if changed_state {
            if transition.locale.is_some() {
                store::refresh_published_flag(conn, id)?;
            }
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
