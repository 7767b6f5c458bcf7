//! Credentials: an access key id, its secret, and perhaps a session token.

use countersign_core::SecretKey;

/// The credentials a request is signed with. `Debug` does not show the secret.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct Credentials {
    /// The access key id.
    pub access_key_id: String,
    /// The secret access key.
    pub secret: SecretKey,
    /// The session token of temporary credentials.
    pub session_token: Option<String>,
}

impl Credentials {
    /// Long-term credentials.
    pub fn new(access_key_id: impl Into<String>, secret: impl Into<String>) -> Self {
        Credentials {
            access_key_id: access_key_id.into(),
            secret: SecretKey::new(secret),
            session_token: None,
        }
    }

    /// The same credentials with a session token.
    pub fn with_session_token(mut self, token: impl Into<String>) -> Self {
        self.session_token = Some(token.into());
        self
    }
}

/// Whether the session token is covered by the signature.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SessionTokenMode {
    /// Added before signing and signed (most services).
    #[default]
    Signed,
    /// Added after signing, unsigned (services that ask for it so).
    AppendAfter,
}
