//! Builds the application: database, migrations, first-start seeding, routes, middleware and the
//! bound HTTP server. `main` and the tests both start the server through [`Application::build`].

use std::net::TcpListener;

use actix_web::dev::Server;
use actix_web::middleware::from_fn;
use actix_web::{App, HttpServer, web};
use utoipa::OpenApi;
use utoipa_actix_web::service_config::ServiceConfig;
use utoipa_actix_web::{AppExt, scope};
use utoipa_swagger_ui::{Config as SwaggerConfig, SwaggerUi};

use crate::articles;
use crate::auth::passwords::PasswordHasherPool;
use crate::auth::passwords::hash_now;
use crate::auth::rate_limit::RateLimits;
use crate::auth::roles::Role;
use crate::auth::routes as auth_routes;
use crate::auth::tokens::TokenKeys;
use crate::authors;
use crate::categories;
use crate::categories::model::{CategoryRow, CategoryTranslationRow};
use crate::comments;
use crate::config::{ConfigError, Settings};
use crate::db::{self, Db, DbPool};
use crate::delivery::cache::{ResponseCache, cache_public_reads};
use crate::delivery::memo::Memo;
use crate::error::{self, ApiError};
use crate::locales;
use crate::locales::model::LocaleRow;
use crate::openapi::ApiDoc;
use crate::operations::metrics::Metrics;
use crate::operations::middleware::{RouteTable, fallback, observe};
use crate::operations::routes as ops;
use crate::reactions;
use crate::reactions::model::KindRow;
use crate::tags;
use crate::users;
use crate::users::model::{check_password, normalize_display_name, normalize_email};

/// What every handler can reach.
pub struct AppState {
    /// The database.
    pub db: Db,
    /// The settings the server started with.
    pub settings: Settings,
    /// Signs and checks access tokens.
    pub tokens: TokenKeys,
    /// Hashes and verifies passwords.
    pub passwords: PasswordHasherPool,
    /// Rate limits.
    pub limits: RateLimits,
    /// Cached public reads.
    pub cache: ResponseCache,
    /// The site's locales, for public reads.
    pub locales: Memo<Vec<LocaleRow>>,
    /// The active reaction kinds, for public reads and reactions.
    pub reaction_kinds: Memo<Vec<KindRow>>,
    /// The category tree and its names, for article reads.
    pub categories: Memo<(Vec<CategoryRow>, Vec<CategoryTranslationRow>)>,
    /// Prometheus metrics.
    pub metrics: Metrics,
    /// Every documented route, for telling 405 from 404.
    pub routes: RouteTable,
    /// The served OpenAPI document, serialised once.
    pub openapi_json: web::Bytes,
}

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
            db,
            routes: RouteTable::from_openapi(&document),
            openapi_json: web::Bytes::from(
                serde_json::to_vec(&document).expect("the OpenAPI document serialises"),
            ),
            metrics: Metrics::new(),
            tokens: TokenKeys::new(&jwt_secret, &settings.auth),
            passwords: PasswordHasherPool::new(settings.auth.hash_concurrency)
                .map_err(|error| StartupError::Config(ConfigError(error.to_string())))?,
            limits: RateLimits::new(&settings.auth, &settings.interaction),
            locales: Memo::new(max_age),
            reaction_kinds: Memo::new(max_age),
            categories: Memo::new(max_age),
            cache: ResponseCache::new(settings.http.response_cache_bytes, max_age),
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
        let server = HttpServer::new(move || build_app(state.clone()))
            .workers(settings.http.workers)
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
        self.server.await?;
        tracing::info!("stopped");
        Ok(())
    }
}

impl AppState {
    /// Forgets the site settings kept in memory (after an admin write).
    pub fn forget_settings(&self) {
        self.locales.clear();
        self.reaction_kinds.clear();
        self.categories.clear();
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
        match users::routes::create_account(&mut conn, &email, &name, Role::Admin, &hash) {
            Ok(_) => tracing::info!(%email, "created the admin account from ADMIN_EMAIL"),
            // Another instance starting at the same moment created it, or the address has an
            // account already, which start-up does not change.
            Err(ApiError::Conflict(_)) => {
                tracing::warn!(%email, "ADMIN_EMAIL already has an account; left as it is");
            }
            Err(error) => return Err(StartupError::BootstrapAdmin(error.to_string())),
        }
    }
    drop(conn);
    Ok(db)
}

/// Every documented route, registered through utoipa so the document lists exactly what is
/// served.
fn api_routes(config: &mut ServiceConfig) {
    config
        .service(ops::healthz)
        .service(ops::readyz)
        .service(ops::prometheus_metrics)
        .service(ops::openapi_json)
        .service(
            scope("/api/v1")
                .service(locales::routes::list_locales)
                .service(categories::routes::list_categories)
                .service(categories::routes::get_category)
                .service(tags::routes::list_tags)
                .service(authors::routes::list_authors)
                .service(articles::delivery::list_articles)
                .service(articles::delivery::related_articles)
                .service(articles::delivery::get_article)
                .service(reactions::routes::list_reaction_kinds)
                .service(reactions::routes::get_reactions)
                .service(reactions::routes::put_reaction)
                .service(reactions::routes::delete_reaction)
                .service(comments::routes::list_comments)
                .service(comments::routes::post_comment)
                .service(comments::routes::list_replies)
                .service(comments::routes::delete_comment)
                .service(comments::routes::report_comment)
                .service(articles::delivery::archive)
                .service(authors::routes::get_author)
                .service(tags::routes::get_tag)
                .service(
                    scope("/auth")
                        .service(auth_routes::register)
                        .service(auth_routes::login)
                        .service(auth_routes::refresh)
                        .service(auth_routes::logout)
                        .service(auth_routes::logout_all)
                        .service(auth_routes::visitor)
                        .service(auth_routes::get_me)
                        .service(auth_routes::update_me),
                )
                .service(
                    scope("/admin")
                        .service(users::routes::list_users)
                        .service(users::routes::create_user)
                        .service(users::routes::get_user)
                        .service(users::routes::update_user)
                        .service(users::routes::delete_user)
                        .service(locales::routes::admin_list_locales)
                        .service(locales::routes::create_locale)
                        .service(locales::routes::update_locale)
                        .service(locales::routes::delete_locale)
                        .service(categories::routes::admin_list_categories)
                        .service(categories::routes::create_category)
                        .service(categories::routes::admin_get_category)
                        .service(categories::routes::update_category)
                        .service(categories::routes::delete_category)
                        .service(tags::routes::admin_list_tags)
                        .service(tags::routes::create_tag)
                        .service(tags::routes::admin_get_tag)
                        .service(tags::routes::update_tag)
                        .service(tags::routes::delete_tag)
                        .service(authors::routes::admin_list_authors)
                        .service(authors::routes::create_author)
                        .service(authors::routes::admin_get_author)
                        .service(authors::routes::update_author)
                        .service(authors::routes::delete_author)
                        .service(articles::admin::admin_list_articles)
                        .service(articles::admin::create_article)
                        .service(articles::admin::admin_get_article)
                        .service(articles::admin::update_article)
                        .service(articles::admin::delete_article)
                        .service(articles::admin::put_translation)
                        .service(articles::admin::delete_translation)
                        .service(articles::admin::list_revisions)
                        .service(articles::admin::get_revision)
                        .service(articles::admin::restore_revision)
                        .service(reactions::admin::admin_list_reaction_kinds)
                        .service(reactions::admin::create_reaction_kind)
                        .service(reactions::admin::update_reaction_kind)
                        .service(reactions::admin::retire_reaction_kind)
                        .service(comments::moderation::moderation_queue)
                        .service(comments::moderation::moderate_comments)
                        .service(comments::moderation::moderate_comment)
                        .service(comments::moderation::list_bans)
                        .service(comments::moderation::create_ban)
                        .service(comments::moderation::delete_ban),
                ),
        );
}

/// The OpenAPI document of [`api_routes`].
pub fn openapi_document() -> utoipa::openapi::OpenApi {
    App::new()
        .into_utoipa_app()
        .openapi(ApiDoc::openapi())
        .configure(api_routes)
        .split_for_parts()
        .1
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
    app.app_data(state)
        .app_data(web::PayloadConfig::default().limit(json_limit))
        .app_data(web::QueryConfig::default().error_handler(error::query_error))
        .app_data(web::PathConfig::default().error_handler(error::path_error))
        .service(web::redirect("/docs", "/docs/"))
        .service(SwaggerUi::new("/docs/{_:.*}").config(SwaggerConfig::new(["/openapi.json"])))
        .default_service(web::to(fallback))
        .wrap(from_fn(cache_public_reads))
        .wrap(from_fn(observe))
}

/// The host part of a bind address, for the log line.
fn host_of(bind: &str) -> &str {
    bind.rsplit_once(':').map_or(bind, |(host, _)| host)
}
