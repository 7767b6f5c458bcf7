//! An in-memory key store: add, remove and rotate keys at runtime.

use std::future::{ready, Ready};
use std::sync::Arc;

use dashmap::DashMap;

use super::{Key, KeyIdHasher, KeyRequest, KeyStore, Lookup};

/// Keys in memory, shared by every clone of the store (clone it to keep a handle for
/// runtime changes after giving it to the layer).
///
/// ```
/// use countersign_server::keys::MemoryKeyStore;
/// let store = MemoryKeyStore::new();
/// store.insert("AKID", "old-secret", "alice");
/// store.rotate("AKID", "new-secret");     // both secrets are live
/// store.finish_rotation("AKID");          // only the new one is
/// assert_eq!(store.get("AKID").unwrap().secrets().len(), 1);
/// ```
#[derive(Debug)]
pub struct MemoryKeyStore<P = ()> {
    keys: Arc<DashMap<String, Key<P>, KeyIdHasher>>,
}

impl<P> Clone for MemoryKeyStore<P> {
    fn clone(&self) -> Self {
        MemoryKeyStore {
            keys: Arc::clone(&self.keys),
        }
    }
}

impl<P: Clone> Default for MemoryKeyStore<P> {
    fn default() -> Self {
        MemoryKeyStore {
            keys: Arc::new(DashMap::with_hasher(KeyIdHasher::default())),
        }
    }
}

impl<P: Clone> MemoryKeyStore<P> {
    /// An empty store.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds a key (replacing any with the same id).
    pub fn insert(
        &self,
        access_key_id: impl Into<String>,
        secret: impl Into<String>,
        principal: P,
    ) {
        self.keys
            .insert(access_key_id.into(), Key::new(secret, principal));
    }

    /// Removes a key; requests signed with it are refused from now on.
    pub fn remove(&self, access_key_id: &str) -> bool {
        self.keys.remove(access_key_id).is_some()
    }

    /// Makes `new_secret` the key's secret while the current one stays live, so clients can
    /// move over. Returns false if the key is unknown.
    pub fn rotate(&self, access_key_id: &str, new_secret: impl Into<String>) -> bool {
        match self.keys.get_mut(access_key_id) {
            Some(mut key) => {
                let old = key.secrets().first().cloned();
                key.set_secrets(
                    std::iter::once(countersign_core::SecretKey::new(new_secret))
                        .chain(old)
                        .collect(),
                );
                true
            }
            None => false,
        }
    }

    /// Ends a rotation: only the newest secret stays live.
    pub fn finish_rotation(&self, access_key_id: &str) -> bool {
        match self.keys.get_mut(access_key_id) {
            Some(mut key) => {
                let newest = key.secrets().first().cloned();
                key.set_secrets(newest.into_iter().collect());
                true
            }
            None => false,
        }
    }

    /// A copy of the key, if present.
    pub fn get(&self, access_key_id: &str) -> Option<Key<P>> {
        self.keys.get(access_key_id).map(|k| k.value().clone())
    }

    /// How many keys the store holds.
    pub fn len(&self) -> usize {
        self.keys.len()
    }

    /// Whether the store is empty.
    pub fn is_empty(&self) -> bool {
        self.keys.is_empty()
    }
}

impl<P: Clone + Send + Sync + 'static> KeyStore for MemoryKeyStore<P> {
    type Principal = P;
    type Future = Ready<Lookup<P>>;

    fn lookup(&self, request: KeyRequest) -> Self::Future {
        ready(Ok(self.get(request.access_key_id())))
    }

    fn lookup_now(&self, request: &KeyRequest) -> Option<Lookup<P>> {
        Some(Ok(self.get(request.access_key_id())))
    }
}
