//! An S3-compatible frontend, behind countersign's SigV4 layer in S3 mode: the request
//! routing, S3's XML bodies and error codes, and the authorization of what the layer
//! cannot see (the keys of a DeleteObjects, the buckets' owners and policies).

mod body;
mod bucket_policy;
mod bucket_registry;
mod frontend;
pub mod fs;
mod listing;
mod multipart;
mod router;
mod shared;
mod xml;

pub use bucket_registry::BucketPolicies;
pub use frontend::S3Frontend;
pub use shared::{SharedBuckets, SharedError, SharedFuture};
