//! Small site settings that every public read needs (the locales, the reaction kinds), kept in
//! memory: emptied by any admin write on this instance, read again after `CACHE_MAX_AGE`
//! seconds otherwise (writes on other instances).

use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};

use diesel::QueryResult;

use crate::db::{Db, DbConnection};
use crate::error::ApiError;

/// One value loaded from the database and kept for a while.
pub struct Memo<T> {
    entry: RwLock<Option<(Instant, Arc<T>)>>,
    ttl: Duration,
}

impl<T: Send + Sync + 'static> Memo<T> {
    /// An empty memo whose value lives `ttl`.
    pub fn new(ttl: Duration) -> Self {
        Self {
            entry: RwLock::new(None),
            ttl,
        }
    }

    /// Forgets the value (after a write).
    pub fn clear(&self) {
        if let Ok(mut entry) = self.entry.write() {
            *entry = None;
        }
    }

    /// The value, from memory when fresh, else from `load`.
    pub async fn get(
        &self,
        db: &Db,
        load: impl FnOnce(&mut DbConnection) -> QueryResult<T> + Send + 'static,
    ) -> Result<Arc<T>, ApiError> {
        if let Some(value) = self.fresh() {
            return Ok(value);
        }
        let value = Arc::new(db.run(move |conn| Ok(load(conn)?)).await?);
        if let Ok(mut entry) = self.entry.write() {
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
