//! Newsroom CMS: a headless CMS serving a multilingual news site through a JSON API.
//!
//! # Layers
//!
//! Each layer has one rule, and no module imports one above it: the crate has no import
//! circle (`tests/api/architecture.rs` checks both, and that SQL stays in the stores).
//!
//! - **Stores** (`<resource>/store.rs`, `store/*.rs`) hold every SQL statement of their
//!   resource. They take `&mut DbConnection` and return `QueryResult`, or [`domain::DomainError`]
//!   when a rule needs the database (a taken slug, a reference that names nothing). They never
//!   return `ApiError` or take an actix type.
//! - **Models** (`<resource>/model.rs`, `model/*.rs`) hold rows, the shapes the API returns, the inputs that
//!   rules check, and the domain rules (rights, editing rules, validation, the locale
//!   fallback chain). They answer [`domain::FieldError`] or [`domain::DomainError`] and know no
//!   HTTP and no SQL; neither a store nor a model imports, even indirectly, a module that
//!   knows HTTP.
//! - **Handlers** (`<resource>/routes.rs`, or `routes/{public,admin}.rs`) parse the request and
//!   its body and query types, authorise, call stores and rules through
//!   [`app::Database::run`] or [`app::Database::write`], and shape the answer.
//! - **The edge**: [`error::ApiError`] converts domain errors to RFC 9457 problems;
//!   [`router`] registers every route and assembles the OpenAPI document; [`startup`] builds
//!   the server.
//!
//! Shared pieces below the handlers: [`db`] (connections, transactions, the schema),
//! [`domain`], [`translated`] (per-locale maps), [`slug`], [`html`], [`urls`] (canonical
//! URLs). Beside the handlers:
//! [`app`] (what every handler can reach), [`versioning`] (`ETag`, `If-Match`, 201),
//! [`pagination`], [`body`] (JSON bodies), [`delivery`] (locale choice, caching), [`openapi`].

pub mod api_keys;
pub mod app;
pub mod articles;
pub mod audit;
pub mod auth;
pub mod authors;
pub mod body;
pub mod categories;
pub mod comments;
pub mod config;
pub mod contract;
pub mod db;
pub mod delivery;
pub mod demo;
pub mod domain;
pub mod error;
pub mod events;
pub mod feeds;
pub mod html;
pub mod idempotency;
pub mod locales;
pub mod media;
pub mod menus;
pub mod openapi;
pub mod operations;
pub mod pages;
pub mod pagination;
pub mod previews;
pub mod reactions;
pub mod reads;
pub mod router;
pub mod search;
pub mod site;
pub mod sitemaps;
pub mod slug;
pub mod startup;
pub mod tags;
pub mod telemetry;
pub mod translated;
pub mod urls;
pub mod users;
pub mod versioning;
pub mod webhooks;
pub mod workers;
