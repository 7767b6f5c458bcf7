//! [`App`]: what every operation of a frontend shares.

use crate::bucket_registry::BucketPolicies;
use crate::ids::RequestIds;

/// The storage, the buckets' owners and policies, and the frontend's settings.
#[derive(Debug)]
pub(crate) struct App<S> {
    pub(crate) storage: std::sync::Arc<S>,
    /// The buckets' owners and policies.
    pub(crate) buckets: BucketPolicies,
    pub(crate) region: String,
    pub(crate) domain: String,
    /// `http` or `https`.
    pub(crate) scheme: &'static str,
    pub(crate) request_ids: RequestIds,
}
