//! Comments: threaded, plain-text comments by readers and visitors under published articles,
//! moderated (pre or post), reportable, soft-deleted by their authors; and the moderation queue,
//! bulk decisions and commenting bans for editors and admins.
//!
//! Only approved comments are public, and only while every comment above them in the thread is
//! approved too. A page of threads costs a fixed number of queries whatever its depth or
//! length: the top-level page, its count, and every approved reply of those threads at once
//! (each reply knows its thread's top-level comment).

pub mod model;
pub mod routes;
pub mod store;
