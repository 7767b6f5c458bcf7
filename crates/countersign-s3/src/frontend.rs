//! [`S3Frontend`]: the builder of the S3 service.

use std::sync::Arc;

use axum::Router;

use crate::bucket_registry::BucketPolicies;
use crate::fs::Storage;
use crate::router::{self, App};

/// An S3 frontend over a storage: the region it serves, the domain of its virtual-hosted
/// addresses, the buckets' owners and policies; [`into_router`](Self::into_router) makes the
/// service to put behind `SigV4Layer` in S3 mode.
#[derive(Debug)]
pub struct S3Frontend {
    storage: Storage,
    buckets: BucketPolicies,
    region: String,
    domain: String,
    scheme: &'static str,
}

impl S3Frontend {
    /// A frontend over `storage`, for `us-east-1`, with the domain `localhost`, over HTTP,
    /// its buckets' owners and policies in memory.
    pub fn new(storage: Storage) -> Self {
        S3Frontend {
            storage,
            buckets: BucketPolicies::new(),
            region: "us-east-1".into(),
            domain: "localhost".into(),
            scheme: "http",
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

    /// Where the buckets' owners and policies are kept: give a clone of the same
    /// [`BucketPolicies`] to the layer's authorizer.
    pub fn buckets(mut self, buckets: BucketPolicies) -> Self {
        self.buckets = buckets;
        self
    }

    /// The buckets' owners and policies, for the layer's authorizer (clones share them).
    pub fn bucket_policies(&self) -> BucketPolicies {
        self.buckets.clone()
    }

    /// Reads the buckets' owners and policies from the storage and makes the router that
    /// answers every request. `Err` names a bucket whose record cannot be read, or whose
    /// policy no longer parses.
    pub async fn into_router(self) -> Result<Router, String> {
        self.buckets.load(&self.storage).await?;
        let app = Arc::new(App {
            storage: self.storage,
            buckets: self.buckets,
            region: self.region,
            domain: self.domain,
            scheme: self.scheme,
        });
        Ok(router::router(app))
    }
}
