//! Layer policies exercised in-process (tower `oneshot`): key rotation, trusted proxies,
//! the HTTP/2 authority, a fixed clock, required signed headers, custom error rendering, the
//! extractor's rejection when the layer is missing, empty bodies without a declared hash, and
//! a key store that has the key at hand.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "a test panics on a broken fixture by design"
)]

use axum::body::Body;
use axum::routing::get;
use axum::Router;
use countersign::client::{Credentials, Payload, Signer};
use std::convert::Infallible;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use countersign::server::keys::{KeyRequest, KeyStore, Lookup, MemoryKeyStore};
use countersign::server::{ErrorFormat, SigV4Layer, TrustedProxy, Verified, VerifiedBody};
use http::{Request, StatusCode};
use time::macros::datetime;
use time::OffsetDateTime;
use tower::{Layer, Service, ServiceExt};

const AKID: &str = "AKIDEXAMPLE";
const NOW: OffsetDateTime = datetime!(2024-03-01 10:00:00 UTC);

async fn whoami(identity: Verified<String>) -> String {
    identity.principal
}

fn router<K: KeyStore<Principal = String>>(layer: SigV4Layer<K>) -> Router {
    Router::new()
        .route("/whoami", get(whoami))
        .layer(layer.clock(|| NOW))
}

fn signed(secret: &str, uri: &str, headers: &[(&str, &str)]) -> Request<Body> {
    signed_as(AKID, secret, uri, headers)
}

/// A GET of `uri` with `headers`, signed with the key `access_key_id` and `secret`.
fn signed_as(
    access_key_id: &str,
    secret: &str,
    uri: &str,
    headers: &[(&str, &str)],
) -> Request<Body> {
    let mut builder = Request::get(uri);
    for (n, v) in headers {
        builder = builder.header(*n, *v);
    }
    let mut request = builder.body(Body::empty()).unwrap();
    Signer::new(
        Credentials::new(access_key_id, secret),
        "us-east-1",
        "execute-api",
    )
    .sign(&mut request, Payload::Empty, NOW)
    .unwrap();
    request
}

async fn status(app: &Router, request: Request<Body>) -> (StatusCode, String) {
    let response = app.clone().oneshot(request).await.unwrap();
    let status = response.status();
    let body = axum::body::to_bytes(response.into_body(), 1 << 16)
        .await
        .unwrap();
    (status, String::from_utf8_lossy(&body).into_owned())
}

#[tokio::test]
async fn rotation_keeps_both_secrets_live_until_finished() {
    let store = MemoryKeyStore::new();
    store.insert(AKID, "old", "alice".to_string());
    let app = router(SigV4Layer::new(store.clone()));
    assert_eq!(
        status(&app, signed("old", "http://h/whoami", &[])).await.0,
        StatusCode::OK
    );
    store.rotate(AKID, "new");
    assert_eq!(
        status(&app, signed("old", "http://h/whoami", &[])).await.0,
        StatusCode::OK
    );
    assert_eq!(
        status(&app, signed("new", "http://h/whoami", &[])).await.0,
        StatusCode::OK
    );
    store.finish_rotation(AKID);
    assert_eq!(
        status(&app, signed("old", "http://h/whoami", &[])).await.0,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        status(&app, signed("new", "http://h/whoami", &[])).await.0,
        StatusCode::OK
    );
    store.remove(AKID);
    let (code, body) = status(&app, signed("new", "http://h/whoami", &[])).await;
    assert_eq!(code, StatusCode::FORBIDDEN);
    assert!(body.contains("InvalidAccessKeyId"), "{body}");
}

fn store() -> MemoryKeyStore<String> {
    let store = MemoryKeyStore::new();
    store.insert(AKID, "secret", "alice".to_string());
    store
}

#[tokio::test]
async fn a_trusted_proxy_restores_the_host_and_path_the_client_signed() {
    // The client signed https://public.example.com/api/whoami; the proxy forwards /whoami.
    let from_client = signed("secret", "https://public.example.com/api/whoami", &[]);
    let forward = |request: &Request<Body>| {
        let mut builder = Request::get("/whoami")
            .header("host", "10.0.0.7:8080")
            .header("x-forwarded-host", "public.example.com");
        for (n, v) in request.headers() {
            if n != "host" {
                builder = builder.header(n, v);
            }
        }
        builder.body(Body::empty()).unwrap()
    };
    let proxied = router(
        SigV4Layer::new(store())
            .trusted_proxy(TrustedProxy::new().forwarded_host(true).path_prefix("/api")),
    );
    assert_eq!(
        status(&proxied, forward(&from_client)).await,
        (StatusCode::OK, "alice".to_string())
    );

    // The same request to a server that does not trust the proxy is refused.
    let direct = router(SigV4Layer::new(store()));
    assert_eq!(
        status(&direct, forward(&from_client)).await.0,
        StatusCode::FORBIDDEN
    );
}

#[tokio::test]
async fn the_uri_authority_stands_in_for_a_missing_host_header() {
    // As under HTTP/2, where the host travels as :authority.
    let mut request = signed("secret", "https://api.example.com/whoami", &[]);
    request.headers_mut().remove("host");
    let app = router(SigV4Layer::new(store()));
    assert_eq!(
        status(&app, request).await,
        (StatusCode::OK, "alice".to_string())
    );
}

#[tokio::test]
async fn required_headers_must_be_signed() {
    let app = router(SigV4Layer::new(store()).require_signed_header("Content-Type"));
    let mut request = signed("secret", "http://h/whoami", &[]);
    request
        .headers_mut()
        .insert("content-type", "text/plain".parse().unwrap());
    let (code, body) = status(&app, request).await;
    assert_eq!(code, StatusCode::FORBIDDEN);
    assert!(body.contains("content-type"), "{body}");
    let request = signed(
        "secret",
        "http://h/whoami",
        &[("content-type", "text/plain")],
    );
    assert_eq!(status(&app, request).await.0, StatusCode::OK);
}

#[tokio::test]
async fn the_injected_clock_decides_the_window() {
    let app = Router::new().route("/whoami", get(whoami)).layer(
        SigV4Layer::new(store())
            .clock(|| NOW + time::Duration::minutes(20))
            .clock_skew(time::Duration::minutes(15)),
    );
    let (code, body) = status(&app, signed("secret", "http://h/whoami", &[])).await;
    assert_eq!(code, StatusCode::FORBIDDEN);
    assert!(body.contains("RequestTimeTooSkewed"), "{body}");
    let app = Router::new().route("/whoami", get(whoami)).layer(
        SigV4Layer::new(store())
            .clock(|| NOW + time::Duration::minutes(14))
            .clock_skew(time::Duration::minutes(15)),
    );
    assert_eq!(
        status(&app, signed("secret", "http://h/whoami", &[]))
            .await
            .0,
        StatusCode::OK
    );
}

#[tokio::test]
async fn a_custom_error_format_renders_rejections() {
    let format = ErrorFormat::custom(|rejection| {
        let mut response = http::Response::new(http_body_util::Full::new(bytes::Bytes::from(
            format!("nope: {}", rejection.error.code()),
        )));
        *response.status_mut() = StatusCode::UNAUTHORIZED;
        response
    });
    let app = router(SigV4Layer::new(store()).error_format(format));
    assert_eq!(
        status(&app, signed("wrong", "http://h/whoami", &[])).await,
        (
            StatusCode::UNAUTHORIZED,
            "nope: SignatureDoesNotMatch".to_string()
        )
    );
}

#[tokio::test]
async fn the_extractor_says_when_the_layer_is_missing() {
    let app = Router::new().route("/whoami", get(whoami));
    let (code, body) = status(&app, Request::get("/whoami").body(Body::empty()).unwrap()).await;
    assert_eq!(code, StatusCode::INTERNAL_SERVER_ERROR);
    assert!(body.contains("SigV4 layer is not installed"), "{body}");
}

#[tokio::test]
async fn a_file_key_store_serves_its_principal() {
    let dir = std::env::temp_dir().join(format!("countersign-policies-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("keys.json");
    std::fs::write(&path, r#"{"keys": [{"access_key_id": "AKIDEXAMPLE", "secret_access_key": "secret", "principal": {"user": "bob"}}]}"#).unwrap();
    let store = countersign::server::FileKeyStore::open(&path).unwrap();
    async fn who(identity: Verified<Arc<serde_json::Value>>) -> String {
        identity.principal["user"]
            .as_str()
            .unwrap_or_default()
            .to_string()
    }
    // A handler that names another principal type finds no identity: 500, saying why.
    async fn who_by_value(identity: Verified<serde_json::Value>) -> String {
        identity.principal.to_string()
    }
    let app = Router::new()
        .route("/whoami", get(who))
        .route("/by-value", get(who_by_value))
        .layer(SigV4Layer::new(store).clock(|| NOW));
    assert_eq!(
        status(&app, signed("secret", "http://h/whoami", &[])).await,
        (StatusCode::OK, "bob".to_string())
    );
    let (code, body) = status(&app, signed("secret", "http://h/by-value", &[])).await;
    assert_eq!(code, StatusCode::INTERNAL_SERVER_ERROR);
    assert!(body.contains("principal type differs"), "{body}");
    std::fs::remove_file(&path).unwrap();
}

#[tokio::test]
async fn replay_protection_refuses_a_signature_seen_before_but_not_presigned_reuse() {
    use countersign::server::replay::MemoryReplayGuard;
    let app = router(SigV4Layer::new(store()).replay_protection(MemoryReplayGuard::new(1000)));
    assert_eq!(
        status(&app, signed("secret", "http://h/whoami", &[]))
            .await
            .0,
        StatusCode::OK
    );
    let (code, body) = status(&app, signed("secret", "http://h/whoami", &[])).await;
    assert_eq!(code, StatusCode::FORBIDDEN);
    assert!(
        body.contains("AccessDenied") && body.contains("already received"),
        "{body}"
    );
    // Another request (another signature) is fine.
    assert_eq!(
        status(&app, signed("secret", "http://h/whoami?n=2", &[]))
            .await
            .0,
        StatusCode::OK
    );
    // A presigned URL may be used again within its lifetime.
    let presigned = || {
        let mut request = Request::get("http://h/whoami").body(Body::empty()).unwrap();
        Signer::new(Credentials::new(AKID, "secret"), "us-east-1", "execute-api")
            .presign(&mut request, Payload::Empty, 300, NOW)
            .unwrap();
        request
    };
    assert_eq!(status(&app, presigned()).await.0, StatusCode::OK);
    assert_eq!(status(&app, presigned()).await.0, StatusCode::OK);
}

#[tokio::test]
async fn unknown_keys_reach_the_store_once_and_rejections_are_observed() {
    use countersign::server::keys::{key_store_fn, KeyRequest};
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::{Arc, Mutex};
    let lookups = Arc::new(AtomicUsize::new(0));
    let counted = {
        let lookups = Arc::clone(&lookups);
        let inner = store();
        key_store_fn(move |request: KeyRequest| {
            lookups.fetch_add(1, Ordering::SeqCst);
            inner.lookup(request)
        })
    };
    type Seen = Vec<(Option<String>, &'static str)>;
    let seen: Arc<Mutex<Seen>> = Arc::default();
    let observed = Arc::clone(&seen);
    let app = router(SigV4Layer::new(counted).on_rejection(move |r| {
        observed
            .lock()
            .unwrap()
            .push((r.access_key_id.clone(), r.error.code()))
    }));
    let unknown = || signed_as("AKIDRANDOM", "x", "http://h/whoami", &[]);
    for _ in 0..5 {
        let (code, body) = status(&app, unknown()).await;
        assert_eq!(code, StatusCode::FORBIDDEN);
        assert!(body.contains("InvalidAccessKeyId"), "{body}");
    }
    assert_eq!(
        lookups.load(Ordering::SeqCst),
        1,
        "the store was asked once"
    );
    assert_eq!(
        status(&app, signed("wrong", "http://h/whoami", &[]))
            .await
            .0,
        StatusCode::FORBIDDEN
    );
    let seen = seen.lock().unwrap().clone();
    assert_eq!(seen.len(), 6);
    assert!(seen[..5]
        .iter()
        .all(|(id, code)| id.as_deref() == Some("AKIDRANDOM") && *code == "InvalidAccessKeyId"));
    assert_eq!(seen[5], (Some(AKID.to_string()), "SignatureDoesNotMatch"));

    // Without the cache every request reaches the store.
    let lookups = Arc::new(AtomicUsize::new(0));
    let counted = {
        let lookups = Arc::clone(&lookups);
        let inner = store();
        key_store_fn(move |request: KeyRequest| {
            lookups.fetch_add(1, Ordering::SeqCst);
            inner.lookup(request)
        })
    };
    let app = router(SigV4Layer::new(counted).unknown_key_cache(0, std::time::Duration::ZERO));
    for _ in 0..3 {
        status(&app, unknown()).await;
    }
    assert_eq!(lookups.load(Ordering::SeqCst), 3);
}

/// A body that yields a few bytes where the request said there would be none: with an exact
/// size hint of 0 when `hinted`, without a hint otherwise (as a body wrapper that does not
/// pass the hint on).
struct Surprise {
    sent: bool,
    hinted: bool,
}

impl Surprise {
    fn body(hinted: bool) -> Body {
        Body::new(Surprise {
            sent: false,
            hinted,
        })
    }
}

impl http_body::Body for Surprise {
    type Data = bytes::Bytes;
    type Error = std::convert::Infallible;

    fn poll_frame(
        mut self: std::pin::Pin<&mut Self>,
        _cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Option<Result<http_body::Frame<Self::Data>, Self::Error>>> {
        if std::mem::replace(&mut self.sent, true) {
            return std::task::Poll::Ready(None);
        }
        let data = bytes::Bytes::from_static(b"surprise");
        std::task::Poll::Ready(Some(Ok(http_body::Frame::data(data))))
    }

    fn size_hint(&self) -> http_body::SizeHint {
        match self.hinted {
            true => http_body::SizeHint::with_exact(0),
            false => http_body::SizeHint::default(),
        }
    }
}

#[tokio::test]
async fn an_empty_body_without_a_declared_hash_is_checked_without_waiting_for_it() {
    // What the handler sees of the body: its payload check, then what reading it gave.
    async fn read(identity: Verified<String>, body: Body) -> String {
        let read = axum::body::to_bytes(body, 1 << 10).await;
        format!(
            "{:?} {}",
            identity.payload,
            if read.is_ok() { "read" } else { "refused" }
        )
    }
    let app = |layer: SigV4Layer<MemoryKeyStore<String>>| {
        Router::new()
            .route("/read", get(read))
            .layer(layer.clock(|| NOW))
    };
    let lenient = app(SigV4Layer::new(store()));
    // Signed over the hash of nothing, with no x-amz-content-sha256 header.
    let request = || signed("secret", "http://example.com/read", &[]);
    let with_body = |body: Body| Request::from_parts(request().into_parts().0, body);
    let verified = |answer: &str| (StatusCode::OK, format!("Verified {answer}"));
    assert_eq!(status(&lenient, request()).await, verified("read"));
    // Empty by its framing (the body's exact size, or a Content-Length of 0 where a wrapper
    // hides the size): verified at once, so bytes that come after all fail the body.
    let liar = with_body(Surprise::body(true));
    assert_eq!(status(&lenient, liar).await, verified("refused"));
    let mut liar = with_body(Surprise::body(false));
    liar.headers_mut()
        .insert("content-length", "0".parse().unwrap());
    assert_eq!(status(&lenient, liar).await, verified("refused"));
    // Without an exact size or a Content-Length of 0, an HTTP/1.1 request with no framing
    // headers has no body either: verified at once, and bytes that come after all fail it.
    let liar = with_body(Surprise::body(false));
    assert_eq!(status(&lenient, liar).await, verified("refused"));
    // A body of unknown length (chunked in HTTP/1.1, or any HTTP/2 body without a length) is
    // read and hashed before the handler, and these bytes are not what was signed.
    let mut chunked = with_body(Surprise::body(false));
    chunked
        .headers_mut()
        .insert("transfer-encoding", "chunked".parse().unwrap());
    let (code, body) = status(&lenient, chunked).await;
    assert_eq!(code, StatusCode::FORBIDDEN, "{body}");
    let mut h2 = with_body(Surprise::body(false));
    *h2.version_mut() = http::Version::HTTP_2;
    let (code, body) = status(&lenient, h2).await;
    assert_eq!(code, StatusCode::FORBIDDEN, "{body}");
    // Refusing unsigned bodies lets an empty UNSIGNED-PAYLOAD request through, and no bytes.
    let strict = app(SigV4Layer::new(store()).allow_unsigned_payload(false));
    let unsigned = |body: Body| {
        let mut request = Request::get("http://example.com/read").body(body).unwrap();
        Signer::new(Credentials::new(AKID, "secret"), "us-east-1", "execute-api")
            .content_sha256_header(true)
            .sign(&mut request, Payload::Unsigned, NOW)
            .unwrap();
        request
    };
    let quiet = |answer: &str| (StatusCode::OK, format!("Unsigned {answer}"));
    assert_eq!(
        status(&strict, unsigned(Body::empty())).await,
        quiet("read")
    );
    let liar = unsigned(Surprise::body(true));
    assert_eq!(status(&strict, liar).await, quiet("refused"));
}

/// A key store that counts how it is asked.
#[derive(Clone, Default)]
struct Counting {
    memory: MemoryKeyStore<String>,
    at_once: bool,
    asked_now: Arc<AtomicUsize>,
    asked_later: Arc<AtomicUsize>,
}

impl KeyStore for Counting {
    type Principal = String;
    type Future = <MemoryKeyStore<String> as KeyStore>::Future;

    fn lookup(&self, request: KeyRequest) -> Self::Future {
        self.asked_later.fetch_add(1, Ordering::SeqCst);
        self.memory.lookup(request)
    }

    fn lookup_now(&self, request: &KeyRequest) -> Option<Lookup<String>> {
        self.asked_now.fetch_add(1, Ordering::SeqCst);
        self.at_once
            .then(|| self.memory.lookup_now(request))
            .flatten()
    }
}

#[tokio::test]
async fn a_key_at_hand_lets_call_hand_the_request_on_at_once() {
    for at_once in [true, false] {
        let store = Counting {
            memory: store(),
            at_once,
            ..Counting::default()
        };
        let reached = Arc::new(AtomicUsize::new(0));
        let seen = Arc::clone(&reached);
        let inner = tower::service_fn(move |request: Request<VerifiedBody<Body>>| {
            seen.fetch_add(1, Ordering::SeqCst);
            let principal = request
                .extensions()
                .get::<Verified<String>>()
                .map(|v| v.principal.clone());
            std::future::ready(Ok::<_, Infallible>(http::Response::new(
                principal.unwrap_or_default(),
            )))
        });
        let mut service = SigV4Layer::new(store.clone()).clock(|| NOW).layer(inner);
        let request = signed("secret", "http://example.com/whoami", &[]);
        let future = service.ready().await.unwrap().call(request);
        // At once: verified and handed on within `call`, before the future is polled.
        assert_eq!(
            reached.load(Ordering::SeqCst),
            usize::from(at_once),
            "{at_once}"
        );
        let response = future.await.unwrap();
        assert_eq!(response.status(), StatusCode::OK);
        assert_eq!(reached.load(Ordering::SeqCst), 1);
        assert_eq!(store.asked_now.load(Ordering::SeqCst), 1);
        assert_eq!(
            store.asked_later.load(Ordering::SeqCst),
            usize::from(!at_once)
        );
        let body = axum::body::to_bytes(Body::new(response.into_body()), 64)
            .await
            .unwrap();
        assert_eq!(&body[..], b"alice");
    }
    // A body to read and hash before the check: the key is taken at once all the same, and
    // the request waits for its body only.
    let store = Counting {
        memory: store(),
        at_once: true,
        ..Counting::default()
    };
    let app = Router::new()
        .route("/whoami", axum::routing::post(whoami).get(whoami))
        .layer(SigV4Layer::new(store.clone()).clock(|| NOW));
    let mut request = Request::post("http://example.com/whoami")
        .body(Body::from("a body of unknown length"))
        .unwrap();
    Signer::new(Credentials::new(AKID, "secret"), "us-east-1", "execute-api")
        .sign(
            &mut request,
            Payload::Bytes(b"a body of unknown length"),
            NOW,
        )
        .unwrap();
    let (code, text) = status(&app, request).await;
    assert_eq!((code, text.as_str()), (StatusCode::OK, "alice"));
    assert_eq!(store.asked_now.load(Ordering::SeqCst), 1);
    assert_eq!(store.asked_later.load(Ordering::SeqCst), 0);
    // No unknown-key cache in front of a store that answers at once: each request naming an
    // unknown key asks it, and a key added since is accepted at once.
    let nobody = |secret: &str| signed_as("AKIDNOBODY", secret, "http://example.com/whoami", &[]);
    for _ in 0..2 {
        let (code, text) = status(&app, nobody("later")).await;
        assert_eq!(code, StatusCode::FORBIDDEN, "{text}");
        assert!(text.contains("InvalidAccessKeyId"), "{text}");
    }
    assert_eq!(store.asked_now.load(Ordering::SeqCst), 3);
    store
        .memory
        .insert("AKIDNOBODY", "later", "nobody".to_string());
    let (code, text) = status(&app, nobody("later")).await;
    assert_eq!((code, text.as_str()), (StatusCode::OK, "nobody"));
    assert_eq!(store.asked_later.load(Ordering::SeqCst), 0);
}
