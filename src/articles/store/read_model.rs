//! The delivery read model's tables: each visible article as served in each site locale
//! (`article_views`), each view under the lists it is in (`article_view_sections`, with their
//! totals in `article_view_counts`), and the live counters (`article_counters`). Writes keep
//! them in their transaction; public reads take one indexed lookup per article or per page
//! (list pages: see [`super::lists`]).

use std::collections::{BTreeMap, HashMap};

use chrono::NaiveDateTime;
use diesel::dsl::count_star;
use diesel::prelude::*;

use crate::articles::model::ArticleRow;
use crate::articles::store::visibility::PUBLISHED;
use crate::db::schema::{
    article_authors, article_counters, article_slugs, article_tags, article_view_counts,
    article_view_sections, article_views, articles, comments, reactions, read_model_state,
};
use crate::db::{self, DbConnection, MultiBackend, per_backend};

/// One article as served in one requested locale.
#[derive(Debug, Clone, PartialEq, Eq, Insertable, Queryable, Selectable)]
#[diesel(table_name = article_views)]
pub struct ViewRow {
    pub article_id: i64,
    /// The locale asked for.
    pub locale: String,
    /// The locale of the translation served.
    pub served_locale: String,
    pub slug: String,
    pub title: String,
    pub category_id: i64,
    pub published_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    pub featured: bool,
    pub surrogate_keys: String,
    pub card: String,
    pub document: String,
}

impl ViewRow {
    /// What the view says, for telling what a write changed.
    pub fn state(&self) -> ViewState {
        ViewState {
            article_id: self.article_id,
            locale: self.locale.clone(),
            published_at: self.published_at,
            surrogate_keys: self.surrogate_keys.clone(),
            document: self.document.clone(),
        }
    }
}

/// A view under one of the sections it is listed in.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Insertable, Queryable, Selectable)]
#[diesel(table_name = article_view_sections)]
pub struct SectionRow {
    pub locale: String,
    /// What `section_id` names (see [`Section::columns`]).
    pub kind: i16,
    /// The category, tag or author (0 for the whole site and the featured articles).
    pub section_id: i64,
    pub published_at: NaiveDateTime,
    pub article_id: i64,
    /// Served in the locale asked for, not by a fallback.
    pub own: bool,
}

/// A list kept in `article_view_sections`, with its total kept in `article_view_counts`: a
/// page of it is one range of the sections' primary key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Section {
    /// Every visible article.
    WholeSite,
    /// A category with everything below it.
    Category(i64),
    /// The articles with a tag.
    Tag(i64),
    /// An author's bylines.
    Author(i64),
    /// The featured articles.
    Featured,
}

impl Section {
    /// What the `kind` column says of a section: 0 a category (0 = the whole site), 1 a tag,
    /// 2 an author, 3 the featured articles.
    pub fn kind(self) -> i16 {
        self.columns().0
    }

    /// The section's `kind` and `section_id` columns.
    pub fn columns(self) -> (i16, i64) {
        match self {
            Section::WholeSite => (0, 0),
            Section::Category(id) => (0, id),
            Section::Tag(id) => (1, id),
            Section::Author(id) => (2, id),
            Section::Featured => (3, 0),
        }
    }
}

/// The live counters of one article.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Counters {
    pub comments: i64,
    /// Reactions by kind id.
    pub reactions: BTreeMap<i64, i64>,
}

/// A query of the views.
pub type Views<'a> = article_views::BoxedQuery<'a, MultiBackend>;

/// The views a public read in `locale` may show now (only those served in it when `only`).
pub fn visible_in(locale: &str, only: bool) -> Views<'_> {
    let query = article_views::table
        .filter(article_views::locale.eq(locale))
        .filter(article_views::published_at.le(db::now()))
        .into_boxed();
    if only {
        query.filter(article_views::served_locale.eq(locale))
    } else {
        query
    }
}

/// The cards of these articles in `locale`, by article.
pub fn cards_of(
    conn: &mut DbConnection,
    ids: &[i64],
    locale: &str,
    only: bool,
) -> QueryResult<HashMap<i64, String>> {
    let rows: Vec<(i64, String)> = visible_in(locale, only)
        .filter(article_views::article_id.eq_any(ids))
        .select((article_views::article_id, article_views::card))
        .load(conn)?;
    Ok(rows.into_iter().collect())
}

/// The stored documents of these articles as served in `locale` (served in it, not by a
/// fallback), by article.
pub fn documents_of(
    conn: &mut DbConnection,
    ids: &[i64],
    locale: &str,
) -> QueryResult<HashMap<i64, String>> {
    let rows: Vec<(i64, String)> = visible_in(locale, true)
        .filter(article_views::article_id.eq_any(ids))
        .select((article_views::article_id, article_views::document))
        .load(conn)?;
    Ok(rows.into_iter().collect())
}

/// A view and its article's counters, as one article read loads them.
pub type ViewWithCounters = (ViewRow, Counters);

/// The counters column pair of `article_counters`, absent when the article has none yet.
pub type CounterColumns = Option<(i64, String)>;

/// The view of article `id` for a read asking for `locale`, if a reader may see it now, with
/// its counters: one statement.
pub fn view_by_id(
    conn: &mut DbConnection,
    id: i64,
    locale: &str,
) -> QueryResult<Option<ViewWithCounters>> {
    let row: Option<(ViewRow, CounterColumns)> = article_views::table
        .left_join(
            article_counters::table.on(article_counters::article_id.eq(article_views::article_id)),
        )
        .filter(article_views::article_id.eq(id))
        .filter(article_views::locale.eq(locale))
        .filter(article_views::published_at.le(db::now()))
        .select((
            ViewRow::as_select(),
            (
                article_counters::comment_count,
                article_counters::reaction_counts,
            )
                .nullable(),
        ))
        .first(conn)
        .optional()?;
    Ok(row.map(|(view, counters)| (view, counters_from(counters))))
}

/// The views a reader may see now of the articles a slug names (current or old, in any
/// locale; the newest claim first), in the slug's own locale and in `requested`, each with the
/// slug's locale and its article's counters: one statement.
pub fn views_by_slug(
    conn: &mut DbConnection,
    slug: &str,
    requested: &str,
) -> QueryResult<Vec<(String, ViewWithCounters)>> {
    let rows: Vec<(String, ViewRow, CounterColumns)> = article_slugs::table
        .inner_join(
            article_views::table.on(article_views::article_id.eq(article_slugs::article_id)),
        )
        .left_join(
            article_counters::table.on(article_counters::article_id.eq(article_slugs::article_id)),
        )
        .filter(article_slugs::slug.eq(slug))
        .filter(
            article_views::locale
                .eq(article_slugs::locale)
                .or(article_views::locale.eq(requested)),
        )
        .filter(article_views::published_at.le(db::now()))
        .order(article_slugs::id.desc())
        .select((
            article_slugs::locale,
            ViewRow::as_select(),
            (
                article_counters::comment_count,
                article_counters::reaction_counts,
            )
                .nullable(),
        ))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .map(|(locale, view, counters)| (locale, (view, counters_from(counters))))
        .collect())
}

/// Visible articles (in `locale` only, when `only`) that share `category` or one of `tags`
/// with an article, newest first, at most `limit`, `except` left out.
pub fn related_candidates(
    conn: &mut DbConnection,
    locale: &str,
    only: bool,
    except: i64,
    category: i64,
    tags: &[i64],
    limit: i64,
) -> QueryResult<Vec<(i64, i64)>> {
    visible_in(locale, only)
        .filter(article_views::article_id.ne(except))
        .filter(
            article_views::category_id
                .eq(category)
                .or(article_views::article_id.eq_any(
                    article_tags::table
                        .filter(article_tags::tag_id.eq_any(tags.to_vec()))
                        .select(article_tags::article_id),
                )),
        )
        .order((
            article_views::published_at.desc(),
            article_views::article_id.desc(),
        ))
        .limit(limit)
        .select((article_views::article_id, article_views::category_id))
        .load(conn)
}

/// Publication times of what a read in `locale` may show, optionally in these categories.
pub fn published_times(
    conn: &mut DbConnection,
    locale: &str,
    only: bool,
    categories: Option<Vec<i64>>,
) -> QueryResult<Vec<NaiveDateTime>> {
    let mut query = visible_in(locale, only);
    if let Some(ids) = categories {
        query = query.filter(article_views::category_id.eq_any(ids));
    }
    query.select(article_views::published_at).load(conn)
}

/// Whether `article` may be read now by its slug in `locale` (its translation there is
/// published).
pub fn shown_in(conn: &mut DbConnection, article: i64, locale: &str) -> QueryResult<bool> {
    diesel::select(diesel::dsl::exists(
        article_views::table
            .filter(article_views::article_id.eq(article))
            .filter(article_views::locale.eq(locale))
            .filter(article_views::served_locale.eq(locale))
            .filter(article_views::published_at.le(db::now())),
    ))
    .get_result(conn)
}

/// The counters of these articles (those with none have none yet: all zero).
pub fn counters_of(conn: &mut DbConnection, ids: &[i64]) -> QueryResult<HashMap<i64, Counters>> {
    let rows: Vec<(i64, i64, String)> = article_counters::table
        .filter(article_counters::article_id.eq_any(ids))
        .select((
            article_counters::article_id,
            article_counters::comment_count,
            article_counters::reaction_counts,
        ))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .map(|(id, comments, reactions)| (id, counters_from(Some((comments, reactions)))))
        .collect())
}

/// Counters from their columns (all zero when the article has no row yet).
pub fn counters_from(columns: CounterColumns) -> Counters {
    let Some((comments, reactions)) = columns else {
        return Counters::default();
    };
    let reactions: BTreeMap<String, i64> = serde_json::from_str(&reactions).unwrap_or_default();
    Counters {
        comments,
        reactions: reactions
            .into_iter()
            .filter_map(|(kind, count)| Some((kind.parse().ok()?, count)))
            .collect(),
    }
}

/// Recounts the public comments and the reactions of `article` into its counters, in the
/// transaction of the write that changed them. The counter row is locked first: a concurrent
/// recount of the same article on PostgreSQL waits for this transaction and then counts its
/// rows too, so the last recount is always exact.
pub fn recount(conn: &mut DbConnection, article: i64) -> QueryResult<()> {
    let row = (
        article_counters::article_id.eq(article),
        article_counters::comment_count.eq(0),
        article_counters::reaction_counts.eq("{}"),
    );
    per_backend!(conn, |c| diesel::insert_into(article_counters::table)
        .values(row)
        .on_conflict(article_counters::article_id)
        .do_update()
        .set(article_counters::comment_count.eq(article_counters::comment_count))
        .execute(c))?;
    let comments: i64 = comments::table
        .filter(comments::article_id.eq(article))
        .filter(comments::visible.eq(true))
        .filter(comments::deleted_at.is_null())
        .count()
        .get_result(conn)?;
    let kinds: Vec<(i64, i64)> = reactions::table
        .filter(reactions::article_id.eq(article))
        .group_by(reactions::kind_id)
        .select((reactions::kind_id, count_star()))
        .load(conn)?;
    let kinds: BTreeMap<String, i64> = kinds
        .into_iter()
        .map(|(kind, count)| (kind.to_string(), count))
        .collect();
    let reactions = serde_json::to_string(&kinds).unwrap_or_else(|_| "{}".to_owned());
    diesel::update(article_counters::table.find(article))
        .set((
            article_counters::comment_count.eq(comments),
            article_counters::reaction_counts.eq(reactions),
        ))
        .execute(conn)?;
    Ok(())
}

/// The articles whose views exist or may exist: published, with a published translation and
/// a publication time (which may be still to come), among `ids`.
pub fn publishable(conn: &mut DbConnection, ids: &[i64]) -> QueryResult<Vec<ArticleRow>> {
    articles::table
        .filter(articles::id.eq_any(ids))
        .filter(articles::status.eq(PUBLISHED))
        .filter(articles::has_published_translation.eq(true))
        .filter(articles::published_at.is_not_null())
        .order(articles::id.asc())
        .select(ArticleRow::as_select())
        .load(conn)
}

/// Every article id, for a rebuild.
pub fn all_articles(conn: &mut DbConnection) -> QueryResult<Vec<i64>> {
    articles::table
        .select(articles::id)
        .order(articles::id.asc())
        .load(conn)
}

/// Articles in these categories.
pub fn in_categories(conn: &mut DbConnection, ids: &[i64]) -> QueryResult<Vec<i64>> {
    articles::table
        .filter(articles::category_id.eq_any(ids))
        .select(articles::id)
        .load(conn)
}

/// Articles with this tag.
pub fn with_tag(conn: &mut DbConnection, tag: i64) -> QueryResult<Vec<i64>> {
    article_tags::table
        .filter(article_tags::tag_id.eq(tag))
        .select(article_tags::article_id)
        .load(conn)
}

/// Articles in this author's bylines.
pub fn by_author(conn: &mut DbConnection, author: i64) -> QueryResult<Vec<i64>> {
    article_authors::table
        .filter(article_authors::author_id.eq(author))
        .select(article_authors::article_id)
        .load(conn)
}

/// Locks these articles' rows until the transaction ends, in id order (PostgreSQL; a SQLite
/// write transaction holds the whole database already): two writes rewriting one article's
/// views queue, so each reads the rows the other left and the counts move exactly.
pub fn lock_articles(conn: &mut DbConnection, ids: &[i64]) -> QueryResult<()> {
    if let DbConnection::Pg(pg) = conn {
        articles::table
            .filter(articles::id.eq_any(ids))
            .order(articles::id.asc())
            .select(articles::id)
            .for_update()
            .load::<i64>(pg)?;
    }
    Ok(())
}

/// Replaces the views of `ids` with `views` and their section rows with `sections`, and
/// moves the section counts by the difference, as increments. The caller holds the articles'
/// locks ([`lock_articles`]).
pub fn replace_views(
    conn: &mut DbConnection,
    ids: &[i64],
    views: &[ViewRow],
    sections: &[SectionRow],
) -> QueryResult<()> {
    let old: Vec<CountKey> = article_view_sections::table
        .filter(article_view_sections::article_id.eq_any(ids))
        .select((
            article_view_sections::locale,
            article_view_sections::kind,
            article_view_sections::section_id,
            article_view_sections::own,
        ))
        .load(conn)?;
    let mut moves: HashMap<CountKey, i64> = HashMap::new();
    for key in old {
        *moves.entry(key).or_default() -= 1;
    }
    for row in sections {
        *moves
            .entry((row.locale.clone(), row.kind, row.section_id, row.own))
            .or_default() += 1;
    }
    diesel::delete(
        article_view_sections::table.filter(article_view_sections::article_id.eq_any(ids)),
    )
    .execute(conn)?;
    diesel::delete(article_views::table.filter(article_views::article_id.eq_any(ids)))
        .execute(conn)?;
    // 12 columns a row: 400 rows stay well under SQLite's limit of bound values.
    for chunk in views.chunks(400) {
        per_backend!(conn, |c| diesel::insert_into(article_views::table)
            .values(chunk)
            .execute(c))?;
    }
    for chunk in sections.chunks(1000) {
        per_backend!(conn, |c| diesel::insert_into(article_view_sections::table)
            .values(chunk)
            .execute(c))?;
    }
    let mut moves: Vec<_> = moves.into_iter().filter(|(_, by)| *by != 0).collect();
    // One order for every writer, so two never wait on each other's rows.
    moves.sort();
    for ((locale, kind, section, own), by) in moves {
        let row = (
            article_view_counts::locale.eq(locale),
            article_view_counts::kind.eq(kind),
            article_view_counts::section_id.eq(section),
            article_view_counts::own.eq(own),
            article_view_counts::total.eq(by),
        );
        per_backend!(conn, |c| diesel::insert_into(article_view_counts::table)
            .values(row)
            .on_conflict((
                article_view_counts::locale,
                article_view_counts::kind,
                article_view_counts::section_id,
                article_view_counts::own,
            ))
            .do_update()
            .set(article_view_counts::total.eq(article_view_counts::total + by))
            .execute(c))?;
    }
    Ok(())
}

/// What a view said before a write: enough to tell which events the write makes.
#[derive(Debug, Clone, Queryable)]
pub struct ViewState {
    pub article_id: i64,
    pub locale: String,
    pub published_at: NaiveDateTime,
    pub surrogate_keys: String,
    pub document: String,
}

/// The views of these articles as they stand.
pub fn view_states(conn: &mut DbConnection, ids: &[i64]) -> QueryResult<Vec<ViewState>> {
    article_views::table
        .filter(article_views::article_id.eq_any(ids))
        .select((
            article_views::article_id,
            article_views::locale,
            article_views::published_at,
            article_views::surrogate_keys,
            article_views::document,
        ))
        .load(conn)
}

/// Every view, in key order (for comparing two builds).
pub fn all_views(conn: &mut DbConnection) -> QueryResult<Vec<ViewRow>> {
    article_views::table
        .order((article_views::article_id.asc(), article_views::locale.asc()))
        .select(ViewRow::as_select())
        .load(conn)
}

/// Every counter row, by article.
pub fn all_counters(conn: &mut DbConnection) -> QueryResult<Vec<(i64, i64, String)>> {
    article_counters::table
        .order(article_counters::article_id.asc())
        .select((
            article_counters::article_id,
            article_counters::comment_count,
            article_counters::reaction_counts,
        ))
        .load(conn)
}

/// What a section count counts: locale, kind, section, `own`.
type CountKey = (String, i16, i64, bool);

/// A section count: locale, kind, section, `own`, total.
pub type SectionCount = (String, i16, i64, bool, i64);

/// Every section row and count (for comparing two builds).
pub fn all_sections(conn: &mut DbConnection) -> QueryResult<(Vec<SectionRow>, Vec<SectionCount>)> {
    let rows = article_view_sections::table
        .order((
            article_view_sections::locale.asc(),
            article_view_sections::kind.asc(),
            article_view_sections::section_id.asc(),
            article_view_sections::published_at.asc(),
            article_view_sections::article_id.asc(),
        ))
        .select(SectionRow::as_select())
        .load(conn)?;
    let counts = article_view_counts::table
        .filter(article_view_counts::total.ne(0))
        .order((
            article_view_counts::locale.asc(),
            article_view_counts::kind.asc(),
            article_view_counts::section_id.asc(),
            article_view_counts::own.asc(),
        ))
        .select((
            article_view_counts::locale,
            article_view_counts::kind,
            article_view_counts::section_id,
            article_view_counts::own,
            article_view_counts::total,
        ))
        .load(conn)?;
    Ok((rows, counts))
}

/// Empties the read model's tables, before a rebuild.
pub fn clear(conn: &mut DbConnection) -> QueryResult<()> {
    diesel::delete(article_view_sections::table).execute(conn)?;
    diesel::delete(article_view_counts::table).execute(conn)?;
    diesel::delete(article_views::table).execute(conn)?;
    diesel::delete(article_counters::table).execute(conn)?;
    Ok(())
}

/// The shape of the read model the tables hold and the URL settings it was built with (as
/// JSON), `None` before the first build.
pub fn built_with(conn: &mut DbConnection) -> QueryResult<Option<(i32, String)>> {
    read_model_state::table
        .find(1)
        .select((read_model_state::version, read_model_state::urls))
        .first(conn)
        .optional()
}

/// Records the shape and the URL settings the tables now hold.
pub fn set_built_with(conn: &mut DbConnection, version: i32, urls: &str) -> QueryResult<()> {
    diesel::delete(read_model_state::table).execute(conn)?;
    diesel::insert_into(read_model_state::table)
        .values((
            read_model_state::id.eq(1),
            read_model_state::version.eq(version),
            read_model_state::urls.eq(urls),
        ))
        .execute(conn)?;
    Ok(())
}
