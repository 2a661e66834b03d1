//! argon2id password hashing with the crate's defaults (the OWASP minimum: 19 MiB, 2 passes,
//! 1 lane), computed off the async workers with bounded concurrency.

use std::sync::Arc;

use argon2::password_hash::{PasswordHasher, PasswordVerifier};
use argon2::{Argon2, Params, PasswordHash};
use tokio::sync::Semaphore;

use crate::error::ApiError;

/// Hashes and verifies passwords; at most `concurrency` at once, so a burst of logins can't
/// take every blocking thread or all memory.
#[derive(Clone)]
pub struct PasswordHasherPool {
    permits: Arc<Semaphore>,
    /// A hash of a random password, verified against when an email is unknown so that the
    /// answer takes as long as for a wrong password.
    dummy_hash: Arc<str>,
}

/// What a verification found.
#[derive(Debug, PartialEq, Eq)]
pub enum Verified {
    /// The password does not match.
    No,
    /// It matches and the hash uses the current parameters.
    Yes,
    /// It matches; here is a new hash with the current (stronger) parameters to store.
    YesRehashed(String),
}

impl PasswordHasherPool {
    /// A pool computing at most `concurrency` hashes at once.
    pub fn new(concurrency: usize) -> Result<Self, ApiError> {
        let mut random = [0u8; 32];
        getrandom::fill(&mut random).map_err(|e| ApiError::Internal(e.to_string()))?;
        let dummy_hash = hash_now(&crate::config::encode_hex(&random))?;
        Ok(Self {
            permits: Arc::new(Semaphore::new(concurrency)),
            dummy_hash: dummy_hash.into(),
        })
    }

    /// Hashes a new password.
    pub async fn hash(&self, password: String) -> Result<String, ApiError> {
        let _permit = self.permit().await?;
        actix_web::web::block(move || hash_now(&password)).await?
    }

    /// Verifies `password` against `hash`, or against the dummy hash when `hash` is `None`
    /// (then the answer is always [`Verified::No`], in about the same time).
    pub async fn verify(
        &self,
        password: String,
        hash: Option<String>,
    ) -> Result<Verified, ApiError> {
        let _permit = self.permit().await?;
        let known = hash.is_some();
        let hash = hash.unwrap_or_else(|| self.dummy_hash.to_string());
        let verified = actix_web::web::block(move || verify_now(&password, &hash)).await??;
        Ok(if known { verified } else { Verified::No })
    }

    async fn permit(&self) -> Result<tokio::sync::SemaphorePermit<'_>, ApiError> {
        self.permits
            .acquire()
            .await
            .map_err(|_| ApiError::Unavailable("password hashing is shut down".into()))
    }
}

/// Hashes a password on the calling thread (for the CLI and start-up, not for handlers).
pub fn hash_now(password: &str) -> Result<String, ApiError> {
    Argon2::default()
        .hash_password(password.as_bytes())
        .map(|hash| hash.to_string())
        .map_err(|error| ApiError::Internal(format!("password hashing failed: {error}")))
}

fn verify_now(password: &str, stored: &str) -> Result<Verified, ApiError> {
    let Ok(parsed) = PasswordHash::new(stored) else {
        // A corrupt stored hash can't match anything.
        return Ok(Verified::No);
    };
    if Argon2::default()
        .verify_password(password.as_bytes(), &parsed)
        .is_err()
    {
        return Ok(Verified::No);
    }
    let current = Params::default();
    let weaker = Params::try_from(&parsed).is_ok_and(|params| {
        params.m_cost() < current.m_cost()
            || params.t_cost() < current.t_cost()
            || params.p_cost() < current.p_cost()
    });
    let other_algorithm = parsed.algorithm.as_str() != "argon2id";
    if weaker || other_algorithm {
        return Ok(Verified::YesRehashed(hash_now(password)?));
    }
    Ok(Verified::Yes)
}
