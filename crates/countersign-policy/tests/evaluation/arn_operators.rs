//! ARN condition operators:
//! <https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition_operators.html#Conditions_ARN>.

use crate::case::*;

const FINANCE: &str =
    "arn:aws:someservice:us-east-2:999999999999:store/abc:111122223333:finance/document.txt";

cases! {
    arn_equals_source_arn {
        follows: "Conditions_ARN: SNS may send to the queue only on behalf of the named topic (aws:SourceArn ArnEquals)",
        resource: [r#"{"Sid": "Topic", "Effect": "Allow", "Principal": {"Service": "sns.amazonaws.com"}, "Action": "sqs:SendMessage",
                       "Resource": "arn:aws:sqs:us-east-2:111122223333:queue1",
                       "Condition": {"ArnEquals": {"aws:SourceArn": "arn:aws:sns:us-east-2:111122223333:topic1"}}}"#],
        who: countersign_policy::Principal::service("sns.amazonaws.com"), action: "sqs:SendMessage",
        on: "arn:aws:sqs:us-east-2:111122223333:queue1",
        ctx: { "aws:SourceArn" => "arn:aws:sns:us-east-2:111122223333:topic1" },
        expect: Allow by "Topic"
    }
    arn_equals_without_the_source_arn {
        follows: "Conditions_ARN: aws:SourceArn is present only when a resource triggers a service; a direct request is denied",
        resource: [r#"{"Effect": "Allow", "Principal": {"Service": "sns.amazonaws.com"}, "Action": "sqs:SendMessage",
                       "Resource": "arn:aws:sqs:us-east-2:111122223333:queue1",
                       "Condition": {"ArnEquals": {"aws:SourceArn": "arn:aws:sns:us-east-2:111122223333:topic1"}}}"#],
        who: countersign_policy::Principal::service("sns.amazonaws.com"), action: "sqs:SendMessage",
        on: "arn:aws:sqs:us-east-2:111122223333:queue1",
        expect: ImplicitDeny
    }
    arn_like_matches_segment_by_segment {
        follows: "Conditions_ARN: with ArnLike, which matches elements between colons, the example match fails",
        identity: [r#"{"Effect": "Allow", "Action": "s3:*", "Resource": "*",
                       "Condition": {"ArnLike": {"aws:SourceArn": "arn:aws:someservice:*:111122223333:finance/*"}}}"#],
        who: alice(), action: "s3:GetObject", on: "arn:aws:s3:::b/k",
        ctx: { "aws:SourceArn" => FINANCE },
        expect: ImplicitDeny
    }
    string_like_matches_across_segments {
        follows: "Conditions_ARN: with a StringLike condition the same match succeeds; the first * matches us-east-2:999999999999:store/abc:",
        identity: [r#"{"Effect": "Allow", "Action": "s3:*", "Resource": "*",
                       "Condition": {"StringLike": {"aws:SourceArn": "arn:aws:someservice:*:111122223333:finance/*"}}}"#],
        who: alice(), action: "s3:GetObject", on: "arn:aws:s3:::b/k",
        ctx: { "aws:SourceArn" => FINANCE },
        expect: Allow
    }
    arn_like_with_wildcards_within_segments {
        follows: "Conditions_ARN: each of the six components can include * or ?",
        identity: [r#"{"Effect": "Allow", "Action": "s3:*", "Resource": "*",
                       "Condition": {"ArnLike": {"aws:SourceArn": "arn:aws:sns:*:111122223333:topic?"}}}"#],
        who: alice(), action: "s3:GetObject", on: "arn:aws:s3:::b/k",
        ctx: { "aws:SourceArn" => "arn:aws:sns:eu-west-1:111122223333:topic7" },
        expect: Allow
    }
    arn_like_is_case_sensitive {
        follows: "Conditions_ARN: case-sensitive matching of the ARN",
        identity: [r#"{"Effect": "Allow", "Action": "s3:*", "Resource": "*",
                       "Condition": {"ArnLike": {"aws:SourceArn": "arn:aws:sns:*:111122223333:Topic1"}}}"#],
        who: alice(), action: "s3:GetObject", on: "arn:aws:s3:::b/k",
        ctx: { "aws:SourceArn" => "arn:aws:sns:eu-west-1:111122223333:topic1" },
        expect: ImplicitDeny
    }
    arn_not_like_for_another_account {
        follows: "Conditions_ARN: ArnNotLike, negated matching for ARN",
        identity: [r#"[{"Effect": "Allow", "Action": "s3:*", "Resource": "*"},
                       {"Sid": "OwnTopics", "Effect": "Deny", "Action": "s3:*", "Resource": "*",
                        "Condition": {"ArnNotLike": {"aws:SourceArn": "arn:aws:sns:*:111122223333:*"}}}]"#],
        who: alice(), action: "s3:GetObject", on: "arn:aws:s3:::b/k",
        ctx: { "aws:SourceArn" => "arn:aws:sns:eu-west-1:999999999999:topic1" },
        expect: ExplicitDeny by "OwnTopics"
    }
    arn_not_equals_holds_without_the_key {
        follows: "condition_operators: a negated operator such as ArnNotLike holds when the key is not present",
        identity: [r#"[{"Effect": "Allow", "Action": "s3:*", "Resource": "*"},
                       {"Sid": "OwnTopics", "Effect": "Deny", "Action": "s3:*", "Resource": "*",
                        "Condition": {"ArnNotEquals": {"aws:SourceArn": "arn:aws:sns:*:111122223333:*"}}}]"#],
        who: alice(), action: "s3:GetObject", on: "arn:aws:s3:::b/k",
        expect: ExplicitDeny by "OwnTopics"
    }
}
