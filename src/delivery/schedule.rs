//! Scheduled articles on time. A background task, every [`PERIOD`]:
//! - notices articles whose publication time has just passed and purges what their
//!   publication changes (their read and every list), so a cached list shows them within
//!   [`PERIOD`] of their time instead of after `CACHE_MAX_AGE`; each instance does this for
//!   itself, so every instance is on time without hearing from the others;
//! - applies the scheduled transitions that are due (`articles::schedule`): claimed by one
//!   instance, applied with the read model and marked in one transaction that also tells the
//!   other instances what to purge. At start, the first run applies whatever came due while no
//!   instance ran.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use actix_web::web;

use crate::app::AppState;
use crate::articles::schedule;
use crate::articles::store::schedule as transitions;
use crate::articles::store::visibility;
use crate::db::{self, DbConnection};
use crate::delivery::cache::{self, LISTS_TAG, article_tag};

/// How often the task looks.
pub const PERIOD: Duration = Duration::from_millis(250);

/// Starts the task on the current runtime; it ends with the runtime.
pub fn spawn(state: web::Data<AppState>) {
    actix_web::rt::spawn(async move {
        let mut connection: Option<Arc<Mutex<DbConnection>>> = None;
        let mut since = db::now();
        let mut tick = actix_web::rt::time::interval(PERIOD);
        loop {
            tick.tick().await;
            let until = db::now();
            let settings = state.settings.database.clone();
            let held = connection.clone();
            // Its own connection, outside the pool: it never keeps a request waiting.
            let due = web::block(move || {
                let conn = match held {
                    Some(conn) => conn,
                    None => Arc::new(Mutex::new(db::background_connection(&settings).ok()?)),
                };
                let looked = {
                    let mut guard = conn.lock().unwrap_or_else(|e| e.into_inner());
                    let overdue = until - chrono::Duration::seconds(1);
                    (|| -> diesel::QueryResult<_> {
                        Ok((
                            visibility::coming_due(&mut guard, since, until)?,
                            transitions::any_due(&mut guard, until)?,
                            transitions::overdue_count(&mut guard, overdue)?,
                        ))
                    })()
                    .ok()
                };
                Some((conn, looked))
            })
            .await;
            match due {
                Ok(Some((conn, Some((ids, transitions_due, overdue))))) => {
                    connection = Some(conn);
                    since = until;
                    state
                        .metrics
                        .scheduler_ran(until.and_utc().timestamp(), overdue);
                    if transitions_due {
                        apply_transitions(&state, until).await;
                    }
                    if !ids.is_empty() {
                        let mut tags: Vec<String> = ids.into_iter().map(article_tag).collect();
                        tags.push(LISTS_TAG.to_owned());
                        tracing::info!(?tags, "scheduled articles are due; purging");
                        state.cache.purge(&tags);
                    }
                }
                // The database is away: connect afresh next time, and look again from `since`.
                _ => connection = None,
            }
        }
    });
}

/// Applies the transitions due by `now` that no other instance claimed, and purges what they
/// changed here and (through the transaction's message) everywhere else.
async fn apply_transitions(state: &AppState, now: chrono::NaiveDateTime) {
    let origin = state.cache.origin().to_owned();
    let applied = state
        .db
        .write(move |conn| {
            let changed = schedule::apply_due(conn, now)?;
            let tags = purged_by(&changed);
            if !changed.is_empty() {
                db::notify(conn, db::CACHE_CHANNEL, &cache::message(&origin, &tags))?;
            }
            Ok((changed.len(), tags))
        })
        .await;
    match applied {
        Ok((0, _)) => {}
        Ok((count, tags)) => {
            tracing::info!(count, "applied scheduled transitions");
            state.metrics.transitions_applied(count as u64);
            state.cache.purge(&tags);
        }
        Err(error) => tracing::warn!(%error, "could not apply the scheduled transitions"),
    }
}

/// What a change of these articles makes stale: their reads, their threads and every list.
fn purged_by(ids: &[i64]) -> Vec<String> {
    ids.iter()
        .flat_map(|id| [article_tag(*id), cache::thread_tag(*id)])
        .chain([LISTS_TAG.to_owned()])
        .collect()
}
