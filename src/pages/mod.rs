//! Static pages (imprint, privacy, about…): translated like articles, with a key templates
//! look them up by and a parent for simple hierarchies; revisions shared with articles.

pub mod model;
pub mod routes;
pub mod store;
