//! What the public may see: an article is visible in locale L when it is `published`, its
//! `published_at` has come, and its L translation is `published`. Drafts, reviews, archived and
//! scheduled articles and unpublished translations don't exist for the delivery API.

use std::collections::HashMap;

use diesel::dsl::count_star;
use diesel::prelude::*;

use crate::db::schema::{article_translations, articles};
use crate::db::{self, DbConnection};

/// `articles.status` of a published article.
pub const PUBLISHED: &str = "published";

/// Visible articles per category: with `locale`, only those published in it; without, those
/// published in any locale (what a fallback-enabled read can show).
pub fn counts_by_category(
    conn: &mut DbConnection,
    locale: Option<&str>,
) -> QueryResult<HashMap<i64, i64>> {
    // `%` matches every locale; codes hold no LIKE wildcards.
    let translated = article_translations::table
        .filter(article_translations::status.eq(PUBLISHED))
        .filter(article_translations::locale.like(locale.unwrap_or("%")))
        .select(article_translations::article_id);
    let rows: Vec<(i64, i64)> = articles::table
        .filter(articles::status.eq(PUBLISHED))
        .filter(articles::published_at.le(db::now()))
        .filter(articles::id.eq_any(translated))
        .group_by(articles::category_id)
        .select((articles::category_id, count_star()))
        .load(conn)?;
    Ok(rows.into_iter().collect())
}
