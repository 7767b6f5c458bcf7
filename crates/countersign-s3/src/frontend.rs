//! [`S3Frontend`]: the builder of the S3 service, and of the layer in front of it.

use std::marker::PhantomData;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use countersign_server::authz::{IamPrincipal, PolicyAuthorizer, PolicyStore};
use countersign_server::keys::KeyStore;
use countersign_server::{ErrorFormat, SigV4Layer};
use serde_json::Value;

use crate::app::App;
use crate::authorization::{StorageTags, WithBuckets};
use crate::bucket_registry::BucketPolicies;
use crate::ids::RequestIds;
use crate::router;
use crate::storage::Storage;

/// The clock skew S3 allows.
const CLOCK_SKEW: Duration = Duration::from_secs(15 * 60);

/// An S3 frontend over a [`Storage`]: the region it serves, the domain of its
/// virtual-hosted addresses, the buckets' owners and policies. [`layer`](Self::layer) makes
/// the `SigV4Layer` to put in front of it (S3 mode, S3's clock skew and XML errors,
/// authorization by IAM policies and bucket policies), and
/// [`into_router`](Self::into_router) the service.
///
/// `P` is the principal type of the layer's key store (JSON principals, `Arc<Value>`, by
/// default: see [`principal`](Self::principal)). Clones share the storage and the buckets.
///
/// ```
/// use std::sync::Arc;
/// use countersign_policy::Policy;
/// use countersign_s3::{MemoryStorage, S3Frontend};
/// use countersign_server::authz::MemoryPolicyStore;
/// use countersign_server::keys::MemoryKeyStore;
///
/// # #[tokio::main(flavor = "current_thread")] async fn main() -> Result<(), String> {
/// let keys = MemoryKeyStore::new();
/// let alice = "arn:aws:iam::111122223333:user/alice";
/// keys.insert("AKIDALICE", "alice's secret", Arc::new(serde_json::json!({"arn": alice})));
/// let identities = MemoryPolicyStore::new();
/// identities.set_identity_policies(alice, vec![Policy::identity(r#"{"Version": "2012-10-17",
///     "Statement": {"Effect": "Allow", "Action": "s3:*", "Resource": "*"}}"#).unwrap()]);
///
/// let frontend = S3Frontend::new(MemoryStorage::new()).region("eu-west-1");
/// let layer = frontend.layer(keys, identities);
/// let app: axum::Router = frontend.into_router().await?.layer(layer);
/// # let _ = app;
/// # Ok(()) }
/// ```
pub struct S3Frontend<S, P = Arc<Value>> {
    storage: Arc<S>,
    buckets: BucketPolicies,
    region: String,
    domain: String,
    scheme: &'static str,
    principal: PhantomData<fn() -> P>,
}

impl<S, P> Clone for S3Frontend<S, P> {
    fn clone(&self) -> Self {
        S3Frontend {
            storage: Arc::clone(&self.storage),
            buckets: self.buckets.clone(),
            region: self.region.clone(),
            domain: self.domain.clone(),
            scheme: self.scheme,
            principal: PhantomData,
        }
    }
}

impl<S: std::fmt::Debug, P> std::fmt::Debug for S3Frontend<S, P> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("S3Frontend")
            .field("storage", &self.storage)
            .field("buckets", &self.buckets)
            .field("region", &self.region)
            .field("domain", &self.domain)
            .field("scheme", &self.scheme)
            .finish()
    }
}

impl<S: Storage> S3Frontend<S> {
    /// A frontend over `storage`, for `us-east-1`, with the domain `localhost`, over HTTP,
    /// its buckets' owners and policies in memory, for keys whose principals are JSON
    /// (`{"arn": "arn:aws:iam::111122223333:user/alice"}`, as `FileKeyStore` gives them).
    pub fn new(storage: S) -> Self {
        S3Frontend {
            storage: Arc::new(storage),
            buckets: BucketPolicies::new(),
            region: "us-east-1".into(),
            domain: "localhost".into(),
            scheme: "http",
            principal: PhantomData,
        }
    }
}

impl<S: Storage, P> S3Frontend<S, P>
where
    P: IamPrincipal + Clone + Send + Sync + 'static,
{
    /// The same frontend for keys whose principals are `Q` (`Arc<IamIdentity>`, ...): who
    /// signed, for the buckets' owners and the owners shown in listings.
    pub fn principal<Q>(self) -> S3Frontend<S, Q> {
        S3Frontend {
            storage: self.storage,
            buckets: self.buckets,
            region: self.region,
            domain: self.domain,
            scheme: self.scheme,
            principal: PhantomData,
        }
    }

    /// The region clients sign for (`us-east-1` by default): HeadBucket and
    /// GetBucketLocation name it, and CreateBucket refuses another location constraint.
    pub fn region(mut self, region: impl Into<String>) -> Self {
        self.region = region.into();
        self
    }

    /// The domain of virtual-hosted-style addresses: a `Host` of `{bucket}.{domain}[:port]`
    /// names the bucket (`localhost` by default).
    pub fn domain(mut self, domain: impl Into<String>) -> Self {
        self.domain = domain.into();
        self
    }

    /// Whether clients reach the frontend over HTTPS (the scheme of the `Location` of a
    /// completed multipart upload and of a POST upload); HTTP by default.
    pub fn https(mut self, on: bool) -> Self {
        self.scheme = if on { "https" } else { "http" };
        self
    }

    /// Where the buckets' owners and policies are kept (in memory by default; see
    /// [`BucketPolicies::shared`]).
    pub fn buckets(mut self, buckets: BucketPolicies) -> Self {
        self.buckets = buckets;
        self
    }

    /// The buckets' owners and policies (clones share them).
    pub fn bucket_policies(&self) -> BucketPolicies {
        self.buckets.clone()
    }

    /// The storage.
    pub fn storage(&self) -> &S {
        &self.storage
    }

    /// The layer to put in front of the frontend: `SigV4Layer` over `keys` in S3 mode, for
    /// this region and the service `s3`, virtual-hosted addresses under this domain, S3's
    /// fifteen minutes of clock skew and XML errors, and every request authorized by IAM's
    /// logic ([`PolicyAuthorizer`]) with the identity policies of `policies` and the
    /// buckets' owners and policies (see [`WithBuckets`]) and the objects' tags for
    /// `s3:ExistingObjectTag/<key>`, and browsers' CORS preflights let
    /// through unsigned for the frontend to answer from the bucket's CORS configuration
    /// (`cors_preflight`). Chain the layer's other settings (`anonymous`, `lockout`,
    /// `debug_errors`, ...) on what it returns.
    pub fn layer<K>(&self, keys: K, policies: impl PolicyStore) -> SigV4Layer<K>
    where
        K: KeyStore<Principal = P>,
    {
        SigV4Layer::new(keys)
            .s3()
            .regions([self.region.as_str()])
            .services(["s3"])
            .virtual_host_domain(self.domain.as_str())
            .clock_skew(CLOCK_SKEW)
            .error_format(ErrorFormat::S3Xml)
            .cors_preflight(true)
            .authorize(
                PolicyAuthorizer::new(WithBuckets::new(policies, self.buckets.clone()))
                    .object_tags(StorageTags(Arc::clone(&self.storage))),
            )
    }

    /// Reads the buckets' owners and policies from the storage and makes the router that
    /// answers every request. `Err` names a bucket whose owner or policy cannot be read, or
    /// whose policy no longer parses.
    pub async fn into_router(self) -> Result<Router, String> {
        self.buckets.load(&*self.storage).await?;
        let app = Arc::new(App {
            storage: self.storage,
            buckets: self.buckets,
            region: self.region,
            domain: self.domain,
            scheme: self.scheme,
            request_ids: RequestIds::default(),
        });
        Ok(router::router::<S, P>(app))
    }
}
