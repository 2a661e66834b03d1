//! Queries of kept answers.

use chrono::Duration;
use diesel::prelude::*;

use crate::db::schema::idempotency_keys;
use crate::db::{self, DbConnection};
use crate::domain::{DomainError, FieldError};
use crate::idempotency::model::{KEPT_HOURS, StoredAnswer};

/// The answer kept for `key` of `actor` within the last day, if any. Holds the key until the
/// transaction ends, so of two retries at once the second waits and finds the first's answer.
fn find(conn: &mut DbConnection, actor: &str, key: &str) -> QueryResult<Option<StoredAnswer>> {
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
fn remember(
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

/// Runs `write` once per `key` of `actor` (a write without a key always runs): a retry of
/// `request` under the same key within a day gets the kept `(status, body)` back and writes
/// nothing; the key on another request is refused. Call it inside the write's transaction.
pub fn once<E>(
    conn: &mut DbConnection,
    actor: &str,
    key: Option<&str>,
    request: &str,
    write: impl FnOnce(&mut DbConnection) -> Result<(i32, String), E>,
) -> Result<(i32, String), E>
where
    E: From<DomainError>,
{
    let Some(key) = key else {
        return write(conn);
    };
    if let Some(kept) = find(conn, actor, key).map_err(DomainError::from)? {
        if kept.request != request {
            return Err(DomainError::from(FieldError::new(
                "Idempotency-Key",
                "was used for another request",
            ))
            .into());
        }
        return Ok((kept.status, kept.body));
    }
    let (status, body) = write(conn)?;
    remember(conn, actor, key, request, status, &body).map_err(DomainError::from)?;
    Ok((status, body))
}
