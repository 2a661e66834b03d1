//! API keys for machine clients (a static-site builder, an app's back-end, an import script):
//! made by admins with scopes, shown once, stored as a hash, sent as `Authorization: Bearer
//! nk_…`. A key acts only within its scopes (see [`scopes`]), whatever its maker may do.

pub mod model;
pub mod routes;
pub mod scopes;
pub mod store;
