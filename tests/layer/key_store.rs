//! The key store: an unknown key refused before any body is read (whether the store has it
//! at hand or must be waited for), asked once thanks to the unknown-key cache (every time
//! without it), keys rotated and removed, a file key store's principals, and a store that has
//! the key at hand letting the layer check the request within `call`.

use std::convert::Infallible;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use axum::body::Body;
use countersign::server::keys::{key_store_fn, Key, KeyRequest, KeyStore, Lookup, MemoryKeyStore};
use countersign::server::{SigV4Layer, Verified, VerifiedBody};
use http::{Request, StatusCode};
use tower::{Layer, Service, ServiceExt};

use crate::bodies::{answer_while_open, buffered_post, stalled};
use crate::{answer, app, keys, signed, signed_get, signer, AKID, NOW, SECRET};

/// A POST naming an unknown key, whose body stays open, is refused by a layer over `store`
/// while its body is still open.
async fn assert_unknown_key_refused_before_the_body(store: impl KeyStore<Principal = String>) {
    let app = app(SigV4Layer::new(store));
    let (body, open) = stalled(b"some");
    let request = buffered_post("AKIDUNKNOWN", b"some bytes", body, None);
    let answer = answer_while_open(&app, request, open).await;
    answer.assert_refused(StatusCode::FORBIDDEN, "InvalidAccessKeyId");
}

#[tokio::test]
async fn an_unknown_key_at_hand_is_refused_before_its_body_is_read() {
    assert_unknown_key_refused_before_the_body(keys()).await;
}

#[tokio::test]
async fn an_unknown_key_waited_for_is_refused_before_its_body_is_read() {
    let store = key_store_fn(|_request| async {
        tokio::task::yield_now().await;
        Ok::<Option<Key<String>>, _>(None)
    });
    assert_unknown_key_refused_before_the_body(store).await;
}

#[tokio::test]
async fn rotation_keeps_both_secrets_live_until_finished() {
    let store = MemoryKeyStore::new();
    store.insert(AKID, "old", "alice".to_string());
    let app = app(SigV4Layer::new(store.clone()));
    let with = |secret| signed_get((AKID, secret), "http://h/whoami", &[]);
    assert_eq!(answer(&app, with("old")).await.status, StatusCode::OK);
    store.rotate(AKID, "new");
    assert_eq!(answer(&app, with("old")).await.status, StatusCode::OK);
    assert_eq!(answer(&app, with("new")).await.status, StatusCode::OK);
    store.finish_rotation(AKID);
    assert_eq!(
        answer(&app, with("old")).await.status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(answer(&app, with("new")).await.status, StatusCode::OK);
    store.remove(AKID);
    answer(&app, with("new"))
        .await
        .assert_refused(StatusCode::FORBIDDEN, "InvalidAccessKeyId");
}

/// A router behind a file key store whose one key ([`AKID`], [`SECRET`]) is bob's:
/// `/whoami` names the principal as the store gives it (JSON in an `Arc`), `/by-value` as
/// another type.
fn file_key_store_app() -> (axum::Router, tempfile::TempDir) {
    async fn who(identity: Verified<Arc<serde_json::Value>>) -> String {
        identity.principal["user"]
            .as_str()
            .unwrap_or_default()
            .to_string()
    }
    async fn who_by_value(identity: Verified<serde_json::Value>) -> String {
        identity.principal.to_string()
    }
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("keys.json");
    let keys = serde_json::json!({"keys": [
        {"access_key_id": AKID, "secret_access_key": SECRET, "principal": {"user": "bob"}}
    ]});
    std::fs::write(&path, keys.to_string()).unwrap();
    let store = countersign::server::keys::FileKeyStore::open(&path).unwrap();
    let app = axum::Router::new()
        .route("/whoami", axum::routing::get(who))
        .route("/by-value", axum::routing::get(who_by_value))
        .layer(SigV4Layer::new(store).clock(|| NOW));
    (app, dir)
}

#[tokio::test]
async fn a_file_key_store_serves_its_principal() {
    let (app, _dir) = file_key_store_app();
    let answer = answer(&app, signed("http://h/whoami")).await;
    answer.assert_is(StatusCode::OK, "bob");
}

#[tokio::test]
async fn a_handler_that_names_another_principal_type_finds_no_identity() {
    let (app, _dir) = file_key_store_app();
    let answer = answer(&app, signed("http://h/by-value")).await;
    assert_eq!(answer.status, StatusCode::INTERNAL_SERVER_ERROR);
    answer.assert_says("principal type differs");
}

/// [`keys`] behind a store that counts its lookups, and the count.
fn counted() -> (impl KeyStore<Principal = String>, Arc<AtomicUsize>) {
    let lookups = Arc::new(AtomicUsize::new(0));
    let count = Arc::clone(&lookups);
    let inner = keys();
    let store = key_store_fn(move |request: KeyRequest| {
        count.fetch_add(1, Ordering::SeqCst);
        inner.lookup(request)
    });
    (store, lookups)
}

/// A GET of /whoami signed by an access key no store knows.
fn unknown_key() -> Request<Body> {
    signed_get(("AKIDRANDOM", "x"), "http://h/whoami", &[])
}

#[tokio::test]
async fn an_unknown_key_reaches_the_store_once() {
    let (store, lookups) = counted();
    let app = app(SigV4Layer::new(store));
    for _ in 0..5 {
        answer(&app, unknown_key())
            .await
            .assert_refused(StatusCode::FORBIDDEN, "InvalidAccessKeyId");
    }
    assert_eq!(
        lookups.load(Ordering::SeqCst),
        1,
        "the store was asked once"
    );
}

#[tokio::test]
async fn without_the_unknown_key_cache_every_request_reaches_the_store() {
    let (store, lookups) = counted();
    let app = app(SigV4Layer::new(store).unknown_key_cache(0, std::time::Duration::ZERO));
    for _ in 0..3 {
        answer(&app, unknown_key()).await;
    }
    assert_eq!(lookups.load(Ordering::SeqCst), 3);
}

/// A key store that counts how it is asked, and has the key at hand when `at_once`.
#[derive(Clone, Default)]
struct Counting {
    memory: MemoryKeyStore<String>,
    at_once: bool,
    asked_now: Arc<AtomicUsize>,
    asked_later: Arc<AtomicUsize>,
}

impl Counting {
    fn new(at_once: bool) -> Self {
        Counting {
            memory: keys(),
            at_once,
            ..Counting::default()
        }
    }

    fn asked_now(&self) -> usize {
        self.asked_now.load(Ordering::SeqCst)
    }

    fn asked_later(&self) -> usize {
        self.asked_later.load(Ordering::SeqCst)
    }
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

/// Calls the layer over `store` with a signed GET, and checks whether the request reached the
/// inner service within `call`, before its future was polled (`at_once`); then that it did
/// once the future is done, with the principal, and how the store was asked.
async fn assert_handed_on(store: Counting, at_once: bool) {
    assert_handed_on_through(store.clone(), &store, at_once).await;
}

/// [`assert_handed_on`] with the layer over `layer_store`, which asks `store`.
async fn assert_handed_on_through(
    layer_store: impl KeyStore<Principal = String>,
    store: &Counting,
    at_once: bool,
) {
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
    let mut service = SigV4Layer::new(layer_store).clock(|| NOW).layer(inner);
    let request = signed_get((AKID, SECRET), "http://example.com/whoami", &[]);
    let future = service.ready().await.unwrap().call(request);
    assert_eq!(reached.load(Ordering::SeqCst), usize::from(at_once));
    let response = future.await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(reached.load(Ordering::SeqCst), 1);
    assert_eq!(store.asked_now(), 1);
    assert_eq!(store.asked_later(), usize::from(!at_once));
    let body = axum::body::to_bytes(Body::new(response.into_body()), 64)
        .await
        .unwrap();
    assert_eq!(&body[..], b"alice");
}

#[tokio::test]
async fn a_key_at_hand_lets_call_hand_the_request_on_at_once() {
    assert_handed_on(Counting::new(true), true).await;
}

#[tokio::test]
async fn a_key_waited_for_is_looked_up_once_call_returned() {
    assert_handed_on(Counting::new(false), false).await;
}

#[tokio::test]
async fn a_store_shared_in_an_arc_still_answers_at_once() {
    let store = Counting::new(true);
    assert_handed_on_through(Arc::new(store.clone()), &store, true).await;
}

#[tokio::test]
async fn a_store_shared_in_an_arc_is_waited_for() {
    let store = Counting::new(false);
    assert_handed_on_through(Arc::new(store.clone()), &store, false).await;
}

#[tokio::test]
async fn a_key_at_hand_is_taken_at_once_for_a_body_to_read_and_hash() {
    // The request waits for its body only.
    let store = Counting::new(true);
    let app = app(SigV4Layer::new(store.clone()));
    let body = b"a body of unknown length";
    let mut request = Request::post("http://example.com/items")
        .body(Body::from(&body[..]))
        .unwrap();
    signer("execute-api")
        .sign(&mut request, countersign::client::Payload::Bytes(body), NOW)
        .unwrap();
    let answer = answer(&app, request).await;
    answer.assert_is(StatusCode::OK, "alice read 24");
    assert_eq!(store.asked_now(), 1);
    assert_eq!(store.asked_later(), 0);
}

#[tokio::test]
async fn a_store_that_answers_at_once_is_asked_for_each_unknown_key() {
    // No unknown-key cache stands in front of it: a key added since is accepted at once.
    let store = Counting::new(true);
    let app = app(SigV4Layer::new(store.clone()));
    let nobody = || signed_get(("AKIDNOBODY", "later"), "http://example.com/whoami", &[]);
    for _ in 0..2 {
        answer(&app, nobody())
            .await
            .assert_refused(StatusCode::FORBIDDEN, "InvalidAccessKeyId");
    }
    assert_eq!(store.asked_now(), 2);
    store
        .memory
        .insert("AKIDNOBODY", "later", "nobody".to_string());
    let answer = answer(&app, nobody()).await;
    answer.assert_is(StatusCode::OK, "nobody");
    assert_eq!(store.asked_later(), 0);
}
