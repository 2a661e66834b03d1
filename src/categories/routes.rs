//! Category endpoints: management under `/admin/categories`, delivery under `/categories`.

pub mod admin;
pub mod public;
