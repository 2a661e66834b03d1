//! API key rows, the request that makes one, and keys as admins see them.

use chrono::{DateTime, NaiveDateTime, Utc};
use diesel::{Queryable, Selectable};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::api_keys::scopes::Scope;
use crate::domain::{FieldError, Lines, check_text};

/// What every key starts with.
pub const KEY_PREFIX: &str = "nk_";
/// Characters of a key shown in lists (after `nk_`), to tell keys apart.
pub const SHOWN_PREFIX: usize = 8;
/// Longest name.
pub const MAX_NAME_LENGTH: usize = 100;

/// A stored key.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = crate::db::schema::api_keys)]
pub struct ApiKeyRow {
    pub id: i64,
    pub name: String,
    pub prefix: String,
    pub key_hash: String,
    /// Comma-separated scopes.
    pub scopes: String,
    pub created_by: Option<i64>,
    pub created_at: NaiveDateTime,
    pub last_used_at: Option<NaiveDateTime>,
    pub expires_at: Option<NaiveDateTime>,
}

impl ApiKeyRow {
    pub fn scopes(&self) -> Vec<Scope> {
        self.scopes.split(',').filter_map(Scope::parse).collect()
    }
}

/// A key as admins see it (never the key itself).
#[derive(Debug, Serialize, ToSchema)]
pub struct ApiKey {
    pub id: i64,
    pub name: String,
    /// The key's first characters (`nk_` and 8 more), to tell it apart.
    pub prefix: String,
    pub scopes: Vec<Scope>,
    /// The admin who made it.
    pub created_by: Option<i64>,
    pub created_at: DateTime<Utc>,
    /// When it was last used (to the minute).
    pub last_used_at: Option<DateTime<Utc>>,
    /// When it stops working; `null`: never.
    pub expires_at: Option<DateTime<Utc>>,
}

impl From<ApiKeyRow> for ApiKey {
    fn from(row: ApiKeyRow) -> Self {
        Self {
            scopes: row.scopes(),
            id: row.id,
            name: row.name,
            prefix: row.prefix,
            created_by: row.created_by,
            created_at: row.created_at.and_utc(),
            last_used_at: row.last_used_at.map(|t| t.and_utc()),
            expires_at: row.expires_at.map(|t| t.and_utc()),
        }
    }
}

/// A key to make.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateApiKeyRequest {
    /// What it is for (1 to 100 characters).
    pub name: String,
    /// At least one of `content:read`, `content:write`, `media:write`, `comments:moderate`,
    /// `webhooks:manage`.
    pub scopes: Vec<Scope>,
    /// When it stops working (in the future); never without.
    pub expires_at: Option<DateTime<Utc>>,
}

impl CreateApiKeyRequest {
    /// What is wrong with it, field by field.
    pub fn errors(&self, now: DateTime<Utc>) -> Vec<FieldError> {
        let mut errors = Vec::new();
        errors.extend(check_text(
            &self.name,
            "name",
            Lines::One,
            1,
            MAX_NAME_LENGTH,
        ));
        if self.scopes.is_empty() {
            errors.push(FieldError::new("scopes", "must name at least one scope"));
        }
        if self.expires_at.is_some_and(|at| at <= now) {
            errors.push(FieldError::new("expires_at", "must be in the future"));
        }
        errors
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ApiKeyList {
    pub data: Vec<ApiKey>,
}

/// A key just made, with the key itself.
#[derive(Debug, Serialize, ToSchema)]
pub struct CreatedApiKey {
    #[serde(flatten)]
    pub api_key: ApiKey,
    /// The key: `Authorization: Bearer <key>`. Shown only now; only its hash is kept.
    pub key: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CreatedApiKeyResponse {
    pub data: CreatedApiKey,
}
