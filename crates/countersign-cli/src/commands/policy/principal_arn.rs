//! The principal of `policy check --principal ARN`: a user, an account's root user, a role
//! session or a federated user, told apart by the shape of the ARN.

use countersign_policy::Principal;

use crate::error::{CliError, Result};

/// The ARN of the role of a role session's ARN
/// (`arn:PARTITION:sts::ACCOUNT:assumed-role/ROLE/SESSION` gives
/// `arn:PARTITION:iam::ACCOUNT:role/ROLE`), without the role's path, which the session's ARN
/// does not carry; `None` for an ARN of another shape.
pub(crate) fn session_role(session: &str) -> Option<String> {
    let mut parts = session.splitn(6, ':');
    let (arn, partition, service, region, account, resource) = (
        parts.next()?,
        parts.next()?,
        parts.next()?,
        parts.next()?,
        parts.next()?,
        parts.next()?,
    );
    let role = resource.strip_prefix("assumed-role/")?.split('/').next()?;
    let ok = arn == "arn" && service == "sts" && region.is_empty() && !role.is_empty();
    ok.then(|| format!("arn:{partition}:iam::{account}:role/{role}"))
}

/// The principal an ARN names; `role` is the role of a role session. An ARN of another
/// shape is a usage error that says which shapes are accepted.
pub(crate) fn principal<'a>(arn: &'a str, role: Option<&'a str>) -> Result<Principal<'a>> {
    let session = arn.contains(":assumed-role/");
    if let Some(role) = role.filter(|_| !session) {
        return Err(CliError::usage(format!(
            "--role-arn {role} goes with the ARN of a role session \
             (arn:aws:sts::ACCOUNT:assumed-role/ROLE/SESSION), and --principal is {arn}"
        )));
    }
    if session {
        return role
            .and_then(|role| Principal::assumed_role(arn, role))
            .ok_or_else(|| {
                CliError::usage(format!(
                    "--principal {arn} is not a role session's ARN \
                     (arn:aws:sts::ACCOUNT:assumed-role/ROLE/SESSION) of the role {}",
                    role.unwrap_or("named in it")
                ))
            });
    }
    let found = Principal::user(arn)
        .or_else(|| Principal::root(arn))
        .or_else(|| Principal::federated_user(arn));
    if let Some(principal) = found {
        return Ok(principal);
    }
    let hint = if arn.contains(":role/") {
        ": a role makes no request itself; give the ARN of one of its sessions, \
         arn:aws:sts::ACCOUNT:assumed-role/ROLE/SESSION"
    } else {
        ""
    };
    Err(CliError::usage(format!(
        "--principal \"{}\" is not the ARN of a user (arn:aws:iam::ACCOUNT:user/NAME), an \
         account's root user (arn:aws:iam::ACCOUNT:root), a role session \
         (arn:aws:sts::ACCOUNT:assumed-role/ROLE/SESSION) or a federated user \
         (arn:aws:sts::ACCOUNT:federated-user/NAME){hint}",
        arn.escape_debug()
    )))
}

#[cfg(test)]
mod tests {
    use countersign_policy::PrincipalKind;

    use super::{principal, session_role};

    #[test]
    fn session_role_is_the_role_named_in_the_session() {
        assert_eq!(
            session_role("arn:aws:sts::111122223333:assumed-role/reader/s-1").as_deref(),
            Some("arn:aws:iam::111122223333:role/reader")
        );
        assert_eq!(
            session_role("arn:aws-cn:sts::111122223333:assumed-role/reader/s-1").as_deref(),
            Some("arn:aws-cn:iam::111122223333:role/reader")
        );
    }

    #[test]
    fn session_role_of_another_arn_is_none() {
        assert_eq!(session_role("arn:aws:iam::111122223333:user/alice"), None);
        assert_eq!(
            session_role("arn:aws:sts::111122223333:assumed-role/"),
            None
        );
    }

    #[test]
    fn user_root_session_and_federated_user_are_principals() {
        let kind = |arn: &str, role: Option<&str>| principal(arn, role).map(|p| p.kind()).ok();
        assert_eq!(
            kind("arn:aws:iam::111122223333:user/alice", None),
            Some(PrincipalKind::User)
        );
        assert_eq!(
            kind("arn:aws:iam::111122223333:root", None),
            Some(PrincipalKind::Account)
        );
        assert_eq!(
            kind(
                "arn:aws:sts::111122223333:assumed-role/reader/s-1",
                Some("arn:aws:iam::111122223333:role/team/reader")
            ),
            Some(PrincipalKind::AssumedRole)
        );
        assert_eq!(
            kind("arn:aws:sts::111122223333:federated-user/bob", None),
            Some(PrincipalKind::FederatedUser)
        );
    }

    #[test]
    fn session_of_another_role_is_refused() {
        let error = principal(
            "arn:aws:sts::111122223333:assumed-role/reader/s-1",
            Some("arn:aws:iam::111122223333:role/writer"),
        )
        .unwrap_err();
        assert!(error
            .message
            .contains("of the role arn:aws:iam::111122223333:role/writer"));
    }

    #[test]
    fn role_arn_with_a_user_is_refused() {
        let error = principal(
            "arn:aws:iam::111122223333:user/alice",
            Some("arn:aws:iam::111122223333:role/writer"),
        )
        .unwrap_err();
        assert!(error.message.starts_with("--role-arn"), "{}", error.message);
    }
}
