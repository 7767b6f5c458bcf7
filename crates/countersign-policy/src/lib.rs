//! IAM JSON policies, pure: strict parsing of policy documents and AWS's evaluation logic.
//! No I/O, no async, no clock.
//!
//! A document is parsed once into a [`Policy`] (patterns compiled, values typed, errors
//! naming the statement and field), then evaluated per request without allocating:
//!
//! ```
//! use countersign_policy::{evaluate, Context, Decision, Policy, Principal, Request};
//!
//! let identity = Policy::identity(r#"{
//!     "Version": "2012-10-17",
//!     "Statement": [
//!         {"Sid": "OwnPrefix", "Effect": "Allow", "Action": ["s3:GetObject", "s3:PutObject"],
//!          "Resource": "arn:aws:s3:::shared/home/${aws:username}/*"},
//!         {"Sid": "OfficeOnly", "Effect": "Deny", "Action": "s3:*", "Resource": "*",
//!          "Condition": {"NotIpAddress": {"aws:SourceIp": "203.0.113.0/24"}}}
//!     ]
//! }"#)?;
//! let alice = Principal::user("arn:aws:iam::111122223333:user/alice").unwrap();
//! let context = Context::new().with("aws:SourceIp", "203.0.113.9");
//! let request = Request::new(alice, "s3:GetObject", "arn:aws:s3:::shared/home/alice/notes.txt")
//!     .with_context(&context);
//! let (identity, no_bucket_policy): (_, [Policy; 0]) = ([identity], []);
//! let evaluation = evaluate(&identity, &no_bucket_policy, &request);
//! assert_eq!(evaluation.decision, Decision::Allow);
//!
//! let elsewhere = Context::new().with("aws:SourceIp", "198.51.100.1");
//! let evaluation = evaluate(&identity, &no_bucket_policy, &request.with_context(&elsewhere));
//! assert_eq!(evaluation.decision, Decision::ExplicitDeny);
//! assert_eq!(evaluation.to_string(), "explicitly denied by identity policy 0, statement \"OfficeOnly\"");
//! # Ok::<(), countersign_policy::PolicyError>(())
//! ```
//!
//! Each module cites the AWS page it follows: the policy grammar ([`policy`]), principals
//! ([`principal`]), the request context ([`context`]), and the evaluation logic within and
//! across accounts ([`evaluate()`](evaluate::evaluate)); ARN matching, condition operators,
//! set qualifiers and policy variables are private modules with the same kind of notes.
//! [`lint`](lint::lint) reports a document's refusal, and the likely mistakes of one that
//! loads (a misspelled S3 action or global condition key, the ARN of a bucket with a region).

mod arn;
mod cidr;
mod condition;
pub mod context;
mod date;
pub mod error;
pub mod evaluate;
mod json;
pub mod limits;
pub mod lint;
mod pattern;
pub mod policy;
pub mod principal;

pub use context::Context;
pub use error::{PolicyError, Reason};
pub use evaluate::{evaluate, Decision, Evaluation, Request, StatementRef};
pub use limits::{Limits, PolicyKind};
pub use policy::{Policy, Version};
pub use principal::{Principal, PrincipalKind, PrincipalShape};
