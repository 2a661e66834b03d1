//! argon2id password hashing with the crate's defaults (the OWASP minimum: 19 MiB, 2 passes,
//! 1 lane), computed off the async workers with bounded concurrency.
//!
//! Hashes run on [`Workers`]: each allocates 19 MiB, and a fixed set of threads holds a few tens
//! of MiB under a login burst where the shared blocking pool held over a gigabyte.

use std::sync::Arc;

use argon2::password_hash::phc::{Output, ParamsString, Salt};
use argon2::{Algorithm, Argon2, Block, Params, PasswordHash, Version};

use crate::error::ApiError;
use crate::workers::Workers;

/// Hashes and verifies passwords on `concurrency` dedicated threads; a burst of logins queues
/// instead of taking every blocking thread or all memory.
#[derive(Clone)]
pub struct PasswordHasherPool {
    workers: Workers,
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
    /// A pool computing at most `concurrency` hashes at once. Its threads end when the last
    /// clone of the pool is dropped.
    pub fn new(concurrency: usize) -> Result<Self, ApiError> {
        let mut random = [0u8; 32];
        getrandom::fill(&mut random).map_err(|e| ApiError::Internal(e.to_string()))?;
        let dummy_hash = hash_now(&crate::config::encode_hex(&random))?;
        let workers = Workers::new("password-hash", concurrency)?;
        Ok(Self {
            workers,
            dummy_hash: dummy_hash.into(),
        })
    }

    /// Hashes a new password.
    pub async fn hash(&self, password: String) -> Result<String, ApiError> {
        self.run(move || hash_now(&password)).await?
    }

    /// Verifies `password` against `hash`, or against the dummy hash when `hash` is `None`
    /// (then the answer is always [`Verified::No`], in about the same time).
    pub async fn verify(
        &self,
        password: String,
        hash: Option<String>,
    ) -> Result<Verified, ApiError> {
        let known = hash.is_some();
        let hash = hash.unwrap_or_else(|| self.dummy_hash.to_string());
        let verified = self.run(move || verify_now(&password, &hash)).await??;
        Ok(if known { verified } else { Verified::No })
    }

    /// Runs `work` on a hashing thread and waits for its result without blocking the caller.
    async fn run<T: Send + 'static>(
        &self,
        work: impl FnOnce() -> T + Send + 'static,
    ) -> Result<T, ApiError> {
        self.workers.run(work).await
    }
}

/// Hashes a password on the calling thread (for the CLI and start-up, not for handlers).
pub fn hash_now(password: &str) -> Result<String, ApiError> {
    let params = Params::default();
    let salt = argon2::password_hash::generate_salt();
    let mut output = [0u8; Params::DEFAULT_OUTPUT_LEN];
    compute(
        Algorithm::Argon2id,
        Version::V0x13,
        params.clone(),
        password,
        &salt,
        &mut output,
    )?;
    let phc = PasswordHash {
        algorithm: Algorithm::Argon2id.ident(),
        version: Some(Version::V0x13.into()),
        params: ParamsString::try_from(&params).map_err(hash_error)?,
        salt: Some(Salt::new(&salt).map_err(hash_error)?),
        hash: Some(Output::new(&output).map_err(hash_error)?),
    };
    Ok(phc.to_string())
}

fn verify_now(password: &str, stored: &str) -> Result<Verified, ApiError> {
    // A corrupt or foreign stored hash can't match anything.
    let Ok(parsed) = PasswordHash::new(stored) else {
        return Ok(Verified::No);
    };
    let (Ok(algorithm), Ok(params), Some(salt), Some(expected)) = (
        Algorithm::try_from(parsed.algorithm.as_str()),
        Params::try_from(&parsed),
        parsed.salt.as_ref(),
        parsed.hash.as_ref(),
    ) else {
        return Ok(Verified::No);
    };
    let version = parsed
        .version
        .and_then(|v| Version::try_from(v).ok())
        .unwrap_or_default();
    let mut output = vec![0u8; expected.len()];
    if compute(
        algorithm,
        version,
        params.clone(),
        password,
        salt,
        &mut output,
    )
    .is_err()
        || !constant_time_eq(&output, expected.as_bytes())
    {
        return Ok(Verified::No);
    }
    let current = Params::default();
    let weaker = params.m_cost() < current.m_cost()
        || params.t_cost() < current.t_cost()
        || params.p_cost() < current.p_cost();
    if weaker || algorithm != Algorithm::Argon2id {
        return Ok(Verified::YesRehashed(hash_now(password)?));
    }
    Ok(Verified::Yes)
}

thread_local! {
    /// The argon2 working memory of this thread, kept between hashes: allocating 19 MiB per
    /// hash and freeing it leaves the allocator holding far more than that under load.
    static MEMORY: std::cell::RefCell<Vec<Block>> = const { std::cell::RefCell::new(Vec::new()) };
}

/// Computes an argon2 hash into `output`, in this thread's reused working memory.
fn compute(
    algorithm: Algorithm,
    version: Version,
    params: Params,
    password: &str,
    salt: &[u8],
    output: &mut [u8],
) -> Result<(), ApiError> {
    let blocks = params.block_count();
    let argon2 = Argon2::new(algorithm, version, params);
    MEMORY.with_borrow_mut(|memory| {
        if memory.len() < blocks {
            memory.resize(blocks, Block::default());
        }
        argon2
            .hash_password_into_with_memory(
                password.as_bytes(),
                salt,
                output,
                &mut memory[..blocks],
            )
            .map_err(|error| ApiError::Internal(format!("password hashing failed: {error}")))
    })
}

fn hash_error(error: impl std::fmt::Display) -> ApiError {
    ApiError::Internal(format!("password hashing failed: {error}"))
}

/// Compares two byte strings in time that depends only on their lengths.
fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}
