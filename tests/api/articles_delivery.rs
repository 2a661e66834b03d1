//! The public article API: visibility, locale fallback, slugs, filters, sorts, related,
//! archive, caching and a fixed query cost per page.

use serde_json::{Value, json};

use crate::fixtures::{Newsroom, article_body, create_article, newsroom, queries};
use crate::helpers::{
    TestApp, assert_problem, expect_json, header, json_body, send_json_expect, spawn_app,
    spawn_app_with, spawn_beside_with,
};

/// An article published now with translations in `locales` (each `status` published).
async fn publish(app: &TestApp, room: &Newsroom, titles: &[(&str, &str)], extra: Value) -> Value {
    let mut translations = serde_json::Map::new();
    for (locale, title) in titles {
        translations.insert((*locale).to_owned(), json!({"title": title, "summary": format!("{title} summary"), "body": format!("<p>{title} body text</p>")}));
    }
    let mut body = json!({
        "category_id": room.category,
        "author_ids": [room.author],
        "tag_ids": [room.tag],
        "status": "published",
        "translations": translations,
    });
    body.as_object_mut()
        .unwrap()
        .extend(extra.as_object().unwrap().clone());
    create_article(app, &room.editor, &body).await
}

async fn list(app: &TestApp, query: &str) -> Value {
    expect_json(app.get(&format!("/api/v1/articles?{query}")), 200).await
}

fn titles(list: &Value) -> Vec<String> {
    list["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["title"].as_str().unwrap().to_owned())
        .collect()
}

#[actix_web::test]
async fn only_published_articles_whose_time_has_come_exist_publicly() {
    let app = spawn_app().await;
    let room = newsroom(&app).await;
    let visible = publish(&app, &room, &[("en", "Visible")], json!({})).await;
    let mut hidden = Vec::new();
    for (title, extra) in [
        ("Draft", json!({"status": "draft"})),
        ("Review", json!({"status": "in_review"})),
        (
            "Archived",
            json!({"status": "archived", "published_at": "2025-01-01T00:00:00Z"}),
        ),
        ("Scheduled", json!({"published_at": "2099-01-01T00:00:00Z"})),
    ] {
        hidden.push(publish(&app, &room, &[("en", title)], extra).await);
    }
    let mut untranslated = article_body(&room, "Unpublished translation", "published");
    untranslated["translations"]["en"]["status"] = json!("draft");
    hidden.push(create_article(&app, &room.editor, &untranslated).await);

    let all = list(&app, "locale=en").await;
    assert_eq!(titles(&all), ["Visible"]);
    assert_eq!(all["meta"]["total"], 1);
    for article in &hidden {
        let id = article["id"].as_i64().unwrap();
        let slug = article["translations"]["en"]["slug"].as_str().unwrap();
        for path in [
            format!("/api/v1/articles/{id}"),
            format!("/api/v1/articles/{slug}"),
            format!("/api/v1/articles/{id}/related"),
        ] {
            let mut response = app.get(&path).send().await.unwrap();
            assert_problem(&mut response, 404).await;
        }
    }
    let search = list(&app, "q=draft").await;
    assert_eq!(search["meta"]["total"], 0, "search sees no drafts");
    let mut tree = app
        .get("/api/v1/categories?locale=en")
        .send()
        .await
        .unwrap();
    assert_eq!(json_body(&mut tree).await["data"][0]["article_count"], 1);
    let mut tag = app
        .get(&format!("/api/v1/tags/{}", room.tag))
        .send()
        .await
        .unwrap();
    assert_eq!(json_body(&mut tag).await["data"]["article_count"], 1);
    let mut archive = app.get("/api/v1/archive").send().await.unwrap();
    let archive = json_body(&mut archive).await;
    assert_eq!(archive["data"].as_array().unwrap().len(), 1, "{archive}");
    assert_eq!(archive["data"][0]["count"], 1);
    let mut related = app
        .get(&format!("/api/v1/articles/{}/related", visible["id"]))
        .send()
        .await
        .unwrap();
    assert_eq!(json_body(&mut related).await["data"], json!([]));
}

#[actix_web::test]
async fn locales_fall_back_and_say_so() {
    let app = spawn_app().await;
    let room = newsroom(&app).await;
    let article = publish(
        &app,
        &room,
        &[
            ("en", "Tokayev Outlines Foreign Policy"),
            ("fr", "Tokaïev présente sa politique"),
        ],
        json!({}),
    )
    .await;
    let id = article["id"].as_i64().unwrap();

    let mut fr = app
        .get(&format!("/api/v1/articles/{id}?locale=fr"))
        .send()
        .await
        .unwrap();
    assert_eq!(header(&fr, "content-language").as_deref(), Some("fr"));
    assert!(header(&fr, "vary").unwrap().contains("Accept-Language"));
    let fr = json_body(&mut fr).await["data"].clone();
    assert_eq!(fr["title"], "Tokaïev présente sa politique");
    assert_eq!(fr["locale"], "fr");
    assert_eq!(fr["requested_locale"], "fr");
    assert_eq!(fr["fallback"], false);
    assert_eq!(fr["slug"], "tokaiev-presente-sa-politique");
    assert_eq!(fr["category"]["name"], "Asie Centrale");
    assert_eq!(
        fr["category"]["path"],
        json!([{"id": room.category, "slug": "asie-centrale", "name": "Asie Centrale",
                "url": "http://localhost:3000/fr/asie-centrale"}])
    );
    assert_eq!(
        fr["authors"],
        json!([{"id": room.author, "slug": "ayana-birbayeva", "name": "Ayana Birbayeva", "avatar": null, "bio": null,
                "url": "http://localhost:3000/fr/author/ayana-birbayeva"}])
    );
    assert_eq!(fr["tags"][0]["name"], "Diplomatie");
    assert_eq!(
        fr["translations"],
        json!([
            {"locale": "fr", "slug": "tokaiev-presente-sa-politique", "title": "Tokaïev présente sa politique",
             "url": "http://localhost:3000/fr/asie-centrale/tokaiev-presente-sa-politique"},
            {"locale": "en", "slug": "tokayev-outlines-foreign-policy", "title": "Tokayev Outlines Foreign Policy",
             "url": "http://localhost:3000/en/central-asia/tokayev-outlines-foreign-policy"},
        ])
    );
    assert_eq!(
        fr["url"],
        "http://localhost:3000/fr/asie-centrale/tokaiev-presente-sa-politique"
    );
    assert!(fr["body"].as_str().unwrap().contains("body text"));

    // Turkish is the site default but missing: the first published translation in site order.
    let mut tr = app
        .get(&format!("/api/v1/articles/{id}?locale=tr"))
        .send()
        .await
        .unwrap();
    assert_eq!(header(&tr, "content-language").as_deref(), Some("fr"));
    let tr = json_body(&mut tr).await["data"].clone();
    assert_eq!(tr["locale"], "fr");
    assert_eq!(tr["requested_locale"], "tr");
    assert_eq!(tr["fallback"], true);
    let mut strict = app
        .get(&format!("/api/v1/articles/{id}?locale=tr&fallback=false"))
        .send()
        .await
        .unwrap();
    assert_problem(&mut strict, 404).await;
    assert_eq!(
        list(&app, "locale=tr&fallback=false").await["meta"]["total"],
        0
    );
    let fallback = list(&app, "locale=tr").await;
    assert_eq!(fallback["data"][0]["fallback"], true);

    // A slug in any locale resolves; the requested locale is served.
    let mut by_french_slug = app
        .get("/api/v1/articles/tokaiev-presente-sa-politique?locale=en")
        .send()
        .await
        .unwrap();
    assert_eq!(
        json_body(&mut by_french_slug).await["data"]["title"],
        "Tokayev Outlines Foreign Policy"
    );
    let mut by_header = app
        .get("/api/v1/articles/tokayev-outlines-foreign-policy")
        .insert_header(("accept-language", "fr-FR,fr;q=0.9"))
        .send()
        .await
        .unwrap();
    assert_eq!(json_body(&mut by_header).await["data"]["locale"], "fr");

    // Renamed: the old slug keeps resolving.
    let response = app
        .put(&format!("/api/v1/admin/articles/{id}/translations/en"))
        .bearer_auth(&room.editor)
        .send_json(&json!({
            "title": "Tokayev Sets Out 2026 Agenda",
            "slug": "tokayev-sets-out-2026-agenda",
            "body": "<p>b</p>",
        }))
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 200);
    let mut old = app
        .get("/api/v1/articles/tokayev-outlines-foreign-policy?locale=en")
        .send()
        .await
        .unwrap();
    let old = json_body(&mut old).await["data"].clone();
    assert_eq!(old["id"], id);
    assert_eq!(old["slug"], "tokayev-sets-out-2026-agenda");
    let mut unknown = app
        .get("/api/v1/articles/no-such-article")
        .send()
        .await
        .unwrap();
    assert_problem(&mut unknown, 404).await;
    let mut bad_locale = app
        .get(&format!("/api/v1/articles/{id}?locale=zz"))
        .send()
        .await
        .unwrap();
    assert_problem(&mut bad_locale, 422).await;
}

#[actix_web::test]
async fn lists_filter_and_sort() {
    let app = spawn_app().await;
    let room = newsroom(&app).await;
    let (_, _, editor) = (0, 0, room.editor.clone());
    let mut other_author = app
        .post("/api/v1/admin/authors")
        .bearer_auth(&editor)
        .send_json(&json!({"name": "Elif Yılmaz"}))
        .await
        .unwrap();
    let other_author = json_body(&mut other_author).await["data"]["id"]
        .as_i64()
        .unwrap();
    let mut other_tag = app
        .post("/api/v1/admin/tags")
        .bearer_auth(&editor)
        .send_json(&json!({"translations": {"en": {"name": "Economy"}}}))
        .await
        .unwrap();
    let other_tag = json_body(&mut other_tag).await["data"]["id"]
        .as_i64()
        .unwrap();
    let mut other_category = app
        .post("/api/v1/admin/categories")
        .bearer_auth(&editor)
        .send_json(&json!({"translations": {"en": {"name": "Health"}}}))
        .await
        .unwrap();
    let other_category = json_body(&mut other_category).await["data"]["id"]
        .as_i64()
        .unwrap();

    publish(
        &app,
        &room,
        &[("en", "Banana republic")],
        json!({"published_at": "2025-03-01T10:00:00Z"}),
    )
    .await;
    publish(&app, &room, &[("en", "Apple harvest in Almaty")], json!({"published_at": "2025-04-01T10:00:00Z", "category_id": room.subcategory, "featured": true})).await;
    publish(&app, &room, &[("en", "Cherry blossoms")], json!({"published_at": "2025-05-01T10:00:00Z", "category_id": other_category, "author_ids": [other_author], "tag_ids": [other_tag]})).await;
    publish(
        &app,
        &room,
        &[("tr", "Türkiye seçime özel: İNANILMAZ sonuç")],
        json!({"published_at": "2025-06-01T10:00:00Z", "category_id": other_category}),
    )
    .await;

    assert_eq!(
        titles(&list(&app, "locale=en&per_page=3").await),
        [
            "Türkiye seçime özel: İNANILMAZ sonuç",
            "Cherry blossoms",
            "Apple harvest in Almaty"
        ]
    );
    assert_eq!(
        titles(&list(&app, "locale=en&sort=published_at&per_page=2").await),
        ["Banana republic", "Apple harvest in Almaty"]
    );
    let by_title = titles(&list(&app, "locale=en&fallback=false&sort=title").await);
    assert_eq!(
        by_title,
        [
            "Apple harvest in Almaty",
            "Banana republic",
            "Cherry blossoms"
        ]
    );
    // The category filter includes sub-categories; by id or by slug in any locale.
    assert_eq!(
        titles(
            &list(
                &app,
                &format!("locale=en&category={}&sort=published_at", room.category)
            )
            .await
        ),
        ["Banana republic", "Apple harvest in Almaty"]
    );
    assert_eq!(
        titles(&list(&app, "locale=en&category=kazakistan").await),
        ["Apple harvest in Almaty"]
    );
    assert_eq!(
        titles(&list(&app, "locale=en&author=elif-yilmaz").await),
        ["Cherry blossoms"]
    );
    assert_eq!(
        titles(&list(&app, &format!("locale=en&tag={other_tag}")).await),
        ["Cherry blossoms"]
    );
    assert_eq!(
        titles(&list(&app, "locale=en&featured=true").await),
        ["Apple harvest in Almaty"]
    );
    assert_eq!(titles(&list(&app, "locale=en&published_after=2025-04-15T00:00:00Z&published_before=2025-05-15T00:00:00Z").await), ["Cherry blossoms"]);
    // Search folds case, accents and Turkish letters, in titles, summaries and bodies.
    for q in ["inanilmaz", "İnanılmaz", "INANILMAZ", "secime", "SEÇİME"] {
        assert_eq!(
            titles(&list(&app, &format!("q={}", urlencode(q))).await),
            ["Türkiye seçime özel: İNANILMAZ sonuç"],
            "q={q}"
        );
    }
    assert_eq!(
        list(&app, "q=almaty%20harvest").await["meta"]["total"],
        0,
        "a phrase, not words"
    );
    assert_eq!(list(&app, "q=harvest").await["meta"]["total"], 1);
    assert_eq!(
        list(&app, "q=100%25").await["meta"]["total"],
        0,
        "% is literal"
    );

    for bad in [
        "per_page=101",
        "page=0",
        "sort=random",
        "category=nope",
        "tag=nope",
        "author=nope",
        "published_after=yesterday",
        "featured=maybe",
        "colour=red",
    ] {
        let mut response = app
            .get(&format!("/api/v1/articles?{bad}"))
            .send()
            .await
            .unwrap();
        assert_problem(&mut response, 422).await;
    }
    let page = app
        .get("/api/v1/articles?per_page=1&page=2")
        .send()
        .await
        .unwrap();
    let link = header(&page, "link").unwrap();
    assert!(link.contains("page=3") && link.contains("page=1"), "{link}");
}

fn urlencode(text: &str) -> String {
    text.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

#[actix_web::test]
async fn related_articles_share_a_category_or_tags_and_the_archive_counts_months() {
    let app = spawn_app().await;
    let room = newsroom(&app).await;
    let mut other_category = app
        .post("/api/v1/admin/categories")
        .bearer_auth(&room.editor)
        .send_json(&json!({"translations": {"en": {"name": "Health"}}}))
        .await
        .unwrap();
    let other_category = json_body(&mut other_category).await["data"]["id"]
        .as_i64()
        .unwrap();
    let base = publish(
        &app,
        &room,
        &[("en", "Base")],
        json!({"published_at": "2025-01-10T00:00:00Z"}),
    )
    .await;
    publish(
        &app,
        &room,
        &[("en", "Same category and tag")],
        json!({"published_at": "2025-01-20T00:00:00Z"}),
    )
    .await;
    publish(
        &app,
        &room,
        &[("en", "Same tag elsewhere")],
        json!({"published_at": "2025-02-01T00:00:00Z", "category_id": other_category}),
    )
    .await;
    publish(
        &app,
        &room,
        &[("en", "Same category, no tag")],
        json!({"published_at": "2025-02-10T00:00:00Z", "tag_ids": []}),
    )
    .await;
    publish(&app, &room, &[("en", "Unrelated")], json!({"published_at": "2025-02-20T00:00:00Z", "category_id": other_category, "tag_ids": []})).await;

    let mut related = app
        .get(&format!(
            "/api/v1/articles/{}/related?locale=en",
            base["id"]
        ))
        .send()
        .await
        .unwrap();
    let related = json_body(&mut related).await;
    assert_eq!(
        titles(&related),
        [
            "Same category and tag",
            "Same tag elsewhere",
            "Same category, no tag"
        ]
    );
    let mut limited = app
        .get(&format!("/api/v1/articles/{}/related?limit=1", base["id"]))
        .send()
        .await
        .unwrap();
    assert_eq!(
        titles(&json_body(&mut limited).await),
        ["Same category and tag"]
    );
    let mut too_many = app
        .get(&format!("/api/v1/articles/{}/related?limit=21", base["id"]))
        .send()
        .await
        .unwrap();
    assert_problem(&mut too_many, 422).await;

    let mut archive = app.get("/api/v1/archive").send().await.unwrap();
    assert_eq!(
        json_body(&mut archive).await["data"],
        json!([{"year": 2025, "month": 2, "count": 3}, {"year": 2025, "month": 1, "count": 2}])
    );
    let mut by_category = app
        .get(&format!("/api/v1/archive?category={other_category}"))
        .send()
        .await
        .unwrap();
    assert_eq!(
        json_body(&mut by_category).await["data"],
        json!([{"year": 2025, "month": 2, "count": 2}])
    );
}

#[actix_web::test]
async fn public_reads_are_cacheable() {
    let app = spawn_app().await;
    let room = newsroom(&app).await;
    let article = publish(&app, &room, &[("en", "Cached")], json!({})).await;
    for path in [
        "/api/v1/articles".to_owned(),
        format!("/api/v1/articles/{}", article["id"]),
        format!("/api/v1/articles/{}/related", article["id"]),
        "/api/v1/archive".to_owned(),
        "/api/v1/categories".to_owned(),
        "/api/v1/tags".to_owned(),
        "/api/v1/authors".to_owned(),
        "/api/v1/locales".to_owned(),
    ] {
        let response = app.get(&path).send().await.unwrap();
        assert_eq!(response.status().as_u16(), 200, "{path}");
        let etag = header(&response, "etag").unwrap_or_else(|| panic!("{path} has an ETag"));
        assert!(
            header(&response, "cache-control")
                .unwrap()
                .contains("max-age=60"),
            "{path}"
        );
        let cached = app
            .get(&path)
            .insert_header(("if-none-match", etag.as_str()))
            .send()
            .await
            .unwrap();
        assert_eq!(cached.status().as_u16(), 304, "{path}");
    }
    // A change changes the ETag.
    let path = format!("/api/v1/articles/{}", article["id"]);
    let before = header(&app.get(&path).send().await.unwrap(), "etag").unwrap();
    let response = app
        .put(&format!(
            "/api/v1/admin/articles/{}/translations/en",
            article["id"]
        ))
        .bearer_auth(&room.editor)
        .send_json(&json!({"title": "Cached, edited", "body": "<p>new</p>"}))
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 200);
    let after = app
        .get(&path)
        .insert_header(("if-none-match", before.as_str()))
        .send()
        .await
        .unwrap();
    assert_eq!(after.status().as_u16(), 200);
}

#[actix_web::test]
async fn a_list_page_costs_the_same_queries_whatever_its_length() {
    let app = spawn_app().await;
    let room = newsroom(&app).await;
    for n in 0..12 {
        publish(
            &app,
            &room,
            &[
                ("en", &format!("Article {n}")),
                ("fr", &format!("Article {n} fr")),
            ],
            json!({}),
        )
        .await;
    }
    // Load what public reads keep in memory (the locales, the reaction kinds) before counting.
    let _ = app
        .get("/api/v1/articles?locale=en")
        .send()
        .await
        .unwrap()
        .body()
        .await;
    let mut costs = Vec::new();
    for per_page in [1, 12] {
        for path in [
            format!("/api/v1/articles?locale=fr&per_page={per_page}"),
            format!("/api/v1/articles?locale=tr&per_page={per_page}&sort=title&q=article"),
        ] {
            let before = queries(&app).await;
            let mut response = app.get(&path).send().await.unwrap();
            assert_eq!(
                json_body(&mut response).await["data"]
                    .as_array()
                    .unwrap()
                    .len(),
                per_page
            );
            costs.push((path, queries(&app).await - before));
        }
    }
    assert_eq!(costs[0].1, costs[2].1, "{costs:?}");
    assert_eq!(costs[1].1, costs[3].1, "{costs:?}");
    assert!((1..=12).contains(&costs[0].1), "{costs:?}");

    // The editors' list too.
    let mut admin_costs = Vec::new();
    for per_page in [1, 12] {
        let before = queries(&app).await;
        let mut response = app
            .get(&format!("/api/v1/admin/articles?per_page={per_page}"))
            .bearer_auth(&room.editor)
            .send()
            .await
            .unwrap();
        assert_eq!(
            json_body(&mut response).await["data"]
                .as_array()
                .unwrap()
                .len(),
            per_page
        );
        admin_costs.push(queries(&app).await - before);
    }
    assert!(admin_costs[0] > 0, "{admin_costs:?}");
    assert_eq!(admin_costs[0], admin_costs[1], "{admin_costs:?}");
}

#[actix_web::test]
async fn public_reads_are_served_from_the_cache_until_a_write() {
    let app = spawn_app().await;
    let room = newsroom(&app).await;
    let article = publish(&app, &room, &[("en", "Cache me")], json!({})).await;
    let path = format!("/api/v1/articles/{}?locale=en", article["id"]);
    let first = app.get(&path).send().await.unwrap();
    assert_eq!(header(&first, "x-cache").as_deref(), Some("MISS"));
    let etag = header(&first, "etag").unwrap();
    let mut second = app.get(&path).send().await.unwrap();
    assert_eq!(header(&second, "x-cache").as_deref(), Some("HIT"));
    assert_eq!(header(&second, "etag").as_deref(), Some(etag.as_str()));
    assert_eq!(header(&second, "content-language").as_deref(), Some("en"));
    assert_eq!(json_body(&mut second).await["data"]["title"], "Cache me");
    let cached = app
        .get(&path)
        .insert_header(("if-none-match", etag.as_str()))
        .send()
        .await
        .unwrap();
    assert_eq!(cached.status().as_u16(), 304);
    // Another Accept-Language is another entry.
    let other = app
        .get(&format!("/api/v1/articles/{}", article["id"]))
        .insert_header(("accept-language", "fr"))
        .send()
        .await
        .unwrap();
    assert_eq!(header(&other, "x-cache").as_deref(), Some("MISS"));

    // An edit empties the cache at once.
    let response = app
        .put(&format!(
            "/api/v1/admin/articles/{}/translations/en",
            article["id"]
        ))
        .bearer_auth(&room.editor)
        .send_json(&json!({"title": "Cache me again", "body": "<p>x</p>"}))
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 200);
    let mut fresh = app.get(&path).send().await.unwrap();
    assert_eq!(header(&fresh, "x-cache").as_deref(), Some("MISS"));
    assert_eq!(
        json_body(&mut fresh).await["data"]["title"],
        "Cache me again"
    );
    // Unpublishing hides it at once.
    let response = app
        .patch(&format!("/api/v1/admin/articles/{}", article["id"]))
        .bearer_auth(&room.editor)
        .send_json(&json!({"status": "archived"}))
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 200);
    let mut gone = app.get(&path).send().await.unwrap();
    assert_problem(&mut gone, 404).await;
    // Errors and authenticated reads are never cached.
    let again = app.get(&path).send().await.unwrap();
    assert_eq!(again.status().as_u16(), 404);
    assert!(header(&again, "x-cache").is_none());
}

#[actix_web::test]
async fn a_renamed_category_shows_at_once_in_article_reads() {
    let app = spawn_app().await;
    let room = newsroom(&app).await;
    let article = publish(&app, &room, &[("en", "Renamed")], json!({})).await;
    let path = format!("/api/v1/articles/{}?locale=en", article["id"]);
    let mut before = app.get(&path).send().await.unwrap();
    let before = json_body(&mut before).await["data"]["category"].clone();
    let response = app
        .patch(&format!("/api/v1/admin/categories/{}", room.category))
        .bearer_auth(&room.editor)
        .send_json(
            &json!({"translations": {"en": {"name": "Renamed Region", "slug": "renamed-region"}}}),
        )
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 200);
    let mut after = app.get(&path).send().await.unwrap();
    let after = json_body(&mut after).await["data"]["category"].clone();
    assert_ne!(before["name"], "Renamed Region");
    assert_eq!(after["name"], "Renamed Region", "{after}");
    assert_eq!(after["slug"], "renamed-region");
    let mut list = app.get("/api/v1/articles?locale=en").send().await.unwrap();
    assert_eq!(
        json_body(&mut list).await["data"][0]["category"]["name"],
        "Renamed Region"
    );
}

#[actix_web::test]
async fn the_slug_of_an_unpublished_translation_names_nothing() {
    let app = spawn_app().await;
    let room = newsroom(&app).await;
    let mut body = article_body(&room, "Published in English", "published");
    body["translations"]["fr"] = json!({
        "title": "Brouillon en français",
        "body": "<p>Pas encore.</p>",
        "status": "draft",
    });
    let article = create_article(&app, &room.editor, &body).await;
    let fr = article["translations"]["fr"]["slug"]
        .as_str()
        .unwrap()
        .to_owned();
    let en = article["translations"]["en"]["slug"]
        .as_str()
        .unwrap()
        .to_owned();
    let mut missing = app
        .get("/api/v1/articles/no-such-slug")
        .send()
        .await
        .unwrap();
    let missing = assert_problem(&mut missing, 404).await;
    let mut draft = app
        .get(&format!("/api/v1/articles/{fr}"))
        .send()
        .await
        .unwrap();
    let draft = assert_problem(&mut draft, 404).await;
    assert_eq!(draft, missing, "a draft's slug answers like a missing one");
    let served = expect_json(app.get(&format!("/api/v1/articles/{en}")), 200).await;
    assert_eq!(served["data"]["locale"], "en");
}

#[actix_web::test]
async fn a_non_canonical_key_points_to_the_canonical_path() {
    let app = spawn_app().await;
    let room = newsroom(&app).await;
    let article = create_article(
        &app,
        &room.editor,
        &article_body(&room, "Canonical", "published"),
    )
    .await;
    let id = article["id"].as_i64().unwrap();
    for _ in 0..2 {
        // The second read is a cache hit and says the same.
        let mut by_id = app
            .get(&format!("/api/v1/articles/{id}"))
            .send()
            .await
            .unwrap();
        assert_eq!(
            header(&by_id, "content-location").as_deref(),
            Some("/api/v1/articles/canonical")
        );
        assert_eq!(
            json_body(&mut by_id).await["data"]["canonical_slug"],
            "canonical"
        );
    }
    let by_slug = app.get("/api/v1/articles/canonical").send().await.unwrap();
    assert_eq!(
        header(&by_slug, "content-location"),
        None,
        "already canonical"
    );
}

#[actix_web::test]
async fn bylines_carry_the_avatar_and_the_bio_in_the_served_locale() {
    let app = spawn_app().await;
    let room = newsroom(&app).await;
    let long_bio = format!("{} end", "Grand reporter à Astana depuis 2010.".repeat(8));
    let author = send_json_expect(
        app.post("/api/v1/admin/authors").bearer_auth(&room.editor),
        &json!({
            "name": "Aigerim Seitkali",
            "avatar_url": "https://cdn.example.com/aigerim.jpg",
            "bio": {"fr": long_bio, "tr": "Astana muhabiri."},
        }),
        201,
    )
    .await["data"]["id"]
        .clone();
    let mut body = article_body(&room, "Bylines", "published");
    body["author_ids"] = json!([author, room.author]);
    body["translations"]["fr"] =
        json!({"title": "Signatures", "body": "<p>Texte.</p>", "status": "published"});
    body["translations"]["tr"] =
        json!({"title": "İmzalar", "body": "<p>Metin.</p>", "status": "published"});
    let article = create_article(&app, &room.editor, &body).await;
    let id = article["id"].as_i64().unwrap();

    let fr = expect_json(app.get(&format!("/api/v1/articles/{id}?locale=fr")), 200).await;
    let bylines = &fr["data"]["authors"];
    assert_eq!(bylines[0]["avatar"], "https://cdn.example.com/aigerim.jpg");
    let bio = bylines[0]["bio"].as_str().unwrap();
    assert!(bio.ends_with('…') && bio.chars().count() <= 201, "{bio}");
    assert!(long_bio.starts_with(bio.trim_end_matches('…')), "{bio}");
    assert_eq!(bylines[1]["id"], room.author);
    assert_eq!(
        (bylines[1]["avatar"].clone(), bylines[1]["bio"].clone()),
        (Value::Null, Value::Null)
    );

    let tr = expect_json(app.get("/api/v1/articles?locale=tr"), 200).await;
    let summary = &tr["data"][0];
    assert_eq!(summary["id"], id);
    assert_eq!(summary["authors"][0]["bio"], "Astana muhabiri.");
    assert_eq!(
        summary["authors"][0]["avatar"],
        "https://cdn.example.com/aigerim.jpg"
    );
    let en = expect_json(app.get(&format!("/api/v1/articles/{id}?locale=en")), 200).await;
    assert_eq!(
        en["data"]["authors"][0]["bio"],
        Value::Null,
        "no English bio"
    );
}

#[actix_web::test]
async fn a_front_page_gets_the_newest_articles_of_several_categories_in_one_call() {
    let app = spawn_app().await;
    let room = newsroom(&app).await;
    let health = send_json_expect(
        app.post("/api/v1/admin/categories")
            .bearer_auth(&room.editor),
        &json!({"translations": {"tr": {"name": "Sağlık"}, "fr": {"name": "Santé"}}}),
        201,
    )
    .await["data"]["id"]
        .clone();
    let at = |minutes: i64| {
        (chrono::Utc::now() - chrono::Duration::minutes(minutes))
            .to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
    };
    publish(
        &app,
        &room,
        &[("fr", "Asie 1")],
        json!({"published_at": at(30)}),
    )
    .await;
    publish(
        &app,
        &room,
        &[("fr", "Asie 2")],
        json!({"published_at": at(20)}),
    )
    .await;
    // A sub-category's article belongs to its parent's section.
    publish(
        &app,
        &room,
        &[("fr", "Kazakhstan 3")],
        json!({"published_at": at(10), "category_id": room.subcategory}),
    )
    .await;
    publish(
        &app,
        &room,
        &[("fr", "Santé 1")],
        json!({"published_at": at(5), "category_id": health}),
    )
    .await;

    let path = "/api/v1/articles/sections?categories=sante,asie-centrale&per_section=2&locale=fr";
    let mut response = app.get(path).send().await.unwrap();
    assert_eq!(response.status().as_u16(), 200);
    let sections = json_body(&mut response).await;
    let data = sections["data"].as_array().unwrap();
    assert_eq!(data.len(), 2, "{sections}");
    assert_eq!(
        data[0]["category"],
        json!({"id": health, "slug": "sante", "name": "Santé",
               "url": "http://localhost:3000/fr/sante"})
    );
    assert_eq!(titles(&json!({"data": data[0]["articles"]})), ["Santé 1"]);
    assert_eq!(data[1]["category"]["name"], "Asie Centrale");
    assert_eq!(
        titles(&json!({"data": data[1]["articles"]})),
        ["Kazakhstan 3", "Asie 2"]
    );
    assert_eq!(data[1]["articles"][0]["authors"][0]["id"], room.author);
    let again = app.get(path).send().await.unwrap();
    assert_eq!(header(&again, "x-cache").as_deref(), Some("HIT"));

    for bad in [
        "categories=sante,nowhere",
        "categories=sante,,asie-centrale",
        "categories=sante&per_section=21",
        "categories=sante&per_section=0",
        "per_section=2",
        &format!("categories={}", vec!["sante"; 13].join(",")),
    ] {
        let mut response = app
            .get(&format!("/api/v1/articles/sections?{bad}"))
            .send()
            .await
            .unwrap();
        assert_problem(&mut response, 422).await;
    }
}

#[actix_web::test]
async fn a_write_to_one_article_purges_its_read_and_the_lists_and_nothing_else() {
    let app = spawn_app().await;
    let room = newsroom(&app).await;
    let x = publish(&app, &room, &[("en", "Article X")], json!({})).await;
    let y = publish(&app, &room, &[("en", "Article Y")], json!({})).await;
    let read_x = format!("/api/v1/articles/{}?locale=en", x["id"]);
    let read_y = format!("/api/v1/articles/{}?locale=en", y["id"]);
    let category_list = format!("/api/v1/articles?category={}&locale=en", room.category);
    let tag_list = format!("/api/v1/articles?tag={}&locale=en", room.tag);
    for path in [&read_x, &read_y, &category_list, &tag_list] {
        app.get(path).send().await.unwrap();
        let hit = app.get(path).send().await.unwrap();
        assert_eq!(header(&hit, "x-cache").as_deref(), Some("HIT"), "{path}");
    }
    let y_read = app.get(&read_y).send().await.unwrap();
    let y_tags = header(&y_read, "surrogate-key").unwrap();
    let y_tags: Vec<&str> = y_tags.split(' ').collect();
    for tag in [
        format!("article:{}", y["id"]),
        format!("category:{}", room.category),
        format!("tag:{}", room.tag),
        format!("author:{}", room.author),
    ] {
        assert!(y_tags.contains(&tag.as_str()), "{tag} in {y_tags:?}");
    }
    let list = app.get(&category_list).send().await.unwrap();
    assert_eq!(header(&list, "surrogate-key").as_deref(), Some("lists"));

    send_json_expect(
        app.put(&format!(
            "/api/v1/admin/articles/{}/translations/en",
            x["id"]
        ))
        .bearer_auth(&room.editor),
        &json!({"title": "Article X, edited", "body": "<p>New.</p>"}),
        200,
    )
    .await;
    let unrelated = app.get(&read_y).send().await.unwrap();
    assert_eq!(header(&unrelated, "x-cache").as_deref(), Some("HIT"));
    let mut fresh = app.get(&read_x).send().await.unwrap();
    assert_eq!(header(&fresh, "x-cache").as_deref(), Some("MISS"));
    assert_eq!(
        json_body(&mut fresh).await["data"]["title"],
        "Article X, edited"
    );
    for list in [&category_list, &tag_list] {
        let mut fresh = app.get(list).send().await.unwrap();
        assert_eq!(header(&fresh, "x-cache").as_deref(), Some("MISS"), "{list}");
        let titles = titles(&json_body(&mut fresh).await);
        assert!(
            titles.contains(&"Article X, edited".to_owned()),
            "{titles:?}"
        );
    }
    // A tag rename purges the reads that show the tag, and leaves the others.
    let mut untagged = article_body(&room, "Article Z", "published");
    untagged["tag_ids"] = json!([]);
    let z = create_article(&app, &room.editor, &untagged).await;
    let read_z = format!("/api/v1/articles/{}?locale=en", z["id"]);
    // Past Z's own publication purge (scheduled content is checked every 250 ms).
    actix_web::rt::time::sleep(std::time::Duration::from_millis(600)).await;
    app.get(&read_y).send().await.unwrap();
    app.get(&read_z).send().await.unwrap();
    send_json_expect(
        app.patch(&format!("/api/v1/admin/tags/{}", room.tag))
            .bearer_auth(&room.editor),
        &json!({"translations": {"en": {"name": "Diplomacy"}}}),
        200,
    )
    .await;
    let mut tagged = app.get(&read_y).send().await.unwrap();
    assert_eq!(header(&tagged, "x-cache").as_deref(), Some("MISS"));
    assert_eq!(
        json_body(&mut tagged).await["data"]["tags"][0]["name"],
        "Diplomacy"
    );
    let other = app.get(&read_z).send().await.unwrap();
    assert_eq!(header(&other, "x-cache").as_deref(), Some("HIT"));
    // Writes the tags don't cover (a locale) still empty everything.
    let admin = app.admin_token().await;
    send_json_expect(
        app.post("/api/v1/admin/locales").bearer_auth(&admin),
        &json!({"code": "de"}),
        201,
    )
    .await;
    // (A busy test machine may answer 503 while the emptied settings are read again.)
    let mut after = app.get(&read_z).send().await.unwrap();
    for _ in 0..5 {
        if after.status().as_u16() != 503 {
            break;
        }
        actix_web::rt::time::sleep(std::time::Duration::from_millis(100)).await;
        after = app.get(&read_z).send().await.unwrap();
    }
    assert_eq!(after.status().as_u16(), 200);
    assert_eq!(header(&after, "x-cache").as_deref(), Some("MISS"));
}

#[actix_web::test]
async fn one_entry_per_served_locale_whatever_the_token_or_the_header_spelling() {
    let app = spawn_app().await;
    let room = newsroom(&app).await;
    let article = publish(
        &app,
        &room,
        &[("en", "Variants"), ("fr", "Variantes")],
        json!({}),
    )
    .await;
    let path = format!("/api/v1/articles/{}", article["id"]);
    let first = app
        .get(&path)
        .insert_header(("accept-language", "fr-FR,fr;q=0.9,en;q=0.8"))
        .send()
        .await
        .unwrap();
    assert_eq!(header(&first, "x-cache").as_deref(), Some("MISS"));
    let mut second = app
        .get(&path)
        .insert_header(("accept-language", "fr"))
        .send()
        .await
        .unwrap();
    assert_eq!(header(&second, "x-cache").as_deref(), Some("HIT"));
    assert_eq!(json_body(&mut second).await["data"]["title"], "Variantes");
    let english = app
        .get(&path)
        .insert_header(("accept-language", "en-GB"))
        .send()
        .await
        .unwrap();
    assert_eq!(header(&english, "x-cache").as_deref(), Some("MISS"));
    // A reader's or a visitor's token doesn't change an article read: served from the cache.
    let (_, visitor) = crate::fixtures::visitor(&app).await;
    let mut with_token = app
        .get(&path)
        .insert_header(("accept-language", "fr-CA"))
        .bearer_auth(&visitor)
        .send()
        .await
        .unwrap();
    assert_eq!(header(&with_token, "x-cache").as_deref(), Some("HIT"));
    assert_eq!(
        json_body(&mut with_token).await["data"]["title"],
        "Variantes"
    );
    // Reads that answer each caller their own are never shared.
    let threads = format!("{path}/comments");
    app.get(&threads).send().await.unwrap();
    let mine = app
        .get(&threads)
        .bearer_auth(&visitor)
        .send()
        .await
        .unwrap();
    assert_eq!(header(&mine, "x-cache"), None);
}

#[actix_web::test]
async fn concurrent_misses_of_one_read_compute_it_once() {
    let app = spawn_app().await;
    let room = newsroom(&app).await;
    let article = publish(&app, &room, &[("en", "Herd")], json!({})).await;
    let path = format!("/api/v1/articles/{}?locale=en", article["id"]);
    // Warm the memos (locales, kinds, categories) so only the read itself counts.
    app.get("/api/v1/articles?locale=en").send().await.unwrap();
    let before = queries(&app).await;
    let one = app.get(&path).send().await.unwrap();
    assert_eq!(header(&one, "x-cache").as_deref(), Some("MISS"));
    let per_read = queries(&app).await - before;
    let other = publish(&app, &room, &[("en", "Herd 2")], json!({})).await;
    let path = format!("/api/v1/articles/{}?locale=en", other["id"]);
    app.get("/api/v1/articles?locale=en").send().await.unwrap();
    let before = queries(&app).await;
    let herd: Vec<_> = (0..16).map(|_| app.get(&path).send()).collect();
    let mut misses = 0;
    for response in crate::helpers::concurrently(herd).await {
        let response = response.unwrap();
        assert_eq!(response.status().as_u16(), 200);
        if header(&response, "x-cache").as_deref() == Some("MISS") {
            misses += 1;
        }
    }
    assert_eq!(misses, 1, "one request computed, the others waited for it");
    let spent = queries(&app).await - before;
    assert!(
        spent <= per_read + 2,
        "{spent} statements for 16 reads, {per_read} for one"
    );
}

#[actix_web::test]
async fn a_scheduled_article_appears_in_cached_lists_within_a_second_of_its_time() {
    let app = spawn_app().await;
    let room = newsroom(&app).await;
    publish(&app, &room, &[("en", "Already out")], json!({})).await;
    let due = chrono::Utc::now() + chrono::Duration::seconds(2);
    publish(
        &app,
        &room,
        &[("en", "On the hour")],
        json!({"published_at": due.to_rfc3339_opts(chrono::SecondsFormat::Millis, true)}),
    )
    .await;
    let path = "/api/v1/articles?locale=en";
    let mut before = app.get(path).send().await.unwrap();
    assert_eq!(titles(&json_body(&mut before).await), ["Already out"]);
    let cached = app.get(path).send().await.unwrap();
    assert_eq!(header(&cached, "x-cache").as_deref(), Some("HIT"));
    // Poll until it shows: it must within a second of its time, though the list is cached
    // for `CACHE_MAX_AGE` (60 s).
    let shown_at = loop {
        let mut list = app.get(path).send().await.unwrap();
        if titles(&json_body(&mut list).await).contains(&"On the hour".to_owned()) {
            break chrono::Utc::now();
        }
        assert!(
            chrono::Utc::now() < due + chrono::Duration::seconds(3),
            "still not shown"
        );
        actix_web::rt::time::sleep(std::time::Duration::from_millis(50)).await;
    };
    let late = shown_at - due;
    assert!(
        late < chrono::Duration::milliseconds(1000),
        "shown {} ms after its time",
        late.num_milliseconds()
    );
}

#[actix_web::test]
async fn percent_escaped_paths_never_put_a_callers_answer_in_the_shared_cache() {
    let app = spawn_app().await;
    let room = newsroom(&app).await;
    let article = publish(&app, &room, &[("en", "Escapes")], json!({})).await;
    let admin = app.admin_token().await;
    // `%61dmin` is routed as `admin`: the answer is the admin's, and stays theirs.
    let escaped = "/api/v1/%61dmin/users/1";
    let theirs = app.get(escaped).bearer_auth(&admin).send().await.unwrap();
    assert_eq!(theirs.status().as_u16(), 200);
    assert_eq!(
        header(&theirs, "cache-control").as_deref(),
        Some("no-store")
    );
    let mut anonymous = app.get(escaped).send().await.unwrap();
    assert_problem(&mut anonymous, 401).await;
    // A reader's thread with their pending comment, through an escaped path, is theirs too.
    let (_, visitor) = crate::fixtures::visitor(&app).await;
    let thread = format!("/api/v1/articles/{}/comments", article["id"]);
    send_json_expect(
        app.post(&thread).bearer_auth(&visitor),
        &json!({"body": "Waiting", "author_name": "V"}),
        201,
    )
    .await;
    let escaped_thread = format!("/api/v1/articles/{}/comment%73", article["id"]);
    let mut own = app
        .get(&escaped_thread)
        .bearer_auth(&visitor)
        .send()
        .await
        .unwrap();
    assert_eq!(json_body(&mut own).await["meta"]["total"], 1);
    let mut public = app.get(&escaped_thread).send().await.unwrap();
    assert_eq!(json_body(&mut public).await["meta"]["total"], 0);
}

/// Articles carry their canonical URLs from `SITE_URL` and `URL_ARTICLE`, in every locale, in
/// reads and lists; a server started with other settings rebuilds them.
#[actix_web::test]
async fn delivered_articles_carry_their_canonical_urls() {
    let app = spawn_app_with(|env| {
        env.insert("SITE_URL".into(), "https://www.example.be/".into());
        env.insert("URL_ARTICLE".into(), "/{locale}/haber/{id}-{slug}".into());
    })
    .await;
    let room = newsroom(&app).await;
    let article = publish(
        &app,
        &room,
        &[
            ("en", "Tokayev Outlines Foreign Policy"),
            ("fr", "Tokaïev présente sa politique"),
        ],
        json!({}),
    )
    .await;
    let id = article["id"].as_i64().unwrap();
    let french = format!("https://www.example.be/fr/haber/{id}-tokaiev-presente-sa-politique");
    let read = expect_json(app.get(&format!("/api/v1/articles/{id}?locale=fr")), 200).await;
    assert_eq!(read["data"]["url"], french, "{read}");
    assert_eq!(read["data"]["translations"][0]["url"], french);
    assert_eq!(
        read["data"]["translations"][1]["url"],
        format!("https://www.example.be/en/haber/{id}-tokayev-outlines-foreign-policy")
    );
    let listed = list(&app, "locale=fr").await;
    assert_eq!(listed["data"][0]["url"], french);
    let site = "https://www.example.be";
    // The references inside an article link to their own pages.
    let data = &read["data"];
    assert_eq!(
        data["category"]["url"],
        format!("{site}/fr/asie-centrale"),
        "{data}"
    );
    assert_eq!(
        data["category"]["path"][0]["url"],
        format!("{site}/fr/asie-centrale")
    );
    assert_eq!(data["tags"][0]["url"], format!("{site}/fr/tag/diplomatie"));
    assert_eq!(
        data["authors"][0]["url"],
        format!("{site}/fr/author/ayana-birbayeva")
    );
    for (path, url) in [
        (
            format!("/api/v1/categories/{}?locale=fr", room.category),
            format!("{site}/fr/asie-centrale"),
        ),
        (
            format!("/api/v1/tags/{}?locale=fr", room.tag),
            format!("{site}/fr/tag/diplomatie"),
        ),
        (
            format!("/api/v1/authors/{}?locale=fr", room.author),
            format!("{site}/fr/author/ayana-birbayeva"),
        ),
    ] {
        let read = expect_json(app.get(&path), 200).await;
        assert_eq!(read["data"]["url"], url, "{path}");
    }

    // Another instance started with other templates rebuilds every URL at start.
    let other = spawn_beside_with(&app, |env| {
        env.insert("SITE_URL".into(), "https://news.example.be".into());
    });
    let read = expect_json(other.get(&format!("/api/v1/articles/{id}?locale=fr")), 200).await;
    assert_eq!(
        read["data"]["url"],
        "https://news.example.be/fr/asie-centrale/tokaiev-presente-sa-politique"
    );
    drop(other);
}
