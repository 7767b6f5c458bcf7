//! Lockout after repeated failures (off by default): the policy (how many failures, within
//! how long, lock for how long, which codes count, and the answer), the trait of the table
//! that counts failures and holds locks ([`FailureTracker`]: in memory here, shared on
//! Redis in `countersign-redis`), and the check the layer makes before a key is looked up.
//!
//! A lock is a denial of service that anyone who knows an access key id can cause: send it
//! `threshold` badly signed requests and its owner is refused for `duration`, even with
//! correct signatures. That is why it is off by default, and why a lock only lasts a while.

mod memory;

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use time::OffsetDateTime;

pub use memory::MemoryFailureTracker;

/// The codes whose refusals count toward a lockout by default: those that tested a guess, of
/// a secret (`SignatureDoesNotMatch`) or of an access key id (`InvalidAccessKeyId`, counted
/// per id named). A refusal found before any key is used (a malformed header, a request out
/// of its time window, `RequestTimeTooSkewed`, an expired presigned URL) tells its sender
/// nothing about a secret; one by the authorizer (`AccessDenied`) follows a valid signature.
pub const DEFAULT_LOCKOUT_CODES: [&str; 2] = ["SignatureDoesNotMatch", "InvalidAccessKeyId"];

/// How a locked key's requests are answered.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum LockoutAnswer {
    /// 403 `AccessDenied`, saying that the key is temporarily locked (the default).
    #[default]
    AccessDenied,
    /// 503 `SlowDown`, which AWS SDKs retry with backoff (within their retry budget).
    SlowDown,
}

/// When an access key is locked out, for how long, and how its requests are answered
/// ([`SigV4Layer::lockout`](crate::SigV4Layer::lockout)): after `threshold` refusals of
/// a counted code ([`DEFAULT_LOCKOUT_CODES`] unless [`counting`](Self::counting) says
/// otherwise) within `window` of the first of them, the key is locked for `duration`; its
/// requests are then refused before any key lookup or signature check, with a
/// `Retry-After` of the time left. The count starts again once the window is over or the
/// key was locked.
///
/// ```
/// use std::time::Duration;
/// use countersign_server::lockout::{LockoutAnswer, LockoutPolicy};
/// let policy = LockoutPolicy::new(10, Duration::from_secs(60), Duration::from_secs(300))
///     .respond_with(LockoutAnswer::SlowDown);
/// assert!(policy.counts("SignatureDoesNotMatch"));
/// assert!(!policy.counts("RequestTimeTooSkewed"));
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LockoutPolicy {
    threshold: u32,
    window: Duration,
    duration: Duration,
    codes: Arc<[&'static str]>,
    pub(crate) answer: LockoutAnswer,
}

impl LockoutPolicy {
    /// Lock a key for `duration` after `threshold` counted failures (at least one) within
    /// `window` (at least a millisecond, as is `duration`: Redis counts in milliseconds).
    pub fn new(threshold: u32, window: Duration, duration: Duration) -> Self {
        let least = Duration::from_millis(1);
        LockoutPolicy {
            threshold: threshold.max(1),
            window: window.max(least),
            duration: duration.max(least),
            codes: Arc::from(DEFAULT_LOCKOUT_CODES.as_slice()),
            answer: LockoutAnswer::AccessDenied,
        }
    }

    /// Count refusals of these AWS error codes (instead of [`DEFAULT_LOCKOUT_CODES`]).
    pub fn counting(mut self, codes: impl IntoIterator<Item = &'static str>) -> Self {
        self.codes = codes.into_iter().collect();
        self
    }

    /// Answer a locked key's requests this way (403 `AccessDenied` by default).
    pub fn respond_with(mut self, answer: LockoutAnswer) -> Self {
        self.answer = answer;
        self
    }

    /// How many counted failures lock a key.
    pub fn threshold(&self) -> u32 {
        self.threshold
    }

    /// Within how long of the first of them.
    pub fn window(&self) -> Duration {
        self.window
    }

    /// How long a key stays locked.
    pub fn duration(&self) -> Duration {
        self.duration
    }

    /// Whether refusals with this AWS error code count.
    pub fn counts(&self, code: &str) -> bool {
        self.codes.contains(&code)
    }

    /// How a locked key's requests are answered.
    pub fn answer(&self) -> LockoutAnswer {
        self.answer
    }
}

/// A key locked out, as a [`FailureTracker`] reports it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct Lockout {
    /// How long it stays locked from now.
    pub remaining: Duration,
}

impl Lockout {
    /// A lock with `remaining` left.
    pub fn new(remaining: Duration) -> Self {
        Lockout { remaining }
    }

    /// The whole seconds a client is told to wait (`Retry-After`): the time left, rounded
    /// up, and at least one.
    pub fn retry_after_secs(&self) -> u64 {
        let secs = self.remaining.as_secs() + u64::from(self.remaining.subsec_nanos() > 0);
        secs.max(1)
    }
}

/// Counts failed attempts per access key and holds the keys locked out, for a
/// [`LockoutPolicy`]: [`MemoryFailureTracker`] within one process (the default), or a
/// shared one (`countersign-redis`'s `RedisFailureTracker`) so that failures spread over
/// several instances add up and a lock holds on all of them
/// ([`SigV4Layer::failure_tracker`](crate::SigV4Layer::failure_tracker)).
///
/// Both methods are asked on the request's path and must not wait: a remote tracker records
/// in the background (its failures logged, never turned into another refusal) and answers
/// [`locked`](Self::locked) from what it holds in memory.
pub trait FailureTracker: Send + Sync + 'static {
    /// Counts one refusal of a request that named `access_key_id`, with the AWS error
    /// `code`, at `now` (the layer's clock), and locks the key as `policy` says once its
    /// counted failures reach the threshold.
    fn record(
        &self,
        access_key_id: &str,
        code: &'static str,
        policy: &LockoutPolicy,
        now: OffsetDateTime,
    );

    /// Whether `access_key_id` is locked out at `now`, and for how long still.
    fn locked(&self, access_key_id: &str, now: OffsetDateTime) -> Option<Lockout>;
}

impl<T: FailureTracker + ?Sized> FailureTracker for Arc<T> {
    fn record(
        &self,
        access_key_id: &str,
        code: &'static str,
        policy: &LockoutPolicy,
        now: OffsetDateTime,
    ) {
        (**self).record(access_key_id, code, policy, now)
    }

    fn locked(&self, access_key_id: &str, now: OffsetDateTime) -> Option<Lockout> {
        (**self).locked(access_key_id, now)
    }
}

/// A layer's lockout: its policy and the tracker that applies it.
#[derive(Clone)]
pub(crate) struct LockoutConfig {
    pub(crate) policy: LockoutPolicy,
    pub(crate) tracker: Arc<dyn FailureTracker>,
}

impl fmt::Debug for LockoutConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("LockoutConfig")
            .field("policy", &self.policy)
            .finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retry_after_rounds_the_time_left_up_to_whole_seconds() {
        assert_eq!(
            Lockout::new(Duration::from_millis(1500)).retry_after_secs(),
            2
        );
        assert_eq!(Lockout::new(Duration::from_secs(30)).retry_after_secs(), 30);
        assert_eq!(Lockout::new(Duration::from_millis(1)).retry_after_secs(), 1);
        assert_eq!(Lockout::new(Duration::ZERO).retry_after_secs(), 1);
    }

    #[test]
    fn a_policy_counts_the_codes_it_is_given() {
        let policy = LockoutPolicy::new(3, Duration::from_secs(1), Duration::from_secs(1))
            .counting(["RequestTimeTooSkewed"]);
        assert!(policy.counts("RequestTimeTooSkewed"));
        assert!(!policy.counts("SignatureDoesNotMatch"));
    }

    #[test]
    fn a_policy_locks_after_one_failure_at_least() {
        let policy = LockoutPolicy::new(0, Duration::ZERO, Duration::ZERO);
        assert_eq!(policy.threshold(), 1);
        assert_eq!(policy.window(), Duration::from_millis(1));
        assert_eq!(policy.duration(), Duration::from_millis(1));
    }
}
