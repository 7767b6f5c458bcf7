//! What the layer leaves a handler of an authorized request: the operation it authorized,
//! and a way to authorize more accesses the same way (the keys of a DeleteObjects body, which
//! only a reader of the body knows).

use std::fmt;
use std::sync::Arc;

use http::request::Parts;

use crate::authz::context::RequestFacts;
use crate::authz::operation::{Access, Operation};
use crate::authz::{Denial, ErasedAuthorizer, Verdict};

/// In the extensions of every request the layer authorized (with an authorizer
/// configured): the [`Operation`] it authorized, and [`check`](Self::check) to authorize
/// another access as the same signer, at the same time, from the same place.
///
/// AWS authorizes a DeleteObjects request's `s3:DeleteObject` on each key its body names;
/// a handler reads the body, checks each key, and reports `AccessDenied` for each one
/// refused:
///
/// ```
/// use countersign_server::authz::{Access, AccessCheck};
/// async fn delete_each(parts: &http::request::Parts, bucket: &str, keys: &[&str]) -> Vec<(String, bool)> {
///     let Some(check) = parts.extensions.get::<AccessCheck>() else {
///         return Vec::new(); // no authorizer: the layer authorizes nothing
///     };
///     let mut outcome = Vec::new();
///     for key in keys {
///         let access = Access::new("s3:DeleteObject", format!("arn:aws:s3:::{bucket}/{key}"))
///             .with_policy_key(bucket);
///         outcome.push((key.to_string(), check.check(parts, access).await.is_ok()));
///     }
///     outcome
/// }
/// # let _ = delete_each;
/// ```
#[derive(Clone)]
pub struct AccessCheck {
    authorizer: Arc<dyn ErasedAuthorizer>,
    /// The facts and the operation, held inline: the extensions box the check once.
    facts: RequestFacts,
    operation: Operation,
}

impl AccessCheck {
    pub(crate) fn new(
        authorizer: Arc<dyn ErasedAuthorizer>,
        facts: RequestFacts,
        operation: Operation,
    ) -> Self {
        AccessCheck {
            authorizer,
            facts,
            operation,
        }
    }

    /// The operation the layer named the request as, and authorized.
    pub fn operation(&self) -> &Operation {
        &self.operation
    }

    /// The request's facts, as the layer gathered them.
    pub fn facts(&self) -> &RequestFacts {
        &self.facts
    }

    /// Whether the signer of the request `parts` (the one this check came with) may
    /// `access` too, by the layer's authorizer.
    pub async fn check(&self, parts: &Parts, access: Access) -> Result<(), Denial> {
        let mut operation = Operation::new(access);
        operation.s3 = self.operation().s3.clone();
        let identity = self.authorizer.identity(&parts.extensions);
        let signed = self.facts().auth_type.is_some();
        if signed && identity.is_none() {
            // The request was signed, and its identity is gone from the extensions: nothing
            // is allowed on an identity that cannot be read.
            return Err(Denial::new(
                "the request's identity is not in its extensions",
            ));
        }
        match self
            .authorizer
            .authorize(identity, &operation, self.facts(), parts)
        {
            Verdict::Allow => Ok(()),
            Verdict::Deny(denial) => Err(denial),
            Verdict::Later(verdict) => verdict.await,
        }
    }
}

impl fmt::Debug for AccessCheck {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AccessCheck")
            .field("operation", self.operation())
            .field("facts", self.facts())
            .finish_non_exhaustive()
    }
}
