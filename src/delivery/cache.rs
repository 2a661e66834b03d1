//! A response cache for public reads: a hit answers without touching the database.
//!
//! `GET`s of the delivery API and the feeds are cached, keyed by path, query and the locale negotiated from
//! `Accept-Language` (so every browser's way of asking for French shares one entry), whatever
//! `Authorization` says, except for the reads that answer each caller their own (comment
//! threads, `/me/…`) and reactions (always exact). Responses keep their strong `ETag`, so `If-None-Match` still
//! gets 304. A cached body is kept compressed in each coding clients asked for (see
//! `compression`). Concurrent misses of one key compute it once.
//!
//! Each entry is tagged with what it shows (`Surrogate-Key`, sent to clients too, so a CDN in
//! front can purge the same way): an article's read with `article:{id}` and the `category:`,
//! `tag:` and `author:` tags of what it names, an article's threads with `comments:{id}`,
//! everything else with `lists`. A write to an article, category, tag or author purges its tag
//! and the lists; other admin writes empty the cache. Writes tell the other instances the same
//! (see `coherence`). A response computed while a purge ran is not kept, and only responses
//! that say `Cache-Control: public` are.

use std::sync::Arc;
use std::time::Duration;

use actix_web::HttpResponse;
use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{self, HeaderMap, HeaderName, HeaderValue};
use actix_web::http::{Method, StatusCode};
use actix_web::middleware::Next;

use super::compression::{self, Encoded};

/// Says whether a public read came from the cache.
const X_CACHE: HeaderName = HeaderName::from_static("x-cache");

tokio::task_local! {
    /// What the admin write being handled makes stale, as the cache channel's message: its
    /// transaction publishes it to the other instances (see `Database::write`).
    pub static PURGE_ON_COMMIT: String;
}

/// The message that tells every instance to forget everything.
pub const PURGE_EVERYTHING: &str = "*";

/// The tags of a cached response, space-separated (as Fastly and Varnish xkey read them).
pub const SURROGATE_KEY: HeaderName = HeaderName::from_static("surrogate-key");

/// The tag of every cached response that names no tags of its own.
pub const LISTS_TAG: &str = "lists";

/// The tag of an article's comment threads and reply pages.
pub fn thread_tag(article: i64) -> String {
    format!("comments:{article}")
}

/// The cache channel's message purging `tags`, from the instance named `origin`.
pub fn message(origin: &str, tags: &[String]) -> String {
    format!("{origin} {}", tags.join(" "))
}

/// Whether a purge message names anything to purge.
pub fn names_tags(message: &str) -> bool {
    message
        .split_once(' ')
        .is_some_and(|(_, tags)| !tags.trim().is_empty())
}

/// The tag of an article's own read.
pub fn article_tag(id: i64) -> String {
    format!("article:{id}")
}

/// The tags of an article's read: the article, the categories of its breadcrumb, its tags and
/// its authors, so a write to any of them purges it.
pub fn article_read_tags(
    id: i64,
    categories: impl IntoIterator<Item = i64>,
    tags: impl IntoIterator<Item = i64>,
    authors: impl IntoIterator<Item = i64>,
) -> String {
    let mut all = vec![article_tag(id)];
    let categories: std::collections::BTreeSet<i64> = categories.into_iter().collect();
    all.extend(categories.into_iter().map(|c| format!("category:{c}")));
    all.extend(tags.into_iter().map(|t| format!("tag:{t}")));
    all.extend(authors.into_iter().map(|a| format!("author:{a}")));
    all.join(" ")
}

/// Headers kept with a cached body.
const KEPT: [HeaderName; 9] = [
    SURROGATE_KEY,
    header::LAST_MODIFIED,
    header::CONTENT_TYPE,
    header::ETAG,
    header::CACHE_CONTROL,
    header::CONTENT_LANGUAGE,
    header::CONTENT_LOCATION,
    header::VARY,
    header::LINK,
];

/// A cached public response.
struct Cached {
    headers: Vec<(HeaderName, HeaderValue)>,
    etag: String,
    body: Encoded,
    /// What it shows, for purges.
    tags: Vec<String>,
}

/// The cache of public reads.
pub struct ResponseCache {
    entries: Option<moka::sync::Cache<String, Arc<Cached>>>,
    /// This instance's name in the cache channel's messages: it has purged what its own writes
    /// made stale already, and skips their messages.
    instance: String,
    /// Counts purges: a response computed across a purge may show what was purged, and is
    /// not kept.
    purges: std::sync::atomic::AtomicU64,
    /// One lock per key being computed, so concurrent misses wait for the first.
    computing: std::sync::Mutex<std::collections::HashMap<String, Arc<tokio::sync::Mutex<()>>>>,
}

impl ResponseCache {
    /// A cache of at most `max_bytes` of bodies, each kept at most `ttl`; `max_bytes` 0 turns
    /// it off.
    pub fn new(max_bytes: u64, ttl: Duration) -> Self {
        let entries = (max_bytes > 0).then(|| {
            moka::sync::Cache::builder()
                .max_capacity(max_bytes)
                .weigher(|key: &String, value: &Arc<Cached>| {
                    u32::try_from(key.len() + value.body.weight() + 256).unwrap_or(u32::MAX)
                })
                .time_to_live(ttl.max(Duration::from_secs(1)))
                .support_invalidation_closures()
                .build()
        });
        let mut bytes = [0u8; 8];
        let instance = match getrandom::fill(&mut bytes) {
            Ok(()) => crate::config::encode_hex(&bytes),
            // Without randomness, a name that differs between processes all the same.
            Err(_) => format!(
                "{}-{}",
                std::process::id(),
                std::time::SystemTime::now()
                    .duration_since(std::time::UNIX_EPOCH)
                    .map_or(0, |d| d.as_nanos())
            ),
        };
        Self {
            entries,
            instance,
            purges: Default::default(),
            computing: Default::default(),
        }
    }

    /// This instance's name in the cache channel's messages.
    pub fn origin(&self) -> &str {
        &self.instance
    }

    /// Forgets the cached responses tagged with any of `tags`.
    pub fn purge(&self, tags: &[String]) {
        self.purges
            .fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        if let Some(entries) = &self.entries
            && let Err(error) = entries.invalidate_entries_if({
                let tags = tags.to_vec();
                move |_, cached| cached.tags.iter().any(|tag| tags.contains(tag))
            })
        {
            tracing::warn!(%error, "could not select tagged entries; emptying the cache");
            entries.invalidate_all();
        }
    }

    /// Purges what `stale` names ([`PURGE_EVERYTHING`]: everything, the settings in memory
    /// too), calling `forget_settings` first when the settings are named, so a read in between
    /// can't rebuild an entry from them.
    fn purge_stale(&self, stale: &[String], forget_settings: impl FnOnce()) {
        if stale.is_empty() {
            return;
        }
        if stale.iter().any(|tag| tag == PURGE_EVERYTHING) {
            forget_settings();
            self.invalidate();
        } else {
            if stale.iter().any(|tag| tag == SETTINGS_TAG) {
                forget_settings();
            }
            self.purge(stale);
        }
    }

    /// Forgets every cached response (after a write).
    pub fn invalidate(&self) {
        self.purges
            .fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        if let Some(entries) = &self.entries {
            entries.invalidate_all();
        }
    }
}

/// The path as the router matches it (percent-escapes of plain characters decoded): what every
/// decision about a request's route must look at, or `/api/v1/%61dmin/…` would pass for public.
pub fn routed_path(request: &ServiceRequest) -> &str {
    request.match_info().as_str()
}

/// Whether `path` is a public read the cache may keep (`GET` only).
pub fn cacheable(request: &ServiceRequest) -> bool {
    let path = routed_path(request);
    let public = (path.starts_with("/api/v1/")
        && !path.starts_with("/api/v1/admin")
        && !path.starts_with("/api/v1/auth"))
        || path.starts_with("/feeds/");
    // Reads that answer each caller their own: the caller's comments in threads, their
    // reaction, their lists.
    let per_caller = path.starts_with("/api/v1/me/")
        || path.ends_with("/comments")
        || path.ends_with("/replies");
    // Reactions are exact on every read (`no-store`), and a preview shows the draft as it
    // stands: never kept, never waited for.
    let never_kept = path.ends_with("/reactions") || path.starts_with("/api/v1/preview/");
    let anonymous = !request.headers().contains_key(header::AUTHORIZATION);
    request.method() == Method::GET && public && !never_kept && (anonymous || !per_caller)
}

/// The cache key of a cacheable read served in the negotiated `locale`.
fn key_of(request: &ServiceRequest, locale: &str) -> String {
    format!(
        "{}?{}\n{locale}",
        routed_path(request),
        request.query_string()
    )
}

/// The tags a response names, or [`LISTS_TAG`].
fn tags_of(headers: &HeaderMap) -> Vec<String> {
    let tags: Vec<String> = headers
        .get(SURROGATE_KEY)
        .and_then(|v| v.to_str().ok())
        .map(|v| v.split_whitespace().map(str::to_owned).collect())
        .unwrap_or_default();
    if tags.is_empty() {
        vec![LISTS_TAG.to_owned()]
    } else {
        tags
    }
}

/// Applies a message of the cache channel (`<instance> <tags…>` or `<instance> *`); calls
/// `forget_settings` first when the message says the site settings in memory are stale too.
pub fn apply_message(cache: &ResponseCache, message: &str, forget_settings: impl FnOnce()) {
    let (origin, what) = message.split_once(' ').unwrap_or(("", message));
    // This instance purged what its own writes made stale already.
    if origin == cache.instance {
        return;
    }
    let stale: Vec<String> = what.split_whitespace().map(str::to_owned).collect();
    cache.purge_stale(&stale, forget_settings);
}

/// Resources whose admin writes purge by tag: (collection under `/api/v1/admin/`, tag prefix,
/// whether the site settings kept in memory change too).
const TAGGED_WRITES: [(&str, &str, bool); 6] = [
    ("articles", "article", false),
    ("categories", "category", true),
    ("tags", "tag", false),
    ("authors", "author", false),
    ("media", "media", false),
    ("pages", "page", false),
];

/// Admin collections whose writes change no public read by themselves: accounts, bans and
/// draft previews show nowhere, and a moderation decision purges the threads it changes itself (as a reader's
/// comment does).
const UNSEEN_WRITES: [&str; 4] = ["users", "comment-bans", "comments", "previews"];

/// The tag that tells every instance to forget the site settings it keeps in memory.
pub const SETTINGS_TAG: &str = "settings";

/// What a successful admin write to `path` makes stale: `Some(tags)` for writes to one
/// article (with its threads), category, tag or author (`article:{id}`… and every list; a new
/// one, the lists),
/// nothing for [`UNSEEN_WRITES`], `None` for anything else (everything).
fn purged_by(path: &str) -> Option<Vec<String>> {
    let rest = path.strip_prefix("/api/v1/admin/")?;
    let (collection, rest) = rest.split_once('/').unwrap_or((rest, ""));
    // A new upload shows nowhere until content uses it; nor does a draft preview.
    if UNSEEN_WRITES.contains(&collection)
        || (collection == "media" && rest.is_empty())
        || rest.ends_with("/previews")
    {
        return Some(Vec::new());
    }
    let (_, tag, settings) = TAGGED_WRITES
        .iter()
        .find(|(name, _, _)| *name == collection)?;
    let mut tags = vec![LISTS_TAG.to_owned()];
    if *settings {
        tags.push(SETTINGS_TAG.to_owned());
    }
    if rest.is_empty() {
        return Some(tags);
    }
    let id = rest.split('/').next()?.parse::<i64>().ok()?;
    tags.push(format!("{tag}:{id}"));
    // Whether an article's threads show at all depends on the article.
    if *tag == "article" {
        tags.push(thread_tag(id));
    }
    Some(tags)
}

impl ResponseCache {
    /// Serves public reads from the cache and fills it on a miss (`locale`: the locale the
    /// read is served in, for cacheable reads); after a successful admin write purges what it
    /// made stale, and when that is everything, calls `after_write` too.
    pub async fn serve(
        &self,
        request: ServiceRequest,
        next: Next<impl MessageBody + 'static>,
        locale: Option<String>,
        after_write: impl FnOnce(),
    ) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
        let is_write = !matches!(
            *request.method(),
            Method::GET | Method::HEAD | Method::OPTIONS
        ) && routed_path(&request).starts_with("/api/v1/admin");
        let stale =
            purged_by(routed_path(&request)).unwrap_or_else(|| vec![PURGE_EVERYTHING.to_owned()]);
        // A write tells the other instances what it purges, with its transaction.
        let message = message(&self.instance, &stale);
        let after_success = |response: &ServiceResponse<_>| {
            if is_write && response.status().is_success() {
                self.purge_stale(&stale, after_write);
            }
        };
        let call = |request| async move {
            if is_write {
                PURGE_ON_COMMIT.scope(message, next.call(request)).await
            } else {
                next.call(request).await
            }
        };
        let Some(entries) = self.entries.clone() else {
            let response = call(request).await?;
            after_success(&response);
            return Ok(response.map_into_boxed_body());
        };
        let key = locale.map(|locale| key_of(&request, &locale));
        let coding = compression::negotiate(&request);

        // Concurrent misses of one key: the first computes, the others wait and find its entry.
        let _computing = match &key {
            Some(key) if !entries.contains_key(key) => Some(self.computing_lock(key).await),
            _ => None,
        };
        if let Some(key) = &key
            && let Some(cached) = entries.get(key)
        {
            let last_modified = cached
                .headers
                .iter()
                .find(|(name, _)| name == header::LAST_MODIFIED)
                .and_then(|(_, value)| value.to_str().ok());
            let not_modified = super::not_modified(request.headers(), &cached.etag, last_modified);
            let mut response = if not_modified {
                HttpResponse::NotModified()
            } else {
                HttpResponse::Ok()
            };
            for (name, value) in &cached.headers {
                response.insert_header((name.clone(), value.clone()));
            }
            response.insert_header((X_CACHE, "HIT"));
            let (coding, mut response) = if not_modified {
                (coding, response.finish())
            } else {
                let (coding, body) = cached.body.get(coding);
                (coding, response.body(body))
            };
            mark_coding(response.headers_mut(), coding, !not_modified);
            return Ok(request.into_response(response));
        }

        let purges_before = self.purges.load(std::sync::atomic::Ordering::SeqCst);
        let response = call(request).await?;
        after_success(&response);
        // Kept only when it says it may be shared, and no purge ran while it was computed.
        let shareable = response
            .headers()
            .get(header::CACHE_CONTROL)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.starts_with("public"));
        let unpurged = self.purges.load(std::sync::atomic::Ordering::SeqCst) == purges_before;
        let Some(key) =
            key.filter(|_| response.status() == StatusCode::OK && shareable && unpurged)
        else {
            return Ok(response.map_into_boxed_body());
        };
        let Some(etag) = response
            .headers()
            .get(header::ETAG)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned)
        else {
            return Ok(response.map_into_boxed_body());
        };
        let (request, response) = response.into_parts();
        let (head, body) = response.into_parts();
        let body = actix_web::body::to_bytes(body)
            .await
            .map_err(|_| actix_web::error::ErrorInternalServerError("response body"))?;
        let tags = tags_of(head.headers());
        let mut headers = kept(head.headers());
        if !headers.iter().any(|(name, _)| *name == SURROGATE_KEY) {
            headers.push((SURROGATE_KEY, HeaderValue::from_static(LISTS_TAG)));
        }
        let cached = Arc::new(Cached {
            headers,
            etag,
            body: Encoded::new(body),
            tags,
        });
        entries.insert(key, cached.clone());
        let (coding, body) = cached.body.get(coding);
        let mut response = head.set_body(BoxBody::new(body));
        let response_headers = response.headers_mut();
        response_headers.insert(X_CACHE, HeaderValue::from_static("MISS"));
        for (name, value) in &cached.headers {
            response_headers.insert(name.clone(), value.clone());
        }
        mark_coding(response.headers_mut(), coding, true);
        Ok(ServiceResponse::new(request, response))
    }
}

impl ResponseCache {
    /// Holds `key` for the caller while it computes the response, so concurrent misses of the
    /// same key wait rather than compute it again.
    async fn computing_lock(&self, key: &str) -> ComputingGuard<'_> {
        let lock = {
            let mut computing = self.computing.lock().unwrap_or_else(|e| e.into_inner());
            // Keys whose waiters gave up (a client went away) are left behind: sweep them.
            if computing.len() > 1024 {
                computing.retain(|_, lock| Arc::strong_count(lock) > 1);
            }
            computing
                .entry(key.to_owned())
                .or_insert_with(|| Arc::new(tokio::sync::Mutex::new(())))
                .clone()
        };
        let guard = lock.clone().lock_owned().await;
        ComputingGuard {
            cache: self,
            key: key.to_owned(),
            lock,
            _guard: guard,
        }
    }
}

/// A key being computed; dropping it lets the next waiter in and forgets the lock when no one
/// else holds it.
struct ComputingGuard<'a> {
    cache: &'a ResponseCache,
    key: String,
    lock: Arc<tokio::sync::Mutex<()>>,
    _guard: tokio::sync::OwnedMutexGuard<()>,
}

impl Drop for ComputingGuard<'_> {
    fn drop(&mut self) {
        let mut computing = self
            .cache
            .computing
            .lock()
            .unwrap_or_else(|e| e.into_inner());
        // This guard and the map hold the lock: nobody else waits for it.
        if Arc::strong_count(&self.lock) <= 3 {
            computing.remove(&self.key);
        }
    }
}

/// Says which coding a cached body was sent in (`with_body`), and that the answer varies with
/// `Accept-Encoding` besides what the handler named.
fn mark_coding(headers: &mut HeaderMap, coding: header::ContentEncoding, with_body: bool) {
    if with_body && coding != header::ContentEncoding::Identity {
        headers.insert(header::CONTENT_ENCODING, coding.to_header_value());
    }
    let vary = match headers.get(header::VARY).and_then(|v| v.to_str().ok()) {
        Some(vary) if !vary.is_empty() => format!("{vary}, Accept-Encoding"),
        _ => "Accept-Encoding".to_owned(),
    };
    if let Ok(vary) = HeaderValue::from_str(&vary) {
        headers.insert(header::VARY, vary);
    }
}

/// The headers a cached body keeps.
fn kept(headers: &HeaderMap) -> Vec<(HeaderName, HeaderValue)> {
    KEPT.iter()
        .filter_map(|name| headers.get(name).map(|value| (name.clone(), value.clone())))
        .collect()
}
