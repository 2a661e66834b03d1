//! The outbox: every change the outside may hear of (an article published in a locale, a tag
//! renamed, a comment approved…), written as an event in the transaction that makes the change,
//! so no event exists for a change rolled back and none is missing for one committed. Webhooks
//! deliver them; the change feed (`GET /api/v1/changes`) serves them to apps that sync.

pub mod model;
pub mod routes;
pub mod store;
