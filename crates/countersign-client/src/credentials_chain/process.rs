//! `credential_process`: credentials printed as JSON by a command the profile names.

use std::future::{poll_fn, Future};
use std::pin::pin;
use std::process::Stdio;
use std::task::Poll;
use std::time::Duration;

use tokio::io::{AsyncRead, AsyncReadExt};
use tokio::process::Command;

use crate::credentials::Credentials;
use crate::provider::{
    CredentialsError, CredentialsErrorKind, CredentialsFuture, ProvideCredentials,
};

use super::parse_expiration;

/// The most output read from the command (its JSON is a few hundred bytes).
const MAX_OUTPUT: usize = 64 * 1024;
/// The most of its standard error quoted in an error.
const MAX_STDERR: usize = 1024;
/// How long the command may run by default.
pub(crate) const DEFAULT_PROCESS_TIMEOUT: Duration = Duration::from_secs(30);

/// Credentials printed by a command, as a profile's `credential_process` names it: run by
/// the shell (`sh -c`, `cmd /C` on Windows), with no input, it prints
/// `{"Version": 1, "AccessKeyId": …, "SecretAccessKey": …, "SessionToken": …,
/// "Expiration": …}` (the last two optional; `Expiration` in RFC 3339).
///
/// The command is bounded: it is killed after a timeout (30 s unless set) with an
/// [`Unavailable`](CredentialsErrorKind::Unavailable) error, and more than 64 KiB of output
/// is refused. A command that cannot start, exits with an error (whose standard error,
/// cut at 1 KiB, the message quotes) or prints something else is
/// [`Invalid`](CredentialsErrorKind::Invalid). The output is never quoted: it may hold a
/// secret.
#[derive(Debug, Clone)]
pub struct ProcessProvider {
    command: String,
    source: String,
    timeout: Duration,
}

impl ProcessProvider {
    /// A provider running `command`.
    pub fn new(command: impl Into<String>) -> Self {
        let command = command.into();
        ProcessProvider {
            source: format!("credential_process `{command}`"),
            command,
            timeout: DEFAULT_PROCESS_TIMEOUT,
        }
    }

    /// The same provider, with the command killed after `timeout`.
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// The same provider, named after the profile that gave the command.
    pub(crate) fn for_profile(mut self, profile: &str) -> Self {
        self.source = format!("credential_process of profile [{profile}]");
        self
    }

    fn error(&self, kind: CredentialsErrorKind, message: impl Into<String>) -> CredentialsError {
        CredentialsError::new(self.source.clone(), kind, message)
    }

    /// Runs the command and reads its credentials.
    pub async fn credentials(&self) -> Result<Credentials, CredentialsError> {
        let mut command = shell(&self.command);
        command
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .kill_on_drop(true);
        let mut child = command.spawn().map_err(|e| {
            self.error(
                CredentialsErrorKind::Invalid,
                format!("cannot run `{}`: {e}", self.command),
            )
        })?;
        let (Some(stdout), Some(stderr)) = (child.stdout.take(), child.stderr.take()) else {
            return Err(self.error(
                CredentialsErrorKind::Invalid,
                "the command's output could not be captured",
            ));
        };
        let run = join3(
            read_bounded(stdout, MAX_OUTPUT),
            read_bounded(stderr, MAX_STDERR),
            child.wait(),
        );
        let outcome = tokio::time::timeout(self.timeout, run).await;
        let Ok((stdout, stderr, status)) = outcome else {
            // `kill_on_drop` kills it too; this is sooner.
            let _ = child.start_kill();
            return Err(self.error(
                CredentialsErrorKind::Unavailable,
                format!(
                    "`{}` did not finish within {} ms and was killed",
                    self.command,
                    self.timeout.as_millis()
                ),
            ));
        };
        let status = status.map_err(|e| {
            self.error(
                CredentialsErrorKind::Invalid,
                format!("cannot wait for `{}`: {e}", self.command),
            )
        })?;
        if !status.success() {
            let (stderr, cut) = stderr.unwrap_or_default();
            let stderr = String::from_utf8_lossy(&stderr);
            let code = match status.code() {
                Some(code) => format!("status {code}"),
                None => "a signal".to_string(),
            };
            return Err(self.error(
                CredentialsErrorKind::Invalid,
                format!(
                    "`{}` exited with {code}: {}{}",
                    self.command,
                    stderr.trim(),
                    if cut { " …" } else { "" }
                ),
            ));
        }
        let (stdout, cut) = stdout.map_err(|e| {
            self.error(
                CredentialsErrorKind::Invalid,
                format!("cannot read the output of `{}`: {e}", self.command),
            )
        })?;
        if cut {
            return Err(self.error(
                CredentialsErrorKind::Invalid,
                format!(
                    "`{}` printed more than {} KiB",
                    self.command,
                    MAX_OUTPUT / 1024
                ),
            ));
        }
        parse_output(&stdout).map_err(|why| self.error(CredentialsErrorKind::Invalid, why))
    }
}

impl ProvideCredentials for ProcessProvider {
    fn provide_credentials(&self) -> CredentialsFuture<'_> {
        Box::pin(self.credentials())
    }
}

/// `command` run by the platform's shell.
fn shell(command: &str) -> Command {
    if cfg!(windows) {
        let mut shell = Command::new("cmd");
        shell.arg("/C").arg(command);
        shell
    } else {
        let mut shell = Command::new("sh");
        shell.arg("-c").arg(command);
        shell
    }
}

/// The outputs of three futures run together (tokio's `join!` is behind its `macros`
/// feature, which this crate does not otherwise need).
async fn join3<A: Future, B: Future, C: Future>(
    a: A,
    b: B,
    c: C,
) -> (A::Output, B::Output, C::Output) {
    let (mut a, mut b, mut c) = (pin!(a), pin!(b), pin!(c));
    let (mut ra, mut rb, mut rc) = (None, None, None);
    poll_fn(|cx| {
        if ra.is_none() {
            if let Poll::Ready(v) = a.as_mut().poll(cx) {
                ra = Some(v);
            }
        }
        if rb.is_none() {
            if let Poll::Ready(v) = b.as_mut().poll(cx) {
                rb = Some(v);
            }
        }
        if rc.is_none() {
            if let Poll::Ready(v) = c.as_mut().poll(cx) {
                rc = Some(v);
            }
        }
        match (ra.take(), rb.take(), rc.take()) {
            (Some(a), Some(b), Some(c)) => Poll::Ready((a, b, c)),
            (a, b, c) => {
                (ra, rb, rc) = (a, b, c);
                Poll::Pending
            }
        }
    })
    .await
}

/// Reads at most `limit` bytes and drains the rest (so that the command is not blocked on a
/// full pipe); says whether there was more.
async fn read_bounded(
    mut reader: impl AsyncRead + Unpin,
    limit: usize,
) -> std::io::Result<(Vec<u8>, bool)> {
    let mut kept = Vec::new();
    let mut buffer = [0u8; 4096];
    let mut cut = false;
    loop {
        let read = reader.read(&mut buffer).await?;
        if read == 0 {
            return Ok((kept, cut));
        }
        let room = limit - kept.len();
        if read > room {
            cut = true;
        }
        kept.extend_from_slice(&buffer[..read.min(room)]);
    }
}

/// The credentials in the command's JSON output.
fn parse_output(output: &[u8]) -> Result<Credentials, String> {
    let json: serde_json::Value =
        serde_json::from_slice(output).map_err(|e| format!("the output is not JSON ({e})"))?;
    let Some(object) = json.as_object() else {
        return Err("the output is not a JSON object".to_string());
    };
    match object.get("Version").and_then(serde_json::Value::as_u64) {
        Some(1) => {}
        Some(_) => return Err("the output's Version is not 1, the only one known".to_string()),
        None => return Err("the output has no Version (it should be 1)".to_string()),
    }
    let text = |name: &str| -> Result<Option<&str>, String> {
        match object.get(name) {
            None | Some(serde_json::Value::Null) => Ok(None),
            Some(serde_json::Value::String(s)) if s.is_empty() => Ok(None),
            Some(serde_json::Value::String(s)) => Ok(Some(s)),
            Some(_) => Err(format!("the output's {name} is not a string")),
        }
    };
    let required = |name: &str| -> Result<&str, String> {
        text(name)?.ok_or_else(|| format!("the output has no {name}"))
    };
    let mut credentials = Credentials::new(required("AccessKeyId")?, required("SecretAccessKey")?);
    if let Some(token) = text("SessionToken")? {
        credentials = credentials.with_session_token(token);
    }
    if let Some(expiration) = text("Expiration")? {
        let expires_at = parse_expiration(expiration)
            .map_err(|e| format!("the output's Expiration is not an RFC 3339 timestamp ({e})"))?;
        credentials = credentials.with_expiry(expires_at);
    }
    Ok(credentials)
}
