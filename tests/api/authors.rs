//! Authors: management and the public bylines, which never show account fields.

use serde_json::json;

use crate::helpers::{assert_problem, expect_json, json_body, send_json_expect, spawn_app};

#[actix_web::test]
async fn editors_manage_bylines_and_the_public_sees_no_account() {
    let app = spawn_app().await;
    let (editor_id, editor_email, editor) = app.user_with_role("editor").await;
    let author = send_json_expect(
        app.post("/api/v1/admin/authors").bearer_auth(&editor),
        &json!({
            "name": "Ayana Birbayeva",
            "user_id": editor_id,
            "avatar_url": "https://example.com/ayana.jpg",
            "links": [{"label": "X", "url": "https://x.com/ayana"}],
            "bio": {"fr": "Journaliste à Astana.", "tr": "Astana'da gazeteci."}
        }),
        201,
    )
    .await["data"]
        .clone();
    assert_eq!(author["slug"], "ayana-birbayeva");
    assert_eq!(author["user_id"], editor_id);
    let path = format!("/api/v1/admin/authors/{}", author["id"]);

    let public =
        expect_json(app.get("/api/v1/authors/ayana-birbayeva?locale=fr"), 200).await["data"]
            .clone();
    assert_eq!(public["bio"], "Journaliste à Astana.");
    assert_eq!(
        public["links"],
        json!([{"label": "X", "url": "https://x.com/ayana"}])
    );
    let text = public.to_string();
    assert!(
        public.get("user_id").is_none() && !text.contains(&editor_email),
        "{text}"
    );
    let mut english = app
        .get(&format!("/api/v1/authors/{}?locale=en", author["id"]))
        .send()
        .await
        .unwrap();
    let english = json_body(&mut english).await["data"].clone();
    assert_eq!(
        english["bio"], "Astana'da gazeteci.",
        "falls back to the default locale"
    );
    assert_eq!(english["fallback"], true);
    let mut list = app.get("/api/v1/authors").send().await.unwrap();
    let list = json_body(&mut list).await;
    assert_eq!(list["meta"]["total"], 1);
    assert!(!list.to_string().contains("user_id"));

    let updated = send_json_expect(
        app.patch(&path)
            .bearer_auth(&editor)
            .insert_header(("if-match", "\"1\"")),
        &json!({"user_id": null, "bio": {"fr": null, "en": "Journalist in Astana."}, "slug": "ayana"}),
        200,
    )
    .await["data"]
        .clone();
    assert_eq!(updated["user_id"], serde_json::Value::Null);
    assert_eq!(updated["slug"], "ayana");
    assert_eq!(
        updated["bio"],
        json!({"en": "Journalist in Astana.", "tr": "Astana'da gazeteci."})
    );
    assert_eq!(
        updated["avatar_url"], "https://example.com/ayana.jpg",
        "kept"
    );
    let mut stale = app
        .patch(&path)
        .bearer_auth(&editor)
        .insert_header(("if-match", "\"1\""))
        .send_json(&json!({"name": "X"}))
        .await
        .unwrap();
    assert_problem(&mut stale, 412).await;

    for body in [
        json!({"name": ""}),
        json!({"name": "A", "avatar_url": "javascript:alert(1)"}),
        json!({"name": "A", "links": [{"label": "x", "url": "ftp://x"}]}),
        json!({"name": "A", "user_id": 999_999}),
        json!({"name": "A", "bio": {"xx": "?"}}),
        json!({"name": "A", "email": "a@b.test"}),
    ] {
        let mut response = app
            .post("/api/v1/admin/authors")
            .bearer_auth(&editor)
            .send_json(&body)
            .await
            .unwrap();
        assert_problem(&mut response, 422).await;
    }
    let mut clash = app
        .post("/api/v1/admin/authors")
        .bearer_auth(&editor)
        .send_json(&json!({"name": "Other", "slug": "ayana"}))
        .await
        .unwrap();
    assert_problem(&mut clash, 409).await;
    let mut same_name = app
        .post("/api/v1/admin/authors")
        .bearer_auth(&editor)
        .send_json(&json!({"name": "Ayana"}))
        .await
        .unwrap();
    assert_eq!(json_body(&mut same_name).await["data"]["slug"], "ayana-2");

    let (_, _, author_role) = app.user_with_role("author").await;
    let mut forbidden = app
        .post("/api/v1/admin/authors")
        .bearer_auth(&author_role)
        .send_json(&json!({"name": "X"}))
        .await
        .unwrap();
    assert_problem(&mut forbidden, 403).await;

    let deleted = app.delete(&path).bearer_auth(&editor).send().await.unwrap();
    assert_eq!(deleted.status().as_u16(), 204);
    let mut gone = app.get("/api/v1/authors/ayana").send().await.unwrap();
    assert_problem(&mut gone, 404).await;
}
