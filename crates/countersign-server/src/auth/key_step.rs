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
/// time-to-live, unless it remembers unknown ids itself
/// ([`KeyStore::remembers_unknown_keys`]): a shared store forgets one as soon as the key is
/// created anywhere, which the layer's cache would not.
pub(crate) fn find_key<K: KeyStore>(
    config: &Config,
    store: &K,
    request: KeyRequest,
) -> KeyStep<K::Future, K::Principal> {
    if let Some(found) = store.lookup_now(&request) {
        return KeyStep::Answered(found.map_err(Error::KeyStore));
    }
    let known_unknown = !store.remembers_unknown_keys()
        && config
            .unknown_keys
            .as_ref()
            .is_some_and(|cache| cache.contains(request.access_key_id()));
    if known_unknown {
        return KeyStep::Answered(Ok(None));
    }
    KeyStep::Wait(store.lookup(request))
}

/// Whether the layer's unknown-key cache stands in front of `store` (it does unless the store
/// remembers unknown ids itself): what [`settle`] is told.
pub(crate) fn layer_remembers_unknown<K: KeyStore + ?Sized>(store: &K) -> bool {
    !store.remembers_unknown_keys()
}

/// The answer of a store that was waited for, for the key `access_key_id`: an unknown key is
/// remembered when `remember_unknown` (see [`layer_remembers_unknown`]), so that the next
/// requests naming it do not reach the store.
pub(crate) fn settle<P>(
    config: &Config,
    access_key_id: &str,
    found: Lookup<P>,
    remember_unknown: bool,
) -> Result<Option<Key<P>>, Error> {
    let key = found.map_err(Error::KeyStore)?;
    if let (None, Some(cache), true) = (&key, &config.unknown_keys, remember_unknown) {
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

    /// A store that must be waited for and remembers the ids it does not know by itself
    /// (as a shared store told of every change does), knowing no key, counting how often it
    /// is asked.
    #[derive(Default)]
    struct Remembering {
        asked: AtomicUsize,
    }

    impl KeyStore for Remembering {
        type Principal = ();
        type Future = Ready<Lookup<()>>;

        fn lookup(&self, _request: KeyRequest) -> Self::Future {
            self.asked.fetch_add(1, Ordering::SeqCst);
            ready(Ok(None))
        }

        fn remembers_unknown_keys(&self) -> bool {
            true
        }
    }

    /// [`settle`] for an answer of `store`.
    fn settle_for<K: KeyStore>(
        config: &Config,
        store: &K,
        id: &str,
        found: Lookup<K::Principal>,
    ) -> Result<Option<Key<K::Principal>>, Error> {
        settle(config, id, found, layer_remembers_unknown(store))
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
                Ok::<_, crate::keys::StoreError>(None::<Key<()>>),
                true
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
            Ok::<_, crate::keys::StoreError>(None::<Key<()>>),
            true
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
            settle(&Config::new(), "AKID", failed, true),
            Err(Error::KeyStore(_))
        ));
    }

    #[test]
    fn a_store_that_remembers_unknown_keys_is_asked_again_after_an_unknown_key() {
        let config = Config::new();
        let store = Remembering::default();
        let KeyStep::Wait(lookup) = find_key(&config, &store, request()) else {
            panic!("a store that must be waited for is waited for");
        };
        let found = settle_for(&config, &store, "AKIDUNKNOWN", lookup.into_inner());
        assert!(matches!(found, Ok(None)));
        let step = find_key(&config, &store, request());
        assert!(
            matches!(step, KeyStep::Wait(_)),
            "the layer's cache answered for the store"
        );
        assert_eq!(store.asked.load(Ordering::SeqCst), 2);
    }

    #[test]
    fn an_unknown_key_of_a_store_that_remembers_them_is_not_cached_by_the_layer() {
        let config = Config::new();
        let store = Remembering::default();
        let found = settle_for(&config, &store, "AKIDUNKNOWN", Ok(None));
        assert!(matches!(found, Ok(None)));
        let cache = config.unknown_keys.as_ref().expect("the default cache");
        assert!(
            !cache.contains("AKIDUNKNOWN"),
            "the layer remembered an id the store remembers itself"
        );
    }
}
