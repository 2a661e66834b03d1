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

/// Ids of the articles visible in `locale` (in any locale when `None`), as a subquery.
pub fn visible_article_ids(locale: Option<&str>) -> VisibleIds<'_> {
    articles::table
        .filter(articles::status.eq(PUBLISHED))
        .filter(articles::published_at.le(db::now()))
        .filter(articles::id.eq_any(published_in(locale)))
        .select(articles::id)
}

/// The subquery of [`visible_article_ids`].
pub type VisibleIds<'a> = diesel::dsl::Select<
    diesel::dsl::Filter<
        diesel::dsl::Filter<
            diesel::dsl::Filter<articles::table, diesel::dsl::Eq<articles::status, &'static str>>,
            diesel::dsl::LtEq<articles::published_at, chrono::NaiveDateTime>,
        >,
        diesel::dsl::EqAny<articles::id, PublishedIn<'a>>,
    >,
    articles::id,
>;

/// The subquery of articles with a published translation in `locale` (any when `None`).
type PublishedIn<'a> = diesel::dsl::Select<
    diesel::dsl::Filter<
        diesel::dsl::Filter<
            article_translations::table,
            diesel::dsl::Eq<article_translations::status, &'static str>,
        >,
        diesel::dsl::Like<article_translations::locale, &'a str>,
    >,
    article_translations::article_id,
>;

fn published_in(locale: Option<&str>) -> PublishedIn<'_> {
    // `%` matches every locale; codes hold no LIKE wildcards.
    article_translations::table
        .filter(article_translations::status.eq(PUBLISHED))
        .filter(article_translations::locale.like(locale.unwrap_or("%")))
        .select(article_translations::article_id)
}

/// Visible articles per category: with `locale`, only those published in it; without, those
/// published in any locale (what a fallback-enabled read can show).
pub fn counts_by_category(
    conn: &mut DbConnection,
    locale: Option<&str>,
) -> QueryResult<HashMap<i64, i64>> {
    let rows: Vec<(i64, i64)> = articles::table
        .filter(articles::status.eq(PUBLISHED))
        .filter(articles::published_at.le(db::now()))
        .filter(articles::id.eq_any(published_in(locale)))
        .group_by(articles::category_id)
        .select((articles::category_id, count_star()))
        .load(conn)?;
    Ok(rows.into_iter().collect())
}
