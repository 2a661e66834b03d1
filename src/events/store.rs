//! The outbox's queries.

use diesel::prelude::*;

use crate::db::schema::events;
use crate::db::{self, DbConnection};
use crate::events::model::{Action, EventRow, NewEvent, Resource};

/// Key of the PostgreSQL advisory lock writers hold from appending their events to their
/// commit, so events commit in id order (see the migration).
const APPEND_LOCK_KEY: i64 = 0x6f75_7462_6f78;

/// Appends `events` to the outbox at the end of the caller's write transaction, just before it
/// commits ([`db::before_commit`]): the order lock is then held for the commit alone.
pub fn record(conn: &mut DbConnection, events: &[NewEvent]) -> QueryResult<()> {
    if events.is_empty() {
        return Ok(());
    }
    let events = events.to_vec();
    db::before_commit(conn, move |conn| append(conn, &events))
}

/// Appends `events` now, under the order lock.
fn append(conn: &mut DbConnection, events: &[NewEvent]) -> QueryResult<()> {
    if let DbConnection::Pg(pg) = conn {
        diesel::sql_query("SELECT pg_advisory_xact_lock($1)")
            .bind::<diesel::sql_types::BigInt, _>(APPEND_LOCK_KEY)
            .execute(pg)?;
    }
    let now = db::now();
    let rows: Vec<_> = events
        .iter()
        .map(|event| {
            (
                events::name.eq(&event.name),
                events::resource.eq(event.resource.as_str()),
                events::resource_id.eq(event.resource_id),
                events::locale.eq(event.locale.as_deref()),
                events::action.eq(event.action.as_str()),
                events::data.eq(event.data.to_string()),
                events::created_at.eq(now),
            )
        })
        .collect();
    for chunk in rows.chunks(500) {
        db::per_backend!(conn, |c| diesel::insert_into(events::table)
            .values(chunk)
            .execute(c))?;
    }
    Ok(())
}

/// Up to `limit` events after `since`, in order.
pub fn after(conn: &mut DbConnection, since: i64, limit: i64) -> QueryResult<Vec<EventRow>> {
    events::table
        .filter(events::id.gt(since))
        .order(events::id.asc())
        .limit(limit)
        .select(EventRow::as_select())
        .load(conn)
}

/// Up to `limit` changes of the change feed after `since` and up to `until`: events of
/// `resources` (whose action is not `none`), in `locale` or in none when a locale is given.
pub fn changes(
    conn: &mut DbConnection,
    since: i64,
    until: i64,
    locale: Option<&str>,
    resources: &[&str],
    limit: i64,
) -> QueryResult<Vec<EventRow>> {
    let mut query = events::table
        .filter(events::id.gt(since))
        .filter(events::id.le(until))
        .filter(events::resource.eq_any(resources))
        .filter(events::action.ne("none"))
        .into_boxed();
    if let Some(locale) = locale {
        query = query.filter(events::locale.eq(locale).or(events::locale.is_null()));
    }
    query
        .order(events::id.asc())
        .limit(limit)
        .select(EventRow::as_select())
        .load(conn)
}

/// The newest event's id (0 without any).
pub fn head(conn: &mut DbConnection) -> QueryResult<i64> {
    events::table
        .select(diesel::dsl::max(events::id))
        .first::<Option<i64>>(conn)
        .map(Option::unwrap_or_default)
}

/// Records event `{resource}.{what}` of resource `id`, which carries its id alone: a change
/// of a category, tag, author or picture (`created`, `updated`, `deleted`).
pub fn announce(
    conn: &mut DbConnection,
    resource: Resource,
    what: &str,
    id: i64,
) -> QueryResult<()> {
    let action = if what == "deleted" {
        Action::Delete
    } else {
        Action::Upsert
    };
    record(
        conn,
        &[NewEvent::of(
            resource.event(what),
            resource,
            id,
            action,
            serde_json::json!({}),
        )],
    )
}
