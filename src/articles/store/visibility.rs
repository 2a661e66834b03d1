//! What the public may see: an article is visible when it is `published`, its `published_at`
//! has come, and a translation of it is `published`; in which locales, the read model says
//! (`article_views`). Drafts, reviews, archived and scheduled articles and unpublished
//! translations don't exist for the delivery API.

use diesel::prelude::*;

use crate::db::schema::articles;
use crate::db::{self, DbConnection};

/// `articles.status` of a published article.
pub const PUBLISHED: &str = "published";

/// Articles the public may see in some locale.
pub type Visible = diesel::dsl::Filter<
    diesel::dsl::Filter<
        diesel::dsl::Filter<articles::table, diesel::dsl::Eq<articles::status, &'static str>>,
        diesel::dsl::Eq<articles::has_published_translation, bool>,
    >,
    diesel::dsl::LtEq<articles::published_at, chrono::NaiveDateTime>,
>;

/// The visible articles: published, their time come, with a published translation.
pub fn visible() -> Visible {
    articles::table
        .filter(articles::status.eq(PUBLISHED))
        .filter(articles::has_published_translation.eq(true))
        .filter(articles::published_at.le(db::now()))
}

/// Published articles whose publication time came after `after` and by `until`, and after
/// their last save: scheduled articles that have just become visible (one published as it was
/// saved was purged by its save).
pub fn coming_due(
    conn: &mut DbConnection,
    after: chrono::NaiveDateTime,
    until: chrono::NaiveDateTime,
) -> QueryResult<Vec<i64>> {
    articles::table
        .filter(articles::status.eq(PUBLISHED))
        .filter(articles::published_at.gt(after))
        .filter(articles::published_at.le(until))
        .filter(articles::published_at.gt(articles::updated_at.nullable()))
        .select(articles::id)
        .load(conn)
}
