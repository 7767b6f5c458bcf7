//! Heap allocations per verification, counted by `allocation-counter`'s allocator: parse and
//! verify a typical S3 GET (header-signed, key cache warm), and the same presigned; and a
//! whole request through the layer (tower `oneshot` into a service that answers at once),
//! with the service alone subtracted, so the figure is the layer's own.
//!
//! ```text
//! cargo bench --bench allocations
//! ```

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    missing_docs,
    reason = "a bench panics on a broken fixture"
)]

use std::sync::Arc;

use countersign::client::Payload;
use countersign::core::{AuthParams, KeyCache, Request, SecretKey, EMPTY_SHA256, UNSIGNED_PAYLOAD};

mod common;

use common::{s3_get, s3_signer, s3_verifier, NOW, SECRET};

/// Average allocations of one call of `f`, after a warm-up call.
fn count(mut f: impl FnMut()) -> u64 {
    f();
    const RUNS: u64 = 1000;
    let info = allocation_counter::measure(|| {
        for _ in 0..RUNS {
            f();
        }
    });
    info.count_total / RUNS
}

fn main() {
    let now = NOW;
    let signer = s3_signer();
    let build = s3_get;
    let mut header = build();
    signer.sign(&mut header, Payload::Empty, now).unwrap();
    let mut presigned = build();
    signer
        .presign(&mut presigned, Payload::Unsigned, 3600, now)
        .unwrap();
    let secret = SecretKey::new(SECRET);
    let verifier = s3_verifier().key_cache(Arc::new(KeyCache::new(64)));

    let header_allocs = count(|| {
        let view = Request::from_http(&header);
        let auth = AuthParams::from_request(&view).unwrap();
        verifier
            .verify(&view, &auth, &secret, EMPTY_SHA256, now)
            .unwrap();
    });
    let presigned_allocs = count(|| {
        let view = Request::from_http(&presigned);
        let auth = AuthParams::from_request(&view).unwrap();
        verifier
            .verify(&view, &auth, &secret, UNSIGNED_PAYLOAD, now)
            .unwrap();
    });
    let sign_allocs = count(|| {
        let mut request = build();
        signer.sign(&mut request, Payload::Empty, now).unwrap();
    });
    let layer_allocs = through_the_layer(&presigned);
    println!("allocations per header-signed verify (key cache warm): {header_allocs}");
    println!("allocations per presigned verify (key cache warm):     {presigned_allocs}");
    println!("allocations per sign (request construction included):  {sign_allocs}");
    println!("allocations per presigned request through the layer:   {layer_allocs}");
}

/// The layer's own allocations for one presigned GET: the request through `SigV4Layer` into
/// a service that answers at once, minus the same request into the service alone.
fn through_the_layer(presigned: &http::Request<()>) -> u64 {
    use countersign::server::keys::MemoryKeyStore;
    use countersign::server::SigV4Layer;
    use tower::{Layer, ServiceExt};
    let store = MemoryKeyStore::new();
    store.insert(common::AKID, SECRET, ());
    let layer = SigV4Layer::new(store)
        .s3()
        .regions(["us-east-1"])
        .services(["s3"])
        .clock(|| NOW);
    let service = layer.layer(tower::service_fn(answer));
    let request = || {
        let mut r = http::Request::new(http_body_util::Empty::<bytes::Bytes>::new());
        *r.method_mut() = presigned.method().clone();
        *r.uri_mut() = presigned.uri().clone();
        *r.headers_mut() = presigned.headers().clone();
        r
    };
    let runtime = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    let with = count(|| {
        let response = runtime
            .block_on(service.clone().oneshot(request()))
            .unwrap();
        assert!(response.status().is_success());
    });
    let without = count(|| {
        let response = runtime
            .block_on(tower::service_fn(answer).oneshot(request()))
            .unwrap();
        assert!(response.status().is_success());
    });
    with.saturating_sub(without)
}

/// A service that answers at once.
async fn answer<B>(
    _request: http::Request<B>,
) -> Result<http::Response<String>, std::convert::Infallible> {
    Ok(http::Response::new(String::new()))
}
