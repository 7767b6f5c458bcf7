//! Authorization: after the signature verified, whether the signer may do what it asks, as
//! AWS decides it with IAM policies ("signature + permissions").
//!
//! The layer names what a request asks in IAM's terms (an [`Operation`]: action and
//! resource, from [`S3Operation`] in S3 mode or API Gateway's `execute-api:Invoke` otherwise,
//! or a function of yours), gathers the request's facts (source address, transport, time,
//! how it was signed), and asks the [`Authorizer`] configured with
//! [`SigV4Layer::authorize`](crate::SigV4Layer::authorize). A refusal is 403 `AccessDenied`
//! in the layer's error format; in debug mode its hint names the deciding statement.
//!
//! The built-in authorizer, [`PolicyAuthorizer`], evaluates IAM JSON policies from a
//! [`PolicyStore`] ([`MemoryPolicyStore`], [`FilePolicyStore`]): identity policies per
//! principal ARN, resource policies (bucket policies) per bucket or API, with AWS's logic
//! (an explicit deny wins, then an allow, across accounts both sides). Principals come from
//! the key store: any principal type that implements [`IamPrincipal`] ([`IamIdentity`], and
//! the JSON principals of [`FileKeyStore`](crate::keys::FileKeyStore)).
//!
//! ```
//! use std::sync::Arc;
//! use axum::{routing::get, Router};
//! use countersign_policy::Policy;
//! use countersign_server::authz::{IamIdentity, MemoryPolicyStore, PolicyAuthorizer};
//! use countersign_server::{keys::MemoryKeyStore, SigV4Layer};
//!
//! let alice = IamIdentity::new("arn:aws:iam::111122223333:user/alice").unwrap();
//! let keys = MemoryKeyStore::new();
//! keys.insert("AKIDALICE", "alice's secret", Arc::new(alice));
//! let policies = MemoryPolicyStore::new();
//! policies.set_identity_policies(
//!     "arn:aws:iam::111122223333:user/alice",
//!     vec![Policy::identity(r#"{"Version": "2012-10-17", "Statement": {"Effect": "Allow",
//!         "Action": "execute-api:Invoke", "Resource": "arn:aws:execute-api:*:*:*/*/GET/*"}}"#).unwrap()],
//! );
//! let app: Router = Router::new()
//!     .route("/items", get(|| async { "items" }))
//!     .layer(SigV4Layer::new(keys).authorize(PolicyAuthorizer::new(policies)));
//! # let _ = app;
//! ```

mod access_check;
mod connection;
mod context;
mod denial;
mod file_store;
mod object_tags;
mod operation;
mod policy_authorizer;
mod principal;
mod s3_operation;
pub(crate) mod step;
mod store;

use std::any::Any;
use std::future::Future;
use std::pin::Pin;

use http::request::Parts;

pub use access_check::AccessCheck;
pub use connection::Connection;
pub use context::{AuthType, RequestFacts};
pub use denial::Denial;
pub use file_store::{FilePolicyStore, PolicyFileError};
pub use object_tags::{ObjectTags, TagsFuture};
pub use operation::{Access, AccessRef, Accesses, ApiGateway, Operation, Operations};
pub use policy_authorizer::PolicyAuthorizer;
pub use principal::{IamIdentity, IamPrincipal, IamView};
pub use s3_operation::{CopySource, S3Operation, Target, Unclassified};
pub use store::{MemoryPolicyStore, PolicyStore, ResourcePolicies};

use crate::identity::Verified;

/// What an authorizer is asked about one request.
#[derive(Debug)]
#[non_exhaustive]
pub struct AccessRequest<'a, P> {
    /// Who signed it; `None` for an anonymous request (see
    /// [`SigV4Layer::anonymous`](crate::SigV4Layer::anonymous)).
    pub identity: Option<&'a Verified<P>>,
    /// What it asks, in IAM's terms.
    pub operation: &'a Operation,
    /// The request's facts: source address, transport, time, how it was signed.
    pub facts: &'a RequestFacts,
    /// The request's method, URI, headers and extensions.
    pub parts: &'a Parts,
}

/// An authorizer's answer, now or later.
pub enum Verdict {
    /// The request may proceed.
    Allow,
    /// The request is refused (403 `AccessDenied`).
    Deny(Denial),
    /// The answer needs I/O: the layer waits for it (a boxed future, so that the answers
    /// given at once cost nothing).
    Later(Pin<Box<dyn Future<Output = Result<(), Denial>> + Send>>),
}

impl std::fmt::Debug for Verdict {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Verdict::Allow => f.write_str("Allow"),
            Verdict::Deny(denial) => f.debug_tuple("Deny").field(denial).finish(),
            Verdict::Later(_) => f.write_str("Later(..)"),
        }
    }
}

/// Decides whether a verified (or anonymous) request may do what it asks. Answer at once
/// when you can ([`Verdict::Allow`], [`Verdict::Deny`]); return [`Verdict::Later`] with a
/// future when the answer needs I/O.
///
/// A closure `Fn(&AccessRequest<'_, P>) -> Verdict` is an authorizer:
///
/// ```
/// use countersign_server::authz::{AccessRequest, Denial, Verdict};
/// use countersign_server::{keys::MemoryKeyStore, SigV4Layer};
///
/// // Only GETs, for everyone who signs.
/// let read_only = |request: &AccessRequest<'_, String>| {
///     if request.parts.method == http::Method::GET {
///         Verdict::Allow
///     } else {
///         Verdict::Deny(Denial::new("this API is read-only"))
///     }
/// };
/// let layer = SigV4Layer::new(MemoryKeyStore::<String>::new()).authorize(read_only);
/// # let _ = layer;
/// ```
pub trait Authorizer<P>: Send + Sync + 'static {
    /// The verdict on `request`.
    fn authorize(&self, request: &AccessRequest<'_, P>) -> Verdict;
}

impl<P, F> Authorizer<P> for F
where
    F: Fn(&AccessRequest<'_, P>) -> Verdict + Send + Sync + 'static,
{
    fn authorize(&self, request: &AccessRequest<'_, P>) -> Verdict {
        self(request)
    }
}

impl<P, A: Authorizer<P>> Authorizer<P> for std::sync::Arc<A> {
    fn authorize(&self, request: &AccessRequest<'_, P>) -> Verdict {
        A::authorize(self, request)
    }
}

/// An authorizer with its principal type erased, as the layer's configuration holds it (the
/// configuration is the same type whatever the key store): it is handed the identity as
/// `Any` and takes back the principal type it was made for.
pub(crate) trait ErasedAuthorizer: Send + Sync {
    /// The identity the layer put in `extensions`, of the principal type the authorizer
    /// was made for.
    fn identity<'e>(&self, extensions: &'e http::Extensions)
        -> Option<&'e (dyn Any + Send + Sync)>;

    fn authorize(
        &self,
        identity: Option<&(dyn Any + Send + Sync)>,
        operation: &Operation,
        facts: &RequestFacts,
        parts: &Parts,
    ) -> Verdict;
}

/// An authorizer of principals of type `P`.
pub(crate) struct Typed<A, P> {
    authorizer: A,
    principal: std::marker::PhantomData<fn(&P)>,
}

impl<A, P> Typed<A, P> {
    pub(crate) fn new(authorizer: A) -> Self {
        Typed {
            authorizer,
            principal: std::marker::PhantomData,
        }
    }
}

impl<A, P> ErasedAuthorizer for Typed<A, P>
where
    A: Authorizer<P>,
    P: Send + Sync + 'static,
{
    fn identity<'e>(
        &self,
        extensions: &'e http::Extensions,
    ) -> Option<&'e (dyn Any + Send + Sync)> {
        let identity = extensions.get::<Verified<P>>()?;
        Some(identity)
    }

    fn authorize(
        &self,
        identity: Option<&(dyn Any + Send + Sync)>,
        operation: &Operation,
        facts: &RequestFacts,
        parts: &Parts,
    ) -> Verdict {
        let identity = match identity {
            None => None,
            Some(any) => match any.downcast_ref::<Verified<P>>() {
                Some(identity) => Some(identity),
                // The layer hands over the identity its own key store made, so this does not
                // happen; were it to, nothing is allowed on a principal the authorizer
                // cannot read.
                None => {
                    return Verdict::Deny(Denial::new(
                        "the identity is not of the authorizer's principal type",
                    ))
                }
            },
        };
        self.authorizer.authorize(&AccessRequest {
            identity,
            operation,
            facts,
            parts,
        })
    }
}
