//! The delivery read model: every visible article as the public API serves it in each site
//! locale (its full JSON and its card in lists), kept in tables by the writes that change it,
//! in their transaction, so an uncached read is one indexed lookup plus the live counters.
//!
//! A view is built for each requested locale because everything in it follows that locale's
//! fallback chain: the translation served, the names of the category, tags and breadcrumb, the
//! order of the alternates. The counters (reactions, comments) are not in it: they change with
//! every reader's click and are spliced in on read.

use std::collections::HashMap;
use std::sync::Arc;

use diesel::{OptionalExtension, QueryResult};
use serde::Serialize;

use crate::articles::model::public::{PublicCorrection, Related, SiteData, SummaryRows};
use crate::articles::model::{ArticleLink, ArticleRow};
use crate::articles::store::read_model::{
    self as store, Counters, Section, SectionRow, ViewRow, ViewState, ViewWithCounters,
};
use crate::articles::store::{self as articles, delivery, visibility};
use crate::categories::model::{parent_map, path_to_root, with_descendants};
use crate::categories::store as categories;
use crate::db::{self, DbConnection};
use crate::delivery::cache::article_read_tags;
use crate::events::model::{
    ARTICLE_DELETED, ARTICLE_PUBLISHED, ARTICLE_UNPUBLISHED, ARTICLE_UPDATED, Action, NewEvent,
    Resource,
};
use crate::events::store as events;
use crate::html::media_ids;
use crate::locales::model::{LocaleChoice, LocaleRow};
use crate::locales::store as locales;
use crate::media::model::MediaLibrary;
use crate::media::store as media;
use crate::reactions::model::{KindRow, ReactionCounts};
use crate::urls::SiteUrls;

/// The shape of the views this build writes: a server finding another shape in the tables
/// rebuilds them at start.
pub const VERSION: i32 = 5;

/// Articles rebuilt per batch.
const BATCH: usize = 200;

/// Rewrites the views of these articles from the source tables: the one way they change. Records
/// the events the change makes (an article published, updated or unpublished in a locale).
pub fn refresh(conn: &mut DbConnection, ids: &[i64]) -> QueryResult<()> {
    rewrite(conn, ids, true)
}

/// [`refresh`], recording events only with `announce` (a rebuild changes nothing the outside
/// sees).
fn rewrite(conn: &mut DbConnection, ids: &[i64], announce: bool) -> QueryResult<()> {
    if ids.is_empty() {
        return Ok(());
    }
    let site = site_data(conn)?;
    let locales = locales::list(conn)?;
    let mut ids = ids.to_vec();
    ids.sort_unstable();
    ids.dedup();
    let parents = parent_map(site.categories.rows.iter().map(|c| (c.id, c.parent_id)));
    for batch in ids.chunks(BATCH) {
        store::lock_articles(conn, batch)?;
        let before = if announce {
            store::view_states(conn, batch)?
        } else {
            Vec::new()
        };
        let views = build(conn, batch, &locales, &site)?;
        if announce {
            let after: Vec<ViewState> = views.iter().map(ViewRow::state).collect();
            events::record(conn, &view_events(&before, &after, false))?;
        }
        let listed = Listed {
            parents: &parents,
            tags: db::group_by(articles::tags_of(conn, batch)?, |l| l.article_id),
            authors: db::group_by(articles::authors_of(conn, batch)?, |l| l.article_id),
        };
        let sections: Vec<SectionRow> = views
            .iter()
            .flat_map(|view| listed.sections_of(view))
            .collect();
        store::replace_views(conn, batch, &views, &sections)?;
    }
    Ok(())
}

/// Removes the views of these articles (before they are deleted), with their counts, and
/// records their deletion in every locale they were visible in.
pub fn forget(conn: &mut DbConnection, ids: &[i64]) -> QueryResult<()> {
    store::lock_articles(conn, ids)?;
    let before = store::view_states(conn, ids)?;
    events::record(conn, &view_events(&before, &[], true))?;
    store::replace_views(conn, ids, &[], &[])
}

/// Records the publication of article `id` in every locale it is served in: its time has come
/// (a scheduled publication needs no other write).
pub fn announce_published(conn: &mut DbConnection, id: i64) -> QueryResult<()> {
    let views = store::view_states(conn, &[id])?;
    events::record(conn, &view_events(&[], &views, false))
}

/// The events that turn views `before` into views `after`: visible now and not before (or
/// not yet) is a publication, visible in both with another document an update, visible before
/// and not now an unpublication (a deletion when `deleting`). A view whose `published_at` is
/// still to come is not visible.
fn view_events(before: &[ViewState], after: &[ViewState], deleting: bool) -> Vec<NewEvent> {
    let now = db::now();
    let visible = |view: &&ViewState| view.published_at <= now;
    let key = |view: &ViewState| (view.article_id, view.locale.clone());
    let old: HashMap<(i64, String), &ViewState> =
        before.iter().filter(visible).map(|v| (key(v), v)).collect();
    let new: HashMap<(i64, String), &ViewState> =
        after.iter().filter(visible).map(|v| (key(v), v)).collect();
    let mut events = Vec::new();
    for view in after.iter().filter(visible) {
        let name = match old.get(&key(view)) {
            None => ARTICLE_PUBLISHED,
            Some(old) if old.document != view.document => ARTICLE_UPDATED,
            Some(_) => continue,
        };
        let document: serde_json::Value =
            serde_json::from_str(&view.document).unwrap_or(serde_json::Value::Null);
        events.push(article_event(name, view, Action::Upsert, Some(document)));
    }
    for view in before.iter().filter(visible) {
        if !new.contains_key(&key(view)) {
            let name = if deleting {
                ARTICLE_DELETED
            } else {
                ARTICLE_UNPUBLISHED
            };
            events.push(article_event(name, view, Action::Delete, None));
        }
    }
    events
}

/// Event `name` of one article view: its id, locale and surrogate keys, and its delivery
/// `document` when it is visible.
fn article_event(
    name: &str,
    view: &ViewState,
    action: Action,
    document: Option<serde_json::Value>,
) -> NewEvent {
    let keys: Vec<&str> = view.surrogate_keys.split_whitespace().collect();
    let mut extra = serde_json::json!({ "surrogate_keys": keys });
    if let (Some(object), Some(document)) = (extra.as_object_mut(), document) {
        object.insert("document".into(), document);
    }
    NewEvent::of(name, Resource::Article, view.article_id, action, extra).in_locale(&view.locale)
}

/// What decides the lists a batch of articles is in.
struct Listed<'a> {
    /// The category tree, child to parent.
    parents: &'a HashMap<i64, Option<i64>>,
    /// Tags by article.
    tags: HashMap<i64, Vec<ArticleLink>>,
    /// Bylines by article.
    authors: HashMap<i64, Vec<ArticleLink>>,
}

impl Listed<'_> {
    /// The sections `view` is listed in: the whole site, its category and each one above it,
    /// its tags, its authors, and the featured articles when it is one.
    fn sections_of(&self, view: &ViewRow) -> Vec<SectionRow> {
        let of_view = |map: &HashMap<i64, Vec<ArticleLink>>| -> Vec<i64> {
            map.get(&view.article_id)
                .into_iter()
                .flatten()
                .map(|link| link.id)
                .collect()
        };
        let categories = path_to_root(self.parents, view.category_id);
        [Section::WholeSite]
            .into_iter()
            .chain(categories.into_iter().map(Section::Category))
            .chain(of_view(&self.tags).into_iter().map(Section::Tag))
            .chain(of_view(&self.authors).into_iter().map(Section::Author))
            .chain(view.featured.then_some(Section::Featured))
            .map(|section| {
                let (kind, section_id) = section.columns();
                SectionRow {
                    locale: view.locale.clone(),
                    kind,
                    section_id,
                    published_at: view.published_at,
                    article_id: view.article_id,
                    own: view.served_locale == view.locale,
                }
            })
            .collect()
    }
}

/// Recounts the counters of these articles (after writes that bypass the comment and reaction
/// stores, such as loading the demo).
pub fn recount(conn: &mut DbConnection, ids: &[i64]) -> QueryResult<()> {
    for id in ids {
        store::recount(conn, *id)?;
    }
    Ok(())
}

/// After a category write: the views of articles in it or below it (their breadcrumbs name it).
pub fn refresh_category(conn: &mut DbConnection, category: i64) -> QueryResult<()> {
    let tree = categories::load_all(conn)?;
    let below = with_descendants(&tree.rows, category);
    let ids = store::in_categories(conn, &below)?;
    refresh(conn, &ids)
}

/// After a tag write: the views of the articles it tags.
pub fn refresh_tag(conn: &mut DbConnection, tag: i64) -> QueryResult<()> {
    let ids = store::with_tag(conn, tag)?;
    refresh(conn, &ids)
}

/// The articles a tag is on, before it is deleted: [`refresh`] them after.
pub fn tagged(conn: &mut DbConnection, tag: i64) -> QueryResult<Vec<i64>> {
    store::with_tag(conn, tag)
}

/// After an author write: the views of the articles in their bylines.
pub fn refresh_author(conn: &mut DbConnection, author: i64) -> QueryResult<()> {
    let ids = store::by_author(conn, author)?;
    refresh(conn, &ids)
}

/// After a picture's texts change: the views of the articles that show it.
pub fn refresh_media(conn: &mut DbConnection, id: i64) -> QueryResult<()> {
    let mut ids: Vec<i64> = media::articles_using(conn, id, false)?
        .into_iter()
        .map(|(article, _)| article)
        .collect();
    ids.sort_unstable();
    ids.dedup();
    refresh(conn, &ids)
}

/// After a locale write (a new locale, a new default, a new order): every view.
pub fn refresh_all(conn: &mut DbConnection) -> QueryResult<()> {
    let ids = store::all_articles(conn)?;
    refresh(conn, &ids)
}

/// The URL settings the views are built with: those of the last build (the documented
/// defaults before the first).
fn built_urls(conn: &mut DbConnection) -> QueryResult<SiteUrls> {
    Ok(store::built_with(conn)?
        .and_then(|(_, urls)| serde_json::from_str(&urls).ok())
        .unwrap_or_default())
}

/// Builds the read model from nothing, with canonical URLs from `urls`: every view and every
/// counter. `progress` hears how many articles are done out of how many.
pub fn rebuild(
    conn: &mut DbConnection,
    urls: &SiteUrls,
    mut progress: impl FnMut(u64, u64),
) -> QueryResult<()> {
    store::clear(conn)?;
    // Recorded first: the refreshes below build with them.
    store::set_built_with(conn, VERSION, &urls_json(urls))?;
    let ids = store::all_articles(conn)?;
    let total = ids.len() as u64;
    let mut done = 0;
    for batch in ids.chunks(BATCH) {
        rewrite(conn, batch, false)?;
        recount(conn, batch)?;
        done += batch.len() as u64;
        progress(done, total);
    }
    Ok(())
}

/// `urls` as the read model's state records them.
fn urls_json(urls: &SiteUrls) -> String {
    serde_json::to_string(urls).unwrap_or_default()
}

/// Whether views built with the `stored` settings hold the URLs `urls` gives: the page and
/// preview routes aside, since no article view holds them.
fn same_urls(stored: &str, urls: &SiteUrls) -> bool {
    serde_json::from_str::<SiteUrls>(stored).is_ok_and(|stored| {
        SiteUrls {
            page: urls.page.clone(),
            preview: urls.preview.clone(),
            ..stored
        } == *urls
    })
}

/// Rebuilds the read model when the tables hold another shape than this build writes, or
/// URLs from other settings than `urls` (or nothing yet), in one write transaction that ends
/// with `rebuilt` (which tells the other instances); true when it did.
pub fn ensure_current(
    conn: &mut DbConnection,
    urls: &SiteUrls,
    rebuilt: impl FnOnce(&mut DbConnection) -> QueryResult<()>,
) -> QueryResult<bool> {
    db::write_transaction(conn, |conn| {
        // Instances starting together build it once.
        db::lock_name(conn, "read_model")?;
        if let Some((VERSION, stored)) = store::built_with(conn)?
            && same_urls(&stored, urls)
        {
            return Ok(false);
        }
        rebuild(conn, urls, |_, _| {})?;
        rebuilt(conn)?;
        Ok(true)
    })
}

/// The views of the publishable articles among `ids`, one per site locale they can be served
/// in (every locale, when fallback can reach a published translation).
fn build(
    conn: &mut DbConnection,
    ids: &[i64],
    locales: &[LocaleRow],
    site: &SiteData,
) -> QueryResult<Vec<ViewRow>> {
    let rows = store::publishable(conn, ids)?;
    if rows.is_empty() {
        return Ok(Vec::new());
    }
    let ids: Vec<i64> = rows.iter().map(|r| r.id).collect();
    let translations = articles::published_translations_of(conn, &ids)?;
    let loaded = load_summaries(conn, &rows, translations)?;
    let mut corrections = db::group_by(articles::corrections_of(conn, &ids)?, |c| c.article_id);
    let related = Related::new(&rows, site, loaded);
    let mut views = Vec::with_capacity(rows.len() * locales.len());
    for row in rows {
        let corrections: Vec<PublicCorrection> = corrections
            .remove(&row.id)
            .unwrap_or_default()
            .into_iter()
            .map(public_correction)
            .collect();
        for locale in locales {
            let choice = LocaleChoice::serving(&locale.code, locales);
            if let Some(view) = view_of(&row, &choice, &related, site, corrections.clone()) {
                views.push(view);
            }
        }
    }
    Ok(views)
}

/// What every view is built with: the category tree and the URL settings of the views.
fn site_data(conn: &mut DbConnection) -> QueryResult<SiteData> {
    Ok(SiteData {
        kinds: Arc::new(Vec::new()),
        categories: Arc::new(categories::load_all(conn)?),
        urls: Arc::new(built_urls(conn)?),
    })
}

/// A correction as delivered.
fn public_correction(row: crate::articles::model::CorrectionRow) -> PublicCorrection {
    PublicCorrection {
        at: row.at.and_utc(),
        note: row.note,
    }
}

/// What the summaries and details of `rows` show besides `translations`: bylines, tags,
/// gallery and every picture, in a fixed number of statements.
fn load_summaries(
    conn: &mut DbConnection,
    rows: &[ArticleRow],
    translations: Vec<crate::articles::model::TranslationRow>,
) -> QueryResult<SummaryRows> {
    let ids: Vec<i64> = rows.iter().map(|r| r.id).collect();
    let gallery = articles::gallery_of(conn, &ids)?;
    let bylines = delivery::bylines_of(conn, &ids)?;
    let mut media_ids: Vec<i64> = rows
        .iter()
        .filter_map(|r| r.cover_media_id)
        .chain(gallery.iter().map(|g| g.media_id))
        .chain(translations.iter().flat_map(|t| media_ids(&t.body)))
        .chain(bylines.iter().filter_map(|b| b.avatar_media_id))
        .collect();
    media_ids.sort_unstable();
    media_ids.dedup();
    Ok(SummaryRows {
        translations,
        bylines,
        tags: delivery::tag_names_of(conn, &ids)?,
        gallery,
        media: MediaLibrary::new(
            media::by_ids(conn, &media_ids)?,
            media::translations_of(conn, &media_ids)?,
        ),
    })
}

/// The document a public read of article `id` would serve in `locale` were it published as it
/// stands, draft translation included (without counters): what a preview shows. `None` when
/// the article or its translation in `locale` is gone.
pub fn preview_document(
    conn: &mut DbConnection,
    id: i64,
    locale: &str,
) -> QueryResult<Option<String>> {
    let Some(row) = articles::find(conn, id).optional()? else {
        return Ok(None);
    };
    let site = site_data(conn)?;
    let locales = locales::list(conn)?;
    // This locale's translation as it stands, the others as the public sees them.
    let translations: Vec<_> = articles::translations_of(conn, &[id])?
        .into_iter()
        .filter(|t| t.locale == locale || t.status == visibility::PUBLISHED)
        .collect();
    let loaded = load_summaries(conn, std::slice::from_ref(&row), translations)?;
    let corrections = articles::corrections_of(conn, &[id])?
        .into_iter()
        .map(public_correction)
        .collect();
    let related = Related::new(std::slice::from_ref(&row), &site, loaded);
    let choice = LocaleChoice::strict(locale, &locales);
    Ok(related
        .detail(row, &choice, &site, corrections)
        .and_then(|detail| without_counters(&detail))
        .map(|document| document.to_string()))
}

/// The view of `row` for a read asking for `choice.requested`; `None` when nothing can be
/// served there (no published translation, no publication time).
fn view_of(
    row: &ArticleRow,
    choice: &LocaleChoice,
    related: &Related,
    site: &SiteData,
    corrections: Vec<PublicCorrection>,
) -> Option<ViewRow> {
    let published_at = row.published_at?;
    let detail = related.detail(row.clone(), choice, site, corrections)?;
    let summary = &detail.summary;
    let surrogate_keys = article_read_tags(
        summary.id,
        summary
            .category
            .path
            .iter()
            .flatten()
            .map(|c| c.id)
            .chain([summary.category.id]),
        summary.tags.iter().map(|t| t.id),
        summary.authors.iter().map(|a| a.id),
    );
    // Reads showing a picture go stale when its texts change.
    let mut shown: Vec<i64> = summary
        .cover
        .iter()
        .map(|c| c.id)
        .chain(detail.gallery.iter().map(|g| g.media.id))
        .chain(media_ids(&detail.body))
        .collect();
    shown.sort_unstable();
    shown.dedup();
    let surrogate_keys = std::iter::once(surrogate_keys)
        .chain(shown.into_iter().map(|id| format!("media:{id}")))
        .collect::<Vec<_>>()
        .join(" ");
    let card = {
        let mut card = without_counters(summary)?;
        // Lists show no breadcrumb.
        if let Some(category) = card.get_mut("category").and_then(|c| c.as_object_mut()) {
            category.remove("path");
        }
        card.to_string()
    };
    Some(ViewRow {
        article_id: row.id,
        locale: choice.requested.clone(),
        served_locale: summary.locale.clone(),
        slug: detail.canonical_slug.clone(),
        title: summary.title.clone(),
        category_id: row.category_id,
        published_at,
        updated_at: row.updated_at,
        featured: row.featured,
        surrogate_keys,
        card,
        document: without_counters(&detail)?.to_string(),
    })
}

/// `value` as JSON without the live counters, which reads splice in.
fn without_counters(value: &impl Serialize) -> Option<serde_json::Value> {
    let mut json = serde_json::to_value(value).ok()?;
    let object = json.as_object_mut()?;
    object.remove("reaction_counts");
    object.remove("comment_count");
    Some(json)
}

/// The view a public read of `key` (an id, or a current or old slug in any locale) serves in
/// `choice`, if any, with its article's counters: one statement. A slug names its article only
/// while its own translation is published, so a draft's slug is as unknown as a missing one; a
/// key with control characters names nothing.
pub fn served(
    conn: &mut DbConnection,
    key: &str,
    choice: &LocaleChoice,
) -> QueryResult<Option<ViewWithCounters>> {
    let servable = |view: &ViewRow| choice.fallback || view.served_locale == view.locale;
    if let Ok(id) = key.parse::<i64>() {
        return Ok(store::view_by_id(conn, id, &choice.requested)?.filter(|(v, _)| servable(v)));
    }
    if key.chars().any(char::is_control) {
        return Ok(None);
    }
    let rows = store::views_by_slug(conn, key, &choice.requested)?;
    // The newest claim whose own translation is published names the article.
    let owner = rows.iter().find_map(|(slug_locale, (view, _))| {
        (view.locale == *slug_locale && view.served_locale == *slug_locale)
            .then_some(view.article_id)
    });
    Ok(owner.and_then(|article| {
        rows.into_iter()
            .map(|(_, served)| served)
            .find(|(view, _)| {
                view.article_id == article && view.locale == choice.requested && servable(view)
            })
    }))
}

/// Up to `limit` articles related to `view`'s (in its requested locale; only those published
/// in it when `only`): sharing its category or tags, most shared tags first, then newest.
pub fn related(
    conn: &mut DbConnection,
    view: &ViewRow,
    only: bool,
    limit: usize,
) -> QueryResult<Vec<i64>> {
    let own_tags: Vec<i64> = articles::tags_of(conn, &[view.article_id])?
        .into_iter()
        .map(|t| t.id)
        .collect();
    let candidates = store::related_candidates(
        conn,
        &view.locale,
        only,
        view.article_id,
        view.category_id,
        &own_tags,
        200,
    )?;
    let ids: Vec<i64> = candidates.iter().map(|(id, _)| *id).collect();
    let mut shared: HashMap<i64, usize> = HashMap::new();
    for tag in articles::tags_of(conn, &ids)? {
        if own_tags.contains(&tag.id) {
            *shared.entry(tag.article_id).or_default() += 1;
        }
    }
    let mut scored: Vec<(usize, i64)> = candidates
        .into_iter()
        .map(|(id, category)| {
            let score = 2 * shared.get(&id).copied().unwrap_or(0)
                + usize::from(category == view.category_id);
            (score, id)
        })
        .collect();
    // A stable sort keeps the newest first among equals.
    scored.sort_by_key(|(score, _)| std::cmp::Reverse(*score));
    Ok(scored.into_iter().take(limit).map(|(_, id)| id).collect())
}

/// A JSON array of cards, each with its article's counters.
pub fn cards_json<'a>(
    cards: impl Iterator<Item = (&'a str, Option<&'a Counters>)>,
    kinds: &[KindRow],
) -> String {
    let mut out = String::from("[");
    for (n, (card, counters)) in cards.enumerate() {
        if n > 0 {
            out.push(',');
        }
        out.push_str(&with_counters(card, counters, kinds));
    }
    out.push(']');
    out
}

/// `stored` (a view's card or document) with the live counters of its article, as reads send
/// it: the stored JSON is not parsed again, the counters are written before its first field.
pub fn with_counters(stored: &str, counters: Option<&Counters>, kinds: &[KindRow]) -> String {
    let zero = Counters::default();
    let counters = counters.unwrap_or(&zero);
    let reactions: ReactionCounts = kinds
        .iter()
        .map(|kind| {
            let count = counters.reactions.get(&kind.id).copied().unwrap_or(0);
            (kind.kind_key.clone(), count)
        })
        .collect();
    let reactions = serde_json::to_string(&reactions).unwrap_or_else(|_| "{}".to_owned());
    let rest = stored.strip_prefix('{').unwrap_or(stored);
    let separator = if rest.trim_start().starts_with('}') {
        ""
    } else {
        ","
    };
    format!(
        "{{\"comment_count\":{},\"reaction_counts\":{reactions}{separator}{rest}",
        counters.comments
    )
}
