//! `/api/v1/admin/users`: the role matrix, account management, `If-Match`, last-admin
//! protection, pagination.

use serde_json::json;

use crate::helpers::{ADMIN_EMAIL, assert_problem, header, json_body, spawn_app};

/// Every role against every admin users route: only admins get through, anonymous callers
/// get 401, every other role 403, and nothing changes.
#[actix_web::test]
async fn only_admins_manage_users() {
    let app = spawn_app().await;
    let (target, _, _) = app.user_with_role("reader").await;
    let mut callers = vec![
        ("anonymous", None),
        ("visitor", Some(app.visitor_token().await)),
    ];
    for role in ["reader", "contributor", "author", "editor"] {
        callers.push((role, Some(app.user_with_role(role).await.2)));
    }
    let routes = [
        ("GET", "/api/v1/admin/users".to_owned(), None),
        (
            "POST",
            "/api/v1/admin/users".to_owned(),
            Some(
                json!({"email": "new@x.test", "password": "password-1", "display_name": "N", "role": "admin"}),
            ),
        ),
        ("GET", format!("/api/v1/admin/users/{target}"), None),
        (
            "PATCH",
            format!("/api/v1/admin/users/{target}"),
            Some(json!({"role": "admin"})),
        ),
        ("DELETE", format!("/api/v1/admin/users/{target}"), None),
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
    // Nothing changed: the target is still a reader, and no account was created.
    let admin = app.admin_token().await;
    let mut target_now = app
        .get(&format!("/api/v1/admin/users/{target}"))
        .bearer_auth(&admin)
        .send()
        .await
        .unwrap();
    assert_eq!(json_body(&mut target_now).await["data"]["role"], "reader");
    let mut created = app
        .get("/api/v1/admin/users?q=new@x.test")
        .bearer_auth(&admin)
        .send()
        .await
        .unwrap();
    assert_eq!(json_body(&mut created).await["meta"]["total"], 0);

    // The admin passes every route.
    for (method, path, body) in routes {
        let request = app
            .client
            .request(method.parse().unwrap(), app.url(&path))
            .bearer_auth(&admin);
        let response = match body {
            Some(body) => request.send_json(&body).await.unwrap(),
            None => request.send().await.unwrap(),
        };
        assert!(
            response.status().is_success(),
            "admin {method} {path}: {}",
            response.status()
        );
    }
}

#[actix_web::test]
async fn admins_create_read_update_and_delete_accounts() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    let mut created = app
        .post("/api/v1/admin/users")
        .bearer_auth(&admin)
        .send_json(&json!({"email": "Editor@Newsroom.test", "password": "password-1", "display_name": "Ed", "role": "editor"}))
        .await
        .unwrap();
    assert_eq!(created.status().as_u16(), 201);
    let location = header(&created, "location").unwrap();
    assert_eq!(header(&created, "etag").as_deref(), Some("\"1\""));
    let user = json_body(&mut created).await["data"].clone();
    assert_eq!(user["email"], "editor@newsroom.test");
    assert_eq!(user["role"], "editor");
    assert_eq!(location, format!("/api/v1/admin/users/{}", user["id"]));
    app.login("editor@newsroom.test", "password-1").await;

    let mut duplicate = app
        .post("/api/v1/admin/users")
        .bearer_auth(&admin)
        .send_json(&json!({"email": "editor@newsroom.test", "password": "password-1", "display_name": "Ed", "role": "editor"}))
        .await
        .unwrap();
    assert_problem(&mut duplicate, 409).await;
    let mut visitor_role = app
        .post("/api/v1/admin/users")
        .bearer_auth(&admin)
        .send_json(&json!({"email": "v@newsroom.test", "password": "password-1", "display_name": "V", "role": "visitor"}))
        .await
        .unwrap();
    assert_problem(&mut visitor_role, 422).await;
    let mut bad_role = app
        .post("/api/v1/admin/users")
        .bearer_auth(&admin)
        .send_json(&json!({"email": "v@newsroom.test", "password": "password-1", "display_name": "V", "role": "owner"}))
        .await
        .unwrap();
    assert_problem(&mut bad_role, 422).await;

    let mut read = app.get(&location).bearer_auth(&admin).send().await.unwrap();
    assert_eq!(read.status().as_u16(), 200);
    let etag = header(&read, "etag").unwrap();
    assert_eq!(json_body(&mut read).await["data"]["display_name"], "Ed");

    let mut updated = app
        .patch(&location)
        .bearer_auth(&admin)
        .insert_header(("if-match", etag.as_str()))
        .send_json(&json!({"display_name": "Editor Ed", "role": "author"}))
        .await
        .unwrap();
    assert_eq!(updated.status().as_u16(), 200);
    assert_eq!(header(&updated, "etag").as_deref(), Some("\"2\""));
    let updated = json_body(&mut updated).await["data"].clone();
    assert_eq!(updated["display_name"], "Editor Ed");
    assert_eq!(updated["role"], "author");
    assert_eq!(updated["version"], 2);

    // The old version is stale now: 412, and nothing changes.
    let mut stale = app
        .patch(&location)
        .bearer_auth(&admin)
        .insert_header(("if-match", etag.as_str()))
        .send_json(&json!({"display_name": "Lost update"}))
        .await
        .unwrap();
    assert_problem(&mut stale, 412).await;
    let mut stale_delete = app
        .delete(&location)
        .bearer_auth(&admin)
        .insert_header(("if-match", etag.as_str()))
        .send()
        .await
        .unwrap();
    assert_problem(&mut stale_delete, 412).await;
    let mut garbage = app
        .patch(&location)
        .bearer_auth(&admin)
        .insert_header(("if-match", "W/\"x\""))
        .send_json(&json!({}))
        .await
        .unwrap();
    assert_problem(&mut garbage, 412).await;
    let mut read = app.get(&location).bearer_auth(&admin).send().await.unwrap();
    assert_eq!(
        json_body(&mut read).await["data"]["display_name"],
        "Editor Ed"
    );

    let mut invalid = app
        .patch(&location)
        .bearer_auth(&admin)
        .send_json(&json!({"status": "banned"}))
        .await
        .unwrap();
    assert_problem(&mut invalid, 422).await;

    let deleted = app
        .delete(&location)
        .bearer_auth(&admin)
        .insert_header(("if-match", "\"2\""))
        .send()
        .await
        .unwrap();
    assert_eq!(deleted.status().as_u16(), 204);
    let mut gone = app.get(&location).bearer_auth(&admin).send().await.unwrap();
    assert_problem(&mut gone, 404).await;
    let mut gone = app
        .delete(&location)
        .bearer_auth(&admin)
        .send()
        .await
        .unwrap();
    assert_problem(&mut gone, 404).await;
    let mut not_an_id = app
        .get("/api/v1/admin/users/abc")
        .bearer_auth(&admin)
        .send()
        .await
        .unwrap();
    assert_problem(&mut not_an_id, 404).await;
}

#[actix_web::test]
async fn the_last_active_admin_can_not_be_removed() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    let mut me = app
        .get("/api/v1/auth/me")
        .bearer_auth(&admin)
        .send()
        .await
        .unwrap();
    let my_id = json_body(&mut me).await["id"].as_i64().unwrap();
    let path = format!("/api/v1/admin/users/{my_id}");

    for body in [json!({"role": "editor"}), json!({"status": "disabled"})] {
        let mut response = app
            .patch(&path)
            .bearer_auth(&admin)
            .send_json(&body)
            .await
            .unwrap();
        assert_problem(&mut response, 409).await;
    }
    let mut response = app.delete(&path).bearer_auth(&admin).send().await.unwrap();
    assert_problem(&mut response, 409).await;
    let renamed = app
        .patch(&path)
        .bearer_auth(&admin)
        .send_json(&json!({"display_name": "Still admin"}))
        .await
        .unwrap();
    assert_eq!(renamed.status().as_u16(), 200, "other changes are fine");

    // With a second admin, the first may step down.
    let (second, _, second_token) = app.user_with_role("admin").await;
    let admin = app.admin_token().await;
    let response = app
        .patch(&path)
        .bearer_auth(&admin)
        .send_json(&json!({"role": "editor"}))
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 200);
    // Now the second is the last one.
    let mut response = app
        .patch(&format!("/api/v1/admin/users/{second}"))
        .bearer_auth(&second_token)
        .send_json(&json!({"status": "disabled"}))
        .await
        .unwrap();
    assert_problem(&mut response, 409).await;
}

#[actix_web::test]
async fn two_admins_demoting_each_other_at_once_leave_one_admin() {
    let app = spawn_app().await;
    for _ in 0..3 {
        let (a, a_email, a_token) = app.user_with_role("admin").await;
        let (b, b_email, b_token) = app.user_with_role("admin").await;
        // Demote the bootstrap admin and everyone else first, so a and b are the only admins.
        let mut list = app
            .get("/api/v1/admin/users?role=admin&status=active&per_page=100")
            .bearer_auth(&a_token)
            .send()
            .await
            .unwrap();
        for user in json_body(&mut list).await["data"].as_array().unwrap() {
            let id = user["id"].as_i64().unwrap();
            if id != a && id != b {
                let response = app
                    .patch(&format!("/api/v1/admin/users/{id}"))
                    .bearer_auth(&a_token)
                    .send_json(&json!({"role": "editor"}))
                    .await
                    .unwrap();
                assert_eq!(response.status().as_u16(), 200);
            }
        }
        let first = app
            .patch(&format!("/api/v1/admin/users/{b}"))
            .bearer_auth(&a_token)
            .send_json(&json!({"role": "editor"}));
        let second = app
            .patch(&format!("/api/v1/admin/users/{a}"))
            .bearer_auth(&b_token)
            .send_json(&json!({"role": "editor"}));
        let responses = crate::helpers::concurrently(vec![first, second]).await;
        let mut statuses: Vec<u16> = responses
            .into_iter()
            .map(|r| r.unwrap().status().as_u16())
            .collect();
        statuses.sort_unstable();
        // Either one wins and the other is refused (409, or 401 when its own demotion landed
        // first and ended its token).
        assert_eq!(statuses[0], 200, "{statuses:?}");
        assert!(statuses[1] == 409 || statuses[1] == 401, "{statuses:?}");

        let mut token = String::new();
        for email in [&a_email, &b_email] {
            let candidate = crate::helpers::access_token(
                &app.login(email, crate::helpers::USER_PASSWORD).await,
            );
            if app
                .get("/api/v1/admin/users")
                .bearer_auth(&candidate)
                .send()
                .await
                .unwrap()
                .status()
                .as_u16()
                == 200
            {
                token = candidate;
            }
        }
        let mut admins = app
            .get("/api/v1/admin/users?role=admin&status=active")
            .bearer_auth(&token)
            .send()
            .await
            .unwrap();
        assert_eq!(json_body(&mut admins).await["meta"]["total"], 1);
        // Restore the bootstrap admin for the next round.
        let mut all = app
            .get(&format!("/api/v1/admin/users?q={ADMIN_EMAIL}"))
            .bearer_auth(&token)
            .send()
            .await
            .unwrap();
        let bootstrap = json_body(&mut all).await["data"][0]["id"].as_i64().unwrap();
        let response = app
            .patch(&format!("/api/v1/admin/users/{bootstrap}"))
            .bearer_auth(&token)
            .send_json(&json!({"role": "admin"}))
            .await
            .unwrap();
        assert_eq!(response.status().as_u16(), 200);
    }
}

#[actix_web::test]
async fn the_account_list_filters_and_paginates() {
    let app = spawn_app().await;
    for role in ["reader", "reader", "reader", "editor"] {
        app.user_with_role(role).await;
    }
    let admin = app.admin_token().await;
    let mut page = app
        .get("/api/v1/admin/users?role=reader&per_page=2")
        .bearer_auth(&admin)
        .send()
        .await
        .unwrap();
    assert_eq!(page.status().as_u16(), 200);
    let link = header(&page, "link").unwrap();
    assert!(
        link.contains("page=2") && link.contains("rel=\"next\""),
        "{link}"
    );
    let body = json_body(&mut page).await;
    assert_eq!(
        body["meta"],
        json!({"page": 1, "per_page": 2, "total": 3, "total_pages": 2})
    );
    assert_eq!(body["data"].as_array().unwrap().len(), 2);

    let mut last = app
        .get("/api/v1/admin/users?role=reader&per_page=2&page=2")
        .bearer_auth(&admin)
        .send()
        .await
        .unwrap();
    let link = header(&last, "link").unwrap();
    assert!(
        link.contains("rel=\"prev\"") && !link.contains("next"),
        "{link}"
    );
    assert_eq!(
        json_body(&mut last).await["data"].as_array().unwrap().len(),
        1
    );

    let mut editors = app
        .get("/api/v1/admin/users?role=editor")
        .bearer_auth(&admin)
        .send()
        .await
        .unwrap();
    assert_eq!(json_body(&mut editors).await["meta"]["total"], 1);
    let mut search = app
        .get("/api/v1/admin/users?q=ADMIN@newsroom")
        .bearer_auth(&admin)
        .send()
        .await
        .unwrap();
    assert_eq!(
        json_body(&mut search).await["data"][0]["email"],
        ADMIN_EMAIL
    );
    let mut wildcard = app
        .get("/api/v1/admin/users?q=%25")
        .bearer_auth(&admin)
        .send()
        .await
        .unwrap();
    assert_eq!(
        json_body(&mut wildcard).await["meta"]["total"],
        0,
        "% is literal"
    );

    for query in [
        "per_page=101",
        "per_page=0",
        "page=0",
        "per_page=99999999999",
        "role=owner",
        "page=x",
        "sort=name",
    ] {
        let mut response = app
            .get(&format!("/api/v1/admin/users?{query}"))
            .bearer_auth(&admin)
            .send()
            .await
            .unwrap();
        assert_problem(&mut response, 422).await;
    }
}
