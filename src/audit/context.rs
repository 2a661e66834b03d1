//! What ties an audit entry to its write: a management write runs inside [`AUDIT`], which
//! the principal extractor tells who acts, the JSON body which fields it sets, and
//! `Database::write` records the entry in the request's first write transaction.

use std::sync::{Arc, Mutex};

use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::{Method, StatusCode, header};
use actix_web::middleware::Next;
use actix_web::{HttpMessage, web};
use diesel::QueryResult;

use crate::app::AppState;
use crate::audit::model::NewEntry;
use crate::audit::store;
use crate::auth::actor::Principal;
use crate::db::DbConnection;

/// The id the request is logged under (set by the `observe` middleware).
#[derive(Clone, Debug)]
pub struct RequestId(pub String);

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

/// Runs management writes inside an [`AuditContext`]; after a creation (201), names the
/// resource it made (from `Location`) in the entry.
pub async fn audit_writes(
    request: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    let writes = !matches!(
        *request.method(),
        Method::GET | Method::HEAD | Method::OPTIONS
    );
    let pattern = request.match_pattern().unwrap_or_default();
    let Some(route) = pattern.strip_prefix("/api/v1/admin/").filter(|_| writes) else {
        return Ok(next.call(request).await?.map_into_boxed_body());
    };
    let resource = route.split('/').next().unwrap_or_default().to_owned();
    // The first path parameter names the resource written.
    let resource_id = pattern
        .split('/')
        .zip(request.path().split('/'))
        .find(|(part, _)| part.starts_with('{'))
        .map(|(_, value)| value.to_owned());
    let request_id = request
        .extensions()
        .get::<RequestId>()
        .map(|id| id.0.clone())
        .unwrap_or_default();
    let context = Arc::new(AuditContext {
        action: format!("{} {pattern}", request.method()),
        resource,
        resource_id,
        request_id,
        known: Mutex::new(Known::default()),
    });
    let state = request.app_data::<web::Data<AppState>>().cloned();
    let response = AUDIT
        .scope(Arc::clone(&context), next.call(request))
        .await?
        .map_into_boxed_body();
    let entry = context.known().entry;
    if let (Some(entry), Some(state), None, StatusCode::CREATED) =
        (entry, state, &context.resource_id, response.status())
        && let Some(made) = response
            .headers()
            .get(header::LOCATION)
            .and_then(|value| value.to_str().ok())
            .and_then(|location| location.rsplit('/').next())
            .map(str::to_owned)
    {
        let named = state
            .db
            .run(move |conn| Ok(store::set_resource_id(conn, entry, &made)?))
            .await;
        if let Err(error) = named {
            tracing::warn!(%error, entry, "could not name the resource of an audit entry");
        }
    }
    Ok(response)
}
