//! `GET /sitemap.xml` (the index), `/sitemaps/{locale}/{kind}-{n}.xml` (articles, pages,
//! categories, tags, authors) and `/sitemaps/news.xml` (Google News).

use std::collections::BTreeMap;

use actix_web::http::header;
use actix_web::web::Bytes;
use actix_web::{HttpRequest, HttpResponse, get, web};
use chrono::{DateTime, Utc};
use sha2::{Digest, Sha256};

use crate::app::AppState;
use crate::db;
use crate::delivery::{cached_bytes, if_none_match};
use crate::error::{ApiError, Problem};
use crate::locales::model::{LocaleChoice, LocaleRow, normalize_code};
use crate::openapi::NotModified;
use crate::pages::store as pages;
use crate::site::store as site;
use crate::sitemaps::model::*;
use crate::sitemaps::store;

/// The answers' type.
const XML: &str = "application/xml; charset=utf-8";

/// Articles read per database round trip while a sitemap file is written.
const BATCH: i64 = 1000;

/// How far back the news sitemap goes, in hours.
const NEWS_HOURS: i64 = 48;

/// Most articles in the news sitemap (Google's limit).
const NEWS_MAX: i64 = 1000;

/// The sitemap index: for every site locale, its article files (50,000 URLs each) and its
/// page, category, tag and author files, with when each last changed.
#[utoipa::path(
    tag = "sitemaps",
    responses(
        (status = 200, description = "The sitemap index.", body = String, content_type = "application/xml",
         headers(("ETag" = String, description = "Strong validator."))),
        NotModified,
    )
)]
#[get("/sitemap.xml")]
pub async fn sitemap_index(
    request: HttpRequest,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let locales = state.site_locales().await?;
    let codes: Vec<String> = locales.iter().map(|l| l.code.clone()).collect();
    let counts = state
        .db
        .run(move |conn| {
            let mut counts = Vec::new();
            for code in codes {
                let count = store::own_count(conn, &code)?;
                let newest = store::own_newest(conn, &code)?;
                counts.push((code, count, newest));
            }
            Ok(counts)
        })
        .await?;
    let base = &state.settings.feeds.api_url;
    let mut files = Vec::new();
    for (locale, count, newest) in counts {
        let newest = newest.map(db::to_utc);
        for n in 1..=(count + MAX_URLS - 1) / MAX_URLS {
            files.push((format!("{base}/sitemaps/{locale}/articles-{n}.xml"), newest));
        }
        for kind in [Kind::Pages, Kind::Categories, Kind::Tags, Kind::Authors] {
            files.push((
                format!("{base}/sitemaps/{locale}/{}-1.xml", kind.name()),
                None,
            ));
        }
    }
    files.push((format!("{base}/sitemaps/news.xml"), None));
    Ok(cached_bytes(
        &request,
        state.settings.http.cache_max_age,
        index(&files).into_bytes(),
        None,
        XML,
    ))
}

/// One sitemap file of a locale: `articles-{n}.xml` (the articles published in that locale
/// itself, by id, 50,000 a file, written as a stream), or `pages-1.xml` (pages published in
/// that locale), `categories-1.xml`, `tags-1.xml`, `authors-1.xml`. Every URL carries its
/// alternates in each published translation plus `x-default`; articles and pages their
/// `lastmod`, articles their cover image.
#[utoipa::path(
    tag = "sitemaps",
    params(
        ("locale" = String, Path, description = "A site locale."),
        ("file" = String, Path, description = "`articles-{n}.xml`, `pages-1.xml`, `categories-1.xml`, `tags-1.xml` or `authors-1.xml`."),
    ),
    responses(
        (status = 200, description = "The sitemap file.", body = String, content_type = "application/xml",
         headers(("ETag" = String, description = "Strong validator."))),
        NotModified,
        (status = 404, description = "No such locale or file.", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/sitemaps/{locale}/{file}")]
pub async fn sitemap_file(
    request: HttpRequest,
    state: web::Data<AppState>,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, ApiError> {
    let (locale, file) = path.into_inner();
    let locales = state.site_locales().await?;
    let locale = normalize_code(&locale)
        .filter(|code| locales.iter().any(|l| l.code == *code))
        .ok_or_else(ApiError::not_found)?;
    let (kind, number) = Kind::of_file(&file).ok_or_else(ApiError::not_found)?;
    if kind == Kind::Articles {
        return articles_file(&request, &state, &locales, locale, number).await;
    }
    if number != 1 {
        return Err(ApiError::not_found());
    }
    let urls = state.settings.urls.clone();
    let codes: Vec<String> = locales.iter().map(|l| l.code.clone()).collect();
    let default = LocaleChoice::serving(&locale, &locales).default;
    let tree = state.category_tree().await?;
    let found = state
        .db
        .run(move |conn| {
            // (id, locale, URL, last change) of every published translation.
            let found: Vec<(i64, String, String, Option<DateTime<Utc>>)> = match kind {
                Kind::Pages => {
                    let rows = pages::all_published(conn)?;
                    let ids: Vec<i64> = rows.iter().map(|r| r.id).collect();
                    let texts =
                        db::group_by(pages::published_translations_of(conn, &ids)?, |t| t.page_id);
                    rows.iter()
                        .flat_map(|row| {
                            texts.get(&row.id).into_iter().flatten().map(|t| {
                                (
                                    row.id,
                                    t.locale.clone(),
                                    urls.page(&t.locale, &t.slug, row.id, row.key.as_deref()),
                                    Some(db::to_utc(row.updated_at.max(t.updated_at))),
                                )
                            })
                        })
                        .collect()
                }
                Kind::Categories => tree
                    .translations
                    .iter()
                    .map(|t| {
                        let url = urls.category(&t.locale, &t.slug, t.category_id);
                        (t.category_id, t.locale.clone(), url, None)
                    })
                    .collect(),
                Kind::Tags => store::tag_slugs(conn)?
                    .into_iter()
                    .map(|(id, code, slug)| {
                        let url = urls.tag(&code, &slug, id);
                        (id, code, url, None)
                    })
                    .collect(),
                _ => store::author_slugs(conn)?
                    .into_iter()
                    .flat_map(|(id, slug)| {
                        codes
                            .iter()
                            .map(|code| (id, code.clone(), urls.author(code, &slug, id), None))
                            .collect::<Vec<_>>()
                    })
                    .collect(),
            };
            Ok(found)
        })
        .await?;
    let mut by_id: BTreeMap<i64, Vec<(String, String)>> = BTreeMap::new();
    let mut lastmod: BTreeMap<i64, DateTime<Utc>> = BTreeMap::new();
    for (id, code, url, changed) in found {
        if code == locale
            && let Some(changed) = changed
        {
            lastmod.insert(id, changed);
        }
        by_id.entry(id).or_default().push((code, url));
    }
    let mut out = String::from(URLSET_HEAD);
    for (id, translations) in &by_id {
        let Some((_, loc)) = translations.iter().find(|(code, _)| *code == locale) else {
            continue;
        };
        Entry {
            loc: loc.clone(),
            lastmod: lastmod.get(id).copied(),
            alternates: alternates(translations, &default),
            ..Entry::default()
        }
        .write(&mut out);
    }
    out.push_str(URLSET_TAIL);
    Ok(cached_bytes(
        &request,
        state.settings.http.cache_max_age,
        out.into_bytes(),
        None,
        XML,
    ))
}

/// Where writing an article sitemap stands.
enum Stage {
    Head,
    Rows { after: i64, left: i64 },
    Done,
}

/// Article file `number` of `locale`, streamed: memory does not grow with the articles.
async fn articles_file(
    request: &HttpRequest,
    state: &AppState,
    locales: &[LocaleRow],
    locale: String,
    number: i64,
) -> Result<HttpResponse, ApiError> {
    let offset = (number - 1).saturating_mul(MAX_URLS);
    let asked = locale.clone();
    let (start, count, newest) = state
        .db
        .run(move |conn| {
            Ok((
                store::own_start(conn, &asked, offset)?,
                store::own_count(conn, &asked)?,
                store::own_newest(conn, &asked)?,
            ))
        })
        .await?;
    // Article URLs hold their category's slug: a renamed category changes the file, not the
    // articles' own times.
    let tree = state.category_tree().await?;
    let slugs = crate::config::encode_hex(&Sha256::digest(
        tree.translations
            .iter()
            .map(|t| format!("{}:{}:{}\n", t.category_id, t.locale, t.slug))
            .collect::<String>(),
    ));
    // The first file always exists (empty while the locale has no article).
    let Some(start) = start.filter(|_| number == 1 || offset < count) else {
        return Err(ApiError::not_found());
    };
    let etag = format!(
        "\"{}\"",
        crate::config::encode_hex(
            &Sha256::digest(format!("{locale}:{number}:{count}:{newest:?}:{slugs}"))[..16]
        )
    );
    let cache_control = format!("public, max-age={}", state.settings.http.cache_max_age);
    if if_none_match(request.headers(), &etag) {
        return Ok(HttpResponse::NotModified()
            .insert_header((header::ETAG, etag))
            .insert_header((header::CACHE_CONTROL, cache_control))
            .finish());
    }
    let default = LocaleChoice::serving(&locale, locales).default;
    let db = state.db.clone();
    let body = futures_util::stream::unfold(Stage::Head, move |stage| {
        let db = db.clone();
        let locale = locale.clone();
        let default = default.clone();
        async move {
            match stage {
                Stage::Head => Some((
                    Ok(Bytes::from_static(URLSET_HEAD.as_bytes())),
                    Stage::Rows {
                        after: start,
                        left: MAX_URLS,
                    },
                )),
                Stage::Rows { after, left } if left > 0 => {
                    let take = left.min(BATCH);
                    let rows = match db
                        .run(move |conn| Ok(store::own_after(conn, &locale, after, take)?))
                        .await
                    {
                        Ok(rows) => rows,
                        Err(error) => return Some((Err(error), Stage::Done)),
                    };
                    let Some((last, _)) = rows.last() else {
                        return Some((Ok(Bytes::from_static(URLSET_TAIL.as_bytes())), Stage::Done));
                    };
                    let last = *last;
                    let read = rows.len() as i64;
                    let mut out = String::with_capacity(rows.len() * 600);
                    for (_, card) in rows {
                        if let Ok(card) = serde_json::from_str::<SitemapCard>(&card) {
                            card.entry(&default).write(&mut out);
                        }
                    }
                    Some((
                        Ok(Bytes::from(out)),
                        Stage::Rows {
                            after: last,
                            left: left - read,
                        },
                    ))
                }
                Stage::Rows { .. } => {
                    Some((Ok(Bytes::from_static(URLSET_TAIL.as_bytes())), Stage::Done))
                }
                Stage::Done => None,
            }
        }
    });
    Ok(HttpResponse::Ok()
        .insert_header((header::CONTENT_TYPE, XML))
        .insert_header((header::ETAG, etag))
        .insert_header((header::CACHE_CONTROL, cache_control))
        .streaming(body))
}

/// The Google News sitemap: articles published in the last 48 hours (at most 1,000), each in
/// the language it is written in, with the site's name in that language as the publication.
#[utoipa::path(
    tag = "sitemaps",
    responses(
        (status = 200, description = "The news sitemap.", body = String, content_type = "application/xml",
         headers(("ETag" = String, description = "Strong validator."))),
        NotModified,
    )
)]
#[get("/sitemaps/news.xml")]
pub async fn news_sitemap(
    request: HttpRequest,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let locales = state.site_locales().await?;
    let since = db::now() - chrono::Duration::hours(NEWS_HOURS);
    let (rows, names) = state
        .db
        .run(move |conn| {
            let rows = store::published_since(conn, since, NEWS_MAX)?;
            let (_, names) = site::find(conn)?;
            Ok((rows, names))
        })
        .await?;
    let items: Vec<NewsItem> = rows
        .into_iter()
        .filter_map(|(locale, title, published_at, card)| {
            let card: SitemapCard = serde_json::from_str(&card).ok()?;
            let choice = LocaleChoice::serving(&locale, &locales);
            let publication = choice
                .name_in(&names, |n| &n.locale)
                .map(|n| n.name.clone())
                .unwrap_or_else(|| "Newsroom".into());
            Some(NewsItem {
                url: card.url,
                publication,
                language: locale,
                title,
                published_at: db::to_utc(published_at),
            })
        })
        .collect();
    Ok(cached_bytes(
        &request,
        state.settings.http.cache_max_age,
        news(&items).into_bytes(),
        None,
        XML,
    ))
}
