//! `...IfExists` operators:
//! <https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition_operators.html#Conditions_IfExists>.

use crate::case::*;

const RUN_INSTANCE: &str = r#"{"Sid": "RunInstance", "Effect": "Allow", "Action": "ec2:RunInstances", "Resource": "*",
    "Condition": {"StringLikeIfExists": {"ec2:InstanceType": ["t1.*", "t2.*", "m3.*"]}}}"#;

const TAG_GUARD: &str = r#"[{"Sid": "All", "Effect": "Allow", "Action": "s3:*", "Resource": "*"},
    {"Sid": "TeamGuard", "Effect": "Deny", "Action": "s3:*", "Resource": "*",
     "Condition": {"StringNotEqualsIfExists": {"aws:PrincipalTag/team": "storage"}}}]"#;

cases! {
    if_exists_holds_for_a_resource_without_the_key {
        follows: "Conditions_IfExists: if the resource being checked does not have ec2:InstanceType, don't worry about it",
        identity: [RUN_INSTANCE],
        who: alice(), action: "ec2:RunInstances", on: "arn:aws:ec2:us-east-2:111122223333:key-pair/main",
        expect: Allow by "RunInstance"
    }
    if_exists_checks_the_key_when_present {
        follows: "Conditions_IfExists: if the key is present, process it as specified (a t2 instance)",
        identity: [RUN_INSTANCE],
        who: alice(), action: "ec2:RunInstances", on: "arn:aws:ec2:us-east-2:111122223333:instance/*",
        ctx: { "ec2:InstanceType" => "t2.micro" },
        expect: Allow by "RunInstance"
    }
    if_exists_fails_for_a_present_key_that_does_not_match {
        follows: "Conditions_IfExists: a present key that does not match fails the condition (an m5 instance)",
        identity: [RUN_INSTANCE],
        who: alice(), action: "ec2:RunInstances", on: "arn:aws:ec2:us-east-2:111122223333:instance/*",
        ctx: { "ec2:InstanceType" => "m5.large" },
        expect: ImplicitDeny
    }
    without_if_exists_the_missing_key_fails {
        follows: "Conditions_IfExists: THISPOLICYDOESNOTWORK, the StringLike check fails on resources without the key",
        identity: [r#"{"Sid": "THISPOLICYDOESNOTWORK", "Effect": "Allow", "Action": "ec2:RunInstances", "Resource": "*",
                       "Condition": {"StringLike": {"ec2:InstanceType": ["t1.*", "t2.*", "m3.*"]}}}"#],
        who: alice(), action: "ec2:RunInstances", on: "arn:aws:ec2:us-east-2:111122223333:key-pair/main",
        expect: ImplicitDeny
    }
    negated_if_exists_deny_applies_when_the_key_is_missing {
        follows: "Conditions_IfExists: with Deny and StringNotEqualsIfExists, the request is still denied even if the tag is missing",
        identity: [TAG_GUARD],
        who: alice(), action: "s3:GetObject", on: "arn:aws:s3:::b/k",
        expect: ExplicitDeny by "TeamGuard"
    }
    negated_if_exists_deny_spares_the_matching_value {
        follows: "Conditions_IfExists: the key is present and equal, so the negated operator does not hold",
        identity: [TAG_GUARD],
        who: alice(), action: "s3:GetObject", on: "arn:aws:s3:::b/k",
        ctx: { "aws:PrincipalTag/team" => "storage" },
        expect: Allow by "All"
    }
    numeric_if_exists_without_the_key {
        follows: "Conditions_IfExists: IfExists can be added to any operator except Null (NumericLessThanIfExists)",
        identity: [r#"{"Effect": "Allow", "Action": "s3:ListBucket", "Resource": "*",
                       "Condition": {"NumericLessThanIfExists": {"s3:max-keys": "100"}}}"#],
        who: alice(), action: "s3:ListBucket", on: "arn:aws:s3:::b",
        expect: Allow
    }
}
