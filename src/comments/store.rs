//! Queries of comments and reports, and the rules of posting that need the database.
//! The moderation queue, decisions and bans are in [`moderation`].

pub mod moderation;

use std::collections::HashMap;
use std::net::IpAddr;

use diesel::dsl::count_star;
use diesel::prelude::*;
use diesel::sql_types::Bool;

use crate::articles::store::read_model;
use crate::auth::actor::{Actor, Principal};
use crate::auth::roles::Role;
use crate::comments::model::*;
use crate::config::Moderation;
use crate::db::schema::{comment_reports, comments};
use crate::db::{self, DbConnection, MultiBackend, Paged, per_backend};
use crate::domain::{DomainError, FieldError};
use crate::events::model::{Action, COMMENT_CREATED, NewEvent, Resource};
use crate::events::store as events;

const APPROVED: &str = "approved";

/// One comment.
pub fn find(conn: &mut DbConnection, id: i64) -> QueryResult<CommentRow> {
    comments::table
        .find(id)
        .select(CommentRow::as_select())
        .first(conn)
}

/// Stores a comment; returns it.
pub fn insert(conn: &mut DbConnection, comment: &NewComment) -> QueryResult<CommentRow> {
    let id: i64 = diesel::insert_into(comments::table)
        .values(comment)
        .returning(comments::id)
        .get_result(conn)?;
    read_model::recount(conn, comment.article_id)?;
    let row = find(conn, id)?;
    events::record(conn, &[comment_event(COMMENT_CREATED, &row)])?;
    Ok(row)
}

/// Event `name` of a comment: its id, article, status, author's name and text.
pub fn comment_event(name: &str, row: &CommentRow) -> NewEvent {
    NewEvent::of(
        name,
        Resource::Comment,
        row.id,
        Action::None,
        serde_json::json!({
            "article_id": row.article_id,
            "parent_id": row.parent_id,
            "status": row.status,
            "author_name": row.author_name,
            "body": row.body,
        }),
    )
}

/// Comments a thread shows to `viewer`: the public ones and, to their author, their own
/// comments still waiting for a moderator.
type Shown = Box<dyn BoxableExpression<comments::table, MultiBackend, SqlType = Bool>>;

fn shown_to(viewer: Option<Actor>) -> Shown {
    let Some(actor) = viewer else {
        return Box::new(comments::visible.eq(true));
    };
    let own_pending = comments::status
        .eq(CommentStatus::Pending.as_str())
        .and(comments::deleted_at.is_null());
    match actor {
        Actor::User(id) => Box::new(
            comments::visible
                .eq(true)
                .or(own_pending.and(comments::user_id.assume_not_null().eq(id))),
        ),
        Actor::Visitor(id) => Box::new(
            comments::visible
                .eq(true)
                .or(own_pending.and(comments::visitor_id.assume_not_null().eq(id))),
        ),
    }
}

/// A page of an article's top-level comments shown to `viewer`, and how many there are.
pub fn threads(
    conn: &mut DbConnection,
    article: i64,
    viewer: Option<Actor>,
    order: CommentSort,
    offset: i64,
    limit: i64,
) -> QueryResult<Paged<CommentRow>> {
    let top_level = || {
        comments::table
            .filter(comments::article_id.eq(article))
            .filter(shown_to(viewer))
            .filter(comments::parent_id.is_null())
    };
    let page = top_level()
        .select(CommentRow::as_select())
        .offset(offset)
        .limit(limit);
    let rows = match order {
        CommentSort::Oldest => page
            .order((comments::created_at.asc(), comments::id.asc()))
            .load(conn)?,
        CommentSort::Newest => page
            .order((comments::created_at.desc(), comments::id.desc()))
            .load(conn)?,
    };
    let total = top_level().count().get_result(conn)?;
    Ok(Paged { rows, total })
}

/// The first `per_thread` replies shown to `viewer` of each thread of `roots` (every level,
/// oldest first), so a page costs the same however long its threads are. A reply comes after
/// its parent, so every reply's parent is among them.
pub fn first_replies(
    conn: &mut DbConnection,
    roots: &[i64],
    viewer: Option<Actor>,
    per_thread: i64,
) -> QueryResult<Vec<CommentRow>> {
    if roots.is_empty() {
        return Ok(Vec::new());
    }
    use diesel::sql_types::{Array, BigInt, Nullable, Text};
    let (user, visitor) = viewer.map_or((None, None), |actor| actor.columns());
    let pending = CommentStatus::Pending.as_str();
    // One text for every page and viewer, so each connection prepares it once: the roots are
    // one bound array (PostgreSQL) or one bound JSON list (SQLite), and an anonymous viewer
    // binds NULL ids, which match no one's pending comments.
    match conn {
        DbConnection::Pg(pg) => diesel::sql_query(
            "SELECT w.* FROM (SELECT c.*, ROW_NUMBER() OVER \
             (PARTITION BY c.root_id ORDER BY c.created_at, c.id) AS n FROM comments c \
             WHERE c.root_id = ANY($1) AND (c.visible OR (c.status = $2 \
             AND c.deleted_at IS NULL AND (c.user_id = $3 OR c.visitor_id = $4)))) w \
             WHERE w.n <= $5 ORDER BY w.created_at, w.id",
        )
        .bind::<Array<BigInt>, _>(roots)
        .bind::<Text, _>(pending)
        .bind::<Nullable<BigInt>, _>(user)
        .bind::<Nullable<BigInt>, _>(visitor)
        .bind::<BigInt, _>(per_thread)
        .load(pg),
        DbConnection::Sqlite(sqlite) => diesel::sql_query(
            "SELECT w.* FROM (SELECT c.*, ROW_NUMBER() OVER \
             (PARTITION BY c.root_id ORDER BY c.created_at, c.id) AS n FROM comments c \
             WHERE c.root_id IN (SELECT value FROM json_each(?)) AND (c.visible OR \
             (c.status = ? AND c.deleted_at IS NULL AND (c.user_id = ? OR c.visitor_id = ?)))) w \
             WHERE w.n <= ? ORDER BY w.created_at, w.id",
        )
        .bind::<Text, _>(serde_json::to_string(roots).unwrap_or_else(|_| "[]".to_owned()))
        .bind::<Text, _>(pending)
        .bind::<Nullable<BigInt>, _>(user)
        .bind::<Nullable<BigInt>, _>(visitor)
        .bind::<BigInt, _>(per_thread)
        .load(sqlite),
    }
}

/// Replies shown to `viewer` per thread of `roots`.
pub fn reply_counts(
    conn: &mut DbConnection,
    roots: &[i64],
    viewer: Option<Actor>,
) -> QueryResult<HashMap<i64, i64>> {
    let rows: Vec<(Option<i64>, i64)> = comments::table
        .filter(comments::root_id.eq_any(roots))
        .filter(shown_to(viewer))
        .group_by(comments::root_id)
        .select((comments::root_id, count_star()))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .filter_map(|(root, count)| root.map(|root| (root, count)))
        .collect())
}

/// A page of the replies shown to `viewer` in the thread of `root`, oldest first, and how many
/// there are.
pub fn thread_replies(
    conn: &mut DbConnection,
    root: i64,
    viewer: Option<Actor>,
    offset: i64,
    limit: i64,
) -> QueryResult<Paged<CommentRow>> {
    let replies = || {
        comments::table
            .filter(comments::root_id.eq(root))
            .filter(shown_to(viewer))
    };
    let rows = replies()
        .select(CommentRow::as_select())
        .order((comments::created_at.asc(), comments::id.asc()))
        .offset(offset)
        .limit(limit)
        .load(conn)?;
    let total = replies().count().get_result(conn)?;
    Ok(Paged { rows, total })
}

/// The comments `actor` wrote and didn't delete, whatever their status, newest first.
pub fn by_actor(
    conn: &mut DbConnection,
    actor: Actor,
    offset: i64,
    limit: i64,
) -> QueryResult<Paged<CommentRow>> {
    let mine = || {
        let query = comments::table
            .filter(comments::deleted_at.is_null())
            .into_boxed::<MultiBackend>();
        match actor {
            Actor::User(id) => query.filter(comments::user_id.eq(id)),
            Actor::Visitor(id) => query.filter(comments::visitor_id.eq(id)),
        }
    };
    let rows = mine()
        .select(CommentRow::as_select())
        .order((comments::created_at.desc(), comments::id.desc()))
        .offset(offset)
        .limit(limit)
        .load(conn)?;
    let total = mine().count().get_result(conn)?;
    Ok(Paged { rows, total })
}

/// Recomputes `visible` in the threads of the `changed` comments after their status changed:
/// a comment is visible when it is approved and its parent is visible. Three statements per
/// call, whatever the threads' size.
pub fn refresh_visibility(conn: &mut DbConnection, changed: &[i64]) -> QueryResult<()> {
    let named: Vec<(i64, Option<i64>, i64)> = comments::table
        .filter(comments::id.eq_any(changed))
        .select((comments::id, comments::root_id, comments::article_id))
        .load(conn)?;
    let mut articles: Vec<i64> = named.iter().map(|(_, _, article)| *article).collect();
    articles.sort_unstable();
    articles.dedup();
    let mut roots: Vec<i64> = named
        .iter()
        .map(|(id, root, _)| root.unwrap_or(*id))
        .collect();
    roots.sort_unstable();
    roots.dedup();
    let threads: Vec<(i64, Option<i64>, String, bool)> = comments::table
        .filter(
            comments::id
                .eq_any(&roots)
                .or(comments::root_id.eq_any(&roots)),
        )
        .select((
            comments::id,
            comments::parent_id,
            comments::status,
            comments::visible,
        ))
        .order((comments::depth.asc(), comments::id.asc()))
        .load(conn)?;
    let mut visible: HashMap<i64, bool> = HashMap::new();
    let (mut show, mut hide) = (Vec::new(), Vec::new());
    for (id, parent, status, was) in threads {
        let is = status == APPROVED
            && parent.is_none_or(|parent| visible.get(&parent).copied().unwrap_or(false));
        visible.insert(id, is);
        match (was, is) {
            (false, true) => show.push(id),
            (true, false) => hide.push(id),
            _ => {}
        }
    }
    for (ids, value) in [(show, true), (hide, false)] {
        if !ids.is_empty() {
            diesel::update(comments::table.filter(comments::id.eq_any(ids)))
                .set(comments::visible.eq(value))
                .execute(conn)?;
        }
    }
    for article in articles {
        read_model::recount(conn, article)?;
    }
    Ok(())
}

/// Soft-deletes a comment: the text goes, the place in the thread stays.
pub fn soft_delete(conn: &mut DbConnection, id: i64) -> QueryResult<()> {
    let article: i64 = diesel::update(comments::table.find(id))
        .set((
            comments::deleted_at.eq(db::now()),
            comments::body.eq(None::<String>),
            comments::version.eq(comments::version + 1),
        ))
        .returning(comments::article_id)
        .get_result(conn)?;
    read_model::recount(conn, article)
}

/// Records `actor`'s report from client `ip`; false when they had reported this comment
/// already (before a moderator's decision too).
pub fn add_report(
    conn: &mut DbConnection,
    comment: i64,
    actor: Actor,
    ip: IpAddr,
    reason: ReportReason,
    note: Option<&str>,
) -> QueryResult<bool> {
    let (user_id, visitor_id) = actor.columns();
    let row = (
        comment_reports::ip.eq(Some(ip.to_string())),
        comment_reports::comment_id.eq(comment),
        comment_reports::user_id.eq(user_id),
        comment_reports::visitor_id.eq(visitor_id),
        comment_reports::reason.eq(reason.as_str()),
        comment_reports::note.eq(note),
        comment_reports::created_at.eq(db::now()),
    );
    let inserted = per_backend!(conn, |c| match actor {
        Actor::User(_) => diesel::insert_into(comment_reports::table)
            .values(row)
            .on_conflict((comment_reports::comment_id, comment_reports::user_id))
            .do_nothing()
            .execute(c),
        Actor::Visitor(_) => diesel::insert_into(comment_reports::table)
            .values(row)
            .on_conflict((comment_reports::comment_id, comment_reports::visitor_id))
            .do_nothing()
            .execute(c),
    })?;
    Ok(inserted == 1)
}

/// Counts one more report on a comment (every report reaches the moderation queue). An
/// approved comment goes back to pending, its replies out of sight with it, once reports by
/// accounts from `threshold` distinct client IPs that no moderator has decided on say so:
/// visitors' reports, which anyone can make in numbers, and reports a moderator has already
/// answered don't count, and staff comments are never hidden this way. True when it was hidden.
pub fn count_report(conn: &mut DbConnection, id: i64, threshold: i32) -> QueryResult<bool> {
    diesel::update(comments::table.find(id))
        .set(comments::report_count.eq(comments::report_count + 1))
        .execute(conn)?;
    let addresses: Vec<Option<String>> = comment_reports::table
        .filter(comment_reports::comment_id.eq(id))
        .filter(comment_reports::user_id.is_not_null())
        .filter(comment_reports::handled.eq(false))
        .select(comment_reports::ip)
        .distinct()
        .load(conn)?;
    let counting = addresses.iter().flatten().count();
    if counting < usize::try_from(threshold).unwrap_or(usize::MAX) {
        return Ok(false);
    }
    let hidden = diesel::update(
        comments::table
            .find(id)
            .filter(comments::status.eq(APPROVED))
            .filter(comments::author_kind.ne(AuthorKind::Staff.as_str())),
    )
    .set((
        comments::status.eq(CommentStatus::Pending.as_str()),
        comments::version.eq(comments::version + 1),
    ))
    .execute(conn)?;
    if hidden == 1 {
        refresh_visibility(conn, &[id])?;
    }
    Ok(hidden == 1)
}

/// Where a comment goes in its thread.
pub struct Place {
    pub parent_id: Option<i64>,
    /// The thread's top-level comment; `None` for a top-level comment.
    pub root_id: Option<i64>,
    /// 1 for a top-level comment.
    pub depth: i32,
}

/// Who a comment is by, and the status it starts in.
pub struct Authorship {
    pub name: String,
    pub kind: AuthorKind,
    pub status: CommentStatus,
}

/// Where a reply goes. The parent must be a visible comment of the same article, not deleted,
/// and above the last level.
pub fn place_reply(
    conn: &mut DbConnection,
    article: i64,
    parent: i64,
    max_depth: i32,
) -> Result<Place, DomainError> {
    let row = find(conn, parent).optional()?;
    let Some(row) =
        row.filter(|row| row.article_id == article && row.visible && row.deleted_at.is_none())
    else {
        return Err(FieldError::new("parent_id", "is not a public comment of this article").into());
    };
    if row.depth >= max_depth {
        return Err(FieldError::new(
            "parent_id",
            format!("threads have at most {max_depth} levels; reply to a comment higher up"),
        )
        .into());
    }
    Ok(Place {
        parent_id: Some(row.id),
        root_id: Some(row.root_id.unwrap_or(row.id)),
        depth: row.depth + 1,
    })
}

/// The name, kind and first status of the principal's comment.
pub fn authorship(
    conn: &mut DbConnection,
    principal: &Principal,
    visitor_name: Option<String>,
    moderation: Moderation,
) -> QueryResult<Authorship> {
    let Actor::User(id) = principal.actor else {
        return Ok(Authorship {
            name: visitor_name.unwrap_or_default(),
            kind: AuthorKind::Visitor,
            status: CommentStatus::Pending,
        });
    };
    let name = crate::users::store::display_name(conn, id)?;
    let (kind, status) = match (principal.role, moderation) {
        (Role::Reader, Moderation::Post) => (AuthorKind::Reader, CommentStatus::Approved),
        (Role::Reader, Moderation::Pre) => (AuthorKind::Reader, CommentStatus::Pending),
        _ => (AuthorKind::Staff, CommentStatus::Approved),
    };
    Ok(Authorship { name, kind, status })
}
