//! The delivery read model: kept by every write in its transaction, equal to a rebuild from the
//! source tables (`cms reindex`), with exact counters and keyset pages.

use std::collections::HashSet;
use std::process::Command;

use serde_json::{Value, json};

use crate::fixtures::{article_body, create_article, newsroom, published_article, visitor};
use crate::helpers::{
    TestApp, assert_problem, concurrently, expect_json, header, json_body, send_json_expect,
    spawn_app, test_env,
};
use newsroom_cms::articles::store::read_model as views;

const CMS: &str = env!("CARGO_BIN_EXE_cms");

/// Every view and counter row, as the tables hold them.
fn snapshot(app: &TestApp) -> (Vec<views::ViewRow>, Vec<(i64, i64, String)>) {
    let mut conn = app.pool().get().expect("a connection");
    (
        views::all_views(&mut conn).expect("views"),
        views::all_counters(&mut conn).expect("counters"),
    )
}

/// Runs `cms reindex` on `app`'s database; returns what it printed.
pub fn reindex(app: &TestApp) -> String {
    let output = Command::new(CMS)
        .arg("reindex")
        .current_dir(app.database().dir.path())
        .env_clear()
        .envs(test_env(app.database()))
        .output()
        .expect("cms runs");
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    assert!(
        output.status.success(),
        "{stdout}{}",
        String::from_utf8_lossy(&output.stderr)
    );
    stdout
}

/// Asserts that what the writes so far kept equals a rebuild from the source tables.
fn assert_rebuild_equal(app: &TestApp, after: &str) {
    let (kept_views, kept_counters) = snapshot(app);
    let kept_sections = sections(app);
    reindex(app);
    let (rebuilt_views, rebuilt_counters) = snapshot(app);
    assert_eq!(sections(app), kept_sections, "after {after}");
    assert_eq!(rebuilt_views.len(), kept_views.len(), "after {after}");
    for (rebuilt, kept) in rebuilt_views.iter().zip(&kept_views) {
        assert_eq!(rebuilt, kept, "after {after}");
    }
    let nonzero = |rows: Vec<(i64, i64, String)>| -> Vec<(i64, i64, String)> {
        rows.into_iter()
            .filter(|(_, comments, reactions)| *comments > 0 || reactions != "{}")
            .collect()
    };
    assert_eq!(
        nonzero(rebuilt_counters),
        nonzero(kept_counters),
        "after {after}"
    );
}

/// Every section row and count.
fn sections(app: &TestApp) -> (Vec<views::SectionRow>, Vec<views::SectionCount>) {
    let mut conn = app.pool().get().expect("a connection");
    views::all_sections(&mut conn).expect("sections")
}

async fn patch(app: &TestApp, token: &str, path: &str, body: Value) -> Value {
    send_json_expect(app.patch(path).bearer_auth(token), &body, 200).await
}

async fn put(app: &TestApp, token: &str, path: &str, body: Value) -> Value {
    send_json_expect(app.put(path).bearer_auth(token), &body, 200).await
}

async fn post(app: &TestApp, token: &str, path: &str, body: Value, status: u16) -> Value {
    send_json_expect(app.post(path).bearer_auth(token), &body, status).await
}

#[actix_web::test]
async fn a_rebuilt_read_model_equals_the_one_kept_by_a_long_run_of_edits() {
    let app = spawn_app().await;
    let room = newsroom(&app).await;
    let editor = room.editor.clone();
    let admin = app.admin_token().await;
    let second_tag = post(
        &app,
        &editor,
        "/api/v1/admin/tags",
        json!({"translations": {"en": {"name": "Energy"}, "fr": {"name": "Énergie"}}}),
        201,
    )
    .await["data"]["id"]
        .as_i64()
        .unwrap();
    let mut ids = Vec::new();
    for n in 0..8 {
        let mut body = article_body(&room, &format!("Story number {n}"), "published");
        body["translations"]["tr"] =
            json!({"title": format!("Haber {n}"), "body": "<p>Metin.</p>"});
        if n % 2 == 0 {
            body["translations"]["fr"] = json!({"title": format!("Article {n}"), "body": "<p>Texte.</p>", "status": "draft"});
            body["tag_ids"] = json!([room.tag, second_tag]);
        }
        if n % 3 == 0 {
            body["category_id"] = json!(room.subcategory);
        }
        if n == 7 {
            body["published_at"] = json!("2099-01-01T00:00:00Z");
        }
        ids.push(
            create_article(&app, &editor, &body).await["id"]
                .as_i64()
                .unwrap(),
        );
    }
    let draft = create_article(&app, &editor, &article_body(&room, "A draft", "draft")).await;
    ids.push(draft["id"].as_i64().unwrap());

    // The locales first: every view is rebuilt for them, which would hide what follows.
    post(
        &app,
        &admin,
        "/api/v1/admin/locales",
        json!({"code": "de", "name": "Deutsch"}),
        201,
    )
    .await;
    patch(
        &app,
        &admin,
        "/api/v1/admin/locales/en",
        json!({"is_default": true}),
    )
    .await;

    assert_rebuild_equal(&app, "the locales");

    // Translations: publish one, rewrite one, delete one, restore a revision.
    put(
        &app,
        &editor,
        &format!("/api/v1/admin/articles/{}/translations/fr", ids[0]),
        json!({"title": "Article publié", "body": "<p>Texte.</p>", "status": "published"}),
    )
    .await;
    put(
        &app,
        &editor,
        &format!("/api/v1/admin/articles/{}/translations/en", ids[1]),
        json!({"title": "Story one, rewritten", "body": "<p>New words.</p>", "status": "published"}),
    )
    .await;
    let deleted = app
        .delete(&format!(
            "/api/v1/admin/articles/{}/translations/en",
            ids[2]
        ))
        .bearer_auth(&editor)
        .send()
        .await
        .unwrap();
    assert_eq!(deleted.status().as_u16(), 204);
    let revisions = expect_json(
        app.get(&format!("/api/v1/admin/articles/{}/revisions", ids[1]))
            .bearer_auth(&editor),
        200,
    )
    .await;
    let oldest = revisions["data"].as_array().unwrap().last().unwrap()["id"].clone();
    post(
        &app,
        &editor,
        &format!(
            "/api/v1/admin/articles/{}/revisions/{oldest}/restore",
            ids[1]
        ),
        json!({}),
        200,
    )
    .await;

    assert_rebuild_equal(&app, "the translations");

    // The article itself: unpublish one, feature one, move one, retag one, delete one.
    patch(
        &app,
        &editor,
        &format!("/api/v1/admin/articles/{}", ids[3]),
        json!({"status": "draft"}),
    )
    .await;
    patch(
        &app,
        &editor,
        &format!("/api/v1/admin/articles/{}", ids[4]),
        json!({"featured": true, "category_id": room.subcategory, "tag_ids": [second_tag],
               "corrections": [{"at": "2026-11-30T10:00:00Z", "note": "A name was misspelt."}]}),
    )
    .await;
    let gone = app
        .delete(&format!("/api/v1/admin/articles/{}", ids[5]))
        .bearer_auth(&editor)
        .send()
        .await
        .unwrap();
    assert_eq!(gone.status().as_u16(), 204);

    assert_rebuild_equal(&app, "the articles");

    // What articles show of others: a category, a tag, an author.
    patch(
        &app,
        &editor,
        &format!("/api/v1/admin/categories/{}", room.category),
        json!({"translations": {"en": {"name": "Central Asia and beyond"}, "fr": null}}),
    )
    .await;
    assert_rebuild_equal(&app, "the category's new names");
    patch(
        &app,
        &editor,
        &format!("/api/v1/admin/tags/{}", room.tag),
        json!({"translations": {"en": {"name": "Diplomacy"}}}),
    )
    .await;
    assert_rebuild_equal(&app, "the tag's new name");
    patch(
        &app,
        &editor,
        &format!("/api/v1/admin/authors/{}", room.author),
        json!({"name": "Ayana B.", "avatar_url": "https://cdn.example.com/a.jpg",
               "bio": {"en": "Covers the region.", "tr": "Bölgeyi izliyor."}}),
    )
    .await;
    assert_rebuild_equal(&app, "the author's new name and bio");
    let removed = app
        .delete(&format!("/api/v1/admin/tags/{second_tag}"))
        .bearer_auth(&editor)
        .send()
        .await
        .unwrap();
    assert_eq!(removed.status().as_u16(), 204);
    assert_rebuild_equal(&app, "the tag's deletion");

    // Readers: comments, reactions, a deleted comment.
    let (_, reader) = visitor(&app).await;
    let (_, other) = visitor(&app).await;
    for (token, kind) in [(&reader, "love"), (&other, "sad")] {
        put(
            &app,
            token,
            &format!("/api/v1/articles/{}/reactions/mine", ids[0]),
            json!({"kind": kind}),
        )
        .await;
    }
    put(
        &app,
        &reader,
        &format!("/api/v1/articles/{}/reactions/mine", ids[0]),
        json!({"kind": "funny"}),
    )
    .await;
    let (_, _, member) = app.user_with_role("reader").await;
    let said = post(
        &app,
        &member,
        &format!("/api/v1/articles/{}/comments", ids[0]),
        json!({"body": "Well put."}),
        201,
    )
    .await["data"]["id"]
        .clone();
    post(
        &app,
        &member,
        &format!("/api/v1/articles/{}/comments", ids[0]),
        json!({"body": "And another thing."}),
        201,
    )
    .await;
    let unsaid = app
        .delete(&format!("/api/v1/comments/{said}"))
        .bearer_auth(&member)
        .send()
        .await
        .unwrap();
    assert_eq!(unsaid.status().as_u16(), 204);

    let (kept_views, kept_counters) = snapshot(&app);
    let served: HashSet<i64> = kept_views.iter().map(|v| v.article_id).collect();
    assert!(
        served.contains(&ids[0]) && served.contains(&ids[7]),
        "{served:?}"
    );
    assert!(!served.contains(&ids[3]) && !served.contains(&ids[5]) && !served.contains(&ids[8]));
    let locales = expect_json(app.get("/api/v1/locales"), 200).await["data"]
        .as_array()
        .unwrap()
        .len();
    assert_eq!(
        kept_views.iter().filter(|v| v.article_id == ids[0]).count(),
        locales,
        "one view per site locale, the new one included"
    );
    let counters = kept_counters.iter().find(|c| c.0 == ids[0]).unwrap();
    assert_eq!(counters.1, 1, "one comment left");

    assert_rebuild_equal(&app, "the readers");
    assert!(reindex(&app).contains("rebuilt the read model of 8 articles"));
}

/// The article list as `query` asks for it: (body, `Link` header).
async fn list(app: &TestApp, query: &str) -> (Value, Option<String>) {
    let mut response = app
        .get(&format!("/api/v1/articles?{query}"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 200, "{query}");
    let link = header(&response, "link");
    (json_body(&mut response).await, link)
}

fn ids_of(body: &Value) -> Vec<i64> {
    body["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["id"].as_i64().unwrap())
        .collect()
}

#[actix_web::test]
async fn the_article_list_pages_by_cursor_and_can_skip_the_count() {
    let app = spawn_app().await;
    let room = newsroom(&app).await;
    let mut created = Vec::new();
    for n in 0..7 {
        let mut body = article_body(&room, &format!("Paged story {n}"), "published");
        // Two share a publication time: the id breaks the tie.
        let minute = if n == 4 { 3 } else { n };
        body["published_at"] = json!(format!("2026-11-0{}T08:0{minute}:00Z", 1 + n % 3));
        created.push(
            create_article(&app, &room.editor, &body).await["id"]
                .as_i64()
                .unwrap(),
        );
    }
    for sort in ["-published_at", "published_at", "title", "-updated_at"] {
        let (everything, _) = list(&app, &format!("sort={sort}&per_page=100")).await;
        let expected = ids_of(&everything);
        assert_eq!(expected.len(), 7);
        let mut walked = Vec::new();
        let (mut page, mut link) = list(&app, &format!("sort={sort}&per_page=3")).await;
        assert_eq!(page["meta"]["page"], 1);
        assert_eq!(page["meta"]["total"], 7);
        loop {
            walked.extend(ids_of(&page));
            let next = page["meta"]["next_cursor"].clone();
            let Some(cursor) = next.as_str() else {
                break;
            };
            if walked.len() > 3 {
                // Reached by cursor: the Link header continues by cursor too.
                let link = link.clone().expect("a next link");
                assert!(link.contains(&format!("cursor={cursor}")), "{link}");
                assert!(
                    !link.contains("?page=") && !link.contains("&page="),
                    "{link}"
                );
            }
            (page, link) = list(&app, &format!("sort={sort}&per_page=3&cursor={cursor}")).await;
            assert_eq!(page["meta"]["page"], Value::Null);
        }
        assert_eq!(walked, expected, "{sort}");
    }

    // A page reached by cursor doesn't move when an article is published at the head.
    let (first, _) = list(&app, "per_page=3").await;
    let cursor = first["meta"]["next_cursor"].as_str().unwrap().to_owned();
    let (before, _) = list(&app, &format!("per_page=3&cursor={cursor}")).await;
    published_article(&app, &room, "Breaking at the head").await;
    let (after, _) = list(&app, &format!("per_page=3&cursor={cursor}&locale=en")).await;
    assert_eq!(ids_of(&after), ids_of(&before));

    let (uncounted, _) = list(&app, "count=false&per_page=2").await;
    assert_eq!(uncounted["meta"]["total"], Value::Null);
    assert_eq!(uncounted["meta"]["total_pages"], Value::Null);
    assert_eq!(ids_of(&uncounted).len(), 2);
    assert!(uncounted["meta"]["next_cursor"].is_string());

    for query in [
        format!("cursor={cursor}&page=2"),
        "cursor=zz".to_owned(),
        "cursor=6e".to_owned(),
        format!("cursor={cursor}&sort=title"),
    ] {
        let mut refused = app
            .get(&format!("/api/v1/articles?{query}"))
            .send()
            .await
            .unwrap();
        let problem = assert_problem(&mut refused, 422).await;
        assert_eq!(
            problem["errors"][0]["field"], "cursor",
            "{query}: {problem}"
        );
    }
    assert_eq!(created.len(), 7);
}

#[actix_web::test]
async fn counters_stay_exact_under_concurrent_reactions_and_comments() {
    let app = spawn_app().await;
    let room = newsroom(&app).await;
    let (article, _) = published_article(&app, &room, "Much read").await;
    let mut tokens = Vec::new();
    for _ in 0..12 {
        tokens.push(visitor(&app).await.1);
    }
    let reacting: Vec<_> = tokens
        .iter()
        .enumerate()
        .map(|(n, token)| {
            let kind = if n % 3 == 0 { "sad" } else { "love" };
            let request = app
                .put(&format!("/api/v1/articles/{article}/reactions/mine"))
                .bearer_auth(token);
            async move { send_json_expect(request, &json!({"kind": kind}), 200).await }
        })
        .collect();
    concurrently(reacting).await;
    let (_, _, member) = app.user_with_role("reader").await;
    let commenting: Vec<_> =
        (0..6)
            .map(|n| {
                let request = app
                    .post(&format!("/api/v1/articles/{article}/comments"))
                    .bearer_auth(&member);
                async move {
                    send_json_expect(request, &json!({"body": format!("Comment {n}")}), 201).await
                }
            })
            .collect();
    concurrently(commenting).await;
    let reactions = expect_json(
        app.get(&format!("/api/v1/articles/{article}/reactions")),
        200,
    )
    .await["data"]
        .clone();
    assert_eq!(reactions["total"], 12, "{reactions}");
    assert_eq!(reactions["counts"]["love"], 8);
    assert_eq!(reactions["counts"]["sad"], 4);
    let read = expect_json(
        app.get(&format!("/api/v1/articles/{article}?locale=tr")),
        200,
    )
    .await;
    assert_eq!(read["data"]["comment_count"], 6, "{read}");
    assert_eq!(read["data"]["reaction_counts"]["love"], 8);
    assert_eq!(read["data"]["reaction_counts"]["amazing"], 0);
}

#[actix_web::test]
async fn tag_author_and_featured_lists_keep_their_pages_and_totals() {
    let app = spawn_app().await;
    let room = newsroom(&app).await;
    let second_author = post(
        &app,
        &room.editor,
        "/api/v1/admin/authors",
        json!({"name": "Second Byline"}),
        201,
    )
    .await["data"]["id"]
        .as_i64()
        .unwrap();
    let mut ids = Vec::new();
    for n in 0..9 {
        let mut body = article_body(&room, &format!("Listed story {n}"), "published");
        body["published_at"] = json!(format!("2026-11-{:02}T08:00:00Z", 10 + n));
        if n % 2 == 0 {
            body["featured"] = json!(true);
            body["author_ids"] = json!([room.author, second_author]);
        }
        if n % 3 == 0 {
            body["category_id"] = json!(room.subcategory);
            body["translations"]["fr"] =
                json!({"title": format!("Récit {n}"), "body": "<p>Texte.</p>"});
        }
        if n == 8 {
            // Scheduled: in no list and no total until its time.
            body["published_at"] = json!("2099-01-01T00:00:00Z");
        }
        ids.push(
            create_article(&app, &room.editor, &body).await["id"]
                .as_i64()
                .unwrap(),
        );
    }
    let mut untagged = article_body(&room, "Without a tag", "published");
    untagged["tag_ids"] = json!([]);
    create_article(&app, &room.editor, &untagged).await;

    // Each list read from its section equals the same list narrowed by the category every
    // article is in (which reads the views instead), page by page and in total.
    let lists = [
        format!("tag={}", room.tag),
        format!("author={second_author}"),
        format!("author={}", room.author),
        "featured=true".to_owned(),
        "featured=false".to_owned(),
    ];
    let variants = [
        "",
        "&locale=fr&fallback=false",
        "&locale=fr",
        "&sort=published_at",
        "&published_after=2026-11-12T00:00:00Z&published_before=2026-11-16T00:00:00Z",
        // The scheduled article is inside this window, and still not in it.
        "&published_after=2026-11-12T00:00:00Z&published_before=2100-01-01T00:00:00Z",
    ];
    for filter in &lists {
        for variant in variants {
            let query = format!("{filter}{variant}&per_page=2");
            let (section, _) = list(&app, &query).await;
            let (narrowed, _) = list(&app, &format!("{query}&category={}", room.category)).await;
            assert_eq!(ids_of(&section), ids_of(&narrowed), "{query}");
            assert_eq!(
                section["meta"]["total"], narrowed["meta"]["total"],
                "{query}"
            );
            let (all, _) = list(&app, &format!("{filter}{variant}&per_page=100")).await;
            assert_eq!(
                section["meta"]["total"],
                all["data"].as_array().unwrap().len(),
                "{query}"
            );
            assert!(!ids_of(&all).contains(&ids[8]), "{query}");
        }
    }
    let (tagged, _) = list(&app, &format!("tag={}", room.tag)).await;
    assert_eq!(tagged["meta"]["total"], 8);
    let (featured, _) = list(&app, "featured=true").await;
    assert_eq!(featured["meta"]["total"], 4);
    let (french, _) = list(&app, &format!("tag={}&locale=fr&fallback=false", room.tag)).await;
    assert_eq!(french["meta"]["total"], 3);

    // Untagging, unfeaturing and a new byline move the totals at once.
    patch(
        &app,
        &room.editor,
        &format!("/api/v1/admin/articles/{}", ids[0]),
        json!({"tag_ids": [], "featured": false, "author_ids": [second_author]}),
    )
    .await;
    let (tagged, _) = list(&app, &format!("tag={}", room.tag)).await;
    assert_eq!(tagged["meta"]["total"], 7);
    let (featured, _) = list(&app, "featured=true").await;
    assert_eq!(featured["meta"]["total"], 3);
    let (first_author, _) = list(&app, &format!("author={}", room.author)).await;
    assert_eq!(first_author["meta"]["total"], 8);
    let tag = expect_json(app.get(&format!("/api/v1/tags/{}", room.tag)), 200).await;
    assert_eq!(tag["data"]["article_count"], 7, "{tag}");
    // The category tree's counts are the same kept totals, in French alone too.
    for (query, everything) in [("locale=en", 9), ("locale=fr&fallback=false", 3)] {
        let category = expect_json(
            app.get(&format!("/api/v1/categories/{}?{query}", room.category)),
            200,
        )
        .await;
        assert_eq!(
            category["data"]["article_count"], everything,
            "{query}: {category}"
        );
        let (listed, _) = list(&app, &format!("category={}&{query}", room.category)).await;
        assert_eq!(listed["meta"]["total"], everything, "{query}");
    }
    assert_rebuild_equal(&app, "the list edits");
}
