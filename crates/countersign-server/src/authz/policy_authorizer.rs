//! The built-in authorizer: IAM policies from a [`PolicyStore`], evaluated with AWS's logic.

use std::sync::Arc;

use countersign_policy::{evaluate, Context, Decision, Policy, Principal, Request};
use smallvec::SmallVec;

use crate::authz::context::{ContextValues, Wanted};
use crate::authz::object_tags::{ObjectTags, TagSource, EXISTING_OBJECT_TAG};
use crate::authz::operation::{AccessRef, Operation};
use crate::authz::principal::IamPrincipal;
use crate::authz::store::{PolicyStore, ResourcePolicies};
use crate::authz::{AccessRequest, Authorizer, Denial, Verdict};
use crate::identity::Verified;

/// Evaluates each access a request needs against the signer's identity policies and the
/// resource's policies from `store`: an explicit deny wins, then an allow; across accounts
/// (a resource whose owner is another account) both sides must allow; nothing allows an
/// anonymous request but a resource policy naming everyone.
///
/// The principal comes from the key store's principal ([`IamPrincipal`]); a key whose
/// principal has no IAM identity is refused. The denial's reason names the deciding
/// statement, or says that none allowed. With an [`ObjectTags`] source
/// ([`object_tags`](Self::object_tags)), a policy may test an existing object's tags.
#[derive(Debug, Clone)]
pub struct PolicyAuthorizer<S> {
    store: S,
    object_tags: Option<TagSource>,
}

/// The resource policies of each access of an operation.
type Resources = SmallVec<[Option<Arc<ResourcePolicies>>; 2]>;

impl<S: PolicyStore> PolicyAuthorizer<S> {
    /// An authorizer over `store`.
    pub fn new(store: S) -> Self {
        PolicyAuthorizer {
            store,
            object_tags: None,
        }
    }

    /// The same authorizer, reading objects' tags from `source` for the policies that test
    /// `s3:ExistingObjectTag/<key>` (without one, such a key is absent).
    pub fn object_tags(mut self, source: impl ObjectTags) -> Self {
        self.object_tags = Some(TagSource(Arc::new(source)));
        self
    }

    /// The store.
    pub fn store(&self) -> &S {
        &self.store
    }
}

impl<S, P> Authorizer<P> for PolicyAuthorizer<S>
where
    S: PolicyStore,
    P: IamPrincipal + Clone + Send + Sync + 'static,
{
    fn authorize(&self, request: &AccessRequest<'_, P>) -> Verdict {
        let view = match request.identity {
            None => None,
            Some(identity) => match identity.principal.iam_view() {
                Some(view) => Some(view),
                None => {
                    return Verdict::Deny(Denial::new(format!(
                        "the principal of access key {} has no IAM identity (an ARN)",
                        identity.access_key_id()
                    )))
                }
            },
        };
        let principal = match principal_of(view.as_ref()) {
            Ok(principal) => principal,
            Err(denial) => return Verdict::Deny(denial),
        };
        let identity_policies = principal
            .principal_arn()
            .and_then(|arn| self.store.identity_policies(arn));
        let accesses = request.operation.accesses();
        let resources: Resources = accesses
            .iter()
            .map(|access| {
                let key = access.policy_key()?;
                self.store.resource_policies(key)
            })
            .collect();
        let identity_policies_ref: &[Policy] = identity_policies.as_deref().unwrap_or(&[]);
        let wanted = wanted(identity_policies_ref, &resources);
        let values = if wanted.is_empty() {
            ContextValues::default()
        } else {
            ContextValues::gather(request, view.as_ref(), &wanted)
        };
        if let Some(source) = self
            .object_tags
            .as_ref()
            .filter(|_| wanted.reads_object_tags())
        {
            let objects = tagged(request.operation, accesses.len());
            if !objects.is_empty() {
                // The objects' tags are the store's: read, then decided on.
                let later = LaterTags {
                    source: source.clone(),
                    objects,
                    identity: request.identity.cloned(),
                    identity_policies: identity_policies.clone(),
                    resources: resources.clone(),
                    values,
                    operation: request.operation.clone(),
                };
                return Verdict::Later(Box::pin(later.decide()));
            }
        }
        let tags = view.as_ref().map(|v| v.tags.as_slice()).unwrap_or(&[]);
        let context = values.context(tags, &wanted);
        match decide(
            principal,
            identity_policies_ref,
            &resources,
            &context,
            &[],
            &accesses,
        ) {
            Ok(()) => Verdict::Allow,
            Err(denial) => Verdict::Deny(denial),
        }
    }
}

/// The principal the policies are evaluated for: the anonymous one without a view.
fn principal_of<'a>(view: Option<&crate::authz::IamView<'a>>) -> Result<Principal<'a>, Denial> {
    match view {
        None => Ok(Principal::anonymous()),
        Some(view) => view.policy_principal().ok_or_else(|| {
            Denial::new(format!(
                "{:?} is not the ARN of a user, root user, role session or federated user",
                view.arn
            ))
        }),
    }
}

/// The condition keys the policies read, once each (a policy names them when it is
/// parsed): the only ones gathered, as the others cannot change the outcome.
fn wanted<'p>(identity_policies: &'p [Policy], resources: &'p Resources) -> Wanted<'p> {
    let resource_policies = resources.iter().flatten().flat_map(|r| r.policies.iter());
    let mut wanted = Wanted::default();
    for key in identity_policies
        .iter()
        .chain(resource_policies)
        .flat_map(Policy::context_keys)
    {
        wanted.add(key);
    }
    wanted
}

/// An existing object whose tags the accesses to it may test.
struct TaggedObject {
    /// Which of the operation's accesses are to it.
    accesses: std::ops::Range<usize>,
    bucket: String,
    key: String,
}

/// The existing objects whose tags the accesses of `operation` (`count` of them) may test: the object it is
/// about, unless it writes or deletes it (AWS gives `s3:ExistingObjectTag` for neither a PUT
/// nor a DELETE of an object: an upload makes the object), and a copy's source. A copy's
/// source and destination may be one object: the tags go to accesses, not to ARNs.
fn tagged(operation: &Operation, count: usize) -> SmallVec<[TaggedObject; 2]> {
    let mut objects = SmallVec::new();
    let Some(s3) = operation.s3.as_ref() else {
        return objects;
    };
    // A copy's source is read by the last access (see `Operation::accesses`).
    let own = match &s3.copy_source {
        Some(source) => {
            let last = count.saturating_sub(1);
            objects.push(TaggedObject {
                accesses: last..count,
                bucket: source.bucket.clone(),
                key: source.key.clone(),
            });
            0..last
        }
        None => 0..count,
    };
    let writes = matches!(
        s3.action,
        "s3:PutObject" | "s3:DeleteObject" | "s3:DeleteObjectVersion"
    );
    if let (false, Some(bucket), Some(key)) = (writes, s3.bucket(), s3.key()) {
        objects.push(TaggedObject {
            accesses: own,
            bucket: bucket.to_string(),
            key: key.to_string(),
        });
    }
    objects
}

/// An object's tags as condition keys (`s3:ExistingObjectTag/<key>`), for the accesses to
/// it.
struct TagKeys {
    accesses: std::ops::Range<usize>,
    keys: Vec<(String, String)>,
}

/// Each of `accesses`, evaluated for `principal`: the first refused denies.
fn decide(
    principal: Principal<'_>,
    identity_policies: &[Policy],
    resources: &Resources,
    context: &Context<'_>,
    object_tags: &[TagKeys],
    accesses: &[AccessRef<'_>],
) -> Result<(), Denial> {
    for (index, (access, resource)) in accesses.iter().zip(resources).enumerate() {
        // The tags of the object this access is to, if it is to one whose tags were read.
        let with_tags;
        let context = match object_tags.iter().find(|t| t.accesses.contains(&index)) {
            None => context,
            Some(tags) => {
                let mut more = context.clone();
                for (name, value) in &tags.keys {
                    more.insert(name, value);
                }
                with_tags = more;
                &with_tags
            }
        };
        let resource_policies: &[Policy] = resource
            .as_ref()
            .map(|r| r.policies.as_slice())
            .unwrap_or(&[]);
        let mut asked =
            Request::new(principal, access.action(), access.resource()).with_context(context);
        let owner = access
            .owner()
            .or(resource.as_ref().and_then(|r| r.owner.as_deref()));
        if let Some(owner) = owner {
            asked = asked.owned_by(owner);
        }
        let evaluation = evaluate(identity_policies, resource_policies, &asked);
        if evaluation.decision != Decision::Allow {
            return Err(Denial::new(format!(
                "{} {} on {}: {evaluation}",
                principal.arn().unwrap_or("anonymous"),
                access.action(),
                access.resource()
            )));
        }
    }
    Ok(())
}

/// A decision that waits for objects' tags: what the request brought, owned.
struct LaterTags<P> {
    source: TagSource,
    objects: SmallVec<[TaggedObject; 2]>,
    identity: Option<Verified<P>>,
    identity_policies: Option<Arc<[Policy]>>,
    resources: Resources,
    /// The request's other condition keys, gathered before waiting.
    values: ContextValues,
    operation: Operation,
}

impl<P: IamPrincipal> LaterTags<P> {
    async fn decide(self) -> Result<(), Denial> {
        let mut object_tags = Vec::with_capacity(self.objects.len());
        for object in &self.objects {
            let tags = self
                .source
                .0
                .object_tags(&object.bucket, &object.key)
                .await
                .unwrap_or_default();
            let keys = tags
                .into_iter()
                .map(|(key, value)| (format!("{EXISTING_OBJECT_TAG}{key}"), value))
                .collect();
            object_tags.push(TagKeys {
                accesses: object.accesses.clone(),
                keys,
            });
        }
        let view = self.identity.as_ref().and_then(|i| i.principal.iam_view());
        let principal = principal_of(view.as_ref())?;
        let identity_policies: &[Policy] = self.identity_policies.as_deref().unwrap_or(&[]);
        let wanted = wanted(identity_policies, &self.resources);
        let principal_tags = view.as_ref().map(|v| v.tags.as_slice()).unwrap_or(&[]);
        let context = self.values.context(principal_tags, &wanted);
        decide(
            principal,
            identity_policies,
            &self.resources,
            &context,
            &object_tags,
            &self.operation.accesses(),
        )
    }
}
