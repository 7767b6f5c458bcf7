//! `countersign policy check` evaluates policy files as the IAM policy simulator does (one
//! test per decision, principal, condition and input fault), and `countersign policy lint`
//! reports a document's refusal and its likely mistakes, with the exit status of each.

use std::path::{Path, PathBuf};
use std::process::Output;

use crate::common::{countersign, stderr, stdout};

const ALICE: &str = "arn:aws:iam::111122223333:user/alice";

/// Alice's identity policy: read the photos, but not the secret ones.
const ALICE_POLICY: &str = r#"{"Version": "2012-10-17", "Statement": [
    {"Sid": "ReadPhotos", "Effect": "Allow", "Action": "s3:GetObject",
     "Resource": "arn:aws:s3:::photos/*"},
    {"Sid": "NoSecrets", "Effect": "Deny", "Action": "s3:*",
     "Resource": "arn:aws:s3:::photos/secret/*"}]}"#;

/// Writes `json` to the file `name` in `dir`.
fn policy_file(dir: &Path, name: &str, json: &str) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, json).unwrap();
    path
}

/// `countersign policy ARGS`.
fn policy(home: &Path, args: &[&str]) -> Output {
    countersign(home).arg("policy").args(args).output().unwrap()
}

/// `countersign policy check` of `action` on `resource` by `principal` (flags), with one
/// identity policy.
fn check_identity(json: &str, principal: &[&str], action: &str, resource: &str) -> Output {
    check_identity_with(json, principal, action, resource, &[])
}

/// [`check_identity`] with more flags.
fn check_identity_with(
    json: &str,
    principal: &[&str],
    action: &str,
    resource: &str,
    more: &[&str],
) -> Output {
    let home = tempfile::tempdir().unwrap();
    let file = policy_file(home.path(), "identity.json", json);
    let mut args = vec!["check", "--identity", file.to_str().unwrap()];
    args.extend_from_slice(principal);
    args.extend_from_slice(&["--action", action, "--resource-arn", resource]);
    args.extend_from_slice(more);
    policy(home.path(), &args)
}

/// The first two lines of the output: the decision and the statement that decided.
fn decision(output: &Output) -> (String, String) {
    let text = stdout(output);
    let mut lines = text.lines();
    let decision = lines.next().unwrap_or_default().to_owned();
    let why = lines.next().unwrap_or_default().to_owned();
    (decision, why)
}

#[test]
fn check_allows_by_an_identity_statement() {
    let output = check_identity(
        ALICE_POLICY,
        &["--principal", ALICE],
        "s3:GetObject",
        "arn:aws:s3:::photos/cat.jpg",
    );
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    assert_eq!(
        decision(&output),
        (
            "Allow".to_owned(),
            "allowed by identity policy 0, statement \"ReadPhotos\"".to_owned()
        )
    );
}

#[test]
fn check_explicit_deny_names_the_sid() {
    let output = check_identity(
        ALICE_POLICY,
        &["--principal", ALICE],
        "s3:GetObject",
        "arn:aws:s3:::photos/secret/plans.pdf",
    );
    assert_eq!(output.status.code(), Some(1), "{}", stderr(&output));
    assert_eq!(
        decision(&output),
        (
            "ExplicitDeny".to_owned(),
            "explicitly denied by identity policy 0, statement \"NoSecrets\"".to_owned()
        )
    );
}

#[test]
fn check_implicit_deny_when_no_statement_allows() {
    let output = check_identity(
        ALICE_POLICY,
        &["--principal", ALICE],
        "s3:PutObject",
        "arn:aws:s3:::photos/cat.jpg",
    );
    assert_eq!(output.status.code(), Some(1), "{}", stderr(&output));
    assert_eq!(
        decision(&output),
        (
            "ImplicitDeny".to_owned(),
            "implicitly denied: no statement allows the request".to_owned()
        )
    );
}

/// The bucket policy of account 444455556666's bucket `shared`: Alice, of another account,
/// may read it.
const SHARED_BUCKET: &str = r#"{"Version": "2012-10-17", "Statement": [
    {"Sid": "AliceReads", "Effect": "Allow",
     "Principal": {"AWS": "arn:aws:iam::111122223333:user/alice"},
     "Action": "s3:GetObject", "Resource": "arn:aws:s3:::shared/*"}]}"#;

/// Alice's identity policy for the other account's bucket.
const READ_SHARED: &str = r#"{"Version": "2012-10-17", "Statement": [
    {"Sid": "ReadShared", "Effect": "Allow", "Action": "s3:GetObject",
     "Resource": "arn:aws:s3:::shared/*"}]}"#;

#[test]
fn check_cross_account_allows_with_both_policies() {
    let home = tempfile::tempdir().unwrap();
    let identity = policy_file(home.path(), "alice.json", READ_SHARED);
    let bucket = policy_file(home.path(), "bucket.json", SHARED_BUCKET);
    let output = policy(
        home.path(),
        &[
            "check",
            "--identity",
            identity.to_str().unwrap(),
            "--resource",
            bucket.to_str().unwrap(),
            "--principal",
            ALICE,
            "--action",
            "s3:GetObject",
            "--resource-arn",
            "arn:aws:s3:::shared/report.csv",
            "--resource-account",
            "444455556666",
        ],
    );
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    assert_eq!(
        decision(&output),
        (
            "Allow".to_owned(),
            "allowed by resource policy 0, statement \"AliceReads\" and identity policy 0, \
             statement \"ReadShared\""
                .to_owned()
        )
    );
}

#[test]
fn check_cross_account_with_the_bucket_policy_alone_is_denied() {
    let home = tempfile::tempdir().unwrap();
    let bucket = policy_file(home.path(), "bucket.json", SHARED_BUCKET);
    let output = policy(
        home.path(),
        &[
            "check",
            "--resource",
            bucket.to_str().unwrap(),
            "--principal",
            ALICE,
            "--action",
            "s3:GetObject",
            "--resource-arn",
            "arn:aws:s3:::shared/report.csv",
            "--resource-account",
            "444455556666",
        ],
    );
    assert_eq!(output.status.code(), Some(1), "{}", stderr(&output));
    assert_eq!(
        decision(&output),
        (
            "ImplicitDeny".to_owned(),
            "implicitly denied: resource policy 0, statement \"AliceReads\" allows this \
             cross-account request, and no identity policy does"
                .to_owned()
        )
    );
}

/// Reads from the office network only.
const OFFICE_ONLY: &str = r#"{"Version": "2012-10-17", "Statement": [
    {"Sid": "FromTheOffice", "Effect": "Allow", "Action": "s3:GetObject", "Resource": "*",
     "Condition": {"IpAddress": {"aws:SourceIp": "203.0.113.0/24"}}}]}"#;

#[test]
fn check_condition_on_the_source_ip_allows_from_inside() {
    let output = check_identity_with(
        OFFICE_ONLY,
        &["--principal", ALICE],
        "s3:GetObject",
        "arn:aws:s3:::photos/cat.jpg",
        &["--context", "aws:SourceIp=203.0.113.9"],
    );
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    assert_eq!(decision(&output).0, "Allow");
}

#[test]
fn check_condition_on_the_source_ip_denies_from_outside() {
    let output = check_identity_with(
        OFFICE_ONLY,
        &["--principal", ALICE],
        "s3:GetObject",
        "arn:aws:s3:::photos/cat.jpg",
        &["--context", "aws:SourceIp=198.51.100.1"],
    );
    assert_eq!(output.status.code(), Some(1), "{}", stderr(&output));
    assert_eq!(decision(&output).0, "ImplicitDeny");
}

#[test]
fn check_condition_without_its_key_in_the_context_fails() {
    let output = check_identity(
        OFFICE_ONLY,
        &["--principal", ALICE],
        "s3:GetObject",
        "arn:aws:s3:::photos/cat.jpg",
    );
    assert_eq!(output.status.code(), Some(1), "{}", stderr(&output));
    assert_eq!(decision(&output).0, "ImplicitDeny");
}

/// Tagging is allowed when the request's tag keys include `team` and one starting with
/// `proj`: both values of a repeated `--context` must reach the evaluation.
const TAGS: &str = r#"{"Version": "2012-10-17", "Statement": [
    {"Sid": "Tagging", "Effect": "Allow", "Action": "s3:PutObjectTagging", "Resource": "*",
     "Condition": {"ForAnyValue:StringEquals": {"aws:TagKeys": "team"},
                   "ForAnyValue:StringLike": {"aws:TagKeys": "proj*"}}}]}"#;

#[test]
fn check_repeated_context_key_gives_several_values() {
    let output = check_identity_with(
        TAGS,
        &["--principal", ALICE],
        "s3:PutObjectTagging",
        "arn:aws:s3:::photos/cat.jpg",
        &[
            "--context",
            "aws:TagKeys=team",
            "--context",
            "aws:TagKeys=project",
        ],
    );
    assert_eq!(output.status.code(), Some(0), "{}", stdout(&output));
    assert_eq!(decision(&output).0, "Allow");
}

/// Each user reads their own home prefix.
const HOMES: &str = r#"{"Version": "2012-10-17", "Statement": [
    {"Sid": "OwnHome", "Effect": "Allow", "Action": "s3:GetObject",
     "Resource": "arn:aws:s3:::homes/${aws:username}/*"}]}"#;

#[test]
fn check_policy_variable_is_the_users_name() {
    let output = check_identity(
        HOMES,
        &["--principal", ALICE],
        "s3:GetObject",
        "arn:aws:s3:::homes/alice/notes.txt",
    );
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    assert_eq!(
        decision(&output).1,
        "allowed by identity policy 0, statement \"OwnHome\""
    );
}

#[test]
fn check_policy_variable_keeps_others_out() {
    let output = check_identity(
        HOMES,
        &["--principal", ALICE],
        "s3:GetObject",
        "arn:aws:s3:::homes/bob/notes.txt",
    );
    assert_eq!(output.status.code(), Some(1), "{}", stderr(&output));
    assert_eq!(decision(&output).0, "ImplicitDeny");
}

/// A bucket that everyone may read, and that a role and a service may write to.
const PUBLIC_BUCKET: &str = r#"{"Version": "2012-10-17", "Statement": [
    {"Sid": "PublicRead", "Effect": "Allow", "Principal": "*", "Action": "s3:GetObject",
     "Resource": "arn:aws:s3:::www/*"},
    {"Sid": "Publisher", "Effect": "Allow",
     "Principal": {"AWS": "arn:aws:iam::111122223333:role/publisher"},
     "Action": "s3:PutObject", "Resource": "arn:aws:s3:::www/*"},
    {"Sid": "Logs", "Effect": "Allow", "Principal": {"Service": "logging.s3.amazonaws.com"},
     "Action": "s3:PutObject", "Resource": "arn:aws:s3:::www/logs/*"}]}"#;

/// `policy check` against [`PUBLIC_BUCKET`] of account 111122223333.
fn check_public_bucket(principal: &[&str], action: &str, resource: &str) -> Output {
    let home = tempfile::tempdir().unwrap();
    let bucket = policy_file(home.path(), "bucket.json", PUBLIC_BUCKET);
    let mut args = vec!["check", "--resource", bucket.to_str().unwrap()];
    args.extend_from_slice(principal);
    args.extend_from_slice(&[
        "--action",
        action,
        "--resource-arn",
        resource,
        "--resource-account",
        "111122223333",
    ]);
    policy(home.path(), &args)
}

#[test]
fn check_anonymous_request_is_allowed_by_a_public_statement() {
    let output = check_public_bucket(
        &["--anonymous"],
        "s3:GetObject",
        "arn:aws:s3:::www/index.html",
    );
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    assert_eq!(
        decision(&output).1,
        "allowed by resource policy 0, statement \"PublicRead\""
    );
}

#[test]
fn check_anonymous_request_cannot_write() {
    let output = check_public_bucket(
        &["--anonymous"],
        "s3:PutObject",
        "arn:aws:s3:::www/index.html",
    );
    assert_eq!(output.status.code(), Some(1), "{}", stderr(&output));
    assert_eq!(decision(&output).0, "ImplicitDeny");
}

#[test]
fn check_role_session_is_named_by_its_role() {
    let output = check_public_bucket(
        &[
            "--principal",
            "arn:aws:sts::111122223333:assumed-role/publisher/deploy-42",
        ],
        "s3:PutObject",
        "arn:aws:s3:::www/index.html",
    );
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    assert_eq!(
        decision(&output).1,
        "allowed by resource policy 0, statement \"Publisher\""
    );
}

#[test]
fn check_service_principal() {
    let output = check_public_bucket(
        &["--service", "logging.s3.amazonaws.com"],
        "s3:PutObject",
        "arn:aws:s3:::www/logs/2025-01-01",
    );
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    assert_eq!(
        decision(&output).1,
        "allowed by resource policy 0, statement \"Logs\""
    );
}

#[test]
fn check_account_root_is_a_principal() {
    let output = check_identity(
        ALICE_POLICY,
        &["--principal", "arn:aws:iam::111122223333:root"],
        "s3:GetObject",
        "arn:aws:s3:::photos/cat.jpg",
    );
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    assert_eq!(decision(&output).0, "Allow");
}

#[test]
fn check_role_arn_is_no_principal() {
    let output = check_identity(
        ALICE_POLICY,
        &["--principal", "arn:aws:iam::111122223333:role/publisher"],
        "s3:GetObject",
        "arn:aws:s3:::photos/cat.jpg",
    );
    assert_eq!(output.status.code(), Some(2));
    let text = stderr(&output);
    assert!(
        text.contains("arn:aws:iam::111122223333:role/publisher") && text.contains("assumed-role"),
        "{text}"
    );
}

#[test]
fn check_principal_that_is_no_arn_is_a_usage_error() {
    let output = check_identity(
        ALICE_POLICY,
        &["--principal", "alice"],
        "s3:GetObject",
        "arn:aws:s3:::photos/cat.jpg",
    );
    assert_eq!(output.status.code(), Some(2));
    assert!(stderr(&output).contains("\"alice\""), "{}", stderr(&output));
}

#[test]
fn check_needs_a_principal() {
    let output = check_identity(
        ALICE_POLICY,
        &[],
        "s3:GetObject",
        "arn:aws:s3:::photos/cat.jpg",
    );
    assert_eq!(output.status.code(), Some(2));
}

#[test]
fn check_needs_a_policy() {
    let home = tempfile::tempdir().unwrap();
    let output = policy(
        home.path(),
        &[
            "check",
            "--principal",
            ALICE,
            "--action",
            "s3:GetObject",
            "--resource-arn",
            "arn:aws:s3:::photos/cat.jpg",
        ],
    );
    assert_eq!(output.status.code(), Some(2));
}

#[test]
fn check_context_without_a_value_is_a_usage_error() {
    let output = check_identity_with(
        OFFICE_ONLY,
        &["--principal", ALICE],
        "s3:GetObject",
        "arn:aws:s3:::photos/cat.jpg",
        &["--context", "aws:SourceIp"],
    );
    assert_eq!(output.status.code(), Some(2));
    assert!(stderr(&output).contains("KEY=VALUE"), "{}", stderr(&output));
}

#[test]
fn check_json_has_the_decision_and_the_statement() {
    let home = tempfile::tempdir().unwrap();
    let file = policy_file(home.path(), "alice.json", ALICE_POLICY);
    let output = policy(
        home.path(),
        &[
            "check",
            "--identity",
            file.to_str().unwrap(),
            "--principal",
            ALICE,
            "--action",
            "s3:DeleteObject",
            "--resource-arn",
            "arn:aws:s3:::photos/secret/plans.pdf",
            "--json",
        ],
    );
    assert_eq!(output.status.code(), Some(1), "{}", stderr(&output));
    let json: serde_json::Value = serde_json::from_str(&stdout(&output)).unwrap();
    assert_eq!(json["decision"], "ExplicitDeny");
    assert_eq!(json["statement"]["sid"], "NoSecrets");
    assert_eq!(json["statement"]["index"], 1);
    assert_eq!(json["statement"]["kind"], "identity");
    assert_eq!(json["statement"]["file"], file.to_str().unwrap());
}

#[test]
fn check_json_of_an_implicit_deny_has_no_statement() {
    let output = check_identity_with(
        ALICE_POLICY,
        &["--principal", ALICE],
        "s3:PutObject",
        "arn:aws:s3:::photos/cat.jpg",
        &["--json"],
    );
    assert_eq!(output.status.code(), Some(1), "{}", stderr(&output));
    let json: serde_json::Value = serde_json::from_str(&stdout(&output)).unwrap();
    assert_eq!(json["decision"], "ImplicitDeny");
    assert!(json["statement"].is_null(), "{json}");
}

#[test]
fn check_reads_a_policy_from_standard_input() {
    let home = tempfile::tempdir().unwrap();
    let output = countersign(home.path())
        .args([
            "policy",
            "check",
            "--identity",
            "-",
            "--principal",
            ALICE,
            "--action",
            "s3:GetObject",
            "--resource-arn",
            "arn:aws:s3:::photos/cat.jpg",
        ])
        .write_stdin(ALICE_POLICY)
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    assert_eq!(decision(&output).0, "Allow");
}

#[test]
fn check_unreadable_file_exits_4() {
    let home = tempfile::tempdir().unwrap();
    let missing = home.path().join("missing.json");
    let output = policy(
        home.path(),
        &[
            "check",
            "--identity",
            missing.to_str().unwrap(),
            "--principal",
            ALICE,
            "--action",
            "s3:GetObject",
            "--resource-arn",
            "arn:aws:s3:::photos/cat.jpg",
        ],
    );
    assert_eq!(output.status.code(), Some(4));
    let text = stderr(&output);
    assert!(
        text.contains("cannot read") && text.contains(missing.to_str().unwrap()),
        "{text}"
    );
}

#[test]
fn check_invalid_policy_names_the_file_statement_and_field() {
    let output = check_identity(
        r#"{"Version": "2012-10-17", "Statement": [
            {"Sid": "Broken", "Effect": "Allow", "Action": "GetObject", "Resource": "*"}]}"#,
        &["--principal", ALICE],
        "s3:GetObject",
        "arn:aws:s3:::photos/cat.jpg",
    );
    assert_eq!(output.status.code(), Some(4));
    let text = stderr(&output);
    assert!(
        text.contains(
            "identity.json: Statement[\"Broken\"].Action: \"GetObject\" is not an action"
        ),
        "{text}"
    );
}

#[test]
fn check_has_a_manual_with_examples() {
    let home = tempfile::tempdir().unwrap();
    let output = policy(home.path(), &["check", "--help"]);
    assert!(output.status.success());
    let text = stdout(&output);
    assert!(text.contains("Usage: countersign policy check"), "{text}");
    assert!(text.contains("Examples:"), "{text}");
}

/// `countersign policy lint` of one document written to `policy.json`, with more flags;
/// the output and the file's path.
fn lint(json: &str, flags: &[&str]) -> (Output, String) {
    let home = tempfile::tempdir().unwrap();
    let file = policy_file(home.path(), "policy.json", json);
    let mut args = vec!["lint", file.to_str().unwrap()];
    args.extend_from_slice(flags);
    (policy(home.path(), &args), file.display().to_string())
}

#[test]
fn lint_misspelled_action_is_a_warning() {
    let (output, file) = lint(
        r#"{"Version": "2012-10-17", "Statement": [{"Sid": "Read", "Effect": "Allow",
            "Action": "s3:GetObjekt", "Resource": "arn:aws:s3:::photos/*"}]}"#,
        &[],
    );
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    assert_eq!(
        stdout(&output),
        format!(
            "{file}: statement 0 (Read) Action: warning: \"s3:GetObjekt\" is not an S3 action \
             (did you mean \"s3:GetObject\"?)\n"
        )
    );
}

#[test]
fn lint_s3_arn_with_a_region_is_a_warning() {
    let (output, file) = lint(
        r#"{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:GetObject",
            "Resource": "arn:aws:s3:us-east-1::photos/*"}]}"#,
        &[],
    );
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    assert!(
        stdout(&output).starts_with(&format!(
            "{file}: statement 0 Resource: warning: \"arn:aws:s3:us-east-1::photos/*\" has a region"
        )),
        "{}",
        stdout(&output)
    );
}

#[test]
fn lint_malformed_arn_is_an_error() {
    let (output, file) = lint(
        r#"{"Version": "2012-10-17", "Statement": [{"Sid": "Read", "Effect": "Allow",
            "Action": "s3:GetObject", "Resource": "arn:aws:s3"}]}"#,
        &[],
    );
    assert_eq!(output.status.code(), Some(1));
    assert!(
        stdout(&output).starts_with(&format!(
            "{file}: statement 0 (Read) Resource: error: \"arn:aws:s3\" is not an ARN"
        )),
        "{}",
        stdout(&output)
    );
}

#[test]
fn lint_misspelled_global_key_is_a_warning() {
    let (output, file) = lint(
        r#"{"Version": "2012-10-17", "Statement": [{"Sid": "Office", "Effect": "Deny",
            "Action": "s3:*", "Resource": "*",
            "Condition": {"NotIpAddress": {"aws:SorceIp": "203.0.113.0/24"}}}]}"#,
        &[],
    );
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    assert_eq!(
        stdout(&output),
        format!(
            "{file}: statement 0 (Office) Condition.NotIpAddress: warning: \"aws:SorceIp\" is \
             not an AWS global condition key (did you mean \"aws:SourceIp\"?): no request \
             carries it\n"
        )
    );
}

#[test]
fn lint_clean_policy_has_no_findings() {
    let (output, file) = lint(ALICE_POLICY, &[]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    assert_eq!(
        stdout(&output),
        format!("{file}: no findings (identity policy)\n")
    );
}

#[test]
fn lint_deny_warnings_fails_on_a_warning() {
    let (output, _) = lint(
        r#"{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:GetObjekt",
            "Resource": "*"}]}"#,
        &["--deny-warnings"],
    );
    assert_eq!(output.status.code(), Some(1), "{}", stdout(&output));
}

#[test]
fn lint_deny_warnings_passes_a_clean_policy() {
    let (output, _) = lint(ALICE_POLICY, &["--deny-warnings"]);
    assert_eq!(output.status.code(), Some(0), "{}", stdout(&output));
}

#[test]
fn lint_reads_a_document_with_a_principal_as_a_resource_policy() {
    let (output, file) = lint(SHARED_BUCKET, &[]);
    assert_eq!(output.status.code(), Some(0), "{}", stdout(&output));
    assert_eq!(
        stdout(&output),
        format!("{file}: no findings (resource policy)\n")
    );
}

#[test]
fn lint_as_an_identity_policy_refuses_a_principal() {
    let (output, file) = lint(SHARED_BUCKET, &["--kind", "identity"]);
    assert_eq!(output.status.code(), Some(1), "{}", stdout(&output));
    assert!(
        stdout(&output).starts_with(&format!(
            "{file}: statement 0 (AliceReads) Principal: error: an identity policy cannot name a principal"
        )),
        "{}",
        stdout(&output)
    );
}

#[test]
fn lint_public_write_is_a_warning() {
    let (output, file) = lint(
        r#"{"Version": "2012-10-17", "Statement": [{"Sid": "Drop", "Effect": "Allow",
            "Principal": "*", "Action": "s3:PutObject", "Resource": "arn:aws:s3:::dropbox/*"}]}"#,
        &[],
    );
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    assert_eq!(
        stdout(&output),
        format!(
            "{file}: statement 0 (Drop) Principal: warning: allows everyone, anonymous requests \
             included, to write (s3:PutObject) without a Condition\n"
        )
    );
}

#[test]
fn lint_reports_every_file() {
    let home = tempfile::tempdir().unwrap();
    let clean = policy_file(home.path(), "clean.json", ALICE_POLICY);
    let broken = policy_file(home.path(), "broken.json", "{\"Version\": \"2012-10-17\"}");
    let output = policy(
        home.path(),
        &["lint", clean.to_str().unwrap(), broken.to_str().unwrap()],
    );
    assert_eq!(output.status.code(), Some(1), "{}", stdout(&output));
    assert_eq!(
        stdout(&output),
        format!(
            "{}: no findings (identity policy)\n{}: error: Statement is required\n",
            clean.display(),
            broken.display()
        )
    );
}

#[test]
fn lint_unreadable_file_exits_4() {
    let home = tempfile::tempdir().unwrap();
    let missing = home.path().join("missing.json");
    let output = policy(home.path(), &["lint", missing.to_str().unwrap()]);
    assert_eq!(output.status.code(), Some(4));
    assert!(
        stderr(&output).contains(missing.to_str().unwrap()),
        "{}",
        stderr(&output)
    );
}

#[test]
fn lint_has_a_manual_with_examples() {
    let home = tempfile::tempdir().unwrap();
    let output = policy(home.path(), &["lint", "--help"]);
    assert!(output.status.success());
    let text = stdout(&output);
    assert!(text.contains("Usage: countersign policy lint"), "{text}");
    assert!(text.contains("Examples:"), "{text}");
}
