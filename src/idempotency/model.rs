//! An answer kept for an idempotency key.

use diesel::Queryable;

/// How long an answer is kept, in hours.
pub const KEPT_HOURS: i64 = 24;

/// The answer a write gave, kept under its key.
#[derive(Debug, Queryable)]
pub struct StoredAnswer {
    /// What the first request was (method, path and a digest of its body): the same key on
    /// another request is refused.
    pub request: String,
    pub status: i32,
    /// The JSON body of the answer.
    pub body: String,
}
