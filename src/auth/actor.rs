//! Who acts: an account or an anonymous visitor. Stores record it; the principal extractor
//! resolves it from a token.

/// Who the principal is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Actor {
    /// An account.
    User(i64),
    /// An anonymous visitor.
    Visitor(i64),
}

impl Actor {
    /// The `(user_id, visitor_id)` columns that name this actor in a row.
    pub fn columns(self) -> (Option<i64>, Option<i64>) {
        match self {
            Actor::User(id) => (Some(id), None),
            Actor::Visitor(id) => (None, Some(id)),
        }
    }
}
