//! S3's bucket policy examples:
//! <https://docs.aws.amazon.com/AmazonS3/latest/userguide/example-bucket-policies.html>
//! (the cases name each example by its section).

use countersign_policy::Principal;

use crate::case::*;

const MULTIPLE_ACCOUNTS: &str = r#"{"Sid": "AddCannedAcl", "Effect": "Allow",
    "Principal": {"AWS": ["arn:aws:iam::111122223333:root", "arn:aws:iam::444455556666:root"]},
    "Action": ["s3:PutObject", "s3:PutObjectAcl"], "Resource": ["arn:aws:s3:::examplebucket/*"],
    "Condition": {"StringEquals": {"s3:x-amz-acl": ["public-read"]}}}"#;

const PUBLIC_READ: &str = r#"{"Sid": "PublicRead", "Effect": "Allow", "Principal": "*",
    "Action": ["s3:GetObject"], "Resource": ["arn:aws:s3:::examplebucket/*"]}"#;

const NOT_FROM_RANGE: &str = r#"[{"Sid": "Everyone", "Effect": "Allow", "Principal": "*", "Action": "s3:*", "Resource": "arn:aws:s3:::examplebucket/*"},
    {"Sid": "IPAllow", "Effect": "Deny", "Principal": "*", "Action": "s3:*", "Resource": "arn:aws:s3:::examplebucket/*",
     "Condition": {"NotIpAddress": {"aws:SourceIp": "54.240.143.0/24"}}}]"#;

const IP_MIX: &str = r#"{"Sid": "AllowIPmix", "Effect": "Allow", "Principal": "*", "Action": "s3:*",
    "Resource": "arn:aws:s3:::examplebucket/*",
    "Condition": {"IpAddress": {"aws:SourceIp": ["54.240.143.0/24", "2001:DB8:1234:5678::/64"]},
                  "NotIpAddress": {"aws:SourceIp": ["54.240.143.128/30", "2001:DB8:1234:5678:ABCD::/80"]}}}"#;

const REFERER: &str = r#"[{"Sid": "Allow get requests referred by www.example.com and example.com.", "Effect": "Allow",
     "Principal": "*", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::examplebucket/*",
     "Condition": {"StringLike": {"aws:Referer": ["http://www.example.com/*", "http://example.com/*"]}}},
    {"Sid": "Explicit deny to ensure requests are allowed only from specific referer.", "Effect": "Deny",
     "Principal": "*", "Action": "s3:*", "Resource": "arn:aws:s3:::examplebucket/*",
     "Condition": {"StringNotLike": {"aws:Referer": ["http://www.example.com/*", "http://example.com/*"]}}}]"#;

const OAI: &str = r#"{"Sid": " Grant a CloudFront Origin Identity access to support private content", "Effect": "Allow",
    "Principal": {"CanonicalUser": "79a59df900b949e55d96a1e698fbacedfd6e09d98eacf8f8d5218e7cd47ef2be"},
    "Action": "s3:GetObject", "Resource": "arn:aws:s3:::examplebucket/*"}"#;

const MFA: &str = r#"[{"Sid": "", "Effect": "Deny", "Principal": "*", "Action": "s3:*",
     "Resource": "arn:aws:s3:::examplebucket/taxdocuments/*", "Condition": {"Null": {"aws:MultiFactorAuthAge": true}}},
    {"Sid": "", "Effect": "Deny", "Principal": "*", "Action": "s3:*",
     "Resource": "arn:aws:s3:::examplebucket/taxdocuments/*", "Condition": {"NumericGreaterThan": {"aws:MultiFactorAuthAge": 3600}}},
    {"Sid": "", "Effect": "Allow", "Principal": "*", "Action": ["s3:GetObject"], "Resource": "arn:aws:s3:::examplebucket/*"}]"#;

const FULL_CONTROL: &str = r#"[{"Sid": "statement1", "Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::444455556666:user/carol"},
     "Action": "s3:PutObject", "Resource": "arn:aws:s3:::examplebucket/*"},
    {"Sid": "statement2", "Effect": "Deny", "Principal": {"AWS": "arn:aws:iam::444455556666:user/carol"},
     "Action": "s3:PutObject", "Resource": "arn:aws:s3:::examplebucket/*",
     "Condition": {"StringNotEquals": {"s3:x-amz-grant-full-control": "id=AccountA-CanonicalUserID"}}}]"#;

const CAROL_PUTS: &str = r#"{"Effect": "Allow", "Action": "s3:PutObject", "Resource": "*"}"#;

fn oai() -> Principal<'static> {
    Principal::root("arn:aws:iam::777788889999:root")
        .unwrap()
        .with_canonical_user("79a59df900b949e55d96a1e698fbacedfd6e09d98eacf8f8d5218e7cd47ef2be")
}

cases! {
    multiple_accounts_with_the_canned_acl {
        follows: "example-bucket-policies-use-case-1: PutObject by the listed accounts with the public-read canned ACL",
        identity: [CAROL_PUTS],
        resource: [MULTIPLE_ACCOUNTS],
        who: carol(), action: "s3:PutObject", on: "arn:aws:s3:::examplebucket/photo.jpg",
        ctx: { "s3:x-amz-acl" => "public-read" },
        expect: Allow by "AddCannedAcl"
    }
    multiple_accounts_without_the_canned_acl {
        follows: "example-bucket-policies-use-case-1: any request for these operations must include the public-read ACL",
        identity: [CAROL_PUTS],
        resource: [MULTIPLE_ACCOUNTS],
        who: carol(), action: "s3:PutObject", on: "arn:aws:s3:::examplebucket/photo.jpg",
        ctx: { "s3:x-amz-acl" => "private" },
        expect: ImplicitDeny
    }
    multiple_accounts_for_an_unlisted_account {
        follows: "example-bucket-policies-use-case-1: only the two named accounts are granted",
        identity: [CAROL_PUTS],
        resource: [MULTIPLE_ACCOUNTS],
        who: Principal::user("arn:aws:iam::777788889999:user/eve").unwrap(), action: "s3:PutObject",
        on: "arn:aws:s3:::examplebucket/photo.jpg",
        ctx: { "s3:x-amz-acl" => "public-read" },
        expect: ImplicitDeny
    }
    anonymous_read_of_an_object {
        follows: "example-bucket-policies-use-case-2: granting read-only permission to an anonymous user",
        resource: [PUBLIC_READ],
        who: anonymous(), action: "s3:GetObject", on: "arn:aws:s3:::examplebucket/index.html",
        expect: Allow by "PublicRead"
    }
    anonymous_write_is_not_granted {
        follows: "example-bucket-policies-use-case-2: the policy grants only s3:GetObject",
        resource: [PUBLIC_READ],
        who: anonymous(), action: "s3:PutObject", on: "arn:aws:s3:::examplebucket/index.html",
        expect: ImplicitDeny
    }
    anonymous_listing_is_not_granted {
        follows: "example-bucket-policies-use-case-2: the policy names objects, not the bucket",
        resource: [PUBLIC_READ],
        who: anonymous(), action: "s3:ListBucket", on: "arn:aws:s3:::examplebucket",
        expect: ImplicitDeny
    }
    request_from_outside_the_allowed_range_is_denied {
        follows: "example-bucket-policies-use-case-3: the request must not originate outside 54.240.143.0/24",
        resource: [NOT_FROM_RANGE],
        who: anonymous(), action: "s3:GetObject", on: "arn:aws:s3:::examplebucket/a",
        ctx: { "aws:SourceIp" => "198.51.100.7" },
        expect: ExplicitDeny by "IPAllow"
    }
    request_from_the_allowed_range_is_allowed {
        follows: "example-bucket-policies-use-case-3: requests from 54.240.143.* are not denied",
        resource: [NOT_FROM_RANGE],
        who: anonymous(), action: "s3:GetObject", on: "arn:aws:s3:::examplebucket/a",
        ctx: { "aws:SourceIp" => "54.240.143.7" },
        expect: Allow by "Everyone"
    }
    ip_mix_allows_54_240_143_1 {
        follows: "example-bucket-policies-use-case-ipv6: the policy would allow access to 54.240.143.1",
        resource: [IP_MIX],
        who: anonymous(), action: "s3:GetObject", on: "arn:aws:s3:::examplebucket/a",
        ctx: { "aws:SourceIp" => "54.240.143.1" },
        expect: Allow by "AllowIPmix"
    }
    ip_mix_denies_54_240_143_129 {
        follows: "example-bucket-policies-use-case-ipv6: and would deny access to 54.240.143.129",
        resource: [IP_MIX],
        who: anonymous(), action: "s3:GetObject", on: "arn:aws:s3:::examplebucket/a",
        ctx: { "aws:SourceIp" => "54.240.143.129" },
        expect: ImplicitDeny
    }
    ip_mix_allows_2001_db8_1234_5678_1 {
        follows: "example-bucket-policies-use-case-ipv6: the policy would allow access to 2001:DB8:1234:5678::1",
        resource: [IP_MIX],
        who: anonymous(), action: "s3:GetObject", on: "arn:aws:s3:::examplebucket/a",
        ctx: { "aws:SourceIp" => "2001:DB8:1234:5678::1" },
        expect: Allow by "AllowIPmix"
    }
    ip_mix_denies_2001_db8_1234_5678_abcd_1 {
        follows: "example-bucket-policies-use-case-ipv6: and would deny access to 2001:DB8:1234:5678:ABCD::1",
        resource: [IP_MIX],
        who: anonymous(), action: "s3:GetObject", on: "arn:aws:s3:::examplebucket/a",
        ctx: { "aws:SourceIp" => "2001:DB8:1234:5678:ABCD::1" },
        expect: ImplicitDeny
    }
    referer_from_the_website {
        follows: "example-bucket-policies-use-case-4: GetObject from pages of www.example.com is allowed",
        resource: [REFERER],
        who: anonymous(), action: "s3:GetObject", on: "arn:aws:s3:::examplebucket/photo.jpg",
        ctx: { "aws:Referer" => "http://www.example.com/gallery/index.html" },
        expect: Allow by "Allow get requests referred by www.example.com and example.com."
    }
    referer_from_elsewhere_is_denied {
        follows: "example-bucket-policies-use-case-4: the explicit deny ensures requests are allowed only from the specific referer",
        resource: [REFERER],
        who: anonymous(), action: "s3:GetObject", on: "arn:aws:s3:::examplebucket/photo.jpg",
        ctx: { "aws:Referer" => "http://attacker.example.net/" },
        expect: ExplicitDeny by "Explicit deny to ensure requests are allowed only from specific referer."
    }
    missing_referer_is_denied {
        follows: "example-bucket-policies-use-case-4: make sure browsers include the referer header; without it StringNotLike holds",
        resource: [REFERER],
        who: anonymous(), action: "s3:GetObject", on: "arn:aws:s3:::examplebucket/photo.jpg",
        expect: ExplicitDeny by "Explicit deny to ensure requests are allowed only from specific referer."
    }
    cloudfront_origin_identity_reads {
        follows: "example-bucket-policies-use-case-6: a CloudFront origin identity, named by its canonical user ID, gets objects",
        identity: [r#"{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}"#],
        resource: [OAI],
        who: oai(), action: "s3:GetObject", on: "arn:aws:s3:::examplebucket/private.mp4",
        expect: Allow by " Grant a CloudFront Origin Identity access to support private content"
    }
    tax_documents_without_mfa_are_denied {
        follows: "example-bucket-policies-use-case-7: the Null condition is true when aws:MultiFactorAuthAge is absent",
        resource: [MFA],
        who: anonymous(), action: "s3:GetObject", on: "arn:aws:s3:::examplebucket/taxdocuments/2024.pdf",
        expect: ExplicitDeny
    }
    tax_documents_with_recent_mfa_are_read {
        follows: "example-bucket-policies-use-case-7: with MFA less than an hour old, GetObject is allowed to everyone",
        resource: [MFA],
        who: reader(), action: "s3:GetObject", on: "arn:aws:s3:::examplebucket/taxdocuments/2024.pdf",
        ctx: { "aws:MultiFactorAuthAge" => "120" },
        expect: Allow
    }
    tax_documents_with_old_mfa_are_denied {
        follows: "example-bucket-policies-use-case-7: denied if the session was created more than an hour ago (3,600 seconds)",
        resource: [MFA],
        who: reader(), action: "s3:GetObject", on: "arn:aws:s3:::examplebucket/taxdocuments/2024.pdf",
        ctx: { "aws:MultiFactorAuthAge" => "7200" },
        expect: ExplicitDeny
    }
    other_objects_need_no_mfa {
        follows: "example-bucket-policies-use-case-7: the MFA statements restrict only the taxdocuments folder",
        resource: [MFA],
        who: anonymous(), action: "s3:GetObject", on: "arn:aws:s3:::examplebucket/public/readme.txt",
        expect: Allow
    }
    cross_account_upload_granting_full_control {
        follows: "example-bucket-policies-use-case-8: uploads must grant the bucket owner full control",
        identity: [CAROL_PUTS],
        resource: [FULL_CONTROL],
        who: carol(), action: "s3:PutObject", on: "arn:aws:s3:::examplebucket/upload.bin",
        ctx: { "s3:x-amz-grant-full-control" => "id=AccountA-CanonicalUserID" },
        expect: Allow by "statement1"
    }
    cross_account_upload_without_full_control_is_denied {
        follows: "example-bucket-policies-use-case-8: the explicit deny for uploads without the grant",
        identity: [CAROL_PUTS],
        resource: [FULL_CONTROL],
        who: carol(), action: "s3:PutObject", on: "arn:aws:s3:::examplebucket/upload.bin",
        expect: ExplicitDeny by "statement2"
    }
}
