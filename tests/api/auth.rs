//! `/api/v1/auth`: register, login, refresh, logout, visitor, me; and the attacks on them.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use serde_json::{Value, json};

use crate::helpers::{
    ADMIN_EMAIL, ADMIN_PASSWORD, TEST_JWT_SECRET, USER_PASSWORD, access_token, assert_problem,
    concurrently, expect_json, header, json_body, send_json_expect, spawn_app, spawn_app_with,
};

async fn register(
    app: &crate::helpers::TestApp,
    body: Value,
) -> awc::ClientResponse<
    impl futures_core::Stream<Item = Result<actix_web::web::Bytes, awc::error::PayloadError>> + Unpin,
> {
    app.post("/api/v1/auth/register")
        .send_json(&body)
        .await
        .unwrap()
}

#[actix_web::test]
async fn register_creates_a_reader_with_a_session() {
    let app = spawn_app().await;
    let mut response = register(
        &app,
        json!({"email": "  Elif@Example.COM ", "password": "long enough", "display_name": " Elif "}),
    )
    .await;
    assert_eq!(response.status().as_u16(), 201);
    let body = json_body(&mut response).await;
    assert_eq!(body["user"]["email"], "elif@example.com");
    assert_eq!(body["user"]["display_name"], "Elif");
    assert_eq!(body["user"]["role"], "reader");
    assert_eq!(body["user"]["status"], "active");
    assert_eq!(body["token_type"], "Bearer");
    assert_eq!(body["expires_in"], 900);
    assert!(body["refresh_token"].as_str().unwrap().len() >= 64);
    let text = body.to_string();
    assert!(
        !text.contains("argon2") && !text.contains("password_hash"),
        "{text}"
    );

    let me = expect_json(
        app.get("/api/v1/auth/me").bearer_auth(access_token(&body)),
        200,
    )
    .await;
    assert_eq!(me["email"], "elif@example.com");
    assert!(me.get("password_hash").is_none());
}

#[actix_web::test]
async fn emails_are_one_account_whatever_their_case() {
    let app = spawn_app().await;
    let first = register(
        &app,
        json!({"email": "Alice@x.test", "password": "password-1", "display_name": "A"}),
    )
    .await;
    assert_eq!(first.status().as_u16(), 201);
    let mut second = register(
        &app,
        json!({"email": "alice@X.TEST", "password": "password-2", "display_name": "B"}),
    )
    .await;
    assert_problem(&mut second, 409).await;
    app.login("ALICE@x.test", "password-1").await;
}

#[actix_web::test]
async fn registration_validates_every_field() {
    let app = spawn_app().await;
    let cases = [
        (
            json!({"email": "not-an-email", "password": "password-1", "display_name": "A"}),
            "email",
        ),
        (
            json!({"email": "a@b.test", "password": "short", "display_name": "A"}),
            "password",
        ),
        (
            json!({"email": "a@b.test", "password": "x".repeat(1025), "display_name": "A"}),
            "password",
        ),
        (
            json!({"email": "a@b.test", "password": "password-1", "display_name": "  "}),
            "display_name",
        ),
        (
            json!({"email": "a@b.test", "password": "password-1"}),
            "display_name",
        ),
        (
            json!({"email": 7, "password": "password-1", "display_name": "A"}),
            "email",
        ),
    ];
    for (body, field) in cases {
        let mut response = register(&app, body.clone()).await;
        let problem = assert_problem(&mut response, 422).await;
        let fields: Vec<&str> = problem["errors"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["field"].as_str().unwrap())
            .collect();
        assert!(fields.contains(&field), "{body}: {problem}");
    }
    let ok = register(
        &app,
        json!({"email": "a@b.test", "password": "x".repeat(1024), "display_name": "A"}),
    )
    .await;
    assert_eq!(ok.status().as_u16(), 201, "1024 characters are allowed");
}

#[actix_web::test]
async fn register_and_me_refuse_server_owned_fields() {
    let app = spawn_app().await;
    for extra in [
        json!({"role": "admin"}),
        json!({"status": "active"}),
        json!({"id": 1}),
        json!({"password_hash": "$argon2id$..."}),
    ] {
        let mut body =
            json!({"email": "mallory@x.test", "password": "password-1", "display_name": "M"});
        body.as_object_mut()
            .unwrap()
            .extend(extra.as_object().unwrap().clone());
        let mut response = register(&app, body).await;
        assert_problem(&mut response, 422).await;
    }
    let mut login = app
        .post("/api/v1/auth/login")
        .send_json(&json!({"email": "mallory@x.test", "password": "password-1"}))
        .await
        .unwrap();
    assert_problem(&mut login, 401).await;

    let (_, _, token) = app.user_with_role("reader").await;
    for body in [
        json!({"role": "admin"}),
        json!({"status": "disabled"}),
        json!({"email": "x@y.test"}),
    ] {
        let mut response = app
            .patch("/api/v1/auth/me")
            .bearer_auth(&token)
            .send_json(&body)
            .await
            .unwrap();
        assert_problem(&mut response, 422).await;
    }
    let mut me = app
        .get("/api/v1/auth/me")
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(json_body(&mut me).await["role"], "reader");
}

#[actix_web::test]
async fn closed_registration_is_403() {
    let app = spawn_app_with(|env| {
        env.insert("REGISTRATION_OPEN".into(), "false".into());
    })
    .await;
    let mut response = register(
        &app,
        json!({"email": "a@b.test", "password": "password-1", "display_name": "A"}),
    )
    .await;
    assert_problem(&mut response, 403).await;
}

#[actix_web::test]
async fn every_bad_credential_gets_the_same_answer() {
    let app = spawn_app().await;
    let (id, email, _) = app.user_with_role("reader").await;
    let admin = app.admin_token().await;
    let (_, disabled_email, _) = app.user_with_role("author").await;
    let disabled_id = {
        let mut list = app
            .get(&format!(
                "/api/v1/admin/users?q={}",
                disabled_email.split('@').next().unwrap()
            ))
            .bearer_auth(&admin)
            .send()
            .await
            .unwrap();
        json_body(&mut list).await["data"][0]["id"]
            .as_i64()
            .unwrap()
    };
    assert_ne!(id, disabled_id);
    let response = app
        .patch(&format!("/api/v1/admin/users/{disabled_id}"))
        .bearer_auth(&admin)
        .send_json(&json!({"status": "disabled"}))
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 200);

    let attempts = [
        json!({"email": "nobody@newsroom.test", "password": USER_PASSWORD}),
        json!({"email": email, "password": "wrong-password"}),
        json!({"email": disabled_email, "password": USER_PASSWORD}),
        json!({"email": "not an email", "password": USER_PASSWORD}),
    ];
    let mut bodies = Vec::new();
    for attempt in attempts {
        let mut response = app
            .post("/api/v1/auth/login")
            .send_json(&attempt)
            .await
            .unwrap();
        bodies.push(assert_problem(&mut response, 401).await);
    }
    assert!(
        bodies.windows(2).all(|pair| pair[0] == pair[1]),
        "{bodies:?}"
    );
    assert_eq!(bodies[0]["type"], "/problems/invalid-credentials");
}

#[actix_web::test]
async fn refresh_rotates_and_a_reused_token_revokes_the_family() {
    let app = spawn_app().await;
    let first = app.login(ADMIN_EMAIL, ADMIN_PASSWORD).await;
    let refresh = |token: Value| {
        let request = app.post("/api/v1/auth/refresh");
        async move {
            request
                .send_json(&json!({"refresh_token": token}))
                .await
                .unwrap()
        }
    };

    let mut second = refresh(first["refresh_token"].clone()).await;
    assert_eq!(second.status().as_u16(), 200);
    let second = json_body(&mut second).await;
    assert_ne!(second["refresh_token"], first["refresh_token"]);
    assert_eq!(second["user"]["email"], ADMIN_EMAIL);
    let me = app
        .get("/api/v1/auth/me")
        .bearer_auth(access_token(&second))
        .send()
        .await
        .unwrap();
    assert_eq!(me.status().as_u16(), 200);

    // The spent token again: refused, and the whole family with it.
    let mut reused = refresh(first["refresh_token"].clone()).await;
    let problem = assert_problem(&mut reused, 401).await;
    assert_eq!(problem["type"], "/problems/invalid-refresh-token");
    let mut successor = refresh(second["refresh_token"].clone()).await;
    assert_problem(&mut successor, 401).await;

    // Another session of the same account is untouched.
    let other = app.login(ADMIN_EMAIL, ADMIN_PASSWORD).await;
    assert_eq!(
        refresh(other["refresh_token"].clone())
            .await
            .status()
            .as_u16(),
        200
    );
}

#[actix_web::test]
async fn of_two_parallel_refreshes_exactly_one_wins() {
    let app = spawn_app().await;
    for _ in 0..3 {
        let session = app.login(ADMIN_EMAIL, ADMIN_PASSWORD).await;
        let body = json!({"refresh_token": session["refresh_token"]});
        let responses = concurrently(vec![
            app.post("/api/v1/auth/refresh").send_json(&body),
            app.post("/api/v1/auth/refresh").send_json(&body),
        ])
        .await;
        let mut statuses: Vec<u16> = responses
            .into_iter()
            .map(|r| r.unwrap().status().as_u16())
            .collect();
        statuses.sort_unstable();
        assert_eq!(statuses, [200, 401]);
    }
}

#[actix_web::test]
async fn logout_ends_the_session() {
    let app = spawn_app().await;
    let session = app.login(ADMIN_EMAIL, ADMIN_PASSWORD).await;
    let body = json!({"refresh_token": session["refresh_token"]});
    let response = app
        .post("/api/v1/auth/logout")
        .send_json(&body)
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 204);
    let mut refreshed = app
        .post("/api/v1/auth/refresh")
        .send_json(&body)
        .await
        .unwrap();
    assert_problem(&mut refreshed, 401).await;
    let unknown = app
        .post("/api/v1/auth/logout")
        .send_json(&json!({"refresh_token": "0".repeat(64)}))
        .await
        .unwrap();
    assert_eq!(unknown.status().as_u16(), 204);
}

#[actix_web::test]
async fn logout_all_ends_every_session_and_token_of_the_account() {
    let app = spawn_app().await;
    let first = app.login(ADMIN_EMAIL, ADMIN_PASSWORD).await;
    let second = app.login(ADMIN_EMAIL, ADMIN_PASSWORD).await;
    let response = app
        .post("/api/v1/auth/logout-all")
        .bearer_auth(access_token(&first))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 204);
    for session in [&first, &second] {
        let mut me = app
            .get("/api/v1/auth/me")
            .bearer_auth(access_token(session))
            .send()
            .await
            .unwrap();
        assert_problem(&mut me, 401).await;
        let mut refreshed = app
            .post("/api/v1/auth/refresh")
            .send_json(&json!({"refresh_token": session["refresh_token"]}))
            .await
            .unwrap();
        assert_problem(&mut refreshed, 401).await;
    }
    app.login(ADMIN_EMAIL, ADMIN_PASSWORD).await;
    let mut anonymous = app.post("/api/v1/auth/logout-all").send().await.unwrap();
    assert_problem(&mut anonymous, 401).await;
}

#[actix_web::test]
async fn visitors_get_their_own_anonymous_tokens() {
    let app = spawn_app().await;
    let first = expect_json(app.post("/api/v1/auth/visitor"), 201).await;
    let mut second = app.post("/api/v1/auth/visitor").send().await.unwrap();
    let second = json_body(&mut second).await;
    assert_ne!(first["visitor_id"], second["visitor_id"]);
    assert_eq!(first["token_type"], "Bearer");
    assert_eq!(first["expires_in"], 31_536_000);
    let claims = claims_of(first["access_token"].as_str().unwrap());
    assert_eq!(claims["role"], "visitor");
    assert_eq!(claims["typ"], "visitor");
    assert_eq!(claims["sub"], first["visitor_id"].to_string());

    // A visitor is authenticated, but has no account and no staff rights.
    let mut me = app
        .get("/api/v1/auth/me")
        .bearer_auth(access_token(&first))
        .send()
        .await
        .unwrap();
    assert_problem(&mut me, 403).await;
    let mut admin = app
        .get("/api/v1/admin/users")
        .bearer_auth(access_token(&first))
        .send()
        .await
        .unwrap();
    assert_problem(&mut admin, 403).await;
}

/// The payload of a JWT, unverified.
fn claims_of(token: &str) -> Value {
    let payload = token.split('.').nth(1).unwrap();
    serde_json::from_slice(&URL_SAFE_NO_PAD.decode(payload).unwrap()).unwrap()
}

/// Signs `claims` with `algorithm` and `secret`.
fn sign(claims: &Value, algorithm: Algorithm, secret: &str) -> String {
    jsonwebtoken::encode(
        &Header::new(algorithm),
        claims,
        &EncodingKey::from_secret(secret.as_bytes()),
    )
    .unwrap()
}

#[actix_web::test]
async fn forged_expired_and_malformed_tokens_are_401() {
    let app = spawn_app().await;
    let session = app.login(ADMIN_EMAIL, ADMIN_PASSWORD).await;
    let genuine = access_token(&session);
    let claims = claims_of(&genuine);
    let now = chrono::Utc::now().timestamp();
    let with = |changes: Value| {
        let mut changed = claims.clone();
        for (key, value) in changes.as_object().unwrap() {
            if value.is_null() {
                changed.as_object_mut().unwrap().remove(key);
            } else {
                changed[key] = value.clone();
            }
        }
        changed
    };
    let none_token = format!(
        "{}.{}.",
        URL_SAFE_NO_PAD.encode(br#"{"alg":"none","typ":"JWT"}"#),
        URL_SAFE_NO_PAD.encode(claims.to_string())
    );
    let tokens = vec![
        ("alg none", none_token),
        (
            "wrong key",
            sign(
                &claims,
                Algorithm::HS256,
                "another-secret-another-secret-0123456789",
            ),
        ),
        ("HS384", sign(&claims, Algorithm::HS384, TEST_JWT_SECRET)),
        ("HS512", sign(&claims, Algorithm::HS512, TEST_JWT_SECRET)),
        (
            "expired",
            sign(
                &with(json!({"exp": now - 3600, "iat": now - 7200, "nbf": now - 7200})),
                Algorithm::HS256,
                TEST_JWT_SECRET,
            ),
        ),
        (
            "not yet valid",
            sign(
                &with(json!({"nbf": now + 3600})),
                Algorithm::HS256,
                TEST_JWT_SECRET,
            ),
        ),
        (
            "wrong iss",
            sign(
                &with(json!({"iss": "someone-else"})),
                Algorithm::HS256,
                TEST_JWT_SECRET,
            ),
        ),
        (
            "missing iss",
            sign(
                &with(json!({"iss": null})),
                Algorithm::HS256,
                TEST_JWT_SECRET,
            ),
        ),
        (
            "wrong aud",
            sign(
                &with(json!({"aud": "another-api"})),
                Algorithm::HS256,
                TEST_JWT_SECRET,
            ),
        ),
        (
            "missing aud",
            sign(
                &with(json!({"aud": null})),
                Algorithm::HS256,
                TEST_JWT_SECRET,
            ),
        ),
        (
            "missing sub",
            sign(
                &with(json!({"sub": null})),
                Algorithm::HS256,
                TEST_JWT_SECRET,
            ),
        ),
        (
            "unknown sub",
            sign(
                &with(json!({"sub": "999999"})),
                Algorithm::HS256,
                TEST_JWT_SECRET,
            ),
        ),
        (
            "missing sv",
            sign(
                &with(json!({"sv": null})),
                Algorithm::HS256,
                TEST_JWT_SECRET,
            ),
        ),
        (
            "missing exp",
            sign(
                &with(json!({"exp": null})),
                Algorithm::HS256,
                TEST_JWT_SECRET,
            ),
        ),
        (
            "missing typ",
            sign(
                &with(json!({"typ": null})),
                Algorithm::HS256,
                TEST_JWT_SECRET,
            ),
        ),
        (
            "visitor typ with admin role",
            sign(
                &with(json!({"typ": "visitor"})),
                Algorithm::HS256,
                TEST_JWT_SECRET,
            ),
        ),
        ("tampered payload", {
            let mut parts: Vec<String> = genuine.split('.').map(str::to_owned).collect();
            parts[1] = URL_SAFE_NO_PAD.encode(with(json!({"sub": "2"})).to_string());
            parts.join(".")
        }),
        (
            "refresh token as bearer",
            session["refresh_token"].as_str().unwrap().to_owned(),
        ),
        ("garbage", "not.a.jwt".to_owned()),
        ("empty", String::new()),
    ];
    let mut bodies = Vec::new();
    for (name, token) in tokens {
        let mut response = app
            .get("/api/v1/auth/me")
            .insert_header(("authorization", format!("Bearer {token}")))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status().as_u16(), 401, "{name}");
        assert_eq!(
            header(&response, "www-authenticate").as_deref(),
            Some(r#"Bearer error="invalid_token""#),
            "{name}"
        );
        bodies.push(json_body(&mut response).await);
    }
    for (name, value) in [
        ("no header", None),
        ("basic", Some("Basic YWRtaW46YWRtaW4=")),
        ("token scheme", Some("Token abc")),
    ] {
        let mut request = app.get("/api/v1/auth/me");
        if let Some(value) = value {
            request = request.insert_header(("authorization", value));
        }
        let mut response = request.send().await.unwrap();
        assert_eq!(response.status().as_u16(), 401, "{name}");
        bodies.push(json_body(&mut response).await);
    }
    assert!(
        bodies.windows(2).all(|pair| pair[0] == pair[1]),
        "identical bodies: {bodies:?}"
    );

    // An access token is not a refresh token.
    let mut response = app
        .post("/api/v1/auth/refresh")
        .send_json(&json!({"refresh_token": genuine}))
        .await
        .unwrap();
    assert_problem(&mut response, 401).await;
    // The genuine token still works.
    let ok = app
        .get("/api/v1/auth/me")
        .bearer_auth(&genuine)
        .send()
        .await
        .unwrap();
    assert_eq!(ok.status().as_u16(), 200);
}

#[actix_web::test]
async fn disabling_or_demoting_an_account_stops_its_live_tokens_at_once() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    let (editor_id, editor_email, editor_token) = app.user_with_role("editor").await;
    let editor_refresh = app.login(&editor_email, USER_PASSWORD).await["refresh_token"].clone();
    let (admin2_id, _, admin2_token) = app.user_with_role("admin").await;
    let ok = app
        .get("/api/v1/admin/users")
        .bearer_auth(&admin2_token)
        .send()
        .await
        .unwrap();
    assert_eq!(ok.status().as_u16(), 200);

    let response = app
        .patch(&format!("/api/v1/admin/users/{admin2_id}"))
        .bearer_auth(&admin)
        .send_json(&json!({"role": "reader"}))
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 200);
    let mut demoted = app
        .get("/api/v1/admin/users")
        .bearer_auth(&admin2_token)
        .send()
        .await
        .unwrap();
    assert_problem(&mut demoted, 401).await;

    let response = app
        .patch(&format!("/api/v1/admin/users/{editor_id}"))
        .bearer_auth(&admin)
        .send_json(&json!({"status": "disabled"}))
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 200);
    let mut disabled = app
        .get("/api/v1/auth/me")
        .bearer_auth(&editor_token)
        .send()
        .await
        .unwrap();
    assert_problem(&mut disabled, 401).await;
    let mut refreshed = app
        .post("/api/v1/auth/refresh")
        .send_json(&json!({"refresh_token": editor_refresh}))
        .await
        .unwrap();
    assert_problem(&mut refreshed, 401).await;
    let mut login = app
        .post("/api/v1/auth/login")
        .send_json(&json!({"email": editor_email, "password": USER_PASSWORD}))
        .await
        .unwrap();
    assert_problem(&mut login, 401).await;
}

#[actix_web::test]
async fn a_password_change_needs_the_current_password_and_ends_other_sessions() {
    let app = spawn_app().await;
    let (_, email, _) = app.user_with_role("author").await;
    let session = app.login(&email, USER_PASSWORD).await;
    let other = app.login(&email, USER_PASSWORD).await;
    let token = access_token(&session);

    let attempts = [
        (json!({"password": "new-password-1"}), "current_password"),
        (
            json!({"password": "new-password-1", "current_password": "wrong-password"}),
            "current_password",
        ),
        (
            json!({"password": "short", "current_password": USER_PASSWORD}),
            "password",
        ),
    ];
    for (body, field) in attempts {
        let mut response = app
            .patch("/api/v1/auth/me")
            .bearer_auth(&token)
            .send_json(&body)
            .await
            .unwrap();
        let problem = assert_problem(&mut response, 422).await;
        assert_eq!(problem["errors"][0]["field"], field, "{problem}");
    }

    let changed = send_json_expect(
        app.patch("/api/v1/auth/me").bearer_auth(&token),
        &json!({"password": "new-password-1", "current_password": USER_PASSWORD, "display_name": "Renamed"}),
        200,
    )
    .await;
    assert_eq!(changed["display_name"], "Renamed");
    let new_token = changed["session"]["access_token"]
        .as_str()
        .unwrap()
        .to_owned();

    let mut old = app
        .get("/api/v1/auth/me")
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_problem(&mut old, 401).await;
    for refresh in [&session["refresh_token"], &other["refresh_token"]] {
        let mut response = app
            .post("/api/v1/auth/refresh")
            .send_json(&json!({"refresh_token": refresh}))
            .await
            .unwrap();
        assert_problem(&mut response, 401).await;
    }
    let fine = app
        .get("/api/v1/auth/me")
        .bearer_auth(&new_token)
        .send()
        .await
        .unwrap();
    assert_eq!(fine.status().as_u16(), 200);
    let renewed = app
        .post("/api/v1/auth/refresh")
        .send_json(&json!({"refresh_token": changed["session"]["refresh_token"]}))
        .await
        .unwrap();
    assert_eq!(renewed.status().as_u16(), 200, "the new session lives on");
    let mut old_password = app
        .post("/api/v1/auth/login")
        .send_json(&json!({"email": email, "password": USER_PASSWORD}))
        .await
        .unwrap();
    assert_problem(&mut old_password, 401).await;
    app.login(&email, "new-password-1").await;
}

#[actix_web::test]
async fn login_rehashes_passwords_stored_with_weaker_parameters() {
    use argon2::password_hash::PasswordHasher;
    use diesel::prelude::*;
    let app = spawn_app().await;
    let (id, email, _) = app.user_with_role("reader").await;
    let weak = argon2::Argon2::new(
        argon2::Algorithm::Argon2id,
        argon2::Version::V0x13,
        argon2::Params::new(8 * 1024, 1, 1, None).unwrap(),
    )
    .hash_password(USER_PASSWORD.as_bytes())
    .unwrap()
    .to_string();
    let stored_hash = |pool: &newsroom_cms::db::DbPool| -> String {
        use newsroom_cms::db::schema::users;
        users::table
            .find(id)
            .select(users::password_hash)
            .first(&mut **pool.get().unwrap())
            .unwrap()
    };
    {
        use newsroom_cms::db::schema::users;
        diesel::update(users::table.find(id))
            .set(users::password_hash.eq(&weak))
            .execute(&mut **app.pool().get().unwrap())
            .unwrap();
    }
    app.login(&email, USER_PASSWORD).await;
    let upgraded = stored_hash(app.pool());
    assert_ne!(upgraded, weak);
    assert!(upgraded.contains("m=19456,t=2,p=1"), "{upgraded}");
    app.login(&email, USER_PASSWORD).await;
}

#[actix_web::test]
async fn auth_endpoints_are_rate_limited_per_ip_and_per_account() {
    let app = spawn_app_with(|env| {
        env.insert("RATE_LIMIT_LOGIN_PER_ACCOUNT".into(), "3".into());
        env.insert("RATE_LIMIT_AUTH_PER_IP".into(), "5".into());
        env.insert("RATE_LIMIT_VISITOR_PER_IP".into(), "2".into());
    })
    .await;
    let wrong = json!({"email": ADMIN_EMAIL, "password": "wrong-password"});
    for _ in 0..3 {
        let response = app
            .post("/api/v1/auth/login")
            .send_json(&wrong)
            .await
            .unwrap();
        assert_eq!(response.status().as_u16(), 401);
    }
    let mut limited = app
        .post("/api/v1/auth/login")
        .send_json(&wrong)
        .await
        .unwrap();
    let problem = assert_problem(&mut limited, 429).await;
    assert_eq!(problem["type"], "/problems/too-many-requests");
    let retry: u64 = header(&limited, "retry-after").unwrap().parse().unwrap();
    assert!((1..=60).contains(&retry), "{retry}");
    // Even the right password waits: the account is being guessed at.
    let mut right = app
        .post("/api/v1/auth/login")
        .send_json(&json!({"email": ADMIN_EMAIL, "password": ADMIN_PASSWORD}))
        .await
        .unwrap();
    assert_problem(&mut right, 429).await;
    // Another account from the same IP: within the per-IP budget (5), which then runs out.
    let other = json!({"email": "someone@x.test", "password": "wrong-password"});
    assert_eq!(
        app.post("/api/v1/auth/login")
            .send_json(&other)
            .await
            .unwrap()
            .status()
            .as_u16(),
        429,
        "6th login from this IP"
    );

    for _ in 0..2 {
        assert_eq!(
            app.post("/api/v1/auth/visitor")
                .send()
                .await
                .unwrap()
                .status()
                .as_u16(),
            201
        );
    }
    let mut visitor = app.post("/api/v1/auth/visitor").send().await.unwrap();
    assert_problem(&mut visitor, 429).await;
    // X-Forwarded-For from an untrusted peer is ignored.
    let mut spoofed = app
        .post("/api/v1/auth/visitor")
        .insert_header(("x-forwarded-for", "203.0.113.9"))
        .send()
        .await
        .unwrap();
    assert_problem(&mut spoofed, 429).await;
}

#[actix_web::test]
async fn forwarded_client_ips_count_only_behind_trusted_proxies() {
    let app = spawn_app_with(|env| {
        env.insert("RATE_LIMIT_VISITOR_PER_IP".into(), "1".into());
        env.insert("TRUSTED_PROXIES".into(), "127.0.0.0/8, ::1".into());
    })
    .await;
    let visitor = |ip: &'static str| {
        app.post("/api/v1/auth/visitor")
            .insert_header(("x-forwarded-for", ip))
            .send()
    };
    assert_eq!(visitor("203.0.113.1").await.unwrap().status().as_u16(), 201);
    assert_eq!(visitor("203.0.113.1").await.unwrap().status().as_u16(), 429);
    assert_eq!(visitor("203.0.113.2").await.unwrap().status().as_u16(), 201);
    // The right-most untrusted address is the client; a client can't prepend its way out.
    assert_eq!(
        visitor("198.51.100.7, 203.0.113.2")
            .await
            .unwrap()
            .status()
            .as_u16(),
        429
    );
}

#[actix_web::test]
async fn guessing_from_one_address_does_not_lock_the_owner_out() {
    let app = spawn_app_with(|env| {
        env.insert("RATE_LIMIT_LOGIN_PER_ACCOUNT_IP".into(), "3".into());
        env.insert("RATE_LIMIT_LOGIN_PER_ACCOUNT".into(), "5".into());
        env.insert("TRUSTED_PROXIES".into(), "127.0.0.1".into());
    })
    .await;
    let login = |from: &'static str, password: &'static str| {
        app.post("/api/v1/auth/login")
            .insert_header(("x-forwarded-for", from))
            .send_json(&json!({"email": ADMIN_EMAIL, "password": password}))
    };
    // The owner signs in from home: successes count against nothing.
    for _ in 0..5 {
        let home = login("198.51.100.7", ADMIN_PASSWORD).await.unwrap();
        assert_eq!(home.status().as_u16(), 200);
    }
    for _ in 0..3 {
        let response = login("203.0.113.9", "wrong-password").await.unwrap();
        assert_eq!(response.status().as_u16(), 401);
    }
    let mut guessing = login("203.0.113.9", "wrong-password").await.unwrap();
    assert_problem(&mut guessing, 429).await;
    let mut still = login("203.0.113.9", ADMIN_PASSWORD).await.unwrap();
    assert_problem(&mut still, 429).await;
    // Guessing from other addresses meets the account's ceiling (5 wrong passwords a minute)...
    let more = login("203.0.113.10", "wrong-password").await.unwrap();
    assert_eq!(more.status().as_u16(), 401);
    let mut ceiling = login("203.0.113.11", "wrong-password").await.unwrap();
    assert_problem(&mut ceiling, 429).await;
    let mut stranger = login("192.0.2.1", ADMIN_PASSWORD).await.unwrap();
    assert_problem(&mut stranger, 429).await;
    // ...which spares the address the owner signs in from.
    let owner = login("198.51.100.7", ADMIN_PASSWORD).await.unwrap();
    assert_eq!(owner.status().as_u16(), 200, "the owner is not locked out");
    // New addresses, IPv6 ones included, meet the ceiling too.
    for n in 0..3 {
        let from: &'static str = ["2001:db8::1", "2001:db8::2", "2001:db8::3"][n];
        let response = login(from, "wrong-password").await.unwrap();
        assert_eq!(
            response.status().as_u16(),
            429,
            "the ceiling holds for {from}"
        );
    }
}

#[actix_web::test]
async fn guessing_the_current_password_is_limited_like_sign_in() {
    let app = spawn_app_with(|env| {
        env.insert("RATE_LIMIT_LOGIN_PER_ACCOUNT_IP".into(), "3".into());
    })
    .await;
    let (_, _, token) = app.user_with_role("reader").await;
    let guess = json!({"password": "a new password 1", "current_password": "a guess 123"});
    for _ in 0..3 {
        let mut response = app
            .patch("/api/v1/auth/me")
            .bearer_auth(&token)
            .send_json(&guess)
            .await
            .unwrap();
        assert_problem(&mut response, 422).await;
    }
    let mut limited = app
        .patch("/api/v1/auth/me")
        .bearer_auth(&token)
        .send_json(&guess)
        .await
        .unwrap();
    assert_problem(&mut limited, 429).await;
    assert!(header(&limited, "retry-after").is_some());
}

#[actix_web::test]
async fn logging_out_ends_that_session_s_access_tokens_at_once() {
    let app = spawn_app().await;
    let credentials = json!({"email": ADMIN_EMAIL, "password": ADMIN_PASSWORD});
    let login = || send_json_expect(app.post("/api/v1/auth/login"), &credentials, 200);
    let phone = login().await;
    let laptop = login().await;
    let me = |session: &Value| {
        app.get("/api/v1/auth/me")
            .bearer_auth(session["access_token"].as_str().unwrap())
            .send()
    };
    assert_eq!(me(&phone).await.unwrap().status().as_u16(), 200);
    let response = app
        .post("/api/v1/auth/logout")
        .send_json(&json!({"refresh_token": phone["refresh_token"]}))
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 204);
    let mut ended = me(&phone).await.unwrap();
    assert_problem(&mut ended, 401).await;
    assert_eq!(
        me(&laptop).await.unwrap().status().as_u16(),
        200,
        "other sessions go on"
    );
    // A refreshed pair belongs to the same session.
    let renewed = send_json_expect(
        app.post("/api/v1/auth/refresh"),
        &json!({"refresh_token": laptop["refresh_token"]}),
        200,
    )
    .await;
    assert_eq!(me(&renewed).await.unwrap().status().as_u16(), 200);
    let response = app
        .post("/api/v1/auth/logout")
        .send_json(&json!({"refresh_token": renewed["refresh_token"]}))
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 204);
    assert_problem(&mut me(&laptop).await.unwrap(), 401).await;
    assert_problem(&mut me(&renewed).await.unwrap(), 401).await;
}
