//! What every handler can reach: the database, the settings, the token keys, the rate limits,
//! the response cache and the site settings kept in memory.
//!
//! This module sits between the lower layers (stores, models, infrastructure) and the handlers:
//! it imports no route, middleware or start-up module.

use std::sync::Arc;

use actix_web::web;
use diesel::QueryResult;

use crate::audit::context as audit;
use crate::auth::passwords::PasswordHasherPool;
use crate::auth::rate_limit::RateLimits;
use crate::auth::tokens::TokenKeys;
use crate::categories::model::AllCategories;
use crate::categories::store as categories;
use crate::config::Settings;
use crate::db::{self, DbConnection};
use crate::delivery::cache::{self, PURGE_ON_COMMIT, ResponseCache};
use crate::delivery::memo::Memo;
use crate::error::ApiError;
use crate::html::Sanitizer;
use crate::locales::model::LocaleRow;
use crate::locales::store as locales;
use crate::media::storage::MediaStorage;
use crate::operations::metrics::Metrics;
use crate::operations::route_table::RouteTable;
use crate::reactions::model::KindRow;
use crate::reactions::store as reactions;
use crate::reads::model::ReadTally;
use crate::workers::Workers;

/// What every handler can reach.
pub struct AppState {
    pub db: Database,
    /// The settings the server started with.
    pub settings: Settings,
    /// Signs and checks access tokens.
    pub tokens: TokenKeys,
    pub passwords: PasswordHasherPool,
    /// Where media files live.
    pub media: MediaStorage,
    /// Threads decoding and encoding pictures (`MEDIA_CONCURRENCY`).
    pub media_workers: Workers,
    pub limits: RateLimits,
    /// Reads of articles counted since the last write.
    pub reads: ReadTally,
    /// Cached public reads.
    pub cache: ResponseCache,
    /// Cleans article bodies (with `EMBED_HOSTS`).
    pub sanitizer: Arc<Sanitizer>,
    /// The site's locales in switcher order, for public reads.
    pub locales: Memo<Vec<LocaleRow>>,
    /// The active reaction kinds in display order.
    pub reaction_kinds: Memo<Vec<KindRow>>,
    /// The category tree and its names, for article reads.
    pub categories: Memo<AllCategories>,
    pub metrics: Metrics,
    /// Every documented route, for telling 405 from 404.
    pub routes: RouteTable,
    /// The served OpenAPI document, serialised once.
    pub openapi_json: web::Bytes,
}

impl AppState {
    /// Forgets the site settings kept in memory (after an admin write).
    pub fn forget_settings(&self) {
        self.locales.clear();
        self.reaction_kinds.clear();
        self.categories.clear();
    }

    /// The site's locales in switcher order, from memory when fresh.
    pub async fn site_locales(&self) -> Result<Arc<Vec<LocaleRow>>, ApiError> {
        self.locales.get(self.db.load(locales::list)).await
    }

    /// The active reaction kinds in display order, from memory when fresh.
    pub async fn active_kinds(&self) -> Result<Arc<Vec<KindRow>>, ApiError> {
        self.reaction_kinds
            .get(self.db.load(|conn| reactions::kinds(conn, false)))
            .await
    }

    /// The category tree with every category's names, from memory when fresh.
    pub async fn category_tree(&self) -> Result<Arc<AllCategories>, ApiError> {
        self.categories
            .get(self.db.load(categories::load_all))
            .await
    }
}

/// The database as handlers use it: every call runs on the blocking thread pool, checkout
/// included, and answers in [`ApiError`]; a pool that can't hand out a connection in time
/// answers 503.
#[derive(Clone)]
pub struct Database(db::Db);

impl Database {
    pub fn new(db: db::Db) -> Self {
        Self(db)
    }

    /// The pool, for operations that need its state.
    pub fn pool(&self) -> &db::DbPool {
        self.0.pool()
    }

    /// SQL statements run so far on this pool's connections.
    pub fn query_count(&self) -> u64 {
        self.0.query_count()
    }

    /// Runs `work` with a connection, outside any transaction.
    pub async fn run<T, F>(&self, work: F) -> Result<T, ApiError>
    where
        F: FnOnce(&mut DbConnection) -> Result<T, ApiError> + Send + 'static,
        T: Send + 'static,
    {
        let pool = self.0.pool().clone();
        web::block(move || {
            let mut conn = pool.get()?;
            work(&mut conn)
        })
        .await?
    }

    /// Runs `work` in a write transaction ([`db::write_transaction`]): committed when it
    /// succeeds, rolled back when it fails. In an admin write, the transaction also publishes
    /// what the write makes stale to the other instances ([`PURGE_ON_COMMIT`]), delivered only
    /// if it commits, and records the write's audit entry (the request's first transaction).
    pub async fn write<T, F>(&self, work: F) -> Result<T, ApiError>
    where
        F: FnOnce(&mut DbConnection) -> Result<T, ApiError> + Send + 'static,
        T: Send + 'static,
    {
        let purge = PURGE_ON_COMMIT.try_with(Clone::clone).ok();
        let audit = audit::current();
        self.run(move |conn| {
            db::write_transaction(conn, |conn| {
                let done = work(conn)?;
                if let Some(audit) = &audit {
                    audit.record(conn)?;
                }
                if let Some(message) = purge.as_ref().filter(|m| cache::names_tags(m)) {
                    db::notify(conn, db::CACHE_CHANNEL, message)?;
                }
                Ok(done)
            })
        })
        .await
    }

    /// The read of one store query, as a future for [`Memo::get`].
    pub fn load<T, F>(&self, query: F) -> impl Future<Output = Result<T, ApiError>> + use<T, F>
    where
        F: FnOnce(&mut DbConnection) -> QueryResult<T> + Send + 'static,
        T: Send + 'static,
    {
        let db = self.clone();
        async move { db.run(move |conn| Ok(query(conn)?)).await }
    }
}
