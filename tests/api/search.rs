//! `/api/v1/search` and `/search/suggest`: words found in any form their language gives them,
//! accents and case aside, phrases and exclusions, snippets that never carry markup from a
//! body, only what the public may see, and an index that follows every write at once. The
//! same assertions run on SQLite (FTS5) and PostgreSQL (tsvector): the same result sets.

use std::collections::BTreeSet;

use diesel::prelude::*;
use serde_json::{Value, json};

use crate::fixtures::{Newsroom, create_article, newsroom};
use crate::helpers::{TestApp, assert_problem, expect_json, send_json_expect, spawn_app};
use crate::read_model::reindex;

/// The search answer for `params` (a query string).
async fn search(app: &TestApp, params: &[(&str, &str)]) -> Value {
    let query: Vec<String> = params
        .iter()
        .map(|(name, value)| format!("{name}={}", encoded(value)))
        .collect();
    expect_json(app.get(&format!("/api/v1/search?{}", query.join("&"))), 200).await
}

/// `value` percent-encoded for a query string.
fn encoded(value: &str) -> String {
    value
        .bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// The (type, id) of every result of `q` in `locale`, after checking `meta.total` counts them.
async fn found(app: &TestApp, locale: &str, q: &str) -> BTreeSet<(String, i64)> {
    let body = search(app, &[("q", q), ("locale", locale), ("per_page", "100")]).await;
    let data = body["data"].as_array().unwrap();
    assert_eq!(body["meta"]["total"], data.len(), "{q}: {body}");
    data.iter()
        .map(|hit| {
            (
                hit["type"].as_str().unwrap().to_owned(),
                hit["id"].as_i64().unwrap(),
            )
        })
        .collect()
}

/// The articles among the results of `q` in `locale`.
async fn articles(app: &TestApp, locale: &str, q: &str) -> BTreeSet<i64> {
    found(app, locale, q)
        .await
        .into_iter()
        .filter(|(kind, _)| kind == "article")
        .map(|(_, id)| id)
        .collect()
}

fn ids(list: &[i64]) -> BTreeSet<i64> {
    list.iter().copied().collect()
}

/// A published article in `category` with these translations; its id.
async fn article(app: &TestApp, room: &Newsroom, category: i64, translations: Value) -> i64 {
    create_article(
        app,
        &room.editor,
        &json!({
            "category_id": category,
            "author_ids": [room.author],
            "status": "published",
            "source_locale": "en",
            "translations": translations,
        }),
    )
    .await["id"]
        .as_i64()
        .unwrap()
}

#[actix_web::test]
async fn words_are_found_in_any_form_accents_and_case_aside_ranked_with_escaped_snippets() {
    let app = spawn_app().await;
    let room = newsroom(&app).await;
    let elections = article(
        &app,
        &room,
        room.category,
        json!({
            "tr": {"title": "Seçimlerde yeni dönem", "summary": "Parlamento seçimleri.",
                   "body": "<p>Hükümetin dış politika tartışması sürüyor.</p>"},
            "fr": {"title": "Les élections législatives", "summary": "Un scrutin.",
                   "body": "<p>La réforme constitutionnelle est adoptée.</p>"},
            "en": {"title": "Elections and foreign policy", "summary": "A vote.",
                   "body": "<p>The reform of the constitution passed.</p>"},
        }),
    )
    .await;
    let football = article(&app, &room, room.subcategory, json!({
        "en": {"title": "Football results", "summary": "Scores.",
               "body": "<p>A match report: &lt;script&gt;alert(1)&lt;/script&gt; was typed by a fan before the elections &amp; after.</p>"},
    }))
    .await;
    let draft = create_article(
        &app,
        &room.editor,
        &json!({"category_id": room.category, "author_ids": [room.author], "status": "draft",
                "translations": {"en": {"title": "Secret elections plan", "body": "<p>Elections.</p>"}}}),
    )
    .await["id"]
        .as_i64()
        .unwrap();

    // Stemming per language, accents, Turkish dotted and dotless i, case.
    for (locale, q) in [
        ("tr", "seçimler"),
        ("tr", "secimlerde"),
        ("tr", "DIŞ POLİTİKA"),
        ("tr", "dis politika"),
        ("fr", "election"),
        ("fr", "ÉLECTION"),
        ("fr", "reforme"),
        ("en", "election policies"),
    ] {
        assert_eq!(
            articles(&app, locale, q).await,
            ids(&[elections]),
            "{locale} {q}"
        );
    }
    // A draft is never found; every visible one is.
    assert_eq!(
        articles(&app, "en", "elections").await,
        ids(&[elections, football])
    );
    // Phrases, exclusions, alternatives.
    assert_eq!(
        articles(&app, "en", "\"foreign policy\"").await,
        ids(&[elections])
    );
    assert_eq!(articles(&app, "en", "\"policy foreign\"").await, ids(&[]));
    // A phrase lies within one field: the title's last word and the summary's first are not one.
    assert_eq!(articles(&app, "en", "\"policy a vote\"").await, ids(&[]));
    assert_eq!(articles(&app, "en", "\"a vote\"").await, ids(&[elections]));
    assert_eq!(
        articles(&app, "en", "elections -football").await,
        ids(&[elections])
    );
    assert_eq!(
        articles(&app, "en", "football or constitution").await,
        ids(&[elections, football])
    );
    assert_eq!(articles(&app, "en", "-elections").await, ids(&[]));
    // A locale searches its own texts: the French article text is not found in Turkish.
    assert_eq!(articles(&app, "tr", "législatives").await, ids(&[]));

    // The title weighs more than the body.
    let ranked = search(&app, &[("q", "elections"), ("locale", "en")]).await;
    assert_eq!(ranked["data"][0]["id"], elections, "{ranked}");
    let hit = &ranked["data"][1];
    assert_eq!(hit["type"], "article");
    assert_eq!(hit["locale"], "en");
    assert_eq!(hit["slug"], "football-results");
    assert_eq!(hit["title"], "Football results");
    assert!(
        hit["url"].as_str().unwrap().ends_with("/football-results"),
        "{hit}"
    );
    assert!(hit["published_at"].is_string(), "{hit}");
    // The snippet marks the words found and escapes everything else.
    let snippet = hit["snippet"].as_str().unwrap();
    assert!(snippet.contains("<mark>elections</mark>"), "{snippet}");
    assert!(
        snippet.contains("&lt;script&gt;alert(1)&lt;/script&gt;"),
        "{snippet}"
    );
    assert!(!snippet.contains("<script"), "{snippet}");
    assert!(snippet.contains("&amp; after"), "{snippet}");

    // Types and categories (a category holds what is below it).
    let tags = found(&app, "tr", "diplomasi").await;
    assert_eq!(tags, [("tag".to_owned(), room.tag)].into(), "{tags:?}");
    let only_authors = search(
        &app,
        &[("q", "birbayeva"), ("locale", "en"), ("type", "authors")],
    )
    .await;
    assert_eq!(only_authors["meta"]["total"], 1, "{only_authors}");
    assert_eq!(only_authors["data"][0]["type"], "author");
    assert!(
        only_authors["data"][0]["url"]
            .as_str()
            .unwrap()
            .contains("ayana-birbayeva")
    );
    let in_category = |category: i64| {
        let category = category.to_string();
        let app = &app;
        async move {
            let body = search(
                app,
                &[
                    ("q", "elections"),
                    ("locale", "en"),
                    ("category", &category),
                ],
            )
            .await;
            body["data"]
                .as_array()
                .unwrap()
                .iter()
                .map(|hit| hit["id"].as_i64().unwrap())
                .collect::<BTreeSet<i64>>()
        }
    };
    assert_eq!(
        in_category(room.category).await,
        ids(&[elections, football])
    );
    assert_eq!(in_category(room.subcategory).await, ids(&[football]));

    // Pages of results.
    let second = search(
        &app,
        &[
            ("q", "elections"),
            ("locale", "en"),
            ("per_page", "1"),
            ("page", "2"),
        ],
    )
    .await;
    assert_eq!(second["data"][0]["id"], football, "{second}");
    assert_eq!(second["meta"]["total"], 2);
    let past = search(
        &app,
        &[
            ("q", "elections"),
            ("locale", "en"),
            ("per_page", "1"),
            ("page", "9"),
        ],
    )
    .await;
    assert_eq!(past["data"], json!([]));
    assert_eq!(past["meta"]["total"], 2, "{past}");

    // Editors find drafts through the admin list's q, with the same analyser.
    let admin = expect_json(
        app.get("/api/v1/admin/articles?q=ELECTION&status=draft")
            .bearer_auth(&room.editor),
        200,
    )
    .await;
    let listed: Vec<i64> = admin["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["id"].as_i64().unwrap())
        .collect();
    assert_eq!(listed, vec![draft], "{admin}");
    let turkish = expect_json(
        app.get("/api/v1/admin/articles?q=se%C3%A7imlerde&locale=tr")
            .bearer_auth(&room.editor),
        200,
    )
    .await;
    assert_eq!(turkish["meta"]["total"], 1, "{turkish}");
    assert_eq!(turkish["data"][0]["id"], elections);
}

#[actix_web::test]
async fn the_index_follows_every_write_at_once() {
    let app = spawn_app().await;
    let room = newsroom(&app).await;
    let id = article(
        &app,
        &room,
        room.category,
        json!({
            "en": {"title": "Harvest festival", "body": "<p>Apples everywhere.</p>"},
            "fr": {"title": "Fête des vendanges", "body": "<p>Des pommes partout.</p>"},
        }),
    )
    .await;
    let path = format!("/api/v1/admin/articles/{id}");
    // Cached answers first, so a stale cache would show below.
    assert_eq!(articles(&app, "en", "harvest").await, ids(&[id]));
    assert_eq!(articles(&app, "en", "pears").await, ids(&[]));

    // An edit is searchable at once, and what it removed is gone.
    let current = expect_json(app.get(&path).bearer_auth(&room.editor), 200).await;
    let version = current["data"]["translations"]["en"]["version"]
        .as_i64()
        .unwrap();
    send_json_expect(
        app.put(&format!("{path}/translations/en"))
            .bearer_auth(&room.editor)
            .insert_header(("If-Match", format!("\"{version}\""))),
        &json!({"title": "Harvest festival", "body": "<p>Pears everywhere.</p>"}),
        200,
    )
    .await;
    assert_eq!(articles(&app, "en", "pears").await, ids(&[id]));
    assert_eq!(articles(&app, "en", "apples").await, ids(&[]));

    // Suggestions match the start of title words.
    let suggest = expect_json(
        app.get("/api/v1/search/suggest?q=harv%20fest&locale=en"),
        200,
    )
    .await;
    assert_eq!(suggest["data"][0]["id"], id, "{suggest}");
    assert_eq!(suggest["data"][0]["title"], "Harvest festival");
    assert!(suggest["data"][0]["url"].is_string());
    let none = expect_json(app.get("/api/v1/search/suggest?q=xyz&locale=en"), 200).await;
    assert_eq!(none["data"], json!([]));

    // A translation removed is no longer found in its locale.
    let current = expect_json(app.get(&path).bearer_auth(&room.editor), 200).await;
    let fr_version = current["data"]["translations"]["fr"]["version"]
        .as_i64()
        .unwrap();
    assert_eq!(articles(&app, "fr", "vendange").await, ids(&[id]));
    let mut removed = app
        .delete(&format!("{path}/translations/fr"))
        .bearer_auth(&room.editor)
        .insert_header(("If-Match", format!("\"{fr_version}\"")))
        .send()
        .await
        .unwrap();
    assert_eq!(removed.status().as_u16(), 204, "{:?}", removed.body().await);
    assert_eq!(articles(&app, "fr", "vendange").await, ids(&[]));

    // Taken down, it is not found; published again, it is.
    let version = |body: &Value| body["data"]["version"].as_i64().unwrap();
    let current = expect_json(app.get(&path).bearer_auth(&room.editor), 200).await;
    let down = send_json_expect(
        app.patch(&path)
            .bearer_auth(&room.editor)
            .insert_header(("If-Match", format!("\"{}\"", version(&current)))),
        &json!({"status": "draft"}),
        200,
    )
    .await;
    assert_eq!(articles(&app, "en", "pears").await, ids(&[]));
    let suggest = expect_json(app.get("/api/v1/search/suggest?q=harv&locale=en"), 200).await;
    assert_eq!(suggest["data"], json!([]), "{suggest}");
    send_json_expect(
        app.patch(&path)
            .bearer_auth(&room.editor)
            .insert_header(("If-Match", format!("\"{}\"", version(&down)))),
        &json!({"status": "published"}),
        200,
    )
    .await;
    assert_eq!(articles(&app, "en", "pears").await, ids(&[id]));

    // Deleted, it is never found again.
    let current = expect_json(app.get(&path).bearer_auth(&room.editor), 200).await;
    let mut deleted = app
        .delete(&path)
        .bearer_auth(&room.editor)
        .insert_header(("If-Match", format!("\"{}\"", version(&current))))
        .send()
        .await
        .unwrap();
    assert_eq!(deleted.status().as_u16(), 204, "{:?}", deleted.body().await);
    assert_eq!(articles(&app, "en", "pears").await, ids(&[]));
    let admin = expect_json(
        app.get("/api/v1/admin/articles?q=pears")
            .bearer_auth(&room.editor),
        200,
    )
    .await;
    assert_eq!(admin["meta"]["total"], 0, "{admin}");

    // Pages are found while published, tags and authors as renamed.
    let page = send_json_expect(
        app.post("/api/v1/admin/pages").bearer_auth(&room.editor),
        &json!({"key": "imprint", "translations": {"en": {"title": "Imprint", "body": "<p>Publisher: Harvest Press</p>"}}}),
        201,
    )
    .await["data"]
        .clone();
    let page_id = page["id"].as_i64().unwrap();
    assert_eq!(found(&app, "en", "publisher").await, BTreeSet::new());
    send_json_expect(
        app.patch(&format!("/api/v1/admin/pages/{page_id}"))
            .bearer_auth(&room.editor)
            .insert_header(("If-Match", format!("\"{}\"", page["version"]))),
        &json!({"status": "published"}),
        200,
    )
    .await;
    let pages = search(&app, &[("q", "publisher"), ("locale", "en")]).await;
    assert_eq!(pages["data"][0]["type"], "page", "{pages}");
    assert_eq!(pages["data"][0]["id"], page_id);
    assert!(
        pages["data"][0]["url"]
            .as_str()
            .unwrap()
            .contains("imprint")
    );
    let tag = expect_json(
        app.get(&format!("/api/v1/admin/tags/{}", room.tag))
            .bearer_auth(&room.editor),
        200,
    )
    .await;
    send_json_expect(
        app.patch(&format!("/api/v1/admin/tags/{}", room.tag))
            .bearer_auth(&room.editor)
            .insert_header(("If-Match", format!("\"{}\"", version(&tag)))),
        &json!({"translations": {"tr": {"name": "Dış ilişkiler"}}}),
        200,
    )
    .await;
    assert_eq!(
        found(&app, "tr", "ilişkiler").await,
        [("tag".to_owned(), room.tag)].into()
    );
    assert_eq!(found(&app, "tr", "diplomasi").await, BTreeSet::new());

    // What the writes kept equals a rebuild from the source tables.
    let kept = entries(&app);
    assert!(kept.len() > 5, "{kept:?}");
    assert!(reindex(&app).contains("rebuilt the search index"));
    assert_eq!(entries(&app), kept);
}

/// An entry's columns but its id.
type EntryRow = (
    String,
    i64,
    String,
    String,
    String,
    Option<String>,
    String,
    String,
    String,
    String,
    String,
);

/// Every entry of the index, without its row id, in key order.
fn entries(app: &TestApp) -> Vec<Vec<Option<String>>> {
    use newsroom_cms::db::schema::search_entries as e;
    let mut conn = app.pool().get().expect("a connection");
    let rows: Vec<EntryRow> = e::table
        .order((e::kind, e::subject_id, e::locale))
        .select((
            e::kind,
            e::subject_id,
            e::locale,
            e::slug,
            e::title,
            e::summary,
            e::content,
            e::title_terms,
            e::summary_terms,
            e::body_terms,
            e::title_words,
        ))
        .load(&mut **conn)
        .expect("entries");
    rows.into_iter()
        .map(|r| {
            vec![
                Some(r.0),
                Some(r.1.to_string()),
                Some(r.2),
                Some(r.3),
                Some(r.4),
                r.5,
                Some(r.6),
                Some(r.7),
                Some(r.8),
                Some(r.9),
                Some(r.10),
            ]
        })
        .collect()
}

#[actix_web::test]
async fn bad_searches_are_refused_with_problems() {
    let app = spawn_app().await;
    let long = "a".repeat(201);
    for (query, field) in [
        ("q=", "q"),
        ("q=%20%20", "q"),
        (&*format!("q={long}"), "q"),
        ("q=a&type=articles,videos", "type"),
        ("q=a&category=nowhere", "category"),
        ("q=a&per_page=1000", "per_page"),
        ("q=a&page=0", "page"),
        ("q=a&locale=xx", "locale"),
    ] {
        let mut response = app
            .get(&format!("/api/v1/search?{query}"))
            .send()
            .await
            .unwrap();
        let problem = assert_problem(&mut response, 422).await;
        assert!(problem.to_string().contains(field), "{query}: {problem}");
    }
    for path in [
        "/api/v1/search",
        "/api/v1/search?q=a&sort=new",
        "/api/v1/search/suggest",
        "/api/v1/search/suggest?q=a&page=2",
    ] {
        let mut response = app.get(path).send().await.unwrap();
        assert_problem(&mut response, 422).await;
    }
    // As many exclusions as fit in a query, in the public search and the admin list.
    let many = format!("a {}", "-b ".repeat(66));
    let body = search(&app, &[("q", many.trim())]).await;
    assert_eq!(body["meta"]["total"], 0, "{body}");
    let editor = app.user_with_role("editor").await.2;
    let listed = expect_json(
        app.get(&format!(
            "/api/v1/admin/articles?q={}",
            encoded(many.trim())
        ))
        .bearer_auth(&editor),
        200,
    )
    .await;
    assert_eq!(listed["meta"]["total"], 0, "{listed}");
    let mut long = app
        .get(&format!("/api/v1/admin/articles?q={}", "a".repeat(201)))
        .bearer_auth(&editor)
        .send()
        .await
        .unwrap();
    assert_problem(&mut long, 422).await;
    // Syntax alone finds nothing rather than failing.
    for q in [
        "%22",
        "-",
        "or",
        "%22%20-%22",
        "%28%29%7B%7D%3A*",
        "NOT%20AND",
    ] {
        let body = expect_json(app.get(&format!("/api/v1/search?q={q}")), 200).await;
        assert_eq!(body["meta"]["total"], 0, "{q}: {body}");
        expect_json(app.get(&format!("/api/v1/search/suggest?q={q}")), 200).await;
    }
}
