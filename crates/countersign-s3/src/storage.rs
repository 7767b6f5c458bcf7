//! [`Storage`]: what a backend implements to be served as S3 — buckets, objects with their
//! metadata, multipart parts, listings — with no HTTP or XML in sight.
//!
//! The frontend does the protocol: it parses requests, checks names, a read's conditions,
//! ranges, tags, `Content-MD5` and part lists, computes ETags and checksums, and writes S3's
//! documents and errors. A storage keeps bytes and metadata (tags, checksums, a multipart
//! object's parts, a bucket's configuration documents), and answers a [`StorageError`] for
//! what is missing or refused. A conditional write's condition is the one thing a storage
//! checks itself, in one step with the write ([`WriteCondition`]), since only it can keep
//! another write of the key from coming in between.
//!
//! An upload is written in two steps, so that nothing is visible until its body verified:
//! [`stage`](Storage::stage) reads the whole body into a temporary place (a file, a buffer),
//! and only then is the staged body committed ([`put_object`](Storage::put_object),
//! [`put_part`](Storage::put_part)). A staged body dropped uncommitted must leave nothing
//! behind.
//!
//! A copy (CopyObject, UploadPartCopy) needs nothing more: the frontend reads the source's
//! range through [`get_object`](Storage::get_object) and stages it like an upload's body.

use std::future::Future;

use crate::body_reader::BodyReader;
use crate::byte_stream::ByteStream;
use crate::listing_page::{ListQuery, Listing};
use crate::meta::{BucketInfo, ObjectMeta, Part, Upload, UploadDetails};
use crate::storage_error::StorageError;
use crate::write_condition::WriteCondition;

/// A backend for the S3 frontend. Bucket names given to it are valid S3 bucket names, and
/// keys are 1 to 1,024 bytes that passed [`check_key`](Self::check_key).
///
/// The methods are `async` (each future `Send`): implement them with `async fn`.
pub trait Storage: Send + Sync + 'static {
    /// A body read in full, not yet visible: dropped uncommitted, it leaves nothing behind.
    type Staged: Send + 'static;
    /// An object opened for reading, which [`ObjectReader::read`] turns into its bytes.
    type Reader: ObjectReader;

    /// Whether this storage can keep an object under `key` (its rules beyond S3's: a file
    /// system's on path segments); [`StorageError::InvalidKey`] says why not. All keys by
    /// default.
    fn check_key(&self, key: &str) -> Result<(), StorageError> {
        let _ = key;
        Ok(())
    }

    // ---- Buckets ----------------------------------------------------------------------

    /// The buckets, by name.
    fn list_buckets(&self) -> impl Future<Output = Result<Vec<BucketInfo>, StorageError>> + Send;

    /// Creates a bucket owned by the account `owner` (none for a service's):
    /// [`StorageError::BucketExists`] when there is one of that name.
    fn create_bucket(
        &self,
        bucket: &str,
        owner: Option<&str>,
    ) -> impl Future<Output = Result<(), StorageError>> + Send;

    /// `Ok` when the bucket exists, [`StorageError::NoSuchBucket`] otherwise.
    fn head_bucket(&self, bucket: &str) -> impl Future<Output = Result<(), StorageError>> + Send;

    /// Deletes an empty bucket, with its uploads in progress and its configuration:
    /// [`StorageError::BucketNotEmpty`] while it holds an object.
    fn delete_bucket(&self, bucket: &str) -> impl Future<Output = Result<(), StorageError>> + Send;

    /// The account that owns the bucket, as it was created.
    fn bucket_owner(
        &self,
        bucket: &str,
    ) -> impl Future<Output = Result<Option<String>, StorageError>> + Send;

    /// A document of the bucket's configuration, by the name of its subresource (`policy`:
    /// the bucket policy's JSON), as it was put; `None` when it has none.
    fn bucket_config(
        &self,
        bucket: &str,
        name: &str,
    ) -> impl Future<Output = Result<Option<String>, StorageError>> + Send;

    /// Sets (or with `None` removes) a document of the bucket's configuration.
    fn put_bucket_config(
        &self,
        bucket: &str,
        name: &str,
        document: Option<&str>,
    ) -> impl Future<Output = Result<(), StorageError>> + Send;

    // ---- Objects ----------------------------------------------------------------------

    /// Reads `body` to its end ([`BodyReader::chunk`] until `Ok(None)`) into a temporary
    /// place. On an error (the body's verdict, or the storage's own) nothing is kept.
    fn stage(
        &self,
        body: &mut BodyReader,
    ) -> impl Future<Output = Result<Self::Staged, StorageError>> + Send;

    /// Makes a staged body the object `bucket/key` with `meta` (its size and ETag are
    /// those of the staged bytes), replacing any object there if `condition` holds of it
    /// ([`WriteCondition::check`], in one step with the write: of two writes under
    /// [`WriteCondition::IfAbsent`], one wins).
    fn put_object(
        &self,
        bucket: &str,
        key: &str,
        staged: Self::Staged,
        meta: &ObjectMeta,
        condition: &WriteCondition,
    ) -> impl Future<Output = Result<(), StorageError>> + Send;

    /// Opens an object: its metadata, and a reader of its bytes as they are now (a later
    /// write does not change what the reader reads, or makes its stream fail).
    fn get_object(
        &self,
        bucket: &str,
        key: &str,
    ) -> impl Future<Output = Result<(ObjectMeta, Self::Reader), StorageError>> + Send;

    /// An object's metadata.
    fn head_object(
        &self,
        bucket: &str,
        key: &str,
    ) -> impl Future<Output = Result<ObjectMeta, StorageError>> + Send;

    /// Replaces an object's tags ([`ObjectMeta::tags`]), leaving its bytes and the rest of
    /// its metadata (its ETag, its time) as they are: [`StorageError::NoSuchKey`] when there
    /// is no object.
    fn put_object_tags(
        &self,
        bucket: &str,
        key: &str,
        tags: Vec<(String, String)>,
    ) -> impl Future<Output = Result<(), StorageError>> + Send;

    /// Deletes an object; a missing one is not an error (as in S3), a missing bucket is.
    fn delete_object(
        &self,
        bucket: &str,
        key: &str,
    ) -> impl Future<Output = Result<(), StorageError>> + Send;

    /// One page of a bucket's objects (see [`ListingPage`](crate::ListingPage), which does
    /// the grouping and paging from keys in order).
    fn list_objects(
        &self,
        bucket: &str,
        query: &ListQuery,
    ) -> impl Future<Output = Result<Listing, StorageError>> + Send;

    // ---- Multipart uploads ------------------------------------------------------------

    /// Begins a multipart upload of `bucket/key`, choosing its id.
    fn create_upload(
        &self,
        bucket: &str,
        key: &str,
        details: UploadDetails,
    ) -> impl Future<Output = Result<Upload, StorageError>> + Send;

    /// The upload `upload_id`, which must be one of `bucket/key`
    /// ([`StorageError::NoSuchUpload`] otherwise, or when it is unknown).
    fn get_upload(
        &self,
        bucket: &str,
        key: &str,
        upload_id: &str,
    ) -> impl Future<Output = Result<Upload, StorageError>> + Send;

    /// Keeps a staged body as `part` of `upload`, replacing a part of the same number:
    /// [`StorageError::NoSuchUpload`] if the upload ended meanwhile.
    fn put_part(
        &self,
        upload: &Upload,
        part: &Part,
        staged: Self::Staged,
    ) -> impl Future<Output = Result<(), StorageError>> + Send;

    /// The parts uploaded so far, by number.
    fn list_parts(
        &self,
        upload: &Upload,
    ) -> impl Future<Output = Result<Vec<Part>, StorageError>> + Send;

    /// Joins `parts` (chosen in order among [`list_parts`](Self::list_parts)', see
    /// [`Completion`](crate::Completion)) into the upload's object with `meta`, replacing
    /// any object there if `condition` holds of it (as [`put_object`](Self::put_object)),
    /// and ends the upload. When the condition does not hold, the upload stays.
    fn complete_upload(
        &self,
        upload: &Upload,
        parts: &[Part],
        meta: &ObjectMeta,
        condition: &WriteCondition,
    ) -> impl Future<Output = Result<(), StorageError>> + Send;

    /// Ends an upload and drops its parts.
    fn abort_upload(
        &self,
        upload: &Upload,
    ) -> impl Future<Output = Result<(), StorageError>> + Send;

    /// The uploads in progress in a bucket, by key, then by when they began.
    fn list_uploads(
        &self,
        bucket: &str,
    ) -> impl Future<Output = Result<Vec<Upload>, StorageError>> + Send;
}

/// An object opened by [`Storage::get_object`].
pub trait ObjectReader: Send + 'static {
    /// `length` bytes from `start` (the frontend keeps them within the object's size).
    fn read(self, start: u64, length: u64) -> ByteStream;
}
