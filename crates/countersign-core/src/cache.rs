//! A bounded map from (a secret's fingerprint, a name) to a derived key, oldest entry evicted
//! first: the one mechanism behind the SigV4 and SigV4a key caches.
//!
//! The fingerprint is a SHA-256 of the secret made once, when the [`SecretKey`] is made
//! (`SecretKey::fingerprint`); the name says what was derived from it (the scope, or the
//! access key id). A lookup hashes both with a keyed foldhash and compares one entry: no
//! SHA-256 per request, no allocation on a hit, and the map never holds a secret.
//!
//! [`SecretKey`]: crate::SecretKey

use std::collections::{HashMap, VecDeque};
use std::hash::{BuildHasher, BuildHasherDefault, Hasher};
use std::sync::{RwLock, RwLockReadGuard, RwLockWriteGuard};

use sha2::{Digest, Sha256};

/// What a cached value does when it leaves the cache (a secret key wipes itself in place, so
/// that no copy stays behind in the map's memory).
pub(crate) trait Evict {
    /// Called on an entry just before it is removed.
    fn evict(&mut self);
}

/// At most `capacity` values, keyed by (fingerprint, name); the oldest is evicted first.
///
/// The map is keyed by a hash of both, made with a per-cache random key so that no client
/// can aim at one slot; an entry keeps its fingerprint and name, and a lookup that finds an
/// entry of other ones under the same hash is a miss. Every lookup is one hash and one
/// comparison, however many names were derived from one secret.
///
/// The hash is foldhash, keyed at random: fast, though not made to hold out against someone
/// who can watch its outputs and work back to its key. A client sees no slot, only how long
/// an answer takes; the verifier checks a scope before it looks its key up (the day within
/// the clock's window, the region and service against those configured); and were two
/// entries to share a slot, a lookup of either would miss and derive its key again (four
/// HMACs), nothing more.
pub(crate) struct Bounded<V: Clone + Evict> {
    capacity: usize,
    hasher: foldhash::fast::RandomState,
    /// Read-locked by lookups (which then run side by side), write-locked to add or evict.
    inner: RwLock<Entries<V>>,
}

struct Entry<V> {
    fingerprint: [u8; 32],
    name: Box<[u8]>,
    value: V,
}

struct Entries<V> {
    values: HashMap<u64, Entry<V>, BuildHasherDefault<SlotHasher>>,
    /// Slots in the order they were filled, for eviction.
    order: VecDeque<u64>,
}

/// The map's own hasher: a slot is already a keyed hash, uniform and unpredictable, so it
/// is its own hash (hashing it again would cost a second hash per lookup).
#[derive(Default)]
struct SlotHasher(u64);

impl Hasher for SlotHasher {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        // Only `u64` keys are hashed here; fold anything else in all the same.
        for &b in bytes {
            self.0 = self.0.rotate_left(8) ^ u64::from(b);
        }
    }

    fn write_u64(&mut self, slot: u64) {
        self.0 = slot;
    }
}

impl<V> Entries<V> {
    fn get(&self, slot: u64, fingerprint: &[u8; 32], name: &Name<'_>) -> Option<&V> {
        self.values
            .get(&slot)
            .filter(|e| e.fingerprint == *fingerprint && name.is(&e.name))
            .map(|e| &e.value)
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
            hasher: foldhash::fast::RandomState::default(),
            inner: RwLock::new(Entries {
                values: HashMap::with_capacity_and_hasher(
                    capacity.min(4096),
                    BuildHasherDefault::default(),
                ),
                order: VecDeque::with_capacity(capacity.min(4096)),
            }),
        }
    }

    pub(crate) fn capacity(&self) -> usize {
        self.capacity
    }

    pub(crate) fn len(&self) -> usize {
        self.read().values.len()
    }

    // A panic while holding the lock leaves only complete entries behind.
    fn read(&self) -> RwLockReadGuard<'_, Entries<V>> {
        self.inner
            .read()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    fn write(&self) -> RwLockWriteGuard<'_, Entries<V>> {
        self.inner
            .write()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// The slot of (`fingerprint`, `name`). Eight bytes of the fingerprint (uniform: it is a
    /// SHA-256) and the parts' lengths packed in one word are enough to spread the slots; an
    /// entry still keeps and compares the whole fingerprint and name.
    fn slot(&self, fingerprint: &[u8; 32], name: &Name<'_>) -> u64 {
        let mut hasher = self.hasher.build_hasher();
        let mut head = [0u8; 8];
        head.copy_from_slice(&fingerprint[..8]);
        hasher.write_u64(u64::from_le_bytes(head));
        let lengths = name.0.iter().fold(0u64, |packed, part| {
            packed.rotate_left(16) ^ part.len() as u64
        });
        hasher.write_u64(lengths);
        for part in name.0 {
            hasher.write(part.as_bytes());
        }
        hasher.finish()
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

    /// Hands `use_it` the value under (`fingerprint`, `name`), made by `make` on a miss. A
    /// value found is used where it is, under the read lock (which lookups share): no copy is
    /// made, and none is left to wipe.
    pub(crate) fn with_or_make<R>(
        &self,
        fingerprint: &[u8; 32],
        name: Name<'_>,
        make: impl FnOnce() -> V,
        use_it: impl FnOnce(&V) -> R,
    ) -> R {
        let slot = self.slot(fingerprint, &name);
        if let Some(value) = self.read().get(slot, fingerprint, &name) {
            return use_it(value);
        }
        match self.make_and_keep(slot, fingerprint, name, || {
            Ok::<V, std::convert::Infallible>(make())
        }) {
            Ok(value) => use_it(&value),
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
        let slot = self.slot(fingerprint, &name);
        if let Some(value) = self.read().get(slot, fingerprint, &name) {
            return Ok(value.clone());
        }
        self.make_and_keep(slot, fingerprint, name, make)
    }

    /// Makes the value of a miss (outside the lock) and keeps a copy, evicting the oldest
    /// when full; a value another caller kept meanwhile is taken instead.
    fn make_and_keep<E>(
        &self,
        slot: u64,
        fingerprint: &[u8; 32],
        name: Name<'_>,
        make: impl FnOnce() -> Result<V, E>,
    ) -> Result<V, E> {
        let value = make()?;
        let mut entries = self.write();
        if let Some(existing) = entries.get(slot, fingerprint, &name) {
            return Ok(existing.clone());
        }
        while entries.values.len() >= self.capacity {
            let Some(oldest) = entries.order.pop_front() else {
                break;
            };
            if let Some(mut evicted) = entries.values.remove(&oldest) {
                evicted.value.evict();
            }
        }
        let entry = Entry {
            fingerprint: *fingerprint,
            name: name.to_boxed(),
            value: value.clone(),
        };
        // Another (fingerprint, name) under the same slot is replaced, and wiped.
        if let Some(mut replaced) = entries.values.insert(slot, entry) {
            replaced.value.evict();
        }
        entries.order.push_back(slot);
        Ok(value)
    }

    /// Evicts every value.
    pub(crate) fn clear(&self) {
        let mut entries = self.write();
        entries.values.values_mut().for_each(|e| e.value.evict());
        entries.values.clear();
        entries.order.clear();
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
    fn many_names_of_one_secret_stay_bounded_and_distinct() {
        let cache = Bounded::new(64);
        let a = fingerprint("a");
        for i in 0..1000u32 {
            let service = i.to_string();
            let got = cache.get_or_make(&a, Name(&["20240101", "us-east-1", &service]), || {
                Value(i, false)
            });
            assert_eq!(got, Value(i, false));
        }
        assert_eq!(cache.len(), 64);
        // The newest are there and distinct; an evicted one is made again.
        let hit = cache.get_or_make(&a, Name(&["20240101", "us-east-1", "999"]), || {
            Value(0, false)
        });
        assert_eq!(hit, Value(999, false));
        let again = cache.get_or_make(&a, Name(&["20240101", "us-east-1", "0"]), || {
            Value(7, false)
        });
        assert_eq!(again, Value(7, false));
    }

    #[test]
    fn a_value_lent_is_the_one_kept() {
        let cache = Bounded::new(4);
        let a = fingerprint("a");
        let name = || Name(&["20240101", "us-east-1", "s3"]);
        let first = cache.with_or_make(&a, name(), || Value(1, false), Value::clone);
        assert_eq!(first, Value(1, false));
        assert_eq!(cache.len(), 1);
        let lent = cache.with_or_make(&a, name(), || panic!("a hit makes nothing"), |v| v.0);
        assert_eq!(lent, 1);
        let other = cache.with_or_make(&fingerprint("b"), name(), || Value(2, false), |v| v.0);
        assert_eq!((other, cache.len()), (2, 2));
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
