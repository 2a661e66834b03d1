//! Every failure is an RFC 9457 problem: framework errors, extractor errors, unknown routes.

use std::sync::Arc;

use actix_web::{HttpResponse, web};
use serde::Deserialize;
use serde_json::json;

use crate::helpers::{assert_problem, header, json_body, spawn_app, spawn_app_with};

/// A body with the shape a real write endpoint has: typed fields, unknown ones refused.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
#[expect(dead_code, reason = "only deserialised")]
struct Probe {
    name: String,
    count: u32,
}

/// A query string with a typed parameter.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
#[expect(dead_code, reason = "only deserialised")]
struct ProbeQuery {
    page: u32,
}

async fn probe(_: web::Json<Probe>) -> HttpResponse {
    HttpResponse::NoContent().finish()
}

async fn probe_query(_: web::Query<ProbeQuery>) -> HttpResponse {
    HttpResponse::NoContent().finish()
}

async fn probe_id(_: web::Path<i64>) -> HttpResponse {
    HttpResponse::NoContent().finish()
}

/// A server with probe routes that read a JSON body, a query and a typed path, through the
/// application's own extractor configuration and middleware.
async fn spawn_probe_app() -> crate::helpers::TestApp {
    let extra: newsroom_cms::startup::ExtraRoutes = Arc::new(|config: &mut web::ServiceConfig| {
        config
            .route("/probe", web::post().to(probe))
            .route("/probe-query", web::get().to(probe_query))
            .route("/probe/{id}", web::get().to(probe_id));
    });
    spawn_app_with(|_| {}, Some(extra)).await
}

#[actix_web::test]
async fn a_valid_body_passes_the_extractor() {
    let app = spawn_probe_app().await;
    let response = app
        .post("/probe")
        .send_json(&json!({"name": "a", "count": 1}))
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 204);
}

#[actix_web::test]
async fn malformed_json_is_400() {
    let app = spawn_probe_app().await;
    let mut response = app
        .post("/probe")
        .insert_header(("content-type", "application/json"))
        .send_body("{\"name\": ")
        .await
        .unwrap();
    let body = assert_problem(&mut response, 400).await;
    assert_eq!(body["type"], "/problems/bad-request");
    assert!(!body["detail"].as_str().unwrap().contains("line"), "{body}");
}

#[actix_web::test]
async fn wrong_types_are_422_naming_the_problem() {
    let app = spawn_probe_app().await;
    let mut response = app
        .post("/probe")
        .send_json(&json!({"name": "a", "count": "many"}))
        .await
        .unwrap();
    let body = assert_problem(&mut response, 422).await;
    assert_eq!(body["type"], "/problems/validation-failed");
    assert!(
        body["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("invalid type"),
        "{body}"
    );
}

#[actix_web::test]
async fn unknown_fields_are_422_naming_the_field() {
    let app = spawn_probe_app().await;
    let mut response = app
        .post("/probe")
        .send_json(&json!({"name": "a", "count": 1, "role": "admin"}))
        .await
        .unwrap();
    let body = assert_problem(&mut response, 422).await;
    assert_eq!(body["errors"][0]["field"], "role", "{body}");
}

#[actix_web::test]
async fn missing_fields_are_422_naming_the_field() {
    let app = spawn_probe_app().await;
    let mut response = app
        .post("/probe")
        .send_json(&json!({"name": "a"}))
        .await
        .unwrap();
    let body = assert_problem(&mut response, 422).await;
    assert_eq!(body["errors"][0]["field"], "count", "{body}");
}

#[actix_web::test]
async fn bodies_over_the_limit_are_413() {
    let app = spawn_probe_app().await;
    let name = "x".repeat(1_100_000);
    let mut response = app
        .post("/probe")
        .send_json(&json!({"name": name, "count": 1}))
        .await
        .unwrap();
    assert_problem(&mut response, 413).await;
}

#[actix_web::test]
async fn the_json_limit_is_configurable() {
    let extra: newsroom_cms::startup::ExtraRoutes = Arc::new(|config: &mut web::ServiceConfig| {
        config.route("/probe", web::post().to(probe));
    });
    let app = spawn_app_with(
        |env| {
            env.insert("JSON_BODY_LIMIT".into(), "2048".into());
        },
        Some(extra),
    )
    .await;
    let mut response = app
        .post("/probe")
        .send_json(&json!({"name": "x".repeat(3000), "count": 1}))
        .await
        .unwrap();
    assert_problem(&mut response, 413).await;
}

#[actix_web::test]
async fn wrong_content_types_are_415() {
    let app = spawn_probe_app().await;
    let mut response = app
        .post("/probe")
        .insert_header(("content-type", "text/plain"))
        .send_body(r#"{"name": "a", "count": 1}"#)
        .await
        .unwrap();
    assert_problem(&mut response, 415).await;

    let mut response = app
        .post("/probe")
        .send_body(r#"{"name": "a", "count": 1}"#)
        .await
        .unwrap();
    assert_problem(&mut response, 415).await;
}

#[actix_web::test]
async fn bad_query_strings_are_422() {
    let app = spawn_probe_app().await;
    let mut response = app.get("/probe-query?page=abc").send().await.unwrap();
    let body = assert_problem(&mut response, 422).await;
    assert_eq!(body["type"], "/problems/validation-failed");

    let mut response = app.get("/probe-query?page=1&admin=1").send().await.unwrap();
    let body = assert_problem(&mut response, 422).await;
    assert_eq!(body["errors"][0]["field"], "admin", "{body}");
}

#[actix_web::test]
async fn path_segments_of_the_wrong_shape_are_404() {
    let app = spawn_probe_app().await;
    let mut response = app.get("/probe/not-a-number").send().await.unwrap();
    assert_problem(&mut response, 404).await;
    let response = app.get("/probe/12").send().await.unwrap();
    assert_eq!(response.status().as_u16(), 204);
}

#[actix_web::test]
async fn unknown_routes_are_404_problems() {
    let app = spawn_app().await;
    for path in [
        "/nope",
        "/api/v1/nope",
        "/api/v2/locales",
        "/api/v1/locales/extra/segments",
    ] {
        let mut response = app.get(path).send().await.unwrap();
        let body = assert_problem(&mut response, 404).await;
        assert_eq!(body["type"], "/problems/not-found");
    }
}

#[actix_web::test]
async fn wrong_methods_are_405_with_allow() {
    let app = spawn_app().await;
    for method in ["POST", "PUT", "PATCH", "DELETE"] {
        let mut response = app
            .client
            .request(method.parse().unwrap(), app.url("/api/v1/locales"))
            .send()
            .await
            .unwrap();
        let body = assert_problem(&mut response, 405).await;
        assert_eq!(body["type"], "/problems/method-not-allowed");
        assert_eq!(header(&response, "allow").as_deref(), Some("GET"));
    }
}

#[actix_web::test]
async fn a_wrong_method_with_a_huge_body_is_still_a_problem() {
    let app = spawn_app().await;
    let mut response = app
        .post("/api/v1/locales")
        .insert_header(("content-type", "application/json"))
        .send_body(vec![b'x'; 4 << 20])
        .await
        .unwrap();
    let status = response.status().as_u16();
    assert!(status == 405 || status == 413, "status {status}");
    let body = json_body(&mut response).await;
    assert_eq!(body["status"], status);
}
