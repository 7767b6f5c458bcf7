//! AWS's standard retry mode, shared by the senders (`SigningMiddleware`, `SignExt`,
//! `SigningLayer`): which failures are retried, how long to wait before the next attempt, and
//! the state of one call's attempts.
//!
//! The rules are the ones the AWS SDKs document for their `standard` mode (the *AWS SDKs and
//! Tools Reference Guide*, "Retry behavior", and the boto3 guide, "Standard retry mode"):
//!
//! - At most three attempts by default (the first and two retries); `max_attempts` changes it.
//! - Retried: throttling errors (`Throttling`, `ThrottlingException`, `ThrottledException`,
//!   `RequestThrottledException`, `TooManyRequestsException`,
//!   `ProvisionedThroughputExceededException`, `TransactionInProgressException`,
//!   `RequestLimitExceeded`, `BandwidthLimitExceeded`, `LimitExceededException`,
//!   `RequestThrottled`, `SlowDown`, `PriorRequestNotComplete`, `EC2ThrottledException`),
//!   transient errors (`RequestTimeout`, `RequestTimeoutException`, `InternalError`), the HTTP
//!   statuses 500, 502, 503 and 504 whatever their code, and connection errors (no response).
//! - Before retry *i* (1 for the first), a wait of `min(b × 2^(i−1), 20 s)` with `b` drawn at
//!   random in [0, 1) s: exponential backoff with "full jitter", capped at twenty seconds.
//!
//! Here also, as the SDKs do: every attempt is signed again (a new `X-Amz-Date`, credentials
//! asked again); a request whose body cannot be sent twice (a stream) is tried once. Not
//! here: the SDKs' retry quota (a token bucket shared by a client's calls that stops retries
//! when most calls fail) and the adaptive mode's client-side rate limiting.
//!
//! A response's error code is read from its `x-amzn-errortype` header, else from the first
//! [`ERROR_BODY_LIMIT`] bytes of its body: `<Code>` in XML, `__type` or `code` in JSON. The
//! body is read only for error responses (status 400 or more) that a retry could follow, and
//! the bytes read are handed back with the rest of the body when the response is returned.
//!
//! ```
//! use std::time::Duration;
//! use countersign_client::RetryConfig;
//!
//! let retry = RetryConfig::standard().max_attempts(5);
//! assert_eq!(retry.attempts(), 5);
//! // The wait before the third retry with b = 0.5 s: 0.5 × 2² = 2 s.
//! assert_eq!(retry.backoff(3, 0.5), Duration::from_secs(2));
//! // Never more than twenty seconds.
//! assert_eq!(retry.backoff(10, 0.99), Duration::from_secs(20));
//! ```

use std::hash::{BuildHasher, Hasher};
use std::sync::atomic::{AtomicU64, Ordering};

use http::{HeaderMap, StatusCode};

use crate::error_code;
use crate::signing::Signing;

/// The most bytes of an error response's body read to find its error code: 64 KiB.
pub const ERROR_BODY_LIMIT: usize = 64 * 1024;

/// The error codes that AWS services send when they throttle a caller.
const THROTTLING_CODES: [&str; 14] = [
    "Throttling",
    "ThrottlingException",
    "ThrottledException",
    "RequestThrottledException",
    "TooManyRequestsException",
    "ProvisionedThroughputExceededException",
    "TransactionInProgressException",
    "RequestLimitExceeded",
    "BandwidthLimitExceeded",
    "LimitExceededException",
    "RequestThrottled",
    "SlowDown",
    "PriorRequestNotComplete",
    "EC2ThrottledException",
];

/// The error codes of failures that pass.
const TRANSIENT_CODES: [&str; 3] = ["RequestTimeout", "RequestTimeoutException", "InternalError"];

/// The statuses retried whatever their error code.
const TRANSIENT_STATUSES: [u16; 4] = [500, 502, 503, 504];

/// Why a failed attempt is retried.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum RetryReason {
    /// The service throttled the caller.
    Throttling,
    /// A failure that passes: a transient code or a 500, 502, 503 or 504.
    Transient,
}

/// Whether a response of `status` with the error code `code` is retried, and why.
pub(crate) fn retry_reason(status: StatusCode, code: Option<&str>) -> Option<RetryReason> {
    if let Some(code) = code {
        if THROTTLING_CODES.contains(&code) {
            return Some(RetryReason::Throttling);
        }
        if TRANSIENT_CODES.contains(&code) {
            return Some(RetryReason::Transient);
        }
    }
    TRANSIENT_STATUSES
        .contains(&status.as_u16())
        .then_some(RetryReason::Transient)
}

/// A number drawn at random in [0, 1): the jitter of a backoff. Drawn from the standard
/// library's randomly keyed hasher (each `RandomState` has keys of its own), so that no
/// random-number crate is needed for a wait.
fn random_fraction() -> f64 {
    static DRAWS: AtomicU64 = AtomicU64::new(0);
    let mut hasher = std::collections::hash_map::RandomState::new().build_hasher();
    hasher.write_u64(DRAWS.fetch_add(1, Ordering::Relaxed));
    // The top 53 bits, the precision of an f64, over 2^53.
    (hasher.finish() >> 11) as f64 / (1u64 << 53) as f64
}

/// What to do after an attempt.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Verdict {
    /// Send the request again (signed again); any wait has been waited.
    Retry,
    /// Hand the response (or the error) to the caller.
    Done,
}

/// The attempts of one call: how many were made, whether the request can be sent again,
/// and whether the clock was corrected already.
#[derive(Debug)]
pub(crate) struct Attempts<'s> {
    signing: &'s Signing,
    made: u32,
    replayable: bool,
    skew_corrected: bool,
}

impl<'s> Attempts<'s> {
    /// The attempts of a call by `signing` whose request can (or cannot) be sent twice.
    pub(crate) fn new(signing: &'s Signing, replayable: bool) -> Self {
        Attempts {
            signing,
            made: 0,
            replayable,
            skew_corrected: false,
        }
    }

    /// Counts an attempt about to be made.
    pub(crate) fn start(&mut self) {
        self.made += 1;
    }

    /// Whether another standard retry may follow (the correction of a skewed clock is one
    /// more attempt, outside this count).
    fn retries_left(&self) -> bool {
        self.replayable && self.made < self.signing.retry_config().attempts() + self.extra()
    }

    /// The attempt the clock correction added.
    fn extra(&self) -> u32 {
        u32::from(self.skew_corrected)
    }

    /// Whether the error code of a response of `status` is worth reading: an error
    /// response that another attempt could follow, or that could correct the clock (for
    /// this call or, when the request cannot be sent again, for the next ones).
    pub(crate) fn wants_code(&self, status: StatusCode) -> bool {
        status.as_u16() >= 400 && (self.retries_left() || !self.skew_corrected)
    }

    /// After a response of `status` with `headers` and the error code `code`: a skewed
    /// clock is corrected from the response's `Date` and the request retried at once (once
    /// a call); a throttling or transient failure is retried after the backoff, while
    /// attempts remain. The clock's offset is stored even when the request cannot be sent
    /// again, for the next requests.
    pub(crate) async fn after_response(
        &mut self,
        status: StatusCode,
        headers: &HeaderMap,
        code: Option<&str>,
    ) -> Verdict {
        if !self.skew_corrected && crate::skew::is_skew_error(status, code) {
            if self.signing.correct_clock(headers) && self.replayable {
                self.skew_corrected = true;
                return Verdict::Retry;
            }
            return Verdict::Done;
        }
        if retry_reason(status, code).is_some() && self.retries_left() {
            self.wait().await;
            return Verdict::Retry;
        }
        Verdict::Done
    }

    /// After an attempt that got no response: a connection error (`connection`) is retried
    /// after the backoff, while attempts remain.
    pub(crate) async fn after_error(&mut self, connection: bool) -> Verdict {
        if connection && self.retries_left() {
            self.wait().await;
            return Verdict::Retry;
        }
        Verdict::Done
    }

    /// The backoff before the next retry.
    async fn wait(&self) {
        let retry = self.made - self.extra();
        let wait = self
            .signing
            .retry_config()
            .backoff(retry, random_fraction());
        if !wait.is_zero() {
            tokio::time::sleep(wait).await;
        }
    }
}

/// The error code of a response, from its `x-amzn-errortype` header alone (the body not
/// read): the integrations ask this first and read the body only without it.
pub(crate) fn header_code(headers: &HeaderMap) -> Option<String> {
    error_code::from_header(headers)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::retry_config::RetryConfig;
    use std::time::Duration;

    #[test]
    fn slow_down_is_throttling() {
        assert_eq!(
            retry_reason(StatusCode::SERVICE_UNAVAILABLE, Some("SlowDown")),
            Some(RetryReason::Throttling)
        );
    }

    #[test]
    fn a_throttling_code_is_retried_with_a_400() {
        assert_eq!(
            retry_reason(StatusCode::BAD_REQUEST, Some("ThrottlingException")),
            Some(RetryReason::Throttling)
        );
    }

    #[test]
    fn internal_error_is_transient() {
        assert_eq!(
            retry_reason(StatusCode::OK, Some("InternalError")),
            Some(RetryReason::Transient)
        );
    }

    #[test]
    fn a_502_without_a_code_is_transient() {
        assert_eq!(
            retry_reason(StatusCode::BAD_GATEWAY, None),
            Some(RetryReason::Transient)
        );
    }

    #[test]
    fn a_501_is_not_retried() {
        assert_eq!(retry_reason(StatusCode::NOT_IMPLEMENTED, None), None);
    }

    #[test]
    fn invalid_argument_is_not_retried() {
        assert_eq!(
            retry_reason(StatusCode::BAD_REQUEST, Some("InvalidArgument")),
            None
        );
    }

    #[test]
    fn codes_are_matched_exactly() {
        assert_eq!(
            retry_reason(StatusCode::BAD_REQUEST, Some("slowdown")),
            None
        );
    }

    #[test]
    fn the_first_retry_waits_at_most_the_base() {
        let retry = RetryConfig::standard();
        assert_eq!(retry.backoff(1, 0.25), Duration::from_millis(250));
    }

    #[test]
    fn the_backoff_doubles_with_each_retry() {
        let retry = RetryConfig::standard();
        assert_eq!(retry.backoff(2, 0.25), Duration::from_millis(500));
        assert_eq!(retry.backoff(4, 0.25), Duration::from_secs(2));
    }

    #[test]
    fn the_backoff_is_capped_at_twenty_seconds() {
        let retry = RetryConfig::standard();
        assert_eq!(retry.backoff(6, 0.75), Duration::from_secs(20));
        assert_eq!(retry.backoff(u32::MAX, 0.5), Duration::from_secs(20));
    }

    #[test]
    fn a_shorter_base_scales_the_backoff() {
        let retry = RetryConfig::standard().backoff_base(Duration::from_millis(10));
        assert_eq!(retry.backoff(3, 0.5), Duration::from_millis(20));
    }

    #[test]
    fn a_fraction_out_of_range_is_clamped() {
        let retry = RetryConfig::standard();
        assert_eq!(retry.backoff(1, -3.0), Duration::ZERO);
        assert_eq!(retry.backoff(1, f64::NAN), Duration::ZERO);
        assert_eq!(retry.backoff(1, 7.0), Duration::from_secs(1));
    }

    #[test]
    fn zero_attempts_means_one() {
        assert_eq!(RetryConfig::standard().max_attempts(0).attempts(), 1);
    }

    #[test]
    fn random_fractions_are_in_range_and_vary() {
        let draws: Vec<f64> = (0..64).map(|_| random_fraction()).collect();
        assert!(draws.iter().all(|f| (0.0..1.0).contains(f)));
        let first = draws[0];
        assert!(draws.iter().any(|f| *f != first));
    }
}
