//! Documents that must be refused when loaded, each with the place it names and what it says,
//! one test per case; then the bounds: size limits (IAM's 6,144 characters for a managed
//! policy, S3's 20 KB for a bucket policy, both parameters), deep nesting, non-UTF-8 input,
//! and random corruptions of a valid policy, none of which may panic.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "a test panics on a broken fixture by design"
)]

use countersign_policy::{
    evaluate, Context, Decision, Limits, Policy, PolicyError, PolicyKind, Principal, Reason,
    Request,
};

/// A document of version 2012-10-17 with `statement` as its `Statement`.
fn with_statement(statement: &str) -> String {
    format!(r#"{{"Version": "2012-10-17", "Statement": {statement}}}"#)
}

fn refusal(kind: PolicyKind, json: &str) -> PolicyError {
    match Policy::parse(json, kind, Limits::for_kind(kind)) {
        Ok(_) => panic!("accepted: {json}"),
        Err(e) => e,
    }
}

/// `name: kind, document => place, message` where the message is what follows the place.
macro_rules! refusals {
    ($($name:ident: $kind:ident, $json:expr => $place:literal, $message:literal;)*) => {$(
        #[test]
        fn $name() {
            let error = refusal(PolicyKind::$kind, AsRef::<str>::as_ref(&$json));
            assert_eq!((error.place(), error.message()), ($place, $message), "{error}");
        }
    )*};
}

const OK: &str = r#""Effect": "Allow", "Action": "s3:GetObject", "Resource": "*""#;
const OK_BUCKET: &str =
    r#""Effect": "Allow", "Principal": "*", "Action": "s3:GetObject", "Resource": "*""#;

refusals! {
    document_that_is_a_list: Identity, "[]"
        => "", "a policy is a JSON object, not a list";
    unknown_top_level_element: Identity, format!(r#"{{"Version": "2012-10-17", "Statment": [{{{OK}}}]}}"#)
        => "", "\"Statment\" is not a policy element: expected Version, Id or Statement";
    unsupported_version: Identity, format!(r#"{{"Version": "2012-10-18", "Statement": {{{OK}}}}}"#)
        => "Version", "must be \"2012-10-17\" or \"2008-10-17\", not \"2012-10-18\"";
    version_that_is_a_number: Identity, format!(r#"{{"Version": 2012, "Statement": {{{OK}}}}}"#)
        => "Version", "must be \"2012-10-17\" or \"2008-10-17\", not a number";
    id_that_is_not_a_string: Identity, format!(r#"{{"Id": ["x"], "Statement": {{{OK}}}}}"#)
        => "Id", "must be a string, not a list";
    missing_statement: Identity, r#"{"Version": "2012-10-17"}"#
        => "", "Statement is required";
    empty_statement_list: Identity, with_statement("[]")
        => "Statement", "must have at least one statement";
    statement_that_is_a_string: Identity, with_statement(r#""Allow""#)
        => "Statement", "must be a statement object or a list of them, not \"Allow\"";
    statement_member_that_is_not_an_object: Identity, with_statement(&format!(r#"[{{{OK}}}, "Allow"]"#))
        => "Statement[1]", "must be an object, not \"Allow\"";
    missing_effect: Identity, with_statement(r#"{"Action": "s3:GetObject", "Resource": "*"}"#)
        => "Statement[0]", "Effect is required";
    effect_in_lower_case: Identity, with_statement(r#"{"Effect": "allow", "Action": "s3:GetObject", "Resource": "*"}"#)
        => "Statement[0].Effect", "must be \"Allow\" or \"Deny\", not \"allow\"";
    statement_named_by_its_sid: Identity, with_statement(r#"{"Sid": "ReadOnly", "Action": "s3:GetObject", "Resource": "*"}"#)
        => "Statement[\"ReadOnly\"]", "Effect is required";
    sid_that_is_not_a_string: Identity, with_statement(&format!(r#"{{"Sid": 7, {OK}}}"#))
        => "Statement[0].Sid", "must be a string, not a number";
    duplicate_sid: Identity, with_statement(&format!(r#"[{{"Sid": "A", {OK}}}, {{"Sid": "A", {OK}}}]"#))
        => "Statement[\"A\"]", "Sid must be unique within the policy";
    unknown_statement_element: Identity, with_statement(&format!(r#"{{{OK}, "Conditions": {{}}}}"#))
        => "Statement[0]", "\"Conditions\" is not a statement element: expected Sid, Effect, Principal, NotPrincipal, Action, NotAction, Resource, NotResource or Condition";
    missing_action: Identity, with_statement(r#"{"Effect": "Allow", "Resource": "*"}"#)
        => "Statement[0]", "Action or NotAction is required";
    action_and_not_action: Identity, with_statement(&format!(r#"{{{OK}, "NotAction": "s3:PutObject"}}"#))
        => "Statement[0]", "has both Action and NotAction; a statement takes one";
    empty_action_list: Identity, with_statement(r#"{"Effect": "Allow", "Action": [], "Resource": "*"}"#)
        => "Statement[0].Action", "must not be an empty list";
    action_that_is_a_number: Identity, with_statement(r#"{"Effect": "Allow", "Action": 5, "Resource": "*"}"#)
        => "Statement[0].Action", "must be a string or a list of strings, not a number";
    action_list_with_an_object: Identity, with_statement(r#"{"Effect": "Allow", "Action": ["s3:GetObject", {}], "Resource": "*"}"#)
        => "Statement[0].Action", "must be a string or a list of strings, not an object";
    action_without_a_service: Identity, with_statement(r#"{"Effect": "Allow", "Action": "GetObject", "Resource": "*"}"#)
        => "Statement[0].Action", "\"GetObject\" is not an action: expected \"*\" or \"service:action\", such as \"s3:GetObject\"";
    missing_resource: Identity, with_statement(r#"{"Effect": "Allow", "Action": "s3:GetObject"}"#)
        => "Statement[0]", "Resource or NotResource is required";
    resource_and_not_resource: Identity, with_statement(&format!(r#"{{{OK}, "NotResource": "arn:aws:s3:::b"}}"#))
        => "Statement[0]", "has both Resource and NotResource; a statement takes one";
    resource_that_is_not_an_arn: Identity, with_statement(r#"{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "bucket/*"}"#)
        => "Statement[0].Resource", "\"bucket/*\" is not an ARN: expected \"*\" or \"arn:partition:service:region:account:resource\"";
    resource_with_a_wildcard_service: Identity, with_statement(r#"{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s*:::b/*"}"#)
        => "Statement[0].Resource", "\"arn:aws:s*:::b/*\": the service segment of an ARN cannot contain a wildcard";
    resource_with_an_unclosed_variable: Identity, with_statement(r#"{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::b/${aws:username"}"#)
        => "Statement[0].Resource", "\"arn:aws:s3:::b/${aws:username\" opens a policy variable with \"${\" and never closes it";
    resource_with_an_empty_variable: Identity, with_statement(r#"{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::b/${}"}"#)
        => "Statement[0].Resource", "\"arn:aws:s3:::b/${}\" has \"${}\", which is not a policy variable: expected a context key name, or *, ? or $";
    principal_in_an_identity_policy: Identity, with_statement(&format!(r#"{{{OK}, "Principal": "*"}}"#))
        => "Statement[0].Principal", "an identity policy cannot name a principal: it applies to the identity it is attached to";
    bucket_policy_without_a_principal: Resource, with_statement(&format!("{{{OK}}}"))
        => "Statement[0]", "Principal or NotPrincipal is required in a resource policy";
    principal_and_not_principal: Resource, with_statement(&format!(r#"{{{OK_BUCKET}, "NotPrincipal": {{"AWS": "111122223333"}}}}"#))
        => "Statement[0]", "has both Principal and NotPrincipal; a statement takes one";
    principal_with_a_partial_wildcard: Resource, with_statement(r#"{"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::111122223333:user/*"}, "Action": "s3:GetObject", "Resource": "*"}"#)
        => "Statement[0].Principal.AWS", "\"arn:aws:iam::111122223333:user/*\" is not a principal: expected \"*\", a 12-digit account ID, or the ARN of an account, user, role or session, without wildcards";
    principal_with_a_short_account_id: Resource, with_statement(r#"{"Effect": "Allow", "Principal": {"AWS": "11112222333"}, "Action": "s3:GetObject", "Resource": "*"}"#)
        => "Statement[0].Principal.AWS", "\"11112222333\" is not a principal: expected \"*\", a 12-digit account ID, or the ARN of an account, user, role or session, without wildcards";
    principal_of_an_unknown_kind: Resource, with_statement(r#"{"Effect": "Allow", "Principal": {"Users": "alice"}, "Action": "s3:GetObject", "Resource": "*"}"#)
        => "Statement[0].Principal.Users", "is not a kind of principal: expected AWS, Service, Federated or CanonicalUser";
    principal_that_is_an_empty_object: Resource, with_statement(r#"{"Effect": "Allow", "Principal": {}, "Action": "s3:GetObject", "Resource": "*"}"#)
        => "Statement[0].Principal", "must be \"*\" or an object of AWS, Service, Federated or CanonicalUser principals, not an object";
    principal_with_an_empty_list: Resource, with_statement(r#"{"Effect": "Allow", "Principal": {"AWS": []}, "Action": "s3:GetObject", "Resource": "*"}"#)
        => "Statement[0].Principal.AWS", "must not be an empty list";
    service_principal_with_a_wildcard: Resource, with_statement(r#"{"Effect": "Allow", "Principal": {"Service": "*.amazonaws.com"}, "Action": "s3:GetObject", "Resource": "*"}"#)
        => "Statement[0].Principal.Service", "\"*.amazonaws.com\" is not a principal: a wildcard cannot match part of a principal";
    condition_that_is_a_list: Identity, with_statement(&format!(r#"{{{OK}, "Condition": []}}"#))
        => "Statement[0].Condition", "must be an object of condition operators, not a list";
    unknown_condition_operator: Identity, with_statement(&format!(r#"{{{OK}, "Condition": {{"StringEqual": {{"aws:username": "a"}}}}}}"#))
        => "Statement[0].Condition.StringEqual", "is not a condition operator";
    operator_name_in_the_wrong_case: Identity, with_statement(&format!(r#"{{{OK}, "Condition": {{"stringequals": {{"aws:username": "a"}}}}}}"#))
        => "Statement[0].Condition.stringequals", "is not a condition operator";
    null_with_if_exists: Identity, with_statement(&format!(r#"{{{OK}, "Condition": {{"NullIfExists": {{"aws:username": "true"}}}}}}"#))
        => "Statement[0].Condition.NullIfExists", "Null tests whether a key exists: it takes neither IfExists nor a set qualifier";
    null_with_a_set_qualifier: Identity, with_statement(&format!(r#"{{{OK}, "Condition": {{"ForAllValues:Null": {{"aws:TagKeys": "true"}}}}}}"#))
        => "Statement[0].Condition.ForAllValues:Null", "Null tests whether a key exists: it takes neither IfExists nor a set qualifier";
    binary_equals_is_not_evaluated: Identity, with_statement(&format!(r#"{{{OK}, "Condition": {{"BinaryEquals": {{"example:key": "QmluYXJ5"}}}}}}"#))
        => "Statement[0].Condition.BinaryEquals", "BinaryEquals is an IAM operator that this engine does not evaluate";
    operator_without_keys: Identity, with_statement(&format!(r#"{{{OK}, "Condition": {{"StringEquals": {{}}}}}}"#))
        => "Statement[0].Condition.StringEquals", "must name at least one condition key";
    operator_block_that_is_a_string: Identity, with_statement(&format!(r#"{{{OK}, "Condition": {{"StringEquals": "aws:username"}}}}"#))
        => "Statement[0].Condition.StringEquals", "must be an object of condition keys and values, not \"aws:username\"";
    condition_value_that_is_an_object: Identity, with_statement(&format!(
        r#"[{{{OK}}}, {{{OK}}}, {{{OK}, "Condition": {{"StringEquals": {{"aws:username": {{"name": "alice"}}}}}}}}]"#))
        => "Statement[2].Condition.StringEquals", "\"aws:username\" must be a string or a list of strings, not an object";
    condition_value_that_is_null: Identity, with_statement(&format!(r#"{{{OK}, "Condition": {{"StringEquals": {{"aws:username": null}}}}}}"#))
        => "Statement[0].Condition.StringEquals", "\"aws:username\" must be a string or a list of strings, not null";
    condition_value_that_is_an_empty_list: Identity, with_statement(&format!(r#"{{{OK}, "Condition": {{"StringEquals": {{"aws:username": []}}}}}}"#))
        => "Statement[0].Condition.StringEquals", "\"aws:username\" must have at least one value, not an empty list";
    condition_key_without_a_prefix: Identity, with_statement(&format!(r#"{{{OK}, "Condition": {{"StringEquals": {{"username": "alice"}}}}}}"#))
        => "Statement[0].Condition.StringEquals", "\"username\" is not a condition key: expected \"prefix:name\", such as \"aws:SourceIp\"";
    numeric_value_that_is_not_a_number: Identity, with_statement(&format!(r#"{{{OK}, "Condition": {{"NumericLessThan": {{"s3:max-keys": "ten"}}}}}}"#))
        => "Statement[0].Condition.NumericLessThan", "\"s3:max-keys\": \"ten\" is not a number";
    numeric_value_with_a_variable: Identity, with_statement(&format!(r#"{{{OK}, "Condition": {{"NumericLessThan": {{"s3:max-keys": "${{aws:username}}"}}}}}}"#))
        => "Statement[0].Condition.NumericLessThan", "\"s3:max-keys\": \"${aws:username}\" is not a number";
    date_value_that_is_not_a_date: Identity, with_statement(&format!(r#"{{{OK}, "Condition": {{"DateLessThan": {{"aws:CurrentTime": "next year"}}}}}}"#))
        => "Statement[0].Condition.DateLessThan", "\"aws:CurrentTime\": \"next year\" is not a date: expected ISO 8601 (such as 2020-01-01T00:00:00Z) or epoch seconds";
    ip_range_with_a_prefix_too_long: Identity, with_statement(&format!(r#"{{{OK}, "Condition": {{"IpAddress": {{"aws:SourceIp": "203.0.113.0/33"}}}}}}"#))
        => "Statement[0].Condition.IpAddress", "\"aws:SourceIp\": \"203.0.113.0/33\" is not an IP address or CIDR range";
    bool_value_that_is_not_a_boolean: Identity, with_statement(&format!(r#"{{{OK}, "Condition": {{"Bool": {{"aws:SecureTransport": "yes"}}}}}}"#))
        => "Statement[0].Condition.Bool", "\"aws:SecureTransport\": \"yes\" is not true or false";
    null_value_that_is_not_a_boolean: Identity, with_statement(&format!(r#"{{{OK}, "Condition": {{"Null": {{"aws:TokenIssueTime": "absent"}}}}}}"#))
        => "Statement[0].Condition.Null", "\"aws:TokenIssueTime\": \"absent\" is not true or false";
    arn_value_that_is_not_an_arn: Identity, with_statement(&format!(r#"{{{OK}, "Condition": {{"ArnLike": {{"aws:SourceArn": "topic1"}}}}}}"#))
        => "Statement[0].Condition.ArnLike", "\"aws:SourceArn\": \"topic1\" is not an ARN: expected \"*\" or \"arn:partition:service:region:account:resource\"";
    string_value_with_an_unclosed_variable: Identity, with_statement(&format!(r#"{{{OK}, "Condition": {{"StringLike": {{"s3:prefix": "home/${{aws:username/*"}}}}}}"#))
        => "Statement[0].Condition.StringLike", "\"s3:prefix\": \"home/${aws:username/*\" opens a policy variable with \"${\" and never closes it";
}

/// A refusal by the JSON reader names the document (no place) and the line and column.
fn assert_json_refusal(json: &str, limits: Limits, says: &str) {
    let error = Policy::parse(json, PolicyKind::Identity, limits).unwrap_err();
    assert_eq!(error.place(), "", "{error}");
    let message = error.message();
    assert!(
        message.starts_with(&format!("not valid JSON: {says} at line 1 column ")),
        "{error}"
    );
}

#[test]
fn repeated_member_is_refused() {
    let json = with_statement(
        r#"{"Effect": "Allow", "Effect": "Deny", "Action": "s3:GetObject", "Resource": "*"}"#,
    );
    assert_json_refusal(
        &json,
        Limits::IDENTITY,
        "the member \"Effect\" appears twice in one object",
    );
}

#[test]
fn text_after_the_document_is_refused() {
    let json = format!("{} {{}}", with_statement(&format!("{{{OK}}}")));
    assert_json_refusal(&json, Limits::IDENTITY, "trailing characters");
}

#[test]
fn number_out_of_range_is_refused() {
    let json = with_statement(&format!(
        r#"{{{OK}, "Condition": {{"NumericLessThan": {{"s3:max-keys": 1e999}}}}}}"#
    ));
    assert_json_refusal(&json, Limits::IDENTITY, "number out of range");
}

/// A document without `Version` is read as `2008-10-17`, in which `${...}` is plain text.
#[test]
fn document_without_a_version_has_no_variables() {
    let json = r#"{"Statement": {"Effect": "Allow", "Action": "s3:GetObject",
                                 "Resource": "arn:aws:s3:::b/${aws:username}/*"}}"#;
    let policies = [Policy::identity(json).unwrap()];
    assert_eq!(
        policies[0].version(),
        countersign_policy::Version::V2008_10_17
    );
    let none: [Policy; 0] = [];
    let alice = Principal::user("arn:aws:iam::111122223333:user/alice").unwrap();
    let substituted = Request::new(alice, "s3:GetObject", "arn:aws:s3:::b/alice/k");
    let literal = Request::new(alice, "s3:GetObject", "arn:aws:s3:::b/${aws:username}/k");
    let decisions = [
        evaluate(&policies, &none, &substituted).decision,
        evaluate(&policies, &none, &literal).decision,
    ];
    assert_eq!(decisions, [Decision::ImplicitDeny, Decision::Allow]);
}

#[test]
fn identity_policy_refusal_has_iams_code() {
    let error = refusal(PolicyKind::Identity, "[]");
    assert_eq!(
        (error.code(), error.status()),
        ("MalformedPolicyDocument", 400)
    );
}

#[test]
fn bucket_policy_refusal_has_s3s_code() {
    let error = refusal(PolicyKind::Resource, "[]");
    assert_eq!((error.code(), error.status()), ("MalformedPolicy", 400));
}

/// A policy with `n` statements of about 100 characters each.
fn policy_of(n: usize) -> String {
    let statements: Vec<String> = (0..n)
        .map(|i| {
            format!(
                r#"{{"Sid":"S{i:04}","Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::bucket/prefix-{i:04}/*"}}"#
            )
        })
        .collect();
    with_statement(&format!("[{}]", statements.join(",")))
}

fn size(json: &str) -> usize {
    json.chars().filter(|c| !c.is_whitespace()).count()
}

#[test]
fn identity_policy_over_6144_characters_is_refused() {
    let json = policy_of(70);
    assert!(size(&json) > 6_144, "{}", size(&json));
    let error = Policy::identity(&json).unwrap_err();
    assert_eq!(error.reason(), Reason::TooLarge);
    assert_eq!((error.code(), error.status()), ("LimitExceeded", 409));
    assert_eq!(
        error.to_string(),
        format!(
            "the identity policy has {} characters other than white space; the limit is 6144",
            size(&json)
        )
    );
}

#[test]
fn identity_policy_under_6144_characters_is_accepted() {
    let json = policy_of(50);
    assert!(size(&json) < 6_144, "{}", size(&json));
    assert_eq!(Policy::identity(&json).unwrap().statement_count(), 50);
}

#[test]
fn bucket_policy_over_20_kb_is_refused() {
    let json = policy_of(220).replace(r#""Effect""#, r#""Principal":"*","Effect""#);
    assert!(size(&json) > 20 * 1024, "{}", size(&json));
    let error = Policy::bucket(&json).unwrap_err();
    assert_eq!(error.reason(), Reason::TooLarge);
    assert_eq!((error.code(), error.status()), ("MalformedPolicy", 400));
}

#[test]
fn bucket_policy_under_20_kb_is_accepted() {
    let json = policy_of(150).replace(r#""Effect""#, r#""Principal":"*","Effect""#);
    assert!(size(&json) < 20 * 1024, "{}", size(&json));
    assert_eq!(Policy::bucket(&json).unwrap().statement_count(), 150);
}

#[test]
fn size_limit_is_a_parameter() {
    let json = policy_of(70);
    let limits = Limits {
        max_chars: 10_000,
        ..Limits::IDENTITY
    };
    let policy = Policy::parse(&json, PolicyKind::Identity, limits).unwrap();
    assert_eq!(policy.statement_count(), 70);
}

#[test]
fn white_space_does_not_count_toward_the_limit() {
    let json = policy_of(50).replace(',', &format!(",\n{}", " ".repeat(40)));
    assert!(json.len() > 6_144 * 2);
    assert!(Policy::identity(&json).is_ok());
}

#[test]
fn deeply_nested_value_is_refused_without_recursing() {
    let depth = 100_000;
    let value = format!("{}{}", "[".repeat(depth), "]".repeat(depth));
    let json = with_statement(&format!(
        r#"{{{OK}, "Condition": {{"StringEquals": {{"aws:username": {value}}}}}}}"#
    ));
    let limits = Limits {
        max_chars: usize::MAX,
        ..Limits::IDENTITY
    };
    assert_json_refusal(&json, limits, "nested deeper than a policy document can be");
}

#[test]
fn nesting_bound_is_a_parameter() {
    let json = with_statement(&format!(
        r#"{{{OK}, "Condition": {{"StringEquals": {{"aws:username": ["alice"]}}}}}}"#
    ));
    assert!(Policy::identity(&json).is_ok());
    let shallow = Limits {
        max_depth: 4,
        ..Limits::IDENTITY
    };
    let error = Policy::parse(&json, PolicyKind::Identity, shallow).unwrap_err();
    assert!(error.message().contains("nested deeper"), "{error}");
}

#[test]
fn unknown_condition_keys_load_and_evaluate_as_absent() {
    let json = with_statement(&format!(
        r#"[{{"Sid": "All", {OK}}},
            {{"Effect": "Deny", "Action": "s3:*", "Resource": "*",
              "Condition": {{"StringEquals": {{"zzz:NoSuchKey": "x"}}}}}}]"#
    ));
    let policies = [Policy::identity(&json).unwrap()];
    let none: [Policy; 0] = [];
    let alice = Principal::user("arn:aws:iam::111122223333:user/alice").unwrap();
    let context = Context::new().with("aws:SourceIp", "203.0.113.1");
    let request = Request::new(alice, "s3:GetObject", "arn:aws:s3:::b/k").with_context(&context);
    let evaluation = evaluate(&policies, &none, &request);
    assert_eq!(
        evaluation.to_string(),
        "allowed by identity policy 0, statement \"All\""
    );
}

#[test]
fn invalid_utf8_is_refused_with_its_offset() {
    let mut bytes = with_statement(&format!("{{{OK}}}")).into_bytes();
    bytes.insert(30, 0xff);
    let error = Policy::parse_bytes(&bytes, PolicyKind::Identity, Limits::IDENTITY).unwrap_err();
    assert_eq!(
        error.to_string(),
        "the document is not UTF-8: invalid byte at offset 30"
    );
    assert_eq!(error.code(), "MalformedPolicyDocument");
}

#[test]
fn truncated_utf8_sequence_is_refused() {
    let mut bytes = with_statement(&format!("{{{OK}}}")).into_bytes();
    bytes.extend_from_slice(&[0xe2, 0x82]);
    let error = Policy::parse_bytes(&bytes, PolicyKind::Resource, Limits::BUCKET).unwrap_err();
    assert_eq!(
        error.to_string(),
        format!(
            "the document is not UTF-8: invalid byte at offset {}",
            bytes.len() - 2
        )
    );
    assert_eq!(error.code(), "MalformedPolicy");
}

/// Random byte changes to a valid policy (a fixed-seed generator, so that a failure repeats):
/// every result either loads or is refused, and what loads evaluates, without a panic.
#[test]
fn random_corruptions_never_panic() {
    let original = with_statement(
        r#"[{"Sid": "A", "Effect": "Allow", "Action": ["s3:Get*", "s3:ListBucket"],
             "Resource": "arn:aws:s3:::b/${aws:username}/*",
             "Condition": {"ForAnyValue:StringLike": {"s3:prefix": ["h?me/*", "${*}"]},
                           "IpAddress": {"aws:SourceIp": ["10.0.0.0/8", "::/0"]},
                           "DateLessThan": {"aws:CurrentTime": "2030-01-01T00:00:00Z"},
                           "NumericLessThanEquals": {"s3:max-keys": "10.5"}}},
            {"Effect": "Deny", "NotAction": "s3:*", "NotResource": "arn:aws:s3:*"}]"#,
    );
    let alice = Principal::user("arn:aws:iam::111122223333:user/alice").unwrap();
    let context = Context::new()
        .with("aws:SourceIp", "10.1.2.3")
        .with("aws:CurrentTime", "2026-01-01T00:00:00Z")
        .with("s3:max-keys", "7")
        .with_many("s3:prefix", ["home/x", "*"]);
    let request =
        Request::new(alice, "s3:GetObject", "arn:aws:s3:::b/alice/k").with_context(&context);
    let none: [Policy; 0] = [];
    let mut state: u64 = 0x9e37_79b9_7f4a_7c15;
    let mut next = || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    let bytes = original.as_bytes();
    let mut loaded = 0;
    for _ in 0..5_000 {
        let mut mutated = bytes.to_vec();
        for _ in 0..1 + next() % 4 {
            let at = (next() % mutated.len() as u64) as usize;
            mutated[at] = b"{}[]\",:*?$ ax0\\\xff"[(next() % 16) as usize];
        }
        if let Ok(policy) = Policy::parse_bytes(&mutated, PolicyKind::Identity, Limits::IDENTITY) {
            loaded += 1;
            let policies = [policy];
            let _ = evaluate(&policies, &none, &request);
        }
    }
    assert!(loaded > 0, "no corruption loaded at all");
}
