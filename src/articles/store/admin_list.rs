//! The editors' article list: filters, newest change first, one page and its total.

use diesel::prelude::*;

use crate::articles::model::ArticleRow;
use crate::db::schema::{article_authors, article_translations, articles};
use crate::db::{DbConnection, MultiBackend, Paged};
use crate::search::model::Query;
use crate::search::store as search;

/// Filters of the admin list.
#[derive(Debug, Default)]
pub struct AdminFilter {
    /// Only this status.
    pub status: Option<String>,
    /// Only articles with a translation in this locale.
    pub locale: Option<String>,
    /// Only with this byline.
    pub author_id: Option<i64>,
    /// Only in this category.
    pub category_id: Option<i64>,
    /// Only with a translation (any status) matching the query of its locale, through the
    /// search index.
    pub query: Option<Vec<(String, Query)>>,
    /// Only those created by this account.
    pub created_by: Option<i64>,
}

/// One page of articles for editors, newest change first, and the total.
pub fn admin_page(
    conn: &mut DbConnection,
    filter: &AdminFilter,
    offset: i64,
    limit: i64,
) -> QueryResult<Paged<ArticleRow>> {
    let matching = filter
        .query
        .as_ref()
        .map(|queries| search::articles_matching(conn, queries));
    let filtered = || {
        let mut query = articles::table.into_boxed::<MultiBackend>();
        if let Some(locale) = &filter.locale {
            query = query.filter(
                articles::id.eq_any(
                    article_translations::table
                        .filter(article_translations::locale.eq(locale.clone()))
                        .select(article_translations::article_id),
                ),
            );
        }
        if let Some(matching) = &matching {
            query = query.filter(matching.clone());
        }
        if let Some(status) = &filter.status {
            query = query.filter(articles::status.eq(status.clone()));
        }
        if let Some(category) = filter.category_id {
            query = query.filter(articles::category_id.eq(category));
        }
        if let Some(user) = filter.created_by {
            query = query.filter(articles::created_by.eq(user));
        }
        if let Some(author) = filter.author_id {
            query = query.filter(
                articles::id.eq_any(
                    article_authors::table
                        .filter(article_authors::author_id.eq(author))
                        .select(article_authors::article_id),
                ),
            );
        }
        query
    };
    let total = filtered().count().get_result(conn)?;
    let rows = filtered()
        .select(ArticleRow::as_select())
        .order((articles::updated_at.desc(), articles::id.desc()))
        .offset(offset)
        .limit(limit)
        .load(conn)?;
    Ok(Paged { rows, total })
}
