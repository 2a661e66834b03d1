//! Named menus (header, footer…): ordered item trees, two levels deep, whose items lead to a
//! category, article, tag, author or an outside address, resolved in the served locale.

pub mod model;
pub mod routes;
pub mod store;
