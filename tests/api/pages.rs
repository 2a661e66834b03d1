//! Pages: the workflow, locale fallback, hreflang URLs, sub-pages, If-Match, revisions shared
//! with articles, and their place in menus and sitemaps.

use serde_json::{Value, json};

use crate::fixtures::{article_body, create_article, fields, newsroom};
use crate::helpers::{
    TestApp, assert_problem, expect_json, header, json_body, send_json_expect, spawn_app,
};
use crate::sitemaps::{entries, xml};

/// Creates a page as `editor`; its editor view.
async fn create_page(app: &TestApp, editor: &str, body: &Value) -> Value {
    send_json_expect(
        app.post("/api/v1/admin/pages").bearer_auth(editor),
        body,
        201,
    )
    .await["data"]
        .clone()
}

/// Sends a change with `If-Match: "version"` and expects `status`; the body.
async fn patch_page(app: &TestApp, editor: &str, id: i64, version: i64, body: Value) -> Value {
    send_json_expect(
        app.patch(&format!("/api/v1/admin/pages/{id}"))
            .bearer_auth(editor)
            .insert_header(("If-Match", format!("\"{version}\""))),
        &body,
        200,
    )
    .await["data"]
        .clone()
}

/// The status of a public read.
async fn status_of(app: &TestApp, path: &str) -> u16 {
    app.get(path).send().await.unwrap().status().as_u16()
}

#[actix_web::test]
async fn pages_are_served_when_published_with_fallback_urls_and_sub_pages() {
    let app = spawn_app().await;
    let editor = app.user_with_role("editor").await.2;
    let imprint = create_page(
        &app,
        &editor,
        &json!({"key": "imprint", "translations": {
            "tr": {"title": "Künye", "body": "<p>Yayıncı: AEPI ASBL</p><script>alert(1)</script>"},
            "fr": {"title": "Mentions légales", "body": "<p>Éditeur : AEPI ASBL</p>",
                   "seo_description": "Qui publie Bruxelles Korner"}
        }}),
    )
    .await;
    let id = imprint["id"].as_i64().unwrap();
    assert_eq!(imprint["status"], "draft");
    assert_eq!(imprint["translations"]["tr"]["slug"], "kunye");
    assert_eq!(
        imprint["translations"]["tr"]["body"],
        "<p>Yayıncı: AEPI ASBL</p>"
    );
    // A draft is nowhere.
    assert_eq!(status_of(&app, "/api/v1/pages/imprint").await, 404);
    assert_eq!(status_of(&app, &format!("/api/v1/pages/{id}")).await, 404);
    assert_eq!(status_of(&app, "/api/v1/pages/kunye").await, 404);
    let list = expect_json(app.get("/api/v1/pages"), 200).await;
    assert_eq!(list["data"], json!([]), "{list}");

    let published = patch_page(&app, &editor, id, 1, json!({"status": "published"})).await;
    assert_eq!(published["version"], 2);
    assert!(published["published_at"].is_string());
    // The version read before is stale now.
    let mut stale = app
        .patch(&format!("/api/v1/admin/pages/{id}"))
        .bearer_auth(&editor)
        .insert_header(("If-Match", "\"1\""))
        .send_json(&json!({"position": 3}))
        .await
        .unwrap();
    assert_problem(&mut stale, 412).await;

    // By key, id and slug in any locale, in the asked locale.
    let mut response = app
        .get("/api/v1/pages/imprint?locale=fr")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 200);
    let etag = header(&response, "etag").unwrap();
    assert_eq!(header(&response, "content-language").as_deref(), Some("fr"));
    let page = json_body(&mut response).await["data"].clone();
    assert_eq!(page["title"], "Mentions légales");
    assert_eq!(page["key"], "imprint");
    assert_eq!(page["fallback"], false);
    assert_eq!(
        page["url"],
        "http://localhost:3000/fr/page/mentions-legales"
    );
    assert_eq!(page["seo_description"], "Qui publie Bruxelles Korner");
    assert_eq!(
        page["translations"],
        json!([
            {"locale": "tr", "slug": "kunye", "title": "Künye", "url": "http://localhost:3000/tr/page/kunye"},
            {"locale": "fr", "slug": "mentions-legales", "title": "Mentions légales", "url": "http://localhost:3000/fr/page/mentions-legales"}
        ])
    );
    let not_modified = app
        .get("/api/v1/pages/imprint?locale=fr")
        .insert_header(("If-None-Match", etag))
        .send()
        .await
        .unwrap();
    assert_eq!(not_modified.status().as_u16(), 304);
    for path in [
        format!("/api/v1/pages/{id}?locale=fr"),
        "/api/v1/pages/kunye?locale=fr".into(),
    ] {
        let page = expect_json(app.get(&path), 200).await;
        assert_eq!(page["data"]["slug"], "mentions-legales", "{path}");
    }
    // English falls back to the default locale, unless fallback is off.
    let english =
        expect_json(app.get("/api/v1/pages/imprint?locale=en"), 200).await["data"].clone();
    assert_eq!(english["locale"], "tr");
    assert_eq!(english["requested_locale"], "en");
    assert_eq!(english["fallback"], true);
    assert_eq!(
        status_of(&app, "/api/v1/pages/imprint?locale=en&fallback=false").await,
        404
    );
    // A draft translation is not served, nor listed as an alternate.
    send_json_expect(
        app.put(&format!("/api/v1/admin/pages/{id}/translations/en"))
            .bearer_auth(&editor),
        &json!({"title": "Imprint", "body": "<p>Publisher</p>", "status": "draft"}),
        200,
    )
    .await;
    let english =
        expect_json(app.get("/api/v1/pages/imprint?locale=en"), 200).await["data"].clone();
    assert_eq!(english["locale"], "tr");
    assert_eq!(english["translations"].as_array().unwrap().len(), 2);
    assert_eq!(status_of(&app, "/api/v1/pages/imprint-2").await, 404);

    // A sub-page links its parent, the parent its sub-pages; renaming the parent shows in the
    // child's (cached) read at once.
    let team = create_page(
        &app,
        &editor,
        &json!({"parent_id": id, "status": "published", "translations": {
            "tr": {"title": "Ekip", "body": "<p>Editörler</p>"}
        }}),
    )
    .await;
    let team_id = team["id"].as_i64().unwrap();
    let child = expect_json(app.get("/api/v1/pages/ekip"), 200).await["data"].clone();
    assert_eq!(child["parent"]["key"], "imprint");
    assert_eq!(child["parent"]["title"], "Künye");
    assert_eq!(child["key"], Value::Null);
    let parent = expect_json(app.get("/api/v1/pages/imprint"), 200).await["data"].clone();
    assert_eq!(parent["children"][0]["id"], team_id, "{parent}");
    assert_eq!(
        parent["children"][0]["url"],
        "http://localhost:3000/tr/page/ekip"
    );
    let listed = expect_json(app.get(&format!("/api/v1/pages?parent={id}")), 200).await;
    assert_eq!(listed["data"].as_array().unwrap().len(), 1, "{listed}");
    assert_eq!(listed["data"][0]["id"], team_id);
    let version = imprint["translations"]["tr"]["version"].as_i64().unwrap();
    send_json_expect(
        app.put(&format!("/api/v1/admin/pages/{id}/translations/tr"))
            .bearer_auth(&editor)
            .insert_header(("If-Match", format!("\"{version}\""))),
        &json!({"title": "Künye ve İletişim", "body": "<p>Yayıncı: AEPI ASBL</p>"}),
        200,
    )
    .await;
    let child = expect_json(app.get("/api/v1/pages/ekip"), 200).await["data"].clone();
    assert_eq!(child["parent"]["title"], "Künye ve İletişim");
    // A published page keeps its slug when only its title changes.
    assert_eq!(child["parent"]["slug"], "kunye");

    // The list, in order, every locale served.
    let list = expect_json(app.get("/api/v1/pages?locale=fr"), 200).await;
    assert_eq!(list["meta"]["total"], 2, "{list}");
    assert_eq!(list["data"][0]["title"], "Mentions légales");
    assert_eq!(list["data"][1]["title"], "Ekip");
    assert_eq!(list["data"][1]["fallback"], true);
    let strict = expect_json(app.get("/api/v1/pages?locale=fr&fallback=false"), 200).await;
    assert_eq!(strict["meta"]["total"], 1, "{strict}");

    // A page with sub-pages can't be deleted; archiving hides it and its link.
    let mut refused = app
        .delete(&format!("/api/v1/admin/pages/{id}"))
        .bearer_auth(&editor)
        .send()
        .await
        .unwrap();
    assert_problem(&mut refused, 409).await;
    patch_page(&app, &editor, id, 2, json!({"status": "archived"})).await;
    assert_eq!(status_of(&app, "/api/v1/pages/imprint").await, 404);
    let child = expect_json(app.get("/api/v1/pages/ekip"), 200).await["data"].clone();
    assert_eq!(child["parent"], Value::Null);
    assert_eq!(
        child["parent_id"],
        Value::Null,
        "a hidden parent's id stays hidden"
    );
    assert_eq!(
        status_of(&app, "/api/v1/pages?parent=imprint").await,
        404,
        "an archived parent names nothing"
    );
    // Deleting the child, then the parent.
    let deleted = app
        .delete(&format!("/api/v1/admin/pages/{team_id}"))
        .bearer_auth(&editor)
        .send()
        .await
        .unwrap();
    assert_eq!(deleted.status().as_u16(), 204);
    assert_eq!(status_of(&app, "/api/v1/pages/ekip").await, 404);
    let deleted = app
        .delete(&format!("/api/v1/admin/pages/{id}"))
        .bearer_auth(&editor)
        .insert_header(("If-Match", "\"3\""))
        .send()
        .await
        .unwrap();
    assert_eq!(deleted.status().as_u16(), 204);
    let mut gone = app
        .get(&format!("/api/v1/admin/pages/{id}/revisions"))
        .bearer_auth(&editor)
        .send()
        .await
        .unwrap();
    assert_problem(&mut gone, 404).await;
}

#[actix_web::test]
async fn page_revisions_are_kept_listed_and_restored_apart_from_articles() {
    let app = spawn_app().await;
    let room = newsroom(&app).await;
    let editor = room.editor.clone();
    let page = create_page(
        &app,
        &editor,
        &json!({"status": "published", "translations": {
            "fr": {"title": "À propos", "body": "<p>Première version</p>"}
        }}),
    )
    .await;
    let id = page["id"].as_i64().unwrap();
    let path = format!("/api/v1/admin/pages/{id}/translations/fr");
    let saved = send_json_expect(
        app.put(&path)
            .bearer_auth(&editor)
            .insert_header(("If-Match", "\"1\"")),
        &json!({"title": "À propos de nous", "body": "<p>Deuxième version</p>"}),
        200,
    )
    .await;
    assert_eq!(saved["data"]["translations"]["fr"]["version"], 2);
    let mut stale = app
        .put(&path)
        .bearer_auth(&editor)
        .insert_header(("If-Match", "\"1\""))
        .send_json(&json!({"title": "Perdu", "body": "<p>Perdu</p>"}))
        .await
        .unwrap();
    assert_problem(&mut stale, 412).await;

    let revisions = expect_json(
        app.get(&format!("/api/v1/admin/pages/{id}/revisions?locale=fr"))
            .bearer_auth(&editor),
        200,
    )
    .await["data"]
        .clone();
    assert_eq!(revisions.as_array().unwrap().len(), 1, "{revisions}");
    assert_eq!(revisions[0]["title"], "À propos");
    assert_eq!(revisions[0]["translation_version"], 1);
    let rev = revisions[0]["id"].as_i64().unwrap();
    let revision = expect_json(
        app.get(&format!("/api/v1/admin/pages/{id}/revisions/{rev}"))
            .bearer_auth(&editor),
        200,
    )
    .await;
    assert_eq!(revision["data"]["body"], "<p>Première version</p>");

    // An article's revisions are its own: the page's revision is not one of them, and an
    // article with revisions does not show in the page's list.
    let article = create_article(&app, &editor, &article_body(&room, "First", "draft")).await;
    let article_id = article["id"].as_i64().unwrap();
    send_json_expect(
        app.put(&format!(
            "/api/v1/admin/articles/{article_id}/translations/en"
        ))
        .bearer_auth(&editor),
        &json!({"title": "Second", "body": "<p>Two</p>"}),
        200,
    )
    .await;
    let article_revisions = expect_json(
        app.get(&format!("/api/v1/admin/articles/{article_id}/revisions"))
            .bearer_auth(&editor),
        200,
    )
    .await["data"]
        .clone();
    assert_eq!(article_revisions.as_array().unwrap().len(), 1);
    assert_ne!(article_revisions[0]["id"], rev);
    let mut foreign = app
        .get(&format!(
            "/api/v1/admin/articles/{article_id}/revisions/{rev}"
        ))
        .bearer_auth(&editor)
        .send()
        .await
        .unwrap();
    assert_problem(&mut foreign, 404).await;

    // Restoring makes the old text a new version, served at once.
    let restored = send_json_expect(
        app.post(&format!("/api/v1/admin/pages/{id}/revisions/{rev}/restore"))
            .bearer_auth(&editor)
            .insert_header(("If-Match", "\"2\"")),
        &json!(null),
        200,
    )
    .await["data"]
        .clone();
    assert_eq!(restored["translations"]["fr"]["title"], "À propos");
    assert_eq!(restored["translations"]["fr"]["version"], 3);
    let public = expect_json(app.get(&format!("/api/v1/pages/{id}")), 200).await["data"].clone();
    assert_eq!(public["body"], "<p>Première version</p>");
    let revisions = expect_json(
        app.get(&format!("/api/v1/admin/pages/{id}/revisions"))
            .bearer_auth(&editor),
        200,
    )
    .await["data"]
        .clone();
    assert_eq!(revisions.as_array().unwrap().len(), 2);
    assert_eq!(revisions[0]["title"], "À propos de nous");
}

#[actix_web::test]
async fn menus_and_sitemaps_show_pages_only_while_they_are_visible() {
    let app = spawn_app().await;
    let editor = app.user_with_role("editor").await.2;
    let privacy = create_page(
        &app,
        &editor,
        &json!({"key": "privacy", "status": "published", "translations": {
            "tr": {"title": "Gizlilik Politikası", "body": "<p>Veriler</p>"},
            "fr": {"title": "Politique de confidentialité", "body": "<p>Données</p>"},
            "en": {"title": "Privacy Policy", "body": "<p>Data</p>"}
        }}),
    )
    .await;
    let id = privacy["id"].as_i64().unwrap();
    let draft = create_page(
        &app,
        &editor,
        &json!({"translations": {"tr": {"title": "Taslak", "body": "<p>x</p>"}}}),
    )
    .await;
    send_json_expect(
        app.post("/api/v1/admin/menus").bearer_auth(&editor),
        &json!({"name": "footer", "items": [
            {"labels": {"tr": "Gizlilik", "fr": "Confidentialité"}, "kind": "page", "target_id": id},
            {"labels": {"tr": "Taslak"}, "kind": "page", "target_id": draft["id"]}
        ]}),
        201,
    )
    .await;
    let menu = expect_json(app.get("/api/v1/menus/footer?locale=fr"), 200).await["data"].clone();
    assert_eq!(menu["items"].as_array().unwrap().len(), 1, "{menu}");
    assert_eq!(menu["items"][0]["label"], "Confidentialité");
    assert_eq!(
        menu["items"][0]["url"],
        "http://localhost:3000/fr/page/politique-de-confidentialite"
    );
    let mut unknown = app
        .post("/api/v1/admin/menus")
        .bearer_auth(&editor)
        .send_json(&json!({"name": "side", "items": [
            {"labels": {"tr": "x"}, "kind": "page", "target_id": 999_999}
        ]}))
        .await
        .unwrap();
    let problem = assert_problem(&mut unknown, 422).await;
    assert_eq!(fields(&problem), ["items[0].target_id"]);

    let (status, file, _) = xml(&app, "/sitemaps/en/pages-1.xml").await;
    assert_eq!(status, 200);
    let urls = entries(&file);
    assert_eq!(urls.len(), 1, "{file}");
    assert_eq!(urls[0].0, "http://localhost:3000/en/page/privacy-policy");
    assert_eq!(
        urls[0].1.len(),
        4,
        "three translations and x-default: {file}"
    );
    assert!(file.contains("<lastmod>"), "{file}");
    let (_, index, _) = xml(&app, "/sitemap.xml").await;
    assert!(index.contains("/sitemaps/fr/pages-1.xml</loc>"), "{index}");

    // Unpublished, it leaves the menu and the sitemap; published again, it comes back.
    patch_page(&app, &editor, id, 1, json!({"status": "draft"})).await;
    let menu = expect_json(app.get("/api/v1/menus/footer?locale=fr"), 200).await["data"].clone();
    assert_eq!(menu["items"], json!([]), "{menu}");
    let (_, file, _) = xml(&app, "/sitemaps/en/pages-1.xml").await;
    assert!(entries(&file).is_empty(), "{file}");
    patch_page(&app, &editor, id, 2, json!({"status": "published"})).await;
    let menu = expect_json(app.get("/api/v1/menus/footer?locale=tr"), 200).await["data"].clone();
    assert_eq!(menu["items"][0]["slug"], "gizlilik-politikasi", "{menu}");
}

#[actix_web::test]
async fn bad_page_input_is_refused_clearly_and_changes_nothing() {
    let app = spawn_app().await;
    let editor = app.user_with_role("editor").await.2;
    let text = json!({"tr": {"title": "Künye", "body": "<p>x</p>"}});
    let a = create_page(
        &app,
        &editor,
        &json!({"key": "imprint", "translations": text}),
    )
    .await;
    let a_id = a["id"].as_i64().unwrap();
    let b = create_page(
        &app,
        &editor,
        &json!({"parent_id": a_id, "translations": {"tr": {"title": "B", "body": "<p>b</p>"}}}),
    )
    .await;
    let b_id = b["id"].as_i64().unwrap();
    let c = create_page(
        &app,
        &editor,
        &json!({"parent_id": b_id, "translations": {"tr": {"title": "C", "body": "<p>c</p>"}}}),
    )
    .await;
    let c_id = c["id"].as_i64().unwrap();

    for (body, status, field) in [
        (
            json!({"key": "Bad Key", "translations": text}),
            422,
            Some("key"),
        ),
        (json!({"key": "7", "translations": text}), 422, Some("key")),
        (
            json!({"key": "imprint", "translations": {"fr": {"title": "Autre", "body": "<p>y</p>"}}}),
            409,
            None,
        ),
        (json!({"translations": {}}), 422, Some("translations")),
        (
            json!({"translations": {"xx": {"title": "X", "body": "<p>x</p>"}}}),
            422,
            Some("translations.xx"),
        ),
        (
            json!({"translations": {"tr": {"title": "", "body": "<p>x</p>"}}}),
            422,
            Some("translations.tr.title"),
        ),
        (
            json!({"parent_id": 999_999, "translations": text}),
            422,
            Some("parent_id"),
        ),
        (
            json!({"parent_id": c_id, "translations": text}),
            422,
            Some("parent_id"),
        ),
        (
            json!({"position": -1, "translations": text}),
            422,
            Some("position"),
        ),
        (
            json!({"translations": {"tr": {"title": "K", "slug": "kunye", "body": "<p>x</p>"}}}),
            409,
            None,
        ),
        (json!({"translations": text, "colour": "red"}), 422, None),
        (
            json!({"translations": text, "position": "first"}),
            422,
            None,
        ),
    ] {
        let mut response = app
            .post("/api/v1/admin/pages")
            .bearer_auth(&editor)
            .send_json(&body)
            .await
            .unwrap();
        let problem = assert_problem(&mut response, status).await;
        if let Some(field) = field {
            assert_eq!(fields(&problem), [field], "{body}: {problem}");
        }
    }
    // A page can't move below itself.
    let mut cycle = app
        .patch(&format!("/api/v1/admin/pages/{a_id}"))
        .bearer_auth(&editor)
        .send_json(&json!({"parent_id": c_id}))
        .await
        .unwrap();
    let problem = assert_problem(&mut cycle, 422).await;
    assert_eq!(fields(&problem), ["parent_id"]);
    // The source translation stays.
    let mut source = app
        .delete(&format!("/api/v1/admin/pages/{a_id}/translations/tr"))
        .bearer_auth(&editor)
        .send()
        .await
        .unwrap();
    assert_problem(&mut source, 409).await;
    // Nothing changed.
    let list = expect_json(app.get("/api/v1/admin/pages").bearer_auth(&editor), 200).await;
    assert_eq!(list["meta"]["total"], 3, "{list}");
    let a = expect_json(
        app.get(&format!("/api/v1/admin/pages/{a_id}"))
            .bearer_auth(&editor),
        200,
    )
    .await["data"]
        .clone();
    assert_eq!(a["parent_id"], Value::Null);
    assert_eq!(a["version"], 1);
    // Writers who are not editors are refused.
    let author = app.user_with_role("author").await.2;
    let mut refused = app
        .post("/api/v1/admin/pages")
        .bearer_auth(&author)
        .send_json(&json!({"translations": text}))
        .await
        .unwrap();
    assert_problem(&mut refused, 403).await;
}
