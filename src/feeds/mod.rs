//! Feeds: the newest published articles of one locale (optionally of a category with those
//! below it, a tag or an author) as RSS 2.0, Atom 1.0 and JSON Feed 1.1, under
//! `/feeds/{locale}/…`, cached and purged like every public read.

pub mod model;
pub mod routes;
