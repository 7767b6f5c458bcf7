//! The one key step of every request, whatever carries its signature (the `Authorization`
//! header, a presigned query, a POST form): the store is asked, with the unknown-key cache
//! in front of a store that must be waited for, a store's answer remembered when it did not
//! know the key, and an unknown key refused (after a decoy verification) before any of the
//! request's body is read.

use countersign_core::{AuthParams, Request};

use crate::auth::precheck::{declared_hash, Checked};
use crate::auth::signature::decoy_verification;
use crate::auth::view::ServerHeaders;
use crate::config::Config;
use crate::error::Error;
use crate::keys::{Key, KeyRequest, KeyStore, Lookup};

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

/// What the key store is asked.
pub(crate) fn key_request(auth: &AuthParams<'_>) -> KeyRequest {
    let request = KeyRequest::from_credential(auth.credential.clone().into_owned());
    match &auth.security_token {
        Some(token) => request.with_session_token(token.as_ref()),
        None => request,
    }
}

/// The refusal of a request that names a key the store does not know, before any of its
/// body is read. Its signature is checked against the decoy secret first, so that it costs
/// what a wrong signature costs.
pub(crate) fn unknown_key(
    config: &Config,
    request: &Request<'_, ServerHeaders<'_>>,
    checked: &Checked<'_>,
) -> Error {
    decoy_verification(config, request, checked, declared_hash(&checked.payload));
    Error::InvalidAccessKeyId(checked.auth.credential.access_key_id().to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::future::{ready, Ready};
    use std::sync::atomic::{AtomicUsize, Ordering};

    /// A store that must be waited for, knowing no key, counting how often it is asked.
    #[derive(Default)]
    struct Empty {
        asked: AtomicUsize,
    }

    impl KeyStore for Empty {
        type Principal = ();
        type Future = Ready<Lookup<()>>;

        fn lookup(&self, _request: KeyRequest) -> Self::Future {
            self.asked.fetch_add(1, Ordering::SeqCst);
            ready(Ok(None))
        }
    }

    fn request() -> KeyRequest {
        KeyRequest::new("AKIDUNKNOWN", "20261207", "us-east-1", "s3")
    }

    #[test]
    fn a_store_that_must_be_waited_for_is_waited_for() {
        let store = Empty::default();
        let step = find_key(&Config::new(), &store, request());
        assert!(matches!(step, KeyStep::Wait(_)));
        assert_eq!(store.asked.load(Ordering::SeqCst), 1);
    }

    #[test]
    fn a_key_found_unknown_is_answered_from_the_cache_next_time() {
        let config = Config::new();
        let store = Empty::default();
        assert!(matches!(
            settle(
                &config,
                "AKIDUNKNOWN",
                Ok::<_, crate::keys::StoreError>(None::<Key<()>>)
            ),
            Ok(None)
        ));
        let step = find_key(&config, &store, request());
        assert!(matches!(step, KeyStep::Answered(Ok(None))));
        assert_eq!(store.asked.load(Ordering::SeqCst), 0);
    }

    #[test]
    fn a_store_at_hand_is_asked_every_time() {
        let config = Config::new();
        let store = crate::keys::MemoryKeyStore::<()>::new();
        assert!(settle(
            &config,
            "AKIDUNKNOWN",
            Ok::<_, crate::keys::StoreError>(None::<Key<()>>)
        )
        .is_ok());
        store.insert("AKIDUNKNOWN", "secret", ());
        let step = find_key(&config, &store, request());
        assert!(matches!(step, KeyStep::Answered(Ok(Some(_)))));
    }

    #[test]
    fn a_failing_store_is_an_error_not_an_unknown_key() {
        let failed: Lookup<()> = Err(crate::keys::StoreError::unavailable("down"));
        assert!(matches!(
            settle(&Config::new(), "AKID", failed),
            Err(Error::KeyStore(_))
        ));
    }
}
