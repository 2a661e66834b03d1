//! Idempotent writes: a client that sends `Idempotency-Key` with a write (posting a comment,
//! reacting, reporting one) and retries it, after a timeout or a lost answer, gets the first answer back
//! within a day, and nothing is written twice. The same key on another request is refused.

pub mod model;
pub mod store;
