//! An S3-compatible frontend over a storage of your own, behind countersign's SigV4 layer:
//! implement [`Storage`] (buckets, objects with their metadata, multipart parts, listings)
//! and get S3's protocol (the request routing, the XML bodies, the error codes), the
//! verification of every signature and the authorization of every request by IAM policies
//! and bucket policies.
//!
//! - [`S3Frontend`] builds the service (an axum `Router`) over a storage, and the
//!   `SigV4Layer` to put in front of it;
//! - [`FsStorage`] keeps the buckets in a directory, [`MemoryStorage`] in memory;
//! - [`BucketPolicies`] keeps the buckets' owners and policies for the authorizer, shared
//!   between frontends through a [`SharedBuckets`] of yours;
//! - `TestServer` (feature `test-server`) runs the frontend on a loopback port for
//!   integration tests, with a key and signature verification on.
//!
//! The operations: ListBuckets, CreateBucket, DeleteBucket, HeadBucket, GetBucketLocation,
//! GetBucketVersioning (empty: no versions are kept), PutObject, GetObject and HeadObject
//! (ranges, `partNumber`, `If-Match`, `If-None-Match`, `If-Modified-Since`,
//! `If-Unmodified-Since`, the checksum with `x-amz-checksum-mode: ENABLED`), DeleteObject,
//! DeleteObjects (each key authorized), ListObjectsV2, ListObjects, ListObjectVersions (each
//! object its one version, `null`), CopyObject, the multipart uploads (create, upload part,
//! upload part copy, list parts, complete with the composite checksum of the parts', abort,
//! list uploads), conditional writes (`If-None-Match: *` and `If-Match` on PutObject and
//! CompleteMultipartUpload, checked in one step with the write), object tags
//! (PutObjectTagging, GetObjectTagging, DeleteObjectTagging, `x-amz-tagging`), browser POST
//! uploads, PutBucketPolicy, GetBucketPolicy and DeleteBucketPolicy, and PutBucketCors,
//! GetBucketCors and DeleteBucketCors, with browsers' preflights (`OPTIONS`, which the layer
//! lets through unsigned) answered from a bucket's CORS rules. Requests are told apart by
//! [`S3Operation`], the classifier the layer authorizes them with; the other operations are
//! answered 501 `NotImplemented`, naming the operation.
//!
//! ```
//! use countersign_s3::{MemoryStorage, S3Frontend};
//! use countersign_server::authz::MemoryPolicyStore;
//! use countersign_server::keys::MemoryKeyStore;
//!
//! # #[tokio::main(flavor = "current_thread")] async fn main() -> Result<(), String> {
//! let frontend = S3Frontend::new(MemoryStorage::new());
//! let layer = frontend.layer(MemoryKeyStore::new(), MemoryPolicyStore::new());
//! let app: axum::Router = frontend.into_router().await?.layer(layer);
//! # let _ = app;
//! # Ok(()) }
//! ```
//!
//! [`S3Operation`]: countersign_server::authz::S3Operation

mod app;
mod authorization;
mod body;
mod body_reader;
mod bucket_policy;
mod bucket_registry;
mod buckets;
mod byte_stream;
mod checksums;
mod completion;
mod conditions;
mod cors;
mod dates;
mod error;
mod frontend;
mod fs;
mod headers;
mod ids;
mod listing;
mod listing_page;
mod memory;
mod meta;
mod multipart;
mod names;
mod objects;
mod post_object;
mod request;
mod router;
mod selection;
mod shared;
mod staging;
mod storage;
mod storage_error;
mod tagging;
#[cfg(feature = "test-server")]
mod test_server;
mod write_condition;
mod xml;

pub use authorization::WithBuckets;
pub use body_reader::BodyReader;
pub use bucket_registry::BucketPolicies;
pub use byte_stream::ByteStream;
pub use completion::{Completed, Completion, MIN_PART_SIZE};
pub use frontend::S3Frontend;
pub use fs::{FileReader, FsStorage, TempFile};
pub use listing_page::{Entry, ListQuery, Listing, ListingPage, Offer};
pub use memory::{MemoryReader, MemoryStaged, MemoryStorage, DEFAULT_MEMORY_CAPACITY};
pub use meta::{BodyChecksum, BucketInfo, ObjectMeta, ObjectPart, Part, Upload, UploadDetails};
pub use shared::{SharedBuckets, SharedError, SharedFuture};
pub use storage::{ObjectReader, Storage};
pub use storage_error::{BoxError, StorageError};
#[cfg(feature = "test-server")]
pub use test_server::TestServer;
pub use write_condition::WriteCondition;
