//! Audit entries: rows, the filter, and entries as admins see them.

use chrono::{DateTime, NaiveDateTime, Utc};
use diesel::{Queryable, Selectable};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

/// A stored entry.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = crate::db::schema::audit_log)]
pub struct AuditRow {
    pub id: i64,
    pub at: NaiveDateTime,
    pub actor: String,
    pub user_id: Option<i64>,
    pub api_key_id: Option<i64>,
    pub action: String,
    pub resource: String,
    pub resource_id: Option<String>,
    pub request_id: String,
    /// Comma-separated field names.
    pub fields: String,
}

/// One management write.
#[derive(Debug, Serialize, ToSchema)]
pub struct AuditEntry {
    pub id: i64,
    pub at: DateTime<Utc>,
    /// `user:{id}`, or `api_key:{id}` for a write made with an API key.
    pub actor: String,
    /// The account (for a key: the admin who made it).
    pub user_id: Option<i64>,
    pub api_key_id: Option<i64>,
    /// The method and route, e.g. `PATCH /api/v1/admin/articles/{id}`.
    pub action: String,
    /// What was written: `articles`, `pages`, `users`, `webhooks`…
    pub resource: String,
    /// Its id (key, code or name), when the route names one or the write made one.
    pub resource_id: Option<String>,
    /// The request's `X-Request-Id`, as the server's logs show it.
    pub request_id: String,
    /// The names of the fields the request set (top-level fields of its JSON body).
    pub fields: Vec<String>,
}

impl From<AuditRow> for AuditEntry {
    fn from(row: AuditRow) -> Self {
        Self {
            id: row.id,
            at: row.at.and_utc(),
            actor: row.actor,
            user_id: row.user_id,
            api_key_id: row.api_key_id,
            action: row.action,
            resource: row.resource,
            resource_id: row.resource_id,
            request_id: row.request_id,
            fields: row
                .fields
                .split(',')
                .filter(|f| !f.is_empty())
                .map(str::to_owned)
                .collect(),
        }
    }
}

/// Filter of the audit log.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct AuditQuery {
    /// `user:{id}` or `api_key:{id}`.
    #[param(pattern = "^(user|api_key):[0-9]{1,18}$")]
    pub actor: Option<String>,
    /// The resource, e.g. `articles`.
    pub resource: Option<String>,
    /// The resource's id (best with `resource`: ids repeat across resources).
    pub id: Option<String>,
    /// Entries at or after this time.
    pub since: Option<DateTime<Utc>>,
    /// Entries before this time.
    pub until: Option<DateTime<Utc>>,
    /// Page, from 1 to 100000.
    #[param(minimum = 1, maximum = 100000)]
    pub page: Option<u32>,
    /// Items per page, 1 to 100 (default 20).
    #[param(minimum = 1, maximum = 100)]
    pub per_page: Option<u32>,
}

/// An entry to record.
#[derive(Debug, Clone)]
pub struct NewEntry {
    pub actor: String,
    pub user_id: Option<i64>,
    pub api_key_id: Option<i64>,
    pub action: String,
    pub resource: String,
    pub resource_id: Option<String>,
    pub request_id: String,
    pub fields: Vec<String>,
}
