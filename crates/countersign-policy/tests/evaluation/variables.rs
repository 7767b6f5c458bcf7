//! Policy variables:
//! <https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_variables.html>.

use countersign_policy::Principal;

use crate::case::*;

const HOME: &str = r#"[
    {"Sid": "ListHome", "Effect": "Allow", "Action": "s3:ListBucket", "Resource": "arn:aws:s3:::DOC-EXAMPLE-BUCKET",
     "Condition": {"StringLike": {"s3:prefix": ["", "home/", "home/${aws:username}/"]}}},
    {"Sid": "OwnHome", "Effect": "Allow", "Action": "s3:*",
     "Resource": ["arn:aws:s3:::DOC-EXAMPLE-BUCKET/home/${aws:username}", "arn:aws:s3:::DOC-EXAMPLE-BUCKET/home/${aws:username}/*"]}]"#;

fn tagged_alice() -> Principal<'static> {
    alice().with_user_id("AIDAJQABLZS4A3QDU576Q")
}

cases! {
    username_in_the_resource_names_the_users_own_prefix {
        follows: "policies_variables: IAM replaces ${aws:username} with the friendly name of the current user",
        identity: [HOME],
        who: alice(), action: "s3:PutObject", on: "arn:aws:s3:::DOC-EXAMPLE-BUCKET/home/alice/notes.txt",
        expect: Allow by "OwnHome"
    }
    username_in_the_resource_does_not_name_another_users_prefix {
        follows: "policies_variables: a single policy for a group, each user limited to their own objects",
        identity: [HOME],
        who: alice(), action: "s3:GetObject", on: "arn:aws:s3:::DOC-EXAMPLE-BUCKET/home/division/bob/notes.txt",
        expect: ImplicitDeny
    }
    username_of_a_user_with_a_path_is_its_last_name {
        follows: "policies_variables: aws:username is the user's friendly name, without its path",
        identity: [HOME],
        who: bob(), action: "s3:GetObject", on: "arn:aws:s3:::DOC-EXAMPLE-BUCKET/home/bob/notes.txt",
        expect: Allow by "OwnHome"
    }
    username_in_a_condition_value {
        follows: "condition_operators#Conditions_String: StringLike with ${aws:username} for the s3:prefix of the home directory",
        identity: [HOME],
        who: alice(), action: "s3:ListBucket", on: "arn:aws:s3:::DOC-EXAMPLE-BUCKET",
        ctx: { "s3:prefix" => "home/alice/" },
        expect: Allow by "ListHome"
    }
    username_in_a_condition_value_for_another_prefix {
        follows: "condition_operators#Conditions_String: listing another user's prefix does not match",
        identity: [HOME],
        who: alice(), action: "s3:ListBucket", on: "arn:aws:s3:::DOC-EXAMPLE-BUCKET",
        ctx: { "s3:prefix" => "home/bob/" },
        expect: ImplicitDeny
    }
    username_is_absent_for_a_role_session {
        follows: "policies_variables: aws:username is available only for IAM users; a statement whose variable cannot be resolved does not apply",
        identity: [HOME],
        who: reader(), action: "s3:GetObject", on: "arn:aws:s3:::DOC-EXAMPLE-BUCKET/home/reader/notes.txt",
        expect: ImplicitDeny
    }
    unresolved_variable_makes_the_whole_statement_not_apply {
        follows: "policies_variables: if AWS cannot resolve a variable this might cause the entire statement to be invalid (even for the value without the variable)",
        identity: [HOME],
        who: reader(), action: "s3:ListBucket", on: "arn:aws:s3:::DOC-EXAMPLE-BUCKET",
        ctx: { "s3:prefix" => "" },
        expect: ImplicitDeny
    }
    unresolved_variable_makes_a_deny_not_apply {
        follows: "policies_variables: an unresolved variable makes the statement invalid, a Deny included",
        identity: [r#"[{"Sid": "All", "Effect": "Allow", "Action": "s3:*", "Resource": "*"},
                       {"Effect": "Deny", "Action": "s3:*", "Resource": "arn:aws:s3:::b/${aws:PrincipalTag/team}/*"}]"#],
        who: alice(), action: "s3:GetObject", on: "arn:aws:s3:::b/storage/k",
        expect: Allow by "All"
    }
    principal_tag_variable {
        follows: "policies_variables: tags as variables, ${aws:PrincipalTag/team}",
        identity: [r#"{"Sid": "TeamPrefix", "Effect": "Allow", "Action": "s3:*", "Resource": "arn:aws:s3:::b/${aws:PrincipalTag/team}/*"}"#],
        who: alice(), action: "s3:GetObject", on: "arn:aws:s3:::b/storage/k",
        ctx: { "aws:PrincipalTag/team" => "storage" },
        expect: Allow by "TeamPrefix"
    }
    userid_variable {
        follows: "policies_variables: ${aws:userid} is the unique identifier of the current user",
        identity: [r#"{"Sid": "ById", "Effect": "Allow", "Action": "s3:*", "Resource": "arn:aws:s3:::b/${aws:userid}/*"}"#],
        who: tagged_alice(), action: "s3:GetObject", on: "arn:aws:s3:::b/AIDAJQABLZS4A3QDU576Q/k",
        expect: Allow by "ById"
    }
    userid_of_the_root_user_is_the_account {
        follows: "policies_variables (Request information): for the account root user, aws:userid is the account ID",
        identity: [r#"{"Sid": "ById", "Effect": "Allow", "Action": "s3:*", "Resource": "arn:aws:s3:::b/${aws:userid}/*"}"#],
        who: owner_root(), action: "s3:GetObject", on: "arn:aws:s3:::b/111122223333/k",
        expect: Allow by "ById"
    }
    userid_of_an_anonymous_request {
        follows: "policies_variables (Request information): for anonymous requests, aws:userid is anonymous",
        resource: [r#"{"Sid": "Drop", "Effect": "Allow", "Principal": "*", "Action": "s3:PutObject", "Resource": "arn:aws:s3:::b/${aws:userid}/*"}"#],
        who: anonymous(), action: "s3:PutObject", on: "arn:aws:s3:::b/anonymous/k",
        expect: Allow by "Drop"
    }
    variable_names_are_not_case_sensitive {
        follows: "policies_variables: variable names are condition keys, whose names are not case sensitive",
        identity: [r#"{"Sid": "OwnHome", "Effect": "Allow", "Action": "s3:*", "Resource": "arn:aws:s3:::b/home/${AWS:UserName}/*"}"#],
        who: alice(), action: "s3:GetObject", on: "arn:aws:s3:::b/home/alice/k",
        expect: Allow by "OwnHome"
    }
    multivalued_key_is_not_substituted {
        follows: "policies_variables: only single-valued keys can be used as variables; a multivalued one leaves the statement unresolved",
        identity: [r#"{"Effect": "Allow", "Action": "s3:*", "Resource": "arn:aws:s3:::b/${aws:TagKeys}/*"}"#],
        who: alice(), action: "s3:GetObject", on: "arn:aws:s3:::b/team/k",
        ctx: { "aws:TagKeys" => ["team", "cost"] },
        expect: ImplicitDeny
    }
    star_escape_is_a_literal_star {
        follows: "policies_variables#policy-vars-specialchars: ${*} stands for a literal *",
        identity: [r#"{"Sid": "Literal", "Effect": "Allow", "Action": "s3:*", "Resource": "arn:aws:s3:::b/${*}"}"#],
        who: alice(), action: "s3:GetObject", on: "arn:aws:s3:::b/*",
        expect: Allow by "Literal"
    }
    star_escape_is_not_a_wildcard {
        follows: "policies_variables#policy-vars-specialchars: ${*} does not match other keys",
        identity: [r#"{"Effect": "Allow", "Action": "s3:*", "Resource": "arn:aws:s3:::b/${*}"}"#],
        who: alice(), action: "s3:GetObject", on: "arn:aws:s3:::b/anything",
        expect: ImplicitDeny
    }
    question_mark_escape_is_a_literal_question_mark {
        follows: "policies_variables#policy-vars-specialchars: ${?} stands for a literal ?",
        identity: [r#"{"Effect": "Allow", "Action": "s3:*", "Resource": "arn:aws:s3:::b/what${?}"}"#],
        who: alice(), action: "s3:GetObject", on: "arn:aws:s3:::b/whatX",
        expect: ImplicitDeny
    }
    dollar_escape_is_a_literal_dollar {
        follows: "policies_variables#policy-vars-specialchars: ${$} stands for a literal $",
        identity: [r#"{"Sid": "Dollar", "Effect": "Allow", "Action": "s3:*", "Resource": "arn:aws:s3:::b/${$}{aws:username}"}"#],
        who: alice(), action: "s3:GetObject", on: "arn:aws:s3:::b/${aws:username}",
        expect: Allow by "Dollar"
    }
    variables_are_text_in_version_2008 {
        follows: "policies_variables: variables were introduced in version 2012-10-17; earlier versions treat them as literal text",
        version: "2008-10-17",
        identity: [r#"{"Sid": "Old", "Effect": "Allow", "Action": "s3:*", "Resource": "arn:aws:s3:::b/${aws:username}/*"}"#],
        who: alice(), action: "s3:GetObject", on: "arn:aws:s3:::b/${aws:username}/k",
        expect: Allow by "Old"
    }
    variables_are_not_substituted_in_version_2008 {
        follows: "policies_variables: in version 2008-10-17 ${aws:username} is not replaced",
        version: "2008-10-17",
        identity: [r#"{"Effect": "Allow", "Action": "s3:*", "Resource": "arn:aws:s3:::b/${aws:username}/*"}"#],
        who: alice(), action: "s3:GetObject", on: "arn:aws:s3:::b/alice/k",
        expect: ImplicitDeny
    }
    principal_arn_key_of_a_role_session_is_the_role {
        follows: "condition-keys#condition-keys-principalarn: for a role session, aws:PrincipalArn is the role's ARN",
        identity: [r#"{"Effect": "Allow", "Action": "s3:*", "Resource": "*",
                       "Condition": {"ArnEquals": {"aws:PrincipalArn": "arn:aws:iam::111122223333:role/reader"}}}"#],
        who: reader(), action: "s3:GetObject", on: "arn:aws:s3:::b/k",
        expect: Allow
    }
    principal_account_key {
        follows: "condition-keys#condition-keys-principalaccount: the account the requesting principal belongs to",
        resource: [r#"{"Sid": "OwnAccount", "Effect": "Allow", "Principal": "*", "Action": "s3:GetObject", "Resource": "*",
                       "Condition": {"StringEquals": {"aws:PrincipalAccount": "111122223333"}}}"#],
        who: bob(), action: "s3:GetObject", on: "arn:aws:s3:::b/k",
        expect: Allow by "OwnAccount"
    }
    principal_type_key {
        follows: "condition-keys#condition-keys-principaltype: AssumedRole for a role session",
        identity: [r#"{"Effect": "Allow", "Action": "s3:*", "Resource": "*",
                       "Condition": {"StringEquals": {"aws:PrincipalType": "AssumedRole"}}}"#],
        who: reader(), action: "s3:GetObject", on: "arn:aws:s3:::b/k",
        expect: Allow
    }
}
