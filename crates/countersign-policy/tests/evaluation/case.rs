//! One evaluation case: policies, a request, the decision AWS documents for it, and the page
//! the case follows. The `cases!` macro turns a table of them into one `#[test]` each.

use countersign_policy::{evaluate, Context, Decision, Policy, Principal};

/// The account that owns the resources unless a case says otherwise.
pub(crate) const OWNER: &str = "111122223333";
/// Another account.
pub(crate) const OTHER: &str = "444455556666";

/// An IAM user of the owner's account.
pub(crate) fn alice() -> Principal<'static> {
    Principal::user("arn:aws:iam::111122223333:user/alice").unwrap()
}

/// Another IAM user of the owner's account, with a path.
pub(crate) fn bob() -> Principal<'static> {
    Principal::user("arn:aws:iam::111122223333:user/division/bob").unwrap()
}

/// An IAM user of the other account.
pub(crate) fn carol() -> Principal<'static> {
    Principal::user("arn:aws:iam::444455556666:user/carol").unwrap()
}

/// A session of the owner's `reader` role.
pub(crate) fn reader() -> Principal<'static> {
    Principal::assumed_role(
        "arn:aws:sts::111122223333:assumed-role/reader/session-1",
        "arn:aws:iam::111122223333:role/reader",
    )
    .unwrap()
}

/// A session of the other account's `auditor` role.
pub(crate) fn auditor() -> Principal<'static> {
    Principal::assumed_role(
        "arn:aws:sts::444455556666:assumed-role/auditor/audit",
        "arn:aws:iam::444455556666:role/audit/auditor",
    )
    .unwrap()
}

/// The owner account's root user.
pub(crate) fn owner_root() -> Principal<'static> {
    Principal::root("arn:aws:iam::111122223333:root").unwrap()
}

/// A request without credentials.
pub(crate) fn anonymous() -> Principal<'static> {
    Principal::anonymous()
}

/// CloudFront, as a service principal.
pub(crate) fn cloudfront() -> Principal<'static> {
    Principal::service("cloudfront.amazonaws.com")
}

/// A value for a context key: one value, or a list (a multivalued key).
pub(crate) trait ContextValue {
    fn set(self, context: &mut Context<'static>, key: &'static str);
}

impl ContextValue for &'static str {
    fn set(self, context: &mut Context<'static>, key: &'static str) {
        context.insert(key, self);
    }
}

impl<const N: usize> ContextValue for [&'static str; N] {
    fn set(self, context: &mut Context<'static>, key: &'static str) {
        context.insert_many(key, self);
    }
}

/// A document of `version` whose `Statement` is `statement` (an object or a list).
fn document(version: &str, statement: &str) -> String {
    format!(r#"{{"Version": "{version}", "Statement": {statement}}}"#)
}

/// What a case gives and expects.
pub(crate) struct Case<'c> {
    pub(crate) follows: &'static str,
    pub(crate) version: &'static str,
    /// The `Statement` of each identity policy.
    pub(crate) identity: &'c [&'static str],
    /// The `Statement` of each resource policy.
    pub(crate) resource: &'c [&'static str],
    pub(crate) principal: Principal<'static>,
    pub(crate) action: &'static str,
    pub(crate) on: &'static str,
    pub(crate) owner: &'static str,
    pub(crate) context: Context<'static>,
    pub(crate) expect: Decision,
    /// The Sid of the statement that decides, where the case names one.
    pub(crate) by: Option<&'static str>,
}

/// Parses the policies, evaluates the request and checks the decision.
pub(crate) fn check(case: Case<'_>) {
    let parse = |statement: &&str, bucket: bool| {
        let json = document(case.version, statement);
        let parsed = if bucket {
            Policy::bucket(&json)
        } else {
            Policy::identity(&json)
        };
        parsed.unwrap_or_else(|e| panic!("the case's policy does not load: {e}\n{json}"))
    };
    let identity: Vec<Policy> = case.identity.iter().map(|s| parse(s, false)).collect();
    let resource: Vec<Policy> = case.resource.iter().map(|s| parse(s, true)).collect();
    let request = countersign_policy::Request::new(case.principal, case.action, case.on)
        .owned_by(case.owner)
        .with_context(&case.context);
    let evaluation = evaluate(&identity, &resource, &request);
    assert_eq!(
        evaluation.decision, case.expect,
        "follows {}: {evaluation}",
        case.follows
    );
    if let Some(sid) = case.by {
        let deciding = evaluation.deciding().and_then(|s| s.sid);
        assert_eq!(
            deciding,
            Some(sid),
            "follows {}: {evaluation}",
            case.follows
        );
    }
}

/// One `#[test]` per case:
///
/// ```text
/// name {
///     follows: "the AWS page and section",
///     [version: "2008-10-17",]
///     [identity: [statement-or-list, ...],]   // one identity policy per string
///     [resource: [statement-or-list, ...],]   // one bucket policy per string
///     who: principal, action: "s3:GetObject", on: "arn:...",
///     [owner: account,]
///     [ctx: { "key" => "value", "key" => ["v1", "v2"] },]
///     expect: Allow | ExplicitDeny | ImplicitDeny [by "Sid"]
/// }
/// ```
macro_rules! cases {
    ($(
        $name:ident {
            follows: $follows:literal,
            $(version: $version:literal,)?
            $(identity: [$($identity:expr),* $(,)?],)?
            $(resource: [$($resource:expr),* $(,)?],)?
            who: $who:expr,
            action: $action:literal,
            on: $on:literal,
            $(owner: $owner:expr,)?
            $(ctx: { $($key:literal => $value:expr),* $(,)? },)?
            expect: $expect:ident $(by $by:literal)? $(,)?
        }
    )*) => {$(
        #[test]
        fn $name() {
            #[allow(unused_mut, reason = "a case without context keys")]
            let mut context = countersign_policy::Context::new();
            $($(crate::case::ContextValue::set($value, &mut context, $key);)*)?
            let version = None $(.or(Some($version)))?.unwrap_or("2012-10-17");
            let owner = None $(.or(Some($owner)))?.unwrap_or(crate::case::OWNER);
            crate::case::check(crate::case::Case {
                follows: $follows,
                version,
                identity: &[$($($identity),*)?],
                resource: &[$($($resource),*)?],
                principal: $who,
                action: $action,
                on: $on,
                owner,
                context,
                expect: countersign_policy::Decision::$expect,
                by: None $(.or(Some($by)))?,
            });
        }
    )*};
}
