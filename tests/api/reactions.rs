//! Reactions: the public kinds and their administration, one reaction per actor per article,
//! exact counts under concurrency, the counts inline in article reads, and the rate limit.

use std::fmt::Display;

use serde_json::{Value, json};

use crate::fixtures::{draft_article, fields, newsroom, published_article, visitor};
use crate::helpers::{
    TestApp, assert_problem, concurrently, expect_json, header, json_body, send_json_expect,
    spawn_app, spawn_app_with,
};

/// The seeded kinds, in their order.
const KINDS: [&str; 6] = ["love", "applause", "funny", "amazing", "sad", "angry"];

/// Counts with every seeded kind at 0 except the given ones.
fn counts(nonzero: &[(&str, i64)]) -> Value {
    let mut counts = serde_json::Map::new();
    for kind in KINDS {
        counts.insert(kind.to_owned(), json!(0));
    }
    for (kind, n) in nonzero {
        counts.insert((*kind).to_owned(), json!(n));
    }
    Value::Object(counts)
}

/// The path of the caller's own reaction to `article` (id or slug).
fn mine(article: impl Display) -> String {
    format!("/api/v1/articles/{article}/reactions/mine")
}

/// `GET /api/v1/articles/{article}/reactions`, as `token` when given; returns `data`.
async fn reactions(app: &TestApp, article: impl Display, token: Option<&str>) -> Value {
    let mut request = app.get(&format!("/api/v1/articles/{article}/reactions"));
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    expect_json(request, 200).await["data"].clone()
}

/// `PUT …/reactions/mine` with `kind`; returns `data`.
async fn react(app: &TestApp, article: impl Display, token: &str, kind: &str) -> Value {
    send_json_expect(
        app.put(&mine(article)).bearer_auth(token),
        &json!({"kind": kind}),
        200,
    )
    .await["data"]
        .clone()
}

/// `DELETE …/reactions/mine`; returns `data`.
async fn unreact(app: &TestApp, article: impl Display, token: &str) -> Value {
    expect_json(app.delete(&mine(article)).bearer_auth(token), 200).await["data"].clone()
}

/// The public kinds in `locale`.
async fn public_kinds(app: &TestApp, locale: &str) -> Vec<Value> {
    expect_json(
        app.get(&format!("/api/v1/reaction-kinds?locale={locale}")),
        200,
    )
    .await["data"]
        .as_array()
        .unwrap()
        .clone()
}

fn keys(kinds: &[Value]) -> Vec<&str> {
    kinds.iter().map(|k| k["key"].as_str().unwrap()).collect()
}

fn labels(kinds: &[Value]) -> Vec<&str> {
    kinds.iter().map(|k| k["label"].as_str().unwrap()).collect()
}

/// The admin view of every kind, retired ones included.
async fn admin_kinds(app: &TestApp, admin: &str) -> Vec<Value> {
    expect_json(
        app.get("/api/v1/admin/reaction-kinds").bearer_auth(admin),
        200,
    )
    .await["data"]
        .as_array()
        .unwrap()
        .clone()
}

#[actix_web::test]
async fn the_seeded_kinds_are_listed_in_order_with_localised_labels() {
    let app = spawn_app().await;
    let mut turkish = app
        .get("/api/v1/reaction-kinds?locale=tr")
        .send()
        .await
        .unwrap();
    assert_eq!(turkish.status().as_u16(), 200);
    let etag = header(&turkish, "etag").expect("an ETag");
    assert_eq!(
        json_body(&mut turkish).await["data"],
        json!([
            {"key": "love", "label": "SEVDİM", "emoji": "❤️", "position": 1},
            {"key": "applause", "label": "ALKIŞ", "emoji": "👏", "position": 2},
            {"key": "funny", "label": "KOMİK", "emoji": "😂", "position": 3},
            {"key": "amazing", "label": "İNANILMAZ", "emoji": "😮", "position": 4},
            {"key": "sad", "label": "ÜZGÜN", "emoji": "😢", "position": 5},
            {"key": "angry", "label": "KIZGIN", "emoji": "😠", "position": 6},
        ])
    );
    let french = public_kinds(&app, "fr").await;
    assert_eq!(keys(&french), KINDS);
    assert_eq!(
        labels(&french),
        [
            "J'ADORE",
            "BRAVO",
            "DRÔLE",
            "INCROYABLE",
            "TRISTE",
            "EN COLÈRE"
        ]
    );
    assert_eq!(
        labels(&public_kinds(&app, "en").await),
        ["LOVE", "APPLAUSE", "FUNNY", "AMAZING", "SAD", "ANGRY"]
    );
    // Dutch is a site locale without labels: the site default's (Turkish) are used.
    assert_eq!(
        labels(&public_kinds(&app, "nl").await),
        ["SEVDİM", "ALKIŞ", "KOMİK", "İNANILMAZ", "ÜZGÜN", "KIZGIN"]
    );
    let cached = app
        .get("/api/v1/reaction-kinds?locale=tr")
        .insert_header(("if-none-match", etag.as_str()))
        .send()
        .await
        .unwrap();
    assert_eq!(cached.status().as_u16(), 304);
}

#[actix_web::test]
async fn admins_create_relabel_and_reorder_reaction_kinds() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    let mut created = app
        .post("/api/v1/admin/reaction-kinds")
        .bearer_auth(&admin)
        .send_json(&json!({
            "key": "insightful",
            "emoji": "💡",
            "position": 7,
            "labels": {"tr": "UFUK AÇICI", "fr": "ÉCLAIRANT", "en": "INSIGHTFUL"},
        }))
        .await
        .unwrap();
    assert_eq!(created.status().as_u16(), 201);
    assert_eq!(
        header(&created, "location").as_deref(),
        Some("/api/v1/admin/reaction-kinds/insightful")
    );
    assert!(header(&created, "etag").is_some(), "an ETag");
    let kind = json_body(&mut created).await["data"].clone();
    assert_eq!(kind["key"], "insightful");
    assert_eq!(kind["emoji"], "💡");
    assert_eq!(kind["position"], 7);
    assert_eq!(
        kind["labels"],
        json!({"tr": "UFUK AÇICI", "fr": "ÉCLAIRANT", "en": "INSIGHTFUL"})
    );
    assert_eq!(kind["retired"], false);
    assert_eq!(kind["reaction_count"], 0);
    assert!(kind["version"].is_number(), "{kind}");
    assert!(kind["created_at"].is_string() && kind["updated_at"].is_string());

    let english = public_kinds(&app, "en").await;
    assert_eq!(
        keys(&english),
        [
            "love",
            "applause",
            "funny",
            "amazing",
            "sad",
            "angry",
            "insightful"
        ]
    );
    assert_eq!(english[6]["label"], "INSIGHTFUL");
    let room = newsroom(&app).await;
    let (article, _) = published_article(&app, &room, "Counted").await;
    assert_eq!(
        reactions(&app, article, None).await["counts"]["insightful"],
        0,
        "a new kind is counted at once"
    );
    let visitor_token = app.visitor_token().await;
    assert_eq!(
        react(&app, article, &visitor_token, "insightful").await["counts"]["insightful"],
        1
    );

    // Labels merge; a locale set to null is removed and falls back to the site default.
    let path = "/api/v1/admin/reaction-kinds/insightful";
    let relabelled = send_json_expect(
        app.patch(path).bearer_auth(&admin),
        &json!({"labels": {"en": "ENLIGHTENING", "fr": null}}),
        200,
    )
    .await["data"]
        .clone();
    assert_eq!(
        relabelled["labels"],
        json!({"tr": "UFUK AÇICI", "en": "ENLIGHTENING"})
    );
    assert_eq!(public_kinds(&app, "en").await[6]["label"], "ENLIGHTENING");
    assert_eq!(public_kinds(&app, "fr").await[6]["label"], "UFUK AÇICI");

    // Reordering: love moves to the end.
    let moved = send_json_expect(
        app.patch("/api/v1/admin/reaction-kinds/love")
            .bearer_auth(&admin),
        &json!({"position": 10}),
        200,
    )
    .await;
    assert_eq!(moved["data"]["position"], 10);
    assert_eq!(
        keys(&public_kinds(&app, "tr").await),
        [
            "applause",
            "funny",
            "amazing",
            "sad",
            "angry",
            "insightful",
            "love"
        ]
    );

    // If-Match: the version before the last change is stale.
    let version = relabelled["version"].as_i64().unwrap();
    let mut stale = app
        .patch(path)
        .bearer_auth(&admin)
        .insert_header(("if-match", format!("\"{}\"", version - 1)))
        .send_json(&json!({"emoji": "🤔"}))
        .await
        .unwrap();
    assert_problem(&mut stale, 412).await;
    let changed = send_json_expect(
        app.patch(path)
            .bearer_auth(&admin)
            .insert_header(("if-match", format!("\"{version}\""))),
        &json!({"emoji": "🧠"}),
        200,
    )
    .await;
    assert_eq!(changed["data"]["emoji"], "🧠");
    let mut unknown = app
        .patch("/api/v1/admin/reaction-kinds/nonesuch")
        .bearer_auth(&admin)
        .send_json(&json!({"emoji": "🤔"}))
        .await
        .unwrap();
    assert_problem(&mut unknown, 404).await;

    let all = admin_kinds(&app, &admin).await;
    let insightful = all.iter().find(|k| k["key"] == "insightful").unwrap();
    assert_eq!(insightful["reaction_count"], 1);
    assert_eq!(insightful["emoji"], "🧠");
}

#[actix_web::test]
async fn bad_and_duplicate_reaction_kinds_are_refused() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    let create = |body: Value| {
        app.post("/api/v1/admin/reaction-kinds")
            .bearer_auth(&admin)
            .send_json(&body)
    };
    let mut duplicate = create(json!({"key": "love", "emoji": "💖", "labels": {"en": "LOVE"}}))
        .await
        .unwrap();
    assert_problem(&mut duplicate, 409).await;
    let too_long = format!("a{}", "b".repeat(32));
    for key in [
        "Love",
        "1st",
        "_private",
        "with-dash",
        "with space",
        "",
        "ünlü",
        too_long.as_str(),
    ] {
        let mut response = create(json!({"key": key, "emoji": "💖", "labels": {"en": "X"}}))
            .await
            .unwrap();
        let problem = assert_problem(&mut response, 422).await;
        assert!(fields(&problem).contains(&"key"), "{key:?}: {problem}");
    }
    for labels in [json!({}), json!({"zz": "X"}), json!({"en": "X", "zz": "Y"})] {
        let mut response = create(json!({"key": "fine", "emoji": "💖", "labels": labels}))
            .await
            .unwrap();
        assert_problem(&mut response, 422).await;
    }
    let mut unknown_field =
        create(json!({"key": "fine", "emoji": "💖", "labels": {"en": "X"}, "reaction_count": 5}))
            .await
            .unwrap();
    assert_problem(&mut unknown_field, 422).await;
    // The longest key allowed is fine.
    let longest = format!("a{}", "b".repeat(31));
    let created = create(json!({"key": longest, "emoji": "💖", "labels": {"en": "X"}}))
        .await
        .unwrap();
    assert_eq!(created.status().as_u16(), 201);
    assert_eq!(admin_kinds(&app, &admin).await.len(), 7);
}

#[actix_web::test]
async fn only_admins_manage_reaction_kinds() {
    let app = spawn_app().await;
    let (_, _, editor) = app.user_with_role("editor").await;
    let visitor_token = app.visitor_token().await;
    let routes = [
        ("GET", "/api/v1/admin/reaction-kinds", None),
        (
            "POST",
            "/api/v1/admin/reaction-kinds",
            Some(json!({"key": "meh", "emoji": "😐", "labels": {"en": "MEH"}})),
        ),
        (
            "PATCH",
            "/api/v1/admin/reaction-kinds/love",
            Some(json!({"emoji": "💔"})),
        ),
        ("DELETE", "/api/v1/admin/reaction-kinds/love", None),
    ];
    for (who, token) in [
        ("anonymous", None),
        ("editor", Some(&editor)),
        ("visitor", Some(&visitor_token)),
    ] {
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
    let kinds = public_kinds(&app, "en").await;
    assert_eq!(keys(&kinds), KINDS);
    assert_eq!(kinds[0]["emoji"], "❤️");
}

#[actix_web::test]
async fn a_retired_kind_leaves_the_lists_and_counts_but_keeps_its_reactions() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    let room = newsroom(&app).await;
    let (article, _) = published_article(&app, &room, "Outrage").await;
    let (_, angry) = visitor(&app).await;
    let (_, loving) = visitor(&app).await;
    react(&app, article, &angry, "angry").await;
    react(&app, article, &loving, "love").await;
    assert_eq!(
        reactions(&app, article, None).await["counts"],
        counts(&[("angry", 1), ("love", 1)])
    );

    let response = app
        .delete("/api/v1/admin/reaction-kinds/angry")
        .bearer_auth(&admin)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 204);

    assert_eq!(
        keys(&public_kinds(&app, "tr").await),
        ["love", "applause", "funny", "amazing", "sad"]
    );
    let now = reactions(&app, article, None).await;
    assert_eq!(
        now["counts"],
        json!({"love": 1, "applause": 0, "funny": 0, "amazing": 0, "sad": 0}),
        "{now}"
    );
    assert_eq!(now["total"], 1, "the total counts active kinds: {now}");
    let mut inline = app
        .get(&format!("/api/v1/articles/{article}"))
        .send()
        .await
        .unwrap();
    let inline = json_body(&mut inline).await["data"].clone();
    assert_eq!(inline["reaction_counts"]["love"], 1, "{inline}");
    assert!(inline["reaction_counts"].get("angry").is_none(), "{inline}");
    let (_, newcomer) = visitor(&app).await;
    let mut refused = app
        .put(&mine(article))
        .bearer_auth(&newcomer)
        .send_json(&json!({"kind": "angry"}))
        .await
        .unwrap();
    let problem = assert_problem(&mut refused, 422).await;
    assert_eq!(fields(&problem), ["kind"], "{problem}");

    // The reactions are kept: admins still see them, and the key stays taken.
    let retired = admin_kinds(&app, &admin).await;
    let angry_kind = retired.iter().find(|k| k["key"] == "angry").unwrap();
    assert_eq!(angry_kind["retired"], true);
    assert_eq!(angry_kind["reaction_count"], 1);
    let mut again = app
        .post("/api/v1/admin/reaction-kinds")
        .bearer_auth(&admin)
        .send_json(&json!({"key": "angry", "emoji": "😡", "labels": {"en": "ANGRY"}}))
        .await
        .unwrap();
    assert_problem(&mut again, 409).await;

    // Restored, it comes back with its reactions.
    let restored = send_json_expect(
        app.patch("/api/v1/admin/reaction-kinds/angry")
            .bearer_auth(&admin),
        &json!({"retired": false}),
        200,
    )
    .await;
    assert_eq!(restored["data"]["retired"], false);
    assert_eq!(keys(&public_kinds(&app, "tr").await), KINDS);
    let back = reactions(&app, article, Some(&angry)).await;
    assert_eq!(back["counts"], counts(&[("angry", 1), ("love", 1)]));
    assert_eq!(back["total"], 2);
    assert_eq!(back["mine"], "angry");
}

#[actix_web::test]
async fn each_actor_has_one_reaction_per_article() {
    let app = spawn_app().await;
    let room = newsroom(&app).await;
    let (article, slug) = published_article(&app, &room, "Reactions").await;
    let (_, visitor_token) = visitor(&app).await;
    let (_, _, reader) = app.user_with_role("reader").await;

    let response = app
        .get(&format!("/api/v1/articles/{article}/reactions"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 200);
    assert_eq!(
        header(&response, "cache-control").as_deref(),
        Some("no-store")
    );
    assert_eq!(
        reactions(&app, article, None).await,
        json!({"counts": counts(&[]), "total": 0, "mine": null})
    );

    let first = react(&app, article, &visitor_token, "love").await;
    assert_eq!(
        first,
        json!({"counts": counts(&[("love", 1)]), "total": 1, "mine": "love"})
    );
    let same = react(&app, article, &visitor_token, "love").await;
    assert_eq!(same, first, "the same kind again changes nothing");
    let switched = react(&app, article, &visitor_token, "applause").await;
    assert_eq!(
        switched,
        json!({"counts": counts(&[("applause", 1)]), "total": 1, "mine": "applause"})
    );
    let with_reader = react(&app, article, &reader, "applause").await;
    assert_eq!(
        with_reader,
        json!({"counts": counts(&[("applause", 2)]), "total": 2, "mine": "applause"})
    );

    // `mine` is the caller's own.
    assert_eq!(
        reactions(&app, article, Some(&visitor_token)).await["mine"],
        "applause"
    );
    assert_eq!(reactions(&app, article, None).await["mine"], Value::Null);
    let (_, other) = visitor(&app).await;
    let theirs = reactions(&app, article, Some(&other)).await;
    assert_eq!(theirs["mine"], Value::Null);
    assert_eq!(theirs["total"], 2);
    assert_eq!(
        reactions(&app, article, Some(&room.editor)).await["mine"],
        Value::Null
    );

    // Taking it back, twice.
    let removed = unreact(&app, article, &visitor_token).await;
    assert_eq!(
        removed,
        json!({"counts": counts(&[("applause", 1)]), "total": 1, "mine": null})
    );
    assert_eq!(unreact(&app, article, &visitor_token).await, removed);
    assert_eq!(
        unreact(&app, article, &other).await["total"],
        1,
        "nothing to take back"
    );

    // The slug works as well as the id.
    let by_slug = react(&app, &slug, &other, "funny").await;
    assert_eq!(by_slug["counts"], counts(&[("applause", 1), ("funny", 1)]));
    assert_eq!(reactions(&app, &slug, None).await["total"], 2);
    assert_eq!(
        reactions(&app, article, Some(&other)).await["mine"],
        "funny"
    );
    assert_eq!(unreact(&app, &slug, &other).await["total"], 1);
}

#[actix_web::test]
async fn reaction_requests_are_checked() {
    let app = spawn_app().await;
    let room = newsroom(&app).await;
    let (article, _) = published_article(&app, &room, "Checked").await;
    let (_, token) = visitor(&app).await;

    let mut invalid = app
        .get(&format!("/api/v1/articles/{article}/reactions"))
        .insert_header(("authorization", "Bearer not.a.jwt"))
        .send()
        .await
        .unwrap();
    assert_problem(&mut invalid, 401).await;
    let mut anonymous = app
        .put(&mine(article))
        .send_json(&json!({"kind": "love"}))
        .await
        .unwrap();
    assert_problem(&mut anonymous, 401).await;
    let mut anonymous_delete = app.delete(&mine(article)).send().await.unwrap();
    assert_problem(&mut anonymous_delete, 401).await;

    for (body, field) in [
        (json!({"kind": "meh"}), "kind"),
        (json!({"kind": "LOVE"}), "kind"),
        (json!({"kind": "love", "extra": 1}), "extra"),
        (json!({}), "kind"),
    ] {
        let mut response = app
            .put(&mine(article))
            .bearer_auth(&token)
            .send_json(&body)
            .await
            .unwrap();
        let problem = assert_problem(&mut response, 422).await;
        assert!(fields(&problem).contains(&field), "{body}: {problem}");
    }
    assert_eq!(
        reactions(&app, article, Some(&token)).await,
        json!({"counts": counts(&[]), "total": 0, "mine": null}),
        "nothing was stored"
    );

    // Drafts and unknown articles don't exist here.
    let draft = draft_article(&app, &room).await;
    for key in [
        draft.to_string(),
        "999999999".to_owned(),
        "no-such-article".to_owned(),
    ] {
        let mut get = app
            .get(&format!("/api/v1/articles/{key}/reactions"))
            .send()
            .await
            .unwrap();
        assert_problem(&mut get, 404).await;
        let mut put = app
            .put(&mine(&key))
            .bearer_auth(&token)
            .send_json(&json!({"kind": "love"}))
            .await
            .unwrap();
        assert_problem(&mut put, 404).await;
        let mut delete = app
            .delete(&mine(&key))
            .bearer_auth(&token)
            .send()
            .await
            .unwrap();
        assert_problem(&mut delete, 404).await;
    }
}

#[actix_web::test]
async fn parallel_reactions_of_fifty_visitors_are_all_counted() {
    let app = spawn_app().await;
    let room = newsroom(&app).await;
    let (article, _) = published_article(&app, &room, "Popular").await;
    let mut tokens = Vec::new();
    for _ in 0..50 {
        tokens.push(app.visitor_token().await);
    }
    let requests: Vec<_> = tokens
        .iter()
        .map(|token| {
            app.put(&mine(article))
                .bearer_auth(token)
                .send_json(&json!({"kind": "love"}))
        })
        .collect();
    let statuses: Vec<u16> = concurrently(requests)
        .await
        .into_iter()
        .map(|r| r.unwrap().status().as_u16())
        .collect();
    assert!(statuses.iter().all(|s| *s == 200), "{statuses:?}");
    let now = reactions(&app, article, None).await;
    assert_eq!(now["total"], 50, "{now}");
    assert_eq!(now["counts"], counts(&[("love", 50)]));
    assert_eq!(
        reactions(&app, article, Some(&tokens[17])).await["mine"],
        "love"
    );
}

#[actix_web::test]
async fn parallel_reactions_of_one_visitor_count_once() {
    let app = spawn_app().await;
    let room = newsroom(&app).await;
    let (article, _) = published_article(&app, &room, "Hammered").await;
    let (_, token) = visitor(&app).await;
    let requests: Vec<_> = (0..50)
        .map(|n| {
            app.put(&mine(article))
                .bearer_auth(&token)
                .send_json(&json!({"kind": KINDS[n % KINDS.len()]}))
        })
        .collect();
    let statuses: Vec<u16> = concurrently(requests)
        .await
        .into_iter()
        .map(|r| r.unwrap().status().as_u16())
        .collect();
    assert!(statuses.iter().all(|s| *s == 200), "{statuses:?}");
    let now = reactions(&app, article, Some(&token)).await;
    assert_eq!(now["total"], 1, "{now}");
    let kind = now["mine"].as_str().expect("a reaction is kept");
    assert_eq!(now["counts"], counts(&[(kind, 1)]), "{now}");
}

#[actix_web::test]
async fn article_reads_carry_reaction_and_comment_counts() {
    // No response cache: inline counts after reactions are exact at once.
    let app = spawn_app_with(|env| {
        env.insert("RESPONSE_CACHE_MB".into(), "0".into());
    })
    .await;
    let room = newsroom(&app).await;
    let (popular, _) = published_article(&app, &room, "Popular").await;
    let (quiet, _) = published_article(&app, &room, "Quiet").await;
    for kind in ["love", "love", "sad"] {
        let (_, token) = visitor(&app).await;
        react(&app, popular, &token, kind).await;
    }
    let (_, _, reader) = app.user_with_role("reader").await;
    let approved = send_json_expect(
        app.post(&format!("/api/v1/articles/{popular}/comments"))
            .bearer_auth(&reader),
        &json!({"body": "Well said."}),
        201,
    )
    .await;
    assert_eq!(approved["data"]["status"], "approved");
    let (_, visitor_token) = visitor(&app).await;
    let pending = send_json_expect(
        app.post(&format!("/api/v1/articles/{popular}/comments"))
            .bearer_auth(&visitor_token),
        &json!({"body": "Waiting.", "author_name": "Passer-by"}),
        201,
    )
    .await;
    assert_eq!(pending["data"]["status"], "pending");

    let expected_popular = counts(&[("love", 2), ("sad", 1)]);
    let list = expect_json(app.get("/api/v1/articles"), 200).await;
    let summary = |id: i64| {
        list["data"]
            .as_array()
            .unwrap()
            .iter()
            .find(|a| a["id"] == id)
            .unwrap_or_else(|| panic!("article {id} listed: {list}"))
            .clone()
    };
    assert_eq!(summary(popular)["reaction_counts"], expected_popular);
    assert_eq!(summary(popular)["comment_count"], 1);
    assert_eq!(summary(quiet)["reaction_counts"], counts(&[]));
    assert_eq!(summary(quiet)["comment_count"], 0);

    let detail =
        expect_json(app.get(&format!("/api/v1/articles/{popular}")), 200).await["data"].clone();
    assert_eq!(detail["reaction_counts"], expected_popular);
    assert_eq!(detail["comment_count"], 1);

    let mut related = app
        .get(&format!("/api/v1/articles/{quiet}/related"))
        .send()
        .await
        .unwrap();
    let related = json_body(&mut related).await;
    let listed = related["data"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["id"] == popular)
        .unwrap_or_else(|| panic!("related: {related}"));
    assert_eq!(listed["reaction_counts"], expected_popular);
    assert_eq!(listed["comment_count"], 1);

    // A change shows on the next read.
    let (_, late) = visitor(&app).await;
    react(&app, quiet, &late, "amazing").await;
    let mut detail = app
        .get(&format!("/api/v1/articles/{quiet}"))
        .send()
        .await
        .unwrap();
    assert_eq!(
        json_body(&mut detail).await["data"]["reaction_counts"],
        counts(&[("amazing", 1)])
    );
}

#[actix_web::test]
async fn too_many_reactions_from_one_actor_are_429() {
    let app = spawn_app_with(|env| {
        env.insert("RATE_LIMIT_REACTIONS_PER_ACTOR".into(), "2".into());
    })
    .await;
    let room = newsroom(&app).await;
    let (article, _) = published_article(&app, &room, "Limited").await;
    let (_, token) = visitor(&app).await;
    react(&app, article, &token, "love").await;
    react(&app, article, &token, "applause").await;
    let mut limited = app
        .put(&mine(article))
        .bearer_auth(&token)
        .send_json(&json!({"kind": "funny"}))
        .await
        .unwrap();
    let problem = assert_problem(&mut limited, 429).await;
    assert_eq!(problem["type"], "/problems/too-many-requests");
    let retry: u64 = header(&limited, "retry-after")
        .expect("a Retry-After header")
        .parse()
        .unwrap();
    assert!((1..=60).contains(&retry), "{retry}");
    assert_eq!(
        reactions(&app, article, None).await["counts"],
        counts(&[("applause", 1)]),
        "the refused change did not happen"
    );
    // Another actor has a budget of their own.
    let (_, other) = visitor(&app).await;
    react(&app, article, &other, "funny").await;
}

#[actix_web::test]
async fn too_many_reactions_from_one_client_ip_are_429() {
    let app = spawn_app_with(|env| {
        env.insert("RATE_LIMIT_REACTIONS_PER_IP".into(), "2".into());
        env.insert("TRUSTED_PROXIES".into(), "127.0.0.0/8, ::1".into());
    })
    .await;
    let room = newsroom(&app).await;
    let (article, _) = published_article(&app, &room, "Crowded").await;
    let put_from = |token: String, ip: &'static str| {
        app.put(&mine(article))
            .bearer_auth(token)
            .insert_header(("x-forwarded-for", ip))
            .send_json(&json!({"kind": "love"}))
    };
    for _ in 0..2 {
        let (_, token) = visitor(&app).await;
        let response = put_from(token, "203.0.113.1").await.unwrap();
        assert_eq!(response.status().as_u16(), 200);
    }
    // A third visitor from the same address is over the address's budget.
    let (_, third) = visitor(&app).await;
    let mut limited = put_from(third.clone(), "203.0.113.1").await.unwrap();
    assert_problem(&mut limited, 429).await;
    assert!(header(&limited, "retry-after").is_some());
    assert_eq!(reactions(&app, article, None).await["total"], 2);
    // Another address has a budget of its own.
    let other = put_from(third, "203.0.113.2").await.unwrap();
    assert_eq!(other.status().as_u16(), 200);
    assert_eq!(reactions(&app, article, None).await["total"], 3);
}

#[actix_web::test]
async fn a_retried_reaction_with_an_idempotency_key_gets_the_first_answer_and_writes_nothing() {
    let app = spawn_app().await;
    let room = newsroom(&app).await;
    let (article, _) = published_article(&app, &room, "Retried reaction").await;
    let (_, token) = visitor(&app).await;
    let put = |key: &'static str, kind: &str| {
        app.put(&mine(article))
            .bearer_auth(&token)
            .insert_header(("idempotency-key", key))
            .send_json(&json!({"kind": kind}))
    };
    let mut first = put("tap-1", "love").await.unwrap();
    assert_eq!(first.status().as_u16(), 200);
    let first = json_body(&mut first).await;
    assert_eq!(first["data"]["mine"], "love");
    // The reader changes their mind; then the first tap's retry arrives late.
    react(&app, article, &token, "sad").await;
    let mut retry = put("tap-1", "love").await.unwrap();
    assert_eq!(retry.status().as_u16(), 200);
    assert_eq!(json_body(&mut retry).await, first, "the first answer");
    let now = reactions(&app, article, Some(&token)).await;
    assert_eq!(now["mine"], "sad", "the retry wrote nothing: {now}");
    assert_eq!(now["counts"], counts(&[("sad", 1)]));
    let mut reused = put("tap-1", "angry").await.unwrap();
    let problem = assert_problem(&mut reused, 422).await;
    assert_eq!(problem["errors"][0]["field"], "Idempotency-Key");
    assert_eq!(reactions(&app, article, Some(&token)).await["mine"], "sad");
}
