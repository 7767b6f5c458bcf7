//! Replay protection (optional, off by default): a header-signed request whose signature was
//! already seen within its validity window is refused. Presigned URLs are left alone: they
//! are made to be used more than once within their lifetime.
//!
//! ```
//! use countersign_server::replay::{MemoryReplayGuard, Replay, ReplayGuard};
//! use time::macros::datetime;
//! let guard = MemoryReplayGuard::new(10_000);
//! let now = datetime!(2024-01-01 00:00:00 UTC);
//! let until = now + time::Duration::minutes(5);
//! assert!(matches!(guard.first_use(b"signature", until, now), Replay::First));
//! assert!(matches!(guard.first_use(b"signature", until, now), Replay::Seen)); // a replay
//! ```

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex};

use time::OffsetDateTime;

use crate::expiring::{Expiring, Room};
use crate::keys::StoreError;

/// The answer of a guard that needs I/O: `Ok(true)` for a first use, `Ok(false)` for a
/// replay, `Err` when the guard could not tell.
pub type LaterReplay = Pin<Box<dyn Future<Output = Result<bool, StoreError>> + Send>>;

/// A replay guard's answer about one signature, now or later.
pub enum Replay {
    /// The signature was not seen within its validity window, and is now recorded: the
    /// request proceeds.
    First,
    /// The signature was seen and is still valid: the request is a replay (403
    /// `AccessDenied`).
    Seen,
    /// The answer needs I/O (a shared store): the layer waits for it before the request goes
    /// on. A boxed future, so that the answers given at once cost nothing. Its failure
    /// refuses the request with the [`StoreError`]'s status (503 `ServiceUnavailable` for
    /// [`StoreError::unavailable`], 500 `InternalError` otherwise): the layer fails closed,
    /// never taking an unanswered check for a first use.
    Later(LaterReplay),
}

impl fmt::Debug for Replay {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Replay::First => f.write_str("First"),
            Replay::Seen => f.write_str("Seen"),
            Replay::Later(_) => f.write_str("Later(..)"),
        }
    }
}

/// Remembers the signatures seen while they are valid.
///
/// [`MemoryReplayGuard`] protects one server. To protect several servers at once, implement
/// it over a store they share (Redis, a database) and answer [`Replay::Later`] with a future
/// that records the signature atomically, and tells whether it was there already: with
/// Redis, one `SET key 1 NX PXAT ms` where the key is a prefix and the signature, and `ms`
/// is `valid_until` in Unix milliseconds (Redis 6.2 and later; before, `PX` with the
/// milliseconds from `now` to `valid_until`); a reply `OK` is a first use, a nil reply a
/// replay. Bound the expiry to what the store accepts: a layer configured with an endless
/// clock skew gives the greatest `valid_until` there is. The future owns what it needs
/// (copy the signature), and a store that cannot be reached, or does not answer within your
/// timeout (the layer waits as long as the future does), gives [`StoreError::unavailable`]:
/// the request is then refused with 503, never accepted.
///
/// ```
/// use std::sync::Arc;
/// use countersign_server::keys::StoreError;
/// use countersign_server::replay::{Replay, ReplayGuard};
/// use time::OffsetDateTime;
///
/// /// A client of the shared store (a stand-in here: it fails every call).
/// struct Shared;
///
/// impl Shared {
///     async fn set_if_absent(&self, _key: Vec<u8>, _until_ms: i128) -> Result<bool, String> {
///         Err("connection refused".to_string())
///     }
/// }
///
/// struct SharedGuard(Arc<Shared>);
///
/// impl ReplayGuard for SharedGuard {
///     fn first_use(
///         &self,
///         signature: &[u8],
///         valid_until: OffsetDateTime,
///         _now: OffsetDateTime,
///     ) -> Replay {
///         let store = Arc::clone(&self.0);
///         let key = [b"replay:".as_slice(), signature].concat();
///         let until_ms = valid_until.unix_timestamp_nanos() / 1_000_000;
///         Replay::Later(Box::pin(async move {
///             store.set_if_absent(key, until_ms).await.map_err(StoreError::unavailable)
///         }))
///     }
/// }
/// # let _ = SharedGuard(Arc::new(Shared));
/// ```
pub trait ReplayGuard: Send + Sync + 'static {
    /// Records `signature`, valid until `valid_until` (the time is `now`): [`Replay::First`]
    /// if it was not recorded or no longer valid, [`Replay::Seen`] if it was recorded and is
    /// still valid (the request is a replay), or [`Replay::Later`] when the answer needs
    /// I/O. Answer at once when you can.
    fn first_use(
        &self,
        signature: &[u8],
        valid_until: OffsetDateTime,
        now: OffsetDateTime,
    ) -> Replay;
}

impl<T: ReplayGuard + ?Sized> ReplayGuard for Arc<T> {
    fn first_use(
        &self,
        signature: &[u8],
        valid_until: OffsetDateTime,
        now: OffsetDateTime,
    ) -> Replay {
        T::first_use(self, signature, valid_until, now)
    }
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
    ) -> Replay {
        let mut seen = self.seen.lock().unwrap_or_else(|p| p.into_inner());
        if seen.is_alive(signature, now) {
            return Replay::Seen;
        }
        if seen.insert(signature.to_vec(), valid_until, now) == Room::EvictedAlive {
            tracing::warn!(
                capacity = seen.capacity(),
                "replay guard full: dropped a signature still valid"
            );
        }
        Replay::First
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

    /// Whether `guard` answers a first use of `signature`.
    fn first(
        guard: &MemoryReplayGuard,
        signature: &[u8],
        until: OffsetDateTime,
        now: OffsetDateTime,
    ) -> bool {
        match guard.first_use(signature, until, now) {
            Replay::First => true,
            Replay::Seen => false,
            Replay::Later(_) => panic!("the memory guard answers at once"),
        }
    }

    #[test]
    fn expires_and_stays_bounded() {
        let guard = MemoryReplayGuard::new(2);
        let now = datetime!(2024-01-01 00:00:00 UTC);
        let soon = now + time::Duration::seconds(10);
        assert!(first(&guard, b"a", soon, now));
        assert!(!first(&guard, b"a", soon, now));
        let later = soon + time::Duration::seconds(1);
        let until = later + time::Duration::seconds(10);
        assert!(first(&guard, b"a", until, later));
        assert!(first(&guard, b"b", until, later));
        assert!(first(&guard, b"c", until, later));
        assert_eq!(guard.len(), 2);
    }

    #[test]
    fn a_shared_guard_remembers_for_every_holder() {
        let guard = Arc::new(MemoryReplayGuard::new(10));
        let other = Arc::clone(&guard);
        let now = datetime!(2024-01-01 00:00:00 UTC);
        let until = now + time::Duration::seconds(10);
        assert!(matches!(guard.first_use(b"a", until, now), Replay::First));
        assert!(matches!(other.first_use(b"a", until, now), Replay::Seen));
    }
}
