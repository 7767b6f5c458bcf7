//! The one key step of every request, whatever carries its signature (the `Authorization`
//! header, a presigned query, a POST form): the store is asked, with the unknown-key cache
//! in front of a store that must be waited for, and a store's answer is remembered when it
//! did not know the key.

use crate::error::Error;
use crate::keys::{Key, KeyRequest, KeyStore, Lookup};
use crate::layer::Config;

/// Where the key step stands once it was started.
pub(crate) enum KeyStep<F, P> {
    /// Answered without waiting: the key, `None` for a key the store does not know (or
    /// did not know a moment ago), or the store's failure.
    Answered(Result<Option<Key<P>>, Error>),
    /// The store must be waited for: give its answer to [`settle`] when it comes.
    Wait(F),
}

/// Starts the key step for `request`. A store that has its keys at hand
/// ([`KeyStore::lookup_now`]) answers here and is asked every time; one that must be waited
/// for is not asked about an access key id it did not know within the unknown-key cache's
/// time-to-live.
pub(crate) fn find_key<K: KeyStore>(
    config: &Config,
    store: &K,
    request: KeyRequest,
) -> KeyStep<K::Future, K::Principal> {
    if let Some(found) = store.lookup_now(&request) {
        return KeyStep::Answered(found.map_err(Error::KeyStore));
    }
    let known_unknown = config
        .unknown_keys
        .as_ref()
        .is_some_and(|cache| cache.contains(request.access_key_id()));
    if known_unknown {
        return KeyStep::Answered(Ok(None));
    }
    KeyStep::Wait(store.lookup(request))
}

/// The answer of a store that was waited for, for the key `access_key_id`: an unknown key is
/// remembered, so that the next requests naming it do not reach the store.
pub(crate) fn settle<P>(
    config: &Config,
    access_key_id: &str,
    found: Lookup<P>,
) -> Result<Option<Key<P>>, Error> {
    let key = found.map_err(Error::KeyStore)?;
    if let (None, Some(cache)) = (&key, &config.unknown_keys) {
        cache.insert(access_key_id);
    }
    Ok(key)
}
