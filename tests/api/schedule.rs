//! Scheduled publishing and unpublishing: on time (within a second), exactly once with several
//! instances, and applied at start when it came due while no instance ran.

use std::time::{Duration, Instant};

use chrono::Utc;
use serde_json::{Value, json};

use crate::fixtures::{article_body, article_by, create_article, metric, newsroom, writer};
use crate::helpers::{
    TestApp, assert_problem, expect_json, json_body, on_postgres, send_json_expect, spawn_app,
    spawn_beside, spawn_on, test_env,
};

/// RFC 3339 for `seconds` from now.
fn in_seconds(seconds: f64) -> String {
    (Utc::now() + chrono::Duration::milliseconds((seconds * 1000.0) as i64)).to_rfc3339()
}

/// Reads `path` until it answers `status`; how long after `due` (RFC 3339) that was, at most
/// `within` after it.
async fn until_status(app: &TestApp, path: &str, status: u16, due: &str, within: f64) -> f64 {
    let due = chrono::DateTime::parse_from_rfc3339(due)
        .unwrap()
        .with_timezone(&Utc);
    let started = Instant::now();
    loop {
        let answered = app.get(path).send().await.unwrap().status().as_u16();
        let late = (Utc::now() - due).num_milliseconds() as f64 / 1000.0;
        if answered == status {
            return late;
        }
        assert!(
            late < within && started.elapsed() < Duration::from_secs(30),
            "{path} still answers {answered}, {late:.2} s after it was due"
        );
        actix_web::rt::time::sleep(Duration::from_millis(50)).await;
    }
}

/// Waits (up to 2 s) until nothing is scheduled: the scheduler runs four times a second.
async fn assert_schedule_empty(app: &TestApp, editor: &str) {
    let started = Instant::now();
    loop {
        let schedule =
            expect_json(app.get("/api/v1/admin/schedule").bearer_auth(editor), 200).await;
        if schedule["data"] == json!({"upcoming": [], "overdue": []}) {
            return;
        }
        assert!(started.elapsed() < Duration::from_secs(2), "{schedule}");
        actix_web::rt::time::sleep(Duration::from_millis(50)).await;
    }
}

#[actix_web::test]
async fn articles_go_up_and_come_down_within_a_second_of_their_times() {
    let app = spawn_app().await;
    let room = newsroom(&app).await;
    let editor = room.editor.clone();

    // Coming down in 2 s: readable (and cached) until then, archived after.
    let down_at = in_seconds(2.0);
    let mut body = article_body(&room, "Short lived", "published");
    body["unpublish_at"] = json!(down_at);
    let leaving = create_article(&app, &editor, &body).await;
    let leaving_id = leaving["id"].as_i64().unwrap();
    assert!(leaving["unpublish_at"].is_string(), "{leaving}");
    // Going up in 2 s: invisible until then.
    let up_at = in_seconds(2.0);
    let mut body = article_body(&room, "Coming soon", "published");
    body["published_at"] = json!(up_at);
    let coming = create_article(&app, &editor, &body).await;
    let coming_id = coming["id"].as_i64().unwrap();

    let schedule = expect_json(app.get("/api/v1/admin/schedule").bearer_auth(&editor), 200).await;
    let upcoming: Vec<(i64, &str)> = schedule["data"]["upcoming"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| {
            (
                t["article_id"].as_i64().unwrap(),
                t["action"].as_str().unwrap(),
            )
        })
        .collect();
    assert!(upcoming.contains(&(leaving_id, "unpublish")), "{schedule}");
    assert!(upcoming.contains(&(coming_id, "publish")), "{schedule}");
    assert_eq!(schedule["data"]["overdue"], json!([]));

    let leaving_read = format!("/api/v1/articles/{leaving_id}");
    assert_eq!(
        app.get(&leaving_read)
            .send()
            .await
            .unwrap()
            .status()
            .as_u16(),
        200
    );
    let coming_read = format!("/api/v1/articles/{coming_id}");
    assert_eq!(
        app.get(&coming_read)
            .send()
            .await
            .unwrap()
            .status()
            .as_u16(),
        404
    );
    let late = until_status(&app, &leaving_read, 404, &down_at, 1.0).await;
    assert!(late < 1.0, "came down {late:.2} s late");
    let late = until_status(&app, &coming_read, 200, &up_at, 1.0).await;
    assert!(late < 1.0, "went up {late:.2} s late");

    // For real: archived, its time spent; nothing left to do.
    let stored = expect_json(
        app.get(&format!("/api/v1/admin/articles/{leaving_id}"))
            .bearer_auth(&editor),
        200,
    )
    .await["data"]
        .clone();
    assert_eq!(stored["status"], "archived");
    assert_eq!(stored["unpublish_at"], Value::Null);
    // A publication shows by its time alone; the scheduler records it within its next run.
    assert_schedule_empty(&app, &editor).await;
    assert_eq!(metric(&app, "schedule_overdue").await, 0);
    assert!(metric(&app, "schedule_last_run_timestamp_seconds").await > 0);

    // Published again, it stays up.
    send_json_expect(
        app.patch(&format!("/api/v1/admin/articles/{leaving_id}"))
            .bearer_auth(&editor),
        &json!({"status": "published"}),
        200,
    )
    .await;
    actix_web::rt::time::sleep(Duration::from_millis(600)).await;
    assert_eq!(
        app.get(&leaving_read)
            .send()
            .await
            .unwrap()
            .status()
            .as_u16(),
        200
    );

    // Taken down by hand, an article no longer comes down by itself; published again, a time
    // to come down that has passed is refused rather than applied at once.
    let mut body = article_body(&room, "Paused", "published");
    body["unpublish_at"] = json!(in_seconds(1.0));
    let paused = create_article(&app, &editor, &body).await;
    let paused_path = format!("/api/v1/admin/articles/{}", paused["id"]);
    let drafted = send_json_expect(
        app.patch(&paused_path).bearer_auth(&editor),
        &json!({"status": "draft"}),
        200,
    )
    .await;
    assert_eq!(drafted["data"]["unpublish_at"], Value::Null, "{drafted}");
    actix_web::rt::time::sleep(Duration::from_millis(1200)).await;
    send_json_expect(
        app.patch(&paused_path).bearer_auth(&editor),
        &json!({"status": "published"}),
        200,
    )
    .await;
    actix_web::rt::time::sleep(Duration::from_millis(600)).await;
    let stored = expect_json(app.get(&paused_path).bearer_auth(&editor), 200).await;
    assert_eq!(stored["data"]["status"], "published", "{stored}");
    let mut past = app
        .patch(&paused_path)
        .bearer_auth(&editor)
        .send_json(&json!({"unpublish_at": in_seconds(-5.0)}))
        .await
        .unwrap();
    let problem = assert_problem(&mut past, 422).await;
    assert_eq!(problem["errors"][0]["field"], "unpublish_at", "{problem}");

    // Refusals: down before up; a contributor can't schedule a fall.
    let mut body = article_body(&room, "Backwards", "published");
    body["published_at"] = json!(in_seconds(3600.0));
    body["unpublish_at"] = json!(in_seconds(60.0));
    let mut refused = app
        .post("/api/v1/admin/articles")
        .bearer_auth(&editor)
        .send_json(&body)
        .await
        .unwrap();
    let problem = assert_problem(&mut refused, 422).await;
    assert_eq!(problem["errors"][0]["field"], "unpublish_at", "{problem}");
    let (contributor, byline) = writer(&app, &room, "contributor").await;
    let mut body = article_by(&room, "Mine", "draft", byline);
    body["unpublish_at"] = json!(in_seconds(60.0));
    let mut refused = app
        .post("/api/v1/admin/articles")
        .bearer_auth(&contributor)
        .send_json(&body)
        .await
        .unwrap();
    let problem = assert_problem(&mut refused, 403).await;
    assert!(
        problem["detail"].as_str().unwrap().contains("unpublish_at"),
        "{problem}"
    );
}

#[actix_web::test]
async fn two_instances_apply_each_transition_once() {
    if !on_postgres() {
        return;
    }
    let a = spawn_app().await;
    let b = spawn_beside(&a);
    let room = newsroom(&a).await;
    let due = in_seconds(1.5);
    let mut ids = Vec::new();
    for n in 0..6 {
        let mut body = article_body(&room, &format!("Leaving {n}"), "published");
        body["unpublish_at"] = json!(due);
        ids.push(
            create_article(&a, &room.editor, &body).await["id"]
                .as_i64()
                .unwrap(),
        );
    }
    for id in &ids {
        until_status(&b, &format!("/api/v1/articles/{id}"), 404, &due, 1.0).await;
    }
    // Both instances looked; between them, each transition was applied once.
    actix_web::rt::time::sleep(Duration::from_millis(500)).await;
    let applied = metric(&a, "schedule_transitions_applied_total").await
        + metric(&b, "schedule_transitions_applied_total").await;
    assert_eq!(applied, 6);
    for id in &ids {
        let article = expect_json(
            a.get(&format!("/api/v1/admin/articles/{id}"))
                .bearer_auth(&room.editor),
            200,
        )
        .await;
        assert_eq!(article["data"]["status"], "archived");
        assert_eq!(article["data"]["version"], 2, "archived once: {article}");
    }
}

#[actix_web::test]
async fn a_transition_due_while_no_instance_ran_is_applied_at_start() {
    let app = spawn_app().await;
    let room = newsroom(&app).await;
    let (_, slug) = crate::fixtures::published_article(&app, &room, "Outlived").await;
    let due = in_seconds(1.0);
    let id = expect_json(app.get(&format!("/api/v1/articles/{slug}")), 200).await["data"]["id"]
        .as_i64()
        .unwrap();
    let current = expect_json(
        app.get(&format!("/api/v1/admin/articles/{id}"))
            .bearer_auth(&room.editor),
        200,
    )
    .await["data"]["version"]
        .as_i64()
        .unwrap();
    send_json_expect(
        app.patch(&format!("/api/v1/admin/articles/{id}"))
            .bearer_auth(&room.editor)
            .insert_header(("If-Match", format!("\"{current}\""))),
        &json!({"unpublish_at": due}),
        200,
    )
    .await;
    app.stop().await;
    let database = app.into_database();
    // Due while nothing runs.
    actix_web::rt::time::sleep(Duration::from_millis(1500)).await;
    let env = test_env(&database);
    let again = spawn_on(database, &env);
    let started = Instant::now();
    loop {
        let mut response = again
            .get(&format!("/api/v1/articles/{id}"))
            .send()
            .await
            .unwrap();
        if response.status().as_u16() == 404 {
            break;
        }
        let _ = json_body(&mut response).await;
        assert!(
            started.elapsed() < Duration::from_secs(1),
            "not applied within a second of the start"
        );
        actix_web::rt::time::sleep(Duration::from_millis(50)).await;
    }
    // The instance that started applied it.
    assert_eq!(
        metric(&again, "schedule_transitions_applied_total").await,
        1
    );
}

#[actix_web::test]
async fn translations_go_up_and_come_down_within_a_second_of_their_own_times() {
    let app = spawn_app().await;
    let room = newsroom(&app).await;
    let editor = room.editor.clone();
    let up_at = in_seconds(2.0);
    let down_at = in_seconds(2.5);
    let mut body = article_body(&room, "Bilingual", "published");
    body["translations"]["fr"] =
        json!({"title": "Bilingue", "body": "<p>Texte.</p>", "publish_at": up_at});
    body["translations"]["en"]["unpublish_at"] = json!(down_at);
    let article = create_article(&app, &editor, &body).await;
    let id = article["id"].as_i64().unwrap();
    assert!(
        article["translations"]["fr"]["publish_at"].is_string(),
        "{article}"
    );
    assert!(
        article["translations"]["en"]["unpublish_at"].is_string(),
        "{article}"
    );

    let schedule = expect_json(app.get("/api/v1/admin/schedule").bearer_auth(&editor), 200).await;
    let upcoming: Vec<(&str, &str)> = schedule["data"]["upcoming"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|t| t["article_id"] == id)
        .map(|t| (t["locale"].as_str().unwrap(), t["action"].as_str().unwrap()))
        .collect();
    assert_eq!(
        upcoming,
        vec![("fr", "publish"), ("en", "unpublish")],
        "{schedule}"
    );

    // The French text is held back (no fallback to it, no French read) until its time.
    let french = format!("/api/v1/articles/{id}?locale=fr&fallback=false");
    let english = format!("/api/v1/articles/{id}?locale=en&fallback=false");
    assert_eq!(
        app.get(&french).send().await.unwrap().status().as_u16(),
        404
    );
    assert_eq!(
        app.get(&english).send().await.unwrap().status().as_u16(),
        200
    );
    let late = until_status(&app, &french, 200, &up_at, 1.0).await;
    assert!(late < 1.0, "the French went up {late:.2} s late");
    let late = until_status(&app, &english, 404, &down_at, 1.0).await;
    assert!(late < 1.0, "the English came down {late:.2} s late");
    // The article stays up in French.
    assert_eq!(
        app.get(&french).send().await.unwrap().status().as_u16(),
        200
    );

    // For real: the French plainly published, the English a draft, nothing left to do.
    let stored = expect_json(
        app.get(&format!("/api/v1/admin/articles/{id}"))
            .bearer_auth(&editor),
        200,
    )
    .await["data"]
        .clone();
    assert_eq!(stored["translations"]["fr"]["status"], "published");
    assert_eq!(stored["translations"]["fr"]["publish_at"], Value::Null);
    assert_eq!(stored["translations"]["en"]["status"], "draft");
    assert_eq!(stored["translations"]["en"]["unpublish_at"], Value::Null);
    assert_schedule_empty(&app, &editor).await;

    // A time to come down must be to come, and after the time to go up; pages have neither.
    let path = format!("/api/v1/admin/articles/{id}/translations/fr");
    let version = stored["translations"]["fr"]["version"].as_i64().unwrap();
    for (translation, field) in [
        (
            json!({"title": "T", "body": "<p>B</p>", "unpublish_at": in_seconds(-5.0)}),
            "unpublish_at",
        ),
        (
            json!({"title": "T", "body": "<p>B</p>", "publish_at": in_seconds(60.0), "unpublish_at": in_seconds(30.0)}),
            "unpublish_at",
        ),
    ] {
        let mut refused = app
            .put(&path)
            .bearer_auth(&editor)
            .insert_header(("If-Match", format!("\"{version}\"")))
            .send_json(&translation)
            .await
            .unwrap();
        let problem = assert_problem(&mut refused, 422).await;
        assert!(problem.to_string().contains(field), "{problem}");
    }
    let mut page = app
        .post("/api/v1/admin/pages")
        .bearer_auth(&editor)
        .send_json(&json!({"translations": {"en": {"title": "About", "body": "<p>Us</p>", "publish_at": in_seconds(60.0)}}}))
        .await
        .unwrap();
    let problem = assert_problem(&mut page, 422).await;
    assert!(problem.to_string().contains("publish_at"), "{problem}");

    // Only those who may publish give a translation its times.
    let (contributor, byline) = writer(&app, &room, "contributor").await;
    let mut body = article_by(&room, "Mine", "draft", byline);
    body["translations"]["en"]["publish_at"] = json!(in_seconds(60.0));
    let mut refused = app
        .post("/api/v1/admin/articles")
        .bearer_auth(&contributor)
        .send_json(&body)
        .await
        .unwrap();
    assert_problem(&mut refused, 403).await;
}
