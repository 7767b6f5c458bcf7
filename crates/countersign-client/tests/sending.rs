//! The senders against a real server: `SigV4Layer` in front of an axum app on a loopback
//! port, reached with reqwest (`SigningMiddleware`, `SignExt`) and hyper-util's client under
//! `SigningLayer`. Each request must be verified by the layer; bodies of bytes are checked
//! against their hash, streams come `UNSIGNED-PAYLOAD`.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "a test panics on a broken fixture by design"
)]

use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use axum::body::Body as AxumBody;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{any, get};
use axum::Router;
use bytes::Bytes;
use countersign_client::{
    Credentials, CredentialsError, CredentialsFuture, ProvideCredentials, SendBody, SignExt,
    Signing, SigningLayer, SigningMiddleware,
};
use countersign_server::keys::MemoryKeyStore;
use countersign_server::{PayloadCheck, SigV4Layer, Verified};
use http_body::Frame;
use http_body_util::{BodyExt, Full, StreamBody};
use hyper_util::client::legacy::Client;
use hyper_util::rt::TokioExecutor;
use sha2::{Digest, Sha256};
use tower::{Layer, ServiceExt};

const ALICE: (&str, &str) = ("AKIDALICE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY");
const BOB: (&str, &str) = ("AKIDBOB", "je7MtGbClwBF/2Zp9Utk/h3yCo8nvbEXAMPLEKEY");
const REGION: &str = "us-east-1";
const SERVICE: &str = "execute-api";

fn alice() -> Credentials {
    Credentials::new(ALICE.0, ALICE.1)
}

fn signing() -> Signing {
    Signing::new(alice(), REGION, SERVICE)
}

/// The layer: Alice's and Bob's keys, this region and service.
fn layer() -> SigV4Layer<MemoryKeyStore<String>> {
    let keys = MemoryKeyStore::new();
    keys.insert(ALICE.0, ALICE.1, "alice".to_string());
    keys.insert(BOB.0, BOB.1, "bob".to_string());
    SigV4Layer::new(keys).regions([REGION]).services([SERVICE])
}

/// Who signed: the principal.
async fn whoami(identity: Verified<String>) -> String {
    identity.principal
}

/// How the payload was covered, for the echo's answer.
fn payload_name(check: PayloadCheck) -> &'static str {
    match check {
        PayloadCheck::Verified => "verified",
        PayloadCheck::Unsigned => "unsigned",
        PayloadCheck::Streaming => "streaming",
    }
}

/// Reads the body (the layer checks a declared or computed hash as it is read) and
/// answers `PRINCIPAL PAYLOAD LENGTH SHA256 X-AMZ-CONTENT-SHA256` (`-` without that header).
async fn echo(identity: Verified<String>, headers: HeaderMap, body: AxumBody) -> Response {
    let declared = headers
        .get("x-amz-content-sha256")
        .map_or("-".to_string(), |v| v.to_str().unwrap().to_string());
    match axum::body::to_bytes(body, usize::MAX).await {
        Ok(bytes) => format!(
            "{} {} {} {} {declared}",
            identity.principal,
            payload_name(identity.payload),
            bytes.len(),
            hex::encode(Sha256::digest(&bytes)),
        )
        .into_response(),
        Err(e) => (StatusCode::BAD_REQUEST, format!("refused {e}")).into_response(),
    }
}

/// The answer [`echo`] gives for `data` sent by `principal` with the payload covered as
/// `payload` and `declared` in `x-amz-content-sha256`.
fn echoed(principal: &str, payload: &str, data: &[u8], declared: &str) -> String {
    format!(
        "{principal} {payload} {} {} {declared}",
        data.len(),
        hex::encode(Sha256::digest(data))
    )
}

/// Serves the app behind the layer on a loopback port, on the test's runtime.
async fn serve() -> SocketAddr {
    let app = Router::new()
        .route("/whoami", get(whoami))
        .route("/echo", any(echo))
        .layer(layer());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    addr
}

/// A reqwest client that ignores any proxy of the environment.
fn reqwest_client() -> reqwest::Client {
    reqwest::Client::builder().no_proxy().build().unwrap()
}

fn middleware_client(signing: Signing) -> reqwest_middleware::ClientWithMiddleware {
    reqwest_middleware::ClientBuilder::new(reqwest_client())
        .with(SigningMiddleware::new(signing))
        .build()
}

/// Bytes that do not repeat with a short period.
fn pattern(len: usize) -> Vec<u8> {
    let mut x: u32 = 0x2545_f491;
    (0..len)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 17;
            x ^= x << 5;
            x.to_le_bytes()[1]
        })
        .collect()
}

/// `data` as a stream of pieces, with no length known in advance.
fn stream_of(
    data: &[u8],
) -> StreamBody<impl futures_util::Stream<Item = Result<Frame<Bytes>, Infallible>> + Send + Sync> {
    let pieces: Vec<_> = data
        .chunks(1000)
        .map(|piece| Ok(Frame::data(Bytes::copy_from_slice(piece))))
        .collect();
    StreamBody::new(futures_util::stream::iter(pieces))
}

async fn text(response: reqwest::Response) -> (StatusCode, String) {
    let status = response.status();
    (status, response.text().await.unwrap())
}

// The middleware.

#[tokio::test]
async fn the_middleware_gets_a_verified_identity() {
    let addr = serve().await;
    let response = middleware_client(signing())
        .get(format!("http://{addr}/whoami"))
        .send()
        .await
        .unwrap();
    assert_eq!(text(response).await, (StatusCode::OK, "alice".to_string()));
}

#[tokio::test]
async fn the_middleware_signs_a_body_of_bytes_with_its_hash() {
    let addr = serve().await;
    let data = pattern(5000);
    let response = middleware_client(signing())
        .put(format!("http://{addr}/echo"))
        .body(data.clone())
        .send()
        .await
        .unwrap();
    // No hash declared: the layer hashed the body it received and checked the signature.
    assert_eq!(
        text(response).await,
        (StatusCode::OK, echoed("alice", "verified", &data, "-"))
    );
}

/// A middleware after the signer that replaces the body with other bytes.
struct ReplaceBody;

#[async_trait::async_trait]
impl reqwest_middleware::Middleware for ReplaceBody {
    async fn handle(
        &self,
        mut request: reqwest::Request,
        extensions: &mut http::Extensions,
        next: reqwest_middleware::Next<'_>,
    ) -> reqwest_middleware::Result<reqwest::Response> {
        *request.body_mut() = Some(reqwest::Body::from("replaced"));
        next.run(request, extensions).await
    }
}

#[tokio::test]
async fn a_body_replaced_after_the_middleware_signed_it_is_refused() {
    let addr = serve().await;
    let client = reqwest_middleware::ClientBuilder::new(reqwest_client())
        .with(SigningMiddleware::new(signing()))
        .with(ReplaceBody)
        .build();
    let response = client
        .put(format!("http://{addr}/echo"))
        .body("original")
        .send()
        .await
        .unwrap();
    let (status, body) = text(response).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert!(body.contains("SignatureDoesNotMatch"), "{body}");
}

#[tokio::test]
async fn the_middleware_sends_a_stream_as_unsigned_payload() {
    let addr = serve().await;
    let data = pattern(10_000);
    let response = middleware_client(signing())
        .put(format!("http://{addr}/echo"))
        .body(reqwest::Body::wrap(stream_of(&data)))
        .send()
        .await
        .unwrap();
    assert_eq!(
        text(response).await,
        (
            StatusCode::OK,
            echoed("alice", "unsigned", &data, "UNSIGNED-PAYLOAD")
        )
    );
}

#[tokio::test]
async fn the_s3_middleware_declares_the_body_hash() {
    let addr = serve().await;
    let data = pattern(300);
    let response = middleware_client(signing().s3())
        .put(format!("http://{addr}/echo"))
        .body(data.clone())
        .send()
        .await
        .unwrap();
    let hash = hex::encode(Sha256::digest(&data));
    // The layer's default (not S3) rules accept S3's single path encoding for "/echo"; a
    // declared hash is checked as the body streams.
    assert_eq!(
        text(response).await,
        (StatusCode::OK, echoed("alice", "streaming", &data, &hash))
    );
}

/// Hands out Alice's credentials, then Bob's from the call `switch_at` on (0-based), and
/// counts the calls.
#[derive(Debug)]
struct Rotating {
    calls: AtomicUsize,
    switch_at: usize,
}

impl ProvideCredentials for Rotating {
    fn provide_credentials(&self) -> CredentialsFuture<'_> {
        let call = self.calls.fetch_add(1, Ordering::SeqCst);
        let credentials = if call < self.switch_at {
            alice()
        } else {
            Credentials::new(BOB.0, BOB.1)
        };
        Box::pin(std::future::ready(Ok::<_, CredentialsError>(credentials)))
    }
}

#[tokio::test]
async fn the_provider_is_asked_before_each_request() {
    let addr = serve().await;
    let provider = Arc::new(Rotating {
        calls: AtomicUsize::new(0),
        switch_at: usize::MAX,
    });
    let client = middleware_client(Signing::new(Arc::clone(&provider), REGION, SERVICE));
    for _ in 0..3 {
        let response = client
            .get(format!("http://{addr}/whoami"))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::OK);
    }
    assert_eq!(provider.calls.load(Ordering::SeqCst), 3);
}

#[tokio::test]
async fn new_credentials_from_the_provider_sign_the_next_request() {
    let addr = serve().await;
    let provider = Rotating {
        calls: AtomicUsize::new(0),
        switch_at: 1,
    };
    let client = middleware_client(Signing::new(provider, REGION, SERVICE));
    let mut who = Vec::new();
    for _ in 0..2 {
        let response = client
            .get(format!("http://{addr}/whoami"))
            .send()
            .await
            .unwrap();
        who.push(text(response).await.1);
    }
    assert_eq!(who, ["alice", "bob"]);
}

#[tokio::test]
async fn the_signer_is_kept_while_the_key_is_the_same() {
    let signing = signing();
    let first = signing.signer().await.unwrap();
    let second = signing.signer().await.unwrap();
    assert!(Arc::ptr_eq(&first, &second));
}

#[tokio::test]
async fn another_key_gets_another_signer() {
    let signing = Signing::new(
        Rotating {
            calls: AtomicUsize::new(0),
            switch_at: 1,
        },
        REGION,
        SERVICE,
    );
    let first = signing.signer().await.unwrap();
    let second = signing.signer().await.unwrap();
    assert!(!Arc::ptr_eq(&first, &second));
}

/// A provider that has no credentials.
#[derive(Debug)]
struct Empty;

impl ProvideCredentials for Empty {
    fn provide_credentials(&self) -> CredentialsFuture<'_> {
        Box::pin(std::future::ready(Err(CredentialsError::new(
            "test",
            countersign_client::CredentialsErrorKind::NotFound,
            "no credentials here",
        ))))
    }
}

#[tokio::test]
async fn a_provider_without_credentials_fails_the_request_before_it_is_sent() {
    let addr = serve().await;
    let client = middleware_client(Signing::new(Empty, REGION, SERVICE));
    let error = client
        .get(format!("http://{addr}/whoami"))
        .send()
        .await
        .unwrap_err();
    assert!(error.to_string().contains("no credentials here"), "{error}");
}

// The extension.

#[tokio::test]
async fn the_extension_gets_a_verified_identity() {
    let addr = serve().await;
    let signed = reqwest_client()
        .get(format!("http://{addr}/whoami"))
        .sign(&signing())
        .await
        .unwrap();
    assert!(signed.request().headers().contains_key("authorization"));
    let response = signed.send().await.unwrap();
    assert_eq!(text(response).await, (StatusCode::OK, "alice".to_string()));
}

#[tokio::test]
async fn the_extension_signs_a_body_of_bytes_with_its_hash() {
    let addr = serve().await;
    let data = pattern(2000);
    let response = reqwest_client()
        .post(format!("http://{addr}/echo"))
        .body(data.clone())
        .sign(&signing())
        .await
        .unwrap()
        .send()
        .await
        .unwrap();
    assert_eq!(
        text(response).await,
        (StatusCode::OK, echoed("alice", "verified", &data, "-"))
    );
}

#[tokio::test]
async fn the_extension_sends_a_stream_as_unsigned_payload() {
    let addr = serve().await;
    let data = pattern(3000);
    let response = reqwest_client()
        .put(format!("http://{addr}/echo"))
        .body(reqwest::Body::wrap(stream_of(&data)))
        .send_signed(&signing())
        .await
        .unwrap();
    assert_eq!(
        text(response).await,
        (
            StatusCode::OK,
            echoed("alice", "unsigned", &data, "UNSIGNED-PAYLOAD")
        )
    );
}

#[tokio::test]
async fn send_signed_gets_a_verified_identity() {
    let addr = serve().await;
    let response = reqwest_client()
        .get(format!("http://{addr}/whoami"))
        .send_signed(&signing())
        .await
        .unwrap();
    assert_eq!(text(response).await, (StatusCode::OK, "alice".to_string()));
}

#[tokio::test]
async fn a_url_reqwest_cannot_build_is_a_build_error() {
    let error = reqwest_client()
        .get("not a url")
        .sign(&signing())
        .await
        .unwrap_err();
    assert!(
        matches!(error, countersign_client::SendError::Build(_)),
        "{error:?}"
    );
}

// The tower layer, over hyper-util's client.

/// Sends `request` through `SigningLayer` over hyper-util's client: the status and text.
async fn send_tower<B>(layer: SigningLayer, request: http::Request<B>) -> (StatusCode, String)
where
    B: http_body::Body<Data = Bytes> + Send + Unpin + 'static,
    B::Error: Into<Box<dyn std::error::Error + Send + Sync>>,
{
    let client = Client::builder(TokioExecutor::new()).build_http::<SendBody<B>>();
    let service = layer.layer(client);
    let response = service.oneshot(request).await.unwrap();
    let status = response.status();
    let bytes = response.into_body().collect().await.unwrap().to_bytes();
    (status, String::from_utf8_lossy(&bytes).into_owned())
}

#[tokio::test]
async fn the_tower_layer_gets_a_verified_identity() {
    let addr = serve().await;
    let request = http::Request::get(format!("http://{addr}/whoami"))
        .body(Full::new(Bytes::new()))
        .unwrap();
    assert_eq!(
        send_tower(SigningLayer::new(signing()), request).await,
        (StatusCode::OK, "alice".to_string())
    );
}

#[tokio::test]
async fn the_tower_layer_signs_a_full_body_with_its_hash() {
    let addr = serve().await;
    let data = pattern(4000);
    let request = http::Request::put(format!("http://{addr}/echo"))
        .body(Full::new(Bytes::from(data.clone())))
        .unwrap();
    assert_eq!(
        send_tower(SigningLayer::new(signing()), request).await,
        (StatusCode::OK, echoed("alice", "verified", &data, "-"))
    );
}

#[tokio::test]
async fn the_tower_layer_sends_a_stream_as_unsigned_payload() {
    let addr = serve().await;
    let data = pattern(7000);
    let request = http::Request::put(format!("http://{addr}/echo"))
        .body(stream_of(&data))
        .unwrap();
    assert_eq!(
        send_tower(SigningLayer::new(signing()), request).await,
        (
            StatusCode::OK,
            echoed("alice", "unsigned", &data, "UNSIGNED-PAYLOAD")
        )
    );
}

#[tokio::test]
async fn the_tower_layer_sends_a_body_over_its_hash_limit_as_unsigned_payload() {
    let addr = serve().await;
    let data = pattern(100);
    let request = http::Request::put(format!("http://{addr}/echo"))
        .body(Full::new(Bytes::from(data.clone())))
        .unwrap();
    let layer = SigningLayer::new(signing()).hash_limit(99);
    assert_eq!(
        send_tower(layer, request).await,
        (
            StatusCode::OK,
            echoed("alice", "unsigned", &data, "UNSIGNED-PAYLOAD")
        )
    );
}

/// A body that says it has `said` bytes and gives `data`.
struct Lying {
    said: u64,
    data: Option<Bytes>,
}

impl http_body::Body for Lying {
    type Data = Bytes;
    type Error = Infallible;

    fn poll_frame(
        mut self: std::pin::Pin<&mut Self>,
        _cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Option<Result<Frame<Bytes>, Infallible>>> {
        std::task::Poll::Ready(self.data.take().map(|d| Ok(Frame::data(d))))
    }

    fn size_hint(&self) -> http_body::SizeHint {
        http_body::SizeHint::with_exact(self.said)
    }
}

#[tokio::test]
async fn a_body_longer_than_its_size_hint_is_not_sent() {
    let request = http::Request::put("http://127.0.0.1:9/echo")
        .body(Lying {
            said: 4,
            data: Some(Bytes::from_static(b"more than four")),
        })
        .unwrap();
    let client = Client::builder(TokioExecutor::new()).build_http::<SendBody<Lying>>();
    let error = SigningLayer::new(signing())
        .layer(client)
        .oneshot(request)
        .await
        .unwrap_err();
    assert!(
        matches!(error, countersign_client::SendError::Body(_)),
        "{error:?}"
    );
}

#[tokio::test]
async fn a_body_shorter_than_its_size_hint_is_not_sent() {
    let request = http::Request::put("http://127.0.0.1:9/echo")
        .body(Lying {
            said: 40,
            data: Some(Bytes::from_static(b"less")),
        })
        .unwrap();
    let client = Client::builder(TokioExecutor::new()).build_http::<SendBody<Lying>>();
    let error = SigningLayer::new(signing())
        .layer(client)
        .oneshot(request)
        .await
        .unwrap_err();
    assert!(
        matches!(error, countersign_client::SendError::Body(_)),
        "{error:?}"
    );
}
