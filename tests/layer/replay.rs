//! Replay protection: a signature seen before is refused, another signature is not, a
//! presigned URL may be used again within its lifetime, and a SigV4a signature is keyed on
//! its normalized form, so that its malleated twin `(r, n - s)`, which verifies as well, is a
//! replay too.

use axum::body::Body;
use axum::Router;
use countersign::client::Payload;
use countersign::server::replay::MemoryReplayGuard;
use countersign::server::SigV4Layer;
use http::{Request, StatusCode};
use p256::ecdsa::Signature;
use p256::elliptic_curve::ff::PrimeField;

use crate::{answer, app, assert_refused, keys, signed, signer, NOW};

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
