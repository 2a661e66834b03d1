//! Reactions: configurable kinds (love, applause, …) with labels per locale, and one reaction
//! per article per reader or visitor. Admins manage the kinds under `/api/v1/admin/reaction-kinds`;
//! readers react under `/api/v1/articles/{key}/reactions`.
//!
//! Counts are computed from the reactions themselves (an index-only count per article), so they
//! are exact by construction: there is no counter to drift. The database's unique constraints
//! keep one reaction per actor, and a change of kind is one upsert on them.

pub mod model;
pub mod routes;
pub mod store;
