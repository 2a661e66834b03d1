//! Authors: byline identities (name, slug, per-locale bio, avatar, links), optionally linked
//! to an account. Public author JSON never carries the account or its email.

pub mod model;
pub mod routes;
pub mod store;
