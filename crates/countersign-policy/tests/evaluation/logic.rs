//! IAM's policy evaluation logic within one account:
//! <https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic.html>
//! and its worked example
//! <https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic_policy-eval-basics.html>.

use crate::case::*;

const CARLOS: &str = r#"[
    {"Sid": "AllowS3ListRead", "Effect": "Allow",
     "Action": ["s3:GetBucketLocation", "s3:GetAccountPublicAccessBlock", "s3:ListAccessPoints", "s3:ListAllMyBuckets"],
     "Resource": "arn:aws:s3:::*"},
    {"Sid": "AllowS3Self", "Effect": "Allow", "Action": "s3:*",
     "Resource": ["arn:aws:s3:::amzn-s3-demo-bucket-carlossalazar/*", "arn:aws:s3:::amzn-s3-demo-bucket-carlossalazar"]},
    {"Sid": "DenyS3Logs", "Effect": "Deny", "Action": "s3:*", "Resource": "arn:aws:s3:::*log*"}
]"#;

fn carlos() -> countersign_policy::Principal<'static> {
    countersign_policy::Principal::user("arn:aws:iam::111122223333:user/carlossalazar").unwrap()
}

cases! {
    no_policy_at_all_is_an_implicit_deny {
        follows: "evaluation-logic: by default, all requests are implicitly denied",
        who: alice(), action: "s3:GetObject", on: "arn:aws:s3:::photos/a.jpg",
        expect: ImplicitDeny
    }
    identity_allow_allows {
        follows: "evaluation-logic: an explicit allow in an identity-based policy overrides the default",
        identity: [r#"{"Sid": "Read", "Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::photos/*"}"#],
        who: alice(), action: "s3:GetObject", on: "arn:aws:s3:::photos/a.jpg",
        expect: Allow by "Read"
    }
    identity_allow_of_another_action_does_not_allow {
        follows: "evaluation-logic: no statement allows the requested action, so the request is implicitly denied",
        identity: [r#"{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::photos/*"}"#],
        who: alice(), action: "s3:PutObject", on: "arn:aws:s3:::photos/a.jpg",
        expect: ImplicitDeny
    }
    identity_allow_of_another_resource_does_not_allow {
        follows: "evaluation-logic: a statement applies only to the resources it names",
        identity: [r#"{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::photos/*"}"#],
        who: alice(), action: "s3:GetObject", on: "arn:aws:s3:::videos/a.mp4",
        expect: ImplicitDeny
    }
    explicit_deny_overrides_an_allow_in_the_same_policy {
        follows: "evaluation-logic: an explicit deny in any policy overrides any allows",
        identity: [r#"[
            {"Sid": "All", "Effect": "Allow", "Action": "s3:*", "Resource": "*"},
            {"Sid": "NoDelete", "Effect": "Deny", "Action": "s3:DeleteObject", "Resource": "*"}]"#],
        who: alice(), action: "s3:DeleteObject", on: "arn:aws:s3:::photos/a.jpg",
        expect: ExplicitDeny by "NoDelete"
    }
    explicit_deny_listed_before_the_allow_still_denies {
        follows: "evaluation-logic: the order of statements does not matter, a deny always wins",
        identity: [r#"[
            {"Sid": "NoDelete", "Effect": "Deny", "Action": "s3:DeleteObject", "Resource": "*"},
            {"Sid": "All", "Effect": "Allow", "Action": "s3:*", "Resource": "*"}]"#],
        who: alice(), action: "s3:DeleteObject", on: "arn:aws:s3:::photos/a.jpg",
        expect: ExplicitDeny by "NoDelete"
    }
    explicit_deny_in_another_identity_policy_overrides_an_allow {
        follows: "evaluation-logic: the enforcement code looks for a Deny in all policies that apply",
        identity: [
            r#"{"Sid": "All", "Effect": "Allow", "Action": "s3:*", "Resource": "*"}"#,
            r#"{"Sid": "NoDelete", "Effect": "Deny", "Action": "s3:DeleteObject", "Resource": "*"}"#],
        who: alice(), action: "s3:DeleteObject", on: "arn:aws:s3:::photos/a.jpg",
        expect: ExplicitDeny by "NoDelete"
    }
    allow_in_a_second_identity_policy_allows {
        follows: "evaluation-logic: AWS checks all identity-based policies for at least one Allow",
        identity: [
            r#"{"Effect": "Allow", "Action": "sqs:SendMessage", "Resource": "*"}"#,
            r#"{"Sid": "Read", "Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}"#],
        who: alice(), action: "s3:GetObject", on: "arn:aws:s3:::photos/a.jpg",
        expect: Allow by "Read"
    }
    deny_for_another_action_does_not_deny {
        follows: "evaluation-logic: a Deny statement denies only the requests it applies to",
        identity: [r#"[
            {"Sid": "All", "Effect": "Allow", "Action": "s3:*", "Resource": "*"},
            {"Effect": "Deny", "Action": "s3:DeleteObject", "Resource": "*"}]"#],
        who: alice(), action: "s3:GetObject", on: "arn:aws:s3:::photos/a.jpg",
        expect: Allow by "All"
    }
    deny_whose_condition_fails_does_not_deny {
        follows: "evaluation-logic: a Deny applies only when its conditions hold",
        identity: [r#"[
            {"Sid": "All", "Effect": "Allow", "Action": "s3:*", "Resource": "*"},
            {"Effect": "Deny", "Action": "s3:*", "Resource": "*",
             "Condition": {"Bool": {"aws:SecureTransport": "false"}}}]"#],
        who: alice(), action: "s3:GetObject", on: "arn:aws:s3:::photos/a.jpg",
        ctx: { "aws:SecureTransport" => "true" },
        expect: Allow by "All"
    }
    allow_whose_condition_fails_does_not_allow {
        follows: "evaluation-logic: an Allow applies only when its conditions hold",
        identity: [r#"{"Effect": "Allow", "Action": "s3:*", "Resource": "*",
                       "Condition": {"Bool": {"aws:SecureTransport": "true"}}}"#],
        who: alice(), action: "s3:GetObject", on: "arn:aws:s3:::photos/a.jpg",
        ctx: { "aws:SecureTransport" => "false" },
        expect: ImplicitDeny
    }
    resource_policy_naming_the_user_allows_without_an_identity_policy {
        follows: "evaluation-logic: within an account, a resource-based policy that grants permission to the IAM user ARN is not limited by an implicit deny in an identity-based policy",
        resource: [r#"{"Sid": "Alice", "Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::111122223333:user/alice"},
                       "Action": "s3:GetObject", "Resource": "arn:aws:s3:::photos/*"}"#],
        who: alice(), action: "s3:GetObject", on: "arn:aws:s3:::photos/a.jpg",
        expect: Allow by "Alice"
    }
    resource_policy_naming_the_role_allows_its_session {
        follows: "evaluation-logic: resource-based policies that grant permissions to an IAM role ARN (same account)",
        resource: [r#"{"Sid": "Reader", "Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::111122223333:role/reader"},
                       "Action": "s3:GetObject", "Resource": "arn:aws:s3:::photos/*"}"#],
        who: reader(), action: "s3:GetObject", on: "arn:aws:s3:::photos/a.jpg",
        expect: Allow by "Reader"
    }
    identity_allow_or_resource_allow_is_enough_within_an_account {
        follows: "policy-eval-basics: if either the identity-based policy or the resource-based policy within the same account allows the request and the other doesn't, the request is still allowed",
        identity: [r#"{"Sid": "Read", "Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}"#],
        resource: [r#"{"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::111122223333:user/division/bob"},
                       "Action": "s3:*", "Resource": "arn:aws:s3:::photos/*"}"#],
        who: alice(), action: "s3:GetObject", on: "arn:aws:s3:::photos/a.jpg",
        expect: Allow by "Read"
    }
    explicit_deny_in_the_resource_policy_overrides_an_identity_allow {
        follows: "evaluation-logic: an explicit deny in either of these policies overrides the allow",
        identity: [r#"{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}"#],
        resource: [r#"{"Sid": "Locked", "Effect": "Deny", "Principal": "*", "Action": "s3:*", "Resource": "arn:aws:s3:::vault/*"}"#],
        who: alice(), action: "s3:GetObject", on: "arn:aws:s3:::vault/a",
        expect: ExplicitDeny by "Locked"
    }
    explicit_deny_in_an_identity_policy_overrides_a_resource_allow {
        follows: "evaluation-logic: an explicit deny in either of these policies overrides the allow",
        identity: [r#"{"Sid": "NoVault", "Effect": "Deny", "Action": "s3:*", "Resource": "arn:aws:s3:::vault/*"}"#],
        resource: [r#"{"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::111122223333:user/alice"}, "Action": "s3:*", "Resource": "arn:aws:s3:::vault/*"}"#],
        who: alice(), action: "s3:GetObject", on: "arn:aws:s3:::vault/a",
        expect: ExplicitDeny by "NoVault"
    }
    carlos_cannot_write_to_the_logs_bucket {
        follows: "policy-eval-basics: the DenyS3Logs statement denies Carlos access to any bucket with log in its name",
        identity: [CARLOS],
        resource: [r#"{"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::111122223333:user/carlossalazar"},
                       "Action": "s3:*", "Resource": "arn:aws:s3:::amzn-s3-demo-bucket-carlossalazar/*"}"#],
        who: carlos(), action: "s3:PutObject", on: "arn:aws:s3:::amzn-s3-demo-bucket-carlossalazar-logs/file.txt",
        expect: ExplicitDeny by "DenyS3Logs"
    }
    carlos_writes_to_his_own_bucket {
        follows: "policy-eval-basics: the AllowS3Self statement allows Carlos full access to the bucket with his name",
        identity: [CARLOS],
        who: carlos(), action: "s3:PutObject", on: "arn:aws:s3:::amzn-s3-demo-bucket-carlossalazar/file.txt",
        expect: Allow by "AllowS3Self"
    }
    carlos_lists_all_buckets {
        follows: "policy-eval-basics: the AllowS3ListRead statement allows Carlos to list all buckets",
        identity: [CARLOS],
        who: carlos(), action: "s3:ListAllMyBuckets", on: "arn:aws:s3:::*",
        expect: Allow by "AllowS3ListRead"
    }
    carlos_cannot_read_another_users_bucket {
        follows: "policy-eval-basics: AllowS3Self names only Carlos's bucket",
        identity: [CARLOS],
        who: carlos(), action: "s3:GetObject", on: "arn:aws:s3:::amzn-s3-demo-bucket-maria/file.txt",
        expect: ImplicitDeny
    }
    anonymous_request_without_a_resource_policy_is_denied {
        follows: "evaluation-logic: authentication is not necessary for some S3 requests, but nothing allows them without a policy",
        who: anonymous(), action: "s3:GetObject", on: "arn:aws:s3:::photos/a.jpg",
        expect: ImplicitDeny
    }
    role_session_is_allowed_by_the_roles_identity_policy {
        follows: "evaluation-logic: identity-based policies are attached to users, groups and roles",
        identity: [r#"{"Sid": "Read", "Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}"#],
        who: reader(), action: "s3:GetObject", on: "arn:aws:s3:::photos/a.jpg",
        expect: Allow by "Read"
    }
}
