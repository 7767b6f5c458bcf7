//! The key store and its management API against a real Redis: lookups and the cache, what
//! one instance's changes do to another's cache and how fast, expiry, rotation, listing and
//! import, key prefixes, and what happens while Redis is down and once it is back.

#![allow(clippy::unwrap_used, clippy::expect_used, reason = "tests")]

mod support;

use std::sync::Arc;
use std::time::{Duration, Instant};

use countersign_redis::{KeyRecord, KeyStatus, RedisClient, RedisKeyStore, RedisKeys};
use countersign_server::keys::{KeyRequest, KeyStore};
use serde_json::{json, Value};
use support::{eventually, RedisServer};
use time::OffsetDateTime;

/// What the store would answer for `id` now, without waiting: `None` when it must go to
/// Redis, `Some(None)` for unknown, `Some(Some(secrets))` for a key.
fn at_hand(store: &RedisKeyStore, id: &str) -> Option<Option<Vec<String>>> {
    let request = KeyRequest::new(id, "20240301", "us-east-1", "s3");
    let found = store
        .lookup_now(&request)?
        .expect("no failure from the cache");
    Some(found.map(|key| {
        key.secrets()
            .iter()
            .map(|s| s.expose().to_string())
            .collect()
    }))
}

/// The store's answer for `id`, from Redis if needed.
async fn looked_up(
    store: &RedisKeyStore,
    id: &str,
) -> Result<Option<(Vec<String>, Arc<Value>)>, countersign_server::keys::StoreError> {
    let request = KeyRequest::new(id, "20240301", "us-east-1", "s3");
    let found = store.lookup(request).await?;
    Ok(found.map(|key| {
        let secrets = key
            .secrets()
            .iter()
            .map(|s| s.expose().to_string())
            .collect();
        (secrets, key.into_principal())
    }))
}

/// Looks `id` up until the store answers it from its cache (a lookup that runs while the
/// invalidation of the key's own last change is on its way keeps nothing); whether it did
/// within a second.
async fn cache(store: &RedisKeyStore, id: &str) -> bool {
    let started = Instant::now();
    while started.elapsed() < Duration::from_secs(1) {
        looked_up(store, id).await.unwrap();
        if at_hand(store, id).is_some() {
            return true;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    false
}

/// [`cache`], until the key stays cached a moment later (the invalidation of the key's own
/// last change may arrive after it was cached, and drop it).
async fn cache_settled(store: &RedisKeyStore, id: &str) -> bool {
    for _ in 0..20 {
        if cache(store, id).await {
            tokio::time::sleep(Duration::from_millis(20)).await;
            if matches!(at_hand(store, id), Some(Some(_))) {
                return true;
            }
        }
    }
    false
}

/// A client, a key store and the management API on `server`.
async fn instance(server: &RedisServer) -> (RedisClient, RedisKeyStore, RedisKeys) {
    let client = server.client().await;
    let store = RedisKeyStore::start(client.clone()).await;
    assert!(
        eventually(Duration::from_secs(5), || store.is_subscribed()).await,
        "the store did not subscribe"
    );
    (client.clone(), store, RedisKeys::new(client))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_created_key_is_found_with_its_secret_and_principal() {
    let server = RedisServer::start();
    let (_, store, keys) = instance(&server).await;
    let (id, secret) = keys.create(json!({"user": "alice"})).await.unwrap();
    let (secrets, principal) = looked_up(&store, &id).await.unwrap().unwrap();
    assert_eq!(secrets, [secret]);
    assert_eq!(principal["user"], "alice");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_key_once_read_is_answered_from_the_cache() {
    let server = RedisServer::start();
    let (_, store, keys) = instance(&server).await;
    let (id, secret) = keys.create(Value::Null).await.unwrap();
    assert_eq!(at_hand(&store, &id), None, "answered before it was read");
    assert!(cache(&store, &id).await, "never cached");
    assert_eq!(at_hand(&store, &id), Some(Some(vec![secret])));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unknown_id_is_unknown_and_then_answered_from_the_cache() {
    let server = RedisServer::start();
    let (_, store, _) = instance(&server).await;
    assert!(looked_up(&store, "AKIANOSUCHKEY").await.unwrap().is_none());
    assert_eq!(at_hand(&store, "AKIANOSUCHKEY"), Some(None));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_key_created_on_one_instance_is_found_by_another_that_had_found_it_unknown() {
    let server = RedisServer::start();
    let (_, _, keys) = instance(&server).await;
    let (_, other, _) = instance(&server).await;
    let id = "AKIACREATEDLATER0001";
    assert!(looked_up(&other, id).await.unwrap().is_none());
    assert_eq!(at_hand(&other, id), Some(None));
    keys.put(id, &KeyRecord::new("secret", Value::Null))
        .await
        .unwrap();
    assert!(
        eventually(Duration::from_secs(1), || at_hand(&other, id) != Some(None)).await,
        "the other instance still answers unknown from its cache"
    );
    assert!(looked_up(&other, id).await.unwrap().is_some());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_key_revoked_on_one_instance_is_refused_by_another_within_a_second() {
    let server = RedisServer::start();
    let (_, _, keys) = instance(&server).await;
    let (_, other, _) = instance(&server).await;
    let (id, _) = keys.create(Value::Null).await.unwrap();
    assert!(looked_up(&other, &id).await.unwrap().is_some());
    keys.revoke(&id).await.unwrap();
    assert!(
        eventually(Duration::from_secs(1), || !matches!(
            at_hand(&other, &id),
            Some(Some(_))
        ))
        .await,
        "the other instance still answers the key from its cache"
    );
    assert!(looked_up(&other, &id).await.unwrap().is_none());
    assert_eq!(
        keys.get(&id).await.unwrap().unwrap().status,
        KeyStatus::Inactive
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_deleted_key_is_unknown() {
    let server = RedisServer::start();
    let (_, store, keys) = instance(&server).await;
    let (id, _) = keys.create(Value::Null).await.unwrap();
    assert!(keys.delete(&id).await.unwrap());
    assert!(looked_up(&store, &id).await.unwrap().is_none());
    assert!(keys.get(&id).await.unwrap().is_none());
    assert!(!keys.delete(&id).await.unwrap());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_key_past_its_expiry_is_unknown_even_when_cached() {
    let server = RedisServer::start();
    let (_, store, keys) = instance(&server).await;
    let soon = OffsetDateTime::now_utc() + time::Duration::milliseconds(300);
    let record = KeyRecord::new("secret", Value::Null).expiring(soon);
    keys.put("AKIAEXPIRING00000001", &record).await.unwrap();
    assert!(
        cache_settled(&store, "AKIAEXPIRING00000001").await,
        "never cached"
    );
    assert!(matches!(
        at_hand(&store, "AKIAEXPIRING00000001"),
        Some(Some(_))
    ));
    tokio::time::sleep(Duration::from_millis(400)).await;
    assert_eq!(at_hand(&store, "AKIAEXPIRING00000001"), Some(None));
    assert!(looked_up(&store, "AKIAEXPIRING00000001")
        .await
        .unwrap()
        .is_none());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_rotation_keeps_the_old_secret_live_until_it_is_finished() {
    let server = RedisServer::start();
    let (_, store, keys) = instance(&server).await;
    let (id, old) = keys.create(Value::Null).await.unwrap();
    let new = keys.rotate(&id).await.unwrap();
    assert_ne!(new, old);
    let (secrets, _) = looked_up(&store, &id).await.unwrap().unwrap();
    assert_eq!(secrets, [new.clone(), old]);
    keys.finish_rotation(&id).await.unwrap();
    assert!(eventually(Duration::from_secs(1), || at_hand(&store, &id).is_none()).await);
    let (secrets, _) = looked_up(&store, &id).await.unwrap().unwrap();
    assert_eq!(secrets, [new]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_second_rotation_drops_the_oldest_secret() {
    let server = RedisServer::start();
    let (_, store, keys) = instance(&server).await;
    let (id, _) = keys.create(Value::Null).await.unwrap();
    let middle = keys.rotate(&id).await.unwrap();
    let newest = keys.rotate(&id).await.unwrap();
    let (secrets, _) = looked_up(&store, &id).await.unwrap().unwrap();
    assert_eq!(secrets, [newest, middle]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn changing_a_key_that_does_not_exist_is_not_found() {
    let server = RedisServer::start();
    let (_, _, keys) = instance(&server).await;
    let missing = keys.revoke("AKIANOSUCHKEY").await;
    assert!(
        matches!(missing, Err(countersign_redis::Error::NotFound(_))),
        "{missing:?}"
    );
    let missing = keys.rotate("AKIANOSUCHKEY").await;
    assert!(
        matches!(missing, Err(countersign_redis::Error::NotFound(_))),
        "{missing:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn list_gives_every_key_of_the_prefix_and_no_other() {
    let server = RedisServer::start();
    let (_, _, keys) = instance(&server).await;
    let other = RedisKeys::new(
        RedisClient::connect(server.config().prefix("other:"))
            .await
            .unwrap(),
    );
    other.create(Value::Null).await.unwrap();
    let mut created = Vec::new();
    for i in 0..1200 {
        let id = format!("AKIALIST{i:012}");
        keys.put(&id, &KeyRecord::new("s", json!(i))).await.unwrap();
        created.push(id);
    }
    let listed: Vec<String> = keys
        .list()
        .await
        .unwrap()
        .into_iter()
        .map(|(id, _)| id)
        .collect();
    created.sort();
    assert_eq!(listed, created);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_store_of_another_prefix_does_not_see_the_keys() {
    let server = RedisServer::start();
    let (_, _, keys) = instance(&server).await;
    let client = RedisClient::connect(server.config().prefix("other:"))
        .await
        .unwrap();
    let other = RedisKeyStore::start(client).await;
    let (id, _) = keys.create(Value::Null).await.unwrap();
    assert!(looked_up(&other, &id).await.unwrap().is_none());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn import_writes_every_key_of_a_key_file() {
    let server = RedisServer::start();
    let (_, store, keys) = instance(&server).await;
    let file = r#"{"keys": [
        {"access_key_id": "AKIDONE", "secret_access_key": "one", "principal": {"user": "alice"}},
        {"access_key_id": "AKIDTWO", "secret_access_key": "new", "previous_secret_access_key": "old"}
    ]}"#;
    assert_eq!(keys.import(file).await.unwrap(), 2);
    let (secrets, principal) = looked_up(&store, "AKIDONE").await.unwrap().unwrap();
    assert_eq!(
        (secrets, principal["user"].as_str()),
        (vec!["one".to_string()], Some("alice"))
    );
    let (secrets, _) = looked_up(&store, "AKIDTWO").await.unwrap().unwrap();
    assert_eq!(secrets, ["new", "old"]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_import_with_an_entry_not_valid_writes_nothing() {
    let server = RedisServer::start();
    let (_, _, keys) = instance(&server).await;
    let file = r#"{"keys": [{"access_key_id": "AKIDONE", "secret_access_key": "one"}, {"access_key_id": "AKIDTWO"}]}"#;
    assert!(matches!(
        keys.import(file).await,
        Err(countersign_redis::Error::Invalid(_))
    ));
    assert!(keys.get("AKIDONE").await.unwrap().is_none());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_record_not_valid_is_an_internal_error_not_an_unknown_key() {
    let server = RedisServer::start();
    let (client, store, _) = instance(&server).await;
    let raw = redis::Client::open(server.url()).unwrap();
    let mut connection = raw.get_multiplexed_async_connection().await.unwrap();
    let _: () = redis::cmd("SET")
        .arg("countersign:key:AKIABROKEN")
        .arg("{not json")
        .query_async(&mut connection)
        .await
        .unwrap();
    let error = looked_up(&store, "AKIABROKEN").await.unwrap_err();
    assert_eq!(error.status(), http::StatusCode::INTERNAL_SERVER_ERROR);
    drop(client);
}

/// The `q`-quantile of `sorted`.
fn quantile(sorted: &[Duration], q: f64) -> Duration {
    let i = ((sorted.len() as f64 - 1.0) * q).round() as usize;
    sorted[i]
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn revocations_reach_another_instance_within_a_second_at_the_99th_percentile() {
    let server = RedisServer::start();
    let (_, _, keys) = instance(&server).await;
    let (_, other, _) = instance(&server).await;
    let (id, _) = keys.create(Value::Null).await.unwrap();
    let mut delays = Vec::new();
    for _ in 0..120 {
        keys.put(&id, &KeyRecord::new("secret", Value::Null))
            .await
            .unwrap();
        // Read again (the change dropped it) until cached as active.
        assert!(
            cache_settled(&other, &id).await,
            "never cached (subscribed: {})",
            other.is_subscribed()
        );
        let cached = at_hand(&other, &id);
        assert!(matches!(cached, Some(Some(_))), "cached as {cached:?}");
        let started = Instant::now();
        keys.revoke(&id).await.unwrap();
        loop {
            if !matches!(at_hand(&other, &id), Some(Some(_))) {
                break;
            }
            assert!(started.elapsed() < Duration::from_secs(5), "never revoked");
            tokio::task::yield_now().await;
        }
        delays.push(started.elapsed());
    }
    delays.sort();
    let (p50, p99) = (quantile(&delays, 0.5), quantile(&delays, 0.99));
    println!(
        "revocation seen by another instance, {} revocations: p50 {p50:?}, p99 {p99:?}, max {:?}",
        delays.len(),
        delays[delays.len() - 1]
    );
    assert!(p99 < Duration::from_secs(1), "p99 {p99:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_cache_full_of_unknown_ids_still_takes_a_key() {
    let server = RedisServer::start();
    let client = server.client().await;
    let keys = RedisKeys::new(client.clone());
    let store = RedisKeyStore::options(client)
        .cache_capacity(8)
        .start()
        .await;
    assert!(eventually(Duration::from_secs(5), || store.is_subscribed()).await);
    let (id, _) = keys.create(Value::Null).await.unwrap();
    for i in 0..8 {
        assert!(looked_up(&store, &format!("AKIARANDOM{i:010}"))
            .await
            .unwrap()
            .is_none());
    }
    assert!(
        cache(&store, &id).await,
        "a key was not cached after a flood of unknown ids"
    );
    assert!(store.cached() <= 8, "the cache holds {}", store.cached());
}
