//! Caches coherent across instances on PostgreSQL. Every admin write publishes what it makes
//! stale on a channel (`pg_notify` in its transaction, so only writes that commit are heard);
//! every instance listens on a session of its own, purges its response cache (and, for writes
//! that stale everything, the site settings it keeps in memory), reconnects with backoff when
//! the session is lost, and empties everything after a reconnect, since it may have missed
//! messages meanwhile. SQLite is one process: there is nobody to tell.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use actix_web::web;

use crate::app::AppState;
use crate::db;
use crate::delivery::cache::apply_message;

/// How often the listener looks for messages: the most a write takes to reach the others.
pub const PERIOD: Duration = Duration::from_millis(100);

/// How often the listener's session makes a round trip to prove it is alive.
const CHECK_EVERY: Duration = Duration::from_secs(10);

/// Longest wait between reconnection attempts.
const MAX_BACKOFF: Duration = Duration::from_secs(5);

/// Starts the listener on the current runtime (PostgreSQL only); it ends with the runtime. The
/// first session is opened here, before the server answers anything, so nothing cached can
/// have missed a message; if that fails, the task keeps trying.
pub fn spawn(state: web::Data<AppState>) {
    let Some(first) = db::listener(&state.settings.database, db::CACHE_CHANNEL) else {
        return;
    };
    let mut session = match first {
        Ok(conn) => {
            state.metrics.listener(true);
            Some(Arc::new(Mutex::new(conn)))
        }
        Err(error) => {
            tracing::warn!(%error, "could not listen for cache purges yet; retrying");
            None
        }
    };
    actix_web::rt::spawn(async move {
        let mut checked = std::time::Instant::now();
        let mut backoff = PERIOD;
        loop {
            let settings = state.settings.database.clone();
            let held = session.clone();
            let check = checked.elapsed() >= CHECK_EVERY;
            if check {
                checked = std::time::Instant::now();
            }
            let polled = web::block(move || {
                let (conn, fresh) = match held {
                    Some(conn) => (conn, false),
                    None => {
                        let conn = db::listener(&settings, db::CACHE_CHANNEL)?.ok()?;
                        (Arc::new(Mutex::new(conn)), true)
                    }
                };
                let messages = {
                    let mut guard = conn.lock().unwrap_or_else(|e| e.into_inner());
                    db::received(&mut guard, check).ok()
                };
                Some((conn, fresh, messages))
            })
            .await;
            match polled {
                Ok(Some((conn, fresh, Some(messages)))) => {
                    if fresh {
                        tracing::info!("listening for other instances' cache purges");
                        state.metrics.listener(true);
                        // Whatever was written while nobody listened is unknown: forget all.
                        state.forget_settings();
                        state.cache.invalidate();
                    }
                    session = Some(conn);
                    backoff = PERIOD;
                    for message in messages {
                        state.metrics.purge_message();
                        apply_message(&state.cache, &message, || state.forget_settings());
                    }
                }
                _ => {
                    if session.take().is_some() {
                        tracing::warn!("lost the cache listener's session; reconnecting");
                        state.metrics.listener(false);
                    }
                    backoff = (backoff * 2).min(MAX_BACKOFF);
                }
            }
            let wait = if session.is_some() { PERIOD } else { backoff };
            actix_web::rt::time::sleep(wait).await;
        }
    });
}
