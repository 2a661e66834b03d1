//! Categories: a tree (parent, position) with a name, slug and description per locale. Editors
//! manage them under `/api/v1/admin/categories`; the delivery API serves the tree with
//! breadcrumbs and article counts.

pub mod model;
pub mod routes;
pub mod store;
