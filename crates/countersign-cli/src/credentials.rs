//! Where the credentials and the default region come from: flags, the environment, then the
//! profiles of `~/.aws/credentials` and `~/.aws/config`.

use std::path::PathBuf;

use clap::Args;
use countersign_client::Credentials;

use crate::error::{io_reason, CliError, Kind, Result};
use crate::ini::Ini;

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

/// The environment, read once (tests and the real process alike).
fn env(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.is_empty())
}

/// The two profile files, read when present.
struct Profiles {
    name: String,
    credentials: Ini,
    config: Ini,
}

impl Profiles {
    fn load(args: &CredentialArgs) -> Result<Profiles> {
        let name = args
            .profile
            .clone()
            .or_else(|| env("AWS_PROFILE"))
            .unwrap_or_else(|| "default".to_string());
        let home = env("HOME")
            .or_else(|| env("USERPROFILE"))
            .map(PathBuf::from);
        let path = |variable: &str, file: &str| {
            env(variable)
                .map(PathBuf::from)
                .or_else(|| home.as_ref().map(|h| h.join(".aws").join(file)))
        };
        let read = |path: Option<PathBuf>| -> Result<Ini> {
            let Some(path) = path else {
                return Ok(Ini::default());
            };
            match std::fs::read_to_string(&path) {
                Ok(text) => Ok(Ini::parse(&text)),
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Ini::default()),
                Err(e) => Err(CliError::new(
                    Kind::Credentials,
                    format!("cannot read {}: {}", path.display(), io_reason(&e)),
                )),
            }
        };
        Ok(Profiles {
            credentials: read(path("AWS_SHARED_CREDENTIALS_FILE", "credentials"))?,
            config: read(path("AWS_CONFIG_FILE", "config"))?,
            name,
        })
    }

    /// `key` of the profile: the credentials file's `[name]` first, then the config file's
    /// `[profile name]` (or `[default]`).
    fn get(&self, key: &str) -> Option<String> {
        let config_section = if self.name == "default" {
            "default".to_string()
        } else {
            format!("profile {}", self.name)
        };
        self.credentials
            .get(&self.name, key)
            .or_else(|| self.config.get(&config_section, key))
            .filter(|v| !v.is_empty())
            .map(str::to_string)
    }

    fn exists(&self) -> bool {
        self.credentials.has_section(&self.name)
            || self.config.has_section(&format!("profile {}", self.name))
            || (self.name == "default" && self.config.has_section("default"))
    }
}

/// The credentials to sign with: the flags, else the environment (unless `--profile` was
/// given), else the profile.
pub(crate) fn resolve(args: &CredentialArgs) -> Result<Credentials> {
    let profiles = Profiles::load(args)?;
    let from_env = args.profile.is_none() && env("AWS_ACCESS_KEY_ID").is_some();
    let lookup = |flag: &Option<String>, variable: &str, key: &str| {
        flag.clone().or_else(|| {
            if from_env {
                env(variable)
            } else {
                profiles.get(key)
            }
        })
    };
    let access_key = lookup(&args.access_key, "AWS_ACCESS_KEY_ID", "aws_access_key_id");
    let secret = lookup(
        &args.secret_key,
        "AWS_SECRET_ACCESS_KEY",
        "aws_secret_access_key",
    );
    let token = lookup(
        &args.session_token,
        "AWS_SESSION_TOKEN",
        "aws_session_token",
    );
    if args.profile.is_some() && !profiles.exists() {
        return Err(CliError::new(
            Kind::Credentials,
            format!(
                "no profile [{}] in ~/.aws/credentials or ~/.aws/config",
                profiles.name
            ),
        ));
    }
    match (access_key, secret) {
        (Some(id), Some(secret)) => {
            let credentials = Credentials::new(id, secret);
            Ok(match token {
                Some(token) => credentials.with_session_token(token),
                None => credentials,
            })
        }
        (Some(_), None) => Err(CliError::new(
            Kind::Credentials,
            "an access key id but no secret: give --secret-key, AWS_SECRET_ACCESS_KEY or a profile's aws_secret_access_key",
        )),
        (None, _) => Err(CliError::new(
            Kind::Credentials,
            format!(
                "no credentials: give --access-key and --secret-key, set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, \
                 or add them to profile [{}] of ~/.aws/credentials",
                profiles.name
            ),
        )),
    }
}

/// The region of the environment or the profile, when no flag and no host says it.
pub(crate) fn default_region(args: &CredentialArgs) -> Option<String> {
    if args.profile.is_none() {
        if let Some(region) = env("AWS_REGION").or_else(|| env("AWS_DEFAULT_REGION")) {
            return Some(region);
        }
    }
    Profiles::load(args).ok().and_then(|p| p.get("region"))
}
