//! Health, readiness (and recovery after an outage), metrics, request ids, 503 on an exhausted
//! pool.

use std::time::{Duration, Instant};

use crate::helpers::{assert_problem, expect_json, header, json_body, on_postgres, spawn_app};

#[actix_web::test]
async fn healthz_says_ok() {
    let app = spawn_app().await;
    let mut response = app.get("/healthz").send().await.unwrap();
    assert_eq!(response.status().as_u16(), 200);
    assert_eq!(
        json_body(&mut response).await,
        serde_json::json!({"status": "ok"})
    );
}

#[actix_web::test]
async fn readyz_says_ok_while_the_database_answers() {
    let app = spawn_app().await;
    assert_eq!(expect_json(app.get("/readyz"), 200).await["status"], "ok");
}

#[actix_web::test]
async fn an_exhausted_pool_answers_503_with_retry_after_then_recovers() {
    let app = spawn_app().await;
    let pool = app.pool().clone();
    let held: Vec<_> = (0..pool.max_size())
        .map(|_| pool.get().expect("a connection"))
        .collect();

    let mut response = app.get("/api/v1/locales").send().await.unwrap();
    let body = assert_problem(&mut response, 503).await;
    assert_eq!(body["type"], "/problems/service-unavailable");
    assert_eq!(header(&response, "retry-after").as_deref(), Some("1"));
    let detail = body["detail"].as_str().unwrap();
    assert!(
        !detail.contains("timed out") && !detail.contains("sqlite"),
        "opaque: {detail}"
    );

    let mut response = app.get("/readyz").send().await.unwrap();
    assert_problem(&mut response, 503).await;

    drop(held);
    let response = app.get("/api/v1/locales").send().await.unwrap();
    assert_eq!(response.status().as_u16(), 200);
}

/// A PostgreSQL outage: every connection is cut and new ones refused. Readiness and reads answer
/// 503 meanwhile, and recover without a restart once the database is back.
#[actix_web::test]
async fn a_database_outage_answers_503_and_recovers_without_restart() {
    if !on_postgres() {
        eprintln!("skipped: the outage test cuts PostgreSQL connections (TEST_DATABASE_URL)");
        return;
    }
    let app = spawn_app().await;
    let name = app.database().postgres_name().unwrap().to_owned();
    assert_eq!(
        app.get("/readyz").send().await.unwrap().status().as_u16(),
        200
    );

    app.database().admin_sql(&format!(
        "ALTER DATABASE {name} WITH ALLOW_CONNECTIONS false"
    ));
    app.database().admin_sql(&format!(
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '{name}'"
    ));

    let mut response = app.get("/readyz").send().await.unwrap();
    assert_problem(&mut response, 503).await;
    assert_eq!(header(&response, "retry-after").as_deref(), Some("1"));
    let mut response = app.get("/api/v1/locales").send().await.unwrap();
    let body = assert_problem(&mut response, 503).await;
    assert!(
        !body["detail"].as_str().unwrap().contains(&name),
        "no database internals"
    );
    assert_eq!(
        app.get("/healthz").send().await.unwrap().status().as_u16(),
        200
    );

    app.database().admin_sql(&format!(
        "ALTER DATABASE {name} WITH ALLOW_CONNECTIONS true"
    ));
    let deadline = Instant::now() + Duration::from_secs(15);
    loop {
        let status = app.get("/readyz").send().await.unwrap().status().as_u16();
        if status == 200 {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "readyz did not recover (last status {status})"
        );
        actix_web::rt::time::sleep(Duration::from_millis(200)).await;
    }
    let response = app.get("/api/v1/locales").send().await.unwrap();
    assert_eq!(response.status().as_u16(), 200);
}

/// A database restart while the server is quiet costs no failed request: a pooled connection
/// idle for over a second is checked before use.
#[actix_web::test]
async fn connections_cut_while_idle_cost_no_failed_request() {
    if !on_postgres() {
        eprintln!("skipped: cuts PostgreSQL connections (TEST_DATABASE_URL)");
        return;
    }
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    let name = app.database().postgres_name().unwrap().to_owned();
    for _ in 0..4 {
        assert_eq!(expect_json(app.get("/readyz"), 200).await["status"], "ok");
    }
    app.database().admin_sql(&format!(
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity \
         WHERE datname = '{name}' AND pid <> pg_backend_pid()"
    ));
    actix_web::rt::time::sleep(Duration::from_millis(1500)).await;
    for _ in 0..4 {
        assert_eq!(expect_json(app.get("/readyz"), 200).await["status"], "ok");
        expect_json(app.get("/api/v1/admin/users").bearer_auth(&admin), 200).await;
    }
}

#[actix_web::test]
async fn every_response_carries_a_request_id_kept_from_the_request() {
    let app = spawn_app().await;
    let response = app.get("/healthz").send().await.unwrap();
    let generated = header(&response, "x-request-id").expect("an id");
    assert_eq!(generated.len(), 36, "UUID-shaped: {generated}");
    let other = header(&app.get("/healthz").send().await.unwrap(), "x-request-id").unwrap();
    assert_ne!(generated, other);

    let response = app
        .get("/healthz")
        .insert_header(("x-request-id", "edge-42.abc"))
        .send()
        .await
        .unwrap();
    assert_eq!(
        header(&response, "x-request-id").as_deref(),
        Some("edge-42.abc")
    );

    let response = app
        .get("/nope")
        .insert_header(("x-request-id", "edge-43"))
        .send()
        .await
        .unwrap();
    assert_eq!(
        header(&response, "x-request-id").as_deref(),
        Some("edge-43"),
        "errors too"
    );

    let unsafe_id = "x".repeat(300);
    let response = app
        .get("/healthz")
        .insert_header(("x-request-id", unsafe_id.as_str()))
        .send()
        .await
        .unwrap();
    let replaced = header(&response, "x-request-id").unwrap();
    assert_eq!(replaced.len(), 36, "an oversized id is replaced");
}

#[actix_web::test]
async fn metrics_count_requests_by_route_and_status_and_show_the_pool() {
    let app = spawn_app().await;
    for _ in 0..3 {
        let _ = app
            .get("/api/v1/locales")
            .send()
            .await
            .unwrap()
            .body()
            .await;
    }
    let _ = app.get("/no/such/route").send().await.unwrap().body().await;

    let mut response = app.get("/metrics").send().await.unwrap();
    assert_eq!(response.status().as_u16(), 200);
    assert_eq!(
        header(&response, "content-type").as_deref(),
        Some("text/plain; version=0.0.4; charset=utf-8")
    );
    let text = String::from_utf8(response.body().await.unwrap().to_vec()).unwrap();
    assert!(
        text.contains(
            r#"http_requests_total{method="GET",route="/api/v1/locales",status="200"} 3"#
        ),
        "{text}"
    );
    assert!(
        text.contains(r#"http_requests_total{method="GET",route="unmatched",status="404"} 1"#),
        "raw unknown paths are not labels: {text}"
    );
    assert!(!text.contains("/no/such/route"));
    assert!(
        text.contains(
            r#"http_request_duration_seconds_count{method="GET",route="/api/v1/locales"} 3"#
        ),
        "{text}"
    );
    assert!(
        text.contains("http_request_duration_seconds_bucket{"),
        "{text}"
    );
    assert!(text.contains("db_pool_max_connections 4"), "{text}");
    assert!(text.contains("db_pool_connections "), "{text}");
    assert!(text.contains("db_pool_idle_connections "), "{text}");
}

#[actix_web::test]
async fn made_up_methods_do_not_grow_the_metrics() {
    let app = spawn_app().await;
    for i in 0..50 {
        let method = awc::http::Method::from_bytes(format!("M{i:0>2000}").as_bytes()).unwrap();
        let _ = app
            .client
            .request(method, app.url("/healthz"))
            .send()
            .await
            .unwrap()
            .body()
            .await;
    }
    let text = app
        .get("/metrics")
        .send()
        .await
        .unwrap()
        .body()
        .await
        .unwrap();
    let text = String::from_utf8(text.to_vec()).unwrap();
    assert!(!text.contains("M000"), "a made-up method is no label");
    assert!(
        text.contains(r#"http_requests_total{method="OTHER",route="/healthz",status="405"} 50"#),
        "{}",
        &text[..text.len().min(3000)]
    );
    assert!(
        text.len() < 20_000,
        "the exposition stays small: {} bytes",
        text.len()
    );
}

#[actix_web::test]
async fn a_locked_sqlite_database_answers_503_within_the_pool_timeout() {
    use diesel::connection::SimpleConnection;

    if crate::helpers::on_postgres() {
        return; // SQLite's single write lock; PostgreSQL locks rows.
    }
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    // Another process holds the write lock for 3 seconds, past the pool timeout (500 ms).
    let mut conn = app.pool().get().unwrap();
    conn.batch_execute("BEGIN IMMEDIATE;").unwrap();
    let release = std::thread::spawn(move || {
        std::thread::sleep(Duration::from_secs(3));
        conn.batch_execute("COMMIT;").unwrap();
    });
    let started = std::time::Instant::now();
    let mut response = app
        .post("/api/v1/admin/tags")
        .bearer_auth(&admin)
        .send_json(&serde_json::json!({"translations": {"en": {"name": "Waiting"}}}))
        .await
        .unwrap();
    crate::helpers::assert_problem(&mut response, 503).await;
    assert!(header(&response, "retry-after").is_some());
    assert!(
        started.elapsed() < Duration::from_millis(2500),
        "answered within the pool timeout, not after the lock: {:?}",
        started.elapsed()
    );
    release.join().unwrap();
    let response = app
        .post("/api/v1/admin/tags")
        .bearer_auth(&admin)
        .send_json(&serde_json::json!({"translations": {"en": {"name": "Waiting"}}}))
        .await
        .unwrap();
    assert_eq!(
        response.status().as_u16(),
        201,
        "writes go on once the lock is free"
    );
}

#[actix_web::test]
async fn metrics_can_be_kept_to_holders_of_a_token() {
    let app = crate::helpers::spawn_app_with(|env| {
        env.insert("METRICS_TOKEN".into(), "scrape-me-0123456789".into());
    })
    .await;
    let mut anonymous = app.get("/metrics").send().await.unwrap();
    assert_problem(&mut anonymous, 401).await;
    let mut wrong = app
        .get("/metrics")
        .bearer_auth("scrape-me-0123456788")
        .send()
        .await
        .unwrap();
    assert_problem(&mut wrong, 401).await;
    let right = app
        .get("/metrics")
        .bearer_auth("scrape-me-0123456789")
        .send()
        .await
        .unwrap();
    assert_eq!(right.status().as_u16(), 200);
}

#[actix_web::test]
async fn every_answer_carries_the_security_headers() {
    let app = crate::helpers::spawn_app_with(|env| {
        env.insert("HSTS".into(), "true".into());
    })
    .await;
    let admin = app.admin_token().await;
    let public = app.get("/api/v1/locales").send().await.unwrap();
    let missing = app.get("/no/such/route").send().await.unwrap();
    for response in [&public, &missing] {
        assert_eq!(
            header(response, "x-content-type-options").as_deref(),
            Some("nosniff")
        );
        assert_eq!(
            header(response, "referrer-policy").as_deref(),
            Some("no-referrer")
        );
        assert_eq!(
            header(response, "content-security-policy").as_deref(),
            Some("default-src 'none'; frame-ancestors 'none'")
        );
        assert_eq!(
            header(response, "strict-transport-security").as_deref(),
            Some("max-age=31536000; includeSubDomains")
        );
    }
    assert!(
        header(&public, "cache-control")
            .unwrap()
            .starts_with("public"),
        "public reads stay cacheable"
    );
    let docs = app.get("/docs/").send().await.unwrap();
    assert_eq!(docs.status().as_u16(), 200);
    let policy = header(&docs, "content-security-policy").unwrap();
    assert!(policy.starts_with("default-src 'self'"), "{policy}");
    for path in ["/api/v1/auth/me", "/api/v1/admin/users"] {
        let response = app.get(path).bearer_auth(&admin).send().await.unwrap();
        assert_eq!(response.status().as_u16(), 200, "{path}");
        assert_eq!(
            header(&response, "cache-control").as_deref(),
            Some("no-store"),
            "{path}"
        );
    }
    let plain = spawn_app().await;
    let response = plain.get("/healthz").send().await.unwrap();
    assert_eq!(
        header(&response, "strict-transport-security"),
        None,
        "HSTS only when asked"
    );
}

#[actix_web::test]
async fn browsers_on_other_origins_may_call_the_api() {
    let app = spawn_app().await;
    let preflight = app
        .client
        .request(awc::http::Method::OPTIONS, app.url("/api/v1/admin/tags/1"))
        .insert_header(("origin", "http://localhost:3000"))
        .insert_header(("access-control-request-method", "PATCH"))
        .insert_header((
            "access-control-request-headers",
            "authorization, content-type, if-match",
        ))
        .send()
        .await
        .unwrap();
    assert!(preflight.status().is_success(), "{}", preflight.status());
    assert_eq!(
        header(&preflight, "access-control-allow-origin").as_deref(),
        Some("*")
    );
    // The route's own methods, not every method of the API.
    let methods = header(&preflight, "access-control-allow-methods").unwrap();
    assert_eq!(methods, "DELETE, GET, HEAD, PATCH");
    let headers = header(&preflight, "access-control-allow-headers")
        .unwrap()
        .to_lowercase();
    for name in ["authorization", "content-type", "if-match"] {
        assert!(headers.contains(name), "{headers}");
    }
    assert_eq!(
        header(&preflight, "access-control-max-age").as_deref(),
        Some("86400")
    );
    let read = app
        .get("/api/v1/locales")
        .insert_header(("origin", "http://localhost:3000"))
        .send()
        .await
        .unwrap();
    assert_eq!(read.status().as_u16(), 200);
    assert_eq!(
        header(&read, "access-control-allow-origin").as_deref(),
        Some("*")
    );
    let exposed = header(&read, "access-control-expose-headers")
        .unwrap()
        .to_lowercase();
    for name in [
        "etag",
        "link",
        "location",
        "retry-after",
        "x-request-id",
        "content-language",
    ] {
        assert!(exposed.contains(name), "{exposed}");
    }
}

#[actix_web::test]
async fn cors_can_be_kept_to_listed_origins() {
    let app = crate::helpers::spawn_app_with(|env| {
        env.insert(
            "CORS_ALLOWED_ORIGINS".into(),
            "https://www.newsroom.test, https://admin.newsroom.test".into(),
        );
    })
    .await;
    for _ in 0..2 {
        // The second read comes from the response cache and says the same.
        let listed = app
            .get("/api/v1/locales")
            .insert_header(("origin", "https://admin.newsroom.test"))
            .send()
            .await
            .unwrap();
        assert_eq!(
            header(&listed, "access-control-allow-origin").as_deref(),
            Some("https://admin.newsroom.test")
        );
        assert!(
            header(&listed, "vary")
                .unwrap()
                .to_lowercase()
                .contains("origin")
        );
    }
    let other = app
        .get("/api/v1/locales")
        .insert_header(("origin", "https://evil.example"))
        .send()
        .await
        .unwrap();
    assert_eq!(header(&other, "access-control-allow-origin"), None);
}

#[actix_web::test]
async fn rate_limited_routes_say_how_much_is_left() {
    let app = crate::helpers::spawn_app_with(|env| {
        env.insert("RATE_LIMIT_VISITOR_PER_IP".into(), "3".into());
    })
    .await;
    let mut remaining = Vec::new();
    for _ in 0..3 {
        let response = app.post("/api/v1/auth/visitor").send().await.unwrap();
        assert_eq!(response.status().as_u16(), 201);
        assert_eq!(header(&response, "ratelimit-limit").as_deref(), Some("3"));
        remaining.push(header(&response, "ratelimit-remaining").unwrap());
        let reset: u64 = header(&response, "ratelimit-reset")
            .unwrap()
            .parse()
            .unwrap();
        assert!((1..=60).contains(&reset), "{reset}");
    }
    assert_eq!(remaining, ["2", "1", "0"]);
    let mut limited = app.post("/api/v1/auth/visitor").send().await.unwrap();
    assert_problem(&mut limited, 429).await;
    assert_eq!(
        header(&limited, "ratelimit-remaining").as_deref(),
        Some("0")
    );
    assert!(header(&limited, "retry-after").is_some());
    let unlimited = app.get("/api/v1/locales").send().await.unwrap();
    assert_eq!(header(&unlimited, "ratelimit-limit"), None);
}

/// The body of `response` decoded from the coding it names.
async fn decoded<S>(response: &mut awc::ClientResponse<S>) -> Vec<u8>
where
    S: futures_core::Stream<Item = Result<actix_web::web::Bytes, awc::error::PayloadError>> + Unpin,
{
    use std::io::Read;
    let body = response.body().limit(1 << 22).await.unwrap();
    let mut out = Vec::new();
    match header(response, "content-encoding").as_deref() {
        Some("br") => {
            brotli::Decompressor::new(&body[..], 4096)
                .read_to_end(&mut out)
                .unwrap();
        }
        Some("gzip") => {
            flate2::read::GzDecoder::new(&body[..])
                .read_to_end(&mut out)
                .unwrap();
        }
        Some("zstd") => out = zstd::stream::decode_all(&body[..]).unwrap(),
        None => out = body.to_vec(),
        Some(other) => panic!("unexpected coding {other}"),
    }
    out
}

#[actix_web::test]
async fn answers_are_compressed_as_the_client_asks_and_cached_once_per_coding() {
    let app = spawn_app().await;
    let room = crate::fixtures::newsroom(&app).await;
    for n in 0..5 {
        crate::fixtures::published_article(&app, &room, &format!("Tokayev interview {n}")).await;
    }
    let path = "/api/v1/articles?locale=en";
    let mut plain = app.get(path).send().await.unwrap();
    assert_eq!(header(&plain, "content-encoding"), None);
    assert!(
        header(&plain, "vary")
            .unwrap()
            .to_lowercase()
            .contains("accept-encoding")
    );
    let identity = plain.body().await.unwrap().to_vec();
    for coding in ["br", "gzip", "zstd"] {
        for round in ["first", "again"] {
            let mut response = app
                .get(path)
                .insert_header(("accept-encoding", coding))
                .send()
                .await
                .unwrap();
            assert_eq!(response.status().as_u16(), 200);
            assert_eq!(header(&response, "x-cache").as_deref(), Some("HIT"));
            assert_eq!(
                header(&response, "content-encoding").as_deref(),
                Some(coding),
                "{round}"
            );
            let vary = header(&response, "vary").unwrap().to_lowercase();
            assert!(vary.contains("accept-encoding"), "{vary}");
            let raw_len = header(&response, "content-length").map(|v| v.parse::<usize>().unwrap());
            let body = decoded(&mut response).await;
            assert_eq!(body, identity, "{coding} {round}");
            if let Some(len) = raw_len {
                assert!(
                    len < identity.len() / 2,
                    "{coding}: {len} of {}",
                    identity.len()
                );
            }
        }
    }
    // Preference by quality: gzip wanted more than br.
    let response = app
        .get(path)
        .insert_header(("accept-encoding", "br;q=0.5, gzip"))
        .send()
        .await
        .unwrap();
    assert_eq!(
        header(&response, "content-encoding").as_deref(),
        Some("gzip")
    );

    // A client that accepts no coding on offer gets a problem, uncompressed.
    let mut refused = app
        .get(path)
        .insert_header(("accept-encoding", "identity;q=0, *;q=0"))
        .send()
        .await
        .unwrap();
    assert_problem(&mut refused, 406).await;

    // Answers the cache doesn't keep are compressed too.
    let admin = app.admin_token().await;
    let mut response = app
        .get("/api/v1/admin/articles")
        .bearer_auth(&admin)
        .insert_header(("accept-encoding", "gzip"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 200);
    assert_eq!(
        header(&response, "content-encoding").as_deref(),
        Some("gzip")
    );
    let body: serde_json::Value = serde_json::from_slice(&decoded(&mut response).await).unwrap();
    assert_eq!(body["data"].as_array().unwrap().len(), 5);
}
