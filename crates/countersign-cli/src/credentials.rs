//! Where the credentials and the default region come from: the flags, else the client's
//! credential chain (the environment, the profiles of `~/.aws/credentials` and
//! `~/.aws/config`, container credentials, EC2 instance metadata).

use clap::Args;
use countersign_client::credentials_chain::{self, DefaultCredentialsChain, Environment};
use countersign_client::{Credentials, CredentialsErrorKind, SecretKey};

use crate::error::{CliError, Kind, Result};

/// The credential flags every signing subcommand takes.
#[derive(Debug, Clone, Default, Args)]
pub(crate) struct CredentialArgs {
    /// Access key id (else AWS_ACCESS_KEY_ID, else the profile's aws_access_key_id).
    #[arg(long, value_name = "ID", help_heading = "Credentials")]
    pub(crate) access_key: Option<String>,

    /// Secret access key (else AWS_SECRET_ACCESS_KEY, else the profile's
    /// aws_secret_access_key).
    #[arg(long, value_name = "SECRET", help_heading = "Credentials")]
    pub(crate) secret_key: Option<String>,

    /// Session token of temporary credentials (else AWS_SESSION_TOKEN, else the profile's
    /// aws_session_token).
    #[arg(long, value_name = "TOKEN", help_heading = "Credentials")]
    pub(crate) session_token: Option<String>,

    /// Profile of ~/.aws/credentials and ~/.aws/config to use (else AWS_PROFILE, else
    /// `default`). Naming a profile makes it win over the AWS_* variables.
    #[arg(long, value_name = "NAME", help_heading = "Credentials")]
    pub(crate) profile: Option<String>,
}

/// The credentials to sign with: `--access-key` and `--secret-key` (with `--session-token`)
/// when both are given; else the client's chain, each flag given replacing its part.
pub(crate) fn resolve(args: &CredentialArgs) -> Result<Credentials> {
    if let (Some(id), Some(secret)) = (&args.access_key, &args.secret_key) {
        let credentials = Credentials::new(id, secret);
        return Ok(match &args.session_token {
            Some(token) => credentials.with_session_token(token),
            None => credentials,
        });
    }
    let chain = DefaultCredentialsChain::new(Environment::process()).profile(args.profile.clone());
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| {
            CliError::new(
                Kind::Credentials,
                format!("cannot look for credentials: {e}"),
            )
        })?;
    match runtime.block_on(chain.credentials()) {
        Ok(mut credentials) => {
            if let Some(id) = &args.access_key {
                credentials.access_key_id = id.clone();
            }
            if let Some(secret) = &args.secret_key {
                credentials.secret = SecretKey::new(secret.clone());
            }
            if let Some(token) = &args.session_token {
                credentials.session_token = Some(token.clone());
            }
            Ok(credentials)
        }
        Err(e) if e.kind() == CredentialsErrorKind::NotFound => match args.access_key {
            Some(_) => Err(CliError::new(
                Kind::Credentials,
                "an access key id but no secret: give --secret-key, AWS_SECRET_ACCESS_KEY or a profile's aws_secret_access_key",
            )),
            None => Err(CliError::new(
                Kind::Credentials,
                format!(
                    "no credentials: give --access-key and --secret-key, set AWS_ACCESS_KEY_ID and \
                     AWS_SECRET_ACCESS_KEY, or add them to a profile of ~/.aws/credentials; {}",
                    e.message()
                ),
            )),
        },
        Err(e) => Err(CliError::new(Kind::Credentials, e.to_string())),
    }
}

/// The region of the environment or the profile, when no flag and no host says it (a
/// profile file that cannot be read says nothing here: the credentials report it).
pub(crate) fn default_region(args: &CredentialArgs) -> Option<String> {
    credentials_chain::default_region(&Environment::process(), args.profile.as_deref())
        .ok()
        .flatten()
}
