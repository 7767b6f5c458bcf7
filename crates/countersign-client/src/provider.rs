//! Where a signer's credentials come from when they are not fixed: [`ProvideCredentials`],
//! asked before each request is signed, and the error it gives.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use crate::credentials::Credentials;

/// The future of one [`ProvideCredentials::provide_credentials`] call.
pub type CredentialsFuture<'a> =
    Pin<Box<dyn Future<Output = Result<Credentials, CredentialsError>> + Send + 'a>>;

/// A source of credentials, asked before each request is signed: fixed credentials, the
/// environment, a profile, a remote service. A source whose credentials expire hands out
/// fresh ones before they do; one that keeps them at hand answers without a suspension
/// point.
///
/// ```
/// use countersign_client::{Credentials, ProvideCredentials};
/// # fn block_on<F: std::future::Future>(f: F) -> F::Output {
/// #     let mut f = std::pin::pin!(f);
/// #     let mut cx = std::task::Context::from_waker(std::task::Waker::noop());
/// #     loop { if let std::task::Poll::Ready(v) = f.as_mut().poll(&mut cx) { return v; } }
/// # }
/// let fixed = Credentials::new("AKIDEXAMPLE", "secret");
/// let got = block_on(fixed.provide_credentials())?;
/// assert_eq!(got.access_key_id, "AKIDEXAMPLE");
/// # Ok::<(), countersign_client::CredentialsError>(())
/// ```
pub trait ProvideCredentials: Send + Sync + fmt::Debug {
    /// The credentials to sign the next request with.
    fn provide_credentials(&self) -> CredentialsFuture<'_>;
}

/// Fixed credentials provide themselves.
impl ProvideCredentials for Credentials {
    fn provide_credentials(&self) -> CredentialsFuture<'_> {
        let credentials = self.clone();
        Box::pin(std::future::ready(Ok(credentials)))
    }
}

impl<T: ProvideCredentials + ?Sized> ProvideCredentials for Arc<T> {
    fn provide_credentials(&self) -> CredentialsFuture<'_> {
        T::provide_credentials(self)
    }
}

impl<T: ProvideCredentials + ?Sized> ProvideCredentials for Box<T> {
    fn provide_credentials(&self) -> CredentialsFuture<'_> {
        T::provide_credentials(self)
    }
}

/// What kind of failure a [`CredentialsError`] is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum CredentialsErrorKind {
    /// The source has no credentials (no variable set, no such profile, no metadata
    /// service): a chain goes on to its next source.
    NotFound,
    /// The source is configured but wrong (a malformed file, a profile that names a missing
    /// one, a process that exits with an error): a chain stops here, with this error.
    Invalid,
    /// The source did not answer (a timeout, a refused connection, a server error): a chain
    /// stops here too; the caller may retry.
    Unavailable,
}

/// Credentials that could not be provided: which source, what kind of failure, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CredentialsError {
    source: String,
    kind: CredentialsErrorKind,
    message: String,
}

impl CredentialsError {
    /// A failure of the source named `source` (e.g. `"environment"`,
    /// `"profile file ~/.aws/config"`).
    pub fn new(
        source: impl Into<String>,
        kind: CredentialsErrorKind,
        message: impl Into<String>,
    ) -> Self {
        CredentialsError {
            source: source.into(),
            kind,
            message: message.into(),
        }
    }

    /// The source that failed.
    pub fn source_name(&self) -> &str {
        &self.source
    }

    /// What kind of failure.
    pub fn kind(&self) -> CredentialsErrorKind {
        self.kind
    }

    /// Why.
    pub fn message(&self) -> &str {
        &self.message
    }
}

impl fmt::Display for CredentialsError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.source, self.message)
    }
}

impl std::error::Error for CredentialsError {}
