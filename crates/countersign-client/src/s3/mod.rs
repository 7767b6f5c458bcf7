//! S3 without an SDK: [`S3Client`] calls S3's REST API (or an S3-compatible server's)
//! through the reqwest sender, signed with S3's rules and retried in AWS's standard mode.
//!
//! - Buckets: [`create_bucket`](S3Client::create_bucket) (with the signing region's
//!   `CreateBucketConfiguration` outside `us-east-1`), [`delete_bucket`](S3Client::delete_bucket),
//!   [`list_buckets`](S3Client::list_buckets).
//! - Objects: [`put_object`](S3Client::put_object) from bytes, a file or any stream
//!   ([`UploadBody`]); [`get_object`](S3Client::get_object) whole,
//!   [`get_object_range`](S3Client::get_object_range) by [`ByteRange`], or
//!   [`get_object_stream`](S3Client::get_object_stream) as it arrives ([`ObjectStream`]);
//!   [`head_object`](S3Client::head_object) ([`ObjectHead`]);
//!   [`delete_object`](S3Client::delete_object), [`delete_objects`](S3Client::delete_objects)
//!   (each key's error returned), [`copy_object`](S3Client::copy_object).
//! - ListObjectsV2 as a `futures` `Stream` of pages ([`list_pages`](S3Client::list_pages)) or
//!   of objects ([`list_objects`](S3Client::list_objects)), following the continuation tokens.
//! - Multipart uploads: [`upload_file`](S3Client::upload_file) (parts of a file, a few in
//!   flight at once, progress reported, the upload aborted on any failure) and the calls it
//!   makes, public too.
//! - Presigned URLs ([`presign_get`](S3Client::presign_get),
//!   [`presign_put`](S3Client::presign_put), at most seven days) and browser POST forms
//!   ([`PostPolicy`], signed by [`presign_post`](S3Client::presign_post)).
//!
//! An error answer is [`CallError::Service`](crate::CallError::Service): the status, and the
//! code, message and request id of S3's `<Error>` document, or, for an answer without a
//! body (a `HEAD`), a code named after the status (`NotFound`, `Forbidden`, …) and the
//! `x-amz-request-id` header.
//!
//! ```no_run
//! use countersign_client::s3::{ListObjects, S3Client};
//! use countersign_client::{Credentials, Endpoint, Signing};
//! use futures_util::TryStreamExt;
//!
//! # async fn run() -> Result<(), Box<dyn std::error::Error>> {
//! let signing = Signing::new(Credentials::new("AKIDEXAMPLE", "secret"), "us-east-1", "s3");
//! // A local server: path-style addressing, as for any endpoint whose host is an address.
//! let s3 = S3Client::new(signing, Endpoint::custom("http://127.0.0.1:9000"));
//! s3.create_bucket("photos").await?;
//! s3.put_object("photos", "2024/cat.jpg", b"...".to_vec()).await?;
//! let listed: Vec<_> = s3
//!     .list_objects("photos", ListObjects::new().prefix("2024/"))
//!     .try_collect()
//!     .await?;
//! println!("{} objects", listed.len());
//! # Ok(())
//! # }
//! ```

mod address;
mod buckets;
mod client;
mod error;
mod listing;
mod multipart;
mod objects;
mod post_policy;
mod presign;
mod upload;

pub use buckets::BucketSummary;
pub use client::{S3Client, DEFAULT_DOWNLOAD_LIMIT};
pub use listing::{ListObjects, ListPage, ObjectSummary};
pub use multipart::{
    CompletedPart, CompletedUpload, MultipartOptions, MultipartUpload, DEFAULT_CONCURRENCY,
    DEFAULT_PART_SIZE, MAX_PARTS, MAX_PART_SIZE, MIN_PART_SIZE,
};
pub use objects::{
    ByteRange, ContentRange, CopyObjectOutput, DeleteError, DeleteObjectsOutput, Object,
    ObjectHead, ObjectStream, PutObjectOutput, PutOptions,
};
pub use post_policy::{Condition, PostForm, PostPolicy};
pub use presign::MAX_PRESIGN_DURATION;
pub use upload::UploadBody;
