//! What ties an audit entry to its write: a management write runs inside [`AUDIT`], which
//! the principal extractor tells who acts, the JSON body which fields it sets, and
//! `Database::write` records the entry in the request's first write transaction (the
//! `audit_writes` middleware opens it).

use std::sync::{Arc, Mutex};

use diesel::QueryResult;

use crate::audit::model::NewEntry;
use crate::audit::store;
use crate::auth::actor::Principal;
use crate::db::DbConnection;

tokio::task_local! {
    /// The management write being handled.
    pub static AUDIT: Arc<AuditContext>;
}

/// One management write, as far as it is known.
#[derive(Debug)]
pub struct AuditContext {
    action: String,
    resource: String,
    resource_id: Option<String>,
    request_id: String,
    known: Mutex<Known>,
}

/// What the handler tells as it goes.
#[derive(Debug, Default)]
struct Known {
    /// `(actor, user_id, api_key_id)`.
    actor: Option<(String, Option<i64>, Option<i64>)>,
    fields: Vec<String>,
    /// The entry, once recorded.
    entry: Option<i64>,
}

impl AuditContext {
    /// A write of `resource` (its id when the route names one) by `action` (method and
    /// route), in request `request_id`.
    pub fn new(
        action: String,
        resource: String,
        resource_id: Option<String>,
        request_id: String,
    ) -> Self {
        Self {
            action,
            resource,
            resource_id,
            request_id,
            known: Mutex::new(Known::default()),
        }
    }

    /// The entry recorded, if any, when the route named no resource id (a creation).
    pub fn unnamed_entry(&self) -> Option<i64> {
        self.known().entry.filter(|_| self.resource_id.is_none())
    }

    fn known(&self) -> std::sync::MutexGuard<'_, Known> {
        self.known.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Records the entry in the caller's transaction, once per request, when the actor is
    /// known.
    pub fn record(&self, conn: &mut DbConnection) -> QueryResult<()> {
        let entry = {
            let known = self.known();
            let Some((actor, user_id, api_key_id)) = known.actor.clone() else {
                return Ok(());
            };
            if known.entry.is_some() {
                return Ok(());
            }
            NewEntry {
                actor,
                user_id,
                api_key_id,
                action: self.action.clone(),
                resource: self.resource.clone(),
                resource_id: self.resource_id.clone(),
                request_id: self.request_id.clone(),
                fields: known.fields.clone(),
            }
        };
        let id = store::insert(conn, &entry)?;
        self.known().entry = Some(id);
        Ok(())
    }
}

/// The management write being handled, if any.
pub fn current() -> Option<Arc<AuditContext>> {
    AUDIT.try_with(Arc::clone).ok()
}

/// Tells the write being handled who makes it.
pub fn note_principal(principal: &Principal) {
    if let Some(context) = current() {
        let key = principal.key.as_ref().map(|key| key.id);
        let actor = match key {
            Some(key) => format!("api_key:{key}"),
            None => principal.actor.to_string(),
        };
        context.known().actor = Some((actor, principal.user_id(), key));
    }
}

/// Tells the write being handled the fields its JSON body sets.
pub fn note_body(bytes: &[u8]) {
    if let Some(context) = current()
        && let Ok(serde_json::Value::Object(fields)) = serde_json::from_slice(bytes)
    {
        context.known().fields = fields.keys().cloned().collect();
    }
}
