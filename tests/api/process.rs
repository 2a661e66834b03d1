//! The `cms` binary as operators run it: commands, start-up checks, the JWT secret, JSON logs,
//! instances starting together, and graceful shutdown on SIGTERM.

use std::collections::HashMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use serde_json::Value;

use crate::helpers::{TestDatabase, expect_json, header, json_body, send_json_expect, test_env};

const CMS: &str = env!("CARGO_BIN_EXE_cms");

/// A running `cms` process and the lines it logs.
struct Server {
    child: Child,
    lines: mpsc::Receiver<String>,
    address: String,
}

impl Server {
    /// Starts `cms serve` in `dir` with exactly `env`, and waits until it listens.
    fn start(dir: &Path, env: &HashMap<String, String>) -> Self {
        Self::start_with(dir, env, &["serve"])
    }

    /// Starts `cms` with `args` in `dir` with exactly `env`, and waits until it listens.
    fn start_with(dir: &Path, env: &HashMap<String, String>, args: &[&str]) -> Self {
        let mut env = env.clone();
        env.insert("LOG_FORMAT".into(), "json".into());
        let mut child = Command::new(CMS)
            .args(args)
            .current_dir(dir)
            .env_clear()
            .envs(&env)
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("cms starts");
        let stdout = child.stdout.take().unwrap();
        let (sender, lines) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                if sender.send(line).is_err() {
                    break;
                }
            }
        });
        let mut server = Self {
            child,
            lines,
            address: String::new(),
        };
        let listening = server.wait_for_log(|line| line["message"] == "listening");
        server.address = listening["address"].as_str().unwrap().to_owned();
        server
    }

    /// The next log line matching `wanted` (every line must be JSON).
    fn wait_for_log(&mut self, mut wanted: impl FnMut(&Value) -> bool) -> Value {
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            let line = self.lines.recv_timeout(left).unwrap_or_else(|_| {
                let status = self.child.try_wait();
                panic!("no such log line in time (process: {status:?})")
            });
            let value: Value = serde_json::from_str(&line)
                .unwrap_or_else(|e| panic!("log line is not JSON ({e}): {line}"));
            if wanted(&value) {
                return value;
            }
        }
    }

    fn port(&self) -> u16 {
        self.address.rsplit(':').next().unwrap().parse().unwrap()
    }

    fn sigterm(&self) {
        let status = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status()
            .unwrap();
        assert!(status.success());
    }

    /// Waits for the process to exit and returns its exit code.
    fn wait_exit(&mut self, within: Duration) -> i32 {
        let deadline = Instant::now() + within;
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                return status.code().expect("exited, not killed by a signal");
            }
            assert!(
                Instant::now() < deadline,
                "the process did not exit in time"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Runs a `cms` command to completion: (exit code, stdout, stderr).
fn run(dir: &Path, env: &HashMap<String, String>, args: &[&str]) -> (i32, String, String) {
    let output = Command::new(CMS)
        .args(args)
        .current_dir(dir)
        .env_clear()
        .envs(env)
        .output()
        .expect("cms runs");
    (
        output.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

fn client() -> awc::Client {
    awc::Client::builder()
        .timeout(Duration::from_secs(30))
        .finish()
}

#[actix_web::test]
async fn sigterm_lets_in_flight_requests_finish_and_exits_0() {
    let database = TestDatabase::create();
    let env = test_env(&database);
    let mut server = Server::start(database.dir.path(), &env);

    // A response that is in flight when the signal arrives: the client has read only its
    // first bytes of a large asset.
    let mut stream = TcpStream::connect(("127.0.0.1", server.port())).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    stream
        .write_all(b"GET /docs/swagger-ui-bundle.js HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")
        .unwrap();
    let mut first = [0u8; 1024];
    stream.read_exact(&mut first).unwrap();
    server.sigterm();
    std::thread::sleep(Duration::from_millis(500));
    let mut rest = Vec::new();
    stream.read_to_end(&mut rest).unwrap();
    let mut response = first.to_vec();
    response.extend_from_slice(&rest);
    let head_end = response.windows(4).position(|w| w == b"\r\n\r\n").unwrap() + 4;
    let head = String::from_utf8_lossy(&response[..head_end]).to_ascii_lowercase();
    assert!(head.starts_with("http/1.1 200"), "{head}");
    let length: usize = head
        .lines()
        .find_map(|line| line.strip_prefix("content-length: "))
        .expect("a content length")
        .trim()
        .parse()
        .unwrap();
    assert!(length > 100_000);
    assert_eq!(response.len() - head_end, length, "the whole body arrived");

    assert_eq!(server.wait_exit(Duration::from_secs(10)), 0);
    assert!(
        TcpStream::connect(("127.0.0.1", server.port())).is_err(),
        "no longer listening"
    );
}

#[actix_web::test]
async fn reads_counted_before_a_sigterm_are_written_on_the_way_out() {
    let database = TestDatabase::create();
    let mut env = test_env(&database);
    env.insert("VIEWS_FLUSH_SECONDS".into(), "60".into());
    let mut server = Server::start_with(database.dir.path(), &env, &["serve", "--demo"]);
    let slug = "tokayev-outlines-foreign-policy-reform-agenda-for-2026-in-interview";
    let read = client()
        .post(format!("{}/api/v1/articles/{slug}/views", server.address))
        .send()
        .await
        .unwrap();
    assert_eq!(read.status().as_u16(), 204);
    // Long before the next write is due, the server stops.
    server.sigterm();
    assert_eq!(server.wait_exit(Duration::from_secs(10)), 0);
    let server = Server::start(database.dir.path(), &env);
    let mut popular = client()
        .get(format!("{}/api/v1/articles?sort=popular", server.address))
        .send()
        .await
        .unwrap();
    let popular = json_body(&mut popular).await;
    assert_eq!(popular["meta"]["total"], 1, "{popular}");
    assert_eq!(
        popular["data"][0]["slug"],
        "tokayev-2026-icin-dis-politika-ve-reform-gundemini-acikladi"
    );
}

#[actix_web::test]
async fn json_logs_carry_the_request_id() {
    let database = TestDatabase::create();
    let env = test_env(&database);
    let mut server = Server::start(database.dir.path(), &env);
    let response = client()
        .get(format!("{}/api/v1/locales", server.address))
        .insert_header(("x-request-id", "trace-me-1"))
        .send()
        .await
        .unwrap();
    assert_eq!(
        header(&response, "x-request-id").as_deref(),
        Some("trace-me-1")
    );
    let log = server.wait_for_log(|line| line["message"] == "request");
    assert_eq!(log["span"]["request_id"], "trace-me-1", "{log}");
    assert_eq!(log["route"], "/api/v1/locales");
    assert_eq!(log["status"], 200);
    assert_eq!(log["level"], "INFO");
}

#[actix_web::test]
async fn a_generated_jwt_secret_is_private_and_kept() {
    let database = TestDatabase::create();
    let mut env = test_env(&database);
    env.remove("JWT_SECRET");
    let secret_path = database.dir.path().join("data/jwt_secret");

    let mut server = Server::start(database.dir.path(), &env);
    let secret = std::fs::read_to_string(&secret_path).expect("the secret was written");
    assert_eq!(secret.trim().len(), 128, "64 random bytes, hex-encoded");
    let mode = std::fs::metadata(&secret_path)
        .unwrap()
        .permissions()
        .mode()
        & 0o777;
    assert_eq!(mode, 0o600);
    server.sigterm();
    assert_eq!(server.wait_exit(Duration::from_secs(10)), 0);

    let mut server = Server::start(database.dir.path(), &env);
    assert_eq!(
        std::fs::read_to_string(&secret_path).unwrap(),
        secret,
        "reused"
    );
    server.sigterm();
    assert_eq!(server.wait_exit(Duration::from_secs(10)), 0);
}

#[actix_web::test]
async fn a_short_jwt_secret_refuses_to_start() {
    let database = TestDatabase::create();
    let mut env = test_env(&database);
    env.insert("JWT_SECRET".into(), "too-short".into());
    let (code, _, stderr) = run(database.dir.path(), &env, &["serve"]);
    assert_eq!(code, 2);
    assert!(
        stderr.contains("JWT_SECRET") && stderr.contains("32"),
        "{stderr}"
    );
}

#[actix_web::test]
async fn a_jwt_secret_with_little_variety_refuses_to_start() {
    let database = TestDatabase::create();
    let mut env = test_env(&database);
    env.insert("JWT_SECRET".into(), "a".repeat(32));
    let (code, _, stderr) = run(database.dir.path(), &env, &["serve"]);
    assert_eq!(code, 2);
    assert!(
        stderr.contains("JWT_SECRET") && stderr.contains("distinct"),
        "{stderr}"
    );
    env.insert(
        "JWT_SECRET".into(),
        "abcdabcdabcdabcdabcdabcdabcdabcd".into(),
    );
    let (code, _, _) = run(database.dir.path(), &env, &["migrate"]);
    assert_eq!(code, 2, "4 distinct bytes are too few");
}

#[actix_web::test]
async fn unusable_settings_refuse_to_start_with_a_clear_message() {
    let database = TestDatabase::create();
    let cases = [
        (
            "DATABASE_URL",
            "mysql://localhost/cms",
            "DATABASE_URL must start with",
        ),
        ("DATABASE_POOL_SIZE", "lots", "DATABASE_POOL_SIZE"),
        ("SITE_LOCALES", "tr,not a locale", "SITE_LOCALES"),
        ("LOG_FORMAT", "xml", "LOG_FORMAT"),
    ];
    for (name, value, message) in cases {
        let mut env = test_env(&database);
        env.insert(name.into(), value.into());
        let (code, _, stderr) = run(database.dir.path(), &env, &["serve"]);
        assert_ne!(code, 0, "{name}={value} must not start");
        assert!(stderr.contains(message), "{name}: {stderr}");
    }
}

#[actix_web::test]
async fn without_database_url_it_serves_sqlite_from_the_data_directory() {
    let dir = tempfile::tempdir().unwrap();
    let env = HashMap::from([
        ("BIND".to_owned(), "127.0.0.1:0".to_owned()),
        (
            "JWT_SECRET".to_owned(),
            crate::helpers::TEST_JWT_SECRET.to_owned(),
        ),
    ]);
    let mut server = Server::start(dir.path(), &env);
    assert!(dir.path().join("data/cms.sqlite3").is_file());
    let mut response = client()
        .get(format!("{}/api/v1/locales", server.address))
        .send()
        .await
        .unwrap();
    assert_eq!(json_body(&mut response).await["data"][0]["code"], "tr");
    server.sigterm();
    assert_eq!(server.wait_exit(Duration::from_secs(10)), 0);
}

#[actix_web::test]
async fn instances_starting_together_migrate_and_seed_once() {
    let database = TestDatabase::create();
    let env = test_env(&database);
    let dir = database.dir.path().to_owned();
    let starts: Vec<_> = (0..3)
        .map(|_| {
            let (dir, env) = (dir.clone(), env.clone());
            std::thread::spawn(move || Server::start(&dir, &env))
        })
        .collect();
    let servers: Vec<Server> = starts.into_iter().map(|s| s.join().unwrap()).collect();
    for server in &servers {
        let body = expect_json(
            client().get(format!("{}/api/v1/locales", server.address)),
            200,
        )
        .await;
        assert_eq!(body["data"].as_array().unwrap().len(), 4, "{body}");
    }
}

#[actix_web::test]
async fn migrate_and_openapi_commands() {
    let database = TestDatabase::create();
    let env = test_env(&database);
    let (code, stdout, stderr) = run(database.dir.path(), &env, &["migrate"]);
    assert_eq!(code, 0, "{stderr}");
    assert!(stdout.contains("up to date"), "{stdout}");
    let (code, _, stderr) = run(database.dir.path(), &env, &["migrate"]);
    assert_eq!(code, 0, "idempotent: {stderr}");

    let (code, stdout, _) = run(database.dir.path(), &HashMap::new(), &["openapi"]);
    assert_eq!(code, 0);
    assert_eq!(stdout, include_str!("../../openapi/openapi.json"));
}

#[actix_web::test]
async fn short_commands_exit_cleanly_every_time() {
    // On PostgreSQL over TLS, the pool may still be opening a connection when `migrate` exits;
    // that used to crash the process in its exit handlers about one run in seven.
    let database = TestDatabase::create();
    let env = test_env(&database);
    for attempt in 0..30 {
        let (code, _, stderr) = run(database.dir.path(), &env, &["migrate"]);
        assert_eq!(code, 0, "run {attempt}: {stderr}");
    }
}

/// Runs `cms` with `stdin` as standard input.
fn run_with_stdin(
    dir: &Path,
    env: &HashMap<String, String>,
    args: &[&str],
    stdin: &str,
) -> (i32, String, String) {
    let mut child = Command::new(CMS)
        .args(args)
        .current_dir(dir)
        .env_clear()
        .envs(env)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("cms runs");
    child
        .stdin
        .take()
        .unwrap()
        .write_all(stdin.as_bytes())
        .unwrap();
    let output = child.wait_with_output().unwrap();
    (
        output.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

#[actix_web::test]
async fn create_user_makes_an_account_that_can_sign_in() {
    let database = TestDatabase::create();
    let mut env = test_env(&database);
    env.remove("ADMIN_EMAIL");
    env.remove("ADMIN_PASSWORD");
    let dir = database.dir.path();
    let args = [
        "create-user",
        "--email",
        "Chief@Newsroom.test",
        "--role",
        "editor",
        "--display-name",
        "Chief",
        "--password-stdin",
    ];
    let (code, stdout, stderr) = run_with_stdin(dir, &env, &args, "chief-password-1\n");
    assert_eq!(code, 0, "{stderr}");
    assert!(stdout.contains("editor chief@newsroom.test"), "{stdout}");

    let (code, _, stderr) = run_with_stdin(dir, &env, &args, "chief-password-1\n");
    assert_ne!(code, 0);
    assert!(stderr.contains("already exists"), "{stderr}");
    let (code, _, stderr) = run_with_stdin(
        dir,
        &env,
        &["create-user", "--email", "x@y.test", "--password-stdin"],
        "short\n",
    );
    assert_ne!(code, 0);
    assert!(stderr.contains("password"), "{stderr}");
    let (code, _, stderr) = run_with_stdin(
        dir,
        &env,
        &["create-user", "--email", "x@y.test"],
        "long-enough-1\n",
    );
    assert_ne!(code, 0);
    assert!(stderr.contains("--password-stdin"), "{stderr}");
    let (code, _, stderr) = run_with_stdin(
        dir,
        &env,
        &[
            "create-user",
            "--email",
            "x@y.test",
            "--role",
            "visitor",
            "--password-stdin",
        ],
        "long-enough-1\n",
    );
    assert_ne!(code, 0);
    assert!(stderr.contains("--role"), "{stderr}");

    let server = Server::start(dir, &env);
    let login = send_json_expect(
        client().post(format!("{}/api/v1/auth/login", server.address)),
        &serde_json::json!({"email": "chief@newsroom.test", "password": "chief-password-1"}),
        200,
    )
    .await;
    assert_eq!(login["user"]["role"], "editor");
}

#[actix_web::test]
async fn the_admin_from_the_environment_is_created_only_when_no_admin_exists() {
    let database = TestDatabase::create();
    let mut env = test_env(&database);
    let dir = database.dir.path().to_owned();
    let mut first = Server::start(&dir, &env);
    first.sigterm();
    assert_eq!(first.wait_exit(Duration::from_secs(10)), 0);

    env.insert("ADMIN_EMAIL".into(), "second@newsroom.test".into());
    env.insert("ADMIN_PASSWORD".into(), "second-password-1".into());
    let server = Server::start(&dir, &env);
    let login = |email: &str, password: &str| {
        client()
            .post(format!("{}/api/v1/auth/login", server.address))
            .send_json(&serde_json::json!({"email": email, "password": password}))
    };
    assert_eq!(
        login(crate::helpers::ADMIN_EMAIL, crate::helpers::ADMIN_PASSWORD)
            .await
            .unwrap()
            .status()
            .as_u16(),
        200
    );
    assert_eq!(
        login("second@newsroom.test", "second-password-1")
            .await
            .unwrap()
            .status()
            .as_u16(),
        401
    );
}

#[actix_web::test]
async fn serve_demo_serves_the_demo_newsroom() {
    let database = TestDatabase::create();
    let env = test_env(&database);
    let server = Server::start_with(database.dir.path(), &env, &["serve", "--demo"]);
    let get = |path: &str| client().get(format!("{}{path}", server.address)).send();
    let mut article = get("/api/v1/articles/tokayev-outlines-foreign-policy-reform-agenda-for-2026-in-interview?locale=tr").await.unwrap();
    assert_eq!(article.status().as_u16(), 200);
    let article = json_body(&mut article).await["data"].clone();
    assert_eq!(article["locale"], "tr");
    assert_eq!(
        article["title"],
        "Tokayev, 2026 için dış politika ve reform gündemini açıkladı"
    );
    assert_eq!(article["authors"][0]["name"], "Ayana Birbayeva");
    assert_eq!(
        article["category"]["path"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["name"].as_str().unwrap())
            .collect::<Vec<_>>(),
        ["Orta Asya", "Kazakistan"]
    );
    assert_eq!(article["translations"].as_array().unwrap().len(), 3);
    assert_eq!(article["reaction_counts"]["love"], 14);
    assert_eq!(article["reaction_counts"]["angry"], 2);
    assert_eq!(article["comment_count"], 6);
    // Drawn pictures: a cover with its credit line and an inline picture, described in Turkish.
    assert_eq!(article["cover"]["credit"], "Fotoğraf: Akorda Basın Servisi");
    assert_eq!(
        article["cover"]["caption"],
        "Astana'da Ak Orda Cumhurbaşkanlığı Sarayı"
    );
    assert_eq!(article["cover"]["variants"].as_array().unwrap().len(), 4);
    let body = article["body"].as_str().unwrap();
    assert!(
        body.contains("srcset=") && body.contains("alt=\"Tokayev Türkistan gazetesine konuşuyor\""),
        "{body}"
    );
    let cover = article["cover"]["variants"][0]["url"].as_str().unwrap();
    let key = cover.split_once("/media/").unwrap().1;
    let file = get(&format!("/media/{key}")).await.unwrap();
    assert_eq!(file.status().as_u16(), 200);
    // The seed page's header menu.
    let mut menu = get("/api/v1/menus/header?locale=fr").await.unwrap();
    let menu = json_body(&mut menu).await["data"].clone();
    assert_eq!(menu["items"][0]["label"], "ACTUALITÉ BELGIQUE", "{menu}");
    assert_eq!(menu["items"][2]["label"], "ASIE CENTRALE");
    assert_eq!(menu["items"][2]["children"].as_array().unwrap().len(), 3);
    let mut threads = get(&format!("/api/v1/articles/{}/comments", article["id"]))
        .await
        .unwrap();
    let threads = json_body(&mut threads).await;
    assert_eq!(threads["meta"]["total"], 3, "{threads}");
    assert_eq!(
        threads["data"][0]["replies"][0]["replies"][0]["author"]["name"],
        "Aigerim"
    );
    let mut kinds = get("/api/v1/reaction-kinds?locale=tr").await.unwrap();
    let kinds = json_body(&mut kinds).await;
    assert_eq!(kinds["data"][0]["label"], "SEVDİM");
    assert_eq!(kinds["data"][5]["label"], "KIZGIN");
    let mut french = get("/api/v1/categories/asie-centrale?locale=fr")
        .await
        .unwrap();
    let french = json_body(&mut french).await["data"].clone();
    assert_eq!(french["name"], "Asie Centrale");
    assert!(french["article_count"].as_i64().unwrap() >= 5, "{french}");
    let mut health = get("/api/v1/categories/saglik?locale=fr").await.unwrap();
    assert_eq!(json_body(&mut health).await["data"]["name"], "Santé");
    let mut list = get("/api/v1/articles?category=orta-asya&locale=fr")
        .await
        .unwrap();
    assert_eq!(json_body(&mut list).await["meta"]["total"], 5);
    // The change feed starts complete: the demo's categories, tags, authors, pictures, pages
    // and every article in each locale.
    let mut feed = get("/api/v1/changes?limit=1000").await.unwrap();
    let feed = json_body(&mut feed).await;
    let count = |kind: &str| {
        feed["data"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|c| c["type"] == kind)
            .count()
    };
    for kind in ["article", "page", "category", "tag", "author", "media"] {
        assert!(count(kind) > 0, "{kind}: {feed}");
    }
    assert_eq!(count("article"), article_views(&server).await, "{feed}");
}

/// How many (article, locale) views the delivery API serves: each site locale's list total.
async fn article_views(server: &Server) -> usize {
    let mut total = 0;
    for locale in ["tr", "fr", "en", "nl"] {
        let mut list = client()
            .get(format!(
                "{}/api/v1/articles?locale={locale}&per_page=1",
                server.address
            ))
            .send()
            .await
            .unwrap();
        total += json_body(&mut list).await["meta"]["total"]
            .as_u64()
            .unwrap() as usize;
    }
    total
}

#[actix_web::test]
async fn media_gc_removes_unused_files_and_reprocess_makes_variants_again() {
    let database = TestDatabase::create();
    let env = test_env(&database);
    let (code, _, stderr) = run(database.dir.path(), &env, &["demo"]);
    assert_eq!(code, 0, "{stderr}");
    let media = std::path::Path::new(&env["DATA_DIR"]).join("media");
    let orphan = media.join("ab").join("ab".repeat(32));
    std::fs::create_dir_all(&orphan).unwrap();
    std::fs::write(orphan.join("320.webp"), b"left behind").unwrap();
    let files = |dir: &std::path::Path| -> usize {
        fn count(dir: &std::path::Path) -> usize {
            std::fs::read_dir(dir)
                .map(|entries| {
                    entries
                        .flatten()
                        .map(|e| {
                            if e.path().is_dir() {
                                count(&e.path())
                            } else {
                                1
                            }
                        })
                        .sum()
                })
                .unwrap_or(0)
        }
        count(dir)
    };
    let before = files(&media);
    let (code, stdout, stderr) = run(database.dir.path(), &env, &["media", "gc"]);
    assert_eq!(code, 0, "{stderr}");
    assert!(stdout.contains("removed 0"), "young files stay: {stdout}");
    let (code, stdout, stderr) = run(
        database.dir.path(),
        &env,
        &["media", "gc", "--min-age-minutes", "0"],
    );
    assert_eq!(code, 0, "{stderr}");
    assert!(stdout.contains("removed 1 "), "{stdout}");
    assert_eq!(files(&media), before - 1);
    assert!(!orphan.join("320.webp").exists());

    let variant = std::fs::read_dir(&media)
        .unwrap()
        .flatten()
        .flat_map(|prefix| std::fs::read_dir(prefix.path()).unwrap().flatten())
        .map(|folder| folder.path().join("640.webp"))
        .find(|path| path.exists())
        .expect("a stored variant");
    std::fs::remove_file(&variant).unwrap();
    let (code, stdout, stderr) = run(database.dir.path(), &env, &["media", "reprocess"]);
    assert_eq!(code, 0, "{stderr}");
    assert!(
        stdout.contains("made the variants of 7 pictures"),
        "{stdout}"
    );
    assert!(variant.exists(), "reprocess writes the variants again");
}

#[actix_web::test]
async fn demo_adds_deterministic_synthetic_articles() {
    let mut titles = Vec::new();
    for _ in 0..2 {
        let database = TestDatabase::create();
        let env = test_env(&database);
        let (code, stdout, stderr) = run(database.dir.path(), &env, &["demo", "--articles", "7"]);
        assert_eq!(code, 0, "{stderr}");
        assert!(stdout.contains("added 7 synthetic articles"), "{stdout}");
        let server = Server::start(database.dir.path(), &env);
        let mut list = client()
            .get(format!(
                "{}/api/v1/articles?locale=fr&per_page=100&sort=published_at",
                server.address
            ))
            .send()
            .await
            .unwrap();
        let list = json_body(&mut list).await;
        assert_eq!(
            list["meta"]["total"], 13,
            "6 newsroom articles and 7 synthetic ones"
        );
        let synthetic = list["data"]
            .as_array()
            .unwrap()
            .iter()
            .find(|a| a["fallback"] == false && a["title"].as_str().unwrap().ends_with(" 6"))
            .cloned()
            .expect("synthetic article 6");
        let mut one = client()
            .get(format!(
                "{}/api/v1/articles/{}?locale=en",
                server.address, synthetic["id"]
            ))
            .send()
            .await
            .unwrap();
        let one = json_body(&mut one).await["data"].clone();
        assert!(
            one["body"].as_str().unwrap().len() >= 3000,
            "about 3 KB bodies"
        );
        assert_eq!(one["translations"].as_array().unwrap().len(), 3);
        titles.push(
            list["data"]
                .as_array()
                .unwrap()
                .iter()
                .map(|a| a["title"].clone())
                .collect::<Vec<_>>(),
        );
        // A second run on the same database keeps the newsroom as it is.
        let (_, stdout, _) = run(database.dir.path(), &env, &["demo"]);
        assert!(stdout.contains("was not loaded"), "{stdout}");
    }
    assert_eq!(titles[0], titles[1], "the same every run");
}

#[actix_web::test]
async fn slow_statements_are_logged_without_their_values() {
    use diesel::connection::SimpleConnection;

    let database = TestDatabase::create();
    let mut env = test_env(&database);
    // Writers wait for the lock up to 5 s here, well past the 1 s it is held below.
    env.insert("DATABASE_POOL_TIMEOUT_MS".into(), "5000".into());
    let mut server = Server::start(database.dir.path(), &env);
    // Another connection holds the write lock (SQLite) or the accounts table (PostgreSQL) for
    // a while, so the registration's INSERT waits and is slow.
    let settings = crate::helpers::settings_from(&env);
    let db = newsroom_cms::db::build_pool(&settings.database).unwrap();
    let mut conn = db.pool().get().unwrap();
    let lock = if crate::helpers::on_postgres() {
        "BEGIN; LOCK TABLE users IN EXCLUSIVE MODE;"
    } else {
        "BEGIN IMMEDIATE;"
    };
    conn.batch_execute(lock).unwrap();
    let release = std::thread::spawn(move || {
        std::thread::sleep(Duration::from_millis(1000));
        conn.batch_execute("COMMIT;").unwrap();
    });
    let email = "slow-writer@newsroom.test";
    let body = send_json_expect(
        client().post(format!("{}/api/v1/auth/register", server.address)),
        &serde_json::json!({
            "email": email,
            "password": "a long password 1",
            "display_name": "Yavaş Yazar",
        }),
        201,
    )
    .await;
    release.join().unwrap();
    assert_eq!(body["user"]["email"], email);
    let mut seen = Vec::new();
    let slow = server.wait_for_log(|line| {
        seen.push(line.to_string());
        line["message"] == "slow query"
    });
    let sql = slow["sql"].as_str().unwrap();
    assert!(sql.contains("users"), "the statement is named: {slow}");
    // Every line up to the next request: no email, hash or display name.
    let _ = client()
        .get(format!("{}/healthz", server.address))
        .send()
        .await
        .unwrap();
    server.wait_for_log(|line| {
        seen.push(line.to_string());
        line["message"] == "request" && line["route"] == "/healthz"
    });
    for line in seen {
        assert!(
            !line.contains(email) && !line.contains("$argon2") && !line.contains("Yavaş"),
            "a log line carries personal data: {line}"
        );
    }
}

/// The lines logged so far, without waiting.
fn logged(server: &Server) -> Vec<String> {
    server.lines.try_iter().collect()
}

#[actix_web::test]
async fn an_event_committed_right_before_kill_9_is_delivered_after_restart() {
    let database = TestDatabase::create();
    let mut env = test_env(&database);
    env.insert("WEBHOOK_ALLOW_PRIVATE".into(), "true".into());
    env.insert("WEBHOOK_RETRY_BASE_MS".into(), "100".into());
    // Nobody listens on the endpoint's port until the server has been killed.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let mut server = Server::start(database.dir.path(), &env);
    let login = send_json_expect(
        client().post(format!("{}/api/v1/auth/login", server.address)),
        &serde_json::json!({"email": crate::helpers::ADMIN_EMAIL, "password": crate::helpers::ADMIN_PASSWORD}),
        200,
    )
    .await;
    let admin = crate::helpers::access_token(&login);
    let hook = send_json_expect(
        client()
            .post(format!("{}/api/v1/admin/webhooks", server.address))
            .bearer_auth(&admin),
        &serde_json::json!({"url": format!("http://127.0.0.1:{port}/hook"), "events": ["tag.created"]}),
        201,
    )
    .await;
    let secret = hook["data"]["secret"].as_str().unwrap().to_owned();
    let key = send_json_expect(
        client()
            .post(format!("{}/api/v1/admin/api-keys", server.address))
            .bearer_auth(&admin),
        &serde_json::json!({"name": "Tagger", "scopes": ["content:write"]}),
        201,
    )
    .await["data"]["key"]
        .as_str()
        .unwrap()
        .to_owned();
    // The write commits, and the process dies at once.
    let tag = send_json_expect(
        client()
            .post(format!("{}/api/v1/admin/tags", server.address))
            .bearer_auth(&key),
        &serde_json::json!({"translations": {"en": {"name": "Killed"}}}),
        201,
    )
    .await;
    server.child.kill().unwrap();
    server.child.wait().unwrap();
    // Neither the key nor the webhook's secret is ever logged.
    std::thread::sleep(Duration::from_millis(100));
    for line in logged(&server) {
        assert!(!line.contains(&key), "the key is logged: {line}");
        assert!(!line.contains(&secret), "the secret is logged: {line}");
    }
    let receiver = crate::receiver::Receiver::start_on(port);
    let _restarted = Server::start(database.dir.path(), &env);
    let received = receiver
        .wait_for(Duration::from_secs(30), |received| !received.is_empty())
        .await;
    let event = received[0].json();
    assert_eq!(event["type"], "tag.created");
    assert_eq!(event["data"]["id"], tag["data"]["id"]);
    assert!(received[0].signed_with(&secret));
}
