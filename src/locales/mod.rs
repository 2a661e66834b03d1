//! Site locales: the languages content is written and served in. One is the site default, the
//! last step of every fallback chain.

pub mod model;
pub mod routes;
pub mod store;
