//! [`Storage`] for [`FsStorage`]: each operation, by the file system's means, on names that
//! stay inside the data directory.

use super::file_stream::FileReader;
use super::{is_bucket_name, key_rules, FsStorage, TempFile};
use crate::body_reader::BodyReader;
use crate::listing_page::{ListQuery, Listing};
use crate::meta::{BucketInfo, ObjectMeta, Part, Upload, UploadDetails};
use crate::storage::Storage;
use crate::storage_error::StorageError;
use crate::write_condition::WriteCondition;

/// A bucket name that is a directory of the data directory's: S3's rules keep it one, and a
/// name that breaks them names no bucket here. The frontend checks names first; a caller of
/// its own is held to the same.
fn checked_bucket(bucket: &str) -> Result<&str, StorageError> {
    match is_bucket_name(bucket) {
        true => Ok(bucket),
        false => Err(StorageError::no_such_bucket(bucket)),
    }
}

/// A bucket and a key that stay inside the data directory.
fn checked_object<'a>(bucket: &'a str, key: &'a str) -> Result<(&'a str, &'a str), StorageError> {
    key_rules(key)?;
    Ok((checked_bucket(bucket)?, key))
}

impl Storage for FsStorage {
    type Staged = TempFile;
    type Reader = FileReader;

    fn check_key(&self, key: &str) -> Result<(), StorageError> {
        key_rules(key)
    }

    async fn list_buckets(&self) -> Result<Vec<BucketInfo>, StorageError> {
        self.buckets().await
    }

    async fn create_bucket(&self, bucket: &str, owner: Option<&str>) -> Result<(), StorageError> {
        if !is_bucket_name(bucket) {
            return Err(StorageError::internal(format!(
                "{bucket:?} is not an S3 bucket name"
            )));
        }
        self.make_bucket(bucket, owner).await
    }

    async fn head_bucket(&self, bucket: &str) -> Result<(), StorageError> {
        self.bucket_exists(checked_bucket(bucket)?).await
    }

    async fn delete_bucket(&self, bucket: &str) -> Result<(), StorageError> {
        self.remove_bucket(checked_bucket(bucket)?).await
    }

    async fn bucket_owner(&self, bucket: &str) -> Result<Option<String>, StorageError> {
        self.record_field(checked_bucket(bucket)?, "owner").await
    }

    async fn bucket_config(
        &self,
        bucket: &str,
        name: &str,
    ) -> Result<Option<String>, StorageError> {
        self.record_field(checked_bucket(bucket)?, name).await
    }

    async fn put_bucket_config(
        &self,
        bucket: &str,
        name: &str,
        document: Option<&str>,
    ) -> Result<(), StorageError> {
        self.set_record_field(checked_bucket(bucket)?, name, document)
            .await
    }

    async fn stage(&self, body: &mut BodyReader) -> Result<TempFile, StorageError> {
        self.receive(body).await
    }

    async fn put_object(
        &self,
        bucket: &str,
        key: &str,
        mut staged: TempFile,
        meta: &ObjectMeta,
        condition: &WriteCondition,
    ) -> Result<(), StorageError> {
        let (bucket, key) = checked_object(bucket, key)?;
        self.commit_file(bucket, key, &mut staged, meta, condition)
            .await
    }

    async fn get_object(
        &self,
        bucket: &str,
        key: &str,
    ) -> Result<(ObjectMeta, FileReader), StorageError> {
        let (bucket, key) = checked_object(bucket, key)?;
        let (file, meta) = self.open_object(bucket, key).await?;
        Ok((meta, FileReader::new(file)))
    }

    async fn head_object(&self, bucket: &str, key: &str) -> Result<ObjectMeta, StorageError> {
        let (bucket, key) = checked_object(bucket, key)?;
        self.object_meta(bucket, key).await
    }

    async fn put_object_tags(
        &self,
        bucket: &str,
        key: &str,
        tags: Vec<(String, String)>,
    ) -> Result<(), StorageError> {
        let (bucket, key) = checked_object(bucket, key)?;
        self.retag(bucket, key, tags).await
    }

    async fn delete_object(&self, bucket: &str, key: &str) -> Result<(), StorageError> {
        let (bucket, key) = checked_object(bucket, key)?;
        self.remove_object(bucket, key).await
    }

    async fn list_objects(&self, bucket: &str, query: &ListQuery) -> Result<Listing, StorageError> {
        self.list(checked_bucket(bucket)?, query).await
    }

    async fn create_upload(
        &self,
        bucket: &str,
        key: &str,
        details: UploadDetails,
    ) -> Result<Upload, StorageError> {
        let (bucket, key) = checked_object(bucket, key)?;
        self.new_upload(bucket, key, details).await
    }

    async fn get_upload(
        &self,
        bucket: &str,
        key: &str,
        upload_id: &str,
    ) -> Result<Upload, StorageError> {
        self.upload(upload_id, bucket, key).await
    }

    async fn put_part(
        &self,
        upload: &Upload,
        part: &Part,
        staged: TempFile,
    ) -> Result<(), StorageError> {
        self.commit_part(upload, part, staged).await
    }

    async fn list_parts(&self, upload: &Upload) -> Result<Vec<Part>, StorageError> {
        self.parts(upload).await
    }

    async fn complete_upload(
        &self,
        upload: &Upload,
        parts: &[Part],
        meta: &ObjectMeta,
        condition: &WriteCondition,
    ) -> Result<(), StorageError> {
        checked_object(&upload.bucket, &upload.key)?;
        self.join_parts(upload, parts, meta, condition).await
    }

    async fn abort_upload(&self, upload: &Upload) -> Result<(), StorageError> {
        self.remove_upload(upload).await
    }

    async fn list_uploads(&self, bucket: &str) -> Result<Vec<Upload>, StorageError> {
        self.uploads_of(checked_bucket(bucket)?).await
    }
}
