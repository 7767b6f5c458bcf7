//! `Action` and `NotAction`:
//! <https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_action.html>,
//! <https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_notaction.html>.

use crate::case::*;

cases! {
    action_named_exactly {
        follows: "elements_action: each statement names the actions it allows or denies",
        identity: [r#"{"Sid": "S", "Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}"#],
        who: alice(), action: "s3:GetObject", on: "arn:aws:s3:::b/k",
        expect: Allow by "S"
    }
    action_names_are_not_case_sensitive {
        follows: "elements_action: action names are not case sensitive (s3:ListAllMyBuckets is the same as S3:listallmybuckets)",
        identity: [r#"{"Effect": "Allow", "Action": "S3:getobject", "Resource": "*"}"#],
        who: alice(), action: "s3:GetObject", on: "arn:aws:s3:::b/k",
        expect: Allow
    }
    action_wildcard_matches_a_prefix {
        follows: "elements_action: a wildcard (*) gives access to all actions whose names begin with the text before it",
        identity: [r#"{"Effect": "Allow", "Action": "s3:Get*", "Resource": "*"}"#],
        who: alice(), action: "s3:GetObjectVersion", on: "arn:aws:s3:::b/k",
        expect: Allow
    }
    action_wildcard_does_not_match_other_names {
        follows: "elements_action: s3:Get* covers only actions whose names begin with Get",
        identity: [r#"{"Effect": "Allow", "Action": "s3:Get*", "Resource": "*"}"#],
        who: alice(), action: "s3:PutObject", on: "arn:aws:s3:::b/k",
        expect: ImplicitDeny
    }
    action_wildcard_in_the_middle {
        follows: "elements_action: wildcards can appear anywhere in the action name (iam:*AccessKey*)",
        identity: [r#"{"Effect": "Allow", "Action": "iam:*AccessKey*", "Resource": "*"}"#],
        who: alice(), action: "iam:UpdateAccessKey", on: "arn:aws:iam::111122223333:user/alice",
        expect: Allow
    }
    action_question_mark_matches_one_character {
        follows: "elements_action: ? matches a single character",
        identity: [r#"{"Effect": "Allow", "Action": "s3:GetObjec?", "Resource": "*"}"#],
        who: alice(), action: "s3:GetObject", on: "arn:aws:s3:::b/k",
        expect: Allow
    }
    action_question_mark_needs_exactly_one_character {
        follows: "elements_action: ? matches exactly one character, not none",
        identity: [r#"{"Effect": "Allow", "Action": "s3:GetObject?", "Resource": "*"}"#],
        who: alice(), action: "s3:GetObject", on: "arn:aws:s3:::b/k",
        expect: ImplicitDeny
    }
    action_star_alone_matches_every_service {
        follows: "elements_action: \"Action\": \"*\" allows all actions of all services",
        identity: [r#"{"Effect": "Allow", "Action": "*", "Resource": "*"}"#],
        who: alice(), action: "sqs:SendMessage", on: "arn:aws:sqs:us-east-2:111122223333:queue1",
        expect: Allow
    }
    service_wildcard_stays_in_its_service {
        follows: "elements_action: s3:* names all S3 actions and no other service's",
        identity: [r#"{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}"#],
        who: alice(), action: "sqs:SendMessage", on: "arn:aws:sqs:us-east-2:111122223333:queue1",
        expect: ImplicitDeny
    }
    action_list_matches_any_member {
        follows: "elements_action: several actions in a list, any of which applies",
        identity: [r#"{"Effect": "Allow", "Action": ["sqs:SendMessage", "sqs:ReceiveMessage", "s3:GetObject"], "Resource": "*"}"#],
        who: alice(), action: "sqs:ReceiveMessage", on: "arn:aws:sqs:us-east-2:111122223333:queue1",
        expect: Allow
    }
    not_action_allow_covers_everything_else {
        follows: "elements_notaction: NotAction with Allow allows all actions except those listed",
        identity: [r#"{"Effect": "Allow", "NotAction": "iam:*", "Resource": "*"}"#],
        who: alice(), action: "s3:PutObject", on: "arn:aws:s3:::b/k",
        expect: Allow
    }
    not_action_allow_does_not_cover_the_listed_actions {
        follows: "elements_notaction: the listed actions are not allowed by that statement",
        identity: [r#"{"Effect": "Allow", "NotAction": "iam:*", "Resource": "*"}"#],
        who: alice(), action: "iam:CreateUser", on: "arn:aws:iam::111122223333:user/x",
        expect: ImplicitDeny
    }
    not_action_deny_denies_everything_else {
        follows: "elements_notaction: NotAction with Deny denies all actions except those listed",
        identity: [r#"[
            {"Effect": "Allow", "Action": "*", "Resource": "*"},
            {"Sid": "OnlyIam", "Effect": "Deny", "NotAction": "iam:*", "Resource": "*"}]"#],
        who: alice(), action: "s3:GetObject", on: "arn:aws:s3:::b/k",
        expect: ExplicitDeny by "OnlyIam"
    }
    not_action_deny_leaves_the_listed_actions_to_other_statements {
        follows: "elements_notaction: a Deny with NotAction does not deny the listed actions; another statement must still allow them",
        identity: [r#"[
            {"Sid": "All", "Effect": "Allow", "Action": "*", "Resource": "*"},
            {"Effect": "Deny", "NotAction": "iam:*", "Resource": "*"}]"#],
        who: alice(), action: "iam:ListUsers", on: "*",
        expect: Allow by "All"
    }
    not_action_is_matched_without_regard_to_case {
        follows: "elements_action: action names are not case sensitive, in NotAction too",
        identity: [r#"{"Effect": "Allow", "NotAction": "IAM:*", "Resource": "*"}"#],
        who: alice(), action: "iam:CreateUser", on: "arn:aws:iam::111122223333:user/x",
        expect: ImplicitDeny
    }
    not_action_with_a_resource_limits_the_resource {
        follows: "elements_notaction: NotAction with a Resource element scopes the allow to that resource",
        identity: [r#"{"Effect": "Allow", "NotAction": "s3:DeleteBucket", "Resource": "arn:aws:s3:::*"}"#],
        who: alice(), action: "sqs:SendMessage", on: "arn:aws:sqs:us-east-2:111122223333:queue1",
        expect: ImplicitDeny
    }
}
