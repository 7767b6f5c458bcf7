//! [`WithBuckets`]: the policies the layer's authorizer reads in front of a frontend — the
//! caller's (identity policies, perhaps resource policies of its own) with the frontend's
//! buckets' owners and policies; and the tags of the storage's objects, which policies may
//! test.

use std::sync::Arc;

use countersign_policy::Policy;
use countersign_server::authz::{ObjectTags, PolicyStore, ResourcePolicies, TagsFuture};

use crate::bucket_registry::BucketPolicies;
use crate::storage::Storage;

/// A policy store of `policies` (the identity policies of the keys' principals, and any
/// resource policies of the caller's) and the buckets' owners and policies: a bucket has the
/// owner the frontend recorded (else the caller's) and the policies of both.
#[derive(Debug, Clone)]
pub struct WithBuckets<T> {
    policies: T,
    buckets: BucketPolicies,
}

impl<T: PolicyStore> WithBuckets<T> {
    /// `policies`, with the owners and policies of `buckets`.
    pub fn new(policies: T, buckets: BucketPolicies) -> Self {
        WithBuckets { policies, buckets }
    }
}

impl<T: PolicyStore> PolicyStore for WithBuckets<T> {
    fn identity_policies(&self, principal_arn: &str) -> Option<Arc<[Policy]>> {
        self.policies.identity_policies(principal_arn)
    }

    fn resource_policies(&self, key: &str) -> Option<Arc<ResourcePolicies>> {
        let kept = self.buckets.resource_policies(key);
        let given = self.policies.resource_policies(key);
        match (kept, given) {
            (Some(kept), Some(given)) => {
                let owner = kept.owner.clone().or_else(|| given.owner.clone());
                let policies = kept.policies.iter().chain(&given.policies).cloned();
                Some(Arc::new(
                    ResourcePolicies::owned_by(owner).with_policies(policies.collect()),
                ))
            }
            (kept, None) => kept,
            (None, given) => given,
        }
    }
}

/// The tags of a storage's objects, for the policies that test `s3:ExistingObjectTag/<key>`
/// (the layer's authorizer asks only then, for a request about an existing object).
pub(crate) struct StorageTags<S>(pub(crate) Arc<S>);

impl<S: Storage> ObjectTags for StorageTags<S> {
    fn object_tags(&self, bucket: &str, key: &str) -> TagsFuture {
        let storage = Arc::clone(&self.0);
        let (bucket, key) = (bucket.to_string(), key.to_string());
        Box::pin(async move {
            let meta = storage.head_object(&bucket, &key).await.ok()?;
            Some(meta.tags)
        })
    }
}
