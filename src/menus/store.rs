//! Menu queries, and the targets menus resolve.

use std::collections::HashSet;

use diesel::prelude::*;

use crate::db::schema::{article_views, articles, authors, categories, menus, pages, tags};
use crate::db::{self, DbConnection};
use crate::menus::model::{MenuRow, TargetKind};

/// Every menu, by name.
pub fn list(conn: &mut DbConnection) -> QueryResult<Vec<MenuRow>> {
    menus::table
        .select(MenuRow::as_select())
        .order(menus::name.asc())
        .load(conn)
}

/// The menu called `name`.
pub fn find(conn: &mut DbConnection, name: &str) -> QueryResult<Option<MenuRow>> {
    menus::table
        .filter(menus::name.eq(name))
        .select(MenuRow::as_select())
        .first(conn)
        .optional()
}

/// Stores a new menu.
pub fn insert(conn: &mut DbConnection, name: &str, items: &str) -> QueryResult<()> {
    let now = db::now();
    diesel::insert_into(menus::table)
        .values((
            menus::name.eq(name),
            menus::items.eq(items),
            menus::created_at.eq(now),
            menus::updated_at.eq(now),
        ))
        .execute(conn)
        .map(|_| ())
}

/// Replaces a menu's items when it is still at `version`; `false` when stale.
pub fn replace(conn: &mut DbConnection, id: i64, version: i64, items: &str) -> QueryResult<bool> {
    let updated = diesel::update(
        menus::table
            .filter(menus::id.eq(id))
            .filter(menus::version.eq(version)),
    )
    .set((
        menus::items.eq(items),
        menus::version.eq(menus::version + 1),
        menus::updated_at.eq(db::now()),
    ))
    .execute(conn)?;
    Ok(updated == 1)
}

/// Removes a menu.
pub fn delete(conn: &mut DbConnection, id: i64) -> QueryResult<()> {
    diesel::delete(menus::table.find(id))
        .execute(conn)
        .map(|_| ())
}

/// Which of `ids` name no row of `kind`.
pub fn missing(conn: &mut DbConnection, kind: TargetKind, ids: &[i64]) -> QueryResult<Vec<i64>> {
    let found: HashSet<i64> = match kind {
        TargetKind::Category => categories::table
            .filter(categories::id.eq_any(ids))
            .select(categories::id)
            .load::<i64>(conn)?,
        TargetKind::Page => pages::table
            .filter(pages::id.eq_any(ids))
            .select(pages::id)
            .load::<i64>(conn)?,
        TargetKind::Article => articles::table
            .filter(articles::id.eq_any(ids))
            .select(articles::id)
            .load::<i64>(conn)?,
        TargetKind::Tag => tags::table
            .filter(tags::id.eq_any(ids))
            .select(tags::id)
            .load::<i64>(conn)?,
        TargetKind::Author => authors::table
            .filter(authors::id.eq_any(ids))
            .select(authors::id)
            .load::<i64>(conn)?,
        TargetKind::External => ids.to_vec(),
    }
    .into_iter()
    .collect();
    Ok(ids
        .iter()
        .copied()
        .filter(|id| !found.contains(id))
        .collect())
}

/// The slugs of these authors: (id, slug).
pub fn author_slugs(conn: &mut DbConnection, ids: &[i64]) -> QueryResult<Vec<(i64, String)>> {
    authors::table
        .filter(authors::id.eq_any(ids))
        .select((authors::id, authors::slug))
        .load(conn)
}

/// The views of these articles a read in `locale` serves (published now; only those written
/// in `locale` when `only`): (id, card).
pub fn article_cards(
    conn: &mut DbConnection,
    ids: &[i64],
    locale: &str,
    only: bool,
) -> QueryResult<Vec<(i64, String)>> {
    let mut query = article_views::table
        .filter(article_views::article_id.eq_any(ids))
        .filter(article_views::locale.eq(locale))
        .filter(article_views::published_at.le(db::now()))
        .into_boxed::<db::MultiBackend>();
    if only {
        query = query.filter(article_views::served_locale.eq(locale));
    }
    query
        .select((article_views::article_id, article_views::card))
        .load(conn)
}
