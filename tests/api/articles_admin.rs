//! `/api/v1/admin/articles`: workflow and rights, translations, slugs, sanitising, If-Match,
//! revisions.

use serde_json::{Value, json};

use crate::fixtures::{article_body, article_by, create_article, newsroom, writer};
use crate::helpers::{
    assert_problem, concurrently, expect_json, header, json_body, send_json_expect, spawn_app,
};

#[actix_web::test]
async fn an_article_is_created_with_translations_slugs_and_sanitised_bodies() {
    let app = spawn_app().await;
    let room = newsroom(&app).await;
    let body = json!({
        "category_id": room.category,
        "author_ids": [room.author],
        "tag_ids": [room.tag],
        "status": "published",
        "featured": true,
        "source_name": "Astana Times",
        "source_url": "https://astanatimes.com/2026/01/tokayev",
        "corrections": [{"note": "An earlier version misspelled a name."}],
        "translations": {
            "en": {"title": "Tokayev Outlines Foreign Policy, Reform Agenda for 2026 in Interview", "body": "<p>ASTANA – In the second half of 2025…</p>"},
            "fr": {"title": "Tokaïev présente sa politique étrangère", "summary": "Résumé en français.", "body": "<p>Texte</p>"},
            "tr": {"title": "Tokayev, 2026 için dış politika gündemini açıkladı", "body": "<p>Metin</p>", "status": "draft"},
        },
    });
    let mut created = app
        .post("/api/v1/admin/articles")
        .bearer_auth(&room.editor)
        .send_json(&body)
        .await
        .unwrap();
    assert_eq!(created.status().as_u16(), 201);
    assert_eq!(header(&created, "etag").as_deref(), Some("\"1\""));
    let location = header(&created, "location").unwrap();
    let article = json_body(&mut created).await["data"].clone();
    assert_eq!(
        location,
        format!("/api/v1/admin/articles/{}", article["id"])
    );
    assert_eq!(article["status"], "published");
    assert_eq!(article["scheduled"], false);
    assert!(
        article["published_at"].is_string(),
        "publishing sets the time"
    );
    assert_eq!(
        article["source_locale"], "tr",
        "the site default among the given ones"
    );
    assert_eq!(article["author_ids"], json!([room.author]));
    assert_eq!(
        article["corrections"][0]["note"],
        "An earlier version misspelled a name."
    );
    let translations = &article["translations"];
    assert_eq!(
        translations["en"]["slug"],
        "tokayev-outlines-foreign-policy-reform-agenda-for-2026-in-interview"
    );
    assert_eq!(
        translations["fr"]["slug"],
        "tokaiev-presente-sa-politique-etrangere"
    );
    assert_eq!(
        translations["tr"]["slug"],
        "tokayev-2026-icin-dis-politika-gundemini-acikladi"
    );
    assert_eq!(translations["tr"]["status"], "draft");
    assert_eq!(translations["en"]["status"], "published");
    assert_eq!(translations["en"]["version"], 1);
    assert_eq!(translations["en"]["reading_time_minutes"], 1);
    assert_eq!(translations["en"]["translation_outdated"], false);
}

#[actix_web::test]
async fn bodies_are_sanitised_against_every_trick() {
    let app = spawn_app().await;
    let room = newsroom(&app).await;
    let attacks = [
        "<p>a</p><script>alert(1)</script>",
        "<img src=x onerror=alert(1)>",
        "<a href=\"javascript:alert(1)\">x</a>",
        "<a href=\"JaVaScRiPt:alert(1)\">x</a>",
        "<a href=\" javascript:alert(1)\">x</a>",
        "<a href=\"jav&#x09;ascript:alert(1)\">x</a>",
        "<svg onload=alert(1)><circle/></svg>",
        "<p style=\"background:url(javascript:alert(1))\">x</p>",
        "<style>body{display:none}</style><p>x</p>",
        "<iframe src=\"https://evil.test\"></iframe>",
        "<form action=\"https://evil.test\"><input name=x></form>",
        "<p onclick=\"alert(1)\" onmouseover=alert(1)>x</p>",
        "<img src=\"data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==\">",
        "<math><mi xlink:href=\"javascript:alert(1)\">x</mi></math>",
    ];
    for (index, attack) in attacks.iter().enumerate() {
        let mut body = article_body(&room, &format!("Attack {index}"), "draft");
        body["translations"]["en"]["body"] = json!(attack);
        let article = create_article(&app, &room.editor, &body).await;
        let clean = article["translations"]["en"]["body"]
            .as_str()
            .unwrap()
            .to_ascii_lowercase();
        for forbidden in [
            "<script",
            "onerror",
            "onload",
            "onclick",
            "onmouseover",
            "javascript:",
            "style",
            "<svg",
            "<iframe",
            "<form",
            "<input",
            "data:text",
            "<math",
        ] {
            assert!(
                !clean.contains(forbidden),
                "{attack} left {forbidden}: {clean}"
            );
        }
    }
    let mut body = article_body(&room, "Rich", "draft");
    body["translations"]["en"]["body"] = json!(
        "<h2>Title</h2><p><strong>Bold</strong> <em>it</em> <a href=\"https://example.com\">link</a></p><blockquote>Q</blockquote><ul><li>i</li></ul><figure><img src=\"https://example.com/a.jpg\" alt=\"A\"><figcaption>C</figcaption></figure><table><tr><td>1</td></tr></table>"
    );
    let article = create_article(&app, &room.editor, &body).await;
    let clean = article["translations"]["en"]["body"].as_str().unwrap();
    for kept in [
        "<h2>",
        "<strong>",
        "<em>",
        "href=\"https://example.com\"",
        "<blockquote>",
        "<li>",
        "<figure>",
        "alt=\"A\"",
        "<figcaption>",
        "<td>",
    ] {
        assert!(clean.contains(kept), "{kept} kept: {clean}");
    }
}

#[actix_web::test]
async fn slugs_are_unique_per_locale_and_old_ones_are_kept() {
    let app = spawn_app().await;
    let room = newsroom(&app).await;
    let first = create_article(
        &app,
        &room.editor,
        &article_body(&room, "Türkiye Seçime Özel", "draft"),
    )
    .await;
    assert_eq!(first["translations"]["en"]["slug"], "turkiye-secime-ozel");
    let second = create_article(
        &app,
        &room.editor,
        &article_body(&room, "Türkiye seçime özel!", "draft"),
    )
    .await;
    assert_eq!(
        second["translations"]["en"]["slug"],
        "turkiye-secime-ozel-2"
    );
    let mut body = article_body(&room, "Other", "draft");
    body["translations"]["en"]["slug"] = json!("turkiye-secime-ozel");
    let mut clash = app
        .post("/api/v1/admin/articles")
        .bearer_auth(&room.editor)
        .send_json(&body)
        .await
        .unwrap();
    assert_problem(&mut clash, 409).await;

    // A draft's slug follows its title; once the article is published, the slug stays when the
    // title changes...
    let path = format!("/api/v1/admin/articles/{}/translations/en", first["id"]);
    let draft = crate::helpers::send_json_expect(
        app.put(&path).bearer_auth(&room.editor),
        &json!({"title": "Türkiye Seçime Hazır", "body": "<p>x</p>"}),
        200,
    )
    .await;
    assert_eq!(
        draft["data"]["translations"]["en"]["slug"],
        "turkiye-secime-hazir"
    );
    crate::helpers::send_json_expect(
        app.patch(&format!("/api/v1/admin/articles/{}", first["id"]))
            .bearer_auth(&room.editor),
        &json!({"status": "published"}),
        200,
    )
    .await;
    let mut retitled = app
        .put(&path)
        .bearer_auth(&room.editor)
        .send_json(&json!({"title": "Seçime Doğru", "body": "<p>x</p>"}))
        .await
        .unwrap();
    assert_eq!(retitled.status().as_u16(), 200);
    assert_eq!(
        json_body(&mut retitled).await["data"]["translations"]["en"]["slug"],
        "turkiye-secime-hazir",
        "its URL stays"
    );
    // ...and moves only to a slug the client names; the old one stays reserved for it.
    let mut renamed = app
        .put(&path)
        .bearer_auth(&room.editor)
        .send_json(&json!({"title": "İNANILMAZ", "slug": "inanilmaz", "body": "<p>x</p>"}))
        .await
        .unwrap();
    assert_eq!(renamed.status().as_u16(), 200);
    assert_eq!(
        json_body(&mut renamed).await["data"]["translations"]["en"]["slug"],
        "inanilmaz"
    );
    let third = create_article(
        &app,
        &room.editor,
        &article_body(&room, "Türkiye Seçime Özel", "draft"),
    )
    .await;
    assert_eq!(
        third["translations"]["en"]["slug"], "turkiye-secime-ozel-3",
        "the old slug still belongs to the first"
    );
}

#[actix_web::test]
async fn contributors_authors_and_editors_have_their_rights() {
    let app = spawn_app().await;
    let room = newsroom(&app).await;
    let (contributor, contributor_byline) = writer(&app, &room, "contributor").await;
    let (author, author_byline) = writer(&app, &room, "author").await;
    let (_, _, other_author) = app.user_with_role("author").await;
    let (_, _, reader) = app.user_with_role("reader").await;
    let visitor = app.visitor_token().await;

    for (token, expected) in [(&reader, 403), (&visitor, 403)] {
        let mut response = app
            .post("/api/v1/admin/articles")
            .bearer_auth(token)
            .send_json(&article_body(&room, "No", "draft"))
            .await
            .unwrap();
        assert_problem(&mut response, expected).await;
        let mut list = app
            .get("/api/v1/admin/articles")
            .bearer_auth(token)
            .send()
            .await
            .unwrap();
        assert_problem(&mut list, expected).await;
    }
    let mut anonymous = app.get("/api/v1/admin/articles").send().await.unwrap();
    assert_problem(&mut anonymous, 401).await;

    // Contributors: drafts and reviews only.
    let mut published = app
        .post("/api/v1/admin/articles")
        .bearer_auth(&contributor)
        .send_json(&article_by(&room, "C1", "published", contributor_byline))
        .await
        .unwrap();
    assert_problem(&mut published, 403).await;
    let draft = create_article(
        &app,
        &contributor,
        &article_by(&room, "C2", "draft", contributor_byline),
    )
    .await;
    let path = format!("/api/v1/admin/articles/{}", draft["id"]);
    let mut submitted = app
        .patch(&path)
        .bearer_auth(&contributor)
        .send_json(&json!({"status": "in_review"}))
        .await
        .unwrap();
    assert_eq!(
        json_body(&mut submitted).await["data"]["status"],
        "in_review"
    );
    let mut publish = app
        .patch(&path)
        .bearer_auth(&contributor)
        .send_json(&json!({"status": "published"}))
        .await
        .unwrap();
    assert_problem(&mut publish, 403).await;
    let mut schedule = app
        .patch(&path)
        .bearer_auth(&contributor)
        .send_json(&json!({"published_at": "2030-01-01T00:00:00Z"}))
        .await
        .unwrap();
    let problem = assert_problem(&mut schedule, 403).await;
    assert!(
        problem["detail"].as_str().unwrap().contains("published_at"),
        "the refusal names the field: {problem}"
    );

    // Another author can't see or touch it; the editor can publish it.
    for (method, target) in [
        ("GET", path.clone()),
        ("PATCH", path.clone()),
        ("DELETE", path.clone()),
        ("PUT", format!("{path}/translations/en")),
        ("GET", format!("{path}/revisions")),
    ] {
        let request = app
            .client
            .request(method.parse().unwrap(), app.url(&target))
            .bearer_auth(&other_author);
        let mut response = match method {
            "PATCH" => request.send_json(&json!({"featured": true})).await.unwrap(),
            "PUT" => request
                .send_json(&json!({"title": "Hijack", "body": "x"}))
                .await
                .unwrap(),
            _ => request.send().await.unwrap(),
        };
        assert_problem(&mut response, 404).await;
    }
    let mut theirs = app
        .get("/api/v1/admin/articles")
        .bearer_auth(&other_author)
        .send()
        .await
        .unwrap();
    assert_eq!(json_body(&mut theirs).await["meta"]["total"], 0);
    let mut editor_publish = app
        .patch(&path)
        .bearer_auth(&room.editor)
        .send_json(&json!({"status": "published"}))
        .await
        .unwrap();
    assert_eq!(editor_publish.status().as_u16(), 200);
    assert_eq!(
        json_body(&mut editor_publish).await["data"]["status"],
        "published"
    );
    // Published, it is out of the contributor's hands.
    let mut locked = app
        .patch(&path)
        .bearer_auth(&contributor)
        .send_json(&json!({"featured": true}))
        .await
        .unwrap();
    assert_problem(&mut locked, 404).await;

    // Authors publish their own.
    let own = create_article(
        &app,
        &author,
        &article_by(&room, "A1", "published", author_byline),
    )
    .await;
    assert_eq!(own["status"], "published");
    let mut archived = app
        .patch(&format!("/api/v1/admin/articles/{}", own["id"]))
        .bearer_auth(&author)
        .send_json(&json!({"status": "archived"}))
        .await
        .unwrap();
    assert_eq!(json_body(&mut archived).await["data"]["status"], "archived");
    let mut all = app
        .get("/api/v1/admin/articles")
        .bearer_auth(&room.editor)
        .send()
        .await
        .unwrap();
    assert_eq!(json_body(&mut all).await["meta"]["total"], 2);

    // Server-owned fields can't be written.
    for extra in [
        json!({"id": 1}),
        json!({"version": 5}),
        json!({"created_by": 1}),
        json!({"created_at": "2020-01-01T00:00:00Z"}),
    ] {
        let mut body = article_body(&room, "Extra", "draft");
        body.as_object_mut()
            .unwrap()
            .extend(extra.as_object().unwrap().clone());
        let mut response = app
            .post("/api/v1/admin/articles")
            .bearer_auth(&room.editor)
            .send_json(&body)
            .await
            .unwrap();
        assert_problem(&mut response, 422).await;
    }
}

#[actix_web::test]
async fn article_input_is_validated() {
    let app = spawn_app().await;
    let room = newsroom(&app).await;
    let base = article_body(&room, "Valid", "draft");
    let broken = |change: &dyn Fn(&mut Value)| {
        let mut body = base.clone();
        change(&mut body);
        body
    };
    let cases = [
        broken(&|b| b["category_id"] = json!(999_999)),
        broken(&|b| b["author_ids"] = json!([])),
        broken(&|b| b["author_ids"] = json!([999_999])),
        broken(&|b| b["tag_ids"] = json!([999_999])),
        broken(&|b| b["translations"] = json!({})),
        broken(&|b| b["translations"] = json!({"xx": {"title": "x", "body": "x"}})),
        broken(&|b| b["translations"]["en"]["title"] = json!("")),
        broken(&|b| b["translations"]["en"]["slug"] = json!("Bad Slug")),
        broken(&|b| b["status"] = json!("live")),
        broken(&|b| b["source_url"] = json!("javascript:alert(1)")),
        broken(&|b| b["published_at"] = json!("yesterday")),
        broken(&|b| b["source_locale"] = json!("fr")),
    ];
    for body in cases {
        let mut response = app
            .post("/api/v1/admin/articles")
            .bearer_auth(&room.editor)
            .send_json(&body)
            .await
            .unwrap();
        assert_problem(&mut response, 422).await;
    }
    let mut list = app
        .get("/api/v1/admin/articles")
        .bearer_auth(&room.editor)
        .send()
        .await
        .unwrap();
    assert_eq!(
        json_body(&mut list).await["meta"]["total"],
        0,
        "nothing was written"
    );
}

#[actix_web::test]
async fn stale_if_match_is_412_and_of_20_parallel_writers_one_wins() {
    let app = spawn_app().await;
    let room = newsroom(&app).await;
    let article = create_article(&app, &room.editor, &article_body(&room, "Race", "draft")).await;
    let path = format!("/api/v1/admin/articles/{}", article["id"]);

    let mut stale = app
        .patch(&path)
        .bearer_auth(&room.editor)
        .insert_header(("if-match", "\"7\""))
        .send_json(&json!({"featured": true}))
        .await
        .unwrap();
    assert_problem(&mut stale, 412).await;
    let mut ok = app
        .patch(&path)
        .bearer_auth(&room.editor)
        .insert_header(("if-match", "\"1\""))
        .send_json(&json!({"featured": true}))
        .await
        .unwrap();
    assert_eq!(ok.status().as_u16(), 200);
    assert_eq!(header(&ok, "etag").as_deref(), Some("\"2\""));
    let _ = ok.body().await;

    let translation = format!("{path}/translations/en");
    let writers: Vec<_> = (0..20)
        .map(|n| {
            app.put(&translation)
                .bearer_auth(&room.editor)
                .insert_header(("if-match", "\"1\""))
                .send_json(&json!({"title": format!("Writer {n}"), "body": format!("<p>{n}</p>")}))
        })
        .collect();
    let statuses: Vec<u16> = concurrently(writers)
        .await
        .into_iter()
        .map(|r| r.unwrap().status().as_u16())
        .collect();
    assert_eq!(
        statuses.iter().filter(|s| **s == 200).count(),
        1,
        "{statuses:?}"
    );
    assert_eq!(
        statuses.iter().filter(|s| **s == 412).count(),
        19,
        "{statuses:?}"
    );
    let mut read = app
        .get(&path)
        .bearer_auth(&room.editor)
        .send()
        .await
        .unwrap();
    let read = json_body(&mut read).await["data"].clone();
    assert_eq!(read["translations"]["en"]["version"], 2);
    assert_eq!(read["version"], 2, "translations have their own versions");

    let mut stale = app
        .put(&translation)
        .bearer_auth(&room.editor)
        .insert_header(("if-match", "\"1\""))
        .send_json(&json!({"title": "Late", "body": "x"}))
        .await
        .unwrap();
    assert_problem(&mut stale, 412).await;
    let mut read = app
        .get(&path)
        .bearer_auth(&room.editor)
        .send()
        .await
        .unwrap();
    assert_ne!(
        json_body(&mut read).await["data"]["translations"]["en"]["title"],
        "Late"
    );
}

#[actix_web::test]
async fn every_save_keeps_a_revision_that_can_be_restored() {
    let app = spawn_app().await;
    let room = newsroom(&app).await;
    let article = create_article(
        &app,
        &room.editor,
        &article_body(&room, "First title", "draft"),
    )
    .await;
    let path = format!("/api/v1/admin/articles/{}", article["id"]);
    for title in ["Second title", "Third title"] {
        let response = app
            .put(&format!("{path}/translations/en"))
            .bearer_auth(&room.editor)
            .send_json(&json!({"title": title, "body": format!("<p>{title}</p>")}))
            .await
            .unwrap();
        assert_eq!(response.status().as_u16(), 200);
    }
    let mut revisions = app
        .get(&format!("{path}/revisions?locale=en"))
        .bearer_auth(&room.editor)
        .send()
        .await
        .unwrap();
    let revisions = json_body(&mut revisions).await["data"].clone();
    assert_eq!(revisions.as_array().unwrap().len(), 2);
    assert_eq!(revisions[0]["title"], "Second title");
    assert_eq!(revisions[1]["title"], "First title");
    assert_eq!(revisions[1]["translation_version"], 1);
    let first = revisions[1]["id"].as_i64().unwrap();
    let mut one = app
        .get(&format!("{path}/revisions/{first}"))
        .bearer_auth(&room.editor)
        .send()
        .await
        .unwrap();
    assert_eq!(
        json_body(&mut one).await["data"]["body"],
        "<p>Some words here.</p>"
    );

    let mut restored = app
        .post(&format!("{path}/revisions/{first}/restore"))
        .bearer_auth(&room.editor)
        .send()
        .await
        .unwrap();
    assert_eq!(restored.status().as_u16(), 200);
    assert_eq!(header(&restored, "etag").as_deref(), Some("\"4\""));
    let restored = json_body(&mut restored).await["data"]["translations"]["en"].clone();
    assert_eq!(restored["title"], "First title");
    assert_eq!(restored["version"], 4, "a restore is a new version");
    let mut revisions = app
        .get(&format!("{path}/revisions"))
        .bearer_auth(&room.editor)
        .send()
        .await
        .unwrap();
    assert_eq!(
        json_body(&mut revisions).await["data"][0]["title"],
        "Third title"
    );
    let mut missing = app
        .post(&format!("{path}/revisions/999999/restore"))
        .bearer_auth(&room.editor)
        .send()
        .await
        .unwrap();
    assert_problem(&mut missing, 404).await;
}

#[actix_web::test]
async fn translations_are_independent_and_marked_outdated() {
    let app = spawn_app().await;
    let room = newsroom(&app).await;
    let article = create_article(
        &app,
        &room.editor,
        &article_body(&room, "Original", "draft"),
    )
    .await;
    assert_eq!(article["source_locale"], "en");
    let path = format!("/api/v1/admin/articles/{}", article["id"]);
    let mut fr = app
        .put(&format!("{path}/translations/fr"))
        .bearer_auth(&room.editor)
        .send_json(
            &json!({"title": "Original en français", "body": "<p>fr</p>", "status": "draft"}),
        )
        .await
        .unwrap();
    assert_eq!(header(&fr, "etag").as_deref(), Some("\"1\""));
    let fr = json_body(&mut fr).await["data"]["translations"]["fr"].clone();
    assert_eq!(fr["status"], "draft");
    assert_eq!(fr["translation_outdated"], false);

    let response = app
        .put(&format!("{path}/translations/en"))
        .bearer_auth(&room.editor)
        .send_json(&json!({"title": "Original, updated", "body": "<p>new</p>"}))
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 200);
    let mut read = app
        .get(&path)
        .bearer_auth(&room.editor)
        .send()
        .await
        .unwrap();
    let read = json_body(&mut read).await["data"].clone();
    assert_eq!(read["translations"]["fr"]["translation_outdated"], true);
    assert_eq!(read["translations"]["en"]["translation_outdated"], false);

    let mut resaved = app
        .put(&format!("{path}/translations/fr"))
        .bearer_auth(&room.editor)
        .insert_header(("if-match", "\"1\""))
        .send_json(&json!({"title": "Mis à jour", "body": "<p>fr</p>"}))
        .await
        .unwrap();
    let resaved = json_body(&mut resaved).await["data"]["translations"]["fr"].clone();
    assert_eq!(resaved["translation_outdated"], false);
    assert_eq!(resaved["status"], "draft", "status kept when not given");

    let mut source = app
        .delete(&format!("{path}/translations/en"))
        .bearer_auth(&room.editor)
        .send()
        .await
        .unwrap();
    assert_problem(&mut source, 409).await;
    let deleted = app
        .delete(&format!("{path}/translations/fr"))
        .bearer_auth(&room.editor)
        .send()
        .await
        .unwrap();
    assert_eq!(deleted.status().as_u16(), 204);
    let mut gone = app
        .delete(&format!("{path}/translations/fr"))
        .bearer_auth(&room.editor)
        .send()
        .await
        .unwrap();
    assert_problem(&mut gone, 404).await;
}

#[actix_web::test]
async fn content_in_use_can_not_be_deleted() {
    let app = spawn_app().await;
    let room = newsroom(&app).await;
    create_article(
        &app,
        &room.editor,
        &article_body(&room, "Uses everything", "draft"),
    )
    .await;
    let mut author = app
        .delete(&format!("/api/v1/admin/authors/{}", room.author))
        .bearer_auth(&room.editor)
        .send()
        .await
        .unwrap();
    assert_problem(&mut author, 409).await;
    let mut category = app
        .delete(&format!("/api/v1/admin/categories/{}", room.category))
        .bearer_auth(&room.editor)
        .send()
        .await
        .unwrap();
    assert_problem(&mut category, 409).await;
    let admin = app.admin_token().await;
    let mut locale = app
        .delete("/api/v1/admin/locales/en")
        .bearer_auth(&admin)
        .send()
        .await
        .unwrap();
    assert_problem(&mut locale, 409).await;
    // A tag may go: the article just loses it.
    let tag = app
        .delete(&format!("/api/v1/admin/tags/{}", room.tag))
        .bearer_auth(&room.editor)
        .send()
        .await
        .unwrap();
    assert_eq!(tag.status().as_u16(), 204);
}

#[actix_web::test]
async fn a_body_nested_too_deep_is_refused_before_any_write() {
    let app = spawn_app().await;
    let room = newsroom(&app).await;
    let mut body = article_body(&room, "Deep", "draft");
    body["translations"]["en"]["body"] = json!("<div>".repeat(100_000));
    let started = std::time::Instant::now();
    let mut response = app
        .post("/api/v1/admin/articles")
        .bearer_auth(&room.editor)
        .send_json(&body)
        .await
        .unwrap();
    let problem = assert_problem(&mut response, 422).await;
    assert_eq!(
        problem["errors"][0]["field"], "translations.en.body",
        "{problem}"
    );
    assert!(
        started.elapsed() < std::time::Duration::from_secs(5),
        "answered at once"
    );
    let list = expect_json(
        app.get("/api/v1/admin/articles").bearer_auth(&room.editor),
        200,
    )
    .await;
    assert_eq!(list["meta"]["total"], 0, "nothing stored");
    // A body of many elements that are not nested is fine, and sanitised.
    body["translations"]["en"]["body"] = json!("<p>word <script>x</script></p>".repeat(2000));
    let article = create_article(&app, &room.editor, &body).await;
    let stored = article["translations"]["en"]["body"].as_str().unwrap();
    assert!(!stored.contains("script"));
    // The same check guards a translation on its own.
    let mut response = app
        .put(&format!(
            "/api/v1/admin/articles/{}/translations/fr",
            article["id"]
        ))
        .bearer_auth(&room.editor)
        .send_json(&json!({"title": "Profond", "body": "<blockquote>".repeat(500)}))
        .await
        .unwrap();
    let problem = assert_problem(&mut response, 422).await;
    assert_eq!(problem["errors"][0]["field"], "body", "{problem}");
}

#[actix_web::test]
async fn writers_set_on_create_only_what_their_role_allows() {
    let app = spawn_app().await;
    let room = newsroom(&app).await;
    let (contributor, own) = writer(&app, &room, "contributor").await;
    let (author, author_own) = writer(&app, &room, "author").await;
    let refused = [
        (
            "published_at",
            json!("2030-01-01T00:00:00Z"),
            403,
            &contributor,
            own,
        ),
        ("featured", json!(true), 403, &contributor, own),
        ("author_ids", json!([room.author]), 403, &contributor, own),
        (
            "author_ids",
            json!([author_own, room.author]),
            403,
            &author,
            author_own,
        ),
        ("cover_media_id", json!(424242), 422, &author, author_own),
    ];
    for (field, value, status, token, byline) in refused {
        let mut body = article_by(&room, "Not allowed", "draft", byline);
        body[field] = value;
        let mut response = app
            .post("/api/v1/admin/articles")
            .bearer_auth(token)
            .send_json(&body)
            .await
            .unwrap();
        let problem = assert_problem(&mut response, status).await;
        let named = problem["detail"].as_str().unwrap().contains(field)
            || problem["errors"][0]["field"] == field;
        assert!(named, "{field}: {problem}");
    }
    let list = expect_json(
        app.get("/api/v1/admin/articles").bearer_auth(&room.editor),
        200,
    )
    .await;
    assert_eq!(list["meta"]["total"], 0, "nothing stored");
    // Own bylines and schedules within the role are fine; an editor bylines anyone and features.
    let mut body = article_by(&room, "Mine", "published", author_own);
    body["published_at"] = json!("2030-01-01T00:00:00Z");
    create_article(&app, &author, &body).await;
    let mut body = article_by(&room, "Theirs", "draft", own);
    body["featured"] = json!(true);
    create_article(&app, &room.editor, &body).await;
    // On update the same table holds: a contributor's own draft can't be featured or
    // re-bylined by them; other fields change.
    let draft = create_article(
        &app,
        &contributor,
        &article_by(&room, "Draft", "draft", own),
    )
    .await;
    let path = format!("/api/v1/admin/articles/{}", draft["id"]);
    for (change, field) in [
        (json!({"featured": true}), "featured"),
        (json!({"author_ids": [room.author]}), "author_ids"),
    ] {
        let mut response = app
            .patch(&path)
            .bearer_auth(&contributor)
            .send_json(&change)
            .await
            .unwrap();
        let problem = assert_problem(&mut response, 403).await;
        assert!(
            problem["detail"].as_str().unwrap().contains(field),
            "{problem}"
        );
    }
    let changed = crate::helpers::send_json_expect(
        app.patch(&path).bearer_auth(&contributor),
        &json!({"comments_enabled": false, "author_ids": [own]}),
        200,
    )
    .await;
    assert_eq!(changed["data"]["featured"], false);
}

#[actix_web::test]
async fn pasted_figures_pictures_and_anchors_survive_a_save() {
    let app = spawn_app().await;
    let room = newsroom(&app).await;
    let mut body = article_body(&room, "Pasted", "draft");
    body["translations"]["en"]["body"] = json!(
        r#"<h2 id="part-1">Part 1</h2><figure><picture><source srcset="https://cdn.test/a.webp" type="image/webp"><img src="https://cdn.test/a.jpg" alt="Astana" loading="lazy"></picture><figcaption>Photo: AFP</figcaption></figure><script>alert(1)</script>"#
    );
    let article = create_article(&app, &room.editor, &body).await;
    let stored = article["translations"]["en"]["body"].as_str().unwrap();
    for kept in [
        r#"<h2 id="part-1">"#,
        "<picture>",
        r#"<source srcset="https://cdn.test/a.webp" type="image/webp">"#,
        r#"loading="lazy""#,
        "<figcaption>",
    ] {
        assert!(stored.contains(kept), "{kept} in {stored}");
    }
    assert!(!stored.contains("script"), "{stored}");
}

#[actix_web::test]
async fn embeds_from_listed_hosts_are_kept_sandboxed_and_the_save_says_what_was_removed() {
    let app = spawn_app().await;
    let room = newsroom(&app).await;
    let mut body = article_body(&room, "Embeds", "draft");
    body["translations"]["en"]["body"] = json!(concat!(
        r#"<p onclick="steal()">Watch:</p>"#,
        r#"<iframe src="https://www.youtube.com/embed/xyz" width="560" height="315" allowfullscreen></iframe>"#,
        r#"<iframe src="https://tracker.test/frame"></iframe><script>alert(1)</script>"#
    ));
    let mut response = app
        .post("/api/v1/admin/articles")
        .bearer_auth(&room.editor)
        .send_json(&body)
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 201);
    let created = json_body(&mut response).await;
    let stored = created["data"]["translations"]["en"]["body"]
        .as_str()
        .unwrap();
    assert!(
        stored.contains(r#"<iframe src="https://www.youtube.com/embed/xyz""#),
        "{stored}"
    );
    assert!(stored.contains(r#"sandbox="allow-scripts"#), "{stored}");
    assert!(
        !stored.contains("tracker.test") && !stored.contains("onclick"),
        "{stored}"
    );
    let mut report = created["sanitizer_report"]["en"]
        .as_array()
        .unwrap_or_else(|| panic!("a report: {created}"))
        .clone();
    report.sort_by_key(|r| r["element"].as_str().unwrap_or_default().to_owned());
    assert_eq!(
        Value::Array(report),
        json!([
            {"element": "iframe", "count": 1},
            {"element": "p", "attribute": "onclick", "count": 1},
            {"element": "script", "count": 1},
        ])
    );
    // A clean body reports nothing removed; a read carries no report.
    let id = created["data"]["id"].as_i64().unwrap();
    let version = created["data"]["translations"]["en"]["version"]
        .as_i64()
        .unwrap();
    let saved = send_json_expect(
        app.put(&format!("/api/v1/admin/articles/{id}/translations/en"))
            .bearer_auth(&room.editor)
            .insert_header(("if-match", version.to_string())),
        &json!({"title": "Embeds", "body": "<p>Clean.</p>"}),
        200,
    )
    .await;
    assert_eq!(saved["sanitizer_report"], json!({"en": []}));
    let read = expect_json(
        app.get(&format!("/api/v1/admin/articles/{id}"))
            .bearer_auth(&room.editor),
        200,
    )
    .await;
    assert!(read.get("sanitizer_report").is_none(), "{read}");

    // Another host list: YouTube is no longer framed.
    let vimeo_only = crate::helpers::spawn_app_with(|env| {
        env.insert("EMBED_HOSTS".into(), "player.vimeo.com".into());
    })
    .await;
    let room = newsroom(&vimeo_only).await;
    body["category_id"] = json!(room.category);
    body["author_ids"] = json!([room.author]);
    body["tag_ids"] = json!([room.tag]);
    let article = create_article(&vimeo_only, &room.editor, &body).await;
    let stored = article["translations"]["en"]["body"].as_str().unwrap();
    assert!(!stored.contains("<iframe"), "{stored}");
}
