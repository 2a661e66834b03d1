//! Reads of articles, for the most-read lists: each reader counted once per article per hour,
//! added up in memory and written in batches per article and hour (no write per read).

pub mod flush;
pub mod model;
pub mod routes;
pub mod store;
