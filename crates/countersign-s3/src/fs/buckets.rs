//! The buckets of an [`FsStorage`]: directories of the data directory.

use std::io::ErrorKind;

use time::OffsetDateTime;

use super::{internal, is_bucket_name, FsStorage};
use crate::meta::BucketInfo;
use crate::storage_error::StorageError;

impl FsStorage {
    /// The buckets and their creation dates, by name.
    pub(super) async fn buckets(&self) -> Result<Vec<BucketInfo>, StorageError> {
        let mut buckets = Vec::new();
        let mut dir = tokio::fs::read_dir(&self.root).await.map_err(internal)?;
        while let Some(entry) = dir.next_entry().await.map_err(internal)? {
            let Ok(name) = entry.file_name().into_string() else {
                continue;
            };
            let Ok(metadata) = entry.metadata().await else {
                continue;
            };
            if !metadata.is_dir() || !is_bucket_name(&name) {
                continue;
            }
            let created = metadata
                .created()
                .or_else(|_| metadata.modified())
                .map(OffsetDateTime::from)
                .unwrap_or(OffsetDateTime::UNIX_EPOCH);
            buckets.push(BucketInfo::new(name, created));
        }
        buckets.sort_by(|a, b| a.name.cmp(&b.name));
        Ok(buckets)
    }

    pub(super) async fn bucket_exists(&self, bucket: &str) -> Result<(), StorageError> {
        match tokio::fs::metadata(self.bucket_dir(bucket)).await {
            Ok(m) if m.is_dir() => Ok(()),
            _ => Err(StorageError::no_such_bucket(bucket)),
        }
    }

    /// Makes the bucket's directory and its record (its owner, no configuration).
    pub(super) async fn make_bucket(
        &self,
        bucket: &str,
        owner: Option<&str>,
    ) -> Result<(), StorageError> {
        let _guard = self.lock.write().await;
        match tokio::fs::create_dir(self.bucket_dir(bucket)).await {
            Ok(()) => {}
            Err(e) if e.kind() == ErrorKind::AlreadyExists => {
                return Err(StorageError::BucketExists {
                    bucket: bucket.to_string(),
                })
            }
            Err(e) => return Err(internal(e)),
        }
        self.write_record(bucket, &super::records::Record::owned_by(owner))
            .await
    }

    /// Removes an empty bucket's directory, its metadata, uploads and record.
    pub(super) async fn remove_bucket(&self, bucket: &str) -> Result<(), StorageError> {
        let _guard = self.lock.write().await;
        let dir = self.bucket_dir(bucket);
        match tokio::fs::remove_dir(&dir).await {
            Ok(()) => {}
            Err(e) if e.kind() == ErrorKind::NotFound => {
                return Err(StorageError::no_such_bucket(bucket))
            }
            Err(_) if dir.is_dir() => {
                return Err(StorageError::BucketNotEmpty {
                    bucket: bucket.to_string(),
                })
            }
            Err(e) => return Err(internal(e)),
        }
        let _ = tokio::fs::remove_dir_all(self.meta_dir(bucket)).await;
        for upload in self.uploads_of(bucket).await.unwrap_or_default() {
            let _ = tokio::fs::remove_dir_all(self.uploads_dir().join(&upload.id)).await;
        }
        self.remove_record(bucket).await;
        Ok(())
    }
}
