//! Webhook queries: endpoints, the fan-out of events into deliveries, claiming deliveries and
//! recording their attempts.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Timestamp};

use crate::db::schema::{event_fanout, webhook_attempts, webhook_deliveries, webhooks};
use crate::db::{self, DbConnection, Paged, per_backend};
use crate::events::store as events;
use crate::webhooks::model::{
    AttemptRow, DELIVERED, DeliveryRow, FAILED, Outcome, PENDING, WebhookRow,
};

/// An endpoint to store.
pub struct NewWebhook<'a> {
    pub url: &'a str,
    pub events: &'a [String],
    pub secret: &'a str,
    pub active: bool,
    pub description: &'a str,
    pub created_by: Option<i64>,
}

/// Stores an endpoint; it receives the events recorded from now on.
pub fn insert(conn: &mut DbConnection, new: &NewWebhook<'_>) -> QueryResult<WebhookRow> {
    let now = db::now();
    let from_event = events::head(conn)?;
    let id: i64 = diesel::insert_into(webhooks::table)
        .values((
            webhooks::url.eq(new.url),
            webhooks::events.eq(new.events.join(",")),
            webhooks::secret.eq(new.secret),
            webhooks::active.eq(new.active),
            webhooks::description.eq(new.description),
            webhooks::from_event.eq(from_event),
            webhooks::created_by.eq(new.created_by),
            webhooks::created_at.eq(now),
            webhooks::updated_at.eq(now),
        ))
        .returning(webhooks::id)
        .get_result(conn)?;
    find(conn, id)
}

pub fn find(conn: &mut DbConnection, id: i64) -> QueryResult<WebhookRow> {
    webhooks::table
        .find(id)
        .select(WebhookRow::as_select())
        .first(conn)
}

/// Every endpoint, oldest first.
pub fn list(conn: &mut DbConnection) -> QueryResult<Vec<WebhookRow>> {
    webhooks::table
        .order(webhooks::id.asc())
        .select(WebhookRow::as_select())
        .load(conn)
}

/// Changes to an endpoint.
#[derive(AsChangeset, Default)]
#[diesel(table_name = webhooks)]
pub struct WebhookChanges {
    pub url: Option<String>,
    pub events: Option<String>,
    pub description: Option<String>,
    pub active: Option<bool>,
    pub failing_since: Option<Option<NaiveDateTime>>,
    pub disabled_reason: Option<Option<String>>,
    pub updated_at: Option<NaiveDateTime>,
}

pub fn update(conn: &mut DbConnection, id: i64, changes: &WebhookChanges) -> QueryResult<()> {
    diesel::update(webhooks::table.find(id))
        .set(changes)
        .execute(conn)
        .map(drop)
}

/// Deletes an endpoint with its deliveries; whether it existed.
pub fn delete(conn: &mut DbConnection, id: i64) -> QueryResult<bool> {
    Ok(diesel::delete(webhooks::table.find(id)).execute(conn)? > 0)
}

/// Hands up to `limit` new events to the endpoints that want them, as deliveries, and moves
/// the fan-out's position past them, in the caller's write transaction: each event becomes
/// each delivery once. Another instance doing it now (PostgreSQL) makes this a no-op. How
/// many events were handed on.
pub fn fan_out(conn: &mut DbConnection, limit: i64) -> QueryResult<usize> {
    let claimed = event_fanout::table
        .find(1i16)
        .select(event_fanout::last_event);
    let last: Option<i64> = match conn {
        DbConnection::Pg(pg) => claimed.for_update().skip_locked().first(pg).optional()?,
        DbConnection::Sqlite(sqlite) => claimed.first(sqlite).optional()?,
    };
    let Some(last) = last else {
        return Ok(0);
    };
    let new = events::after(conn, last, limit)?;
    let Some(newest) = new.last().map(|event| event.id) else {
        return Ok(0);
    };
    let endpoints: Vec<WebhookRow> = webhooks::table
        .filter(webhooks::active.eq(true))
        .select(WebhookRow::as_select())
        .load(conn)?;
    let now = db::now();
    let mut rows = Vec::new();
    for event in &new {
        let payload = event.payload();
        for endpoint in endpoints
            .iter()
            .filter(|e| e.from_event < event.id && e.wants(&event.name))
        {
            rows.push((
                webhook_deliveries::webhook_id.eq(endpoint.id),
                webhook_deliveries::event_id.eq(Some(event.id)),
                webhook_deliveries::event_name.eq(event.name.clone()),
                webhook_deliveries::subject.eq(event.subject()),
                webhook_deliveries::payload.eq(payload.clone()),
                webhook_deliveries::status.eq(PENDING),
                webhook_deliveries::attempts.eq(0),
                webhook_deliveries::next_attempt_at.eq(now),
                webhook_deliveries::created_at.eq(now),
            ));
        }
    }
    for chunk in rows.chunks(500) {
        per_backend!(conn, |c| diesel::insert_into(webhook_deliveries::table)
            .values(chunk)
            .execute(c))?;
    }
    diesel::update(event_fanout::table.find(1i16))
        .set(event_fanout::last_event.eq(newest))
        .execute(conn)?;
    Ok(new.len())
}

/// Stores a `ping` to endpoint `id`, held for `lease` (the caller sends it at once); the
/// delivery.
pub fn insert_ping(
    conn: &mut DbConnection,
    id: i64,
    payload: &str,
    lease: std::time::Duration,
) -> QueryResult<DeliveryRow> {
    let now = db::now();
    let held = now + chrono::Duration::from_std(lease).unwrap_or_default();
    let delivery: i64 = diesel::insert_into(webhook_deliveries::table)
        .values((
            webhook_deliveries::webhook_id.eq(id),
            webhook_deliveries::event_name.eq(crate::events::model::PING),
            webhook_deliveries::subject.eq(format!("ping:{id}")),
            webhook_deliveries::payload.eq(payload),
            webhook_deliveries::status.eq(PENDING),
            webhook_deliveries::attempts.eq(0),
            webhook_deliveries::next_attempt_at.eq(now),
            webhook_deliveries::locked_until.eq(Some(held)),
            webhook_deliveries::created_at.eq(now),
        ))
        .returning(webhook_deliveries::id)
        .get_result(conn)?;
    find_delivery(conn, id, delivery)
}

/// The deliveries a worker may take at `$1`: pending, due, held by no instance, to an active
/// endpoint, and the first pending one of their resource to it.
const CLAIMABLE: &str = "FROM webhook_deliveries d JOIN webhooks w ON w.id = d.webhook_id \
     WHERE d.status = 'pending' AND d.next_attempt_at <= $1 \
     AND (d.locked_until IS NULL OR d.locked_until < $1) AND w.active \
     AND NOT EXISTS (SELECT 1 FROM webhook_deliveries e WHERE e.webhook_id = d.webhook_id \
     AND e.subject = d.subject AND e.status = 'pending' AND e.id < d.id)";

#[derive(QueryableByName)]
struct ClaimedId {
    #[diesel(sql_type = BigInt)]
    id: i64,
}

/// The deliveries due at `now` that no instance holds, up to `limit`, held until `until`,
/// with their endpoints, in the caller's write transaction. A delivery waits while an earlier
/// one of the same resource to the same endpoint is pending, so each endpoint hears of a
/// resource's changes in order.
pub fn claim(
    conn: &mut DbConnection,
    now: NaiveDateTime,
    until: NaiveDateTime,
    limit: i64,
) -> QueryResult<Vec<(DeliveryRow, WebhookRow)>> {
    let select = format!("SELECT d.id {CLAIMABLE} ORDER BY d.id LIMIT $2");
    let sql = match conn {
        DbConnection::Pg(_) => format!(
            "UPDATE webhook_deliveries SET locked_until = $3 WHERE id IN \
             ({select} FOR UPDATE OF d SKIP LOCKED) RETURNING id"
        ),
        DbConnection::Sqlite(_) => format!(
            "UPDATE webhook_deliveries SET locked_until = $3 WHERE id IN ({select}) RETURNING id"
        )
        .replace('$', "?"),
    };
    let ids: Vec<i64> = diesel::sql_query(sql)
        .bind::<Timestamp, _>(now)
        .bind::<BigInt, _>(limit)
        .bind::<Timestamp, _>(until)
        .load::<ClaimedId>(conn)?
        .into_iter()
        .map(|row| row.id)
        .collect();
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let rows: Vec<(DeliveryRow, WebhookRow)> = webhook_deliveries::table
        .inner_join(webhooks::table)
        .filter(webhook_deliveries::id.eq_any(&ids))
        .order(webhook_deliveries::id.asc())
        .select((DeliveryRow::as_select(), WebhookRow::as_select()))
        .load(conn)?;
    Ok(rows)
}

/// What becomes of a delivery after an attempt.
pub enum Next {
    /// Accepted.
    Delivered,
    /// Tried again at this time.
    RetryAt(NaiveDateTime),
    /// Given up.
    Failed,
}

/// Records attempt `outcome` of `delivery`, and what comes next, in the caller's transaction;
/// an endpoint failing since before `disable_before` is turned off, saying why. Whether it
/// was.
pub fn record_attempt(
    conn: &mut DbConnection,
    delivery: &DeliveryRow,
    outcome: &Outcome,
    next: Next,
    disable_before: NaiveDateTime,
) -> QueryResult<bool> {
    let now = db::now();
    let attempt = delivery.attempts + 1;
    diesel::insert_into(webhook_attempts::table)
        .values((
            webhook_attempts::delivery_id.eq(delivery.id),
            webhook_attempts::attempt.eq(attempt),
            webhook_attempts::at.eq(now),
            webhook_attempts::status_code.eq(outcome.status_code),
            webhook_attempts::duration_ms.eq(outcome.duration_ms),
            webhook_attempts::error.eq(outcome.error.as_deref()),
            webhook_attempts::response.eq(outcome.response.as_deref()),
        ))
        .execute(conn)?;
    let (status, next_at, finished) = match next {
        Next::Delivered => (DELIVERED, delivery.next_attempt_at, Some(now)),
        Next::RetryAt(at) => (PENDING, at, None),
        Next::Failed => (FAILED, delivery.next_attempt_at, Some(now)),
    };
    diesel::update(webhook_deliveries::table.find(delivery.id))
        .set((
            webhook_deliveries::status.eq(status),
            webhook_deliveries::attempts.eq(attempt),
            webhook_deliveries::next_attempt_at.eq(next_at),
            webhook_deliveries::locked_until.eq(None::<NaiveDateTime>),
            webhook_deliveries::finished_at.eq(finished),
        ))
        .execute(conn)?;
    let endpoint = webhooks::table.find(delivery.webhook_id);
    if outcome.succeeded() {
        diesel::update(endpoint.filter(webhooks::failing_since.is_not_null()))
            .set(webhooks::failing_since.eq(None::<NaiveDateTime>))
            .execute(conn)?;
        return Ok(false);
    }
    diesel::update(endpoint.filter(webhooks::failing_since.is_null()))
        .set(webhooks::failing_since.eq(Some(now)))
        .execute(conn)?;
    let disabled = diesel::update(
        endpoint
            .filter(webhooks::active.eq(true))
            .filter(webhooks::failing_since.le(disable_before)),
    )
    .set((
        webhooks::active.eq(false),
        webhooks::disabled_reason.eq(Some(format!(
            "Every delivery failed since {}; turned off at {}. Turn it on again once it answers.",
            disable_before.and_utc().format("%Y-%m-%dT%H:%M:%SZ"),
            now.and_utc().format("%Y-%m-%dT%H:%M:%SZ"),
        ))),
        webhooks::updated_at.eq(now),
    ))
    .execute(conn)?;
    Ok(disabled > 0)
}

/// A page of endpoint `id`'s deliveries, newest first, with `status` when given.
pub fn deliveries(
    conn: &mut DbConnection,
    id: i64,
    status: Option<&str>,
    offset: i64,
    limit: i64,
) -> QueryResult<Paged<DeliveryRow>> {
    let filtered = || {
        let mut query = webhook_deliveries::table
            .filter(webhook_deliveries::webhook_id.eq(id))
            .into_boxed();
        if let Some(status) = status {
            query = query.filter(webhook_deliveries::status.eq(status.to_owned()));
        }
        query
    };
    let total = filtered().count().get_result(conn)?;
    let rows = filtered()
        .order(webhook_deliveries::id.desc())
        .offset(offset)
        .limit(limit)
        .select(DeliveryRow::as_select())
        .load(conn)?;
    Ok(Paged { rows, total })
}

/// The attempts at these deliveries, in order.
pub fn attempts_of(conn: &mut DbConnection, ids: &[i64]) -> QueryResult<Vec<AttemptRow>> {
    webhook_attempts::table
        .filter(webhook_attempts::delivery_id.eq_any(ids))
        .order((
            webhook_attempts::delivery_id.asc(),
            webhook_attempts::attempt.asc(),
        ))
        .select(AttemptRow::as_select())
        .load(conn)
}

/// Delivery `delivery` of endpoint `id`.
pub fn find_delivery(conn: &mut DbConnection, id: i64, delivery: i64) -> QueryResult<DeliveryRow> {
    webhook_deliveries::table
        .filter(webhook_deliveries::id.eq(delivery))
        .filter(webhook_deliveries::webhook_id.eq(id))
        .select(DeliveryRow::as_select())
        .first(conn)
}

/// Delivery `delivery` of endpoint `id` with its attempts, in order.
pub fn delivery_with_attempts(
    conn: &mut DbConnection,
    id: i64,
    delivery: i64,
) -> QueryResult<(DeliveryRow, Vec<AttemptRow>)> {
    Ok((
        find_delivery(conn, id, delivery)?,
        attempts_of(conn, &[delivery])?,
    ))
}

/// Queues delivery `delivery` again, now; whether it was not pending already.
pub fn send_again(conn: &mut DbConnection, delivery: i64) -> QueryResult<bool> {
    let changed = diesel::update(
        webhook_deliveries::table
            .find(delivery)
            .filter(webhook_deliveries::status.ne(PENDING)),
    )
    .set((
        webhook_deliveries::status.eq(PENDING),
        webhook_deliveries::next_attempt_at.eq(db::now()),
        webhook_deliveries::locked_until.eq(None::<NaiveDateTime>),
        webhook_deliveries::finished_at.eq(None::<NaiveDateTime>),
    ))
    .execute(conn)?;
    Ok(changed > 0)
}

/// Whether there is work, read without taking a write lock: events not yet handed to the
/// endpoints, and deliveries a worker may take at `now`.
pub fn work_waiting(conn: &mut DbConnection, now: NaiveDateTime) -> QueryResult<(bool, bool)> {
    let handed: i64 = event_fanout::table
        .find(1i16)
        .select(event_fanout::last_event)
        .first(conn)?;
    let events = events::head(conn)? > handed;
    let sql = format!("SELECT d.id {CLAIMABLE} LIMIT 1");
    let sql = match conn {
        DbConnection::Pg(_) => sql,
        DbConnection::Sqlite(_) => sql.replace('$', "?"),
    };
    let due = !diesel::sql_query(sql)
        .bind::<Timestamp, _>(now)
        .load::<ClaimedId>(conn)?
        .is_empty();
    Ok((events, due))
}
