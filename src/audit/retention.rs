//! Prunes audit entries older than `AUDIT_RETENTION_DAYS`, at start and every hour.

use std::time::Duration;

use actix_web::web;

use crate::app::AppState;
use crate::audit::store;
use crate::db;

/// How often old entries are pruned.
const EVERY: Duration = Duration::from_secs(3600);

/// Starts the task on the current runtime; it ends with the runtime.
pub fn spawn(state: web::Data<AppState>) {
    actix_web::rt::spawn(async move {
        let mut tick = actix_web::rt::time::interval(EVERY);
        loop {
            tick.tick().await;
            let days = state.settings.integrations.audit_retention_days;
            let before = db::now() - chrono::Duration::days(days);
            match state
                .db
                .write(move |conn| Ok(store::prune(conn, before)?))
                .await
            {
                Ok(0) => {}
                Ok(pruned) => tracing::info!(pruned, "pruned old audit entries"),
                Err(error) => tracing::warn!(%error, "could not prune the audit log"),
            }
        }
    });
}
