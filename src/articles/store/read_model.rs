//! The delivery read model's tables: each visible article as served in each site locale
//! (`article_views`), and its live counters (`article_counters`). Writes keep them in their
//! transaction; public reads take one indexed lookup per article or per page.

use std::collections::{BTreeMap, HashMap};

use chrono::NaiveDateTime;
use diesel::dsl::count_star;
use diesel::expression::{BoxableExpression, SelectableExpression};
use diesel::prelude::*;
use diesel::sql_types::Bool;

use crate::articles::model::{ArticleRow, ArticleSort};
use crate::articles::store::visibility::PUBLISHED;
use crate::db::schema::{
    article_authors, article_counters, article_slugs, article_tags, article_translations,
    article_view_counts, article_view_sections, article_views, articles, comments, reactions,
    read_model_state,
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

/// A view under one of the sections it is listed in.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Insertable, Queryable, Selectable)]
#[diesel(table_name = article_view_sections)]
pub struct SectionRow {
    pub locale: String,
    /// What `section_id` names (see [`Section::columns`]).
    pub kind: i16,
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
    Tag(i64),
    /// An author's bylines.
    Author(i64),
    /// The featured articles.
    Featured,
}

impl Section {
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

/// A card of a list page, with the values its sort orders by.
#[derive(Debug, Queryable, Selectable)]
#[diesel(table_name = article_views)]
pub struct CardRow {
    pub article_id: i64,
    pub published_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    pub title: String,
    pub card: String,
}

/// The live counters of one article.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Counters {
    pub comments: i64,
    /// Reactions by kind id.
    pub reactions: BTreeMap<i64, i64>,
}

/// Where a keyset page starts: after the row with these sort values.
#[derive(Debug, Clone, PartialEq)]
pub enum After {
    /// After this time (of `published_at` or `updated_at`, as the sort says) and id.
    Time(NaiveDateTime, i64),
    /// After this title and id.
    Title(String, i64),
}

/// The article list's filters, with keys resolved to ids.
#[derive(Debug, Default)]
pub struct ListFilter {
    /// The locale asked for.
    pub requested_locale: String,
    /// Only articles published in the requested locale (`fallback=false`).
    pub only_requested: bool,
    /// A category…
    pub category: Option<i64>,
    /// …and it with every category below it.
    pub categories: Option<Vec<i64>>,
    pub tag: Option<i64>,
    pub author: Option<i64>,
    /// Folded search text (see `slug::fold`), matched anywhere in a translation.
    pub text: Option<String>,
    pub published_after: Option<NaiveDateTime>,
    pub published_before: Option<NaiveDateTime>,
    pub featured: Option<bool>,
}

impl ListFilter {
    /// The section a list reads when it is one: the whole site, a category (with everything
    /// below it), a tag, an author or the featured articles, alone or with a publication
    /// window, and no other filter.
    fn section(&self) -> Option<Section> {
        if self.text.is_some() {
            return None;
        }
        let featured = (self.featured == Some(true)).then_some(Section::Featured);
        let mut named = [
            self.category.map(Section::Category),
            self.tag.map(Section::Tag),
            self.author.map(Section::Author),
            featured,
        ]
        .into_iter()
        .flatten();
        let section = named.next();
        if named.next().is_some() || self.featured == Some(false) {
            return None;
        }
        Some(section.unwrap_or(Section::WholeSite))
    }

    /// Whether a publication window narrows the list.
    fn windowed(&self) -> bool {
        self.published_after.is_some() || self.published_before.is_some()
    }
}

type Views<'a> = article_views::BoxedQuery<'a, MultiBackend>;

/// The views a public read in `locale` may show now (only those served in it when `only`).
fn visible_in(locale: &str, only: bool) -> Views<'_> {
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

fn filtered<'a>(filter: &'a ListFilter) -> Views<'a> {
    let mut query = visible_in(&filter.requested_locale, filter.only_requested);
    if let Some(ids) = &filter.categories {
        query = query.filter(article_views::category_id.eq_any(ids));
    }
    if let Some(tag) = filter.tag {
        query = query.filter(
            article_views::article_id.eq_any(
                article_tags::table
                    .filter(article_tags::tag_id.eq(tag))
                    .select(article_tags::article_id),
            ),
        );
    }
    if let Some(author) = filter.author {
        query = query.filter(
            article_views::article_id.eq_any(
                article_authors::table
                    .filter(article_authors::author_id.eq(author))
                    .select(article_authors::article_id),
            ),
        );
    }
    if let Some(text) = &filter.text {
        let locales = if filter.only_requested {
            filter.requested_locale.clone()
        } else {
            "%".to_owned()
        };
        query = query.filter(
            article_views::article_id.eq_any(
                article_translations::table
                    .filter(article_translations::status.eq(PUBLISHED))
                    .filter(article_translations::locale.like(locales))
                    .filter(
                        article_translations::search_text
                            .like(format!("%{}%", db::escape_like(text)))
                            .escape('\\'),
                    )
                    .select(article_translations::article_id),
            ),
        );
    }
    if let Some(after) = filter.published_after {
        query = query.filter(article_views::published_at.ge(after));
    }
    if let Some(before) = filter.published_before {
        query = query.filter(article_views::published_at.le(before));
    }
    if let Some(featured) = filter.featured {
        query = query.filter(article_views::featured.eq(featured));
    }
    query
}

/// Up to `limit` cards matching `filter` in `sort` order, from `offset` or after the keyset
/// position `after`: one query on an index of the locale and the sort.
pub fn cards_page(
    conn: &mut DbConnection,
    filter: &ListFilter,
    sort: ArticleSort,
    after: Option<&After>,
    offset: i64,
    limit: i64,
) -> QueryResult<Vec<CardWithCounters>> {
    use article_views::{article_id as id, published_at, title, updated_at};
    if let Some(section) = filter.section()
        && matches!(sort, ArticleSort::NewestFirst | ArticleSort::OldestFirst)
    {
        return section_cards(
            conn,
            &SectionRange::of(filter, section),
            matches!(sort, ArticleSort::OldestFirst),
            after,
            offset,
            limit,
        );
    }
    let mut query = filtered(filter);
    // Each bound first as a range the index can seek (`<=`), then the tie broken by id.
    query = match (sort, after) {
        (_, None) => query,
        (ArticleSort::OldestFirst, Some(After::Time(at, last))) => query
            .filter(published_at.ge(*at))
            .filter(published_at.gt(*at).or(id.gt(*last))),
        (ArticleSort::RecentlyUpdated, Some(After::Time(at, last))) => query
            .filter(updated_at.le(*at))
            .filter(updated_at.lt(*at).or(id.lt(*last))),
        (ArticleSort::Title, Some(After::Title(name, last))) => query
            .filter(title.ge(name.clone()))
            .filter(title.gt(name.clone()).or(id.gt(*last))),
        (_, Some(After::Time(at, last))) => query
            .filter(published_at.le(*at))
            .filter(published_at.lt(*at).or(id.lt(*last))),
        (_, Some(After::Title(..))) => return Ok(Vec::new()),
    };
    query = match sort {
        ArticleSort::OldestFirst => query.order((published_at.asc(), id.asc())),
        ArticleSort::RecentlyUpdated => query.order((updated_at.desc(), id.desc())),
        ArticleSort::Title => query.order((title.asc(), id.asc())),
        ArticleSort::NewestFirst => query.order((published_at.desc(), id.desc())),
    };
    let cards: Vec<CardRow> = query
        .select(CardRow::as_select())
        .offset(offset)
        .limit(limit)
        .load(conn)?;
    let ids: Vec<i64> = cards.iter().map(|card| card.article_id).collect();
    let mut counters = counters_of(conn, &ids)?;
    Ok(cards
        .into_iter()
        .map(|card| {
            let counted = counters.remove(&card.article_id).unwrap_or_default();
            (card, counted)
        })
        .collect())
}

/// How many articles match `filter`. For a section: its kept total (see [`totals`]), or, in a
/// publication window, the rows of that window's index range. Otherwise a count over the
/// locale's index.
pub fn count(conn: &mut DbConnection, filter: &ListFilter) -> QueryResult<i64> {
    let Some(section) = filter.section() else {
        return filtered(filter).count().get_result(conn);
    };
    if filter.windowed() {
        return article_view_sections::table
            .filter(SectionRange::of(filter, section).condition())
            .count()
            .get_result(conn);
    }
    let (kind, id) = section.columns();
    let totals = totals(
        conn,
        &filter.requested_locale,
        filter.only_requested,
        kind,
        Some(&[id]),
    )?;
    Ok(totals.get(&id).copied().unwrap_or(0))
}

/// What a read in `locale` may show now in each category (everything below it included).
pub fn category_totals(
    conn: &mut DbConnection,
    locale: &str,
    only: bool,
) -> QueryResult<HashMap<i64, i64>> {
    let (kind, _) = Section::WholeSite.columns();
    totals(conn, locale, only, kind, None)
}

/// What a read in `locale` may show now under each of these tags.
pub fn tag_totals(
    conn: &mut DbConnection,
    tags: &[i64],
    locale: &str,
    only: bool,
) -> QueryResult<HashMap<i64, i64>> {
    let (kind, _) = Section::Tag(0).columns();
    totals(conn, locale, only, kind, Some(tags))
}

/// The totals of the sections of `kind` (those in `ids`, or all), as a read in `locale` sees
/// them now: the kept counts, less the rows still to be published (a few index entries). No
/// count over the articles.
fn totals(
    conn: &mut DbConnection,
    locale: &str,
    only: bool,
    kind: i16,
    ids: Option<&[i64]>,
) -> QueryResult<HashMap<i64, i64>> {
    use article_view_counts as counts;
    use article_view_sections as sections;
    let mut kept = counts::table
        .filter(counts::locale.eq(locale))
        .filter(counts::kind.eq(kind))
        .select((counts::section_id, counts::total))
        .into_boxed::<MultiBackend>();
    let mut coming = sections::table
        .filter(sections::locale.eq(locale))
        .filter(sections::kind.eq(kind))
        .filter(sections::published_at.gt(db::now()))
        .select(sections::section_id)
        .into_boxed::<MultiBackend>();
    if let Some(ids) = ids {
        kept = kept.filter(counts::section_id.eq_any(ids));
        coming = coming.filter(sections::section_id.eq_any(ids));
    }
    if only {
        kept = kept.filter(counts::own.eq(true));
        coming = coming.filter(sections::own.eq(true));
    }
    let mut totals: HashMap<i64, i64> = HashMap::new();
    for (id, total) in kept.load::<(i64, i64)>(conn)? {
        *totals.entry(id).or_default() += total;
    }
    for id in coming.load::<i64>(conn)? {
        *totals.entry(id).or_default() -= 1;
    }
    Ok(totals)
}

/// The `limit` newest cards of a category (everything below it included).
pub fn newest_in(
    conn: &mut DbConnection,
    category: i64,
    locale: &str,
    only: bool,
    limit: i64,
) -> QueryResult<Vec<CardWithCounters>> {
    let range = SectionRange {
        locale,
        only,
        section: Section::Category(category),
        from: None,
        until: None,
    };
    section_cards(conn, &range, false, None, 0, limit)
}

/// The rows of one section a public read may show now, in a locale, optionally within a
/// publication window.
struct SectionRange<'a> {
    locale: &'a str,
    /// Only views served in `locale` itself.
    only: bool,
    section: Section,
    from: Option<NaiveDateTime>,
    until: Option<NaiveDateTime>,
}

/// A condition on the sections' columns, for any query that reads them.
type Condition<'a, From> = Box<dyn BoxableExpression<From, MultiBackend, SqlType = Bool> + 'a>;

impl<'a> SectionRange<'a> {
    fn of(filter: &'a ListFilter, section: Section) -> Self {
        SectionRange {
            locale: &filter.requested_locale,
            only: filter.only_requested,
            section,
            from: filter.published_after,
            until: filter.published_before,
        }
    }

    /// The range's rows, in a query that reads `article_view_sections` (alone or joined): one
    /// range of their primary key.
    fn condition<From>(&self) -> Condition<'a, From>
    where
        From: 'a,
        article_view_sections::locale: SelectableExpression<From>,
        article_view_sections::kind: SelectableExpression<From>,
        article_view_sections::section_id: SelectableExpression<From>,
        article_view_sections::published_at: SelectableExpression<From>,
        article_view_sections::own: SelectableExpression<From>,
    {
        use article_view_sections::{kind, locale, own, published_at, section_id};
        let (section_kind, id) = self.section.columns();
        let mut condition: Condition<'a, From> = Box::new(
            locale
                .eq(self.locale)
                .and(kind.eq(section_kind))
                .and(section_id.eq(id))
                .and(published_at.le(db::now())),
        );
        if self.only {
            condition = Box::new(condition.and(own.eq(true)));
        }
        if let Some(from) = self.from {
            condition = Box::new(condition.and(published_at.ge(from)));
        }
        if let Some(until) = self.until {
            condition = Box::new(condition.and(published_at.le(until)));
        }
        condition
    }
}

/// One page of a section's cards with their counters, newest (or `oldest_first`) first: one
/// statement, walking a range of the sections' primary key.
fn section_cards(
    conn: &mut DbConnection,
    range: &SectionRange,
    oldest_first: bool,
    after: Option<&After>,
    offset: i64,
    limit: i64,
) -> QueryResult<Vec<CardWithCounters>> {
    use article_view_sections::{article_id as id, locale, published_at};
    let mut query = article_view_sections::table
        .inner_join(
            article_views::table.on(article_views::article_id
                .eq(id)
                .and(article_views::locale.eq(locale))),
        )
        .left_join(article_counters::table.on(article_counters::article_id.eq(id)))
        .filter(range.condition())
        .into_boxed::<MultiBackend>();
    query = match after {
        Some(After::Time(at, last)) if oldest_first => query
            .filter(published_at.ge(*at))
            .filter(published_at.gt(*at).or(id.gt(*last))),
        Some(After::Time(at, last)) => query
            .filter(published_at.le(*at))
            .filter(published_at.lt(*at).or(id.lt(*last))),
        Some(After::Title(..)) => return Ok(Vec::new()),
        None => query,
    };
    query = if oldest_first {
        query.order((published_at.asc(), id.asc()))
    } else {
        query.order((published_at.desc(), id.desc()))
    };
    let rows: Vec<(CardRow, CounterColumns)> = query
        .select((
            CardRow::as_select(),
            (
                article_counters::comment_count,
                article_counters::reaction_counts,
            )
                .nullable(),
        ))
        .offset(offset)
        .limit(limit)
        .load(conn)?;
    Ok(rows
        .into_iter()
        .map(|(card, counters)| (card, counters_from(counters)))
        .collect())
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

/// A card and its article's counters, as lists load them.
pub type CardWithCounters = (CardRow, Counters);

/// A view and its article's counters, as one article read loads them.
pub type ViewWithCounters = (ViewRow, Counters);

/// The counters column pair of `article_counters`, absent when the article has none yet.
type CounterColumns = Option<(i64, String)>;

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
fn counters_from(columns: CounterColumns) -> Counters {
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

/// The (article, tag) pairs of these articles.
pub fn tags_of(conn: &mut DbConnection, ids: &[i64]) -> QueryResult<Vec<(i64, i64)>> {
    article_tags::table
        .filter(article_tags::article_id.eq_any(ids))
        .select((article_tags::article_id, article_tags::tag_id))
        .load(conn)
}

/// The (article, author) pairs of these articles' bylines.
pub fn authors_of(conn: &mut DbConnection, ids: &[i64]) -> QueryResult<Vec<(i64, i64)>> {
    article_authors::table
        .filter(article_authors::article_id.eq_any(ids))
        .select((article_authors::article_id, article_authors::author_id))
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

/// Replaces the views of `ids` with `views` and their section rows with `sections`, and
/// moves the section counts by the difference (as increments, which concurrent writers can't
/// lose).
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

/// The shape of the read model the tables hold (`None` before the first build).
pub fn version(conn: &mut DbConnection) -> QueryResult<Option<i32>> {
    read_model_state::table
        .find(1)
        .select(read_model_state::version)
        .first(conn)
        .optional()
}

/// Records the shape the tables now hold.
pub fn set_version(conn: &mut DbConnection, version: i32) -> QueryResult<()> {
    diesel::delete(read_model_state::table).execute(conn)?;
    diesel::insert_into(read_model_state::table)
        .values((
            read_model_state::id.eq(1),
            read_model_state::version.eq(version),
        ))
        .execute(conn)?;
    Ok(())
}
