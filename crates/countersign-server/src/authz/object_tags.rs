//! [`ObjectTags`]: where the policy authorizer reads an object's tags, for policies that test
//! `s3:ExistingObjectTag/<key>` (S3's attribute-based access to objects by their tags).

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

/// The tags an [`ObjectTags`] source answers with: `None` when there is no such object.
pub type TagsFuture = Pin<Box<dyn Future<Output = Option<Vec<(String, String)>>> + Send>>;

/// The tags of the objects a storage holds, read by the
/// [`PolicyAuthorizer`](super::PolicyAuthorizer) when a policy tests
/// `s3:ExistingObjectTag/<key>` and the request is about an existing object (GetObject,
/// HeadObject, the tagging and ACL operations, ...; not an upload, which makes the object,
/// nor a delete, for neither of which AWS gives the key) or copies one (the source's tags,
/// for reading it). Asked only then: a request that no such policy governs costs nothing
/// more.
///
/// ```
/// use countersign_server::authz::{MemoryPolicyStore, ObjectTags, PolicyAuthorizer, TagsFuture};
///
/// /// Every object is tagged `public=yes` (a real source asks the storage).
/// struct AllPublic;
///
/// impl ObjectTags for AllPublic {
///     fn object_tags(&self, _bucket: &str, _key: &str) -> TagsFuture {
///         Box::pin(async { Some(vec![("public".to_string(), "yes".to_string())]) })
///     }
/// }
///
/// let authorizer = PolicyAuthorizer::new(MemoryPolicyStore::new()).object_tags(AllPublic);
/// # let _ = authorizer;
/// ```
pub trait ObjectTags: Send + Sync + 'static {
    /// The tags of `bucket/key`; `None` when it does not exist (the keys are then absent,
    /// as AWS evaluates a key the request does not carry).
    fn object_tags(&self, bucket: &str, key: &str) -> TagsFuture;
}

impl<T: ObjectTags> ObjectTags for Arc<T> {
    fn object_tags(&self, bucket: &str, key: &str) -> TagsFuture {
        T::object_tags(self, bucket, key)
    }
}

/// A source of tags, shared by the authorizer's clones.
#[derive(Clone)]
pub(crate) struct TagSource(pub(crate) Arc<dyn ObjectTags>);

impl fmt::Debug for TagSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("ObjectTags")
    }
}

/// The prefix of the condition keys an object's tags are given as.
pub(crate) const EXISTING_OBJECT_TAG: &str = "s3:ExistingObjectTag/";
