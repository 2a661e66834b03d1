//! Menus: named item trees resolved per locale, leaving out targets that are not visible.

use serde_json::{Value, json};

use crate::fixtures::{article_body, create_article, newsroom};
use crate::helpers::{assert_problem, expect_json, send_json_expect, spawn_app};

#[actix_web::test]
async fn menus_resolve_their_targets_and_hide_what_is_not_visible() {
    let app = spawn_app().await;
    let room = newsroom(&app).await;
    let editor = room.editor.clone();
    let published = create_article(
        &app,
        &editor,
        &article_body(&room, "Astana summit", "published"),
    )
    .await;
    let draft = create_article(&app, &editor, &article_body(&room, "Coming soon", "draft")).await;
    let items = json!([
        {"labels": {"tr": "ORTA ASYA", "fr": "ASIE CENTRALE"}, "kind": "category",
         "target_id": room.category,
         "children": [{"labels": {"tr": "Kazakistan"}, "kind": "category", "target_id": room.subcategory}]},
        {"labels": {"en": "Summit"}, "kind": "article", "target_id": published["id"]},
        {"labels": {"en": "Soon"}, "kind": "article", "target_id": draft["id"]},
        {"labels": {"tr": "Diplomasi"}, "kind": "tag", "target_id": room.tag},
        {"labels": {"tr": "Yazar"}, "kind": "author", "target_id": room.author},
        {"labels": {"tr": "Web TV"}, "kind": "external", "url": "https://tv.example.be/"}
    ]);
    let created = send_json_expect(
        app.post("/api/v1/admin/menus").bearer_auth(&editor),
        &json!({"name": "header", "items": items}),
        201,
    )
    .await["data"]
        .clone();
    assert_eq!(created["version"], 1);

    let menu: Value =
        expect_json(app.get("/api/v1/menus/header?locale=fr"), 200).await["data"].clone();
    let labels: Vec<&str> = menu["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["label"].as_str().unwrap())
        .collect();
    assert_eq!(
        labels,
        ["ASIE CENTRALE", "Summit", "Diplomasi", "Yazar", "Web TV"],
        "{menu}"
    );
    let central = &menu["items"][0];
    assert_eq!(central["url"], "http://localhost:3000/fr/asie-centrale");
    assert_eq!(central["slug"], "asie-centrale");
    assert_eq!(
        central["children"][0]["url"],
        "http://localhost:3000/fr/kazakhstan"
    );
    assert_eq!(central["children"][0]["label"], "Kazakistan");
    assert_eq!(
        menu["items"][2]["url"],
        "http://localhost:3000/fr/tag/diplomatie"
    );
    assert_eq!(
        menu["items"][3]["url"],
        "http://localhost:3000/fr/author/ayana-birbayeva"
    );
    assert_eq!(menu["items"][4]["url"], "https://tv.example.be/");
    // English-only article: linked in French by fallback, not without it.
    let strict: Value = expect_json(
        app.get("/api/v1/menus/header?locale=fr&fallback=false"),
        200,
    )
    .await["data"]
        .clone();
    assert_eq!(strict["items"].as_array().unwrap().len(), 4, "{strict}");

    // Publishing the draft brings its item back.
    let id = draft["id"].as_i64().unwrap();
    send_json_expect(
        app.patch(&format!("/api/v1/admin/articles/{id}"))
            .bearer_auth(&editor),
        &json!({"status": "published"}),
        200,
    )
    .await;
    // The French menu read (and cached) above shows it now.
    let menu: Value =
        expect_json(app.get("/api/v1/menus/header?locale=fr"), 200).await["data"].clone();
    assert_eq!(menu["items"].as_array().unwrap().len(), 6, "{menu}");
    assert_eq!(menu["items"][2]["slug"], "coming-soon");

    // Refusals.
    for (body, field) in [
        (json!({"name": "header", "items": []}), None),
        (json!({"name": "Bad Name", "items": []}), Some("name")),
        (
            json!({"name": "footer", "items": [{"labels": {"tr": "x"}, "kind": "category", "target_id": 999999}]}),
            Some("items[0].target_id"),
        ),
        (
            json!({"name": "footer", "items": [{"labels": {"tr": "x"}, "kind": "external", "url": "javascript:alert(1)"}]}),
            Some("items[0].url"),
        ),
        (
            json!({"name": "footer", "items": [{"labels": {"xx": "x"}, "kind": "tag", "target_id": room.tag}]}),
            Some("items[0].labels.xx"),
        ),
        (
            json!({"name": "footer", "items": [{"labels": {"tr": "a"}, "kind": "tag", "target_id": room.tag,
            "children": [{"labels": {"tr": "b"}, "kind": "tag", "target_id": room.tag,
                "children": [{"labels": {"tr": "c"}, "kind": "tag", "target_id": room.tag}]}]}]}),
            Some("children"),
        ),
    ] {
        let mut response = app
            .post("/api/v1/admin/menus")
            .bearer_auth(&editor)
            .send_json(&body)
            .await
            .unwrap();
        match field {
            None => {
                assert_problem(&mut response, 409).await;
            }
            Some(field) => {
                let problem = assert_problem(&mut response, 422).await;
                assert!(problem.to_string().contains(field), "{field}: {problem}");
            }
        }
    }
    let mut response = app.get("/api/v1/menus/nope").send().await.unwrap();
    assert_problem(&mut response, 404).await;

    // Replace with If-Match, then delete.
    let mut response = app
        .put("/api/v1/admin/menus/header")
        .bearer_auth(&editor)
        .insert_header(("If-Match", "\"7\""))
        .send_json(&json!({"items": []}))
        .await
        .unwrap();
    assert_problem(&mut response, 412).await;
    let replaced = send_json_expect(
        app.put("/api/v1/admin/menus/header").bearer_auth(&editor).insert_header(("If-Match", "\"1\"")),
        &json!({"items": [{"labels": {"tr": "Web TV"}, "kind": "external", "url": "https://tv.example.be/"}]}),
        200,
    )
    .await["data"]
        .clone();
    assert_eq!(replaced["version"], 2);
    let menu: Value = expect_json(app.get("/api/v1/menus/header"), 200).await["data"].clone();
    assert_eq!(menu["items"].as_array().unwrap().len(), 1, "{menu}");
    let response = app
        .delete("/api/v1/admin/menus/header")
        .bearer_auth(&editor)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 204);
    let mut response = app.get("/api/v1/menus/header").send().await.unwrap();
    assert_problem(&mut response, 404).await;
}
