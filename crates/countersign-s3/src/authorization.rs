//! [`WithBuckets`]: the policies the layer's authorizer reads in front of a frontend — the
//! caller's (identity policies, perhaps resource policies of its own) with the frontend's
//! buckets' owners and policies.

use std::sync::Arc;

use countersign_policy::Policy;
use countersign_server::authz::{PolicyStore, ResourcePolicies};

use crate::bucket_registry::BucketPolicies;

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
