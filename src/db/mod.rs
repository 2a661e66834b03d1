//! The database layer: one connection type over SQLite and PostgreSQL, its pool, migrations and
//! the write-transaction helper.
//!
//! The backend is picked from the `DATABASE_URL` scheme by [`ConnectionManager`], which keeps the
//! real connection error (diesel's own manager would report only "Invalid connection url").
//! SQLite connections get `busy_timeout` first, then WAL, foreign keys and a small page cache;
//! PostgreSQL connections plan each statement once, and are pinged at checkout only after a
//! second idle in the pool.

pub mod schema;

use std::ops::{Deref, DerefMut};
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use chrono::{DateTime, NaiveDateTime, SubsecRound, Utc};
use diesel::connection::{
    AnsiTransactionManager, InstrumentationEvent, SimpleConnection, TransactionManager,
};
use diesel::pg::PgConnection;
use diesel::prelude::*;
use diesel::r2d2::R2D2Connection;
use diesel::sqlite::SqliteConnection;
use diesel_migrations::{EmbeddedMigrations, MigrationHarness, embed_migrations};

use crate::config::DatabaseSettings;

/// A connection to whichever backend `DATABASE_URL` names.
#[derive(diesel::MultiConnection)]
pub enum DbConnection {
    /// PostgreSQL, the production backend.
    Pg(PgConnection),
    /// SQLite, the embedded default.
    Sqlite(SqliteConnection),
}

/// A pool of [`DbConnection`]s.
pub type DbPool = r2d2::Pool<ConnectionManager>;

/// A connection in the pool, with when it last went back to it.
pub struct Pooled {
    conn: DbConnection,
    returned: Instant,
}

impl Deref for Pooled {
    type Target = DbConnection;

    fn deref(&self) -> &DbConnection {
        &self.conn
    }
}

impl DerefMut for Pooled {
    fn deref_mut(&mut self) -> &mut DbConnection {
        &mut self.conn
    }
}

/// A PostgreSQL connection back in the pool for less than this is taken out again without a
/// ping: it was working a moment ago, and a ping per checkout would add a round trip to every
/// request. One idle for longer may have outlived its server (a restart), so it is pinged.
/// The price: a restart under load fails the requests that get a connection used in its last
/// second (at most one per pooled connection) with 503, where a ping per checkout failed none.
const TRUSTED_IDLE: Duration = Duration::from_secs(1);

/// A connection checked out of the pool.
pub type PooledConnection = r2d2::PooledConnection<ConnectionManager>;

/// Which database product a URL names.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend {
    /// `postgres://` or `postgresql://`.
    Postgres,
    /// `sqlite://path` (relative or absolute) or `sqlite:path`.
    Sqlite,
}

impl Backend {
    /// The backend a URL names, or `None` for an unknown scheme.
    pub fn of_url(url: &str) -> Option<Self> {
        if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Some(Self::Postgres)
        } else if url.starts_with("sqlite:") {
            Some(Self::Sqlite)
        } else {
            None
        }
    }
}

/// Why a connection could not be made or kept.
#[derive(Debug, thiserror::Error)]
pub enum ConnectionError {
    /// The URL names no backend this binary knows.
    #[error("DATABASE_URL must start with sqlite:// or postgres://, not `{0}`")]
    UnknownScheme(String),
    /// The SQLite file's directory could not be created.
    #[error("could not create the database directory {path}: {source}")]
    Directory {
        /// The directory.
        path: String,
        /// The cause.
        source: std::io::Error,
    },
    /// The server refused or could not be reached.
    #[error("could not connect to the database: {0}")]
    Connect(#[from] diesel::ConnectionError),
    /// A query on a new or pooled connection failed.
    #[error("database query failed: {0}")]
    Query(#[from] diesel::result::Error),
}

/// Counts the SQL statements run on a pool's connections (for `/metrics`, and for tests that
/// check a read path costs a fixed number of queries).
pub type QueryCounter = Arc<AtomicU64>;

/// Statements slower than this are logged with their SQL.
const SLOW_QUERY: Duration = Duration::from_millis(100);

/// The r2d2 connection manager that picks the backend by URL scheme.
#[derive(Debug, Clone)]
pub struct ConnectionManager {
    url: String,
    backend: Backend,
    queries: QueryCounter,
    /// How long a SQLite statement waits for another connection's write lock: the pool's
    /// timeout, so a locked database answers 503 as soon as a busy pool would.
    busy_timeout: Duration,
}

impl ConnectionManager {
    /// A manager for `url`, refusing unknown schemes up front.
    pub fn new(
        url: &str,
        queries: QueryCounter,
        busy_timeout: Duration,
    ) -> Result<Self, ConnectionError> {
        let backend =
            Backend::of_url(url).ok_or_else(|| ConnectionError::UnknownScheme(redact(url)))?;
        if backend == Backend::Postgres {
            keep_tls_state_at_exit();
        }
        Ok(Self {
            url: url.to_owned(),
            backend,
            queries,
            busy_timeout,
        })
    }

    /// Counts every statement, and logs those slower than [`SLOW_QUERY`] with their SQL (never
    /// with their bound values).
    fn count_queries(&self, conn: &mut impl Connection) {
        let queries = Arc::clone(&self.queries);
        let mut started = Instant::now();
        conn.set_instrumentation(move |event: InstrumentationEvent<'_>| match event {
            InstrumentationEvent::StartQuery { .. } => {
                queries.fetch_add(1, Ordering::Relaxed);
                started = Instant::now();
            }
            InstrumentationEvent::FinishQuery { query, .. } => {
                let elapsed = started.elapsed();
                if elapsed >= SLOW_QUERY {
                    // The statement's text only: its bound values (emails, password hashes,
                    // comments) never reach the log.
                    let text = query.to_string();
                    let sql = text.split(" -- binds: ").next().unwrap_or_default();
                    tracing::warn!(ms = elapsed.as_secs_f64() * 1000.0, sql, "slow query");
                }
            }
            _ => {}
        });
    }

    /// The backend this manager connects to.
    pub fn backend(&self) -> Backend {
        self.backend
    }
}

impl r2d2::ManageConnection for ConnectionManager {
    type Connection = Pooled;
    type Error = ConnectionError;

    fn connect(&self) -> Result<Pooled, ConnectionError> {
        Ok(Pooled {
            conn: self.establish()?,
            returned: Instant::now(),
        })
    }

    fn is_valid(&self, conn: &mut Pooled) -> Result<(), ConnectionError> {
        if self.backend == Backend::Sqlite || conn.returned.elapsed() < TRUSTED_IDLE {
            return Ok(());
        }
        let pinged = conn.conn.ping();
        // The ping is not a statement of the request that checks the connection out: leave it
        // out of `db_queries_total`, so what a request costs doesn't depend on idle time.
        self.queries.fetch_sub(1, Ordering::Relaxed);
        Ok(pinged?)
    }

    /// Called as a connection goes back to the pool: notes the time for [`Self::is_valid`].
    fn has_broken(&self, conn: &mut Pooled) -> bool {
        conn.returned = Instant::now();
        std::thread::panicking() || conn.conn.is_broken()
    }
}

impl ConnectionManager {
    /// A new connection, set up for this server.
    fn establish(&self) -> Result<DbConnection, ConnectionError> {
        match self.backend {
            Backend::Postgres => {
                let mut conn = PgConnection::establish(&self.url)?;
                // The statements this server prepares are index lookups whose best plan does
                // not depend on the values bound: plan each once per connection, not each time.
                conn.batch_execute("SET plan_cache_mode = force_generic_plan")?;
                self.count_queries(&mut conn);
                Ok(DbConnection::Pg(conn))
            }
            Backend::Sqlite => {
                let path = sqlite_path(&self.url);
                if let Some(parent) = Path::new(path)
                    .parent()
                    .filter(|p| !p.as_os_str().is_empty())
                {
                    std::fs::create_dir_all(parent).map_err(|source| {
                        ConnectionError::Directory {
                            path: parent.display().to_string(),
                            source,
                        }
                    })?;
                }
                let mut conn = SqliteConnection::establish(path)?;
                // busy_timeout must come before WAL, or switching the journal mode can fail
                // with "database is locked" while another connection holds the file. Each
                // pooled connection keeps a 512 KiB page cache instead of SQLite's 2 MB: the
                // operating system caches the file once for all of them, and sixteen private
                // 2 MB copies were a third of the server's memory.
                conn.batch_execute(&format!(
                    "PRAGMA busy_timeout = {};
                     PRAGMA journal_mode = WAL;
                     PRAGMA synchronous = NORMAL;
                     PRAGMA foreign_keys = ON;
                     PRAGMA cache_size = -512;",
                    self.busy_timeout.as_millis()
                ))?;
                self.count_queries(&mut conn);
                Ok(DbConnection::Sqlite(conn))
            }
        }
    }
}

/// The file path inside a `sqlite:` URL.
fn sqlite_path(url: &str) -> &str {
    url.strip_prefix("sqlite://")
        .or_else(|| url.strip_prefix("sqlite:"))
        .unwrap_or(url)
}

/// The URL with any password replaced, fit for logs and error messages.
pub fn redact(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme_end), Some(at)) if at > scheme_end => {
            let credentials = &url[scheme_end + 3..at];
            match credentials.split_once(':') {
                Some((user, _)) => format!("{}{user}:***{}", &url[..scheme_end + 3], &url[at..]),
                None => url.to_owned(),
            }
        }
        _ => url.to_owned(),
    }
}

/// A connection outside the pool, for a background task: its statements are not counted in
/// `db_queries_total` (which counts what requests cost).
pub fn background_connection(settings: &DatabaseSettings) -> Result<DbConnection, ConnectionError> {
    let manager = ConnectionManager::new(
        &settings.url,
        QueryCounter::default(),
        settings.pool_timeout,
    )?;
    manager.establish()
}

/// Builds the pool without connecting; the first checkout reports a real error.
pub fn build_pool(settings: &DatabaseSettings) -> Result<Db, ConnectionError> {
    let queries = QueryCounter::default();
    let manager =
        ConnectionManager::new(&settings.url, Arc::clone(&queries), settings.pool_timeout)?;
    let pool = r2d2::Pool::builder()
        .max_size(settings.pool_size)
        .min_idle(Some(1))
        .connection_timeout(settings.pool_timeout)
        .idle_timeout(Some(Duration::from_secs(300)))
        // Only a PostgreSQL connection idle for a while is pinged (see `TRUSTED_IDLE`), so a
        // database restart while the server is quiet costs no failed request.
        .test_on_check_out(true)
        .build_unchecked(manager);
    Ok(Db { pool, queries })
}

/// A statement kept for the end of the write transaction (see [`before_commit`]).
type Deferred = Box<dyn FnOnce(&mut DbConnection) -> QueryResult<()>>;

thread_local! {
    /// The statements the write transaction running on this thread keeps for its end.
    static BEFORE_COMMIT: std::cell::RefCell<Option<Vec<Deferred>>> =
        const { std::cell::RefCell::new(None) };
}

/// The statements of one write transaction being kept; what was kept before it comes back
/// when it ends, even by a panic.
struct Keeping(Option<Option<Vec<Deferred>>>);

impl Keeping {
    fn start() -> Self {
        Self(Some(
            BEFORE_COMMIT.with(|kept| kept.replace(Some(Vec::new()))),
        ))
    }

    /// The statements kept.
    fn finish(mut self) -> Vec<Deferred> {
        let outer = self.0.take().flatten();
        BEFORE_COMMIT
            .with(|kept| kept.replace(outer))
            .unwrap_or_default()
    }
}

impl Drop for Keeping {
    fn drop(&mut self) {
        if let Some(outer) = self.0.take() {
            BEFORE_COMMIT.with(|kept| kept.replace(outer));
        }
    }
}

/// Runs `statement` at the end of the write transaction running on this thread, after its
/// work and just before it commits (in the order given), or at once outside one. What needs
/// a lock held to the commit (appending to the outbox in order) takes it there, so the lock is
/// held for the commit alone and never before the row locks the work takes.
pub fn before_commit(
    conn: &mut DbConnection,
    statement: impl FnOnce(&mut DbConnection) -> QueryResult<()> + 'static,
) -> QueryResult<()> {
    let mut statement: Option<Deferred> = Some(Box::new(statement));
    BEFORE_COMMIT.with(|kept| {
        if let Some(kept) = kept.borrow_mut().as_mut() {
            kept.extend(statement.take());
        }
    });
    match statement {
        Some(statement) => statement(conn),
        None => Ok(()),
    }
}

/// Runs `work` in a write transaction: `BEGIN IMMEDIATE` on SQLite, so concurrent writers queue
/// on the busy timeout instead of failing with "database is locked" when a read turns into a
/// write; a plain `BEGIN` on PostgreSQL. Nested `conn.transaction` calls inside become
/// savepoints. Commits when `work` succeeds, after the statements it kept for the end
/// ([`before_commit`]); rolls back when it fails.
pub fn write_transaction<T, E, F>(conn: &mut DbConnection, work: F) -> Result<T, E>
where
    F: FnOnce(&mut DbConnection) -> Result<T, E>,
    E: From<diesel::result::Error>,
{
    match conn {
        DbConnection::Sqlite(inner) => {
            AnsiTransactionManager::begin_transaction_sql(inner, "BEGIN IMMEDIATE")?;
        }
        DbConnection::Pg(inner) => AnsiTransactionManager::begin_transaction(inner)?,
    }
    type Manager = <DbConnection as Connection>::TransactionManager;
    let keeping = Keeping::start();
    let worked = work(conn);
    let kept = keeping.finish();
    let done = worked.and_then(|value| {
        for statement in kept {
            statement(conn)?;
        }
        Ok(value)
    });
    match done {
        Ok(value) => {
            Manager::commit_transaction(conn)?;
            Ok(value)
        }
        Err(error) => {
            if let Err(rollback) = Manager::rollback_transaction(conn) {
                tracing::warn!(%rollback, "rollback failed");
            }
            Err(error)
        }
    }
}

const SQLITE_MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations/sqlite");
const POSTGRES_MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations/postgres");

/// Key of the PostgreSQL advisory lock that keeps instances starting together from migrating
/// the same database at once.
const MIGRATION_LOCK_KEY: i64 = 0x6e65_7773_726f_6f6d;

/// Applies every pending migration in one transaction; returns the versions applied.
/// Safe to run from several instances at once.
pub fn run_migrations(conn: &mut DbConnection) -> Result<Vec<String>, MigrationError> {
    write_transaction(conn, |conn| {
        let applied = match conn {
            DbConnection::Pg(pg) => {
                diesel::sql_query("SELECT pg_advisory_xact_lock($1)")
                    .bind::<diesel::sql_types::BigInt, _>(MIGRATION_LOCK_KEY)
                    .execute(pg)?;
                pg.run_pending_migrations(POSTGRES_MIGRATIONS)
            }
            DbConnection::Sqlite(sqlite) => sqlite.run_pending_migrations(SQLITE_MIGRATIONS),
        }
        .map_err(|error| MigrationError::Migration(error.to_string()))?;
        Ok(applied
            .into_iter()
            .map(|version| version.to_string())
            .collect())
    })
}

/// A migration that could not be applied.
#[derive(Debug, thiserror::Error)]
pub enum MigrationError {
    /// The migration's SQL failed.
    #[error("migration failed: {0}")]
    Migration(String),
    /// The surrounding transaction failed.
    #[error("migration transaction failed: {0}")]
    Transaction(#[from] diesel::result::Error),
}

/// Tells OpenSSL (which libpq uses for TLS to PostgreSQL) not to free its global state in an
/// `atexit` handler. When the process exits, the pool's threads may still be opening or closing
/// a TLS connection; OpenSSL's cleanup under them crashed `cms migrate` on exit in about one run
/// out of seven (SIGSEGV or "free(): invalid pointer"). The process is ending, so skipping the
/// cleanup loses nothing. Must run before the first PostgreSQL connection; runs once.
pub fn keep_tls_state_at_exit() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        #[link(name = "crypto")]
        unsafe extern "C" {
            fn OPENSSL_init_crypto(opts: u64, settings: *const std::ffi::c_void)
            -> std::ffi::c_int;
        }
        /// `OPENSSL_INIT_NO_ATEXIT` of OpenSSL's `crypto.h`.
        const NO_ATEXIT: u64 = 0x0008_0000;
        // SAFETY: a documented OpenSSL entry point, safe to call from any thread at any time;
        // a null settings pointer asks for the defaults.
        let initialised = unsafe { OPENSSL_init_crypto(NO_ATEXIT, std::ptr::null()) };
        if initialised != 1 {
            tracing::warn!("OpenSSL could not be initialised without its exit handler");
        }
    });
}

/// Runs `$body` with `$c` bound to the backend's own connection, for statements the shared query
/// DSL can't express over both backends (upserts): the body is type-checked once per backend.
macro_rules! per_backend {
    ($conn:expr, |$c:ident| $body:expr) => {
        match $conn {
            $crate::db::DbConnection::Pg($c) => $body,
            $crate::db::DbConnection::Sqlite($c) => $body,
        }
    };
}
pub(crate) use per_backend;

/// Holds, until the transaction ends, a PostgreSQL advisory lock named by `key`, so writers
/// that check a value and then claim it (a slug, a move in a tree) take turns: the second sees
/// what the first wrote. A SQLite write transaction holds the database's only write lock
/// already. Must run inside a write transaction.
pub fn lock_name(conn: &mut DbConnection, key: &str) -> QueryResult<()> {
    if let DbConnection::Pg(pg) = conn {
        diesel::sql_query("SELECT pg_advisory_xact_lock(hashtextextended($1, 0))")
            .bind::<diesel::sql_types::Text, _>(key)
            .execute(pg)?;
    }
    Ok(())
}

/// Refreshes the planner's statistics after a bulk load, so the first reads after it get the
/// plans the data calls for (PostgreSQL would otherwise plan for empty tables until autovacuum
/// comes by).
pub fn analyze(conn: &mut DbConnection) -> QueryResult<()> {
    conn.batch_execute("ANALYZE")
}

/// The channel instances tell each other what a write made stale.
pub const CACHE_CHANNEL: &str = "cms_cache";

/// Publishes `payload` on `channel` to every PostgreSQL session that listens, when (and only
/// if) the surrounding transaction commits. SQLite is one process: nothing to tell.
pub fn notify(conn: &mut DbConnection, channel: &str, payload: &str) -> QueryResult<()> {
    if let DbConnection::Pg(pg) = conn {
        diesel::sql_query("SELECT pg_notify($1, $2)")
            .bind::<diesel::sql_types::Text, _>(channel)
            .bind::<diesel::sql_types::Text, _>(payload)
            .execute(pg)?;
    }
    Ok(())
}

/// A PostgreSQL session of its own that listens on `channel`; `None` on SQLite.
pub fn listener(
    settings: &DatabaseSettings,
    channel: &str,
) -> Option<Result<PgConnection, ConnectionError>> {
    if !settings.url.starts_with("postgres") {
        return None;
    }
    Some((|| {
        let mut conn = PgConnection::establish(&settings.url)?;
        // Channel names are ours, not input.
        conn.batch_execute(&format!("LISTEN {channel}"))?;
        Ok(conn)
    })())
}

/// The payloads that arrived on a [`listener`] since the last call; an error when its session
/// is gone. With `check`, a round trip first: a session whose connection died without a word
/// (a NAT or a failover dropping it) looks merely quiet otherwise.
pub fn received(conn: &mut PgConnection, check: bool) -> QueryResult<Vec<String>> {
    if check {
        conn.batch_execute("SELECT 1")?;
    }
    conn.notifications_iter()
        .map(|notification| notification.map(|n| n.payload))
        .collect()
}

/// Escapes `%`, `_` and `\` for a LIKE pattern (with `ESCAPE '\'`).
pub fn escape_like(text: &str) -> String {
    text.replace('\\', "\\\\")
        .replace('%', "\\%")
        .replace('_', "\\_")
}

/// One page of rows, and how many rows all pages hold.
#[derive(Debug)]
pub struct Paged<T> {
    pub rows: Vec<T>,
    pub total: i64,
}

/// Rows loaded in one batch for many owners, grouped by owner (`key`), each group in load
/// order.
pub fn group_by<T>(
    rows: Vec<T>,
    key: impl Fn(&T) -> i64,
) -> std::collections::HashMap<i64, Vec<T>> {
    let mut grouped: std::collections::HashMap<i64, Vec<T>> = std::collections::HashMap::new();
    for row in rows {
        grouped.entry(key(&row)).or_default().push(row);
    }
    grouped
}

/// The current time in UTC, truncated to microseconds so both backends store and return the
/// same value.
pub fn now() -> NaiveDateTime {
    Utc::now().naive_utc().trunc_subsecs(6)
}

/// Renders a stored UTC time as RFC 3339 with `Z`.
pub fn to_utc(time: NaiveDateTime) -> DateTime<Utc> {
    time.and_utc()
}

/// The pool and the count of statements run on its connections.
#[derive(Clone)]
pub struct Db {
    pool: DbPool,
    queries: QueryCounter,
}

impl Db {
    /// The pool, for operations that need its state.
    pub fn pool(&self) -> &DbPool {
        &self.pool
    }

    /// SQL statements run so far on this pool's connections.
    pub fn query_count(&self) -> u64 {
        self.queries.load(Ordering::Relaxed)
    }
}
