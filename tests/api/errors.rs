//! Every failure is an RFC 9457 problem: framework errors, extractor errors, unknown routes.

use serde_json::json;

use crate::helpers::{assert_problem, header, json_body, spawn_app, spawn_app_with};

const LOGIN: &str = "/api/v1/auth/login";

#[actix_web::test]
async fn malformed_json_is_400() {
    let app = spawn_app().await;
    let mut response = app
        .post(LOGIN)
        .insert_header(("content-type", "application/json"))
        .send_body("{\"email\": ")
        .await
        .unwrap();
    let body = assert_problem(&mut response, 400).await;
    assert_eq!(body["type"], "/problems/bad-request");
    assert!(!body["detail"].as_str().unwrap().contains("line"), "{body}");
}

#[actix_web::test]
async fn wrong_types_are_422_naming_the_problem() {
    let app = spawn_app().await;
    let mut response = app
        .post(LOGIN)
        .send_json(&json!({"email": 7, "password": "password-1"}))
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
    let app = spawn_app().await;
    let mut response = app
        .post(LOGIN)
        .send_json(&json!({"email": "a@b.test", "password": "password-1", "role": "admin"}))
        .await
        .unwrap();
    let body = assert_problem(&mut response, 422).await;
    assert_eq!(body["errors"][0]["field"], "role", "{body}");
}

#[actix_web::test]
async fn missing_fields_are_422_naming_the_field() {
    let app = spawn_app().await;
    let mut response = app
        .post(LOGIN)
        .send_json(&json!({"email": "a@b.test"}))
        .await
        .unwrap();
    let body = assert_problem(&mut response, 422).await;
    assert_eq!(body["errors"][0]["field"], "password", "{body}");
}

#[actix_web::test]
async fn bodies_over_the_limit_are_413() {
    let app = spawn_app().await;
    let mut response = app
        .post(LOGIN)
        .send_json(&json!({"email": "a@b.test", "password": "x".repeat(1_100_000)}))
        .await
        .unwrap();
    assert_problem(&mut response, 413).await;
}

#[actix_web::test]
async fn the_json_limit_is_configurable() {
    let app = spawn_app_with(|env| {
        env.insert("JSON_BODY_LIMIT".into(), "2048".into());
    })
    .await;
    let mut response = app
        .post(LOGIN)
        .send_json(&json!({"email": "a@b.test", "password": "x".repeat(3000)}))
        .await
        .unwrap();
    assert_problem(&mut response, 413).await;
    let response = app
        .post(LOGIN)
        .send_json(&json!({"email": "a@b.test", "password": "x".repeat(1000)}))
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 401, "under the limit");
}

#[actix_web::test]
async fn wrong_content_types_are_415() {
    let app = spawn_app().await;
    let body = r#"{"email": "a@b.test", "password": "password-1"}"#;
    let mut response = app
        .post(LOGIN)
        .insert_header(("content-type", "text/plain"))
        .send_body(body)
        .await
        .unwrap();
    assert_problem(&mut response, 415).await;

    let mut response = app.post(LOGIN).send_body(body).await.unwrap();
    assert_problem(&mut response, 415).await;
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
        assert_eq!(header(&response, "allow").as_deref(), Some("GET, HEAD"));
    }
    // A literal path beside a templated one (`/admin/comments/{id}`) is told apart too.
    let admin = app.admin_token().await;
    let mut response = app
        .patch("/api/v1/admin/comments/moderate")
        .bearer_auth(&admin)
        .send_json(&serde_json::json!({"status": "approved"}))
        .await
        .unwrap();
    assert_problem(&mut response, 405).await;
    assert_eq!(header(&response, "allow").as_deref(), Some("POST"));
    let mut response = app
        .patch("/api/v1/admin/comments/abc")
        .bearer_auth(&admin)
        .send_json(&serde_json::json!({"status": "approved"}))
        .await
        .unwrap();
    assert_problem(&mut response, 404).await;
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

#[actix_web::test]
async fn a_malformed_if_match_is_judged_after_the_caller_is() {
    let app = spawn_app().await;
    let (_, _, reader) = app.user_with_role("reader").await;
    let admin = app.admin_token().await;
    let path = "/api/v1/admin/categories/1";
    let mut response = app
        .patch(path)
        .insert_header(("if-match", "garbage"))
        .send_json(&json!({}))
        .await
        .unwrap();
    assert_problem(&mut response, 401).await;
    let mut response = app
        .patch(path)
        .bearer_auth(&reader)
        .insert_header(("if-match", "garbage"))
        .send_json(&json!({}))
        .await
        .unwrap();
    assert_problem(&mut response, 403).await;
    // Someone allowed to write learns that the value names no version.
    let mut response = app
        .delete("/api/v1/admin/tags/1")
        .bearer_auth(&admin)
        .insert_header(("if-match", "garbage"))
        .send()
        .await
        .unwrap();
    assert_problem(&mut response, 412).await;
}

#[actix_web::test]
async fn checks_of_a_whole_body_say_so_in_their_detail() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    let mut response = app
        .post("/api/v1/admin/categories")
        .bearer_auth(&admin)
        .send_json(&json!({"translations": {"xx": {"name": "Yok"}}}))
        .await
        .unwrap();
    let body = assert_problem(&mut response, 422).await;
    assert_eq!(body["detail"], "Some translations are not valid.", "{body}");
    assert_eq!(body["errors"][0]["field"], "translations.xx", "{body}");
    let mut response = app
        .post("/api/v1/auth/register")
        .send_json(&json!({"email": "not-an-email", "password": "a long password", "display_name": "Ayşe"}))
        .await
        .unwrap();
    let body = assert_problem(&mut response, 422).await;
    assert_eq!(body["detail"], "Some fields are not valid.", "{body}");
    assert_eq!(body["errors"][0]["field"], "email", "{body}");
}

#[actix_web::test]
async fn control_characters_and_bidi_overrides_are_refused_in_plain_text() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    let cases = [
        (
            "/api/v1/admin/tags",
            json!({"translations": {"en": {"name": "Kazak\u{0}istan"}}}),
            "translations.en.name",
        ),
        (
            "/api/v1/admin/tags",
            json!({"translations": {"en": {"name": "Bell\u{7}"}}}),
            "translations.en.name",
        ),
        (
            "/api/v1/admin/categories",
            json!({"translations": {"en": {"name": "Asia \u{202E}lartneC"}}}),
            "translations.en.name",
        ),
        (
            "/api/v1/admin/authors",
            json!({"name": "Ayşe \u{2066}Yılmaz\u{2069}"}),
            "name",
        ),
    ];
    for (path, body, field) in cases {
        let mut response = app
            .post(path)
            .bearer_auth(&admin)
            .send_json(&body)
            .await
            .unwrap();
        let problem = assert_problem(&mut response, 422).await;
        assert!(
            problem["errors"]
                .as_array()
                .unwrap()
                .iter()
                .any(|e| e["field"] == field),
            "{path} {body}: {problem}"
        );
    }
    // Nothing was stored.
    let tags =
        crate::helpers::expect_json(app.get("/api/v1/admin/tags").bearer_auth(&admin), 200).await;
    assert_eq!(tags["meta"]["total"], 0, "{tags}");
    let mut response = app
        .patch("/api/v1/auth/me")
        .bearer_auth(&admin)
        .send_json(&json!({"display_name": "Two\nlines"}))
        .await
        .unwrap();
    assert_problem(&mut response, 422).await;
    // Line breaks stay allowed where text has lines.
    let category = crate::helpers::send_json_expect(
        app.post("/api/v1/admin/categories").bearer_auth(&admin),
        &json!({"translations": {"en": {"name": "Asia", "description": "Two\nlines"}}}),
        201,
    )
    .await;
    assert_eq!(
        category["data"]["translations"]["en"]["description"],
        "Two\nlines"
    );
}

#[actix_web::test]
async fn a_body_that_does_not_arrive_in_time_is_408() {
    use std::io::{Read, Write};

    let app = spawn_app_with(|env| {
        env.insert("BODY_READ_TIMEOUT".into(), "1".into());
    })
    .await;
    let address = app
        .url("")
        .trim_start_matches("http://")
        .trim_end_matches('/')
        .to_owned();
    let started = std::time::Instant::now();
    let answer = actix_web::rt::task::spawn_blocking(move || {
        let mut stream = std::net::TcpStream::connect(address).unwrap();
        stream
            .set_read_timeout(Some(std::time::Duration::from_secs(10)))
            .unwrap();
        // A promised 100-byte body of which one byte ever arrives.
        stream
            .write_all(
                b"POST /api/v1/auth/login HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{",
            )
            .unwrap();
        let mut answer = Vec::new();
        let _ = stream.read_to_end(&mut answer);
        String::from_utf8_lossy(&answer).into_owned()
    })
    .await
    .unwrap();
    assert!(answer.starts_with("HTTP/1.1 408"), "{answer}");
    assert!(answer.contains("application/problem+json"), "{answer}");
    assert!(started.elapsed() < std::time::Duration::from_secs(8));
}

#[actix_web::test]
async fn if_match_takes_the_bare_version_as_well_as_the_etag() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    let tag = crate::helpers::send_json_expect(
        app.post("/api/v1/admin/tags").bearer_auth(&admin),
        &json!({"translations": {"en": {"name": "Energy"}}}),
        201,
    )
    .await;
    let path = format!("/api/v1/admin/tags/{}", tag["data"]["id"]);
    let body = json!({"translations": {"en": {"name": "Energy policy"}}});
    let mut stale = app
        .patch(&path)
        .bearer_auth(&admin)
        .insert_header(("if-match", "7"))
        .send_json(&body)
        .await
        .unwrap();
    assert_problem(&mut stale, 412).await;
    let version = tag["data"]["version"].to_string();
    let mut current = app
        .patch(&path)
        .bearer_auth(&admin)
        .insert_header(("if-match", version.as_str()))
        .send_json(&body)
        .await
        .unwrap();
    assert_eq!(
        current.status().as_u16(),
        200,
        "{}",
        json_body(&mut current).await
    );
    assert_eq!(header(&current, "etag").as_deref(), Some("\"2\""));
    let mut quoted_stale = app
        .patch(&path)
        .bearer_auth(&admin)
        .insert_header(("if-match", format!("\"{version}\"")))
        .send_json(&body)
        .await
        .unwrap();
    assert_problem(&mut quoted_stale, 412).await;
}

#[actix_web::test]
async fn head_answers_every_get_route_with_its_headers_and_no_body() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    for (path, token) in [
        ("/api/v1/locales", None),
        ("/api/v1/categories?locale=en", None),
        ("/healthz", None),
        ("/api/v1/admin/users", Some(admin.as_str())),
    ] {
        let with_token = |request: awc::ClientRequest| match token {
            Some(token) => request.bearer_auth(token),
            None => request,
        };
        let mut get = with_token(app.get(path)).send().await.unwrap();
        let body = get.body().await.unwrap();
        let mut head = with_token(app.client.head(app.url(path)))
            .send()
            .await
            .unwrap();
        assert_eq!(head.status().as_u16(), 200, "HEAD {path}");
        assert!(
            head.body().await.unwrap().is_empty(),
            "no body for HEAD {path}"
        );
        assert_eq!(
            header(&head, "content-length"),
            Some(body.len().to_string()),
            "HEAD {path} says how long the GET is"
        );
        for name in ["content-type", "etag", "cache-control"] {
            assert_eq!(header(&head, name), header(&get, name), "{name} of {path}");
        }
    }
    let mut head = app
        .client
        .head(app.url("/api/v1/admin/users"))
        .send()
        .await
        .unwrap();
    assert_eq!(head.status().as_u16(), 401, "HEAD is authorised like GET");
    assert!(head.body().await.unwrap().is_empty());
}
