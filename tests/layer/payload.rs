//! The payload: a body without a declared hash is buffered, hashed and verified (or, when its
//! framing says it is empty, verified at once, and bytes that come after all fail it); a
//! declared hash is checked while the body streams; refusing unsigned payloads still lets an
//! empty `UNSIGNED-PAYLOAD` request through. SigV4a covers bodies as SigV4 does.

use axum::body::Body;
use axum::routing::get;
use axum::Router;
use countersign::client::Payload;
use countersign::server::keys::MemoryKeyStore;
use countersign::server::{SigV4Layer, Verified};
use http::{Request, StatusCode};

use crate::bodies::Surprise;
use crate::{answer, app, assert_refused, keys, s3_signer, signed, signer, NOW};

/// What the handler sees of the body: its payload check, then whether reading it succeeded.
async fn payload_and_read(identity: Verified<String>, body: Body) -> String {
    let read = axum::body::to_bytes(body, 1 << 10).await;
    format!(
        "{:?} {}",
        identity.payload,
        if read.is_ok() { "read" } else { "refused" }
    )
}

/// [`payload_and_read`] at `/read`, behind `layer`.
fn reading(layer: SigV4Layer<MemoryKeyStore<String>>) -> Router {
    Router::new()
        .route("/read", get(payload_and_read))
        .layer(layer.clock(|| NOW))
}

/// A GET of /read signed over the hash of nothing, with no `x-amz-content-sha256`, sent with
/// `body`.
fn empty_signed_sent_with(body: Body) -> Request<Body> {
    let request = signed("http://example.com/read");
    Request::from_parts(request.into_parts().0, body)
}

/// The handler's answer: the payload check `check` and what reading the body did.
fn seen(check: &str, read: &str) -> (StatusCode, String) {
    (StatusCode::OK, format!("{check} {read}"))
}

/// The status and text of `app`'s answer to `request`.
async fn status_and_text(app: &Router, request: Request<Body>) -> (StatusCode, String) {
    let answer = answer(app, request).await;
    (answer.status, answer.text)
}

#[tokio::test]
async fn an_empty_body_without_a_declared_hash_is_verified() {
    let app = reading(SigV4Layer::new(keys()));
    let request = signed("http://example.com/read");
    assert_eq!(
        status_and_text(&app, request).await,
        seen("Verified", "read")
    );
}

#[tokio::test]
async fn bytes_after_a_body_of_exact_size_zero_fail_it() {
    // Verified at once: the body said it was empty.
    let app = reading(SigV4Layer::new(keys()));
    let liar = empty_signed_sent_with(Surprise::body(true));
    assert_eq!(
        status_and_text(&app, liar).await,
        seen("Verified", "refused")
    );
}

#[tokio::test]
async fn bytes_after_a_content_length_of_zero_fail_the_body() {
    // A Content-Length of 0 where a wrapper hides the body's size.
    let app = reading(SigV4Layer::new(keys()));
    let mut liar = empty_signed_sent_with(Surprise::body(false));
    liar.headers_mut()
        .insert("content-length", "0".parse().unwrap());
    assert_eq!(
        status_and_text(&app, liar).await,
        seen("Verified", "refused")
    );
}

#[tokio::test]
async fn bytes_after_an_http1_request_without_framing_headers_fail_the_body() {
    // Without an exact size or a Content-Length of 0, an HTTP/1.1 request with no framing
    // headers has no body either.
    let app = reading(SigV4Layer::new(keys()));
    let liar = empty_signed_sent_with(Surprise::body(false));
    assert_eq!(
        status_and_text(&app, liar).await,
        seen("Verified", "refused")
    );
}

#[tokio::test]
async fn a_chunked_body_that_is_not_what_was_signed_is_refused() {
    // A body of unknown length is read and hashed before the handler.
    let app = reading(SigV4Layer::new(keys()));
    let mut chunked = empty_signed_sent_with(Surprise::body(false));
    chunked
        .headers_mut()
        .insert("transfer-encoding", "chunked".parse().unwrap());
    let answer = answer(&app, chunked).await;
    assert_eq!(answer.status, StatusCode::FORBIDDEN, "{}", answer.text);
}

#[tokio::test]
async fn an_http2_body_of_unknown_length_that_is_not_what_was_signed_is_refused() {
    let app = reading(SigV4Layer::new(keys()));
    let mut h2 = empty_signed_sent_with(Surprise::body(false));
    *h2.version_mut() = http::Version::HTTP_2;
    let answer = answer(&app, h2).await;
    assert_eq!(answer.status, StatusCode::FORBIDDEN, "{}", answer.text);
}

/// A GET of /read with `UNSIGNED-PAYLOAD` declared, sent with `body`.
fn unsigned(body: Body) -> Request<Body> {
    let mut request = Request::get("http://example.com/read").body(body).unwrap();
    signer("execute-api")
        .content_sha256_header(true)
        .sign(&mut request, Payload::Unsigned, NOW)
        .unwrap();
    request
}

#[tokio::test]
async fn refusing_unsigned_payloads_lets_an_empty_unsigned_request_through() {
    let strict = reading(SigV4Layer::new(keys()).allow_unsigned_payload(false));
    assert_eq!(
        status_and_text(&strict, unsigned(Body::empty())).await,
        seen("Unsigned", "read")
    );
}

#[tokio::test]
async fn refusing_unsigned_payloads_lets_no_bytes_through_an_empty_unsigned_request() {
    let strict = reading(SigV4Layer::new(keys()).allow_unsigned_payload(false));
    let liar = unsigned(Surprise::body(true));
    assert_eq!(
        status_and_text(&strict, liar).await,
        seen("Unsigned", "refused")
    );
}

/// A PUT of `sent` to the API, signed with SigV4a over `signed` without a declared hash.
fn sigv4a_put(sent: &'static str, signed: &[u8]) -> Request<Body> {
    let mut request = Request::put("http://api.example.com/upload")
        .body(Body::from(sent))
        .unwrap();
    signer("execute-api")
        .sigv4a("*")
        .sign(&mut request, Payload::Bytes(signed), NOW)
        .unwrap();
    request
}

#[tokio::test]
async fn sigv4a_body_without_a_declared_hash_is_buffered_hashed_and_verified() {
    let app = app(SigV4Layer::new(keys()).regions(["us-east-1"]));
    let answer = answer(&app, sigv4a_put("hello", b"hello")).await;
    answer.assert_is(StatusCode::OK, "alice read 5");
}

#[tokio::test]
async fn sigv4a_body_without_a_declared_hash_that_is_not_what_was_signed_is_refused() {
    let app = app(SigV4Layer::new(keys()).regions(["us-east-1"]));
    let request = sigv4a_put("hellO", b"hello");
    assert_refused(
        &app,
        request,
        StatusCode::FORBIDDEN,
        "SignatureDoesNotMatch",
    )
    .await;
}

/// A PUT of `sent` to a bucket, signed with SigV4a by S3's rules (the hash of `signed`
/// declared).
fn sigv4a_s3_put(sent: &'static str, signed: &[u8]) -> Request<Body> {
    let mut request = Request::put("http://bucket.example.com/upload")
        .body(Body::from(sent))
        .unwrap();
    s3_signer()
        .sigv4a("us-east-1")
        .sign(&mut request, Payload::Bytes(signed), NOW)
        .unwrap();
    request
}

#[tokio::test]
async fn sigv4a_declared_hash_is_checked_while_the_body_streams() {
    let s3 = app(SigV4Layer::new(keys()).s3().regions(["us-east-1"]));
    let answer = answer(&s3, sigv4a_s3_put("data", b"data")).await;
    answer.assert_is(StatusCode::OK, "alice read 4");
}

#[tokio::test]
async fn sigv4a_body_that_is_not_its_declared_hash_is_refused() {
    let s3 = app(SigV4Layer::new(keys()).s3().regions(["us-east-1"]));
    let answer = answer(&s3, sigv4a_s3_put("date", b"data")).await;
    answer.assert_refused(StatusCode::BAD_REQUEST, "XAmzContentSHA256Mismatch");
}
