//! Multipart uploads in an [`FsStorage`]: `.countersign/uploads/ID/` holds `upload.json`
//! (bucket, key, headers, checksum algorithm, when it began), and `N.part` with `N.json`
//! (ETag, size, checksum) for each part; completing joins the chosen parts into a temporary
//! file that is committed like any other object.

use std::path::{Path, PathBuf};

use serde_json::{json, Value};

use super::objects::{checksum_from_json, headers_from_json};
use super::{internal, FsStorage, TempFile};
use crate::meta::{from_millis, millis, ObjectMeta, Part, Upload, UploadDetails};
use crate::storage_error::StorageError;
use crate::write_condition::WriteCondition;

impl FsStorage {
    pub(super) async fn new_upload(
        &self,
        bucket: &str,
        key: &str,
        details: UploadDetails,
    ) -> Result<Upload, StorageError> {
        self.bucket_exists(bucket).await?;
        let upload = Upload::new(self.unique(), bucket, key, details);
        let dir = self.uploads_dir().join(&upload.id);
        tokio::fs::create_dir(&dir).await.map_err(internal)?;
        let document = json!({
            "bucket": bucket,
            "key": key,
            "initiated_ms": millis(upload.initiated),
            "headers": upload.headers,
            "checksum_algorithm": upload.checksum_algorithm.map(|a| a.to_string()),
            "full_object_checksum": upload.full_object_checksum,
            "tags": upload.tags,
        });
        tokio::fs::write(dir.join("upload.json"), document.to_string())
            .await
            .map_err(internal)?;
        Ok(upload)
    }

    fn upload_dir(&self, id: &str) -> Result<PathBuf, StorageError> {
        if id.is_empty() || !id.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err(StorageError::no_such_upload(id));
        }
        Ok(self.uploads_dir().join(id))
    }

    /// The upload, which must be for this bucket and key.
    pub(super) async fn upload(
        &self,
        id: &str,
        bucket: &str,
        key: &str,
    ) -> Result<Upload, StorageError> {
        let upload = self.read_upload(id).await?;
        if upload.bucket != bucket || upload.key != key {
            return Err(StorageError::no_such_upload(id));
        }
        Ok(upload)
    }

    async fn read_upload(&self, id: &str) -> Result<Upload, StorageError> {
        let dir = self.upload_dir(id)?;
        let bytes = tokio::fs::read(dir.join("upload.json"))
            .await
            .map_err(|_| StorageError::no_such_upload(id))?;
        let v: Value = serde_json::from_slice(&bytes).map_err(internal)?;
        let mut details = UploadDetails::new(headers_from_json(&v["headers"]))
            .with_checksum_algorithm(
                v["checksum_algorithm"]
                    .as_str()
                    .and_then(crate::checksums::algorithm_named),
            )
            .with_full_object_checksum(v["full_object_checksum"].as_bool().unwrap_or(false))
            .with_tags(headers_from_json(&v["tags"]));
        details.initiated = from_millis(v["initiated_ms"].as_i64().unwrap_or(0));
        Ok(Upload::new(
            id,
            v["bucket"].as_str().unwrap_or_default(),
            v["key"].as_str().unwrap_or_default(),
            details,
        ))
    }

    /// Stores a part (replacing one with the same number).
    pub(super) async fn commit_part(
        &self,
        upload: &Upload,
        part: &Part,
        mut temp: TempFile,
    ) -> Result<(), StorageError> {
        let dir = self.upload_dir(&upload.id)?;
        let _directory = self.lock.read().await;
        let _upload = self.uploads.of(&[&upload.id]).write().await;
        if tokio::fs::metadata(dir.join("upload.json")).await.is_err() {
            return Err(StorageError::no_such_upload(&upload.id));
        }
        let document = json!({
            "etag": part.etag,
            "size": part.size,
            "last_modified_ms": millis(part.last_modified),
            "checksum_algorithm": part.checksum.as_ref().map(|c| c.algorithm.to_string()),
            "checksum": part.checksum.as_ref().map(|c| c.value.as_str()),
        });
        let number = part.number;
        // A body held in memory is written, then renamed, in one trip to a blocking thread.
        let (held, body, sync) = (temp.held.take(), temp.path.clone(), self.sync);
        let target = dir.join(format!("{number}.part"));
        tokio::task::spawn_blocking(move || {
            TempFile::write_held(held, &body, sync)?;
            std::fs::rename(&body, target)
        })
        .await
        .map_err(internal)?
        .map_err(internal)?;
        temp.committed = true;
        tokio::fs::write(dir.join(format!("{number}.json")), document.to_string())
            .await
            .map_err(internal)?;
        Ok(())
    }

    /// The parts uploaded so far, by number.
    pub(super) async fn parts(&self, upload: &Upload) -> Result<Vec<Part>, StorageError> {
        let dir = self.upload_dir(&upload.id)?;
        let _directory = self.lock.read().await;
        let _upload = self.uploads.of(&[&upload.id]).read().await;
        let mut parts = Vec::new();
        let mut entries = tokio::fs::read_dir(&dir)
            .await
            .map_err(|_| StorageError::no_such_upload(&upload.id))?;
        while let Some(entry) = entries.next_entry().await.map_err(internal)? {
            let name = entry.file_name().to_string_lossy().into_owned();
            let Some(number) = name
                .strip_suffix(".json")
                .and_then(|n| n.parse::<u32>().ok())
            else {
                continue;
            };
            let Ok(bytes) = tokio::fs::read(entry.path()).await else {
                continue;
            };
            let Ok(v) = serde_json::from_slice::<Value>(&bytes) else {
                continue;
            };
            let mut part = Part::new(
                number,
                v["size"].as_u64().unwrap_or(0),
                v["etag"].as_str().unwrap_or_default(),
            )
            .with_checksum(checksum_from_json(&v));
            part.last_modified = from_millis(v["last_modified_ms"].as_i64().unwrap_or(0));
            parts.push(part);
        }
        parts.sort_by_key(|p| p.number);
        Ok(parts)
    }

    /// Joins the chosen parts into the object, and removes the upload.
    pub(super) async fn join_parts(
        &self,
        upload: &Upload,
        chosen: &[Part],
        meta: &ObjectMeta,
        condition: &WriteCondition,
    ) -> Result<(), StorageError> {
        let dir = self.upload_dir(&upload.id)?;
        let _directory = self.lock.read().await;
        let _upload = self.uploads.of(&[&upload.id]).write().await;
        if tokio::fs::metadata(dir.join("upload.json")).await.is_err() {
            return Err(StorageError::no_such_upload(&upload.id));
        }
        // The condition is checked before the parts are joined, and holds until the object
        // is in place: the object's lock is kept from one to the other.
        let (bucket, key) = (upload.bucket.as_str(), upload.key.as_str());
        let _object = self.objects.of(&[bucket, key]).write().await;
        self.check_locked(bucket, key, condition).await?;
        let mut temp = self.temp_file();
        let sources: Vec<PathBuf> = chosen
            .iter()
            .map(|p| dir.join(format!("{}.part", p.number)))
            .collect();
        let destination = temp.path.clone();
        let sync = self.sync;
        let size = tokio::task::spawn_blocking(move || concatenate(&sources, &destination, sync))
            .await
            .map_err(internal)?
            .map_err(|e| match e.kind() {
                std::io::ErrorKind::NotFound => StorageError::no_such_upload(&upload.id),
                _ => internal(e),
            })?;
        if size != meta.size {
            return Err(internal(format!(
                "the parts of upload {} hold {size} bytes, not {}",
                upload.id, meta.size
            )));
        }
        self.commit_locked(bucket, key, &mut temp, meta).await?;
        let _ = tokio::fs::remove_dir_all(&dir).await;
        Ok(())
    }

    pub(super) async fn remove_upload(&self, upload: &Upload) -> Result<(), StorageError> {
        let dir = self.upload_dir(&upload.id)?;
        let _directory = self.lock.read().await;
        let _upload = self.uploads.of(&[&upload.id]).write().await;
        tokio::fs::remove_dir_all(&dir)
            .await
            .map_err(|_| StorageError::no_such_upload(&upload.id))
    }

    /// The uploads in progress in a bucket, by key then initiation.
    pub(super) async fn uploads_of(&self, bucket: &str) -> Result<Vec<Upload>, StorageError> {
        let mut uploads = Vec::new();
        let mut entries = tokio::fs::read_dir(self.uploads_dir())
            .await
            .map_err(internal)?;
        while let Some(entry) = entries.next_entry().await.map_err(internal)? {
            let id = entry.file_name().to_string_lossy().into_owned();
            if let Ok(upload) = self.read_upload(&id).await {
                if upload.bucket == bucket {
                    uploads.push(upload);
                }
            }
        }
        uploads.sort_by(|a, b| (&a.key, a.initiated).cmp(&(&b.key, b.initiated)));
        Ok(uploads)
    }
}

/// Writes the files one after the other into a new file (flushed to the disk if `sync`),
/// returning the total size.
fn concatenate(sources: &[PathBuf], destination: &Path, sync: bool) -> std::io::Result<u64> {
    let mut output = std::fs::File::create(destination)?;
    let mut size = 0;
    for source in sources {
        size += std::io::copy(&mut std::fs::File::open(source)?, &mut output)?;
    }
    if sync {
        output.sync_data()?;
    }
    Ok(size)
}
