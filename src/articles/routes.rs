//! Article endpoints: management under `/admin/articles`, delivery under `/articles` and
//! `/archive`.

pub mod admin;
pub mod public;
