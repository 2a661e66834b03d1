//! Integrations: signed webhooks from the transactional outbox (to a real receiver on
//! loopback), the change feed, the audit log and scoped API keys.

use std::collections::{BTreeSet, HashMap};
use std::time::Duration;

use diesel::RunQueryDsl;
use serde_json::{Value, json};

use crate::fixtures::{article_body, create_article, newsroom};
use crate::helpers::{
    TestApp, assert_problem, expect_json, header, json_body, on_postgres, send_json_expect,
    spawn_app_with, spawn_beside_with,
};
use crate::receiver::{Received, Receiver};

/// Settings for webhook tests: endpoints on loopback, quick retries, a short time-out.
fn quick_webhooks(env: &mut HashMap<String, String>) {
    env.insert("WEBHOOK_ALLOW_PRIVATE".into(), "true".into());
    env.insert("WEBHOOK_RETRY_BASE_MS".into(), "100".into());
    env.insert("WEBHOOK_TIMEOUT".into(), "1".into());
}

/// Registers an endpoint at `url` for `events`; (id, secret).
async fn register(app: &TestApp, admin: &str, url: &str, events: &[&str]) -> (i64, String) {
    let created = send_json_expect(
        app.post("/api/v1/admin/webhooks").bearer_auth(admin),
        &json!({"url": url, "events": events, "description": "The front-end's rebuild hook"}),
        201,
    )
    .await;
    (
        created["data"]["id"].as_i64().unwrap(),
        created["data"]["secret"].as_str().unwrap().to_owned(),
    )
}

fn of_type<'a>(received: &'a [Received], name: &str) -> Vec<&'a Received> {
    received
        .iter()
        .filter(|r| r.json()["type"] == name)
        .collect()
}

#[actix_web::test]
async fn webhooks_get_signed_events_in_order_and_failures_are_retried() {
    let app = spawn_app_with(quick_webhooks).await;
    let admin = app.admin_token().await;
    let room = newsroom(&app).await;
    let receiver = Receiver::start();
    // The first attempt fails with a 500, the second times out; the rest are accepted.
    receiver.script([(500, Duration::ZERO), (200, Duration::from_secs(3))]);
    let (hook, secret) = register(
        &app,
        &admin,
        &receiver.url,
        &[
            "article.published",
            "article.updated",
            "article.unpublished",
            "article.deleted",
        ],
    )
    .await;
    assert!(secret.starts_with("whsec_"), "{secret}");

    let article = create_article(
        &app,
        &room.editor,
        &article_body(&room, "Webhooks", "published"),
    )
    .await;
    let id = article["id"].as_i64().unwrap();
    let path = format!("/api/v1/admin/articles/{id}");
    send_json_expect(
        app.put(&format!("{path}/translations/en"))
            .bearer_auth(&room.editor),
        &json!({"title": "Webhooks, updated", "body": "<p>New words.</p>"}),
        200,
    )
    .await;
    send_json_expect(
        app.patch(&path).bearer_auth(&room.editor),
        &json!({"status": "archived"}),
        200,
    )
    .await;
    let received = receiver
        .wait_for(Duration::from_secs(30), |received| {
            received
                .iter()
                .filter(|r| r.json()["type"] == "article.unpublished")
                .count()
                >= 4
        })
        .await;
    for request in &received {
        assert!(request.signed_with(&secret), "signed: {request:?}");
        assert_eq!(request.header("content-type"), "application/json");
        assert!(request.header("webhook-id").starts_with("evt_"));
    }
    // One event per site locale the article is served in (tr, fr, en, nl by fallback).
    let published = of_type(&received, "article.published");
    let locales: BTreeSet<String> = published
        .iter()
        .map(|r| r.json()["data"]["locale"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(locales.len(), 4, "{locales:?}");
    let english = published
        .iter()
        .find(|r| r.json()["data"]["locale"] == "en")
        .unwrap()
        .json();
    assert_eq!(english["data"]["id"], id);
    assert_eq!(english["data"]["document"]["title"], "Webhooks");
    assert!(
        english["data"]["surrogate_keys"]
            .as_array()
            .unwrap()
            .contains(&json!(format!("article:{id}"))),
        "{english}"
    );
    let updated = of_type(&received, "article.updated");
    assert!(
        updated
            .iter()
            .any(|r| r.json()["data"]["document"]["title"] == "Webhooks, updated")
    );
    // The failed and timed-out attempts were tried again with the same webhook-id.
    let first_id = received[0].header("webhook-id").to_owned();
    assert_eq!(
        received
            .iter()
            .filter(|r| r.header("webhook-id") == first_id)
            .count(),
        3,
        "the first event: a 500, a time-out, then accepted"
    );
    // Per locale, the article's events arrive in the order they happened.
    for locale in &locales {
        let order: Vec<String> = received
            .iter()
            .map(Received::json)
            .filter(|body| body["data"]["locale"] == locale.as_str())
            .map(|body| body["type"].as_str().unwrap().to_owned())
            .fold(Vec::new(), |mut seen, name| {
                if seen.last() != Some(&name) {
                    seen.push(name);
                }
                seen
            });
        assert_eq!(
            order.first().map(String::as_str),
            Some("article.published"),
            "{locale}: {order:?}"
        );
        assert_eq!(
            order.last().map(String::as_str),
            Some("article.unpublished"),
            "{locale}: {order:?}"
        );
    }
    // The delivery log shows each attempt.
    let log = expect_json(
        app.get(&format!(
            "/api/v1/admin/webhooks/{hook}/deliveries?per_page=100"
        ))
        .bearer_auth(&admin),
        200,
    )
    .await;
    let first = log["data"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["attempts"].as_array().unwrap().len() == 3)
        .expect("a delivery tried three times");
    assert_eq!(first["status"], "delivered");
    let attempts = first["attempts"].as_array().unwrap();
    assert_eq!(attempts[0]["status_code"], 500);
    assert_eq!(attempts[0]["response"], "answered 500");
    assert_eq!(attempts[1]["status_code"], Value::Null);
    assert_eq!(attempts[1]["error"], "timed out");
    assert_eq!(attempts[2]["status_code"], 200);

    // "Send again" queues a delivered event once more; a ping is sent at once.
    let delivery = first["id"].as_i64().unwrap();
    let again = send_json_expect(
        app.post(&format!(
            "/api/v1/admin/webhooks/{hook}/deliveries/{delivery}/retry"
        ))
        .bearer_auth(&admin),
        &json!(null),
        202,
    )
    .await;
    assert_eq!(again["data"]["status"], "pending");
    receiver
        .wait_for(Duration::from_secs(10), |received| {
            received
                .iter()
                .filter(|r| r.header("webhook-id") == first_id)
                .count()
                == 4
        })
        .await;
    let ping = expect_json(
        app.post(&format!("/api/v1/admin/webhooks/{hook}/ping"))
            .bearer_auth(&admin),
        200,
    )
    .await;
    assert_eq!(ping["data"]["status"], "delivered");
    assert_eq!(ping["data"]["attempts"][0]["status_code"], 200);
    let pinged = receiver.received();
    assert_eq!(pinged.last().unwrap().json()["type"], "ping");
    assert!(pinged.last().unwrap().signed_with(&secret));
}

#[actix_web::test]
async fn redirects_are_not_followed_but_retried_as_failures() {
    let app = spawn_app_with(quick_webhooks).await;
    let admin = app.admin_token().await;
    let receiver = Receiver::start();
    receiver.script([(307, Duration::ZERO)]);
    let (hook, _) = register(&app, &admin, &receiver.url, &["tag.created"]).await;
    // The newsroom's tag is the event.
    newsroom(&app).await;
    let received = receiver
        .wait_for(Duration::from_secs(15), |received| received.len() >= 2)
        .await;
    assert!(
        received.iter().all(|r| r.path == "/hook"),
        "the redirect was not followed: {received:#?}"
    );
    assert_eq!(
        received[0].header("webhook-id"),
        received[1].header("webhook-id")
    );
    let log = expect_json(
        app.get(&format!("/api/v1/admin/webhooks/{hook}/deliveries"))
            .bearer_auth(&admin),
        200,
    )
    .await;
    let attempts = &log["data"][0]["attempts"];
    assert_eq!(attempts[0]["status_code"], 307, "{log}");
    assert_eq!(attempts[0]["error"], "the endpoint answered 307");
    assert_eq!(attempts[1]["status_code"], 200);
}

#[actix_web::test]
async fn a_write_that_rolls_back_records_no_event() {
    let app = spawn_app_with(quick_webhooks).await;
    let admin = app.admin_token().await;
    let room = newsroom(&app).await;
    create_article(
        &app,
        &room.editor,
        &article_body(&room, "In the category", "published"),
    )
    .await;
    let receiver = Receiver::start();
    register(&app, &admin, &receiver.url, &["*"]).await;
    let before = expect_json(app.get("/api/v1/changes?limit=1000"), 200).await;
    let cursor = before["meta"]["next_cursor"].as_str().unwrap().to_owned();
    // The rename refreshes the category's articles (recording their events), then fails: the
    // category can't lose every locale.
    let mut refused = app
        .patch(&format!("/api/v1/admin/categories/{}", room.category))
        .bearer_auth(&room.editor)
        .send_json(&json!({"translations": {"tr": null, "fr": null, "en": null}}))
        .await
        .unwrap();
    assert_problem(&mut refused, 422).await;
    let after = expect_json(app.get(&format!("/api/v1/changes?since={cursor}")), 200).await;
    assert_eq!(after["data"], json!([]), "no change recorded: {after}");
    // A committed write is heard; nothing of the failed one ever is.
    send_json_expect(
        app.patch(&format!("/api/v1/admin/tags/{}", room.tag))
            .bearer_auth(&room.editor),
        &json!({"translations": {"en": {"name": "Diplomacy"}}}),
        200,
    )
    .await;
    let received = receiver
        .wait_for(Duration::from_secs(15), |received| {
            received.iter().any(|r| r.json()["type"] == "tag.updated")
        })
        .await;
    assert!(
        received
            .iter()
            .all(|r| r.json()["type"] != "category.updated"),
        "{received:#?}"
    );
}

#[actix_web::test]
async fn two_instances_deliver_each_of_a_thousand_events_once() {
    let app = spawn_app_with(quick_webhooks).await;
    let other = spawn_beside_with(&app, quick_webhooks);
    let admin = app.admin_token().await;
    let receiver = Receiver::start();
    register(&app, &admin, &receiver.url, &["tag.updated"]).await;
    // A thousand committed events, written straight into the outbox.
    let sql = if on_postgres() {
        "INSERT INTO events (name, resource, resource_id, locale, action, data, created_at) \
         SELECT 'tag.updated', 'tag', g, NULL, 'upsert', '{}', now() \
         FROM generate_series(1, 1000) g"
    } else {
        "WITH RECURSIVE g(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM g WHERE n < 1000) \
         INSERT INTO events (name, resource, resource_id, locale, action, data, created_at) \
         SELECT 'tag.updated', 'tag', n, NULL, 'upsert', '{}', CURRENT_TIMESTAMP FROM g"
    };
    let mut conn = app.pool().get().unwrap();
    diesel::sql_query(sql).execute(&mut **conn).unwrap();
    drop(conn);
    receiver
        .wait_for(Duration::from_secs(120), |received| received.len() >= 1000)
        .await;
    // A moment more: nothing arrives twice.
    actix_web::rt::time::sleep(Duration::from_secs(1)).await;
    let received = receiver.received();
    let ids: BTreeSet<&str> = received.iter().map(|r| r.header("webhook-id")).collect();
    assert_eq!(ids.len(), 1000);
    assert_eq!(received.len(), 1000, "each event delivered exactly once");
    drop(other);
}

#[actix_web::test]
async fn private_addresses_and_malformed_endpoints_are_refused() {
    let app = spawn_app_with(|_| {}).await;
    let admin = app.admin_token().await;
    for url in [
        "http://127.0.0.1:9/hook",
        "http://localhost/hook",
        "http://169.254.169.254/latest/meta-data",
        "http://[::1]/hook",
        "http://10.0.0.8/hook",
    ] {
        let mut refused = app
            .post("/api/v1/admin/webhooks")
            .bearer_auth(&admin)
            .send_json(&json!({"url": url, "events": ["*"]}))
            .await
            .unwrap();
        let problem = assert_problem(&mut refused, 422).await;
        assert_eq!(problem["errors"][0]["field"], "url", "{url}: {problem}");
    }
    for (body, field) in [
        (json!({"url": "ftp://example.com/", "events": ["*"]}), "url"),
        (
            json!({"url": "https://example.com/", "events": []}),
            "events",
        ),
        (
            json!({"url": "https://example.com/", "events": ["article.eaten"]}),
            "events[0]",
        ),
    ] {
        let mut refused = app
            .post("/api/v1/admin/webhooks")
            .bearer_auth(&admin)
            .send_json(&body)
            .await
            .unwrap();
        let problem = assert_problem(&mut refused, 422).await;
        assert_eq!(problem["errors"][0]["field"], field, "{problem}");
    }
    let listed = expect_json(app.get("/api/v1/admin/webhooks").bearer_auth(&admin), 200).await;
    assert_eq!(listed["data"], json!([]), "nothing stored");
}

#[actix_web::test]
async fn addresses_are_checked_again_at_delivery_and_failing_endpoints_turned_off() {
    let app = spawn_app_with(|env| {
        quick_webhooks(env);
        env.insert("WEBHOOK_DISABLE_AFTER".into(), "1".into());
    })
    .await;
    let admin = app.admin_token().await;
    let receiver = Receiver::start();
    receiver.always(500);
    let (hook, _) = register(&app, &admin, &receiver.url, &["tag.created"]).await;
    // The newsroom's tag is the event.
    newsroom(&app).await;
    // Every delivery fails; after a second of that the endpoint is turned off.
    let deadline = std::time::Instant::now() + Duration::from_secs(30);
    let turned_off = loop {
        let read = expect_json(
            app.get(&format!("/api/v1/admin/webhooks/{hook}"))
                .bearer_auth(&admin),
            200,
        )
        .await;
        if read["data"]["active"] == false {
            break read;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "never turned off: {read}"
        );
        actix_web::rt::time::sleep(Duration::from_millis(200)).await;
    };
    assert!(
        turned_off["data"]["disabled_reason"]
            .as_str()
            .unwrap()
            .contains("failed"),
        "{turned_off}"
    );
    // Turning it on again clears why.
    let on = send_json_expect(
        app.patch(&format!("/api/v1/admin/webhooks/{hook}"))
            .bearer_auth(&admin),
        &json!({"active": true}),
        200,
    )
    .await;
    assert_eq!(on["data"]["disabled_reason"], Value::Null);
    // Without WEBHOOK_ALLOW_PRIVATE, an endpoint whose address became private is refused
    // when it is sent to, not only when it is registered.
    let strict = crate::helpers::spawn_beside_with(&app, |_| {});
    let ping = expect_json(
        strict
            .post(&format!("/api/v1/admin/webhooks/{hook}/ping"))
            .bearer_auth(&admin),
        200,
    )
    .await;
    assert_eq!(ping["data"]["status"], "failed");
    assert!(
        ping["data"]["attempts"][0]["error"]
            .as_str()
            .unwrap()
            .contains("private"),
        "{ping}"
    );
}

/// Applies the change feed from the start: the (type, id, locale) it says are visible.
async fn replay(app: &TestApp) -> BTreeSet<(String, i64, Option<String>)> {
    let mut visible = BTreeSet::new();
    let mut cursor = String::new();
    loop {
        let page = expect_json(
            app.get(&format!("/api/v1/changes?limit=7&since={cursor}")),
            200,
        )
        .await;
        for change in page["data"].as_array().unwrap() {
            let key = (
                change["type"].as_str().unwrap().to_owned(),
                change["id"].as_i64().unwrap(),
                change["locale"].as_str().map(str::to_owned),
            );
            match change["action"].as_str().unwrap() {
                "upsert" => {
                    visible.insert(key);
                }
                "delete" => {
                    assert_eq!(change["deleted"], true);
                    visible.remove(&key);
                }
                other => panic!("{other}"),
            }
        }
        cursor = page["meta"]["next_cursor"].as_str().unwrap().to_owned();
        if page["meta"]["has_more"] == false {
            return visible;
        }
    }
}

/// Everything a client gets by reading afresh, in the change feed's terms.
async fn read_afresh(app: &TestApp) -> BTreeSet<(String, i64, Option<String>)> {
    let mut visible = BTreeSet::new();
    for locale in ["tr", "fr", "en", "nl"] {
        let list = expect_json(
            app.get(&format!("/api/v1/articles?locale={locale}&per_page=100")),
            200,
        )
        .await;
        for article in list["data"].as_array().unwrap() {
            visible.insert((
                "article".to_owned(),
                article["id"].as_i64().unwrap(),
                Some(locale.to_owned()),
            ));
        }
    }
    for (kind, path) in [
        ("category", "/api/v1/categories"),
        ("tag", "/api/v1/tags?per_page=100"),
        ("author", "/api/v1/authors?per_page=100"),
    ] {
        let list = expect_json(app.get(path), 200).await;
        let mut items: Vec<Value> = list["data"].as_array().unwrap().clone();
        while let Some(item) = items.pop() {
            if let Some(children) = item["children"].as_array() {
                items.extend(children.iter().cloned());
            }
            visible.insert((kind.to_owned(), item["id"].as_i64().unwrap(), None));
        }
    }
    visible
}

#[actix_web::test]
async fn the_change_feed_replays_to_what_reading_afresh_gives() {
    let app = spawn_app_with(quick_webhooks).await;
    let room = newsroom(&app).await;
    let mut ids = Vec::new();
    for title in ["One", "Two", "Three", "Four"] {
        let article =
            create_article(&app, &room.editor, &article_body(&room, title, "published")).await;
        ids.push(article["id"].as_i64().unwrap());
    }
    create_article(&app, &room.editor, &article_body(&room, "A draft", "draft")).await;
    // Changes of every kind: an update, an unpublication, a deletion, a new tag, a tag gone.
    send_json_expect(
        app.put(&format!(
            "/api/v1/admin/articles/{}/translations/fr",
            ids[0]
        ))
        .bearer_auth(&room.editor),
        &json!({"title": "Un", "body": "<p>Mots.</p>", "status": "published"}),
        200,
    )
    .await;
    send_json_expect(
        app.patch(&format!("/api/v1/admin/articles/{}", ids[1]))
            .bearer_auth(&room.editor),
        &json!({"status": "archived"}),
        200,
    )
    .await;
    let mut deleted = app
        .delete(&format!("/api/v1/admin/articles/{}", ids[2]))
        .bearer_auth(&room.editor)
        .send()
        .await
        .unwrap();
    assert_eq!(deleted.status().as_u16(), 204);
    let _ = deleted.body().await;
    let spare = send_json_expect(
        app.post("/api/v1/admin/tags").bearer_auth(&room.editor),
        &json!({"translations": {"en": {"name": "Spare"}}}),
        201,
    )
    .await["data"]["id"]
        .as_i64()
        .unwrap();
    let mut gone = app
        .delete(&format!("/api/v1/admin/tags/{spare}"))
        .bearer_auth(&room.editor)
        .send()
        .await
        .unwrap();
    assert_eq!(gone.status().as_u16(), 204);
    let _ = gone.body().await;

    assert_eq!(replay(&app).await, read_afresh(&app).await);

    // Tombstones name what went: the deleted article in each locale it was visible in.
    let feed = expect_json(app.get("/api/v1/changes?types=articles&limit=1000"), 200).await;
    let tombstones: Vec<&Value> = feed["data"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["id"] == ids[2] && c["deleted"] == true)
        .collect();
    assert_eq!(tombstones.len(), 4, "{feed}");
    assert!(
        feed["data"]
            .as_array()
            .unwrap()
            .iter()
            .all(|c| c["type"] == "article")
    );
    // Filtered by locale: that locale's changes and those in none.
    let french = expect_json(app.get("/api/v1/changes?locale=fr&limit=1000"), 200).await;
    assert!(
        french["data"]
            .as_array()
            .unwrap()
            .iter()
            .all(|c| c["locale"] == "fr" || c["locale"].is_null())
    );
    // Polling with the cursor: 304 while nothing changed.
    let everything = expect_json(app.get("/api/v1/changes?limit=1000"), 200).await;
    let cursor = everything["meta"]["next_cursor"]
        .as_str()
        .unwrap()
        .to_owned();
    let mut first = app
        .get(&format!("/api/v1/changes?since={cursor}"))
        .send()
        .await
        .unwrap();
    let etag = header(&first, "etag").unwrap();
    assert_eq!(json_body(&mut first).await["data"], json!([]));
    let unchanged = app
        .get(&format!("/api/v1/changes?since={cursor}"))
        .insert_header(("if-none-match", etag))
        .send()
        .await
        .unwrap();
    assert_eq!(unchanged.status().as_u16(), 304);
    for bad in [
        "since=abc",
        "since=-1",
        "types=articles,polls",
        "limit=0",
        "limit=5000",
        "locale=xx",
    ] {
        let mut refused = app
            .get(&format!("/api/v1/changes?{bad}"))
            .send()
            .await
            .unwrap();
        assert_problem(&mut refused, 422).await;
    }
}

#[actix_web::test]
async fn the_audit_log_names_who_changed_what() {
    let app = spawn_app_with(quick_webhooks).await;
    let admin = app.admin_token().await;
    let room = newsroom(&app).await;
    let article =
        create_article(&app, &room.editor, &article_body(&room, "Audited", "draft")).await;
    let id = article["id"].as_i64().unwrap();
    let key = send_json_expect(
        app.post("/api/v1/admin/api-keys").bearer_auth(&admin),
        &json!({"name": "Importer", "scopes": ["content:write"]}),
        201,
    )
    .await;
    let key_id = key["data"]["id"].as_i64().unwrap();
    let key = key["data"]["key"].as_str().unwrap().to_owned();
    let mut published = app
        .patch(&format!("/api/v1/admin/articles/{id}"))
        .bearer_auth(&key)
        .send_json(&json!({"status": "published", "featured": true}))
        .await
        .unwrap();
    assert_eq!(published.status().as_u16(), 200);
    let request_id = header(&published, "x-request-id").unwrap();
    let _ = published.body().await;
    // A write that is refused leaves no entry.
    let mut refused = app
        .patch(&format!("/api/v1/admin/categories/{}", room.category))
        .bearer_auth(&room.editor)
        .send_json(&json!({"translations": {"tr": null, "fr": null, "en": null}}))
        .await
        .unwrap();
    assert_problem(&mut refused, 422).await;

    let log = expect_json(
        app.get(&format!("/api/v1/admin/audit?resource=articles&id={id}"))
            .bearer_auth(&admin),
        200,
    )
    .await;
    let entries = log["data"].as_array().unwrap();
    assert_eq!(entries.len(), 2, "{log}");
    let by_key = &entries[0];
    assert_eq!(by_key["actor"], format!("api_key:{key_id}"));
    assert_eq!(by_key["api_key_id"], key_id);
    assert_eq!(by_key["action"], "PATCH /api/v1/admin/articles/{id}");
    assert_eq!(by_key["request_id"], request_id.as_str());
    assert_eq!(by_key["fields"], json!(["featured", "status"]));
    let created = &entries[1];
    assert_eq!(created["action"], "POST /api/v1/admin/articles");
    assert!(created["actor"].as_str().unwrap().starts_with("user:"));
    assert_eq!(created["resource_id"], id.to_string());
    let categories = expect_json(
        app.get("/api/v1/admin/audit?resource=categories")
            .bearer_auth(&admin),
        200,
    )
    .await;
    assert_eq!(
        categories["meta"]["total"], 2,
        "two made, the refused rename not recorded: {categories}"
    );
    let keyed = expect_json(
        app.get(&format!("/api/v1/admin/audit?actor=api_key:{key_id}"))
            .bearer_auth(&admin),
        200,
    )
    .await;
    assert_eq!(keyed["meta"]["total"], 1);
    let mut bad = app
        .get("/api/v1/admin/audit?actor=somebody")
        .bearer_auth(&admin)
        .send()
        .await
        .unwrap();
    assert_problem(&mut bad, 422).await;
    let (_, _, editor) = app.user_with_role("editor").await;
    let mut forbidden = app
        .get("/api/v1/admin/audit")
        .bearer_auth(&editor)
        .send()
        .await
        .unwrap();
    assert_problem(&mut forbidden, 403).await;
}

#[actix_web::test]
async fn api_keys_are_shown_once_revoked_at_once_expire_and_are_rate_limited() {
    let app = spawn_app_with(|env| {
        env.insert("RATE_LIMIT_API_KEY".into(), "20".into());
    })
    .await;
    let admin = app.admin_token().await;
    let created = send_json_expect(
        app.post("/api/v1/admin/api-keys").bearer_auth(&admin),
        &json!({"name": "Static site builder", "scopes": ["content:read"]}),
        201,
    )
    .await;
    let key = created["data"]["key"].as_str().unwrap().to_owned();
    let id = created["data"]["id"].as_i64().unwrap();
    assert!(key.starts_with("nk_") && key.len() == 67, "{key}");
    assert_eq!(created["data"]["prefix"], &key[..11]);
    let drafts = expect_json(app.get("/api/v1/admin/articles").bearer_auth(&key), 200).await;
    assert!(drafts["data"].is_array());
    // Listed with when it was used, never the key itself.
    let mut listed = app
        .get("/api/v1/admin/api-keys")
        .bearer_auth(&admin)
        .send()
        .await
        .unwrap();
    let text = String::from_utf8(listed.body().await.unwrap().to_vec()).unwrap();
    assert!(!text.contains(&key), "{text}");
    let listed: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(listed["data"][0]["scopes"], json!(["content:read"]));
    assert!(listed["data"][0]["last_used_at"].is_string(), "{listed}");
    // A key can't manage keys, whatever it holds.
    let mut refused = app
        .get("/api/v1/admin/api-keys")
        .bearer_auth(&key)
        .send()
        .await
        .unwrap();
    assert_problem(&mut refused, 403).await;
    // Per-key rate limit.
    let mut limited = false;
    for _ in 0..25 {
        let response = app
            .get("/api/v1/admin/articles")
            .bearer_auth(&key)
            .send()
            .await
            .unwrap();
        if response.status().as_u16() == 429 {
            limited = true;
            break;
        }
    }
    assert!(limited, "the key's 21st request in a minute is refused");
    // Revoked: refused at once.
    let mut revoked = app
        .delete(&format!("/api/v1/admin/api-keys/{id}"))
        .bearer_auth(&admin)
        .send()
        .await
        .unwrap();
    assert_eq!(revoked.status().as_u16(), 204);
    let _ = revoked.body().await;
    let mut gone = app
        .get("/api/v1/admin/articles")
        .bearer_auth(&key)
        .send()
        .await
        .unwrap();
    assert_problem(&mut gone, 401).await;
    // Expired: refused once its time has passed.
    let soon = (chrono::Utc::now() + chrono::Duration::seconds(2)).to_rfc3339();
    let expiring = send_json_expect(
        app.post("/api/v1/admin/api-keys").bearer_auth(&admin),
        &json!({"name": "Short-lived", "scopes": ["content:read"], "expires_at": soon}),
        201,
    )
    .await["data"]["key"]
        .as_str()
        .unwrap()
        .to_owned();
    expect_json(app.get("/api/v1/admin/tags").bearer_auth(&expiring), 200).await;
    actix_web::rt::time::sleep(Duration::from_millis(2500)).await;
    let mut expired = app
        .get("/api/v1/admin/tags")
        .bearer_auth(&expiring)
        .send()
        .await
        .unwrap();
    assert_problem(&mut expired, 401).await;
    // Bad input changes nothing.
    for (body, field) in [
        (json!({"name": "", "scopes": ["content:read"]}), "name"),
        (json!({"name": "x", "scopes": []}), "scopes"),
        (
            json!({"name": "x", "scopes": ["content:read"], "expires_at": "2001-01-01T00:00:00Z"}),
            "expires_at",
        ),
    ] {
        let mut bad = app
            .post("/api/v1/admin/api-keys")
            .bearer_auth(&admin)
            .send_json(&body)
            .await
            .unwrap();
        let problem = assert_problem(&mut bad, 422).await;
        assert_eq!(problem["errors"][0]["field"], field, "{problem}");
    }
    let mut unknown_scope = app
        .post("/api/v1/admin/api-keys")
        .bearer_auth(&admin)
        .send_json(&json!({"name": "x", "scopes": ["everything"]}))
        .await
        .unwrap();
    assert_problem(&mut unknown_scope, 422).await;
    let mut malformed = app
        .get("/api/v1/admin/tags")
        .bearer_auth("nk_not-a-key")
        .send()
        .await
        .unwrap();
    assert_problem(&mut malformed, 401).await;
    let after = expect_json(app.get("/api/v1/admin/api-keys").bearer_auth(&admin), 200).await;
    assert_eq!(after["data"].as_array().unwrap().len(), 1, "{after}");
}

#[actix_web::test]
async fn a_key_follows_its_maker_and_never_writes_as_a_reader() {
    let app = spawn_app_with(|_| {}).await;
    let admin = app.admin_token().await;
    let room = newsroom(&app).await;
    let (article, _) = crate::fixtures::published_article(&app, &room, "Keys").await;
    let (maker, _, maker_token) = app.user_with_role("admin").await;
    let key = send_json_expect(
        app.post("/api/v1/admin/api-keys").bearer_auth(&maker_token),
        &json!({"name": "Everything", "scopes": ["content:read", "content:write", "media:write", "comments:moderate", "webhooks:manage"]}),
        201,
    )
    .await["data"]["key"]
        .as_str()
        .unwrap()
        .to_owned();
    // Readers' writes are for people: a key can't comment, react or report.
    let mut comment = app
        .post(&format!("/api/v1/articles/{article}/comments"))
        .bearer_auth(&key)
        .send_json(&json!({"body": "From a script"}))
        .await
        .unwrap();
    assert_problem(&mut comment, 403).await;
    let mut reaction = app
        .put(&format!("/api/v1/articles/{article}/reactions/mine"))
        .bearer_auth(&key)
        .send_json(&json!({"kind": "love"}))
        .await
        .unwrap();
    assert_problem(&mut reaction, 403).await;
    // Public reads are open to it.
    expect_json(app.get("/api/v1/articles").bearer_auth(&key), 200).await;
    // Its maker demoted to editor: the key can no longer manage webhooks.
    send_json_expect(
        app.patch(&format!("/api/v1/admin/users/{maker}"))
            .bearer_auth(&admin),
        &json!({"role": "editor"}),
        200,
    )
    .await;
    let mut hooks = app
        .get("/api/v1/admin/webhooks")
        .bearer_auth(&key)
        .send()
        .await
        .unwrap();
    assert_problem(&mut hooks, 403).await;
    expect_json(app.get("/api/v1/admin/articles").bearer_auth(&key), 200).await;
    // Its maker disabled: the key stops.
    send_json_expect(
        app.patch(&format!("/api/v1/admin/users/{maker}"))
            .bearer_auth(&admin),
        &json!({"status": "disabled"}),
        200,
    )
    .await;
    let mut stopped = app
        .get("/api/v1/admin/articles")
        .bearer_auth(&key)
        .send()
        .await
        .unwrap();
    assert_problem(&mut stopped, 401).await;
}

#[actix_web::test]
async fn audit_entries_older_than_the_retention_are_pruned() {
    let app = spawn_app_with(|_| {}).await;
    let admin = app.admin_token().await;
    send_json_expect(
        app.post("/api/v1/admin/tags").bearer_auth(&admin),
        &json!({"translations": {"en": {"name": "Kept"}}}),
        201,
    )
    .await;
    let mut conn = app.pool().get().unwrap();
    diesel::sql_query(
        "INSERT INTO audit_log (at, actor, action, resource, request_id, fields) \
         VALUES ('2001-01-01 00:00:00', 'user:1', 'DELETE /api/v1/admin/tags/{id}', 'tags', 'old', '')",
    )
    .execute(&mut **conn)
    .unwrap();
    drop(conn);
    let total = |log: &Value| log["meta"]["total"].as_i64().unwrap();
    let before = expect_json(app.get("/api/v1/admin/audit").bearer_auth(&admin), 200).await;
    assert_eq!(total(&before), 2);
    // An instance starting prunes at once what is older than AUDIT_RETENTION_DAYS.
    let other = spawn_beside_with(&app, |env| {
        env.insert("AUDIT_RETENTION_DAYS".into(), "30".into());
    });
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    loop {
        let after = expect_json(app.get("/api/v1/admin/audit").bearer_auth(&admin), 200).await;
        if total(&after) == 1 {
            assert_eq!(after["data"][0]["resource"], "tags");
            assert_ne!(after["data"][0]["request_id"], "old");
            break;
        }
        assert!(std::time::Instant::now() < deadline, "not pruned: {after}");
        actix_web::rt::time::sleep(Duration::from_millis(100)).await;
    }
    drop(other);
}
