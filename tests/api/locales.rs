//! `GET /api/v1/locales` and the first-start seeding from `SITE_LOCALES`.

use crate::helpers::{
    TestDatabase, header, json_body, send_json_expect, spawn_app, spawn_app_with, spawn_on,
    test_env,
};

#[actix_web::test]
async fn an_empty_database_gets_the_default_locales_tr_first() {
    let app = spawn_app().await;
    let mut response = app.get("/api/v1/locales").send().await.unwrap();
    assert_eq!(response.status().as_u16(), 200);
    assert_eq!(
        header(&response, "content-type").as_deref(),
        Some("application/json")
    );
    let body = json_body(&mut response).await;
    let codes: Vec<&str> = body["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|locale| locale["code"].as_str().unwrap())
        .collect();
    assert_eq!(codes, ["tr", "fr", "en", "nl"]);
    assert_eq!(body["data"][0]["is_default"], true);
    assert_eq!(body["data"][0]["name"], "Türkçe");
    assert_eq!(body["data"][1]["name"], "Français");
    let defaults = body["data"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|l| l["is_default"] == true)
        .count();
    assert_eq!(defaults, 1);
}

#[actix_web::test]
async fn site_locales_choose_the_first_locales_and_the_default() {
    let app = spawn_app_with(|env| {
        env.insert("SITE_LOCALES".into(), "en, FR ,pt-br,en".into());
    })
    .await;
    let mut response = app.get("/api/v1/locales").send().await.unwrap();
    let body = json_body(&mut response).await;
    assert_eq!(
        body["data"],
        serde_json::json!([
            {"code": "en", "name": "English", "is_default": true, "position": 0},
            {"code": "fr", "name": "Français", "is_default": false, "position": 1},
            {"code": "pt-BR", "name": "Português", "is_default": false, "position": 2},
        ])
    );
}

#[actix_web::test]
async fn a_database_with_locales_is_not_seeded_again() {
    let database = TestDatabase::create();
    let mut env = test_env(&database);
    let first = spawn_on(database, &env);
    first.stop().await;
    let database = first.into_database();

    env.insert("SITE_LOCALES".into(), "de".into());
    let second = spawn_on(database, &env);
    let mut response = second.get("/api/v1/locales").send().await.unwrap();
    let body = json_body(&mut response).await;
    assert_eq!(body["data"].as_array().unwrap().len(), 4);
    assert_eq!(body["data"][0]["code"], "tr");
}

#[actix_web::test]
async fn public_reads_send_a_strong_etag_and_answer_304() {
    let app = spawn_app_with(|env| {
        env.insert("CACHE_MAX_AGE".into(), "120".into());
    })
    .await;
    let response = app.get("/api/v1/locales").send().await.unwrap();
    let etag = header(&response, "etag").expect("an ETag");
    assert!(
        etag.starts_with('"') && etag.ends_with('"'),
        "strong: {etag}"
    );
    assert_eq!(
        header(&response, "cache-control").as_deref(),
        Some("public, max-age=120")
    );

    let mut again = app.get("/api/v1/locales").send().await.unwrap();
    assert_eq!(
        header(&again, "etag").as_deref(),
        Some(etag.as_str()),
        "stable"
    );
    let _ = again.body().await;

    let mut cached = app
        .get("/api/v1/locales")
        .insert_header(("if-none-match", etag.as_str()))
        .send()
        .await
        .unwrap();
    assert_eq!(cached.status().as_u16(), 304);
    assert_eq!(header(&cached, "etag").as_deref(), Some(etag.as_str()));
    assert!(cached.body().await.unwrap().is_empty());

    let listed = format!("\"other\", W/{etag}");
    let cached = app
        .get("/api/v1/locales")
        .insert_header(("if-none-match", listed.as_str()))
        .send()
        .await
        .unwrap();
    assert_eq!(cached.status().as_u16(), 304, "a list with a weak match");

    let fresh = app
        .get("/api/v1/locales")
        .insert_header(("if-none-match", "\"stale\""))
        .send()
        .await
        .unwrap();
    assert_eq!(fresh.status().as_u16(), 200);
}

#[actix_web::test]
async fn admins_manage_locales() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    let (_, _, editor) = app.user_with_role("editor").await;
    let mut forbidden = app
        .post("/api/v1/admin/locales")
        .bearer_auth(&editor)
        .send_json(&serde_json::json!({"code": "de"}))
        .await
        .unwrap();
    crate::helpers::assert_problem(&mut forbidden, 403).await;

    let created = send_json_expect(
        app.post("/api/v1/admin/locales").bearer_auth(&admin),
        &serde_json::json!({"code": "DE"}),
        201,
    )
    .await["data"]
        .clone();
    assert_eq!(
        created,
        serde_json::json!({"code": "de", "name": "Deutsch", "is_default": false, "position": 4})
    );
    let mut duplicate = app
        .post("/api/v1/admin/locales")
        .bearer_auth(&admin)
        .send_json(&serde_json::json!({"code": "de"}))
        .await
        .unwrap();
    crate::helpers::assert_problem(&mut duplicate, 409).await;
    let mut invalid = app
        .post("/api/v1/admin/locales")
        .bearer_auth(&admin)
        .send_json(&serde_json::json!({"code": "not a code"}))
        .await
        .unwrap();
    crate::helpers::assert_problem(&mut invalid, 422).await;

    let before = app.get("/api/v1/articles").send().await.unwrap();
    assert_eq!(header(&before, "content-language").as_deref(), Some("tr"));
    let default = send_json_expect(
        app.patch("/api/v1/admin/locales/fr").bearer_auth(&admin),
        &serde_json::json!({"is_default": true, "name": "French"}),
        200,
    )
    .await;
    assert_eq!(default["data"]["name"], "French");
    let mut public = app.get("/api/v1/locales").send().await.unwrap();
    let public = json_body(&mut public).await;
    let defaults: Vec<&str> = public["data"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|l| l["is_default"] == true)
        .map(|l| l["code"].as_str().unwrap())
        .collect();
    assert_eq!(defaults, ["fr"], "exactly one default");
    let after = app.get("/api/v1/articles").send().await.unwrap();
    assert_eq!(
        header(&after, "content-language").as_deref(),
        Some("fr"),
        "the new default serves at once"
    );
    let mut undefault = app
        .patch("/api/v1/admin/locales/fr")
        .bearer_auth(&admin)
        .send_json(&serde_json::json!({"is_default": false}))
        .await
        .unwrap();
    crate::helpers::assert_problem(&mut undefault, 422).await;
    // On a locale that is not the default, `false` is already true: nothing changes.
    let kept = crate::helpers::send_json_expect(
        app.patch("/api/v1/admin/locales/en").bearer_auth(&admin),
        &serde_json::json!({"is_default": false}),
        200,
    )
    .await;
    assert_eq!(kept["data"]["is_default"], false);

    let mut default_delete = app
        .delete("/api/v1/admin/locales/fr")
        .bearer_auth(&admin)
        .send()
        .await
        .unwrap();
    crate::helpers::assert_problem(&mut default_delete, 409).await;
    let response = app
        .post("/api/v1/admin/tags")
        .bearer_auth(&admin)
        .send_json(&serde_json::json!({"translations": {"de": {"name": "Politik"}}}))
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 201);
    let mut in_use = app
        .delete("/api/v1/admin/locales/de")
        .bearer_auth(&admin)
        .send()
        .await
        .unwrap();
    crate::helpers::assert_problem(&mut in_use, 409).await;
    let deleted = app
        .delete("/api/v1/admin/locales/nl")
        .bearer_auth(&admin)
        .send()
        .await
        .unwrap();
    assert_eq!(deleted.status().as_u16(), 204);
    let mut missing = app
        .patch("/api/v1/admin/locales/nl")
        .bearer_auth(&admin)
        .send_json(&serde_json::json!({"name": "x"}))
        .await
        .unwrap();
    crate::helpers::assert_problem(&mut missing, 404).await;
}
