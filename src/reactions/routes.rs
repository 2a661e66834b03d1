//! Reaction endpoints: kinds and readers' reactions under `/reaction-kinds` and
//! `/articles/{key}/reactions`, and the kinds' management under `/admin/reaction-kinds`.

pub mod admin;
pub mod public;
