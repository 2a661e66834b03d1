//! Who acts: an account or an anonymous visitor, with its role. Stores record the actor; the
//! principal extractor (`auth::principal`) resolves both from a token.

use crate::api_keys::scopes::Scope;
use crate::auth::roles::{Permission, Role};
use crate::domain::DomainError;

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

/// An authenticated caller.
#[derive(Clone, Debug)]
pub struct Principal {
    /// Account or visitor.
    pub actor: Actor,
    /// Current role.
    pub role: Role,
    /// The API key the request came with: it acts for the admin who made it, with only the
    /// permissions its scopes grant.
    pub key: Option<KeyGrant>,
}

/// An API key acting for its maker.
#[derive(Clone, Debug)]
pub struct KeyGrant {
    pub id: i64,
    pub scopes: Vec<Scope>,
}

impl Principal {
    /// Whether the principal's role allows `permission`, and, for an API key, its scopes.
    pub fn allows(&self, permission: Permission) -> bool {
        self.role.allows(permission)
            && self
                .key
                .as_ref()
                .is_none_or(|key| key.scopes.iter().any(|scope| scope.grants(permission)))
    }

    /// Refused unless the principal's role (and an API key's scopes) allow `permission`.
    pub fn require(&self, permission: Permission) -> Result<(), DomainError> {
        if self.allows(permission) {
            Ok(())
        } else {
            Err(DomainError::Forbidden(
                "Your role does not allow this action.".into(),
            ))
        }
    }

    /// The account id, when the principal is an account.
    pub fn user_id(&self) -> Option<i64> {
        match self.actor {
            Actor::User(id) => Some(id),
            Actor::Visitor(_) => None,
        }
    }
}

impl std::fmt::Display for Actor {
    /// `user:5` or `visitor:9`: the actor as a key.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Actor::User(id) => write!(f, "user:{id}"),
            Actor::Visitor(id) => write!(f, "visitor:{id}"),
        }
    }
}
