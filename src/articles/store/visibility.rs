//! What the public may see: an article is visible when it is `published`, its `published_at`
//! has come, and a translation of it is shown (`published`, and not held back by a
//! `publish_at` still to come); in which locales, the read model says
//! (`article_views`). Drafts, reviews, archived and scheduled articles and unpublished
//! translations don't exist for the delivery API.

use diesel::prelude::*;

use crate::db::schema::{article_translation_times, article_translations, articles};
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

/// Translations held back until their `publish_at`.
pub type Held = diesel::dsl::Select<
    diesel::dsl::Filter<
        article_translation_times::table,
        diesel::dsl::IsNotNull<article_translation_times::publish_at>,
    >,
    article_translation_times::translation_id,
>;

/// Translations the public may see (of a visible article).
pub type Shown = diesel::dsl::Filter<
    diesel::dsl::Filter<
        article_translations::table,
        diesel::dsl::Eq<article_translations::status, &'static str>,
    >,
    diesel::dsl::not<diesel::dsl::EqAny<article_translations::id, Held>>,
>;

/// The translations held back: their `publish_at` is still to come (the scheduler removes it
/// when it comes).
pub fn held() -> Held {
    article_translation_times::table
        .filter(article_translation_times::publish_at.is_not_null())
        .select(article_translation_times::translation_id)
}

/// The translations shown: `published`, and not held back.
pub fn shown_translations() -> Shown {
    article_translations::table
        .filter(article_translations::status.eq(PUBLISHED))
        .filter(diesel::dsl::not(article_translations::id.eq_any(held())))
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
