//! `Bool` and `Null`:
//! <https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition_operators.html#Conditions_Boolean>,
//! <https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition_operators.html#Conditions_Null>.

use crate::case::*;

const TLS_ONLY: &str = r#"[
    {"Sid": "All", "Effect": "Allow", "Action": "s3:*", "Resource": "*"},
    {"Sid": "BooleanExample", "Action": "s3:*", "Effect": "Deny",
     "Resource": ["arn:aws:s3:::DOC-EXAMPLE-BUCKET", "arn:aws:s3:::DOC-EXAMPLE-BUCKET/*"],
     "Condition": {"Bool": {"aws:SecureTransport": "false"}}}]"#;

const NO_TEMPORARY_CREDENTIALS: &str = r#"{"Effect": "Allow", "Action": "ec2:*", "Resource": "*",
    "Condition": {"Null": {"aws:TokenIssueTime": "true"}}}"#;

cases! {
    bool_denies_a_request_without_tls {
        follows: "Conditions_Boolean: deny all S3 actions on the bucket if the request is not over SSL",
        identity: [TLS_ONLY],
        who: alice(), action: "s3:GetObject", on: "arn:aws:s3:::DOC-EXAMPLE-BUCKET/report.pdf",
        ctx: { "aws:SecureTransport" => "false" },
        expect: ExplicitDeny by "BooleanExample"
    }
    bool_leaves_a_tls_request_alone {
        follows: "Conditions_Boolean: over SSL the deny does not apply",
        identity: [TLS_ONLY],
        who: alice(), action: "s3:GetObject", on: "arn:aws:s3:::DOC-EXAMPLE-BUCKET/report.pdf",
        ctx: { "aws:SecureTransport" => "true" },
        expect: Allow by "All"
    }
    bool_compares_without_regard_to_case {
        follows: "Conditions_Boolean: Boolean matching of true and false",
        identity: [TLS_ONLY],
        who: alice(), action: "s3:GetObject", on: "arn:aws:s3:::DOC-EXAMPLE-BUCKET/report.pdf",
        ctx: { "aws:SecureTransport" => "FALSE" },
        expect: ExplicitDeny by "BooleanExample"
    }
    bool_fails_when_the_key_is_absent {
        follows: "condition_operators: if the key is not present in the request context, the values do not match",
        identity: [TLS_ONLY],
        who: alice(), action: "s3:GetObject", on: "arn:aws:s3:::DOC-EXAMPLE-BUCKET/report.pdf",
        expect: Allow by "All"
    }
    bool_written_as_a_json_boolean {
        follows: "Conditions_Boolean: comparing a key to true or false, written as a JSON boolean",
        identity: [r#"{"Effect": "Allow", "Action": "s3:*", "Resource": "*",
                       "Condition": {"Bool": {"aws:MultiFactorAuthPresent": true}}}"#],
        who: alice(), action: "s3:GetObject", on: "arn:aws:s3:::b/k",
        ctx: { "aws:MultiFactorAuthPresent" => "true" },
        expect: Allow
    }
    null_true_holds_when_the_key_is_absent {
        follows: "Conditions_Null: the user must not be using temporary credentials (the key must not exist)",
        identity: [NO_TEMPORARY_CREDENTIALS],
        who: alice(), action: "ec2:DescribeInstances", on: "*",
        expect: Allow
    }
    null_true_fails_when_the_key_is_present {
        follows: "Conditions_Null: with temporary credentials aws:TokenIssueTime exists and has a value",
        identity: [NO_TEMPORARY_CREDENTIALS],
        who: reader(), action: "ec2:DescribeInstances", on: "*",
        ctx: { "aws:TokenIssueTime" => "2026-05-01T11:00:00Z" },
        expect: ImplicitDeny
    }
    null_false_holds_when_the_key_is_present {
        follows: "Conditions_Null: false means the key exists and its value is not null",
        identity: [r#"{"Effect": "Allow", "Action": "s3:*", "Resource": "*",
                       "Condition": {"Null": {"aws:TokenIssueTime": "false"}}}"#],
        who: reader(), action: "s3:GetObject", on: "arn:aws:s3:::b/k",
        ctx: { "aws:TokenIssueTime" => "2026-05-01T11:00:00Z" },
        expect: Allow
    }
    null_false_fails_when_the_key_is_absent {
        follows: "Conditions_Null: false does not hold for an absent key",
        identity: [r#"{"Effect": "Allow", "Action": "s3:*", "Resource": "*",
                       "Condition": {"Null": {"aws:TokenIssueTime": "false"}}}"#],
        who: alice(), action: "s3:GetObject", on: "arn:aws:s3:::b/k",
        expect: ImplicitDeny
    }
}
