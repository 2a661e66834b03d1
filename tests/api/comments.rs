//! Comments: moderation modes, threads and their depth, pagination, visibility, escaping,
//! validation, soft deletes, reports, the moderation API, bans, rate limits and the cache.

use std::fmt::Display;

use serde_json::{Value, json};

use crate::fixtures::{
    article_body, create_article, draft_article, fields, newsroom, published_article, queries,
    visitor,
};
use crate::helpers::{
    TestApp, assert_problem, concurrently, expect_json, header, json_body, send_json_expect,
    spawn_app, spawn_app_with,
};

/// The comments of `article` (id or slug).
fn comments_path(article: impl Display) -> String {
    format!("/api/v1/articles/{article}/comments")
}

/// Posts a comment as `token`; asserts 201 and returns `data`.
async fn comment(app: &TestApp, token: &str, article: impl Display, body: Value) -> Value {
    send_json_expect(
        app.post(&comments_path(article)).bearer_auth(token),
        &body,
        201,
    )
    .await["data"]
        .clone()
}

/// Posts a comment that must be refused with `status`; returns the problem.
async fn refused(
    app: &TestApp,
    token: &str,
    article: impl Display,
    body: Value,
    status: u16,
) -> Value {
    let mut response = app
        .post(&comments_path(article))
        .bearer_auth(token)
        .send_json(&body)
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), status, "{body}");
    assert_problem(&mut response, status).await
}

/// The public comment list of `article` with `query`: the whole body.
async fn public_comments(app: &TestApp, article: impl Display, query: &str) -> Value {
    expect_json(app.get(&format!("{}?{query}", comments_path(article))), 200).await
}

/// The ids of an array of comments, as a JSON array.
fn ids(comments: &Value) -> Value {
    comments
        .as_array()
        .unwrap_or_else(|| panic!("an array: {comments}"))
        .iter()
        .map(|c| c["id"].clone())
        .collect()
}

/// The `comment_count` of `article` in its public, anonymous read.
async fn comment_count(app: &TestApp, article: i64) -> Value {
    expect_json(app.get(&format!("/api/v1/articles/{article}")), 200).await["data"]["comment_count"]
        .clone()
}

/// The moderation queue with `query`, as `token`: the whole body.
async fn queue(app: &TestApp, token: &str, query: &str) -> Value {
    expect_json(
        app.get(&format!("/api/v1/admin/comments?{query}"))
            .bearer_auth(token),
        200,
    )
    .await
}

/// Sets the status of `comment` as `token`; returns the AdminComment.
async fn moderate(app: &TestApp, token: &str, comment: &Value, status: &str) -> Value {
    let data = send_json_expect(
        app.patch(&format!("/api/v1/admin/comments/{}", comment["id"]))
            .bearer_auth(token),
        &json!({"status": status}),
        200,
    )
    .await["data"]
        .clone();
    assert_eq!(data["status"], status);
    data
}

/// The reports path of `comment`.
fn reports_path(comment: &Value) -> String {
    format!("/api/v1/comments/{}/reports", comment["id"])
}

/// Reports `comment` as `token`; asserts 202.
async fn report(app: &TestApp, token: &str, comment: &Value, reason: &str) {
    let response = app
        .post(&reports_path(comment))
        .bearer_auth(token)
        .send_json(&json!({"reason": reason}))
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 202, "report for {reason}");
}

/// Deletes `comment` as `token`; returns the status.
async fn delete_comment(app: &TestApp, token: &str, comment: &Value) -> u16 {
    app.delete(&format!("/api/v1/comments/{}", comment["id"]))
        .bearer_auth(token)
        .send()
        .await
        .unwrap()
        .status()
        .as_u16()
}

/// Asserts a 429 with a sensible `Retry-After`.
async fn assert_rate_limited<S>(response: &mut awc::ClientResponse<S>)
where
    S: futures_core::Stream<Item = Result<actix_web::web::Bytes, awc::error::PayloadError>> + Unpin,
{
    let problem = assert_problem(&mut *response, 429).await;
    assert_eq!(problem["type"], "/problems/too-many-requests");
    let retry: u64 = header(&*response, "retry-after")
        .expect("a Retry-After header")
        .parse()
        .unwrap();
    assert!((1..=60).contains(&retry), "{retry}");
}

#[actix_web::test]
async fn a_readers_comment_is_public_at_once_under_post_moderation() {
    let app = spawn_app().await;
    let room = newsroom(&app).await;
    let (article, slug) = published_article(&app, &room, "Talking point").await;
    let (_, _, reader) = app.user_with_role("reader").await;

    let created = comment(
        &app,
        &reader,
        article,
        json!({"body": "  A fair point, well made.  "}),
    )
    .await;
    assert!(created["id"].is_number(), "{created}");
    assert_eq!(created["article_id"], article);
    assert_eq!(created["parent_id"], Value::Null);
    assert_eq!(
        created["author"],
        json!({"name": "A reader", "kind": "reader"})
    );
    assert_eq!(created["body"], "A fair point, well made.", "trimmed");
    assert_eq!(created["status"], "approved");
    assert!(created["created_at"].is_string(), "{created}");

    let list = public_comments(&app, article, "").await;
    assert_eq!(list["meta"]["total"], 1);
    let shown = &list["data"][0];
    assert_eq!(shown["id"], created["id"]);
    assert_eq!(shown["parent_id"], Value::Null);
    assert_eq!(
        shown["author"],
        json!({"name": "A reader", "kind": "reader"})
    );
    assert_eq!(shown["body"], "A fair point, well made.");
    assert!(shown["created_at"].is_string(), "{shown}");
    assert_eq!(shown["deleted"], false);
    assert_eq!(shown["replies"], json!([]));
    assert_eq!(
        ids(&public_comments(&app, &slug, "").await["data"]),
        json!([created["id"]]),
        "the slug lists the same"
    );
    assert_eq!(comment_count(&app, article).await, 1);
}

#[actix_web::test]
async fn a_visitors_comment_waits_for_moderation() {
    let app = spawn_app().await;
    let room = newsroom(&app).await;
    let (article, _) = published_article(&app, &room, "Open to all").await;
    let (visitor_id, visitor_token) = visitor(&app).await;

    let created = comment(
        &app,
        &visitor_token,
        article,
        json!({"body": "First time here.", "author_name": "Gülnara"}),
    )
    .await;
    assert_eq!(created["status"], "pending");
    assert_eq!(
        created["author"],
        json!({"name": "Gülnara", "kind": "visitor"})
    );
    let list = public_comments(&app, article, "").await;
    assert_eq!(list["data"], json!([]));
    assert_eq!(list["meta"]["total"], 0);
    assert_eq!(comment_count(&app, article).await, 0);

    let pending = queue(&app, &room.editor, "status=pending").await;
    assert_eq!(ids(&pending["data"]), json!([created["id"]]));
    let held = &pending["data"][0];
    assert_eq!(
        held["author"],
        json!({"name": "Gülnara", "kind": "visitor", "user_id": null, "visitor_id": visitor_id})
    );
    assert_eq!(held["article_id"], article);
    assert_eq!(held["depth"], 1);
    assert_eq!(held["status"], "pending");

    moderate(&app, &room.editor, &created, "approved").await;
    let list = public_comments(&app, article, "").await;
    assert_eq!(ids(&list["data"]), json!([created["id"]]));
    assert_eq!(
        list["data"][0]["author"],
        json!({"name": "Gülnara", "kind": "visitor"})
    );
    assert_eq!(comment_count(&app, article).await, 1);
}

#[actix_web::test]
async fn staff_comments_are_approved_and_marked_as_staff() {
    let app = spawn_app().await;
    let room = newsroom(&app).await;
    let (article, slug) = published_article(&app, &room, "From the desk").await;
    let (_, _, author) = app.user_with_role("author").await;

    let from_editor = comment(
        &app,
        &room.editor,
        &slug,
        json!({"body": "Editor's note: updated."}),
    )
    .await;
    assert_eq!(from_editor["status"], "approved");
    assert_eq!(from_editor["article_id"], article, "posted by slug");
    assert_eq!(
        from_editor["author"],
        json!({"name": "A editor", "kind": "staff"})
    );
    let from_author = comment(
        &app,
        &author,
        article,
        json!({"body": "Thanks for reading."}),
    )
    .await;
    assert_eq!(from_author["status"], "approved");
    assert_eq!(
        from_author["author"],
        json!({"name": "A author", "kind": "staff"})
    );
    let list = public_comments(&app, article, "sort=oldest").await;
    assert_eq!(
        ids(&list["data"]),
        json!([from_editor["id"], from_author["id"]])
    );
    assert_eq!(list["data"][0]["author"]["kind"], "staff");
}

#[actix_web::test]
async fn pre_moderation_holds_readers_comments_until_an_editor_approves() {
    let app = spawn_app_with(|env| {
        env.insert("COMMENT_MODERATION".into(), "pre".into());
    })
    .await;
    let room = newsroom(&app).await;
    let (article, _) = published_article(&app, &room, "Moderated").await;
    let (_, _, reader) = app.user_with_role("reader").await;
    let (_, visitor_token) = visitor(&app).await;

    let from_reader = comment(
        &app,
        &reader,
        article,
        json!({"body": "Pending, I hope not."}),
    )
    .await;
    assert_eq!(from_reader["status"], "pending");
    let from_visitor = comment(
        &app,
        &visitor_token,
        article,
        json!({"body": "Me too.", "author_name": "Ali"}),
    )
    .await;
    assert_eq!(from_visitor["status"], "pending");
    let from_editor = comment(&app, &room.editor, article, json!({"body": "Staff pass."})).await;
    assert_eq!(from_editor["status"], "approved", "staff are never held");

    let list = public_comments(&app, article, "sort=oldest").await;
    assert_eq!(ids(&list["data"]), json!([from_editor["id"]]));
    assert_eq!(comment_count(&app, article).await, 1);

    let mut approved = app
        .patch(&format!("/api/v1/admin/comments/{}", from_reader["id"]))
        .bearer_auth(&room.editor)
        .send_json(&json!({"status": "approved"}))
        .await
        .unwrap();
    assert_eq!(approved.status().as_u16(), 200);
    assert!(header(&approved, "etag").is_some(), "an ETag");
    assert_eq!(json_body(&mut approved).await["data"]["status"], "approved");

    let list = public_comments(&app, article, "sort=oldest").await;
    assert_eq!(
        ids(&list["data"]),
        json!([from_reader["id"], from_editor["id"]])
    );
    assert_eq!(list["meta"]["total"], 2);
    assert_eq!(comment_count(&app, article).await, 2);
}

#[actix_web::test]
async fn replies_nest_under_their_parents() {
    let app = spawn_app().await;
    let room = newsroom(&app).await;
    let (article, _) = published_article(&app, &room, "Threads").await;
    let (_, _, reader) = app.user_with_role("reader").await;
    let (_, _, other) = app.user_with_role("reader").await;

    let top = comment(&app, &reader, article, json!({"body": "Top"})).await;
    let reply = comment(
        &app,
        &room.editor,
        article,
        json!({"body": "Reply", "parent_id": top["id"]}),
    )
    .await;
    assert_eq!(reply["parent_id"], top["id"]);
    let nested = comment(
        &app,
        &other,
        article,
        json!({"body": "Nested", "parent_id": reply["id"]}),
    )
    .await;
    let second_reply = comment(
        &app,
        &reader,
        article,
        json!({"body": "Second reply", "parent_id": top["id"]}),
    )
    .await;
    let other_top = comment(&app, &other, article, json!({"body": "Another thread"})).await;

    let list = public_comments(&app, article, "sort=oldest").await;
    assert_eq!(list["meta"]["total"], 2, "top-level comments only");
    assert_eq!(ids(&list["data"]), json!([top["id"], other_top["id"]]));
    let thread = &list["data"][0];
    assert_eq!(
        ids(&thread["replies"]),
        json!([reply["id"], second_reply["id"]]),
        "replies oldest first"
    );
    let first_reply = &thread["replies"][0];
    assert_eq!(first_reply["parent_id"], top["id"]);
    assert_eq!(first_reply["body"], "Reply");
    assert_eq!(first_reply["author"]["kind"], "staff");
    assert_eq!(first_reply["deleted"], false);
    assert_eq!(ids(&first_reply["replies"]), json!([nested["id"]]));
    assert_eq!(first_reply["replies"][0]["parent_id"], reply["id"]);
    assert_eq!(first_reply["replies"][0]["replies"], json!([]));
    assert_eq!(list["data"][1]["replies"], json!([]));

    let newest = public_comments(&app, article, "sort=newest").await;
    assert_eq!(ids(&newest["data"]), json!([other_top["id"], top["id"]]));
    assert_eq!(
        ids(&newest["data"][1]["replies"]),
        json!([reply["id"], second_reply["id"]]),
        "replies stay oldest first"
    );
    assert_eq!(comment_count(&app, article).await, 5);
}

#[actix_web::test]
async fn replies_stop_at_the_default_maximum_depth_of_three() {
    let app = spawn_app().await;
    let room = newsroom(&app).await;
    let (article, _) = published_article(&app, &room, "Deep").await;
    let (_, _, reader) = app.user_with_role("reader").await;
    let level1 = comment(&app, &reader, article, json!({"body": "Level 1"})).await;
    let level2 = comment(
        &app,
        &reader,
        article,
        json!({"body": "Level 2", "parent_id": level1["id"]}),
    )
    .await;
    let level3 = comment(
        &app,
        &reader,
        article,
        json!({"body": "Level 3", "parent_id": level2["id"]}),
    )
    .await;
    let problem = refused(
        &app,
        &reader,
        article,
        json!({"body": "Level 4", "parent_id": level3["id"]}),
        422,
    )
    .await;
    assert!(fields(&problem).contains(&"parent_id"), "{problem}");
    let list = public_comments(&app, article, "").await;
    assert_eq!(
        list["data"][0]["replies"][0]["replies"][0]["replies"],
        json!([]),
        "nothing stored below level 3"
    );
    let admin_view = queue(&app, &room.editor, &format!("article={article}")).await;
    let deepest = admin_view["data"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["id"] == level3["id"])
        .unwrap();
    assert_eq!(deepest["depth"], 3);
}

#[actix_web::test]
async fn the_maximum_depth_is_configurable() {
    let app = spawn_app_with(|env| {
        env.insert("COMMENT_MAX_DEPTH".into(), "2".into());
    })
    .await;
    let room = newsroom(&app).await;
    let (article, _) = published_article(&app, &room, "Shallow").await;
    let (_, _, reader) = app.user_with_role("reader").await;
    let level1 = comment(&app, &reader, article, json!({"body": "Level 1"})).await;
    let level2 = comment(
        &app,
        &reader,
        article,
        json!({"body": "Level 2", "parent_id": level1["id"]}),
    )
    .await;
    let problem = refused(
        &app,
        &reader,
        article,
        json!({"body": "Level 3", "parent_id": level2["id"]}),
        422,
    )
    .await;
    assert!(fields(&problem).contains(&"parent_id"), "{problem}");
    // Another reply at level 2 is fine.
    comment(
        &app,
        &reader,
        article,
        json!({"body": "Level 2 again", "parent_id": level1["id"]}),
    )
    .await;
}

#[actix_web::test]
async fn top_level_comments_are_paginated_and_sorted() {
    let app = spawn_app().await;
    let room = newsroom(&app).await;
    let (article, _) = published_article(&app, &room, "Busy").await;
    let mut top = Vec::new();
    for n in 0..5 {
        top.push(
            comment(
                &app,
                &room.editor,
                article,
                json!({"body": format!("Comment {n}")}),
            )
            .await,
        );
    }
    comment(
        &app,
        &room.editor,
        article,
        json!({"body": "A reply", "parent_id": top[0]["id"]}),
    )
    .await;

    let first = public_comments(&app, article, "sort=oldest&per_page=2").await;
    assert_eq!(first["meta"]["page"], 1);
    assert_eq!(first["meta"]["per_page"], 2);
    assert_eq!(first["meta"]["total"], 5, "replies are not counted");
    assert_eq!(first["meta"]["total_pages"], 3);
    assert_eq!(ids(&first["data"]), json!([top[0]["id"], top[1]["id"]]));
    assert_eq!(first["data"][0]["replies"].as_array().unwrap().len(), 1);
    let second = app
        .get(&format!(
            "{}?sort=oldest&per_page=2&page=2",
            comments_path(article)
        ))
        .send()
        .await
        .unwrap();
    let link = header(&second, "link").expect("a Link header");
    assert!(link.contains("page=3") && link.contains("page=1"), "{link}");
    let last = public_comments(&app, article, "sort=oldest&per_page=2&page=3").await;
    assert_eq!(ids(&last["data"]), json!([top[4]["id"]]));
    let newest = public_comments(&app, article, "sort=newest&per_page=2").await;
    assert_eq!(ids(&newest["data"]), json!([top[4]["id"], top[3]["id"]]));
    let all = public_comments(&app, article, "per_page=100").await;
    assert_eq!(all["data"].as_array().unwrap().len(), 5);

    for bad in ["per_page=1000", "per_page=101", "sort=bogus"] {
        let mut response = app
            .get(&format!("{}?{bad}", comments_path(article)))
            .send()
            .await
            .unwrap();
        assert_problem(&mut response, 422).await;
    }
}

#[actix_web::test]
async fn hidden_comments_and_their_replies_are_never_public_nor_counted() {
    let app = spawn_app().await;
    let room = newsroom(&app).await;
    let (article, _) = published_article(&app, &room, "Heated").await;
    let (_, _, reader) = app.user_with_role("reader").await;
    let (_, _, other) = app.user_with_role("reader").await;
    let (_, visitor_token) = visitor(&app).await;
    let editor = &room.editor;

    let thread = comment(&app, &reader, article, json!({"body": "Thread"})).await;
    let answer = comment(
        &app,
        &other,
        article,
        json!({"body": "Answer", "parent_id": thread["id"]}),
    )
    .await;
    let waiting = comment(
        &app,
        &visitor_token,
        article,
        json!({"body": "Waiting", "author_name": "Anon"}),
    )
    .await;
    let rude = comment(&app, &other, article, json!({"body": "Rude"})).await;
    moderate(&app, editor, &rude, "rejected").await;
    let junk = comment(&app, &reader, article, json!({"body": "Cheap watches"})).await;
    moderate(&app, editor, &junk, "spam").await;

    let visible = |list: &Value| ids(&list["data"]);
    let list = public_comments(&app, article, "sort=oldest").await;
    assert_eq!(visible(&list), json!([thread["id"]]));
    assert_eq!(list["meta"]["total"], 1);
    assert_eq!(ids(&list["data"][0]["replies"]), json!([answer["id"]]));
    assert_eq!(comment_count(&app, article).await, 2);

    // Hiding a comment hides the replies under it.
    moderate(&app, editor, &thread, "rejected").await;
    let list = public_comments(&app, article, "sort=oldest").await;
    assert_eq!(list["data"], json!([]));
    assert_eq!(list["meta"]["total"], 0);
    assert_eq!(comment_count(&app, article).await, 0);
    moderate(&app, editor, &thread, "approved").await;
    let list = public_comments(&app, article, "sort=oldest").await;
    assert_eq!(visible(&list), json!([thread["id"]]));
    assert_eq!(ids(&list["data"][0]["replies"]), json!([answer["id"]]));
    assert_eq!(comment_count(&app, article).await, 2);

    // A reply sent back to pending leaves its thread.
    moderate(&app, editor, &answer, "pending").await;
    let list = public_comments(&app, article, "sort=oldest").await;
    assert_eq!(list["data"][0]["replies"], json!([]));
    assert_eq!(comment_count(&app, article).await, 1);
    moderate(&app, editor, &answer, "approved").await;
    assert_eq!(comment_count(&app, article).await, 2);

    // Spam comes in and goes out again; the visitor's comment comes in.
    moderate(&app, editor, &junk, "approved").await;
    let list = public_comments(&app, article, "sort=oldest").await;
    assert_eq!(visible(&list), json!([thread["id"], junk["id"]]));
    assert_eq!(comment_count(&app, article).await, 3);
    moderate(&app, editor, &junk, "spam").await;
    moderate(&app, editor, &waiting, "approved").await;
    let list = public_comments(&app, article, "sort=oldest").await;
    assert_eq!(visible(&list), json!([thread["id"], waiting["id"]]));
    assert_eq!(list["meta"]["total"], 2);
    assert_eq!(comment_count(&app, article).await, 3);
}

#[actix_web::test]
async fn comment_bodies_come_back_as_typed_with_a_safe_html_rendering() {
    let app = spawn_app().await;
    let room = newsroom(&app).await;
    let (article, _) = published_article(&app, &room, "Escaping").await;
    let (_, _, reader) = app.user_with_role("reader").await;
    let typed = "<script>alert(\"x\")</script> & 2026'nın\nsee https://example.com/a?b=1";
    let html = "<p>&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; 2026&#x27;nın<br>see \
                <a href=\"https://example.com/a?b=1\" rel=\"nofollow ugc noopener\">\
                https://example.com/a?b=1</a></p>";

    let created = comment(&app, &reader, article, json!({"body": typed})).await;
    assert_eq!(created["body"], typed);
    assert_eq!(created["body_html"], html);
    let list = public_comments(&app, article, "").await;
    assert_eq!(
        list["data"][0]["body"], typed,
        "JSON is not HTML: the text as typed"
    );
    assert_eq!(list["data"][0]["body_html"], html);
    assert!(
        !list["data"][0]["body_html"]
            .as_str()
            .unwrap()
            .contains("<script")
    );
    let queue = queue(&app, &room.editor, "").await;
    assert_eq!(queue["data"][0]["body"], typed);
    assert_eq!(queue["data"][0]["body_html"], html);
}

#[actix_web::test]
async fn comment_bodies_and_author_names_are_validated() {
    let app = spawn_app().await;
    let room = newsroom(&app).await;
    let (article, _) = published_article(&app, &room, "Validated").await;
    let (_, _, reader) = app.user_with_role("reader").await;
    let (_, visitor_token) = visitor(&app).await;

    for (body, field) in [
        (json!({"body": ""}), "body"),
        (json!({"body": "   \n\t  "}), "body"),
        (json!({"body": "a".repeat(5001)}), "body"),
        (json!({}), "body"),
        (json!({"body": 7}), "body"),
        (
            json!({"body": "Signed.", "author_name": "Someone else"}),
            "author_name",
        ),
    ] {
        let problem = refused(&app, &reader, article, body.clone(), 422).await;
        assert!(fields(&problem).contains(&field), "{body}: {problem}");
    }
    for (body, field) in [
        (json!({"body": "Who am I?"}), "author_name"),
        (
            json!({"body": "Who am I?", "author_name": ""}),
            "author_name",
        ),
        (
            json!({"body": "Who am I?", "author_name": "x".repeat(81)}),
            "author_name",
        ),
        (json!({"body": " ", "author_name": "Ayşe"}), "body"),
    ] {
        let problem = refused(&app, &visitor_token, article, body.clone(), 422).await;
        assert!(fields(&problem).contains(&field), "{body}: {problem}");
    }
    assert_eq!(queue(&app, &room.editor, "").await["meta"]["total"], 0);

    // The limits themselves are fine: 5000 characters (not bytes), counted after trimming.
    let longest = comment(&app, &reader, article, json!({"body": "a".repeat(5000)})).await;
    assert_eq!(longest["body"].as_str().unwrap().len(), 5000);
    let turkish = comment(&app, &reader, article, json!({"body": "ş".repeat(5000)})).await;
    assert_eq!(turkish["body"].as_str().unwrap().chars().count(), 5000);
    let padded = comment(
        &app,
        &reader,
        article,
        json!({"body": format!("  {}  ", "b".repeat(5000))}),
    )
    .await;
    assert_eq!(padded["body"].as_str().unwrap().len(), 5000);
    let named = comment(
        &app,
        &visitor_token,
        article,
        json!({"body": "Hello.", "author_name": "x".repeat(80)}),
    )
    .await;
    assert_eq!(named["author"]["name"], "x".repeat(80));
}

#[actix_web::test]
async fn server_owned_fields_are_refused_and_nothing_is_stored() {
    let app = spawn_app().await;
    let room = newsroom(&app).await;
    let (article, _) = published_article(&app, &room, "Tamper-proof").await;
    let (reader_id, _, reader) = app.user_with_role("reader").await;
    let (_, visitor_token) = visitor(&app).await;

    for extra in [
        json!({"status": "approved"}),
        json!({"author_id": reader_id}),
        json!({"article_id": article}),
        json!({"deleted": false}),
        json!({"report_count": 0}),
    ] {
        let mut body = json!({"body": "Sneaky."});
        body.as_object_mut()
            .unwrap()
            .extend(extra.as_object().unwrap().clone());
        let field = extra.as_object().unwrap().keys().next().unwrap().clone();
        let problem = refused(&app, &reader, article, body, 422).await;
        assert!(fields(&problem).contains(&field.as_str()), "{problem}");
    }
    let problem = refused(
        &app,
        &visitor_token,
        article,
        json!({"body": "Sneaky.", "author_name": "V", "status": "approved"}),
        422,
    )
    .await;
    assert!(fields(&problem).contains(&"status"), "{problem}");

    let list = public_comments(&app, article, "").await;
    assert_eq!(list["data"], json!([]));
    assert_eq!(list["meta"]["total"], 0);
    let stored = queue(&app, &room.editor, &format!("article={article}")).await;
    assert_eq!(stored["data"], json!([]));
    assert_eq!(stored["meta"]["total"], 0);
}

#[actix_web::test]
async fn a_parent_must_be_a_visible_comment_of_the_same_article() {
    let app = spawn_app().await;
    let room = newsroom(&app).await;
    let (article, _) = published_article(&app, &room, "Here").await;
    let (elsewhere, _) = published_article(&app, &room, "Elsewhere").await;
    let (_, _, reader) = app.user_with_role("reader").await;
    let (_, visitor_token) = visitor(&app).await;

    let foreign = comment(&app, &reader, elsewhere, json!({"body": "Over there"})).await;
    let pending = comment(
        &app,
        &visitor_token,
        article,
        json!({"body": "Held", "author_name": "Anon"}),
    )
    .await;
    let deleted = comment(&app, &reader, article, json!({"body": "Gone soon"})).await;
    assert_eq!(delete_comment(&app, &reader, &deleted).await, 204);
    let rejected = comment(&app, &reader, article, json!({"body": "Rejected soon"})).await;
    moderate(&app, &room.editor, &rejected, "rejected").await;

    for parent in [
        foreign["id"].clone(),
        pending["id"].clone(),
        deleted["id"].clone(),
        rejected["id"].clone(),
        json!(999_999_999),
    ] {
        let problem = refused(
            &app,
            &reader,
            article,
            json!({"body": "A reply", "parent_id": parent}),
            422,
        )
        .await;
        assert!(fields(&problem).contains(&"parent_id"), "{problem}");
    }
    assert_eq!(
        public_comments(&app, elsewhere, "").await["data"][0]["replies"],
        json!([])
    );
    // Nothing was stored under this article either: still only the three comments made above.
    assert_eq!(
        queue(&app, &room.editor, &format!("article={article}")).await["meta"]["total"],
        3
    );
}

#[actix_web::test]
async fn comment_writes_must_be_small_json_with_a_token() {
    let app = spawn_app().await;
    let room = newsroom(&app).await;
    let (article, _) = published_article(&app, &room, "Formats").await;
    let (_, _, reader) = app.user_with_role("reader").await;

    let mut text = app
        .post(&comments_path(article))
        .bearer_auth(&reader)
        .insert_header(("content-type", "text/plain"))
        .send_body(r#"{"body": "Plain?"}"#)
        .await
        .unwrap();
    assert_problem(&mut text, 415).await;
    let mut huge = app
        .post(&comments_path(article))
        .bearer_auth(&reader)
        .send_json(&json!({"body": "x".repeat(70_000)}))
        .await
        .unwrap();
    assert_problem(&mut huge, 413).await;
    let mut anonymous = app
        .post(&comments_path(article))
        .send_json(&json!({"body": "Who?"}))
        .await
        .unwrap();
    assert_problem(&mut anonymous, 401).await;
    let mut invalid = app
        .post(&comments_path(article))
        .insert_header(("authorization", "Bearer not.a.jwt"))
        .send_json(&json!({"body": "Who?"}))
        .await
        .unwrap();
    assert_problem(&mut invalid, 401).await;

    // The report and reaction routes have the same limit.
    let target = comment(&app, &reader, article, json!({"body": "Report me"})).await;
    let mut huge_report = app
        .post(&reports_path(&target))
        .bearer_auth(&reader)
        .send_json(&json!({"reason": "other", "note": "x".repeat(70_000)}))
        .await
        .unwrap();
    assert_problem(&mut huge_report, 413).await;
    let mut huge_reaction = app
        .put(&format!("/api/v1/articles/{article}/reactions/mine"))
        .bearer_auth(&reader)
        .send_json(&json!({"kind": "x".repeat(70_000)}))
        .await
        .unwrap();
    assert_problem(&mut huge_reaction, 413).await;

    assert_eq!(
        ids(&public_comments(&app, article, "").await["data"]),
        json!([target["id"]])
    );
}

#[actix_web::test]
async fn comments_need_a_visible_article_that_takes_them() {
    let app = spawn_app().await;
    let room = newsroom(&app).await;
    let (_, _, reader) = app.user_with_role("reader").await;
    let (_, visitor_token) = visitor(&app).await;
    let draft = draft_article(&app, &room).await;

    for key in [
        draft.to_string(),
        "999999999".to_owned(),
        "no-such-article".to_owned(),
    ] {
        let mut list = app.get(&comments_path(&key)).send().await.unwrap();
        assert_problem(&mut list, 404).await;
        refused(&app, &reader, &key, json!({"body": "Hello?"}), 404).await;
    }

    let mut body = article_body(&room, "Comments closed", "published");
    body["comments_enabled"] = json!(false);
    let closed = create_article(&app, &room.editor, &body).await["id"]
        .as_i64()
        .unwrap();
    refused(&app, &reader, closed, json!({"body": "Let me in"}), 403).await;
    refused(
        &app,
        &visitor_token,
        closed,
        json!({"body": "Let me in", "author_name": "V"}),
        403,
    )
    .await;
    assert_eq!(queue(&app, &room.editor, "").await["meta"]["total"], 0);
}

#[actix_web::test]
async fn readers_soft_delete_their_own_comments() {
    // Counts are read fresh: article reads are cached for CACHE_MAX_AGE otherwise.
    let app = spawn_app_with(|env| {
        env.insert("RESPONSE_CACHE_MB".into(), "0".into());
    })
    .await;
    let room = newsroom(&app).await;
    let (article, _) = published_article(&app, &room, "Regrets").await;
    let (_, _, reader) = app.user_with_role("reader").await;
    let (_, _, other) = app.user_with_role("reader").await;

    let own = comment(&app, &reader, article, json!({"body": "I regret this"})).await;
    let answer = comment(
        &app,
        &other,
        article,
        json!({"body": "Too late", "parent_id": own["id"]}),
    )
    .await;
    assert_eq!(comment_count(&app, article).await, 2);

    assert_eq!(delete_comment(&app, &other, &own).await, 404, "not theirs");
    let anonymous = app
        .delete(&format!("/api/v1/comments/{}", own["id"]))
        .send()
        .await
        .unwrap();
    assert_eq!(anonymous.status().as_u16(), 401);
    assert_eq!(
        public_comments(&app, article, "").await["data"][0]["deleted"],
        false
    );

    assert_eq!(delete_comment(&app, &reader, &own).await, 204);
    let list = public_comments(&app, article, "").await;
    let shown = &list["data"][0];
    assert_eq!(shown["id"], own["id"]);
    assert_eq!(shown["deleted"], true);
    assert_eq!(shown["body"], Value::Null);
    assert_eq!(
        ids(&shown["replies"]),
        json!([answer["id"]]),
        "replies kept"
    );
    assert_eq!(shown["replies"][0]["body"], "Too late");
    assert_eq!(comment_count(&app, article).await, 1);

    assert_eq!(delete_comment(&app, &reader, &own).await, 204, "again");
    assert_eq!(
        delete_comment(&app, &reader, &json!({"id": 999_999_999})).await,
        404
    );
    let admin_view = queue(&app, &room.editor, &format!("article={article}")).await;
    let stored = admin_view["data"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["id"] == own["id"])
        .unwrap();
    assert_eq!(stored["deleted"], true);
}

#[actix_web::test]
async fn three_distinct_reports_hide_a_comment_until_it_is_approved_again() {
    let app = spawn_app_with(|env| {
        env.insert("TRUSTED_PROXIES".into(), "127.0.0.0/8, ::1".into());
    })
    .await;
    let room = newsroom(&app).await;
    let (article, _) = published_article(&app, &room, "Controversy").await;
    let (_, _, writer) = app.user_with_role("reader").await;
    let target = comment(&app, &writer, article, json!({"body": "A hot take"})).await;
    assert_eq!(comment_count(&app, article).await, 1);

    let mut readers = Vec::new();
    for _ in 0..4 {
        readers.push(app.user_with_role("reader").await.2);
    }
    report_from(&app, &readers[0], &target, "spam", "203.0.113.1").await;
    report_from(&app, &readers[1], &target, "abuse", "203.0.113.2").await;
    assert_eq!(
        ids(&public_comments(&app, article, "").await["data"]),
        json!([target["id"]]),
        "two reports are not enough"
    );
    report_from(&app, &readers[2], &target, "off_topic", "203.0.113.3").await;

    let list = public_comments(&app, article, "").await;
    assert_eq!(list["data"], json!([]));
    assert_eq!(comment_count(&app, article).await, 0);
    let reported = queue(&app, &room.editor, "reported=true").await;
    assert_eq!(ids(&reported["data"]), json!([target["id"]]));
    assert_eq!(reported["data"][0]["status"], "pending");
    assert_eq!(reported["data"][0]["report_count"], 3);

    let decided = moderate(&app, &room.editor, &target, "approved").await;
    assert_eq!(decided["report_count"], 0, "a decision resets the reports");
    assert_eq!(
        ids(&public_comments(&app, article, "").await["data"]),
        json!([target["id"]])
    );
    assert_eq!(comment_count(&app, article).await, 1);
    assert_eq!(
        queue(&app, &room.editor, "reported=true").await["meta"]["total"],
        0
    );
    // The same reporters can't hide it again; one new reporter alone doesn't either.
    for (reader, ip) in readers[..3]
        .iter()
        .zip(["203.0.113.1", "203.0.113.2", "203.0.113.3"])
    {
        report_from(&app, reader, &target, "spam", ip).await;
    }
    report_from(&app, &readers[3], &target, "spam", "203.0.113.4").await;
    assert_eq!(
        ids(&public_comments(&app, article, "").await["data"]),
        json!([target["id"]]),
        "an approved comment is not hidden again by the reporters a moderator answered"
    );
}

/// Reports `comment` as `token` from client `ip` (behind a trusted proxy).
async fn report_from(app: &TestApp, token: &str, comment: &Value, reason: &str, ip: &str) {
    let response = app
        .post(&reports_path(comment))
        .bearer_auth(token)
        .insert_header(("x-forwarded-for", ip))
        .send_json(&json!({"reason": reason}))
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 202, "report for {reason}");
}

#[actix_web::test]
async fn visitors_and_one_address_report_without_hiding_and_staff_are_never_hidden() {
    let app = spawn_app_with(|env| {
        env.insert("TRUSTED_PROXIES".into(), "127.0.0.0/8, ::1".into());
    })
    .await;
    let room = newsroom(&app).await;
    let (article, _) = published_article(&app, &room, "Pile-on").await;
    let (_, _, writer) = app.user_with_role("reader").await;
    let target = comment(&app, &writer, article, json!({"body": "Fair point"})).await;
    let staff = comment(
        &app,
        &room.editor,
        article,
        json!({"body": "Editor's note"}),
    )
    .await;
    // Free visitor tokens, each from its own address: they reach the queue, they don't hide.
    for n in 0..5 {
        let (_, visitor) = visitor(&app).await;
        report_from(&app, &visitor, &target, "spam", &format!("198.51.100.{n}")).await;
    }
    // Accounts on one address count once.
    for _ in 0..3 {
        let (_, _, reader) = app.user_with_role("reader").await;
        report_from(&app, &reader, &target, "abuse", "192.0.2.7").await;
    }
    // So do accounts on one IPv6 host: its /64 is one client.
    for ip in ["2001:db8::1", "2001:db8::2", "2001:db8::3"] {
        let (_, _, reader) = app.user_with_role("reader").await;
        report_from(&app, &reader, &target, "abuse", ip).await;
    }
    let visible = ids(&public_comments(&app, article, "").await["data"]);
    assert!(
        visible.as_array().unwrap().contains(&target["id"]),
        "{visible}"
    );
    let reported = queue(&app, &room.editor, "reported=true").await;
    assert!(
        ids(&reported["data"])
            .as_array()
            .unwrap()
            .contains(&target["id"])
    );
    // Staff comments are never hidden by reports, however many and from wherever.
    for n in 0..4 {
        let (_, _, reader) = app.user_with_role("reader").await;
        report_from(
            &app,
            &reader,
            &staff,
            "abuse",
            &format!("192.0.2.{}", 100 + n),
        )
        .await;
    }
    let visible = ids(&public_comments(&app, article, "").await["data"]);
    assert!(
        visible.as_array().unwrap().contains(&staff["id"]),
        "{visible}"
    );
}

#[actix_web::test]
async fn one_reporter_counts_once() {
    let app = spawn_app().await;
    let room = newsroom(&app).await;
    let (article, _) = published_article(&app, &room, "Grudge").await;
    let (_, _, writer) = app.user_with_role("reader").await;
    let target = comment(&app, &writer, article, json!({"body": "Unpopular opinion"})).await;
    let (_, grudge) = visitor(&app).await;
    for reason in ["spam", "abuse", "other"] {
        report(&app, &grudge, &target, reason).await;
    }
    assert_eq!(
        ids(&public_comments(&app, article, "").await["data"]),
        json!([target["id"]])
    );
    let reported = queue(&app, &room.editor, "reported=true").await;
    assert_eq!(ids(&reported["data"]), json!([target["id"]]));
    assert_eq!(reported["data"][0]["status"], "approved");
    assert_eq!(reported["data"][0]["report_count"], 1);
}

#[actix_web::test]
async fn reports_are_validated_and_need_a_public_comment() {
    let app = spawn_app().await;
    let room = newsroom(&app).await;
    let (article, _) = published_article(&app, &room, "Reportable").await;
    let (_, _, writer) = app.user_with_role("reader").await;
    let (_, reporter) = visitor(&app).await;
    let target = comment(&app, &writer, article, json!({"body": "Report me"})).await;

    for (body, field) in [
        (json!({"reason": "boring"}), "reason"),
        (json!({}), "reason"),
        (json!({"reason": "spam", "weight": 10}), "weight"),
    ] {
        let mut response = app
            .post(&reports_path(&target))
            .bearer_auth(&reporter)
            .send_json(&body)
            .await
            .unwrap();
        let problem = assert_problem(&mut response, 422).await;
        assert!(fields(&problem).contains(&field), "{body}: {problem}");
    }
    let mut anonymous = app
        .post(&reports_path(&target))
        .send_json(&json!({"reason": "spam"}))
        .await
        .unwrap();
    assert_problem(&mut anonymous, 401).await;
    assert_eq!(
        queue(&app, &room.editor, "reported=true").await["meta"]["total"],
        0,
        "nothing counted"
    );
    let mut with_note = app
        .post(&reports_path(&target))
        .bearer_auth(&reporter)
        .send_json(&json!({"reason": "other", "note": "Quotes me out of context."}))
        .await
        .unwrap();
    assert_eq!(with_note.status().as_u16(), 202);
    assert!(with_note.body().await.unwrap().is_empty(), "no body");

    // Only what the public sees can be reported.
    let (_, visitor_token) = visitor(&app).await;
    let pending = comment(
        &app,
        &visitor_token,
        article,
        json!({"body": "Held", "author_name": "Anon"}),
    )
    .await;
    let deleted = comment(&app, &writer, article, json!({"body": "Gone"})).await;
    assert_eq!(delete_comment(&app, &writer, &deleted).await, 204);
    for hidden in [pending, deleted, json!({"id": 999_999_999})] {
        let mut response = app
            .post(&reports_path(&hidden))
            .bearer_auth(&reporter)
            .send_json(&json!({"reason": "spam"}))
            .await
            .unwrap();
        assert_problem(&mut response, 404).await;
    }
}

#[actix_web::test]
async fn the_moderation_queue_filters_by_status_article_and_reports() {
    let app = spawn_app().await;
    let room = newsroom(&app).await;
    let editor = &room.editor;
    let (first_article, _) = published_article(&app, &room, "First").await;
    let (second_article, _) = published_article(&app, &room, "Second").await;
    let (reader_id, _, reader) = app.user_with_role("reader").await;
    let (_, visitor_token) = visitor(&app).await;
    let (_, reporter) = visitor(&app).await;

    let c1 = comment(&app, &reader, first_article, json!({"body": "One"})).await;
    let c2 = comment(
        &app,
        &visitor_token,
        first_article,
        json!({"body": "Two", "author_name": "V"}),
    )
    .await;
    let c3 = comment(
        &app,
        &visitor_token,
        second_article,
        json!({"body": "Three", "author_name": "V"}),
    )
    .await;
    let c4 = comment(&app, &reader, second_article, json!({"body": "Four"})).await;
    report(&app, &reporter, &c4, "abuse").await;

    let all = queue(&app, editor, "").await;
    assert_eq!(
        ids(&all["data"]),
        json!([c4["id"], c3["id"], c2["id"], c1["id"]]),
        "newest first"
    );
    assert_eq!(all["meta"]["total"], 4);
    for (query, expected) in [
        ("status=pending".to_owned(), json!([c3["id"], c2["id"]])),
        ("status=approved".to_owned(), json!([c4["id"], c1["id"]])),
        ("status=spam".to_owned(), json!([])),
        (
            format!("article={first_article}"),
            json!([c2["id"], c1["id"]]),
        ),
        (
            format!("status=pending&article={second_article}"),
            json!([c3["id"]]),
        ),
        ("reported=true".to_owned(), json!([c4["id"]])),
        (
            "reported=false".to_owned(),
            json!([c3["id"], c2["id"], c1["id"]]),
        ),
        ("per_page=2".to_owned(), json!([c4["id"], c3["id"]])),
        ("per_page=2&page=2".to_owned(), json!([c2["id"], c1["id"]])),
    ] {
        assert_eq!(
            ids(&queue(&app, editor, &query).await["data"]),
            expected,
            "{query}"
        );
    }
    let paged = queue(&app, editor, "per_page=2").await;
    assert_eq!(paged["meta"]["total"], 4);
    assert_eq!(paged["meta"]["total_pages"], 2);
    // Each decided status filters to exactly its own.
    moderate(&app, editor, &c3, "spam").await;
    moderate(&app, editor, &c2, "rejected").await;
    for (query, expected) in [
        ("status=spam", json!([c3["id"]])),
        ("status=rejected", json!([c2["id"]])),
        ("status=pending", json!([])),
    ] {
        assert_eq!(
            ids(&queue(&app, editor, query).await["data"]),
            expected,
            "{query}"
        );
    }
    for query in ["status=bogus", "reported=maybe", "article=abc"] {
        let mut response = app
            .get(&format!("/api/v1/admin/comments?{query}"))
            .bearer_auth(editor)
            .send()
            .await
            .unwrap();
        assert_problem(&mut response, 422).await;
    }

    let one = &all["data"][3];
    assert_eq!(one["article_id"], first_article);
    assert_eq!(one["parent_id"], Value::Null);
    assert_eq!(one["depth"], 1);
    assert_eq!(
        one["author"],
        json!({"name": "A reader", "kind": "reader", "user_id": reader_id, "visitor_id": null})
    );
    assert_eq!(one["body"], "One");
    assert_eq!(one["status"], "approved");
    assert_eq!(one["deleted"], false);
    assert_eq!(one["report_count"], 0);
    assert!(one["version"].is_number(), "{one}");
    assert!(one["created_at"].is_string());
    assert_eq!(one["visible"], true);
    assert_eq!(all["data"][0]["report_count"], 1);
    // Admins see the same queue.
    let admin = app.admin_token().await;
    assert_eq!(queue(&app, &admin, "").await["meta"]["total"], 4);
}

#[actix_web::test]
async fn moderation_checks_if_match_and_its_input() {
    let app = spawn_app().await;
    let room = newsroom(&app).await;
    let (article, _) = published_article(&app, &room, "Careful").await;
    let (_, visitor_token) = visitor(&app).await;
    let held = comment(
        &app,
        &visitor_token,
        article,
        json!({"body": "Please approve", "author_name": "V"}),
    )
    .await;
    let path = format!("/api/v1/admin/comments/{}", held["id"]);

    let mut approved = app
        .patch(&path)
        .bearer_auth(&room.editor)
        .send_json(&json!({"status": "approved"}))
        .await
        .unwrap();
    assert_eq!(approved.status().as_u16(), 200);
    let etag = header(&approved, "etag").expect("an ETag");
    let approved = json_body(&mut approved).await["data"].clone();
    let version = approved["version"].as_i64().unwrap();
    assert_eq!(etag, format!("\"{version}\""));

    let mut stale = app
        .patch(&path)
        .bearer_auth(&room.editor)
        .insert_header(("if-match", format!("\"{}\"", version - 1)))
        .send_json(&json!({"status": "rejected"}))
        .await
        .unwrap();
    assert_problem(&mut stale, 412).await;
    assert_eq!(
        ids(&public_comments(&app, article, "").await["data"]),
        json!([held["id"]]),
        "the stale change did not happen"
    );
    let rejected = send_json_expect(
        app.patch(&path)
            .bearer_auth(&room.editor)
            .insert_header(("if-match", etag.as_str())),
        &json!({"status": "rejected"}),
        200,
    )
    .await;
    assert_eq!(rejected["data"]["status"], "rejected");

    for body in [
        json!({"status": "deleted"}),
        json!({"status": "approved", "body": "Edited"}),
        json!({}),
    ] {
        let mut response = app
            .patch(&path)
            .bearer_auth(&room.editor)
            .send_json(&body)
            .await
            .unwrap();
        assert_problem(&mut response, 422).await;
    }
    assert_eq!(
        ids(&queue(&app, &room.editor, "status=rejected").await["data"]),
        json!([held["id"]]),
        "refused bodies changed nothing"
    );
    let mut unknown = app
        .patch("/api/v1/admin/comments/999999999")
        .bearer_auth(&room.editor)
        .send_json(&json!({"status": "approved"}))
        .await
        .unwrap();
    assert_problem(&mut unknown, 404).await;
}

#[actix_web::test]
async fn bulk_moderation_changes_all_or_nothing() {
    let app = spawn_app().await;
    let room = newsroom(&app).await;
    let (article, _) = published_article(&app, &room, "Bulk").await;
    let (_, visitor_token) = visitor(&app).await;
    let mut held = Vec::new();
    for n in 0..3 {
        held.push(
            comment(
                &app,
                &visitor_token,
                article,
                json!({"body": format!("Held {n}"), "author_name": "V"}),
            )
            .await,
        );
    }
    let moderate_all = |body: Value| {
        app.post("/api/v1/admin/comments/moderate")
            .bearer_auth(&room.editor)
            .send_json(&body)
    };

    let mut approved = moderate_all(
        json!({"ids": [held[0]["id"], held[1]["id"], held[2]["id"]], "status": "approved"}),
    )
    .await
    .unwrap();
    assert_eq!(approved.status().as_u16(), 200);
    let approved = json_body(&mut approved).await["data"].clone();
    let changed = approved.as_array().unwrap();
    assert_eq!(changed.len(), 3);
    assert!(
        changed.iter().all(|c| c["status"] == "approved"),
        "{approved}"
    );
    let mut changed_ids: Vec<i64> = changed.iter().map(|c| c["id"].as_i64().unwrap()).collect();
    changed_ids.sort_unstable();
    let mut held_ids: Vec<i64> = held.iter().map(|c| c["id"].as_i64().unwrap()).collect();
    held_ids.sort_unstable();
    assert_eq!(changed_ids, held_ids);
    assert_eq!(public_comments(&app, article, "").await["meta"]["total"], 3);
    assert_eq!(comment_count(&app, article).await, 3);

    // One unknown id: nothing changes.
    let mut partial =
        moderate_all(json!({"ids": [held[0]["id"], held[1]["id"], 999_999_999], "status": "spam"}))
            .await
            .unwrap();
    assert_problem(&mut partial, 404).await;
    assert_eq!(public_comments(&app, article, "").await["meta"]["total"], 3);
    assert_eq!(
        queue(&app, &room.editor, "status=spam").await["meta"]["total"],
        0
    );

    // A hundred ids is within the limit: unknown ones are 404, not 422.
    let hundred: Vec<i64> = (999_999_000..999_999_100).collect();
    let mut unknown = moderate_all(json!({"ids": hundred, "status": "spam"}))
        .await
        .unwrap();
    assert_problem(&mut unknown, 404).await;

    let too_many: Vec<i64> = (1..=101).collect();
    for body in [
        json!({"ids": [], "status": "approved"}),
        json!({"ids": too_many, "status": "approved"}),
        json!({"ids": [held[0]["id"]], "status": "bogus"}),
        json!({"ids": [held[0]["id"]]}),
    ] {
        let mut response = moderate_all(body.clone()).await.unwrap();
        assert_eq!(response.status().as_u16(), 422, "{body}");
        assert_problem(&mut response, 422).await;
    }
    assert_eq!(
        queue(&app, &room.editor, "status=approved").await["meta"]["total"],
        3
    );
}

#[actix_web::test]
async fn only_editors_and_admins_moderate() {
    let app = spawn_app().await;
    let room = newsroom(&app).await;
    let (article, _) = published_article(&app, &room, "Guarded").await;
    let (_, _, writer) = app.user_with_role("reader").await;
    let target = comment(&app, &writer, article, json!({"body": "Leave me be"})).await;
    let (banned_visitor, _) = visitor(&app).await;
    let (other_visitor, _) = visitor(&app).await;
    let ban_id = send_json_expect(
        app.post("/api/v1/admin/comment-bans")
            .bearer_auth(&room.editor),
        &json!({"visitor_id": banned_visitor}),
        201,
    )
    .await["data"]["id"]
        .clone();

    let mut callers = vec![
        ("anonymous", None),
        ("visitor", Some(app.visitor_token().await)),
    ];
    for role in ["reader", "contributor", "author"] {
        callers.push((role, Some(app.user_with_role(role).await.2)));
    }
    let routes = [
        ("GET", "/api/v1/admin/comments".to_owned(), None),
        (
            "PATCH",
            format!("/api/v1/admin/comments/{}", target["id"]),
            Some(json!({"status": "rejected"})),
        ),
        (
            "POST",
            "/api/v1/admin/comments/moderate".to_owned(),
            Some(json!({"ids": [target["id"]], "status": "rejected"})),
        ),
        ("GET", "/api/v1/admin/comment-bans".to_owned(), None),
        (
            "POST",
            "/api/v1/admin/comment-bans".to_owned(),
            Some(json!({"visitor_id": other_visitor})),
        ),
        (
            "DELETE",
            format!("/api/v1/admin/comment-bans/{ban_id}"),
            None,
        ),
    ];
    for (who, token) in &callers {
        for (method, path, body) in &routes {
            let mut request = app.client.request(method.parse().unwrap(), app.url(path));
            if let Some(token) = token {
                request = request.bearer_auth(token);
            }
            let mut response = match body {
                Some(body) => request.send_json(body).await.unwrap(),
                None => request.send().await.unwrap(),
            };
            let expected = if token.is_none() { 401 } else { 403 };
            assert_eq!(
                response.status().as_u16(),
                expected,
                "{who} {method} {path}"
            );
            assert_problem(&mut response, expected).await;
        }
    }
    // Nothing changed.
    assert_eq!(
        ids(&public_comments(&app, article, "").await["data"]),
        json!([target["id"]])
    );
    let bans = expect_json(
        app.get("/api/v1/admin/comment-bans")
            .bearer_auth(&room.editor),
        200,
    )
    .await;
    assert_eq!(bans["meta"]["total"], 1);
    assert_eq!(bans["data"][0]["visitor_id"], banned_visitor);
    let admin = app.admin_token().await;
    assert_eq!(queue(&app, &admin, "").await["meta"]["total"], 1);
}

#[actix_web::test]
async fn banned_readers_and_visitors_cannot_comment_until_unbanned() {
    let app = spawn_app().await;
    let room = newsroom(&app).await;
    let (article, _) = published_article(&app, &room, "Banned").await;
    let (reader_id, _, reader) = app.user_with_role("reader").await;
    let (visitor_id, visitor_token) = visitor(&app).await;
    let ban = |body: Value| {
        app.post("/api/v1/admin/comment-bans")
            .bearer_auth(&room.editor)
            .send_json(&body)
    };

    let mut banned = ban(json!({"user_id": reader_id, "reason": "Trolling"}))
        .await
        .unwrap();
    assert_eq!(banned.status().as_u16(), 201);
    let reader_ban = json_body(&mut banned).await["data"].clone();
    assert!(reader_ban["id"].is_number(), "{reader_ban}");
    assert_eq!(reader_ban["user_id"], reader_id);
    assert_eq!(reader_ban["visitor_id"], Value::Null);
    assert_eq!(reader_ban["reason"], "Trolling");
    assert!(reader_ban["created_at"].is_string(), "{reader_ban}");
    refused(&app, &reader, article, json!({"body": "Let me speak"}), 403).await;
    let mut twice = ban(json!({"user_id": reader_id})).await.unwrap();
    assert_problem(&mut twice, 409).await;

    let mut banned = ban(json!({"visitor_id": visitor_id})).await.unwrap();
    assert_eq!(banned.status().as_u16(), 201);
    let visitor_ban = json_body(&mut banned).await["data"].clone();
    assert_eq!(visitor_ban["visitor_id"], visitor_id);
    assert_eq!(visitor_ban["user_id"], Value::Null);
    refused(
        &app,
        &visitor_token,
        article,
        json!({"body": "Me neither?", "author_name": "V"}),
        403,
    )
    .await;
    let mut list = app
        .get("/api/v1/admin/comment-bans")
        .bearer_auth(&room.editor)
        .send()
        .await
        .unwrap();
    let list = json_body(&mut list).await;
    assert_eq!(list["meta"]["total"], 2);
    assert_eq!(list["data"].as_array().unwrap().len(), 2);
    assert_eq!(queue(&app, &room.editor, "").await["meta"]["total"], 0);

    let unban_path = format!("/api/v1/admin/comment-bans/{}", reader_ban["id"]);
    let unbanned = app
        .delete(&unban_path)
        .bearer_auth(&room.editor)
        .send()
        .await
        .unwrap();
    assert_eq!(unbanned.status().as_u16(), 204);
    let back = comment(&app, &reader, article, json!({"body": "I'll behave"})).await;
    assert_eq!(back["status"], "approved");
    let mut again = app
        .delete(&unban_path)
        .bearer_auth(&room.editor)
        .send()
        .await
        .unwrap();
    assert_problem(&mut again, 404).await;
    refused(
        &app,
        &visitor_token,
        article,
        json!({"body": "Still me", "author_name": "V"}),
        403,
    )
    .await;
    // Lifting the visitor's ban lets them write again (into moderation, as visitors do).
    let unbanned = app
        .delete(&format!("/api/v1/admin/comment-bans/{}", visitor_ban["id"]))
        .bearer_auth(&room.editor)
        .send()
        .await
        .unwrap();
    assert_eq!(unbanned.status().as_u16(), 204);
    let back = comment(
        &app,
        &visitor_token,
        article,
        json!({"body": "Me again", "author_name": "V"}),
    )
    .await;
    assert_eq!(back["status"], "pending");
}

#[actix_web::test]
async fn a_ban_names_exactly_one_known_actor() {
    let app = spawn_app().await;
    let room = newsroom(&app).await;
    let (reader_id, _, _) = app.user_with_role("reader").await;
    let (visitor_id, _) = visitor(&app).await;
    for body in [
        json!({}),
        json!({"reason": "No one"}),
        json!({"user_id": reader_id, "visitor_id": visitor_id}),
        json!({"user_id": 999_999_999}),
        json!({"visitor_id": 999_999_999}),
        json!({"user_id": reader_id, "until": "2030-01-01T00:00:00Z"}),
    ] {
        let mut response = app
            .post("/api/v1/admin/comment-bans")
            .bearer_auth(&room.editor)
            .send_json(&body)
            .await
            .unwrap();
        assert_eq!(response.status().as_u16(), 422, "{body}");
        assert_problem(&mut response, 422).await;
    }
    let mut list = app
        .get("/api/v1/admin/comment-bans")
        .bearer_auth(&room.editor)
        .send()
        .await
        .unwrap();
    assert_eq!(json_body(&mut list).await["meta"]["total"], 0);
    let mut unknown = app
        .delete("/api/v1/admin/comment-bans/999999999")
        .bearer_auth(&room.editor)
        .send()
        .await
        .unwrap();
    assert_problem(&mut unknown, 404).await;
}

#[actix_web::test]
async fn too_many_comments_from_one_actor_are_429() {
    let app = spawn_app_with(|env| {
        env.insert("RATE_LIMIT_COMMENTS_PER_ACTOR".into(), "2".into());
    })
    .await;
    let room = newsroom(&app).await;
    let (article, _) = published_article(&app, &room, "Chatty").await;
    let (_, _, reader) = app.user_with_role("reader").await;
    comment(&app, &reader, article, json!({"body": "One"})).await;
    comment(&app, &reader, article, json!({"body": "Two"})).await;
    let mut third = app
        .post(&comments_path(article))
        .bearer_auth(&reader)
        .send_json(&json!({"body": "Three"}))
        .await
        .unwrap();
    assert_rate_limited(&mut third).await;
    assert_eq!(public_comments(&app, article, "").await["meta"]["total"], 2);
    // Someone else may still speak.
    let (_, _, other) = app.user_with_role("reader").await;
    comment(&app, &other, article, json!({"body": "My turn"})).await;
}

#[actix_web::test]
async fn too_many_reports_from_one_actor_are_429() {
    let app = spawn_app_with(|env| {
        env.insert("RATE_LIMIT_REPORTS_PER_ACTOR".into(), "1".into());
    })
    .await;
    let room = newsroom(&app).await;
    let (article, _) = published_article(&app, &room, "Touchy").await;
    let (_, _, writer) = app.user_with_role("reader").await;
    let first = comment(&app, &writer, article, json!({"body": "First"})).await;
    let second = comment(&app, &writer, article, json!({"body": "Second"})).await;
    let (_, reporter) = visitor(&app).await;
    report(&app, &reporter, &first, "spam").await;
    let mut again = app
        .post(&reports_path(&second))
        .bearer_auth(&reporter)
        .send_json(&json!({"reason": "spam"}))
        .await
        .unwrap();
    assert_rate_limited(&mut again).await;
    let reported = queue(&app, &room.editor, "reported=true").await;
    assert_eq!(ids(&reported["data"]), json!([first["id"]]));
    // Another visitor has a budget of their own.
    let (_, other) = visitor(&app).await;
    report(&app, &other, &second, "spam").await;
}

/// A server whose per-IP limit of `variable` is 2, trusting loopback's `X-Forwarded-For`.
async fn limited_per_ip(variable: &str) -> TestApp {
    spawn_app_with(|env| {
        env.insert(variable.into(), "2".into());
        env.insert("TRUSTED_PROXIES".into(), "127.0.0.0/8, ::1".into());
    })
    .await
}

#[actix_web::test]
async fn too_many_comments_from_one_client_ip_are_429() {
    let app = limited_per_ip("RATE_LIMIT_COMMENTS_PER_IP").await;
    let room = newsroom(&app).await;
    let (article, _) = published_article(&app, &room, "Crowded room").await;
    let post = |token: String, ip: &'static str| {
        app.post(&comments_path(article))
            .bearer_auth(token)
            .insert_header(("x-forwarded-for", ip))
            .send_json(&json!({"body": "Hello", "author_name": "V"}))
    };
    for _ in 0..2 {
        let (_, token) = visitor(&app).await;
        assert_eq!(
            post(token, "203.0.113.1").await.unwrap().status().as_u16(),
            201
        );
    }
    // A third actor from the same address is over the address's budget; another address isn't.
    let (_, third) = visitor(&app).await;
    assert_rate_limited(&mut post(third.clone(), "203.0.113.1").await.unwrap()).await;
    assert_eq!(
        post(third, "203.0.113.2").await.unwrap().status().as_u16(),
        201
    );
}

#[actix_web::test]
async fn too_many_reports_from_one_client_ip_are_429() {
    let app = limited_per_ip("RATE_LIMIT_REPORTS_PER_IP").await;
    let room = newsroom(&app).await;
    let (article, _) = published_article(&app, &room, "Reported room").await;
    let (_, _, writer) = app.user_with_role("reader").await;
    let target = comment(&app, &writer, article, json!({"body": "Report me"})).await;
    let report_from = |token: String, ip: &'static str| {
        app.post(&reports_path(&target))
            .bearer_auth(token)
            .insert_header(("x-forwarded-for", ip))
            .send_json(&json!({"reason": "spam"}))
    };
    for _ in 0..2 {
        let (_, token) = visitor(&app).await;
        assert_eq!(
            report_from(token, "203.0.113.1")
                .await
                .unwrap()
                .status()
                .as_u16(),
            202
        );
    }
    let (_, third) = visitor(&app).await;
    assert_rate_limited(&mut report_from(third.clone(), "203.0.113.1").await.unwrap()).await;
    assert_eq!(
        report_from(third, "203.0.113.2")
            .await
            .unwrap()
            .status()
            .as_u16(),
        202
    );
}

#[actix_web::test]
async fn comment_writes_show_at_once_despite_the_response_cache() {
    let app = spawn_app().await;
    let room = newsroom(&app).await;
    let (article, _) = published_article(&app, &room, "Cached talk").await;
    let (_, _, reader) = app.user_with_role("reader").await;
    let (_, visitor_token) = visitor(&app).await;
    // Past the publication time's own purge (scheduled content is checked every 250 ms).
    actix_web::rt::time::sleep(std::time::Duration::from_millis(600)).await;

    // Read twice, so the second read may come from the cache.
    for _ in 0..2 {
        assert_eq!(public_comments(&app, article, "").await["data"], json!([]));
        assert_eq!(comment_count(&app, article).await, 0);
    }
    let approved = comment(&app, &reader, article, json!({"body": "Fresh"})).await;
    assert_eq!(
        ids(&public_comments(&app, article, "").await["data"]),
        json!([approved["id"]])
    );
    // The article read keeps its cached copy (its count is as fresh as CACHE_MAX_AGE), so a
    // busy thread doesn't keep the article's readers from the cache.
    assert_eq!(comment_count(&app, article).await, 0);

    let held = comment(
        &app,
        &visitor_token,
        article,
        json!({"body": "Later", "author_name": "V"}),
    )
    .await;
    assert_eq!(public_comments(&app, article, "").await["meta"]["total"], 1);
    moderate(&app, &room.editor, &held, "approved").await;
    assert_eq!(
        ids(&public_comments(&app, article, "sort=oldest").await["data"]),
        json!([approved["id"], held["id"]])
    );
    assert_eq!(public_comments(&app, article, "").await["meta"]["total"], 2);
    assert_eq!(comment_count(&app, article).await, 2);

    assert_eq!(delete_comment(&app, &reader, &approved).await, 204);
    assert_eq!(
        public_comments(&app, article, "sort=oldest").await["data"][0]["deleted"],
        true
    );
    assert_eq!(
        comment_count(&app, article).await,
        2,
        "cached until CACHE_MAX_AGE"
    );
}

#[actix_web::test]
async fn a_page_of_threads_costs_the_same_queries_whatever_their_size() {
    let app = spawn_app_with(|env| {
        env.insert("RESPONSE_CACHE_MB".into(), "0".into());
    })
    .await;
    let room = newsroom(&app).await;
    let (small, _) = published_article(&app, &room, "Quiet").await;
    let (large, _) = published_article(&app, &room, "Lively").await;
    let (_, _, reader) = app.user_with_role("reader").await;
    comment(&app, &reader, small, json!({"body": "Alone"})).await;
    for thread in 0..5 {
        let top = comment(
            &app,
            &reader,
            large,
            json!({"body": format!("Top {thread}")}),
        )
        .await;
        for reply in 0..3 {
            let middle = comment(
                &app,
                &reader,
                large,
                json!({"body": format!("Reply {reply}"), "parent_id": top["id"]}),
            )
            .await;
            comment(
                &app,
                &reader,
                large,
                json!({"body": "Deepest", "parent_id": middle["id"]}),
            )
            .await;
        }
    }
    // Warm what public reads keep in memory before counting.
    public_comments(&app, small, "").await;
    let before = queries(&app).await;
    let quiet = public_comments(&app, small, "").await;
    let small_cost = queries(&app).await - before;
    let before = queries(&app).await;
    let lively = public_comments(&app, large, "").await;
    let large_cost = queries(&app).await - before;
    assert_eq!(quiet["meta"]["total"], 1);
    assert_eq!(lively["meta"]["total"], 5);
    assert_eq!(
        lively["data"][4]["replies"][2]["replies"][0]["body"],
        "Deepest"
    );
    assert!(small_cost > 0, "the reads are counted");
    assert_eq!(small_cost, large_cost, "1 comment vs 35 in 5 threads");
}

#[actix_web::test]
async fn a_hidden_comment_hides_everything_below_it_at_any_depth() {
    let app = spawn_app_with(|env| {
        env.insert("COMMENT_MAX_DEPTH".into(), "5".into());
    })
    .await;
    let room = newsroom(&app).await;
    let (article, _) = published_article(&app, &room, "Deep").await;
    let (_, _, reader) = app.user_with_role("reader").await;
    let (_, _, other) = app.user_with_role("reader").await;
    let mut levels = vec![comment(&app, &reader, article, json!({"body": "Level 1"})).await];
    for level in 2..=5 {
        let parent = levels.last().unwrap()["id"].clone();
        levels.push(
            comment(
                &app,
                &reader,
                article,
                json!({"body": format!("Level {level}"), "parent_id": parent}),
            )
            .await,
        );
    }
    assert_eq!(comment_count(&app, article).await, 5);
    let thread = public_comments(&app, article, "").await;
    assert_eq!(
        thread["data"][0]["replies"][0]["replies"][0]["replies"][0]["replies"][0]["body"],
        "Level 5"
    );

    // Hiding level 2 takes levels 3 to 5 out of sight and out of the count.
    moderate(&app, &room.editor, &levels[1], "rejected").await;
    let thread = public_comments(&app, article, "").await;
    assert_eq!(thread["data"][0]["replies"], json!([]), "{thread}");
    assert_eq!(comment_count(&app, article).await, 1);
    // Nobody can reply to or report what they can't see.
    let problem = refused(
        &app,
        &other,
        article,
        json!({"body": "Under a hidden one", "parent_id": levels[3]["id"]}),
        422,
    )
    .await;
    assert!(fields(&problem).contains(&"parent_id"), "{problem}");
    let mut report = app
        .post(&reports_path(&levels[3]))
        .bearer_auth(&other)
        .send_json(&json!({"reason": "spam"}))
        .await
        .unwrap();
    assert_problem(&mut report, 404).await;

    // Approving it again brings the whole branch back.
    moderate(&app, &room.editor, &levels[1], "approved").await;
    assert_eq!(comment_count(&app, article).await, 5);
    let thread = public_comments(&app, article, "").await;
    assert_eq!(
        thread["data"][0]["replies"][0]["replies"][0]["replies"][0]["replies"][0]["body"],
        "Level 5"
    );
}

#[actix_web::test]
async fn keys_with_control_characters_name_nothing() {
    let app = spawn_app().await;
    let room = newsroom(&app).await;
    let (_, token) = visitor(&app).await;
    let admin = app.admin_token().await;
    for (method, path) in [
        ("GET", "/api/v1/articles/a%00b/comments"),
        ("GET", "/api/v1/articles/a%00b/reactions"),
        ("PUT", "/api/v1/articles/a%00b/reactions/mine"),
        ("POST", "/api/v1/articles/a%00b/comments"),
        ("PATCH", "/api/v1/admin/reaction-kinds/lo%00ve"),
        ("DELETE", "/api/v1/admin/reaction-kinds/lo%00ve"),
    ] {
        let token = if path.contains("admin") {
            &admin
        } else {
            &token
        };
        let request = app
            .client
            .request(method.parse().unwrap(), app.url(path))
            .bearer_auth(token);
        let mut response = match method {
            "GET" | "DELETE" => request.send().await.unwrap(),
            "PUT" => request.send_json(&json!({"kind": "love"})).await.unwrap(),
            "PATCH" => request.send_json(&json!({"emoji": "x"})).await.unwrap(),
            _ => request
                .send_json(&json!({"body": "Hi", "author_name": "V"}))
                .await
                .unwrap(),
        };
        assert_problem(&mut response, 404).await;
    }
    let _ = room;
}

#[actix_web::test]
async fn long_threads_nest_their_first_replies_and_page_the_rest() {
    let app = spawn_app_with(|env| {
        env.insert("COMMENT_REPLIES_PER_THREAD".into(), "3".into());
    })
    .await;
    let room = newsroom(&app).await;
    let (article, _) = published_article(&app, &room, "Long thread").await;
    let (_, _, reader) = app.user_with_role("reader").await;
    let root = comment(&app, &reader, article, json!({"body": "Root"})).await;
    let first = comment(
        &app,
        &reader,
        article,
        json!({"body": "Reply 1", "parent_id": root["id"]}),
    )
    .await;
    let mut replies = vec![first.clone()];
    for n in 2..=5 {
        // Alternate between direct replies and replies to the first reply.
        let parent = if n % 2 == 0 { &first } else { &root };
        replies.push(
            comment(
                &app,
                &reader,
                article,
                json!({"body": format!("Reply {n}"), "parent_id": parent["id"]}),
            )
            .await,
        );
    }
    let list = public_comments(&app, article, "").await;
    let thread = &list["data"][0];
    assert_eq!(thread["reply_count"], 5, "{thread}");
    // The first three replies (oldest first, at any level) are nested.
    assert_eq!(thread["replies"][0]["body"], "Reply 1");
    assert_eq!(thread["replies"][0]["replies"][0]["body"], "Reply 2");
    assert_eq!(thread["replies"][1]["body"], "Reply 3");
    assert_eq!(thread["replies"].as_array().unwrap().len(), 2);
    assert!(thread["replies"][0]["reply_count"].is_null());

    // The rest are paged, flat and oldest first.
    let path = format!("/api/v1/comments/{}/replies?per_page=2", root["id"]);
    let mut page = app.get(&path).send().await.unwrap();
    assert_eq!(page.status().as_u16(), 200);
    assert!(header(&page, "link").unwrap().contains("rel=\"next\""));
    let page = json_body(&mut page).await;
    assert_eq!(page["meta"]["total"], 5);
    assert_eq!(ids(&page["data"]), ids(&json!(replies[..2])));
    assert_eq!(page["data"][1]["parent_id"], first["id"]);
    let mut last = app
        .get(&format!(
            "/api/v1/comments/{}/replies?per_page=2&page=3",
            root["id"]
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(
        ids(&json_body(&mut last).await["data"]),
        ids(&json!(replies[4..]))
    );

    // Only public top-level comments have a reply list.
    for id in [first["id"].clone(), json!(999_999_999)] {
        let mut response = app
            .get(&format!("/api/v1/comments/{id}/replies"))
            .send()
            .await
            .unwrap();
        assert_problem(&mut response, 404).await;
    }
    moderate(&app, &room.editor, &root, "spam").await;
    let mut hidden = app
        .get(&format!("/api/v1/comments/{}/replies", root["id"]))
        .send()
        .await
        .unwrap();
    assert_problem(&mut hidden, 404).await;
}

#[actix_web::test]
async fn parallel_comments_and_reports_are_all_kept() {
    let app = spawn_app_with(|env| {
        env.insert("COMMENT_REPORT_HIDE_THRESHOLD".into(), "1000".into());
    })
    .await;
    let room = newsroom(&app).await;
    let (article, _) = published_article(&app, &room, "Busy").await;
    let (_, _, reader) = app.user_with_role("reader").await;
    let target = comment(&app, &reader, article, json!({"body": "Report me"})).await;
    let mut visitors = Vec::new();
    for _ in 0..20 {
        visitors.push(visitor(&app).await.1);
    }

    // Twenty visitors write at once: twenty comments, all waiting for moderation.
    let writes: Vec<_> = visitors
        .iter()
        .enumerate()
        .map(|(n, token)| {
            app.post(&comments_path(article))
                .bearer_auth(token)
                .send_json(&json!({"body": format!("Comment {n}"), "author_name": "V"}))
        })
        .collect();
    let statuses: Vec<u16> = concurrently(writes)
        .await
        .into_iter()
        .map(|r| r.unwrap().status().as_u16())
        .collect();
    assert!(statuses.iter().all(|s| *s == 201), "{statuses:?}");
    let pending = queue(
        &app,
        &room.editor,
        &format!("status=pending&article={article}"),
    )
    .await;
    assert_eq!(pending["meta"]["total"], 20);

    // And report one comment at once: every report counts.
    let reports: Vec<_> = visitors
        .iter()
        .map(|token| {
            app.post(&reports_path(&target))
                .bearer_auth(token)
                .send_json(&json!({"reason": "off_topic"}))
        })
        .collect();
    let statuses: Vec<u16> = concurrently(reports)
        .await
        .into_iter()
        .map(|r| r.unwrap().status().as_u16())
        .collect();
    assert!(statuses.iter().all(|s| *s == 202), "{statuses:?}");
    let reported = queue(&app, &room.editor, "reported=true").await;
    assert_eq!(ids(&reported["data"]), json!([target["id"]]));
    assert_eq!(reported["data"][0]["report_count"], 20);
    // Under the configured threshold of 1000, so still approved and public.
    assert_eq!(reported["data"][0]["status"], "approved");
    let listed = public_comments(&app, article, "").await;
    assert!(
        listed["data"]
            .as_array()
            .unwrap()
            .iter()
            .any(|c| c["id"] == target["id"]),
        "{listed}"
    );
}

#[actix_web::test]
async fn hidden_replies_and_unpublished_articles_stay_out_of_every_comment_read() {
    let app = spawn_app().await;
    let room = newsroom(&app).await;
    let (article, _) = published_article(&app, &room, "Going away").await;
    let (_, _, reader) = app.user_with_role("reader").await;
    let root = comment(&app, &reader, article, json!({"body": "Root"})).await;
    let shown = comment(
        &app,
        &reader,
        article,
        json!({"body": "Shown <b>", "parent_id": root["id"]}),
    )
    .await;
    let hidden = comment(
        &app,
        &reader,
        article,
        json!({"body": "Hidden", "parent_id": root["id"]}),
    )
    .await;
    moderate(&app, &room.editor, &hidden, "rejected").await;

    // The reply pages and reply_count leave the rejected reply out; bodies come as typed.
    let replies_path = format!("/api/v1/comments/{}/replies", root["id"]);
    let mut replies = app.get(&replies_path).send().await.unwrap();
    let replies = json_body(&mut replies).await;
    assert_eq!(ids(&replies["data"]), json!([shown["id"]]));
    assert_eq!(replies["meta"]["total"], 1);
    assert_eq!(replies["data"][0]["body"], "Shown <b>");
    let list = public_comments(&app, article, "").await;
    assert_eq!(list["data"][0]["reply_count"], 1);
    assert_eq!(list["data"][0]["replies"][0]["body"], "Shown <b>");

    // Once the article is archived, its comments are gone from every public route.
    let response = app
        .patch(&format!("/api/v1/admin/articles/{article}"))
        .bearer_auth(&room.editor)
        .send_json(&json!({"status": "archived"}))
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 200);
    let (_, reporter) = visitor(&app).await;
    let mut listed = app.get(&comments_path(article)).send().await.unwrap();
    assert_problem(&mut listed, 404).await;
    let mut paged = app.get(&replies_path).send().await.unwrap();
    assert_problem(&mut paged, 404).await;
    refused(&app, &reader, article, json!({"body": "Anyone?"}), 404).await;
    let mut reported = app
        .post(&reports_path(&shown))
        .bearer_auth(&reporter)
        .send_json(&json!({"reason": "spam"}))
        .await
        .unwrap();
    assert_problem(&mut reported, 404).await;
}

#[actix_web::test]
async fn bans_stop_reports_and_reactions_and_can_name_a_network_for_a_while() {
    let app = spawn_app_with(|env| {
        env.insert("TRUSTED_PROXIES".into(), "127.0.0.0/8, ::1".into());
    })
    .await;
    let room = newsroom(&app).await;
    let (article, slug) = published_article(&app, &room, "Banned").await;
    let (_, _, writer) = app.user_with_role("reader").await;
    let target = comment(&app, &writer, article, json!({"body": "Target"})).await;
    let ban = |body: Value| {
        let request = app
            .post("/api/v1/admin/comment-bans")
            .bearer_auth(&room.editor);
        async move { send_json_expect(request, &body, 201).await }
    };
    let react = |token: String, ip: &'static str| {
        app.put(&format!("/api/v1/articles/{slug}/reactions/mine"))
            .bearer_auth(token)
            .insert_header(("x-forwarded-for", ip))
            .send_json(&json!({"kind": "love"}))
    };
    let report = |token: String, ip: &'static str| {
        app.post(&reports_path(&target))
            .bearer_auth(token)
            .insert_header(("x-forwarded-for", ip))
            .send_json(&json!({"reason": "spam"}))
    };
    // A banned visitor can neither react nor report.
    let (visitor_id, banned) = visitor(&app).await;
    ban(json!({"visitor_id": visitor_id})).await;
    assert_problem(
        &mut react(banned.clone(), "198.51.100.1").await.unwrap(),
        403,
    )
    .await;
    assert_problem(&mut report(banned, "198.51.100.1").await.unwrap(), 403).await;

    // A network ban stops a fresh visitor token from inside it, and no one outside.
    let network =
        ban(json!({"network": "203.0.113.0/24", "expires_at": "2999-01-01T00:00:00Z"})).await;
    assert_eq!(network["data"]["network"], "203.0.113.0/24");
    assert_eq!(network["data"]["expires_at"], "2999-01-01T00:00:00Z");
    let (_, fresh) = visitor(&app).await;
    assert_problem(
        &mut react(fresh.clone(), "203.0.113.77").await.unwrap(),
        403,
    )
    .await;
    assert_problem(
        &mut report(fresh.clone(), "203.0.113.77").await.unwrap(),
        403,
    )
    .await;
    let mut posted = app
        .post(&format!("/api/v1/articles/{article}/comments"))
        .bearer_auth(&fresh)
        .insert_header(("x-forwarded-for", "203.0.113.77"))
        .send_json(&json!({"body": "Again", "author_name": "Me"}))
        .await
        .unwrap();
    assert_problem(&mut posted, 403).await;
    assert_eq!(
        react(fresh.clone(), "192.0.2.1")
            .await
            .unwrap()
            .status()
            .as_u16(),
        200
    );

    // A ban that has ended stops nothing; one can't end in the past; networks must parse.
    let (_, _, reader) = app.user_with_role("reader").await;
    let soon = chrono::Utc::now() + chrono::Duration::milliseconds(1500);
    ban(json!({"network": "192.0.2.0/24", "expires_at": soon.to_rfc3339()})).await;
    assert_problem(&mut react(reader.clone(), "192.0.2.9").await.unwrap(), 403).await;
    actix_web::rt::time::sleep(std::time::Duration::from_millis(1700)).await;
    assert_eq!(
        react(reader, "192.0.2.9").await.unwrap().status().as_u16(),
        200,
        "the ban ended"
    );
    for body in [
        json!({"network": "192.0.2.0/24", "expires_at": "2001-01-01T00:00:00Z"}),
        json!({"network": "not-an-address"}),
        json!({"network": "10.0.0.0/33"}),
        json!({"network": "10.0.0.1", "visitor_id": visitor_id}),
        json!({"network": "0.0.0.0/0"}),
        json!({"network": "10.0.0.0/8"}),
        json!({"network": "::/0"}),
    ] {
        let mut response = app
            .post("/api/v1/admin/comment-bans")
            .bearer_auth(&room.editor)
            .send_json(&body)
            .await
            .unwrap();
        assert_problem(&mut response, 422).await;
    }
    // A network is stored as CIDR with its host bits cleared; the same network twice is 409.
    let stored = ban(json!({"network": "198.51.100.77/24"})).await;
    assert_eq!(stored["data"]["network"], "198.51.100.0/24");
    let mut again = app
        .post("/api/v1/admin/comment-bans")
        .bearer_auth(&room.editor)
        .send_json(&json!({"network": "198.51.100.0/24"}))
        .await
        .unwrap();
    assert_problem(&mut again, 409).await;
}

#[actix_web::test]
async fn readers_and_visitors_list_their_own_comments_pending_ones_included() {
    let app = spawn_app().await;
    let room = newsroom(&app).await;
    let (article, _) = published_article(&app, &room, "Mine").await;
    let (_, me) = visitor(&app).await;
    let (_, someone_else) = visitor(&app).await;
    let waiting = comment(
        &app,
        &me,
        article,
        json!({"body": "Waiting <for> review", "author_name": "Ayşe"}),
    )
    .await;
    assert_eq!(waiting["status"], "pending");
    comment(
        &app,
        &someone_else,
        article,
        json!({"body": "Not mine", "author_name": "B"}),
    )
    .await;
    assert_eq!(public_comments(&app, article, "").await["data"], json!([]));
    let mut response = app
        .get("/api/v1/me/comments")
        .bearer_auth(&me)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 200);
    assert_eq!(
        header(&response, "cache-control").as_deref(),
        Some("no-store")
    );
    let mine = json_body(&mut response).await;
    assert_eq!(mine["meta"]["total"], 1, "{mine}");
    assert_eq!(mine["data"][0]["id"], waiting["id"]);
    assert_eq!(mine["data"][0]["status"], "pending");
    assert_eq!(mine["data"][0]["body"], "Waiting <for> review");
    let mut anonymous = app.get("/api/v1/me/comments").send().await.unwrap();
    assert_problem(&mut anonymous, 401).await;
}

#[actix_web::test]
async fn a_comment_purges_its_article_threads_and_leaves_the_others_cached() {
    let app = spawn_app().await;
    let room = newsroom(&app).await;
    let (first, _) = published_article(&app, &room, "First thread").await;
    let (second, _) = published_article(&app, &room, "Second thread").await;
    let (_, _, reader) = app.user_with_role("reader").await;
    // Past the publication times' own purge (scheduled content is checked every 250 ms).
    actix_web::rt::time::sleep(std::time::Duration::from_millis(600)).await;
    for article in [first, second] {
        app.get(&comments_path(article)).send().await.unwrap();
        let hit = app.get(&comments_path(article)).send().await.unwrap();
        assert_eq!(header(&hit, "x-cache").as_deref(), Some("HIT"));
        assert_eq!(
            header(&hit, "surrogate-key"),
            Some(format!("comments:{article}"))
        );
    }
    comment(&app, &reader, first, json!({"body": "Shows at once"})).await;
    let mut fresh = app.get(&comments_path(first)).send().await.unwrap();
    assert_eq!(header(&fresh, "x-cache").as_deref(), Some("MISS"));
    assert_eq!(json_body(&mut fresh).await["meta"]["total"], 1);
    let other = app.get(&comments_path(second)).send().await.unwrap();
    assert_eq!(header(&other, "x-cache").as_deref(), Some("HIT"));
}

#[actix_web::test]
async fn authors_see_their_own_pending_comments_in_the_thread_and_nobody_else_does() {
    let app = spawn_app().await;
    let room = newsroom(&app).await;
    let (article, _) = published_article(&app, &room, "Threads with mine").await;
    let (_, me) = visitor(&app).await;
    let (_, someone_else) = visitor(&app).await;
    let (_, _, reader) = app.user_with_role("reader").await;
    let public = comment(&app, &reader, article, json!({"body": "Approved at once"})).await;
    let top = comment(
        &app,
        &me,
        article,
        json!({"body": "My <own> words", "author_name": "Ayşe"}),
    )
    .await;
    let reply = comment(
        &app,
        &me,
        article,
        json!({"body": "And a reply", "author_name": "Ayşe", "parent_id": public["id"]}),
    )
    .await;
    comment(
        &app,
        &someone_else,
        article,
        json!({"body": "Not mine", "author_name": "B"}),
    )
    .await;
    let thread = |token: Option<&str>| {
        let request = app.get(&comments_path(article));
        match token {
            Some(token) => request.bearer_auth(token),
            None => request,
        }
    };
    let mut mine = thread(Some(&me)).send().await.unwrap();
    assert_eq!(mine.status().as_u16(), 200);
    assert_eq!(
        header(&mine, "cache-control").as_deref(),
        Some("private, no-cache")
    );
    assert!(header(&mine, "vary").unwrap().contains("Authorization"));
    let mine = json_body(&mut mine).await;
    assert_eq!(
        ids(&mine["data"]),
        json!([public["id"], top["id"]]),
        "{mine}"
    );
    assert_eq!(mine["meta"]["total"], 2);
    let first = &mine["data"][0];
    assert!(
        first.get("mine").is_none() && first.get("status").is_none(),
        "{first}"
    );
    assert_eq!(first["reply_count"], 1);
    assert_eq!(first["replies"][0]["id"], reply["id"]);
    assert_eq!(first["replies"][0]["mine"], true);
    assert_eq!(first["replies"][0]["status"], "pending");
    let own = &mine["data"][1];
    assert_eq!(
        (own["mine"].clone(), own["status"].clone()),
        (json!(true), json!("pending"))
    );
    assert_eq!(own["body"], "My <own> words");
    let replies = expect_json(
        app.get(&format!("/api/v1/comments/{}/replies", public["id"]))
            .bearer_auth(&me),
        200,
    )
    .await;
    assert_eq!(ids(&replies["data"]), json!([reply["id"]]));
    assert_eq!(replies["data"][0]["mine"], true);

    // Anonymous readers and other visitors see only the approved comment, without marks.
    for token in [None, Some(someone_else.as_str())] {
        let mut response = thread(token).send().await.unwrap();
        let list = json_body(&mut response).await;
        let ids_seen = ids(&list["data"]);
        if token.is_none() {
            assert_eq!(ids_seen, json!([public["id"]]), "{list}");
            assert_eq!(list["data"][0]["replies"], json!([]));
            assert!(
                header(&response, "cache-control")
                    .unwrap()
                    .starts_with("public")
            );
            // A browser that kept this copy must not serve it to the author's own request.
            assert!(header(&response, "vary").unwrap().contains("Authorization"));
            assert!(!list.to_string().contains("\"mine\""), "{list}");
        } else {
            // Their own pending comment, not mine.
            assert!(!ids_seen.as_array().unwrap().contains(&top["id"]), "{list}");
            assert_eq!(list["data"][0]["replies"], json!([]), "{list}");
        }
    }
    let mut bad = thread(Some("not-a-token")).send().await.unwrap();
    assert_problem(&mut bad, 401).await;
}

#[actix_web::test]
async fn a_retried_report_with_an_idempotency_key_is_answered_as_the_first() {
    let app = spawn_app_with(|env| {
        env.insert("COMMENT_REPORT_HIDE_THRESHOLD".into(), "1".into());
    })
    .await;
    let room = newsroom(&app).await;
    let (article, _) = published_article(&app, &room, "Reported twice").await;
    let (_, _, writer) = app.user_with_role("reader").await;
    let (_, _, reporter) = app.user_with_role("reader").await;
    let target = comment(&app, &writer, article, json!({"body": "Buy pills"})).await;
    let other = comment(&app, &writer, article, json!({"body": "Fine words"})).await;
    let send = |key: &'static str, comment: &Value| {
        app.post(&reports_path(comment))
            .bearer_auth(&reporter)
            .insert_header(("idempotency-key", key))
            .send_json(&json!({"reason": "spam"}))
    };
    let first = send("flag-1", &target).await.unwrap();
    assert_eq!(first.status().as_u16(), 202);
    // One report hides it: a plain retry would not find it any more, a keyed one is answered.
    let plain = app
        .post(&reports_path(&target))
        .bearer_auth(&reporter)
        .send_json(&json!({"reason": "spam"}))
        .await
        .unwrap();
    assert_eq!(plain.status().as_u16(), 404);
    let retry = send("flag-1", &target).await.unwrap();
    assert_eq!(retry.status().as_u16(), 202);
    let mut reused = send("flag-1", &other).await.unwrap();
    let problem = assert_problem(&mut reused, 422).await;
    assert_eq!(problem["errors"][0]["field"], "Idempotency-Key");
    let list = public_comments(&app, article, "").await;
    assert_eq!(
        ids(&list["data"]),
        json!([other["id"]]),
        "the other stays up"
    );
}

#[actix_web::test]
async fn a_retried_comment_with_an_idempotency_key_is_written_once() {
    let app = spawn_app().await;
    let room = newsroom(&app).await;
    let (article, _) = published_article(&app, &room, "Flaky network").await;
    let (_, _, reader) = app.user_with_role("reader").await;
    let post = |key: &'static str, body: Value| {
        app.post(&format!("/api/v1/articles/{article}/comments"))
            .bearer_auth(&reader)
            .insert_header(("idempotency-key", key))
            .send_json(&body)
    };
    let text = json!({"body": "Said once"});
    let mut first = post("retry-1", text.clone()).await.unwrap();
    assert_eq!(first.status().as_u16(), 201);
    let first = json_body(&mut first).await;
    let mut retry = post("retry-1", text.clone()).await.unwrap();
    assert_eq!(retry.status().as_u16(), 201);
    assert_eq!(
        json_body(&mut retry).await,
        first,
        "the first answer, again"
    );
    let list = public_comments(&app, article, "").await;
    assert_eq!(list["meta"]["total"], 1, "written once: {list}");
    // The same key on another request is refused; another key writes again.
    let mut reused = post("retry-1", json!({"body": "Something else"}))
        .await
        .unwrap();
    let problem = assert_problem(&mut reused, 422).await;
    assert_eq!(problem["errors"][0]["field"], "Idempotency-Key");
    let mut malformed = post("  ", text.clone()).await.unwrap();
    assert_problem(&mut malformed, 422).await;
    let second = post("retry-2", text).await.unwrap();
    assert_eq!(second.status().as_u16(), 201);
    assert_eq!(public_comments(&app, article, "").await["meta"]["total"], 2);
    // Retries at once are answered once too.
    let at_once: Vec<_> = (0..5)
        .map(|_| post("retry-3", json!({"body": "Burst"})))
        .collect();
    let mut ids = Vec::new();
    for response in concurrently(at_once).await {
        let mut response = response.unwrap();
        assert_eq!(response.status().as_u16(), 201);
        ids.push(json_body(&mut response).await["data"]["id"].clone());
    }
    ids.dedup();
    assert_eq!(ids.len(), 1, "{ids:?}");
    assert_eq!(public_comments(&app, article, "").await["meta"]["total"], 3);
}

#[actix_web::test]
async fn a_moderation_decision_purges_only_its_article_threads() {
    let app = spawn_app().await;
    let room = newsroom(&app).await;
    let (first, _) = published_article(&app, &room, "Moderated thread").await;
    let (second, _) = published_article(&app, &room, "Quiet thread").await;
    let (_, visitor_token) = visitor(&app).await;
    let held = comment(
        &app,
        &visitor_token,
        first,
        json!({"body": "Waiting for a moderator", "author_name": "V"}),
    )
    .await;
    // Past the publication times' own purge (scheduled content is checked every 250 ms).
    actix_web::rt::time::sleep(std::time::Duration::from_millis(600)).await;
    let reads = [
        comments_path(first),
        comments_path(second),
        format!("/api/v1/articles/{second}"),
        "/api/v1/articles".to_owned(),
    ];
    for path in &reads {
        app.get(path).send().await.unwrap();
        let hit = app.get(path).send().await.unwrap();
        assert_eq!(header(&hit, "x-cache").as_deref(), Some("HIT"), "{path}");
    }
    moderate(&app, &room.editor, &held, "approved").await;
    let mut fresh = app.get(&comments_path(first)).send().await.unwrap();
    assert_eq!(header(&fresh, "x-cache").as_deref(), Some("MISS"));
    assert_eq!(json_body(&mut fresh).await["meta"]["total"], 1);
    // Accounts show nowhere: an account's change purges nothing either.
    let (member, _, _) = app.user_with_role("reader").await;
    let admin = app.admin_token().await;
    send_json_expect(
        app.patch(&format!("/api/v1/admin/users/{member}"))
            .bearer_auth(&admin),
        &json!({"display_name": "Renamed reader"}),
        200,
    )
    .await;
    for path in &reads[1..] {
        let hit = app.get(path).send().await.unwrap();
        assert_eq!(header(&hit, "x-cache").as_deref(), Some("HIT"), "{path}");
    }
}
