//! Articles: the locale-independent part (category, bylines, tags, status, publish time) and
//! one translation per locale, each with its own status, slug and version.

pub mod admin;
pub mod delivery;
pub mod editing;
pub mod model;
pub mod public;
pub mod store;
pub mod visibility;
