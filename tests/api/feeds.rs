//! Feeds: RSS 2.0, Atom 1.0 and JSON Feed 1.1 per locale, read with a real feed parser.

use serde_json::{Value, json};

use crate::fixtures::{article_body, create_article, newsroom};
use crate::helpers::{
    TestApp, assert_problem, expect_json, header, send_json_expect, spawn_app, spawn_app_with,
};

const FORMATS: [(&str, &str); 3] = [
    ("rss.xml", "application/rss+xml"),
    ("atom.xml", "application/atom+xml"),
    ("feed.json", "application/feed+json"),
];

/// An article in the newsroom's `category` with these translations (`(locale, title,
/// status)`), published at `at` when `status` is `published`; returns its id.
async fn article(
    app: &TestApp,
    editor: &str,
    mut body: Value,
    translations: &[(&str, &str, &str)],
    at: &str,
) -> i64 {
    body["published_at"] = json!(at);
    body["translations"] = json!({});
    for (locale, title, status) in translations {
        body["translations"][*locale] = json!({"title": title, "summary": format!("{title}: the summary."),
                                              "body": "<p>The whole <b>story</b>.</p>", "status": status});
    }
    create_article(app, editor, &body).await["id"]
        .as_i64()
        .unwrap()
}

/// The links of a feed's entries, in its order, read by a feed parser.
async fn entries(app: &TestApp, path: &str, content_type: &str) -> Vec<String> {
    let mut response = app.get(path).send().await.unwrap();
    assert_eq!(response.status().as_u16(), 200, "{path}");
    let served = header(&response, "content-type").unwrap();
    assert!(served.starts_with(content_type), "{path}: {served}");
    assert!(header(&response, "last-modified").is_some(), "{path}");
    let body = response.body().await.unwrap();
    let feed = feed_rs::parser::parse(&body[..]).unwrap_or_else(|e| panic!("{path}: {e}"));
    feed.entries
        .iter()
        .map(|entry| {
            entry
                .links
                .first()
                .map(|l| l.href.clone())
                .unwrap_or_default()
        })
        .collect()
}

async fn url_of(app: &TestApp, id: i64) -> String {
    let read = expect_json(app.get(&format!("/api/v1/articles/{id}?locale=fr")), 200).await;
    read["data"]["url"].as_str().unwrap().to_owned()
}

#[actix_web::test]
async fn feeds_list_exactly_the_visible_items_of_their_locale() {
    let app = spawn_app().await;
    let room = newsroom(&app).await;
    let editor = room.editor.clone();
    let published = article_body(&room, "unused", "published");
    let older = article(
        &app,
        &editor,
        published.clone(),
        &[
            ("fr", "Ancien récit", "published"),
            ("en", "Older story", "published"),
        ],
        "2026-11-20T10:00:00Z",
    )
    .await;
    let mut below = published.clone();
    below["category_id"] = json!(room.subcategory);
    below["tag_ids"] = json!([]);
    let newer = article(
        &app,
        &editor,
        below,
        &[("fr", "Récit du Kazakhstan", "published")],
        "2026-11-21T10:00:00Z",
    )
    .await;
    // Not in the French feeds: French only as a draft, scheduled, the article a draft.
    article(
        &app,
        &editor,
        published.clone(),
        &[
            ("fr", "Brouillon", "draft"),
            ("en", "English only", "published"),
        ],
        "2026-11-22T10:00:00Z",
    )
    .await;
    article(
        &app,
        &editor,
        published.clone(),
        &[("fr", "Plus tard", "published")],
        "2099-01-01T00:00:00Z",
    )
    .await;
    article(
        &app,
        &editor,
        article_body(&room, "unused", "draft"),
        &[("fr", "Pas encore", "draft")],
        "2026-11-23T10:00:00Z",
    )
    .await;
    let (older_url, newer_url) = (url_of(&app, older).await, url_of(&app, newer).await);

    for (format, content_type) in FORMATS {
        let feed = |query: &str| format!("/feeds/fr/{format}{query}");
        assert_eq!(
            entries(&app, &feed(""), content_type).await,
            [newer_url.clone(), older_url.clone()],
            "{format}"
        );
        // A category's feed holds what is below it; a tag's and an author's theirs.
        assert_eq!(
            entries(
                &app,
                &feed(&format!("?category={}", room.category)),
                content_type
            )
            .await,
            [newer_url.clone(), older_url.clone()],
            "{format}"
        );
        assert_eq!(
            entries(&app, &feed("?category=kazakhstan"), content_type).await,
            std::slice::from_ref(&newer_url),
            "{format}"
        );
        assert_eq!(
            entries(&app, &feed(&format!("?tag={}", room.tag)), content_type).await,
            std::slice::from_ref(&older_url),
            "{format}"
        );
        assert_eq!(
            entries(
                &app,
                &feed(&format!("?author={}", room.author)),
                content_type
            )
            .await,
            [newer_url.clone(), older_url.clone()],
            "{format}"
        );
        let english = entries(&app, &format!("/feeds/en/{format}"), content_type).await;
        assert_eq!(english.len(), 2, "{format}: {english:?}");

        for missing in [
            "/feeds/xx/".to_owned() + format,
            feed("?category=nowhere"),
            feed("?tag=nothing"),
            feed("?author=nobody"),
        ] {
            let mut response = app.get(&missing).send().await.unwrap();
            assert_problem(&mut response, 404).await;
        }
        let mut unknown = app.get(&feed("?page=2")).send().await.unwrap();
        assert_problem(&mut unknown, 422).await;

        let first = app.get(&feed("")).send().await.unwrap();
        let etag = header(&first, "etag").unwrap();
        let again = app
            .get(&feed(""))
            .insert_header(("If-None-Match", etag.as_str()))
            .send()
            .await
            .unwrap();
        assert_eq!(again.status().as_u16(), 304, "{format}");
    }
}

#[actix_web::test]
async fn a_publication_shows_in_the_cached_feeds_at_once() {
    let app = spawn_app().await;
    let room = newsroom(&app).await;
    let first = article(
        &app,
        &room.editor,
        article_body(&room, "unused", "published"),
        &[("fr", "Premier", "published")],
        "2026-11-20T10:00:00Z",
    )
    .await;
    let first_url = url_of(&app, first).await;
    for (format, content_type) in FORMATS {
        let path = format!("/feeds/fr/{format}");
        assert_eq!(
            entries(&app, &path, content_type).await,
            std::slice::from_ref(&first_url)
        );
        let cached = app.get(&path).send().await.unwrap();
        assert_eq!(
            header(&cached, "x-cache").as_deref(),
            Some("HIT"),
            "{format}"
        );
        let modified = header(&cached, "last-modified").expect("Last-Modified");
        // If-Modified-Since: unchanged since then is a 304, from the cache as on a miss.
        let unchanged = app
            .get(&path)
            .insert_header(("If-Modified-Since", modified.as_str()))
            .send()
            .await
            .unwrap();
        assert_eq!(unchanged.status().as_u16(), 304, "{format}");
        let earlier = app
            .get(&path)
            .insert_header(("If-Modified-Since", "Mon, 02 Nov 2026 10:00:00 GMT"))
            .send()
            .await
            .unwrap();
        assert_eq!(earlier.status().as_u16(), 200, "{format}");
    }
    let second = article(
        &app,
        &room.editor,
        article_body(&room, "unused", "published"),
        &[("fr", "Second", "published")],
        "2026-11-21T10:00:00Z",
    )
    .await;
    let second_url = url_of(&app, second).await;
    for (format, content_type) in FORMATS {
        let path = format!("/feeds/fr/{format}");
        assert_eq!(
            entries(&app, &path, content_type).await,
            [second_url.clone(), first_url.clone()],
            "{format}"
        );
    }
}

#[actix_web::test]
async fn feeds_carry_whole_articles_when_asked_to() {
    let app = spawn_app_with(|env| {
        env.insert("FEED_FULL_CONTENT".into(), "true".into());
    })
    .await;
    let room = newsroom(&app).await;
    article(
        &app,
        &room.editor,
        article_body(&room, "unused", "published"),
        &[("fr", "Entier", "published")],
        "2026-11-20T10:00:00Z",
    )
    .await;
    for (format, _) in FORMATS {
        let mut response = app
            .get(&format!("/feeds/fr/{format}"))
            .send()
            .await
            .unwrap();
        let body = response.body().await.unwrap();
        let feed = feed_rs::parser::parse(&body[..]).unwrap();
        let entry = &feed.entries[0];
        let content = entry
            .content
            .as_ref()
            .and_then(|c| c.body.clone())
            .unwrap_or_default();
        assert!(content.contains("<b>story</b>"), "{format}: {content}");
        assert_eq!(
            entry.summary.as_ref().map(|s| s.content.as_str()),
            Some("Entier: the summary."),
            "{format}"
        );
    }
}

/// A feed names itself with `PUBLIC_API_URL` whatever the request's headers say (the answer is
/// cached and shared), and names its items by ids that survive a new slug.
#[actix_web::test]
async fn feeds_name_themselves_and_their_items_stably() {
    let app = spawn_app_with(|env| {
        env.insert("PUBLIC_API_URL".into(), "https://api.example.be/".into());
        env.insert("SITE_URL".into(), "https://www.example.be".into());
    })
    .await;
    let room = newsroom(&app).await;
    let id = article(
        &app,
        &room.editor,
        article_body(&room, "unused", "published"),
        &[("fr", "Premier titre", "published")],
        "2026-11-20T10:00:00Z",
    )
    .await;
    let mut response = app
        .get("/feeds/fr/atom.xml?tag=diplomatie")
        .insert_header(("X-Forwarded-Host", "evil.example"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 200);
    assert!(
        !header(&response, "vary")
            .unwrap_or_default()
            .contains("Accept-Language")
    );
    assert_eq!(header(&response, "content-language").as_deref(), Some("fr"));
    let body = String::from_utf8(response.body().await.unwrap().to_vec()).unwrap();
    assert!(!body.contains("evil.example"), "{body}");
    assert!(
        body.contains("href=\"https://api.example.be/feeds/fr/atom.xml?tag=diplomatie\""),
        "{body}"
    );
    let entry_id = format!("tag:www.example.be,2026:article:{id}");
    assert!(body.contains(&format!("<id>{entry_id}</id>")), "{body}");

    // A new slug moves the link, not the id.
    send_json_expect(
        app.put(&format!("/api/v1/admin/articles/{id}/translations/fr"))
            .bearer_auth(&room.editor),
        &json!({"title": "Titre refait", "slug": "titre-refait", "body": "<p>Texte.</p>", "status": "published"}),
        200,
    )
    .await;
    let mut response = app.get("/feeds/fr/rss.xml").send().await.unwrap();
    let body = String::from_utf8(response.body().await.unwrap().to_vec()).unwrap();
    assert!(body.contains("/titre-refait</link>"), "{body}");
    assert!(
        body.contains(&format!("<guid isPermaLink=\"false\">{entry_id}</guid>")),
        "{body}"
    );
}
