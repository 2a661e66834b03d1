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

use crate::config::{ConfigError, Settings};
use crate::db::{self, Db, DbPool};
use crate::error;
use crate::locales;
use crate::openapi::ApiDoc;
use crate::operations::metrics::Metrics;
use crate::operations::middleware::{RouteTable, fallback, observe};
use crate::operations::routes as ops;

/// What every handler can reach.
pub struct AppState {
    /// The database.
    pub db: Db,
    /// The settings the server started with.
    pub settings: Settings,
    /// The key that signs tokens.
    pub jwt_secret: Vec<u8>,
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
    /// The address can't be bound.
    #[error("could not listen on {address}: {source}")]
    Bind {
        /// The address from `BIND`.
        address: String,
        /// The cause.
        source: std::io::Error,
    },
}

/// Routes mounted beside the API by an embedding program (or a test), outside the OpenAPI
/// document.
pub type ExtraRoutes = std::sync::Arc<dyn Fn(&mut web::ServiceConfig) + Send + Sync>;

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
        Self::build_with(settings, None)
    }

    /// [`Application::build`], with `extra` routes mounted beside the API; they get the same
    /// middleware, extractor limits and error handling.
    pub fn build_with(
        settings: Settings,
        extra: Option<ExtraRoutes>,
    ) -> Result<Self, StartupError> {
        let jwt_secret = settings.load_jwt_secret()?;
        let pool = prepare_database(&settings)?;
        let document = openapi_document();
        let state = web::Data::new(AppState {
            db: Db::new(pool.clone()),
            routes: RouteTable::from_openapi(&document),
            openapi_json: web::Bytes::from(
                serde_json::to_vec(&document).expect("the OpenAPI document serialises"),
            ),
            metrics: Metrics::new(),
            jwt_secret,
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
        let server = HttpServer::new(move || build_app(state.clone(), extra.clone()))
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

/// Connects, applies pending migrations and gives an empty database its locales.
pub fn prepare_database(settings: &Settings) -> Result<DbPool, StartupError> {
    let pool = db::build_pool(&settings.database)?;
    let mut conn = pool.get()?;
    let applied = db::run_migrations(&mut conn)?;
    if !applied.is_empty() {
        tracing::info!(versions = ?applied, "applied migrations");
    }
    let seeded = locales::store::seed_if_empty(&mut conn, &settings.site_locales)?;
    if seeded > 0 {
        tracing::info!(locales = ?settings.site_locales, "seeded the site locales");
    }
    Ok(pool)
}

/// Every documented route, registered through utoipa so the document lists exactly what is
/// served.
fn api_routes(config: &mut ServiceConfig) {
    config
        .service(ops::healthz)
        .service(ops::readyz)
        .service(ops::prometheus_metrics)
        .service(ops::openapi_json)
        .service(scope("/api/v1").service(locales::routes::list_locales));
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
    extra: Option<ExtraRoutes>,
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
        .app_data(
            web::JsonConfig::default()
                .limit(json_limit)
                .error_handler(error::json_error),
        )
        .app_data(web::PayloadConfig::default().limit(json_limit))
        .app_data(web::QueryConfig::default().error_handler(error::query_error))
        .app_data(web::PathConfig::default().error_handler(error::path_error))
        .configure(|config| {
            if let Some(extra) = extra {
                extra(config);
            }
        })
        .service(web::redirect("/docs", "/docs/"))
        .service(SwaggerUi::new("/docs/{_:.*}").config(SwaggerConfig::new(["/openapi.json"])))
        .default_service(web::to(fallback))
        .wrap(from_fn(observe))
}

/// The host part of a bind address, for the log line.
fn host_of(bind: &str) -> &str {
    bind.rsplit_once(':').map_or(bind, |(host, _)| host)
}
