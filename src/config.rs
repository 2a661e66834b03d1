//! Settings, read once at start from the environment (and a `.env` file, loaded by `main`).
//!
//! | variable | default | meaning |
//! |---|---|---|
//! | `DATABASE_URL` | `sqlite://$DATA_DIR/cms.sqlite3` | `sqlite://path` or `postgres://user@host/db` |
//! | `DATABASE_POOL_SIZE` | `10` | connections in the pool |
//! | `DATABASE_POOL_TIMEOUT_MS` | `2000` | wait for a free connection before answering 503 |
//! | `BIND` | `127.0.0.1:8080` | address to listen on (`:0` picks a free port) |
//! | `WORKERS` | number of cores | HTTP worker threads |
//! | `SHUTDOWN_TIMEOUT` | `30` | seconds in-flight requests get to finish on SIGTERM |
//! | `BODY_READ_TIMEOUT` | `30` | seconds a request body may take to arrive (408 after) |
//! | `METRICS_TOKEN` | (none) | when set, `/metrics` answers only `Authorization: Bearer <token>` |
//! | `CORS_ALLOWED_ORIGINS` | `*` | origins browsers may call the API from (comma-separated, or `*`) |
//! | `HSTS` | `false` | `true`: send `Strict-Transport-Security` (serve over HTTPS only, behind a TLS proxy) |
//! | `DATA_DIR` | `data` | where the SQLite file and the generated JWT secret live |
//! | `JWT_SECRET` | generated into `$DATA_DIR/jwt_secret` | token signing key, at least 32 bytes of which at least 8 differ |
//! | `EMBED_HOSTS` | `youtube.com,youtube-nocookie.com,player.vimeo.com,platform.twitter.com,instagram.com,x.com` | hosts (and their subdomains) article bodies may frame with `<iframe>` (`https://` only, always sandboxed); empty: none |
//! | `SITE_LOCALES` | `tr,fr,en,nl` | locales an empty database starts with; the first is the default |
//! | `SITE_URL` | `http://localhost:3000` | the front-end's address: canonical URLs (`url`) of delivered content start with it |
//! | `URL_ARTICLE` | `/{locale}/{category}/{slug}` | the front-end's route of an article (`{locale}`, `{category}`: the category's slug in that locale, `{slug}`, `{id}`) |
//! | `URL_CATEGORY` | `/{locale}/{slug}` | the route of a category (`{locale}`, `{slug}`, `{id}`) |
//! | `URL_TAG` | `/{locale}/tag/{slug}` | the route of a tag (same placeholders) |
//! | `URL_AUTHOR` | `/{locale}/author/{slug}` | the route of an author (same placeholders) |
//! | `URL_PREVIEW` | `/preview/{token}` | the front-end's route that shows a draft preview (`{token}`; it reads `GET /api/v1/preview/{token}`) |
//! | `URL_PAGE` | `/{locale}/page/{slug}` | the route of a page (same placeholders, and `{key}`: the page's key, or its slug when it has none) |
//! | `PUBLIC_API_URL` | `http://localhost:8080` | this API's public address, as clients reach it (feeds name their own address with it) |
//! | `FEED_ITEMS` | `50` | newest items in each RSS, Atom and JSON feed (1 to 500) |
//! | `FEED_FULL_CONTENT` | `false` | `true`: feeds carry each article's whole body, not only its summary |
//! | `MEDIA_STORAGE` | `fs` | where uploaded media files live: `fs` (under `$DATA_DIR/media`) or `s3` (any S3-compatible store, shared by instances) |
//! | `MEDIA_S3_ENDPOINT` | (AWS) | the S3-compatible store's address, such as `http://127.0.0.1:8333` (path-style requests) |
//! | `MEDIA_S3_BUCKET` | (none) | the bucket media files go to (required with `s3`) |
//! | `MEDIA_S3_REGION` | `us-east-1` | the bucket's region |
//! | `MEDIA_S3_ACCESS_KEY_ID`, `MEDIA_S3_SECRET_ACCESS_KEY` | (none) | the store's credentials |
//! | `MEDIA_PUBLIC_URL` | (none) | a CDN or bucket address serving the media files: delivered URLs point there and `/media/…` redirects to it |
//! | `MEDIA_MAX_BYTES` | `20971520` | largest upload, in bytes (20 MiB) |
//! | `MEDIA_MAX_PIXELS` | `50000000` | largest picture accepted, in pixels (width × height) |
//! | `MEDIA_CONCURRENCY` | half the cores (at least 1) | pictures decoded and encoded at once |
//! | `CACHE_MAX_AGE` | `60` | `Cache-Control: max-age` of public reads, in seconds |
//! | `JSON_BODY_LIMIT` | `1048576` | largest JSON body accepted, in bytes |
//! | `RESPONSE_CACHE_MB` | `64` | memory for cached public reads (0 turns the cache off) |
//! | `LOG_FORMAT` | `text` | `text` or `json` (one JSON object a line) |
//! | `LOG_LEVEL` | `info` | a tracing filter such as `info` or `newsroom_cms=debug,info` |
//! | `REGISTRATION_OPEN` | `true` | whether anyone may register a reader account |
//! | `ACCESS_TOKEN_TTL` | `900` | access token lifetime, in seconds |
//! | `REFRESH_TOKEN_TTL` | `2592000` | refresh token lifetime (30 days), in seconds |
//! | `VISITOR_TOKEN_TTL` | `31536000` | visitor token lifetime (1 year), in seconds |
//! | `JWT_ISSUER` | `newsroom-cms` | the `iss` of issued tokens, required on every token |
//! | `JWT_AUDIENCE` | `newsroom-cms-api` | the `aud` of issued tokens, required on every token |
//! | `PASSWORD_HASH_CONCURRENCY` | number of cores | password hashes computed at once |
//! | `RATE_LIMIT_AUTH_PER_IP` | `30` | login, register and refresh requests per minute per client IP |
//! | `RATE_LIMIT_LOGIN_PER_ACCOUNT_IP` | `10` | wrong passwords (sign-in, password change) per minute per account and client address |
//! | `RATE_LIMIT_LOGIN_PER_ACCOUNT` | `100` | wrong passwords per minute per account from all addresses together; addresses the owner signed in from lately are spared |
//! | `RATE_LIMIT_VISITOR_PER_IP` | `20` | visitor tokens per minute per client IP |
//! | `TRUSTED_PROXIES` | (none) | IPs or CIDRs whose `X-Forwarded-For` is believed |
//! | `ADMIN_EMAIL`, `ADMIN_PASSWORD` | (none) | on start, create this admin when no admin exists |
//! | `ADMIN_DISPLAY_NAME` | `Administrator` | display name of that admin |
//! | `COMMENT_MODERATION` | `post` | `pre`: readers' and visitors' comments wait for a moderator; `post`: readers' are approved at once, visitors' wait |
//! | `COMMENT_MAX_DEPTH` | `3` | levels of a comment thread (1: no replies); deeper replies are refused |
//! | `COMMENT_REPLIES_PER_THREAD` | `100` | replies nested under each top-level comment of a thread list; the rest are paged at `/comments/{id}/replies` |
//! | `COMMENT_REPORT_HIDE_THRESHOLD` | `3` | reports by accounts from this many distinct client addresses that move an approved comment back to pending |
//! | `INTERACTION_BODY_LIMIT` | `65536` | largest body of a comment, report or reaction, in bytes |
//! | `RATE_LIMIT_REACTIONS_PER_ACTOR` | `60` | reaction changes per minute per account or visitor |
//! | `RATE_LIMIT_REACTIONS_PER_IP` | `600` | reaction changes per minute per client IP |
//! | `RATE_LIMIT_VIEWS_PER_IP` | `300` | article reads recorded per minute per client IP |
//! | `VIEWS_FLUSH_SECONDS` | `10` | how often counted reads are written (1 to 60): what a crash may lose |
//! | `RATE_LIMIT_COMMENTS_PER_ACTOR` | `5` | comments per minute per account or visitor |
//! | `RATE_LIMIT_COMMENTS_PER_IP` | `30` | comments per minute per client IP |
//! | `RATE_LIMIT_REPORTS_PER_ACTOR` | `10` | comment reports per minute per account or visitor |
//! | `RATE_LIMIT_REPORTS_PER_IP` | `60` | comment reports per minute per client IP |

use std::fs;
use std::io::Write;
use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use crate::urls::{self, SiteUrls};

/// Smallest accepted `JWT_SECRET`, in bytes.
pub const MIN_JWT_SECRET_BYTES: usize = 32;

/// Fewest distinct bytes an accepted `JWT_SECRET` has: 32 × `a` is long but guessable.
pub const MIN_JWT_SECRET_DISTINCT_BYTES: usize = 8;

/// Size of a generated JWT secret, in bytes.
const GENERATED_SECRET_BYTES: usize = 64;

/// A setting that could not be used; the server refuses to start with this message.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct ConfigError(pub String);

/// Every setting of the server.
#[derive(Clone, Debug)]
pub struct Settings {
    /// Database connection settings.
    pub database: DatabaseSettings,
    /// HTTP server settings.
    pub http: HttpSettings,
    /// Directory for local state: the SQLite file, the generated JWT secret.
    pub data_dir: PathBuf,
    /// Where the JWT secret comes from.
    pub jwt_secret: JwtSecretSource,
    /// Locale codes an empty database is seeded with; the first is the site default.
    pub site_locales: Vec<String>,
    /// Hosts article bodies may embed with `<iframe>`.
    pub embed_hosts: Vec<String>,
    /// Where the front-end shows delivered content.
    pub urls: Arc<SiteUrls>,
    /// RSS, Atom and JSON feeds.
    pub feeds: FeedSettings,
    /// The media library.
    pub media: MediaSettings,
    /// Logging settings.
    pub log: LogSettings,
    /// Accounts, tokens and rate limits.
    pub auth: AuthSettings,
    /// Reactions and comments.
    pub interaction: InteractionSettings,
    /// Webhooks, API keys and the audit log.
    pub integrations: IntegrationSettings,
}

/// Webhooks, API keys and the audit log.
#[derive(Clone, Debug)]
pub struct IntegrationSettings {
    /// How long a delivery waits for the endpoint's answer (`WEBHOOK_TIMEOUT`, seconds).
    pub webhook_timeout: Duration,
    /// The wait before the first retry, doubled for each next (`WEBHOOK_RETRY_BASE_MS`).
    pub webhook_retry_base: Duration,
    /// How long a delivery is retried before it is given up (`WEBHOOK_RETRY_FOR`, seconds;
    /// a day).
    pub webhook_retry_for: Duration,
    /// An endpoint failing for this long is turned off (`WEBHOOK_DISABLE_AFTER`, seconds; 3
    /// days).
    pub webhook_disable_after: Duration,
    /// Whether endpoints may be on loopback or private addresses (`WEBHOOK_ALLOW_PRIVATE`).
    pub webhook_allow_private: bool,
    /// Deliveries in flight at once per instance (`WEBHOOK_CONCURRENCY`).
    pub webhook_concurrency: i64,
    /// Requests per minute one API key may make (`RATE_LIMIT_API_KEY`).
    pub api_key_per_minute: u32,
    /// Days the audit log keeps an entry (`AUDIT_RETENTION_DAYS`).
    pub audit_retention_days: i64,
}

impl IntegrationSettings {
    fn from_lookup(get: &impl Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        Ok(Self {
            webhook_timeout: Duration::from_secs(parse(get, "WEBHOOK_TIMEOUT", 10, 1..=120)?),
            webhook_retry_base: Duration::from_millis(parse(
                get,
                "WEBHOOK_RETRY_BASE_MS",
                10_000,
                10..=3_600_000,
            )?),
            webhook_retry_for: Duration::from_secs(parse(
                get,
                "WEBHOOK_RETRY_FOR",
                86_400,
                1..=30 * 86_400,
            )?),
            webhook_disable_after: Duration::from_secs(parse(
                get,
                "WEBHOOK_DISABLE_AFTER",
                3 * 86_400,
                1..=365 * 86_400,
            )?),
            webhook_allow_private: parse_bool(get, "WEBHOOK_ALLOW_PRIVATE", false)?,
            webhook_concurrency: parse(get, "WEBHOOK_CONCURRENCY", 16, 1..=1000)?,
            api_key_per_minute: parse(get, "RATE_LIMIT_API_KEY", 600, 1..=1_000_000)?,
            audit_retention_days: parse(get, "AUDIT_RETENTION_DAYS", 365, 1..=36_500)?,
        })
    }
}

/// RSS, Atom and JSON feeds.
#[derive(Clone, Debug)]
pub struct FeedSettings {
    /// This API's public address (`PUBLIC_API_URL`): a feed's own address starts with it.
    pub api_url: String,
    /// Newest items in each feed.
    pub items: i64,
    /// Whether items carry the whole body, not only the summary.
    pub full_content: bool,
}

/// Where media files live.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum MediaStorageSettings {
    /// Files under this directory.
    Fs(PathBuf),
    /// An S3-compatible store.
    S3 {
        /// Its address; `None` for AWS itself.
        endpoint: Option<String>,
        /// The bucket.
        bucket: String,
        /// The bucket's region.
        region: String,
        /// Access key id, if any.
        access_key_id: Option<String>,
        /// Secret access key, if any.
        secret_access_key: Option<String>,
    },
}

/// The media library.
#[derive(Clone, Debug)]
pub struct MediaSettings {
    /// Where files live.
    pub storage: MediaStorageSettings,
    /// A CDN or bucket address serving the files, without a trailing slash.
    pub public_url: Option<String>,
    /// Largest upload, in bytes.
    pub max_bytes: u64,
    /// Largest picture, in pixels.
    pub max_pixels: u64,
    /// Pictures processed at once.
    pub concurrency: usize,
    /// Where uploads are streamed to before they are processed.
    pub temp_dir: PathBuf,
}

/// When readers' and visitors' comments are published.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Moderation {
    /// Every comment from a reader or visitor waits for a moderator.
    Pre,
    /// Readers' comments are approved at once; visitors' wait.
    Post,
}

/// Reactions and comments.
#[derive(Clone, Debug)]
pub struct InteractionSettings {
    /// Pre- or post-moderation.
    pub moderation: Moderation,
    /// Levels a comment thread may have (1: no replies).
    pub max_depth: i32,
    /// Reports that move an approved comment back to pending.
    pub report_hide_threshold: i32,
    /// Replies nested under each top-level comment of a thread list.
    pub replies_per_thread: i64,
    /// Largest body of a comment, report or reaction, in bytes.
    pub body_limit: usize,
    /// Per-minute limits of reaction changes.
    pub reactions: PerMinute,
    /// Per-minute limits of comments.
    pub comments: PerMinute,
    /// Per-minute limits of comment reports.
    pub reports: PerMinute,
    /// Recorded reads per minute per client IP.
    pub views_per_ip: u32,
    /// How often counted reads are written, in seconds: what a crash may lose.
    pub views_flush_seconds: u64,
}

/// A rate limit per actor (account or visitor) and per client IP, in requests per minute.
#[derive(Clone, Copy, Debug)]
pub struct PerMinute {
    /// Per account or visitor.
    pub per_actor: u32,
    /// Per client IP.
    pub per_ip: u32,
}

/// Accounts, tokens and rate limits.
#[derive(Clone, Debug)]
pub struct AuthSettings {
    /// Whether `POST /auth/register` is open.
    pub registration_open: bool,
    /// Access token lifetime.
    pub access_token_ttl: Duration,
    /// Refresh token lifetime.
    pub refresh_token_ttl: Duration,
    /// Visitor token lifetime.
    pub visitor_token_ttl: Duration,
    /// `iss` of tokens.
    pub issuer: String,
    /// `aud` of tokens.
    pub audience: String,
    /// Password hashes computed at once.
    pub hash_concurrency: usize,
    /// Login, register and refresh requests per minute per client IP.
    pub auth_per_ip_per_minute: u32,
    /// Wrong passwords per minute per account and client address.
    pub login_per_account_ip_per_minute: u32,
    /// Wrong passwords per minute per account from all addresses together.
    pub login_per_account_per_minute: u32,
    /// Visitor tokens per minute per client IP.
    pub visitor_per_ip_per_minute: u32,
    /// Proxies whose `X-Forwarded-For` is believed.
    pub trusted_proxies: Vec<IpNetwork>,
    /// The admin to create on start when none exists.
    pub bootstrap_admin: Option<BootstrapAdmin>,
}

/// An admin account created on start when the database has no admin.
#[derive(Clone)]
pub struct BootstrapAdmin {
    /// Email address.
    pub email: String,
    pub password: String,
    pub display_name: String,
}

impl std::fmt::Debug for BootstrapAdmin {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BootstrapAdmin")
            .field("email", &self.email)
            .finish_non_exhaustive()
    }
}

/// An IP network such as `10.0.0.0/8` or a single address.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct IpNetwork {
    address: std::net::IpAddr,
    prefix: u8,
}

impl IpNetwork {
    /// Parses `address` or `address/prefix`.
    pub fn parse(text: &str) -> Option<Self> {
        let (address, prefix) = match text.split_once('/') {
            Some((address, prefix)) => (address, Some(prefix.parse::<u8>().ok()?)),
            None => (text, None),
        };
        let address: std::net::IpAddr = address.trim().parse().ok()?;
        let max = if address.is_ipv4() { 32 } else { 128 };
        let prefix = prefix.unwrap_or(max);
        if prefix > max {
            return None;
        }
        // An IPv4-mapped IPv6 network is the IPv4 network it maps, as client addresses are.
        if let std::net::IpAddr::V6(v6) = address
            && let Some(v4) = v6.to_ipv4_mapped()
            && prefix >= 96
        {
            return Some(Self {
                address: std::net::IpAddr::V4(v4),
                prefix: prefix - 96,
            });
        }
        Some(Self { address, prefix })
    }

    /// The network as CIDR text with its host bits cleared (`203.0.113.0/24`).
    pub fn to_cidr(&self) -> String {
        use std::net::IpAddr;
        let address = match self.address {
            IpAddr::V4(v4) => {
                let mask = u32::MAX
                    .checked_shl(32 - u32::from(self.prefix))
                    .unwrap_or(0);
                IpAddr::V4((u32::from(v4) & mask).into())
            }
            IpAddr::V6(v6) => {
                let mask = u128::MAX
                    .checked_shl(128 - u32::from(self.prefix))
                    .unwrap_or(0);
                IpAddr::V6((u128::from(v6) & mask).into())
            }
        };
        format!("{address}/{}", self.prefix)
    }

    /// The prefix length, in bits.
    pub fn prefix(&self) -> u8 {
        self.prefix
    }

    /// Whether this is an IPv4 network.
    pub fn is_ipv4(&self) -> bool {
        self.address.is_ipv4()
    }

    /// Whether `ip` is inside this network.
    pub fn contains(&self, ip: std::net::IpAddr) -> bool {
        use std::net::IpAddr;
        let ip = match ip {
            IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(ip, IpAddr::V4),
            v4 => v4,
        };
        match (self.address, ip) {
            (IpAddr::V4(net), IpAddr::V4(ip)) => {
                let mask = u32::MAX
                    .checked_shl(32 - u32::from(self.prefix))
                    .unwrap_or(0);
                u32::from(net) & mask == u32::from(ip) & mask
            }
            (IpAddr::V6(net), IpAddr::V6(ip)) => {
                let mask = u128::MAX
                    .checked_shl(128 - u32::from(self.prefix))
                    .unwrap_or(0);
                u128::from(net) & mask == u128::from(ip) & mask
            }
            _ => false,
        }
    }
}

/// Database settings.
#[derive(Clone, Debug)]
pub struct DatabaseSettings {
    /// `sqlite://…` or `postgres://…`.
    pub url: String,
    /// Maximum connections in the pool.
    pub pool_size: u32,
    /// How long a request waits for a free connection.
    pub pool_timeout: Duration,
}

/// HTTP settings.
#[derive(Clone, Debug)]
pub struct HttpSettings {
    /// Address to listen on.
    pub bind: String,
    /// Worker threads.
    pub workers: usize,
    /// Grace period for in-flight requests at shutdown.
    pub shutdown_timeout: Duration,
    /// How long a request body may take to arrive.
    pub body_read_timeout: Duration,
    /// The bearer token `/metrics` requires, when set.
    pub metrics_token: Option<String>,
    /// Whether to send `Strict-Transport-Security`.
    pub hsts: bool,
    /// The origins browsers may call the API from; `None` for any.
    pub cors_origins: Option<Vec<String>>,
    /// `Cache-Control: max-age` for public reads, in seconds.
    pub cache_max_age: u32,
    /// Largest accepted JSON body, in bytes.
    pub json_body_limit: usize,
    /// Memory for cached public reads, in bytes (0: no cache).
    pub response_cache_bytes: u64,
}

/// Logging settings.
#[derive(Clone, Debug)]
pub struct LogSettings {
    /// JSON lines instead of human-readable text.
    pub json: bool,
    /// A tracing filter directive.
    pub level: String,
}

/// Where the token-signing secret comes from.
#[derive(Clone)]
pub enum JwtSecretSource {
    /// Given in the environment.
    Given(Vec<u8>),
    /// Read from (or generated into) `$DATA_DIR/jwt_secret`.
    DataDir,
}

impl std::fmt::Debug for JwtSecretSource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Given(_) => f.write_str("Given(<redacted>)"),
            Self::DataDir => f.write_str("DataDir"),
        }
    }
}

impl Settings {
    /// Reads every setting from the environment, refusing values that can't work.
    pub fn from_env() -> Result<Self, ConfigError> {
        Self::from_lookup(|name| std::env::var(name).ok())
    }

    /// Reads every setting through `lookup` (the environment, or a map in tests).
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        let get = |name: &str| lookup(name).filter(|value| !value.trim().is_empty());
        let data_dir = PathBuf::from(get("DATA_DIR").unwrap_or_else(|| "data".into()));
        let url = get("DATABASE_URL")
            .unwrap_or_else(|| format!("sqlite://{}/cms.sqlite3", data_dir.display()));
        let jwt_secret = match lookup("JWT_SECRET") {
            Some(secret) if secret.len() < MIN_JWT_SECRET_BYTES => {
                return Err(ConfigError(format!(
                    "JWT_SECRET is {} bytes long; it must have at least {MIN_JWT_SECRET_BYTES}. \
                     Unset it to have a random secret generated into {}.",
                    secret.len(),
                    data_dir.join("jwt_secret").display()
                )));
            }
            Some(secret) if distinct_bytes(secret.as_bytes()) < MIN_JWT_SECRET_DISTINCT_BYTES => {
                return Err(ConfigError(format!(
                    "JWT_SECRET has only {} distinct bytes; it must have at least \
                     {MIN_JWT_SECRET_DISTINCT_BYTES} (use a random secret). Unset it to have a \
                     random secret generated into {}.",
                    distinct_bytes(secret.as_bytes()),
                    data_dir.join("jwt_secret").display()
                )));
            }
            Some(secret) => JwtSecretSource::Given(secret.into_bytes()),
            None => JwtSecretSource::DataDir,
        };
        let site_locales =
            parse_locales(&get("SITE_LOCALES").unwrap_or_else(|| "tr,fr,en,nl".into()))?;
        let log_format = get("LOG_FORMAT").unwrap_or_else(|| "text".into());
        let json = match log_format.as_str() {
            "json" => true,
            "text" => false,
            other => {
                return Err(ConfigError(format!(
                    "LOG_FORMAT must be `text` or `json`, not `{other}`."
                )));
            }
        };
        let default_workers = std::thread::available_parallelism().map_or(2, usize::from);
        let trusted_proxies = get("TRUSTED_PROXIES")
            .unwrap_or_default()
            .split(',')
            .map(str::trim)
            .filter(|part| !part.is_empty())
            .map(|part| {
                IpNetwork::parse(part).ok_or_else(|| {
                    ConfigError(format!(
                        "TRUSTED_PROXIES: `{part}` is not an IP address or CIDR network."
                    ))
                })
            })
            .collect::<Result<Vec<_>, _>>()?;
        let bootstrap_admin = match (get("ADMIN_EMAIL"), lookup("ADMIN_PASSWORD")) {
            (Some(email), Some(password)) => Some(BootstrapAdmin {
                email,
                password,
                display_name: get("ADMIN_DISPLAY_NAME").unwrap_or_else(|| "Administrator".into()),
            }),
            (None, None) => None,
            _ => {
                return Err(ConfigError(
                    "ADMIN_EMAIL and ADMIN_PASSWORD must be set together.".into(),
                ));
            }
        };
        let auth = AuthSettings {
            registration_open: parse_bool(&get, "REGISTRATION_OPEN", true)?,
            access_token_ttl: Duration::from_secs(parse(
                &get,
                "ACCESS_TOKEN_TTL",
                900,
                10..=86_400,
            )?),
            refresh_token_ttl: Duration::from_secs(parse(
                &get,
                "REFRESH_TOKEN_TTL",
                30 * 86_400,
                60..=365 * 86_400,
            )?),
            visitor_token_ttl: Duration::from_secs(parse(
                &get,
                "VISITOR_TOKEN_TTL",
                365 * 86_400,
                60..=5 * 365 * 86_400,
            )?),
            issuer: get("JWT_ISSUER").unwrap_or_else(|| "newsroom-cms".into()),
            audience: get("JWT_AUDIENCE").unwrap_or_else(|| "newsroom-cms-api".into()),
            hash_concurrency: parse(&get, "PASSWORD_HASH_CONCURRENCY", default_workers, 1..=256)?,
            auth_per_ip_per_minute: parse(&get, "RATE_LIMIT_AUTH_PER_IP", 30, 1..=1_000_000)?,
            login_per_account_ip_per_minute: parse(
                &get,
                "RATE_LIMIT_LOGIN_PER_ACCOUNT_IP",
                10,
                1..=1_000_000,
            )?,
            login_per_account_per_minute: parse(
                &get,
                "RATE_LIMIT_LOGIN_PER_ACCOUNT",
                100,
                1..=1_000_000,
            )?,
            visitor_per_ip_per_minute: parse(&get, "RATE_LIMIT_VISITOR_PER_IP", 20, 1..=1_000_000)?,
            trusted_proxies,
            bootstrap_admin,
        };
        let api_url = urls::checked_base(
            "PUBLIC_API_URL",
            &get("PUBLIC_API_URL").unwrap_or_else(|| "http://localhost:8080".into()),
        )
        .map_err(ConfigError)?;
        let media = MediaSettings::from_lookup(&get, &data_dir, default_workers)?;
        let media_base = media
            .public_url
            .clone()
            .unwrap_or_else(|| format!("{api_url}/media"));
        Ok(Self {
            database: DatabaseSettings {
                url,
                pool_size: parse(&get, "DATABASE_POOL_SIZE", 10, 1..=1000)?,
                pool_timeout: Duration::from_millis(parse(
                    &get,
                    "DATABASE_POOL_TIMEOUT_MS",
                    2000,
                    10..=600_000,
                )?),
            },
            http: HttpSettings {
                bind: get("BIND").unwrap_or_else(|| "127.0.0.1:8080".into()),
                workers: parse(&get, "WORKERS", default_workers, 1..=1024)?,
                shutdown_timeout: Duration::from_secs(parse(
                    &get,
                    "SHUTDOWN_TIMEOUT",
                    30,
                    0..=3600,
                )?),
                body_read_timeout: Duration::from_secs(parse(
                    &get,
                    "BODY_READ_TIMEOUT",
                    30,
                    1..=3600,
                )?),
                metrics_token: get("METRICS_TOKEN").filter(|token| !token.is_empty()),
                cors_origins: parse_origins(get("CORS_ALLOWED_ORIGINS").as_deref())?,
                hsts: match get("HSTS").as_deref().map(str::trim) {
                    None | Some("" | "false") => false,
                    Some("true") => true,
                    Some(other) => {
                        return Err(ConfigError(format!(
                            "HSTS must be `true` or `false`, not `{other}`."
                        )));
                    }
                },
                cache_max_age: parse(&get, "CACHE_MAX_AGE", 60, 0..=31_536_000)?,
                json_body_limit: parse(&get, "JSON_BODY_LIMIT", 1 << 20, 1024..=(64 << 20))?,
                response_cache_bytes: parse(&get, "RESPONSE_CACHE_MB", 64u64, 0..=65_536)? << 20,
            },
            data_dir,
            jwt_secret,
            site_locales,
            embed_hosts: parse_embed_hosts(get("EMBED_HOSTS").as_deref())?,
            urls: Arc::new(
                SiteUrls::new(
                    &get("SITE_URL").unwrap_or_else(|| urls::DEFAULT_SITE_URL.into()),
                    &get("URL_ARTICLE").unwrap_or_else(|| urls::DEFAULT_ARTICLE.into()),
                    &get("URL_CATEGORY").unwrap_or_else(|| urls::DEFAULT_CATEGORY.into()),
                    &get("URL_TAG").unwrap_or_else(|| urls::DEFAULT_TAG.into()),
                    &get("URL_AUTHOR").unwrap_or_else(|| urls::DEFAULT_AUTHOR.into()),
                )
                .and_then(|urls| {
                    urls.with_page(&get("URL_PAGE").unwrap_or_else(|| urls::DEFAULT_PAGE.into()))
                })
                .and_then(|urls| {
                    urls.with_preview(
                        &get("URL_PREVIEW").unwrap_or_else(|| urls::DEFAULT_PREVIEW.into()),
                    )
                })
                .map_err(ConfigError)?
                .with_media(media_base),
            ),
            feeds: FeedSettings {
                api_url: api_url.clone(),
                items: parse(&get, "FEED_ITEMS", 50, 1..=500)?,
                full_content: parse_bool(&get, "FEED_FULL_CONTENT", false)?,
            },
            media,
            log: LogSettings {
                json,
                level: get("LOG_LEVEL").unwrap_or_else(|| "info".into()),
            },
            auth,
            interaction: InteractionSettings::from_lookup(&get)?,
            integrations: IntegrationSettings::from_lookup(&get)?,
        })
    }

    /// The JWT signing secret: the configured one, else the one kept in the data directory,
    /// generated (64 random bytes, file mode 0600) the first time.
    pub fn load_jwt_secret(&self) -> Result<Vec<u8>, ConfigError> {
        match &self.jwt_secret {
            JwtSecretSource::Given(secret) => Ok(secret.clone()),
            JwtSecretSource::DataDir => load_or_generate_secret(&self.data_dir.join("jwt_secret")),
        }
    }
}

impl MediaSettings {
    fn from_lookup(
        get: &impl Fn(&str) -> Option<String>,
        data_dir: &Path,
        cores: usize,
    ) -> Result<Self, ConfigError> {
        let storage = match get("MEDIA_STORAGE").as_deref().map(str::trim) {
            None | Some("" | "fs") => MediaStorageSettings::Fs(data_dir.join("media")),
            Some("s3") => MediaStorageSettings::S3 {
                endpoint: match get("MEDIA_S3_ENDPOINT").filter(|e| !e.trim().is_empty()) {
                    Some(endpoint) => Some(
                        urls::checked_base("MEDIA_S3_ENDPOINT", &endpoint).map_err(ConfigError)?,
                    ),
                    None => None,
                },
                bucket: get("MEDIA_S3_BUCKET")
                    .map(|b| b.trim().to_owned())
                    .filter(|b| !b.is_empty())
                    .ok_or_else(|| ConfigError("MEDIA_STORAGE=s3 needs MEDIA_S3_BUCKET.".into()))?,
                region: get("MEDIA_S3_REGION")
                    .filter(|r| !r.trim().is_empty())
                    .unwrap_or_else(|| "us-east-1".into()),
                access_key_id: get("MEDIA_S3_ACCESS_KEY_ID").filter(|k| !k.is_empty()),
                secret_access_key: get("MEDIA_S3_SECRET_ACCESS_KEY").filter(|k| !k.is_empty()),
            },
            Some(other) => {
                return Err(ConfigError(format!(
                    "MEDIA_STORAGE must be `fs` or `s3`, not `{other}`."
                )));
            }
        };
        let public_url = match get("MEDIA_PUBLIC_URL").filter(|u| !u.trim().is_empty()) {
            Some(url) => Some(urls::checked_base("MEDIA_PUBLIC_URL", &url).map_err(ConfigError)?),
            None => None,
        };
        Ok(Self {
            storage,
            public_url,
            max_bytes: parse(get, "MEDIA_MAX_BYTES", 20u64 << 20, 1024..=(4u64 << 30))?,
            max_pixels: parse(get, "MEDIA_MAX_PIXELS", 50_000_000u64, 1..=1_000_000_000)?,
            concurrency: parse(get, "MEDIA_CONCURRENCY", (cores / 2).max(1), 1..=256)?,
            temp_dir: data_dir.join("tmp"),
        })
    }
}

/// `EMBED_HOSTS`: comma-separated host names such as `www.youtube.com`; unset for the
/// default list, empty for none.
fn parse_embed_hosts(value: Option<&str>) -> Result<Vec<String>, ConfigError> {
    let Some(value) = value else {
        return Ok(crate::html::DEFAULT_EMBED_HOSTS.map(String::from).to_vec());
    };
    let hosts: Vec<String> = value
        .split(',')
        .map(|host| host.trim().to_ascii_lowercase())
        .filter(|host| !host.is_empty())
        .collect();
    for host in &hosts {
        let plausible = host.contains('.')
            && host
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'.' || b == b'-');
        if !plausible {
            return Err(ConfigError(format!(
                "EMBED_HOSTS holds `{host}`: give host names such as `www.youtube.com`, \
                 comma-separated."
            )));
        }
    }
    Ok(hosts)
}

/// `CORS_ALLOWED_ORIGINS`: `*` (or unset) for any origin, else a comma-separated list of
/// origins such as `https://www.example.com` (scheme and host, no path).
fn parse_origins(value: Option<&str>) -> Result<Option<Vec<String>>, ConfigError> {
    let value = value.map(str::trim).unwrap_or("*");
    if value == "*" {
        return Ok(None);
    }
    let origins: Vec<String> = value
        .split(',')
        .map(|origin| origin.trim().trim_end_matches('/').to_owned())
        .filter(|origin| !origin.is_empty())
        .collect();
    for origin in &origins {
        let plausible = (origin.starts_with("http://") || origin.starts_with("https://"))
            && !origin["https://".len().min(origin.len())..].contains('/');
        if !plausible {
            return Err(ConfigError(format!(
                "CORS_ALLOWED_ORIGINS holds `{origin}`: give origins as scheme://host[:port], \
                 comma-separated, or `*`."
            )));
        }
    }
    Ok(Some(origins))
}

/// How many different byte values `bytes` holds.
fn distinct_bytes(bytes: &[u8]) -> usize {
    let mut seen = [false; 256];
    for byte in bytes {
        seen[usize::from(*byte)] = true;
    }
    seen.iter().filter(|seen| **seen).count()
}

impl InteractionSettings {
    fn from_lookup(get: &impl Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        let moderation = match get("COMMENT_MODERATION").as_deref().map(str::trim) {
            None | Some("post") => Moderation::Post,
            Some("pre") => Moderation::Pre,
            Some(other) => {
                return Err(ConfigError(format!(
                    "COMMENT_MODERATION must be `pre` or `post`, not `{other}`."
                )));
            }
        };
        let limit = |name: &str, default: u32| parse(get, name, default, 1..=1_000_000);
        Ok(Self {
            moderation,
            max_depth: parse(get, "COMMENT_MAX_DEPTH", 3, 1..=10)?,
            report_hide_threshold: parse(get, "COMMENT_REPORT_HIDE_THRESHOLD", 3, 1..=1000)?,
            replies_per_thread: parse(get, "COMMENT_REPLIES_PER_THREAD", 100, 1..=1000)?,
            body_limit: parse(get, "INTERACTION_BODY_LIMIT", 64 << 10, 1024..=(1 << 20))?,
            reactions: PerMinute {
                per_actor: limit("RATE_LIMIT_REACTIONS_PER_ACTOR", 60)?,
                per_ip: limit("RATE_LIMIT_REACTIONS_PER_IP", 600)?,
            },
            comments: PerMinute {
                per_actor: limit("RATE_LIMIT_COMMENTS_PER_ACTOR", 5)?,
                per_ip: limit("RATE_LIMIT_COMMENTS_PER_IP", 30)?,
            },
            reports: PerMinute {
                per_actor: limit("RATE_LIMIT_REPORTS_PER_ACTOR", 10)?,
                per_ip: limit("RATE_LIMIT_REPORTS_PER_IP", 60)?,
            },
            views_per_ip: limit("RATE_LIMIT_VIEWS_PER_IP", 300)?,
            views_flush_seconds: parse(get, "VIEWS_FLUSH_SECONDS", 10, 1..=60)?,
        })
    }
}

/// Parses a numeric variable, with a default and an allowed range.
fn parse<T>(
    get: &impl Fn(&str) -> Option<String>,
    name: &str,
    default: T,
    range: std::ops::RangeInclusive<T>,
) -> Result<T, ConfigError>
where
    T: std::str::FromStr + PartialOrd + std::fmt::Display,
{
    let Some(raw) = get(name) else {
        return Ok(default);
    };
    match raw.trim().parse::<T>() {
        Ok(value) if range.contains(&value) => Ok(value),
        _ => Err(ConfigError(format!(
            "{name} must be a number from {} to {}, not `{raw}`.",
            range.start(),
            range.end()
        ))),
    }
}

/// Parses a boolean variable (`true`/`false`, `1`/`0`, `yes`/`no`, `on`/`off`).
fn parse_bool(
    get: &impl Fn(&str) -> Option<String>,
    name: &str,
    default: bool,
) -> Result<bool, ConfigError> {
    let Some(raw) = get(name) else {
        return Ok(default);
    };
    match raw.trim().to_ascii_lowercase().as_str() {
        "true" | "1" | "yes" | "on" => Ok(true),
        "false" | "0" | "no" | "off" => Ok(false),
        _ => Err(ConfigError(format!(
            "{name} must be true or false, not `{raw}`."
        ))),
    }
}

/// Parses `SITE_LOCALES`: comma-separated codes such as `tr,fr,en` or `pt-BR`.
fn parse_locales(raw: &str) -> Result<Vec<String>, ConfigError> {
    let mut codes: Vec<String> = Vec::new();
    for part in raw
        .split(',')
        .map(str::trim)
        .filter(|part| !part.is_empty())
    {
        let code = crate::locales::model::normalize_code(part).ok_or_else(|| {
            ConfigError(format!(
                "SITE_LOCALES: `{part}` is not a locale code (expected e.g. `tr`, `fr` or `pt-BR`)."
            ))
        })?;
        if !codes.contains(&code) {
            codes.push(code);
        }
    }
    if codes.is_empty() {
        return Err(ConfigError(
            "SITE_LOCALES must name at least one locale.".into(),
        ));
    }
    Ok(codes)
}

/// Reads the secret kept at `path`, or generates and stores a new one.
fn load_or_generate_secret(path: &Path) -> Result<Vec<u8>, ConfigError> {
    let fail = |what: &str, error: std::io::Error| {
        ConfigError(format!(
            "Could not {what} the JWT secret at {}: {error}",
            path.display()
        ))
    };
    match fs::read_to_string(path) {
        Ok(text) => {
            let secret = decode_hex(text.trim()).ok_or_else(|| {
                ConfigError(format!(
                    "{} does not hold a hex-encoded secret.",
                    path.display()
                ))
            })?;
            if secret.len() < MIN_JWT_SECRET_BYTES {
                return Err(ConfigError(format!(
                    "{} holds a secret shorter than {MIN_JWT_SECRET_BYTES} bytes.",
                    path.display()
                )));
            }
            Ok(secret)
        }
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => {
            if let Some(parent) = path.parent() {
                fs::create_dir_all(parent).map_err(|e| fail("create the directory of", e))?;
            }
            let mut secret = vec![0u8; GENERATED_SECRET_BYTES];
            getrandom::fill(&mut secret)
                .map_err(|e| ConfigError(format!("No randomness for the JWT secret: {e}")))?;
            let mut file = fs::OpenOptions::new()
                .write(true)
                .create_new(true)
                .mode(0o600)
                .open(path)
                .map_err(|e| fail("create", e))?;
            file.write_all(encode_hex(&secret).as_bytes())
                .and_then(|()| file.sync_all())
                .map_err(|e| fail("write", e))?;
            // The mode given at creation is filtered by the umask; make it exact.
            fs::set_permissions(path, fs::Permissions::from_mode(0o600))
                .map_err(|e| fail("protect", e))?;
            tracing::info!(
                path = %path.display(),
                "JWT_SECRET is not set: generated a random secret and stored it (mode 0600)"
            );
            Ok(secret)
        }
        Err(error) => Err(fail("read", error)),
    }
}

/// Lower-case hex encoding.
pub fn encode_hex(bytes: &[u8]) -> String {
    use std::fmt::Write as _;
    bytes
        .iter()
        .fold(String::with_capacity(bytes.len() * 2), |mut out, byte| {
            let _ = write!(out, "{byte:02x}");
            out
        })
}

fn decode_hex(text: &str) -> Option<Vec<u8>> {
    if !text.len().is_multiple_of(2) {
        return None;
    }
    (0..text.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(text.get(i..i + 2)?, 16).ok())
        .collect()
}
