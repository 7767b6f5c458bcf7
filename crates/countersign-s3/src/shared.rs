//! [`SharedBuckets`]: where several frontends over one storage share the buckets' owners and
//! policies, so that a bucket policy put through one applies on all (the S3 example keeps
//! them in Redis).

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use countersign_server::authz::ResourcePolicies;

/// Why a [`SharedBuckets`] could not take a change: the frontend refuses the request with
/// 503 `ServiceUnavailable`, naming it.
pub type SharedError = Box<dyn std::error::Error + Send + Sync>;

/// The future of a change to a [`SharedBuckets`].
pub type SharedFuture<'a> = Pin<Box<dyn Future<Output = Result<(), SharedError>> + Send + 'a>>;

/// A store of the buckets' owners and policies shared by several frontends, which the
/// authorizer reads instead of the frontend's own memory. The frontend still writes each
/// bucket's owner and policy to its [`Storage`](crate::Storage), and reads a policy's text
/// back from there.
///
/// Reads answer from memory (the authorizer asks on every request); changes may wait.
pub trait SharedBuckets: Send + Sync + 'static {
    /// The owner and policies of `bucket`, as shared; `None` when there is no entry.
    fn entry(&self, bucket: &str) -> Option<Arc<ResourcePolicies>>;

    /// Writes the entry of `bucket`: its owner and its policy documents (JSON text, each
    /// already parsed by the frontend).
    fn set_bucket<'a>(
        &'a self,
        bucket: &'a str,
        owner: Option<&'a str>,
        policies: &'a [&'a str],
    ) -> SharedFuture<'a>;

    /// Sets (or with `None` removes) the policy of `bucket`, keeping its owner.
    fn set_policy<'a>(&'a self, bucket: &'a str, policy: Option<&'a str>) -> SharedFuture<'a>;

    /// Removes the entry of a deleted bucket.
    fn remove_bucket<'a>(&'a self, bucket: &'a str) -> SharedFuture<'a>;
}
