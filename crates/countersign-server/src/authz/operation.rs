//! What a request asks, in IAM's terms: one or more accesses (an action on a resource ARN),
//! named by the layer's classifier: S3's operations in S3 mode, API Gateway's
//! `execute-api:Invoke` otherwise, or a function of yours.

use std::borrow::Cow;
use std::fmt;
use std::sync::Arc;

use http::request::Parts;
use smallvec::SmallVec;

use crate::address::S3Address;
use crate::authz::s3_operation::{S3Operation, Unclassified};

/// One permission a request needs: an action on a resource. Two are equal when they read
/// the same, however each keeps its policy key.
#[derive(Debug, Clone)]
pub struct Access {
    action: Cow<'static, str>,
    /// Shared with the operation it was named from.
    resource: Arc<str>,
    policy_key: PolicyKey,
    owner: Option<Box<str>>,
}

impl PartialEq for Access {
    fn eq(&self, other: &Access) -> bool {
        (
            self.action(),
            self.resource(),
            self.policy_key(),
            self.owner(),
        ) == (
            other.action(),
            other.resource(),
            other.policy_key(),
            other.owner(),
        )
    }
}

impl Eq for Access {}

/// Where an access's policy key is.
#[derive(Debug, Clone)]
enum PolicyKey {
    None,
    /// These bytes of the resource's ARN (an S3 ARN's bucket).
    InResource(std::ops::Range<usize>),
    Own(Box<str>),
}

impl Access {
    /// `action` on `resource`, with no resource policy.
    pub fn new(action: impl Into<Cow<'static, str>>, resource: impl Into<Arc<str>>) -> Self {
        Access {
            action: action.into(),
            resource: resource.into(),
            policy_key: PolicyKey::None,
            owner: None,
        }
    }

    /// `action` on the object or bucket `address` names, whose policies are the bucket's.
    pub(crate) fn s3(action: &'static str, address: &S3Address) -> Self {
        Access {
            action: Cow::Borrowed(action),
            resource: Arc::clone(address.shared_arn()),
            policy_key: PolicyKey::InResource(address.bucket_range()),
            owner: None,
        }
    }

    /// The same access, to a resource whose policies are kept under `key`.
    pub fn with_policy_key(mut self, key: impl Into<Box<str>>) -> Self {
        self.policy_key = PolicyKey::Own(key.into());
        self
    }

    /// The same access, to a resource `owner` owns.
    pub fn with_owner(mut self, owner: impl Into<Box<str>>) -> Self {
        self.owner = Some(owner.into());
        self
    }

    /// The IAM action, such as `s3:GetObject` or `execute-api:Invoke`.
    pub fn action(&self) -> &str {
        &self.action
    }

    /// The resource's ARN, such as `arn:aws:s3:::photos/cat.jpg` (`*` for actions on no
    /// resource, such as `s3:ListAllMyBuckets`).
    pub fn resource(&self) -> &str {
        &self.resource
    }

    /// The name the resource's policies are kept under in a
    /// [`PolicyStore`](super::PolicyStore): the bucket, or the API's id; `None` for a
    /// resource without a resource policy.
    pub fn policy_key(&self) -> Option<&str> {
        match &self.policy_key {
            PolicyKey::None => None,
            PolicyKey::InResource(range) => self.resource.get(range.clone()),
            PolicyKey::Own(key) => Some(key),
        }
    }

    /// The account that owns the resource, when the classifier knows it; otherwise the
    /// owner the policy store records for the policy key, or the signer's own account.
    pub fn owner(&self) -> Option<&str> {
        self.owner.as_deref()
    }

    /// The same access with no resource policy (its owner's identity policies alone decide).
    fn without_policy_key(mut self) -> Self {
        self.policy_key = PolicyKey::None;
        self
    }
}

/// What a request asks: every access it needs (a copy needs to write its destination and
/// to read its source), and for S3 the operation they were named from.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Operation {
    /// The accesses, the request's own first: inline for the one most requests need (a
    /// copy's second is on the heap), so that the operation is small to move.
    accesses: SmallVec<[Access; 1]>,
    /// The S3 operation, in S3 mode.
    pub s3: Option<S3Operation>,
}

impl Operation {
    /// An operation that needs one access.
    pub fn new(access: Access) -> Self {
        let mut accesses = SmallVec::new();
        accesses.push(access);
        Operation { accesses, s3: None }
    }

    /// The accesses, the request's own first; each must be allowed. None for an operation
    /// authorized by its handler, part by part (DeleteObjects).
    pub fn accesses(&self) -> &[Access] {
        &self.accesses
    }

    /// The same operation, needing `access` too.
    pub fn and(mut self, access: Access) -> Self {
        self.accesses.push(access);
        self
    }
}

impl From<S3Operation> for Operation {
    /// The accesses of an S3 operation: its action on its resource, any further action on
    /// the same resource, and reading a copy's source. CreateBucket is asked of the caller's
    /// identity policies alone, in its own account. DeleteObjects needs none of its own:
    /// AWS authorizes `s3:DeleteObject` on each key its body names, so its handler checks
    /// each one with the request's [`AccessCheck`](super::AccessCheck). A copy's source is
    /// read by the last access.
    fn from(s3: S3Operation) -> Self {
        let mut accesses: SmallVec<[Access; 1]> = SmallVec::new();
        if s3.name == "DeleteObjects" {
            return Operation {
                accesses,
                s3: Some(s3),
            };
        }
        let own = match s3.bucket() {
            // A bucket being created is the caller's own: neither a bucket of that name
            // that another account owns nor its policy takes part (the handler answers
            // BucketAlreadyExists).
            Some(_) if s3.name == "CreateBucket" => {
                Access::s3(s3.action, s3.address()).without_policy_key()
            }
            Some(_) => Access::s3(s3.action, s3.address()),
            None => Access::new(s3.action, "*"),
        };
        // Operations that need more than their own action (GetObjectAttributes also reads
        // the object) need each on the same resource.
        for action in s3.further_actions {
            let further = Access {
                action: Cow::Borrowed(action),
                ..own.clone()
            };
            accesses.push(further);
        }
        accesses.insert(0, own);
        if let (Some(action), Some(source)) = (s3.copy_source_action(), s3.copy_source.as_ref()) {
            accesses.push(Access::s3(action, &source.address()));
        }
        Operation {
            accesses,
            s3: Some(s3),
        }
    }
}

/// API Gateway's resources for IAM authorization: `execute-api:Invoke` on
/// `arn:aws:execute-api:{region}:{account}:{api-id}/{stage}/{METHOD}/{path}`.
///
/// The region is the one the request was signed for. The defaults suit a single-account
/// server: account `000000000000` (as local AWS emulators name theirs) owned by no one in
/// particular, so that every signer's own identity policies decide; API id `local`, stage
/// `$default`. Given an account, the API is that account's: signers of other accounts need
/// the API's resource policy to allow them too.
///
/// ```
/// use countersign_server::authz::ApiGateway;
/// let api = ApiGateway::new().account("111122223333").api_id("a1b2c3").stage("prod");
/// assert_eq!(
///     api.resource("us-east-1", "DELETE", "/items/7"),
///     "arn:aws:execute-api:us-east-1:111122223333:a1b2c3/prod/DELETE/items/7"
/// );
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiGateway {
    account: Option<String>,
    api_id: String,
    stage: String,
}

impl Default for ApiGateway {
    fn default() -> Self {
        ApiGateway {
            account: None,
            api_id: "local".into(),
            stage: "$default".into(),
        }
    }
}

/// The account in the ARN of an API whose account was not given.
const NO_ACCOUNT: &str = "000000000000";

impl ApiGateway {
    /// The defaults: account `000000000000`, API id `local`, stage `$default`.
    pub fn new() -> Self {
        Self::default()
    }

    /// The account that owns the API (its requests from other accounts cross accounts).
    pub fn account(mut self, account: impl Into<String>) -> Self {
        self.account = Some(account.into());
        self
    }

    /// The API's id.
    pub fn api_id(mut self, id: impl Into<String>) -> Self {
        self.api_id = id.into();
        self
    }

    /// The stage.
    pub fn stage(mut self, stage: impl Into<String>) -> Self {
        self.stage = stage.into();
        self
    }

    /// The method ARN of a request to `path` with `method`, signed for `region`.
    pub fn resource(&self, region: &str, method: &str, path: &str) -> String {
        let account = self.account.as_deref().unwrap_or(NO_ACCOUNT);
        let path = path.strip_prefix('/').unwrap_or(path);
        format!(
            "arn:aws:execute-api:{region}:{account}:{}/{}/{method}/{path}",
            self.api_id, self.stage
        )
    }

    /// The access a request needs: `execute-api:Invoke` on its method ARN, owned by the
    /// API's account, with the API's resource policy kept under its id.
    pub fn access(&self, region: &str, method: &str, path: &str) -> Access {
        let access = Access::new("execute-api:Invoke", self.resource(region, method, path))
            .with_policy_key(self.api_id.as_str());
        match &self.account {
            Some(account) => access.with_owner(account.as_str()),
            None => access,
        }
    }
}

/// What a request is, for a classifier of yours: its parts, and the IAM principal's
/// account and signed region when it was signed.
type Classify = dyn Fn(&Parts) -> Result<Operation, Unclassified> + Send + Sync;

/// How the layer names the operation of a request.
#[derive(Clone, Default)]
#[non_exhaustive]
pub enum Operations {
    /// S3 mode's [`S3Operation`], API Gateway's otherwise (the default).
    #[default]
    ByMode,
    /// API Gateway's `execute-api:Invoke`, with these names.
    ApiGateway(ApiGateway),
    /// A function of yours.
    Custom(Arc<Classify>),
}

impl Operations {
    /// A classifier of your own.
    ///
    /// ```
    /// use countersign_server::authz::{Access, Operation, Operations, Unclassified};
    /// let operations = Operations::custom(|parts| match parts.method {
    ///     http::Method::GET => Ok(Operation::new(Access::new("shop:ListItems", "arn:shop:::items"))),
    ///     _ => Err(Unclassified::new("only GET is known")),
    /// });
    /// # let _ = operations;
    /// ```
    pub fn custom(
        classify: impl Fn(&Parts) -> Result<Operation, Unclassified> + Send + Sync + 'static,
    ) -> Self {
        Operations::Custom(Arc::new(classify))
    }
}

impl fmt::Debug for Operations {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Operations::ByMode => f.write_str("ByMode"),
            Operations::ApiGateway(api) => f.debug_tuple("ApiGateway").field(api).finish(),
            Operations::Custom(_) => f.write_str("Custom"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accesses_that_read_the_same_are_equal_however_their_policy_key_is_kept() {
        let address = S3Address::new(Some("photos"), Some("cat.jpg"));
        let named = Access::s3("s3:GetObject", &address);
        let built =
            Access::new("s3:GetObject", "arn:aws:s3:::photos/cat.jpg").with_policy_key("photos");
        assert_eq!(named.policy_key(), Some("photos"));
        assert_eq!(named, built);
        assert_ne!(named, built.with_policy_key("other"));
    }
}
