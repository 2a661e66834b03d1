//! Draft previews: a token an editor shares so a front-end can show one article's or page's
//! translation as it stands, in the delivery shape, before it is published.

pub mod model;
pub mod routes;
pub mod store;
