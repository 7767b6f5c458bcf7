//! Where the built-in authorizer finds policies: identity policies per principal ARN, and
//! resource policies (with the resource's owner) per bucket or API.

use std::sync::Arc;

use countersign_policy::Policy;
use dashmap::DashMap;

/// The policies of one resource (a bucket, an API) and the account that owns it.
#[derive(Debug, Clone, Default)]
#[non_exhaustive]
pub struct ResourcePolicies {
    /// The owning account; `None` for the signer's own (a single-account server).
    pub owner: Option<String>,
    /// Its resource policies (a bucket has at most one).
    pub policies: Vec<Policy>,
}

impl ResourcePolicies {
    /// A resource owned by `owner`, with no policy yet.
    pub fn owned_by(owner: Option<String>) -> Self {
        ResourcePolicies {
            owner,
            policies: Vec::new(),
        }
    }

    /// The same resource with `policies`.
    pub fn with_policies(mut self, policies: Vec<Policy>) -> Self {
        self.policies = policies;
        self
    }
}

/// A source of policies, asked on every request the layer authorizes (answer from memory:
/// keep the parsed policies, as the stores of this crate do).
pub trait PolicyStore: Send + Sync + 'static {
    /// The identity policies attached to a principal, by its `aws:PrincipalArn` (a user's
    /// ARN, a root user's, or for a role session the role's).
    fn identity_policies(&self, principal_arn: &str) -> Option<Arc<[Policy]>>;

    /// The policies and owner of the resource kept under `key` (a bucket's name, an API's
    /// id).
    fn resource_policies(&self, key: &str) -> Option<Arc<ResourcePolicies>>;
}

impl<T: PolicyStore> PolicyStore for Arc<T> {
    fn identity_policies(&self, principal_arn: &str) -> Option<Arc<[Policy]>> {
        T::identity_policies(self, principal_arn)
    }

    fn resource_policies(&self, key: &str) -> Option<Arc<ResourcePolicies>> {
        T::resource_policies(self, key)
    }
}

/// Policies in memory, changed at runtime (a `PutBucketPolicy` takes effect on the next
/// request). Clones share the policies.
///
/// ```
/// use countersign_policy::Policy;
/// use countersign_server::authz::{MemoryPolicyStore, PolicyStore};
/// let store = MemoryPolicyStore::new();
/// store.set_owner("photos", Some("111122223333".into()));
/// let public_read = Policy::bucket(r#"{"Version": "2012-10-17", "Statement": {"Effect": "Allow",
///     "Principal": "*", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::photos/*"}}"#).unwrap();
/// store.set_resource_policy("photos", Some(public_read));
/// let photos = store.resource_policies("photos").unwrap();
/// assert_eq!((photos.owner.as_deref(), photos.policies.len()), (Some("111122223333"), 1));
/// ```
#[derive(Debug, Clone, Default)]
pub struct MemoryPolicyStore {
    identities: Arc<DashMap<String, Arc<[Policy]>, Hasher>>,
    resources: Arc<DashMap<String, Arc<ResourcePolicies>, Hasher>>,
}

/// The hasher of the maps, asked on every request: a random-keyed foldhash, cheaper than
/// SipHash; only the operator adds names, so no client can fill a map with colliding ones.
type Hasher = foldhash::fast::RandomState;

impl MemoryPolicyStore {
    /// An empty store: nothing is allowed.
    pub fn new() -> Self {
        Self::default()
    }

    /// Sets the identity policies of a principal (by `aws:PrincipalArn`), replacing its
    /// others; none removes them.
    pub fn set_identity_policies(&self, principal_arn: impl Into<String>, policies: Vec<Policy>) {
        let arn = principal_arn.into();
        if policies.is_empty() {
            self.identities.remove(&arn);
        } else {
            self.identities.insert(arn, policies.into());
        }
    }

    /// Sets a resource's owner and policies.
    pub fn set_resource(&self, key: impl Into<String>, resource: ResourcePolicies) {
        self.resources.insert(key.into(), Arc::new(resource));
    }

    /// Sets a resource's owner, keeping its policies.
    pub fn set_owner(&self, key: &str, owner: Option<String>) {
        self.change_resource(key, |r| r.owner = owner);
    }

    /// Sets (or with `None` removes) a resource's one policy, keeping its owner: a bucket
    /// policy.
    pub fn set_resource_policy(&self, key: &str, policy: Option<Policy>) {
        self.change_resource(key, |r| r.policies = policy.into_iter().collect());
    }

    /// Forgets a resource: its owner and policies.
    pub fn remove_resource(&self, key: &str) {
        self.resources.remove(key);
    }

    fn change_resource(&self, key: &str, change: impl FnOnce(&mut ResourcePolicies)) {
        let mut entry = self.resources.entry(key.to_string()).or_default();
        change(Arc::make_mut(&mut entry));
    }
}

impl PolicyStore for MemoryPolicyStore {
    fn identity_policies(&self, principal_arn: &str) -> Option<Arc<[Policy]>> {
        self.identities.get(principal_arn).map(|p| Arc::clone(&p))
    }

    fn resource_policies(&self, key: &str) -> Option<Arc<ResourcePolicies>> {
        self.resources.get(key).map(|r| Arc::clone(&r))
    }
}
