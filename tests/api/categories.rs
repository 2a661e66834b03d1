//! Categories: management (tree, translations, slugs, If-Match, rights) and the public tree
//! with breadcrumbs and locale fallback.

use serde_json::{Value, json};

use crate::helpers::{
    TestApp, assert_problem, expect_json, header, json_body, send_json_expect, spawn_app,
};

/// Creates a category as `token`; returns its admin JSON.
async fn create(app: &TestApp, token: &str, body: Value) -> Value {
    send_json_expect(
        app.post("/api/v1/admin/categories").bearer_auth(token),
        &body,
        201,
    )
    .await["data"]
        .clone()
}

#[actix_web::test]
async fn editors_build_a_translated_tree_with_transliterated_slugs() {
    let app = spawn_app().await;
    let (_, _, editor) = app.user_with_role("editor").await;
    let root = create(
        &app,
        &editor,
        json!({"translations": {"tr": {"name": "Orta Asya"}, "fr": {"name": "Asie Centrale", "description": "L'Asie centrale"}}}),
    )
    .await;
    assert_eq!(root["translations"]["tr"]["slug"], "orta-asya");
    assert_eq!(root["translations"]["fr"]["slug"], "asie-centrale");
    assert_eq!(root["parent_id"], Value::Null);
    assert_eq!(root["version"], 1);

    let health = create(
        &app,
        &editor,
        json!({"position": 2, "translations": {"tr": {"name": "Sağlık"}, "fr": {"name": "Santé"}}}),
    )
    .await;
    assert_eq!(health["translations"]["tr"]["slug"], "saglik");
    assert_eq!(health["translations"]["fr"]["slug"], "sante");
    let special = create(
        &app,
        &editor,
        json!({"translations": {"tr": {"name": "Türkiye Seçime Özel 2023"}}}),
    )
    .await;
    assert_eq!(
        special["translations"]["tr"]["slug"],
        "turkiye-secime-ozel-2023"
    );
    let dotted = create(
        &app,
        &editor,
        json!({"translations": {"tr": {"name": "İNANILMAZ"}}}),
    )
    .await;
    assert_eq!(dotted["translations"]["tr"]["slug"], "inanilmaz");

    // A generated slug that is taken gets a suffix; an explicit one is a conflict.
    let again = create(
        &app,
        &editor,
        json!({"translations": {"tr": {"name": "Orta  Asya!"}}}),
    )
    .await;
    assert_eq!(again["translations"]["tr"]["slug"], "orta-asya-2");
    let mut clash = app
        .post("/api/v1/admin/categories")
        .bearer_auth(&editor)
        .send_json(&json!({"translations": {"tr": {"name": "Other", "slug": "orta-asya"}}}))
        .await
        .unwrap();
    assert_problem(&mut clash, 409).await;
    // The same slug in another locale is fine.
    create(
        &app,
        &editor,
        json!({"translations": {"fr": {"name": "Orta", "slug": "orta-asya"}}}),
    )
    .await;

    let child = create(
        &app,
        &editor,
        json!({"parent_id": root["id"], "translations": {"tr": {"name": "Kazakistan"}, "fr": {"name": "Kazakhstan"}}}),
    )
    .await;
    assert_eq!(child["parent_id"], root["id"]);

    let mut list = app
        .get("/api/v1/admin/categories")
        .bearer_auth(&editor)
        .send()
        .await
        .unwrap();
    let list = json_body(&mut list).await;
    let ids: Vec<&Value> = list["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| &c["id"])
        .collect();
    let root_at = ids.iter().position(|id| **id == root["id"]).unwrap();
    let child_at = ids.iter().position(|id| **id == child["id"]).unwrap();
    assert!(root_at < child_at, "parents come before children");
}

#[actix_web::test]
async fn category_input_is_validated() {
    let app = spawn_app().await;
    let (_, _, editor) = app.user_with_role("editor").await;
    let cases = [
        json!({"translations": {}}),
        json!({"translations": {"xx": {"name": "Nope"}}}),
        json!({"translations": {"tr": {"name": "  "}}}),
        json!({"translations": {"tr": {"name": "A", "slug": "Not A Slug"}}}),
        json!({"translations": {"tr": {"name": "A", "slug": "a--b"}}}),
        json!({"translations": {"tr": {"name": "A", "colour": "red"}}}),
        json!({"translations": {"tr": {"name": "A"}}, "id": 5}),
        json!({"translations": {"tr": {"name": "A"}}, "version": 9}),
        json!({"parent_id": 999_999, "translations": {"tr": {"name": "A"}}}),
        json!({"translations": {"tr": {"name": "x".repeat(201)}}}),
    ];
    for body in cases {
        let mut response = app
            .post("/api/v1/admin/categories")
            .bearer_auth(&editor)
            .send_json(&body)
            .await
            .unwrap();
        assert_problem(&mut response, 422).await;
    }
    let mut list = app
        .get("/api/v1/admin/categories")
        .bearer_auth(&editor)
        .send()
        .await
        .unwrap();
    assert_eq!(
        json_body(&mut list).await["data"],
        json!([]),
        "nothing was created"
    );
}

#[actix_web::test]
async fn only_editors_and_admins_manage_categories() {
    let app = spawn_app().await;
    let (_, _, editor) = app.user_with_role("editor").await;
    let category = create(
        &app,
        &editor,
        json!({"translations": {"tr": {"name": "Spor"}}}),
    )
    .await;
    let path = format!("/api/v1/admin/categories/{}", category["id"]);
    let mut callers = vec![
        ("anonymous", None),
        ("visitor", Some(app.visitor_token().await)),
    ];
    for role in ["reader", "contributor", "author"] {
        callers.push((role, Some(app.user_with_role(role).await.2)));
    }
    for (who, token) in callers {
        for (method, target, body) in [
            ("GET", "/api/v1/admin/categories", None),
            (
                "POST",
                "/api/v1/admin/categories",
                Some(json!({"translations": {"tr": {"name": "X"}}})),
            ),
            ("GET", path.as_str(), None),
            ("PATCH", path.as_str(), Some(json!({"position": 9}))),
            ("DELETE", path.as_str(), None),
        ] {
            let mut request = app.client.request(method.parse().unwrap(), app.url(target));
            if let Some(token) = &token {
                request = request.bearer_auth(token);
            }
            let mut response = match &body {
                Some(body) => request.send_json(body).await.unwrap(),
                None => request.send().await.unwrap(),
            };
            let expected = if token.is_none() { 401 } else { 403 };
            assert_eq!(
                response.status().as_u16(),
                expected,
                "{who} {method} {target}"
            );
            let _ = response.body().await;
        }
    }
    let admin = app.admin_token().await;
    let mut read = app.get(&path).bearer_auth(&admin).send().await.unwrap();
    assert_eq!(
        json_body(&mut read).await["data"]["position"],
        0,
        "unchanged"
    );
}

#[actix_web::test]
async fn updates_honour_if_match_and_keep_the_tree_a_tree() {
    let app = spawn_app().await;
    let (_, _, editor) = app.user_with_role("editor").await;
    let root = create(
        &app,
        &editor,
        json!({"translations": {"tr": {"name": "Haber"}, "fr": {"name": "Actualité"}}}),
    )
    .await;
    let child = create(
        &app,
        &editor,
        json!({"parent_id": root["id"], "translations": {"tr": {"name": "Belçika"}}}),
    )
    .await;
    let root_path = format!("/api/v1/admin/categories/{}", root["id"]);
    let child_path = format!("/api/v1/admin/categories/{}", child["id"]);

    let mut cycle = app
        .patch(&root_path)
        .bearer_auth(&editor)
        .send_json(&json!({"parent_id": child["id"]}))
        .await
        .unwrap();
    assert_problem(&mut cycle, 422).await;
    let mut own = app
        .patch(&root_path)
        .bearer_auth(&editor)
        .send_json(&json!({"parent_id": root["id"]}))
        .await
        .unwrap();
    assert_problem(&mut own, 422).await;

    let mut updated = app
        .patch(&root_path)
        .bearer_auth(&editor)
        .insert_header(("if-match", "\"1\""))
        .send_json(&json!({"position": 3, "translations": {"fr": null, "en": {"name": "News"}}}))
        .await
        .unwrap();
    assert_eq!(updated.status().as_u16(), 200);
    assert_eq!(header(&updated, "etag").as_deref(), Some("\"2\""));
    let updated = json_body(&mut updated).await["data"].clone();
    assert_eq!(updated["position"], 3);
    assert!(
        updated["translations"]["fr"].is_null(),
        "fr removed: {updated}"
    );
    assert_eq!(updated["translations"]["en"]["slug"], "news");
    assert_eq!(updated["translations"]["tr"]["name"], "Haber", "kept");

    let mut stale = app
        .patch(&root_path)
        .bearer_auth(&editor)
        .insert_header(("if-match", "\"1\""))
        .send_json(&json!({"position": 7}))
        .await
        .unwrap();
    assert_problem(&mut stale, 412).await;
    let mut all_gone = app
        .patch(&root_path)
        .bearer_auth(&editor)
        .send_json(&json!({"translations": {"tr": null, "en": null}}))
        .await
        .unwrap();
    assert_problem(&mut all_gone, 422).await;

    let mut moved = app
        .patch(&child_path)
        .bearer_auth(&editor)
        .send_json(&json!({"parent_id": null}))
        .await
        .unwrap();
    assert_eq!(
        json_body(&mut moved).await["data"]["parent_id"],
        Value::Null
    );
    let mut read = app
        .get(&root_path)
        .bearer_auth(&editor)
        .send()
        .await
        .unwrap();
    let read = json_body(&mut read).await["data"].clone();
    assert_eq!(read["position"], 3);
    assert_eq!(read["version"], 2);
}

#[actix_web::test]
async fn only_empty_categories_can_be_deleted() {
    let app = spawn_app().await;
    let (_, _, editor) = app.user_with_role("editor").await;
    let root = create(
        &app,
        &editor,
        json!({"translations": {"tr": {"name": "Kültür"}}}),
    )
    .await;
    let child = create(
        &app,
        &editor,
        json!({"parent_id": root["id"], "translations": {"tr": {"name": "Sinema"}}}),
    )
    .await;
    let mut refused = app
        .delete(&format!("/api/v1/admin/categories/{}", root["id"]))
        .bearer_auth(&editor)
        .send()
        .await
        .unwrap();
    assert_problem(&mut refused, 409).await;
    let deleted = app
        .delete(&format!("/api/v1/admin/categories/{}", child["id"]))
        .bearer_auth(&editor)
        .send()
        .await
        .unwrap();
    assert_eq!(deleted.status().as_u16(), 204);
    let deleted = app
        .delete(&format!("/api/v1/admin/categories/{}", root["id"]))
        .bearer_auth(&editor)
        .send()
        .await
        .unwrap();
    assert_eq!(deleted.status().as_u16(), 204);
    let mut gone = app
        .get(&format!("/api/v1/admin/categories/{}", root["id"]))
        .bearer_auth(&editor)
        .send()
        .await
        .unwrap();
    assert_problem(&mut gone, 404).await;
}

#[actix_web::test]
async fn the_public_tree_is_served_in_the_negotiated_locale_with_fallback() {
    let app = spawn_app().await;
    let (_, _, editor) = app.user_with_role("editor").await;
    let root = create(
        &app,
        &editor,
        json!({"translations": {"tr": {"name": "Orta Asya"}, "fr": {"name": "Asie Centrale"}}}),
    )
    .await;
    let child = create(&app, &editor, json!({"parent_id": root["id"], "translations": {"tr": {"name": "Kazakistan"}, "fr": {"name": "Kazakhstan"}}})).await;
    create(
        &app,
        &editor,
        json!({"position": 5, "translations": {"tr": {"name": "Sağlık"}}}),
    )
    .await;

    let mut fr = app
        .get("/api/v1/categories?locale=fr")
        .send()
        .await
        .unwrap();
    assert_eq!(fr.status().as_u16(), 200);
    assert_eq!(header(&fr, "content-language").as_deref(), Some("fr"));
    assert!(header(&fr, "vary").unwrap().contains("Accept-Language"));
    assert!(header(&fr, "etag").is_some());
    let fr = json_body(&mut fr).await;
    assert_eq!(fr["data"][0]["name"], "Asie Centrale");
    assert_eq!(fr["data"][0]["locale"], "fr");
    assert_eq!(fr["data"][0]["fallback"], false);
    assert_eq!(fr["data"][0]["article_count"], 0);
    assert_eq!(fr["data"][0]["children"][0]["name"], "Kazakhstan");
    // Sağlık has no French name: the default locale (tr) stands in, and says so.
    assert_eq!(fr["data"][1]["name"], "Sağlık");
    assert_eq!(fr["data"][1]["locale"], "tr");
    assert_eq!(fr["data"][1]["fallback"], true);
    // Its URL is the one of the locale it is shown in.
    assert_eq!(fr["data"][1]["url"], "http://localhost:3000/tr/saglik");

    let mut strict = app
        .get("/api/v1/categories?locale=fr&fallback=false")
        .send()
        .await
        .unwrap();
    let strict = json_body(&mut strict).await;
    assert_eq!(
        strict["data"].as_array().unwrap().len(),
        1,
        "no fallback: {strict}"
    );

    let mut by_header = app
        .get("/api/v1/categories")
        .insert_header(("accept-language", "de-DE, fr-BE;q=0.9, tr;q=0.5"))
        .send()
        .await
        .unwrap();
    assert_eq!(
        header(&by_header, "content-language").as_deref(),
        Some("fr")
    );
    assert_eq!(
        json_body(&mut by_header).await["data"][0]["name"],
        "Asie Centrale"
    );
    let mut default = app.get("/api/v1/categories").send().await.unwrap();
    assert_eq!(
        json_body(&mut default).await["data"][0]["name"],
        "Orta Asya"
    );

    let mut unknown = app
        .get("/api/v1/categories?locale=xx")
        .send()
        .await
        .unwrap();
    assert_problem(&mut unknown, 422).await;
    let mut extra = app
        .get("/api/v1/categories?colour=red")
        .send()
        .await
        .unwrap();
    assert_problem(&mut extra, 422).await;

    // One category by a slug in any locale, served in the requested one.
    let detail =
        expect_json(app.get("/api/v1/categories/kazakhstan?locale=tr"), 200).await["data"].clone();
    assert_eq!(detail["id"], child["id"]);
    assert_eq!(detail["name"], "Kazakistan");
    assert_eq!(detail["slug"], "kazakistan");
    assert_eq!(detail["requested_locale"], "tr");
    assert_eq!(
        detail["path"],
        json!([
            {"id": root["id"], "slug": "orta-asya", "name": "Orta Asya",
             "url": "http://localhost:3000/tr/orta-asya"},
            {"id": child["id"], "slug": "kazakistan", "name": "Kazakistan",
             "url": "http://localhost:3000/tr/kazakistan"},
        ])
    );
    assert_eq!(
        detail["translations"],
        json!([
            {"locale": "tr", "slug": "kazakistan", "name": "Kazakistan",
             "url": "http://localhost:3000/tr/kazakistan"},
            {"locale": "fr", "slug": "kazakhstan", "name": "Kazakhstan",
             "url": "http://localhost:3000/fr/kazakhstan"},
        ])
    );
    assert_eq!(detail["url"], "http://localhost:3000/tr/kazakistan");
    let mut by_id = app
        .get(&format!("/api/v1/categories/{}?locale=fr", root["id"]))
        .send()
        .await
        .unwrap();
    let by_id = json_body(&mut by_id).await["data"].clone();
    assert_eq!(
        by_id["children"],
        json!([{"id": child["id"], "slug": "kazakhstan", "name": "Kazakhstan",
                "url": "http://localhost:3000/fr/kazakhstan"}])
    );

    let mut saglik = app
        .get("/api/v1/categories/saglik?locale=fr&fallback=false")
        .send()
        .await
        .unwrap();
    assert_problem(&mut saglik, 404).await;
    let mut missing = app
        .get("/api/v1/categories/no-such-slug")
        .send()
        .await
        .unwrap();
    assert_problem(&mut missing, 404).await;

    let response = app
        .get("/api/v1/categories/kazakhstan?locale=tr")
        .send()
        .await
        .unwrap();
    let etag = header(&response, "etag").unwrap();
    let cached = app
        .get("/api/v1/categories/kazakhstan?locale=tr")
        .insert_header(("if-none-match", etag.as_str()))
        .send()
        .await
        .unwrap();
    assert_eq!(cached.status().as_u16(), 304);
}

#[actix_web::test]
async fn two_moves_at_once_never_make_a_cycle() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    let name = |n: &str| json!({"translations": {"en": {"name": n}}});
    for trial in 0..8 {
        let x = create(&app, &admin, name(&format!("X{trial}"))).await["id"].clone();
        let y = create(&app, &admin, name(&format!("Y{trial}"))).await["id"].clone();
        let x_under_y = app
            .patch(&format!("/api/v1/admin/categories/{x}"))
            .bearer_auth(&admin)
            .send_json(&json!({"parent_id": y}));
        let y_under_x = app
            .patch(&format!("/api/v1/admin/categories/{y}"))
            .bearer_auth(&admin)
            .send_json(&json!({"parent_id": x}));
        let mut statuses: Vec<u16> = crate::helpers::concurrently(vec![x_under_y, y_under_x])
            .await
            .into_iter()
            .map(|response| response.unwrap().status().as_u16())
            .collect();
        statuses.sort_unstable();
        assert_eq!(
            statuses,
            [200, 422],
            "trial {trial}: one move wins, the other is refused"
        );
    }
    // Every category still reaches a root.
    let all = expect_json(app.get("/api/v1/admin/categories").bearer_auth(&admin), 200).await;
    let all = all["data"].as_array().unwrap().clone();
    assert_eq!(all.len(), 16);
    for category in &all {
        let mut parent = category["parent_id"].clone();
        let mut steps = 0;
        while let Some(id) = parent.as_i64() {
            steps += 1;
            assert!(steps < 20, "a cycle through {category}");
            parent = all.iter().find(|c| c["id"] == id).unwrap()["parent_id"].clone();
        }
    }
}
