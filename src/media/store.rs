//! Media queries.

use std::collections::HashSet;

use diesel::prelude::*;

use crate::db::schema::{
    article_gallery, article_translations, articles, authors, media, media_translations,
    page_translations, pages, site_settings,
};
use crate::db::{self, DbConnection, MultiBackend, Paged};
use crate::media::model::{MediaRow, MediaTranslationRow, MediaUse, NewMedia};

/// Filters of the library list.
#[derive(Debug, Default)]
pub struct Filter {
    /// Folded text the file name, credit, alt texts or captions contain.
    pub query: Option<String>,
    /// Type of the original.
    pub mime: Option<String>,
    /// Uploaded by this account.
    pub uploaded_by: Option<i64>,
}

/// Stores a new picture; its id.
pub fn insert(conn: &mut DbConnection, row: &NewMedia) -> QueryResult<i64> {
    diesel::insert_into(media::table)
        .values(row)
        .returning(media::id)
        .get_result(conn)
}

/// One picture.
pub fn find(conn: &mut DbConnection, id: i64) -> QueryResult<MediaRow> {
    media::table
        .find(id)
        .select(MediaRow::as_select())
        .first(conn)
}

/// These pictures (those that exist).
pub fn by_ids(conn: &mut DbConnection, ids: &[i64]) -> QueryResult<Vec<MediaRow>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    media::table
        .filter(media::id.eq_any(ids))
        .select(MediaRow::as_select())
        .load(conn)
}

/// Which of `ids` name no picture.
pub fn missing(conn: &mut DbConnection, ids: &[i64]) -> QueryResult<Vec<i64>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let found: HashSet<i64> = media::table
        .filter(media::id.eq_any(ids))
        .select(media::id)
        .load::<i64>(conn)?
        .into_iter()
        .collect();
    Ok(ids
        .iter()
        .copied()
        .filter(|id| !found.contains(id))
        .collect())
}

/// The texts of these pictures, by picture and locale.
pub fn translations_of(
    conn: &mut DbConnection,
    ids: &[i64],
) -> QueryResult<Vec<MediaTranslationRow>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    media_translations::table
        .filter(media_translations::media_id.eq_any(ids))
        .select(MediaTranslationRow::as_select())
        .order((
            media_translations::media_id.asc(),
            media_translations::locale.asc(),
        ))
        .load(conn)
}

/// Sets a picture's texts in `locale`.
pub fn put_translation(
    conn: &mut DbConnection,
    id: i64,
    locale: &str,
    alt: Option<&str>,
    caption: Option<&str>,
) -> QueryResult<()> {
    remove_translation(conn, id, locale)?;
    diesel::insert_into(media_translations::table)
        .values((
            media_translations::media_id.eq(id),
            media_translations::locale.eq(locale),
            media_translations::alt.eq(alt),
            media_translations::caption.eq(caption),
        ))
        .execute(conn)
        .map(|_| ())
}

/// Removes a picture's texts in `locale`.
pub fn remove_translation(conn: &mut DbConnection, id: i64, locale: &str) -> QueryResult<()> {
    diesel::delete(
        media_translations::table
            .filter(media_translations::media_id.eq(id))
            .filter(media_translations::locale.eq(locale)),
    )
    .execute(conn)
    .map(|_| ())
}

/// Changes a picture's credit and focal point, refreshes its search text and bumps its
/// version.
pub fn update(
    conn: &mut DbConnection,
    id: i64,
    credit: Option<&str>,
    focal_point: Option<&str>,
    search_text: &str,
) -> QueryResult<()> {
    diesel::update(media::table.find(id))
        .set((
            media::credit.eq(credit),
            media::focal_point.eq(focal_point),
            media::search_text.eq(search_text),
            media::version.eq(media::version + 1),
            media::updated_at.eq(db::now()),
        ))
        .execute(conn)
        .map(|_| ())
}

/// Sets a picture's search text (after its texts were first written).
pub fn set_search_text(conn: &mut DbConnection, id: i64, search_text: &str) -> QueryResult<()> {
    diesel::update(media::table.find(id))
        .set(media::search_text.eq(search_text))
        .execute(conn)
        .map(|_| ())
}

/// Replaces what was made from a picture (after it was made again).
pub fn set_renditions(conn: &mut DbConnection, id: i64, renditions: &str) -> QueryResult<()> {
    diesel::update(media::table.find(id))
        .set(media::renditions.eq(renditions))
        .execute(conn)
        .map(|_| ())
}

/// One page of the library, newest first, and the total.
pub fn page(
    conn: &mut DbConnection,
    filter: &Filter,
    offset: i64,
    limit: i64,
) -> QueryResult<Paged<MediaRow>> {
    let filtered = || {
        let mut query = media::table.into_boxed::<MultiBackend>();
        if let Some(text) = &filter.query {
            query = query.filter(
                media::search_text
                    .like(format!("%{}%", db::escape_like(text)))
                    .escape('\\'),
            );
        }
        if let Some(mime) = &filter.mime {
            query = query.filter(media::mime.eq(mime.clone()));
        }
        if let Some(user) = filter.uploaded_by {
            query = query.filter(media::uploaded_by.eq(user));
        }
        query
    };
    let total = filtered().count().get_result(conn)?;
    let rows = filtered()
        .select(MediaRow::as_select())
        .order(media::id.desc())
        .offset(offset)
        .limit(limit)
        .load(conn)?;
    Ok(Paged { rows, total })
}

/// Removes a picture and its texts.
pub fn delete(conn: &mut DbConnection, id: i64) -> QueryResult<()> {
    diesel::delete(media::table.find(id))
        .execute(conn)
        .map(|_| ())
}

/// Whether any picture still has the files of the upload `sha256`.
pub fn sha_in_use(conn: &mut DbConnection, sha256: &str) -> QueryResult<bool> {
    diesel::select(diesel::dsl::exists(
        media::table.filter(media::sha256.eq(sha256)),
    ))
    .get_result(conn)
}

/// The pictures sharing the files of upload `sha256`.
pub fn with_sha(conn: &mut DbConnection, sha256: &str) -> QueryResult<Vec<i64>> {
    media::table
        .filter(media::sha256.eq(sha256))
        .select(media::id)
        .load(conn)
}

/// The content addresses of every picture.
pub fn all_shas(conn: &mut DbConnection) -> QueryResult<HashSet<String>> {
    Ok(media::table
        .select(media::sha256)
        .distinct()
        .load::<String>(conn)?
        .into_iter()
        .collect())
}

/// Every picture's id, in order.
pub fn all_ids(conn: &mut DbConnection) -> QueryResult<Vec<i64>> {
    media::table
        .select(media::id)
        .order(media::id.asc())
        .load(conn)
}

/// The marker an article body names a picture with.
fn body_marker(id: i64) -> String {
    format!("%data-media-id=\"{id}\"%")
}

/// The articles that use picture `id` as cover, in their gallery or in a body; only published
/// ones when `published`.
pub fn articles_using(
    conn: &mut DbConnection,
    id: i64,
    published: bool,
) -> QueryResult<Vec<(i64, &'static str)>> {
    let status = if published { "published" } else { "%" };
    let mut uses: Vec<(i64, &'static str)> = Vec::new();
    uses.extend(
        articles::table
            .filter(articles::cover_media_id.eq(id))
            .filter(articles::status.like(status))
            .select(articles::id)
            .load::<i64>(conn)?
            .into_iter()
            .map(|a| (a, "cover")),
    );
    uses.extend(
        article_gallery::table
            .inner_join(articles::table.on(articles::id.eq(article_gallery::article_id)))
            .filter(article_gallery::media_id.eq(id))
            .filter(articles::status.like(status))
            .select(articles::id)
            .distinct()
            .load::<i64>(conn)?
            .into_iter()
            .map(|a| (a, "gallery")),
    );
    let in_bodies = article_translations::table
        .inner_join(articles::table.on(articles::id.eq(article_translations::article_id)))
        .filter(article_translations::body.like(body_marker(id)))
        .filter(articles::status.like(status));
    let in_bodies: Vec<i64> = if published {
        in_bodies
            .filter(article_translations::status.eq("published"))
            .filter(diesel::dsl::not(
                article_translations::id.eq_any(crate::articles::store::visibility::held()),
            ))
            .select(articles::id)
            .distinct()
            .load(conn)?
    } else {
        in_bodies.select(articles::id).distinct().load(conn)?
    };
    uses.extend(in_bodies.into_iter().map(|a| (a, "body")));
    Ok(uses)
}

/// What uses picture `id` that a reader can see: published articles and pages, the site's
/// logo and author avatars.
pub fn public_uses(conn: &mut DbConnection, id: i64) -> QueryResult<Vec<MediaUse>> {
    let mut uses = Vec::new();
    for (article, role) in articles_using(conn, id, true)? {
        let title: Option<String> = article_translations::table
            .filter(article_translations::article_id.eq(article))
            .select(article_translations::title)
            .order(article_translations::id.asc())
            .first(conn)
            .optional()?;
        uses.push(MediaUse {
            kind: "article".into(),
            id: article,
            title: title.unwrap_or_default(),
            role: role.into(),
        });
    }
    let pages: Vec<(i64, String)> = page_translations::table
        .inner_join(pages::table)
        .filter(pages::status.eq("published"))
        .filter(page_translations::status.eq("published"))
        .filter(page_translations::body.like(body_marker(id)))
        .select((pages::id, page_translations::title))
        .load(conn)?;
    let mut seen = HashSet::new();
    for (page, title) in pages {
        if seen.insert(page) {
            uses.push(MediaUse {
                kind: "page".into(),
                id: page,
                title,
                role: "body".into(),
            });
        }
    }
    let logo: Option<Option<i64>> = site_settings::table
        .select(site_settings::logo_media_id)
        .first(conn)
        .optional()?;
    if logo.flatten() == Some(id) {
        uses.push(MediaUse {
            kind: "site".into(),
            id: 1,
            title: "site settings".into(),
            role: "logo".into(),
        });
    }
    for (author, name) in authors::table
        .filter(authors::avatar_media_id.eq(id))
        .select((authors::id, authors::name))
        .load::<(i64, String)>(conn)?
    {
        uses.push(MediaUse {
            kind: "author".into(),
            id: author,
            title: name,
            role: "avatar".into(),
        });
    }
    Ok(uses)
}

/// Before picture `id` goes: drafts and other unpublished articles that used it as cover or in
/// their gallery stop using it (bodies keep their `<img>`, which no longer resolves).
pub fn release(conn: &mut DbConnection, id: i64) -> QueryResult<()> {
    diesel::update(articles::table.filter(articles::cover_media_id.eq(id)))
        .set(articles::cover_media_id.eq(None::<i64>))
        .execute(conn)?;
    let positions: Vec<(i64, i32)> = article_gallery::table
        .filter(article_gallery::media_id.eq(id))
        .select((article_gallery::article_id, article_gallery::position))
        .load(conn)?;
    for (article, position) in positions {
        diesel::delete(article_gallery::table.find((article, position))).execute(conn)?;
    }
    Ok(())
}
