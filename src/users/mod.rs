//! User accounts: staff (admin, editor, author, contributor) and readers, managed by admins
//! under `/api/v1/admin/users`.

pub mod model;
pub mod routes;
pub mod store;
