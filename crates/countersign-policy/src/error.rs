//! Why a policy document was refused when it was loaded, with the place named and the AWS
//! error code and HTTP status that the service storing the policy would answer.
//!
//! ```
//! use countersign_policy::{Policy, PolicyKind};
//! let json = r#"{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:GetObject"}]}"#;
//! let error = Policy::identity(json).unwrap_err();
//! assert_eq!(error.to_string(), "Statement[0]: Resource or NotResource is required");
//! assert_eq!(error.statement(), Some(0));
//! assert_eq!(error.code(), "MalformedPolicyDocument");
//! assert_eq!(error.status(), 400);
//! assert_eq!(error.kind(), PolicyKind::Identity);
//! ```

use std::fmt;

use crate::limits::PolicyKind;

/// A policy document that was refused: where, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PolicyError {
    kind: PolicyKind,
    reason: Reason,
    statement: Option<usize>,
    place: String,
    message: String,
}

/// The family of a refusal, which decides the AWS error code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Reason {
    /// The document is not a valid policy: bad JSON, an unknown field, a wrong value.
    Malformed,
    /// The document is larger than the limit it was loaded with.
    TooLarge,
}

impl PolicyError {
    pub(crate) fn malformed(place: impl Into<String>, message: impl Into<String>) -> Self {
        PolicyError {
            kind: PolicyKind::Identity,
            reason: Reason::Malformed,
            statement: None,
            place: place.into(),
            message: message.into(),
        }
    }

    pub(crate) fn too_large(message: impl Into<String>) -> Self {
        PolicyError {
            kind: PolicyKind::Identity,
            reason: Reason::TooLarge,
            statement: None,
            place: String::new(),
            message: message.into(),
        }
    }

    pub(crate) fn for_kind(mut self, kind: PolicyKind) -> Self {
        self.kind = kind;
        self
    }

    /// The same error, found in the statement at `index`.
    pub(crate) fn in_statement(mut self, index: usize) -> Self {
        self.statement = Some(index);
        self
    }

    /// The kind of policy that was being loaded.
    pub fn kind(&self) -> PolicyKind {
        self.kind
    }

    /// Whether the document was malformed or too large.
    pub fn reason(&self) -> Reason {
        self.reason
    }

    /// Where in the document the problem is, for example `Statement[2].Condition.StringEquals`;
    /// empty when it concerns the whole document.
    pub fn place(&self) -> &str {
        &self.place
    }

    /// The index of the statement the problem is in (counted from 0, whether or not the
    /// statement has a `Sid`, which the [`place`](Self::place) names instead); `None` when
    /// it concerns the whole document.
    pub fn statement(&self) -> Option<usize> {
        self.statement
    }

    /// What is wrong, in words, without the place.
    pub fn message(&self) -> &str {
        &self.message
    }

    /// The AWS error code: IAM's `MalformedPolicyDocument` and `LimitExceeded` for identity
    /// policies, S3's `MalformedPolicy` for bucket (resource) policies of any fault.
    pub fn code(&self) -> &'static str {
        match (self.kind, self.reason) {
            (PolicyKind::Identity, Reason::Malformed) => "MalformedPolicyDocument",
            (PolicyKind::Identity, Reason::TooLarge) => "LimitExceeded",
            (PolicyKind::Resource, _) => "MalformedPolicy",
        }
    }

    /// The HTTP status that goes with [`code`](Self::code): 409 for IAM's `LimitExceeded`,
    /// 400 otherwise.
    pub fn status(&self) -> u16 {
        match (self.kind, self.reason) {
            (PolicyKind::Identity, Reason::TooLarge) => 409,
            _ => 400,
        }
    }
}

impl fmt::Display for PolicyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.place.is_empty() {
            f.write_str(&self.message)
        } else {
            write!(f, "{}: {}", self.place, self.message)
        }
    }
}

impl std::error::Error for PolicyError {}
