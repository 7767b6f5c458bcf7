//! The layer over keys and replay memory in Redis (a real `redis-server` started on a free
//! loopback port, as the tests start it): requests per second of a header-signed S3 GET
//! through the layer with `RedisKeyStore` (its cache warm) over the same with
//! `MemoryKeyStore`; and what `RedisReplayGuard` adds per request (one `SET NX PXAT` round
//! trip to Redis) over the same layer without a guard, on requests each signed once. The
//! cases take turns, fifteen rounds each, and each keeps its fastest round (see
//! `min_of_runs`); the ratios within the run are what counts.
//!
//! ```text
//! cargo bench --bench redis
//! ```

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    missing_docs,
    reason = "a bench panics on a broken fixture"
)]

use std::sync::Arc;
use std::time::{Duration, Instant};

use countersign::client::Payload;
use countersign::server::keys::MemoryKeyStore;
use countersign::server::SigV4Layer;
use countersign_redis::{KeyRecord, RedisKeyStore, RedisKeys, RedisReplayGuard};
use serde_json::{json, Value};
use time::OffsetDateTime;
use tower::{Layer, Service, ServiceExt};

mod common;

#[path = "../crates/countersign-redis/tests/support/mod.rs"]
mod redis_support;

use common::{bench_layer, s3_get, s3_signer, AKID, NOW, SECRET};

const ROUNDS: usize = 15;
/// Requests per round with the same signed request (no replay guard).
const REPEATED: usize = 20_000;
/// Requests per round each signed once (replay guard on and off).
const DISTINCT: usize = 2_000;

type Body = http_body_util::Empty<bytes::Bytes>;

/// The service that answers at once, behind `layer`.
fn service<K: countersign::server::keys::KeyStore>(
    layer: SigV4Layer<K>,
) -> impl Service<
    http::Request<Body>,
    Response = http::Response<countersign::server::ResponseBody<String>>,
    Error = std::convert::Infallible,
    Future: Send,
> + Clone {
    layer.layer(tower::service_fn(|_request: http::Request<_>| async {
        Ok::<_, std::convert::Infallible>(http::Response::new(String::new()))
    }))
}

/// `signed` as the body-less request the layer takes.
fn request(signed: &http::Request<()>) -> http::Request<Body> {
    let mut r = http::Request::new(Body::new());
    *r.method_mut() = signed.method().clone();
    *r.uri_mut() = signed.uri().clone();
    *r.headers_mut() = signed.headers().clone();
    r
}

/// `count` distinct GETs, each signed now (the replay guard accepts each once).
fn distinct_requests(count: usize, round: usize) -> Vec<http::Request<Body>> {
    let signer = s3_signer();
    let now = OffsetDateTime::now_utc();
    (0..count)
        .map(|i| {
            let mut r = http::Request::get(format!(
                "https://examplebucket.s3.amazonaws.com/photos/{round}/{i}.jpg"
            ))
            .header("host", "examplebucket.s3.amazonaws.com")
            .body(())
            .unwrap();
            signer.sign(&mut r, Payload::Empty, now).unwrap();
            request(&r)
        })
        .collect()
}

/// Nanoseconds per request of sending `requests` through `service`, each to be accepted.
async fn ns_per_request<S>(service: &S, requests: impl Iterator<Item = http::Request<Body>>) -> u128
where
    S: Service<
            http::Request<Body>,
            Response = http::Response<countersign::server::ResponseBody<String>>,
            Error = std::convert::Infallible,
        > + Clone,
{
    let mut count = 0u128;
    let started = Instant::now();
    for request in requests {
        let response = service.clone().oneshot(request).await.unwrap();
        assert!(response.status().is_success(), "{}", response.status());
        count += 1;
    }
    started.elapsed().as_nanos() / count.max(1)
}

fn main() {
    let server = redis_support::RedisServer::start();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        let principal = Arc::new(json!({"arn": "arn:aws:iam::111122223333:user/bench"}));
        let client = server.client().await;
        let record = KeyRecord::new(SECRET, Value::clone(&principal));
        RedisKeys::new(client.clone()).put(AKID, &record).await.unwrap();
        let redis_keys = RedisKeyStore::start(client.clone()).await;
        while !redis_keys.is_subscribed() {
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        let memory_keys = MemoryKeyStore::new();
        memory_keys.insert(AKID, SECRET, principal);

        let mut repeated = s3_get();
        s3_signer().sign(&mut repeated, Payload::Empty, NOW).unwrap();
        let memory = service(bench_layer(memory_keys));
        let cached = service(bench_layer(redis_keys.clone()));
        // The layer's own clock from here: the guard keeps each signature until its window
        // ends, which must be in the future.
        let live = |guard: bool| {
            let layer = SigV4Layer::new(redis_keys.clone())
                .s3()
                .regions(["us-east-1"])
                .services(["s3"]);
            match guard {
                true => service(layer.replay_protection(RedisReplayGuard::new(client.clone()))),
                false => service(layer),
            }
        };
        let (unguarded, guarded) = (live(false), live(true));
        // Warm the key cache.
        ns_per_request(&cached, std::iter::repeat_with(|| request(&repeated)).take(100)).await;

        let mut best = [u128::MAX; 4];
        for round in 0..ROUNDS {
            let times = [
                ns_per_request(&memory, std::iter::repeat_with(|| request(&repeated)).take(REPEATED)).await,
                ns_per_request(&cached, std::iter::repeat_with(|| request(&repeated)).take(REPEATED)).await,
                ns_per_request(&unguarded, distinct_requests(DISTINCT, 2 * round).into_iter()).await,
                ns_per_request(&guarded, distinct_requests(DISTINCT, 2 * round + 1).into_iter()).await,
            ];
            for (best, time) in best.iter_mut().zip(times) {
                *best = (*best).min(time);
            }
        }
        let [memory, cached, unguarded, guarded] = best;
        println!("MemoryKeyStore: {memory} ns per request");
        println!(
            "RedisKeyStore, cache warm: {cached} ns per request; requests per second {:.3}x MemoryKeyStore's (target at least 0.90)",
            memory as f64 / cached as f64
        );
        println!("RedisKeyStore, each request signed once, no replay guard: {unguarded} ns per request");
        println!(
            "the same with RedisReplayGuard: {guarded} ns per request: {:.1} µs more per request, {:.2}x the time",
            (guarded as f64 - unguarded as f64) / 1000.0,
            guarded as f64 / unguarded as f64
        );
    });
}
