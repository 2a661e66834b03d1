//! Work on the library outside a request: storing a processed picture, importing pictures
//! (the demo), removing files no picture uses (`cms media gc`) and making the variants again
//! (`cms media reprocess`).

use std::collections::HashSet;
use std::io::Cursor;

use chrono::{DateTime, Utc};

use crate::db::{self, DbConnection};
use crate::domain::DomainError;
use crate::media::image::{self, Format, Processed, Refused, Renditions};
use crate::media::model::{NewMedia, kept_file_name, search_text, stored_text};
use crate::media::storage::{self, MediaStorage};
use crate::media::store;

/// Stores the files of a processed upload, unless an earlier upload of the same bytes did:
/// the original is written last, so its presence means every file is there.
pub async fn store_files(
    media: &MediaStorage,
    sha256: &str,
    processed: &Processed,
) -> Result<(), storage::Error> {
    let original = image::original_key(sha256, processed.format);
    if media.size(&original).await?.is_some() {
        return Ok(());
    }
    for (variant, bytes) in &processed.variants {
        media.put(&variant.key, bytes.clone()).await?;
    }
    media.put(&original, processed.original.clone()).await
}

/// What is stored about a processed picture: its renditions as JSON.
pub fn renditions_json(processed: &Processed) -> String {
    serde_json::to_string(&Renditions {
        placeholder: processed.placeholder.clone(),
        color: processed.color.clone(),
        variants: processed.variants.iter().map(|(v, _)| v.clone()).collect(),
    })
    .unwrap_or_default()
}

/// The row of a new picture.
pub fn new_row(
    sha256: &str,
    processed: &Processed,
    file_name: Option<&str>,
    credit: Option<&str>,
    focal_point: Option<String>,
    uploaded_by: Option<i64>,
) -> NewMedia {
    NewMedia {
        sha256: sha256.to_owned(),
        mime: processed.format.mime().into(),
        file_name: kept_file_name(file_name),
        byte_size: processed.original.len() as i64,
        width: processed.width as i32,
        height: processed.height as i32,
        credit: stored_text(credit),
        focal_point,
        renditions: renditions_json(processed),
        search_text: String::new(),
        uploaded_by,
        version: 1,
        created_at: db::now(),
        updated_at: db::now(),
    }
}

/// A picture to import: its bytes, file name, credit, and alt text and caption by locale.
pub struct Import {
    pub bytes: Vec<u8>,
    pub file_name: String,
    pub credit: Option<String>,
    pub texts: Vec<(String, String, String)>,
}

/// Why an import failed.
#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    #[error("the picture is refused: {0:?}")]
    Refused(Refused),
    #[error("the media storage failed: {0}")]
    Storage(#[from] storage::Error),
    #[error(transparent)]
    Database(#[from] DomainError),
}

/// Processes, stores and records `picture` (max 50 megapixels); its id.
pub async fn import(
    media: &MediaStorage,
    conn: &mut DbConnection,
    picture: Import,
) -> Result<i64, ImportError> {
    use sha2::{Digest, Sha256};
    let sha256 = crate::config::encode_hex(&Sha256::digest(&picture.bytes));
    let format = Format::sniff(&picture.bytes).map_err(ImportError::Refused)?;
    let processed = image::process_upload(Cursor::new(&picture.bytes), format, &sha256, 50_000_000)
        .map_err(ImportError::Refused)?;
    store_files(media, &sha256, &processed).await?;
    let row = new_row(
        &sha256,
        &processed,
        Some(&picture.file_name),
        picture.credit.as_deref(),
        None,
        None,
    );
    Ok(db::write_transaction(conn, |conn| {
        let id = store::insert(conn, &row)?;
        for (locale, alt, caption) in &picture.texts {
            store::put_translation(conn, id, locale, Some(alt), Some(caption))?;
        }
        let row = store::find(conn, id)?;
        let translations = store::translations_of(conn, &[id])?;
        store::set_search_text(conn, id, &search_text(&row, &translations))?;
        Ok::<_, DomainError>(id)
    })?)
}

/// Removes the stored files of uploads no picture uses any more and older than `before` (younger
/// ones may belong to an upload whose row is not committed yet); how many files went.
pub async fn collect_garbage(
    media: &MediaStorage,
    used: &HashSet<String>,
    before: DateTime<Utc>,
) -> Result<usize, storage::Error> {
    let mut removed = 0;
    for (key, written) in media.list().await? {
        let sha = key.split('/').nth(1).unwrap_or_default();
        if !used.contains(sha) && written < before {
            media.delete(&key).await?;
            removed += 1;
        }
    }
    Ok(removed)
}

/// Makes picture `id`'s variants again from its stored original (after the variant list
/// changed); its new renditions, stored.
pub async fn reprocess(
    media: &MediaStorage,
    conn: &mut DbConnection,
    id: i64,
) -> Result<(), ImportError> {
    let row = store::find(conn, id).map_err(DomainError::from)?;
    let Some(format) = Format::of_mime(&row.mime) else {
        return Ok(());
    };
    let original = media
        .read(&image::original_key(&row.sha256, format))
        .await?;
    let processed = image::process(Cursor::new(&original[..]), format, &row.sha256, u64::MAX)
        .map_err(ImportError::Refused)?;
    let stale: Vec<String> = row
        .renditions()
        .variants
        .into_iter()
        .map(|v| v.key)
        .filter(|key| !processed.variants.iter().any(|(v, _)| v.key == *key))
        .collect();
    for (variant, bytes) in &processed.variants {
        media.put(&variant.key, bytes.clone()).await?;
    }
    let renditions = renditions_json(&processed);
    db::write_transaction(conn, |conn| {
        for same in store::with_sha(conn, &row.sha256)? {
            store::set_renditions(conn, same, &renditions)?;
            crate::articles::read_model::refresh_media(conn, same)?;
        }
        Ok::<_, DomainError>(())
    })?;
    for key in stale {
        media.delete(&key).await?;
    }
    Ok(())
}
