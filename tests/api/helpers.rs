//! The test harness: every test gets its own server on its own port and its own database.
//!
//! With `TEST_DATABASE_URL=postgres://…` each test creates a fresh PostgreSQL database (dropped
//! afterwards); otherwise each test gets a SQLite file in its own temporary directory.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

use diesel::{Connection, PgConnection, RunQueryDsl};
use newsroom_cms::config::Settings;
use newsroom_cms::db::DbPool;
use newsroom_cms::startup::Application;
use serde::Serialize;
use serde_json::Value;

/// The admin every test server starts with (`ADMIN_EMAIL`, `ADMIN_PASSWORD`).
pub const ADMIN_EMAIL: &str = "admin@newsroom.test";
/// Its password.
pub const ADMIN_PASSWORD: &str = "admin-password-1";

/// A JWT secret long enough to be accepted.
pub const TEST_JWT_SECRET: &str = "test-secret-test-secret-test-secret-0123456789";

/// A running server and the database behind it.
pub struct TestApp {
    /// `http://127.0.0.1:<port>`.
    pub address: String,
    /// An HTTP client.
    pub client: awc::Client,
    /// The server's own pool (to hold connections, for exhaustion tests).
    pool: Option<DbPool>,
    /// The database, dropped with the app (after the server stops).
    database: Option<TestDatabase>,
    handle: actix_web::dev::ServerHandle,
    /// The thread the server runs on, with its own runtime.
    server: Option<std::thread::JoinHandle<()>>,
}

impl Drop for TestApp {
    /// Stops the server and waits for its thread, so its pool (and the pool's connection
    /// threads) are gone before the database is dropped: nothing keeps reconnecting to a
    /// dropped database, or talks to it while the test process exits.
    fn drop(&mut self) {
        drop(self.handle.stop(false));
        if let Some(server) = self.server.take() {
            let _ = server.join();
        }
        drop(self.pool.take());
        drop(self.database.take());
    }
}

impl TestApp {
    /// The absolute URL of `path`.
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.address)
    }

    /// A GET request to `path`.
    pub fn get(&self, path: &str) -> awc::ClientRequest {
        self.client.get(self.url(path))
    }

    /// A POST request to `path`.
    pub fn post(&self, path: &str) -> awc::ClientRequest {
        self.client.post(self.url(path))
    }

    /// A PATCH request to `path`.
    pub fn patch(&self, path: &str) -> awc::ClientRequest {
        self.client.patch(self.url(path))
    }

    /// A PUT request to `path`.
    pub fn put(&self, path: &str) -> awc::ClientRequest {
        self.client.put(self.url(path))
    }

    /// A DELETE request to `path`.
    pub fn delete(&self, path: &str) -> awc::ClientRequest {
        self.client.delete(self.url(path))
    }

    /// Signs in; panics unless it succeeds. Returns the whole auth response.
    pub async fn login(&self, email: &str, password: &str) -> Value {
        send_json_expect(
            self.post("/api/v1/auth/login"),
            &serde_json::json!({"email": email, "password": password}),
            200,
        )
        .await
    }

    /// An access token of the bootstrap admin.
    pub async fn admin_token(&self) -> String {
        access_token(&self.login(ADMIN_EMAIL, ADMIN_PASSWORD).await)
    }

    /// Creates an account with `role` through the admin API and signs it in. Returns
    /// (user id, email, access token).
    pub async fn user_with_role(&self, role: &str) -> (i64, String, String) {
        let admin = self.admin_token().await;
        let email = format!("{role}-{}@newsroom.test", random_suffix());
        let id = send_json_expect(
            self.post("/api/v1/admin/users").bearer_auth(&admin),
            &serde_json::json!({
                "email": email,
                "password": USER_PASSWORD,
                "display_name": format!("A {role}"),
                "role": role,
            }),
            201,
        )
        .await["data"]["id"]
            .as_i64()
            .unwrap();
        let token = access_token(&self.login(&email, USER_PASSWORD).await);
        (id, email, token)
    }

    /// A visitor token.
    pub async fn visitor_token(&self) -> String {
        access_token(&expect_json(self.post("/api/v1/auth/visitor"), 201).await)
    }

    /// Stops the server, letting in-flight requests finish.
    pub async fn stop(&self) {
        self.handle.stop(true).await;
    }

    /// The server's own pool (to hold connections, for exhaustion tests).
    pub fn pool(&self) -> &DbPool {
        self.pool
            .as_ref()
            .expect("the pool lives as long as the app")
    }

    /// The app's database.
    pub fn database(&self) -> &TestDatabase {
        self.database
            .as_ref()
            .expect("the database lives as long as the app")
    }

    /// Stops the server and hands over its database, for another server to start on.
    pub fn into_database(mut self) -> TestDatabase {
        self.database
            .take()
            .expect("the database lives as long as the app")
    }
}

/// Which backend the tests run on.
pub fn on_postgres() -> bool {
    std::env::var("TEST_DATABASE_URL").is_ok_and(|url| url.starts_with("postgres"))
}

/// The password of accounts made by [`TestApp::user_with_role`].
pub const USER_PASSWORD: &str = "user-password-1";

/// The access token of an auth response.
pub fn access_token(auth: &Value) -> String {
    auth["access_token"]
        .as_str()
        .expect("an access token")
        .to_owned()
}

/// A database for one test: a SQLite file in a temporary directory, or a fresh PostgreSQL
/// database, dropped when this value is.
pub struct TestDatabase {
    /// The URL the server connects with.
    pub url: String,
    /// The test's temporary directory (data dir, SQLite file).
    pub dir: tempfile::TempDir,
    postgres: Option<PostgresDatabase>,
}

struct PostgresDatabase {
    admin_url: String,
    name: String,
}

impl TestDatabase {
    /// Creates a fresh database for one test.
    pub fn create() -> Self {
        let dir = tempfile::tempdir().expect("temporary directory");
        match std::env::var("TEST_DATABASE_URL") {
            Ok(admin_url) if admin_url.starts_with("postgres") => {
                let name = format!("cms_test_{}", random_suffix());
                newsroom_cms::db::keep_tls_state_at_exit();
                let mut admin = PgConnection::establish(&admin_url)
                    .unwrap_or_else(|e| panic!("TEST_DATABASE_URL is unreachable: {e}"));
                diesel::sql_query(format!("CREATE DATABASE {name}"))
                    .execute(&mut admin)
                    .expect("create the test database");
                let url = with_database_name(&admin_url, &name);
                Self {
                    url,
                    dir,
                    postgres: Some(PostgresDatabase { admin_url, name }),
                }
            }
            _ => Self {
                url: format!("sqlite://{}", dir.path().join("cms.sqlite3").display()),
                dir,
                postgres: None,
            },
        }
    }

    /// The PostgreSQL database's name, when on PostgreSQL.
    pub fn postgres_name(&self) -> Option<&str> {
        self.postgres.as_ref().map(|pg| pg.name.as_str())
    }

    /// Runs SQL as the PostgreSQL superuser on the maintenance database.
    pub fn admin_sql(&self, sql: &str) {
        let pg = self.postgres.as_ref().expect("only on PostgreSQL");
        let mut admin = PgConnection::establish(&pg.admin_url).expect("maintenance connection");
        diesel::sql_query(sql)
            .execute(&mut admin)
            .expect("maintenance SQL");
    }
}

impl Drop for TestDatabase {
    fn drop(&mut self) {
        if let Some(pg) = &self.postgres
            && let Ok(mut admin) = PgConnection::establish(&pg.admin_url)
        {
            let _ = diesel::sql_query(format!("DROP DATABASE IF EXISTS {} WITH (FORCE)", pg.name))
                .execute(&mut admin);
        }
    }
}

/// `url` with its database name replaced by `name`.
fn with_database_name(url: &str, name: &str) -> String {
    let (base, query) = url
        .split_once('?')
        .map_or((url, None), |(b, q)| (b, Some(q)));
    let scheme_end = base.find("://").map_or(0, |i| i + 3);
    let root = match base[scheme_end..].find('/') {
        Some(slash) => &base[..scheme_end + slash],
        None => base,
    };
    match query {
        Some(query) => format!("{root}/{name}?{query}"),
        None => format!("{root}/{name}"),
    }
}

pub fn random_suffix() -> String {
    let mut bytes = [0u8; 8];
    getrandom::fill(&mut bytes).expect("randomness");
    newsroom_cms::config::encode_hex(&bytes)
}

/// The environment a test server starts with; tests change entries before spawning.
pub fn test_env(database: &TestDatabase) -> HashMap<String, String> {
    HashMap::from(
        [
            ("DATABASE_URL", database.url.clone()),
            (
                "DATA_DIR",
                data_dir(database.dir.path()).display().to_string(),
            ),
            ("JWT_SECRET", TEST_JWT_SECRET.to_owned()),
            ("BIND", "127.0.0.1:0".to_owned()),
            ("WORKERS", "2".to_owned()),
            ("DATABASE_POOL_SIZE", "4".to_owned()),
            ("DATABASE_POOL_TIMEOUT_MS", "500".to_owned()),
            ("SHUTDOWN_TIMEOUT", "5".to_owned()),
            ("ADMIN_EMAIL", ADMIN_EMAIL.to_owned()),
            ("ADMIN_PASSWORD", ADMIN_PASSWORD.to_owned()),
            ("RATE_LIMIT_AUTH_PER_IP", "100000".to_owned()),
            ("RATE_LIMIT_LOGIN_PER_ACCOUNT", "100000".to_owned()),
            ("RATE_LIMIT_LOGIN_PER_ACCOUNT_IP", "100000".to_owned()),
            ("RATE_LIMIT_VISITOR_PER_IP", "100000".to_owned()),
            ("RATE_LIMIT_REACTIONS_PER_ACTOR", "100000".to_owned()),
            ("RATE_LIMIT_REACTIONS_PER_IP", "100000".to_owned()),
            ("RATE_LIMIT_COMMENTS_PER_ACTOR", "100000".to_owned()),
            ("RATE_LIMIT_COMMENTS_PER_IP", "100000".to_owned()),
            ("RATE_LIMIT_REPORTS_PER_ACTOR", "100000".to_owned()),
            ("RATE_LIMIT_REPORTS_PER_IP", "100000".to_owned()),
        ]
        .map(|(name, value)| (name.to_owned(), value)),
    )
}

fn data_dir(dir: &Path) -> PathBuf {
    dir.join("data")
}

/// Settings from a test environment map.
pub fn settings_from(env: &HashMap<String, String>) -> Settings {
    Settings::from_lookup(|name| env.get(name).cloned()).expect("valid test settings")
}

/// A server with default test settings on a fresh database.
pub async fn spawn_app() -> TestApp {
    spawn_app_with(|_| {}).await
}

/// A server on a fresh database, with settings changed by `customize`.
pub async fn spawn_app_with(customize: impl FnOnce(&mut HashMap<String, String>)) -> TestApp {
    let database = TestDatabase::create();
    let mut env = test_env(&database);
    customize(&mut env);
    spawn_on(database, &env)
}

/// A second server on `app`'s database, as another instance behind the same load balancer
/// would be (drop it before `app`).
pub fn spawn_beside(app: &TestApp) -> TestApp {
    let env = test_env(app.database());
    start(None, &env)
}

/// [`spawn_beside`] with settings changed by `customize`.
pub fn spawn_beside_with(
    app: &TestApp,
    customize: impl FnOnce(&mut HashMap<String, String>),
) -> TestApp {
    let mut env = test_env(app.database());
    customize(&mut env);
    start(None, &env)
}

/// A server on an existing database.
pub fn spawn_on(database: TestDatabase, env: &HashMap<String, String>) -> TestApp {
    start(Some(database), env)
}

/// A server on `env`'s database, owning it when `database` is given.
fn start(database: Option<TestDatabase>, env: &HashMap<String, String>) -> TestApp {
    let settings = settings_from(env);
    let (started, start) = std::sync::mpsc::channel();
    let server = std::thread::spawn(move || {
        actix_web::rt::System::new().block_on(async move {
            let application = Application::build(settings).expect("the application starts");
            let _ = started.send((application.port(), application.pool(), application.handle()));
            let _ = application.run_until_stopped().await;
        });
    });
    let (port, pool, handle) = start.recv().expect("the test server starts");
    TestApp {
        address: format!("http://127.0.0.1:{port}"),
        client: awc::Client::builder()
            .disable_redirects()
            .timeout(Duration::from_secs(30))
            .finish(),
        pool: Some(pool),
        database,
        handle,
        server: Some(server),
    }
}

/// Reads a response body as JSON.
pub async fn json_body<S>(response: &mut awc::ClientResponse<S>) -> Value
where
    S: futures_core::Stream<Item = Result<actix_web::web::Bytes, awc::error::PayloadError>> + Unpin,
{
    let body = response.body().limit(16 << 20).await.expect("a body");
    serde_json::from_slice(&body).unwrap_or_else(|e| panic!("not JSON ({e}): {}", excerpt(&body)))
}

/// Sends `request` without a body, asserts the response has `status` (showing the body when it
/// has not) and returns the body as JSON.
pub async fn expect_json(request: awc::ClientRequest, status: u16) -> Value {
    let sent = format!("{} {}", request.get_method(), request.get_uri());
    let response = request.send().await;
    checked_json(response, status, &sent).await
}

/// Sends `request` with the JSON `body`, asserts the response has `status` (showing the body
/// when it has not) and returns the body as JSON.
pub async fn send_json_expect(
    request: awc::ClientRequest,
    body: &impl Serialize,
    status: u16,
) -> Value {
    let sent = format!(
        "{} {} {}",
        request.get_method(),
        request.get_uri(),
        serde_json::to_string(body).expect("a JSON request body")
    );
    let response = request.send_json(body).await;
    checked_json(response, status, &sent).await
}

/// The JSON body of a response to `sent`, after checking its `status`.
async fn checked_json<S>(
    response: Result<awc::ClientResponse<S>, awc::error::SendRequestError>,
    status: u16,
    sent: &str,
) -> Value
where
    S: futures_core::Stream<Item = Result<actix_web::web::Bytes, awc::error::PayloadError>> + Unpin,
{
    let mut response = response.unwrap_or_else(|e| panic!("{sent}: {e}"));
    let body = response.body().limit(16 << 20).await.expect("a body");
    assert_eq!(
        response.status().as_u16(),
        status,
        "{sent} answered {}",
        excerpt(&body)
    );
    serde_json::from_slice(&body)
        .unwrap_or_else(|e| panic!("{sent}: not JSON ({e}): {}", excerpt(&body)))
}

/// The start of a body, as text, for failure messages.
fn excerpt(body: &[u8]) -> std::borrow::Cow<'_, str> {
    String::from_utf8_lossy(&body[..body.len().min(500)])
}

/// A response header as a string.
pub fn header<S>(response: &awc::ClientResponse<S>, name: &str) -> Option<String> {
    response
        .headers()
        .get(name)
        .and_then(|value| value.to_str().ok())
        .map(str::to_owned)
}

/// Asserts an RFC 9457 problem response with `status`, and returns its body.
pub async fn assert_problem<S>(response: &mut awc::ClientResponse<S>, status: u16) -> Value
where
    S: futures_core::Stream<Item = Result<actix_web::web::Bytes, awc::error::PayloadError>> + Unpin,
{
    assert_eq!(response.status().as_u16(), status, "status");
    assert_eq!(
        header(response, "content-type").as_deref(),
        Some("application/problem+json"),
        "content type"
    );
    let body = json_body(response).await;
    assert_eq!(body["status"], status, "status member: {body}");
    assert!(
        body["type"]
            .as_str()
            .is_some_and(|t| t.starts_with("/problems/")),
        "{body}"
    );
    assert!(body["title"].is_string(), "{body}");
    assert!(body["detail"].is_string(), "{body}");
    body
}

/// Runs the futures concurrently on the test's runtime and returns their outputs in order.
pub async fn concurrently<F>(futures: Vec<F>) -> Vec<F::Output>
where
    F: std::future::Future + 'static,
    F::Output: 'static,
{
    let handles: Vec<_> = futures.into_iter().map(actix_web::rt::spawn).collect();
    let mut outputs = Vec::with_capacity(handles.len());
    for handle in handles {
        outputs.push(handle.await.expect("the task finished"));
    }
    outputs
}
