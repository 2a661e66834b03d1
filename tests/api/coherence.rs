//! Instances on one PostgreSQL database keep their caches coherent: a write through one is
//! seen through the others within a second, cached reads and settings kept in memory included,
//! and a lost listener session reconnects. (SQLite is one process: these tests need
//! PostgreSQL and pass trivially without it.)

use std::time::{Duration, Instant};

use serde_json::{Value, json};

use crate::fixtures::{article_body, create_article, metric, newsroom};
use crate::helpers::{
    TestApp, header, json_body, on_postgres, send_json_expect, spawn_app, spawn_beside,
    spawn_beside_with,
};

/// Reads `path` from `app` until `shows` accepts the body; panics after `within`. Returns how
/// long it took.
async fn until(
    app: &TestApp,
    path: &str,
    within: Duration,
    shows: impl Fn(&Value) -> bool,
) -> Duration {
    let started = Instant::now();
    loop {
        let mut response = app.get(path).send().await.unwrap();
        if shows(&json_body(&mut response).await) {
            return started.elapsed();
        }
        assert!(
            started.elapsed() < within,
            "{path} still stale after {within:?}"
        );
        actix_web::rt::time::sleep(Duration::from_millis(20)).await;
    }
}

#[actix_web::test]
async fn a_write_through_one_instance_is_seen_through_another_within_a_second() {
    if !on_postgres() {
        return;
    }
    let a = spawn_app().await;
    let b = spawn_beside(&a);
    let room = newsroom(&a).await;
    let mut body = article_body(&room, "Seen everywhere", "published");
    body["translations"]["en"]["status"] = json!("published");
    let article = create_article(&a, &room.editor, &body).await;
    let id = article["id"].as_i64().unwrap();
    let read = format!("/api/v1/articles/{id}?locale=en");
    let categories = "/api/v1/categories?locale=en";
    // B keeps these (once the purges of A's setup writes have reached it).
    for path in [read.as_str(), categories, "/api/v1/locales"] {
        let started = Instant::now();
        loop {
            b.get(path).send().await.unwrap();
            let again = b.get(path).send().await.unwrap();
            if header(&again, "x-cache").as_deref() == Some("HIT") {
                break;
            }
            assert!(
                started.elapsed() < Duration::from_secs(2),
                "{path} never cached"
            );
            actix_web::rt::time::sleep(Duration::from_millis(50)).await;
        }
    }
    let started = Instant::now();
    while metric(&b, "cache_listener_connected").await != 1 {
        assert!(
            started.elapsed() < Duration::from_secs(5),
            "B never listened"
        );
        actix_web::rt::time::sleep(Duration::from_millis(20)).await;
    }

    // An article edit through A.
    send_json_expect(
        a.put(&format!("/api/v1/admin/articles/{id}/translations/en"))
            .bearer_auth(&room.editor),
        &json!({"title": "Seen everywhere, edited", "body": "<p>x</p>", "status": "published"}),
        200,
    )
    .await;
    let took = until(&b, &read, Duration::from_secs(1), |body| {
        body["data"]["title"] == "Seen everywhere, edited"
    })
    .await;
    assert!(took < Duration::from_secs(1), "{took:?}");

    // A category rename through A: B's cached tree and its categories in memory.
    send_json_expect(
        a.patch(&format!("/api/v1/admin/categories/{}", room.category))
            .bearer_auth(&room.editor),
        &json!({"translations": {"en": {"name": "Steppe", "slug": "steppe"}}}),
        200,
    )
    .await;
    until(&b, categories, Duration::from_secs(1), |body| {
        body["data"][0]["name"] == "Steppe"
    })
    .await;
    until(&b, &read, Duration::from_secs(1), |body| {
        body["data"]["category"]["name"] == "Steppe"
    })
    .await;

    // A new locale through A: B's locales in memory.
    let admin = a.admin_token().await;
    send_json_expect(
        a.post("/api/v1/admin/locales").bearer_auth(&admin),
        &json!({"code": "de"}),
        201,
    )
    .await;
    until(&b, "/api/v1/locales", Duration::from_secs(1), |body| {
        body["data"]
            .as_array()
            .is_some_and(|locales| locales.iter().any(|l| l["code"] == "de"))
    })
    .await;
    // …and in the locales it keeps in memory: `?locale=de` is a site locale now.
    until(
        &b,
        "/api/v1/categories?locale=de",
        Duration::from_secs(1),
        |body| body["data"][0]["fallback"] == true,
    )
    .await;

    // A reader's comment through A shows in B's cached thread.
    let thread = format!("/api/v1/articles/{id}/comments");
    b.get(&thread).send().await.unwrap();
    let (_, _, reader) = a.user_with_role("reader").await;
    send_json_expect(
        a.post(&thread).bearer_auth(&reader),
        &json!({"body": "Heard on every instance"}),
        201,
    )
    .await;
    until(&b, &thread, Duration::from_secs(1), |body| {
        body["meta"]["total"] == 1
    })
    .await;

    // B loses its listener session: it reconnects and stays coherent.
    let connects = metric(&b, "cache_listener_connects_total").await;
    let name = a.database().postgres_name().unwrap().to_owned();
    a.database().admin_sql(&format!(
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity \
         WHERE datname = '{name}' AND query LIKE 'LISTEN%'"
    ));
    let started = Instant::now();
    while metric(&b, "cache_listener_connects_total").await <= connects {
        assert!(
            started.elapsed() < Duration::from_secs(5),
            "B never reconnected"
        );
        actix_web::rt::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(metric(&b, "cache_listener_connected").await, 1);
    b.get(&read).send().await.unwrap();
    send_json_expect(
        a.put(&format!("/api/v1/admin/articles/{id}/translations/en"))
            .bearer_auth(&room.editor),
        &json!({"title": "After the reconnect", "body": "<p>x</p>", "status": "published"}),
        200,
    )
    .await;
    until(&b, &read, Duration::from_secs(1), |body| {
        body["data"]["title"] == "After the reconnect"
    })
    .await;
    drop(b);
}

#[actix_web::test]
async fn an_instance_that_rebuilds_the_read_model_at_start_purges_the_others() {
    if !on_postgres() {
        return;
    }
    let a = spawn_app().await;
    let room = newsroom(&a).await;
    let article = create_article(
        &a,
        &room.editor,
        &article_body(&room, "Rebuilt elsewhere", "published"),
    )
    .await;
    let read = format!("/api/v1/articles/{}?locale=en", article["id"]);
    let started = Instant::now();
    while metric(&a, "cache_listener_connected").await != 1 {
        assert!(
            started.elapsed() < Duration::from_secs(5),
            "A never listened"
        );
        actix_web::rt::time::sleep(Duration::from_millis(20)).await;
    }
    loop {
        a.get(&read).send().await.unwrap();
        let again = a.get(&read).send().await.unwrap();
        if header(&again, "x-cache").as_deref() == Some("HIT") {
            break;
        }
        assert!(started.elapsed() < Duration::from_secs(5), "never cached");
        actix_web::rt::time::sleep(Duration::from_millis(50)).await;
    }
    // Another instance starts with another site address: it rebuilds the views, and A's
    // cached read of the old ones goes.
    let _b = spawn_beside_with(&a, |env| {
        env.insert("SITE_URL".into(), "https://www.example.be".into());
    });
    until(&a, &read, Duration::from_secs(2), |body| {
        body["data"]["url"]
            .as_str()
            .is_some_and(|url| url.starts_with("https://www.example.be/"))
    })
    .await;
}
