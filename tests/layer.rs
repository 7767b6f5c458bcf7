//! The layer in-process (tower `oneshot`, a fixed clock), by feature: the host a request names,
//! what counts as an unsigned payload, replay protection, the key step before any body is
//! read, and the budget of bodies buffered at once.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "a test panics on a broken fixture by design"
)]

use std::convert::Infallible;
use std::time::Duration;

use axum::body::Body;
use axum::routing::any;
use axum::Router;
use bytes::Bytes;
use countersign::client::{Credentials, Payload, Signer};
use countersign::server::keys::{KeyStore, MemoryKeyStore};
use countersign::server::{SigV4Layer, Verified};
use http::{Request, StatusCode};
use time::macros::datetime;
use time::OffsetDateTime;
use tower::ServiceExt;

const AKID: &str = "AKIDEXAMPLE";
const SECRET: &str = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";
const NOW: OffsetDateTime = datetime!(2026-12-07 10:00:00 UTC);
/// How long a test waits for an answer that must come without the body.
const PATIENCE: Duration = Duration::from_secs(5);

/// Reads the whole body and answers with the principal and the body's length.
async fn read_all(identity: Verified<String>, body: Body) -> String {
    match axum::body::to_bytes(body, usize::MAX).await {
        Ok(bytes) => format!("{} read {}", identity.principal, bytes.len()),
        Err(e) => format!("body error: {e}"),
    }
}

fn keys() -> MemoryKeyStore<String> {
    let keys = MemoryKeyStore::new();
    keys.insert(AKID, SECRET, "alice".to_string());
    keys
}

/// Every path answered by [`read_all`], behind `layer` (its clock fixed at [`NOW`]).
fn app<K: KeyStore<Principal = String>>(layer: SigV4Layer<K>) -> Router {
    Router::new()
        .fallback(any(read_all))
        .layer(layer.clock(|| NOW))
}

fn api_signer() -> Signer {
    Signer::new(Credentials::new(AKID, SECRET), "us-east-1", "execute-api")
}

fn s3_signer() -> Signer {
    Signer::new(Credentials::new(AKID, SECRET), "us-east-1", "s3").s3()
}

/// The status, the AWS code (S3 XML) or the whole body, and the `Retry-After` header.
async fn answer(app: &Router, request: Request<Body>) -> (StatusCode, String, Option<String>) {
    read(app.clone().oneshot(request).await.unwrap()).await
}

/// The status, the AWS code (S3 XML) or the whole body, and the `Retry-After` header of
/// `response`.
async fn read(response: http::Response<Body>) -> (StatusCode, String, Option<String>) {
    let status = response.status();
    let retry_after = response
        .headers()
        .get(http::header::RETRY_AFTER)
        .map(|v| v.to_str().unwrap().to_string());
    let body = axum::body::to_bytes(response.into_body(), 1 << 16)
        .await
        .unwrap();
    let text = String::from_utf8_lossy(&body).into_owned();
    let code = text
        .split("<Code>")
        .nth(1)
        .and_then(|s| s.split("</Code>").next())
        .map_or(text.clone(), str::to_string);
    (status, code, retry_after)
}

/// [`answer`], failing the test when no answer comes within [`PATIENCE`].
async fn answer_soon(app: &Router, request: Request<Body>) -> (StatusCode, String, Option<String>) {
    tokio::time::timeout(PATIENCE, answer(app, request))
        .await
        .expect("an answer without waiting for the body")
}

/// The answer to a request whose body stays open until `open` is dropped: its status and
/// headers must come while the body is still open (the layer did not wait to read it); the
/// refusal's message comes once the rest of the body was read, so `open` is dropped then.
async fn answer_while_open(
    app: &Router,
    request: Request<Body>,
    open: tokio::sync::mpsc::Sender<Result<Bytes, Infallible>>,
) -> (StatusCode, String, Option<String>) {
    let response = tokio::time::timeout(PATIENCE, app.clone().oneshot(request))
        .await
        .expect("an answer while the body is still open")
        .unwrap();
    drop(open);
    read(response).await
}

/// A body that sends `first` and then never ends, and the sender that keeps it open (drop
/// it to end the body).
fn stalled_body(
    first: &'static [u8],
) -> (Body, tokio::sync::mpsc::Sender<Result<Bytes, Infallible>>) {
    let (sender, receiver) = tokio::sync::mpsc::channel(1);
    let stream = futures_stream(receiver, first);
    (Body::from_stream(stream), sender)
}

/// The stream of `first`, then of what the channel gives.
fn futures_stream(
    receiver: tokio::sync::mpsc::Receiver<Result<Bytes, Infallible>>,
    first: &'static [u8],
) -> impl futures_core::Stream<Item = Result<Bytes, Infallible>> + Send + 'static {
    ChannelStream {
        first: (!first.is_empty()).then(|| Bytes::from_static(first)),
        receiver,
    }
}

struct ChannelStream {
    first: Option<Bytes>,
    receiver: tokio::sync::mpsc::Receiver<Result<Bytes, Infallible>>,
}

impl futures_core::Stream for ChannelStream {
    type Item = Result<Bytes, Infallible>;

    fn poll_next(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Option<Self::Item>> {
        if let Some(first) = self.first.take() {
            return std::task::Poll::Ready(Some(Ok(first)));
        }
        self.receiver.poll_recv(cx)
    }
}

/// A POST whose body (declaring no hash: it is buffered to be hashed) was signed as
/// `signed_body`, sent as `body`, with a `Content-Length` of `length` when given (else in
/// chunked transfer).
fn buffered_post(
    access_key_id: &str,
    signed_body: &[u8],
    body: Body,
    length: Option<usize>,
) -> Request<Body> {
    let mut builder = Request::post("http://api.example.com/items");
    builder = match length {
        Some(length) => builder.header(http::header::CONTENT_LENGTH, length),
        // As an HTTP/1 server sees a body of no declared length.
        None => builder.header(http::header::TRANSFER_ENCODING, "chunked"),
    };
    let mut request = builder.body(body).unwrap();
    Signer::new(
        Credentials::new(access_key_id, SECRET),
        "us-east-1",
        "execute-api",
    )
    .sign(&mut request, Payload::Bytes(signed_body), NOW)
    .unwrap();
    request
}

mod host {
    use super::*;

    fn signed_get() -> Request<Body> {
        let mut request = Request::get("/items")
            .header("host", "api.example.com")
            .body(Body::empty())
            .unwrap();
        api_signer()
            .sign(&mut request, Payload::Empty, NOW)
            .unwrap();
        request
    }

    #[tokio::test]
    async fn a_signed_request_with_one_host_is_accepted() {
        let app = app(SigV4Layer::new(keys()));
        assert_eq!(
            answer(&app, signed_get()).await.0,
            StatusCode::OK,
            "the fixture is valid"
        );
    }

    #[tokio::test]
    async fn a_second_host_header_is_refused() {
        let app = app(SigV4Layer::new(keys()));
        let mut request = signed_get();
        request
            .headers_mut()
            .append("host", http::HeaderValue::from_static("evil.example.com"));
        let (status, code, _) = answer(&app, request).await;
        assert_eq!(
            (status, code.as_str()),
            (StatusCode::BAD_REQUEST, "InvalidRequest")
        );
    }

    #[tokio::test]
    async fn a_host_header_that_is_not_the_targets_authority_is_refused() {
        let app = app(SigV4Layer::new(keys()));
        let mut request = signed_get();
        *request.uri_mut() = "http://evil.example.com/items".parse().unwrap();
        let (status, code, _) = answer(&app, request).await;
        assert_eq!(
            (status, code.as_str()),
            (StatusCode::BAD_REQUEST, "InvalidRequest")
        );
    }

    #[tokio::test]
    async fn a_host_header_that_is_the_targets_authority_in_another_case_is_accepted() {
        let app = app(SigV4Layer::new(keys()));
        let mut request = signed_get();
        *request.uri_mut() = "http://API.example.com/items".parse().unwrap();
        assert_eq!(answer(&app, request).await.0, StatusCode::OK);
    }
}

mod payload {
    use super::*;
    use countersign::client::{ChecksumAlgorithm, Framing};

    /// An S3 PUT of `data` in the aws-chunked `framing`, with a CRC32 trailer.
    fn chunked_put(framing: Framing, data: &[u8]) -> Request<Body> {
        let mut request = Request::put("http://bucket.s3.amazonaws.com/key")
            .body(())
            .unwrap();
        let mut encoder = s3_signer()
            .sign_chunked(
                &mut request,
                framing,
                data.len() as u64,
                64 * 1024,
                Some(ChecksumAlgorithm::Crc32),
                NOW,
            )
            .unwrap();
        let body = encoder.encode(data);
        request.map(|()| Body::from(body))
    }

    fn strict_s3() -> Router {
        app(SigV4Layer::new(keys()).s3().allow_unsigned_payload(false))
    }

    #[tokio::test]
    async fn refusing_unsigned_payloads_refuses_the_unsigned_trailer_framing() {
        let request = chunked_put(Framing::UnsignedTrailer, b"not signed by anyone");
        let (status, code, _) = answer(&strict_s3(), request).await;
        assert_eq!(
            (status, code.as_str()),
            (StatusCode::FORBIDDEN, "AccessDenied")
        );
    }

    #[tokio::test]
    async fn refusing_unsigned_payloads_accepts_signed_chunks() {
        let request = chunked_put(Framing::SignedTrailer, b"signed chunk by chunk");
        let (status, body, _) = answer(&strict_s3(), request).await;
        assert_eq!((status, body.as_str()), (StatusCode::OK, "alice read 21"));
    }

    #[tokio::test]
    async fn the_unsigned_trailer_framing_is_accepted_where_unsigned_payloads_are() {
        let app = app(SigV4Layer::new(keys()).s3());
        let request = chunked_put(Framing::UnsignedTrailer, b"not signed by anyone");
        let (status, body, _) = answer(&app, request).await;
        assert_eq!((status, body.as_str()), (StatusCode::OK, "alice read 20"));
    }
}

mod replay {
    use super::*;
    use countersign::server::replay::MemoryReplayGuard;
    use p256::ecdsa::Signature;
    use p256::elliptic_curve::ff::PrimeField;

    fn guarded() -> Router {
        app(SigV4Layer::new(keys())
            .regions(["us-east-1"])
            .replay_protection(MemoryReplayGuard::new(100)))
    }

    fn sigv4a_get() -> Request<Body> {
        let mut request = Request::get("http://api.example.com/items")
            .body(Body::empty())
            .unwrap();
        api_signer()
            .sigv4a("us-east-1")
            .sign(&mut request, Payload::Empty, NOW)
            .unwrap();
        request
    }

    /// `request` with its ECDSA signature `(r, s)` replaced by `(r, n - s)`, which verifies
    /// as well.
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
        assert_eq!(answer(&app, altered).await.0, StatusCode::OK);
    }

    #[tokio::test]
    async fn a_malleated_copy_of_a_sigv4a_request_is_a_replay() {
        let app = guarded();
        let original = sigv4a_get();
        let altered = malleated(&original);
        assert_eq!(answer(&app, original).await.0, StatusCode::OK);
        let (status, code, _) = answer(&app, altered).await;
        assert_eq!(
            (status, code.as_str()),
            (StatusCode::FORBIDDEN, "AccessDenied")
        );
    }

    #[tokio::test]
    async fn a_sigv4a_request_is_refused_after_its_malleated_copy() {
        let app = guarded();
        let original = sigv4a_get();
        let altered = malleated(&original);
        assert_eq!(answer(&app, altered).await.0, StatusCode::OK);
        let (status, code, _) = answer(&app, original).await;
        assert_eq!(
            (status, code.as_str()),
            (StatusCode::FORBIDDEN, "AccessDenied")
        );
    }
}

mod key_store {
    use super::*;
    use countersign::server::keys::key_store_fn;
    use countersign::server::Key;

    #[tokio::test]
    async fn an_unknown_key_at_hand_is_refused_before_its_body_is_read() {
        let app = app(SigV4Layer::new(keys()));
        let (body, open) = stalled_body(b"some");
        let request = buffered_post("AKIDUNKNOWN", b"some bytes", body, None);
        let (status, code, _) = answer_while_open(&app, request, open).await;
        assert_eq!(
            (status, code.as_str()),
            (StatusCode::FORBIDDEN, "InvalidAccessKeyId")
        );
    }

    #[tokio::test]
    async fn an_unknown_key_waited_for_is_refused_before_its_body_is_read() {
        let store = key_store_fn(|_request| async {
            tokio::task::yield_now().await;
            Ok::<Option<Key<String>>, _>(None)
        });
        let app = app(SigV4Layer::new(store));
        let (body, open) = stalled_body(b"some");
        let request = buffered_post("AKIDUNKNOWN", b"some bytes", body, None);
        let (status, code, _) = answer_while_open(&app, request, open).await;
        assert_eq!(
            (status, code.as_str()),
            (StatusCode::FORBIDDEN, "InvalidAccessKeyId")
        );
    }
}

mod limits {
    use super::*;

    /// A layer that buffers bodies of at most 1000 bytes, 1500 bytes of them at once.
    fn budgeted() -> Router {
        app(SigV4Layer::new(keys())
            .body_buffer_limit(1000)
            .body_buffer_budget(1500))
    }

    /// Starts a request whose body of `length` declared bytes never comes, so that it holds
    /// its share of the budget; the task ends when the test does.
    fn hold_share(
        app: &Router,
        length: usize,
    ) -> tokio::sync::mpsc::Sender<Result<Bytes, Infallible>> {
        let (body, open) = stalled_body(b"");
        let request = buffered_post(AKID, b"never sent", body, Some(length));
        let app = app.clone();
        tokio::spawn(async move { app.oneshot(request).await });
        open
    }

    /// Lets the spawned requests reach the layer.
    async fn settle() {
        for _ in 0..10 {
            tokio::task::yield_now().await;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }

    #[tokio::test]
    async fn a_body_that_fits_the_budget_left_is_buffered_and_verified() {
        let app = budgeted();
        let _held = hold_share(&app, 1000);
        settle().await;
        let body = vec![b'x'; 500];
        let request = buffered_post(AKID, &body, Body::from(body.clone()), Some(500));
        let (status, text, _) = answer_soon(&app, request).await;
        assert_eq!((status, text.as_str()), (StatusCode::OK, "alice read 500"));
    }

    #[tokio::test]
    async fn a_declared_length_past_the_budget_left_is_asked_to_slow_down() {
        let app = budgeted();
        let _held = hold_share(&app, 1000);
        settle().await;
        let body = vec![b'x'; 501];
        let request = buffered_post(AKID, &body, Body::from(body.clone()), Some(501));
        let (status, code, retry_after) = answer_soon(&app, request).await;
        assert_eq!(
            (status, code.as_str(), retry_after.as_deref()),
            (StatusCode::SERVICE_UNAVAILABLE, "SlowDown", Some("1"))
        );
    }

    #[tokio::test]
    async fn a_streamed_body_that_grows_past_the_budget_left_is_asked_to_slow_down() {
        let app = budgeted();
        let _held = hold_share(&app, 1000);
        settle().await;
        // Sent in chunked transfer: its length is known only as it is read.
        let (body, open) = stalled_body(&[b'x'; 600]);
        drop(open);
        let request = buffered_post(AKID, &[b'x'; 600], body, None);
        let (status, code, _) = answer_soon(&app, request).await;
        assert_eq!(
            (status, code.as_str()),
            (StatusCode::SERVICE_UNAVAILABLE, "SlowDown")
        );
    }

    #[tokio::test]
    async fn a_share_is_given_back_when_its_request_ends() {
        let app = budgeted();
        let held = hold_share(&app, 1000);
        settle().await;
        drop(held);
        settle().await;
        let body = vec![b'x'; 1000];
        let request = buffered_post(AKID, &body, Body::from(body.clone()), Some(1000));
        let (status, text, _) = answer_soon(&app, request).await;
        assert_eq!((status, text.as_str()), (StatusCode::OK, "alice read 1000"));
    }
}
