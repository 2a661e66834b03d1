//! The fixtures several test files share: a newsroom to write articles in, articles in either
//! state, visitors, and readings of problems and metrics.

use serde_json::{Value, json};

use crate::helpers::{TestApp, access_token, expect_json, send_json_expect};

/// A category, an author and a tag to write articles with.
pub struct Newsroom {
    /// An editor's token.
    pub editor: String,
    /// Category id.
    pub category: i64,
    /// Child category id.
    pub subcategory: i64,
    /// Author id.
    pub author: i64,
    /// Tag id.
    pub tag: i64,
}

/// Creates the newsroom every article test starts from.
pub async fn newsroom(app: &TestApp) -> Newsroom {
    let (_, _, editor) = app.user_with_role("editor").await;
    let post = |path: &'static str, body: Value| {
        let request = app.post(path).bearer_auth(&editor);
        async move {
            send_json_expect(request, &body, 201).await["data"]["id"]
                .as_i64()
                .unwrap()
        }
    };
    let category = post("/api/v1/admin/categories", json!({"translations": {"tr": {"name": "Orta Asya"}, "fr": {"name": "Asie Centrale"}, "en": {"name": "Central Asia"}}})).await;
    let subcategory = post("/api/v1/admin/categories", json!({"parent_id": category, "translations": {"tr": {"name": "Kazakistan"}, "fr": {"name": "Kazakhstan"}}})).await;
    let author = post("/api/v1/admin/authors", json!({"name": "Ayana Birbayeva"})).await;
    let tag = post(
        "/api/v1/admin/tags",
        json!({"translations": {"tr": {"name": "Diplomasi"}, "fr": {"name": "Diplomatie"}}}),
    )
    .await;
    Newsroom {
        editor,
        category,
        subcategory,
        author,
        tag,
    }
}

/// An account of `role` with its own byline (made by the newsroom's editor): (access token,
/// author id). Contributors and authors may byline only themselves.
pub async fn writer(app: &TestApp, room: &Newsroom, role: &str) -> (String, i64) {
    let (user, _, token) = app.user_with_role(role).await;
    let author = send_json_expect(
        app.post("/api/v1/admin/authors").bearer_auth(&room.editor),
        &json!({"name": format!("A {role} {user}"), "user_id": user}),
        201,
    )
    .await["data"]["id"]
        .as_i64()
        .unwrap();
    (token, author)
}

/// A create body with one English translation, bylined to `author`.
pub fn article_by(newsroom: &Newsroom, title: &str, status: &str, author: i64) -> Value {
    let mut body = article_body(newsroom, title, status);
    body["author_ids"] = json!([author]);
    body
}

/// A create body with one English translation.
pub fn article_body(newsroom: &Newsroom, title: &str, status: &str) -> Value {
    json!({
        "category_id": newsroom.category,
        "author_ids": [newsroom.author],
        "tag_ids": [newsroom.tag],
        "status": status,
        "translations": {"en": {"title": title, "summary": "A summary.", "body": "<p>Some words here.</p>"}},
    })
}

/// Creates an article as `token`; returns its admin JSON.
pub async fn create_article(app: &TestApp, token: &str, body: &Value) -> Value {
    send_json_expect(
        app.post("/api/v1/admin/articles").bearer_auth(token),
        body,
        201,
    )
    .await["data"]
        .clone()
}

/// A published article anyone can read; returns (id, English slug).
pub async fn published_article(app: &TestApp, room: &Newsroom, title: &str) -> (i64, String) {
    let article = create_article(app, &room.editor, &article_body(room, title, "published")).await;
    (
        article["id"].as_i64().unwrap(),
        article["translations"]["en"]["slug"]
            .as_str()
            .unwrap()
            .to_owned(),
    )
}

/// A draft article (invisible to the public); returns its id.
pub async fn draft_article(app: &TestApp, room: &Newsroom) -> i64 {
    create_article(app, &room.editor, &article_body(room, "Not yet", "draft")).await["id"]
        .as_i64()
        .unwrap()
}

/// A new visitor: (visitor id, token).
pub async fn visitor(app: &TestApp) -> (Value, String) {
    let body = expect_json(app.post("/api/v1/auth/visitor"), 201).await;
    assert!(body["visitor_id"].is_number(), "{body}");
    (body["visitor_id"].clone(), access_token(&body))
}

/// The fields a validation problem names.
pub fn fields(problem: &Value) -> Vec<&str> {
    problem["errors"]
        .as_array()
        .map(|errors| errors.iter().filter_map(|e| e["field"].as_str()).collect())
        .unwrap_or_default()
}

/// Reads `db_queries_total` from /metrics.
pub async fn queries(app: &TestApp) -> u64 {
    metric(app, "db_queries_total").await as u64
}

/// The value of the metric `name` (without labels) in `app`'s /metrics.
pub async fn metric(app: &TestApp, name: &str) -> i64 {
    let mut response = app.get("/metrics").send().await.unwrap();
    let text = String::from_utf8(response.body().await.unwrap().to_vec()).unwrap();
    text.lines()
        .find_map(|line| line.strip_prefix(&format!("{name} ")))
        .and_then(|n| n.trim().parse().ok())
        .unwrap_or_else(|| panic!("{name} in /metrics"))
}
