//! Full-text search over what the public may see (articles, pages, tags, authors) in each
//! site locale, with the same analysed terms indexed on SQLite (FTS5) and PostgreSQL
//! (`tsvector`); the editors' article list searches drafts with it too.

pub mod index;
pub mod model;
pub mod routes;
pub mod store;
