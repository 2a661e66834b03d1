//! Page queries: editing, the hierarchy's checks, and what readers may see.

use diesel::prelude::*;

use crate::articles::model::{PreparedTranslation, Subject, trimmed};
use crate::articles::store::editing::{PlannedText, check_body_media, plan_text};
use crate::articles::store::revisions;
use crate::db::schema::{page_translations, pages};
use crate::db::{self, DbConnection, MultiBackend, Paged};
use crate::domain::DomainError;
use crate::events::model::{
    Action, NewEvent, PAGE_DELETED, PAGE_PUBLISHED, PAGE_UNPUBLISHED, PAGE_UPDATED, Resource,
};
use crate::events::store as events;
use crate::html::media_ids;
use crate::media::model::MediaLibrary;
use crate::media::store as media;
use crate::pages::model::{
    AdminPage, PageFields, PageParts, PageRow, PageStatus, PageTextFields, PageTranslationRow,
    key_error,
};
use crate::search::model::Kind;
use crate::search::store as search;
use crate::slug;

/// Stores a new page; its id.
pub fn insert(
    conn: &mut DbConnection,
    fields: &PageFields,
    created_by: Option<i64>,
) -> QueryResult<i64> {
    let now = db::now();
    diesel::insert_into(pages::table)
        .values((
            pages::key.eq(&fields.key),
            pages::parent_id.eq(fields.parent_id),
            pages::position.eq(fields.position),
            pages::status.eq(&fields.status),
            pages::published_at.eq(fields.published_at),
            pages::source_locale.eq(&fields.source_locale),
            pages::created_by.eq(created_by),
            pages::created_at.eq(now),
            pages::updated_at.eq(now),
        ))
        .returning(pages::id)
        .get_result(conn)
}

/// One page.
pub fn find(conn: &mut DbConnection, id: i64) -> QueryResult<PageRow> {
    pages::table
        .find(id)
        .select(PageRow::as_select())
        .first(conn)
}

/// One page, locked for the write that follows (on PostgreSQL; SQLite's write transaction
/// holds the database already).
pub fn lock(conn: &mut DbConnection, id: i64) -> QueryResult<PageRow> {
    match conn {
        DbConnection::Pg(pg) => pages::table
            .find(id)
            .select(PageRow::as_select())
            .for_update()
            .first(pg),
        DbConnection::Sqlite(sqlite) => pages::table
            .find(id)
            .select(PageRow::as_select())
            .first(sqlite),
    }
}

/// Changes a page when it is still at `version`; `false` when stale.
pub fn update(
    conn: &mut DbConnection,
    id: i64,
    version: i64,
    fields: &PageFields,
) -> QueryResult<bool> {
    let updated = diesel::update(
        pages::table
            .filter(pages::id.eq(id))
            .filter(pages::version.eq(version)),
    )
    .set((
        pages::key.eq(&fields.key),
        pages::parent_id.eq(fields.parent_id),
        pages::position.eq(fields.position),
        pages::status.eq(&fields.status),
        pages::published_at.eq(fields.published_at),
        pages::source_locale.eq(&fields.source_locale),
        pages::version.eq(pages::version + 1),
        pages::updated_at.eq(db::now()),
    ))
    .execute(conn)?;
    Ok(updated == 1)
}

/// Deletes a page with its translations and revisions.
pub fn delete(conn: &mut DbConnection, id: i64) -> QueryResult<()> {
    revisions::delete_all(conn, Subject::Page, id)?;
    crate::previews::store::delete_all(conn, Subject::Page, id)?;
    search::remove(conn, Kind::Page, id)?;
    diesel::delete(pages::table.find(id))
        .execute(conn)
        .map(drop)
}

/// The editor view of one page.
pub fn load_admin(conn: &mut DbConnection, id: i64) -> QueryResult<AdminPage> {
    let row = find(conn, id)?;
    load_admin_many(conn, vec![row])?
        .pop()
        .ok_or(diesel::result::Error::NotFound)
}

/// The editor view of these pages, in their order: two queries whatever their number.
pub fn load_admin_many(conn: &mut DbConnection, rows: Vec<PageRow>) -> QueryResult<Vec<AdminPage>> {
    let ids: Vec<i64> = rows.iter().map(|r| r.id).collect();
    let mut translations = db::group_by(translations_of(conn, &ids)?, |t| t.page_id);
    Ok(rows
        .into_iter()
        .map(|row| {
            let id = row.id;
            AdminPage::new(row, translations.remove(&id).unwrap_or_default())
        })
        .collect())
}

/// Whether another page than `except` has `key`.
pub fn key_taken(conn: &mut DbConnection, key: &str, except: Option<i64>) -> QueryResult<bool> {
    let mut query = pages::table
        .filter(pages::key.eq(key))
        .select(pages::id)
        .into_boxed::<MultiBackend>();
    if let Some(except) = except {
        query = query.filter(pages::id.ne(except));
    }
    Ok(query.first::<i64>(conn).optional()?.is_some())
}

/// Every page's parent, for checks of the hierarchy (a site has tens of pages), after
/// taking the lock that makes moves take turns, so two can't make a cycle together.
pub fn lock_hierarchy(conn: &mut DbConnection) -> QueryResult<Vec<(i64, Option<i64>)>> {
    db::lock_name(conn, "pages:tree")?;
    pages::table
        .select((pages::id, pages::parent_id))
        .load(conn)
}

/// Whether page `id` has sub-pages.
pub fn has_children(conn: &mut DbConnection, id: i64) -> QueryResult<bool> {
    diesel::select(diesel::dsl::exists(
        pages::table.filter(pages::parent_id.eq(id)),
    ))
    .get_result(conn)
}

/// Pages as editors list them, most recently changed first: optionally only in `status` or
/// with a translation in `locale`.
pub fn admin_page(
    conn: &mut DbConnection,
    status: Option<&str>,
    locale: Option<&str>,
    offset: i64,
    limit: i64,
) -> QueryResult<Paged<PageRow>> {
    let filtered = || {
        let mut q = pages::table.into_boxed::<MultiBackend>();
        if let Some(status) = status {
            q = q.filter(pages::status.eq(status.to_owned()));
        }
        if let Some(locale) = locale {
            q = q.filter(
                pages::id.eq_any(
                    page_translations::table
                        .filter(page_translations::locale.eq(locale.to_owned()))
                        .select(page_translations::page_id),
                ),
            );
        }
        q
    };
    let total = filtered().count().get_result(conn)?;
    let rows = filtered()
        .select(PageRow::as_select())
        .order((pages::updated_at.desc(), pages::id.desc()))
        .offset(offset)
        .limit(limit)
        .load(conn)?;
    Ok(Paged { rows, total })
}

/// These pages, by id.
pub fn by_ids(conn: &mut DbConnection, ids: &[i64]) -> QueryResult<Vec<PageRow>> {
    pages::table
        .filter(pages::id.eq_any(ids))
        .select(PageRow::as_select())
        .order(pages::id.asc())
        .load(conn)
}

/// Every translation of these pages.
pub fn translations_of(
    conn: &mut DbConnection,
    ids: &[i64],
) -> QueryResult<Vec<PageTranslationRow>> {
    page_translations::table
        .filter(page_translations::page_id.eq_any(ids))
        .select(PageTranslationRow::as_select())
        .order(page_translations::id.asc())
        .load(conn)
}

/// The translation of page `id` in `locale`.
pub fn find_translation(
    conn: &mut DbConnection,
    id: i64,
    locale: &str,
) -> QueryResult<Option<PageTranslationRow>> {
    page_translations::table
        .filter(page_translations::page_id.eq(id))
        .filter(page_translations::locale.eq(locale))
        .select(PageTranslationRow::as_select())
        .first(conn)
        .optional()
}

/// Whether a page other than `except` has `slug` in `locale` (serialised per slug, so two
/// saves can't both find a generated one free).
pub fn slug_taken(
    conn: &mut DbConnection,
    locale: &str,
    slug: &str,
    except: i64,
) -> QueryResult<bool> {
    db::lock_name(conn, &format!("slug:pages:{locale}:{}", slug::base(slug)))?;
    diesel::select(diesel::dsl::exists(
        page_translations::table
            .filter(page_translations::locale.eq(locale))
            .filter(page_translations::slug.eq(slug))
            .filter(page_translations::page_id.ne(except)),
    ))
    .get_result(conn)
}

/// Stores a new translation of page `id`.
pub fn insert_translation(
    conn: &mut DbConnection,
    id: i64,
    locale: &str,
    fields: &PageTextFields,
) -> QueryResult<()> {
    let now = db::now();
    diesel::insert_into(page_translations::table)
        .values((
            page_translations::page_id.eq(id),
            page_translations::locale.eq(locale),
            page_translations::title.eq(&fields.title),
            page_translations::slug.eq(&fields.slug),
            page_translations::summary.eq(&fields.summary),
            page_translations::body.eq(&fields.body),
            page_translations::seo_title.eq(&fields.seo_title),
            page_translations::seo_description.eq(&fields.seo_description),
            page_translations::status.eq(&fields.status),
            page_translations::created_at.eq(now),
            page_translations::updated_at.eq(now),
        ))
        .execute(conn)
        .map(drop)
}

/// Replaces a translation when it is still at `version`; `false` when stale.
pub fn update_translation(
    conn: &mut DbConnection,
    translation: i64,
    version: i64,
    fields: &PageTextFields,
) -> QueryResult<bool> {
    let updated = diesel::update(
        page_translations::table
            .filter(page_translations::id.eq(translation))
            .filter(page_translations::version.eq(version)),
    )
    .set((
        page_translations::title.eq(&fields.title),
        page_translations::slug.eq(&fields.slug),
        page_translations::summary.eq(&fields.summary),
        page_translations::body.eq(&fields.body),
        page_translations::seo_title.eq(&fields.seo_title),
        page_translations::seo_description.eq(&fields.seo_description),
        page_translations::status.eq(&fields.status),
        page_translations::version.eq(page_translations::version + 1),
        page_translations::updated_at.eq(db::now()),
    ))
    .execute(conn)?;
    Ok(updated == 1)
}

/// Deletes one translation.
pub fn delete_translation(conn: &mut DbConnection, translation: i64) -> QueryResult<()> {
    diesel::delete(page_translations::table.find(translation))
        .execute(conn)
        .map(drop)
}

/// The published page a public `key` names: its id (digits), its key, or a slug of one of its
/// published translations in any locale (the requested locale's first).
pub fn resolve_key(conn: &mut DbConnection, key: &str, locale: &str) -> QueryResult<Option<i64>> {
    let published = pages::table
        .filter(pages::status.eq("published"))
        .select(pages::id)
        .into_boxed::<MultiBackend>();
    if let Ok(id) = key.parse::<i64>() {
        return published.filter(pages::id.eq(id)).first(conn).optional();
    }
    if key_error(key, "key").is_none()
        && let Some(id) = pages::table
            .filter(pages::status.eq("published"))
            .filter(pages::key.eq(key))
            .select(pages::id)
            .first(conn)
            .optional()?
    {
        return Ok(Some(id));
    }
    let by_slug: Vec<(i64, String)> = page_translations::table
        .inner_join(pages::table)
        .filter(pages::status.eq("published"))
        .filter(page_translations::status.eq("published"))
        .filter(page_translations::slug.eq(key))
        .select((pages::id, page_translations::locale))
        .order(pages::id.asc())
        .load(conn)?;
    Ok(by_slug
        .iter()
        .find(|(_, l)| l == locale)
        .or(by_slug.first())
        .map(|(id, _)| *id))
}

/// A page of published pages with a published translation (in `only`, when given), under
/// `parent` when given, ordered as siblings are (position, then id).
pub fn published_page(
    conn: &mut DbConnection,
    parent: Option<i64>,
    only: Option<&str>,
    offset: i64,
    limit: i64,
) -> QueryResult<Paged<PageRow>> {
    // Any locale matches `%`; locale codes hold no wildcard.
    let locale = only.unwrap_or("%").to_owned();
    let filtered = || {
        let translated = page_translations::table
            .filter(page_translations::status.eq("published"))
            .filter(page_translations::locale.like(locale.clone()))
            .select(page_translations::page_id);
        let mut q = pages::table
            .filter(pages::status.eq("published"))
            .filter(pages::id.eq_any(translated))
            .into_boxed::<MultiBackend>();
        if let Some(parent) = parent {
            q = q.filter(pages::parent_id.eq(parent));
        }
        q
    };
    let total = filtered().count().get_result(conn)?;
    let rows = filtered()
        .select(PageRow::as_select())
        .order((pages::position.asc(), pages::id.asc()))
        .offset(offset)
        .limit(limit)
        .load(conn)?;
    Ok(Paged { rows, total })
}

/// The published sub-pages of page `id`, in order.
pub fn published_children(conn: &mut DbConnection, id: i64) -> QueryResult<Vec<PageRow>> {
    pages::table
        .filter(pages::status.eq("published"))
        .filter(pages::parent_id.eq(id))
        .select(PageRow::as_select())
        .order((pages::position.asc(), pages::id.asc()))
        .load(conn)
}

/// Every published page (for the sitemaps; a site has tens of pages, not thousands), in order.
pub fn all_published(conn: &mut DbConnection) -> QueryResult<Vec<PageRow>> {
    pages::table
        .filter(pages::status.eq("published"))
        .select(PageRow::as_select())
        .order((pages::position.asc(), pages::id.asc()))
        .load(conn)
}

/// The published translations of these pages, whatever the pages' status.
pub fn published_translations_of(
    conn: &mut DbConnection,
    ids: &[i64],
) -> QueryResult<Vec<PageTranslationRow>> {
    page_translations::table
        .filter(page_translations::page_id.eq_any(ids))
        .filter(page_translations::status.eq("published"))
        .select(PageTranslationRow::as_select())
        .order(page_translations::id.asc())
        .load(conn)
}

/// The locales page `id` is visible in: its published translations, when the page is published.
pub fn visible_locales(conn: &mut DbConnection, id: i64) -> QueryResult<Vec<String>> {
    page_translations::table
        .inner_join(pages::table)
        .filter(pages::id.eq(id))
        .filter(pages::status.eq("published"))
        .filter(page_translations::status.eq("published"))
        .select(page_translations::locale)
        .order(page_translations::locale.asc())
        .load(conn)
}

/// Records what a write did to page `id`, which was visible in `before`: published in the
/// locales it is visible in now and was not, updated in those it is visible in still,
/// unpublished (or, when `deleting`, deleted) in the others.
pub fn announce(
    conn: &mut DbConnection,
    id: i64,
    before: &[String],
    deleting: bool,
) -> QueryResult<()> {
    let after = if deleting {
        Vec::new()
    } else {
        visible_locales(conn, id)?
    };
    let event = |name: &str, action: Action, locale: &str| {
        NewEvent::of(name, Resource::Page, id, action, serde_json::json!({})).in_locale(locale)
    };
    let mut changes = Vec::new();
    for locale in &after {
        let name = if before.contains(locale) {
            PAGE_UPDATED
        } else {
            PAGE_PUBLISHED
        };
        changes.push(event(name, Action::Upsert, locale));
    }
    for locale in before.iter().filter(|l| !after.contains(l)) {
        let name = if deleting {
            PAGE_DELETED
        } else {
            PAGE_UNPUBLISHED
        };
        changes.push(event(name, Action::Delete, locale));
    }
    events::record(conn, &changes)
}

/// Every page id, ascending.
pub fn ids(conn: &mut DbConnection) -> QueryResult<Vec<i64>> {
    pages::table.select(pages::id).order(pages::id).load(conn)
}

/// How many pages there are.
pub fn count(conn: &mut DbConnection) -> QueryResult<i64> {
    pages::table.count().get_result(conn)
}

/// Saves one translation of `page`: a new version when it exists (its previous state kept as
/// a revision), else a new translation. With `expected`, only when the translation is at that
/// version (stale otherwise). An explicit slug must be free among pages in the locale (a
/// conflict); a generated one gets a suffix; a published translation of a published page keeps
/// its slug whatever its title, unless the client names a new one.
pub fn save_translation(
    conn: &mut DbConnection,
    page: &PageRow,
    locale: &str,
    prepared: &PreparedTranslation,
    saved_by: Option<i64>,
    expected: Option<i64>,
) -> Result<(), DomainError> {
    let input = &prepared.input;
    check_body_media(conn, &prepared.body, &format!("translations.{locale}.body"))?;
    let current = find_translation(conn, page.id, locale)?;
    let keep_slug =
        page.status() == PageStatus::Published && current.as_ref().is_some_and(|c| c.published());
    let PlannedText {
        title,
        slug,
        status,
    } = plan_text(
        current.as_ref().map(PageTranslationRow::revised).as_ref(),
        expected,
        input,
        locale,
        keep_slug,
        |candidate| slug_taken(conn, locale, candidate, page.id),
    )?;
    let entry = prepared.search_entry(Kind::Page, page.id, locale, &slug);
    let fields = PageTextFields {
        title,
        slug,
        summary: trimmed(&input.summary),
        body: prepared.body.clone(),
        seo_title: trimmed(&input.seo_title),
        seo_description: trimmed(&input.seo_description),
        status: status.as_str().to_owned(),
    };
    match current {
        Some(current) => {
            revisions::insert_revision(conn, Subject::Page, page.id, &current.revised(), saved_by)?;
            if !update_translation(conn, current.id, current.version, &fields)? {
                return Err(DomainError::Stale);
            }
        }
        None => insert_translation(conn, page.id, locale, &fields)?,
    }
    search::put(conn, &entry)?;
    Ok(())
}

/// The parts of page `id` served in its `own` translations (see [`PageParts`]).
pub fn parts(
    conn: &mut DbConnection,
    id: i64,
    own: Vec<PageTranslationRow>,
) -> QueryResult<PageParts> {
    let row = find(conn, id)?;
    let mut related = published_children(conn, id)?;
    if let Some(parent) = row.parent_id {
        related.extend(
            by_ids(conn, &[parent])?
                .into_iter()
                .filter(|p| p.status() == PageStatus::Published),
        );
    }
    let ids: Vec<i64> = related.iter().map(|r| r.id).collect();
    let translations = db::group_by(published_translations_of(conn, &ids)?, |t| t.page_id);
    let mut pictures: Vec<i64> = own.iter().flat_map(|t| media_ids(&t.body)).collect();
    pictures.sort_unstable();
    pictures.dedup();
    let library = MediaLibrary::new(
        media::by_ids(conn, &pictures)?,
        media::translations_of(conn, &pictures)?,
    );
    Ok(PageParts {
        row,
        own,
        related,
        translations,
        library,
    })
}
