//! What the public may see: an article is visible in locale L when it is `published`, its
//! `published_at` has come, and its L translation is `published`. Drafts, reviews, archived and
//! scheduled articles and unpublished translations don't exist for the delivery API.

use std::collections::HashMap;

use diesel::dsl::{count_star, sql};
use diesel::expression::SqlLiteral;
use diesel::prelude::*;
use diesel::sql_types::Bool;

use crate::db::schema::articles;
use crate::db::{self, DbConnection};

/// `articles.status` of a published article.
pub const PUBLISHED: &str = "published";

/// Articles the public may see in `locale` (in any locale when `None`).
pub type Visible = diesel::dsl::Filter<
    diesel::dsl::Filter<
        diesel::dsl::Filter<
            diesel::dsl::Filter<articles::table, diesel::dsl::Eq<articles::status, &'static str>>,
            diesel::dsl::Eq<articles::has_published_translation, bool>,
        >,
        diesel::dsl::LtEq<articles::published_at, chrono::NaiveDateTime>,
    >,
    SqlLiteral<Bool>,
>;

/// The visible articles: published, their time come, with a published translation in
/// `locale` (any when `None`).
pub fn visible(locale: Option<&str>) -> Visible {
    articles::table
        .filter(articles::status.eq(PUBLISHED))
        .filter(articles::has_published_translation.eq(true))
        .filter(articles::published_at.le(db::now()))
        .filter(published_translation_exists(locale))
}

/// Ids of the visible articles, as a subquery.
pub fn visible_article_ids(locale: Option<&str>) -> diesel::dsl::Select<Visible, articles::id> {
    visible(locale).select(articles::id)
}

/// With a `locale`, `EXISTS` a published translation of the outer `articles` row in it: a
/// correlated probe of the `(article_id, status, locale)` index, which stops at the first
/// match. Without, nothing more to check: `has_published_translation` said it.
fn published_translation_exists(locale: Option<&str>) -> SqlLiteral<Bool> {
    const PROBE: &str = "EXISTS (SELECT 1 FROM article_translations t \
        WHERE t.article_id = articles.id AND t.status = 'published'";
    match locale {
        None => sql("1 = 1"),
        // Locale codes are checked to be letters, digits and hyphens before they get here;
        // anything else matches nothing rather than reaching the SQL text.
        Some(code)
            if !code.is_empty() && code.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-') =>
        {
            sql(&format!("{PROBE} AND t.locale = '{code}')"))
        }
        Some(_) => sql("1 = 0"),
    }
}

/// Visible articles per category: with `locale`, only those published in it; without, those
/// published in any locale (what a fallback-enabled read can show).
pub fn counts_by_category(
    conn: &mut DbConnection,
    locale: Option<&str>,
) -> QueryResult<HashMap<i64, i64>> {
    let rows: Vec<(i64, i64)> = visible(locale)
        .group_by(articles::category_id)
        .select((articles::category_id, count_star()))
        .load(conn)?;
    Ok(rows.into_iter().collect())
}

/// Published articles whose publication time came after `after` and by `until`: scheduled
/// articles that have just become visible.
pub fn coming_due(
    conn: &mut DbConnection,
    after: chrono::NaiveDateTime,
    until: chrono::NaiveDateTime,
) -> QueryResult<Vec<i64>> {
    articles::table
        .filter(articles::status.eq(PUBLISHED))
        .filter(articles::published_at.gt(after))
        .filter(articles::published_at.le(until))
        .select(articles::id)
        .load(conn)
}
