//! Webhooks: endpoints admins register for events of the outbox (`events`), each event
//! delivered to each subscribed endpoint, signed the Standard Webhooks way, retried with
//! backoff for about a day, in order per resource, and logged per attempt.

pub mod guard;
pub mod model;
pub mod routes;
pub mod sender;
pub mod store;
