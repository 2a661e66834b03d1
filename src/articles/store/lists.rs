//! Article list pages from the read model. A list of the whole site, a category (with
//! everything below it), a tag, an author or the featured articles is a section: one range of
//! `article_view_sections`' primary key, in list order, with its total kept in
//! `article_view_counts`. Any other list reads the locale's views through their indexes.

use std::collections::HashMap;

use chrono::NaiveDateTime;
use diesel::expression::{BoxableExpression, SelectableExpression};
use diesel::prelude::*;
use diesel::sql_types::Bool;

use crate::articles::model::ArticleSort;
use crate::articles::store::read_model::{
    CounterColumns, Counters, Section, Views, counters_from, counters_of, visible_in,
};
use crate::articles::store::visibility::shown_translations;
use crate::db::schema::{
    article_authors, article_counters, article_gallery, article_reads, article_tags,
    article_translations, article_view_counts, article_view_sections, article_views,
};
use crate::db::{self, DbConnection, MultiBackend};

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

/// A card and its article's counters, as lists load them.
pub type CardWithCounters = (CardRow, Counters);

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
    /// Only articles with (or only without) a photo gallery.
    pub has_gallery: Option<bool>,
}

impl ListFilter {
    /// The section a list reads when it is one: the whole site, a category (with everything
    /// below it), a tag, an author or the featured articles, alone or with a publication
    /// window, and no other filter.
    fn section(&self) -> Option<Section> {
        if self.text.is_some() || self.has_gallery.is_some() {
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
                shown_translations()
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
    if let Some(has_gallery) = filter.has_gallery {
        let with_gallery = article_gallery::table.select(article_gallery::article_id);
        query = if has_gallery {
            query.filter(article_views::article_id.eq_any(with_gallery))
        } else {
            query.filter(diesel::dsl::not(
                article_views::article_id.eq_any(with_gallery),
            ))
        };
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
        ArticleSort::NewestFirst | ArticleSort::Popular => {
            query.order((published_at.desc(), id.desc()))
        }
    };
    let cards: Vec<CardRow> = query
        .select(CardRow::as_select())
        .offset(offset)
        .limit(limit)
        .load(conn)?;
    with_counters(conn, cards)
}

/// `cards`, in their order, each with its article's counters: one statement.
fn with_counters(
    conn: &mut DbConnection,
    cards: Vec<CardRow>,
) -> QueryResult<Vec<CardWithCounters>> {
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

/// Up to `limit` cards matching `filter` from `offset`, most read since the hour `since`
/// first (then the newest id), and how many there are: articles not read since are not
/// listed. The ranking is made in memory over the articles read in the window (a site reads
/// thousands a month, not millions), from two statements; the page's cards take a third.
pub fn popular_page(
    conn: &mut DbConnection,
    filter: &ListFilter,
    since: NaiveDateTime,
    offset: i64,
    limit: i64,
) -> QueryResult<(Vec<CardWithCounters>, i64)> {
    let read_since = || {
        article_reads::table
            .filter(article_reads::hour.ge(since))
            .select(article_reads::article_id)
    };
    let matching: std::collections::HashSet<i64> = filtered(filter)
        .filter(article_views::article_id.eq_any(read_since()))
        .select(article_views::article_id)
        .load::<i64>(conn)?
        .into_iter()
        .collect();
    let mut ranked: Vec<(i64, i64)> = article_reads::table
        .filter(article_reads::hour.ge(since))
        .group_by(article_reads::article_id)
        .select((
            article_reads::article_id,
            diesel::dsl::sum(article_reads::count),
        ))
        .load::<(i64, Option<i64>)>(conn)?
        .into_iter()
        .filter(|(id, _)| matching.contains(id))
        .map(|(id, total)| (id, total.unwrap_or(0)))
        .collect();
    ranked.sort_unstable_by(|a, b| b.1.cmp(&a.1).then(b.0.cmp(&a.0)));
    let total = ranked.len() as i64;
    let ids: Vec<i64> = ranked
        .into_iter()
        .skip(usize::try_from(offset).unwrap_or(usize::MAX))
        .take(usize::try_from(limit).unwrap_or(0))
        .map(|(id, _)| id)
        .collect();
    let mut cards: HashMap<i64, CardRow> = filtered(filter)
        .filter(article_views::article_id.eq_any(&ids))
        .select(CardRow::as_select())
        .load::<CardRow>(conn)?
        .into_iter()
        .map(|card| (card.article_id, card))
        .collect();
    let ranked_cards = ids.iter().filter_map(|id| cards.remove(id)).collect();
    Ok((with_counters(conn, ranked_cards)?, total))
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
    totals(conn, locale, only, Section::WholeSite.kind(), None)
}

/// What a read in `locale` may show now under each of these tags.
pub fn tag_totals(
    conn: &mut DbConnection,
    tags: &[i64],
    locale: &str,
    only: bool,
) -> QueryResult<HashMap<i64, i64>> {
    totals(conn, locale, only, Section::Tag(0).kind(), Some(tags))
}

/// The totals of the sections of `kind` (those in `ids`, or all), as a read in `locale` sees
/// them now: the kept counts, less the rows of articles still to be published. No count over
/// the articles.
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
    // The scheduled articles are found through the views' index of publication times (few
    // entries past now), then their section rows through the index by article.
    let scheduled = article_views::table
        .filter(article_views::locale.eq(locale))
        .filter(article_views::published_at.gt(db::now()))
        .select(article_views::article_id);
    let mut coming = sections::table
        .filter(sections::article_id.eq_any(scheduled))
        .filter(sections::locale.eq(locale))
        .filter(sections::kind.eq(kind))
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
    // The two statements see two moments: an article scheduled between them is subtracted
    // without having been counted.
    for total in totals.values_mut() {
        *total = (*total).max(0);
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
