//! Date condition operators:
//! <https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition_operators.html#Conditions_Date>.

use crate::case::*;

const ISSUED_IN_2020: &str = r#"{"Effect": "Allow", "Action": "iam:*AccessKey*", "Resource": "*",
    "Condition": {"DateGreaterThan": {"aws:TokenIssueTime": "2020-01-01T00:00:01Z"}}}"#;

cases! {
    date_greater_than_for_a_fresh_token {
        follows: "Conditions_Date: DateGreaterThan with aws:TokenIssueTime, credentials issued after the date",
        identity: [ISSUED_IN_2020],
        who: reader(), action: "iam:ListAccessKeys", on: "arn:aws:iam::111122223333:user/alice",
        ctx: { "aws:TokenIssueTime" => "2020-06-01T08:00:00Z" },
        expect: Allow
    }
    date_greater_than_for_an_old_token {
        follows: "Conditions_Date: credentials issued before the date do not match",
        identity: [ISSUED_IN_2020],
        who: reader(), action: "iam:ListAccessKeys", on: "arn:aws:iam::111122223333:user/alice",
        ctx: { "aws:TokenIssueTime" => "2019-12-31T23:59:59Z" },
        expect: ImplicitDeny
    }
    date_greater_than_without_a_token {
        follows: "Conditions_Date: aws:TokenIssueTime is present only with temporary credentials; an IAM user's request is denied",
        identity: [ISSUED_IN_2020],
        who: alice(), action: "iam:ListAccessKeys", on: "arn:aws:iam::111122223333:user/alice",
        expect: ImplicitDeny
    }
    date_less_than_before_the_deadline {
        follows: "Conditions_Date: DateLessThan, matching before a specific date and time",
        identity: [r#"{"Effect": "Allow", "Action": "s3:*", "Resource": "*",
                       "Condition": {"DateLessThan": {"aws:CurrentTime": "2030-01-01T00:00:00Z"}}}"#],
        who: alice(), action: "s3:GetObject", on: "arn:aws:s3:::b/k",
        ctx: { "aws:CurrentTime" => "2026-05-01T12:00:00Z" },
        expect: Allow
    }
    date_less_than_after_the_deadline {
        follows: "Conditions_Date: DateLessThan does not hold after the date",
        identity: [r#"{"Effect": "Allow", "Action": "s3:*", "Resource": "*",
                       "Condition": {"DateLessThan": {"aws:CurrentTime": "2020-01-01T00:00:00Z"}}}"#],
        who: alice(), action: "s3:GetObject", on: "arn:aws:s3:::b/k",
        ctx: { "aws:CurrentTime" => "2026-05-01T12:00:00Z" },
        expect: ImplicitDeny
    }
    date_less_than_equals_at_the_instant {
        follows: "Conditions_Date: DateLessThanEquals, at or before a specific date and time",
        identity: [r#"{"Effect": "Allow", "Action": "s3:*", "Resource": "*",
                       "Condition": {"DateLessThanEquals": {"aws:CurrentTime": "2026-05-01T12:00:00Z"}}}"#],
        who: alice(), action: "s3:GetObject", on: "arn:aws:s3:::b/k",
        ctx: { "aws:CurrentTime" => "2026-05-01T12:00:00Z" },
        expect: Allow
    }
    date_greater_than_equals_at_the_instant {
        follows: "Conditions_Date: DateGreaterThanEquals, at or after a specific date and time",
        identity: [r#"{"Effect": "Allow", "Action": "s3:*", "Resource": "*",
                       "Condition": {"DateGreaterThanEquals": {"aws:CurrentTime": "2026-05-01T12:00:00Z"}}}"#],
        who: alice(), action: "s3:GetObject", on: "arn:aws:s3:::b/k",
        ctx: { "aws:CurrentTime" => "2026-05-01T12:00:00Z" },
        expect: Allow
    }
    date_equals_across_iso_and_epoch_forms {
        follows: "Conditions_Date: date values are W3C ISO 8601 or epoch (UNIX) time; aws:EpochTime against an ISO value",
        identity: [r#"{"Effect": "Allow", "Action": "s3:*", "Resource": "*",
                       "Condition": {"DateEquals": {"aws:EpochTime": "2020-01-01T00:00:00Z"}}}"#],
        who: alice(), action: "s3:GetObject", on: "arn:aws:s3:::b/k",
        ctx: { "aws:EpochTime" => "1577836800" },
        expect: Allow
    }
    date_not_equals {
        follows: "Conditions_Date: DateNotEquals, negated matching",
        identity: [r#"{"Effect": "Allow", "Action": "s3:*", "Resource": "*",
                       "Condition": {"DateNotEquals": {"aws:CurrentTime": "2020-01-01T00:00:00Z"}}}"#],
        who: alice(), action: "s3:GetObject", on: "arn:aws:s3:::b/k",
        ctx: { "aws:CurrentTime" => "2020-01-01T01:00:00+01:00" },
        expect: ImplicitDeny
    }
    date_with_a_time_zone_offset {
        follows: "Conditions_Date: W3C date-time with a time zone designator",
        identity: [r#"{"Effect": "Allow", "Action": "s3:*", "Resource": "*",
                       "Condition": {"DateLessThan": {"aws:CurrentTime": "2026-05-01T12:00:00-05:00"}}}"#],
        who: alice(), action: "s3:GetObject", on: "arn:aws:s3:::b/k",
        ctx: { "aws:CurrentTime" => "2026-05-01T16:59:59Z" },
        expect: Allow
    }
    date_value_that_is_not_a_date_does_not_match {
        follows: "Conditions_Date: a request value that is not a date matches no date",
        identity: [r#"{"Effect": "Allow", "Action": "s3:*", "Resource": "*",
                       "Condition": {"DateLessThan": {"aws:CurrentTime": "2030-01-01T00:00:00Z"}}}"#],
        who: alice(), action: "s3:GetObject", on: "arn:aws:s3:::b/k",
        ctx: { "aws:CurrentTime" => "tomorrow" },
        expect: ImplicitDeny
    }
}
