//! Scheduled articles on time: a background task notices articles whose publication time has
//! just passed and purges what their publication changes (their read and every list), so a
//! cached list shows them within [`PERIOD`] of their time instead of after `CACHE_MAX_AGE`.
//! Each instance runs its own, so every instance is on time without hearing from the others.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use actix_web::web;

use crate::app::AppState;
use crate::articles::store::visibility;
use crate::db::{self, DbConnection};
use crate::delivery::cache::{LISTS_TAG, article_tag};

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
                let ids = {
                    let mut guard = conn.lock().unwrap_or_else(|e| e.into_inner());
                    visibility::coming_due(&mut guard, since, until).ok()
                };
                Some((conn, ids))
            })
            .await;
            match due {
                Ok(Some((conn, Some(ids)))) => {
                    connection = Some(conn);
                    since = until;
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
