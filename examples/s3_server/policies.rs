//! What the layer's authorizer asks: the identity policies of the keys' principals (from
//! `--policies`, or the development key's), and each bucket's owner and policy, as the
//! frontend keeps them (`countersign_s3::BucketPolicies`).
//!
//! With `--redis`, the owners and policies the authorizer reads are those of Redis (a
//! `RedisPolicyStore`, which every instance keeps in memory and reloads as they change), so
//! that a `PutBucketPolicy` on one instance applies on all: [`RedisBuckets`] is the
//! frontend's shared store. The record files in `.countersign/buckets` are still written,
//! for GetBucketPolicy's text, and a record Redis lacks is copied there at start.

use std::sync::Arc;

use countersign::server::authz::{
    FilePolicyStore, MemoryPolicyStore, PolicyStore, ResourcePolicies,
};
use countersign_policy::Policy;
use countersign_redis::RedisPolicyStore;
use countersign_s3::{BucketPolicies, SharedBuckets, SharedFuture};

/// The identity policies of the development key: everything.
const ADMINISTRATOR: &str = r#"{"Version": "2012-10-17", "Statement": [
    {"Sid": "Administrator", "Effect": "Allow", "Action": "*", "Resource": "*"}]}"#;

/// The policy store of the layer's authorizer: the policy file's identity and resource
/// policies, and the server's own (the development key's identity policy, the identity
/// policies in Redis, the buckets' owners and policies). A bucket has the owner the server
/// recorded (else the file's) and the policies of both. Clones share the policies.
#[derive(Debug, Clone)]
pub(crate) struct Policies {
    file: Option<FilePolicyStore>,
    kept: MemoryPolicyStore,
    /// With `--redis`: identity policies written there.
    shared: Option<RedisPolicyStore>,
    /// The buckets' owners and policies (in Redis with `--redis`).
    buckets: BucketPolicies,
}

impl Policies {
    /// The policies of `file` (`--policies`), if any, the identity policies of `shared`,
    /// and the buckets' of `buckets`.
    pub(crate) fn new(
        file: Option<FilePolicyStore>,
        shared: Option<RedisPolicyStore>,
        buckets: BucketPolicies,
    ) -> Self {
        Policies {
            file,
            kept: MemoryPolicyStore::new(),
            shared,
            buckets,
        }
    }

    /// Gives `principal_arn` every permission (the development key).
    pub(crate) fn administrator(&self, principal_arn: &str) -> Result<(), String> {
        let policy = Policy::identity(ADMINISTRATOR).map_err(|e| e.to_string())?;
        self.kept.set_identity_policies(principal_arn, vec![policy]);
        Ok(())
    }
}

impl PolicyStore for Policies {
    fn identity_policies(&self, principal_arn: &str) -> Option<Arc<[Policy]>> {
        self.file
            .as_ref()
            .and_then(|file| file.identity_policies(principal_arn))
            .or_else(|| {
                let shared = self.shared.as_ref();
                shared.and_then(|shared| shared.identity_policies(principal_arn))
            })
            .or_else(|| self.kept.identity_policies(principal_arn))
    }

    fn resource_policies(&self, key: &str) -> Option<Arc<ResourcePolicies>> {
        let kept = self.buckets.resource_policies(key);
        let filed = self.file.as_ref().and_then(|f| f.resource_policies(key));
        match (kept, filed) {
            (Some(kept), Some(filed)) => {
                let owner = kept.owner.clone().or_else(|| filed.owner.clone());
                let policies = kept.policies.iter().chain(&filed.policies).cloned();
                Some(Arc::new(
                    ResourcePolicies::owned_by(owner).with_policies(policies.collect()),
                ))
            }
            (kept, None) => kept,
            (None, filed) => filed,
        }
    }
}

/// The buckets' owners and policies in Redis, shared by every instance started with the
/// same `--redis` (each bucket is the resource entry of its name).
#[derive(Debug, Clone)]
pub(crate) struct RedisBuckets(pub(crate) RedisPolicyStore);

impl SharedBuckets for RedisBuckets {
    fn entry(&self, bucket: &str) -> Option<Arc<ResourcePolicies>> {
        self.0.resource_policies(bucket)
    }

    fn set_bucket<'a>(
        &'a self,
        bucket: &'a str,
        owner: Option<&'a str>,
        policies: &'a [&'a str],
    ) -> SharedFuture<'a> {
        Box::pin(async move {
            let owner = owner.map(str::to_string);
            Ok(self.0.set_resource(bucket, owner, policies).await?)
        })
    }

    fn set_policy<'a>(&'a self, bucket: &'a str, policy: Option<&'a str>) -> SharedFuture<'a> {
        Box::pin(async move { Ok(self.0.set_resource_policy(bucket, policy).await?) })
    }

    fn remove_bucket<'a>(&'a self, bucket: &'a str) -> SharedFuture<'a> {
        Box::pin(async move { Ok(self.0.remove_resource(bucket).await?) })
    }
}
