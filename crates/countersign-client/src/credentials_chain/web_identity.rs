//! Web identity from the environment (`AWS_WEB_IDENTITY_TOKEN_FILE` and `AWS_ROLE_ARN`, as
//! EKS sets them): a role assumed with STS `AssumeRoleWithWebIdentity`.

use std::io::Read;
use std::sync::Arc;

use crate::credentials::Credentials;
use crate::provider::{
    CredentialsError, CredentialsErrorKind, CredentialsFuture, ProvideCredentials,
};

use super::sts::{AssumeRole, WebIdentityRequest, NOT_SUPPORTED};
use super::Environment;

/// The largest token file read (a JSON web token is a kilobyte or two).
const MAX_TOKEN_SIZE: u64 = 64 * 1024;

const SOURCE: &str = "web identity";

/// The role of `AWS_ROLE_ARN`, assumed with the token of the file
/// `AWS_WEB_IDENTITY_TOKEN_FILE` (session name `AWS_ROLE_SESSION_NAME`, when set), through
/// the [`AssumeRole`] plugged in.
///
/// Neither variable set is [`NotFound`](CredentialsErrorKind::NotFound). Both set without
/// an [`AssumeRole`] is [`Invalid`](CredentialsErrorKind::Invalid), so that a chain stops
/// there rather than go on to other credentials (on EKS, those of the node).
#[derive(Debug, Clone)]
pub struct WebIdentityProvider {
    env: Environment,
    assume_role: Option<Arc<dyn AssumeRole>>,
}

impl WebIdentityProvider {
    /// A provider reading `env`, with no STS client.
    pub fn new(env: Environment) -> Self {
        WebIdentityProvider {
            env,
            assume_role: None,
        }
    }

    /// The same provider, assuming the role through `sts`.
    pub fn assume_role(mut self, sts: Arc<dyn AssumeRole>) -> Self {
        self.assume_role = Some(sts);
        self
    }

    /// The role's credentials.
    pub async fn credentials(&self) -> Result<Credentials, CredentialsError> {
        let error = |kind, message: String| CredentialsError::new(SOURCE, kind, message);
        let (token_file, role_arn) = match (
            self.env.get("AWS_WEB_IDENTITY_TOKEN_FILE"),
            self.env.get("AWS_ROLE_ARN"),
        ) {
            (Some(file), Some(role)) => (file, role),
            (None, None) => {
                return Err(error(
                    CredentialsErrorKind::NotFound,
                    "AWS_WEB_IDENTITY_TOKEN_FILE and AWS_ROLE_ARN are not set".to_string(),
                ))
            }
            (Some(_), None) => {
                return Err(error(
                    CredentialsErrorKind::Invalid,
                    "AWS_WEB_IDENTITY_TOKEN_FILE is set but AWS_ROLE_ARN is not".to_string(),
                ))
            }
            (None, Some(_)) => {
                return Err(error(
                    CredentialsErrorKind::Invalid,
                    "AWS_ROLE_ARN is set but AWS_WEB_IDENTITY_TOKEN_FILE is not".to_string(),
                ))
            }
        };
        let Some(sts) = &self.assume_role else {
            return Err(error(
                CredentialsErrorKind::Invalid,
                format!("AWS_ROLE_ARN {role_arn} is to be assumed with a web identity token, {NOT_SUPPORTED}"),
            ));
        };
        let request = WebIdentityRequest {
            profile: None,
            role_arn,
            role_session_name: self.env.get("AWS_ROLE_SESSION_NAME"),
            token: read_token(&token_file, SOURCE)?,
        };
        sts.assume_role_with_web_identity(&request).await
    }
}

impl ProvideCredentials for WebIdentityProvider {
    fn provide_credentials(&self) -> CredentialsFuture<'_> {
        Box::pin(self.credentials())
    }
}

/// The token of a web identity token file, bounded, without surrounding whitespace.
pub(crate) fn read_token(path: &str, source: &str) -> Result<String, CredentialsError> {
    let invalid =
        |message: String| CredentialsError::new(source, CredentialsErrorKind::Invalid, message);
    let file = std::fs::File::open(path).map_err(|e| {
        invalid(format!(
            "cannot read the web identity token file {path}: {e}"
        ))
    })?;
    let mut bytes = Vec::new();
    file.take(MAX_TOKEN_SIZE + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| {
            invalid(format!(
                "cannot read the web identity token file {path}: {e}"
            ))
        })?;
    if bytes.len() as u64 > MAX_TOKEN_SIZE {
        return Err(invalid(format!(
            "the web identity token file {path} is larger than {} KiB",
            MAX_TOKEN_SIZE / 1024
        )));
    }
    let token = String::from_utf8(bytes)
        .map_err(|_| invalid(format!("the web identity token file {path} is not text")))?;
    Ok(token.trim().to_string())
}
