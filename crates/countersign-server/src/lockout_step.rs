//! The layer's lockout step: a locked key refused before its key is looked up, and each
//! refusal told to the tracker. Apart from `lockout`, which knows nothing of the layer's
//! configuration or errors.

use crate::config::Config;
use crate::error::Error;

/// The refusal of a request naming `access_key_id` when the layer locks keys out and that
/// one is locked: asked before the key store and the signature.
pub(crate) fn check(config: &Config, access_key_id: &str) -> Result<(), Error> {
    let Some(lockout) = &config.lockout else {
        return Ok(());
    };
    match lockout.tracker.locked(access_key_id, config.clock.now()) {
        Some(lock) => Err(Error::KeyLocked {
            retry_after_secs: lock.retry_after_secs(),
            answer: lockout.policy.answer,
        }),
        None => Ok(()),
    }
}

/// Tells the layer's tracker of a refusal with `code` of a request that named
/// `access_key_id` (none is told of requests that named none, nor of a locked key's).
pub(crate) fn record(config: &Config, access_key_id: &str, error: &Error) {
    let Some(lockout) = &config.lockout else {
        return;
    };
    if access_key_id.is_empty() || matches!(error, Error::KeyLocked { .. }) {
        return;
    }
    let now = config.clock.now();
    lockout
        .tracker
        .record(access_key_id, error.code(), &lockout.policy, now);
}
