//! The replay guard against a real Redis: a first use and a replay, two guards on one Redis,
//! expiry with the validity window, the key prefix, Redis down (503 within the timeout) and
//! back (working again without being rebuilt).

#![allow(clippy::unwrap_used, clippy::expect_used, reason = "tests")]

mod support;

use std::time::{Duration, Instant};

use countersign_redis::{RedisClient, RedisReplayGuard};
use countersign_server::keys::StoreError;
use countersign_server::replay::{Replay, ReplayGuard};
use support::RedisServer;
use time::OffsetDateTime;

/// The guard's answer for `signature`, valid for `window` from now: `Ok(true)` for a first
/// use, `Ok(false)` for a replay.
async fn first_use(
    guard: &RedisReplayGuard,
    signature: &[u8],
    window: Duration,
) -> Result<bool, StoreError> {
    let now = OffsetDateTime::now_utc();
    match guard.first_use(signature, now + window, now) {
        Replay::Later(answer) => answer.await,
        other => panic!("a shared guard answers later, not {other:?}"),
    }
}

const MINUTE: Duration = Duration::from_secs(60);

#[tokio::test]
async fn a_signature_is_a_first_use_then_a_replay() {
    let server = RedisServer::start();
    let guard = RedisReplayGuard::new(server.client().await);
    assert!(first_use(&guard, b"signature", MINUTE).await.unwrap());
    assert!(!first_use(&guard, b"signature", MINUTE).await.unwrap());
    assert!(first_use(&guard, b"another", MINUTE).await.unwrap());
}

#[tokio::test]
async fn two_guards_on_one_redis_see_each_others_signatures() {
    let server = RedisServer::start();
    let one = RedisReplayGuard::new(server.client().await);
    let two = RedisReplayGuard::new(server.client().await);
    assert!(first_use(&one, b"signature", MINUTE).await.unwrap());
    assert!(!first_use(&two, b"signature", MINUTE).await.unwrap());
}

#[tokio::test]
async fn a_signature_is_forgotten_once_its_window_is_over() {
    let server = RedisServer::start();
    let guard = RedisReplayGuard::new(server.client().await);
    let window = Duration::from_millis(200);
    assert!(first_use(&guard, b"signature", window).await.unwrap());
    assert!(!first_use(&guard, b"signature", window).await.unwrap());
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(first_use(&guard, b"signature", window).await.unwrap());
}

#[tokio::test]
async fn an_endless_window_is_accepted_by_redis() {
    let server = RedisServer::start();
    let guard = RedisReplayGuard::new(server.client().await);
    let now = OffsetDateTime::now_utc();
    let last = time::PrimitiveDateTime::MAX.assume_utc();
    for expected in [true, false] {
        let Replay::Later(answer) = guard.first_use(b"signature", last, now) else {
            panic!("answered at once");
        };
        assert_eq!(answer.await.unwrap(), expected);
    }
}

#[tokio::test]
async fn guards_of_two_prefixes_do_not_share_signatures() {
    let server = RedisServer::start();
    let one = RedisReplayGuard::new(server.client().await);
    let other = RedisClient::connect(server.config().prefix("other:"))
        .await
        .unwrap();
    let two = RedisReplayGuard::new(other);
    assert!(first_use(&one, b"signature", MINUTE).await.unwrap());
    assert!(first_use(&two, b"signature", MINUTE).await.unwrap());
}

#[tokio::test]
async fn redis_down_is_unavailable_within_the_timeout() {
    let mut server = RedisServer::start();
    let guard = RedisReplayGuard::new(server.client().await);
    server.stop();
    let started = Instant::now();
    let error = first_use(&guard, b"signature", MINUTE).await.unwrap_err();
    let waited = started.elapsed();
    assert_eq!(error.status(), http::StatusCode::SERVICE_UNAVAILABLE);
    assert!(waited < Duration::from_millis(900), "waited {waited:?}");
}

#[tokio::test]
async fn the_guard_works_again_once_redis_is_back() {
    let mut server = RedisServer::start();
    let guard = RedisReplayGuard::new(server.client().await);
    server.stop();
    assert!(first_use(&guard, b"signature", MINUTE).await.is_err());
    server.restart();
    let started = Instant::now();
    let first = loop {
        match first_use(&guard, b"signature", MINUTE).await {
            Ok(first) => break first,
            Err(_) if started.elapsed() < Duration::from_secs(5) => {
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
            Err(e) => panic!("never worked again: {e:?}"),
        }
    };
    assert!(first);
    assert!(!first_use(&guard, b"signature", MINUTE).await.unwrap());
}
