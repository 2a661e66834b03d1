//! Reads of articles: counted once per reader per article and hour, added up in memory and
//! written in batches, and the most-read lists (`sort=popular`) ranked by them.

use std::time::{Duration, Instant};

use diesel::prelude::*;
use serde_json::{Value, json};

use crate::fixtures::{article_body, create_article, draft_article, metric, newsroom};
use crate::helpers::{TestApp, assert_problem, concurrently, expect_json, spawn_app_with};

/// A server that believes `X-Forwarded-For` from the tests (one address per reader) and writes
/// reads every second.
async fn app() -> TestApp {
    spawn_app_with(|env| {
        env.insert("TRUSTED_PROXIES".into(), "127.0.0.1/32,::1/128".into());
        env.insert("VIEWS_FLUSH_SECONDS".into(), "1".into());
        env.insert("RATE_LIMIT_VIEWS_PER_IP".into(), "1000".into());
    })
    .await
}

/// Records a read of `article` from `address`; the status.
async fn view(app: &TestApp, article: &str, address: &str) -> u16 {
    app.post(&format!("/api/v1/articles/{article}/views"))
        .insert_header(("X-Forwarded-For", address))
        .send()
        .await
        .unwrap()
        .status()
        .as_u16()
}

/// The reads of `article` written to the database.
fn stored_reads(app: &TestApp, article: i64) -> i64 {
    use newsroom_cms::db::schema::article_reads;
    article_reads::table
        .filter(article_reads::article_id.eq(article))
        .select(article_reads::count)
        .load::<i32>(&mut **app.pool().get().unwrap())
        .unwrap()
        .into_iter()
        .map(i64::from)
        .sum()
}

/// Waits until `article` has `reads` stored.
async fn until_stored(app: &TestApp, article: i64, reads: i64) {
    let started = Instant::now();
    while stored_reads(app, article) != reads {
        assert!(
            started.elapsed() < Duration::from_secs(5),
            "{article}: {} reads stored, not {reads}",
            stored_reads(app, article)
        );
        actix_web::rt::time::sleep(Duration::from_millis(100)).await;
    }
}

#[actix_web::test]
async fn readers_count_once_an_hour_and_the_most_read_come_first() {
    let app = app().await;
    let room = newsroom(&app).await;
    let mut ids = Vec::new();
    for title in ["Read a lot", "Read a little", "Not read"] {
        let article =
            create_article(&app, &room.editor, &article_body(&room, title, "published")).await;
        ids.push(article["id"].as_i64().unwrap());
    }
    let (a, b) = (ids[0], ids[1]);
    for n in 1..=5 {
        assert_eq!(
            view(&app, &a.to_string(), &format!("10.0.0.{n}")).await,
            204
        );
    }
    // By slug too; the same reader again within the hour does not count.
    assert_eq!(view(&app, "read-a-little", "10.0.1.1").await, 204);
    assert_eq!(view(&app, "read-a-little", "10.0.1.2").await, 204);
    assert_eq!(view(&app, "read-a-little", "10.0.1.2").await, 204);
    // A token's reader is the account or visitor, whatever the address.
    let visitor = app.visitor_token().await;
    for address in ["10.0.2.1", "10.0.2.2"] {
        let response = app
            .post(&format!("/api/v1/articles/{b}/views"))
            .bearer_auth(&visitor)
            .insert_header(("X-Forwarded-For", address))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status().as_u16(), 204);
    }
    // Nothing to read: a draft, a missing article, a bad token.
    let draft = draft_article(&app, &room).await;
    assert_eq!(view(&app, &draft.to_string(), "10.0.3.1").await, 404);
    assert_eq!(view(&app, "no-such-article", "10.0.3.1").await, 404);
    let mut bad = app
        .post(&format!("/api/v1/articles/{a}/views"))
        .bearer_auth("not-a-token")
        .send()
        .await
        .unwrap();
    assert_problem(&mut bad, 401).await;

    until_stored(&app, a, 5).await;
    until_stored(&app, b, 3).await;
    let list = expect_json(app.get("/api/v1/articles?sort=popular&locale=en"), 200).await;
    let listed: Vec<i64> = list["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|card| card["id"].as_i64().unwrap())
        .collect();
    assert_eq!(listed, [a, b], "{list}");
    assert_eq!(list["meta"]["total"], 2);
    let week = expect_json(
        app.get("/api/v1/articles?sort=popular&window=7d&per_page=1"),
        200,
    )
    .await;
    assert_eq!(week["data"][0]["id"], a, "{week}");
    assert_eq!(week["meta"]["total_pages"], 2);
    let second = expect_json(
        app.get("/api/v1/articles?sort=popular&window=30d&per_page=1&page=2"),
        200,
    )
    .await;
    assert_eq!(second["data"][0]["id"], b, "{second}");
    // Narrowed like any list: a category nobody read in gives nothing.
    let narrowed = expect_json(
        app.get(&format!(
            "/api/v1/articles?sort=popular&category={}",
            room.subcategory
        )),
        200,
    )
    .await;
    assert_eq!(narrowed["data"], json!([]), "{narrowed}");

    for path in [
        "/api/v1/articles?window=24h",
        "/api/v1/articles?sort=popular&window=1y",
        "/api/v1/articles?sort=popular&cursor=abc",
    ] {
        let mut response = app.get(path).send().await.unwrap();
        assert_problem(&mut response, 422).await;
    }
}

#[actix_web::test]
async fn ten_thousand_reads_at_once_arrive_exactly_in_a_few_writes() {
    let app = app().await;
    let room = newsroom(&app).await;
    let article = create_article(
        &app,
        &room.editor,
        &article_body(&room, "Crowd", "published"),
    )
    .await;
    let id = article["id"].as_i64().unwrap();
    let writes_before = metric(&app, "article_reads_writes_total").await;
    let started = Instant::now();
    let mut statuses: Vec<u16> = Vec::new();
    for batch in 0..50 {
        let reads: Vec<_> = (0..200)
            .map(|n| {
                let request = app
                    .post(&format!("/api/v1/articles/{id}/views"))
                    .insert_header((
                        "X-Forwarded-For",
                        format!("10.{batch}.{}.{}", n / 200, n % 200),
                    ));
                async move { request.send().await.unwrap().status().as_u16() }
            })
            .collect();
        statuses.extend(concurrently(reads).await);
    }
    assert!(statuses.iter().all(|status| *status == 204));
    until_stored(&app, id, 10_000).await;
    let writes = metric(&app, "article_reads_writes_total").await - writes_before;
    let seconds = started.elapsed().as_secs() as i64 + 2;
    assert!(
        writes <= seconds,
        "{writes} writes for 10,000 reads over {seconds} s: one per flush at most"
    );
    assert_eq!(metric(&app, "article_reads_counted_total").await, 10_000);
    let list: Value = expect_json(app.get("/api/v1/articles?sort=popular"), 200).await;
    assert_eq!(list["data"][0]["id"], id);
}
