//! A bounded map of keys to the time they stop counting, oldest insertion evicted first:
//! the one mechanism behind the unknown-key cache and the in-memory replay guard.

use std::borrow::Borrow;
use std::collections::{HashMap, VecDeque};
use std::hash::Hash;

/// At most `capacity` keys, each alive until its time (inclusive).
#[derive(Debug)]
pub(crate) struct Expiring<K, T> {
    capacity: usize,
    until: HashMap<K, T>,
    /// Insertions in order; an entry whose key was inserted again since is stale and skipped.
    order: VecDeque<(T, K)>,
}

/// What [`Expiring::insert`] had to do to make room.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Room {
    /// Nothing, or only expired keys were dropped.
    Free,
    /// A key still alive was dropped.
    EvictedAlive,
}

impl<K: Hash + Eq + Clone, T: Ord + Copy> Expiring<K, T> {
    pub(crate) fn new(capacity: usize) -> Self {
        Expiring {
            capacity: capacity.max(1),
            until: HashMap::new(),
            order: VecDeque::new(),
        }
    }

    pub(crate) fn len(&self) -> usize {
        self.until.len()
    }

    pub(crate) fn capacity(&self) -> usize {
        self.capacity
    }

    /// Whether `key` is there and alive at `now`.
    pub(crate) fn is_alive<Q>(&self, key: &Q, now: T) -> bool
    where
        K: Borrow<Q>,
        Q: Hash + Eq + ?Sized,
    {
        self.until.get(key).is_some_and(|until| *until >= now)
    }

    /// Records `key` alive until `until`, dropping expired keys from the front and, when full,
    /// the oldest insertion. The queue holds at most twice the capacity: a key inserted again
    /// while alive (two requests racing past `is_alive`) leaves an older entry behind, and
    /// those must not pile up.
    pub(crate) fn insert(&mut self, key: K, until: T, now: T) -> Room {
        let mut room = Room::Free;
        while let Some((when, oldest)) = self.order.front() {
            let expired = *when < now;
            let full = self.until.len() >= self.capacity || self.order.len() >= 2 * self.capacity;
            if !expired && !full {
                break;
            }
            // The queue may hold an older insertion of a key inserted again since: that one
            // is not the key's current entry and goes without touching the map.
            let current = self.until.get(oldest) == Some(when);
            if current {
                if !expired {
                    room = Room::EvictedAlive;
                }
                self.until.remove(oldest);
            }
            self.order.pop_front();
        }
        self.until.insert(key.clone(), until);
        self.order.push_back((until, key));
        room
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bounded_expiring_and_keeps_the_newer_insertion() {
        let mut map: Expiring<&str, u32> = Expiring::new(2);
        assert_eq!(map.insert("a", 10, 0), Room::Free);
        assert_eq!(map.insert("b", 10, 0), Room::Free);
        assert!(map.is_alive("a", 5) && map.is_alive("b", 5));
        assert_eq!(map.insert("c", 10, 0), Room::EvictedAlive);
        assert!(!map.is_alive("a", 5) && map.is_alive("c", 5));
        assert_eq!(map.len(), 2);
        // Expired keys make room without counting as evicted.
        assert_eq!(map.insert("d", 30, 20), Room::Free);
        assert_eq!(map.len(), 1);
        assert!(!map.is_alive("b", 20) && map.is_alive("d", 20));
        // A key inserted again keeps its newer time when its older insertion leaves the queue.
        assert_eq!(map.insert("d", 50, 25), Room::Free);
        assert_eq!(map.insert("e", 50, 31), Room::Free);
        assert!(map.is_alive("d", 40), "the newer insertion of d survives");
        assert!(map.is_alive("d", 50) && !map.is_alive("d", 51));
    }

    #[test]
    fn a_key_inserted_again_and_again_keeps_the_queue_bounded() {
        let mut map: Expiring<&str, u32> = Expiring::new(4);
        for _ in 0..1000 {
            map.insert("same", 100, 0);
        }
        assert!(map.order.len() <= 8, "{}", map.order.len());
        assert!(map.is_alive("same", 50));
        assert_eq!(map.len(), 1);
    }
}
