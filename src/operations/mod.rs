//! What operators use: health and readiness checks, Prometheus metrics, request ids and access
//! logs, and the OpenAPI document.

pub mod metrics;
pub mod middleware;
pub mod route_table;
pub mod routes;
