//! The built-in authorizer: IAM policies from a [`PolicyStore`], evaluated with AWS's logic.

use std::sync::Arc;

use countersign_policy::{evaluate, Decision, Policy, Principal, Request};
use smallvec::SmallVec;

use crate::authz::context::{ContextValues, Wanted};
use crate::authz::principal::IamPrincipal;
use crate::authz::store::{PolicyStore, ResourcePolicies};
use crate::authz::{AccessRequest, Authorizer, Denial, Verdict};

/// Evaluates each access a request needs against the signer's identity policies and the
/// resource's policies from `store`: an explicit deny wins, then an allow; across accounts
/// (a resource whose owner is another account) both sides must allow; nothing allows an
/// anonymous request but a resource policy naming everyone.
///
/// The principal comes from the key store's principal ([`IamPrincipal`]); a key whose
/// principal has no IAM identity is refused. The denial's reason names the deciding
/// statement, or says that none allowed.
#[derive(Debug, Clone)]
pub struct PolicyAuthorizer<S> {
    store: S,
}

impl<S: PolicyStore> PolicyAuthorizer<S> {
    /// An authorizer over `store`.
    pub fn new(store: S) -> Self {
        PolicyAuthorizer { store }
    }

    /// The store.
    pub fn store(&self) -> &S {
        &self.store
    }
}

impl<S, P> Authorizer<P> for PolicyAuthorizer<S>
where
    S: PolicyStore,
    P: IamPrincipal + Send + Sync + 'static,
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
        let principal = match &view {
            None => Principal::anonymous(),
            Some(view) => match view.policy_principal() {
                Some(principal) => principal,
                None => {
                    return Verdict::Deny(Denial::new(format!(
                        "{:?} is not the ARN of a user, root user, role session or federated user",
                        view.arn
                    )))
                }
            },
        };
        let identity_policies = principal
            .principal_arn()
            .and_then(|arn| self.store.identity_policies(arn));
        let identity_policies: &[Policy] = identity_policies.as_deref().unwrap_or(&[]);
        let resources: SmallVec<[Option<Arc<ResourcePolicies>>; 2]> = request
            .operation
            .accesses()
            .iter()
            .map(|access| {
                let key = access.policy_key()?;
                self.store.resource_policies(key)
            })
            .collect();
        // Only the keys some policy reads are gathered: the others cannot change the outcome.
        // The keys the policies read, once each (a policy names them when it is parsed).
        let resource_policies = resources.iter().flatten().flat_map(|r| r.policies.iter());
        let mut wanted = Wanted::default();
        for key in identity_policies
            .iter()
            .chain(resource_policies)
            .flat_map(Policy::context_keys)
        {
            wanted.add(key);
        }
        let values = if wanted.is_empty() {
            ContextValues::default()
        } else {
            ContextValues::gather(request, view.as_ref(), &wanted)
        };
        let tags = view.as_ref().map(|v| v.tags.as_slice()).unwrap_or(&[]);
        let context = values.context(tags, &wanted);
        for (access, resource) in request.operation.accesses().iter().zip(&resources) {
            let resource_policies: &[Policy] = resource
                .as_ref()
                .map(|r| r.policies.as_slice())
                .unwrap_or(&[]);
            let mut asked =
                Request::new(principal, access.action(), access.resource()).with_context(&context);
            let owner = access
                .owner()
                .or(resource.as_ref().and_then(|r| r.owner.as_deref()));
            if let Some(owner) = owner {
                asked = asked.owned_by(owner);
            }
            let evaluation = evaluate(identity_policies, resource_policies, &asked);
            if evaluation.decision != Decision::Allow {
                return Verdict::Deny(Denial::new(format!(
                    "{} {} on {}: {evaluation}",
                    principal.arn().unwrap_or("anonymous"),
                    access.action(),
                    access.resource()
                )));
            }
        }
        Verdict::Allow
    }
}
