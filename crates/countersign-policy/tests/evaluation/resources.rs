//! `Resource` and `NotResource`, and how ARNs with wildcards are matched:
//! <https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_resource.html>,
//! <https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_notresource.html>.

use crate::case::*;

const ANY_DEMO_TEST: &str = r#"{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::amzn-s3-demo-bucket/*/test/*"}"#;

cases! {
    resource_named_exactly {
        follows: "elements_resource: the statement applies to the resource its ARN names",
        identity: [r#"{"Effect": "Allow", "Action": "sqs:*", "Resource": "arn:aws:sqs:us-east-2:111122223333:queue1"}"#],
        who: alice(), action: "sqs:SendMessage", on: "arn:aws:sqs:us-east-2:111122223333:queue1",
        expect: Allow
    }
    bucket_arn_does_not_name_its_objects {
        follows: "elements_resource: arn:aws:s3:::bucket is the bucket, arn:aws:s3:::bucket/* its objects",
        identity: [r#"{"Effect": "Allow", "Action": "s3:*", "Resource": "arn:aws:s3:::photos"}"#],
        who: alice(), action: "s3:GetObject", on: "arn:aws:s3:::photos/a.jpg",
        expect: ImplicitDeny
    }
    object_wildcard_does_not_name_the_bucket {
        follows: "elements_resource: arn:aws:s3:::bucket/* does not match the bucket itself",
        identity: [r#"{"Effect": "Allow", "Action": "s3:*", "Resource": "arn:aws:s3:::photos/*"}"#],
        who: alice(), action: "s3:ListBucket", on: "arn:aws:s3:::photos",
        expect: ImplicitDeny
    }
    star_in_a_segment_crosses_slashes {
        follows: "elements_resource: * can expand to replace everything within a segment, including characters like /",
        identity: [ANY_DEMO_TEST],
        who: alice(), action: "s3:GetObject", on: "arn:aws:s3:::amzn-s3-demo-bucket/1/2/test/3/object.jpg",
        expect: Allow
    }
    star_matches_an_empty_run_between_slashes {
        follows: "elements_resource: amzn-s3-demo-bucket//test/object.jpg matches .../*/test/*",
        identity: [ANY_DEMO_TEST],
        who: alice(), action: "s3:GetObject", on: "arn:aws:s3:::amzn-s3-demo-bucket//test/object.jpg",
        expect: Allow
    }
    star_matches_a_key_ending_in_a_slash {
        follows: "elements_resource: amzn-s3-demo-bucket/1/test/ matches .../*/test/*",
        identity: [ANY_DEMO_TEST],
        who: alice(), action: "s3:GetObject", on: "arn:aws:s3:::amzn-s3-demo-bucket/1/test/",
        expect: Allow
    }
    slash_in_the_pattern_must_be_there {
        follows: "elements_resource: the ARN would not match amzn-s3-demo-bucket/1-test/object.jpg",
        identity: [ANY_DEMO_TEST],
        who: alice(), action: "s3:GetObject", on: "arn:aws:s3:::amzn-s3-demo-bucket/1-test/object.jpg",
        expect: ImplicitDeny
    }
    question_mark_matches_one_character_of_a_bucket_name {
        follows: "S3 using-with-s3-actions: arn:aws:s3:::example?bucket/* names example1bucket, example2bucket, ...",
        identity: [r#"{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::example?bucket/*"}"#],
        who: alice(), action: "s3:GetObject", on: "arn:aws:s3:::example2bucket/k",
        expect: Allow
    }
    question_mark_does_not_match_two_characters {
        follows: "elements_resource: ? is any single character",
        identity: [r#"{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::example?bucket/*"}"#],
        who: alice(), action: "s3:GetObject", on: "arn:aws:s3:::example12bucket/k",
        expect: ImplicitDeny
    }
    resource_names_are_case_sensitive {
        follows: "elements_resource: in the Resource element the names are case sensitive (user/Bob)",
        identity: [r#"{"Effect": "Allow", "Action": "iam:GetUser", "Resource": "arn:aws:iam::111122223333:user/Bob"}"#],
        who: alice(), action: "iam:GetUser", on: "arn:aws:iam::111122223333:user/bob",
        expect: ImplicitDeny
    }
    resource_star_alone_names_everything {
        follows: "elements_resource: the wildcard * alone applies to all resources",
        identity: [r#"{"Effect": "Allow", "Action": "s3:ListAllMyBuckets", "Resource": "*"}"#],
        who: alice(), action: "s3:ListAllMyBuckets", on: "arn:aws:s3:::*",
        expect: Allow
    }
    iam_path_wildcard {
        follows: "elements_resource: arn:aws:iam::account:user/accounting/* names all users whose path is /accounting",
        identity: [r#"{"Effect": "Allow", "Action": "iam:GetUser", "Resource": "arn:aws:iam::111122223333:user/accounting/*"}"#],
        who: alice(), action: "iam:GetUser", on: "arn:aws:iam::111122223333:user/accounting/dana",
        expect: Allow
    }
    region_segment_wildcard {
        follows: "elements_resource: wildcards within individual segments of an ARN (any region)",
        identity: [r#"{"Effect": "Allow", "Action": "sqs:SendMessage", "Resource": "arn:aws:sqs:*:111122223333:queue1"}"#],
        who: alice(), action: "sqs:SendMessage", on: "arn:aws:sqs:eu-west-1:111122223333:queue1",
        expect: Allow
    }
    segment_wildcard_does_not_cross_into_the_account {
        follows: "elements_resource and condition_operators#Conditions_ARN: segments are matched separately, so a * in the region cannot absorb the account",
        identity: [r#"{"Effect": "Allow", "Action": "sqs:SendMessage", "Resource": "arn:aws:sqs:*:111122223333:queue1"}"#],
        who: alice(), action: "sqs:SendMessage", on: "arn:aws:sqs:eu-west-1:999999999999:111122223333:queue1",
        expect: ImplicitDeny
    }
    trailing_star_of_a_segment_expands_beyond_colons {
        follows: "elements_resource: if * is the last character of a segment it can expand to match beyond the colon boundaries",
        identity: [r#"{"Effect": "Allow", "Action": "sqs:SendMessage", "Resource": "arn:aws:sqs:*"}"#],
        who: alice(), action: "sqs:SendMessage", on: "arn:aws:sqs:us-east-2:111122223333:queue1",
        expect: Allow
    }
    resource_list_matches_any_member {
        follows: "elements_resource: several ARNs in a list, any of which applies",
        identity: [r#"{"Effect": "Allow", "Action": "s3:*", "Resource": ["arn:aws:s3:::photos", "arn:aws:s3:::photos/*"]}"#],
        who: alice(), action: "s3:ListBucket", on: "arn:aws:s3:::photos",
        expect: Allow
    }
    not_resource_allow_covers_everything_else {
        follows: "elements_notresource: NotResource with Allow applies to every resource except those listed",
        identity: [r#"{"Effect": "Allow", "Action": "s3:*", "NotResource": ["arn:aws:s3:::HRBucket/Payroll", "arn:aws:s3:::HRBucket/Payroll/*"]}"#],
        who: alice(), action: "s3:GetObject", on: "arn:aws:s3:::HRBucket/Handbook.pdf",
        expect: Allow
    }
    not_resource_allow_does_not_cover_the_listed_resources {
        follows: "elements_notresource: the listed resources are not allowed by that statement",
        identity: [r#"{"Effect": "Allow", "Action": "s3:*", "NotResource": ["arn:aws:s3:::HRBucket/Payroll", "arn:aws:s3:::HRBucket/Payroll/*"]}"#],
        who: alice(), action: "s3:GetObject", on: "arn:aws:s3:::HRBucket/Payroll/2024.csv",
        expect: ImplicitDeny
    }
    not_resource_deny_denies_everything_but_the_listed_bucket {
        follows: "elements_notresource: Deny with NotResource denies every resource except those listed",
        identity: [r#"[
            {"Effect": "Allow", "Action": "s3:*", "Resource": "*"},
            {"Sid": "OnlyPhotos", "Effect": "Deny", "Action": "s3:*", "NotResource": ["arn:aws:s3:::photos", "arn:aws:s3:::photos/*"]}]"#],
        who: alice(), action: "s3:GetObject", on: "arn:aws:s3:::videos/a.mp4",
        expect: ExplicitDeny by "OnlyPhotos"
    }
    not_resource_deny_leaves_the_listed_bucket_alone {
        follows: "elements_notresource: the listed resources are not denied by that statement",
        identity: [r#"[
            {"Sid": "All", "Effect": "Allow", "Action": "s3:*", "Resource": "*"},
            {"Effect": "Deny", "Action": "s3:*", "NotResource": ["arn:aws:s3:::photos", "arn:aws:s3:::photos/*"]}]"#],
        who: alice(), action: "s3:GetObject", on: "arn:aws:s3:::photos/a.jpg",
        expect: Allow by "All"
    }
}
