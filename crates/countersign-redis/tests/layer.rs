//! Two layers (two "instances") over one Redis, end to end: requests signed with the client
//! go through `SigV4Layer` over a `RedisKeyStore` and a `RedisReplayGuard`. A key created
//! through one instance is accepted by the other at once, even after that one refused it as
//! unknown; a key revoked is refused everywhere within a second; a request accepted by one
//! instance and replayed to the other is refused; while Redis is down requests get 503
//! `ServiceUnavailable` (never 403), and once it is back they are accepted again without
//! rebuilding anything.

#![allow(clippy::unwrap_used, clippy::expect_used, reason = "tests")]

mod support;

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::body::Body;
use axum::routing::get;
use axum::Router;
use countersign_client::{Credentials, Payload, Signer};
use countersign_redis::{KeyRecord, RedisKeyStore, RedisKeys, RedisReplayGuard};
use countersign_server::{SigV4Layer, Verified};
use http::{Request, StatusCode};
use serde_json::{json, Value};
use support::{eventually, RedisServer};
use time::OffsetDateTime;
use tower::ServiceExt;

/// One instance: a router behind a layer over the shared keys and replay memory, and the
/// management API.
struct Instance {
    app: Router,
    store: RedisKeyStore,
    keys: RedisKeys,
}

async fn user(identity: Verified<Arc<Value>>) -> String {
    identity.principal["user"]
        .as_str()
        .unwrap_or("nobody")
        .to_string()
}

async fn instance(server: &RedisServer) -> Instance {
    let client = server.client().await;
    let store = RedisKeyStore::start(client.clone()).await;
    assert!(eventually(Duration::from_secs(5), || store.is_subscribed()).await);
    let layer = SigV4Layer::new(store.clone())
        .regions(["us-east-1"])
        .replay_protection(RedisReplayGuard::new(client.clone()));
    Instance {
        app: Router::new().route("/whoami", get(user)).layer(layer),
        store,
        keys: RedisKeys::new(client),
    }
}

/// A GET signed now by `id` with `secret`, a different one each time (its query differs).
fn signed(id: &str, secret: &str) -> Request<Body> {
    static N: AtomicU64 = AtomicU64::new(0);
    let n = N.fetch_add(1, Ordering::Relaxed);
    let mut request = Request::get(format!("http://api.example.com/whoami?n={n}"))
        .body(Body::empty())
        .unwrap();
    Signer::new(Credentials::new(id, secret), "us-east-1", "execute-api")
        .sign(&mut request, Payload::Empty, OffsetDateTime::now_utc())
        .unwrap();
    request
}

/// The status and AWS code (or body) of `app`'s answer to `request`.
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

/// `request` cloned with its headers (for a replay).
fn copy(request: &Request<Body>) -> Request<Body> {
    let mut copy = Request::get(request.uri().clone())
        .body(Body::empty())
        .unwrap();
    *copy.headers_mut() = request.headers().clone();
    copy
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_key_created_through_one_instance_is_accepted_by_another_at_once() {
    let server = RedisServer::start();
    let (a, b) = (instance(&server).await, instance(&server).await);
    let (id, secret) = a.keys.create(json!({"user": "alice"})).await.unwrap();
    let answer = send(&b.app, signed(&id, &secret)).await;
    assert_eq!(answer, (StatusCode::OK, "alice".to_string()));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_key_refused_as_unknown_is_accepted_once_another_instance_created_it() {
    let server = RedisServer::start();
    let (a, b) = (instance(&server).await, instance(&server).await);
    let id = "AKIACREATEDAFTER0001";
    let refused = send(&b.app, signed(id, "secret")).await;
    assert_eq!(
        refused,
        (StatusCode::FORBIDDEN, "InvalidAccessKeyId".to_string())
    );
    a.keys
        .put(id, &KeyRecord::new("secret", json!({"user": "bob"})))
        .await
        .unwrap();
    let started = Instant::now();
    loop {
        let answer = send(&b.app, signed(id, "secret")).await;
        if answer.0 == StatusCode::OK {
            assert_eq!(answer.1, "bob");
            break;
        }
        assert!(
            started.elapsed() < Duration::from_secs(1),
            "still refused: {answer:?}"
        );
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_key_revoked_through_one_instance_is_refused_by_another_within_a_second() {
    let server = RedisServer::start();
    let (a, b) = (instance(&server).await, instance(&server).await);
    let (id, secret) = a.keys.create(json!({"user": "alice"})).await.unwrap();
    assert_eq!(send(&b.app, signed(&id, &secret)).await.0, StatusCode::OK);
    a.keys.revoke(&id).await.unwrap();
    let started = Instant::now();
    loop {
        let answer = send(&b.app, signed(&id, &secret)).await;
        if answer.0 != StatusCode::OK {
            assert_eq!(
                answer,
                (StatusCode::FORBIDDEN, "InvalidAccessKeyId".to_string())
            );
            break;
        }
        assert!(started.elapsed() < Duration::from_secs(1), "still accepted");
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_request_accepted_by_one_instance_and_replayed_to_another_is_refused() {
    let server = RedisServer::start();
    let (a, b) = (instance(&server).await, instance(&server).await);
    let (id, secret) = a.keys.create(json!({"user": "alice"})).await.unwrap();
    let request = signed(&id, &secret);
    let replayed = copy(&request);
    assert_eq!(send(&a.app, request).await.0, StatusCode::OK);
    let answer = send(&b.app, replayed).await;
    assert_eq!(answer, (StatusCode::FORBIDDEN, "AccessDenied".to_string()));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn requests_get_503_while_redis_is_down_and_are_accepted_once_it_is_back() {
    let mut server = RedisServer::start();
    let (a, b) = (instance(&server).await, instance(&server).await);
    let id = "AKIAOUTAGE0000000001";
    let record = KeyRecord::new("secret", json!({"user": "alice"}));
    a.keys.put(id, &record).await.unwrap();
    assert_eq!(send(&b.app, signed(id, "secret")).await.0, StatusCode::OK);

    server.stop();
    assert!(eventually(Duration::from_secs(3), || !b.store.is_subscribed()).await);
    for app in [&a.app, &b.app] {
        let started = Instant::now();
        let answer = send(app, signed(id, "secret")).await;
        assert_eq!(
            answer,
            (
                StatusCode::SERVICE_UNAVAILABLE,
                "ServiceUnavailable".to_string()
            )
        );
        assert!(
            started.elapsed() < Duration::from_secs(2),
            "waited {:?}",
            started.elapsed()
        );
    }

    // Redis comes back empty (the tests' Redis saves nothing): the key is written again.
    server.restart();
    let started = Instant::now();
    while a.keys.put(id, &record).await.is_err() {
        assert!(
            started.elapsed() < Duration::from_secs(5),
            "the admin never reconnected"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let started = Instant::now();
    loop {
        let answer = send(&b.app, signed(id, "secret")).await;
        if answer.0 == StatusCode::OK {
            break;
        }
        assert_ne!(
            answer.0,
            StatusCode::FORBIDDEN,
            "a 403 while recovering: {answer:?}"
        );
        assert!(
            started.elapsed() < Duration::from_secs(5),
            "never accepted again: {answer:?}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}
