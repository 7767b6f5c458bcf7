//! A bounded, expiring memory of access key ids the key store did not know, so that a flood
//! of requests with random keys does not reach the store.

use std::collections::{HashMap, VecDeque};
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Access key ids recently answered "unknown" by the key store.
#[derive(Debug)]
pub(crate) struct UnknownKeys {
    capacity: usize,
    ttl: Duration,
    inner: Mutex<Entries>,
}

#[derive(Debug, Default)]
struct Entries {
    since: HashMap<String, Instant>,
    order: VecDeque<(Instant, String)>,
}

impl UnknownKeys {
    pub(crate) fn new(capacity: usize, ttl: Duration) -> Self {
        UnknownKeys {
            capacity: capacity.max(1),
            ttl,
            inner: Mutex::new(Entries::default()),
        }
    }

    /// Whether `id` was found unknown less than the time-to-live ago.
    pub(crate) fn contains(&self, id: &str) -> bool {
        let entries = self.inner.lock().unwrap_or_else(|p| p.into_inner());
        entries
            .since
            .get(id)
            .is_some_and(|t| t.elapsed() < self.ttl)
    }

    /// Remembers that the store does not know `id`.
    pub(crate) fn insert(&self, id: &str) {
        let mut entries = self.inner.lock().unwrap_or_else(|p| p.into_inner());
        let now = Instant::now();
        loop {
            let expired = entries
                .order
                .front()
                .is_some_and(|(t, _)| now.duration_since(*t) >= self.ttl);
            if !expired && entries.since.len() < self.capacity {
                break;
            }
            let Some((t, old)) = entries.order.pop_front() else {
                break;
            };
            // The queue may hold an older entry of an id seen again since: keep the newer.
            if entries.since.get(&old) == Some(&t) {
                entries.since.remove(&old);
            }
        }
        entries.since.insert(id.to_string(), now);
        entries.order.push_back((now, id.to_string()));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bounded_and_expiring() {
        let cache = UnknownKeys::new(2, Duration::from_secs(60));
        cache.insert("a");
        cache.insert("b");
        cache.insert("c");
        assert!(!cache.contains("a"));
        assert!(cache.contains("b") && cache.contains("c"));
        let short = UnknownKeys::new(10, Duration::ZERO);
        short.insert("x");
        assert!(!short.contains("x"));
    }
}
