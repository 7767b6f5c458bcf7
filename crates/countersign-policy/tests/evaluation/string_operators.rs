//! String condition operators, and how keys and values combine:
//! <https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition_operators.html#Conditions_String>,
//! <https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-logic-multiple-context-keys-or-values.html>.

use crate::case::*;

cases! {
    string_equals_matches_exactly {
        follows: "Conditions_String: StringEquals, exact matching, case sensitive (aws:PrincipalTag/job-category example)",
        identity: [r#"{"Effect": "Allow", "Action": "iam:*AccessKey*", "Resource": "*",
                       "Condition": {"StringEquals": {"aws:PrincipalTag/job-category": "iamuser-admin"}}}"#],
        who: alice(), action: "iam:CreateAccessKey", on: "arn:aws:iam::111122223333:user/alice",
        ctx: { "aws:PrincipalTag/job-category" => "iamuser-admin" },
        expect: Allow
    }
    string_equals_is_case_sensitive {
        follows: "Conditions_String: StringEquals is case sensitive",
        identity: [r#"{"Effect": "Allow", "Action": "iam:*AccessKey*", "Resource": "*",
                       "Condition": {"StringEquals": {"aws:PrincipalTag/job-category": "iamuser-admin"}}}"#],
        who: alice(), action: "iam:CreateAccessKey", on: "arn:aws:iam::111122223333:user/alice",
        ctx: { "aws:PrincipalTag/job-category" => "IAMUser-Admin" },
        expect: ImplicitDeny
    }
    string_equals_fails_when_the_key_is_absent {
        follows: "Conditions_String: if a user without the tag attempts the action, the condition returns false",
        identity: [r#"{"Effect": "Allow", "Action": "iam:*AccessKey*", "Resource": "*",
                       "Condition": {"StringEquals": {"aws:PrincipalTag/job-category": "iamuser-admin"}}}"#],
        who: alice(), action: "iam:CreateAccessKey", on: "arn:aws:iam::111122223333:user/alice",
        expect: ImplicitDeny
    }
    string_equals_treats_star_as_a_character {
        follows: "Conditions_String: only StringLike takes wildcards; StringEquals matches exactly",
        identity: [r#"{"Effect": "Allow", "Action": "s3:ListBucket", "Resource": "*",
                       "Condition": {"StringEquals": {"s3:prefix": "home/*"}}}"#],
        who: alice(), action: "s3:ListBucket", on: "arn:aws:s3:::b",
        ctx: { "s3:prefix" => "home/alice" },
        expect: ImplicitDeny
    }
    string_not_equals_holds_for_another_value {
        follows: "Conditions_String: StringNotEquals, negated matching",
        identity: [r#"[{"Effect": "Allow", "Action": "s3:*", "Resource": "*"},
                       {"Sid": "OnlyTeamA", "Effect": "Deny", "Action": "s3:*", "Resource": "*",
                        "Condition": {"StringNotEquals": {"aws:PrincipalTag/team": "a"}}}]"#],
        who: alice(), action: "s3:GetObject", on: "arn:aws:s3:::b/k",
        ctx: { "aws:PrincipalTag/team" => "b" },
        expect: ExplicitDeny by "OnlyTeamA"
    }
    string_not_equals_fails_for_the_value {
        follows: "Conditions_String: StringNotEquals does not hold when the value matches",
        identity: [r#"[{"Sid": "All", "Effect": "Allow", "Action": "s3:*", "Resource": "*"},
                       {"Effect": "Deny", "Action": "s3:*", "Resource": "*",
                        "Condition": {"StringNotEquals": {"aws:PrincipalTag/team": "a"}}}]"#],
        who: alice(), action: "s3:GetObject", on: "arn:aws:s3:::b/k",
        ctx: { "aws:PrincipalTag/team" => "a" },
        expect: Allow by "All"
    }
    string_not_equals_holds_when_the_key_is_absent {
        follows: "condition_operators: if the condition requires that the key is not matched and the key is not present, the condition is true",
        identity: [r#"[{"Effect": "Allow", "Action": "s3:*", "Resource": "*"},
                       {"Sid": "OnlyTeamA", "Effect": "Deny", "Action": "s3:*", "Resource": "*",
                        "Condition": {"StringNotEquals": {"aws:PrincipalTag/team": "a"}}}]"#],
        who: alice(), action: "s3:GetObject", on: "arn:aws:s3:::b/k",
        expect: ExplicitDeny by "OnlyTeamA"
    }
    string_not_equals_with_several_values_is_a_nor {
        follows: "condition-logic-multiple: a negated operator with several values evaluates them with a logical NOR",
        identity: [r#"[{"Sid": "All", "Effect": "Allow", "Action": "s3:*", "Resource": "*"},
                       {"Effect": "Deny", "Action": "s3:*", "Resource": "*",
                        "Condition": {"StringNotEquals": {"aws:PrincipalTag/team": ["a", "b"]}}}]"#],
        who: alice(), action: "s3:GetObject", on: "arn:aws:s3:::b/k",
        ctx: { "aws:PrincipalTag/team" => "b" },
        expect: Allow by "All"
    }
    string_equals_ignore_case {
        follows: "Conditions_String: StringEqualsIgnoreCase, exact matching ignoring case",
        identity: [r#"{"Effect": "Allow", "Action": "s3:*", "Resource": "*",
                       "Condition": {"StringEqualsIgnoreCase": {"aws:PrincipalTag/team": "Storage"}}}"#],
        who: alice(), action: "s3:GetObject", on: "arn:aws:s3:::b/k",
        ctx: { "aws:PrincipalTag/team" => "STORAGE" },
        expect: Allow
    }
    string_not_equals_ignore_case {
        follows: "Conditions_String: StringNotEqualsIgnoreCase, negated matching ignoring case",
        identity: [r#"{"Effect": "Allow", "Action": "s3:*", "Resource": "*",
                       "Condition": {"StringNotEqualsIgnoreCase": {"aws:PrincipalTag/team": "Storage"}}}"#],
        who: alice(), action: "s3:GetObject", on: "arn:aws:s3:::b/k",
        ctx: { "aws:PrincipalTag/team" => "storage" },
        expect: ImplicitDeny
    }
    string_like_with_a_star {
        follows: "Conditions_String: StringLike values can include * anywhere",
        identity: [r#"{"Effect": "Allow", "Action": "s3:ListBucket", "Resource": "*",
                       "Condition": {"StringLike": {"s3:prefix": "home/*"}}}"#],
        who: alice(), action: "s3:ListBucket", on: "arn:aws:s3:::b",
        ctx: { "s3:prefix" => "home/alice/docs/" },
        expect: Allow
    }
    string_like_with_a_question_mark {
        follows: "Conditions_String: StringLike values can include ? anywhere",
        identity: [r#"{"Effect": "Allow", "Action": "s3:ListBucket", "Resource": "*",
                       "Condition": {"StringLike": {"s3:prefix": "2024-0?/"}}}"#],
        who: alice(), action: "s3:ListBucket", on: "arn:aws:s3:::b",
        ctx: { "s3:prefix" => "2024-07/" },
        expect: Allow
    }
    string_like_is_case_sensitive {
        follows: "Conditions_String: StringLike is case-sensitive matching",
        identity: [r#"{"Effect": "Allow", "Action": "s3:ListBucket", "Resource": "*",
                       "Condition": {"StringLike": {"s3:prefix": "home/*"}}}"#],
        who: alice(), action: "s3:ListBucket", on: "arn:aws:s3:::b",
        ctx: { "s3:prefix" => "HOME/alice" },
        expect: ImplicitDeny
    }
    string_like_needs_a_wildcard_for_a_partial_match {
        follows: "Conditions_String: you must specify wildcards to achieve partial string matches",
        identity: [r#"{"Effect": "Allow", "Action": "s3:ListBucket", "Resource": "*",
                       "Condition": {"StringLike": {"s3:prefix": "home"}}}"#],
        who: alice(), action: "s3:ListBucket", on: "arn:aws:s3:::b",
        ctx: { "s3:prefix" => "home/alice" },
        expect: ImplicitDeny
    }
    string_like_matches_the_empty_prefix {
        follows: "Conditions_String: the home-directory example lists \"\" among the s3:prefix values",
        identity: [r#"{"Effect": "Allow", "Action": "s3:ListBucket", "Resource": "*",
                       "Condition": {"StringLike": {"s3:prefix": ["", "home/"]}}}"#],
        who: alice(), action: "s3:ListBucket", on: "arn:aws:s3:::b",
        ctx: { "s3:prefix" => "" },
        expect: Allow
    }
    string_not_like {
        follows: "Conditions_String: StringNotLike, negated case-sensitive matching",
        identity: [r#"[{"Effect": "Allow", "Action": "s3:*", "Resource": "*"},
                       {"Sid": "OnlyHome", "Effect": "Deny", "Action": "s3:ListBucket", "Resource": "*",
                        "Condition": {"StringNotLike": {"s3:prefix": "home/*"}}}]"#],
        who: alice(), action: "s3:ListBucket", on: "arn:aws:s3:::b",
        ctx: { "s3:prefix" => "private/" },
        expect: ExplicitDeny by "OnlyHome"
    }
    several_values_of_one_key_are_a_logical_or {
        follows: "condition-logic-multiple: several values for one key are evaluated with a logical OR",
        identity: [r#"{"Effect": "Allow", "Action": "s3:*", "Resource": "*",
                       "Condition": {"StringEquals": {"aws:PrincipalTag/team": ["a", "b", "c"]}}}"#],
        who: alice(), action: "s3:GetObject", on: "arn:aws:s3:::b/k",
        ctx: { "aws:PrincipalTag/team" => "c" },
        expect: Allow
    }
    several_keys_of_one_operator_are_a_logical_and {
        follows: "condition-logic-multiple: several keys under one operator are evaluated with a logical AND",
        identity: [r#"{"Effect": "Allow", "Action": "s3:*", "Resource": "*",
                       "Condition": {"StringEquals": {"aws:PrincipalTag/team": "a", "aws:PrincipalTag/role": "admin"}}}"#],
        who: alice(), action: "s3:GetObject", on: "arn:aws:s3:::b/k",
        ctx: { "aws:PrincipalTag/team" => "a", "aws:PrincipalTag/role" => "reader" },
        expect: ImplicitDeny
    }
    several_operators_are_a_logical_and {
        follows: "condition-logic-multiple: several condition operators are evaluated with a logical AND",
        identity: [r#"{"Effect": "Allow", "Action": "s3:*", "Resource": "*",
                       "Condition": {"StringEquals": {"aws:PrincipalTag/team": "a"},
                                     "IpAddress": {"aws:SourceIp": "203.0.113.0/24"}}}"#],
        who: alice(), action: "s3:GetObject", on: "arn:aws:s3:::b/k",
        ctx: { "aws:PrincipalTag/team" => "a", "aws:SourceIp" => "198.51.100.4" },
        expect: ImplicitDeny
    }
    all_keys_and_operators_holding_allows {
        follows: "condition-logic-multiple: all context keys in a condition block must resolve to true",
        identity: [r#"{"Effect": "Allow", "Action": "s3:*", "Resource": "*",
                       "Condition": {"StringEquals": {"aws:PrincipalTag/team": "a", "aws:PrincipalTag/role": "admin"},
                                     "IpAddress": {"aws:SourceIp": "203.0.113.0/24"}}}"#],
        who: alice(), action: "s3:GetObject", on: "arn:aws:s3:::b/k",
        ctx: { "aws:PrincipalTag/team" => "a", "aws:PrincipalTag/role" => "admin", "aws:SourceIp" => "203.0.113.4" },
        expect: Allow
    }
    condition_key_names_are_not_case_sensitive {
        follows: "elements_condition: condition key names are not case sensitive (aws:SourceIP is aws:sourceip)",
        identity: [r#"{"Effect": "Allow", "Action": "s3:*", "Resource": "*",
                       "Condition": {"StringEquals": {"AWS:PRINCIPALTAG/TEAM": "a"}}}"#],
        who: alice(), action: "s3:GetObject", on: "arn:aws:s3:::b/k",
        ctx: { "aws:PrincipalTag/team" => "a" },
        expect: Allow
    }
    unknown_condition_key_is_absent {
        follows: "condition_operators: a key that is not present in the request context does not match",
        identity: [r#"{"Effect": "Allow", "Action": "s3:*", "Resource": "*",
                       "Condition": {"StringEquals": {"example:NoSuchKey": "x"}}}"#],
        who: alice(), action: "s3:GetObject", on: "arn:aws:s3:::b/k",
        ctx: { "aws:PrincipalTag/team" => "a" },
        expect: ImplicitDeny
    }
    number_value_is_compared_as_text {
        follows: "elements_condition: condition values may be written as JSON numbers or booleans and are compared as their text",
        identity: [r#"{"Effect": "Allow", "Action": "s3:ListBucket", "Resource": "*",
                       "Condition": {"StringEquals": {"s3:max-keys": 10}}}"#],
        who: alice(), action: "s3:ListBucket", on: "arn:aws:s3:::b",
        ctx: { "s3:max-keys" => "10" },
        expect: Allow
    }
}
