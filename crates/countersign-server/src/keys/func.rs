//! A key store from an async closure: a database, a secrets manager, an STS-like service.

use std::fmt;
use std::future::Future;
use std::marker::PhantomData;

use super::{KeyRequest, KeyStore, Lookup};

/// A key store that calls a closure (see [`key_store_fn`]).
pub struct FnKeyStore<F, P> {
    f: F,
    _principal: PhantomData<fn() -> P>,
}

impl<F: Clone, P> Clone for FnKeyStore<F, P> {
    fn clone(&self) -> Self {
        FnKeyStore {
            f: self.f.clone(),
            _principal: PhantomData,
        }
    }
}

impl<F, P> fmt::Debug for FnKeyStore<F, P> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("FnKeyStore")
    }
}

/// Wraps an async closure as a key store.
///
/// ```
/// use countersign_server::keys::{key_store_fn, Key, KeyRequest, StoreError};
/// let store = key_store_fn(|request: KeyRequest| async move {
///     match request.access_key_id() {
///         "AKIDEXAMPLE" => Ok(Some(Key::new("secret", 42u64))),
///         "AKIDBROKEN" => Err(StoreError::unavailable("database down")),
///         _ => Ok(None),
///     }
/// });
/// # let _ = store;
/// ```
pub fn key_store_fn<F, Fut, P>(f: F) -> FnKeyStore<F, P>
where
    F: Fn(KeyRequest) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = Lookup<P>> + Send + 'static,
    P: Clone + Send + Sync + 'static,
{
    FnKeyStore {
        f,
        _principal: PhantomData,
    }
}

impl<F, Fut, P> KeyStore for FnKeyStore<F, P>
where
    F: Fn(KeyRequest) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = Lookup<P>> + Send + 'static,
    P: Clone + Send + Sync + 'static,
{
    type Principal = P;
    type Future = Fut;

    fn lookup(&self, request: KeyRequest) -> Fut {
        (self.f)(request)
    }
}
