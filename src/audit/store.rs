//! Audit log queries.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::audit::model::{AuditRow, NewEntry};
use crate::db::schema::audit_log;
use crate::db::{self, DbConnection, Paged};

/// Records `entry`; its id.
pub fn insert(conn: &mut DbConnection, entry: &NewEntry) -> QueryResult<i64> {
    diesel::insert_into(audit_log::table)
        .values((
            audit_log::at.eq(db::now()),
            audit_log::actor.eq(&entry.actor),
            audit_log::user_id.eq(entry.user_id),
            audit_log::api_key_id.eq(entry.api_key_id),
            audit_log::action.eq(&entry.action),
            audit_log::resource.eq(&entry.resource),
            audit_log::resource_id.eq(entry.resource_id.as_deref()),
            audit_log::request_id.eq(&entry.request_id),
            audit_log::fields.eq(entry.fields.join(",")),
        ))
        .returning(audit_log::id)
        .get_result(conn)
}

/// Names the resource a creation made in entry `id`.
pub fn set_resource_id(conn: &mut DbConnection, id: i64, resource_id: &str) -> QueryResult<()> {
    diesel::update(audit_log::table.find(id))
        .set(audit_log::resource_id.eq(Some(resource_id)))
        .execute(conn)
        .map(drop)
}

/// What the log is filtered by.
#[derive(Debug, Default, Clone)]
pub struct Filter {
    pub actor: Option<String>,
    pub resource: Option<String>,
    pub resource_id: Option<String>,
    pub since: Option<NaiveDateTime>,
    pub until: Option<NaiveDateTime>,
}

/// A page of the entries `filter` lets through, newest first.
pub fn page(
    conn: &mut DbConnection,
    filter: &Filter,
    offset: i64,
    limit: i64,
) -> QueryResult<Paged<AuditRow>> {
    let filtered = || {
        let mut query = audit_log::table.into_boxed();
        if let Some(actor) = &filter.actor {
            query = query.filter(audit_log::actor.eq(actor.clone()));
        }
        if let Some(resource) = &filter.resource {
            query = query.filter(audit_log::resource.eq(resource.clone()));
        }
        if let Some(id) = &filter.resource_id {
            query = query.filter(audit_log::resource_id.eq(id.clone()));
        }
        if let Some(since) = filter.since {
            query = query.filter(audit_log::at.ge(since));
        }
        if let Some(until) = filter.until {
            query = query.filter(audit_log::at.lt(until));
        }
        query
    };
    let total = filtered().count().get_result(conn)?;
    let rows = filtered()
        .order(audit_log::id.desc())
        .offset(offset)
        .limit(limit)
        .select(AuditRow::as_select())
        .load(conn)?;
    Ok(Paged { rows, total })
}

/// Deletes the entries older than `before`; how many.
pub fn prune(conn: &mut DbConnection, before: NaiveDateTime) -> QueryResult<usize> {
    diesel::delete(audit_log::table.filter(audit_log::at.lt(before))).execute(conn)
}
