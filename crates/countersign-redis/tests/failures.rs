//! Failure counts and lockouts shared on one Redis by two layers (two "instances") over
//! memory key stores: failures through both add up, a lock set through one refuses on the
//! other within a second, a lock in place before an instance starts holds there; with Redis
//! stopped, valid requests are still served (locks checked in memory), and once it is back
//! counting resumes.

#![allow(clippy::unwrap_used, clippy::expect_used, reason = "tests")]

mod support;

use std::time::{Duration, Instant};

use axum::body::Body;
use axum::routing::get;
use axum::Router;
use countersign_client::{Credentials, Payload, Signer};
use countersign_redis::{RedisFailureTracker, SharedFailureCount};
use countersign_server::keys::MemoryKeyStore;
use countersign_server::lockout::LockoutPolicy;
use countersign_server::SigV4Layer;
use http::{Request, StatusCode};
use support::{eventually, RedisServer};
use time::OffsetDateTime;
use tower::ServiceExt;

const ALICE: &str = "AKIDALICE";
const BOB: &str = "AKIDBOB";
const SECRET: &str = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";

/// One instance: a router behind a layer with a Redis tracker, and the tracker.
struct Instance {
    app: Router,
    tracker: RedisFailureTracker,
}

async fn instance(server: &RedisServer, threshold: u32) -> Instance {
    let tracker = RedisFailureTracker::start(server.client().await).await;
    assert!(eventually(Duration::from_secs(5), || tracker.is_subscribed()).await);
    let keys = MemoryKeyStore::new();
    keys.insert(ALICE, SECRET, "alice".to_string());
    keys.insert(BOB, SECRET, "bob".to_string());
    let policy = LockoutPolicy::new(threshold, Duration::from_secs(60), Duration::from_secs(300));
    let layer = SigV4Layer::new(keys)
        .regions(["us-east-1"])
        .failure_tracker(tracker.clone())
        .lockout(policy);
    Instance {
        app: Router::new()
            .route("/", get(|| async { "ok" }))
            .layer(layer),
        tracker,
    }
}

fn signed(id: &str, secret: &str) -> Request<Body> {
    let mut request = Request::get("http://api.example.com/")
        .body(Body::empty())
        .unwrap();
    Signer::new(Credentials::new(id, secret), "us-east-1", "execute-api")
        .sign(&mut request, Payload::Empty, OffsetDateTime::now_utc())
        .unwrap();
    request
}

/// The status and the XML code of `app`'s answer.
async fn send(app: &Router, request: Request<Body>) -> (StatusCode, String) {
    let response = app.clone().oneshot(request).await.unwrap();
    let status = response.status();
    let body = axum::body::to_bytes(response.into_body(), 1 << 20)
        .await
        .unwrap();
    let text = String::from_utf8_lossy(&body).to_string();
    let code = text
        .split_once("<Code>")
        .and_then(|(_, rest)| rest.split_once("</Code>"))
        .map_or(text.clone(), |(code, _)| code.to_string());
    (status, code)
}

async fn fail(app: &Router, id: &str, n: usize) {
    for _ in 0..n {
        let (_, code) = send(app, signed(id, "not the secret")).await;
        assert_eq!(code, "SignatureDoesNotMatch");
    }
}

/// The shared count of `id`'s mismatches, 0 when none or when Redis does not answer.
async fn mismatches(tracker: &RedisFailureTracker, id: &str) -> u64 {
    let counts = tracker.counts().await.unwrap_or_default();
    counts
        .iter()
        .find(|c: &&SharedFailureCount| c.access_key_id == id && c.code == "SignatureDoesNotMatch")
        .map_or(0, |c| c.count)
}

/// Waits (at most five seconds) until `id`'s shared count of mismatches is `expected`.
async fn mismatches_reach(tracker: &RedisFailureTracker, id: &str, expected: u64) -> u64 {
    let started = Instant::now();
    loop {
        let found = mismatches(tracker, id).await;
        if found == expected || started.elapsed() > Duration::from_secs(5) {
            return found;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn failures_recorded_by_two_instances_add_up() {
    let server = RedisServer::start();
    let one = instance(&server, 100).await;
    let two = instance(&server, 100).await;
    fail(&one.app, ALICE, 2).await;
    fail(&two.app, ALICE, 3).await;
    assert_eq!(mismatches_reach(&one.tracker, ALICE, 5).await, 5);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn failures_through_two_instances_reach_the_threshold_together() {
    let server = RedisServer::start();
    let one = instance(&server, 4).await;
    let two = instance(&server, 4).await;
    fail(&one.app, ALICE, 2).await;
    fail(&two.app, ALICE, 2).await;
    let locked = eventually(Duration::from_secs(1), || {
        !one.tracker.locked_keys().is_empty() && !two.tracker.locked_keys().is_empty()
    })
    .await;
    assert!(
        locked,
        "four failures over two instances did not lock the key"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_lock_set_through_one_instance_refuses_on_the_other_within_a_second() {
    let server = RedisServer::start();
    let one = instance(&server, 3).await;
    let two = instance(&server, 3).await;
    assert_eq!(
        send(&two.app, signed(ALICE, SECRET)).await.0,
        StatusCode::OK
    );
    fail(&one.app, ALICE, 3).await;
    let started = Instant::now();
    loop {
        let (status, code) = send(&two.app, signed(ALICE, SECRET)).await;
        if status == StatusCode::FORBIDDEN {
            assert_eq!(code, "AccessDenied");
            break;
        }
        assert!(
            started.elapsed() < Duration::from_secs(1),
            "still served after {:?}",
            started.elapsed()
        );
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    assert_eq!(send(&two.app, signed(BOB, SECRET)).await.0, StatusCode::OK);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_lock_in_place_before_an_instance_starts_holds_there() {
    let server = RedisServer::start();
    let one = instance(&server, 3).await;
    fail(&one.app, ALICE, 3).await;
    assert!(
        eventually(Duration::from_secs(1), || !one
            .tracker
            .locked_keys()
            .is_empty())
        .await
    );
    let late = instance(&server, 3).await;
    let (status, code) = send(&late.app, signed(ALICE, SECRET)).await;
    assert_eq!(
        (status, code.as_str()),
        (StatusCode::FORBIDDEN, "AccessDenied")
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn with_redis_stopped_valid_requests_are_served_and_known_locks_hold() {
    let mut server = RedisServer::start();
    let one = instance(&server, 3).await;
    fail(&one.app, ALICE, 3).await;
    assert!(
        eventually(Duration::from_secs(1), || !one
            .tracker
            .locked_keys()
            .is_empty())
        .await
    );
    server.stop();
    let started = Instant::now();
    assert_eq!(send(&one.app, signed(BOB, SECRET)).await.0, StatusCode::OK);
    // Refusals are answered at once, though they cannot be counted.
    fail(&one.app, BOB, 5).await;
    assert_eq!(send(&one.app, signed(BOB, SECRET)).await.0, StatusCode::OK);
    assert_eq!(
        send(&one.app, signed(ALICE, SECRET)).await.0,
        StatusCode::FORBIDDEN
    );
    assert!(
        started.elapsed() < Duration::from_secs(1),
        "waited {:?}",
        started.elapsed()
    );
    assert!(
        eventually(Duration::from_secs(5), || one.tracker.unrecorded() >= 5).await,
        "{} unrecorded",
        one.tracker.unrecorded()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn once_redis_is_back_counting_resumes() {
    let mut server = RedisServer::start();
    let one = instance(&server, 100).await;
    server.stop();
    fail(&one.app, ALICE, 2).await;
    assert!(eventually(Duration::from_secs(5), || one.tracker.unrecorded() >= 2).await);
    server.restart();
    // The connection comes back by itself; the failures made meanwhile were not counted.
    let started = Instant::now();
    loop {
        fail(&one.app, ALICE, 1).await;
        if mismatches(&one.tracker, ALICE).await > 0 {
            break;
        }
        assert!(
            started.elapsed() < Duration::from_secs(10),
            "never counted again"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let before = mismatches(&one.tracker, ALICE).await;
    fail(&one.app, ALICE, 3).await;
    assert_eq!(
        mismatches_reach(&one.tracker, ALICE, before + 3).await,
        before + 3
    );
}
