//! The served OpenAPI document equals the committed one, and the docs page works offline.

use crate::helpers::{expect_json, header, json_body, spawn_app};

const COMMITTED: &str = include_str!("../../openapi/openapi.json");

#[actix_web::test]
async fn the_served_document_equals_the_committed_file() {
    let app = spawn_app().await;
    let served = expect_json(app.get("/openapi.json"), 200).await;
    let committed: serde_json::Value = serde_json::from_str(COMMITTED).unwrap();
    assert!(
        served == committed,
        "openapi/openapi.json is stale: regenerate it with `cargo run -- openapi > openapi/openapi.json`"
    );
}

#[actix_web::test]
async fn the_document_declares_the_bearer_scheme_and_every_route() {
    let app = spawn_app().await;
    let mut response = app.get("/openapi.json").send().await.unwrap();
    let document = json_body(&mut response).await;
    assert_eq!(document["openapi"], "3.1.0");
    let bearer = &document["components"]["securitySchemes"]["bearer"];
    assert_eq!(bearer["type"], "http");
    assert_eq!(bearer["scheme"], "bearer");
    assert_eq!(bearer["bearerFormat"], "JWT");
    for path in [
        "/healthz",
        "/readyz",
        "/metrics",
        "/openapi.json",
        "/api/v1/locales",
    ] {
        let operation = &document["paths"][path]["get"];
        assert!(operation.is_object(), "{path} is documented");
        assert!(
            operation["responses"]["200"].is_object(),
            "{path} documents 200"
        );
    }
    let protected = [
        ("/api/v1/auth/me", "get"),
        ("/api/v1/auth/me", "patch"),
        ("/api/v1/admin/users", "get"),
        ("/api/v1/admin/users", "post"),
        ("/api/v1/admin/users/{id}", "get"),
        ("/api/v1/admin/users/{id}", "patch"),
        ("/api/v1/admin/users/{id}", "delete"),
    ];
    for (path, method) in protected {
        let operation = &document["paths"][path][method];
        assert_eq!(
            operation["security"],
            serde_json::json!([{"bearer": []}]),
            "{method} {path}"
        );
        assert!(
            operation["responses"]["401"].is_object(),
            "{method} {path} documents 401"
        );
    }
    for (path, statuses) in [
        (
            "/api/v1/auth/register",
            &["201", "403", "409", "422", "429"][..],
        ),
        ("/api/v1/auth/login", &["200", "401", "422", "429"][..]),
        ("/api/v1/auth/refresh", &["200", "401", "429"][..]),
        ("/api/v1/auth/logout", &["204"][..]),
        ("/api/v1/auth/visitor", &["201", "429"][..]),
    ] {
        let operation = &document["paths"][path]["post"];
        assert!(operation["security"].is_null(), "{path} needs no token");
        for status in statuses {
            assert!(
                operation["responses"][status].is_object(),
                "{path} documents {status}"
            );
        }
    }
    let problem = &document["components"]["schemas"]["Problem"];
    assert!(
        problem["properties"]["type"].is_object(),
        "Problem schema: {problem}"
    );
    assert!(
        document["paths"]["/api/v1/locales"]["get"]["responses"]["503"]["content"]
            ["application/problem+json"]
            .is_object()
    );
}

#[actix_web::test]
async fn the_docs_page_and_its_assets_are_served_locally() {
    let app = spawn_app().await;
    let response = app.get("/docs").send().await.unwrap();
    assert_eq!(response.status().as_u16(), 307);
    assert_eq!(header(&response, "location").as_deref(), Some("/docs/"));

    let mut page = app.get("/docs/").send().await.unwrap();
    assert_eq!(page.status().as_u16(), 200);
    let html = String::from_utf8(page.body().await.unwrap().to_vec()).unwrap();
    assert!(html.contains("swagger-ui"), "{html}");

    let mut config = app
        .get("/docs/swagger-initializer.js")
        .send()
        .await
        .unwrap();
    assert_eq!(config.status().as_u16(), 200);
    let script = String::from_utf8(config.body().await.unwrap().to_vec()).unwrap();
    assert!(script.contains("/openapi.json"), "{script}");

    let mut bundle = app.get("/docs/swagger-ui-bundle.js").send().await.unwrap();
    assert_eq!(bundle.status().as_u16(), 200);
    assert!(bundle.body().limit(16 << 20).await.unwrap().len() > 100_000);
}
