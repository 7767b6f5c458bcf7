//! The `ForAllValues:` and `ForAnyValue:` qualifiers for multivalued keys:
//! <https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition_examples-multi-valued-context-keys.html>,
//! <https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_multi-value-conditions.html>.

use crate::case::*;

const DENY_RESTRICTED_TAGS: &str = r#"[{"Sid": "All", "Effect": "Allow", "Action": "iam:*", "Resource": "*"},
    {"Sid": "DenyRestrictedTags", "Effect": "Deny", "Action": ["iam:Tag*", "iam:UnTag*"], "Resource": ["*"],
     "Condition": {"ForAllValues:StringNotLike": {"aws:TagKeys": "key1*"}}}]"#;

const READ_ONLY_ATTRIBUTES: &str = r#"{"Effect": "Allow", "Action": "dynamodb:GetItem",
    "Resource": "arn:aws:dynamodb:us-east-2:111122223333:table/Thread",
    "Condition": {"ForAllValues:StringLike": {"dynamodb:requestedAttributes": ["PostDateTime", "Message", "Tags"]}}}"#;

const FROZEN_ATTRIBUTES: &str = r#"[{"Sid": "All", "Effect": "Allow", "Action": "dynamodb:*", "Resource": "*"},
    {"Sid": "Frozen", "Effect": "Deny", "Action": "dynamodb:PutItem",
     "Resource": "arn:aws:dynamodb:us-east-2:111122223333:table/Thread",
     "Condition": {"ForAnyValue:StringLike": {"dynamodb:requestedAttributes": ["ID", "PostDateTime"]}}}]"#;

cases! {
    for_all_values_not_like_one_tag_with_the_prefix {
        follows: "multi-valued-context-keys: ForAllValues:StringNotLike key1*, request key1:legal: no match, may be allowed",
        identity: [DENY_RESTRICTED_TAGS],
        who: alice(), action: "iam:TagUser", on: "arn:aws:iam::111122223333:user/bob",
        ctx: { "aws:TagKeys" => ["key1:legal"] },
        expect: Allow by "All"
    }
    for_all_values_not_like_two_tags_with_the_prefix {
        follows: "multi-valued-context-keys: ForAllValues:StringNotLike key1*, request key1:hr and key1:personnel: no match",
        identity: [DENY_RESTRICTED_TAGS],
        who: alice(), action: "iam:TagUser", on: "arn:aws:iam::111122223333:user/bob",
        ctx: { "aws:TagKeys" => ["key1:hr", "key1:personnel"] },
        expect: Allow by "All"
    }
    for_all_values_not_like_a_tag_without_the_prefix {
        follows: "multi-valued-context-keys: ForAllValues:StringNotLike key1*, request key2:audit: match, denied",
        identity: [DENY_RESTRICTED_TAGS],
        who: alice(), action: "iam:TagUser", on: "arn:aws:iam::111122223333:user/bob",
        ctx: { "aws:TagKeys" => ["key2:audit"] },
        expect: ExplicitDeny by "DenyRestrictedTags"
    }
    for_all_values_not_like_without_tags {
        follows: "multi-valued-context-keys: no aws:TagKeys in the request context: match (ForAllValues returns true without the key)",
        identity: [DENY_RESTRICTED_TAGS],
        who: alice(), action: "iam:TagUser", on: "arn:aws:iam::111122223333:user/bob",
        expect: ExplicitDeny by "DenyRestrictedTags"
    }
    for_all_values_with_an_empty_list_of_values {
        follows: "multi-value-conditions: if the key values resolve to an empty data set, ForAllValues returns true",
        identity: [DENY_RESTRICTED_TAGS],
        who: alice(), action: "iam:TagUser", on: "arn:aws:iam::111122223333:user/bob",
        ctx: { "aws:TagKeys" => [] },
        expect: ExplicitDeny by "DenyRestrictedTags"
    }
    for_all_values_like_with_every_value_listed {
        follows: "multi-value-conditions: requesting PostDateTime and Message is allowed, all are in the policy's list",
        identity: [READ_ONLY_ATTRIBUTES],
        who: alice(), action: "dynamodb:GetItem", on: "arn:aws:dynamodb:us-east-2:111122223333:table/Thread",
        ctx: { "dynamodb:requestedAttributes" => ["PostDateTime", "Message"] },
        expect: Allow
    }
    for_all_values_like_with_one_value_not_listed {
        follows: "multi-value-conditions: requesting PostDateTime and UserName fails, there is no match for UserName",
        identity: [READ_ONLY_ATTRIBUTES],
        who: alice(), action: "dynamodb:GetItem", on: "arn:aws:dynamodb:us-east-2:111122223333:table/Thread",
        ctx: { "dynamodb:requestedAttributes" => ["PostDateTime", "UserName"] },
        expect: ImplicitDeny
    }
    for_any_value_like_with_one_listed_value {
        follows: "multi-value-conditions: PutItem with UserName, Message and PostDateTime: PostDateTime matches, so the Deny applies",
        identity: [FROZEN_ATTRIBUTES],
        who: alice(), action: "dynamodb:PutItem", on: "arn:aws:dynamodb:us-east-2:111122223333:table/Thread",
        ctx: { "dynamodb:requestedAttributes" => ["UserName", "Message", "PostDateTime"] },
        expect: ExplicitDeny by "Frozen"
    }
    for_any_value_like_without_a_listed_value {
        follows: "multi-value-conditions: PutItem with just UserName matches none of the listed attributes, not denied",
        identity: [FROZEN_ATTRIBUTES],
        who: alice(), action: "dynamodb:PutItem", on: "arn:aws:dynamodb:us-east-2:111122223333:table/Thread",
        ctx: { "dynamodb:requestedAttributes" => ["UserName"] },
        expect: Allow by "All"
    }
    for_any_value_without_the_key {
        follows: "multi-value-conditions: an empty data set makes ForAnyValue return false",
        identity: [FROZEN_ATTRIBUTES],
        who: alice(), action: "dynamodb:PutItem", on: "arn:aws:dynamodb:us-east-2:111122223333:table/Thread",
        expect: Allow by "All"
    }
    for_any_value_not_equals_with_one_unlisted_value {
        follows: "multi-valued-context-keys: ForAnyValue with a negated operator holds if at least one request value matches none of the policy's",
        identity: [r#"{"Effect": "Allow", "Action": "dynamodb:GetItem", "Resource": "*",
                       "Condition": {"ForAnyValue:StringNotEquals": {"dynamodb:requestedAttributes": ["ID", "Secret"]}}}"#],
        who: alice(), action: "dynamodb:GetItem", on: "arn:aws:dynamodb:us-east-2:111122223333:table/Thread",
        ctx: { "dynamodb:requestedAttributes" => ["ID", "Message"] },
        expect: Allow
    }
    for_any_value_not_equals_with_only_listed_values {
        follows: "multi-valued-context-keys: ForAnyValue with a negated operator fails if every request value is listed",
        identity: [r#"{"Effect": "Allow", "Action": "dynamodb:GetItem", "Resource": "*",
                       "Condition": {"ForAnyValue:StringNotEquals": {"dynamodb:requestedAttributes": ["ID", "Secret"]}}}"#],
        who: alice(), action: "dynamodb:GetItem", on: "arn:aws:dynamodb:us-east-2:111122223333:table/Thread",
        ctx: { "dynamodb:requestedAttributes" => ["ID", "Secret"] },
        expect: ImplicitDeny
    }
    for_all_values_equals_with_a_single_valued_key {
        follows: "multi-valued-context-keys: a set operator applies to a single value as to a list of one",
        identity: [r#"{"Effect": "Allow", "Action": "dynamodb:GetItem", "Resource": "*",
                       "Condition": {"ForAllValues:StringEquals": {"dynamodb:Attributes": ["Message", "Tags"]}}}"#],
        who: alice(), action: "dynamodb:GetItem", on: "arn:aws:dynamodb:us-east-2:111122223333:table/Thread",
        ctx: { "dynamodb:Attributes" => "Tags" },
        expect: Allow
    }
    single_valued_operator_on_a_multivalued_key_matches_any_value {
        follows: "condition-single-vs-multi-valued-context-keys: without a set operator, a positive operator holds if any request value matches",
        identity: [r#"{"Effect": "Allow", "Action": "dynamodb:GetItem", "Resource": "*",
                       "Condition": {"StringEquals": {"dynamodb:requestedAttributes": "Message"}}}"#],
        who: alice(), action: "dynamodb:GetItem", on: "arn:aws:dynamodb:us-east-2:111122223333:table/Thread",
        ctx: { "dynamodb:requestedAttributes" => ["ID", "Message"] },
        expect: Allow
    }
}
