//! Tags: management and the public list.

use serde_json::{Value, json};

use crate::helpers::{TestApp, assert_problem, header, json_body, send_json_expect, spawn_app};

async fn create(app: &TestApp, token: &str, body: Value) -> Value {
    send_json_expect(
        app.post("/api/v1/admin/tags").bearer_auth(token),
        &body,
        201,
    )
    .await["data"]
        .clone()
}

#[actix_web::test]
async fn editors_manage_translated_tags() {
    let app = spawn_app().await;
    let (_, _, editor) = app.user_with_role("editor").await;
    let tag = create(&app, &editor, json!({"translations": {"tr": {"name": "Dış Politika"}, "fr": {"name": "Politique étrangère"}}})).await;
    assert_eq!(tag["translations"]["tr"]["slug"], "dis-politika");
    assert_eq!(tag["translations"]["fr"]["slug"], "politique-etrangere");
    let path = format!("/api/v1/admin/tags/{}", tag["id"]);

    let mut clash = app
        .post("/api/v1/admin/tags")
        .bearer_auth(&editor)
        .send_json(&json!({"translations": {"fr": {"name": "X", "slug": "politique-etrangere"}}}))
        .await
        .unwrap();
    assert_problem(&mut clash, 409).await;
    for body in [
        json!({"translations": {}}),
        json!({"translations": {"de": {"name": "X"}}}),
        json!({"translations": {"tr": {"name": ""}}}),
        json!({"names": {}}),
    ] {
        let mut response = app
            .post("/api/v1/admin/tags")
            .bearer_auth(&editor)
            .send_json(&body)
            .await
            .unwrap();
        assert_problem(&mut response, 422).await;
    }

    let updated = send_json_expect(
        app.patch(&path)
            .bearer_auth(&editor)
            .insert_header(("if-match", "\"1\"")),
        &json!({"translations": {"en": {"name": "Foreign policy"}, "fr": null}}),
        200,
    )
    .await["data"]
        .clone();
    assert_eq!(updated["translations"]["en"]["slug"], "foreign-policy");
    assert!(updated["translations"]["fr"].is_null());
    assert_eq!(updated["version"], 2);
    let mut stale = app
        .patch(&path)
        .bearer_auth(&editor)
        .insert_header(("if-match", "\"1\""))
        .send_json(&json!({"translations": {}}))
        .await
        .unwrap();
    assert_problem(&mut stale, 412).await;
    let mut nothing = app
        .patch(&path)
        .bearer_auth(&editor)
        .send_json(&json!({"translations": {}}))
        .await
        .unwrap();
    assert_problem(&mut nothing, 422).await;

    let (_, _, author) = app.user_with_role("author").await;
    let mut forbidden = app
        .post("/api/v1/admin/tags")
        .bearer_auth(&author)
        .send_json(&json!({"translations": {"tr": {"name": "X"}}}))
        .await
        .unwrap();
    assert_problem(&mut forbidden, 403).await;
    let mut anonymous = app.get("/api/v1/admin/tags").send().await.unwrap();
    assert_problem(&mut anonymous, 401).await;

    let mut list = app
        .get("/api/v1/admin/tags")
        .bearer_auth(&editor)
        .send()
        .await
        .unwrap();
    assert_eq!(json_body(&mut list).await["meta"]["total"], 1);
    let deleted = app.delete(&path).bearer_auth(&editor).send().await.unwrap();
    assert_eq!(deleted.status().as_u16(), 204);
    let mut gone = app.get(&path).bearer_auth(&editor).send().await.unwrap();
    assert_problem(&mut gone, 404).await;
}

#[actix_web::test]
async fn the_public_tag_list_is_localized_and_paginated() {
    let app = spawn_app().await;
    let (_, _, editor) = app.user_with_role("editor").await;
    let first = create(
        &app,
        &editor,
        json!({"translations": {
            "tr": {"name": "Kazakistan"},
            "fr": {"name": "Kazakhstan", "description": "  L'actualité du Kazakhstan.\nChaque jour.  "},
        }}),
    )
    .await;
    create(
        &app,
        &editor,
        json!({"translations": {"tr": {"name": "Ekonomi"}}}),
    )
    .await;
    create(
        &app,
        &editor,
        json!({"translations": {"fr": {"name": "Diplomatie"}}}),
    )
    .await;

    let mut page = app
        .get("/api/v1/tags?locale=fr&per_page=2")
        .send()
        .await
        .unwrap();
    assert_eq!(page.status().as_u16(), 200);
    assert!(header(&page, "link").unwrap().contains("rel=\"next\""));
    let page = json_body(&mut page).await;
    assert_eq!(page["meta"]["total"], 3);
    assert_eq!(
        page["data"][0],
        json!({
            "id": first["id"], "slug": "kazakhstan", "name": "Kazakhstan",
            "url": "http://localhost:3000/fr/tag/kazakhstan",
            "description": "L'actualité du Kazakhstan.\nChaque jour.",
            "locale": "fr", "fallback": false, "article_count": 0,
            "translations": [
                {"locale": "fr", "slug": "kazakhstan", "name": "Kazakhstan",
                 "url": "http://localhost:3000/fr/tag/kazakhstan"},
                {"locale": "tr", "slug": "kazakistan", "name": "Kazakistan",
                 "url": "http://localhost:3000/tr/tag/kazakistan"},
            ],
        })
    );
    assert_eq!(first["translations"]["tr"]["description"], Value::Null);
    assert_eq!(page["data"][1]["name"], "Ekonomi");
    assert_eq!(page["data"][1]["fallback"], true);

    let mut strict = app
        .get("/api/v1/tags?locale=fr&fallback=false")
        .send()
        .await
        .unwrap();
    let strict = json_body(&mut strict).await;
    assert_eq!(strict["meta"]["total"], 2, "{strict}");

    let mut by_slug = app
        .get("/api/v1/tags/kazakistan?locale=fr")
        .send()
        .await
        .unwrap();
    assert_eq!(json_body(&mut by_slug).await["data"]["name"], "Kazakhstan");
    let mut missing = app
        .get("/api/v1/tags/ekonomi?locale=fr&fallback=false")
        .send()
        .await
        .unwrap();
    assert_problem(&mut missing, 404).await;
    for out_of_bounds in ["per_page=500", "page=100001", "page=4294967296", "page=0"] {
        let mut response = app
            .get(&format!("/api/v1/tags?{out_of_bounds}"))
            .send()
            .await
            .unwrap();
        assert_problem(&mut response, 422).await;
    }
    let mut long = app
        .post("/api/v1/admin/tags")
        .bearer_auth(&editor)
        .send_json(
            &json!({"translations": {"fr": {"name": "Long", "description": "x".repeat(2001)}}}),
        )
        .await
        .unwrap();
    let problem = assert_problem(&mut long, 422).await;
    assert_eq!(problem["errors"][0]["field"], "translations.fr.description");
}

#[actix_web::test]
async fn simultaneous_creates_of_one_name_get_their_own_slugs() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    let room = crate::fixtures::newsroom(&app).await;
    let tags: Vec<_> = (0..20)
        .map(|_| {
            app.post("/api/v1/admin/tags")
                .bearer_auth(&admin)
                .send_json(&json!({"translations": {"tr": {"name": "Seçim"}}}))
        })
        .collect();
    let articles: Vec<_> = (0..20)
        .map(|_| {
            app.post("/api/v1/admin/articles")
                .bearer_auth(&room.editor)
                .send_json(&crate::fixtures::article_body(
                    &room,
                    "Aynı başlık",
                    "draft",
                ))
        })
        .collect();
    for (responses, pointer) in [
        (
            crate::helpers::concurrently(tags).await,
            "/data/translations/tr/slug",
        ),
        (
            crate::helpers::concurrently(articles).await,
            "/data/translations/en/slug",
        ),
    ] {
        let mut slugs = Vec::new();
        for response in responses {
            let mut response = response.unwrap();
            let body = json_body(&mut response).await;
            assert_eq!(response.status().as_u16(), 201, "{body}");
            slugs.push(body.pointer(pointer).unwrap().as_str().unwrap().to_owned());
        }
        slugs.sort();
        slugs.dedup();
        assert_eq!(slugs.len(), 20, "{slugs:?}");
    }
}
