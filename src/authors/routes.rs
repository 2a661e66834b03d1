//! Author endpoints: management under `/admin/authors`, delivery under `/authors`.

pub mod admin;
pub mod public;
