//! Events and the change feed's entries.

use chrono::{DateTime, NaiveDateTime, Utc};
use diesel::{Queryable, Selectable};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

/// Every event a webhook can subscribe to. Articles and pages have one event per site locale
/// they are served in; the others name the resource alone.
pub const EVENT_NAMES: [&str; 22] = [
    ARTICLE_PUBLISHED,
    ARTICLE_UPDATED,
    ARTICLE_UNPUBLISHED,
    ARTICLE_DELETED,
    PAGE_PUBLISHED,
    PAGE_UPDATED,
    PAGE_UNPUBLISHED,
    PAGE_DELETED,
    "category.created",
    "category.updated",
    "category.deleted",
    "tag.created",
    "tag.updated",
    "tag.deleted",
    "author.created",
    "author.updated",
    "author.deleted",
    COMMENT_CREATED,
    COMMENT_APPROVED,
    MEDIA_CREATED,
    MEDIA_UPDATED,
    MEDIA_DELETED,
];

pub const ARTICLE_PUBLISHED: &str = "article.published";
pub const ARTICLE_UPDATED: &str = "article.updated";
pub const ARTICLE_UNPUBLISHED: &str = "article.unpublished";
pub const ARTICLE_DELETED: &str = "article.deleted";
pub const PAGE_PUBLISHED: &str = "page.published";
pub const PAGE_UPDATED: &str = "page.updated";
pub const PAGE_UNPUBLISHED: &str = "page.unpublished";
pub const PAGE_DELETED: &str = "page.deleted";
pub const COMMENT_CREATED: &str = "comment.created";
pub const COMMENT_APPROVED: &str = "comment.approved";
pub const MEDIA_CREATED: &str = "media.created";
pub const MEDIA_UPDATED: &str = "media.updated";
pub const MEDIA_DELETED: &str = "media.deleted";

/// The event sent to test an endpoint; never in the outbox.
pub const PING: &str = "ping";

/// What an event does to what the change feed lists.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Action {
    /// Visible now, new or changed: fetch it again.
    Upsert,
    /// No longer visible (deleted or unpublished): forget it.
    Delete,
    /// Not a change of delivered content (a comment awaiting moderation).
    None,
}

impl Action {
    pub fn as_str(self) -> &'static str {
        match self {
            Action::Upsert => "upsert",
            Action::Delete => "delete",
            Action::None => "none",
        }
    }
}

/// A resource the change feed follows.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Resource {
    Article,
    Page,
    Category,
    Tag,
    Author,
    Media,
    Comment,
}

impl Resource {
    /// Every resource the change feed follows (comments are webhook events only).
    pub const FEED: [Resource; 6] = [
        Resource::Article,
        Resource::Page,
        Resource::Category,
        Resource::Tag,
        Resource::Author,
        Resource::Media,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Resource::Article => "article",
            Resource::Page => "page",
            Resource::Category => "category",
            Resource::Tag => "tag",
            Resource::Author => "author",
            Resource::Media => "media",
            Resource::Comment => "comment",
        }
    }

    /// The resource named in a `types` list: singular or plural.
    pub fn parse(name: &str) -> Option<Self> {
        let name = name.trim();
        let singular = match name {
            "categories" => "category",
            other => other.strip_suffix('s').unwrap_or(other),
        };
        Self::FEED
            .into_iter()
            .find(|r| r.as_str() == name || r.as_str() == singular)
    }

    /// The event named `{resource}.{what}`.
    pub fn event(self, what: &str) -> String {
        format!("{}.{what}", self.as_str())
    }
}

/// An event to record.
#[derive(Clone, Debug)]
pub struct NewEvent {
    pub name: String,
    pub resource: Resource,
    pub resource_id: i64,
    /// The site locale, for articles and pages.
    pub locale: Option<String>,
    pub action: Action,
    /// What the event carries besides its name, as sent in `data`.
    pub data: serde_json::Value,
}

impl NewEvent {
    /// An event of `resource` `id` in no particular locale, carrying `{id}` and `extra`'s fields.
    pub fn of(
        name: impl Into<String>,
        resource: Resource,
        id: i64,
        action: Action,
        extra: serde_json::Value,
    ) -> Self {
        let mut data = serde_json::json!({ "id": id });
        if let (Some(object), serde_json::Value::Object(extra)) = (data.as_object_mut(), extra) {
            object.extend(extra);
        }
        Self {
            name: name.into(),
            resource,
            resource_id: id,
            locale: None,
            action,
            data,
        }
    }

    /// The same event in `locale` (also named in its data).
    pub fn in_locale(mut self, locale: &str) -> Self {
        if let Some(object) = self.data.as_object_mut() {
            object.insert("locale".into(), locale.into());
        }
        self.locale = Some(locale.to_owned());
        self
    }
}

/// An event as stored.
#[derive(Clone, Debug, Queryable, Selectable)]
#[diesel(table_name = crate::db::schema::events)]
pub struct EventRow {
    pub id: i64,
    pub name: String,
    pub resource: String,
    pub resource_id: i64,
    pub locale: Option<String>,
    pub action: String,
    pub data: String,
    pub created_at: NaiveDateTime,
}

impl EventRow {
    /// The body a webhook endpoint receives (Standard Webhooks: `type`, `timestamp`, `data`).
    pub fn payload(&self) -> String {
        let data: serde_json::Value =
            serde_json::from_str(&self.data).unwrap_or(serde_json::Value::Null);
        serde_json::json!({
            "type": self.name,
            "timestamp": self.created_at.and_utc(),
            "data": data,
        })
        .to_string()
    }

    /// What deliveries of this event must follow, in order, for one endpoint.
    pub fn subject(&self) -> String {
        format!("{}:{}", self.resource, self.resource_id)
    }
}

/// One entry of the change feed.
#[derive(Debug, Serialize, ToSchema)]
pub struct Change {
    /// `article`, `page`, `category`, `tag`, `author` or `media`.
    #[serde(rename = "type")]
    pub kind: String,
    pub id: i64,
    /// The site locale the change is in (articles and pages); `null` for the others, whose
    /// every translation is affected.
    pub locale: Option<String>,
    pub action: Action,
    /// `true` on tombstones (`action: delete`): the resource is no longer visible here.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub deleted: bool,
    /// The event's position: the cursor to continue after it.
    pub version: i64,
    /// When the change was committed.
    pub at: DateTime<Utc>,
}

impl From<EventRow> for Change {
    fn from(row: EventRow) -> Self {
        let action = if row.action == Action::Delete.as_str() {
            Action::Delete
        } else {
            Action::Upsert
        };
        Self {
            kind: row.resource,
            id: row.resource_id,
            locale: row.locale,
            action,
            deleted: action == Action::Delete,
            version: row.id,
            at: row.created_at.and_utc(),
        }
    }
}

/// Query of the change feed.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ChangesQuery {
    /// The cursor from the previous call's `meta.next_cursor`; from the start without it.
    #[param(pattern = "^[0-9]{0,18}$")]
    pub since: Option<String>,
    /// Only changes in this site locale (and those in none, such as a tag's).
    pub locale: Option<String>,
    /// Comma list of `articles`, `pages`, `categories`, `tags`, `authors`, `media`.
    #[param(
        pattern = "^( *(articles?|pages?|categor(y|ies)|tags?|authors?|media)( *, *(articles?|pages?|categor(y|ies)|tags?|authors?|media))* *)?$"
    )]
    pub types: Option<String>,
    /// Changes per call (default 100, at most 1000).
    #[param(minimum = 1, maximum = 1000)]
    pub limit: Option<i64>,
}
