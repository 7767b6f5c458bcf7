//! `Principal` and `NotPrincipal` in resource policies:
//! <https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_principal.html>,
//! <https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_notprincipal.html>.

use countersign_policy::Principal;

use crate::case::*;

fn oai() -> Principal<'static> {
    Principal::root("arn:aws:iam::777788889999:root")
        .unwrap()
        .with_canonical_user("79a59df900b949e55d96a1e698fbacedfd6e09d98eacf8f8d5218e7cd47ef2be")
}

fn web_user() -> Principal<'static> {
    Principal::assumed_role(
        "arn:aws:sts::111122223333:assumed-role/web/app-user",
        "arn:aws:iam::111122223333:role/web",
    )
    .unwrap()
    .with_identity_provider("accounts.google.com")
}

cases! {
    principal_user_arn_matches_that_user {
        follows: "elements_principal#principal-users: a user ARN names that user",
        resource: [r#"{"Sid": "Bob", "Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::111122223333:user/division/bob"}, "Action": "s3:GetObject", "Resource": "*"}"#],
        who: bob(), action: "s3:GetObject", on: "arn:aws:s3:::photos/a.jpg",
        expect: Allow by "Bob"
    }
    principal_user_arn_does_not_match_another_user {
        follows: "elements_principal#principal-users: principals must name specific users",
        resource: [r#"{"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::111122223333:user/division/bob"}, "Action": "s3:GetObject", "Resource": "*"}"#],
        who: alice(), action: "s3:GetObject", on: "arn:aws:s3:::photos/a.jpg",
        expect: ImplicitDeny
    }
    principal_star_includes_anonymous_requests {
        follows: "elements_principal#principal-anonymous: \"Principal\": \"*\" grants access to everyone, anonymous users included",
        resource: [r#"{"Sid": "Public", "Effect": "Allow", "Principal": "*", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::photos/*"}"#],
        who: anonymous(), action: "s3:GetObject", on: "arn:aws:s3:::photos/a.jpg",
        expect: Allow by "Public"
    }
    principal_aws_star_includes_anonymous_requests {
        follows: "elements_principal#principal-anonymous: {\"AWS\": \"*\"} is equivalent to \"*\"",
        resource: [r#"{"Sid": "Public", "Effect": "Allow", "Principal": {"AWS": "*"}, "Action": "s3:GetObject", "Resource": "arn:aws:s3:::photos/*"}"#],
        who: anonymous(), action: "s3:GetObject", on: "arn:aws:s3:::photos/a.jpg",
        expect: Allow by "Public"
    }
    principal_account_does_not_match_anonymous {
        follows: "elements_principal#principal-accounts: an account principal names that account's identities",
        resource: [r#"{"Effect": "Allow", "Principal": {"AWS": "111122223333"}, "Action": "s3:GetObject", "Resource": "*"}"#],
        who: anonymous(), action: "s3:GetObject", on: "arn:aws:s3:::photos/a.jpg",
        expect: ImplicitDeny
    }
    principal_session_arn_matches_that_session {
        follows: "elements_principal#principal-sessions: an assumed-role session ARN names that session",
        resource: [r#"{"Sid": "Session", "Effect": "Allow", "Principal": {"AWS": "arn:aws:sts::111122223333:assumed-role/reader/session-1"}, "Action": "s3:GetObject", "Resource": "*"}"#],
        who: reader(), action: "s3:GetObject", on: "arn:aws:s3:::photos/a.jpg",
        expect: Allow by "Session"
    }
    principal_session_arn_does_not_match_another_session {
        follows: "elements_principal#principal-sessions: principals must always name a specific session",
        resource: [r#"{"Effect": "Allow", "Principal": {"AWS": "arn:aws:sts::111122223333:assumed-role/reader/session-2"}, "Action": "s3:GetObject", "Resource": "*"}"#],
        who: reader(), action: "s3:GetObject", on: "arn:aws:s3:::photos/a.jpg",
        expect: ImplicitDeny
    }
    service_principal_matches_the_service {
        follows: "elements_principal#principal-services: {\"Service\": ...} names an AWS service",
        resource: [r#"{"Sid": "Cdn", "Effect": "Allow", "Principal": {"Service": "cloudfront.amazonaws.com"}, "Action": "s3:GetObject", "Resource": "arn:aws:s3:::photos/*"}"#],
        who: cloudfront(), action: "s3:GetObject", on: "arn:aws:s3:::photos/a.jpg",
        expect: Allow by "Cdn"
    }
    service_principal_does_not_match_a_user {
        follows: "elements_principal#principal-services: a service principal names only the service",
        resource: [r#"{"Effect": "Allow", "Principal": {"Service": "cloudfront.amazonaws.com"}, "Action": "s3:GetObject", "Resource": "arn:aws:s3:::photos/*"}"#],
        who: alice(), action: "s3:GetObject", on: "arn:aws:s3:::photos/a.jpg",
        expect: ImplicitDeny
    }
    canonical_user_principal_names_the_account {
        follows: "elements_principal#principal-accounts: S3 lets you name an account by its canonical user ID",
        identity: [r#"{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}"#],
        resource: [r#"{"Sid": "Oai", "Effect": "Allow", "Principal": {"CanonicalUser": "79a59df900b949e55d96a1e698fbacedfd6e09d98eacf8f8d5218e7cd47ef2be"}, "Action": "s3:GetObject", "Resource": "arn:aws:s3:::photos/*"}"#],
        who: oai(), action: "s3:GetObject", on: "arn:aws:s3:::photos/a.jpg",
        expect: Allow by "Oai"
    }
    federated_principal_names_the_identity_provider {
        follows: "elements_principal#principal-federated-web-identity: {\"Federated\": \"accounts.google.com\"}",
        resource: [r#"{"Sid": "Google", "Effect": "Allow", "Principal": {"Federated": "accounts.google.com"}, "Action": "s3:GetObject", "Resource": "*"}"#],
        who: web_user(), action: "s3:GetObject", on: "arn:aws:s3:::photos/a.jpg",
        expect: Allow by "Google"
    }
    principal_list_is_a_logical_or {
        follows: "elements_principal#Principal_specifying: several principals in an array are a logical OR",
        resource: [r#"{"Sid": "Either", "Effect": "Allow", "Principal": {"AWS": ["arn:aws:iam::111122223333:user/alice", "arn:aws:iam::111122223333:user/division/bob"]}, "Action": "s3:GetObject", "Resource": "*"}"#],
        who: bob(), action: "s3:GetObject", on: "arn:aws:s3:::photos/a.jpg",
        expect: Allow by "Either"
    }
    not_principal_deny_denies_everyone_else {
        follows: "elements_notprincipal: Deny with NotPrincipal denies all principals except those named",
        resource: [r#"[
            {"Effect": "Allow", "Principal": "*", "Action": "s3:GetObject", "Resource": "*"},
            {"Sid": "OnlyAlice", "Effect": "Deny", "NotPrincipal": {"AWS": "arn:aws:iam::111122223333:user/alice"}, "Action": "s3:*", "Resource": "*"}]"#],
        who: bob(), action: "s3:GetObject", on: "arn:aws:s3:::photos/a.jpg",
        expect: ExplicitDeny by "OnlyAlice"
    }
    not_principal_deny_spares_the_named_principal {
        follows: "elements_notprincipal: the named principal is not denied by that statement",
        resource: [r#"[
            {"Sid": "Public", "Effect": "Allow", "Principal": "*", "Action": "s3:GetObject", "Resource": "*"},
            {"Effect": "Deny", "NotPrincipal": {"AWS": "arn:aws:iam::111122223333:user/alice"}, "Action": "s3:*", "Resource": "*"}]"#],
        who: alice(), action: "s3:GetObject", on: "arn:aws:s3:::photos/a.jpg",
        expect: Allow by "Public"
    }
    not_principal_deny_denies_anonymous_requests {
        follows: "elements_notprincipal: everyone not named is denied, anonymous users included",
        resource: [r#"[
            {"Effect": "Allow", "Principal": "*", "Action": "s3:GetObject", "Resource": "*"},
            {"Sid": "OnlyAlice", "Effect": "Deny", "NotPrincipal": {"AWS": "arn:aws:iam::111122223333:user/alice"}, "Action": "s3:*", "Resource": "*"}]"#],
        who: anonymous(), action: "s3:GetObject", on: "arn:aws:s3:::photos/a.jpg",
        expect: ExplicitDeny by "OnlyAlice"
    }
}
