//! Draft previews: a token shows one translation of an article or page as it stands, in the
//! delivery shape, uncached, until it expires, is revoked or its article goes.

use std::collections::BTreeSet;

use diesel::prelude::*;
use serde_json::{Value, json};

use crate::fixtures::{article_by, create_article, newsroom, published_article, writer};
use crate::helpers::{
    TestApp, assert_problem, expect_json, header, json_body, send_json_expect, spawn_app,
};

/// Makes a preview of `path` (`/api/v1/admin/articles/{id}`) as `token`; its answer.
async fn make(app: &TestApp, token: &str, path: &str, body: Value) -> Value {
    send_json_expect(
        app.post(&format!("{path}/previews")).bearer_auth(token),
        &body,
        201,
    )
    .await["data"]
        .clone()
}

/// The status of reading a preview.
async fn status(app: &TestApp, token: &str) -> u16 {
    app.get(&format!("/api/v1/preview/{token}"))
        .send()
        .await
        .unwrap()
        .status()
        .as_u16()
}

/// The keys of a JSON object.
fn keys(value: &Value) -> BTreeSet<String> {
    value.as_object().unwrap().keys().cloned().collect()
}

#[actix_web::test]
async fn a_preview_shows_the_draft_as_published_articles_are_served_until_it_ends() {
    let app = spawn_app().await;
    let room = newsroom(&app).await;
    let (author, byline) = writer(&app, &room, "author").await;
    let article = create_article(
        &app,
        &author,
        &article_by(&room, "Secret plans", "draft", byline),
    )
    .await;
    let id = article["id"].as_i64().unwrap();
    let path = format!("/api/v1/admin/articles/{id}");
    let made = make(
        &app,
        &author,
        &path,
        json!({"locale": "en", "expires_in": 3600}),
    )
    .await;
    let token = made["token"].as_str().unwrap().to_owned();
    assert!(token.starts_with("pv_") && token.len() > 60, "{made}");
    assert_eq!(
        made["url"],
        format!("http://localhost:3000/preview/{token}")
    );
    assert_eq!(made["subject"], "article");
    assert_eq!(made["locale"], "en");

    // The draft, shaped like a published article's read, never kept by a cache.
    let mut response = app
        .get(&format!("/api/v1/preview/{token}"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 200);
    assert_eq!(
        header(&response, "cache-control").as_deref(),
        Some("private, no-store")
    );
    assert_eq!(
        header(&response, "x-robots-tag").as_deref(),
        Some("noindex")
    );
    let draft = json_body(&mut response).await["data"].clone();
    assert_eq!(draft["title"], "Secret plans");
    assert_eq!(draft["body"], "<p>Some words here.</p>");
    let (_, slug) = published_article(&app, &room, "Out already").await;
    let published = expect_json(app.get(&format!("/api/v1/articles/{slug}")), 200).await;
    assert_eq!(keys(&draft), keys(&published["data"]));
    let again = app
        .get(&format!("/api/v1/preview/{token}"))
        .send()
        .await
        .unwrap();
    assert_ne!(header(&again, "x-cache").as_deref(), Some("HIT"));

    // A save shows on reload, in review too; the public still sees nothing.
    send_json_expect(
        app.put(&format!("{path}/translations/en"))
            .bearer_auth(&author),
        &json!({"title": "Plans, revised", "body": "<p>New words.</p>"}),
        200,
    )
    .await;
    send_json_expect(
        app.patch(&path).bearer_auth(&author),
        &json!({"status": "in_review"}),
        200,
    )
    .await;
    let draft = expect_json(app.get(&format!("/api/v1/preview/{token}")), 200).await;
    assert_eq!(draft["data"]["title"], "Plans, revised");
    assert_eq!(
        app.get(&format!("/api/v1/articles/{id}"))
            .send()
            .await
            .unwrap()
            .status()
            .as_u16(),
        404
    );

    // Listed without its token; another author can neither list nor make one.
    let list = expect_json(
        app.get(&format!("{path}/previews")).bearer_auth(&author),
        200,
    )
    .await;
    assert_eq!(list["data"].as_array().unwrap().len(), 1);
    assert!(list["data"][0].get("token").is_none(), "{list}");
    let (other, _) = writer(&app, &room, "author").await;
    for request in [
        app.get(&format!("{path}/previews")).bearer_auth(&other),
        app.post(&format!("{path}/previews")).bearer_auth(&other),
    ] {
        let mut refused = request.send_json(&json!({"locale": "en"})).await.unwrap();
        assert_problem(&mut refused, 404).await;
    }
    let mut refused = app
        .delete(&format!("/api/v1/admin/previews/{}", made["id"]))
        .bearer_auth(&other)
        .send()
        .await
        .unwrap();
    assert_problem(&mut refused, 404).await;

    // Bad requests change nothing.
    for (body, field) in [
        (json!({"locale": "en", "expires_in": 10}), "expires_in"),
        (
            json!({"locale": "en", "expires_in": 40 * 24 * 3600}),
            "expires_in",
        ),
        (json!({"locale": "fr"}), "locale"),
    ] {
        let mut response = app
            .post(&format!("{path}/previews"))
            .bearer_auth(&author)
            .send_json(&body)
            .await
            .unwrap();
        let problem = assert_problem(&mut response, 422).await;
        assert_eq!(problem["errors"][0]["field"], field, "{problem}");
    }
    assert_eq!(status(&app, "pv_unknown").await, 404);

    // Revoked: gone at once.
    let revoked = app
        .delete(&format!("/api/v1/admin/previews/{}", made["id"]))
        .bearer_auth(&author)
        .send()
        .await
        .unwrap();
    assert_eq!(revoked.status().as_u16(), 204);
    assert_eq!(status(&app, &token).await, 404);

    // Expired: gone.
    let expiring = make(&app, &author, &path, json!({"locale": "en"})).await;
    let expiring_token = expiring["token"].as_str().unwrap().to_owned();
    assert_eq!(status(&app, &expiring_token).await, 200);
    {
        use newsroom_cms::db::schema::previews;
        diesel::update(previews::table.find(expiring["id"].as_i64().unwrap()))
            .set(
                previews::expires_at
                    .eq(chrono::Utc::now().naive_utc() - chrono::Duration::seconds(1)),
            )
            .execute(&mut **app.pool().get().unwrap())
            .unwrap();
    }
    assert_eq!(status(&app, &expiring_token).await, 404);

    // The article deleted: its previews go with it.
    let last = make(&app, &author, &path, json!({"locale": "en"})).await;
    let last_token = last["token"].as_str().unwrap().to_owned();
    assert_eq!(status(&app, &last_token).await, 200);
    let deleted = app
        .delete(&path)
        .bearer_auth(&room.editor)
        .send()
        .await
        .unwrap();
    assert_eq!(deleted.status().as_u16(), 204);
    assert_eq!(status(&app, &last_token).await, 404);
}

#[actix_web::test]
async fn a_page_preview_shows_the_draft_page_in_its_delivery_shape() {
    let app = spawn_app().await;
    let editor = app.user_with_role("editor").await.2;
    let page = send_json_expect(
        app.post("/api/v1/admin/pages").bearer_auth(&editor),
        &json!({"key": "about", "translations": {
            "tr": {"title": "Hakkımızda", "body": "<p>Yayında</p>"},
            "fr": {"title": "À propos", "body": "<p>Brouillon</p>", "status": "draft"}
        }}),
        201,
    )
    .await["data"]
        .clone();
    let path = format!("/api/v1/admin/pages/{}", page["id"]);
    let made = make(&app, &editor, &path, json!({"locale": "fr"})).await;
    assert_eq!(made["subject"], "page");
    let preview = expect_json(
        app.get(&format!(
            "/api/v1/preview/{}",
            made["token"].as_str().unwrap()
        )),
        200,
    )
    .await["data"]
        .clone();
    assert_eq!(preview["title"], "À propos");
    assert_eq!(preview["key"], "about");
    assert_eq!(preview["url"], "http://localhost:3000/fr/page/a-propos");
    assert_eq!(preview["body"], "<p>Brouillon</p>");
    assert_eq!(preview["locale"], "fr");
    let alternates: Vec<&str> = preview["translations"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["locale"].as_str().unwrap())
        .collect();
    assert_eq!(alternates, ["tr", "fr"], "{preview}");
    assert_eq!(
        app.get("/api/v1/pages/about")
            .send()
            .await
            .unwrap()
            .status()
            .as_u16(),
        404
    );
    // Its translation deleted, the preview goes with it.
    let deleted = app
        .delete(&format!("{path}/translations/fr"))
        .bearer_auth(&editor)
        .send()
        .await
        .unwrap();
    assert_eq!(deleted.status().as_u16(), 204);
    assert_eq!(status(&app, made["token"].as_str().unwrap()).await, 404);
    // Authors don't manage pages.
    let author = app.user_with_role("author").await.2;
    let mut refused = app
        .post(&format!("{path}/previews"))
        .bearer_auth(&author)
        .send_json(&json!({"locale": "fr"}))
        .await
        .unwrap();
    assert_problem(&mut refused, 403).await;
}
