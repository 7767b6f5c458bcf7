//! How a sender retries: AWS's standard mode's attempts and backoff (see `retry` for what
//! is retried).

use std::time::Duration;

/// How a sender retries: AWS's standard mode, with its attempts and backoff adjustable.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryConfig {
    max_attempts: u32,
    backoff_base: Duration,
    max_backoff: Duration,
}

impl RetryConfig {
    /// AWS's standard mode: three attempts, a backoff of `min(b × 2^(i−1), 20 s)` with `b`
    /// random in [0, 1) s.
    pub fn standard() -> Self {
        RetryConfig {
            max_attempts: 3,
            backoff_base: Duration::from_secs(1),
            max_backoff: Duration::from_secs(20),
        }
    }

    /// One attempt, no retry (a skewed clock is still corrected and the request sent once
    /// more; see `Signing`).
    pub fn disabled() -> Self {
        RetryConfig::standard().max_attempts(1)
    }

    /// At most `attempts` attempts, the first included (0 counts as 1).
    pub fn max_attempts(mut self, attempts: u32) -> Self {
        self.max_attempts = attempts.max(1);
        self
    }

    /// The range `b` is drawn from, [0, `base`) (default one second): a test shortens it so
    /// as not to wait.
    pub fn backoff_base(mut self, base: Duration) -> Self {
        self.backoff_base = base;
        self
    }

    /// The longest wait between two attempts (default twenty seconds).
    pub fn max_backoff(mut self, max: Duration) -> Self {
        self.max_backoff = max;
        self
    }

    /// The most attempts a call makes.
    pub fn attempts(&self) -> u32 {
        self.max_attempts
    }

    /// The wait before retry `retry` (1 for the first) when the random draw is `fraction`
    /// (in [0, 1); clamped to it): `min(fraction × base × 2^(retry−1), max)`.
    pub fn backoff(&self, retry: u32, fraction: f64) -> Duration {
        let fraction = if fraction.is_finite() {
            fraction.clamp(0.0, 1.0)
        } else {
            0.0
        };
        let exponent = retry.saturating_sub(1).min(62);
        let factor = fraction * (1u64 << exponent) as f64;
        let wait = self.backoff_base.as_secs_f64() * factor;
        if wait >= self.max_backoff.as_secs_f64() {
            self.max_backoff
        } else {
            Duration::from_secs_f64(wait)
        }
    }
}

impl Default for RetryConfig {
    fn default() -> Self {
        RetryConfig::standard()
    }
}
