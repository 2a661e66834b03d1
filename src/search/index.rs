//! Building the search index from the source tables: at start when it was built by another
//! analyser (or never), by `cms reindex`, and for authors when the site's locales change.
//! Everyday writes keep it current through the stores.

use diesel::QueryResult;

use crate::articles::store::{self as articles, read_model as views};
use crate::authors::store as authors;
use crate::db::{self, DbConnection};
use crate::html;
use crate::pages::store as pages;
use crate::search::model::{Entry, IndexedText, Kind, VERSION};
use crate::search::store;
use crate::tags::store as tags;

/// Subjects indexed per batch.
const BATCH: usize = 200;

/// The entry of a stored translation (its body as sanitised HTML).
fn stored_entry(
    kind: Kind,
    subject: i64,
    locale: &str,
    slug: &str,
    title: &str,
    summary: Option<&str>,
    body: &str,
) -> Entry {
    let content = html::plain_text(body);
    Entry {
        kind,
        subject_id: subject,
        locale: locale.to_owned(),
        slug: slug.to_owned(),
        title: title.to_owned(),
        summary: summary.map(str::to_owned),
        text: IndexedText::new(locale, title, summary, &content),
        content,
    }
}

/// Rebuilds the whole index; `progress` hears how many subjects are done out of how many.
pub fn rebuild(conn: &mut DbConnection, mut progress: impl FnMut(u64, u64)) -> QueryResult<()> {
    store::clear(conn)?;
    let article_ids = views::all_articles(conn)?;
    let page_ids = pages::ids(conn)?;
    let tag_ids = tags::ids(conn)?;
    let author_ids = authors::ids(conn)?;
    let total = (article_ids.len() + page_ids.len() + tag_ids.len() + author_ids.len()) as u64;
    let mut done = 0;
    for batch in article_ids.chunks(BATCH) {
        for t in articles::translations_of(conn, batch)? {
            let entry = stored_entry(
                Kind::Article,
                t.article_id,
                &t.locale,
                &t.slug,
                &t.title,
                t.summary.as_deref(),
                &t.body,
            );
            store::insert(conn, &entry)?;
        }
        done += batch.len() as u64;
        progress(done, total);
    }
    for t in page_ids
        .chunks(BATCH)
        .map(|batch| pages::translations_of(conn, batch))
        .collect::<QueryResult<Vec<_>>>()?
        .into_iter()
        .flatten()
    {
        let entry = stored_entry(
            Kind::Page,
            t.page_id,
            &t.locale,
            &t.slug,
            &t.title,
            t.summary.as_deref(),
            &t.body,
        );
        store::insert(conn, &entry)?;
    }
    for t in tag_ids
        .chunks(BATCH)
        .map(|batch| tags::translations_of(conn, batch))
        .collect::<QueryResult<Vec<_>>>()?
        .into_iter()
        .flatten()
    {
        let entry = Entry::named(
            Kind::Tag,
            t.tag_id,
            &t.locale,
            &t.slug,
            &t.name,
            t.description.as_deref(),
        );
        store::insert(conn, &entry)?;
    }
    authors(conn)?;
    progress(total, total);
    store::set_built_with(conn, VERSION)
}

/// Rewrites every author's entries (after the site's locales changed).
pub fn authors(conn: &mut DbConnection) -> QueryResult<()> {
    for id in authors::ids(conn)? {
        authors::index(conn, id)?;
    }
    Ok(())
}

/// Rebuilds the index when another analyser built it, or nothing did, in one write
/// transaction; true when it did.
pub fn ensure_current(conn: &mut DbConnection) -> QueryResult<bool> {
    db::write_transaction(conn, |conn| {
        // Instances starting together build it once.
        db::lock_name(conn, "search_index")?;
        if store::built_with(conn)? == Some(VERSION) {
            return Ok(false);
        }
        rebuild(conn, |_, _| {})?;
        Ok(true)
    })
}
