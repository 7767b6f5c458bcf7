//! `CachedCredentials`: kept until shortly before expiry, one refresh for concurrent
//! callers, a hanging provider bounded, a failed refresh served by valid credentials.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use countersign_client::credentials_chain::CachedCredentials;
use countersign_client::{
    Credentials, CredentialsError, CredentialsErrorKind, CredentialsFuture, ProvideCredentials,
};
use time::OffsetDateTime;

/// What the fake provider does on its n-th call (from 0).
type Script = dyn Fn(usize) -> Step + Send + Sync;

enum Step {
    /// Credentials `AKID<n>` expiring after this long (never when `None`).
    Give(Option<time::Duration>),
    Fail,
    Hang,
}

/// A provider that counts its calls, waits `delay` in each, then does what `script` says.
struct Counting {
    calls: AtomicUsize,
    delay: Duration,
    script: Box<Script>,
}

impl std::fmt::Debug for Counting {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Counting")
    }
}

impl Counting {
    fn new(delay: Duration, script: impl Fn(usize) -> Step + Send + Sync + 'static) -> Counting {
        Counting {
            calls: AtomicUsize::new(0),
            delay,
            script: Box::new(script),
        }
    }

    fn calls(&self) -> usize {
        self.calls.load(Ordering::SeqCst)
    }
}

impl ProvideCredentials for Counting {
    fn provide_credentials(&self) -> CredentialsFuture<'_> {
        let n = self.calls.fetch_add(1, Ordering::SeqCst);
        Box::pin(async move {
            tokio::time::sleep(self.delay).await;
            match (self.script)(n) {
                Step::Give(lifetime) => {
                    let credentials = Credentials::new(format!("AKID{n}"), "s");
                    Ok(match lifetime {
                        Some(lifetime) => {
                            credentials.with_expiry(OffsetDateTime::now_utc() + lifetime)
                        }
                        None => credentials,
                    })
                }
                Step::Fail => Err(CredentialsError::new(
                    "fake",
                    CredentialsErrorKind::Unavailable,
                    "down",
                )),
                Step::Hang => std::future::pending().await,
            }
        })
    }
}

fn minutes(n: i64) -> Option<time::Duration> {
    Some(time::Duration::minutes(n))
}

#[tokio::test]
async fn cache_hands_out_kept_credentials_far_from_expiry() {
    let cache = CachedCredentials::new(Counting::new(Duration::ZERO, |_| Step::Give(minutes(60))));
    let first = cache.credentials().await.unwrap();
    let second = cache.credentials().await.unwrap();
    assert_eq!(cache.provider().calls(), 1);
    assert_eq!(first.access_key_id, "AKID0");
    assert_eq!(second.access_key_id, "AKID0");
}

#[tokio::test]
async fn cache_refreshes_within_five_minutes_of_expiry() {
    let cache = CachedCredentials::new(Counting::new(Duration::ZERO, |_| Step::Give(minutes(4))));
    cache.credentials().await.unwrap();
    let second = cache.credentials().await.unwrap();
    assert_eq!(cache.provider().calls(), 2);
    assert_eq!(second.access_key_id, "AKID1");
}

#[tokio::test]
async fn cache_refresh_window_is_configurable() {
    let cache = CachedCredentials::new(Counting::new(Duration::ZERO, |_| Step::Give(minutes(4))))
        .refresh_before(Duration::from_secs(60));
    cache.credentials().await.unwrap();
    cache.credentials().await.unwrap();
    assert_eq!(cache.provider().calls(), 1);
}

#[tokio::test]
async fn cache_long_term_credentials_are_fetched_once() {
    let cache = CachedCredentials::new(Counting::new(Duration::ZERO, |_| Step::Give(None)));
    for _ in 0..5 {
        cache.credentials().await.unwrap();
    }
    assert_eq!(cache.provider().calls(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn cache_concurrent_callers_share_one_refresh() {
    let cache = Arc::new(CachedCredentials::new(Counting::new(
        Duration::from_millis(200),
        |_| Step::Give(minutes(60)),
    )));
    let callers: Vec<_> = (0..16)
        .map(|_| {
            let cache = cache.clone();
            tokio::spawn(async move { cache.credentials().await })
        })
        .collect();
    for caller in callers {
        assert_eq!(caller.await.unwrap().unwrap().access_key_id, "AKID0");
    }
    assert_eq!(cache.provider().calls(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn cache_concurrent_callers_share_one_failed_refresh() {
    let cache = Arc::new(CachedCredentials::new(Counting::new(
        Duration::from_millis(200),
        |_| Step::Fail,
    )));
    let callers: Vec<_> = (0..16)
        .map(|_| {
            let cache = cache.clone();
            tokio::spawn(async move { cache.credentials().await })
        })
        .collect();
    for caller in callers {
        let error = caller.await.unwrap().unwrap_err();
        assert_eq!(error.kind(), CredentialsErrorKind::Unavailable);
    }
    assert_eq!(cache.provider().calls(), 1);
}

#[tokio::test]
async fn cache_provider_that_hangs_is_bounded() {
    let cache = CachedCredentials::new(Counting::new(Duration::ZERO, |_| Step::Hang))
        .load_timeout(Duration::from_millis(200));
    let started = Instant::now();
    let error = cache.credentials().await.unwrap_err();
    assert_eq!(error.kind(), CredentialsErrorKind::Unavailable);
    assert!(
        started.elapsed() < Duration::from_secs(3),
        "{:?}",
        started.elapsed()
    );
}

#[tokio::test]
async fn cache_failed_refresh_serves_the_kept_credentials_while_valid() {
    let cache = CachedCredentials::new(Counting::new(Duration::ZERO, |n| {
        if n == 0 {
            Step::Give(minutes(4))
        } else {
            Step::Fail
        }
    }));
    cache.credentials().await.unwrap();
    let second = cache.credentials().await.unwrap();
    assert_eq!(second.access_key_id, "AKID0");
    assert_eq!(cache.provider().calls(), 2);
    // and the failing provider is not asked again at once
    cache.credentials().await.unwrap();
    assert_eq!(cache.provider().calls(), 2);
}

#[tokio::test]
async fn cache_failed_refresh_after_expiry_is_an_error() {
    let cache = CachedCredentials::new(Counting::new(Duration::ZERO, |n| {
        if n == 0 {
            Step::Give(Some(time::Duration::milliseconds(-1)))
        } else {
            Step::Fail
        }
    }));
    cache.credentials().await.unwrap();
    let error = cache.credentials().await.unwrap_err();
    assert_eq!(error.kind(), CredentialsErrorKind::Unavailable);
}
