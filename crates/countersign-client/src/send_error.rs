//! Why a signing sender could not send a request, or got no response.

use std::fmt;

use crate::error::Error;
use crate::provider::CredentialsError;

/// An error a boxed body or service may give.
pub(crate) type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// A request a signing sender (`SigningMiddleware`, `SignExt`, `SigningLayer`) could not
/// send, or that got no response. A response, even an error one, is not a `SendError`: it
/// is handed to the caller.
#[derive(Debug)]
#[non_exhaustive]
pub enum SendError {
    /// The request could not be built (reqwest's builder failed: a URL that does not parse,
    /// a header value that is not one, …).
    Build(BoxError),
    /// The credentials provider failed.
    Credentials(CredentialsError),
    /// The request could not be signed (no host, a value that cannot be a header, …).
    Signing(Error),
    /// The request's body, read to be hashed, failed or gave more bytes than it said it
    /// had.
    Body(BoxError),
    /// No response: the connection failed, or the inner client or service did (its error
    /// is the source; retried as a connection error while attempts remain).
    Transport(BoxError),
}

impl fmt::Display for SendError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SendError::Build(e) => write!(f, "the request could not be built: {e}"),
            SendError::Credentials(e) => write!(f, "no credentials to sign with: {e}"),
            SendError::Signing(e) => write!(f, "the request could not be signed: {e}"),
            SendError::Body(e) => write!(f, "the request's body could not be read: {e}"),
            SendError::Transport(e) => write!(f, "the request got no response: {e}"),
        }
    }
}

impl std::error::Error for SendError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            SendError::Credentials(e) => Some(e),
            SendError::Signing(e) => Some(e),
            SendError::Build(e) | SendError::Body(e) | SendError::Transport(e) => Some(&**e),
        }
    }
}

impl From<CredentialsError> for SendError {
    fn from(error: CredentialsError) -> Self {
        SendError::Credentials(error)
    }
}
