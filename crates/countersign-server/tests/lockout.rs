//! The lockout in one process: requests signed with the client go through a layer whose
//! clock the test moves, over a memory key store. A key is locked at its threshold of
//! counted failures within the window, not before; the lock ends after its duration; a
//! locked key is refused (even correctly signed) before its key is looked up, with the
//! configured answer, its `Retry-After`, in the configured format; other keys are not
//! touched; the tracker stays bounded under a flood of ids.

#![allow(clippy::unwrap_used, clippy::expect_used, reason = "tests")]

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::body::Body;
use axum::routing::get;
use axum::Router;
use countersign_client::{Credentials, Payload, Signer};
use countersign_server::keys::{KeyRequest, KeyStore, Lookup, MemoryKeyStore};
use countersign_server::lockout::{
    FailureTracker, LockoutAnswer, LockoutPolicy, MemoryFailureTracker,
};
use countersign_server::{ErrorFormat, SigV4Layer};
use http::{Request, StatusCode};
use time::macros::datetime;
use time::OffsetDateTime;
use tower::ServiceExt;

const ALICE: &str = "AKIDALICE";
const BOB: &str = "AKIDBOB";
const SECRET: &str = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";
const START: OffsetDateTime = datetime!(2024-03-01 10:00:00 UTC);

/// The policy of most tests: three failures within a minute lock for five minutes.
fn policy() -> LockoutPolicy {
    LockoutPolicy::new(3, Duration::from_secs(60), Duration::from_secs(300))
}

/// A clock the test moves.
#[derive(Clone)]
struct TestClock(Arc<Mutex<OffsetDateTime>>);

impl TestClock {
    fn new() -> Self {
        TestClock(Arc::new(Mutex::new(START)))
    }

    fn now(&self) -> OffsetDateTime {
        *self.0.lock().unwrap()
    }

    fn advance(&self, by: Duration) {
        let mut now = self.0.lock().unwrap();
        *now += by;
    }
}

/// A memory store that counts its lookups.
#[derive(Clone)]
struct Counted {
    keys: MemoryKeyStore<String>,
    asked: Arc<AtomicUsize>,
}

impl KeyStore for Counted {
    type Principal = String;
    type Future = std::future::Ready<Lookup<String>>;

    fn lookup(&self, request: KeyRequest) -> Self::Future {
        self.asked.fetch_add(1, Ordering::SeqCst);
        self.keys.lookup(request)
    }

    fn lookup_now(&self, request: &KeyRequest) -> Option<Lookup<String>> {
        self.asked.fetch_add(1, Ordering::SeqCst);
        self.keys.lookup_now(request)
    }
}

fn store() -> Counted {
    let keys = MemoryKeyStore::new();
    keys.insert(ALICE, SECRET, "alice".to_string());
    keys.insert(BOB, SECRET, "bob".to_string());
    Counted {
        keys,
        asked: Arc::default(),
    }
}

/// A router behind `layer`, with `clock`.
fn app(layer: SigV4Layer<Counted>, clock: &TestClock) -> Router {
    let clock = clock.clone();
    Router::new()
        .route("/", get(|| async { "ok" }))
        .layer(layer.regions(["us-east-1"]).clock(move || clock.now()))
}

/// A GET signed by `id` with `secret` at `time`.
fn signed_at(id: &str, secret: &str, time: OffsetDateTime) -> Request<Body> {
    let mut request = Request::get("http://api.example.com/")
        .body(Body::empty())
        .unwrap();
    Signer::new(Credentials::new(id, secret), "us-east-1", "execute-api")
        .sign(&mut request, Payload::Empty, time)
        .unwrap();
    request
}

/// The answer's status, `Retry-After`, content type and body.
struct Answer {
    status: StatusCode,
    retry_after: Option<String>,
    content_type: Option<String>,
    body: String,
}

impl Answer {
    /// The AWS code of an XML error body.
    fn xml_code(&self) -> Option<&str> {
        let (_, rest) = self.body.split_once("<Code>")?;
        Some(rest.split_once("</Code>")?.0)
    }
}

async fn send(app: &Router, request: Request<Body>) -> Answer {
    let response = app.clone().oneshot(request).await.unwrap();
    let header = |name| {
        response
            .headers()
            .get(name)
            .map(|v: &http::HeaderValue| v.to_str().unwrap().to_string())
    };
    let (status, retry_after, content_type) = (
        response.status(),
        header(http::header::RETRY_AFTER),
        header(http::header::CONTENT_TYPE),
    );
    let body = axum::body::to_bytes(response.into_body(), 1 << 20)
        .await
        .unwrap();
    Answer {
        status,
        retry_after,
        content_type,
        body: String::from_utf8_lossy(&body).to_string(),
    }
}

/// `n` requests by `id` signed with a wrong secret, each refused as a mismatch.
async fn fail(app: &Router, clock: &TestClock, id: &str, n: usize) {
    for _ in 0..n {
        let answer = send(app, signed_at(id, "not the secret", clock.now())).await;
        assert_eq!(
            answer.xml_code(),
            Some("SignatureDoesNotMatch"),
            "{}",
            answer.body
        );
    }
}

/// A correctly signed request by `id`, now.
async fn good(app: &Router, clock: &TestClock, id: &str) -> Answer {
    send(app, signed_at(id, SECRET, clock.now())).await
}

#[tokio::test]
async fn n_minus_one_failures_do_not_lock_the_key() {
    let clock = TestClock::new();
    let app = app(SigV4Layer::new(store()).lockout(policy()), &clock);
    fail(&app, &clock, ALICE, 2).await;
    assert_eq!(good(&app, &clock, ALICE).await.status, StatusCode::OK);
}

#[tokio::test]
async fn the_nth_failure_locks_the_key() {
    let clock = TestClock::new();
    let app = app(SigV4Layer::new(store()).lockout(policy()), &clock);
    fail(&app, &clock, ALICE, 3).await;
    let answer = send(&app, signed_at(ALICE, "not the secret", clock.now())).await;
    assert_eq!(answer.status, StatusCode::FORBIDDEN);
    assert_eq!(answer.xml_code(), Some("AccessDenied"), "{}", answer.body);
    assert!(
        answer.body.contains("temporarily locked"),
        "{}",
        answer.body
    );
}

#[tokio::test]
async fn a_locked_key_with_a_correct_signature_is_refused() {
    let clock = TestClock::new();
    let app = app(SigV4Layer::new(store()).lockout(policy()), &clock);
    fail(&app, &clock, ALICE, 3).await;
    let answer = good(&app, &clock, ALICE).await;
    assert_eq!(answer.status, StatusCode::FORBIDDEN);
    assert_eq!(answer.xml_code(), Some("AccessDenied"), "{}", answer.body);
}

#[tokio::test]
async fn a_locked_key_is_refused_before_the_key_store_is_asked() {
    let clock = TestClock::new();
    let keys = store();
    let asked = Arc::clone(&keys.asked);
    let app = app(SigV4Layer::new(keys).lockout(policy()), &clock);
    fail(&app, &clock, ALICE, 3).await;
    let before = asked.load(Ordering::SeqCst);
    assert_eq!(
        good(&app, &clock, ALICE).await.status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(asked.load(Ordering::SeqCst), before);
}

#[tokio::test]
async fn failures_further_apart_than_the_window_do_not_add_up() {
    let clock = TestClock::new();
    let app = app(SigV4Layer::new(store()).lockout(policy()), &clock);
    fail(&app, &clock, ALICE, 2).await;
    clock.advance(Duration::from_secs(60));
    fail(&app, &clock, ALICE, 2).await;
    assert_eq!(good(&app, &clock, ALICE).await.status, StatusCode::OK);
}

#[tokio::test]
async fn the_lock_ends_after_its_duration() {
    let clock = TestClock::new();
    let app = app(SigV4Layer::new(store()).lockout(policy()), &clock);
    fail(&app, &clock, ALICE, 3).await;
    clock.advance(Duration::from_secs(299));
    assert_eq!(
        good(&app, &clock, ALICE).await.status,
        StatusCode::FORBIDDEN
    );
    clock.advance(Duration::from_secs(1));
    assert_eq!(good(&app, &clock, ALICE).await.status, StatusCode::OK);
}

#[tokio::test]
async fn a_locked_key_is_told_to_retry_once_the_lock_ends() {
    let clock = TestClock::new();
    let app = app(SigV4Layer::new(store()).lockout(policy()), &clock);
    fail(&app, &clock, ALICE, 3).await;
    clock.advance(Duration::from_millis(100_500));
    let answer = good(&app, &clock, ALICE).await;
    // 199.5 seconds left, rounded up.
    assert_eq!(answer.retry_after.as_deref(), Some("200"));
}

#[tokio::test]
async fn a_lockout_answered_with_slow_down_is_503_with_retry_after() {
    let clock = TestClock::new();
    let policy = policy().respond_with(LockoutAnswer::SlowDown);
    let app = app(SigV4Layer::new(store()).lockout(policy), &clock);
    fail(&app, &clock, ALICE, 3).await;
    let answer = good(&app, &clock, ALICE).await;
    assert_eq!(answer.status, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(answer.xml_code(), Some("SlowDown"), "{}", answer.body);
    assert_eq!(answer.retry_after.as_deref(), Some("300"));
}

#[tokio::test]
async fn a_lockout_is_rendered_in_s3_xml() {
    let clock = TestClock::new();
    let app = app(SigV4Layer::new(store()).lockout(policy()), &clock);
    fail(&app, &clock, ALICE, 3).await;
    let answer = good(&app, &clock, ALICE).await;
    assert_eq!(answer.content_type.as_deref(), Some("application/xml"));
    assert!(answer.body.starts_with("<?xml"), "{}", answer.body);
    assert!(
        answer
            .body
            .contains("<Message>this access key is temporarily locked"),
        "{}",
        answer.body
    );
}

#[tokio::test]
async fn a_lockout_is_rendered_in_json() {
    let clock = TestClock::new();
    let layer = SigV4Layer::new(store())
        .error_format(ErrorFormat::Json)
        .lockout(policy().respond_with(LockoutAnswer::SlowDown));
    let app = app(layer, &clock);
    for _ in 0..3 {
        send(&app, signed_at(ALICE, "not the secret", clock.now())).await;
    }
    let answer = good(&app, &clock, ALICE).await;
    assert_eq!(answer.content_type.as_deref(), Some("application/json"));
    let doc: serde_json::Value = serde_json::from_str(&answer.body).unwrap();
    assert_eq!(doc["code"], "SlowDown");
    assert!(
        doc["message"]
            .as_str()
            .unwrap()
            .contains("temporarily locked"),
        "{doc}"
    );
    assert_eq!(answer.retry_after.as_deref(), Some("300"));
}

#[tokio::test]
async fn other_keys_are_not_locked() {
    let clock = TestClock::new();
    let app = app(SigV4Layer::new(store()).lockout(policy()), &clock);
    fail(&app, &clock, ALICE, 3).await;
    assert_eq!(
        good(&app, &clock, ALICE).await.status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(good(&app, &clock, BOB).await.status, StatusCode::OK);
}

#[tokio::test]
async fn failures_of_other_keys_do_not_add_up() {
    let clock = TestClock::new();
    let app = app(SigV4Layer::new(store()).lockout(policy()), &clock);
    fail(&app, &clock, ALICE, 2).await;
    fail(&app, &clock, BOB, 2).await;
    assert_eq!(good(&app, &clock, ALICE).await.status, StatusCode::OK);
    assert_eq!(good(&app, &clock, BOB).await.status, StatusCode::OK);
}

#[tokio::test]
async fn without_a_lockout_failures_lock_nothing() {
    let clock = TestClock::new();
    let app = app(SigV4Layer::new(store()), &clock);
    fail(&app, &clock, ALICE, 20).await;
    assert_eq!(good(&app, &clock, ALICE).await.status, StatusCode::OK);
}

#[tokio::test]
async fn refusals_of_a_code_that_does_not_count_do_not_lock() {
    let clock = TestClock::new();
    let app = app(SigV4Layer::new(store()).lockout(policy()), &clock);
    for _ in 0..5 {
        // Signed an hour ago: refused for the time, before any key is used.
        let stale = clock.now() - Duration::from_secs(3600);
        let answer = send(&app, signed_at(ALICE, SECRET, stale)).await;
        assert_eq!(
            answer.xml_code(),
            Some("RequestTimeTooSkewed"),
            "{}",
            answer.body
        );
    }
    assert_eq!(good(&app, &clock, ALICE).await.status, StatusCode::OK);
}

#[tokio::test]
async fn the_counted_codes_can_be_chosen() {
    let clock = TestClock::new();
    let policy = policy().counting(["RequestTimeTooSkewed"]);
    let app = app(SigV4Layer::new(store()).lockout(policy), &clock);
    for _ in 0..3 {
        let stale = clock.now() - Duration::from_secs(3600);
        send(&app, signed_at(ALICE, SECRET, stale)).await;
    }
    assert_eq!(
        good(&app, &clock, ALICE).await.status,
        StatusCode::FORBIDDEN
    );
}

#[tokio::test]
async fn an_unknown_access_key_id_is_locked_after_the_threshold() {
    let clock = TestClock::new();
    let app = app(SigV4Layer::new(store()).lockout(policy()), &clock);
    for _ in 0..3 {
        let answer = send(&app, signed_at("AKIDNOBODY", SECRET, clock.now())).await;
        assert_eq!(
            answer.xml_code(),
            Some("InvalidAccessKeyId"),
            "{}",
            answer.body
        );
    }
    let answer = send(&app, signed_at("AKIDNOBODY", SECRET, clock.now())).await;
    assert_eq!(answer.xml_code(), Some("AccessDenied"), "{}", answer.body);
    assert_eq!(good(&app, &clock, ALICE).await.status, StatusCode::OK);
}

#[tokio::test]
async fn layers_sharing_one_tracker_add_their_failures_up() {
    let clock = TestClock::new();
    let tracker = Arc::new(MemoryFailureTracker::default());
    let one = app(
        SigV4Layer::new(store())
            .failure_tracker(Arc::clone(&tracker))
            .lockout(policy()),
        &clock,
    );
    let two = app(
        SigV4Layer::new(store())
            .lockout(policy())
            .failure_tracker(Arc::clone(&tracker)),
        &clock,
    );
    fail(&one, &clock, ALICE, 2).await;
    fail(&two, &clock, ALICE, 1).await;
    assert_eq!(
        good(&one, &clock, ALICE).await.status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        good(&two, &clock, ALICE).await.status,
        StatusCode::FORBIDDEN
    );
}

#[test]
fn the_tracker_stays_bounded_under_a_flood_of_random_ids() {
    let tracker = MemoryFailureTracker::new(1000);
    // Every failure locks: the table of locks fills as fast as the table of counts.
    let policy = LockoutPolicy::new(1, Duration::from_secs(60), Duration::from_secs(300));
    let mut seed = 0x9E37_79B9_7F4A_7C15_u64;
    for i in 0..100_000 {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        let id = format!("AKID{seed:016X}");
        tracker.record(
            &id,
            "InvalidAccessKeyId",
            &policy,
            START + Duration::from_millis(i),
        );
    }
    let (windows, locks) = tracker.len();
    assert!(windows <= 1000, "{windows} windows");
    assert!(locks <= 1000, "{locks} locks");
}

#[test]
fn a_lock_is_kept_while_a_flood_of_counts_goes_through() {
    let tracker = MemoryFailureTracker::new(100);
    let policy = LockoutPolicy::new(3, Duration::from_secs(60), Duration::from_secs(300));
    for _ in 0..3 {
        tracker.record(ALICE, "SignatureDoesNotMatch", &policy, START);
    }
    // Fewer failures than the threshold each: counted, never locked.
    for i in 0..10_000 {
        tracker.record(&format!("AKID{i}"), "SignatureDoesNotMatch", &policy, START);
    }
    assert!(tracker.locked(ALICE, START).is_some());
}
