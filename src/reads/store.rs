//! Read counts per article and hour: batches added, old hours pruned.

use std::collections::HashSet;

use chrono::NaiveDateTime;
use diesel::prelude::*;
use diesel::upsert::excluded;

use crate::db::DbConnection;
use crate::db::schema::{article_reads, articles};
use crate::reads::model::Counts;

/// Rows per statement (and ids per existence check, well under SQLite's bound variables).
const BATCH: usize = 500;

/// Adds `counts` to the stored ones; reads of articles deleted meanwhile are dropped.
pub fn add(conn: &mut DbConnection, counts: &Counts) -> QueryResult<()> {
    let mut ids: Vec<i64> = counts.keys().map(|(article, _)| *article).collect();
    ids.sort_unstable();
    ids.dedup();
    let mut existing = HashSet::new();
    for chunk in ids.chunks(BATCH) {
        existing.extend(
            articles::table
                .filter(articles::id.eq_any(chunk))
                .select(articles::id)
                .load::<i64>(conn)?,
        );
    }
    // In key order, so two instances writing the same rows lock them in the same order.
    let mut sorted: Vec<_> = counts
        .iter()
        .filter(|((article, _), _)| existing.contains(article))
        .collect();
    sorted.sort_unstable_by_key(|(key, _)| **key);
    let rows: Vec<_> = sorted
        .into_iter()
        .map(|((article, hour), count)| {
            (
                article_reads::article_id.eq(*article),
                article_reads::hour.eq(*hour),
                article_reads::count.eq(*count),
            )
        })
        .collect();
    for batch in rows.chunks(BATCH) {
        let upsert = diesel::insert_into(article_reads::table)
            .values(batch)
            .on_conflict((article_reads::article_id, article_reads::hour))
            .do_update()
            .set(article_reads::count.eq(article_reads::count + excluded(article_reads::count)));
        // The statement is the same on both; its execution is typed per backend.
        match conn {
            DbConnection::Pg(pg) => upsert.execute(pg)?,
            DbConnection::Sqlite(sqlite) => upsert.execute(sqlite)?,
        };
    }
    Ok(())
}

/// Forgets the hours before `before`.
pub fn prune(conn: &mut DbConnection, before: NaiveDateTime) -> QueryResult<usize> {
    diesel::delete(article_reads::table.filter(article_reads::hour.lt(before))).execute(conn)
}
