//! The role table of DESIGN.md, over every management route: who gets through (not 401/403),
//! who is refused (403), and anonymous callers (401). The table lists every admin operation of
//! the served OpenAPI document.

use std::collections::HashSet;

use serde_json::{Value, json};

use crate::fixtures::{article_body, create_article, newsroom};
use crate::helpers::{TestApp, expect_json, json_body, send_json_expect, spawn_app};

/// One entry of the role table: method, concrete path, body, who gets through.
type Route = (&'static str, String, Option<Value>, Allowed);

/// Which roles a route lets through.
#[derive(Clone, Copy, Debug)]
enum Allowed {
    /// Admins only.
    Admin,
    /// Editors and admins.
    Editor,
    /// Contributors, authors, editors and admins.
    Writer,
}

impl Allowed {
    fn lets(self, role: &str) -> bool {
        match self {
            Self::Admin => role == "admin",
            Self::Editor => matches!(role, "admin" | "editor"),
            Self::Writer => matches!(role, "admin" | "editor" | "author" | "contributor"),
        }
    }
}

/// Every management route with a body that fails validation (or a missing id), and who gets
/// through; a reader's account id.
async fn role_table(app: &TestApp) -> (Vec<Route>, i64) {
    let room = newsroom(app).await;
    let article = create_article(app, &room.editor, &article_body(&room, "Matrix", "draft")).await;
    let article = article["id"].as_i64().unwrap();
    let (user, _, _) = app.user_with_role("reader").await;
    let routes: Vec<Route> = vec![
        ("GET", "/api/v1/admin/users".into(), None, Allowed::Admin),
        (
            "POST",
            "/api/v1/admin/users".into(),
            Some(json!({})),
            Allowed::Admin,
        ),
        (
            "GET",
            format!("/api/v1/admin/users/{user}"),
            None,
            Allowed::Admin,
        ),
        (
            "PATCH",
            format!("/api/v1/admin/users/{user}"),
            Some(json!({})),
            Allowed::Admin,
        ),
        (
            "DELETE",
            "/api/v1/admin/users/999999".into(),
            None,
            Allowed::Admin,
        ),
        ("GET", "/api/v1/admin/locales".into(), None, Allowed::Admin),
        (
            "POST",
            "/api/v1/admin/locales".into(),
            Some(json!({})),
            Allowed::Admin,
        ),
        (
            "PATCH",
            "/api/v1/admin/locales/nl".into(),
            Some(json!({})),
            Allowed::Admin,
        ),
        (
            "DELETE",
            "/api/v1/admin/locales/xx".into(),
            None,
            Allowed::Admin,
        ),
        ("GET", "/api/v1/admin/site".into(), None, Allowed::Admin),
        ("GET", "/api/v1/admin/media".into(), None, Allowed::Writer),
        ("GET", "/api/v1/admin/pages".into(), None, Allowed::Editor),
        (
            "GET",
            "/api/v1/admin/schedule".into(),
            None,
            Allowed::Editor,
        ),
        (
            "POST",
            "/api/v1/admin/pages".into(),
            Some(json!({})),
            Allowed::Editor,
        ),
        (
            "GET",
            "/api/v1/admin/pages/999999".into(),
            None,
            Allowed::Editor,
        ),
        (
            "PATCH",
            "/api/v1/admin/pages/999999".into(),
            Some(json!({})),
            Allowed::Editor,
        ),
        (
            "DELETE",
            "/api/v1/admin/pages/999999".into(),
            None,
            Allowed::Editor,
        ),
        (
            "PUT",
            "/api/v1/admin/pages/999999/translations/fr".into(),
            Some(json!({})),
            Allowed::Editor,
        ),
        (
            "DELETE",
            "/api/v1/admin/pages/999999/translations/fr".into(),
            None,
            Allowed::Editor,
        ),
        (
            "GET",
            "/api/v1/admin/pages/999999/revisions".into(),
            None,
            Allowed::Editor,
        ),
        (
            "GET",
            "/api/v1/admin/pages/999999/revisions/1".into(),
            None,
            Allowed::Editor,
        ),
        (
            "POST",
            "/api/v1/admin/pages/999999/revisions/1/restore".into(),
            None,
            Allowed::Editor,
        ),
        (
            "POST",
            "/api/v1/admin/pages/999999/previews".into(),
            Some(json!({})),
            Allowed::Editor,
        ),
        (
            "GET",
            "/api/v1/admin/pages/999999/previews".into(),
            None,
            Allowed::Editor,
        ),
        (
            "POST",
            format!("/api/v1/admin/articles/{article}/previews"),
            Some(json!({})),
            Allowed::Writer,
        ),
        (
            "GET",
            format!("/api/v1/admin/articles/{article}/previews"),
            None,
            Allowed::Writer,
        ),
        (
            "DELETE",
            "/api/v1/admin/previews/999999".into(),
            None,
            Allowed::Writer,
        ),
        ("GET", "/api/v1/admin/menus".into(), None, Allowed::Editor),
        (
            "POST",
            "/api/v1/admin/menus".into(),
            Some(json!({})),
            Allowed::Editor,
        ),
        (
            "GET",
            "/api/v1/admin/menus/nope".into(),
            None,
            Allowed::Editor,
        ),
        (
            "PUT",
            "/api/v1/admin/menus/nope".into(),
            Some(json!({})),
            Allowed::Editor,
        ),
        (
            "DELETE",
            "/api/v1/admin/menus/nope".into(),
            None,
            Allowed::Editor,
        ),
        (
            "POST",
            "/api/v1/admin/media".into(),
            Some(json!({})),
            Allowed::Writer,
        ),
        (
            "GET",
            "/api/v1/admin/media/999999".into(),
            None,
            Allowed::Writer,
        ),
        (
            "PATCH",
            "/api/v1/admin/media/999999".into(),
            Some(json!({})),
            Allowed::Writer,
        ),
        (
            "DELETE",
            "/api/v1/admin/media/999999".into(),
            None,
            Allowed::Writer,
        ),
        (
            "PUT",
            "/api/v1/admin/site".into(),
            Some(json!({})),
            Allowed::Admin,
        ),
        (
            "GET",
            "/api/v1/admin/categories".into(),
            None,
            Allowed::Editor,
        ),
        (
            "POST",
            "/api/v1/admin/categories".into(),
            Some(json!({})),
            Allowed::Editor,
        ),
        (
            "GET",
            format!("/api/v1/admin/categories/{}", room.category),
            None,
            Allowed::Editor,
        ),
        (
            "PATCH",
            format!("/api/v1/admin/categories/{}", room.category),
            Some(json!({})),
            Allowed::Editor,
        ),
        (
            "DELETE",
            "/api/v1/admin/categories/999999".into(),
            None,
            Allowed::Editor,
        ),
        ("GET", "/api/v1/admin/tags".into(), None, Allowed::Editor),
        (
            "POST",
            "/api/v1/admin/tags".into(),
            Some(json!({})),
            Allowed::Editor,
        ),
        (
            "GET",
            format!("/api/v1/admin/tags/{}", room.tag),
            None,
            Allowed::Editor,
        ),
        (
            "PATCH",
            format!("/api/v1/admin/tags/{}", room.tag),
            Some(json!({"translations": {}})),
            Allowed::Editor,
        ),
        (
            "DELETE",
            "/api/v1/admin/tags/999999".into(),
            None,
            Allowed::Editor,
        ),
        ("GET", "/api/v1/admin/authors".into(), None, Allowed::Editor),
        (
            "POST",
            "/api/v1/admin/authors".into(),
            Some(json!({})),
            Allowed::Editor,
        ),
        (
            "GET",
            format!("/api/v1/admin/authors/{}", room.author),
            None,
            Allowed::Editor,
        ),
        (
            "PATCH",
            format!("/api/v1/admin/authors/{}", room.author),
            Some(json!({})),
            Allowed::Editor,
        ),
        (
            "DELETE",
            "/api/v1/admin/authors/999999".into(),
            None,
            Allowed::Editor,
        ),
        (
            "GET",
            "/api/v1/admin/articles".into(),
            None,
            Allowed::Writer,
        ),
        (
            "POST",
            "/api/v1/admin/articles".into(),
            Some(json!({})),
            Allowed::Writer,
        ),
        (
            "GET",
            format!("/api/v1/admin/articles/{article}"),
            None,
            Allowed::Writer,
        ),
        (
            "PATCH",
            format!("/api/v1/admin/articles/{article}"),
            Some(json!({})),
            Allowed::Writer,
        ),
        (
            "DELETE",
            "/api/v1/admin/articles/999999".into(),
            None,
            Allowed::Writer,
        ),
        (
            "PUT",
            format!("/api/v1/admin/articles/{article}/translations/en"),
            Some(json!({})),
            Allowed::Writer,
        ),
        (
            "DELETE",
            format!("/api/v1/admin/articles/{article}/translations/fr"),
            None,
            Allowed::Writer,
        ),
        (
            "GET",
            format!("/api/v1/admin/articles/{article}/revisions"),
            None,
            Allowed::Writer,
        ),
        (
            "GET",
            format!("/api/v1/admin/articles/{article}/revisions/999999"),
            None,
            Allowed::Writer,
        ),
        (
            "POST",
            format!("/api/v1/admin/articles/{article}/revisions/999999/restore"),
            None,
            Allowed::Writer,
        ),
        (
            "GET",
            "/api/v1/admin/comments".into(),
            None,
            Allowed::Editor,
        ),
        (
            "PATCH",
            "/api/v1/admin/comments/999999".into(),
            Some(json!({"status": "approved"})),
            Allowed::Editor,
        ),
        (
            "POST",
            "/api/v1/admin/comments/moderate".into(),
            Some(json!({"ids": [999999], "status": "spam"})),
            Allowed::Editor,
        ),
        (
            "GET",
            "/api/v1/admin/comment-bans".into(),
            None,
            Allowed::Editor,
        ),
        (
            "POST",
            "/api/v1/admin/comment-bans".into(),
            Some(json!({})),
            Allowed::Editor,
        ),
        (
            "DELETE",
            "/api/v1/admin/comment-bans/999999".into(),
            None,
            Allowed::Editor,
        ),
        (
            "GET",
            "/api/v1/admin/reaction-kinds".into(),
            None,
            Allowed::Admin,
        ),
        (
            "POST",
            "/api/v1/admin/reaction-kinds".into(),
            Some(json!({})),
            Allowed::Admin,
        ),
        (
            "PATCH",
            "/api/v1/admin/reaction-kinds/nope".into(),
            Some(json!({})),
            Allowed::Admin,
        ),
        (
            "DELETE",
            "/api/v1/admin/reaction-kinds/nope".into(),
            None,
            Allowed::Admin,
        ),
        ("GET", "/api/v1/admin/api-keys".into(), None, Allowed::Admin),
        (
            "POST",
            "/api/v1/admin/api-keys".into(),
            Some(json!({})),
            Allowed::Admin,
        ),
        (
            "DELETE",
            "/api/v1/admin/api-keys/999999".into(),
            None,
            Allowed::Admin,
        ),
        ("GET", "/api/v1/admin/audit".into(), None, Allowed::Admin),
        ("GET", "/api/v1/admin/webhooks".into(), None, Allowed::Admin),
        (
            "POST",
            "/api/v1/admin/webhooks".into(),
            Some(json!({})),
            Allowed::Admin,
        ),
        (
            "GET",
            "/api/v1/admin/webhooks/999999".into(),
            None,
            Allowed::Admin,
        ),
        (
            "PATCH",
            "/api/v1/admin/webhooks/999999".into(),
            Some(json!({})),
            Allowed::Admin,
        ),
        (
            "DELETE",
            "/api/v1/admin/webhooks/999999".into(),
            None,
            Allowed::Admin,
        ),
        (
            "GET",
            "/api/v1/admin/webhooks/999999/deliveries".into(),
            None,
            Allowed::Admin,
        ),
        (
            "POST",
            "/api/v1/admin/webhooks/999999/deliveries/1/retry".into(),
            None,
            Allowed::Admin,
        ),
        (
            "POST",
            "/api/v1/admin/webhooks/999999/ping".into(),
            None,
            Allowed::Admin,
        ),
    ];
    (routes, user)
}

#[actix_web::test]
async fn every_management_route_follows_the_role_table() {
    let app = spawn_app().await;
    let (routes, user) = role_table(&app).await;
    let document = expect_json(app.get("/openapi.json"), 200).await;
    assert_the_table_covers_every_admin_operation(&document, &routes);

    let mut callers = vec![
        ("anonymous", None),
        ("visitor", Some(app.visitor_token().await)),
    ];
    for role in ["reader", "contributor", "author", "editor", "admin"] {
        let token = if role == "admin" {
            app.admin_token().await
        } else {
            app.user_with_role(role).await.2
        };
        callers.push((role, Some(token)));
    }
    for (role, token) in &callers {
        for (method, path, body, allowed) in &routes {
            let mut request = app.client.request(method.parse().unwrap(), app.url(path));
            if let Some(token) = token {
                request = request.bearer_auth(token);
            }
            let mut response = match body {
                Some(body) => request.send_json(body).await.unwrap(),
                None => request.send().await.unwrap(),
            };
            let status = response.status().as_u16();
            let _ = response.body().await;
            match (token, allowed.lets(role)) {
                (None, _) => assert_eq!(status, 401, "{role} {method} {path}"),
                (Some(_), true) => assert!(
                    status != 401 && status != 403 && status < 500,
                    "{role} {method} {path}: {status}"
                ),
                (Some(_), false) => assert_eq!(status, 403, "{role} {method} {path}"),
            }
        }
    }
    // Nothing the refused callers sent changed anything.
    let mut read = app
        .get(&format!("/api/v1/admin/users/{user}"))
        .bearer_auth(app.admin_token().await)
        .send()
        .await
        .unwrap();
    assert_eq!(json_body(&mut read).await["data"]["role"], "reader");
}

/// The scope the OpenAPI document says an API key needs for the operation `path` is an
/// instance of (`None`: keys are refused).
fn documented_scope(document: &Value, method: &str, path: &str) -> Option<String> {
    let (_, item) = document["paths"]
        .as_object()
        .unwrap()
        .iter()
        .filter(|(template, item)| {
            fits(template, path) && item.get(method.to_lowercase()).is_some()
        })
        .max_by_key(|(template, _)| template.split('/').filter(|s| !is_parameter(s)).count())?;
    let operation = &item[method.to_lowercase()];
    let takes_keys = operation["security"]
        .as_array()?
        .iter()
        .any(|requirement| requirement.get("api_key").is_some());
    let scope = operation["x-api-key-scope"].as_str().map(str::to_owned);
    assert_eq!(takes_keys, scope.is_some(), "{method} {path}: {operation}");
    scope
}

/// Every management route, as the OpenAPI document names its scope: a key without that scope
/// (holding all the others) is refused with 403, a key with it alone gets through; a route
/// naming no scope refuses a key holding them all. A new route can't be forgotten: it refuses
/// keys until the scope table names it.
#[actix_web::test]
async fn api_keys_do_only_what_their_scopes_name() {
    let app = spawn_app().await;
    let (routes, _) = role_table(&app).await;
    let document = expect_json(app.get("/openapi.json"), 200).await;
    let admin = app.admin_token().await;
    let all = [
        "content:read",
        "content:write",
        "media:write",
        "comments:moderate",
        "webhooks:manage",
    ];
    let mut keys = std::collections::HashMap::new();
    let mut key_for = async |scopes: Vec<&str>| -> String {
        let name = scopes.join(" ");
        if let Some(key) = keys.get(&name) {
            return String::clone(key);
        }
        let created = send_json_expect(
            app.post("/api/v1/admin/api-keys").bearer_auth(&admin),
            &json!({"name": format!("key {name}"), "scopes": scopes}),
            201,
        )
        .await;
        let key = created["data"]["key"].as_str().unwrap().to_owned();
        keys.insert(name, key.clone());
        key
    };
    let every = key_for(all.to_vec()).await;
    let mut scoped = 0;
    for (method, path, body, _) in &routes {
        let call = async |key: &str| {
            let request = app
                .client
                .request(method.parse().unwrap(), app.url(path))
                .bearer_auth(key);
            let mut response = match body {
                Some(body) => request.send_json(body).await.unwrap(),
                None => request.send().await.unwrap(),
            };
            let _ = response.body().await;
            response.status().as_u16()
        };
        match documented_scope(&document, method, path) {
            Some(scope) => {
                scoped += 1;
                let others: Vec<&str> = all.iter().copied().filter(|s| *s != scope).collect();
                let without = key_for(others).await;
                assert_eq!(call(&without).await, 403, "{method} {path} without {scope}");
                let with = key_for(vec![all.iter().copied().find(|s| *s == scope).unwrap()]).await;
                let status = call(&with).await;
                assert!(
                    status != 401 && status != 403 && status < 500,
                    "{method} {path} with {scope}: {status}"
                );
            }
            None => assert_eq!(call(&every).await, 403, "{method} {path} refuses keys"),
        }
    }
    assert!(scoped > 40, "most content routes take keys: {scoped}");
}

/// Every operation the OpenAPI document lists under `/api/v1/admin` has an entry in the role
/// table, and every entry is such an operation: a new admin route can't be left out of it.
fn assert_the_table_covers_every_admin_operation(document: &Value, routes: &[Route]) {
    let operations: Vec<(String, &str)> = document["paths"]
        .as_object()
        .expect("the document lists its paths")
        .iter()
        .filter(|(template, _)| template.starts_with("/api/v1/admin"))
        .flat_map(|(template, item)| {
            item.as_object()
                .expect("a path item")
                .keys()
                .filter(|method| {
                    ["get", "post", "put", "patch", "delete"].contains(&method.as_str())
                })
                .map(|method| (method.to_uppercase(), template.as_str()))
        })
        .collect();
    let mut covered = HashSet::new();
    let mut unknown = Vec::new();
    for (method, path, _, _) in routes {
        // A literal segment beats a parameter: `/comments/moderate` is not `/comments/{id}`.
        let operation = operations
            .iter()
            .filter(|(m, template)| m == method && fits(template, path))
            .max_by_key(|(_, template)| template.split('/').filter(|s| !is_parameter(s)).count());
        match operation {
            Some(operation) => {
                covered.insert(operation);
            }
            None => unknown.push(format!("{method} {path}")),
        }
    }
    let missing: Vec<String> = operations
        .iter()
        .filter(|operation| !covered.contains(operation))
        .map(|(method, template)| format!("{method} {template}"))
        .collect();
    assert!(
        missing.is_empty(),
        "admin operations missing from the role table: {missing:#?}"
    );
    assert!(
        unknown.is_empty(),
        "role table entries that are no documented admin operation: {unknown:#?}"
    );
}

/// Whether the concrete `path` is an instance of the path `template`.
fn fits(template: &str, path: &str) -> bool {
    template.split('/').count() == path.split('/').count()
        && template
            .split('/')
            .zip(path.split('/'))
            .all(|(t, p)| is_parameter(t) || t == p)
}

/// Whether a template segment is a parameter (`{id}`, `{key}`, …).
fn is_parameter(segment: &str) -> bool {
    segment.starts_with('{') && segment.ends_with('}')
}
