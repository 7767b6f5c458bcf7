//! AWS's policy evaluation logic for identity and resource policies: an explicit deny wins,
//! then an allow, else the request is implicitly denied.
//!
//! ```
//! use countersign_policy::{evaluate, Context, Decision, Policy, Principal, Request};
//! let bucket = Policy::bucket(r#"{"Version": "2012-10-17", "Statement": [{
//!     "Sid": "PublicRead", "Effect": "Allow", "Principal": "*",
//!     "Action": "s3:GetObject", "Resource": "arn:aws:s3:::photos/*"}]}"#)?;
//! let context = Context::new();
//! let request = Request::new(Principal::anonymous(), "s3:GetObject", "arn:aws:s3:::photos/cat.jpg")
//!     .owned_by("111122223333")
//!     .with_context(&context);
//! let (identity, resource): ([Policy; 0], _) = ([], [bucket]);
//! let evaluation = evaluate(&identity, &resource, &request);
//! assert_eq!(evaluation.decision, Decision::Allow);
//! assert_eq!(evaluation.to_string(), "allowed by resource policy 0, statement \"PublicRead\"");
//! # Ok::<(), countersign_policy::PolicyError>(())
//! ```
//!
//! The logic follows IAM's pages on policy evaluation
//! (<https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic.html>,
//! <https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic-cross-account.html>):
//!
//! 1. A `Deny` statement that applies, in any identity or resource policy, denies.
//! 2. Within one account (the principal's account owns the resource), an `Allow` in an
//!    identity policy, or an `Allow` in a resource policy that names the principal itself
//!    (or everyone), allows.
//! 3. Across accounts, both sides must allow: an identity policy, and a resource policy that
//!    names the principal or its account.
//! 4. A resource policy that names only the principal's account delegates to that account:
//!    its identity policies must allow too, in the same account as across accounts.
//! 5. Anonymous requests and services have no identity policies: a resource policy that
//!    names them, or everyone, is the only way to allow them.
//!
//! Permissions boundaries, session policies and organization policies are not modelled. The
//! account root user's unrestricted access within its account is the caller's to grant (with
//! an identity policy allowing `*` on `*`), as AWS grants it outside of policies.

use std::borrow::Borrow;
use std::fmt;

use crate::context::{Context, Scope};
use crate::limits::PolicyKind;
use crate::policy::{Effect, Policy, Statement};
use crate::principal::{Grant, Principal};

/// What one evaluation is about.
#[derive(Debug, Clone, Copy)]
pub struct Request<'a> {
    /// Who makes the request.
    pub principal: Principal<'a>,
    /// The action, such as `s3:GetObject`.
    pub action: &'a str,
    /// The ARN of the resource, such as `arn:aws:s3:::photos/cat.jpg`.
    pub resource: &'a str,
    /// The account that owns the resource (S3 ARNs do not name it, so the caller says it). A
    /// request from another account, or from no account, crosses accounts; `None` means the
    /// principal's own account, for servers with a single account.
    pub resource_account: Option<&'a str>,
    /// The request's condition keys.
    pub context: &'a Context<'a>,
}

static EMPTY: Context<'static> = Context::new();

impl<'a> Request<'a> {
    /// A request with an empty context, for a resource in the principal's own account.
    pub fn new(principal: Principal<'a>, action: &'a str, resource: &'a str) -> Request<'a> {
        Request {
            principal,
            action,
            resource,
            resource_account: None,
            context: &EMPTY,
        }
    }

    /// The same request for a resource owned by `account`.
    pub fn owned_by(mut self, account: &'a str) -> Request<'a> {
        self.resource_account = Some(account);
        self
    }

    /// The same request with `context`.
    pub fn with_context(mut self, context: &'a Context<'a>) -> Request<'a> {
        self.context = context;
        self
    }

    /// Whether the principal belongs to the account that owns the resource.
    pub fn is_same_account(&self) -> bool {
        match (self.principal.account(), self.resource_account) {
            (Some(principal), Some(owner)) => principal == owner,
            (Some(_), None) => true,
            (None, _) => false,
        }
    }
}

/// The outcome of an evaluation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Decision {
    /// A statement allowed the request, and none denied it.
    Allow,
    /// A `Deny` statement applied.
    ExplicitDeny,
    /// Nothing allowed the request (or, across accounts, only one side did).
    ImplicitDeny,
}

/// A statement, named for messages: which policy, which statement.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StatementRef<'p> {
    /// An identity or a resource policy.
    pub kind: PolicyKind,
    /// The policy's index in the list it was given in.
    pub policy: usize,
    /// The statement's index in its policy.
    pub index: usize,
    /// The statement's `Sid`, if it has one.
    pub sid: Option<&'p str>,
}

impl fmt::Display for StatementRef<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} policy {}, statement ",
            self.kind.as_str(),
            self.policy
        )?;
        match self.sid {
            Some(sid) => write!(f, "\"{}\"", sid.escape_debug()),
            None => write!(f, "{}", self.index),
        }
    }
}

/// A decision, and the statements behind it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Evaluation<'p> {
    /// Allow, explicit deny or implicit deny.
    pub decision: Decision,
    /// The first `Deny` statement that applied.
    pub deny: Option<StatementRef<'p>>,
    /// The first identity-policy statement that allowed.
    pub identity_allow: Option<StatementRef<'p>>,
    /// The first resource-policy statement that allowed, preferring one that names the
    /// principal itself over one that names its account.
    pub resource_allow: Option<StatementRef<'p>>,
    /// Whether the resource-policy allow names only the principal's account, so that it
    /// needs an identity-policy allow beside it.
    pub resource_allow_delegates: bool,
    /// Whether the request crosses accounts.
    pub cross_account: bool,
}

impl<'p> Evaluation<'p> {
    /// The statement that decided: the deny, or the allow (across accounts, the resource
    /// policy's); `None` for an implicit deny.
    pub fn deciding(&self) -> Option<StatementRef<'p>> {
        match self.decision {
            Decision::ExplicitDeny => self.deny,
            Decision::Allow if self.cross_account || self.identity_allow.is_none() => {
                self.resource_allow
            }
            Decision::Allow => self.identity_allow,
            Decision::ImplicitDeny => None,
        }
    }
}

impl fmt::Display for Evaluation<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (self.decision, self.deciding()) {
            (Decision::ExplicitDeny, Some(s)) => write!(f, "explicitly denied by {s}"),
            (Decision::Allow, Some(s)) if self.cross_account => match self.identity_allow {
                Some(identity) => write!(f, "allowed by {s} and {identity}"),
                None => write!(f, "allowed by {s}"),
            },
            (Decision::Allow, Some(s)) => write!(f, "allowed by {s}"),
            _ => match (self.identity_allow, self.resource_allow) {
                (None, Some(r)) if self.resource_allow_delegates => write!(
                    f,
                    "implicitly denied: {r} allows the principal's account, and no identity \
                     policy allows the principal"
                ),
                (None, Some(r)) => write!(
                    f,
                    "implicitly denied: {r} allows this cross-account request, and no identity \
                     policy does"
                ),
                (Some(i), None) => write!(
                    f,
                    "implicitly denied: {i} allows this cross-account request, and no resource \
                     policy does"
                ),
                _ => f.write_str("implicitly denied: no statement allows the request"),
            },
        }
    }
}

/// Evaluates `request` against the principal's identity policies and the resource's
/// policies. Policies may be given as values, references or `Arc`s.
pub fn evaluate<'p, I, R>(
    identity: &'p [I],
    resource: &'p [R],
    request: &Request<'_>,
) -> Evaluation<'p>
where
    I: Borrow<Policy>,
    R: Borrow<Policy>,
{
    let scope = Scope {
        context: request.context,
        principal: &request.principal,
    };
    let mut deny = None;
    let mut identity_allow = None;
    let mut resource_allow: Option<(StatementRef<'p>, Grant)> = None;

    for (p, policy) in identity.iter().enumerate() {
        for (i, statement) in policy.borrow().statements().iter().enumerate() {
            if statement.effect == Effect::Allow && identity_allow.is_some() {
                continue;
            }
            if !applies(statement, request, &scope) {
                continue;
            }
            let named = named(PolicyKind::Identity, p, i, statement);
            match statement.effect {
                Effect::Deny => {
                    deny = Some(named);
                    break;
                }
                Effect::Allow => identity_allow = Some(named),
            }
        }
        if deny.is_some() {
            break;
        }
    }
    if deny.is_none() {
        'policies: for (p, policy) in resource.iter().enumerate() {
            for (i, statement) in policy.borrow().statements().iter().enumerate() {
                let best_found = matches!(resource_allow, Some((_, Grant::Direct)));
                if statement.effect == Effect::Allow && best_found {
                    continue;
                }
                let Some(grant) = statement
                    .principal
                    .as_ref()
                    .and_then(|element| element.matches(&request.principal))
                else {
                    continue;
                };
                if !applies(statement, request, &scope) {
                    continue;
                }
                let named = named(PolicyKind::Resource, p, i, statement);
                match statement.effect {
                    Effect::Deny => {
                        deny = Some(named);
                        break 'policies;
                    }
                    Effect::Allow => {
                        if resource_allow.is_none() || grant == Grant::Direct {
                            resource_allow = Some((named, grant));
                        }
                    }
                }
            }
        }
    }

    let cross_account = !request.is_same_account();
    let decision = if deny.is_some() {
        Decision::ExplicitDeny
    } else {
        let identity_allows = identity_allow.is_some();
        let allowed = match resource_allow {
            // Naming the principal itself (or everyone) allows on its own within an account,
            // and with an identity allow across accounts; principals without an account
            // (anonymous, services) have no identity side to ask.
            Some((_, Grant::Direct)) if request.principal.account().is_none() => true,
            Some((_, Grant::Direct)) => identity_allows || !cross_account,
            // Naming the account delegates: the account's identity policies must allow.
            Some((_, Grant::Account)) => identity_allows,
            None => identity_allows && !cross_account,
        };
        if allowed {
            Decision::Allow
        } else {
            Decision::ImplicitDeny
        }
    };
    Evaluation {
        decision,
        deny,
        identity_allow,
        resource_allow: resource_allow.map(|(named, _)| named),
        resource_allow_delegates: matches!(resource_allow, Some((_, Grant::Account))),
        cross_account,
    }
}

fn applies(statement: &Statement, request: &Request<'_>, scope: &Scope<'_>) -> bool {
    statement.applies(request.action, request.resource, scope)
        && statement.conditions().iter().all(|c| c.holds(scope))
}

fn named<'p>(
    kind: PolicyKind,
    policy: usize,
    index: usize,
    statement: &'p Statement,
) -> StatementRef<'p> {
    StatementRef {
        kind,
        policy,
        index,
        sid: statement.sid.as_deref(),
    }
}
