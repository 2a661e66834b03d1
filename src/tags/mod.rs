//! Tags: translated name and slug per locale. Editors manage them under `/api/v1/admin/tags`;
//! the delivery API lists them with article counts.

pub mod model;
pub mod routes;
pub mod store;
