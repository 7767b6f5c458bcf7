//! Numeric condition operators:
//! <https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition_operators.html#Conditions_Numeric>.

use crate::case::*;

const MAX_KEYS_10: &str = r#"{"Effect": "Allow", "Action": "s3:ListBucket", "Resource": "arn:aws:s3:::example_bucket",
    "Condition": {"NumericLessThanEquals": {"s3:max-keys": "10"}}}"#;

cases! {
    numeric_less_than_equals_at_the_bound {
        follows: "Conditions_Numeric: the requester can list up to 10 objects (s3:max-keys NumericLessThanEquals 10)",
        identity: [MAX_KEYS_10],
        who: alice(), action: "s3:ListBucket", on: "arn:aws:s3:::example_bucket",
        ctx: { "s3:max-keys" => "10" },
        expect: Allow
    }
    numeric_less_than_equals_above_the_bound {
        follows: "Conditions_Numeric: more than 10 keys is not allowed",
        identity: [MAX_KEYS_10],
        who: alice(), action: "s3:ListBucket", on: "arn:aws:s3:::example_bucket",
        ctx: { "s3:max-keys" => "11" },
        expect: ImplicitDeny
    }
    numeric_less_than_equals_without_the_key {
        follows: "Conditions_Numeric: if the key is not present in the request context, the values do not match",
        identity: [MAX_KEYS_10],
        who: alice(), action: "s3:ListBucket", on: "arn:aws:s3:::example_bucket",
        expect: ImplicitDeny
    }
    numeric_equals_compares_numbers_not_text {
        follows: "Conditions_Numeric: NumericEquals, matching integer or decimal values",
        identity: [r#"{"Effect": "Allow", "Action": "s3:ListBucket", "Resource": "*",
                       "Condition": {"NumericEquals": {"s3:max-keys": "10"}}}"#],
        who: alice(), action: "s3:ListBucket", on: "arn:aws:s3:::b",
        ctx: { "s3:max-keys" => "10.0" },
        expect: Allow
    }
    numeric_not_equals {
        follows: "Conditions_Numeric: NumericNotEquals, negated matching",
        identity: [r#"{"Effect": "Allow", "Action": "s3:ListBucket", "Resource": "*",
                       "Condition": {"NumericNotEquals": {"s3:max-keys": "10"}}}"#],
        who: alice(), action: "s3:ListBucket", on: "arn:aws:s3:::b",
        ctx: { "s3:max-keys" => "10" },
        expect: ImplicitDeny
    }
    numeric_less_than_is_strict {
        follows: "Conditions_Numeric: NumericLessThan, \"less than\" matching",
        identity: [r#"{"Effect": "Allow", "Action": "s3:ListBucket", "Resource": "*",
                       "Condition": {"NumericLessThan": {"s3:max-keys": "10"}}}"#],
        who: alice(), action: "s3:ListBucket", on: "arn:aws:s3:::b",
        ctx: { "s3:max-keys" => "10" },
        expect: ImplicitDeny
    }
    numeric_greater_than {
        follows: "Conditions_Numeric: NumericGreaterThan, \"greater than\" matching",
        identity: [r#"{"Effect": "Allow", "Action": "s3:ListBucket", "Resource": "*",
                       "Condition": {"NumericGreaterThan": {"s3:max-keys": "10"}}}"#],
        who: alice(), action: "s3:ListBucket", on: "arn:aws:s3:::b",
        ctx: { "s3:max-keys" => "100" },
        expect: Allow
    }
    numeric_greater_than_equals_at_the_bound {
        follows: "Conditions_Numeric: NumericGreaterThanEquals, \"greater than or equals\" matching",
        identity: [r#"{"Effect": "Allow", "Action": "s3:ListBucket", "Resource": "*",
                       "Condition": {"NumericGreaterThanEquals": {"s3:max-keys": "10"}}}"#],
        who: alice(), action: "s3:ListBucket", on: "arn:aws:s3:::b",
        ctx: { "s3:max-keys" => "10" },
        expect: Allow
    }
    numeric_decimal_values {
        follows: "Conditions_Numeric: comparing a key to an integer or decimal value",
        identity: [r#"{"Effect": "Allow", "Action": "s3:ListBucket", "Resource": "*",
                       "Condition": {"NumericLessThan": {"example:ratio": "0.75"}}}"#],
        who: alice(), action: "s3:ListBucket", on: "arn:aws:s3:::b",
        ctx: { "example:ratio" => "0.5" },
        expect: Allow
    }
    numeric_value_that_is_not_a_number_does_not_match {
        follows: "Conditions_Numeric: a request value that is not a number matches no number",
        identity: [r#"{"Effect": "Allow", "Action": "s3:ListBucket", "Resource": "*",
                       "Condition": {"NumericLessThan": {"s3:max-keys": "10"}}}"#],
        who: alice(), action: "s3:ListBucket", on: "arn:aws:s3:::b",
        ctx: { "s3:max-keys" => "five" },
        expect: ImplicitDeny
    }
}
