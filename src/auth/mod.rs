//! Authentication and authorisation: password hashing, tokens, the principal extractor, roles,
//! rate limits, and the `/api/v1/auth` endpoints.

pub mod actor;
pub mod passwords;
pub mod principal;
pub mod rate_limit;
pub mod roles;
pub mod routes;
pub mod store;
pub mod tokens;
