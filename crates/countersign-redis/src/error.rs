//! What can go wrong talking to Redis or managing what is kept there.

use std::fmt;

use countersign_server::keys::StoreError;

/// An error of this crate.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Error {
    /// The configuration cannot be used (a URL that is not a Redis URL).
    Config(String),
    /// Redis could not be reached, did not answer within the timeout, or answered with an
    /// error: the caller may try again.
    Unavailable(String),
    /// What was read from Redis, or handed to a setter, is not valid (a key record, a policy
    /// document): the message names the entry.
    Invalid(String),
    /// No such entry (an access key id with no record).
    NotFound(String),
    /// The operating system's random source failed.
    Random(String),
    /// The entry exists already (an access key id that `create` drew twice).
    Exists(String),
}

impl Error {
    /// The key store error the layer renders for this one: 503 `ServiceUnavailable` when
    /// Redis could not answer, 500 `InternalError` otherwise.
    pub fn to_store_error(&self) -> StoreError {
        match self {
            Error::Unavailable(why) => StoreError::unavailable(why.clone()),
            other => StoreError::internal(other.to_string()),
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Config(why) => write!(f, "invalid Redis configuration: {why}"),
            Error::Unavailable(why) => write!(f, "Redis is unavailable: {why}"),
            Error::Invalid(why) => write!(f, "invalid entry: {why}"),
            Error::NotFound(what) => write!(f, "not found: {what}"),
            Error::Random(why) => write!(f, "the random source failed: {why}"),
            Error::Exists(what) => write!(f, "exists already: {what}"),
        }
    }
}

impl std::error::Error for Error {}

impl From<redis::RedisError> for Error {
    fn from(e: redis::RedisError) -> Self {
        Error::Unavailable(e.to_string())
    }
}
