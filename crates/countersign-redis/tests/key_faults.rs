//! The key store while Redis is down and once it is back: lookups that need Redis fail as
//! unavailable (503, not an unknown key) within the command timeout, the cache is not served
//! while its invalidations may be missed (unless a bound allows it), and everything works
//! again without being rebuilt; a Redis restarted empty has no keys.

#![allow(clippy::unwrap_used, clippy::expect_used, reason = "tests")]

mod support;

use std::time::{Duration, Instant};

use countersign_redis::{KeyRecord, RedisKeyStore, RedisKeys};
use countersign_server::keys::{KeyRequest, KeyStore, Lookup};
use serde_json::Value;
use support::{eventually, RedisServer};

/// The id of the key the tests cache.
const ID: &str = "AKIAFAULTS0000000001";

fn request() -> KeyRequest {
    KeyRequest::new(ID, "20240301", "us-east-1", "s3")
}

/// Whether the store answers [`ID`] from its cache as a key.
fn cached_as_key(store: &RedisKeyStore) -> bool {
    matches!(store.lookup_now(&request()), Some(Ok(Some(_))))
}

/// A store over `server` with [`ID`] written and cached (`serve_cached_for` as given).
async fn cached_store(
    server: &RedisServer,
    serve_cached_for: Duration,
) -> (RedisKeyStore, RedisKeys) {
    let client = server.client().await;
    let keys = RedisKeys::new(client.clone());
    keys.put(ID, &KeyRecord::new("secret", Value::Null))
        .await
        .unwrap();
    let store = RedisKeyStore::options(client)
        .serve_cached_for(serve_cached_for)
        .start()
        .await;
    assert!(eventually(Duration::from_secs(5), || store.is_subscribed()).await);
    let started = Instant::now();
    while !cached_as_key(&store) {
        assert!(started.elapsed() < Duration::from_secs(2), "never cached");
        store.lookup(request()).await.unwrap();
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    (store, keys)
}

/// Asserts that `found` is a failure rendered 503.
#[track_caller]
fn assert_unavailable<P: std::fmt::Debug>(found: Lookup<P>) {
    let error = found.expect_err("a lookup while Redis is down");
    assert_eq!(error.status(), http::StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(error.code(), "ServiceUnavailable");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_uncached_lookup_while_redis_is_down_is_unavailable_within_the_timeout() {
    let mut server = RedisServer::start();
    let store = RedisKeyStore::start(server.client().await).await;
    server.stop();
    let started = Instant::now();
    let found = store
        .lookup(KeyRequest::new(
            "AKIANEVERSEEN",
            "20240301",
            "us-east-1",
            "s3",
        ))
        .await;
    let waited = started.elapsed();
    assert_unavailable(found);
    // The command timeout of the tests' configuration, and room for a loaded machine.
    assert!(waited < Duration::from_millis(900), "waited {waited:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_cached_key_is_not_served_while_the_subscription_is_down() {
    let mut server = RedisServer::start();
    let (store, _keys) = cached_store(&server, Duration::ZERO).await;
    server.stop();
    assert!(eventually(Duration::from_secs(3), || !store.is_subscribed()).await);
    assert!(store.lookup_now(&request()).is_none(), "the cache answered");
    assert_unavailable(store.lookup(request()).await);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_cached_key_is_served_for_the_bound_after_the_subscription_is_lost() {
    let mut server = RedisServer::start();
    let (store, _keys) = cached_store(&server, Duration::from_millis(600)).await;
    server.stop();
    assert!(eventually(Duration::from_secs(3), || !store.is_subscribed()).await);
    assert!(cached_as_key(&store), "not served within the bound");
    tokio::time::sleep(Duration::from_millis(700)).await;
    assert!(
        store.lookup_now(&request()).is_none(),
        "served past the bound"
    );
    assert_unavailable(store.lookup(request()).await);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn lookups_work_again_once_redis_is_back() {
    let mut server = RedisServer::start();
    let (store, keys) = cached_store(&server, Duration::ZERO).await;
    server.stop();
    assert!(eventually(Duration::from_secs(3), || !store.is_subscribed()).await);
    assert_unavailable(store.lookup(request()).await);
    server.restart();
    // Started empty: the key is written again, through the same (reconnecting) client.
    let started = Instant::now();
    while keys
        .put(ID, &KeyRecord::new("secret", Value::Null))
        .await
        .is_err()
    {
        assert!(
            started.elapsed() < Duration::from_secs(5),
            "the admin never reconnected"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(
        eventually(Duration::from_secs(5), || store.is_subscribed()).await,
        "never subscribed again"
    );
    assert!(store.lookup(request()).await.unwrap().is_some());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_redis_restarted_empty_has_no_keys_and_the_cache_is_dropped() {
    let mut server = RedisServer::start();
    let (store, _keys) = cached_store(&server, Duration::ZERO).await;
    server.restart();
    assert!(
        eventually(Duration::from_secs(5), || !cached_as_key(&store)
            && store.is_subscribed())
        .await,
        "the cache still answers after the subscription was made again"
    );
    let started = Instant::now();
    let found = loop {
        match store.lookup(request()).await {
            Ok(found) => break found,
            Err(_) if started.elapsed() < Duration::from_secs(5) => {
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
            Err(e) => panic!("never answered: {e:?}"),
        }
    };
    assert!(found.is_none(), "a key of the dataset that is gone");
}
