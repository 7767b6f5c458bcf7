//! A refusal by the authorizer: 403 `AccessDenied`, with the reason kept for debug
//! responses and logs.

use std::fmt;

/// Why an authorizer refused a request. The client is told `Access Denied`, as AWS tells
/// it; the reason (the deciding statement, or that none allowed) goes to the logs, and to the
/// debug hint when debug errors are on.
///
/// ```
/// use countersign_server::authz::Denial;
/// let denial = Denial::new("explicitly denied by identity policy 0, statement \"NoDeletes\"");
/// assert!(denial.reason().contains("NoDeletes"));
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Denial {
    reason: String,
}

impl Denial {
    /// A denial for `reason`.
    pub fn new(reason: impl Into<String>) -> Self {
        Denial {
            reason: reason.into(),
        }
    }

    /// The reason, as the authorizer gave it.
    pub fn reason(&self) -> &str {
        &self.reason
    }
}

impl fmt::Display for Denial {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.reason)
    }
}
