//! A bounded, expiring memory of access key ids the key store did not know, so that a flood
//! of requests with random keys does not reach the store.

use std::sync::Mutex;
use std::time::{Duration, Instant};

use crate::expiring::Expiring;

/// Access key ids recently answered "unknown" by the key store.
#[derive(Debug)]
pub(crate) struct UnknownKeys {
    ttl: Duration,
    ids: Mutex<Expiring<String, Instant>>,
}

impl UnknownKeys {
    pub(crate) fn new(capacity: usize, ttl: Duration) -> Self {
        UnknownKeys {
            ttl,
            ids: Mutex::new(Expiring::new(capacity)),
        }
    }

    /// Whether `id` was found unknown less than the time-to-live ago.
    pub(crate) fn contains(&self, id: &str) -> bool {
        let ids = self.ids.lock().unwrap_or_else(|p| p.into_inner());
        ids.is_alive(id, Instant::now())
    }

    /// Remembers that the store does not know `id` (a zero time-to-live remembers nothing).
    pub(crate) fn insert(&self, id: &str) {
        if self.ttl.is_zero() {
            return;
        }
        let now = Instant::now();
        let mut ids = self.ids.lock().unwrap_or_else(|p| p.into_inner());
        ids.insert(id.to_string(), now + self.ttl, now);
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
