//! Reaction kinds and reactions: rows, requests and responses.

use std::collections::BTreeMap;

use chrono::{DateTime, NaiveDateTime, Utc};
use diesel::{Insertable, Queryable, Selectable};
use serde::Serialize;
use utoipa::ToSchema;

/// Longest label.
pub const MAX_LABEL_CHARS: usize = 40;

/// Longest emoji text.
pub const MAX_EMOJI_CHARS: usize = 16;

/// Each active kind's count on one article, by kind key (zeros included).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, ToSchema)]
#[serde(transparent)]
#[schema(example = json!({"love": 3, "applause": 1, "funny": 0, "amazing": 0, "sad": 0, "angry": 0}))]
pub struct ReactionCounts(pub BTreeMap<String, i64>);

impl std::ops::Deref for ReactionCounts {
    type Target = BTreeMap<String, i64>;

    fn deref(&self) -> &Self::Target {
        &self.0
    }
}

impl std::ops::DerefMut for ReactionCounts {
    fn deref_mut(&mut self) -> &mut Self::Target {
        &mut self.0
    }
}

impl FromIterator<(String, i64)> for ReactionCounts {
    fn from_iter<I: IntoIterator<Item = (String, i64)>>(iter: I) -> Self {
        Self(iter.into_iter().collect())
    }
}

/// A stored reaction kind.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = crate::db::schema::reaction_kinds)]
pub struct KindRow {
    pub id: i64,
    /// Key, such as `love`.
    pub kind_key: String,
    pub emoji: String,
    /// Order among the kinds.
    pub position: i32,
    /// When it was retired.
    pub retired_at: Option<NaiveDateTime>,
    /// Edit version.
    pub version: i64,
    /// Creation time.
    pub created_at: NaiveDateTime,
    /// Last change.
    pub updated_at: NaiveDateTime,
}

/// A stored label.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = crate::db::schema::reaction_kind_labels)]
pub struct LabelRow {
    pub kind_id: i64,
    /// Locale code.
    pub locale: String,
    pub label: String,
}

/// A new reaction kind.
#[derive(Insertable)]
#[diesel(table_name = crate::db::schema::reaction_kinds)]
pub struct NewKind<'a> {
    pub kind_key: &'a str,
    pub emoji: &'a str,
    /// Place in the reaction bar, from 1.
    pub position: i32,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

/// A new reaction.
#[derive(Insertable)]
#[diesel(table_name = crate::db::schema::reactions)]
pub struct NewReaction {
    pub article_id: i64,
    /// Set for an account's reaction; exactly one of `user_id` and `visitor_id` is.
    pub user_id: Option<i64>,
    /// Set for a visitor's reaction.
    pub visitor_id: Option<i64>,
    pub kind_id: i64,
    pub created_at: NaiveDateTime,
    /// When the kind last changed.
    pub updated_at: NaiveDateTime,
}

/// A reaction kind as readers see it.
#[derive(Debug, Serialize, ToSchema)]
pub struct ReactionKind {
    /// Key, used in `counts` and when reacting.
    #[schema(example = "love")]
    pub key: String,
    /// Label in the served locale.
    #[schema(example = "SEVDİM")]
    pub label: String,
    #[schema(example = "❤️")]
    pub emoji: String,
    /// Order, smallest first.
    pub position: i32,
}

/// The active reaction kinds.
#[derive(Debug, Serialize, ToSchema)]
pub struct ReactionKindList {
    /// Kinds in display order.
    pub data: Vec<ReactionKind>,
}

/// A reaction kind as admins see it.
#[derive(Debug, Serialize, ToSchema)]
pub struct AdminReactionKind {
    pub key: String,
    pub emoji: String,
    /// Order, smallest first.
    pub position: i32,
    /// Labels by locale code.
    #[schema(example = json!({"tr": "SEVDİM", "fr": "J'ADORE", "en": "LOVE"}))]
    pub labels: BTreeMap<String, String>,
    /// Retired: hidden from readers and not choosable; its reactions are kept.
    pub retired: bool,
    /// Reactions of this kind ever given and still stored.
    pub reaction_count: i64,
    /// Edit version.
    pub version: i64,
    /// Creation time (UTC).
    pub created_at: DateTime<Utc>,
    /// Last change (UTC).
    pub updated_at: DateTime<Utc>,
}

/// Every reaction kind, retired ones included.
#[derive(Debug, Serialize, ToSchema)]
pub struct AdminReactionKindList {
    /// Kinds in display order.
    pub data: Vec<AdminReactionKind>,
}

/// One reaction kind.
#[derive(Debug, Serialize, ToSchema)]
pub struct AdminReactionKindResponse {
    /// The kind.
    pub data: AdminReactionKind,
}

/// The reactions to an article.
#[derive(Debug, Serialize, ToSchema)]
pub struct Reactions {
    /// Count of every active kind, by key.
    #[schema(example = json!({"love": 3, "applause": 1, "funny": 0, "amazing": 0, "sad": 0, "angry": 0}))]
    pub counts: ReactionCounts,
    /// Sum of `counts`.
    pub total: i64,
    /// The caller's reaction (an active kind's key), or `null`.
    #[schema(example = "love")]
    pub mine: Option<String>,
}

/// The reactions to an article.
#[derive(Debug, Serialize, ToSchema)]
pub struct ReactionsResponse {
    /// Counts and the caller's own.
    pub data: Reactions,
}
