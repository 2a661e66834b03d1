//! Where media files live, behind one interface: a directory (`MEDIA_STORAGE=fs`) or any
//! S3-compatible store (`s3`), so several instances can share one library.

use std::ops::Range;
use std::sync::Arc;

use bytes::Bytes;
use chrono::{DateTime, Utc};
use futures_util::stream::{BoxStream, StreamExt, TryStreamExt};
use object_store::aws::AmazonS3Builder;
use object_store::local::LocalFileSystem;
use object_store::path::Path;
use object_store::{GetOptions, GetRange, ObjectStore, ObjectStoreExt, PutPayload};

use crate::config::MediaStorageSettings;

pub use object_store::Error;

/// Files up to this size are read whole before they are sent.
const WHOLE_READ_BYTES: u64 = 1 << 20;

/// The media files.
#[derive(Clone, Debug)]
pub struct MediaStorage {
    store: Arc<dyn ObjectStore>,
}

/// A stored file, or the part of it a range asked for.
pub struct Stored {
    /// The whole file's size.
    pub size: u64,
    /// The bytes sent.
    pub range: Range<u64>,
    /// Those bytes, as they arrive.
    pub body: BoxStream<'static, Result<Bytes, Error>>,
}

impl MediaStorage {
    /// The storage `settings` describe; a directory is created when missing.
    pub fn new(settings: &MediaStorageSettings) -> Result<Self, String> {
        let store: Arc<dyn ObjectStore> = match settings {
            MediaStorageSettings::Fs(dir) => {
                std::fs::create_dir_all(dir).map_err(|e| {
                    format!("can't create the media directory {}: {e}", dir.display())
                })?;
                Arc::new(
                    LocalFileSystem::new_with_prefix(dir)
                        .map_err(|e| e.to_string())?
                        .with_automatic_cleanup(true),
                )
            }
            MediaStorageSettings::S3 {
                endpoint,
                bucket,
                region,
                access_key_id,
                secret_access_key,
            } => {
                let mut builder = AmazonS3Builder::new()
                    .with_bucket_name(bucket)
                    .with_region(region);
                if let Some(endpoint) = endpoint {
                    builder = builder
                        .with_endpoint(endpoint)
                        .with_allow_http(endpoint.starts_with("http://"))
                        .with_virtual_hosted_style_request(false);
                }
                if let Some(key) = access_key_id {
                    builder = builder.with_access_key_id(key);
                }
                if let Some(secret) = secret_access_key {
                    builder = builder.with_secret_access_key(secret);
                }
                Arc::new(builder.build().map_err(|e| e.to_string())?)
            }
        };
        Ok(Self { store })
    }

    /// Stores `bytes` at `key`, replacing what was there (the same key always holds the same
    /// bytes: keys are content addresses).
    pub async fn put(&self, key: &str, bytes: Vec<u8>) -> Result<(), Error> {
        self.store
            .put(&Path::from(key), PutPayload::from(bytes))
            .await
            .map(|_| ())
    }

    /// The file at `key` (`None` when there is none), or the part `range` asks for: a range
    /// as `Range` headers give it (`start..=end`, `start..`, or the last `n` bytes), already
    /// checked against the size by the caller through [`MediaStorage::size`].
    pub async fn get(&self, key: &str, range: Option<Range<u64>>) -> Result<Option<Stored>, Error> {
        let options = GetOptions {
            range: range.map(GetRange::Bounded),
            ..GetOptions::default()
        };
        match self.store.get_opts(&Path::from(key), options).await {
            Ok(result) => {
                let size = result.meta.size;
                let range = result.range.clone();
                // A small file (every variant) in one read: a stream reads a local file in
                // small blocking steps, each a hop to another thread.
                let body = if range.end - range.start <= WHOLE_READ_BYTES {
                    let bytes = result.bytes().await?;
                    futures_util::stream::once(async move { Ok(bytes) }).boxed()
                } else {
                    result.into_stream()
                };
                Ok(Some(Stored { size, range, body }))
            }
            Err(Error::NotFound { .. }) => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// The size of the file at `key`, or `None` when there is none.
    pub async fn size(&self, key: &str) -> Result<Option<u64>, Error> {
        match self.store.head(&Path::from(key)).await {
            Ok(meta) => Ok(Some(meta.size)),
            Err(Error::NotFound { .. }) => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// The whole file at `key`.
    pub async fn read(&self, key: &str) -> Result<Bytes, Error> {
        self.store.get(&Path::from(key)).await?.bytes().await
    }

    /// Removes every file under `folder`.
    pub async fn delete_folder(&self, folder: &str) -> Result<(), Error> {
        let keys: Vec<Path> = self
            .store
            .list(Some(&Path::from(folder)))
            .map_ok(|meta| meta.location)
            .try_collect()
            .await?;
        for key in keys {
            match self.store.delete(&key).await {
                Ok(()) | Err(Error::NotFound { .. }) => {}
                Err(e) => return Err(e),
            }
        }
        Ok(())
    }

    /// Every stored file: its key and when it was written.
    pub async fn list(&self) -> Result<Vec<(String, DateTime<Utc>)>, Error> {
        self.store
            .list(None)
            .map_ok(|meta| (meta.location.to_string(), meta.last_modified))
            .try_collect()
            .await
    }

    /// Removes the file at `key`.
    pub async fn delete(&self, key: &str) -> Result<(), Error> {
        match self.store.delete(&Path::from(key)).await {
            Ok(()) | Err(Error::NotFound { .. }) => Ok(()),
            Err(e) => Err(e),
        }
    }
}
