//! Articles: the locale-independent part (category, bylines, tags, status, publish time) and
//! one translation per locale, each with its own status, slug and version.

pub mod model;
pub mod read_model;
pub mod routes;
pub mod schedule;
pub mod store;
