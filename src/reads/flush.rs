//! Writes the reads counted in memory every `VIEWS_FLUSH_SECONDS` (and once more when the
//! server stops), in one transaction that also prunes hours older than the longest window;
//! and, at most once a minute, purges the most-read lists here and (on PostgreSQL) on every
//! other instance.

use std::time::{Duration, Instant};

use actix_web::web;

use crate::app::AppState;
use crate::db;
use crate::delivery::cache;
use crate::error::ApiError;
use crate::reads::model::pruned_before;
use crate::reads::store;

/// The tag of the most-read lists' cached responses.
pub const READS_TAG: &str = "reads";

/// Least time between two purges of the most-read lists.
const PURGE_EVERY: Duration = Duration::from_secs(60);

/// Starts the task on the current runtime; it ends with the runtime.
pub fn spawn(state: web::Data<AppState>) {
    let period = Duration::from_secs(state.settings.interaction.views_flush_seconds);
    actix_web::rt::spawn(async move {
        let mut tick = actix_web::rt::time::interval(period);
        let mut purged: Option<Instant> = None;
        // Written reads the lists don't show yet.
        let mut unshown = false;
        loop {
            tick.tick().await;
            let purge = purged.is_none_or(|at| at.elapsed() >= PURGE_EVERY);
            match write(&state, purge).await {
                Ok(wrote) if purge => {
                    if wrote {
                        purged = Some(Instant::now());
                        unshown = false;
                    } else if unshown {
                        purge_everywhere(&state).await;
                        purged = Some(Instant::now());
                        unshown = false;
                    }
                }
                Ok(wrote) => unshown |= wrote,
                Err(error) => tracing::warn!(%error, "could not write the counted reads; kept"),
            }
        }
    });
}

/// Purges the most-read lists here and on the other instances.
async fn purge_everywhere(state: &AppState) {
    let tags = [READS_TAG.to_owned()];
    let message = cache::message(state.cache.origin(), &tags);
    let told = state
        .db
        .run(move |conn| Ok(db::notify(conn, db::CACHE_CHANNEL, &message)?))
        .await;
    if let Err(error) = told {
        tracing::warn!(%error, "could not tell the other instances to purge the most-read lists");
    }
    state.cache.purge(&tags);
}

/// Writes the reads counted so far, if any (whether it did); with `purge`, purges the
/// most-read lists everywhere once they are written. On failure the reads are kept for the
/// next write.
pub async fn write(state: &AppState, purge: bool) -> Result<bool, ApiError> {
    let now = db::now();
    let counts = state.reads.take(now);
    if counts.is_empty() {
        return Ok(false);
    }
    let tags = [READS_TAG.to_owned()];
    let message = cache::message(state.cache.origin(), &tags);
    let kept = counts.clone();
    let written = state
        .db
        .write(move |conn| {
            store::add(conn, &counts)?;
            store::prune(conn, pruned_before(now))?;
            if purge {
                db::notify(conn, db::CACHE_CHANNEL, &message)?;
            }
            Ok(())
        })
        .await;
    if let Err(error) = written {
        state.reads.restore(kept);
        return Err(error);
    }
    state.metrics.reads_written();
    if purge {
        state.cache.purge(&tags);
    }
    Ok(true)
}
