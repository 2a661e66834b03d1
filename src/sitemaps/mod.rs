//! Sitemaps for search engines: an index, per-locale files of articles, categories, tags and
//! authors with hreflang alternates, and a Google News sitemap.

pub mod model;
pub mod routes;
pub mod store;
