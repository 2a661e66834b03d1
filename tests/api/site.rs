//! Site settings: one cached public read for every page's frame, edited by admins with
//! `If-Match`.

use serde_json::{Value, json};

use crate::helpers::{
    TestApp, assert_problem, expect_json, header, json_body, send_json_expect, spawn_app,
};

/// The settings a newsroom starts with in these tests.
fn settings() -> Value {
    json!({
        "translations": {
            "tr": {"name": "Bruxelles Korner", "description": "Brüksel'den haberler.",
                   "copyright": "© 2015-2025 AEPI ASBL"},
            "fr": {"name": "Bruxelles Korner (FR)", "description": "  L'actualité depuis Bruxelles.  "}
        },
        "social": [
            {"network": "facebook", "url": "https://facebook.example/newsroom"},
            {"network": "x", "url": "https://x.example/newsroom"}
        ],
        "contact": {"email": "Newsroom@Example.com", "address": "Rue de la Loi 1\n1000 Bruxelles"}
    })
}

async fn put_site(app: &TestApp, token: &str, body: &Value, if_match: Option<&str>) -> Value {
    let mut request = app.put("/api/v1/admin/site").bearer_auth(token);
    if let Some(etag) = if_match {
        request = request.insert_header(("If-Match", etag));
    }
    send_json_expect(request, body, 200).await
}

async fn site(app: &TestApp, query: &str) -> Value {
    expect_json(app.get(&format!("/api/v1/site?{query}")), 200).await["data"].clone()
}

#[actix_web::test]
async fn the_site_frame_comes_in_one_call_in_the_negotiated_locale() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;

    let empty = site(&app, "").await;
    assert_eq!(empty["name"], Value::Null, "{empty}");
    assert_eq!(empty["default_locale"], "tr");
    assert_eq!(empty["social"], json!([]));
    let codes: Vec<&str> = empty["locales"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["code"].as_str().unwrap())
        .collect();
    assert_eq!(codes, ["tr", "fr", "en", "nl"]);

    let mut response = app
        .put("/api/v1/admin/site")
        .bearer_auth(&admin)
        .send_json(&settings())
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 200);
    let etag = header(&response, "etag").expect("an ETag");
    let saved = json_body(&mut response).await["data"].clone();
    assert_eq!(saved["version"], 2, "{saved}");
    assert_eq!(saved["contact"]["email"], "newsroom@example.com");
    assert_eq!(
        saved["translations"]["fr"]["description"],
        "L'actualité depuis Bruxelles."
    );

    let french = site(&app, "locale=fr").await;
    assert_eq!(french["name"], "Bruxelles Korner (FR)");
    assert_eq!(french["locale"], "fr");
    assert_eq!(french["fallback"], false);
    assert_eq!(french["copyright"], Value::Null);
    assert_eq!(french["social"][1]["network"], "x");
    assert_eq!(
        french["contact"]["address"],
        "Rue de la Loi 1\n1000 Bruxelles"
    );

    // Negotiated from Accept-Language, and falling back along the chain.
    let mut response = app
        .get("/api/v1/site")
        .insert_header(("Accept-Language", "fr-BE,fr;q=0.9"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 200);
    assert_eq!(header(&response, "content-language").as_deref(), Some("fr"));
    assert_eq!(
        json_body(&mut response).await["data"]["name"],
        "Bruxelles Korner (FR)"
    );
    let dutch = site(&app, "locale=nl").await;
    assert_eq!(dutch["name"], "Bruxelles Korner");
    assert_eq!(dutch["locale"], "tr");
    assert_eq!(dutch["requested_locale"], "nl");
    assert_eq!(dutch["fallback"], true);

    for query in ["locale=xx", "fallback=false"] {
        let mut refused = app
            .get(&format!("/api/v1/site?{query}"))
            .send()
            .await
            .unwrap();
        assert_problem(&mut refused, 422).await;
    }

    // A PUT is the whole of the settings: what it leaves out goes.
    put_site(
        &app,
        &admin,
        &json!({"translations": {"en": {"name": "Brussels Corner"}}, "social": [], "contact": {}}),
        Some(&etag),
    )
    .await;
    let english = site(&app, "locale=fr").await;
    assert_eq!(english["name"], "Brussels Corner");
    assert_eq!(english["locale"], "en");
    assert_eq!(english["social"], json!([]));
    assert_eq!(english["contact"]["email"], Value::Null);
}

#[actix_web::test]
async fn a_settings_change_refreshes_the_cached_frame() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    put_site(&app, &admin, &settings(), None).await;
    let first = app.get("/api/v1/site?locale=tr").send().await.unwrap();
    assert_eq!(header(&first, "x-cache").as_deref(), Some("MISS"));
    let etag = header(&first, "etag").expect("an ETag");
    let unchanged = app
        .get("/api/v1/site?locale=tr")
        .insert_header(("If-None-Match", etag.as_str()))
        .send()
        .await
        .unwrap();
    assert_eq!(unchanged.status().as_u16(), 304);
    let second = app.get("/api/v1/site?locale=tr").send().await.unwrap();
    assert_eq!(header(&second, "x-cache").as_deref(), Some("HIT"));

    let mut changed = settings();
    changed["translations"]["tr"]["name"] = json!("Bruxelles Korner Blog");
    put_site(&app, &admin, &changed, None).await;
    let mut fresh = app.get("/api/v1/site?locale=tr").send().await.unwrap();
    assert_eq!(header(&fresh, "x-cache").as_deref(), Some("MISS"));
    assert_eq!(
        json_body(&mut fresh).await["data"]["name"],
        "Bruxelles Korner Blog"
    );
}

#[actix_web::test]
async fn bad_settings_and_stale_versions_change_nothing() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    put_site(&app, &admin, &settings(), None).await;
    let before = expect_json(app.get("/api/v1/admin/site").bearer_auth(&admin), 200).await;

    let mut stale = app
        .put("/api/v1/admin/site")
        .bearer_auth(&admin)
        .insert_header(("If-Match", "\"1\""))
        .send_json(&settings())
        .await
        .unwrap();
    assert_problem(&mut stale, 412).await;

    let long = |n: usize| "a".repeat(n);
    let with = |field: &str, value: Value| {
        let mut body = settings();
        body[field] = value;
        body
    };
    let twice = json!([
        {"network": "x", "url": "https://x.example/a"},
        {"network": "x", "url": "https://x.example/a"}
    ]);
    let many: Vec<Value> = (0..21)
        .map(|n| json!({"network": "x", "url": format!("https://x.example/{n}")}))
        .collect();
    let cases = [
        (with("logo", json!(1)), "body"),
        (json!({"translations": {"tr": {"name": "X"}}}), "social"),
        (with("translations", json!({})), "translations"),
        (
            with("translations", json!({"de": {"name": "Brüsseler Ecke"}})),
            "translations.de",
        ),
        (
            with("translations", json!({"tr": {"name": " "}})),
            "translations.tr.name",
        ),
        (
            with("translations", json!({"tr": {"name": long(201)}})),
            "translations.tr.name",
        ),
        (
            with(
                "translations",
                json!({"tr": {"name": "X", "copyright": long(301)}}),
            ),
            "translations.tr.copyright",
        ),
        (
            with(
                "social",
                json!([{"network": "facebook", "url": "javascript:alert(1)"}]),
            ),
            "social.0.url",
        ),
        (
            with(
                "social",
                json!([{"network": "Face Book", "url": "https://f.example"}]),
            ),
            "social.0.network",
        ),
        (with("social", twice), "social.1"),
        (with("social", json!(many)), "social"),
        (
            with("contact", json!({"email": "not an address"})),
            "contact.email",
        ),
        (with("contact", json!({"phone": "+32\n2"})), "contact.phone"),
        (
            with("contact", json!({"address": long(501)})),
            "contact.address",
        ),
        (with("translations", json!("tr")), "translations"),
    ];
    for (body, field) in cases {
        let mut refused = app
            .put("/api/v1/admin/site")
            .bearer_auth(&admin)
            .send_json(&body)
            .await
            .unwrap();
        let problem = assert_problem(&mut refused, 422).await;
        let fields: Vec<&str> = problem["errors"]
            .as_array()
            .map(|errors| errors.iter().filter_map(|e| e["field"].as_str()).collect())
            .unwrap_or_default();
        assert!(
            field == "body" || fields.iter().any(|f| f.starts_with(field)),
            "{body}: {problem}"
        );
    }

    let (_, _, editor) = app.user_with_role("editor").await;
    let mut forbidden = app
        .put("/api/v1/admin/site")
        .bearer_auth(&editor)
        .send_json(&settings())
        .await
        .unwrap();
    assert_problem(&mut forbidden, 403).await;
    let mut anonymous = app.get("/api/v1/admin/site").send().await.unwrap();
    assert_problem(&mut anonymous, 401).await;
    let after = expect_json(app.get("/api/v1/admin/site").bearer_auth(&admin), 200).await;
    assert_eq!(after, before);

    // A locale the site's texts are written in stays until they go.
    let mut with_dutch = settings();
    with_dutch["translations"]["nl"] = json!({"name": "Brusselse Hoek"});
    put_site(&app, &admin, &with_dutch, None).await;
    let before = expect_json(app.get("/api/v1/admin/site").bearer_auth(&admin), 200).await;
    let mut kept = app
        .delete("/api/v1/admin/locales/nl")
        .bearer_auth(&admin)
        .send()
        .await
        .unwrap();
    assert_problem(&mut kept, 409).await;
    let after = expect_json(app.get("/api/v1/admin/site").bearer_auth(&admin), 200).await;
    assert_eq!(after, before);
}
