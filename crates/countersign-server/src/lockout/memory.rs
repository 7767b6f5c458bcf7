//! The failure tracker of one process: counts and locks in two bounded tables.

use std::collections::{BTreeSet, HashMap, VecDeque};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;
use std::time::Duration;

use time::OffsetDateTime;

use super::{FailureTracker, Lockout, LockoutPolicy};
use crate::failures::DEFAULT_FAILURE_TABLE_CAPACITY;

/// Failed attempts and locks of one process, for at most `capacity` access keys each: a
/// window of counted failures per key (when one more key fails, the key that first failed
/// longest ago is forgotten), and the keys locked (when one more is locked, the lock that
/// ends first is lifted early). A flood of random access key ids therefore costs a bounded
/// table, but can push a key's count out of it before it reaches the threshold: the bound
/// is on memory, not on how many attempts a well spread attack makes.
///
/// The layer makes one when given a [`LockoutPolicy`]
/// ([`SigV4Layer::lockout`](crate::SigV4Layer::lockout)); give it one of yours, in an
/// `Arc`, to read it or to share it between layers
/// ([`SigV4Layer::failure_tracker`](crate::SigV4Layer::failure_tracker)).
#[derive(Debug)]
pub struct MemoryFailureTracker {
    capacity: usize,
    state: Mutex<State>,
    /// How many locks the table holds (some may have ended): while none, a request is not
    /// held up by the table's lock.
    locks: AtomicUsize,
}

#[derive(Debug, Default)]
struct State {
    windows: HashMap<String, Window>,
    /// Keys in the order they first failed, for eviction: the same keys as `windows`.
    order: VecDeque<String>,
    /// When each locked key's lock ends.
    locks: HashMap<String, OffsetDateTime>,
    /// The same locks in the order they end, for eviction.
    ends: BTreeSet<(OffsetDateTime, String)>,
}

/// The counted failures of a key since `started`.
#[derive(Debug)]
struct Window {
    started: OffsetDateTime,
    count: u32,
}

impl Default for MemoryFailureTracker {
    fn default() -> Self {
        Self::new(DEFAULT_FAILURE_TABLE_CAPACITY)
    }
}

impl MemoryFailureTracker {
    /// A tracker for at most `capacity` access keys (at least one) counting, and as many
    /// locked.
    pub fn new(capacity: usize) -> Self {
        MemoryFailureTracker {
            capacity: capacity.max(1),
            state: Mutex::default(),
            locks: AtomicUsize::new(0),
        }
    }

    /// The counted failures of `access_key_id` in its current window (0 once the window is
    /// over at `now`).
    pub fn count(&self, access_key_id: &str, window: Duration, now: OffsetDateTime) -> u32 {
        let state = self.state();
        match state.windows.get(access_key_id) {
            Some(w) if !over(w.started, window, now) => w.count,
            _ => 0,
        }
    }

    /// How many access keys have a window of failures in the table, and how many are
    /// locked (some of those windows and locks may be over).
    pub fn len(&self) -> (usize, usize) {
        let state = self.state();
        (state.windows.len(), state.locks.len())
    }

    fn state(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }
}

/// Whether a period that `started` and lasts `length` is over at `now`.
fn over(started: OffsetDateTime, length: Duration, now: OffsetDateTime) -> bool {
    let length = time::Duration::try_from(length).unwrap_or(time::Duration::MAX);
    now - started >= length
}

/// `now + length`, or the latest time there is.
fn after(now: OffsetDateTime, length: Duration) -> OffsetDateTime {
    time::Duration::try_from(length)
        .ok()
        .and_then(|d| now.checked_add(d))
        .unwrap_or(time::PrimitiveDateTime::MAX.assume_utc())
}

impl State {
    /// The window of `access_key_id`, made (evicting the oldest when full) when it has none,
    /// started again when it is over.
    fn window(
        &mut self,
        access_key_id: &str,
        capacity: usize,
        length: Duration,
        now: OffsetDateTime,
    ) -> &mut Window {
        if !self.windows.contains_key(access_key_id) {
            while self.windows.len() >= capacity {
                let Some(oldest) = self.order.pop_front() else {
                    break;
                };
                self.windows.remove(&oldest);
            }
            self.order.push_back(access_key_id.to_string());
        }
        let window = self
            .windows
            .entry(access_key_id.to_string())
            .or_insert(Window {
                started: now,
                count: 0,
            });
        if over(window.started, length, now) {
            *window = Window {
                started: now,
                count: 0,
            };
        }
        window
    }

    /// Locks `access_key_id` until `until`; when the table is full, the lock that ends
    /// first (one that ended already, if any) is lifted to make room.
    fn lock(&mut self, access_key_id: &str, until: OffsetDateTime, capacity: usize) {
        match self.locks.get(access_key_id) {
            Some(end) => {
                let end = *end;
                self.ends.remove(&(end, access_key_id.to_string()));
            }
            None => {
                while self.locks.len() >= capacity {
                    let Some((_, first)) = self.ends.pop_first() else {
                        break;
                    };
                    self.locks.remove(&first);
                }
            }
        }
        self.locks.insert(access_key_id.to_string(), until);
        self.ends.insert((until, access_key_id.to_string()));
    }

    /// Lifts the lock of `access_key_id`.
    fn unlock(&mut self, access_key_id: &str) {
        if let Some(end) = self.locks.remove(access_key_id) {
            self.ends.remove(&(end, access_key_id.to_string()));
        }
    }
}

impl FailureTracker for MemoryFailureTracker {
    fn record(
        &self,
        access_key_id: &str,
        code: &'static str,
        policy: &LockoutPolicy,
        now: OffsetDateTime,
    ) {
        if !policy.counts(code) {
            return;
        }
        let mut state = self.state();
        let window = state.window(access_key_id, self.capacity, policy.window(), now);
        window.count = window.count.saturating_add(1);
        if window.count < policy.threshold() {
            return;
        }
        // Locked: the count starts again.
        *window = Window {
            started: now,
            count: 0,
        };
        state.lock(access_key_id, after(now, policy.duration()), self.capacity);
        self.locks.store(state.locks.len(), Ordering::Release);
        tracing::warn!(
            access_key_id,
            threshold = policy.threshold(),
            seconds = policy.duration().as_secs(),
            "access key locked out after repeated failures"
        );
    }

    fn locked(&self, access_key_id: &str, now: OffsetDateTime) -> Option<Lockout> {
        if self.locks.load(Ordering::Acquire) == 0 {
            return None;
        }
        let mut state = self.state();
        let until = *state.locks.get(access_key_id)?;
        if until <= now {
            state.unlock(access_key_id);
            self.locks.store(state.locks.len(), Ordering::Release);
            return None;
        }
        let remaining = Duration::try_from(until - now).unwrap_or(Duration::ZERO);
        Some(Lockout::new(remaining))
    }
}
