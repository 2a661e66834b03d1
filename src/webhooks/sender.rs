//! The delivery worker inside `cms serve`. Every [`PERIOD`] (or, while deliveries wait, as
//! soon as one in flight ends) it hands new outbox events to the endpoints that want them (one
//! instance at a time), claims the deliveries that are due (each
//! by one instance, `FOR UPDATE SKIP LOCKED`, held for a lease so a crash mid-attempt only
//! delays it), and posts each, signed, with a time-out and without following redirects, at
//! most `WEBHOOK_CONCURRENCY` at once. A failure is retried with exponential backoff and
//! jitter until `WEBHOOK_RETRY_FOR` after the event; an endpoint failing for
//! `WEBHOOK_DISABLE_AFTER` is turned off.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use actix_web::web;
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use chrono::NaiveDateTime;
use diesel::QueryResult;
use hmac::{Hmac, Mac};
use sha2::Sha256;
use tokio::sync::Semaphore;

use crate::app::AppState;
use crate::config::IntegrationSettings;
use crate::db::{self, DbConnection};
use crate::error::ApiError;
use crate::webhooks::guard::{self, GuardedResolver};
use crate::webhooks::model::{DeliveryRow, KEPT_RESPONSE_BYTES, Outcome, WebhookRow};
use crate::webhooks::store::{self, Next};

/// How often the worker looks for work.
pub const PERIOD: Duration = Duration::from_millis(200);

/// Deliveries claimed ahead per slot of `WEBHOOK_CONCURRENCY`: a look claims them in batches,
/// and each waits for a slot here (its lease covers the wait).
const CLAIMED_PER_SLOT: usize = 4;

/// Events handed to endpoints per transaction.
const FAN_OUT_BATCH: i64 = 500;

/// The longest wait between two attempts.
const MAX_BACKOFF: Duration = Duration::from_secs(6 * 3600);

/// Prefix of a signing secret, as Standard Webhooks writes it.
pub const SECRET_PREFIX: &str = "whsec_";

/// A new signing secret: 32 random bytes.
pub fn new_secret() -> Result<String, ApiError> {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes).map_err(|e| ApiError::Internal(format!("no randomness: {e}")))?;
    Ok(format!("{SECRET_PREFIX}{}", STANDARD.encode(bytes)))
}

/// The `webhook-signature` of `body` sent as message `id` at `timestamp` (Unix seconds):
/// `v1,` and the base64 HMAC-SHA256 of `{id}.{timestamp}.{body}` under the secret's bytes.
pub fn signature(secret: &str, id: &str, timestamp: i64, body: &str) -> String {
    let key = STANDARD
        .decode(secret.trim_start_matches(SECRET_PREFIX))
        .unwrap_or_else(|_| secret.as_bytes().to_vec());
    let mut mac = Hmac::<Sha256>::new_from_slice(&key).expect("HMAC takes keys of any length");
    mac.update(format!("{id}.{timestamp}.{body}").as_bytes());
    format!("v1,{}", STANDARD.encode(mac.finalize().into_bytes()))
}

/// Posts deliveries.
#[derive(Clone)]
pub struct Sender {
    client: reqwest::Client,
    allow_private: bool,
}

impl Sender {
    pub fn new(settings: &IntegrationSettings) -> Result<Self, ApiError> {
        let client = reqwest::Client::builder()
            .timeout(settings.webhook_timeout)
            .connect_timeout(settings.webhook_timeout)
            .redirect(reqwest::redirect::Policy::none())
            .no_proxy()
            .user_agent(concat!("NewsroomCMS-Webhooks/", env!("CARGO_PKG_VERSION")))
            .dns_resolver(GuardedResolver {
                allow_private: settings.webhook_allow_private,
            })
            .build()
            .map_err(|e| ApiError::Internal(format!("no HTTP client for webhooks: {e}")))?;
        Ok(Self {
            client,
            allow_private: settings.webhook_allow_private,
        })
    }

    /// Posts `delivery` to `endpoint`, signed; what came of it.
    pub async fn post(&self, endpoint: &WebhookRow, delivery: &DeliveryRow) -> Outcome {
        let started = Instant::now();
        let result = self.try_post(endpoint, delivery).await;
        let duration_ms = i64::try_from(started.elapsed().as_millis()).unwrap_or(i64::MAX);
        match result {
            Ok((status, response)) => {
                let mut outcome = Outcome {
                    status_code: Some(i32::from(status)),
                    duration_ms,
                    error: None,
                    response: Some(response),
                };
                if !outcome.succeeded() {
                    outcome.error = Some(format!("the endpoint answered {status}"));
                }
                outcome
            }
            Err(error) => Outcome {
                status_code: None,
                duration_ms,
                error: Some(error),
                response: None,
            },
        }
    }

    async fn try_post(
        &self,
        endpoint: &WebhookRow,
        delivery: &DeliveryRow,
    ) -> Result<(u16, String), String> {
        let url = reqwest::Url::parse(&endpoint.url).map_err(|e| format!("bad URL: {e}"))?;
        // Names go through the guarded resolver; an address in the URL is checked here.
        if let Some(host) = url.host_str()
            && host
                .trim_start_matches('[')
                .trim_end_matches(']')
                .parse::<std::net::IpAddr>()
                .is_ok()
            && let Some(refusal) = guard::refusal(host, 0, self.allow_private).await
        {
            return Err(format!("refused: {refusal}"));
        }
        let id = delivery.message_id();
        let timestamp = chrono::Utc::now().timestamp();
        let mut response = self
            .client
            .post(url)
            .header("content-type", "application/json")
            .header("webhook-id", &id)
            .header("webhook-timestamp", timestamp.to_string())
            .header(
                "webhook-signature",
                signature(&endpoint.secret, &id, timestamp, &delivery.payload),
            )
            .body(delivery.payload.clone())
            .send()
            .await
            .map_err(|error| describe(&error))?;
        let status = response.status().as_u16();
        let mut kept = Vec::new();
        while kept.len() < KEPT_RESPONSE_BYTES {
            match response.chunk().await {
                Ok(Some(chunk)) => kept.extend_from_slice(&chunk),
                _ => break,
            }
        }
        kept.truncate(KEPT_RESPONSE_BYTES);
        Ok((status, String::from_utf8_lossy(&kept).into_owned()))
    }
}

/// An error with its causes, the way an admin can act on it.
fn describe(error: &reqwest::Error) -> String {
    if error.is_timeout() {
        return "timed out".to_owned();
    }
    let mut text = error.to_string();
    let mut source = std::error::Error::source(error);
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}

/// What follows attempt number `attempts` of a delivery made at `created_at`: another after
/// the base wait doubled per attempt (at most [`MAX_BACKOFF`]), give or take a fifth, unless
/// that falls past the retry window.
pub fn next_after(
    settings: &IntegrationSettings,
    outcome: &Outcome,
    attempts: i32,
    created_at: NaiveDateTime,
    retries: bool,
) -> Next {
    if outcome.succeeded() {
        return Next::Delivered;
    }
    if !retries {
        return Next::Failed;
    }
    let doublings = u32::try_from(attempts.clamp(1, 30) - 1).unwrap_or(0);
    let wait = settings
        .webhook_retry_base
        .saturating_mul(1u32 << doublings.min(20))
        .min(MAX_BACKOFF);
    let mut random = [0u8; 2];
    let jitter = match getrandom::fill(&mut random) {
        Ok(()) => 0.8 + 0.4 * f64::from(u16::from_le_bytes(random)) / f64::from(u16::MAX),
        Err(_) => 1.0,
    };
    let wait = wait.mul_f64(jitter);
    let at = db::now() + chrono::Duration::from_std(wait).unwrap_or(chrono::Duration::hours(6));
    let window =
        chrono::Duration::from_std(settings.webhook_retry_for).unwrap_or(chrono::Duration::days(1));
    if at > created_at + window {
        Next::Failed
    } else {
        Next::RetryAt(at)
    }
}

/// Attempts `delivery` (claimed) now and records the attempt; the outcome.
pub async fn attempt(
    state: &AppState,
    sender: &Sender,
    endpoint: WebhookRow,
    delivery: DeliveryRow,
    retries: bool,
) -> Result<Outcome, ApiError> {
    let outcome = sender.post(&endpoint, &delivery).await;
    let settings = &state.settings.integrations;
    let next = next_after(
        settings,
        &outcome,
        delivery.attempts + 1,
        delivery.created_at,
        retries,
    );
    let disable_before = db::now()
        - chrono::Duration::from_std(settings.webhook_disable_after)
            .unwrap_or(chrono::Duration::days(3));
    let recorded = outcome.clone();
    let disabled = state
        .db
        .write(move |conn| {
            Ok(store::record_attempt(
                conn,
                &delivery,
                &recorded,
                next,
                disable_before,
            )?)
        })
        .await?;
    if disabled {
        tracing::warn!(
            webhook = endpoint.id,
            "webhook endpoint kept failing; turned off"
        );
    }
    state.metrics.webhook_attempt(outcome.succeeded());
    Ok(outcome)
}

/// Hands new events to the endpoints and claims up to `free` due deliveries, held until
/// `until`, on the worker's own connection; what it claimed.
fn poll(
    conn: &mut DbConnection,
    free: i64,
    now: NaiveDateTime,
    until: NaiveDateTime,
) -> QueryResult<Vec<(DeliveryRow, WebhookRow)>> {
    // Read first, without the write lock: most looks find nothing to do.
    let (events, mut due) = store::work_waiting(conn, now)?;
    let mut more = events;
    while more {
        let handed = db::write_transaction(conn, |conn| store::fan_out(conn, FAN_OUT_BATCH))?;
        due |= handed > 0;
        more = handed as i64 == FAN_OUT_BATCH;
    }
    if !due || free == 0 {
        return Ok(Vec::new());
    }
    db::write_transaction(conn, |conn| store::claim(conn, now, until, free))
}

/// Starts the worker on the current runtime; it ends with the runtime. It looks for work on a
/// connection of its own, outside the pool (so a request never waits for it), and records
/// attempts through the pool.
pub fn spawn(state: web::Data<AppState>) -> Result<(), ApiError> {
    let sender = Sender::new(&state.settings.integrations)?;
    let concurrency = usize::try_from(state.settings.integrations.webhook_concurrency).unwrap_or(1);
    let slots = Arc::new(Semaphore::new(concurrency));
    let claims = Arc::new(Semaphore::new(concurrency * CLAIMED_PER_SLOT));
    // Long enough for every delivery queued ahead of it to time out first.
    let lease = chrono::Duration::from_std(
        state.settings.integrations.webhook_timeout * (CLAIMED_PER_SLOT as u32 + 1)
            + Duration::from_secs(30),
    )
    .unwrap_or_default();
    actix_web::rt::spawn(async move {
        let mut connection: Option<Arc<Mutex<DbConnection>>> = None;
        let mut tick = actix_web::rt::time::interval(PERIOD);
        // Whether the last look claimed all it might: there may be more due, so look again as
        // soon as a claim ends rather than at the next tick.
        let mut saturated = false;
        loop {
            if saturated {
                drop(claims.acquire().await);
            } else {
                tick.tick().await;
            }
            let settings = state.settings.database.clone();
            let held = connection.clone();
            let free = claims.available_permits() as i64;
            let polled = web::block(move || {
                let conn = match held {
                    Some(conn) => conn,
                    None => Arc::new(Mutex::new(db::background_connection(&settings).ok()?)),
                };
                let now = db::now();
                let claimed = {
                    let mut guard = conn.lock().unwrap_or_else(|e| e.into_inner());
                    poll(&mut guard, free, now, now + lease)
                };
                Some((conn, claimed))
            })
            .await;
            let claimed = match polled {
                Ok(Some((conn, Ok(claimed)))) => {
                    connection = Some(conn);
                    saturated = free > 0 && claimed.len() as i64 == free;
                    claimed
                }
                Ok(Some((_, Err(error)))) => {
                    tracing::warn!(%error, "could not look for webhook deliveries");
                    connection = None;
                    saturated = false;
                    continue;
                }
                // The database is away: connect afresh next time.
                _ => {
                    connection = None;
                    saturated = false;
                    continue;
                }
            };
            for (delivery, endpoint) in claimed {
                let Ok(claim) = Arc::clone(&claims).acquire_owned().await else {
                    return;
                };
                let slots = Arc::clone(&slots);
                let state = state.clone();
                let sender = sender.clone();
                actix_web::rt::spawn(async move {
                    let Ok(slot) = slots.acquire_owned().await else {
                        return;
                    };
                    let id = delivery.id;
                    if let Err(error) = attempt(&state, &sender, endpoint, delivery, true).await {
                        tracing::warn!(%error, delivery = id, "could not record a webhook attempt");
                    }
                    drop(slot);
                    drop(claim);
                });
            }
        }
    });
    Ok(())
}
