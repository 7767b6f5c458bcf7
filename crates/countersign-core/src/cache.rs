//! A bounded map from a SHA-256 fingerprint to a derived key, oldest entry evicted first: the
//! one mechanism behind the SigV4 and SigV4a key caches.

use std::collections::{HashMap, VecDeque};
use std::sync::{Mutex, MutexGuard};

use sha2::{Digest, Sha256};

/// What a cached value does when it leaves the cache (a secret key wipes itself in place, so
/// that no copy stays behind in the map's memory).
pub(crate) trait Evict {
    /// Called on an entry just before it is removed.
    fn evict(&mut self);
}

/// At most `capacity` values, keyed by fingerprint; the oldest is evicted first.
pub(crate) struct Bounded<V: Clone + Evict> {
    capacity: usize,
    inner: Mutex<Entries<V>>,
}

struct Entries<V> {
    values: HashMap<[u8; 32], V>,
    order: VecDeque<[u8; 32]>,
}

impl<V: Clone + Evict> Bounded<V> {
    /// A cache of at most `capacity` values (at least one).
    pub(crate) fn new(capacity: usize) -> Self {
        let capacity = capacity.max(1);
        Bounded {
            capacity,
            inner: Mutex::new(Entries {
                values: HashMap::with_capacity(capacity),
                order: VecDeque::with_capacity(capacity),
            }),
        }
    }

    pub(crate) fn capacity(&self) -> usize {
        self.capacity
    }

    pub(crate) fn len(&self) -> usize {
        self.lock().values.len()
    }

    fn lock(&self) -> MutexGuard<'_, Entries<V>> {
        // A panic while holding the lock leaves only complete entries behind.
        self.inner
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// The value under `fingerprint`, made by `make` on a miss (outside the lock).
    pub(crate) fn get_or_make(&self, fingerprint: [u8; 32], make: impl FnOnce() -> V) -> V {
        match self.get_or_try_make(fingerprint, || Ok::<V, std::convert::Infallible>(make())) {
            Ok(value) => value,
            Err(never) => match never {},
        }
    }

    /// As [`Bounded::get_or_make`], for a `make` that may fail; nothing is cached then.
    pub(crate) fn get_or_try_make<E>(
        &self,
        fingerprint: [u8; 32],
        make: impl FnOnce() -> Result<V, E>,
    ) -> Result<V, E> {
        if let Some(value) = self.lock().values.get(&fingerprint) {
            return Ok(value.clone());
        }
        let value = make()?;
        let mut entries = self.lock();
        if let Some(existing) = entries.values.get(&fingerprint) {
            return Ok(existing.clone());
        }
        while entries.values.len() >= self.capacity {
            let Some(oldest) = entries.order.pop_front() else {
                break;
            };
            if let Some(evicted) = entries.values.get_mut(&oldest) {
                evicted.evict();
            }
            entries.values.remove(&oldest);
        }
        entries.values.insert(fingerprint, value.clone());
        entries.order.push_back(fingerprint);
        Ok(value)
    }

    /// Evicts every value.
    pub(crate) fn clear(&self) {
        let mut entries = self.lock();
        entries.values.values_mut().for_each(Evict::evict);
        entries.values.clear();
        entries.order.clear();
    }
}

impl<V: Clone + Evict> Drop for Bounded<V> {
    fn drop(&mut self) {
        self.clear();
    }
}

/// SHA-256 over a domain tag and the length-prefixed parts, so that no two inputs share a
/// fingerprint by concatenation and the caches never hold a copy of a secret.
pub(crate) fn fingerprint(tag: &[u8], parts: &[&str]) -> [u8; 32] {
    let mut hasher = Sha256::new();
    hasher.update(tag);
    for part in parts {
        hasher.update((part.len() as u64).to_be_bytes());
        hasher.update(part.as_bytes());
    }
    hasher.finalize().into()
}
