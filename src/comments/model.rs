//! Comment rows, requests and responses.

use chrono::{DateTime, NaiveDateTime, Utc};
use diesel::{Insertable, Queryable, QueryableByName, Selectable};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::auth::actor::Actor;
use crate::html::text_to_html;

/// Longest comment, in characters after trimming.
pub const MAX_BODY_CHARS: usize = 5000;

/// Longest visitor name.
pub const MAX_AUTHOR_NAME_CHARS: usize = 80;

/// Longest report note or ban reason.
pub const MAX_NOTE_CHARS: usize = 1000;

/// Most comments one bulk decision may name.
pub const MAX_BULK_IDS: usize = 100;

/// A comment's moderation status.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum CommentStatus {
    /// Waiting for a moderator.
    Pending,
    /// Public.
    Approved,
    /// Refused by a moderator.
    Rejected,
    /// Marked as spam.
    Spam,
}

impl CommentStatus {
    /// The status as stored.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Pending => "pending",
            Self::Approved => "approved",
            Self::Rejected => "rejected",
            Self::Spam => "spam",
        }
    }

    /// Parses a stored status.
    pub fn parse(text: &str) -> Self {
        match text {
            "approved" => Self::Approved,
            "rejected" => Self::Rejected,
            "spam" => Self::Spam,
            _ => Self::Pending,
        }
    }
}

/// Who wrote a comment.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum AuthorKind {
    /// A reader account.
    Reader,
    /// A newsroom account (contributor, author, editor, admin).
    Staff,
    /// An anonymous visitor.
    Visitor,
}

impl AuthorKind {
    /// The kind as stored.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Reader => "reader",
            Self::Staff => "staff",
            Self::Visitor => "visitor",
        }
    }

    /// Parses a stored kind.
    pub fn parse(text: &str) -> Self {
        match text {
            "staff" => Self::Staff,
            "visitor" => Self::Visitor,
            _ => Self::Reader,
        }
    }
}

/// A stored comment.
#[derive(Debug, Clone, Queryable, QueryableByName, Selectable)]
#[diesel(table_name = crate::db::schema::comments)]
pub struct CommentRow {
    pub id: i64,
    pub article_id: i64,
    /// The comment replied to.
    pub parent_id: Option<i64>,
    /// The thread's top-level comment (for replies).
    pub root_id: Option<i64>,
    /// 1 for top-level comments.
    pub depth: i32,
    /// The author's account.
    pub user_id: Option<i64>,
    /// The author, when a visitor.
    pub visitor_id: Option<i64>,
    /// Name shown.
    pub author_name: String,
    /// `reader`, `staff` or `visitor`.
    pub author_kind: String,
    /// The text as written (trimmed); `None` once deleted.
    pub body: Option<String>,
    /// Moderation status.
    pub status: String,
    /// Reports since the last moderation decision.
    pub report_count: i32,
    /// When its author deleted it.
    pub deleted_at: Option<NaiveDateTime>,
    /// Approved, and so is every comment above it: what readers see.
    pub visible: bool,
    /// Edit version.
    pub version: i64,
    /// When written.
    pub created_at: NaiveDateTime,
}

/// A new comment.
#[derive(Insertable)]
#[diesel(table_name = crate::db::schema::comments)]
pub struct NewComment {
    pub article_id: i64,
    /// The comment replied to.
    pub parent_id: Option<i64>,
    /// The thread's top-level comment.
    pub root_id: Option<i64>,
    /// Level in the thread.
    pub depth: i32,
    /// The author's account.
    pub user_id: Option<i64>,
    /// The author, when a visitor.
    pub visitor_id: Option<i64>,
    /// Name shown.
    pub author_name: String,
    pub author_kind: &'static str,
    /// Text.
    pub body: Option<String>,
    pub status: &'static str,
    /// Whether readers see it.
    pub visible: bool,
    /// When written.
    pub created_at: NaiveDateTime,
}

/// A stored ban.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = crate::db::schema::comment_bans)]
pub struct BanRow {
    pub id: i64,
    /// The banned account.
    pub user_id: Option<i64>,
    /// The banned visitor.
    pub visitor_id: Option<i64>,
    /// The banned client IP or network (CIDR).
    pub network: Option<String>,
    pub reason: Option<String>,
    /// The moderator.
    pub created_by: Option<i64>,
    pub created_at: NaiveDateTime,
    /// When the ban ends; `None` for good.
    pub expires_at: Option<NaiveDateTime>,
}

/// Who wrote a comment, as readers see it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CommentAuthor {
    /// Display name, exactly as chosen (plain text: escape it where it goes into HTML).
    pub name: String,
    /// `reader`, `staff` or `visitor`.
    pub kind: AuthorKind,
}

impl CommentAuthor {
    fn of(row: &CommentRow) -> Self {
        Self {
            name: row.author_name.clone(),
            kind: AuthorKind::parse(&row.author_kind),
        }
    }
}

/// A public comment and its public replies.
#[derive(Debug, Serialize, ToSchema)]
pub struct Comment {
    pub id: i64,
    /// The comment this one replies to.
    pub parent_id: Option<i64>,
    /// Who wrote it.
    pub author: CommentAuthor,
    /// The plain text exactly as typed (JSON is not HTML: escape it where it goes into a page,
    /// or use `body_html`). `null` once deleted.
    #[schema(example = "Thank you for this interview & the translation.")]
    pub body: Option<String>,
    /// The text rendered as safe HTML: escaped, in paragraphs, line breaks kept, web addresses
    /// linked with `rel="nofollow ugc noopener"`. `null` once deleted.
    #[schema(example = "<p>Thank you for this interview &amp; the translation.</p>")]
    pub body_html: Option<String>,
    /// When written (UTC).
    pub created_at: DateTime<Utc>,
    /// Deleted by its author; kept so the replies keep their place.
    pub deleted: bool,
    /// On top-level comments in a thread list: how many public replies the thread has in all
    /// (`replies` nests at most `COMMENT_REPLIES_PER_THREAD` of them; the rest are at
    /// `GET /comments/{id}/replies`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reply_count: Option<i64>,
    /// Only with the author's own token: `true` on their comments.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub mine: bool,
    /// Only on the caller's own comments: `approved`, or `pending` while it waits for a
    /// moderator (a pending comment is shown to its author alone).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status: Option<CommentStatus>,
    /// Public replies (and the caller's own pending ones), oldest first.
    #[schema(no_recursion)]
    pub replies: Vec<Comment>,
}

impl Comment {
    /// The public view of `row`, with `replies`.
    pub fn new(row: &CommentRow, replies: Vec<Comment>) -> Self {
        Self {
            id: row.id,
            parent_id: row.parent_id,
            author: CommentAuthor::of(row),
            body: public_body(row),
            body_html: public_body(row).as_deref().map(text_to_html),
            created_at: row.created_at.and_utc(),
            deleted: row.deleted_at.is_some(),
            reply_count: None,
            mine: false,
            status: None,
            replies,
        }
    }

    /// Marks the comment as the viewer's own when they wrote `row`.
    pub fn seen_by(self, row: &CommentRow, viewer: Option<Actor>) -> Self {
        if viewer.is_none_or(|actor| actor.columns() != (row.user_id, row.visitor_id)) {
            return self;
        }
        Self {
            mine: true,
            status: Some(CommentStatus::parse(&row.status)),
            ..self
        }
    }
}

fn public_body(row: &CommentRow) -> Option<String> {
    row.body.clone().filter(|_| row.deleted_at.is_none())
}

/// A comment as its author sees it right after writing it.
#[derive(Debug, Serialize, ToSchema)]
pub struct PostedComment {
    pub id: i64,
    pub article_id: i64,
    /// The comment replied to.
    pub parent_id: Option<i64>,
    /// Who wrote it.
    pub author: CommentAuthor,
    /// The text exactly as typed.
    pub body: Option<String>,
    /// The text as safe HTML (see the public comment's `body_html`).
    pub body_html: Option<String>,
    /// `approved`, or `pending` while it waits for a moderator.
    pub status: CommentStatus,
    /// When written (UTC).
    pub created_at: DateTime<Utc>,
}

impl PostedComment {
    /// The author's view of `row`.
    pub fn new(row: &CommentRow) -> Self {
        Self {
            id: row.id,
            article_id: row.article_id,
            parent_id: row.parent_id,
            author: CommentAuthor::of(row),
            body: public_body(row),
            body_html: public_body(row).as_deref().map(text_to_html),
            status: CommentStatus::parse(&row.status),
            created_at: row.created_at.and_utc(),
        }
    }
}

/// A comment just written.
#[derive(Debug, Serialize, ToSchema)]
pub struct PostedCommentResponse {
    /// The comment.
    pub data: PostedComment,
}

/// Orders of a thread list.
#[derive(Clone, Copy, Debug, Default, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum CommentSort {
    /// Oldest first (the default).
    #[default]
    Oldest,
    /// Newest first.
    Newest,
}

/// Why a comment is reported.
#[derive(Clone, Copy, Debug, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ReportReason {
    /// Advertising or scams.
    Spam,
    /// Insults, harassment, hate.
    Abuse,
    /// Not about the article.
    OffTopic,
    /// Something else (say what in `note`).
    Other,
}

impl ReportReason {
    /// The reason as stored.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Spam => "spam",
            Self::Abuse => "abuse",
            Self::OffTopic => "off_topic",
            Self::Other => "other",
        }
    }
}

/// Who wrote a comment, as moderators see it.
#[derive(Debug, Serialize, ToSchema)]
pub struct AdminCommentAuthor {
    /// Display name (HTML-escaped).
    pub name: String,
    /// `reader`, `staff` or `visitor`.
    pub kind: AuthorKind,
    /// The account, when one wrote it.
    pub user_id: Option<i64>,
    /// The visitor, when one wrote it.
    pub visitor_id: Option<i64>,
}

/// A comment as moderators see it.
#[derive(Debug, Serialize, ToSchema)]
pub struct AdminComment {
    pub id: i64,
    pub article_id: i64,
    /// The comment replied to.
    pub parent_id: Option<i64>,
    /// Level in its thread, 1 at the top.
    pub depth: i32,
    /// Who wrote it.
    pub author: AdminCommentAuthor,
    /// The text exactly as typed; `null` once deleted.
    pub body: Option<String>,
    /// The text as safe HTML (see the public comment's `body_html`).
    pub body_html: Option<String>,
    /// Moderation status.
    pub status: CommentStatus,
    /// Deleted by its author.
    pub deleted: bool,
    /// Reports since the last moderation decision.
    pub report_count: i32,
    /// Whether readers see it: approved, and so is every comment above it in the thread.
    pub visible: bool,
    /// When written (UTC).
    pub created_at: DateTime<Utc>,
    /// Edit version, the `ETag` for `If-Match`.
    pub version: i64,
}

impl AdminComment {
    /// The moderator's view of `row`.
    pub fn new(row: &CommentRow) -> Self {
        Self {
            id: row.id,
            article_id: row.article_id,
            parent_id: row.parent_id,
            depth: row.depth,
            author: AdminCommentAuthor {
                name: row.author_name.clone(),
                kind: AuthorKind::parse(&row.author_kind),
                user_id: row.user_id,
                visitor_id: row.visitor_id,
            },
            body: row.body.clone(),
            body_html: row.body.as_deref().map(text_to_html),
            status: CommentStatus::parse(&row.status),
            deleted: row.deleted_at.is_some(),
            report_count: row.report_count,
            visible: row.visible,
            created_at: row.created_at.and_utc(),
            version: row.version,
        }
    }
}

/// One comment, as moderators see it.
#[derive(Debug, Serialize, ToSchema)]
pub struct AdminCommentResponse {
    /// The comment.
    pub data: AdminComment,
}

/// Comments after a bulk decision.
#[derive(Debug, Serialize, ToSchema)]
pub struct AdminComments {
    /// The comments, in the order named.
    pub data: Vec<AdminComment>,
}

/// A ban from commenting, reporting and reacting, on exactly one of an account, a visitor or a
/// client IP or network.
#[derive(Debug, Serialize, ToSchema)]
pub struct Ban {
    pub id: i64,
    /// The banned account.
    pub user_id: Option<i64>,
    /// The banned visitor.
    pub visitor_id: Option<i64>,
    /// The banned client IP or network, as CIDR (`203.0.113.0/24`).
    pub network: Option<String>,
    pub reason: Option<String>,
    /// The moderator who banned.
    pub created_by: Option<i64>,
    pub created_at: DateTime<Utc>,
    /// When the ban ends (UTC); `null` for good.
    pub expires_at: Option<DateTime<Utc>>,
}

impl From<BanRow> for Ban {
    fn from(row: BanRow) -> Self {
        Self {
            id: row.id,
            user_id: row.user_id,
            visitor_id: row.visitor_id,
            network: row.network,
            reason: row.reason,
            created_by: row.created_by,
            created_at: row.created_at.and_utc(),
            expires_at: row.expires_at.map(|at| at.and_utc()),
        }
    }
}

/// Who a ban names.
#[derive(Clone, Debug)]
pub enum BanTarget {
    Actor(Actor),
    /// A client IP or network, as CIDR.
    Network(String),
}

/// One ban.
#[derive(Debug, Serialize, ToSchema)]
pub struct BanResponse {
    /// The ban.
    pub data: Ban,
}
