//! The media library: pictures uploaded by the newsroom, stored once per content with their
//! WebP variants (on disk or in an S3-compatible store), described per locale (alt text,
//! caption) with a credit and a focal point, and delivered wherever content uses them.

pub mod image;
pub mod library;
pub mod model;
pub mod routes;
pub mod storage;
pub mod store;
