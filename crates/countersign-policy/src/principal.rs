//! Who makes a request ([`Principal`]), and the `Principal` / `NotPrincipal` element of a
//! resource policy that names whom a statement is about.
//!
//! ```
//! use countersign_policy::{Principal, PrincipalKind};
//! let alice = Principal::user("arn:aws:iam::111122223333:user/division/alice").unwrap();
//! assert_eq!(alice.kind(), PrincipalKind::User);
//! assert_eq!(alice.account(), Some("111122223333"));
//! assert_eq!(alice.name(), Some("alice"));
//! assert!(Principal::user("arn:aws:iam::111122223333:role/admin").is_none());
//! ```
//!
//! The forms of the element follow IAM's reference
//! (<https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_principal.html>):
//! `"*"` (everyone, anonymous requests included), and an object with `AWS` (`"*"`, an account
//! ID, an account's `root` ARN, or the ARN of a user, role, role session or federated user),
//! `Service`, `Federated` and `CanonicalUser` members, each a string or a list. A wildcard
//! cannot match part of a principal. Naming an account delegates to that account: the
//! account's own identity policies must then allow the request too.

use crate::error::PolicyError;
use crate::json::{describe, strings, Json};

/// What kind of principal makes a request; the values of `aws:PrincipalType`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum PrincipalKind {
    /// A request without credentials.
    Anonymous,
    /// The account's root user (`arn:aws:iam::111122223333:root`).
    Account,
    /// An IAM user.
    User,
    /// A session of an assumed IAM role.
    AssumedRole,
    /// A federated user session (`GetFederationToken`).
    FederatedUser,
    /// An AWS service, such as `cloudfront.amazonaws.com`.
    Service,
}

impl PrincipalKind {
    /// The value of `aws:PrincipalType` for this kind, where AWS defines one.
    pub fn principal_type(self) -> Option<&'static str> {
        self.principal_type_values()
            .and_then(|v| v.first().copied())
    }

    /// [`principal_type`](Self::principal_type) as a one-element list of context values.
    pub(crate) fn principal_type_values(self) -> Option<&'static [&'static str]> {
        match self {
            PrincipalKind::Anonymous => Some(&["Anonymous"]),
            PrincipalKind::Account => Some(&["Account"]),
            PrincipalKind::User => Some(&["User"]),
            PrincipalKind::AssumedRole => Some(&["AssumedRole"]),
            PrincipalKind::FederatedUser => Some(&["FederatedUser"]),
            PrincipalKind::Service => None,
        }
    }
}

/// The principal that makes a request, borrowed from the caller's verified identity.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Principal<'a> {
    kind: PrincipalKind,
    /// The principal's ARN; a service's name for a service.
    arn: &'a str,
    account: &'a str,
    /// The ARN of the role an assumed-role session belongs to.
    role_arn: &'a str,
    /// A user's friendly name (the last part of its ARN's path).
    name: &'a str,
    user_id: &'a str,
    canonical_user: &'a str,
    identity_provider: &'a str,
}

impl<'a> Principal<'a> {
    const EMPTY: Principal<'static> = Principal {
        kind: PrincipalKind::Anonymous,
        arn: "",
        account: "",
        role_arn: "",
        name: "",
        user_id: "",
        canonical_user: "",
        identity_provider: "",
    };

    /// A request made without credentials.
    pub fn anonymous() -> Principal<'a> {
        Principal::EMPTY
    }

    /// An AWS service, by its principal name (`cloudfront.amazonaws.com`).
    pub fn service(name: &'a str) -> Principal<'a> {
        Principal {
            kind: PrincipalKind::Service,
            arn: name,
            ..Principal::EMPTY
        }
    }

    /// An account's root user, from its ARN `arn:PARTITION:iam::ACCOUNT:root`.
    pub fn root(arn: &'a str) -> Option<Principal<'a>> {
        let parts = Arn::parse(arn)?;
        (parts.service == "iam" && parts.resource == "root").then_some(Principal {
            kind: PrincipalKind::Account,
            arn,
            account: parts.account,
            ..Principal::EMPTY
        })
    }

    /// An IAM user, from its ARN `arn:PARTITION:iam::ACCOUNT:user/PATH/NAME`.
    pub fn user(arn: &'a str) -> Option<Principal<'a>> {
        let parts = Arn::parse(arn)?;
        let path = parts.resource.strip_prefix("user/")?;
        let name = path.rsplit('/').next().filter(|n| !n.is_empty())?;
        (parts.service == "iam").then_some(Principal {
            kind: PrincipalKind::User,
            arn,
            account: parts.account,
            name,
            ..Principal::EMPTY
        })
    }

    /// A role session, from its ARN `arn:PARTITION:sts::ACCOUNT:assumed-role/ROLE/SESSION`
    /// and the ARN of the role (`arn:PARTITION:iam::ACCOUNT:role/PATH/ROLE`), which resource
    /// policies may name instead of the session.
    pub fn assumed_role(session_arn: &'a str, role_arn: &'a str) -> Option<Principal<'a>> {
        let session = Arn::parse(session_arn)?;
        let role = Arn::parse(role_arn)?;
        let mut names = session.resource.strip_prefix("assumed-role/")?.split('/');
        let role_name = names.next().filter(|n| !n.is_empty())?;
        names.next().filter(|n| !n.is_empty())?;
        let ok = session.service == "sts"
            && role.service == "iam"
            && role.account == session.account
            && role.resource.starts_with("role/")
            && role.resource.rsplit('/').next() == Some(role_name);
        ok.then_some(Principal {
            kind: PrincipalKind::AssumedRole,
            arn: session_arn,
            account: session.account,
            role_arn,
            ..Principal::EMPTY
        })
    }

    /// A federated user session, from its ARN
    /// `arn:PARTITION:sts::ACCOUNT:federated-user/NAME`.
    pub fn federated_user(arn: &'a str) -> Option<Principal<'a>> {
        let parts = Arn::parse(arn)?;
        let name = parts.resource.strip_prefix("federated-user/")?;
        (parts.service == "sts" && !name.is_empty()).then_some(Principal {
            kind: PrincipalKind::FederatedUser,
            arn,
            account: parts.account,
            ..Principal::EMPTY
        })
    }

    /// The same principal with its unique ID (`aws:userid`, such as `AIDAJQABLZS4A3QDU576Q`
    /// for a user). Anonymous principals and root users have theirs already (`anonymous`, the
    /// account ID).
    pub fn with_user_id(mut self, user_id: &'a str) -> Principal<'a> {
        self.user_id = user_id;
        self
    }

    /// The same principal with the canonical user ID of its account, which S3 bucket
    /// policies may name as `{"CanonicalUser": ...}`.
    pub fn with_canonical_user(mut self, canonical_user: &'a str) -> Principal<'a> {
        self.canonical_user = canonical_user;
        self
    }

    /// The same principal with the identity provider that issued its session
    /// (`accounts.google.com`, a SAML provider's ARN), which policies name as
    /// `{"Federated": ...}`.
    pub fn with_identity_provider(mut self, provider: &'a str) -> Principal<'a> {
        self.identity_provider = provider;
        self
    }

    /// What kind of principal this is.
    pub fn kind(&self) -> PrincipalKind {
        self.kind
    }

    /// The principal's ARN (a service's name for a service); `None` for anonymous requests.
    pub fn arn(&self) -> Option<&'a str> {
        non_empty(&self.arn).copied()
    }

    /// The account the principal belongs to; `None` for anonymous requests and services.
    pub fn account(&self) -> Option<&'a str> {
        self.account_field().copied()
    }

    /// A user's friendly name, the value of `aws:username`.
    pub fn name(&self) -> Option<&'a str> {
        self.name_field().copied()
    }

    /// The value of `aws:PrincipalArn`: a role session's role, or the principal's own ARN.
    pub fn principal_arn(&self) -> Option<&'a str> {
        self.principal_arn_field().copied()
    }

    /// The value of `aws:userid`: `anonymous`, the account ID of a root user, or the unique
    /// ID given with [`with_user_id`](Self::with_user_id).
    pub fn user_id(&self) -> Option<&'a str> {
        self.user_id_field().copied()
    }

    // The `*_field` accessors borrow the field itself, so that the request context can lend
    // it out as a one-element list of values.

    pub(crate) fn account_field(&self) -> Option<&&'a str> {
        non_empty(&self.account)
    }

    pub(crate) fn name_field(&self) -> Option<&&'a str> {
        non_empty(&self.name)
    }

    pub(crate) fn principal_arn_field(&self) -> Option<&&'a str> {
        match self.kind {
            PrincipalKind::Anonymous | PrincipalKind::Service => None,
            PrincipalKind::AssumedRole => non_empty(&self.role_arn),
            _ => non_empty(&self.arn),
        }
    }

    pub(crate) fn user_id_field(&self) -> Option<&&'a str> {
        match self.kind {
            PrincipalKind::Anonymous => Some(&"anonymous"),
            PrincipalKind::Account if self.user_id.is_empty() => non_empty(&self.account),
            _ => non_empty(&self.user_id),
        }
    }
}

fn non_empty<'f, 'a>(s: &'f &'a str) -> Option<&'f &'a str> {
    (!s.is_empty()).then_some(s)
}

/// Where a principal's parts lie in its ARN: kept by an identity that is asked on every
/// request, so that its ARN is parsed once ([`Principal::shape`],
/// [`Principal::from_shape`]).
///
/// ```
/// use countersign_policy::Principal;
/// let arn = "arn:aws:iam::111122223333:user/alice";
/// let shape = Principal::user(arn).unwrap().shape();
/// let again = Principal::from_shape(shape, arn, "").unwrap();
/// assert_eq!((again.account(), again.name()), (Some("111122223333"), Some("alice")));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PrincipalShape {
    kind: PrincipalKind,
    /// Byte ranges in the ARN.
    account: (usize, usize),
    name: (usize, usize),
}

impl<'a> Principal<'a> {
    /// Where this principal's parts lie in its ARN. Its unique ID, canonical user and
    /// identity provider are not part of it: give them again.
    pub fn shape(&self) -> PrincipalShape {
        PrincipalShape {
            kind: self.kind,
            account: range_in(self.arn, self.account),
            name: range_in(self.arn, self.name),
        }
    }

    /// The principal of `shape` (made by [`shape`](Self::shape) from the same ARN), with its
    /// ARN and, for a role session, its role's ARN; `None` when the shape does not fit the
    /// ARN.
    pub fn from_shape(
        shape: PrincipalShape,
        arn: &'a str,
        role_arn: &'a str,
    ) -> Option<Principal<'a>> {
        let part = |(from, to): (usize, usize)| arn.get(from..to);
        Some(Principal {
            kind: shape.kind,
            arn,
            account: part(shape.account)?,
            role_arn: match shape.kind {
                PrincipalKind::AssumedRole => role_arn,
                _ => "",
            },
            name: part(shape.name)?,
            ..Principal::EMPTY
        })
    }
}

/// Where `part` lies in `whole`, as a byte range; empty when it is empty or elsewhere.
fn range_in(whole: &str, part: &str) -> (usize, usize) {
    let start = (part.as_ptr() as usize).wrapping_sub(whole.as_ptr() as usize);
    match whole.get(start..start.saturating_add(part.len())) {
        Some(found) if !part.is_empty() && found.as_ptr() == part.as_ptr() => {
            (start, start + part.len())
        }
        _ => (0, 0),
    }
}

/// The parts of an ARN that principals need.
struct Arn<'a> {
    service: &'a str,
    account: &'a str,
    resource: &'a str,
}

impl<'a> Arn<'a> {
    /// Splits `arn:PARTITION:SERVICE:REGION:ACCOUNT:RESOURCE`, requiring a 12-digit account
    /// and an empty region (IAM and STS are global) and no wildcards.
    fn parse(arn: &'a str) -> Option<Arn<'a>> {
        // The five colons found in one pass over the bytes (a principal's ARN is parsed on
        // every request).
        let mut colons = [0usize; 5];
        let mut found = 0;
        for (i, b) in arn.bytes().enumerate() {
            match b {
                b':' if found < 5 => {
                    colons[found] = i;
                    found += 1;
                }
                b'*' | b'?' => return None,
                _ => {}
            }
        }
        if found < 5 {
            return None;
        }
        let part = |from: usize, to: usize| arn.get(from..to);
        let ok = part(0, colons[0])? == "arn"
            && colons[1] > colons[0] + 1
            && colons[3] == colons[2] + 1
            && is_account_id(part(colons[3] + 1, colons[4])?)
            && colons[4] + 1 < arn.len();
        ok.then(|| {
            Some(Arn {
                service: part(colons[1] + 1, colons[2])?,
                account: part(colons[3] + 1, colons[4])?,
                resource: arn.get(colons[4] + 1..)?,
            })
        })?
    }
}

fn is_account_id(s: &str) -> bool {
    s.len() == 12 && s.bytes().all(|b| b.is_ascii_digit())
}

/// How a statement's principal element matched the request's principal.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Grant {
    /// The principal itself, or everyone: the resource policy alone can allow.
    Direct,
    /// Through the principal's account: the account's identity policies must allow too.
    Account,
}

/// A compiled `Principal` or `NotPrincipal` element.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct PrincipalElement {
    negated: bool,
    everyone: bool,
    accounts: Vec<Box<str>>,
    arns: Vec<Box<str>>,
    services: Vec<Box<str>>,
    federated: Vec<Box<str>>,
    canonical_users: Vec<Box<str>>,
}

impl PrincipalElement {
    /// Reads the element's value; `place` is `Statement[i].Principal` or `...NotPrincipal`.
    pub(crate) fn parse(
        value: &Json,
        negated: bool,
        place: &str,
    ) -> Result<PrincipalElement, PolicyError> {
        let mut element = PrincipalElement {
            negated,
            ..PrincipalElement::default()
        };
        let members = match value {
            Json::String(s) if s == "*" => {
                element.everyone = true;
                return Ok(element);
            }
            Json::Object(members) if !members.is_empty() => members,
            other => {
                return Err(PolicyError::malformed(
                    place,
                    format!(
                        "must be \"*\" or an object of AWS, Service, Federated or CanonicalUser \
                         principals, not {}",
                        describe(other)
                    ),
                ))
            }
        };
        for (name, values) in members {
            let place = format!("{place}.{name}");
            let list = strings(values, &place)?;
            for text in list {
                let bad = |why: &str| {
                    PolicyError::malformed(&place, format!("\"{}\" {why}", text.escape_debug()))
                };
                match name.as_str() {
                    "AWS" => {
                        if text == "*" {
                            element.everyone = true;
                        } else if is_account_id(text) {
                            element.accounts.push(text.into());
                        } else if let Some(arn) = Arn::parse(text) {
                            if arn.service == "iam" && arn.resource == "root" {
                                element.accounts.push(arn.account.into());
                            } else if matches!(arn.service, "iam" | "sts") {
                                element.arns.push(text.into());
                            } else {
                                return Err(bad("is not an IAM or STS principal"));
                            }
                        } else {
                            return Err(bad(
                                "is not a principal: expected \"*\", a 12-digit account ID, or \
                                 the ARN of an account, user, role or session, without wildcards",
                            ));
                        }
                    }
                    "Service" | "Federated" | "CanonicalUser" => {
                        if text.is_empty() || text.contains(['*', '?']) {
                            return Err(bad(
                                "is not a principal: a wildcard cannot match part of a principal",
                            ));
                        }
                        let list = match name.as_str() {
                            "Service" => &mut element.services,
                            "Federated" => &mut element.federated,
                            _ => &mut element.canonical_users,
                        };
                        list.push(text.into());
                    }
                    _ => {
                        return Err(PolicyError::malformed(
                            &place,
                            "is not a kind of principal: expected AWS, Service, Federated or \
                             CanonicalUser",
                        ))
                    }
                }
            }
        }
        Ok(element)
    }

    /// How the element matches `principal`, or `None` when it does not.
    pub(crate) fn matches(&self, principal: &Principal<'_>) -> Option<Grant> {
        let grant = self.grant(principal);
        if self.negated {
            // NotPrincipal: everyone the list does not name.
            return grant.is_none().then_some(Grant::Direct);
        }
        grant
    }

    fn grant(&self, p: &Principal<'_>) -> Option<Grant> {
        let named = |list: &[Box<str>], value: &str| {
            !value.is_empty() && list.iter().any(|v| **v == *value)
        };
        if self.everyone {
            return Some(Grant::Direct);
        }
        match p.kind {
            PrincipalKind::Service => {
                return named(&self.services, p.arn).then_some(Grant::Direct);
            }
            PrincipalKind::Anonymous => return None,
            _ => {}
        }
        if named(&self.arns, p.arn)
            || named(&self.arns, p.role_arn)
            || named(&self.federated, p.identity_provider)
        {
            return Some(Grant::Direct);
        }
        if named(&self.accounts, p.account) || named(&self.canonical_users, p.canonical_user) {
            return Some(Grant::Account);
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The principal made again from its shape is the principal parsed from its ARN.
    fn round_trip(principal: Principal<'_>, role_arn: &str) {
        let arn = principal.arn().unwrap_or("");
        let again = Principal::from_shape(principal.shape(), arn, role_arn);
        assert_eq!(again, Some(principal));
    }

    #[test]
    fn a_users_shape_gives_the_user_again() {
        round_trip(
            Principal::user("arn:aws:iam::111122223333:user/division/alice").unwrap(),
            "",
        );
    }

    #[test]
    fn a_root_users_shape_gives_the_root_user_again() {
        round_trip(
            Principal::root("arn:aws:iam::111122223333:root").unwrap(),
            "",
        );
    }

    #[test]
    fn a_role_sessions_shape_gives_the_session_again_with_its_role() {
        let role = "arn:aws:iam::111122223333:role/reader";
        let session = "arn:aws:sts::111122223333:assumed-role/reader/s1";
        round_trip(Principal::assumed_role(session, role).unwrap(), role);
    }

    #[test]
    fn a_federated_users_shape_gives_the_federated_user_again() {
        round_trip(
            Principal::federated_user("arn:aws:sts::111122223333:federated-user/bob").unwrap(),
            "",
        );
    }

    #[test]
    fn a_services_shape_gives_the_service_again() {
        round_trip(Principal::service("cloudfront.amazonaws.com"), "");
    }

    #[test]
    fn a_shape_that_does_not_fit_the_arn_gives_nothing() {
        let long = "arn:aws:iam::111122223333:user/a-rather-long-name";
        let shape = Principal::user(long).unwrap().shape();
        assert_eq!(
            Principal::from_shape(shape, "arn:aws:iam::1:user/a", ""),
            None
        );
    }
}
