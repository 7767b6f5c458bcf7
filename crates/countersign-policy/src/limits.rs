//! What kind of policy a document is, and the bounds it is loaded within.
//!
//! ```
//! use countersign_policy::{Limits, PolicyKind};
//! assert_eq!(Limits::for_kind(PolicyKind::Identity).max_chars, 6_144);
//! assert_eq!(Limits::for_kind(PolicyKind::Resource).max_chars, 20 * 1024);
//! ```

/// Where a policy is attached, which decides what it may and must contain.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PolicyKind {
    /// Attached to a user or role: no `Principal` (the principal is the identity itself).
    Identity,
    /// Attached to a resource, such as a bucket policy: every statement names its principal.
    Resource,
}

impl PolicyKind {
    /// `"identity"` or `"resource"`, for messages.
    pub fn as_str(self) -> &'static str {
        match self {
            PolicyKind::Identity => "identity",
            PolicyKind::Resource => "resource",
        }
    }
}

/// Bounds on a document, checked before and while it is parsed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Largest size, in characters other than white space (IAM does not count white space
    /// toward its quotas). IAM's quota for a managed policy is 6,144; S3's for a bucket policy
    /// is 20 KB.
    pub max_chars: usize,
    /// Deepest nesting of JSON lists and objects. A valid policy nests at most six levels
    /// (document, statement list, statement, condition block, operator block, value list);
    /// deeper input is refused while it is read, before it costs stack or memory.
    pub max_depth: usize,
}

impl Limits {
    /// IAM's quota for a managed identity policy: 6,144 characters.
    pub const IDENTITY: Limits = Limits {
        max_chars: 6_144,
        max_depth: 8,
    };

    /// S3's limit for a bucket policy: 20 KB.
    pub const BUCKET: Limits = Limits {
        max_chars: 20 * 1024,
        max_depth: 8,
    };

    /// The default for a kind: [`IDENTITY`](Self::IDENTITY) or [`BUCKET`](Self::BUCKET).
    pub fn for_kind(kind: PolicyKind) -> Limits {
        match kind {
            PolicyKind::Identity => Limits::IDENTITY,
            PolicyKind::Resource => Limits::BUCKET,
        }
    }
}
