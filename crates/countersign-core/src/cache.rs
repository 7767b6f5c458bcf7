//! A bounded map from (a secret's fingerprint, a name) to a derived key, oldest entry evicted
//! first: the one mechanism behind the SigV4 and SigV4a key caches.
//!
//! The fingerprint is a SHA-256 of the secret made once, when the [`SecretKey`] is made
//! (`SecretKey::fingerprint`); the name says what was derived from it (the scope, or the
//! access key id). A lookup hashes the 32-byte fingerprint and compares a few short names:
//! no SHA-256 per request, no allocation on a hit, and the map never holds a secret.
//!
//! [`SecretKey`]: crate::SecretKey

use std::collections::{HashMap, VecDeque};
use std::sync::{Mutex, MutexGuard};

use sha2::{Digest, Sha256};

/// What a cached value does when it leaves the cache (a secret key wipes itself in place, so
/// that no copy stays behind in the map's memory).
pub(crate) trait Evict {
    /// Called on an entry just before it is removed.
    fn evict(&mut self);
}

/// At most `capacity` values, keyed by (fingerprint, name); the oldest is evicted first.
pub(crate) struct Bounded<V: Clone + Evict> {
    capacity: usize,
    inner: Mutex<Entries<V>>,
}

/// The values derived from one secret, by name (a secret has few: a scope per day, region
/// and service).
type Derived<V> = Vec<(Box<[u8]>, V)>;

struct Entries<V> {
    values: HashMap<[u8; 32], Derived<V>>,
    order: VecDeque<([u8; 32], Box<[u8]>)>,
    len: usize,
}

impl<V> Entries<V> {
    fn get(&self, fingerprint: &[u8; 32], name: &Name<'_>) -> Option<&V> {
        self.values
            .get(fingerprint)?
            .iter()
            .find(|(n, _)| name.is(n))
            .map(|(_, v)| v)
    }
}

/// The name of a derived value, given in parts, so that a lookup needs no allocation; it is
/// stored with each part's length before it, so that no two lists of parts share a name.
pub(crate) struct Name<'a>(pub(crate) &'a [&'a str]);

impl Name<'_> {
    fn is(&self, stored: &[u8]) -> bool {
        let mut rest = stored;
        for part in self.0 {
            let Some((length, after)) = rest.split_first_chunk::<8>() else {
                return false;
            };
            if u64::from_le_bytes(*length) != part.len() as u64 {
                return false;
            }
            let Some(after) = after.strip_prefix(part.as_bytes()) else {
                return false;
            };
            rest = after;
        }
        rest.is_empty()
    }

    fn to_boxed(&self) -> Box<[u8]> {
        let mut out = Vec::with_capacity(self.0.iter().map(|p| 8 + p.len()).sum());
        for part in self.0 {
            out.extend_from_slice(&(part.len() as u64).to_le_bytes());
            out.extend_from_slice(part.as_bytes());
        }
        out.into_boxed_slice()
    }
}

impl<V: Clone + Evict> Bounded<V> {
    /// A cache of at most `capacity` values (at least one).
    pub(crate) fn new(capacity: usize) -> Self {
        let capacity = capacity.max(1);
        Bounded {
            capacity,
            inner: Mutex::new(Entries {
                values: HashMap::with_capacity(capacity.min(4096)),
                order: VecDeque::with_capacity(capacity.min(4096)),
                len: 0,
            }),
        }
    }

    pub(crate) fn capacity(&self) -> usize {
        self.capacity
    }

    pub(crate) fn len(&self) -> usize {
        self.lock().len
    }

    fn lock(&self) -> MutexGuard<'_, Entries<V>> {
        // A panic while holding the lock leaves only complete entries behind.
        self.inner
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// The value under (`fingerprint`, `name`), made by `make` on a miss (outside the lock).
    pub(crate) fn get_or_make(
        &self,
        fingerprint: &[u8; 32],
        name: Name<'_>,
        make: impl FnOnce() -> V,
    ) -> V {
        match self.get_or_try_make(fingerprint, name, || {
            Ok::<V, std::convert::Infallible>(make())
        }) {
            Ok(value) => value,
            Err(never) => match never {},
        }
    }

    /// As [`Bounded::get_or_make`], for a `make` that may fail; nothing is cached then.
    pub(crate) fn get_or_try_make<E>(
        &self,
        fingerprint: &[u8; 32],
        name: Name<'_>,
        make: impl FnOnce() -> Result<V, E>,
    ) -> Result<V, E> {
        if let Some(value) = self.lock().get(fingerprint, &name) {
            return Ok(value.clone());
        }
        let value = make()?;
        let mut entries = self.lock();
        if let Some(existing) = entries.get(fingerprint, &name) {
            return Ok(existing.clone());
        }
        while entries.len >= self.capacity {
            let Some((oldest, oldest_name)) = entries.order.pop_front() else {
                break;
            };
            entries.remove(&oldest, &oldest_name);
        }
        let stored = name.to_boxed();
        entries.order.push_back((*fingerprint, stored.clone()));
        entries
            .values
            .entry(*fingerprint)
            .or_default()
            .push((stored, value.clone()));
        entries.len += 1;
        Ok(value)
    }

    /// Evicts every value.
    pub(crate) fn clear(&self) {
        let mut entries = self.lock();
        entries
            .values
            .values_mut()
            .flatten()
            .for_each(|(_, v)| v.evict());
        entries.values.clear();
        entries.order.clear();
        entries.len = 0;
    }
}

impl<V: Evict> Entries<V> {
    fn remove(&mut self, fingerprint: &[u8; 32], name: &[u8]) {
        let Some(list) = self.values.get_mut(fingerprint) else {
            return;
        };
        if let Some(at) = list.iter().position(|(n, _)| &**n == name) {
            let (_, mut evicted) = list.swap_remove(at);
            evicted.evict();
            self.len -= 1;
        }
        if list.is_empty() {
            self.values.remove(fingerprint);
        }
    }
}

impl<V: Clone + Evict> Drop for Bounded<V> {
    fn drop(&mut self) {
        self.clear();
    }
}

/// The fingerprint of a secret: SHA-256 over a domain tag and the secret, so that the caches
/// never hold a copy of a secret.
pub(crate) fn fingerprint(secret: &str) -> [u8; 32] {
    let mut hasher = Sha256::new();
    hasher.update(b"countersign key cache\0");
    hasher.update(secret.as_bytes());
    hasher.finalize().into()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Clone, Debug, PartialEq)]
    struct Value(u32, bool);

    impl Evict for Value {
        fn evict(&mut self) {
            self.1 = true;
        }
    }

    #[test]
    fn names_match_by_parts() {
        let name = Name(&["20240101", "us-east-1", "s3"]);
        assert!(name.is(&name.to_boxed()));
        for other in [
            Name(&["20240101", "us-east-1", "s3x"]),
            Name(&["20240101", "us-east-1"]),
            Name(&["20240101", "us-east-1s3"]),
            Name(&["20240101", "us-east-", "1s3"]),
        ] {
            assert!(!name.is(&other.to_boxed()));
            assert!(!other.is(&name.to_boxed()));
        }
    }

    #[test]
    fn bounded_per_entry_not_per_secret() {
        let cache = Bounded::new(3);
        let (a, b) = (fingerprint("a"), fingerprint("b"));
        let mut made = 0;
        for (fp, name) in [(&a, "x"), (&a, "y"), (&b, "x"), (&a, "x"), (&b, "z")] {
            cache.get_or_make(fp, Name(&[name]), || {
                made += 1;
                Value(made, false)
            });
        }
        // a/x was a hit; b/z evicted the oldest, a/x.
        assert_eq!(made, 4);
        assert_eq!(cache.len(), 3);
        let again = cache.get_or_make(&a, Name(&["x"]), || Value(99, false));
        assert_eq!(again, Value(99, false));
        cache.clear();
        assert_eq!(cache.len(), 0);
    }
}
