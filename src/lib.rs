//! Newsroom CMS: a headless CMS serving a multilingual news site through a JSON API.

pub mod app;
pub mod articles;
pub mod auth;
pub mod authors;
pub mod body;
pub mod categories;
pub mod comments;
pub mod config;
pub mod db;
pub mod delivery;
pub mod demo;
pub mod domain;
pub mod error;
pub mod html;
pub mod locales;
pub mod openapi;
pub mod operations;
pub mod pagination;
pub mod reactions;
pub mod router;
pub mod slug;
pub mod startup;
pub mod tags;
pub mod telemetry;
pub mod users;
pub mod versioning;
