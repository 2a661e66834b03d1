//! Sitemaps: an index over per-locale files, each URL a visible item with its hreflang
//! alternates and `x-default`, and a news sitemap of the last 48 hours.

use chrono::{Duration, Utc};
use serde_json::{Value, json};

use crate::fixtures::{article_body, create_article, newsroom};
use crate::helpers::{TestApp, expect_json, header, send_json_expect, spawn_app};

/// A sitemap's text after checking it is well-formed XML.
pub async fn xml(app: &TestApp, path: &str) -> (u16, String, Option<String>) {
    let mut response = app.get(path).send().await.unwrap();
    let status = response.status().as_u16();
    let etag = header(&response, "etag");
    let text = String::from_utf8(response.body().limit(64 << 20).await.unwrap().to_vec()).unwrap();
    if status == 200 {
        let mut reader = quick_xml::Reader::from_str(&text);
        loop {
            match reader.read_event() {
                Ok(quick_xml::events::Event::Eof) => break,
                Ok(_) => {}
                Err(error) => panic!("{path} is not XML: {error}\n{text}"),
            }
        }
    }
    (status, text, etag)
}

/// A `<url>` of a sitemap: its loc, its alternates (hreflang, href) and its images.
type Url = (String, Vec<(String, String)>, Vec<String>);

/// The `<url>` entries of a sitemap.
pub fn entries(text: &str) -> Vec<Url> {
    let between = |s: &str, open: &str, close: &str| -> Vec<String> {
        s.split(open)
            .skip(1)
            .filter_map(|part| part.split(close).next())
            .map(|v| v.replace("&amp;", "&").replace("&apos;", "'"))
            .collect()
    };
    text.split("<url>")
        .skip(1)
        .map(|url| {
            let loc = between(url, "<loc>", "</loc>").remove(0);
            let alternates = url
                .split("<xhtml:link ")
                .skip(1)
                .map(|link| {
                    let lang = between(link, "hreflang=\"", "\"").remove(0);
                    let href = between(link, "href=\"", "\"").remove(0);
                    (lang, href)
                })
                .collect();
            (loc, alternates, between(url, "<image:loc>", "</image:loc>"))
        })
        .collect()
}

/// The article a front-end URL names is served by the API (its slug is the last segment).
async fn resolves(app: &TestApp, url: &str) -> bool {
    let slug = url.rsplit('/').next().unwrap();
    let mut response = app
        .get(&format!("/api/v1/articles/{slug}"))
        .send()
        .await
        .unwrap();
    let status = response.status().as_u16();
    if status != 200 {
        eprintln!("{slug}: {status} {:?}", response.body().await);
    }
    status == 200
}

#[actix_web::test]
async fn sitemaps_list_exactly_the_visible_items_with_their_alternates() {
    let app = spawn_app().await;
    let room = newsroom(&app).await;
    let mut body = article_body(&room, "Astana summit", "published");
    body["translations"]["tr"] =
        json!({"title": "Astana zirvesi", "summary": "Özet.", "body": "<p>Metin.</p>"});
    body["translations"]["fr"] =
        json!({"title": "Sommet d'Astana", "summary": "Résumé.", "body": "<p>Texte.</p>"});
    create_article(&app, &room.editor, &body).await;
    create_article(
        &app,
        &room.editor,
        &article_body(&room, "Draft one", "draft"),
    )
    .await;
    let mut later = article_body(&room, "Later", "published");
    later["published_at"] = json!("2099-01-01T00:00:00Z");
    create_article(&app, &room.editor, &later).await;
    let mut old = article_body(&room, "Last week", "published");
    old["published_at"] = json!((Utc::now() - Duration::hours(72)).to_rfc3339());
    create_article(&app, &room.editor, &old).await;
    let mut french = article_body(&room, "x", "published");
    french["translations"] =
        json!({"fr": {"title": "Seulement en français", "summary": "R.", "body": "<p>T.</p>"}});
    create_article(&app, &room.editor, &french).await;

    let (status, index, etag) = xml(&app, "/sitemap.xml").await;
    assert_eq!(status, 200);
    for file in [
        "/sitemaps/tr/articles-1.xml",
        "/sitemaps/fr/articles-1.xml",
        "/sitemaps/en/articles-1.xml",
        "/sitemaps/tr/categories-1.xml",
        "/sitemaps/en/tags-1.xml",
        "/sitemaps/fr/authors-1.xml",
        "/sitemaps/news.xml",
    ] {
        assert!(
            index.contains(&format!("{file}</loc>")),
            "{file} not in\n{index}"
        );
    }
    // A locale without articles has no article file.
    assert!(!index.contains("/sitemaps/nl/articles-1.xml"), "{index}");
    let response = app
        .get("/sitemap.xml")
        .insert_header(("If-None-Match", etag.unwrap()))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 304);

    let (status, english, etag) = xml(&app, "/sitemaps/en/articles-1.xml").await;
    assert_eq!(status, 200);
    let english = entries(&english);
    let locs: Vec<&str> = english.iter().map(|(loc, _, _)| loc.as_str()).collect();
    assert_eq!(locs.len(), 2, "{locs:?}");
    for loc in &locs {
        assert!(resolves(&app, loc).await, "{loc} does not resolve");
    }
    let (_, alternates, _) = english
        .iter()
        .find(|(loc, _, _)| loc.ends_with("/astana-summit"))
        .expect("the three-language article");
    let languages: Vec<&str> = alternates.iter().map(|(l, _)| l.as_str()).collect();
    assert_eq!(languages, ["tr", "fr", "en", "x-default"], "{alternates:?}");
    assert_eq!(
        alternates[3].1, alternates[0].1,
        "x-default is the default locale's"
    );
    let etag = etag.unwrap();
    let response = app
        .get("/sitemaps/en/articles-1.xml")
        .insert_header(("If-None-Match", etag.clone()))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 304);
    // A renamed category moves its articles' URLs: the file is not the same any more.
    send_json_expect(
        app.patch(&format!("/api/v1/admin/categories/{}", room.category))
            .bearer_auth(&room.editor),
        &json!({"translations": {"en": {"name": "Steppe", "slug": "steppe"}}}),
        200,
    )
    .await;
    let response = app
        .get("/sitemaps/en/articles-1.xml")
        .insert_header(("If-None-Match", etag))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 200);

    let (_, french_map, _) = xml(&app, "/sitemaps/fr/articles-1.xml").await;
    let french_locs: Vec<String> = entries(&french_map).into_iter().map(|e| e.0).collect();
    assert_eq!(french_locs.len(), 2, "{french_locs:?}");
    assert!(
        french_locs
            .iter()
            .any(|l| l.ends_with("/seulement-en-francais"))
    );

    let (_, categories, _) = xml(&app, "/sitemaps/fr/categories-1.xml").await;
    let categories = entries(&categories);
    let central = categories
        .iter()
        .find(|(loc, _, _)| loc.ends_with("/fr/asie-centrale"))
        .expect("the category");
    assert_eq!(
        central.1.len(),
        4,
        "tr, fr, en and x-default: {:?}",
        central.1
    );

    for missing in [
        "/sitemaps/en/articles-2.xml",
        "/sitemaps/xx/articles-1.xml",
        "/sitemaps/en/pages-2.xml",
        "/sitemaps/en/menus-1.xml",
        "/sitemaps/en/tags-2.xml",
    ] {
        assert_eq!(xml(&app, missing).await.0, 404, "{missing}");
    }

    let (_, news, _) = xml(&app, "/sitemaps/news.xml").await;
    assert_eq!(
        news.matches("<url>").count(),
        4,
        "three languages of one, one French:\n{news}"
    );
    assert!(news.contains("<news:language>tr</news:language>"));
    assert!(
        news.contains("<news:title>Sommet d&apos;Astana</news:title>"),
        "{news}"
    );
    assert!(
        !news.contains("Last week") && !news.contains("Later"),
        "{news}"
    );

    // The site's frame names the feeds and the sitemap.
    let site: Value = expect_json(app.get("/api/v1/site?locale=fr"), 200).await["data"].clone();
    assert!(
        site["feeds"]["rss"]
            .as_str()
            .unwrap()
            .ends_with("/feeds/fr/rss.xml"),
        "{site}"
    );
    assert!(site["sitemap"].as_str().unwrap().ends_with("/sitemap.xml"));
}
