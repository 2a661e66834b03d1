//! Tag endpoints: management under `/admin/tags`, delivery under `/tags`.

pub mod admin;
pub mod public;
