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
        assert_eq!(
            operation["security"],
            serde_json::json!([]),
            "{path} says it needs no token"
        );
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

#[actix_web::test]
async fn every_operation_says_its_security_describes_itself_and_declares_what_it_can_answer() {
    let app = spawn_app().await;
    let document = expect_json(app.get("/openapi.json"), 200).await;
    assert_eq!(document["servers"][0]["url"], "/");
    for name in document["components"]["schemas"]
        .as_object()
        .unwrap()
        .keys()
    {
        assert!(
            ["BTreeMap", "HashMap", "Vec", "Option", "<"]
                .iter()
                .all(|rust| !name.contains(rust)),
            "schema named after a Rust type: {name}"
        );
    }
    let mut operations = 0;
    for (path, item) in document["paths"].as_object().unwrap() {
        for (method, operation) in item.as_object().unwrap() {
            operations += 1;
            let at = format!("{method} {path}");
            assert!(operation["security"].is_array(), "{at}: security");
            let description = operation["description"].as_str().unwrap_or_default();
            assert!(!description.is_empty(), "{at}: description");
            let responses = &operation["responses"];
            let parameters = operation["parameters"]
                .as_array()
                .cloned()
                .unwrap_or_default();
            let has = |place: &str, name: &str| {
                parameters
                    .iter()
                    .any(|p| p["in"] == place && p["name"] == name)
            };
            if parameters.iter().any(|p| p["in"] == "query") {
                assert!(responses["422"].is_object(), "{at}: 422 for the query");
            }
            if operation["requestBody"].is_object() {
                for status in ["400", "408", "413", "415", "422"] {
                    assert!(responses[status].is_object(), "{at}: {status}");
                }
            }
            if responses["304"].is_object() {
                assert!(has("header", "If-None-Match"), "{at}: If-None-Match");
            }
            if operation["security"] != serde_json::json!([]) {
                assert!(responses["401"].is_object(), "{at}: 401");
            }
            if path.starts_with("/api/") {
                assert!(responses["503"].is_object(), "{at}: 503");
            }
        }
    }
    assert!(operations > 70, "{operations} operations");
}
