//! Site settings endpoints: management under `/admin/site`, delivery under `/site`.

pub mod admin;
pub mod public;
