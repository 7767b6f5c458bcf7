//! The seam where roles are assumed through STS: profiles with `role_arn` and
//! `source_profile`, and web identity tokens, need a client of STS (`AssumeRole`,
//! `AssumeRoleWithWebIdentity`), plugged in as an [`AssumeRole`]: the `sts` feature's
//! `StsClient` (which `DefaultCredentialsChain` plugs in by itself with that feature), or a
//! program's own. Without one, such a profile is an
//! [`Invalid`](crate::CredentialsErrorKind::Invalid) error that says so.

use std::fmt;

use crate::credentials::Credentials;
use crate::provider::CredentialsFuture;

/// One role to assume with STS `AssumeRole`, as a profile describes it.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct AssumeRoleRequest {
    /// The profile that names the role.
    pub profile: String,
    /// `role_arn`.
    pub role_arn: String,
    /// `role_session_name`, when set.
    pub role_session_name: Option<String>,
    /// `external_id`, when set.
    pub external_id: Option<String>,
    /// `mfa_serial`, when set (the caller asks for the code).
    pub mfa_serial: Option<String>,
    /// `duration_seconds`, when set.
    pub duration_seconds: Option<u32>,
}

impl AssumeRoleRequest {
    /// A request for `role_arn` alone, of no profile (`profile` empty), the other settings
    /// unset (the fields are public, to be set after).
    pub fn new(role_arn: impl Into<String>) -> Self {
        AssumeRoleRequest {
            profile: String::new(),
            role_arn: role_arn.into(),
            role_session_name: None,
            external_id: None,
            mfa_serial: None,
            duration_seconds: None,
        }
    }
}

/// One role to assume with STS `AssumeRoleWithWebIdentity`: from a profile's
/// `web_identity_token_file`, or from `AWS_WEB_IDENTITY_TOKEN_FILE` and `AWS_ROLE_ARN`.
#[derive(Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct WebIdentityRequest {
    /// The profile that names the role (`None` for the environment's).
    pub profile: Option<String>,
    /// The role's ARN.
    pub role_arn: String,
    /// The session name, when set.
    pub role_session_name: Option<String>,
    /// The token, read from its file just before the call (the file is rotated).
    pub token: String,
}

impl WebIdentityRequest {
    /// A request for `role_arn` with `token`, of no profile and no session name.
    pub fn new(role_arn: impl Into<String>, token: impl Into<String>) -> Self {
        WebIdentityRequest {
            profile: None,
            role_arn: role_arn.into(),
            role_session_name: None,
            token: token.into(),
        }
    }
}

/// Does not show the token.
impl fmt::Debug for WebIdentityRequest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WebIdentityRequest")
            .field("profile", &self.profile)
            .field("role_arn", &self.role_arn)
            .field("role_session_name", &self.role_session_name)
            .finish_non_exhaustive()
    }
}

/// A client of STS that assumes roles for the profiles and the chain.
pub trait AssumeRole: Send + Sync + fmt::Debug {
    /// `AssumeRole` of `request.role_arn`, signed with `source`.
    fn assume_role<'a>(
        &'a self,
        source: Credentials,
        request: &'a AssumeRoleRequest,
    ) -> CredentialsFuture<'a>;

    /// `AssumeRoleWithWebIdentity` of `request.role_arn` with `request.token` (unsigned).
    fn assume_role_with_web_identity<'a>(
        &'a self,
        request: &'a WebIdentityRequest,
    ) -> CredentialsFuture<'a>;
}

/// What the errors say when no [`AssumeRole`] is plugged in.
pub(crate) const NOT_SUPPORTED: &str =
    "which needs STS, not supported without an AssumeRole plugged in (the `sts` feature's StsClient is one)";
