//! Queries of the delivery API outside the read model: the visible article a key names (for
//! comments and reactions), and the bylines and tag names the read model is built from.

use diesel::prelude::*;

use crate::articles::model::{ArticleRow, Byline, TagName};
use crate::articles::store::visibility::visible;
use crate::articles::store::{self, read_model};
use crate::db::DbConnection;
use crate::db::schema::{
    article_authors, article_tags, articles, author_bios, authors, tag_translations,
};

/// The visible article an id or slug names; `NotFound` otherwise. A slug (current or old)
/// names the article only while its translation in the slug's locale is published, so a
/// draft's slug is as unknown as a missing one; a key with control characters, which no slug
/// has, names nothing.
pub fn visible_by_key(conn: &mut DbConnection, key: &str) -> QueryResult<ArticleRow> {
    if let Ok(id) = key.parse::<i64>() {
        return visible_by_id(conn, id);
    }
    if key.chars().any(char::is_control) {
        return Err(diesel::result::Error::NotFound);
    }
    for owner in store::by_slug(conn, key)? {
        if read_model::shown_in(conn, owner.article_id, &owner.locale)? {
            return visible_by_id(conn, owner.article_id);
        }
    }
    Err(diesel::result::Error::NotFound)
}

/// The visible article with this id; `NotFound` otherwise.
pub fn visible_by_id(conn: &mut DbConnection, id: i64) -> QueryResult<ArticleRow> {
    visible()
        .filter(articles::id.eq(id))
        .select(ArticleRow::as_select())
        .first(conn)
}

/// The bylines of these articles, by article and byline order, each once per bio its author
/// has (once when none).
pub fn bylines_of(conn: &mut DbConnection, ids: &[i64]) -> QueryResult<Vec<Byline>> {
    article_authors::table
        .inner_join(authors::table.left_join(author_bios::table))
        .filter(article_authors::article_id.eq_any(ids))
        .order((
            article_authors::article_id.asc(),
            article_authors::position.asc(),
        ))
        .select((
            article_authors::article_id,
            authors::id,
            authors::slug,
            authors::name,
            authors::avatar_url,
            authors::avatar_media_id,
            author_bios::locale.nullable(),
            author_bios::bio.nullable(),
        ))
        .load(conn)
}

/// The tags of these articles with their names in every locale, by article and tag.
pub fn tag_names_of(conn: &mut DbConnection, ids: &[i64]) -> QueryResult<Vec<TagName>> {
    article_tags::table
        .inner_join(tag_translations::table.on(tag_translations::tag_id.eq(article_tags::tag_id)))
        .filter(article_tags::article_id.eq_any(ids))
        .order((article_tags::article_id.asc(), article_tags::tag_id.asc()))
        .select((
            article_tags::article_id,
            article_tags::tag_id,
            tag_translations::locale,
            tag_translations::slug,
            tag_translations::name,
        ))
        .load(conn)
}
