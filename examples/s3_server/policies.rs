//! What the layer's authorizer asks: the identity policies of the keys' principals (from
//! `--policies`, or the development key's), and the resource policies of `--policies`; the
//! frontend adds each bucket's owner and policy (`countersign_s3::BucketPolicies`).
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
use countersign_s3::{SharedBuckets, SharedFuture};

/// The identity policies of the development key: everything.
const ADMINISTRATOR: &str = r#"{"Version": "2012-10-17", "Statement": [
    {"Sid": "Administrator", "Effect": "Allow", "Action": "*", "Resource": "*"}]}"#;

/// The policies the server gives the layer's authorizer besides the buckets': the policy
/// file's identity and resource policies, the identity policies in Redis, and the
/// development key's. Clones share the policies.
#[derive(Debug, Clone)]
pub(crate) struct Policies {
    file: Option<FilePolicyStore>,
    kept: MemoryPolicyStore,
    /// With `--redis`: identity policies written there.
    shared: Option<RedisPolicyStore>,
}

impl Policies {
    /// The policies of `file` (`--policies`), if any, and the identity policies of `shared`.
    pub(crate) fn new(file: Option<FilePolicyStore>, shared: Option<RedisPolicyStore>) -> Self {
        Policies {
            file,
            kept: MemoryPolicyStore::new(),
            shared,
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
        self.file.as_ref().and_then(|f| f.resource_policies(key))
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
