//! The API tests: every test starts a real server on its own port with its own database, on
//! SQLite by default or on PostgreSQL with `TEST_DATABASE_URL=postgres://…`.

mod architecture;
mod articles_admin;
mod articles_delivery;
mod auth;
mod authors;
mod categories;
mod coherence;
mod comments;
mod errors;
mod feeds;
mod fixtures;
mod helpers;
mod integrations;
mod locales;
mod media;
mod menus;
mod openapi;
mod operations;
mod pages;
mod previews;
mod process;
mod reactions;
mod read_model;
mod reads;
mod receiver;
mod roles;
mod schedule;
mod search;
mod seaweed;
mod site;
mod sitemaps;
mod tags;
mod users;
