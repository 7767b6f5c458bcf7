//! Cross-account evaluation: both the requester's account and the resource's must allow.
//! <https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic-cross-account.html>,
//! and delegation to an account as a principal:
//! <https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_principal.html#principal-accounts>.

use crate::case::*;

const CAROL_MAY_READ: &str = r#"{"Sid": "CarolRead", "Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::photos/*"}"#;

cases! {
    cross_account_request_allowed_by_both_sides {
        follows: "evaluation-logic-cross-account: the identity policy in the trusted account and the resource policy in the trusting account must both allow",
        identity: [CAROL_MAY_READ],
        resource: [r#"{"Sid": "ShareWithCarol", "Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::444455556666:user/carol"},
                       "Action": "s3:GetObject", "Resource": "arn:aws:s3:::photos/*"}"#],
        who: carol(), action: "s3:GetObject", on: "arn:aws:s3:::photos/a.jpg",
        expect: Allow by "ShareWithCarol"
    }
    cross_account_request_with_only_an_identity_allow_is_denied {
        follows: "evaluation-logic-cross-account: an identity policy alone cannot grant access to another account's resource",
        identity: [CAROL_MAY_READ],
        who: carol(), action: "s3:GetObject", on: "arn:aws:s3:::photos/a.jpg",
        expect: ImplicitDeny
    }
    cross_account_request_with_only_a_resource_allow_is_denied {
        follows: "evaluation-logic-cross-account: the requester's account must also allow the request",
        resource: [r#"{"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::444455556666:user/carol"},
                       "Action": "s3:GetObject", "Resource": "arn:aws:s3:::photos/*"}"#],
        who: carol(), action: "s3:GetObject", on: "arn:aws:s3:::photos/a.jpg",
        expect: ImplicitDeny
    }
    cross_account_grant_to_the_account_with_identity_allow {
        follows: "principal-accounts: naming an account delegates authority to it; its administrator grants access to an identity",
        identity: [CAROL_MAY_READ],
        resource: [r#"{"Sid": "ShareWithAccount", "Effect": "Allow", "Principal": {"AWS": "444455556666"},
                       "Action": "s3:GetObject", "Resource": "arn:aws:s3:::photos/*"}"#],
        who: carol(), action: "s3:GetObject", on: "arn:aws:s3:::photos/a.jpg",
        expect: Allow by "ShareWithAccount"
    }
    cross_account_grant_to_the_account_without_identity_allow {
        follows: "principal-accounts: an administrator in that account must then grant access to an identity",
        resource: [r#"{"Effect": "Allow", "Principal": {"AWS": "444455556666"},
                       "Action": "s3:GetObject", "Resource": "arn:aws:s3:::photos/*"}"#],
        who: carol(), action: "s3:GetObject", on: "arn:aws:s3:::photos/a.jpg",
        expect: ImplicitDeny
    }
    cross_account_grant_by_root_arn_is_the_same_as_by_account_id {
        follows: "principal-accounts: the account ARN and the shortened account ID behave the same way",
        identity: [CAROL_MAY_READ],
        resource: [r#"{"Sid": "Root", "Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::444455556666:root"},
                       "Action": "s3:GetObject", "Resource": "arn:aws:s3:::photos/*"}"#],
        who: carol(), action: "s3:GetObject", on: "arn:aws:s3:::photos/a.jpg",
        expect: Allow by "Root"
    }
    cross_account_grant_to_a_third_account_does_not_apply {
        follows: "evaluation-logic-cross-account: the resource policy must name the requester or its account",
        identity: [CAROL_MAY_READ],
        resource: [r#"{"Effect": "Allow", "Principal": {"AWS": "777788889999"},
                       "Action": "s3:GetObject", "Resource": "arn:aws:s3:::photos/*"}"#],
        who: carol(), action: "s3:GetObject", on: "arn:aws:s3:::photos/a.jpg",
        expect: ImplicitDeny
    }
    cross_account_deny_in_the_resource_policy_wins {
        follows: "evaluation-logic-cross-account: an explicit deny in either account's policies denies",
        identity: [CAROL_MAY_READ],
        resource: [r#"[
            {"Effect": "Allow", "Principal": {"AWS": "444455556666"}, "Action": "s3:GetObject", "Resource": "arn:aws:s3:::photos/*"},
            {"Sid": "NotPrivate", "Effect": "Deny", "Principal": {"AWS": "444455556666"}, "Action": "s3:*", "Resource": "arn:aws:s3:::photos/private/*"}]"#],
        who: carol(), action: "s3:GetObject", on: "arn:aws:s3:::photos/private/a.jpg",
        expect: ExplicitDeny by "NotPrivate"
    }
    cross_account_deny_in_the_identity_policy_wins {
        follows: "evaluation-logic-cross-account: an explicit deny in either account's policies denies",
        identity: [r#"[
            {"Effect": "Allow", "Action": "s3:*", "Resource": "*"},
            {"Sid": "NoPhotos", "Effect": "Deny", "Action": "s3:*", "Resource": "arn:aws:s3:::photos/*"}]"#],
        resource: [r#"{"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::444455556666:user/carol"}, "Action": "s3:GetObject", "Resource": "arn:aws:s3:::photos/*"}"#],
        who: carol(), action: "s3:GetObject", on: "arn:aws:s3:::photos/a.jpg",
        expect: ExplicitDeny by "NoPhotos"
    }
    cross_account_role_session_named_by_its_role {
        follows: "principal-roles: a role ARN in a resource policy applies to the role's sessions; across accounts the identity side must allow",
        identity: [r#"{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}"#],
        resource: [r#"{"Sid": "Auditor", "Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::444455556666:role/audit/auditor"},
                       "Action": "s3:GetObject", "Resource": "arn:aws:s3:::photos/*"}"#],
        who: auditor(), action: "s3:GetObject", on: "arn:aws:s3:::photos/a.jpg",
        expect: Allow by "Auditor"
    }
    cross_account_public_grant_still_needs_the_identity_side {
        follows: "evaluation-logic-cross-account: a principal from another account needs its own account's permission as well",
        resource: [r#"{"Effect": "Allow", "Principal": "*", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::photos/*"}"#],
        who: carol(), action: "s3:GetObject", on: "arn:aws:s3:::photos/a.jpg",
        expect: ImplicitDeny
    }
    same_account_grant_to_the_account_needs_an_identity_allow {
        follows: "principal-accounts: naming the account delegates to it, also for its own principals",
        resource: [r#"{"Effect": "Allow", "Principal": {"AWS": "111122223333"}, "Action": "s3:GetObject", "Resource": "arn:aws:s3:::photos/*"}"#],
        who: alice(), action: "s3:GetObject", on: "arn:aws:s3:::photos/a.jpg",
        expect: ImplicitDeny
    }
    same_account_grant_to_the_account_with_an_identity_allow {
        follows: "principal-accounts and evaluation-logic: delegated, then allowed by the identity policy",
        identity: [r#"{"Sid": "Read", "Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}"#],
        resource: [r#"{"Effect": "Allow", "Principal": {"AWS": "111122223333"}, "Action": "s3:GetObject", "Resource": "arn:aws:s3:::photos/*"}"#],
        who: alice(), action: "s3:GetObject", on: "arn:aws:s3:::photos/a.jpg",
        expect: Allow by "Read"
    }
    resource_owned_by_the_other_account_makes_the_owners_user_cross_account {
        follows: "evaluation-logic-cross-account: the account that owns the resource decides which side is trusting",
        identity: [r#"{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}"#],
        who: alice(), action: "s3:GetObject", on: "arn:aws:s3:::partner-bucket/a.jpg", owner: OTHER,
        expect: ImplicitDeny
    }
}

/// The explanation of a cross-account implicit deny names the side that allowed and the side
/// that did not.
#[test]
fn cross_account_implicit_deny_is_explained() {
    use countersign_policy::{evaluate, Policy, Request};
    let identity = [Policy::identity(&format!(
        r#"{{"Version": "2012-10-17", "Statement": {CAROL_MAY_READ}}}"#
    ))
    .unwrap()];
    let resource: [Policy; 0] = [];
    let request =
        Request::new(carol(), "s3:GetObject", "arn:aws:s3:::photos/a.jpg").owned_by(OWNER);
    let evaluation = evaluate(&identity, &resource, &request);
    assert_eq!(
        evaluation.to_string(),
        "implicitly denied: identity policy 0, statement \"CarolRead\" allows this cross-account \
         request, and no resource policy does"
    );
}
