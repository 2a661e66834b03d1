//! Webhook endpoints, deliveries and attempts: rows, requests and what admins see.

use chrono::{DateTime, NaiveDateTime, Utc};
use diesel::{Queryable, Selectable};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::domain::{FieldError, Lines, check_text};
use crate::events::model::EVENT_NAMES;

/// Longest description.
pub const MAX_DESCRIPTION_LENGTH: usize = 500;
/// The response bytes kept of each attempt.
pub const KEPT_RESPONSE_BYTES: usize = 1024;

/// A delivery not yet made (or being made).
pub const PENDING: &str = "pending";
/// A delivery the endpoint accepted (2xx).
pub const DELIVERED: &str = "delivered";
/// A delivery given up on.
pub const FAILED: &str = "failed";

/// A stored endpoint.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = crate::db::schema::webhooks)]
pub struct WebhookRow {
    pub id: i64,
    pub url: String,
    /// Comma-separated event names.
    pub events: String,
    pub secret: String,
    pub active: bool,
    pub description: String,
    /// Events up to this id happened before the endpoint existed: not delivered to it.
    pub from_event: i64,
    pub failing_since: Option<NaiveDateTime>,
    pub disabled_reason: Option<String>,
    pub created_by: Option<i64>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

impl WebhookRow {
    /// The events it subscribes to.
    pub fn event_names(&self) -> Vec<String> {
        self.events
            .split(',')
            .filter(|e| !e.is_empty())
            .map(str::to_owned)
            .collect()
    }

    /// Whether it wants event `name` (`*` subscribes to all).
    pub fn wants(&self, name: &str) -> bool {
        self.events.split(',').any(|e| e == name || e == "*")
    }
}

/// An endpoint as admins see it (its secret is shown once, when it is made).
#[derive(Debug, Serialize, ToSchema)]
pub struct Webhook {
    pub id: i64,
    pub url: String,
    /// The events it receives (`*`: all).
    pub events: Vec<String>,
    pub active: bool,
    pub description: String,
    /// Why the server turned it off (it kept failing), until an admin turns it on again.
    pub disabled_reason: Option<String>,
    /// Since when every delivery to it has failed; `null` while it answers.
    pub failing_since: Option<DateTime<Utc>>,
    pub created_by: Option<i64>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl From<WebhookRow> for Webhook {
    fn from(row: WebhookRow) -> Self {
        Self {
            id: row.id,
            events: row.event_names(),
            url: row.url,
            active: row.active,
            description: row.description,
            disabled_reason: row.disabled_reason,
            failing_since: row.failing_since.map(|t| t.and_utc()),
            created_by: row.created_by,
            created_at: row.created_at.and_utc(),
            updated_at: row.updated_at.and_utc(),
        }
    }
}

/// An endpoint just made, with its signing secret.
#[derive(Debug, Serialize, ToSchema)]
pub struct CreatedWebhook {
    #[serde(flatten)]
    pub webhook: Webhook,
    /// The signing secret (`whsec_` and base64), shown only now: check `webhook-signature`
    /// with it.
    pub secret: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CreatedWebhookResponse {
    pub data: CreatedWebhook,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct WebhookResponse {
    pub data: Webhook,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct WebhookList {
    pub data: Vec<Webhook>,
}

/// An endpoint to register.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateWebhookRequest {
    /// Where events are posted: `https://` (or `http://`), not a private address unless the
    /// server allows it (`WEBHOOK_ALLOW_PRIVATE`).
    pub url: String,
    /// The events to receive (see `GET /api/v1/admin/webhooks` for the names), or `["*"]`.
    pub events: Vec<String>,
    pub description: Option<String>,
    /// Default `true`.
    pub active: Option<bool>,
}

/// Changes to an endpoint: the fields given.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateWebhookRequest {
    pub url: Option<String>,
    pub events: Option<Vec<String>>,
    pub description: Option<String>,
    /// Turning it on again clears `disabled_reason` and `failing_since`.
    pub active: Option<bool>,
}

/// Checks an endpoint's URL: an http(s) URL of printable ASCII that parses with a host (its
/// address is checked by `guard`).
pub fn url_error(url: &str) -> Option<FieldError> {
    if let Err(error) = crate::authors::model::check_url(url, "url") {
        return Some(error);
    }
    if !url.bytes().all(|b| b.is_ascii_graphic()) {
        return Some(FieldError::new(
            "url",
            "must be printable ASCII (write an international name in its xn-- form)",
        ));
    }
    match reqwest::Url::parse(url) {
        Ok(parsed) if parsed.host_str().is_some_and(|h| !h.is_empty()) => None,
        Ok(_) => Some(FieldError::new(
            "url",
            "is not a valid URL: it names no host",
        )),
        Err(error) => Some(FieldError::new(
            "url",
            format!("is not a valid URL: {error}"),
        )),
    }
}

/// Checks a list of event names: known ones, at least one, no repeats.
pub fn events_error(events: &[String]) -> Option<FieldError> {
    if events.is_empty() {
        return Some(FieldError::new("events", "must name at least one event"));
    }
    for (i, name) in events.iter().enumerate() {
        if name != "*" && !EVENT_NAMES.contains(&name.as_str()) {
            return Some(FieldError::new(
                format!("events[{i}]"),
                format!("`{name}` is not an event; see the list in the API's documentation"),
            ));
        }
        if events[..i].contains(name) {
            return Some(FieldError::new(format!("events[{i}]"), "is named twice"));
        }
    }
    None
}

/// Checks a description: one line of plain text, at most [`MAX_DESCRIPTION_LENGTH`]
/// characters.
pub fn description_error(description: &str) -> Option<FieldError> {
    check_text(
        description,
        "description",
        Lines::One,
        0,
        MAX_DESCRIPTION_LENGTH,
    )
}

/// A stored delivery.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = crate::db::schema::webhook_deliveries)]
pub struct DeliveryRow {
    pub id: i64,
    pub webhook_id: i64,
    pub event_id: Option<i64>,
    pub event_name: String,
    pub subject: String,
    pub payload: String,
    pub status: String,
    pub attempts: i32,
    pub next_attempt_at: NaiveDateTime,
    pub locked_until: Option<NaiveDateTime>,
    pub created_at: NaiveDateTime,
    pub finished_at: Option<NaiveDateTime>,
}

impl DeliveryRow {
    /// The `webhook-id` header: the same for every endpoint and every attempt of one event,
    /// so receivers can drop a repeat.
    pub fn message_id(&self) -> String {
        match self.event_id {
            Some(event) => format!("evt_{event}"),
            None => format!("msg_{}", self.id),
        }
    }
}

/// A stored attempt.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = crate::db::schema::webhook_attempts)]
pub struct AttemptRow {
    pub id: i64,
    pub delivery_id: i64,
    pub attempt: i32,
    pub at: NaiveDateTime,
    pub status_code: Option<i32>,
    pub duration_ms: i64,
    pub error: Option<String>,
    pub response: Option<String>,
}

/// One attempt at a delivery.
#[derive(Debug, Serialize, ToSchema)]
pub struct Attempt {
    /// 1 for the first.
    pub attempt: i32,
    pub at: DateTime<Utc>,
    /// The endpoint's HTTP status; `null` when none came (time-out, refused connection).
    pub status_code: Option<i32>,
    pub duration_ms: i64,
    /// Why it failed, when it did.
    pub error: Option<String>,
    /// The first 1 KB of the response body.
    pub response: Option<String>,
}

impl From<AttemptRow> for Attempt {
    fn from(row: AttemptRow) -> Self {
        Self {
            attempt: row.attempt,
            at: row.at.and_utc(),
            status_code: row.status_code,
            duration_ms: row.duration_ms,
            error: row.error,
            response: row.response,
        }
    }
}

/// A delivery of one event to one endpoint, with its attempts.
#[derive(Debug, Serialize, ToSchema)]
pub struct Delivery {
    pub id: i64,
    /// The outbox event (`null` for a ping).
    pub event_id: Option<i64>,
    /// The event's name, e.g. `article.published`.
    pub event: String,
    /// `pending`, `delivered` or `failed`.
    pub status: String,
    pub attempts: Vec<Attempt>,
    /// When the next attempt is due, while pending.
    pub next_attempt_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    pub finished_at: Option<DateTime<Utc>>,
    /// The body posted.
    pub payload: serde_json::Value,
}

impl Delivery {
    pub fn new(row: DeliveryRow, attempts: Vec<AttemptRow>) -> Self {
        Self {
            id: row.id,
            event_id: row.event_id,
            event: row.event_name,
            next_attempt_at: (row.status == PENDING).then(|| row.next_attempt_at.and_utc()),
            status: row.status,
            attempts: attempts.into_iter().map(Attempt::from).collect(),
            created_at: row.created_at.and_utc(),
            finished_at: row.finished_at.map(|t| t.and_utc()),
            payload: serde_json::from_str(&row.payload).unwrap_or(serde_json::Value::Null),
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct DeliveryResponse {
    pub data: Delivery,
}

/// Where a delivery stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum DeliveryStatus {
    Pending,
    Delivered,
    Failed,
}

impl DeliveryStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            DeliveryStatus::Pending => PENDING,
            DeliveryStatus::Delivered => DELIVERED,
            DeliveryStatus::Failed => FAILED,
        }
    }
}

/// Filter of the delivery log.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct DeliveryQuery {
    /// Only deliveries in this state.
    #[param(inline)]
    pub status: Option<DeliveryStatus>,
    /// Page, from 1 to 100000.
    #[param(minimum = 1, maximum = 100000)]
    pub page: Option<u32>,
    /// Items per page, 1 to 100 (default 20).
    #[param(minimum = 1, maximum = 100)]
    pub per_page: Option<u32>,
}

/// What one attempt came to.
#[derive(Debug, Clone)]
pub struct Outcome {
    pub status_code: Option<i32>,
    pub duration_ms: i64,
    pub error: Option<String>,
    pub response: Option<String>,
}

impl Outcome {
    /// Whether the endpoint accepted the event (a 2xx).
    pub fn succeeded(&self) -> bool {
        self.status_code
            .is_some_and(|code| (200..300).contains(&code))
    }
}
