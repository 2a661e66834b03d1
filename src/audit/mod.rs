//! The audit log: every management write (a POST, PUT, PATCH or DELETE under
//! `/api/v1/admin`) records who made it (the account, and the API key when one was used), the
//! action, the resource and its id, the request id, the time and the names of the fields the
//! request set, in the write's own transaction, so a write that rolls back leaves no entry and
//! one that commits always has one. Entries older than `AUDIT_RETENTION_DAYS` are pruned.

pub mod context;
pub mod model;
pub mod retention;
pub mod routes;
pub mod store;
