//! The two shared files, `~/.aws/credentials` and `~/.aws/config`, read and merged per
//! profile as the AWS CLI merges them.

use std::io::Read;
use std::path::{Path, PathBuf};

use crate::provider::{CredentialsError, CredentialsErrorKind};

use super::ini::Ini;
use super::Environment;

/// The largest profile file read (these files are a few kilobytes).
const MAX_FILE_SIZE: u64 = 1024 * 1024;

/// The credentials file (`AWS_SHARED_CREDENTIALS_FILE`, else `~/.aws/credentials`, sections
/// `[NAME]`) and the config file (`AWS_CONFIG_FILE`, else `~/.aws/config`, sections
/// `[profile NAME]` and `[default]`), each absent when it does not exist.
#[derive(Debug)]
pub(crate) struct ProfileFiles {
    credentials: Option<Ini>,
    config: Option<Ini>,
    credentials_path: Option<PathBuf>,
    config_path: Option<PathBuf>,
}

/// Which of the two files a value came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum FileKind {
    Credentials,
    Config,
}

impl ProfileFiles {
    /// Reads both files. A missing file is empty; one that cannot be read, or a malformed
    /// one, is an [`Invalid`](CredentialsErrorKind::Invalid) error naming the file (and the
    /// line).
    pub(crate) fn load(env: &Environment) -> Result<ProfileFiles, CredentialsError> {
        let credentials_path = env.aws_file("AWS_SHARED_CREDENTIALS_FILE", "credentials");
        let config_path = env.aws_file("AWS_CONFIG_FILE", "config");
        Ok(ProfileFiles {
            credentials: read(credentials_path.as_deref())?,
            config: read(config_path.as_deref())?,
            credentials_path,
            config_path,
        })
    }

    /// The section of `profile` in the config file: `[profile NAME]`, or for `default`
    /// `[default]` too (the AWS CLI reads `[profile default]` first).
    fn config_section(&self, profile: &str) -> Option<String> {
        let config = self.config.as_ref()?;
        let named = format!("profile {profile}");
        if config.has_section(&named) {
            Some(named)
        } else if profile == "default" && config.has_section("default") {
            Some("default".to_string())
        } else {
            None
        }
    }

    /// `key` of `profile` in one file (empty values count as unset).
    pub(crate) fn get_in(&self, kind: FileKind, profile: &str, key: &str) -> Option<&str> {
        let value = match kind {
            FileKind::Credentials => self.credentials.as_ref()?.get(profile, key),
            FileKind::Config => {
                let section = self.config_section(profile)?;
                self.config.as_ref()?.get(&section, key)
            }
        };
        value.filter(|v| !v.is_empty())
    }

    /// `key` of `profile`: the credentials file's first, then the config file's, as the AWS
    /// CLI merges the two.
    pub(crate) fn get(&self, profile: &str, key: &str) -> Option<&str> {
        self.get_in(FileKind::Credentials, profile, key)
            .or_else(|| self.get_in(FileKind::Config, profile, key))
    }

    /// Whether either file has the profile.
    pub(crate) fn exists(&self, profile: &str) -> bool {
        self.credentials
            .as_ref()
            .is_some_and(|file| file.has_section(profile))
            || self.config_section(profile).is_some()
    }

    /// The path of one file, for messages.
    pub(crate) fn path(&self, kind: FileKind) -> String {
        let path = match kind {
            FileKind::Credentials => &self.credentials_path,
            FileKind::Config => &self.config_path,
        };
        match path {
            Some(path) => path.display().to_string(),
            None => match kind {
                FileKind::Credentials => "~/.aws/credentials (no home directory)".to_string(),
                FileKind::Config => "~/.aws/config (no home directory)".to_string(),
            },
        }
    }

    /// Both paths, for messages: `A or B`.
    pub(crate) fn paths(&self) -> String {
        format!(
            "{} or {}",
            self.path(FileKind::Credentials),
            self.path(FileKind::Config)
        )
    }
}

/// Reads and parses one file; `None` when there is no such file.
fn read(path: Option<&Path>) -> Result<Option<Ini>, CredentialsError> {
    let Some(path) = path else {
        return Ok(None);
    };
    let invalid = |message: String| {
        CredentialsError::new("profile files", CredentialsErrorKind::Invalid, message)
    };
    let file = match std::fs::File::open(path) {
        Ok(file) => file,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(invalid(format!("cannot read {}: {e}", path.display()))),
    };
    let mut bytes = Vec::new();
    file.take(MAX_FILE_SIZE + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| invalid(format!("cannot read {}: {e}", path.display())))?;
    if bytes.len() as u64 > MAX_FILE_SIZE {
        return Err(invalid(format!(
            "{} is larger than {} KiB",
            path.display(),
            MAX_FILE_SIZE / 1024
        )));
    }
    let text = String::from_utf8(bytes)
        .map_err(|_| invalid(format!("{} is not UTF-8 text", path.display())))?;
    let ini = Ini::parse(&text).map_err(|e| invalid(format!("{}: {e}", path.display())))?;
    Ok(Some(ini))
}
