//! Replay protection: a signature seen before is refused, another signature is not, a
//! presigned URL may be used again within its lifetime, and a SigV4a signature is keyed on
//! its normalized form, so that its malleated twin `(r, n - s)`, which verifies as well, is a
//! replay too. A guard that answers later (as a shared store does) is waited for on each of
//! the layer's paths, a guard that fails refuses the request with 503, and layers sharing a
//! guard refuse a request replayed from one to another.

use std::sync::Arc;

use axum::body::Body;
use axum::Router;
use countersign::client::Payload;
use countersign::server::keys::{key_store_fn, KeyStore, StoreError};
use countersign::server::replay::{MemoryReplayGuard, Replay, ReplayGuard};
use countersign::server::SigV4Layer;
use http::{Request, StatusCode};
use p256::ecdsa::Signature;
use p256::elliptic_curve::ff::PrimeField;
use time::OffsetDateTime;

use crate::bodies::buffered_post;
use crate::{answer, app, assert_refused, keys, signed, signer, Answer, AKID, NOW};

/// A layer over [`keys`] for us-east-1 that remembers up to 1000 signatures.
fn guarded() -> Router {
    app(SigV4Layer::new(keys())
        .regions(["us-east-1"])
        .replay_protection(MemoryReplayGuard::new(1000)))
}

#[tokio::test]
async fn a_signature_seen_before_is_refused() {
    let app = guarded();
    assert_eq!(
        answer(&app, signed("http://h/whoami")).await.status,
        StatusCode::OK
    );
    let again = answer(&app, signed("http://h/whoami")).await;
    assert_eq!(again.code(), "AccessDenied", "{}", again.text);
    assert_eq!(again.status, StatusCode::FORBIDDEN);
    assert!(again.text.contains("already received"), "{}", again.text);
}

#[tokio::test]
async fn another_signature_is_not_a_replay() {
    let app = guarded();
    assert_eq!(
        answer(&app, signed("http://h/whoami")).await.status,
        StatusCode::OK
    );
    assert_eq!(
        answer(&app, signed("http://h/whoami?n=2")).await.status,
        StatusCode::OK
    );
}

#[tokio::test]
async fn a_presigned_url_may_be_used_again_within_its_lifetime() {
    let app = guarded();
    let presigned = || {
        let mut request = Request::get("http://h/whoami").body(Body::empty()).unwrap();
        signer("execute-api")
            .presign(&mut request, Payload::Empty, 300, NOW)
            .unwrap();
        request
    };
    assert_eq!(answer(&app, presigned()).await.status, StatusCode::OK);
    assert_eq!(answer(&app, presigned()).await.status, StatusCode::OK);
}

/// A GET signed with SigV4a for us-east-1.
fn sigv4a_get() -> Request<Body> {
    let mut request = Request::get("http://api.example.com/whoami")
        .body(Body::empty())
        .unwrap();
    signer("execute-api")
        .sigv4a("us-east-1")
        .sign(&mut request, Payload::Empty, NOW)
        .unwrap();
    request
}

/// `request` with its ECDSA signature `(r, s)` replaced by `(r, n - s)`, which verifies as
/// well.
fn malleated(request: &Request<Body>) -> Request<Body> {
    let authorization = request.headers()["authorization"].to_str().unwrap();
    let (head, hex) = authorization.rsplit_once("Signature=").unwrap();
    let parsed = Signature::from_der(&hex::decode(hex).unwrap()).unwrap();
    let (r, s) = parsed.split_scalars();
    let altered = Signature::from_scalars(r.to_repr(), (-*s).to_repr()).unwrap();
    let altered_hex = hex::encode(altered.to_der().as_bytes());
    assert_ne!(altered_hex, hex, "a different signature");
    let mut copy = Request::get(request.uri().clone())
        .body(Body::empty())
        .unwrap();
    *copy.headers_mut() = request.headers().clone();
    copy.headers_mut().insert(
        "authorization",
        format!("{head}Signature={altered_hex}").parse().unwrap(),
    );
    copy
}

#[tokio::test]
async fn a_malleated_sigv4a_signature_verifies_when_fresh() {
    let app = app(SigV4Layer::new(keys()).regions(["us-east-1"]));
    let altered = malleated(&sigv4a_get());
    assert_eq!(answer(&app, altered).await.status, StatusCode::OK);
}

/// A SigV4a request and its malleated copy sent to a guarded layer, the copy first when
/// `copy_first`: the first is accepted, the second is a replay.
async fn assert_second_is_a_replay(copy_first: bool) {
    let app = guarded();
    let original = sigv4a_get();
    let altered = malleated(&original);
    let (first, second) = match copy_first {
        true => (altered, original),
        false => (original, altered),
    };
    assert_eq!(answer(&app, first).await.status, StatusCode::OK);
    assert_refused(&app, second, StatusCode::FORBIDDEN, "AccessDenied").await;
}

#[tokio::test]
async fn a_malleated_copy_of_a_sigv4a_request_is_a_replay() {
    assert_second_is_a_replay(false).await;
}

#[tokio::test]
async fn a_sigv4a_request_is_refused_after_its_malleated_copy() {
    assert_second_is_a_replay(true).await;
}

#[tokio::test]
async fn a_skew_too_long_to_count_still_remembers_a_signature() {
    let app = app(SigV4Layer::new(keys())
        .regions(["us-east-1"])
        .clock_skew(std::time::Duration::MAX)
        .replay_protection(MemoryReplayGuard::new(1000)));
    assert_eq!(
        answer(&app, signed("http://h/whoami")).await.status,
        StatusCode::OK
    );
    let again = answer(&app, signed("http://h/whoami")).await;
    assert_eq!(again.code(), "AccessDenied", "{}", again.text);
}

/// A guard that answers later, as one over a shared store does: its answer yields to the
/// runtime once, then records the signature in memory.
struct Yielding(Arc<MemoryReplayGuard>);

impl Yielding {
    fn new() -> Self {
        Yielding(Arc::new(MemoryReplayGuard::new(1000)))
    }
}

impl ReplayGuard for Yielding {
    fn first_use(
        &self,
        signature: &[u8],
        valid_until: OffsetDateTime,
        now: OffsetDateTime,
    ) -> Replay {
        let memory = Arc::clone(&self.0);
        let signature = signature.to_vec();
        Replay::Later(Box::pin(async move {
            tokio::task::yield_now().await;
            match memory.first_use(&signature, valid_until, now) {
                Replay::First => Ok(true),
                Replay::Seen => Ok(false),
                Replay::Later(_) => unreachable!("the memory guard answers at once"),
            }
        }))
    }
}

/// A guard whose store cannot be reached: it fails once it yielded to the runtime.
struct Unreachable;

impl ReplayGuard for Unreachable {
    fn first_use(&self, _: &[u8], _: OffsetDateTime, _: OffsetDateTime) -> Replay {
        Replay::Later(Box::pin(async {
            tokio::task::yield_now().await;
            Err(StoreError::unavailable("connection refused"))
        }))
    }
}

/// A store that has the keys of [`keys`] but must be waited for.
fn waited_keys() -> impl KeyStore<Principal = String> {
    let keys = keys();
    key_store_fn(move |request| {
        let found = keys.lookup_now(&request).unwrap();
        async move {
            tokio::task::yield_now().await;
            found
        }
    })
}

/// A layer over `store` for us-east-1 with `guard`.
fn guarded_by<K: KeyStore<Principal = String>>(store: K, guard: impl ReplayGuard) -> Router {
    app(SigV4Layer::new(store)
        .regions(["us-east-1"])
        .replay_protection(guard))
}

/// A POST of a body that declares no hash, read and hashed before the check.
fn body_read_first() -> Request<Body> {
    let body = b"{\"n\": 1}";
    buffered_post(AKID, body, Body::from(&body[..]), Some(body.len()))
}

/// Asserts that `app` accepts the first `request` (answered `accepted`) and refuses the
/// same request again as a replay.
async fn assert_first_use_then_replay(
    app: &Router,
    request: fn() -> Request<Body>,
    accepted: &str,
) {
    answer(app, request())
        .await
        .assert_is(StatusCode::OK, accepted);
    let again = answer(app, request()).await;
    again.assert_refused(StatusCode::FORBIDDEN, "AccessDenied");
    again.assert_says("already received");
}

/// Asserts that `answer` is the refusal of a guard that could not be reached.
#[track_caller]
fn assert_guard_unavailable(answer: &Answer) {
    answer.assert_refused(StatusCode::SERVICE_UNAVAILABLE, "ServiceUnavailable");
    answer.assert_says("replay guard is unavailable");
}

/// A GET of /whoami signed by [`AKID`] in its header.
fn whoami() -> Request<Body> {
    signed("http://h/whoami")
}

#[tokio::test]
async fn a_guard_answering_later_refuses_a_replay_with_the_key_at_hand() {
    let app = guarded_by(keys(), Yielding::new());
    assert_first_use_then_replay(&app, whoami, "alice").await;
}

#[tokio::test]
async fn a_guard_answering_later_refuses_a_replay_with_the_key_waited_for() {
    let app = guarded_by(waited_keys(), Yielding::new());
    assert_first_use_then_replay(&app, whoami, "alice").await;
}

#[tokio::test]
async fn a_guard_answering_later_refuses_a_replay_of_a_body_read_first() {
    let app = guarded_by(keys(), Yielding::new());
    assert_first_use_then_replay(&app, body_read_first, "alice read 8").await;
}

#[tokio::test]
async fn a_guard_that_fails_refuses_with_503_with_the_key_at_hand() {
    let app = guarded_by(keys(), Unreachable);
    assert_guard_unavailable(&answer(&app, whoami()).await);
}

#[tokio::test]
async fn a_guard_that_fails_refuses_with_503_with_the_key_waited_for() {
    let app = guarded_by(waited_keys(), Unreachable);
    assert_guard_unavailable(&answer(&app, whoami()).await);
}

#[tokio::test]
async fn a_guard_that_fails_refuses_with_503_a_body_read_first() {
    let app = guarded_by(keys(), Unreachable);
    assert_guard_unavailable(&answer(&app, body_read_first()).await);
}

#[tokio::test]
async fn layers_sharing_a_guard_refuse_a_request_replayed_from_one_to_the_other() {
    let guard = Arc::new(MemoryReplayGuard::new(1000));
    let first = guarded_by(keys(), Arc::clone(&guard));
    let second = guarded_by(keys(), Arc::clone(&guard));
    answer(&first, whoami())
        .await
        .assert_is(StatusCode::OK, "alice");
    let replayed = answer(&second, whoami()).await;
    replayed.assert_refused(StatusCode::FORBIDDEN, "AccessDenied");
    replayed.assert_says("already received");
}
