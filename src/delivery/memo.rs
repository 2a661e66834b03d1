//! Small site settings that every public read needs (the locales, the reaction kinds), kept in
//! memory: emptied by admin writes that change them, on this instance at once and on the others
//! when they hear of it (see `coherence`), and read again after `CACHE_MAX_AGE` seconds anyway.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};

/// One value loaded from the database and kept for a while.
pub struct Memo<T> {
    entry: RwLock<Option<(Instant, Arc<T>)>>,
    /// Counts clears: a load that began before a clear may have read the old value, and is not
    /// kept.
    generation: AtomicU64,
    ttl: Duration,
}

impl<T: Send + Sync + 'static> Memo<T> {
    /// An empty memo whose value lives `ttl`.
    pub fn new(ttl: Duration) -> Self {
        Self {
            entry: RwLock::new(None),
            generation: AtomicU64::new(0),
            ttl,
        }
    }

    /// Forgets the value (after a write).
    pub fn clear(&self) {
        if let Ok(mut entry) = self.entry.write() {
            self.generation.fetch_add(1, Ordering::SeqCst);
            *entry = None;
        }
    }

    /// The value, from memory when fresh, else from `load` (not polled when fresh).
    pub async fn get<E>(&self, load: impl Future<Output = Result<T, E>>) -> Result<Arc<T>, E> {
        if let Some(value) = self.fresh() {
            return Ok(value);
        }
        let generation = self.generation.load(Ordering::SeqCst);
        let value = Arc::new(load.await?);
        if let Ok(mut entry) = self.entry.write()
            && self.generation.load(Ordering::SeqCst) == generation
        {
            *entry = Some((Instant::now(), Arc::clone(&value)));
        }
        Ok(value)
    }

    fn fresh(&self) -> Option<Arc<T>> {
        let entry = self.entry.read().ok()?;
        let (at, value) = entry.as_ref()?;
        (at.elapsed() < self.ttl).then(|| Arc::clone(value))
    }
}
