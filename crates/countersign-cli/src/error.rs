//! The command's failures: a one-line message and an exit code per kind of failure.

use std::fmt;
use std::path::Path;

/// What went wrong, as far as the exit code is concerned.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    /// The other side said no: an HTTP error status, or a signature that does not verify.
    Refused,
    /// The command line does not make sense (clap's own errors exit with 2 too).
    Usage,
    /// No credentials were found, or they are incomplete.
    Credentials,
    /// A file could not be read, or its content could not be parsed.
    Input,
    /// The URL cannot be used.
    Url,
    /// The server could not be reached, or the connection failed.
    Network,
    /// The access key named does not exist (`keys`).
    NotFound,
}

impl Kind {
    /// The process exit code; `--help` lists them.
    pub(crate) fn exit_code(self) -> u8 {
        match self {
            Kind::Refused => 1,
            Kind::Usage => 2,
            Kind::Credentials => 3,
            Kind::Input => 4,
            Kind::Url => 5,
            Kind::Network => 6,
            Kind::NotFound => 7,
        }
    }
}

/// A failure of the command: printed as one line, `countersign: MESSAGE`.
#[derive(Debug, Clone)]
pub(crate) struct CliError {
    /// The kind, which picks the exit code.
    pub(crate) kind: Kind,
    /// What to tell the user.
    pub(crate) message: String,
}

impl CliError {
    pub(crate) fn new(kind: Kind, message: impl Into<String>) -> Self {
        CliError {
            kind,
            message: message.into(),
        }
    }

    pub(crate) fn usage(message: impl Into<String>) -> Self {
        Self::new(Kind::Usage, message)
    }

    pub(crate) fn input(message: impl Into<String>) -> Self {
        Self::new(Kind::Input, message)
    }

    pub(crate) fn refused(message: impl Into<String>) -> Self {
        Self::new(Kind::Refused, message)
    }

    /// A file that could not be read.
    pub(crate) fn read(path: &Path, error: &std::io::Error) -> Self {
        Self::input(format!(
            "cannot read {}: {}",
            path.display(),
            io_reason(error)
        ))
    }
}

/// An I/O error in a few words, without the `(os error N)` suffix.
pub(crate) fn io_reason(error: &std::io::Error) -> String {
    let text = error.to_string();
    match text.find(" (os error") {
        Some(at) => text[..at].to_string(),
        None => text,
    }
}

impl fmt::Display for CliError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for CliError {}

/// The result of a subcommand.
pub(crate) type Result<T, E = CliError> = std::result::Result<T, E>;
