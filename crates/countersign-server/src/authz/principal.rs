//! Who signed, in IAM's terms: the principal a key store attaches to a key, read as an IAM
//! user, root user, role session, federated user or service, with its tags.

use std::borrow::Cow;
use std::sync::Arc;

use countersign_policy::{Principal, PrincipalShape};
use serde_json::Value;

/// A principal as IAM sees it, borrowed from a key store's principal.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct IamView<'a> {
    /// The principal's ARN (`arn:aws:iam::111122223333:user/alice`, `…:root`,
    /// `arn:aws:sts::…:assumed-role/ROLE/SESSION`, `…:federated-user/NAME`), or a service
    /// principal's name (`cloudfront.amazonaws.com`).
    pub arn: &'a str,
    /// For a role session, the role's ARN (`arn:aws:iam::…:role/ROLE`).
    pub role_arn: Option<&'a str>,
    /// The unique ID, `aws:userid`.
    pub user_id: Option<&'a str>,
    /// Whether this is an AWS service principal, which may name its source with signed
    /// `x-amz-source-arn` and `x-amz-source-account` headers.
    pub service: bool,
    /// The principal's tags as condition keys: (`aws:PrincipalTag/team`, `blue`).
    pub tags: Vec<(Cow<'a, str>, &'a str)>,
    /// Where the principal's parts lie in `arn`, when its owner parsed it once already.
    shape: Option<PrincipalShape>,
}

impl<'a> IamView<'a> {
    /// The principal for the policy engine; `None` when the ARN is no principal's.
    pub fn policy_principal(&self) -> Option<Principal<'a>> {
        if let Some(shape) = self.shape {
            let principal = Principal::from_shape(shape, self.arn, self.role_arn.unwrap_or(""));
            return Some(match self.user_id {
                Some(id) => principal?.with_user_id(id),
                None => principal?,
            });
        }
        // The resource, after the ARN's fifth colon, says what kind of principal it is.
        let resource = resource_of(self.arn);
        let principal = if self.service {
            Some(Principal::service(self.arn))
        } else if resource.starts_with("assumed-role/") {
            Principal::assumed_role(self.arn, self.role_arn?)
        } else if resource.starts_with("federated-user/") {
            Principal::federated_user(self.arn)
        } else if resource == "root" {
            Principal::root(self.arn)
        } else {
            Principal::user(self.arn)
        }?;
        Some(match self.user_id {
            Some(id) => principal.with_user_id(id),
            None => principal,
        })
    }
}

/// The part of an ARN after its fifth colon (empty for one with fewer).
fn resource_of(arn: &str) -> &str {
    let fifth = arn
        .bytes()
        .enumerate()
        .filter(|(_, b)| *b == b':')
        .nth(4)
        .map(|(i, _)| i + 1);
    fifth.and_then(|i| arn.get(i..)).unwrap_or("")
}

/// A key store's principal that can say who it is in IAM's terms, for the
/// [`PolicyAuthorizer`](super::PolicyAuthorizer). `None` means no IAM identity: nothing but a
/// policy allowing everyone (`"Principal": "*"`) would allow it, and the built-in authorizer
/// refuses it.
pub trait IamPrincipal {
    /// The IAM view of this principal.
    fn iam_view(&self) -> Option<IamView<'_>>;
}

/// An IAM identity to attach to a key: its ARN, unique ID and tags (share it as
/// `Arc<IamIdentity>`, which key stores clone per request).
///
/// ```
/// use countersign_server::authz::{IamIdentity, IamPrincipal};
/// let bob = IamIdentity::new("arn:aws:iam::111122223333:user/bob").unwrap().with_tag("team", "blue");
/// let view = bob.iam_view().unwrap();
/// assert_eq!(view.policy_principal().unwrap().name(), Some("bob"));
/// assert_eq!(view.tags[0].0, "aws:PrincipalTag/team");
/// let session = IamIdentity::new("arn:aws:sts::111122223333:assumed-role/reader/s1").unwrap();
/// assert_eq!(session.iam_view().unwrap().role_arn, Some("arn:aws:iam::111122223333:role/reader"));
/// let cdn = IamIdentity::service("cloudfront.amazonaws.com");
/// assert!(cdn.iam_view().unwrap().service);
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IamIdentity {
    arn: String,
    role_arn: Option<String>,
    user_id: Option<String>,
    service: bool,
    /// (`aws:PrincipalTag/KEY`, value): the key made once, not per request.
    tags: Vec<(String, String)>,
    /// The principal's parts in `arn`, found once.
    shape: Option<PrincipalShape>,
}

impl IamIdentity {
    /// The identity of an ARN of a user, a root user, a role session (whose role's ARN is
    /// derived from it) or a federated user; `None` for any other ARN.
    pub fn new(arn: impl Into<String>) -> Option<Self> {
        let arn = arn.into();
        let role_arn = role_of_session(&arn);
        let mut identity = IamIdentity {
            arn,
            role_arn,
            user_id: None,
            service: false,
            tags: Vec::new(),
            shape: None,
        };
        let shape = identity.iam_view()?.policy_principal()?.shape();
        identity.shape = Some(shape);
        Some(identity)
    }

    /// An AWS service principal, by name (`cloudfront.amazonaws.com`).
    pub fn service(name: impl Into<String>) -> Self {
        IamIdentity {
            arn: name.into(),
            role_arn: None,
            user_id: None,
            service: true,
            tags: Vec::new(),
            shape: None,
        }
    }

    /// The same identity with its unique ID (`aws:userid`).
    pub fn with_user_id(mut self, user_id: impl Into<String>) -> Self {
        self.user_id = Some(user_id.into());
        self
    }

    /// The same identity with a tag (`aws:PrincipalTag/KEY`).
    pub fn with_tag(mut self, key: &str, value: impl Into<String>) -> Self {
        self.tags
            .push((format!("aws:PrincipalTag/{key}"), value.into()));
        self
    }

    /// The ARN (a service's name for a service).
    pub fn arn(&self) -> &str {
        &self.arn
    }
}

/// `arn:P:iam::A:role/R` for a session ARN `arn:P:sts::A:assumed-role/R/S`.
fn role_of_session(arn: &str) -> Option<String> {
    let (head, resource) = arn.split_once(":assumed-role/")?;
    let (role, _session) = resource.split_once('/')?;
    let (partition_and_service, account) = head.rsplit_once(':')?;
    let partition = partition_and_service
        .strip_prefix("arn:")?
        .strip_suffix(":sts:")?;
    Some(format!("arn:{partition}:iam::{account}:role/{role}"))
}

impl IamPrincipal for IamIdentity {
    fn iam_view(&self) -> Option<IamView<'_>> {
        Some(IamView {
            arn: &self.arn,
            role_arn: self.role_arn.as_deref(),
            user_id: self.user_id.as_deref(),
            service: self.service,
            tags: self
                .tags
                .iter()
                .map(|(k, v)| (Cow::Borrowed(k.as_str()), v.as_str()))
                .collect(),
            shape: self.shape,
        })
    }
}

impl<T: IamPrincipal + ?Sized> IamPrincipal for Arc<T> {
    fn iam_view(&self) -> Option<IamView<'_>> {
        T::iam_view(self)
    }
}

/// A JSON principal, as [`FileKeyStore`](crate::keys::FileKeyStore) hands it out:
/// `{"arn": "arn:aws:iam::111122223333:user/alice", "user_id": "AIDA…", "tags": {"team":
/// "blue"}}`, a role session with `"role_arn"`, or a service: `{"service":
/// "cloudfront.amazonaws.com"}`. Any other value has no IAM identity.
impl IamPrincipal for Value {
    fn iam_view(&self) -> Option<IamView<'_>> {
        let text = |name: &str| self.get(name).and_then(Value::as_str);
        let (arn, service) = match (text("arn"), text("service")) {
            (Some(arn), None) => (arn, false),
            (None, Some(service)) => (service, true),
            _ => return None,
        };
        let tags = match self.get("tags") {
            Some(Value::Object(tags)) => tags
                .iter()
                .filter_map(|(k, v)| {
                    Some((Cow::Owned(format!("aws:PrincipalTag/{k}")), v.as_str()?))
                })
                .collect(),
            _ => Vec::new(),
        };
        Some(IamView {
            arn,
            role_arn: text("role_arn"),
            user_id: text("user_id"),
            service,
            tags,
            shape: None,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use countersign_policy::PrincipalKind;

    fn kind(view: Option<IamView<'_>>) -> Option<PrincipalKind> {
        view?.policy_principal().map(|p| p.kind())
    }

    #[test]
    fn a_json_principal_with_a_user_arn_is_a_user() {
        let json = serde_json::json!({"arn": "arn:aws:iam::111122223333:user/alice"});
        assert_eq!(kind(json.iam_view()), Some(PrincipalKind::User));
    }

    #[test]
    fn a_json_principal_with_a_service_is_a_service() {
        let json = serde_json::json!({"service": "cloudfront.amazonaws.com"});
        assert_eq!(kind(json.iam_view()), Some(PrincipalKind::Service));
    }

    #[test]
    fn a_json_principal_with_both_an_arn_and_a_service_has_no_identity() {
        let json = serde_json::json!({"arn": "arn:aws:iam::111122223333:user/a", "service": "s3.amazonaws.com"});
        assert_eq!(json.iam_view(), None);
    }

    #[test]
    fn a_json_principal_without_an_arn_has_no_identity() {
        assert_eq!(serde_json::json!({"user": "developer"}).iam_view(), None);
    }

    #[test]
    fn a_json_principals_tags_are_condition_keys() {
        let json = serde_json::json!({"arn": "arn:aws:iam::111122223333:user/a", "tags": {"team": "blue", "n": 1}});
        let view = json.iam_view().unwrap_or_default();
        assert_eq!(
            view.tags,
            vec![(Cow::Borrowed("aws:PrincipalTag/team"), "blue")]
        );
    }

    #[test]
    fn an_arn_that_is_no_principals_makes_no_identity() {
        assert_eq!(IamIdentity::new("arn:aws:s3:::bucket"), None);
        assert_eq!(IamIdentity::new("alice"), None);
    }

    #[test]
    fn a_root_arn_is_the_accounts_root_user() {
        let root = IamIdentity::new("arn:aws:iam::111122223333:root");
        assert_eq!(
            kind(root.as_ref().and_then(IamPrincipal::iam_view)),
            Some(PrincipalKind::Account)
        );
    }

    /// The principal an identity hands out from the parts it found once is the one its
    /// ARN parses to.
    fn kept_as_parsed(identity: IamIdentity, parsed: Option<Principal<'_>>) {
        let view = identity.iam_view();
        let kept = view.as_ref().and_then(IamView::policy_principal);
        assert!(kept.is_some());
        assert_eq!(kept, parsed);
    }

    #[test]
    fn a_users_principal_is_kept_as_parsed() {
        let arn = "arn:aws:iam::111122223333:user/team/alice";
        let alice = IamIdentity::new(arn).map(|a| a.with_user_id("AIDAEXAMPLE"));
        let parsed = Principal::user(arn).map(|p| p.with_user_id("AIDAEXAMPLE"));
        kept_as_parsed(alice.unwrap_or_else(|| panic!("a user")), parsed);
    }

    #[test]
    fn a_role_sessions_principal_is_kept_as_parsed() {
        let arn = "arn:aws:sts::111122223333:assumed-role/reader/s1";
        let role = "arn:aws:iam::111122223333:role/reader";
        let session = IamIdentity::new(arn).unwrap_or_else(|| panic!("a session"));
        kept_as_parsed(session, Principal::assumed_role(arn, role));
    }

    #[test]
    fn a_root_users_principal_is_kept_as_parsed() {
        let arn = "arn:aws:iam::111122223333:root";
        let root = IamIdentity::new(arn).unwrap_or_else(|| panic!("a root user"));
        kept_as_parsed(root, Principal::root(arn));
    }

    #[test]
    fn a_role_session_in_another_partition_keeps_its_partition() {
        assert_eq!(
            role_of_session("arn:aws-cn:sts::111122223333:assumed-role/r/s").as_deref(),
            Some("arn:aws-cn:iam::111122223333:role/r")
        );
    }
}
