//! Queries of reaction kinds and reactions.

use std::collections::HashMap;

use diesel::dsl::count_star;
use diesel::prelude::*;
use diesel::result::DatabaseErrorKind;

use crate::articles::store::read_model;
use crate::auth::actor::Actor;
use crate::db::schema::{reaction_kind_labels, reaction_kinds, reactions};
use crate::db::{self, DbConnection, per_backend};
use crate::domain::DomainError;
use crate::reactions::model::*;

/// The kinds seeded into a new database: key, emoji and labels in Turkish, French and English.
const SEED: [(&str, &str, [&str; 3]); 6] = [
    ("love", "❤️", ["SEVDİM", "J'ADORE", "LOVE"]),
    ("applause", "👏", ["ALKIŞ", "BRAVO", "APPLAUSE"]),
    ("funny", "😂", ["KOMİK", "DRÔLE", "FUNNY"]),
    ("amazing", "😮", ["İNANILMAZ", "INCROYABLE", "AMAZING"]),
    ("sad", "😢", ["ÜZGÜN", "TRISTE", "SAD"]),
    ("angry", "😠", ["KIZGIN", "EN COLÈRE", "ANGRY"]),
];

/// Seeds the six reactions of the news page when no kind exists, labelled in whichever of
/// tr, fr and en are site locales (in English under the default locale when none is).
/// Returns how many kinds it added.
pub fn seed_if_empty(conn: &mut DbConnection) -> QueryResult<usize> {
    let seeded = db::write_transaction(conn, |conn| {
        let existing: i64 = reaction_kinds::table.count().get_result(conn)?;
        if existing > 0 {
            return Ok(0);
        }
        let site = crate::locales::store::list(conn)?;
        let has = |code: &str| site.iter().any(|l| l.code == code);
        let default = site.iter().find(|l| l.is_default).map(|l| l.code.clone());
        for (position, (key, emoji, [tr, fr, en])) in SEED.iter().enumerate() {
            let id = insert(conn, key, emoji, position as i32 + 1)?;
            let mut labels: Vec<(&str, &str)> = [("tr", *tr), ("fr", *fr), ("en", *en)]
                .into_iter()
                .filter(|(code, _)| has(code))
                .collect();
            if labels.is_empty()
                && let Some(default) = &default
            {
                labels.push((default.as_str(), *en));
            }
            for (locale, label) in labels {
                set_label(conn, id, locale, label)?;
            }
        }
        Ok(SEED.len())
    });
    match seeded {
        Err(diesel::result::Error::DatabaseError(DatabaseErrorKind::UniqueViolation, _)) => Ok(0),
        other => other,
    }
}

/// Every kind (retired ones too when `with_retired`), in display order.
pub fn kinds(conn: &mut DbConnection, with_retired: bool) -> QueryResult<Vec<KindRow>> {
    let all = reaction_kinds::table.select(KindRow::as_select()).order((
        reaction_kinds::position.asc(),
        reaction_kinds::kind_key.asc(),
    ));
    if with_retired {
        all.load(conn)
    } else {
        all.filter(reaction_kinds::retired_at.is_null()).load(conn)
    }
}

/// One kind by key.
pub fn find(conn: &mut DbConnection, key: &str) -> QueryResult<KindRow> {
    reaction_kinds::table
        .filter(reaction_kinds::kind_key.eq(key))
        .select(KindRow::as_select())
        .first(conn)
}

/// The labels of `kinds`.
pub fn labels_of(conn: &mut DbConnection, kinds: &[i64]) -> QueryResult<Vec<LabelRow>> {
    reaction_kind_labels::table
        .filter(reaction_kind_labels::kind_id.eq_any(kinds))
        .select(LabelRow::as_select())
        .order(reaction_kind_labels::locale.asc())
        .load(conn)
}

/// Adds a kind; a taken key (retired kinds keep theirs) is a conflict. Returns its id.
pub fn create(
    conn: &mut DbConnection,
    key: &str,
    emoji: &str,
    position: i32,
) -> Result<i64, DomainError> {
    insert(conn, key, emoji, position).map_err(|error| {
        DomainError::conflict_on_unique(error, || {
            format!("A reaction kind `{key}` exists already (it may be retired).")
        })
    })
}

/// Adds a kind; returns its id.
fn insert(conn: &mut DbConnection, key: &str, emoji: &str, position: i32) -> QueryResult<i64> {
    let now = db::now();
    diesel::insert_into(reaction_kinds::table)
        .values(NewKind {
            kind_key: key,
            emoji,
            position,
            created_at: now,
            updated_at: now,
        })
        .returning(reaction_kinds::id)
        .get_result(conn)
}

/// Sets one label of a kind.
pub fn set_label(conn: &mut DbConnection, kind: i64, locale: &str, label: &str) -> QueryResult<()> {
    let updated = diesel::update(
        reaction_kind_labels::table
            .filter(reaction_kind_labels::kind_id.eq(kind))
            .filter(reaction_kind_labels::locale.eq(locale)),
    )
    .set(reaction_kind_labels::label.eq(label))
    .execute(conn)?;
    if updated == 0 {
        diesel::insert_into(reaction_kind_labels::table)
            .values((
                reaction_kind_labels::kind_id.eq(kind),
                reaction_kind_labels::locale.eq(locale),
                reaction_kind_labels::label.eq(label),
            ))
            .execute(conn)?;
    }
    Ok(())
}

/// Removes one label of a kind.
pub fn remove_label(conn: &mut DbConnection, kind: i64, locale: &str) -> QueryResult<()> {
    diesel::delete(
        reaction_kind_labels::table
            .filter(reaction_kind_labels::kind_id.eq(kind))
            .filter(reaction_kind_labels::locale.eq(locale)),
    )
    .execute(conn)?;
    Ok(())
}

/// The position after the last kind's.
pub fn next_position(conn: &mut DbConnection) -> QueryResult<i32> {
    let last: Option<i32> = reaction_kinds::table
        .select(diesel::dsl::max(reaction_kinds::position))
        .first(conn)?;
    Ok(last.map_or(1, |p| p.saturating_add(1)))
}

/// Bumps the kind's version, when it is still `expected` if given; false when it is not
/// (stale).
pub fn touch(conn: &mut DbConnection, id: i64, expected: Option<i64>) -> QueryResult<bool> {
    let target = reaction_kinds::table.filter(reaction_kinds::id.eq(id));
    let change = (
        reaction_kinds::version.eq(reaction_kinds::version + 1),
        reaction_kinds::updated_at.eq(db::now()),
    );
    let updated = match expected {
        Some(version) => diesel::update(target.filter(reaction_kinds::version.eq(version)))
            .set(change)
            .execute(conn)?,
        None => diesel::update(target).set(change).execute(conn)?,
    };
    Ok(updated == 1)
}

/// Changes a kind's emoji, position or retirement.
pub fn update(
    conn: &mut DbConnection,
    id: i64,
    emoji: Option<&str>,
    position: Option<i32>,
    retired: Option<bool>,
) -> QueryResult<()> {
    let target = reaction_kinds::table.filter(reaction_kinds::id.eq(id));
    if let Some(emoji) = emoji {
        diesel::update(target)
            .set(reaction_kinds::emoji.eq(emoji))
            .execute(conn)?;
    }
    if let Some(position) = position {
        diesel::update(target)
            .set(reaction_kinds::position.eq(position))
            .execute(conn)?;
    }
    match retired {
        Some(true) => {
            diesel::update(target.filter(reaction_kinds::retired_at.is_null()))
                .set(reaction_kinds::retired_at.eq(db::now()))
                .execute(conn)?;
        }
        Some(false) => {
            diesel::update(target)
                .set(reaction_kinds::retired_at.eq(None::<chrono::NaiveDateTime>))
                .execute(conn)?;
        }
        None => {}
    }
    Ok(())
}

/// Stored reactions per kind, retired kinds included.
pub fn totals_by_kind(conn: &mut DbConnection) -> QueryResult<HashMap<i64, i64>> {
    let rows: Vec<(i64, i64)> = reactions::table
        .group_by(reactions::kind_id)
        .select((reactions::kind_id, count_star()))
        .load(conn)?;
    Ok(rows.into_iter().collect())
}

/// The kind `actor` reacted to `article` with, if any.
pub fn mine(conn: &mut DbConnection, article: i64, actor: Actor) -> QueryResult<Option<i64>> {
    let query = reactions::table
        .filter(reactions::article_id.eq(article))
        .select(reactions::kind_id);
    match actor {
        Actor::User(id) => query.filter(reactions::user_id.eq(id)).first(conn),
        Actor::Visitor(id) => query.filter(reactions::visitor_id.eq(id)).first(conn),
    }
    .optional()
}

/// Sets `actor`'s reaction to `article`: one upsert on the unique (article, actor) constraint,
/// so concurrent requests of one actor leave exactly one reaction. A single statement needs no
/// explicit transaction: SQLite takes the write lock when the statement starts (waiting on the
/// busy timeout), so there is no read to upgrade.
pub fn set(conn: &mut DbConnection, article: i64, actor: Actor, kind: i64) -> QueryResult<()> {
    let now = db::now();
    let (user_id, visitor_id) = actor.columns();
    let row = NewReaction {
        article_id: article,
        user_id,
        visitor_id,
        kind_id: kind,
        created_at: now,
        updated_at: now,
    };
    let change = (reactions::kind_id.eq(kind), reactions::updated_at.eq(now));
    per_backend!(conn, |c| match actor {
        Actor::User(_) => diesel::insert_into(reactions::table)
            .values(&row)
            .on_conflict((reactions::article_id, reactions::user_id))
            .do_update()
            .set(change)
            .execute(c),
        Actor::Visitor(_) => diesel::insert_into(reactions::table)
            .values(&row)
            .on_conflict((reactions::article_id, reactions::visitor_id))
            .do_update()
            .set(change)
            .execute(c),
    })?;
    read_model::recount(conn, article)
}

/// Removes `actor`'s reaction to `article`, if any.
pub fn remove(conn: &mut DbConnection, article: i64, actor: Actor) -> QueryResult<()> {
    let target = reactions::table.filter(reactions::article_id.eq(article));
    match actor {
        Actor::User(id) => diesel::delete(target.filter(reactions::user_id.eq(id))).execute(conn),
        Actor::Visitor(id) => {
            diesel::delete(target.filter(reactions::visitor_id.eq(id))).execute(conn)
        }
    }?;
    read_model::recount(conn, article)
}

/// The reactions to `article` among the `active` kinds, `mine` being the caller's kind (if any).
pub fn reactions_of(
    conn: &mut DbConnection,
    article: i64,
    active: &[KindRow],
    mine: Option<i64>,
) -> QueryResult<Reactions> {
    let counted = read_model::counters_of(conn, &[article])?
        .remove(&article)
        .unwrap_or_default();
    let counts: ReactionCounts = active
        .iter()
        .map(|kind| {
            let count = counted.reactions.get(&kind.id).copied().unwrap_or(0);
            (kind.kind_key.clone(), count)
        })
        .collect();
    let mine = mine
        .and_then(|kind| active.iter().find(|k| k.id == kind))
        .map(|k| k.kind_key.clone());
    Ok(Reactions {
        total: counts.values().sum(),
        counts,
        mine,
    })
}
