//! Comment endpoints: reading, writing and reporting under `/articles/{key}/comments` and
//! `/comments`, and moderation under `/admin/comments` and `/admin/comment-bans`.

pub mod admin;
pub mod public;
