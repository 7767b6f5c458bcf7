//! What a request asks, in IAM's terms: one or more accesses (an action on a resource ARN),
//! named by the layer's classifier: S3's operations in S3 mode, API Gateway's
//! `execute-api:Invoke` otherwise, or a function of yours.

use std::borrow::Cow;
use std::fmt;
use std::sync::Arc;

use http::request::Parts;
use smallvec::SmallVec;

use crate::authz::s3_operation::{S3Operation, Unclassified};

/// One permission a request needs: an action on a resource, named by a classifier of
/// yours, an [`ApiGateway`], or a handler checking a further access (see
/// [`AccessCheck`](super::AccessCheck)). An operation lends its accesses as [`AccessRef`]s.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Access {
    action: Cow<'static, str>,
    resource: Box<str>,
    policy_key: Option<Box<str>>,
    owner: Option<Box<str>>,
}

impl Access {
    /// `action` on `resource`, with no resource policy.
    pub fn new(action: impl Into<Cow<'static, str>>, resource: impl Into<Box<str>>) -> Self {
        Access {
            action: action.into(),
            resource: resource.into(),
            policy_key: None,
            owner: None,
        }
    }

    /// The same access, to a resource whose policies are kept under `key`.
    pub fn with_policy_key(mut self, key: impl Into<Box<str>>) -> Self {
        self.policy_key = Some(key.into());
        self
    }

    /// The same access, to a resource `owner` owns.
    pub fn with_owner(mut self, owner: impl Into<Box<str>>) -> Self {
        self.owner = Some(owner.into());
        self
    }

    /// The access, borrowed.
    pub fn as_ref(&self) -> AccessRef<'_> {
        AccessRef {
            action: &self.action,
            resource: &self.resource,
            policy_key: self.policy_key.as_deref(),
            owner: self.owner.as_deref(),
        }
    }
}

/// One access an operation needs, borrowed from it (see [`Operation::accesses`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AccessRef<'a> {
    action: &'a str,
    resource: &'a str,
    policy_key: Option<&'a str>,
    owner: Option<&'a str>,
}

impl<'a> AccessRef<'a> {
    /// The IAM action, such as `s3:GetObject` or `execute-api:Invoke`.
    pub fn action(&self) -> &'a str {
        self.action
    }

    /// The resource's ARN, such as `arn:aws:s3:::photos/cat.jpg` (`*` for actions on no
    /// resource, such as `s3:ListAllMyBuckets`).
    pub fn resource(&self) -> &'a str {
        self.resource
    }

    /// The name the resource's policies are kept under in a
    /// [`PolicyStore`](super::PolicyStore): the bucket, or the API's id; `None` for a
    /// resource without a resource policy.
    pub fn policy_key(&self) -> Option<&'a str> {
        self.policy_key
    }

    /// The account that owns the resource, when the classifier knows it; otherwise the
    /// owner the policy store records for the policy key, or the signer's own account.
    pub fn owner(&self) -> Option<&'a str> {
        self.owner
    }
}

/// The accesses of an operation, borrowed from it: inline for the few any operation needs.
pub type Accesses<'a> = SmallVec<[AccessRef<'a>; 3]>;

/// What a request asks: every access it needs (a copy needs to write its destination and
/// to read its source), and for S3 the operation they were named from.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Operation {
    /// The accesses given to it, after those its S3 operation names.
    given: SmallVec<[Access; 1]>,
    /// Whether the S3 operation names accesses (it does not when it is only the context of
    /// a further access a handler checks).
    names_accesses: bool,
    /// The S3 operation, in S3 mode.
    pub s3: Option<S3Operation>,
}

impl Operation {
    /// An operation that needs one access.
    pub fn new(access: Access) -> Self {
        let mut given = SmallVec::new();
        given.push(access);
        Operation {
            given,
            names_accesses: false,
            s3: None,
        }
    }

    /// The accesses, the request's own first; each must be allowed. None for an operation
    /// authorized by its handler, part by part (DeleteObjects).
    ///
    /// An S3 operation's are named from it when asked, not kept: its action on its
    /// resource, any further action on the same resource, and reading a copy's source,
    /// last. CreateBucket is asked of the caller's identity policies alone, in its own
    /// account. DeleteObjects needs none of its own: AWS authorizes `s3:DeleteObject` on
    /// each key its body names, so its handler checks each one with the request's
    /// [`AccessCheck`](super::AccessCheck).
    pub fn accesses(&self) -> Accesses<'_> {
        let mut accesses = Accesses::new();
        if let Some(s3) = self.s3.as_ref().filter(|_| self.names_accesses) {
            s3_accesses(s3, &mut accesses);
        }
        accesses.extend(self.given.iter().map(Access::as_ref));
        accesses
    }

    /// The same operation, needing `access` too.
    pub fn and(mut self, access: Access) -> Self {
        self.given.push(access);
        self
    }
}

/// The accesses `s3` names (see [`Operation::accesses`]).
fn s3_accesses<'a>(s3: &'a S3Operation, accesses: &mut Accesses<'a>) {
    if s3.name == "DeleteObjects" {
        return;
    }
    let own = match s3.bucket() {
        // A bucket being created is the caller's own: neither a bucket of that name that
        // another account owns nor its policy takes part (the handler answers
        // BucketAlreadyExists).
        Some(_) if s3.name == "CreateBucket" => (s3.resource_arn(), None),
        bucket => (s3.resource_arn(), bucket),
    };
    let access = |action| AccessRef {
        action,
        resource: own.0,
        policy_key: own.1,
        owner: None,
    };
    accesses.push(access(s3.action));
    // Operations that need more than their own action (GetObjectAttributes also reads the
    // object) need each on the same resource.
    accesses.extend(s3.further_actions.iter().map(|action| access(action)));
    if let (Some(action), Some(source)) = (s3.copy_source_action(), s3.copy_source.as_ref()) {
        accesses.push(AccessRef {
            action,
            resource: source.arn(),
            policy_key: Some(&source.bucket),
            owner: None,
        });
    }
}

impl From<S3Operation> for Operation {
    /// The operation `s3` is, needing the accesses it names (see [`Operation::accesses`]).
    fn from(s3: S3Operation) -> Self {
        Operation {
            given: SmallVec::new(),
            names_accesses: true,
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
    use crate::address::S3Address;

    #[test]
    fn an_s3_operations_access_reads_as_the_same_access_built_by_hand() {
        let address = S3Address::new(Some("photos"), Some("cat.jpg"));
        let get = S3Operation::classify(&http::Method::GET, address, "", &http::HeaderMap::new())
            .unwrap_or_else(|e| panic!("{e}"));
        let operation = Operation::from(get);
        let built =
            Access::new("s3:GetObject", "arn:aws:s3:::photos/cat.jpg").with_policy_key("photos");
        assert_eq!(operation.accesses().as_slice(), [built.as_ref()]);
        let other = built.with_policy_key("other");
        assert_ne!(operation.accesses().as_slice(), [other.as_ref()]);
    }

    #[test]
    fn a_further_check_keeps_its_s3_operation_as_context_only() {
        let address = S3Address::new(Some("photos"), None);
        let delete = S3Operation::classify(
            &http::Method::POST,
            address,
            "delete",
            &http::HeaderMap::new(),
        )
        .unwrap_or_else(|e| panic!("{e}"));
        let mut check = Operation::new(Access::new("s3:DeleteObject", "arn:aws:s3:::photos/a"));
        check.s3 = Some(delete.clone());
        assert_eq!(check.accesses().len(), 1);
        assert!(Operation::from(delete).accesses().is_empty());
    }
}
