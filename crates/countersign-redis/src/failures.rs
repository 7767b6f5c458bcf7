//! Failure counts and lockouts that several instances share: each refusal is counted in
//! Redis in the background (one `EVAL` of a small script), a lock is a key with an expiry
//! announced on a channel, and every instance holds the locked keys in memory, so that the
//! layer's check never waits on Redis.

use std::collections::{BTreeSet, HashMap};
use std::fmt;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use countersign_server::lockout::{FailureTracker, Lockout, LockoutPolicy};
use time::OffsetDateTime;
use tokio::sync::mpsc;
use tokio::task::AbortHandle;

use crate::client::RedisClient;
use crate::error::Error;
use crate::subscription::{Listener, Subscription};

/// The channel on which locks are announced (under the prefix).
const LOCKOUTS_CHANNEL: &str = "lockouts";

/// How many refusals may wait to be recorded; past that, more are dropped (and counted).
const QUEUE: usize = 1024;

/// How many locked keys an instance holds in memory by default.
pub const DEFAULT_LOCK_CAPACITY: usize = 10_000;

/// How many locks one pipeline of `PTTL`s asks about.
const BATCH: usize = 500;

/// Counts one refusal, and locks the key at the threshold. `KEYS`: the count of the key and
/// code, the count of the key's counted failures, the key's lock. `ARGV`: the window in
/// milliseconds, whether the code counts toward the lockout (`1`), the threshold, the lock's
/// duration in milliseconds, the channel, the access key id. Answers 1 when it locked the key.
/// A key already locked is not counted toward another lock.
const RECORD: &str = r"
local n = redis.call('INCR', KEYS[1])
if n == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end
if ARGV[2] ~= '1' or redis.call('EXISTS', KEYS[3]) == 1 then return 0 end
local total = redis.call('INCR', KEYS[2])
if total == 1 then redis.call('PEXPIRE', KEYS[2], ARGV[1]) end
if total < tonumber(ARGV[3]) then return 0 end
redis.call('DEL', KEYS[2])
redis.call('SET', KEYS[3], '1', 'PX', ARGV[4])
redis.call('PUBLISH', ARGV[5], ARGV[4] .. ' ' .. ARGV[6])
return 1
";

/// Failure counts and lockouts shared by every instance on one Redis, for
/// [`SigV4Layer::failure_tracker`](countersign_server::SigV4Layer::failure_tracker)
/// with a [`lockout`](countersign_server::SigV4Layer::lockout).
///
/// In Redis, under the prefix:
///
/// - `fail:{id}:{code}`: the refusals of an access key with an AWS error code, counted with
///   `INCR`, expiring one lockout window after the first of them (read them with
///   [`counts`](Self::counts));
/// - `lockcount:{id}`: the key's refusals of the codes that count toward a lockout, in the
///   same window;
/// - `lock:{id}`: the lock, set with `PX` the lockout's duration when the count reaches the
///   threshold, and announced on the channel `lockouts` (`"{milliseconds} {id}"`).
///
/// Counting is one `EVAL` per refusal, made by a background task: the request is answered
/// without waiting for it. Every instance subscribes to the channel and holds the locked
/// keys in memory (reading every `lock:*` key again each time it subscribes, so that none
/// announced while it was not subscribed is missed), and the layer's check reads them
/// there: a lock set through one instance holds on the others within the time a message
/// takes (milliseconds on a local network). A lock's end is measured by each instance's
/// monotonic clock from when it heard of the lock, not by the layer's clock.
///
/// While Redis is unreachable, refusals are not counted (they are logged, and counted by
/// [`unrecorded`](Self::unrecorded)): a lockout cannot be reached then, and the locks known
/// before hold until they end. Requests are never refused because Redis is down: the
/// lockout is a brake on guessing, not a check a request needs. Once Redis is back,
/// counting resumes by itself.
///
/// ```no_run
/// # async fn run() -> Result<(), countersign_redis::Error> {
/// use std::time::Duration;
/// use countersign_redis::{RedisClient, RedisConfig, RedisFailureTracker, RedisKeyStore};
/// use countersign_server::{lockout::LockoutPolicy, SigV4Layer};
/// let client = RedisClient::connect(RedisConfig::new("redis://127.0.0.1:6379")?).await?;
/// let policy = LockoutPolicy::new(10, Duration::from_secs(60), Duration::from_secs(300));
/// let layer = SigV4Layer::new(RedisKeyStore::start(client.clone()).await)
///     .failure_tracker(RedisFailureTracker::start(client).await)
///     .lockout(policy);
/// # let _ = layer; Ok(()) }
/// ```
#[derive(Clone)]
pub struct RedisFailureTracker {
    shared: Arc<Shared>,
}

struct Shared {
    client: RedisClient,
    locks: Arc<Locks>,
    queue: mpsc::Sender<Job>,
    unrecorded: Arc<AtomicU64>,
    subscription: Subscription,
    worker: AbortHandle,
}

impl Drop for Shared {
    fn drop(&mut self) {
        self.worker.abort();
    }
}

/// One refusal to count.
struct Job {
    access_key_id: String,
    code: &'static str,
    counted: bool,
    threshold: u32,
    window_ms: u128,
    duration_ms: u128,
}

/// One line of [`RedisFailureTracker::counts`].
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct SharedFailureCount {
    /// The access key the requests named.
    pub access_key_id: String,
    /// The AWS error code they were refused with.
    pub code: String,
    /// How many, within the current window, on every instance.
    pub count: u64,
}

impl RedisFailureTracker {
    /// Starts the tracker: a background task that records refusals, and a subscription to
    /// the locks, both on the current Tokio runtime; waits until it is subscribed (and has
    /// read the locks in place), or the connect timeout has passed (the task goes on
    /// trying).
    pub async fn start(client: RedisClient) -> Self {
        Self::with_capacity(client, DEFAULT_LOCK_CAPACITY).await
    }

    /// [`start`](Self::start), holding at most `capacity` locked keys in memory (when one
    /// more is locked, the lock that ends first is forgotten here, though Redis keeps it).
    pub async fn with_capacity(client: RedisClient, capacity: usize) -> Self {
        let locks = Arc::new(Locks {
            client: client.clone(),
            table: Mutex::default(),
            held: AtomicUsize::new(0),
            capacity: capacity.max(1),
        });
        let unrecorded = Arc::new(AtomicU64::new(0));
        let (queue, jobs) = mpsc::channel(QUEUE);
        let worker = tokio::spawn(record_all(
            client.clone(),
            jobs,
            Arc::clone(&locks),
            Arc::clone(&unrecorded),
        ))
        .abort_handle();
        let channel = client.key(LOCKOUTS_CHANNEL);
        let subscription = Subscription::start(client.clone(), channel, Arc::clone(&locks)).await;
        RedisFailureTracker {
            shared: Arc::new(Shared {
                client,
                locks,
                queue,
                unrecorded,
                subscription,
                worker,
            }),
        }
    }

    /// Whether the subscription to the locks is in place.
    pub fn is_subscribed(&self) -> bool {
        self.shared.subscription.state().is_up()
    }

    /// How many refusals could not be counted in Redis (it failed or was too slow, or too
    /// many waited to be counted) since the tracker started.
    pub fn unrecorded(&self) -> u64 {
        self.shared.unrecorded.load(Ordering::Relaxed)
    }

    /// The access keys this instance holds locked, with the time left.
    pub fn locked_keys(&self) -> Vec<(String, Duration)> {
        let now = Instant::now();
        let table = self.shared.locks.table();
        let mut keys: Vec<_> = table
            .ends
            .iter()
            .filter(|(end, _)| *end > now)
            .map(|(end, id)| (id.clone(), *end - now))
            .collect();
        keys.sort();
        keys
    }

    /// Every count in Redis, of every instance, by access key and code (for metrics): a
    /// `SCAN` of `fail:*` and `MGET`s of what it found, so not one consistent snapshot.
    ///
    /// # Errors
    ///
    /// [`Error::Unavailable`] when Redis fails.
    pub async fn counts(&self) -> Result<Vec<SharedFailureCount>, Error> {
        let client = &self.shared.client;
        let prefix = client.key("fail:");
        let names = client.names_under(&prefix).await?;
        let values = client.values_of(&names).await?;
        let mut counts = Vec::new();
        for (name, value) in names.iter().zip(values) {
            let parsed = name
                .get(prefix.len()..)
                .and_then(|rest| rest.rsplit_once(':'));
            // A count is an integer in decimal; gone since the scan, it is left out.
            let count = value
                .and_then(|v| String::from_utf8(v).ok())
                .and_then(|v| v.parse::<u64>().ok());
            if let (Some((id, code)), Some(count)) = (parsed, count) {
                counts.push(SharedFailureCount {
                    access_key_id: id.to_string(),
                    code: code.to_string(),
                    count,
                });
            }
        }
        counts.sort_by(|a, b| (&a.access_key_id, &a.code).cmp(&(&b.access_key_id, &b.code)));
        Ok(counts)
    }
}

impl FailureTracker for RedisFailureTracker {
    fn record(
        &self,
        access_key_id: &str,
        code: &'static str,
        policy: &LockoutPolicy,
        _now: OffsetDateTime,
    ) {
        let job = Job {
            access_key_id: access_key_id.to_string(),
            code,
            counted: policy.counts(code),
            threshold: policy.threshold(),
            window_ms: policy.window().as_millis(),
            duration_ms: policy.duration().as_millis(),
        };
        if self.shared.queue.try_send(job).is_err() {
            self.shared.unrecorded.fetch_add(1, Ordering::Relaxed);
            tracing::debug!(
                access_key_id,
                code,
                "too many refusals waiting to be counted in Redis: dropped one"
            );
        }
    }

    fn locked(&self, access_key_id: &str, _now: OffsetDateTime) -> Option<Lockout> {
        self.shared.locks.remaining(access_key_id).map(Lockout::new)
    }
}

impl fmt::Debug for RedisFailureTracker {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RedisFailureTracker")
            .field("client", &self.shared.client)
            .field("subscribed", &self.is_subscribed())
            .finish_non_exhaustive()
    }
}

/// Counts the refusals as they come, one after the other.
async fn record_all(
    client: RedisClient,
    mut jobs: mpsc::Receiver<Job>,
    locks: Arc<Locks>,
    unrecorded: Arc<AtomicU64>,
) {
    // Whether the last attempt failed: a failure is logged at `warn` once, until one works.
    let failing = AtomicBool::new(false);
    while let Some(job) = jobs.recv().await {
        let command = redis::cmd("EVAL")
            .arg(RECORD)
            .arg(3)
            .arg(client.key(&format!("fail:{}:{}", job.access_key_id, job.code)))
            .arg(client.key(&format!("lockcount:{}", job.access_key_id)))
            .arg(client.key(&format!("lock:{}", job.access_key_id)))
            .arg(job.window_ms.to_string())
            .arg(if job.counted { "1" } else { "0" })
            .arg(job.threshold)
            .arg(job.duration_ms.to_string())
            .arg(client.key(LOCKOUTS_CHANNEL))
            .arg(&job.access_key_id)
            .clone();
        match client.query::<i64>(&command).await {
            Ok(locked) => {
                if failing.swap(false, Ordering::Relaxed) {
                    tracing::info!("failures are counted in Redis again");
                }
                if locked == 1 {
                    let duration =
                        Duration::from_millis(u64::try_from(job.duration_ms).unwrap_or(u64::MAX));
                    locks.hold(&job.access_key_id, duration);
                    tracing::warn!(access_key_id = %job.access_key_id, threshold = job.threshold, "access key locked out after repeated failures");
                }
            }
            Err(why) => {
                unrecorded.fetch_add(1, Ordering::Relaxed);
                if failing.swap(true, Ordering::Relaxed) {
                    tracing::debug!(%why, "cannot count a failure in Redis");
                } else {
                    tracing::warn!(%why, "cannot count failures in Redis; locks known stay in force");
                }
            }
        }
    }
}

/// The locked keys an instance holds, at most `capacity`, and the listener that keeps them.
struct Locks {
    client: RedisClient,
    table: Mutex<LockTable>,
    /// How many the table holds (some may have ended): while none, a request is not held up
    /// by the table's lock.
    held: AtomicUsize,
    capacity: usize,
}

#[derive(Default)]
struct LockTable {
    ends: BTreeSet<(Instant, String)>,
    by_id: HashMap<String, Instant>,
}

impl Locks {
    fn table(&self) -> MutexGuard<'_, LockTable> {
        self.table.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Holds `access_key_id` locked for `remaining` from now.
    fn hold(&self, access_key_id: &str, remaining: Duration) {
        let Some(end) = Instant::now().checked_add(remaining) else {
            return;
        };
        let mut table = self.table();
        table.insert(access_key_id, end, self.capacity);
        self.held.store(table.by_id.len(), Ordering::Release);
    }

    /// The time left of `access_key_id`'s lock.
    fn remaining(&self, access_key_id: &str) -> Option<Duration> {
        if self.held.load(Ordering::Acquire) == 0 {
            return None;
        }
        let mut table = self.table();
        let end = *table.by_id.get(access_key_id)?;
        let now = Instant::now();
        if end <= now {
            table.remove(access_key_id);
            self.held.store(table.by_id.len(), Ordering::Release);
            return None;
        }
        Some(end - now)
    }

    /// Every lock in Redis, with the time left of each.
    async fn load(&self) -> Result<Vec<(String, Duration)>, Error> {
        let prefix = self.client.key("lock:");
        let names = self.client.names_under(&prefix).await?;
        let mut found = Vec::new();
        for chunk in names.chunks(BATCH) {
            let mut pipe = redis::pipe();
            for name in chunk {
                pipe.cmd("PTTL").arg(name);
            }
            let ttls: Vec<i64> = self.client.pipeline(&pipe).await?;
            for (name, ttl) in chunk.iter().zip(ttls) {
                let (Some(id), Ok(ms)) = (name.get(prefix.len()..), u64::try_from(ttl)) else {
                    // -2: gone meanwhile; -1: no expiry, which this tracker never sets.
                    continue;
                };
                found.push((id.to_string(), Duration::from_millis(ms)));
            }
        }
        Ok(found)
    }
}

impl LockTable {
    fn insert(&mut self, access_key_id: &str, end: Instant, capacity: usize) {
        match self.by_id.get(access_key_id) {
            Some(old) => {
                let old = *old;
                self.ends.remove(&(old, access_key_id.to_string()));
            }
            None => {
                while self.by_id.len() >= capacity {
                    let Some((_, first)) = self.ends.pop_first() else {
                        break;
                    };
                    self.by_id.remove(&first);
                }
            }
        }
        self.by_id.insert(access_key_id.to_string(), end);
        self.ends.insert((end, access_key_id.to_string()));
    }

    fn remove(&mut self, access_key_id: &str) {
        if let Some(end) = self.by_id.remove(access_key_id) {
            self.ends.remove(&(end, access_key_id.to_string()));
        }
    }
}

impl Listener for Locks {
    async fn subscribed(&self) -> Result<(), Error> {
        // Locks announced while not subscribed were missed: read them all. Those held here
        // and no longer in Redis (deleted by hand) are forgotten.
        let found = self.load().await.inspect_err(|why| {
            tracing::warn!(%why, "cannot read the locks; keeping those in memory until they can be")
        })?;
        let now = Instant::now();
        let mut table = LockTable::default();
        for (id, remaining) in found {
            if let Some(end) = now.checked_add(remaining) {
                table.insert(&id, end, self.capacity);
            }
        }
        let mut held = self.table();
        *held = table;
        self.held.store(held.by_id.len(), Ordering::Release);
        Ok(())
    }

    async fn message(&self, payload: &[u8]) {
        let Some((ms, id)) = std::str::from_utf8(payload)
            .ok()
            .and_then(|text| text.split_once(' '))
        else {
            return;
        };
        if let Ok(ms) = ms.parse::<u64>() {
            self.hold(id, Duration::from_millis(ms));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_full_table_forgets_the_lock_that_ends_first() {
        let mut table = LockTable::default();
        let now = Instant::now();
        table.insert("A", now + Duration::from_secs(30), 2);
        table.insert("B", now + Duration::from_secs(10), 2);
        table.insert("C", now + Duration::from_secs(20), 2);
        let mut ids: Vec<_> = table.by_id.keys().cloned().collect();
        ids.sort();
        assert_eq!(ids, ["A", "C"]);
        assert_eq!(table.ends.len(), 2);
    }

    #[test]
    fn a_lock_held_again_replaces_its_end() {
        let mut table = LockTable::default();
        let now = Instant::now();
        table.insert("A", now + Duration::from_secs(10), 2);
        table.insert("A", now + Duration::from_secs(20), 2);
        assert_eq!(table.by_id.len(), 1);
        assert_eq!(table.ends.len(), 1);
        assert_eq!(table.by_id.get("A"), Some(&(now + Duration::from_secs(20))));
    }
}
