//! [`BucketPolicies`]: the buckets' owners and policies, as the frontend keeps them for the
//! layer's authorizer.
//!
//! A bucket's owner (the account that created it) and its policy are kept in memory, where
//! the authorizer reads them on every request (so a `PutBucketPolicy` takes effect on the
//! next one), and in the storage ([`Storage::bucket_owner`], the `policy` document of
//! [`Storage::bucket_config`]), read back when the frontend starts. With a
//! [`SharedBuckets`], the owners and policies the authorizer reads are the shared ones, so
//! that a `PutBucketPolicy` through one frontend applies on all; the storage still keeps
//! them, for GetBucketPolicy's text, and a bucket the shared store has no entry for is
//! copied there at start.

use std::sync::Arc;

use countersign_policy::Policy;
use countersign_server::authz::{MemoryPolicyStore, PolicyStore, ResourcePolicies};
use http::StatusCode;
use tokio::sync::Mutex;

use crate::error::S3Error;
use crate::shared::{SharedBuckets, SharedError};
use crate::storage::Storage;

/// The name of the bucket policy among a bucket's configuration documents.
const POLICY: &str = "policy";

/// The buckets' owners and policies: a [`PolicyStore`] of resource policies (one per
/// bucket, under the bucket's name) for the layer's
/// [`PolicyAuthorizer`](countersign_server::authz::PolicyAuthorizer), with no identity
/// policies of its own. Clones share the buckets.
///
/// ```
/// use countersign_s3::BucketPolicies;
/// use countersign_server::authz::PolicyStore;
///
/// let buckets = BucketPolicies::new();
/// assert!(buckets.resource_policies("photos").is_none());
/// ```
#[derive(Clone, Default)]
pub struct BucketPolicies {
    inner: Arc<Inner>,
}

#[derive(Default)]
struct Inner {
    store: MemoryPolicyStore,
    shared: Option<Arc<dyn SharedBuckets>>,
    /// Held while a bucket's owner or policy changes, so that the storage and the stores
    /// agree.
    changing: Mutex<()>,
}

impl std::fmt::Debug for BucketPolicies {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BucketPolicies")
            .field("store", &self.inner.store)
            .field("shared", &self.inner.shared.is_some())
            .finish_non_exhaustive()
    }
}

impl BucketPolicies {
    /// Owners and policies kept in memory.
    pub fn new() -> Self {
        Self::default()
    }

    /// Owners and policies the authorizer reads from `shared`.
    pub fn shared(shared: impl SharedBuckets) -> Self {
        BucketPolicies {
            inner: Arc::new(Inner {
                store: MemoryPolicyStore::new(),
                shared: Some(Arc::new(shared)),
                changing: Mutex::new(()),
            }),
        }
    }

    /// Reads the owners and policies of the buckets in `storage`. A policy that no longer
    /// parses is an error (dropping it could lift a `Deny`). With a shared store, a bucket
    /// it has no entry for is copied there; its entries are left as they are.
    pub(crate) async fn load<S: Storage>(&self, storage: &S) -> Result<(), String> {
        let _changing = self.inner.changing.lock().await;
        let buckets = storage
            .list_buckets()
            .await
            .map_err(|e| format!("cannot list the buckets: {e}"))?;
        for bucket in buckets {
            let bucket = bucket.name.as_str();
            let place = |e: &dyn std::fmt::Display| format!("the bucket {bucket}: {e}");
            let owner = storage.bucket_owner(bucket).await.map_err(|e| place(&e))?;
            let document = storage
                .bucket_config(bucket, POLICY)
                .await
                .map_err(|e| place(&e))?;
            let policy = match &document {
                None => None,
                Some(document) => {
                    Some(Policy::bucket(document).map_err(|e| place(&format!("the policy: {e}")))?)
                }
            };
            match &self.inner.shared {
                Some(shared) if shared.entry(bucket).is_none() => {
                    let documents: Vec<&str> = document.iter().map(String::as_str).collect();
                    shared
                        .set_bucket(bucket, owner.as_deref(), &documents)
                        .await
                        .map_err(|e| place(&format!("into the shared store: {e}")))?;
                }
                Some(_) => {}
                None => {
                    let resource = ResourcePolicies::owned_by(owner)
                        .with_policies(policy.into_iter().collect());
                    self.inner.store.set_resource(bucket, resource);
                }
            }
        }
        Ok(())
    }

    /// The account that owns `bucket`, if one was recorded.
    pub(crate) fn owner(&self, bucket: &str) -> Option<String> {
        self.resource_policies(bucket)?.owner.clone()
    }

    /// Creates a bucket owned by `owner` (a service's has none), without a policy.
    pub(crate) async fn create<S: Storage>(
        &self,
        storage: &S,
        bucket: &str,
        owner: Option<&str>,
    ) -> Result<(), S3Error> {
        let _changing = self.inner.changing.lock().await;
        storage.create_bucket(bucket, owner).await?;
        if let Some(shared) = &self.inner.shared {
            shared
                .set_bucket(bucket, owner, &[])
                .await
                .map_err(|e| unavailable(&e))?;
        }
        let resource = ResourcePolicies::owned_by(owner.map(str::to_string));
        self.inner.store.set_resource(bucket, resource);
        Ok(())
    }

    /// Deletes an empty bucket, and forgets its owner and policy.
    pub(crate) async fn delete<S: Storage>(
        &self,
        storage: &S,
        bucket: &str,
    ) -> Result<(), S3Error> {
        let _changing = self.inner.changing.lock().await;
        storage.delete_bucket(bucket).await?;
        if let Some(shared) = &self.inner.shared {
            if let Err(e) = shared.remove_bucket(bucket).await {
                // The bucket is gone; its entry is what a bucket made again by that name
                // would start with, until it is written anew.
                eprintln!(
                    "cannot remove the entry of the deleted bucket {bucket} from the shared \
                     store: {e}"
                );
            }
        }
        self.inner.store.remove_resource(bucket);
        Ok(())
    }

    /// The policy of `bucket`, as it was put (the storage's text). With a shared store,
    /// none unless the shared entry has one.
    pub(crate) async fn policy<S: Storage>(
        &self,
        storage: &S,
        bucket: &str,
    ) -> Result<Option<String>, S3Error> {
        if let Some(shared) = &self.inner.shared {
            if shared
                .entry(bucket)
                .is_none_or(|entry| entry.policies.is_empty())
            {
                return Ok(None);
            }
        }
        Ok(storage.bucket_config(bucket, POLICY).await?)
    }

    /// Sets or (with `None`) removes the policy of `bucket`: `policy` is the parsed
    /// document and its text, given back by GetBucketPolicy as it was put.
    pub(crate) async fn set_policy<S: Storage>(
        &self,
        storage: &S,
        bucket: &str,
        policy: Option<(Policy, String)>,
    ) -> Result<(), S3Error> {
        let _changing = self.inner.changing.lock().await;
        let (parsed, document) = policy.unzip();
        if let Some(shared) = &self.inner.shared {
            shared
                .set_policy(bucket, document.as_deref())
                .await
                .map_err(|e| unavailable(&e))?;
        }
        storage
            .put_bucket_config(bucket, POLICY, document.as_deref())
            .await?;
        self.inner.store.set_resource_policy(bucket, parsed);
        Ok(())
    }
}

impl PolicyStore for BucketPolicies {
    fn identity_policies(&self, _principal_arn: &str) -> Option<Arc<[Policy]>> {
        None
    }

    fn resource_policies(&self, key: &str) -> Option<Arc<ResourcePolicies>> {
        match &self.inner.shared {
            Some(shared) => shared.entry(key),
            None => self.inner.store.resource_policies(key),
        }
    }
}

/// The refusal of a change that the shared store could not take: 503
/// `ServiceUnavailable`, as the layer refuses a request that needed it.
fn unavailable(error: &SharedError) -> S3Error {
    S3Error::new(
        StatusCode::SERVICE_UNAVAILABLE,
        "ServiceUnavailable",
        format!("The bucket's policies cannot be changed now: {error}"),
    )
}
