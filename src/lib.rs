//! Newsroom CMS: a headless CMS serving a multilingual news site through a JSON API.

pub mod config;
pub mod db;
pub mod delivery;
pub mod error;
pub mod locales;
pub mod openapi;
pub mod operations;
pub mod startup;
pub mod telemetry;
