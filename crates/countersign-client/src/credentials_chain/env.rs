//! Credentials from environment variables, read as the AWS CLI reads them.

use crate::credentials::Credentials;
use crate::provider::{
    CredentialsError, CredentialsErrorKind, CredentialsFuture, ProvideCredentials,
};

use super::{parse_expiration, Environment};

const SOURCE: &str = "environment";

/// Credentials from `AWS_ACCESS_KEY_ID` and `AWS_SECRET_ACCESS_KEY`, with the session token
/// of `AWS_SESSION_TOKEN` (or the older `AWS_SECURITY_TOKEN`, which the AWS CLI reads first)
/// and the expiry of `AWS_CREDENTIAL_EXPIRATION` (RFC 3339), when set.
///
/// No access key id is [`CredentialsErrorKind::NotFound`]; an access key id without its
/// secret, or an expiry that is not a timestamp, is [`CredentialsErrorKind::Invalid`]. The
/// Java SDK's `AWS_ACCESS_KEY` and `AWS_SECRET_KEY` are not read: the AWS CLI does not read
/// them either.
///
/// ```
/// use countersign_client::credentials_chain::{Environment, EnvironmentProvider};
///
/// let env = Environment::from_vars([
///     ("AWS_ACCESS_KEY_ID", "AKIDEXAMPLE"),
///     ("AWS_SECRET_ACCESS_KEY", "secret"),
/// ]);
/// let credentials = EnvironmentProvider::new(env).credentials()?;
/// assert_eq!(credentials.access_key_id, "AKIDEXAMPLE");
/// # Ok::<(), countersign_client::CredentialsError>(())
/// ```
#[derive(Debug, Clone)]
pub struct EnvironmentProvider {
    env: Environment,
}

impl EnvironmentProvider {
    /// A provider reading `env`.
    pub fn new(env: Environment) -> Self {
        EnvironmentProvider { env }
    }

    /// The credentials of the environment, read now (they need no waiting).
    pub fn credentials(&self) -> Result<Credentials, CredentialsError> {
        let error = |kind, message: &str| CredentialsError::new(SOURCE, kind, message);
        let Some(access_key_id) = self.env.get("AWS_ACCESS_KEY_ID") else {
            return Err(error(
                CredentialsErrorKind::NotFound,
                "AWS_ACCESS_KEY_ID is not set",
            ));
        };
        let Some(secret) = self.env.get("AWS_SECRET_ACCESS_KEY") else {
            return Err(error(
                CredentialsErrorKind::Invalid,
                "AWS_ACCESS_KEY_ID is set but AWS_SECRET_ACCESS_KEY is not",
            ));
        };
        let mut credentials = Credentials::new(access_key_id, secret);
        if let Some(token) = self
            .env
            .get("AWS_SECURITY_TOKEN")
            .or_else(|| self.env.get("AWS_SESSION_TOKEN"))
        {
            credentials = credentials.with_session_token(token);
        }
        if let Some(expiration) = self.env.get("AWS_CREDENTIAL_EXPIRATION") {
            let expires_at = parse_expiration(&expiration).map_err(|why| {
                error(
                    CredentialsErrorKind::Invalid,
                    &format!("AWS_CREDENTIAL_EXPIRATION is not an RFC 3339 timestamp: {why}"),
                )
            })?;
            credentials = credentials.with_expiry(expires_at);
        }
        Ok(credentials)
    }
}

impl ProvideCredentials for EnvironmentProvider {
    fn provide_credentials(&self) -> CredentialsFuture<'_> {
        Box::pin(std::future::ready(self.credentials()))
    }
}
