//! Queries of moderation: the queue, decisions, and commenting bans.

use std::net::IpAddr;

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::auth::actor::Actor;
use crate::comments::model::*;
use crate::comments::store::{comment_event, refresh_visibility};
use crate::config::IpNetwork;
use crate::db::schema::{comment_bans, comment_reports, comments};
use crate::db::{self, DbConnection, MultiBackend, Paged};
use crate::events::model::{COMMENT_APPROVED, NewEvent};
use crate::events::store as events;

/// Moderation queue filters.
#[derive(Debug, Default)]
pub struct QueueFilter {
    /// Only this status.
    pub status: Option<CommentStatus>,
    /// Only this article.
    pub article: Option<i64>,
    /// Only comments with (or without) reports since the last decision.
    pub reported: Option<bool>,
}

/// A page of the moderation queue, newest first, and how many match.
pub fn queue(
    conn: &mut DbConnection,
    filter: &QueueFilter,
    offset: i64,
    limit: i64,
) -> QueryResult<Paged<CommentRow>> {
    let filtered = || {
        let mut query = comments::table.into_boxed::<MultiBackend>();
        if let Some(status) = filter.status {
            query = query.filter(comments::status.eq(status.as_str()));
        }
        if let Some(article) = filter.article {
            query = query.filter(comments::article_id.eq(article));
        }
        match filter.reported {
            Some(true) => query = query.filter(comments::report_count.gt(0)),
            Some(false) => query = query.filter(comments::report_count.eq(0)),
            None => {}
        }
        query
    };
    let rows = filtered()
        .select(CommentRow::as_select())
        .order((comments::created_at.desc(), comments::id.desc()))
        .offset(offset)
        .limit(limit)
        .load(conn)?;
    let total = filtered().count().get_result(conn)?;
    Ok(Paged { rows, total })
}

/// The comments among `ids` that exist.
pub fn existing(conn: &mut DbConnection, ids: &[i64]) -> QueryResult<Vec<CommentRow>> {
    comments::table
        .filter(comments::id.eq_any(ids))
        .select(CommentRow::as_select())
        .load(conn)
}

/// Sets the status of `ids` (only those at `version`, when given), clearing their reports, and
/// brings their threads' visibility up to date; returns how many changed.
pub fn decide(
    conn: &mut DbConnection,
    ids: &[i64],
    version: Option<i64>,
    status: CommentStatus,
) -> QueryResult<usize> {
    let change = (
        comments::status.eq(status.as_str()),
        comments::report_count.eq(0),
        comments::version.eq(comments::version + 1),
    );
    let targets = comments::table.filter(comments::id.eq_any(ids));
    let approving: Vec<CommentRow> = if status == CommentStatus::Approved {
        let mut unapproved = comments::table
            .filter(comments::id.eq_any(ids))
            .filter(comments::status.ne(status.as_str()))
            .into_boxed();
        if let Some(version) = version {
            unapproved = unapproved.filter(comments::version.eq(version));
        }
        unapproved.select(CommentRow::as_select()).load(conn)?
    } else {
        Vec::new()
    };
    let changed = match version {
        Some(version) => diesel::update(targets.filter(comments::version.eq(version)))
            .set(change)
            .execute(conn)?,
        None => diesel::update(targets).set(change).execute(conn)?,
    };
    if changed > 0 {
        // The reports are decided: they no longer count, and their authors can't report again.
        diesel::update(comment_reports::table.filter(comment_reports::comment_id.eq_any(ids)))
            .set(comment_reports::handled.eq(true))
            .execute(conn)?;
        refresh_visibility(conn, ids)?;
        let approved: Vec<NewEvent> = approving
            .iter()
            .map(|row| comment_event(COMMENT_APPROVED, row))
            .collect();
        events::record(conn, &approved)?;
    }
    Ok(changed)
}

/// Whether a ban in force names `actor`, or a network holding its client address `ip`: such
/// a caller may not comment, report or react.
pub fn is_banned(conn: &mut DbConnection, actor: Actor, ip: IpAddr) -> QueryResult<bool> {
    let now = db::now();
    let in_force = comment_bans::expires_at
        .is_null()
        .or(comment_bans::expires_at.gt(now));
    let query = comment_bans::table
        .filter(in_force)
        .select(comment_bans::id);
    let found = match actor {
        Actor::User(id) => query
            .filter(comment_bans::user_id.eq(id))
            .first::<i64>(conn),
        Actor::Visitor(id) => query
            .filter(comment_bans::visitor_id.eq(id))
            .first::<i64>(conn),
    }
    .optional()?;
    if found.is_some() {
        return Ok(true);
    }
    // Network bans are few: those in force are checked here rather than in SQL, the same way
    // on both backends.
    let networks: Vec<String> = comment_bans::table
        .filter(
            comment_bans::expires_at
                .is_null()
                .or(comment_bans::expires_at.gt(now)),
        )
        .filter(comment_bans::network.is_not_null())
        .select(comment_bans::network.assume_not_null())
        .load(conn)?;
    Ok(networks
        .iter()
        .filter_map(|network| IpNetwork::parse(network))
        .any(|network| network.contains(ip)))
}

/// A page of bans, newest first, and how many there are.
pub fn bans(conn: &mut DbConnection, offset: i64, limit: i64) -> QueryResult<Paged<BanRow>> {
    let rows = comment_bans::table
        .select(BanRow::as_select())
        .order((comment_bans::created_at.desc(), comment_bans::id.desc()))
        .offset(offset)
        .limit(limit)
        .load(conn)?;
    let total = comment_bans::table.count().get_result(conn)?;
    Ok(Paged { rows, total })
}

/// Whether a ban in force names exactly this network (CIDR).
pub fn network_banned(conn: &mut DbConnection, network: &str) -> QueryResult<bool> {
    let now = db::now();
    diesel::select(diesel::dsl::exists(
        comment_bans::table
            .filter(comment_bans::network.eq(network))
            .filter(
                comment_bans::expires_at
                    .is_null()
                    .or(comment_bans::expires_at.gt(now)),
            ),
    ))
    .get_result(conn)
}

/// The ban on `actor`, in force or not.
pub fn ban_of(conn: &mut DbConnection, actor: Actor) -> QueryResult<Option<BanRow>> {
    let query = comment_bans::table.select(BanRow::as_select());
    match actor {
        Actor::User(id) => query.filter(comment_bans::user_id.eq(id)).first(conn),
        Actor::Visitor(id) => query.filter(comment_bans::visitor_id.eq(id)).first(conn),
    }
    .optional()
}

/// Bans `target` (for good, or until `expires_at`); returns the ban.
pub fn ban(
    conn: &mut DbConnection,
    target: &BanTarget,
    reason: Option<&str>,
    expires_at: Option<NaiveDateTime>,
    by: Option<i64>,
) -> QueryResult<BanRow> {
    let ((user_id, visitor_id), network) = match target {
        BanTarget::Actor(actor) => (actor.columns(), None),
        BanTarget::Network(network) => ((None, None), Some(network.as_str())),
    };
    let id: i64 = diesel::insert_into(comment_bans::table)
        .values((
            comment_bans::user_id.eq(user_id),
            comment_bans::visitor_id.eq(visitor_id),
            comment_bans::network.eq(network),
            comment_bans::reason.eq(reason),
            comment_bans::created_by.eq(by),
            comment_bans::created_at.eq(db::now()),
            comment_bans::expires_at.eq(expires_at),
        ))
        .returning(comment_bans::id)
        .get_result(conn)?;
    comment_bans::table
        .find(id)
        .select(BanRow::as_select())
        .first(conn)
}

/// Lifts a ban; false when there was none.
pub fn unban(conn: &mut DbConnection, id: i64) -> QueryResult<bool> {
    Ok(diesel::delete(comment_bans::table.find(id)).execute(conn)? == 1)
}
