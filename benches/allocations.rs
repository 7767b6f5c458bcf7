//! Heap allocations per verification, counted by `allocation-counter`'s allocator: parse and
//! verify a typical S3 GET (header-signed, key cache warm), and the same presigned; and a
//! whole request through the layer (tower `oneshot` into a service that answers at once),
//! with the service alone subtracted, so the figure is the layer's own (its key in a
//! `MemoryKeyStore`, and presigned also in a `FileKeyStore` whose principal is JSON).
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
use countersign::core::{KeyCache, SecretKey, EMPTY_SHA256, UNSIGNED_PAYLOAD};
use countersign::server::keys::FileKeyStore;

mod common;

use common::authz::{authorizer, iam_keys, TYPICAL};
use common::{s3_get, s3_signer, s3_verifier, verify_once, AKID, NOW, SECRET};

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

    let header_allocs = count(|| verify_once(&verifier, &secret, &header, EMPTY_SHA256));
    let presigned_allocs = count(|| verify_once(&verifier, &secret, &presigned, UNSIGNED_PAYLOAD));
    let sign_allocs = count(|| {
        let mut request = build();
        signer.sign(&mut request, Payload::Empty, now).unwrap();
    });
    let (with, without) = common::through_the_layer(&presigned, |send| count(send));
    let layer_allocs = with.saturating_sub(without);
    let (with, without) = common::through_the_layer(&header, |send| count(send));
    let layer_header_allocs = with.saturating_sub(without);
    let key_file = std::env::temp_dir().join(format!(
        "countersign-bench-keys-{}.json",
        std::process::id()
    ));
    std::fs::write(&key_file, format!(r#"{{"keys": [{{"access_key_id": "{AKID}", "secret_access_key": "{SECRET}", "principal": {{"user": "bench", "groups": ["readers"]}}}}]}}"#)).unwrap();
    let file_store = FileKeyStore::open(&key_file).unwrap();
    std::fs::remove_file(&key_file).unwrap();
    let (with, without) = common::through_the_layer_of(file_store, &presigned, |send| count(send));
    let layer_file_allocs = with.saturating_sub(without);
    println!("allocations per header-signed verify (key cache warm): {header_allocs}");
    println!("allocations per presigned verify (key cache warm):     {presigned_allocs}");
    println!("allocations per sign (request construction included):  {sign_allocs}");
    println!("allocations per presigned request through the layer:   {layer_allocs}");
    println!("allocations per header-signed request through the layer: {layer_header_allocs}");
    println!("allocations per presigned request through the layer, FileKeyStore with a JSON principal: {layer_file_allocs}");
    // Authorization's own: the same header-signed request through a layer that authorizes
    // with a typical identity policy, over the same layer without an authorizer.
    let layer = || common::bench_layer(iam_keys()).virtual_host_domain("s3.amazonaws.com");
    let (plain, _) = common::through(layer(), &header, |send| count(send));
    let policy = layer().authorize(authorizer(TYPICAL));
    let (authorized, _) = common::through(policy, &header, |send| count(send));
    println!(
        "allocations authorization adds per header-signed request (3-statement identity policy): {}",
        authorized.saturating_sub(plain)
    );
}
