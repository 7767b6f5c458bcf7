//! Replay protection (optional, off by default): a header-signed request whose signature was
//! already seen within its validity window is refused. Presigned URLs are left alone: they
//! are made to be used more than once within their lifetime.
//!
//! ```
//! use countersign_server::replay::{MemoryReplayGuard, ReplayGuard};
//! use time::macros::datetime;
//! let guard = MemoryReplayGuard::new(10_000);
//! let now = datetime!(2024-01-01 00:00:00 UTC);
//! let until = now + time::Duration::minutes(5);
//! assert!(guard.first_use(b"signature", until, now));
//! assert!(!guard.first_use(b"signature", until, now)); // a replay
//! ```

use std::fmt;
use std::sync::Mutex;

use time::OffsetDateTime;

use crate::expiring::{Expiring, Room};

/// Remembers the signatures seen while they are valid. Implement it over a shared store
/// (Redis, a database) to protect several servers at once.
pub trait ReplayGuard: Send + Sync + 'static {
    /// Records `signature`, valid until `valid_until`; `false` if it was already recorded and
    /// is still valid (the request is a replay).
    fn first_use(&self, signature: &[u8], valid_until: OffsetDateTime, now: OffsetDateTime)
        -> bool;
}

/// An in-memory, bounded, expiring [`ReplayGuard`] for one server.
///
/// It holds at most `capacity` signatures; expired ones are dropped first, and when every
/// entry is still valid the oldest is dropped (and a warning logged): size the capacity for
/// the request rate times the validity window (twice the clock skew).
pub struct MemoryReplayGuard {
    seen: Mutex<Expiring<Vec<u8>, OffsetDateTime>>,
}

impl MemoryReplayGuard {
    /// A guard for at most `capacity` signatures (at least one).
    pub fn new(capacity: usize) -> Self {
        MemoryReplayGuard {
            seen: Mutex::new(Expiring::new(capacity)),
        }
    }

    /// How many signatures are remembered now.
    pub fn len(&self) -> usize {
        self.seen.lock().map_or(0, |s| s.len())
    }

    /// Whether none is.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

impl ReplayGuard for MemoryReplayGuard {
    fn first_use(
        &self,
        signature: &[u8],
        valid_until: OffsetDateTime,
        now: OffsetDateTime,
    ) -> bool {
        let mut seen = self.seen.lock().unwrap_or_else(|p| p.into_inner());
        if seen.is_alive(signature, now) {
            return false;
        }
        if seen.insert(signature.to_vec(), valid_until, now) == Room::EvictedAlive {
            tracing::warn!(
                capacity = seen.capacity(),
                "replay guard full: dropped a signature still valid"
            );
        }
        true
    }
}

impl fmt::Debug for MemoryReplayGuard {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MemoryReplayGuard")
            .field("capacity", &self.seen.lock().map_or(0, |s| s.capacity()))
            .field("len", &self.len())
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    #[test]
    fn expires_and_stays_bounded() {
        let guard = MemoryReplayGuard::new(2);
        let now = datetime!(2024-01-01 00:00:00 UTC);
        let soon = now + time::Duration::seconds(10);
        assert!(guard.first_use(b"a", soon, now));
        assert!(!guard.first_use(b"a", soon, now));
        let later = soon + time::Duration::seconds(1);
        assert!(guard.first_use(b"a", later + time::Duration::seconds(10), later));
        assert!(guard.first_use(b"b", later + time::Duration::seconds(10), later));
        assert!(guard.first_use(b"c", later + time::Duration::seconds(10), later));
        assert_eq!(guard.len(), 2);
    }
}
