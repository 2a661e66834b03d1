//! Builds the application: database, migrations, first-start seeding, routes, middleware and the
//! bound HTTP server. `main` and the tests both start the server through [`Application::build`].

use std::net::TcpListener;
use std::sync::Arc;

use actix_cors::Cors;
use actix_web::dev::Server;
use actix_web::http::header;
use actix_web::middleware::{Compress, from_fn};
use actix_web::{App, HttpServer, web};
use utoipa_actix_web::AppExt;
use utoipa_swagger_ui::{Config as SwaggerConfig, SwaggerUi};

use crate::app::{AppState, Database};
use crate::articles::read_model;
use crate::auth::passwords::{PasswordHasherPool, hash_now};
use crate::auth::rate_limit::RateLimits;
use crate::auth::roles::Role;
use crate::auth::tokens::TokenKeys;
use crate::body::BodyReadTimeout;
use crate::config::{ConfigError, Settings};
use crate::db::{self, Db, DbConnection, DbPool};
use crate::delivery::cache::{self, ResponseCache};
use crate::delivery::memo::Memo;
use crate::domain::DomainError;
use crate::error;
use crate::html::Sanitizer;
use crate::media::storage::MediaStorage;
use crate::operations::metrics::Metrics;
use crate::operations::middleware::{
    audit_writes, cache_public_reads, fallback, head_as_get, observe, path_error,
    preflight_methods, security_headers,
};
use crate::operations::route_table::RouteTable;
use crate::router::{api_routes, openapi_document};
use crate::users::model::{check_password, normalize_display_name, normalize_email};
use crate::workers::Workers;
use crate::{locales, reactions, search, users};

/// Why the server could not start.
#[derive(Debug, thiserror::Error)]
pub enum StartupError {
    /// A setting is unusable.
    #[error(transparent)]
    Config(#[from] ConfigError),
    /// The database URL is unusable.
    #[error(transparent)]
    Connection(#[from] db::ConnectionError),
    /// The database can't be reached.
    #[error("the database is unreachable: {0}")]
    Pool(#[from] r2d2::Error),
    /// A migration failed.
    #[error(transparent)]
    Migration(#[from] db::MigrationError),
    /// Seeding the empty database failed.
    #[error("could not seed the database: {0}")]
    Seed(#[from] diesel::result::Error),
    /// The webhook worker could not start.
    #[error("could not start the webhook worker: {0}")]
    Webhooks(String),
    /// The admin from `ADMIN_EMAIL` could not be created.
    #[error("could not create the admin from ADMIN_EMAIL: {0}")]
    BootstrapAdmin(String),
    /// The address can't be bound.
    #[error("could not listen on {address}: {source}")]
    Bind {
        /// The address from `BIND`.
        address: String,
        /// The cause.
        source: std::io::Error,
    },
}

/// A built server, bound and ready to run.
pub struct Application {
    port: u16,
    address: String,
    server: Server,
    pool: DbPool,
    state: web::Data<AppState>,
}

impl Application {
    /// Connects, migrates, seeds an empty database and binds the listener. Must run inside an
    /// actix runtime.
    pub fn build(settings: Settings) -> Result<Self, StartupError> {
        let jwt_secret = settings.load_jwt_secret()?;
        let db = prepare_database(&settings)?;
        let pool = db.pool().clone();
        let document = openapi_document();
        // Public reads may be this old: the response cache and the settings kept in memory.
        let max_age = std::time::Duration::from_secs(u64::from(settings.http.cache_max_age));
        let state = web::Data::new(AppState {
            db: Database::new(db),
            routes: RouteTable::from_openapi(&document),
            openapi_json: web::Bytes::from(
                serde_json::to_vec(&document).expect("the OpenAPI document serialises"),
            ),
            metrics: Metrics::new(),
            tokens: TokenKeys::new(&jwt_secret, &settings.auth),
            passwords: PasswordHasherPool::new(settings.auth.hash_concurrency)
                .map_err(|error| StartupError::Config(ConfigError(error.to_string())))?,
            media: MediaStorage::new(&settings.media.storage)
                .map_err(|error| StartupError::Config(ConfigError(error)))?,
            media_workers: Workers::new("media", settings.media.concurrency)
                .map_err(|error| StartupError::Config(ConfigError(error.to_string())))?,
            limits: RateLimits::new(
                &settings.auth,
                &settings.interaction,
                settings.integrations.api_key_per_minute,
            ),
            reads: Default::default(),
            locales: Memo::new(max_age),
            reaction_kinds: Memo::new(max_age),
            categories: Memo::new(max_age),
            cache: ResponseCache::new(settings.http.response_cache_bytes, max_age),
            sanitizer: Arc::new(Sanitizer::new(&settings.embed_hosts)),
            settings: settings.clone(),
        });

        let listener =
            TcpListener::bind(&settings.http.bind).map_err(|source| StartupError::Bind {
                address: settings.http.bind.clone(),
                source,
            })?;
        let bind_error = |source| StartupError::Bind {
            address: settings.http.bind.clone(),
            source,
        };
        let port = listener.local_addr().map_err(bind_error)?.port();
        crate::delivery::schedule::spawn(state.clone());
        crate::delivery::coherence::spawn(state.clone());
        crate::reads::flush::spawn(state.clone());
        crate::audit::retention::spawn(state.clone());
        crate::webhooks::sender::spawn(state.clone())
            .map_err(|error| StartupError::Webhooks(error.to_string()))?;
        // Database work runs on each worker's blocking threads; more of them than connections
        // would only wait for one, and each keeps its own memory.
        let blocking_threads = (settings.database.pool_size as usize)
            .div_ceil(settings.http.workers.max(1))
            .max(2);
        let served = state.clone();
        let server = HttpServer::new(move || build_app(served.clone()))
            .workers(settings.http.workers)
            .worker_max_blocking_threads(blocking_threads)
            .shutdown_timeout(settings.http.shutdown_timeout.as_secs())
            // Signals are handled by `stop_on_signals`, installed before the server says it
            // listens, so a SIGTERM right after start-up is never lost.
            .disable_signals()
            .listen(listener)
            .map_err(bind_error)?
            .run();
        let address = format!("http://{}:{port}", host_of(&settings.http.bind));
        Ok(Self {
            port,
            address,
            server,
            pool,
            state,
        })
    }

    /// The port the server listens on (useful with `BIND=…:0`).
    pub fn port(&self) -> u16 {
        self.port
    }

    /// The base URL the server answers on.
    pub fn address(&self) -> &str {
        &self.address
    }

    /// Stops the server gracefully on SIGTERM or SIGINT: no new connections, in-flight requests
    /// finish (up to `SHUTDOWN_TIMEOUT`), then [`Application::run_until_stopped`] returns.
    pub fn stop_on_signals(&self) -> std::io::Result<()> {
        use actix_web::rt::signal::unix::{SignalKind, signal};
        for (kind, name) in [
            (SignalKind::terminate(), "SIGTERM"),
            (SignalKind::interrupt(), "SIGINT"),
        ] {
            let mut stream = signal(kind)?;
            let handle = self.server.handle();
            actix_web::rt::spawn(async move {
                if stream.recv().await.is_some() {
                    tracing::info!(signal = name, "shutting down gracefully");
                    handle.stop(true).await;
                }
            });
        }
        Ok(())
    }

    /// The database pool the server uses.
    pub fn pool(&self) -> DbPool {
        self.pool.clone()
    }

    /// A handle to stop the server.
    pub fn handle(&self) -> actix_web::dev::ServerHandle {
        self.server.handle()
    }

    /// Serves until SIGTERM or SIGINT, then lets in-flight requests finish (up to
    /// `SHUTDOWN_TIMEOUT`).
    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        let served = self.server.await;
        // The reads counted since the last write are not lost to a stop.
        if let Err(error) = crate::reads::flush::write(&self.state, true).await {
            tracing::warn!(%error, "could not write the counted reads at the stop");
        }
        served?;
        tracing::info!("stopped");
        Ok(())
    }
}

/// Connects, applies pending migrations and gives an empty database its locales.
pub fn prepare_database(settings: &Settings) -> Result<Db, StartupError> {
    let db = db::build_pool(&settings.database)?;
    let mut conn = db.pool().get()?;
    let applied = db::run_migrations(&mut conn)?;
    if !applied.is_empty() {
        tracing::info!(versions = ?applied, "applied migrations");
    }
    let seeded = locales::store::seed_if_empty(&mut conn, &settings.site_locales)?;
    if seeded > 0 {
        tracing::info!(locales = ?settings.site_locales, "seeded the site locales");
    }
    if reactions::store::seed_if_empty(&mut conn)? > 0 {
        tracing::info!("seeded the reaction kinds");
    }
    // Every instance on the database forgets what it cached from the views before.
    let purge_all = |conn: &mut DbConnection| {
        let everything = [cache::PURGE_EVERYTHING.to_owned()];
        db::notify(
            conn,
            db::CACHE_CHANNEL,
            &cache::message("startup", &everything),
        )
    };
    if read_model::ensure_current(&mut conn, &settings.urls, purge_all)? {
        db::analyze(&mut conn)?;
        tracing::info!("built the delivery read model");
    }
    if search::index::ensure_current(&mut conn)? {
        db::analyze(&mut conn)?;
        tracing::info!("built the search index");
    }
    if let Some(admin) = &settings.auth.bootstrap_admin
        && !users::store::has_active_admin(&mut conn)?
    {
        let email = normalize_email(&admin.email)
            .map_err(|e| StartupError::BootstrapAdmin(format!("ADMIN_EMAIL {}", e.message)))?;
        let name = normalize_display_name(&admin.display_name).map_err(|e| {
            StartupError::BootstrapAdmin(format!("ADMIN_DISPLAY_NAME {}", e.message))
        })?;
        check_password(&admin.password, "ADMIN_PASSWORD")
            .map_err(|e| StartupError::BootstrapAdmin(format!("ADMIN_PASSWORD {}", e.message)))?;
        let hash =
            hash_now(&admin.password).map_err(|e| StartupError::BootstrapAdmin(e.to_string()))?;
        match users::store::create_account(&mut conn, &email, &name, Role::Admin, &hash) {
            Ok(_) => tracing::info!(%email, "created the admin account from ADMIN_EMAIL"),
            // Another instance starting at the same moment created it, or the address has an
            // account already, which start-up does not change.
            Err(DomainError::Conflict(_)) => {
                tracing::warn!(%email, "ADMIN_EMAIL already has an account; left as it is");
            }
            Err(error) => return Err(StartupError::BootstrapAdmin(error.to_string())),
        }
    }
    drop(conn);
    Ok(db)
}

/// One worker's app: routes, extractor limits and error handlers, the fallback, middleware and
/// the docs page.
fn build_app(
    state: web::Data<AppState>,
) -> App<
    impl actix_web::dev::ServiceFactory<
        actix_web::dev::ServiceRequest,
        Config = (),
        Response = actix_web::dev::ServiceResponse<impl actix_web::body::MessageBody>,
        Error = actix_web::Error,
        InitError = (),
    >,
> {
    let json_limit = state.settings.http.json_body_limit;
    let (app, _) = App::new()
        .into_utoipa_app()
        .configure(api_routes)
        .split_for_parts();
    let body_read_timeout = BodyReadTimeout(state.settings.http.body_read_timeout);
    let state_cors = state.settings.http.cors_origins.clone();
    app.app_data(state)
        .app_data(body_read_timeout)
        .app_data(web::PayloadConfig::default().limit(json_limit))
        .app_data(web::QueryConfig::default().error_handler(error::query_error))
        .app_data(web::PathConfig::default().error_handler(path_error))
        .service(web::redirect("/docs", "/docs/"))
        .service(SwaggerUi::new("/docs/{_:.*}").config(SwaggerConfig::new(["/openapi.json"])))
        .default_service(web::to(fallback))
        .wrap(from_fn(audit_writes))
        .wrap(from_fn(cache_public_reads))
        .wrap(Compress::default())
        .wrap(from_fn(head_as_get))
        .wrap(cors(state_cors.as_deref()))
        .wrap(from_fn(preflight_methods))
        .wrap(from_fn(observe))
        .wrap(from_fn(security_headers))
}

/// Cross-origin access for browsers: any origin, or those of `CORS_ALLOWED_ORIGINS`. Tokens
/// travel in the `Authorization` header, never in cookies, so no credentials mode is needed.
fn cors(origins: Option<&[String]>) -> Cors {
    let cors = match origins {
        None => Cors::default().allow_any_origin().send_wildcard(),
        Some(origins) => origins
            .iter()
            .fold(Cors::default(), |cors, origin| cors.allowed_origin(origin)),
    };
    cors.allowed_methods(["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE"])
        .allowed_headers([
            header::AUTHORIZATION,
            header::CONTENT_TYPE,
            header::IF_MATCH,
            header::IF_NONE_MATCH,
            header::ACCEPT_LANGUAGE,
            header::HeaderName::from_static("idempotency-key"),
            header::HeaderName::from_static("x-request-id"),
        ])
        .expose_headers([
            header::ETAG,
            header::LINK,
            header::LOCATION,
            header::RETRY_AFTER,
            header::CONTENT_LANGUAGE,
            header::CONTENT_LOCATION,
            header::HeaderName::from_static("x-request-id"),
            header::HeaderName::from_static("x-cache"),
            header::HeaderName::from_static("ratelimit-limit"),
            header::HeaderName::from_static("ratelimit-remaining"),
            header::HeaderName::from_static("ratelimit-reset"),
        ])
        .max_age(86_400)
}

/// The host part of a bind address, for the log line.
fn host_of(bind: &str) -> &str {
    bind.rsplit_once(':').map_or(bind, |(host, _)| host)
}
