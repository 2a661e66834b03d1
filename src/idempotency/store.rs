//! Queries of kept answers.

use chrono::Duration;
use diesel::prelude::*;

use crate::db::schema::idempotency_keys;
use crate::db::{self, DbConnection};
use crate::idempotency::model::{KEPT_HOURS, StoredAnswer};

/// The answer kept for `key` of `actor` within the last day, if any. Holds the key until the
/// transaction ends, so of two retries at once the second waits and finds the first's answer.
pub fn find(conn: &mut DbConnection, actor: &str, key: &str) -> QueryResult<Option<StoredAnswer>> {
    db::lock_name(conn, &format!("idempotency:{actor}:{key}"))?;
    let since = db::now() - Duration::hours(KEPT_HOURS);
    idempotency_keys::table
        .filter(idempotency_keys::actor.eq(actor))
        .filter(idempotency_keys::idempotency_key.eq(key))
        .filter(idempotency_keys::created_at.gt(since))
        .select((
            idempotency_keys::request,
            idempotency_keys::status,
            idempotency_keys::body,
        ))
        .first(conn)
        .optional()
}

/// Keeps the answer to the request `request` under `key` of `actor`, replacing an expired one,
/// and forgets answers older than a day.
pub fn remember(
    conn: &mut DbConnection,
    actor: &str,
    key: &str,
    request: &str,
    status: i32,
    body: &str,
) -> QueryResult<()> {
    let now = db::now();
    diesel::delete(
        idempotency_keys::table
            .filter(idempotency_keys::created_at.le(now - Duration::hours(KEPT_HOURS))),
    )
    .execute(conn)?;
    diesel::insert_into(idempotency_keys::table)
        .values((
            idempotency_keys::actor.eq(actor),
            idempotency_keys::idempotency_key.eq(key),
            idempotency_keys::request.eq(request),
            idempotency_keys::status.eq(status),
            idempotency_keys::body.eq(body),
            idempotency_keys::created_at.eq(now),
        ))
        .execute(conn)?;
    Ok(())
}
