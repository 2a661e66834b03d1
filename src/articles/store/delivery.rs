//! Queries of the delivery API: pages of visible articles with filters and sorts, one article
//! by key, related articles, the archive, and the bylines and tag names of a page of articles.
//! A page costs a fixed number of queries whatever its length.

use std::collections::HashMap;

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::articles::model::{ArticleRow, ArticleSort, Byline, TagName};
use crate::articles::store;
use crate::articles::store::visibility::{PUBLISHED, visible};
use crate::db::schema::{
    article_authors, article_tags, article_translations, articles, author_bios, authors,
    tag_translations,
};
use crate::db::{self, DbConnection, MultiBackend, Paged};

/// The article list's filters, with keys resolved to ids.
#[derive(Debug, Default)]
pub struct ListFilter {
    /// The locale titles are sorted in.
    pub requested_locale: String,
    /// Only articles published in this locale (`fallback=false`).
    pub only_locale: Option<String>,
    /// A category and every category below it.
    pub categories: Option<Vec<i64>>,
    pub tag: Option<i64>,
    pub author: Option<i64>,
    /// Folded search text (see `slug::fold`), matched anywhere in a translation.
    pub text: Option<String>,
    pub published_after: Option<NaiveDateTime>,
    pub published_before: Option<NaiveDateTime>,
    pub featured: Option<bool>,
}

/// One page of visible articles matching `filter`, and the total: two queries.
pub fn page(
    conn: &mut DbConnection,
    filter: &ListFilter,
    sort: ArticleSort,
    offset: i64,
    limit: i64,
) -> QueryResult<Paged<ArticleRow>> {
    let only = filter.only_locale.as_deref();
    let pattern = filter
        .text
        .as_ref()
        .map(|q| format!("%{}%", db::escape_like(q)));
    // The filters, on any query over `articles` (joined for sorting by title, or not).
    macro_rules! filtered {
        ($base:expr) => {{
            let mut query = $base.into_boxed::<MultiBackend>();
            if let Some(ids) = &filter.categories {
                query = query.filter(articles::category_id.eq_any(ids.clone()));
            }
            if let Some(tag) = filter.tag {
                query = query.filter(
                    articles::id.eq_any(
                        article_tags::table
                            .filter(article_tags::tag_id.eq(tag))
                            .select(article_tags::article_id),
                    ),
                );
            }
            if let Some(author) = filter.author {
                query = query.filter(
                    articles::id.eq_any(
                        article_authors::table
                            .filter(article_authors::author_id.eq(author))
                            .select(article_authors::article_id),
                    ),
                );
            }
            if let Some(pattern) = &pattern {
                query = query.filter(
                    articles::id.eq_any(
                        article_translations::table
                            .filter(article_translations::status.eq(PUBLISHED))
                            .filter(
                                article_translations::locale.like(only.unwrap_or("%").to_owned()),
                            )
                            .filter(
                                article_translations::search_text
                                    .like(pattern.clone())
                                    .escape('\\'),
                            )
                            .select(article_translations::article_id),
                    ),
                );
            }
            if let Some(after) = filter.published_after {
                query = query.filter(articles::published_at.ge(after));
            }
            if let Some(before) = filter.published_before {
                query = query.filter(articles::published_at.le(before));
            }
            if let Some(featured) = filter.featured {
                query = query.filter(articles::featured.eq(featured));
            }
            query
        }};
    }
    let total: i64 = filtered!(visible(only)).count().get_result(conn)?;
    let rows = match sort {
        ArticleSort::Title => {
            // Sorting by title joins the requested locale's translation; other sorts need not.
            let sort_translation = diesel::alias!(article_translations as sort_translation);
            filtered!(
                visible(only).left_join(
                    sort_translation.on(sort_translation
                        .field(article_translations::article_id)
                        .eq(articles::id)
                        .and(
                            sort_translation
                                .field(article_translations::locale)
                                .eq(filter.requested_locale.clone())
                        )
                        .and(
                            sort_translation
                                .field(article_translations::status)
                                .eq(PUBLISHED)
                        )),
                )
            )
            .order((
                sort_translation.field(article_translations::title).asc(),
                articles::id.asc(),
            ))
            .select(ArticleRow::as_select())
            .offset(offset)
            .limit(limit)
            .load(conn)?
        }
        other => {
            let query = filtered!(visible(only));
            let ordered = match other {
                ArticleSort::OldestFirst => {
                    query.order((articles::published_at.asc(), articles::id.asc()))
                }
                ArticleSort::RecentlyUpdated => {
                    query.order((articles::updated_at.desc(), articles::id.desc()))
                }
                _ => query.order((articles::published_at.desc(), articles::id.desc())),
            };
            ordered
                .select(ArticleRow::as_select())
                .offset(offset)
                .limit(limit)
                .load(conn)?
        }
    };
    Ok(Paged { rows, total })
}

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
        let row = visible(Some(&owner.locale))
            .filter(articles::id.eq(owner.article_id))
            .select(ArticleRow::as_select())
            .first(conn)
            .optional()?;
        if let Some(row) = row {
            return Ok(row);
        }
    }
    Err(diesel::result::Error::NotFound)
}

/// The `limit` most recently published visible articles in `categories`, newest first.
pub fn newest_in(
    conn: &mut DbConnection,
    categories: &[i64],
    only: Option<&str>,
    limit: i64,
) -> QueryResult<Vec<ArticleRow>> {
    visible(only)
        .filter(articles::category_id.eq_any(categories))
        .order((articles::published_at.desc(), articles::id.desc()))
        .limit(limit)
        .select(ArticleRow::as_select())
        .load(conn)
}

/// The visible article with this id; `NotFound` otherwise.
pub fn visible_by_id(conn: &mut DbConnection, id: i64) -> QueryResult<ArticleRow> {
    visible(None)
        .filter(articles::id.eq(id))
        .select(ArticleRow::as_select())
        .first(conn)
}

/// Visible articles sharing the category or tags of `article`, most related first.
pub fn related(
    conn: &mut DbConnection,
    article: &ArticleRow,
    only: Option<&str>,
    limit: usize,
) -> QueryResult<Vec<ArticleRow>> {
    let own_tags: Vec<i64> = store::tags_of(conn, &[article.id])?
        .into_iter()
        .map(|t| t.id)
        .collect();
    let candidates: Vec<ArticleRow> = visible(only)
        .filter(articles::id.ne(article.id))
        .filter(
            articles::category_id
                .eq(article.category_id)
                .or(articles::id.eq_any(
                    article_tags::table
                        .filter(article_tags::tag_id.eq_any(own_tags.clone()))
                        .select(article_tags::article_id),
                )),
        )
        .select(ArticleRow::as_select())
        .order((articles::published_at.desc(), articles::id.desc()))
        .limit(200)
        .load(conn)?;
    let ids: Vec<i64> = candidates.iter().map(|c| c.id).collect();
    let mut shared: HashMap<i64, usize> = HashMap::new();
    for tag in store::tags_of(conn, &ids)? {
        if own_tags.contains(&tag.id) {
            *shared.entry(tag.article_id).or_default() += 1;
        }
    }
    let mut scored: Vec<(usize, ArticleRow)> = candidates
        .into_iter()
        .map(|row| {
            let score = 2 * shared.get(&row.id).copied().unwrap_or(0)
                + usize::from(row.category_id == article.category_id);
            (score, row)
        })
        .collect();
    // A stable sort keeps the newest first among equals.
    scored.sort_by_key(|(score, _)| std::cmp::Reverse(*score));
    Ok(scored.into_iter().take(limit).map(|(_, row)| row).collect())
}

/// Publication times of the visible articles (in `only` when given), optionally in these
/// categories.
pub fn published_times(
    conn: &mut DbConnection,
    only: Option<&str>,
    categories: Option<Vec<i64>>,
) -> QueryResult<Vec<Option<NaiveDateTime>>> {
    let mut query = visible(only)
        .select(articles::published_at)
        .into_boxed::<MultiBackend>();
    if let Some(ids) = categories {
        query = query.filter(articles::category_id.eq_any(ids));
    }
    query.load(conn)
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
