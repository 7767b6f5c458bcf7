//! Credentials: an access key id, its secret, and perhaps a session token and an expiry.

use countersign_core::SecretKey;
use time::OffsetDateTime;

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
    /// When temporary credentials stop working (`None` for long-term ones).
    pub expires_at: Option<OffsetDateTime>,
}

impl Credentials {
    /// Long-term credentials.
    pub fn new(access_key_id: impl Into<String>, secret: impl Into<String>) -> Self {
        Credentials {
            access_key_id: access_key_id.into(),
            secret: SecretKey::new(secret),
            session_token: None,
            expires_at: None,
        }
    }

    /// The same credentials with a session token.
    pub fn with_session_token(mut self, token: impl Into<String>) -> Self {
        self.session_token = Some(token.into());
        self
    }

    /// The same credentials, valid until `expires_at`.
    pub fn with_expiry(mut self, expires_at: OffsetDateTime) -> Self {
        self.expires_at = Some(expires_at);
        self
    }

    /// Whether they are the same key: the same access key id, secret and session token
    /// (a signer made for one can sign for the other).
    pub fn same_key(&self, other: &Credentials) -> bool {
        self.access_key_id == other.access_key_id
            && self.secret.expose() == other.secret.expose()
            && self.session_token == other.session_token
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
